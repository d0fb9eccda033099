"""French formats, checked character by character.

The separators are written as escapes on purpose: U+202F (narrow no-break space) for
thousands and before ``%``/units, U+00A0 nowhere in numbers. A test that compares against a
string typed with a plain space would pass on the wrong character's neighbour in an editor.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import pytest

from egn_analytics.viz.formats import (
    MISSING,
    NNBSP,
    PLOTLY_SEPARATORS,
    fmt_bytes,
    fmt_date,
    fmt_month,
    fmt_number,
    fmt_pct,
    is_missing,
)


def test_separator_constant_is_narrow_no_break_space() -> None:
    assert NNBSP == "\u202f"
    assert PLOTLY_SEPARATORS == ",\u202f"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0.942, 1, "94,2\u202f%"),
        (0.9425, 1, "94,3\u202f%"),  # half up, from the decimal repr
        (1, 1, "100,0\u202f%"),
        (0.5, 0, "50\u202f%"),
        (0.12345, 2, "12,35\u202f%"),
        (12.5, 0, "1\u202f250\u202f%"),
        (0, 1, "0,0\u202f%"),
        (-0.0001, 1, "0,0\u202f%"),  # never "-0,0 %"
        (-0.031, 1, "-3,1\u202f%"),
        (Decimal("0.5"), 1, "50,0\u202f%"),
    ],
)
def test_fmt_pct(value: float, decimals: int, expected: str) -> None:
    assert fmt_pct(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234567, 0, "1\u202f234\u202f567"),
        (1234, 0, "1\u202f234"),
        (999, 0, "999"),
        (0, 0, "0"),
        (12.345, 1, "12,3"),
        (0.125, 2, "0,13"),  # half up, not banker's rounding
        (2.5, 0, "3"),
        (-1234.5, 1, "-1\u202f234,5"),
        (1234567.891, 2, "1\u202f234\u202f567,89"),
    ],
)
def test_fmt_number(value: float, decimals: int, expected: str) -> None:
    assert fmt_number(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12_345_678, "12,3\u202fMo"),
        (532, "532\u202fo"),
        (0, "0\u202fo"),
        (1_000, "1,0\u202fko"),
        (999_960, "1,0\u202fMo"),  # rounds up into the next unit
        (2_500_000_000, "2,5\u202fGo"),
    ],
)
def test_fmt_bytes(value: int, expected: str) -> None:
    assert fmt_bytes(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2020, 3, 16), "16 mars 2020"),
        (date(2020, 3, 1), "1er mars 2020"),
        (date(2020, 8, 31), "31 août 2020"),
        (datetime(2020, 12, 25, 10, 30), "25 décembre 2020"),
    ],
)
def test_fmt_date(value: date, expected: str) -> None:
    assert fmt_date(value) == expected


def test_fmt_month() -> None:
    assert fmt_month(date(2020, 3, 16)) == "mars 2020"
    assert fmt_month(date(2020, 8, 1), capitalize=True) == "Août 2020"
    assert fmt_month(datetime(2021, 2, 1)) == "février 2021"


@pytest.mark.parametrize("value", [None, float("nan"), math.nan])
def test_missing_values(value: float | None) -> None:
    assert is_missing(value)
    assert MISSING == "n.d."
    assert fmt_pct(value) == "n.d."
    assert fmt_number(value) == "n.d."
    assert fmt_bytes(value) == "n.d."  # type: ignore[arg-type]


def test_missing_dates() -> None:
    assert fmt_date(None) == "n.d."
    assert fmt_month(None) == "n.d."


def test_zero_is_not_missing() -> None:
    assert not is_missing(0)
    assert not is_missing(0.0)
