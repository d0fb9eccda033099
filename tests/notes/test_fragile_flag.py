"""A fragile key message is flagged once: by its own words, or by the renderer when it has none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document

from egn_analytics.notes import KeyMessage, Note, Scope
from egn_analytics.notes.docx import FRAGILE_FLAG, render_docx
from egn_analytics.notes.messages import FRAGILE_CAUTION, _fragile_flag, needs_fragile_flag


def test_generated_caution_is_recognised() -> None:
    assert FRAGILE_CAUTION in _fragile_flag()
    said = f"12,0 % (IC à 95 % : 2,0–22,0 ; {_fragile_flag()})"
    assert not needs_fragile_flag("fragile", said)
    assert needs_fragile_flag("fragile", "12,0 % (IC à 95 % : 2,0–22,0)")
    assert not needs_fragile_flag("published", "12,0 %")


def test_docx_flags_a_fragile_message_once(tmp_path: Path) -> None:
    said = f"Un chiffre (IC à 95 % : 2,0–22,0 ; {_fragile_flag()})."
    bare = "Un autre chiffre (IC à 95 % : 1,0–9,0)."
    note = Note(
        title="Note",
        scope=Scope("national", None, "France"),
        data_date=dt.date(2020, 6, 1),
        created=dt.date(2020, 6, 1),
        messages=(
            KeyMessage(said, "enquetes", "fragile"),
            KeyMessage(bare, "enquetes", "fragile"),
        ),
        figures=(),
        methodology=(),
    )
    texts = [p.text for p in Document(str(render_docx(note, tmp_path / "n.docx"))).paragraphs]
    assert said in texts
    assert f"{bare} {FRAGILE_FLAG}" in texts
