"""Cards of the « Équipement et continuité (enquêtes) » page: the DEPP 2020 survey indicators.

What the page, a notebook and a briefing note show of one indicator by one breakdown: the
selection, the rows drawn, the bar chart with its confidence intervals, the card (title,
*Lecture*, *Champ*, *Source*, data), the table's lines and the gap verdict in plain French.
Plain functions (table in, table / figure / card / text out), the same for every reader; the
page (:mod:`dashboards.pages.enquetes`) keeps only its URL codec, its pickers and callbacks.

The registry (:mod:`egn_analytics.cards`) builds the card ``enquetes.estimations`` from the
indicator table ``enquetes_catalogue`` written by ``egn build``; the gap between two arbitrary
domains stays on demand (it needs the microdata: :func:`egn_analytics.indicators.gap`), and
:func:`gap_summary` says it in words.

**Statistical secret.** A masked cell never shows a number, wherever it goes:
:func:`egn_analytics.survey.secret.mask_for_display` blanks every value of a row whose status
is not « published » or « fragile » (even if the indicator library ever left one in), and every
view below is built from its output. The chart draws a grey hatched band labelled « secret
statistique », the table says « masqué », the CSV keeps empty cells with the status « masqué ».

**Units.** Proportions (``unit`` « % ») are stored as fractions 0-1, the product's one
convention; they are multiplied by 100 only to be plotted (axis in percent, ticks written by
:func:`egn_analytics.viz.fmt_number`) and formatted with :func:`egn_analytics.viz.fmt_pct`.
A difference of two proportions is in percentage points (« points »).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import plotly.graph_objects as go
import polars as pl

from egn_analytics.indicators.catalogue import OUTPUT_SCHEMA, resolve_domain
from egn_analytics.reference import ascii_fold
from egn_analytics.survey.secret import (
    FRAGILE,
    MASKED,
    MASKED_LABEL,
    PUBLISHED,
    SECRET_LABEL,
    SHORT_STATUS_LABELS,
    fragile_label,
    mask_for_display,
    status_label,
)
from egn_analytics.viz import ChartCard, bar_chart, fmt_number, fmt_pct
from egn_analytics.viz.formats import MISSING, NBSP, NNBSP, fmt_p_value, is_missing
from egn_analytics.viz.theme import (
    BLEU_FRANCE,
    GREY_AXIS,
    GREY_BACKGROUND,
    GREY_MUTED,
    GREY_TEXT,
)

if TYPE_CHECKING:
    from egn_analytics.cards import Tables

# ------------------------------------------------------------------------- vocabulary -----

#: Themes of the indicators, in display order, with their French labels.
THEME_LABELS: dict[str, str] = {
    "equipement": "Équipement numérique",
    "continuite": "Continuité pédagogique",
}
#: Breakdowns in display order: the whole population first, then the inequalities the EGN
#: asked about (priority education first), then geography (longest lists) last.
BREAKDOWN_ORDER: tuple[str, ...] = (
    "ensemble",
    "ep",
    "milieu_social",
    "densite",
    "secteur",
    "degre",
    "niveau",
    "type_etab",
    "sexe",
    "region_academique",
    "academie",
)
ENSEMBLE = "ensemble"
#: Populations of the surveys (the table's ``population`` codes), for the card's subtitle.
POPULATION_LABELS: dict[str, str] = {
    "eleves_2d": "élèves du second degré",
    "parents_2d": "parents d'élèves du second degré",
    "enseignants": "enseignants",
    "enseignants_1d": "professeurs des écoles",
    "enseignants_2d": "professeurs du second degré",
    "chefs_etablissement": "directeurs d'école et chefs d'établissement",
}
#: Breakdown shown when the URL names none: priority education, the EGN's first question.
DEFAULT_BREAKDOWN = "ep"
PERCENT = "%"
#: Significance level of the gap panel.
ALPHA = 0.05

Status = Literal["published", "fragile", "masked"]


def theme_label(theme: str) -> str:
    """French label of a theme (the code itself for a theme we do not know)."""
    return THEME_LABELS.get(theme, theme)


# --------------------------------------------------------------------- selection ----------


@dataclass(frozen=True, slots=True)
class Selection:
    """What the page shows: an indicator, one of its breakdowns, optionally one domain.

    ``domain`` (a domain code of the breakdown) chooses whose « Lecture » the card prints.
    """

    indicator: str
    breakdown: str
    domain: str | None = None


def indicators(table: pl.DataFrame) -> pl.DataFrame:
    """One row per indicator (``indicator``, ``label``, ``theme``), themes in display order."""
    ranks = {theme: i for i, theme in enumerate(THEME_LABELS)}
    return (
        table.select("indicator", "label", "theme")
        .unique("indicator", keep="first", maintain_order=True)
        .with_columns(
            pl.col("theme")
            .replace_strict(ranks, default=len(ranks), return_dtype=pl.Int64)
            .alias("_rank")
        )
        .sort("_rank", maintain_order=True)
        .drop("_rank")
    )


def breakdowns(table: pl.DataFrame, indicator: str) -> list[tuple[str, str]]:
    """(id, French label) of the breakdowns available for ``indicator``, in display order.

    « Ensemble » is not offered next to real breakdowns (it is drawn as the dashed reference
    line of every chart); it is offered alone when it is all the indicator has.
    """
    found = (
        table.filter(pl.col("indicator") == indicator)
        .select("breakdown", "breakdown_label")
        .unique("breakdown", keep="first", maintain_order=True)
    )
    pairs = [(row["breakdown"], row["breakdown_label"]) for row in found.iter_rows(named=True)]
    ranks = {b: i for i, b in enumerate(BREAKDOWN_ORDER)}
    pairs.sort(key=lambda pair: ranks.get(pair[0], len(ranks)))
    real = [pair for pair in pairs if pair[0] != ENSEMBLE]
    return real or pairs


def parse_selection(
    table: pl.DataFrame,
    indicateur: object = None,
    ventilation: object = None,
    domaine: object = None,
) -> Selection:
    """The selection a URL asks for, every unknown value replaced by its default.

    A stale or hand-edited link must show a chart, not an empty page: an unknown indicator
    falls back to the first one (themes in order), an unknown breakdown to priority education
    (or the indicator's first), an unknown domain to none.
    """
    known = indicators(table).get_column("indicator").to_list()
    if not known:
        raise ValueError("the indicator table is empty")
    indicator = indicateur if isinstance(indicateur, str) and indicateur in known else known[0]
    available = [key for key, _ in breakdowns(table, indicator)]
    if isinstance(ventilation, str) and ventilation in available:
        breakdown = ventilation
    else:
        breakdown = DEFAULT_BREAKDOWN if DEFAULT_BREAKDOWN in available else available[0]
    codes = domain_rows(table, Selection(indicator, breakdown)).get_column("domain_code")
    domain = domaine if isinstance(domaine, str) and domaine in codes.to_list() else None
    return Selection(indicator, breakdown, domain)


# -------------------------------------------------------------------------- rows ----------


def indicator_rows(table: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """All rows of one indicator, masked values blanked."""
    return mask_for_display(table.filter(pl.col("indicator") == indicator))


def domain_rows(table: pl.DataFrame, selection: Selection) -> pl.DataFrame:
    """The rows drawn: one per domain of the selected breakdown, in the library's order.

    The library's order is kept (it knows that « REP+, REP, hors EP » or the social
    backgrounds have a natural order); values of masked rows are blanked.
    """
    return indicator_rows(table, selection.indicator).filter(
        pl.col("breakdown") == selection.breakdown
    )


def ensemble_row(table: pl.DataFrame, indicator: str) -> dict[str, Any] | None:
    """The indicator's « ensemble » row (masked values blanked), if the table has one."""
    rows = indicator_rows(table, indicator).filter(pl.col("breakdown") == ENSEMBLE)
    return rows.row(0, named=True) if rows.height else None


