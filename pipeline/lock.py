"""One `perda watch` / `perda run` per set of folders: an OS file lock in state/."""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from datetime import datetime
from pathlib import Path
from types import TracebackType

from pipeline.errors import AlreadyRunning

LOCK_NAME = "perda.lock"
# Windows byte-range locks are mandatory: lock a byte past the text so that a second
# instance can still read who holds the lock. POSIX flock locks the whole file instead.
_LOCK_OFFSET = 1 << 16


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting; False if another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    """Release the lock taken by `_try_lock`."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def _read_holder(fd: int) -> dict[str, object]:
    """Who holds the lock, as written by the holder; empty if unknown."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = json.loads(os.read(fd, 4096).decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def already_running_message(holder: dict[str, object]) -> str:
    """The Indonesian message for a refused second instance."""
    detail = ""
    if "pid" in holder:
        detail = f"proses {holder['pid']}"
        host = holder.get("komputer")
        if host and host != socket.gethostname():
            detail += f" di komputer {host}"
        try:
            since = datetime.fromisoformat(str(holder.get("sejak")))
        except ValueError:
            pass
        else:
            same_day = since.date() == datetime.now().date()
            detail += " sejak " + since.strftime("%H.%M" if same_day else "%d-%m-%Y %H.%M")
        detail = f" ({detail})"
    return (f"Aplikasi sudah berjalan untuk folder ini{detail}. "
            "Tutup yang lain dulu, atau tunggu sampai selesai.")


class InstanceLock:
    """Holds `state_dir/perda.lock` so a second watcher on the same folders refuses.

    Edge cases handled:

    - The OS releases the lock when the process dies (even by SIGKILL or a crash), so a
      stale lock file never blocks a restart; the file itself is left in place.
    - A second lock in the same process also refuses (flock is per open file).
    - The refusal names the holder's pid, start time and, if different, its computer.
    - Windows: `msvcrt.locking` on a byte past the text, so the text stays readable.
    """

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunning with the holder's details."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_lock(fd):
                raise AlreadyRunning(already_running_message(_read_holder(fd)))
            holder = {"pid": os.getpid(), "komputer": socket.gethostname(),
                      "sejak": datetime.now().isoformat(timespec="seconds")}
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps(holder).encode("utf-8"))
            self._fd = fd
        finally:
            if self._fd is None:
                os.close(fd)

    def release(self) -> None:
        """Give the lock back (safe to call twice)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
