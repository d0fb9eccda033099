"""Key messages of a briefing note: French sentences in the house style, with their uncertainty.

Why here and not in each renderer: a message decides what may be said of a number — its
interval, whether a gap is significant, whether the cell is covered by the statistical
secret — and the DOCX, PDF and HTML notes must say exactly the same thing. Every sentence is
built from the indicator tables of one build and from the cards' own sentence functions
(:mod:`egn_analytics.cards.enquetes`, :mod:`egn_analytics.cards.usages`,
:mod:`egn_analytics.cards.concertation`), so a note, a page and a notebook word a number alike.

Three rules, each tested on handmade frames:

* a gap is stated as a difference (« soit 35,0 points de moins ») only when it is significant
  at 5 %; otherwise the message says « écart non significatif » and claims no difference;
* a masked cell (status « masked ») is never quoted: the message says « non diffusé (secret
  statistique) » without any value, and the values of a masked row are blanked before any
  sentence is written (:func:`egn_analytics.survey.secret.mask_for_display`);
* a fragile estimate (status « fragile ») is flagged in the sentence and in
  :attr:`KeyMessage.status`, which the renderers show.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from egn_analytics.cards import enquetes as cards_enquetes
from egn_analytics.cards import usages as cards_usages
from egn_analytics.notes.model import KeyMessage, MessageStatus, Scope
from egn_analytics.reference import CLOSURE_START, PROFILES, Territory, territories
from egn_analytics.survey.secret import FRAGILE, MASKED, SECRET_LABEL, fragile_label
from egn_analytics.viz import fmt_number, fmt_pct
from egn_analytics.viz.formats import NBSP, NNBSP, is_missing

if TYPE_CHECKING:
    from egn_analytics.cards import Tables

#: A gap computed on demand: (indicator, breakdown, code a, code b) → the gap row of
#: :func:`egn_analytics.indicators.gap`, or None when it cannot be computed.
GapFunction = Callable[[str, str, str, str], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class SurveyFocus:
    """A survey indicator a note quotes, and the breakdown whose gap it states (the pair of
    domains compared: the breakdown's default, REP+ against hors EP for priority education)."""

    indicator: str
    gap_breakdown: str | None = None


#: The survey indicators a note quotes, in order: equipment first (the EGN's first question,
#: with the priority-education gap), then the families' difficulty by social background.
SURVEY_FOCUS: tuple[SurveyFocus, ...] = (
    SurveyFocus("eleves_ordinateur_perso", "ep"),
    SurveyFocus("parents_difficulte_suivi", "milieu_social"),
)
#: The profile of the usage messages (pupils first, as on the page).
USAGE_PROFILE = "eleve"
#: Breakdown of the survey table holding a territory of each kind.
SCOPE_BREAKDOWN = {"academie": "academie", "region": "region_academique"}
#: Fewest and most messages of a note.
MIN_MESSAGES, MAX_MESSAGES = 3, 6


# ------------------------------------------------------------------------ helpers --------


def territory_of(scope: Scope) -> Territory:
    """The :mod:`egn_analytics.reference` territory of a scope (France for a national one)."""
    kind = "france" if scope.kind == "national" else scope.kind
    return next(t for t in territories() if t.kind == kind and t.code == scope.code)


def region_of(scope: Scope) -> Territory | None:
    """The région académique of the scope (an académie's own région), None for France."""
    territory = territory_of(scope)
    if territory.kind == "france":
        return None
    if territory.kind == "region":
        return territory
    return next(t for t in territories() if t.kind == "region" and territory.code in t.academies)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    """Capitalised, one final full stop."""
    return _capitalise(text.strip().rstrip("."))


#: How a key message warns about a fragile estimate in its own words; a renderer that finds it
#: in the text adds no second flag (``says_fragile``).
FRAGILE_CAUTION = "à interpréter avec prudence"


def _fragile_flag() -> str:
    """« estimation fragile, CV > 20 %, à interpréter avec prudence » (no nested brackets:
    it is said inside the message's own)."""
    label = fragile_label().replace(" (", ", ").rstrip(")")
    return f"estimation {label}, {FRAGILE_CAUTION}"


def needs_fragile_flag(status: str, text: str) -> bool:
    """Whether a renderer should flag a message as fragile: it is, and its sentence does not
    already say so (the generated messages name the CV threshold themselves; a message written
    by hand may not)."""
    return status == FRAGILE and FRAGILE_CAUTION not in text


def fmt_ci(lower: float | None, upper: float | None, unit: str | None) -> str:
    """« IC à 95 % : 40,8–43,2 » (percentage points for a proportion), « IC n.d. » if missing."""
    if is_missing(lower) or is_missing(upper):
        return f"IC à 95{NNBSP}%{NBSP}: n.d."
    assert lower is not None and upper is not None
    scale = 100.0 if cards_enquetes.is_percent(unit) else 1.0
    return f"IC à 95{NNBSP}%{NBSP}: {fmt_number(lower * scale, 1)}–{fmt_number(upper * scale, 1)}"


def _in_domain(breakdown: str, label: str) -> str:
    """« en REP+ », « hors éducation prioritaire », « en milieu défavorisé », else
    « pour « Garçons » »."""
    if breakdown == "ep":
        lowered = cards_enquetes._lower_first(label)
        return lowered if lowered.startswith("hors") else f"en {label}"
    if breakdown == "milieu_social":
        return f"en milieu {label.lower()}"
    return f"pour «{NBSP}{label}{NBSP}»"


# ------------------------------------------------------------------------ survey ---------


def scope_row(
    table: pl.DataFrame, indicator: str, scope: Scope
) -> tuple[dict[str, Any] | None, bool]:
    """The indicator's row for the scope (masked values blanked) and whether it is the
    scope's own: an académie or a région whose breakdown the table lacks gets the France row
    (False), and the message says so."""
    rows = cards_enquetes.indicator_rows(table, indicator)
    breakdown = SCOPE_BREAKDOWN.get(scope.kind)
    if breakdown is not None:
        own = rows.filter(
            (pl.col("breakdown") == breakdown) & (pl.col("domain_code") == scope.code)
        )
        if own.height:
            return own.row(0, named=True), True
    return cards_enquetes.ensemble_row(table, indicator), scope.kind == "national"


def _value_clause(row: Mapping[str, Any], unit: str | None, where: str | None) -> tuple[str, bool]:
    """The library's « Lecture » of the row with its interval, or « non diffusé » for a
    masked row; and whether the row is fragile."""
    if row["status"] == MASKED or is_missing(row.get("estimate")):
        label = cards_enquetes._lower_first(str(row.get("label") or row["indicator"]))
        place = f", {where}" if where else ""
        return (
            f"{_capitalise(label)}{place}{NBSP}: non diffusé ({SECRET_LABEL})",
            False,
        )
    text = str(row.get("lecture") or "").strip().rstrip(".")
    if not text:  # a table without sentences: the label and the value
        text = f"{row['label']}{NBSP}: {cards_enquetes.fmt_value(row['estimate'], unit)}"
    fragile = row["status"] == FRAGILE
    detail = fmt_ci(row.get("ci_lower"), row.get("ci_upper"), unit)
    if fragile:
        detail += f"{NBSP}; {_fragile_flag()}"
    return f"{_sentence(text)} ({detail})", fragile


def gap_clause(
    table: pl.DataFrame,
    indicator: str,
    breakdown: str,
    compute: GapFunction | None,
    *,
    prefix: str = "",
) -> tuple[str, bool] | None:
    """« 9,4 % en REP+, soit 35,0 points de moins que hors éducation prioritaire (écart
    significatif) », or « … contre … (écart non significatif : aucune différence établie) »,
    or « écart … non diffusé (secret statistique) »; and whether it is fragile.

    The verdict is the cards' (:func:`egn_analytics.cards.enquetes.gap_verdict`): the gap is
    computed only between two publishable domains. None when nothing can be said (no such
    breakdown, no gap computed).
    """
    rows = cards_enquetes.domain_rows(table, cards_enquetes.Selection(indicator, breakdown))
    if rows.height < 2:
        return None
    unit = cards_enquetes.indicator_unit(table, indicator)
    a, b = cards_enquetes.default_gap_pair(rows, breakdown)
    found: dict[str, Mapping[str, Any]] = {}

    def _compute(code_a: str, code_b: str) -> Mapping[str, Any] | None:
        if compute is None:
            return None
        gap = compute(indicator, breakdown, code_a, code_b)
        if gap is not None:
            found["gap"] = gap
        return gap

    verdict = cards_enquetes.gap_verdict(rows, unit, a, b, _compute)
    if verdict is None:
        return None
    labels = dict(zip(rows["domain_code"], rows["domain"], strict=True))
    statuses = dict(zip(rows["domain_code"], rows["status"], strict=True))
    label_a, label_b = labels.get(str(a), str(a)), labels.get(str(b), str(b))
    if verdict.kind == "masked":
        return (
            f"{prefix}l'écart entre {label_a} et {cards_enquetes._lower_first(label_b)} n'est "
            f"pas diffusé ({SECRET_LABEL})",
            False,
        )
    if verdict.kind not in ("significant", "not_significant"):
        return None
    gap = found["gap"]
    fragile = gap.get("status") == FRAGILE or FRAGILE in (statuses.get(a), statuses.get(b))
    in_a, in_b = _in_domain(breakdown, label_a), _in_domain(breakdown, label_b)
    value_a = cards_enquetes.fmt_value(gap["estimate_a"], unit)
    value_b = cards_enquetes.fmt_value(gap["estimate_b"], unit)
    if verdict.kind == "significant":
        size = cards_enquetes.fmt_difference(abs(gap["difference"]), unit, signed=False)
        direction = "de moins" if gap["difference"] < 0 else "de plus"
        than = f"qu'{in_b}" if in_b[:1] in "aeiouyéè" else f"que {in_b}"
        text = f"{prefix}{value_a} {in_a}, soit {size} {direction} {than}"
        verdict_text = "écart significatif"
    else:
        text = f"{prefix}{value_a} {in_a} contre {value_b} {in_b}"
        verdict_text = f"écart non significatif{NBSP}: aucune différence établie"
    if fragile:
        verdict_text += f"{NBSP}; {_fragile_flag()}"
    return f"{text} ({verdict_text})", fragile


def survey_message(
    table: pl.DataFrame,
    focus: SurveyFocus,
    scope: Scope,
    compute: GapFunction | None = None,
) -> KeyMessage | None:
    """The message of one survey indicator on the scope: its value with its 95 % interval
    (the France value, saying so, when the survey has no row for the scope), then the gap of
    its breakdown (computed on France: the survey crosses no territory with it)."""
    if not (table["indicator"] == focus.indicator).any():
        return None
    row, own = scope_row(table, focus.indicator, scope)
    if row is None:
        return None
    unit = cards_enquetes.indicator_unit(table, focus.indicator)
    where = None if scope.kind == "national" else cards_enquetes._lower_first(scope.label)
    value, fragile = _value_clause(row, unit, where if own else "France")
    if not own:
        value = (
            (
                f"Faute d'estimation de l'enquête pour l'{cards_enquetes._lower_first(scope.label)}"
                if scope.kind == "academie"
                else f"Faute d'estimation de l'enquête pour la {cards_enquetes._lower_first(scope.label)}"
            )
            + f", chiffre de la France{NBSP}: "
            + cards_enquetes._lower_first(value)
        )
    text = value
    if focus.gap_breakdown:
        prefix = "" if scope.kind == "national" else "en France, "
        gap = gap_clause(table, focus.indicator, focus.gap_breakdown, compute, prefix=prefix)
        if gap is not None:
            text += f"{NBSP}; {gap[0]}"
            fragile = fragile or gap[1]
    status: MessageStatus = "fragile" if fragile else "published"
    return KeyMessage(
        text=text + ".", domain="enquetes", status=status, card="enquetes.estimations"
    )


def survey_gap_function(tables: Tables) -> GapFunction:
    """A :data:`GapFunction` on the build's microdata (:func:`egn_analytics.indicators.gap`);
    None when the gap cannot be computed (no survey table in the build, say)."""
    from egn_analytics.indicators import gap

    def compute(indicator: str, breakdown: str, a: str, b: str) -> Mapping[str, Any] | None:
        try:
            frame = gap(indicator, breakdown, a, b, processed_dir=tables.folder)
        except (OSError, ValueError, KeyError, pl.exceptions.PolarsError):
            return None
        return frame.row(0, named=True) if frame.height else None

    return compute


# ------------------------------------------------------------------------ usages ---------


def usage_selection(scope: Scope) -> cards_usages.Selection:
    """The usage cards' selection of the scope (pupils on the scope's territory)."""
    profile = next(p for p in PROFILES if p.slug == USAGE_PROFILE)
    return cards_usages.Selection(profile, territory_of(scope))


def ratio_message(ratio: pl.DataFrame, scope: Scope, *, synthetic: bool) -> KeyMessage | None:
    """Closure ratio of the territory: the « Lecture » of the card ``usages.rapport`` (exhaustive
    logs: no sampling interval), with the ratio itself."""
    selection = usage_selection(scope)
    rows = cards_usages.ratio_rows(ratio)
    value = cards_usages.pooled_ratio(rows, selection.territory.academies)
    card = cards_usages.ratio_card(ratio, selection, synthetic=synthetic)
    text = _sentence(card.lecture)
    if value is not None:
        first, dot, rest = text.partition(". ")
        text = f"{first} (rapport {cards_usages.fmt_ratio(value)}){dot}{rest}"
    return KeyMessage(
        text=text.rstrip(".") + ".", domain="usages", status="published", card="usages.rapport"
    )


def its_message(its: pl.DataFrame, scope: Scope) -> KeyMessage | None:
    """Level change of the visits on 16 March with its 95 % interval (the card ``usages.its``'s
    sentence, :func:`egn_analytics.cards.usages.effect_sentence`, which says when the interval
    contains 0)."""
    effect = cards_usages.level_effect(cards_usages.its_effects(its), CLOSURE_START)
    if effect is None:
        return None
    text = _sentence(cards_usages.effect_sentence(effect, usage_selection(scope)))
    return KeyMessage(text=text + ".", domain="usages", status="published", card="usages.its")


# ------------------------------------------------------------------ concertation ---------


def concertation_message(
    texts: pl.DataFrame, scope: Scope, quality: str | None = None
) -> KeyMessage | None:
    """Contributions of the scope's région académique (France for a national note) and its
    most frequent theme with its share (classification automatique, quality when measured)."""
    from egn_analytics.cards import concertation as cards_concertation

    region = region_of(scope)
    selection = cards_concertation.Selection(region=region.code if region else None)
    shown = cards_concertation.filter_texts(texts, selection)
    n = shown.height
    count = cards_concertation.fmt_count(n, "contribution")
    if region is None:
        lead = f"La consultation des États généraux du numérique a recueilli {count}"
    elif scope.kind == "academie":
        lead = (
            f"La {cards_enquetes._lower_first(region.label)}, dont relève "
            f"l'{cards_enquetes._lower_first(scope.label)}, a adressé {count} à la consultation"
        )
    else:
        lead = f"La {cards_enquetes._lower_first(region.label)} a adressé {count} à la consultation"
    themes = (
        shown.filter(pl.col("theme").is_not_null())
        .group_by("theme")
        .len()
        .sort(["len", "theme"], descending=[True, False])
    )
    if n == 0 or themes.is_empty():
        return KeyMessage(text=lead + ".", domain="concertation", card="concertation.themes")
    top, k = int(themes["theme"][0]), int(themes["len"][0])
    label = cards_concertation.theme_labels().get(top, str(top))
    detail = "classification automatique" + (f", {quality}" if quality else "")
    text = (
        f"{lead}{NBSP}; le thème le plus fréquent est «{NBSP}{label}{NBSP}» "
        f"({fmt_pct(k / n, 1)} des contributions{NBSP}; {detail})."
    )
    return KeyMessage(text=text, domain="concertation", card="concertation.themes")


# ------------------------------------------------------------------------ the set --------


def key_messages(
    scope: Scope,
    tables: Tables,
    *,
    compute_gap: GapFunction | None = None,
) -> tuple[KeyMessage, ...]:
    """The note's 3-6 key messages on ``scope``: survey (value and gap), usage (closure
    ratio, level effect of 16 March), consultation (contributions, top theme).

    A domain whose tables the build did not write gives no message (the others still do);
    ``compute_gap`` defaults to the microdata of the build (:func:`survey_gap_function`).
    """
    from egn_analytics.indicators import IndicatorNotBuiltError

    messages: list[KeyMessage | None] = []
    gap_fn = compute_gap if compute_gap is not None else survey_gap_function(tables)
    try:
        catalogue = cards_enquetes.catalogue_table(tables)
    except (IndicatorNotBuiltError, ValueError):
        catalogue = None
    if catalogue is not None:
        messages += [survey_message(catalogue, f, scope, gap_fn) for f in SURVEY_FOCUS]
    territory = territory_of(scope)
    with contextlib.suppress(IndicatorNotBuiltError):
        ratio = tables.table("usages_ratio", profil=PROFILES[0].value)
        messages.append(ratio_message(ratio, scope, synthetic=tables.synthetic))
    with contextlib.suppress(IndicatorNotBuiltError):
        its = tables.table("usages_its", territoire=territory.value, profil=USAGE_PROFILE)
        if its.height:
            messages.append(its_message(its.drop("territoire", "profil"), scope))
    with contextlib.suppress(IndicatorNotBuiltError):
        from egn_analytics.cards import concertation as cards_concertation

        method = cards_concertation.classification(tables)
        quality = cards_concertation.quality_text(method.evaluation, method.n_examples)
        texts = cards_concertation.contributions(tables)
        messages.append(concertation_message(texts, scope, quality))
    found = tuple(m for m in messages if m is not None)
    return found[:MAX_MESSAGES]


def message_texts(messages: Sequence[KeyMessage]) -> list[str]:
    """The texts alone (tests, the notebook's printout)."""
    return [m.text for m in messages]


__all__ = [
    "MAX_MESSAGES",
    "MIN_MESSAGES",
    "SURVEY_FOCUS",
    "GapFunction",
    "SurveyFocus",
    "concertation_message",
    "fmt_ci",
    "gap_clause",
    "its_message",
    "key_messages",
    "message_texts",
    "ratio_message",
    "region_of",
    "scope_row",
    "survey_gap_function",
    "survey_message",
    "territory_of",
    "usage_selection",
]
