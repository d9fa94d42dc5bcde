"""The inbox watcher with a real observer on a real folder, and the single-instance lock.

No fixed sleeps wait for outcomes: the watcher runs in a thread and the tests poll with
`wait_until`. The only pauses are part of a scenario (a save that stalls half-way).
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import openpyxl
import pytest

from pipeline import share as share_module
from pipeline.errors import AlreadyRunning, ExitCode, TemplateError
from pipeline.lock import InstanceLock, already_running_message
from pipeline.readiness import CFB_MAGIC, Readiness, is_complete, signature
from pipeline.share import Share, linux_share, polling_setting, windows_share
from pipeline.watch import Watcher, install_signal_handlers, is_candidate

DEADLINE = 10.0  # generous: 2 shared cores; outcomes are expected well before
SETTLE = 0.2
INTERVAL = 0.1
ROOT = Path(__file__).resolve().parents[1]

# An exception escaping Watcher.run in its thread fails the test that caused it.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


def wait_until(predicate: Callable[[], object], timeout: float = DEADLINE) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


@lru_cache
def xlsx_bytes(text: str = "isi") -> bytes:
    """A small valid .xlsx whose cell A1 holds `text`."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = text
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Running:
    """A Watcher running in a thread, recording every call as (name, content)."""

    def __init__(self, inbox: Path, polling: bool, handler: Callable[[Path], None] | None,
                 **overrides: float) -> None:
        self.inbox = inbox
        self.calls: list[tuple[str, bytes | None]] = []
        self.stop = threading.Event()
        options = {"interval": INTERVAL, "settle": SETTLE, "rescan": 60.0, "broken_after": 5.0}
        options.update(overrides)
        self.watcher = Watcher(inbox, handler or self.record, polling=polling, **options)
        self.thread = threading.Thread(target=self.watcher.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def record(self, path: Path) -> None:
        """The default handler: remember the name and what the file held."""
        try:
            self.calls.append((path.name, path.read_bytes()))
        except FileNotFoundError:
            self.calls.append((path.name, None))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def wait_for(self, name: str, count: int = 1) -> None:
        """Wait until `name` has been handled `count` times."""
        assert wait_until(lambda: self.names().count(name) >= count), self.names()

    def settle_with_sentinel(self) -> None:
        """Drop a last file and wait for it: everything noticed before has been decided."""
        (self.inbox / "zz-penanda.xlsx").write_bytes(xlsx_bytes("penanda"))
        self.wait_for("zz-penanda.xlsx")

    def shutdown(self) -> float:
        """Stop the watcher; return how long that took."""
        started = time.monotonic()
        self.stop.set()
        self.thread.join(DEADLINE)
        assert not self.thread.is_alive(), "watcher did not stop"
        return time.monotonic() - started


@pytest.fixture(params=["native", "polling"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def start(inbox: Path, mode: str) -> Iterator[Callable[..., Running]]:
    """Start a watcher on `inbox` in the parametrized mode; stopped at teardown."""
    started: list[Running] = []

    def _start(handler: Callable[[Path], None] | None = None, **overrides: float) -> Running:
        running = Running(inbox, mode == "polling", handler, **overrides)
        started.append(running)
        return running

    yield _start
    for running in started:
        running.shutdown()


# --- what counts as a candidate, and as complete ------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("Laporan Mei.xlsx", True), ("LAPORAN.XLSX", True), ("makro.xlsm", True),
    ("lama.xls", True), ("libre.ods", True), ("data.csv", True), ("biner.xlsb", True),
    ("~$Laporan Mei.xlsx", False),  # Excel owner file
    (".~lock.Laporan Mei.xlsx#", False),  # LibreOffice lock
    ("~WRL0001.tmp", False), ("lu12345abc.tmp", False), ("A1B2C3D4", False),
    ("Thumbs.db", False), ("desktop.ini", False), (".DS_Store", False),
    (".tersembunyi.xlsx", False), ("surat.docx", False), ("catatan.txt", False),
])
def test_is_candidate(name: str, expected: bool) -> None:
    assert is_candidate(Path(name)) is expected


def test_is_complete(tmp_path: Path) -> None:
    data = xlsx_bytes()
    (tmp_path / "utuh.xlsx").write_bytes(data)
    (tmp_path / "separuh.xlsx").write_bytes(data[: len(data) // 2])
    (tmp_path / "sandi.xlsx").write_bytes(CFB_MAGIC + b"\0" * 512)
    (tmp_path / "data.csv").write_bytes(b"a;b\n")
    assert is_complete(tmp_path / "utuh.xlsx")
    assert not is_complete(tmp_path / "separuh.xlsx")
    assert is_complete(tmp_path / "sandi.xlsx")  # encrypted: stability decides
    assert is_complete(tmp_path / "data.csv")


# --- the watcher ------------------------------------------------------------------------------

def test_backlog_is_handled_and_noise_ignored(inbox: Path, start: Callable[..., Running]) -> None:
    (inbox / "lama.xlsx").write_bytes(xlsx_bytes("lama"))
    (inbox / "~$lama.xlsx").write_bytes(b"owner" * 33)
    (inbox / "surat.docx").write_bytes(b"bukan buku kerja")
    (inbox / "draf").mkdir()
    (inbox / "draf" / "coba.xlsx").write_bytes(xlsx_bytes())  # subfolders are not watched
    running = start()
    running.wait_for("lama.xlsx")
    running.settle_with_sentinel()
    assert running.calls[0] == ("lama.xlsx", xlsx_bytes("lama"))
    assert running.names() == ["lama.xlsx", "zz-penanda.xlsx"]


def test_save_in_chunks_is_handled_once_when_complete(
        inbox: Path, start: Callable[..., Running]) -> None:
    running = start()
    data = xlsx_bytes("bertahap")
    with (inbox / "laporan.xlsx").open("wb") as f:
        f.write(data[:1000])
        f.flush()
        time.sleep(3 * SETTLE)  # scenario: the writer stalls longer than the settle window
        assert running.calls == []  # stable but not a complete zip: not yet
        f.write(data[1000:])
    running.wait_for("laporan.xlsx")
    running.settle_with_sentinel()
    assert running.calls[0] == ("laporan.xlsx", data)
    assert running.names().count("laporan.xlsx") == 1


def excel_save(inbox: Path, name: str, data: bytes, temp: str) -> None:
    """What Excel does: owner file, write a temp file, swap it in, delete owner file."""
    owner = inbox / f"~${name}"
    owner.write_bytes(b"\x05pengguna" + b"\0" * 150)
    (inbox / temp).write_bytes(data)
    target = inbox / name
    if target.exists():  # saving over: the old file is renamed away, then deleted
        os.replace(target, inbox / "0F1E2D3C")
        os.replace(inbox / temp, target)
        (inbox / "0F1E2D3C").unlink()
    else:
        os.replace(inbox / temp, target)
    owner.unlink()


def libreoffice_save(inbox: Path, name: str, data: bytes) -> None:
    """What LibreOffice does: lock file, write a .tmp, rename over the target."""
    lock = inbox / f".~lock.{name}#"
    lock.write_text(",Petugas,PC-KERJO,25.09.2024 08:15,file:///C:/Users/petugas;", "utf-8")
    with (inbox / "lu12345abc.tmp").open("wb") as f:
        f.write(data[:500])
        f.flush()
        f.write(data[500:])
    os.replace(inbox / "lu12345abc.tmp", inbox / name)
    lock.unlink()


@pytest.mark.parametrize("temp", ["A1B2C3D4", "~WRL0001.tmp"])
def test_excel_save_sequence_gives_one_call(
        inbox: Path, start: Callable[..., Running], temp: str) -> None:
    running = start()
    excel_save(inbox, "Laporan.xlsx", xlsx_bytes("satu"), temp)
    running.wait_for("Laporan.xlsx")
    excel_save(inbox, "Laporan.xlsx", xlsx_bytes("dua, lebih panjang"), temp)
    running.wait_for("Laporan.xlsx", 2)
    running.settle_with_sentinel()
    assert running.calls[:2] == [("Laporan.xlsx", xlsx_bytes("satu")),
                                 ("Laporan.xlsx", xlsx_bytes("dua, lebih panjang"))]
    assert running.names() == ["Laporan.xlsx", "Laporan.xlsx", "zz-penanda.xlsx"]


def test_libreoffice_save_sequence_gives_one_call(
        inbox: Path, start: Callable[..., Running]) -> None:
    running = start()
    libreoffice_save(inbox, "Laporan.xlsx", xlsx_bytes("libre"))
    running.wait_for("Laporan.xlsx")
    running.settle_with_sentinel()
    assert running.calls == [("Laporan.xlsx", xlsx_bytes("libre")),
                             ("zz-penanda.xlsx", xlsx_bytes("penanda"))]


def test_burst_of_100_files_each_handled_once(inbox: Path, start: Callable[..., Running]) -> None:
    running = start()
    names = [f"laporan-{i:03d}.xlsx" for i in range(100)]
    for name in names:
        (inbox / name).write_bytes(xlsx_bytes("banyak"))
    assert wait_until(lambda: set(names) <= set(running.names())), len(running.calls)
    running.settle_with_sentinel()
    counts = Counter(running.names())
    assert all(counts[name] == 1 for name in names), counts.most_common(3)


def test_file_edited_while_handled_is_handled_again(
        inbox: Path, start: Callable[..., Running]) -> None:
    inside, release = threading.Event(), threading.Event()
    seen: list[bytes] = []

    def slow_handler(path: Path) -> None:
        seen.append(path.read_bytes())
        inside.set()
        release.wait(DEADLINE)

    start(slow_handler)
    target = inbox / "laporan.xlsx"
    target.write_bytes(xlsx_bytes("versi 1"))
    assert inside.wait(DEADLINE)
    target.write_bytes(xlsx_bytes("versi 2, diperbaiki"))  # staff save again meanwhile
    release.set()
    assert wait_until(lambda: len(seen) >= 2)
    assert seen[:2] == [xlsx_bytes("versi 1"), xlsx_bytes("versi 2, diperbaiki")]


def test_file_deleted_before_it_settles_is_forgotten(
        inbox: Path, start: Callable[..., Running], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pipeline.watch")
    running = start()
    doomed = inbox / "batal.xlsx"
    doomed.write_bytes(xlsx_bytes()[:700])  # never completes
    time.sleep(3 * SETTLE)  # scenario: it sits there half-written for a while
    doomed.unlink()
    assert wait_until(lambda: "hilang sebelum diproses" in caplog.text)
    running.settle_with_sentinel()
    assert running.names() == ["zz-penanda.xlsx"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_renamed_file_is_handled_under_new_name(inbox: Path, start: Callable[..., Running]) -> None:
    running = start()
    (inbox / "lama.xlsx").write_bytes(xlsx_bytes("pindah"))
    running.wait_for("lama.xlsx")
    (inbox / "lama.xlsx").rename(inbox / "baru.xlsx")
    running.wait_for("baru.xlsx")
    running.settle_with_sentinel()
    assert running.names() == ["lama.xlsx", "baru.xlsx", "zz-penanda.xlsx"]


def test_watcher_survives_handler_error(
        inbox: Path, start: Callable[..., Running], caplog: pytest.LogCaptureFixture) -> None:
    # A processing bug on one file must not stop the unattended watcher.
    handled: list[str] = []

    def handler(path: Path) -> None:
        if path.name == "rusak.xlsx":
            raise RuntimeError("simulasi kegagalan")
        handled.append(path.name)

    start(handler)
    (inbox / "rusak.xlsx").write_bytes(xlsx_bytes("rusak"))
    assert wait_until(lambda: any(r.exc_info for r in caplog.records))
    (inbox / "baik.xlsx").write_bytes(xlsx_bytes("baik"))
    assert wait_until(lambda: handled == ["baik.xlsx"])
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.name == "pipeline.watch" and record.levelno == logging.ERROR
    assert "rusak.xlsx" in record.getMessage()
    assert "simulasi kegagalan" in caplog.text


def test_template_error_stops_the_watcher(inbox: Path, mode: str) -> None:
    # Every file would fail alike and, once marked handled, not be retried after the fix:
    # better to stop and let `perda watch` say what is wrong.
    def handler(path: Path) -> None:
        raise TemplateError("Templat surat rusak.")

    (inbox / "a.xlsx").write_bytes(xlsx_bytes())
    watcher = Watcher(inbox, handler, polling=mode == "polling", interval=INTERVAL,
                      settle=SETTLE, rescan=60.0)
    stop = threading.Event()
    guard = threading.Timer(DEADLINE, stop.set)  # never hang the suite
    guard.start()
    try:
        with pytest.raises(TemplateError):
            watcher.run(stop)
    finally:
        guard.cancel()
    assert not stop.is_set()


def test_damaged_and_encrypted_workbooks_are_passed_on(
        inbox: Path, start: Callable[..., Running]) -> None:
    # Neither will ever read as a zip; processing must still see them to report them.
    running = start(broken_after=0.5)
    (inbox / "sandi.xlsx").write_bytes(CFB_MAGIC + b"\0" * 4096)
    (inbox / "rusak.xlsx").write_bytes(b"ini bukan buku kerja")
    (inbox / "lama.csv").write_bytes(b"No. Laporan;Nama\n1;Ani\n")
    assert wait_until(lambda: {"sandi.xlsx", "rusak.xlsx", "lama.csv"} <= set(running.names()))


def test_rescan_finds_files_whose_events_were_lost(inbox: Path) -> None:
    # The poller looks only every 60 s: the 0.3 s rescan alone must find the file,
    # as it does on a network share where native events never arrive.
    running = Running(inbox, True, None, interval=60.0, rescan=0.3)
    try:
        (inbox / "jaringan.xlsx").write_bytes(xlsx_bytes("jaringan"))
        running.wait_for("jaringan.xlsx")
    finally:
        assert running.shutdown() < 2.0


def test_stops_promptly(inbox: Path, start: Callable[..., Running]) -> None:
    running = start()
    (inbox / "separuh.xlsx").write_bytes(xlsx_bytes()[:700])  # pending when stopped
    (inbox / "a.xlsx").write_bytes(xlsx_bytes())
    running.wait_for("a.xlsx")
    assert running.shutdown() < 2.0


def test_signal_sets_stop_event() -> None:
    stop = threading.Event()
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        state = install_signal_handlers(stop)
        signal.raise_signal(signal.SIGTERM)
        assert wait_until(stop.is_set)
        assert state.received == signal.SIGTERM
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def test_signal_handlers_skipped_outside_main_thread() -> None:
    stop = threading.Event()
    before = signal.getsignal(signal.SIGTERM)
    worker = threading.Thread(target=install_signal_handlers, args=(stop,))
    worker.start()
    worker.join(DEADLINE)
    assert signal.getsignal(signal.SIGTERM) == before


# --- the single-instance lock ----------------------------------------------------------------

def expected_refusal(state_dir: Path) -> str:
    holder = json.loads((state_dir / "perda.lock").read_text("utf-8"))
    since = datetime.fromisoformat(holder["sejak"]).strftime("%H.%M")
    return (f"Aplikasi sudah berjalan untuk folder ini (proses {holder['pid']} sejak {since}). "
            "Tutup yang lain dulu, atau tunggu sampai selesai.")


def test_second_lock_in_same_process_refuses(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with InstanceLock(state):
        with pytest.raises(AlreadyRunning) as refused:
            InstanceLock(state).acquire()
        assert refused.value.exit_code == ExitCode.already_running
        assert refused.value.message == expected_refusal(state)
        assert f"proses {os.getpid()} sejak" in refused.value.message
    with InstanceLock(state):  # released on exit
        pass


def test_refusal_without_holder_details() -> None:
    assert already_running_message({}) == (
        "Aplikasi sudah berjalan untuk folder ini. Tutup yang lain dulu, atau tunggu sampai "
        "selesai.")


HOLDER = """
import sys, time
from pathlib import Path
from pipeline.lock import InstanceLock
with InstanceLock(Path(sys.argv[1])):
    print("siap", flush=True)
    time.sleep(60)
"""


def test_lock_held_by_other_process_and_freed_when_it_is_killed(tmp_path: Path) -> None:
    state = tmp_path / "state"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(state)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "siap"
        with pytest.raises(AlreadyRunning) as refused:
            InstanceLock(state).acquire()
        assert f"proses {holder.pid} sejak" in refused.value.message
        assert refused.value.message == expected_refusal(state)
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs in the holder
        holder.wait(DEADLINE)
        if holder.stdout is not None:
            holder.stdout.close()
    with InstanceLock(state):
        pass


def test_close_after_write_skips_settle_window(inbox: Path, mode: str,
                                               start: Callable[..., Running]) -> None:
    if mode == "polling":
        pytest.skip("close events exist only with native (inotify) events")
    if not sys.platform.startswith("linux"):
        pytest.skip("close-after-write events are reported on Linux only")
    running = start(settle=30.0)  # far beyond the deadline: only the fast path can pass
    (inbox / "cepat.xlsx").write_bytes(xlsx_bytes("cepat"))
    running.wait_for("cepat.xlsx")


def test_inbox_removed_and_back_is_watched_again(
        inbox: Path, start: Callable[..., Running], caplog: pytest.LogCaptureFixture) -> None:
    # A network share that drops out kills the observer's watch; the rescan restarts it.
    (inbox / "awal.xlsx").write_bytes(xlsx_bytes("awal"))
    running = start(rescan=0.3)
    running.wait_for("awal.xlsx")  # the observer is running now
    (inbox / "awal.xlsx").unlink()
    inbox.rmdir()
    assert wait_until(lambda: "dimulai ulang" in caplog.text)
    inbox.mkdir()
    (inbox / "kembali.xlsx").write_bytes(xlsx_bytes("kembali"))
    running.wait_for("kembali.xlsx")
    running.settle_with_sentinel()
    assert running.names() == ["awal.xlsx", "kembali.xlsx", "zz-penanda.xlsx"]


def test_idle_hook_runs_once_after_a_burst(inbox: Path, start: Callable[..., Running]) -> None:
    # Registers and recaps are rewritten once the burst is over, not after every file,
    # so the letters of each save are not held up by them.
    handled: list[str] = []
    idles: list[int] = []
    running = start(handler=lambda path: handled.append(path.name),
                    on_idle=lambda: idles.append(len(handled)))
    for i in range(5):
        (inbox / f"laporan-{i}.xlsx").write_bytes(xlsx_bytes("isi"))
    assert wait_until(lambda: len(handled) == 5 and idles)
    assert idles[-1] == 5 and all(n > 0 for n in idles)
    assert running.names() == []  # the custom handler was used


# --- the readiness rule, on its own clock ----------------------------------------------

def ready_rule(settle: float = 2.0, interval: float = 1.0, broken_after: float = 30.0
               ) -> Readiness:
    return Readiness(settle=settle, interval=interval, broken_after=broken_after)


def test_complete_workbook_is_ready_after_one_quiet_interval(tmp_path: Path) -> None:
    path = tmp_path / "laporan.xlsx"
    path.write_bytes(xlsx_bytes())
    rule, sig = ready_rule(), signature(path)
    assert sig is not None
    assert rule.check(path, sig, now=100.0) == 101.0  # just seen: wait one interval
    assert rule.check(path, sig, now=101.0) is None


def test_half_written_workbook_waits_until_broken_after(tmp_path: Path) -> None:
    path = tmp_path / "separuh.xlsx"
    path.write_bytes(xlsx_bytes()[:700])
    rule, sig = ready_rule(), signature(path)
    assert sig is not None
    rule.check(path, sig, now=0.0)
    assert rule.check(path, sig, now=2.0) == 3.0  # stable, but no zip directory yet
    assert rule.check(path, sig, now=29.0) == 30.0
    assert rule.check(path, sig, now=30.0) is None  # passed on, so processing reports it


def test_csv_waits_the_whole_settle_window_and_a_change_restarts_it(tmp_path: Path) -> None:
    path = tmp_path / "lama.csv"
    path.write_bytes(b"No. Laporan;Nama\n")
    rule = ready_rule()
    assert rule.check(path, (17, 1), now=0.0) == 2.0
    assert rule.check(path, (40, 2), now=1.5) == 3.5  # grew: the window starts again
    assert rule.check(path, (40, 2), now=3.5) is None


def test_close_after_write_of_a_complete_zip_is_ready_at_once(tmp_path: Path) -> None:
    path = tmp_path / "cepat.xlsx"
    path.write_bytes(xlsx_bytes())
    sig = signature(path)
    assert sig is not None
    assert ready_rule(settle=30.0).check(path, sig, now=5.0, closed=True) is None


def test_encrypted_workbook_needs_stability_only(tmp_path: Path) -> None:
    path = tmp_path / "sandi.xlsx"
    path.write_bytes(CFB_MAGIC + b"\0" * 600)
    rule = ready_rule()
    rule.check(path, (608, 1), now=0.0)
    assert rule.check(path, (608, 1), now=1.0) is None


# --- where inbox/ lives ---------------------------------------------------------------

MOUNTINFO = """\
22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
30 22 0:40 / /srv/perda rw,relatime shared:9 - cifs //kantor-pc/perda rw,vers=3.1.1
31 22 0:41 / /mnt/nas rw - nfs4 nas:/export rw
32 22 0:42 / /home/staf/Folder\\040Bersama rw - fuse.sshfs staf@server:/data rw
33 30 0:43 / /srv/perda/lokal rw - tmpfs tmpfs rw
"""


@pytest.mark.parametrize(("folder", "expected"), [
    ("/srv/perda/inbox", Share("cifs", "//kantor-pc/perda")),
    ("/srv/perda", Share("cifs", "//kantor-pc/perda")),
    ("/mnt/nas/kerjo/inbox", Share("nfs4", "nas:/export")),
    ("/home/staf/Folder Bersama/inbox", Share("fuse.sshfs", "staf@server:/data")),
    ("/srv/perda/lokal/inbox", None),  # a local mount inside the share wins
    ("/srv/perdana/inbox", None),  # a longer name is not inside /srv/perda
    ("/home/staf/inbox", None),
])
def test_network_mount_is_found_in_mountinfo(folder: str, expected: Share | None) -> None:
    assert linux_share(Path(folder), MOUNTINFO) == expected


@pytest.mark.parametrize(("folder", "drive_type", "expected"), [
    (r"\\KANTOR-PC\perda\inbox", 3, Share("UNC", r"\\KANTOR-PC\perda")),
    (r"Z:\perda\inbox", 4, Share("drive Z:", "")),  # DRIVE_REMOTE: a mapped network drive
    (r"C:\perda\inbox", 3, None),  # DRIVE_FIXED
    (r"C:\perda\inbox", None, None),  # GetDriveTypeW not available: counted as local
])
def test_windows_share_by_unc_path_or_mapped_drive(folder: str, drive_type: int | None,
                                                   expected: Share | None) -> None:
    assert windows_share(folder, lambda root: drive_type) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("polling = true", True), ("polling = false", False), ("# polling = true", None),
])
def test_polling_setting_read_from_the_file_as_written(tmp_path: Path, line: str,
                                                       expected: bool | None) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[pemantau]\n{line}\ninterval_detik = 1.0\n", encoding="utf-8")
    assert polling_setting(path) is expected


def test_shipped_config_leaves_polling_to_the_watcher() -> None:
    assert polling_setting(ROOT / "config.toml") is None


def share_watcher(inbox: Path, polling: bool | None, stop: threading.Event,
                  calls: list[str]) -> threading.Thread:
    """A watcher told that inbox/ is on an SMB share, running in a thread."""
    watcher = Watcher(inbox, lambda path: calls.append(path.name), polling=polling,
                      interval=INTERVAL, settle=SETTLE, rescan=60.0,
                      detect=lambda folder: Share("cifs", "//kantor-pc/perda"))
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    return thread


def test_on_a_share_the_watcher_polls_and_says_so(
        inbox: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pipeline")
    stop, calls = threading.Event(), []
    thread = share_watcher(inbox, None, stop, calls)
    try:
        (inbox / "dari-pc-lain.xlsx").write_bytes(xlsx_bytes())
        assert wait_until(lambda: calls == ["dari-pc-lain.xlsx"])
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert (f"Folder {inbox} ada di folder jaringan (cifs //kantor-pc/perda): pemberitahuan "
            "langsung tidak sampai dari PC lain, jadi dipakai polling.") in caplog.messages
    assert (f"Memantau folder {inbox} dengan polling (diperiksa tiap 0,1 detik); berkas "
            "diproses setelah tidak berubah 0,2 detik.") in caplog.messages


def test_polling_false_on_a_share_is_kept_with_a_warning(
        inbox: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pipeline")
    stop, calls = threading.Event(), []
    thread = share_watcher(inbox, False, stop, calls)
    try:
        assert wait_until(lambda: "pemberitahuan langsung dari sistem" in caplog.text)
    finally:
        stop.set()
        thread.join(DEADLINE)
    warning = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warning] == [
        f"Folder {inbox} ada di folder jaringan (cifs //kantor-pc/perda), tetapi config.toml "
        "menulis polling = false: berkas yang disimpan dari PC lain baru terlihat pada "
        "pemindaian ulang tiap 60 detik. Tulis polling = true di bagian [pemantau]."]


def test_unreadable_inbox_is_logged_at_once_and_again_when_back(
        inbox: Path, start: Callable[..., Running], caplog: pytest.LogCaptureFixture) -> None:
    # Tried on an SMB share that vanished for 10 s: the log said nothing, and only an
    # English line from watchdog reached stderr.
    caplog.set_level(logging.INFO, logger="pipeline")
    running = start()  # rescan every 60 s: only the quick check can notice in time
    (inbox / "awal.xlsx").write_bytes(xlsx_bytes("awal"))
    running.wait_for("awal.xlsx")
    away = inbox.with_name("inbox-pergi")
    inbox.rename(away)
    lost = (f"Folder {inbox} tidak dapat dibaca (folder tidak ada). Periksa sambungan "
            "jaringan atau folder bersama; pemantauan berlanjut sendiri begitu folder dapat "
            "dibaca lagi.")
    assert wait_until(lambda: lost in caplog.messages)
    (away / "selama-putus.xlsx").write_bytes(xlsx_bytes("selama"))
    away.rename(inbox)
    back = (f"Folder {inbox} dapat dibaca lagi; berkas yang disimpan selama itu diperiksa "
            "sekarang.")
    assert wait_until(lambda: back in caplog.messages)
    running.wait_for("selama-putus.xlsx")
    assert caplog.messages.count(lost) == 1 and caplog.messages.count(back) == 1


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    """A real tmpfs mounted inside tmp_path (root on Linux only), unmounted afterwards."""
    point = tmp_path / "share"
    point.mkdir()
    if not sys.platform.startswith("linux") or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "perda-test", str(point)],
            capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    try:
        (point / "inbox").mkdir()
        yield point / "inbox"
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_real_mount_is_found_and_a_network_type_switches_to_polling(
        mounted: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    # No SMB server can be mounted here: a real tmpfs stands in for it, and is counted as
    # a network type for this test, so the real mountinfo and detect_share are used.
    assert linux_share(mounted) is None  # tmpfs is local
    monkeypatch.setattr(share_module, "NETWORK_TYPES", share_module.NETWORK_TYPES | {"tmpfs"})
    assert share_module.detect_share(mounted) == Share("tmpfs", "perda-test")
    caplog.set_level(logging.INFO, logger="pipeline")
    stop, calls = threading.Event(), []
    watcher = Watcher(mounted, lambda path: calls.append(path.name), polling=None,
                      interval=INTERVAL, settle=SETTLE, rescan=60.0)
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        (mounted / "di-share.xlsx").write_bytes(xlsx_bytes())
        assert wait_until(lambda: calls == ["di-share.xlsx"])
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert (f"Folder {mounted} ada di folder jaringan (tmpfs perda-test): pemberitahuan "
            "langsung tidak sampai dari PC lain, jadi dipakai polling.") in caplog.messages
