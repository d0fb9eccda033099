"""Reading what a download callback returns (``dcc.send_bytes``): raw bytes, CSV lines."""

from __future__ import annotations

import base64
from typing import Any


def decode_download(payload: dict[str, Any]) -> bytes:
    """The bytes of a ``dcc.Download`` payload (always base64 here)."""
    assert payload["base64"] is True
    return base64.b64decode(payload["content"])


def csv_rows(payload: dict[str, Any]) -> list[dict[str, str]]:
    """The rows of a downloaded CSV for Excel FR (BOM, ``;``), as {header: cell}."""
    lines = decode_download(payload).decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    return [dict(zip(header, line.split(";"), strict=True)) for line in lines[1:]]
