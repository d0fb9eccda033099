"""Chart card layout: the figure with its title, notes, data and image downloads.

It renders :class:`egn_analytics.viz.ChartCard` (the same object the briefing-note export
uses), so what is read on screen and what is pasted in a note carry the same texts. The two
download buttons are wired by the page that owns the card (it knows how to rebuild the card
from the URL's filters; only ids travel, never the data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dash import Input, Output, State, callback, dcc, html, no_update

from dashboards import ids
from dashboards.catalogue import export_filename
from dashboards.components.layout import button, status
from dashboards.components.notices import synthetic_notice
from egn_analytics.viz import (
    ChartCard,
    RenderUnavailableError,
    csv_bytes,
    graph_config,
    png_bytes,
)
from egn_analytics.viz.card import SYNTHETIC_NOTE
from egn_analytics.viz.formats import NBSP


def _note(label: str, text: str) -> html.P:
    return html.P([html.Strong(f"{label}{NBSP}: "), text], className="egn-card__note")


def chart_card(card: ChartCard, card_id: str) -> html.Section:
    """Layout of ``card``; ids derived from ``card_id`` with :func:`dashboards.ids.card_ids`."""
    card_ids = ids.card_ids(card_id)
    heading_id = f"{card_id}-titre"
    notes = [
        _note("Lecture", card.lecture),
        _note("Champ", card.champ),
        _note("Source", card.source),
    ]
    if card.synthetic:
        notes.append(synthetic_notice(SYNTHETIC_NOTE))
    return html.Section(
        [
            html.H2(card.title, id=heading_id, className="egn-card__title"),
            html.P(card.subtitle, className="egn-card__subtitle"),
            dcc.Graph(
                id=card_ids.graph,
                figure=card.figure,
                config=graph_config(filename=card_id),  # type: ignore[arg-type]
                className="egn-card__graph",
            ),
            html.Div(notes, className="egn-card__notes"),
            html.Div(
                [
                    button("Télécharger les données (CSV)", card_ids.data_button),
                    button("Télécharger l'image (PNG)", card_ids.png_button),
                    dcc.Download(id=card_ids.data_download),
                    dcc.Download(id=card_ids.png_download),
                ],
                className="egn-card__actions",
            ),
            status(card_ids.status),
        ],
        id=card_ids.card,
        className="egn-card",
        **{"aria-labelledby": heading_id},  # type: ignore[arg-type]
    )


PNG_UNAVAILABLE = (
    "L'image n'a pas pu être produite : l'export PNG a besoin de Chromium "
    "(sous Debian : apt-get install chromium). Les données restent téléchargeables en CSV."
)


def csv_download(card: ChartCard, filename: str) -> dict[str, object]:
    """``dcc.Download`` data of a card's data as CSV for Excel FR."""
    return dcc.send_bytes(csv_bytes(card.data), filename)


def png_download(card: ChartCard, filename: str) -> tuple[object, str]:
    """(``dcc.Download`` data, status message) of a card's publication PNG.

    Without Chromium the download is left unchanged and the message says why, in French;
    the CSV button still works.
    """
    try:
        image = png_bytes(card)
    except RenderUnavailableError:
        return no_update, PNG_UNAVAILABLE
    return dcc.send_bytes(image, filename), ""


@dataclass(frozen=True)
class CardDownloads:
    """The CSV and PNG downloads of a page's chart cards, as plain functions of (key, view).

    Why one class: every page with several cards reads the view's selection, builds the card
    and names the file the same way; only how a card is built and named differs. ``data`` and
    ``image`` stay plain functions that tests call directly; :meth:`register` wires them.
    """

    build: Callable[[str, Any], ChartCard]  # (card key, selection) → card
    selection_of: Callable[[str | None], Any]  # the view's state → selection
    stem: Callable[[str, Any], str]  # (card key, selection) → file name stem
    #: Errors that mean the view's data cannot be read any more (tables gone under a page):
    #: no download then, and the PNG status says why in French.
    unavailable: tuple[type[Exception], ...] = ()

    def _card(self, key: str, view: str | None) -> tuple[ChartCard, str]:
        selection = self.selection_of(view)
        return self.build(key, selection), self.stem(key, selection)

    def data(self, key: str, view: str | None) -> object:
        """The data of card ``key`` for the view's selection, as CSV for Excel FR."""
        try:
            card, stem = self._card(key, view)
        except self.unavailable:
            return no_update
        return csv_download(card, export_filename(stem, None, card.synthetic, "csv"))

    def image(self, key: str, view: str | None) -> tuple[object, str]:
        """Card ``key`` as a publication PNG; a French message without Chromium."""
        try:
            card, stem = self._card(key, view)
        except self.unavailable as exc:
            return no_update, f"L'image n'a pas pu être produite : {exc}."
        return png_download(card, export_filename(stem, None, card.synthetic, "png"))

    def register(self, cards: Mapping[str, str], state: State) -> None:
        """The callbacks of every card (see :func:`register_card_downloads`)."""
        register_card_downloads(cards, state, self.data, self.image)


def register_card_downloads(
    cards: Mapping[str, str],
    state: State,
    data: Callable[[str, str | None], object],
    image: Callable[[str, str | None], tuple[object, str]],
) -> None:
    """Register the CSV and PNG download callbacks of every card of a page.

    Why one function: each page with several chart cards needs, per card, two callbacks that
    read the view's selection (``state``: the URL's search or a store) and call the page's own
    ``data(key, state)`` / ``image(key, state)``, which stay plain functions tested directly.
    ``cards`` maps a card's key to its id (:func:`dashboards.ids.card_ids`).
    """
    register: Callable[..., Callable[..., object]] = callback
    for key, card_id in cards.items():
        parts = ids.card_ids(card_id)

        def csv_callback(_n: int | None, view: str | None, key: str = key) -> object:
            return data(key, view)

        def png_callback(_n: int | None, view: str | None, key: str = key) -> tuple[object, str]:
            return image(key, view)

        register(
            Output(parts.data_download, "data"),
            Input(parts.data_button, "n_clicks"),
            state,
            prevent_initial_call=True,
        )(csv_callback)
        register(
            Output(parts.png_download, "data"),
            Output(parts.status, "children"),
            Input(parts.png_button, "n_clicks"),
            state,
            prevent_initial_call=True,
        )(png_callback)
