"""Headers and footers every letter gets: page numbers, KONSEP watermark, RAHASIA lines.

Page 1 (w:titlePg) has no page number (the kop is in the body, page 1 only); the later
pages have "- n -" centred at the top. A draft (`{% if konsep %}`) shows KONSEP across
every page as a Word watermark (VML text path in Arial, which Word and LibreOffice both
draw) and one small header line; a secret case (`{% if rahasia %}`) has RAHASIA at the
top and bottom of every page. Used by tools/letterform.py `new_document`.
"""

from __future__ import annotations

from collections.abc import Callable

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

CENTER = WD_ALIGN_PARAGRAPH.CENTER
RAHASIA_IF = "{%p if rahasia %}"
KONSEP_IF = "{%p if konsep %}"


def headers_footers(doc: DocxDocument) -> None:
    """Page 1: KONSEP/RAHASIA only (the kop is in the body); later pages also '- n -'."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    for header, numbered in ((section.first_page_header, False), (section.header, True)):
        first = header.paragraphs[0]
        _conditional(header, RAHASIA_IF, _rahasia, before=first)
        if numbered:
            _page_number(first)
        _conditional(header, KONSEP_IF, _konsep, before=None)
    for footer in (section.first_page_footer, section.footer):
        _conditional(footer, RAHASIA_IF, _rahasia, before=footer.paragraphs[0])


def _conditional(part: object, condition: str, fill: Callable[[Paragraph], None],
                 before: Paragraph | None) -> None:
    """`{%p if %}` paragraph, the paragraph `fill` writes, `{%p endif %}` (before `before`)."""
    made = []
    for _ in range(3):
        p = before.insert_paragraph_before() if before is not None else part.add_paragraph()  # type: ignore[attr-defined]
        made.append(p)
    made[0].add_run(condition)
    fill(made[1])
    made[2].add_run("{%p endif %}")


def _rahasia(p: Paragraph) -> None:
    """The security grading line at the top and bottom of each page."""
    p.alignment = CENTER
    run = p.add_run("RAHASIA")
    run.bold = True
    run.font.size = Pt(12)


_WATERMARK = """<w:r %s><w:pict>
<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"
 path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas><v:f eqn="sum #0 0 10800"/>
<v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/><v:f eqn="sum 0 0 @2"/>
<v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/><v:f eqn="if @0 21600 @1"/>
<v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/><v:f eqn="mid @5 @6"/>
<v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/>
<v:f eqn="sum @6 0 @5"/></v:formulas><v:path textpathok="t" o:connecttype="custom"
 o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>
<v:textpath on="t" fitshape="t"/><v:handles><v:h position="#0,bottomRight"
 xrange="6629,14971"/></v:handles><o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>
<v:shape id="PowerPlusWaterMarkObject%d" type="#_x0000_t136" o:allowincell="f"
 style="position:absolute;margin-left:0;margin-top:0;width:360pt;height:90pt;rotation:315;
z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;
mso-position-vertical:center;mso-position-vertical-relative:margin"
 fillcolor="#c8c8c8" stroked="f"><v:fill opacity=".5"/>
<v:textpath style="font-family:&quot;Arial&quot;;font-size:1pt" string="KONSEP"/>
<w10:wrap anchorx="margin" anchory="margin"/></v:shape></w:pict></w:r>"""
_VML_NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
           'xmlns:v="urn:schemas-microsoft-com:vml" '
           'xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:w10="urn:schemas-microsoft-com:office:word"')
_GREY = RGBColor(0x80, 0x80, 0x80)


def _konsep(p: Paragraph) -> None:
    """A draft: KONSEP across the page (a Word watermark) and a line saying so."""
    p.alignment = CENTER
    number = "".join(ch for ch in str(p.part.partname) if ch.isdigit()) or "1"  # per header
    p._p.append(parse_xml(_WATERMARK % (_VML_NS, int(number))))
    run = p.add_run("KONSEP – belum bernomor, tidak untuk dikirim")
    run.bold = True
    run.font.size = Pt(10)
    run.font.color.rgb = _GREY


def _page_number(p: Paragraph) -> None:
    """'- PAGE -' centred (a Word field that Word and LibreOffice both update)."""
    p.alignment = CENTER
    p.add_run("- ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), " PAGE ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    p._p.append(field)
    p.add_run(" -")
