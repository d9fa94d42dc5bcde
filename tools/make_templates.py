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
    CENTER, SIGN_INDENT, TEXT_WIDTH, Rows, body, cant_split, cell_text, checkboxes, closing,
    fields, fixed_widths, keep_table, kop, new_document, nomor_block, nota_header, para, signature,
    tembusan, title,
)
from pipeline.schema import DOCUMENT_BY_KIND, Doc  # noqa: E402

# ---------------------------------------------------------------- shared rows


PLACE_ROWS: Rows = (("Lokasi Kejadian", "{{ lokasi }}, Desa {{ desa }}"),
                   ("Uraian", "{{ uraian }}"))
CASE_ROWS: Rows = (PLACE_ROWS[0], ("Perda yang Diduga Dilanggar", "{{ perda }}"), PLACE_ROWS[1])


# ---------------------------------------------------------------- the seven documents


def tanda_terima(doc: DocxDocument) -> None:
    """1. Receipt handed (or read back) to the reporter."""
    kop(doc)
    title(doc, "TANDA TERIMA LAPORAN")
    body(doc, "Telah diterima laporan dugaan pelanggaran Peraturan Daerah (Perda) dengan "
              "keterangan sebagai berikut:")
    fields(doc, [("No. Laporan", "{{ no_laporan }}"), ("Nama Pelapor", "{{ pelapor.nama }}"),
                 ("NIK", "{{ pelapor.nik }}"), ("Alamat", "{{ pelapor.alamat }}"),
                 ("No. Telepon", "{{ pelapor.telepon }}"),
                 ("Diterima pada", "{{ waktu_lapor }}"), ("Cara Lapor", "{{ cara_lapor }}"),
                 *CASE_ROWS, ("Petugas Penerima", "{{ petugas }}")])
    closing(doc, "Laporan ini akan ditindaklanjuti sesuai dengan Standar Operasional Prosedur "
              "Pengamanan Pelaksanaan Perda. Simpan tanda terima ini dan sebutkan "
              "No. Laporan di atas bila menanyakan perkembangannya.")
    names = doc.add_table(rows=4, cols=2)  # reporter left, receiving officer right
    fixed_widths(names, (SIGN_INDENT, TEXT_WIDTH - SIGN_INDENT))
    cells = (("", "{{ tempat_tanggal }}"), ("Pelapor,", "Petugas Penerima,"), ("", ""),
             ("{{ pelapor.nama }}", "{{ petugas }}"))
    for i, (row, texts) in enumerate(zip(names.rows, cells, strict=True)):
        for cell, text in zip(row.cells, texts, strict=True):
            cell_text(cell, text, bold=i == 3)
            cell.paragraphs[0].alignment = CENTER
    names.rows[2].height = Cm(1.6)
    keep_table(names)


def nota_dinas(doc: DocxDocument) -> None:
    """2. Forwarding memo from the Kasi Trantib to the Camat."""
    kop(doc)
    nota_header(doc, "NOTA DINAS", "Biasa", "1 (satu) berkas laporan")
    body(doc, "Dengan hormat, bersama ini kami teruskan laporan dugaan pelanggaran Peraturan "
              "Daerah yang diterima pada {{ waktu_lapor }} dengan keterangan sebagai berikut:")
    fields(doc, [("No. Laporan", "{{ no_laporan }}"), ("Nama Pelapor", "{{ pelapor.nama }}"),
                 ("Cara Lapor", "{{ cara_lapor }}"), *CASE_ROWS,
                 ("Petugas Penerima", "{{ petugas }}")])
    closing(doc, "Berkas laporan terlampir. Mohon petunjuk dan disposisi Bapak/Ibu Camat untuk "
              "tindak lanjutnya. Demikian, atas perhatiannya kami ucapkan terima kasih.")
    signature(doc, "kasi", dated=False)


