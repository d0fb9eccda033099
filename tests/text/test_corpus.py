"""The corpus table and the labels file: columns, territory, clear errors."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from egn_analytics.loaders._core import LoadError
from egn_analytics.text.corpus import (
    TEXTS_SCHEMA,
    CorpusNotBuiltError,
    find_labels,
    load_labels,
    load_texts,
    read_labels,
)
from egn_analytics.text.pipeline import analyse_corpus


def test_load_texts_has_every_source_with_territory(text_data_dir: Path) -> None:
    texts = load_texts(text_data_dir / "processed")
    assert texts.schema == TEXTS_SCHEMA
    assert texts.get_column("id").is_unique().all()
    sources = set(texts.get_column("source").cast(pl.String))
    assert sources == {"retex", "questionnaire", "proposition", "commentaire", "synthese"}
    retex = texts.filter(pl.col("source") == "retex")
    assert retex.get_column("code_region_academique").null_count() == 0
    assert texts.get_column("texte").str.len_chars().min() > 0  # type: ignore[operator]


def test_every_labelled_text_is_in_the_corpus(text_data_dir: Path) -> None:
    texts = load_texts(text_data_dir / "processed")
    path = find_labels(text_data_dir / "raw")
    assert path is not None
    labels = load_labels(path)
    assert labels.join(texts, on="id", how="anti").height == 0
    assert labels.get_column("propositions").list.len().min() >= 1  # type: ignore[operator]


def test_missing_tables_name_the_command(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotBuiltError, match="egn build"):
        load_texts(tmp_path)
    assert find_labels(tmp_path) is None


def test_bad_label_rows_go_to_the_rejects_with_line_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "verite.csv"
    path.write_text(
        "source;id;theme;propositions\n"
        "retex;A;3;16|18\n"  # line 2: kept
        "retex;B;3;16|99\n"  # 3: bad proposition
        "retex;A;4;23\n"  # 4: A again
        "retex;;4;23\n"  # 5: no id
        "retex;C;9;16\n"  # 6: bad theme
        "retex;D;2;x\n"  # 7: not a number
        "retex;E;2\n",  # 8: truncated
        "utf-8",
    )
    read = read_labels(path)
    assert read.rows_read == read.data.height + read.rejects.height == 7
    assert read.data.rows() == [("A", 3, [16, 18])]
    assert read.rejects.select("_ligne", "_motif").rows() == [
        (3, "numéro de proposition hors de 1 à 40 (propositions)"),
        (4, "clé en double (id)"),
        (5, "valeur manquante (id)"),
        (6, "valeur trop grande (theme)"),
        (7, "numéro de proposition hors de 1 à 40 (propositions)"),
        (8, "ligne incomplète (3 champs sur 4)"),
    ]
    assert load_labels(path).equals(read.data)


def test_unreadable_labels_files_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "verite.csv"
    path.write_text("", "utf-8")
    with pytest.raises(LoadError, match=r"verite\.csv : fichier vide"):
        read_labels(path)
    path.write_text("id;theme\nA;3\n", "utf-8")
    with pytest.raises(LoadError, match="propositions"):
        read_labels(path)
    # cp1252 (Excel FR) is read as such, not rejected.
    path.write_bytes("id;theme;propositions\nélève;3;16\n".encode("cp1252"))
    assert read_labels(path).data["id"].to_list() == ["élève"]


def test_analyse_corpus_with_and_without_labels(text_data_dir: Path, tmp_path: Path) -> None:
    learnt = analyse_corpus(text_data_dir / "processed", text_data_dir / "raw")
    texts = learnt.texts
    assert texts.height == load_texts(text_data_dir / "processed").height
    assert {"theme", "propositions", "a_verifier", "theme_libelle"} <= set(texts.columns)
    assert learnt.evaluation is not None and learnt.n_examples > 0
    assert "exemples étiquetés" in learnt.method
    seed = analyse_corpus(text_data_dir / "processed", tmp_path)
    assert seed.evaluation is None and seed.n_examples == 0
    assert "amorce seule" in seed.method
    classified = seed.texts.get_column("theme").drop_nulls()
    assert classified.len() > 0.9 * seed.texts.height
