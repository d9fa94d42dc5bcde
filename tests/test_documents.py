"""What each document says (issue 11): read back from rendered .docx files.

Every document is rendered for a case with every step and all optional columns filled,
and for a minimal case without them, with the shipped templates and the shipped
[[instansi]], [tembusan] and [disposisi] settings.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import docx
import pytest

from pipeline import indo, render
from pipeline.config import Config, Daftar, Kantor, Pejabat, PejabatSet
from pipeline.model import Case
from pipeline.schema import DOCUMENT_BY_KIND, DOCUMENTS, Doc, Document, documents_due
from tests.reading import blocks, boxes, rows
from tests.test_render import REPO

SATPOL, POLSEK = "Satuan Polisi Pamong Praja Kabupaten Karanganyar", "Kepolisian Sektor Kerjo"
DESA = "Pemerintah Desa setempat"
NOMOR = "300.1/042/Kec.Krj/2026"
ND_NOMOR, BA_NOMOR = "300.1/040/Kec.Krj/2026", "300.1/041/Kec.Krj/2026"
CAMAT, SEKCAM, KASI = "Drs. Bambang Sutrisno, M.Si.", "Sri Handayani, S.H.", "Dwi Lestari, S.Sos."
KASI_JABATAN = "Kepala Seksi Ketenteraman dan Ketertiban Umum"

MINIMAL = Case(
    no_laporan="021/TRANTIB/XI/2026", waktu_lapor=datetime(2026, 11, 9, 8, 15),
    cara_lapor="Datang Langsung", nama_pelapor="Sri Wahyuni", desa="Kuto",
    lokasi="Dusun Tegalsari RT 01/RW 03", perda="Perda tentang Pengelolaan Sampah",
    uraian="Sampah dibakar di lahan terbuka setiap sore.", petugas="Agus Prasetyo",
    alamat_pelapor="Dusun Tegalsari RT 02/RW 03, Desa Kuto", telepon_pelapor="081234567890",
    waktu_diteruskan=datetime(2026, 11, 9, 8, 30), waktu_disposisi=datetime(2026, 11, 9, 9, 0),
    isi_disposisi="Tindak lanjuti bersama Polsek dan Pemdes.",
    waktu_koordinasi=datetime(2026, 11, 10, 10, 0), instansi=(SATPOL, POLSEK, DESA),
    tindakan="Peninjauan lapangan dan pembinaan kepada pemilik lahan.",
    waktu_selesai=datetime(2026, 11, 17, 14, 0), status_akhir="Selesai",
    hasil="Pemilik lahan berjanji tidak membakar sampah lagi.",
    waktu_lapor_camat=datetime(2026, 11, 17, 15, 0),
    waktu_pemberitahuan=datetime(2026, 11, 18, 9, 0), cara_pemberitahuan="Surat")
FULL = dataclasses.replace(
    MINIMAL, sifat="Rahasia", instruksi=("Koordinasikan/konfirmasikan", "Laporkan hasilnya"),
    jadwal_tindakan=datetime(2026, 11, 16, 9, 0), tempat_tindakan="Balai Desa Kuto",
    terlapor="Budi Santoso", saksi=("Sutrisno", "Wahyu Hidayat"), nik_pelapor="3313015509800002")
CASES = {"lengkap": FULL, "minimal": MINIMAL}
RUJUKAN = {Doc.nota_dinas.value: render.Rujukan(ND_NOMOR, 40, datetime(2026, 11, 9, 8, 30)),
           Doc.bukti_penyelesaian.value: render.Rujukan(BA_NOMOR, 41,
                                                        datetime(2026, 11, 17, 14, 0))}


def make_config(nip_petugas: dict[str, str] | None = None, **kasi: str) -> Config:
    """The shipped lists with a filled-in office, three officials and one staff NIP."""
    kantor = Kantor(alamat="Jalan Raya Kerjo No. 1", kode_pos="57753",
                    telepon="(0271) 123456", email="kec.kerjo@example.go.id")
    pejabat = PejabatSet(
        camat=Pejabat("Camat Kerjo", CAMAT, "Pembina (IV/a)", "197501012000031001"),
        sekcam=Pejabat("Sekretaris Camat Kerjo", SEKCAM, "Penata Tingkat I (III/d)",
                       "197805122003122004"),
        kasi=Pejabat(KASI_JABATAN, KASI, "Penata (III/c)",
                     kasi.get("nip", "198203152010012002"), kasi.get("telepon", "0812 2600 1234")))
    daftar = Daftar(perda=("Perda tentang Pengelolaan Sampah",),
                    nip_petugas={"Agus Prasetyo": "198501012010011001"}
                    if nip_petugas is None else nip_petugas)
    return Config(kantor=kantor, pejabat=pejabat, daftar=daftar, base=REPO)


def render_doc(kind: Doc, case: Case, instansi: str = "", cfg: Config | None = None,
               rujukan: dict[str, render.Rujukan] | None = None) -> bytes:
    """One document of the case, rendered with the shipped template."""
    doc, cfg = DOCUMENT_BY_KIND[kind], cfg or make_config()
    ctx = render.build_context(case, cfg, doc, NOMOR if doc.numbered else "",
                               instansi or (SATPOL if doc.per_agency else ""),
                               rujukan=RUJUKAN if rujukan is None else rujukan)
    return render.render_letter(cfg.templates / doc.template, ctx)


def lines(data: bytes) -> list[str]:
    """Every non-empty paragraph of a letter, stripped."""
    return [t.strip() for t in blocks(docx.Document(io.BytesIO(data))) if t.strip()]


def text(data: bytes) -> str:
    """The letter as one string of lines."""
    return "\n".join(lines(data))


def labelled(data: bytes) -> dict[str, str]:
    """'Label : value' rows of the letter's borderless tables, by label."""
    found: dict[str, str] = {}
    for table in docx.Document(io.BytesIO(data)).tables:
        for cells in rows(table):
            if len(cells) == 3 and cells[1].text == ":":
                found.setdefault(cells[0].text.strip(), cells[2].text.strip())
    return found


