"""Reinert descending hierarchical classification, on corpora whose classes are known."""

from __future__ import annotations

import importlib

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from scipy import sparse, stats

from egn_analytics.text.reinert import (
    CLASSES_SCHEMA,
    PROFILE_SCHEMA,
    TREE_SCHEMA,
    ReinertResult,
    reinert,
)

# The package exports the function under the module's name: reach the module itself.
reinert_module = importlib.import_module("egn_analytics.text.reinert")

EQUIPEMENT = ("ordinateur", "tablette", "équipement", "connexion", "réseau", "matériel")
FORMATION = ("enseignant", "formation", "parcours", "pix", "compétence", "tutoriel")
FAMILLE = ("famille", "parent", "devoir", "maison", "accompagnement", "message")


def _group(vocabulary: tuple[str, ...], n: int) -> list[list[str]]:
    """``n`` segments on one vocabulary: segment i lacks word ``i % 6``; one in three also
    says « élève », a word every group shares (it must not drive any split)."""
    return [
        [w for j, w in enumerate(vocabulary) if j != i % 6] + (["élève"] if i % 3 == 0 else [])
        for i in range(n)
    ]


def _partition(labels: list[int | None]) -> set[frozenset[int]]:
    """The classes as sets of segment positions, whatever their numbers."""
    groups: dict[int, set[int]] = {}
    for position, label in enumerate(labels):
        if label is not None:
            groups.setdefault(label, set()).add(position)
    return {frozenset(g) for g in groups.values()}


TWO = _group(EQUIPEMENT, 20) + _group(FORMATION, 20)
THREE = _group(EQUIPEMENT, 20) + _group(FORMATION, 16) + _group(FAMILLE, 12)


def _two_by_terms_chi2(segments: list[list[str]], labels: list[int | None]) -> float:
    """Pearson chi-square (no correction) of the class × term table, computed independently."""
    kept = {t for t in {t for s in segments for t in s} if sum(t in s for s in segments) >= 3}
    terms = sorted(kept)
    classes = sorted({c for c in labels if c is not None})
    table = np.array(
        [
            [
                sum(1 for s, c in zip(segments, labels, strict=True) if c == k and t in s)
                for t in terms
            ]
            for k in classes
        ]
    )
    return float(stats.chi2_contingency(table, correction=False).statistic)


# --------------------------------------------------------------------------------------------
# Recovering known classes
# --------------------------------------------------------------------------------------------


def test_two_vocabularies_two_classes() -> None:
    result = reinert(TWO, k=2)
    labels = result.classes["classe"].to_list()
    assert _partition(labels) == {frozenset(range(20)), frozenset(range(20, 40))}
    assert result.n_classes == 2


def test_three_vocabularies_three_classes() -> None:
    result = reinert(THREE, k=3)
    labels = result.classes["classe"].to_list()
    assert _partition(labels) == {
        frozenset(range(20)),
        frozenset(range(20, 36)),
        frozenset(range(36, 48)),
    }
    assert sorted(set(labels)) == [1, 2, 3]


def test_split_chi2_matches_scipy() -> None:
    """The chi-square stored for the split is the Pearson chi-square of its class × term table."""
    result = reinert(THREE, k=2)
    labels = result.classes["classe"].to_list()
    expected = _two_by_terms_chi2(THREE, labels)
    assert result.tree["chi2"][0] == pytest.approx(expected, rel=1e-10)


def test_no_single_move_improves_the_split() -> None:
    """After the switching step the split is a local optimum: moving any one segment to the
    other side lowers (or keeps) the chi-square."""
    result = reinert(THREE, k=2)
    labels = result.classes["classe"].to_list()
    best = result.tree["chi2"][0]
    for i in range(len(THREE)):
        moved = list(labels)
        moved[i] = 3 - labels[i]
        if len(set(moved)) == 2:
            assert _two_by_terms_chi2(THREE, moved) <= best * (1 + 1e-12)


def test_best_cut_matches_a_naive_scan() -> None:
    """The vectorised scan of the cuts along the axis equals a loop over scipy chi-squares."""
    rng = np.random.default_rng(7)
    dense = (rng.random((30, 12)) < 0.3).astype(float)
    dense[:, 0] = 1.0  # no empty row, no empty column
    dense[0, :] = 1.0
    table = sparse.csr_array(dense)
    order = rng.permutation(30)
    naive = []
    for i in range(29):
        left, right = order[: i + 1], order[i + 1 :]
        counts = np.vstack([dense[left].sum(axis=0), dense[right].sum(axis=0)])
        naive.append(stats.chi2_contingency(counts, correction=False).statistic)
    position, chi2 = reinert_module._best_cut(table, order)
    assert position == int(np.argmax(naive))
    assert chi2 == pytest.approx(max(naive), rel=1e-10)


