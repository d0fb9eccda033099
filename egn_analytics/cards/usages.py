"""The « usages numériques » cards: what the ENT logs say about 2020, built by the library.

Six cards, in the page's order (:data:`CARDS`): the daily visits and users (``chronologie``),
the CNED « Ma classe à la maison » series (``cned``), the closure / January-February ratio by
académie (``rapport``), evenings, nights and weekends (``horaires``), the interrupted time
series (``its``) and the incidents of 16 March (``incidents``). The page, the notebooks and
the notes get the same card from :func:`egn_analytics.cards.build_card`::

    build_card("usages.rapport", {"profil": "eleve", "territoire": "academie-09"})

Why in the library: the figures, sentences and data of a card were built by the dashboard
only, so a notebook rebuilt them by hand. Two layers here, both pure (frames in, figure /
card / text out), neither imports :mod:`dash`:

* **builders** (``timeline_card``, ``ratio_card``…) take frames with the columns of
  :mod:`egn_analytics.usage` and a :class:`Selection`; tests feed them handmade frames;
* **registry builders** (:data:`CARDS`) read the indicator tables written by ``egn build``
  (:class:`egn_analytics.cards.Tables`, tables ``usages_*`` of
  :mod:`egn_analytics.indicators.usages`), keep the selection's rows, drop the enumeration
  columns and call the builders.

**Selection** (:func:`parse_view`). A profile (élève, parent, enseignant, personnel or all of
them) and a territory (France, a région académique or an académie), as the page's URL says
them (``{"profil": "eleve", "territoire": "academie-09"}``). An unknown value falls back to
the default: a stale link shows a card, never an error. Profiles and territories are
:mod:`egn_analytics.reference`'s.

**Exact counts.** Distinct users never add up across académies (a user seen in two académies
counts once in the région and once in France), so the timeline reads the national series for
France, the regional series for a région and the académie table for an académie, each computed
from the events. Profiles do add up (a pseudonym has one profile), so « tous » is a sum.

**Periods** (2020, local days): reference 6 January - 28 February (school days of each zone),
closure 16 March - 10 May and reopening from 11 May (:mod:`egn_analytics.reference.periods`);
holidays come from :func:`egn_analytics.reference.holiday_periods` for the territory's zones.
Ratios and shares are the library's (:mod:`egn_analytics.usage.indicators`); a DROM académie
whose school calendar is not fully known gets no ratio rather than invented holidays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl
from babel.dates import format_date

from egn_analytics import reference
from egn_analytics.reference import (
    CLOSURE,
    DEFAULT_PROFILE,
    PROFILES,
    REOPENING,
    Profile,
    Territory,
    academy_names,
    territories,
)
from egn_analytics.reference.territories import FRANCE, _de, ascii_fold
from egn_analytics.viz import ChartCard, bar_chart, fmt_date, fmt_number, fmt_pct
from egn_analytics.viz.charts import empty_figure
from egn_analytics.viz.formats import (
    LOCALE,
    MISSING,
    NBSP,
    NNBSP,
    fmt_p_value,
    is_missing,
)
from egn_analytics.viz.theme import (
    BLEU_FRANCE,
    CATEGORICAL,
    GREY_AXIS,
    GREY_GRID,
    GREY_MUTED_BAR,
    GREY_TEXT,
    template,
)

if TYPE_CHECKING:
    from egn_analytics.cards import Tables

# ------------------------------------------------------------------------- vocabulary -----

#: Keys of a view (the page's query-string parameters: ``/usages?profil=…&territoire=…``).
PROFILE_PARAM = "profil"
TERRITORY_PARAM = "territoire"

#: The reference period of 2020 the cards compare with the closure (local days, bounds
#: included); the closure, the reopening and the incident day are
#: :mod:`egn_analytics.reference.periods`'.
REFERENCE = (dt.date(2020, 1, 6), dt.date(2020, 2, 28))
#: Fewest requests a project must have received on 16 March to be drawn (a share of 3 requests
#: is noise); the CSV keeps every project.
MIN_INCIDENT_EVENTS = 30

#: Colours: the series (bleu France, orange), the closure (pale blue), holidays (grey).
VISITS_COLOUR = CATEGORICAL[0]
USERS_COLOUR = CATEGORICAL[1]
CLOSURE_FILL = "#E3E3FD"
HOLIDAY_FILL = GREY_GRID
HOLIDAY_STRIP = "#B8B8B8"
BEFORE_COLOUR = "#8585F6"

_MONTHS_SHORT = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip
_PLOT_HEIGHT = 420
#: Counts on axes: « 250 000 », never plotly's SI « 250k » (the template's separators apply).
_COUNT_FORMAT = ",d"


@dataclass(frozen=True, slots=True)
class Selection:
    """What the cards show: one profile on one territory."""

    profile: Profile
    territory: Territory


def _plain(text: object) -> str:
    return ascii_fold(text).strip().casefold()


def parse_selection(profil: object = None, territoire: object = None) -> Selection:
    """The selection a view asks for, every unknown value replaced by its default.

    ``profil`` is a slug (``eleve``) or the data's word (``élève``); ``territoire`` is
    ``france``, ``region-<code>`` or ``academie-<code>``.
    """
    wanted = _plain(profil)
    profile = next(
        (p for p in PROFILES if wanted and wanted in (p.slug, _plain(p.value or p.slug))),
        next(p for p in PROFILES if p.slug == DEFAULT_PROFILE),
    )
    value = str(territoire).strip().casefold() if isinstance(territoire, str) else FRANCE
    known = territories()
    territory = next((t for t in known if t.value == value), known[0])
    return Selection(profile, territory)


def parse_view(view: Mapping[str, object]) -> Selection:
    """The selection of a view (``{"profil": "eleve", "territoire": "academie-09"}``; missing
    or unknown values take their defaults): what :func:`egn_analytics.cards.build_card` calls."""
    return parse_selection(view.get(PROFILE_PARAM), view.get(TERRITORY_PARAM))


def view_of(selection: Selection) -> dict[str, str]:
    """The view of a selection (its URL parameters): ``parse_view(view_of(s)) == s``."""
    return {PROFILE_PARAM: selection.profile.slug, TERRITORY_PARAM: selection.territory.value}


# ------------------------------------------------------------------- formatting -----------


def fmt_ratio(value: float | None) -> str:
    """« ×2,1 » (one decimal), « n.d. » when missing."""
    if is_missing(value):
        return MISSING
    return f"×{fmt_number(value, 1)}"


def fmt_signed_pct(value: float | None, decimals: int = 0) -> str:
    """A relative change as « +85 % » or « -30 % » (a proportion: 0.85 → « +85 % »)."""
    if is_missing(value):
        return MISSING
    assert value is not None
    text = fmt_pct(value, decimals)
    if text.startswith("-") or round(float(value) * 100, decimals) == 0:
        return text  # « 0 % », never « +0 % »
    return f"+{text}"


def fmt_day(day: dt.date) -> str:
    """« lundi 16 mars 2020 »."""
    return f"{format_date(day, 'EEEE', locale=LOCALE)} {fmt_date(day)}"


def _subject(selection: Selection) -> tuple[str, str]:
    """(lead, subject) of a sentence: (« », « les élèves de l'académie de Lille ») or, for
    France, (« en France, », « les élèves »): « pendant la fermeture, {lead}{subject} ont… »."""
    people = f"les {selection.profile.people}"
    if selection.territory.kind == "france":
        return "en France, ", people
    return "", f"{people} {selection.territory.of}"


def _lower_first(text: str) -> str:
    """« Académie de Lille » → « académie de Lille »."""
    return text[:1].lower() + text[1:]


def for_territory(territory: Territory) -> str:
    """« pour l'académie de Lille », « pour la région académique Bretagne », « pour la France »:
    how a page's or a note's message names the territory it could not compute."""
    if territory.kind == "france":
        return "pour la France"
    return "pour " + territory.of.removeprefix("de ")


def view_label(selection: Selection) -> str:
    """« académie de Lille, élèves », « France, tous profils »: the view as a heading names it
    after a colon (first letter lowered, « France » kept)."""
    label = selection.territory.label
    label = label if label == "France" else _lower_first(label)
    return f"{label}, {selection.profile.label.lower()}"


def _scope(selection: Selection) -> str:
    """« élèves, académie de Lille », « tous les profils, France » (end of a title)."""
    territory = selection.territory
    where = (
        "France"
        if territory.kind == "france"
        else territory.label[:1].lower() + territory.label[1:]
    )
    return f"{selection.profile.label.lower()}, {where}"


def source_text(synthetic: bool, *extra: str) -> str:
    """« ENT, journaux de connexion (synthétiques) ; DEPP, annuaire … ; calculs EGN Analytics. »"""
    tag = " (synthétiques)" if synthetic else ""
    parts = [
        f"ENT, journaux de connexion{tag}",
        f"DEPP, annuaire des établissements{tag}",
        *extra,
        "calculs EGN Analytics",
    ]
    return f"{f'{NBSP}; '.join(parts)}."


# ------------------------------------------------------------------- date axes ------------


def _month_ticks(start: dt.date, end: dt.date) -> tuple[list[dt.date], list[str]]:
    """First day of every month in [start, end], with French month names (the exported PNG
    has no plotly locale: ticks are written here)."""
    ticks: list[dt.date] = []
    labels: list[str] = []
    day = start.replace(day=1)
    if day < start:
        # A series starting mid-month (the CNED's, 2 March) gets its first day as a tick.
        ticks.append(start)
        labels.append(f"{start.day} {_MONTHS_SHORT[start.month - 1]}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    while day <= end:
        ticks.append(day)
        labels.append(_MONTHS_SHORT[day.month - 1])
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return ticks, labels


def _date_axis(fig: go.Figure, start: dt.date, end: dt.date) -> None:
    values, labels = _month_ticks(start, end)
    fig.update_xaxes(
        type="date",
        range=[_noon(start - dt.timedelta(days=1)), _noon(end)],
        tickmode="array",
        tickvals=[d.isoformat() for d in values],
        ticktext=labels,
        showgrid=False,
    )


def _noon(day: dt.date) -> str:
    """Half a day after ``day``: bands drawn from noon to noon cover whole daily points."""
    return f"{day.isoformat()} 12:00"


def _add_phases(fig: go.Figure, start: dt.date, end: dt.date) -> None:
    """The closure (pale blue band, 16 March - 10 May) and the reopening (11 May) line."""
    if start <= CLOSURE[1] and end >= CLOSURE[0]:
        fig.add_shape(
            type="rect",
            xref="x",
            yref="paper",
            x0=_noon(max(CLOSURE[0], start) - dt.timedelta(days=1)),
            x1=_noon(min(CLOSURE[1], end)),
            y0=0,
            y1=1,
            fillcolor=CLOSURE_FILL,
            line={"width": 0},
            layer="below",
            name=f"Fermeture (16 mars{NBSP}-{NBSP}10 mai)",
            showlegend=True,
            legendrank=900,
        )
    if start <= REOPENING <= end:
        fig.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=REOPENING.isoformat(),
            x1=REOPENING.isoformat(),
            y0=0,
            y1=1,
            line={"color": GREY_TEXT, "width": 1.5, "dash": "dash"},
            name="Réouverture (11 mai)",
            showlegend=True,
            legendrank=950,
        )


def holiday_bands(zones: Sequence[str], start: dt.date, end: dt.date) -> pl.DataFrame:
    """School holidays of ``zones`` overlapping [start, end]: zone, vacances, debut, fin
    (``fin`` = last day off, the day before « reprise »), clipped to the period."""
    frames = [reference.holiday_periods(zone) for zone in zones]
    empty = pl.DataFrame(
        schema={"zone": pl.String, "vacances": pl.String, "debut": pl.Date, "fin": pl.Date}
    )
    if not frames:
        return empty
    return (
        pl.concat(frames)
        .select(
            "zone",
            "vacances",
            "debut",
            (pl.col("reprise") - pl.duration(days=1)).alias("fin"),
        )
        .filter((pl.col("debut") <= end) & (pl.col("fin") >= start))
        .with_columns(
            pl.max_horizontal(pl.col("debut"), pl.lit(start)).alias("debut"),
            pl.min_horizontal(pl.col("fin"), pl.lit(end)).alias("fin"),
        )
        .sort("zone", "debut")
    )


def _zone_short(zone: str) -> str:
    return zone.removeprefix("Zone ").strip()


def _add_holidays(fig: go.Figure, bands: pl.DataFrame, zones: Sequence[str]) -> None:
    """One zone: full-height grey bands. Several (France): one thin strip per zone at the top
    of the plot, labelled, so that the staggered spring breaks stay readable."""
    if bands.is_empty():
        return
    strips = len(zones) > 1
    first = True
    for i, zone in enumerate(zones):
        y1 = 1 - 0.055 * i if strips else 1.0
        y0 = y1 - 0.04 if strips else 0.0
        for band in bands.filter(pl.col("zone") == zone).iter_rows(named=True):
            name = (
                "Vacances (zones " + ", ".join(_zone_short(z) for z in zones) + ")"
                if strips
                else f"Vacances ({_lower_first(zone)})"
            )
            fig.add_shape(
                type="rect",
                xref="x",
                yref="paper",
                x0=_noon(band["debut"] - dt.timedelta(days=1)),
                x1=_noon(band["fin"]),
                y0=y0,
                y1=y1,
                fillcolor=HOLIDAY_STRIP if strips else HOLIDAY_FILL,
                opacity=0.8 if strips else 0.75,
                line={"width": 0},
                layer="below",
                name=name,
                legendgroup="vacances",
                showlegend=first,
                legendrank=920,
            )
            first = False
        if strips:
            fig.add_annotation(
                xref="paper",
                yref="paper",
                x=0.003,
                y=(y0 + y1) / 2,
                xanchor="left",
                yanchor="middle",
                text=f"zone {_zone_short(zone)}",
                showarrow=False,
                font={"size": 10, "color": GREY_TEXT},
                bgcolor="rgba(255,255,255,0.85)",
            )


def _largest(rows: pl.DataFrame, column: str) -> float:
    """Largest value of a numeric column (0 for an empty or all-null one)."""
    value = rows.get_column(column).max()
    return float(value) if isinstance(value, int | float) else 0.0


def _hover(name: str) -> str:
    """Hover label « lundi 16 mars 2020 / Visites : 1 234 » (customdata: day, value)."""
    return f"%{{customdata[0]}}<br>{name}{NBSP}: %{{customdata[1]}}<extra></extra>"


# ------------------------------------------------------------------ (1) timeline ----------


def day_range(table: pl.DataFrame) -> tuple[dt.date, dt.date]:
    """First and last day of a table (the national one: every territory on the same axis)."""
    days = table.get_column("jour")
    start, end = days.min(), days.max()
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise ValueError("aucun jour dans les données ENT")
    return start, end


def timeline_rows(
    daily: pl.DataFrame,
    regions: pl.DataFrame,
    national: pl.DataFrame,
    selection: Selection,
) -> pl.DataFrame:
    """jour, visites, utilisateurs of the selection, every day of the data (0 without events).

    France reads the national table, a région the regional one, an académie the académie
    table: distinct users are exact at each level. Profiles are summed for « tous ».
    """
    territory = selection.territory
    if territory.kind == "region":
        table = regions.filter(pl.col("code_region_academique") == territory.code)
    elif territory.kind == "academie":
        table = daily.filter(pl.col("code_academie") == territory.code)
    else:
        table = national
    if selection.profile.value is not None:
        table = table.filter(pl.col("profil") == selection.profile.value)
    start, end = day_range(national)
    days = pl.DataFrame({"jour": pl.date_range(start, end, "1d", eager=True)})
    sums = table.group_by("jour").agg(
        pl.col("visites").sum().cast(pl.Int64), pl.col("utilisateurs").sum().cast(pl.Int64)
    )
    return (
        days.join(sums, on="jour", how="left")
        .with_columns(pl.col("visites", "utilisateurs").fill_null(0))
        .sort("jour")
    )


def _period_expr() -> pl.Expr:
    return (
        pl.when(pl.col("jour").is_between(*REFERENCE))
        .then(pl.lit("référence"))
        .when(pl.col("jour").is_between(*CLOSURE))
        .then(pl.lit("fermeture"))
        .when(pl.col("jour") >= REOPENING)
        .then(pl.lit("réouverture"))
        .otherwise(pl.lit(None, pl.String))
        .alias("periode")
    )


def _holiday_labels(rows: pl.DataFrame, bands: pl.DataFrame) -> pl.Series:
    """Per day, the zones on holiday: « zone B (Printemps) ; zone C (Printemps) »."""
    spans = list(bands.iter_rows(named=True))
    labels = []
    for day in rows.get_column("jour"):
        on = [
            f"{b['zone'][:1].lower()}{b['zone'][1:]} ({b['vacances']})"
            for b in spans
            if b["debut"] <= day <= b["fin"]
        ]
        labels.append(f"{NBSP}; ".join(on) or None)
    return pl.Series("vacances", labels, dtype=pl.String)


def timeline_zones(selection: Selection) -> tuple[str, ...]:
    """Zones whose holidays are shaded: the territory's own zones (the three mainland zones
    for France)."""
    return selection.territory.zones


def _daily_lines(rows: pl.DataFrame, series: Sequence[tuple[str, str, str]]) -> go.Figure:
    """A figure with one line per ``(column, name, colour)``, by ``jour``, French hover."""
    days = [fmt_day(d) for d in rows.get_column("jour")]
    fig = go.Figure()
    for column, name, colour in series:
        values = rows.get_column(column).to_list()
        fig.add_trace(
            go.Scatter(
                x=rows.get_column("jour").to_list(),
                y=values,
                name=name,
                mode="lines",
                line={"color": colour, "width": 2},
                customdata=[[d, fmt_number(v)] for d, v in zip(days, values, strict=True)],
                hovertemplate=_hover(name),
            )
        )
    return fig


def timeline_figure(rows: pl.DataFrame, bands: pl.DataFrame, zones: Sequence[str]) -> go.Figure:
    """Visits and distinct users per day, closure and holidays shaded."""
    start, end = rows.get_column("jour").min(), rows.get_column("jour").max()
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    fig = _daily_lines(
        rows,
        (
            ("visites", "Visites", VISITS_COLOUR),
            ("utilisateurs", "Utilisateurs distincts", USERS_COLOUR),
        ),
    )
    _add_phases(fig, start, end)
    _add_holidays(fig, bands, zones)
    top = max(_largest(rows, "visites"), _largest(rows, "utilisateurs"))
    headroom = 1.08 + (0.06 * len(zones) if len(zones) > 1 else 0.0)
    fig.update_layout(
        template=template(),
        height=_PLOT_HEIGHT,
        margin={"t": 40, "r": 24},
        hovermode="closest",
        yaxis={
            "range": [0, max(top, 1.0) * headroom],
            "title": {"text": "Par jour"},
            "tickformat": _COUNT_FORMAT,
        },
    )
    _date_axis(fig, start, end)
    return fig


def timeline_card(rows: pl.DataFrame, selection: Selection, *, synthetic: bool) -> ChartCard:
    """Card (1): the daily timeline of the selection."""
    start, end = day_range(rows)
    zones = timeline_zones(selection)
    bands = holiday_bands(zones, start, end)
    figure = timeline_figure(rows, bands, zones)
    lead, subject = _subject(selection)
    lecture = _timeline_lecture(rows, selection, lead, subject)
    zones_note = (
        f" Bandes grises du haut{NBSP}: vacances des zones A, B et C (la Corse et les DROM ont "
        "leur propre calendrier)."
        if len(zones) > 1
        else f" Gris{NBSP}: vacances scolaires ({', '.join(_lower_first(z) for z in zones)})."
        if zones
        else ""
    )
    data = rows.with_columns(
        pl.lit(selection.territory.label).alias("territoire"),
        pl.lit(selection.profile.label).alias("profil"),
        _period_expr(),
        _holiday_labels(rows, bands),
    ).select("jour", "territoire", "profil", "periode", "vacances", "visites", "utilisateurs")
    return ChartCard(
        figure=figure,
        title=f"Visites et utilisateurs des ENT par jour{NBSP}: {_scope(selection)}",
        subtitle=f"Nombre par jour, du {fmt_date(start)} au {fmt_date(end)}. Bleu pâle{NBSP}: "
        f"fermeture des écoles (16 mars{NBSP}-{NBSP}10 mai){NBSP}; tirets{NBSP}: "
        f"réouverture progressive (11 mai).{zones_note}",
        lecture=lecture,
        champ=f"connexions aux ENT {_champ_who(selection)}, "
        f"du {fmt_date(start)} au {fmt_date(end)}. Une visite est une suite de requêtes d'un "
        "même utilisateur sans interruption de plus de 30 minutes dans la journée ; un "
        "utilisateur est compté une fois par jour, quel que soit le nombre de ses visites.",
        source=source_text(synthetic),
        data=data,
        synthetic=synthetic,
    )


def _champ_who(selection: Selection) -> str:
    who = (
        "de tous les profils (élèves, parents, enseignants, personnels)"
        if selection.profile.value is None
        else f"des {selection.profile.people}"
    )
    where = (
        "dans les établissements de France"
        if selection.territory.kind == "france"
        else f"dans les établissements {selection.territory.of}"
    )
    return f"{who} {where}"


def _timeline_lecture(rows: pl.DataFrame, selection: Selection, lead: str, subject: str) -> str:
    first = rows.filter(pl.col("jour") == CLOSURE[0])
    closure = rows.filter(pl.col("jour").is_between(*CLOSURE))
    if first.is_empty() or closure.is_empty():
        peak = rows.sort("visites", descending=True).row(0, named=True)
        return (
            f"le {fmt_day(peak['jour'])}, {lead}{subject} ont fait {fmt_number(peak['visites'])} "
            f"visites sur les ENT, le plus haut niveau de la période."
        )
    day = first.row(0, named=True)
    peak = closure.sort("visites", "jour", descending=[True, False]).row(0, named=True)
    profile = selection.profile
    users = day["utilisateurs"]
    connected = (
        f"{fmt_number(users)} {profile.people} différents s'y sont connectés"
        if users > 1
        else f"{fmt_number(users)} {profile.one} s'y est connecté"
    )
    text = (
        f"le {fmt_day(CLOSURE[0])}, premier jour de la fermeture, {lead}{subject} ont fait "
        f"{_visits(day['visites'])} sur les ENT{NBSP}; {connected}."
    )
    if peak["jour"] != CLOSURE[0]:
        text += (
            f" Le plus haut niveau de la fermeture est atteint le {fmt_day(peak['jour'])} "
            f"({_visits(peak['visites'])})."
        )
    return text


def _visits(n: int) -> str:
    """« 1 visite », « 0 visite », « 1 234 visites » (French: singular below 2)."""
    return f"{fmt_number(n)} visite{'s' if n >= 2 else ''}"


# ---------------------------------------------------------------------- CNED --------------


def cned_rows(cned: pl.DataFrame) -> pl.DataFrame:
    """Days the CNED series covers (the ENT national columns kept beside it)."""
    return cned.filter(
        pl.col("cned_inscriptions").is_not_null() | pl.col("cned_classes_virtuelles").is_not_null()
    ).sort("jour")


def cned_figure(rows: pl.DataFrame) -> go.Figure:
    """Daily sign-ups and virtual classes of « Ma classe à la maison »."""
    if rows.is_empty():
        return empty_figure("Pas de série CNED dans les données")
    start, end = rows.get_column("jour").min(), rows.get_column("jour").max()
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    fig = _daily_lines(
        rows,
        (
            ("cned_inscriptions", "Inscriptions du jour", VISITS_COLOUR),
            ("cned_classes_virtuelles", "Classes virtuelles du jour", USERS_COLOUR),
        ),
    )
    _add_phases(fig, start, end)
    fig.update_layout(
        template=template(),
        height=360,
        margin={"t": 40, "r": 24},
        yaxis={"rangemode": "tozero", "title": {"text": "Par jour"}, "tickformat": _COUNT_FORMAT},
    )
    _date_axis(fig, start, end)
    return fig


def cned_card(cned: pl.DataFrame, *, synthetic: bool) -> ChartCard:
    """Card (1 bis): the national CNED series, with the ENT national series in its data."""
    rows = cned_rows(cned)
    figure = cned_figure(rows)
    if rows.is_empty():
        lecture = "la série du CNED ne couvre aucun jour des données."
        period = "2020"
    else:
        peak = rows.sort(
            "cned_inscriptions", "jour", descending=[True, False], nulls_last=True
        ).row(0, named=True)
        classes = rows.sort(
            "cned_classes_virtuelles", "jour", descending=[True, False], nulls_last=True
        ).row(0, named=True)
        lecture = (
            f"le {fmt_day(peak['jour'])}, {fmt_number(peak['cned_inscriptions'])} inscriptions "
            f"ont été enregistrées sur «{NBSP}Ma classe à la maison{NBSP}» du CNED, le plus haut "
            f"niveau de la période{NBSP}; le nombre de classes virtuelles culmine le "
            f"{fmt_day(classes['jour'])} ({fmt_number(classes['cned_classes_virtuelles'])})."
        )
        first, last = day_range(rows)
        period = f"du {fmt_date(first)} au {fmt_date(last)}"
    data = rows.select(
        "jour",
        pl.col("cned_inscriptions").alias("cned_inscriptions_du_jour"),
        pl.col("cned_utilisateurs_cumules"),
        pl.col("cned_classes_virtuelles").alias("cned_classes_virtuelles_du_jour"),
        pl.col("ent_visites").alias("ent_visites_france_tous_profils"),
        pl.col("ent_utilisateurs").alias("ent_utilisateurs_france_tous_profils"),
    )
    tag = " (synthétiques)" if synthetic else ""
    return ChartCard(
        figure=figure,
        title=f"«{NBSP}Ma classe à la maison{NBSP}» (CNED){NBSP}: inscriptions et classes "
        "virtuelles par jour",
        subtitle=f"Nombre par jour, France entière, {period}. Série nationale{NBSP}: le profil et "
        "le territoire choisis ne s'y appliquent pas. Bleu pâle : fermeture des écoles.",
        lecture=lecture,
        champ="inscriptions d'élèves (école, collège, lycée) et classes virtuelles tenues sur "
        "la plateforme du CNED, France entière ; les données téléchargées donnent aussi, "
        "chaque jour, les visites et les utilisateurs des ENT en France (tous profils).",
        source=f"CNED, «{NBSP}Ma classe à la maison{NBSP}», séries quotidiennes{tag}{NBSP}; "
        f"ENT, journaux de connexion{tag}{NBSP}; calculs EGN Analytics.",
        data=data,
        synthetic=synthetic,
    )


# ------------------------------------------------------------------- (2) ratio --------------


def ratio_rows(ratio: pl.DataFrame, names: Mapping[str, str] | None = None) -> pl.DataFrame:
    """One row per académie, highest ratio first (académies without a ratio last)."""
    names = dict(names or academy_names())
    return (
        ratio.with_columns(
            pl.col("code_academie")
            .replace_strict(names, default=pl.col("code_academie"), return_dtype=pl.String)
            .alias("academie")
        )
        .sort(["ratio", "academie"], descending=[True, False], nulls_last=True)
        .select(
            "code_academie",
            "academie",
            "zone",
            "profil",
            "jours_reference",
            "reference",
            "jours_fermeture",
            "fermeture",
            "jours_vacances_fermeture",
            "ratio",
        )
    )


def pooled_ratio(rows: pl.DataFrame, academies: Iterable[str]) -> float | None:
    """The territory's ratio: its académies' mean daily visits on their closure school days,
    summed, over the same sum for the reference (visits add up across académies; each
    académie keeps its own school days). Académies without a ratio are left out; None if
    none has one."""
    known = rows.filter(
        pl.col("code_academie").is_in(list(academies))
        & pl.col("ratio").is_not_null()
        & (pl.col("reference") > 0)
    )
    if known.is_empty():
        return None
    return float(known["fermeture"].sum()) / float(known["reference"].sum())


def ratio_figure(
    rows: pl.DataFrame, selection: Selection, territory_ratio: float | None
) -> go.Figure:
    """Ranked horizontal bars « ×2,1 », the selected académies in bleu France."""
    shown = rows.filter(pl.col("ratio").is_not_null())
    if shown.is_empty():
        return empty_figure("Aucun rapport calculable (calendriers scolaires inconnus)")
    highlight = None if selection.territory.kind == "france" else set(selection.territory.academies)
    names = [
        n
        for c, n in zip(shown["code_academie"], shown["academie"], strict=True)
        if highlight is None or c in highlight
    ]
    fig = bar_chart(
        shown,
        x="ratio",
        y="academie",
        orientation="h",
        highlight=None if highlight is None else names,
        value_format=fmt_ratio,
        value_label="Rapport fermeture / référence",
        x_title="Visites par jour de classe, fermeture / janvier-février",
        show_values=False,
    )
    top = max(_largest(shown, "ratio"), territory_ratio or 0.0, 1.0)
    # The values in a column of their own, right of the longest bar: readable at any bar
    # thickness (plotly shrinks text inside thin bars) and never crossed by the lines below.
    selected = [highlight is None or c in highlight for c in shown["code_academie"]]
    fig.add_trace(
        go.Scatter(
            x=[top * 1.04] * shown.height,
            y=shown["academie"].to_list(),
            text=[fmt_ratio(v) for v in shown["ratio"]],
            mode="text",
            textposition="middle right",
            textfont={
                "size": 12,
                "color": [BLEU_FRANCE if s and highlight else GREY_TEXT for s in selected],
            },
            hoverinfo="skip",
            showlegend=False,
            cliponaxis=False,
        )
    )
    fig.add_vline(x=1, line={"color": GREY_AXIS, "width": 1})
    if territory_ratio is not None and selection.territory.kind != "academie":
        where = "France" if selection.territory.kind == "france" else selection.territory.name
        fig.add_vline(
            x=territory_ratio,
            line={"color": GREY_TEXT, "dash": "dash", "width": 1.5},
            annotation={
                "text": f"{where}{NBSP}: {fmt_ratio(territory_ratio)}",
                "font": {"size": 12, "color": GREY_TEXT},
                "yanchor": "bottom",
                "bgcolor": "rgba(255,255,255,0.85)",
            },
            annotation_position="top",
        )
    fig.update_layout(
        height=max(260, 90 + 22 * shown.height),
        margin={"t": 36, "r": 24},
        xaxis={"range": [0, top * 1.16], "tickformat": ",.1f"},
        yaxis={"categoryorder": "array", "categoryarray": shown["academie"].to_list()},
    )
    return fig


def ratio_card(ratio: pl.DataFrame, selection: Selection, *, synthetic: bool) -> ChartCard:
    """Card (2): closure / reference ratio of daily visits by académie."""
    rows = ratio_rows(ratio)
    territory_ratio = pooled_ratio(rows, selection.territory.academies)
    figure = ratio_figure(rows, selection, territory_ratio)
    missing = rows.filter(pl.col("ratio").is_null())["academie"].to_list()
    lead, subject = _subject(selection)
    if territory_ratio is None:
        lecture = (
            f"le calendrier scolaire {_calendar_of(selection)} n'est pas entièrement connu{NBSP}: "
            "son rapport n'est pas calculé (aucun jour de vacances n'est inventé)."
        )
    else:
        lecture = (
            f"pendant la fermeture, {lead}{subject} ont fait "
            f"{_times_text(territory_ratio)} par jour de classe qu'en janvier-février."
        )
        if selection.territory.kind != "academie" and rows["ratio"].drop_nulls().len():
            best = rows.row(0, named=True)
            lecture += (
                f" Le rapport le plus élevé est celui de l'académie {_de(best['academie'])} "
                f"({fmt_ratio(best['ratio'])})."
            )
    missing_note = (
        f" Sans rapport (calendrier des vacances incomplet){NBSP}: {', '.join(missing)}."
        if missing
        else ""
    )
    who = selection.profile.people if selection.profile.value else "utilisateurs de tous profils"
    data = rows.select(
        "code_academie",
        "academie",
        "zone",
        "profil",
        "jours_reference",
        pl.col("reference").alias("visites_par_jour_reference"),
        "jours_fermeture",
        pl.col("fermeture").alias("visites_par_jour_fermeture"),
        "jours_vacances_fermeture",
        pl.col("ratio").alias("rapport_fermeture_reference"),
    )
    return ChartCard(
        figure=figure,
        title=f"Visites par jour de classe pendant la fermeture rapportées à janvier-février, "
        f"par académie{NBSP}: {selection.profile.label.lower()}",
        subtitle=_ratio_subtitle(selection),
        lecture=lecture,
        champ=f"visites des {who} "
        "sur les ENT, moyennes par jour de classe (du lundi au vendredi, hors jours fériés et "
        "vacances de la zone de l'académie) du 6 janvier au 28 février 2020 (référence) et du "
        "16 mars au 10 mai 2020 (fermeture : les vacances de printemps, qui tombent à des "
        f"dates différentes selon la zone, en sont exclues).{missing_note}",
        source=source_text(synthetic),
        data=data,
        synthetic=synthetic,
    )


def _ratio_subtitle(selection: Selection) -> str:
    territory = selection.territory
    base = f"Rapport (×1{NBSP}: autant de visites qu'avant la fermeture)."
    if territory.kind == "france":
        return f"{base} Tirets{NBSP}: France (ensemble des académies au calendrier connu)."
    if territory.kind == "region":
        return (
            f"{base} En bleu foncé{NBSP}: les académies de la {_lower_first(territory.label)}"
            f"{NBSP}; tirets{NBSP}: la région académique."
        )
    return f"{base} En bleu foncé{NBSP}: l'{_lower_first(territory.label)}."


def _calendar_of(selection: Selection) -> str:
    if selection.territory.kind == "academie":
        return f"de l'académie {_de(selection.territory.name)}"
    return f"des académies {selection.territory.of.removeprefix('de ')}"


def _times_text(ratio: float) -> str:
    """« 2,1 fois plus de visites », « 30 % de visites en moins », « autant de visites »."""
    if ratio >= 1.05:
        return f"{fmt_number(ratio, 1)} fois plus de visites"
    if ratio > 0.95:
        return f"à peu près autant de visites ({fmt_ratio(ratio)})"
    return f"{fmt_pct(1 - ratio, 0)} de visites en moins"


# -------------------------------------------------------------- (3) desynchronisation ------

#: The three time slots, in display order: (column, label on the axis, words in a sentence).
SLOTS = (
    (
        "part_soir",
        f"Soirée (19{NNBSP}h{NBSP}-{NBSP}22{NNBSP}h)",
        f"le soir (19{NNBSP}h-22{NNBSP}h)",
    ),
    ("part_nuit", f"Nuit (22{NNBSP}h{NBSP}-{NBSP}6{NNBSP}h)", f"la nuit (22{NNBSP}h-6{NNBSP}h)"),
    ("part_weekend", "Week-end", "le week-end"),
)
PERIOD_LABELS = {
    "avant": f"Avant la fermeture (6 janvier{NBSP}-{NBSP}28 février)",
    "fermeture": f"Pendant la fermeture (16 mars{NBSP}-{NBSP}10 mai)",
}


def desync_figure(rows: pl.DataFrame) -> go.Figure:
    """Grouped bars: each slot's share of requests, before vs during the closure."""
    if rows.is_empty():
        return empty_figure("Aucune requête sur la période (calendrier inconnu ?)")
    fig = go.Figure()
    for period, colour in (("avant", BEFORE_COLOUR), ("fermeture", BLEU_FRANCE)):
        found = rows.filter(pl.col("periode") == period)
        if found.is_empty():
            continue
        row = found.row(0, named=True)
        values = [row[column] for column, _, _ in SLOTS]
        labels = [fmt_pct(v, 1) for v in values]
        fig.add_trace(
            go.Bar(
                x=[label for _, label, _ in SLOTS],
                y=[None if is_missing(v) else v * 100 for v in values],
                name=PERIOD_LABELS[period],
                marker={"color": colour},
                text=labels,
                textposition="outside",
                cliponaxis=False,
                customdata=labels,
                hovertemplate=f"%{{x}}<br>{PERIOD_LABELS[period]}{NBSP}: %{{customdata}}"
                "<extra></extra>",
            )
        )
    top = max((v for t in fig.data for v in t.y if v is not None), default=10.0)
    fig.update_layout(
        template=template(),
        barmode="group",
        height=360,
        margin={"t": 40, "r": 24},
        yaxis={
            "range": [0, top * 1.2],
            "ticksuffix": f"{NNBSP}%",
            "title": {"text": "Part des requêtes"},
        },
    )
    return fig


