"""What the registers read from the state: only the fields they show, as tuples.

A whole `Letter` or `Case` (a frozen dataclass of 20-30 fields, times parsed, a case's
JSON decoded) cost the registers a third of their time; `State.each_agenda_row_of_year`
and `State.each_recap_case_of_year` select just these fields (tests/test_registers_same.py
compares them with the whole objects).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, Union

from pipeline.model import Letter
from pipeline.schema import TIME_KEYS

if TYPE_CHECKING:
    from pipeline.model import Case


class AgendaRow(NamedTuple):
    """A numbered letter as the Buku Agenda lists it (a `model.Letter` serves as well)."""

    urut: int
    nomor: str
    tanggal: datetime
    hal: str
    tujuan: str
    no_laporan: str
    step: int
    path: str
    version: int
    tahun: int
    diganti: str
    ditarik: bool

    @property
    def keterangan(self) -> str:
        """The register's remark: replaced, withdrawn, or '' (as `Letter.keterangan`)."""
        return str(Letter.keterangan.fget(self))  # type: ignore[attr-defined]


# The letters of the Buku Agenda (as `State.each_letter_of_year`), with these fields.
AGENDA_SQL = (
    "SELECT urut, nomor, tanggal, hal, tujuan, CASE WHEN no_laporan != '' THEN no_laporan "
    "ELSE substr(case_id, instr(case_id, '/') + 1) END, step, path, version, tahun, diganti, "
    "ditarik FROM letters l WHERE tahun=? AND urut > 0 AND status='done' AND "
    "version = (SELECT MAX(version) FROM letters m WHERE m.tahun=l.tahun "
    "AND m.urut=l.urut AND m.status='done') ORDER BY urut")


def agenda_row(row: Sequence[object]) -> AgendaRow:
    """An AgendaRow from a row of AGENDA_SQL."""
    (urut, nomor, tanggal, hal, tujuan, no_laporan, step, path, version, tahun, diganti,
     ditarik) = row
    return AgendaRow(urut, nomor, datetime.fromisoformat(tanggal), hal,  # type: ignore[arg-type]
                     tujuan, no_laporan, step, path, version, tahun,  # type: ignore[arg-type]
                     diganti, bool(ditarik))  # type: ignore[arg-type]


class RecapCase(NamedTuple):
    """A case as the recap sees it: no personal field (`State.each_recap_case_of_year`);
    a `model.Case` has the same attributes and serves as well."""

    no_laporan: str
    cara_lapor: str
    desa: str
    perda: str
    status_akhir: str
    waktu_lapor: datetime
    waktu_diteruskan: datetime | None
    waktu_disposisi: datetime | None
    waktu_koordinasi: datetime | None
    waktu_selesai: datetime | None
    waktu_lapor_camat: datetime | None
    waktu_pemberitahuan: datetime | None

    @property
    def tahun(self) -> int:
        """The year of the case (of its Waktu Lapor)."""
        return self.waktu_lapor.year


AnyCase = Union["Case", RecapCase]  # what the recap reads
assert RecapCase._fields[5:] == TIME_KEYS, "RecapCase's times are the steps' (schema.STEPS)"
# The cases of a year in report order (as `State.each_case_of_year`), with these fields.
_RECAP_FIELDS = ", ".join(f"json_extract(data, '$.{name}')" for name in RecapCase._fields)
RECAP_SQL = (f"SELECT {_RECAP_FIELDS} FROM cases WHERE tahun=? "  # noqa: S608
             "ORDER BY json_extract(data, '$.waktu_lapor'), no_laporan")


def recap_case(row: Sequence[object]) -> RecapCase:
    """A RecapCase from the stored texts and ISO times (`State.each_recap_case_of_year`)."""
    iso = datetime.fromisoformat
    return RecapCase(*(text or "" for text in row[:5]),  # type: ignore[arg-type]
                     *(iso(t) if t else None for t in row[5:]))  # type: ignore[arg-type]
