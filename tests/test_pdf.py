"""PDFs beside the letters: batches LibreOffice really converts, a cap per run, the rest
later (idle watcher, `perda pdf`), and nothing in the user's home folder.

Most tests use a stand-in for LibreOffice (the same seam as production: `find_soffice`)
that, like LibreOffice 7.4, silently converts only the first files of a long call.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from pipeline import pdf
from pipeline.cli import main
from pipeline.config import Config, load_config
from pipeline.process import finish_batch, open_state, recover, safe_process
from pipeline.watch import Watcher
from tests.conftest import full_row, set_config, write_intake

FAKE_SOFFICE = '''\
import os, sys
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--outdir") + 1])
files = [Path(a) for a in args[args.index("--outdir") + 2:]]
limit = int(os.environ.get("FAKE_LIMIT", "1000"))
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as log:
    log.write(f"{len(files)} {os.environ['HOME']}\\n")
for docx in files[:limit]:
    if "rusak" not in docx.name:
        (out / (docx.stem + ".pdf")).write_bytes(b"%PDF-1.4 contoh")
'''


@pytest.fixture
def fake_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in LibreOffice; returns the log of its calls ('<files> <HOME>' per call)."""
    if sys.platform == "win32":
        pytest.skip("the stand-in is a shell script")
    script = tmp_path / "fake_soffice.py"
    script.write_text(FAKE_SOFFICE, encoding="utf-8")
    launcher = tmp_path / "soffice"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} {script} \"$@\"\n")
    launcher.chmod(0o755)
    log = tmp_path / "soffice-calls.log"
    monkeypatch.setattr(pdf, "find_soffice", lambda: str(launcher))
    monkeypatch.setenv("FAKE_LOG", str(log))
    return log


