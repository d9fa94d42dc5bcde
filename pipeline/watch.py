"""Watch inbox/ and hand each completely saved workbook to the processing function.

The detection layer only: it decides *when* a file is ready and calls `handle(path)`;
what processing does is not its business.

Decisions:

- Non-recursive. Staff save into inbox/ itself; a subfolder is theirs to use as a
  scratch area (drafts, copies, an "arsip" folder) and is never processed. This also
  keeps a careless "move outbox/ into inbox/" from feeding letters back in.
- Only workbook-like files are candidates (`CANDIDATE_SUFFIXES`). `.xls`, `.xlsb`,
  `.ods` and `.csv` are passed on too, so processing can tell staff to save as .xlsx;
  everything else, and every name in `IGNORE_PATTERNS`, is ignored.
- Ready means what `readiness.Readiness` says (size and mtime unchanged over the settle
  window, and a zip central directory that reads; close-after-write skips the window).
- On a network or FUSE file system (`share.detect_share`) native events from other PCs
  never arrive: unless config.toml sets `polling` itself, the watcher polls there, and
  says so; with `polling = false` written on a share it warns instead.
- An inbox/ that cannot be read is logged at once (in Indonesian) and again when it is
  back; it is then rescanned at once.
- The observer thread only records paths; a single worker thread (the one calling
  `run`) checks them and calls `handle`, so `handle` never runs concurrently.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from watchdog.events import (
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileOpenedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from pipeline.errors import ConfigError, TemplateError
from pipeline.logid import seconds as _seconds
from pipeline.readiness import Readiness, Signature, signature
from pipeline.share import InboxHealth, Share, choose_polling, detect_share, why_unreadable

log = logging.getLogger("pipeline.watch")

# Matched case-insensitively against the file name only.
IGNORE_PATTERNS: list[str] = [
    "~$*",  # Excel/WPS owner file while a workbook is open ("~$Laporan.xlsx")
    ".~lock.*#",  # LibreOffice lock file (".~lock.Laporan.xlsx#")
    "~wrl*.tmp",  # Word/Excel temporary copy during a save ("~WRL0001.tmp")
    "*.tmp",  # any temporary file (LibreOffice writes "lu12345abc.tmp", then renames)
    "[0-9a-f]" * 8,  # Excel's temp save file: 8 hex digits, no extension ("A1B2C3D4")
    "thumbs.db",  # Windows Explorer thumbnail cache
    "desktop.ini",  # Windows folder settings
    ".ds_store",  # macOS Finder metadata
    ".*",  # hidden files: dot files (WPS ".~Laporan.xlsx", editors' swap files, ...)
]

CANDIDATE_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv"})
TICK = 0.25  # longest the worker sleeps, so stop.set() is noticed quickly

def is_candidate(path: Path) -> bool:
    """Whether a file name looks like a workbook staff saved (not a lock/temp file)."""
    name = path.name.lower()
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in IGNORE_PATTERNS):
        return False
    return path.suffix.lower() in CANDIDATE_SUFFIXES


@dataclass
class _Entry:
    """What the worker knows about one pending path."""

    due: float = 0.0  # monotonic time of the next look
    closed: bool = False  # the last native event was close-after-write
    gen: int = 0  # bumped by every event, to notice events during a look


class _Events(FileSystemEventHandler):
    """Forwards file events from the observer thread to `Watcher.note`."""

    _NOISE = (FileOpenedEvent, FileClosedNoWriteEvent)  # our own reads cause these

    def __init__(self, note: Callable[[Path, bool], None]) -> None:
        self._note = note

    def on_any_event(self, event: FileSystemEvent) -> None:
        """Note the source and (for a move) destination of a file event."""
        if event.is_directory or isinstance(event, self._NOISE):
            return
        closed = isinstance(event, FileClosedEvent)
        for raw in (event.src_path, event.dest_path):
            if raw:
                self._note(Path(os.fsdecode(raw)), closed)


class Watcher:
    """Calls `handle(path)` once per completed save of a workbook in inbox/.

    Edge cases handled:

    - Backlog: every candidate already in inbox/ at start is handled (observer started
      first, so nothing saved during the initial scan is missed).
    - Lock and temporary files of Excel, LibreOffice and WPS never reach `handle`.
    - A save in several writes, or one that pauses: handled once, after it is complete.
    - One save = many events (temp file, rename, lock file): one `handle` call, because
      calls are keyed by path and deduplicated on (size, mtime_ns).
    - A file that keeps changing is looked at again and again, never dropped.
    - A zip-based file that stays stable but never reads as a zip (damaged, or not a
      workbook at all) is passed on after `broken_after` seconds so processing can
      report it; a password-protected one (OLE container) after the settle window.
    - Deleted before it settles: forgotten quietly. Renamed: handled under the new name.
    - Edited while being handled: handled again afterwards, since the signature taken
      before the call no longer matches.
    - `handle` raising: logged with its traceback, the watcher goes on; the file is not
      retried until it changes. Except ConfigError/TemplateError: every file would fail
      alike (and not be retried), so they end `run`; the next start redoes the backlog.
    - Lost native events (network shares, overflow, observer restart): a full rescan
      every `rescan` seconds; a dead observer is restarted; if native events cannot be
      started at all, polling is used.
    - Stop: noticed within `TICK` seconds, or after the current `handle` call returns.

    Not handled: an edit that keeps both size and mtime (coarse mtime on FAT) is missed.
    """

    def __init__(self, inbox: Path, handle: Callable[[Path], None], *, polling: bool | None,
                 interval: float, settle: float, rescan: float,
                 broken_after: float | None = None,
                 on_idle: Callable[[], None] | None = None,
                 detect: Callable[[Path], Share | None] = detect_share,
                 background: Callable[[], bool] | None = None,
                 on_rescan: Callable[[], None] | None = None) -> None:
        self._inbox = Path(inbox).absolute()
        self._handle = handle
        self._polling_setting = polling  # None: not set in config.toml (decided in `run`)
        self._polling = bool(polling)
        self._detect = detect
        self._interval = interval
        self._settle = settle
        self._rescan = rescan
        self._ready = Readiness(settle, interval, broken_after if broken_after is not None
                                else max(30.0, 10 * settle))
        self._on_idle = on_idle  # after a burst of handled files, when nothing is pending
        self._on_rescan = on_rescan  # at every rescan: retry what failed, recheck what is due
        self._handled_since_idle = False
        self._background = background  # idle work in short steps; True while more is left
        self._background_done = False  # it said nothing is left: wait for the next file
        self._pending: dict[Path, _Entry] = {}
        self._done: dict[Path, Signature] = {}  # signature at the last handle call
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._health = InboxHealth(self._inbox)  # logs when inbox/ stops/starts reading

    # --- called from the observer thread ---------------------------------------------

    def note(self, path: Path, closed: bool = False) -> None:
        """Record that something happened to `path`; the worker looks at it soon."""
        if path.parent != self._inbox or not is_candidate(path):
            return
        with self._lock:
            entry = self._pending.setdefault(path, _Entry())
            entry.closed, entry.due = closed, 0.0
            entry.gen += 1
        self._wake.set()

    # --- the worker -------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Handle the backlog, then watch until `stop` is set."""
        self._polling = self._choose_mode()
        how = (f"polling (diperiksa tiap {_seconds(self._interval)})" if self._polling
               else "pemberitahuan langsung dari sistem")
        log.info("Memantau folder %s dengan %s; berkas diproses setelah tidak berubah %s.",
                 self._inbox, how, _seconds(self._settle))
        observer = self._start_observer(self._polling)
        try:
            self.scan()
            next_rescan = time.monotonic() + self._rescan
            next_check = time.monotonic() + self._interval
            while not stop.is_set():
                now = time.monotonic()
                if now >= next_check:
                    if self._inbox_came_back():
                        next_rescan = now  # look at once at what was saved meanwhile
                    next_check = now + self._interval
                if now >= next_rescan:
                    # Safety net: native events are lost on network shares, after an
                    # event-queue overflow, or while the observer restarts.
                    observer = self._keep_observer(observer)
                    self.scan()
                    if self._on_rescan is not None:
                        self._guarded("pemeriksaan berkala", self._on_rescan)
                    next_rescan = time.monotonic() + self._rescan
                self._wake.clear()
                self._work(stop)
                self._idle_if_done()
                more = self._background_step()
                self._wake.wait(0 if more else self._sleep_time(min(next_rescan, next_check)))
        finally:
            self._stop_observer(observer)
            log.info("Pemantauan folder %s dihentikan.", self._inbox)

    def _choose_mode(self) -> bool:
        """Polling or native events: the setting, or polling when inbox/ is on a share."""
        try:
            share = self._detect(self._inbox)
        except OSError:
            share = None
        return choose_polling(self._inbox, self._polling_setting, share, self._rescan)

    def _inbox_came_back(self) -> bool:
        """Check that inbox/ reads; True when it does again after it could not."""
        try:
            with os.scandir(self._inbox) as entries:
                next(entries, None)
        except OSError as exc:
            self._health.failed(exc)
            return False
        return self._health.ok()

    def scan(self) -> None:
        """Look at every candidate in inbox/ that is new or changed since it was handled."""
        try:
            with os.scandir(self._inbox) as entries:
                names = [entry.name for entry in entries]
        except OSError as exc:
            self._health.failed(exc)
            return
        present = {self._inbox / name for name in names}
        with self._lock:
            pending = set(self._pending)
        for path in sorted(present - pending):
            if is_candidate(path) and self._changed(path):
                self.note(path)
        for path in list(self._done):
            if path not in present:  # renamed or deleted: its report goes at the idle hook
                del self._done[path]
                self._handled_since_idle = True

    def _changed(self, path: Path) -> bool:
        """Whether `path` differs from what was last handed on (errors count as changed)."""
        try:
            return signature(path) != self._done.get(path)
        except OSError:
            return True

    def _work(self, stop: threading.Event) -> None:
        """Look at every pending path that is due, handing on those that are ready."""
        now = time.monotonic()
        with self._lock:
            due = sorted(p for p, e in self._pending.items() if e.due <= now)
        for path in due:
            if stop.is_set():
                return
            self._look(path)

    def _look(self, path: Path) -> None:
        """Check one pending path and hand it on when it is ready."""
        with self._lock:
            entry = self._pending.get(path)
            if entry is None:
                return
            gen, closed = entry.gen, entry.closed
        try:
            sig = signature(path)
        except FileNotFoundError:
            sig = None
        except OSError as exc:  # network hiccup, permission: try again later
            log.debug("Belum dapat membaca %s: %s", path, exc)
            self._reschedule(path, gen, time.monotonic() + self._interval)
            return
        if sig is None or self._done.get(path) == sig:
            self._forget(path, gen, gone=sig is None)
            return
        ready_at = self._readiness(path, sig, closed)
        if ready_at is not None:
            self._reschedule(path, gen, ready_at)
        elif self._forget(path, gen, gone=False):
            self._call(path, sig)

    def _readiness(self, path: Path, sig: Signature, closed: bool) -> float | None:
        """None when `path` is ready now, else the monotonic time to look again."""
        return self._ready.check(path, sig, time.monotonic(), closed)

    def _idle_if_done(self) -> None:
        """Call `on_idle` once after files were handled and nothing is pending any more."""
        with self._lock:
            busy = bool(self._pending)
        if busy or not self._handled_since_idle or self._on_idle is None:
            return
        self._handled_since_idle = False
        self._guarded("pekerjaan akhir (buku agenda, rekap)", self._on_idle)

    def _background_step(self) -> bool:
        """One step of the idle work (PDFs left over) when nothing else waits; True when
        more is left."""
        with self._lock:
            busy = bool(self._pending)
        work = self._background
        if busy or self._handled_since_idle or work is None or self._background_done:
            return False
        more: list[bool] = []
        self._guarded("PDF tertunda", lambda: more.append(bool(work())))
        self._background_done = not (more and more[0])
        return not self._background_done

    def _reschedule(self, path: Path, gen: int, due: float) -> None:
        """Set the next look, unless an event arrived meanwhile (then look at once)."""
        with self._lock:
            entry = self._pending.get(path)
            if entry is not None and entry.gen == gen:
                entry.due = due

    def _forget(self, path: Path, gen: int, *, gone: bool) -> bool:
        """Drop a pending path unless an event arrived meanwhile; True if dropped."""
        with self._lock:
            entry = self._pending.get(path)
            if entry is None or entry.gen != gen:
                return False
            del self._pending[path]
        self._ready.forget(path)
        if gone:
            if self._done.pop(path, None) is not None:
                self._handled_since_idle = True  # a handled file went: tidy its report
            log.debug("%s hilang sebelum diproses; dilewati.", path)
        return True

    def _call(self, path: Path, sig: Signature) -> None:
        """Hand a ready file on."""
        self._done[path] = sig  # before the call: a file that crashes is not retried in a loop
        self._handled_since_idle = True
        self._background_done = False
        log.info("Memeriksa %s", path.name)
        self._guarded(path.name, lambda: self._handle(path))

    @staticmethod
    def _guarded(what: str, call: Callable[[], object]) -> None:
        """Run a handler; the one broad catch, so one bad file never stops the watcher."""
        try:
            call()
        except (ConfigError, TemplateError):
            raise  # every file would fail the same way: stop, so `perda watch` says why
        except Exception:  # noqa: BLE001 - unattended folder: log, keep watching
            log.exception("Gagal memproses %s; pemantauan tetap berjalan.", what)

    def _sleep_time(self, next_rescan: float) -> float:
        """Seconds until the next due look or rescan, at most `TICK`."""
        now = time.monotonic()
        with self._lock:
            soonest = min((e.due for e in self._pending.values()), default=next_rescan)
        return min(max(min(soonest, next_rescan) - now, 0.01), TICK)

    # --- the observer -----------------------------------------------------------------

    def _start_observer(self, polling: bool) -> BaseObserver:
        """Start a native or polling observer on inbox/; fall back to polling if needed."""
        observer = PollingObserver(timeout=self._interval) if polling else Observer()
        observer.schedule(_Events(self.note), str(self._inbox), recursive=False)
        try:
            observer.start()
        except OSError as exc:
            if polling or not self._inbox.is_dir():
                raise  # no inbox/ at all: falling back to polling would not help
            log.warning("Pemberitahuan langsung tidak tersedia (%s); memakai polling.",
                        why_unreadable(exc))
            return self._start_observer(True)
        return observer

    def _keep_observer(self, observer: BaseObserver) -> BaseObserver:
        """Restart the observer if it or its emitter died (e.g. the share went away)."""
        if observer.is_alive() and all(e.is_alive() for e in observer.emitters):
            return observer
        log.warning("Pemantau folder %s berhenti; dimulai ulang.", self._inbox)
        self._stop_observer(observer)
        try:
            return self._start_observer(self._polling)
        except OSError as exc:
            log.warning("Folder %s belum dapat dipantau (%s); dicoba lagi nanti.",
                        self._inbox, why_unreadable(exc))
            return observer

    @staticmethod
    def _stop_observer(observer: BaseObserver) -> None:
        """Stop an observer and wait briefly for its threads."""
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=2.0)


@dataclass
class StopSignals:
    """Which signal asked the watcher to stop (None: none yet), for the exit code."""

    received: int | None = None


def install_signal_handlers(stop: threading.Event) -> StopSignals:
    """Make SIGINT/SIGTERM (and Windows' SIGBREAK) set `stop`; a second one aborts."""
    state = StopSignals()
    if threading.current_thread() is not threading.main_thread():
        return state  # signal handlers can only be set from the main thread

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt  # asked twice: stop now
        state.received = signum
        stop.set()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):  # SIGBREAK: Ctrl+Break on Windows
        signum = getattr(signal, name, None)
        if signum is not None:
            signal.signal(signum, on_signal)
    return state