def desync_card(rows: pl.DataFrame, selection: Selection, *, synthetic: bool) -> ChartCard:
    """Card (3): evening, night and weekend shares before vs during the closure."""
    figure = desync_figure(rows)
    lead, subject = _subject(selection)
    periods = {r["periode"]: r for r in rows.iter_rows(named=True)}
    if "avant" in periods and "fermeture" in periods:
        before, during = periods["avant"], periods["fermeture"]
        lecture = (
            f"pendant la fermeture, {lead}{fmt_pct(during['part_soir'], 1)} des requêtes "
            f"{_of_people(subject)} ont eu lieu {SLOTS[0][2]}, contre "
            f"{fmt_pct(before['part_soir'], 1)} avant la fermeture{NBSP}; "
            f"{fmt_pct(during['part_weekend'], 1)} {SLOTS[2][2]}, contre "
            f"{fmt_pct(before['part_weekend'], 1)}."
        )
    else:
        lecture = (
            f"aucune requête {_of_people(subject)} n'est disponible sur les deux périodes "
            "(calendrier scolaire inconnu ou pas d'activité)."
        )
    data = rows.with_columns(
        pl.lit(selection.territory.label).alias("territoire"),
        pl.col("periode").replace_strict(PERIOD_LABELS, default=pl.col("periode")),
    ).select(
        "territoire",
        "profil",
        "periode",
        pl.col("evenements").alias("requetes"),
        "part_soir",
        "part_nuit",
        "part_weekend",
    )
    return ChartCard(
        figure=figure,
        title=f"Requêtes du soir, de la nuit et du week-end, avant et pendant la fermeture"
        f"{NBSP}: {_scope(selection)}",
        subtitle="En pourcentage des requêtes de la période (heure locale). Un samedi soir "
        "compte à la fois dans la soirée et le week-end.",
        lecture=lecture,
        champ=f"requêtes adressées aux ENT {_champ_who(selection)}, hors vacances scolaires "
        "de l'académie (week-ends compris), du 6 janvier au 28 février 2020 (avant) et du "
        "16 mars au 10 mai 2020 (fermeture) ; académies dont le calendrier scolaire est connu.",
        source=source_text(synthetic),
        data=data,
        synthetic=synthetic,
    )


