"""A backlog renders in a process pool, a single save never does; the letters are the same."""

from __future__ import annotations

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


def test_template_error_in_a_worker_reaches_the_caller(tmp_path):
    from pipeline.errors import TemplateError

    with pool.Renderer(pool_min=1, workers=2) as renderer, pytest.raises(TemplateError):
        list(renderer.render([(str(tmp_path / "tidak-ada.docx"), {})] * 3))
