"""Weeks of staff work, as a seeded random walk: the outbox is an archive that never
loses a record.

The walk drives the real `perda run` (pipeline.cli.main, the function the console script
calls) on real .xlsx workbooks in inbox/, interleaved with what people do to the folders:
rows added, steps filled, fields corrected (names, agencies, the way the reporter is told,
the times — across New Year, moving a case or a single letter into the other year), No.
Laporan changed (to one that files alike, too), rows deleted, workbooks renamed, copied
into a second workbook (a conflict) and deleted; year folders moved out (archiving), letter
files renamed or deleted, a clerk's own file put where a letter will go; the state database
deleted, emptied, damaged or copied back from an older backup, and rebuilt with `perda
pulihkan`; `perda terbitkan-ulang`; `perda run --coba` (which must write nothing);
config.toml switched between placeholders (drafts) and real values (numbered letters).

After every action a `Ledger` of everything that was ever under outbox/ checks:

1. no file ever seen under outbox/ (letters, drafts, SMS texts, a clerk's files; not the
   registers and problem reports, which the pipeline rewrites by design) has its bytes
   changed or is removed by the pipeline. The one exception the product allows
   (filing.may_replace: "an earlier state of the very same letter", same case, document,
   agency, year, version and number by its stamp, or the sha256 the state recorded for a
   letter still pending) only arises after a kill or a failed write; this walk kills
   nothing, so it is not allowed for letters here. Drafts are replaced by drafts of the
   same letter (README: "drafts replace drafts"), checked by their stamps;
2. each letter number, read back from the letter's text, belongs to one letter (case,
   document, agency, year) for ever, and a letter keeps its number in all its versions;
   each version of a letter is filed once;
3. the number's year, the folder's year and the Buku Agenda's year agree;
4. per year, the numbers ever seen (letters and Buku Agenda rows) are 1..N: no
   duplicates, no gaps;
5. the workbooks in inbox/ are byte for byte what staff saved, and none is moved.
"""

from __future__ import annotations

import copy
import hashlib
import os
import random
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from pipeline.cli import main
from pipeline.config import Config
from pipeline.layout import letter_path
from pipeline.schema import DOCUMENTS, STEPS
from pipeline.stamp import read_stamp
from tests.conftest import full_row, shipped_office, write_intake
from tests.office_values import fill_office
from tests.test_letters_scenarios import agenda_rows, text_of

NUMBER = re.compile(r"300\.1/(\d{3})/Kec\.Krj/(\d{4})")
REGISTERS = ("Buku Agenda ", "Laporan Pengamanan ")
AGENCIES = ["Satuan Polisi Pamong Praja Kabupaten Karanganyar", "Pemerintah Desa setempat",
            "Kepolisian Sektor Kerjo"]
NUMBERS = ["LP-001", "LP-002", "LP-003", "LP-004", "LP-005", "LP/001", "lp-002 ", "LP-006"]
TIME_KEYS = [step.time_key for step in STEPS]
LATER = {  # the columns of steps 2..7 (emptied when the step is not done)
    2: (), 3: ("sifat", "isi_disposisi"), 4: ("instansi", "tindakan"),
    5: ("status_akhir", "hasil"), 6: (), 7: ("cara_pemberitahuan",)}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------ the staff's rows


@dataclass
class Report:
    """One row as staff keep it: a start time, the gaps between steps, how far it is."""

    no: str
    start: datetime
    gaps: list[int]
    done: int  # steps filled, 1..7
    nama: str = "Siti Rahayu"
    instansi: str = AGENCIES[0] + "; " + AGENCIES[1]
    cara: str = "Surat"
    uraian: str = "Pembuangan sampah di saluran irigasi setiap malam."

    def row(self) -> dict[str, Any]:
        times, t = {}, self.start
        for n, key in enumerate(TIME_KEYS):
            if n:
                t = t + timedelta(minutes=self.gaps[n - 1])
            times[key] = t if n < self.done else None
        row = full_row(no_laporan=self.no, nama_pelapor=self.nama, instansi=self.instansi,
                       cara_pemberitahuan=self.cara, uraian=self.uraian, **times)
        for step, keys in LATER.items():
            if step > self.done:
                for key in keys:
                    row[key] = None
        return row