def signature(data: bytes, role: str) -> list[str]:
    """The signature block under `role`: the role line(s), then the lines below it in its
    column of the signature table (name, rank, NIP), or [] when no block has that role."""
    for table in docx.Document(io.BytesIO(data)).tables:
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                if cell.text.strip() == role:
                    below = [later.cells[c].text.strip() for later in table.rows[r + 1:]]
                    return [role, *[t for t in below if t]]
    return []


def paraf_table(data: bytes) -> tuple[list[str], str] | None:
    """The paraf hierarki boxes' labels and the text of the cell beside them (the
    signature), or None when the letter has none."""
    for outer in docx.Document(io.BytesIO(data)).tables:
        for cells in rows(outer):
            for i, cell in enumerate(cells):
                for table in cell.tables:
                    first = [c.text.strip() for c in table.columns[0].cells]
                    if "Sekretaris Camat Kerjo" in first:
                        beside = "\n".join(c.text for c in outer.columns[i + 1].cells)
                        return first, beside
    return None


# ---------------------------------------------------------------- numbers and dates in words


def test_numbers_in_words_for_days() -> None:
    words = [indo.terbilang(n) for n in range(1, 32)]
    assert words[:12] == ["satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
                          "sembilan", "sepuluh", "sebelas", "dua belas"]
    assert words[16] == "tujuh belas" and words[19] == "dua puluh"
    assert words[20] == "dua puluh satu" and words[30] == "tiga puluh satu"
    assert len(set(words)) == 31


@pytest.mark.parametrize(("year", "words"), [
    (2000, "dua ribu"), (2001, "dua ribu satu"), (2010, "dua ribu sepuluh"),
    (2011, "dua ribu sebelas"), (2019, "dua ribu sembilan belas"),
    (2026, "dua ribu dua puluh enam"), (2099, "dua ribu sembilan puluh sembilan")])
def test_years_in_words(year: int, words: str) -> None:
    assert indo.terbilang(year) == words


def test_every_year_of_the_century_reads_as_words() -> None:
    for year in range(2000, 2100):
        words = indo.terbilang(year)
        assert words.startswith("dua ribu") and words.replace(" ", "").isalpha()
    assert indo.terbilang(100) == "seratus" and indo.terbilang(1000) == "seribu"


def test_berita_acara_date_in_words_for_every_month() -> None:
    assert (indo.tanggal_terbilang(date(2026, 11, 17))
            == "Selasa tanggal tujuh belas bulan November tahun dua ribu dua puluh enam")
    for month in range(1, 13):
        written = indo.tanggal_terbilang(date(2026, month, 1))
        assert f"tanggal satu bulan {indo.nama_bulan(month)} tahun dua ribu" in written


# ---------------------------------------------------------------- step 4


@pytest.mark.parametrize(("instansi", "kepada", "di"), [
    (SATPOL, "Kepala Satuan Polisi Pamong Praja Kabupaten Karanganyar", "Karanganyar"),
    (POLSEK, "Kapolsek Kerjo", "Kerjo"), (DESA, "Kepala Desa Kuto", "Tempat")])
def test_coordination_letter_goes_to_the_head_of_the_agency(instansi: str, kepada: str,
                                                            di: str) -> None:
    got = lines(render_doc(Doc.koordinasi, FULL, instansi))
    at = got.index(f"Yth. {kepada}")
    assert got[at + 1:at + 3] == ["di", di]
    assert render.letter_addressee(FULL, make_config(), DOCUMENT_BY_KIND[Doc.koordinasi],
                                   instansi) == kepada
    assert "Pemerintah Desa setempat" not in "\n".join(got[at:at + 3])


def test_coordination_letter_says_when_and_where() -> None:
    rows = labelled(render_doc(Doc.koordinasi, FULL))
    assert rows["hari, tanggal"] == "Senin, 16 November 2026"
    assert rows["pukul"] == "09.00 WIB"
    assert rows["tempat"] == "Balai Desa Kuto"
    assert "waktu" not in rows


