"""Rows unchanged since the last processing of a workbook, recognised by their XML bytes.

A re-saved workbook with one changed row need not be parsed again: `cached_rows` streams
the worksheet part from the zip in chunks, splits <sheetData> into row slices
(`<row r="N" …>…</row>`) by byte search, and a slice whose bytes' digest was recorded for
a fully valid row of the last processed version of the same file, under the same context,
is not parsed at all: it comes as a `Reused` row carrying what validate() needs of it
(row number, row digest, year and No. Laporan, see `Entry`). Every other byte goes to one
lxml pull parser with the same options and cell rules as `sheet.stored_rows`, so what is
parsed is parsed exactly as there.

The context (`RowCache.enable`) is what a slice's values depend on besides its bytes: the
rules fingerprint, the sheet, the header row and column mapping, the namespaces in scope
and the XML declaration, the workbook epoch, the date and timedelta style sets, and the
program version. A shared-string cell (`<c … t="s"><v>N</v>`) is keyed by the digest of
string N, not by N, so a table renumbered in order of use (LibreOffice) changes no key;
any other <v> value is taken for an index too, and a slice where one may name a string
that changed, is new or was removed since last time (digests by index) is parsed.

Keying a slice by content costs a regular-expression pass over its cells, so a slice is
first looked up by the digest of its bytes as they are (`RowCache.match`): the same bytes
as a good row of last time name the same indices, and each record keeps its top (1 + the
largest index its <v> values may name, by `_may_name`'s reading); when no shared string
below the top changed (`first_changed`), the row is last time's. Only the slices whose
bytes changed (a renumbered table moves the indices of the rows after the first new
string) are keyed by content. A record holds both the digest and the key, so either
finds it next time.

Conservative by construction: a slice is only recorded when it has the plain shape checked
by byte tests (no formula, no `xmlns`, r="N" first), and reused when its key is known (so
its bytes are such a slice's, up to shared-string indices); anything
else in sheetData (comments, CDATA, processing instructions, text or elements between
rows, a row without a plain start tag, a nested or unterminated row) stops reuse for the
rest of the sheet, whose bytes are then fed to the parser as they are. A sheet whose start
is not plain (a DTD, a comment, a prefixed main namespace, another encoding) is read by
`stored_rows` unchanged. The first rows (the header search) are always parsed: reuse is
enabled only once the header row is known. A reused row's digest must also be among the
good rows known from last time (`State.good_rows`): the cache only saves the parsing.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from lxml import etree
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, ROW_TAG
from openpyxl.xml.constants import SHEET_MAIN_NS

from pipeline import __version__
from pipeline.sheet import EXCEL_MAX_ROW, BeyondLastRow, Cells, _row_number, _Sheet, stored_rows

CACHE_VERSION = 2  # raise when the reader or the cache format changes
CHUNK = 32768  # the size lxml's iterparse reads: the zip entry is read as far as there
MAX_PREFIX = 1 << 20  # bytes before the first row beyond which the plain reader is used
MAX_SLICE = 4 << 20  # a row slice longer than this stops reuse (bounded memory)
FEED_BATCH = 1 << 16  # parsed slices are fed to lxml in batches of about this size
STRING_DIGEST = 16  # bytes per shared string digest (equal digests: equal strings)
# raw digest, key, row digest, row, top, top of other values, year, No. Laporan's length
_RECORD = struct.Struct("<16s16s16sIIIHH")
_MAGIC = b"rowcache-2\n"  # the stored entries' format (an earlier one loads as empty)
_TOPS = struct.Struct("<II")
_SAME = struct.Struct("<QQ")  # a handle: last time's record, from .. to, kept as it is
ANY = 0xFFFFFFFF  # a top: the slice may name any shared string
NOTHING_CHANGED = 1 << 40  # above every top: no shared string differs from last time
WORKSHEET_TAG = f"{{{SHEET_MAIN_NS}}}worksheet"
PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False, "no_network": True, "load_dtd": False,
    "remove_comments": True, "remove_pis": True, "huge_tree": False}

_ROW_START = re.compile(rb'<row r="([0-9]{1,7})"(?:[ \t\r\n]+[A-Za-z_][A-Za-z0-9_.:-]*'
                        rb'="[^"<>&]*")*[ \t\r\n]*(/?)>')
_GLUE = re.compile(rb"[ \t\r\n]*")
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_ATTRIBUTE = rb' [A-Za-z_][A-Za-z0-9_.:-]*="[^"<>&]*"'
# A shared-string cell as Excel and LibreOffice write it: its index is keyed by the
# string's digest, so a string table renumbered in order of use changes no key.
_SHARED_CELL = re.compile(rb'(<c(?:' + _ATTRIBUTE + rb')* t="s"(?:' + _ATTRIBUTE +
                          rb')*>)<v>([0-9]+)</v>')  # groups: the start tag, the index
_DECLARATION = re.compile(rb"<\?xml[ \t\r\n][^<>]*\?>")
_ENCODING = re.compile(rb"""encoding[ \t\r\n]*=[ \t\r\n]*["']([^"']*)["']""")
_BOM = b"\xef\xbb\xbf"
_NO_ROWS = re.compile(rb"<sheetData[ \t\r\n]*/>|</sheetData")  # no row before this


class Entry(NamedTuple):
    """What a good row's slice stood for last time: all validate() needs of it."""

    row: int
    digest: bytes  # validate.row_digest of its raw values
    year: int  # the year of its Waktu Lapor
    number: str  # its No. Laporan, parsed


