"""Regenerate docs/letters/*.png: page 1 of each letter of an example case, via LibreOffice.

Usage: python tools/make_pictures.py   (needs LibreOffice and poppler-utils' pdftoppm)

The office is the shipped config.toml with its "[…]" placeholders filled by example values
(tests/office_values.py), so the letters are numbered, not drafts; the kop shows the
shipped placeholder drawing of the emblem, less the mark that keeps letters drafts.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import load_config  # noqa: E402
from pipeline.drafts import LAMBANG_PLACEHOLDER_MARK  # noqa: E402
from pipeline.process import finish_batch, open_state, process_file  # noqa: E402
from tests.conftest import full_row, shipped_office, write_intake  # noqa: E402
from tests.office_values import fill_office  # noqa: E402


# The optional columns, filled (issue 11): the pictures show every part of each letter.
OPTIONAL = {"instruksi": "Koordinasikan/konfirmasikan; Laporkan hasilnya",
            "jadwal_tindakan": datetime(2024, 9, 26, 13, 0), "tempat_tindakan": "Pasar Kuto",
            "terlapor": "Suparno", "saksi": "Joko Susilo; Wahyu Hidayat"}


# Example kop values for the pictures (the tests' generic fill reads "Telepon Telepon …").
EXAMPLE_KOP = {"Alamat Kantor Kecamatan Kerjo Contoh": "Jalan Raya Kerjo Nomor 1 (contoh)",
               "Kode Pos Contoh": "57753", "Telepon Kantor Contoh": "(0271) 000000",
               "E-Mail Kantor Contoh": "kecamatan.kerjo@contoh.go.id"}


def _unmarked(png: bytes) -> bytes:
    """The PNG without its chunks holding the placeholder mark (the drawing stays)."""
    out, at = [png[:8]], 8
    while at < len(png):
        (size,) = struct.unpack(">I", png[at:at + 4])
        chunk = png[at:at + 12 + size]
        if LAMBANG_PLACEHOLDER_MARK not in chunk:
            out.append(chunk)
        at += 12 + size
    return b"".join(out)


def main() -> None:
    """Render the example case's letters and save page 1 of each as a small PNG."""
    out = ROOT / "docs" / "letters"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        office = shipped_office(Path(tmp))
        emblem = fill_office(office).lambang
        emblem.write_bytes(_unmarked((ROOT / "templates" / "lambang.png").read_bytes()))
        config = office / "config.toml"
        text = config.read_text(encoding="utf-8").replace('pdf = "tidak"', 'pdf = "ya"')
        for example, value in EXAMPLE_KOP.items():  # a kop that reads like a real one
            text = text.replace(f'"{example}"', f'"{value}"')
        config.write_text(text, encoding="utf-8")
        cfg = load_config(config)
        path = write_intake(office / "inbox" / "contoh.xlsx", [
            full_row(1, cara_lapor="Datang Langsung", **OPTIONAL),
            full_row(2, cara_pemberitahuan="SMS", **OPTIONAL)])  # the step-7 note
        state = open_state(cfg)
        finish_batch(cfg, state, [process_file(path, cfg, state)])  # letters, then PDFs
        state.close()
        done: set[str] = set()
        for pdf in sorted(cfg.outbox.rglob("*.pdf")):
            name = "07-catatan-pemberitahuan" if "Catatan" in pdf.name else pdf.parent.name
            target = out / name
            if "Catatan" not in pdf.name and not pdf.name.startswith("LP-001"):
                continue  # the second case only gives the step-7 note
            if name in done:
                continue  # one picture per step is enough (step 4: the first agency)
            done.add(name)
            subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1",
                            "-singlefile", str(pdf), str(target)], check=True)
    print("\n".join(sorted(p.name for p in out.glob("*.png"))))


if __name__ == "__main__":
    main()
