"""The outbox layout: every place the pipeline files something under outbox/, decided here.

    outbox/<tahun>/<NN>-<langkah>/<No. Laporan> - <dokumen>.docx   letters (config pattern)
      … - <dokumen> (versi N).docx                                later versions
      … .pdf / .txt beside a letter                               its PDF / its SMS text
    outbox/<tahun>/Buku Agenda <tahun>.xlsx                        the register
    outbox/<tahun>/Laporan Pengamanan <tahun>[-MM].xlsx            the recap
    outbox/_konsep/<the same layout>                               unnumbered drafts
    outbox/_perlu-perbaikan/<intake name> - perlu perbaikan.*      problem reports
    outbox/.perda.lock                                             the instance lock

Edge cases handled:

- Data never makes folders: '/' and '\\' in a No. Laporan or an agency become '-'
  (`017/TRANTIB/IX/2024` → `017-TRANTIB-IX-2024`); `..` is just text.
- Two cases whose names would be the same file (`LP:001` and `LP?001` both read `LP 001`)
  get distinct names: a name that lost more than slashes, case or spacing carries a short
  stable mark of the case identity (`LP 001 ~3f9a0c`). Names that differ only by a slash
  (`LP/001` and `LP-001` both read `LP-001`) are told apart when a letter is reserved
  (pipeline/places.py): the later case's letters get its *alternative* name, the same
  mark added (`LP-001 ~5b1e7d`), and its later versions keep it (`versioned`).
- A long name is shortened *before* " (versi N)" is added, with room kept for the suffix,
  so every version has its own file; a shortened part carries a mark of its full text so
  two long agency names that share a beginning stay apart.
- Windows: forbidden characters, reserved names (CON, NUL, …), trailing dots and spaces.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pipeline.schema import STEPS

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.schema import Document

PROBLEM_FOLDER = "_perlu-perbaikan"
DRAFT_FOLDER = "_konsep"
OUTBOX_LOCK = ".perda.lock"
REPORT_SUFFIX = " - perlu perbaikan"
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}
INTAKE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
MAX_NAME = 120  # per path component; keeps whole paths well under Windows' 260
VERSION_ROOM = len(" (versi 999)")  # kept free in every file name, so the suffix survives
MARK_LEN = 6  # hex digits of the stable mark
_SLASHES = re.compile(r"[/\\]")  # "001/TRANTIB/2024" → "001-TRANTIB-2024"
_FORBIDDEN = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')  # → a space
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")  # zero-width, soft hyphen


def fold(text: str) -> str:
    """Text as compared for identity: case, spacing and invisible characters folded."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(text.split()).casefold()


def mark(text: str) -> str:
    """A short stable mark of some text (the same text always gives the same mark)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:MARK_LEN]


def _clean(text: str) -> str:
    """Slashes to '-', forbidden and invisible characters to spaces, spacing folded."""
    name = _FORBIDDEN.sub(" ", _INVISIBLE.sub("", _SLASHES.sub("-", text)))
    return " ".join(name.split()).strip(" .")


def _shorten(name: str, limit: int) -> str:
    """`name` cut to `limit` characters, with a mark of the full text when it was cut."""
    if len(name) <= limit:
        return name
    return name[: limit - MARK_LEN - 1].rstrip(" .-") + "~" + mark(name)


def _unreserved(name: str) -> str:
    """A Windows reserved device name (CON, NUL.txt, …) gets a leading '_'."""
    return "_" + name if name.split(".")[0].upper() in WINDOWS_RESERVED else name


def safe_name(text: str, max_len: int = MAX_NAME) -> str:
    """One Windows-safe path component of at most `max_len` characters (the extension kept)."""
    name = _clean(text)
    if not name:
        return "berkas"
    if len(name) > max_len:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 5:
            name = _shorten(stem, max_len - len(ext) - 1) + "." + ext
        else:
            name = _shorten(name, max_len)
    return _unreserved(name)


def case_mark(no_laporan: str, alternative: int = 1) -> str:
    """The mark of a case's `alternative`-th name (1: the mark of its identity itself)."""
    seed = fold(no_laporan) if alternative <= 1 else f"{fold(no_laporan)}#{alternative}"
    return mark(seed)


def case_name(no_laporan: str, alternative: int = 0) -> str:
    """The No. Laporan as it appears in file names: flat, safe, and distinct per case.

    `alternative` (1, 2, …) gives the case's n-th other name, for when another case's
    letter already holds the plain one: the case's mark is added (`LP-001 ~5b1e7d`).
    A name already marked (it lost more than slashes) is its own first alternative.
    """
    name = _clean(no_laporan) or "tanpa nomor"
    if fold(name) != fold(_SLASHES.sub("-", no_laporan)):  # lost more than slashes/spacing
        name = f"{name} ~{case_mark(no_laporan)}"
        return f"{name} ~{case_mark(no_laporan, alternative)}" if alternative > 1 else name
    return f"{name} ~{case_mark(no_laporan, alternative)}" if alternative else name


