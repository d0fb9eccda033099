"""Cards of the « Concertation et RETEX » page: the consultation's contributions, theme by
theme, proposition by proposition, région by région.

Why in the library: the page, the notebooks and the briefing notes show the same cards, key
figures and over-used terms; as plain functions (frames in, frame / figure / card / sentence
out) they are tested on small handmade frames and never need a server. Nothing here reads a
file: the classified contributions, their evaluation and the specificities are indicator
tables written by ``egn build`` (:mod:`egn_analytics.indicators.textes`), read through
:class:`egn_analytics.cards.Tables`.

**Selection.** Sources (several, or all), a région académique (or France), a theme (or all), a
full-text query, a proposition for the drill-down and the partition of the specificities: a
*view* (``{"source": "retex,synthese", "region": "53", "theme": "3"}``, the page's URL
parameters) parses into a :class:`Selection`. An unknown value falls back to its default: a
stale link shows a page, never an error.

**Where each filter applies.** Every figure reads the contributions of the chosen sources,
région and theme, except where a filter would empty the figure of its meaning: the themes chart
ignores the theme (it *is* the distribution of themes), and the coverage matrix keeps its 18
columns (a chosen région is outlined, not isolated) and only reads the sources that have a
territory. Forum proposals and comments have no territory: choosing a région leaves them out.
The specificities are computed once per partition and choice of sources by the build; the
other filters choose which parts are shown. The free-text search runs on demand (a query is
not enumerable): :func:`run_search` here, its Dash rendering in the dashboards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
import polars as pl

from egn_analytics import reference
from egn_analytics.reference import ascii_fold
from egn_analytics.text.corpus import SOURCE_LABELS
from egn_analytics.text.coverage import coverage
from egn_analytics.text.search import DEFAULT_BUDGET_S, MAX_QUERY_CHARS, budgeted_search
from egn_analytics.text.specificities import BANALITY
from egn_analytics.viz import ChartCard, fmt_number, fmt_pct
from egn_analytics.viz.charts import empty_figure
from egn_analytics.viz.formats import MISSING, NBSP, NNBSP, is_missing
from egn_analytics.viz.theme import (
    CATEGORICAL,
    GREY_TEXT,
    ROUGE_MARIANNE,
    SEQUENTIAL,
    template,
)

if TYPE_CHECKING:
    from egn_analytics.cards import Tables

# ------------------------------------------------------------------------- vocabulary -----

#: Parameters of a view (the page's URL query string says the same).
SOURCE_PARAM = "source"
REGION_PARAM = "region"
THEME_PARAM = "theme"
QUERY_PARAM = "q"
PROPOSITION_PARAM = "proposition"
PARTS_PARAM = "parties"
PARAMS = (SOURCE_PARAM, REGION_PARAM, THEME_PARAM, QUERY_PARAM, PROPOSITION_PARAM, PARTS_PARAM)

#: Sources in display order (the library's), and those that have a territory.
SOURCES: tuple[str, ...] = tuple(SOURCE_LABELS)
TERRITORIAL_SOURCES: tuple[str, ...] = ("retex", "questionnaire", "synthese")


#: Partitions of the specificities (URL value → label).
PARTS: dict[str, str] = {
    "themes": "Thèmes",
    "regions": "Régions académiques",
    "sources": "Sources",
}
N_THEMES = 5
N_PROPOSITIONS = 40
#: Longest query kept from the URL: the library's own bound (a longer one would be refused).
MAX_QUERY = MAX_QUERY_CHARS
#: Seconds a search may take before it stops and says its results are partial.
SEARCH_BUDGET_S = DEFAULT_BUDGET_S
#: Search results, drill-down lines and over-used terms per part shown on the page.
SHOWN_RESULTS = 50
SHOWN_CONTRIBUTIONS = 25
TOP_TERMS = 10
#: Characters of a contribution shown in the drill-down.
EXCERPT_CHARS = 200

UNCLASSIFIED = "Non classé"
TRANSVERSE = "Transverse"
#: Colours: one per theme (the product's categorical palette), grey for « non classé ».
THEME_COLOURS: dict[int, str] = {i + 1: CATEGORICAL[i] for i in range(N_THEMES)}
TRANSVERSE_COLOUR = CATEGORICAL[5]
UNCLASSIFIED_COLOUR = "#B8B8B8"
#: Text colour readable on each bar colour (white on the dark ones).
_ON_COLOUR = {
    CATEGORICAL[0]: "#FFFFFF",
    CATEGORICAL[1]: GREY_TEXT,
    CATEGORICAL[2]: GREY_TEXT,
    CATEGORICAL[3]: "#FFFFFF",
    CATEGORICAL[4]: "#FFFFFF",
    UNCLASSIFIED_COLOUR: GREY_TEXT,
}
#: Bars narrower than this share get no label inside (it would not fit).
_MIN_LABELLED_SHARE = 0.06
_BAR_HEIGHT = 22
_SPACES = re.compile(r"\s+")
_ELIDED = re.compile(r"(?<![^\W_])([dlj]|qu)_(?=\w)")
_LONG_NUMBER = re.compile(r"(?<![\d,])\d{4,}(?![\d,])")


@dataclass(frozen=True, slots=True)
class Selection:
    """What the page shows. ``sources`` empty: all of them; ``region`` None: France."""

    sources: tuple[str, ...] = ()
    region: str | None = None
    theme: int | None = None
    query: str = ""
    proposition: int | None = None
    parts: str = "themes"


def default_parts(region: str | None) -> str:
    """Specificities by theme, or by région académique when a région is chosen (that région
    against the others)."""
    return "regions" if region else "themes"


def _plain(text: object) -> str:
    return ascii_fold(text).strip().casefold()


@lru_cache(maxsize=1)
def regions() -> tuple[tuple[str, str], ...]:
    """(code, name) of the 18 régions académiques, in French alphabetical order."""
    table = reference.regions_academiques()
    pairs = table.select("code_region_academique", "region_academique").iter_rows()
    return tuple(sorted(pairs, key=lambda pair: _plain(pair[1])))


def region_names() -> dict[str, str]:
    """Région académique code → name."""
    return dict(regions())


@lru_cache(maxsize=1)
def theme_labels() -> dict[int, str]:
    """Theme number → short label (« Égal accès et fracture numérique »)."""
    table = reference.themes().select("theme", "libelle_court")
    return {int(n): str(label) for n, label in table.iter_rows()}


def theme_name(theme: int | None) -> str:
    """« 3. Égal accès et fracture numérique », « Non classé » for None."""
    if theme is None:
        return UNCLASSIFIED
    return f"{theme}. {theme_labels().get(theme, MISSING)}"


def _split_sources(source: object) -> list[str]:
    if isinstance(source, str):
        return source.split(",")
    if isinstance(source, list | tuple):
        return [str(s) for s in source]
    return []


def parse_selection(
    source: object = None,
    region: object = None,
    theme: object = None,
    q: object = None,
    proposition: object = None,
    parties: object = None,
) -> Selection:
    """The selection a URL (or the pickers) asks for, every unknown value dropped.

    ``source``: comma-separated source codes or a list (all five, or none, mean all);
    ``region``: a région académique code (``france``: none); ``theme``: 1-5; ``q``: the query
    (blanks collapsed, cut at :data:`MAX_QUERY` characters); ``proposition``: 1-40;
    ``parties``: a key of :data:`PARTS` (default: :func:`default_parts`).
    """
    wanted = {_plain(s) for s in _split_sources(source)}
    sources = tuple(s for s in SOURCES if s in wanted)
    if len(sources) == len(SOURCES):
        sources = ()
    code = str(region).strip() if isinstance(region, str) else ""
    region_code = code if code in region_names() else None
    query = _SPACES.sub(" ", str(q)).strip()[:MAX_QUERY].strip() if isinstance(q, str) else ""
    parts = _plain(parties)
    return Selection(
        sources=sources,
        region=region_code,
        theme=_number(theme, N_THEMES),
        query=query,
        proposition=_number(proposition, N_PROPOSITIONS),
        parts=parts if parts in PARTS else default_parts(region_code),
    )


def _number(value: object, top: int) -> int | None:
    """An integer 1..top from a URL value (« 3 », 3), else None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if 1 <= number <= top else None


