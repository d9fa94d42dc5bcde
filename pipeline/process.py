"""One workbook in → letters filed → state committed: the recipe, and a run over inbox/."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pipeline import pdf
from pipeline.attention import rows_to_correct
from pipeline.codes import Code
from pipeline.config import Config
from pipeline.conflicts import without_conflicts
from pipeline.drafts import draft_reasons
from pipeline.errors import TemplateError
from pipeline.filing import remove_stray_temporaries, sha256_bytes, write_atomic
from pipeline.intake import IntakeRejected, open_intake
from pipeline.layout import agenda_path, problem_folder, recap_path, year_folder
from pipeline.letters import catch_up, letter_changed, make_letters
from pipeline.logid import status_word
from pipeline.model import Letter, Problem
from pipeline.plan import Action, describe_plan, make_plan
from pipeline.problems import clear_problem_report, remove_orphan_reports, write_problem_report
from pipeline.recap import write_recap
from pipeline.recovery import safe_backup
from pipeline.registers import write_agenda
from pipeline.rowcache import RowCache
from pipeline.state import State
from pipeline.validate import Validation, rules_fingerprint, validate
from pipeline.watch import is_candidate

log = logging.getLogger("pipeline.process")
MARKED_COPY_MAX_ROWS = 20_000  # above this, the problem report is the .txt summary only
FUTURE_CODE = "waktu-masa-depan"  # validate's code for a time not yet reached
FUTURE_RECHECK = timedelta(minutes=5)  # such a file is read again this long after


@dataclass
class Outcome:
    """What processing one intake file did."""

    name: str
    status: str  # 'ok', 'problems', 'rejected', 'error', 'unchanged' or 'gone'
    problems: list[Problem] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    drafts: list[Path] = field(default_factory=list)  # KONSEP letters under outbox/_konsep/
    rows_read: int = 0
    seconds: float = 0.0
    still_rejected: bool = False  # unchanged, and its problem report still stands
    report_failed: bool = False  # its problem report could not be written (see the log)
    years: set[int] = field(default_factory=set)  # years of the cases read (for the recap)
    marked_years: set[int] = field(default_factory=set)  # Buku Agenda changed, no new letter
    letters_made: int = 0  # every letter made, even those not kept in `letters`
    letter_years: set[int] = field(default_factory=set)  # years of the letters made


Progress = Callable[[str, int, int, int], None]  # (file, cases seen, cases in file, letters)


def settings_fingerprint(cfg: Config) -> str:
    """What a file's verdict depends on besides the file: the whole loaded config.toml."""
    return hashlib.sha256(repr(cfg).encode()).hexdigest()


