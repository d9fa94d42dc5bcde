"""The compiled-template engine writes what docxtpl writes, and notices edited templates."""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from docxtpl import DocxTemplate
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pipeline import engine, render
from pipeline.config import Halaman
from pipeline.form import page_form
from pipeline.schema import DOCUMENTS, Document
from tests.test_letterform import png
from tests.test_render import (
    NOMOR,
    SATPOL,
    add_paragraph,
    copy_templates,
    docx_with,
    make_case,
    make_config,
)

# Text a person can type that is easy to mangle, one context per entry.
TRICKY = {
    "plain": {},
    "xml-specials": {"uraian": 'A & B <c> "kutip" \'tunggal\' ’s'},
    "emoji-javanese": {"uraian": "😀 👍 ꦏꦼꦂꦗ", "lokasi": "ꦏꦼꦂꦗ 🙏"},
    "newlines-tabs": {"uraian": "baris 1\nbaris 2\r\nbaris 3\tkolom", "hasil": "\n\nkosong\n"},
    "template-lookalikes": {"uraian": "{{ 7*7 }} {% if %} {# x #} {_{ y }_} {_% z %_}",
                            "tindakan": "{{ tindakan }}"},
    "formula": {"uraian": '=HYPERLINK("x")', "hasil": "=1+1"},
}


def contexts(doc: Document) -> list[tuple[str, dict[str, Any]]]:
    """The tricky contexts of one document."""
    cfg = make_config()
    found = []
    for name, changes in TRICKY.items():
        case = dataclasses.replace(make_case(), **changes)
        found.append((name, render.build_context(case, cfg, doc, NOMOR,
                                                 SATPOL if doc.per_agency else "")))
    return found


def reference(template: Path, context: dict[str, Any]) -> bytes:
    """docxtpl's own render() and save() of a template."""
    return engine._docxtpl_render(template.read_bytes(), context, render.JINJA_ENV)


def members(data: bytes) -> dict[str, bytes]:
    """Every zip member of a .docx, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_document_xml_is_docxtpls_byte_for_byte(doc: Document) -> None:
    template = make_config().templates / doc.template
    for name, context in contexts(doc):
        ours, theirs = members(render.render_letter(template, context)), members(
            reference(template, context))
        assert ours["word/document.xml"] == theirs["word/document.xml"], name
        assert ours == theirs, name  # every other part too


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_shipped_page_form_and_emblem_leave_docxtpls_bytes_unchanged(doc: Document) -> None:
    """[halaman] defaults and the shipped emblem are what the templates hold already."""
    cfg = make_config()
    template = cfg.templates / doc.template
    name, context = contexts(doc)[1]
    ours = render.render_letter(template, context, page_form(cfg))
    assert members(ours) == members(reference(template, context)), name


def test_other_page_form_changes_only_page_styles_and_emblem(tmp_path: Path) -> None:
    cfg = make_config()
    emblem = tmp_path / "lambang.png"
    emblem.write_bytes(png(200, 240))  # the placeholder's proportions
    cfg = dataclasses.replace(cfg, halaman=Halaman(kertas="F4", ukuran_huruf=11),
                              kantor=dataclasses.replace(cfg.kantor, lambang=emblem))
    template = cfg.templates / DOCUMENTS[1].template
    context = contexts(DOCUMENTS[1])[0][1]
    ours, theirs = (members(render.render_letter(template, context, page_form(cfg))),
                    members(reference(template, context)))
    changed = {n for n in ours if ours[n] != theirs.get(n)}
    assert changed == {"word/document.xml", "word/styles.xml", "word/media/image1.png"}
    assert ours["word/media/image1.png"] == emblem.read_bytes()
    assert render.compiled_template(template, page_form(cfg)) is not (
        render.compiled_template(template))  # one compiled template per page form


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_letter_opens_in_python_docx(doc: Document) -> None:
    template = make_config().templates / doc.template
    for _, context in contexts(doc):
        document = docx.Document(io.BytesIO(render.render_letter(template, context)))
        assert document.paragraphs


def test_tagged_header_and_footer_render_like_docxtpl(tmp_path: Path) -> None:
    template = docx_with(tmp_path / "kop.docx", "Isi {{ uraian }}")
    document = docx.Document(str(template))
    document.sections[0].header.paragraphs[0].text = "Kop {{ kantor.nama }} & {{ uraian }}"
    document.sections[0].footer.paragraphs[0].text = "Kaki tetap"
    document.save(str(template))
    context = {"uraian": "A & B\nC {{ 1 }}", "kantor": {"nama": "KECAMATAN <KERJO>"}}
    assert members(render.render_letter(template, context)) == members(
        reference(template, context))


@pytest.mark.parametrize("daftar", [[], ["Satpol PP"], ["A", "B", "C", "D", "E"]],
                         ids=["no-column", "fewer-columns", "more-columns"])
def test_table_whose_columns_a_loop_makes_is_mended_as_docxtpl_mends_it(
        tmp_path: Path, daftar: list[str]) -> None:
    """A clerk's table with a column per agency ({%tc for %}): the grid is widened or
    narrowed exactly as docxtpl does, so Word shows every column at its width."""
    template = tmp_path / "kolom.docx"
    document = docx.Document()
    for rows in (1, 2):  # the second table has a row merged across the four columns
        table = document.add_table(rows=rows, cols=4)
        for cell, text in zip(table.rows[0].cells, ["Instansi", "{%tc for x in daftar %}",
                                                    "{{ x }}", "{%tc endfor %}"], strict=True):
            cell.text = text
        if rows == 2:
            table.rows[1].cells[0].merge(table.rows[1].cells[3]).text = "Catatan {{ uraian }}"
    document.save(str(template))
    context = {"daftar": daftar, "uraian": "rapat"}
    ours = render.render_letter(template, context)
    assert members(ours)["word/document.xml"] == members(
        reference(template, context))["word/document.xml"]
    grids = [len(t._tbl.tblGrid.gridCol_lst) for t in docx.Document(io.BytesIO(ours)).tables]
    assert grids == [len(daftar) + 1, max(len(daftar) + 1, 4)]


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@st.composite
def table_xml(draw: st.DrawFn, depth: int = 0) -> str:
    """A table as a template's loops may leave it: a grid of some columns (widths or not),
    rows of any number of cells, some spanning columns, some holding a table."""
    widths = draw(st.lists(st.integers(-1, 9000), max_size=5))  # -1: no width given
    grid = "".join('<w:gridCol/>' if w < 0 else f'<w:gridCol w:w="{w}"/>' for w in widths)
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        cells = []
        for _ in range(draw(st.integers(0, 6))):
            span = draw(st.sampled_from(["", "", "", "1", "2", "3"]))
            span = "x" if draw(st.integers(0, 30)) == 0 else span  # a span Word never writes
            props = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span else ""
            inner = draw(table_xml(depth + 1)) if depth < 1 and draw(st.booleans()) else ""
            cells.append(f"<w:tc>{props}<w:p/>{inner}</w:tc>")
        rows.append(f"<w:tr>{''.join(cells)}</w:tr>")
    return f"<w:tbl><w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def _outcome(fix: Any, xml: str) -> str:
    """What a fix_tables makes of a body: its XML, or the kind of error it raises."""
    try:
        return etree.tostring(fix(xml)).decode()
    except Exception as exc:  # noqa: BLE001 - the same failure is what is compared
        return type(exc).__name__


@settings(max_examples=300, deadline=None)
@given(tables=st.lists(table_xml(), max_size=3))
def test_table_grids_are_mended_exactly_as_docxtpl_mends_them(tables: list[str]) -> None:
    """Whatever shape a clerk's loops leave a table in, the letter's grid is docxtpl's."""
    body = f'<w:body xmlns:w="{W_NS}">{"".join(tables)}<w:p/></w:body>'
    assert _outcome(engine._fixed_tables, body) == _outcome(
        lambda xml: DocxTemplate.fix_tables(None, xml), body)


