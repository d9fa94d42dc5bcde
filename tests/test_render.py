"""Letters: the template variables, rendering as typed, privacy, and template checks."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import indo, render
from pipeline.config import Config, Kantor, Pejabat, PejabatSet
from pipeline.errors import TemplateError
from pipeline.model import Case
from pipeline.schema import DOCUMENT_BY_KIND, DOCUMENTS, Doc, Document
from tests.reading import blocks
from tests.reading import boxes as read_boxes

REPO = Path(__file__).resolve().parent.parent
NOMOR = "300.1/042/Kec.Krj/2024"
SATPOL, POLSEK = "Satuan Polisi Pamong Praja Kabupaten Karanganyar", "Kepolisian Sektor Kerjo"

# Text staff can type that is easy to mangle: XML specials, quotes, emoji, Javanese script,
# newlines, template look-alikes (including docxtpl's own {_{ escape), a formula.
NAMA = 'Siti "Ani" <Rahayu> & Putri’s 😀'
NIK = "3313015509800002"
TELEPON = "081234567890"
ALAMAT = "Dusun Ngasinan RT 02/RW 05 & Gg. <Mawar>\nDesa Botok"
URAIAN = ("Lapak di bahu jalan & trotoar <dekat pasar> ꦏꦼꦂꦗ\n"
          'Pemilik berkata "{{ 7*7 }}" dan {% if %} lalu {_{ x }_} 100% {#komentar#}\n'
          '=HYPERLINK("x")')
LOKASI = "Jl. Raya Kerjo km 3 (depan Toko \"Maju\" & Jaya)"
ISI = "Segera tindak lanjuti <hari ini> & laporkan 👍"
TINDAKAN = "Teguran lisan;\nPeninjauan bersama = {{ tindakan }}"
HASIL = "Lapak dibongkar sendiri\n— selesai & tertib 🙏"


def make_case(**changes: Any) -> Case:
    """A case with all seven steps done, holding hard-to-print typed text."""
    case = Case(
        no_laporan="LP-017/IX/2024", waktu_lapor=datetime(2024, 9, 25, 8, 15),
        cara_lapor="Datang Langsung", nama_pelapor=NAMA, nik_pelapor=NIK,
        alamat_pelapor=ALAMAT, telepon_pelapor=TELEPON, desa="Botok", lokasi=LOKASI,
        perda="Perda tentang Ketertiban Umum dan Ketenteraman Masyarakat", uraian=URAIAN,
        petugas="Agus Prasetyo", waktu_diteruskan=datetime(2024, 9, 25, 8, 30),
        waktu_disposisi=datetime(2024, 9, 25, 9, 5), sifat="Sangat Segera", isi_disposisi=ISI,
        waktu_koordinasi=datetime(2024, 9, 26, 10, 0), instansi=(SATPOL, POLSEK),
        tindakan=TINDAKAN, waktu_selesai=datetime(2024, 9, 27, 14, 0), status_akhir="Selesai",
        hasil=HASIL, waktu_lapor_camat=datetime(2024, 9, 27, 15, 0),
        waktu_pemberitahuan=datetime(2024, 9, 30, 9, 0), cara_pemberitahuan="Surat")
    return dataclasses.replace(case, **changes)


def make_config(templates: Path | None = None) -> Config:
    """The shipped templates (or a copy in `templates`) with a filled-in office identity."""
    kantor = Kantor(alamat="Jalan Raya Kerjo No. 1 & 2", kode_pos="57753",
                    telepon="(0271) 123456", email="kec.kerjo@example.go.id")
    pejabat = PejabatSet(
        camat=Pejabat("Camat Kerjo", "Drs. Bambang Sutrisno, M.Si.", "Pembina (IV/a)",
                      "197501012000031001"),
        kasi=Pejabat("Kepala Seksi Ketenteraman dan Ketertiban Umum", "Dwi Lestari, S.Sos.",
                     "Penata (III/c)", "198203152010012002"))
    cfg = Config(kantor=kantor, pejabat=pejabat, base=REPO)
    if templates is not None:
        cfg = dataclasses.replace(cfg, folder=dataclasses.replace(cfg.folder,
                                                                  templates=templates))
    return cfg


def render_doc(kind: Doc, case: Case | None = None, instansi: str = "",
               cfg: Config | None = None) -> bytes:
    """Render one document of the case with the shipped templates."""
    doc, cfg = DOCUMENT_BY_KIND[kind], cfg or make_config()
    if doc.per_agency and not instansi:
        instansi = SATPOL
    ctx = render.build_context(case or make_case(), cfg, doc, NOMOR, instansi)
    return render.render_letter(cfg.templates / doc.template, ctx)


def paragraphs(data: bytes) -> list[str]:
    """Every paragraph of a rendered letter as Word shows it (line breaks as '\\n')."""
    return blocks(docx.Document(io.BytesIO(data)))


def shows(data: bytes, value: str) -> bool:
    """Whether the letter shows `value` exactly, inside one paragraph."""
    return any(value in p for p in paragraphs(data))


def docx_with(path: Path, *lines: str) -> Path:
    """A small .docx whose paragraphs are `lines` (for broken-template tests)."""
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def copy_templates(tmp_path: Path) -> Path:
    """A copy of the shipped templates that a test may edit."""
    return Path(shutil.copytree(REPO / "templates", tmp_path / "templates"))


def add_paragraph(template: Path, text: str) -> None:
    """Append a paragraph to a template, as a clerk editing it in Word would."""
    document = docx.Document(str(template))
    document.add_paragraph(text)
    document.save(str(template))


# ---------------------------------------------------------------- Indonesian formatting


def test_indonesian_dates_and_times() -> None:
    when = datetime(2024, 9, 25, 8, 15)
    assert indo.tanggal(when) == "25 September 2024"
    assert indo.hari_tanggal(when) == "Rabu, 25 September 2024"
    assert indo.jam(when) == "08.15 WIB"
    assert indo.waktu(datetime(2024, 3, 3, 19, 5)) == "Minggu, 3 Maret 2024 pukul 19.05 WIB"
    assert [indo.bulan_romawi(m) for m in (1, 4, 9, 12)] == ["I", "IV", "IX", "XII"]


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)))
def test_every_date_is_written_in_indonesian(when: datetime) -> None:
    assert re.fullmatch(r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} "
                        r"(Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|"
                        r"Oktober|November|Desember) \d{4}", indo.hari_tanggal(when))


# ---------------------------------------------------------------- the letters

# The typed values each letter prints (beside No. Laporan and the letter number).
SHOWN: dict[Doc, tuple[str, ...]] = {
    Doc.tanda_terima: (NAMA, NIK, ALAMAT, TELEPON, LOKASI, URAIAN, "Agus Prasetyo"),
    Doc.nota_dinas: (NAMA, LOKASI, URAIAN, "Agus Prasetyo"),
    Doc.disposisi: (ISI, URAIAN, LOKASI),
    Doc.koordinasi: (LOKASI, URAIAN, TINDAKAN, SATPOL),
    Doc.bukti_penyelesaian: (URAIAN, TINDAKAN, HASIL),  # the party reported signs it
    Doc.laporan_hasil: (NAMA, LOKASI, ISI, TINDAKAN, HASIL),
    Doc.pemberitahuan: (NAMA, ALAMAT, LOKASI, HASIL),
    Doc.catatan_pemberitahuan: (NAMA, HASIL),
}


@pytest.mark.parametrize("kind", list(Doc))
def test_letter_shows_typed_values_exactly_as_typed(kind: Doc) -> None:
    data = render_doc(kind)
    numbered = (NOMOR,) if DOCUMENT_BY_KIND[kind].numbered else ()
    for value in (*SHOWN[kind], "LP-017/IX/2024", *numbered):
        assert shows(data, value), f"{kind}: {value!r} not shown as typed"


_ANY_TYPED = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["A & B", "<b>", '"kutip"', "'x'", "{{ 7*7 }}", "a\r\nb", "a\rb", "tab\tx", "\x07bel",
     "Ngasem", "LP-017/IX/2024"])


@settings(max_examples=150, deadline=None)
@given(typed=_ANY_TYPED)
def test_any_typed_text_prints_as_typed(tmp_path_factory: pytest.TempPathFactory,
                                        typed: str) -> None:
    """Whatever a cell holds prints as typed: escaped for XML, braces kept, Windows line
    ends as one line break, control characters Word cannot hold dropped."""
    template = tmp_path_factory.getbasetemp() / "satu-isian.docx"
    if not template.exists():
        docx_with(template, "Isi: {{ uraian }}")
    data = render.render_letter(template, {"uraian": typed})
    shown = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert shown == "Isi: " + render.clean_text(typed)


@pytest.mark.parametrize("kind", list(Doc))
def test_letter_has_letterhead_from_config(kind: Doc) -> None:
    text = [t.replace("\u00a0", " ") for t in paragraphs(render_doc(kind)) if t]  # kop: NBSP
    assert text[:5] == ["PEMERINTAH KABUPATEN KARANGANYAR", "KECAMATAN KERJO",
                        "Jalan Raya Kerjo No. 1 & 2, Kode Pos 57753",
                        "Telepon (0271) 123456", "Pos-el kec.kerjo@example.go.id"]


def test_newlines_become_line_breaks_in_word() -> None:
    data = render_doc(Doc.tanda_terima)
    xml = docx.Document(io.BytesIO(data)).element.xml
    assert "<w:br/>" in xml
    assert shows(data, "Dusun Ngasinan RT 02/RW 05 & Gg. <Mawar>\nDesa Botok")


def test_windows_newlines_and_control_characters_are_cleaned() -> None:
    case = make_case(uraian="Baris satu\r\nBaris\x07 dua\x0b\rBaris tiga\x00")
    data = render_doc(Doc.tanda_terima, case)
    assert shows(data, "Baris satu\nBaris dua\nBaris tiga")


@pytest.mark.parametrize(("kind", "expected"), [
    (Doc.tanda_terima, "Kerjo, 25 September 2024"),
    (Doc.koordinasi, "Kerjo, 26 September 2024"),
    (Doc.bukti_penyelesaian, "Pada hari ini Jumat tanggal dua puluh tujuh bulan September "
                             "tahun dua ribu dua puluh empat, pukul 14.00 WIB,"),
    (Doc.pemberitahuan, "Kerjo, 30 September 2024"),
])
def test_letter_is_dated_at_its_step_in_indonesian(kind: Doc, expected: str) -> None:
    assert shows(render_doc(kind), expected)


def test_receipt_shows_when_the_report_was_received() -> None:
    assert shows(render_doc(Doc.tanda_terima), "Rabu, 25 September 2024 pukul 08.15 WIB")


def test_disposition_marks_the_chosen_sifat() -> None:
    boxes = read_boxes(docx.Document(io.BytesIO(render_doc(Doc.disposisi))))
    assert {k: boxes[k] for k in ("Biasa", "Segera", "Sangat Segera", "Rahasia")} == {
        "Biasa": "", "Segera": "", "Sangat Segera": "X", "Rahasia": ""}


def test_empty_optional_reporter_details_print_as_dash() -> None:
    data = render_doc(Doc.tanda_terima, make_case(nik_pelapor="", telepon_pelapor=""))
    assert paragraphs(data).count("-") >= 2


def test_letter_does_not_change_when_later_steps_are_filled() -> None:
    doc, cfg = DOCUMENT_BY_KIND[Doc.nota_dinas], make_config()
    early = make_case(waktu_disposisi=None, waktu_koordinasi=None, waktu_selesai=None,
                      waktu_lapor_camat=None, waktu_pemberitahuan=None)
    assert (render.build_context(early, cfg, doc, NOMOR)
            == render.build_context(make_case(), cfg, doc, NOMOR))


# ---------------------------------------------------------------- privacy


def _strings(value: Any) -> list[str]:
    """Every string inside a context value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, tuple):
        return [s for v in value for s in _strings(v)]
    if dataclasses.is_dataclass(value):
        return _strings(vars(value))
    return []