def process_file(path: Path, cfg: Config, state: State,
                 progress: Progress | None = None) -> Outcome:
    """Read, validate, make the due letters, report problems, and record the version."""
    started = time.perf_counter()
    try:
        data = path.read_bytes()  # read once: the hash, the snapshot and the parse agree
    except FileNotFoundError:
        return Outcome(path.name, "gone")
    digest = sha256_bytes(data)
    settings = settings_fingerprint(cfg)
    previous = state.previous_result(path.name, digest, settings)
    if previous is not None and not hold_lifted(cfg, state, path.name):
        return Outcome(path.name, "unchanged", still_rejected=previous != "ok")
    snapshot = keep_snapshot(cfg, digest, path.suffix, data)
    konsep = bool(draft_reasons(cfg))
    rules = rules_fingerprint(cfg) + (":konsep" if konsep else "")
    known = state.good_rows(path.name, rules)
    cache = state.row_cache(path.name, rules, known)
    validation, rejected, sheet = read_cases(path.name, data, cfg, known, cache)
    total = len(validation.spool)
    conflicts: list[Problem] = []
    holders: set[str] = set()  # the other workbooks whose rows hold rows of this one back
    cases = without_conflicts(validation.iter_cases(), path.name, sheet,
                              lambda: inbox_names(cfg), state, conflicts, holders,
                              Renames(cfg, state))
    made = make_letters(cases, cfg, state,
                        progress and (lambda seen, n: progress(path.name, seen, total, n)),
                        konsep=konsep)
    problems = [rejected] if rejected else sorted(
        validation.problems + conflicts, key=lambda p: (p.row or 0, (p.column or "").rjust(3)))
    validation.rows_with_problems += len(conflicts)
    report_failed = not report_problems(path, problems, validation, data, cfg)
    blocking = any(p.blocking for p in problems)  # warnings alone leave the file 'ok'
    status = "rejected" if rejected else ("problems" if blocking else "ok")
    if not rejected:  # before the version: a kill in between redoes the file. A refused
        # save says nothing about which reports the file holds.
        held = [p.row for p in conflicts if p.row]  # rows held by the conflict check too
        state.record_contents(path.name, validation.numbers,
                              sorted({*validation.problem_rows, *held}),
                              validation.rows_with_problems)
    good = (rules, bytearray() if conflicts else validation.good_digests)  # conflicts: all
    state.record_intake(path.name, digest, len(data), status, validation.rows_read,
                        validation.rows_with_problems, made.count, snapshot, good,
                        settings=settings, recheck_after=_recheck_after(problems),
                        held_by={other: state.latest_digest(other) or "" for other in holders},
                        row_cache=None if conflicts or rejected else cache)
    outcome = Outcome(path.name, status, problems, made.letters, made.drafts,
                      validation.rows_read, time.perf_counter() - started,
                      years=set() if konsep else validation.years,  # drafts: no recap
                      report_failed=report_failed,
                      marked_years=made.marked_years, letters_made=made.count,
                      letter_years=made.years)
    log_outcome(outcome, cfg)
    return outcome


def plan_file(path: Path, cfg: Config, state: State, counters: dict[int, int]) -> list[str]:
    """`perda run --coba`: the plan for one file as Indonesian lines; nothing is written.

    `counters` (each year's last number) is carried from file to file and updated.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [f"{path.name}: berkas hilang."]
    if state.previous_result(path.name, sha256_bytes(data), settings_fingerprint(cfg)) and \
            not hold_lifted(cfg, state, path.name):
        return [f"{path.name}: tidak berubah sejak terakhir diproses; tidak ada surat."]
    konsep = bool(draft_reasons(cfg))
    rules = rules_fingerprint(cfg) + (":konsep" if konsep else "")
    validation, rejected, sheet = read_cases(path.name, data, cfg,
                                             state.good_rows(path.name, rules))
    if rejected:
        return [f"{path.name}: ditolak — {rejected.describe()}"]
    conflicts: list[Problem] = []
    pending = state.pending_cases()
    cases = [c for c in without_conflicts(validation.iter_cases(), path.name, sheet,
                                          lambda: inbox_names(cfg), state, conflicts,
                                          renamed=Renames(cfg, state))
             if konsep or letter_changed(c, state, pending)]
    recorded = {} if konsep else state.letters_of_cases({c.case_id for c in cases})
    plan = make_plan(cases, recorded, counters, cfg, konsep=konsep)
    for item in plan.items:
        if item.action is Action.new and item.letter.urut:
            counters[item.letter.tahun] = max(counters.get(item.letter.tahun, 0),
                                              item.letter.urut)
    lines = [f"{path.name}:"] + [f"  {line}" for line in describe_plan(plan)]
    problems = validation.problems + conflicts
    if problems:
        lines.append(f"  {len(problems)} masalah; baris itu belum dibuatkan surat:")
        lines += [f"  - {problem.describe()}" for problem in problems]
    return lines


def _recheck_after(problems: list[Problem]) -> datetime | None:
    """When to read a file again whose rows were refused only for a time in the future."""
    if any(p.code == FUTURE_CODE for p in problems):
        return datetime.now() + FUTURE_RECHECK
    return None


def read_cases(name: str, data: bytes, cfg: Config, known_good: set[bytes] | None = None,
               cache: RowCache | None = None
               ) -> tuple[Validation, Problem | None, str | None]:
    """The validated cases of a workbook, or its whole-file problem; and its sheet.

    With `cache`, rows unchanged since the last version are not parsed, and this
    version's good rows are recorded in it (`pipeline/rowcache.py`)."""
    try:
        intake = open_intake(name, data, cfg.batas, cache)
        return validate(intake, cfg, known_good=known_good or set()), None, intake.sheet
    except IntakeRejected as exc:
        return Validation(), exc.problem, None


