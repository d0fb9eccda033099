"""Full-text search with highlighted excerpts, for the dashboard search box and the notebooks.

Why a dedicated module: an analyst looking for « élèves sans ordinateur » in 30,000
contributions types « eleve ordinat » and expects what a search engine gives — no care for
case or accents, word starts, French elisions (« ent » finds « l'ENT »), exact phrases in
double quotes and ``-mot`` to exclude — and wants to *see* each hit in context, not a list of
ids. No index is kept: the corpus fits in memory and a scan costs a fraction of a second.

How it works, and why in this order:

1. The texts are normalised to NFC (so that a decomposed « é » is one character, as typed),
   then folded — lowercased, accents dropped, typographic apostrophes → « ' » — *one
   character for one character*. The folded copy therefore has the same character offsets as
   the text: a match found in the folded copy is cut from the text at the same positions. The
   query is folded with the same table, so both sides meet.
2. Every query term becomes a regular expression on the folded copy: a word matches at a word
   start and runs to the end of the word (prefix match: « ordinat » finds « ordinateurs »,
   and the whole word is highlighted); a phrase is its words in sequence, separated by
   spaces or hyphens. Elisions need no special case in the texts (the apostrophe is not a
   word character, so « ent » starts a word in « l'ent »); in the query, « l'ENT » is read
   as « ent ». The ligatures « œ » and « æ » stay one character in the folded copy (two
   letters would shift the offsets, and folding them to « o » / « a » would make « coeur »
   typed without the ligature, in a text or in the query, unreachable); instead the pattern
   reads « oe » or « œ » as either spelling, so « coeur » finds « cœur » and « coeur », and
   the excerpt shows the text as written.
3. Polars filters the whole corpus (a literal ``str.contains`` first, which is cheap, then the
   regular expression on the rows that passed), counts the occurrences for the ranking, and
   only the ``limit`` best rows get their excerpts built in Python, with the same patterns
   (the word start checked by hand there, see :func:`_word_matches`), so that the excerpts
   show the occurrences that were counted.

Cost, measured on 30,000 synthetic RETEX of 400–2,500 characters (2 shared cores): about
0.25 s per query with ``limit=200`` (NFC check 0.06 s, folding 0.15 s, the filters a few
hundredths), 0.9 s with ``limit=None`` for a word found in 25,000 texts.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import polars as pl

#: One excerpt: the text before the match, the match (to render in ``<mark>``), the text after.
EXCERPT_DTYPE = pl.Struct({"avant": pl.String(), "match": pl.String(), "apres": pl.String()})

#: Marks a cut in an excerpt.
ELLIPSIS = "…"

# Characters folded to something else than "NFD without combining marks, lowercased": the
# ligatures (kept as one lowercase letter, see the module docstring), letters with a stroke
# (no decomposition in Unicode) and the apostrophes that French texts use.
_SPECIAL_FOLDS = {
    "œ": "œ",
    "Œ": "œ",
    "æ": "æ",
    "Æ": "æ",
    "ø": "o",
    "Ø": "o",
    "ł": "l",
    "Ł": "l",
    "đ": "d",
    "Đ": "d",
    "\u2019": "'",  # ’ right single quotation mark, the usual typographic apostrophe
    "\u2018": "'",  # ‘
    "\u02bc": "'",  # ʼ modifier letter apostrophe
    "\u2032": "'",  # ′ prime
}

# Latin-1 Supplement, Latin Extended-A and -B, Latin Extended Additional: every accented
# letter a French text (or a name) may hold.
_FOLD_RANGES = ((0x00C0, 0x0250), (0x1E00, 0x1F00))

_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"'})
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_EDGE_PUNCT = ".,;:!?…()[]{}<>\"'«»“”"
_ELISION = re.compile(r"^(?:qu|jusqu|lorsqu|puisqu|quoiqu|presqu|[cdjlmnst])'(?=\w)")
_PHRASE_SEP = r"[\s\-]+"
_REGEX_SPECIAL = frozenset(r"\.+*?()|[]{}^$#&-~")
_SPACES = re.compile(r"\s+")
_BREAKS = re.compile(r"[ \n\r\t\f\v]{2,}|[\n\r\t\f\v]")
_LAST_BLANK = re.compile(r".*(\s)", re.DOTALL)
# Both spellings of the ligatures, in a folded query word.
_LIGATURES = re.compile("(oe|œ|ae|æ)")
_LIGATURE_PATTERN = {"oe": "(?:oe|œ)", "œ": "(?:oe|œ)", "ae": "(?:ae|æ)", "æ": "(?:ae|æ)"}
# A prefix ending in « o » / « a » may stop inside a ligature (« co » for « cœur »).
_LIGATURE_START = {"o": "(?:o|œ)", "a": "(?:a|æ)"}
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "oe": ("oe", "œ"),
    "œ": ("oe", "œ"),
    "ae": ("ae", "æ"),
    "æ": ("ae", "æ"),
    "o": ("o", "œ"),
    "a": ("a", "æ"),
}


def _fold_char(char: str) -> str:
    """Fold one character to exactly one character (the offset invariant)."""
    if char in _SPECIAL_FOLDS:
        return _SPECIAL_FOLDS[char]
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    lowered = base.lower()
    if len(lowered) == 1:
        return lowered
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


@cache
def _fold_table() -> dict[str, str]:
    """Characters whose fold differs from a plain lowercasing, with their fold.

    Applied before lowercasing (in Polars and in Python alike), so it must also map the
    characters whose lowercase is longer than one character (« İ » → « i̇ »): nothing that
    reaches the lowercasing may change the length.
    """
    chars = [chr(code) for lo, hi in _FOLD_RANGES for code in range(lo, hi)]
    return {
        char: _fold_char(char)
        for char in [*_SPECIAL_FOLDS, *chars]
        if _fold_char(char) != char.lower() or len(char.lower()) != 1
    }


@cache
def _translation() -> dict[int, str]:
    return str.maketrans(_fold_table())


def fold(text: str) -> str:
    """Lowercase, accent-free copy of ``text`` (NFC), with the same length and offsets.

    ``fold("Élèves, Cœur")`` is ``"eleves, cœur"``. Exposed so that callers can fold their
    own keys the way :func:`search` does.
    """
    text = unicodedata.normalize("NFC", text)
    folded = text.translate(_translation()).lower()
    if len(folded) != len(text):  # a character outside the table with a longer lowercase
        folded = "".join(_fold_char(c) for c in text)
    return folded


def _fold_expr(expr: pl.Expr) -> pl.Expr:
    """The Polars twin of :func:`fold` (on NFC text): the table first, then the lowercasing."""
    table = _fold_table()
    return expr.str.replace_many(list(table), list(table.values())).str.to_lowercase()


# --------------------------------------------------------------------------------------------
# Query
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One query term: a word, or the words of a phrase, folded; ``exclude`` for ``-mot``."""

    words: tuple[str, ...]
    exclude: bool

    @property
    def pattern(self) -> str:
        """The regular expression of the term, a word start (``\\b``) included."""
        return _PHRASE_SEP.join(_word_pattern(w) for w in self.words)

    @property
    def unanchored(self) -> str:
        """:attr:`pattern` without its leading ``\\b``, for Python's ``re``.

        Why: ``re`` only jumps ahead to a literal when the pattern starts with one; with
        ``\\b`` first it tries every position (5 times slower). The word start is then
        checked on each match (:func:`_word_matches`).
        """
        return self.pattern.removeprefix(r"\b")

    @property
    def literals(self) -> list[str]:
        """Substrings of which every match contains one: the cheap pre-filter.

        The spellings of the longest word (« coeur » → « coeur », « cœur »).
        """
        word = max(self.words, key=len)
        pieces = _LIGATURES.split(word)
        options: list[tuple[str, ...]] = [
            _SPELLINGS[piece] if i % 2 else (piece,) for i, piece in enumerate(pieces[:-1])
        ]
        last = pieces[-1]
        if last and last[-1] in _LIGATURE_START:
            options.append(tuple(last[:-1] + end for end in _SPELLINGS[last[-1]]))
        else:
            options.append((last,))
        return ["".join(spelling) for spelling in itertools.product(*options)]


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _escape(text: str) -> str:
    """Escape for both engines (Python ``re`` and Rust ``regex`` accept ``\\`` + punctuation)."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def _word_pattern(word: str) -> str:
    """A word at a word start, ligatures in either spelling, extended to the word's end."""
    pieces = _LIGATURES.split(word)  # text, ligature, text, ligature, ..., text
    if pieces[-1] and pieces[-1][-1] in _LIGATURE_START:
        tail = pieces[-1]
        pattern_tail = _escape(tail[:-1]) + _LIGATURE_START[tail[-1]]
    else:
        pattern_tail = _escape(pieces[-1])
    pattern = "".join(
        _LIGATURE_PATTERN[piece] if i % 2 else _escape(piece) for i, piece in enumerate(pieces[:-1])
    )
    pattern += pattern_tail
    if _is_word_char(word[0]):
        pattern = r"\b" + pattern
    if _is_word_char(word[-1]):
        pattern += r"\w*"
    return pattern