# ------------------------------------------------------------------------ the ledger


@dataclass
class Seen:
    """A file once seen under outbox/."""

    sha: str
    stamp: dict[str, Any] | None
    by_people: bool = False  # a clerk's file, or a letter a clerk renamed


def identity(stamp: dict[str, Any]) -> tuple[Any, ...]:
    return (stamp.get("case_id"), stamp.get("doc"), stamp.get("instansi"), stamp.get("tahun"))


@dataclass
class Ledger:
    """Everything that was ever under outbox/, and what it may become."""

    outbox: Path
    files: dict[str, Seen] = field(default_factory=dict)  # what must still be there
    moved_out: dict[Path, str] = field(default_factory=dict)  # archived by people: sha
    owner: dict[tuple[int, int], tuple[Any, ...]] = field(default_factory=dict)  # number
    number_of: dict[tuple[Any, ...], str] = field(default_factory=dict)  # letter → nomor
    filed: dict[tuple[Any, ...], str] = field(default_factory=dict)  # letter version → path
    last_year: dict[tuple[Any, ...], int] = field(default_factory=dict)  # year filed last
    agenda_numbers: dict[int, set[int]] = field(default_factory=dict)

    @staticmethod
    def watched(relative: str) -> bool:
        """Files the pipeline must never change: all but registers, reports, the state's
        backup copies (the newest few kept) and the lock."""
        parts = PurePosixPath(relative).parts
        name = parts[-1]
        if parts[0] in ("_perlu-perbaikan", "_cadangan") or name == ".perda.lock":
            return False
        return not (name.startswith(REGISTERS) and name.endswith(".xlsx") and len(parts) == 2)

    def scan(self) -> dict[str, str]:
        return {p.relative_to(self.outbox).as_posix(): sha(p.read_bytes())
                for p in sorted(self.outbox.rglob("*")) if p.is_file()
                and self.watched(p.relative_to(self.outbox).as_posix())}

    # --- people's changes (not the pipeline's): the ledger follows them
    def forget(self, relative: str) -> None:
        self.files.pop(relative, None)

    def people_wrote(self, relative: str) -> None:
        path = self.outbox / relative
        self.files[relative] = Seen(sha(path.read_bytes()), None, by_people=True)

    def people_moved(self, relative: str, new: str) -> None:
        self.files[new] = self.files.pop(relative)

    def archived(self, folder: Path, target: Path) -> None:
        prefix = folder.relative_to(self.outbox).as_posix() + "/"
        for relative in [r for r in self.files if r.startswith(prefix)]:
            seen = self.files.pop(relative)
            self.moved_out[target / relative[len(prefix):]] = seen.sha

    # --- after each pipeline command
    def check(self, what: str) -> None:
        now = self.scan()
        for relative, seen in self.files.items():
            assert relative in now, f"{what}: {relative} was removed by the pipeline"
            if now[relative] == seen.sha:
                continue
            new = read_stamp(self.outbox / relative)
            draft = relative.startswith("_konsep/") and not seen.by_people
            same = draft and (relative.endswith(".txt") or (
                seen.stamp is not None and new is not None
                and identity(seen.stamp) == identity(new)
                and seen.stamp.get("version") == new.get("version")))
            assert same, (f"{what}: {relative} was overwritten "
                          f"(was {seen.stamp and seen.stamp.get('nomor')!r} of "
                          f"{seen.stamp and identity(seen.stamp)}, now "
                          f"{new and new.get('nomor')!r} of {new and identity(new)})")
        for path, digest in self.moved_out.items():
            assert sha(path.read_bytes()) == digest, f"{what}: archived {path} changed"
        for relative, digest in now.items():
            old = self.files.get(relative)
            if old is not None and old.sha == digest:
                continue
            path = self.outbox / relative
            stamp = read_stamp(path) if path.suffix == ".docx" else None
            self.files[relative] = Seen(digest, stamp)
            if stamp is not None and not relative.startswith("_konsep/"):
                self._letter(relative, path, stamp, what)
        self._agendas(what)
        self._numbers(what)

    def _letter(self, relative: str, path: Path, stamp: dict[str, Any], what: str) -> None:
        """A letter the pipeline just filed: its number, year and identity."""
        letter = identity(stamp)
        folder_year = int(PurePosixPath(relative).parts[0])
        assert stamp.get("tahun") == folder_year, f"{what}: {relative} stamped {stamp}"
        nomor = str(stamp.get("nomor") or "")
        version = (*letter, stamp.get("version"), nomor)
        assert version not in self.filed or self.filed[version] == relative, (
            f"{what}: {relative} is {version} made again (first {self.filed.get(version)})")
        self.filed[version] = relative
        # A letter moved into the other year and back is a new letter of its first year,
        # with a new number (DESIGN.md): allowed only after such a move.
        moved = self.last_year.get(letter[:3], folder_year) != folder_year
        self.last_year[letter[:3]] = folder_year
        if not nomor:
            return
        if moved:
            self.number_of.pop(letter, None)
        printed = {m.group(0) for m in NUMBER.finditer(text_of(path))}
        assert nomor in printed, f"{what}: {relative} prints {printed}, stamped {nomor}"
        found = NUMBER.fullmatch(nomor)
        assert found, nomor
        urut, tahun = int(found.group(1)), int(found.group(2))
        assert tahun == folder_year, f"{what}: {nomor} filed in {relative}"
        assert self.owner.setdefault((tahun, urut), letter) == letter, (
            f"{what}: {nomor} given to {letter}, already {self.owner[(tahun, urut)]}")
        assert self.number_of.setdefault(letter, nomor) == nomor, (
            f"{what}: {letter} renumbered {self.number_of[letter]} → {nomor} ({relative})")

    def _agendas(self, what: str) -> None:
        for folder in sorted(p for p in self.outbox.iterdir() if p.name.isdigit()):
            tahun = int(folder.name)
            book = folder / f"Buku Agenda {tahun}.xlsx"
            if not book.exists():
                continue
            rows = agenda_rows(type("C", (), {"outbox": self.outbox})(), tahun)
            numbers = [int(r["No. Urut"]) for r in rows]
            assert len(numbers) == len(set(numbers)), f"{what}: Buku Agenda {tahun}: {numbers}"
            for row in rows:
                found = NUMBER.fullmatch(str(row["Nomor Surat"]))
                assert found and int(found.group(2)) == tahun, f"{what}: {row} in {tahun}"
                assert int(found.group(1)) == int(row["No. Urut"]), f"{what}: {row}"
                berkas = str(row["Berkas"] or "")
                assert not berkas or berkas.startswith(f"{tahun}/"), f"{what}: {row}"
            self.agenda_numbers.setdefault(tahun, set()).update(numbers)

    def _numbers(self, what: str) -> None:
        years = {t for t, _ in self.owner} | set(self.agenda_numbers)
        for tahun in years:
            got = {u for t, u in self.owner if t == tahun} | self.agenda_numbers.get(tahun, set())
            assert not got or got == set(range(1, max(got) + 1)), (
                f"{what}: numbers of {tahun} have gaps: {sorted(got)}")