def keep_snapshot(cfg: Config, digest: str, suffix: str, data: bytes) -> str:
    """Keep a copy of this intake version beside the state (a deleted row is never lost)."""
    relative = f"snapshots/{digest[:2]}/{digest}{suffix.lower()[:6]}"
    target = cfg.state_dir / relative
    if not target.exists():
        write_atomic(target, data)
    return relative


def report_problems(path: Path, problems: list[Problem], validation: Validation, data: bytes,
                    cfg: Config) -> bool:
    """Write (or clear, once fixed) the file's report in outbox/_perlu-perbaikan/; False
    when it could not be written (logged, with the reason)."""
    folder = problem_folder(cfg)
    if validation.more_problems:
        problems = [*problems, Problem(
            code=Code.masalah_lain, file=path.name,
            message=Code.masalah_lain.text(jumlah=validation.more_problems))]
    try:
        if problems:
            ok = validation.rows_read - validation.rows_with_problems
            # A marked copy of a huge workbook would cost gigabytes: the summary must do.
            # Warnings alone (nothing to fix) get the summary only: a full load per save.
            copy = validation.rows_read <= MARKED_COPY_MAX_ROWS and any(
                p.blocking for p in problems)
            write_problem_report(path, problems, folder, rows_ok=ok, data=data, copy=copy)
        elif folder.is_dir():
            clear_problem_report(path.name, folder)
    except OSError as exc:  # open in Excel (Windows), outbox read-only, disk full
        report_not_written(path.name, exc)
        return False
    return True


def report_not_written(name: str, exc: OSError) -> None:
    """Say in the log that a problem report is missing, and where the problems are."""
    log.warning("Laporan perbaikan untuk %s TIDAK DAPAT DITULIS di outbox/_perlu-perbaikan/ "
                "(%s). Daftar masalahnya ada di log ini. Bila laporan lama sedang dibuka, "
                "tutuplah; bila folder outbox tidak dapat ditulisi atau penuh, perbaiki, lalu "
                "simpan ulang berkas isian.", name, exc.strerror or exc)


def update_registers(cfg: Config, state: State, made: list[Letter],
                     also: set[int] | frozenset[int] = frozenset()) -> None:
    """Rewrite the Buku Agenda of every year that got a letter (and of the years `also`)."""
    for tahun in sorted({row.tahun for row in made if row.numbered} | set(also)):
        update_registers_for(cfg, state, tahun)


def update_registers_for(cfg: Config, state: State, tahun: int) -> None:
    """Rewrite one year's Buku Agenda from the state."""
    letters = state.each_agenda_row_of_year(tahun)
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
    made = [row for outcome in outcomes for row in outcome.letters]  # the newest of each
    years = set().union(*(o.marked_years | o.letter_years for o in outcomes))
    update_registers(cfg, state, made, years)
    pdf.convert_newest(cfg, [cfg.outbox / row.path for row in made],
                       sum(outcome.letters_made for outcome in outcomes))
    update_recaps(cfg, state, {year for outcome in outcomes for year in outcome.years})
    follow_inbox(cfg)
    if any(outcome.status != "unchanged" for outcome in outcomes):
        safe_backup(cfg, state)


