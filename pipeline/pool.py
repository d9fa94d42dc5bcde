"""Rendering letters here, or for a backlog in a pool of worker processes.

A single save renders its few letters in this process: no pool, no start-up cost. A batch
of at least `POOL_MIN` letters (the first start on a year of registers, a restore) is
rendered by one worker per core; each worker compiles a template once and keeps it.
Rendering and filing move to the workers (pipeline.letters.file_letters): a worker files
each letter it renders and sends back its sha256 only. Reserving and completing letters
stay in the calling process, so the exactly-once protocol (state.py) is unchanged: a
letter is marked made only after its worker said it was filed.

Spawn-safe (Windows): workers start with `spawn` and run top-level functions only.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import Any, TypeVar

from pipeline import render

log = logging.getLogger("pipeline.pool")
POOL_MIN = 200  # letters in one batch before a pool pays for starting its workers
CHUNKSIZE = 32  # letters sent to a worker at a time: its wait for the last write is shared
IN_FLIGHT = 6  # lists of letters given out ahead, per worker (covers the next chunk's reservation)

# (template path, context[, page form[, record, shown properties]]): with a record, the
# letter comes back stamped (written with its zip, as stamp.stamp): the parent only writes.
Job = tuple[Any, ...]
R = TypeVar("R")


def render_job(job: Job) -> tuple[bytes, str]:
    """One letter's bytes and sha256 (runs in a worker or here)."""
    data = render.render_letter(*job)
    return data, hashlib.sha256(data).hexdigest()


def render_jobs(jobs: list[Job]) -> list[tuple[bytes, str]]:
    """`render_job` of each job (one unit of work for a worker)."""
    return [render_job(job) for job in jobs]


class Renderer:
    """Renders jobs in order; starts a process pool only for a large batch: when its
    first letters are given out, or earlier through `start` when a backlog is known.

    Re-entrant: nested `with` blocks share one pool, shut down when the outer one ends.
    """

    def __init__(self, pool_min: int | None = None, workers: int | None = None) -> None:
        self.pool_min = POOL_MIN if pool_min is None else pool_min
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._depth = 0
        self._told = False  # the pool's first letters were logged

    def __enter__(self) -> Renderer:
        self._depth += 1
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._depth -= 1
        if self._depth == 0 and self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._told = None, False

    def start(self, letters: int, ready: Callable[[list[Job]], list[Any]]) -> None:
        """Start the pool now, inside a `with` block, when about `letters` letters are
        coming (at least `pool_min`): each worker is handed `ready([])`, so it spends its
        start (a new interpreter, the imports) while this process still plans and
        reserves the first letters, instead of after. Nothing when a pool runs already,
        or when so few letters would not start one."""
        if (self._pool is not None or self._depth == 0 or letters < self.pool_min
                or self.workers < 2):
            return
        self._pool = ProcessPoolExecutor(self.workers,
                                         mp_context=multiprocessing.get_context("spawn"))
        for _ in range(self.workers):  # one task each: a worker is started per task
            self._pool.submit(ready, [])

    def render(self, jobs: list[Job]) -> Iterator[tuple[bytes, str]]:
        """(bytes, sha256) of each job, in order, as they are done."""
        return self.run(render_jobs, jobs, len(jobs))

    def run(self, work: Callable[[list[Job]], list[R]], jobs: Iterable[Job], count: int,
            ahead: Callable[[], None] | None = None) -> Iterator[R]:
        """`work` (a top-level function) over `count` jobs in lists of CHUNKSIZE; each
        job's result, in order, as they are done.

        `jobs` may be a generator: in a pool, the next jobs are made here while the
        workers are busy with the first ones (at most IN_FLIGHT lists ahead). `ahead`:
        in a pool, called here once every list is given out, while the workers render
        the last ones (not called without a pool).
        """
        chunks = _chunked(jobs)
        # A pool already started (an earlier chunk of this batch) does a small rest too:
        # its workers have the templates compiled, this process has not.
        if self._pool is None and (count < self.pool_min or self.workers < 2):
            return (result for chunk in chunks for result in work(chunk))
        return self._pooled(work, chunks, count, ahead)

    def _pooled(self, work: Callable[[list[Job]], list[R]], chunks: Iterator[list[Job]],
                count: int, ahead: Callable[[], None] | None = None) -> Iterator[R]:
        """Results from the pool; if a worker dies, the rest are done here."""
        if not self._told:
            log.info("Membuat %d surat dengan %d proses.", count, self.workers)
            self._told = True
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        pool = self._pool
        window: deque[tuple[list[Job], Future[list[R]]]] = deque()
        try:
            for chunk in chunks:
                window.append((chunk, pool.submit(work, chunk)))
                while len(window) > IN_FLIGHT * self.workers:
                    yield from window[0][1].result()
                    window.popleft()
            if ahead is not None:
                ahead()
            while window:
                yield from window[0][1].result()
                window.popleft()
        except BrokenProcessPool:
            log.warning("Proses pembantu berhenti mendadak; surat dibuat tanpa proses pembantu.")
            pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self.workers = None, 1
            for chunk in [c for c, _ in window]:  # again here, from the first not done
                yield from work(chunk)
            for chunk in chunks:
                yield from work(chunk)
        finally:
            for _, future in window:  # the caller stopped early (a full disk): no more
                future.cancel()


def _chunked(jobs: Iterable[Job]) -> Iterator[list[Job]]:
    """The jobs in lists of CHUNKSIZE (the last one shorter)."""
    chunk: list[Job] = []
    for job in jobs:
        chunk.append(job)
        if len(chunk) == CHUNKSIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
