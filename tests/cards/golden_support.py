"""How the golden tests obtain each card: the ONE place that knows where cards are built.

Each key names what a dashboard page shows (``page.card``); :func:`build` returns it for a
view (the page's URL parameters, as a dict) on a data folder. Today everything routes through
``dashboards.data_access`` (configured on the folder) and the ``dashboards.*_logic`` /
``dashboards.catalogue`` builders, exactly as the pages call them; when the builders move to
``egn_analytics.cards`` only this file changes, and the goldens prove nothing else did.

Besides chart cards, a few keys pin what the pages show as data (specificity rows, key
figures, the gap verdict): they return a DataFrame or dataclasses, serialised alike.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import polars as pl

from dashboards import catalogue, data_access
from dashboards import concertation_logic as concertation
from dashboards import enquetes_logic as enquetes
from dashboards import usages_logic as usages
from egn_analytics.viz import ChartCard

#: What a key gives: a chart card, a table of rows, or dataclasses (key figures, a verdict).
Built = ChartCard | pl.DataFrame | object

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


def _search(view: dict[str, str]) -> str:
    """The URL search string of a view (``""`` for the default view)."""
    return "?" + urlencode(view) if view else ""


def _synthetic() -> bool:
    return data_access.synthetic_notice(data_access.raw_dir()) is not None


# ------------------------------------------------------------------------ usages ----------


def _academies(selection: usages.Selection) -> tuple[str, ...]:
    """As the page: no académie filter for France (the national figures are used)."""
    return () if selection.territory.kind == "france" else selection.territory.academies


def _usage_timeline(view: dict[str, str]) -> Built:
    selection = usages.selection_from_search(_search(view))
    rows = usages.timeline_rows(
        data_access.usage_daily(),
        data_access.usage_regions(),
        data_access.usage_national(),
        selection,
    )
    return usages.timeline_card(rows, selection, synthetic=_synthetic())


def _usage_cned(_view: dict[str, str]) -> Built:
    return usages.cned_card(data_access.usage_cned(), synthetic=_synthetic())


def _usage_ratio(view: dict[str, str]) -> Built:
    selection = usages.selection_from_search(_search(view))
    ratio = data_access.usage_closure_ratio(selection.profile.value)
    return usages.ratio_card(ratio, selection, synthetic=_synthetic())


def _usage_desync(view: dict[str, str]) -> Built:
    selection = usages.selection_from_search(_search(view))
    rows = data_access.usage_desynchronisation(_academies(selection), selection.profile.value)
    return usages.desync_card(rows, selection, synthetic=_synthetic())


def _usage_its(view: dict[str, str]) -> Built:
    selection = usages.selection_from_search(_search(view))
    where, profile = _academies(selection), selection.profile.value
    fitted = data_access.usage_its_fitted(where, profile)
    its = data_access.usage_its(where, profile)
    return usages.its_card(fitted, its, selection, synthetic=_synthetic())


def _usage_incidents(view: dict[str, str]) -> Built:
    selection = usages.selection_from_search(_search(view))
    return usages.incidents_card(
        data_access.usage_saturation(),
        data_access.usage_projects(),
        selection,
        synthetic=_synthetic(),
    )


# ------------------------------------------------------------------- concertation ----------


def _concertation_card(
    builder: Callable[..., ChartCard],
) -> Callable[[dict[str, str]], Built]:
    def _build(view: dict[str, str]) -> Built:
        selection = concertation.selection_from_search(_search(view))
        texts = data_access.text_corpus().texts
        return builder(texts, selection, synthetic=_synthetic())

    return _build


def _concertation_specificities(view: dict[str, str]) -> Built:
    selection = concertation.selection_from_search(_search(view))
    table = data_access.text_specificities(selection.parts, sources=selection.sources)
    return concertation.specificity_rows(table, selection)


def _concertation_key_figures(view: dict[str, str]) -> Built:
    selection = concertation.selection_from_search(_search(view))
    corpus = data_access.text_corpus()
    shown = concertation.filter_texts(corpus.texts, selection)
    return concertation.key_figures(
        shown, corpus.texts.height, corpus.evaluation, corpus.n_examples
    )


# ------------------------------------------------------------------------ enquetes ----------


def _survey_estimates(view: dict[str, str]) -> Built:
    table = data_access.indicator_table()
    selection = enquetes.selection_from_search(table, _search(view))
    return enquetes.estimates_card(table, selection, synthetic=_synthetic())


def _survey_gap(view: dict[str, str]) -> Built:
    """The verdict the gap panel shows for the breakdown's default pair (as the page)."""
    table = data_access.indicator_table()
    selection = enquetes.selection_from_search(table, _search(view))
    rows = enquetes.domain_rows(table, selection)
    units = table.filter(pl.col("indicator") == selection.indicator).get_column("unit")
    unit = units[0] if units.len() else None
    a, b = enquetes.default_gap_pair(rows, selection.breakdown)
    pair = enquetes.gap_pair(rows, a, b)
    if isinstance(pair, enquetes.GapSummary):
        return pair
    code_a, code_b = pair
    statuses = dict(zip(rows["domain_code"], rows["status"], strict=True))
    if enquetes.MASKED in (statuses.get(code_a), statuses.get(code_b)):
        return enquetes.gap_summary(
            {"a": code_a, "b": code_b, "status": enquetes.MASKED}, rows, unit
        )
    gap = data_access.indicator_gap(selection.indicator, selection.breakdown, code_a, code_b)
    if gap.height == 0:
        raise AssertionError(f"no gap computed for {view}")
    return enquetes.gap_summary(gap.row(0, named=True), rows, unit)


# ------------------------------------------------------------------------- donnees ----------


def _catalogue_sizes(view: dict[str, str]) -> Built:
    manifest = data_access.load_manifest(data_access.raw_dir())
    family = catalogue.parse_family(view.get("famille"), manifest.files)
    return catalogue.sizes_card(manifest, family)


def _catalogue_key_figures(_view: dict[str, str]) -> Built:
    manifest = data_access.load_manifest(data_access.raw_dir())
    return catalogue.key_figures(manifest.files)


_BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    "usages.chronologie": _usage_timeline,
    "usages.cned": _usage_cned,
    "usages.rapport": _usage_ratio,
    "usages.horaires": _usage_desync,
    "usages.its": _usage_its,
    "usages.incidents": _usage_incidents,
    "concertation.themes": _concertation_card(concertation.theme_source_card),
    "concertation.propositions": _concertation_card(concertation.propositions_card),
    "concertation.couverture": _concertation_card(concertation.coverage_card),
    "concertation.specificites": _concertation_specificities,
    "concertation.chiffres": _concertation_key_figures,
    "enquetes.estimations": _survey_estimates,
    "enquetes.ecart": _survey_gap,
    "donnees.tailles": _catalogue_sizes,
    "donnees.chiffres": _catalogue_key_figures,
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
