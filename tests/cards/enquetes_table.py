"""A small handmade survey indicator table (published, fragile and masked cells), shared by
the library's card tests (tests/cards/test_enquetes.py) and the page's tests
(tests/dashboards/test_enquetes.py): the columns of ``compute_catalogue``.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from egn_analytics.indicators import OUTPUT_SCHEMA
from egn_analytics.viz.formats import NNBSP

N = NNBSP

ORDI = "eleves_ordinateur_perso"
HEURES = "enseignants_heures_semaine"
INTERNET = "parents_sans_internet"
CHAMP = "Élèves de collège et de lycée, public et privé sous contrat, France, 2020."
SOURCE = "DEPP, enquête sur la continuité pédagogique 2020, élèves du second degré."

_INDICATORS = {
    ORDI: ("Élèves disposant d'un ordinateur personnel", "equipement", "eleves_2d", "%"),
    HEURES: ("Heures travaillées par semaine", "continuite", "enseignants", "heures"),
    INTERNET: ("Foyers sans connexion internet", "equipement", "parents_2d", "%"),
}
_BREAKDOWNS = {
    "ensemble": "Ensemble",
    "ep": "Éducation prioritaire",
    "sexe": "Sexe",
    "academie": "Académie",
    "secteur": "Secteur",
    "milieu_social": "Milieu social",
}


def _row(
    indicator: str,
    breakdown: str,
    code: str,
    domain: str,
    estimate: float | None,
    se: float | None,
    n: int,
    status: str,
    lecture: str | None = None,
) -> dict[str, Any]:
    label, theme, population, unit = _INDICATORS[indicator]
    known = estimate is not None and se is not None
    return {
        "indicator": indicator,
        "label": label,
        "theme": theme,
        "population": population,
        "unit": unit,
        "breakdown": breakdown,
        "breakdown_label": _BREAKDOWNS[breakdown],
        "domain_code": code,
        "domain": domain,
        "estimate": estimate,
        "se": se,
        "ci_lower": estimate - 1.96 * se if known else None,  # type: ignore[operator]
        "ci_upper": estimate + 1.96 * se if known else None,  # type: ignore[operator]
        "n": n,
        "cv": se / estimate if known else None,  # type: ignore[operator]
        "status": status,
        "champ": CHAMP,
        "source": SOURCE,
        "lecture": lecture,
    }


def lecture_of(value: str, who: str = "") -> str:
    return f"en 2020, {value} des élèves du second degré{who} disposent d'un ordinateur personnel."


ROWS = [
    # indicator « ordinateur » (equipement, %): ensemble, ep (fragile + masked), sexe, académie
    _row(ORDI, "ensemble", "ensemble", "Ensemble", 0.42, 0.005, 24124, "published",
         lecture_of(f"42,0{N}%")),
    _row(ORDI, "ep", "1", "REP+", 0.094, 0.025, 151, "fragile",
         lecture_of(f"9,4{N}%", " en REP+")),
    _row(ORDI, "ep", "2", "REP", None, None, 12, "masked"),
    _row(ORDI, "ep", "3", "Hors éducation prioritaire", 0.444, 0.006, 20583, "published",
         lecture_of(f"44,4{N}%", " hors éducation prioritaire")),
    _row(ORDI, "sexe", "1", "Fille", 0.40, 0.007, 12000, "published", lecture_of(f"40,0{N}%")),
    _row(ORDI, "sexe", "2", "Garçon", 0.44, 0.007, 12124, "published", lecture_of(f"44,0{N}%")),
    _row(ORDI, "academie", "01", "Paris", 0.50, 0.02, 900, "published", lecture_of(f"50,0{N}%")),
    _row(ORDI, "academie", "02", "Aix-Marseille", 0.41, 0.02, 800, "published",
         lecture_of(f"41,0{N}%")),
    _row(ORDI, "academie", "43", "Mayotte", None, None, 9, "masked"),
    # indicator « heures » (continuite, heures): no « ep » breakdown
    _row(HEURES, "ensemble", "ensemble", "Ensemble", 35.2, 0.3, 15000, "published",
         "en 2020, les enseignants ont travaillé 35,2 heures par semaine."),
    _row(HEURES, "secteur", "1", "Public", 35.0, 0.3, 12000, "published", "public : 35,0 h."),
    _row(HEURES, "secteur", "2", "Privé sous contrat", 36.1, 0.5, 3000, "published", "privé."),
    # indicator « internet » (equipement, %): every domain of its breakdown masked
    _row(INTERNET, "ensemble", "ensemble", "Ensemble", 0.05, 0.004, 21000, "published",
         f"en 2020, 5,0{N}% des foyers n'ont pas de connexion internet."),
    _row(INTERNET, "milieu_social", "1", "Très favorisé", None, None, 20, "masked"),
    _row(INTERNET, "milieu_social", "4", "Défavorisé", None, None, 25, "masked"),
]  # fmt: skip
TABLE = pl.DataFrame(ROWS, schema=OUTPUT_SCHEMA)

#: What the masked « REP » cell would have been: must never be printed anywhere.
SECRET = {"estimate": 0.6789, "se": 0.0234, "ci_lower": 0.6330, "ci_upper": 0.7248, "cv": 0.0345}
SECRET_TEXTS = ("67,9", "0.6789", "0,6789", "67.89", "63,3", "72,5", "0.0234", "0,0234")


def leaky_table() -> pl.DataFrame:
    """TABLE whose masked REP row still carries values (a buggy library): they must not leak."""
    masked_rep = (pl.col("indicator") == ORDI) & (pl.col("domain_code") == "2")
    return TABLE.with_columns(
        *(pl.when(masked_rep).then(pl.lit(v)).otherwise(pl.col(c)).alias(c) for c, v in SECRET.items()),
        pl.when(masked_rep)
        .then(pl.lit(f"en 2020, 67,9{N}% des élèves en REP disposent d'un ordinateur."))
        .otherwise(pl.col("lecture"))
        .alias("lecture"),
    )  # fmt: skip
