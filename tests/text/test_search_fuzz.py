"""Fuzzing the search: whatever is typed in the box, a result or a declared French error.

Queries are drawn from arbitrary Unicode and from the pieces that broke or could break the
search: ligatures in both spellings (the 2^k blow-up), quotes of every kind, minus signs and
hyphens (phrase separators, exclusions), apostrophes (elisions), decomposed accents, letters
whose lowercase is longer, very long words. Texts are drawn from the same pieces and French
words, so that matches happen. For every example:

- the search either answers or raises the :class:`ValueError` of a refused query (one of
  the declared French messages), nothing else;
- it answers within its time budget;
- every match it reports is real: at its offsets (:func:`match_spans`, in the NFC text) the
  text's search key holds a wanted term, from a word start, words in sequence separated by
  blanks or hyphens, each word run to its end; the excerpts show those matches, in order.

Checked independently of the module's regular expressions (a hand-written reading of the
term), so that a wrong pattern cannot vouch for itself.
"""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import timedelta

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from egn_analytics.text.search import (
    QueryTerm,
    budgeted_search,
    match_spans,
    parse_query,
    search_key,
)

#: Generous for texts this small (a few milliseconds each), so that a loaded CI machine passes.
BUDGET_S = 1.0
#: The messages of a refused query (:func:`parse_query`): anything else is a bug.
DECLARED = (
    "requête vide : ",
    "requête sans mot à rechercher : ",
    "requête faite uniquement d'exclusions",
    "recherche trop longue : ",
)
#: Characters the key spells with two letters (one more key character each).
LIGATURES = "œŒæÆǽǼǣǢ"

PIECES = (
    *("œ", "Œ", "oe", "OE", "æ", "Æ", "ae", "ǽ", "cœur", "coeur", "œuvre", "vitæ", "ex æquo"),
    *('"', "«", "»", "“", "”", "„", "« ", " »", "-", "--", "‐", "−", " -", "- "),
    *("'", "’", "ʼ", "l'", "L’", "qu'", "aujourd'hui", "d’"),
    *("e\u0301", "é", "É", "ÉLÈVE", "élève", "eleve", "ø", "ł", "İ", "ß", "ﬁ", "Σ", "ς", "_"),
    *(" ", "  ", "\t", "\n", ".", ",", ";", "(", ")", "*", "+", "?", "[", "\\", "$", "^", "|"),
    *("cahier", "de", "textes", "ent", "ENT", "ordinateur", "c++", "a.b", "x"),
)

_long_words = st.builds(
    lambda piece, n: piece * n,
    st.sampled_from(["œ", "oe", "æ", "a", "é", "e\u0301"]),
    st.integers(1, 120),
)
_fragments = st.one_of(
    st.sampled_from(PIECES),
    st.text(max_size=6),
    _long_words,
)
QUERIES = st.lists(_fragments, max_size=30).map("".join)
TEXTS = st.lists(
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=40).map("".join),
    min_size=1,
    max_size=6,
)
FIXED = [
    "Les Élèves de l’ENT ont un cœur. Les ordinateurs manquent.",
    "Un CŒUR, un coeur, une œuvre – mise en œuvre ; ex æquo, curriculum vitæ.",
    "Le cahier de textes numérique remplace les cahiers-de-textes papier.",
    "Un e\u0301le\u0300ve d'aujourd'hui, l'ENT-lycée et _ent, c++ et a.b (10$).",
    "- - - - -- --- - « » \" ' ’ oe œ oeoe œœ " + "œ" * 50,
]


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _is_sep(char: str) -> bool:
    return char.isspace() or char == "-"


def _holds(found: str, words: tuple[str, ...]) -> bool:
    """``found`` (a key) is ``words`` in sequence: each word, then the rest of its word if
    it ends with a letter, then at least one blank or hyphen before the next."""
    at = 0
    for i, word in enumerate(words):
        if i:
            start = at
            while at < len(found) and _is_sep(found[at]):
                at += 1
            if at == start:
                return False
        if not found.startswith(word, at):
            return False
        at += len(word)
        if _is_word(word[-1]):
            while at < len(found) and _is_word(found[at]):
                at += 1
    return at == len(found)


def _key_offset(text: str, offset: int) -> int:
    """Where text offset ``offset`` lands in the key: one more per ligature before it."""
    return offset + sum(text[:offset].count(c) for c in LIGATURES)


def _check_spans(text: str, query: str, wanted: list[QueryTerm]) -> list[tuple[int, int]]:
    key = search_key(text)
    assert len(key) == _key_offset(text, len(text))
    spans = match_spans(text, query)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        previous_end = end
        ks, ke = _key_offset(text, start), _key_offset(text, end)
        found = key[ks:ke]
        assert any(_holds(found, t.words) for t in wanted), (text, query, found)
        if ks > 0 and _is_word(key[ks]):
            assert not _is_word(key[ks - 1]), ("not a word start", text, query, found)
    return spans


def _one_line(text: str) -> str:
    """An excerpt is shown on one line: a run of blanks or a line break is one space."""
    return re.sub(r"[ \n\r\t\f\v]{2,}|[\n\r\t\f\v]", " ", text)


@settings(
    max_examples=200,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(query=QUERIES, drawn=TEXTS)
@example(query="œ" * 200, drawn=["œ" * 300])
@example(query="c" + "oe" * 21 + "ur", drawn=["c" + "œ" * 21 + "ur"])
@example(query='"- - - - - - - - - - x"', drawn=["- " * 200 + "x"])
@example(query='"a -b" -"c d" \'e’ « f g »', drawn=["a b, a-b, a -b ; c-d f g"])
@example(query="e", drawn=["a" + "e" * 100_000 + " e"])
def test_search_never_breaks(query: str, drawn: list[str]) -> None:
    frame = pl.DataFrame({"id": list(range(len(FIXED) + len(drawn))), "texte": FIXED + drawn})
    started = time.perf_counter()
    try:
        result = budgeted_search(
            frame, query, budget_s=BUDGET_S, limit=None, window=15, max_excerpts=50
        )
    except ValueError as exc:
        assert str(exc).startswith(DECLARED), repr(exc)
        return
    assert time.perf_counter() - started < BUDGET_S
    assert result.texts_read == result.texts_total == frame.height  # one slice, always read
    wanted = [t for t in parse_query(query) if not t.exclude]
    texts = frame["texte"].to_list()
    for row in result.rows.iter_rows(named=True):
        text = unicodedata.normalize("NFC", texts[row["id"]])
        spans = _check_spans(text, query, wanted)
        shown = [e["match"] for e in row["extraits"]]
        matched = [text[a:b] for a, b in spans]
        # The excerpts show matches, in text order (some are inside a previous excerpt).
        rest = iter(matched)
        assert all(any(_one_line(m) == s for m in rest) for s in shown), (shown, matched)
