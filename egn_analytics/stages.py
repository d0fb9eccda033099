"""A worker thread with a one-job queue: chain stages so two cores work at once.

Used by the ENT generator (generate → encode → compress and write) and the ENT ingestion
(read → validate and pseudonymise → write): the small queues bound how many batches exist at
the same time, so memory does not grow with the input.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class Stage:
    """A worker thread running jobs in submission order, with a one-job queue.

    Stages are chained (generation → encoding → compression and disk) so the two cores work
    at once; the small queues bound how many batches exist at the same time. An error in a job
    is re-raised by the next ``submit`` or by ``close``; later jobs are skipped.
    """

    def __init__(self, name: str) -> None:
        self._q: queue.Queue[Callable[[], None] | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._q.get()) is not None:
            if self._error is None:
                try:
                    job()
                except BaseException as exc:  # handed over to the submitting thread
                    self._error = exc

    def submit(self, job: Callable[[], None]) -> None:
        if self._error is not None:
            raise self._error
        self._q.put(job)

    def close(self) -> None:
        self._q.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
