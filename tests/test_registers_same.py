"""The registers written by the streaming row writer are the registers openpyxl wrote.

Random letters and cases, hostile text included, are written by the pipeline and by the
old writers (tests/legacy_registers.py: openpyxl's write-only cells), then both files are
read back with openpyxl and compared cell by cell (value, type, number format, font, fill,
border, alignment) and sheet by sheet (column widths, row heights, merged cells, freeze
panes, print setup, filter, hyperlinks). The old writers raised on characters XML 1.0
forbids and stored an error name ('#N/A') as an error cell: they get the text without
those characters, and an error cell of theirs must be the same text in ours.
"""

from __future__ import annotations

import gc
import random
import re
import zipfile
from collections.abc import Callable
from copy import copy
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.config import Config
from pipeline.model import Case, Letter
from pipeline.process import open_state
from pipeline.recap import SHEET_KASUS, write_recap
from pipeline.register_rows import AgendaRow, RecapCase
from pipeline.registers import write_agenda
from pipeline.state import _values
from pipeline.state_schema import LETTER_COLUMNS
from pipeline.status import case_times
from pipeline.verdicts import Standards, remarks, verdicts
from pipeline.xlsxrows import NOT_XML
from tests import legacy_registers as legacy
from tests.conftest import timed_case

HOSTILE = ("&", "a & b", "<b>bold</b>", "]]>", "x > y", '=HYPERLINK("http://x.test","klik")',
           "=1+1", "=", "#N/A", "#DIV/0!", "#REF!", " depan", "belakang ", "  ", "\ttab",
           "baris\nbaru", "cr\r\nlf", "\r", "é — ü 中文 😀", "kontrol \x01\x08\x0b\x0c\x1f",
           "pengganti \ud800 sendiri", "\ufffe\uffff", "'kutip\"", "&amp;", "<![CDATA[x]]>",
           "_x0041_", "0123", "NIK 3313016508900002", "telp 0812-3456-7890", "\x85\xa0",
           "x" * 33000, "kata " * 90, "")
FORBIDDEN_IN_NAMES = re.compile('[<>:"|?*\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]')
SURROGATE = re.compile("[\ud800-\udfff]")
WORDS = ("Permohonan", "koordinasi", "tindak", "lanjut", "laporan", "sampah", "Kepala",
         "Dinas", "Pekerjaan", "Umum", "Desa", "Kuto", "—", "nomor", "12", "u.p.")


def text(rng: random.Random) -> str:
    """A random text: mostly words, sometimes hostile, sometimes both."""
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(HOSTILE)
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 25)))
    return words + rng.choice(HOSTILE) if roll < 0.5 else words


def file_name(rng: random.Random) -> str:
    """A random file name as `layout` makes them (no control or reserved characters)."""
    return FORBIDDEN_IN_NAMES.sub(" ", text(rng)[:60]).strip() or "surat"


def clean(value: object) -> object:
    """A text as the old writers could write it (without characters XML forbids)."""
    return NOT_XML.sub("", value) if isinstance(value, str) else value


def random_letters(rng: random.Random, count: int) -> list[Letter]:
    """Letters of 2024 (and a few of 2023, left out), some with several versions."""
    letters = []
    for urut in range(1, count + 1):
        for version in range(1, rng.choice((2, 2, 2, 3)) ):
            step = rng.choice((1, 2, 3, 4, 5, 6, 7, 9))
            folder = rng.choice(("2024/01-penerimaan-laporan", "2024/04-koordinasi", "2023/x",
                                 "2024/04-koordinasi/sub folder & <b>"))
            letters.append(Letter(
                case_id=f"2024/LP-{urut}", no_laporan=text(rng) or f"LP-{urut}", doc="koordinasi",
                step=step, instansi="", nomor=f"300.1/{urut:03d}/Kec.Krj/2024", urut=urut,
                tahun=rng.choice((2024,) * 9 + (2023,)),
                tanggal=datetime(2024, 1, 1) + timedelta(minutes=rng.randrange(525_600)),
                hal=text(rng), tujuan=text(rng), path=f"{folder}/{file_name(rng)}.docx",
                version=version, diganti=rng.choice(("", "", "300.1/001/Kec.Krj/2025")),
                ditarik=rng.random() < 0.1))
    return letters


