"""Child process for peak memory: read or process one workbook, print ru_maxrss as JSON."""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bench import data
from pipeline.config import load_config
from pipeline.process import (
    open_state,
    process_file,
    read_cases,
    update_recaps,
    update_registers,
)

T = TypeVar("T")


def main(kind: str, path: Path) -> None:
    """Do `kind` ('read', 'process', 'stages' or 'idle') with `path`; print the peak RSS
    in MB (and, for 'stages', each stage's seconds and peak)."""
    result: dict[str, object] = {}
    if kind == "read":
        cfg = load_config(data.ROOT / "config.toml")
        validation, rejected, _sheet = read_cases(path.name, path.read_bytes(), cfg)
        result = {"cases": sum(1 for _ in validation.iter_cases()), "rejected": bool(rejected)}
    elif kind == "process":
        with tempfile.TemporaryDirectory(prefix="perda-probe-") as tmp:
            folder = data.office(Path(tmp) / "office")
            cfg = load_config(folder / "config.toml")
            state = open_state(cfg)
            outcome = process_file(path, cfg, state)
            state.close()
            result = {"status": outcome.status, "letters": outcome.letters_made}
    elif kind == "stages":
        result = stages(path)
    elif kind == "sampled":
        with Sampler() as sampler:
            result = stages(path)
        result["highs"] = sampler.highs
    result["peak_mb"] = round(peak_mb(), 1)
    print(json.dumps(result))


def stages(path: Path) -> dict[str, object]:
    """A whole `perda run` on `path` (PDFs off), stage by stage: seconds and peak MB each.

    The peak is reset between stages (/proc/self/clear_refs, Linux); `workers_mb` is the
    largest peak of the render workers (an upper bound: a child's ru_maxrss starts at its
    parent's resident size when it was started)."""
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="perda-probe-") as tmp:
        folder = data.office(Path(tmp) / "office")
        cfg = load_config(folder / "config.toml")
        target = cfg.inbox / path.name
        shutil.copyfile(path, target)
        state = open_state(cfg)
        try:
            outcome = _stage(result, "make", lambda: process_file(target, cfg, state))
            result["letters"] = outcome.letters_made
            _stage(result, "agenda", lambda: update_registers(cfg, state, [],
                                                               also=outcome.letter_years))
            _stage(result, "recap", lambda: update_recaps(cfg, state, outcome.years))
        finally:
            state.close()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result["workers_mb"] = round(workers / 1024, 1)
    return result


class Sampler:
    """Samples this process's resident memory every 20 ms (Linux) and keeps the main
    thread's innermost frames each time it reaches a new high by 1 MB or more: where
    the peak is made, for `python -m bench.probe sampled <workbook>`."""

    def __init__(self) -> None:
        self.highs: list[dict[str, object]] = []
        self._stop = threading.Event()
        self._main = threading.main_thread().ident
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        statm = Path("/proc/self/statm")
        page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        started, high = time.perf_counter(), 0.0
        while not self._stop.wait(0.02):
            try:
                mb = int(statm.read_text().split()[1]) * page / 1048576
            except OSError:
                return
            if mb < high + 1:
                continue
            high = mb
            frame = sys._current_frames().get(self._main or 0)
            stack = []
            while frame is not None and len(stack) < 12:
                code = frame.f_code
                stack.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
                frame = frame.f_back
            self.highs.append({"s": round(time.perf_counter() - started, 2),
                               "mb": round(mb, 1), "stack": stack,
                               "blocks": sys.getallocatedblocks()})


def _stage(result: dict[str, object], name: str, work: Callable[[], T]) -> T:
    """Run one stage; record its seconds and its own peak resident memory."""
    reset_peak()
    started = time.perf_counter()
    value = work()
    result[name] = {"s": round(time.perf_counter() - started, 1), "mb": round(peak_mb(), 1)}
    return value


def reset_peak() -> None:
    """Start a new high-water mark (Linux); elsewhere the peak stays the process's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_mb() -> float:
    """This process's peak RSS in MB: VmHWM on Linux (ru_maxrss there keeps the parent's
    high-water mark across fork+exec), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1048576 if sys.platform == "darwin" else peak / 1024


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
