"""Records passed between the stages: a validated case and a problem found in a workbook."""

from __future__ import annotations

import unicodedata
from dataclasses import MISSING, dataclass, field, make_dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from pipeline.schema import (
    COLUMNS,
    DATETIME_KEYS,
    LIST_KINDS,
    STEP_COLUMNS,
    STEPS,
    Column,
    Kind,
    Need,
)


def fold_no_laporan(text: str) -> str:
    """A No. Laporan as compared: NFKC, invisible characters dropped, case folded (shown in
    capitals), runs of white space as one space. 'lp​-100 ' and 'LP-100' are one report."""
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # zero-width etc.
    return " ".join(text.split()).casefold().upper()


class _CaseMethods:
    """What every case can say about itself; the fields come from `schema.COLUMNS`.

    The annotations below only tell type checkers the fields' types (they are not the
    declaration: `make_case_class` builds the fields from the columns, and
    tests/test_schema.py checks that these agree with it). A column added to
    `schema.COLUMNS` needs no line here; type checkers then see it as Any.
    """

    __slots__ = ()  # a case's fields are slots (make_case_class): no __dict__ per case

    no_laporan: str
    waktu_lapor: datetime
    cara_lapor: str
    nama_pelapor: str
    nik_pelapor: str
    alamat_pelapor: str
    telepon_pelapor: str
    desa: str
    lokasi: str
    perda: str
    uraian: str
    petugas: str
    waktu_diteruskan: datetime | None
    waktu_disposisi: datetime | None
    sifat: str
    isi_disposisi: str
    instruksi: tuple[str, ...]
    waktu_koordinasi: datetime | None
    instansi: tuple[str, ...]
    tindakan: str
    jadwal_tindakan: datetime | None
    tempat_tindakan: str
    waktu_selesai: datetime | None
    status_akhir: str
    hasil: str
    terlapor: str
    saksi: tuple[str, ...]
    waktu_lapor_camat: datetime | None
    waktu_pemberitahuan: datetime | None
    cara_pemberitahuan: str
    tanpa_jam: frozenset[str]
    source_file: str
    source_row: int

    @property
    def tahun(self) -> int:
        """The year that, with No. Laporan, identifies the case."""
        return self.waktu_lapor.year

    @property
    def case_id(self) -> str:
        """Stable identity across saves: '<tahun>/<No. Laporan folded>' (fold_no_laporan);
        the letters print the number as typed."""
        return f"{self.tahun}/{fold_no_laporan(self.no_laporan)}"

    def step_time(self, step: int) -> datetime | None:
        """When step `step` (1..7) was done, or None."""
        return getattr(self, STEPS[step - 1].time_key)  # type: ignore[no-any-return]

    @property
    def steps_done(self) -> int:
        """The highest step done (validation guarantees steps are done in order)."""
        done = 0
        for step in STEPS:
            if getattr(self, step.time_key) is None:
                break
            done = step.number
        return done

    def has_time(self, key: str) -> bool:
        """Whether the time in column `key` was typed with a time of day (else: date only)."""
        return key not in self.tanpa_jam


def column_type(column: Column) -> Any:
    """The type of a column's value in a case."""
    if column.kind is Kind.datetime:
        return datetime | None if column.need is not Need.always else datetime
    if column.kind in LIST_KINDS:
        return tuple[str, ...]
    return str


def column_default(column: Column) -> Any:
    """A case's value for a column left empty (MISSING: the column is always filled)."""
    if column.need is Need.always:
        return MISSING
    if column.default is not None:
        return column.default
    if column.kind is Kind.datetime:
        return None
    return () if column.kind in LIST_KINDS else ""


def make_case_class(columns: tuple[Column, ...]) -> type:
    """The frozen Case dataclass: one field per column, then the fields no column gives.

    Keyword-only (built as Case(no_laporan=..., ...)); picklable, as it lives in this
    module under its own name.
    """
    specs: list[tuple[str, Any, Any]] = []
    for column in columns:
        default = column_default(column)
        spec = field() if default is MISSING else field(default=default)
        specs.append((column.key, column_type(column), spec))
    specs += [
        # time columns typed as a date only (no time of day): letters omit "pukul"
        ("tanpa_jam", frozenset[str], field(default=frozenset())),
        ("source_file", str, field(default="", compare=False)),
        ("source_row", int, field(default=0, compare=False)),
    ]
    cls = make_dataclass("Case", specs, bases=(_CaseMethods,), frozen=True, kw_only=True,
                         slots=True)  # a fifth of a case's memory, in a block of 5,000
    cls.__module__ = __name__  # pickle finds it as pipeline.model.Case
    return cls


if TYPE_CHECKING:
    class Case(_CaseMethods):
        """One report (one intake row) after validation (see make_case_class)."""

        __dataclass_fields__: ClassVar[dict[str, Any]]

        def __init__(self, **values: Any) -> None: ...
        def __getattr__(self, name: str) -> Any: ...
else:
    Case = make_case_class(COLUMNS)
    Case.__doc__ = """One report (one intake row) after validation: values typed, trimmed and
    normalised, one field per `schema.COLUMNS` entry plus `tanpa_jam`, `source_file` and
    `source_row`.

    Identity is (no_laporan, year of waktu_lapor). Optional text is "" when empty,
    optional times are None when the step is not done yet.
    """


