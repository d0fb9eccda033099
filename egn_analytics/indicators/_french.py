"""French wording as Polars expressions: numbers, percentages, elisions, template filling.

Why expressions and not :mod:`egn_analytics.viz.formats` applied row by row: an indicator
table has thousands of rows and its « Lecture » sentences are built for all of them at once;
a Python loop over rows is what this code base never does. The rules are the same as
``viz.formats`` (comma decimal separator, U+202F between groups of digits and before ``%`` or a
unit, rounding half away from zero) and a test checks both agree on typical values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import polars as pl

#: Narrow no-break space (U+202F), between digit groups and before « % » or a unit. Defined
#: here, not imported from ``viz``: indicator tables feed the figures, never the reverse (the
#: tests check both modules print the same characters).
NNBSP = "\u202f"
#: No-break space (U+00A0), before the colon of « Lecture : ».
NBSP = "\u00a0"

#: Placeholders a « Lecture » template may use (see the catalogue's README in catalogue.py).
LECTURE_PLACEHOLDERS = ("valeur", "domaine", "ic_bas", "ic_haut")
#: Placeholders of a breakdown's domain phrase (``ventilations.csv``, ``complement``).
COMPLEMENT_PLACEHOLDERS = ("libelle", "libelle_min", "de_libelle")

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders(template: str) -> list[str]:
    """Names between braces in ``template`` (``"{valeur} des {domaine}"`` → both)."""
    return _PLACEHOLDER.findall(template)


def fmt_decimal(value: pl.Expr, decimals: int = 1, *, times_100: bool = False) -> pl.Expr:
    """``1234.56 → "1 234,6"``: French decimal text, rounded half away from zero.

    Works on integers of tenths (hundredths…) so that the printed digits are exactly the
    rounded value, and groups the integer part by three from the right with U+202F (reverse,
    insert after every three digits, reverse back).
    """
    factor = 10 ** (decimals + (2 if times_100 else 0))
    scaled = (value.abs() * factor).round(0, mode="half_away_from_zero").cast(pl.Int64)
    unit = 10**decimals
    integer = (
        (scaled // unit)
        .cast(pl.String)
        .str.reverse()
        .str.replace_all(r"(\d{3})", "${1}" + NNBSP)
        .str.strip_chars_end(NNBSP)
        .str.reverse()
    )
    sign = pl.when((value < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    if decimals == 0:
        return pl.concat_str([sign, integer])
    fraction = (scaled % unit).cast(pl.String).str.zfill(decimals)
    return pl.concat_str([sign, integer, pl.lit(","), fraction])


def fmt_value(value: pl.Expr, measure: pl.Expr, unit: pl.Expr, decimals: int = 1) -> pl.Expr:
    """An estimate in its unit: ``"8,0 %"`` (proportion), ``"94,0 %"``, ``"36,2 heures"``.

    Proportions are stored as fractions and printed as percentages; a mean whose unit starts
    with « % » (« % de la classe ») is already in percentage points; any other mean is followed
    by its unit.
    """
    as_pct = fmt_decimal(value, decimals, times_100=True) + pl.lit(NNBSP + "%")
    pct_mean = fmt_decimal(value, decimals) + pl.lit(NNBSP + "%")
    other = fmt_decimal(value, decimals) + pl.lit(NNBSP) + unit
    return (
        pl.when(measure == "proportion")
        .then(as_pct)
        .when(unit.str.starts_with("%"))
        .then(pct_mean)
        .otherwise(other)
    )


def lower_first(text: pl.Expr) -> pl.Expr:
    """« Public » → « public », but « REP+ », « CAP » stay (an acronym keeps its capitals)."""
    acronym = text.str.slice(1, 1).str.contains(r"^\p{Lu}")
    return (
        pl.when(acronym)
        .then(text)
        .otherwise(pl.concat_str([text.str.slice(0, 1).str.to_lowercase(), text.str.slice(1)]))
    )


def de_elided(name: pl.Expr) -> pl.Expr:
    """« de » before a name, elided before a vowel: « d'Aix-Marseille », « de Paris »."""
    vowel = name.str.contains(r"^[AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜaeiouyàâéèêîïôûü]")
    return pl.when(vowel).then(pl.lit("d'") + name).otherwise(pl.lit("de ") + name)


def fill(template: pl.Expr, values: Mapping[str, pl.Expr]) -> pl.Expr:
    """Replace every ``{name}`` of ``template`` by the expression ``values[name]``, per row.

    A null value becomes "" (Polars refuses a null replacement on a one-row frame); callers
    null the whole sentence themselves where nothing may be read.
    """
    out = template
    for name, value in values.items():
        out = out.str.replace_all("{" + name + "}", value.fill_null(""), literal=True)
    return out
