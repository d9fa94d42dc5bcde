"""A backlog renders in a process pool, a single save never does; the letters are the same."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from pipeline import pool
from pipeline.process import open_state, process_file
from pipeline.schema import DOCUMENT_BY_KIND, Doc
from tests.conftest import full_row


def document_xml(data: bytes) -> bytes:
    """A letter's word/document.xml."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml")


def run(path, cfg):
    """Process one file with a fresh state connection."""
    state = open_state(cfg)
    try:
        return process_file(path, cfg, state)
    finally:
        state.close()


def filed_2024(cfg):
    """(letters still pending, letters recorded for 2024) in a fresh state connection."""
    state = open_state(cfg)
    try:
        return state.pending_letters(), state.letters_of_year(2024)
    finally:
        state.close()


def test_backlog_in_a_pool_makes_every_letter_once(make_intake, cfg, monkeypatch):
    monkeypatch.setattr(pool, "POOL_MIN", 10)
    started = []
    real = pool.ProcessPoolExecutor
    monkeypatch.setattr(pool, "ProcessPoolExecutor",
                        lambda *a, **k: started.append(1) or real(*a, **k))
    outcome = run(make_intake([full_row(n) for n in range(1, 5)]), cfg)
    assert started == [1]
    state = open_state(cfg)
    rows = state.letters_of_year(2024)
    state.close()
    assert len(outcome.letters) == 32  # 4 cases × 8 letters, 7 of them numbered
    assert [r.urut for r in rows] == list(range(1, 29)) == sorted(
        r.urut for r in outcome.letters if r.urut)
    for row in rows:
        data = (cfg.outbox / row.path).read_bytes()
        if DOCUMENT_BY_KIND[Doc(row.doc)].numbered:  # the disposition prints the Nota Dinas's
            assert row.nomor.encode() in document_xml(data)


