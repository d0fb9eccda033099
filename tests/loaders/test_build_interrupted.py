"""`egn build` interrupted at many moments (SIGINT and SIGKILL): readers always see one build.

Two raw folders A and B (different seeds: every table differs). Each trial starts a build
toward the other folder and interrupts it after a delay spread over the build's duration; then
every file of the published generation must be byte-identical to a complete build of A or of B
(never a mix), and the quality report must vouch for exactly the tables beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from egn_analytics.generations import current_generation, generations_root

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TRIALS = 16
_BUILD = "from egn_analytics.cli import app; app()"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["EGN_PSEUDO_KEY"] = "cle-de-test-interruption"
    return env


def _build(raw: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", _BUILD, "build", "--raw", str(raw), "--out", str(out)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _snapshot(published: Path) -> dict[str, str]:
    """Content hash of every file of the published generation but the quality report (which
    holds timings); the report is checked on its own by :func:`_check_report`."""
    folder = current_generation(published)
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "qualite.json"
    }


def _check_report(published: Path) -> None:
    """The report lists the tables of its own build: each table's cache marker beside it
    carries the key the report recorded, and rows read = accepted + rejected."""
    folder = current_generation(published)
    report = json.loads((folder / "qualite.json").read_text(encoding="utf-8"))
    assert report["generation"] in folder.name
    for table in report["tables"]:
        assert "erreur" not in table, table
        meta = json.loads((folder / f"{table['table']}.meta.json").read_text(encoding="utf-8"))
        assert meta["cle_cache"] == table["cle_cache"], table["table"]
        assert table["lignes_lues"] == table["acceptees"] + table["rejetees"]


@pytest.fixture(scope="module")
def raws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from egn_analytics.synth import generate

    a, b = tmp_path_factory.mktemp("raw_a"), tmp_path_factory.mktemp("raw_b")
    generate(a, seed=5, scale=0.02, ent_events=30_000)
    generate(b, seed=6, scale=0.02, ent_events=40_000)
    return a, b


def test_interrupted_builds_never_mix_two_generations(
    raws: tuple[Path, Path], tmp_path: Path
) -> None:
    raw = {"A": raws[0], "B": raws[1]}
    published = tmp_path / "processed"
    complete: dict[str, dict[str, str]] = {}
    durations = []
    for name in ("B", "A"):  # complete builds of both: the two legitimate states
        start = time.perf_counter()
        assert _build(raw[name], published).wait(120) == 0
        durations.append(time.perf_counter() - start)
        complete[name] = _snapshot(published)
        _check_report(published)
    assert complete["A"].keys() == complete["B"].keys()
    # The main tables differ between A and B (empty rejects tables and the calendar do not).
    for key in ("etablissements.parquet", "enquete_eleves_2d.parquet", "documents.parquet"):
        assert complete["A"][key] != complete["B"][key], key
    assert any(complete["A"][k] != complete["B"][k] for k in complete["A"] if "evenements/" in k)
    # The shorter build: under a loaded machine later builds are slower, never faster, so
    # the schedule still interrupts most of them before their switch.
    duration = min(durations)

    state, outcomes = "A", {"interrompue": 0, "terminée": 0}
    for trial in range(TRIALS):
        target = "B" if state == "A" else "A"
        sig = signal.SIGINT if trial % 2 == 0 else signal.SIGKILL
        # From the interpreter's start-up to just past the end of the build.
        delay = duration * (0.15 + 1.0 * trial / TRIALS)
        process = _build(raw[target], published)
        time.sleep(delay)
        process.send_signal(sig)
        code = process.wait(120)
        snap = _snapshot(published)
        assert snap in (complete["A"], complete["B"]), (
            f"essai {trial} ({sig.name} après {delay:.2f} s) : tables de deux constructions"
        )
        _check_report(published)
        if snap == complete[target]:
            state = target
            outcomes["terminée"] += 1
        else:
            assert code != 0
            outcomes["interrompue"] += 1
    # The schedule hit builds both before and after their switch.
    assert outcomes["interrompue"] >= 4, outcomes

    # A later build recovers: it removes what killed builds left and publishes normally.
    target = "B" if state == "A" else "A"
    assert _build(raw[target], published).wait(120) == 0
    assert _snapshot(published) == complete[target]
    left = sorted(p.name[:2] for p in generations_root(published).iterdir())
    assert left == ["g-", "g-"], left