def indicator_unit(table: pl.DataFrame, indicator: str) -> str | None:
    """Unit of ``indicator`` (« % » for proportions), None when the table lacks it."""
    units = table.filter(pl.col("indicator") == indicator).get_column("unit")
    return units[0] if units.len() else None


def _first_text(rows: pl.DataFrame, column: str) -> str | None:
    values = [v for v in rows.get_column(column).to_list() if isinstance(v, str) and v.strip()]
    return values[0] if values else None


# ------------------------------------------------------------------- formatting -----------


def is_percent(unit: str | None) -> bool:
    """Whether values are proportions (fractions 0-1 shown as « 94,2 % »)."""
    return (unit or "").strip() == PERCENT


def is_percent_like(unit: str | None) -> bool:
    """Proportions, or means already in percent (« % des élèves », 0-100): capped at 100,
    and their differences are in points."""
    return (unit or "").strip().startswith(PERCENT)


def population_label(code: str | None) -> str | None:
    """French name of a survey population (a text that is already French is kept)."""
    if not code:
        return None
    return POPULATION_LABELS.get(code) or (code if " " in code else None)


def fmt_value(value: float | None, unit: str | None, decimals: int = 1) -> str:
    """« 8,0 % » for a proportion, « 3,5 heures » otherwise; « n.d. » when missing."""
    if is_missing(value):
        return MISSING
    assert value is not None
    if is_percent(unit):
        return fmt_pct(value, decimals)
    suffix = f"{NNBSP}{unit}" if unit else ""
    return fmt_number(value, decimals) + suffix


def fmt_interval(lower: float | None, upper: float | None, unit: str | None) -> str:
    """« [6,9 % ; 9,1 %] » (French brackets and semicolon), « n.d. » when missing."""
    if is_missing(lower) or is_missing(upper):
        return MISSING
    return f"[{fmt_value(lower, unit)}{NBSP}; {fmt_value(upper, unit)}]"


