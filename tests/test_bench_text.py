"""The text benchmark's quick mode runs, prints its figures and sane F1 values (not its speed)."""

from __future__ import annotations

import importlib.util
import re

import pytest

from tests.bench_support import run_quick_benchmark

_NUMBER = r"([0-9]+(?:\.[0-9]+)?)"


@pytest.mark.slow
def test_quick_benchmark_reports_times_f1_and_confusion() -> None:
    lines = run_quick_benchmark("bench_text.py")
    text = "\n".join(lines)
    for engine in ("seed", "learnt", "sklearn", "normalise"):
        assert any(re.match(rf"{engine}\s+texts=\s*500 seconds=", line) for line in lines), text
    assert re.search(r"^learnt .* fit=[0-9.]+s", text, re.MULTILINE), text
    assert any(line.startswith("target classify seed") for line in lines), text
    assert any(line.startswith("ratio classify sklearn_time/learnt_time") for line in lines)
    assert "peak_rss=" in text
    # Held-out figures: both methods, sane (the targets themselves are the full run's).
    for method in ("amorce_seule", "amorce_+_exemples", "scikit-learn_seul"):
        line = next((ln for ln in lines if ln.startswith(f"f1 {method} ")), None)
        assert line is not None, text
        found = re.search(rf"themes={_NUMBER} propositions={_NUMBER}", line)
        assert found is not None, line
        themes, propositions = map(float, found.groups())
        assert 0.5 < themes <= 1.0 and 0.5 < propositions <= 1.0, line
    assert "matrice de confusion des thèmes, amorce seule" in text
    assert "matrice de confusion des thèmes, amorce + exemples" in text
    assert "predit_5" in text and "non_classe" in text
    assert any(line.startswith("agreement seed   OK") for line in lines), text
    assert any(line.startswith("agreement learnt OK") for line in lines), text
    # The spaCy peer: its ratio when spaCy and fr_core_news_sm are installed, else « pair absent ».
    has_spacy = all(importlib.util.find_spec(m) for m in ("spacy", "fr_core_news_sm"))
    if has_spacy:
        assert any(line.startswith("ratio normalise spacy_time/ours_time") for line in lines)
        assert any(re.match(r"spacy@\d+\s+texts=\s*500", line) for line in lines), text
    else:
        assert any(line.startswith("spacy: pair absent") for line in lines), text
