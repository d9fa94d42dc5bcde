"""Disable one safety check at a time and show that a test fails without it.

    .venv/bin/python tools/mutate_checks.py [sharedstrings|rowcache]

Each mutation replaces one exact piece of source (it must occur once), runs the tests
named for it, and restores the file. A mutation the tests survive is listed as SURVIVED.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SHAREDSTRINGS = ("pipeline/sharedstrings.py", ["tests/test_sharedstrings.py"], [
    ("CDATA end", 'if b"]]>" in data or', "if"),
    ("U+FFFE/U+FFFF", 'b"\\xef\\xbf\\xbe" in data or b"\\xef\\xbf\\xbf" in data or', ""),
    ("control bytes", "len(\n            data.translate(None, _CONTROL)) != len(data)",
     "False"),
    ("UTF-8 decoding", "except UnicodeDecodeError:\n        return None",
     "except LookupError:\n        return None"),
    ("declaration and root", "if head is None or end < head.end()", "if end < 0"),
    ("nothing after </sst>", ' or text[end + 6:].strip(" \\t\\r\\n")', ""),
    ("body starts with an item", 'if body[0] != "\\x00" or not body.endswith(_END):',
     "if False:"),
    ("markup in text", '"<" in texts or ', ""),
    ("item inside an item", '"\\x00" in texts or ', ""),
    ("carriage return", ' or "\\r" in texts', ""),
    ("bare ampersand", "if _BARE_AMPERSAND.search(text):", "if False:"),
    ("invalid character reference", "raise NotPlain(name)  #", "return chr(number)  #"),
    ("references resolved", "strings = [_unescape(s) if", "strings = [s if"),
    ("x005F_ removed", 'strings = [s.replace("x005F_", "") for s in strings]', "pass"),
    ("read failure after the bytes before it",
     "return parsed_strings(_Rest(b\"\".join(chunks), source, exc))", "raise"),
    ("size bound", "while size <= MAX_PLAIN:", "while True:"),
])

ROWCACHE = ("pipeline/rowcache.py", ["tests/test_reader_cache.py",
                                     "tests/test_reader_cache_versions.py"], [
    ("raw digest: no changed string below the top", "if top <= self.first_changed:",
     "if True:"),
    ("key: other values checked when their top says so",
     "other <= self.first_changed or not _may_name(keyed, self.changed)", "True"),
    ("top of a parsed row covers its other values",
     "return None, raw + key + _TOPS.pack(max(top, other), other)",
     "return None, raw + key + _TOPS.pack(top, other)"),
    ("top of a row found by key covers its other values",
     "top = max(top, other)\n                if raw == last_raw",
     "top = top\n                if raw == last_raw"),
    ("top of a row found by key covers its shared cells",
     "top = max(top, other)\n                if raw == last_raw",
     "top = other\n                if raw == last_raw"),
    ("top: undelimited <v>", "        return ANY\n    top = 0", "        pass\n    top = 0"),
    ("top: digits", "top = max(top, int(text) + 1)", "pass"),
    ("top: character reference", "    if b\"&\" in text:\n            return ANY",
     "    if False:\n            return ANY"),
    ("top: int() of other text", "        top = max(top, index + 1)\n", "        pass\n"),
    ("top: negative index", "if index < 0:\n            return ANY",
     "if False:\n            return ANY"),
    ("_may_name: character reference before '#'",
     "if b\"&\" in text:\n            return True  #", "if False:\n            return True  #"),
    ("earlier release's entries", "return cls(rules)  # another release's format", "pass"),
])

SETS = {"sharedstrings": SHAREDSTRINGS, "rowcache": ROWCACHE}


def main() -> int:
    """Run each mutation of the named sets; 1 when one survived."""
    survived = 0
    for name in sys.argv[1:] or list(SETS):
        path, tests, mutations = SETS[name]
        source = (ROOT / path).read_text(encoding="utf-8")
        for label, old, new in mutations:
            assert source.count(old) == 1, (label, source.count(old))
            (ROOT / path).write_text(source.replace(old, new), encoding="utf-8")
            try:
                run = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p",
                                      "no:cacheprovider", *tests], cwd=ROOT,
                                     capture_output=True, text=True, timeout=1800)
            finally:
                (ROOT / path).write_text(source, encoding="utf-8")
            failed = run.returncode != 0
            survived += not failed
            lines = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
            print(f"{'caught  ' if failed else 'SURVIVED'} {name}: {label}"
                  f"{'  (' + lines[0][7:][:110] + ')' if lines else ''}", flush=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