# ------------------------------------------------------------------------ the office


class Office:
    """An office folder, its workbooks and the walk's actions on it."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root, self.rng = root, rng
        shipped_office(root)
        self.drafts_text = (root / "config.toml").read_text(encoding="utf-8")
        self.cfg: Config = fill_office(root)
        self.numbered_text = (root / "config.toml").read_text(encoding="utf-8")
        self.config = str(root / "config.toml")
        self.inbox = root / "inbox"
        self.outbox = self.cfg.outbox
        self.outbox.mkdir(exist_ok=True)
        self.archive = root / "arsip"
        self.ledger = Ledger(self.outbox)
        self.books: dict[str, list[Report]] = {}
        self.saved: dict[str, str] = {}  # inbox name → sha256 of what staff saved
        self.log: list[str] = []
        self.konsep = False
        self.clock = 0

    # --- the pipeline
    def perda(self, *args: str) -> int:
        return main([*args, "--config", self.config])

    def run(self, what: str) -> None:
        code = self.perda("run")
        if code == 2 and not self.konsep:  # the state was lost: rebuild, as told
            assert self.perda("pulihkan") == 0, f"{what}: pulihkan failed"
            self.ledger.check(f"{what} + pulihkan")
            code = self.perda("run")
        assert code in (0, 1), f"{what}: perda run exited {code}"
        self.check(what)

    def check(self, what: str) -> None:
        self.ledger.check(what)
        now = {p.name: sha(p.read_bytes()) for p in self.inbox.iterdir() if p.is_file()}
        assert now == self.saved, f"{what}: inbox changed"

    # --- the staff's workbooks
    def save(self, name: str) -> None:
        path = self.inbox / name
        write_intake(path, [report.row() for report in self.books[name]])
        self.clock += 10
        os.utime(path, (1_900_000_000 + self.clock,) * 2)  # saved in this order
        self.saved[name] = sha(path.read_bytes())

    def new_report(self) -> Report:
        start = datetime(2025, 12, 31, 20, 0) + timedelta(minutes=self.rng.randrange(0, 420))
        gaps = [self.rng.randrange(5, 120) for _ in range(6)]
        taken = {fold(r.no) for book in self.books.values() for r in book}
        free = [n for n in NUMBERS if fold(n) not in taken] or NUMBERS
        return Report(self.rng.choice(free), start, gaps, self.rng.randint(1, 7))

    def pick(self) -> tuple[str, int] | None:
        rows = [(name, i) for name, book in self.books.items() for i in range(len(book))]
        return self.rng.choice(rows) if rows else None

    # --- the actions: each says what it did
    def add_row(self) -> str:
        name = self.rng.choice([*self.books, "laporan-2026.xlsx"] if self.books
                               else ["laporan-2026.xlsx"])
        report = self.new_report()
        self.books.setdefault(name, []).append(report)
        self.save(name)
        return f"add {report} to {name}"

    def advance(self) -> str:
        if not (at := self.pick()):
            return self.add_row()
        name, i = at
        report = self.books[name][i]
        report.done = min(7, report.done + self.rng.randint(1, 3))
        self.save(name)
        return f"advance {report.no} in {name} to step {report.done}"

    def edit(self) -> str:
        if not (at := self.pick()):
            return self.add_row()
        name, i = at
        report = self.books[name][i]
        what = self.rng.choice(["nama", "uraian", "instansi", "cara", "start", "gap", "undo"])
        if what == "nama":
            report.nama = self.rng.choice(["Siti Rahayu", "Budi Santoso", "Dwi Astuti"])
        elif what == "uraian":
            report.uraian = self.rng.choice(["Sampah di irigasi.", "Bangunan tanpa izin.",
                                             "Pembuangan sampah di saluran irigasi setiap "
                                             "malam."])
        elif what == "instansi":
            report.instansi = "; ".join(self.rng.sample(AGENCIES, self.rng.randint(1, 3)))
        elif what == "cara":
            report.cara = self.rng.choice(["Surat", "SMS", "Telepon"])
        elif what == "start":  # the case's times moved: across New Year, maybe
            report.start += timedelta(minutes=self.rng.choice([-1, 1]) * self.rng.randrange(
                30, 300))
        elif what == "gap":  # one step's time moved: that letter may change year
            n = self.rng.randrange(6)
            report.gaps[n] = max(1, report.gaps[n] + self.rng.randrange(-100, 200))
        else:  # a step emptied again
            report.done = max(1, report.done - 1)
        self.save(name)
        return f"edit {what} of {report.no} in {name}: {report}"

    def renumber(self) -> str:
        if not (at := self.pick()):
            return self.add_row()
        name, i = at
        report = self.books[name][i]
        old, report.no = report.no, self.rng.choice(NUMBERS)
        self.save(name)
        return f"renumber {old} → {report.no} in {name}"

    def delete_row(self) -> str:
        if not (at := self.pick()):
            return self.add_row()
        name, i = at
        report = self.books[name].pop(i)
        self.save(name)
        return f"delete row {report.no} from {name}"

    def rename_book(self) -> str:
        if not self.books:
            return self.add_row()
        name = self.rng.choice(list(self.books))
        new = self.rng.choice(["laporan-januari.xlsx", "Laporan 2026 (1).xlsx", "budi.xlsx",
                               "laporan-2026.xlsx"])
        if new in self.books:
            return "rename skipped"
        (self.inbox / name).rename(self.inbox / new)
        self.books[new] = self.books.pop(name)
        self.saved[new] = self.saved.pop(name)
        return f"rename workbook {name} → {new}"

    def copy_row(self) -> str:
        if not (at := self.pick()):
            return self.add_row()
        name, i = at
        others = [n for n in self.books if n != name] or ["salinan.xlsx"]
        other = self.rng.choice(others)
        copy = Report(**vars(self.books[name][i]))
        copy.gaps = list(copy.gaps)
        if self.rng.random() < 0.7:
            copy.nama = "Orang Lain"  # a conflict
        self.books.setdefault(other, []).append(copy)
        self.save(other)
        return f"copy {copy.no} from {name} into {other} ({copy.nama})"

    def delete_book(self) -> str:
        if not self.books:
            return self.add_row()
        name = self.rng.choice(list(self.books))
        (self.inbox / name).unlink()
        del self.books[name], self.saved[name]
        return f"delete workbook {name}"

    def letters(self) -> list[str]:
        return [r for r in self.ledger.files if r.endswith(".docx") and r[:4].isdigit()
                and (self.outbox / r).exists()]

    def archive_year(self) -> str:
        years = [p for p in self.outbox.iterdir() if p.is_dir() and p.name.isdigit()]
        if not years:
            return "archive skipped"
        folder = self.rng.choice(years)
        self.clock += 1
        target = self.archive / f"{folder.name}-{self.clock}"
        target.parent.mkdir(exist_ok=True)
        shutil.move(str(folder), str(target))
        self.ledger.archived(folder, target)
        return f"archive {folder.name} → {target.name}"

    def touch_letter(self) -> str:
        letters = self.letters()
        if not letters:
            return "touch skipped"
        relative = self.rng.choice(letters)
        if self.rng.random() < 0.5:
            (self.outbox / relative).unlink()
            self.ledger.forget(relative)
            return f"delete letter {relative}"
        new = relative.replace(".docx", " - dicetak.docx")
        (self.outbox / relative).rename(self.outbox / new)
        self.ledger.people_moved(relative, new)
        return f"rename letter {relative}"

    def clerk_file(self) -> str:
        """A clerk's own file where a letter of a report is likely to go."""
        if not (at := self.pick()):
            return self.add_row()
        report = self.books[at[0]][at[1]]
        doc = self.rng.choice(DOCUMENTS)
        tahun = self.rng.choice([2025, 2026])
        instansi = AGENCIES[0] if doc.step == 4 else ""
        relative = letter_path(self.cfg, doc, report.no, tahun, instansi,
                               version=self.rng.choice([1, 1, 2]), konsep=self.konsep)
        if self.rng.random() < 0.3:
            relative = relative.removesuffix(".docx") + ".txt"
        path = self.outbox / relative
        if path.exists():
            return "clerk file skipped"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"catatan petugas, bukan surat\n")
        self.ledger.people_wrote(relative)
        return f"clerk's file at {relative}"

    def lose_state(self) -> str:
        ways = ["delete", "empty", "damage", "old backup", "folder"]
        how = self.rng.choice(ways)
        database = self.cfg.state_dir / "perda.sqlite3"
        backups = sorted((self.cfg.state_dir / "backup").glob("perda-*.sqlite3"))
        if how == "old backup" and backups:  # README: "copy it over state/perda.sqlite3"
            for side in self.cfg.state_dir.glob("perda.sqlite3-*"):
                side.unlink()
            shutil.copyfile(backups[0], database)
        elif how == "folder":
            shutil.rmtree(self.cfg.state_dir, ignore_errors=True)
        elif database.exists():
            for side in self.cfg.state_dir.glob("perda.sqlite3-*"):
                side.unlink()
            if how == "delete":
                database.unlink()
            elif how == "empty":
                database.write_bytes(b"")
            else:
                data = bytearray(database.read_bytes())
                at = min(len(data) - 1, 4096 + self.rng.randrange(4096))
                data[at:at + 512] = os.urandom(512)
                database.write_bytes(bytes(data))
        if self.perda("run") == 2 or how == "damage":
            assert self.perda("pulihkan", "--paksa") == 0
        return f"state lost ({how}), pulihkan"

    def reissue(self) -> str:
        if self.konsep:
            return "reissue skipped (drafts)"
        args = self.rng.choice([["--langkah", str(self.rng.randint(1, 7))],
                                ["--tahun", str(self.rng.choice([2025, 2026]))],
                                ["--no-laporan", self.rng.choice(NUMBERS)]])
        code = self.perda("terbitkan-ulang", *args)
        if code == 2:  # state lost meanwhile
            assert self.perda("pulihkan") == 0
            code = self.perda("terbitkan-ulang", *args)
        assert code == 0, f"terbitkan-ulang {args} exited {code}"
        return f"terbitkan-ulang {' '.join(args)}"

    def coba(self) -> str:
        """`perda run --coba` after some staff edit: it prints the plan, writes nothing."""
        said = self.advance() if self.rng.random() < 0.5 else self.edit()
        before = {p: sha(p.read_bytes()) for p in sorted(self.root.rglob("*"))
                  if p.is_file() and self.archive not in p.parents}
        assert self.perda("run", "--coba") == 0
        after = {p: sha(p.read_bytes()) for p in sorted(self.root.rglob("*"))
                 if p.is_file() and self.archive not in p.parents}
        assert after == before, f"perda run --coba wrote {set(after) ^ set(before)}"
        return f"{said}; perda run --coba"

    def toggle_config(self) -> str:
        self.konsep = not self.konsep
        (self.root / "config.toml").write_text(
            self.drafts_text if self.konsep else self.numbered_text, encoding="utf-8")
        return "config.toml: placeholders (drafts)" if self.konsep else "config.toml filled"


