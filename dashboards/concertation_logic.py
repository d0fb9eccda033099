"""What only the « Concertation et RETEX » page needs: its URL codec, its pickers' options and
the Dash components of its lists and tables.

Why so little here: the selection, the rows, the figures, the cards, the key figures, the
sentences and the search itself are the library's (:mod:`egn_analytics.cards.concertation`),
so that notebooks and notes show the same. What stays needs :mod:`dash` or the URL: the query
string of a view (``?source=retex,synthese&region=53&theme=3&q=ordinateur&proposition=18``, so
that a view can be bookmarked), a click on the propositions chart, the dropdown options, and
the excerpts (with their ``<mark>``), result lists and specificity table built from the
library's rows, so the highlighting is tested like the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import polars as pl
from dash import html
from dash.development.base_component import Component

from dashboards.components.layout import column_heads, grouped_body
from dashboards.formatting import search_params
from egn_analytics.cards import concertation as cards
from egn_analytics.text.corpus import SOURCE_LABELS
from egn_analytics.viz import fmt_number
from egn_analytics.viz.formats import NBSP

#: Picker values for « all » (never written to the URL: absent means all).
FRANCE = "france"
ALL_THEMES = "tous"


#: Header of the part column of the specificities table.
PART_HEADS: dict[str, str] = {
    "themes": "Thème",
    "regions": "Région académique",
    "sources": "Source",
}


#: Inline styles of the result lists (the stylesheet is shared by every page): a list scrolls
#: inside its own box, each contribution is a heading line and indented excerpts.
_LIST_STYLE = {
    "maxHeight": "40rem",
    "overflowY": "auto",
    "margin": "0.5rem 0 1rem",
    "padding": "0 1rem 0 2rem",
    "border": "1px solid #E5E5E5",
}
_HEAD_STYLE = {"margin": "0.75rem 0 0.25rem"}
_EXCERPT_STYLE = {
    "margin": "0 0 0.25rem",
    "paddingLeft": "0.75rem",
    "borderLeft": "3px solid #E5E5E5",
}


def selection_view(selection: cards.Selection) -> dict[str, str]:
    """The view of a selection, as the library's cards take it (``{"region": "53"}``): only
    what differs from the default view."""
    params: dict[str, str] = {}
    if selection.sources:
        params[cards.SOURCE_PARAM] = ",".join(selection.sources)
    if selection.region:
        params[cards.REGION_PARAM] = selection.region
    if selection.theme is not None:
        params[cards.THEME_PARAM] = str(selection.theme)
    if selection.query:
        params[cards.QUERY_PARAM] = selection.query
    if selection.proposition is not None:
        params[cards.PROPOSITION_PARAM] = str(selection.proposition)
    if selection.parts != cards.default_parts(selection.region):
        params[cards.PARTS_PARAM] = selection.parts
    return params


def selection_query(selection: cards.Selection) -> str:
    """``"?source=retex%2Csynthese&region=53&theme=3"``: only what differs from the default
    view (``""`` for the default view itself)."""
    params = selection_view(selection)
    return "?" + urlencode(params) if params else ""


def query_params(search_string: str | None) -> dict[str, str]:
    """The page's own parameters of a URL's search string (first value of each)."""
    return search_params(search_string, cards.PARAMS)


def selection_from_search(search_string: str | None) -> cards.Selection:
    """The selection of a URL's search string (the callbacks read it)."""
    return cards.parse_view(query_params(search_string))


def clicked_proposition(click: Mapping[str, Any] | None) -> int | None:
    """The proposition number of a click on the propositions chart (``customdata[0]``)."""
    points = (click or {}).get("points") or []
    custom = points[0].get("customdata") if points else None
    number = custom[0] if isinstance(custom, list | tuple) and custom else None
    if not isinstance(number, int | str):
        return None
    return cards.parse_selection(proposition=number).proposition


# ----------------------------------------------------------------------- options -----


def source_options() -> list[dict[str, str]]:
    """Source picker options, in display order."""
    return [{"label": label, "value": code} for code, label in SOURCE_LABELS.items()]


def region_options() -> list[dict[str, str]]:
    """France, then the 18 régions académiques (French alphabetical order)."""
    return [{"label": "France (toutes les régions)", "value": FRANCE}] + [
        {"label": name, "value": code} for code, name in cards.regions()
    ]


def theme_options() -> list[dict[str, str]]:
    """All themes, then the five themes."""
    return [{"label": "Tous les thèmes", "value": ALL_THEMES}] + [
        {"label": cards.theme_name(n), "value": str(n)} for n in cards.theme_labels()
    ]


def proposition_options() -> list[dict[str, str]]:
    """The 40 propositions, « 18. Garantir un socle numérique… »."""
    return [
        {"label": f"{row['proposition']}. {row['libelle']}", "value": str(row["proposition"])}
        for row in cards.propositions_reference().iter_rows(named=True)
    ]


def part_options() -> list[dict[str, str]]:
    return [{"label": label, "value": key} for key, label in cards.PARTS.items()]