def random_cases(rng: random.Random, count: int,
                 text: Callable[[random.Random], str] = text) -> list[Case]:
    """Cases of 2024 (a few of 2023) at every step, some late, some closed."""
    cases = []
    for n in range(count):
        lapor = datetime(2023, 12, 20) + timedelta(minutes=rng.randrange(400_000))
        minutes = [rng.choice((1, 5, 14, 16, 40, 3000)) for _ in range(rng.randrange(0, 7))]
        status = rng.choice(("Selesai", "Tidak Terbukti", "Dilimpahkan", text(rng)))
        cases.append(timed_case(f"LP-{n}-{text(rng)[:20]}", lapor, *minutes,
                                status=status if len(minutes) == 6 else "",
                                desa=text(rng), perda=text(rng), cara_lapor=text(rng)))
    return cases


def cleaned_letters(letters: list[Letter]) -> list[Letter]:
    """The letters with their texts as the old writer could write them."""
    return [replace(x, no_laporan=clean(x.no_laporan), hal=clean(x.hal),  # type: ignore[arg-type]
                    tujuan=clean(x.tujuan), path=clean(x.path)) for x in letters]


def cleaned_cases(cases: list[Case]) -> list[Case]:
    """The cases with their texts as the old writer could write them."""
    return [replace(c, no_laporan=clean(c.no_laporan), desa=clean(c.desa),  # type: ignore[arg-type]
                    perda=clean(c.perda), cara_lapor=clean(c.cara_lapor),
                    status_akhir=clean(c.status_akhir)) for c in cases]


# --- comparing two workbooks -----------------------------------------------------------

SHEET_SETTINGS = ("freeze_panes", "print_title_rows", "print_title_cols", "print_area")


def assert_same_workbook(ours: Path, theirs: Path, only: str | None = None) -> None:
    """Every sheet (or the sheet `only`), cell and setting that openpyxl reads is the same."""
    a, b = load_workbook(ours), load_workbook(theirs)
    assert a.sheetnames == b.sheetnames
    assert a.properties.title == b.properties.title
    for ws, ref in zip(a.worksheets, b.worksheets, strict=True):
        if only in (None, ws.title):
            assert_same_cells(ws, ref)
            assert_same_sheet(ws, ref)


def assert_same_cells(ws: Worksheet, ref: Worksheet) -> None:
    """Every cell: value, type, number format, font, fill, border, alignment, protection."""
    assert (ws.max_row, ws.max_column) == (ref.max_row, ref.max_column), ws.title
    for row_a, row_b in zip(ws.iter_rows(), ref.iter_rows(), strict=True):
        for a, b in zip(row_a, row_b, strict=True):
            where = f"{ws.title}!{a.coordinate}"
            assert a.value == b.value, where
            kind = "s" if b.data_type == "e" else b.data_type  # an error name is text now
            assert a.data_type == kind, where
            assert a.number_format == b.number_format, where
            for name in ("font", "fill", "border", "alignment", "protection"):
                # the cells' style proxies compare by identity: compare what they stand for
                assert copy(getattr(a, name)) == copy(getattr(b, name)), (where, name)
            assert (a.hyperlink.target if a.hyperlink else None) == \
                (b.hyperlink.target if b.hyperlink else None), where


