"""Letters from Word templates: the template variables, rendering, and template checks.

docxtpl is used only here and in `pipeline.engine`, which compiles each template once per
process and renders letters exactly as docxtpl would. One Jinja environment renders every
letter:

- autoescape on, so `&`, `<`, quotes in typed text cannot break the document's XML;
- `StrictUndefined`, so a misspelled variable fails loudly instead of printing nothing;
- sandboxed, so an edited template cannot reach Python internals;
- a `finalize` hook that every printed value passes through: XML-illegal control characters
  are dropped, `{` and `}` are written as character references (docxtpl rewrites `{_{` after
  rendering; typed text must not be touched by that), and newlines are left for docxtpl to
  turn into Word line breaks (`<w:br/>`, see `DocxTemplate.resolve_listing`).

Typed text is never rendered as a template: `{{ 7*7 }}` in a cell prints as typed.

What each letter says (its variables, the SMS texts) is in `pipeline.contents`; the names
are re-exported here for the callers.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from lxml.etree import XMLSyntaxError
from markupsafe import Markup, escape

from pipeline.config import Config
from pipeline.contents import HAL as HAL
from pipeline.contents import KOSONG as KOSONG
from pipeline.contents import Rincian as Rincian
from pipeline.contents import Rujukan as Rujukan
from pipeline.contents import Waktu as Waktu
from pipeline.contents import contents
from pipeline.contents import letter_addressee as letter_addressee
from pipeline.contents import letter_subject as letter_subject
from pipeline.contents import sms_text as sms_text
from pipeline.engine import Compiled, Engine
from pipeline.errors import TemplateError
from pipeline.form import PageForm, page_form
from pipeline.model import Case
from pipeline.schema import DOCUMENT_BY_KIND, DOCUMENTS, Doc, Document

README_HINT = "Daftar variabel yang boleh dipakai ada di templates/README.md."

# XML 1.0 forbids these; Excel cells can hold them (pasted text, _x0007_ escapes).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# ---------------------------------------------------------------- text and values


# What `clean_text` changes, and what `_finalize` escapes: text with none of these (most
# printed values: names, dates, numbers) is passed through as it is, at a tenth the cost.
_DIRTY = re.compile("[\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PLAIN = re.compile("[&<>\"'{}\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text safe for Word XML: Windows/Mac newlines as '\\n', illegal control chars dropped."""
    if _DIRTY.search(text) is None:
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL_XML.sub("", text)


def _finalize(value: Any) -> Any:
    """Jinja finalize hook: every printed value as escaped XML text, braces neutralised."""
    if isinstance(value, Markup):  # marked safe by the template author on purpose
        return value
    text = str(value)
    if _PLAIN.search(text) is None:
        return Markup(text)
    xml = str(escape(clean_text(text)))
    return Markup(xml.replace("{", "&#123;").replace("}", "&#125;"))


def ringkas(value: Any, batas: int = 600, rujukan: str = "") -> str:
    """Jinja filter: text cut at a word to at most `batas` characters, with "…" and where
    the whole text is ("selengkapnya dalam <rujukan>") when it was cut (one-page forms)."""
    text = str(value)
    if len(text) <= batas:
        return text
    cut = text[:batas].rsplit(None, 1)[0] if " " in text[:batas] else text[:batas]
    where = f" (selengkapnya dalam {rujukan})" if rujukan else ""
    return cut.rstrip(" ,;:.") + "…" + where


JINJA_ENV = SandboxedEnvironment(autoescape=True, undefined=jinja2.StrictUndefined,
                                 finalize=_finalize)
JINJA_ENV.filters["ringkas"] = ringkas
ENGINE = Engine(JINJA_ENV)  # compiled templates of this process
# What opening a damaged or non-Word file raises (python-docx, zipfile, lxml).
_DAMAGED = (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError)


