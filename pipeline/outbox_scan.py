"""Reading back what is filed under outbox/: a letter's record, the Buku Agenda's rows.

Used by `perda pulihkan` (recovery.py). Three sources, best first:

1. the record stamped in the letter (stamp.py): everything, as the state had it;
2. the letter's row in its year's Buku Agenda: number, date, subject, addressee, version;
   the document and agency are read from the file name;
3. the letter's text: its number, found with the number pattern of config.toml.

Edge cases handled: a Buku Agenda with extra or moved columns (found by header), a
register that cannot be read (skipped, logged), a file name the pattern cannot explain
(the letter is left out and listed), a stamped letter copied to another name (the copy at
the stamped place wins).
"""

from __future__ import annotations

import io
import logging
import re
import string
import zipfile
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from openpyxl import load_workbook

from pipeline.config import Config
from pipeline.filing import sha256_bytes
from pipeline.layout import agenda_path, fold
from pipeline.model import Letter, LetterStatus, fold_no_laporan
from pipeline.schema import DOCUMENTS, Document
from pipeline.stamp import read_stamp

log = logging.getLogger("pipeline.outbox_scan")
_VERSION = re.compile(r" \(versi (\d+)\)$")
_TAGS = re.compile(r"<[^>]+>")
_AGENDA_HEADERS = {"no. urut": "urut", "nomor surat": "nomor", "tanggal": "tanggal",
                   "hal": "hal", "tujuan": "tujuan", "no. laporan": "no_laporan",
                   "langkah": "langkah", "berkas": "path", "versi": "version"}


@dataclass(frozen=True)
class FoundLetter:
    """A letter read back from outbox/, and whether its own stamp names this place."""

    letter: Letter
    stamped_here: bool = False

    @property
    def path(self) -> str:
        """Its place under outbox/."""
        return self.letter.path


def make_letter(values: dict[str, Any]) -> Letter:
    """A Letter from read-back values; fields the record type lacks are dropped."""
    known = {f.name for f in fields(Letter)}
    data = {k: v for k, v in values.items() if k in known}
    for key in ("tanggal", "made_at"):
        if isinstance(data.get(key), str):
            data[key] = datetime.fromisoformat(data[key]) if data[key] else None
    data["status"] = LetterStatus.done
    data.setdefault("no_laporan", str(values.get("case_id", "")).split("/", 1)[-1])
    data.pop("id", None)
    return Letter(**data)


def case_id(tahun: int, no_laporan: str) -> str:
    """The case identity as the state keys it."""
    return f"{tahun}/{fold_no_laporan(no_laporan)}"


def letter_from_file(cfg: Config, path: Path, relative: str,
                     agenda_row: FoundLetter | None) -> FoundLetter | None:
    """The letter filed at `path` (relative to outbox/), from the best source it has."""
    data = path.read_bytes()
    extra = {"path": relative, "sha256": sha256_bytes(data),
             "made_at": datetime.fromtimestamp(path.stat().st_mtime)}
    record = read_stamp(data)
    if record is not None:
        return FoundLetter(make_letter({**record, **extra}),
                           stamped_here=record.get("path") == relative)
    if agenda_row is not None:
        return FoundLetter(make_letter({**_as_values(agenda_row.letter), **extra}))
    return _from_text(cfg, data, relative, extra)


def _as_values(letter: Letter) -> dict[str, Any]:
    return {f.name: getattr(letter, f.name) for f in fields(letter)}


# ------------------------------------------------------------------------ file names


def parse_name(cfg: Config, relative: str, step: int | None = None
               ) -> tuple[Document, str, str, int] | None:
    """(document, No. Laporan, agency, version) read from a letter's default-pattern name."""
    path = PurePosixPath(relative)
    if step is None:
        folder = path.parts[-2] if len(path.parts) >= 2 else ""
        step = int(folder[:2]) if folder[:2].isdigit() else 0
    stem = path.stem
    version = 1
    if match := _VERSION.search(stem):
        version, stem = int(match.group(1)), stem[:match.start()]
    for doc in sorted((d for d in DOCUMENTS if d.step == step), key=lambda d: -len(d.title)):
        head, sep, tail = stem.partition(f" - {doc.title}")
        if sep and (not tail or tail.startswith(" - ")):
            return doc, head, _agency(cfg, tail[3:]), version
    return None


def _agency(cfg: Config, flat: str) -> str:
    """The official agency name a flattened one came from (else the text as it is)."""
    names = [getattr(i, "nama", i) for i in getattr(cfg, "instansi", ())]
    for name in names:
        if fold(str(name).replace("/", "-").replace("\\", "-")) == fold(flat):
            return str(name)
    return flat


