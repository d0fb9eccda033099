"""The daily usage table computed on a Dask distributed cluster (beyond one machine).

:func:`daily_table_dask` gives exactly the table of :func:`egn_analytics.usage.daily_table`
(same rows, dtypes and order), but each month partition (``mois=YYYY-MM``) is aggregated by
:func:`~egn_analytics.usage.daily_partition` on a Dask worker, which reads it itself from the
events folder. Partitions are months and a local day never straddles two months, so each
partition's table is final: the client only concatenates and sorts them. Nothing but small
tables crosses the network (one row per day × académie × profile, a few hundred kB a month);
the établissements table (``uai`` → ``code_academie``) is sent once to every worker.

Dask is optional: ``pip install "egn-analytics[distributed]"`` (``dask[distributed]``); it is
imported only when this function runs, so the library imports without it.

Pointing it at a ministry cluster
---------------------------------
1. **Data where the workers can read it.** ``events_dir`` is read by the workers, at the same
   path on every one of them: a shared filesystem (NFS, Lustre, GPFS, CephFS) mounted at the
   same place, or an object-storage bucket mounted as a filesystem (``s3fs``, ``rclone mount``,
   a CSI volume) at that path. ``s3://…`` URLs are not read directly (partitions are listed
   with the filesystem). The partitions are listed by a worker, so the machine that calls the
   function does not need to see the folder; the établissements table (a frame or a path) is
   read on the caller's side.
2. **The same package on every worker**: the same version of ``egn-analytics`` (and of
   Polars) in the workers' Python environment as on the caller's side; the task is a plain
   function of this module, sent by reference, not by value.
3. **Start the cluster** (or use the one the platform provides)::

       dask scheduler --host 10.0.0.5 --port 8786 --no-dashboard       # one machine
       dask worker tcp://10.0.0.5:8786 --nthreads 1 --memory-limit 8GiB --no-dashboard
                                                                        # each machine

   then ``daily_table_dask(events_dir, etab, address="tcp://10.0.0.5:8786")``, or pass a
   ``distributed.Client`` you already have (``client=``; it is left open). ``--nthreads 1``:
   Polars already uses every core of the worker's machine for one partition; start several
   workers per machine rather than several threads per worker (and set
   ``POLARS_MAX_THREADS`` to the cores each one may use).
4. **No pseudonymisation key** is needed anywhere: the events were pseudonymised at ingestion,
   the workers only read pseudonyms and count them.
5. **Memory per worker** ≈ what :func:`~egn_analytics.usage.daily_table` needs for one month
   partition, the busiest of the history: about 1 GiB for a month of 2.3 million events and
   5.5 GiB for 22.6 million (``benchmarks/bench_usage.py --memory``; roughly 250 bytes per
   event of that month plus the runtime), whatever the number of months. The whole history
   never sits on one worker, nor on the caller, which receives only the daily tables.

With neither ``client`` nor ``address``, a ``LocalCluster`` of two worker processes (one thread
each) is created on this machine and closed at the end: the same code path, for tests and a
laptop. No dashboard is served (``dashboard_address=None``; the commands above pass
``--no-dashboard``); the local cluster listens on 127.0.0.1 only, on random ports, and the
HTTP servers Dask always starts answer a health check only (no metrics, no information
pages). Dask sends no telemetry. Worker processes are started with ``spawn``: a script that
uses the local cluster needs the ``if __name__ == "__main__":`` guard.

Events whose UAI is not in the établissements table are excluded, as in ``daily_table``; the
warning a worker logs about them is sent back and logged again here, on the caller's side.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from egn_analytics.usage.daily import (
    DAILY_KEYS,
    DAILY_SCHEMA,
    daily_partition,
    month_partitions,
    read_etablissements,
    scan_partition,
)

if TYPE_CHECKING:
    import distributed

log = logging.getLogger(__name__)

#: The local cluster used when neither ``client`` nor ``address`` is given.
LOCAL_CLUSTER = {
    "n_workers": 2,
    "threads_per_worker": 1,
    "processes": True,
    "dashboard_address": None,
    "host": "127.0.0.1",
}


class _ThreadRecords(logging.Handler):
    """Collects the warnings logged by the current thread (a worker may run several tasks)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


