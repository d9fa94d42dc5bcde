"""Where a letter is filed under outbox/, Windows-safe names, and atomic writes.

One function decides a letter's place (`letter_path`), from the pattern in config.toml.
Files are written to a temporary name in the target folder and renamed into place, so a
clerk never opens a half-written letter and a kill leaves at most a stray temporary file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from pipeline.config import Config
from pipeline.schema import STEPS, Document

PROBLEM_FOLDER = "_perlu-perbaikan"
TEMP_PREFIX, TEMP_SUFFIX = ".~perda-", ".tmp"  # temporary files: hidden, and never *.xlsx
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}
_SLASHES = re.compile(r"[/\\]")  # "001/TRANTIB/2024" → "001-TRANTIB-2024"
_FORBIDDEN = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')  # → a space
MAX_NAME = 120  # per path component; keeps whole paths well under Windows' 260


def safe_name(text: str, max_len: int = MAX_NAME) -> str:
    """One Windows-safe path component: no forbidden characters, reserved names or
    trailing dots/spaces, and not longer than `max_len` characters."""
    name = _FORBIDDEN.sub(" ", _SLASHES.sub("-", text))
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "berkas"
    if len(name) > max_len:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= 5:
            name = stem[: max_len - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:max_len].rstrip(" .")
    if name.split(".")[0].upper() in WINDOWS_RESERVED:
        name = "_" + name
    return name


def letter_path(cfg: Config, doc: Document, no_laporan: str, tahun: int, instansi: str = "",
                version: int = 1) -> str:
    """The letter's place under outbox/, '/' separated; later versions get '(versi N)'."""
    title = f"{doc.title} - {instansi}" if instansi else doc.title
    relative = cfg.berkas.pola.format(tahun=tahun, nn=f"{doc.step:02d}",
                                      langkah=STEPS[doc.step - 1].slug,
                                      no_laporan=no_laporan, dokumen=title)
    parts = [safe_name(p) for p in PurePosixPath(relative.replace("\\", "/")).parts
             if p not in ("", ".", "..", "/")]
    if version > 1:
        stem, dot, ext = parts[-1].rpartition(".")
        parts[-1] = safe_name(f"{stem} (versi {version}).{ext}" if dot else
                              f"{parts[-1]} (versi {version})")
    return "/".join(parts)


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def temp_beside(path: Path) -> Iterator[Path]:
    """A fresh temporary path in `path`'s folder, removed if the block fails."""
    # Not mkstemp: its 0600 mode would make letters unreadable to colleagues on a share.
    tmp = path.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}{TEMP_SUFFIX}"
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic_with(path: Path, write: Callable[[Path], object],
                      overwrite: bool = True) -> None:
    """Call `write(tmp)` on a temporary file beside `path`, then move it into place.

    With `overwrite=False` an existing file is refused (FileExistsError), atomically where
    the file system has hard links, else by a check just before the rename.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with temp_beside(path) as tmp:
        write(tmp)
        if overwrite:
            os.replace(tmp, path)
            return
        try:
            os.link(tmp, path)  # atomic and refuses an existing file
        except FileExistsError:
            raise
        except OSError:  # no hard links here (FAT, some shares): check, then rename
            if path.exists():
                raise FileExistsError(path) from None
            os.replace(tmp, path)


def _write_synced(data: bytes) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    return write


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to `path` durably via a temporary file in the same folder and os.replace."""
    write_atomic_with(path, _write_synced(data))


def remove_stray_temporaries(root: Path) -> int:
    """Delete temporary files a killed run left behind under outbox/; return how many."""
    count = 0
    if root.is_dir():
        for stray in root.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
            stray.unlink(missing_ok=True)
            count += 1
    return count
