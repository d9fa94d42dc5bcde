"""Raw intake rows → validated cases and every problem found, each naming its cell.

Every problem of a workbook is collected, not just the first. A row whose problem lies in
a column of step k (k > 1) still goes through with steps 1..k-1, so the letters already
due are made; a problem in a step-1 column, or a duplicate No. Laporan, holds the whole row.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any

from pipeline.config import Config, choice_lists
from pipeline.intake import Intake, RawRow
from pipeline.model import Case, Problem
from pipeline.schema import COLUMN_BY_KEY, COLUMNS, STEPS, Column, Kind, Need
from pipeline.values import (
    number_as_text,
    parse_choice,
    parse_choices,
    parse_datetime,
    parse_nik,
    parse_phone,
)

FUTURE_TOLERANCE = timedelta(minutes=10)  # PC clocks in an office drift a little
PARSE_CODES = {Kind.datetime: "tanggal-tidak-terbaca", Kind.phone: "telepon-salah",
               Kind.nik: "nik-salah", Kind.choice: "bukan-pilihan", Kind.choices: "bukan-pilihan",
               Kind.text: "teks-terlalu-panjang", Kind.names: "teks-terlalu-panjang"}


RULES_VERSION = 1  # raise when a validation rule changes: every row is then checked again
MAX_PROBLEMS = 2000  # listed one by one; beyond that only counted (a pasted-over sheet)
IN_MEMORY_CASES = 2000  # beyond that, accepted cases wait in a temporary file


class CaseSpool:
    """Accepted cases in arrival order: in memory for ordinary workbooks, spilled to a
    temporary file (pickled) past IN_MEMORY_CASES, so a huge workbook keeps memory flat."""

    def __init__(self) -> None:
        self._memory: list[Case] = []
        self._file: IO[bytes] | None = None
        self._spilled = 0

    def append(self, case: Case) -> None:
        """Add a case."""
        self._memory.append(case)
        if len(self._memory) >= IN_MEMORY_CASES:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="perda-kasus-")
            for item in self._memory:
                pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._spilled += len(self._memory)
            self._memory = []

    def __iter__(self) -> Iterator[Case]:
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self._spilled):
                yield pickle.load(self._file)  # our own temporary file, written above
        yield from self._memory

    def __len__(self) -> int:
        return self._spilled + len(self._memory)


@dataclass
class Validation:
    """The outcome for one workbook: accepted cases (streamed), problems, and row counts."""

    spool: CaseSpool = field(default_factory=CaseSpool)
    held: set[str] = field(default_factory=set)  # case ids held whole (duplicate No. Laporan)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0  # found beyond MAX_PROBLEMS, counted only
    rows_read: int = 0
    rows_with_problems: int = 0
    years: set[int] = field(default_factory=set)  # years of the accepted cases
    good_digests: list[bytes] = field(default_factory=list)  # rows without any problem
    numbers: set[str] = field(default_factory=set)  # '<tahun>/<No. Laporan folded>' of every row
    problem_rows: list[int] = field(default_factory=list)  # rows with a problem, ascending

    @property
    def valid(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def iter_cases(self) -> Iterator[Case]:
        """The accepted cases, one at a time, without those held for a duplicate number."""
        return (case for case in self.spool if _case_key(case) not in self.held)

    @property
    def cases(self) -> list[Case]:
        """The accepted cases as a list (small workbooks, tests)."""
        return list(self.iter_cases())

    def flatten(self) -> list[tuple[int | None, str | None, str]]:
        """Problems as (row, column header, code), for tests and logs."""
        return [(p.row, p.header, p.code) for p in self.problems]

    def add_problems(self, problems: list[Problem]) -> None:
        """Keep problems up to MAX_PROBLEMS; count the rest."""
        room = max(MAX_PROBLEMS - len(self.problems), 0)
        self.problems.extend(problems[:room])
        self.more_problems += max(len(problems) - room, 0)


@dataclass
class _Row:
    """Work in progress on one row."""

    raw: RawRow
    parsed: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[int, Problem]] = field(default_factory=list)  # (step, problem)


def rules_fingerprint(cfg: Config) -> str:
    """What a row's verdict depends on besides the row: the rules' version and the lists."""
    text = json.dumps([RULES_VERSION, choice_lists(cfg)], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def row_digest(raw: RawRow) -> bytes:
    """A stable digest of a row's raw values by column (not its row number)."""
    return hashlib.blake2b(repr(sorted(raw.values.items())).encode(), digest_size=16).digest()


