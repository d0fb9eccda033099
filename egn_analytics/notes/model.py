"""What a briefing note is, independent of its format (DOCX, PDF, HTML).

Why a model between the indicator tables and the files: the key messages, the numbered charts
and the methodology box are decided once (:func:`egn_analytics.notes.build_note`), and each
renderer only lays them out, so the three formats of one note say exactly the same thing and a
test can check the messages without opening a file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from egn_analytics.viz import ChartCard

ScopeKind = Literal["national", "region", "academie"]
MessageStatus = Literal["published", "fragile"]


@dataclass(frozen=True, slots=True)
class Scope:
    """Who the note is about: France, a région académique or an académie.

    ``code`` is None for France; ``label`` is the French name as a title says it
    (« France », « Région académique Hauts-de-France », « Académie de Lille »); ``view`` is the
    territory as the cards' views say it (``{"territoire": "academie-09"}``).
    """

    kind: ScopeKind
    code: str | None
    label: str
    view: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class KeyMessage:
    """One key message: a French sentence in the house style, with its uncertainty.

    A message never states a non-significant gap as a difference, never quotes a masked
    cell, and says when an estimate is fragile (``status`` « fragile »: the renderers flag it).
    ``card`` is the key of the card the message comes from (the figure that shows it).
    """

    text: str
    domain: Literal["enquetes", "usages", "concertation"]
    status: MessageStatus = "published"
    card: str | None = None


@dataclass(frozen=True, slots=True)
class NoteFigure:
    """« Graphique N »: a card of the registry for a view, with its data for the annex."""

    number: int
    key: str
    view: dict[str, str]
    card: ChartCard


@dataclass(frozen=True, slots=True)
class MethodItem:
    """One entry of the methodology box (« Sources », « Pondération et calage »…)."""

    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Note:
    """A briefing note: title, scope, dates, key messages, numbered charts, methodology.

    ``data_date`` is the date of the data (the build); ``created`` is the note's date, set from
    the data's date or given, never the clock: the same data give the same note.
    ``synthetic_notice`` is the « Données synthétiques » notice when the data are synthetic.
    """

    title: str
    scope: Scope
    data_date: dt.date
    created: dt.date
    messages: tuple[KeyMessage, ...]
    figures: tuple[NoteFigure, ...]
    methodology: tuple[MethodItem, ...]
    synthetic_notice: str | None = None
