"""A letter's body without the XML round trip, where a template is proven to allow it.

docxtpl parses every rendered body with lxml (to mend table grids and renumber drawing
ids) and python-docx serialises it again: about half of a letter's time. For most
templates that round trip changes the rendered text in a few known ways only, and this
module does those by string operations, the bytes staying docxtpl's:

- the body's start tag loses the namespace declarations its document already makes,
  inside the document's own start tag and XML declaration (`head`, `tail`: taken from a
  real round trip when the template is compiled);
- table grids are mended and drawing ids renumbered in the template's source, once
  (a grid that depends on which rows a letter has: per letter, see below);
- an element left empty (`<w:t></w:t>`) is written self-closed (`<w:t/>`): in the
  static text once, and per letter only where a value or branch follows a start tag
  (a mark put there when the template is compiled), not by a search of the whole text;
- the character references of printed values (`&#34;`, `&#39;`, `&#123;`, `&#125;`)
  become the characters lxml writes.

`prepare` proves, from the Jinja syntax tree of the patched body, that this is all the
round trip can change, whatever the values:

- the static text is XML as lxml writes it (double-quoted attributes, only `&amp;`,
  `&lt;`, `&gt;` in text, no comments, CDATA, processing instructions, or namespace
  declarations below the body);
- every printed value stands in text, never inside a tag;
- every `{% if %}` branch and `{% for %}` body leaves the open elements as it found them
  (so any choice or repetition of them is well-formed);
- no tag, column span or grid of a table lies inside a branch that starts in that
  table, except whole rows (holding whole tables or not); no drawing id lies inside any
  branch;
- a table's measure (most cells, widest row, counting its inner tables' rows as
  docxtpl's `fix_tables` does) is that of its rows in every letter, M. A row inside a
  branch started in the table may exceed M only if it is the table's own row and the
  table lies in no branch (its grid is in each letter once), or if it is an inner
  table's row lying in such an own row that is at least as large (whenever it is
  there, so is that row). Such a table's grid is then replaced by a mark and its rows
  exceeding M marked (`<?g0?>`, `<?r0.1?>`: no static text or escaped value holds
  `<?`, so autoescaping is required); per letter the grid is mended for the marked rows
  present and the marks dropped (`_Grid.choose`). Every other grid, in or outside
  branches, is mended once in the source: each repetition is the same text.

Per letter, `FastBody.render` returns None (the caller then takes the round trip) when a
value is markup it did not escape itself, or when the text holds what docxtpl's
`resolve_listing` rewrites (newlines, tabs). Anything else a template holds makes
`prepare` return None: that template keeps the round trip. tests/test_fastbody.py
compares both ways with docxtpl on hostile text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jinja2
import jinja2.nodes as jnodes
from lxml import etree
from markupsafe import Markup

log = logging.getLogger("pipeline.fastbody")
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
_LISTING_CHARS = ("\n", "\t", "\a", "\f")  # what docxtpl's resolve_listing rewrites
# Tags as lxml writes them: a name, double-quoted attributes without '<', then '>' or '/>'.
_TAG = re.compile(r'<(/?)([A-Za-z_][\w.-]*(?::[\w.-]+)?)((?: [\w.:-]+="[^"<]*")*)(/?)>')
_ATTR = re.compile(r' ([\w.:-]+)="([^"<]*)"')
_TEXT_OK = re.compile(r"(?:[^<>&\r]|&amp;|&lt;|&gt;)*")
_ATTRS_OK = re.compile(r'(?: [\w.:-]+="(?:[^<>&"\r\n\t]|&amp;|&lt;|&gt;|&quot;'
                       r'|&#10;|&#9;|&#13;)*")*')
_START_THEN_END = re.compile(r"<(?!/)([^<>]*+)></")  # a start tag, then some end tag
_ENDS_WITH_START = re.compile(r"<(?![/?])[^<>]*(?<!/)>\Z")  # a text ending with a start tag
_MARK = "\x01"  # after a start tag that ends a static text (XML text never holds it)
# What markup a template passes through unescaped may not hold to be written as it is.
_NOT_TEXT = re.compile("[<>&{}\r\n\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_REFS = (("&#34;", '"'), ("&#39;", "'"), ("&#123;", "{"), ("&#125;", "}"))
CHECKS = 3  # a template's first letters in each process are also made the slow way, compared
_ROW_START = re.compile(r"<w:tr[ />]")
_TABLE_TAGS = ("w:tbl", "w:tr", "w:tc", "w:tcPr", "w:gridSpan", "w:tblGrid", "w:gridCol")


class NotProven(Exception):
    """The template holds something this module does not prove safe (round trip kept)."""


class _Plain(Exception):
    """A printed value is markup this module did not escape (this letter: round trip)."""


@dataclass
class _Row:
    """A table row as docxtpl's `fix_tables` counts it."""

    at: tuple[int, int]  # (static piece, which `<w:tr` of it) of its start tag
    cells: int = 0
    width: int = 0
    mark: str = ""  # set where its presence decides its table's grid