# ------------------------------------------------------------------------ Buku Agenda


def agenda_rows(cfg: Config) -> list[FoundLetter]:
    """Every row of every Buku Agenda under outbox/, as letters (data_hash unknown)."""
    found: list[FoundLetter] = []
    if not cfg.outbox.is_dir():
        return found
    for folder in sorted(p for p in cfg.outbox.iterdir() if p.is_dir() and p.name.isdigit()):
        tahun = int(folder.name)
        book = agenda_path(cfg, tahun)
        if book.is_file():
            found += _read_agenda(cfg, book, tahun)
    return found


def _read_agenda(cfg: Config, book: Path, tahun: int) -> list[FoundLetter]:
    """The letters listed in one Buku Agenda."""
    try:
        wb = load_workbook(book, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any damage: the letters themselves still count
        log.warning("Buku Agenda %s tidak dapat dibaca (%s); dilewati.", book.name, exc)
        return []
    try:
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()
    for index, row in enumerate(rows[:15]):
        columns = {_AGENDA_HEADERS[str(v).strip().lower()]: i for i, v in enumerate(row)
                   if str(v).strip().lower() in _AGENDA_HEADERS}
        if {"urut", "nomor", "path"} <= set(columns):
            return [f for r in rows[index + 1:] if (f := _agenda_letter(cfg, r, columns, tahun))]
    return []


def _agenda_letter(cfg: Config, row: tuple[Any, ...], columns: dict[str, int],
                   tahun: int) -> FoundLetter | None:
    """One register row as a letter, or None when the row is not a letter."""
    value = {key: row[i] if i < len(row) else None for key, i in columns.items()}
    if not isinstance(value["urut"], int | float) or not value["path"]:
        return None
    relative = str(value["path"])
    langkah = str(value.get("langkah") or "")
    step = int(langkah.split(".")[0]) if langkah.split(".")[0].isdigit() else None
    parsed = parse_name(cfg, relative, step)
    if parsed is None:
        return None
    doc, no_laporan, instansi, version = parsed
    no_laporan = str(value.get("no_laporan") or no_laporan)
    tanggal = value.get("tanggal")
    return FoundLetter(make_letter({
        "case_id": case_id(tahun, no_laporan), "no_laporan": no_laporan, "doc": doc.kind.value,
        "step": doc.step, "instansi": instansi, "nomor": str(value["nomor"] or ""),
        "urut": int(value["urut"]), "tahun": tahun,
        "tanggal": tanggal if isinstance(tanggal, datetime) else datetime(tahun, 1, 1),
        "hal": str(value.get("hal") or ""), "tujuan": str(value.get("tujuan") or ""),
        "path": relative, "version": int(value.get("version") or version)}))


# ------------------------------------------------------------------------ the letter's text


def number_pattern(cfg: Config, doc: Document) -> re.Pattern[str]:
    """A regex for the document's letter numbers (groups: urut, and tahun if printed)."""
    pieces, seen = [], set()
    for literal, name, _spec, _conv in string.Formatter().parse(cfg.penomoran.pola[doc.kind]):
        pieces.append(re.escape(literal))
        if name is None:
            continue
        if name in ("urut", "tahun") and name not in seen:
            pieces.append(rf"(?P<{name}>\d+)")
            seen.add(name)
        elif name in ("klasifikasi", "kode_unit"):
            value = cfg.penomoran.klasifikasi if name == "klasifikasi" else cfg.kantor.kode_unit
            pieces.append(re.escape(str(value)))
        else:
            pieces.append(r"[0-9A-Za-z]+")
    return re.compile("".join(pieces))


def _from_text(cfg: Config, data: bytes, relative: str,
               extra: dict[str, Any]) -> FoundLetter | None:
    """A letter without stamp or register row: its number read from its text."""
    parsed = parse_name(cfg, relative)
    if parsed is None:
        return None
    doc, no_laporan, instansi, version = parsed
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            text = _TAGS.sub("", z.read("word/document.xml").decode("utf-8", "replace"))
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    folder = PurePosixPath(relative).parts[0]
    tahun = int(folder) if folder.isdigit() else extra["made_at"].year
    urut, nomor = 0, ""
    if doc.numbered and (match := number_pattern(cfg, doc).search(text)):
        urut, nomor = int(match.group("urut")), match.group(0)
    elif doc.numbered:
        return None
    return FoundLetter(make_letter({
        "case_id": case_id(tahun, no_laporan), "no_laporan": no_laporan, "doc": doc.kind.value,
        "step": doc.step, "instansi": instansi, "nomor": nomor, "urut": urut, "tahun": tahun,
        "tanggal": extra["made_at"], "hal": doc.title, "tujuan": "", "version": version,
        **extra}))
