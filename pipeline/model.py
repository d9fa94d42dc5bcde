"""Records passed between the stages: a validated case and a problem found in a workbook."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pipeline.schema import STEPS


@dataclass(frozen=True)
class Case:
    """One report (one intake row) after validation: values typed, trimmed and normalised.

    Identity is (no_laporan, year of waktu_lapor). Optional text is "" when empty,
    optional times are None when the step is not done yet.
    """

    no_laporan: str
    waktu_lapor: datetime
    cara_lapor: str
    nama_pelapor: str
    desa: str
    lokasi: str
    perda: str
    uraian: str
    petugas: str
    nik_pelapor: str = ""
    alamat_pelapor: str = ""
    telepon_pelapor: str = ""
    waktu_diteruskan: datetime | None = None
    waktu_disposisi: datetime | None = None
    sifat: str = "Biasa"
    isi_disposisi: str = ""
    instruksi: tuple[str, ...] = ()
    waktu_koordinasi: datetime | None = None
    instansi: tuple[str, ...] = ()
    tindakan: str = ""
    jadwal_tindakan: datetime | None = None
    tempat_tindakan: str = ""
    waktu_selesai: datetime | None = None
    status_akhir: str = ""
    hasil: str = ""
    terlapor: str = ""
    saksi: tuple[str, ...] = ()
    waktu_lapor_camat: datetime | None = None
    waktu_pemberitahuan: datetime | None = None
    cara_pemberitahuan: str = ""
    source_file: str = field(default="", compare=False)
    source_row: int = field(default=0, compare=False)

    @property
    def tahun(self) -> int:
        """The year that, with No. Laporan, identifies the case."""
        return self.waktu_lapor.year

    @property
    def case_id(self) -> str:
        """Stable identity across saves: '<tahun>/<No. Laporan>'."""
        return f"{self.tahun}/{self.no_laporan}"

    def step_time(self, step: int) -> datetime | None:
        """When step `step` (1..7) was done, or None."""
        return getattr(self, STEPS[step - 1].time_key)

    @property
    def steps_done(self) -> int:
        """The highest step done (validation guarantees steps are done in order)."""
        done = 0
        for step in STEPS:
            if getattr(self, step.time_key) is None:
                break
            done = step.number
        return done


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

    @property
    def cell(self) -> str | None:
        """The cell reference as staff type it: 'Laporan!F14'."""
        if self.sheet and self.row and self.column:
            return f"{self.sheet}!{self.column}{self.row}"
        return None

    def describe(self) -> str:
        """One line for people: where, then what to do."""
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
        return f"{', '.join(where)}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class Letter:
    """One numbered letter as filed: the Buku Agenda row and the state's record.

    `path` is relative to outbox/ with '/' separators. `tujuan` is the addressee;
    `instansi` is the agency for a step-4 letter, "" otherwise.
    """

    case_id: str
    no_laporan: str
    doc: str  # schema.Doc value
    step: int
    instansi: str
    nomor: str  # the letter number as printed
    urut: int  # the sequence number in the year's Buku Agenda
    tahun: int
    tanggal: datetime  # the letter's date (its step time)
    hal: str
    tujuan: str
    path: str
    version: int = 1


_CASE_TIMES = {"waktu_lapor", "waktu_diteruskan", "waktu_disposisi", "waktu_koordinasi",
               "jadwal_tindakan", "waktu_selesai", "waktu_lapor_camat", "waktu_pemberitahuan"}
_CASE_TUPLES = {"instruksi", "instansi", "saksi"}


def case_to_json(case: Case) -> dict[str, object]:
    """A case as JSON-ready data (times as ISO text), for the state database."""
    data: dict[str, object] = {}
    for name in Case.__dataclass_fields__:
        value = getattr(case, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else (
            list(value) if isinstance(value, tuple) else value)
    return data


def case_from_json(data: dict[str, object]) -> Case:
    """The inverse of case_to_json."""
    values: dict[str, object] = dict(data)
    for name in _CASE_TIMES:
        if values.get(name):
            values[name] = datetime.fromisoformat(str(values[name]))
    for name in _CASE_TUPLES:
        values[name] = tuple(values.get(name) or ())  # type: ignore[arg-type]
    return Case(**values)  # type: ignore[arg-type]
