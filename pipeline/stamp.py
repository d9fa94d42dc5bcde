"""Each letter carries its own record, so a lost state can be rebuilt from the outbox.

The record is written into the .docx as custom document properties (docProps/custom.xml,
shown by Word under File → Info → Properties → Advanced → Custom): a few readable ones
(Nomor Surat, No. Laporan, Versi) and `perda-surat`, the whole record as JSON.

Stamping costs one small XML part: the other zip entries are copied as they are
(already deflated), only [Content_Types].xml, _rels/.rels and the new part are written.

Edge cases handled:

- A template that already has custom properties (added in Word): they are kept; ours
  replace only properties of the same name.
- A letter without a stamp (made before stamping existed), or a damaged one: `read_stamp`
  returns None and the caller falls back to the Buku Agenda or the letter's text.
"""

from __future__ import annotations

import functools
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

CUSTOM_PART = "docProps/custom.xml"
RECORD_PROPERTY = "perda-surat"
CONTENT_TYPES, ROOT_RELS = "[Content_Types].xml", "_rels/.rels"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_REL_CUSTOM = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
               "custom-properties")
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one Word uses for custom properties
_LOCAL = struct.Struct("<4s5H3L2H")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_DESCRIPTOR_FLAG = 0x08


def _default_namespace(uri: str) -> None:
    """Serialise `uri` without a prefix (ElementTree keeps one global prefix map)."""
    ET.register_namespace("", uri)
    ET.register_namespace("vt", _VT_NS)


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def record_json(record: Mapping[str, object]) -> str:
    """A record as the JSON text stored in the letter."""
    return json.dumps(dict(record), ensure_ascii=False, sort_keys=True, default=_json_default)


def stamp(data: bytes, record: Mapping[str, object],
          shown: Mapping[str, str] | None = None) -> bytes:
    """The .docx `data` with `record` (and the readable `shown` properties) stamped in."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        old = archive.read(CUSTOM_PART) if CUSTOM_PART in names else None
        new: dict[str, _Raw | bytes] = {
            CUSTOM_PART: _custom_xml(old, _props(record, shown)),
            CONTENT_TYPES: _fixed(archive.read(CONTENT_TYPES), _with_override),
            ROOT_RELS: _fixed(archive.read(ROOT_RELS), _with_relationship)}
    entries: list[tuple[str, _Raw | bytes]] = [
        (info.filename, new.pop(info.filename) if info.filename in new else _raw(data, info))
        for info in infos]
    entries += [(name, xml) for name, xml in new.items()]
    return _zip(entries)


def stamped_parts(read: Callable[[str], bytes | None], record: Mapping[str, object],
                  shown: Mapping[str, str] | None = None) -> dict[str, bytes]:
    """The XML parts `stamp` writes (custom properties, content types, root relationships),
    for a package whose parts `read(name)` gives (None: absent) — for a writer that adds
    them while it writes the zip (engine.py) instead of re-zipping afterwards."""
    return {CUSTOM_PART: _custom_xml(read(CUSTOM_PART), _props(record, shown)),
            CONTENT_TYPES: _fixed_xml(read(CONTENT_TYPES) or b"", _with_override),
            ROOT_RELS: _fixed_xml(read(ROOT_RELS) or b"", _with_relationship)}


def _props(record: Mapping[str, object], shown: Mapping[str, str] | None) -> dict[str, str]:
    """The custom properties of a stamp, cleaned of characters XML does not allow."""
    return {name: _XML_INVALID.sub("", value)
            for name, value in {**(shown or {}), RECORD_PROPERTY: record_json(record)}.items()}


def read_stamp(source: Path | bytes) -> dict[str, object] | None:
    """The record stamped in a letter, or None (no stamp, not a .docx, damaged)."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as z:
            root = ET.fromstring(z.read(CUSTOM_PART))
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError, ValueError, EOFError):
        return None
    for prop in root.findall(f"{{{_CP_NS}}}property"):
        if prop.get("name") == RECORD_PROPERTY:
            try:
                found = json.loads("".join(prop.itertext()))
            except ValueError:
                return None
            return found if isinstance(found, dict) else None
    return None


@functools.lru_cache(maxsize=64)
def _fixed(xml: bytes, fix: Callable[[bytes], bytes]) -> _Raw:
    """A package part with `fix` applied, deflated; the same for every letter of a template."""
    return _fresh(_fixed_xml(xml, fix))


@functools.lru_cache(maxsize=64)
def _fixed_xml(xml: bytes, fix: Callable[[bytes], bytes]) -> bytes:
    """A package part with `fix` applied; the same for every letter of a template."""
    return fix(xml)