def fmt_difference(
    value: float | None, unit: str | None, *, signed: bool = True, with_unit: bool = True
) -> str:
    """A difference: « +12,3 points » (percentage points) or « -0,4 heures »."""
    if is_missing(value):
        return MISSING
    assert value is not None
    scaled = value * 100 if is_percent(unit) else value
    text = fmt_number(scaled, 1)
    if signed and text[0].isdigit() and text.strip("0,") != "":
        text = "+" + text
    word = "points" if is_percent_like(unit) else (unit or "")
    return f"{text}{NNBSP}{word}" if word and with_unit else text


# ----------------------------------------------------------------------- figure -----------


def _nice_step(top: float) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) giving four to seven ticks."""
    if top <= 0 or not math.isfinite(top):
        return 1.0
    raw = top / 6
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def value_axis(tops: Sequence[float], percent: bool) -> tuple[list[float], float]:
    """Tick values of the value axis and its top (the last tick).

    Ticks go up to the highest interval bound, rounded up to a round step; a percentage axis
    never goes past 100 %. With nothing to plot (all masked) the axis spans 0-100 % (or 0-1).
    """
    finite = [t for t in tops if t is not None and math.isfinite(t)]
    top = max(finite, default=100.0 if percent else 1.0)
    top = max(top, 1e-9)
    step = _nice_step(top)
    last = math.ceil(round(top / step, 9)) * step
    if percent and top <= 100:
        last = min(last, 100.0)
    ticks = [round(i * step, 10) for i in range(round(last / step) + 1)]
    return ticks, round(last, 10)


def _tick_text(value: float, percent: bool, step: float) -> str:
    decimals = 0 if float(step).is_integer() else (1 if (step * 10).is_integer() else 2)
    text = fmt_number(value, decimals)
    return f"{text}{NNBSP}%" if percent else text


@dataclass(frozen=True, slots=True)
class _Bar:
    """One domain as plotted: values on the axis' scale (percent for proportions), or None."""

    code: str
    domain: str
    status: str
    value: float | None
    lower: float | None
    upper: float | None
    label: str  # printed after the interval
    hover: tuple[str, str, str, str, str]  # code, estimate, interval, respondents, status

    @property
    def end(self) -> float | None:
        """Where the value label goes: after the interval, else after the bar."""
        return self.upper if self.upper is not None else self.value


def _number(value: object) -> float | None:
    """A float, or None for a missing value (None or NaN)."""
    return None if is_missing(value) else float(value)  # type: ignore[arg-type]


def _bars(rows: pl.DataFrame, unit: str | None) -> list[_Bar]:
    """The domains to draw, masked values blanked first (so none can reach the figure)."""
    scale = 100.0 if is_percent(unit) else 1.0
    flag = fragile_label()
    bars = []
    for r in mask_for_display(rows).iter_rows(named=True):
        if r["status"] == MASKED:
            bars.append(
                _Bar(
                    code=r["domain_code"],
                    domain=r["domain"],
                    status=MASKED,
                    value=None,
                    lower=None,
                    upper=None,
                    label=SECRET_LABEL,
                    hover=(r["domain_code"], SECRET_LABEL, "–", "–", SECRET_LABEL),
                )
            )
            continue
        value, lower, upper = (_number(r[c]) for c in ("estimate", "ci_lower", "ci_upper"))
        text = fmt_value(r["estimate"], unit)
        bars.append(
            _Bar(
                code=r["domain_code"],
                domain=r["domain"],
                status=r["status"],
                value=None if value is None else value * scale,
                lower=None if lower is None else lower * scale,
                upper=None if upper is None else upper * scale,
                label=text + (f" · {flag}" if r["status"] == FRAGILE else ""),
                hover=(
                    r["domain_code"],
                    text,
                    fmt_interval(r["ci_lower"], r["ci_upper"], unit),
                    fmt_number(r["n"]),
                    flag if r["status"] == FRAGILE else "estimation publiée",
                ),
            )
        )
    return bars


def _interval_traces(bars: Sequence[_Bar]) -> list[go.Scatter]:
    """The 95 % intervals: a black whisker over a wider white one, so that it reads on the
    dark bars as well as on the pale ones and on the white background."""
    plus = [None if b.value is None or b.upper is None else b.upper - b.value for b in bars]
    minus = [None if b.value is None or b.lower is None else b.value - b.lower for b in bars]
    return [
        go.Scatter(
            x=[b.value for b in bars],
            y=[b.domain for b in bars],
            mode="markers",
            name=f"Intervalle de confiance à 95{NNBSP}%",
            marker={"size": 1, "color": "rgba(0,0,0,0)"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": plus,
                "arrayminus": minus,
                "color": color,
                "thickness": thickness,
                "width": width,
            },
            hoverinfo="skip",
            showlegend=False,
        )
        for color, thickness, width in (("#FFFFFF", 4.5, 8), (GREY_TEXT, 1.5, 5))
    ]


