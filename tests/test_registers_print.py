"""Registers and reports print: A4 landscape, one page wide, headers repeated, nothing cut.

Each workbook is converted to PDF with LibreOffice (which prints what the clerk prints);
pdftotext must find every word of every cell, as often as the cells hold it. Text in a
row too low for it, or spilling into a filled neighbour, is cut and fails the check.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline.config import Config
from pipeline.model import Letter, Problem
from pipeline.pdf import find_soffice
from pipeline.problems import SHEET_PROBLEMS, write_problem_report
from pipeline.recap import SHEET_KASUS, write_recap
from pipeline.registers import write_agenda
from pipeline.schema import COLUMNS, FIRST_DATA_ROW, SHEET_DATA
from pipeline.workbook import write_blank_intake
from tests import legacy_registers as legacy
from tests.conftest import full_row
from tests.test_recap import case

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow,
              pytest.mark.skipif(find_soffice() is None, reason="LibreOffice not installed")]
A4_LANDSCAPE = (841.9, 595.3)  # points
LONG_TUJUAN = ("Kepala Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Karanganyar "
               "u.p. Kepala Bidang Penataan Ruang dan Pertanahan")


@pytest.fixture(scope="module")
def lo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One LibreOffice profile and home for the module (the first start is slow)."""
    return tmp_path_factory.mktemp("lo")


def to_pdf(xlsx: Path, home: Path) -> Path:
    """The workbook printed to PDF by LibreOffice, beside it."""
    soffice = find_soffice()
    assert soffice
    env = {**os.environ, "HOME": str(home)}
    subprocess.run([soffice, "--headless", "--norestore",
                    f"-env:UserInstallation={(home / 'profile').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(xlsx.parent), str(xlsx)],
                   check=True, capture_output=True, timeout=240, env=env)
    pdf = xlsx.with_suffix(".pdf")
    assert pdf.exists()
    return pdf


def pages(pdf: Path) -> list[str]:
    """The text of each page."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page."""
    out = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], check=True,
                         capture_output=True, text=True).stdout
    return [(float(w), float(h)) for w, h in
            re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", out)]


def words(text: str) -> list[str]:
    """The runs of letters, of digits and of other signs in a text (LibreOffice may break a
    line at '-' or '/', and pdftotext may join a right-aligned number to the next cell)."""
    return re.findall(r"\d+|[^\W\d_]+|[^\w\s]+", text)


def cell_words(xlsx: Path) -> Counter[str]:
    """Every word of every text cell of the visible sheets, counted."""
    found: Counter[str] = Counter()
    for ws in load_workbook(xlsx).worksheets:
        if ws.sheet_state == "visible":
            for row in ws.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, str):
                        found.update(words(value))
    return found


def assert_prints_whole(xlsx: Path, home: Path) -> list[str]:
    """Landscape A4 pages, and every word of every cell on them; returns the pages' text."""
    pdf = to_pdf(xlsx, home)
    sizes = page_sizes(pdf)
    assert sizes and all(abs(w - A4_LANDSCAPE[0]) < 2 and abs(h - A4_LANDSCAPE[1]) < 2
                         for w, h in sizes), sizes
    text = pages(pdf)
    missing = cell_words(xlsx) - Counter(words(" ".join(text)))
    assert not missing, f"cut or missing on paper: {sorted(missing)[:20]}"
    return text


def assert_headers_on_every_page(text: list[str], first: str, last: str, at_least: int) -> None:
    """Pages with the table's first header also show its last one (one page wide), and
    the header is repeated on each of them."""
    table = [page for page in text if first in page]
    assert len(table) >= at_least
    assert all(last in page for page in table)


def letter(urut: int) -> Letter:
    """A letter with long wrapped texts."""
    return Letter(case_id=f"2024/LP-{urut:03d}", no_laporan=f"LP-2024-{urut:05d}-TRANTIB",
                  doc="koordinasi", step=4, instansi="Dinas",
                  nomor=f"300.1/{urut:03d}/Kec.Krj/2024",
                  urut=urut, tahun=2024, tanggal=datetime(2024, 9, 25),
                  hal=f"Permohonan koordinasi tindak lanjut laporan nomor {urut} tentang "
                      "pembuangan sampah di saluran irigasi",
                  tujuan=LONG_TUJUAN,
                  path=f"2024/04-koordinasi-tindakan/LP-2024-{urut:05d}-TRANTIB - Surat "
                       "Permohonan Koordinasi - Dinas Pekerjaan Umum.docx")