def test_coordination_letter_without_schedule_agrees_it_through_the_contact() -> None:
    data = render_doc(Doc.koordinasi, MINIMAL)
    rows = labelled(data)
    assert rows["waktu"] == "akan disepakati bersama melalui narahubung di bawah ini"
    assert rows["tempat"] == "Dusun Tegalsari RT 01/RW 03, Desa Kuto"
    assert "hari, tanggal" not in rows and "pukul" not in rows
    assert (f"Narahubung: {KASI} ({KASI_JABATAN}), telepon 0812 2600 1234. Identitas "
            "pelapor kami rahasiakan.") in lines(data)


def test_contact_without_own_phone_gives_the_office_phone() -> None:
    data = render_doc(Doc.koordinasi, MINIMAL, cfg=make_config(telepon=""))
    assert f"Narahubung: {KASI} ({KASI_JABATAN}), telepon (0271) 123456." in text(data)


def test_coordination_letter_asks_for_the_action_needed() -> None:
    data = render_doc(Doc.koordinasi, FULL)
    assert labelled(data)["Tindakan yang Diperlukan"] == FULL.tindakan
    assert "Rencana Tindakan" not in text(data)


def test_coordination_copies_name_the_other_agencies_of_the_case() -> None:
    got = lines(render_doc(Doc.koordinasi, FULL, POLSEK))
    at = got.index("Tembusan:")
    assert got[at + 1:] == [
        "1. Bupati Karanganyar (sebagai laporan);",
        "2. Kepala Satuan Polisi Pamong Praja Kabupaten Karanganyar;",
        "3. Kepala Desa Kuto;", f"4. {KASI_JABATAN};", "5. Arsip."]


def test_coordination_letter_never_names_the_reporter() -> None:
    for case in CASES.values():
        ctx = render.build_context(case, make_config(), DOCUMENT_BY_KIND[Doc.koordinasi],
                                   NOMOR, DESA, rujukan=RUJUKAN)
        assert "pelapor" not in ctx
        printed = text(render_doc(Doc.koordinasi, case, DESA))
        assert "Sri Wahyuni" not in printed and "Tegalsari RT 02" not in printed
        assert "081234567890" not in printed


# ---------------------------------------------------------------- step 3


def test_disposition_refers_to_the_nota_dinas() -> None:
    data = render_doc(Doc.disposisi, FULL)
    got = lines(data)
    assert f"Nomor surat: {ND_NOMOR}" in got
    assert "Tanggal surat: 9 November 2026" in got
    assert "Nomor agenda: 40" in got
    assert "Hal: Penerusan Laporan Dugaan Pelanggaran Perda" in got
    assert NOMOR not in text(data) and FULL.no_laporan not in "".join(
        line for line in got if line.startswith("Nomor"))


def boxes_in(data: bytes) -> dict[str, str]:
    """Check boxes anywhere in a letter: label -> text in the box."""
    return boxes(docx.Document(io.BytesIO(data)))


def test_disposition_ticks_the_instructions_given() -> None:
    ticked = boxes_in(render_doc(Doc.disposisi, FULL))
    harap = {k: ticked[k] for k in make_config().disposisi.instruksi}
    assert harap == {"Tanggapan dan saran": "", "Proses lebih lanjut": "",
                     "Koordinasikan/konfirmasikan": "X", "Untuk diketahui": "",
                     "Untuk ditindaklanjuti": "", "Siapkan bahan": "",
                     "Laporkan hasilnya": "X", "Arsip": ""}
    assert ticked["Rahasia"] == "X" and ticked[KASI_JABATAN] == "X"
    minimal = boxes_in(render_doc(Doc.disposisi, MINIMAL))
    assert not [k for k in make_config().disposisi.instruksi if minimal[k]]
    assert minimal["Biasa"] == "X"


def test_long_report_text_is_shortened_on_the_disposition_with_a_pointer() -> None:
    case = dataclasses.replace(FULL, uraian="Sampah dibakar setiap sore. " * 200)
    got = lines(render_doc(Doc.disposisi, case))
    [short] = [line for line in got if line.startswith("Sampah dibakar")]
    assert len(short) < 700 and short.endswith(f"… (selengkapnya dalam Nota Dinas Nomor "
                                               f"{ND_NOMOR})")


def test_disposition_has_its_text_a_note_space_and_the_camats_paraf() -> None:
    got = lines(render_doc(Doc.disposisi, FULL))
    assert FULL.isi_disposisi in got and "Catatan:" in got
    assert got[-3:] == ["Camat Kerjo,", "Paraf: ....................",
                        "Tanggal: 9 November 2026"]
    assert not [line for line in got if line.startswith("NIP")] and CAMAT not in got


# ---------------------------------------------------------------- step 5


def test_berita_acara_has_title_number_and_date_in_words() -> None:
    got = lines(render_doc(Doc.bukti_penyelesaian, FULL))
    assert got[got.index("BERITA ACARA PENYELESAIAN PENGADUAN") + 1] == f"Nomor: {NOMOR}"
    assert any(line.startswith("Pada hari ini Selasa tanggal tujuh belas bulan November "
                               "tahun dua ribu dua puluh enam, pukul 14.00 WIB, bertempat "
                               "di Balai Desa Kuto") for line in got)


