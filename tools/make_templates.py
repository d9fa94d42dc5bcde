"""Write the seven letter templates (templates/*.docx) with python-docx.

Run from the repository root:  python tools/make_templates.py [OUTPUT_DIR]

The templates are ordinary Word documents that clerks may edit afterwards; this script
only makes the shipped versions reproducible. Every {{ tag }} is written into a single
run, so Word sees it as one piece of text. Layout: A4, margins 2.5 cm, Arial; letterhead
(kop surat) from the [kantor] settings; one page with ordinary content.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.schema import DOCUMENT_BY_KIND, Doc  # noqa: E402

FONT = "Arial"
SIZE = 11  # body text, pt
MARGIN = Cm(2.5)
TEXT_WIDTH = Cm(16.0)  # A4 21 cm minus two margins
LABEL, COLON = Cm(3.8), Cm(0.4)  # label : value tables
SIGN_INDENT = Cm(8.5)  # left edge of the signature block
LEFT, CENTER, RIGHT, JUSTIFY = (WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER,
                                WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY)
Rows = Sequence[tuple[str, str]]


# ---------------------------------------------------------------- building blocks


def new_document(title: str) -> DocxDocument:
    """An empty A4 document with our page, font and paragraph defaults."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, MARGIN)
    section.header_distance = section.footer_distance = Cm(1.25)
    _set_defaults(doc)
    _set_properties(doc, title)
    return doc


def _set_defaults(doc: DocxDocument) -> None:
    """Arial SIZE pt, Indonesian proofing language, single spacing, no space after."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), str(SIZE * 2))
    rpr.find(qn("w:lang")).set(qn("w:val"), "id-ID")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")


def _set_properties(doc: DocxDocument, title: str) -> None:
    """Document properties without python-docx's defaults, and no thumbnail."""
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "Kecamatan Kerjo", ""
    props.comments = props.keywords = props.category = props.subject = ""
    props.created = props.modified = datetime(2024, 9, 25)
    props.revision = 1
    rels = doc.part.package.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        rels.pop(rid)


def para(container: DocxDocument | object, text: str = "", *, align: object = LEFT,
         bold: bool = False, underline: bool = False, size: float | None = None,
         first_indent: Cm | None = None, left_indent: Cm | None = None,
         before: float = 0, after: float = 0, keep: bool = False) -> Paragraph:
    """A paragraph of one run (so a {{ tag }} inside it is never split)."""
    p = container.add_paragraph()  # type: ignore[attr-defined]
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.first_line_indent, fmt.left_indent = first_indent, left_indent
    fmt.keep_with_next = keep or None
    if text:
        run = p.add_run(text)
        run.bold, run.underline = bold or None, underline or None
        if size:
            run.font.size = Pt(size)
    return p


def body(doc: DocxDocument, text: str, after: float = 6) -> Paragraph:
    """A justified body paragraph with a first-line indent."""
    return para(doc, text, align=JUSTIFY, first_indent=Cm(1.25), after=after)


def bottom_rule(p: Paragraph, style: str = "thinThickSmallGap", size: int = 18) -> None:
    """A horizontal line under a paragraph (paragraph bottom border), as in a kop surat."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", style), ("w:sz", str(size)), ("w:space", "1"),
                       ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr = p._p.get_or_add_pPr()
    ppr.insert_element_before(borders, "w:shd", "w:tabs", "w:suppressAutoHyphens",
                              "w:spacing", "w:ind", "w:contextualSpacing", "w:jc", "w:rPr")


def kop(doc: DocxDocument) -> None:
    """The letterhead, all from [kantor] in config.toml, with the double rule under it."""
    para(doc, "{{ kantor.pemerintah }}", align=CENTER, bold=True, size=14)
    para(doc, "{{ kantor.nama }}", align=CENTER, bold=True, size=16)
    para(doc, "{{ kantor.alamat }}, Kode Pos {{ kantor.kode_pos }}", align=CENTER, size=10)
    last = para(doc, "Telepon {{ kantor.telepon }}, Pos-el {{ kantor.email }}",
                align=CENTER, size=10, after=2)
    bottom_rule(last)
    para(doc, after=6)


def title(doc: DocxDocument, text: str, numbered: bool = True) -> None:
    """A centred, bold, underlined title with the letter number under it."""
    para(doc, text, align=CENTER, bold=True, underline=True, size=12)
    if numbered:
        para(doc, "Nomor: {{ nomor_surat }}", align=CENTER)
    para(doc, after=6)


def _fixed_widths(table: Table, widths: Sequence[Cm]) -> None:
    """Fixed column widths that Word and LibreOffice both honour."""
    table.autofit = False  # w:tblLayout type="fixed"
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
        for cell in col.cells:
            cell.width = width


def _cell_text(cell: object, text: str, bold: bool = False) -> None:
    """Put one run of text into a table cell's first paragraph."""
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    run = p.add_run(text)
    run.bold = bold or None


