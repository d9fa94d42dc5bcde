"""Reading letters back as a clerk sees them: texts in reading order, and check boxes."""

from __future__ import annotations

from typing import Any

from docx.table import Table
from docx.text.paragraph import Paragraph


def blocks(container: Any) -> list[str]:
    """Paragraph texts of a document or cell in reading order, table cells included
    (a merged cell once)."""
    texts: list[str] = []
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            texts.append(block.text)
        elif isinstance(block, Table):
            for cells in rows(block):
                for cell in cells:
                    texts += blocks(cell)
    return texts


def rows(table: Table) -> list[list[Any]]:
    """A table's rows, each merged cell once."""
    found = []
    for row in table.rows:
        seen: list[Any] = []
        for cell in row.cells:
            if not any(cell._tc is s._tc for s in seen):
                seen.append(cell)
        found.append(seen)
    return found


def boxes(container: Any) -> dict[str, str]:
    """Check boxes (square, gap, label) anywhere in a document or cell: label -> the text
    in its square ("X" when ticked)."""
    found: dict[str, str] = {}
    for table in container.tables:
        for row in table.rows:
            cells = row.cells
            if len(cells) == 3 and cells[0].tables and cells[1].text == "":
                found[cells[2].text] = cells[0].tables[0].cell(0, 0).text  # the square
            for cell in cells:
                found.update(boxes(cell))
    return found
