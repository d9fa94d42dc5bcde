"""Rules across the cells of one row: required cells, steps in order, plausible years,
times neither backwards nor in the future, and the conditional address and phone.

`Row` is the work in progress on one row; `add` files a problem against the step it holds
back (validate.py builds the case from the steps before the first one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pipeline.codes import Code
from pipeline.intake import Intake, RawRow
from pipeline.model import Level, Problem
from pipeline.schema import COLUMN_BY_KEY, COLUMNS, DATETIME_KEYS, STEPS, Need

FUTURE_TOLERANCE = timedelta(minutes=10)  # PC clocks in an office drift a little
YEAR_SPREAD = 1  # a step time more years than this from the row's other times: check it


@dataclass
class Row:
    """Work in progress on one row."""

    raw: RawRow
    parsed: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[int, Problem]] = field(default_factory=list)  # (step, problem)
    warnings: list[Problem] = field(default_factory=list)  # hold nothing back
    tanpa_jam: set[str] = field(default_factory=set)  # time keys typed as a date only


def problem(row: Row, intake: Intake, key: str, code: Code, message: str,
             level: Level = Level.masalah) -> Problem:
    """A Problem at the cell of `key` in this row (or the row, if the column is absent)."""
    src = intake.columns.get(key)
    return Problem(code=code, file=intake.name, message=message, sheet=intake.sheet,
                   row=row.raw.row, column=src.letter if src else None,
                   header=src.header if src else COLUMN_BY_KEY[key].header, level=level)


def add(row: Row, intake: Intake, key: str, code: Code, message: str,
        step: int | None = None) -> None:
    """File a problem at `key`'s cell, holding back `step` (default: the column's step)."""
    step = step if step is not None else COLUMN_BY_KEY[key].step
    row.problems.append((step, problem(row, intake, key, code, message)))


def _fmt(value: datetime) -> str:
    return value.strftime("%d/%m/%Y %H:%M")


def _shown(row: Row, key: str, value: datetime) -> str:
    """A time as the message shows it: without 00:00 when only the date was typed."""
    return f"{value:%d/%m/%Y}" if key in row.tanpa_jam else _fmt(value)


def check_steps(row: Row, intake: Intake, now: datetime) -> None:
    """Required cells, steps in order, plausible years, times not backwards nor future."""
    values = row.raw.values
    for column in COLUMNS:
        if column.need is Need.always and values.get(column.key) is None:
            add(row, intake, column.key, Code.wajib_diisi, Code.wajib_diisi.text(
                kolom=column.header, sebab="pada setiap laporan", perbaikan="Isi sel ini."))
    odd_years = _check_years(row, intake, now)
    previous: tuple[str, str, datetime | None] | None = None
    for step in STEPS:
        key = step.time_key
        if values.get(key) is None:
            _check_later_steps_empty(row, intake, step.number)
            return
        if step.number > 1:
            _check_step_fields(row, intake, step.number)
        when = None if key in odd_years else row.parsed.get(key)
        if when is not None and when > now + FUTURE_TOLERANCE:
            add(row, intake, key, Code.waktu_masa_depan,
                 Code.waktu_masa_depan.text(waktu=_shown(row, key, when)))
        if previous and previous[2] and when and _before(row, key, when, previous[1],
                                                         previous[2]):
            add(row, intake, key, Code.waktu_mundur, Code.waktu_mundur.text(
                waktu=_shown(row, key, when), kolom_sebelum=previous[0],
                waktu_sebelum=_shown(row, previous[1], previous[2])))
        previous = (COLUMN_BY_KEY[key].header, key, when)


def _before(row: Row, key: str, when: datetime, prev_key: str, prev: datetime) -> bool:
    """Whether `when` is before the previous step's time; by date when either has no time."""
    if key in row.tanpa_jam or prev_key in row.tanpa_jam:
        return when.date() < prev.date()
    return when < prev


def _check_years(row: Row, intake: Intake, now: datetime) -> set[str]:
    """Times whose year lies far from the row's other times (2016 among 2026): the keys."""
    years = {key: row.parsed[key].year for key in DATETIME_KEYS if key in row.parsed}
    if len(set(years.values())) < 2:
        return set()
    counts = {year: list(years.values()).count(year) for year in years.values()}
    usual = max(counts, key=lambda year: (counts[year], -abs(year - now.year)))
    odd = {key for key, year in years.items() if abs(year - usual) > YEAR_SPREAD}
    for key in sorted(odd, key=DATETIME_KEYS.index):
        add(row, intake, key, Code.periksa_tahun, Code.periksa_tahun.text(
            tahun=years[key], sebab=f"jauh dari tahun waktu lain pada baris ini ({usual})"))
    return odd


def _check_later_steps_empty(row: Row, intake: Intake, missing_step: int) -> None:
    """A later step's time filled while step `missing_step` is empty is a skipped step."""
    missing_header = COLUMN_BY_KEY[STEPS[missing_step - 1].time_key].header
    for step in STEPS[missing_step:]:
        if row.raw.values.get(step.time_key) is not None:
            add(row, intake, step.time_key, Code.langkah_melompat,
                 Code.langkah_melompat.text(langkah=step.number, langkah_kosong=missing_step,
                                            kolom_kosong=missing_header),
                 step=missing_step + 1)
            return


def _check_step_fields(row: Row, intake: Intake, number: int) -> None:
    """The columns a done step needs are filled."""
    step = STEPS[number - 1]
    time_header = COLUMN_BY_KEY[step.time_key].header
    for column in COLUMNS:
        if column.step == number and column.need is Need.step \
                and row.raw.values.get(column.key) is None:
            add(row, intake, column.key, Code.wajib_diisi, Code.wajib_diisi.text(
                kolom=column.header,
                sebab=f"karena {time_header} (langkah {number}, {step.name}) sudah diisi",
                perbaikan=f"Isi sel ini, atau kosongkan {time_header}."))


def check_conditionals(row: Row, intake: Intake) -> None:
    """Address for a notice by letter; phone for SMS/telephone contact."""
    values, parsed = row.raw.values, row.parsed
    step7_done = values.get("waktu_pemberitahuan") is not None
    notice_by = parsed.get("cara_pemberitahuan", "") if step7_done else ""
    if notice_by == "Surat" and values.get("alamat_pelapor") is None:
        add(row, intake, "alamat_pelapor", Code.wajib_diisi, Code.wajib_diisi.text(
            kolom=COLUMN_BY_KEY["alamat_pelapor"].header,
            sebab="karena pemberitahuan dikirim dengan Surat",
            perbaikan="Isi alamat lengkap pelapor."), step=7)
    if values.get("telepon_pelapor") is not None:
        return
    if parsed.get("cara_lapor") in ("SMS", "Telepon"):
        add(row, intake, "telepon_pelapor", Code.wajib_diisi, Code.wajib_diisi.text(
            kolom=COLUMN_BY_KEY["telepon_pelapor"].header,
            sebab=f"karena laporan masuk melalui {parsed['cara_lapor']}",
            perbaikan="Isi nomor telepon pelapor."), step=1)
    elif notice_by in ("SMS", "Telepon"):
        add(row, intake, "telepon_pelapor", Code.wajib_diisi, Code.wajib_diisi.text(
            kolom=COLUMN_BY_KEY["telepon_pelapor"].header,
            sebab=f"karena pemberitahuan melalui {notice_by}",
            perbaikan="Isi nomor telepon pelapor."), step=7)