def follow_inbox(cfg: Config) -> None:
    """Remove the problem reports of workbooks no longer in inbox/ (renamed or deleted)."""
    try:
        names = [p.name for p in inbox_files(cfg)]
        remove_orphan_reports(problem_folder(cfg), names)
    except OSError as exc:
        log.warning("Laporan perbaikan lama belum dapat dirapikan (%s).", exc)


def update_recaps(cfg: Config, state: State, years: set[int]) -> None:
    """Rewrite the Laporan Pengamanan of each year whose cases were read (after a batch)."""
    archived = {t for t in state.letter_years() if not year_folder(cfg, t).is_dir()}
    years = years - archived  # a year folder moved out of outbox/ is never re-created
    if not years:
        return
    waiting = rows_to_correct(cfg, state)
    for tahun in sorted(years):
        try:
            write_recap(recap_path(cfg, tahun), state.each_recap_case_of_year(tahun), cfg, tahun,
                        menunggu_perbaikan=waiting)
        except PermissionError:  # Windows: the recap is open in Excel
            log.warning("Laporan Pengamanan %d sedang dibuka di program lain; diperbarui pada "
                        "proses berikutnya.", tahun)


def log_outcome(outcome: Outcome, cfg: Config | None = None) -> None:
    """One log line per processed file (saying when letters are drafts, and why), and one
    per problem."""
    drafts = ""
    if outcome.drafts:
        missing = ", ".join(draft_reasons(cfg)) if cfg else ""
        drafts = f", {len(outcome.drafts)} konsep (pengaturan belum diisi: {missing})"
    warned = sum(not p.blocking for p in outcome.problems)
    warnings = f", {warned} peringatan" if warned else ""
    log.info("%s: %s — %d baris dibaca, %d surat dibuat%s, %d masalah%s (%.2f detik)",
             outcome.name, status_word(outcome.status), outcome.rows_read,
             outcome.letters_made, drafts, len(outcome.problems) - warned, warnings,
             outcome.seconds)
    for problem in outcome.problems:
        # the level name already says PERINGATAN for a warning: no second prefix
        log.warning("%s", problem.describe(prefix=problem.blocking))


def recover(cfg: Config, state: State) -> list[Letter]:
    """Before any new work: finish letters a stopped run left half-made, tidy temporaries."""
    removed = remove_stray_temporaries(cfg.outbox)
    if removed:
        log.info("%d berkas sementara dari proses yang terhenti dihapus.", removed)
    made = finish_pending(cfg, state)
    update_registers(cfg, state, made)
    refresh_stale_registers(cfg, state)  # then skips those years: their agenda is fresh
    refresh_stale_recaps(cfg, state)
    follow_inbox(cfg)
    catch_up_pdfs(cfg, state)
    return made


def finish_pending(cfg: Config, state: State) -> list[Letter]:
    """letters.catch_up, but not while config.toml still has placeholders: those letters
    are numbered (reserved before, or restored by perda pulihkan) and wait, pending or
    unsettled, for the office's values; drafts are all a run makes meanwhile."""
    return [] if draft_reasons(cfg) else catch_up(cfg, state)


def retry_pending(cfg: Config, state: State) -> list[Letter]:
    """At every rescan: letters whose write failed earlier (outbox read-only, disk full)
    are tried again, and their registers and PDFs follow."""
    if not state.pending_cases() and not state.unsettled_cases():
        return []
    try:
        made = finish_pending(cfg, state)
    except OSError as exc:
        log.warning("Surat yang tertunda belum dapat ditulis (%s); dicoba lagi nanti.", exc)
        return []
    update_registers(cfg, state, made)
    pdf.convert_letters(cfg, [cfg.outbox / letter.path for letter in made])
    return made


def recheck_files(cfg: Config, state: State) -> list[Path]:
    """Files to read again although unchanged: a time they held has now passed, or the
    workbook that held some of their rows back changed or left inbox/ (`held_files`)."""
    names = set(state.recheck_due())
    due = [path for path in inbox_files(cfg) if path.name in names]
    return due + [path for path in held_files(cfg, state) if path.name not in names]


