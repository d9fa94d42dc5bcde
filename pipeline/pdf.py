"""PDF copies of letters for printing, through LibreOffice, in one batch per run.

LibreOffice spends about a second starting, then a fraction per letter, so all letters of
a run are converted in one call. Without LibreOffice the letters are still made; the
README says how to install it. A conversion failure is logged and never stops the run.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from functools import partial
from pathlib import Path

from pipeline.config import Config
from pipeline.filing import write_atomic_with

log = logging.getLogger("pipeline.pdf")
TIMEOUT_BASE, TIMEOUT_PER_LETTER = 120, 10  # seconds


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


def wanted(cfg: Config) -> bool:
    """Whether PDFs should be made under the [berkas] pdf setting."""
    if cfg.berkas.pdf == "tidak":
        return False
    if find_soffice() is None:
        if cfg.berkas.pdf == "ya":
            log.warning("PDF tidak dibuat: LibreOffice tidak ditemukan. Pasang LibreOffice "
                        "(lihat README), atau ubah [berkas] pdf menjadi \"tidak\".")
        return False
    return True


def convert(docx_files: list[Path], profile: Path) -> list[Path]:
    """Convert .docx files to PDFs beside them in one LibreOffice call; return the PDFs."""
    soffice = find_soffice()
    if not docx_files or soffice is None:
        return []
    made: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="perda-pdf-") as tmp:
        command = [soffice, "--headless", "--norestore",
                   f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "pdf",
                   "--outdir", tmp, *map(str, docx_files)]
        try:
            subprocess.run(command, capture_output=True, check=False, stdin=subprocess.DEVNULL,
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
            else:
                log.warning("PDF untuk %s tidak terbentuk.", docx.name)
    return made


def _batches(docx_files: list[Path]) -> list[list[Path]]:
    """Split files so no batch holds two with the same name (they share one out folder)."""
    batches: list[tuple[set[str], list[Path]]] = []
    for docx in docx_files:
        for stems, batch in batches:
            if docx.stem not in stems:
                stems.add(docx.stem)
                batch.append(docx)
                break
        else:
            batches.append(({docx.stem}, [docx]))
    return [batch for _, batch in batches]


def convert_letters(cfg: Config, docx_files: list[Path]) -> list[Path]:
    """PDFs for the letters of a run, when the configuration asks for them."""
    if not docx_files or not wanted(cfg):
        return []
    profile = cfg.state_dir / "libreoffice-profile"
    return [pdf for batch in _batches(docx_files) for pdf in convert(batch, profile)]
