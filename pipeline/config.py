"""config.toml: every setting declared once, with its default and help, loaded into frozen
dataclasses and checked at start-up.

Each field's `metadata["help"]` is its one-line documentation; `tests/test_config.py`
checks that every key is documented in README.md. Paths are relative to the config file.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.schema import CONFIG_LISTS, DOCUMENTS, FIXED_LISTS, Doc
from pipeline.toml_sections import build_section, setting


@dataclass(frozen=True)
class Kantor:
    """[kantor]: the office identity printed in the letterhead (kop surat)."""

    pemerintah: str = setting("PEMERINTAH KABUPATEN KARANGANYAR", "First letterhead line.")
    nama: str = setting("KECAMATAN KERJO", "Second letterhead line: the office.")
    alamat: str = setting("[Alamat kantor]", "Street address in the letterhead.")
    kode_pos: str = setting("[Kode pos]", "Postal code in the letterhead.")
    telepon: str = setting("[Telepon kantor]", "Office telephone in the letterhead.")
    faksimile: str = setting("", "Fax number in the letterhead (optional: empty leaves the "
                             "line out).")
    laman: str = setting("", "Website in the letterhead (optional: empty leaves it out).")
    email: str = setting("[E-mail kantor]", "Office e-mail (pos-el) in the letterhead.")
    tempat: str = setting("Kerjo", "Place written before the date: 'Kerjo, 25 September 2024'.")
    kode_unit: str = setting("Kec.Krj", "Unit code used in letter numbers ({kode_unit}).")
    lambang: Path = setting(Path("templates/lambang.png"), "The regency's coat of arms "
                            "(lambang daerah) at the left of the letterhead: a PNG or JPEG.")
    seksi: str = setting("Seksi Ketenteraman dan Ketertiban Umum", "The section's name, "
                         "as printed in workbooks, registers and reports.")


@dataclass(frozen=True)
class Halaman:
    """[halaman]: paper, margins and body font of every letter."""

    kertas: str = setting("A4", "Paper: A4 (21 x 29.7 cm) or F4 (21.5 x 33 cm).")
    margin_kiri_cm: float = setting(3.0, "Left margin in cm.")
    margin_kanan_cm: float = setting(2.0, "Right margin in cm.")
    margin_atas_cm: float = setting(2.0, "Top margin in cm.")
    margin_bawah_cm: float = setting(2.5, "Bottom margin in cm.")
    huruf: str = setting("Arial", "Body font (a font installed on the PCs that print).")
    ukuran_huruf: int = setting(12, "Body font size in pt: 12 (or 11).")


@dataclass(frozen=True)
class Pejabat:
    """[pejabat.camat] / [pejabat.kasi]: an official who signs or receives letters."""

    jabatan: str = setting(MISSING, "Position, as printed above the signature.")
    nama: str = setting(MISSING, "Full name with titles.")
    pangkat: str = setting("", "Rank and grade (pangkat/golongan).")
    nip: str = setting("", "18-digit civil-servant number (NIP), as text.")
    telepon: str = setting("", "Telephone, printed where this official is the contact "
                           "person (narahubung).")


def _camat() -> Pejabat:
    return Pejabat("Camat Kerjo", "[NAMA CAMAT]", "[Pangkat/golongan]", "[NIP]")


def _sekcam() -> Pejabat:
    return Pejabat("Sekretaris Camat Kerjo", "[NAMA SEKRETARIS CAMAT]", "[Pangkat/golongan]",
                   "[NIP]")


def _kasi() -> Pejabat:
    return Pejabat("Kepala Seksi Ketenteraman dan Ketertiban Umum", "[NAMA KASI TRANTIB]",
                   "[Pangkat/golongan]", "[NIP]", "[Telepon Kasi]")


@dataclass(frozen=True)
class PejabatSet:
    """[pejabat]: the Camat, the Sekretaris Camat and the Kasi Trantib."""

    camat: Pejabat = setting(factory=_camat, help="The Camat: signs outgoing letters.")
    sekcam: Pejabat = setting(factory=_sekcam, help="The Sekretaris Camat: initials (paraf) "
                              "the letters the Camat signs.")
    kasi: Pejabat = setting(factory=_kasi, help="The Kasi Trantib: forwards and reports; "
                            "the contact person (narahubung) of step-4 letters.")


@dataclass(frozen=True)
class Instansi:
    """[[instansi]]: a related agency a step-4 letter goes to.

    `kepada` and `di` may hold `{desa}`, the case's village ("Kepala Desa {desa}").
    """

    nama: str = setting(MISSING, "The agency's official name (the drop-down value).")
    kepada: str = setting(MISSING, "The addressee: the head of the agency by title "
                          "('Kepala Satuan Polisi Pamong Praja Kabupaten Karanganyar').")
    di: str = setting("Tempat", "The place after 'di' under the addressee "
                      "(Karanganyar, Kerjo or Tempat).")
    singkatan: tuple[str, ...] = setting((), "Short names staff may type (any case).")


def _instansi() -> tuple[Instansi, ...]:
    return (
        Instansi("Satuan Polisi Pamong Praja Kabupaten Karanganyar",
                 "Kepala Satuan Polisi Pamong Praja Kabupaten Karanganyar", "Karanganyar",
                 ("Satpol PP", "Satpol")),
        Instansi("Kepolisian Sektor Kerjo", "Kapolsek Kerjo", "Kerjo", ("Polsek Kerjo",
                                                                      "Polsek")),
        Instansi("Komando Rayon Militer Kerjo", "Danramil Kerjo", "Kerjo",
                 ("Koramil Kerjo", "Koramil")),
        Instansi("Dinas Lingkungan Hidup Kabupaten Karanganyar",
                 "Kepala Dinas Lingkungan Hidup Kabupaten Karanganyar", "Karanganyar",
                 ("DLH",)),
        Instansi("Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Karanganyar",
                 "Kepala Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Karanganyar",
                 "Karanganyar", ("DPUPR", "DPU")),
        Instansi("Pemerintah Desa setempat", "Kepala Desa {desa}", "Tempat",
                 ("Pemdes", "Kades", "Desa")),
    )


def _tembusan_koordinasi() -> tuple[str, ...]:
    return ("Bupati Karanganyar (sebagai laporan)", "{instansi_lain}",
            "Kepala Seksi Ketenteraman dan Ketertiban Umum", "Arsip")


@dataclass(frozen=True)
class Tembusan:
    """[tembusan]: the copies (tembusan) listed at the foot of each kind of document.

    "{instansi_lain}" stands for the case's other agencies (step 4). An empty list prints
    no Tembusan block.
    """

    tanda_terima: tuple[str, ...] = setting((), "Copies of the receipt.")
    nota_dinas: tuple[str, ...] = setting((), "Copies of the Nota Dinas.")
    disposisi: tuple[str, ...] = setting((), "Copies of the disposition sheet.")
    koordinasi: tuple[str, ...] = setting(factory=_tembusan_koordinasi,
                                          help="Copies of the step-4 letters.")
    bukti_penyelesaian: tuple[str, ...] = setting((), "Copies of the Berita Acara.")
    laporan_hasil: tuple[str, ...] = setting((), "Copies of the step-6 report.")
    pemberitahuan: tuple[str, ...] = setting(
        ("Kepala Seksi Ketenteraman dan Ketertiban Umum", "Arsip"),
        "Copies of the letter to the reporter.")
    catatan_pemberitahuan: tuple[str, ...] = setting((), "Copies of the step-7 note.")


INSTRUKSI = ("Tanggapan dan saran", "Proses lebih lanjut", "Koordinasikan/konfirmasikan",
             "Untuk diketahui", "Untuk ditindaklanjuti", "Siapkan bahan", "Laporkan hasilnya",
             "Arsip")


@dataclass(frozen=True)
class Disposisi:
    """[disposisi]: the instruction checklist ("Harap") of the Lembar Disposisi."""

    instruksi: tuple[str, ...] = setting(INSTRUKSI, "Instructions the Camat may tick; also "
                                         "the choices of the Instruksi Disposisi column.")


DESA_KERJO = ("Botok", "Ganten", "Gempolan", "Karangrejo", "Kuto", "Kwadungan", "Plosorejo",
              "Sumberejo", "Tamansari", "Tawangsari")


@dataclass(frozen=True)
class Daftar:
    """[daftar]: the drop-down lists of the intake workbook."""

    desa: tuple[str, ...] = setting(DESA_KERJO, "The villages (desa) of the Kecamatan.")
    perda: tuple[str, ...] = setting((), "Regional regulations a report may name.")
    petugas: tuple[str, ...] = setting((), "Staff names (a suggestion list; others accepted).")
    nip_petugas: dict[str, str] = setting(factory=dict, help="Staff NIPs by name; a staff "
                                          "member without one prints no NIP line.")
    sudah_dikonfirmasi: bool = setting(False, "Set true once the office has checked the "
                                       "perda and instansi lists (perda check warns until then).")


@dataclass(frozen=True)
class WaktuBaku:
    """[waktu_baku]: the SOP's standard minutes per step; a step left out has no standard."""

    langkah_1: int | None = setting(5, "Step 1, receiving the report (SOP: 5 minutes).")
    langkah_2: int | None = setting(15, "Step 2, forwarding to the Camat (SOP: 15 minutes).")
    langkah_3: int | None = setting(10, "Step 3, the Camat's disposition (SOP: 10 minutes).")
    langkah_4: int | None = setting(None, "Step 4, coordination (illegible in the scan).")
    langkah_5: int | None = setting(None, "Step 5, proof of resolution (illegible in the scan).")
    langkah_6: int | None = setting(5, "Step 6, reporting the result (SOP: 5 minutes).")
    langkah_7: int | None = setting(30, "Step 7, informing the reporter (SOP: 30 minutes).")
    batas_kasus_hari: int = setting(14, "A case open longer than this many days is overdue.")

    def minutes(self, step: int) -> int | None:
        """The standard minutes of step 1..7, or None where the SOP gives none."""
        return getattr(self, f"langkah_{step}")


