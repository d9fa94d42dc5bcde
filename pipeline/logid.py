"""What staff read in the log, in Indonesian: level names, outcome words, the settings line.

The console shows no traceback (a clerk cannot act on one): it says where the details
are. The log file keeps the traceback, the only English a user may meet.
Messages from the watchdog library (its own loggers) are routed into the same handlers,
those we know translated, the others marked as technical; so are errors that end a
thread (`threading.excepthook`).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Config

LEVEL_NAMES = {
    logging.DEBUG: "RINCIAN",
    logging.INFO: "INFO",
    logging.WARNING: "PERINGATAN",
    logging.ERROR: "KESALAHAN",
    logging.CRITICAL: "KRITIS",
}

# Outcome.status (process.py) as the log line says it.
STATUS_WORDS = {
    "ok": "baik",
    "problems": "ada isian yang perlu diperbaiki",
    "rejected": "ditolak",
    "error": "gagal",
    "unchanged": "tidak berubah",
    "gone": "sudah tidak ada",
}

PDF_WORDS = {"auto": "bila LibreOffice terpasang", "ya": "ya", "tidak": "tidak"}

# watchdog's own messages (watchdog/observers/*.py) → Indonesian; %s = what it names.
WATCHDOG_MESSAGES: list[tuple[re.Pattern[str], int, str]] = [
    (re.compile(r"^Cannot take a snapshot of '?(.+?)'?, will retry: (.+)$"), logging.DEBUG,
     "Pemantau belum dapat membaca folder {0} ({1}); dicoba lagi."),
    (re.compile(r"^Snapshot of '?(.+?)'? succeeded again, resuming$"), logging.DEBUG,
     "Pemantau dapat membaca folder {0} lagi."),
    (re.compile(r"^Inotify queue overflowed"), logging.WARNING,
     "Terlalu banyak perubahan sekaligus; sebagian pemberitahuan hilang. Folder dipindai "
     "ulang pada pemindaian berikutnya."),
]


def status_word(status: str) -> str:
    """An outcome status in the log's words ('problems' → 'ada isian yang perlu diperbaiki')."""
    return STATUS_WORDS.get(status, status)


def seconds(value: float) -> str:
    """'1 detik', '0,5 detik': a number of seconds as Indonesian writes it."""
    text = f"{value:g}".replace(".", ",")
    return f"{text} detik"


def describe_settings(cfg: Config) -> str:
    """The effective settings, in one Indonesian line logged at start-up."""
    p, pdf = cfg.pemantau, PDF_WORDS.get(cfg.berkas.pdf, cfg.berkas.pdf)
    return (f"inbox {cfg.inbox}; outbox {cfg.outbox}; data aplikasi {cfg.state_dir}; "
            f"templat {cfg.templates}; periksa tiap {seconds(p.interval_detik)}, "
            f"jeda stabil {seconds(p.jeda_stabil_detik)}, pindai ulang tiap "
            f"{seconds(p.pindai_ulang_detik)}; PDF: {pdf}")


class IndonesianFormatter(logging.Formatter):
    """Level names in Indonesian; with `traceback_note`, a note replaces the traceback."""

    def __init__(self, fmt: str, datefmt: str | None = None, *,
                 traceback_note: str | None = None) -> None:
        super().__init__(fmt, datefmt)
        self._note = traceback_note

    def format(self, record: logging.LogRecord) -> str:
        """The record with its Indonesian level name (and no traceback with a note)."""
        copy = logging.makeLogRecord(record.__dict__)
        copy.levelname = LEVEL_NAMES.get(record.levelno, record.levelname)
        if self._note is not None and (record.exc_info or record.stack_info):
            copy.msg, copy.args = f"{record.getMessage()} ({self._note})", None
            copy.exc_info, copy.exc_text, copy.stack_info = None, None, None
        return super().format(copy)


def translate_watchdog(record: logging.LogRecord) -> None:
    """Rewrite a watchdog record in Indonesian (or mark it as technical), level included."""
    text = record.getMessage()
    for pattern, level, template in WATCHDOG_MESSAGES:
        match = pattern.match(text)
        if match:
            record.msg, record.args = template.format(*match.groups()), None
            record.levelno, record.levelname = level, logging.getLevelName(level)
            return
    record.msg, record.args = f"Pesan teknis pemantau folder (watchdog): {text}", None


class _WatchdogRoute(logging.Handler):
    """Translates each watchdog record once, then hands it to our handlers."""

    def __init__(self, targets: list[logging.Handler], level: int) -> None:
        super().__init__()
        self.targets, self.minimum = targets, level

    def emit(self, record: logging.LogRecord) -> None:
        """Translate, drop what fell below the level, pass the rest on."""
        translate_watchdog(record)
        if record.levelno >= self.minimum:
            for target in self.targets:
                target.handle(record)


def route_watchdog(handlers: list[logging.Handler], verbose: bool = False) -> None:
    """Send watchdog's own messages to our handlers, translated, instead of bare stderr."""
    lib = logging.getLogger("watchdog")
    for handler in list(lib.handlers):
        lib.removeHandler(handler)
    level = logging.DEBUG if verbose else logging.INFO
    lib.setLevel(level)
    lib.propagate = False
    lib.addHandler(_WatchdogRoute(list(handlers), level))


def _thread_error(args: threading.ExceptHookArgs) -> None:
    """A thread that died (e.g. watchdog's emitter): one Indonesian line, traceback to the file."""
    if issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    exc_info = (args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)
    logging.getLogger("pipeline").error(
        "Kesalahan tak terduga di utas %s; pemantauan memulihkannya pada pemindaian ulang.",
        name, exc_info=exc_info)


def route_thread_errors() -> None:
    """Log errors escaping any thread through our handlers instead of bare stderr."""
    threading.excepthook = _thread_error
