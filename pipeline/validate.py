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
from datetime import datetime
from typing import IO, Any

from pipeline.codes import CellError, Code
from pipeline.config import Config, choice_lists, short_names
from pipeline.intake import Formula, Intake, RawRow
from pipeline.model import Case, Level, Problem
from pipeline.rules import Row, add, check_conditionals, check_steps, problem
from pipeline.schema import (
    COLUMN_BY_KEY,
    COLUMNS,
    STEPS,
    Column,
    Kind,
)
from pipeline.values import (
    choice_index,
    number_as_text,
    parse_choice,
    parse_choices,
    parse_nik,
    parse_phone,
    read_datetime,
)

EARLIEST_YEAR = 2000  # a time before this is a typo (25/09/0224) or a stray number
# The code of a plain ValueError by column kind (values.py raises CellError with its own).
PARSE_CODES = {Kind.datetime: Code.tanggal_tidak_terbaca, Kind.phone: Code.telepon_salah,
               Kind.nik: Code.nik_salah, Kind.choice: Code.bukan_pilihan,
               Kind.choices: Code.bukan_pilihan, Kind.text: Code.teks_terlalu_panjang,
               Kind.names: Code.teks_terlalu_panjang}


RULES_VERSION = 3  # raise when a validation rule changes: every row is then checked again
MAX_PROBLEMS = 2000  # listed one by one; beyond that only counted (a pasted-over sheet)
IN_MEMORY_CASES = 2000  # beyond that, accepted cases wait in a temporary file


class CaseSpool:
    """Accepted cases in arrival order: in memory for ordinary workbooks, spilled to a
    temporary file (pickled) past IN_MEMORY_CASES, so a huge workbook keeps memory flat."""

    def __init__(self) -> None:
        self._memory: list[Case] = []
        self._file: IO[bytes] | None = None
        self._batches = 0  # lists of cases pickled in the file
        self._spilled = 0  # cases in them

    def append(self, case: Case) -> None:
        """Add a case."""
        self._memory.append(case)
        if len(self._memory) >= IN_MEMORY_CASES:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="perda-kasus-")
            # One pickle per batch: a text shared by its cases (a drop-down choice, a
            # shared string) is stored and loaded once, not once per case.
            pickle.dump(self._memory, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batches += 1
            self._spilled += len(self._memory)
            self._memory = []

    def __iter__(self) -> Iterator[Case]:
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self._batches):
                yield from pickle.load(self._file)  # our own temporary file, written above
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
    # 16-byte digests of the rows without any problem, end to end (a bytes object per row
    # would cost three times the memory on a large workbook)
    good_digests: bytearray = field(default_factory=bytearray)
    numbers: set[str] = field(default_factory=set)  # '<tahun>/<No. Laporan folded>' of every row
    problem_rows: list[int] = field(default_factory=list)  # rows with a problem, ascending

    @property
    def valid(self) -> bool:
        """True when no problem holding a row back was found (warnings allowed)."""
        return not any(p.blocking for p in self.problems)

    @property
    def blocking(self) -> list[Problem]:
        """The problems that hold something back (not the warnings)."""
        return [p for p in self.problems if p.blocking]

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