def _of_people(subject: str) -> str:
    """« les élèves de l'académie de Lille » → « des élèves de l'académie de Lille »."""
    return "des " + subject.removeprefix("les ")


# ---------------------------------------------------------------------- (4) ITS -----------


@dataclass(frozen=True, slots=True)
class Effect:
    """One estimated effect of the interrupted time series, formatted in French."""

    label: str
    kind: str  # « niveau » or « pente »
    rupture: dt.date
    value: str
    interval: str
    p_value: str
    significant: bool
    relative: float | None


def its_effects(its: pl.DataFrame) -> list[Effect]:
    """Level and slope changes at each break, as percentages (log model) with their 95 %
    interval; significant when the interval excludes 0."""
    effects = []
    for r in its.sort("rupture", "effet").iter_rows(named=True):
        relative = r["relative_change"]
        low, high = r["relative_ci_lower"], r["relative_ci_upper"]
        if is_missing(relative):  # a linear model: effects in visits
            value = fmt_number(r["estimate"], 0)
            interval = f"[{fmt_number(r['ci_lower'], 0)}{NBSP}; {fmt_number(r['ci_upper'], 0)}]"
            low, high = r["ci_lower"], r["ci_upper"]
        else:
            decimals = 1 if r["effet"] == "pente" else 0
            value = fmt_signed_pct(relative, decimals)
            interval = f"[{fmt_signed_pct(low, decimals)}{NBSP}; {fmt_signed_pct(high, decimals)}]"
        if r["effet"] == "pente":
            value += " par jour"
        significant = not is_missing(low) and not is_missing(high) and (low > 0 or high < 0)
        effects.append(
            Effect(
                label=r["libelle"],
                kind=r["effet"],
                rupture=r["rupture"],
                value=value,
                interval=interval,
                p_value=fmt_p_value(r["p_value"]),
                significant=significant,
                relative=None if is_missing(relative) else float(relative),
            )
        )
    return effects


