"""The body without the XML round trip (pipeline/fastbody.py): docxtpl's bytes, always."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import engine, fastbody, render
from pipeline.schema import DOCUMENTS, Document
from tests.test_engine import members, reference
from tests.test_render import NOMOR, SATPOL, make_case, make_config

# Characters that XML, Jinja, docxtpl or the escaping treat specially, and some that none
# does; typed text is drawn from these.
HOSTILE = ('&<>"\'{}_%#;/=!-[]\\ \u00a0'
           "aZ09éß’“”…ꦏ😀\u200b\u2028\ufeff\x7f\x85")
PIECES = ["&amp;", "&#34;", "&#123;", "&lt;w:t&gt;", "</w:t>", "<w:br/>", "{{ x }}", "{%p if %}",
          "{_{", "}_}", "{_%", "%_}", "]]>", "<!--", "&#x41;", "&", "<", ">", "",
          "<?g0?>", "<?r0.0?>"]  # the last: fastbody's marks of a grid chosen per letter
FIELDS = ("uraian", "lokasi", "nama_pelapor", "hasil", "tindakan", "alamat_pelapor",
          "terlapor", "isi_disposisi")


def typed_text() -> st.SearchStrategy[str]:
    """Text a clerk could type or paste into a cell: hostile characters and fragments."""
    return st.lists(st.one_of(st.text(HOSTILE, max_size=6), st.sampled_from(PIECES)),
                    max_size=6).map("".join)


def context_of(doc: Document, changes: dict[str, str]) -> dict[str, Any]:
    """A letter's variables, the typed fields one line of plain text unless changed."""
    case = dataclasses.replace(make_case(), **{**{name: "Teks biasa" for name in FIELDS},
                                               **changes})
    return render.build_context(case, make_config(), doc, NOMOR,
                                SATPOL if doc.per_agency else "")


def compiled(doc: Document) -> engine.Compiled:
    """The shipped template of `doc`, compiled as letters are made."""
    return render.compiled_template(make_config().templates / doc.template)


def round_trip(template: engine.Compiled, context: dict[str, Any]) -> bytes:
    """word/document.xml the way docxtpl makes it: rendered, parsed, mended, serialised."""
    return engine._document_xml(template.skeleton, engine._render_xml(template.body, context))


PROVEN = [d for d in DOCUMENTS if compiled(d).fast is not None]


def test_every_shipped_template_skips_the_round_trip() -> None:
    # The Lembar Disposisi's checklist included: a table whose rows all come from a loop,
    # each row holding a whole table (a box), inside a cell of another table.
    assert PROVEN == list(DOCUMENTS)


@settings(max_examples=150, deadline=None)
@given(doc=st.sampled_from(PROVEN), values=st.fixed_dictionaries({}, optional={
    name: typed_text() for name in FIELDS}))
def test_hostile_text_gives_the_round_trips_bytes(doc: Document, values: dict[str, str]
                                                  ) -> None:
    template = compiled(doc)
    context = context_of(doc, values)
    fast = template.fast._render(context)  # type: ignore[union-attr]
    if fast is None:  # newlines or tabs: docxtpl rewrites them (the round trip does it)
        assert any(ch in "".join(values.values()) for ch in "\n\r\t")
        return
    assert fast == round_trip(template, context)


@settings(max_examples=20, deadline=None)
@given(doc=st.sampled_from(PROVEN), values=st.fixed_dictionaries({}, optional={
    name: typed_text() for name in FIELDS}))
def test_hostile_text_gives_docxtpls_letter(doc: Document, values: dict[str, str]) -> None:
    template = make_config().templates / doc.template
    context = context_of(doc, values)
    ours = members(render.render_letter(template, context))
    assert ours == members(reference(template, context))


@pytest.mark.parametrize("doc", PROVEN, ids=lambda d: d.kind.value)
def test_empty_values_are_written_as_lxml_writes_empty_elements(doc: Document) -> None:
    template = compiled(doc)
    context = context_of(doc, {name: "" for name in FIELDS})
    fast = template.fast._render(context)  # type: ignore[union-attr]
    assert fast is not None and b"></w:t>" not in fast
    assert fast == round_trip(template, context)


