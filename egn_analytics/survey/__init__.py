"""Design-based survey estimation (Taylor linearisation, replicate weights), R-compatible.

Start with :class:`SurveyDesign` (R's ``svydesign``) or :func:`depp_design` for a DEPP
respondents table as the loaders produce it; :class:`ReplicateDesign` for files that carry
replicate weights (R's ``svrepdesign``); :func:`logistic` for a design-based logistic
regression (R's ``svyglm(family = quasibinomial)``).
"""

from __future__ import annotations

from egn_analytics.survey._engine import SurveyDesignError
from egn_analytics.survey.depp import calibrate_depp, codebook_labels, depp_design, depp_margins
from egn_analytics.survey.design import RESULT_COLUMNS, SurveyDesign
from egn_analytics.survey.model import logistic
from egn_analytics.survey.replicate import ReplicateDesign
from egn_analytics.survey.secret import (
    FRAGILE,
    MASKED,
    PUBLISHED,
    STATUS_LABELS,
    SecretRule,
    apply_secret,
)

__all__ = [
    "FRAGILE",
    "MASKED",
    "PUBLISHED",
    "RESULT_COLUMNS",
    "STATUS_LABELS",
    "ReplicateDesign",
    "SecretRule",
    "SurveyDesign",
    "SurveyDesignError",
    "apply_secret",
    "calibrate_depp",
    "codebook_labels",
    "depp_design",
    "depp_margins",
    "logistic",
]
