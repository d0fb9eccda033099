"""Briefing notes (``egn export note``): seconds per note against the targets, same run.

Targets (issue 15, point 5), on the embedded data (``data/processed``): a **national** note in
under 10 s and an **académie** note in under 5 s, in every format (HTML, DOCX, PDF). Three
scopes are timed: France, académie 09 (Lille) and région académique 32 (Hauts-de-France)::

    .venv/bin/python benchmarks/bench_notes.py             # 3 formats x 3 scopes, best of 3
    .venv/bin/python benchmarks/bench_notes.py --quick     # académie 09 only, best of 2 (CI)

Two ways of running a note are measured:

* **warm**: in this process, imports done and the warm kaleido's Chromium started before the
  clock (what a server or a batch of notes pays per note). Each run is split into
  ``build_note`` (indicator tables to :class:`~egn_analytics.notes.model.Note`: key messages,
  cards, methodology), ``charts`` (the figures' images: inline SVG for HTML, 300-dpi PNG for
  DOCX, SVG for PDF) and ``render`` (the page, the DOCX or the Typst compile, written to
  disk). Best and median of ``--repeat`` runs.
* **fresh**: ``egn export note … --out`` in a new process (imports, Chromium start in the
  background while the note is built, everything): the wall time a user waits at the command
  line, best of ``--repeat``.

No external peer writes this note, so there is no ratio to another tool. The one comparison
that says something about our design is how the charts are drawn: plotly's own
``fig.write_image`` starts and stops a Chromium for each call. The **naive peer** row renders
the same charts of the national note (SVG, the PDF's images) with ``fig.write_image``, one
Chromium per chart, against our warm renderer (one Chromium, its tabs shared by the charts).

``--before REF`` also times commit ``REF`` (its ``egn_analytics`` extracted by ``git archive``
and put first on ``PYTHONPATH``): its warm runs in a child process, its fresh runs alternated
with ours, and a before -> after table of the fresh times.

The table prints, per scope and format, the split of the best warm run, its best and median,
the best fresh time, and ``OK`` or ``LENT`` against the target; exit code 1 if a warm note
misses its target (the fresh times are reported, not enforced: they depend on the machine's
load more than on the code).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FORMATS = ("html", "docx", "pdf")
#: Scope name -> (CLI options, target in seconds).
SCOPES: dict[str, tuple[list[str], float]] = {
    "national": (["--national"], 10.0),
    "academie 09": (["--academie", "09"], 5.0),
    "region 32": (["--region", "32"], 5.0),
}


def _scope(name: str) -> Any:
    from egn_analytics.notes import scope_of

    if name == "national":
        return scope_of(national=True)
    kind, code = name.split()
    return scope_of(academie=code) if kind == "academie" else scope_of(region=code)


def _images(note: Any, fmt: str) -> Any:
    """The charts of ``note`` as the renderer of ``fmt`` needs them."""
    from egn_analytics.notes import _images as images_mod
    from egn_analytics.notes import html as html_mod

    if fmt == "html":
        figure_svgs = getattr(html_mod, "figure_svgs", None)
        if figure_svgs is not None:
            return figure_svgs(note)
        return [html_mod.figure_svg(f) for f in note.figures]
    return images_mod.figure_images(note, png=fmt == "docx", svg=fmt == "pdf")


def _render(note: Any, fmt: str, images: Any, out: Path) -> None:
    """The renderer's own work once the images exist (the same calls as ``render_*``)."""
    if fmt == "html":
        from egn_analytics.notes.html import note_html

        out.write_text(note_html(note, images), encoding="utf-8")
    elif fmt == "docx":
        from egn_analytics.notes.docx import docx_bytes

        out.write_bytes(docx_bytes(note, images))
    else:
        from egn_analytics.notes.pdf import pdf_bytes

        out.write_bytes(pdf_bytes(note, images))


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def warm(scopes: list[str], repeat: int, processed: Path, out: Path) -> dict[tuple[str, str], dict]:
    """Per (scope, format): best and median of build / charts / render / total, one process."""
    from egn_analytics.cards import Tables
    from egn_analytics.notes import build_note
    from egn_analytics.notes import docx as _docx  # noqa: F401 - imports before the clock
    from egn_analytics.notes import pdf as _pdf  # noqa: F401
    from egn_analytics.viz.render import renderer

    t_start, _ = _timed(renderer().start)
    print(f"Chromium start (warm kaleido, once per process): {t_start:.2f} s")
    tables = Tables(processed)
    # One untimed note first, charts included: the OS file cache, the lazy imports of the
    # cards and the renderer's tabs (a second one opens from the second note on) are warm.
    _images(build_note(_scope(scopes[0]), tables), "pdf")
    results: dict[tuple[str, str], dict] = {}
    for name in scopes:
        scope = _scope(name)
        for fmt in FORMATS:
            runs: list[tuple[float, float, float]] = []
            for _ in range(repeat):
                t_build, note = _timed(lambda: build_note(scope, tables))  # noqa: B023
                t_charts, images = _timed(lambda: _images(note, fmt))  # noqa: B023
                t_render, _ = _timed(
                    lambda: _render(note, fmt, images, out / f"note.{fmt}")  # noqa: B023
                )
                runs.append((t_build, t_charts, t_render))
            totals = [sum(r) for r in runs]
            best = runs[totals.index(min(totals))]
            results[(name, fmt)] = {
                "build": best[0],
                "charts": best[1],
                "render": best[2],
                "best": min(totals),
                "median": statistics.median(totals),
                "figures": len(note.figures),
            }
            print(
                f"  warm  {name:12} {fmt:5} build {best[0]:5.2f} s  charts {best[1]:5.2f} s  "
                f"render {best[2]:5.2f} s  total best {min(totals):5.2f} s  "
                f"median {statistics.median(totals):5.2f} s",
                flush=True,
            )
    return results