def specificity_table(rows: pl.DataFrame, selection: cards.Selection) -> Component:
    """One table, a body per part (its name spanning its rows): term, score, f, F."""
    if rows.is_empty():
        return html.P(
            "Aucun terme n'est sur-employé (score d'au moins 2) dans les parties choisies.",
            className="egn-section__intro",
        )
    head = column_heads(
        [
            ("", PART_HEADS[selection.parts], ""),
            ("", "Terme", ""),
            ("", "Score de spécificité", "egn-num"),
            ("", "f (dans la partie)", "egn-num"),
            ("", "F (dans le corpus)", "egn-num"),
        ]
    )
    bodies = []
    for (part,), group in rows.group_by("part", maintain_order=True):
        members = list(group.iter_rows(named=True))
        cells = [
            [
                html.Td(cards.term_label(row["term"])),
                html.Td(f"+{fmt_number(row['score'], 1)}", className="egn-num"),
                html.Td(fmt_number(row["f"]), className="egn-num"),
                html.Td(fmt_number(row["F"]), className="egn-num"),
            ]
            for row in members
        ]
        bodies.append(grouped_body(members[0]["partie"], cells, **{"data-part": str(part)}))
    return html.Table([head, *bodies], className="egn-table egn-table--grouped")


def excerpt_children(excerpt: Mapping[str, str]) -> list[Component | str]:
    """An excerpt as the browser shows it: its context, the match in ``<mark>``."""
    children: list[Component | str] = []
    if excerpt.get("avant"):
        children.append(excerpt["avant"])
    children.append(html.Mark(excerpt["match"]))
    if excerpt.get("apres"):
        children.append(excerpt["apres"])
    return children


def review_badge() -> html.Span:
    """« à vérifier »: the classification of this contribution is uncertain."""
    return html.Span(
        "à vérifier",
        className="egn-badge egn-badge--warning",
        title="Classification incertaine : deux thèmes proches, ou aucun thème assez probable",
        style={
            "marginLeft": "0.5rem",
            "padding": "0 0.4rem",
            "border": "1px solid #B34000",
            "borderRadius": "0.25rem",
            "color": "#B34000",
            "fontSize": "0.8125rem",
            "fontWeight": 500,
            "whiteSpace": "nowrap",
        },
    )


def result_list(items: Sequence[Component], label: str) -> html.Div:
    """A numbered list in a box that scrolls (by keyboard too: it is a focusable region)."""
    extra: dict[str, Any] = {"aria-label": label}
    return html.Div(
        html.Ol(list(items), className="egn-concertation__resultats", style={"padding": 0}),
        tabIndex="0",
        role="region",
        style=_LIST_STYLE,
        **extra,
    )


def _result_item(
    row: Mapping[str, Any], tail: str, excerpts: Sequence[list[Component | str] | str]
) -> html.Li:
    """One contribution of a list: its id, facts, ``tail`` and badge, then its excerpts (the
    search results and the drill-down show contributions alike)."""
    head: list[Component | str] = [
        html.Strong(row["id"]),
        f" — {cards.contribution_facts(row['source'], row['region_academique'], row['theme'])}",
        f" — {tail}",
    ]
    if row["a_verifier"]:
        head.append(review_badge())
    return html.Li(
        [
            html.P(head, className="egn-concertation__entete", style=_HEAD_STYLE),
            *(
                html.P(excerpt, className="egn-concertation__extrait", style=_EXCERPT_STYLE)
                for excerpt in excerpts
            ),
        ],
        className="egn-concertation__resultat",
    )


def search_results(outcome: cards.SearchOutcome) -> list[Component]:
    """The summary line, then one item per contribution: id, facts, highlighted excerpts."""
    if outcome.error:
        return [html.P(f"Recherche impossible{NBSP}: {outcome.error}.", role="status")]
    items = [
        _result_item(
            row,
            cards.fmt_count(row["n_occurrences"], "occurrence"),
            [excerpt_children(e) for e in row["extraits"]],
        )
        for row in outcome.rows.iter_rows(named=True)
    ]
    summary = html.P(cards.search_summary(outcome), className="egn-summary", role="status")
    partial = cards.partial_sentence(outcome)
    notes: list[Component] = [summary]
    if partial is not None:
        notes.append(html.P(partial, role="status"))
    if not items:
        return notes
    return [*notes, result_list(items, "Contributions trouvées")]


def drilldown_items(rows: pl.DataFrame, limit: int = cards.SHOWN_CONTRIBUTIONS) -> html.Div:
    """The first ``limit`` contributions: id, facts, score, badge, first 200 characters."""
    items = [
        _result_item(
            row,
            f"score {fmt_number(row['score'], 2)}",
            [cards.shorten(row["texte"], cards.EXCERPT_CHARS)],
        )
        for row in rows.head(limit).iter_rows(named=True)
    ]
    return result_list(items, "Contributions de la proposition")


__all__ = [
    "ALL_THEMES",
    "FRANCE",
    "PART_HEADS",
    "clicked_proposition",
    "drilldown_items",
    "excerpt_children",
    "part_options",
    "proposition_options",
    "query_params",
    "region_options",
    "result_list",
    "review_badge",
    "search_results",
    "selection_from_search",
    "selection_query",
    "selection_view",
    "source_options",
    "specificity_table",
    "theme_options",
]
