"""Full-text search with highlighted excerpts, for the dashboard search box and the notebooks.

Why a dedicated module: an analyst looking for « élèves sans ordinateur » in 30,000
contributions types « eleve ordinat » and expects what a search engine gives — no care for
case or accents, word starts, French elisions (« ent » finds « l'ENT »), exact phrases in
double quotes and ``-mot`` to exclude — and wants to *see* each hit in context, not a list of
ids. No index is kept: the corpus fits in memory and a scan costs a fraction of a second.

How it works, and why in this order:

1. The texts are normalised to NFC (so that a decomposed « é » is one character, as typed),
   then folded — lowercased, accents dropped, typographic apostrophes → « ' » — *one
   character for one character* (:func:`fold`), then the ligatures are spelt out: « œ » →
   « oe », « æ » → « ae ». That last step gives the *search key*, the only form compared: the
   query goes through the same steps, so « coeur », « cœur » and « CŒUR » all become « coeur »
   on both sides, and « co » (a prefix of « coeur ») finds « cœur ». Normalising once is what
   keeps the cost linear in the query: the former way, matching « oe » or « œ » for each
   ligature of the query, listed every spelling of the query word for the cheap pre-filter,
   2^k strings for k ligatures (20 « oe » in one word took 3 to 12 s and up to 0.9 GiB, 21
   twice that, 200 « œ » exhausted the memory of the server).
2. Every query term becomes a regular expression on the key: a word matches at a word start
   and runs to the end of the word (prefix match: « ordinat » finds « ordinateurs », and the
   whole word is highlighted); a phrase is its words in sequence, separated by spaces or
   hyphens. Elisions need no special case in the texts (the apostrophe is not a word
   character, so « ent » starts a word in « l'ent »); in the query, « l'ENT » is read as
   « ent ». The patterns are escaped literals, word tails (``\\w*``) and separators
   (``[\\s-]+``) that can never match the same character: Python's ``re`` never has two ways
   to read the same text (no exponential backtracking), and Rust's engine is linear anyway.
3. Polars filters the corpus (a literal ``str.contains`` first, which is cheap, then the
   regular expression on the rows that passed) and counts the occurrences for the ranking;
   only the ``limit`` best rows get their excerpts built in Python, with the same patterns
   (the word start checked by hand there, see :func:`_word_matches`), so that the excerpts
   show the occurrences that were counted. The key is as long as the folded text plus one
   character per ligature; a match found in the key is brought back to the text's offsets
   through that shift (:func:`_text_offset`), so the excerpt shows the text as written
   (« cœur » highlighted whole).

Bounds, so that a search box can never take a server down: a query has at most
:data:`MAX_QUERY_CHARS` characters and :data:`MAX_QUERY_WORDS` words (a French
:class:`ValueError` beyond), and :func:`budgeted_search` reads the corpus in slices of about
:data:`SLICE_BYTES` of text, stopping when its time budget is spent and saying that its
results are partial (a request abandoned by the browser then stops within a slice).

Cost, measured on 2 shared cores. The dashboard's corpus (8,471 synthetic contributions,
4.4 MB, one in ten with a ligature): about 0.04 s per query with ``limit=200``, 0.17 s with
``limit=None`` for « de » (8,294 texts); a query of 200 « œ » 0.09 s. 30,000 texts of 60 to
380 words (47 MB, ligatures in nearly all of them, a worst case for the offsets): 0.37 s with
``limit=200`` (key 0.26 s of it, the filters a few hundredths), 1.6 s with ``limit=None`` for
a word found in 29,700 texts.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, chain, pairwise, repeat
from operator import add
from time import perf_counter

import polars as pl

#: One excerpt: the text before the match, the match (to render in ``<mark>``), the text after.
EXCERPT_DTYPE = pl.Struct({"avant": pl.String(), "match": pl.String(), "apres": pl.String()})

#: Marks a cut in an excerpt.
ELLIPSIS = "…"

#: Longest query, in characters (blanks at both ends not counted). A search box query is a few
#: words; 200 characters hold a quoted sentence, and the page's search box and URL already
#: stopped there. The patterns stay small (a literal of at most 200 characters per word).
MAX_QUERY_CHARS = 200
#: Most words in a query (those of phrases and exclusions included). Each word adds a Unicode
#: ``\w*`` to the patterns, and past about fifty of them Rust's regex engine no longer fits
#: its fast automaton in its cache and falls back to a slower one (a phrase of 56 one-letter
#: words: 0.7 s on 45 MB of text instead of 0.05 s for 48). A real query has two to five
#: words; twelve leaves room for any honest one, or a quoted clause, four times below that.
MAX_QUERY_WORDS = 12
#: Time budget of :func:`budgeted_search`, in seconds: fifty times a search of the dashboard's
#: 8,500 contributions (0.04 s), five times one of 30,000 long texts (0.4 s), so only an
#: overloaded machine or a far larger corpus reaches it, while a request the browser abandoned
#: stops soon after.
DEFAULT_BUDGET_S = 2.0
#: Text read per slice by :func:`budgeted_search` (UTF-8 bytes), between two looks at the
#: clock: a few hundredths of a second of work, the most a spent budget can be overrun by.
SLICE_BYTES = 4 << 20

# Characters folded to something else than "NFD without combining marks, lowercased": the
# ligatures (kept as one lowercase letter, see :func:`fold`), letters with a stroke (no
# decomposition in Unicode) and the apostrophes that French texts use.
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
# The ligatures of a folded text, spelt out in the search key.
_SPELLED_OUT = {"œ": "oe", "æ": "ae"}
_SPELL_OUT = str.maketrans(_SPELLED_OUT)

# Latin-1 Supplement, Latin Extended-A and -B, Latin Extended Additional: every accented
# letter a French text (or a name) may hold.
_FOLD_RANGES = ((0x00C0, 0x0250), (0x1E00, 0x1F00))

_QUOTES = str.maketrans({"«": '"', "»": '"', "“": '"', "”": '"', "„": '"'})
_QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_EDGE_PUNCT = ".,;:!?…()[]{}<>\"'«»“”"
# In a phrase, hyphens at a word's edges are the separator itself (see :func:`parse_query`).
_PHRASE_EDGE = _EDGE_PUNCT + "-"
_ELISION = re.compile(r"^(?:qu|jusqu|lorsqu|puisqu|quoiqu|presqu|[cdjlmnst])'(?=\w)")
_PHRASE_SEP = r"[\s\-]+"
_REGEX_SPECIAL = frozenset(r"\.+*?()|[]{}^$#&-~")
_SPACES = re.compile(r"\s+")
# Python's ``\w`` is :func:`_is_word_char` (letters, digits, « _ »).
_WORD_RUN = re.compile(r"\w+")
_BREAKS = re.compile(r"[ \n\r\t\f\v]{2,}|[\n\r\t\f\v]")
_LAST_BLANK = re.compile(r".*(\s)", re.DOTALL)


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
def _key_table() -> dict[str, str]:
    """:func:`_fold_table` with every character that folds to a ligature spelt out.

    Why not the fold table then a second replacement: one pass over the corpus instead of two,
    and « ǽ » (folded to « æ » by the table) must end as « ae » too.
    """
    table = {char: _SPELLED_OUT.get(folded, folded) for char, folded in _fold_table().items()}
    for char in ("œ", "Œ", "æ", "Æ"):
        table[char] = _SPELLED_OUT[_fold_char(char)]
    return table


@cache
def _translation() -> dict[int, str]:
    return str.maketrans(_fold_table())


def fold(text: str) -> str:
    """Lowercase, accent-free copy of ``text`` (NFC), with the same length and offsets.

    ``fold("Élèves, Cœur")`` is ``"eleves, cœur"``: the ligatures stay one character here (so
    the offsets hold); :func:`search_key` spells them out. Exposed so that callers can fold
    their own keys the way :func:`search` does.
    """
    text = unicodedata.normalize("NFC", text)
    folded = text.translate(_translation()).lower()
    if len(folded) != len(text):  # a character outside the table with a longer lowercase
        folded = "".join(_fold_char(c) for c in text)
    return folded


def search_key(text: str) -> str:
    """The form in which texts and queries are compared: :func:`fold`, ligatures spelt out.

    ``search_key("Le CŒUR")`` is ``"le coeur"``, like ``search_key("le coeur")``.
    """
    return fold(text).translate(_SPELL_OUT)


@cache
def _spelt_out_chars() -> tuple[str, ...]:
    """The characters the key spells with two letters: « œ », « Œ », « æ », « ǽ »…"""
    return tuple(sorted(c for c, v in _key_table().items() if len(v) == 2))


@cache
def _spelt_out() -> re.Pattern[str]:
    return re.compile(f"[{''.join(_spelt_out_chars())}]")


def _text_offset(at: int, ligatures: list[int]) -> int:
    """Offset in the text of the character that gave key character ``at``.

    ``ligatures``: key offsets of the spelt-out ligatures, ascending (ligature ``i`` sits at
    key offsets ``ligatures[i]`` and ``+ 1``, at text offset ``ligatures[i] - i``). Both
    letters of a ligature point to it; a character after ``i + 1`` ligatures is ``i + 1``
    characters further in the key than in the text.
    """
    i = bisect.bisect_right(ligatures, at) - 1
    if i >= 0 and at <= ligatures[i] + 1:
        return ligatures[i] - i
    return at - (i + 1)


def _key_expr(expr: pl.Expr) -> pl.Expr:
    """The Polars twin of :func:`search_key` (on NFC text): the table, then the lowercasing."""
    table = _key_table()
    return expr.str.replace_many(list(table), list(table.values())).str.to_lowercase()


# --------------------------------------------------------------------------------------------
# Query
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One query term: a word, or the words of a phrase, as search keys (:func:`search_key`);
    ``exclude`` for ``-mot``."""

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
    def literal(self) -> str:
        """A substring of every match, for the cheap pre-filter: the longest word.

        One string whatever the query holds: the key has a single spelling of each word.
        """
        return max(self.words, key=len)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _escape(text: str) -> str:
    """Escape for both engines (Python ``re`` and Rust ``regex`` accept ``\\`` + punctuation)."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def _word_pattern(word: str) -> str:
    """A word at a word start, extended to the word's end: linear in the word's length."""
    pattern = _escape(word)
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

    In a phrase, the hyphens at a word's edges are dropped: words in a phrase are already
    separated by spaces or hyphens, and a word made of hyphens only (``"a - b"``) is that
    separator. Keeping them would let the separator and the word compete for the same
    hyphens, which Python's ``re`` resolves by trying every split (exponential in the words).

    Raises :class:`ValueError` (in French) for a query without any term to look for, longer
    than :data:`MAX_QUERY_CHARS` characters or with more than :data:`MAX_QUERY_WORDS` words.
    """
    if not query or not query.strip():
        raise ValueError("requête vide : saisissez au moins un mot à rechercher")
    size = len(query.strip())
    if size > MAX_QUERY_CHARS:
        raise ValueError(
            f"recherche trop longue : {MAX_QUERY_CHARS} caractères au plus (reçu : {size})"
        )
    terms: list[QueryTerm] = []
    for match in _QUERY_TOKEN.finditer(search_key(query.translate(_QUOTES))):
        minus, phrase, bare = match.groups()
        if phrase is not None:
            words = tuple(w for w in (t.strip(_PHRASE_EDGE) for t in phrase.split()) if w)
            exclude = minus == "-"
        else:
            exclude = bare.startswith("-") and len(bare) > 1
            word = _clean_word(bare[1:] if exclude else bare, elision=True)
            words = (word,) if word and word != "-" else ()
        if words:
            terms.append(QueryTerm(words, exclude))
    if not terms:
        raise ValueError(f"requête sans mot à rechercher : « {query.strip()} »")
    n_words = sum(len(t.words) for t in terms)
    if n_words > MAX_QUERY_WORDS:
        raise ValueError(
            f"recherche trop longue : {MAX_QUERY_WORDS} mots au plus, expressions et exclusions "
            f"comprises (reçu : {n_words})"
        )
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