def fresh(
    scopes: list[str], repeat: int, processed: Path, out: Path, before: Path | None = None
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Per (scope, format): best wall time of ``egn export note`` in a new process; with
    ``before`` (a folder holding an older ``egn_analytics``), the same command on that code,
    run alternately with ours so that a change of load touches both alike."""
    egn = Path(sys.executable).parent / "egn"
    ours: dict[tuple[str, str], float] = {}
    theirs: dict[tuple[str, str], float] = {}
    for name in scopes:
        options, _ = SCOPES[name]
        for fmt in FORMATS:
            target = out / f"fresh.{fmt}"
            command = [str(egn), "export", "note", *options, "--out", str(target),
                       "--processed", str(processed)]  # fmt: skip
            best = best_before = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, cwd=REPO)
                best = min(best, time.perf_counter() - start)
                if before is not None:
                    env = {**os.environ, "PYTHONPATH": str(before)}
                    start = time.perf_counter()
                    subprocess.run(command, check=True, capture_output=True, cwd=REPO, env=env)
                    best_before = min(best_before, time.perf_counter() - start)
            ours[(name, fmt)] = best
            line = f"  fresh {name:12} {fmt:5} best {best:5.2f} s"
            if before is not None:
                theirs[(name, fmt)] = best_before
                line += f"  (before: {best_before:5.2f} s)"
            print(line, flush=True)
    return ours, theirs


def checkout(ref: str, folder: Path) -> Path:
    """``egn_analytics`` as of commit ``ref``, extracted into ``folder`` (for PYTHONPATH)."""
    archive = subprocess.run(
        ["git", "archive", ref, "egn_analytics"], cwd=REPO, check=True, capture_output=True
    ).stdout
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def naive_peer(processed: Path, out: Path) -> tuple[float, float, int]:
    """The national note's charts as SVG: ``fig.write_image`` (one Chromium per chart) vs ours."""
    from egn_analytics.cards import Tables
    from egn_analytics.notes import _images as images_mod
    from egn_analytics.notes import build_note, scope_of

    note = build_note(scope_of(national=True), Tables(processed))
    figures = [images_mod.chart_figure(f.card) for f in note.figures]

    def peer() -> None:
        for i, fig in enumerate(figures):
            fig.write_image(out / f"peer-{i}.svg", format="svg",
                            width=fig.layout.width, height=fig.layout.height)  # fmt: skip

    t_peer, _ = _timed(peer)
    t_ours = min(_timed(lambda: images_mod.figure_images(note, svg=True))[0] for _ in range(3))
    return t_peer, t_ours, len(figures)


def report(
    scopes: list[str],
    warm_res: dict[tuple[str, str], dict],
    fresh_res: dict[tuple[str, str], float],
    peer: tuple[float, float, int] | None,
    fresh_before: dict[tuple[str, str], float] | None = None,
) -> bool:
    """Print the table against the targets; True when every warm note meets its target."""
    print()
    print(f"{'scope':12} {'format':6} {'build':>6} {'charts':>7} {'render':>7} "
          f"{'warm best':>10} {'median':>7} {'fresh':>7} {'target':>7}  verdict")  # fmt: skip
    ok = True
    for name in scopes:
        target = SCOPES[name][1]
        for fmt in FORMATS:
            w = warm_res[(name, fmt)]
            f = fresh_res.get((name, fmt))
            warm_ok = w["best"] < target
            fresh_ok = f is None or f < target
            ok &= warm_ok
            verdict = ("OK" if warm_ok else "LENT") + (
                "" if f is None else (" / fresh OK" if fresh_ok else " / fresh LENT")
            )
            fresh_text = f"{f:6.2f}s" if f is not None else "      -"
            print(
                f"{name:12} {fmt:6} {w['build']:5.2f}s {w['charts']:6.2f}s {w['render']:6.2f}s "
                f"{w['best']:9.2f}s {w['median']:6.2f}s {fresh_text} {target:6.1f}s  {verdict}"
            )
    if fresh_before:
        print("\nfresh process, before -> after (best of the alternated runs):")
        for (name, fmt), t_before in fresh_before.items():
            t_after = fresh_res[(name, fmt)]
            print(f"  {name:12} {fmt:5} {t_before:6.2f} s -> {t_after:6.2f} s "
                  f"(ratio {t_before / t_after:.2f})")  # fmt: skip
    if peer is not None:
        t_peer, t_ours, n = peer
        print(
            f"\nnaive peer: {n} charts of the national note as SVG, fig.write_image "
            f"(one Chromium per chart) {t_peer:.2f} s vs warm renderer {t_ours:.2f} s "
            f"(ratio {t_peer / t_ours:.1f}x)"
        )
    print(f"\nwarm notes within target: {'OK' if ok else 'FAILED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="académie 09 only, best of 2")
    parser.add_argument("--repeat", type=int, default=None, help="runs per case (default 3)")
    parser.add_argument("--processed", type=Path, default=REPO / "data" / "processed")
    parser.add_argument("--no-fresh", action="store_true", help="skip the fresh-process runs")
    parser.add_argument("--no-peer", action="store_true", help="skip the write_image peer")
    parser.add_argument(
        "--before",
        metavar="REF",
        help="also time a previous commit (warm in its own process, fresh alternated with ours)",
    )
    args = parser.parse_args()
    repeat = args.repeat or (2 if args.quick else 3)
    scopes = ["academie 09"] if args.quick else list(SCOPES)
    if not (args.processed / "indicateurs").is_dir():
        print(f"no built tables in {args.processed}: run `make build` first")
        return 1
    with tempfile.TemporaryDirectory(prefix="egn-bench-notes-") as tmp:
        out = Path(tmp)
        before = checkout(args.before, out / "before") if args.before else None
        if before is not None:
            # The previous commit's warm numbers, from its own process and code.
            print(f"before ({args.before}), warm process:", flush=True)
            subprocess.run(
                [sys.executable, __file__, "--no-fresh", "--no-peer", "--repeat", str(repeat),
                 "--processed", str(args.processed), *["--quick"] * args.quick],
                check=False, env={**os.environ, "PYTHONPATH": str(before)},
            )  # fmt: skip
            print(f"after (working tree), warm process ({repeat} runs per case):")
        else:
            print(f"warm process ({repeat} runs per case):")
        warm_res = warm(scopes, repeat, args.processed, out)
        fresh_res: dict[tuple[str, str], float] = {}
        fresh_before: dict[tuple[str, str], float] = {}
        if not args.no_fresh:
            print(f"fresh process, `egn export note` (best of {repeat}):")
            fresh_res, fresh_before = fresh(scopes, repeat, args.processed, out, before)
        peer = None if args.no_peer or args.quick else naive_peer(args.processed, out)
    return 0 if report(scopes, warm_res, fresh_res, peer, fresh_before) else 1


if __name__ == "__main__":
    sys.exit(main())