REPORTER = (NAMA, NIK, TELEPON, ALAMAT, "Rahayu", "Ngasinan")


@pytest.mark.parametrize("instansi", [SATPOL, POLSEK])
def test_coordination_letter_never_names_the_reporter(instansi: str) -> None:
    doc = DOCUMENT_BY_KIND[Doc.koordinasi]
    ctx = render.build_context(make_case(), make_config(), doc, NOMOR, instansi)
    assert "pelapor" not in ctx
    assert not [s for s in _strings(ctx) for r in REPORTER if r in s]
    text = "\n".join(paragraphs(render_doc(Doc.koordinasi, instansi=instansi)))
    assert f"Yth. {render.letter_addressee(make_case(), make_config(), doc, instansi)}" in text
    assert not [r for r in REPORTER if r in text]


def test_edited_coordination_template_cannot_leak_the_reporter(tmp_path: Path) -> None:
    cfg = make_config(copy_templates(tmp_path))
    template = cfg.templates / DOCUMENT_BY_KIND[Doc.koordinasi].template
    add_paragraph(template, "Pelapor: {{ pelapor.nama }}")
    with pytest.raises(TemplateError, match=r"04-surat-permohonan-koordinasi\.docx.*pelapor"):
        render_doc(Doc.koordinasi, cfg=cfg)
    [problem] = render.check_templates(cfg)
    assert "identitas pelapor tidak boleh dimuat" in problem