@dataclass
class _Table:
    """What the walk learned of one table: its grid's place in the source and its rows
    (its own and its inner tables', as docxtpl counts them)."""

    depth: int  # branch depth where the table starts
    grid: str = ""  # its <w:tblGrid>…</w:tblGrid> as in the source
    grid_at: tuple[int, int] | None = None  # (static piece, offset) of the grid's start
    sure: list[_Row] = field(default_factory=list)  # rows as often as the table itself
    own: list[_Row] = field(default_factory=list)  # its own rows inside a branch
    # inner tables' rows inside a branch, each with the row of this table it lies in
    inner: list[tuple[_Row, _Row]] = field(default_factory=list)
    mark: str = ""  # set where its grid is chosen per letter (see `_Grid`)


@dataclass
class _Element:
    """An open element during the walk."""

    name: str
    depth: int  # branch depth where it was opened
    table: _Table | None = None
    row: _Row | None = None
    first_pr: bool = True  # a cell: its first tcPr not seen yet
    span_seen: bool = False  # a tcPr: its first gridSpan seen


class _Walk:
    """The static XML of a template walked along its Jinja syntax tree."""

    def __init__(self, wp_prefixes: set[str]) -> None:
        self.stack: list[_Element] = []
        self.depth = 0  # how many branches enclose the current position
        self.tables: list[_Table] = []  # in source order
        self.docpr = 0  # drawing ids seen (none in a branch)
        self.wp = wp_prefixes
        self.piece = -1  # which static text is being walked
        self.text = ""
        self.datas: list[jnodes.TemplateData] = []  # the static texts, in walk order
        self.rows_here = 0  # `<w:tr` start tags seen in this static text

    def nodes(self, body: list[jnodes.Node]) -> None:
        """Walk a list of statements."""
        for node in body:
            if isinstance(node, jnodes.Output):
                for child in node.nodes:
                    if isinstance(child, jnodes.TemplateData):
                        self.datas.append(child)
                        self.data(child.data)
                    else:
                        self.value()
            elif isinstance(node, jnodes.If):
                self.branches([node.body, *(e.body for e in node.elif_), node.else_])
            elif isinstance(node, jnodes.For):
                self.branches([node.body, node.else_])
            elif not isinstance(node, jnodes.Assign):
                raise NotProven(type(node).__name__)

    def branches(self, bodies: list[list[jnodes.Node]]) -> None:
        """Each branch must leave the open elements as it found them."""
        before = [e.name for e in self.stack]
        self.depth += 1
        for body in bodies:
            self.nodes(body)
            if [e.name for e in self.stack] != before:
                raise NotProven("a branch does not close what it opens")
        self.depth -= 1

    def value(self) -> None:
        """A printed value: only in text, inside an element."""
        if not self.stack:
            raise NotProven("value outside the body")

    def data(self, text: str) -> None:
        """Static text: tags as lxml writes them, text as lxml escapes it."""
        text = _post(text)
        self.piece += 1
        self.text = text
        self.rows_here = 0
        pos = 0
        for match in _TAG.finditer(text):
            if not _TEXT_OK.fullmatch(text, pos, match.start()):
                raise NotProven("text not as lxml writes it")
            if match.start() > pos and not self.stack:
                raise NotProven("text outside the body")
            self.tag(match)
            pos = match.end()
        if not _TEXT_OK.fullmatch(text, pos):
            raise NotProven("text not as lxml writes it (or a value inside a tag)")

    def tag(self, match: re.Match[str]) -> None:
        """One start, end or empty tag."""
        closing, name, attrs, empty = match.groups()
        if "xmlns" in attrs and self._rebinds(attrs):
            raise NotProven("namespace of Word or of drawings declared below the body")
        if not _ATTRS_OK.fullmatch(attrs):
            raise NotProven("attribute not as lxml writes it")
        if closing:
            if attrs or empty or not self.stack or self.stack[-1].name != name:
                raise NotProven("end tag does not match")
            if self.stack[-1].depth != self.depth:
                raise NotProven("element closed in another branch")
            self.close(self.stack.pop(), match)
            return
        element = _Element(name, self.depth)
        self.open(element, dict(_ATTR.findall(attrs)), match)
        if empty:
            self.close(element, match)
        else:
            self.stack.append(element)

    def _rebinds(self, attrs: str) -> bool:
        """Whether a tag declares a default namespace, or the prefixes or namespaces the
        table and drawing-id rules read (other declarations are kept as they are)."""
        for name, value in _ATTR.findall(attrs):
            if name == "xmlns" or (name.startswith("xmlns:") and (
                    name[6:] == "w" or name[6:] in self.wp or value in (_W_NS, _WP_NS))):
                return True
        return False

    def open(self, element: _Element, attrs: dict[str, str], match: re.Match[str]) -> None:
        """Table bookkeeping for a start tag."""
        name = element.name
        prefix, _, local = name.rpartition(":")
        if local == "docPr" and prefix in self.wp:
            if self.depth or not match.group(3).startswith(' id="'):
                raise NotProven("drawing id in a branch")
            self.docpr += 1
        if name not in _TABLE_TAGS:
            return
        parent = self.stack[-1] if self.stack else None
        if name == "w:tbl":
            element.table = _Table(self.depth)
            self.tables.append(element.table)
        elif name == "w:tr":
            row = element.row = _Row((self.piece, self.rows_here))
            self.rows_here += 1
            for i, open_ in enumerate(self.stack):  # docxtpl counts inner tables' rows too
                if open_.table is None:
                    continue
                within = next((e.row for e in self.stack[i + 1:] if e.name == "w:tr"), None)
                if self.depth == open_.table.depth:
                    open_.table.sure.append(row)
                elif within is None:
                    open_.table.own.append(row)
                else:
                    open_.table.inner.append((row, within))
        elif parent is None or self.depth != parent.depth:
            if name != "w:tblGrid":  # a grid is checked to lie in one static text
                raise NotProven("table structure in a branch")
        elif name == "w:tc" and parent.name == "w:tr" and parent.row is not None:
            parent.row.cells += 1
            parent.row.width += 1
            element.row = parent.row
        elif name == "w:tcPr" and parent.name == "w:tc" and parent.row is not None:
            element.first_pr, parent.first_pr = parent.first_pr, False
            element.row = parent.row
        elif name == "w:gridSpan" and parent.name == "w:tcPr" and parent.row is not None:
            self.span(parent, attrs.get("w:val"))
        if name == "w:tblGrid" and parent is not None and parent.table is not None:
            if parent.table.grid_at is None:
                parent.table.grid_at = (self.piece, match.start())

    def span(self, pr: _Element, value: str | None) -> None:
        """The first gridSpan of a cell's first tcPr widens its row."""
        if not pr.first_pr or pr.span_seen or pr.row is None:
            return
        pr.span_seen = True
        if value is None or not (value.isascii() and value.isdigit()):
            raise NotProven("column span not a number")
        pr.row.width += int(value) - 1

    def close(self, element: _Element, match: re.Match[str]) -> None:
        """Table bookkeeping for an end tag (or an empty tag): a grid's text."""
        if element.name != "w:tblGrid" or not self.stack or self.stack[-1].table is None:
            return
        table = self.stack[-1].table
        if table.grid_at is not None and not table.grid:
            piece, start = table.grid_at
            if piece != self.piece:
                raise NotProven("a value or a tag inside a table grid")
            table.grid = self.text[start:match.end()]


