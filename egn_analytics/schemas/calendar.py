"""Schema of the school-calendar table (official open-data export, one row per period)."""

from __future__ import annotations

import dataframely as dy

from egn_analytics.reference import ZONES


class CalendrierSchema(dy.Schema):
    """``calendrier_scolaire``: one holiday period of one académie.

    ``debut`` is the first day off, ``reprise`` the day classes resume (the export's
    ``Date de fin``), both LOCAL dates of the académie. ``population`` is null when the period
    applies to everyone (``-`` in the export).
    """

    code_academie = dy.String(nullable=False, regex=r"^\d{2}$")
    academie = dy.String(nullable=False)
    zone = dy.Enum(list(ZONES), nullable=False)
    vacances = dy.String(nullable=False, min_length=1)
    debut = dy.Date(nullable=False)
    reprise = dy.Date(nullable=False)
    population = dy.String(nullable=True)
    annee_scolaire = dy.String(nullable=False, regex=r"^\d{4}-\d{4}$")