def _default_patterns() -> dict[str, str]:
    return {d.kind.value: "{klasifikasi}/{urut:03d}/{kode_unit}/{tahun}" for d in DOCUMENTS
            if d.numbered}


@dataclass(frozen=True)
class Penomoran:
    """[penomoran]: letter numbers. One gapless counter per year over all letters."""

    klasifikasi: str = setting("300.1", "Archive classification code ({klasifikasi}).")
    pola: dict[str, str] = setting(factory=_default_patterns,
                                   help="Number pattern per document kind.")


@dataclass(frozen=True)
class Berkas:
    """[berkas]: where letters are filed under outbox/."""

    pola: str = setting("{tahun}/{nn}-{langkah}/{no_laporan} - {dokumen}.docx",
                        "Filing pattern under outbox/.")
    pdf: str = setting("auto", "PDF beside each letter: auto (if LibreOffice), ya, tidak.")
    pdf_maks_per_proses: int = setting(500, "PDFs made at the end of a run; the rest later.")


@dataclass(frozen=True)
class Folder:
    """[folder]: the folders, relative to config.toml."""

    inbox: Path = setting(Path("inbox"), "Where staff save intake workbooks.")
    outbox: Path = setting(Path("outbox"), "Where letters, registers and reports go.")
    state: Path = setting(Path("state"), "State database, snapshots, log (outside outbox).")
    templates: Path = setting(Path("templates"), "The letter templates (.docx).")


