"""Whether the office's settings are filled in: until they are, letters are drafts (KONSEP).

The shipped config.toml holds placeholders such as "[NAMA CAMAT]", and the shipped emblem
is a marked picture (tools/make_lambang.py); letters made from them are marked KONSEP,
carry no number and stay out of the Buku Agenda. `perda check` lists what is left.
"""

from __future__ import annotations

from dataclasses import fields

from pipeline.config import Config

PLACEHOLDER_MARK = "["  # shipped placeholder values look like "[NAMA CAMAT]"
# The shipped emblem (tools/make_lambang.py) carries this in its bytes; perda check warns.
LAMBANG_PLACEHOLDER_MARK = b"PERDA-LAMBANG-CONTOH"


def draft_reasons(cfg: Config) -> list[str]:
    """Required office values still placeholders: while any is, letters are drafts (KONSEP).

    The letterhead ([kantor]), the officials' names, ranks and NIPs ([pejabat.*]) and the
    emblem file; not the contact telephone, which a letter can do without.
    """
    found = []
    for f in fields(cfg.kantor):
        if str(getattr(cfg.kantor, f.name)).startswith(PLACEHOLDER_MARK):
            found.append(f"[kantor] {f.name}")
    if not lambang_ok(cfg):
        found.append("[kantor] lambang")
    for who in ("camat", "sekcam", "kasi"):
        person = getattr(cfg.pejabat, who)
        for f in fields(person):
            if f.name != "telepon" and str(getattr(person, f.name)).startswith(PLACEHOLDER_MARK):
                found.append(f"[pejabat.{who}] {f.name}")
    return found


def lambang_ok(cfg: Config) -> bool:
    """Whether the emblem file exists, is a picture (PNG, JPEG, GIF) and is not the shipped
    placeholder (a file the letters cannot show keeps them drafts)."""
    try:
        data = cfg.lambang.read_bytes()
    except OSError:
        return False
    picture = data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8", b"GIF87a", b"GIF89a"))
    return picture and LAMBANG_PLACEHOLDER_MARK not in data


def placeholders(cfg: Config) -> list[str]:
    """Settings still holding the shipped '[…]' placeholders (perda check warns)."""
    found = draft_reasons(cfg)
    if str(cfg.pejabat.kasi.telepon).startswith(PLACEHOLDER_MARK):
        found.append("[pejabat.kasi] telepon")
    if any(name.startswith(PLACEHOLDER_MARK) for name in cfg.daftar.petugas):
        found.append("[daftar] petugas")
    if not cfg.daftar.sudah_dikonfirmasi:
        found.append("[daftar] perda dan instansi")
    return found
