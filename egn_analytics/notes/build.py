"""Assemble a briefing note: scope, key messages, numbered figures, methodology box.

Why one function for all formats: :func:`build_note` decides everything a note says from the
indicator tables of one build (the cards of the registry for the figures,
:mod:`egn_analytics.notes.messages` for the messages); the DOCX, PDF and HTML renderers only
lay the :class:`~egn_analytics.notes.model.Note` out. Nothing reads the clock: the data's date
is the build's (its generation id), and the note's date is that one unless given, so the same
build gives the same note.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from pathlib import Path

from egn_analytics.cards import Tables, build_card
from egn_analytics.notes.messages import (
    GapFunction,
    key_messages,
    region_of,
    territory_of,
)
from egn_analytics.notes.model import MethodItem, Note, NoteFigure, Scope, ScopeKind
from egn_analytics.reference import territories
from egn_analytics.reference.territories import _de
from egn_analytics.viz.formats import NBSP, NNBSP, fmt_pct

#: Title of every note, before the scope.
TITLE = "Continuité pédagogique et numérique pendant la fermeture des écoles de 2020"
#: The survey indicator the figures show (the first key message's).
FIGURE_INDICATOR = "eleves_ordinateur_perso"
#: Fewest and most figures of a note.
MIN_FIGURES, MAX_FIGURES = 4, 6
_GENERATION_STAMP = re.compile(r"^(\d{8})T\d{6}")


class ScopeError(ValueError):
    """A scope that names no known territory (said in one French line)."""


# ------------------------------------------------------------------------- scope ---------


def scope_of(
    academie: str | None = None, region: str | None = None, national: bool = False
) -> Scope:
    """The scope of a note: one académie, one région académique, or France.

    Exactly one of the three; an unknown code raises :class:`ScopeError` in French, listing
    the known codes (the territories of :mod:`egn_analytics.reference`).
    """
    asked = [name for name, v in (("academie", academie), ("region", region)) if v] + (
        ["national"] if national else []
    )
    if len(asked) != 1:
        raise ScopeError("indiquez une seule portée : --academie CODE, --region CODE ou --national")
    if national:
        return Scope(kind="national", code=None, label="France", view={"territoire": "france"})
    kind: ScopeKind = "academie" if academie else "region"
    code = str(academie or region).strip()
    known = [t for t in territories() if t.kind == kind]
    found = next((t for t in known if t.code == code), None)
    if found is None:
        what = "académie" if kind == "academie" else "région académique"
        codes = ", ".join(sorted(str(t.code) for t in known))
        raise ScopeError(f"{what} inconnue : «{NBSP}{code}{NBSP}» (codes connus : {codes})")
    return Scope(kind=kind, code=found.code, label=found.label, view={"territoire": found.value})


#: Survey breakdowns whose domain is a territory, and the territory's kind.
_TERRITORY_BREAKDOWNS = {"academie": "academie", "region_academique": "region"}


def scope_of_territory(kind: str | None, code: str | None) -> Scope:
    """The scope of a view's territory (``academie``/``region`` and its code); France when it
    is France, unknown or not a territory: a view always has a note, never an error."""
    try:
        if kind == "academie" and code:
            return scope_of(academie=code)
        if kind == "region" and code:
            return scope_of(region=code)
    except ScopeError:
        pass
    return scope_of(national=True)


def scope_of_breakdown(breakdown: str | None, domain: str | None) -> Scope:
    """The scope of a survey view: the académie or région its domain names when the breakdown
    is by académie or région académique, else France."""
    return scope_of_territory(_TERRITORY_BREAKDOWNS.get(breakdown or ""), domain)


# ------------------------------------------------------------------------- dates ---------


def data_date(tables: Tables) -> dt.date:
    """The date of the data: the day of the build (its generation id, as the quality report
    records it), else the latest table's write date. Deterministic for one build."""
    from egn_analytics.generations import generation_id

    folder = Path(tables.folder)
    stamp = generation_id(folder)
    if stamp is None:
        report = folder / "qualite.json"
        try:
            stamp = json.loads(report.read_text(encoding="utf-8")).get("generation")
        except (OSError, ValueError):
            stamp = None
    if isinstance(stamp, str) and (match := _GENERATION_STAMP.match(stamp)):
        return dt.datetime.strptime(match.group(1), "%Y%m%d").date()
    metas = sorted((folder / "indicateurs").glob("*.meta.json"))
    if metas:
        newest = max(p.stat().st_mtime for p in metas)
        return dt.datetime.fromtimestamp(newest, tz=dt.UTC).date()
    raise ValueError(f"aucune table d'indicateurs dans {folder} : lancez « egn build »")