def column_values(case: Case, step: int) -> dict[str, Any]:
    """The values of step `step`'s columns by template variable, as the case holds them.

    For the letters' context: times stay datetimes (None: not given; `case.has_time(key)`
    says whether a time of day was typed), lists stay tuples. Columns whose variable is part
    of a group (`pelapor.nama`) are left to the caller.
    """
    return {c.template_variable: getattr(case, c.key) for c in STEP_COLUMNS[step]
            if "." not in c.template_variable}


class Level(StrEnum):
    """How serious a problem is: `masalah` holds the cell's step back; `peringatan` does not
    (the row goes through; the report and the log still show it)."""

    masalah = "masalah"
    peringatan = "peringatan"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an intake file, with where it is and what to do.

    `row` and `column` are as Excel shows them (row 14, column 'F'); both are None for a
    whole-file problem, and `column` is None for a whole-row problem.
    """

    code: str  # stable short code, e.g. 'tanggal-tidak-terbaca'
    file: str  # the intake file's name
    message: str  # Indonesian: what is wrong and what to do
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # column letter
    header: str | None = None  # the header as typed in the workbook
    level: Level = Level.masalah  # peringatan: shown, but holds nothing back

    @property
    def blocking(self) -> bool:
        """Whether the problem holds its cell's step back (not a mere warning)."""
        return self.level is Level.masalah

    @property
    def cell(self) -> str | None:
        """The cell reference as staff type it: 'Laporan!F14'."""
        if self.sheet and self.row and self.column:
            return f"{self.sheet}!{self.column}{self.row}"
        return None

    def describe(self, prefix: bool = True) -> str:
        """One line for people: where, then what to do (a warning says PERINGATAN first,
        unless `prefix` is False, as in a log line whose level already says it)."""
        where = [f"berkas {self.file}"]
        if self.sheet:
            where.append(f"lembar {self.sheet}")
        if self.row:
            where.append(f"baris {self.row}")
        if self.column:
            col = f"kolom {self.column}"
            if self.header:
                col += f" ({self.header})"
            where.append(col)
        mark = "PERINGATAN: " if prefix and not self.blocking else ""
        return f"{', '.join(where)}: {mark}{self.message} [{self.code}]"


class LetterStatus(StrEnum):
    """Where a letter stands in the exactly-once protocol (state.py)."""

    pending = "pending"  # numbered and recorded; its file is not in place yet
    done = "done"  # filed, with its sha256


@dataclass(frozen=True)
class Letter:
    """One version of one letter: what the plan decides, the state records and the Buku
    Agenda lists — the only shape a letter has.

    A letter is identified by (case_id, doc, instansi); each row is one version. `path` is
    relative to outbox/ with '/' separators. `tujuan` is the addressee; `instansi` is the
    agency of a step-4 letter, "" otherwise. An unnumbered document (the Lembar Disposisi,
    the Catatan Pemberitahuan) has urut 0 and nomor "" and is not in the Buku Agenda.
    `diganti` is the number of the letter that replaced this one in another year (a
    correction moved its date across New Year); `ditarik` is set when the letter is no
    longer due (its agency was removed, the way of notifying changed).
    """

    case_id: str
    no_laporan: str  # as typed
    doc: str  # schema.Doc value
    step: int
    instansi: str
    nomor: str  # the letter number as printed ("" when unnumbered)
    urut: int  # the sequence number in the year's Buku Agenda (0 when unnumbered)
    tahun: int  # the year of its number, its folder and its Buku Agenda
    tanggal: datetime  # the letter's date (its step time)
    hal: str
    tujuan: str
    path: str = ""
    version: int = 1  # 1, 2, … under the same number
    data_hash: str = ""  # what the letter says, less its number
    status: LetterStatus = LetterStatus.done
    sha256: str = ""
    made_at: datetime | None = None
    diganti: str = ""  # the number of the letter that replaced it in another year
    ditarik: bool = False  # withdrawn: no longer due
    id: int = 0  # the state's row id (0 before it is recorded)

    @property
    def key(self) -> tuple[str, str, str]:
        """The letter's identity across versions: (case_id, doc, instansi)."""
        return (self.case_id, self.doc, self.instansi)

    @property
    def numbered(self) -> bool:
        """Whether it carries a number and a Buku Agenda row."""
        return self.urut > 0

    @property
    def keterangan(self) -> str:
        """The Buku Agenda's remark: replaced, withdrawn, or ''."""
        if self.diganti:
            return f"diganti dengan {self.diganti}"
        if self.ditarik:
            return "ditarik (tidak diperlukan lagi)"
        return ""


_CASE_TUPLES = {c.key for c in COLUMNS if c.kind in LIST_KINDS}


def case_to_json(case: Case) -> dict[str, object]:
    """A case as JSON-ready data (times as ISO text), for the state database.

    `tanpa_jam` is left out when empty, so cases stored before it existed read the same.
    """
    data: dict[str, object] = {}
    for name in Case.__dataclass_fields__:
        value = getattr(case, name)
        if isinstance(value, frozenset):
            if value:
                data[name] = sorted(value)
            continue
        data[name] = value.isoformat() if isinstance(value, datetime) else (
            list(value) if isinstance(value, tuple) else value)
    return data


def case_from_json(data: dict[str, object]) -> Case:
    """The inverse of case_to_json; unknown keys (a column since removed) are ignored."""
    known = Case.__dataclass_fields__
    values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
    for name in DATETIME_KEYS:
        if values.get(name):
            values[name] = datetime.fromisoformat(str(values[name]))
    for name in _CASE_TUPLES:
        values[name] = tuple(values.get(name) or ())
    values["tanpa_jam"] = frozenset(values.get("tanpa_jam") or ())
    return Case(**values)
