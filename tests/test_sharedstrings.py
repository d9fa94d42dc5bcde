"""The shared-string table reader (pipeline/sharedstrings.py) against openpyxl's own.

For any table - plain, rich text runs, phonetic runs, `xml:space`, entities and character
references, empty items, `_x000D_` escapes, damaged or hostile XML - the strings are
openpyxl's `read_string_table`'s, or both fail with the same problem code. Each check of
the plain fast path has an example here that fails without it.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.reader.strings import read_string_table

from pipeline import sharedstrings
from pipeline.config import Batas
from pipeline.damage import diagnose
from pipeline.intake import IntakeRejected, open_intake
from pipeline.sharedstrings import plain_strings, read_strings
from tests import fuzzing
from tests.test_reader_cache import reports, to_shared_strings

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{NS}">'


def outcome(reader: Any, source: Any) -> Any:
    """The strings a reader gives, or the problem code and type of its failure."""
    try:
        return reader(source)
    except Exception as exc:  # noqa: BLE001 - the failure is the outcome compared
        return ("gagal", str(diagnose(exc)), type(exc).__name__)


def same_as_openpyxl(xml: bytes) -> Any:
    """Assert both readers agree on `xml`; return openpyxl's outcome."""
    expected = outcome(read_string_table, io.BytesIO(xml))
    assert outcome(read_strings, io.BytesIO(xml)) == expected
    return expected


def table(items: str, head: str = HEAD, tail: str = "</sst>") -> bytes:
    """A shared-string part of `items` (markup as written)."""
    return (head + items + tail).encode("utf-8")