def fold(no: str) -> str:
    return " ".join(no.split()).casefold()


ACTIONS = [("add_row", 6), ("advance", 6), ("edit", 8), ("renumber", 2), ("delete_row", 2),
           ("rename_book", 2), ("copy_row", 2), ("delete_book", 1), ("archive_year", 1),
           ("touch_letter", 2), ("clerk_file", 2), ("lose_state", 2), ("reissue", 1),
           ("toggle_config", 1), ("coba", 1)]


def walk(root: Path, seed: int, steps: int) -> Office:
    """`steps` random staff actions, `perda run` and the ledger's checks after each."""
    rng = random.Random(seed)
    office = Office(root, rng)
    names, weights = zip(*ACTIONS, strict=True)
    for n in range(steps):
        name = rng.choices(names, weights)[0]
        did = getattr(office, name)()
        office.log.append(did)
        office.run(f"seed {seed} step {n}: {did}\nafter:\n  " + "\n  ".join(office.log[-12:]))
    return office


def seeds(default: list[int]) -> list[int]:
    """PERDA_WALK_SEEDS=10-40 runs those seeds instead (a longer hunt)."""
    wanted = os.environ.get("PERDA_WALK_SEEDS", "")
    if not wanted:
        return default
    first, _, last = wanted.partition("-")
    return list(range(int(first), int(last or first) + 1))


