"""The README documents every config.toml key, and config.toml is a valid, complete example."""

from __future__ import annotations

import typing
from dataclasses import fields, is_dataclass

from pipeline.config import Config
from tests.conftest import ROOT


def config_keys(cls: type = Config, prefix: str = "") -> list[str]:
    """Every key of config.toml as '[section] key'."""
    keys = []
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        if f.name == "base":
            continue
        args = typing.get_args(hints[f.name])
        if is_dataclass(hints[f.name]):
            keys += config_keys(hints[f.name], f"{prefix}.{f.name}".strip("."))
        elif args and is_dataclass(args[0]):  # [[array of tables]]
            keys += [k.replace("[] ", f"[[{f.name}]] ", 1) for k in config_keys(args[0])]
        else:
            keys.append(f"[{prefix}] {f.name}")
    return keys


def test_every_config_key_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [k for k in config_keys()
               if f"`{k}`" not in readme and not k.startswith("[waktu_baku] langkah_")]
    assert missing == []
    assert "`[waktu_baku] langkah_1` … `langkah_7`" in readme


def test_every_config_key_has_help():
    def walk(cls: type) -> list[str]:
        hints = typing.get_type_hints(cls)
        out = []
        for f in fields(cls):
            if is_dataclass(hints[f.name]):
                out += walk(hints[f.name])
            elif not f.metadata.get("help"):
                out.append(f.name)
        return out

    assert walk(Config) == []
