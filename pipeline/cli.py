"""The `perda` command line: a thin layer over the library functions.

Expected failures become one Indonesian line and their exit code (errors.ExitCode);
anything unexpected is logged with its traceback and exits with `other_error`.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from pipeline import __version__, pdf
from pipeline.argid import IndonesianParser
from pipeline.attention import office_attention
from pipeline.config import Config, load_config, placeholders
from pipeline.errors import ExitCode, PerdaError, TemplateError, UsageError
from pipeline.form import emblem_problem, emblem_size_note
from pipeline.lock import InstanceLock
from pipeline.logid import (
    IndonesianFormatter,
    describe_settings,
    route_thread_errors,
    route_watchdog,
)
from pipeline.model import Case
from pipeline.process import (
    Outcome,
    finish_batch,
    inbox_files,
    open_state,
    recover,
    safe_process,
)
from pipeline.recap import recap_path, write_recap
from pipeline.render import check_templates
from pipeline.share import polling_setting
from pipeline.status import colours_work, format_status, status_rows
from pipeline.watch import Watcher, install_signal_handlers
from pipeline.workbook import write_blank_intake

log = logging.getLogger("pipeline")


def setup_logging(state_dir: Path | None, verbose: bool = False) -> None:
    """Log to the console, and to a rotating file under the state folder (in Indonesian)."""
    root = logging.getLogger("pipeline")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    console = logging.StreamHandler(sys.stderr)
    note = "rincian teknis di state/log/perda.log" if state_dir is not None else None
    console.setFormatter(IndonesianFormatter("%(asctime)s %(levelname)s %(message)s",
                                             "%H.%M.%S", traceback_note=note))
    root.addHandler(console)
    if state_dir is not None:
        (state_dir / "log").mkdir(parents=True, exist_ok=True)
        file = RotatingFileHandler(state_dir / "log" / "perda.log", maxBytes=2_000_000,
                                   backupCount=5, encoding="utf-8")
        file.setFormatter(IndonesianFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(file)
    route_watchdog(root.handlers, verbose)
    route_thread_errors()


def startup(cfg: Config) -> None:
    """With the lock held: start logging, check the templates, log the effective settings."""
    setup_logging(cfg.state_dir)
    problems = check_templates(cfg)
    if problems:
        raise TemplateError("Templat surat bermasalah:\n" + "\n".join(f"- {p}" for p in problems))
    log.info("Pengaturan: %s", describe_settings(cfg))


class TerminalProgress:
    """A one-line progress bar on stderr for long files, only when it is a terminal."""

    MIN_CASES = 200  # a single save of a few cases prints nothing

    def __init__(self) -> None:
        self.active = sys.stderr.isatty()
        self.shown = False

    def __call__(self, name: str, seen: int, total: int, letters: int) -> None:
        if not self.active or total < self.MIN_CASES:
            return
        filled = int(30 * seen / max(total, 1))
        sys.stderr.write(f"\r{name}: [{'#' * filled}{'.' * (30 - filled)}] "
                         f"{seen}/{total} laporan, {letters} surat")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        """End the bar's line."""
        if self.shown:
            sys.stderr.write("\n")
            self.shown = False


def exit_code_for(outcomes: list[Outcome]) -> ExitCode:
    """0 when every file went through cleanly, 1 when some input was rejected."""
    bad = any(o.status in ("problems", "rejected", "error") or o.still_rejected
              for o in outcomes)
    return ExitCode.input_rejected if bad else ExitCode.ok


def cmd_run(args: argparse.Namespace) -> ExitCode:
    """Process every workbook in inbox/ once and exit."""
    cfg = load_config(args.config)
    with InstanceLock(cfg.state_dir):
        startup(cfg)
        state = open_state(cfg)
        try:
            recover(cfg, state)
            bar = TerminalProgress()
            outcomes = []
            for path in inbox_files(cfg):
                outcomes.append(safe_process(path, cfg, state, bar))
                bar.done()
            finish_batch(cfg, state, outcomes)
        finally:
            state.close()
    done = [o for o in outcomes if o.status != "unchanged"]
    letters = sum(o.letters_made for o in outcomes)
    print(f"Selesai: {len(outcomes)} berkas diperiksa, {len(done)} diproses, "
          f"{letters} surat dibuat.")
    for outcome in outcomes:
        if outcome.problems:
            print(f"- {outcome.name}: {len(outcome.problems)} masalah; lihat "
                  f"outbox/_perlu-perbaikan/.")
        elif outcome.still_rejected:
            print(f"- {outcome.name}: belum diperbaiki; laporan perbaikan di "
                  f"outbox/_perlu-perbaikan/ masih berlaku.")
    return exit_code_for(outcomes)


