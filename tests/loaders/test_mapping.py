"""Declared column layouts (``mapping``/``constants``, ``--map``/``--set``/``--mapping``).

The shared mechanism (:mod:`egn_analytics.loaders._mapping`) is tested on its own; then each
loader reads its fixture with every known header renamed to a foreign name (« Rubrique 3 »)
and a mapping back, and must give exactly the table of the canonical header; errors name the
file and the column or role; ``egn ingest --mapping FILE.toml`` goes end to end with its
content in the cache key; and the real Moodle log of ``../shared/real-world/`` goes through a
TOML mapping without any HTTP status column.
"""

from __future__ import annotations

import codecs
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from typer.testing import CliRunner

from egn_analytics.cli import app
from egn_analytics.loaders import (
    LoadError,
    calendar,
    cned,
    consultation,
    corpus,
    ent_audience,
    ent_logs,
    etablissements,
    registry,
    survey,
)
from egn_analytics.loaders._mapping import (
    SET_ASIDE,
    Declared,
    apply_mapping,
    declare,
    match_columns,
    read_mapping_file,
)
from egn_analytics.loaders.corpus import fold

FIX = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
MOODLE = (
    REPO.parent / "shared" / "real-world" / "logs" / "moodle-udheit2018"
) / "Course_Activity_Obfuscated.csv"
UAI = "0750001U"


@pytest.fixture(autouse=True)
def pseudo_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGN_PSEUDO_KEY", "5e" * 32)
    monkeypatch.delenv("EGN_PSEUDO_KEY_FILE", raising=False)


# --------------------------------------------------------------------------- the mechanism


def test_declare_checks_roles_and_lists_the_known_ones() -> None:
    roles = ("uai", "nom", "secteur")
    got = declare({" uai ": " RNE "}, {"secteur": " Public "}, roles)
    assert got == Declared({"uai": "RNE"}, {"secteur": "Public"})
    assert got.record() == {"correspondance": {"uai": "RNE"}, "constantes": {"secteur": "Public"}}
    assert not declare(None, None, roles) and declare(None, None, roles).record() == {}
    with pytest.raises(LoadError) as err:
        declare({"rne": "RNE"}, None, roles, path=Path("annuaire.csv"))
    assert str(err.value) == (
        "annuaire.csv : --map rne=… : cible inconnue (possibles : uai, nom, secteur)"
    )
    with pytest.raises(ValueError, match=r"^--set uai=… : cible impossible \(possibles : nom\)"):
        declare(None, {"uai": "x"}, roles, constant_roles=("nom",))
    with pytest.raises(ValueError, match=r"^--map nom= : nom de colonne vide"):
        declare({"nom": " "}, None, roles)
    with pytest.raises(ValueError, match=r"^--set nom= : valeur vide"):
        declare(None, {"nom": ""}, roles)
    with pytest.raises(ValueError, match=r"^uai : déclaré à la fois par --map et par --set"):
        declare({"uai": "RNE"}, {"uai": "0750001U"}, roles)
    # A role may be written under its user name (the ENT identity).
    ent = declare({"id_utilisateur": "Who"}, None, ("login",), names={"login": "id_utilisateur"})
    assert ent.columns == {"login": "Who"} and ent.record()["correspondance"] == {
        "id_utilisateur": "Who"
    }


def test_match_columns_names_the_file_and_the_column() -> None:
    decl = Declared({"uai": "rne", "nom": "Appellation"})
    assert match_columns("a.csv", ["\ufeffRNE", " Appellation ", "x"], decl) == {0: "uai", 1: "nom"}
    with pytest.raises(LoadError) as err:
        match_columns(Path("dir/a.csv"), ["RNE", "Nom"], decl)
    assert str(err.value) == (
        "a.csv (ligne 1) : colonne « Appellation » absente (--map nom=Appellation) ; "
        "le fichier a 2 colonne(s) : RNE, Nom"
    )
    with pytest.raises(LoadError, match=r"le fichier a 2 colonne\(s\)$"):
        match_columns("a.csv", ["RNE", "Nom"], decl, quote_header=False)
    with pytest.raises(LoadError, match="colonne « Rne » en double"):
        match_columns("a.csv", ["rne", "RNE"], Declared({"uai": "Rne"}))
    with pytest.raises(LoadError, match=r"déclarée pour deux cibles \(uai et nom\)"):
        match_columns("a.csv", ["RNE"], Declared({"uai": "RNE", "nom": "rne"}))


