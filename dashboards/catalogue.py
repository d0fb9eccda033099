"""The « Données » page's URL and filter, and the file names of every page's downloads.

What the page shows of the embedded sources (key figures, datasets, detail rows, size card,
quality report) is built by the library, :mod:`egn_analytics.cards.donnees`, the same for a
notebook or a briefing note; what stays here needs the URL or a Dash option list: the family
filter's query string and options, and the name a download is given.
"""

from __future__ import annotations

from urllib.parse import urlencode

import polars as pl

from egn_analytics.cards.donnees import FAMILY_LABELS, family_label

#: Query-string parameter of the family filter (``/?famille=ent``).
FAMILY_PARAM = "famille"


def family_options(files: pl.DataFrame) -> list[dict[str, str]]:
    """Dropdown options: the families present, in display order."""
    present = set(files.get_column("family").to_list())
    ordered = [f for f in FAMILY_LABELS if f in present] + sorted(present - set(FAMILY_LABELS))
    return [{"label": family_label(f), "value": f} for f in ordered]


def family_query(family: str | None) -> str:
    """Query string that encodes the filter: ``"?famille=ent"``, or ``""`` for all families."""
    return f"?{urlencode({FAMILY_PARAM: family})}" if family else ""


def export_filename(stem: str, family: str | None, synthetic: bool, ext: str) -> str:
    """File name of a download, with the filter and the synthetic tag in it.

    A downloaded file leaves the app: its name must say what it holds and that it is synthetic.
    """
    parts = [stem, family or "", "SYNTHETIQUE" if synthetic else ""]
    return "_".join(p for p in parts if p) + f".{ext}"


__all__ = ["FAMILY_PARAM", "export_filename", "family_options", "family_query"]
