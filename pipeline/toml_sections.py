"""TOML tables into frozen dataclasses: each key checked against its field's type hint.

config.py declares every setting as a dataclass field made with `setting` (its default
and its one-line help); `build_section` builds a section from its TOML table, refusing
unknown keys and wrong types with a message in Indonesian that names the key.
"""

from __future__ import annotations

import types
import typing
from dataclasses import MISSING, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError


def setting(default: Any = MISSING, help: str = "", factory: Any = MISSING) -> Any:
    """A config field with its one-line help text."""
    if factory is not MISSING:
        return field(default_factory=factory, metadata={"help": help})
    return field(default=default, metadata={"help": help})



def _type_ok(value: Any, hint: Any) -> bool:
    """Whether a TOML value fits a field's type hint."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is Path:
        return isinstance(value, str) and value.strip() != ""
    if origin is tuple:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    return isinstance(value, hint)


def _table_array_item(hint: Any) -> Any:
    """The dataclass of a `tuple[SomeDataclass, ...]` field ([[array of tables]]), or None."""
    if typing.get_origin(hint) is tuple:
        args = typing.get_args(hint)
        if args and is_dataclass(args[0]):
            return args[0]
    return None


def _convert(value: Any, hint: Any) -> Any:
    if hint is Path:
        return Path(value)
    if typing.get_origin(hint) is tuple:
        return tuple(str(v).strip() for v in value)
    if hint is float:
        return float(value)
    return value


def build_section(cls: Any, data: dict[str, Any], where: str) -> Any:
    """Build a section dataclass from a TOML table, refusing unknown keys and wrong types."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls) if f.name != "base"}
    for key in data:
        if key not in known and not where:
            raise ConfigError(
                f"config.toml: bagian [{key}] tidak dikenal. Periksa ejaannya; bagian yang "
                f"dikenal: {', '.join(sorted(known))}.")
        if key not in known:
            raise ConfigError(
                f"config.toml: kunci [{where}] {key} tidak dikenal. Periksa ejaannya; "
                f"kunci yang dikenal: {', '.join(sorted(known))}.")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ConfigError(f"config.toml: kunci [{where}] {f.name} wajib diisi "
                                  f"({f.metadata.get('help', '')}).")
            continue
        hint, value = hints[f.name], data[f.name]
        item = _table_array_item(hint)
        if item is not None:
            if not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
                raise ConfigError(f"config.toml: [[{f.name}]] harus berupa daftar tabel, "
                                  f"masing-masing diawali baris [[{f.name}]].")
            values[f.name] = tuple(build_section(item, v, f"{f.name} ke-{i}")
                                   for i, v in enumerate(value, 1))
        elif is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(f"config.toml: [{where}.{f.name}] harus berupa tabel.")
            values[f.name] = build_section(hint, value, f"{where}.{f.name}".strip("."))
        elif not _type_ok(value, hint):
            raise ConfigError(f"config.toml: nilai [{where}] {f.name} = {value!r} salah jenis. "
                              f"Isinya: {f.metadata.get('help', '')}")
        else:
            values[f.name] = _convert(value, hint)
    return cls(**values)
