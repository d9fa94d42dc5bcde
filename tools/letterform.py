"""The form every letter shares (Tata Naskah Dinas): page, kop, headers, blocks.

Used by tools/make_templates.py, which writes each document's content with these blocks.
The rules each block follows, and their sources, are in docs/tata-naskah-dinas.md.

Every {{ tag }} is written into a single run, so Word sees it as one piece of text.
Page size, margins and the body font are written here for the default `[halaman]`
(A4, margins 3/2/2/2.5 cm, Arial 12); pipeline/engine.py re-applies the configured
`[halaman]` to every template when it compiles it, so an office on F4 or 11 pt needs no
new templates.

What every template gets from `new_document`:
- a first-page header without page number and a header "- 2 -" for the later pages
  (w:titlePg), each with KONSEP (`{% if konsep %}`) and RAHASIA (`{% if rahasia %}`)
  lines, and footers with the RAHASIA line;
- default run font and size, Indonesian proofing, single spacing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from letterpages import headers_footers

ROOT = Path(__file__).resolve().parent.parent
LAMBANG = ROOT / "templates" / "lambang.png"  # the placeholder emblem (tools/make_lambang.py)
LAMBANG_NAME = "lambang"  # docPr name and descr the engine finds the emblem by

FONT = "Arial"
SIZE = 12  # body text, pt ([halaman] ukuran_huruf; the engine re-applies the configured one)
PAGE = (Cm(21.0), Cm(29.7))  # A4; the engine applies [halaman] kertas
MARGINS = {"left_margin": Cm(3.0), "right_margin": Cm(2.0), "top_margin": Cm(2.0),
           "bottom_margin": Cm(2.5)}
TEXT_WIDTH = Cm(16.0)  # A4 21 cm minus the left and right margins
INDENT = Cm(1.25)  # first-line indent of body paragraphs; indented tables start there
LABEL, COLON = Cm(4.6), Cm(0.4)  # label : value tables (the longest label on one line)
NBSP = "\u00a0"  # keeps a kop label with its value ("Pos-el" never ends a line alone)
POS_EL = "Pos-el"
GAP = Pt(8)  # the blank line after a label table: smaller than a text line
SIGN_INDENT = Cm(8.5)  # left edge of the signature block
EMBLEM_WIDTH = Cm(1.9)  # the lambang daerah in the kop
KOP_SIDE = Cm(2.0)  # right indent of the kop lines: about as wide as the emblem
LEFT, CENTER, RIGHT, JUSTIFY = (WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER,
                                WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY)
Rows = Sequence[tuple[str, str]]

# The letter number, or dots where the number will be written while the letter is a draft.
NOMOR = "{% if konsep %}........................{% else %}{{ nomor_surat }}{% endif %}"
# Rows of `fields` allowed to split across pages: their text may be longer than a page.
LONG_LABELS = frozenset({"Uraian", "Uraian Singkat", "Hasil Penyelesaian", "Tindakan",
                         "Rencana Tindakan", "Isi Disposisi", "Keterangan"})


# ---------------------------------------------------------------- the document


def new_document(title: str) -> DocxDocument:
    """An empty letter: page, font defaults, properties, headers and footers."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE
    for side, value in MARGINS.items():
        setattr(section, side, value)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)
    _set_defaults(doc)
    _set_properties(doc, title)
    headers_footers(doc)
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
    for style in doc.styles:  # python-docx's headings etc. name other fonts: none here
        rpr = style.element.rPr
        if rpr is not None and rpr.rFonts is not None:
            rpr.remove(rpr.rFonts)


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