def validate(intake: Intake, cfg: Config, now: datetime | None = None,
             known_good: set[bytes] | frozenset[bytes] = frozenset()) -> Validation:
    """Check every row of an opened intake as it streams; return cases and problems.

    A row whose raw values equal a row that was fully valid in the last processed version
    of the same file (`known_good`, digests under the same rules) is only counted and its
    number noted: its letters were made then, and nothing about it can have changed.
    """
    now = now or datetime.now()
    lists = choice_lists(cfg)
    result = Validation()
    first: dict[str, int] = {}  # '<tahun>/<No. Laporan folded>' → first row (kept small)
    copies: dict[str, tuple[str, list[int]]] = {}  # numbers seen twice: (as typed, rows)
    bad_rows: set[int] = set()
    for raw in intake.rows:
        row = _Row(raw)
        digest = row_digest(raw)
        if digest in known_good:
            _skip_known(row, intake, lists, first, copies, result)
            result.good_digests.append(digest)
            continue
        _parse_cells(row, intake, lists)
        _check_steps(row, intake, now)
        _check_conditionals(row, intake)
        result.rows_read += 1
        _remember_number(row, first, copies)
        if row.problems:
            bad_rows.add(raw.row)
            result.add_problems([p for _, p in sorted(row.problems, key=_problem_order)])
        else:
            result.good_digests.append(digest)
        case = _build_case(row, intake.name)
        if case is not None:
            result.spool.append(case)
            result.years.add(case.tahun)
    for key, (typed, rows) in copies.items():
        result.held.add(key)
        result.add_problems(_duplicate_problems(rows, key.split("/")[0], typed, intake))
        bad_rows.update(rows)
    result.problems.sort(key=lambda p: (p.row or 0, (p.column or "").rjust(3)))
    result.rows_with_problems = len(bad_rows)
    result.numbers, result.problem_rows = set(first), sorted(bad_rows)
    return result


def _skip_known(row: _Row, intake: Intake, lists: dict[str, tuple[str, ...]],
                first: dict[str, int], copies: dict[str, tuple[str, list[int]]],
                result: Validation) -> None:
    """An unchanged good row: parse only its number and report time, for duplicates."""
    for key in ("no_laporan", "waktu_lapor"):
        row.parsed[key] = _parse(COLUMN_BY_KEY[key], row.raw.values[key], intake, lists)
    result.rows_read += 1
    result.years.add(row.parsed["waktu_lapor"].year)
    _remember_number(row, first, copies)


def _case_key(case: Case) -> str:
    """The duplicate-detection key of a case: '<tahun>/<No. Laporan folded>'."""
    return f"{case.tahun}/{case.no_laporan.casefold()}"


def _problem_order(item: tuple[int, Problem]) -> tuple[int, str]:
    return (item[1].row or 0, (item[1].column or "").rjust(3))


def _problem(row: _Row, intake: Intake, key: str, code: str, message: str) -> Problem:
    """A Problem at the cell of `key` in this row (or the row, if the column is absent)."""
    src = intake.columns.get(key)
    return Problem(code=code, file=intake.name, message=message, sheet=intake.sheet,
                   row=row.raw.row, column=src.letter if src else None,
                   header=src.header if src else COLUMN_BY_KEY[key].header)


def _add(row: _Row, intake: Intake, key: str, code: str, message: str,
         step: int | None = None) -> None:
    step = step if step is not None else COLUMN_BY_KEY[key].step
    row.problems.append((step, _problem(row, intake, key, code, message)))


def _parse_cells(row: _Row, intake: Intake, lists: dict[str, tuple[str, ...]]) -> None:
    """Parse every filled cell by its column's kind."""
    for key, value in row.raw.values.items():
        if value is None:
            continue
        column = COLUMN_BY_KEY[key]
        try:
            row.parsed[key] = _parse(column, value, intake, lists)
        except ValueError as exc:
            _add(row, intake, key, PARSE_CODES[column.kind], str(exc))