# ---------------------------------------------------------------- template errors and checks


def test_unknown_variable_fails_loudly_naming_the_template(tmp_path: Path) -> None:
    template = docx_with(tmp_path / "surat-saya.docx", "Kepada", "Halo {{ nama_pelapor }}",
                         "Terima kasih")
    ctx = render.contoh_context(DOCUMENT_BY_KIND[Doc.tanda_terima])
    with pytest.raises(TemplateError) as info:
        render.render_letter(template, ctx)
    assert info.value.message.startswith("Templat surat-saya.docx: variabel "
                                         "{{ nama_pelapor }} tidak dikenal.")
    assert "Halo {{ nama_pelapor }}" in info.value.message


def test_broken_tag_names_the_template_and_the_text_around_it(tmp_path: Path) -> None:
    template = docx_with(tmp_path / "rusak.docx", "Sebelum", "{% if %} Sesudah")
    with pytest.raises(TemplateError, match=r"Templat rusak\.docx: penulisan tag .*Sebelum"):
        render.render_letter(template, {})


def test_missing_or_damaged_template_is_reported(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="tidak ditemukan"):
        render.render_letter(tmp_path / "tidak-ada.docx", {})
    (tmp_path / "bukan.docx").write_text("ini bukan dokumen Word")
    with pytest.raises(TemplateError, match="rusak atau bukan dokumen Word"):
        render.render_letter(tmp_path / "bukan.docx", {})


