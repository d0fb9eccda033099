"""tf-idf keywords and co-occurrences against counts and formulas worked out by hand."""

from __future__ import annotations

import importlib
import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
import pytest
from scipy import stats

from egn_analytics.text.keywords import (
    COOCCURRENCE_SCHEMA,
    KEYWORD_SCHEMA,
    cooccurrences,
    keywords,
)


def _tokens(docs: Mapping[str, Sequence[str | None]], unit: str = "id") -> pl.DataFrame:
    return pl.DataFrame(
        {
            unit: [d for d, terms in docs.items() for _ in terms],
            "term": [t for terms in docs.values() for t in terms],
        },
        schema={unit: pl.String, "term": pl.String},
    )


# --------------------------------------------------------------------------------------------
# keywords
# --------------------------------------------------------------------------------------------

DOCS: dict[str, list[str | None]] = {
    "d1": ["école", "élève", "école", None, "tablette"],  # None: a removed stop word
    "d2": ["élève", "tablette", "parent"],
    "d3": ["école", "parent", "parent"],
    "d4": ["typo"],
    "d5": ["élève", "parent"],
}
N_DOCS = 5


def _idf(df: int) -> float:
    return math.log((1 + N_DOCS) / (1 + df)) + 1


def test_tfidf_values_by_hand() -> None:
    out = keywords(_tokens(DOCS))
    assert out.schema == pl.Schema({"id": pl.String(), **KEYWORD_SCHEMA})
    # df: école 2, tablette 2, élève 3, parent 3; « typo » (df 1) is dropped, d4 has nothing.
    expected = [
        ("d1", "école", 2, 2, 2 / 4 * _idf(2)),
        ("d1", "tablette", 1, 2, 1 / 4 * _idf(2)),
        ("d1", "élève", 1, 3, 1 / 4 * _idf(3)),
        ("d2", "tablette", 1, 2, 1 / 3 * _idf(2)),
        ("d2", "parent", 1, 3, 1 / 3 * _idf(3)),  # tied with « élève »: term order
        ("d2", "élève", 1, 3, 1 / 3 * _idf(3)),
        ("d3", "parent", 2, 3, 2 / 3 * _idf(3)),
        ("d3", "école", 1, 2, 1 / 3 * _idf(2)),
        ("d5", "parent", 1, 3, 1 / 2 * _idf(3)),
        ("d5", "élève", 1, 3, 1 / 2 * _idf(3)),
    ]
    rows = out.rows()
    assert [r[:4] for r in rows] == [e[:4] for e in expected]
    assert [r[4] for r in rows] == pytest.approx([e[4] for e in expected], rel=1e-12)
    assert out["rank"].to_list() == [1, 2, 3, 1, 2, 3, 1, 2, 1, 2]


def test_top_and_min_df() -> None:
    out = keywords(_tokens(DOCS), top=1)
    assert out.select("id", "term").rows() == [
        ("d1", "école"),
        ("d2", "tablette"),
        ("d3", "parent"),
        ("d5", "parent"),
    ]
    with_typos = keywords(_tokens(DOCS), min_df=1, top=1)
    assert with_typos.filter(pl.col("id") == "d4").rows() == [("d4", "typo", 1, 1, _idf(1), 1)]
    assert keywords(_tokens(DOCS), min_df=4).height == 0


def test_keywords_custom_columns_keep_the_doc_type() -> None:
    tokens = pl.DataFrame(
        {"id_retex": [10, 10, 20, 20, 30], "lemme": ["ent", "cned", "ent", "ent", "cned"]}
    )
    out = keywords(tokens, doc_col="id_retex", term_col="lemme", min_df=1)
    assert out.columns == ["id_retex", "term", "tf", "df", "tfidf", "rank"]
    assert out["id_retex"].dtype == pl.Int64
    assert out.filter(pl.col("id_retex") == 20).select("term", "tf").rows() == [("ent", 2)]


def test_keywords_empty_and_errors() -> None:
    empty = keywords(_tokens({}))
    assert empty.height == 0
    assert empty.schema == pl.Schema({"id": pl.String(), **KEYWORD_SCHEMA})
    with pytest.raises(ValueError, match="sans colonne"):
        keywords(_tokens(DOCS), term_col="lemme")
    with pytest.raises(ValueError, match="top"):
        keywords(_tokens(DOCS), top=0)
    with pytest.raises(ValueError, match="min_df"):
        keywords(_tokens(DOCS), min_df=0)


