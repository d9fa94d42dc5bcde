"""The `perda` command line: a thin layer over the library functions.

Expected failures become one Indonesian line and their exit code (errors.ExitCode);
anything unexpected is logged with its traceback and exits with `other_error`.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from pipeline import __version__, pdf
from pipeline.argid import IndonesianParser
from pipeline.attention import office_attention, rows_to_correct
from pipeline.config import Config, load_config
from pipeline.drafts import placeholders
from pipeline.errors import ExitCode, PerdaError, UsageError
from pipeline.form import emblem_problem, emblem_size_note
from pipeline.lock import InstanceLock
from pipeline.model import Case
from pipeline.process import open_state
from pipeline.recap import recap_path, write_recap
from pipeline.recovery import Health, rebuild, state_file, state_health
from pipeline.render import check_templates
from pipeline.runs import (  # noqa: F401 — startup, setup_logging, TerminalProgress: API
    TerminalProgress,
    cmd_reissue,
    cmd_run,
    cmd_watch,
    setup_logging,
    startup,
)
from pipeline.status import colours_work, format_status, status_rows
from pipeline.workbook import write_blank_intake

log = logging.getLogger("pipeline")


def cmd_pulihkan(args: argparse.Namespace) -> ExitCode:
    """Rebuild a lost, empty or damaged state database from what is filed in outbox/."""
    cfg = load_config(args.config)
    with InstanceLock(cfg.state_dir, cfg.outbox):
        setup_logging(cfg.state_dir)
        health = state_health(state_file(cfg))
        if health is Health.ok and not args.paksa:
            print("Basis data state dalam keadaan baik; tidak ada yang perlu dipulihkan "
                  "(--paksa: susun ulang juga).")
            return ExitCode.ok
        result = rebuild(cfg)
    print(f"Dipulihkan dari outbox: {result.letters} surat"
          + (f", {result.from_agenda} lagi dari Buku Agenda saja (berkasnya tidak ada)"
             if result.from_agenda else "")
          + (f", {result.from_backup} lagi dari salinan cadangan di state/backup/ atau "
             "outbox/_cadangan/ (berkasnya tidak ada di outbox, misalnya sudah diarsipkan)"
             if result.from_backup else "")
          + (f"; {result.cases} laporan dari salinan buku kerja di state/snapshots/"
             if result.cases else "") + ".")
    if result.adopted:
        print(f"- {result.adopted} surat tanpa catatan di dalam berkasnya (dibuat versi "
              "lama) dianggap sesuai dengan isian sekarang; terbitkan ulang bila perlu "
              "(perda terbitkan-ulang).")
    for tahun, last in sorted(result.last_numbers.items()):
        print(f"- Tahun {tahun}: nomor urut berikutnya {last + 1}.")
    for name in result.unknown:
        print(f"- Tidak dikenali sebagai surat dan dilewati: {name}")
    if result.old_state:
        print(f"Basis data lama disimpan sebagai {result.old_state}.")
    print("Tidak ada berkas di outbox yang diubah. Jalankan sekarang: perda run")
    return ExitCode.ok


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
    with InstanceLock(cfg.state_dir, cfg.outbox):
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
        write_recap(path, state.each_recap_case_of_year(tahun), cfg, tahun, bulan,
                    menunggu_perbaikan=rows_to_correct(cfg, state))
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
                     "semua baik, 1: ada isian yang ditolak, 2: pengaturan/templat salah). "
                     "Dengan --coba: tampilkan rencana surat saja, tanpa menulis apa pun."),
    "terbitkan-ulang": (cmd_reissue, "Terbitkan ulang surat yang sudah dibuat (setelah templat "
                                     "atau pengaturan diubah) sebagai versi baru dengan nomor "
                                     "yang sama; berkas lama tetap disimpan. Contoh: perda "
                                     "terbitkan-ulang --langkah 4 --tahun 2024"),
    "pulihkan": (cmd_pulihkan, "Susun ulang basis data state yang hilang, kosong atau rusak "
                               "dari surat yang sudah ada di outbox/ (tidak ada berkas yang "
                               "diubah; penomoran berlanjut)."),
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
        if name == "run":
            cmd.add_argument("--coba", action="store_true",
                             help="tampilkan rencana (satu baris per surat), tulis apa pun "
                                  "tidak")
        if name == "terbitkan-ulang":
            cmd.add_argument("--no-laporan", metavar="NO", help="hanya surat laporan ini")
            cmd.add_argument("--langkah", type=int, metavar="N",
                             help="hanya surat langkah N (1-7)")
            cmd.add_argument("--tahun", type=int, metavar="YYYY",
                             help="hanya surat bernomor tahun ini")
        if name == "pulihkan":
            cmd.add_argument("--paksa", action="store_true",
                             help="susun ulang walaupun basis data state tampak baik")
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
    except Exception:  # noqa: BLE001 — the one handler for the unexpected: log, one line
        where = log_unexpected(args)
        print("perda: Terjadi kesalahan tak terduga; pekerjaan dihentikan. Rincian teknisnya "
              f"tercatat di {where}. Jalankan lagi; bila terulang, hubungi pengelola aplikasi "
              "dan sertakan berkas itu.", file=sys.stderr)
        return int(ExitCode.other_error)


def log_unexpected(args: argparse.Namespace) -> str:
    """Write the current exception's traceback to state/log/perda.log only (not the
    console); return where it went."""
    root = logging.getLogger("pipeline")
    files = [h for h in root.handlers if isinstance(h, RotatingFileHandler)]
    if not files:
        try:
            setup_logging(load_config(args.config).state_dir)
        except Exception:  # noqa: BLE001 — the config itself may be what failed
            return "log (folder state tidak dapat dipakai)"
        files = [h for h in root.handlers if isinstance(h, RotatingFileHandler)]
    record = root.makeRecord(root.name, logging.ERROR, __file__, 0,
                             "Kesalahan tak terduga pada perintah %s", (args.command,),
                             sys.exc_info())
    for handler in files:
        handler.handle(record)
    return files[0].baseFilename
