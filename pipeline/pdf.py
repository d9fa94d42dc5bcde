"""PDF copies of letters for printing, through LibreOffice, in batches that never hold a
run hostage.

LibreOffice spends about a second starting, then a fraction per letter, so letters are
converted many per call — but at most `BATCH` per call: LibreOffice 7.4 silently skips the
files past about 246 in one call (exit 0). Every PDF is checked for; the missing ones are
tried once more, and what is still missing is left to the next catch-up.

A run converts at most `[berkas] pdf_maks_per_proses` letters, the newest first; the rest
are made while the watcher is idle (`Backlog`, one batch at a time) or by `perda pdf`.
Which letters still need a PDF is read from the outbox itself (a filed letter without a
PDF beside it), so the work resumes wherever it stopped.

LibreOffice runs with its profile and HOME inside the state folder, so nothing lands in
the user's home folder. Without LibreOffice the letters are still made; the README says
how to install it. A conversion failure is logged and never stops the run.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import Config
from pipeline.filing import write_atomic_with

if TYPE_CHECKING:
    from pipeline.state import State

log = logging.getLogger("pipeline.pdf")
TIMEOUT_BASE, TIMEOUT_PER_LETTER = 120, 10  # seconds
BATCH = 100  # letters per LibreOffice call (7.4 drops files past ~246 without a word)
PAGE = 1000  # letters read from the state at a time while looking for missing PDFs
Progress = Callable[[int, int], None]  # (PDFs handled, PDFs to make)


def find_soffice() -> str | None:
    """The LibreOffice program, or None where it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in (r"C:\Program Files\LibreOffice\program\soffice.exe",
                      r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"):
        if Path(candidate).is_file():
            return candidate
    return None


def wanted(cfg: Config, quiet: bool = False) -> bool:
    """Whether PDFs should be made under the [berkas] pdf setting."""
    if cfg.berkas.pdf == "tidak":
        return False
    if find_soffice() is None:
        if cfg.berkas.pdf == "ya" and not quiet:
            log.warning("PDF tidak dibuat: LibreOffice tidak ditemukan. Pasang LibreOffice "
                        "(lihat README), atau ubah [berkas] pdf menjadi \"tidak\".")
        return False
    return True


def environment(home: Path) -> dict[str, str]:
    """LibreOffice's environment: its HOME (and the XDG folders) inside `home`."""
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["HOME"] = str(home)
    for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                      ("XDG_DATA_HOME", ".local/share")):
        env[name] = str(home / sub)
    return env


def convert(docx_files: list[Path], profile: Path, home: Path | None = None) -> list[Path]:
    """Convert .docx files to PDFs beside them in one LibreOffice call; return the PDFs.

    The files must have distinct names (they share one output folder); see `_batches`.
    """
    soffice = find_soffice()
    if not docx_files or soffice is None:
        return []
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="perda-pdf-") as tmp:
        command = [soffice, "--headless", "--norestore",
                   f"-env:UserInstallation={profile.absolute().as_uri()}",
                   "--convert-to", "pdf", "--outdir", tmp, *map(str, docx_files)]
        try:
            subprocess.run(command, capture_output=True, check=False, stdin=subprocess.DEVNULL,
                           env=environment(home or profile.parent / "libreoffice-home"),
                           timeout=TIMEOUT_BASE + TIMEOUT_PER_LETTER * len(docx_files))
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("PDF tidak dibuat: LibreOffice gagal (%s).", exc)
            return []
        for docx in docx_files:
            produced = Path(tmp) / (docx.stem + ".pdf")
            if produced.exists():
                target = docx.with_suffix(".pdf")
                write_atomic_with(target, partial(shutil.copyfile, produced))
                made.append(target)
    return made


def _batches(docx_files: list[Path]) -> list[list[Path]]:
    """Batches of at most BATCH files, no two with the same name (one out folder)."""
    batches: list[tuple[set[str], list[Path]]] = []
    for docx in docx_files:
        for stems, batch in batches:
            if docx.stem not in stems and len(batch) < BATCH:
                stems.add(docx.stem)
                batch.append(docx)
                break
        else:
            batches.append(({docx.stem}, [docx]))
    return [batch for _, batch in batches]


