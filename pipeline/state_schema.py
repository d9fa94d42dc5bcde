"""The state database's tables and small records, and bringing a database of an earlier
release up to date."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from pipeline.model import fold_no_laporan

_LETTERS_TABLE = """
CREATE TABLE IF NOT EXISTS letters (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,         -- '<tahun>/<No. Laporan folded>'
    no_laporan TEXT NOT NULL DEFAULT '',  -- as typed
    doc TEXT NOT NULL,
    instansi TEXT NOT NULL,        -- the agency of a step-4 letter, '' otherwise
    version INTEGER NOT NULL,      -- 1, 2, … under one number
    data_hash TEXT NOT NULL,       -- what the letter says, less its number
    tahun INTEGER NOT NULL,        -- the year of its number, folder and Buku Agenda
    urut INTEGER NOT NULL,         -- 0: an unnumbered document
    nomor TEXT NOT NULL,
    step INTEGER NOT NULL,
    tanggal TEXT NOT NULL,
    hal TEXT NOT NULL,
    tujuan TEXT NOT NULL,
    path TEXT NOT NULL,            -- relative to outbox/, '/' separated
    status TEXT NOT NULL,          -- 'pending' until the file is in place, then 'done'
    sha256 TEXT NOT NULL DEFAULT '',
    made_at TEXT NOT NULL DEFAULT '',
    diganti TEXT NOT NULL DEFAULT '',   -- number of the letter replacing it in another year
    ditarik INTEGER NOT NULL DEFAULT 0  -- 1: withdrawn, no longer due
);
"""
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
    snapshot TEXT NOT NULL,        -- the copy kept under state/snapshots/
    settings TEXT NOT NULL DEFAULT '',  -- config fingerprint the result was reached under
    recheck_after TEXT NOT NULL DEFAULT '',  -- look again from then (a time in the future)
    held_by TEXT NOT NULL DEFAULT ''  -- JSON {other file: its sha256}: rows held by a conflict
);
CREATE INDEX IF NOT EXISTS intake_by_name ON intake_versions (name, sha256);
CREATE TABLE IF NOT EXISTS cases (
    case_id TEXT PRIMARY KEY,      -- '<tahun>/<No. Laporan>'
    tahun INTEGER NOT NULL,
    no_laporan TEXT NOT NULL,
    data TEXT NOT NULL,            -- the last accepted row, JSON
    source_file TEXT NOT NULL,
    source_row INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    settled INTEGER NOT NULL DEFAULT 1  -- 0 while some of its letters are not reserved yet
);
""" + _LETTERS_TABLE + """
CREATE INDEX IF NOT EXISTS letters_by_case ON letters (case_id, doc, instansi);
CREATE INDEX IF NOT EXISTS letters_by_year ON letters (tahun, urut);
CREATE INDEX IF NOT EXISTS letters_by_path ON letters (path);  -- who holds a place (places.py)
CREATE UNIQUE INDEX IF NOT EXISTS one_number_one_letter ON letters (tahun, urut, version)
    WHERE urut > 0;
CREATE TABLE IF NOT EXISTS good_rows (
    name TEXT PRIMARY KEY,         -- the intake file's name
    rules TEXT NOT NULL,           -- rules fingerprint when the digests were taken
    digests BLOB NOT NULL          -- 16-byte digests of its rows that had no problem
);
CREATE TABLE IF NOT EXISTS row_cache (
    name TEXT PRIMARY KEY,         -- the intake file's name
    rules TEXT NOT NULL,           -- rules fingerprint when the rows were recorded
    context BLOB NOT NULL,         -- digest of what rows depend on (pipeline/rowcache.py)
    strings BLOB NOT NULL,         -- 8-byte digests of its shared strings, by index
    entries BLOB NOT NULL          -- its good rows: slice digest, row digest, row, year, number
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


LETTER_COLUMNS = ("case_id", "no_laporan", "doc", "instansi", "version", "data_hash", "tahun",
                   "urut", "nomor", "step", "tanggal", "hal", "tujuan", "path", "status",
                   "sha256", "made_at", "diganti", "ditarik")
@dataclass(frozen=True)
class Contents:
    """What a workbook holds now: its report numbers and the rows waiting for correction.

    `rejected`: its latest version was refused whole (the rest is from the one before).
    """

    numbers: frozenset[str]
    problem_rows: tuple[int, ...]
    rows_with_problems: int
    rejected: bool = False


CONTENTS_TABLE = """CREATE TABLE IF NOT EXISTS intake_contents (
    name TEXT PRIMARY KEY, numbers TEXT NOT NULL, problem_rows TEXT NOT NULL,
    rows_with_problems INTEGER NOT NULL)"""
_ADDED_COLUMNS = {  # columns newer than the first released schema: (table, column, type)
    ("intake_versions", "settings", "TEXT NOT NULL DEFAULT ''"),
    ("intake_versions", "recheck_after", "TEXT NOT NULL DEFAULT ''"),
    ("intake_versions", "held_by", "TEXT NOT NULL DEFAULT ''"),
    ("cases", "settled", "INTEGER NOT NULL DEFAULT 1"),
}


_ADDED_TABLES = {  # tables newer than the first released schema, made by SCHEMA itself
    "row_cache",  # the row cache of issue 13: empty at first, so every file is read whole
}


def migrate(db: sqlite3.Connection) -> None:
    """Bring a database of an earlier release to the current schema, keeping its data.

    New tables (`_ADDED_TABLES`) need nothing here: SCHEMA creates them if missing.
    """
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for table, column, kind in sorted(_ADDED_COLUMNS):
        if table in tables and column not in _columns(db, table):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    if "letters" in tables and "diganti" not in _columns(db, "letters"):
        # The first schema had UNIQUE (case_id, doc, instansi, version): a letter moved to
        # another year (version 1 there) needs "one number, one letter" instead.
        old = _columns(db, "letters")
        with _transaction(db):
            db.execute("ALTER TABLE letters RENAME TO letters_old")
            db.execute(_LETTERS_TABLE)
            shared = ", ".join(c for c in ("id", *LETTER_COLUMNS) if c in old)
            db.execute(f"INSERT INTO letters ({shared}) SELECT {shared} FROM letters_old")
            db.execute("DROP TABLE letters_old")
            db.execute("UPDATE letters SET no_laporan = substr(case_id, instr(case_id, '/') + 1) "
                       "WHERE no_laporan = ''")
        _fold_case_ids(db, tables)


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def _fold_case_ids(db: sqlite3.Connection, tables: set[str]) -> None:
    """Case ids of an earlier release kept the number as typed: fold them."""
    db.create_function("fold_id", 1, _fold_case_id, deterministic=True)
    with _transaction(db):
        db.execute("UPDATE letters SET case_id = fold_id(case_id)")
        if "cases" in tables:
            db.execute("UPDATE OR IGNORE cases SET case_id = fold_id(case_id)")


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _fold_case_id(case_id: str) -> str:
    tahun, _, number = case_id.partition("/")
    return f"{tahun}/{fold_no_laporan(number)}"


BLOB_PIECE = 1 << 20  # bytes moved at a time in and out of a large blob


def insert_large(db: sqlite3.Connection, table: str, row: Mapping[str, object],
                 large: Mapping[str, bytes | bytearray | memoryview]) -> None:
    """INSERT OR REPLACE a row whose `large` blob columns are written piece by piece
    (SQLite's incremental blob I/O) into blobs of zeros the size of each.

    Bound as parameters, a blob is copied whole by SQLite and again into the record it
    builds: for the row cache of a 200,000-row workbook (15 MB) that was a 30 MB peak at
    the very end of a run. Here SQLite only ever holds a piece of it.
    """
    columns = [*row, *large]
    marks = ["?"] * len(row) + ["zeroblob(?)"] * len(large)
    values = [*row.values(), *(len(data) for data in large.values())]
    rowid = db.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) "
                       f"VALUES ({', '.join(marks)})", values).lastrowid
    assert rowid is not None  # the row just inserted
    for column, data in large.items():
        if not len(data):
            continue
        view = memoryview(data).cast("B")
        with db.blobopen(table, column, rowid) as blob:
            for at in range(0, len(view), BLOB_PIECE):
                blob.write(view[at:at + BLOB_PIECE])


def read_large(db: sqlite3.Connection, table: str, column: str, rowid: int) -> bytes:
    """A large blob read straight into one bytes object (not first into SQLite's memory)."""
    with db.blobopen(table, column, rowid, readonly=True) as blob:
        return blob.read()
