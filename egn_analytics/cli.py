"""``egn`` command line: generate the embedded data, serve the dashboards (room for more verbs).

Errors are reported as one French line on stderr with a non-zero exit code, never a traceback:
the CLI is what statisticians script against.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from egn_analytics.config import get_settings

app = typer.Typer(
    name="egn",
    help="EGN Analytics : continuité pédagogique et équipement numérique (EGN 2020).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _peak_rss_mib() -> float:
    """Peak resident memory of this process, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fail(message: str) -> NoReturn:
    typer.echo(f"erreur : {message}", err=True)
    raise typer.Exit(code=2)


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    """Any error → one French line on stderr, exit code 2; ``EGN_DEBUG=1`` keeps the traceback."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as exc:
        if os.environ.get("EGN_DEBUG", "") == "1":
            raise
        from egn_analytics.loaders.registry import error_line

        _fail(error_line(exc))


@app.command()
def synth(
    out: Annotated[Path | None, typer.Option(help="Dossier de sortie (défaut : data/raw).")] = None,
    scale: Annotated[
        float | None,
        typer.Option(help="Échelle (1 = taille nationale / publiée ; défaut : EGN_SCALE)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Graine du générateur (défaut : EGN_SEED, sinon 2020).")
    ] = None,
    ent_events: Annotated[
        int | None, typer.Option(help="Nombre d'événements ENT (défaut : 2 000 000 × échelle).")
    ] = None,
    ent_format: Annotated[
        str, typer.Option(help="Format des journaux ENT : csv.gz, csv, parquet, jsonl.")
    ] = "csv.gz",
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Familles à écrire (etablissements, enquetes, ent, cned, textes, calendrier)."
        ),
    ] = None,
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="Ne rien faire si le manifeste existe déjà.")
    ] = False,
) -> None:
    """Écrire le jeu de données synthétique embarqué (fichiers bruts + manifest.json)."""
    from egn_analytics.synth import MANIFEST, generate

    settings = get_settings()
    seed = settings.seed if seed is None else seed
    scale = settings.scale if scale is None else scale
    target = out or settings.raw_dir
    if if_missing and (target / MANIFEST).is_file():
        typer.echo(f"données déjà présentes dans {target} (manifest.json) : rien à faire")
        return
    start = time.perf_counter()
    with _one_line_errors():
        kwargs = {"families": tuple(only)} if only else {}
        manifest = generate(target, seed=seed, scale=scale, ent_events=ent_events,
                            ent_format=ent_format, **kwargs)  # fmt: skip
    total = sum(f.bytes for f in manifest.files)
    typer.echo(
        f"{len(manifest.files)} fichiers synthétiques écrits dans {target} "
        f"({fmt_fr(total / 1e6, 1)} Mo) en {fmt_fr(time.perf_counter() - start, 1)} s ; "
        f"mémoire max {fmt_fr(_peak_rss_mib(), 0)} Mio"
    )


def fmt_fr(value: float, decimals: int) -> str:
    """French number for console lines (« 1 234,5 »), without importing the viz stack."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