def clerk_template(path: Path, *paragraphs: str) -> Path:
    """A template a clerk made in Word: one paragraph per text."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


@pytest.mark.parametrize("paragraphs", [
    ("{% if a %}Satu", "Dua{% endif %} {{ b }}"),  # a branch across paragraphs
    ("{{ b }}", "{%p for x in xs %}", "{{ x }}", "{%p endfor %}", "{%p if a %}",
     "ya", "{%p else %}", "tidak", "{%p endif %}"),  # whole paragraphs: proven
], ids=["branch-across-paragraphs", "paragraph-branches"])
@pytest.mark.parametrize("a", [True, False])
def test_clerk_templates_give_docxtpls_letter_either_way(tmp_path: Path, paragraphs: tuple[str],
                                                         a: bool) -> None:
    template = clerk_template(tmp_path / "surat.docx", *paragraphs)
    context = {"a": a, "b": 'x & "y" {z}', "xs": ["", "<1>", "2 & 3"]}
    ours = members(render.render_letter(template, context))
    assert ours == members(reference(template, context))


def test_branch_across_paragraphs_keeps_the_round_trip(tmp_path: Path) -> None:
    template = clerk_template(tmp_path / "surat.docx", "{% if a %}Satu", "Dua{% endif %}")
    assert render.compiled_template(template).fast is None


def test_value_inside_an_attribute_keeps_the_round_trip() -> None:
    source = ('<w:body xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              '<w:p><w:pPr><w:jc w:val="{{ b }}"/></w:pPr></w:p></w:body>')
    assert fastbody.prepare(source, render.JINJA_ENV, lambda xml: xml.encode()) is None


def test_markup_a_template_marks_safe_takes_the_round_trip(tmp_path: Path) -> None:
    template = clerk_template(tmp_path / "surat.docx", "{{ b|safe }} {{ c }}")
    context = {"b": "A &amp; B", "c": "C"}
    ours = members(render.render_letter(template, context))
    assert ours == members(reference(template, context))


# ------------------------------------------------ tables inside branches (fastbody._fixed)

DISPOSISI = next(d for d in DOCUMENTS if d.template.startswith("03-"))
ITEM = st.fixed_dictionaries({"teks": typed_text(), "tanda": st.sampled_from(["X", "", "&"]),
                              "dipilih": st.booleans()})


def test_lembar_disposisi_takes_the_fast_path() -> None:
    # Its 'Harap' checklist is a table whose rows all come from a loop (docxtpl empties the
    # grid when the loop renders nothing): a grid chosen per letter.
    fast = compiled(DISPOSISI).fast
    assert fast is not None and len(fast.grids) == 1


@settings(max_examples=60, deadline=None)
@given(items=st.lists(ITEM, max_size=3), values=st.fixed_dictionaries({}, optional={
    name: typed_text() for name in FIELDS}))
def test_lembar_disposisi_gives_the_round_trips_bytes(items: list[dict[str, Any]],
                                                      values: dict[str, str]) -> None:
    template = compiled(DISPOSISI)
    context = {**context_of(DISPOSISI, values), "harap": items}
    fast = template.fast._render(context)  # type: ignore[union-attr]
    if fast is None:  # newlines or tabs: docxtpl rewrites them (the round trip does it)
        typed = "".join(values.values()) + "".join(i["teks"] for i in items)
        assert any(ch in typed for ch in "\n\r\t")
        return
    assert fast == round_trip(template, context)


@pytest.mark.parametrize("count", [0, 1, 3])
def test_lembar_disposisi_gives_docxtpls_letter(count: int) -> None:
    template = make_config().templates / DISPOSISI.template
    context = context_of(DISPOSISI, {"isi_disposisi": 'a & "b" {c} <d>'})
    context["harap"] = [{"teks": f"<{n}> & {{x}}", "tanda": "X" if n % 2 else "",
                         "dipilih": bool(n % 2)} for n in range(count)]
    assert render.compiled_template(template).fast is not None
    ours = members(render.render_letter(template, context))
    assert ours == members(reference(template, context))


def nested_template(path: Path, kind: str) -> Path:
    """A two-column table whose first cell holds an inner table (`kind`: how it is built)."""
    document = docx.Document()
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 1).text = "{{ b }}"
    cell = outer.cell(0, 0)
    cell.text = "{%p for x in xs %}"  # the inner table is a whole table in a loop ...
    if kind == "checklist":  # ... or a table whose rows all come from a loop
        cell.text = "Daftar"
        inner = cell.add_table(rows=3, cols=2)
        inner.cell(0, 0).text, inner.cell(2, 0).text = "{%tr for x in xs %}", "{%tr endfor %}"
        inner.cell(1, 0).add_table(rows=1, cols=1).cell(0, 0).text = "{{ x }}"  # a box
        inner.cell(1, 1).text = "{{ b }} {{ x }}"
    elif kind in ("box", "more-cells"):  # one row of one cell, or of three cells
        inner = cell.add_table(rows=1, cols=3 if kind == "more-cells" else 1)
        inner.cell(0, 0).text = "{{ x }}"
    elif kind == "wider":  # two cells, the first spanning two columns: three wide
        inner = cell.add_table(rows=1, cols=3)
        inner.cell(0, 0).merge(inner.cell(0, 1)).text = "{{ x }}"
    elif kind == "own-row-in-branch":  # one cell (two columns wide), two cells in a branch
        inner = cell.add_table(rows=4, cols=2)
        inner.cell(0, 0).merge(inner.cell(0, 1)).text = "{{ x }}"
        inner.cell(1, 0).text, inner.cell(3, 0).text = "{%tr if b %}", "{%tr endif %}"
        inner.cell(2, 0).text, inner.cell(2, 1).text = "{{ x }}", "{{ b }}"
    if kind != "checklist":
        cell.add_paragraph("{%p endfor %}")
    document.save(str(path))
    return path


NESTED = {"xs": [], "b": ""}, {"xs": ["<1>"], "b": "a & b"}, {"xs": ["1", "", "{3}"], "b": "'b'"}


@pytest.mark.parametrize("kind", ["box", "checklist"])
def test_tables_inside_loops_that_keep_the_measure_are_proven(tmp_path: Path, kind: str
                                                               ) -> None:
    template = nested_template(tmp_path / "surat.docx", kind)
    assert render.compiled_template(template).fast is not None
    for context in NESTED:
        ours = members(render.render_letter(template, context))
        assert ours == members(reference(template, context))


@pytest.mark.parametrize("kind", ["more-cells", "wider", "own-row-in-branch"])
def test_tables_inside_loops_that_change_a_measure_keep_the_round_trip(tmp_path: Path,
                                                                       kind: str) -> None:
    template = nested_template(tmp_path / "surat.docx", kind)
    compiled_ = render.compiled_template(template)
    with pytest.raises(fastbody.NotProven, match="measure"):
        fastbody._prepare(compiled_.body.source, render.JINJA_ENV, lambda xml: b"")
    assert compiled_.fast is None
    for context in NESTED:
        ours = members(render.render_letter(template, context))
        assert ours == members(reference(template, context))
