"""Faults heal without a restart (issue 9.7): failed writes retried at the rescan, unexpected
errors reported once, rows re-checked when config.toml changes or a future time passes."""

from __future__ import annotations

import errno
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from pipeline import letters as letters_module
from pipeline import runs
from pipeline.cli import main
from pipeline.process import (
    finish_batch,
    open_state,
    process_file,
    recheck_files,
    retry_pending,
    safe_process,
)
from pipeline.state import State
from tests.conftest import full_row, set_config
from tests.test_letters_scenarios import numbers_in


def run(path: Path, cfg):
    """Process one file with a fresh state connection."""
    state = open_state(cfg)
    try:
        outcome = process_file(path, cfg, state)
        finish_batch(cfg, state, [outcome])
        return outcome
    finally:
        state.close()


def test_letters_left_pending_by_a_full_disk_are_made_at_the_next_rescan(make_intake, cfg,
                                                                        monkeypatch):
    real = letters_module.file_letter
    calls = []

    def disk_full(path, *args, **kwargs):
        calls.append(path)
        if len(calls) >= 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(letters_module, "file_letter", disk_full)
    state = open_state(cfg)
    try:
        outcome = safe_process(make_intake([full_row()]), cfg, state)
        assert outcome.status == "error"
        pending = state.pending_letters()
        assert len(pending) == 6  # two were filed (and recorded) before the disk filled up
        monkeypatch.setattr(letters_module, "file_letter", real)
        made = retry_pending(cfg, state)  # what the watcher's rescan hook calls
        assert state.pending_letters() == []
    finally:
        state.close()
    assert sorted((x.urut, x.nomor) for x in made) == sorted((x.urut, x.nomor) for x in pending)
    for letter in made:
        if letter.nomor:
            assert letter.nomor in numbers_in(cfg.outbox / letter.path)  # also refers to others
    assert len(list(cfg.outbox.rglob("*.docx"))) == 8


def test_unexpected_error_exits_15_with_one_line_and_the_traceback_in_the_log(
        make_intake, office, monkeypatch, capsys):
    make_intake([full_row()])

    def broken(cfg, state):
        raise RuntimeError("kerusakan buatan untuk uji")

    monkeypatch.setattr(runs, "recover", broken)
    assert main(["run", "--config", str(office / "config.toml")]) == 15
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("perda:")]
    assert len(err) == 1 and "kesalahan tak terduga" in err[0]
    assert "Traceback" not in capsys.readouterr().err
    log = (office / "state" / "log" / "perda.log").read_text("utf-8")
    assert "Traceback" in log and "kerusakan buatan untuk uji" in log


def test_rows_refused_by_the_lists_are_read_again_when_config_changes(make_intake, office,
                                                                      cfg):
    path = make_intake([full_row(1), full_row(2, desa="Jumapolo")])
    assert [p.code for p in run(path, cfg).problems] == ["bukan-pilihan"]
    assert run(path, cfg).status == "unchanged"  # same file, same config: the shortcut
    cfg = set_config(office, '"Botok", ', '"Botok", "Jumapolo", ')
    outcome = run(path, cfg)
    assert outcome.status == "ok"
    assert {x.case_id for x in outcome.letters} == {"2024/LP-002"}


def test_rows_refused_for_a_future_time_are_read_again_once_it_has_passed(
        make_intake, cfg, monkeypatch):
    soon = datetime.now().replace(microsecond=0) + timedelta(hours=1)
    path = make_intake([full_row(1, waktu_lapor=soon, waktu_diteruskan=None,
                                 waktu_disposisi=None, sifat=None, isi_disposisi=None,
                                 waktu_koordinasi=None, instansi=None, tindakan=None,
                                 waktu_selesai=None, status_akhir=None, hasil=None,
                                 waktu_lapor_camat=None, waktu_pemberitahuan=None,
                                 cara_pemberitahuan=None)])
    assert [p.code for p in run(path, cfg).problems] == ["waktu-masa-depan"]
    assert run(path, cfg).status == "unchanged"  # not yet: the time has not passed

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return datetime.now(tz) + timedelta(hours=2)

    import pipeline.state as state_module
    import pipeline.validate as validate_module

    monkeypatch.setattr(validate_module, "datetime", Later)
    monkeypatch.setattr(state_module, "datetime", Later)
    state = open_state(cfg)
    assert [p.name for p in recheck_files(cfg, state)] == [path.name]  # the rescan's list
    state.close()
    outcome = run(path, cfg)
    assert outcome.status == "ok" and len(outcome.letters) == 1


