"""argparse in Indonesian: usage lines, section titles, -h help and argument errors.

argparse builds its texts with gettext; we do not install a catalogue for the whole
process. Instead `IndonesianParser` sets its own titles and help action, formats usage with
an Indonesian prefix, raises its own "invalid choice" text, and translates the few fixed
English messages argparse passes to `error()` (`ERRORS`). A message we do not know is
shown as it is, after the Indonesian "perda: kesalahan:" prefix.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

USAGE_PREFIX = "Penggunaan: "
POSITIONALS_TITLE = "argumen"
OPTIONALS_TITLE = "pilihan"
HELP_TEXT = "tampilkan bantuan ini lalu selesai"
ERROR_WORD = "kesalahan"

# argparse's fixed error texts (Python 3.11 to 3.14) → Indonesian; groups keep their order.
ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^the following arguments are required: (.+)$", re.S),
     "wajib ditulis: {0}"),
    (re.compile(r"^unrecognized arguments: (.+)$", re.S), "tidak dikenal: {0}"),
    (re.compile(r"^argument (.+?): expected one argument$", re.S),
     "{0} perlu satu nilai sesudahnya"),
    (re.compile(r"^argument (.+?): expected at least one argument$", re.S),
     "{0} perlu paling sedikit satu nilai sesudahnya"),
    (re.compile(r"^argument (.+?): ignored explicit argument (.+)$", re.S),
     "{0} tidak menerima nilai {1}"),
    (re.compile(r"^argument (.+?): invalid int value: (.+)$", re.S),
     "{0}: {1} bukan bilangan bulat"),
    (re.compile(r"^argument (.+?): invalid float value: (.+)$", re.S),
     "{0}: {1} bukan angka"),
    (re.compile(r"^argument (.+?): invalid (.+?) value: (.+)$", re.S),
     "{0}: nilai {2} tidak dapat dipakai"),
    (re.compile(r"^argument (.+?): not allowed with argument (.+)$", re.S),
     "{0} tidak boleh dipakai bersama {1}"),
    (re.compile(r"^ambiguous option: (.+?) could match (.+)$", re.S),
     "{0} dapat berarti {1}; tulis lebih lengkap"),
    (re.compile(r"^one of the arguments (.+) is required$", re.S),
     "salah satu dari {0} wajib diisi"),
    (re.compile(r"^argument (.+?): (.+)$", re.S), "{0}: {1}"),  # ours, from _check_value
]


def translate(message: str) -> str:
    """argparse's English error text in Indonesian (unknown texts unchanged)."""
    for pattern, template in ERRORS:
        match = pattern.match(message)
        if match:
            return template.format(*match.groups())
    return message


def choice_error(value: object, choices: Iterable[object]) -> str:
    """"'x' tidak dikenal; pilih salah satu: a, b, c"."""
    listed = ", ".join(str(c) for c in choices)
    return f"{value!r} tidak dikenal; pilih salah satu: {listed}"


class IndonesianFormatter(argparse.HelpFormatter):
    """Help text with an Indonesian usage prefix."""

    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[Any], prefix: str | None = None) -> None:
        """Like argparse's, with 'Penggunaan: ' instead of 'usage: '."""
        super().add_usage(usage, actions, groups, USAGE_PREFIX if prefix is None else prefix)


class IndonesianParser(argparse.ArgumentParser):
    """An ArgumentParser whose every text a user sees is Indonesian (see module docstring).

    Sub-parsers made with `add_subparsers().add_parser` are of the same class.
    """

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", IndonesianFormatter)
        kwargs["add_help"] = False  # ours below, with an Indonesian help text
        super().__init__(*args, **kwargs)
        self._positionals.title = POSITIONALS_TITLE
        self._optionals.title = OPTIONALS_TITLE
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=HELP_TEXT)

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """Refuse a value outside `choices` with an Indonesian message."""
        if action.choices is not None and value not in action.choices:
            raise argparse.ArgumentError(action, choice_error(value, action.choices))

    def error(self, message: str) -> NoReturn:
        """Print the usage and 'perda: kesalahan: …' in Indonesian, then exit with 2."""
        self.print_usage(sys.stderr)
        text = translate(message).rstrip(".")
        self.exit(2, f"{self.prog}: {ERROR_WORD}: {text}. Bantuan: {self.prog} --help\n")
