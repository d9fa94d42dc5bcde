"""One workbook in → letters filed → state committed: the recipe, and a run over inbox/."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import pdf
from pipeline.config import Config
from pipeline.errors import TemplateError
from pipeline.filing import PROBLEM_FOLDER, remove_stray_temporaries, sha256_bytes, write_atomic
from pipeline.intake import IntakeRejected, open_intake
from pipeline.letters import agenda_path, as_letter, finish_pending, make_letters
from pipeline.logid import status_word
from pipeline.model import Problem
from pipeline.problems import clear_problem_report, write_problem_report
from pipeline.recap import recap_path, write_recap
from pipeline.registers import write_agenda
from pipeline.state import LetterRow, State
from pipeline.validate import Validation, rules_fingerprint, validate
from pipeline.watch import is_candidate

log = logging.getLogger("pipeline.process")
MARKED_COPY_MAX_ROWS = 20_000  # above this, the problem report is the .txt summary only


@dataclass
class Outcome:
    """What processing one intake file did."""

    name: str
    status: str  # 'ok', 'problems', 'rejected', 'error', 'unchanged' or 'gone'
    problems: list[Problem] = field(default_factory=list)
    letters: list[LetterRow] = field(default_factory=list)  # the newest made (Made.keep)
    rows_read: int = 0
    seconds: float = 0.0
    still_rejected: bool = False  # unchanged, and its problem report still stands
    years: set[int] = field(default_factory=set)  # years of the cases read (for the recap)
    letters_made: int = 0  # every letter made, even those not kept in `letters`
    letter_years: set[int] = field(default_factory=set)  # years of the letters made


Progress = Callable[[str, int, int, int], None]  # (file, cases seen, cases in file, letters)


def process_file(path: Path, cfg: Config, state: State,
                 progress: Progress | None = None) -> Outcome:
    """Read, validate, make the due letters, report problems, and record the version."""
    started = time.perf_counter()
    try:
        data = path.read_bytes()  # read once: the hash, the snapshot and the parse agree
    except FileNotFoundError:
        return Outcome(path.name, "gone")
    digest = sha256_bytes(data)
    previous = state.previous_result(path.name, digest)
    if previous is not None:
        return Outcome(path.name, "unchanged", still_rejected=previous != "ok")
    snapshot = keep_snapshot(cfg, digest, path.suffix, data)
    rules = rules_fingerprint(cfg)
    validation, rejected = read_cases(path.name, data, cfg, state.good_rows(path.name, rules))
    total = len(validation.spool)
    made = make_letters(validation.iter_cases(), cfg, state,
                        progress and (lambda seen, n: progress(path.name, seen, total, n)))
    problems = [rejected] if rejected else validation.problems
    report_problems(path, problems, validation, data, cfg)
    status = "rejected" if rejected else ("problems" if problems else "ok")
    if not rejected:  # before the version: a kill in between redoes the file. A refused
        # save says nothing about which reports the file holds.
        state.record_contents(path.name, validation.numbers, validation.problem_rows,
                              validation.rows_with_problems)
    state.record_intake(path.name, digest, len(data), status, validation.rows_read,
                        validation.rows_with_problems, made.count, snapshot,
                        (rules, validation.good_digests))
    outcome = Outcome(path.name, status, problems, list(made.newest), validation.rows_read,
                      time.perf_counter() - started, years=validation.years,
                      letters_made=made.count, letter_years=made.years)
    log_outcome(outcome)
    return outcome


def read_cases(name: str, data: bytes, cfg: Config, known_good: set[bytes] | None = None
               ) -> tuple[Validation, Problem | None]:
    """The validated cases of a workbook, or its whole-file problem."""
    try:
        return validate(open_intake(name, data, cfg.batas), cfg,
                        known_good=known_good or set()), None
    except IntakeRejected as exc:
        return Validation(), exc.problem


def keep_snapshot(cfg: Config, digest: str, suffix: str, data: bytes) -> str:
    """Keep a copy of this intake version beside the state (a deleted row is never lost)."""
    relative = f"snapshots/{digest[:2]}/{digest}{suffix.lower()[:6]}"
    target = cfg.state_dir / relative
    if not target.exists():
        write_atomic(target, data)
    return relative


def report_problems(path: Path, problems: list[Problem], validation: Validation, data: bytes,
                    cfg: Config) -> None:
    """Write (or clear, once fixed) the file's report in outbox/_perlu-perbaikan/."""
    folder = cfg.outbox / PROBLEM_FOLDER
    if validation.more_problems:
        problems = [*problems, Problem(
            code="masalah-lain", file=path.name,
            message=f"Masih ada {validation.more_problems} masalah lain yang tidak dicantumkan "
                    "satu per satu. Perbaiki masalah di atas, simpan ulang, lalu baca laporan "
                    "perbaikan yang baru.")]
    try:
        if problems:
            ok = validation.rows_read - validation.rows_with_problems
            # A marked copy of a huge workbook would cost gigabytes: the summary must do.
            copy = validation.rows_read <= MARKED_COPY_MAX_ROWS
            write_problem_report(path, problems, folder, rows_ok=ok, data=data, copy=copy)
        elif folder.is_dir():
            clear_problem_report(path.name, folder)
    except PermissionError:  # Windows: the old report is open in Excel
        log.warning("Laporan perbaikan untuk %s sedang dibuka di program lain dan belum dapat "
                    "diganti. Tutup laporan itu, lalu simpan ulang berkas isian.", path.name)


def update_registers(cfg: Config, state: State, years: set[int]) -> None:
    """Rewrite the Buku Agenda of every year that got a letter."""
    for tahun in sorted(years):
        update_registers_for(cfg, state, tahun)


