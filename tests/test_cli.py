"""The `perda` command line as staff and schedulers use it: exit codes and messages."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.cli import COMMANDS, main
from pipeline.errors import ExitCode
from pipeline.lock import InstanceLock
from tests.conftest import ROOT, full_row, write_intake


def perda(office: Path, *args: str) -> int:
    """Run `perda ARGS --config office/config.toml` in-process; return its exit code."""
    return main([*args, "--config", str(office / "config.toml")])


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll `predicate` until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_run_exit_codes(office, make_intake, capsys):
    make_intake([full_row()])
    assert perda(office, "run") == ExitCode.ok
    assert "1 berkas diperiksa, 1 diproses, 8 surat dibuat" in capsys.readouterr().out
    make_intake([full_row(desa="Jumapolo")], name="salah.xlsx")
    assert perda(office, "run") == ExitCode.input_rejected
    assert "- salah.xlsx: 1 masalah; lihat outbox/_perlu-perbaikan/." in capsys.readouterr().out


def test_second_instance_refuses_with_a_clear_message(office, capsys):
    with InstanceLock(office / "state"):
        assert perda(office, "run") == ExitCode.already_running
    err = capsys.readouterr().err
    assert err.startswith("perda: Aplikasi sudah berjalan untuk folder ini")


def test_bad_config_key_is_one_message_and_exit_2(office, capsys):
    path = office / "config.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("tempat =", "tempatt ="),
                    encoding="utf-8")
    assert perda(office, "run") == ExitCode.config_error
    err = capsys.readouterr().err
    assert err.startswith("perda: config.toml: kunci [kantor] tempatt tidak dikenal.")


def test_missing_config_file(tmp_path, capsys):
    assert main(["check", "--config", str(tmp_path / "tidak-ada.toml")]) == 2
    assert "tidak ditemukan" in capsys.readouterr().err


def test_outbox_inside_inbox_is_refused(office, capsys):
    path = office / "config.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('outbox = "outbox"',
                                                             'outbox = "inbox/outbox"'),
                    encoding="utf-8")
    assert perda(office, "check") == ExitCode.config_error
    assert "inbox dan outbox tidak boleh" in capsys.readouterr().err


def test_check_warns_about_placeholders_and_accepts_shipped_templates(placeholder_office,
                                                                      capsys):
    office = placeholder_office
    assert perda(office, "check") == ExitCode.ok
    out = capsys.readouterr().out
    assert "PERINGATAN: [pejabat.camat] nama masih berisi contoh" in out
    assert out.rstrip().endswith("Pengaturan dan templat surat dapat dipakai.")


def test_broken_template_stops_run_before_any_letter(office, make_intake, capsys):
    import docx

    path = office / "templates" / "02-nota-dinas-penerusan.docx"
    document = docx.Document(str(path))
    document.add_paragraph("{{ no_lapran }}")
    document.save(str(path))
    make_intake([full_row()])
    assert perda(office, "run") == ExitCode.config_error
    err = capsys.readouterr().err
    assert "02-nota-dinas-penerusan.docx" in err and "no_lapran" in err
    assert not list((office / "outbox").rglob("*.docx"))


def test_new_intake_writes_and_refuses_to_overwrite(office, capsys):
    target = office / "isian.xlsx"
    assert perda(office, "new-intake", str(target)) == ExitCode.ok
    assert target.exists()
    assert perda(office, "new-intake", str(target)) != ExitCode.ok
    assert "sudah ada dan tidak ditimpa" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM to a child is POSIX-only")
def test_watch_files_letters_after_a_save_and_stops_on_sigterm(office):
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "watch", "--config",
                             str(office / "config.toml")], cwd=office,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_until(lambda: (office / "state" / "perda.lock").exists())
        write_intake(office / "inbox" / "laporan.xlsx", [full_row()])
        assert wait_until(lambda: len(list((office / "outbox").rglob("*.docx"))) == 8)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == ExitCode.ok
    finally:
        proc.kill()
        proc.wait()


def test_every_command_has_help_and_is_in_the_readme(capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        assert "--config" in capsys.readouterr().out
        assert f"`perda {name}" in readme


def test_python_dash_m_is_the_same_program():
    result = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True,
                            text=True, check=True)
    assert "new-intake" in result.stdout


def test_run_twice_changes_nothing_the_second_time(office, make_intake):
    make_intake([full_row(1), full_row(2, desa="Jumapolo")])
    perda(office, "run")

    def snapshot() -> dict[str, tuple[int, bytes]]:
        return {str(p): (p.stat().st_mtime_ns, p.read_bytes())
                for p in sorted((office / "outbox").rglob("*"))
                if p.is_file() and p.name != ".perda.lock"}  # the lock is the run's own

    before = snapshot()
    assert perda(office, "run") == ExitCode.input_rejected  # the report still stands
    assert snapshot() == before


def test_status_and_report_from_what_run_stored(office, make_intake, capsys):
    open_case = full_row(2, waktu_koordinasi=None, waktu_selesai=None, waktu_lapor_camat=None,
                         waktu_pemberitahuan=None)
    make_intake([full_row(1), open_case])
    perda(office, "run")
    assert (office / "outbox" / "2024" / "Laporan Pengamanan 2024.xlsx").exists()
    capsys.readouterr()
    assert perda(office, "status") == ExitCode.ok
    out = capsys.readouterr().out
    assert "LP-002" in out and "LP-001" not in out and "\x1b[" not in out
    assert perda(office, "status", "--semua") == ExitCode.ok
    assert "LP-001" in capsys.readouterr().out
    assert perda(office, "report", "--bulan", "2024-09") == ExitCode.ok
    assert (office / "outbox" / "2024" / "Laporan Pengamanan 2024-09.xlsx").exists()
    assert perda(office, "report", "--bulan", "September") == ExitCode.usage_error
    assert "Tulis tahun dan bulan seperti 2024-09" in capsys.readouterr().err


def test_progress_bar_only_on_a_terminal_and_for_long_files(monkeypatch, capsys):
    from pipeline.cli import TerminalProgress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = TerminalProgress()
    bar("laporan.xlsx", 5, 10, 40)  # a small save: silent
    bar("tahun-2024.xlsx", 500, 1000, 4000)
    bar.done()
    err = capsys.readouterr().err
    assert err == "\rtahun-2024.xlsx: [" + "#" * 15 + "." * 15 + "] 500/1000 laporan, 4000 surat\n"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    quiet = TerminalProgress()
    quiet("tahun-2024.xlsx", 500, 1000, 4000)
    assert capsys.readouterr().err == ""


def test_log_is_indonesian_and_the_traceback_stays_in_the_file(office, capsys):
    from pipeline.cli import setup_logging

    setup_logging(office / "state")
    try:
        raise ValueError("rusak")
    except ValueError:
        logging.getLogger("pipeline.process").exception("Gagal memproses %s", "laporan.xlsx")
    logging.getLogger("watchdog.observers.inotify_c").warning(
        "Inotify queue overflowed; filesystem events were lost")
    logging.getLogger("watchdog.observers.polling").warning(
        "Cannot take a snapshot of %r, will retry: %s", "/srv/perda/inbox", "Host is down")
    logging.getLogger("watchdog.observers").warning("Something new in watchdog")
    crash = threading.Thread(target=lambda: 1 / 0, name="emitter")
    crash.start()
    crash.join()
    console = [line.split(" ", 1)[1] for line in capsys.readouterr().err.splitlines()]
    assert console == [
        "KESALAHAN Gagal memproses laporan.xlsx (rincian teknis di state/log/perda.log)",
        "PERINGATAN Terlalu banyak perubahan sekaligus; sebagian pemberitahuan hilang. Folder "
        "dipindai ulang pada pemindaian berikutnya.",
        "PERINGATAN Pesan teknis pemantau folder (watchdog): Something new in watchdog",
        "KESALAHAN Kesalahan tak terduga di utas emitter; pemantauan memulihkannya pada "
        "pemindaian ulang. (rincian teknis di state/log/perda.log)",
    ]  # the snapshot retry is our own "tidak dapat dibaca" line's business (InboxHealth)
    logged = (office / "state" / "log" / "perda.log").read_text(encoding="utf-8")
    assert "KESALAHAN pipeline.process Gagal memproses laporan.xlsx\nTraceback" in logged
    assert "ValueError: rusak" in logged and "ZeroDivisionError" in logged


def test_help_and_argument_errors_are_indonesian(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert out.startswith("Penggunaan: perda [-h] [--version] PERINTAH ...\n")
    assert "\nargumen:\n" in out and "\npilihan:\n" in out
    # (the column follows the longest command name, "terbitkan-ulang")
    assert re.search(r"\n  -h, --help +tampilkan bantuan ini lalu selesai\n", out)
    for args, message in [
        (["kirim"], "perda: kesalahan: PERINTAH: 'kirim' tidak dikenal; pilih salah satu: "
                    + ", ".join(COMMANDS) + ". Bantuan: perda --help"),
        ([], "perda: kesalahan: wajib ditulis: PERINTAH. Bantuan: perda --help"),
        (["status", "--semuanya"],
         "perda: kesalahan: tidak dikenal: --semuanya. Bantuan: perda --help"),
        (["report", "--tahun", "duaribu"], "perda report: kesalahan: --tahun: 'duaribu' "
                                           "bukan bilangan bulat. Bantuan: perda report --help"),
        (["new-intake"], "perda new-intake: kesalahan: wajib ditulis: PATH. "
                         "Bantuan: perda new-intake --help"),
    ]:
        with pytest.raises(SystemExit) as info:
            main(args)
        err = capsys.readouterr().err
        assert info.value.code == 2
        assert err.startswith("Penggunaan: perda")
        assert err.splitlines()[-1] == message
        assert "usage" not in err and "error" not in err


def test_start_up_line_is_indonesian(office, caplog):
    from pipeline.cli import startup
    from pipeline.config import load_config

    startup(load_config(office / "config.toml"))
    assert caplog.messages[-1] == (
        f"Pengaturan: inbox {office / 'inbox'}; outbox {office / 'outbox'}; data aplikasi "
        f"{office / 'state'}; templat {office / 'templates'}; periksa tiap 1 detik, jeda "
        "stabil 2 detik, pindai ulang tiap 60 detik; PDF: tidak")


def test_readme_shows_perda_help_as_it_prints(monkeypatch, capsys):
    # If this fails after a change to the commands, paste the new `perda --help` (80
    # columns) into the README's "Untuk staf" section.
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert "```text\n$ perda --help\n" + shown + "```" in (ROOT / "README.md").read_text(
        encoding="utf-8")
