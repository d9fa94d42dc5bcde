"""Every problem code, once: its stable short code, its Indonesian message template, and
the English meaning and fix of README.md's troubleshooting table.

Adding a code is one entry below (then `python -m pipeline.codes` rewrites the README
table; tests/test_schema.py fails until it matches). Messages are filled with
`Code.x.text(field=value, …)`; a cell value that cannot be read raises `Code.x.error(…)`.
Templates use `str.format` fields named in Indonesian.
"""

from __future__ import annotations

import re
import sys
from enum import StrEnum
from pathlib import Path

SAVE_AS = ("Buka berkas itu, pilih Simpan Sebagai (Save As), jenis \"Excel Workbook (.xlsx)\", "
           "lalu simpan ke folder inbox.")
DATE_HINT = "Ketik tanggal dan jam seperti 25/09/2024 08:15, atau pilih format tanggal di Excel."
PHONE_HINT = "Ketik nomor seperti 0812 3456 7890 atau +62 812 3456 7890."
NEW_INTAKE = "buku kerja baru dari perintah perda new-intake"
RUSAK = "Berkas .xlsx rusak dan tidak dapat dibaca. Buka dan simpan ulang di Excel."


class Code(StrEnum):
    """A problem code: value, Indonesian template, English meaning, English fix."""

    template: str
    meaning: str
    fix: str

    def __new__(cls, value: str, template: str = "", meaning: str = "",
                fix: str = "") -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.template, member.meaning, member.fix = template, meaning, fix
        return member

    def text(self, **fields: object) -> str:
        """The Indonesian message, the template filled with `fields`."""
        return self.template.format(**fields)

    def error(self, **fields: object) -> CellError:
        """A CellError with this code and its filled message (raise it)."""
        return CellError(self, self.text(**fields))

    # --- cells and rows (validate.py, values.py) -------------------------------------
    wajib_diisi = ("wajib-diisi", "{kolom} wajib diisi {sebab}. {perbaikan}",
                   "a required cell is empty", "fill the cell")
    tanggal_tidak_terbaca = ("tanggal-tidak-terbaca", "{masalah} " + DATE_HINT,
                             "a time cell is not a date", "type `25/09/2024 08:15`, "
                             "`Rabu, 25 Sept 2024 pkl. 08.15`, or use a date format")
    jam_tidak_diisi = ("jam-tidak-diisi", "{kolom} berisi tanggal tanpa jam; surat menulis "
                       "tanggalnya saja, tanpa \"pukul\". Bila jamnya diketahui, tambahkan, "
                       "misalnya {contoh}.",
                       "warning: a time column holds a date only (the row goes through; "
                       "letters omit \"pukul\")", "add the time if it is known")
    hari_tidak_sesuai = ("hari-tidak-sesuai", "{tanggal} jatuh pada hari {hari_benar}, "
                         "bukan hari {hari_ketik}. Periksa tanggal atau nama harinya.",
                         "the weekday typed does not match the date", "correct the date "
                         "or the weekday")
    periksa_tahun = ("periksa-tahun", "Tahun {tahun} {sebab}. Periksa tahunnya.",
                     "a year far from the row's other steps' years (2016 among 2026)",
                     "correct the year")
    tahun_tidak_wajar = ("tahun-tidak-wajar", "Tahun {tahun} tidak wajar (sebelum {batas}). "
                         "Periksa tahun: ketik tanggal dengan empat angka tahun, misalnya "
                         "25/09/2024 08:15.",
                         "a year before 2000 (a typo like 25/09/0224, or year 1)",
                         "type the date with a four-digit year")
    rumus_tanpa_nilai = ("rumus-tanpa-nilai", "Sel berisi rumus {rumus} tanpa hasil tersimpan "
                         "(berkas dibuat oleh program lain dan belum pernah dihitung di Excel), "
                         "sehingga isinya tidak dapat dibaca. Ketik isinya langsung, atau buka "
                         "berkas di Excel lalu simpan ulang.",
                         "a formula with no stored result (written by a tool, never calculated "
                         "in Excel)", "type the value, or open and save the file in Excel")
    rumus_waktu = ("rumus-waktu", "Sel berisi rumus {rumus}, yang hasilnya berubah setiap kali "
                   "berkas dibuka atau dihitung ulang. Waktu langkah harus diketik, bukan "
                   "dihitung: ketik tanggal dan jamnya, misalnya 25/09/2024 08:15.",
                   "a formula whose result changes by itself (`=NOW()`, `=TODAY()`) in a time "
                   "column", "type the date and time")
    waktu_mundur = ("waktu-mundur", "Waktu {waktu} lebih awal dari {kolom_sebelum} "
                    "({waktu_sebelum}). Waktu setiap langkah tidak boleh mundur; periksa "
                    "tanggal dan jamnya.", "a step's time is before the previous step's",
                    "correct the date/time")
    waktu_masa_depan = ("waktu-masa-depan", "Waktu {waktu} belum terjadi (lebih dari waktu "
                        "sekarang). Periksa tanggal, bulan dan tahunnya.",
                        "a time lies in the future", "check day, month and year (and the "
                        "PC clock)")
    langkah_melompat = ("langkah-melompat", "Waktu langkah {langkah} diisi, padahal langkah "
                        "{langkah_kosong} ({kolom_kosong}) belum diisi. Isi dulu "
                        "{kolom_kosong}, atau kosongkan sel ini.",
                        "a step's time is filled while an earlier step's is empty",
                        "fill steps in order")
    bukan_pilihan = ("bukan-pilihan", "{nilai} tidak ada dalam daftar{daftar}. {saran}",
                     "a value not in the drop-down list (agencies: nor a short name)",
                     "pick from the list (or add it to `config.toml`)")
    nik_salah = ("nik-salah", "NIK {masalah}. {perbaikan}",
                 "NIK not 16 digits, or stored as a number", "retype as text")
    telepon_salah = ("telepon-salah", "{masalah} " + PHONE_HINT,
                     "phone number not Indonesian", "retype it")
    teks_terlalu_panjang = ("teks-terlalu-panjang", "Isinya {panjang} karakter, paling "
                            "banyak {batas}. Persingkat isinya.",
                            "text over the column's limit", "shorten")
    no_laporan_ganda = ("no-laporan-ganda", "No. Laporan {nomor} tahun {tahun} juga dipakai "
                        "di baris {baris}. Setiap laporan harus punya nomor sendiri; "
                        "perbaiki salah satunya.", "the same No. Laporan twice in one year",
                        "renumber one")
    # --- whole files (intake.py) -----------------------------------------------------
    bukan_xlsx = ("bukan-xlsx", "Berkas berjenis {jenis}, bukan .xlsx. " + SAVE_AS,
                  ".xls/.ods/.csv/.xlsb", "*Save As* Excel Workbook (.xlsx)")
    berkas_makro = ("berkas-makro", "Berkas berisi makro{jenis}; demi keamanan berkas "
                    "bermakro tidak dibaca. " + SAVE_AS, "a workbook with macros",
                    "*Save As* Excel Workbook (.xlsx)")
    berkas_bersandi = ("berkas-bersandi", "Berkas dilindungi kata sandi (atau berformat "
                       "Excel 97-2003), sehingga tidak dapat dibaca. Hapus kata sandinya, "
                       "lalu: " + SAVE_AS, "password-protected (or Excel 97-2003)",
                       "remove the password, *Save As* .xlsx")
    berkas_rusak = ("berkas-rusak", "{masalah} " + SAVE_AS,  # masalah: RUSAK by default
                    "not a workbook, damaged, or an unfinished save",
                    "open and save again in Excel")
    xml_rusak = ("xml-rusak", "Salah satu bagian di dalam berkas .xlsx rusak (isinya bukan XML "
                 "yang utuh), biasanya karena berkas dibuat atau diubah oleh program selain "
                 "Excel. " + SAVE_AS + " Bila Excel tidak dapat membukanya, salin data laporan "
                 "ke " + NEW_INTAKE + ".", "a part of the .xlsx is not well-formed XML",
                 "open and save again in Excel, or copy the data into a new workbook")
    pengodean_tidak_dikenal = ("pengodean-tidak-dikenal", "Bagian di dalam berkas .xlsx memakai "
                               "pengodean huruf (encoding) yang tidak dikenal, sehingga tidak "
                               "dapat dibaca. Berkas ini dibuat oleh program selain Excel. "
                               + SAVE_AS, "an XML part names an unknown encoding",
                               "*Save As* .xlsx from Excel")
    zip_bersandi = ("zip-bersandi", "Isi berkas .xlsx dikunci dengan kata sandi oleh program "
                    "pemampat (zip), sehingga tidak dapat dibaca. Jangan mengunci berkas dengan "
                    "program zip; " + SAVE_AS, "zip entries encrypted by a zip tool",
                    "*Save As* .xlsx from Excel, without a zip password")
    kompresi_tidak_didukung = ("kompresi-tidak-didukung", "Isi berkas .xlsx dimampatkan dengan "
                               "cara yang tidak dikenal Excel (misalnya Deflate64, PPMd atau "
                               "AES dari program zip), sehingga tidak dapat dibaca. " + SAVE_AS,
                               "zip entries compressed with Deflate64, PPMd, AES…",
                               "*Save As* .xlsx from Excel")
    isi_rusak = ("isi-rusak", "Data termampat di dalam berkas .xlsx rusak, sehingga isinya "
                 "tidak dapat diurai. Berkas mungkin rusak saat disalin. " + SAVE_AS,
                 "corrupt compressed data (CRC, LZMA)", "copy the file again, or save again")
    gaya_sel_rusak = ("gaya-sel-rusak", "Berkas berisi format sel (gaya atau format angka) "
                      "dengan nomor yang tidak wajar, sehingga tidak dapat dibaca. Berkas ini "
                      "dibuat oleh program selain Excel. " + SAVE_AS,
                      "absurd cell-style or number-format ids (another program's export)",
                      "*Save As* .xlsx from Excel")
    format_strict = ("format-strict", "Berkas disimpan dalam format \"Strict Open XML "
                     "Spreadsheet\", yang tidak dapat dibaca aplikasi ini. Buka berkas itu di "
                     "Excel, pilih Simpan Sebagai (Save As), pada jenis berkas pilih \"Excel "
                     "Workbook (.xlsx)\" (bukan \"Strict Open XML Spreadsheet\"), lalu simpan ke "
                     "folder inbox.", "saved as \"Strict Open XML Spreadsheet\"",
                     "*Save As*, type \"Excel Workbook (.xlsx)\"")
    baris_di_luar_batas = ("baris-di-luar-batas", "Lembar menyimpan baris bernomor {baris}, "
                           "melewati baris terakhir Excel ({batas}). Baris itu dan sesudahnya "
                           "tidak dibaca. Berkas ini dibuat oleh program selain Excel; salin "
                           "data laporan ke " + NEW_INTAKE + ".",
                           "a row stored past Excel's last row (1,048,576); it and the rest were "
                           "not read", "copy the data into a new workbook from `perda new-intake`")
    berkas_kosong = ("berkas-kosong", "Berkas kosong (0 byte). Simpan ulang dari Excel.",
                     "an empty (0-byte) file", "save again from Excel")
    berkas_terlalu_besar = ("berkas-terlalu-besar", "Ukuran berkas {ukuran:.1f} MB melebihi "
                            "batas {batas} MB. Pisahkan laporan ke beberapa berkas.",
                            "over `[batas] ukuran_berkas_mb`", "split the workbook")
    isi_terlalu_besar = ("isi-terlalu-besar", "Isi berkas bila diurai berukuran {ukuran:.0f} "
                         "MB, melebihi batas {batas} MB. Berkas ini tidak wajar; simpan ulang "
                         "data laporan ke " + NEW_INTAKE + ".",
                         "over `[batas] ukuran_terurai_mb` (a zip bomb?)",
                         "copy the data into a new workbook")
    baris_terlalu_banyak = ("baris-terlalu-banyak", "Lembar berisi lebih dari {batas} baris "
                            "laporan. Pisahkan laporan ke beberapa berkas (misalnya satu "
                            "berkas per tahun).", "over `[batas] baris_maks`",
                            "split the workbook")
    xml_berbahaya = ("xml-berbahaya", "Berkas berisi susunan XML yang tidak aman dan tidak "
                     "dibaca demi keamanan komputer kantor. Salin data laporan ke "
                     + NEW_INTAKE + ".", "hostile XML refused",
                     "copy the data into a new workbook from `perda new-intake`")
    lembar_tidak_ada = ("lembar-tidak-ada", "Lembar \"{lembar}\" tidak ditemukan; yang ada: "
                        "{ada}. Pakai buku kerja dari perintah perda new-intake, atau ganti "
                        "nama lembar data menjadi \"{lembar}\".", "no *Laporan* sheet",
                        "use the blank workbook, or rename the sheet")
    judul_kolom_tidak_ada = ("judul-kolom-tidak-ada", "Judul kolom {judul} tidak ditemukan "
                             "di {baris} baris pertama. Tulis judul kolom persis seperti pada "
                             "buku kerja dari perintah perda new-intake.",
                             "a required header is missing", "do not rename headers")
    # --- runs (process.py) -----------------------------------------------------------
    masalah_lain = ("masalah-lain", "Masih ada {jumlah} masalah lain yang tidak dicantumkan "
                    "satu per satu. Perbaiki masalah di atas, simpan ulang, lalu baca laporan "
                    "perbaikan yang baru.", "more problems than the report lists (2,000)",
                    "fix those listed, save again")
    kesalahan_tak_terduga = ("kesalahan-tak-terduga", "Terjadi kesalahan tak terduga saat "
                             "memproses berkas ini. Berkas lain tetap diproses. Simpan ulang "
                             "berkas; bila masih gagal, hubungi pengelola aplikasi dan "
                             "sertakan state/log/perda.log.",
                             "a bug; other files still go through",
                             "send `state/log/perda.log` to the maintainer")


class CellError(ValueError):
    """A cell value that cannot be used: its problem code and Indonesian message."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code


README_BEGIN = "<!-- problem codes: generated by python -m pipeline.codes -->"
README_END = "<!-- end of problem codes -->"


def readme_table() -> str:
    """The README's troubleshooting table, one row per code, in catalogue order."""
    rows = ["| code | meaning | fix |", "|---|---|---|"]
    rows += [f"| `{code.value}` | {code.meaning} | {code.fix} |" for code in Code]
    return "\n".join(rows)


def update_readme(path: Path) -> bool:
    """Rewrite the table between the markers in README.md; True if it changed."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(README_BEGIN) + ".*?" + re.escape(README_END), re.S)
    new = pattern.sub(lambda _: f"{README_BEGIN}\n{readme_table()}\n{README_END}", text)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    readme = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    print("README.md diperbarui." if update_readme(readme) else "README.md sudah sesuai.")