@app.command()
def ingest(
    kind: Annotated[
        str,
        typer.Argument(
            help="survey, etablissements, ent-logs, ent-audience, cned, corpus, consultation, calendar"
        ),
    ],
    path: Annotated[Path, typer.Argument(help="Fichier ou dossier à lire.")],
    out: Annotated[
        Path | None, typer.Option(help="Dossier de sortie (défaut : data/processed).")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Encodage (détecté sinon).")] = None,
    separator: Annotated[str | None, typer.Option(help="Séparateur (détecté sinon).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Ignorer le cache.")] = False,
    etablissements: Annotated[
        Path | None,
        typer.Option(help="ent-logs : table etablissements.parquet (partition par académie)."),
    ] = None,
    ids: Annotated[
        str | None,
        typer.Option(
            help="survey : unités primaires (puis secondaires) comme ids de svydesign, "
            "« psu » ou « psu,id » ; « 1 » : chaque ligne est une unité primaire."
        ),
    ] = None,
    strata: Annotated[str | None, typer.Option(help="survey : colonne des strates.")] = None,
    weights: Annotated[str | None, typer.Option(help="survey : colonne des poids.")] = None,
    fpc: Annotated[
        str | None, typer.Option(help="survey : colonne(s) fpc, une par degré (« N_h,M_i »).")
    ] = None,
    nest: Annotated[
        bool,
        typer.Option(
            "--nest",
            help="survey : unités primaires numérotées dans chaque strate (R : nest=TRUE).",
        ),
    ] = False,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Rôle d'une colonne du fichier, CIBLE=COLONNE (répétable), tout type ; une "
            "cible inconnue liste celles du type. survey : poids, strate, uai, fpc (colonnes "
            "DEPP ; sinon --ids/--weights). ent-logs : horodatage, "
            "id_utilisateur, profil, uai, statut_http, projet_ent, service, url, duree_ms (un "
            "fichier à fins de ligne CR seules est alors lu).",
        ),
    ] = None,
    constants: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Valeur constante d'une cible absente du fichier, CIBLE=VALEUR (répétable). "
            "ent-logs : uai, profil, statut_http, projet_ent, service, url ; "
            "code_academie=NN pour une plateforme d'une seule académie ; annee=AAAA pour des "
            "dates écrites sans année (jamais devinée).",
        ),
    ] = None,
    ips: Annotated[
        list[Path] | None,
        typer.Option(
            "--ips",
            help="etablissements : fichier IPS de la DEPP (écoles, collèges ou lycées, reconnu "
            "à son en-tête), répétable ; ajoute ips et classe_ips (quartile) par UAI.",
        ),
    ] = None,
    mapping_file: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help='Fichier TOML de correspondance : tables \\[map] (CIBLE = "COLONNE") et '
            '\\[set] (CIBLE = "VALEUR") ; --map et --set le complètent et l\'emportent.',
        ),
    ] = None,
) -> None:
    """Lire une source, écrire sa table validée et ses rejets (Parquet), résumer.

    Enquête hors DEPP, plan de sondage déclaré comme svydesign (R), colonnes gardées sous leur nom, plan enregistré avec la table : egn ingest survey nhanes2.dta --ids psu --strata strata --weights finalwgt --nest

    Journaux d'une autre plateforme, rôle des colonnes (--map) et constantes (--set) : egn ingest ent-logs moodle.csv --map horodatage=Time --map "id_utilisateur=User full name" --set uai=0750001U --set profil=élève --set annee=2018 (sans colonne de statut : statut_http = 200, noté dans le résumé)

    Annuaire aux colonnes renommées : egn ingest etablissements annuaire.csv --map uai=RNE --map type="Type d'établissement" --set secteur=Public

    Annuaire et IPS de la DEPP joints par UAI : egn ingest etablissements annuaire.csv --ips fr-en-ips-colleges-ap2022.csv --ips fr-en-ips-lycees-ap2022.csv

    La même déclaration dans un fichier, réutilisable : egn ingest cned series.csv --mapping cned.toml (cned.toml : \\[map] puis date = "Jour" et inscriptions = "Nouveaux inscrits")
    """
    from egn_analytics.loaders.registry import ingest as run_ingest

    target = out or get_settings().processed_dir
    # Into the published tables folder: not while a build runs (its switch would drop the
    # table), and into the current generation, where the next build keeps it.
    writing = contextlib.nullcontext() if out is not None else _build_lock(target)
    options: dict[str, Any] = {"encoding": encoding, "separator": separator}
    if etablissements is not None:
        if not etablissements.is_file():
            _fail(f"{etablissements} introuvable (--etablissements)")
        options["etablissements"] = str(etablissements)  # JSON-able for the cache key
    if ips:
        if kind != "etablissements":
            _fail("--ips ne s'applique qu'au type etablissements")
        for ips_file in ips:
            if not ips_file.is_file():
                _fail(f"{ips_file} introuvable (--ips)")
        options["ips"] = [str(p) for p in ips]  # JSON-able for the cache key
    options.update(_design_options(kind, ids, strata, weights, fpc, nest))
    with _one_line_errors():
        options.update(_layout_options(kind, mapping or [], constants or [], mapping_file))
    with _one_line_errors(), writing:
        summary = run_ingest(kind, path, target, force=force, **options)
    for part in summary.get("tables") or [summary]:
        typer.echo(format_summary({**part, "cache": summary.get("cache")}, target))