def _masked_trace(bars: Sequence[_Bar], length: float, selected: str | None) -> go.Bar:
    """Masked domains: a grey hatched band over the whole scale, « secret statistique »."""
    return go.Bar(
        x=[length] * len(bars),
        y=[b.domain for b in bars],
        orientation="h",
        name=SECRET_LABEL,
        marker={
            "color": GREY_BACKGROUND,
            "pattern": {
                "shape": "/",
                "fgcolor": GREY_AXIS,
                "size": 8,
                "solidity": 0.15,
                "fillmode": "overlay",
            },
            "line": {
                "color": [GREY_TEXT if b.code == selected else GREY_AXIS for b in bars],
                "width": [2.5 if b.code == selected else 1 for b in bars],
            },
        },
        text=[SECRET_LABEL] * len(bars),
        textposition="inside",
        insidetextanchor="start",
        textfont={"color": GREY_TEXT, "size": 12},
        customdata=[[b.code] for b in bars],
        hovertemplate=f"<b>%{{y}}</b><br>{SECRET_LABEL}{NBSP}: estimation non diffusée<extra></extra>",
        showlegend=False,
    )


def estimates_figure(
    rows: pl.DataFrame,
    *,
    unit: str | None,
    ensemble: Mapping[str, Any] | None = None,
    selected: str | None = None,
) -> go.Figure:
    """Horizontal bars with their 95 % confidence intervals, one per domain of ``rows``.

    Built on :func:`egn_analytics.viz.bar_chart` (one look everywhere), then: black whiskers
    for the intervals; fragile estimates in a pale dotted bar with « fragile (CV > 20 %) »
    after the value; masked domains as a grey hatched band across the scale labelled
    « secret statistique » (its length is the axis', never a value); the « ensemble »
    estimate as a dashed line; the ``selected`` domain (a code) outlined.
    """
    bars = _bars(rows, unit)
    shown = [b for b in bars if b.status != MASKED and b.value is not None]
    masked = [b for b in bars if b.status == MASKED]
    capped = is_percent_like(unit)

    fig = bar_chart(
        pl.DataFrame(
            {"domain": [b.domain for b in bars], "value": [b.value for b in bars]},
            schema={"domain": pl.String, "value": pl.Float64},
        ),
        x="value",
        y="domain",
        orientation="h",
        highlight=[b.domain for b in bars if b.status == PUBLISHED],
        show_values=False,
        x_title=f"Estimation ({'%' if is_percent(unit) else unit or 'valeur'})",
        y_title="",
    )
    fig.update_traces(
        selector={"type": "bar"},
        name="Estimation",
        customdata=[list(b.hover) for b in bars],
        hovertemplate=(
            f"<b>%{{y}}</b><br>Estimation{NBSP}: %{{customdata[1]}}<br>"
            f"IC à 95{NNBSP}%{NBSP}: %{{customdata[2]}}<br>"
            f"Répondants{NBSP}: %{{customdata[3]}}<br>%{{customdata[4]}}<extra></extra>"
        ),
        marker_pattern={
            "shape": ["." if b.status == FRAGILE else "" for b in bars],
            "fgcolor": BLEU_FRANCE,
            "size": 6,
            "solidity": 0.25,
            "fillmode": "overlay",
        },
        marker_line={
            "color": GREY_TEXT,
            "width": [2.5 if b.code == selected else 0 for b in bars],
        },
    )
    ticks, top = value_axis([t for b in shown for t in (b.value, b.upper) if t is not None], capped)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    if masked:
        fig.add_trace(_masked_trace(masked, top, selected))
    for trace in _interval_traces(bars):
        fig.add_trace(trace)
    if shown:
        fig.add_trace(
            go.Scatter(
                x=[b.end for b in shown],
                y=[b.domain for b in shown],
                mode="text",
                name="Valeurs",
                text=[f"{NBSP}{NBSP}{b.label}" for b in shown],
                textposition="middle right",
                textfont={"color": GREY_TEXT, "size": 12},
                hoverinfo="skip",
                cliponaxis=False,
                showlegend=False,
            )
        )

    # Room on the right for the value labels (longer when one says « fragile »); below 0
    # only when an interval does (a Wald interval near 0 %).
    room = 1.55 if any(b.status == FRAGILE for b in shown) else 1.22
    bottom = min([0.0, *(b.lower for b in shown if b.lower is not None)])
    fig.update_layout(
        barmode="overlay",
        height=max(240, 90 + 44 * len(bars)),
        margin={"t": 34, "r": 24},
        yaxis={
            "autorange": "reversed",
            "categoryorder": "array",
            "categoryarray": [b.domain for b in bars],
            "showgrid": False,
            "showline": True,
        },
        xaxis={
            "range": [bottom, top * room],
            "tickmode": "array",
            "tickvals": ticks,
            "ticktext": [_tick_text(t, capped, step) for t in ticks],
        },
    )
    _add_ensemble_line(fig, ensemble, unit)
    return fig