def test_berita_acara_names_and_seats_every_party() -> None:
    data = render_doc(Doc.bukti_penyelesaian, FULL)
    rows, got = labelled(data), lines(data)
    assert rows["Terlapor"] == "Budi Santoso" and rows["Saksi"] == "Sutrisno dan Wahyu Hidayat"
    assert rows["Status Akhir"] == "Selesai" and rows["Hasil Penyelesaian"] == FULL.hasil
    assert signature(data, "Terlapor,")[1:] == ["Budi Santoso"]
    assert "Saksi-saksi:" in got
    at = got.index("Saksi-saksi:")
    signs = "\t(" + "." * 24 + ")"  # each witness signs on the line of the name
    assert got[at + 1:at + 3] == ["1. Sutrisno" + signs, "2. Wahyu Hidayat" + signs]
    camat = signature(data, "Mengetahui,\nCamat Kerjo,")
    assert camat[1:] == [CAMAT, "Pembina (IV/a)", "NIP. 197501012000031001"]
    assert signature(data, f"{KASI_JABATAN},")[-1] == "NIP. 198203152010012002"


def test_berita_acara_leaves_out_empty_parties() -> None:
    data = render_doc(Doc.bukti_penyelesaian, MINIMAL)
    rows, got = labelled(data), lines(data)
    assert "Terlapor" not in rows and "Saksi" not in rows
    assert "Terlapor," not in got and "Saksi-saksi:" not in got
    assert "-" not in got and "Mengetahui,\nCamat Kerjo," in got


def test_berita_acara_does_not_name_the_reporter() -> None:
    assert "Sri Wahyuni" not in text(render_doc(Doc.bukti_penyelesaian, FULL))


# ---------------------------------------------------------------- step 6


def test_result_report_is_a_nota_dinas_with_the_berita_acara_attached() -> None:
    data = render_doc(Doc.laporan_hasil, FULL)
    rows, got = labelled(data), lines(data)
    assert got[0] == "NOTA DINAS" or "NOTA DINAS" in got
    assert rows["Yth."] == "Camat Kerjo" and rows["Dari"] == KASI_JABATAN
    assert rows["Tanggal"] == "17 November 2026" and rows["Nomor"] == NOMOR
    assert rows["Sifat"] == "Rahasia" and rows["Hal"] == "Laporan Hasil Penyelesaian Pengaduan"
    assert rows["Lampiran"] == ("1 (satu) berkas Berita Acara Penyelesaian Pengaduan Nomor "
                                f"{BA_NOMOR}")
    assert any(line.endswith("Demikian kami laporkan, mohon arahan lebih lanjut.") for line in got)
    assert "maklum" not in text(data)


def test_result_report_without_a_numbered_berita_acara_still_names_it() -> None:
    data = render_doc(Doc.laporan_hasil, MINIMAL, rujukan={})
    assert labelled(data)["Lampiran"] == "1 (satu) berkas Berita Acara Penyelesaian Pengaduan"
    assert "Nomor -" not in text(data)


# ---------------------------------------------------------------- the channel (steps 1 and 7)


def test_reporter_told_by_letter_gets_the_letter_with_address() -> None:
    assert [d.kind for d, _ in documents_due(FULL) if d.step == 7] == [Doc.pemberitahuan]
    got = lines(render_doc(Doc.pemberitahuan, FULL))
    at = got.index("Yth. Sdri. Sri Wahyuni")  # a woman: her NIK's day of birth is 55
    assert got[at + 1:at + 3] == ["di", "Dusun Tegalsari RT 02/RW 03, Desa Kuto"]


@pytest.mark.parametrize("cara", ["SMS", "Telepon", "Datang Langsung"])
def test_reporter_told_otherwise_gets_a_note_for_the_file(cara: str) -> None:
    case = dataclasses.replace(FULL, cara_pemberitahuan=cara)
    assert [d.kind for d, _ in documents_due(case) if d.step == 7] == [
        Doc.catatan_pemberitahuan]
    data = render_doc(Doc.catatan_pemberitahuan, case)
    rows = labelled(data)
    assert rows["Kepada"] == "Sdri. Sri Wahyuni" and rows["Melalui"] == cara
    assert rows["Waktu"] == "Rabu, 18 November 2026 pukul 09.00 WIB"
    assert rows["Oleh"] == "Agus Prasetyo" and rows["Hasil Penyelesaian"] == case.hasil
    assert ("No. Telepon" in rows) is (cara != "Datang Langsung")
    sms = render.sms_text(case, make_config(), DOCUMENT_BY_KIND[Doc.catatan_pemberitahuan])
    assert (sms is not None) is (cara == "SMS")
    if sms:
        assert sms in lines(data) and case.no_laporan in sms and case.hasil in sms
    assert "Teks SMS yang dikirim kepada pelapor:" in lines(data) or cara != "SMS"


