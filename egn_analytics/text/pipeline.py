"""The whole text analysis of a data folder: contributions, their classes, and its measured error.

Why one function: the dashboard, the notebook and the CLI must show the same classes for the
same files. :func:`analyse_corpus` reads the processed text tables, learns from the labelled
file of the raw folder when there is one (on the training side of the held-out split only, so
the quality it reports is measured on texts it never learnt), else uses the seed channel alone,
and returns every contribution with its theme, propositions and « à vérifier » flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from egn_analytics.config import get_settings
from egn_analytics.generations import current_generation
from egn_analytics.reference import themes
from egn_analytics.text.classify import TextClassifier
from egn_analytics.text.corpus import find_labels, load_texts, read_labels
from egn_analytics.text.evaluation import HeldOutReport, held_out_evaluation


@dataclass(frozen=True)
class TextAnalysis:
    """Classified contributions and how the classification was obtained and measured."""

    texts: pl.DataFrame
    method: str
    n_examples: int
    evaluation: pl.DataFrame | None
    per_theme: pl.DataFrame | None
    confusion: pl.DataFrame | None
    #: Rows of the labels file that were not used, with line and reason (None: no file).
    label_rejects: pl.DataFrame | None = None


def analyse_corpus(
    processed_dir: str | Path | None = None,
    raw_dir: str | Path | None = None,
    *,
    labels_path: str | Path | None = None,
) -> TextAnalysis:
    """Classify every contribution of the data folder (see the module docstring).

    ``texts`` has the columns of :data:`~egn_analytics.text.corpus.TEXTS_SCHEMA`, then
    :data:`~egn_analytics.text.classify.CLASSIFICATION_SCHEMA` and ``theme_libelle``.
    """
    settings = get_settings()
    processed = (
        Path(processed_dir)
        if processed_dir is not None
        else current_generation(settings.processed_dir)
    )
    texts = load_texts(processed)
    path = Path(labels_path) if labels_path is not None else find_labels(raw_dir)
    report: HeldOutReport | None = None
    rejects: pl.DataFrame | None = None
    if path is not None and path.exists():
        read = read_labels(path)
        rejects = read.rejects
        report = held_out_evaluation(texts, read.data)
        model = report.classifier
        method = (
            f"amorce (libellés et lexique) + {report.n_train} exemples étiquetés ; "
            f"qualité mesurée sur {report.n_test} textes tenus à l'écart"
        )
    else:
        model = TextClassifier()
        method = "amorce seule (libellés des propositions et lexique), sans exemple étiqueté"
    classes = model.predict(texts.get_column("texte"))
    labels = themes().select(
        pl.col("theme").cast(pl.Int8), pl.col("libelle_court").alias("theme_libelle")
    )
    classified = pl.concat([texts, classes], how="horizontal").join(
        labels, on="theme", how="left", maintain_order="left"
    )
    return TextAnalysis(
        texts=classified,
        method=method,
        n_examples=model.n_examples,
        evaluation=None if report is None else report.table(),
        per_theme=None if report is None else report.learnt.per_theme,
        confusion=None if report is None else report.learnt.confusion,
        label_rejects=rejects,
    )
