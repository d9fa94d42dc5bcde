"""Compiled letter templates: what is the same for every letter is done once per process.

docxtpl, asked for one letter, re-reads the template package, re-patches its XML,
re-compiles it with Jinja, and re-serialises and re-deflates every part of the package.
Only `word/document.xml` (and a header or footer that holds tags) differs between
letters. A `Compiled` template therefore keeps, per template file and per process:

- the Jinja template of the body, compiled from docxtpl's own `patch_xml` output;
- the document element around the body (`<w:document>` without its `<w:body>`);
- every other zip entry as docxtpl would save it, already deflated, copied raw;
- compiled templates of the headers and footers that hold tags.

Per letter only the body is rendered and post-processed exactly as docxtpl does
(`render_xml_part`: `{_{` unescaping, `resolve_listing`; then `fix_tables` and
`fix_docpr_ids`), serialised as python-docx would, and deflated. The test
tests/test_engine.py checks that `word/document.xml` is byte for byte docxtpl's.

Edge cases handled:

- A template edited on disk (mtime or size changed, and bytes changed) is compiled again.
- A template whose core properties or footnotes hold tags is rendered by docxtpl itself
  (slow path, same result): those are rare, and docxtpl re-renders them with python-docx.
- Jinja errors carry `docx_context` (the text around the failing tag), as docxtpl's do.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import struct
import threading
import time
import traceback
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from docx.opc.oxml import parse_xml, serialize_part_xml
from docxtpl import DocxTemplate
from lxml import etree

from pipeline import fastbody
from pipeline import form as page_form
from pipeline import stamp as stamping
from pipeline.fastbody import FastBody
from pipeline.form import PageForm

DOCUMENT = "word/document.xml"
MEMO_MAX = 64  # rendered headers/footers kept per compiled template
# The body of each letter is deflated at level 1: five times faster than zlib's default
# and about 700 bytes more in a letter of some 40 KB; the XML inside is the same.
LETTER_LEVEL = 1
_TAG = re.compile(r"\{[{%#]")
_LISTING_CHARS = ("\n", "\t", "\a", "\f")  # what docxtpl's resolve_listing rewrites
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)  # as resolve_listing's
_PROPS = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_W_BODY = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}body"


@dataclass(frozen=True)
class _Part:
    """A tagged XML part (body, header, footer): its compiled template and source lines."""

    name: str  # zip member name
    source: str  # patched XML as given to Jinja (with docxtpl's '\n<w:p' line breaks)
    template: jinja2.Template | None
    encoding: str = "utf-8"
    names: tuple[str, ...] = ()  # the context variables it uses (headers: a memo key)


@dataclass(frozen=True)
class _Raw:
    """A zip entry copied as it is: its name, CRC, sizes and deflated bytes."""

    name: bytes
    crc: int
    size: int
    data: bytes  # deflated


@dataclass
class Compiled:
    """One template file, compiled; `render(context)` gives a finished .docx as bytes."""

    path: Path
    stat_key: tuple[int, int]
    digest: str
    body: _Part
    skeleton: Any  # the <w:document> element with an empty <w:body>
    parts: list[_Raw | _Part] = field(default_factory=list)  # zip order, body included
    fallback: bytes | None = None  # template bytes when docxtpl must render it itself
    fast: FastBody | None = None  # the body without the XML round trip (fastbody.py)
    plain: dict[str, bytes] = field(default_factory=dict)  # the parts a stamp rewrites
    # Rendered headers and footers by the values they use: most letters share a handful
    # (KONSEP or not, RAHASIA or not), so each is rendered and deflated once.
    _memo: dict[tuple[str, tuple[str, ...]], _Raw] = field(default_factory=dict)
    _fixed: dict[tuple[str, bytes], _Raw] = field(default_factory=dict)  # stamp parts

    def render(self, context: dict[str, Any], jinja_env: jinja2.Environment,
               record: Mapping[str, object] | None = None,
               shown: Mapping[str, str] | None = None) -> bytes:
        """The letter for `context`, as docxtpl would write it; with a `record`, stamped
        as stamp.stamp would (the stamp's parts written with the zip, not re-zipped)."""
        if self.fallback is not None:
            data = _docxtpl_render(self.fallback, context, jinja_env)
            return data if record is None else stamping.stamp(data, record, shown)
        members: list[tuple[_Raw | _Part, bytes | None]] = []
        for p in self.parts:
            if isinstance(p, _Raw):
                members.append((p, None))
            elif p is self.body:
                members.append((p, self._render_part(p, context)))
            else:
                members.append((self._header(p, context), None))
        if record is not None:
            members = self._stamped(members, stamping.stamped_parts(self.plain.get, record,
                                                                    shown))
        return _zip(members)

    def _stamped(self, members: list[tuple[_Raw | _Part, bytes | None]],
                 parts: dict[str, bytes]) -> list[tuple[_Raw | _Part, bytes | None]]:
        """`members` with the stamp's parts in place (as stamp.stamp: rewritten parts where
        they were, the new custom properties last)."""
        out: list[tuple[_Raw | _Part, bytes | None]] = []
        for member, xml in members:
            name = member.name.decode("ascii") if isinstance(member, _Raw) else member.name
            out.append((self._part(name, parts.pop(name)), None) if name in parts
                       else (member, xml))
        return out + [(self._part(name, xml), None) for name, xml in parts.items()]

    def _part(self, name: str, xml: bytes) -> _Raw:
        """A stamp part deflated; the fixed ones (the same for every letter) once."""
        if name == stamping.CUSTOM_PART:
            return _deflate(name, xml)
        raw = self._fixed.get((name, xml))
        if raw is None:
            raw = self._fixed[(name, xml)] = _deflate(name, xml)
        return raw

    def _header(self, part: _Part, context: dict[str, Any]) -> _Raw:
        """A tagged header or footer, deflated, from the memo when its values were seen."""
        key = (part.name, tuple(repr(context.get(name)) for name in part.names))
        raw = self._memo.get(key)
        if raw is None:
            raw = _deflate(part.name, self._render_part(part, context))
            if len(self._memo) < MEMO_MAX:
                self._memo[key] = raw
        return raw

    def _render_part(self, part: _Part, context: dict[str, Any]) -> bytes:
        """One tagged part's XML bytes for `context` (the body without the XML round trip
        where fastbody proved it the same)."""
        if part is self.body:
            def slow() -> bytes:
                return _document_xml(self.skeleton, _render_xml(part, context))
            return slow() if self.fast is None else self.fast.render(context, slow)
        xml = _render_xml(part, context)
        return serialize_part_xml(parse_xml(xml.encode(part.encoding)))  # type: ignore[arg-type]


# ---------------------------------------------------------------- per letter


def _render_xml(part: _Part, context: dict[str, Any]) -> str:
    """docxtpl's `render_xml_part`, with the template compiled once."""
    assert part.template is not None
    try:
        xml = part.template.render(context)
    except jinja2.TemplateError as exc:
        _add_docx_context(exc, part.source)
        raise
    xml = fastbody.unescaped(fastbody.unbroken(xml))
    if any(ch in xml for ch in _LISTING_CHARS):  # else resolve_listing changes nothing
        xml = _PARAGRAPH.sub(_resolve_paragraph, xml)
    return xml


def _resolve_paragraph(match: re.Match[str]) -> str:
    """docxtpl's `resolve_listing` for one paragraph, skipped where it would change nothing."""
    text = match.group(0)
    if not any(ch in text for ch in _LISTING_CHARS):
        return text
    return DocxTemplate.resolve_listing(None, text)  # type: ignore[arg-type]


def _document_xml(skeleton: Any, body_xml: str) -> bytes:
    """word/document.xml: the rendered body, tables fixed, ids renumbered, in its document."""
    tree = _fixed_tables(body_xml)
    for number, elt in enumerate(tree.xpath("//wp:docPr", namespaces=_nsmap()), 1001):
        elt.attrib["id"] = str(number)
    root = copy.deepcopy(skeleton)
    root.replace(root.find(_W_BODY), tree)
    return serialize_part_xml(root)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XP = {"w": _W[1:-1]}
_SPANS = etree.XPath("w:tc/w:tcPr[1]/w:gridSpan[1]", namespaces=_XP)


def _fixed_tables(body_xml: str) -> Any:
    """docxtpl's `fix_tables` of the rendered body: the parsed tree, its tables' grids
    mended where a row has more or fewer columns than the grid declares.

    docxtpl measures every row cell by cell in Python, the most costly step of a letter.
    Here each table is measured once (`_measure`) and only a table that needs it is
    mended (`_mend`, docxtpl's arithmetic as it is). Anything unusual — XML that does
    not parse, a table without a grid, a span that is not a plain number — goes to
    docxtpl's own function, so the result is always docxtpl's.
    """
    try:  # as UTF-8 bytes with lxml's default parser: faster than docxtpl's recover=True
        # parser on a str, and the same tree for well-formed XML (docxtpl's for the rest)
        tree = etree.fromstring(body_xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        tree = None
    if tree is None or tree.nsmap.get("w") != _XP["w"]:
        return DocxTemplate.fix_tables(None, body_xml)  # type: ignore[arg-type]
    measured = [_measure(table) for table in tree.iter(_W + "tbl")]
    if any(m is None for m in measured):
        return DocxTemplate.fix_tables(None, body_xml)  # type: ignore[arg-type]
    for grid, most_cells, widest in measured:  # type: ignore[misc]
        _mend(grid, most_cells, widest)
    return tree


def _measure(table: Any) -> tuple[Any, int, int] | None:
    """A table's grid, its most cells in a row and its widest row (column spans counted),
    counted as docxtpl counts them (the rows of tables inside it included); None where
    docxtpl would fail or decide differently (left to docxtpl)."""
    grid = table.find(_W + "tblGrid")
    if grid is None:
        return None
    most_cells = widest = 0
    for row in table.iter(_W + "tr"):
        cells = len(row.findall(_W + "tc"))
        width = cells
        for span in _SPANS(row):
            value = span.get(_W + "val")
            if value is None or not (value.isascii() and value.isdigit()):
                return None
            width += int(value) - 1
        most_cells, widest = max(most_cells, cells), max(widest, width)
    return grid, most_cells, widest


def _mend(grid: Any, most_cells: int, widest: int) -> None:
    """docxtpl's `fix_tables` for one measured table: columns added for rows with more
    cells than the grid, then columns removed beyond the widest row (its arithmetic)."""
    ns = _W
    columns = grid.findall(ns + "gridCol")
    to_add = max(most_cells - len(columns), 0)
    if to_add > 0:
        width = 0.0
        for c in columns:
            if c.get(ns + "w") is not None:
                width += float(c.get(ns + "w"))
        if width > 0:
            old_average = width / len(columns)
            new_average = width / (len(columns) + to_add)
            for c in columns:
                c.set(ns + "w", str(int(float(c.get(ns + "w")) * new_average / old_average)))
            for _ in range(to_add):
                etree.SubElement(grid, ns + "gridCol", {ns + "w": str(int(new_average))})
    columns = grid.findall(ns + "gridCol")
    to_remove = len(columns) - widest
    if to_remove > 0:
        removed_width = 0.0
        for c in columns[-to_remove:]:
            removed_width += float(c.get(ns + "w"))
            grid.remove(c)
        columns_left = grid.findall(ns + "gridCol")
        extra_space = int(removed_width / len(columns_left)) if columns_left else 0
        for c in columns_left:
            c.set(ns + "w", str(int(float(c.get(ns + "w")) + extra_space)))


def _nsmap() -> dict[str, str]:
    import docx.oxml.ns

    return docx.oxml.ns.nsmap


def _add_docx_context(exc: jinja2.TemplateError, source: str) -> None:
    """Attach the text around the failing line, as docxtpl's `render_xml_part` does."""
    if hasattr(exc, "docx_context"):
        return
    lineno = getattr(exc, "lineno", None)
    if lineno is None:  # a runtime error: the line is in the traceback
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename == "<template>"]
        lineno = frames[-1].lineno if frames else None
    if lineno:
        start = max(lineno - 4, 0)
        exc.docx_context = [re.sub(r"<[^>]+>", "", line)  # type: ignore[attr-defined]
                            for line in source.splitlines()[start:start + 7]]


def _zip(members: Sequence[tuple[_Raw | _Part, bytes | None]]) -> bytes:
    """A zip archive of raw (already deflated) entries and freshly deflated XML parts."""
    date, clock = _dos_time()
    out, central = bytearray(), bytearray()
    for member, xml in members:
        raw = member if isinstance(member, _Raw) else _deflate(member.name, xml or b"",
                                                                 LETTER_LEVEL)
        fields = (20, 0, zipfile.ZIP_DEFLATED, clock, date, raw.crc, len(raw.data), raw.size,
                  len(raw.name))
        central += struct.pack("<4s2H2H2H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0,
                               0o600 << 16, len(out)) + raw.name
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + raw.name + raw.data
    count = len(members)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), len(out), 0)
    return bytes(out + central + end)


