"""When is a saved workbook complete? The rule, apart from any thread or observer.

A file is ready when

- its (size, mtime) has stayed the same for the settle window — or, for a zip-based
  workbook whose central directory already reads, for one interval (the directory is
  written last, so once it reads and the file keeps still the save is over);
- and, for zip-based workbooks, the central directory reads (`is_complete`). A
  password-protected workbook (an OLE container, not a zip) needs stability only.
- With native close-after-write events (Linux inotify), a complete file is ready at once.
- A zip-based file that stays stable but never reads as a zip (damaged, or not a workbook)
  is ready after `broken_after` seconds, so processing can report it.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".ods"})  # complete only with a zip directory
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE container: encrypted .xlsx or .xls inside

Signature = tuple[int, int]  # (size, mtime_ns)


def signature(path: Path) -> Signature | None:
    """(size, mtime_ns) of a regular file; None when it is gone or not a file."""
    st = path.stat()  # FileNotFoundError and other OSErrors go to the caller
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns)


def is_complete(path: Path) -> bool:
    """Whether a zip-based workbook's central directory reads; other files always are."""
    if path.suffix.lower() not in ZIP_SUFFIXES:
        return True
    try:
        with path.open("rb") as f:
            if f.read(len(CFB_MAGIC)) == CFB_MAGIC:
                return True  # password-protected: not a zip; stability must do
            f.seek(0)
            with zipfile.ZipFile(f) as z:
                return bool(z.infolist())
    except (OSError, EOFError, ValueError, zipfile.BadZipFile):
        return False  # half written, or locked by the writer (Windows sharing violation)


@dataclass
class Readiness:
    """The readiness rule of the module docstring, per path, on a clock the caller gives.

    `check(path, sig, now)` returns None when the file is ready now, else the time to look
    again. It remembers when each path last changed; `forget` drops a path.
    """

    settle: float
    interval: float
    broken_after: float
    complete: Callable[[Path], bool] = is_complete
    _since: dict[Path, tuple[Signature, float]] = field(default_factory=dict)

    def check(self, path: Path, sig: Signature, now: float, closed: bool = False) -> float | None:
        """None when `path` (now with `sig`) is ready, else when to look again."""
        seen = self._since.get(path)
        if seen is None or seen[0] != sig:
            self._since[path] = (sig, now)
            seen = self._since[path]
        stable_for = now - seen[1]
        complete = self.complete(path)
        zip_done = complete and path.suffix.lower() in ZIP_SUFFIXES
        settle = min(self.settle, self.interval) if zip_done else self.settle
        if not closed and stable_for < settle:
            return now + max(settle - stable_for, 0.01)
        if complete or stable_for >= self.broken_after:
            return None
        return now + self.interval

    def forget(self, path: Path) -> None:
        """Drop what is known about `path` (handed on, or gone)."""
        self._since.pop(path, None)
