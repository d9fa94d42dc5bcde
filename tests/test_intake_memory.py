"""Reading a workbook keeps memory flat, hostile ones included."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from bench.data import zip_bomb
from pipeline.config import Batas
from pipeline.intake import open_intake


def test_zip_bomb_of_empty_rows_without_dimension_is_read_in_little_memory(tmp_path: Path):
    # Found by bench/: openpyxl looked for <dimension> by parsing the whole sheet when it
    # had none, keeping every row: a 280 MB sheet of empty rows took 4 GB.
    path = zip_bomb(tmp_path / "bom.xlsx", 20)
    tracemalloc.start()
    intake = open_intake(path.name, path.read_bytes(), Batas())
    rows = list(intake.rows)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(rows) == 1
    assert peak < 60 * 1024 * 1024

