"""The indicator stage of ``egn build`` on a small generated data folder.

What is checked: every indicator table is written with its declared schema and listed in the
quality report; a second build recomputes nothing; a changed input recomputes only the tables
that depend on it; a failing table is reported in French and the others are written; counts
reconcile across tables; inputs missing from the build are « absent », not errors; and a build
killed (SIGKILL) inside the stage leaves the previous tables published and readable.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from egn_analytics.generations import current_generation, generations_root
from egn_analytics.indicators import IndicatorNotBuiltError, read_indicator, stage
from egn_analytics.indicators.stage import IndicatorSpec
from egn_analytics.loaders import registry

pytestmark = [pytest.mark.integration]


def _report(processed: Path) -> list[dict[str, Any]]:
    folder = current_generation(processed)
    tables = json.loads((folder / registry.QUALITY_REPORT).read_text(encoding="utf-8"))["tables"]
    return [t for t in tables if t["type"] == stage.KIND]


def _counting(calls: list[str]) -> Callable[[], tuple[IndicatorSpec, ...]]:
    """``all_specs`` with each compute wrapped to record its calls (same module: same key)."""
    original = stage.all_specs()

    def wrap(spec: IndicatorSpec) -> IndicatorSpec:
        @functools.wraps(spec.compute)
        def compute(context: stage.StageContext) -> Any:
            calls.append(spec.name)
            return spec.compute(context)

        return dataclasses.replace(spec, compute=compute)

    specs = tuple(wrap(s) for s in original)
    return lambda: specs


def test_every_table_is_written_with_its_schema(stage_data: Path) -> None:
    processed = stage_data / "processed"
    entries = {t["table"]: t for t in _report(processed)}
    schemas = stage.table_schemas()
    assert set(entries) == {f"indicateurs/{name}" for name in schemas}
    for name, schema in schemas.items():
        entry = entries[f"indicateurs/{name}"]
        assert "erreur" not in entry and "absent" not in entry, entry
        frame = read_indicator(name, processed)
        assert frame.schema == pl.Schema(stage.polars_schema(name)), name
        schema.validate(frame)  # raises if a rule is broken
        assert entry["lignes"] == frame.height == entry["acceptees"], name
        assert entry["lignes_lues"] == entry["acceptees"] + entry["rejetees"]
        meta = json.loads(
            (current_generation(processed) / "indicateurs" / f"{name}.meta.json").read_text("utf-8")
        )
        assert meta["cle_cache"] == entry["cle_cache"]
        assert entry["fichiers"] == [f"indicateurs/{name}.parquet", f"indicateurs/{name}.meta.json"]
    # The enumerations are complete: every territory × profile of the usage page.
    from egn_analytics.reference import PROFILES, territories

    its = read_indicator("usages_its", processed)
    absents = read_indicator("usages_its_absents", processed)
    fitted = set(its.select("territoire", "profil").unique().iter_rows())
    missing = set(absents.select("territoire", "profil").iter_rows())
    assert fitted | missing == {(t.value, p.slug) for t in territories() for p in PROFILES}
    assert not fitted & missing
    assert absents["raison"].str.len_chars().min() or absents.is_empty()
    assert read_indicator("textes_specificites", processed)["sources"].n_unique() == 31


def test_the_reader_filters_and_says_what_to_do(stage_data: Path, tmp_path: Path) -> None:
    processed = stage_data / "processed"
    view = read_indicator("usages_its", processed, territoire="france", profil="eleve")
    assert not view.is_empty()
    assert set(view["territoire"]) == {"france"} and set(view["profil"]) == {"eleve"}
    view.clear()  # the caller's own frame: the next call is not affected
    assert read_indicator("usages_its", processed, territoire="france").height > 0
    with pytest.raises(IndicatorNotBuiltError, match="lancez egn build"):
        read_indicator("usages_its", tmp_path)
    with pytest.raises(ValueError, match="inconnue"):
        stage.polars_schema("pas_une_table")


def test_second_build_is_all_cache_hits(
    private_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = private_data
    calls: list[str] = []
    monkeypatch.setattr(stage, "all_specs", _counting(calls))
    start = time.perf_counter()
    summaries = registry.build(data / "raw", data / "processed")
    elapsed = time.perf_counter() - start
    assert calls == []
    # (The loaders' own cache is theirs to test: some of their keys name the raw path, which
    # the copy changed; the indicator keys are content only.)
    ours = [s for s in summaries if s["type"] == stage.KIND]
    assert len(ours) == len(stage.table_schemas())
    assert all(s["cache"] for s in ours), [s for s in ours if not s.get("cache")]
    assert sum(s["secondes"] for s in summaries if s["type"] == stage.KIND) < 1.0
    assert elapsed < 10.0  # generous: the whole build on unchanged inputs, shared machine


def test_a_changed_input_recomputes_only_its_dependents(
    private_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = private_data
    cned = next((data / "raw" / "cned").glob("*.csv"))
    lines = cned.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(";")
    fields[1] = str(int(fields[1]) + 1)  # one more enrolment on the first day
    cned.write_text("\n".join([lines[0], ";".join(fields), *lines[2:]]) + "\n", encoding="utf-8")
    before = read_indicator("usages_cned", data / "processed")
    calls: list[str] = []
    monkeypatch.setattr(stage, "all_specs", _counting(calls))
    summaries = registry.build(data / "raw", data / "processed")
    assert calls == ["usages_cned"]
    recomputed = [s["table"] for s in summaries if s["type"] == stage.KIND and not s["cache"]]
    assert recomputed == ["indicateurs/usages_cned"]
    after = read_indicator("usages_cned", data / "processed")
    assert not after.equals(before)
    assert after["jour"].equals(before["jour"])


def test_a_failing_table_is_reported_and_the_others_written(
    private_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = private_data
    original = stage.all_specs()

    def broken(context: stage.StageContext) -> pl.DataFrame:
        raise ValueError("série introuvable (panne simulée)")

    specs = tuple(
        dataclasses.replace(s, compute=broken) if s.name == "usages_horaire" else s
        for s in original
    )
    monkeypatch.setattr(stage, "all_specs", lambda: specs)
    summaries = registry.build(data / "raw", data / "processed")
    failed = {s["table"]: s["erreur"] for s in summaries if "erreur" in s}
    assert failed == {
        "indicateurs/usages_horaire": "indicateurs/usages_horaire : série introuvable "
        "(panne simulée)",
        # its dependent cannot be computed, and says why
        "indicateurs/usages_desynchronisation": "indicateurs/usages_desynchronisation : "
        "calcul impossible : dépend de indicateurs/usages_horaire, en échec",
    }
    processed = data / "processed"
    for name in stage.table_schemas():
        if f"indicateurs/{name}" in failed:
            # never the previous build's copy beside the new tables
            with pytest.raises(IndicatorNotBuiltError):
                read_indicator(name, processed)
        else:
            read_indicator(name, processed)


def test_counts_reconcile(stage_data: Path) -> None:
    processed = stage_data / "processed"
    daily = read_indicator("usages_quotidien", processed)
    hourly = read_indicator("usages_horaire", processed)
    # Events add up across académies and hours (users do not).
    assert daily["evenements"].sum() == hourly["evenements"].sum() > 0
    by_day = (
        daily.group_by("jour", "profil")
        .agg(pl.col("evenements").sum())
        .join(
            hourly.group_by("jour", "profil").agg(pl.col("evenements").sum().alias("h")),
            on=["jour", "profil"],
        )
    )
    assert (by_day["evenements"] == by_day["h"]).all()
    ratio = read_indicator("usages_ratio", processed)
    assert ratio.group_by("profil").len()["len"].n_unique() == 1  # every profile, same académies
    texts = read_indicator("textes_contributions", processed)
    tokens = read_indicator("textes_jetons", processed)
    assert set(tokens["id"].unique()) <= set(texts["id"])
    from egn_analytics.text import load_texts

    assert texts.height == load_texts(current_generation(processed)).height


def test_missing_inputs_are_absent_not_errors(tmp_path: Path) -> None:
    from egn_analytics.synth import generate

    raw, out = tmp_path / "raw", tmp_path / "processed"
    generate(raw, seed=7, scale=0.02, families=("enquetes", "etablissements"))
    summaries = registry.build(raw, out)
    assert not [s for s in summaries if "erreur" in s]
    stage_entries = {s["table"]: s for s in summaries if s["type"] == stage.KIND}
    assert "absent" not in stage_entries["indicateurs/enquetes_catalogue"]
    usage = stage_entries["indicateurs/usages_its"]["absent"]
    assert usage.startswith("absent : pas d'évènements ENT")
    assert stage_entries["indicateurs/textes_specificites"]["absent"].startswith(
        "absent : pas de textes"
    )
    assert not (current_generation(out) / "indicateurs" / "usages_its.parquet").exists()


def test_sigkill_in_the_stage_leaves_the_previous_tables(private_data: Path) -> None:
    data = private_data
    processed = data / "processed"
    before = current_generation(processed)
    expected = read_indicator("usages_its", processed)
    env = {**os.environ, stage.PAUSE_ENV: "60", "EGN_PSEUDO_KEY": "cle-de-test-indicateurs"}
    build = [sys.executable, "-c", "from egn_analytics.cli import app; app()", "build"]
    process = subprocess.Popen(
        [*build, "--raw", str(data / "raw"), "--out", str(processed)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    root = generations_root(processed)
    try:
        deadline = time.monotonic() + 120
        while not list(root.glob(f"tmp-*/{stage.PAUSE_MARKER}")):
            assert process.poll() is None, "la construction s'est terminée avant l'étape"
            assert time.monotonic() < deadline, "l'étape des indicateurs n'a pas commencé"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    assert current_generation(processed) == before
    for name in stage.table_schemas():
        read_indicator(name, processed)
    assert read_indicator("usages_its", processed).equals(expected)
    # The next build removes what the killed one left and publishes normally.
    registry.build(data / "raw", processed)
    assert sorted(p.name[:2] for p in root.iterdir()) == ["g-", "g-"]
    assert read_indicator("usages_its", processed).equals(expected)