def unbroken(text: str) -> str:
    """docxtpl's first rewrite of a rendered part, `re.sub(r"\\n<w:p([ >])", r"<w:p\\1")`,
    without a regex template expanded for each of a letter's some sixty paragraphs."""
    return text.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")


def unescaped(text: str) -> str:
    """docxtpl's `{_{`, `}_}`, `{_%`, `%_}` unescaping of a rendered part."""
    return (text.replace("{_{", "{{").replace("}_}", "}}")
            .replace("{_%", "{%").replace("%_}", "%}"))


def _post(text: str) -> str:
    """docxtpl's text rewrites after rendering (engine._render_xml), on static text."""
    return unescaped(unbroken(text))


@dataclass
class _Grid:
    """A table's grid that depends on which of some rows in branches a letter has (the
    table itself is in none: its grid is in each letter once)."""

    mark: str  # where the grid is in the rendered text
    grid: str  # its text in the source
    measure: tuple[int, int]  # (most cells, widest) of the rows in every letter
    rows: tuple[tuple[str, int, int], ...]  # (mark, cells, width) of the others
    mended: dict[tuple[int, int], str] = field(default_factory=dict)

    def choose(self, xml: str) -> str | None:
        """`xml` with this grid mended for the rows it has, the marks gone (None: a mark
        is not where the template put it)."""
        if xml.count(self.mark) != 1:
            return None
        most, widest = self.measure
        for mark, cells, width in self.rows:
            if mark in xml:
                most, widest = max(most, cells), max(widest, width)
                xml = xml.replace(mark, "")
        text = self.mended.get((most, widest))
        if text is None:
            text = self.mended[most, widest] = _mended(self.grid, most, widest)
        return xml.replace(self.mark, text)