def _partitions(events_dir: str) -> list[str]:
    """Worker task: the month partitions of ``events_dir``, as the workers see them."""
    return [str(p) for p in month_partitions(events_dir)]


def _daily_of_partition(part: str, etablissements: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Worker task: (daily table of one month partition, warnings logged meanwhile)."""
    logger = logging.getLogger(daily_partition.__module__)
    handler = _ThreadRecords()
    logger.addHandler(handler)
    try:
        table = daily_partition(scan_partition(part), etablissements)
    finally:
        logger.removeHandler(handler)
    return table, [f"{Path(part).name} : {m}" for m in handler.messages]


@contextlib.contextmanager
def _connect(
    client: distributed.Client | None, address: str | None
) -> Iterator[distributed.Client]:
    """The client to use; one created here (and its local cluster) is closed on exit."""
    if client is not None:
        if address is not None:
            raise ValueError("donner client ou address, pas les deux")
        yield client
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError(
            'daily_table_dask demande Dask distributed : pip install "egn-analytics[distributed]"'
        ) from exc
    if address is not None:
        with Client(address, set_as_default=False) as remote:
            yield remote
        return
    import dask

    # Only a health check on the HTTP servers that Dask always starts (no metrics, no cluster
    # information pages), on random ports of 127.0.0.1 rather than the well-known 8787.
    health = ["distributed.http.health"]
    with (
        dask.config.set(
            {"distributed.scheduler.http.routes": health, "distributed.worker.http.routes": health}
        ),
        LocalCluster(
            **LOCAL_CLUSTER,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        Client(cluster, set_as_default=False) as local,
    ):
        yield local


def daily_table_dask(
    events_dir: str | Path,
    etablissements: pl.DataFrame | str | Path | None = None,
    *,
    client: distributed.Client | None = None,
    address: str | None = None,
) -> pl.DataFrame:
    """The daily table (:data:`~egn_analytics.usage.DAILY_SCHEMA`) of ``events_dir``, one
    Dask task per month partition; equal to :func:`~egn_analytics.usage.daily_table`.

    ``client``: a connected ``distributed.Client`` (left open). ``address``: a scheduler to
    connect to (``"tcp://scheduler:8786"``). Neither: a local cluster of two worker processes,
    closed at the end. ``events_dir`` must be readable by the workers at that path (see the
    module docstring); ``etablissements`` (frame, Parquet path, or None for the processed
    table) is read here and sent once to the workers.
    """
    etab = read_etablissements(etablissements).select(
        "uai", pl.col("code_academie").cast(pl.String)
    )
    with _connect(client, address) as c:
        parts: list[str] = c.submit(_partitions, str(events_dir), pure=False).result()
        [etab_on_workers] = c.scatter([etab], broadcast=True, hash=False)
        futures = c.map(_daily_of_partition, parts, etablissements=etab_on_workers, pure=False)
        results: list[tuple[pl.DataFrame, list[str]]] = c.gather(futures)
    for _, messages in results:
        for message in messages:
            log.warning("%s", message)
    tables = [table for table, _ in results]
    table = pl.concat(tables) if tables else DAILY_SCHEMA.to_frame()
    table = table.sort(list(DAILY_KEYS), nulls_last=True)
    if table.select(pl.struct(list(DAILY_KEYS)).is_duplicated().any()).item():
        raise ValueError(
            "un même jour apparaît dans plusieurs partitions mois=… : "
            "les partitions doivent suivre le mois local (Europe/Paris) ; ré-ingérez les journaux"
        )
    return table
