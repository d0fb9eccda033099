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

This module is the product's one statistical secret: the rule (:class:`SecretRule`, read once
from the settings by :meth:`SecretRule.from_settings`), the vocabulary (the status codes and
their French labels, « secret statistique ») and the two places it is applied — at estimation
(:func:`apply_secret`) and again at display (:func:`mask_for_display`, defence in depth: a
page, a card or an export blanks a masked row even if a table ever kept its values).
:func:`egn_analytics.privacy.mask_small_cells` (counts of units, not survey estimates) takes
its default threshold from the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from egn_analytics.config import get_settings

PUBLISHED = "published"
FRAGILE = "fragile"
MASKED = "masked"

#: What a masked cell is called in a chart (and its hover), and in a table or a CSV.
SECRET_LABEL = "secret statistique"
MASKED_LABEL = "masqué"
#: Short French labels of the status codes (a CSV's ``statut`` column).
SHORT_STATUS_LABELS: dict[str, str] = {
    PUBLISHED: "publié",
    FRAGILE: "fragile",
    MASKED: MASKED_LABEL,
}
#: French labels of the status codes, for pages, exports and notebooks.
STATUS_LABELS: dict[str, str] = {
    PUBLISHED: "publié",
    FRAGILE: "fragile",
    MASKED: f"{MASKED_LABEL} ({SECRET_LABEL})",
}
#: Columns blanked at display on a row that is not publishable (the row keeps its domain,
#: status and texts; the respondent count goes too, so a masked cell does not even say how
#: small it was, nor its « Lecture », which carries the value).
DISPLAY_COLUMNS = ("estimate", "se", "ci_lower", "ci_upper", "n", "cv", "lecture")

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


def fragile_label(max_cv: float | None = None) -> str:
    """« fragile (CV > 20 %) », the threshold of the configured rule unless ``max_cv`` is given."""
    from egn_analytics.viz.formats import fmt_pct

    threshold = SecretRule.from_settings().max_cv if max_cv is None else max_cv
    return f"fragile (CV > {fmt_pct(threshold, 0)})"


def status_label(status: str | None) -> str:
    """A status in a table cell: « publié », « fragile (CV > 20 %) » or « masqué (secret
    statistique) »; an unknown status reads as masked (see :func:`mask_for_display`)."""
    if status == PUBLISHED:
        return STATUS_LABELS[PUBLISHED]
    if status == FRAGILE:
        return fragile_label()
    return STATUS_LABELS[MASKED]


def mask_for_display(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` with every value of a non-publishable row set to null (a new frame).

    Defence in depth, after :func:`apply_secret`: anything but « published » and « fragile »
    counts as masked (an unknown status must hide a value rather than show it), its status
    becomes ``masked`` and the :data:`DISPLAY_COLUMNS` present are emptied.
    """
    shown = pl.col("status").is_in([PUBLISHED, FRAGILE])
    return table.with_columns(
        pl.when(shown).then(pl.col("status")).otherwise(pl.lit(MASKED)).alias("status"),
        *(
            pl.when(shown).then(pl.col(name)).otherwise(None).alias(name)
            for name in DISPLAY_COLUMNS
            if name in table.columns
        ),
    )