@dataclass
class FastBody:
    """A body template whose rendered text needs no XML round trip (see the module)."""

    template: jinja2.Template
    head: bytes  # XML declaration, document and body start tags
    tail: bytes  # body and document end tags
    grids: tuple[_Grid, ...] = ()  # grids chosen per letter
    checks: int = CHECKS  # letters still to compare with the round trip in this process
    off: bool = False  # a comparison differed: the round trip from now on

    def render(self, context: dict[str, Any], slow: Callable[[], bytes]) -> bytes:
        """word/document.xml for `context`; `slow()` (the round trip) where this letter
        needs it, or to check the first letters."""
        if self.off:
            return slow()
        try:
            data = self._render(context)
        except Exception:  # noqa: BLE001 - the round trip raises it as docxtpl does
            data = None
        if data is None:
            return slow()
        if self.checks > 0:
            self.checks -= 1
            expected = slow()
            if expected != data:
                log.error("Templat: jalur cepat berbeda dari docxtpl; jalur biasa dipakai.")
                self.off = True
                return expected
        return data

    def _render(self, context: dict[str, Any]) -> bytes | None:
        """The body without the round trip, or None when this letter needs it."""
        try:
            xml = self.template.render(context)
        except _Plain:
            return None
        for grid in self.grids:
            chosen = grid.choose(xml)
            if chosen is None:
                return None
            xml = chosen
        # docxtpl's '\n<w:p' line breaks are gone from the static text (`_marked`): a
        # value cannot print '<', so any newline left is a value's (resolve_listing's)
        if "{_" in xml or "_}" in xml:
            xml = unescaped(xml)
        if any(ch in xml for ch in _LISTING_CHARS):
            return None
        if "&#" in xml:
            for ref, char in _REFS:
                xml = xml.replace(ref, char)
            if "&#" in xml:
                return None
        return self.head + _joined(xml).encode("utf-8") + self.tail


