"""Cards: every chart the product shows, built by the library from the indicator tables.

A card (:class:`egn_analytics.viz.ChartCard`) is a figure with its title, *Lecture*, *Champ*,
*Source* and data. The pages lay cards out, the notebooks display them, the briefing notes
paste them: all three call :func:`build_card` with a *view* (the filters, as the page's URL
says them: ``{"profil": "eleve", "territoire": "academie-09"}``) and get the same card.

One module per domain (``usages``, ``concertation``, ``enquetes``, ``donnees``) declares
``parse_view(view) -> selection`` and ``CARDS: dict[key, builder(selection, tables)]``, and
``VIEWS``, the views a note or a snapshot test shows by default (the first is the page's).
The builders read only indicator tables written by ``egn build`` (:class:`Tables`).
"""

from egn_analytics.cards._registry import (
    DOMAINS,
    CardNotFoundError,
    Tables,
    build_card,
    card_keys,
    default_views,
    domain,
)

__all__ = [
    "DOMAINS",
    "CardNotFoundError",
    "Tables",
    "build_card",
    "card_keys",
    "default_views",
    "domain",
]