def disposisi(doc: DocxDocument) -> None:
    """3. The Camat's disposition sheet (a bordered form)."""
    kop(doc)
    title(doc, "LEMBAR DISPOSISI", numbered=False)
    half = Cm(8.0)
    table = doc.add_table(rows=6, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed_widths(table, (half, TEXT_WIDTH - half))
    grid = [
        ("Surat dari: {{ kasi.jabatan }}", "Diterima tanggal: {{ waktu_diteruskan.tanggal }}"),
        ("Nomor surat (No. Laporan): {{ no_laporan }}", "Nomor agenda: {{ nomor_surat }}"),
        ("Tanggal surat: {{ waktu_lapor.tanggal }}", "Sifat:"),
        ("Hal: {{ hal }}\n{{ perda }}, di {{ lokasi }}, Desa {{ desa }}", None),
        ("Uraian singkat:\n{{ uraian|ringkas(600, 'Nota Dinas') }}", None),
        ("Diteruskan kepada:", "Isi disposisi:\n{{ isi_disposisi }}"),
    ]
    for row, (left, right) in zip(table.rows, grid, strict=True):
        cells = row.cells
        if right is None:
            cells = [cells[0].merge(cells[1])]
        for cell, text in zip(cells, (left, right), strict=False):
            _form_cell(cell, text)
    checkboxes(table.rows[2].cells[1], [
        ("Biasa", "{{ tanda_sifat.biasa }}"), ("Segera", "{{ tanda_sifat.segera }}"),
        ("Sangat Segera", "{{ tanda_sifat.sangat_segera }}"),
        ("Rahasia", "{{ tanda_sifat.rahasia }}")])
    checkboxes(table.rows[5].cells[0], [("{{ kasi.jabatan }}", "X")])
    cant_split(table)
    para(doc)
    para(doc, "Paraf dan tanggal disposisi: {{ waktu_disposisi.tanggal }}",
         left_indent=SIGN_INDENT, align=CENTER)
    signature(doc, "camat", dated=False, before=6)


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
    """4. Letter to ONE related agency; it never names the reporter."""
    kop(doc)
    nomor_block(doc, "{{ sifat }}")
    para(doc, "Yth. {{ instansi }}")
    para(doc, "di")
    para(doc, "Tempat", left_indent=Cm(0.6), after=6)
    body(doc, "Berdasarkan laporan masyarakat yang kami terima pada {{ waktu_lapor }} dengan "
              "No. Laporan {{ no_laporan }}, terdapat dugaan pelanggaran {{ perda }} dengan "
              "keterangan sebagai berikut:")
    fields(doc, [*PLACE_ROWS, ("Rencana Tindakan", "{{ tindakan }}"),
                 ("Instansi Terkait", "{{ daftar_instansi }}")])
    body(doc, "Sehubungan dengan hal tersebut, kami mohon kesediaan Saudara untuk "
              "berkoordinasi dan melakukan tindakan bersama sesuai dengan prosedur dan "
              "kewenangan masing-masing. Identitas pelapor dirahasiakan.")
    closing(doc, "Demikian permohonan ini kami sampaikan. Atas perhatian dan kerja sama "
              "Saudara, kami ucapkan terima kasih.")
    signature(doc, "camat", dated=False)
    tembusan(doc, ["{{ kasi.jabatan }};", "Arsip."])


def bukti_penyelesaian(doc: DocxDocument) -> None:
    """5. Proof that the complaint was resolved."""
    kop(doc)
    title(doc, "BUKTI PENYELESAIAN PENGADUAN")
    body(doc, "Yang bertanda tangan di bawah ini menerangkan bahwa pengaduan masyarakat "
              "berikut telah ditangani:")
    fields(doc, [("No. Laporan", "{{ no_laporan }}"), ("Nama Pelapor", "{{ pelapor.nama }}"),
                 ("Tanggal Laporan", "{{ waktu_lapor.hari_tanggal }}"), *CASE_ROWS,
                 ("Instansi Terkait", "{{ daftar_instansi }}"),
                 ("Tindakan", "{{ tindakan }}"), ("Status Akhir", "{{ status_akhir }}"),
                 ("Hasil Penyelesaian", "{{ hasil }}"), ("Selesai pada", "{{ waktu_selesai }}")])
    closing(doc, "Demikian bukti penyelesaian ini dibuat untuk dipergunakan sebagaimana "
              "mestinya.")
    signature(doc, "kasi", before=0)


def laporan_hasil(doc: DocxDocument) -> None:
    """6. Report of the result from the Kasi Trantib to the Camat."""
    kop(doc)
    nota_header(doc, "LAPORAN HASIL PENYELESAIAN", "{{ sifat }}", "-")
    body(doc, "Menindaklanjuti disposisi Bapak/Ibu Camat tanggal "
              "{{ waktu_disposisi.tanggal }} atas laporan No. {{ no_laporan }}, dengan hormat "
              "kami laporkan hasil penyelesaiannya sebagai berikut:")
    fields(doc, [("Nama Pelapor", "{{ pelapor.nama }}"),  # the uraian is on the disposisi
                 ("Tanggal Laporan", "{{ waktu_lapor.hari_tanggal }}"), *CASE_ROWS[:2],
                 ("Isi Disposisi", "{{ isi_disposisi }}"),
                 ("Koordinasi", "{{ waktu_koordinasi.tanggal }} dengan {{ daftar_instansi }}"),
                 ("Tindakan", "{{ tindakan }}"), ("Status Akhir", "{{ status_akhir }}"),
                 ("Hasil Penyelesaian", "{{ hasil }}"), ("Selesai pada", "{{ waktu_selesai }}")])
    closing(doc, "Selanjutnya pelapor akan diberi tahu hasil penyelesaian ini. Demikian laporan "
              "ini kami sampaikan untuk menjadi maklum.")
    signature(doc, "kasi", dated=False, before=0)


def pemberitahuan(doc: DocxDocument) -> None:
    """7. Letter to the reporter with the outcome, signed by the Camat."""
    kop(doc)
    nomor_block(doc, "Biasa")
    para(doc, "Yth. Sdr. {{ pelapor.nama }}")
    para(doc, "{{ pelapor.alamat }}", after=12)
    body(doc, "Menindaklanjuti laporan Saudara yang kami terima pada {{ waktu_lapor }} dengan "
              "No. Laporan {{ no_laporan }} tentang dugaan pelanggaran {{ perda }} di "
              "{{ lokasi }}, Desa {{ desa }}, dengan ini kami sampaikan hasil "
              "penyelesaiannya sebagai berikut:")
    fields(doc, [("Status Akhir", "{{ status_akhir }}"), ("Hasil Penyelesaian", "{{ hasil }}"),
                 ("Selesai pada", "{{ waktu_selesai }}")], indent=Cm(1.25))
    closing(doc, "Terima kasih atas kepedulian Saudara dalam menjaga ketenteraman dan "
              "ketertiban di lingkungan kita. Demikian pemberitahuan ini kami sampaikan.")
    signature(doc, "camat", dated=False)
    tembusan(doc, ["{{ kasi.jabatan }};", "Arsip."])


def catatan_pemberitahuan(doc: DocxDocument) -> None:
    """7. Note for the file: the reporter was told by SMS, telephone or in person."""
    kop(doc)
    title(doc, "CATATAN PEMBERITAHUAN KEPADA PELAPOR", numbered=False)
    body(doc, "Pada {{ waktu_pemberitahuan }} pelapor Sdr. {{ pelapor.nama }} telah diberi "
              "tahu hasil penyelesaian laporan No. {{ no_laporan }} melalui "
              "{{ cara_pemberitahuan }}, sebagai berikut:")
    fields(doc, [("Status Akhir", "{{ status_akhir }}"), ("Hasil Penyelesaian", "{{ hasil }}"),
                 ("Selesai pada", "{{ waktu_selesai }}")], indent=Cm(1.25))
    closing(doc, "Demikian catatan ini dibuat sebagai arsip pemberitahuan kepada pelapor.")
    signature(doc, "kasi", dated=False)


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
