"""French text analytics for the RETEX and the consultation (issue in progress).

Available now: term specificities (:func:`specificities`, Lafon's hypergeometric scores as
in Lexico / TXM / Iramuteq), the lexical table they read (:func:`term_counts`), and the
coverage of the 40 propositions by the 18 régions académiques with the contributions behind
each figure (:func:`coverage`).
"""

from __future__ import annotations

from egn_analytics.text.coverage import COVERAGE_SCHEMA, coverage
from egn_analytics.text.specificities import (
    BANALITY,
    SPECIFICITY_SCHEMA,
    specificities,
    term_counts,
)

__all__ = [
    "BANALITY",
    "COVERAGE_SCHEMA",
    "SPECIFICITY_SCHEMA",
    "coverage",
    "specificities",
    "term_counts",
]