def prune_styles(doc: DocxDocument) -> None:
    """Keep only the styles the letter uses; drop the latent-style list and Word 2010's
    stylesWithEffects copy.

    python-docx's blank document carries 164 styles and 276 latent-style entries (345 KB of
    styles.xml, plus a 438 KB stylesWithEffects.xml) that every letter repeats and
    LibreOffice parses for every PDF: about a third of its CPU time per letter. Word adds
    a built-in style back when a clerk applies it, so nothing is lost for editing.
    """
    styles = doc.styles.element
    parts = [doc.element, *(rel.target_part.element for rel in doc.part.rels.values()
                            if rel.reltype in (RT.HEADER, RT.FOOTER))]
    wanted = {el.get(qn("w:val")) for part in parts for tag in ("w:pStyle", "w:rStyle",
                                                                 "w:tblStyle")
              for el in part.iter(qn(tag))}
    by_id = {st.get(qn("w:styleId")): st for st in styles.findall(qn("w:style"))}
    wanted |= {sid for sid, st in by_id.items() if st.get(qn("w:default")) == "1"}
    todo = list(wanted)
    while todo:  # the styles these are based on, linked to, or followed by
        st = by_id.get(todo.pop())
        for tag in ("w:basedOn", "w:link", "w:next"):
            el = st.find(qn(tag)) if st is not None else None
            if el is not None and el.get(qn("w:val")) not in wanted:
                wanted.add(el.get(qn("w:val")))
                todo.append(el.get(qn("w:val")))
    for sid, st in by_id.items():
        if sid not in wanted:
            styles.remove(st)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    rels = doc.part.rels
    for rid in [rid for rid, rel in rels.items() if rel.reltype.endswith("/stylesWithEffects")]:
        rels.pop(rid)


# ---------------------------------------------------------------- paragraphs


def para(container: DocxDocument | object, text: str = "", *, align: object = LEFT,
         bold: bool = False, underline: bool = False, size: float | None = None,
         first_indent: Cm | None = None, left_indent: Cm | None = None,
         before: float = 0, after: float = 0, keep: bool = False,
         keep_lines: bool = False) -> Paragraph:
    """A paragraph of one run (so a {{ tag }} inside it is never split)."""
    p = container.add_paragraph()  # type: ignore[attr-defined]
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.first_line_indent, fmt.left_indent = first_indent, left_indent
    fmt.keep_with_next = keep or None
    fmt.keep_together = keep_lines or None
    if text:
        run = p.add_run(text)
        run.bold, run.underline = bold or None, underline or None
        if size:
            run.font.size = Pt(size)
    return p


def runs(p: Paragraph, pieces: Sequence[str], size: float | None = None) -> Paragraph:
    """Add each piece as its own run (e.g. `{%r if %}` tags beside text)."""
    for piece in pieces:
        run = p.add_run(piece)
        if size:
            run.font.size = Pt(size)
    return p


def body(doc: DocxDocument, text: str, after: float = 6) -> Paragraph:
    """A justified body paragraph with a first-line indent."""
    return para(doc, text, align=JUSTIFY, first_indent=INDENT, after=after)


def closing(doc: DocxDocument, text: str, after: float = 6) -> Paragraph:
    """The closing paragraph: kept whole and on the page of the signature under it."""
    return para(doc, text, align=JUSTIFY, first_indent=INDENT, after=after, keep=True,
                keep_lines=True)


def long_field(doc: DocxDocument, label: str, value: str, indent: Cm = Cm(0)) -> Paragraph:
    """A long text as its own paragraphs under a label (flows freely over pages)."""
    para(doc, f"{label}:", bold=True, left_indent=indent, keep=True)
    return para(doc, value, align=JUSTIFY, left_indent=indent, after=6)


def bottom_rule(p: Paragraph, style: str = "thinThickSmallGap", size: int = 24) -> None:
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


# ---------------------------------------------------------------- kop and title


