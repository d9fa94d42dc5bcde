"""Writing under outbox/: atomic writes, and the guard that never replaces another letter.

Where things go is decided in layout.py (re-exported here for older imports). Files are
written to a temporary name in the target folder and renamed into place, so a clerk never
opens a half-written letter and a kill leaves at most a stray temporary file.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from pipeline.layout import PROBLEM_FOLDER, letter_path, safe_name
from pipeline.stamp import read_stamp, stamp

__all__ = ["PROBLEM_FOLDER", "NameTaken", "file_letter", "letter_path",
           "remove_stray_temporaries", "safe_name", "sha256_bytes", "temp_beside",
           "write_atomic", "write_atomic_with"]

# What makes two records the same letter, same version. A letter moved into another year
# and back is a new letter with another number under the same case, document, agency,
# year and version 1: its number tells the two apart (it must never replace the first).
IDENTITY = ("case_id", "doc", "instansi", "tahun", "version", "urut")

TEMP_PREFIX, TEMP_SUFFIX = ".~perda-", ".tmp"  # temporary files: hidden, and never *.xlsx


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


_TEMP_IDS = itertools.count()
_TEMP_TOKEN: list[str] = []  # this process's random part of temporary names


def _temp_name() -> str:
    """A temporary file name unique to this process and call (no random bytes per file)."""
    if not _TEMP_TOKEN or _TEMP_TOKEN[0] != f"{os.getpid()}":
        _TEMP_TOKEN[:] = [f"{os.getpid()}", uuid.uuid4().hex[:12]]
    return f"{TEMP_PREFIX}{_TEMP_TOKEN[1]}-{_TEMP_TOKEN[0]}-{next(_TEMP_IDS)}{TEMP_SUFFIX}"


@contextlib.contextmanager
def temp_beside(path: Path) -> Iterator[Path]:
    """A fresh temporary path in `path`'s folder, removed if the block fails."""
    # Not mkstemp: its 0600 mode would make letters unreadable to colleagues on a share.
    tmp = path.parent / _temp_name()
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic_with(path: Path, write: Callable[[Path], object],
                      overwrite: bool = True) -> None:
    """Call `write(tmp)` on a temporary file beside `path`, then move it into place.

    With `overwrite=False` an existing file is refused (FileExistsError), atomically where
    the file system has hard links, else by a check just before the rename. The folder is
    made first when it is missing: `write` is called once (a workbook saves only once).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_beside(path, write, overwrite)


def _write_bytes_atomic(path: Path, data: bytes, overwrite: bool) -> None:
    """`write_atomic_with` for bytes, synced, with no look at the folder first: it is made
    only when the write finds it missing (bytes can be written again; the hot path)."""
    try:
        _write_beside(path, _write_synced(data), overwrite)
    except FileNotFoundError:
        # The folder was missing when the temporary file was opened. Another thread
        # filing a letter into the same new folder may have made it since: checking
        # is_dir() here and re-raising lost that race. Make it (or find it made) and try
        # once more; a FileNotFoundError that is not the folder's comes back from it.
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_beside(path, _write_synced(data), overwrite)


def _write_beside(path: Path, write: Callable[[Path], object], overwrite: bool) -> None:
    """`write_atomic_with` in an existing folder."""
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


class NameTaken(Exception):
    """A letter's place is held by a file that is not an earlier state of that letter."""

    def __init__(self, path: Path, holder: Mapping[str, object] | None) -> None:
        who = (f"surat {holder.get('nomor')} versi {holder.get('version')}" if holder
               else "berkas lain")
        self.message = (f"Surat tidak ditulis: {path} sudah berisi {who}, bukan surat ini. "
                        "Berkas itu tidak ditimpa dan surat ini tetap menunggu. Pindahkan "
                        "berkas itu (atau ubah [berkas] pola di config.toml), lalu simpan "
                        "ulang buku kerja.")
        super().__init__(self.message)


def same_letter(a: Mapping[str, object], b: Mapping[str, object]) -> bool:
    """Whether two records are the same letter, same version."""
    return all(a.get(key) == b.get(key) for key in IDENTITY)


def may_replace(path: Path, record: Mapping[str, object], recorded_sha: str = "") -> bool:
    """Whether the file at `path` may be replaced by `record`'s letter: it is missing, or
    an earlier state of that very letter (stamped with it, or the sha the state recorded)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return True
    if recorded_sha and sha256_bytes(data) == recorded_sha:
        return True
    found = read_stamp(data)
    return found is not None and same_letter(found, record)


def file_letter(path: Path, data: bytes, record: Mapping[str, object],
                shown: Mapping[str, str] | None = None, recorded_sha: str = "", *,
                stamped: bool = False) -> str:
    """Stamp a rendered letter with its record and file it at `path`; return its sha256.

    `stamped`: `data` already carries this record and `shown` (stamped in a worker).

    Raises NameTaken, writing nothing, when `path` holds anything but an earlier state of
    the same letter (a kill between write and completion leaves such a state).
    """
    content = data if stamped else stamp(data, record, shown)
    try:  # a new place, as almost always: linked in, refused if anything is there
        _write_bytes_atomic(path, content, overwrite=False)
    except FileExistsError:  # something is there: replaced only if it is this letter's
        if not may_replace(path, record, recorded_sha):
            raise NameTaken(path, read_stamp(path)) from None
        _write_bytes_atomic(path, content, overwrite=True)
    return sha256_bytes(content)


def remove_stray_temporaries(root: Path) -> int:
    """Delete temporary files a killed run left behind under outbox/; return how many."""
    count = 0
    if root.is_dir():
        for stray in root.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
            stray.unlink(missing_ok=True)
            count += 1
    return count
