"""Statistical secret for survey estimates: published, fragile or masked.

Why in the estimation layer and not in the pages: a masked value must never leave the library
— not on screen, not in a CSV export, not in a notebook helper. So every estimator applies the
rule before returning, and the value columns of a masked row are null. A statistician working
in a secure environment who needs unmasked values says so explicitly with
``SecretRule(min_respondents=0, max_cv=None)``: the default comes from ``[tool.egn]``.

* **masqué** (``masked``): fewer respondents than ``min_respondents`` (default 30) behind the
  estimate (the domain's respondents with a non-missing answer);
* **fragile**: published with a warning, its coefficient of variation ``se/|estimate|`` is above
  ``max_cv`` (default 20 %);
* **publié** (``published``): everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from egn_analytics.config import get_settings

PUBLISHED = "published"
FRAGILE = "fragile"
MASKED = "masked"

#: French labels of the status codes, for pages, exports and notebooks.
STATUS_LABELS: dict[str, str] = {
    PUBLISHED: "publié",
    FRAGILE: "fragile",
    MASKED: "masqué (secret statistique)",
}

#: Columns emptied on a masked row.
VALUE_COLUMNS = ("estimate", "se", "ci_lower", "ci_upper", "deff", "cv")


@dataclass(frozen=True, slots=True)
class SecretRule:
    """Thresholds of the statistical secret; ``max_cv=None`` never flags fragile values."""

    min_respondents: int = 30
    max_cv: float | None = 0.20

    @classmethod
    def from_settings(cls) -> SecretRule:
        """The rule configured in ``pyproject.toml`` (``[tool.egn]``)."""
        settings = get_settings()
        return cls(settings.secret_min_respondents, settings.secret_max_cv)


def apply_secret(frame: pl.DataFrame, rule: SecretRule, *, n_col: str = "n") -> pl.DataFrame:
    """Add ``cv`` and ``status`` and empty the value columns of masked rows.

    ``cv`` is null when the estimate is 0 (a CV is meaningless there; the row is published if
    it has enough respondents).
    """
    cv = (
        pl.when(pl.col("estimate").abs() > 0)
        .then(pl.col("se") / pl.col("estimate").abs())
        .otherwise(None)
    )
    frame = frame.with_columns(cv.alias("cv"))
    masked = pl.col(n_col) < rule.min_respondents
    fragile = (
        (pl.col("cv") > rule.max_cv).fill_null(False) if rule.max_cv is not None else pl.lit(False)
    )
    status = (
        pl.when(masked).then(pl.lit(MASKED)).when(fragile).then(pl.lit(FRAGILE))
        .otherwise(pl.lit(PUBLISHED))
    )  # fmt: skip
    frame = frame.with_columns(status.alias("status"))
    present = [c for c in VALUE_COLUMNS if c in frame.columns]
    return frame.with_columns(
        pl.when(pl.col("status") == MASKED).then(None).otherwise(pl.col(c)).alias(c)
        for c in present
    )
