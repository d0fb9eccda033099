"""``make bench``: the generator's throughput and memory, and ratios against peers run alike.

Peers are measured in the same run on the same rows, so the ratios hold whatever the machine.
Generator:
the synthetic ENT events (one month) are written as CSV.gz and Parquet by our writer path
(Polars encoding, zlib level 3 / zstd) and by pandas (``to_csv(compression=gzip)``,
``to_parquet``). Then the full generator runs at 10^6 and 10^7 events (``--quick``: 10^6 only).
Performance targets are ratios (never timed unit tests): our writers should be at least as
fast as pandas'. Ingestion: ``bench_ingest_ent.py`` against DuckDB reading the same files.
Dashboards: ``bench_dashboard.py`` (served by ``egn serve``, driven by Chromium; targets in
seconds and milliseconds, with ``--before REF`` for the ratios to a previous commit).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent


def _best_of(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    """Best wall time of ``repeat`` runs (least disturbed by the machine's other work)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def writer_ratios(events: int) -> None:
    """Our CSV.gz / Parquet encoding vs pandas on the same generated events."""
    from egn_analytics.synth.ent import write_ent
    from egn_analytics.synth.etablissements import make_etablissements

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        write_ent(make_etablissements(2020, 0.2), out, 2020, events, "parquet")
        df = pl.read_parquet(out / "ent" / "logs" / "ent_evenements_2020-03_SYNTHETIQUE.parquet")
        pdf = df.to_pandas()

        def ours_csv() -> None:
            buf = io.BytesIO()
            df.write_csv(buf, separator=";")
            zlib.compressobj(3, zlib.DEFLATED, 31).compress(buf.getvalue())

        def pandas_csv() -> None:
            pdf.to_csv(out / "p.csv.gz", sep=";", index=False,
                       compression={"method": "gzip", "compresslevel": 3, "mtime": 0})  # fmt: skip

        def ours_parquet() -> None:
            df.write_parquet(out / "o.parquet", compression="zstd", compression_level=1)

        def pandas_parquet() -> None:
            pdf.to_parquet(out / "p.parquet", compression="zstd", index=False)

        rows = df.height
        for name, ours, peer in (
            ("csv.gz", ours_csv, pandas_csv),
            ("parquet", ours_parquet, pandas_parquet),
        ):
            t_ours, t_peer = _best_of(ours), _best_of(peer)
            print(
                f"writer {name:8} rows={rows:>9,} ours={rows / t_ours:>12,.0f} rows/s "
                f"pandas={rows / t_peer:>12,.0f} rows/s  ratio (pandas time / ours) = "
                f"{t_peer / t_ours:.2f}"
            )


def generator(events: int, fmt: str) -> None:
    """The whole ENT generator, in a fresh process so peak RSS is its own."""
    subprocess.run(
        [sys.executable, str(HERE / "bench_synth_ent.py"), "--events", str(events), "--fmt", fmt],
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^6 events only")
    args = parser.parse_args()
    writer_ratios(1_000_000)
    for events in (10**6,) if args.quick else (10**6, 10**7):
        for fmt in ("parquet", "csv.gz"):
            generator(events, fmt)
    # ENT ingestion (stream, validate, pseudonymise, partition) vs DuckDB on the same files.
    subprocess.run(
        [sys.executable, str(HERE / "bench_ingest_ent.py"),
         "--events", str(10**6 if args.quick else 10**7)],
        check=True,
    )  # fmt: skip
    # Survey estimates (tables, indicator catalogue) vs svy on the same data: bench_survey.py.
    subprocess.run(
        [sys.executable, str(HERE / "bench_survey.py"), *["--quick"] * args.quick], check=True
    )
    # Daily ENT usage table vs DuckDB and pandas on the same ingested events: bench_usage.py.
    subprocess.run(
        [sys.executable, str(HERE / "bench_usage.py"), *["--quick"] * args.quick], check=True
    )
    # Text classification (5,000 texts, held-out F1) vs spaCy and scikit-learn: bench_text.py.
    subprocess.run(
        [sys.executable, str(HERE / "bench_text.py"), *["--quick"] * args.quick], check=True
    )
    # Briefing notes (HTML, DOCX, PDF; national < 10 s, académie < 5 s; warm and fresh process,
    # one Chromium per chart as the naive peer): bench_notes.py (--before REF by hand).
    subprocess.run(
        [sys.executable, str(HERE / "bench_notes.py"), *["--quick"] * args.quick], check=True
    )
    # Dashboards (cold start, first chart, filter changes, 50 users, egn build): bench_dashboard.py;
    # --before REF compares with a previous commit (run it by hand: it builds and serves both).
    subprocess.run(
        [sys.executable, str(HERE / "bench_dashboard.py"), *["--quick"] * args.quick], check=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