def test_shipped_templates_pass_the_check() -> None:
    assert render.check_templates(make_config()) == []


def test_check_reports_a_misspelled_variable(tmp_path: Path) -> None:
    cfg = make_config(copy_templates(tmp_path))
    add_paragraph(cfg.templates / "02-nota-dinas-penerusan.docx", "No: {{ no_lapran }}")
    assert render.check_templates(cfg) == [
        "Templat 02-nota-dinas-penerusan.docx (Nota Dinas Penerusan Laporan) memakai variabel "
        "{{ no_lapran }} yang tidak disediakan program. Mungkin maksudnya {{ no_laporan }}? "
        "Daftar variabel yang boleh dipakai ada di templates/README.md."]


def test_check_reports_a_misspelled_part_and_a_missing_template(tmp_path: Path) -> None:
    cfg = make_config(copy_templates(tmp_path))
    add_paragraph(cfg.templates / "06-laporan-hasil-penyelesaian.docx", "{{ kantor.namaa }}")
    (cfg.templates / "03-lembar-disposisi.docx").unlink()
    problems = render.check_templates(cfg)
    assert len(problems) == 2
    assert problems[0].startswith("Templat 03-lembar-disposisi.docx tidak ditemukan")
    assert problems[1].startswith("Templat 06-laporan-hasil-penyelesaian.docx: bagian .namaa")


def test_check_reports_a_variable_of_a_later_step(tmp_path: Path) -> None:
    cfg = make_config(copy_templates(tmp_path))
    add_paragraph(cfg.templates / "01-tanda-terima-laporan.docx", "{{ hasil }}")
    [problem] = render.check_templates(cfg)
    assert "{{ hasil }} yang belum tersedia pada langkah 1" in problem


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_every_variable_is_provided_and_documented(doc: Document) -> None:
    ctx = render.build_context(make_case(), make_config(), doc, NOMOR,
                               SATPOL if doc.per_agency else "")
    assert set(ctx) == render.DOC_VARIABLES[doc.kind]
    readme = (REPO / "templates" / "README.md").read_text(encoding="utf-8")
    for name, value in ctx.items():
        assert isinstance(value, dict) or f"`{name}`" in readme, f"{name} not in README"
        if isinstance(value, dict):
            missing = [k for k in value if f"`{name}.{k}`" not in readme]
        elif isinstance(value, render.Waktu):
            missing = [k for k in vars(value) if f"`.{k}`" not in readme]
        else:
            missing = []
        assert not missing, f"{name}: parts {missing} missing from README"


# ---------------------------------------------------------------- any text, as typed

