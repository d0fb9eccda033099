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

Decidim's admin exports are recognised by the columns that matter, not by their exact header
(other Decidim versions and instances add or drop columns): an ``id`` with

* ``root_commentable_url`` (or ``commentable_type`` + ``commentable_id``) and a ``body``:
  comments → ``consultation_commentaires``;
* a ``title`` and a ``description``: debates → ``consultation_propositions``;
* a ``title``, a ``body`` and one of Decidim's own columns (``url``, ``component/id``,
  ``votes``…): free proposals → ``consultation_propositions``.

``title``, ``body`` and ``description`` may be translated (``title/fr``): French first, then
the untranslated column, then the other languages, machine translations never. Decidim numbers
debates, proposals and comments in separate sequences (the real 2019 export has 92 comment ids
that are also proposal ids), so their ids are namespaced: ``debat-30``, ``proposition-457``,
``commentaire-515``. A comment belongs to the proposal or debate at the **root** of its thread,
read from ``root_commentable_url`` (``…/debates/30``): ``commentable_id`` is the parent, which
for a reply is another comment (debate 30 has 75 comments through its root, 49 through
``commentable_id``). Without that column, the thread is walked up through the comments of the
export. A comment whose root is neither a debate nor a proposal of the export (a meeting, or an
export given without its debates) is « proposition inconnue ». Decidim's pseudonym
(``author/name``) is the ``auteur_pseudo``, as in any platform export; its user ids are not
kept. Rich-text cells (Decidim stores HTML) are turned into text by :func:`html_to_text`.

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
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

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
from egn_analytics.loaders._mapping import (
    Declared,
    apply_mapping,
    declare,
    present,
    refuse_unused,
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
    "auteur_pseudo": ("auteur_pseudo", "pseudo", "auteur", "participant", "author_name"),
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
#: Roles a ``--map``/``--set`` may name (our canonical columns).
ROLES = tuple(ALIASES)
_ID = {"reponses": "id_reponse", "propositions": "id_proposition",
       "commentaires": "id_commentaire", "soutiens": "id_soutien"}  # fmt: skip

DecidimKind = Literal["debates", "proposals", "comments"]
#: Decidim resource (the segment of its URL) → prefix of its id in our tables.
DECIDIM_PREFIXES: dict[str, str] = {
    "debates": "debat-",
    "proposals": "proposition-",
    "comments": "commentaire-",
}
#: ``commentable_type`` → resource segment, to walk a thread up without the root URL.
DECIDIM_TYPES: dict[str, str] = {
    "Decidim::Debates::Debate": "debates",
    "Decidim::Proposals::Proposal": "proposals",
    "Decidim::Comments::Comment": "comments",
}
#: Columns only Decidim writes: they tell its proposals from a generic ``id;title;body`` file.
_DECIDIM_MARKERS = frozenset(
    {"url", "component_id", "reference", "published_at", "votes", "supports", "endorsements"}
)
#: ``…/f/112/debates/30`` (a trailing slash, query or fragment allowed) → ``debates``, ``30``.
_ROOT_URL = r"/([a-z_]+)/(\d+)/?(?:[?#].*)?$"
#: ``2019-01-17 10:38:20 +0100`` (Decidim, Rails): the written date, whatever the offset.
_TIMESTAMP = (
    r"^\s*(\d{4}-\d{1,2}-\d{1,2})[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
    r"\s+(?:UTC|Z|[+-]\d{2}:?\d{2})\s*$"
)
#: Elements that end a paragraph (a blank line) or a line (list items, table rows).
_BLOCKS = frozenset(
    {"p", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table",
     "section", "article", "header", "footer", "hr", "dl"}
)  # fmt: skip
_LINES = frozenset({"br", "li", "tr", "dt", "dd"})


class _HtmlText(HTMLParser):
    """Collects the text of an HTML fragment; block elements become line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.elements = 0
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag in _LINES:
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        self.elements += 1
        if tag in ("script", "style"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:  # in HTML a run of white space, line breaks included, is one space
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(value: str) -> str:
    """The text of a rich-text cell: tags dropped, entities decoded, paragraphs kept.

    Why: Decidim stores descriptions (and, depending on its version, bodies) as HTML, which
    would otherwise reach the classifier as ``<p><strong>…``. Parsed with the standard
    library's HTML parser, not a pattern over tags, so ``a < b`` or a ``>`` in a quote are
    not eaten. A cell in which the parser finds no element is returned unchanged: its ``&``
    stay as written (« R&D », not an entity).
    """
    parser = _HtmlText()
    parser.feed(value)
    parser.close()
    if parser.elements == 0:
        return value
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    out: list[str] = []
    for line in lines:  # at most one blank line between paragraphs, none at the ends
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


def _strip_html(expr: pl.Expr) -> pl.Expr:
    def convert(values: pl.Series) -> pl.Series:
        return pl.Series(
            [html_to_text(v) if v is not None and "<" in v else v for v in values.to_list()],
            dtype=pl.String,
        )

    return expr.map_batches(convert, return_dtype=pl.String)


def decidim_kind(columns: list[str]) -> DecidimKind | None:
    """Which Decidim admin export a table is, from its folded columns (None: not Decidim)."""
    cols = set(columns)
    if "id" not in cols:
        return None
    has_body = bool(_localized(columns, "body"))
    if has_body and (
        "root_commentable_url" in cols or {"commentable_id", "commentable_type"} <= cols
    ):
        return "comments"
    if not _localized(columns, "title"):
        return None
    if _localized(columns, "description"):
        return "debates"
    if has_body and cols & _DECIDIM_MARKERS:
        return "proposals"
    return None


def _localized(columns: list[str], base: str) -> list[str]:
    """``base`` and its translations (``title_fr``…): French, untranslated, then the others."""
    found = [c for c in columns if re.fullmatch(rf"{base}(_[a-z]{{2,3}}(_[a-z]{{2}})?)?", c)]
    first = [c for c in (f"{base}_fr", base) if c in found]
    return first + [c for c in found if c not in first]


def _first_text(frame: pl.DataFrame, base: str) -> pl.Expr:
    cols = _localized(frame.columns, base)
    if not cols:
        return pl.lit(None, dtype=pl.String)
    return pl.coalesce(null_if_empty(c) for c in cols)


def _prefixed(prefix: str | pl.Expr, value: pl.Expr) -> pl.Expr:
    value = null_if_empty(value)
    prefix = pl.lit(prefix) if isinstance(prefix, str) else prefix
    return pl.when(value.is_not_null()).then(pl.concat_str(prefix, value))


def _segment_prefix(segment: pl.Expr) -> pl.Expr:
    """``debates`` → ``debat-``; a resource we do not load (``meetings``) → ``meetings-``."""
    return segment.replace_strict(DECIDIM_PREFIXES, default=segment + "-", return_dtype=pl.String)


def _decidim_roots(frame: pl.DataFrame) -> pl.Series:
    """Namespaced id of the debate or proposal at the root of each comment's thread."""
    cols = frame.columns
    url = null_if_empty("root_commentable_url") if "root_commentable_url" in cols else None
    from_url = (
        _prefixed(_segment_prefix(url.str.extract(_ROOT_URL, 1)), url.str.extract(_ROOT_URL, 2))
        if url is not None
        else pl.lit(None, dtype=pl.String)
    )
    if not {"commentable_id", "commentable_type"} <= set(cols):
        return frame.select(from_url.alias("root")).to_series()
    # Walk up: a reply's commentable is its parent comment, whose commentable is looked up in
    # the export, until a debate or a proposal (or a parent absent from the export: null).
    segment = null_if_empty("commentable_type").replace_strict(
        DECIDIM_TYPES,
        default=null_if_empty("commentable_type").str.extract(r"([A-Za-z]+)$").str.to_lowercase(),
        return_dtype=pl.String,
    )
    walk = frame.select(
        null_if_empty("id").alias("id"),
        segment.alias("seg"),
        null_if_empty("commentable_id").alias("parent"),
        from_url.alias("root"),
    )
    parents = walk.select(
        pl.col("id").alias("parent"), pl.col("seg").alias("_seg"), pl.col("parent").alias("_up")
    ).unique(subset="parent", keep="first")
    open_rows = walk.height + 1
    while 0 < (still := walk.filter(pl.col("seg") == "comments").height) < open_rows:
        open_rows = still  # a loop of replies (a broken export) stops the walk: left null
        walk = (
            walk.join(parents, on="parent", how="left", maintain_order="left")
            .with_columns(
                pl.when(pl.col("seg") == "comments").then("_seg").otherwise("seg").alias("seg"),
                pl.when(pl.col("seg") == "comments")
                .then("_up")
                .otherwise("parent")
                .alias("parent"),
            )
            .drop("_seg", "_up")
        )
    walked = _prefixed(_segment_prefix(pl.col("seg")), pl.col("parent"))
    walked = pl.when(pl.col("seg") != "comments").then(walked)
    return walk.select(pl.coalesce("root", walked).alias("root")).to_series()


def _decidim(frame: pl.DataFrame, kind: DecidimKind) -> pl.DataFrame:
    """A Decidim export as the canonical raw strings of its table (ids namespaced)."""
    cols = frame.columns
    dates = [null_if_empty(c) for c in ("published_at", "created_at") if c in cols]
    date = pl.coalesce(dates) if dates else pl.lit(None, dtype=pl.String)
    author = pl.col("author_name") if "author_name" in cols else pl.lit(None, dtype=pl.String)
    meta = [c for c in META_COLS if c in cols]
    if kind == "comments":
        return frame.select(
            _prefixed(DECIDIM_PREFIXES["comments"], pl.col("id")).alias("id_commentaire"),
            pl.lit(_decidim_roots(frame)).alias("id_proposition"),
            date.alias("date"),
            author.alias("auteur_pseudo"),
            _first_text(frame, "body").alias("texte"),
            *meta,
        )
    return frame.select(
        _prefixed(DECIDIM_PREFIXES[kind], pl.col("id")).alias("id_proposition"),
        date.alias("date"),
        author.alias("auteur_pseudo"),
        pl.lit(None, dtype=pl.String).alias("profil"),
        _first_text(frame, "title").alias("titre"),
        _first_text(frame, "description" if kind == "debates" else "body").alias("texte"),
        *meta,
    )


def _has(columns: set[str], canonical: str) -> bool:
    return any(a in columns for a in ALIASES[canonical])


def export_kind(columns: list[str], name: str = "") -> str | None:
    """Which export a table is, from its folded columns (its file name only as a fallback)."""
    decidim = decidim_kind(columns)
    if decidim is not None:
        return "commentaires" if decidim == "comments" else "propositions"
    cols = set(columns)
    for own in ("commentaires", "soutiens", "reponses"):  # an export's own id says it all
        if _has(cols, _ID[own]):
            return own
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
    path: Path, encoding: str | None, separator: str | None, declared: Declared | None = None
) -> dict[str, pl.DataFrame]:
    """Raw frames per kind, canonical column names, every value a string.

    ``declared``: each file takes the declared columns it has and every constant
    (:func:`~egn_analytics.loaders._mapping.present`); a declared column no file has is an
    error. A Decidim export is read as Decidim, then the declaration overrides its columns.
    """
    if not path.exists():
        raise LoadError(path, "fichier ou dossier introuvable")
    check_encoding(path, encoding)
    files = inputs(path)
    if not files:
        raise LoadError(path, "aucun export de la consultation (csv, json) dans ce dossier")
    parts: dict[str, list[pl.DataFrame]] = {}
    tables = [
        (
            file,
            *read_table_with_headers(file, encoding=encoding, separator=separator, expected=_KNOWN),
        )
        for file in files
    ]
    headers = [[o.get(c, c) for c in f.columns if c not in META_COLS] for _, f, o in tables]
    if declared:  # a declared column no export has: said before any « non reconnu »
        refuse_unused(path, declared, headers)
    for (file, raw_frame, originals), written in zip(tables, headers, strict=True):
        frame = raw_frame
        decidim = decidim_kind(frame.columns)
        if declared:
            part = present(declared, written)
            frame = apply_mapping(frame, file, part, written, quote_header=False)
        kind = export_kind(frame.columns, file.name)
        if decidim is not None and kind is not None:
            rows = _decidim(raw_frame, decidim)
            if declared:
                chosen = [*part.columns, *part.constants]
                rows = rows.with_columns(frame[r].alias(r) for r in chosen if r in rows.columns)
            parts.setdefault(kind, []).append(rows)
            continue
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
    """Free text as published: rich text (HTML) made plain, line ends and accents normalised."""
    text = _strip_html(pl.col(col).str.replace_all("\r\n?", "\n"))
    return null_if_empty(text.str.normalize("NFC"))


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
        parse_date(pl.coalesce(pl.col("date").str.extract(_TIMESTAMP, 1), "date")).alias("date"),
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
            "les commentaires et soutiens renvoient à des propositions ou des débats, mais aucun "
            "export des propositions ni des débats n'a été trouvé : donner le dossier complet "
            "des exports",
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
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> dict[str, LoadResult]:
    """One :class:`LoadResult` per table (empty when its export is absent), keyed by table.

    ``mapping`` (``{role: column}``) and ``constants`` (``{role: value}``): another layout,
    roles :data:`ROLES` (``--map id_commentaire=Numéro --map texte=Message``), see
    :mod:`~egn_analytics.loaders._mapping`; in a folder each export takes the declared columns
    it has.
    """
    path = Path(path)
    declared = declare(mapping, constants, ROLES, path=path)
    raws = _read_exports(path, encoding, separator, declared)
    results = _results(path, raws)
    for res in results.values():
        res.layout = declared.record()
    return results


def _results(path: Path, raws: dict[str, pl.DataFrame]) -> dict[str, LoadResult]:
    """The four tables' results from the raw frames of :func:`_read_exports`."""
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
    path: str | Path,
    *,
    encoding: str | None = None,
    separator: str | None = None,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> LoadResult:
    """The questionnaire result; the other tables and their rejects in ``extra``."""
    results = load_results(
        path, encoding=encoding, separator=separator, mapping=mapping, constants=constants
    )
    main = results[TABLE]
    sources = tuple(dict.fromkeys(s for r in results.values() for s in r.sources))
    extra: dict[str, pl.DataFrame] = {}
    for name, res in results.items():
        if name != TABLE:
            extra[name] = res.data
            extra[f"{name}.rejects"] = res.rejects
    return LoadResult(TABLE, main.data, main.rejects, main.rows_read, sources, extra, main.layout)


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


def load(path: str | Path, table: str = TABLE, **options: Any) -> pl.LazyFrame:
    """One validated table (default: the questionnaire answers) as a LazyFrame."""
    results = load_results(path, **options)
    if table not in results:
        raise ValueError(f"table inconnue : {table!r} (connues : {', '.join(results)})")
    return results[table].data.lazy()
