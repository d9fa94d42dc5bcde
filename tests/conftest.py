"""Small path and data fixtures shared by the tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from openpyxl import Workbook

from pipeline.config import Config, load_config
from pipeline.model import Case
from pipeline.schema import COLUMNS, HEADER_ROW, SHEET_DATA, STEPS
from tests.office_values import fill_office

ROOT = Path(__file__).resolve().parents[1]
# `pytest tests/test_fuzz.py --hypothesis-profile=long`: the long fuzz run (README).
settings.register_profile("long", max_examples=50_000)


def shipped_office(folder: Path) -> Path:
    """An office folder as shipped: config.toml (PDFs off), templates/, inbox/."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    (folder / "config.toml").write_text(text.replace('pdf = "auto"', 'pdf = "tidak"'),
                                        encoding="utf-8")
    shutil.copytree(ROOT / "templates", folder / "templates")
    (folder / "inbox").mkdir()
    return folder


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """A fresh office folder whose config.toml is filled in (every "[…]" placeholder has a
    plain value, the emblem is a small PNG), so letters are numbered, not drafts; PDFs off
    (see office_with_pdf)."""
    fill_office(shipped_office(tmp_path))
    return tmp_path


@pytest.fixture
def placeholder_office(tmp_path: Path) -> Path:
    """A fresh office folder with the shipped config.toml, placeholders and all (drafts)."""
    return shipped_office(tmp_path)


def set_config(office: Path, old: str, new: str) -> Config:
    """Change one line of the office's config.toml and load it again."""
    path = office / "config.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_config(path)


@pytest.fixture
def cfg(office: Path) -> Config:
    """The shipped configuration, with its folders inside the test's office folder."""
    return load_config(office / "config.toml")


def full_row(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A report row with all seven steps done, as staff would type it."""
    row: dict[str, Any] = {
        "no_laporan": f"LP-{n:03d}",
        "waktu_lapor": datetime(2024, 9, 25, 8, 15),
        "cara_lapor": "Telepon",
        "nama_pelapor": "Siti Rahayu",
        "nik_pelapor": "3313016508900002",
        "alamat_pelapor": "Dusun Ngasem RT 02/RW 03, Desa Kuto",
        "telepon_pelapor": "0812 3456 7890",
        "desa": "Kuto",
        "lokasi": "Pasar Kuto, sebelah timur",
        "perda": "Perda tentang Pengelolaan Sampah",
        "uraian": "Pembuangan sampah di saluran irigasi setiap malam.",
        "petugas": "Budi Santoso",
        "waktu_diteruskan": datetime(2024, 9, 25, 8, 30),
        "waktu_disposisi": datetime(2024, 9, 25, 8, 40),
        "sifat": "Segera",
        "isi_disposisi": "Tindak lanjuti bersama Satpol PP dan Pemdes.",
        "waktu_koordinasi": datetime(2024, 9, 26, 9, 0),
        "instansi": "Satuan Polisi Pamong Praja Kabupaten Karanganyar; Pemerintah Desa setempat",
        "tindakan": "Peninjauan lapangan dan teguran lisan kepada pelaku.",
        "waktu_selesai": datetime(2024, 9, 27, 10, 0),
        "status_akhir": "Selesai",
        "hasil": "Pelaku membersihkan saluran dan membuat pernyataan.",
        "waktu_lapor_camat": datetime(2024, 9, 27, 10, 5),
        "waktu_pemberitahuan": datetime(2024, 9, 27, 10, 30),
        "cara_pemberitahuan": "Surat",
    }
    row.update(changes)
    return row


def write_intake(path: Path, rows: list[dict[str, Any]], *, columns: list[str] | None = None,
                 header_row: int = HEADER_ROW, extra: dict[str, str] | None = None) -> Path:
    """Write an intake workbook: headers at `header_row`, one row per dict (keys = columns)."""
    keys = columns or [c.key for c in COLUMNS]
    headers = {c.key: c.header for c in COLUMNS}
    book = Workbook()
    ws = book.active
    ws.title = SHEET_DATA
    ws.cell(1, 1, "Register Laporan Dugaan Pelanggaran Perda")
    for col, key in enumerate(keys, 1):
        ws.cell(header_row, col, headers.get(key, key))
    for offset, row in enumerate(rows, 1):
        for col, key in enumerate(keys, 1):
            if row.get(key) is not None:
                ws.cell(header_row + offset, col, row[key])
    book.save(path)
    return path


@pytest.fixture
def make_intake(office: Path) -> Callable[..., Path]:
    """Factory: write an intake workbook into the office's inbox/ and return its path."""

    def make(rows: list[dict[str, Any]], name: str = "laporan.xlsx", **kwargs: Any) -> Path:
        return write_intake(office / "inbox" / name, rows, **kwargs)

    return make


NIK, TELEPON = "3313016508900002", "081234567890"  # the reporter's, in made-up cases


def timed_case(no: str, lapor: datetime, *minutes: int, status: str = "", **kw: object) -> Case:
    """A case whose steps 2, 3, ... took `minutes` each after the previous step."""
    times, t = {}, lapor
    for step, gap in zip(STEPS[1:], minutes, strict=False):
        t = t + timedelta(minutes=gap)
        times[step.time_key] = t
    values: dict[str, object] = dict(
        no_laporan=no, waktu_lapor=lapor, cara_lapor="Telepon", nama_pelapor=f"Pelapor {no}",
        desa="Kuto", lokasi="Pasar", perda="Perda tentang Pengelolaan Sampah", uraian="Sampah",
        petugas="Budi", nik_pelapor=NIK, telepon_pelapor=TELEPON,
        alamat_pelapor="Dusun Ngasem RT 02", status_akhir=status)
    values.update(times)
    values.update(kw)
    return Case(**values)  # type: ignore[arg-type]