def _add_ensemble_line(
    fig: go.Figure, ensemble: Mapping[str, Any] | None, unit: str | None
) -> None:
    """The whole population's estimate as a dashed reference line (if it is publishable)."""
    if ensemble is None or ensemble.get("status") not in (PUBLISHED, FRAGILE):
        return
    value = _number(ensemble.get("estimate"))
    if value is None:
        return
    fig.add_vline(
        x=value * (100.0 if is_percent(unit) else 1.0),
        line={"color": GREY_MUTED, "dash": "dash", "width": 1.5},
        annotation={
            "text": f"Ensemble{NBSP}: {fmt_value(value, unit)}",
            "font": {"color": GREY_MUTED, "size": 12},
            "yanchor": "bottom",
        },
        annotation_position="top",
    )


# ------------------------------------------------------------------------- card -----------


def lecture(table: pl.DataFrame, selection: Selection) -> str:
    """The card's « Lecture »: the selected domain's sentence, else the « ensemble » one.

    A masked domain has no sentence (it would carry the value): the ensemble's is used, then
    any published domain's, then a sentence saying that nothing can be published.
    """
    rows = domain_rows(table, selection)
    if selection.domain:
        chosen = rows.filter(pl.col("domain_code") == selection.domain)
        text = _first_text(chosen, "lecture") if chosen.height else None
        if text:
            return text
    whole = ensemble_row(table, selection.indicator)
    if whole and isinstance(whole.get("lecture"), str) and whole["lecture"].strip():
        return str(whole["lecture"])
    text = _first_text(rows, "lecture")
    if text:
        return text
    return (
        f"aucune estimation de cet indicateur n'est diffusable pour cette ventilation "
        f"({SECRET_LABEL})."
    )


def export_table(rows: pl.DataFrame) -> pl.DataFrame:
    """The chart's data as downloaded: French column names, masked values left empty.

    Proportions stay fractions (0-1) as in the indicator tables, the unit column says so;
    ``statut`` is « publié », « fragile » or « masqué ».
    """
    data = mask_for_display(rows)
    return data.select(
        pl.col("indicator").alias("indicateur"),
        pl.col("label").alias("libelle"),
        pl.col("theme").alias("theme"),
        pl.col("population"),
        pl.col("breakdown").alias("ventilation"),
        pl.col("breakdown_label").alias("libelle_ventilation"),
        pl.col("domain_code").alias("code_domaine"),
        pl.col("domain").alias("domaine"),
        pl.when(pl.col("unit") == PERCENT)
        .then(pl.lit("proportion (0-1)"))
        .otherwise(pl.col("unit"))
        .alias("unite"),
        pl.col("estimate").alias("estimation"),
        pl.col("se").alias("erreur_type"),
        pl.col("ci_lower").alias("ic95_bas"),
        pl.col("ci_upper").alias("ic95_haut"),
        pl.col("n").alias("repondants"),
        pl.col("cv"),
        pl.col("status")
        .replace_strict(
            {PUBLISHED: SHORT_STATUS_LABELS[PUBLISHED], FRAGILE: SHORT_STATUS_LABELS[FRAGILE]},
            default=MASKED_LABEL,
            return_dtype=pl.String,
        )
        .alias("statut"),
        pl.col("champ"),
        pl.col("source"),
    )


def estimates_card(table: pl.DataFrame, selection: Selection, *, synthetic: bool) -> ChartCard:
    """The chart card of a selection: figure, title, notes and the data behind it."""
    rows = domain_rows(table, selection)
    all_rows = indicator_rows(table, selection.indicator)
    info = all_rows.row(0, named=True)
    unit = info["unit"]
    breakdown_label = next(
        (
            label
            for key, label in breakdowns(table, selection.indicator)
            if key == selection.breakdown
        ),
        selection.breakdown,
    )
    whole = None if selection.breakdown == ENSEMBLE else ensemble_row(table, selection.indicator)
    figure = estimates_figure(rows, unit=unit, ensemble=whole, selected=selection.domain)
    title = (
        info["label"]
        if selection.breakdown == ENSEMBLE
        else f"{info['label']}, par {_lower_first(breakdown_label)}"
    )
    measure = "En pourcentage" if is_percent(unit) else f"En {unit}"
    who = population_label(info["population"])
    population = f" des {who}" if is_percent(unit) and who else ""
    dashed = (
        f"{NBSP}; tirets{NBSP}: ensemble de la population"
        if whole and whole.get("status") != MASKED
        else ""
    )
    subtitle = (
        f"{measure}{population}. Traits noirs{NBSP}: intervalle de confiance à 95{NNBSP}%{dashed}."
    )
    return ChartCard(
        figure=figure,
        title=title,
        subtitle=subtitle,
        lecture=lecture(table, selection),
        champ=_first_text(all_rows, "champ") or "répondants aux enquêtes DEPP 2020.",
        source=_first_text(all_rows, "source") or "DEPP, enquêtes de 2020 sur la continuité.",
        data=export_table(rows),
        synthetic=synthetic,
    )


