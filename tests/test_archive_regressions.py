"""Minimal reproductions of what the archive walk (tests/test_archive_weeks.py) found."""

from __future__ import annotations

import shutil
from datetime import datetime

from pipeline.cli import main
from pipeline.stamp import read_stamp
from tests.test_letters_scenarios import early_steps, hashes
from tests.test_letters_scenarios import numbers_in, run

NOTA = "02-penerusan-ke-camat/LP-001 - Nota Dinas Penerusan Laporan.docx"


def test_a_letter_moved_into_the_other_year_and_back_never_replaces_the_first(make_intake,
                                                                               cfg):
    # Found by the walk (seed 1 before the fix): Waktu Diteruskan typed 01/01/2026, then
    # corrected to 31/12/2025 (a new 2025 letter, the 2026 one marked replaced), then back
    # to 01/01/2026. The third letter, a new 2026 number, was filed over the first 2026
    # letter's file: same case, document, year and version 1 in its stamp, so the guard
    # took it for "an earlier state of the same letter". 300.1/001/Kec.Krj/2026 was gone.
    row = early_steps(waktu_lapor=datetime(2025, 12, 31, 23, 50),
                      waktu_diteruskan=datetime(2026, 1, 1, 0, 10))
    run(make_intake([row]), cfg)
    first = hashes(cfg.outbox)
    assert numbers_in(cfg.outbox / "2026" / NOTA) == {"300.1/001/Kec.Krj/2026"}
    row["waktu_diteruskan"] = datetime(2025, 12, 31, 23, 59)
    run(make_intake([row]), cfg)
    row["waktu_diteruskan"] = datetime(2026, 1, 1, 0, 20)
    run(make_intake([row]), cfg)
    after = hashes(cfg.outbox)
    assert {k: after[k] for k in first} == first  # the first 2026 letter is still there
    new = [k for k in after if k.startswith("2026/") and k not in first]
    assert len(new) == 1  # the letter of its third date, filed beside the first
    assert numbers_in(cfg.outbox / new[0]) == {"300.1/002/Kec.Krj/2026"}
    assert read_stamp(cfg.outbox / new[0])["urut"] == 2
