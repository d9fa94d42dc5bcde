"""Time the two registers from a real state: the Buku Agenda and the Laporan Pengamanan.

    .venv/bin/python -m bench.bench_registers --rows 20000 --keep /tmp/regs   # make once
    .venv/bin/python -m bench.bench_registers --keep /tmp/regs --runs 3       # time again
    .venv/bin/python -m bench.bench_registers --keep /tmp/regs --runs 3 --ab  # old too
    .venv/bin/python -m bench.bench_registers --keep /tmp/regs --profile agenda

The office (a 20,000-row workbook at step 1 processed by `process_file`, PDFs off) is
made once in --keep and reused, so only the registers are timed. Seconds are the median
of --runs; CPU seconds beside them, since the machine is shared. With --ab the old
openpyxl writers (tests/legacy_registers.py) run in turn with the new ones.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench import data
from bench.probe import peak_mb, reset_peak
from pipeline.config import Config, load_config
from pipeline.process import open_state, process_file, update_recaps, update_registers_for
from pipeline.state import State

TAHUN = 2024


def prepare(folder: Path, rows: int) -> None:
    """An office in `folder` whose state holds `rows` cases and letters (once)."""
    if (folder / "office" / "config.toml").exists():
        return
    office = data.office(folder / "office")
    cfg = load_config(office / "config.toml")
    book = data.write_workbook(cfg.inbox / "laporan.xlsx", rows, steps=1)
    state = open_state(cfg)
    try:
        process_file(book, cfg, state)
    finally:
        state.close()


def stages(cfg: Config, state: State, ab: bool = False) -> dict[str, Callable[[], None]]:
    """The two register writes, by name; with `ab`, each beside the old openpyxl writer
    (tests/legacy_registers.py) on the same state, to be timed in turn."""
    work = {"agenda": lambda: update_registers_for(cfg, state, TAHUN),
            "recap": lambda: update_recaps(cfg, state, {TAHUN})}
    if ab:
        from tests import legacy_registers as legacy
        folder = cfg.outbox / str(TAHUN)
        work["agenda (old)"] = lambda: legacy.write_agenda(
            folder / "lama.xlsx", state.each_letter_of_year(TAHUN), cfg, TAHUN)
        work["recap (old)"] = lambda: legacy.write_recap(
            folder / "lama.xlsx", state.each_case_of_year(TAHUN), cfg, TAHUN,
            menunggu_perbaikan=0)
    return work


def main() -> None:
    """Prepare the office if needed, then time (or profile) the registers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--keep", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", choices=("agenda", "recap"))
    parser.add_argument("--ab", action="store_true", help="also the old writers, in turn")
    args = parser.parse_args()
    prepare(args.keep, args.rows)
    cfg = load_config(args.keep / "office" / "config.toml")
    state = open_state(cfg)
    try:
        work = stages(cfg, state, args.ab)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(work[args.profile])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return
        times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in work}
        for _ in range(args.runs):  # in turn, so that the machine's drift hits each alike
            for name, run in work.items():
                reset_peak()
                began, began_cpu = time.perf_counter(), time.process_time()
                run()
                times[name].append((time.perf_counter() - began,
                                    time.process_time() - began_cpu, peak_mb()))
        for name, runs in times.items():
            wall, cpu, peaks = zip(*runs, strict=True)
            print(f"{name}: {statistics.median(wall):.2f} s wall, "
                  f"{statistics.median(cpu):.2f} s CPU (median of {args.runs}; "
                  f"CPU min {min(cpu):.2f} max {max(cpu):.2f}), peak {max(peaks):.0f} MB")
    finally:
        state.close()


if __name__ == "__main__":
    main()