def kop(doc: DocxDocument) -> None:
    """The kop: lambang daerah at the left, the office's name and address centred, rule.

    The emblem floats at the left of the first line (square wrapping); the text lines have
    a right indent as wide as the emblem's column, so they are centred on the page. (A kop
    table would be simpler, but LibreOffice then ignores keep-with-next on the whole page.)
    """
    lines = [("{{ kantor.pemerintah }}",), ("{{ kantor.nama }}",),
             ("{{ kantor.alamat }}", "{%r if kantor.kode_pos %}",
              f", Kode{NBSP}Pos{NBSP}{{{{ kantor.kode_pos }}}}", "{%r endif %}"),
             (f"Telepon{NBSP}{{{{ kantor.telepon }}}}", "{%r if kantor.faksimile %}",
              f", Faksimile{NBSP}{{{{ kantor.faksimile }}}}", "{%r endif %}"),
             ("{%r if kantor.laman %}", f"Laman{NBSP}{{{{ kantor.laman }}}}, ", "{%r endif %}",
              POS_EL + f"{NBSP}{{{{ kantor.email }}}}")]
    sizes = (14, 18, 10, 10, 10)  # Pemerintah : perangkat daerah : alamat, as 2 : 3 : 1-ish
    for i, (pieces, size) in enumerate(zip(lines, sizes, strict=True)):
        p = para(doc, align=CENTER, keep=True)
        p.paragraph_format.right_indent = KOP_SIDE
        if i == 0:
            _emblem(p)
        for piece in pieces:
            run = p.add_run()
            if piece.startswith(POS_EL):  # "Pos-el" with Word's non-breaking hyphen
                run.add_text("Pos")
                run._r.append(OxmlElement("w:noBreakHyphen"))
                run.add_text("el" + piece[len(POS_EL):])
            else:
                run.add_text(piece)
            run.font.size = Pt(size)
            run.bold = (i < 2) or None
    rule = para(doc, after=8)
    rule.paragraph_format.line_spacing = Pt(6)  # the rule sits close under the kop
    bottom_rule(rule)