def _parse(column: Column, value: Any, intake: Intake,
           lists: dict[str, tuple[str, ...]]) -> Any:
    """One cell's typed value, or ValueError with what to type instead."""
    if column.kind is Kind.datetime:
        return parse_datetime(value, intake.epoch)
    if column.kind is Kind.phone:
        return parse_phone(value)
    if column.kind is Kind.nik:
        return parse_nik(value)
    text = number_as_text(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if column.kind is Kind.choices:
        return parse_choices(text, lists[column.list_name or ""])
    if column.kind is Kind.names:
        return tuple(name.strip() for name in text.split(";") if name.strip())
    if column.kind is Kind.choice and column.strict_list:
        return parse_choice(text, lists[column.list_name or ""])
    if column.max_len and len(text) > column.max_len:
        raise ValueError(f"Isinya {len(text)} karakter, paling banyak {column.max_len}. "
                         "Persingkat isinya.")
    return text


def _fmt(value: datetime) -> str:
    return value.strftime("%d/%m/%Y %H:%M")


def _check_steps(row: _Row, intake: Intake, now: datetime) -> None:
    """Required cells, steps in order, times not backwards and not in the future."""
    values = row.raw.values
    for column in COLUMNS:
        if column.need is Need.always and values.get(column.key) is None:
            _add(row, intake, column.key, "wajib-diisi",
                 f"{column.header} wajib diisi pada setiap laporan. Isi sel ini.")
    previous: tuple[str, datetime | None] | None = None
    for step in STEPS:
        key = step.time_key
        if values.get(key) is None:
            _check_later_steps_empty(row, intake, step.number)
            return
        if step.number > 1:
            _check_step_fields(row, intake, step.number)
        when = row.parsed.get(key)
        if when is not None and when > now + FUTURE_TOLERANCE:
            _add(row, intake, key, "waktu-masa-depan",
                 f"Waktu {_fmt(when)} belum terjadi (lebih dari waktu sekarang). Periksa "
                 "tanggal, bulan dan tahunnya.")
        if previous and previous[1] and when and when < previous[1]:
            _add(row, intake, key, "waktu-mundur",
                 f"Waktu {_fmt(when)} lebih awal dari {previous[0]} ({_fmt(previous[1])}). "
                 "Waktu setiap langkah tidak boleh mundur; periksa tanggal dan jamnya.")
        previous = (COLUMN_BY_KEY[key].header, when)


def _check_later_steps_empty(row: _Row, intake: Intake, missing_step: int) -> None:
    """A later step's time filled while step `missing_step` is empty is a skipped step."""
    missing_header = COLUMN_BY_KEY[STEPS[missing_step - 1].time_key].header
    for step in STEPS[missing_step:]:
        if row.raw.values.get(step.time_key) is not None:
            _add(row, intake, step.time_key, "langkah-melompat",
                 f"Waktu langkah {step.number} diisi, padahal langkah {missing_step} "
                 f"({missing_header}) belum diisi. Isi dulu {missing_header}, atau kosongkan "
                 "sel ini.", step=missing_step + 1)
            return


def _check_step_fields(row: _Row, intake: Intake, number: int) -> None:
    """The columns a done step needs are filled."""
    step = STEPS[number - 1]
    time_header = COLUMN_BY_KEY[step.time_key].header
    for column in COLUMNS:
        if column.step == number and column.need is Need.step \
                and row.raw.values.get(column.key) is None:
            _add(row, intake, column.key, "wajib-diisi",
                 f"{column.header} wajib diisi karena {time_header} (langkah {number}, "
                 f"{step.name}) sudah diisi. Isi sel ini, atau kosongkan {time_header}.")


def _check_conditionals(row: _Row, intake: Intake) -> None:
    """Address for a notice by letter; phone for SMS/telephone contact."""
    values, parsed = row.raw.values, row.parsed
    step7_done = values.get("waktu_pemberitahuan") is not None
    notice_by = parsed.get("cara_pemberitahuan", "") if step7_done else ""
    if notice_by == "Surat" and values.get("alamat_pelapor") is None:
        _add(row, intake, "alamat_pelapor", "wajib-diisi",
             "Alamat Pelapor wajib diisi karena pemberitahuan dikirim dengan Surat. Isi "
             "alamat lengkap pelapor.", step=7)
    if values.get("telepon_pelapor") is not None:
        return
    if parsed.get("cara_lapor") in ("SMS", "Telepon"):
        _add(row, intake, "telepon_pelapor", "wajib-diisi",
             f"No. Telepon Pelapor wajib diisi karena laporan masuk melalui "
             f"{parsed['cara_lapor']}. Isi nomor telepon pelapor.", step=1)
    elif notice_by in ("SMS", "Telepon"):
        _add(row, intake, "telepon_pelapor", "wajib-diisi",
             f"No. Telepon Pelapor wajib diisi karena pemberitahuan melalui {notice_by}. "
             "Isi nomor telepon pelapor.", step=7)


def _remember_number(row: _Row, first: dict[str, int],
                     copies: dict[str, tuple[str, list[int]]]) -> None:
    """Note where each (No. Laporan, year) appears; they must be unique in one workbook."""
    number, when = row.parsed.get("no_laporan"), row.parsed.get("waktu_lapor")
    if not (number and when):
        return
    key = f"{when.year}/{number.casefold()}"
    if key not in first:
        first[key] = row.raw.row
    else:
        copies.setdefault(key, (number, [first[key]]))[1].append(row.raw.row)


def _duplicate_problems(rows: list[int], year: str, typed: str,
                        intake: Intake) -> list[Problem]:
    """One problem per copy of a number used twice in a year; all copies are held."""
    problems = []
    for number in rows:
        others = ", ".join(str(other) for other in rows if other != number)
        row = _Row(RawRow(number, {}))
        problems.append(_problem(
            row, intake, "no_laporan", "no-laporan-ganda",
            f"No. Laporan {typed} tahun {year} juga dipakai di baris {others}. Setiap laporan "
            "harus punya nomor sendiri; perbaiki salah satunya."))
    return problems


def _build_case(row: _Row, source: str) -> Case | None:
    """The case with the steps before the first problem, or None if step 1 is held."""
    first_bad = min((step for step, _ in row.problems), default=len(STEPS) + 1)
    if first_bad <= 1:
        return None
    done = 0
    for step in STEPS:
        if step.number >= first_bad or row.parsed.get(step.time_key) is None:
            break
        done = step.number
    values = {c.key: row.parsed[c.key] for c in COLUMNS
              if c.step <= done and c.key in row.parsed}
    return Case(**values, source_file=source, source_row=row.raw.row)