def test_single_save_renders_without_a_pool(make_intake, cfg, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for one case")

    monkeypatch.setattr(pool, "ProcessPoolExecutor", no_pool)
    assert len(run(make_intake([full_row(1)]), cfg).letters) == 8


def test_pool_renders_what_this_process_renders(tmp_path):
    from pipeline.schema import DOCUMENTS
    from tests.test_engine import contexts
    from tests.test_render import make_config

    jobs = [(str(make_config().templates / d.template), ctx) for d in DOCUMENTS
            for _, ctx in contexts(d)]
    with pool.Renderer(pool_min=1, workers=2) as renderer:
        pooled = list(renderer.render(jobs))
    here = [pool.render_job(job) for job in jobs]
    assert [document_xml(d) for d, _ in pooled] == [document_xml(d) for d, _ in here]


def test_next_chunk_is_reserved_while_the_workers_render_this_one(make_intake, cfg,
                                                                   monkeypatch):
    """In a pool the workers never wait for the next chunk's reservation: it is made
    while they render the last letters of this chunk, before this one is marked made;
    every letter is still made once, numbered in order, none left pending."""
    from pipeline import letters
    from pipeline.state import State

    monkeypatch.setattr(pool, "POOL_MIN", 4)
    monkeypatch.setattr(letters, "CHUNK_LETTERS", 8)
    events: list[str] = []
    reserve, complete = State.reserve, State.complete_all

    def reserving(self, booking):
        events.append("reserve")
        return reserve(self, booking)

    def completing(self, done):
        events.append("complete")
        return complete(self, done)

    monkeypatch.setattr(State, "reserve", reserving)
    monkeypatch.setattr(State, "complete_all", completing)
    outcome = run(make_intake([full_row(n) for n in range(1, 5)]), cfg)
    assert outcome.letters_made == 32
    assert events[:3] == ["reserve", "reserve", "complete"]  # the second chunk went ahead
    assert events.count("complete") >= 4
    pending, rows = filed_2024(cfg)
    assert pending == []
    assert sorted(r.urut for r in rows) == list(range(1, 29))
    for row in rows:
        assert hashlib.sha256((cfg.outbox / row.path).read_bytes()).hexdigest() == row.sha256


def test_workers_start_while_a_backlog_is_planned_and_not_for_a_few_changes(
        make_intake, cfg, monkeypatch):
    """A backlog's workers start when its first cases are known to need letters, so their
    start overlaps the planning and the first reservation; a re-save that changes a case
    or two starts none, however many rows the workbook has."""
    from pipeline import letters

    monkeypatch.setattr(pool, "POOL_MIN", 10)
    events: list[str] = []
    real_pool, real_plan = pool.ProcessPoolExecutor, letters.make_plan
    monkeypatch.setattr(pool, "ProcessPoolExecutor",
                        lambda *a, **k: events.append("pool") or real_pool(*a, **k))
    monkeypatch.setattr(letters, "make_plan",
                        lambda *a, **k: events.append("plan") or real_plan(*a, **k))
    rows = [full_row(n) for n in range(1, 13)]
    assert run(make_intake(rows), cfg).letters_made == 96
    assert events == ["pool", "plan"]  # started before the first plan, once
    pending, made = filed_2024(cfg)
    assert pending == [] and sorted(r.urut for r in made) == list(range(1, 85))
    events.clear()
    rows[2] = full_row(3, uraian="Pembuangan sampah ke sungai pada malam hari.")
    outcome = run(make_intake(rows), cfg)
    assert events == ["plan"] and outcome.letters_made > 0  # one case changed: no pool


def test_template_error_in_a_worker_reaches_the_caller(tmp_path):
    from pipeline.errors import TemplateError

    with pool.Renderer(pool_min=1, workers=2) as renderer, pytest.raises(TemplateError):
        list(renderer.render([(str(tmp_path / "tidak-ada.docx"), {})] * 3))


def test_workers_file_every_letter_and_never_replace_a_foreign_file(make_intake, cfg,
                                                                      monkeypatch):
    """Workers file the letters they render: each recorded sha256 is the file's, and a
    clerk's file at a letter's place is left as it is (the letter goes beside it)."""
    monkeypatch.setattr(pool, "POOL_MIN", 10)
    place = cfg.outbox / "2024" / "01-penerimaan-laporan" / "LP-003 - Tanda Terima Laporan.docx"
    place.parent.mkdir(parents=True)
    place.write_bytes(b"surat lain milik kantor")
    outcome = run(make_intake([full_row(n) for n in range(1, 5)]), cfg)
    assert place.read_bytes() == b"surat lain milik kantor"
    pending, made = filed_2024(cfg)
    assert pending == []
    assert len(outcome.letters) == 32 and len(made) == 28  # 32 letters, 28 of them numbered
    assert str(place.relative_to(cfg.outbox)) not in {row.path for row in made}
    for row in made:  # each recorded sha256 is the file's, as the worker wrote it
        assert hashlib.sha256((cfg.outbox / row.path).read_bytes()).hexdigest() == row.sha256


@pytest.mark.parametrize("listed", [2, 5_000], ids=["folder-too-big-to-list", "listed"])
def test_a_clerks_file_holds_its_place_in_a_listed_folder_or_not(make_intake, cfg,
                                                                 monkeypatch, listed):
    """Places are checked against one listing of the folder, or one by one in a folder
    too big to list: either way a clerk's file at a letter's place, or where its SMS text
    goes, is left alone and the letter goes beside it."""
    from pipeline import places

    monkeypatch.setattr(places, "LISTED", listed)
    folder = cfg.outbox / "2024" / "01-penerimaan-laporan"
    folder.mkdir(parents=True)
    for n in range(4):  # more names than LISTED=2
        (folder / f"catatan {n}.txt").write_bytes(b"catatan staf")
    taken = folder / "LP-003 - Tanda Terima Laporan.docx"
    taken.write_bytes(b"surat lain milik kantor")
    beside = folder / "LP-002 - Tanda Terima Laporan.TXT"  # Windows matches any case
    beside.write_bytes(b"teks staf")
    run(make_intake([full_row(n) for n in range(1, 5)]), cfg)
    assert taken.read_bytes() == b"surat lain milik kantor"
    assert beside.read_bytes() == b"teks staf"
    made = {row.path for row in filed_2024(cfg)[1]}
    assert str(taken.relative_to(cfg.outbox)) not in made
    assert "2024/01-penerimaan-laporan/LP-001 - Tanda Terima Laporan.docx" in made
    assert len([p for p in made if "LP-003" in p and "01-penerimaan" in p]) == 1


def _dies_in_a_worker(jobs: list) -> list:
    """Work that kills the worker process it runs in (a crash), and works here."""
    import multiprocessing
    import os

    if multiprocessing.parent_process() is not None:
        os._exit(3)
    return [("done", job) for job in jobs]


def test_when_a_worker_dies_every_job_is_still_done_here_in_order(caplog):
    import logging

    jobs = [(n,) for n in range(40)]
    with caplog.at_level(logging.WARNING, logger="pipeline"), \
            pool.Renderer(pool_min=1, workers=2) as renderer:
        results = list(renderer.run(_dies_in_a_worker, iter(jobs), len(jobs)))
    assert results == [("done", job) for job in jobs]
    assert "berhenti mendadak" in caplog.text