@dataclass(frozen=True)
class Pemantau:
    """[pemantau]: the watcher."""

    polling: bool = setting(False, "Poll instead of native events (network shares).")
    interval_detik: float = setting(1.0, "Polling interval in seconds.")
    jeda_stabil_detik: float = setting(2.0, "A file must stay unchanged this long (polling).")
    pindai_ulang_detik: float = setting(60.0, "Full rescan of inbox/ as a safety net.")


@dataclass(frozen=True)
class Batas:
    """[batas]: limits that protect the PC from broken or hostile files."""

    ukuran_berkas_mb: int = setting(20, "Largest intake file accepted, in MB.")
    ukuran_terurai_mb: int = setting(300, "Largest total uncompressed size inside a workbook.")
    baris_maks: int = setting(250_000, "Most rows read from one workbook.")


@dataclass(frozen=True)
class Config:
    """The whole config.toml, with `base` the folder paths are relative to."""

    kantor: Kantor = setting(factory=Kantor, help="Office identity.")
    halaman: Halaman = setting(factory=Halaman, help="Page set-up of the letters.")
    pejabat: PejabatSet = setting(factory=PejabatSet, help="Officials.")
    instansi: tuple[Instansi, ...] = setting(factory=_instansi, help="Related agencies.")
    tembusan: Tembusan = setting(factory=Tembusan, help="Copies per document.")
    disposisi: Disposisi = setting(factory=Disposisi, help="The disposition sheet.")
    daftar: Daftar = setting(factory=Daftar, help="Lists.")
    waktu_baku: WaktuBaku = setting(factory=WaktuBaku, help="Standard times.")
    penomoran: Penomoran = setting(factory=Penomoran, help="Letter numbers.")
    berkas: Berkas = setting(factory=Berkas, help="Filing.")
    folder: Folder = setting(factory=Folder, help="Folders.")
    pemantau: Pemantau = setting(factory=Pemantau, help="Watcher.")
    batas: Batas = setting(factory=Batas, help="Limits.")
    base: Path = field(default=Path("."), metadata={"help": "internal"})

    def path(self, which: str) -> Path:
        """An absolute folder path from [folder]."""
        return (self.base / getattr(self.folder, which)).resolve()

    @property
    def inbox(self) -> Path:
        return self.path("inbox")

    @property
    def outbox(self) -> Path:
        return self.path("outbox")

    @property
    def state_dir(self) -> Path:
        return self.path("state")

    @property
    def templates(self) -> Path:
        return self.path("templates")

    @property
    def lambang(self) -> Path:
        """The emblem image file, absolute."""
        return (self.base / self.kantor.lambang).resolve()

    def agency(self, nama: str) -> Instansi:
        """The [[instansi]] entry of an official agency name (as validation returns it)."""
        for entry in self.instansi:
            if entry.nama == nama:
                return entry
        raise KeyError(nama)

    def find_agency(self, typed: str) -> Instansi | None:
        """The agency named by `typed`: its official name or a short name, in any case."""
        wanted = fold_name(typed)
        for entry in self.instansi:
            if wanted in {fold_name(n) for n in (entry.nama, *entry.singkatan)}:
                return entry
        return None


