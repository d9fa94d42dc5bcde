"""The intake columns, the SOP steps and the documents, declared once.

Used by the blank-workbook writer, the reader, the validator, the renderer and the
template-variable documentation. Header texts and help texts are what staff see.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

SHEET_DATA = "Laporan"
SHEET_HELP = "Petunjuk"
SHEET_LISTS = "Daftar"  # hidden sheet holding the drop-down lists
BANNER_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3
HEADER_SEARCH_ROWS = 10  # the reader looks for the header row in the first N rows


class Kind(StrEnum):
    """How a cell is read and checked.

    text: trimmed text; datetime: date + time; choice: one value of a list;
    choices: one or more list values separated by ';'; names: free names separated by ';';
    nik: 16 digits; phone: an Indonesian phone number, normalised to 08…
    """

    text = "text"
    datetime = "datetime"
    choice = "choice"
    choices = "choices"
    names = "names"
    nik = "nik"
    phone = "phone"


class Need(StrEnum):
    """When a column must be filled.

    always: on every row; step: when the column's step is done (its time column filled);
    optional: never required; conditional: a rule in validate.py decides (address, phone).
    """

    always = "always"
    step = "step"
    optional = "optional"
    conditional = "conditional"


@dataclass(frozen=True)
class Step:
    """One of the SOP's seven steps."""

    number: int
    name: str  # Indonesian, shown in the banner row and the recap
    slug: str  # folder name part: outbox/<tahun>/<NN>-<slug>/
    time_key: str  # the column whose filled time marks the step done
    actor: str


STEPS: tuple[Step, ...] = (
    Step(1, "Penerimaan Laporan", "penerimaan-laporan", "waktu_lapor", "Pelapor → Staf"),
    Step(2, "Penerusan kepada Camat", "penerusan-ke-camat", "waktu_diteruskan",
         "Staf → Kasi → Camat"),
    Step(3, "Disposisi Camat", "disposisi-camat", "waktu_disposisi", "Camat"),
    Step(4, "Koordinasi dan Tindakan", "koordinasi-tindakan", "waktu_koordinasi",
         "Kasi, Staf"),
    Step(5, "Bukti Penyelesaian", "bukti-penyelesaian", "waktu_selesai", "Staf"),
    Step(6, "Laporan Hasil kepada Camat", "laporan-hasil", "waktu_lapor_camat",
         "Kasi → Camat"),
    Step(7, "Pemberitahuan kepada Pelapor", "pemberitahuan-pelapor", "waktu_pemberitahuan",
         "Staf → Pelapor"),
)

# Fixed lists (the SOP's vocabulary); the office's own lists come from config.toml.
CARA_LAPOR = ("Datang Langsung", "SMS", "Telepon")
SIFAT = ("Biasa", "Segera", "Sangat Segera", "Rahasia")
STATUS_AKHIR = ("Selesai", "Tidak Terbukti", "Dilimpahkan")
CARA_PEMBERITAHUAN = ("Surat", "SMS", "Telepon", "Datang Langsung")
FIXED_LISTS: dict[str, tuple[str, ...]] = {
    "cara_lapor": CARA_LAPOR,
    "sifat": SIFAT,
    "status_akhir": STATUS_AKHIR,
    "cara_pemberitahuan": CARA_PEMBERITAHUAN,
}
CONFIG_LISTS = ("desa", "perda", "petugas")  # keys of [daftar] in config.toml
# Lists from other config sections: instansi ([[instansi]] names), instruksi ([disposisi]).


@dataclass(frozen=True)
class Column:
    """One intake column: its exact header, its step, how it is read and when it is needed."""

    key: str
    header: str
    step: int
    kind: Kind
    need: Need
    help: str  # input message shown by Excel / Calc when the cell is selected
    width: int = 18
    list_name: str | None = None  # for choice / choices
    max_len: int | None = None  # names: per name
    strict_list: bool = True  # False: the list is a suggestion, other text is accepted
    default: str | None = None  # the case's value when empty (None: "", () or None by kind)
    variable: str | None = None  # the template variable it feeds (None: the key)

    @property
    def template_variable(self) -> str:
        """The name templates use for this column's value (templates/README.md)."""
        return self.variable or self.key