@dataclass(frozen=True)
class Reused:
    """A stored row not parsed: its slice is the one of a good row of last time."""

    row: int
    entry: Entry
    slice: bytes  # the slice's handle (what `RowCache.keep` records of it)


SheetItem = tuple[int, Cells, bytes | None] | tuple[int, Cells] | Reused | BeyondLastRow


@dataclass
class RowCache:
    """The slices of last time (`entries`, filtered to the known good rows) and this
    version's, being recorded (`keep`, then `dump`)."""

    rules: str
    context: bytes = b""
    strings: bytes = b""
    entries: dict[bytes, int] = field(default_factory=dict)  # slice key → offset in blob
    blob: bytes = b""  # the stored entries (decoded one by one: memory stays small)
    raw: dict[bytes, int] = field(default_factory=dict)  # slice bytes' digest → offset
    prefix: bytes | None = None  # this sheet's namespaces and declaration; None: not plain
    new_strings: bytes = b""
    new_context: bytes = b""
    changed: set[int] = field(default_factory=set)  # shared string indices not as before
    first_changed: int = NOTHING_CHANGED  # the lowest of them
    ready: bool = False  # the header is known (reuse may start, if `enabled`)
    enabled: bool = False
    reused: int = 0  # rows not parsed in this reading
    kept: bytearray = field(default_factory=lambda: bytearray(_MAGIC))

    @classmethod
    def load(cls, rules: str, context: bytes, strings: bytes, blob: bytes | memoryview,
             known_good: set[bytes] | frozenset[bytes]) -> RowCache:
        """A cache from its stored form, keeping only the rows known to be good."""
        entries: dict[bytes, int] = {}
        raw: dict[bytes, int] = {}
        at, size = len(_MAGIC), _RECORD.size
        if bytes(blob[:at]) != _MAGIC:
            return cls(rules)  # another release's format
        while at + size <= len(blob):
            plain, key, digest, *_numbers, length = _RECORD.unpack_from(blob, at)
            if digest in known_good:
                entries[key] = at
                if plain != key:  # a slice with shared-string cells
                    raw[plain] = at
            at += size + length
        return cls(rules, context, strings, entries, bytes(blob), raw)

    def entry(self, key: bytes) -> Entry | None:
        """The stored entry of a slice key, or None."""
        at = self.entries.get(key)
        return None if at is None else self._entry(at)[0]

    def _entry(self, at: int) -> tuple[Entry, bytes, bytes, int, int, int]:
        """The entry stored at `at`, its digest, key, top, top of its other values, end."""
        raw, key, digest, row, top, other, year, length = _RECORD.unpack_from(self.blob, at)
        start = at + _RECORD.size
        return Entry(row, digest, year, self.blob[start:start + length].decode(
            "utf-8", "surrogatepass")), raw, key, top, other, start + length

    def dump(self) -> tuple[bytes, bytes, bytes | memoryview]:
        """(context, shared string digests, entries) to store; an empty context when this
        version could not be cached (its sheet is not plain)."""
        if not self.new_context:
            return b"", b"", b""
        return self.new_context, self.new_strings, memoryview(self.kept)  # not copied

    def begin(self, strings: list[Any], prefix: bytes) -> None:
        """A plain sheet starts: note its namespaces and digest its shared strings."""
        self.prefix = prefix
        self.new_strings = b"".join(_string_digest(s) for s in strings)

    def enable(self, sheet: str, header_row: int, columns: dict[str, int], epoch: datetime,
               date_formats: set[int], timedelta_formats: set[int]) -> None:
        """The header is known: fix the context, and reuse slices if it is last time's."""
        self.ready = True
        if self.prefix is None:
            return
        text = json.dumps([CACHE_VERSION, __version__, self.rules, sheet, header_row,
                           sorted(columns.items()), self.prefix.hex(), epoch.isoformat(),
                           sorted(date_formats), sorted(timedelta_formats)],
                          ensure_ascii=False)
        self.new_context = hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                                           digest_size=16).digest()
        self.enabled = bool(self.entries) and self.new_context == self.context
        if self.enabled:
            self.changed = _changed_indices(self.strings, self.new_strings)
            self.first_changed = min(self.changed, default=NOTHING_CHANGED)

    def key(self, piece: bytes) -> tuple[bytes, bytes] | None:
        """A plain slice's key and its bytes as keyed (None: not to be cached).

        The key is the digest of the slice's bytes, except that the index of each
        shared-string cell written as `<c … t="s" …><v>N</v>` is replaced by the digest
        of string N: the bytes say `<v>#</v>` and the string digests follow, in order.
        """
        found = self._key(piece)
        return None if found is None else found[:2]

    def _key(self, piece: bytes, raw: bytes | None = None
             ) -> tuple[bytes, bytes, int] | None:
        """`key`, and the top of the shared-string cells' indices (1 + the largest, 0:
        none); `raw`: the digest of the slice's bytes, when known."""
        if b"#" in piece and b"<v>#" in piece:
            return None  # could be mistaken for a replaced index
        if b't="s"' not in piece:
            return raw or hashlib.blake2b(piece, digest_size=16).digest(), piece, 0
        parts = _SHARED_CELL.split(piece)  # text, cell start tag, index, text, …
        if len(parts) == 1:
            return raw or hashlib.blake2b(piece, digest_size=16).digest(), piece, 0
        strings, size = self.new_strings, STRING_DIGEST
        indices = [int(index) for index in parts[2::3]]
        top = max(indices) + 1
        if top * size > len(strings):
            return None  # a string the table lacks: the parser says what is wrong
        parts[2::3] = [b"<v>#</v>"] * len(indices)
        keyed = b"".join(parts)
        names = b"".join([strings[i * size:(i + 1) * size] for i in indices])
        return hashlib.blake2b(keyed + names, digest_size=16).digest(), keyed, top

    def match(self, piece: bytes, row: int) -> tuple[Entry | None, bytes | None]:
        """A plain slice's entry when it need not be parsed (else None), and its handle:
        what `keep` records of it (None: not to be cached).

        First by the digest of its bytes: the same bytes as a good row of last time name
        the same shared strings if none of the indices they may name (below its top)
        changed. Else by its key, which names shared strings by content; its other <v>
        values must not name a changed string (`_may_name`, unless their top says so).
        """
        raw = hashlib.blake2b(piece, digest_size=16).digest()
        if self.raw and self.enabled and (at := self.raw.get(raw)) is not None:
            # the same bytes: the same row number (r="N" is in them) and cells
            entry, _raw, key, top, other, end = self._entry(at)
            if top <= self.first_changed:
                self.reused += 1
                return entry, _SAME.pack(at, end)
        if b't="s"' not in piece and b"#" not in piece:  # no shared string: key = digest
            key, keyed, top = raw, piece, 0
        else:
            found = self._key(piece, raw)
            if found is None:
                return None, None
            key, keyed, top = found
        if self.enabled and (at := self.entries.get(key)) is not None:
            entry, last_raw, _key, last_top, other, end = self._entry(at)
            if entry.row == row and 1 <= row <= EXCEL_MAX_ROW and (
                    other <= self.first_changed or not _may_name(keyed, self.changed)):
                self.reused += 1
                top = max(top, other)
                if raw == last_raw and top == last_top:
                    return entry, _SAME.pack(at, end)
                return entry, raw + key + _TOPS.pack(top, other)
        other = _top_of_values(keyed) if self.new_strings else ANY
        return None, raw + key + _TOPS.pack(max(top, other), other)

    def keep(self, handle: bytes, digest: bytes, row: int, year: int, number: str) -> None:
        """Record a good row's slice (its handle from `match`) for next time."""
        if not self.new_context or not 0 <= year <= 0xFFFF or row > 0xFFFFFFFF:
            return
        if len(handle) == _SAME.size:  # a reused row: its record of last time, as it is
            start, end = _SAME.unpack(handle)
            self.kept += self.blob[start:end]
            return
        text = number.encode("utf-8", "surrogatepass")
        if len(text) > 0xFFFF:
            return
        top, other = _TOPS.unpack_from(handle, 32)
        self.kept += _RECORD.pack(handle[:16], handle[16:32], digest, row, top, other, year,
                                  len(text))
        self.kept += text