def _emblem(p: Paragraph) -> None:
    """The placeholder emblem, floating at the left margin, named 'lambang'.

    The engine finds it by that docPr name/descr and puts in the [kantor] lambang file.
    """
    run = p.add_run()
    run.add_picture(str(LAMBANG), width=EMBLEM_WIDTH)
    inline = run._r.find(qn("w:drawing")).find(qn("wp:inline"))
    anchor = parse_xml(
        f'<wp:anchor {nsdecls("wp")} distT="0" distB="0" distL="0" distR="0" simplePos="0" '
        'relativeHeight="2" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '</wp:anchor>')
    children = {child.tag: child for child in inline}
    anchor.append(children[qn("wp:extent")])
    anchor.append(parse_xml(f'<wp:effectExtent {nsdecls("wp")} l="0" t="0" r="0" b="0"/>'))
    anchor.append(parse_xml(f'<wp:wrapSquare {nsdecls("wp")} wrapText="right"/>'))
    for tag in ("wp:docPr", "wp:cNvGraphicFramePr", "a:graphic"):
        anchor.append(children[qn(tag)])
    inline.getparent().replace(inline, anchor)
    docpr = anchor.find(qn("wp:docPr"))
    docpr.set("name", LAMBANG_NAME)
    docpr.set("descr", LAMBANG_NAME)


def title(doc: DocxDocument, text: str, numbered: bool = True) -> None:
    """A centred, bold, underlined title with the letter number under it."""
    para(doc, text, align=CENTER, bold=True, underline=True, keep=True)
    if numbered:
        para(doc, "Nomor: " + NOMOR, align=CENTER, keep=True)
    para(doc, after=6)


# ---------------------------------------------------------------- tables


def fixed_widths(table: Table, widths: Sequence[Cm]) -> None:
    """Fixed column widths that Word and LibreOffice both honour."""
    table.autofit = False  # w:tblLayout type="fixed"
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
        for cell in col.cells:
            cell.width = width


def cell_text(cell: object, text: str, bold: bool = False) -> None:
    """Put one run of text into a table cell's first paragraph."""
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    run = p.add_run(text)
    run.bold = bold or None


def cant_split(table: Table, rows: Collection[int] | None = None) -> None:
    """Rows (all, or those listed) never split across a page break (w:cantSplit)."""
    for i, row in enumerate(table.rows):
        if rows is None or i in rows:
            trpr = row._tr.get_or_add_trPr()
            if trpr.find(qn("w:cantSplit")) is None:
                trpr.insert_element_before(OxmlElement("w:cantSplit"), "w:trHeight",
                                           "w:tblHeader", "w:tblCellSpacing", "w:jc",
                                           "w:hidden", "w:ins", "w:del", "w:trPrChange")


def keep_table(table: Table) -> None:
    """A table kept whole on one page: rows do not split and each keeps with the next."""
    cant_split(table)
    for row in table.rows[:-1]:
        for cell in row.cells:
            for q in cell.paragraphs:
                q.paragraph_format.keep_with_next = True


def fields(doc: DocxDocument, rows: Rows, label: Cm = LABEL, indent: Cm = Cm(0),
           long: Collection[str] = LONG_LABELS, flow: bool = True) -> Table | None:
    """A borderless 'Label : value' table; rows do not split unless labelled in `long`.

    A row whose value is one of the free texts in FLOW ("{{ hasil }}") is printed in the
    table while it is short, and as a full-width paragraph under its label when it is
    longer than FLOW_AT characters: pages of text in a narrow column beside an empty
    label column look machine-made (`flow=False`: never, e.g. in a table with {%tr %} rows).
    Returns the first table (None if there is none).
    """
    first: Table | None = None
    pending: list[tuple[str, str]] = []

    def flush() -> None:
        nonlocal first
        if pending:
            made = _label_table(doc, pending, label, indent, long)
            first = first or made
            pending.clear()

    for name, text in rows:
        match = _FLOWING.fullmatch(text)
        if not flow or match is None or match[1] not in FLOW:
            pending.append((name, text))
            continue
        flush()
        para(doc, "{%%p if %s|length > %d %%}" % (match[1], FLOW_AT))
        para(doc, f"{name}:", left_indent=indent, before=2, keep=True)
        para(doc, text, align=JUSTIFY, left_indent=indent, after=4)
        para(doc, "{%p else %}")
        pending.append((name, text))
        flush()
        para(doc, "{%p endif %}")
    flush()
    gap(doc)  # keeps the next table apart
    return first


FLOW = frozenset({"uraian", "hasil", "tindakan", "isi_disposisi"})  # free texts typed
FLOW_AT = 1200  # characters: longer than about half a page in the value column
_FLOWING = re.compile(r"\{\{ (\w+) \}\}")


def _label_table(doc: DocxDocument, rows: Rows, label: Cm, indent: Cm,
                 long: Collection[str]) -> Table:
    """The 'Label : value' table of `fields`."""
    value = TEXT_WIDTH - indent - label - COLON
    table = doc.add_table(rows=len(rows), cols=3)
    if indent:
        ind = OxmlElement("w:tblInd")
        ind.set(qn("w:w"), str(int(indent.twips)))
        ind.set(qn("w:type"), "dxa")
        table._tbl.tblPr.insert_element_before(
            ind, "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")
    fixed_widths(table, (label, COLON, value))
    for row, (name, text) in zip(table.rows, rows, strict=True):
        cell_text(row.cells[0], name)
        cell_text(row.cells[1], ":")
        cell_text(row.cells[2], text)
        for cell in row.cells:
            cell.paragraphs[0].paragraph_format.space_after = Pt(1)
    cant_split(table, [i for i, (name, _) in enumerate(rows) if name not in long])
    return table


def gap(doc: DocxDocument) -> Paragraph:
    """A small blank line (GAP high) between a table and what follows it."""
    p = para(doc)
    p.paragraph_format.line_spacing, p.paragraph_format.line_spacing_rule = (
        GAP, WD_LINE_SPACING.EXACTLY)
    return p


BOX = Cm(0.45)  # side of a check box


def checkboxes(container: DocxDocument | _Cell, items: Rows, loop: str | None = None
               ) -> Table:
    """A list of check boxes, each a small bordered square cell (no symbol font needed).

    `items`: (label, ticked) pairs; `ticked` prints in the box, e.g. "{{ tanda_sifat.biasa }}"
    giving "X" or "". `loop`: a Jinja loop head such as "for h in harap" to repeat the single
    item row for each element (docxtpl `{%tr %}` rows around it). A label may wrap; the box
    stays square beside its first line.
    """
    rows = len(items) + (2 if loop else 0)
    table = container.add_table(rows=rows, cols=3)
    fixed_widths(table, (Cm(0.6), Cm(0.2), Cm(6.45)))
    body_rows = table.rows[1:-1] if loop else table.rows
    if loop:
        cell_text(table.rows[0].cells[0], "{%tr " + loop + " %}")
        cell_text(table.rows[-1].cells[0], "{%tr endfor %}")
    for row, (label, ticked) in zip(body_rows, items, strict=True):
        box, _, text = row.cells
        _square(box, ticked)
        cell_text(text, label)
        text.paragraphs[0].paragraph_format.space_after = Pt(2)
    cant_split(table)
    return table


def checkbox_row(container: DocxDocument | _Cell, label: str, ticked: str) -> Table:
    """One check box and its label (see `checkboxes`)."""
    return checkboxes(container, [(label, ticked)])


def _square(cell: _Cell, ticked: str) -> None:
    """A BOX x BOX bordered one-cell table in `cell`, holding `ticked` centred."""
    first = cell.paragraphs[0]
    inner = cell.add_table(rows=1, cols=1)
    cell._tc.remove(first._p)  # the cell: the square, then the paragraph Word requires
    fixed_widths(inner, (BOX,))
    row = inner.rows[0]
    row.height, row.height_rule = BOX, WD_ROW_HEIGHT_RULE.EXACTLY
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:top", "w:left", "w:bottom", "w:right"):
        el = OxmlElement(side)
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    inner._tbl.tblPr.insert_element_before(margins, "w:tblLook")
    mark = inner.cell(0, 0)
    _box_borders(mark)
    mark.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = mark.paragraphs[0]
    p.alignment = CENTER
    run = p.add_run(ticked)
    run.bold, run.font.size = True, Pt(10)
    tail = cell.paragraphs[-1].paragraph_format  # as small as Word allows
    tail.space_before = tail.space_after = Pt(0)
    tail.line_spacing, tail.line_spacing_rule = Pt(1), WD_LINE_SPACING.EXACTLY


def _box_borders(cell: _Cell) -> None:
    """A single black border round one cell."""
    tcpr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side in ("w:top", "w:left", "w:bottom", "w:right"):
        el = OxmlElement(side)
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0"),
                           ("w:color", "000000")):
            el.set(qn(key), value)
        borders.append(el)
    tcpr.insert_element_before(borders, "w:shd", "w:noWrap", "w:tcMar", "w:textDirection",
                               "w:tcFitText", "w:vAlign", "w:hideMark")


