"""Cold-backlog throughput: letters/s of a first start on N full cases, and a profile.

    python -m bench.bench_backlog [--cases 300] [--runs 2] [--profile] [--base DIR]

Each run uses a fresh office and an empty state. With `--base DIR` (a checkout of the code
before a change, e.g. `git archive <commit> | tar -x -C DIR`) the runs alternate between
DIR and this tree, each in a fresh interpreter, and the ratio of the medians is printed:
compare ratios, not seconds (the machine is shared).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import data
from pipeline.config import load_config
from pipeline.process import open_state, process_file


def one_run(root: Path, cases: int, run: int, profile: bool = False) -> tuple[float, int]:
    """(seconds, letters) of process_file on a fresh office; profiles the parent if asked."""
    folder = data.office(root / f"office-{run}")
    cfg = load_config(folder / "config.toml")
    path = data.write_workbook(cfg.inbox / "laporan-2024.xlsx", cases)
    state = open_state(cfg)
    profiler = cProfile.Profile() if profile else None
    try:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        outcome = process_file(path, cfg, state)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
    finally:
        state.close()
    assert outcome.status == "ok", outcome.status
    if profiler:
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
    return seconds, outcome.letters_made


def main(argv: list[str] | None = None) -> None:
    """Print letters/s per run and the best."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--base", type=Path, help="checkout to compare against")
    args = parser.parse_args(argv)
    if args.base:
        compare(args.base, args.cases, args.runs)
        return
    with tempfile.TemporaryDirectory(prefix="perda-backlog-") as tmp:
        best = 0.0
        for run in range(args.runs):
            seconds, letters = one_run(Path(tmp), args.cases, run, args.profile and run == 0)
            rate = letters / seconds
            best = max(best, rate)
            print(f"run {run}: {letters} letters in {seconds:.2f} s = {rate:.0f} letters/s")
        print(f"best: {best:.0f} letters/s")


def compare(base: Path, cases: int, runs: int) -> None:
    """Alternate single runs of `base` and this tree; print both medians and the ratio."""
    here = Path(__file__).resolve().parents[1]
    rates: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(runs):
        for label, tree in (("before", base), ("after", here)):
            out = subprocess.run([sys.executable, "-c", _CHILD, str(cases)], cwd=tree,
                                 capture_output=True, text=True, check=True).stdout
            rate = float(re.findall(r"= (\d+) letters/s", out)[-1])
            rates[label].append(rate)
            print(f"{label}: {rate:.0f} letters/s", flush=True)
    before, after = (statistics.median(rates[k]) for k in ("before", "after"))
    print(f"median before {before:.0f}, after {after:.0f} letters/s: ratio {after / before:.2f}")


# This script's own run, in the compared tree (its pipeline/ first on sys.path).
_CHILD = ("import sys, runpy; sys.argv = ['bench_backlog', '--runs', '1', '--cases', "
          f"sys.argv[1]]; runpy.run_path({__file__!r}, run_name='__main__')")


if __name__ == "__main__":
    main()
