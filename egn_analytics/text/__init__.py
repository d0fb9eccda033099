"""French text analytics for the RETEX and the consultation (issue in progress).

Available now: term specificities (:func:`specificities`, Lafon's hypergeometric scores as
in Lexico / TXM / Iramuteq) and the lexical table they read (:func:`term_counts`).
"""

from __future__ import annotations

from egn_analytics.text.specificities import (
    BANALITY,
    SPECIFICITY_SCHEMA,
    specificities,
    term_counts,
)

__all__ = ["BANALITY", "SPECIFICITY_SCHEMA", "specificities", "term_counts"]