def _lower_first(text: str) -> str:
    """« Éducation prioritaire » → « éducation prioritaire » (acronyms such as « EP » kept)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


# ------------------------------------------------------------------------ table -----------


@dataclass(frozen=True, slots=True)
class EstimateRow:
    """One line of the page's table, every value formatted (« masqué » for a masked cell)."""

    code: str
    domain: str
    estimate: str
    interval: str
    respondents: str
    cv: str
    status: Status
    status_text: str
    selected: bool


def estimate_rows(rows: pl.DataFrame, unit: str | None, selected: str | None) -> list[EstimateRow]:
    """The table's lines: a masked cell reads « masqué » and shows no number at all."""
    lines = []
    for r in mask_for_display(rows).iter_rows(named=True):
        status: Status = r["status"]
        if status == MASKED:
            values = (MASKED_LABEL, "–", "–", "–")
        else:
            values = (
                fmt_value(r["estimate"], unit),
                fmt_interval(r["ci_lower"], r["ci_upper"], unit),
                fmt_number(r["n"]),
                fmt_pct(r["cv"], 1),
            )
        lines.append(
            EstimateRow(
                code=r["domain_code"],
                domain=r["domain"],
                estimate=values[0],
                interval=values[1],
                respondents=values[2],
                cv=values[3],
                status=status,
                status_text=status_label(status),
                selected=r["domain_code"] == selected,
            )
        )
    return lines


# -------------------------------------------------------------------------- gap -----------


def _normalise(text: object) -> str:
    """Lower case, no accents, no spaces or separators: « Hors EP » → « horsep »."""
    return "".join(ch for ch in ascii_fold(text).lower() if ch.isalnum() or ch == "+")


def _is_rep_plus(code: str, label: str) -> bool:
    return any(_normalise(v) in ("rep+", "repplus") for v in (code, label))


def _is_outside_ep(code: str, label: str) -> bool:
    return any(_normalise(v).startswith("hors") for v in (code, label))


def default_gap_pair(rows: pl.DataFrame, breakdown: str) -> tuple[str | None, str | None]:
    """The two domains compared by default: REP+ vs hors EP for priority education, else the
    first and the last publishable domains (the ends of an ordered breakdown)."""
    records = list(mask_for_display(rows).iter_rows(named=True))
    if breakdown == "ep":
        rep_plus = next((r for r in records if _is_rep_plus(r["domain_code"], r["domain"])), None)
        outside = next((r for r in records if _is_outside_ep(r["domain_code"], r["domain"])), None)
        if rep_plus and outside:
            return rep_plus["domain_code"], outside["domain_code"]
    shown = [r["domain_code"] for r in records if r["status"] != MASKED]
    if len(shown) >= 2:
        return shown[0], shown[-1]
    codes = [r["domain_code"] for r in records]
    return (codes[0], codes[-1]) if len(codes) >= 2 else (None, None)


#: Title of the gap panel when both pickers name one domain.
SAME_DOMAIN_TITLE = "Choisissez deux domaines différents"

GapKind = Literal[
    "significant", "not_significant", "masked", "same", "incomplete", "single", "unknown"
]


@dataclass(frozen=True, slots=True)
class GapSummary:
    """What the gap panel says: a verdict (its kind and title) and sentences in plain French."""

    kind: GapKind
    title: str
    sentences: tuple[str, ...]


def gap_prompt(n_domains: int, a: str | None, b: str | None) -> GapSummary | None:
    """The panel's message when there is nothing to compute yet, else None."""
    if n_domains < 2:
        return GapSummary(
            "single",
            "Pas de comparaison possible",
            ("Cette ventilation n'a qu'un domaine : choisissez-en une autre pour comparer.",),
        )
    if not a or not b:
        return GapSummary(
            "incomplete",
            "Choisissez deux domaines",
            ("Sélectionnez les deux domaines à comparer.",),
        )
    if a == b:
        return GapSummary(
            "same", SAME_DOMAIN_TITLE, ("Un domaine comparé à lui-même n'a pas d'écart.",)
        )
    return None


def gap_domain(rows: pl.DataFrame, value: object) -> str | None:
    """The domain code a gap picker's value names, or None when it names no domain.

    The pickers send codes, but the library (``egn_analytics.indicators.gap``) also takes a
    label (« REP+ » for ``1``), so a hand-made request could compare a domain with itself
    under two names and read a gap of 0. A value is resolved to its code here, before any
    comparison, by the library's own resolution (:func:`resolve_domain`: the code itself,
    then a label or a code compared without case, accents, spaces or separators, « REP »
    distinct from « REP+ »), so the page and a notebook agree on what one domain is. Only a
    string is a picker value.
    """
    return resolve_domain(rows, value) if isinstance(value, str) else None


