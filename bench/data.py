"""Benchmark inputs, made in a temporary folder: intake workbooks, an office, zip bombs."""

from __future__ import annotations

import re
import shutil
import struct
import zipfile
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from pipeline.schema import COLUMNS, HEADER_ROW, SHEET_DATA

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2024, 1, 2, 8, 0)
STEP_KEYS = ("waktu_lapor", "waktu_diteruskan", "waktu_disposisi", "waktu_koordinasi",
             "waktu_selesai", "waktu_lapor_camat", "waktu_pemberitahuan")


def row(n: int, steps: int = 7, uraian: str = "") -> dict[str, Any]:
    """Report n of the year: realistic text, `steps` steps done (one agency at step 4)."""
    base = START + timedelta(minutes=2 * n)
    values: dict[str, Any] = {
        "no_laporan": f"LP-{n:05d}", "cara_lapor": "Telepon",
        "nama_pelapor": f"Siti Rahayu {n}", "nik_pelapor": "3313016508900002",
        "alamat_pelapor": "Dusun Ngasem RT 02/RW 03, Desa Kuto", "telepon_pelapor": "081234567890",
        "desa": "Kuto", "lokasi": f"Pasar Kuto, lapak nomor {n % 90 + 1}",
        "perda": "Perda tentang Pengelolaan Sampah",
        "uraian": uraian or "Pembuangan sampah di saluran irigasi setiap malam & pagi.",
        "petugas": "Budi Santoso", "sifat": "Segera",
        "isi_disposisi": "Tindak lanjuti bersama Satpol PP dan Pemdes.",
        "instansi": "Satuan Polisi Pamong Praja Kabupaten Karanganyar",
        "tindakan": "Peninjauan lapangan dan teguran lisan kepada pelaku.",
        "status_akhir": "Selesai", "hasil": "Pelaku membersihkan saluran.",
        "cara_pemberitahuan": "Surat",
    }
    for step, key in enumerate(STEP_KEYS[:steps], 1):
        values[key] = base + timedelta(minutes=5 * step)
    return values


def write_workbook(path: Path, rows: int, steps: int = 7, changed: int | None = None,
                   extra: int = 0, change: str = "Uraian diubah setelah disimpan.") -> Path:
    """An intake workbook of `rows` reports (streamed: write-only mode)."""
    keys = [c.key for c in COLUMNS]
    book = Workbook(write_only=True)
    ws = book.create_sheet(SHEET_DATA)
    ws.append(["Register Laporan Dugaan Pelanggaran Perda"])
    assert HEADER_ROW == 2
    ws.append([c.header for c in COLUMNS])
    for n in range(1, rows + extra + 1):
        text = change if n == changed else ""
        values = row(n, steps, text)
        ws.append([values.get(k) for k in keys])
    book.save(path)
    return path


def office(folder: Path, pdf: bool = False) -> Path:
    """An office folder: the shipped config (PDFs off unless asked), templates, inbox/."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    if not pdf:
        text = text.replace('pdf = "auto"', 'pdf = "tidak"')
    # Filled in, as an office would: on the shipped placeholders letters are drafts.
    text = _PLACEHOLDER.sub(lambda m: f'"{m.group(1).title()} Contoh"', text)
    (folder / "config.toml").write_text(text, encoding="utf-8")
    shutil.copytree(ROOT / "templates", folder / "templates", dirs_exist_ok=True)
    (folder / "templates" / "lambang.png").write_bytes(_png())
    (folder / "inbox").mkdir(exist_ok=True)
    return folder


_PLACEHOLDER = re.compile(r'"\[([^"\]]*)\]"')


def _png(size: int = 8) -> bytes:
    """A small grey PNG standing in for the office's emblem."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    rows = b"".join(b"\0" + b"\x80" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def zip_bomb(path: Path, megabytes: int) -> Path:
    """A workbook whose sheet inflates to `megabytes` MB of empty rows (deflates ~1000:1)."""
    source = write_workbook(path.with_suffix(".src.xlsx"), 1, steps=1)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                with out.open(info.filename, "w", force_zip64=True) as sheet:
                    head, tail = data.split(b"</sheetData>")
                    sheet.write(head)
                    chunk = b"<row/>" * 100_000  # empty rows: 600 KB each
                    for _ in range(megabytes * 1024 * 1024 // len(chunk)):
                        sheet.write(chunk)
                    sheet.write(b"</sheetData>" + tail)
            else:
                out.writestr(info, data)
    source.unlink()
    return path