def _pairs(values: list[str], option: str, right: str) -> dict[str, str]:
    """``CIBLE=…`` arguments as a dict (split at the first ``=``: a column name may hold one)."""
    pairs: dict[str, str] = {}
    for value in values:
        target, sep, rest = value.partition("=")
        if not sep or not target.strip():
            _fail(f"{option} attend CIBLE={right} (reçu : {value!r})")
        if target.strip() in pairs:
            _fail(f"{option} {target.strip()} donné deux fois")
        pairs[target.strip()] = rest
    return pairs


def _layout_options(
    kind: str, mapping: list[str], constants: list[str], mapping_file: Path | None = None
) -> dict[str, Any]:
    """``--mapping FILE.toml``, ``--map`` and ``--set`` as the loader's ``mapping`` and
    ``constants`` (dicts: JSON for the cache key, so the TOML file's *content* is in the key,
    not its path); nothing when absent, so a file in our layout keeps its cache key. The
    command line completes the file and wins over it for the same target."""
    if not mapping and not constants and mapping_file is None:
        return {}
    declared: tuple[dict[str, str], dict[str, str]] = ({}, {})
    if mapping_file is not None:
        from egn_analytics.loaders._mapping import read_mapping_file

        declared = read_mapping_file(mapping_file)
    pairs = {**declared[0], **_pairs(mapping, "--map", "COLONNE")}
    fixed = {**declared[1], **_pairs(constants, "--set", "VALEUR")}
    options: dict[str, Any] = {}
    if pairs:
        options["mapping"] = pairs
    if fixed:
        options["constants"] = fixed
    return options


def _design_options(
    kind: str,
    ids: str | None,
    strata: str | None,
    weights: str | None,
    fpc: str | None,
    nest: bool,
) -> dict[str, Any]:
    """The declared design as the survey loader's options (lists: JSON for the cache key).

    Nothing is passed when nothing is declared, so a DEPP file keeps its cache key. --strata or
    --fpc alone would be read as the DEPP columns' names: R's svydesign needs ids, so do we.
    """
    given = {"ids": ids, "strata": strata, "weights": weights, "fpc": fpc}
    if not any(given.values()) and not nest:
        return {}
    if kind != "survey":
        _fail("--ids, --strata, --weights, --fpc et --nest ne concernent que les enquêtes (survey)")
    if ids is None and weights is None:
        _fail("plan de sondage : donner --ids (« --ids 1 » si chaque ligne est une unité primaire)")
    options: dict[str, Any] = {
        k: [p.strip() for p in v.split(",") if p.strip()] for k, v in given.items() if v
    }
    if weights:
        options["weights"] = weights.strip()
    if nest:
        options["nest"] = True
    return options


@app.command()
def build(
    raw: Annotated[
        Path | None, typer.Option(help="Dossier des fichiers bruts (défaut : data/raw).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Dossier des tables (défaut : data/processed).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Ignorer le cache.")] = False,
) -> None:
    """Construire toutes les tables à partir du dossier brut, et le rapport de qualité."""
    from egn_analytics.loaders.registry import build as run_build

    settings = get_settings()
    target = out or settings.processed_dir
    with _one_line_errors():
        summaries = run_build(raw or settings.raw_dir, target, force=force)
    failed = [s for s in summaries if "erreur" in s]
    for s in summaries:
        typer.echo(f"erreur : {s['erreur']}" if "erreur" in s else format_summary(s, target))
    typer.echo(f"rapport de qualité : {target / 'qualite.json'}")
    if failed:
        raise typer.Exit(code=1)


def _build_lock(published: Path) -> contextlib.AbstractContextManager[None]:
    from egn_analytics.generations import build_lock

    return build_lock(published)