def level_effect(effects: Sequence[Effect], rupture: dt.date) -> Effect | None:
    """The level change at ``rupture`` (16 March or 11 May), if the model has it."""
    return next((e for e in effects if e.kind == "niveau" and e.rupture == rupture), None)


def effect_sentence(effect: Effect, selection: Selection) -> str:
    """« au 16 mars 2020, les visites des élèves … ont augmenté de 85 % … (IC …) »."""
    lead, subject = _subject(selection)
    if effect.relative is None:
        return (
            f"{effect.label.lower()} {lead}: {effect.value} visites par jour ({effect.interval})."
        )
    verb = "augmenté" if effect.relative >= 0 else "baissé"
    size = fmt_pct(abs(effect.relative), 0)
    low, high = effect.interval.strip("[]").split(f"{NBSP}; ")
    text = (
        f"au {fmt_date(effect.rupture)}, {lead}les visites {_of_people(subject)} ont {verb} de "
        f"{size} par rapport à la tendance d'avant, prolongée, à jour de la semaine et vacances "
        f"comparables (intervalle de confiance à 95{NNBSP}%{NBSP}: de {low} à {high})"
    )
    if not effect.significant:
        text += f"{NBSP}; l'intervalle contient 0{NBSP}: le changement n'est pas significatif"
    return text + "."


