"""Which loader reads which KIND of input, the cached ``ingest`` and the whole-folder ``build``.

A loader module provides ``TABLE``, ``CODE_VERSION`` and ``load_result(path, **options)``;
optionally ``table_name(path) -> str`` (when one kind yields several tables, e.g. one per
survey), ``inputs(path) -> list[Path]`` (the files whose content makes the cache key; by
default the file itself, or every file of a folder) and ``ingest(path, out_dir, **options)``
when it streams its output itself (ENT logs: never the whole history in memory).
"""

from __future__ import annotations

import importlib
import json
import shutil
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from egn_analytics.io import write_text_atomic
from egn_analytics.loaders._core import LoadError, cache_key, cached, write_result

KINDS: dict[str, str] = {
    "etablissements": "egn_analytics.loaders.etablissements",
    "survey": "egn_analytics.loaders.survey",
    "ent-logs": "egn_analytics.loaders.ent_logs",
    "ent-audience": "egn_analytics.loaders.ent_audience",
    "cned": "egn_analytics.loaders.cned",
    "corpus": "egn_analytics.loaders.corpus",
    "consultation": "egn_analytics.loaders.consultation",
    "calendar": "egn_analytics.loaders.calendar",
}
QUALITY_REPORT = "qualite.json"


def loader(kind: str) -> ModuleType:
    """The loader module of ``kind``; ``ValueError`` lists the known kinds."""
    if kind not in KINDS:
        raise ValueError(f"type de source inconnu : {kind!r} (connus : {', '.join(KINDS)})")
    return importlib.import_module(KINDS[kind])


def code_version(module: ModuleType) -> str:
    """The loader's declared version plus a hash of its source, the core's and the schemas'.

    A change to the validation code or the nomenclatures invalidates cached tables even when
    nobody remembers to bump ``CODE_VERSION``.
    """
    import hashlib

    package = Path(__file__).resolve().parents[1]
    sources = [
        Path(module.__file__ or ""),
        package / "loaders" / "_core.py",
        *sorted((package / "schemas").glob("*.py")),
        *sorted((package / "reference").glob("*.py")),
        *sorted((package / "reference" / "_data").glob("*.csv")),
    ]
    h = hashlib.sha256()
    for p in sources:
        if p.is_file():
            h.update(p.read_bytes())
    return f"{module.__name__}:{module.CODE_VERSION}:{h.hexdigest()[:16]}"


def input_files(module: ModuleType, path: Path) -> list[Path]:
    """Files that make up the input (their content hash is the cache key)."""
    if hasattr(module, "inputs"):
        return list(module.inputs(path))
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [path]


def ingest(
    kind: str, path: str | Path, out_dir: str | Path, *, force: bool = False, **options: Any
) -> dict[str, Any]:
    """Load ``path`` as ``kind`` into ``out_dir`` (atomic, cached); return the summary."""
    module = loader(kind)
    src, out = Path(path), Path(out_dir)
    if not src.exists():
        raise LoadError(src, "fichier ou dossier introuvable")
    start = time.perf_counter()
    opts = {k: v for k, v in options.items() if v is not None}
    # A file given as an option (the établissements table of ENT logs, an IPS file) is an input
    # too: its content, not only its path, goes into the key, or a changed file would hit.
    # A list of files (``ips``: one IPS file per kind of établissement) counts file by file.
    given = [x for v in opts.values() for x in (v if isinstance(v, list | tuple) else [v])]
    extra = [Path(v) for v in given if isinstance(v, str | Path) and Path(v).is_file()]
    key = cache_key([*input_files(module, src), *extra], code_version(module), opts)
    table = module.table_name(src) if hasattr(module, "table_name") else module.TABLE
    hit = None if force else cached(out, table, key)
    if hit is not None:
        return {**hit, "cache": True, "secondes": round(time.perf_counter() - start, 3)}
    if hasattr(module, "ingest"):
        summary: dict[str, Any] = module.ingest(src, out, cache_key=key, **opts)
    else:
        summary = write_result(module.load_result(src, **opts), out, key)
    return {**summary, "cache": False, "secondes": round(time.perf_counter() - start, 3)}


