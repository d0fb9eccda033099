"""Consultation platform exports → four linked tables.

Input: the folder of the platform's exports (or one export file). Every ``.csv`` / ``.tsv`` /
``.json`` / ``.jsonl`` file directly in the folder is recognised **by its columns**:

=====================  =====================================  ==============================
export                 recognised by                          table
=====================  =====================================  ==============================
questionnaire          ``id_reponse``                         ``consultation_reponses``
propositions           ``id_proposition`` + titre or texte    ``consultation_propositions``
commentaires           ``id_commentaire``                     ``consultation_commentaires``
soutiens (votes)       ``id_soutien``                         ``consultation_soutiens``
=====================  =====================================  ==============================

Headers are matched case-, accent- and punctuation-insensitively (``Date de dépôt`` works for
``date``); a file with only a generic ``id`` column is recognised by its name
(``commentaires*.csv``…). Several files of one kind (an export split in parts) are stacked.
A table file recognised as none of them is an error naming its columns (nothing is guessed).

Link checks (all vectorised): a comment or support whose ``id_proposition`` is absent from the
propositions export → « proposition inconnue »; present but rejected → « proposition
rejetée » (the published tables always join); dated before its proposal → « date antérieure à
la proposition »; duplicate ids → « clé en double (…) »; the same participant supporting the
same proposal twice → « soutien en double ». Comments or supports without any propositions
export cannot be checked: :class:`LoadError`.

Questionnaire: the closed questions vary between questionnaires, so they are not declared in
the schema; they follow the fixed columns as nullable strings, headed by the question exactly
as exported (an empty cell = question not asked or not answered). An unknown académie label
keeps the answer (code null, reason in ``alerte``), as for the text corpus.

Outputs and counts: each table has its own :class:`LoadResult` (rows read = accepted +
rejected, per table) — :func:`load_results`. :func:`ingest` (called by ``egn ingest`` /
``registry.ingest``) writes the four ``<table>.parquet`` + ``<table>.rejects.parquet`` +
``<table>.meta.json``; ``consultation_reponses`` is written last, and its meta (the cache
marker) carries the four summaries under ``"tables"``. :func:`load_result` returns the
questionnaire result with the three other tables and their rejects in ``extra``
(``consultation_propositions``, ``consultation_propositions.rejects``…), which
``write_result`` writes as plain Parquet files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dataframely as dy
import polars as pl

from egn_analytics.io import write_text_atomic
from egn_analytics.loaders._core import (
    LINE_COL,
    META_COLS,
    REASON_COL,
    SOURCE_COL,
    LoadError,
    LoadResult,
    null_if_empty,
    validate,
    write_result,
)
from egn_analytics.loaders.corpus import (
    TABLE_SUFFIXES,
    _suffix,
    attach_academie,
    check_encoding,
    fold,
    parse_date,
    read_table_with_headers,
)
from egn_analytics.schemas.texts import (
    CommentaireSchema,
    PropositionSchema,
    ReponseSchema,
    SoutienSchema,
)

TABLE = "consultation_reponses"
CODE_VERSION = "1"
TABLES = {
    "reponses": "consultation_reponses",
    "propositions": "consultation_propositions",
    "commentaires": "consultation_commentaires",
    "soutiens": "consultation_soutiens",
}
SCHEMAS: dict[str, type[dy.Schema]] = {
    "reponses": ReponseSchema,
    "propositions": PropositionSchema,
    "commentaires": CommentaireSchema,
    "soutiens": SoutienSchema,
}
#: Canonical column → accepted (folded) headers, in priority order.
ALIASES: dict[str, tuple[str, ...]] = {
    "id_reponse": ("id_reponse", "id_participation", "id_repondant"),
    "id_proposition": ("id_proposition", "proposition_id", "id_contribution"),
    "id_commentaire": ("id_commentaire", "commentaire_id"),
    "id_soutien": ("id_soutien", "id_vote", "soutien_id", "vote_id"),
    "date": ("date", "date_de_depot", "date_depot", "date_creation", "date_publication",
             "created_at", "date_reponse"),
    "auteur_pseudo": ("auteur_pseudo", "pseudo", "auteur", "participant"),
    "profil": ("profil", "type_participant", "type_auteur"),
    "titre": ("titre", "title", "intitule"),
    "texte": ("texte", "contenu", "text", "body", "corps"),
    "texte_libre": ("texte_libre", "reponse_libre", "commentaire_libre", "remarques"),
    "academie": ("academie", "libelle_academie"),
    "code_academie": ("code_academie",),
}  # fmt: skip
COLUMNS = {
    "reponses": ("id_reponse", "date", "profil", "academie", "code_academie", "texte_libre"),
    "propositions": ("id_proposition", "date", "auteur_pseudo", "profil", "titre", "texte"),
    "commentaires": ("id_commentaire", "id_proposition", "date", "auteur_pseudo", "texte"),
    "soutiens": ("id_soutien", "id_proposition", "auteur_pseudo", "date"),
}
_NAME_HINTS = {
    "reponses": ("questionnaire", "reponse"),
    "commentaires": ("comment",),
    "soutiens": ("soutien", "vote"),
    "propositions": ("proposition",),
}
#: Every header name the exports are recognised by: a first line with none is taken for data.
_KNOWN = frozenset({a for aliases in ALIASES.values() for a in aliases} | {"id"})
_ID = {"reponses": "id_reponse", "propositions": "id_proposition",
       "commentaires": "id_commentaire", "soutiens": "id_soutien"}  # fmt: skip


def _has(columns: set[str], canonical: str) -> bool:
    return any(a in columns for a in ALIASES[canonical])


def export_kind(columns: list[str], name: str = "") -> str | None:
    """Which export a table is, from its folded columns (its file name only as a fallback)."""
    cols = set(columns)
    if _has(cols, "id_commentaire"):
        return "commentaires"
    if _has(cols, "id_soutien"):
        return "soutiens"
    if _has(cols, "id_reponse"):
        return "reponses"
    if "id" in cols:  # a generic id: the file name says whose id it is
        stem = fold(name)
        for kind, hints in _NAME_HINTS.items():
            if any(h in stem for h in hints):
                return kind
    if _has(cols, "id_proposition") and (_has(cols, "titre") or _has(cols, "texte")):
        return "propositions"
    return None


def inputs(path: str | Path) -> list[Path]:
    """The export files read (their content makes the cache key)."""
    path = Path(path)
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.iterdir()
        if p.is_file() and not p.name.startswith((".", "~$")) and _suffix(p) in TABLE_SUFFIXES
    )


def _read_exports(
    path: Path, encoding: str | None, separator: str | None
) -> dict[str, pl.DataFrame]:
    """Raw frames per kind, canonical column names, every value a string."""
    if not path.exists():
        raise LoadError(path, "fichier ou dossier introuvable")
    check_encoding(path, encoding)
    files = inputs(path)
    if not files:
        raise LoadError(path, "aucun export de la consultation (csv, json) dans ce dossier")
    parts: dict[str, list[pl.DataFrame]] = {}
    for file in files:
        frame, originals = read_table_with_headers(
            file, encoding=encoding, separator=separator, expected=_KNOWN
        )
        kind = export_kind(frame.columns, file.name)
        if kind is None:
            names = [c for c in frame.columns if not c.startswith("_")]
            known = _KNOWN
            # Nothing recognised: the first line is probably a row (a pseudonym, a text), not
            # a header; it is counted, not quoted.
            found = (
                ", ".join(originals.get(c, c) for c in names)[:300]
                if known & set(names)
                else f"aucune colonne connue dans la ligne 1 ({len(names)} champs : en-tête absent ?)"
            )
            raise LoadError(
                file,
                f"export de la consultation non reconnu : colonnes {found} "
                "(attendu id_reponse, id_proposition, id_commentaire ou id_soutien)",
                row=1,
            )
        if kind in _ID and not _has(set(frame.columns), _ID[kind]) and "id" in frame.columns:
            frame = frame.rename({"id": _ID[kind]})
        parts.setdefault(kind, []).append(_canonical(frame, kind, originals))
    return {k: pl.concat(v, how="diagonal_relaxed") for k, v in parts.items()}


def _canonical(frame: pl.DataFrame, kind: str, originals: dict[str, str]) -> pl.DataFrame:
    used: set[str] = set()
    exprs: list[pl.Expr] = []
    for col in COLUMNS[kind]:
        hit = next((a for a in ALIASES[col] if a in frame.columns and a not in used), None)
        if hit is None:
            exprs.append(pl.lit(None, dtype=pl.String).alias(col))
        else:
            used.add(hit)
            exprs.append(pl.col(hit).alias(col))
    extra: list[pl.Expr] = []
    if kind == "reponses":  # every other column is a question, under its written header
        extra = [
            pl.col(c).alias(originals.get(c, c))
            for c in frame.columns
            if c not in used and c not in META_COLS
        ]
    return frame.select(*exprs, *extra, *(c for c in META_COLS if c in frame.columns))


def _text(col: str) -> pl.Expr:
    return null_if_empty(pl.col(col).str.replace_all("\r\n?", "\n").str.normalize("NFC"))


def _empty_result(kind: str) -> LoadResult:
    schema = SCHEMAS[kind]
    rejects = pl.DataFrame(
        schema={
            **dict.fromkeys(COLUMNS[kind], pl.String),
            SOURCE_COL: pl.String,
            LINE_COL: pl.Int64,
            REASON_COL: pl.String,
        }
    )
    return LoadResult(TABLES[kind], schema.create_empty(), rejects, 0, ())


def _common(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.Expr]:
    """Trimmed ids and typed date of a platform table, and its « date impossible » test."""
    typed = raw.with_columns(
        *(
            null_if_empty(c).alias(c)
            for c in (
                "id_reponse",
                "id_proposition",
                "id_commentaire",
                "id_soutien",
                "auteur_pseudo",
                "profil",
            )
            if c in raw.columns
        ),
        parse_date("date").alias("date"),
        pl.col("date").alias("_date_brute"),
    )
    return typed, null_if_empty("_date_brute").is_not_null() & pl.col("date").is_null()


def _links(
    typed: pl.DataFrame, props_raw: pl.DataFrame | None, props: LoadResult | None, what: Path
) -> tuple[pl.DataFrame, list[tuple[str, pl.Expr]]]:
    """Join the accepted proposals; the link checks of a comment or support."""
    if props_raw is None or props is None:
        raise LoadError(
            what,
            "les commentaires et soutiens renvoient à des propositions, mais aucun export des "
            "propositions n'a été trouvé : donner le dossier complet des exports",
        )
    known = props_raw.select(null_if_empty("id_proposition")).to_series().drop_nulls().unique()
    accepted = props.data.select("id_proposition", pl.col("date").alias("_date_proposition"))
    typed = typed.join(accepted, on="id_proposition", how="left", maintain_order="left")
    exists = pl.col("id_proposition").is_in(known.implode())
    return typed, [
        ("proposition inconnue", pl.col("id_proposition").is_not_null() & exists.not_()),
        ("proposition rejetée", exists & pl.col("_date_proposition").is_null()),
        ("date antérieure à la proposition", pl.col("date") < pl.col("_date_proposition")),
    ]


def load_results(
    path: str | Path, *, encoding: str | None = None, separator: str | None = None
) -> dict[str, LoadResult]:
    """One :class:`LoadResult` per table (empty when its export is absent), keyed by table."""
    path = Path(path)
    raws = _read_exports(path, encoding, separator)
    out: dict[str, LoadResult] = {}

    props: LoadResult | None = None
    if (raw := raws.get("propositions")) is not None:
        typed, bad_date = _common(raw)
        typed = typed.with_columns(_text("titre").alias("titre"), _text("texte").alias("texte"))
        checks = [
            ("date impossible", bad_date),
            ("texte vide", pl.col("titre").is_null() & pl.col("texte").is_null()),
        ]
        props = validate(
            raw, typed, PropositionSchema, key=["id_proposition"], checks=checks,
            table=TABLES["propositions"],
        )  # fmt: skip
        out[TABLES["propositions"]] = props

    for kind in ("commentaires", "soutiens"):
        if (raw := raws.get(kind)) is None:
            continue
        typed, bad_date = _common(raw)
        if kind == "commentaires":
            typed = typed.with_columns(_text("texte").alias("texte"))
        typed, links = _links(typed, raws.get("propositions"), props, path)
        checks = [("date impossible", bad_date), *links]
        if kind == "commentaires":
            checks.append(("texte vide", pl.col("texte").is_null()))
        else:
            pair = pl.struct("id_proposition", "auteur_pseudo").is_first_distinct().not_()
            checks.append(("soutien en double", pair & pl.col("auteur_pseudo").is_not_null()))
        out[TABLES[kind]] = validate(
            raw, typed, SCHEMAS[kind], key=[_ID[kind]], checks=checks, table=TABLES[kind]
        )

    if (raw := raws.get("reponses")) is not None:
        out[TABLE] = _reponses(raw)

    return {TABLES[k]: out.get(TABLES[k]) or _empty_result(k) for k in TABLES}


def _reponses(raw: pl.DataFrame) -> LoadResult:
    typed, bad_date = _common(raw)
    typed = typed.with_columns(_text("texte_libre").alias("texte_libre"))
    typed = attach_academie(typed).with_columns(
        pl.when(pl.col("_acad_inconnue").is_not_null())
        .then("académie inconnue (« " + pl.col("_acad_inconnue") + " »)")
        .alias("alerte")
    )
    res = validate(
        raw, typed, ReponseSchema, key=["id_reponse"], checks=[("date impossible", bad_date)],
        table=TABLE,
    )  # fmt: skip
    questions = [c for c in raw.columns if c not in (*COLUMNS["reponses"], *META_COLS)]
    if not questions:
        return res
    rejected = res.rejects.select(SOURCE_COL, LINE_COL).with_columns(pl.lit(True).alias("__rej"))
    kept = (
        raw.join(rejected, on=[SOURCE_COL, LINE_COL], how="left", maintain_order="left")
        .filter(pl.col("__rej").is_null())
        .select(null_if_empty(q).alias(q) for q in questions)
    )
    if kept.height != res.data.height:  # pragma: no cover - alignment is by construction
        raise AssertionError("questionnaire : réponses et questions désalignées")
    data = pl.concat([res.data, kept], how="horizontal")
    return LoadResult(TABLE, data, res.rejects, res.rows_read, res.sources)


def load_result(
    path: str | Path, *, encoding: str | None = None, separator: str | None = None
) -> LoadResult:
    """The questionnaire result; the other tables and their rejects in ``extra``."""
    results = load_results(path, encoding=encoding, separator=separator)
    main = results[TABLE]
    sources = tuple(dict.fromkeys(s for r in results.values() for s in r.sources))
    extra: dict[str, pl.DataFrame] = {}
    for name, res in results.items():
        if name != TABLE:
            extra[name] = res.data
            extra[f"{name}.rejects"] = res.rejects
    return LoadResult(TABLE, main.data, main.rejects, main.rows_read, sources, extra)


def ingest(
    path: str | Path, out_dir: str | Path, *, cache_key: str, **options: Any
) -> dict[str, Any]:
    """Write the four tables (each with rejects and meta); return the combined summary.

    The questionnaire table is written last: its meta is the registry's cache marker, so a
    build killed half-way is redone rather than trusted.
    """
    results = load_results(path, **options)
    out = Path(out_dir)
    summaries = [write_result(r, out, cache_key) for n, r in results.items() if n != TABLE]
    main = write_result(results[TABLE], out, cache_key)
    full = {**main, "tables": [main, *summaries]}
    write_text_atomic(
        out / f"{TABLE}.meta.json", json.dumps(full, ensure_ascii=False, indent=2) + "\n"
    )
    return full


def load(path: str | Path, table: str = TABLE, **options: str | None) -> pl.LazyFrame:
    """One validated table (default: the questionnaire answers) as a LazyFrame."""
    results = load_results(path, **options)
    if table not in results:
        raise ValueError(f"table inconnue : {table!r} (connues : {', '.join(results)})")
    return results[table].data.lazy()
