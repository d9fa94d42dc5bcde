"""Which letters a case is due, and making them exactly once (reserve → write → complete)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from pipeline import render
from pipeline.config import Config
from pipeline.filing import letter_path, write_atomic
from pipeline.form import page_form
from pipeline.indo import bulan_romawi
from pipeline.model import Case, Letter, case_from_json, case_to_json
from pipeline.pool import Job, Renderer
from pipeline.schema import COLUMNS, DOCUMENT_BY_KIND, Document, documents_due
from pipeline.state import LetterRow, Reservation, State, case_json

log = logging.getLogger("pipeline.letters")
CHUNK_LETTERS = 400  # letters reserved per transaction in a backlog
KEEP_LETTERS = 1000  # rows of made letters a run keeps (the PDFs of the newest; see Made)


@dataclass
class Made:
    """The letters a run made: how many, their years, and the newest rows only (all of an
    ordinary save), so a backlog of any size is never held in memory."""

    keep: int = KEEP_LETTERS
    count: int = 0
    years: set[int] = field(default_factory=set)
    newest: deque[LetterRow] = field(default_factory=deque)

    def add(self, rows: list[LetterRow]) -> None:
        """Count letters just made."""
        self.count += len(rows)
        self.years.update(row.tahun for row in rows)
        self.newest.extend(rows)
        while len(self.newest) > self.keep:
            self.newest.popleft()


@dataclass(frozen=True)
class Due:
    """One letter a case is due: the document and, for step 4, the agency."""

    doc: Document
    instansi: str = ""


def due_letters(case: Case) -> list[Due]:
    """Every letter of the steps the case has done; step 4 gives one per agency."""
    return [Due(doc, name) for doc, name in documents_due(case)]


def data_hash(case: Case, due: Due) -> str:
    """What a letter says, less its number: the case's data up to the document's step."""
    data = case_to_json(case)
    payload = {c.key: data[c.key] for c in COLUMNS if c.step <= due.doc.step}
    payload["_instansi"] = due.instansi
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
                          ).hexdigest()


def letter_number(cfg: Config, doc: Document, urut: int, tanggal: datetime) -> str:
    """The letter number from the document's pattern in config.toml."""
    # Interim: unnumbered documents still take a counter number until the plan lands.
    pattern = cfg.penomoran.pola.get(doc.kind.value, "{klasifikasi}/{urut:03d}/{kode_unit}/{tahun}")
    return pattern.format(
        klasifikasi=cfg.penomoran.klasifikasi, urut=urut, kode_unit=cfg.kantor.kode_unit,
        tahun=tanggal.year, bulan=tanggal.month, bulan_romawi=bulan_romawi(tanggal.month))


def reservation(case: Case, cfg: Config, due: Due) -> Reservation:
    """The state's request for one due letter."""
    tanggal = case.step_time(due.doc.step)
    assert tanggal is not None  # due letters are of done steps
    return Reservation(
        case_id=case.case_id, doc=due.doc.kind.value, instansi=due.instansi,
        data_hash=data_hash(case, due), step=due.doc.step, tanggal=tanggal,
        hal=render.letter_subject(due.doc),
        tujuan=render.letter_addressee(case, cfg, due.doc, due.instansi),
        nomor_for=partial(letter_number, cfg, due.doc, tanggal=tanggal),
        path_for=partial(letter_path, cfg, due.doc, case.no_laporan, tanggal.year,
                         due.instansi))


def make_letters(cases: Iterable[Case], cfg: Config, state: State,
                 progress: Callable[[int, int], None] | None = None) -> Made:
    """Make the letters of many cases; a case whose stored data is the same costs a lookup.

    Changed cases are reserved in chunks (one transaction per chunk, not per case), then
    rendered (in a process pool when a chunk is large) and filed; exactly-once as in
    `write_letters`. `progress(cases_seen, letters_made)` is called after each chunk.
    """
    pending = state.pending_cases()
    made = Made(keep=max(KEEP_LETTERS, cfg.berkas.pdf_maks_per_proses))
    seen = [0]

    def counted() -> Iterator[Case]:
        for case in cases:
            seen[0] += 1
            yield case

    with Renderer() as renderer:
        for chunk in _chunks(c for c in counted() if _changed(c, state, pending)):
            batch = [([reservation(case, cfg, due) for due in due_letters(case)],
                      (case.case_id, case.tahun, case.no_laporan, case_to_json(case)))
                     for case in chunk]
            reserved = state.reserve_cases(batch)
            made.add(write_letters(reserved, {c.case_id: c for c in chunk}, cfg, state,
                                   renderer))
            if progress:
                progress(seen[0], made.count)
    return made


def _changed(case: Case, state: State, pending: set[str]) -> bool:
    """Whether a case may need letters: new, changed, or with letters left half-made."""
    return (case.case_id in pending
            or state.stored_case(case.case_id) != case_json(case_to_json(case)))


def _chunks(cases: Iterator[Case] | Iterable[Case]) -> Iterator[list[Case]]:
    """Cases in groups of about CHUNK_LETTERS due letters."""
    chunk: list[Case] = []
    letters = 0
    for case in cases:
        chunk.append(case)
        letters += len(due_letters(case))
        if letters >= CHUNK_LETTERS:
            yield chunk
            chunk, letters = [], 0
    if chunk:
        yield chunk


def write_letters(rows: list[LetterRow], cases: dict[str, Case], cfg: Config,
                  state: State, renderer: Renderer | None = None) -> list[LetterRow]:
    """Render and file reserved letters, then mark them made in one transaction."""
    jobs: list[Job] = []
    form = page_form(cfg)  # [halaman] and the emblem, applied when a template compiles
    for row in rows:
        doc = DOCUMENT_BY_KIND[row.doc]  # type: ignore[index]
        context = render.build_context(cases[row.case_id], cfg, doc, row.nomor, row.instansi)
        jobs.append((str(cfg.templates / doc.template), context, form))
    made: list[tuple[LetterRow, str]] = []
    with (renderer or Renderer()) as active:
        for row, (data, digest) in zip(rows, active.render(jobs), strict=True):
            write_atomic(cfg.outbox / row.path, data)
            made.append((row, digest))
    if made:
        state.complete_all(made)
    return [row for row, _ in made]


def finish_pending(cfg: Config, state: State) -> list[LetterRow]:
    """Make the letters a stopped run had reserved but not filed, from the stored cases."""
    pending = state.pending_letters()
    if not pending:
        return []
    log.info("Melanjutkan %d surat yang belum selesai dari proses sebelumnya.", len(pending))
    cases = {cid: case_from_json(data) for cid, data in state.case_data(
        {row.case_id for row in pending}).items()}
    return write_letters([r for r in pending if r.case_id in cases], cases, cfg, state)


def as_letter(row: LetterRow) -> Letter:
    """A state row as the Buku Agenda's record."""
    return Letter(case_id=row.case_id, no_laporan=row.case_id.split("/", 1)[1], doc=row.doc,
                  step=row.step, instansi=row.instansi, nomor=row.nomor, urut=row.urut,
                  tahun=row.tahun, tanggal=datetime.fromisoformat(row.tanggal), hal=row.hal,
                  tujuan=row.tujuan, path=row.path, version=row.version)


def agenda_path(cfg: Config, tahun: int) -> Path:
    """Where the year's Buku Agenda is kept: beside the step folders."""
    return cfg.outbox / str(tahun) / f"Buku Agenda {tahun}.xlsx"