def format_summary(summary: dict[str, Any], target: Path) -> str:
    """One screen: rows read = accepted + rejected, rejected by reason, where it went.

    An indicator table (computed, not read: no rejects) takes one line, and one whose inputs
    are not in this build says « absent » and why instead of showing a table of 0 rows.
    """
    if summary.get("type") == "indicateurs":
        if summary.get("absent"):
            return f"{summary['table']} : {summary['absent']}"
        cache = " (cache : entrées inchangées)" if summary.get("cache") else ""
        return f"{summary['table']} : {fmt_fr(float(summary.get('lignes') or 0), 0)} lignes{cache}"
    lines = [
        f"{summary['table']} → {target}{' (cache : entrées inchangées)' if summary.get('cache') else ''}",
        f"  lignes lues  {fmt_fr(float(summary['lignes_lues']), 0):>14}",
        f"  acceptées    {fmt_fr(float(summary['acceptees']), 0):>14}",
        f"  rejetées     {fmt_fr(float(summary['rejetees']), 0):>14}",
    ]
    if summary.get("ecartees"):  # rows kept apart as out of the product's scope, not errors
        lines.append(f"    dont écartées   {fmt_fr(float(summary['ecartees']), 0):>9}")
        lines.append(f"    dont erreurs    {fmt_fr(float(summary.get('erreurs') or 0), 0):>9}")
    motifs = summary.get("motifs") or {}
    for reason, count in list(motifs.items())[:10]:
        lines.append(f"    {fmt_fr(float(count), 0):>10}  {reason}")
    if summary.get("avertissement"):  # e.g. a file that holds only its header
        lines.append(f"  attention : {summary['avertissement']}")
    return "\n".join(lines)


#: Request threads of ``egn serve`` when neither ``--threads`` nor ``EGN_THREADS`` says: a page
#: load is a dozen requests (layout, callbacks, component bundles) and a callback may compute an
#: indicator for seconds; 8 keeps the page responsive for a few analysts on one machine.
DEFAULT_THREADS = 8


def dev_server_wanted(debug: bool = False) -> bool:
    """Whether to run Dash's development server (debug mode) instead of waitress.

    ``--debug`` or ``EGN_DEBUG=1``: the Werkzeug debugger executes code sent by the browser,
    so it is never the default; it is what one wants while working on a page (reloader,
    tracebacks in the browser).
    """
    return debug or os.environ.get("EGN_DEBUG", "") == "1"


def server_options(host: str, port: int, threads: int) -> dict[str, Any]:
    """waitress's settings for ``egn serve`` (one place, so that the tests read them).

    ``expose_tracebacks`` stays off: an error that escaped Flask is answered with a bare 500,
    its traceback only goes to the log. ``clear_untrusted_proxy_headers``: no proxy is
    trusted, so ``X-Forwarded-*`` headers sent by a client are dropped.
    """
    return {
        "host": host,
        "port": port,
        "threads": threads,
        "ident": "waitress",
        "expose_tracebacks": False,
        "clear_untrusted_proxy_headers": True,
    }


def make_server(wsgi_app: Any, *, host: str, port: int, threads: int) -> Any:
    """A waitress server bound to ``host:port`` (0: a free port), its threads started, not
    yet serving: :func:`serve_until_stopped` runs it. Separate from ``egn serve`` so that the
    construction can be tested without blocking."""
    from waitress import wasyncore
    from waitress.server import create_server
    from waitress.task import ThreadedTaskDispatcher

    # waitress starts its threads before binding and leaves them, its trigger pipe and the
    # socket open when the bind fails (port taken): ours start once bound, and the map lets
    # a failure close what was opened.
    dispatcher = ThreadedTaskDispatcher()
    sockets: dict[int, Any] = {}
    try:
        server = create_server(
            wsgi_app, map=sockets, _dispatcher=dispatcher, **server_options(host, port, threads)
        )
    except BaseException:
        wasyncore.close_all(sockets)
        raise
    dispatcher.set_thread_count(threads)
    return server


def close_server(server: Any) -> None:
    """Stop the request threads and close the listening socket(s)."""
    server.task_dispatcher.shutdown()
    server.close()


def serve_until_stopped(server: Any) -> None:
    """Serve until Ctrl+C or SIGTERM, then stop cleanly (exit code 0).

    SIGTERM would kill the process where it stands (Python's default); raised here as
    ``KeyboardInterrupt``, which waitress's loop catches like Ctrl+C: it stops the request
    threads (waiting a few seconds for running requests) and returns.
    """
    import signal

    def _stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        close_server(server)


