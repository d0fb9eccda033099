"""The indicator tables a request reads, opened the same way by every page and the note.

Why one place: the pages and the note download must read the same generation
(:func:`dashboards.data_access.processed_dir`, looked up at each call so a rebuild in place is
seen) with the synthetic flag the banner shows (a manifest that does not say counts as
synthetic), or a card and its download would disagree.
"""

from __future__ import annotations

from dashboards import data_access
from egn_analytics.cards import Tables


def synthetic() -> bool:
    """Whether the data this request reads are synthetic (the banner's verdict)."""
    return data_access.synthetic_notice(data_access.raw_dir()) is not None


def request_tables(synthetic_data: bool | None = None) -> Tables:
    """The build's indicator tables for this request (``synthetic_data`` when already known)."""
    flag = synthetic() if synthetic_data is None else synthetic_data
    return Tables(data_access.processed_dir(), synthetic=flag)
