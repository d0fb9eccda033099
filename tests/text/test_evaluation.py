"""Evaluation metrics computed by hand on tiny predictions; the split; the held-out report."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from egn_analytics.text.corpus import find_labels, load_labels, load_texts
from egn_analytics.text.evaluation import evaluate, held_out_evaluation, split


def _pred(themes: list[int | None], props: list[list[int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "theme": pl.Series(themes, dtype=pl.Int8),
            "a_verifier": [t is None for t in themes],
            "propositions": pl.Series(props, dtype=pl.List(pl.Int8)),
        }
    )


def _truth(themes: list[int], props: list[list[int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "theme": pl.Series(themes, dtype=pl.Int8),
            "propositions": pl.Series(props, dtype=pl.List(pl.Int8)),
        }
    )


def test_theme_and_proposition_f1_by_hand() -> None:
    truth = _truth([1, 1, 2, 3], [[1], [2], [6], [16, 18]])
    pred = _pred([1, 2, 2, None], [[1], [6], [6], []])
    ev = evaluate(pred, truth, method="test")
    # Themes (labels 1..5): theme 1 P=1 R=1/2 F=2/3; theme 2 P=1/2 R=1 F=2/3; theme 3 F=0;
    # themes 4, 5 have no support and no prediction: 0 (zero_division=0). Macro = (4/3)/5.
    assert ev.theme_macro_f1 == pytest.approx((2 / 3 + 2 / 3) / 5)
    assert ev.theme_accuracy == pytest.approx(0.5)
    # Propositions: 1 F=1; 2 F=0 (missed); 6 P=1/2 R=1 F=2/3; 16, 18 F=0; others 0: macro over 40.
    assert ev.proposition_macro_f1 == pytest.approx((1 + 2 / 3) / 40)
    # Micro: TP=2 (1, 6), FP=1 (6 for text 2), FN=3 (2, 16, 18): F = 2·2 / (2·2 + 1 + 3).
    assert ev.proposition_micro_f1 == pytest.approx(4 / 8)
    assert ev.unclassified_share == pytest.approx(0.25)
    assert ev.review_share == pytest.approx(0.25)
    confusion = ev.confusion.filter(pl.col("theme_vrai") == 1).row(0, named=True)
    assert (confusion["predit_1"], confusion["predit_2"]) == (1, 1)
    assert ev.confusion.filter(pl.col("theme_vrai") == 3)["non_classe"].item() == 1
    assert ev.per_theme.filter(pl.col("theme") == 2)["precision"].item() == pytest.approx(0.5)


def test_evaluate_rejects_misaligned_tables() -> None:
    with pytest.raises(ValueError, match="même nombre"):
        evaluate(_pred([1], [[1]]), _truth([1, 2], [[1], [6]]))


def test_split_is_deterministic_and_independent_of_order() -> None:
    ids = pl.DataFrame({"id": [f"T-{i:05d}" for i in range(2000)]})
    mask = split(ids)
    share = mask.mean()
    assert 0.25 < share < 0.35  # type: ignore[operator]
    shuffled = ids.sample(fraction=1.0, shuffle=True, seed=1)
    test_ids = set(ids.filter(mask)["id"])
    assert set(shuffled.filter(split(shuffled))["id"]) == test_ids
    with pytest.raises(ValueError, match="test_share"):
        split(ids, test_share=1.5)


def test_held_out_report_on_generated_corpus(text_data_dir: Path) -> None:
    texts = load_texts(text_data_dir / "processed")
    labels_path = find_labels(text_data_dir / "raw")
    assert labels_path is not None
    labels = load_labels(labels_path)
    report = held_out_evaluation(texts, labels)
    assert report.n_train + report.n_test == labels.height
    # The targets; the synthetic texts are easier than real ones (see the README).
    assert report.seed_only.theme_macro_f1 >= 0.8
    assert report.learnt.theme_macro_f1 >= 0.85
    assert report.learnt.proposition_macro_f1 >= 0.6
    by_source = report.by_source
    assert by_source is not None
    assert set(by_source["methode"]) == {"amorce seule", "amorce + exemples"}
    assert by_source.filter(pl.col("methode") == "amorce seule")["textes"].sum() == report.n_test
    table = report.table()
    assert table.get_column("methode").to_list() == ["amorce seule", "amorce + exemples"]


def test_split_is_pinned_across_versions_and_keeps_duplicates_together() -> None:
    # BLAKE2b of the id: these values must not move with a Polars upgrade.
    ids = pl.DataFrame({"id": [f"T-{i:05d}" for i in range(20)]})
    assert ids.filter(split(ids))["id"].to_list() == [
        "T-00002",
        "T-00004",
        "T-00005",
        "T-00007",
        "T-00010",
        "T-00011",
        "T-00013",
        "T-00016",
        "T-00018",
    ]
    # The same text (up to case and spaces) is on one side only, whatever its id.
    texts = pl.DataFrame(
        {
            "id": [f"D-{i}" for i in range(200)],
            "texte": [
                ("Il faut des  TABLETTES." if i % 2 else "il faut des tablettes.")
                for i in range(200)
            ],
        }
    )
    assert split(texts).n_unique() == 1


def test_unmatched_label_ids_are_reported(text_data_dir: Path) -> None:
    texts = load_texts(text_data_dir / "processed")
    path = find_labels(text_data_dir / "raw")
    assert path is not None
    labels = load_labels(path)
    stranger = pl.DataFrame(
        {
            "id": ["INCONNU-1"],
            "theme": pl.Series([3], dtype=pl.Int8),
            "propositions": pl.Series([[16]], dtype=pl.List(pl.Int8)),
        }
    )
    report = held_out_evaluation(texts, pl.concat([labels, stranger]))
    assert report.unmatched_ids == ("INCONNU-1",)
    with pytest.raises(ValueError, match="INCONNU-1"):
        held_out_evaluation(texts, stranger)