def test_sms_texts_stay_within_320_characters() -> None:
    long = dataclasses.replace(FULL, cara_lapor="SMS", cara_pemberitahuan="SMS",
                               no_laporan="LP/" + "9" * 37, desa="Tawangsari",
                               nama_pelapor=("Raden Ayu " + "Sekar " * 20)[:100],
                               hasil="Lapak " * 700)
    for kind in (Doc.tanda_terima, Doc.catatan_pemberitahuan):
        sms = render.sms_text(long, make_config(), DOCUMENT_BY_KIND[kind])
        assert sms is not None and len(sms) <= 320 and long.no_laporan in sms
    assert "…" in (render.sms_text(long, make_config(),
                                   DOCUMENT_BY_KIND[Doc.catatan_pemberitahuan]) or "")


@pytest.mark.parametrize("cara", ["SMS", "Telepon"])
def test_receipt_of_a_remote_report_has_no_reporter_signature(cara: str) -> None:
    case = dataclasses.replace(FULL, cara_lapor=cara)
    data = render_doc(Doc.tanda_terima, case)
    got = lines(data)
    assert "Pelapor," not in got
    sms = render.sms_text(case, make_config(), DOCUMENT_BY_KIND[Doc.tanda_terima])
    assert sms is not None and case.no_laporan in sms and sms in got
    assert signature(data, "Petugas Penerima,")[1] == "Agus Prasetyo"


def test_receipt_at_the_desk_is_signed_by_the_reporter_and_has_no_sms() -> None:
    assert signature(render_doc(Doc.tanda_terima, FULL), "Pelapor,")[1:] == ["Sri Wahyuni"]
    assert render.sms_text(FULL, make_config(), DOCUMENT_BY_KIND[Doc.tanda_terima]) is None


# ---------------------------------------------------------------- signers, NIP and paraf


def test_receiving_officer_signs_with_nip() -> None:
    got = signature(render_doc(Doc.tanda_terima, FULL), "Petugas Penerima,")
    assert got[1:] == ["Agus Prasetyo", "NIP. 198501012010011001"]


def test_signer_without_nip_prints_no_nip_line() -> None:
    cfg = make_config(nip_petugas={}, nip="")
    for kind in (Doc.tanda_terima, Doc.nota_dinas, Doc.catatan_pemberitahuan):
        got = lines(render_doc(kind, dataclasses.replace(FULL, cara_pemberitahuan="SMS"),
                               cfg=cfg))
        assert not [line for line in got if line.startswith("NIP") and "1975" not in line], kind


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_letters_the_camat_signs_carry_the_paraf_boxes(doc: Document) -> None:
    found = paraf_table(render_doc(doc.kind, FULL))
    if doc.kind in (Doc.koordinasi, Doc.pemberitahuan):
        assert found is not None
        labels, beside = found
        assert labels == ["Sekretaris Camat Kerjo", KASI_JABATAN]
        assert "Camat Kerjo," in beside and CAMAT in beside  # at the left of the signature
    else:
        assert found is None


# ---------------------------------------------------------------- register agrees with the letter


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("doc", [d for d in DOCUMENTS if d.numbered], ids=lambda d: d.kind.value)
def test_agenda_subject_and_addressee_are_what_the_letter_prints(doc: Document,
                                                                 case: Case) -> None:
    data = render_doc(doc.kind, case)
    got, rows = lines(data), labelled(data)
    hal = render.letter_subject(doc)
    assert rows.get("Hal") == hal or hal.upper() in got
    tujuan = render.letter_addressee(case, make_config(), doc, SATPOL if doc.per_agency else "")
    if doc.kind in (Doc.koordinasi, Doc.pemberitahuan):
        assert f"Yth. {tujuan}" in got
    elif doc.kind in (Doc.nota_dinas, Doc.laporan_hasil):
        assert rows["Yth."] == tujuan
    elif doc.kind is Doc.tanda_terima:
        assert rows["Nama Pelapor"] == tujuan
    else:
        assert tujuan == "Arsip"


def _header_footer_text(data: bytes) -> str:
    """All text of the letter's page headers and footers."""
    section = docx.Document(io.BytesIO(data)).sections[0]
    parts = (section.first_page_header, section.header, section.first_page_footer,
             section.footer)
    return "\n".join(p.text for part in parts for p in part.paragraphs)


@pytest.mark.parametrize("kind", [Doc.koordinasi, Doc.laporan_hasil, Doc.disposisi])
def test_secret_cases_are_marked_rahasia_on_every_page(kind: Doc) -> None:
    assert _header_footer_text(render_doc(kind, FULL)).count("RAHASIA") == 4
    assert "RAHASIA" not in _header_footer_text(render_doc(kind, MINIMAL))


def test_dates_typed_without_a_time_print_no_pukul() -> None:
    case = dataclasses.replace(FULL, jadwal_tindakan=datetime(2026, 11, 16),
                               waktu_selesai=datetime(2026, 11, 17),
                               tanpa_jam=frozenset({"jadwal_tindakan", "waktu_selesai"}))
    rows = labelled(render_doc(Doc.koordinasi, case))
    assert rows["hari, tanggal"] == "Senin, 16 November 2026" and "pukul" not in rows
    got = text(render_doc(Doc.bukti_penyelesaian, case))
    assert ("Pada hari ini Selasa tanggal tujuh belas bulan November tahun dua ribu dua "
            "puluh enam, bertempat di Balai Desa Kuto") in got
    assert "pukul 00.00" not in got