# --------------------------------------------------------------------------------------------
# co-occurrences
# --------------------------------------------------------------------------------------------

UNITS: dict[str, list[str | None]] = {
    "u1": ["a", "b", "c", "a", None],  # « a » twice: counted once (presence)
    "u2": ["a", "b"],
    "u3": ["a", "b", "d"],
    "u4": ["b", "c", "b"],
    "u5": ["c", "d"],
    "u6": ["d"],
}
N_UNITS = 6
# (n_ab, n_a, n_b) counted by hand: n_a = 3, n_b = 4, n_c = 3, n_d = 3.
PAIRS = {
    ("a", "b"): (3, 3, 4),
    ("a", "c"): (1, 3, 3),
    ("a", "d"): (1, 3, 3),
    ("b", "c"): (2, 4, 3),
    ("b", "d"): (1, 4, 3),
    ("c", "d"): (1, 3, 3),
}


def _g2_scipy(n_ab: int, n_a: int, n_b: int, n: int) -> float:
    table = np.array([[n_ab, n_a - n_ab], [n_b - n_ab, n - n_a - n_b + n_ab]])
    g2 = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
    return float(g2)


def _g2_manual(n_ab: int, n_a: int, n_b: int, n: int) -> float:
    observed = [n_ab, n_a - n_ab, n_b - n_ab, n - n_a - n_b + n_ab]
    expected = [n_a * n_b / n, n_a * (n - n_b) / n, (n - n_a) * n_b / n]
    expected.append((n - n_a) * (n - n_b) / n)
    return 2 * sum(o * math.log(o / e) for o, e in zip(observed, expected, strict=True) if o)


def test_counts_pmi_and_log_likelihood_by_hand() -> None:
    out = cooccurrences(_tokens(UNITS), min_count=1, top=None)
    assert out.schema == COOCCURRENCE_SCHEMA
    got = {(r["term_a"], r["term_b"]): r for r in out.iter_rows(named=True)}
    assert set(got) == set(PAIRS)
    for pair, (n_ab, n_a, n_b) in PAIRS.items():
        row = got[pair]
        assert (row["n_ab"], row["n_a"], row["n_b"], row["n_units"]) == (n_ab, n_a, n_b, 6)
        assert row["pmi"] == pytest.approx(math.log2(n_ab * N_UNITS / (n_a * n_b)), abs=1e-12)
        g2 = _g2_scipy(n_ab, n_a, n_b, N_UNITS)
        assert g2 == pytest.approx(_g2_manual(n_ab, n_a, n_b, N_UNITS), rel=1e-12)
        sign = -1 if n_ab * N_UNITS < n_a * n_b else 1
        assert row["log_likelihood"] == pytest.approx(sign * g2, rel=1e-9, abs=1e-9)
    # Worked values: « a, b » is 1.5 times more frequent than under independence; « b, c »
    # exactly as frequent (PMI 0, G² 0); « a, c » less frequent (negative scores).
    assert got[("a", "b")]["pmi"] == pytest.approx(math.log2(1.5))
    assert got[("b", "c")]["pmi"] == 0.0
    assert got[("b", "c")]["log_likelihood"] == 0.0
    assert got[("a", "c")]["log_likelihood"] < 0
    assert got[("a", "c")]["pmi"] == pytest.approx(math.log2(2 / 3))


def test_sorted_by_log_likelihood_then_terms() -> None:
    out = cooccurrences(_tokens(UNITS), min_count=1, top=None)
    expected = sorted(
        PAIRS,
        key=lambda p: (
            -math.copysign(
                _g2_manual(*PAIRS[p], N_UNITS), PAIRS[p][0] * 6 - PAIRS[p][1] * PAIRS[p][2]
            ),
            p,
        ),
    )
    assert list(zip(out["term_a"], out["term_b"], strict=True)) == expected
    assert expected[:2] == [("a", "b"), ("b", "c")]
    # « a, c », « a, d », « c, d » share one table: tied, in term order.
    ties = [p for p in expected if PAIRS[p] == (1, 3, 3)]
    assert ties == [("a", "c"), ("a", "d"), ("c", "d")]
    top2 = cooccurrences(_tokens(UNITS), min_count=1, top=2)
    assert list(zip(top2["term_a"], top2["term_b"], strict=True)) == expected[:2]
    top3 = cooccurrences(_tokens(UNITS), min_count=1, top=3)  # cut inside the tie
    assert list(zip(top3["term_a"], top3["term_b"], strict=True)) == expected[:3]


