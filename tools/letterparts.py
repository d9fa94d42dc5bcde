"""Content parts the documents share (issue 11): signers with optional NIP lines, the
Camat's signature with the paraf hierarki boxes, the Tembusan from config, the Nota Dinas
block, label tables with conditional rows.

Built on the form blocks of tools/letterform.py; used by tools/make_templates.py.
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.shared import Cm, Pt
from docx.table import Table
from letterform import (
    CENTER, LABEL, LONG_LABELS, NOMOR, SIGN_INDENT, TEXT_WIDTH, Rows, bottom_rule, cell_text,
    fields, fixed_widths, keep_table, para,
)

LONG = LONG_LABELS | {"Tindakan yang diperlukan", "Uraian Pengaduan"}  # may split over pages
NIP_IF_ANY = "{%%p if %s %%}"  # a signer's NIP line is printed only when there is a NIP


def tag(container: object, text: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag ({%p if %}, {%p for %}, ...)."""
    para(container, text)


def signer(container: object, *, label: str, nama: str, nip: str = "", pangkat: str = "",
           dated: bool = False, indent: Cm | None = SIGN_INDENT, before: float = 12) -> None:
    """A signature block: [place, date], position, space, name, [rank], NIP if there is one.

    `nama`, `nip`, `pangkat` are variable names; an empty rank or NIP prints no line, and
    a signer without `nip` (the reporter, the party reported) has no NIP line at all.
    """
    ind = {"align": CENTER, "left_indent": indent, "keep": True, "keep_lines": True}
    if dated:
        para(container, "{{ tempat_tanggal }}", before=before, **ind)
        before = 0
    para(container, label, before=before, **ind)
    para(container, "{{ %s }}" % nama, bold=True, underline=True, before=48, **ind)
    if pangkat:
        tag(container, "{%%p if %s %%}" % pangkat)
        para(container, "{{ %s }}" % pangkat, **ind)
        tag(container, "{%p endif %}")
    if nip:
        tag(container, NIP_IF_ANY % nip)
        para(container, "NIP. {{ %s }}" % nip, **ind)
        tag(container, "{%p endif %}")


def official(container: object, who: str, *, label: str = "", **kwargs: object) -> None:
    """The signature block of an official from [pejabat] (camat, sekcam, kasi)."""
    signer(container, label=label or "{{ %s.jabatan }}," % who, nama=f"{who}.nama",
           nip=f"{who}.nip", pangkat=f"{who}.pangkat", **kwargs)  # type: ignore[arg-type]


def close_cells(*cells: object) -> None:
    """Drop each cell's blank first paragraph; end it with one that no tag removes (Word
    needs a paragraph in every cell)."""
    for cell in cells:
        first = cell.paragraphs[0]._p  # type: ignore[attr-defined]
        first.getparent().remove(first)
        cell.add_paragraph()  # type: ignore[attr-defined]


def camat_signs(doc: DocxDocument) -> None:
    """The Camat's signature, the paraf hierarki boxes at its left (Sekcam, Kasi)."""
    table = doc.add_table(rows=1, cols=2)
    fixed_widths(table, (SIGN_INDENT, TEXT_WIDTH - SIGN_INDENT))
    left, right = table.rows[0].cells
    left.vertical_alignment = 3  # bottom: the boxes beside the name
    paraf_boxes(left)
    official(right, "camat", indent=None)
    close_cells(left, right)
    keep_table(table)


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
    para(doc, "Tembusan:", before=12, size=10, keep=True)
    tag(doc, "{%p for t in tembusan %}")
    para(doc, "{{ loop.index }}. {{ t }}{% if loop.last %}.{% else %};{% endif %}", size=10,
         keep=True)
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")


def tagged_fields(doc: DocxDocument, rows: Rows, label: Cm = LABEL) -> Table:
    """`fields` where a row whose label starts with '{%tr' is a docxtpl row tag."""
    return fields(doc, [(name, "" if name.startswith("{%tr") else text)
                        for name, text in rows], label=label, long=LONG)


def nota_block(doc: DocxDocument, sifat: str, lampiran: str) -> None:
    """NOTA DINAS with its Yth. / Dari / Tanggal / Nomor / Sifat / Lampiran / Hal block."""
    para(doc, "NOTA DINAS", align=CENTER, bold=True, size=12, after=6)
    fields(doc, [("Yth.", "{{ camat.jabatan }}"), ("Dari", "{{ kasi.jabatan }}"),
                 ("Tanggal", "{{ tanggal_surat }}"), ("Nomor", NOMOR),
                 ("Sifat", sifat), ("Lampiran", lampiran), ("Hal", "{{ hal }}")],
          label=Cm(2.6))
    bottom_rule(doc.paragraphs[-1], style="single", size=8)
    para(doc, after=6)
