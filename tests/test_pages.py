"""Letters on paper, as a Sekretaris Camat checks them before the Camat signs: what stands
on which page, and which lines break where (LibreOffice PDF, read with pdftotext).

All letters are converted in one LibreOffice call (module fixture).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess

import pytest

from pipeline.schema import Doc
from tests.test_documents import (
    CAMAT,
    FULL,
    KASI,
    MINIMAL,
    POLSEK,
    SATPOL,
    make_config,
    render_doc,
)

pytestmark = [pytest.mark.libreoffice, pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext")),
    reason="LibreOffice dan pdftotext tidak terpasang")]

EMAIL = "kec.kerjo@karanganyarkab.go.id"
ONE_AGENCY = dataclasses.replace(MINIMAL, instansi=(SATPOL,))
LONG = dataclasses.replace(FULL, uraian="Sampah dibakar di lahan terbuka setiap sore. " * 150,
                           isi_disposisi="Tindak lanjuti bersama Polsek dan Pemdes, "
                                         "laporkan hasilnya paling lambat minggu ini.")
LETTERS = {  # name: (document, case, agency)
    **{f"biasa-{kind.value}": (kind, ONE_AGENCY, "") for kind in (
        Doc.tanda_terima, Doc.nota_dinas, Doc.disposisi, Doc.koordinasi, Doc.laporan_hasil,
        Doc.pemberitahuan)},
    "biasa-catatan": (Doc.catatan_pemberitahuan,
                      dataclasses.replace(ONE_AGENCY, cara_pemberitahuan="SMS"), ""),
    "tiga-instansi-koordinasi": (Doc.koordinasi, FULL, POLSEK),
    "lengkap-berita-acara": (Doc.bukti_penyelesaian, FULL, ""),
    "biasa-berita-acara": (Doc.bukti_penyelesaian, ONE_AGENCY, ""),  # no terlapor, no saksi
    "empat-saksi-berita-acara": (Doc.bukti_penyelesaian, dataclasses.replace(
        FULL, saksi=("Sutrisno", "Wahyu Hidayat", "Ny. Siti Aminah", "Mbah Karto Diharjo")),
                                 ""),
    "panjang-disposisi": (Doc.disposisi, LONG, ""),
    "panjang-tanda-terima": (Doc.tanda_terima, LONG, ""),
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each letter's pages, as pdftotext -layout prints them (one string per page)."""
    folder = tmp_path_factory.mktemp("halaman")
    cfg = make_config()
    cfg = dataclasses.replace(cfg, kantor=dataclasses.replace(  # a kop of five full lines
        cfg.kantor, laman="kerjo.karanganyarkab.go.id", email=EMAIL))
    for name, (kind, case, instansi) in LETTERS.items():
        (folder / f"{name}.docx").write_bytes(render_doc(kind, case, instansi, cfg=cfg))
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'lo').as_uri()}",
                    "--headless", "--norestore", "--convert-to", "pdf", "--outdir",
                    str(folder), *sorted(str(p) for p in folder.glob("*.docx"))],
                   check=True, capture_output=True, timeout=600)
    found = {}
    for name in LETTERS:
        out = subprocess.run(["pdftotext", "-layout", str(folder / f"{name}.pdf"), "-"],
                             check=True, capture_output=True, text=True).stdout
        found[name] = out.split("\f")[:-1]
    return found


def _lines(page: str) -> list[str]:
    return [" ".join(line.split()) for line in page.splitlines() if line.strip()]


@pytest.mark.parametrize("name", [n for n in LETTERS if n.startswith("biasa-")])
def test_an_ordinary_letter_is_one_page(pages: dict[str, list[str]], name: str) -> None:
    assert len(pages[name]) == 1, f"{name}: {len(pages[name])} halaman"


@pytest.mark.parametrize("name", [n for n in LETTERS if not n.startswith("panjang-dispo")])
def test_tembusan_stands_on_the_page_of_the_signature(pages: dict[str, list[str]],
                                                      name: str) -> None:
    for page in pages[name]:
        if "Tembusan:" in page:
            assert any(signer in page for signer in (CAMAT, KASI, "Agus Prasetyo")), name


def test_berita_acara_signatures_stand_with_its_closing_paragraph(
        pages: dict[str, list[str]]) -> None:
    for name in ("lengkap-berita-acara", "empat-saksi-berita-acara"):
        [last] = [p for p in pages[name] if "Mengetahui," in p]
        assert "Demikian Berita Acara ini dibuat" in last and "Terlapor," in last, name
        assert "Saksi-saksi:" in last and "Ketertiban Umum," in last
    last = _lines(pages["empat-saksi-berita-acara"][-1])
    witnesses = [line for line in last if re.match(r"[1-4]\. ", line)]
    assert len(witnesses) == 4 and all(re.search(r"\(\.{10,}\)", w) for w in witnesses)


def test_disposition_of_a_very_long_report_is_still_one_page(
        pages: dict[str, list[str]]) -> None:
    [page] = pages["panjang-disposisi"]
    assert "Catatan:" in page and "Paraf:" in page and LONG.isi_disposisi[:40] in page


def test_kop_prints_each_label_on_the_line_of_its_value(pages: dict[str, list[str]]) -> None:
    for name, letter in pages.items():
        kop = _lines(letter[0])[:7]
        assert any(f"Pos-el {EMAIL}" in line for line in kop), (name, kop)
        assert not [line for line in kop if line.endswith(("Pos-", "Pos-el", "Telepon"))]


def test_labels_are_printed_on_one_line(pages: dict[str, list[str]]) -> None:
    """A label wrapped under itself ("Perda yang Diduga / Dilanggar") looks machine-made."""
    for name, label in (("biasa-tanda_terima", "Dugaan Pelanggaran"),
                        ("biasa-nota_dinas", "Dugaan Pelanggaran"),
                        ("biasa-koordinasi", "Tindakan yang Diperlukan"),
                        ("lengkap-berita-acara", "Hasil Penyelesaian")):
        text = _lines(pages[name][0] + "".join(pages[name][1:]))
        assert any(line.startswith(f"{label} : ") for line in text), (name, label)
