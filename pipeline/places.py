"""Where a letter is filed when it is reserved: its pattern's place, unless that place is
already held by another letter — then the case's alternative (marked) name.

The outbox is an archive: two reports whose safe names are the same file (`LP/001` and
`LP-001` both read `LP-001`) must not share it, and the second must not wait for ever
behind the guard that refuses to overwrite (filing.NameTaken). A place is held when

- the state records a letter there that is not this letter (same version), or
- a letter reserved earlier in the same chunk goes there, or
- a file is there that is not an earlier state of this letter (stamped with it), or
  the letter is not there but a file is where its SMS text or PDF would go.

Then the letter takes the case's first alternative name that is free
(layout.case_name: `LP-001 ~5b1e7d - …`): decided from the case identity only, so a
re-run gives the same name. A new version keeps the place of the version before it, with
only its ' (versi N)' changed, so a letter keeps its mark for all its versions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from pipeline import render
from pipeline.config import Config
from pipeline.filing import IDENTITY, may_replace
from pipeline.layout import letter_path, versioned
from pipeline.model import Letter
from pipeline.plan import Action, Item
from pipeline.schema import DOCUMENT_BY_KIND, Doc
from pipeline.state import State

BESIDE = (".txt", ".pdf")  # what is filed beside a letter: its SMS text, its PDF
ALTERNATIVES = 9  # other names tried before the guard is left to refuse (never in practice)
LISTED = 5_000  # most names of a folder read into memory for a chunk's places

Identity = tuple[object, ...]


def identity(letter: Letter) -> Identity:
    """What makes two records the same letter, same version (filing.IDENTITY)."""
    return tuple(getattr(letter, key) for key in IDENTITY)


class Places:
    """The places of the letters of one chunk, decided in order as they are reserved."""

    def __init__(self, cfg: Config, state: State) -> None:
        self.cfg = cfg
        self.state = state
        self.outbox = cfg.outbox  # resolved once (a property that resolves the path)
        self.claimed: dict[str, Identity] = {}  # places given in this chunk
        # Each folder's names, read once per chunk and case-folded (Windows matches names
        # without regard to case): a name not there is free of files without a look at
        # the disk; a name there is looked at as before. A file made after the listing
        # is met by filing's guard, which refuses to replace it (filing.NameTaken). A
        # folder of more than LISTED names is not listed (memory: a year's backlog puts
        # 200,000 letters in one folder): its places are looked at one by one.
        self._names: dict[Path, frozenset[str] | None] = {}

    def place(self, item: Item) -> str:
        """Where the letter of a new or resumed item is filed (and claim it)."""
        letter = item.letter
        candidates = self._candidates(item)
        first = next(candidates)
        chosen = first if self._free(first, item) else next(
            (path for path in candidates if self._free(path, item)), first)
        self.claimed[chosen] = identity(letter)
        return chosen

    def _candidates(self, item: Item) -> Iterator[str]:
        """The places to try, best first: the recorded one (resumed), the previous
        version's with the new suffix (a new version in the same year), the pattern's,
        then the case's alternative names."""
        letter = item.letter
        if item.action is Action.resume and letter.path:
            yield letter.path
        previous = item.previous
        if previous is not None and previous.path and previous.tahun == letter.tahun:
            yield versioned(previous.path, letter.version)
        for alternative in range(ALTERNATIVES + 1):
            yield self._pattern(letter, alternative)

    def _pattern(self, letter: Letter, alternative: int) -> str:
        """The pattern's place of a letter, or of the case's n-th alternative name."""
        return letter_path(self.cfg, DOCUMENT_BY_KIND[Doc(letter.doc)], letter.no_laporan,
                           letter.tahun, letter.instansi, letter.version,
                           alternative=alternative)

    def _free(self, path: str, item: Item) -> bool:
        """Whether `path` is held by nothing but this letter (same version)."""
        letter = item.letter
        mine = identity(letter)
        if self.claimed.get(path, mine) != mine:
            return False
        if any(owner != mine for owner in self.state.letters_at(path)):
            return False
        target = self.outbox / path
        names = self._listing(target.parent)
        stem = target.stem.casefold()
        if names is not None and not any(stem + suffix in names
                                         for suffix in (target.suffix.casefold(), *BESIDE)):
            return True  # nothing there, nor beside it: the common case, no look at the disk
        record = {key: getattr(letter, key) for key in IDENTITY}
        try:
            if not target.exists():  # then only a clerk's file beside it holds the place
                return not self._beside_taken(target, item)
            return may_replace(target, record, letter.sha256)
        except OSError:  # unreadable now: the guard looks again when the letter is written
            return True

    def _listing(self, folder: Path) -> frozenset[str] | None:
        """The case-folded names in `folder` (empty if it is missing), read once per chunk;
        None when it cannot be read or holds more than LISTED names (each place is then
        looked at on its own)."""
        if folder not in self._names:
            self._names[folder] = _names(folder)
        return self._names[folder]

    def _beside_taken(self, target: Path, item: Item) -> bool:
        """Whether a file is where this letter's SMS text or PDF would go, other than the
        very SMS text this letter would write there (left by an earlier state of it)."""
        for suffix in BESIDE:
            beside = target.with_suffix(suffix)
            if not beside.exists():
                continue
            if suffix == ".txt" and item.case is not None:
                sms = render.sms_text(item.case, self.cfg,
                                      DOCUMENT_BY_KIND[Doc(item.letter.doc)])
                if sms and beside.read_bytes() == sms.encode("utf-8"):
                    continue
            return True
        return False


def _names(folder: Path) -> frozenset[str] | None:
    """The case-folded names in `folder`: empty if it is missing, None if it cannot be read
    or holds more than LISTED names."""
    names: set[str] = set()
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                names.add(entry.name.casefold())
                if len(names) > LISTED:
                    return None
    except FileNotFoundError:
        return frozenset()
    except OSError:
        return None
    return frozenset(names)
