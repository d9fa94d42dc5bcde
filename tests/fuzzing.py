"""Workbook mutations shared by the fuzz test and the reproducer corpus (tests/data/fuzz/).

Each builder returns the bytes of a small intake workbook that once made the reader or
the problem report fail unexpectedly (issue 14). The base workbook has two rows: row 3
is valid (step 1 done), row 4 names a desa not in the list, so a file whose rows are read
always shows one row problem ("bukan-pilihan") beside whatever the mutation causes.
"""

from __future__ import annotations

import io
import lzma
import re
import struct
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.table import Table

from pipeline.schema import COLUMNS, HEADER_ROW, SHEET_DATA

SHEET = "xl/worksheets/sheet1.xml"
STEP_ONE = [c.key for c in COLUMNS if c.step == 1]


def step_one_row(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A report row with only step 1 done (one letter), as staff would type it."""
    row: dict[str, Any] = {
        "no_laporan": f"LP-{n:03d}", "waktu_lapor": datetime(2024, 9, 25, 8, 15),
        "cara_lapor": "Datang Langsung", "nama_pelapor": "Siti Rahayu", "desa": "Kuto",
        "lokasi": "Pasar Kuto", "perda": "Perda tentang Pengelolaan Sampah",
        "uraian": "Pembuangan sampah di saluran irigasi.", "petugas": "Budi Santoso",
    }
    row.update(changes)
    return row


def workbook(rows: list[dict[str, Any]] | None = None,
             prepare: Callable[[Workbook], None] | None = None) -> bytes:
    """The base intake workbook's bytes (rows: the two described above)."""
    rows = rows if rows is not None else [step_one_row(1), step_one_row(2, desa="Jumapolo")]
    book = Workbook()
    ws = book.active
    ws.title = SHEET_DATA
    ws.cell(1, 1, "Register Laporan Dugaan Pelanggaran Perda")
    for col, key in enumerate(STEP_ONE, 1):
        ws.cell(HEADER_ROW, col, next(c.header for c in COLUMNS if c.key == key))
    for offset, row in enumerate(rows, 1):
        for col, key in enumerate(STEP_ONE, 1):
            if row.get(key) is not None:
                ws.cell(HEADER_ROW + offset, col, row[key])
    if prepare:
        prepare(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BASE = workbook()


def part(name: str, data: bytes = BASE) -> bytes:
    """One zip entry of a workbook."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def rezip(data: bytes, replace: dict[str, bytes],
          method: dict[str, int] | None = None) -> bytes:
    """A copy of a workbook with some entries replaced (or added), optionally recompressed."""
    method = method or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        for name in names:
            zout.writestr(name, replace.get(name, zin.read(name)),
                          compress_type=method.get(name, zipfile.ZIP_DEFLATED))
        for name, content in replace.items():
            if name not in names:
                zout.writestr(name, content)
    return out.getvalue()


def patch_entry(data: bytes, name: str, *, flags: int = 0, method: int | None = None) -> bytes:
    """Set general-purpose flag bits and/or the compression method of one entry (both
    headers), as zip tools do for encryption, Deflate64, PPMd or AES."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
        central = archive.start_dir
    raw = bytearray(data)
    offsets = [local + 6]
    at = raw.find(b"PK\x01\x02", central)
    while at >= 0:
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46:at + 46 + length] == name.encode():
            offsets.append(at + 8)
        at = raw.find(b"PK\x01\x02", at + 4)
    for offset in offsets:
        old = struct.unpack_from("<H", raw, offset)[0]
        struct.pack_into("<H", raw, offset, old | flags)
        if method is not None:
            struct.pack_into("<H", raw, offset + 2, method)
    return bytes(raw)


def zip_version(data: bytes, version: int) -> bytes:
    """The first central directory entry claiming it needs zip version `version` / 10."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        central = archive.start_dir
    raw = bytearray(data)
    struct.pack_into("<H", raw, raw.find(b"PK\x01\x02", central) + 6, version)
    return bytes(raw)


def corrupt_lzma(data: bytes, name: str = SHEET) -> bytes:
    """The entry recompressed with LZMA, then bytes in the middle of its stream garbled."""
    packed = rezip(data, {}, method={name: zipfile.ZIP_LZMA})
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        info = archive.getinfo(name)
    raw = bytearray(packed)
    name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    middle = start + info.compress_size // 2
    raw[middle:middle + 16] = b"\xff" * 16
    assert lzma  # the stdlib codec zipfile uses for method 14
    return bytes(raw)


def replace_in(name: str, old: bytes, new: bytes, data: bytes = BASE, count: int = 1) -> bytes:
    """The workbook with `old` replaced by `new` in one part (must occur)."""
    content = part(name, data)
    assert old in content, (name, old)
    return rezip(data, {name: content.replace(old, new, count)})


def strict(data: bytes = BASE) -> bytes:
    """The workbook rewritten with the namespaces of Excel's "Strict Open XML" format."""
    swaps = [(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
              b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
             (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
              b"http://purl.oclc.org/ooxml/officeDocument/relationships")]
    replace = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            for old, new in swaps:
                content = content.replace(old, new)
            replace[name] = content
    return rezip(data, replace)


def _second_sheet(book: Workbook) -> None:
    ws = book.create_sheet("Catatan")
    ws.append(["Nama", "Keterangan"])
    ws.append(["a", "b"])
    ws.add_table(Table(displayName="Catatan", ref="A1:B2"))


def _comment(book: Workbook) -> None:
    book[SHEET_DATA]["L3"].comment = Comment("Catatan staf", "Staf")


def _rich(book: Workbook) -> None:
    """Parts only the marked copy's full load reads: a second sheet, a table, a comment,
    a merge, a drop-down list."""
    from openpyxl.worksheet.datavalidation import DataValidation

    _second_sheet(book)
    _comment(book)
    ws = book[SHEET_DATA]
    ws.merge_cells("M1:P1")
    choice = DataValidation(type="list", formula1='"Kuto,Botok"', allow_blank=True)
    choice.add("H3:H100")
    ws.add_data_validation(choice)


def _epoch_1904(book: Workbook) -> None:
    book.epoch = CALENDAR_MAC_1904


def row_xml(data: bytes, number: int, new_number: int) -> bytes:
    """The XML of one stored row, renumbered (its cells' references too)."""
    content = part(SHEET, data)
    found = re.search(rb'<row r="%d".*?</row>' % number, content)
    assert found, number
    return re.sub(rb'r="([A-Z]*)%d"' % number, rb'r="\g<1>%d"' % new_number, found[0])


def with_rows(data: bytes, rows: bytes, before: bytes = b"</sheetData>") -> bytes:
    """The workbook with row XML inserted into its sheet (before `before`)."""
    return replace_in(SHEET, before, rows + before, data)


def rows_after_empty_rows(gap: int) -> bytes:
    """Rows 3-4, then `gap` empty formatted rows, then row 3 again as row 5 + gap (LP-003)."""
    late = workbook([step_one_row(3)])
    empty = b"".join(b'<row r="%d" ht="15" customHeight="1"/>' % n for n in range(5, 5 + gap))
    return with_rows(BASE, empty + row_xml(late, 3, 5 + gap))


def corpus() -> dict[str, bytes]:
    """Reproducer name → workbook bytes; the name starts with the expected problem code."""
    second = workbook(prepare=_second_sheet)
    commented = workbook(prepare=_comment)
    style = part("xl/styles.xml")
    declaration = b'<?xml version="1.0" encoding="x-nonsense"?>\n'
    return {
        "xml-rusak__content-types": rezip(BASE, {"[Content_Types].xml":
                                                 part("[Content_Types].xml")[:-20]}),
        "xml-rusak__workbook": rezip(BASE, {"xl/workbook.xml": part("xl/workbook.xml")[:-20]}),
        "xml-rusak__workbook-rels": rezip(BASE, {"xl/_rels/workbook.xml.rels":
                                                 part("xl/_rels/workbook.xml.rels")[:-9]}),
        "xml-rusak__styles": rezip(BASE, {"xl/styles.xml": style[:-15]}),
        "xml-rusak__core-properties": rezip(BASE, {"docProps/core.xml":
                                                   part("docProps/core.xml")[:-12]}),
        "pengodean-tidak-dikenal__styles": rezip(BASE, {"xl/styles.xml": declaration + style}),
        "pengodean-tidak-dikenal__sheet": rezip(BASE, {SHEET: declaration + part(SHEET)}),
        "zip-bersandi__sheet": patch_entry(BASE, SHEET, flags=0x1),
        "kompresi-tidak-didukung__deflate64": patch_entry(BASE, SHEET, method=9),
        "kompresi-tidak-didukung__ppmd": patch_entry(BASE, "xl/styles.xml", method=98),
        "kompresi-tidak-didukung__aes": patch_entry(BASE, SHEET, method=99),
        "kompresi-tidak-didukung__flag-bit-5": patch_entry(BASE, SHEET, flags=0x20),
        "kompresi-tidak-didukung__zip-version-6-4": zip_version(BASE, 64),
        "isi-rusak__lzma": corrupt_lzma(BASE),
        "gaya-sel-rusak__number-format-id": replace_in(
            "xl/styles.xml", b'<xf numFmtId="164"', b'<xf numFmtId="99999999999999999999"'),
        "gaya-sel-rusak__font-id": replace_in(
            "xl/styles.xml", b'fontId="0"', b'fontId="99999999999999999999"'),
        "format-strict__namespaces": strict(),
        "baris-di-luar-batas__row-2000000": replace_in(
            SHEET, b"</sheetData>", b'<row r="2000000"><c r="A2000000" t="inlineStr"><is>'
            b"<t>LP-009</t></is></c></row></sheetData>"),
        "waktu-masa-depan__date-9999-12-31-23-59-59-6": workbook(
            [step_one_row(1, waktu_lapor=datetime(9999, 12, 31, 23, 59, 59, 600_000)),
             step_one_row(2, desa="Jumapolo")]),
        "tanggal-tidak-terbaca__1904-serial-2957004": workbook(
            [step_one_row(1, waktu_lapor=2957004), step_one_row(2, desa="Jumapolo")],
            prepare=_epoch_1904),
        "tahun-tidak-wajar__0224": workbook([step_one_row(1, waktu_lapor="25/09/0224 08:15"),
                                             step_one_row(2, desa="Jumapolo")]),
        "tahun-tidak-wajar__0001": workbook([step_one_row(1, waktu_lapor="25/09/0001 08:15"),
                                             step_one_row(2, desa="Jumapolo")]),
        "rumus-tanpa-nilai__concat": workbook(
            [step_one_row(1, nama_pelapor='=CONCAT("Siti"," Rahayu")'),
             step_one_row(2, desa="Jumapolo")]),
        "rumus-waktu__now": replace_in(SHEET, b'<c r="B3" s="1" t="n"><v>',
                                       b'<c r="B3" s="1"><f>NOW()</f><v>'),
        "bukan-pilihan__broken-second-sheet": rezip(
            second, {"xl/worksheets/sheet2.xml": part("xl/worksheets/sheet2.xml", second)[:-30]}),
        "bukan-pilihan__broken-table-part": rezip(
            second, {"xl/tables/table1.xml": part("xl/tables/table1.xml", second)[:-30]}),
        "bukan-pilihan__broken-comments": rezip(
            commented, {"xl/comments/comment1.xml":
                        part("xl/comments/comment1.xml", commented)[:-30]}),
        "bukan-pilihan__empty-date-cell": replace_in(
            SHEET, b'<c r="A3" t="inlineStr">', b'<c r="Z3" s="1" t="d"/><c r="A3" '
            b't="inlineStr">'),
        "bukan-pilihan__whole-column-merge": replace_in(
            SHEET, b"</sheetData>", b'</sheetData><mergeCells count="1">'
            b'<mergeCell ref="Z2:Z1048576"/></mergeCells>'),
        "bukan-pilihan__row-after-20000-empty-rows": rows_after_empty_rows(20_000),
    }


RICH = workbook(prepare=_rich)  # the base plus parts only the full load reads


def write_corpus(folder: Path) -> list[Path]:
    """Write every reproducer as `<name>.xlsx` into `folder` (the stored corpus)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in corpus().items():
        path = folder / f"{name}.xlsx"
        path.write_bytes(data)
        paths.append(path)
    return paths


if __name__ == "__main__":  # python -m tests.fuzzing: rebuild tests/data/fuzz/
    for written in write_corpus(Path(__file__).parent / "data" / "fuzz"):
        print(written.name, written.stat().st_size)