def letter_path(cfg: Config, doc: Document, no_laporan: str, tahun: int, instansi: str = "",
                version: int = 1, *, konsep: bool = False, alternative: int = 0) -> str:
    """The letter's place under outbox/, '/' separated; later versions get ' (versi N)'.

    Drafts (`konsep`) mirror the same layout under outbox/_konsep/. `alternative`: the
    case's n-th other name (see `case_name`); a [berkas] pola without {no_laporan} gets
    the mark after the document's title instead.
    """
    title = f"{doc.title} - {_clean(instansi)}" if instansi else doc.title
    if alternative and "no_laporan" not in cfg.berkas.pola:
        title = f"{title} ~{case_mark(no_laporan, alternative)}"
    relative = cfg.berkas.pola.format(tahun=tahun, nn=f"{doc.step:02d}",
                                      langkah=STEPS[doc.step - 1].slug,
                                      no_laporan=case_name(no_laporan, alternative),
                                      dokumen=title)
    parts = [p for p in PurePosixPath(relative.replace("\\", "/")).parts
             if p not in ("", ".", "..", "/")]
    folders = [safe_name(p) for p in parts[:-1]]
    parts = [*([DRAFT_FOLDER] if konsep else []), *folders, file_name(parts[-1], version)]
    return "/".join(parts)


def file_name(name: str, version: int = 1) -> str:
    """A letter's file name: cleaned, shortened with room for the suffix, then versioned."""
    stem, dot, ext = _clean(name).rpartition(".")
    if not dot or not 0 < len(ext) <= 5:
        stem, ext = _clean(name), ""
    stem = _shorten(stem or "berkas", MAX_NAME - VERSION_ROOM - (len(ext) + 1 if ext else 0))
    if version > 1:
        stem = f"{stem} (versi {version})"
    return _unreserved(f"{stem}.{ext}" if ext else stem)


def versioned(relative: str, version: int) -> str:
    """The place of version `version` of the letter filed at `relative` (any version of
    it): the same folder and name, only the ' (versi N)' suffix changed — so a letter's
    alternative name stays with all its versions."""
    path = PurePosixPath(relative)
    stem = _VERSIONED.sub("", path.stem)
    return str(path.with_name(file_name(stem + path.suffix, version)))


_VERSIONED = re.compile(r" \(versi \d+\)$")


def draft_path(relative: str) -> str:
    """The draft's place for a letter's normal place (outbox/_konsep/ mirrors outbox/)."""
    return f"{DRAFT_FOLDER}/{relative}"


def beside(relative: str, suffix: str) -> str:
    """A file beside a letter with another extension: its PDF ('.pdf'), its SMS ('.txt')."""
    return str(PurePosixPath(relative).with_suffix(suffix))


def sms_path(relative: str) -> str:
    """The ready-to-send SMS text filed beside a letter."""
    return beside(relative, ".txt")


def pdf_path(letter: Path) -> Path:
    """The PDF beside a letter file."""
    return letter.with_suffix(".pdf")


def year_folder(cfg: Config, tahun: int) -> Path:
    """outbox/<tahun>/: the year's letters and registers (moved out as a whole to archive)."""
    return cfg.outbox / str(tahun)


def agenda_name(tahun: int) -> str:
    """The register's file name: 'Buku Agenda <tahun>.xlsx'."""
    return f"Buku Agenda {tahun}.xlsx"


def agenda_path(cfg: Config, tahun: int) -> Path:
    """Where the year's Buku Agenda is kept: beside the step folders."""
    return year_folder(cfg, tahun) / agenda_name(tahun)


def recap_path(cfg: Config, tahun: int, bulan: int | None = None) -> Path:
    """outbox/<tahun>/Laporan Pengamanan <tahun>.xlsx (or <tahun>-<MM> for one month)."""
    name = f"{tahun}-{bulan:02d}" if bulan else str(tahun)
    return year_folder(cfg, tahun) / f"Laporan Pengamanan {name}.xlsx"


def problem_folder(cfg: Config) -> Path:
    """outbox/_perlu-perbaikan/: the problem reports staff look at."""
    return cfg.outbox / PROBLEM_FOLDER


def report_stem(source_name: str) -> str:
    """The problem report's name (less extension) for an intake file name.

    '<stem> - perlu perbaikan' for an .xlsx, '<name with extension> - perlu perbaikan' for
    anything else, so `laporan.xls` and `laporan.xlsx` never share a report.
    """
    path = Path(source_name)
    plain = path.suffix.lower() == ".xlsx" and not path.stem.lower().endswith(INTAKE_SUFFIXES)
    return safe_name((path.stem if plain else path.name) + REPORT_SUFFIX)


def report_paths(source_name: str, folder: Path) -> tuple[Path, Path]:
    """The report's .xlsx and .txt paths for an intake file name."""
    stem = report_stem(source_name)
    return folder / f"{stem}.xlsx", folder / f"{stem}.txt"


def is_report(path: Path) -> bool:
    """Whether a file in the problem folder is one of our reports (not a clerk's note)."""
    return path.suffix.lower() in (".xlsx", ".txt") and path.stem.endswith(REPORT_SUFFIX)


def outbox_lock(cfg: Config) -> Path:
    """The lock file that keeps a second PC (its own state folder) off this outbox."""
    return cfg.outbox / OUTBOX_LOCK


def is_filed_letter(relative: PurePosixPath) -> bool:
    """Whether a path under outbox/ is a numbered letter: a .docx outside '_'/'.' folders."""
    return (relative.suffix.lower() == ".docx" and not relative.name.startswith((".", "~$"))
            and not any(p.startswith(("_", ".")) for p in relative.parts[:-1]))
