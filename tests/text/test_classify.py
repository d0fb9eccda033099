"""Classifier contract, seed channel on plain sentences, learning from examples, errors."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from egn_analytics.text.classify import (
    CLASSIFICATION_SCHEMA,
    TextClassifier,
    classify,
    descriptions,
    lexicon,
    proposition_themes,
)

EQUIPMENT = "Beaucoup de familles modestes n'avaient pas d'ordinateur : il faut prêter des tablettes aux élèves."
TRAINING = "La formation continue des enseignants au numérique doit être renforcée dans le plan de formation."
PIX_PUPILS = "Il faut certifier les compétences numériques des élèves avec PIX au collège."
GDPR = "Les outils doivent respecter le RGPD et la protection des données personnelles."


def test_contract_one_row_per_text_in_order() -> None:
    out = classify([EQUIPMENT, None, "", TRAINING])
    assert out.schema == CLASSIFICATION_SCHEMA
    assert out.height == 4
    assert out.get_column("theme").to_list()[1:3] == [None, None]
    assert out.get_column("a_verifier").to_list()[1:3] == [True, True]
    assert out.get_column("propositions").to_list()[1:3] == [[], []]
    assert out.get_column("theme_2").to_list()[1:3] == [None, None]


def test_empty_input_gives_empty_table() -> None:
    out = classify([])
    assert out.height == 0
    assert out.schema == CLASSIFICATION_SCHEMA


@pytest.mark.parametrize(
    ("text", "theme", "proposition"),
    [(EQUIPMENT, 3, 16), (TRAINING, 2, 6), (PIX_PUPILS, 2, 13), (GDPR, 5, 30)],
)
def test_seed_channel_reads_plain_sentences(text: str, theme: int, proposition: int) -> None:
    row = classify([text]).row(0, named=True)
    assert row["theme"] == theme
    assert row["propositions"][0] == proposition
    assert row["scores"] == sorted(row["scores"], reverse=True)
    assert 0 < row["theme_score"] <= 1


def test_theme_scores_are_a_distribution_and_review_flag_follows_margin() -> None:
    model = TextClassifier(review_margin=1.0)
    themes, props = model.scores([EQUIPMENT, TRAINING])
    assert themes.shape == (2, 5)
    assert props.shape == (2, 40)
    np.testing.assert_allclose(themes.sum(axis=1), 1.0)
    assert model.predict([EQUIPMENT]).get_column("a_verifier").to_list() == [True]


def test_threshold_leaves_texts_unclassified() -> None:
    out = TextClassifier(theme_threshold=1.01).predict([EQUIPMENT])
    assert out.row(0, named=True)["theme"] is None
    assert out.row(0, named=True)["propositions"] == []


def test_long_text_lists_the_propositions_of_its_segments() -> None:
    # Three blocks of 60 words, one per topic: three segments.
    long_text = " ".join(
        [" ".join([EQUIPMENT] * 4), " ".join([TRAINING] * 4), " ".join([GDPR] * 5)]
    )
    row = TextClassifier(max_propositions=6).predict([long_text]).row(0, named=True)
    assert {16, 6, 30} <= set(row["propositions"])


def test_learning_from_examples_moves_a_new_word_to_its_proposition() -> None:
    # « bidouille » means nothing to the seed lexicon; ten examples teach it is proposition 29.
    texts = [f"La bidouille numéro {i} redonne vie aux vieux appareils" for i in range(10)]
    texts += [f"Former les enseignants, session {i}" for i in range(10)]
    labels = [[29]] * 10 + [[6]] * 10
    model = TextClassifier().fit(texts, labels)
    assert model.fitted
    assert model.n_examples == 20
    row = model.predict(["Une bidouille pour le collège"]).row(0, named=True)
    assert row["propositions"][0] == 29
    assert row["theme"] == 5


def test_fit_errors_are_french_and_precise() -> None:
    with pytest.raises(ValueError, match="inconnu"):
        TextClassifier().fit(["a"] * 10, [[41]] * 10)
    with pytest.raises(ValueError, match="autant"):
        TextClassifier().fit(["a"] * 10, [[1]] * 9)
    with pytest.raises(ValueError, match="au moins 10"):
        TextClassifier().fit(["a"] * 3, [[1]] * 3)


def test_deterministic() -> None:
    texts = [EQUIPMENT, TRAINING, PIX_PUPILS]
    assert classify(texts).equals(classify(texts))


def test_reference_descriptions_and_transverse_themes() -> None:
    desc = descriptions()
    assert desc.height == 40
    assert desc.get_column("numero").to_list() == list(range(1, 41))
    themes = proposition_themes()
    assert themes[38] == 3 and themes[39] == 5
    assert set(themes.tolist()) == {1, 2, 3, 4, 5}
    assert lexicon().get_column("numero").to_list() == list(range(1, 41))


def test_custom_lexicon_is_used() -> None:
    custom = lexicon().with_columns(
        pl.when(pl.col("numero") == 33)
        .then(pl.lit(["zorglub"]))
        .otherwise(pl.col("termes"))
        .alias("termes")
    )
    row = TextClassifier(lexicon_table=custom).predict(["Le zorglub zorglub"]).row(0, named=True)
    assert row["propositions"][0] == 33


def test_embedder_hook_is_fused() -> None:
    # A fake embedder that only knows one direction: texts with « zorglub » point to prop 33.
    def embed(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 40))
        for i, t in enumerate(texts):
            if "zorglub" in t or "challenges" in t.lower():
                out[i, 32] = 1.0
            else:
                out[i, i % 40] = 1.0
        return out

    row = (
        TextClassifier(embedder=embed, embedding_weight=0.9).predict(["zorglub"]).row(0, named=True)
    )
    assert row["propositions"][0] == 33


def test_learning_is_deterministic() -> None:
    texts = [f"La bidouille numéro {i} redonne vie aux vieux appareils" for i in range(12)]
    texts += [f"Former les enseignants, session {i}" for i in range(12)]
    labels = [[29]] * 12 + [[6]] * 12
    first = TextClassifier().fit(texts, labels).predict(texts)
    second = TextClassifier().fit(texts, labels).predict(texts)
    assert first.equals(second)


def _fitted() -> TextClassifier:
    texts = [f"Prêter des tablettes et des ordinateurs aux familles, cas {i}" for i in range(12)]
    texts += [f"Former les enseignants au numérique, session {i}" for i in range(12)]
    return TextClassifier().fit(texts, [[16]] * 12 + [[6]] * 12)


@pytest.mark.parametrize("text", ["", None, "RAS", "ok", "Non."])
def test_a_fitted_model_leaves_meaningless_texts_unclassified(text: str | None) -> None:
    row = _fitted().predict([text]).row(0, named=True)
    assert row["theme"] is None
    assert row["propositions"] == []
    assert row["a_verifier"] is True


def test_fit_on_one_theme_and_one_proposition_still_predicts() -> None:
    texts = [f"Prêter des tablettes aux familles modestes, cas {i}" for i in range(12)]
    model = TextClassifier().fit(texts, [[16]] * 12)
    row = model.predict(["Des tablettes pour les familles"]).row(0, named=True)
    assert row["theme"] == 3
    assert row["propositions"][0] == 16


def test_fit_rejects_unknown_themes_and_empty_vocabularies() -> None:
    texts = [f"Prêter des tablettes, cas {i}" for i in range(12)]
    with pytest.raises(ValueError, match="thème"):
        TextClassifier().fit(texts, [[16]] * 12, themes=[7] * 12)
    distinct = [f"mot{i}" for i in range(12)]
    with pytest.raises(ValueError, match="aucun terme"):
        TextClassifier().fit(distinct, [[16]] * 12)