EXCEL_CELL_MAX = 32767  # the most characters an Excel cell holds: the cap of long text
LIST_KINDS = (Kind.choices, Kind.names)  # read as a tuple of values

COLUMNS: tuple[Column, ...] = (
    Column("no_laporan", "No. Laporan", 1, Kind.text, Need.always,
           "Nomor laporan dari buku register, paling banyak 40 karakter. "
           "Nomor yang sama pada tahun yang sama berarti laporan yang sama.",
           width=14, max_len=40),
    Column("waktu_lapor", "Waktu Lapor", 1, Kind.datetime, Need.always,
           "Tanggal dan jam laporan diterima, misalnya 25/09/2024 08:15.", width=17),
    Column("cara_lapor", "Cara Lapor", 1, Kind.choice, Need.always,
           "Pilih: Datang Langsung, SMS, atau Telepon.", width=16, list_name="cara_lapor"),
    Column("nama_pelapor", "Nama Pelapor", 1, Kind.text, Need.always,
           "Nama lengkap pelapor.", width=22, max_len=100, variable="pelapor.nama"),
    Column("nik_pelapor", "NIK Pelapor", 1, Kind.nik, Need.optional,
           "16 angka NIK pelapor (boleh dikosongkan).", width=19, variable="pelapor.nik"),
    Column("alamat_pelapor", "Alamat Pelapor", 1, Kind.text, Need.conditional,
           "Wajib diisi bila pemberitahuan kepada pelapor dikirim dengan Surat.", width=28,
           max_len=300, variable="pelapor.alamat"),
    Column("telepon_pelapor", "No. Telepon Pelapor", 1, Kind.phone, Need.conditional,
           "Misalnya 0812 3456 7890. Wajib bila laporan atau pemberitahuan melalui SMS/Telepon.",
           width=17, variable="pelapor.telepon"),
    Column("desa", "Desa", 1, Kind.choice, Need.always,
           "Pilih desa tempat kejadian.", width=14, list_name="desa"),
    Column("lokasi", "Lokasi Kejadian", 1, Kind.text, Need.always,
           "Dusun, RT/RW, jalan, atau patokan tempat kejadian.", width=26, max_len=300),
    Column("perda", "Perda yang Diduga Dilanggar", 1, Kind.choice, Need.always,
           "Pilih Perda dari daftar.", width=36, list_name="perda"),
    Column("uraian", "Uraian Dugaan Pelanggaran", 1, Kind.text, Need.always,
           "Uraikan dugaan pelanggaran: apa, siapa, kapan, di mana.", width=40,
           max_len=EXCEL_CELL_MAX),
    Column("petugas", "Petugas Penerima", 1, Kind.text, Need.always,
           "Nama staf yang menerima laporan.", width=20, list_name="petugas",
           max_len=100, strict_list=False),
    Column("waktu_diteruskan", "Waktu Diteruskan", 2, Kind.datetime, Need.step,
           "Tanggal dan jam berkas diteruskan kepada Camat melalui Kasi.", width=17),
    Column("waktu_disposisi", "Waktu Disposisi", 3, Kind.datetime, Need.step,
           "Tanggal dan jam Camat memberi disposisi.", width=17),
    Column("sifat", "Sifat Disposisi", 3, Kind.choice, Need.optional,
           "Pilih: Biasa, Segera, Sangat Segera, atau Rahasia. Kosong berarti Biasa.",
           width=15, list_name="sifat", default="Biasa"),
    Column("isi_disposisi", "Isi Disposisi", 3, Kind.text, Need.step,
           "Petunjuk Camat kepada Kasi, ditulis sama persis.", width=36,
           max_len=EXCEL_CELL_MAX),
    Column("instruksi", "Instruksi Disposisi", 3, Kind.choices, Need.optional,
           "Boleh dikosongkan. Satu atau lebih instruksi dari daftar, dipisah titik koma (;); "
           "dicentang pada Lembar Disposisi.", width=30, list_name="instruksi"),
    Column("waktu_koordinasi", "Waktu Koordinasi", 4, Kind.datetime, Need.step,
           "Tanggal dan jam koordinasi dengan instansi terkait.", width=17),
    Column("instansi", "Instansi Terkait", 4, Kind.choices, Need.step,
           "Satu atau lebih instansi, dengan nama resmi atau singkatannya (lihat lembar "
           "Petunjuk), dipisah titik koma (;).", width=30, list_name="instansi",
           variable="daftar_instansi"),
    Column("tindakan", "Tindakan", 4, Kind.text, Need.step,
           "Tindakan yang diperlukan atau dilakukan sesuai prosedur dan kewenangan.", width=36,
           max_len=EXCEL_CELL_MAX),
    Column("jadwal_tindakan", "Jadwal Tindakan Bersama", 4, Kind.datetime, Need.optional,
           "Boleh dikosongkan. Tanggal dan jam tindakan bersama, misalnya 30/09/2024 09:00; "
           "bila kosong, surat menyebut waktu disepakati melalui narahubung.", width=17),
    Column("tempat_tindakan", "Tempat Tindakan Bersama", 4, Kind.text, Need.optional,
           "Boleh dikosongkan. Tempat tindakan bersama; bila kosong dipakai Lokasi Kejadian.",
           width=26, max_len=300),
    Column("waktu_selesai", "Waktu Selesai", 5, Kind.datetime, Need.step,
           "Tanggal dan jam pengaduan selesai ditangani.", width=17),
    Column("status_akhir", "Status Akhir", 5, Kind.choice, Need.step,
           "Pilih: Selesai, Tidak Terbukti, atau Dilimpahkan.", width=15,
           list_name="status_akhir"),
    Column("hasil", "Hasil Penyelesaian", 5, Kind.text, Need.step,
           "Uraian hasil penyelesaian pengaduan.", width=36, max_len=EXCEL_CELL_MAX),
    Column("terlapor", "Nama Terlapor", 5, Kind.text, Need.optional,
           "Boleh dikosongkan. Nama pihak yang dilaporkan, untuk Berita Acara Penyelesaian.",
           width=22, max_len=100),
    Column("saksi", "Saksi", 5, Kind.names, Need.optional,
           "Boleh dikosongkan. Nama saksi, dipisah titik koma (;), untuk Berita Acara "
           "Penyelesaian.", width=26, max_len=100),
    Column("waktu_lapor_camat", "Waktu Lapor ke Camat", 6, Kind.datetime, Need.step,
           "Tanggal dan jam hasil dilaporkan kepada Camat.", width=17),
    Column("waktu_pemberitahuan", "Waktu Pemberitahuan", 7, Kind.datetime, Need.step,
           "Tanggal dan jam pelapor diberi tahu hasilnya.", width=17),
    Column("cara_pemberitahuan", "Cara Pemberitahuan", 7, Kind.choice, Need.step,
           "Pilih: Surat, SMS, Telepon, atau Datang Langsung.", width=17,
           list_name="cara_pemberitahuan"),
)

COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
STEP_COLUMNS: dict[int, tuple[Column, ...]] = {
    s.number: tuple(c for c in COLUMNS if c.step == s.number) for s in STEPS}
TIME_KEYS: tuple[str, ...] = tuple(s.time_key for s in STEPS)
DATETIME_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.kind is Kind.datetime)


def fold_header(text: str) -> str:
    """Fold a header for matching: case-insensitive, runs of white space as one space."""
    return " ".join(str(text).split()).casefold()


COLUMN_BY_FOLDED_HEADER: dict[str, Column] = {fold_header(c.header): c for c in COLUMNS}


class Doc(StrEnum):
    """The seven documents, one kind per SOP step (see SOP.md).

    tanda_terima (1), nota_dinas (2), disposisi (3), koordinasi (4, one per agency),
    bukti_penyelesaian (5), laporan_hasil (6), pemberitahuan (7, when the reporter is told
    by Surat), catatan_pemberitahuan (7, a note for the file when told by SMS, Telepon or
    Datang Langsung).
    """

    tanda_terima = "tanda_terima"
    nota_dinas = "nota_dinas"
    disposisi = "disposisi"
    koordinasi = "koordinasi"
    bukti_penyelesaian = "bukti_penyelesaian"
    laporan_hasil = "laporan_hasil"
    pemberitahuan = "pemberitahuan"
    catatan_pemberitahuan = "catatan_pemberitahuan"