@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_every_document_prints_the_copies_set_for_it(doc: Document) -> None:
    tembusan = dataclasses.replace(make_config().tembusan,
                                   **{doc.kind.value: ("Inspektur Kabupaten Karanganyar",)})
    cfg = dataclasses.replace(make_config(), tembusan=tembusan)
    case = dataclasses.replace(FULL, cara_pemberitahuan="SMS") if (
        doc.kind is Doc.catatan_pemberitahuan) else FULL
    got = lines(render_doc(doc.kind, case, cfg=cfg))
    assert got[-2:] == ["Tembusan:", "1. Inspektur Kabupaten Karanganyar."]
    if not getattr(make_config().tembusan, doc.kind.value):
        assert "Tembusan:" not in lines(render_doc(doc.kind, case))


def test_long_result_is_shortened_on_the_one_page_note_with_a_pointer() -> None:
    case = dataclasses.replace(FULL, cara_pemberitahuan="Telepon",
                               hasil="Lahan dibersihkan. " * 300)
    rows = labelled(render_doc(Doc.catatan_pemberitahuan, case))
    assert len(rows["Hasil Penyelesaian"]) < 700
    assert rows["Hasil Penyelesaian"].endswith(
        f"… (selengkapnya dalam Berita Acara Penyelesaian Pengaduan Nomor {BA_NOMOR})")
    rows = labelled(render_doc(Doc.catatan_pemberitahuan, case, rujukan={}))
    assert rows["Hasil Penyelesaian"].endswith(
        "… (selengkapnya dalam Berita Acara Penyelesaian Pengaduan)")


def test_shipped_templates_are_what_the_generator_writes(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(REPO / "tools" / "make_templates.py"), str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    for doc in DOCUMENTS:
        with zipfile.ZipFile(REPO / "templates" / doc.template) as shipped, \
                zipfile.ZipFile(tmp_path / doc.template) as made:
            parts = [n for n in made.namelist() if n.startswith("word/") and n.endswith(".xml")]
            stale = [n for n in parts if shipped.read(n) != made.read(n)]
        assert not stale, f"{doc.template}: run python tools/make_templates.py ({stale})"


def test_filed_letters_print_the_numbers_of_the_letters_they_refer_to(make_intake: Any,
                                                                      cfg: Config) -> None:
    from pipeline.process import open_state, process_file
    from tests.conftest import full_row

    path = make_intake([full_row(1, cara_pemberitahuan="SMS")])
    state = open_state(cfg)
    process_file(path, cfg, state)
    numbers = {row.doc: row.nomor for row in state.letters_of_year(2024)}
    state.close()

    def filed(title: str) -> bytes:
        [found] = cfg.outbox.rglob(f"LP-001 - {title}.docx")
        return found.read_bytes()

    nota, ba = numbers["nota_dinas"], numbers["bukti_penyelesaian"]
    assert f"Nomor surat: {nota}" in lines(filed("Lembar Disposisi"))
    report = filed("Laporan Hasil Penyelesaian")
    assert labelled(report)["Lampiran"].endswith(f"Nomor {ba}")
    assert f"atas Nota Dinas Nomor {nota} tentang" in text(report)
    note = filed("Catatan Pemberitahuan kepada Pelapor")
    assert "Teks SMS yang dikirim kepada pelapor:" in lines(note)
    [sms] = cfg.outbox.rglob("LP-001 - Catatan Pemberitahuan kepada Pelapor.txt")
    assert sms.read_text(encoding="utf-8").strip() in lines(note)


# ---------------------------------------------------------------- signatures on paper

Word = tuple[float, float, float, float, str]  # xMin, yMin, xMax, yMax (pt), text
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r'([^<]*)</word>')
SIGNATURES = {  # the names signing each letter; a pair signs side by side
    Doc.tanda_terima: ("Sri Wahyuni", "Agus Prasetyo"), Doc.nota_dinas: (KASI,),
    Doc.koordinasi: (CAMAT,), Doc.bukti_penyelesaian: ("Budi Santoso", KASI),
    Doc.laporan_hasil: (KASI,), Doc.pemberitahuan: (CAMAT,),
    Doc.catatan_pemberitahuan: ("Agus Prasetyo", KASI)}