def cmd_watch(args: argparse.Namespace) -> ExitCode:
    """Process the backlog, then watch inbox/ until Ctrl+C or SIGTERM."""
    cfg = load_config(args.config)
    stop = threading.Event()
    signals = install_signal_handlers(stop)
    with InstanceLock(cfg.state_dir):
        startup(cfg)
        state = open_state(cfg)
        try:
            recover(cfg, state)
            batch: list[Outcome] = []
            bar = TerminalProgress()
            backlog = pdf.Backlog(cfg, state)

            def finish() -> None:
                bar.done()
                finish_batch(cfg, state, batch)
                batch.clear()
                backlog.restart()

            p = cfg.pemantau
            watcher = Watcher(cfg.inbox,
                              lambda path: batch.append(safe_process(path, cfg, state, bar)),
                              polling=polling_setting(args.config), interval=p.interval_detik,
                              settle=p.jeda_stabil_detik, rescan=p.pindai_ulang_detik,
                              on_idle=finish, background=backlog.step)
            log.info("Tekan Ctrl+C untuk berhenti.")
            watcher.run(stop)
        finally:
            state.close()
    log.info("Pemantauan dihentikan.")
    return ExitCode.ctrl_c if signals.received == signal.SIGINT else ExitCode.ok


def cmd_new_intake(args: argparse.Namespace) -> ExitCode:
    """Write a blank intake workbook."""
    cfg = load_config(args.config)
    path = Path(args.path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    try:
        write_blank_intake(path, cfg)
    except FileExistsError as exc:
        raise UsageError(f"Berkas {path} sudah ada dan tidak ditimpa. Pilih nama lain.") from exc
    print(f"Buku kerja isian dibuat: {path}")
    return ExitCode.ok


def stored_cases(cfg: Config) -> list[Case]:
    """Every case the state holds (read without taking the lock: WAL allows readers)."""
    state = open_state(cfg)
    try:
        return state.cases()
    finally:
        state.close()


def cmd_status(args: argparse.Namespace) -> ExitCode:
    """Print every open case (all with --semua), most urgent first, in the terminal's width."""
    cfg = load_config(args.config)
    now, tty = datetime.now(), sys.stdout.isatty()
    state = open_state(cfg)  # read without taking the lock: WAL allows readers
    try:
        cases = state.cases()
        seen = office_attention(state, cfg, cases, now)
        waiting = pdf.pdfs_to_make(cfg, state)
    finally:
        state.close()
    rows = status_rows(cases, cfg, now, semua=args.semua, hilang=seen.hilang_ids)
    width = min(shutil.get_terminal_size().columns, 100) if tty else 80
    print(format_status(rows, tty=tty and colours_work(), width=width, attention=seen), end="")
    if waiting:
        print(f"{waiting} PDF belum dibuat; dibuat saat pemantau senggang, atau jalankan: "
              "perda pdf")
    return ExitCode.ok


def cmd_pdf(args: argparse.Namespace) -> ExitCode:
    """Make every PDF still missing beside a filed letter, with a progress bar."""
    cfg = load_config(args.config)
    if not pdf.wanted(cfg, quiet=True):
        raise UsageError("PDF tidak dibuat: [berkas] pdf bernilai \"tidak\" atau LibreOffice "
                         "tidak ditemukan (lihat README).")
    with InstanceLock(cfg.state_dir):
        startup(cfg)
        state = open_state(cfg)
        try:
            made, failed = pdf.catch_up(cfg, state, progress=pdf_progress)
        finally:
            state.close()
    if sys.stderr.isatty() and (made or failed):
        sys.stderr.write("\n")
    print(f"Selesai: {made} PDF dibuat." + (f" {failed} PDF belum dapat dibuat; lihat "
                                              "state/log/perda.log." if failed else ""))
    return ExitCode.ok


def pdf_progress(done: int, total: int) -> None:
    """A one-line progress bar of `perda pdf` on stderr, when it is a terminal."""
    if sys.stderr.isatty():
        filled = int(30 * done / max(total, 1))
        sys.stderr.write(f"\rPDF: [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        sys.stderr.flush()


def parse_bulan(text: str) -> tuple[int, int]:
    """'2024-09' → (2024, 9), or a PerdaError saying how to write it."""
    try:
        when = datetime.strptime(text.strip(), "%Y-%m")
    except ValueError:
        raise UsageError(f"--bulan {text!r} tidak dikenal. Tulis tahun dan bulan seperti "
                         "2024-09.") from None
    return when.year, when.month


def cmd_report(args: argparse.Namespace) -> ExitCode:
    """Write the Laporan Pengamanan workbook: a month with --bulan, else the current year."""
    cfg = load_config(args.config)
    if args.bulan:
        tahun, bulan = parse_bulan(args.bulan)
    else:
        tahun, bulan = args.tahun or datetime.now().year, None
    path = recap_path(cfg, tahun, bulan)
    state = open_state(cfg)
    try:
        write_recap(path, state.each_case_of_year(tahun), cfg, tahun, bulan)
    finally:
        state.close()
    print(f"Laporan Pengamanan ditulis: {path}")
    return ExitCode.ok


def _placeholder_warning(cfg: Config, name: str) -> str:
    """What `perda check` says about one setting still holding the shipped example."""
    if name == "[kantor] lambang":
        problem = emblem_problem(cfg)
        if problem:
            return f"{name}: {problem}"
        return (f"{name}: berkas {cfg.lambang} masih gambar CONTOH bawaan. Ganti berkas itu "
                "dengan lambang daerah Kabupaten Karanganyar yang resmi (PNG atau JPEG), atau "
                "tulis nama berkas lambang itu di [kantor] lambang pada config.toml.")
    return f"{name} masih berisi contoh; ganti dengan data kantor."


def cmd_check(args: argparse.Namespace) -> ExitCode:
    """Check config.toml and the templates without processing anything."""
    cfg = load_config(args.config)
    problems = check_templates(cfg)
    for problem in problems:
        print(f"SALAH: {problem}")
    for name in placeholders(cfg):
        print(f"PERINGATAN: {_placeholder_warning(cfg, name)}")
    if note := emblem_size_note(cfg):
        print(f"PERINGATAN: {note}")
    if problems:
        return ExitCode.config_error
    print("Pengaturan dan templat surat dapat dipakai.")
    return ExitCode.ok


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], ExitCode], str]] = {
    "watch": (cmd_watch, "Proses berkas yang menunggu, lalu pantau inbox/ sampai Ctrl+C. "
                         "Contoh: perda watch"),
    "run": (cmd_run, "Proses semua berkas di inbox/ sekali lalu selesai (kode keluar 0: "
                     "semua baik, 1: ada isian yang ditolak, 2: pengaturan/templat salah)."),
    "new-intake": (cmd_new_intake, "Buat buku kerja isian kosong. "
                                   "Contoh: perda new-intake inbox/laporan-2024.xlsx"),
    "check": (cmd_check, "Periksa config.toml dan templat surat tanpa memproses berkas."),
    "status": (cmd_status, "Tampilkan kasus yang masih terbuka, yang paling mendesak lebih "
                           "dulu (--semua: termasuk yang sudah selesai)."),
    "pdf": (cmd_pdf, "Buat semua PDF surat yang belum ada (PDF yang tidak sempat dibuat "
                     "saat proses). Contoh: perda pdf"),
    "report": (cmd_report, "Tulis rekap Laporan Pengamanan (xlsx) tahun ini, atau satu bulan "
                           "dengan --bulan 2024-09."),
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per verb."""
    parser = IndonesianParser(
        prog="perda", description="Surat pengamanan pelaksanaan Perda — Kecamatan Kerjo.")
    parser.add_argument("--version", action="version", version=f"perda {__version__}",
                        help="tampilkan nomor versi lalu selesai")
    sub = parser.add_subparsers(dest="command", required=True, metavar="PERINTAH")
    for name, (func, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("--config", default="config.toml", metavar="BERKAS",
                         help="berkas pengaturan (bawaan: ./config.toml)")
        if name == "new-intake":
            cmd.add_argument("path", metavar="PATH", help="nama berkas .xlsx yang dibuat")
        if name == "status":
            cmd.add_argument("--semua", action="store_true",
                             help="tampilkan juga kasus yang sudah selesai")
        if name == "report":
            cmd.add_argument("--bulan", metavar="YYYY-MM", help="satu bulan, misalnya 2024-09")
            cmd.add_argument("--tahun", type=int, metavar="YYYY",
                             help="satu tahun penuh (bawaan: tahun ini)")
        cmd.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `perda` and `python -m pipeline`."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PerdaError as exc:
        print(f"perda: {exc.message}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        return int(ExitCode.ctrl_c)