def _deflate(name: str, data: bytes, level: int = zlib.Z_DEFAULT_COMPRESSION) -> _Raw:
    """One entry deflated as zipfile does (raw deflate, default level unless told)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return _Raw(name.encode("ascii"), zlib.crc32(data), len(data),
                packer.compress(data) + packer.flush())


def _dos_time() -> tuple[int, int]:
    """Now as a zip (MS-DOS) date and time."""
    t = time.localtime()
    return ((t.tm_year - 1980) << 9 | t.tm_mon << 5 | t.tm_mday,
            t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2)


def _docxtpl_render(data: bytes, context: dict[str, Any], jinja_env: jinja2.Environment
                    ) -> bytes:
    """docxtpl's own render and save (the slow path, and the reference for tests)."""
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.render(context, jinja_env=jinja_env)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- once per template


def compile_template(path: Path, data: bytes, stat_key: tuple[int, int],
                     jinja_env: jinja2.Environment, form: PageForm | None = None) -> Compiled:
    """Compile a template package (bytes of a .docx) once; raise as docxtpl would.

    `form`: the configured page set-up and emblem, applied before compiling (None: the
    template as saved).
    """
    digest = hashlib.sha256(data).hexdigest()  # of the file as on disk
    tpl = DocxTemplate(io.BytesIO(data))
    tpl.render_init()
    if form is not None:
        page_form.apply(tpl.docx, form, page_form.emblem_bytes(form))
        if _needs_docxtpl(tpl):  # the slow path renders these bytes, so they carry the form
            saved = io.BytesIO()
            tpl.docx.save(saved)
            data = saved.getvalue()
    body = _compile(DOCUMENT, tpl.get_xml(), tpl, jinja_env)
    skeleton = parse_xml(serialize_part_xml(tpl.docx._element))  # type: ignore[arg-type]
    for child in skeleton.find(_W_BODY):
        child.getparent().remove(child)
    compiled = Compiled(path, stat_key, digest, body, skeleton)
    if _needs_docxtpl(tpl):
        compiled.fallback = data
        return compiled
    compiled.fast = fastbody.prepare(body.source, jinja_env,
                                     lambda xml: _document_xml(skeleton, xml))
    tagged = _tagged_headers_footers(tpl, jinja_env)
    compiled.parts = _package(tpl, body, tagged, compiled.plain)
    return compiled


