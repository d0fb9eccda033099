"""The search's cost stays linear in the query: pathological queries answer at once.

The search box of the concertation page once expanded each « œ » / « oe » of a query word
into both spellings and listed every combination for its pre-filter, 2^k strings for k of
them: 20 « oe » in one word cost 9 s and 0.9 GiB, 21 twice that, and 200 « œ » exhausted the
memory of the server; and its excerpts retried one character further after each match found
inside a word, quadratic in a word's length. These tests only use :func:`search` and
:func:`parse_query`, the API that predates the fix, so that they can be run against the
former module too (where each query test fails: the time or memory bound, or a MemoryError).

The corpus is built here, the size of the one the dashboard embeds (about 8,500
contributions, 4.4 MB of text, one in ten with a ligature); the query is searched once to
warm the caches (fold tables, compiled patterns), then timed, then measured with
:mod:`tracemalloc` (Python allocations: the former blow-up was a Python list of spellings).
"""

from __future__ import annotations

import random
import time
import tracemalloc

import polars as pl
import pytest

from egn_analytics.text.search import parse_query, search

MAX_SECONDS = 0.5
MAX_PEAK_MIB = 50

_SENTENCE = (
    "les élèves de la classe ont suivi les cours à distance avec un ordinateur prêté par "
    "le collège mais la connexion manquait souvent dans les zones blanches et les familles "
    "sans équipement ont reçu des documents papier ; l'ENT a tenu malgré la charge, les "
    "enseignants ont organisé des classes virtuelles et le cahier de textes numérique a servi "
    "de repère pour la continuité pédagogique"
)
_WORDS = _SENTENCE.split()
_LIGATURE_WORDS = ("cœur", "œuvre", "mise en œuvre", "vœux", "sœur", "manœuvre", "coeur", "ex æquo")


def _corpus(n: int = 8_500, seed: int = 2020) -> pl.DataFrame:
    """Texts of 15 to 140 words (about 520 characters on average), one in ten with ligatures."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        words = rng.choices(_WORDS, k=rng.randint(15, 140))
        if rng.random() < 0.1:
            words.insert(rng.randrange(len(words)), rng.choice(_LIGATURE_WORDS))
        texts.append(" ".join(words).capitalize() + ".")
    return pl.DataFrame({"id": [f"C{i:05d}" for i in range(n)], "texte": texts})


@pytest.fixture(scope="module")
def corpus() -> pl.DataFrame:
    return _corpus()


PATHOLOGICAL = {
    "200 œ in one word": "œ" * 200,
    "20 oe in one word": "c" + "oe" * 20 + "ur",
    "21 oe in one word": "c" + "oe" * 21 + "ur",
    "100 oe in one word": "oe" * 100,
    "200 æ in one word": "æ" * 200,
    "12 words of 15 ligatures": " ".join(["œæœæœæœæœæœæœæœ"] * 12),
    "phrase of 12 ligature words": '"' + "œ" * 176 + " œ" * 11 + '"',
    "ligature word and exclusion": "œ" * 100 + " -" + "æ" * 97,
}


def test_the_queries_are_within_the_bounds() -> None:
    """Each query is one the search accepts (the longest allowed, or close)."""
    for query in PATHOLOGICAL.values():
        assert 190 <= len(query) <= 200 or "oe" in query, query
        assert sum(len(t.words) for t in parse_query(query)) <= 12, query


@pytest.mark.parametrize("query", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_query_is_fast_and_small(corpus: pl.DataFrame, query: str) -> None:
    search(corpus.head(50), query)  # warm the caches
    started = time.perf_counter()
    found = search(corpus, query, limit=50)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    try:
        search(corpus, query, limit=50)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert found.height == 0
    assert elapsed < MAX_SECONDS, f"{elapsed:.2f} s"
    assert peak < MAX_PEAK_MIB, f"{peak:.1f} MiB"


def test_ligature_query_still_finds_both_spellings(corpus: pl.DataFrame) -> None:
    """The same corpus, an ordinary ligature query: « coeur » finds « cœur » and « coeur »."""
    started = time.perf_counter()
    found = search(corpus, "coeur", limit=None)
    assert time.perf_counter() - started < MAX_SECONDS
    matches = {e["match"] for excerpts in found["extraits"] for e in excerpts}
    assert matches == {"cœur", "coeur", "Cœur", "Coeur"}  # « Cœur » begins a text
    expected = corpus.filter(pl.col("texte").str.contains(r"(?i)\bc(?:œ|oe)ur\b")).height
    assert found.height == expected > 0


def test_a_very_long_word_costs_its_length_once() -> None:
    """« e » against a 100,000-letter token: every start inside it is skipped at once.

    The excerpts used to retry one character further after each match found inside a word,
    each retry running to the word's end: 20 s for this one text (0.2 s at 10,000 letters).
    """
    frame = pl.DataFrame({"id": [1, 2], "texte": ["e " + "a" + "e" * 100_000, "une école"]})
    search(frame.head(1), "x")  # warm the caches
    started = time.perf_counter()
    found = search(frame, "e")
    assert time.perf_counter() - started < MAX_SECONDS
    assert found["n_occurrences"].to_list() == [1, 1]
    assert [e["match"] for e in found["extraits"][0]] == ["e"]