def rules_fingerprint(cfg: Config) -> str:
    """What a row's verdict depends on besides the row: the rules' version and the lists."""
    text = json.dumps([RULES_VERSION, choice_lists(cfg), short_names(cfg)], ensure_ascii=False,
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def row_digest(raw: RawRow) -> bytes:
    """A stable digest of a row's raw values by column (not its row number)."""
    return hashlib.blake2b(repr(sorted(raw.values.items())).encode(), digest_size=16).digest()


def validate(intake: Intake, cfg: Config, now: datetime | None = None,
             known_good: set[bytes] | frozenset[bytes] = frozenset()) -> Validation:
    """Check every row of an opened intake as it streams; return cases and problems.

    A row whose raw values equal a row that was fully valid in the last processed version
    of the same file (`known_good`, digests under the same rules) is only counted and its
    number noted: its letters were made then, and nothing about it can have changed. A
    row the row cache did not parse (`RawRow.known`) is such a row, with its number and
    year from last time; the good rows read are recorded in `intake.cache`.
    """
    now = now or datetime.now()
    lists = _Lists(choice_lists(cfg), short_names(cfg))
    result = Validation()
    first: dict[str, int] = {}  # '<tahun>/<No. Laporan folded>' → first row (kept small)
    copies: dict[str, tuple[str, list[int]]] = {}  # numbers seen twice: (as typed, rows)
    bad_rows: set[int] = set()
    for raw in intake.rows:
        if raw.known is not None:  # its bytes are a good row's of last time: not parsed
            _skip_reused(raw, intake, first, copies, result)
            continue
        row = Row(raw)
        digest = row_digest(raw)
        if digest in known_good:
            _skip_known(row, intake, lists, first, copies, result)
            result.good_digests += digest
            _keep(row, intake, digest)
            continue
        _parse_cells(row, intake, lists)
        check_steps(row, intake, now)
        check_conditionals(row, intake)
        result.rows_read += 1
        _remember_number(row, first, copies)
        if row.problems:
            bad_rows.add(raw.row)
        elif not row.warnings:  # a warned row is checked again: its warning stays listed
            result.good_digests += digest
            _keep(row, intake, digest)
        found = [p for _, p in row.problems] + row.warnings
        result.add_problems(sorted(found, key=_problem_order))
        case = _build_case(row, intake.name)
        if case is not None:
            result.spool.append(case)
            result.years.add(case.tahun)
    result.add_problems(intake.notes)  # complete now that every row was read
    for key, (typed, rows) in copies.items():
        result.held.add(key)
        result.add_problems(_duplicate_problems(rows, key.split("/")[0], typed, intake))
        bad_rows.update(rows)
    result.problems.sort(key=lambda p: (p.row or 0, (p.column or "").rjust(3)))
    result.rows_with_problems = len(bad_rows)
    result.numbers, result.problem_rows = set(first), sorted(bad_rows)
    return result


@dataclass(frozen=True)
class _Lists:
    """The drop-down lists by name, and the short names their options may be typed as."""

    options: dict[str, tuple[str, ...]]
    short: dict[str, dict[str, tuple[str, ...]]]
    index: dict[str, dict[str, str]] = field(default_factory=dict)  # see choice_index

    def __post_init__(self) -> None:
        for name, options in self.options.items():
            self.index[name] = choice_index(options, self.short.get(name))


def _skip_known(row: Row, intake: Intake, lists: _Lists,
                first: dict[str, int], copies: dict[str, tuple[str, list[int]]],
                result: Validation) -> None:
    """An unchanged good row: parse only its number and report time, for duplicates."""
    for key in ("no_laporan", "waktu_lapor"):
        row.parsed[key] = _parse(COLUMN_BY_KEY[key], row.raw.values[key], intake, lists)
    result.rows_read += 1
    result.years.add(row.parsed["waktu_lapor"].year)
    _remember_number(row, first, copies)


def _skip_reused(raw: RawRow, intake: Intake, first: dict[str, int],
                 copies: dict[str, tuple[str, list[int]]], result: Validation) -> None:
    """A row not parsed (row cache): what `_skip_known` does, from last time's values."""
    entry = raw.known
    assert entry is not None and raw.slice is not None and intake.cache is not None
    result.rows_read += 1
    result.years.add(entry.year)
    _note_number(entry.number, entry.year, raw.row, first, copies)
    result.good_digests += entry.digest
    intake.cache.keep(raw.slice, entry.digest, raw.row, entry.year, entry.number)


def _keep(row: Row, intake: Intake, digest: bytes) -> None:
    """Record a good row's slice in the row cache, for the next version of the file."""
    if intake.cache is None or row.raw.slice is None:
        return
    number, when = row.parsed.get("no_laporan"), row.parsed.get("waktu_lapor")
    if isinstance(number, str) and isinstance(when, datetime):
        intake.cache.keep(row.raw.slice, digest, row.raw.row, when.year, number)


def _case_key(case: Case) -> str:
    """The duplicate-detection key of a case: '<tahun>/<No. Laporan folded>'."""
    return f"{case.tahun}/{case.no_laporan.casefold()}"


def _problem_order(problem: Problem) -> tuple[int, str]:
    return (problem.row or 0, (problem.column or "").rjust(3))


def _parse_cells(row: Row, intake: Intake, lists: _Lists) -> None:
    """Parse every filled cell by its column's kind; note times typed as a date only."""
    for key, value in row.raw.values.items():
        if value is None:
            continue
        column = COLUMN_BY_KEY[key]
        if isinstance(value, Formula):
            add(row, intake, key, *_formula_problem(value))
            continue
        with_time = True
        try:
            if column.kind is Kind.datetime:
                row.parsed[key], with_time = read_datetime(value, intake.epoch)
            else:
                row.parsed[key] = _parse(column, value, intake, lists)
        except CellError as exc:
            add(row, intake, key, exc.code, str(exc))
            continue
        except ValueError as exc:
            add(row, intake, key, PARSE_CODES[column.kind], str(exc))
            continue
        if column.kind is not Kind.datetime:
            continue
        if row.parsed[key].year < EARLIEST_YEAR:
            year = row.parsed.pop(key).year
            add(row, intake, key, Code.tahun_tidak_wajar,
                 Code.tahun_tidak_wajar.text(tahun=f"{year:04d}", batas=EARLIEST_YEAR))
        elif not with_time:
            _note_date_only(row, intake, key)


def _formula_problem(value: Formula) -> tuple[Code, str]:
    """The code and message for a formula cell whose value cannot be used."""
    code = Code.rumus_tanpa_nilai if value.cached is None else Code.rumus_waktu
    return code, code.text(rumus=value.shown)


def _note_date_only(row: Row, intake: Intake, key: str) -> None:
    """A date without a time: accepted, the letters omit "pukul", and the staff are told."""
    row.tanpa_jam.add(key)
    example = f"{row.parsed[key]:%d/%m/%Y} 08:15"
    header = (intake.columns[key].header if key in intake.columns
              else COLUMN_BY_KEY[key].header)
    row.warnings.append(problem(row, intake, key, Code.jam_tidak_diisi,
                                 Code.jam_tidak_diisi.text(kolom=header, contoh=example),
                                 Level.peringatan))


def _parse(column: Column, value: Any, intake: Intake, lists: _Lists) -> Any:
    """One cell's typed value, or ValueError with what to type instead."""
    if column.kind is Kind.datetime:
        return read_datetime(value, intake.epoch)[0]
    if column.kind is Kind.phone:
        return parse_phone(value)
    if column.kind is Kind.nik:
        return parse_nik(value)
    text = number_as_text(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    name = column.list_name or ""
    if column.kind is Kind.choices:
        return parse_choices(text, lists.options[name], lists.short.get(name), what=name,
                             index=lists.index[name])
    if column.kind is Kind.names:
        names = tuple(part.strip() for part in text.split(";") if part.strip())
        for part in names:
            _check_length(part, column)
        return names
    if column.kind is Kind.choice and column.strict_list:
        return parse_choice(text, lists.options[name], lists.short.get(name),
                            index=lists.index[name])
    _check_length(text, column)
    return text


def _check_length(text: str, column: Column) -> None:
    """Refuse text over the column's limit."""
    if column.max_len and len(text) > column.max_len:
        raise Code.teks_terlalu_panjang.error(panjang=len(text), batas=column.max_len)


def _remember_number(row: Row, first: dict[str, int],
                     copies: dict[str, tuple[str, list[int]]]) -> None:
    """Note where each (No. Laporan, year) appears; they must be unique in one workbook."""
    number, when = row.parsed.get("no_laporan"), row.parsed.get("waktu_lapor")
    if not (number and when):
        return
    _note_number(number, when.year, row.raw.row, first, copies)


def _note_number(number: str, year: int, at: int, first: dict[str, int],
                 copies: dict[str, tuple[str, list[int]]]) -> None:
    """Note (No. Laporan, year) at row `at`: its first row, or one more copy."""
    if not number:
        return
    key = f"{year}/{number.casefold()}"
    if key not in first:
        first[key] = at
    else:
        copies.setdefault(key, (number, [first[key]]))[1].append(at)


def _duplicate_problems(rows: list[int], year: str, typed: str,
                        intake: Intake) -> list[Problem]:
    """One problem per copy of a number used twice in a year; all copies are held."""
    problems = []
    for number in rows:
        others = ", ".join(str(other) for other in rows if other != number)
        row = Row(RawRow(number, {}))
        problems.append(problem(row, intake, "no_laporan", Code.no_laporan_ganda,
                                 Code.no_laporan_ganda.text(nomor=typed, tahun=year,
                                                            baris=others)))
    return problems


def _build_case(row: Row, source: str) -> Case | None:
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
    return Case(**values, tanpa_jam=frozenset(k for k in row.tanpa_jam if k in values),
                source_file=source, source_row=row.raw.row)
