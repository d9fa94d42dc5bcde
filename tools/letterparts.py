"""Content parts the documents share (issue 11): officials' signatures (tools/signblock.py), the
Camat's signature with the paraf hierarki boxes, the Tembusan from config, the Nota Dinas
block, label tables with conditional rows.

Built on the form blocks of tools/letterform.py; used by tools/make_templates.py.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING
from docx.shared import Cm, Pt
from docx.table import Table
from letterform import (
    CENTER,
    LABEL,
    LONG_LABELS,
    NOMOR,
    Rows,
    bottom_rule,
    cell_text,
    fields,
    fixed_widths,
    gap,
    para,
)
from signblock import official_block, sign_table

LONG = LONG_LABELS | {"Tindakan yang Diperlukan", "Uraian Pengaduan"}  # may split over pages


def tag(container: object, text: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag ({%p if %}, {%p for %}, ...)."""
    para(container, text)


def official(container: object, who: str, *, before: float = 6, keep: bool = False
             ) -> Table:
    """The signature block of an official from [pejabat] alone at the signature indent;
    `keep`: its last line keeps with what follows (the Tembusan)."""
    return sign_table(container, official_block(who), before=before, keep=keep)


def close_cells(*cells: object) -> None:
    """Drop each cell's blank first paragraph; end it with one that no tag removes (Word
    needs a paragraph in every cell)."""
    for cell in cells:
        first = cell.paragraphs[0]._p  # type: ignore[attr-defined]
        first.getparent().remove(first)
        cell.add_paragraph()  # type: ignore[attr-defined]


def camat_signs(doc: DocxDocument) -> None:
    """The Camat's signature, the paraf hierarki boxes at its left (Sekcam, Kasi), beside
    the signing space just above the name."""
    table = official(doc, "camat", keep=True)
    space = table.rows[1].cells[0]
    space.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    paraf_boxes(space)
    first = space.paragraphs[0]._p  # the row's blank line; the boxes end the cell with one
    first.getparent().remove(first)
    end = space.paragraphs[-1].paragraph_format  # the cell's closing paragraph takes no room
    end.line_spacing, end.line_spacing_rule = Pt(1), WD_LINE_SPACING.EXACTLY


def paraf_boxes(container: object) -> None:
    """Paraf hierarki: the Sekretaris Camat's and the Kasi's initial boxes (Camat signs)."""
    para(container, "Paraf:", size=9, keep=True)
    table = container.add_table(rows=2, cols=2)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    fixed_widths(table, (Cm(5.5), Cm(1.8)))
    for row, who in zip(table.rows, ("sekcam", "kasi"), strict=True):
        cell_text(row.cells[0], "{{ %s.jabatan }}" % who)
        row.cells[0].paragraphs[0].runs[0].font.size = Pt(8)
        row.height = Cm(0.8)


def copies_block(doc: DocxDocument) -> None:
    """The Tembusan list from config (left out when the list is empty)."""
    tag(doc, "{%p if tembusan %}")
    para(doc, "Tembusan:", before=8, size=10, keep=True)
    tag(doc, "{%p for t in tembusan %}")
    para(doc, "{{ loop.index }}. {{ t }}{% if loop.last %}.{% else %};{% endif %}", size=10,
         keep=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


def tagged_fields(doc: DocxDocument, rows: Rows, label: Cm = LABEL, indent: Cm = Cm(0)
                  ) -> Table:
    """`fields` where a row whose label starts with '{%tr' is a docxtpl row tag."""
    return fields(doc, [(name, "" if name.startswith("{%tr") else text)
                        for name, text in rows], label=label, indent=indent, long=LONG,
                  flow=False)


def nota_block(doc: DocxDocument, sifat: str, lampiran: str) -> None:
    """NOTA DINAS with its Yth. / Dari / Tanggal / Nomor / Sifat / Lampiran / Hal block."""
    para(doc, "NOTA DINAS", align=CENTER, bold=True, size=12, after=6)
    fields(doc, [("Yth.", "{{ camat.jabatan }}"), ("Dari", "{{ kasi.jabatan }}"),
                 ("Tanggal", "{{ tanggal_surat }}"), ("Nomor", NOMOR),
                 ("Sifat", sifat), ("Lampiran", lampiran), ("Hal", "{{ hal }}")],
          label=Cm(2.6))
    bottom_rule(doc.paragraphs[-1], style="single", size=8)
    gap(doc)
