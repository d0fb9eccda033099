"""The card registry: ``"usages.rapport"`` → the module and builder that make that card.

Why a registry rather than imports: a page, a notebook and a note name a card by its key and
give a view; whoever shows it never needs to know which frames it reads, and a new card is
listed everywhere (note generator, snapshot tests) as soon as its domain declares it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

from egn_analytics.viz import ChartCard

#: The domain modules of :mod:`egn_analytics.cards`, in the order of the product's pages.
DOMAINS = ("enquetes", "usages", "concertation", "donnees")

#: A card builder: the domain's parsed selection and the tables → the card.
Builder = Callable[[Any, "Tables"], ChartCard]


class CardNotFoundError(KeyError):
    """No card of that key (the message lists the known keys)."""

    def __str__(self) -> str:  # KeyError quotes its argument; a sentence reads better
        return str(self.args[0]) if self.args else ""


class Tables:
    """The indicator tables of one build, read by the card builders.

    ``folder`` is a tables folder (``data/processed`` or one of its generations; default: the
    configured one). It is pinned to its current generation once, here, so that every table a
    card (or a page of cards) reads comes from the same build even if another is published
    meanwhile. ``synthetic`` says whether the data are the embedded synthetic ones (the cards
    then carry the « Données synthétiques » note); by default it is read from the
    ``manifest.json`` of the raw folder beside the tables, as the pages' banner reads it.
    """

    def __init__(self, folder: str | Path | None = None, *, synthetic: bool | None = None) -> None:
        from egn_analytics.generations import current_generation, tables_folder

        resolved = tables_folder(folder)
        self.folder = current_generation(resolved) if folder is not None else resolved
        self._synthetic = synthetic

    def table(self, name: str, **equals: object) -> pl.DataFrame:
        """Indicator table ``name`` (``indicateurs/<name>.parquet``), rows where each keyword
        column equals its value; ``IndicatorNotBuiltError`` (French) when it was not built."""
        from egn_analytics.indicators import read_indicator

        return read_indicator(name, self.folder, **equals)

    @cached_property
    def synthetic(self) -> bool:
        if self._synthetic is not None:
            return self._synthetic
        from egn_analytics.sources import raw_dir_of, synthetic_notice

        # The same reading as the pages' banner: a manifest that says nothing counts as
        # synthetic (the product ships synthetic data); no manifest, as the user's own data.
        return synthetic_notice(raw_dir_of(self.folder)) is not None


def domain(name: str) -> ModuleType:
    """The domain module ``name`` of :data:`DOMAINS`."""
    if name not in DOMAINS:
        raise CardNotFoundError(f"domaine de cartes inconnu : {name!r} (connus : {DOMAINS})")
    return importlib.import_module(f"egn_analytics.cards.{name}")


def _split(key: str) -> tuple[ModuleType, str]:
    name, _, card = key.partition(".")
    module = domain(name)
    cards: Mapping[str, Builder] = module.CARDS
    if card not in cards:
        raise CardNotFoundError(
            f"carte inconnue : {key!r} (connues : {', '.join(f'{name}.{k}' for k in cards)})"
        )
    return module, card


def card_keys() -> list[str]:
    """Every card key, ``"<domain>.<card>"``, in page order."""
    return [f"{name}.{card}" for name in DOMAINS for card in domain(name).CARDS]


def default_views(key: str) -> list[dict[str, str]]:
    """The views a note or a snapshot shows of card ``key`` (the first is the page's)."""
    module, _card = _split(key)
    return [dict(view) for view in module.VIEWS]


def build_card(
    key: str, view: Mapping[str, object] | None = None, tables: Tables | None = None
) -> ChartCard:
    """Card ``key`` for ``view`` (the page's URL parameters; missing ones take their
    defaults, unknown values too) from ``tables`` (default: the configured build)."""
    module, card = _split(key)
    selection = module.parse_view(dict(view or {}))
    return module.CARDS[card](selection, tables if tables is not None else Tables())
