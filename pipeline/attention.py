"""What the office must still do in its workbooks: rows waiting for correction, and open
cases whose row was deleted from every workbook (`perda status`, the recap's count).

A case is gone when no workbook now in inbox/ holds its (year, No. Laporan) and its own
row is not one waiting for correction; it is then listed once and counts as neither open
nor overdue. What each workbook holds is recorded by `State.record_contents` at every
processed save (a save refused whole keeps the list of the version before).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pipeline.filing import PROBLEM_FOLDER
from pipeline.status import case_times

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Case
    from pipeline.state import Contents, State


MAX_ROWS_LISTED = 10


@dataclass(frozen=True)
class Perbaikan:
    """A workbook with rows waiting for correction, or refused whole."""

    name: str
    rows: tuple[int, ...]
    jumlah: int
    ditolak: bool = False

    def line(self) -> str:
        """'2 laporan menunggu perbaikan: laporan-2024.xlsx baris 4, 5'."""
        if self.ditolak:
            return f"{self.name} ditolak seluruhnya: lihat outbox/{PROBLEM_FOLDER}/."
        shown = self.rows[:MAX_ROWS_LISTED]
        text = f"{self.jumlah} laporan menunggu perbaikan: {self.name}"
        if shown:
            text += " baris " + ", ".join(str(r) for r in shown)
        more = self.jumlah - len(shown)
        return text + (f" dan {more} lainnya" if shown and more > 0 else "")


@dataclass(frozen=True)
class Attention:
    """What the office must still do in the workbooks: rows to correct, reports gone."""

    perbaikan: tuple[Perbaikan, ...] = ()
    hilang: tuple[Case, ...] = ()  # open cases no workbook holds any more

    @property
    def menunggu_perbaikan(self) -> int:
        """How many rows (reports) wait for correction in all workbooks (the recap's count)."""
        return sum(p.jumlah for p in self.perbaikan if not p.ditolak)

    @property
    def hilang_ids(self) -> frozenset[str]:
        """The case ids of `hilang`."""
        return frozenset(c.case_id for c in self.hilang)

    def lines(self) -> list[str]:
        """One line per workbook to correct, one listing the cases gone."""
        lines = [p.line() for p in self.perbaikan]
        if self.hilang:
            lines.append("Tidak ada lagi di buku isian (tidak dihitung sebagai kasus terbuka):")
            lines += [f"  {c.no_laporan}  {c.nama_pelapor}, {c.desa}; dulu {c.source_file} "
                      f"baris {c.source_row}" for c in self.hilang]
        return lines


def number_key(case: Case) -> str:
    """How a workbook's report numbers are kept: '<tahun>/<No. Laporan casefolded>'."""
    return f"{case.tahun}/{case.no_laporan.casefold()}"


def attention(cases: Iterable[Case], contents: Mapping[str, Contents], cfg: Config,
              now: datetime, inbox_names: set[str] | None) -> Attention:
    """Rows to correct in the workbooks now in inbox/, and the open cases none holds.

    `inbox_names`: the file names in inbox/ (None when it cannot be read: then every
    workbook known counts as present). A case is gone when no present workbook holds its
    number and its own row is not one waiting for correction; a case from a workbook
    never recorded (an older state) and still present is not judged.
    """
    def present(name: str) -> bool:
        return inbox_names is None or name in inbox_names

    live = {name: c for name, c in contents.items() if present(name)}
    numbers = set().union(*(c.numbers for c in live.values()))
    fixes = tuple(Perbaikan(name, c.problem_rows, c.rows_with_problems, c.rejected)
                  for name, c in live.items() if c.rejected or c.rows_with_problems)
    gone = []
    for case in cases:
        source = live.get(case.source_file)
        unknown = case.source_file not in contents and present(case.source_file)
        if (unknown or number_key(case) in numbers
                or (source and case.source_row in source.problem_rows)):
            continue
        if not case_times(case, cfg, now).closed:
            gone.append(case)
    return Attention(fixes, tuple(gone))


def office_attention(state: State, cfg: Config, cases: Iterable[Case],
                     now: datetime) -> Attention:
    """`attention` from the state and the current inbox/ (for `perda status` and the recap)."""
    try:
        names: set[str] | None = {p.name for p in cfg.inbox.iterdir()}
    except OSError:
        names = None
    return attention(cases, state.contents(), cfg, now, names)


def rows_to_correct(cfg: Config, state: State) -> int:
    """How many rows wait for correction in the workbooks now in inbox/ (the recap's count,
    the same as `perda status` shows); cheap: no case is read."""
    try:
        names: set[str] | None = {p.name for p in cfg.inbox.iterdir()}
    except OSError:
        names = None
    return attention((), state.contents(), cfg, datetime.now(), names).menunggu_perbaikan
