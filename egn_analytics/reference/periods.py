"""The periods of 2020 that every usage figure compares, read from the shipped Covid phases.

Why from the table: the closure and reopening dates were written in three places (the usage
indicators, the models' default breaks, the page); a correction made in one was not made in
the others. They are now read once from ``_data/phases_covid_2020.csv`` (through
:func:`egn_analytics.reference.phases_covid`), whose events name them.
"""

from __future__ import annotations

import datetime as dt

from egn_analytics.reference.nomenclatures import phases_covid


def _phase_day(starts_with: str) -> dt.date:
    """The date of the one phase whose event starts with ``starts_with`` (a package table:
    a missing or doubled event is a packaging bug, said plainly)."""
    phases = phases_covid()
    days = [
        day
        for day, event in phases.select("date", "evenement").iter_rows()
        if str(event).startswith(starts_with)
    ]
    if len(days) != 1:
        raise ValueError(
            f"phases_covid_2020.csv : {len(days)} événement(s) commençant par « {starts_with} »"
            " (un seul attendu)"
        )
    return days[0]


#: First day of the closure of every school (Monday 16 March 2020).
CLOSURE_START: dt.date = _phase_day("Fermeture de toutes les écoles")
#: First day of the progressive reopening (Monday 11 May 2020).
REOPENING: dt.date = _phase_day("Déconfinement, phase 1")
#: The closure, bounds included: 16 March - 10 May 2020.
CLOSURE: tuple[dt.date, dt.date] = (CLOSURE_START, REOPENING - dt.timedelta(days=1))
#: The day the ENTs were saturated: the first day of the closure.
INCIDENT_DAY: dt.date = CLOSURE_START
#: Break dates of the interrupted time series (ISO strings): closure, reopening.
ITS_BREAKS: tuple[str, ...] = (CLOSURE_START.isoformat(), REOPENING.isoformat())

__all__ = ["CLOSURE", "CLOSURE_START", "INCIDENT_DAY", "ITS_BREAKS", "REOPENING"]