def its_figure(fitted: pl.DataFrame) -> go.Figure:
    """Observed visits, the model's fit and its counterfactual (no closure) from 16 March."""
    if fitted.is_empty():
        return empty_figure("Pas de série à modéliser")
    rows = fitted.sort("jour")
    start, end = rows.get_column("jour").min(), rows.get_column("jour").max()
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    x = rows.get_column("jour").to_list()
    days = [fmt_day(d) for d in x]
    after = [d >= CLOSURE[0] for d in x]
    counterfactual = [
        v if keep else None for v, keep in zip(rows["counterfactual"].to_list(), after, strict=True)
    ]
    fig = go.Figure()
    for values, name, style in (
        (rows["observed"].to_list(), "Observé", {"color": GREY_MUTED_BAR, "width": 1.5}),
        (rows["fitted"].to_list(), "Ajusté par le modèle", {"color": BLEU_FRANCE, "width": 2.5}),
        (
            counterfactual,
            "Contrefactuel (sans fermeture)",
            {"color": USERS_COLOUR, "width": 2, "dash": "dash"},
        ),
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=values,
                name=name,
                mode="lines",
                line=style,
                customdata=[[d, fmt_number(v)] for d, v in zip(days, values, strict=True)],
                hovertemplate=_hover(name),
            )
        )
    _add_phases(fig, start, end)
    fig.update_layout(
        template=template(),
        height=_PLOT_HEIGHT,
        margin={"t": 40, "r": 24},
        yaxis={
            "rangemode": "tozero",
            "title": {"text": "Visites par jour"},
            "tickformat": _COUNT_FORMAT,
        },
    )
    _date_axis(fig, start, end)
    return fig


