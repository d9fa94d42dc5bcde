"""Readers of intake values compared on one workbook (issue 13.3): CPU seconds, median of 3.

    .venv/bin/python bench/bench_reader.py [--rows 10000] [--libreoffice]

Candidates: openpyxl's read-only `iter_rows` (the reader before issue 14), openpyxl's own
sheet parser driven row by row (the reader of issue 14's first commit), the lxml reader
in `pipeline/sheet.py`, and python-calamine when it is installed (it is not a dependency:
`pip install python-calamine` to include it). Also the whole `open_intake` + rows, and
one changed row in a processed workbook through `process_file`, with the row cache
(`pipeline/rowcache.py`: unchanged row slices are not parsed) and without it (only the
known-good rows of the last version skip validation). CPU time, not wall time:
on a shared 2-core PC the wall clock measures the neighbours. `--libreoffice` also reads
the workbook as LibreOffice saves it (shared strings, like Excel) instead of openpyxl's
inline strings.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import load_workbook  # noqa: E402
from openpyxl.worksheet._reader import WorkSheetParser  # noqa: E402

from bench import data  # noqa: E402
from pipeline.config import Batas, load_config  # noqa: E402
from pipeline.intake import open_intake  # noqa: E402
from pipeline.process import open_state, process_file  # noqa: E402
from pipeline.rowcache import RowCache  # noqa: E402
from pipeline.sheet import stored_rows  # noqa: E402


def cpu(work: Callable[[], object], runs: int = 3) -> tuple[float, object]:
    """Median CPU seconds of `work` and its last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.process_time()
        result = work()
        times.append(time.process_time() - started)
    return statistics.median(times), result


def openpyxl_iter_rows(blob: bytes) -> int:
    """openpyxl read-only, values only: every row, gaps filled."""
    book = load_workbook(io.BytesIO(blob), read_only=True, data_only=True)
    ws = book["Laporan"]
    ws.reset_dimensions()
    return sum(1 for _ in ws.iter_rows(values_only=True))


def openpyxl_parser(blob: bytes) -> int:
    """openpyxl's WorkSheetParser, row by row (what pipeline/sheet.py used first)."""
    book = load_workbook(io.BytesIO(blob), read_only=True, data_only=True)
    ws = book["Laporan"]
    with ws._get_source() as source:
        parser = WorkSheetParser(source, ws._shared_strings, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats,
                                 timedelta_formats=book._timedelta_formats)
        return sum(1 for _ in parser.parse())


def lxml_reader(blob: bytes) -> int:
    """pipeline.sheet.stored_rows: lxml, openpyxl's cell rules."""
    book = load_workbook(io.BytesIO(blob), read_only=True, data_only=True)
    return sum(1 for _ in stored_rows(book["Laporan"]))


def calamine(blob: bytes) -> int:
    """python-calamine (Rust): the whole sheet as Python values."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(blob))
    return len(book.get_sheet_by_name("Laporan").to_python())


def whole_intake(blob: bytes) -> int:
    """open_intake and every raw row (checks, header search, cleaning)."""
    return sum(1 for _ in open_intake("laporan.xlsx", blob, Batas()).rows)


def one_changed_row(root: Path, rows: int, cached: bool = True,
                    libreoffice: bool = False) -> float | None:
    """CPU seconds of process_file after one row of a processed workbook changed; with
    the row cache (the default path) or without it (today's known-good rows only);
    `libreoffice`: both versions saved by LibreOffice (shared strings). None without
    soffice."""
    office = root / f"office-{'lo' if libreoffice else 'op'}-{'cache' if cached else 'none'}"
    cfg = load_config(data.office(office) / "config.toml")
    path = data.write_workbook(cfg.inbox / "laporan-2024.xlsx", rows, steps=1)
    variants = [data.write_workbook(root / f"changed-{run}.xlsx", rows, steps=1,
                                    changed=rows // 2, change=f"Uraian diubah ({run}).")
                for run in range(3)]
    if libreoffice:
        copies = [libreoffice_copy(p, root) for p in [path, *variants]]
        if None in copies:
            return None
        shutil.copyfile(copies[0], path)  # type: ignore[arg-type]
        variants = copies[1:]  # type: ignore[assignment]
    state = open_state(cfg)
    if not cached:  # today's reading: no row cache is ever found
        state.row_cache = lambda name, rules, known: RowCache(rules)  # type: ignore
    try:
        process_file(path, cfg, state)  # fill the state (one letter per row)
        times = []
        for variant in variants:
            shutil.copyfile(variant, path)
            started = time.process_time()
            outcome = process_file(path, cfg, state)
            times.append(time.process_time() - started)
            assert outcome.status == "ok" and len(outcome.letters) == 1, outcome.status
        return statistics.median(times)
    finally:
        state.close()


def libreoffice_copy(path: Path, root: Path) -> Path | None:
    """The workbook as LibreOffice saves it (shared strings), or None without soffice."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    out = root / "lo"
    if not (out / path.name).exists():  # the same workbook is converted once
        subprocess.run([soffice, f"-env:UserInstallation={(root / 'lo-profile').as_uri()}",
                        "--headless", "--convert-to", "xlsx", "--outdir", str(out),
                        str(path)], check=True, capture_output=True, timeout=600)
    return out / path.name


def main(argv: list[str] | None = None) -> None:
    """Print CPU seconds per reader for one workbook, and the changed-row re-save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--libreoffice", action="store_true")
    args = parser.parse_args(argv)
    readers = [("openpyxl read-only iter_rows", openpyxl_iter_rows),
               ("openpyxl WorkSheetParser", openpyxl_parser),
               ("lxml (pipeline/sheet.py)", lxml_reader),
               ("python-calamine", calamine),
               ("open_intake + rows (lxml)", whole_intake)]
    with tempfile.TemporaryDirectory(prefix="perda-bench-reader-") as folder:
        root = Path(folder)
        files = {"openpyxl-saved": data.write_workbook(root / "laporan.xlsx", args.rows)}
        if args.libreoffice and (copy := libreoffice_copy(files["openpyxl-saved"], root)):
            files["LibreOffice-saved"] = copy
        for kind, path in files.items():
            blob = path.read_bytes()
            print(f"{args.rows:,} rows, {kind} ({len(blob) / 1e6:.1f} MB):")
            for label, reader in readers:
                try:
                    seconds, count = cpu(lambda reader=reader, blob=blob: reader(blob))
                except ImportError:
                    print(f"  {label:34} not installed")
                    continue
                print(f"  {label:34} {seconds:6.2f} s CPU  ({count} rows)")
        kinds = [("openpyxl-saved", False)] + [("LibreOffice-saved", True)] * args.libreoffice
        for kind, lo in kinds:
            for cached, label in ((False, "without row cache"), (True, "with row cache")):
                seconds = one_changed_row(root, args.rows, cached, lo)
                if seconds is not None:
                    print(f"one changed row of {args.rows:,}, {kind}, process_file "
                          f"{label}: {seconds:.2f} s CPU")


if __name__ == "__main__":
    main()
