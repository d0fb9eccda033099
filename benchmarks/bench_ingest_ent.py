"""ENT log ingestion: our streaming loader vs DuckDB on the same files, in the same run.

For each input format (Parquet and CSV gzip by default) the synthetic ENT logs are generated
once (or reused from ``--data``), then each engine runs in a fresh child process, so that its
peak memory is its own; a thread of this process samples the child's memory every 50 ms::

    .venv/bin/python benchmarks/bench_ingest_ent.py                      # 10^7 events
    .venv/bin/python benchmarks/bench_ingest_ent.py --events 100000000 --formats parquet

Both engines read the same monthly files and write month-partitioned Parquet (zstd):

* **ours** (``egn_analytics.loaders.ent_logs.ingest``): timestamps with offsets → Paris time,
  every check of the loader, keyed BLAKE2b pseudonyms (a Python loop over the distinct logins
  of each batch), accepted rows to ``mois=…/part-….parquet``, rejects with their reasons to
  their own file, atomic publication.
* **duckdb**: one ``COPY (SELECT …) TO … (FORMAT parquet, PARTITION_BY (valide, mois))``
  with the same checks written in SQL (profile, HTTP status, UAI format and check letter,
  duration, plausible date). DuckDB has no keyed BLAKE2b: the pseudonym is
  ``md5(key || login)``, a keyed-prefix MD5 of the same length (a weaker construction, about
  the same cost). Rejected rows land in ``valide=false/`` partitions (no reason column).
  Not atomic: the output folder is written in place.

Printed per engine and format: rows, seconds, rows/s, peak RSS and peak heap (RSS minus
file-backed pages: what the process allocated), output size, and the ratio of times.
Generated files are kept under ``--data`` (default ``data/bench/``, git-ignored) for re-use;
outputs go to a temporary folder removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCH_KEY = "be" * 32  # a fixed pseudonymisation key: benchmarks never touch ~/.config

_DUCKDB_SQL = """
COPY (
  WITH src AS (
    SELECT {horodatage} AS h, login, lower(trim(profil)) AS profil, upper(trim(uai)) AS uai,
           projet_ent, service, url,
           try_cast(statut_http AS INTEGER) AS statut, try_cast(duree_ms AS BIGINT) AS duree,
           duree_ms AS duree_brut
    FROM {relation}
  )
  SELECT h AS horodatage, md5('{key}' || login) AS id_utilisateur, profil, uai, projet_ent,
         service, url, CAST(statut AS SMALLINT) AS statut_http,
         CAST(duree AS INTEGER) AS duree_ms,
         strftime(h, '%Y-%m') AS mois,
         coalesce(
           h IS NOT NULL AND h >= TIMESTAMPTZ '2000-01-01 00:00:00+00' AND h <= now()
           AND login IS NOT NULL AND login <> ''
           AND profil IN ('élève', 'eleve', 'parent', 'enseignant', 'personnel')
           AND statut BETWEEN 100 AND 599
           AND regexp_full_match(uai, '[0-9]{{7}}[A-Z]')
           AND substr('ABCDEFGHJKLMNPRSTUVWXYZ',
                      CAST(try_cast(substr(uai, 1, 7) AS INTEGER) % 23 AS INTEGER) + 1, 1)
               = substr(uai, 8, 1)
           AND (duree_brut IS NULL OR duree >= 0),
           false) AS valide
  FROM src
) TO '{out}' (FORMAT parquet, PARTITION_BY (valide, mois), COMPRESSION zstd)
"""


# --------------------------------------------------------------------------- child runs


def run_ours(src: Path, out: Path, batch_rows: int) -> dict[str, Any]:
    from egn_analytics.loaders import ent_logs
    from egn_analytics.loaders._core import cache_key

    start = time.perf_counter()
    summary = ent_logs.ingest(src, out, cache_key="bench", batch_rows=batch_rows, progress=False)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    cache_key(ent_logs.inputs(src), "bench")  # what the registry adds: hashing every input
    return {
        "rows": summary["lignes_lues"],
        "accepted": summary["acceptees"],
        "seconds": seconds,
        "hash_seconds": time.perf_counter() - start,
    }


def run_duckdb(src: Path, out: Path, fmt: str, threads: int) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET TimeZone = 'Europe/Paris'")
    con.execute("SET preserve_insertion_order = false")
    if fmt == "parquet":
        relation = f"read_parquet('{src}/*.parquet')"
        horodatage = "horodatage"
    else:
        cols = [
            "horodatage",
            "login",
            "profil",
            "uai",
            "projet_ent",
            "service",
            "url",
            "statut_http",
            "duree_ms",
        ]
        spec = ", ".join(f"'{c}': 'VARCHAR'" for c in cols)
        relation = f"read_csv('{src}/*.{fmt}', delim = ';', header = true, columns = {{{spec}}})"
        horodatage = "try_cast(horodatage AS TIMESTAMPTZ)"
    sql = _DUCKDB_SQL.format(horodatage=horodatage, relation=relation, key=BENCH_KEY, out=out)
    start = time.perf_counter()
    con.execute(sql)
    seconds = time.perf_counter() - start
    counts = con.execute(
        f"SELECT valide, count(*) FROM read_parquet('{out}/**/*.parquet', hive_partitioning = "
        "true) GROUP BY valide"
    ).fetchall()
    by_flag = {str(flag).lower(): n for flag, n in counts}
    return {
        "rows": sum(by_flag.values()),
        "accepted": by_flag.get("true", 0),
        "seconds": seconds,
    }


# --------------------------------------------------------------------------- parent


class _TreeSampler:
    """Peak RSS and peak heap (RSS - file-backed) of a process and its children, every 50 ms."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.peak_rss = 0
        self.peak_heap = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        rss = heap = 0
        try:
            for p in [self.proc, *self.proc.children(recursive=True)]:
                m = p.memory_info()
                rss += m.rss
                heap += m.rss - m.shared
        except psutil.Error:
            return
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_heap = max(self.peak_heap, heap)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.05)

    def __enter__(self) -> _TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def generate(data: Path, events: int, fmt: str, seed: int, scale: float) -> Path:
    """The logs folder for (events, fmt), generated once and reused while its stamp matches."""
    folder = data / f"ent_{events}_{fmt.replace('.', '_')}"
    logs = folder / "ent" / "logs"
    stamp = folder / "bench.json"
    wanted = {"events": events, "fmt": fmt, "seed": seed, "scale": scale}
    if stamp.is_file() and json.loads(stamp.read_text()) == wanted and logs.is_dir():
        print(f"# réutilise {logs}", flush=True)
        return logs
    from egn_analytics.synth.ent import write_ent
    from egn_analytics.synth.etablissements import make_etablissements

    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    write_ent(make_etablissements(seed, scale), folder, seed, events, fmt)
    stamp.write_text(json.dumps(wanted))
    print(
        f"# généré {events:,} événements {fmt} en {time.perf_counter() - start:.0f} s "
        f"({_folder_bytes(logs) / 2**30:.2f} Gio) dans {logs}",
        flush=True,
    )
    return logs


