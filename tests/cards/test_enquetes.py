"""The « enquêtes » cards of the library, without Dash: selection, secret at display, gap.

The page's own tests (layout, callbacks, downloads, the data door's caches) are in
tests/dashboards/test_enquetes.py; both use the handmade table of tests/cards/enquetes_table.py.
"""

from __future__ import annotations

import polars as pl
import pytest

from egn_analytics.cards import enquetes as cards
from egn_analytics.survey.secret import mask_for_display
from egn_analytics.viz.formats import NBSP
from tests.cards.enquetes_table import HEURES, ORDI, TABLE, N


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, cards.Selection(ORDI, "ep")),
        ({"indicateur": HEURES}, cards.Selection(HEURES, "secteur")),
        ({"indicateur": HEURES, "ventilation": "ep"}, cards.Selection(HEURES, "secteur")),
        ({"indicateur": "inconnu", "ventilation": "sexe"}, cards.Selection(ORDI, "sexe")),
        ({"indicateur": ORDI, "ventilation": "ep", "domaine": "3"}, cards.Selection(ORDI, "ep", "3")),
        ({"indicateur": ORDI, "ventilation": "ep", "domaine": "99"}, cards.Selection(ORDI, "ep")),
        ({"indicateur": ORDI, "ventilation": "ensemble"}, cards.Selection(ORDI, "ep")),
    ],
)  # fmt: skip
def test_parse_selection_falls_back_to_defaults(
    query: dict[str, str], expected: cards.Selection
) -> None:
    assert cards.parse_selection(TABLE, **{k: v for k, v in query.items()}) == expected


def test_mask_for_display_treats_unknown_status_as_masked() -> None:
    odd = TABLE.head(1).with_columns(pl.lit("à revoir").alias("status"))
    masked = mask_for_display(odd).row(0, named=True)
    assert masked["status"] == "masked"
    assert masked["estimate"] is None and masked["lecture"] is None and masked["n"] is None
    assert mask_for_display(TABLE).height == TABLE.height
    assert TABLE.filter(pl.col("status") == "published").height == 10  # TABLE is untouched


def test_gap_defaults_elsewhere_are_the_ends() -> None:
    rows = cards.domain_rows(TABLE, cards.Selection(ORDI, "academie"))
    assert cards.default_gap_pair(rows, "academie") == ("01", "02")  # Mayotte is masked
    rows = cards.domain_rows(TABLE, cards.Selection(ORDI, "ensemble"))
    assert cards.default_gap_pair(rows, "ensemble") == (None, None)


def test_gap_domain_resolves_codes_then_labels() -> None:
    rows = cards.domain_rows(TABLE, cards.Selection(ORDI, "ep"))
    assert cards.gap_domain(rows, "2") == "2"
    assert cards.gap_domain(rows, "REP") == "2"  # not REP+
    assert cards.gap_domain(rows, "REP+") == "1"
    assert cards.gap_domain(rows, " Hors Éducation  prioritaire ") == "3"
    for unknown in (None, "", "4", "REP plus", 1, ["1"]):
        assert cards.gap_domain(rows, unknown) is None


def test_gap_not_significant_in_hours() -> None:
    gap = {
        "a": "2", "b": "1", "domain_a": "Privé sous contrat", "domain_b": "Public",
        "estimate_a": 36.1, "estimate_b": 35.0, "difference": 1.1, "se": 0.9,
        "ci_lower": -0.664, "ci_upper": 2.864, "p_value": 0.2217, "status": "published",
    }  # fmt: skip
    rows = cards.domain_rows(TABLE, cards.Selection(HEURES, "secteur"))
    summary = cards.gap_summary(gap, rows, "heures")
    assert summary.kind == "not_significant"
    assert summary.title == f"Écart non significatif au seuil de 5{N}%"
    assert summary.sentences[1] == (
        f"Écart (Privé sous contrat − Public){NBSP}: +1,1{N}heures, intervalle de confiance à "
        f"95{N}%{NBSP}: de -0,7 à +2,9{N}heures."
    )
    assert summary.sentences[2].startswith(
        f"L'écart n'est pas significatif au seuil de 5{N}% (p{NBSP}={NBSP}0,222)"
    )
    # without a p-value, the interval decides
    no_p = cards.gap_summary(gap | {"p_value": None, "ci_lower": 0.2}, rows, "heures")
    assert no_p.kind == "significant"


def test_gap_on_a_single_domain_breakdown() -> None:
    assert cards.gap_prompt(1, None, None) is not None
    assert cards.gap_prompt(1, None, None).kind == "single"  # type: ignore[union-attr]


def test_parse_view_keeps_only_strings() -> None:
    view = cards.parse_view({"indicateur": ORDI, "ventilation": 3, "autre": "x"})
    assert view == cards.View(ORDI, None, None)
    assert cards.selection_of(TABLE, view) == cards.Selection(ORDI, "ep")


def test_gap_verdict_asks_for_the_gap_only_when_it_can_be_said() -> None:
    rows = cards.domain_rows(TABLE, cards.Selection(ORDI, "ep"))
    asked: list[tuple[str, str]] = []

    def compute(a: str, b: str) -> None:
        asked.append((a, b))

    masked = cards.gap_verdict(rows, "%", "2", "3", compute)  # « REP » is masked
    assert masked is not None and masked.kind == "masked"
    same = cards.gap_verdict(rows, "%", "1", "REP+", compute)  # one domain, two names
    assert same is not None and same.kind == "same"
    assert asked == []
    assert cards.gap_verdict(rows, "%", "1", "3", compute) is None  # nothing computed
    assert asked == [("1", "3")]
