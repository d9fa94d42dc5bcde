"""The form every letter shares: kop with the lambang, page set-up, long text, drafts."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.table import Table
from docx.text.paragraph import Paragraph

from pipeline import render
from pipeline.cli import main
from pipeline.config import Config, Halaman, load_config
from pipeline.drafts import LAMBANG_PLACEHOLDER_MARK, draft_reasons
from pipeline.form import page_form
from pipeline.schema import DOCUMENT_BY_KIND, DOCUMENTS, Doc
from tests.reading import boxes
from tests.test_render import (
    NOMOR,
    ORDINARY,
    SATPOL,
    SIGNER,
    make_config,
    render_doc,
)

REPO = Path(__file__).resolve().parent.parent
HAS_LO = bool(shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdffonts"))
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def png(width: int, height: int, note: bytes = b"") -> bytes:
    """A small white grey-scale PNG (with a tEXt chunk when `note` is given)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    text = chunk(b"tEXt", b"Comment\x00" + note) if note else b""
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">2I5B", width, height, 8, 0, 0,
                                                              0, 0))
            + text + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def with_emblem(cfg: Config, tmp_path: Path, data: bytes, name: str = "lambang.png") -> Config:
    """cfg with its [kantor] lambang pointing at a new file holding `data`."""
    path = tmp_path / name
    path.write_bytes(data)
    return dataclasses.replace(cfg, kantor=dataclasses.replace(cfg.kantor, lambang=path))