def its_card(
    fitted: pl.DataFrame, its: pl.DataFrame, selection: Selection, *, synthetic: bool
) -> ChartCard:
    """Card (4): observed vs fitted vs counterfactual, the 16 March level change in Lecture."""
    figure = its_figure(fitted)
    effects = its_effects(its)
    closure = level_effect(effects, CLOSURE[0])
    reopening = level_effect(effects, REOPENING)
    lecture = (
        effect_sentence(closure, selection)
        if closure
        else "le modèle n'a pas pu estimer le changement de niveau au 16 mars 2020."
    )
    if reopening:
        lecture += (
            f" Au {fmt_date(REOPENING)}{NBSP}: {reopening.value} "
            f"(intervalle de confiance à 95{NNBSP}%{NBSP}: {reopening.interval})."
        )
    first, last = day_range(fitted)
    method = its["methode"][0] if its.height else "modèle de séries temporelles interrompues"
    complete = bool(its["calendrier_complet"].all()) if its.height else True
    calendar_note = (
        ""
        if complete
        else f" Calendrier des vacances incomplet pour au moins une académie (DROM){NBSP}: "
        "seules les périodes connues sont prises en compte."
    )
    data = fitted.sort("jour").select(
        "jour",
        pl.lit(selection.territory.label).alias("territoire"),
        pl.lit(selection.profile.label).alias("profil"),
        pl.col("observed").alias("visites_observees"),
        pl.col("fitted").alias("visites_ajustees"),
        pl.col("counterfactual").alias("visites_contrefactuelles"),
        pl.col("vacances").alias("part_en_vacances"),
    )
    return ChartCard(
        figure=figure,
        title=f"Effet de la fermeture sur les visites, modèle de séries temporelles "
        f"interrompues{NBSP}: {_scope(selection)}",
        subtitle=f"Visites par jour. Contrefactuel{NBSP}: la tendance d'avant le 16 mars "
        "prolongée, avec le même rythme de la semaine et les mêmes vacances.",
        lecture=lecture,
        champ=f"visites sur les ENT {_champ_who(selection)}, chaque jour du "
        f"{fmt_date(first)} au {fmt_date(last)} ; "
        "ruptures le 16 mars (fermeture) et le 11 mai 2020 (réouverture), modèle sur le "
        f"logarithme des visites, jour de la semaine et vacances en variables de contrôle{NBSP}; "
        f"méthode{NBSP}: {method}.{calendar_note}",
        source=source_text(synthetic),
        data=data,
        synthetic=synthetic,
    )