def _clean_word(word: str, *, elision: bool) -> str:
    word = word.strip(_EDGE_PUNCT)
    if elision:
        word = _ELISION.sub("", word)
    return word


def parse_query(query: str) -> list[QueryTerm]:
    """Terms of a query: words, ``"phrases"`` (also « … » or “…”), ``-`` to exclude.

    Raises :class:`ValueError` (in French) for a query without any term to look for.
    """
    if not query or not query.strip():
        raise ValueError("requête vide : saisissez au moins un mot à rechercher")
    terms: list[QueryTerm] = []
    for match in _QUERY_TOKEN.finditer(fold(query.translate(_QUOTES))):
        minus, phrase, bare = match.groups()
        if phrase is not None:
            words = tuple(w for w in (_clean_word(t, elision=False) for t in phrase.split()) if w)
            exclude = minus == "-"
        else:
            exclude = bare.startswith("-") and len(bare) > 1
            word = _clean_word(bare[1:] if exclude else bare, elision=True)
            words = (word,) if word and word != "-" else ()
        if words:
            terms.append(QueryTerm(words, exclude))
    if not terms:
        raise ValueError(f"requête sans mot à rechercher : « {query.strip()} »")
    if all(t.exclude for t in terms):
        raise ValueError(
            "requête faite uniquement d'exclusions (« -mot ») : ajoutez au moins un mot à rechercher"
        )
    return terms