def parse_view(view: Mapping[str, object]) -> Selection:
    """The selection of a view: the page's URL parameters as a dict (``{"region": "53"}``),
    other keys ignored, missing or unknown values at their defaults."""
    return parse_selection(**{name: view.get(name) for name in PARAMS})


def with_proposition(selection: Selection, proposition: int | None) -> Selection:
    """The same view with another proposition in the drill-down (None: none)."""
    return replace(selection, proposition=proposition)


# -------------------------------------------------------------------- formatting -----


def fmt_count(n: int, one: str, many: str | None = None) -> str:
    """« 1 contribution », « 0 contribution », « 1 234 contributions » (singular below 2)."""
    return f"{fmt_number(n)} {one if n < 2 else (many or one + 's')}"


def french_numbers(text: str) -> str:
    """Long integers of a sentence grouped the French way (« 5944 exemples » → « 5 944 »)."""
    return _LONG_NUMBER.sub(lambda m: fmt_number(int(m.group())), text)


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary before ``limit`` characters, « … » added."""
    flat = _SPACES.sub(" ", text or "").strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–") + "…"


def source_label(code: str) -> str:
    return SOURCE_LABELS.get(code, code)


def scope_text(selection: Selection) -> str:
    """« France entière » or « région académique Bretagne », then the sources when chosen."""
    where = (
        f"région académique {region_names()[selection.region]}"
        if selection.region
        else "France entière"
    )
    if selection.sources:
        return f"{where}, {', '.join(source_label(s) for s in selection.sources)}"
    return where


def source_text(synthetic: bool) -> str:
    """« Consultation des États généraux du numérique … ; classification EGN Analytics. »"""
    tag = " (synthétiques)" if synthetic else ""
    return (
        "Consultation des États généraux du numérique pour l'éducation, 2020 (RETEX des "
        f"académies, questionnaire en ligne, forum, synthèses){tag}{NBSP}; classification "
        "automatique et calculs EGN Analytics."
    )


def _champ(selection: Selection, n: int, *, theme: bool = True) -> str:
    """Who is counted: the contributions of the filters (said in words)."""
    parts = [
        f"{fmt_count(n, 'contribution')} à la consultation des États généraux du numérique "
        f"pour l'éducation (2020), {scope_text(selection)}"
    ]
    if theme and selection.theme is not None:
        parts.append(f"thème principal «{NBSP}{theme_labels()[selection.theme]}{NBSP}»")
    if selection.region:
        parts.append("les propositions et commentaires du forum, sans territoire, n'y sont pas")
    text = f"{NBSP}; ".join(parts)
    return (
        f"{text}. Thème et propositions attribués par la classification automatique (une "
        "contribution peut évoquer plusieurs propositions)."
    )


# --------------------------------------------------------------------- filtering -----


def filter_texts(
    texts: pl.DataFrame,
    selection: Selection,
    *,
    sources: bool = True,
    region: bool = True,
    theme: bool = True,
) -> pl.DataFrame:
    """The contributions of the selection (each filter can be left out)."""
    out = texts
    if sources and selection.sources:
        out = out.filter(pl.col("source").cast(pl.String).is_in(list(selection.sources)))
    if region and selection.region:
        out = out.filter(pl.col("code_region_academique") == selection.region)
    if theme and selection.theme is not None:
        out = out.filter(pl.col("theme") == selection.theme)
    return out


def territorial_texts(texts: pl.DataFrame, selection: Selection) -> pl.DataFrame:
    """The contributions that have a région académique, of the chosen sources (among RETEX,
    questionnaire and syntheses) and theme, every région kept (the coverage matrix)."""
    chosen = [s for s in (selection.sources or SOURCES) if s in TERRITORIAL_SOURCES]
    return filter_texts(texts, selection, sources=False, region=False).filter(
        pl.col("source").cast(pl.String).is_in(chosen),
        pl.col("code_region_academique").is_not_null(),
    )


def region_returns(texts: pl.DataFrame, selection: Selection) -> pl.DataFrame:
    """The returns of the régions académiques (syntheses with a région), whatever the filters.

    Why apart: the EGN counted « proposition 18 : 12 régions académiques sur 18 » on what each
    région sent back after its territorial meetings, not on the volume of individual
    contributions, where almost every proposition reaches the 18 régions. A return covers many
    propositions, so its main theme does not filter it either.
    """
    return filter_texts(texts, selection, sources=False, region=False, theme=False).filter(
        pl.col("source").cast(pl.String) == "synthese",
        pl.col("code_region_academique").is_not_null(),
    )


# ------------------------------------------------------------------- key figures -----


@dataclass(frozen=True, slots=True)
class KeyFigure:
    """One tile: what, how much, and a line of detail."""

    label: str
    value: str
    detail: str
    muted: bool = False


#: Methods of the evaluation table (``egn_analytics.text.evaluation``).
SEED_ONLY = "amorce seule"
LEARNT = "amorce + exemples"


def _evaluation_row(evaluation: pl.DataFrame | None, method: str) -> dict[str, Any] | None:
    if evaluation is None or evaluation.is_empty():
        return None
    rows = evaluation.filter(pl.col("methode") == method)
    return rows.row(0, named=True) if rows.height else None


def quality_text(evaluation: pl.DataFrame | None, n_examples: int) -> str | None:
    """« F1 macro thèmes 0,90 sur 2 527 textes tenus à l'écart » for the method in use (the
    learnt one when there are examples), None when nothing was measured."""
    row = _evaluation_row(evaluation, LEARNT if n_examples else SEED_ONLY)
    if row is None or is_missing(row["f1_macro_themes"]):
        return None
    return (
        f"F1 macro thèmes {fmt_number(row['f1_macro_themes'], 2)} sur "
        f"{fmt_count(int(row['textes']), 'texte tenu', 'textes tenus')} à l'écart"
    )


#: Why the learnt score must be read with care on the embedded corpus.
SYNTHETIC_CAVEAT = (
    f" Les textes synthétiques réutilisent des gabarits{NBSP}: le score avec exemples y est "
    "optimiste, celui de l'amorce seule est le plus proche de ce qu'on attend sur des textes "
    "réels."
)


def method_sentence(
    method: str, evaluation: pl.DataFrame | None, n_examples: int, *, synthetic: bool = False
) -> str:
    """« Classification : <the library's method> : F1 macro thèmes 0,99, propositions 0,98
    (amorce seule : thèmes 0,90). » plus :data:`SYNTHETIC_CAVEAT` on synthetic data."""
    text = f"Classification{NBSP}: {french_numbers(method.strip().rstrip('.'))}"
    row = _evaluation_row(evaluation, LEARNT if n_examples else SEED_ONLY)
    if row is None or is_missing(row["f1_macro_themes"]):
        return f"{text}. Qualité non mesurée (pas de fichier de textes étiquetés)."
    text += (
        f"{NBSP}: F1 macro thèmes {fmt_number(row['f1_macro_themes'], 2)}, propositions "
        f"{fmt_number(row['f1_macro_propositions'], 2)}"
    )
    seed = _evaluation_row(evaluation, SEED_ONLY) if n_examples else None
    if seed is not None:
        text += f" (amorce seule{NBSP}: thèmes {fmt_number(seed['f1_macro_themes'], 2)})"
    return text + "." + (SYNTHETIC_CAVEAT if synthetic and n_examples else "")


def key_figures(
    shown: pl.DataFrame, total: int, evaluation: pl.DataFrame | None, n_examples: int
) -> list[KeyFigure]:
    """Contributions shown, share classified, share « à vérifier », measured quality."""
    n = shown.height
    classified = int(shown.get_column("theme").is_not_null().sum())
    review = int(shown.get_column("a_verifier").sum())
    share = (lambda k: fmt_pct(k / n, 1)) if n else (lambda _k: MISSING)
    row = _evaluation_row(evaluation, LEARNT if n_examples else SEED_ONLY)
    if row is None or is_missing(row["f1_macro_themes"]):
        quality = KeyFigure(
            "Qualité de la classification",
            MISSING,
            "non mesurée : pas de fichier de textes étiquetés",
            muted=True,
        )
    else:
        quality = KeyFigure(
            "Qualité de la classification",
            fmt_number(row["f1_macro_themes"], 2),
            f"{quality_text(evaluation, n_examples)}{NBSP}; propositions{NBSP}: "
            f"{fmt_number(row['f1_macro_propositions'], 2)}",
        )
    return [
        KeyFigure(
            "Contributions retenues",
            fmt_number(n),
            f"sur {fmt_number(total)} au total" if n != total else "toutes les contributions",
        ),
        KeyFigure(
            "Classées dans un thème",
            share(classified),
            f"{fmt_count(n - classified, 'contribution non classée', 'contributions non classées')}",
        ),
        KeyFigure(
            "À vérifier",
            share(review),
            f"{fmt_count(review, 'contribution')} dont le thème est incertain (deux thèmes "
            "proches) ou absent",
        ),
        quality,
    ]


# ------------------------------------------------------------ (3) themes by source -----


def theme_source_rows(texts: pl.DataFrame) -> pl.DataFrame:
    """Per source present × theme (1-5, then « non classé »): contributions and share of the
    source, zeros included. Columns: source, source_libelle, theme, theme_libelle,
    contributions, total_source, part."""
    counts = texts.group_by(pl.col("source").cast(pl.String), "theme").agg(
        pl.len().cast(pl.Int64).alias("contributions")
    )
    present = [s for s in SOURCES if s in set(counts.get_column("source").to_list())]
    grid = pl.DataFrame(
        {
            "source": [s for s in present for _ in range(N_THEMES + 1)],
            "theme": [t for _ in present for t in [*range(1, N_THEMES + 1), None]],
        },
        schema={"source": pl.String, "theme": pl.Int8},
    )
    rows = (
        grid.join(counts, on=["source", "theme"], how="left", nulls_equal=True)
        .with_columns(pl.col("contributions").fill_null(0))
        .with_columns(pl.col("contributions").sum().over("source").alias("total_source"))
    )
    return rows.select(
        "source",
        pl.col("source")
        .replace_strict(SOURCE_LABELS, return_dtype=pl.String)
        .alias("source_libelle"),
        "theme",
        pl.col("theme")
        .map_elements(theme_name, return_dtype=pl.String, skip_nulls=False)
        .alias("theme_libelle"),
        "contributions",
        "total_source",
        (pl.col("contributions") / pl.col("total_source")).alias("part"),
    )


def theme_source_figure(rows: pl.DataFrame) -> go.Figure:
    """Horizontal stacked bars: one per source, the shares of its themes (grey: non classé)."""
    if rows.is_empty():
        return empty_figure("Aucune contribution ne correspond aux filtres")
    sources = list(dict.fromkeys(rows.get_column("source_libelle").to_list()))
    fig = go.Figure()
    for theme in [*range(1, N_THEMES + 1), None]:
        part = rows.filter(pl.col("theme").is_null() if theme is None else pl.col("theme") == theme)
        colour = UNCLASSIFIED_COLOUR if theme is None else THEME_COLOURS[theme]
        shares = part.get_column("part").to_list()
        pcts = [fmt_pct(v, 1) for v in shares]
        counts = [fmt_count(n, "contribution") for n in part.get_column("contributions")]
        fig.add_trace(
            go.Bar(
                x=[v * 100 for v in shares],
                y=part.get_column("source_libelle").to_list(),
                orientation="h",
                name=theme_name(theme),
                marker={"color": colour},
                text=[
                    p if v >= _MIN_LABELLED_SHARE else "" for p, v in zip(pcts, shares, strict=True)
                ],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": _ON_COLOUR[colour], "size": 12},
                customdata=list(zip(pcts, counts, strict=True)),
                hovertemplate=f"%{{y}}<br>{theme_name(theme)}{NBSP}: %{{customdata[0]}} "
                "(%{customdata[1]})<extra></extra>",
            )
        )
    fig.update_layout(
        template=template(),
        barmode="stack",
        height=150 + 56 * len(sources),
        margin={"t": 70, "r": 24},
        legend={"traceorder": "normal"},
        xaxis={
            "range": [0, 100],
            "ticksuffix": f"{NNBSP}%",
            "title": {"text": "Part des contributions de la source"},
            "showgrid": True,
        },
        yaxis={
            "categoryorder": "array",
            "categoryarray": sources,
            "autorange": "reversed",
            "showgrid": False,
        },
    )
    return fig


def theme_source_card(texts: pl.DataFrame, selection: Selection, *, synthetic: bool) -> ChartCard:
    """Card (3): the themes of the contributions, source by source (the theme filter is not
    applied: this chart is the distribution of themes)."""
    shown = filter_texts(texts, selection, theme=False)
    rows = theme_source_rows(shown)
    if rows.is_empty():
        lecture = "aucune contribution ne correspond aux filtres choisis."
    else:
        biggest = rows.sort(["total_source", "source"], descending=[True, False])["source"][0]
        top = (
            rows.filter(pl.col("source") == biggest, pl.col("theme").is_not_null())
            .sort(["contributions", "theme"], descending=[True, False])
            .row(0, named=True)
        )
        lecture = (
            f"{fmt_pct(top['part'], 1)} des {fmt_count(top['total_source'], 'contribution')} "
            f"«{NBSP}{top['source_libelle']}{NBSP}» relèvent du thème «{NBSP}"
            f"{theme_labels()[top['theme']]}{NBSP}», le plus fréquent pour cette source."
        )
    subtitle = (
        "Part des contributions de chaque source selon leur thème principal, attribué par la "
        f"classification automatique. Gris{NBSP}: non classé (aucun thème assez probable)."
    )
    if selection.theme is not None:
        subtitle += " Le filtre de thème ne s'applique pas à ce graphique."
    data = rows.select(
        pl.col("source_libelle").alias("source"),
        pl.col("theme_libelle").alias("theme"),
        "contributions",
        pl.col("total_source").alias("contributions_source"),
        pl.col("part").alias("part_source"),
    )
    return ChartCard(
        figure=theme_source_figure(rows),
        title=f"Thèmes des contributions, par source{NBSP}: {scope_text(selection)}",
        subtitle=subtitle,
        lecture=lecture,
        champ=_champ(selection, shown.height, theme=False),
        source=source_text(synthetic),
        data=data,
        synthetic=synthetic,
    )


# -------------------------------------------------------------- (4) propositions -----


@lru_cache(maxsize=1)
def propositions_reference() -> pl.DataFrame:
    """The 40 propositions: number, label, theme (null: transverse), group label and colour."""
    table = reference.propositions()
    rows = []
    for row in table.iter_rows(named=True):
        theme = row["theme"]
        rows.append(
            {
                "proposition": int(row["numero"]),
                "libelle": str(row["libelle"]),
                "theme": None if theme is None else int(theme),
                "groupe": TRANSVERSE if theme is None else theme_name(int(theme)),
                "couleur": TRANSVERSE_COLOUR if theme is None else THEME_COLOURS[int(theme)],
            }
        )
    schema = {
        "proposition": pl.Int64,
        "libelle": pl.String,
        "theme": pl.Int8,
        "groupe": pl.String,
        "couleur": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).sort("proposition")


def proposition_label(number: int) -> str:
    """The label of proposition ``number``."""
    found = propositions_reference().filter(pl.col("proposition") == number)
    return str(found["libelle"][0]) if found.height else MISSING


def _exploded(texts: pl.DataFrame) -> pl.DataFrame:
    """(id, proposition) pairs of the contributions, once each."""
    return (
        texts.select("id", pl.col("propositions").alias("proposition"))
        .explode("proposition")
        .drop_nulls("proposition")
        .with_columns(pl.col("proposition").cast(pl.Int64))
        .unique(["id", "proposition"], maintain_order=True)
    )


def proposition_rows(texts: pl.DataFrame) -> pl.DataFrame:
    """The 40 propositions with the contributions that evoke each (multi-label) and their share
    of the contributions. Columns: proposition, libelle, theme, groupe, couleur,
    contributions, part."""
    counts = (
        _exploded(texts).group_by("proposition").agg(pl.len().cast(pl.Int64).alias("contributions"))
    )
    total = texts.height
    return (
        propositions_reference()
        .join(counts, on="proposition", how="left")
        .with_columns(pl.col("contributions").fill_null(0))
        .with_columns(
            (pl.col("contributions") / total if total else pl.lit(None, pl.Float64)).alias("part")
        )
        .sort("proposition")
    )


def _bar_label(number: int, label: str, limit: int = 56) -> str:
    return f"{number}. {shorten(label, limit)}"


def propositions_figure(rows: pl.DataFrame, selected: int | None = None) -> go.Figure:
    """Horizontal bars, one per proposition (1 at the top), coloured by theme; the selected
    one stands out. ``customdata[0]`` is the number (a click selects it)."""
    labels = [_bar_label(n, lab) for n, lab in rows.select("proposition", "libelle").iter_rows()]
    rows = rows.with_columns(pl.Series("etiquette", labels, dtype=pl.String))
    fig = go.Figure()
    groups = list(dict.fromkeys(propositions_reference().get_column("groupe").to_list()))
    for group in groups:
        part = rows.filter(pl.col("groupe") == group)
        if part.is_empty():
            continue
        numbers = part.get_column("proposition").to_list()
        counts = part.get_column("contributions").to_list()
        opacity = [1.0 if selected is None or n == selected else 0.35 for n in numbers]
        fig.add_trace(
            go.Bar(
                x=counts,
                y=part.get_column("etiquette").to_list(),
                orientation="h",
                name=group,
                marker={
                    "color": part.get_column("couleur")[0],
                    "opacity": opacity,
                    "line": {
                        "color": [GREY_TEXT if n == selected else "rgba(0,0,0,0)" for n in numbers],
                        "width": 2,
                    },
                },
                text=[fmt_number(c) for c in counts],
                textposition="outside",
                cliponaxis=False,
                customdata=[
                    [n, lab, fmt_count(c, "contribution"), fmt_pct(p, 1)]
                    for n, lab, c, p in zip(
                        numbers,
                        part.get_column("libelle").to_list(),
                        counts,
                        part.get_column("part").to_list(),
                        strict=True,
                    )
                ],
                hovertemplate=f"Proposition %{{customdata[0]}}{NBSP}: %{{customdata[1]}}<br>"
                "%{customdata[2]} (%{customdata[3]})<extra></extra>",
            )
        )
    top = max([*rows.get_column("contributions").to_list(), 1])
    fig.update_layout(
        template=template(),
        height=140 + _BAR_HEIGHT * rows.height,
        margin={"t": 70, "r": 40},
        bargap=0.25,
        clickmode="event",
        xaxis={
            "range": [0, top * 1.12],
            "title": {"text": "Contributions qui évoquent la proposition"},
            "showgrid": True,
            "tickformat": ",d",
        },
        yaxis={
            "categoryorder": "array",
            "categoryarray": labels,
            "autorange": "reversed",
            "showgrid": False,
            "tickfont": {"size": 11},
        },
    )
    return fig


def propositions_card(texts: pl.DataFrame, selection: Selection, *, synthetic: bool) -> ChartCard:
    """Card (4): the 40 propositions, how many contributions of the filters evoke each."""
    shown = filter_texts(texts, selection)
    rows = proposition_rows(shown)
    if shown.is_empty():
        figure = empty_figure("Aucune contribution ne correspond aux filtres")
        lecture = "aucune contribution ne correspond aux filtres choisis."
    else:
        figure = propositions_figure(rows, selection.proposition)
        top = rows.sort(["contributions", "proposition"], descending=[True, False]).row(
            0, named=True
        )
        lecture = (
            f"la proposition {top['proposition']} «{NBSP}{top['libelle']}{NBSP}» est évoquée "
            f"par {fmt_count(top['contributions'], 'contribution')}, soit "
            f"{fmt_pct(top['part'], 1)} des contributions retenues{NBSP}: c'est la plus citée."
        )
        if selection.proposition is not None and selection.proposition != top["proposition"]:
            chosen = rows.filter(pl.col("proposition") == selection.proposition).row(0, named=True)
            lecture += (
                f" La proposition {chosen['proposition']}, choisie, l'est par "
                f"{fmt_count(chosen['contributions'], 'contribution')}."
            )
    data = rows.select(
        "proposition",
        "libelle",
        pl.col("groupe").alias("theme"),
        "contributions",
        pl.col("part").alias("part_des_contributions"),
    )
    return ChartCard(
        figure=figure,
        title=f"Les 40 propositions dans les contributions{NBSP}: {scope_text(selection)}",
        subtitle="Nombre de contributions classées dans chaque proposition (une contribution "
        f"peut en évoquer plusieurs). Couleur{NBSP}: thème de la proposition. Cliquez sur une "
        "barre pour lire les contributions de la proposition.",
        lecture=lecture,
        champ=_champ(selection, shown.height),
        source=source_text(synthetic),
        data=data,
        synthetic=synthetic,
    )


# ------------------------------------------------------------------ (5) coverage -----


def coverage_summary(territorial: pl.DataFrame) -> pl.DataFrame:
    """Per proposition, the régions that raise it (:func:`egn_analytics.text.coverage`)."""
    return coverage(territorial)


def coverage_matrix(territorial: pl.DataFrame) -> pl.DataFrame:
    """40 propositions × 18 régions académiques, contributions of each pair (zeros included).

    Columns: proposition, libelle, code_region_academique, region_academique, contributions;
    propositions in order, régions in French alphabetical order.
    """
    counts = (
        _exploded(territorial)
        .join(territorial.select("id", "code_region_academique"), on="id", how="left")
        .group_by("proposition", "code_region_academique")
        .agg(pl.len().cast(pl.Int64).alias("contributions"))
    )
    region_table = pl.DataFrame(
        {
            "code_region_academique": [code for code, _ in regions()],
            "region_academique": [name for _, name in regions()],
            "_ordre": list(range(len(regions()))),
        }
    )
    props = propositions_reference().select("proposition", "libelle")
    return (
        props.join(region_table, how="cross")
        .join(counts, on=["proposition", "code_region_academique"], how="left")
        .with_columns(pl.col("contributions").fill_null(0))
        .sort("proposition", "_ordre")
        .drop("_ordre")
    )


def coverage_figure(
    matrix: pl.DataFrame, summary: pl.DataFrame, highlight: str | None = None
) -> go.Figure:
    """Heatmap: a row per proposition (« 18. Garantir un socle… (12/18) »), a column per
    région académique, the contributions in each cell; ``highlight`` (a région code) outlined."""
    names = [name for _, name in regions()]
    codes = [code for code, _ in regions()]
    reached = dict(summary.select("proposition", "regions").iter_rows())
    total = len(codes)
    props = propositions_reference()
    labels = [
        f"{_bar_label(n, lab, 38)} ({reached.get(n, 0)}/{total})"
        for n, lab in props.select("proposition", "libelle").iter_rows()
    ]
    z = [
        matrix.filter(pl.col("proposition") == n).get_column("contributions").to_list()
        for n in props.get_column("proposition")
    ]
    custom = [
        [[name, f"{n}. {lab}", f"{reached.get(n, 0)}/{total}"] for name in names]
        for n, lab in props.select("proposition", "libelle").iter_rows()
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=names,
            y=labels,
            colorscale=[list(stop) for stop in SEQUENTIAL],
            zmin=0,
            xgap=1,
            ygap=1,
            text=[[str(v) if v else "" for v in row] for row in z],
            texttemplate="%{text}",
            textfont={"size": 10},
            customdata=custom,
            colorbar={"title": {"text": "Contributions"}, "thickness": 12, "len": 0.5},
            hovertemplate=f"%{{customdata[0]}}<br>Proposition %{{customdata[1]}}<br>"
            f"%{{z}} contribution(s){NBSP}; proposition présente dans %{{customdata[2]}} "
            "régions<extra></extra>",
        )
    )
    if highlight in codes:
        i = codes.index(highlight)
        fig.add_shape(
            type="rect",
            xref="x",
            yref="y",
            x0=i - 0.5,
            x1=i + 0.5,
            y0=-0.5,
            y1=len(labels) - 0.5,
            line={"color": ROUGE_MARIANNE, "width": 2.5},
            fillcolor="rgba(0,0,0,0)",
        )
    fig.update_layout(
        template=template(),
        height=220 + _BAR_HEIGHT * len(labels),
        margin={"t": 24, "r": 24, "b": 16},
        xaxis={"side": "top", "tickangle": -45, "showline": False, "ticks": ""},
        yaxis={"autorange": "reversed", "showgrid": False, "tickfont": {"size": 11}},
    )
    return fig


def coverage_card(texts: pl.DataFrame, selection: Selection, *, synthetic: bool) -> ChartCard:
    """Card (5): which régions académiques raise each proposition, from the contributions
    that have a territory (RETEX, questionnaire, syntheses of the régions)."""
    territorial = territorial_texts(texts, selection)
    matrix = coverage_matrix(territorial)
    summary = coverage_summary(region_returns(texts, selection))
    if territorial.is_empty():
        figure = empty_figure(
            "Aucune contribution avec une région académique ne correspond aux filtres"
        )
        lecture = (
            "aucune contribution des sources choisies n'a de région académique (les "
            "propositions et commentaires du forum n'ont pas de territoire)."
        )
    else:
        figure = coverage_figure(matrix, summary, selection.region)
        lecture = _coverage_lecture(matrix, summary, selection)
    chosen = [s for s in (selection.sources or SOURCES) if s in TERRITORIAL_SOURCES]
    champ = (
        f"{fmt_count(territorial.height, 'contribution')} qui ont une région académique"
        f"{NBSP}: {', '.join(source_label(s) for s in chosen) or 'aucune source'} (les "
        "propositions et commentaires du forum et les contributions des partenaires n'ont pas "
        "de territoire)"
    )
    if selection.theme is not None:
        champ += f", thème principal «{NBSP}{theme_labels()[selection.theme]}{NBSP}»"
    champ += (
        f". Une région «{NBSP}évoque{NBSP}» une proposition (chiffre entre parenthèses) quand "
        "son retour de synthèse (ou un document complémentaire) y est classé, segment par "
        "segment."
    )
    regions_of = dict(summary.select("proposition", "regions").iter_rows())
    data = matrix.with_columns(
        pl.col("proposition")
        .replace_strict(regions_of, default=0, return_dtype=pl.Int64)
        .alias("regions_sur_18")
    )
    subtitle = (
        "Nombre de contributions de chaque région académique classées dans chaque "
        f"proposition{NBSP}; entre parenthèses, le nombre de régions académiques (sur 18) dont "
        "le retour de synthèse évoque la proposition, comme les EGN l'ont compté."
    )
    if selection.region:
        subtitle += f" Encadrée{NBSP}: {region_names()[selection.region]}."
    return ChartCard(
        figure=figure,
        title="Couverture des 40 propositions par les 18 régions académiques",
        subtitle=subtitle,
        lecture=lecture,
        champ=champ,
        source=source_text(synthetic),
        data=data,
        synthetic=synthetic,
    )


def _coverage_lecture(matrix: pl.DataFrame, summary: pl.DataFrame, selection: Selection) -> str:
    if selection.region:
        name = region_names()[selection.region]
        here = matrix.filter(pl.col("code_region_academique") == selection.region)
        raised = here.filter(pl.col("contributions") > 0)
        if raised.is_empty():
            return f"aucune contribution de la région académique {name} ne correspond aux filtres."
        top = raised.sort(["contributions", "proposition"], descending=[True, False]).row(
            0, named=True
        )
        return (
            f"dans la région académique {name}, {raised.height} propositions sur "
            f"{N_PROPOSITIONS} sont évoquées par au moins une contribution{NBSP}; la plus "
            f"fréquente est la proposition {top['proposition']} «{NBSP}{top['libelle']}{NBSP}» "
            f"({fmt_count(top['contributions'], 'contribution')})."
        )
    volume = matrix.group_by("proposition").agg(pl.col("contributions").sum().alias("volume"))
    ranked = summary.join(volume, on="proposition", how="left").sort(
        ["regions", "volume", "proposition"], descending=[True, True, False]
    )
    top = ranked.row(0, named=True)
    return (
        f"la proposition {top['proposition']} «{NBSP}{top['libelle']}{NBSP}» est évoquée dans "
        f"les retours de {top['texte']} et par "
        f"{fmt_count(top['volume'] or 0, 'contribution')} qui ont une région{NBSP}: c'est la "
        "plus répandue sur le territoire."
    )


# --------------------------------------------------------------- (6) specificities -----


def part_labels(parts: str) -> dict[str, str]:
    """Part value (as the specificities write it) → label, in display order."""
    if parts == "regions":
        return dict(regions())
    if parts == "sources":
        return dict(SOURCE_LABELS)
    return {str(n): theme_name(n) for n in theme_labels()}


def shown_parts(selection: Selection) -> list[str]:
    """The parts of the selection's partition to show, in display order: the chosen theme,
    région or sources when the filter matches the partition, else all."""
    every = list(part_labels(selection.parts))
    if selection.parts == "themes" and selection.theme is not None:
        return [str(selection.theme)]
    if selection.parts == "regions" and selection.region:
        return [selection.region]
    if selection.parts == "sources" and selection.sources:
        return [s for s in every if s in selection.sources]
    return every


def specificity_rows(
    specificities: pl.DataFrame, selection: Selection, top: int | None = None
) -> pl.DataFrame:
    """The ``top`` most over-used terms (score ≥ 2, TXM's banality threshold) of each part
    shown (default: :data:`TOP_TERMS`, half as many when more than five parts are shown).
    Columns: part, partie, rang, term, score, f, F; parts in display order."""
    labels = part_labels(selection.parts)
    wanted = shown_parts(selection)
    if top is None:
        top = TOP_TERMS if len(wanted) <= N_THEMES else TOP_TERMS // 2
    order = {part: i for i, part in enumerate(wanted)}
    rows = (
        specificities.filter(pl.col("part").is_in(wanted), pl.col("score") >= BANALITY)
        .with_columns(pl.col("part").replace_strict(order, return_dtype=pl.Int64).alias("_o"))
        .sort(["_o", "score", "term"], descending=[False, True, False])
        .group_by("part", maintain_order=True)
        .head(top)
        .with_columns(
            (pl.int_range(pl.len()).over("part") + 1).cast(pl.Int64).alias("rang"),
            pl.col("part").replace_strict(labels, return_dtype=pl.String).alias("partie"),
        )
    )
    return rows.select("part", "partie", "rang", "term", "score", "f", "F")


def term_label(term: str) -> str:
    """A term as read: a domain expression's underscores become spaces, and an elided
    article its apostrophe (« continuité_d_activité » → « continuité d'activité »)."""
    return _ELIDED.sub(r"\1'", term).replace("_", " ")


def specificity_intro(selection: Selection) -> str:
    """What the table compares, in words."""
    if selection.parts == "regions" and selection.region:
        compared = (
            f"la région académique {region_names()[selection.region]} face aux autres régions "
            "académiques (contributions qui ont un territoire)"
        )
    elif selection.parts == "regions":
        compared = "chaque région académique face aux autres (contributions qui ont un territoire)"
    elif selection.parts == "sources":
        compared = "chaque source face aux autres"
    else:
        compared = "chaque thème face aux autres (contributions classées)"
    return (
        f"Les mots les plus sur-employés par {compared}, dans les contributions des sources "
        "choisies (les autres filtres choisissent les parties montrées). Score de Lafon (modèle "
        f"hypergéométrique, comme Lexico, TXM ou Iramuteq){NBSP}: +3 signifie qu'une fréquence "
        f"aussi élevée avait une chance sur mille d'arriver par hasard{NBSP}; f{NBSP}: "
        f"occurrences dans la partie, F{NBSP}: dans tout le corpus. Termes lemmatisés, mots "
        "outils retirés."
    )


# ------------------------------------------------------------------- (7) search -----


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """A search of the filtered contributions: the total, the best rows, or why none.

    ``texts_read`` of ``texts_total``: the contributions the time budget (``budget_s``) let
    the search read (``total`` counts among those); ``partial``: the budget ran out (see
    :func:`partial_sentence`).
    """

    query: str
    total: int
    rows: pl.DataFrame
    error: str | None = None
    texts_read: int = 0
    texts_total: int = 0
    partial: bool = False
    budget_s: float = SEARCH_BUDGET_S


def run_search(
    texts: pl.DataFrame,
    query: str,
    limit: int = SHOWN_RESULTS,
    budget_s: float = SEARCH_BUDGET_S,
) -> SearchOutcome:
    """Contributions of ``texts`` holding every term of ``query`` (the library's syntax),
    most occurrences first: the total and the ``limit`` best, with their source, région and
    theme. A query the library refuses (no word to look for, too long) gives ``error`` (in
    French); past ``budget_s`` seconds the search stops and the outcome says it is partial.

    Only the ``limit`` shown rows get their excerpts built (the library counts the others),
    so that a common word does not cost the excerpts of thousands of contributions."""
    try:
        found = budgeted_search(
            texts, query, budget_s=budget_s, limit=limit, max_excerpts=3, window=80
        )
    except ValueError as exc:
        return SearchOutcome(query, 0, pl.DataFrame(), str(exc))
    meta = texts.select(
        "id",
        pl.col("source").cast(pl.String),
        "region_academique",
        "theme",
        "a_verifier",
    )
    rows = found.rows.join(meta, on="id", how="left", maintain_order="left")
    return SearchOutcome(
        query,
        found.total,
        rows,
        texts_read=found.texts_read,
        texts_total=found.texts_total,
        partial=found.partial,
        budget_s=budget_s,
    )


def partial_sentence(outcome: SearchOutcome) -> str | None:
    """Why a search's results are partial (« Résultats partiels : … »), None if they are not."""
    if not outcome.partial:
        return None
    seconds = fmt_number(outcome.budget_s, 0 if outcome.budget_s == int(outcome.budget_s) else 1)
    stopped = f"Résultats partiels{NBSP}: la recherche a été arrêtée au bout de {seconds}{NBSP}s"
    if outcome.texts_read < outcome.texts_total:
        read = fmt_number(outcome.texts_read)
        return (
            f"{stopped}, après avoir parcouru {read} contributions sur "
            f"{fmt_number(outcome.texts_total)}{NBSP}; le nombre trouvé ne compte que "
            "celles-là. Réessayez dans un moment, ou resserrez les filtres."
        )
    shown = outcome.rows.height
    only = (
        "seule la première contribution trouvée est montrée"
        if shown < 2
        else f"seules les {fmt_number(shown)} premières contributions trouvées sont montrées"
    )
    return f"{stopped}{NBSP}; {only}. Réessayez dans un moment, ou resserrez les filtres."


def contribution_facts(source: str, region: str | None, theme: int | None) -> str:
    """« RETEX des académies · Bretagne · 3. Égal accès… »: a found contribution's heading."""
    where = region or "sans territoire"
    return f"{source_label(source)} · {where} · {theme_name(theme)}"


def search_summary(outcome: SearchOutcome) -> str:
    """« 1 394 contributions contiennent « ordinateur » ; les 50 premières (les plus
    d'occurrences) : »."""
    query = f"«{NBSP}{outcome.query}{NBSP}»"
    if outcome.total == 0:
        return f"Aucune contribution retenue ne contient {query}."
    verb = "contient" if outcome.total < 2 else "contiennent"
    text = f"{fmt_count(outcome.total, 'contribution')} {verb} {query}"
    if outcome.total > outcome.rows.height:
        return (
            f"{text}{NBSP}; voici les {fmt_number(outcome.rows.height)} qui en contiennent le "
            "plus d'occurrences."
        )
    return f"{text}, par nombre d'occurrences décroissant."


# --------------------------------------------------------------- (8) drill-down -----


def drilldown_rows(texts: pl.DataFrame, proposition: int) -> pl.DataFrame:
    """Contributions classified in ``proposition``, highest score first: id, source,
    région, académie, theme, the proposition's score and rank in the text's list, « à
    vérifier », the text."""
    long = (
        texts.select("id", "propositions", "scores")
        .with_row_index("_row")
        .explode(["propositions", "scores"])
        .with_columns((pl.int_range(pl.len()).over("_row") + 1).cast(pl.Int64).alias("rang"))
        .filter(pl.col("propositions") == proposition)
        .unique("_row", keep="first", maintain_order=True)
        .select("id", pl.col("scores").alias("score"), "rang")
    )
    return (
        texts.select(
            "id",
            pl.col("source").cast(pl.String),
            "code_region_academique",
            "region_academique",
            "academie",
            "theme",
            "a_verifier",
            "texte",
        )
        .join(long, on="id", how="inner", maintain_order="left")
        .sort(["score", "id"], descending=[True, False], nulls_last=True)
    )


def drilldown_csv(rows: pl.DataFrame, proposition: int) -> pl.DataFrame:
    """The drill-down as downloaded: labels instead of codes, the whole text."""
    return rows.select(
        pl.lit(proposition, pl.Int64).alias("proposition"),
        "id",
        pl.col("source").replace_strict(SOURCE_LABELS, return_dtype=pl.String),
        "region_academique",
        "academie",
        pl.col("theme")
        .map_elements(theme_name, return_dtype=pl.String, skip_nulls=False)
        .alias("theme"),
        pl.col("score").alias("score_proposition"),
        pl.col("rang").alias("rang_dans_la_contribution"),
        pl.col("a_verifier").replace_strict({True: "oui", False: "non"}, return_dtype=pl.String),
        "texte",
    )


def drilldown_reach(returns: pl.DataFrame, proposition: int) -> str:
    """« 12 régions académiques sur 18 » for ``proposition`` in the régions' returns
    (:func:`region_returns`, :func:`coverage`)."""
    summary = coverage_summary(returns).filter(pl.col("proposition") == proposition)
    return str(summary["texte"][0]) if summary.height else MISSING


def drilldown_summary(n: int, shown: int) -> str:
    """« 312 contributions correspondent aux filtres ; les 25 de plus haut score : »."""
    if n == 0:
        return "Aucune contribution retenue n'est classée dans cette proposition."
    text = f"{fmt_count(n, 'contribution')} retenue{'s' if n >= 2 else ''} "
    text += "sont classées" if n >= 2 else "est classée"
    text += " dans cette proposition"
    if n > shown:
        return (
            f"{text}{NBSP}; voici les {fmt_number(shown)} de plus haut score (toutes sont dans "
            "le CSV)."
        )
    return f"{text}, par score décroissant."


# ------------------------------------------------------------------------- files -----

#: Card keys, as in the download file names.
CARD_KEYS = ("themes", "propositions", "couverture")  # the keys of :data:`CARDS`


def export_stem(card: str, selection: Selection) -> str:
    """``concertation_propositions_retex-synthese_region-53_theme-3``: what the file holds."""
    parts = [f"concertation_{card}"]
    if selection.sources:
        parts.append("-".join(selection.sources))
    if selection.region:
        parts.append(f"region-{selection.region}")
    if selection.theme is not None:
        parts.append(f"theme-{selection.theme}")
    return "_".join(parts)


# -------------------------------------------------------------- from the indicator tables ---


def contributions(tables: Tables) -> pl.DataFrame:
    """Every classified contribution of the build (``textes_contributions``): the frame the
    builders above filter by sources, région and theme."""
    return tables.table("textes_contributions")


@dataclass(frozen=True, slots=True)
class Classification:
    """How the contributions were classified: the library's French sentence, the labelled
    examples learnt from (0: seed channel only) and the evaluation (None: not measured)."""

    method: str
    n_examples: int
    evaluation: pl.DataFrame | None


def classification(tables: Tables) -> Classification:
    """The classification of the build (``textes_methode`` and ``textes_evaluation``)."""
    row = tables.table("textes_methode").row(0, named=True)
    evaluated = bool(row["evaluated"])
    return Classification(
        method=str(row["method"]),
        n_examples=int(row["n_examples"]),
        evaluation=tables.table("textes_evaluation") if evaluated else None,
    )


def specificities(selection: Selection, tables: Tables) -> pl.DataFrame:
    """Specificity of every term in every part of the selection's partition, on the
    contributions of its sources (``textes_specificites`` of that partition and choice of
    sources, enumeration columns dropped)."""
    from egn_analytics.indicators.textes import sources_value

    return tables.table(
        "textes_specificites", partition=selection.parts, sources=sources_value(selection.sources)
    ).drop("partition", "sources")


def selection_specificities(selection: Selection, tables: Tables) -> pl.DataFrame:
    """The over-used terms the page shows for the selection (:func:`specificity_rows`)."""
    return specificity_rows(specificities(selection, tables), selection)


def selection_key_figures(selection: Selection, tables: Tables) -> list[KeyFigure]:
    """The key figures the page shows for the selection (:func:`key_figures`)."""
    texts = contributions(tables)
    method = classification(tables)
    return key_figures(
        filter_texts(texts, selection), texts.height, method.evaluation, method.n_examples
    )


def _themes(selection: Selection, tables: Tables) -> ChartCard:
    return theme_source_card(contributions(tables), selection, synthetic=tables.synthetic)


def _propositions(selection: Selection, tables: Tables) -> ChartCard:
    return propositions_card(contributions(tables), selection, synthetic=tables.synthetic)


def _coverage(selection: Selection, tables: Tables) -> ChartCard:
    return coverage_card(contributions(tables), selection, synthetic=tables.synthetic)


#: The cards of the page, in its order (key → builder of the selection and the tables). A
#: missing table raises ``IndicatorNotBuiltError`` (French, for the page to show).
CARDS: dict[str, Callable[[Selection, Tables], ChartCard]] = {
    "themes": _themes,
    "propositions": _propositions,
    "couverture": _coverage,
}

#: The views a note or a snapshot shows (the page's default first).
VIEWS: list[dict[str, str]] = [
    {},
    {THEME_PARAM: "3"},
    {SOURCE_PARAM: "retex,synthese"},
    {REGION_PARAM: "11"},
]


__all__ = [
    "CARDS",
    "CARD_KEYS",
    "EXCERPT_CHARS",
    "LEARNT",
    "MAX_QUERY",
    "N_PROPOSITIONS",
    "N_THEMES",
    "PARAMS",
    "PARTS",
    "PARTS_PARAM",
    "PROPOSITION_PARAM",
    "QUERY_PARAM",
    "REGION_PARAM",
    "SEARCH_BUDGET_S",
    "SEED_ONLY",
    "SHOWN_CONTRIBUTIONS",
    "SHOWN_RESULTS",
    "SOURCES",
    "SOURCE_PARAM",
    "SYNTHETIC_CAVEAT",
    "TERRITORIAL_SOURCES",
    "THEME_COLOURS",
    "THEME_PARAM",
    "TOP_TERMS",
    "TRANSVERSE",
    "TRANSVERSE_COLOUR",
    "UNCLASSIFIED",
    "UNCLASSIFIED_COLOUR",
    "VIEWS",
    "Classification",
    "KeyFigure",
    "SearchOutcome",
    "Selection",
    "classification",
    "contribution_facts",
    "contributions",
    "coverage_card",
    "coverage_figure",
    "coverage_matrix",
    "coverage_summary",
    "default_parts",
    "drilldown_csv",
    "drilldown_reach",
    "drilldown_rows",
    "drilldown_summary",
    "export_stem",
    "filter_texts",
    "fmt_count",
    "french_numbers",
    "key_figures",
    "method_sentence",
    "parse_selection",
    "parse_view",
    "part_labels",
    "partial_sentence",
    "proposition_label",
    "proposition_rows",
    "propositions_card",
    "propositions_figure",
    "propositions_reference",
    "quality_text",
    "region_names",
    "region_returns",
    "regions",
    "run_search",
    "scope_text",
    "search_summary",
    "selection_key_figures",
    "selection_specificities",
    "shorten",
    "shown_parts",
    "source_label",
    "source_text",
    "specificities",
    "specificity_intro",
    "specificity_rows",
    "term_label",
    "territorial_texts",
    "theme_labels",
    "theme_name",
    "theme_source_card",
    "theme_source_figure",
    "theme_source_rows",
    "with_proposition",
]