# ------------------------------------------------------------------------ figures --------


def figure_plan(scope: Scope) -> list[tuple[str, dict[str, str]]]:
    """The cards a note shows for the scope, in order (the first :data:`MAX_FIGURES` that can
    be built are kept; the rest are spares for a card the build cannot make)."""
    territory = territory_of(scope)
    region = region_of(scope)
    usage = {"profil": "eleve", "territoire": territory.value}
    survey_geo: dict[str, str] = {"indicateur": FIGURE_INDICATOR}
    if scope.kind == "academie":
        survey_geo |= {"ventilation": "academie", "domaine": str(scope.code)}
    elif scope.kind == "region":
        survey_geo |= {"ventilation": "region_academique", "domaine": str(scope.code)}
    else:
        survey_geo |= {"ventilation": "milieu_social"}
    concertation = {"region": region.code} if region is not None and region.code else {}
    return [
        ("enquetes.estimations", {"indicateur": FIGURE_INDICATOR, "ventilation": "ep"}),
        ("enquetes.estimations", survey_geo),
        ("usages.chronologie", usage),
        ("usages.rapport", usage),
        ("usages.its", usage),
        ("concertation.themes", concertation),
        ("usages.horaires", usage),
        ("concertation.couverture", concertation),
    ]


def note_figures(scope: Scope, tables: Tables) -> tuple[NoteFigure, ...]:
    """« Graphique 1 … »: the cards of :func:`figure_plan` the build can make, numbered.

    A card whose table the build did not write, or whose model could not be fitted on a small
    territory, is replaced by the next spare.
    """
    from egn_analytics.indicators import IndicatorNotBuiltError

    figures: list[NoteFigure] = []
    for key, view in figure_plan(scope):
        if len(figures) == MAX_FIGURES:
            break
        try:
            card = build_card(key, view, tables)
        except (IndicatorNotBuiltError, ValueError):
            continue
        figures.append(NoteFigure(number=len(figures) + 1, key=key, view=dict(view), card=card))
    return tuple(figures)


# -------------------------------------------------------------------- methodology --------


def _classification_text(tables: Tables) -> str | None:
    from egn_analytics.cards import concertation as cards_concertation
    from egn_analytics.indicators import IndicatorNotBuiltError

    try:
        method = cards_concertation.classification(tables)
    except IndicatorNotBuiltError:
        return None
    return cards_concertation.method_sentence(
        method.method, method.evaluation, method.n_examples, synthetic=tables.synthetic
    )