# --------------------------------------------------------------------------------------------
# Excerpts
# --------------------------------------------------------------------------------------------


def _squash(text: str) -> str:
    """One space for a line break, a tab or a run of spaces: an excerpt is read on one line."""
    if "  " in text or not text.isprintable():  # fast path: most excerpts have neither
        return _BREAKS.sub(" ", text)
    return text


def _excerpt(text: str, start: int, end: int, window: int) -> tuple[str, str, str, int]:
    """The excerpt around ``text[start:end]`` (before, match, after) and where it stops.

    The context is cut at a blank (never inside a word) and the cut marked with « … ».
    """
    left = max(0, start - window)
    if left > 0:
        # Start after the first blank at or after ``left`` (the word at ``left`` may be cut).
        blank = _SPACES.search(text, left - 1, start)
        left = blank.end() if blank else start
    right = min(len(text), end + window)
    if right < len(text):
        # Stop at the last blank up to ``right`` (the word at ``right`` may be cut).
        last = _LAST_BLANK.match(text, end, right + 1)
        right = last.start(1) if last else end
    avant = _squash(text[left:start]).lstrip()
    apres = _squash(text[end:right]).rstrip()
    if left > 0 and text[:left].strip():
        avant = f"{ELLIPSIS} {avant}"
    if right < len(text) and text[right:].strip():
        apres = f"{apres} {ELLIPSIS}"
    return avant, _squash(text[start:end]), apres, right