def test_apply_mapping_renames_sets_aside_and_adds_constants() -> None:
    frame = pl.DataFrame(
        {"rne": ["A"], "uai": ["old"], "nom": ["N"], "secteur": ["s"], "_source": ["f"]}
    )
    decl = Declared({"uai": "RNE"}, {"secteur": "Public"})
    out = apply_mapping(frame, "f.csv", decl, ["RNE", "UAI", "Nom", "Secteur"])
    assert out.columns == [
        "uai", f"uai{SET_ASIDE}", "nom", f"secteur{SET_ASIDE}", "_source", "secteur"
    ]  # fmt: skip
    assert out.row(0) == ("A", "old", "N", "s", "f", "Public") and out.height == 1
    # A role the loader reads under another name (the calendar's folded export header).
    out = apply_mapping(
        frame.select("rne"), "f.csv", Declared({"debut": "RNE"}), column_of={"debut": "date_x"}
    )
    assert out.columns == ["date_x"]
    assert apply_mapping(frame, "f.csv", Declared()) is frame


def test_read_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[map]\nuai = "RNE"\n\n[set]\nannee = 2018\n', encoding="utf-8")
    assert read_mapping_file(path) == ({"uai": "RNE"}, {"annee": "2018"})
    path.write_text('[set]\nprofil = "élève"\n', encoding="utf-8")
    assert read_mapping_file(path) == ({}, {"profil": "élève"})
    for text, message in [
        ('[mapping]\nuai = "RNE"\n', "section(s) inconnue(s) : mapping"),
        ("[map\n", "TOML invalide"),
        ("", "aucune section [map] ni [set]"),
        ("[map]\nuai = [1]\n", "[map] uai : valeur texte ou nombre attendue"),
    ]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(LoadError) as err:
            read_mapping_file(path)
        assert str(err.value).startswith("m.toml : ") and message in str(err.value)
    with pytest.raises(LoadError, match="introuvable"):
        read_mapping_file(tmp_path / "absent.toml")


# --------------------------------------------------------------------------- every loader