def _joined(xml: str) -> str:
    """The rendered text without its marks (`_MARK`); an element left empty at a mark
    written self-closed, as lxml writes it (`<w:t/>`). Only there can an element be left
    empty: the static text has none (`_marked`)."""
    parts = xml.split(_MARK)
    out = [parts[0]]
    for part in parts[1:]:
        if part.startswith("</"):
            before = out[-1]  # ends with the start tag the mark was put after
            name = before[before.rindex("<") + 1:-1].split(" ", 1)[0]
            if part.startswith(name + ">", 2):
                out[-1] = before[:-1] + "/>"
                part = part[len(name) + 3:]
        out.append(part)
    return "".join(out)


def _marked(walk: _Walk) -> None:
    """The static texts without docxtpl's '\n<w:p' line breaks (removed from every letter
    anyway), with their empty elements self-closed, and a mark after each that ends with
    a start tag: what follows it (values, branches) may leave that element
    empty in a letter, and `_joined` then closes it there, without a search of the whole
    text."""
    for node in walk.datas:
        if _MARK in node.data:
            raise NotProven("a control character in the static text")
        node.data = _collapsed(unbroken(node.data))
        if _ENDS_WITH_START.search(node.data):
            node.data += _MARK


def _collapsed(xml: str) -> str:
    """Elements left empty written self-closed, as lxml writes them (`<w:t/>`). In this
    text '<' and '>' only ever delimit tags (text and attributes are escaped)."""
    out: list[str] = []
    pos = 0
    for match in _START_THEN_END.finditer(xml):
        inside = match.group(1)
        if inside.endswith("/"):  # an empty tag already, then its parent's end tag
            continue
        name = inside.split(" ", 1)[0]
        end = match.end() + len(name)
        if xml[match.end():end + 1] != name + ">":  # another element's end tag
            continue
        out += [xml[pos:match.start()], "<", inside, "/>"]
        pos = end + 1
    if not out:
        return xml
    out.append(xml[pos:])
    return "".join(out)


def prepare(source: str, jinja_env: jinja2.Environment,
            document: Callable[[str], bytes]) -> FastBody | None:
    """The fast form of a patched body `source` (engine._Part.source), or None when the
    template is not proven to allow it. `document(body_xml)` is the round trip itself
    (engine._document_xml), used once here for the start tags."""
    try:
        return _prepare(source, jinja_env, document)
    except NotProven as exc:
        log.debug("Jalur cepat tidak dipakai: %s", exc)
    except Exception:  # noqa: BLE001 - the fast path is optional; the round trip is not
        log.debug("Jalur cepat tidak dipakai", exc_info=True)
    return None


def _prepare(source: str, jinja_env: jinja2.Environment,
             document: Callable[[str], bytes]) -> FastBody:
    """`prepare`, raising NotProven."""
    start = _TAG.match(source)
    end = "</w:body>"
    if start is None or start.group(2) != "w:body" or start.group(1) or start.group(4) \
            or not source.endswith(end):
        raise NotProven("not a body")
    declared = dict(_ATTR.findall(start.group(3)))
    if declared.get("xmlns:w") != _W_NS or any(not k.startswith("xmlns:") for k in declared) \
            or list(declared.values()).count(_W_NS) != 1:
        raise NotProven("body start tag")
    wp = {k[6:] for k, v in declared.items() if v == _WP_NS}
    inner = source[start.end():-len(end)]
    walk = _Walk(wp)
    walk.stack.append(_Element("w:body", 0))
    tree = jinja_env.parse(inner)
    walk.nodes(tree.body)
    if [e.name for e in walk.stack] != ["w:body"]:
        raise NotProven("body not closed")
    grids = _fixed(walk, jinja_env.autoescape is True)
    _marked(walk)
    probe = document(start.group(0) + "<w:p/>" + end).decode("utf-8")
    head, tail = probe.split("<w:p/>")
    fast_env = jinja_env.overlay(finalize=_strict(jinja_env.finalize))
    return FastBody(fast_env.from_string(tree), head.encode("utf-8"), tail.encode("utf-8"),
                    tuple(grids))