def write_quality_report(
    out_dir: Path, summaries: list[dict[str, Any]], generation: str | None = None
) -> Path:
    """The data-quality report of a build (read by the « Données » page).

    ``generation`` names the build generation the report belongs to (see
    :mod:`egn_analytics.generations`): the report and the tables beside it come from one build.
    """
    from egn_analytics import __version__

    dest = out_dir / QUALITY_REPORT
    report: dict[str, Any] = {
        "tables": summaries,
        "genere_par": "egn build",
        "version": __version__,
    }
    if generation is not None:
        report["generation"] = generation
    write_text_atomic(dest, json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return dest


def error_line(exc: BaseException) -> str:
    """The one line an error may write into a report or a console.

    Only messages the product wrote itself are quoted: its own exceptions (:class:`LoadError`
    and the others defined in ``egn_analytics``, which name the file, line and column, never a
    value of a personal column) and the built-in ``ValueError``/``OSError`` it raises. A
    third-party exception (Polars, pyarrow — whose ``ArrowInvalid`` is a ``ValueError`` — or a
    bug) may carry raw cell contents, so only its type is written; ``EGN_DEBUG=1`` shows the
    whole traceback to whoever runs the command.
    """
    kind = type(exc)
    ours = kind.__module__.split(".")[0] in {"egn_analytics", "builtins"}
    if ours and isinstance(exc, ValueError | OSError) and str(exc):
        return " ".join(str(exc).split())
    return f"erreur inattendue ({kind.__name__}) ; relancer avec EGN_DEBUG=1 pour le détail"


#: Folder of a raw tree holding DEPP IPS files (écoles, collèges, lycées; any number, ``*.csv``):
#: every annuaire of ``etablissements/*.csv`` is joined to them (``ips``, ``classe_ips``).
IPS_DIR = "etablissements/ips"


def build_options(kind: str, raw_dir: Path) -> dict[str, Any]:
    """Options a build passes to the loader of ``kind`` from the raw folder's layout.

    Why: an IPS file is not a table of its own but a column source of the établissements one;
    it sits in :data:`IPS_DIR`, beside the annuaire, and nothing changes without it.
    """
    if kind != "etablissements":
        return {}
    files = sorted(str(p) for p in (raw_dir / IPS_DIR).glob("*.csv") if p.is_file())
    return {"ips": files} if files else {}


def build_plan(raw_dir: Path) -> list[tuple[str, Path]]:
    """(kind, input) pairs for a folder laid out like the embedded dataset (``egn synth``).

    A user's own folder can follow the same layout; anything else goes through ``egn ingest``.
    IPS files in :data:`IPS_DIR` are no input of their own (see :func:`build_options`).
    """
    plan: list[tuple[str, Path]] = []

    def add(kind: str, pattern: str) -> None:
        plan.extend((kind, p) for p in sorted(raw_dir.glob(pattern)))

    add("etablissements", "etablissements/*.csv")
    plan.extend(
        ("survey", p)
        for p in sorted(raw_dir.glob("enquetes/*.csv"))
        if not p.stem.endswith("_dictionnaire")
    )
    if (raw_dir / "ent" / "logs").is_dir():
        plan.append(("ent-logs", raw_dir / "ent" / "logs"))
    add("ent-audience", "ent/audience*.csv")
    add("cned", "cned/*.csv")
    if (raw_dir / "textes").is_dir():
        plan.append(("corpus", raw_dir / "textes"))
    if (raw_dir / "textes" / "consultation").is_dir():
        plan.append(("consultation", raw_dir / "textes" / "consultation"))
    add("calendar", "calendrier/*.csv")
    return plan


def build(raw_dir: str | Path, out_dir: str | Path, *, force: bool = False) -> list[dict[str, Any]]:
    """Ingest every source of ``raw_dir`` into a new generation of ``out_dir``, all or nothing.

    The tables and the quality report are written into a new generation folder and published
    together by one atomic switch (:func:`egn_analytics.generations.new_generation`): a build
    that is interrupted or crashes leaves ``out_dir`` exactly as it was.

    After the tidy tables, the indicator stage (:mod:`egn_analytics.indicators.stage`) computes
    every indicator table under ``indicateurs/`` of the same generation, cached on the content of
    its inputs; each table gets its own entry in the report.

    A source that cannot be read at all is reported (``erreur``) and the build goes on, so one
    broken file does not hide the quality of the others; the report says which failed, and its
    table is absent from the new generation (never an older copy beside newer tables: see
    :func:`_drop_stale`).
    """
    from egn_analytics.generations import (
        generation_id,
        interrupt_guard,
        new_generation,
        raise_if_interrupted,
    )

    raw, out = Path(raw_dir), Path(out_dir)
    plan = build_plan(raw)
    if not plan:
        raise LoadError(raw, "aucune source reconnue (disposition attendue : celle de `egn synth`)")
    summaries: list[dict[str, Any]] = []
    with interrupt_guard(), new_generation(out) as building:
        generation = building.path
        for kind, path in plan:
            try:
                summary = ingest(kind, path, generation, force=force, **build_options(kind, raw))
                # A kind that writes several tables (consultation) reports each one.
                for part in summary.get("tables") or [summary]:
                    extra: dict[str, Any] = {
                        k: summary[k] for k in ("cache", "secondes") if k in summary
                    }
                    summaries.append({"type": kind, **extra, **part})
            except Exception as exc:  # one broken source must not hide the others' quality
                raise_if_interrupted(exc)  # Ctrl+C that a library turned into an error
                summaries.append({"type": kind, "table": path.name, "erreur": error_line(exc)})
        if any("erreur" not in s for s in summaries):  # nothing to compute from otherwise
            from egn_analytics.indicators.stage import run_indicators

            summaries += run_indicators(generation, raw, building.previous, force=force)
        raise_if_interrupted()  # never publish a build that was asked to stop
        _drop_stale(generation, building.previous, summaries)
        write_quality_report(generation, summaries, generation_id(generation))
    return summaries


def _build_owned(folder: Path) -> set[str]:
    """The entries of ``folder`` that the build which wrote it made (from its quality report).

    Anything else there was put by someone else (``egn ingest`` into the tables folder) and is
    carried forward. A folder without a report has no known build entries; a report from before
    the tables listed their files is read by table name.
    """
    try:
        report = json.loads((folder / QUALITY_REPORT).read_text(encoding="utf-8"))
        tables = [t for t in report["tables"] if isinstance(t, dict)]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    owned: set[str] = set()
    for t in tables:
        if isinstance(t.get("fichiers"), list):
            owned.update(str(name) for name in t["fichiers"])
        elif isinstance(t.get("table"), str):
            name = t["table"]
            owned.update(
                {name, f"{name}.parquet", f"{name}.rejects.parquet", f"{name}.meta.json"}
                | {f"{name}_dictionnaire.parquet"}
            )
    return owned


def _drop_stale(generation: Path, previous: Path | None, summaries: list[dict[str, Any]]) -> None:
    """Remove from the new generation what it inherited from the previous build but this build
    did not make again (a source that failed this time, or that left the raw folder).

    The generation starts as hard links to the previous one so that unchanged inputs hit the
    cache; without this, a table whose source failed would be published from the older build
    beside the newer tables, the very mix the generations exist to prevent.
    """
    if previous is None:
        return
    made = {QUALITY_REPORT} | {
        str(name) for s in summaries if "erreur" not in s for name in s.get("fichiers") or ()
    }
    for name in _build_owned(previous) - made:
        entry = generation / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink(missing_ok=True)
