"""Killed at any moment and restarted, `perda run` makes every letter exactly once."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import docx
import pytest

from pipeline.letters import FILING_THREADS
from pipeline.process import open_state
from tests.conftest import full_row

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX-only")
CASES = 12
LETTERS_PER_CASE = 8  # seven documents, two agencies at step 4
NUMBERED_PER_CASE = 7  # the disposition sheet takes no number


def perda_run(office: Path) -> subprocess.Popen[bytes]:
    """Start `perda run` on the office folder as a separate process."""
    return subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--config",
                             str(office / "config.toml")], cwd=office,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_sigkill_at_random_moments_then_finish(make_intake, office, cfg):
    make_intake([full_row(n) for n in range(1, CASES + 1)])
    rng = random.Random(20240925)
    for _ in range(5):
        proc = perda_run(office)
        time.sleep(rng.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    final = perda_run(office)
    assert final.wait(timeout=300) == 0

    filed = sorted(cfg.outbox.rglob("*.docx"))
    assert len(filed) == CASES * LETTERS_PER_CASE
    assert not [p for p in cfg.outbox.rglob("*") if p.name.startswith(".~perda-")]
    assert not [p for p in filed if "versi" in p.name]
    for path in filed:
        docx.Document(str(path))  # complete: opens as a Word document
    state = open_state(cfg)
    rows = state.letters_of_year(2024)
    pending = state.pending_letters()
    state.close()
    assert pending == []
    assert sorted(r.urut for r in rows) == list(range(1, CASES * NUMBERED_PER_CASE + 1))
    assert len({r.nomor for r in rows}) == len(rows)
    assert {cfg.outbox / r.path for r in rows} == {p for p in filed
                                                   if "03-disposisi" not in str(p)}


def test_nothing_is_written_after_a_kill_of_a_backlog_run(make_intake, office, cfg):
    """A backlog renders in worker processes that file the letters: once `perda run` is
    killed they write nothing more, so the next run never finds a letter rewritten behind
    its back (each recorded sha256 is its file's)."""
    cases = 40  # 320 letters: a pool of workers
    make_intake([full_row(n) for n in range(1, cases + 1)])
    proc = perda_run(office)
    deadline = time.monotonic() + 120
    while len(list(cfg.outbox.rglob("*.docx"))) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    def files() -> dict[Path, tuple[int, int]]:
        return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in cfg.outbox.rglob("*")
                if p.is_file() and p.suffix in (".docx", ".txt")}

    at_kill = files()
    assert 40 <= len([p for p in at_kill if p.suffix == ".docx"]) < cases * LETTERS_PER_CASE
    time.sleep(3)  # what a worker left running would write meanwhile
    later = files()
    changed = [p for p in later if later[p] != at_kill.get(p)]
    # At most the letters each worker's filing threads had begun to write at the kill.
    assert len(changed) <= (os.cpu_count() or 1) * FILING_THREADS, sorted(changed)
    assert perda_run(office).wait(timeout=300) == 0
    state = open_state(cfg)
    rows = state.letters_of_year(2024)
    state.close()
    assert sorted(r.urut for r in rows) == list(range(1, cases * NUMBERED_PER_CASE + 1))
    for row in rows:
        data = (cfg.outbox / row.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256, row.path