def test_sparse_and_dense_axes_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ARPACK path (large tables) and the LAPACK path (small ones) give the same classes."""
    dense = reinert(THREE, k=3)
    monkeypatch.setattr(reinert_module, "_DENSE_MAX_CELLS", 0)
    arpack = reinert(THREE, k=3)
    assert_frame_equal(dense.classes, arpack.classes)
    assert np.allclose(dense.tree["chi2"].to_numpy(), arpack.tree["chi2"].to_numpy())


def test_stops_when_classes_are_too_small() -> None:
    result = reinert(TWO, k=5, min_split_members=25)
    assert result.n_classes == 2
    assert result.tree.height == 1


def test_more_classes_than_vocabularies() -> None:
    result = reinert(THREE, k=6)
    assert 3 <= result.n_classes <= 6
    labels = result.classes["classe"].to_list()
    # Finer classes never mix two vocabularies.
    for group in _partition(labels):
        assert group <= set(range(20)) or group <= set(range(20, 36)) or group <= set(range(36, 48))


# --------------------------------------------------------------------------------------------
# Profiles
# --------------------------------------------------------------------------------------------


def test_profiles_top_terms_belong_to_their_class() -> None:
    result = reinert(THREE, k=3)
    top = result.top_terms(3)
    labels = result.classes["classe"].to_list()
    vocabulary_of = {labels[0]: EQUIPEMENT, labels[20]: FORMATION, labels[36]: FAMILLE}
    assert top.group_by("classe").len()["len"].to_list() == [3, 3, 3]
    for row in top.iter_rows(named=True):
        assert row["term"] in vocabulary_of[row["classe"]]
        assert row["chi2"] > 0
        assert row["p_value"] < 0.05


def test_profile_chi2_by_hand() -> None:
    """« ordinateur » is in 16 of the 20 équipement segments and nowhere else (N = 40):
    chi2 = 40 (16·20 − 4·0)² / (20·20·16·24) = 80/3, positive in its class, negative in the
    other; « élève » (7 segments in each class) has chi2 0."""
    result = reinert(TWO, k=2)
    labels = result.classes["classe"].to_list()
    equipement, formation = labels[0], labels[20]
    profiles = result.profiles

    def row(classe: int | None, term: str) -> dict[str, object]:
        return profiles.filter((pl.col("classe") == classe) & (pl.col("term") == term)).row(
            0, named=True
        )

    mine = row(equipement, "ordinateur")
    assert mine["n_segments_in_class_with_term"] == 16
    assert mine["n_segments_with_term"] == 16
    assert mine["chi2"] == pytest.approx(80 / 3, rel=1e-12)
    assert mine["p_value"] == pytest.approx(stats.chi2.sf(80 / 3, 1), rel=1e-9)
    assert row(formation, "ordinateur")["chi2"] == pytest.approx(-80 / 3, rel=1e-12)
    shared = row(equipement, "élève")
    assert shared["n_segments_in_class_with_term"] == 7
    assert shared["chi2"] == 0.0
    assert shared["p_value"] == pytest.approx(1.0)


def test_profiles_sorted_and_complete() -> None:
    result = reinert(THREE, k=3)
    profiles = result.profiles
    n_terms = profiles["term"].n_unique()
    assert profiles.height == 3 * n_terms
    assert profiles.equals(
        profiles.sort(["classe", "chi2", "term"], descending=[False, True, False])
    )
    with pytest.raises(ValueError, match="au moins 1"):
        result.top_terms(0)


# --------------------------------------------------------------------------------------------
# Outputs, determinism, unclassified segments
# --------------------------------------------------------------------------------------------


def test_output_schemas_and_tree() -> None:
    result = reinert(THREE, k=3)
    assert isinstance(result, ReinertResult)
    assert result.classes.schema == CLASSES_SCHEMA
    assert result.tree.schema == TREE_SCHEMA
    assert result.profiles.schema == PROFILE_SCHEMA
    assert result.classes["segment"].to_list() == list(range(len(THREE)))
    tree = result.tree
    assert tree["split"].to_list() == [1, 2]
    # Leaves are 1..3, the class split at step s is node 3 + s; the root is node 4.
    assert tree["parent"].to_list() == [4, 5]
    assert sorted(tree["left"].to_list() + tree["right"].to_list()) == [1, 2, 3, 5]
    first = tree.row(0, named=True)
    assert first["n_left"] + first["n_right"] == len(THREE)
    second = tree.row(1, named=True)
    sizes = result.classes.group_by("classe").len()
    assert second["n_left"] + second["n_right"] == 36
    assert sorted(sizes["len"].to_list()) == [12, 16, 20]


def test_deterministic() -> None:
    first, second = reinert(THREE, k=4), reinert(THREE, k=4)
    assert_frame_equal(first.classes, second.classes)
    assert_frame_equal(first.tree, second.tree)
    assert_frame_equal(first.profiles, second.profiles)


def test_input_order_preserved() -> None:
    permutation = np.random.default_rng(3).permutation(len(THREE))
    shuffled = [THREE[i] for i in permutation]
    labels = reinert(shuffled, k=3).classes["classe"].to_list()
    back: list[int | None] = [None] * len(THREE)
    for position, original in enumerate(permutation):
        back[original] = labels[position]
    assert _partition(back) == {
        frozenset(range(20)),
        frozenset(range(20, 36)),
        frozenset(range(36, 48)),
    }


def test_segments_without_kept_terms_are_unclassified() -> None:
    corpus = [*TWO[:20], ["hapax", "rarissime"], [], *TWO[20:]]
    result = reinert(corpus, k=2)
    labels = result.classes["classe"].to_list()
    assert labels[20] is None and labels[21] is None
    assert result.classes["classe"].null_count() == 2
    assert _partition(labels) == {frozenset(range(20)), frozenset(range(22, 42))}
    assert "hapax" not in result.profiles["term"].to_list()
    first = result.tree.row(0, named=True)
    assert first["n_left"] + first["n_right"] == 40


def test_max_terms_keeps_the_most_frequent() -> None:
    result = reinert(THREE, k=2, max_terms=5)
    assert result.profiles["term"].n_unique() == 5
    assert "élève" in result.profiles["term"].to_list()  # the most frequent term of all


# --------------------------------------------------------------------------------------------
# Merging short segments (rainette's min_uc_size)
# --------------------------------------------------------------------------------------------


def test_merge_units_follows_rainette() -> None:
    sizes = np.array([2, 2, 5, 1, 4, 1, 6])
    documents = ["a", "a", "a", "a", "b", "c", "c"]
    units = reinert_module._merge_units(sizes, documents, 3)
    # a: [2+2] [5+1 (short tail joins the previous unit)]; b: [4]; c: [1+6].
    assert units.tolist() == [0, 0, 1, 1, 2, 3, 3]
    assert reinert_module._merge_units(sizes, documents, 1).tolist() == list(range(7))


def test_short_segments_merged_within_documents() -> None:
    halves, documents = [], []
    for d, segment in enumerate(TWO):
        halves += [segment[:3], segment[3:]]
        documents += [d, d]
    result = reinert(halves, k=2, min_segment_size=5, documents=documents)
    labels = result.classes["classe"].to_list()
    assert all(labels[2 * d] == labels[2 * d + 1] for d in range(len(TWO)))
    assert _partition(labels) == {frozenset(range(40)), frozenset(range(40, 80))}
    first = result.tree.row(0, named=True)
    assert first["n_left"] + first["n_right"] == 80  # counted in segments, not units


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segments", "options", "message"),
    [
        ([], {}, "aucun segment"),
        (TWO, {"k": 1}, "k \\(nombre de classes\\)"),
        (["ordinateur tablette", "pix formation"], {}, "liste de jetons"),
        ("ordinateur tablette", {}, "pas une chaîne"),
        (TWO, {"min_split_members": 2}, "min_split_members"),
        (TWO, {"min_term_frequency": 0}, "min_term_frequency"),
        (TWO, {"max_terms": 2}, "max_terms"),
        (TWO, {"cc_test": 0}, "cc_test"),
        (TWO, {"min_segment_size": 5}, "demande documents"),
        (TWO, {"documents": ["a"]}, "un identifiant par segment"),
        ([["mot"], ["autre"], ["encore"]], {}, "trop peu de termes"),
    ],
)
def test_errors(segments: object, options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reinert(segments, **options)  # type: ignore[arg-type]


def test_identical_segments_give_one_class() -> None:
    """No lexical contrast, no split: one class, an empty tree, zero chi-squares."""
    result = reinert([["ordinateur", "tablette", "pix"]] * 12, k=3)
    assert result.n_classes == 1
    assert result.classes["classe"].to_list() == [1] * 12
    assert result.tree.height == 0 and result.tree.schema == TREE_SCHEMA
    assert result.profiles["chi2"].to_list() == [0.0, 0.0, 0.0]
    assert result.top_terms().height == 0
