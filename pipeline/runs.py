"""`perda run`, `perda watch` and `perda terbitkan-ulang`: logging, start-up, the plan
printed by --coba, and the summary lines (the command table is in cli.py)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path

from pipeline import pdf
from pipeline.config import Config, load_config
from pipeline.drafts import draft_reasons
from pipeline.errors import ConfigError, ExitCode, TemplateError, UsageError
from pipeline.letters import reissue
from pipeline.lock import InstanceLock
from pipeline.logid import (
    IndonesianFormatter,
    describe_settings,
    route_thread_errors,
    route_watchdog,
)
from pipeline.model import Letter, fold_no_laporan
from pipeline.process import (
    Outcome,
    finish_batch,
    inbox_files,
    open_state,
    open_state_readonly,
    plan_file,
    recheck_files,
    recheck_held,
    recover,
    retry_pending,
    safe_process,
    update_registers,
)
from pipeline.recovery import check_state
from pipeline.render import check_templates
from pipeline.share import polling_setting
from pipeline.state import State
from pipeline.watch import Watcher, install_signal_handlers

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
    missing = draft_reasons(cfg)
    if missing:
        log.warning("Pengaturan kantor belum lengkap (%s): surat dibuat sebagai KONSEP tanpa "
                    "nomor di outbox/_konsep/, tidak masuk Buku Agenda. Isi config.toml; "
                    "surat bernomor dibuat pada proses berikutnya.", ", ".join(missing))


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


@contextmanager
def working_state(cfg: Config, config_path: str) -> Iterator[State]:
    """The office opened for work: both locks held, logging and templates checked, the
    state checked (exit 2 if it must be rebuilt), opened, and half-made work finished."""
    with InstanceLock(cfg.state_dir, cfg.outbox):
        startup(cfg)
        check_state(cfg, config_path)
        state = open_state(cfg)
        try:
            recover(cfg, state)
            yield state
        finally:
            state.close()


def cmd_run(args: argparse.Namespace) -> ExitCode:
    """Process every workbook in inbox/ once and exit (--coba: print the plan only)."""
    cfg = load_config(args.config)
    if args.coba:
        check_state(cfg, args.config)  # a plan from a lost state would show wrong numbers
        return run_coba(cfg)
    with working_state(cfg, args.config) as state:
        bar = TerminalProgress()
        outcomes = []
        for path in inbox_files(cfg):
            outcomes.append(safe_process(path, cfg, state, bar))
            bar.done()
        recheck_held(cfg, state, outcomes, bar)  # rows a file saved later may have freed
        bar.done()
        finish_batch(cfg, state, outcomes)
    print_summary(outcomes)
    return exit_code_for(outcomes)


def print_summary(outcomes: list[Outcome]) -> None:
    """What `perda run` did, in a few lines."""
    done = [o for o in outcomes if o.status != "unchanged"]
    letters = sum(o.letters_made for o in outcomes)
    drafts = sum(len(o.drafts) for o in outcomes)
    konsep = f", {drafts} konsep di outbox/_konsep/" if drafts else ""
    print(f"Selesai: {len(outcomes)} berkas diperiksa, {len(done)} diproses, "
          f"{letters} surat dibuat{konsep}.")
    for outcome in outcomes:
        warned = sum(not p.blocking for p in outcome.problems)
        counts = f"{len(outcome.problems) - warned} masalah" + (
            f", {warned} peringatan" if warned else "")
        if outcome.problems and outcome.report_failed:
            print(f"- {outcome.name}: {counts}; laporan perbaikan TIDAK DAPAT DITULIS, "
                  "daftar masalahnya ada di state/log/perda.log.")
        elif outcome.problems:
            print(f"- {outcome.name}: {counts}; lihat outbox/_perlu-perbaikan/.")
        elif outcome.still_rejected:
            print(f"- {outcome.name}: belum diperbaiki; laporan perbaikan di "
                  f"outbox/_perlu-perbaikan/ masih berlaku.")


def run_coba(cfg: Config) -> ExitCode:
    """Print the plan for every workbook in inbox/, one line per letter; write nothing."""
    setup_logging(None)
    missing = draft_reasons(cfg)
    if missing:
        print(f"Pengaturan kantor belum lengkap ({', '.join(missing)}): surat akan dibuat "
              "sebagai KONSEP tanpa nomor.")
    state = open_state_readonly(cfg)
    try:
        counters = state.counters()
        files = inbox_files(cfg)
        for path in files:
            print("\n".join(plan_file(path, cfg, state, counters)))
    finally:
        state.close()
    if not files:
        print("Tidak ada berkas di inbox/.")
    print("Percobaan saja: tidak ada yang ditulis.")
    return ExitCode.ok


def cmd_watch(args: argparse.Namespace) -> ExitCode:
    """Process the backlog, then watch inbox/ until Ctrl+C or SIGTERM."""
    cfg = load_config(args.config)
    stop = threading.Event()
    signals = install_signal_handlers(stop)
    with working_state(cfg, args.config) as state:
        batch: list[Outcome] = []
        bar = TerminalProgress()
        backlog = pdf.Backlog(cfg, state)

        def finish() -> None:
            recheck_held(cfg, state, batch, bar)  # rows a saved or deleted file freed
            bar.done()
            finish_batch(cfg, state, batch)
            batch.clear()
            backlog.restart()

        def rescan() -> None:
            retry_pending(cfg, state)
            due = recheck_files(cfg, state)
            if due:
                batch.extend(safe_process(path, cfg, state, bar) for path in due)
                finish()

        p = cfg.pemantau
        watcher = Watcher(cfg.inbox,
                          lambda path: batch.append(safe_process(path, cfg, state, bar)),
                          polling=polling_setting(args.config), interval=p.interval_detik,
                          settle=p.jeda_stabil_detik, rescan=p.pindai_ulang_detik,
                          on_idle=finish, on_rescan=rescan, background=backlog.step)
        log.info("Tekan Ctrl+C untuk berhenti.")
        watcher.run(stop)
    log.info("Pemantauan dihentikan.")
    return ExitCode.ctrl_c if signals.received == signal.SIGINT else ExitCode.ok


def cmd_reissue(args: argparse.Namespace) -> ExitCode:
    """Issue made letters again as new versions with the same numbers (old files stay)."""
    cfg = load_config(args.config)
    if args.langkah is not None and not 1 <= args.langkah <= 7:
        raise UsageError(f"--langkah {args.langkah} tidak dikenal. Tulis nomor langkah 1 "
                         "sampai 7.")
    missing = draft_reasons(cfg)
    if missing:
        raise ConfigError(f"Pengaturan kantor belum lengkap ({', '.join(missing)}). Isi "
                          "config.toml dahulu; surat bernomor baru dapat diterbitkan ulang "
                          "setelah itu.")
    wanted = letter_filter(args.no_laporan, args.langkah, args.tahun)
    with working_state(cfg, args.config) as state:
        made = reissue(cfg, state, wanted)
        update_registers(cfg, state, made)
        pdf.convert_letters(cfg, [cfg.outbox / letter.path for letter in made])
    if not made:
        print("Tidak ada surat yang cocok untuk diterbitkan ulang.")
        return ExitCode.ok
    print(f"Diterbitkan ulang: {len(made)} surat sebagai versi baru dengan nomor yang sama; "
          "berkas versi sebelumnya tetap disimpan.")
    for letter in made:
        print(f"- {letter.nomor or letter.no_laporan} versi {letter.version}: {letter.path}")
    return ExitCode.ok


def letter_filter(no_laporan: str | None, langkah: int | None,
                  tahun: int | None) -> Callable[[Letter], bool]:
    """The letters `perda terbitkan-ulang` is asked for (no option: every letter)."""
    folded = fold_no_laporan(no_laporan) if no_laporan else None

    def wanted(letter: Letter) -> bool:
        return ((folded is None or fold_no_laporan(letter.no_laporan) == folded)
                and (langkah is None or letter.step == langkah)
                and (tahun is None or letter.tahun == tahun))
    return wanted
