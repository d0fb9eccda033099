"""Benchmark of the synthetic ENT log generator: throughput, peak memory, bytes on disk.

Why a script and not a test: the interesting sizes (10^7 - 10^8 events) take minutes and
gigabytes; the closing notes quote its output. Run for instance::

    .venv/bin/python benchmarks/bench_synth_ent.py --events 10000000 --fmt parquet

The établissement frame is built first (scale 1 by default, 13 M pupils) and is not counted in
the timing. Generated files are deleted at the end unless ``--keep`` is given (only the files
the generator reports are removed, never the rest of ``--out``).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from egn_analytics.synth.ent import FORMATS, write_ent
from egn_analytics.synth.etablissements import make_etablissements


class _RssSampler:
    """Samples the resident set size every 50 ms (``ru_maxrss`` also counts the start-up)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._proc = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(0.05)

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="total log events")
    parser.add_argument("--fmt", choices=FORMATS, default="parquet")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: a temp)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--scale", type=float, default=1.0, help="établissement scale")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="bench_ent_"))
    etab = make_etablissements(args.seed, args.scale)
    rss_before = psutil.Process().memory_info().rss
    with _RssSampler() as sampler:
        start = time.perf_counter()
        records = write_ent(etab, out, args.seed, args.events, args.fmt)
        elapsed = time.perf_counter() - start
    rows = sum(r.rows or 0 for r in records if r.path.startswith("ent/logs/"))
    log_bytes = sum(r.bytes for r in records if r.path.startswith("ent/logs/"))
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"events={rows} fmt={args.fmt} etablissements={etab.height} seconds={elapsed:.1f} "
        f"events_per_s={rows / elapsed:,.0f} peak_rss_mb={sampler.peak / 2**20:.0f} "
        f"ru_maxrss_mb={maxrss_mb:.0f} rss_before_mb={rss_before / 2**20:.0f} "
        f"log_bytes={log_bytes} ({log_bytes / 2**30:.2f} GiB) bytes_per_event="
        f"{log_bytes / max(rows, 1):.1f}"
    )
    if not args.keep:
        for rec in records:
            (out / rec.path).unlink(missing_ok=True)
        for folder in (out / "ent" / "logs", out / "ent"):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