def methodology(tables: Tables, notice: str | None) -> tuple[MethodItem, ...]:
    """The methodology box: sources, weights and calibration, the statistical secret, the
    definitions and, on synthetic data, the notice."""
    from egn_analytics.generations import generation_id
    from egn_analytics.survey.secret import SecretRule, fragile_label
    from egn_analytics.usage.daily import VISIT_GAP

    tag = " (données synthétiques)" if tables.synthetic else ""
    generation = generation_id(tables.folder)
    build = f" Tables de la construction {generation}." if generation else ""
    rule = SecretRule.from_settings()
    minutes = int(VISIT_GAP.total_seconds() // 60)
    items = [
        MethodItem(
            "Sources",
            "DEPP, enquêtes sur la continuité pédagogique de 2020 (élèves et parents d'élèves "
            "du second degré, enseignants, directeurs d'école et chefs d'établissement)"
            f"{NBSP}; journaux de connexion aux espaces numériques de travail (ENT)"
            f"{NBSP}; DEPP, annuaire des établissements{NBSP}; CNED, «{NBSP}Ma classe à la "
            f"maison{NBSP}»{NBSP}; consultation des États généraux du numérique pour "
            f"l'éducation (2020){tag}. Calculs EGN Analytics.{build}",
        ),
        MethodItem(
            "Pondération et calage",
            "Les estimations d'enquête tiennent compte du plan de sondage de la DEPP (tirage "
            "stratifié à deux degrés, établissements puis répondants, avec correction de "
            "population finie)\u00a0; les poids sont calés sur les marges des établissements "
            "(académie, secteur, éducation prioritaire). Intervalles de confiance à "
            f"95{NNBSP}%. Un écart entre deux domaines est testé avec la variance de la "
            "différence (les domaines partagent les strates) et n'est présenté comme une "
            f"différence que s'il est significatif au seuil de 5{NNBSP}%.",
        ),
        MethodItem(
            "Secret statistique",
            f"Une estimation qui repose sur moins de {rule.min_respondents} répondants est "
            "masquée («\u00a0secret statistique\u00a0»)\u00a0: sa valeur n'est citée ni dans "
            "les messages, ni dans les graphiques, ni dans les tableaux. "
            + (
                f"Une estimation dont le coefficient de variation dépasse "
                f"{fmt_pct(rule.max_cv, 0)} est publiée avec la mention «\u00a0"
                f"{fragile_label()}\u00a0», à interpréter avec prudence."
                if rule.max_cv is not None
                else ""
            ),
        ),
        MethodItem(
            "Visite",
            "Suite de requêtes d'un même utilisateur sur un ENT, une nouvelle visite commençant "
            f"après plus de {minutes}{NNBSP}minutes sans requête.",
        ),
        MethodItem(
            "Période de référence",
            "Jours de classe (du lundi au vendredi, hors jours fériés et vacances de la zone) "
            "du 6 janvier au 28 février 2020, comparés à la fermeture des écoles du 16 mars au "
            "10 mai 2020.",
        ),
        MethodItem(
            "Rapport de fermeture",
            "Visites moyennes par jour de classe pendant la fermeture rapportées à celles de "
            f"la période de référence (×1{NBSP}: autant de visites qu'avant). Les journaux "
            "sont exhaustifs\u00a0: ce rapport n'a pas d'intervalle d'échantillonnage\u00a0; "
            "l'effet du 16 mars est estimé par une série temporelle interrompue, avec son "
            f"intervalle de confiance à 95{NNBSP}%.",
        ),
    ]
    classification = _classification_text(tables)
    if classification:
        items.append(MethodItem("Classification des contributions", classification))
    if notice:
        label = "Données synthétiques"
        head, colon, rest = notice.partition(":")
        text = rest.strip() if colon and head.strip() == label else notice
        items.append(MethodItem(label, _capitalise(text)))
    return tuple(items)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _notice(tables: Tables) -> str | None:
    """The « Données synthétiques » notice of the raw folder's manifest, when synthetic."""
    if not tables.synthetic:
        return None
    from egn_analytics.sources import raw_dir_of, synthetic_notice
    from egn_analytics.viz.card import SYNTHETIC_NOTE

    return synthetic_notice(raw_dir_of(tables.folder)) or SYNTHETIC_NOTE


# --------------------------------------------------------------------------- note --------


def note_title(scope: Scope) -> str:
    """« … de 2020 : académie de Lille », « … : France »."""
    where = scope.label if scope.kind == "national" else scope.label[:1].lower() + scope.label[1:]
    return f"{TITLE}{NBSP}: {where}"


def build_note(
    scope: Scope,
    tables: Tables | None = None,
    *,
    created: dt.date | None = None,
    compute_gap: GapFunction | None = None,
) -> Note:
    """The note of ``scope`` from ``tables`` (default: the configured build, pinned once).

    ``created`` is the note's date (default: the data's date, never the clock).
    ``compute_gap`` replaces the survey gaps computed from the microdata (tests).
    """
    tables = tables if tables is not None else Tables()
    day = data_date(tables)
    notice = _notice(tables)
    return Note(
        title=note_title(scope),
        scope=scope,
        data_date=day,
        created=created or day,
        messages=key_messages(scope, tables, compute_gap=compute_gap),
        figures=note_figures(scope, tables),
        methodology=methodology(tables, notice),
        synthetic_notice=notice,
    )


def scope_sentence(scope: Scope) -> str:
    """« Champ de la note : académie de Lille (région académique Hauts-de-France). »"""
    region = region_of(scope)
    if scope.kind == "academie" and region is not None:
        return f"Académie {_de(territory_of(scope).name)} (région académique {region.name})"
    return scope.label


def view_text(view: Mapping[str, str]) -> str:
    """``indicateur=…, ventilation=…`` (the annex says which view a figure shows)."""
    return ", ".join(f"{k}={v}" for k, v in view.items()) or "vue par défaut"


__all__ = [
    "MAX_FIGURES",
    "MIN_FIGURES",
    "TITLE",
    "ScopeError",
    "build_note",
    "data_date",
    "figure_plan",
    "methodology",
    "note_figures",
    "note_title",
    "scope_of",
    "scope_of_breakdown",
    "scope_of_territory",
    "scope_sentence",
    "view_text",
]
