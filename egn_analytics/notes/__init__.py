"""Briefing notes: key messages with their uncertainty, numbered charts and a methodology box,
written from the indicator tables as DOCX, PDF or HTML (``egn export note``).

:func:`scope_of` names the territory, :func:`build_note` decides what the note says (the same
for every format), and each renderer lays it out: :func:`render_html` here, ``render_docx`` and
``render_pdf`` in :mod:`egn_analytics.notes.docx` and :mod:`egn_analytics.notes.pdf`.
"""

from egn_analytics.notes.build import (
    ScopeError,
    build_note,
    scope_of,
    scope_of_breakdown,
    scope_of_territory,
)
from egn_analytics.notes.html import render_html
from egn_analytics.notes.messages import key_messages
from egn_analytics.notes.model import KeyMessage, MethodItem, Note, NoteFigure, Scope

__all__ = [
    "KeyMessage",
    "MethodItem",
    "Note",
    "NoteFigure",
    "Scope",
    "ScopeError",
    "build_note",
    "key_messages",
    "render_html",
    "scope_of",
    "scope_of_breakdown",
    "scope_of_territory",
]