def _pairs(min_count: int) -> list[tuple[str, str]]:
    out = cooccurrences(_tokens(UNITS), min_count=min_count)
    return out.select("term_a", "term_b").rows()


def test_min_count() -> None:
    pairs = _pairs
    assert pairs(2) == [("a", "b"), ("b", "c")]
    assert pairs(3) == [("a", "b")]
    assert pairs(4) == []


def test_terms_restricts_the_pairs() -> None:
    out = cooccurrences(_tokens(UNITS), min_count=1, top=None, terms=["d"])
    assert sorted(out.select("term_a", "term_b").rows()) == [("a", "d"), ("b", "d"), ("c", "d")]
    both = cooccurrences(_tokens(UNITS), min_count=1, top=None, terms=["a", "b", "absent"])
    rows = both.select("term_a", "term_b").rows()
    assert sorted(rows) == [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")]
    assert len(rows) == len(set(rows))  # « a, b » once, though both are searched terms
    full = cooccurrences(_tokens(UNITS), min_count=1, top=None)
    assert both.equals(
        full.filter(pl.col("term_a").is_in(["a", "b"]) | pl.col("term_b").is_in(["a", "b"]))
    )
    assert cooccurrences(_tokens(UNITS), min_count=1, terms=["absent"]).height == 0


def test_segments_as_units() -> None:
    tokens = pl.DataFrame(
        {
            "id": ["r1"] * 4,
            "segment": ["r1-1", "r1-1", "r1-2", "r1-2"],
            "term": ["tablette", "wifi", "tablette", "cned"],
        }
    )
    by_doc = cooccurrences(tokens, min_count=1, top=None)
    assert by_doc.height == 3
    by_segment = cooccurrences(tokens, unit_col="segment", min_count=1, top=None)
    assert sorted(by_segment.select("term_a", "term_b", "n_units").rows()) == [
        ("cned", "tablette", 2),
        ("tablette", "wifi", 2),
    ]


def test_matches_brute_force_on_a_random_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pair counting by itertools on 60 units, with tiny blocks to cross block boundaries."""
    # The package exports the function ``keywords``, which hides the module of the same name.
    monkeypatch.setattr(importlib.import_module("egn_analytics.text.keywords"), "_BLOCK_TERMS", 3)
    rng = np.random.default_rng(7)
    vocab = [f"m{i:02d}" for i in range(15)]
    units = {
        f"u{u}": [vocab[int(i)] for i in rng.integers(0, 15, size=int(rng.integers(1, 9)))]
        for u in range(60)
    }
    sets = [set(t) for t in units.values()]
    n_a = {t: sum(t in s for s in sets) for t in vocab}
    brute: dict[tuple[str, str], int] = {}
    for s in sets:
        for pair in itertools.combinations(sorted(s), 2):
            brute[pair] = brute.get(pair, 0) + 1
    for terms in (None, ["m03", "m07"]):
        out = cooccurrences(_tokens(units), min_count=2, terms=terms, top=None)
        expected = {
            p: n
            for p, n in brute.items()
            if n >= 2 and (terms is None or p[0] in terms or p[1] in terms)
        }
        got = {(r[0], r[1]): r[2] for r in out.select("term_a", "term_b", "n_ab").rows()}
        assert got == expected
        for r in out.iter_rows(named=True):
            assert (r["n_a"], r["n_b"]) == (n_a[r["term_a"]], n_a[r["term_b"]])
            g2 = _g2_manual(r["n_ab"], r["n_a"], r["n_b"], 60)
            assert abs(r["log_likelihood"]) == pytest.approx(g2, rel=1e-9, abs=1e-9)
        assert out["log_likelihood"].is_sorted(descending=True)


def test_cooccurrences_empty_and_errors() -> None:
    empty = cooccurrences(_tokens({}))
    assert empty.height == 0
    assert empty.schema == COOCCURRENCE_SCHEMA
    assert cooccurrences(_tokens({"u1": [None, None]})).schema == COOCCURRENCE_SCHEMA
    assert cooccurrences(_tokens({"u1": ["a"], "u2": ["b"]}), min_count=1).height == 0
    with pytest.raises(ValueError, match="sans colonne"):
        cooccurrences(_tokens(UNITS), unit_col="segment")
    with pytest.raises(ValueError, match="min_count"):
        cooccurrences(_tokens(UNITS), min_count=0)
    with pytest.raises(ValueError, match="top"):
        cooccurrences(_tokens(UNITS), top=0)