def emblem_of(data: bytes) -> tuple[str, bytes, tuple[int, int], str]:
    """The kop picture of a .docx: its part name, bytes, extent (cx, cy), content type."""
    document = docx.Document(io.BytesIO(data))
    [docpr] = [d for d in document.element.body.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")
        if d.get("name") == "lambang"]
    frame = docpr.getparent()
    extent = frame.find("{http://schemas.openxmlformats.org/drawingml/2006/"
                        "wordprocessingDrawing}extent")
    blip = next(frame.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip"))
    rid = blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
    part = document.part.related_parts[rid]
    return (str(part.partname), part.blob, (int(extent.get("cx")), int(extent.get("cy"))),
            part.content_type)


def header_footer_text(data: bytes) -> str:
    """All text of a letter's headers and footers."""
    section = docx.Document(io.BytesIO(data)).sections[0]
    parts = (section.first_page_header, section.header, section.first_page_footer,
             section.footer)
    return "\n".join(p.text for part in parts for p in part.paragraphs)


def context(kind: Doc, case: Any = None, cfg: Config | None = None, **kw: Any
            ) -> dict[str, Any]:
    doc = DOCUMENT_BY_KIND[kind]
    return render.build_context(case or ORDINARY, cfg or make_config(), doc, NOMOR,
                                SATPOL if doc.per_agency else "", **kw)


# ---------------------------------------------------------------- kop and lambang


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_every_template_has_the_placeholder_emblem_at_the_start_of_its_kop(doc: Any) -> None:
    data = (REPO / "templates" / doc.template).read_bytes()
    _, image, (cx, cy), ctype = emblem_of(data)
    assert LAMBANG_PLACEHOLDER_MARK in image and ctype == "image/png"
    assert image == (REPO / "templates" / "lambang.png").read_bytes()
    assert 1.5 < cx / 360000 < 2.5 and cy > cx  # about 2 cm wide, a shield standing up
    first = docx.Document(io.BytesIO(data)).paragraphs[0]
    assert first.text == "{{ kantor.pemerintah }}" and "lambang" in first._p.xml


def test_configured_emblem_replaces_the_placeholder_in_the_letter(tmp_path: Path) -> None:
    real = png(100, 200)  # twice as high as wide
    cfg = with_emblem(make_config(), tmp_path, real)
    ctx = context(Doc.koordinasi, cfg=cfg)
    letter = render.render_letter(cfg.templates / "04-surat-permohonan-koordinasi.docx", ctx,
                                  page_form(cfg))
    _, image, (cx, cy), _ = emblem_of(letter)
    assert image == real and abs(cy - 2 * cx) <= 2  # same width, the new proportions
    with zipfile.ZipFile(io.BytesIO(letter)) as package:
        assert [n for n in package.namelist() if n.startswith("word/media/")] == [
            "word/media/image1.png"]


def test_emblem_is_found_by_its_name_after_a_resave_renames_the_media(tmp_path: Path) -> None:
    """Word renumbers media files and relationship ids when it saves; the name stays."""
    source = REPO / "templates" / DOCUMENTS[1].template
    resaved = tmp_path / DOCUMENTS[1].template
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(resaved, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            name = item.filename.replace("media/image1.png", "media/image7.png")
            if item.filename in ("word/_rels/document.xml.rels", "word/document.xml"):
                rid = re.search(rb'Id="(rId\d+)"[^>]*media/image1', old.read(
                    "word/_rels/document.xml.rels"))[1]
                data = data.replace(b"media/image1.png", b"media/image7.png").replace(
                    b'"' + rid + b'"', b'"rId99"')
            new.writestr(name, data)
    real = png(200, 240)
    cfg = with_emblem(make_config(), tmp_path, real)
    letter = render.render_letter(resaved, context(Doc.nota_dinas, cfg=cfg), page_form(cfg))
    name, image, _, _ = emblem_of(letter)
    assert (name, image) == ("/word/media/image7.png", real)


def test_jpeg_emblem_gets_a_jpeg_part(tmp_path: Path) -> None:
    jpeg = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xc0\x00\x11\x08\x00\x78\x00\x64\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
            b"\xff\xd9")  # 100 x 120 px
    cfg = with_emblem(make_config(), tmp_path, jpeg, "lambang.jpg")
    letter = render.render_letter(cfg.templates / DOCUMENTS[0].template,
                                  context(Doc.tanda_terima, cfg=cfg), page_form(cfg))
    name, image, (cx, cy), ctype = emblem_of(letter)
    assert (name, image, ctype) == ("/word/media/lambang-daerah.jpeg", jpeg, "image/jpeg")
    assert abs(cy - round(cx * 1.2)) <= 2
    with zipfile.ZipFile(io.BytesIO(letter)) as package:
        types = package.read("[Content_Types].xml").decode()
    assert 'Extension="jpeg" ContentType="image/jpeg"' in types


def test_perda_check_warns_until_the_office_puts_its_own_emblem(placeholder_office: Path,
                                                               capsys: Any) -> None:
    office = placeholder_office
    assert main(["check", "--config", str(office / "config.toml")]) == 0
    out = capsys.readouterr().out
    [line] = [ln for ln in out.splitlines() if "[kantor] lambang" in ln]
    assert str(office / "templates" / "lambang.png") in line and "CONTOH" in line
    (office / "templates" / "lambang.png").write_bytes(png(120, 140))
    assert main(["check", "--config", str(office / "config.toml")]) == 0
    assert "[kantor] lambang" not in capsys.readouterr().out
    cfg = load_config(office / "config.toml")
    letter = render.render_letter(cfg.templates / DOCUMENTS[1].template,
                                  context(Doc.nota_dinas, cfg=cfg), page_form(cfg))
    assert emblem_of(letter)[1] == png(120, 140)


def test_emblem_that_is_not_a_picture_is_named_and_keeps_letters_drafts(office: Path,
                                                                         capsys: Any) -> None:
    (office / "templates" / "lambang.png").write_bytes(b"bukan gambar")
    assert main(["check", "--config", str(office / "config.toml")]) == 0
    [line] = [ln for ln in capsys.readouterr().out.splitlines() if "[kantor] lambang" in ln]
    assert "bukan gambar PNG, JPEG atau GIF" in line
    assert "[kantor] lambang" in draft_reasons(load_config(office / "config.toml"))


def test_perda_check_says_when_the_emblem_is_too_large(office: Path, capsys: Any) -> None:
    (office / "templates" / "lambang.png").write_bytes(png(1000, 1000) + b"\0" * 600_000)
    assert main(["check", "--config", str(office / "config.toml")]) == 0
    [line] = [ln for ln in capsys.readouterr().out.splitlines() if "[kantor] lambang" in ln]
    assert "besar (0,6 MB)" in line and "Perkecil" in line


def test_empty_optional_kop_lines_are_left_out() -> None:
    cfg = make_config()
    bare = dataclasses.replace(cfg, kantor=dataclasses.replace(cfg.kantor, kode_pos=""))
    text = [t.replace(NBSP, " ") for t in _texts(render_doc(Doc.nota_dinas, cfg=bare))
            if t][:5]
    assert text[2:] == ["Jalan Raya Kerjo No. 1 & 2", "Telepon (0271) 123456",
                        "Pos-el kec.kerjo@example.go.id"]
    full = dataclasses.replace(cfg, kantor=dataclasses.replace(
        cfg.kantor, faksimile="(0271) 123457", laman="kerjo.karanganyarkab.go.id"))
    text = [t.replace(NBSP, " ") for t in _texts(render_doc(Doc.nota_dinas, cfg=full))
            if t][:5]
    assert text[3:] == ["Telepon (0271) 123456, Faksimile (0271) 123457",
                        "Laman kerjo.karanganyarkab.go.id, Pos-el kec.kerjo@example.go.id"]


NBSP = "\u00a0"


def test_kop_never_breaks_a_label_from_its_value() -> None:
    """A clerk reads "Pos-el" and its address on one line: no line may end after a kop
    label ("Telepon", "Kode Pos", "Laman", "Pos-el") or inside "Pos-el"."""
    cfg = make_config()
    full = dataclasses.replace(cfg, kantor=dataclasses.replace(
        cfg.kantor, faksimile="(0271) 123457", laman="kerjo.karanganyarkab.go.id"))
    document = docx.Document(io.BytesIO(render_doc(Doc.nota_dinas, cfg=full)))
    kop = "\n".join(p.text for p in document.paragraphs[:5])
    for label in ("Kode Pos", "Telepon", "Faksimile", "Laman", "Pos-el"):
        assert f"{label.replace(' ', NBSP)}{NBSP}" in kop, label
    hyphens = [el for p in document.paragraphs[:5] for el in p._p.iter(W + "noBreakHyphen")]
    assert len(hyphens) == 1  # the hyphen of "Pos-el" does not end a line


def _texts(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_check_box_rows_repeat_for_each_item_of_a_list(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "tools"))
    import letterform  # the template building blocks

    doc = letterform.new_document("Uji kotak")
    letterform.checkboxes(doc, [("{{ h.nama }}", "{{ h.tanda }}")], loop="for h in harap")
    letterform.checkbox_row(doc, "Arsip", "X")
    doc.save(str(tmp_path / "kotak.docx"))
    harap = [{"nama": "Tanggapan dan saran", "tanda": "X"},
             {"nama": "Proses lebih lanjut", "tanda": ""}]
    data = render.render_letter(tmp_path / "kotak.docx",
                                {"harap": harap, "konsep": False, "rahasia": False})
    assert boxes(docx.Document(io.BytesIO(data))) == {
        "Tanggapan dan saran": "X", "Proses lebih lanjut": "", "Arsip": "X"}


# ---------------------------------------------------------------- drafts and RAHASIA


@pytest.mark.parametrize("doc", [d for d in DOCUMENTS if d.numbered], ids=lambda d: d.kind.value)
def test_draft_shows_konsep_on_every_page_and_no_number(doc: Any) -> None:
    template = make_config().templates / doc.template
    draft = render.render_letter(template, context(doc.kind, konsep=True))
    assert header_footer_text(draft).count("KONSEP") == 2  # first-page and later headers
    assert NOMOR not in docx.Document(io.BytesIO(draft)).element.xml
    final = render.render_letter(template, context(doc.kind))
    assert "KONSEP" not in header_footer_text(final)
    assert NOMOR in docx.Document(io.BytesIO(final)).element.xml


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_rahasia_at_top_and_bottom_of_each_page_of_a_secret_case(doc: Any) -> None:
    template = make_config().templates / doc.template
    secret = dataclasses.replace(ORDINARY, sifat="Rahasia")
    text = header_footer_text(render.render_letter(template, context(doc.kind, secret)))
    assert text.count("RAHASIA") == (4 if doc.step >= 3 else 0)  # sifat is set at step 3
    plain = header_footer_text(render.render_letter(template, context(doc.kind)))
    assert "RAHASIA" not in plain


# ---------------------------------------------------------------- long text


def test_ringkas_shortens_at_a_word_and_says_where_the_rest_is() -> None:
    assert render.ringkas("pendek", 600, "Nota Dinas") == "pendek"
    text = " ".join(f"kata{i}" for i in range(2000))
    short = render.ringkas(text, 600, "Nota Dinas Nomor 300.1/042/Kec.Krj/2024")
    head, _, tail = short.partition("…")
    assert len(head) <= 600 and text.startswith(head) and text[len(head)] == " "
    assert tail == " (selengkapnya dalam Nota Dinas Nomor 300.1/042/Kec.Krj/2024)"


def long_text(n: int, word: str) -> str:
    """About n characters of plain prose, in paragraphs."""
    parts, i = [], 0
    while sum(map(len, parts)) < n:
        i += 1
        sentence = (f"Kalimat ke-{i} tentang {word}: pedagang mendirikan lapak di bahu jalan "
                    "sehingga pejalan kaki terpaksa berjalan di badan jalan. ")
        parts.append(sentence + ("\n" if i % 6 == 0 else ""))
    return "".join(parts)[:n]


LONG = dataclasses.replace(ORDINARY, uraian=long_text(10_000, "uraian"),
                           hasil=long_text(10_000, "hasil"), sifat="Rahasia")
PAGE_NUMBER = re.compile(r"^-\s*(\d+)\s*-$")


def closing_words(data: bytes, signer: str) -> str:
    """The last words of the paragraph just above the signature block."""
    blocks = list(docx.Document(io.BytesIO(data)).iter_inner_content())
    at = max(i for i, b in enumerate(blocks)  # the last: a signer may also appear above
              if (isinstance(b, Paragraph) and b.text == signer)
              or (isinstance(b, Table)  # a signature cell: one line per paragraph
                  and any(signer in c.text.split("\n") for r in b.rows for c in r.cells)))
    for block in reversed(blocks[:at]):
        assert isinstance(block, Paragraph), "no closing paragraph above the signature"
        indent = block.paragraph_format.left_indent
        if len(block.text) > 40 and not (indent and indent.cm > 5):
            return " ".join(block.text.split()[-6:])
    raise AssertionError("no closing paragraph above the signature")


def pdf_pages(pdf: Path) -> list[list[str]]:
    """The non-empty lines of each page of a PDF."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [[ln.strip() for ln in page.splitlines() if ln.strip()]
            for page in text.rstrip("\f").split("\f")]


def pdf_fonts(pdf: Path) -> set[str]:
    """The font names a PDF uses, without subset prefixes."""
    out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                         text=True).stdout.splitlines()[2:]
    return {line.split()[0].split("+")[-1] for line in out if line.strip()}


def convert(tmp_path: Path, letters: dict[str, bytes]) -> dict[str, Path]:
    """Write and convert letters to PDF with LibreOffice; the PDFs by name."""
    for name, data in letters.items():
        (tmp_path / f"{name}.docx").write_bytes(data)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--headless", "--norestore", "--convert-to", "pdf", "--outdir",
                    str(tmp_path), *sorted(str(tmp_path / f"{n}.docx") for n in letters)],
                   check=True, capture_output=True, timeout=600)
    return {name: tmp_path / f"{name}.pdf" for name in letters}


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_LO, reason="LibreOffice, pdftotext dan pdffonts tidak terpasang")
def test_long_text_flows_over_pages_with_numbers_and_the_signature_kept(tmp_path: Path
                                                                        ) -> None:
    letters = {kind.value: render_doc(kind, LONG) for kind in Doc}
    pdfs = convert(tmp_path, letters)
    for kind in Doc:
        pages, name = pdf_pages(pdfs[kind.value]), kind.value
        secret = DOCUMENT_BY_KIND[kind].step >= 3
        assert pdf_fonts(pdfs[name]) <= {"LiberationSans", "LiberationSans-Bold", "ArialMT",
                                         "Arial-BoldMT"}, name
        for page in pages:  # the security grading at the top and bottom of each page
            assert (page[0] == "RAHASIA" and page[-1] == "RAHASIA") is secret, name
        if kind is Doc.disposisi:  # the one-page form shortens the Uraian
            flat = " ".join(" ".join(pages[0]).split())
            assert len(pages) == 1 and "… (selengkapnya dalam Nota Dinas" in flat
            continue
        if kind is Doc.catatan_pemberitahuan:  # one page: it shows no Uraian, a short Hasil
            assert len(pages) == 1, name
            continue
        assert len(pages) >= 2, f"{name}: a 10,000-character text on one page?"
        top = [ln for ln in pages[0][:3] if PAGE_NUMBER.match(ln)]
        assert not top, f"{name}: page 1 carries no page number"
        for number, page in enumerate(pages[1:], 2):
            head = [m[1] for ln in page[:2] if (m := PAGE_NUMBER.match(ln))]
            assert head == [str(number)], f"{name}: page {number} starts {page[:2]}"
        signer = SIGNER[kind]
        # the last page naming the signer: a Berita Acara also names its officer above
        where = max(i for i, p in enumerate(pages) if signer in " ".join(p))
        closing = closing_words(letters[name], signer)
        assert closing in " ".join(" ".join(pages[where]).split()), (
            f"{name}: the signature's page does not hold the closing paragraph")


PAGES = {"f4": (Halaman(kertas="F4", margin_kiri_cm=3.5, margin_kanan_cm=1.5,
                        margin_atas_cm=2.5, margin_bawah_cm=2.0, ukuran_huruf=11), 21.5, 33.0),
         "a4-wide-margins": (Halaman(margin_kiri_cm=4.0, margin_kanan_cm=3.0), 21.0, 29.7)}


@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_LO, reason="LibreOffice, pdftotext dan pdffonts tidak terpasang")
def test_paper_margins_and_font_size_from_config(tmp_path: Path) -> None:
    doc = DOCUMENT_BY_KIND[Doc.nota_dinas]
    letters = {}
    for name, (halaman, width_cm, height_cm) in PAGES.items():
        cfg = dataclasses.replace(make_config(), halaman=halaman)
        letters[name] = render.render_letter(cfg.templates / doc.template,
                                             context(Doc.nota_dinas, cfg=cfg), page_form(cfg))
        document = docx.Document(io.BytesIO(letters[name]))
        section = document.sections[0]
        assert [round(x.cm, 2) for x in (section.page_width, section.page_height,
                                         section.left_margin, section.right_margin,
                                         section.top_margin, section.bottom_margin)] == [
            width_cm, height_cm, halaman.margin_kiri_cm, halaman.margin_kanan_cm,
            halaman.margin_atas_cm, halaman.margin_bawah_cm], name
        sizes = document.styles.element.find(f"{W}docDefaults").iter(f"{W}sz")
        assert [s.get(f"{W}val") for s in sizes] == [str(halaman.ukuran_huruf * 2)], name
    pdfs = convert(tmp_path, letters)
    for name, (halaman, width_cm, height_cm) in PAGES.items():
        info = subprocess.run(["pdfinfo", str(pdfs[name])], check=True, capture_output=True,
                              text=True).stdout
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
        assert size, info
        width, height = float(size[1]), float(size[2])
        assert abs(width - pt(width_cm)) < 1 and abs(height - pt(height_cm)) < 1, name
        words = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdfs[name]),
                                "-"], check=True, capture_output=True, text=True).stdout
        boxes = [tuple(map(float, m)) for m in
                 re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', words)]
        left, right = min(b[0] for b in boxes), max(b[1] for b in boxes)
        assert abs(left - pt(halaman.margin_kiri_cm)) < 2, name  # text starts at the margin
        assert right <= width - pt(halaman.margin_kanan_cm) + 1, name  # tables fit too


def pt(cm: float) -> float:
    """Centimetres in PDF points."""
    return cm / 2.54 * 72


def test_templates_carry_only_the_styles_their_letters_use() -> None:
    """Every letter repeats its template's styles and LibreOffice reads them for each PDF:
    python-docx's 164 unused styles and Word 2010's stylesWithEffects copy cost about a
    third of the conversion time. What Word shows stays: every style a paragraph, run or
    table names is still there."""
    for doc in DOCUMENTS:
        with zipfile.ZipFile(REPO / "templates" / doc.template) as z:
            names = z.namelist()
            styles = z.read("word/styles.xml").decode()
            used = set(re.findall(r'w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"',
                                  "".join(z.read(n).decode() for n in names
                                          if re.match(r"word/(document|header\d|footer\d)"
                                                      r"\.xml$", n))))
        defined = set(re.findall(r'w:styleId="([^"]+)"', styles))
        assert "word/stylesWithEffects.xml" not in names, doc.template
        assert "w:latentStyles" not in styles and len(defined) <= 12, doc.template
        assert used <= defined, (doc.template, used - defined)
        assert (REPO / "templates" / doc.template).stat().st_size < 25_000