# One example per check of the fast path: without the check, the fast path would give
# other strings than openpyxl, or another failure.
CHECKS = {
    "plain": table('<si><t>a</t></si><si><t xml:space="preserve"> b </t></si><si><t/></si>'
                   "<si><t></t></si>"),
    "no declaration": table("<si><t>a</t></si>", head=f'<sst xmlns="{NS}" count="1">'),
    "CDATA end in text": table("<si><t>a]]>b</t></si>"),
    "U+FFFE": table("<si><t>a\ufffe</t></si>"),
    "control character": table("<si><t>a\x01b</t></si>"),
    "invalid UTF-8": HEAD.encode() + b"<si><t>a\xff</t></si></sst>",
    "latin-1 declared": ('<?xml version="1.0" encoding="ISO-8859-1"?><sst xmlns="' + NS +
                         '"><si><t>caf\xe9</t></si></sst>').encode("latin-1"),
    "byte order mark": b"\xef\xbb\xbf" + table("<si><t>a</t></si>"),
    "garbage after the table": table("<si><t>a</t></si>", tail="</sst><x/>"),
    "no end tag": table("<si><t>a</t></si>", tail=""),
    "end tag only": table("</t></si>"),
    "item not closed": table("<si><t>abc"),
    "text between items": table("x<si><t>a</t></si>"),
    "element in text": table("<si><t>a<b/>c</t></si>"),
    "item in an item": table("<si><t>a<si><t>b</t></si>"),
    "rich text": table("<si><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></si>"),
    "phonetic run": table('<si><t>a</t><rPh sb="0" eb="1"><t>ph</t></rPh>'
                          '<phoneticPr fontId="1"/></si>'),
    "carriage return": table("<si><t>a\r\nb\rc</t></si>"),
    "bare ampersand": table("<si><t>a & b</t></si>"),
    "entities": table("<si><t>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;&#0067;</t></si>"),
    "invalid character reference": table("<si><t>a&#1;</t></si>"),
    "surrogate reference": table("<si><t>a&#xD800;</t></si>"),
    "carriage return reference": table("<si><t>a&#13;&#10;b</t></si>"),
    "x005F escape": table("<si><t>_x005F_x000D_ and _x000D_</t></si>"),
    "x005F made by a reference": table("<si><t>x005F&#95;x</t></si>"),
    "entity declared": (f'<!DOCTYPE sst [<!ENTITY e "x">]><sst xmlns="{NS}"><si><t>&e;</t>'
                        "</si></sst>").encode(),
    "other namespace": table("<si><t>a</t></si>", head='<sst xmlns="urn:other">'),
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_table_reads_as_openpyxl_reads_it(name: str) -> None:
    """Each example: the same strings as openpyxl, or the same failure."""
    same_as_openpyxl(CHECKS[name])


def test_plain_tables_take_the_fast_path_and_others_do_not() -> None:
    """The usual tables are read without the parser; rich text and damage are not."""
    assert plain_strings(CHECKS["plain"]) == ["a", " b ", "", ""]
    assert plain_strings(CHECKS["entities"]) == ["&<>\"'ABC"]
    assert plain_strings(CHECKS["x005F escape"]) == ["_x000D_ and _x000D_"]
    for name in ("rich text", "phonetic run", "CDATA end in text", "bare ampersand",
                 "entity declared", "carriage return", "invalid character reference"):
        assert plain_strings(CHECKS[name]) is None, name


_CHARS = st.sampled_from(["a", " ", "Z", "\t", "\n", "\r", "&", "<", ">", '"', "'", "]]>",
                          "\x01", "\x7f", "\x85", "é", "\u2028", "\ufffe", "\U0001f600",
                          "_x000D_", "x005F_", "_x005F_x000A_", "\ufdd0"])


@st.composite
def _text(draw: Any) -> str:
    """Item text as a writer may put it: escaped or not, with character references."""
    out = []
    for char in draw(st.lists(_CHARS, max_size=6)):
        how = draw(st.sampled_from(["raw", "escaped", "decimal", "hex"]))
        if how == "escaped":
            char = char.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        elif how in ("decimal", "hex") and len(char) == 1:
            char = f"&#{ord(char)};" if how == "decimal" else f"&#x{ord(char):X};"
        out.append(char)
    return "".join(out)


@st.composite
def _item(draw: Any) -> str:
    """One <si>: plain, preserved, empty, rich, phonetic, or with odd markup."""
    text = draw(_text())
    form = draw(st.sampled_from(["t", "preserve", "empty", "open-close", "rich", "phonetic",
                                 "attribute", "space", "comment"]))
    return {
        "t": f"<si><t>{text}</t></si>",
        "preserve": f'<si><t xml:space="preserve">{text}</t></si>',
        "empty": "<si><t/></si>",
        "open-close": "<si><t></t></si>",
        "rich": f"<si><r><rPr><b/></rPr><t>{text}</t></r><r><t>{text}</t></r></si>",
        "phonetic": f'<si><t>{text}</t><rPh sb="0" eb="1"><t>{text}</t></rPh></si>',
        "attribute": f'<si o:x="1"><t>{text}</t></si>',
        "space": f"<si> <t>{text}</t></si>\n",
        "comment": f"<si><t>{text}</t><!-- c --></si>",
    }[form]


@settings(max_examples=300, deadline=None)
@given(items=st.lists(_item(), max_size=6),
       head=st.sampled_from([HEAD, f'<sst xmlns="{NS}" xmlns:o="urn:o">',
                             f'<?xml version="1.0" encoding="utf-8"?>\r\n<sst xmlns="{NS}" '
                             'count="3" uniqueCount="2">', f"<sst xmlns='{NS}'>",
                             f'  <sst xmlns="{NS}">']),
       tail=st.sampled_from(["</sst>", "</sst>\r\n", "</sst>x", ""]))
def test_random_tables_read_as_openpyxl_reads_them(items: list[str], head: str,
                                                   tail: str) -> None:
    """Random tables: the same strings as openpyxl, or the same failure."""
    if "o:x" in "".join(items) and "xmlns:o" not in head:
        head = head.replace(f'xmlns="{NS}"', f'xmlns="{NS}" xmlns:o="urn:o"')
    same_as_openpyxl(table("".join(items), head, tail))


class _Failing:
    """A zip entry whose reading fails after `good` bytes (a damaged compressed stream)."""

    def __init__(self, data: bytes, good: int) -> None:
        self.data, self.at, self.good = data, 0, good

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.at + size
        if end > self.good:
            raise zlib.error("Error -3 while decompressing data: invalid block type")
        chunk, self.at = self.data[self.at:end], min(end, len(self.data))
        return chunk


@pytest.mark.parametrize("broken", [b"", b"<si><t>a</si>"], ids=["intact", "malformed"])
def test_read_failure_is_met_where_openpyxl_meets_it(broken: bytes) -> None:
    """A read failure after malformed XML is still the XML's problem (as openpyxl finds
    it first), and after intact XML the failure's own."""
    xml = table("<si><t>abc</t></si>" * 2000 + broken.decode() + "<si><t>d</t></si>" * 8000)
    good = len(HEAD) + 19 * 2000 + len(broken) + 2 * sharedstrings.CHUNK
    assert good < len(xml)
    expected = outcome(read_string_table, _Failing(xml, good))
    assert outcome(read_strings, _Failing(xml, good)) == expected
    assert expected[1] == ("xml-rusak" if broken else "isi-rusak")


def test_table_larger_than_the_fast_path_streams_through_the_parser(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_PLAIN the table is not held whole: the parser streams it, same strings."""
    xml = table("<si><t>abc</t></si>" * 5000)
    monkeypatch.setattr(sharedstrings, "MAX_PLAIN", 20_000)
    monkeypatch.setattr(sharedstrings, "plain_strings", _never)
    assert read_strings(io.BytesIO(xml)) == ["abc"] * 5000


def _never(data: bytes) -> None:
    raise AssertionError(f"{len(data)} bytes held whole")


# --- real workbooks ------------------------------------------------------------------------
def _with_table(data: bytes, sst: bytes) -> bytes:
    return fuzzing.rezip(data, {"xl/sharedStrings.xml": sst})


def _read(data: bytes, reader: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """open_intake's rows (values) or its whole-file problem, with `reader` for the table."""
    from openpyxl.reader import excel

    monkeypatch.setattr(excel, "read_string_table", reader)
    try:
        intake = open_intake("laporan.xlsx", data, Batas())
        return [(row.row, row.values) for row in intake.rows]
    except IntakeRejected as exc:
        return exc.problem.code


SHARED = to_shared_strings(fuzzing.workbook(reports(12)))


@settings(max_examples=40, deadline=None)
@given(texts=st.lists(_text(), min_size=1, max_size=4), at=st.integers(0, 60))
def test_workbook_reads_as_with_openpyxls_table(texts: list[str], at: int) -> None:
    """A workbook whose strings are rewritten in other forms reads as with openpyxl's
    reader: the same rows and values, or the same whole-file problem."""
    sst = fuzzing.part("xl/sharedStrings.xml", SHARED).decode()
    items = sst.split("<si>")
    for offset, text in enumerate(texts):
        index = 1 + (at + offset) % (len(items) - 1)
        items[index] = f'<t xml:space="preserve">{text}</t></si>' + (
            "</sst>" if items[index].endswith("</sst>") else "")
    data = _with_table(SHARED, "<si>".join(items).encode())
    with pytest.MonkeyPatch.context() as patch:
        expected = _read(data, read_string_table, patch)
    with pytest.MonkeyPatch.context() as patch:
        assert _read(data, read_strings, patch) == expected


def _corrupt(data: bytes, name: str, at: int) -> bytes:
    """The workbook with one byte of `name`'s compressed data flipped."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    header = info.header_offset
    start = header + 30 + int.from_bytes(data[header + 26:header + 28], "little") + \
        int.from_bytes(data[header + 28:header + 30], "little")
    where = start + at % info.compress_size
    return data[:where] + bytes([data[where] ^ 0x5A]) + data[where + 1:]


BIG_SHARED = to_shared_strings(fuzzing.workbook(reports(300)))


@settings(max_examples=60, deadline=None)
@given(at=st.integers(0, 1 << 20))
def test_damaged_table_entry_gets_openpyxls_problem(at: int) -> None:
    """A byte flipped in the compressed table: the same rows or the same problem code
    (damaged data, malformed XML, bad CRC) as with openpyxl's reader."""
    data = _corrupt(BIG_SHARED, "xl/sharedStrings.xml", at)
    with pytest.MonkeyPatch.context() as patch:
        expected = _read(data, read_string_table, patch)
    with pytest.MonkeyPatch.context() as patch:
        assert _read(data, read_strings, patch) == expected