def pdf_words(pdf: Path) -> list[list[Word]]:
    """Each page's words with their boxes (pdftotext -bbox)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return [[(float(a), float(b), float(c), float(d), html_text(t)) for a, b, c, d, t
             in WORD.findall(page)] for page in html.split("<page ")[1:]]


def html_text(text: str) -> str:
    """A word as printed (pdftotext escapes &, < and >)."""
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def signed_name(pages: list[list[Word]], name: str) -> tuple[Word, float]:
    """The name's first word where it is signed (its last appearance), and the empty
    space above it in its column down from the line before (the signing space)."""
    want = name.split()
    for words in reversed(pages):
        texts = [w[4] for w in words]
        starts = [i for i in range(len(texts)) if texts[i:i + len(want)] == want]
        if starts:
            first, last = words[starts[-1]], words[starts[-1] + len(want) - 1]
            above = [w[3] for w in words if w[3] <= first[1]
                     and w[0] < last[2] + 30 and w[2] > first[0] - 30]
            return first, first[1] - max(above)
    raise AssertionError(f"{name} is not signed")


@pytest.mark.libreoffice
@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice dan pdftotext tidak terpasang")
def test_signers_side_by_side_sign_on_one_line_after_the_same_space(tmp_path: Path) -> None:
    case = dataclasses.replace(FULL, cara_pemberitahuan="SMS")
    for kind in SIGNATURES:
        (tmp_path / f"{kind.value}.docx").write_bytes(render_doc(kind, case))
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
                    "--headless", "--norestore", "--convert-to", "pdf", "--outdir",
                    str(tmp_path), *sorted(str(p) for p in tmp_path.glob("*.docx"))],
                   check=True, capture_output=True, timeout=600)
    for kind, names in SIGNATURES.items():
        pages = pdf_words(tmp_path / f"{kind.value}.pdf")
        signed = [signed_name(pages, name) for name in names]
        spaces = [space for _, space in signed]  # the shorter role line gets more room
        assert 50 <= min(spaces) <= 80, f"{kind.value}: {spaces} pt to sign above {names}"
        rows = {round(word[1]) for word, _ in signed}
        assert len(rows) == 1, f"{kind.value}: {names} not on one line ({rows})"


# ---------------------------------------------------------------- what the secretary sends back


MAN_NIK = "3313011508800003"  # day of birth 15: a man (a woman's is written plus 40)


@pytest.mark.parametrize(("nik", "short", "word"), [
    ("3313015509800002", "Sdri.", "Saudari"), (MAN_NIK, "Sdr.", "Saudara"),
    ("", "Sdr.", "Saudara")])
def test_reporter_is_addressed_as_saudari_or_saudara_by_the_nik(nik: str, short: str,
                                                                word: str) -> None:
    case = dataclasses.replace(FULL, nik_pelapor=nik)
    got = text(render_doc(Doc.pemberitahuan, case))
    assert f"Yth. {short} Sri Wahyuni" in got
    assert f"laporan {word} yang kami terima" in got and f"kepedulian {word} dalam" in got
    other = "Saudara" if word == "Saudari" else "Saudari"
    assert f"{other} " not in got and f"{other}," not in got
    assert render.letter_addressee(case, make_config(), DOCUMENT_BY_KIND[Doc.pemberitahuan]
                                   ) == f"{short} Sri Wahyuni"
    sms = dataclasses.replace(case, cara_lapor="SMS", cara_pemberitahuan="SMS")
    for kind in (Doc.tanda_terima, Doc.catatan_pemberitahuan):
        message = render.sms_text(sms, make_config(), DOCUMENT_BY_KIND[kind]) or ""
        assert message.startswith(f"Yth. {short} Sri Wahyuni, laporan {word} ")
    note = labelled(render_doc(Doc.catatan_pemberitahuan, sms))
    assert note["Kepada"] == f"{short} Sri Wahyuni"


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d.kind.value)
def test_no_letter_hedges_the_camat_as_bapak_ibu(doc: Document, case: Case) -> None:
    assert "Bapak/Ibu" not in text(render_doc(doc.kind, case))


def test_the_camats_disposition_is_named_by_the_office() -> None:
    got = text(render_doc(Doc.laporan_hasil, FULL))
    assert f"Menindaklanjuti disposisi Camat Kerjo tanggal 9 November 2026 atas Nota Dinas " \
           f"Nomor {ND_NOMOR}" in got
    assert text(render_doc(Doc.nota_dinas, FULL)).count(
        "mohon petunjuk dan disposisi lebih lanjut.") == 1


def test_coordination_letter_closes_with_the_usual_formula_on_its_own() -> None:
    got = lines(render_doc(Doc.koordinasi, FULL))
    at = got.index("Demikian atas perhatian dan kerja samanya diucapkan terima kasih.")
    assert got[at - 1].startswith("Narahubung: ") and got[at + 1] == "Camat Kerjo,"
    assert not [line for line in got if "; atas perhatian" in line]


def _label_columns(data: bytes) -> list[tuple[int, int]]:
    """Each label table's (indent + label width, colon width) in twips, in order."""
    found = []
    for table in docx.Document(io.BytesIO(data)).tables:
        cells = table.rows[0].cells
        if len(cells) == 3 and cells[1].text == ":":
            ind = table._tbl.tblPr.find(docx.oxml.ns.qn("w:tblInd"))
            indent = int(ind.get(docx.oxml.ns.qn("w:w"))) if ind is not None else 0
            found.append((indent + cells[0].width.twips, cells[1].width.twips))
    return found


