"""The « usages numériques » cards of the library, on handmade frames.

The builders' frames have the columns of the indicator tables ``usages_*`` written by ``egn build``
(:mod:`egn_analytics.indicators.usages`), enumeration columns dropped as the registry
builders drop them: the sentences and figures are checked exactly (a ratio of 2.1 must read
« 2,1 fois plus »). The cards on generated data are pinned by the golden tests
(``tests/cards/golden_usages.py``); the registry (:data:`CARDS`, :func:`its_tables`) is
checked on that data too, and the page by ``tests/dashboards/test_usages.py``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from egn_analytics.cards import CardNotFoundError, Tables, build_card
from egn_analytics.cards import usages as cards
from egn_analytics.indicators.usages import (
    DesynchronisationSchema,
    ItsSchema,
    ProjetsSchema,
    RatioSchema,
    SaturationSchema,
    polars_types,
)
from egn_analytics.reference import PROFILES, territories
from egn_analytics.viz import fmt_date
from egn_analytics.viz.formats import NBSP, NNBSP

N = NNBSP
LILLE = cards.parse_view({"profil": "eleve", "territoire": "academie-09"})
#: Columns of the ITS coefficients as the builders get them (territory and profile dropped).
_ITS_TYPES = {k: v for k, v in polars_types(ItsSchema).items() if k not in ("territoire", "profil")}
_DESYNC_TYPES = {
    k: v for k, v in polars_types(DesynchronisationSchema).items() if k != "territoire"
}


def ratio_table(**ratios: float | None) -> pl.DataFrame:
    """A closure_ratio frame: {code_academie: ratio}, reference 100 visits a school day."""
    rows = []
    for key, ratio in ratios.items():
        known = ratio is not None
        rows.append(
            {
                "code_academie": key.removeprefix("a"),
                "profil": "élève",
                "zone": "Zone B",
                "jours_reference": 30 if known else 0,
                "reference": 100.0 if known else None,
                "jours_fermeture": 28 if known else 0,
                "fermeture": 100.0 * ratio if ratio is not None else None,
                "jours_vacances_fermeture": 16,
                "ratio": ratio,
            }
        )
    return pl.DataFrame(rows, schema=polars_types(RatioSchema))


def its_table(level: float, low: float, high: float, reopening: float = -0.1) -> pl.DataFrame:
    """A models.its frame (log model): level and slope at both breaks."""
    rows = []
    for day, effect, rel, lo, hi in (
        (dt.date(2020, 3, 16), "niveau", level, low, high),
        (dt.date(2020, 3, 16), "pente", 0.002, -0.007, 0.012),
        (dt.date(2020, 5, 11), "niveau", reopening, -0.35, 0.29),
        (dt.date(2020, 5, 11), "pente", -0.032, -0.04, -0.023),
    ):
        label = "Changement de niveau" if effect == "niveau" else "Changement de pente"
        rows.append(
            {
                "variable": "visites",
                "rupture": day,
                "effet": effect,
                "libelle": f"{label} au {fmt_date(day)}",
                "evenement": None,
                "estimate": 0.0,
                "se": 0.1,
                "ci_lower": 0.0,
                "ci_upper": 0.0,
                "p_value": 0.0004 if lo > 0 or hi < 0 else 0.6,
                "relative_change": rel,
                "relative_ci_lower": lo,
                "relative_ci_upper": hi,
                "n_days": 213,
                "calendrier_complet": True,
                "methode": "MCO, écarts-types de Newey–West (HAC, 7 retards)",
            }
        )
    return pl.DataFrame(rows, schema=_ITS_TYPES)


# ---------------------------------------------------------------------- selection -----


@pytest.mark.parametrize(
    ("query", "profile", "territory"),
    [
        ({}, "eleve", "france"),
        ({"profil": "parent"}, "parent", "france"),
        ({"profil": "élève"}, "eleve", "france"),
        ({"profil": "Tous"}, "tous", "france"),
        ({"profil": "inconnu", "territoire": "academie-09"}, "eleve", "academie-09"),
        ({"territoire": "region-32"}, "eleve", "region-32"),
        ({"territoire": "ACADEMIE-09"}, "eleve", "academie-09"),
        ({"territoire": "academie-99"}, "eleve", "france"),
        ({"territoire": "09"}, "eleve", "france"),
    ],
)
def test_parse_selection_falls_back_to_defaults(
    query: dict[str, str], profile: str, territory: str
) -> None:
    selection = cards.parse_selection(query.get("profil"), query.get("territoire"))
    assert (selection.profile.slug, selection.territory.value) == (profile, territory)


def test_territories_france_regions_academies() -> None:
    found = territories()
    assert found[0].value == "france" and len(found[0].academies) == 30
    assert found[0].zones == ("Zone A", "Zone B", "Zone C")
    assert sum(t.kind == "region" for t in found) == 18
    assert sum(t.kind == "academie" for t in found) == 30
    hdf = cards.parse_selection(None, "region-32").territory
    assert hdf.label == "Région académique Hauts-de-France"
    assert hdf.academies == ("09", "20") and hdf.zones == ("Zone B",)
    assert LILLE.territory.label == "Académie de Lille"
    assert LILLE.territory.of == "de l'académie de Lille"
    aix = cards.parse_selection(None, "academie-02").territory
    assert aix.label == "Académie d'Aix-Marseille"
    # French alphabetical order: Île-de-France with the I
    regions = [t.name for t in found if t.kind == "region"]
    assert regions.index("Grand Est") < regions.index("Île-de-France") < regions.index("Martinique")


# --------------------------------------------------------------------- formatting -----


def test_french_formats() -> None:
    assert cards.fmt_ratio(2.1) == "×2,1"
    assert cards.fmt_ratio(2.149) == "×2,1"
    assert cards.fmt_ratio(None) == "n.d."
    assert cards.fmt_signed_pct(0.85) == f"+85{N}%"
    assert cards.fmt_signed_pct(-0.3) == f"-30{N}%"
    assert cards.fmt_signed_pct(0.0004) == f"0{N}%"
    assert cards.fmt_signed_pct(0.002, 1) == f"+0,2{N}%"
    assert cards.fmt_day(dt.date(2020, 3, 16)) == "lundi 16 mars 2020"
    assert cards.fmt_day(dt.date(2020, 5, 1)) == "vendredi 1er mai 2020"


def test_holiday_bands_of_zone_b() -> None:
    bands = cards.holiday_bands(["Zone B"], dt.date(2020, 1, 1), dt.date(2020, 7, 31))
    spans = [(r["vacances"], r["debut"], r["fin"]) for r in bands.iter_rows(named=True)]
    assert spans == [
        ("Noël", dt.date(2020, 1, 1), dt.date(2020, 1, 5)),
        ("Hiver", dt.date(2020, 2, 15), dt.date(2020, 3, 1)),
        ("Printemps", dt.date(2020, 4, 11), dt.date(2020, 4, 26)),
        ("Pont de l'Ascension", dt.date(2020, 5, 21), dt.date(2020, 5, 24)),
        ("Été", dt.date(2020, 7, 4), dt.date(2020, 7, 31)),
    ]


# ------------------------------------------------------------------ (2) the ratio -----


def test_ratio_lecture_is_the_sentence_of_the_brief() -> None:
    card = cards.ratio_card(ratio_table(a09=2.1, a20=1.9, a01=2.3), LILLE, synthetic=True)
    assert card.lecture == (
        "pendant la fermeture, les élèves de l'académie de Lille ont fait 2,1 fois plus de "
        "visites par jour de classe qu'en janvier-février."
    )
    bars = card.figure.data[0]
    assert list(bars.y) == ["Paris", "Lille", "Amiens"]  # ranked, highest first
    assert list(card.figure.data[1].text) == ["×2,3", "×2,1", "×1,9"]  # the value column
    colours = list(bars.marker.color)
    assert colours[1] != colours[0] == colours[2]  # Lille highlighted
    assert card.data["rapport_fermeture_reference"].to_list() == [2.3, 2.1, 1.9]


def test_ratio_for_a_region_is_pooled_and_names_the_highest() -> None:
    table = ratio_table(a09=2.0, a20=1.5, a01=2.5)
    hdf = cards.parse_selection("eleve", "region-32")
    rows = cards.ratio_rows(table)
    assert cards.pooled_ratio(rows, hdf.territory.academies) == pytest.approx(1.75)
    card = cards.ratio_card(table, hdf, synthetic=False)
    assert card.lecture.startswith(
        "pendant la fermeture, les élèves de la région académique Hauts-de-France ont fait "
        "1,8 fois plus de visites"
    )
    assert "académie de Paris (×2,5)" in card.lecture
    assert "(synthétiques)" not in card.source
    france = cards.ratio_card(table, cards.parse_selection("tous", None), synthetic=True)
    assert france.lecture.startswith(
        "pendant la fermeture, en France, les utilisateurs ont fait 2,0 fois plus de visites"
    )
    lines = [s for s in france.figure.layout.shapes if s.type == "line"]
    assert any(s.line.dash == "dash" for s in lines)  # the France line


def test_ratio_below_one_and_unknown_calendars() -> None:
    table = ratio_table(a09=0.7, a43=None)
    card = cards.ratio_card(table, LILLE, synthetic=True)
    assert "30\u202f% de visites en moins par jour de classe" in card.lecture
    assert "Sans rapport (calendrier des vacances incomplet)" in card.champ
    assert "Mayotte" in card.champ
    assert list(card.figure.data[0].y) == ["Lille"]  # no bar for Mayotte
    mayotte = cards.ratio_card(table, cards.parse_selection(None, "academie-43"), synthetic=True)
    assert "n'est pas entièrement connu" in mayotte.lecture
    assert "aucun jour de vacances n'est inventé" in mayotte.lecture


# --------------------------------------------------------- (3) desynchronisation -----


def test_desync_card_before_and_during() -> None:
    rows = pl.DataFrame(
        {
            "profil": ["élève", "élève"],
            "periode": ["avant", "fermeture"],
            "evenements": [1000, 3000],
            "part_soir": [0.240, 0.289],
            "part_nuit": [0.031, 0.098],
            "part_weekend": [0.090, 0.147],
        },
        schema=_DESYNC_TYPES,
    )
    card = cards.desync_card(rows, LILLE, synthetic=True)
    assert card.lecture == (
        f"pendant la fermeture, 28,9{N}% des requêtes des élèves de l'académie de Lille ont eu "
        f"lieu le soir (19{N}h-22{N}h), contre 24,0{N}% avant la fermeture{NBSP}; 14,7{N}% le "
        f"week-end, contre 9,0{N}%."
    )
    assert [t.name for t in card.figure.data] == list(cards.PERIOD_LABELS.values())
    assert list(card.figure.data[1].text) == [f"28,9{N}%", f"9,8{N}%", f"14,7{N}%"]
    assert card.figure.layout.barmode == "group"
    empty = cards.desync_card(rows.clear(), LILLE, synthetic=True)
    assert empty.lecture.startswith("aucune requête des élèves de l'académie de Lille")


# ------------------------------------------------------------------------ (4) ITS -----


def test_its_effects_and_sentence() -> None:
    effects = cards.its_effects(its_table(1.03, 0.46, 1.83))
    closure = cards.level_effect(effects, dt.date(2020, 3, 16))
    assert closure is not None
    assert (closure.value, closure.interval) == (f"+103{N}%", f"[+46{N}%{NBSP}; +183{N}%]")
    assert closure.significant and closure.p_value == f"p{NBSP}<{NBSP}0,001"
    slope = next(e for e in effects if e.kind == "pente")
    assert slope.value == f"+0,2{N}% par jour" and not slope.significant
    assert cards.effect_sentence(closure, LILLE) == (
        f"au 16 mars 2020, les visites des élèves de l'académie de Lille ont augmenté de "
        f"103{N}% par rapport à la tendance d'avant, prolongée, à jour de la semaine et vacances "
        f"comparables (intervalle de confiance à 95{N}%{NBSP}: de +46{N}% à +183{N}%)."
    )
    drop = cards.level_effect(cards.its_effects(its_table(-0.2, -0.4, 0.05)), dt.date(2020, 3, 16))
    assert drop is not None and not drop.significant
    sentence = cards.effect_sentence(drop, cards.parse_selection("tous", None))
    assert sentence.startswith(
        "au 16 mars 2020, en France, les visites des utilisateurs ont baissé"
    )
    assert "n'est pas significatif" in sentence


def test_its_card_draws_the_counterfactual_after_the_closure_only() -> None:
    days = pl.date_range(dt.date(2020, 1, 1), dt.date(2020, 7, 31), "1d", eager=True)
    fitted = pl.DataFrame(
        {
            "jour": days,
            "observed": [float(i % 7) for i in range(days.len())],
            "fitted": [3.0] * days.len(),
            "counterfactual": [2.0] * days.len(),
            "vacances": [0.0] * days.len(),
        }
    )
    card = cards.its_card(fitted, its_table(1.03, 0.46, 1.83), LILLE, synthetic=True)
    names = [t.name for t in card.figure.data]
    assert names == ["Observé", "Ajusté par le modèle", "Contrefactuel (sans fermeture)"]
    counterfactual = card.figure.data[2].y
    first = (dt.date(2020, 3, 16) - dt.date(2020, 1, 1)).days
    assert all(v is None for v in counterfactual[:first])
    assert counterfactual[first] == 2.0
    assert card.lecture.startswith("au 16 mars 2020, les visites des élèves")
    assert f"Au 11 mai 2020{NBSP}: -10{N}%" in card.lecture
    assert "Newey–West" in card.champ
    assert card.data.columns[:4] == ["jour", "territoire", "profil", "visites_observees"]


# ------------------------------------------------------------------ (5) incidents -----


def test_incidents_keep_the_territory_projects_with_enough_requests() -> None:
    saturation = pl.DataFrame(
        {
            "projet_ent": ["ENT A", "ENT B", "ENT C", None],
            "evenements_jour": [400, 100, 10, 50],
            "part_5xx_jour": [0.26, 0.30, 0.5, 0.1],
            "part_5xx_reference": [0.002, 0.001, 0.0, 0.0],
            "ecart_points": [25.8, 29.9, 50.0, 10.0],
            "ratio": [130.0, 300.0, None, None],
        },
        schema=polars_types(SaturationSchema),
    )
    projects = pl.DataFrame(
        {
            "code_academie": ["09", "09", "20"],
            "code_region_academique": ["32", "32", "32"],
            "projet_ent": ["ENT A", "ENT C", "ENT B"],
            "etablissements": [10, 2, 5],
        },
        schema=polars_types(ProjetsSchema),
    )
    card = cards.incidents_card(saturation, projects, LILLE, synthetic=True)
    assert list(card.figure.data[0].y) == ["ENT A"]  # ENT C: too few requests on 16 March
    assert card.data["projet_ent"].to_list() == ["ENT C", "ENT A"]  # the CSV keeps it
    assert card.lecture == (
        f"le 16 mars 2020, 26,0{N}% des requêtes adressées à l'ENT «{NBSP}ENT A{NBSP}» ont échoué "
        f"sur une erreur du serveur (5xx), contre 0,2{N}% du 6 janvier au 28 février."
    )
    france = cards.incidents_card(saturation, projects, cards.parse_selection(), synthetic=True)
    assert list(france.figure.data[0].y) == ["ENT B", "ENT A"]
    assert "tous les projets ENT" in france.subtitle


# ---------------------------------------------------------- registry, on built tables -----

#: Tests on the data generated and built by ``generated_data_dir`` (seconds, once a session).
on_generated_data = pytest.mark.integration


@pytest.fixture(scope="module")
def tables(generated_data_dir: Path) -> Tables:
    return Tables(generated_data_dir / "processed")


def test_views_parse_to_themselves() -> None:
    assert cards.parse_view({}) == cards.parse_view(cards.VIEWS[0])
    assert cards.VIEWS[0] == {"profil": "eleve", "territoire": "france"}
    for view in cards.VIEWS:
        assert cards.view_of(cards.parse_view(view)) == view
    assert list(cards.CARDS) == list(cards.CARD_KEYS)
    assert cards.CARD_KEYS == ("chronologie", "cned", "rapport", "horaires", "its", "incidents")


@on_generated_data
def test_build_card_as_a_notebook_calls_it(tables: Tables) -> None:
    card = build_card("usages.rapport", {"profil": "eleve"}, tables)
    assert card.title.endswith(f"{NBSP}: élèves")
    assert card.synthetic and "(synthétiques)" in card.source
    assert card.data.height == 30
    with pytest.raises(CardNotFoundError, match=r"usages\.rapport"):
        build_card("usages.inconnue", {}, tables)


@on_generated_data
def test_its_tables_say_why_a_model_is_missing(
    generated_data_dir: Path, tmp_path: Path, tables: Tables
) -> None:
    its, fitted = cards.its_tables(LILLE, tables)
    assert "territoire" not in its.columns and "profil" not in fitted.columns
    assert its["rupture"].n_unique() == 2
    # a build that could not fit Lille's pupils: the reason it left is the error
    folder = tmp_path / "processed"
    shutil.copytree(generated_data_dir / "processed", folder)
    lille = (pl.col("territoire") == "academie-09") & (pl.col("profil") == "eleve")
    path = folder / "indicateurs" / "usages_its.parquet"
    pl.read_parquet(path).filter(~lille).write_parquet(path)
    absents = folder / "indicateurs" / "usages_its_absents.parquet"
    reason = pl.DataFrame(
        {"territoire": ["academie-09"], "profil": ["eleve"], "raison": ["série trop courte"]}
    )
    pl.concat([pl.read_parquet(absents), reason], how="vertical_relaxed").write_parquet(absents)
    with pytest.raises(ValueError, match="série trop courte"):
        cards.its_tables(LILLE, Tables(folder, synthetic=True))


@on_generated_data
def test_timeline_counts_are_exact_at_every_level(tables: Tables) -> None:
    daily, regions = tables.table("usages_quotidien"), tables.table("usages_regions")
    national = tables.table("usages_national")
    hdf = cards.parse_selection("tous", "region-32")
    rows = cards.timeline_rows(daily, regions, national, hdf)
    assert rows["jour"].is_sorted() and rows["jour"].n_unique() == rows.height
    lille = cards.timeline_rows(
        daily, regions, national, cards.parse_selection("tous", "academie-09")
    )
    amiens = cards.timeline_rows(
        daily, regions, national, cards.parse_selection("tous", "academie-20")
    )
    # visits add up across académies; distinct users of the région never exceed the sum
    assert rows["visites"].to_list() == (lille["visites"] + amiens["visites"]).to_list()
    assert (rows["utilisateurs"] <= lille["utilisateurs"] + amiens["utilisateurs"]).all()
    # profiles add up (a pseudonym has one profile)
    by_profile = sum(
        cards.timeline_rows(daily, regions, national, cards.parse_selection(p.slug, "region-32"))[
            "utilisateurs"
        ]
        for p in PROFILES
        if p.value
    )
    assert rows["utilisateurs"].to_list() == by_profile.to_list()  # type: ignore[union-attr]