def assert_same_sheet(ws: Worksheet, ref: Worksheet) -> None:
    """Column widths, row heights, merges, panes, print setup, filter, charts."""
    where = ws.title
    widths = {k: (d.width, d.customWidth) for k, d in ws.column_dimensions.items()}
    assert widths == {k: (d.width, d.customWidth) for k, d in ref.column_dimensions.items()}
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None}
    assert heights == {r: d.height for r, d in ref.row_dimensions.items()
                       if d.height is not None}, where
    assert sorted(map(str, ws.merged_cells.ranges)) == sorted(map(str, ref.merged_cells.ranges))
    for name in SHEET_SETTINGS:
        assert getattr(ws, name) == getattr(ref, name), (where, name)
    assert ws.page_setup == ref.page_setup and ws.print_options == ref.print_options
    assert ws.sheet_properties == ref.sheet_properties and ws.page_margins == ref.page_margins
    assert ws.oddHeader.center.text == ref.oddHeader.center.text
    assert ws.oddFooter.center.text == ref.oddFooter.center.text
    assert ws.auto_filter.ref == ref.auto_filter.ref
    assert [b.id for b in ws.row_breaks.brk] == [b.id for b in ref.row_breaks.brk]
    assert len(ws._charts) == len(ref._charts)  # noqa: SLF001
    assert ws.sheet_view == ref.sheet_view


# --- the tests ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_buku_agenda_is_the_same(cfg: Config, seed: int) -> None:
    rng = random.Random(seed)
    letters = random_letters(rng, rng.choice((0, 1, 40, 150)))
    ours, theirs = (cfg.outbox / "2024" / name for name in ("Buku Agenda 2024.xlsx", "lama.xlsx"))
    write_agenda(ours, letters, cfg, 2024)
    legacy.write_agenda(theirs, cleaned_letters(letters), cfg, 2024)
    assert_same_workbook(ours, theirs)


@pytest.mark.parametrize("seed", range(6))
def test_recap_is_the_same(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    cases = random_cases(rng, rng.choice((0, 1, 40, 150)))
    now = datetime(2024, 12, 1) + timedelta(minutes=rng.randrange(100_000))
    bulan = rng.choice((None, None, 1, 12))
    ours, raw, theirs = (tmp_path / f"{name}.xlsx" for name in ("baru", "mentah", "lama"))
    write_recap(ours, cleaned_cases(cases), Config(), 2024, bulan=bulan, now=now,
                menunggu_perbaikan=seed)
    legacy.write_recap(theirs, cleaned_cases(cases), Config(), 2024, bulan=bulan, now=now,
                       menunggu_perbaikan=seed)
    assert_same_workbook(ours, theirs)
    # Forbidden characters: dropped from the Kasus rows (two names that differ only by them
    # are two rows of the Ringkasan's counts, so only Kasus is the same).
    write_recap(raw, cases, Config(), 2024, bulan=bulan, now=now, menunggu_perbaikan=seed)
    assert_same_workbook(raw, theirs, only=SHEET_KASUS)


def sheet_xml(path: Path, index: int) -> bytes:
    """The XML of sheet `index` (1-based) as stored."""
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{index}.xml")


def test_rows_are_openpyxls_byte_for_byte(cfg: Config, tmp_path: Path) -> None:
    """Without forbidden characters and error names, the sheets are the very same XML."""
    rng = random.Random(99)
    keep = [h for h in HOSTILE if not NOT_XML.search(h) and not h.startswith("#")]
    rng_text = random.Random(5)
    letters = [replace(x, hal=rng_text.choice(keep), tujuan=rng_text.choice(keep) + x.tujuan)
               for x in cleaned_letters(random_letters(rng, 120))
               if not x.hal.startswith("#") and not x.tujuan.startswith("#")
               and not x.no_laporan.startswith("#")]
    ours, theirs = (cfg.outbox / "2024" / name for name in ("a.xlsx", "b.xlsx"))
    write_agenda(ours, letters, cfg, 2024)
    legacy.write_agenda(theirs, letters, cfg, 2024)
    assert sheet_xml(ours, 1) == sheet_xml(theirs, 1)
    cases = [c for c in cleaned_cases(random_cases(rng, 120))
             if not any(str(v).startswith("#") for v in (c.no_laporan, c.desa, c.perda,
                                                          c.cara_lapor, c.status_akhir))]
    now = datetime(2024, 12, 20)
    write_recap(ours, cases, Config(), 2024, now=now)
    legacy.write_recap(theirs, cases, Config(), 2024, now=now)
    assert sheet_xml(ours, 2) == sheet_xml(theirs, 2)


# The old writer's half-written sheet is collected with its generator still open.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_forbidden_characters_are_dropped_where_openpyxl_lost_the_register(
        cfg: Config, tmp_path: Path) -> None:
    letter = random_letters(random.Random(1), 1)[0]
    letter = replace(letter, tahun=2024, hal="Surat\x01 dari\x1f desa\ud800", tujuan="=1+1")
    with pytest.raises(IllegalCharacterError):
        legacy.write_agenda(tmp_path / "lama.xlsx", [letter], cfg, 2024)
    gc.collect()  # here, not in a later test
    path = cfg.outbox / "2024" / "Buku Agenda 2024.xlsx"
    write_agenda(path, [letter], cfg, 2024)
    ws = load_workbook(path).active
    assert ws["D6"].value == "Surat dari desa"
    assert (ws["E6"].value, ws["E6"].data_type) == ("=1+1", "s")  # text, not a formula
    assert not any(ILLEGAL_CHARACTERS_RE.search(str(c.value)) for row in ws.iter_rows()
                   for c in row if c.value)