def _load_dashboards() -> Any:
    """The ``dashboards.app`` module, loaded by name: the library never imports dash."""
    return importlib.import_module("dashboards.app")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8050,
    threads: Annotated[
        int,
        typer.Option(
            min=1,
            max=256,
            envvar="EGN_THREADS",
            help="Requêtes servies en parallèle (fils d'exécution de waitress).",
        ),
    ] = DEFAULT_THREADS,
    debug: Annotated[
        bool,
        typer.Option(help="Serveur de développement de Dash, mode débogage (comme EGN_DEBUG=1)."),
    ] = False,
) -> None:
    """Servir les tableaux de bord (Dash) sur les données du dossier data/ (serveur waitress)."""
    dashboards = _load_dashboards()
    dash_app = dashboards.create_app()
    if dev_server_wanted(debug):
        # Said to the dev server, never written into os.environ: a setting left in the process
        # would follow every later command (and subprocess) of it, tracebacks included.
        typer.echo(f"EGN Analytics : http://{host}:{port}/  (mode débogage, Ctrl+C pour arrêter)")
        dashboards.run(dash_app, host=host, port=port, debug=True)
        return
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s : %(message)s")
    try:
        server = make_server(dash_app.server, host=host, port=port, threads=threads)
    except OSError as exc:
        _fail(f"impossible d'écouter sur {host}:{port} ({exc.strerror or exc})")
    listening = getattr(server, "effective_port", port)
    typer.echo(
        f"EGN Analytics : http://{host}:{listening}/  "
        f"({threads} fils d'exécution, Ctrl+C pour arrêter)"
    )
    serve_until_stopped(server)
    typer.echo("EGN Analytics : serveur arrêté")


usage_app = typer.Typer(
    help="Usage des ENT : tables quotidiennes et indicateurs de continuité.",
    no_args_is_help=True,
)
app.add_typer(usage_app, name="usage")


@usage_app.command("daily")
def usage_daily(
    events_dir: Annotated[
        Path, typer.Argument(help="Dossier ent_evenements (partitions mois=AAAA-MM).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Fichier Parquet à écrire.")],
    etablissements: Annotated[
        Path | None,
        typer.Option(
            help="Table etablissements.parquet (défaut : celle à côté du dossier d'événements, "
            "sinon celle de data/processed)."
        ),
    ] = None,
) -> None:
    """Écrire la table quotidienne jour × académie × profil (événements, visites, utilisateurs)."""
    from egn_analytics.usage import write_daily

    with _one_line_errors():
        report = write_daily(events_dir, out, etablissements)
    table = report.table
    n_days = table.get_column("jour").n_unique()
    n_acad = table.get_column("code_academie").n_unique()
    typer.echo(
        f"{out} : {fmt_fr(table.height, 0)} lignes, {fmt_fr(n_days, 0)} jours, "
        f"{fmt_fr(n_acad, 0)} académies, {report.partitions} partitions mensuelles "
        f"en {fmt_fr(report.seconds, 1)} s ; mémoire max {fmt_fr(_peak_rss_mib(), 0)} Mio"
    )
    if report.unmatched_events:
        typer.echo(
            f"  exclus : {fmt_fr(report.unmatched_events, 0)} événement(s) dont l'UAI est absent "
            f"de la table des établissements ({fmt_fr(report.unmatched_uai, 0)} UAI distinct(s))"
        )


text_app = typer.Typer(
    help="Concertation et RETEX : classement des contributions en thèmes et propositions.",
    no_args_is_help=True,
)
app.add_typer(text_app, name="text")

_ProcessedOpt = Annotated[
    Path | None, typer.Option("--processed", help="Dossier des tables (défaut : data/processed).")
]
_RawOpt = Annotated[
    Path | None,
    typer.Option(
        "--raw", help="Dossier brut où chercher textes/verite_terrain*.csv (défaut : data/raw)."
    ),
]
_LabelsOpt = Annotated[
    Path | None,
    typer.Option("--labels", help="Fichier d'exemples étiquetés (id;theme;propositions)."),
]


