"""The speed benchmark of issue 6: one command, its own data, a table of medians.

    .venv/bin/python -m bench.run            # full run (about 15 minutes on 2 cores)
    .venv/bin/python -m bench.run --quick    # smoke run (about three minutes), smaller inputs

Every figure is the median of several runs with min and max; every speed is also given as
a ratio against the naive docxtpl loop (new DocxTemplate → render → save per letter)
measured in the same process, since the machine drifts. Peak memory is each child
process's own high-water RSS (/proc/self/status VmHWM on Linux, else ru_maxrss).
The table is printed and written to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from bench import data
from pipeline import engine, pdf, render
from pipeline.config import load_config
from pipeline.process import open_state, process_file
from pipeline.schema import DOCUMENTS
from pipeline.watch import Watcher

HERE = Path(__file__).resolve().parent


@dataclass
class Row:
    """One line of the table."""

    what: str
    unit: str
    runs: list[float]
    ratio: bool = False  # a speed: also shown against the naive loop
    note: str = ""
    cores: int = 0  # a letters/s speed on this many cores: also shown against the floor

    def cells(self, naive: float, floor: float = 0.0) -> list[str]:
        """The table cells: what, median, min, max, unit, vs naive, vs floor, note."""
        med = statistics.median(self.runs)
        fmt = _fmt(med)
        ratio = f"{med / naive:.1f}×" if self.ratio and naive else ""
        to_floor = f"{med / (floor * self.cores):.0%}" if self.cores and floor else ""
        return [self.what, fmt, _fmt(min(self.runs)), _fmt(max(self.runs)), self.unit,
                ratio, to_floor, self.note]


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value >= 0.01 else f"{value:.2g}"


# ---------------------------------------------------------------- letters/s


def sample_jobs() -> list[tuple[Path, dict]]:
    """One context per document for a full case: the letters of one case."""
    cfg = load_config(data.ROOT / "config.toml")
    return [(cfg.templates / d.template, render.contoh_context(d, cfg)) for d in DOCUMENTS]


def naive_loop(jobs: list, count: int) -> float:
    """Letters/s of docxtpl per letter: read, patch, compile, render, save."""
    started = time.perf_counter()
    for i in range(count):
        path, ctx = jobs[i % len(jobs)]
        engine._docxtpl_render(path.read_bytes(), ctx, render.JINJA_ENV)
    return count / (time.perf_counter() - started)


def engine_loop(jobs: list, count: int) -> float:
    """Letters/s of the compiled engine, one core, templates already compiled."""
    for path, ctx in jobs:
        render.render_letter(path, ctx)
    started = time.perf_counter()
    for i in range(count):
        path, ctx = jobs[i % len(jobs)]
        render.render_letter(path, ctx)
    return count / (time.perf_counter() - started)


def floor_loop(jobs: list, count: int) -> float:
    """Letters/s of the least any renderer of these letters must do, one core: the
    compiled Jinja body rendered and deflated, every other zip entry copied raw. No
    docxtpl post-processing (table grids, drawing ids, the XML round trip), no stamp, no
    page form, nothing written to disk: what is left between this and the engine is the
    price of writing what docxtpl writes and of keeping the archive."""
    compiled = [(render.compiled_template(path), ctx) for path, ctx in jobs]

    def one(template: engine.Compiled, ctx: dict) -> bytes:
        members = [(p, None) if isinstance(p, engine._Raw) else
                   (p, engine._render_xml(p, ctx).encode()) if p is template.body else
                   (template._header(p, ctx), None) for p in template.parts]
        return engine._zip(members)

    for template, ctx in compiled:
        one(template, ctx)
    started = time.perf_counter()
    for i in range(count):
        one(*compiled[i % len(compiled)])
    return count / (time.perf_counter() - started)


# ---------------------------------------------------------------- whole runs


def fresh_office(root: Path, name: str):
    """A new office folder and its config."""
    folder = data.office(root / name)
    return load_config(folder / "config.toml")


def timed_process(path: Path, cfg) -> tuple[float, int, str]:
    """Seconds, letters made and status of one process_file call."""
    state = open_state(cfg)
    try:
        started = time.perf_counter()
        outcome = process_file(path, cfg, state)
        return time.perf_counter() - started, outcome.letters_made, outcome.status
    finally:
        state.close()


def cold_backlog(root: Path, cases: int, run: int) -> tuple[float, int]:
    """Letters/s of a first start on `cases` full cases, from an empty state."""
    cfg = fresh_office(root, f"backlog-{run}")
    path = data.write_workbook(cfg.inbox / "laporan-2024.xlsx", cases)
    seconds, letters, status = timed_process(path, cfg)
    assert status == "ok", status
    return letters / seconds, letters


def openpyxl_read(path: Path) -> float:
    """Seconds openpyxl (read-only, values) takes just to read every row."""
    started = time.perf_counter()
    book = load_workbook(path, read_only=True, data_only=True)
    for _ in book["Laporan"].iter_rows(values_only=True):
        pass
    book.close()
    return time.perf_counter() - started


def resave(root: Path, rows: int, runs: int) -> list[Row]:
    """Re-saving a processed workbook: unchanged bytes, then one row changed."""
    cfg = fresh_office(root, "resave")
    path = data.write_workbook(cfg.inbox / "laporan-2024.xlsx", rows, steps=1)
    timed_process(path, cfg)  # fill the state (one letter per row)
    unchanged, changed, letters, reads = [], [], [], []
    for run in range(runs):
        os.utime(path)  # saved again, same bytes
        seconds, made, status = timed_process(path, cfg)
        assert status == "unchanged" and made == 0, (status, made)
        unchanged.append(seconds * 1000)
        variant = data.write_workbook(root / f"changed-{run}.xlsx", rows, steps=1,
                                      changed=rows // 2, change=f"Uraian diubah ({run}).")
        shutil.copyfile(variant, path)
        seconds, made, status = timed_process(path, cfg)
        changed.append(seconds)
        letters.append(made)
        reads.append(openpyxl_read(path))
    ratio = [c / r for c, r in zip(changed, reads, strict=True)]
    return [Row(f"re-save unchanged, {rows:,} rows (hash only)", "ms", unchanged),
            Row(f"re-save, 1 of {rows:,} rows changed", "s", changed,
                note=f"letters rendered: {sorted(set(letters))}"),
            Row(f"openpyxl just reading the same {rows:,} rows", "s", reads),
            Row("one changed row ÷ openpyxl read (target ≤ 1.2)", "×", ratio)]


# ---------------------------------------------------------------- save → letters


def latency(root: Path, rows: int, saves: int, polling: bool, settle: float) -> list[float]:
    """Seconds from the end of a save to all letters filed, one new case per save."""
    cfg = fresh_office(root, f"latency-{polling}-{settle}")
    path = cfg.inbox / "laporan-2024.xlsx"
    data.write_workbook(path, rows, steps=7)
    timed_process(path, cfg)
    drafts = [data.write_workbook(root / f"save-{polling}-{i}.xlsx", rows, steps=7,
                                  extra=i + 1) for i in range(saves)]
    done = threading.Event()
    finished: list[float] = []

    def handle(p: Path) -> None:
        state = open_state(cfg)
        try:
            outcome = process_file(p, cfg, state)
        finally:
            state.close()
        if outcome.letters:
            finished.append(time.perf_counter())
            done.set()

    watcher = Watcher(cfg.inbox, handle, polling=polling, interval=cfg.pemantau.interval_detik,
                      settle=settle, rescan=600.0)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    time.sleep(1.5)  # the backlog scan is done and the observer runs
    results = []
    for draft in drafts:
        done.clear()
        with open(path, "wb") as handle_:  # as Excel writes: open, write, close
            handle_.write(draft.read_bytes())
        saved = time.perf_counter()
        assert done.wait(60), "no letters within 60 s"
        results.append(finished[-1] - saved)
        time.sleep(0.3)
    stop.set()
    thread.join(10)
    return results


# ---------------------------------------------------------------- memory, PDF


def peak_memory(kind: str, path: Path) -> float:
    """Peak RSS in MB of a child process reading `path` (kind: 'read' or 'process')."""
    out = subprocess.run([sys.executable, "-m", "bench.probe", kind, str(path)],
                         capture_output=True, text=True, check=True, cwd=data.ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_mb"]


def big_run(big: Path, rows: int) -> list[Row]:
    """A whole run (PDFs off) on the big workbook in a child: each stage's time and peak."""
    out = subprocess.run([sys.executable, "-m", "bench.probe", "stages", str(big)],
                         capture_output=True, text=True, check=True, cwd=data.ROOT).stdout
    r = json.loads(out.strip().splitlines()[-1])
    letters, stage = r["letters"], {name: r[name] for name in ("make", "agenda", "recap")}
    return [
        Row(f"big run, {rows:,} rows at step 1: read, validate, number, render, file "
            f"({letters:,} letters)", "letters/s", [letters / stage["make"]["s"]],
            ratio=True, cores=os.cpu_count() or 1),
        Row("big run: read … file, peak memory of the main process", "MB",
            [stage["make"]["mb"]]),
        Row(f"big run: Buku Agenda of {letters:,} letters", "s", [stage["agenda"]["s"]]),
        Row("big run: Buku Agenda, peak memory", "MB", [stage["agenda"]["mb"]]),
        Row(f"big run: Laporan Pengamanan of {rows:,} cases", "s", [stage["recap"]["s"]]),
        Row("big run: Laporan Pengamanan, peak memory", "MB", [stage["recap"]["mb"]]),
        Row("big run: render workers, peak memory (upper bound)", "MB", [r["workers_mb"]]),
        Row("big run: peak memory of the whole run, main process (target ≤ 200)", "MB",
            [max(s["mb"] for s in stage.values())]),
    ]