def hold_lifted(cfg: Config, state: State, name: str,
                present: set[str] | None = None) -> bool:
    """Whether a workbook whose rows another workbook held back (laporan-ganda-antarberkas)
    must be read again although unchanged: one of those workbooks left inbox/ or was
    saved again since (its row may be deleted or made equal)."""
    holders = state.held_by(name)
    if not holders:
        return False
    present = inbox_names(cfg) if present is None else present
    return any(other not in present or (state.latest_digest(other) or "") != digest
               for other, digest in holders.items())


def held_files(cfg: Config, state: State) -> list[Path]:
    """The workbooks in inbox/ to read again because the conflict that held some of their
    rows back may be resolved (`hold_lifted`), oldest first."""
    held = state.held_files()
    if not held:
        return []
    files = inbox_files(cfg)
    present = {path.name for path in files}
    return [path for path in files
            if path.name in held and hold_lifted(cfg, state, path.name, present)]


def recheck_held(cfg: Config, state: State, outcomes: list[Outcome],
                 progress: Progress | None = None) -> None:
    """After a batch: read again the workbooks a resolved conflict may have freed; their
    outcomes replace those of the batch (a workbook counted once)."""
    for _ in range(len(inbox_files(cfg)) + 1):  # freeing one may free another, never more
        due = held_files(cfg, state)
        if not due:
            return
        for path in due:
            outcomes[:] = [o for o in outcomes if o.name != path.name]
            log.info("%s diperiksa lagi: berkas lain yang menahan barisnya sudah berubah.",
                     path.name)
            outcomes.append(safe_process(path, cfg, state, progress))


def refresh_stale_recaps(cfg: Config, state: State) -> None:
    """Rewrite a Laporan Pengamanan older than its year's newest case (a stop before the
    batch ended, or it was open in Excel); archived years are left alone."""
    stale = {tahun for tahun, last in state.case_years().items()
             if year_folder(cfg, tahun).is_dir() and (
                 not recap_path(cfg, tahun).exists()
                 or recap_path(cfg, tahun).stat().st_mtime < last.timestamp() - 1)}
    update_recaps(cfg, state, stale)


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


class Renames:
    """Where a workbook no longer in inbox/ went, if it was only renamed: the file in
    inbox/ whose bytes are the version of it read last (files are hashed once, lazily)."""

    def __init__(self, cfg: Config, state: State) -> None:
        self.cfg, self.state = cfg, state
        self._digests: dict[str, str] | None = None

    def __call__(self, gone: str) -> str | None:
        digest = self.state.latest_digest(gone)
        if digest is None:
            return None
        if self._digests is None:
            self._digests = {}
            for path in inbox_files(self.cfg):
                try:
                    self._digests.setdefault(sha256_bytes(path.read_bytes()), path.name)
                except OSError:
                    continue  # gone or locked meanwhile: not the renamed file, as far as known
        return self._digests.get(digest)


def inbox_names(cfg: Config) -> set[str]:
    """The names of the candidate intake files in inbox/."""
    return {path.name for path in inbox_files(cfg)}


def open_state(cfg: Config) -> State:
    """The office's state database."""
    return State(cfg.state_dir / "perda.sqlite3")


def open_state_readonly(cfg: Config) -> State:
    """The state database for reading only (perda run --coba), or an empty one in memory
    when there is none yet: nothing is created or written."""
    path = cfg.state_dir / "perda.sqlite3"
    return State(path, readonly=True) if path.exists() else State(None)


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
        problem = Problem(code=Code.kesalahan_tak_terduga, file=path.name,
                          message=Code.kesalahan_tak_terduga.text())
        try:
            write_problem_report(path, [problem], problem_folder(cfg))
        except OSError as exc:
            report_not_written(path.name, exc)
            return Outcome(path.name, "error", [problem], report_failed=True)
        return Outcome(path.name, "error", [problem])
