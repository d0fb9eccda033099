"""How the golden tests obtain each card: the ONE place that knows where cards are built.

Each key names what a dashboard page shows (``page.card``); :func:`build` returns it for a
view (the page's URL parameters, as a dict) on a data folder. Today everything routes through
``dashboards.data_access`` (configured on the folder) and the ``dashboards.*_logic`` /
``dashboards.catalogue`` builders, exactly as the pages call them; when the builders move to
``egn_analytics.cards`` only the routing modules ``golden_<domain>.py`` change, and the goldens prove nothing else did.

Besides chart cards, a few keys pin what the pages show as data (specificity rows, key
figures, the gap verdict): they return a DataFrame or dataclasses, serialised alike.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dashboards import data_access
from tests.cards import golden_concertation, golden_donnees, golden_enquetes, golden_usages
from tests.cards.golden_common import Built

#: Views per key: the default view first ({}: no URL parameter), then one to three others.
_USAGE_VIEWS: list[dict[str, str]] = [
    {},
    {"profil": "enseignant"},
    {"territoire": "region-53"},
    {"profil": "parent", "territoire": "academie-09"},
]
_CONCERTATION_VIEWS: list[dict[str, str]] = [
    {},
    {"theme": "3"},
    {"source": "retex,synthese"},
    {"region": "11"},
]
_ENQUETES_VIEWS: list[dict[str, str]] = [
    {},
    {"indicateur": "eleves_sans_ordinateur", "ventilation": "milieu_social"},
    {"indicateur": "chefs_pret_materiel", "ventilation": "region_academique"},
]

VIEWS: dict[str, list[dict[str, str]]] = {
    "usages.chronologie": _USAGE_VIEWS,
    # The CNED series is national and for every profile: the selection is ignored.
    "usages.cned": [{}],
    "usages.rapport": _USAGE_VIEWS,
    "usages.horaires": _USAGE_VIEWS,
    "usages.its": _USAGE_VIEWS,
    "usages.incidents": _USAGE_VIEWS,
    "concertation.themes": _CONCERTATION_VIEWS,
    "concertation.propositions": _CONCERTATION_VIEWS,
    "concertation.couverture": _CONCERTATION_VIEWS,
    "concertation.specificites": [
        {},
        {"region": "11"},
        {"parties": "sources", "theme": "2"},
        {"source": "retex", "parties": "regions"},
    ],
    "concertation.chiffres": [{}, {"theme": "3"}, {"region": "11", "source": "retex"}],
    "enquetes.estimations": [
        *_ENQUETES_VIEWS,
        {"indicateur": "eleves_ordinateur", "ventilation": "ep", "domaine": "1"},
    ],
    "enquetes.ecart": _ENQUETES_VIEWS,
    "donnees.tailles": [{}, {"famille": "ent"}, {"famille": "enquetes"}],
    "donnees.chiffres": [{}],
}


_BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    **golden_usages.BUILDERS,
    **golden_concertation.BUILDERS,
    **golden_enquetes.BUILDERS,
    **golden_donnees.BUILDERS,
}


def build(key: str, view: dict[str, str], data_dir: Path) -> Built:
    """What the page shows under ``key`` for ``view`` (its URL parameters) on ``data_dir``."""
    data_access.configure(data_dir)
    return _BUILDERS[key](dict(view))


def view_slug(view: dict[str, str]) -> str:
    """File-name part of a view: ``defaut``, or ``profil-eleve_territoire-region-53``."""
    if not view:
        return "defaut"
    parts = (f"{name}-{value}" for name, value in sorted(view.items()))
    return "_".join("".join(c if c.isalnum() or c == "-" else "-" for c in p) for p in parts)


def cases() -> list[tuple[str, dict[str, str]]]:
    """Every (key, view) pinned by a golden file."""
    assert set(VIEWS) == set(_BUILDERS), "every key needs views and a builder"
    return [(key, view) for key, views in VIEWS.items() for view in views]