def test_template_with_tags_in_properties_falls_back_to_docxtpl(tmp_path: Path) -> None:
    template = docx_with(tmp_path / "judul.docx", "Isi {{ uraian }}")
    document = docx.Document(str(template))
    document.core_properties.title = "Surat {{ uraian }}"
    document.save(str(template))
    context = {"uraian": "X & Y"}
    ours = docx.Document(io.BytesIO(render.render_letter(template, context)))
    assert ours.core_properties.title == "Surat X &amp; Y"  # as docxtpl renders it
    assert members(reference(template, context))["word/document.xml"] == members(
        render.render_letter(template, context))["word/document.xml"]


def test_edited_template_is_read_again(tmp_path: Path) -> None:
    cfg = make_config(copy_templates(tmp_path))
    doc = DOCUMENTS[0]
    template = cfg.templates / doc.template
    context = contexts(doc)[0][1]
    before = render.render_letter(template, context)
    assert render.render_letter(template, context) is not None
    compiled = render.compiled_template(template)
    assert render.compiled_template(template) is compiled  # cached
    add_paragraph(template, "Catatan baru: {{ no_laporan }}")
    stat = template.stat()
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = render.render_letter(template, context)
    assert render.compiled_template(template) is not compiled
    assert b"Catatan baru" not in members(before)["word/document.xml"]
    assert "Catatan baru: LP-017/IX/2024" in [p.text for p in
                                              docx.Document(io.BytesIO(after)).paragraphs]


def test_touched_but_unchanged_template_is_not_compiled_again(tmp_path: Path) -> None:
    template = Path(shutil.copy(make_config().templates / DOCUMENTS[0].template, tmp_path))
    compiled = render.compiled_template(template)
    stat = template.stat()
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert render.compiled_template(template) is compiled


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_letters_convert_to_pdf_in_libreoffice(tmp_path: Path) -> None:
    files = []
    for doc in DOCUMENTS:
        name, context = contexts(doc)[-2]  # template look-alikes: the hardest to keep as typed
        path = tmp_path / f"{doc.kind.value}.docx"
        path.write_bytes(render.render_letter(make_config().templates / doc.template, context))
        files.append(path)
    subprocess.run(["soffice", "--headless", "--norestore",
                    f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, files)],
                   check=True, capture_output=True, timeout=300)
    for path in files:
        pdf = path.with_suffix(".pdf")
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "tanda_terima.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert "{{ 7*7 }}" in text