def measure(
    engine: str, fmt: str, src: Path, out: Path, args: argparse.Namespace
) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--run", engine, "--fmt", fmt]
    cmd += ["--src", str(src), "--out", str(out), "--batch-rows", str(args.batch_rows)]
    cmd += ["--threads", str(args.threads)]
    env = {**os.environ, "EGN_PSEUDO_KEY": BENCH_KEY}
    start = time.perf_counter()
    with subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True) as child:
        with _TreeSampler(child.pid) as sampler:
            stdout, _ = child.communicate()
        if child.returncode != 0:
            raise SystemExit(f"{engine} {fmt} a échoué (code {child.returncode})")
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    result |= {
        "engine": engine,
        "fmt": fmt,
        "wall": time.perf_counter() - start,
        "peak_rss": sampler.peak_rss,
        "peak_heap": sampler.peak_heap,
        "out_bytes": _folder_bytes(out),
    }
    return result


def report(r: dict[str, Any]) -> str:
    extra = f" hash_entrees={r['hash_seconds']:.1f}s" if "hash_seconds" in r else ""
    return (
        f"{r['engine']:7} {r['fmt']:8} rows={r['rows']:>12,} accepted={r['accepted']:>12,} "
        f"seconds={r['seconds']:7.1f} rows/s={r['rows'] / r['seconds']:>11,.0f} "
        f"peak_rss={r['peak_rss'] / 2**20:6.0f}MiB peak_heap={r['peak_heap'] / 2**20:6.0f}MiB "
        f"out={r['out_bytes'] / 2**20:7.0f}MiB{extra}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv.gz"])
    parser.add_argument("--engines", nargs="+", default=["ours", "duckdb"])
    parser.add_argument("--data", type=Path, default=REPO / "data" / "bench")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--scale", type=float, default=1.0, help="établissement scale")
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="keep the outputs")
    # Child mode (one engine, one format), used by the parent.
    parser.add_argument("--run", choices=["ours", "duckdb"], help=argparse.SUPPRESS)
    parser.add_argument("--fmt", default="parquet", help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.run:
        if args.run == "ours":
            result = run_ours(args.src, args.out, args.batch_rows)
        else:
            result = run_duckdb(args.src, args.out, args.fmt, args.threads)
        print(json.dumps(result))
        return 0

    print(
        f"# {os.cpu_count()} CPU, {psutil.virtual_memory().total / 2**30:.0f} Gio ; "
        f"événements={args.events:,} lot={args.batch_rows:,} threads={args.threads}",
        flush=True,
    )
    outputs = Path(tempfile.mkdtemp(prefix="bench_ingest_ent_"))
    try:
        for fmt in args.formats:
            src = generate(args.data, args.events, fmt, args.seed, args.scale)
            results = {}
            for engine in args.engines:
                out = outputs / f"{engine}_{fmt.replace('.', '_')}"
                results[engine] = measure(engine, fmt, src, out, args)
                print(report(results[engine]), flush=True)
                if not args.keep:
                    shutil.rmtree(out, ignore_errors=True)
            if {"ours", "duckdb"} <= results.keys():
                ours, duck = results["ours"], results["duckdb"]
                print(
                    f"ratio {fmt:8} duckdb_time/ours_time = {duck['seconds'] / ours['seconds']:.2f} "
                    f"(>1: we are faster) ; peak_heap ours/duckdb = "
                    f"{ours['peak_heap'] / max(duck['peak_heap'], 1):.2f}",
                    flush=True,
                )
    finally:
        if args.keep:
            print(f"# sorties gardées dans {outputs}")
        else:
            shutil.rmtree(outputs, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