@pytest.mark.parametrize("seed", range(3))
def test_verdicts_are_case_times(seed: int) -> None:
    """The recap's per-case figures are `status.case_times`'s, field by field."""
    rng = random.Random(seed)
    cfg = Config()
    std = Standards.of(cfg)
    for case in random_cases(rng, 400):
        now = case.waktu_lapor + timedelta(minutes=rng.randrange(-100, 40_000))
        t, v = case_times(case, cfg, now), verdicts(case, std, now)
        assert v.times == tuple(s.waktu for s in t.steps)
        assert v.minutes == tuple(s.menit for s in t.steps)
        assert v.late == tuple(s.terlambat for s in t.steps)
        assert (v.status, v.langkah, v.terlambat, v.alasan, v.lama_hari) == \
            (t.status, t.langkah, t.terlambat, t.alasan, t.lama_hari)
        assert remarks(v) == legacy.remarks(t)


def test_recap_cases_are_the_stored_cases(cfg: Config) -> None:
    """What SQLite takes out of the stored cases for the recap is what the cases say, in
    the same order (any text, control characters included, and every step's time)."""
    cases = random_cases(random.Random(3), 300, lambda rng: SURROGATE.sub("", text(rng)))
    state = open_state(cfg)
    try:
        with state.db:
            for case in cases:
                state._save_case(state.db, case, True)  # noqa: SLF001
        for tahun in (2023, 2024):
            whole = list(state.each_case_of_year(tahun))
            seen = list(state.each_recap_case_of_year(tahun))
            assert len(seen) == len(whole) > 0
            for mine, case in zip(seen, whole, strict=True):
                assert mine == tuple(getattr(case, name) for name in RecapCase._fields)
                assert mine.tahun == case.tahun == tahun
    finally:
        state.close()


def test_agenda_rows_are_the_stored_letters(cfg: Config) -> None:
    """What SQLite takes out of the letters for the Buku Agenda is what `Letter`s say."""
    letters = [replace(x, case_id=f"2024/LP-{n}", no_laporan=rng_no if n % 3 else "",
                       hal=SURROGATE.sub("", x.hal), tujuan=SURROGATE.sub("", x.tujuan),
                       id=0, made_at=datetime(2024, 12, 1), sha256="0" * 64)
               for n, (x, rng_no) in enumerate(
                   (x, SURROGATE.sub("", x.no_laporan))
                   for x in random_letters(random.Random(4), 200))]
    state = open_state(cfg)
    try:
        with state.db:
            for letter in letters:
                state.db.execute(f"INSERT INTO letters ({', '.join(LETTER_COLUMNS)}) VALUES "
                                 f"({', '.join('?' * len(LETTER_COLUMNS))})",
                                 _values(letter))
        for tahun in (2023, 2024):
            whole = list(state.each_letter_of_year(tahun))
            rows = list(state.each_agenda_row_of_year(tahun))
            assert len(rows) == len(whole) > 0
            for row, letter in zip(rows, whole, strict=True):
                assert row == tuple(getattr(letter, name) for name in AgendaRow._fields)
                assert row.keterangan == letter.keterangan
    finally:
        state.close()
