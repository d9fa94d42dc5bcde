"""Write the letter templates (templates/*.docx) with python-docx.

Run from the repository root:  python tools/make_templates.py [OUTPUT_DIR]

The templates are ordinary Word documents that clerks may edit afterwards; this script
only makes the shipped versions reproducible. The form every letter shares (page, kop with
the lambang daerah, headers with page numbers, KONSEP and RAHASIA, signature, tables) is
built by tools/letterform.py; this file writes each document's content with those blocks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Cm, Pt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from letterform import (  # noqa: E402
    CENTER, INDENT, SIGN_INDENT, TEXT_WIDTH, Rows, body, cant_split, checkboxes, closing, fields,
    gap,
    fixed_widths, keep_table, kop, new_document, nomor_block, para, prune_styles, title,
)
from letterparts import (  # noqa: E402
    LONG, camat_signs, close_cells, copies_block, nota_block, official, tag,
    tagged_fields,
)
from pipeline.schema import DOCUMENT_BY_KIND, Doc  # noqa: E402
from signblock import Block, official_block, sign_table  # noqa: E402

PLACE_ROWS: Rows = (("Lokasi Kejadian", "{{ lokasi }}, Desa {{ desa }}"),
                    ("Uraian", "{{ uraian }}"))
CASE_ROWS: Rows = (PLACE_ROWS[0], ("Dugaan Pelanggaran", "{{ perda }}"), PLACE_ROWS[1])
WIDE = Cm(5.4)  # the label column of the step-4 letter ("Tindakan yang Diperlukan")


# ---------------------------------------------------------------- the eight documents


def tanda_terima(doc: DocxDocument) -> None:
    """1. Receipt: signed by the reporter at the desk; for the file when by Telepon/SMS."""
    kop(doc)
    title(doc, "TANDA TERIMA LAPORAN DUGAAN PELANGGARAN PERDA")
    body(doc, "Telah diterima laporan dugaan pelanggaran Peraturan Daerah (Perda) dengan "
              "keterangan sebagai berikut:")
    fields(doc, [("No. Laporan", "{{ no_laporan }}"), ("Nama Pelapor", "{{ pelapor.nama }}"),
                 ("NIK", "{{ pelapor.nik }}"), ("Alamat", "{{ pelapor.alamat }}"),
                 ("No. Telepon", "{{ pelapor.telepon }}"),
                 ("Diterima pada", "{{ waktu_lapor }}"), ("Cara Lapor", "{{ cara_lapor }}"),
                 *CASE_ROWS, ("Petugas Penerima", "{{ petugas }}")])
    closing(doc, "Laporan ini akan ditindaklanjuti sesuai dengan Standar Operasional Prosedur "
              "Pengamanan Pelaksanaan Perda. Sebutkan No. Laporan di atas bila menanyakan "
              "perkembangannya.")
    tag(doc, "{%p if not pelapor_hadir %}")
    closing(doc, "Laporan diterima melalui {% if cara_lapor == 'Telepon' %}telepon{% else %}"
                 "{{ cara_lapor }}{% endif %}; tanda terima ini disimpan sebagai arsip. "
                 "No. Laporan disampaikan kepada pelapor melalui SMS ke nomor "
                 "{{ pelapor.telepon }} dengan teks berikut:")
    para(doc, "{{ teks_sms }}", left_indent=Cm(1.25), after=6, keep=True, keep_lines=True)
    tag(doc, "{%p endif %}")
    sign_table(doc, Block("Petugas Penerima,", "petugas", nip="nip_petugas"),  # reporter
               Block("Pelapor,", "pelapor.nama", when="pelapor_hadir"), dated=True, before=6,
               keep=True)
    copies_block(doc)


def nota_dinas(doc: DocxDocument) -> None:
    """2. Forwarding memo from the Kasi Trantib to the Camat."""
    kop(doc)
    nota_block(doc, "Biasa", "1 (satu) berkas laporan")
    body(doc, "Dengan hormat, bersama ini kami teruskan laporan dugaan pelanggaran Peraturan "
              "Daerah yang diterima pada {{ waktu_lapor }} dengan keterangan sebagai berikut:")
    fields(doc, [("No. Laporan", "{{ no_laporan }}"), ("Nama Pelapor", "{{ pelapor.nama }}"),
                 ("Cara Lapor", "{{ cara_lapor }}"), *CASE_ROWS,
                 ("Petugas Penerima", "{{ petugas }}")])
    closing(doc, "Berkas laporan terlampir. Demikian kami sampaikan, mohon petunjuk dan "
              "disposisi lebih lanjut.")
    official(doc, "kasi", keep=True)
    copies_block(doc)


def disposisi(doc: DocxDocument) -> None:
    """3. The Camat's disposition of the step-2 Nota Dinas (a bordered form, no number)."""
    kop(doc)
    title(doc, "LEMBAR DISPOSISI", numbered=False)
    half = Cm(8.0)
    table = doc.add_table(rows=8, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed_widths(table, (half, TEXT_WIDTH - half))
    grid = [
        ("Surat dari: {{ kasi.jabatan }}", "Diterima tanggal: {{ waktu_diteruskan.tanggal }}"),
        ("Nomor surat: {{ nota_dinas.nomor }}", "Nomor agenda: {{ nota_dinas.agenda }}"),
        ("Tanggal surat: {{ nota_dinas.tanggal }}", "Sifat:"),
        ("Hal: {{ nota_dinas.hal }}\nNo. Laporan {{ no_laporan }}, dugaan pelanggaran "
         "{{ perda }} di {{ lokasi }}, Desa {{ desa }}", None),
        ("Uraian singkat:\n{{ uraian|ringkas(400, ('Nota Dinas Nomor ' ~ nota_dinas.nomor) "
         "if nota_dinas.nomor else 'Nota Dinas') }}", None),
        ("Diteruskan kepada:", "Dengan hormat harap:"),
        ("Isi disposisi:\n{{ isi_disposisi }}", None),
        ("Catatan:\n\n", ""),
    ]
    for row, (left, right) in zip(table.rows, grid, strict=True):
        cells = row.cells
        if right is None:
            cells = [cells[0].merge(cells[1])]
        for cell, text in zip(cells, (left, right), strict=False):
            if text:
                _form_cell(cell, text)
    checkboxes(table.rows[2].cells[1], [
        ("Biasa", "{{ tanda_sifat.biasa }}"), ("Segera", "{{ tanda_sifat.segera }}"),
        ("Sangat Segera", "{{ tanda_sifat.sangat_segera }}"),
        ("Rahasia", "{{ tanda_sifat.rahasia }}")])
    checkboxes(table.rows[5].cells[0], [("{{ kasi.jabatan }}", "X")])
    checkboxes(table.rows[5].cells[1], [("{{ h.teks }}", "{{ h.tanda }}")], loop="for h in harap")
    paraf = table.rows[7].cells[1]  # the Camat's paraf and date, beside the Catatan
    for text, before in (("{{ camat.jabatan }},", 2), ("Paraf: ....................", 20),
                         ("Tanggal: {{ waktu_disposisi.tanggal }}", 4)):
        para(paraf, text, align=CENTER, before=before)
    close_cells(paraf)
    cant_split(table)
    copies_block(doc)


def _form_cell(cell: object, text: str) -> None:
    """A disposition-form cell: the label bold, each line its own paragraph."""
    label, _, rest = text.partition(":")
    lines = rest.split("\n")
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    p.add_run(label + ":").bold = True
    if lines[0].strip():
        p.add_run(lines[0])
    for line in lines[1:]:
        cell.add_paragraph(line)  # type: ignore[attr-defined]
    for q in cell.paragraphs:  # type: ignore[attr-defined]
        q.paragraph_format.space_before = q.paragraph_format.space_after = Pt(2)


def koordinasi(doc: DocxDocument) -> None:
    """4. Letter to the head of ONE related agency; it never names the reporter."""
    kop(doc)
    nomor_block(doc, "{{ sifat }}")
    para(doc, "Yth. {{ tujuan.jabatan }}")
    para(doc, "di")
    para(doc, "{{ tujuan.di }}", left_indent=Cm(0.6), after=6)
    body(doc, "Berdasarkan laporan masyarakat yang kami terima pada {{ waktu_lapor }} dengan "
              "No. Laporan {{ no_laporan }}, terdapat dugaan pelanggaran {{ perda }} dengan "
              "keterangan sebagai berikut:")
    fields(doc, [*PLACE_ROWS, ("Tindakan yang Diperlukan", "{{ tindakan }}")], label=WIDE,
           long=LONG)
    body(doc, "Sehubungan dengan hal tersebut, kami mohon kesediaan Saudara menugaskan "
              "personel untuk melaksanakan tindakan yang diperlukan tersebut bersama kami, "
              "sesuai dengan prosedur dan kewenangan masing-masing, pada:")
    tagged_fields(doc, [("{%tr if jadwal_tindakan %}", ""),
                        ("hari, tanggal", "{{ jadwal_tindakan.hari_tanggal }}"),
                        ("{%tr if jadwal_tindakan.jam %}", ""),
                        ("pukul", "{{ jadwal_tindakan.jam }}"), ("{%tr endif %}", ""),
                        ("{%tr else %}", ""),
                        ("waktu", "akan disepakati bersama melalui narahubung di bawah ini"),
                        ("{%tr endif %}", ""), ("tempat", "{{ tempat_tindakan }}")],
                  label=WIDE - INDENT, indent=INDENT)
    body(doc, "Narahubung: {{ narahubung.nama }} ({{ narahubung.jabatan }}), telepon "
              "{{ narahubung.telepon }}. Identitas pelapor kami rahasiakan.")
    closing(doc, "Demikian atas perhatian dan kerja samanya diucapkan terima kasih.")
    camat_signs(doc)
    copies_block(doc)


def bukti_penyelesaian(doc: DocxDocument) -> None:
    """5. Berita Acara Penyelesaian: date in words, parties, what was done, signatures."""
    kop(doc)
    title(doc, "BERITA ACARA PENYELESAIAN PENGADUAN")
    body(doc, "Pada hari ini {{ waktu_selesai.terbilang }}{% if waktu_selesai.jam %}, pukul "
              "{{ waktu_selesai.jam }}{% endif %}, bertempat di {{ tempat_tindakan }}, telah "
              "dilakukan penyelesaian pengaduan masyarakat No. Laporan {{ no_laporan }} "
              "tentang dugaan pelanggaran {{ perda }} di {{ lokasi }}, Desa {{ desa }}, "
              "dengan dihadiri oleh:")
    tagged_fields(doc, [("Petugas", "{{ kasi.nama }}, {{ kasi.jabatan }}"),
                        ("Instansi Terkait", "{{ daftar_instansi }}"),
                        ("{%tr if terlapor %}", ""), ("Terlapor", "{{ terlapor }}"),
                        ("{%tr endif %}", ""), ("{%tr if saksi %}", ""),
                        ("Saksi", "{{ saksi }}"), ("{%tr endif %}", "")])
    body(doc, "Hasil pemeriksaan dan penyelesaian:")
    fields(doc, [("Uraian Pengaduan", "{{ uraian }}"), ("Tindakan", "{{ tindakan }}"),
                 ("Status Akhir", "{{ status_akhir }}"), ("Hasil Penyelesaian", "{{ hasil }}")],
           long=LONG)
    closing(doc, "Demikian Berita Acara ini dibuat dengan sebenarnya untuk dipergunakan "
              "sebagaimana mestinya.")
    sign_table(doc, official_block("kasi"),
               Block("Terlapor,", "terlapor", when="terlapor"),  # reported party | officer
               keep=True)
    gap(doc).paragraph_format.keep_with_next = True  # witnesses, Camat: with the closing
    names = sign_table(doc, official_block("camat", "Mengetahui,\n{{ camat.jabatan }},"),
                       before=0, keep=True)
    saksi = names.rows[0].cells[0]
    names.rows[0].cells[1].vertical_alignment = 3  # bottom: the Camat below the witnesses
    tag(saksi, "{%p if saksi %}")
    para(saksi, "Saksi-saksi:", before=12, keep=True)
    tag(saksi, "{%p for s in saksi %}")
    witness = para(saksi, "{{ loop.index }}. {{ s }}\t(" + "." * 24 + ")", before=20,
                   keep=True)
    witness.paragraph_format.tab_stops.add_tab_stop(Cm(5.0))  # the witness signs here
    tag(saksi, "{%p endfor %}")
    tag(saksi, "{%p endif %}")
    close_cells(saksi)
    copies_block(doc)


def laporan_hasil(doc: DocxDocument) -> None:
    """6. Nota Dinas reporting the result to the Camat; the Berita Acara attached."""
    kop(doc)
    nota_block(doc, "{{ sifat }}", "{{ lampiran }}")
    body(doc, "Menindaklanjuti disposisi {{ camat.jabatan }} tanggal "
              "{{ waktu_disposisi.tanggal }} atas Nota Dinas{% if nota_dinas.nomor %} Nomor "
              "{{ nota_dinas.nomor }}{% endif %} tentang laporan No. {{ no_laporan }}, "
              "dengan hormat kami laporkan hasil penyelesaiannya sebagai berikut:")
    fields(doc, [("Nama Pelapor", "{{ pelapor.nama }}"),  # the uraian is on the disposisi
                 ("Waktu Laporan", "{{ waktu_lapor }}"), *CASE_ROWS[:2],
                 ("Isi Disposisi", "{{ isi_disposisi }}"),
                 ("Koordinasi", "{{ waktu_koordinasi.hari_tanggal }} dengan "
                                "{{ daftar_instansi }}"),
                 ("Tindakan", "{{ tindakan }}"), ("Status Akhir", "{{ status_akhir }}"),
                 ("Hasil Penyelesaian", "{{ hasil }}"), ("Selesai pada", "{{ waktu_selesai }}")])
    closing(doc, "Bersama ini kami lampirkan Berita Acara Penyelesaian Pengaduan{% if "
                 "berita_acara.nomor %} Nomor {{ berita_acara.nomor }}{% endif %} tanggal "
                 "{{ berita_acara.tanggal }}. Hasil penyelesaian ini selanjutnya akan kami "
                 "beritahukan kepada pelapor. Demikian kami laporkan, mohon arahan lebih lanjut.")
    official(doc, "kasi", before=0, keep=True)
    copies_block(doc)


def pemberitahuan(doc: DocxDocument) -> None:
    """7. Letter to the reporter with the outcome (told by Surat), signed by the Camat."""
    kop(doc)
    nomor_block(doc, "{% if rahasia %}Rahasia{% else %}Biasa{% endif %}")
    para(doc, "Yth. {{ pelapor.sapaan }} {{ pelapor.nama }}")
    para(doc, "di")
    para(doc, "{{ pelapor.alamat }}", left_indent=Cm(0.6), after=6)
    body(doc, "Menindaklanjuti laporan {{ pelapor.saudara }} yang kami terima pada {{ waktu_lapor }} dengan "
              "No. Laporan {{ no_laporan }} tentang dugaan pelanggaran {{ perda }} di "
              "{{ lokasi }}, Desa {{ desa }}, dengan ini kami sampaikan hasil "
              "penyelesaiannya sebagai berikut:")
    fields(doc, [("Status Akhir", "{{ status_akhir }}"), ("Hasil Penyelesaian", "{{ hasil }}"),
                 ("Selesai pada", "{{ waktu_selesai }}")], indent=Cm(1.25))
    closing(doc, "Terima kasih atas kepedulian {{ pelapor.saudara }} dalam menjaga ketenteraman dan "
              "ketertiban di lingkungan kita. Demikian pemberitahuan ini kami sampaikan.")
    camat_signs(doc)
    copies_block(doc)


def catatan_pemberitahuan(doc: DocxDocument) -> None:
    """7. Note for the file: who was told what, when, how and by whom (SMS, Telepon, ...)."""
    kop(doc)
    title(doc, "CATATAN PEMBERITAHUAN HASIL PENYELESAIAN LAPORAN", numbered=False)
    body(doc, "Hasil penyelesaian laporan No. {{ no_laporan }} tentang dugaan pelanggaran "
              "{{ perda }} di {{ lokasi }}, Desa {{ desa }}, telah diberitahukan kepada "
              "pelapor dengan keterangan sebagai berikut:")
    tagged_fields(doc, [("Kepada", "{{ pelapor.sapaan }} {{ pelapor.nama }}"),
                        ("Waktu", "{{ waktu_pemberitahuan }}"),
                        ("Melalui", "{{ cara_pemberitahuan }}"),
                        ('{%tr if cara_pemberitahuan != "Datang Langsung" %}', ""),
                        ("No. Telepon", "{{ pelapor.telepon }}"), ("{%tr endif %}", ""),
                        ("Oleh", "{{ petugas }}"), ("Status Akhir", "{{ status_akhir }}"),
                        ("Hasil Penyelesaian", "{{ hasil|ringkas(600, 'Berita Acara "
                         "Penyelesaian Pengaduan' ~ ((' Nomor ' ~ berita_acara.nomor) if "
                         "berita_acara.nomor else '')) }}"),
                        ("Selesai pada", "{{ waktu_selesai }}")])
    tag(doc, "{%p if teks_sms %}")
    body(doc, "Teks SMS yang dikirim kepada pelapor:")
    para(doc, "{{ teks_sms }}", left_indent=Cm(1.25), after=6)
    tag(doc, "{%p endif %}")
    closing(doc, "Catatan ini disimpan sebagai arsip dan tidak dikirim kepada pelapor.")
    sign_table(doc, Block("Yang memberitahukan,", "petugas", nip="nip_petugas"),
               official_block("kasi", "Mengetahui,\n{{ kasi.jabatan }},"), dated=True,
               keep=True)
    copies_block(doc)


BUILDERS: dict[Doc, Callable[[DocxDocument], None]] = {
    Doc.tanda_terima: tanda_terima, Doc.nota_dinas: nota_dinas, Doc.disposisi: disposisi,
    Doc.koordinasi: koordinasi, Doc.bukti_penyelesaian: bukti_penyelesaian,
    Doc.laporan_hasil: laporan_hasil, Doc.pemberitahuan: pemberitahuan,
    Doc.catatan_pemberitahuan: catatan_pemberitahuan,
}


def make_templates(out_dir: Path) -> list[Path]:
    """Write the seven templates into out_dir; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, build in BUILDERS.items():
        info = DOCUMENT_BY_KIND[kind]
        doc = new_document(info.title)
        build(doc)
        prune_styles(doc)
        path = out_dir / info.template
        doc.save(str(path))
        written.append(path)
    return written


def main(argv: Sequence[str]) -> int:
    """Command line: write the templates to argv[1] or to templates/."""
    out_dir = Path(argv[1]) if len(argv) > 1 else ROOT / "templates"
    for path in make_templates(out_dir):
        print(f"ditulis: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