def _strict(finalize: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """The environment's finalize, refusing markup it did not escape itself."""
    def strict(value: Any) -> Any:
        if isinstance(value, Markup) and _NOT_TEXT.search(value):
            raise _Plain
        return finalize(value) if finalize is not None else value
    return strict


def _fixed(walk: _Walk, autoescape: bool) -> list[_Grid]:
    """The walked static texts with their tables' grids mended and drawing ids renumbered,
    as docxtpl does to every letter, where that is the same for all letters; a grid that
    depends on which rows a letter has is replaced by a mark (returned: chosen per letter)
    and those rows are marked."""
    sites: dict[int, list[tuple[int, int, str]]] = {}  # piece: (start, end, new text)
    searched: dict[int, int] = {}  # piece: where its next grid is looked for
    grids: list[_Grid] = []
    for table in walk.tables:  # grids in source order
        if not table.grid or table.grid_at is None:
            raise NotProven("table without a grid")
        most, widest = _measure(table.sure)
        if any(r.cells > max(most, o.cells) or r.width > max(widest, o.width)
               for r, o in table.inner):
            raise NotProven("a row of an inner table in a branch changes the table's measure")
        deciding = [r for r in table.own if r.cells > most or r.width > widest]
        if deciding and (table.depth or not autoescape):
            raise NotProven("a row in a branch changes the measure of a table in a branch")
        piece = table.grid_at[0]
        data = walk.datas[piece].data
        found = data.find(table.grid, searched.get(piece, 0))
        if found < 0:
            raise NotProven("grid not found in the source")
        searched[piece] = found + len(table.grid)
        for n, row in enumerate(deciding):  # marked where its start tag is
            row.mark = f"<?r{len(grids)}.{n}?>"
            tags = list(_ROW_START.finditer(walk.datas[row.at[0]].data))
            if len(tags) <= row.at[1]:
                raise NotProven("row not where the walk saw it")
            at = tags[row.at[1]].start()
            sites.setdefault(row.at[0], []).append((at, at, row.mark))
        if deciding:
            table.mark = f"<?g{len(grids)}?>"
            grids.append(_Grid(table.mark, table.grid, (most, widest),
                               tuple((r.mark, r.cells, r.width) for r in deciding)))
        text = table.mark or _mended(table.grid, most, widest)
        sites.setdefault(piece, []).append((found, found + len(table.grid), text))
    for piece, edits in sites.items():
        node = walk.datas[piece]
        out, pos = [], 0
        for begin, stop, text in sorted(edits):
            out += [node.data[pos:begin], text]
            pos = stop
        node.data = "".join(out) + node.data[pos:]
    ids = iter(range(1001, 1001 + walk.docpr))
    prefixes = "|".join(re.escape(p) for p in sorted(walk.wp)) or "(?!)"
    docpr = re.compile(rf'(<(?:{prefixes}):docPr id=")[^"]*"')
    count = 0
    for node in walk.datas:
        node.data, n = docpr.subn(lambda m: f'{m.group(1)}{next(ids)}"', node.data)
        count += n
    if count != walk.docpr:
        raise NotProven("drawing ids not where the walk saw them")
    return grids


def _measure(rows: list[_Row]) -> tuple[int, int]:
    """(most cells in a row, widest row), as engine._measure counts them."""
    return (max((r.cells for r in rows), default=0), max((r.width for r in rows), default=0))


def _mended(grid_xml: str, most_cells: int, widest: int) -> str:
    """A <w:tblGrid> element's text after docxtpl's mending (engine._mend)."""
    from pipeline.engine import _mend  # the same arithmetic as the round trip

    wrapper = f'<w:x xmlns:w="{_W_NS}">{grid_xml}</w:x>'
    root = etree.fromstring(wrapper.encode("utf-8"))
    _mend(root[0], most_cells, widest)
    text = etree.tostring(root, encoding="unicode")
    return text[text.index(">") + 1:text.rindex("</w:x>")]
