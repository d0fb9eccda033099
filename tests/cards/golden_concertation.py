"""Golden routing of the « concertation » cards and data (see golden_support)."""

from __future__ import annotations

from collections.abc import Callable

from dashboards import data_access
from egn_analytics.cards import concertation
from egn_analytics.viz import ChartCard
from tests.cards.golden_common import Built
from tests.cards.golden_common import synthetic as _synthetic


def _concertation_card(
    builder: Callable[..., ChartCard],
) -> Callable[[dict[str, str]], Built]:
    def _build(view: dict[str, str]) -> Built:
        selection = concertation.parse_view(view)
        texts = data_access.text_corpus().texts
        return builder(texts, selection, synthetic=_synthetic())

    return _build


def _concertation_specificities(view: dict[str, str]) -> Built:
    selection = concertation.parse_view(view)
    table = data_access.text_specificities(selection.parts, sources=selection.sources)
    return concertation.specificity_rows(table, selection)


def _concertation_key_figures(view: dict[str, str]) -> Built:
    selection = concertation.parse_view(view)
    corpus = data_access.text_corpus()
    shown = concertation.filter_texts(corpus.texts, selection)
    return concertation.key_figures(
        shown, corpus.texts.height, corpus.evaluation, corpus.n_examples
    )


BUILDERS: dict[str, Callable[[dict[str, str]], Built]] = {
    "concertation.themes": _concertation_card(concertation.theme_source_card),
    "concertation.propositions": _concertation_card(concertation.propositions_card),
    "concertation.couverture": _concertation_card(concertation.coverage_card),
    "concertation.specificites": _concertation_specificities,
    "concertation.chiffres": _concertation_key_figures,
}