def _excerpts(
    text: str, folded: str, matcher: re.Pattern[str], window: int, max_excerpts: int
) -> list[tuple[str, str, str]]:
    """Up to ``max_excerpts`` excerpts, in text order, none repeating another's context."""
    if len(folded) != len(text):  # never expected; offsets must stay aligned whatever happens
        folded = fold(text)
    out: list[tuple[str, str, str]] = []
    covered = 0
    for start, end in _word_matches(folded, matcher):
        if start < covered:  # already shown in the previous excerpt's context
            continue
        avant, found, apres, covered = _excerpt(text, start, end, window)
        out.append((avant, found, apres))
        if len(out) == max_excerpts:
            break
    return out


def _word_matches(folded: str, matcher: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """Spans of the matches of an unanchored pattern that start a word (as ``\\b`` would).

    A match starting with a letter inside a word is dropped and the search resumes one
    character further, so the matches are those of the anchored pattern (the one Polars
    counts): same positions tried, in the same order.
    """
    pos = 0
    while (match := matcher.search(folded, pos)) is not None:
        start, end = match.span()
        if start > 0 and _is_word_char(folded[start]) and _is_word_char(folded[start - 1]):
            pos = start + 1
            continue
        yield start, end
        pos = max(end, start + 1)


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


def search_schema(id_col: str = "id", id_dtype: pl.DataType | None = None) -> pl.Schema:
    """Columns of :func:`search`'s result (the id column keeps its name and type)."""
    return pl.Schema(
        {
            id_col: id_dtype if id_dtype is not None else pl.String(),
            "n_occurrences": pl.Int64(),
            "extraits": pl.List(EXCERPT_DTYPE),
            "extrait": pl.String(),
        }
    )


def _nfc(text: pl.Series) -> pl.Series:
    """NFC form of the texts, normalising only those with combining marks.

    Why not ``str.normalize`` on the whole column: it costs half a second on 30,000 texts,
    while nearly all texts arrive composed already; spotting the others is ten times cheaper.
    """
    decomposed = text.str.contains(r"\p{M}")
    if not decomposed.any():
        return text
    return text.scatter(decomposed.arg_true(), text.filter(decomposed).str.normalize("NFC"))


def _rows_matching(frame: pl.DataFrame, term: QueryTerm) -> pl.DataFrame:
    """Rows of ``frame`` whose folded text holds ``term``: a literal scan, then the regex."""
    literals = term.literals
    folded = pl.col("_folded").str
    present = (
        folded.contains(literals[0], literal=True)
        if len(literals) == 1
        else folded.contains_any(literals)
    )
    candidates = frame.filter(present)
    return candidates.filter(pl.col("_folded").str.contains(term.pattern))


def search(
    texts: pl.DataFrame,
    query: str,
    *,
    id_col: str = "id",
    text_col: str = "texte",
    window: int = 80,
    max_excerpts: int = 3,
    limit: int | None = 200,
) -> pl.DataFrame:
    """Texts that hold every term of ``query``, best first, with highlighted excerpts.

    Query syntax: words (all required, matched at a word start, case and accents ignored),
    ``"a phrase"`` for words in sequence, ``-mot`` / ``-"une expression"`` to exclude.

    Result: one row per matching text, with ``id_col`` (unchanged), ``n_occurrences`` (matches
    of the searched terms), ``extraits`` (up to ``max_excerpts`` structs ``{avant, match,
    apres}`` of about ``window`` characters of context on each side, for the UI to render
    ``match`` in ``<mark>``) and ``extrait`` (the first excerpt in plain text, the match in
    ``**bold**``, for notebooks). Sorted by ``n_occurrences`` descending, then input order;
    at most ``limit`` rows (``None``: all). Excerpts come from the NFC form of the texts.
    """
    missing = [c for c in (id_col, text_col) if c not in texts.columns]
    if missing:
        raise ValueError(f"table de textes sans colonne(s) : {', '.join(missing)}")
    if window < 0:
        raise ValueError(f"window doit être positif ou nul (reçu : {window})")
    if max_excerpts < 1:
        raise ValueError(f"max_excerpts doit valoir au moins 1 (reçu : {max_excerpts})")
    if limit is not None and limit < 1:
        raise ValueError(f"limit doit valoir au moins 1, ou None (reçu : {limit})")
    terms = parse_query(query)
    wanted = [t for t in terms if not t.exclude]
    excluded = [t for t in terms if t.exclude]

    # The most selective literal first: the later (regex) steps then see few rows.
    wanted.sort(key=lambda t: min(len(x) for x in t.literals), reverse=True)
    # Internal names start with « _ »; the id is renamed back at the end (no name clash).
    frame = texts.select(
        pl.col(id_col).alias("_id"),
        _nfc(texts.get_column(text_col).cast(pl.String).fill_null("")).alias("_text"),
    ).with_row_index("_row")
    frame = frame.with_columns(_fold_expr(pl.col("_text")).alias("_folded"))
    for term in wanted:
        frame = _rows_matching(frame, term)
    for term in excluded:
        frame = frame.join(_rows_matching(frame, term).select("_row"), on="_row", how="anti")

    # Phrases first, then longer words: at equal start the alternation keeps the longer term.
    ordered = sorted(wanted, key=lambda t: (len(t.words), len(t.pattern)), reverse=True)
    combined = "|".join(f"(?:{t.pattern})" for t in ordered)
    ranked = (
        frame.with_columns(pl.col("_folded").str.count_matches(combined).alias("n_occurrences"))
        .sort(["n_occurrences", "_row"], descending=[True, False])
        .head(limit if limit is not None else frame.height)
    )
    matcher = re.compile("|".join(f"(?:{t.unanchored})" for t in ordered))
    # Flat columns, then one struct list per text: far cheaper than Polars reading nested
    # Python dicts when ``limit`` is None and thousands of texts match.
    owner: list[int] = []
    parts: tuple[list[str], list[str], list[str]] = ([], [], [])
    texts_folded = zip(ranked["_text"].to_list(), ranked["_folded"].to_list(), strict=True)
    for i, (text, folded) in enumerate(texts_folded):
        for excerpt in _excerpts(text, folded, matcher, window, max_excerpts):
            owner.append(i)
            for column, value in zip(parts, excerpt, strict=True):
                column.append(value)
    flat = pl.DataFrame(
        {"_i": owner, "avant": parts[0], "match": parts[1], "apres": parts[2]},
        schema={"_i": pl.Int64, **EXCERPT_DTYPE.to_schema()},
    )
    per_text = flat.group_by("_i", maintain_order=True).agg(
        pl.struct("avant", "match", "apres").alias("extraits"),
        pl.concat_str(
            pl.col("avant").first(),
            pl.lit("**"),
            pl.col("match").first(),
            pl.lit("**"),
            pl.col("apres").first(),
        ).alias("extrait"),
    )
    out = (
        ranked.select("_id", "n_occurrences")
        .with_row_index("_i")
        .with_columns(pl.col("_i").cast(pl.Int64))
        .join(per_text, on="_i", how="left", maintain_order="left")
    )
    return out.select(
        pl.col("_id").alias(id_col),
        pl.col("n_occurrences").cast(pl.Int64),
        pl.col("extraits").fill_null(pl.lit([], dtype=pl.List(EXCERPT_DTYPE))),
        pl.col("extrait"),
    )
