"""The state database (SQLite, WAL): what was read, what was made, and the letter counters.

It lives outside outbox/ so that moving a year folder out of outbox/ for archiving never
breaks it: the state remembers every letter made, so an archived letter is not made again.

Exactly-once protocol for a letter (pipeline/letters.py carries it out, the numbers come
from the plan, pipeline/plan.py):
  1. `reserve` — in one transaction per chunk: record the planned letters as 'pending' with
     their numbers and raise each year's counter (refusing a gap or a repeat). Committed
     before any file is written, so a number is never given twice and the counter never skips.
  2. the file is written to a temporary name and renamed into place (atomic);
  3. `complete_all` — the letters are marked 'done' with the files' sha256.
A kill between 1 and 3 leaves 'pending' rows (and cases not 'settled'): the next run plans
those cases again and resumes the letters with the same numbers and versions.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from pipeline.model import (
    Case,
    Letter,
    LetterStatus,
    case_from_json,
    case_to_json,
    fold_no_laporan,
)
from pipeline.register_rows import (
    AGENDA_SQL,
    RECAP_SQL,
    AgendaRow,
    RecapCase,
    agenda_row,
    recap_case,
)
from pipeline.rowcache import RowCache
from pipeline.state_schema import (
    CONTENTS_TABLE,
    LETTER_COLUMNS,
    SCHEMA,
    Contents,
    insert_large,
    migrate,
    read_large,
)

__all__ = ["Booking", "Contents", "State", "case_json"]


@dataclass
class Booking:
    """What one reservation transaction records (see `State.reserve`).

    `new`: letters and new versions to record as pending (path set, id 0); `resumed`:
    pending letters brought up to date; `withdrawn`: letters no longer due; `replaced`:
    letters replaced in another year, with the new number; `cases`: case data to store,
    each with whether all its letters are now reserved (`settled`).
    """

    new: list[Letter] = field(default_factory=list)
    resumed: list[Letter] = field(default_factory=list)
    withdrawn: list[Letter] = field(default_factory=list)
    replaced: list[tuple[Letter, str]] = field(default_factory=list)
    cases: list[tuple[Case, bool]] = field(default_factory=list)


def case_json(data: dict[str, object]) -> str:
    """A case's data as stored in the `cases` table (compared to skip unchanged cases)."""
    return json.dumps(data, ensure_ascii=False)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class State:
    """The state database of one office folder; one connection, used from one thread.

    It stores records and counters; what to write is decided by pipeline.plan.
    """

    def __init__(self, path: Path | None, *, readonly: bool = False) -> None:
        self.path = path
        if path is None:  # an empty state in memory (perda run --coba without a database)
            self.db = sqlite3.connect(":memory:", isolation_level=None)
        elif readonly:
            # Without a -wal file nobody is writing: 'immutable' then creates no file at all.
            busy = path.with_name(path.name + "-wal").exists()
            self.db = sqlite3.connect(f"{path.resolve().as_uri()}?"
                                      f"{'mode=ro' if busy else 'immutable=1'}", uri=True,
                                      isolation_level=None, timeout=30)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        if not readonly:
            if path is not None:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")  # a number survives a power cut
            migrate(self.db)
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
    def previous_result(self, name: str, sha256: str, settings: str = "",
                        now: datetime | None = None) -> str | None:
        """The result of this exact file content under this name, if fully processed before
        under the same settings and not due for another look (a time then in the future)."""
        row = self.db.execute("SELECT result, settings, recheck_after FROM intake_versions "
                              "WHERE name=? AND sha256=? ORDER BY id DESC LIMIT 1",
                              (name, sha256)).fetchone()
        if row is None or row["settings"] != settings:
            return None
        if row["recheck_after"] and datetime.fromisoformat(row["recheck_after"]) <= (
                now or datetime.now()):
            return None
        return str(row["result"])

    def recheck_due(self, now: datetime | None = None) -> list[str]:
        """Files whose last version had a time then in the future that has now passed."""
        moment = (now or datetime.now()).isoformat(timespec="seconds")
        return [r[0] for r in self.db.execute(
            "SELECT name FROM intake_versions v WHERE id = (SELECT MAX(id) FROM "
            "intake_versions w WHERE w.name = v.name) AND recheck_after != '' "
            "AND recheck_after <= ? ORDER BY name", (moment,))]

    def latest_digest(self, name: str) -> str | None:
        """The sha256 of the version of `name` processed last, or None."""
        row = self.db.execute("SELECT sha256 FROM intake_versions WHERE name=? ORDER BY id DESC "
                              "LIMIT 1", (name,)).fetchone()
        return None if row is None else str(row[0])

    def held_files(self) -> dict[str, dict[str, str]]:
        """Files whose last version had rows held back by another workbook's rows (the
        cross-workbook conflict), with those workbooks and their sha256 at the time."""
        if not self._knows_holds():
            return {}
        return {r[0]: json.loads(r[1]) for r in self.db.execute(
            "SELECT name, held_by FROM intake_versions v WHERE id = (SELECT MAX(id) FROM "
            "intake_versions w WHERE w.name = v.name) AND held_by != '' ORDER BY name")}

    def held_by(self, name: str) -> dict[str, str]:
        """`held_files` for one file: the workbooks that held rows of its last version back."""
        if not self._knows_holds():
            return {}
        row = self.db.execute("SELECT held_by FROM intake_versions WHERE name=? ORDER BY id "
                              "DESC LIMIT 1", (name,)).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def _knows_holds(self) -> bool:
        """False for a database of an earlier release opened read-only (no held_by yet)."""
        return "held_by" in {r[1] for r in self.db.execute("PRAGMA table_info(intake_versions)")}

    def reports_held(self, name: str) -> set[str] | None:
        """The case ids ('<tahun>/<No. Laporan folded>') the last version of workbook `name`
        read holds (a row deleted there no longer holds its report); None when unknown."""
        try:
            row = self.db.execute("SELECT numbers FROM intake_contents WHERE name=?",
                                  (name,)).fetchone()
        except sqlite3.OperationalError:  # no such table yet
            return None
        if row is None:
            return None
        held = set()
        for key in json.loads(row[0]):
            tahun, _, number = str(key).partition("/")
            held.add(f"{tahun}/{fold_no_laporan(number)}")
        return held

    def good_rows(self, name: str, rules: str) -> set[bytes]:
        """Digests of the rows of `name` that were valid last time under the same rules."""
        row = self.db.execute("SELECT rowid FROM good_rows WHERE name=? AND rules=?",
                              (name, rules)).fetchone()
        if row is None:
            return set()
        blob = read_large(self.db, "good_rows", "digests", row[0])
        return {blob[i:i + 16] for i in range(0, len(blob), 16)}

    def row_cache(self, name: str, rules: str, known_good: set[bytes]) -> RowCache:
        """The row cache of `name` from its last processing under the same rules (only
        its rows among `known_good`), or an empty one; it records this version's."""
        try:
            row = self.db.execute("SELECT rowid, context FROM row_cache "
                                  "WHERE name=? AND rules=?", (name, rules)).fetchone()
        except sqlite3.OperationalError:  # a read-only database of an earlier release
            row = None
        if row is None or not known_good:
            return RowCache(rules)
        strings, entries = (read_large(self.db, "row_cache", column, row[0])
                            for column in ("strings", "entries"))
        return RowCache.load(rules, bytes(row["context"]), strings, entries, known_good)

    def record_intake(self, name: str, sha256: str, size: int, result: str, rows_read: int,
                      rows_with_problems: int, letters_made: int, snapshot: str,
                      good_rows: tuple[str, bytearray | list[bytes]] | None = None,
                      settings: str = "",
                      recheck_after: datetime | None = None,
                      held_by: Mapping[str, str] | None = None,
                      row_cache: RowCache | None = None) -> None:
        """Record a fully processed intake version (the last step of processing a file),
        with the digests of its good rows (`(rules fingerprint, digests)`), the other
        workbooks whose rows held some of its rows back, with their sha256 then
        (`held_by`: see `held_files`), and its row cache, which replaces the file's last
        one (None: the file has none now)."""
        with self.transaction() as db:
            if good_rows is not None:  # large blobs are written piece by piece
                insert_large(db, "good_rows", {"name": name, "rules": good_rows[0]},
                             {"digests": good_rows[1] if isinstance(good_rows[1], bytearray)
                              else b"".join(good_rows[1])})
            context, strings, entries = row_cache.dump() if row_cache else (b"", b"", b"")
            if context:
                insert_large(db, "row_cache", {"name": name, "rules": row_cache.rules
                                               if row_cache else "", "context": context},
                             {"strings": strings, "entries": entries})
            else:
                db.execute("DELETE FROM row_cache WHERE name=?", (name,))
            db.execute("INSERT INTO intake_versions (name, sha256, size, seen_at, result, "
                       "rows_read, rows_with_problems, letters_made, snapshot, settings, "
                       "recheck_after, held_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                       (name, sha256, size, _now(), result, rows_read, rows_with_problems,
                        letters_made, snapshot, settings,
                        recheck_after.isoformat(timespec="seconds") if recheck_after else "",
                        json.dumps(dict(sorted(held_by.items())), ensure_ascii=False)
                        if held_by else ""))
            self._audit(db, "intake", f"{name} {sha256[:12]} {result} "
                        f"rows={rows_read} problems={rows_with_problems} letters={letters_made}")

    # --- cases ---------------------------------------------------------------------------
    def _save_case(self, db: sqlite3.Connection, case: Case, settled: bool) -> None:
        """Store a case's last accepted data (inside the caller's transaction)."""
        db.execute("INSERT INTO cases VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(case_id) DO UPDATE "
                   "SET data=excluded.data, no_laporan=excluded.no_laporan, "
                   "source_file=excluded.source_file, source_row=excluded.source_row, "
                   "updated_at=excluded.updated_at, settled=excluded.settled",
                   (case.case_id, case.tahun, case.no_laporan, case_json(case_to_json(case)),
                    case.source_file, case.source_row, _now(), int(settled)))

    def cases(self) -> list[Case]:
        """Every case, as last accepted."""
        return [case_from_json(json.loads(r["data"])) for r in
                self.db.execute("SELECT data FROM cases ORDER BY tahun, no_laporan")]

    def each_case_of_year(self, tahun: int) -> Iterator[Case]:
        """The cases of a year in report order (Waktu Lapor, No. Laporan), one at a time."""
        rows = self.db.execute("SELECT data FROM cases WHERE tahun=? ORDER BY "
                               "json_extract(data, '$.waktu_lapor'), no_laporan", (tahun,))
        return (case_from_json(json.loads(r["data"])) for r in rows)

    def each_recap_case_of_year(self, tahun: int) -> Iterator[RecapCase]:
        """`each_case_of_year` with only the fields the recap shows (register_rows)."""
        return map(recap_case, self.db.execute(RECAP_SQL, (tahun,)))

    def case_data(self, case_ids: set[str]) -> dict[str, dict[str, object]]:
        """The stored data of some cases, by case_id."""
        found = {}
        for case_id in case_ids:
            row = self.db.execute("SELECT data FROM cases WHERE case_id=?", (case_id,)).fetchone()
            if row:
                found[case_id] = json.loads(row["data"])
        return found

    def stored_case(self, case_id: str) -> str | None:
        """A case's stored data as `case_json` wrote it, once all its letters were reserved."""
        row = self.db.execute("SELECT data FROM cases WHERE case_id=? AND settled=1",
                              (case_id,)).fetchone()
        return row["data"] if row else None

    def case_source(self, case_id: str) -> tuple[str, int, str] | None:
        """(file, row, data JSON) of the version of a case last accepted, or None."""
        row = self.db.execute("SELECT source_file, source_row, data FROM cases WHERE case_id=?",
                              (case_id,)).fetchone()
        return None if row is None else (row["source_file"], row["source_row"], row["data"])

    def unsettled_cases(self) -> list[Case]:
        """Cases whose letters were being reserved when a run stopped."""
        return [case_from_json(json.loads(r["data"])) for r in
                self.db.execute("SELECT data FROM cases WHERE settled=0 ORDER BY case_id")]

    def pending_cases(self) -> set[str]:
        """The cases that have a letter reserved but not yet in place."""
        return {r[0] for r in self.db.execute(
            "SELECT DISTINCT case_id FROM letters WHERE status='pending'")}

    # --- letters -------------------------------------------------------------------------
    def counters(self) -> dict[int, int]:
        """The last number given in each year."""
        return {int(r[0]): int(r[1]) for r in self.db.execute("SELECT tahun, last FROM counters")}

    def letters_of_cases(self, case_ids: set[str]) -> dict[str, list[Letter]]:
        """The newest version of every letter of some cases (what the plan compares with)."""
        found: dict[str, list[Letter]] = {case_id: [] for case_id in case_ids}
        for case_id in case_ids:
            rows = self.db.execute(
                "SELECT * FROM letters l WHERE case_id=? AND id = (SELECT MAX(id) FROM letters "
                "m WHERE m.case_id=l.case_id AND m.doc=l.doc AND m.instansi=l.instansi) "
                "ORDER BY id", (case_id,))
            found[case_id] = [_letter(r) for r in rows]
        return found

    def letters_at(self, path: str) -> list[tuple[object, ...]]:
        """The identity (filing.IDENTITY: case_id, doc, instansi, tahun, version, urut) of
        every letter recorded at one place under outbox/."""
        return [tuple(r) for r in self.db.execute(
            "SELECT case_id, doc, instansi, tahun, version, urut FROM letters WHERE path=?",
            (path,))]

    def latest_letter(self, case_id: str, doc: str, instansi: str) -> Letter | None:
        """The newest version of one letter, or None if it was never made."""
        row = self.db.execute("SELECT * FROM letters WHERE case_id=? AND doc=? AND instansi=? "
                              "ORDER BY id DESC LIMIT 1", (case_id, doc, instansi)).fetchone()
        return None if row is None else _letter(row)

    def reserve(self, booking: Booking) -> list[Letter]:
        """Record, in one transaction, what a part of the plan decided; return the letters
        to write now (new ones as pending, with their ids, and the resumed ones).

        The numbers of new letters must continue each year's counter without a gap, in
        order: the counter is raised to the last of them.
        """
        reserved: list[Letter] = []
        with self.transaction() as db:
            self._check_numbers(db, booking.new)
            for case, settled in booking.cases:
                self._save_case(db, case, settled)
            for letter in booking.new:
                cur = db.execute(f"INSERT INTO letters ({', '.join(LETTER_COLUMNS)}) "
                                 f"VALUES ({', '.join('?' * len(LETTER_COLUMNS))})",
                                 _values(replace(letter, status=LetterStatus.pending)))
                reserved.append(replace(letter, id=cur.lastrowid or 0,
                                        status=LetterStatus.pending))
            for letter in booking.resumed:
                db.execute("UPDATE letters SET data_hash=?, tanggal=?, hal=?, tujuan=?, "
                           "no_laporan=?, path=? WHERE id=? AND status='pending'",
                           (letter.data_hash, letter.tanggal.isoformat(), letter.hal,
                            letter.tujuan, letter.no_laporan, letter.path, letter.id))
                reserved.append(letter)
            for letter in booking.withdrawn:  # a pending one never gets a file: done as is
                db.execute("UPDATE letters SET ditarik=1, status='done' WHERE id=?",
                           (letter.id,))
                self._audit(db, "withdrawn", f"{letter.nomor} {letter.case_id} {letter.doc}")
            for letter, nomor in booking.replaced:
                db.execute("UPDATE letters SET diganti=? WHERE id=?", (nomor, letter.id))
                self._audit(db, "replaced", f"{letter.nomor} by {nomor}")
        return reserved

    def _check_numbers(self, db: sqlite3.Connection, new: Sequence[Letter]) -> None:
        """Raise each year's counter over the new numbers, refusing a gap or a repeat."""
        by_year: dict[int, list[int]] = {}
        for letter in new:
            if letter.numbered and letter.version == 1:
                by_year.setdefault(letter.tahun, []).append(letter.urut)
        for tahun, numbers in by_year.items():
            row = db.execute("SELECT last FROM counters WHERE tahun=?", (tahun,)).fetchone()
            last = int(row[0]) if row else 0
            if numbers != list(range(last + 1, last + 1 + len(numbers))):
                raise RuntimeError(f"numbers of {tahun} out of order: after {last} came "
                                   f"{numbers[:5]}")  # a bug in the plan, never in data
            db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(tahun) DO UPDATE "
                       "SET last=excluded.last", (tahun, numbers[-1]))

    def complete_all(self, made: Sequence[tuple[Letter, str]]) -> None:
        """Mark reserved letters as made (their files are in place), with their sha256."""
        now = _now()  # one statement each for the whole list (a backlog: 1,600 letters)
        with self.transaction() as db:
            db.executemany("UPDATE letters SET status='done', sha256=?, made_at=? WHERE id=?",
                           [(sha256, now, letter.id) for letter, sha256 in made])
            db.executemany(_AUDIT, [(now, "letter",
                                     f"{letter.nomor} v{letter.version} {letter.path}")
                                    for letter, _ in made])

    def record_letters(self, letters: Sequence[Letter]) -> None:
        """Record letters found already filed (perda pulihkan), raising the counters to
        their numbers; nothing is written to outbox/."""
        with self.transaction() as db:
            for letter in letters:
                db.execute(f"INSERT INTO letters ({', '.join(LETTER_COLUMNS)}) "
                           f"VALUES ({', '.join('?' * len(LETTER_COLUMNS))})", _values(letter))
                if letter.numbered:
                    db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(tahun) DO UPDATE "
                               "SET last=MAX(last, excluded.last)", (letter.tahun, letter.urut))
            self._audit(db, "restored", f"{len(letters)} letters")

    def set_counter(self, tahun: int, last: int) -> None:
        """Set a year's last number (perda pulihkan: never lowered)."""
        with self.transaction() as db:
            db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(tahun) DO UPDATE "
                       "SET last=MAX(last, excluded.last)", (tahun, last))

    def letters_of_year(self, tahun: int) -> list[Letter]:
        """The Buku Agenda's rows: the newest made version of every number of a year."""
        return list(self.each_letter_of_year(tahun))

    def each_letter_of_year(self, tahun: int) -> Iterator[Letter]:
        """`letters_of_year` one row at a time (the Buku Agenda of any size)."""
        rows = self.db.execute(
            "SELECT * FROM letters l WHERE tahun=? AND urut > 0 AND status='done' AND "
            "version = (SELECT MAX(version) FROM letters m WHERE m.tahun=l.tahun "
            "AND m.urut=l.urut AND m.status='done') ORDER BY urut", (tahun,))
        return map(_letter, rows)

    def each_agenda_row_of_year(self, tahun: int) -> Iterator[AgendaRow]:
        """`each_letter_of_year` with only the fields the Buku Agenda shows (register_rows)."""
        return map(agenda_row, self.db.execute(AGENDA_SQL, (tahun,)))

    def all_letters(self) -> list[Letter]:
        """Every recorded letter, every version, in the order recorded."""
        return [_letter(r) for r in self.db.execute("SELECT * FROM letters ORDER BY id")]

    def letter_years(self) -> dict[int, datetime]:
        """Every year with made numbered letters, and when its newest letter was made."""
        rows = self.db.execute("SELECT tahun, MAX(made_at) AS last FROM letters "
                               "WHERE status='done' AND urut > 0 AND made_at != '' "
                               "GROUP BY tahun")
        return {int(r["tahun"]): datetime.fromisoformat(r["last"]) for r in rows}

    def case_years(self) -> dict[int, datetime]:
        """Every year with cases, and when its newest case was stored (recap catch-up)."""
        rows = self.db.execute("SELECT tahun, MAX(updated_at) AS last FROM cases "
                               "WHERE updated_at != '' GROUP BY tahun")
        return {int(r["tahun"]): datetime.fromisoformat(r["last"]) for r in rows}

    def made_letter_paths(self) -> list[str]:
        """The outbox path of every letter made (every version)."""
        return [r["path"] for r in self.db.execute(
            "SELECT path FROM letters WHERE status='done' AND path != '' ORDER BY id")]

    def made_letter_paths_before(self, before: int | None, limit: int
                                 ) -> list[tuple[int, str]]:
        """(id, outbox path) of up to `limit` made letters older than id `before` (None:
        from the newest), the newest first: one page of a walk over every letter."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT id, path FROM letters WHERE status='done' AND id < ? ORDER BY id DESC "
            "LIMIT ?", (before if before is not None else 1 << 62, limit))]

    def pending_letters(self) -> list[Letter]:
        """Letters reserved but not yet in place (a run was stopped, a write failed)."""
        return [_letter(r) for r in self.db.execute(
            "SELECT * FROM letters WHERE status='pending' ORDER BY id")]

    # --- what each workbook holds now (perda status, the recap) --------------------------
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

    def _audit(self, db: sqlite3.Connection, event: str, detail: str) -> None:
        db.execute(_AUDIT, (_now(), event, detail))


_AUDIT = "INSERT INTO audit (at, event, detail) VALUES (?,?,?)"


def _values(letter: Letter) -> tuple[object, ...]:
    """A letter's column values in `LETTER_COLUMNS` order."""
    data = {name: getattr(letter, name) for name in LETTER_COLUMNS}
    data["tanggal"] = letter.tanggal.isoformat()
    data["made_at"] = letter.made_at.isoformat(timespec="seconds") if letter.made_at else ""
    data["status"] = str(letter.status)
    data["ditarik"] = int(letter.ditarik)
    return tuple(data[name] for name in LETTER_COLUMNS)


def _letter(row: sqlite3.Row) -> Letter:
    """A letters row as a Letter."""
    keys = row.keys()
    return Letter(
        case_id=row["case_id"],
        no_laporan=row["no_laporan"] or row["case_id"].split("/", 1)[-1],
        doc=row["doc"], step=row["step"], instansi=row["instansi"], nomor=row["nomor"],
        urut=row["urut"], tahun=row["tahun"], tanggal=datetime.fromisoformat(row["tanggal"]),
        hal=row["hal"], tujuan=row["tujuan"], path=row["path"], version=row["version"],
        data_hash=row["data_hash"], status=LetterStatus(row["status"]), sha256=row["sha256"],
        made_at=datetime.fromisoformat(row["made_at"]) if row["made_at"] else None,
        diganti=row["diganti"] if "diganti" in keys else "",
        ditarik=bool(row["ditarik"]) if "ditarik" in keys else False, id=row["id"])