def pdf_speed(root: Path, letters: int) -> tuple[float, float]:
    """Letters/s to PDF: one LibreOffice call for all, and one call per letter."""
    cfg = fresh_office(root, "pdf")
    jobs = sample_jobs()
    files = []
    for i in range(letters):
        target = root / "pdf" / f"surat-{i}.docx"
        target.write_bytes(render.render_letter(*jobs[i % len(jobs)]))
        files.append(target)
    profile = cfg.state_dir / "lo-profile"
    pdf.convert(files[:1], profile)  # first start creates the profile: not counted
    started = time.perf_counter()
    pdf.convert(files, profile)
    batch = letters / (time.perf_counter() - started)
    few = files[: max(2, letters // 4)]
    started = time.perf_counter()
    for f in few:
        pdf.convert([f], profile)
    single = len(few) / (time.perf_counter() - started)
    return batch, single


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Sizes:
    """Input sizes and repetitions: full, or --quick."""

    runs: int
    naive_letters: int
    backlog_cases: int
    backlog_runs: int
    resave_rows: int
    latency_rows: int
    saves: int
    big_rows: int
    bomb_mb: int
    pdf_letters: int


FULL = Sizes(5, 60, 1000, 3, 10_000, 1000, 5, 200_000, 280, 20)
QUICK = Sizes(3, 20, 100, 1, 1000, 200, 3, 20_000, 50, 6)


def measure(sizes: Sizes, root: Path, say: Callable[[str], None]
            ) -> tuple[float, float, list[Row]]:
    """Every measurement; returns the naive and floor medians and the table rows."""
    jobs = sample_jobs()
    say("naive docxtpl loop and engine")
    naive = [naive_loop(jobs, sizes.naive_letters) for _ in range(sizes.runs)]
    fast = [engine_loop(jobs, sizes.naive_letters * 10) for _ in range(sizes.runs)]
    least = [floor_loop(jobs, sizes.naive_letters * 10) for _ in range(sizes.runs)]
    cores = os.cpu_count() or 1
    rows = [Row("naive docxtpl: new DocxTemplate → render → save, per letter", "letters/s",
                naive, ratio=True),
            Row("floor: Jinja body + deflate + raw zip entries, one core (see floor_loop)",
                "letters/s", least, ratio=True, cores=1),
            Row("engine: compiled template, one core, in process", "letters/s", fast,
                ratio=True, cores=1)]
    say("cold backlog")
    backlog = [cold_backlog(root, sizes.backlog_cases, run) for run in range(sizes.backlog_runs)]
    rows.append(Row(f"cold backlog: {sizes.backlog_cases:,} cases, 7 steps, empty state "
                    f"({backlog[0][1]:,} letters, pool of {cores})", "letters/s",
                    [b[0] for b in backlog], ratio=True, cores=cores))
    say("re-save")
    rows += resave(root, sizes.resave_rows, sizes.runs)
    say("save → letters (native)")
    rows.append(Row(f"save → letters, native events, +1 case in {sizes.latency_rows:,} rows",
                    "s", latency(root, sizes.latency_rows, sizes.saves, False, 2.0)))
    say("save → letters (polling)")
    interval = 1.0
    rows.append(Row(f"save → letters, polling every {interval:g} s, settle 2 s (config)", "s",
                    latency(root, sizes.latency_rows, sizes.saves, True, 2.0)))
    rows.append(Row(f"save → letters, polling every {interval:g} s, settle = interval", "s",
                    latency(root, sizes.latency_rows, sizes.saves, True, interval)))
    say("memory")
    rows += memory(root, sizes)
    if pdf.find_soffice():
        say("PDF")
        speeds = [pdf_speed(root, sizes.pdf_letters) for _ in range(max(1, sizes.runs // 2))]
        rows.append(Row(f"PDF: {sizes.pdf_letters} letters in one LibreOffice call",
                        "letters/s", [s[0] for s in speeds]))
        rows.append(Row("PDF: one LibreOffice start per letter", "letters/s",
                        [s[1] for s in speeds]))
    return statistics.median(naive), statistics.median(least), rows


def memory(root: Path, sizes: Sizes) -> list[Row]:
    """Peak memory of reading a huge workbook and two zip bombs, each in a child process."""
    big = data.write_workbook(root / "besar.xlsx", sizes.big_rows, steps=1)
    honest = data.zip_bomb(root / "bom-ditolak.xlsx", 1024)  # declares 1 GB: refused
    hidden = data.zip_bomb(root / "bom-dibaca.xlsx", sizes.bomb_mb)  # under the limit: parsed
    return [
        *big_run(big, sizes.big_rows),
        Row(f"peak memory, intake + validation of {sizes.big_rows:,} rows", "MB",
            [peak_memory("read", big)]),
        Row("peak memory, whole process_file, zip bomb declaring 1 GB (refused)", "MB",
            [peak_memory("process", honest)]),
        Row(f"peak memory, whole process_file, zip bomb of {sizes.bomb_mb} MB XML (parsed)",
            "MB", [peak_memory("process", hidden)]),
        Row("peak memory, python + pipeline imported, nothing read (baseline)", "MB",
            [peak_memory("idle", big)]),
    ]


def table(naive: float, floor: float, rows: list[Row]) -> str:
    """The rows as a Markdown table ("vs floor": against the floor on as many cores)."""
    head = ["measure", "median", "min", "max", "unit", "vs naive", "vs floor", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row.cells(naive, floor)) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    """One line about the machine the table was measured on."""
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, print the table, write bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, fewer runs")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="perda-bench-") as tmp:
        naive, floor, rows = measure(sizes, Path(tmp),
                                     lambda s: print(f"… {s}", file=sys.stderr))
    text = (f"Benchmark ({'quick' if args.quick else 'full'}) on {machine()}.\n\n"
            f"{table(naive, floor, rows)}\n")
    print(text)
    args.out.write_text(f"# Benchmark results\n\n`python -m bench.run"
                        f"{' --quick' if args.quick else ''}`\n\n{text}", encoding="utf-8")


if __name__ == "__main__":
    main()
