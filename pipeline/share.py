"""Is a folder on a network share (or a FUSE file system)? Native events do not arrive there.

Linux: the type of the mount holding the folder, from /proc/self/mountinfo (the longest
mount point that contains the folder). Windows: a UNC path (\\\\server\\share), or a
drive letter that GetDriveTypeW calls DRIVE_REMOTE (a mapped network drive). Where the
answer cannot be found (no mountinfo, no ctypes), the folder counts as local: the
periodic rescan still finds what native events miss.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from pipeline.logid import seconds

log = logging.getLogger("pipeline.watch")

# Mount types whose files other machines change (no inotify for those) or FUSE.
NETWORK_TYPES = frozenset({
    "cifs", "smb3", "smbfs", "smb2", "nfs", "nfs4", "ncpfs", "afs", "ceph", "glusterfs",
    "9p",  # WSL 2 drives (/mnt/c), QEMU shared folders
    "drvfs",  # WSL 1 drives
    "vboxsf", "virtiofs", "davfs", "fuse", "fuseblk",
})
DRIVE_REMOTE = 4  # GetDriveTypeW

# Why a folder cannot be read, in words for the office (errno, then Windows error codes).
REASONS = {
    errno.ENOENT: "folder tidak ada", errno.ENOTDIR: "bukan folder",
    errno.EACCES: "akses ditolak", errno.EPERM: "akses ditolak",
    errno.EHOSTDOWN: "komputer tujuan tidak terjangkau",
    errno.EHOSTUNREACH: "komputer tujuan tidak terjangkau",
    errno.ENETUNREACH: "jaringan tidak terjangkau", errno.ETIMEDOUT: "waktu sambungan habis",
    errno.ESTALE: "sambungan ke folder bersama terputus",
    errno.EIO: "sambungan ke folder bersama terputus",
    errno.ENOTCONN: "sambungan ke folder bersama terputus",
    errno.ENOSPC: "batas pemantauan folder di sistem tercapai",
    errno.EMFILE: "terlalu banyak berkas terbuka",
}
WINDOWS_REASONS = {
    3: "folder tidak ada", 5: "akses ditolak", 53: "jaringan tidak terjangkau",
    64: "sambungan ke folder bersama terputus", 67: "nama folder bersama tidak dikenal",
    1222: "jaringan tidak tersedia",
}


@dataclass(frozen=True)
class Share:
    """Where a folder lives when it is not a local disk: the file system type and source."""

    kind: str  # 'cifs', 'fuse.sshfs', 'UNC', 'drive Z:' …
    source: str  # '//server/perda', '\\\\server\\perda', ''

    def describe(self) -> str:
        """'cifs //server/perda', or just the kind."""
        return f"{self.kind} {self.source}".strip()


def _unescape(field: str) -> str:
    """A mountinfo path field: octal escapes (\\040 = space) decoded."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1:i + 4].isdigit():
            out.append(chr(int(field[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def mount_of(path: str, mountinfo: str) -> tuple[str, str, str] | None:
    """(mount point, fs type, source) of the mount holding `path` (an absolute path)."""
    best: tuple[str, str, str] | None = None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or len(tail) < 2:
            continue
        point = _unescape(fields[4])
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, tail[0], _unescape(tail[1]))
    return best


def is_network_type(kind: str) -> bool:
    """Whether a Linux mount type is a network or FUSE file system."""
    return kind in NETWORK_TYPES or kind.startswith("fuse.")


def linux_share(folder: Path, mountinfo: str | None = None) -> Share | None:
    """The network/FUSE mount holding `folder` on Linux, or None (local, or unknown)."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    found = mount_of(os.path.realpath(folder), mountinfo)
    if found is None or not is_network_type(found[1]):
        return None
    return Share(found[1], found[2])


def _drive_type(root: str) -> int | None:
    """GetDriveTypeW of a drive root ('Z:\\'), or None where it cannot be asked."""
    windll = getattr(ctypes, "windll", None)
    if windll is None:
        return None
    try:
        return int(windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))
    except (AttributeError, OSError):
        return None


def windows_share(folder: str, drive_type: Callable[[str], int | None] = _drive_type
                  ) -> Share | None:
    """The network share holding `folder` on Windows (UNC or mapped drive), or None."""
    path = PureWindowsPath(folder)
    if path.drive.startswith("\\\\"):
        return Share("UNC", path.drive)
    if path.drive and drive_type(path.drive + "\\") == DRIVE_REMOTE:
        return Share(f"drive {path.drive}", "")
    return None


def detect_share(folder: Path) -> Share | None:
    """The network or FUSE file system holding `folder` on this system, or None."""
    if os.name == "nt":
        return windows_share(os.path.abspath(folder))
    return linux_share(folder)


def why_unreadable(exc: OSError) -> str:
    """An OSError as a few Indonesian words ('akses ditolak'), for the log."""
    winerror = getattr(exc, "winerror", None)
    if winerror in WINDOWS_REASONS:
        return WINDOWS_REASONS[winerror]
    return REASONS.get(exc.errno or 0, f"kesalahan sistem berkas nomor {exc.errno}")


def polling_setting(config_path: Path | str) -> bool | None:
    """`[pemantau] polling` as written in config.toml: True/False, or None when not set.

    Read from the raw file because the loaded Config cannot tell a default from a value
    written on purpose; config.py has already checked the file.
    """
    try:
        data = tomllib.loads(Path(config_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    value = data.get("pemantau", {}).get("polling")
    return value if isinstance(value, bool) else None


def choose_polling(inbox: Path, setting: bool | None, share: Share | None,
                   rescan: float) -> bool:
    """Whether to poll inbox/: the setting, or (not set) whether it is on a share; logged."""
    if share is None:
        return bool(setting)
    if setting is None:
        log.info("Folder %s ada di folder jaringan (%s): pemberitahuan langsung tidak sampai "
                 "dari PC lain, jadi dipakai polling.", inbox, share.describe())
        return True
    if not setting:
        log.warning("Folder %s ada di folder jaringan (%s), tetapi config.toml menulis "
                    "polling = false: berkas yang disimpan dari PC lain baru terlihat pada "
                    "pemindaian ulang tiap %s. Tulis polling = true di bagian [pemantau].",
                    inbox, share.describe(), seconds(rescan))
    return setting


class InboxHealth:
    """Logs once when inbox/ cannot be read (and why), and once when it reads again."""

    def __init__(self, inbox: Path) -> None:
        self.inbox = inbox
        self.reason: str | None = None  # why it cannot be read, while it cannot

    def failed(self, exc: OSError) -> None:
        """inbox/ could not be read: log it the first time."""
        reason = why_unreadable(exc)
        if self.reason is None:
            log.warning("Folder %s tidak dapat dibaca (%s). Periksa sambungan jaringan atau "
                        "folder bersama; pemantauan berlanjut sendiri begitu folder dapat "
                        "dibaca lagi.", self.inbox, reason)
        self.reason = reason

    def ok(self) -> bool:
        """inbox/ reads: True (and logged) when it could not before."""
        if self.reason is None:
            return False
        log.info("Folder %s dapat dibaca lagi; berkas yang disimpan selama itu diperiksa "
                 "sekarang.", self.inbox)
        self.reason = None
        return True
