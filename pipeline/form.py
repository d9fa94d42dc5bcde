"""The page set-up and emblem from config.toml, applied to a template when it is compiled.

Every template follows `[halaman]` (paper, margins, body font and size) and shows the
`[kantor] lambang` file in its kop, whatever page set-up and picture the template file
itself was saved with. `pipeline.engine` applies a `PageForm` once per (template, form),
before compiling, so letters cost nothing extra.

The kop's picture is found by its name or description "lambang" (Word keeps both when a
clerk edits and re-saves the template), not by its media file name. Its bytes are
replaced by the configured file's (PNG, JPEG or GIF; the part is renamed when the type
changes) and its height follows the new picture's proportions at the same width.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.opc.packuri import PackURI
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from pipeline.config import PAPER_CM, Config

EMBLEM_NAME = "lambang"  # docPr name/descr of the kop's picture (tools/letterform.py)
IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif"}


@dataclass(frozen=True)
class PageForm:
    """Page set-up and emblem for every letter; small and hashable (a cache key)."""

    page: tuple[int, int]  # width, height in twips
    margins: tuple[int, int, int, int]  # top, right, bottom, left in twips
    font: str
    size: int  # half-points
    emblem: str | None = None  # the emblem file; None keeps the template's own picture
    emblem_key: tuple[int, int] = (0, 0)  # the file's mtime_ns and size: a new file recompiles


def twips(cm: float) -> int:
    """Centimetres in twentieths of a point, as Word writes them."""
    return round(cm * 1440 / 2.54)


def page_form(cfg: Config) -> PageForm:
    """The form of cfg's letters (the emblem only when its file can be read)."""
    h = cfg.halaman
    width, height = PAPER_CM[h.kertas]
    emblem, key = None, (0, 0)
    try:
        st = cfg.lambang.stat()
        emblem, key = str(cfg.lambang), (st.st_mtime_ns, st.st_size)
    except OSError:
        pass
    return PageForm((twips(width), twips(height)),
                    (twips(h.margin_atas_cm), twips(h.margin_kanan_cm),
                     twips(h.margin_bawah_cm), twips(h.margin_kiri_cm)),
                    h.huruf, h.ukuran_huruf * 2, emblem, key)