def _spans(text: str, key: str, matcher: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """Spans in ``text`` (NFC) of the matches found in ``key``, its search key.

    ``key`` is the Polars-computed key, reused: it is one character longer than the text per
    spelt-out ligature, and the ligatures' offsets bring a match back to the text (a match
    starting or ending inside « oe » takes the whole « œ »). A key of another length (a
    lowercasing that differed between the engines, never expected) is computed again here.
    """
    if len(key) == len(text) and not any(map(text.__contains__, _spelt_out_chars())):
        yield from _word_matches(key, matcher)  # no ligature, the common case: same offsets
        return
    pieces = _spelt_out().split(text)  # the text between ligatures, without match objects
    if len(key) != len(text) + len(pieces) - 1:
        key = search_key(text)
    # Key offset of ligature i: the pieces before it, and two letters per earlier ligature.
    sizes = map(len, pieces[:-1])
    ligatures = list(accumulate(chain((next(sizes),), map(add, sizes, repeat(2)))))
    for start, end in _word_matches(key, matcher):
        yield _text_offset(start, ligatures), _text_offset(end - 1, ligatures) + 1


def _excerpts(
    text: str, key: str, matcher: re.Pattern[str], window: int, max_excerpts: int
) -> list[tuple[str, str, str]]:
    """Up to ``max_excerpts`` excerpts, in text order, none repeating another's context."""
    out: list[tuple[str, str, str]] = []
    covered = 0
    for start, end in _spans(text, key, matcher):
        if start < covered:  # already shown in the previous excerpt's context
            continue
        avant, found, apres, covered = _excerpt(text, start, end, window)
        out.append((avant, found, apres))
        if len(out) == max_excerpts:
            break
    return out


def _word_matches(folded: str, matcher: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """Spans of the matches of an unanchored pattern that start a word (as ``\\b`` would).

    A match starting with a letter inside a word is dropped and the search resumes after that
    word (no match of the anchored pattern, the one Polars counts, starts inside a word: its
    terms begin with ``\\b`` or with a character that is not a letter), so the matches are
    the anchored pattern's, in the same order. Resuming one character further instead would
    make the cost quadratic in the length of a word (« e » in a 100,000-letter token).
    """
    pos = 0
    while (match := matcher.search(folded, pos)) is not None:
        start, end = match.span()
        if start > 0 and _is_word_char(folded[start]) and _is_word_char(folded[start - 1]):
            run = _WORD_RUN.match(folded, start)
            pos = run.end() if run else start + 1
            continue
        yield start, end
        pos = max(end, start + 1)


def _matcher(terms: list[QueryTerm]) -> re.Pattern[str]:
    """Python's pattern of the wanted terms, in the order of :func:`_ordered`."""
    return re.compile("|".join(f"(?:{t.unanchored})" for t in _ordered(terms)))


def _ordered(terms: list[QueryTerm]) -> list[QueryTerm]:
    """Phrases first, then longer words: at equal start the alternation keeps the longer term."""
    wanted = [t for t in terms if not t.exclude]
    return sorted(wanted, key=lambda t: (len(t.words), len(t.pattern)), reverse=True)


def match_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Where the wanted terms of ``query`` occur in ``text``: ``(start, end)`` offsets in its
    NFC form, as the excerpts of :func:`search` cut them (exclusions play no part here).

    Why exposed: to highlight a text shown whole, and to check the excerpts' offsets.
    """
    text = unicodedata.normalize("NFC", text)
    return list(_spans(text, search_key(text), _matcher(parse_query(query))))


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What :func:`budgeted_search` found, and how much of the table its budget let it read.

    ``rows``: :func:`search`'s table. ``total``: texts holding the query among the texts read
    (``rows`` keeps the ``limit`` best). ``texts_read`` of ``texts_total``: the table is read
    in order, the first ``texts_read`` rows. ``partial``: the budget ran out, so later texts
    were not read, or fewer rows got their excerpts than ``limit`` and ``total`` allowed.
    """

    rows: pl.DataFrame
    total: int
    texts_read: int
    texts_total: int
    partial: bool


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
    """Rows of ``frame`` whose key holds ``term``: a literal scan, then the regex."""
    candidates = frame.filter(pl.col("_key").str.contains(term.literal, literal=True))
    return candidates.filter(pl.col("_key").str.contains(term.pattern))


def _slices(text: pl.Series) -> list[tuple[int, int]]:
    """``(offset, length)`` of consecutive row slices of about :data:`SLICE_BYTES` of text.

    A slice ends where a row starts in a new block of :data:`SLICE_BYTES`; a text longer
    than that is a slice of its own.
    """
    if text.len() == 0:
        return []
    sizes = text.str.len_bytes().cast(pl.Int64)
    block = (sizes.cum_sum() - sizes) // SLICE_BYTES
    cuts = [0, *(block.diff() != 0).arg_true().to_list(), text.len()]
    return [(lo, hi - lo) for lo, hi in pairwise(cuts)]


def _scan(frame: pl.DataFrame, wanted: list[QueryTerm], excluded: list[QueryTerm]) -> pl.DataFrame:
    """Rows of one slice that hold the query: row, id, NFC text and key."""
    frame = frame.with_columns(_nfc(frame.get_column("_text")))
    frame = frame.with_columns(_key_expr(pl.col("_text")).alias("_key"))
    for term in wanted:
        frame = _rows_matching(frame, term)
    for term in excluded:
        frame = frame.join(_rows_matching(frame, term).select("_row"), on="_row", how="anti")
    return frame


def budgeted_search(
    texts: pl.DataFrame,
    query: str,
    *,
    budget_s: float | None = DEFAULT_BUDGET_S,
    id_col: str = "id",
    text_col: str = "texte",
    window: int = 80,
    max_excerpts: int = 3,
    limit: int | None = 200,
) -> SearchResult:
    """:func:`search` within a time budget, for a server: the rows and what they cover.

    The table is read in slices of about :data:`SLICE_BYTES` of text; after each slice, and
    after each row's excerpts, a spent budget (``budget_s`` seconds from the call) stops the
    work, and the result says so (:attr:`SearchResult.partial`). At least one slice is read
    and one row excerpted, so a tiny budget still shows something. ``budget_s=None``: no
    budget. Raises :class:`ValueError` (in French) for a bad query or argument.
    """
    started = perf_counter()
    missing = [c for c in (id_col, text_col) if c not in texts.columns]
    if missing:
        raise ValueError(f"table de textes sans colonne(s) : {', '.join(missing)}")
    if window < 0:
        raise ValueError(f"window doit être positif ou nul (reçu : {window})")
    if max_excerpts < 1:
        raise ValueError(f"max_excerpts doit valoir au moins 1 (reçu : {max_excerpts})")
    if limit is not None and limit < 1:
        raise ValueError(f"limit doit valoir au moins 1, ou None (reçu : {limit})")
    if budget_s is not None and not budget_s >= 0:  # also rejects NaN
        raise ValueError(f"budget_s doit être positif ou nul, ou None (reçu : {budget_s})")
    terms = parse_query(query)
    deadline = float("inf") if budget_s is None else started + budget_s
    # The most selective literal first: the later (regex) steps then see few rows.
    wanted = sorted((t for t in terms if not t.exclude), key=lambda t: -len(t.literal))
    excluded = [t for t in terms if t.exclude]

    # Internal names start with « _ »; the id is renamed back at the end (no name clash).
    frame = texts.select(
        pl.col(id_col).alias("_id"), pl.col(text_col).cast(pl.String).fill_null("").alias("_text")
    ).with_row_index("_row")
    found: list[pl.DataFrame] = []
    texts_read, partial = 0, False
    for offset, length in _slices(frame.get_column("_text")):
        found.append(_scan(frame.slice(offset, length), wanted, excluded))
        texts_read = offset + length
        if perf_counter() >= deadline and texts_read < frame.height:
            partial = True
            break
    matched = pl.concat(found) if found else _scan(frame, wanted, excluded)
    # Counted once on the rows found (Polars compiles the pattern on each call).
    combined = "|".join(f"(?:{t.pattern})" for t in _ordered(terms))
    matched = matched.with_columns(
        pl.col("_key").str.count_matches(combined).alias("n_occurrences")
    )
    ranked = matched.sort(["n_occurrences", "_row"], descending=[True, False]).head(
        limit if limit is not None else matched.height
    )

    matcher = _matcher(terms)
    # Flat columns, then one struct list per text: far cheaper than Polars reading nested
    # Python dicts when ``limit`` is None and thousands of texts match.
    owner: list[int] = []
    parts: tuple[list[str], list[str], list[str]] = ([], [], [])
    done = 0
    for text, key in zip(ranked["_text"].to_list(), ranked["_key"].to_list(), strict=True):
        if done and perf_counter() >= deadline:
            partial = True
            break
        for excerpt in _excerpts(text, key, matcher, window, max_excerpts):
            owner.append(done)
            for column, value in zip(parts, excerpt, strict=True):
                column.append(value)
        done += 1
    rows = _with_excerpts(ranked.head(done), owner, parts)
    return SearchResult(
        rows=rows.rename({"_id": id_col}),
        total=matched.height,
        texts_read=texts_read,
        texts_total=frame.height,
        partial=partial,
    )


def _with_excerpts(
    ranked: pl.DataFrame, owner: list[int], parts: tuple[list[str], list[str], list[str]]
) -> pl.DataFrame:
    """The result table: ranked rows and their excerpts (row ``owner[i]`` owns excerpt ``i``)."""
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
        "_id",
        pl.col("n_occurrences").cast(pl.Int64),
        pl.col("extraits").fill_null(pl.lit([], dtype=pl.List(EXCERPT_DTYPE))),
        pl.col("extrait"),
    )


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

    The whole table is read, without a time budget (the cost is linear in the texts and the
    query, both bounded); a server calls :func:`budgeted_search`, which also gives the total.
    """
    return budgeted_search(
        texts,
        query,
        budget_s=None,
        id_col=id_col,
        text_col=text_col,
        window=window,
        max_excerpts=max_excerpts,
        limit=limit,
    ).rows