_TYPED = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn", "Zl", "Zp"))
                 | st.sampled_from("\n\t{}%#&<>\"'"), min_size=1, max_size=40)


@settings(max_examples=25, deadline=None)
@given(_TYPED.map(str.strip).filter(bool))
def test_any_typed_text_comes_out_as_typed(text: str) -> None:
    assert shows(render_doc(Doc.tanda_terima, make_case(uraian=text)), text)


# ---------------------------------------------------------------- printed on paper

ORDINARY = make_case(
    nama_pelapor="Siti Rahayu & Putri <Ani>", alamat_pelapor="Dusun Ngasinan RT 02/RW 05, "
    "Desa Botok, Kecamatan Kerjo", lokasi="Jalan Raya Kerjo–Ngargoyoso, depan pasar desa",
    uraian=("Sejak awal bulan ini beberapa pedagang mendirikan lapak semi permanen dari "
            "bambu dan terpal di bahu jalan dan di atas trotoar depan pasar desa. Pada jam "
            "sibuk pagi hari pejalan kaki, termasuk anak sekolah, terpaksa berjalan di badan "
            "jalan sehingga membahayakan keselamatan. Sampah sisa dagangan juga dibiarkan "
            "menumpuk di saluran air sehingga saat hujan air meluap ke jalan. Warga sudah "
            "menegur secara lisan tetapi lapak tetap didirikan setiap hari."),
    isi_disposisi="Koordinasikan dengan Satpol PP dan Polsek, tinjau lokasi bersama, "
                  "laporkan hasilnya kepada saya paling lambat tiga hari.",
    tindakan="Peninjauan lapangan bersama Satpol PP dan Polsek Kerjo, pendataan pedagang, "
             "dan teguran lisan agar lapak dibongkar dalam tiga hari.",
    hasil="Seluruh lapak telah dibongkar sendiri oleh pedagang; pedagang diarahkan berjualan "
          "di dalam area pasar desa. Saluran air telah dibersihkan bersama warga.")


SIGNER = {Doc.tanda_terima: "Agus Prasetyo", Doc.nota_dinas: "Dwi Lestari, S.Sos.",
          Doc.disposisi: "Camat Kerjo, Paraf:",  # a paraf, no name
          Doc.koordinasi: "Drs. Bambang Sutrisno, M.Si.",
          Doc.bukti_penyelesaian: "Dwi Lestari, S.Sos.", Doc.laporan_hasil: "Dwi Lestari, S.Sos.",
          Doc.pemberitahuan: "Drs. Bambang Sutrisno, M.Si.",
          Doc.catatan_pemberitahuan: "Dwi Lestari, S.Sos."}


@pytest.mark.libreoffice
@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice (soffice) dan pdftotext tidak terpasang")
def test_ordinary_letters_print_short_with_the_typed_values(tmp_path: Path) -> None:
    """The forms (receipt, disposition) on one page, the other letters on at most two."""
    letters = {kind: render_doc(kind, ORDINARY) for kind in Doc}
    for kind, data in letters.items():
        (tmp_path / f"{kind.value}.docx").write_bytes(data)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    *sorted(str(p) for p in tmp_path.glob("*.docx"))],
                   check=True, capture_output=True, timeout=300)
    for kind in Doc:
        pdf = tmp_path / f"{kind.value}.pdf"
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
        one_page = kind in (Doc.tanda_terima, Doc.disposisi)
        assert text.rstrip("\f").count("\f") <= (0 if one_page else 1), f"{kind}: too long"
        flat = " ".join(text.split())
        numbered = (NOMOR,) if DOCUMENT_BY_KIND[kind].numbered else ()
        for value in ("LP-017/IX/2024", *numbered, SIGNER[kind]):
            assert value in flat, f"{kind}: {value!r} missing from the PDF"
        assert ("Siti Rahayu & Putri <Ani>" in flat) is (NAMA in SHOWN[kind])


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_shipped_template_is_small_a4_with_only_the_emblem_image(doc: Document) -> None:
    path = REPO / "templates" / doc.template
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
    assert path.stat().st_size < 60_000
    assert not [n for n in names if n.startswith("word/fonts/")]  # no embedded fonts
    assert len([n for n in names if n.startswith("word/media/")]) == 1  # the lambang
    section = docx.Document(str(path)).sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert (round(section.left_margin.cm, 1), round(section.right_margin.cm, 1)) == (3.0, 2.0)
