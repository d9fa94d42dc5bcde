"""The state database (SQLite, WAL): what was read, what was made, and the letter counters.

It lives outside outbox/ so that moving a year folder out of outbox/ for archiving never
breaks it: the state remembers every letter made, so an archived letter is not made again.

Exactly-once protocol for a letter (see filing.py for the file side):
  1. `reserve` — in one transaction: take the next number of the year (or keep the number
     of an earlier version) and record the letter as 'pending'. Committed before any file
     is written, so a number is never given twice and the counter never skips.
  2. the file is written to a temporary name and renamed into place (atomic);
  3. `complete` — the letter is marked 'done' with the file's sha256.
A kill between 1 and 3 leaves a 'pending' row: the next run makes that letter again with the
same number and version, replacing any file half-made — never a second number.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from pipeline.model import Case, case_from_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS intake_versions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,            -- the intake file's name in inbox/
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    seen_at TEXT NOT NULL,
    result TEXT NOT NULL,          -- 'ok', 'problems' or 'rejected'
    rows_read INTEGER NOT NULL,
    rows_with_problems INTEGER NOT NULL,
    letters_made INTEGER NOT NULL,
    snapshot TEXT NOT NULL         -- the copy kept under state/snapshots/
);
CREATE INDEX IF NOT EXISTS intake_by_name ON intake_versions (name, sha256);
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,      -- '<tahun>/<No. Laporan>'
    tahun INTEGER NOT NULL,
    no_laporan TEXT NOT NULL,
    data TEXT NOT NULL,            -- the last accepted row, JSON
    source_file TEXT NOT NULL,
    source_row INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS letters (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,
    doc TEXT NOT NULL,
    instansi TEXT NOT NULL,        -- the agency of a step-4 letter, '' otherwise
    version INTEGER NOT NULL,
    data_hash TEXT NOT NULL,       -- what the letter says, less its number
    tahun INTEGER NOT NULL,
    urut INTEGER NOT NULL,
    nomor TEXT NOT NULL,
    step INTEGER NOT NULL,
    tanggal TEXT NOT NULL,
    hal TEXT NOT NULL,
    tujuan TEXT NOT NULL,
    path TEXT NOT NULL,            -- relative to outbox/, '/' separated
    status TEXT NOT NULL,          -- 'pending' until the file is in place, then 'done'
    sha256 TEXT NOT NULL DEFAULT '',
    made_at TEXT NOT NULL DEFAULT '',
    UNIQUE (case_id, doc, instansi, version)
);
CREATE INDEX IF NOT EXISTS letters_by_year ON letters (tahun, urut);
CREATE TABLE IF NOT EXISTS good_rows (
    name TEXT PRIMARY KEY,         -- the intake file's name
    rules TEXT NOT NULL,           -- validate.rules_fingerprint when the digests were taken
    digests BLOB NOT NULL          -- 16-byte digests of its rows that had no problem
);
CREATE TABLE IF NOT EXISTS counters (
    tahun INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class LetterRow:
    """A letter as the state records it."""

    id: int
    case_id: str
    doc: str
    instansi: str
    version: int
    data_hash: str
    tahun: int
    urut: int
    nomor: str
    step: int
    tanggal: str
    hal: str
    tujuan: str
    path: str
    status: str
    sha256: str


CONTENTS_TABLE = """CREATE TABLE IF NOT EXISTS intake_contents (
    name TEXT PRIMARY KEY, numbers TEXT NOT NULL, problem_rows TEXT NOT NULL,
    rows_with_problems INTEGER NOT NULL)"""


@dataclass(frozen=True)
class Contents:
    """What a workbook holds now: its report numbers and the rows waiting for correction.

    `rejected`: its latest version was refused whole (the rest is from the one before).
    """

    numbers: frozenset[str]
    problem_rows: tuple[int, ...]
    rows_with_problems: int
    rejected: bool = False


@dataclass(frozen=True)
class Reservation:
    """A letter that is due: what it is, what it says (hashed), and how to number and file it.

    `nomor_for(urut)` formats the letter number; `path_for(version)` gives its outbox path.
    """

    case_id: str
    doc: str
    instansi: str
    data_hash: str
    step: int
    tanggal: datetime
    hal: str
    tujuan: str
    nomor_for: Callable[[int], str]
    path_for: Callable[[int], str]


def case_json(data: dict[str, object]) -> str:
    """A case's data as stored in the `cases` table (compared to skip unchanged cases)."""
    return json.dumps(data, ensure_ascii=False)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class State:
    """The state database of one office folder; one connection, used from one thread."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a reserved number survives a power cut
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- intake versions ---------------------------------------------------------------
    def previous_result(self, name: str, sha256: str) -> str | None:
        """The result of this exact file content under this name, if fully processed before."""
        row = self.db.execute("SELECT result FROM intake_versions WHERE name=? AND sha256=? "
                              "ORDER BY id DESC LIMIT 1", (name, sha256)).fetchone()
        return None if row is None else str(row["result"])

    def good_rows(self, name: str, rules: str) -> set[bytes]:
        """Digests of the rows of `name` that were valid last time under the same rules."""
        row = self.db.execute("SELECT digests FROM good_rows WHERE name=? AND rules=?",
                              (name, rules)).fetchone()
        if row is None:
            return set()
        blob = bytes(row["digests"])
        return {blob[i:i + 16] for i in range(0, len(blob), 16)}

    def record_intake(self, name: str, sha256: str, size: int, result: str, rows_read: int,
                      rows_with_problems: int, letters_made: int, snapshot: str,
                      good_rows: tuple[str, list[bytes]] | None = None) -> None:
        """Record a fully processed intake version (the last step of processing a file),
        with the digests of its good rows (`(rules fingerprint, digests)`)."""
        with self.transaction() as db:
            if good_rows is not None:
                db.execute("INSERT OR REPLACE INTO good_rows VALUES (?,?,?)",
                           (name, good_rows[0], b"".join(good_rows[1])))
            db.execute("INSERT INTO intake_versions (name, sha256, size, seen_at, result, "
                       "rows_read, rows_with_problems, letters_made, snapshot) "
                       "VALUES (?,?,?,?,?,?,?,?,?)",
                       (name, sha256, size, _now(), result, rows_read, rows_with_problems,
                        letters_made, snapshot))
            self._audit(db, "intake", f"{name} {sha256[:12]} {result} "
                        f"rows={rows_read} problems={rows_with_problems} letters={letters_made}")

    # --- cases ---------------------------------------------------------------------------
    def _save_case(self, db: sqlite3.Connection, case_id: str, tahun: int, no_laporan: str,
                   data: dict[str, object]) -> None:
        """Store a case's last accepted data (inside the caller's transaction)."""
        db.execute("INSERT INTO cases VALUES (?,?,?,?,?,?,?) ON CONFLICT(case_id) DO UPDATE "
                   "SET data=excluded.data, source_file=excluded.source_file, "
                   "source_row=excluded.source_row, updated_at=excluded.updated_at",
                   (case_id, tahun, no_laporan, case_json(data),
                    data.get("source_file", ""), data.get("source_row", 0), _now()))

    def cases(self) -> list[Case]:
        """Every case, as last accepted."""
        return [case_from_json(json.loads(r["data"])) for r in
                self.db.execute("SELECT data FROM cases ORDER BY tahun, no_laporan")]

    def each_case_of_year(self, tahun: int) -> Iterator[Case]:
        """The cases of a year in report order (Waktu Lapor, No. Laporan), one at a time:
        SQLite sorts on disk, so the recap of any size is written in little memory."""
        rows = self.db.execute("SELECT data FROM cases WHERE tahun=? ORDER BY "
                               "json_extract(data, '$.waktu_lapor'), no_laporan", (tahun,))
        return (case_from_json(json.loads(r["data"])) for r in rows)

    def case_data(self, case_ids: set[str]) -> dict[str, dict[str, object]]:
        """The stored data of some cases, by case_id."""
        found = {}
        for case_id in case_ids:
            row = self.db.execute("SELECT data FROM cases WHERE case_id=?", (case_id,)).fetchone()
            if row:
                found[case_id] = json.loads(row["data"])
        return found

    # --- letters -------------------------------------------------------------------------
    def latest_letter(self, case_id: str, doc: str, instansi: str) -> LetterRow | None:
        """The newest version of one letter, or None if it was never made."""
        row = self.db.execute("SELECT * FROM letters WHERE case_id=? AND doc=? AND instansi=? "
                              "ORDER BY version DESC LIMIT 1",
                              (case_id, doc, instansi)).fetchone()
        return _letter(row)

    def reserve_cases(self, batch: Sequence[tuple[list[Reservation],
                                                  tuple[str, int, str, dict[str, object]] | None]]
                      ) -> list[LetterRow]:
        """Reserve, in one transaction, every letter of many cases that must be made now,
        storing each case's data (case_id, tahun, no_laporan, data) in the same transaction.

        A letter whose newest made version says the same is skipped. A pending version is
        reused (its data brought up to date); a changed letter gets a new version with the
        number of the first one; a new letter takes the next number of its year.
        """
        reserved = []
        with self.transaction() as db:
            for requests, case in batch:
                if case is not None:
                    self._save_case(db, *case)
                for request in requests:
                    row = self._reserve(db, request)
                    if row is not None:
                        reserved.append(row)
        return reserved

    def stored_case(self, case_id: str) -> str | None:
        """A case's stored data as the JSON text `_save_case` wrote, or None."""
        row = self.db.execute("SELECT data FROM cases WHERE case_id=?", (case_id,)).fetchone()
        return row["data"] if row else None

    def pending_cases(self) -> set[str]:
        """The cases that have a letter reserved but not yet in place."""
        return {r[0] for r in self.db.execute(
            "SELECT DISTINCT case_id FROM letters WHERE status='pending'")}

    def _reserve(self, db: sqlite3.Connection, r: Reservation) -> LetterRow | None:
        latest = self.latest_letter(r.case_id, r.doc, r.instansi)
        if latest and latest.status == "done" and latest.data_hash == r.data_hash:
            return None
        if latest and latest.status == "pending":
            db.execute("UPDATE letters SET data_hash=?, tanggal=?, hal=?, tujuan=? WHERE id=?",
                       (r.data_hash, r.tanggal.isoformat(), r.hal, r.tujuan, latest.id))
            return self._letter_by_id(latest.id)
        if latest:
            version, urut, nomor, tahun = (latest.version + 1, latest.urut, latest.nomor,
                                           latest.tahun)
        else:
            version, tahun = 1, r.tanggal.year
            urut = self._next_number(db, tahun)
            nomor = r.nomor_for(urut)
        cur = db.execute(
            "INSERT INTO letters (case_id, doc, instansi, version, data_hash, tahun, urut, "
            "nomor, step, tanggal, hal, tujuan, path, status) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?, 'pending')",
            (r.case_id, r.doc, r.instansi, version, r.data_hash, tahun, urut, nomor, r.step,
             r.tanggal.isoformat(), r.hal, r.tujuan, r.path_for(version)))
        return self._letter_by_id(cur.lastrowid)

    def _next_number(self, db: sqlite3.Connection, tahun: int) -> int:
        db.execute("INSERT INTO counters VALUES (?, 0) ON CONFLICT(tahun) DO NOTHING", (tahun,))
        db.execute("UPDATE counters SET last = last + 1 WHERE tahun=?", (tahun,))
        return db.execute("SELECT last FROM counters WHERE tahun=?", (tahun,)).fetchone()[0]

    def complete_all(self, made: list[tuple[LetterRow, str]]) -> None:
        """Mark reserved letters as made (their files are in place), with their sha256."""
        with self.transaction() as db:
            for row, sha256 in made:
                db.execute("UPDATE letters SET status='done', sha256=?, made_at=? WHERE id=?",
                           (sha256, _now(), row.id))
                self._audit(db, "letter", f"{row.nomor} v{row.version} {row.path}")

    def _letter_by_id(self, letter_id: int | None) -> LetterRow | None:
        return _letter(self.db.execute("SELECT * FROM letters WHERE id=?",
                                       (letter_id,)).fetchone())

    def letters_of_year(self, tahun: int) -> list[LetterRow]:
        """The newest made version of every numbered letter of a year, by number."""
        return list(self.each_letter_of_year(tahun))

    def each_letter_of_year(self, tahun: int) -> Iterator[LetterRow]:
        """`letters_of_year` one row at a time (the Buku Agenda of any size)."""
        rows = self.db.execute(
            "SELECT * FROM letters l WHERE tahun=? AND status='done' AND version = ("
            "SELECT MAX(version) FROM letters m WHERE m.case_id=l.case_id AND m.doc=l.doc "
            "AND m.instansi=l.instansi AND m.status='done') ORDER BY urut", (tahun,))
        return (r for r in map(_letter, rows) if r)

    def letter_years(self) -> dict[int, datetime]:
        """Every year with made letters, and when its newest letter was made."""
        rows = self.db.execute("SELECT tahun, MAX(made_at) AS last FROM letters "
                               "WHERE status='done' GROUP BY tahun")
        return {int(r["tahun"]): datetime.fromisoformat(r["last"]) for r in rows}

    def made_letter_paths(self) -> list[str]:
        """The outbox path of every letter made (every version)."""
        return [r["path"] for r in self.db.execute(
            "SELECT path FROM letters WHERE status='done' ORDER BY id")]

    def made_letter_paths_before(self, before: int | None, limit: int
                                 ) -> list[tuple[int, str]]:
        """(id, outbox path) of up to `limit` made letters older than id `before` (None:
        from the newest), the newest first: one page of a walk over every letter."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT id, path FROM letters WHERE status='done' AND id < ? ORDER BY id DESC "
            "LIMIT ?", (before if before is not None else 1 << 62, limit))]

    def pending_letters(self) -> list[LetterRow]:
        """Letters reserved but not yet in place (a run was stopped half-way)."""
        return [r for r in map(_letter, self.db.execute(
            "SELECT * FROM letters WHERE status='pending' ORDER BY id")) if r]

    def _audit(self, db: sqlite3.Connection, event: str, detail: str) -> None:
        db.execute("INSERT INTO audit (at, event, detail) VALUES (?,?,?)",
                   (_now(), event, detail))

    # --- what each workbook holds now (perda status, the recap) --------------------------
    # Kept apart from the tables above: its own table, created on first use.

    def record_contents(self, name: str, numbers: set[str], problem_rows: list[int],
                        rows_with_problems: int) -> None:
        """Note the report numbers ('<tahun>/<no. laporan casefolded>') a version of `name`
        holds, and its rows waiting for correction (as Excel numbers them)."""
        with self.transaction() as db:
            db.execute(CONTENTS_TABLE)
            db.execute("INSERT OR REPLACE INTO intake_contents VALUES (?,?,?,?)",
                       (name, json.dumps(sorted(numbers), ensure_ascii=False),
                        json.dumps(problem_rows), rows_with_problems))

    def contents(self) -> dict[str, Contents]:
        """What the last good-enough version of each workbook held, by file name."""
        self.db.execute(CONTENTS_TABLE)
        found = {}
        for r in self.db.execute("SELECT * FROM intake_contents ORDER BY name"):
            found[r["name"]] = Contents(frozenset(json.loads(r["numbers"])),
                                        tuple(json.loads(r["problem_rows"])),
                                        int(r["rows_with_problems"]))
        for r in self.db.execute("SELECT name, result FROM intake_versions WHERE id IN "
                                 "(SELECT MAX(id) FROM intake_versions GROUP BY name)"):
            if r["result"] == "rejected" and r["name"] in found:
                found[r["name"]] = replace(found[r["name"]], rejected=True)
            elif r["result"] == "rejected":
                found[r["name"]] = Contents(frozenset(), (), 0, rejected=True)
        return found


def _letter(row: sqlite3.Row | None) -> LetterRow | None:
    if row is None:
        return None
    return LetterRow(**{k: row[k] for k in LetterRow.__dataclass_fields__})