#: Longest picker value quoted back in the gap panel (a hand-made one can be any length).
_QUOTED_MAX = 40


def _quoted(value: object) -> str:
    text = " ".join(str(value).split())
    if len(text) > _QUOTED_MAX:
        text = text[: _QUOTED_MAX - 1] + "…"
    return f"«{NBSP}{text}{NBSP}»"


def gap_pair(rows: pl.DataFrame, a: object, b: object) -> tuple[str, str] | GapSummary:
    """The two domain codes to compare, or the panel's message when there is nothing to
    compute: fewer than two domains, a picker left empty, a value naming no domain of the
    breakdown, or the same domain twice (a code and its label are one domain)."""
    text_a, text_b = (v if isinstance(v, str) and v.strip() else None for v in (a, b))
    prompt = gap_prompt(rows.height, text_a, text_b)
    if prompt is not None:
        return prompt
    code_a, code_b = gap_domain(rows, a), gap_domain(rows, b)
    if code_a is None or code_b is None:
        unknown = a if code_a is None else b
        return GapSummary(
            "unknown",
            "Choisissez deux domaines de la liste",
            (f"{_quoted(unknown)} n'est pas un domaine de la ventilation choisie.",),
        )
    if code_a == code_b:  # two names of one domain (the same name twice was caught above)
        label = rows.filter(pl.col("domain_code") == code_a).get_column("domain")[0]
        return GapSummary(
            "same",
            SAME_DOMAIN_TITLE,
            (
                f"{_quoted(a)} et {_quoted(b)} désignent le même domaine, {_quoted(label)}{NBSP}:"
                " choisissez-en un autre pour comparer.",
            ),
        )
    return code_a, code_b


def gap_summary(
    gap: Mapping[str, Any], rows: pl.DataFrame, unit: str | None, alpha: float = ALPHA
) -> GapSummary:
    """The gap ``a - b`` in plain French: both values, the difference, its CI, the verdict.

    Significant at ``alpha`` when the p-value is below it (when the library gives none: when
    the interval excludes 0). Nothing numeric is said when either domain, or the gap itself,
    is masked.
    """
    shown = {r["domain_code"]: r for r in mask_for_display(rows).iter_rows(named=True)}
    a, b = str(gap["a"]), str(gap["b"])
    label_a = gap.get("domain_a") or (shown[a]["domain"] if a in shown else a)
    label_b = gap.get("domain_b") or (shown[b]["domain"] if b in shown else b)
    quoted_a, quoted_b = f"«{NBSP}{label_a}{NBSP}»", f"«{NBSP}{label_b}{NBSP}»"
    secret = [
        label
        for code, label in ((a, quoted_a), (b, quoted_b))
        if code in shown and shown[code]["status"] == MASKED
    ]
    values = (gap.get("difference"), gap.get("estimate_a"), gap.get("estimate_b"))
    if secret or gap.get("status") not in (PUBLISHED, FRAGILE) or any(map(is_missing, values)):
        who = " et ".join(secret) if secret else "l'un des deux domaines"
        verb = "sont couvertes" if len(secret) == 2 else "est couverte"
        return GapSummary(
            "masked",
            f"Écart non publiable ({SECRET_LABEL})",
            (
                f"L'estimation de {who} {verb} par le secret statistique{NBSP}: aucun écart "
                "n'est affiché.",
            ),
        )
    p, low, high = (_number(gap.get(c)) for c in ("p_value", "ci_lower", "ci_upper"))
    if p is not None:
        significant = p < alpha
    else:
        significant = low is not None and high is not None and (low > 0 or high < 0)
    level = fmt_pct(alpha, 0)
    sentences = [
        f"{label_a}{NBSP}: {fmt_value(gap['estimate_a'], unit)}{NBSP}; "
        f"{label_b}{NBSP}: {fmt_value(gap['estimate_b'], unit)}.",
        f"Écart ({label_a} − {label_b}){NBSP}: {fmt_difference(gap['difference'], unit)}, "
        f"intervalle de confiance à 95{NNBSP}%{NBSP}: de {fmt_difference(low, unit, with_unit=False)} "
        f"à {fmt_difference(high, unit)}.",
    ]
    detail = "" if p is None else f" ({fmt_p_value(p)})"
    if significant:
        direction = "plus élevée" if gap["difference"] > 0 else "plus basse"
        sentences.append(
            f"L'écart est significatif au seuil de {level}{detail}{NBSP}: l'estimation est "
            f"{direction} pour {quoted_a} que pour {quoted_b}."
        )
    else:
        sentences.append(
            f"L'écart n'est pas significatif au seuil de {level}{detail}{NBSP}: les données ne "
            f"permettent pas de conclure à une différence entre {quoted_a} et {quoted_b}."
        )
    fragile = gap.get("status") == FRAGILE or any(
        code in shown and shown[code]["status"] == FRAGILE for code in (a, b)
    )
    if fragile:
        sentences.append(
            f"Prudence{NBSP}: au moins une des estimations est {fragile_label()}, "
            "à interpréter avec précaution."
        )
    title = (
        f"Écart significatif au seuil de {level}"
        if significant
        else f"Écart non significatif au seuil de {level}"
    )
    return GapSummary("significant" if significant else "not_significant", title, tuple(sentences))


