"""The row cache over three versions: a record made for a row found by its key (a
renumbered table) must still say which strings the row names, for the version after."""

from __future__ import annotations

import re

from pipeline.config import Config
from pipeline.rowcache import RowCache
from tests import fuzzing
from tests.test_reader_cache import (
    BELOW_HEAD,
    RULES,
    SHEET,
    _odd_cell,
    book,
    cfg,  # noqa: F401 - the module's office fixture
    read,
    reports,
    stored,
)


def _swapped(data: bytes, first: int, second: int) -> bytes:
    """The workbook with two shared strings swapped in the table and in every cell that
    names them as `t="s"><v>N</v>` (odd cells keep their index)."""
    swap = {first: second, second: first}
    sheet = re.sub(rb'( t="s"><v>)([0-9]+)(</v>)', lambda m: m.group(1) + b"%d" % swap.get(
        int(m.group(2)), int(m.group(2))) + m.group(3), fuzzing.part(SHEET, data))
    table = fuzzing.part("xl/sharedStrings.xml", data)
    items = table.split(b"<si>")
    items[1 + first], items[1 + second] = items[1 + second], items[1 + first]
    return fuzzing.rezip(data, {SHEET: sheet, "xl/sharedStrings.xml": _fix_end(items)})


def _fix_end(items: list[bytes]) -> bytes:
    """The table joined again, `</sst>` at its end only."""
    items = [item.replace(b"</sst>", b"") for item in items]
    return b"<si>".join(items) + b"</sst>"


def _renamed(data: bytes, index: int) -> bytes:
    """The workbook with shared string `index` changed (the sheet's bytes the same)."""
    items = fuzzing.part("xl/sharedStrings.xml", data).split(b"<si>")
    items[1 + index] = items[1 + index].replace(b"</t>", b" (diubah)</t>", 1)
    return fuzzing.rezip(data, {"xl/sharedStrings.xml": b"<si>".join(items)})


def test_record_of_a_row_found_by_key_keeps_the_strings_it_names(cfg: Config  # noqa: F811
                                                                  ) -> None:
    """v2 swaps two strings every row names (every row found by its key); v3 changes the
    string row 17's odd cell names and row 18's own No. Laporan string, with v2's sheet
    bytes: both rows are parsed again, and the reading is today's."""
    v1, odd = _odd_cell(book(reports(), shared=True), "space")
    v2 = _swapped(v1, 14, 15)
    own = int(re.search(rb'<c r="A18" t="s"><v>([0-9]+)</v>', fuzzing.part(SHEET, v2)
                        ).group(1))  # type: ignore[union-attr]
    v3 = _renamed(_renamed(v2, odd), own)
    assert fuzzing.part(SHEET, v3) == fuzzing.part(SHEET, v2)
    first = read(v1, cfg, cache=RowCache(RULES))
    assert first.cache is not None
    second = read(v2, cfg, set(first.fields["good"]), stored(first.cache,
                                                             set(first.fields["good"])))
    assert second.cache is not None and second.cache.reused == BELOW_HEAD
    known = set(second.fields["good"])
    third = read(v3, cfg, known, stored(second.cache, known))
    assert third.fields == read(v3, cfg, known).fields
    assert third.cache is not None and third.cache.reused == BELOW_HEAD - 2