def image_type(data: bytes) -> str | None:
    """'png', 'jpeg' or 'gif' from the file's first bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    return None


def emblem_problem(cfg: Config) -> str | None:
    """Why the configured emblem cannot be used (missing, not a picture), in Indonesian."""
    try:
        data = cfg.lambang.read_bytes()
    except OSError:
        return (f"berkas lambang {cfg.lambang} tidak ditemukan; letakkan berkas lambang "
                "daerah di sana atau perbaiki [kantor] lambang di config.toml.")
    if image_type(data) is None or image_size(data) is None:
        return (f"berkas lambang {cfg.lambang} bukan gambar PNG, JPEG atau GIF; simpan "
                "lambang daerah sebagai PNG atau JPEG.")
    return None


EMBLEM_MAX_BYTES = 500_000  # every letter carries the emblem: larger files bloat outbox/


def emblem_size_note(cfg: Config) -> str | None:
    """A warning when the emblem file is so large that every letter grows with it."""
    try:
        size = cfg.lambang.stat().st_size
    except OSError:
        return None
    if size <= EMBLEM_MAX_BYTES:
        return None
    megabytes = f"{size / 1_000_000:.1f}".replace(".", ",")
    return (f"[kantor] lambang: berkas {cfg.lambang} besar ({megabytes} MB) dan ikut "
            "tersimpan di setiap surat. Perkecil gambarnya (lebar sekitar 300 piksel sudah "
            "cukup untuk kop) supaya surat tetap kecil.")


def image_size(data: bytes) -> tuple[int, int] | None:
    """Pixel width and height of a PNG, JPEG or GIF; None if they cannot be read."""
    kind = image_type(data)
    if kind == "png" and len(data) >= 24:
        return struct.unpack(">2I", data[16:24])
    if kind == "gif" and len(data) >= 10:
        return struct.unpack("<2H", data[6:10])
    if kind == "jpeg":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a JPEG's start-of-frame marker."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">2H", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


# ---------------------------------------------------------------- applying


def apply(document: Any, form: PageForm, emblem: bytes | None) -> None:
    """Apply `form` to a python-docx document in place (template compile time)."""
    body = document.element.body
    before = _text_width(body.find(qn("w:sectPr")))
    for sect in body.iter(qn("w:sectPr")):
        _page(sect, form)
    after = _text_width(body.find(qn("w:sectPr")))
    if before and after and abs(after - before) > 20:  # tables follow the text width
        _scale_tables(body, after / before)
    _defaults(document.styles.element, form)
    if emblem is not None and image_type(emblem) and image_size(emblem):
        for docpr in document.element.body.iter(qn("wp:docPr")):
            names = {(docpr.get(a) or "").strip().lower() for a in ("name", "descr")}
            if EMBLEM_NAME in names:
                _swap(document.part, docpr.getparent(), emblem)


def _set(el: Any, values: dict[str, str]) -> None:
    """Set w: attributes that differ (unchanged ones keep the template's bytes)."""
    for name, value in values.items():
        if el.get(qn(name)) != value:
            el.set(qn(name), value)


_AFTER_SZ = ("w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
             "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish")


def _child(parent: Any, tag: str, before: tuple[str, ...] = ()) -> Any:
    """The first `tag` child of `parent`; if missing, added before the first of `before`
    present (schema order), else at the end."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        nxt = next((c for c in parent if c.tag in {qn(t) for t in before}), None)
        if nxt is None:
            parent.append(el)
        else:
            nxt.addprevious(el)
    return el


def _page(sect: Any, form: PageForm) -> None:
    """Paper size and margins of one section."""
    width, height = form.page
    _set(_child(sect, "w:pgSz"), {"w:w": str(width), "w:h": str(height)})
    top, right, bottom, left = form.margins
    _set(_child(sect, "w:pgMar"), {"w:top": str(top), "w:right": str(right),
                                   "w:bottom": str(bottom), "w:left": str(left)})


def _text_width(sect: Any) -> int | None:
    """Page width minus the left and right margins of a section, in twips."""
    if sect is None:
        return None
    size, margins = sect.find(qn("w:pgSz")), sect.find(qn("w:pgMar"))
    try:
        return (int(size.get(qn("w:w"))) - int(margins.get(qn("w:left")))
                - int(margins.get(qn("w:right"))))
    except (AttributeError, TypeError, ValueError):
        return None


def _scale_tables(body: Any, factor: float) -> None:
    """Fixed table and cell widths scaled to a wider or narrower text column."""
    for tag in ("w:gridCol", "w:tcW", "w:tblW", "w:tblInd"):
        for el in body.iter(qn(tag)):
            width, kind = el.get(qn("w:w")), el.get(qn("w:type"))
            if width and width.isdigit() and kind in (None, "dxa"):
                el.set(qn("w:w"), str(round(int(width) * factor)))


def _defaults(styles: Any, form: PageForm) -> None:
    """Default run font and size; theme fonts dropped so the named font is used."""
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr = _child(_child(defaults, "w:rPrDefault"), "w:rPr")
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)
    _set(fonts, {name: form.font for name in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia")})
    _set(_child(rpr, "w:sz", ("w:szCs", *_AFTER_SZ)), {"w:val": str(form.size)})
    _set(_child(rpr, "w:szCs", _AFTER_SZ), {"w:val": str(form.size)})


def _swap(part: Any, frame: Any, emblem: bytes) -> None:
    """Put `emblem` into the picture of drawing `frame` (wp:inline or wp:anchor)."""
    blip = frame.find(".//" + qn("a:blip"))
    if blip is None:
        return
    image = part.related_parts[blip.get(qn("r:embed"))]
    if image.blob != emblem:
        kind = image_type(emblem) or "png"
        image._blob = emblem
        if image.content_type != IMAGE_TYPES[kind]:
            image._content_type = IMAGE_TYPES[kind]
            image.partname = PackURI(f"/word/media/lambang-daerah.{kind}")
        if hasattr(image, "_image"):
            image._image = None
    _fit(frame, image_size(emblem))


def _fit(frame: Any, size: tuple[int, int] | None) -> None:
    """Keep the picture's width; its height follows the image's proportions."""
    extent = frame.find(qn("wp:extent"))
    if size is None or extent is None or not size[0]:
        return
    cx = int(extent.get("cx"))
    cy = round(cx * size[1] / size[0])
    if abs(cy - int(extent.get("cy"))) <= max(cy // 100, 1):  # same proportions
        return
    extent.set("cy", str(cy))
    xfrm_ext = frame.find(".//" + qn("a:xfrm") + "/" + qn("a:ext"))
    if xfrm_ext is not None:
        xfrm_ext.set("cy", str(cy))


def emblem_bytes(form: PageForm | None) -> bytes | None:
    """The configured emblem's bytes, or None (keep the template's own picture)."""
    if form is None or form.emblem is None:
        return None
    try:
        return Path(form.emblem).read_bytes()
    except OSError:
        return None
