"""Time write_recap on a year of 5,000 cases (median of 3 runs); also makes the docs example.

    .venv/bin/python bench/bench_recap.py            # benchmark, prints seconds
    .venv/bin/python bench/bench_recap.py --contoh docs/contoh.xlsx   # a realistic year
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import Config, Daftar  # noqa: E402
from pipeline.model import Case  # noqa: E402
from pipeline.recap import write_recap  # noqa: E402
from pipeline.schema import CARA_LAPOR, STEPS  # noqa: E402

TAHUN = 2024
NOW = datetime(2024, 12, 20, 10, 0)
PERDA = ("Perda tentang Ketertiban Umum dan Ketenteraman Masyarakat",
         "Perda tentang Bangunan Gedung", "Perda tentang Pengelolaan Sampah",
         "Perda tentang Penataan dan Pemberdayaan Pedagang Kaki Lima",
         "Perda tentang Penyelenggaraan Reklame", "Perda lainnya")
# Typical minutes per step 2..7 (log-normal medians) and spread.
TYPICAL = {2: (11, 0.6), 3: (8, 0.6), 4: (1500, 0.9), 5: (2800, 0.8), 6: (4, 0.5), 7: (24, 0.5)}


def example_case(n: int, rng: random.Random, now: datetime = NOW) -> Case:
    """One made-up case reported in the year before `now`, with plausible step times."""
    start = datetime(TAHUN, 1, 2, 8, 0)
    lapor = start + timedelta(minutes=rng.randrange(int((now - start).total_seconds() // 60)))
    lapor = lapor.replace(hour=rng.randint(8, 14))
    times, t = {"waktu_lapor": lapor}, lapor
    for step in STEPS[1:]:
        median, spread = TYPICAL[step.number]
        t = t + timedelta(minutes=max(1, round(rng.lognormvariate(0, spread) * median)))
        if t > now or rng.random() < 0.01:
            break
        times[step.time_key] = t
    done = "waktu_selesai" in times
    return Case(no_laporan=f"LP-{n:04d}", cara_lapor=rng.choice(CARA_LAPOR),
                nama_pelapor="Pelapor Contoh", desa=rng.choice(Daftar().desa),
                lokasi="Contoh", perda=rng.choice(PERDA), uraian="Contoh", petugas="Staf",
                status_akhir=rng.choices(("Selesai", "Tidak Terbukti", "Dilimpahkan"),
                                         (8, 2, 1))[0] if done else "",
                **times)


def example_cases(count: int, seed: int = 7) -> list[Case]:
    """`count` made-up cases of the year TAHUN."""
    rng = random.Random(seed)
    return [example_case(n, rng) for n in range(1, count + 1)]


def example_config() -> Config:
    """The default configuration with the example Perda list."""
    return Config(daftar=Daftar(perda=PERDA))


def bench(count: int = 5000, runs: int = 3) -> float:
    """Median seconds of `runs` writes of a recap of `count` cases."""
    cases, cfg = example_cases(count), example_config()
    seconds = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            began = time.perf_counter()
            write_recap(Path(tmp) / f"r{run}.xlsx", cases, cfg, TAHUN, now=NOW)
            seconds.append(time.perf_counter() - began)
    return statistics.median(seconds)


def main() -> None:
    """Run the benchmark, or write the example recap with --contoh PATH."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kasus", type=int, default=5000)
    parser.add_argument("--contoh", type=Path, help="write a recap of a realistic year here")
    args = parser.parse_args()
    if args.contoh:
        write_recap(args.contoh, example_cases(140), example_config(), TAHUN, now=NOW)
        print(args.contoh)
        return
    print(f"write_recap, {args.kasus} kasus: {bench(args.kasus):.2f} s (median dari 3)")


if __name__ == "__main__":
    main()
