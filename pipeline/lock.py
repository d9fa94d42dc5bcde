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
from pipeline.layout import OUTBOX_LOCK

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


def _holder_detail(holder: dict[str, object], with_state: bool = False) -> str:
    """' (proses 123 di komputer X sejak 08.15, folder state …)', or '' when unknown."""
    if "pid" not in holder:
        return ""
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
    if with_state and holder.get("state"):
        detail += f", folder state {holder['state']}"
    return f" ({detail})"


def already_running_message(holder: dict[str, object]) -> str:
    """The Indonesian message for a refused second instance."""
    return (f"Aplikasi sudah berjalan untuk folder ini{_holder_detail(holder)}. "
            "Tutup yang lain dulu, atau tunggu sampai selesai.")


def outbox_taken_message(outbox: Path, holder: dict[str, object]) -> str:
    """The Indonesian message when another instance (maybe another PC) works on the outbox."""
    detail = _holder_detail(holder, with_state=True)
    return (f"Folder outbox {outbox} sedang dipakai oleh aplikasi lain{detail}. "
            "Satu outbox hanya boleh diolah oleh satu komputer dengan satu folder state; "
            "hentikan yang lain dulu, atau arahkan [folder] outbox ke folder lain.")


def _hide(path: Path) -> None:
    """Give a file the Windows 'hidden' attribute (elsewhere its leading dot does that)."""
    if sys.platform == "win32":
        import ctypes

        ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x02)  # FILE_ATTRIBUTE_HIDDEN


class _FileLock:
    """An OS lock on one file, whose text names the holder."""

    def __init__(self, path: Path, hidden: bool = False) -> None:
        self.path = path
        self.hidden = hidden  # Windows: hide it from the clerks browsing the folder
        self._fd: int | None = None

    def acquire(self, holder: dict[str, object]) -> dict[str, object] | None:
        """Take the lock; None on success, else what the current holder wrote."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_lock(fd):
                return _read_holder(fd)
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps(holder).encode("utf-8"))
            self._fd = fd
            if self.hidden:
                _hide(self.path)
            return None
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


class InstanceLock:
    """Holds `state_dir/perda.lock`, and `outbox/.perda.lock` when given the outbox, so a
    second watcher on the same folders refuses — also one on another PC with its own state
    folder that shares the outbox.

    Edge cases handled:

    - The OS releases the lock when the process dies (even by SIGKILL or a crash), so a
      stale lock file never blocks a restart; the file itself is left in place.
    - A second lock in the same process also refuses (flock is per open file).
    - The refusal names the holder's pid, start time, state folder and, if different, its
      computer.
    - The state lock is taken first and given back if the outbox is taken.
    - Windows: `msvcrt.locking` on a byte past the text, so the text stays readable.
    """

    def __init__(self, state_dir: Path, outbox: Path | None = None) -> None:
        self.path = Path(state_dir) / LOCK_NAME
        self.outbox = Path(outbox) if outbox is not None else None
        self._state = _FileLock(self.path)
        self._outbox = _FileLock(self.outbox / OUTBOX_LOCK, hidden=True) if self.outbox else None

    def acquire(self) -> None:
        """Take the lock(s) or raise AlreadyRunning with the holder's details."""
        holder: dict[str, object] = {
            "pid": os.getpid(), "komputer": socket.gethostname(),
            "sejak": datetime.now().isoformat(timespec="seconds"),
            "state": str(self.path.parent.resolve())}
        other = self._state.acquire(holder)
        if other is not None:
            raise AlreadyRunning(already_running_message(other))
        if self._outbox is None or self.outbox is None:
            return
        try:
            other = self._outbox.acquire(holder)
        except OSError:
            self._state.release()
            raise
        if other is not None:
            self._state.release()
            raise AlreadyRunning(outbox_taken_message(self.outbox, other))

    def release(self) -> None:
        """Give the lock(s) back (safe to call twice)."""
        if self._outbox is not None:
            self._outbox.release()
        self._state.release()

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
