"""Records passed between the stages: a validated case and a problem found in a workbook."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pipeline.schema import STEPS


def fold_no_laporan(text: str) -> str:
    """A No. Laporan as compared: NFKC, invisible characters dropped, case folded (shown in
    capitals), runs of white space as one space. 'lp​-100 ' and 'LP-100' are one report."""
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # zero-width etc.
    return " ".join(text.split()).casefold().upper()


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
        """Stable identity across saves: '<tahun>/<No. Laporan folded>' (fold_no_laporan);
        the letters print the number as typed."""
        return f"{self.tahun}/{fold_no_laporan(self.no_laporan)}"

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