# ----------------------------------------------------------------- (5) incidents ----------


def territory_projects(projects: pl.DataFrame, selection: Selection) -> list[str] | None:
    """ENT projects of the territory's établissements (None for France: every project)."""
    if selection.territory.kind == "france":
        return None
    found = projects.filter(pl.col("code_academie").is_in(list(selection.territory.academies)))
    return sorted(found["projet_ent"].unique().to_list())


def incident_rows(
    saturation: pl.DataFrame, projects: list[str] | None, min_events: int = MIN_INCIDENT_EVENTS
) -> pl.DataFrame:
    """Projects of the territory, most failing first on 16 March; ``shown`` says which ones
    have enough requests that day to be drawn."""
    rows = saturation.filter(pl.col("projet_ent").is_not_null())
    if projects is not None:
        rows = rows.filter(pl.col("projet_ent").is_in(projects))
    return rows.with_columns((pl.col("evenements_jour") >= min_events).alias("shown")).sort(
        ["part_5xx_jour", "projet_ent"], descending=[True, False], nulls_last=True
    )


def incidents_figure(rows: pl.DataFrame) -> go.Figure:
    """Grouped horizontal bars: 5xx share on 16 March vs the reference, by project."""
    shown = rows.filter(pl.col("shown"))
    if shown.is_empty():
        return empty_figure(f"Aucun projet ENT n'a reçu {MIN_INCIDENT_EVENTS} requêtes le 16 mars")
    projects = shown["projet_ent"].to_list()
    fig = go.Figure()
    for column, name, colour in (
        ("part_5xx_reference", f"Référence (6 janvier{NBSP}-{NBSP}28 février)", BEFORE_COLOUR),
        ("part_5xx_jour", "16 mars 2020", BLEU_FRANCE),
    ):
        values = shown[column].to_list()
        labels = [fmt_pct(v, 1) for v in values]
        fig.add_trace(
            go.Bar(
                x=[None if is_missing(v) else v * 100 for v in values],
                y=projects,
                orientation="h",
                name=name,
                marker={"color": colour},
                text=labels,
                textposition="outside",
                cliponaxis=False,
                customdata=labels,
                hovertemplate=f"%{{y}}<br>{name}{NBSP}: %{{customdata}}<extra></extra>",
            )
        )
    top = max((v for t in fig.data for v in t.x if v is not None), default=1.0)
    fig.update_layout(
        template=template(),
        barmode="group",
        height=max(260, 100 + 38 * len(projects)),
        margin={"t": 40, "r": 24},
        legend={"traceorder": "reversed"},
        xaxis={
            "range": [0, max(top, 1.0) * 1.2],
            "ticksuffix": f"{NNBSP}%",
            "title": {"text": "Part des requêtes en erreur serveur (5xx)"},
            "showgrid": True,
        },
        yaxis={"autorange": "reversed", "showgrid": False, "showline": True},
    )
    return fig