def calls(log: Path) -> list[int]:
    """How many files each LibreOffice call was given."""
    if not log.exists():
        return []
    return [int(line.split()[0]) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def pdf_cfg(office: Path) -> Config:
    """PDFs on ("ya")."""
    return set_config(office, 'pdf = "tidak"', 'pdf = "ya"')


def letters_in(folder: Path, count: int, name: str = "surat") -> list[Path]:
    """`count` (empty) .docx files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}-{i:03d}.docx" for i in range(count)]
    for path in paths:
        path.write_bytes(b"")
    return paths


def test_long_batch_is_split_checked_and_the_skipped_retried(
        pdf_cfg: Config, fake_soffice: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # LibreOffice 7.4 converted 246 of 250 files in one call and exited 0: the last 4
    # letters silently had no PDF.
    monkeypatch.setenv("FAKE_LIMIT", "60")
    docx = letters_in(pdf_cfg.outbox / "2024", 150)
    made = pdf.convert_letters(pdf_cfg, docx)
    assert calls(fake_soffice) == [100, 40, 50]  # never more than 100; the 40 skipped again
    assert len(made) == 150 and all(d.with_suffix(".pdf").exists() for d in docx)


def test_letter_that_never_converts_is_named_and_left(pdf_cfg: Config, fake_soffice: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    docx = [*letters_in(pdf_cfg.outbox, 2), *letters_in(pdf_cfg.outbox, 1, "rusak")]
    with caplog.at_level(logging.WARNING, logger="pipeline.pdf"):
        made = pdf.convert_letters(pdf_cfg, docx)
    assert sorted(p.name for p in made) == ["surat-000.pdf", "surat-001.pdf"]
    assert calls(fake_soffice) == [3, 1]  # tried once more, then left for the catch-up
    assert "PDF untuk rusak-000.docx belum terbentuk; dicoba lagi nanti." in caplog.text


def test_libreoffice_home_is_inside_the_state_folder(pdf_cfg: Config,
                                                     fake_soffice: Path) -> None:
    pdf.convert_letters(pdf_cfg, letters_in(pdf_cfg.outbox, 1))
    home = fake_soffice.read_text(encoding="utf-8").split()[1]
    assert Path(home) == pdf_cfg.state_dir / "libreoffice-home"


def run_once(cfg: Config) -> None:
    """What `perda run` does, in this process."""
    state = open_state(cfg)
    try:
        recover(cfg, state)
        outcomes = [safe_process(p, cfg, state) for p in sorted(cfg.inbox.iterdir())]
        finish_batch(cfg, state, outcomes)
    finally:
        state.close()


def pdfs(cfg: Config) -> list[str]:
    """The PDFs in outbox/, by name."""
    return sorted(p.name for p in cfg.outbox.rglob("*.pdf"))


def test_run_makes_the_newest_pdfs_and_leaves_the_rest_for_later(
        office: Path, fake_soffice: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_config(office, 'pdf = "tidak"', 'pdf = "ya"')
    cfg = set_config(office, "pdf_maks_per_proses = 500", "pdf_maks_per_proses = 3")
    write_intake(cfg.inbox / "laporan.xlsx", [full_row(1)])  # 8 letters
    run_once(cfg)
    assert len(pdfs(cfg)) == 3
    assert any(name.startswith("LP-001 - Surat Pemberitahuan") for name in pdfs(cfg))
    assert main(["status", "--config", str(office / "config.toml")]) == 0
    assert ("5 PDF belum dibuat; dibuat saat pemantau senggang, atau jalankan: perda pdf"
            in capsys.readouterr().out)
    assert main(["pdf", "--config", str(office / "config.toml")]) == 0
    assert "Selesai: 5 PDF dibuat." in capsys.readouterr().out
    assert len(pdfs(cfg)) == 8 == len(list(cfg.outbox.rglob("*.docx")))


def test_run_under_the_cap_makes_every_pdf(office: Path, fake_soffice: Path) -> None:
    # 300 letters under a cap of 500 once got only 200 PDFs (a negative slice).
    set_config(office, 'pdf = "tidak"', 'pdf = "ya"')
    cfg = set_config(office, "pdf_maks_per_proses = 500", "pdf_maks_per_proses = 12")
    write_intake(cfg.inbox / "laporan.xlsx", [full_row(1)])  # 8 letters
    run_once(cfg)
    assert len(pdfs(cfg)) == 8


def test_idle_watcher_makes_the_rest_one_batch_at_a_time(
        office: Path, fake_soffice: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_config(office, 'pdf = "tidak"', 'pdf = "ya"')
    cfg = set_config(office, "pdf_maks_per_proses = 500", "pdf_maks_per_proses = 0")
    write_intake(cfg.inbox / "laporan.xlsx", [full_row(1), full_row(2)])  # 16 letters
    run_once(cfg)
    assert pdfs(cfg) == []
    monkeypatch.setattr(pdf, "BATCH", 10)
    state = open_state(cfg)
    try:
        backlog = pdf.Backlog(cfg, state)
        assert backlog.step() is True and len(pdfs(cfg)) == 10  # the newest ten
        assert backlog.step() is True and len(pdfs(cfg)) == 16
        assert backlog.step() is False  # nothing left: the watcher sleeps again
        assert pdf.pdfs_to_make(cfg, state) == 0
    finally:
        state.close()


def test_start_up_catch_up_is_capped_too(office: Path, fake_soffice: Path) -> None:
    cfg = set_config(office, 'pdf = "tidak"', 'pdf = "ya"')
    write_intake(cfg.inbox / "laporan.xlsx", [full_row(1)])
    run_once(cfg)
    for made in cfg.outbox.rglob("*.pdf"):
        made.unlink()  # as if the run was stopped before its PDFs
    capped = set_config(office, "pdf_maks_per_proses = 500", "pdf_maks_per_proses = 2")
    run_once(capped)
    assert len(pdfs(cfg)) == 2


def test_pdf_command_refuses_when_pdfs_are_off(office: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pdf", "--config", str(office / "config.toml")]) == 64
    assert "[berkas] pdf bernilai \"tidak\"" in capsys.readouterr().err


# ---------------------------------------------------------------- real LibreOffice


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(pdf.find_soffice() is None, reason="LibreOffice not installed")
def test_300_letters_in_one_run_each_get_a_pdf_and_home_stays_clean(
        office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # LibreOffice 7.4 silently skips the files past about 246 in one call; and it used
    # to leave ~/.cache/dconf in the user's home.
    home = tmp_path / "home-of-the-clerk"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    cfg = set_config(office, 'pdf = "tidak"', 'pdf = "ya"')
    rows = [full_row(n, waktu_lapor=datetime(2024, 9, 1, 8, 0), waktu_diteruskan=None,
                     waktu_disposisi=None, waktu_koordinasi=None, waktu_selesai=None,
                     waktu_lapor_camat=None, waktu_pemberitahuan=None, status_akhir=None,
                     cara_pemberitahuan=None) for n in range(1, 301)]
    write_intake(cfg.inbox / "laporan.xlsx", rows)
    assert main(["run", "--config", str(office / "config.toml")]) == 0
    letters = sorted(cfg.outbox.rglob("*.docx"))
    assert len(letters) == 300
    assert [d for d in letters if not d.with_suffix(".pdf").exists()] == []
    assert list(home.iterdir()) == []
    assert (cfg.state_dir / "libreoffice-home").is_dir()
    assert load_config(office / "config.toml").berkas.pdf_maks_per_proses == 500


def test_watcher_does_idle_work_until_none_is_left(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    steps: list[int] = []

    def work() -> bool:
        steps.append(1)
        return len(steps) < 3  # two batches, then nothing left

    watcher = Watcher(inbox, lambda path: None, polling=True, interval=0.1, settle=0.1,
                      rescan=60.0, background=work)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while len(steps) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # several more ticks: nothing is left, so no further step
    stop.set()
    thread.join(10)
    assert len(steps) == 3