def fields(doc: DocxDocument, rows: Rows, label: Cm = LABEL, indent: Cm = Cm(0)) -> Table:
    """A borderless 'Label : value' table; values may run over several lines."""
    value = TEXT_WIDTH - indent - label - COLON
    table = doc.add_table(rows=len(rows), cols=3)
    if indent:
        ind = OxmlElement("w:tblInd")
        ind.set(qn("w:w"), str(int(indent.twips)))
        ind.set(qn("w:type"), "dxa")
        table._tbl.tblPr.insert_element_before(
            ind, "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    _fixed_widths(table, (label, COLON, value))
    for row, (name, text) in zip(table.rows, rows, strict=True):
        _cell_text(row.cells[0], name)
        _cell_text(row.cells[1], ":")
        _cell_text(row.cells[2], text)
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.space_after = Pt(1)
    para(doc)  # keeps the next table apart and gives one line of space
    return table


def signature(doc: DocxDocument, who: str, dated: bool = True, before: float = 12) -> None:
    """The signature block at the right: date, position, space, name, rank, NIP."""
    ind = {"align": CENTER, "left_indent": SIGN_INDENT, "keep": True}
    if dated:
        para(doc, "{{ tempat_tanggal }}", before=before, **ind)
        before = 0
    para(doc, "{{ %s.jabatan }}," % who, before=before, **ind)
    para(doc, "{{ %s.nama }}" % who, bold=True, underline=True, before=42, **ind)
    para(doc, "{{ %s.pangkat }}" % who, **ind)
    para(doc, "NIP. {{ %s.nip }}" % who, **ind)


def tembusan(doc: DocxDocument, lines: Sequence[str]) -> None:
    """The 'Tembusan' (copies) list at the bottom left."""
    para(doc, "Tembusan:", before=12, size=10, keep=True)
    for i, line in enumerate(lines, 1):
        para(doc, f"{i}. {line}", size=10, keep=i < len(lines))


def nomor_block(doc: DocxDocument, sifat: str) -> None:
    """Date at the right, then Nomor / Sifat / Lampiran / Hal at the left."""
    para(doc, "{{ tempat_tanggal }}", align=RIGHT, after=6)
    fields(doc, [("Nomor", "{{ nomor_surat }}"), ("Sifat", sifat), ("Lampiran", "-"),
                 ("Hal", "{{ hal }}")], label=Cm(2.2))


def nota_header(doc: DocxDocument, heading: str, sifat: str, lampiran: str) -> None:
    """The nota dinas header block: Yth. / Dari / Tembusan / Tanggal / Nomor / ... / Hal."""
    para(doc, heading, align=CENTER, bold=True, size=12, after=6)
    fields(doc, [("Yth.", "{{ camat.jabatan }}"), ("Dari", "{{ kasi.jabatan }}"),
                 ("Tembusan", "-"), ("Tanggal", "{{ tanggal_surat }}"),
                 ("Nomor", "{{ nomor_surat }}"), ("Sifat", sifat), ("Lampiran", lampiran),
                 ("Hal", "{{ hal }}")], label=Cm(2.6))
    bottom_rule(doc.paragraphs[-1], style="single", size=8)
    para(doc, after=6)


PLACE_ROWS: Rows = (("Lokasi Kejadian", "{{ lokasi }}, Desa {{ desa }}"),
                   ("Uraian", "{{ uraian }}"))
CASE_ROWS: Rows = (PLACE_ROWS[0], ("Perda yang Diduga Dilanggar", "{{ perda }}"), PLACE_ROWS[1])


# ---------------------------------------------------------------- the seven documents


def tanda_terima(doc: DocxDocument) -> None:
    """1. Receipt handed (or read back) to the reporter."""
    kop(doc)
    title(doc, "TANDA TERIMA LAPORAN")
    body(doc, "Telah diterima laporan dugaan pelanggaran Peraturan Daerah (Perda) dengan "
              "keterangan sebagai berikut:")
    fields(doc, [("No. Laporan", "{{ no_laporan }}"), ("Nama Pelapor", "{{ pelapor.nama }}"),
                 ("NIK", "{{ pelapor.nik }}"), ("Alamat", "{{ pelapor.alamat }}"),
                 ("No. Telepon", "{{ pelapor.telepon }}"),
                 ("Diterima pada", "{{ waktu_lapor }}"), ("Cara Lapor", "{{ cara_lapor }}"),
                 *CASE_ROWS, ("Petugas Penerima", "{{ petugas }}")])
    body(doc, "Laporan ini akan ditindaklanjuti sesuai dengan Standar Operasional Prosedur "
              "Pengamanan Pelaksanaan Perda. Simpan tanda terima ini dan sebutkan "
              "No. Laporan di atas bila menanyakan perkembangannya.")
    names = doc.add_table(rows=4, cols=2)  # reporter left, receiving officer right
    _fixed_widths(names, (SIGN_INDENT, TEXT_WIDTH - SIGN_INDENT))
    cells = (("", "{{ tempat_tanggal }}"), ("Pelapor,", "Petugas Penerima,"), ("", ""),
             ("{{ pelapor.nama }}", "{{ petugas }}"))
    for i, (row, texts) in enumerate(zip(names.rows, cells, strict=True)):
        for cell, text in zip(row.cells, texts, strict=True):
            _cell_text(cell, text, bold=i == 3)
            cell.paragraphs[0].alignment = CENTER
    names.rows[2].height = Cm(1.6)


def nota_dinas(doc: DocxDocument) -> None:
    """2. Forwarding memo from the Kasi Trantib to the Camat."""
    kop(doc)
    nota_header(doc, "NOTA DINAS", "Biasa", "1 (satu) berkas laporan")
    body(doc, "Dengan hormat, bersama ini kami teruskan laporan dugaan pelanggaran Peraturan "
              "Daerah yang diterima pada {{ waktu_lapor }} dengan keterangan sebagai berikut:")
    fields(doc, [("No. Laporan", "{{ no_laporan }}"), ("Nama Pelapor", "{{ pelapor.nama }}"),
                 ("Cara Lapor", "{{ cara_lapor }}"), *CASE_ROWS,
                 ("Petugas Penerima", "{{ petugas }}")])
    body(doc, "Berkas laporan terlampir. Mohon petunjuk dan disposisi Bapak/Ibu Camat untuk "
              "tindak lanjutnya. Demikian, atas perhatiannya kami ucapkan terima kasih.")
    signature(doc, "kasi", dated=False)


def disposisi(doc: DocxDocument) -> None:
    """3. The Camat's disposition sheet (a bordered form)."""
    kop(doc)
    title(doc, "LEMBAR DISPOSISI", numbered=False)
    half = Cm(8.0)
    table = doc.add_table(rows=6, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed_widths(table, (half, TEXT_WIDTH - half))
    grid = [
        ("Surat dari: {{ kasi.jabatan }}", "Diterima tanggal: {{ waktu_diteruskan.tanggal }}"),
        ("Nomor surat (No. Laporan): {{ no_laporan }}", "Nomor agenda: {{ nomor_surat }}"),
        ("Tanggal surat: {{ waktu_lapor.tanggal }}",
         "Sifat:\n{{ tanda_sifat.biasa }} Biasa\n{{ tanda_sifat.segera }} Segera\n"
         "{{ tanda_sifat.sangat_segera }} Sangat Segera\n{{ tanda_sifat.rahasia }} Rahasia"),
        ("Hal: {{ hal }}\n{{ perda }}, di {{ lokasi }}, Desa {{ desa }}", None),
        ("Uraian singkat:\n{{ uraian }}", None),
        ("Diteruskan kepada:\n☑ {{ kasi.jabatan }}", "Isi disposisi:\n{{ isi_disposisi }}"),
    ]
    for row, (left, right) in zip(table.rows, grid, strict=True):
        cells = row.cells
        if right is None:
            cells = [cells[0].merge(cells[1])]
        for cell, text in zip(cells, (left, right), strict=False):
            _form_cell(cell, text)
    para(doc)
    para(doc, "Paraf dan tanggal disposisi: {{ waktu_disposisi.tanggal }}",
         left_indent=SIGN_INDENT, align=CENTER)
    signature(doc, "camat", dated=False, before=6)


def _form_cell(cell: object, text: str) -> None:
    """A disposition-form cell: the label bold, each line its own paragraph."""
    label, _, rest = text.partition(":")
    lines = rest.split("\n")
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    p.add_run(label + ":").bold = True
    if lines[0].strip():
        p.add_run(lines[0])
    for line in lines[1:]:
        cell.add_paragraph(line)  # type: ignore[attr-defined]
    for q in cell.paragraphs:  # type: ignore[attr-defined]
        q.paragraph_format.space_before = q.paragraph_format.space_after = Pt(2)


def koordinasi(doc: DocxDocument) -> None:
    """4. Letter to ONE related agency; it never names the reporter."""
    kop(doc)
    nomor_block(doc, "{{ sifat }}")
    para(doc, "Yth. {{ instansi }}")
    para(doc, "di")
    para(doc, "Tempat", left_indent=Cm(0.6), after=6)
    body(doc, "Berdasarkan laporan masyarakat yang kami terima pada {{ waktu_lapor }} dengan "
              "No. Laporan {{ no_laporan }}, terdapat dugaan pelanggaran {{ perda }} dengan "
              "keterangan sebagai berikut:")
    fields(doc, [*PLACE_ROWS, ("Rencana Tindakan", "{{ tindakan }}"),
                 ("Instansi Terkait", "{{ daftar_instansi }}")])
    body(doc, "Sehubungan dengan hal tersebut, kami mohon kesediaan Saudara untuk "
              "berkoordinasi dan melakukan tindakan bersama sesuai dengan prosedur dan "
              "kewenangan masing-masing. Identitas pelapor dirahasiakan.")
    body(doc, "Demikian permohonan ini kami sampaikan. Atas perhatian dan kerja sama "
              "Saudara, kami ucapkan terima kasih.")
    signature(doc, "camat", dated=False)
    tembusan(doc, ["{{ kasi.jabatan }};", "Arsip."])


def bukti_penyelesaian(doc: DocxDocument) -> None:
    """5. Proof that the complaint was resolved."""
    kop(doc)
    title(doc, "BUKTI PENYELESAIAN PENGADUAN")
    body(doc, "Yang bertanda tangan di bawah ini menerangkan bahwa pengaduan masyarakat "
              "berikut telah ditangani:")
    fields(doc, [("No. Laporan", "{{ no_laporan }}"), ("Nama Pelapor", "{{ pelapor.nama }}"),
                 ("Tanggal Laporan", "{{ waktu_lapor.hari_tanggal }}"), *CASE_ROWS,
                 ("Instansi Terkait", "{{ daftar_instansi }}"),
                 ("Tindakan", "{{ tindakan }}"), ("Status Akhir", "{{ status_akhir }}"),
                 ("Hasil Penyelesaian", "{{ hasil }}"), ("Selesai pada", "{{ waktu_selesai }}")])
    body(doc, "Demikian bukti penyelesaian ini dibuat untuk dipergunakan sebagaimana "
              "mestinya.")
    signature(doc, "kasi", before=0)


def laporan_hasil(doc: DocxDocument) -> None:
    """6. Report of the result from the Kasi Trantib to the Camat."""
    kop(doc)
    nota_header(doc, "LAPORAN HASIL PENYELESAIAN", "{{ sifat }}", "-")
    body(doc, "Menindaklanjuti disposisi Bapak/Ibu Camat tanggal "
              "{{ waktu_disposisi.tanggal }} atas laporan No. {{ no_laporan }}, dengan hormat "
              "kami laporkan hasil penyelesaiannya sebagai berikut:")
    fields(doc, [("Nama Pelapor", "{{ pelapor.nama }}"),  # the uraian is on the disposisi
                 ("Tanggal Laporan", "{{ waktu_lapor.hari_tanggal }}"), *CASE_ROWS[:2],
                 ("Isi Disposisi", "{{ isi_disposisi }}"),
                 ("Koordinasi", "{{ waktu_koordinasi.tanggal }} dengan {{ daftar_instansi }}"),
                 ("Tindakan", "{{ tindakan }}"), ("Status Akhir", "{{ status_akhir }}"),
                 ("Hasil Penyelesaian", "{{ hasil }}"), ("Selesai pada", "{{ waktu_selesai }}")])
    body(doc, "Selanjutnya pelapor akan diberi tahu hasil penyelesaian ini. Demikian laporan "
              "ini kami sampaikan untuk menjadi maklum.")
    signature(doc, "kasi", dated=False, before=0)


def pemberitahuan(doc: DocxDocument) -> None:
    """7. Letter to the reporter with the outcome, signed by the Camat."""
    kop(doc)
    nomor_block(doc, "Biasa")
    para(doc, "Yth. Sdr. {{ pelapor.nama }}")
    para(doc, "{{ pelapor.alamat }}", after=12)
    body(doc, "Menindaklanjuti laporan Saudara yang kami terima pada {{ waktu_lapor }} dengan "
              "No. Laporan {{ no_laporan }} tentang dugaan pelanggaran {{ perda }} di "
              "{{ lokasi }}, Desa {{ desa }}, dengan ini kami sampaikan hasil "
              "penyelesaiannya sebagai berikut:")
    fields(doc, [("Status Akhir", "{{ status_akhir }}"), ("Hasil Penyelesaian", "{{ hasil }}"),
                 ("Selesai pada", "{{ waktu_selesai }}")], indent=Cm(1.25))
    body(doc, "Terima kasih atas kepedulian Saudara dalam menjaga ketenteraman dan "
              "ketertiban di lingkungan kita. Demikian pemberitahuan ini kami sampaikan.")
    signature(doc, "camat", dated=False)
    tembusan(doc, ["{{ kasi.jabatan }};", "Arsip."])


def catatan_pemberitahuan(doc: DocxDocument) -> None:
    """7. Note for the file: the reporter was told by SMS, telephone or in person."""
    kop(doc)
    title(doc, "CATATAN PEMBERITAHUAN KEPADA PELAPOR", numbered=False)
    body(doc, "Pada {{ waktu_pemberitahuan }} pelapor Sdr. {{ pelapor.nama }} telah diberi "
              "tahu hasil penyelesaian laporan No. {{ no_laporan }} melalui "
              "{{ cara_pemberitahuan }}, sebagai berikut:")
    fields(doc, [("Status Akhir", "{{ status_akhir }}"), ("Hasil Penyelesaian", "{{ hasil }}"),
                 ("Selesai pada", "{{ waktu_selesai }}")], indent=Cm(1.25))
    signature(doc, "kasi", dated=False)


BUILDERS: dict[Doc, Callable[[DocxDocument], None]] = {
    Doc.tanda_terima: tanda_terima, Doc.nota_dinas: nota_dinas, Doc.disposisi: disposisi,
    Doc.koordinasi: koordinasi, Doc.bukti_penyelesaian: bukti_penyelesaian,
    Doc.laporan_hasil: laporan_hasil, Doc.pemberitahuan: pemberitahuan,
    Doc.catatan_pemberitahuan: catatan_pemberitahuan,
}


def make_templates(out_dir: Path) -> list[Path]:
    """Write the seven templates into out_dir; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, build in BUILDERS.items():
        info = DOCUMENT_BY_KIND[kind]
        doc = new_document(info.title)
        build(doc)
        path = out_dir / info.template
        doc.save(str(path))
        written.append(path)
    return written


def main(argv: Sequence[str]) -> int:
    """Command line: write the templates to argv[1] or to templates/."""
    out_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "templates"
    for path in make_templates(out_dir):
        print(f"ditulis: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
