"""Signature blocks as a two-column table whose rows line up across the columns:
[place and date], role line(s), signing space, name, rank, NIP.

Blocks side by side share each row, so both names stand on the same line after the same
signing space (tata naskah dinas: about 2 cm, four blank lines). A column may be empty
(the Camat signs alone at the right) or hold something else (the paraf hierarki boxes).
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from letterform import CENTER, SIGN_INDENT, TEXT_WIDTH, cant_split, fixed_widths

SIGN_SPACE = Cm(2.0)  # the signing space between the role line and the name


@dataclass(frozen=True)
class Block:
    """One signer: the role text and the variable names of name, rank and NIP.

    `when` is a condition for the whole block (left out, blank, when false); an empty
    `pangkat` or `nip` means the signer has none (the reporter, the party reported)."""

    role: str
    nama: str
    pangkat: str = ""
    nip: str = ""
    when: str = ""

    def shown(self, text: str) -> str:
        """`text` printed only when the block is shown."""
        return "{%% if %s %%}%s{%% endif %%}" % (self.when, text) if self.when else text


def official_block(who: str, role: str = "", when: str = "") -> Block:
    """The block of an official from [pejabat] (camat, sekcam, kasi)."""
    return Block(role or "{{ %s.jabatan }}," % who, f"{who}.nama", f"{who}.pangkat",
                 f"{who}.nip", when)


def _line(cell: _Cell, text: str, **kwargs: object) -> None:
    """Put one centred line (a run; '\\n' breaks the line) into the cell's paragraph."""
    p = cell.paragraphs[0]
    p.alignment = CENTER
    if text:
        run = p.add_run(text)
        run.bold = kwargs.get("bold") or None  # type: ignore[assignment]
        run.underline = kwargs.get("underline") or None  # type: ignore[assignment]


def _tag_row(table: Table, text: str) -> None:
    """A row holding only a docxtpl row tag ({%tr if %} ...), removed when rendered."""
    table.add_row().cells[0].paragraphs[0].add_run(text)


def _row(table: Table, left: str, right: str, blocks: tuple[Block | None, Block],
         **kwargs: object) -> None:
    """A row with one line in each column (each shown only with its block)."""
    cells = table.add_row().cells
    for cell, block, text in zip(cells, blocks, (left, right), strict=True):
        _line(cell, block.shown(text) if block and text else "", **kwargs)


def _conditional_row(table: Table, blocks: tuple[Block | None, Block], field: str,
                     prefix: str = "") -> None:
    """A rank or NIP row, printed only when some block has one; each cell its own."""
    names = [getattr(b, field) for b in blocks if b and getattr(b, field)]
    if not names:
        return
    _tag_row(table, "{%%tr if %s %%}" % " or ".join(names))
    texts = [("{%% if %s %%}%s{{ %s }}{%% endif %%}" % (getattr(b, field), prefix,
                                                        getattr(b, field)))
             if b and getattr(b, field) else "" for b in blocks]
    _row(table, texts[0], texts[1], blocks)
    _tag_row(table, "{%tr endif %}")


def sign_table(container: object, right: Block, left: Block | None = None, *,
               dated: bool = False, before: float = 12, keep: bool = False) -> Table:
    """The signature table: `right` at the signature indent, `left` (if any) beside it.

    Returns the table; its first column's cells may be filled further by the caller
    (witnesses, paraf boxes). The rows never split and keep together with the next;
    `keep`: the last line too, so the Tembusan under it is never alone on a page."""
    table = container.add_table(rows=0, cols=2)  # type: ignore[attr-defined]
    blocks = (left, right)
    if dated:
        _row(table, "", "{{ tempat_tanggal }}", blocks)
    _row(table, left.role if left else "", right.role, blocks)
    space = table.add_row()
    space.height, space.height_rule = SIGN_SPACE, WD_ROW_HEIGHT_RULE.AT_LEAST
    _row(table, left.nama and "{{ %s }}" % left.nama if left else "",
         "{{ %s }}" % right.nama, blocks, bold=True, underline=True)
    _conditional_row(table, blocks, "pangkat")
    _conditional_row(table, blocks, "nip", "NIP. ")
    fixed_widths(table, (SIGN_INDENT, TEXT_WIDTH - SIGN_INDENT))
    for cell in table.rows[0].cells:
        cell.paragraphs[0].paragraph_format.space_before = Pt(before)
    cant_split(table)
    lines = [row for row in table.rows if not row.cells[0].text.startswith("{%tr")]
    for row in lines:
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
            for q in cell.paragraphs:  # the last line printed keeps with nothing
                q.paragraph_format.keep_with_next = keep or row is not lines[-1] or None
    return table
