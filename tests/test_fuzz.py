"""Every workbook gets a clean answer: cases, or problems with a code and a message.

Two parts. The reproducer corpus (tests/data/fuzz/, see its README): each file once made
the reader or the problem report fail unexpectedly; now `perda run` names its problem and
exits 1. And a property test that mutates the XML parts, the zip entries, the raw bytes
and the typed cell values of a valid workbook: `read_cases` and `process_file` only ever
return cases or clean problems, within a time and memory bound. In CI it runs a few
hundred examples; `pytest tests/test_fuzz.py --hypothesis-profile=long` runs 50,000.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import tracemalloc
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from pipeline.config import Config, load_config
from pipeline.errors import ExitCode
from pipeline.process import open_state, process_file, read_cases
from tests.conftest import ROOT
from tests.fuzzing import (
    BASE,
    RICH,
    STEP_ONE,
    part,
    patch_entry,
    rezip,
    step_one_row,
    workbook,
)
from tests.test_cli import perda

CORPUS = sorted((ROOT / "tests" / "data" / "fuzz").glob("*.xlsx"))
LONG = settings.get_current_profile_name() == "long"
MEMORY_BOUND = 200 * 1024 * 1024  # bytes allocated by Python at the peak, per workbook
TIME_BOUND = timedelta(seconds=30)  # per workbook of a few KB: far above any honest cost


def report_of(office: Path, stem: str) -> str:
    """The text problem report written for an intake file."""
    path = office / "outbox" / "_perlu-perbaikan" / f"{stem} - perlu perbaikan.txt"
    return path.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_reproducer_gets_its_named_problem_and_exit_1(office, path, capsys):
    # Each of these once ended in "kesalahan tak terduga" (or a silent loss) instead of
    # a message saying what is wrong; the file was then redone at every rescan.
    code = path.stem.split("__")[0]
    shutil.copy(path, office / "inbox" / path.name)
    assert perda(office, "run") == ExitCode.input_rejected
    report = report_of(office, path.stem)
    assert f"[{code}]" in report
    assert "kesalahan-tak-terduga" not in report
    capsys.readouterr()
    assert perda(office, "run") == ExitCode.input_rejected  # recorded: not redone
    assert f"- {path.name}: belum diperbaiki" in capsys.readouterr().out


def test_corpus_holds_a_reproducer_for_every_case_of_issue_14():
    codes = {path.stem.split("__")[0] for path in CORPUS}
    assert codes >= {"xml-rusak", "pengodean-tidak-dikenal", "zip-bersandi",
                     "kompresi-tidak-didukung", "isi-rusak", "gaya-sel-rusak", "format-strict",
                     "baris-di-luar-batas", "waktu-masa-depan", "tanggal-tidak-terbaca",
                     "tahun-tidak-wajar", "rumus-tanpa-nilai", "rumus-waktu", "bukan-pilihan"}


# --- the property test ----------------------------------------------------------------

TOKENS = [b"<", b">", b"/>", b'"', b"&", b"&#0;", b"]]>", b"<!DOCTYPE x>", b"\x00", b"\xff\xfe",
          b'<?xml version="1.0" encoding="x-nonsense"?>', b'<row r="0">', b'<row r="2000000">',
          b'<c r="XFD1048576">', b'<c r="A3" t="d"/>', b'<c r="B3" t="d"><v>x</v></c>',
          b'<c r="B3" t="s"><v>99</v></c>', b'<c r="B3" t="e"><v>#N/A</v></c>', b"<f>NOW()</f>",
          b'<mergeCell ref="A1:XFD1048576"/>', b"99999999999999999999", b"-1", b"1e309",
          b"NaN", b"2958466", b's="7"', b'numFmtId="14"', b'date1904="1"']
ENTRIES = {base: zipfile.ZipFile(io.BytesIO(base)).namelist() for base in (BASE, RICH)}
NUMBER_ATTRIBUTE = re.compile(rb'="(-?\d+(?:\.\d+)?)"')
ODD_NUMBERS = st.one_of(st.integers(-2**70, 2**70), st.sampled_from(
    ["", "x", "1.5", "-0", "1e309", "NaN", "2958465.9999999", "0x10"])).map(
    lambda value: str(value).encode())


@st.composite
def part_edits(draw: st.DrawFn) -> bytes:
    """The base (or rich) workbook with one to three edits of one XML part."""
    base = draw(st.sampled_from([BASE, RICH]))
    name = draw(st.sampled_from(sorted(ENTRIES[base])))
    content = part(name, base)
    for _ in range(draw(st.integers(1, 3))):
        content = draw(_edit(content))
    note(f"part {name} edited")
    return rezip(base, {name: content})


def _edit(content: bytes) -> st.SearchStrategy[bytes]:
    """One edit: truncate, delete, insert a token, change a number, or repeat a slice."""
    size = len(content)
    at = st.integers(0, size)
    numbers = list(NUMBER_ATTRIBUTE.finditer(content))
    edits = [
        at.map(lambda i: content[:i]),
        st.tuples(at, at).map(lambda ij: content[:min(ij)] + content[max(ij):]),
        st.tuples(at, st.sampled_from(TOKENS)).map(lambda it: content[:it[0]] + it[1]
                                                    + content[it[0]:]),
        st.tuples(at, at).map(lambda ij: content[:max(ij)] + content[min(ij):max(ij)]
                              + content[max(ij):]),
    ]
    if numbers:
        edits.append(st.tuples(st.sampled_from(numbers), ODD_NUMBERS).map(
            lambda mv: content[:mv[0].start(1)] + mv[1] + content[mv[0].end(1):]))
    return st.one_of(edits)


zip_edits = st.builds(
    lambda name, flags, method: patch_entry(RICH, name, flags=flags, method=method),
    st.sampled_from(ENTRIES[RICH]), st.sampled_from([0, 0x1, 0x8, 0x20, 0x40]),
    st.sampled_from([None, 0, 8, 9, 12, 14, 95, 98, 99]))

byte_flips = st.lists(st.tuples(st.integers(0, len(BASE) - 1), st.integers(0, 255)),
                      min_size=1, max_size=8).map(
    lambda flips: bytes(_flipped(BASE, flips)))


def _flipped(data: bytes, flips: list[tuple[int, int]]) -> bytearray:
    raw = bytearray(data)
    for offset, value in flips:
        raw[offset] = value
    return raw


CELL_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=False,
                                                                     allow_infinity=False),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60),
    st.sampled_from(["25/09/0224 08:15", "25/09/0001", "31/12/9999 23:59", "0", "=NOW()",
                     '=CONCAT("a","b")', "=1/0", "29/02/2023", "2024-09-25 08.15", "  "]),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31, 23, 59)),
    st.dates(min_value=date(1900, 3, 1)), st.times(), st.timedeltas(
        min_value=timedelta(0), max_value=timedelta(days=3000)))


@st.composite
def typed_values(draw: st.DrawFn) -> bytes:
    """The base workbook with random values typed into some cells of its two rows."""
    rows = [step_one_row(1), step_one_row(2)]
    for _ in range(draw(st.integers(1, 6))):
        row = draw(st.sampled_from(rows))
        row[draw(st.sampled_from(STEP_ONE))] = draw(CELL_VALUES)
    epoch_1904 = draw(st.booleans())

    def prepare(book: Workbook) -> None:
        if epoch_1904:
            book.epoch = CALENDAR_MAC_1904

    try:
        return workbook(rows, prepare)
    except (ValueError, TypeError, OverflowError):  # openpyxl cannot even write it
        return BASE


WORKBOOKS = st.one_of(part_edits(), zip_edits, byte_flips, typed_values())


@pytest.fixture(scope="module")
def fuzz_office(tmp_path_factory) -> Config:
    """One office for every example (its state and outbox are cleared after each)."""
    folder = tmp_path_factory.mktemp("fuzz-office")
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    (folder / "config.toml").write_text(text.replace('pdf = "auto"', 'pdf = "tidak"'),
                                        encoding="utf-8")
    shutil.copytree(ROOT / "templates", folder / "templates")
    (folder / "inbox").mkdir()
    return load_config(folder / "config.toml")


def answer_of(data: bytes, cfg: Config) -> tuple[str, list[str]]:
    """read_cases and process_file on one workbook: (status, problem codes)."""
    validation, rejected, _sheet = read_cases("fuzz.xlsx", data, cfg)
    problems = [rejected] if rejected else validation.problems
    assert all(p.code and p.message for p in problems)
    path = cfg.inbox / "fuzz.xlsx"
    path.write_bytes(data)
    state = open_state(cfg)
    try:
        outcome = process_file(path, cfg, state)  # not safe_process: nothing is caught
    finally:
        state.close()
        shutil.rmtree(cfg.state_dir, ignore_errors=True)
        shutil.rmtree(cfg.outbox, ignore_errors=True)
    return outcome.status, [p.code for p in outcome.problems]


@settings(max_examples=50_000 if LONG else 200, deadline=TIME_BOUND,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=WORKBOOKS)
def test_any_mutated_workbook_gets_cases_or_clean_problems(fuzz_office, data, tmp_path_factory):
    tracemalloc.start()
    try:
        status, codes = answer_of(data, fuzz_office)
        peak = tracemalloc.get_traced_memory()[1]
    except BaseException:
        found = tmp_path_factory.getbasetemp() / "fuzz-found"
        found.mkdir(exist_ok=True)
        saved = found / f"{hashlib.sha256(data).hexdigest()[:16]}.xlsx"
        saved.write_bytes(data)
        note(f"workbook saved as {saved}")
        raise
    finally:
        tracemalloc.stop()
    assert status in ("ok", "problems", "rejected")
    assert "kesalahan-tak-terduga" not in codes
    assert peak < MEMORY_BOUND
