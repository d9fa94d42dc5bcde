"""The shared-string table of a workbook, read as openpyxl reads it, fast for plain tables.

openpyxl reads `xl/sharedStrings.xml` with defusedxml's ElementTree pull parser, a Python
call per element: about 0.13 s for the 20,000 strings of a 10,000-row LibreOffice-saved
intake, most of a re-save's reading once the row cache spares the rows. A plain table
(what Excel and LibreOffice write for unformatted text: an optional XML declaration of
UTF-8, `<sst>` in the main namespace with its counts, and only `<si><t>text</t></si>`,
`<si><t xml:space="preserve">text</t></si>` or `<si><t/></si>` items) is instead checked
against that grammar and cut apart in a few whole-text passes. Its text may hold the five
predefined entities and character references; anything else - rich text runs, phonetic
runs, other attributes or namespaces, whitespace between items, a DTD, comments, CDATA,
another encoding, a carriage return or a character XML forbids, a table over
`MAX_PLAIN` bytes - is not plain, and the whole table goes to the same parser as before
(`parsed_strings`), so its strings and its errors (the damage classification of
`pipeline/damage.py`) are unchanged. A plain table is well-formed XML by construction,
so the parser would have read it without error; each string is what openpyxl gives
(`Text.content` of the item, `x005F_` removed; `_x000D_` and its kin stay as they are).
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO

from openpyxl.cell.text import Text
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

MAX_PLAIN = 16 << 20  # a larger table streams through the parser (bounded memory)
CHUNK = 16 * 1024  # what ElementTree's iterparse reads at a time
_STRING_TAG = f"{{{SHEET_MAIN_NS}}}si"
_TEXT_TAG = f"{{{SHEET_MAIN_NS}}}t"

_HEAD = re.compile(r'(?:<\?xml version="1\.0"(?: encoding="(?:UTF-8|utf-8)")?'
                   r'(?: standalone="(?:yes|no)")?\?>)?[ \t\r\n]*'
                   r'<sst xmlns="' + re.escape(SHEET_MAIN_NS) + r'"'
                   r'(?: count="[0-9]{1,10}")?(?: uniqueCount="[0-9]{1,10}")?>')
# An item's start becomes NUL (a character no XML part holds), `<t/>` an empty text
_STARTS = (("<si><t/></si>", "\x00</t></si>"), ('<si><t xml:space="preserve">', "\x00"),
           ("<si><t>", "\x00"))
_END = "</t></si>"
# Bytes XML 1.0 forbids in a UTF-8 part (U+FFFE and U+FFFF are tested apart)
_CONTROL = bytes(c for c in range(32) if c not in (0x9, 0xA, 0xD))
_NAMES = r"(?:amp|lt|gt|quot|apos|#[0-9]{1,8}|#x[0-9A-Fa-f]{1,6});"
_ENTITY = re.compile("&" + _NAMES)
_BARE_AMPERSAND = re.compile(f"&(?!{_NAMES})")
_NAMED = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


class NotPlain(Exception):
    """The table is not plain: the parser reads it."""


def read_strings(source: BinaryIO) -> list[str]:
    """The strings of a shared-string table part, exactly as openpyxl reads them.

    The part is read in the parser's steps; when reading fails (a damaged zip entry), the
    parser is given what was read before the failure, then the failure, as before.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_PLAIN:
            chunk = source.read(CHUNK)
            if not chunk:
                strings = plain_strings(b"".join(chunks))
                if strings is not None:
                    return strings
                break
            chunks.append(chunk)
            size += len(chunk)
    except Exception as exc:  # noqa: BLE001 - raised again after the bytes before it
        return parsed_strings(_Rest(b"".join(chunks), source, exc))
    return parsed_strings(_Rest(b"".join(chunks), source))


def plain_strings(data: bytes) -> list[str] | None:
    """The strings of a plain table (see the module's docstring), or None."""
    if b"]]>" in data or b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data or len(
            data.translate(None, _CONTROL)) != len(data):
        return None  # not allowed in text: the parser says so
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head, end = _HEAD.match(text), text.rfind("</sst>")
    if head is None or end < head.end() or text[end + 6:].strip(" \t\r\n"):
        return None
    body = text[head.end():end]
    for start, mark in _STARTS:
        body = body.replace(start, mark)
    if not body:
        return []
    if body[0] != "\x00" or not body.endswith(_END):
        return None
    strings = body[1:-len(_END)].split(_END + "\x00")  # each item's text
    texts = "".join(strings)
    if "<" in texts or "\x00" in texts or "\r" in texts:
        return None  # other markup, or a carriage return the parser would change
    if "&" in texts:
        try:
            strings = [_unescape(s) if "&" in s else s for s in strings]
        except NotPlain:
            return None
    if "x005F_" in texts or "&" in texts:
        strings = [s.replace("x005F_", "") for s in strings]
    return strings


def _unescape(text: str) -> str:
    """A text with its references replaced (NotPlain: an `&` the parser refuses)."""
    if _BARE_AMPERSAND.search(text):
        raise NotPlain(text)
    return _ENTITY.sub(_resolve, text)


def _resolve(match: re.Match[str]) -> str:
    """The character an entity or character reference stands for (NotPlain: none)."""
    name = match.group()
    if name in _NAMED:
        return _NAMED[name]
    number = int(name[3:-1], 16) if name[2] == "x" else int(name[2:-1])
    if not (number in (0x9, 0xA, 0xD) or 0x20 <= number <= 0xD7FF
            or 0xE000 <= number <= 0xFFFD or 0x10000 <= number <= 0x10FFFF):
        raise NotPlain(name)  # the parser's "reference to invalid character number"
    return chr(number)


def parsed_strings(xml_source: Any) -> list[str]:
    """openpyxl's `read_string_table`, same parser and values, without its per-string
    object model for the usual `<si><t>…</t></si>` (3x less CPU on a large table)."""
    strings = []
    for _event, node in iterparse(xml_source):
        if node.tag == _STRING_TAG:
            if not node.attrib and len(node) == 1 and node[0].tag == _TEXT_TAG:
                text = node[0].text or ""  # what Text.from_tree(node).content gives
            else:
                text = Text.from_tree(node).content
            strings.append(text.replace("x005F_", ""))
            node.clear()
    return strings


class _Rest:
    """A part's bytes already read, then the rest of it (or the error that reading it
    raised): the file the parser reads."""

    def __init__(self, head: bytes, source: BinaryIO, error: Exception | None = None
                 ) -> None:
        self.head, self.source, self.error = head, source, error

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (all with a negative size), the read ones first."""
        if self.head:
            if size < 0 and self.error is None:
                data, self.head = self.head + self.source.read(), b""
                return data
            cut = len(self.head) if size < 0 else size
            data, self.head = self.head[:cut], self.head[cut:]
            return data
        if self.error is not None:
            raise self.error
        return self.source.read(size)