def _compile(name: str, xml: str, tpl: DocxTemplate, jinja_env: jinja2.Environment,
             encoding: str = "utf-8") -> _Part:
    """Patch a part's XML as docxtpl does and compile it with Jinja."""
    source = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))
    try:
        template = jinja_env.from_string(source)
        names = tuple(sorted(jinja2.meta.find_undeclared_variables(jinja_env.parse(source))))
    except jinja2.TemplateError as exc:
        _add_docx_context(exc, source)
        raise
    return _Part(name, source, template, encoding, names)


def _needs_docxtpl(tpl: DocxTemplate) -> bool:
    """Whether core properties or footnotes hold tags (rendered by docxtpl itself then)."""
    props = tpl.docx.core_properties
    if any(_TAG.search(getattr(props, name) or "") for name in _PROPS):
        return True
    return any(part.content_type == _FOOTNOTES for part in tpl.docx.part.package.parts)


def _tagged_headers_footers(tpl: DocxTemplate, jinja_env: jinja2.Environment
                            ) -> dict[str, _Part]:
    """Compiled headers and footers that hold tags, by zip member name."""
    tagged: dict[str, _Part] = {}
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        for _, part in tpl.get_headers_footers(uri):
            xml = tpl.get_part_xml(part)
            patched = tpl.patch_xml(xml)
            if "{" in patched or any(ch in patched for ch in _LISTING_CHARS):
                name = part.partname.membername
                tagged[name] = _compile(name, xml, tpl, jinja_env,
                                        tpl.get_headers_footers_encoding(xml))
    return tagged


