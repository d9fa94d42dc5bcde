"""Draw the placeholder emblem templates/lambang.png (a shield marked LAMBANG / CONTOH).

Run from the repository root:  python tools/make_lambang.py [OUTPUT_FILE]

We cannot ship the regency's coat of arms. The letters carry this plainly marked
placeholder until the office puts its own file at `[kantor] lambang`; the PNG's tEXt
chunk holds drafts.LAMBANG_PLACEHOLDER_MARK, so `perda check` (and the drafts rule) can
tell it from a real emblem. Pure Python (zlib), same bytes on every run.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.drafts import LAMBANG_PLACEHOLDER_MARK  # noqa: E402

WIDTH, HEIGHT = 200, 240
SCALE = 3  # pixels per font dot
GLYPHS = {  # 5 x 7 dots
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 11001 10101 10011 10001 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
}
NOTE = (b"Comment\x00" + LAMBANG_PLACEHOLDER_MARK
        + b": gambar contoh, ganti dengan lambang daerah resmi ([kantor] lambang).")


def _in_shield(x: float, y: float, inset: float) -> bool:
    """Whether pixel (x, y) lies inside the shield shrunk by `inset` pixels."""
    half = WIDTH / 2 - 6 - inset
    top, bottom = 6 + inset, HEIGHT - 6 - inset * 1.6
    if y < top or y > bottom or half <= 0:
        return False
    u, v = abs(x - WIDTH / 2) / half, (y - top) / (bottom - top)
    if v <= 0.55:
        return u <= 1
    return u <= (1 - ((v - 0.55) / 0.45) ** 2) ** 0.5


def _text_dots(word: str, top: int) -> set[tuple[int, int]]:
    """The pixels of `word` in the dot font, centred, starting at row `top`."""
    width = (len(word) * 6 - 1) * SCALE
    left = (WIDTH - width) // 2
    dots = set()
    for i, letter in enumerate(word):
        for row, bits in enumerate(GLYPHS[letter].split()):
            for col, bit in enumerate(bits):
                if bit == "1":
                    x0, y0 = left + (i * 6 + col) * SCALE, top + row * SCALE
                    dots.update((x0 + dx, y0 + dy) for dx in range(SCALE)
                                for dy in range(SCALE))
    return dots


def pixels() -> list[bytes]:
    """Grey-scale rows: white ground, black double shield outline and the two words."""
    ink = _text_dots("LAMBANG", 78) | _text_dots("CONTOH", 112)
    rows = []
    for y in range(HEIGHT):
        row = bytearray()
        for x in range(WIDTH):
            outer = _in_shield(x, y, 0) and not _in_shield(x, y, 5)
            inner = _in_shield(x, y, 10) and not _in_shield(x, y, 12)
            row.append(0 if outer or inner or (x, y) in ink else 255)
        rows.append(bytes(row))
    return rows


def png(rows: Sequence[bytes]) -> bytes:
    """An 8-bit grey-scale PNG of `rows`, with the placeholder mark in a tEXt chunk."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">2I5B", len(rows[0]), len(rows), 8, 0, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    dpi = struct.pack(">2IB", 11811, 11811, 1)  # 300 dpi, in pixels per metre
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"pHYs", dpi)
            + chunk(b"tEXt", NOTE) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def main(argv: Sequence[str]) -> int:
    """Command line: write the placeholder to argv[1] or to templates/lambang.png."""
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "templates" / "lambang.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png(pixels()))
    print(f"ditulis: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