def _clean(value: Any) -> Any:
    """Clean every string in a context value (dicts, lists, Rincian, str)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, Rincian):
        return Rincian(clean_text(v) for v in value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value  # numbers, None, and Waktu (made from a datetime: clean by construction)


# ---------------------------------------------------------------- the context


def build_context(case: Case, cfg: Config, doc: Document, nomor: str,
                  instansi: str = "", *, konsep: bool = False,
                  rujukan: Mapping[str, Rujukan] | None = None) -> dict[str, Any]:
    """The variables of one letter (names documented in templates/README.md), cleaned.

    `konsep`: a draft (the office's settings are not filled yet): no number, marked KONSEP.
    `rujukan`: the case's related letters already numbered, by document kind value.
    """
    return _clean(contents(case, cfg, doc, nomor, instansi, konsep=konsep, rujukan=rujukan))


def contoh_case() -> Case:
    """A made-up case with every step done: for template checks and the README examples."""
    return Case(
        no_laporan="017/TRANTIB/IX/2024", waktu_lapor=datetime(2024, 9, 25, 8, 15),
        cara_lapor="Datang Langsung", nama_pelapor="Sri Wahyuni", nik_pelapor="3313015509800002",
        alamat_pelapor="Dusun Ngasinan RT 02/RW 05, Desa Botok, Kecamatan Kerjo",
        telepon_pelapor="081234567890", desa="Botok",
        lokasi="Jalan Raya Kerjo–Ngargoyoso, depan pasar desa",
        perda="Perda tentang Ketertiban Umum dan Ketenteraman Masyarakat",
        uraian="Pedagang mendirikan lapak permanen di bahu jalan sehingga mengganggu "
               "pejalan kaki.", petugas="Agus Prasetyo",
        waktu_diteruskan=datetime(2024, 9, 25, 8, 30), waktu_disposisi=datetime(2024, 9, 25, 9, 0),
        sifat="Segera", isi_disposisi="Koordinasikan dengan Satpol PP dan laporkan hasilnya.",
        instruksi=("Koordinasikan/konfirmasikan", "Laporkan hasilnya"),
        waktu_koordinasi=datetime(2024, 9, 26, 10, 0),
        instansi=("Satuan Polisi Pamong Praja Kabupaten Karanganyar", "Kepolisian Sektor Kerjo"),
        tindakan="Peninjauan lapangan bersama dan teguran lisan kepada pedagang.",
        jadwal_tindakan=datetime(2024, 9, 27, 9, 0), tempat_tindakan="Depan pasar desa Botok",
        waktu_selesai=datetime(2024, 9, 27, 14, 0), status_akhir="Selesai",
        hasil="Lapak telah dibongkar sendiri oleh pedagang.", terlapor="Budi Santoso",
        saksi=("Sutrisno", "Wahyu Hidayat"),
        waktu_lapor_camat=datetime(2024, 9, 27, 15, 0),
        waktu_pemberitahuan=datetime(2024, 9, 28, 9, 0), cara_pemberitahuan="Surat")


def contoh_context(doc: Document, cfg: Config | None = None) -> dict[str, Any]:
    """The context of `doc` for the made-up case (README examples, template checks)."""
    case = contoh_case()
    rujukan = {Doc.nota_dinas.value: Rujukan("300.1/016/Kec.Krj/2024", 16, case.waktu_diteruskan
                                             or case.waktu_lapor),
               Doc.bukti_penyelesaian.value: Rujukan("300.1/019/Kec.Krj/2024", 19,
                                                     case.waktu_selesai or case.waktu_lapor)}
    return build_context(case, cfg or Config(), doc, "300.1/017/Kec.Krj/2024",
                         case.instansi[0] if doc.per_agency else "", rujukan=rujukan)


def doc_variables(kind: Doc) -> frozenset[str]:
    """The top-level variable names the context of a document provides."""
    return frozenset(contoh_context(DOCUMENT_BY_KIND[kind]))


DOC_VARIABLES: dict[Doc, frozenset[str]] = {d.kind: doc_variables(d.kind) for d in DOCUMENTS}
ALL_VARIABLES: frozenset[str] = frozenset().union(*DOC_VARIABLES.values())


# ---------------------------------------------------------------- rendering


def _read_template(path: Path) -> bytes:
    """A template's bytes, or raise TemplateError saying it is missing or unreadable."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise _missing(path) from exc
    except OSError as exc:
        raise TemplateError(f"Templat {path.name} tidak dapat dibaca ({exc.strerror}). "
                            "Tutup berkas itu di Word lalu coba lagi.") from exc


def _missing(path: Path) -> TemplateError:
    return TemplateError(f"Templat {path.name} tidak ditemukan di folder {path.parent}. "
                         "Kembalikan berkasnya (python tools/make_templates.py membuat "
                         "ulang templat bawaan).")


def _damaged(path: Path) -> TemplateError:
    return TemplateError(f"Templat {path.name} rusak atau bukan dokumen Word (.docx). "
                         "Simpan ulang dari Word sebagai Dokumen Word (.docx).")


def _open_template(path: Path) -> DocxTemplate:
    """Load a template, or raise TemplateError saying it is missing or damaged."""
    tpl = DocxTemplate(io.BytesIO(_read_template(Path(path))))
    try:
        tpl.init_docx()
    except _DAMAGED as exc:
        raise _damaged(Path(path)) from exc
    return tpl


def _what_went_wrong(exc: jinja2.TemplateError) -> str:
    """The Jinja error in plain Indonesian."""
    msg = exc.message or str(exc)
    if m := re.fullmatch(r"'(\w+)' is undefined", msg):
        return f"variabel {{{{ {m[1]} }}}} tidak dikenal"
    if m := re.fullmatch(r"'.*' has no attribute '(\w+)'", msg):
        return f"bagian .{m[1]} tidak dikenal pada variabel di sekitarnya"
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"penulisan tag {{{{ }}}} atau {{% %}} salah ({msg})"
    return f"templat tidak dapat diisi ({msg})"


def _describe_error(name: str, exc: jinja2.TemplateError) -> str:
    """The message for the template author: file, what, where, what to do."""
    around = " ".join(" ".join(getattr(exc, "docx_context", ())).split())
    if len(around) > 240:
        around = around[:240] + "…"
    where = f' Teks di sekitarnya: "{around}".' if around else ""
    return (f"Templat {name}: {_what_went_wrong(exc)}.{where} Perbaiki templatnya di Word; "
            f"{README_HINT}")


def compiled_template(template_path: Path | str, form: PageForm | None = None) -> Compiled:
    """The template compiled once per process and page form (again when the file changes
    on disk); `form` None keeps the page set-up and emblem the template was saved with."""
    path = Path(template_path)
    try:
        return ENGINE.get(path, _read_template, form)
    except FileNotFoundError as exc:
        raise _missing(path) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(_describe_error(path.name, exc)) from exc
    except _DAMAGED as exc:
        raise _damaged(path) from exc


def render_letter(template_path: Path | str, context: dict[str, Any],
                  form: PageForm | None = None, record: Mapping[str, object] | None = None,
                  shown: Mapping[str, str] | None = None) -> bytes:
    """Fill a template with a context; the finished .docx as bytes.

    `form` (`page_form(cfg)`): the configured page set-up and emblem. `record`, `shown`:
    the letter comes out stamped with them (as stamp.stamp).
    """
    path = Path(template_path)
    compiled = compiled_template(path, form)
    try:
        return compiled.render(context, JINJA_ENV, record, shown)
    except jinja2.TemplateError as exc:
        raise TemplateError(_describe_error(path.name, exc)) from exc


# ---------------------------------------------------------------- checks


def _unknown_variable_message(doc: Document, name: str) -> str:
    """Why a variable is not allowed in this template, and a likely fix."""
    where = f"Templat {doc.template} ({doc.title}) memakai variabel {{{{ {name} }}}}"
    if name == "pelapor" and not doc.names_reporter:
        return (f"{where}, padahal surat ini dikirim ke luar kantor: identitas pelapor "
                "tidak boleh dimuat. Hapus tag itu dari templat.")
    if name in ALL_VARIABLES:
        return (f"{where} yang belum tersedia pada langkah {doc.step}. Hapus tag itu atau "
                f"pindahkan ke surat langkah yang lebih akhir. {README_HINT}")
    close = difflib.get_close_matches(name, sorted(DOC_VARIABLES[doc.kind]), n=1)
    hint = f" Mungkin maksudnya {{{{ {close[0]} }}}}?" if close else ""
    return f"{where} yang tidak disediakan program.{hint} {README_HINT}"


def check_template(path: Path, doc: Document, cfg: Config | None = None) -> list[str]:
    """Problems of one template: unreadable, unknown variables, or a failing trial render."""
    try:
        used = _open_template(path).get_undeclared_template_variables(jinja_env=JINJA_ENV)
    except TemplateError as exc:
        return [exc.message]
    except jinja2.TemplateSyntaxError:  # the trial render below says where
        used = set()
    problems = [_unknown_variable_message(doc, name)
                for name in sorted(used - DOC_VARIABLES[doc.kind])]
    if not problems:  # catches e.g. {{ kantor.namaa }}, which the name check cannot see
        try:
            render_letter(path, contoh_context(doc, cfg), page_form(cfg) if cfg else None)
        except TemplateError as exc:
            problems.append(exc.message)
    return problems


def check_templates(cfg: Config) -> list[str]:
    """Problems of all seven templates in cfg's templates folder, in Indonesian; [] if none."""
    problems: list[str] = []
    for doc in DOCUMENTS:
        problems += check_template(cfg.templates / doc.template, doc, cfg)
    return problems
