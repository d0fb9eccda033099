"""French number and date formatting, one place for every label the product prints.

Why babel and not ``f"{x:,.1f}".replace(...)``: babel carries the CLDR rules for ``fr_FR``
(group separator, month names), so tables, chart labels, exports and notebooks all print the
same strings a French reader expects from INSEE or DEPP publications.

Typography (tested exactly, see ``tests/viz/test_formats.py``):

* the thousands separator is the **narrow no-break space** U+202F (:data:`NNBSP`), which is
  what CLDR ``fr`` specifies and what babel emits;
* the same U+202F separates a number from ``%`` and from a unit (``94,2 %``, ``12,3 Mo``), so a
  percentage never wraps away from its number and one character is used throughout;
* the decimal separator is the comma;
* a missing value (``None`` or NaN) prints as :data:`MISSING` (« n.d. », non disponible).

Rounding is *half up* (``0,125 → 0,13``), as in French statistical publications, rather than
Python's banker's rounding; values go through ``Decimal(str(x))`` so that ``0.9425`` rounds as
it reads.

Plotly figures cannot call babel for their ticks: they use d3 formats (:data:`D3_INTEGER`,
:data:`D3_DECIMAL`) together with the template's ``layout.separators``
(:data:`PLOTLY_SEPARATORS`), which gives the same comma and the same U+202F on axes.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import SupportsFloat, TypeAlias

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "fr_FR"

#: Narrow no-break space (U+202F): thousands separator and space before ``%`` and units.
NNBSP = "\u202f"
#: No-break space (U+00A0): before a colon in running French text (« Lecture : »).
NBSP = "\u00a0"
#: What a missing value prints as.
MISSING = "n.d."

#: ``layout.separators`` for Plotly: decimal comma, then U+202F as thousands separator,
#: so that axis ticks and hover labels match :func:`fmt_number` character for character.
PLOTLY_SEPARATORS = "," + NNBSP
#: d3 formats to use in ``tickformat`` / ``hovertemplate`` with :data:`PLOTLY_SEPARATORS`.
D3_INTEGER = ",.0f"
D3_DECIMAL = ",.1f"

_BYTE_UNITS = ("o", "ko", "Mo", "Go", "To")

#: What the number formatters accept: int, float, Decimal, numpy scalars.
Numeric: TypeAlias = SupportsFloat


def is_missing(value: object) -> bool:
    """True for ``None`` and float NaN (the two ways a missing value reaches a formatter)."""
    if value is None:
        return True
    return isinstance(value, float) and math.isnan(value)


def _quantize(value: Numeric, decimals: int) -> Decimal:
    """Round half up at ``decimals`` digits, from the value's shortest decimal repr."""
    exponent = Decimal(1).scaleb(-decimals)
    return Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)


def _pattern(decimals: int) -> str:
    """CLDR number pattern with grouping and exactly ``decimals`` fraction digits."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def fmt_number(value: Numeric | None, decimals: int = 0) -> str:
    """``1234567 → "1 234 567"`` (U+202F groups); ``decimals`` fixed fraction digits."""
    if is_missing(value):
        return MISSING
    assert value is not None
    rounded = _quantize(value, decimals)
    if rounded == 0:
        rounded = abs(rounded)  # never print "-0,0"
    return format_decimal(rounded, format=_pattern(decimals), locale=LOCALE)


def fmt_pct(value: Numeric | None, decimals: int = 1) -> str:
    """A proportion as a French percentage: ``0.942 → "94,2 %"`` (U+202F before ``%``).

    The input is a proportion (0-1), never a value already multiplied by 100: indicator tables
    store proportions, and one convention avoids « 9 420 % » accidents.
    """
    if is_missing(value):
        return MISSING
    assert value is not None
    return fmt_number(Decimal(str(value)) * 100, decimals) + NNBSP + "%"


def fmt_bytes(value: Numeric | None, decimals: int = 1) -> str:
    """A size on disk in SI units, as the French say them: ``12_345_678 → "12,3 Mo"``.

    Decimal multiples (1 ko = 1 000 octets) match what file managers show in France and the
    CLDR ``digital-megabyte`` unit; below 1 ko the count is printed as an integer (``532 o``).
    """
    if is_missing(value):
        return MISSING
    assert value is not None
    size = float(value)
    unit = 0
    while abs(size) >= 1000 and unit < len(_BYTE_UNITS) - 1:
        size /= 1000
        unit += 1
    if unit == 0:
        return fmt_number(int(size)) + NNBSP + _BYTE_UNITS[0]
    # A value that rounds up to 1000 (999 960 o → "1 000,0 ko") moves to the next unit.
    if _quantize(size, decimals) >= 1000 and unit < len(_BYTE_UNITS) - 1:
        size /= 1000
        unit += 1
    return fmt_number(size, decimals) + NNBSP + _BYTE_UNITS[unit]


def fmt_date(value: date | datetime | None) -> str:
    """``date(2020, 3, 16) → "16 mars 2020"``; the first of the month is « 1er » as in French."""
    if value is None:
        return MISSING
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {format_date(value, format='MMMM y', locale=LOCALE)}"


def fmt_month(value: date | datetime | None, *, capitalize: bool = False) -> str:
    """``date(2020, 3, 1) → "mars 2020"`` (``"Mars 2020"`` at the start of a label)."""
    if value is None:
        return MISSING
    text = format_date(value, format="LLLL y", locale=LOCALE)
    return text[:1].upper() + text[1:] if capitalize else text


def fmt_p_value(p: float | None) -> str:
    """« p < 0,001 » or « p = 0,042 » (the way a French table prints a test)."""
    if is_missing(p):
        return f"p{NBSP}={NBSP}{MISSING}"
    assert p is not None
    if p < 0.001:
        return f"p{NBSP}<{NBSP}0,001"
    return f"p{NBSP}={NBSP}{fmt_number(p, 3)}"


__all__ = [
    "D3_DECIMAL",
    "D3_INTEGER",
    "LOCALE",
    "MISSING",
    "NBSP",
    "NNBSP",
    "PLOTLY_SEPARATORS",
    "Numeric",
    "fmt_bytes",
    "fmt_date",
    "fmt_month",
    "fmt_number",
    "fmt_p_value",
    "fmt_pct",
    "is_missing",
]