def steps(default: int) -> int:
    """PERDA_WALK_STEPS=100: longer walks."""
    return int(os.environ.get("PERDA_WALK_STEPS", default))


@pytest.mark.parametrize("seed", seeds([1, 7]))
def test_weeks_of_staff_work_never_lose_a_record(tmp_path, seed):
    office = walk(tmp_path, seed, steps(20))
    assert office.ledger.owner  # the walk made numbered letters at all


@pytest.mark.slow
@pytest.mark.parametrize("seed", seeds([3, 4, 5, 6]))
def test_longer_walks_never_lose_a_record(tmp_path, seed):
    office = walk(tmp_path, seed, steps(40))
    assert office.ledger.owner


# ------------------------------------------------------------------------ the checks bite


def test_the_ledger_catches_each_kind_of_lost_record(tmp_path):
    """Faults injected behind the ledger's back, as a bug in the pipeline would leave
    them: each check fires (a ledger that cannot fail would prove nothing)."""
    from openpyxl import load_workbook

    from pipeline.stamp import stamp

    office = Office(tmp_path, random.Random(0))
    office.books["laporan.xlsx"] = [
        Report("LP-001", datetime(2025, 12, 31, 21, 0), [20] * 6, 7),
        Report("LP-002", datetime(2025, 12, 31, 22, 0), [20] * 6, 7, cara="SMS")]
    office.save("laporan.xlsx")
    office.run("setup")
    outbox = office.outbox
    letters = sorted(r for r in office.letters() if (read_stamp(outbox / r) or {}).get("urut"))
    a, b = letters[0], letters[-1]
    snapshot = {p: p.read_bytes() for p in outbox.rglob("*") if p.is_file()}
    inbox = {p: p.read_bytes() for p in office.inbox.iterdir()}
    kept = copy.deepcopy(office.ledger)

    def fires(fault, words: str) -> None:
        fault()
        with pytest.raises(AssertionError, match=words):
            office.check("injected")
        for extra in [p for p in [*outbox.rglob("*"), *office.inbox.iterdir()]
                      if p.is_file() and p not in snapshot and p not in inbox]:
            extra.unlink()
        for path, data in {**snapshot, **inbox}.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        office.ledger = copy.deepcopy(kept)
        office.check("restored")  # the office as it was passes again

    # (1) a letter overwritten by another letter, or removed
    fires(lambda: (outbox / a).write_bytes((outbox / b).read_bytes()), "overwritten")
    fires(lambda: (outbox / a).unlink(), "removed by the pipeline")
    # (2) a letter made twice; a number given to another letter
    fires(lambda: shutil.copyfile(outbox / a, outbox / a.replace(".docx", " (2).docx")),
          "made again")
    record = {**read_stamp(outbox / a), "case_id": "2025/LP-009"}
    fires(lambda: (outbox / a.replace(".docx", " (3).docx")).write_bytes(
        stamp((outbox / a).read_bytes(), record)), "already")
    # (3) a letter filed in another year's folder
    other = str(int(a[:4]) + 1) + a[4:]
    fires(lambda: (outbox / other).parent.mkdir(parents=True, exist_ok=True)
          or shutil.copyfile(outbox / a, outbox / other), "stamped")
    # (4) a gap, or a number twice, in the Buku Agenda

    def agenda_fault(urut: int) -> None:
        book = outbox / "2025" / "Buku Agenda 2025.xlsx"
        wb = load_workbook(book)
        ws = wb.active
        at = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "No. Urut")
        ws.cell(at + 1, 1).value = urut
        wb.save(book)
    fires(lambda: agenda_fault(2), "Buku Agenda")
    fires(lambda: agenda_fault(99), "Nomor Surat|gaps")
    # (5) a workbook in inbox/ changed or moved
    workbook = office.inbox / "laporan.xlsx"
    fires(lambda: workbook.write_bytes(workbook.read_bytes() + b"\0"), "inbox changed")
    fires(lambda: workbook.rename(office.inbox / "dipindah.xlsx"), "inbox changed")