def test_a_state_database_of_the_first_release_is_brought_up_to_date(tmp_path):
    path = tmp_path / "perda.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE letters (id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, doc TEXT NOT NULL,
            instansi TEXT NOT NULL, version INTEGER NOT NULL, data_hash TEXT NOT NULL,
            tahun INTEGER NOT NULL, urut INTEGER NOT NULL, nomor TEXT NOT NULL,
            step INTEGER NOT NULL, tanggal TEXT NOT NULL, hal TEXT NOT NULL,
            tujuan TEXT NOT NULL, path TEXT NOT NULL, status TEXT NOT NULL,
            sha256 TEXT NOT NULL DEFAULT '', made_at TEXT NOT NULL DEFAULT '',
            UNIQUE (case_id, doc, instansi, version));
        CREATE TABLE counters (tahun INTEGER PRIMARY KEY, last INTEGER NOT NULL);
        INSERT INTO letters VALUES (1, '2024/lp-7', 'tanda_terima', '', 1, 'h', 2024, 1,
            '300.1/001/Kec.Krj/2024', 1, '2024-09-25T08:15:00', 'Hal', 'Siti', 'a.docx',
            'done', 'abc', '2024-09-25T08:16:00');
        INSERT INTO counters VALUES (2024, 1);
    """)
    db.commit()
    db.close()
    state = State(path)
    [letter] = state.letters_of_year(2024)
    assert (letter.case_id, letter.no_laporan, letter.nomor) == ("2024/LP-7", "lp-7",
                                                                  "300.1/001/Kec.Krj/2024")
    assert state.counters() == {2024: 1}
    assert state.letters_at("a.docx") == [("2024/LP-7", "tanda_terima", "", 2024, 1, 1)]
    plan = " ".join(str(r[-1]) for r in state.db.execute(
        "EXPLAIN QUERY PLAN SELECT case_id FROM letters WHERE path='a.docx'"))
    assert "letters_by_path" in plan  # who holds a place is one index look-up
    state.close()


def test_the_watcher_retries_pending_letters_at_its_rescan(make_intake, cfg, monkeypatch):
    import threading

    from pipeline.watch import Watcher
    from tests.test_watch import wait_until

    real = letters_module.file_letter
    monkeypatch.setattr(letters_module, "file_letter", lambda *a, **k: (_ for _ in ()).throw(
        PermissionError(errno.EROFS, "Read-only file system")))
    state = open_state(cfg)
    try:
        assert safe_process(make_intake([full_row()]), cfg, state).status == "error"
        assert len(state.pending_letters()) == 8 and not list(cfg.outbox.rglob("*.docx"))
        monkeypatch.setattr(letters_module, "file_letter", real)  # the outbox is writable again
        made: list[int] = []

        def rescan() -> None:  # as cmd_watch's hook, on the watcher's own thread
            here = open_state(cfg)
            try:
                made.append(len(retry_pending(cfg, here)))
            finally:
                here.close()

        watcher = Watcher(cfg.inbox, lambda path: None, polling=True, interval=0.1,
                          settle=0.2, rescan=0.3, on_rescan=rescan)
        stop = threading.Event()
        thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
        thread.start()
        try:
            assert wait_until(lambda: sum(made) == 8)
        finally:
            stop.set()
            thread.join(10)
        assert state.pending_letters() == []
    finally:
        state.close()
    assert len(list(cfg.outbox.rglob("*.docx"))) == 8
