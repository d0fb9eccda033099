"""Measure the classifier on labelled texts: held-out split, macro-F1, confusion matrix.

Why: « classified automatically » is only worth what its measured error is. The split is
deterministic (a hash of the contribution id, so the same text is always on the same side,
whatever the order or the other rows), stratified by nothing but large enough to hold every
source. Themes are single-label: a text left « non classé » counts as a miss. Propositions are
multi-label: macro-F1 over the 40 propositions (sklearn's definition), a proposition with no
true and no predicted text scoring 0, as sklearn's ``zero_division=0``, so rare propositions
are not hidden.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from egn_analytics.text.classify import N_PROPOSITIONS, N_THEMES, TextClassifier

#: Share of labelled texts held out for the evaluation.
TEST_SHARE = 0.3


def split(labelled: pl.DataFrame, *, test_share: float = TEST_SHARE, seed: int = 2020) -> pl.Series:
    """Boolean ``test`` mask: ``True`` for the held-out texts.

    The side is a BLAKE2b hash of the text (lower case, spaces collapsed; of ``id`` when there
    is no ``texte`` column) and ``seed``: identical texts always fall on the same side (the
    same answer pasted twice must not be learnt and then « guessed »), and the split does not
    move with the row order nor with a Polars upgrade (``Series.hash`` is only stable within
    one Polars version). One hash per row in Python: ~10 ms for 10,000 texts.
    """
    if not 0 < test_share < 1:
        raise ValueError("test_share doit être strictement entre 0 et 1")
    if "texte" in labelled.columns:
        keys = (
            labelled.get_column("texte")
            .fill_null("")
            .str.to_lowercase()
            .str.replace_all(r"\s+", " ")
            .str.strip_chars()
        )
    else:
        keys = labelled.get_column("id").cast(pl.String)
    prefix = f"{seed}:".encode()
    buckets = [
        int.from_bytes(hashlib.blake2b(prefix + key.encode(), digest_size=8).digest(), "big")
        % 10_000
        for key in keys.to_list()
    ]
    return (pl.Series(buckets, dtype=pl.Int64) < round(test_share * 10_000)).alias("test")


@dataclass(frozen=True)
class Evaluation:
    """Scores of one classifier on one labelled set."""

    method: str
    n_texts: int
    theme_macro_f1: float
    theme_accuracy: float
    proposition_macro_f1: float
    proposition_micro_f1: float
    unclassified_share: float
    review_share: float
    per_theme: pl.DataFrame
    per_proposition: pl.DataFrame
    confusion: pl.DataFrame

    def summary(self) -> dict[str, float | int | str]:
        """The headline figures as a flat dict (for tables and benchmarks)."""
        return {
            "methode": self.method,
            "textes": self.n_texts,
            "f1_macro_themes": self.theme_macro_f1,
            "exactitude_themes": self.theme_accuracy,
            "f1_macro_propositions": self.proposition_macro_f1,
            "f1_micro_propositions": self.proposition_micro_f1,
            "part_non_classes": self.unclassified_share,
            "part_a_verifier": self.review_share,
        }


def _binarise(lists: pl.Series) -> np.ndarray:
    """Rows × 40 indicator matrix of a list column of proposition numbers."""
    out = np.zeros((len(lists), N_PROPOSITIONS), dtype=np.int8)
    lengths = lists.list.len().fill_null(0).to_numpy()
    values = lists.explode().drop_nulls().cast(pl.Int64).to_numpy()
    out[np.repeat(np.arange(len(lists)), lengths), values - 1] = 1
    return out


def evaluate(predictions: pl.DataFrame, truth: pl.DataFrame, *, method: str = "") -> Evaluation:
    """Compare ``predictions`` (:func:`~egn_analytics.text.classify`) with ``truth``, row by row.

    ``truth`` has ``theme`` and ``propositions`` (as :func:`~egn_analytics.text.load_labels`).
    """
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    if predictions.height != truth.height:
        raise ValueError("evaluate : prédictions et vérité n'ont pas le même nombre de lignes")
    y_true = truth.get_column("theme").cast(pl.Int64).to_numpy()
    y_pred = predictions.get_column("theme").cast(pl.Int64).fill_null(0).to_numpy()
    themes = list(range(1, N_THEMES + 1))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=themes, zero_division=0)
    per_theme = pl.DataFrame(
        {"theme": themes, "precision": p, "rappel": r, "f1": f, "effectif": s.astype(np.int64)}
    )
    labels = [0, *themes]
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    confusion = pl.DataFrame(
        {
            "theme_vrai": labels,
            **{
                ("non_classe" if k == 0 else f"predit_{k}"): matrix[:, i]
                for i, k in enumerate(labels)
            },
        }
    ).filter(pl.col("theme_vrai") > 0)
    t_bin = _binarise(truth.get_column("propositions"))
    p_bin = _binarise(predictions.get_column("propositions"))
    pp, pr, pf, ps = precision_recall_fscore_support(t_bin, p_bin, zero_division=0)
    per_prop = pl.DataFrame(
        {
            "proposition": list(range(1, N_PROPOSITIONS + 1)),
            "precision": pp,
            "rappel": pr,
            "f1": pf,
            "effectif": ps.astype(np.int64),
        }
    )
    return Evaluation(
        method=method,
        n_texts=truth.height,
        theme_macro_f1=float(
            f1_score(y_true, y_pred, labels=themes, average="macro", zero_division=0)
        ),
        theme_accuracy=float(np.mean(y_true == y_pred)) if len(y_true) else float("nan"),
        proposition_macro_f1=float(f1_score(t_bin, p_bin, average="macro", zero_division=0)),
        proposition_micro_f1=float(f1_score(t_bin, p_bin, average="micro", zero_division=0)),
        unclassified_share=float(np.mean(y_pred == 0)) if len(y_pred) else 0.0,
        review_share=float(predictions.get_column("a_verifier").to_numpy().mean())
        if predictions.height
        else 0.0,
        per_theme=per_theme,
        per_proposition=per_prop,
        confusion=confusion,
    )


@dataclass(frozen=True)
class HeldOutReport:
    """Seed-only and learnt classifiers measured on the same held-out texts."""

    n_train: int
    n_test: int
    seed_only: Evaluation
    learnt: Evaluation
    classifier: TextClassifier
    by_source: pl.DataFrame | None = None
    #: Labelled ids with no contribution in the corpus (a labels file of another corpus?).
    unmatched_ids: tuple[str, ...] = ()

    def table(self) -> pl.DataFrame:
        """One row per method with the headline figures."""
        return pl.DataFrame([self.seed_only.summary(), self.learnt.summary()])


def held_out_evaluation(
    texts: pl.DataFrame,
    labels: pl.DataFrame,
    *,
    test_share: float = TEST_SHARE,
    seed: int = 2020,
    classifier: TextClassifier | None = None,
) -> HeldOutReport:
    """Train on the labelled texts outside the held-out split, measure both channels on it.

    ``texts`` has ``id`` and ``texte`` (:func:`~egn_analytics.text.load_texts`), ``labels`` is
    :func:`~egn_analytics.text.load_labels`. The seed-only classifier never sees a label; the
    learnt one sees the training side only.
    """
    joined = texts.select("id", "texte").join(labels, on="id", how="inner", maintain_order="left")
    unmatched = labels.join(texts.select("id"), on="id", how="anti").get_column("id")
    if joined.height < 20:
        examples = ", ".join(unmatched.head(3).to_list())
        raise ValueError(
            f"held_out_evaluation : {joined.height} texte(s) étiqueté(s) reconnu(s) sur "
            f"{labels.height} (20 au moins sont nécessaires) ; identifiants absents du corpus, "
            f"par exemple : {examples or 'aucun'}"
        )
    is_test = split(joined, test_share=test_share, seed=seed)
    train, test = joined.filter(~is_test), joined.filter(is_test)
    seed_model = (
        classifier if classifier is not None and not classifier.fitted else TextClassifier()
    )
    seed_pred = seed_model.predict(test.get_column("texte"))
    learnt_model = TextClassifier().fit(
        train.get_column("texte"),
        train.get_column("propositions").to_list(),
        train.get_column("theme").to_list(),
    )
    learnt_pred = learnt_model.predict(test.get_column("texte"))
    return HeldOutReport(
        n_train=train.height,
        n_test=test.height,
        seed_only=evaluate(seed_pred, test, method="amorce seule"),
        learnt=evaluate(learnt_pred, test, method="amorce + exemples"),
        classifier=learnt_model,
        unmatched_ids=tuple(unmatched.to_list()),
        by_source=_by_source(
            texts, test, {"amorce seule": seed_pred, "amorce + exemples": learnt_pred}
        ),
    )


def _by_source(
    texts: pl.DataFrame, test: pl.DataFrame, predictions: dict[str, pl.DataFrame]
) -> pl.DataFrame | None:
    """The headline figures per source of the held-out texts (a source's texts differ: a
    synthesis covers many propositions, a comment one), one row per method and source."""
    if "source" not in texts.columns:
        return None
    sources = test.select("id").join(
        texts.select("id", pl.col("source").cast(pl.String)),
        on="id",
        how="left",
        maintain_order="left",
    )["source"]
    rows = []
    for method, pred in predictions.items():
        for source in sources.drop_nulls().unique(maintain_order=True).to_list():
            mask = sources == source
            summary = evaluate(pred.filter(mask), test.filter(mask), method=method).summary()
            rows.append({"source": source, **summary})
    return pl.DataFrame(rows).sort("methode", "source")