# ---------------------------------------------------------------- signature, tembusan


def signature(doc: DocxDocument, who: str, dated: bool = True, before: float = 12) -> None:
    """The signature block at the right: date, position, space, name, rank, NIP.

    Every line is kept with the next, so the block stays together and with the closing
    paragraph above it (`closing`).
    """
    ind = {"align": CENTER, "left_indent": SIGN_INDENT, "keep": True, "keep_lines": True}
    if dated:
        para(doc, "{{ tempat_tanggal }}", before=before, **ind)
        before = 0
    para(doc, "{{ %s.jabatan }}," % who, before=before, **ind)
    para(doc, "{{ %s.nama }}" % who, bold=True, underline=True, before=40, **ind)
    para(doc, "{{ %s.pangkat }}" % who, **ind)
    ind["keep"] = False
    para(doc, "NIP. {{ %s.nip }}" % who, **ind)


def tembusan(doc: DocxDocument, lines: Sequence[str]) -> None:
    """The 'Tembusan' (copies) list at the bottom left, kept together."""
    para(doc, "Tembusan:", before=12, size=10, keep=True)
    for i, line in enumerate(lines, 1):
        para(doc, f"{i}. {line}", size=10, keep=i < len(lines))


def nomor_block(doc: DocxDocument, sifat: str) -> None:
    """Date at the right, then Nomor / Sifat / Lampiran / Hal at the left."""
    para(doc, "{{ tempat_tanggal }}", align=RIGHT, after=6)
    fields(doc, [("Nomor", NOMOR), ("Sifat", sifat), ("Lampiran", "-"),
                 ("Hal", "{{ hal }}")], label=Cm(2.2))


def nota_header(doc: DocxDocument, heading: str, sifat: str, lampiran: str) -> None:
    """The nota dinas header block: Yth. / Dari / Tembusan / Tanggal / Nomor / ... / Hal."""
    para(doc, heading, align=CENTER, bold=True, size=12, after=6)
    fields(doc, [("Yth.", "{{ camat.jabatan }}"), ("Dari", "{{ kasi.jabatan }}"),
                 ("Tembusan", "-"), ("Tanggal", "{{ tanggal_surat }}"),
                 ("Nomor", NOMOR), ("Sifat", sifat), ("Lampiran", lampiran),
                 ("Hal", "{{ hal }}")], label=Cm(2.6))
    bottom_rule(doc.paragraphs[-1], style="single", size=8)
    para(doc, after=6)