def convert_letters(cfg: Config, docx_files: list[Path]) -> list[Path]:
    """PDFs for letters, when the configuration asks for them: in batches, each checked,
    the missing ones tried once more; returns the PDFs made."""
    if not docx_files or not wanted(cfg):
        return []
    profile = cfg.state_dir / "libreoffice-profile"
    home = cfg.state_dir / "libreoffice-home"
    made: list[Path] = []
    for batch in _batches(docx_files):
        done = convert(batch, profile, home)
        missing = [d for d in batch if d.with_suffix(".pdf") not in set(done)]
        if missing:  # LibreOffice skipped some without a word: once more, just those
            done += convert(missing, profile, home)
        for docx in missing:
            if docx.with_suffix(".pdf") not in set(done):
                log.warning("PDF untuk %s belum terbentuk; dicoba lagi nanti.", docx.name)
        made += done
    return made


def convert_newest(cfg: Config, newest: list[Path], total: int) -> list[Path]:
    """PDFs for the newest letters of a run (`newest`, oldest first, of `total` made), at
    most [berkas] pdf_maks_per_proses; the rest are left for later."""
    limit = max(cfg.berkas.pdf_maks_per_proses, 0)
    chosen = newest[max(len(newest) - limit, 0):] if limit else []
    made = convert_letters(cfg, chosen)
    left = total - len(chosen)
    if left > 0 and wanted(cfg, quiet=True):
        log.info("%d PDF lainnya dibuat nanti saat pemantau senggang, atau jalankan: "
                 "perda pdf", left)
    return made


def missing_pdfs(cfg: Config, state: State, before: int | None = None
                 ) -> Iterator[tuple[int, Path]]:
    """(id, letter) of every filed letter without its PDF, the newest first."""
    while True:
        page = state.made_letter_paths_before(before, PAGE)
        if not page:
            return
        for letter_id, relative in page:
            docx = cfg.outbox / relative
            if docx.exists() and not docx.with_suffix(".pdf").exists():
                yield letter_id, docx
        before = page[-1][0]


def pdfs_to_make(cfg: Config, state: State) -> int:
    """How many filed letters still lack their PDF (0 when PDFs are not made)."""
    if not wanted(cfg, quiet=True):
        return 0
    return sum(1 for _ in missing_pdfs(cfg, state))


def catch_up(cfg: Config, state: State, limit: int | None = None,
             progress: Progress | None = None) -> tuple[int, int]:
    """Make missing PDFs, the newest first, at most `limit` (None: all); returns
    (PDFs made, PDFs still missing among those tried)."""
    if not wanted(cfg):
        return 0, 0
    total = pdfs_to_make(cfg, state) if limit is None else None
    made = tried = 0
    found = missing_pdfs(cfg, state)
    if limit is not None:
        found = islice(found, limit)
    while batch := [docx for _, docx in islice(found, BATCH)]:
        made += len(convert_letters(cfg, batch))
        tried += len(batch)
        if progress:
            progress(tried, total if total is not None else tried)
    return made, tried - made


class Backlog:
    """Missing PDFs made one batch at a time while the watcher is idle.

    `step` walks the letters from the newest to the oldest and remembers where it is, so
    each call costs one batch; `restart` (after new letters) walks again from the top. A
    letter LibreOffice fails on is not tried again in this session.
    """

    def __init__(self, cfg: Config, state: State) -> None:
        self.cfg, self.state = cfg, state
        self.before: int | None = None
        self.failed: set[Path] = set()
        self.done = False

    def restart(self) -> None:
        """Walk from the newest letter again at the next step."""
        self.before, self.done = None, False

    def step(self) -> bool:
        """Make one batch of missing PDFs; True while more may be left."""
        if self.done:
            return False
        if not wanted(self.cfg, quiet=True):
            self.done = True  # looked at again after the next burst (`restart`)
            return False
        batch: list[Path] = []
        for letter_id, docx in missing_pdfs(self.cfg, self.state, self.before):
            self.before = letter_id
            if docx not in self.failed:
                batch.append(docx)
            if len(batch) >= BATCH:
                break
        if not batch:
            self.done = True
            return False
        made = set(convert_letters(self.cfg, batch))
        self.failed |= {d for d in batch if d.with_suffix(".pdf") not in made}
        log.info("%d PDF tertunda dibuat saat senggang.", len(made))
        return True