@dataclass(frozen=True)
class Document:
    """A document the SOP calls for: its step, title, template and who may read it.

    `numbered`: False for documents that take no outgoing number and no Buku Agenda row
    (the disposition sheet refers to the Nota Dinas's number; the step-7 note stays in
    the file).
    """

    kind: Doc
    step: int
    title: str  # Indonesian; also the file name part
    template: str  # file name in templates/
    names_reporter: bool  # False: goes outside the office, must not identify the reporter
    per_agency: bool = False  # one letter per agency named in Instansi Terkait
    numbered: bool = True  # takes the next number of the year's Buku Agenda


DOCUMENTS: tuple[Document, ...] = (
    Document(Doc.tanda_terima, 1, "Tanda Terima Laporan", "01-tanda-terima-laporan.docx", True),
    Document(Doc.nota_dinas, 2, "Nota Dinas Penerusan Laporan", "02-nota-dinas-penerusan.docx",
             True),
    Document(Doc.disposisi, 3, "Lembar Disposisi", "03-lembar-disposisi.docx", True,
             numbered=False),
    Document(Doc.koordinasi, 4, "Surat Permohonan Koordinasi",
             "04-surat-permohonan-koordinasi.docx", False, per_agency=True),
    Document(Doc.bukti_penyelesaian, 5, "Bukti Penyelesaian Pengaduan",
             "05-bukti-penyelesaian-pengaduan.docx", True),
    Document(Doc.laporan_hasil, 6, "Laporan Hasil Penyelesaian",
             "06-laporan-hasil-penyelesaian.docx", True),
    Document(Doc.pemberitahuan, 7, "Surat Pemberitahuan kepada Pelapor",
             "07-surat-pemberitahuan-pelapor.docx", True),
    Document(Doc.catatan_pemberitahuan, 7, "Catatan Pemberitahuan kepada Pelapor",
             "07-catatan-pemberitahuan.docx", True, numbered=False),
)

DOCUMENT_BY_KIND: dict[Doc, Document] = {d.kind: d for d in DOCUMENTS}


class _DueCase(Protocol):
    """What `documents_due` reads of a case (model.Case)."""

    @property
    def steps_done(self) -> int: ...
    @property
    def instansi(self) -> tuple[str, ...]: ...
    @property
    def cara_pemberitahuan(self) -> str: ...


def documents_due(case: _DueCase) -> list[tuple[Document, str]]:
    """Every (document, agency) a case is due now, in document order.

    Documents of the steps done; step 4 gives one per agency (agency "" otherwise); step 7
    is the letter when the reporter is told by Surat, else the note for the file.
    """
    due: list[tuple[Document, str]] = []
    for doc in DOCUMENTS:
        if doc.step > case.steps_done:
            break
        if doc.per_agency:
            due.extend((doc, name) for name in case.instansi)
        elif doc.step == 7:
            by_letter = case.cara_pemberitahuan == "Surat"
            if (doc.kind is Doc.pemberitahuan) == by_letter:
                due.append((doc, ""))
        else:
            due.append((doc, ""))
    return due