@text_app.command("classify")
def text_classify(
    out: Annotated[Path, typer.Option("--out", help="Fichier Parquet à écrire.")],
    processed: _ProcessedOpt = None,
    raw: _RawOpt = None,
    labels: _LabelsOpt = None,
) -> None:
    """Classer toutes les contributions (thème, propositions, « à vérifier ») dans un Parquet."""
    import time

    from egn_analytics.io import atomic_path
    from egn_analytics.text.pipeline import analyse_corpus

    start = time.perf_counter()
    with _one_line_errors():
        analysis = analyse_corpus(processed, raw, labels_path=labels)
        with atomic_path(out) as tmp:
            analysis.texts.write_parquet(tmp)
        _label_rejects(
            analysis.label_rejects, out.with_name(f"{out.stem}.etiquettes.rejects.parquet")
        )
    texts = analysis.texts
    classified = int(texts.get_column("theme").is_not_null().sum())
    review = int(texts.get_column("a_verifier").sum())
    typer.echo(
        f"{out} : {fmt_fr(texts.height, 0)} contributions, {fmt_fr(classified, 0)} classées, "
        f"{fmt_fr(review, 0)} à vérifier, en {fmt_fr(time.perf_counter() - start, 1)} s"
    )
    typer.echo(f"  méthode : {analysis.method}")
    _echo_quality(analysis.evaluation)


def _label_rejects(rejects: Any, dest: Path | None) -> None:
    """Say how many lines of the labels file were rejected and why; keep them in ``dest``."""
    if rejects is None or rejects.is_empty():
        return
    from egn_analytics.io import atomic_path
    from egn_analytics.loaders._core import LINE_COL, REASON_COL

    first = rejects.row(0, named=True)
    typer.echo(
        f"  étiquettes : {fmt_fr(rejects.height, 0)} ligne(s) rejetée(s), non utilisée(s) "
        f"(première : ligne {first[LINE_COL]}, {first[REASON_COL]})"
    )
    if dest is not None:
        with atomic_path(dest) as tmp:
            rejects.write_parquet(tmp)
        typer.echo(f"  lignes rejetées et leurs motifs : {dest}")


def _echo_quality(evaluation: Any) -> None:
    if evaluation is None:
        return
    for row in evaluation.iter_rows(named=True):
        typer.echo(
            f"  {row['methode']} : F1 macro thèmes {fmt_fr(row['f1_macro_themes'], 3)}, "
            f"propositions {fmt_fr(row['f1_macro_propositions'], 3)} "
            f"({fmt_fr(row['textes'], 0)} textes tenus à l'écart)"
        )


@text_app.command("evaluate")
def text_evaluate(
    processed: _ProcessedOpt = None,
    raw: _RawOpt = None,
    labels: _LabelsOpt = None,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Parquet où garder les lignes d'étiquettes rejetées."),
    ] = None,
) -> None:
    """Mesurer le classement sur les textes étiquetés tenus à l'écart (F1 macro, confusion)."""
    from egn_analytics.text.corpus import find_labels, load_texts, read_labels
    from egn_analytics.text.evaluation import held_out_evaluation

    with _one_line_errors():
        path = labels if labels is not None else find_labels(raw)
        if path is None:
            raise ValueError("aucun fichier d'exemples étiquetés : indiquez --labels")
        read = read_labels(path)
        _label_rejects(read.rejects, rejects)
        report = held_out_evaluation(load_texts(processed), read.data)
    typer.echo(
        f"{fmt_fr(report.n_train, 0)} textes d'apprentissage, {fmt_fr(report.n_test, 0)} tenus à l'écart"
    )
    if report.unmatched_ids:
        typer.echo(
            f"  {fmt_fr(len(report.unmatched_ids), 0)} identifiant(s) étiqueté(s) absent(s) du "
            f"corpus, ignoré(s) (par exemple : {', '.join(report.unmatched_ids[:3])})"
        )
    _echo_quality(report.table())
    if report.by_source is not None:
        typer.echo("par source (F1 macro thèmes / propositions) :")
        for named in report.by_source.iter_rows(named=True):
            typer.echo(
                f"  {named['methode']:<18} {named['source']:<14} "
                f"{fmt_fr(named['textes'], 0):>6} textes  {fmt_fr(named['f1_macro_themes'], 3)} / "
                f"{fmt_fr(named['f1_macro_propositions'], 3)}"
            )
    typer.echo("matrice de confusion des thèmes (amorce + exemples ; lignes : vrai thème) :")
    confusion = report.learnt.confusion
    typer.echo(
        "  "
        + " ".join(
            f"{c.replace('theme_vrai', 'vrai').replace('predit_', 'prédit '):>10}"
            for c in confusion.columns
        )
    )
    for row in confusion.iter_rows():
        typer.echo("  " + " ".join(f"{v:>10}" for v in row))