def test_buku_agenda_prints_whole(cfg: Config, lo_home: Path) -> None:
    path = cfg.outbox / "2024" / "Buku Agenda 2024.xlsx"
    write_agenda(path, [letter(n) for n in range(1, 41)], cfg, 2024)
    text = assert_prints_whole(path, lo_home)
    assert_headers_on_every_page(text, "No. Urut", "Versi", at_least=3)


def test_recap_prints_whole(cfg: Config, lo_home: Path) -> None:
    start = datetime(2024, 3, 1, 8, 0)
    perda = ("Perda Nomor 7 Tahun 2019 tentang Ketenteraman, Ketertiban Umum dan "
             "Perlindungan Masyarakat")
    cases = [case(f"LP-{n:03d}", start + timedelta(days=n), 20, 5, perda=perda)
             for n in range(1, 41)]
    path = cfg.outbox / "2024" / "Laporan Pengamanan 2024.xlsx"
    write_recap(path, cases, cfg, 2024, now=datetime(2024, 12, 31, 12, 0))
    text = assert_prints_whole(path, lo_home)
    assert_headers_on_every_page(text, "No. Laporan", "Keterangan", at_least=2)
    assert load_workbook(path)[SHEET_KASUS].max_row == 7 + 40


def test_problem_report_and_marked_copy_print_whole(cfg: Config, tmp_path: Path,
                                                    lo_home: Path) -> None:
    source = tmp_path / "laporan.xlsx"
    write_blank_intake(source, cfg)
    wb = load_workbook(source)
    ws = wb[SHEET_DATA]
    keys = [c.key for c in COLUMNS]
    for n in range(90):
        row = full_row(n + 1, uraian=f"Pembuangan sampah nomor {n} di saluran irigasi desa "
                                     "setiap malam hari sejak bulan Agustus oleh warga")
        for col, key in enumerate(keys, start=1):
            if row.get(key) is not None:
                ws.cell(FIRST_DATA_ROW + n, col, row[key])
    wb.save(source)
    problems = [Problem("wajib-diisi", source.name,
                        f"Nama Pelapor pada baris {FIRST_DATA_ROW + n} wajib diisi. Isi nama "
                        "pelapor sesuai kartu identitas, lalu simpan kembali berkas ini di "
                        "folder inbox agar diperiksa ulang secara otomatis.",
                        SHEET_DATA, FIRST_DATA_ROW + n, "D", "Nama Pelapor") for n in range(30)]
    xlsx, _ = write_problem_report(source, problems, tmp_path / "out")
    text = assert_prints_whole(xlsx, lo_home)
    assert_headers_on_every_page(text, "Masalah dan cara memperbaiki", "Lembar", at_least=1)
    assert_headers_on_every_page(text, "Langkah 1 —", "Langkah 7 —", at_least=2)  # the copy
    assert load_workbook(xlsx)[SHEET_PROBLEMS].print_title_rows == "$1:$1"
    assert load_workbook(xlsx)[SHEET_DATA].page_setup.fitToWidth == 1


def test_registers_print_as_openpyxl_wrote_them(cfg: Config, lo_home: Path) -> None:
    """The row writer's registers print page for page as openpyxl's did (the old writers
    of tests/legacy_registers.py): same pages, same sizes, same text on each."""
    folder = cfg.outbox / "2024"
    letters = [letter(n) for n in range(1, 61)]
    letters[7] = replace(letters[7], hal="Hal & <b> — \"kutip\" =1+1", tujuan="  spasi  ")
    start = datetime(2024, 3, 1, 8, 0)
    cases = [case(f"LP-{n:03d}", start + timedelta(days=n, minutes=n), *range(5, 5 + n % 7),
                  status="Selesai" if n % 7 == 6 else "", perda=f"Perda & <{n}> " * (n % 4))
             for n in range(1, 61)]
    now = datetime(2024, 12, 31, 12, 0)
    pairs = []
    for name, new, old in (("agenda", write_agenda, legacy.write_agenda),
                           ("recap", write_recap, legacy.write_recap)):
        data = letters if name == "agenda" else cases
        extra = {} if name == "agenda" else {"now": now}
        (folder / "baru").mkdir(parents=True, exist_ok=True)
        (folder / "lama").mkdir(parents=True, exist_ok=True)
        ours, theirs = folder / "baru" / f"{name}.xlsx", folder / "lama" / f"{name}.xlsx"
        new(ours, data, cfg, 2024, **extra)
        old(theirs, data, cfg, 2024, **extra)
        pairs.append((ours, theirs))
    for ours, theirs in pairs:
        mine, reference = to_pdf(ours, lo_home), to_pdf(theirs, lo_home)
        assert page_sizes(mine) == page_sizes(reference)
        assert len(pages(mine)) > 1 and pages(mine) == pages(reference)