def gap_verdict(
    rows: pl.DataFrame,
    unit: str | None,
    a: object,
    b: object,
    compute: Callable[[str, str], Mapping[str, Any] | None],
) -> GapSummary | None:
    """The gap panel's verdict on domains ``a`` and ``b`` of the drawn ``rows``.

    ``compute(code_a, code_b)`` gives the gap row (:func:`egn_analytics.indicators.gap`, on
    demand: it needs the microdata) or None when it gave nothing; it is called only when both
    values name publishable domains of the breakdown, and different ones once labels are
    resolved to codes. None when it gave nothing (the page says the gap could not be computed).
    """
    pair = gap_pair(rows, a, b)
    if isinstance(pair, GapSummary):
        return pair
    code_a, code_b = pair
    statuses = dict(zip(rows["domain_code"], rows["status"], strict=True))
    if MASKED in (statuses.get(code_a), statuses.get(code_b)):
        return gap_summary({"a": code_a, "b": code_b, "status": MASKED}, rows, unit)
    gap = compute(code_a, code_b)
    return None if gap is None else gap_summary(gap, rows, unit)


# --------------------------------------------------------------------- registry -----------

#: The indicator table of ``egn build`` the cards read (the columns of ``compute_catalogue``).
TABLE = "enquetes_catalogue"


@dataclass(frozen=True, slots=True)
class View:
    """A view as the page's URL says it (``indicateur``, ``ventilation``, ``domaine``).

    Which values exist depends on the build's table, so a view is resolved against it by
    :func:`parse_selection` when a card is built: an unknown value takes its default there.
    """

    indicateur: str | None = None
    ventilation: str | None = None
    domaine: str | None = None


def parse_view(view: Mapping[str, object]) -> View:
    """The page's URL parameters, as given (only strings are values)."""

    def text(name: str) -> str | None:
        value = view.get(name)
        return value if isinstance(value, str) else None

    return View(text("indicateur"), text("ventilation"), text("domaine"))


def catalogue_table(tables: Tables) -> pl.DataFrame:
    """The survey indicator table of the build, its columns in the library's order.

    Raises :class:`egn_analytics.indicators.IndicatorNotBuiltError` (French) when the build
    wrote none, ``ValueError`` when it is empty (nothing to draw).
    """
    table = tables.table(TABLE).select(list(OUTPUT_SCHEMA))
    if table.height == 0:
        raise ValueError("la table des indicateurs est vide")
    return table


def selection_of(table: pl.DataFrame, view: View) -> Selection:
    """The selection ``view`` asks for in ``table`` (unknown values take their defaults)."""
    return parse_selection(table, view.indicateur, view.ventilation, view.domaine)


def _estimations(view: View, tables: Tables) -> ChartCard:
    table = catalogue_table(tables)
    return estimates_card(table, selection_of(table, view), synthetic=tables.synthetic)


#: Card builders of the page, by card key (``enquetes.<key>``).
CARDS: dict[str, Callable[[View, Tables], ChartCard]] = {"estimations": _estimations}
#: Views a note or a snapshot shows (the page's default first).
VIEWS: list[dict[str, str]] = [
    {},
    {"indicateur": "eleves_sans_ordinateur", "ventilation": "milieu_social"},
    {"indicateur": "chefs_pret_materiel", "ventilation": "region_academique"},
]


__all__ = [
    "ALPHA",
    "BREAKDOWN_ORDER",
    "CARDS",
    "DEFAULT_BREAKDOWN",
    "ENSEMBLE",
    "FRAGILE",
    "MASKED",
    "MASKED_LABEL",
    "POPULATION_LABELS",
    "PUBLISHED",
    "SAME_DOMAIN_TITLE",
    "SECRET_LABEL",
    "TABLE",
    "THEME_LABELS",
    "VIEWS",
    "EstimateRow",
    "GapSummary",
    "Selection",
    "View",
    "breakdowns",
    "catalogue_table",
    "default_gap_pair",
    "domain_rows",
    "ensemble_row",
    "estimate_rows",
    "estimates_card",
    "estimates_figure",
    "export_table",
    "fmt_difference",
    "fmt_interval",
    "fmt_value",
    "fragile_label",
    "gap_domain",
    "gap_pair",
    "gap_prompt",
    "gap_summary",
    "gap_verdict",
    "indicator_rows",
    "indicator_unit",
    "indicators",
    "is_percent",
    "is_percent_like",
    "lecture",
    "parse_selection",
    "parse_view",
    "population_label",
    "selection_of",
    "status_label",
    "theme_label",
    "value_axis",
]