def fold_name(text: str) -> str:
    """A name folded for matching: case-insensitive, trimmed, white space runs as one."""
    return " ".join(str(text).split()).casefold()


def _braced(names: set[str]) -> str:
    return ", ".join("{" + name + "}" for name in sorted(names))


def _check_pattern(pattern: str, allowed: set[str], what: str) -> None:
    """Refuse a format pattern with an unknown {name} or a broken brace."""
    try:
        names = {name.split(".")[0].split("[")[0]
                 for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        raise ConfigError(f"config.toml: pola {what} {pattern!r} rusak ({exc}). "
                          "Periksa tanda kurung kurawal { }.") from exc
    unknown = names - allowed
    if unknown:
        raise ConfigError(f"config.toml: pola {what} {pattern!r} memakai "
                          f"{{{', '.join(sorted(unknown))}}} yang tidak dikenal. "
                          f"Yang boleh dipakai: {_braced(allowed)}.")


PAPER_CM = {"A4": (21.0, 29.7), "F4": (21.5, 33.0)}  # width, height
NUMBER_FIELDS = {"klasifikasi", "urut", "kode_unit", "tahun", "bulan_romawi", "bulan"}
FILING_FIELDS = {"tahun", "nn", "langkah", "no_laporan", "dokumen"}


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_config(cfg: Config) -> Config:
    """Check the relations between settings; raise ConfigError with the fix."""
    if not cfg.daftar.desa or not cfg.daftar.perda or not cfg.instansi:
        raise ConfigError("config.toml: daftar desa dan perda di [daftar], dan [[instansi]], "
                          "tidak boleh kosong.")
    for name, values in choice_lists(cfg).items():
        if len({v.casefold() for v in values}) != len(values):
            raise ConfigError(f"config.toml: daftar {name} berisi nilai ganda.")
    _check_agency_names(cfg)
    if cfg.halaman.kertas not in PAPER_CM:
        raise ConfigError("config.toml: [halaman] kertas harus \"A4\" atau \"F4\".")
    if cfg.halaman.ukuran_huruf not in (11, 12):
        raise ConfigError("config.toml: [halaman] ukuran_huruf harus 11 atau 12.")
    unknown_docs = set(cfg.penomoran.pola) - {d.value for d in Doc}
    if unknown_docs:
        raise ConfigError(f"config.toml: [penomoran.pola] {', '.join(sorted(unknown_docs))} "
                          f"bukan jenis surat. Yang dikenal: {', '.join(d.value for d in Doc)}.")
    for doc in (d.kind for d in DOCUMENTS if d.numbered):
        if doc.value not in cfg.penomoran.pola:
            raise ConfigError(f"config.toml: [penomoran.pola] {doc.value} belum diisi.")
        _check_pattern(cfg.penomoran.pola[doc.value], NUMBER_FIELDS, f"nomor {doc.value}")
        if "urut" not in cfg.penomoran.pola[doc.value]:
            raise ConfigError(f"config.toml: pola nomor {doc.value} harus memuat {{urut}}.")
    _check_pattern(cfg.berkas.pola, FILING_FIELDS, "berkas")
    if cfg.berkas.pdf not in ("auto", "ya", "tidak"):
        raise ConfigError("config.toml: [berkas] pdf harus \"auto\", \"ya\" atau \"tidak\".")
    for step in range(1, 8):
        minutes = cfg.waktu_baku.minutes(step)
        if minutes is not None and minutes <= 0:
            raise ConfigError(f"config.toml: [waktu_baku] langkah_{step} harus lebih dari 0 "
                              "menit; hapus barisnya bila tidak ada waktu baku.")
    inbox, outbox, state = cfg.inbox, cfg.outbox, cfg.state_dir
    if _inside(outbox, inbox) or _inside(inbox, outbox):
        raise ConfigError("config.toml: folder inbox dan outbox tidak boleh saling berada di "
                          "dalam satu sama lain. Pisahkan keduanya di [folder].")
    if _inside(state, outbox) or _inside(state, inbox):
        raise ConfigError("config.toml: folder state tidak boleh berada di dalam inbox atau "
                          "outbox (outbox diarsipkan, inbox milik staf). Pindahkan di [folder].")
    if not inbox.is_dir():
        raise ConfigError(f"config.toml: folder inbox {inbox} tidak ada. Buat foldernya atau "
                          "perbaiki [folder] inbox (bila di jaringan, pastikan sudah tersambung).")
    if not cfg.templates.is_dir():
        raise ConfigError(f"config.toml: folder templat {cfg.templates} tidak ada. "
                          "Perbaiki [folder] templates.")
    return cfg


def load_config(path: Path | str = "config.toml") -> Config:
    """Read, type-check and check config.toml; raise ConfigError with the fix."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Berkas pengaturan {path} tidak ditemukan. Jalankan perintah dari "
                          "folder yang berisi config.toml, atau pakai --config PATH.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Berkas pengaturan {path} tidak dapat dibaca: {exc}. "
                          "Perbaiki penulisannya (format TOML).") from exc
    cfg = build_section(Config, data, "")
    cfg = Config(**{f.name: getattr(cfg, f.name) for f in fields(Config) if f.name != "base"},
                 base=path.resolve().parent)
    return check_config(cfg)


def short_names(cfg: Config) -> dict[str, dict[str, tuple[str, ...]]]:
    """Short names staff may type per list and option: the agencies' `singkatan`."""
    return {"instansi": {entry.nama: entry.singkatan for entry in cfg.instansi
                         if entry.singkatan}}


def _check_agency_names(cfg: Config) -> None:
    """Every agency name and short name must point at one agency only."""
    owner: dict[str, str] = {}
    for entry in cfg.instansi:
        for name in dict.fromkeys(fold_name(n) for n in (entry.nama, *entry.singkatan)):
            if not name:
                raise ConfigError(f"config.toml: [[instansi]] {entry.nama!r} berisi singkatan "
                                  "kosong. Hapus isian \"\" dari daftar singkatan.")
            if name in owner:
                raise ConfigError(f"config.toml: nama atau singkatan {name!r} dipakai oleh "
                                  f"dua instansi ({owner[name]!r} dan {entry.nama!r}). "
                                  "Setiap singkatan hanya boleh untuk satu instansi.")
            owner[name] = entry.nama


def choice_lists(cfg: Config) -> dict[str, tuple[str, ...]]:
    """Every drop-down list by name: the fixed lists of the SOP, then the office's lists."""
    lists = dict(FIXED_LISTS)
    lists.update({name: tuple(getattr(cfg.daftar, name)) for name in CONFIG_LISTS})
    lists["instansi"] = tuple(entry.nama for entry in cfg.instansi)
    lists["instruksi"] = cfg.disposisi.instruksi
    return lists
