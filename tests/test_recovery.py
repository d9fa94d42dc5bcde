"""The state can be lost without losing the archive (issue 9.6)."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import ExitCode
from pipeline.lock import InstanceLock
from pipeline.process import open_state, process_file, recover
from pipeline.recovery import BACKUPS_KEPT, backup_state, filed_letters
from pipeline.stamp import read_stamp
from tests.conftest import full_row

NUMBERED_PER_CASE = 7  # 8 letters (two agencies at step 4), the Lembar Disposisi unnumbered


def perda(office: Path, *args: str) -> int:
    """Run one `perda` command on the office, in this process."""
    return main([*args, "--config", str(office / "config.toml")])


def letter_hashes(cfg) -> dict[Path, str]:
    """sha256 of every letter filed."""
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in filed_letters(cfg.outbox)}


def numbers(cfg) -> list[int]:
    """The numbers read back from the letters themselves, sorted (unnumbered left out)."""
    found = [read_stamp(p) for p in filed_letters(cfg.outbox)]
    return sorted(int(r["urut"]) for r in found if r and int(r["urut"]) > 0)


def test_state_deleted_refuses_then_pulihkan_and_numbering_continues(office, cfg, make_intake,
                                                                     capsys):
    make_intake([full_row(1), full_row(2)])
    assert perda(office, "run") == ExitCode.ok
    before = letter_hashes(cfg)
    shutil.rmtree(cfg.state_dir)

    assert perda(office, "run") == ExitCode.config_error  # nothing is numbered
    assert "perda pulihkan --config" in capsys.readouterr().err
    assert perda(office, "run", "--coba") == ExitCode.config_error  # nor planned from 1
    assert not (cfg.state_dir / "perda.sqlite3").exists()  # no new, empty database either
    assert letter_hashes(cfg) == before

    assert perda(office, "pulihkan") == ExitCode.ok
    assert "nomor urut berikutnya 15" in capsys.readouterr().out
    assert letter_hashes(cfg) == before  # pulihkan writes nothing under outbox/

    make_intake([full_row(1), full_row(2), full_row(3)])
    assert perda(office, "run") == ExitCode.ok
    after = letter_hashes(cfg)
    assert {p: after[p] for p in before} == before  # no letter changed
    assert not [p for p in after if "versi" in p.name]  # nor made again as a new version
    assert numbers(cfg) == list(range(1, 3 * NUMBERED_PER_CASE + 1))
    new = [read_stamp(p) for p in set(after) - set(before)]
    assert {r["no_laporan"] for r in new} == {"LP-003"}


def test_pulihkan_keeps_the_marked_names_of_reports_whose_flat_names_collide(office, cfg,
                                                                           make_intake):
    make_intake([full_row(1, no_laporan="LP/001"), full_row(2, no_laporan="LP-001")])
    assert perda(office, "run") == ExitCode.ok
    before = letter_hashes(cfg)
    assert len(before) == 16 and len([p for p in before if " ~" in p.name]) == 8
    state = open_state(cfg)
    recorded = {(x.case_id, x.path) for x in state.all_letters()}
    state.close()
    shutil.rmtree(cfg.state_dir)

    assert perda(office, "pulihkan") == ExitCode.ok
    state = open_state(cfg)
    assert {(x.case_id, x.path) for x in state.all_letters()} == recorded
    state.close()
    make_intake([full_row(1, no_laporan="LP/001"), full_row(2, no_laporan="LP-001"),
                 full_row(3)])
    assert perda(office, "run") == ExitCode.ok
    after = letter_hashes(cfg)
    assert {p: after[p] for p in before} == before  # no letter changed or made again
    assert numbers(cfg) == list(range(1, 3 * NUMBERED_PER_CASE + 1))


@pytest.mark.parametrize("damage", [b"", b"bukan basis data SQLite" * 100])
def test_empty_or_damaged_state_refuses_to_number(office, cfg, make_intake, capsys, damage):
    make_intake([full_row(1)])
    assert perda(office, "run") == ExitCode.ok
    before = letter_hashes(cfg)
    for extra in cfg.state_dir.glob("perda.sqlite3*"):
        extra.unlink()
    (cfg.state_dir / "perda.sqlite3").write_bytes(damage)
    assert perda(office, "run") == ExitCode.config_error
    err = capsys.readouterr().err
    assert ("kosong" if not damage else "rusak") in err and "perda pulihkan" in err
    assert perda(office, "pulihkan") == ExitCode.ok
    kept = list(cfg.state_dir.glob("perda.sqlite3.sebelum-pulihkan-*"))
    assert [p.read_bytes() for p in kept if not p.name.endswith(("-wal", "-shm"))] == [damage]
    make_intake([full_row(2)])  # the row of LP-001 was deleted meanwhile
    assert perda(office, "run") == ExitCode.ok
    assert {p: h for p, h in letter_hashes(cfg).items() if p in before} == before
    state = open_state(cfg)  # LP-001 is still known, from the snapshot of its workbook
    assert sorted(c.no_laporan for c in state.cases()) == ["LP-001", "LP-002"]
    assert len(state.letters_of_year(2024)) == 2 * NUMBERED_PER_CASE
    state.close()


def test_pulihkan_on_a_sound_state_changes_nothing(office, cfg, make_intake, capsys):
    make_intake([full_row(1)])
    assert perda(office, "run") == ExitCode.ok
    database = (cfg.state_dir / "perda.sqlite3").read_bytes()
    assert perda(office, "pulihkan") == ExitCode.ok
    assert "tidak ada yang perlu dipulihkan" in capsys.readouterr().out
    assert (cfg.state_dir / "perda.sqlite3").read_bytes() == database


def test_a_letter_moved_out_is_still_known_from_the_buku_agenda(office, cfg, make_intake):
    make_intake([full_row(1)])
    assert perda(office, "run") == ExitCode.ok
    moved = next(p for p in filed_letters(cfg.outbox) if "Nota Dinas" in p.name)
    moved.rename(office / moved.name)  # a clerk took it out of the outbox
    shutil.rmtree(cfg.state_dir)
    assert perda(office, "pulihkan") == ExitCode.ok
    make_intake([full_row(1), full_row(2)])
    assert perda(office, "run") == ExitCode.ok
    # Its number is not given again, nor is it made again: its report still says the same.
    assert not moved.exists()
    assert not [p for p in filed_letters(cfg.outbox) if "versi" in p.name]
    assert numbers(cfg) == [n for n in range(1, 2 * NUMBERED_PER_CASE + 1) if n != 2]


def test_second_pc_with_its_own_state_refuses_the_same_outbox(office, cfg, make_intake,
                                                              capsys):
    make_intake([full_row(1)])
    text = (office / "config.toml").read_text(encoding="utf-8")
    other = office / "pc2.toml"
    other.write_text(text.replace('state = "state"', 'state = "state-pc2"'), encoding="utf-8")
    assert load_config(other).state_dir != cfg.state_dir
    with InstanceLock(cfg.state_dir, cfg.outbox):
        assert main(["run", "--config", str(other)]) == ExitCode.already_running
    err = capsys.readouterr().err
    assert "outbox" in err and f"folder state {cfg.state_dir.resolve()}" in err
    assert not list(filed_letters(cfg.outbox))
    assert main(["run", "--config", str(other)]) == ExitCode.ok  # once the first is done


def test_a_backup_follows_each_batch_and_only_a_few_are_kept(office, cfg, make_intake):
    make_intake([full_row(1)])
    assert perda(office, "run") == ExitCode.ok
    backups = sorted((cfg.state_dir / "backup").glob("perda-*.sqlite3"))
    assert len(backups) == 1
    state = open_state(cfg)
    try:
        for minute in range(BACKUPS_KEPT + 2):
            backup_state(cfg, state, datetime(2030, 1, 1, 8, minute))
    finally:
        state.close()
    kept = sorted((cfg.state_dir / "backup").glob("perda-*.sqlite3"))
    assert len(kept) == BACKUPS_KEPT
    db = sqlite3.connect(kept[-1])
    assert db.execute("SELECT COUNT(*) FROM letters").fetchone()[0] == 8
    db.close()


# ------------------------------------------------------------------------ SIGKILL loop

CASES = 12


def perda_process(office: Path, *args: str) -> subprocess.Popen[bytes]:
    """Start `perda …` on the office folder as a separate process."""
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args, "--config",
                             str(office / "config.toml")], cwd=office,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX-only")
def test_sigkill_then_state_lost_then_pulihkan_numbers_continue(make_intake, office, cfg):
    make_intake([full_row(n) for n in range(1, CASES + 1)])
    rng = random.Random(20261201)
    seen: dict[Path, str] = {}
    for _ in range(3):
        proc = perda_process(office, "run")
        time.sleep(rng.uniform(0.5, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        shutil.rmtree(cfg.state_dir, ignore_errors=True)  # the state is lost as well
        assert perda_process(office, "pulihkan").wait(timeout=300) == 0
        now = letter_hashes(cfg)
        assert {p: now[p] for p in seen} == seen  # a letter once filed never changes
        seen.update(now)
    assert perda_process(office, "run").wait(timeout=300) == 0

    final = letter_hashes(cfg)
    assert {p: final[p] for p in seen} == seen
    assert len(final) == CASES * 8
    assert not [p for p in final if "versi" in p.name]
    assert not [p for p in cfg.outbox.rglob("*") if p.name.startswith(".~perda-")]
    records = [read_stamp(p) for p in final]
    assert all(records)
    assert len({(r["case_id"], r["doc"], r["instansi"]) for r in records}) == CASES * 8
    assert numbers(cfg) == list(range(1, CASES * NUMBERED_PER_CASE + 1))  # unique, no gap


def test_recap_is_caught_up_at_start(office, cfg, make_intake):
    state = open_state(cfg)
    try:  # letters filed, then the run stopped before the batch's registers and recap
        process_file(make_intake([full_row(1)]), cfg, state)
        recap = cfg.outbox / "2024" / "Laporan Pengamanan 2024.xlsx"
        assert not recap.exists()
        recover(cfg, state)
    finally:
        state.close()
    assert recap.is_file()


def unstamped(path: Path) -> None:
    """Rewrite a letter as an earlier release made it: without its stamped record."""
    with zipfile.ZipFile(path) as source:
        entries = [(i, source.read(i)) for i in source.infolist()
                   if i.filename != "docProps/custom.xml"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            target.writestr(info, data)


def test_letters_without_a_stamp_or_register_are_numbered_from_their_text(office, cfg,
                                                                        make_intake):
    make_intake([full_row(1)])
    assert perda(office, "run") == ExitCode.ok
    last = max(filed_letters(cfg.outbox), key=lambda p: read_stamp(p)["urut"])
    assert read_stamp(last)["urut"] == NUMBERED_PER_CASE
    for path in filed_letters(cfg.outbox):
        unstamped(path)
    (cfg.outbox / "2024" / "Buku Agenda 2024.xlsx").unlink()
    before = letter_hashes(cfg)
    shutil.rmtree(cfg.state_dir)
    assert perda(office, "pulihkan") == ExitCode.ok
    assert letter_hashes(cfg) == before
    state = open_state(cfg)
    assert state.counters() == {2024: NUMBERED_PER_CASE}  # read from the letters' text
    assert {r.no_laporan for r in state.all_letters()} == {"LP-001"}
    state.close()
    make_intake([full_row(1), full_row(2)])
    assert perda(office, "run") == ExitCode.ok
    new = [read_stamp(p) for p in filed_letters(cfg.outbox) if p not in before]
    assert sorted(r["urut"] for r in new if r["no_laporan"] == "LP-002" and r["urut"]) == list(
        range(NUMBERED_PER_CASE + 1, 2 * NUMBERED_PER_CASE + 1))
    assert {p: h for p, h in letter_hashes(cfg).items() if p in before} == before
    assert not [p for p in filed_letters(cfg.outbox) if "versi" in p.name]  # found up to date
