"""Losing the state never costs the archive: refuse to number, rebuild from outbox/, backups.

- `check_state`: before `perda watch`/`run` numbers anything. A state database that is
  missing or empty while outbox/ holds letters, or one that is damaged, stops the run
  (exit 2) naming the one command to run: `perda pulihkan`.
- `rebuild` (`perda pulihkan`): a new database from what is filed — each letter's stamped
  record (stamp.py), else its row in the year's Buku Agenda, else its number read from its
  text — so numbering continues after the highest number. Nothing under outbox/ is
  written; the old database is kept beside the new one, renamed.
- `backup_state`: after each batch, a copy through SQLite's online backup API, the newest
  `BACKUPS_KEPT` kept under state/backup/, and the newest `OUTBOX_BACKUPS_KEPT` also under
  outbox/_cadangan/: archiving moves a year folder out of outbox/ and leaves that folder,
  so a year's letters stay known even when the whole state/ folder is lost.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import TypeVar

from pipeline.config import Config
from pipeline.errors import ExitCode, PerdaError
from pipeline.filing import sha256_bytes, write_atomic_with
from pipeline.intake import IntakeRejected, open_intake
from pipeline.layout import is_filed_letter
from pipeline.model import Case, Letter
from pipeline.outbox_scan import FoundLetter, agenda_rows, letter_from_file
from pipeline.plan import data_hash, documents_due
from pipeline.schema import DOCUMENT_BY_KIND, Doc
from pipeline.state import Booking, State
from pipeline.validate import validate
from pipeline.watch import is_candidate

log = logging.getLogger("pipeline.recovery")
T = TypeVar("T")
STATE_FILE = "perda.sqlite3"
BACKUP_FOLDER = "backup"
BACKUPS_KEPT = 5
OUTBOX_BACKUP_FOLDER = "_cadangan"  # under outbox/: outside every year folder
OUTBOX_BACKUPS_KEPT = 2


class Health(StrEnum):
    """What the state database looks like before a run."""

    ok = "ok"
    missing = "tidak ada"
    empty = "kosong"
    damaged = "rusak"


class StateLost(PerdaError):
    """The state database is missing, empty or damaged while outbox/ holds letters."""

    exit_code = ExitCode.config_error


def state_file(cfg: Config) -> Path:
    """The state database of the office."""
    return cfg.state_dir / STATE_FILE


def filed_letters(outbox: Path) -> Iterator[Path]:
    """Every numbered letter file under outbox/ (drafts, reports and temporaries skipped)."""
    for folder, dirs, files in os.walk(outbox):
        dirs[:] = sorted(d for d in dirs if not d.startswith(("_", ".")))
        here = Path(folder)
        for name in sorted(files):
            if is_filed_letter(PurePosixPath((here / name).relative_to(outbox).as_posix())):
                yield here / name


def outbox_has_letters(outbox: Path) -> bool:
    """Whether at least one letter is filed (stops at the first found)."""
    return outbox.is_dir() and next(filed_letters(outbox), None) is not None


def state_health(path: Path) -> Health:
    """Whether the database is there, readable and records any letter."""
    if not path.exists():
        return Health.missing
    # Read only, as --coba opens it: without a -wal file 'immutable' creates no file at all.
    busy = path.with_name(path.name + "-wal").exists()
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?{'mode=ro' if busy else 'immutable=1'}",
                             uri=True, timeout=30)
    except sqlite3.Error:
        return Health.damaged
    try:
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            return Health.damaged
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "letters" not in tables:
            return Health.empty
        count = db.execute("SELECT COUNT(*) FROM letters").fetchone()[0]
        return Health.ok if count else Health.empty
    except sqlite3.DatabaseError:
        return Health.damaged
    finally:
        db.close()


def check_state(cfg: Config, config_arg: str = "config.toml") -> None:
    """Raise StateLost (exit 2) when numbering now could give a number twice."""
    health = state_health(state_file(cfg))
    if health is Health.ok:
        behind = _behind_backup(cfg)
        if behind:
            raise StateLost(
                f"Basis data state {state_file(cfg)} tertinggal dari salinan cadangannya "
                f"sendiri ({behind}): mungkin disalin dari cadangan yang lebih lama. Agar "
                "tidak ada nomor surat yang terpakai dua kali, belum ada surat yang dibuat. "
                f"Jalankan dulu: perda pulihkan --paksa --config {config_arg}")
        return
    if (health is not Health.damaged and not outbox_has_letters(cfg.outbox)
            and not backup_letters(cfg)):
        return  # a new office (every year archived: the backups still know the letters)
    where = ("padahal folder outbox sudah berisi surat" if health is not Health.damaged
             else "dan tidak dapat dibaca")
    raise StateLost(
        f"Basis data state {state_file(cfg)} {health.value}, {where}. Agar tidak ada nomor "
        "surat yang terpakai dua kali dan tidak ada surat yang tertimpa, belum ada surat "
        f"yang dibuat. Jalankan dulu: perda pulihkan --config {config_arg}")


# ------------------------------------------------------------------------ backups


def backup_state(cfg: Config, state: State, now: datetime | None = None) -> Path:
    """Copy the live database to state/backup/ (online backup API); keep the newest few."""
    folder = cfg.state_dir / BACKUP_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"perda-{stamp}.sqlite3"
    partial = target.with_suffix(".tmp")
    copy = sqlite3.connect(partial)
    try:
        state.db.backup(copy)
    finally:
        copy.close()
    os.replace(partial, target)
    for old in sorted(folder.glob("perda-*.sqlite3"))[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)
    _copy_to_outbox(cfg, target)
    return target


def _copy_to_outbox(cfg: Config, backup: Path) -> None:
    """Keep a copy of `backup` under outbox/_cadangan/, the newest few."""
    folder = cfg.outbox / OUTBOX_BACKUP_FOLDER
    write_atomic_with(folder / backup.name, lambda tmp: shutil.copyfile(backup, tmp))
    for old in sorted(folder.glob("perda-*.sqlite3"))[:-OUTBOX_BACKUPS_KEPT]:
        old.unlink(missing_ok=True)


def backup_paths(cfg: Config) -> list[Path]:
    """Every backup, newest first: state/backup/ and outbox/_cadangan/ (one name in both:
    the state's copy)."""
    found: dict[str, Path] = {}
    for folder in (cfg.outbox / OUTBOX_BACKUP_FOLDER, cfg.state_dir / BACKUP_FOLDER):
        found.update((path.name, path) for path in folder.glob("perda-*.sqlite3"))
    return [found[name] for name in sorted(found, reverse=True)]


def backup_letters(cfg: Config) -> list[Letter]:
    """The letters, as the newest readable backup (backup_paths) records them ([]
    when there is none): what a lost database knew of letters no longer in outbox/ (a
    year folder moved out to archive it), pending ones included (their numbers were
    given)."""
    return _newest_backup(cfg, State.all_letters) or []


def backup_counters(cfg: Config) -> dict[int, int]:
    """Each year's last number as the newest readable backup records it."""
    return _newest_backup(cfg, State.counters) or {}


def _newest_backup(cfg: Config, read: Callable[[State], T]) -> T | None:
    """`read` of the newest backup that opens and reads, or None."""
    for path in backup_paths(cfg):
        try:
            backup = State(path, readonly=True)
        except sqlite3.Error:
            continue
        try:
            return read(backup)
        except sqlite3.Error:
            continue
        finally:
            backup.close()
    return None


_MISSING = """SELECT COUNT(*) FROM b.letters x WHERE NOT EXISTS (SELECT 1 FROM main.letters y
    WHERE y.case_id=x.case_id AND y.doc=x.doc AND y.instansi=x.instansi AND y.tahun=x.tahun
    AND y.version=x.version) AND NOT (x.urut > 0 AND EXISTS (SELECT 1 FROM main.letters z
    WHERE z.tahun=x.tahun AND z.urut=x.urut AND z.version=x.version))"""


def _behind_backup(cfg: Config) -> str:
    """What the state lacks of its newest readable backup ('' when nothing): a number, or
    a letter (a version) the backup records and the state does not — the database was put
    back from an older copy. A letter whose number the state gives another letter (the
    outbox said so at a `perda pulihkan`) is not missing. The backup is opened once, and
    both are read from that one."""
    backups = backup_paths(cfg)
    if not backups:
        return ""
    state = State(state_file(cfg), readonly=True)
    try:
        for backup in backups:
            try:
                state.db.execute("ATTACH DATABASE ? AS b",
                                 (f"{backup.resolve().as_uri()}?immutable=1",))
            except sqlite3.Error:
                continue
            try:
                saved = {int(r[0]): int(r[1])
                         for r in state.db.execute("SELECT tahun, last FROM b.counters")}
                missing = state.db.execute(_MISSING).fetchone()[0] if saved else 0
            except sqlite3.Error:
                continue
            finally:
                state.db.execute("DETACH DATABASE b")
            now = state.counters()
            lower = [f"tahun {tahun}: nomor terakhir {now.get(tahun, 0)}, di cadangan {last}"
                     for tahun, last in sorted(saved.items()) if now.get(tahun, 0) < last]
            if missing:
                lower.append(f"{missing} surat tercatat di cadangan saja")
            return ", ".join(lower)
        return ""
    finally:
        state.close()


def safe_backup(cfg: Config, state: State) -> None:
    """backup_state, where a failure (disk full) is a warning: the batch itself is done."""
    try:
        backup_state(cfg, state)
    except (OSError, sqlite3.Error) as exc:
        log.warning("Salinan cadangan basis data state tidak dapat dibuat (%s); dicoba lagi "
                    "setelah proses berikutnya.", exc)


# ------------------------------------------------------------------------ pulihkan


@dataclass
class Rebuilt:
    """What `perda pulihkan` found and recorded."""

    letters: int = 0  # recorded from their files
    from_agenda: int = 0  # recorded from a Buku Agenda row only (file moved or deleted)
    from_backup: int = 0  # recorded from the newest backup only (moved out with its year)
    unknown: list[str] = field(default_factory=list)  # .docx files that are no letter of ours
    last_numbers: dict[int, int] = field(default_factory=dict)  # year → last number
    old_state: Path | None = None  # where the previous database was kept
    cases: int = 0  # reports read back from the intake snapshots
    adopted: int = 0  # letters without a stamp taken as saying what their report says


def set_aside(path: Path, now: datetime | None = None) -> Path | None:
    """Rename the old database (and its WAL files) out of the way; never delete it."""
    if not path.exists():
        return None
    suffix = f".sebelum-pulihkan-{(now or datetime.now()):%Y%m%d-%H%M%S}"
    for extra in ("-wal", "-shm"):
        side = path.with_name(path.name + extra)
        if side.exists():
            os.replace(side, path.with_name(path.name + suffix + extra))
    target = path.with_name(path.name + suffix)
    os.replace(path, target)
    return target


def rebuild(cfg: Config) -> Rebuilt:
    """Rebuild the state database from outbox/ (the caller holds the instance lock).

    The new database is built beside the old one and put in place at the end, so a stop
    half-way leaves the old one as it was (and `perda pulihkan` can simply run again).
    """
    result = Rebuilt()
    found = _scan(cfg, result)
    building = state_file(cfg).with_name(STATE_FILE + ".baru")
    for leftover in (building, *(building.with_name(building.name + x) for x in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)  # from a pulihkan that was stopped
    state = State(building)
    try:
        snapshots = restore_cases(cfg, state, found)
        result.cases = len(snapshots)
        cases = {**inbox_cases(cfg), **snapshots}
        found, result.adopted = adopt(_with_case(found, cases), cases)
        state.record_letters(sorted(found, key=lambda x: _current(x, cases)))
        for tahun, last in [*_agenda_numbers(cfg).items(), *backup_counters(cfg).items()]:
            state.set_counter(tahun, last)
        result.last_numbers = state.counters()
        state.db.execute("PRAGMA journal_mode=DELETE")  # all in the one file before the move
    finally:
        state.close()
    result.old_state = set_aside(state_file(cfg))
    os.replace(building, state_file(cfg))
    return result


def restore_cases(cfg: Config, state: State, letters: Sequence[Letter] = ()
                  ) -> dict[str, Case]:
    """Store the reports of the intake snapshots kept under state/ (oldest first, the last
    version of each report wins), as not yet settled: the next start plans them again, so
    a letter found missing is made and the others are found up to date.

    A report the filed `letters` were made from wins over a later version that says
    otherwise: a copy held back as a conflict (the same No. Laporan in a second workbook,
    with other content) left a snapshot too, and must not become the report's data. Such
    a version found in a workbook in inbox/ is stored under that workbook's name, so it
    keeps holding the report against the other copy."""
    folder = cfg.state_dir / "snapshots"
    if not folder.is_dir():
        return {}
    versions = _case_versions(sorted((p for p in folder.rglob("*") if p.is_file()),
                                     key=lambda p: (p.stat().st_mtime, p.name)), cfg)
    latest = {case_id: found[-1] for case_id, found in versions.items()}
    made = _newest_letters(letters)
    inbox = _case_versions(_inbox_files(cfg), cfg) if versions else {}
    for case_id, found in versions.items():
        here = list(reversed(inbox.get(case_id, [])))
        if _says(latest[case_id], made.get(case_id, [])) is False:
            agreeing = [c for c in [*here, *reversed(found)]
                        if _says(c, made[case_id]) is True]
            latest[case_id] = agreeing[0] if agreeing else latest[case_id]
        latest[case_id] = next((c for c in here if c == latest[case_id]), latest[case_id])
    if latest:
        state.reserve(Booking(cases=[(case, False) for case in latest.values()]))
    return latest


def inbox_cases(cfg: Config) -> dict[str, Case]:
    """The reports in inbox/ as they stand now (read only, never written)."""
    return {case_id: found[-1] for case_id, found in _case_versions(_inbox_files(cfg),
                                                                    cfg).items()}


def _inbox_files(cfg: Config) -> list[Path]:
    """The workbooks in inbox/, oldest first."""
    if not cfg.inbox.is_dir():
        return []
    files = [p for p in cfg.inbox.iterdir() if p.is_file() and is_candidate(p)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def _case_versions(paths: list[Path], cfg: Config) -> dict[str, list[Case]]:
    """The valid reports of some workbooks by case id, every version in file order."""
    versions: dict[str, list[Case]] = {}
    for path in paths:
        try:
            validation = validate(open_intake(path.name, path.read_bytes(), cfg.batas), cfg)
        except (IntakeRejected, OSError):
            continue
        for case in validation.iter_cases():
            versions.setdefault(case.case_id, []).append(case)
    return versions


def _newest_letters(letters: Sequence[Letter]) -> dict[str, list[Letter]]:
    """The newest version of each letter found with a data hash, by case id."""
    newest: dict[tuple[object, ...], Letter] = {}
    for letter in letters:
        key = (*letter.key, letter.tahun)
        if letter.data_hash and (key not in newest or _newer(letter, newest[key])):
            newest[key] = letter
    by_case: dict[str, list[Letter]] = {}
    for letter in newest.values():
        by_case.setdefault(letter.case_id, []).append(letter)
    return by_case


def _newer(letter: Letter, than: Letter) -> bool:
    """Whether `letter` is a later version than `than` (same letter, same year): the
    higher number first — a letter moved into the other year and back took a new number
    of its first year, newer than every version of its old number — then the higher
    version."""
    return (letter.urut, letter.version) > (than.urut, than.version)


def _says(case: Case, letters: Sequence[Letter]) -> bool | None:
    """Whether a version of a report says what its letters say (None: no letter of it
    is due in the same year to compare with)."""
    due = {(d.kind.value, agency): d for d, agency in documents_due(case)}
    compared = [letter.data_hash == data_hash(case, due[(letter.doc, letter.instansi)],
                                              letter.instansi)
                for letter in letters if (letter.doc, letter.instansi) in due
                and (when := case.step_time(due[(letter.doc, letter.instansi)].step))
                and when.year == letter.tahun]
    return all(compared) if compared else None


def _current(letter: Letter, cases: dict[str, Case]) -> tuple[bool, int, int]:
    """Record order: the plan takes the letter recorded last as the newest of its case,
    document and agency. A letter moved into the other year left one in each year; the
    one of the year its report dates it now goes last, then the highest number (moved
    into the other year and back, it took a new number of its first year: the versions
    of its old number are older, whatever their version), then the highest version."""
    case = cases.get(letter.case_id)
    when = case.step_time(DOCUMENT_BY_KIND[Doc(letter.doc)].step) if case else None
    return (when is not None and when.year == letter.tahun, letter.urut, letter.version)


def _with_case(letters: list[Letter], cases: dict[str, Case]) -> list[Letter]:
    """Letters read back without their stamp (a Buku Agenda row, their text) name their
    case by the letter's year. A report across New Year (reported on 31 December, this
    letter dated in January) is the case of the year before: the one case with this
    No. Laporan whose step of this document is dated in the letter's year."""
    by_number: dict[str, list[Case]] = {}
    for case in cases.values():
        by_number.setdefault(case.case_id.split("/", 1)[-1], []).append(case)
    fixed = []
    for letter in letters:
        if letter.data_hash or letter.case_id in cases:
            fixed.append(letter)
            continue
        step = DOCUMENT_BY_KIND[Doc(letter.doc)].step
        match = [c for c in by_number.get(letter.case_id.split("/", 1)[-1], [])
                 if (when := c.step_time(step)) is not None and when.year == letter.tahun]
        fixed.append(replace(letter, case_id=match[0].case_id) if len(match) == 1 else letter)
    return fixed


def adopt(letters: list[Letter], cases: dict[str, Case]) -> tuple[list[Letter], int]:
    """Give the newest version of each letter read back without its data hash (made by an
    earlier release, or known only from a Buku Agenda row) the hash of its report as it
    stands (snapshot, else inbox/), so it is found up to date rather than made again."""
    newest: dict[tuple[object, ...], Letter] = {}
    for letter in letters:
        key = (*letter.key, letter.tahun)
        if key not in newest or _newer(letter, newest[key]):
            newest[key] = letter
    adopted: list[Letter] = []
    count = 0
    for letter in letters:
        case = cases.get(letter.case_id)
        if (letter.data_hash or case is None or newest[(*letter.key, letter.tahun)] is not letter
                or (letter.doc, letter.instansi) not in {
                    (d.kind.value, agency) for d, agency in documents_due(case)}):
            adopted.append(letter)
            continue
        doc = DOCUMENT_BY_KIND[Doc(letter.doc)]
        adopted.append(replace(letter, data_hash=data_hash(case, doc, letter.instansi)))
        count += 1
    return adopted, count


def _scan(cfg: Config, result: Rebuilt) -> list[Letter]:
    """Every letter filed, plus the Buku Agenda rows whose file is gone, one per identity
    (filing.IDENTITY: with its number — a letter moved into the other year and back has
    a version 1 of its old number and one of its new number in the same year)."""
    agenda = {row.path: row for row in agenda_rows(cfg)}
    chosen: dict[tuple[object, ...], FoundLetter] = {}
    for path in filed_letters(cfg.outbox):
        relative = path.relative_to(cfg.outbox).as_posix()
        letter = letter_from_file(cfg, path, relative, agenda.get(relative))
        if letter is None:
            result.unknown.append(relative)
            continue
        key = (*letter.letter.key, letter.letter.tahun, letter.letter.version,
               letter.letter.urut)
        if key not in chosen or letter.stamped_here:
            chosen[key] = letter
    filed = {found.letter.path for found in chosen.values()}
    taken = {(f.letter.tahun, f.letter.urut, f.letter.version) for f in chosen.values()
             if f.letter.numbered}
    # A letter whose file is gone (moved out with its year, deleted): the newest backup's
    # record first (whole: its case, data hash, withdrawn or replaced), else its Buku
    # Agenda row (whose case is guessed from the letter's year, see _with_case).
    for saved in backup_letters(cfg):
        key = (*saved.key, saved.tahun, saved.version, saved.urut)
        number = (saved.tahun, saved.urut, saved.version)
        if key not in chosen and not (saved.numbered and number in taken):
            chosen[key] = FoundLetter(replace(saved, id=0))
            taken.add(number)
            result.from_backup += 1
    for row in agenda.values():
        key = (*row.letter.key, row.letter.tahun, row.letter.version, row.letter.urut)
        number = (row.letter.tahun, row.letter.urut, row.letter.version)
        if row.path not in filed and key not in chosen and number not in taken:
            chosen[key] = row
            taken.add(number)
            result.from_agenda += 1
    result.letters = len(chosen) - result.from_agenda - result.from_backup
    return sorted((f.letter for f in chosen.values()),
                  key=lambda x: (x.tahun, x.urut, x.version, x.path))


def _agenda_numbers(cfg: Config) -> dict[int, int]:
    """The highest number each year's Buku Agenda lists (its letters may be gone)."""
    numbers: dict[int, int] = {}
    for row in agenda_rows(cfg):
        tahun = row.letter.tahun
        numbers[tahun] = max(numbers.get(tahun, 0), row.letter.urut)
    return numbers


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return sha256_bytes(path.read_bytes())