def test_coordination_letter_colons_stand_in_one_column_below_the_nomor_block() -> None:
    """The case table and the schedule under it put their colons at one place (the
    Nomor/Sifat/Lampiran/Hal block above has its own, as in every surat dinas)."""
    for case in CASES.values():
        columns = _label_columns(render_doc(Doc.koordinasi, case))
        below = columns[1:]  # (a twip is 1/567 cm: rounding, not seen)
        assert len(below) >= 2 and max(c[0] for c in below) - min(c[0] for c in below) <= 2
        assert len({c[1] for c in below}) == 1, columns
    [schedule] = [t for t in docx.Document(io.BytesIO(render_doc(Doc.koordinasi, FULL))).tables
                  if t.rows[-1].cells[0].text == "tempat"]
    assert schedule._tbl.tblPr.find(docx.oxml.ns.qn("w:tblInd")) is not None  # indented


def test_result_report_dates_all_name_the_day() -> None:
    rows = labelled(render_doc(Doc.laporan_hasil, FULL))
    assert rows["Waktu Laporan"] == "Senin, 9 November 2026 pukul 08.15 WIB"
    assert rows["Koordinasi"].startswith("Selasa, 10 November 2026 dengan ")
    assert rows["Selesai pada"] == "Selasa, 17 November 2026 pukul 14.00 WIB"
    closing = [line for line in lines(render_doc(Doc.laporan_hasil, FULL))
               if line.startswith("Bersama ini kami lampirkan")]
    assert closing and ";" not in closing[0]


def test_receipt_of_a_phoned_report_says_telepon_in_small_letters() -> None:
    got = text(render_doc(Doc.tanda_terima, dataclasses.replace(FULL, cara_lapor="Telepon")))
    assert "Laporan diterima melalui telepon;" in got
    got = text(render_doc(Doc.tanda_terima, dataclasses.replace(FULL, cara_lapor="SMS")))
    assert "Laporan diterima melalui SMS;" in got


def test_note_is_dated_and_signed_by_its_maker_at_the_right() -> None:
    data = render_doc(Doc.catatan_pemberitahuan, dataclasses.replace(FULL,
                                                                     cara_pemberitahuan="SMS"))
    [table] = [t for t in docx.Document(io.BytesIO(data)).tables
               if "Yang memberitahukan," in t.columns[1].cells[1].text]
    right = [c.text.strip() for c in table.columns[1].cells if c.text.strip()]
    left = [c.text.strip() for c in table.columns[0].cells if c.text.strip()]
    assert right[:3] == ["Kerjo, 18 November 2026", "Yang memberitahukan,", "Agus Prasetyo"]
    assert left[0] == f"Mengetahui,\n{KASI_JABATAN}," and left[1] == KASI


def test_disposition_summary_leaves_room_for_the_camat_on_one_page() -> None:
    case = dataclasses.replace(FULL, uraian="Sampah dibakar setiap sore. " * 200)
    [short] = [line for line in lines(render_doc(Doc.disposisi, case))
               if line.startswith("Sampah dibakar")]
    assert len(short) <= 400 + len(f"… (selengkapnya dalam Nota Dinas Nomor {ND_NOMOR})")


@pytest.mark.parametrize(("kind", "field", "label"), [
    (Doc.pemberitahuan, "hasil", "Hasil Penyelesaian"), (Doc.tanda_terima, "uraian", "Uraian"),
    (Doc.koordinasi, "tindakan", "Tindakan yang Diperlukan"),
    (Doc.laporan_hasil, "hasil", "Hasil Penyelesaian")])
def test_a_text_of_pages_is_printed_full_width_under_its_label(kind: Doc, field: str,
                                                              label: str) -> None:
    """A short text stands in the label table; pages of it are printed as a paragraph under
    the label, across the whole text width, not in the narrow value column."""
    long = "Lahan dibersihkan bersama warga dan pelaku membuat pernyataan. " * 60
    data = render_doc(kind, dataclasses.replace(FULL, **{field: long}))
    assert label not in labelled(data)
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    at = texts.index(f"{label}:")
    assert texts[at + 1] == long and document.paragraphs[at].paragraph_format.keep_with_next
    short = labelled(render_doc(kind, FULL))
    assert short[label] == getattr(FULL, field) and f"{label}:" not in lines(
        render_doc(kind, FULL))


def test_letter_to_the_reporter_of_a_secret_case_says_rahasia_where_it_says_sifat() -> None:
    """A page headed RAHASIA whose Sifat reads Biasa would be sent back."""
    secret = dataclasses.replace(FULL, sifat="Rahasia")
    assert labelled(render_doc(Doc.pemberitahuan, secret))["Sifat"] == "Rahasia"
    assert "RAHASIA" in _header_footer_text(render_doc(Doc.pemberitahuan, secret))
    plain = dataclasses.replace(FULL, sifat="Segera")
    assert labelled(render_doc(Doc.pemberitahuan, plain))["Sifat"] == "Biasa"


def test_disposition_names_the_case_in_a_sentence_not_a_colon_list() -> None:
    got = lines(render_doc(Doc.disposisi, FULL))
    assert ("No. Laporan 021/TRANTIB/XI/2026, dugaan pelanggaran Perda tentang Pengelolaan "
            "Sampah di Dusun Tegalsari RT 01/RW 03, Desa Kuto") in got
