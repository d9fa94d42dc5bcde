"""One report, one workbook: the same No. Laporan (same year) held by two workbooks in
inbox/ with different content is a conflict, reported on the row of the later file."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from pipeline.model import Case, Problem, case_to_json
from pipeline.state import State

CONFLICT_CODE = "laporan-ganda-antarberkas"


def _content(data: dict[str, object]) -> dict[str, object]:
    """A case's data less where it was read from."""
    return {k: v for k, v in data.items() if k not in ("source_file", "source_row")}


def without_conflicts(cases: Iterable[Case], name: str, sheet: str | None,
                      inbox_names: Callable[[], set[str]], state: State,
                      problems: list[Problem], held_by: set[str] | None = None,
                      renamed: Callable[[str], str | None] = lambda gone: None
                      ) -> Iterator[Case]:
    """The cases of file `name`, less those another workbook in inbox/ holds with other
    content (each becomes a problem, and that workbook is added to `held_by`) and those it
    holds with the same content (nothing to do: the other file keeps the report); and less
    a second row whose number differs from an earlier row's only in case, spacing or
    invisible characters.

    A workbook no longer in inbox/, or whose last version read no longer has the report
    (its row was deleted), no longer holds it: this file then takes the report over. A
    workbook only renamed (`renamed(old name)`: the file in inbox/ now holding its last
    version read, if any) still holds it under its new name.
    """
    present: set[str] | None = None
    holding: dict[str, set[str] | None] = {}  # other file → the reports it holds now
    seen: dict[str, int] = {}  # case_id → row, for numbers that differ only invisibly
    for case in cases:
        if case.case_id in seen:
            problems.append(twin_problem(case, name, sheet, seen[case.case_id]))
            continue
        seen[case.case_id] = case.source_row
        source = state.case_source(case.case_id)
        if source is None or source[0] == name or not source[0]:
            yield case
            continue
        if present is None:
            present = inbox_names()
        holder = source[0]
        if holder not in present:
            holder = renamed(holder) or ""
            if holder in ("", name):  # gone (or this file is it, renamed): this one holds it
                yield case
                continue
        if holder not in holding:
            known = state.reports_held(holder)  # a renamed file not read yet: its old name's
            holding[holder] = known if known is not None else state.reports_held(source[0])
        reports = holding[holder]
        if reports is not None and case.case_id not in reports:
            yield case  # its row was deleted there: this one now holds the report
            continue
        if _content(json.loads(source[2])) != _content(case_to_json(case)):
            problems.append(conflict_problem(case, name, sheet, holder, source[1]))
            if held_by is not None:
                held_by.add(holder)


def conflict_problem(case: Case, name: str, sheet: str | None, other: str, row: int) -> Problem:
    """The problem of a report already held, with other content, by another workbook."""
    return Problem(
        code=CONFLICT_CODE, file=name, sheet=sheet, row=case.source_row,
        message=f"No. Laporan {case.no_laporan} tahun {case.tahun} sudah tercatat di berkas "
                f"{other} baris {row} dengan isi yang berbeda. Satu laporan dicatat di satu "
                f"buku kerja saja: hapus baris ini (baris {case.source_row} berkas {name}) atau "
                f"samakan isinya dengan berkas {other}, lalu simpan ulang. Bila yang benar baris "
                f"ini, hapus baris laporan itu dari berkas {other} (atau keluarkan berkas itu "
                "dari folder inbox); baris ini lalu diperiksa lagi dengan sendirinya. Surat "
                "untuk baris ini belum dibuat.")


def twin_problem(case: Case, name: str, sheet: str | None, first: int) -> Problem:
    """The problem of a row whose No. Laporan is an earlier row's, written differently."""
    return Problem(
        code="no-laporan-ganda", file=name, sheet=sheet, row=case.source_row,
        message=f"No. Laporan {case.no_laporan} tahun {case.tahun} sama dengan nomor di baris "
                f"{first} (huruf besar/kecil, spasi, dan karakter tak terlihat tidak membedakan "
                "nomor). Setiap laporan harus punya nomor sendiri; perbaiki salah satunya.")
