"""The instance lock also covers the outbox: one outbox, one state folder (issue 9.6)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import AlreadyRunning, ExitCode
from pipeline.lock import InstanceLock

ROOT = Path(__file__).resolve().parents[1]
HOLDER = """
import sys, time
from pathlib import Path
from pipeline.lock import InstanceLock
with InstanceLock(Path(sys.argv[1]), Path(sys.argv[2])):
    print("siap", flush=True)
    time.sleep(60)
"""


def test_a_second_state_folder_on_the_same_outbox_refuses(tmp_path: Path) -> None:
    outbox = tmp_path / "bersama" / "outbox"
    with InstanceLock(tmp_path / "pc1" / "state", outbox):
        with pytest.raises(AlreadyRunning) as refused:
            InstanceLock(tmp_path / "pc2" / "state", outbox).acquire()
        assert refused.value.exit_code == ExitCode.already_running
        message = refused.value.message
        assert message.startswith(f"Folder outbox {outbox} sedang dipakai oleh aplikasi lain "
                                  f"(proses {os.getpid()} sejak ")
        assert f"folder state {(tmp_path / 'pc1' / 'state').resolve()})" in message
        # pc2's own state lock was given back: it can run on another outbox meanwhile
        with InstanceLock(tmp_path / "pc2" / "state", tmp_path / "lain"):
            pass
    with InstanceLock(tmp_path / "pc2" / "state", outbox):  # free once pc1 stopped
        pass


def test_outbox_lock_held_by_a_killed_process_is_free_again(tmp_path: Path) -> None:
    state, outbox = tmp_path / "state", tmp_path / "outbox"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(state), str(outbox)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "siap"
        with pytest.raises(AlreadyRunning) as refused:
            InstanceLock(tmp_path / "lain", outbox).acquire()
        assert f"proses {holder.pid} sejak" in refused.value.message
    finally:
        holder.kill()
        holder.wait(30)
        if holder.stdout is not None:
            holder.stdout.close()
    with InstanceLock(tmp_path / "lain", outbox):
        pass
    assert (outbox / ".perda.lock").exists()  # the lock file stays; only the OS lock counts