def _package(tpl: DocxTemplate, body: _Part, tagged: dict[str, _Part],
             plain: dict[str, bytes]) -> list[_Raw | _Part]:
    """Every zip entry as docxtpl's save writes it; tagged parts as placeholders. The
    parts a stamp rewrites are also kept, inflated, in `plain`."""
    tpl.render_properties({}, None)  # no tags (checked): only adds empty elements, as docxtpl
    saved = io.BytesIO()
    tpl.docx.save(saved)
    parts: list[_Raw | _Part] = []
    with zipfile.ZipFile(saved) as archive:
        for info in archive.infolist():
            if info.filename == DOCUMENT:
                parts.append(body)
            elif info.filename in tagged:
                parts.append(tagged[info.filename])
            else:
                parts.append(_deflate(info.filename, archive.read(info)))
            if info.filename in (stamping.CUSTOM_PART, stamping.CONTENT_TYPES,
                                 stamping.ROOT_RELS):
                plain[info.filename] = archive.read(info)
    return parts


# ---------------------------------------------------------------- the cache


class Engine:
    """Compiled templates of this process, by path and page form; recompiled when the
    file changes."""

    def __init__(self, jinja_env: jinja2.Environment) -> None:
        self.jinja_env = jinja_env
        self._cache: dict[tuple[Path, PageForm | None], Compiled] = {}
        self._lock = threading.Lock()
        self.compiles = 0  # how many times a template was compiled (tests, bench)
        self._batch = threading.local()  # per thread: templates looked at in this batch

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Within this block, each template file is looked at on disk once (a worker's
        list of letters: one stat per template, not one per letter)."""
        outer = getattr(self._batch, "seen", None)
        if outer is None:
            self._batch.seen = {}
        try:
            yield
        finally:
            if outer is None:
                self._batch.seen = None

    def get(self, path: Path, read: Any, form: PageForm | None = None) -> Compiled:
        """The compiled template at `path` with `form` applied; `read(path)` gives its
        bytes when needed."""
        seen: dict[tuple[Path, PageForm | None], Compiled] | None = getattr(
            self._batch, "seen", None)
        if seen is not None and (found := seen.get((path, form))) is not None:
            return found
        compiled = self._get(path, read, form)
        if seen is not None:
            seen[(path, form)] = compiled
        return compiled

    def _get(self, path: Path, read: Any, form: PageForm | None) -> Compiled:
        """`get` after a look at the file on disk."""
        st = path.stat()
        key = (st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._cache.get((path, form))
        if cached is not None and cached.stat_key == key:
            return cached
        data = read(path)
        if cached is not None and cached.digest == hashlib.sha256(data).hexdigest():
            cached.stat_key = key  # touched, not changed
            return cached
        compiled = compile_template(path, data, key, self.jinja_env, form)
        with self._lock:
            self._cache[(path, form)] = compiled
            self.compiles += 1
        return compiled

    def clear(self) -> None:
        """Forget every compiled template."""
        with self._lock:
            self._cache.clear()