export_app = typer.Typer(
    help="Exports pour une note : note de synthèse (HTML, DOCX, PDF).",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")

#: Formats of ``egn export note`` and the renderer of each (module, function), imported
#: only when asked: the DOCX and PDF engines are heavy and optional.
NOTE_FORMATS: dict[str, tuple[str, str]] = {
    "html": ("egn_analytics.notes.html", "render_html"),
    "docx": ("egn_analytics.notes.docx", "render_docx"),
    "pdf": ("egn_analytics.notes.pdf", "render_pdf"),
}


def _note_format(fmt: str | None, out: Path) -> str:
    """The format asked, else the output's suffix; refused in French when unknown."""
    chosen = (fmt or out.suffix.lstrip(".") or "html").strip().lower()
    if chosen not in NOTE_FORMATS:
        raise ValueError(
            f"format inconnu : « {chosen} » (formats possibles : {', '.join(NOTE_FORMATS)})"
        )
    return chosen


def _note_date(text: str | None) -> Any:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"date invalide : « {text} » (attendu : AAAA-MM-JJ)") from None


@export_app.command("note")
def export_note(
    out: Annotated[Path, typer.Option("--out", help="Fichier de la note à écrire.")],
    academie: Annotated[
        str | None, typer.Option("--academie", help="Code de l'académie (par exemple 09).")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Code de la région académique (par exemple 32).")
    ] = None,
    national: Annotated[bool, typer.Option("--national", help="Note pour la France.")] = False,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="html, docx ou pdf (défaut : l'extension de --out)."),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="Date de la note, AAAA-MM-JJ (défaut : date des données)."),
    ] = None,
    processed: _ProcessedOpt = None,
) -> None:
    """Écrire la note de synthèse d'une académie, d'une région académique ou de la France."""
    started = time.perf_counter()
    with _one_line_errors():
        from egn_analytics.viz.render import start_in_background

        start_in_background()  # Chromium starts while the note's code loads and it is built
        from egn_analytics.cards import Tables
        from egn_analytics.notes import build_note, scope_of

        scope = scope_of(academie=academie, region=region, national=national)
        chosen = _note_format(fmt, out)
        created = _note_date(date)
        module_name, function = NOTE_FORMATS[chosen]
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise RuntimeError(f"le format {chosen} n'est pas disponible ici ({exc})") from exc
        note = build_note(scope, Tables(processed), created=created)
        getattr(module, function)(note, out)
    typer.echo(
        f"note écrite : {out} ({note.scope.label}, {len(note.messages)} messages clés, "
        f"{len(note.figures)} graphiques, {fmt_fr(time.perf_counter() - started, 1)} s)"
    )


@export_app.command("charts")
def export_charts_command(
    page: Annotated[
        str, typer.Option("--page", help="Page : enquetes, usages, concertation ou donnees.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Dossier où écrire les graphiques.")],
    academie: Annotated[
        str | None, typer.Option("--academie", help="Code de l'académie (par exemple 09).")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Code de la région académique (par exemple 32).")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help="Formats, séparés par des virgules."),
    ] = "png,svg,pdf,csv,xlsx",
    processed: _ProcessedOpt = None,
) -> None:
    """Écrire chaque graphique d'une page (PNG, SVG, PDF) et ses données (CSV, XLSX),
    numérotés pour une note : graphique-01-usages-chronologie.png…"""
    started = time.perf_counter()
    with _one_line_errors():
        from egn_analytics.cards import Tables
        from egn_analytics.notes.charts import export_charts, page_view

        view = page_view(page, academie=academie, region=region)
        written = export_charts(
            page, out, view=view, tables=Tables(processed), formats=fmt.split(",")
        )
    plural = "s" if len(written) > 1 else ""
    typer.echo(
        f"{len(written)} fichier{plural} écrit{plural} dans {out} "
        f"({fmt_fr(time.perf_counter() - started, 1)} s)"
    )


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
