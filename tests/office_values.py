"""An office whose config.toml is filled in: letters are numbered, not drafts (KONSEP)."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from pipeline.config import Config, load_config
from pipeline.drafts import draft_reasons

_PLACEHOLDER = re.compile(r'"\[([^"\]]*)\]"')


def png(width: int = 8, height: int = 8) -> bytes:
    """A small valid grey PNG (the office's emblem in tests)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    rows = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def fill_office(office: Path) -> Config:
    """Replace every shipped placeholder with a plain value and give the office an emblem."""
    path = office / "config.toml"
    text = path.read_text(encoding="utf-8")
    text = _PLACEHOLDER.sub(lambda m: '"198001012005011001"' if m.group(1) == "NIP"
                            else f'"{m.group(1).title()} Contoh"', text)
    path.write_text(text, encoding="utf-8")
    cfg = load_config(path)
    cfg.lambang.parent.mkdir(parents=True, exist_ok=True)
    cfg.lambang.write_bytes(png())
    assert draft_reasons(cfg) == [], draft_reasons(cfg)
    return cfg