def update_registers_for(cfg: Config, state: State, tahun: int) -> None:
    """Rewrite one year's Buku Agenda from the state."""
    letters = (as_letter(row) for row in state.each_letter_of_year(tahun))
    try:
        write_agenda(agenda_path(cfg, tahun), letters, cfg, tahun)
    except PermissionError:  # Windows: the clerk has the register open in Excel
        log.warning("Buku Agenda %d sedang dibuka di program lain; diperbarui saat aplikasi "
                    "dimulai lagi atau pada surat berikutnya.", tahun)


def finish_batch(cfg: Config, state: State, outcomes: list[Outcome]) -> None:
    """After a burst of saves: PDFs of the new letters, the Buku Agenda and the recaps.

    Kept off each save's path so the letters themselves are filed at once; a stop before
    this runs is caught up at the next start (`recover`).
    """
    update_registers(cfg, state, {t for outcome in outcomes for t in outcome.letter_years})
    newest = [cfg.outbox / row.path for outcome in outcomes for row in outcome.letters]
    pdf.convert_newest(cfg, newest, sum(outcome.letters_made for outcome in outcomes))
    update_recaps(cfg, state, {year for outcome in outcomes for year in outcome.years})


def update_recaps(cfg: Config, state: State, years: set[int]) -> None:
    """Rewrite the Laporan Pengamanan of each year whose cases were read (after a batch)."""
    archived = {t for t in state.letter_years() if not (cfg.outbox / str(t)).is_dir()}
    years = years - archived  # a year folder moved out of outbox/ is never re-created
    if not years:
        return
    for tahun in sorted(years):
        try:
            write_recap(recap_path(cfg, tahun), state.each_case_of_year(tahun), cfg, tahun)
        except PermissionError:  # Windows: the recap is open in Excel
            log.warning("Laporan Pengamanan %d sedang dibuka di program lain; diperbarui pada "
                        "proses berikutnya.", tahun)


def log_outcome(outcome: Outcome) -> None:
    """One log line per processed file, and one per problem."""
    log.info("%s: %s — %d baris dibaca, %d surat dibuat, %d masalah (%.2f detik)",
             outcome.name, status_word(outcome.status), outcome.rows_read, outcome.letters_made,
             len(outcome.problems), outcome.seconds)
    for problem in outcome.problems:
        log.warning("%s", problem.describe())


def recover(cfg: Config, state: State) -> list[LetterRow]:
    """Before any new work: finish letters a stopped run left half-made, tidy temporaries."""
    removed = remove_stray_temporaries(cfg.outbox)
    if removed:
        log.info("%d berkas sementara dari proses yang terhenti dihapus.", removed)
    made = finish_pending(cfg, state)
    update_registers(cfg, state, {row.tahun for row in made})
    refresh_stale_registers(cfg, state)  # then skips those years: their agenda is fresh
    catch_up_pdfs(cfg, state)
    return made


def catch_up_pdfs(cfg: Config, state: State) -> None:
    """Make the PDFs a stopped run did not get to, the newest first, at most
    [berkas] pdf_maks_per_proses; the rest are left to the idle watcher or `perda pdf`."""
    if cfg.berkas.pdf == "tidak":
        return
    made, failed = pdf.catch_up(cfg, state, limit=cfg.berkas.pdf_maks_per_proses)
    if made:
        log.info("%d PDF yang tertinggal dari proses sebelumnya dibuat.", made)
    if failed:
        log.warning("%d PDF belum dapat dibuat; dicoba lagi nanti.", failed)


def refresh_stale_registers(cfg: Config, state: State) -> None:
    """Rewrite a Buku Agenda older than its newest letter (it was open in Excel last time).

    Years whose folder was archived (moved out of outbox/) are left alone.
    """
    for tahun, last in state.letter_years().items():
        path = agenda_path(cfg, tahun)
        if path.parent.is_dir() and (not path.exists() or
                                     path.stat().st_mtime < last.timestamp() - 1):
            update_registers_for(cfg, state, tahun)


def inbox_files(cfg: Config) -> list[Path]:
    """The candidate intake files in inbox/, oldest first."""
    files = [p for p in cfg.inbox.iterdir() if p.is_file() and is_candidate(p)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def open_state(cfg: Config) -> State:
    """The office's state database."""
    return State(cfg.state_dir / "perda.sqlite3")


def safe_process(path: Path, cfg: Config, state: State,
                 progress: Progress | None = None) -> Outcome:
    """process_file, where an unexpected failure is logged and reported for that file only.

    One of the two broad catches in the code (the watcher has the other): an office PC
    runs unattended, and one odd file must not stop the others.
    """
    try:
        return process_file(path, cfg, state, progress)
    except TemplateError:
        raise  # every file would fail the same way: stop and say so
    except Exception:  # noqa: BLE001 — see docstring
        log.exception("Kesalahan tak terduga saat memproses %s", path.name)
        problem = Problem(code="kesalahan-tak-terduga", file=path.name,
                          message="Terjadi kesalahan tak terduga saat memproses berkas ini. "
                                  "Berkas lain tetap diproses. Simpan ulang berkas; bila masih "
                                  "gagal, hubungi pengelola aplikasi dan sertakan state/log/"
                                  "perda.log.")
        try:
            write_problem_report(path, [problem], cfg.outbox / PROBLEM_FOLDER)
        except OSError:
            log.exception("Laporan perbaikan untuk %s tidak dapat ditulis", path.name)
        return Outcome(path.name, "error", [problem])
