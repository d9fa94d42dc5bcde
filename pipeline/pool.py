"""Rendering letters here, or for a backlog in a pool of worker processes.

A single save renders its few letters in this process: no pool, no start-up cost. A batch
of at least `POOL_MIN` letters (the first start on a year of registers, a restore) is
rendered by one worker per core; each worker compiles a template once and keeps it.
Only rendering moves to the workers: reserving, writing and completing letters stay in
the calling process, so the exactly-once protocol (state.py) is unchanged.

Spawn-safe (Windows): workers start with `spawn` and run the top-level `render_job`.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any

from pipeline import render

log = logging.getLogger("pipeline.pool")
POOL_MIN = 200  # letters in one batch before a pool pays for starting its workers
CHUNKSIZE = 8  # letters sent to a worker at a time

# (template path, context[, page form[, record, shown properties]]): with a record, the
# letter comes back stamped (written with its zip, as stamp.stamp): the parent only writes.
Job = tuple[Any, ...]


def render_job(job: Job) -> tuple[bytes, str]:
    """One letter's bytes and sha256 (runs in a worker or here)."""
    data = render.render_letter(*job)
    return data, hashlib.sha256(data).hexdigest()


class Renderer:
    """Renders jobs in order; starts a process pool lazily, only for a large batch.

    Re-entrant: nested `with` blocks share one pool, shut down when the outer one ends.
    """

    def __init__(self, pool_min: int | None = None, workers: int | None = None) -> None:
        self.pool_min = POOL_MIN if pool_min is None else pool_min
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._depth = 0

    def __enter__(self) -> Renderer:
        self._depth += 1
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._depth -= 1
        if self._depth == 0 and self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def render(self, jobs: list[Job]) -> Iterator[tuple[bytes, str]]:
        """(bytes, sha256) of each job, in order, as they are done."""
        # A pool already started (an earlier chunk of this batch) renders a small rest too:
        # its workers have the templates compiled, this process has not.
        if self._pool is None and (len(jobs) < self.pool_min or self.workers < 2):
            return map(render_job, jobs)
        return self._pooled(jobs)

    def _pooled(self, jobs: list[Job]) -> Iterator[tuple[bytes, str]]:
        """Results from the pool; if a worker dies, the rest are rendered here."""
        if self._pool is None:
            log.info("Membuat %d surat dengan %d proses.", len(jobs), self.workers)
            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        done = 0
        try:
            for result in self._pool.map(render_job, jobs, chunksize=CHUNKSIZE):
                yield result
                done += 1
        except BrokenProcessPool:
            log.warning("Proses pembantu berhenti mendadak; surat dibuat tanpa proses pembantu.")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self.workers = None, 1
            yield from map(render_job, jobs[done:])
