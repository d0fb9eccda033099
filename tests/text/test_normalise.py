"""French normalisation: exact tokens on handmade sentences."""

from __future__ import annotations

import polars as pl
import pytest

from egn_analytics.text.normalise import fold, normalise, segments, stop_words, tokens_long


def test_elisions_stop_words_lemmas_and_acronyms() -> None:
    out = normalise(["Les élèves n'avaient pas d'ordinateur pour l'ENT."]).to_list()
    assert out == ["eleve ordinateur ent"]


def test_domain_terms_are_one_token_with_or_without_accents() -> None:
    out = normalise(
        [
            "Le CNED « Ma classe à la maison » et les tiers-lieux",
            "ma classe a la maison",
            "Un espace numérique de travail et la fracture numérique",
        ]
    ).to_list()
    assert out == [
        "cned ma_classe_a_la_maison tiers_lieu",
        "ma_classe_a_la_maison",
        "ent fracture_numerique",
    ]


def test_words_without_accents_meet_their_accented_form() -> None:
    accented, plain = normalise(["Les élèves et l'équipement", "Les eleves et l'equipement"])
    assert accented == plain == "eleve equipement"


def test_typographic_apostrophe_and_case() -> None:
    assert normalise(["L’Ordinateur d’une École"]).to_list() == ["ordinateur ecole"]


def test_accents_can_be_kept_for_display() -> None:
    assert normalise(["Les élèves équipés"], fold_accents=False).to_list() == ["élève équiper"]


def test_nulls_empty_and_order_are_kept() -> None:
    out = normalise([None, "", "tablette", "le la les"]).to_list()
    assert out == ["", "", "tablette", ""]


def test_stop_words_without_removal() -> None:
    assert normalise(["les tablettes"], remove_stop_words=False).to_list() == ["le tablette"]


def test_tokens_long_positions_count_kept_tokens() -> None:
    frame = pl.DataFrame({"id": ["a", "b"], "texte": ["Les tablettes et les ordinateurs", "PIX"]})
    long = tokens_long(frame)
    assert long.select("id", "position", "term").rows() == [
        ("a", 0, "tablette"),
        ("a", 1, "ordinateur"),
        ("b", 0, "pix"),
    ]


def test_fold_and_stop_word_list() -> None:
    assert fold("Élève, cœur") == "eleve, coeur"
    words = stop_words()
    assert {"le", "être", "etre", "aujourd'hui"} <= words
    assert "ordinateur" not in words


def test_segments_group_whole_sentences_to_the_target() -> None:
    text = "Un deux trois. Quatre cinq six. Sept huit! Neuf dix onze douze."
    frame = pl.DataFrame({"id": ["t", "u"], "texte": [text, "Court."]})
    out = segments(frame, target_words=5)
    assert out.rows() == [
        ("t", 0, "Un deux trois. Quatre cinq six.", 6),
        ("t", 1, "Sept huit! Neuf dix onze douze.", 6),
        ("u", 0, "Court.", 1),
    ]


def test_segments_reject_a_bad_target() -> None:
    with pytest.raises(ValueError, match="target_words"):
        segments(pl.DataFrame({"id": ["a"], "texte": ["x"]}), target_words=0)


def test_a_text_without_punctuation_is_cut_by_words() -> None:
    frame = pl.DataFrame({"id": ["a"], "texte": [" ".join(f"m{i}" for i in range(130))]})
    out = segments(frame, target_words=40)
    assert out.get_column("n_mots").to_list() == [40, 40, 40, 10]
    assert out.get_column("texte")[1].split()[0] == "m40"