def incidents_card(
    saturation: pl.DataFrame, projects: pl.DataFrame, selection: Selection, *, synthetic: bool
) -> ChartCard:
    """Card (5): the incidents of 16 March 2020, ENT by ENT."""
    wanted = territory_projects(projects, selection)
    rows = incident_rows(saturation, wanted)
    figure = incidents_figure(rows)
    shown = rows.filter(pl.col("shown"))
    if shown.is_empty():
        lecture = (
            f"aucun projet ENT {selection.territory.of} n'a reçu au moins "
            f"{MIN_INCIDENT_EVENTS} requêtes le 16 mars 2020."
        )
    else:
        top = shown.row(0, named=True)
        lecture = (
            f"le 16 mars 2020, {fmt_pct(top['part_5xx_jour'], 1)} des requêtes adressées à "
            f"l'ENT «{NBSP}{top['projet_ent']}{NBSP}» ont échoué sur une erreur du serveur (5xx), "
            f"contre {fmt_pct(top['part_5xx_reference'], 1)} du 6 janvier au 28 février."
        )
    where = (
        "tous les projets ENT"
        if wanted is None
        else f"projets ENT des établissements {selection.territory.of}"
    )
    data = rows.select(
        "projet_ent",
        pl.col("evenements_jour").alias("requetes_16_mars"),
        pl.col("part_5xx_jour").alias("part_5xx_16_mars"),
        "part_5xx_reference",
        pl.col("ecart_points").alias("ecart_points"),
        pl.col("ratio").alias("rapport"),
        pl.col("shown").alias("affiche"),
    )
    return ChartCard(
        figure=figure,
        title="Incidents du 16 mars 2020 : part des requêtes en erreur serveur, par ENT",
        subtitle=f"En pourcentage des requêtes, tous profils, {where}. Le profil choisi ne "
        "s'applique pas : un ENT saturé l'est pour tous.",
        lecture=lecture,
        champ=f"requêtes adressées aux ENT le 16 mars 2020 et du 6 janvier au 28 février 2020 "
        f"(référence, tous les jours){NBSP}; projets ayant reçu au moins {MIN_INCIDENT_EVENTS} "
        "requêtes le 16 mars (les autres sont dans les données téléchargées). Erreur serveur : "
        "code HTTP de 500 à 599.",
        source=source_text(synthetic),
        data=data,
        synthetic=synthetic,
    )


# ------------------------------------------------------------------------- files ----------


def export_stem(card: str, selection: Selection) -> str:
    """``usages_rapport_eleve_academie-09``: what the file holds (the CNED series is national)."""
    if card == "cned":
        return "usages_cned"
    return f"usages_{card}_{selection.profile.slug}_{selection.territory.value}"


# -------------------------------------------------------------- from the indicator tables ---

#: ``profil`` of the ratio and desynchronisation tables' rows where every profile is pooled.
ALL_PROFILES = "tous"
#: Why a territory × profile has no model when the build left no reason (should not happen).
_NO_MODEL = "aucun modèle de séries temporelles interrompues pour ce profil sur ce territoire"


def _data_profile(selection: Selection) -> str:
    """The profile as the ratio and desynchronisation tables say it (« élève », « tous »)."""
    return selection.profile.value or ALL_PROFILES


def its_tables(selection: Selection, tables: Tables) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(coefficients, fitted values) of the selection's interrupted time series, as
    :func:`its_card` takes them (``usages_its`` and ``usages_its_ajuste`` of the build,
    enumeration columns dropped).

    Raises :class:`ValueError` with the model's own French reason (``usages_its_absents``)
    when the build could not fit it (too few data on a small territory).
    """
    where = {"territoire": selection.territory.value, "profil": selection.profile.slug}
    its = tables.table("usages_its", **where).drop("territoire", "profil")
    if its.is_empty():
        absent = tables.table("usages_its_absents", **where)
        raise ValueError(str(absent["raison"][0]) if absent.height else _NO_MODEL)
    fitted = tables.table("usages_its_ajuste", **where).drop("territoire", "profil")
    return its, fitted


def _timeline(selection: Selection, tables: Tables) -> ChartCard:
    rows = timeline_rows(
        tables.table("usages_quotidien"),
        tables.table("usages_regions"),
        tables.table("usages_national"),
        selection,
    )
    return timeline_card(rows, selection, synthetic=tables.synthetic)


def _cned(_selection: Selection, tables: Tables) -> ChartCard:
    return cned_card(tables.table("usages_cned"), synthetic=tables.synthetic)


def _ratio(selection: Selection, tables: Tables) -> ChartCard:
    ratio = tables.table("usages_ratio", profil=_data_profile(selection))
    return ratio_card(ratio, selection, synthetic=tables.synthetic)


def _desync(selection: Selection, tables: Tables) -> ChartCard:
    rows = tables.table(
        "usages_desynchronisation",
        territoire=selection.territory.value,
        profil=_data_profile(selection),
    ).drop("territoire")
    return desync_card(rows, selection, synthetic=tables.synthetic)


def _its(selection: Selection, tables: Tables) -> ChartCard:
    its, fitted = its_tables(selection, tables)
    return its_card(fitted, its, selection, synthetic=tables.synthetic)


def _incidents(selection: Selection, tables: Tables) -> ChartCard:
    return incidents_card(
        tables.table("usages_saturation"),
        tables.table("usages_projets"),
        selection,
        synthetic=tables.synthetic,
    )


#: The cards of the page, in its order (key → builder of the selection and the tables).
#: A missing table raises ``IndicatorNotBuiltError``; a model the build could not fit,
#: :class:`ValueError` (both French, for the page to show in the card's place).
CARDS: dict[str, Callable[[Selection, Tables], ChartCard]] = {
    "chronologie": _timeline,
    "cned": _cned,
    "rapport": _ratio,
    "horaires": _desync,
    "its": _its,
    "incidents": _incidents,
}
#: Card keys, as in the download file names.
CARD_KEYS = tuple(CARDS)

#: The views a note or a snapshot shows (the page's default first).
VIEWS: list[dict[str, str]] = [
    {PROFILE_PARAM: DEFAULT_PROFILE, TERRITORY_PARAM: FRANCE},
    {PROFILE_PARAM: "enseignant", TERRITORY_PARAM: FRANCE},
    {PROFILE_PARAM: DEFAULT_PROFILE, TERRITORY_PARAM: "region-53"},
    {PROFILE_PARAM: "parent", TERRITORY_PARAM: "academie-09"},
]

__all__ = [
    "ALL_PROFILES",
    "CARDS",
    "CARD_KEYS",
    "MIN_INCIDENT_EVENTS",
    "PERIOD_LABELS",
    "PROFILE_PARAM",
    "REFERENCE",
    "SLOTS",
    "TERRITORY_PARAM",
    "VIEWS",
    "Effect",
    "Selection",
    "cned_card",
    "cned_figure",
    "cned_rows",
    "day_range",
    "desync_card",
    "desync_figure",
    "effect_sentence",
    "export_stem",
    "fmt_day",
    "fmt_ratio",
    "fmt_signed_pct",
    "for_territory",
    "holiday_bands",
    "incident_rows",
    "incidents_card",
    "incidents_figure",
    "its_card",
    "its_effects",
    "its_figure",
    "its_tables",
    "level_effect",
    "parse_selection",
    "parse_view",
    "pooled_ratio",
    "ratio_card",
    "ratio_figure",
    "ratio_rows",
    "source_text",
    "territory_projects",
    "timeline_card",
    "timeline_figure",
    "timeline_rows",
    "timeline_zones",
    "view_label",
    "view_of",
]