def _custom_xml(old: bytes | None, props: Mapping[str, str]) -> bytes:
    """docProps/custom.xml holding `props`, keeping other properties of an existing part."""
    if old is None:  # the usual case: written directly, without a parser
        body = "".join(f'<property fmtid="{_FMTID}" pid="{pid}" name={quoteattr(name)}>'
                       f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property>"
                       for pid, (name, value) in enumerate(props.items(), start=2))
        return (f"<?xml version='1.0' encoding='UTF-8'?>\n<Properties xmlns=\"{_CP_NS}\" "
                f'xmlns:vt="{_VT_NS}">{body}</Properties>').encode()
    _default_namespace(_CP_NS)
    root = ET.fromstring(old) if old else ET.Element(f"{{{_CP_NS}}}Properties")
    for prop in list(root):
        if prop.get("name") in props:
            root.remove(prop)
    for name, value in props.items():
        prop = ET.SubElement(root, f"{{{_CP_NS}}}property", fmtid=_FMTID, name=name)
        ET.SubElement(prop, f"{{{_VT_NS}}}lpwstr").text = value
    for pid, prop in enumerate(root, start=2):  # pids are unique, from 2
        prop.set("pid", str(pid))
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _with_override(xml: bytes) -> bytes:
    """[Content_Types].xml with the custom-properties part declared."""
    if b"/docProps/custom.xml" in xml:
        return xml
    _default_namespace(_CT_NS)
    root = ET.fromstring(xml)
    ET.SubElement(root, f"{{{_CT_NS}}}Override", PartName="/docProps/custom.xml",
                  ContentType=_CT_CUSTOM)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def _with_relationship(xml: bytes) -> bytes:
    """_rels/.rels with a relationship to the custom-properties part."""
    if _REL_CUSTOM.encode() in xml:
        return xml
    _default_namespace(_REL_NS)
    root = ET.fromstring(xml)
    ids = {rel.get("Id") for rel in root}
    number = next(n for n in range(len(ids) + 100, 10**6) if f"rId{n}" not in ids)
    ET.SubElement(root, f"{{{_REL_NS}}}Relationship", Id=f"rId{number}", Type=_REL_CUSTOM,
                  Target="docProps/custom.xml")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


class _Raw:
    """One zip entry as stored: its method, flags, time, CRC, sizes and stored bytes."""

    def __init__(self, info: zipfile.ZipInfo, data: bytes) -> None:
        self.method, self.flags = info.compress_type, info.flag_bits & ~_DESCRIPTOR_FLAG
        self.time, self.date = _dos(info.date_time)
        self.crc, self.size, self.data = info.CRC, info.file_size, data


def _raw(data: bytes, info: zipfile.ZipInfo) -> _Raw:
    """An entry's stored (still compressed) bytes, read from its local header."""
    fields = _LOCAL.unpack_from(data, info.header_offset)
    start = info.header_offset + _LOCAL.size + fields[9] + fields[10]
    return _Raw(info, data[start:start + info.compress_size])


def _dos(stamp_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    """A zip entry time as MS-DOS (time, date)."""
    y, mo, d, h, mi, s = stamp_time
    return h << 11 | mi << 5 | s // 2, max(y - 1980, 0) << 9 | mo << 5 | d


def _fresh(xml: bytes) -> _Raw:
    """A new entry: deflated as zipfile does, dated now."""
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    info = zipfile.ZipInfo(date_time=datetime.now().timetuple()[:6])
    info.compress_type, info.CRC, info.file_size = zipfile.ZIP_DEFLATED, zlib.crc32(xml), len(xml)
    return _Raw(info, packer.compress(xml) + packer.flush())


def _zip(entries: list[tuple[str, _Raw | bytes]]) -> bytes:
    """A zip archive of stored entries (copied) and new XML parts (deflated)."""
    out, central = bytearray(), bytearray()
    for name, entry in entries:
        raw = entry if isinstance(entry, _Raw) else _fresh(entry)
        encoded = name.encode("utf-8" if raw.flags & 0x800 else "cp437")
        fields = (20, raw.flags, raw.method, raw.time, raw.date, raw.crc, len(raw.data),
                  raw.size, len(encoded))
        central += struct.pack("<4s2H2H2H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0,
                               0o600 << 16, len(out)) + encoded
        out += _LOCAL.pack(b"PK\x03\x04", *fields, 0) + encoded + raw.data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(out), 0)
    return bytes(out + central + end)