def _string_digest(value: Any) -> bytes:
    """A shared string's digest (its value as the reader gives it)."""
    text = value if isinstance(value, str) else repr(value)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"),
                           digest_size=STRING_DIGEST).digest()


def _changed_indices(old: bytes, new: bytes) -> set[int]:
    """Indices whose shared string differs between two digest lists (or exists in one)."""
    if old == new:
        return set()
    size = STRING_DIGEST
    shorter, longer = sorted((len(old) // size, len(new) // size))
    changed = {i for i in range(shorter)
               if old[i * size:(i + 1) * size] != new[i * size:(i + 1) * size]}
    changed.update(range(shorter, longer))
    return changed


def _may_name(piece: bytes, changed: set[int]) -> bool:
    """True when a slice's <v> values may name one of the `changed` shared strings.

    Any value int() would read is taken for an index (numbers too: conservative); a value
    with a character reference, or a <v> this test cannot delimit, counts as naming one.
    """
    piece = piece.replace(b"<v>#</v>", b"")  # shared-string cells keyed by content
    found = _VALUE.findall(piece)
    if len(found) != piece.count(b"<v"):
        return True  # a <v> with attributes, children or none: not delimited here
    for text in found:
        if text.isdigit():
            if int(text) in changed:
                return True
            continue
        if b"&" in text:
            return True  # a character reference (`4&#57;` is 49): before the '#' test
        if b"#" in text or b"." in text or b"e" in text or b"E" in text:
            continue  # an error value (#N/A), or a number int() refuses (1.5, 1E3)
        try:
            index = int(text.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue  # not an index: a t="s" cell with it cannot have been read
        if index < 0 or index in changed:
            return True
    return False


def _top_of_values(keyed: bytes) -> int:
    """1 + the largest index a keyed slice's other <v> values may name (0: none; ANY:
    any), by `_may_name`'s reading: when it is at most the lowest changed index, none of
    them names a changed string."""
    piece = keyed.replace(b"<v>#</v>", b"")
    found = _VALUE.findall(piece)
    if len(found) != piece.count(b"<v"):
        return ANY
    top = 0
    for text in found:
        if text.isdigit():
            top = max(top, int(text) + 1)
            continue
        if b"&" in text:
            return ANY
        if b"#" in text or b"." in text or b"e" in text or b"E" in text:
            continue
        try:
            index = int(text.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if index < 0:
            return ANY
        top = max(top, index + 1)
    return min(top, ANY)


def prefix_context(prefix: bytes) -> bytes | None:
    """What rows depend on in the bytes before the first row (the XML declaration and the
    namespaces in scope in <sheetData>), or None when they are not plain."""
    head = prefix[len(_BOM):] if prefix.startswith(_BOM) else prefix
    declaration = b""
    if head.startswith(b"<?"):
        match = _DECLARATION.match(head)
        if match is None:
            return None
        declaration = match.group()
        encoding = _ENCODING.search(declaration)
        if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            return None
        head = head[match.end():]
    if b"<!" in head or b"<?" in head:
        return None
    parser = etree.XMLPullParser(events=("start", "end"), **PARSER_OPTIONS)
    try:
        parser.feed(prefix)
        events = list(parser.read_events())
    except etree.XMLSyntaxError:
        return None
    stack: list[Any] = []
    for event, element in events:
        if event == "start":
            stack.append(element)
        elif stack:
            stack.pop()
    if [element.tag for element in stack] != [WORKSHEET_TAG, DATA_TAG]:
        return None
    names = stack[-1].nsmap
    if names.get(None) != SHEET_MAIN_NS or any(
            uri == SHEET_MAIN_NS for name, uri in names.items() if name is not None):
        return None
    spaces = json.dumps(sorted((name or "", uri) for name, uri in names.items()))
    return declaration + b"\n" + spaces.encode("utf-8", "surrogatepass")


class _Feeder:
    """The pull parser fed everything but the reused slices, and the rows it gives."""

    def __init__(self, sheet: _Sheet) -> None:
        self.parser = etree.XMLPullParser(events=("end",), tag=(ROW_TAG, DATA_TAG),
                                          **PARSER_OPTIONS)
        self.sheet = sheet
        self.number = 0  # the last row's number (a row without r is the next one)
        self.pieces: list[bytes] = []
        self.size = 0
        self.slices: list[bytes | None] = []  # each plain slice fed: its handle
        self.exact = True  # every row event so far came from a plain slice
        self.done = False

    def add(self, data: bytes, handle: bytes | None = None, plain: bool = False) -> None:
        """Bytes to feed: one plain slice (with its glue) or anything else."""
        self.pieces.append(data)
        self.size += len(data)
        if plain:
            self.slices.append(handle)

    def stop_matching(self) -> None:
        """From now on rows are not matched to slices (nothing more is cached)."""
        self.exact = False

    def flush(self) -> Iterator[SheetItem]:
        """Feed what waits and yield its rows; a parse error after the rows before it."""
        if not self.pieces:
            return
        data = b"".join(self.pieces)
        self.pieces, self.size = [], 0
        error: etree.XMLSyntaxError | None = None
        try:
            self.parser.feed(data)
        except etree.XMLSyntaxError as exc:
            error = exc
        yield from self._rows(list(self.parser.read_events()))
        if error is not None:
            raise error

    def close(self) -> Iterator[SheetItem]:
        """The end of the part: the parser's last rows, or its error."""
        yield from self.flush()
        if not self.done:
            self.parser.close()
            yield from self._rows(list(self.parser.read_events()))

    def _rows(self, events: list[tuple[str, Any]]) -> Iterator[SheetItem]:
        """The rows of parsed events, numbered as `stored_rows` numbers them."""
        slices, self.slices = self.slices, []
        count = sum(1 for _, element in events if element.tag == ROW_TAG)
        if not self.exact or count != len(slices):
            self.exact, slices = False, []
        for index, (_event, row) in enumerate(events):
            if self.done:
                return
            if row.tag == DATA_TAG:
                self.done = True
                return
            text = row.get("r")
            self.number = self.number + 1 if text is None else _row_number(text)
            if self.number < 1:
                raise ValueError(f"row number {self.number}")  # as stored_rows
            if self.number > EXCEL_MAX_ROW:
                self.done = True
                yield BeyondLastRow(self.number)
                return
            yield self.number, self.sheet.cells(row), slices[index] if slices else None
            row.clear()
            while row.getprevious() is not None:
                del row.getparent()[0]


_MORE, _ODD = "more", "odd"


@dataclass(slots=True)
class _Token:
    """The next thing in sheetData: a row slice or the end tag, with its span."""

    start: int
    end: int
    row: int = 0  # 0: the </sheetData> end tag
    empty: bool = False
    inner: int = 0  # where the row's content starts


def _next(buf: bytes, pos: int, eof: bool) -> _Token | str:
    """The token after whitespace at `pos`: a _Token, _MORE (read on) or _ODD."""
    at = _GLUE.match(buf, pos).end()  # type: ignore[union-attr]
    room = len(buf) - at
    if buf.startswith(b"<row", at):
        start = _ROW_START.match(buf, at)
        if start is None:
            return _MORE if not eof and room < 4096 else _ODD
        if start.group(2):
            return _Token(at, start.end(), int(start.group(1)), empty=True)
        close = buf.find(b"</row>", start.end())
        if close < 0:
            return _MORE if not eof else _ODD
        return _Token(at, close + 6, int(start.group(1)), inner=start.end())
    if buf.startswith(b"</sheetData", at):
        tail = _GLUE.match(buf, at + 11).end()  # type: ignore[union-attr]
        if tail < len(buf):
            return _Token(at, tail + 1) if buf[tail:tail + 1] == b">" else _ODD
        return _MORE if not eof else _ODD
    return _MORE if not eof and room < 16 else _ODD


def _odd(buf: bytes, token: _Token) -> bool:
    """True when a row slice holds what byte search cannot split around or reuse: a
    nested row, a comment or CDATA, a processing instruction, a namespace declaration."""
    start, end = token.start, token.end
    return (buf.find(b"<row", token.inner, end - 6) >= 0 or _after_lt(buf, 0x21, start, end)
            or _after_lt(buf, 0x3F, start, end) or buf.find(b"xmlns", start, end) >= 0)


def _after_lt(buf: bytes, char: int, start: int, end: int) -> bool:
    """True when `char` ('!' or '?') follows a '<' between start and end (found by
    the rare character, not by the frequent '<')."""
    at = buf.find(char, start, end)
    while at >= 0:
        if buf[at - 1] == 0x3C:
            return True
        at = buf.find(char, at + 1, end)
    return False


def _first_row(buf: bytes) -> int:
    """Where the first row start tag is, or -1."""
    at = buf.find(b"<row")
    while at >= 0 and buf[at + 4:at + 5] not in (b" ", b"\t", b"\r", b"\n", b">", b"/"):
        if at + 5 > len(buf):
            return -1
        at = buf.find(b"<row", at + 1)
    return at if at >= 0 and at + 5 <= len(buf) else -1


def cached_rows(ws: ReadOnlyWorksheet, cache: RowCache) -> Iterator[SheetItem]:
    """Each stored row as `stored_rows` gives it, with its slice digest (None: not to be
    cached), or `Reused` for a slice known from last time; then BeyondLastRow if any."""
    book = ws.parent
    sheet = _Sheet(ws._shared_strings, book.epoch, book._date_formats,
                   book._timedelta_formats)
    with ws._get_source() as source, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        buf, eof = b"", False
        while (at := _first_row(buf)) < 0 and not eof and len(buf) <= MAX_PREFIX \
                and not _NO_ROWS.search(buf):
            chunk = source.read(CHUNK)
            eof, buf = not chunk, buf + chunk
        prefix = prefix_context(buf[:at]) if at >= 0 else None
        if prefix is not None:
            cache.begin(ws._shared_strings, prefix)
            yield from _split(source, buf, at, eof, _Feeder(sheet), cache)
            return
    yield from stored_rows(ws)


def _split(source: Any, buf: bytes, pos: int, eof: bool, feeder: _Feeder,
           cache: RowCache) -> Iterator[SheetItem]:
    """Split sheetData into slices from `pos`; reuse the known ones, feed the rest."""
    feeder.add(buf[:pos])
    while not feeder.done:
        token = _next(buf, pos, eof)
        if token == _MORE and len(buf) - pos <= MAX_SLICE:
            chunk = source.read(CHUNK)
            eof, buf, pos = not chunk, buf[pos:] + chunk, 0
            continue
        if not isinstance(token, _Token):  # odd, or a slice too long: parse the rest
            yield from feeder.flush()
            feeder.stop_matching()
            yield from _feed_rest(source, buf[pos:], eof, feeder)
            return
        if not token.row:  # </sheetData>: the rest of the chunk read, as the parser of
            feeder.add(buf[pos:])  # `stored_rows` parses it (no more is read)
            yield from feeder.close()
            return
        piece = buf[token.start:token.end]
        # A known digest or key means last time's bytes (up to shared-string indices),
        # which passed every test below when they were recorded: only the context and
        # the shared strings are checked again.
        entry, handle = (None, None) if token.empty else cache.match(piece, token.row)
        if entry is not None and handle is not None:
            yield from feeder.flush()
            if feeder.done:
                return
            feeder.number = token.row
            yield Reused(token.row, entry, handle)
            pos = token.end
            continue
        if not token.empty and _odd(buf, token):
            yield from feeder.flush()
            feeder.stop_matching()
            yield from _feed_rest(source, buf[pos:], eof, feeder)
            return
        handle = handle if b"<f" not in piece else None
        feeder.add(buf[pos:token.end], handle, plain=True)
        pos = token.end
        if feeder.size >= FEED_BATCH or not cache.ready:  # the header search: row by row
            yield from feeder.flush()


def _feed_rest(source: Any, buf: bytes, eof: bool, feeder: _Feeder) -> Iterator[SheetItem]:
    """Everything from here to the end of sheetData goes to the parser as it is."""
    while True:
        feeder.add(buf)
        yield from feeder.flush()
        if feeder.done:
            return
        buf = b"" if eof else source.read(CHUNK)
        if not buf:
            yield from feeder.close()
            return
