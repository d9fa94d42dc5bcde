"""Where a letter is filed under outbox/, Windows-safe names, and atomic writes.

One function decides a letter's place (`letter_path`), from the pattern in config.toml.
Files are written to a temporary name in the target folder and renamed into place, so a
clerk never opens a half-written letter and a kill leaves at most a stray temporary file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path, PurePosixPath

from pipeline.config import Config
from pipeline.schema import STEPS, Document

PROBLEM_FOLDER = "_perlu-perbaikan"
TEMP_PREFIX = ".perda-tmp-"  # temporary files; the watcher and archivers ignore dot files
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
MAX_NAME = 120  # per path component; keeps whole paths well under Windows' 260


def safe_name(text: str, max_len: int = MAX_NAME) -> str:
    """One Windows-safe path component: no forbidden characters, reserved names or
    trailing dots/spaces, and not longer than `max_len` characters."""
    name = _FORBIDDEN.sub("-", text)
    name = " ".join(name.split()).strip(" .")
    if len(name) > max_len:
        stem, dot, ext = name.rpartition(".")
        if dot and len(ext) <= 5:
            name = stem[: max_len - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:max_len].rstrip(" .")
    if name.split(".")[0].upper() in WINDOWS_RESERVED:
        name = "_" + name
    return name or "_"


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


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to `path` via a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stray_temporaries(root: Path) -> int:
    """Delete temporary files a killed run left behind under outbox/; return how many."""
    count = 0
    if root.is_dir():
        for stray in root.rglob(f"{TEMP_PREFIX}*"):
            stray.unlink(missing_ok=True)
            count += 1
    return count