def _encoding(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _rename_header(
    path: Path, role_of: Callable[[str], str | None], roles: tuple[str, ...]
) -> dict[str, str]:
    """Rewrite ``path``'s header: each column with a role becomes « Rubrique k » (k: the
    role's rank, the same in every file); returns the mapping back."""
    raw = path.read_bytes()
    cut = raw.index(b"\n")
    head, rest = raw[:cut], raw[cut:]
    encoding = _encoding(raw)
    text = head.decode(encoding).rstrip("\r")
    sep = max((";", ",", "\t"), key=text.count)
    mapping: dict[str, str] = {}
    names = []
    for name in text.split(sep):
        role = role_of(name.replace("\ufeff", "").strip())
        if role is None:
            names.append(name)
            continue
        foreign = f"Rubrique {roles.index(role) + 1}"
        mapping[role] = foreign
        names.append(foreign)
    crlf = "\r" if head.endswith(b"\r") else ""
    path.write_bytes((sep.join(names) + crlf).encode(encoding) + rest)
    return mapping


def _role_in(aliases: dict[str, str]) -> Callable[[str], str | None]:
    def role_of(name: str) -> str | None:
        low = name.lower()
        return aliases.get(low, low if low in aliases.values() else None)

    return role_of


def _role_among(aliases: dict[str, tuple[str, ...]]) -> Callable[[str], str | None]:
    def role_of(name: str) -> str | None:
        key = fold(name)
        return next((role for role, names in aliases.items() if key in names), None)

    return role_of


CASES: dict[str, tuple[ModuleType, str, Callable[[str], str | None]]] = {
    "etablissements": (etablissements, "annuaire_bom_utf8.csv", _role_in(etablissements.COLUMNS)),
    "ent-audience": (ent_audience, "ent/audience_cp1252.csv", _role_in(ent_audience.COLUMNS)),
    "cned": (cned, "ent/cned_bom_virgule.csv", _role_in(cned.COLUMNS)),
    "calendar": (
        calendar,
        "calendar/calendrier_bom.csv",
        lambda name: calendar.COLUMNS.get(fold(name)),
    ),
    "consultation": (
        consultation,
        "texts/consultation",
        _role_among({r: a for r, a in consultation.ALIASES.items()}),
    ),
    "corpus": (corpus, "texts/corpus", _role_among(corpus.EXPORT_COLUMNS)),
}


def _renamed(kind: str, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """(canonical input, renamed copy, mapping back) of ``kind``'s fixture."""
    module, name, role_of = CASES[kind]
    src = FIX / name
    dest = tmp_path / "renomme" / src.name
    if src.is_dir():
        shutil.copytree(src, dest)
        # The tables the loader reads (the corpus skips the consultation's and the ground truth).
        files = [
            f
            for f in sorted(dest.rglob("*.csv"))
            if kind != "corpus" or not f.name.startswith(("propositions", "verite"))
        ]
    else:
        dest.parent.mkdir(parents=True)
        shutil.copy(src, dest)
        files = [dest]
    mapping: dict[str, str] = {}
    for f in files:
        mapping |= _rename_header(f, role_of, module.ROLES)
    return src, dest, mapping


def _tables(kind: str, path: Path, **options: object) -> dict[str, pl.DataFrame]:
    module = CASES[kind][0]
    if kind == "consultation":
        return {n: r.data for n, r in consultation.load_results(path, **options).items()}  # type: ignore[arg-type]
    res = module.load_result(path, **options)
    return {res.table: res.data, "_rejets": res.rejects.drop("_source", strict=False)}


@pytest.mark.parametrize("kind", list(CASES))
def test_a_renamed_header_gives_the_table_of_ours(kind: str, tmp_path: Path) -> None:
    src, renamed, mapping = _renamed(kind, tmp_path)
    assert len(mapping) >= 3, mapping
    expected = _tables(kind, src)
    with pytest.raises(LoadError):  # the foreign header alone is not read as ours
        got = _tables(kind, renamed)
        assert all(got[t].equals(expected[t]) for t in expected)
    got = _tables(kind, renamed, mapping=mapping)
    assert set(got) == set(expected)
    for table, frame in expected.items():
        if table == "_rejets":  # raw strings under their read names: compare counts and reasons
            assert got[table].height == frame.height
            assert got[table]["_motif"].to_list() == frame["_motif"].to_list()
            continue
        assert frame.height > 0 or kind == "consultation", table
        assert got[table].equals(frame), table
    # The declaration is in the summary.
    res = CASES[kind][0].load_result(renamed, mapping=mapping)
    assert res.summary()["correspondance"] == mapping


@pytest.mark.parametrize("kind", list(CASES))
def test_an_unknown_role_or_missing_column_names_file_and_column(kind: str, tmp_path: Path) -> None:
    module = CASES[kind][0]
    _, renamed, mapping = _renamed(kind, tmp_path)
    with pytest.raises(LoadError) as err:
        module.load_result(renamed, mapping={**mapping, "inconnu": "X"})
    message = str(err.value)
    assert message.startswith(f"{renamed.name} : --map inconnu=… : cible inconnue (possibles : ")
    assert ", ".join(module.ROLES) in message
    role = next(iter(mapping))
    with pytest.raises(LoadError) as err:
        module.load_result(renamed, mapping={**mapping, role: "Absente"})
    message = str(err.value)
    assert f"colonne « Absente » absente (--map {role}=Absente)" in message
    assert "\n" not in message
    assert message.startswith(renamed.name)  # the file, or the folder none of whose files has it


def test_constants_fill_a_role_the_file_lacks(tmp_path: Path) -> None:
    path = tmp_path / "audience.csv"
    path.write_text("Month;Tool;Audience;Visits\n2020-03;cahier;élève;10\n", encoding="utf-8")
    mapping = {"mois": "month", "service": "Tool", "profil": "Audience", "visites": "Visits"}
    res = ent_audience.load_result(path, mapping=mapping, constants={"projet_ent": "PCN"})
    assert res.data.select("projet_ent", "service", "profil", "visites").rows() == [
        ("PCN", "cahier", "élève", 10)
    ]
    assert res.summary()["constantes"] == {"projet_ent": "PCN"}


# --------------------------------------------------------------------------- établissements keys


def test_etablissements_require_their_key_columns(tmp_path: Path) -> None:
    path = tmp_path / "annuaire.csv"
    path.write_text("uai;nom\n0750001U;Collège\n", encoding="utf-8")
    with pytest.raises(LoadError) as err:
        etablissements.load_result(path)
    assert str(err.value) == (
        "annuaire.csv (ligne 1) : colonne(s) clé(s) absente(s) : code_academie ou "
        "libelle_academie ; type ou code_nature ; secteur ; code_departement ; les déclarer "
        "avec --map "
        "CIBLE=COLONNE ou --set CIBLE=VALEUR"
    )
    path.write_text("nom;type;secteur;code_academie\nx;Collège;Public;01\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"annuaire\.csv \(ligne 1\) : .*absente\(s\) : uai"):
        etablissements.load_result(path)
    # Declared, the same file is read.
    path.write_text("RNE;Nom\n0750001U;Collège Jean Jaurès\n", encoding="utf-8")
    res = etablissements.load_result(
        path,
        mapping={"uai": "RNE"},
        constants={
            "code_academie": "01",
            "code_departement": "075",
            "type": "Collège",
            "secteur": "Public",
        },
    )
    assert res.rows_read == res.data.height == 1, res.reasons()
    assert res.data.select("uai", "nom", "code_academie").rows() == [
        ("0750001U", "Collège Jean Jaurès", "01")
    ]


def test_a_header_alone_reads_no_row_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "annuaire.csv"
    path.write_text("uai;type;secteur;code_academie;code_departement\n", encoding="utf-8")
    res = etablissements.load_result(path)
    summary = res.summary()
    assert (summary["lignes_lues"], summary["acceptees"], summary["rejetees"]) == (0, 0, 0)
    assert summary["avertissement"] == etablissements.HEADER_ONLY
    result = CliRunner().invoke(
        app, ["ingest", "etablissements", str(path), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "attention : aucune ligne de données" in result.output
    full = etablissements.load_result(FIX / "annuaire_bom_utf8.csv").summary()
    assert "avertissement" not in full


# --------------------------------------------------------------------------- CLI and cache key


def test_cli_mapping_file_end_to_end(tmp_path: Path) -> None:
    src, renamed, mapping = _renamed("cned", tmp_path)
    toml = tmp_path / "cned.toml"
    toml.write_text(
        "[map]\n" + "".join(f'{k} = "{v}"\n' for k, v in mapping.items()), encoding="utf-8"
    )
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["ingest", "cned", str(renamed), "--out", str(out), "--mapping", str(toml)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = cned.load_result(src)
    assert pl.read_parquet(out / "cned_quotidien.parquet").equals(expected.data)
    meta = (out / "cned_quotidien.meta.json").read_text(encoding="utf-8")
    assert '"correspondance"' in meta and "Rubrique 1" in meta
    again = runner.invoke(app, args)
    assert "(cache : entrées inchangées)" in again.output
    # Same path, other content: another key (the content is in the key, not the path).
    toml.write_text(toml.read_text(encoding="utf-8") + '[set]\ndonnees = "RÉELLES"\n', "utf-8")
    changed = runner.invoke(app, args)
    assert changed.exit_code == 0 and "(cache" not in changed.output
    assert set(pl.read_parquet(out / "cned_quotidien.parquet")["donnees"]) == {"RÉELLES"}
    # --map completes the file and wins over it.
    toml.write_text('[map]\ndate = "Absente"\n', encoding="utf-8")
    bad = runner.invoke(app, args)
    assert bad.exit_code == 2 and "colonne « Absente » absente (--map date=Absente)" in bad.stderr
    fixed = [a for k, v in mapping.items() for a in ("--map", f"{k}={v}")]
    ok = runner.invoke(app, [*args, *fixed])
    assert ok.exit_code == 0, ok.output
    # A broken mapping file is one line.
    toml.write_text("[map\n", encoding="utf-8")
    broken = runner.invoke(app, args)
    assert broken.exit_code == 2 and broken.stderr.startswith("erreur : cned.toml : TOML invalide")
    assert broken.stderr.count("\n") == 1


def test_registry_key_follows_the_declaration(tmp_path: Path) -> None:
    _, renamed, mapping = _renamed("ent-audience", tmp_path)
    out = tmp_path / "out"
    first = registry.ingest("ent-audience", renamed, out, mapping=mapping)
    assert first["cache"] is False and first["correspondance"] == mapping
    assert registry.ingest("ent-audience", renamed, out, mapping=dict(mapping))["cache"] is True
    other = registry.ingest(
        "ent-audience", renamed, out, mapping=mapping, constants={"donnees": "x"}
    )
    assert other["cache"] is False


def test_survey_mapping_names_the_depp_design_columns(tmp_path: Path) -> None:
    src = FIX / "survey" / "enquete_test.csv"
    text = src.read_text(encoding="utf-8-sig")
    head, rest = text.split("\n", 1)
    assert head == "id;strate;uai;poids;fpc;sexe;satisfaction;heures;age;commentaire"
    renamed = tmp_path / src.name
    renamed.write_text("id;Tirage;Etab;Pond;Taux;" + head.split(";", 5)[5] + "\n" + rest, "utf-8")
    shutil.copy(src.with_name("enquete_test_dictionnaire.csv"), tmp_path)
    mapping = {"poids": "Pond", "strate": "tirage", "uai": "Etab", "fpc": "Taux"}
    expected = survey.load_result(src)
    got = survey.load_result(renamed, mapping=mapping)
    assert got.data.equals(expected.data) and got.rows_read == expected.rows_read
    assert got.summary()["correspondance"] == mapping
    with pytest.raises(LoadError, match=r"colonne « Poids » absente \(--map poids=Poids\)"):
        survey.load_result(renamed, mapping={**mapping, "poids": "Poids"})
    with pytest.raises(LoadError, match="plan déclaré deux fois"):
        survey.load_result(renamed, mapping=mapping, ids="Etab")
    # A constant fills a design column the file lacks: one stratum.
    single = tmp_path / "enquete_une_strate.csv"
    single.write_text(
        "id;Etab;Pond\nR01;0750001A;2\nR02;0750001A;3\nR03;0750002B;1\n", encoding="utf-8"
    )
    res = survey.load_result(
        single, mapping={"uai": "Etab", "poids": "Pond"}, constants={"strate": "S"}
    )
    assert res.data["strate"].to_list() == ["S"] * 3 and res.data["poids"].sum() == 6.0
    # The CLI: --mapping for a survey too; with --ids, one line.
    toml = tmp_path / "enquete.toml"
    toml.write_text('[map]\npoids = "Pond"\nuai = "Etab"\n[set]\nstrate = "S"\n', "utf-8")
    runner = CliRunner()
    base = ["ingest", "survey", str(single), "--out", str(tmp_path / "out"), "--mapping", str(toml)]
    assert runner.invoke(app, base).exit_code == 0
    both = runner.invoke(app, [*base, "--ids", "Etab"])
    assert both.exit_code == 2 and "plan déclaré deux fois" in both.stderr


# --------------------------------------------------------------------------- ENT logs


def test_ent_logs_without_a_status_column_take_the_documented_default(tmp_path: Path) -> None:
    path = tmp_path / "autre.csv"
    path.write_text(
        "When,Who,Page\n2020-03-16T09:00:00+01:00,jdupont,/cahier\n"
        "2020-03-16T09:05:00+01:00,mmartin,/notes\n",
        encoding="utf-8",
    )
    mapping = {"horodatage": "When", "id_utilisateur": "Who", "url": "Page"}
    constants = {"uai": UAI, "profil": "élève"}
    res = ent_logs.load_result(path, mapping=mapping, constants=constants)
    assert res.data["statut_http"].to_list() == [int(ent_logs.DEFAULT_STATUS)] * 2
    assert res.summary()["statut_http_par_defaut"] == {"valeur": 200, "fichiers": ["autre.csv"]}
    declared = ent_logs.load_result(
        path, mapping=mapping, constants={**constants, "statut_http": "200"}
    )
    assert declared.data.equals(res.data) and "statut_http_par_defaut" not in declared.summary()
    # Without a mapping the status stays required: our own layout must carry it.
    ours = tmp_path / "ours.csv"
    ours.write_text(
        "horodatage;login;profil;uai\n2020-03-16T09:00:00+01:00;jdupont;élève;0750001U\n",
        encoding="utf-8",
    )
    with pytest.raises(
        LoadError, match="colonne\\(s\\) attendue\\(s\\) absente\\(s\\) : statut_http"
    ):
        ent_logs.load_result(ours)


def test_real_moodle_log_through_a_mapping_file(tmp_path: Path) -> None:
    """The real Moodle export (no HTTP status, CR-only lines, no year) through ``--mapping``."""
    toml = tmp_path / "moodle.toml"
    toml.write_text(
        '[map]\nhorodatage = "Time"\nid_utilisateur = "User full name"\n'
        'url = "Event context"\nservice = "Event name"\n\n'
        f'[set]\nuai = "{UAI}"\nprofil = "élève"\nannee = 2018\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["ingest", "ent-logs", str(MOODLE), "--out", str(out), "--mapping", str(toml)]
    )
    assert result.exit_code == 0, result.output
    meta = (out / f"{ent_logs.TABLE}.meta.json").read_text(encoding="utf-8")
    assert '"statut_http_par_defaut"' in meta and "Course_Activity_Obfuscated.csv" in meta
    events = ent_logs.scan_events(out / ent_logs.TABLE).collect()
    assert events.height > 19_000 and set(events["statut_http"]) == {200}
    assert events["id_utilisateur"].n_unique() <= 113
    # The same numbers as the declaration with an explicit status (test_ent_mapping.py).
    mapping, constants = read_mapping_file(toml)
    explicit = ent_logs.load_result(
        MOODLE, mapping=mapping, constants={**constants, "statut_http": "200"}
    )
    assert explicit.data.height == events.height
    assert explicit.rows_read == events.height + explicit.rejects.height


def test_real_ips_file_through_declared_columns(tmp_path: Path) -> None:
    """The real « IPS des collèges » (BOM, CRLF, words for headers): its columns declared by
    their written names give the table read through our aliases; a one-rentrée copy without
    the rentrée column is read with a constant."""
    real = REPO.parent / "shared" / "real-world" / "education" / "fr-en-ips-colleges-ap2022.csv"
    expected = etablissements.load_ips_result(real)
    mapping = {
        "uai": "UAI",
        "ips": "IPS",
        "rentree": "Rentrée scolaire",
        "nom": "Nom de la commune",
    }
    got = etablissements.load_ips_result(real, mapping=mapping)
    assert got.data.height == expected.data.height > 6_000
    assert got.data.drop("nom").equals(expected.data.drop("nom"))
    assert got.data["nom"].head(1).to_list() == ["BAGE DOMMARTIN"]
    lines = real.read_text(encoding="utf-8-sig").splitlines()
    one = tmp_path / "ips_sans_rentree.csv"
    one.write_text("\n".join(line.split(";", 1)[1] for line in lines[:51]) + "\n", "utf-8")
    res = etablissements.load_ips_result(one, constants={"rentree": "2022-2023"})
    assert res.rows_read == 50 and set(res.data["rentree"]) == {"2022-2023"}
    assert res.data["ips"].equals(expected.data["ips"].head(res.data.height))
