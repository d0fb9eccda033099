"""Briefing notes: key messages with their uncertainty, numbered charts and a methodology box,
written from the indicator tables as DOCX, PDF or HTML (``egn export note``)."""

from egn_analytics.notes.model import KeyMessage, MethodItem, Note, NoteFigure, Scope

__all__ = ["KeyMessage", "MethodItem", "Note", "NoteFigure", "Scope"]
