"""The letter plan: which letters to write now, and why — a value, computed without I/O.

`make_plan(cases, recorded, counters, cfg)` compares the letters each case is due with the
letters the state recorded for it and decides, per letter, one `Action`:

- new: never made; takes the next number of its year (unnumbered documents take none);
- version: made, but what it says changed (or it is re-issued): same number, next version;
- resume: numbered and recorded, but its file was never put in place (a stop, a failed
  write): written again with the same number and version;
- withdraw: made, but no longer due (its agency was removed from Instansi Terkait, or the
  way of notifying changed so that the other step-7 document is due);
- current: made and unchanged; nothing to do.

A correction that moves a numbered letter into another year (its date crosses New Year)
is a new letter there, with a number of that year; the earlier letter stays and is marked
replaced ("diganti dengan …") in its own year's Buku Agenda.

New numbers are given in the order of the letters' dates, then case, then document order,
so that a backlog's Buku Agenda reads chronologically. `Plan.items` is in that order too,
so an executor that reserves them chunk by chunk never leaves a gap in a year's numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from pipeline import render, schema
from pipeline.config import Config
from pipeline.indo import bulan_romawi
from pipeline.model import Case, Letter, LetterStatus, case_to_json
from pipeline.schema import COLUMNS, DOCUMENT_BY_KIND, DOCUMENTS, Doc, Document

DOC_ORDER: dict[str, int] = {d.kind.value: i for i, d in enumerate(DOCUMENTS)}
# Whose number a document refers to ("rujukan"): the disposition sheet names the Nota Dinas
# it is attached to; the report to the Camat names that Nota Dinas and the Berita Acara of
# step 5; the step-7 note points to the Berita Acara for the whole result.
RUJUKAN: dict[str, tuple[str, ...]] = {
    Doc.disposisi.value: (Doc.nota_dinas.value,),
    Doc.laporan_hasil.value: (Doc.nota_dinas.value, Doc.bukti_penyelesaian.value),
    Doc.catatan_pemberitahuan.value: (Doc.bukti_penyelesaian.value,),
}


class Action(StrEnum):
    """What the plan does with one letter (values are shown by `perda run --coba`)."""

    new = "baru"
    version = "versi baru"
    resume = "lanjutkan"
    withdraw = "tarik"
    current = "tetap"
    draft = "konsep"


WRITES = (Action.new, Action.version, Action.resume, Action.draft)


@dataclass(frozen=True)
class Item:
    """One letter's decision: the letter to write (or the recorded one), and why.

    `replaces` is the letter of another year this one replaces; `previous` is the newest
    recorded version a new version follows (its place is derived from that one's);
    `rujukan` maps a document kind to the (nomor, urut, tanggal) of the case's letter this
    one refers to.
    """

    action: Action
    letter: Letter
    reason: str  # Indonesian, one line
    case: Case | None = None  # the case (what the letter is rendered from)
    replaces: Letter | None = None
    previous: Letter | None = None
    rujukan: dict[str, tuple[str, int, datetime]] = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        """Whether the executor renders and files this letter."""
        return self.action in WRITES

    def describe(self) -> str:
        """One Indonesian line for `perda run --coba`."""
        letter = self.letter
        title = _title(letter)
        number = f"nomor {letter.nomor}" if letter.nomor else "tanpa nomor"
        if letter.version > 1:
            number += f" versi {letter.version}"
        return (f"{letter.no_laporan} ({letter.case_id.split('/')[0]}) · {title} · "
                f"{self.action.value}: {number} — {self.reason}")


@dataclass
class Plan:
    """Every decision for some cases, in execution (and numbering) order."""

    items: list[Item] = field(default_factory=list)

    @property
    def to_write(self) -> list[Item]:
        """The items the executor renders and files."""
        return [item for item in self.items if item.writes]

    def count(self, action: Action) -> int:
        """How many items have `action`."""
        return sum(1 for item in self.items if item.action is action)


# ---------------------------------------------------------------- what a case is due


def documents_due(case: Case) -> list[tuple[Document, str]]:
    """Every (document, agency) the case is due now (schema.documents_due)."""
    return schema.documents_due(case)


def data_hash(case: Case, doc: Document, instansi: str) -> str:
    """What a letter says, less its number: the case's data up to the document's step."""
    data = case_to_json(case)
    payload = {c.key: data.get(c.key) for c in COLUMNS if c.step <= doc.step}
    payload["_instansi"] = instansi
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
                          ).hexdigest()


def letter_number(cfg: Config, doc: Document, urut: int, when: datetime) -> str:
    """The letter number from the document's pattern in config.toml."""
    pattern = cfg.penomoran.pola.get(doc.kind.value, "{klasifikasi}/{urut:03d}/{kode_unit}/"
                                                     "{tahun}")
    return pattern.format(
        klasifikasi=cfg.penomoran.klasifikasi, urut=urut, kode_unit=cfg.kantor.kode_unit,
        tahun=when.year, bulan=when.month, bulan_romawi=bulan_romawi(when.month))


def is_numbered(doc: Document) -> bool:
    """Whether the document takes a number and a Buku Agenda row."""
    return doc.numbered


def due_letter(case: Case, cfg: Config, doc: Document, instansi: str) -> Letter:
    """The letter a case is due, before it is numbered (urut 0, nomor '')."""
    when = case.step_time(doc.step)
    assert when is not None  # documents_due gives documents of done steps only
    return Letter(case_id=case.case_id, no_laporan=case.no_laporan, doc=doc.kind.value,
                  step=doc.step, instansi=instansi, nomor="", urut=0, tahun=when.year,
                  tanggal=when, hal=render.letter_subject(doc),
                  tujuan=render.letter_addressee(case, cfg, doc, instansi),
                  data_hash=data_hash(case, doc, instansi), status=LetterStatus.pending)


# ---------------------------------------------------------------- the rules


Reissue = Callable[[Letter], bool]


def make_plan(cases: Iterable[Case], recorded: Mapping[str, Sequence[Letter]],
              counters: Mapping[int, int], cfg: Config, *, reissue: Reissue | None = None,
              konsep: bool = False) -> Plan:
    """The plan for some cases, given the newest recorded version of each of their letters
    (by case_id) and each year's last number.

    `reissue(letter)` marks made letters to issue again as new versions although nothing
    changed (perda terbitkan-ulang). With `konsep`, every due letter is a draft: no number,
    nothing compared or recorded.
    """
    items: list[Item] = []
    for case in cases:
        if konsep:
            items += [_draft(case, cfg, doc, instansi) for doc, instansi in documents_due(case)]
        else:
            items += _case_items(case, recorded.get(case.case_id, ()), cfg, reissue)
    items.sort(key=_order)
    items = _number(items, counters, cfg)
    return Plan(_with_rujukan(items, recorded))


def _order(item: Item) -> tuple[datetime, str, int, str]:
    """Date, case, document order, agency."""
    letter = item.letter
    return (letter.tanggal, letter.case_id, DOC_ORDER.get(letter.doc, 99), letter.instansi)


def _draft(case: Case, cfg: Config, doc: Document, instansi: str) -> Item:
    return Item(Action.draft, due_letter(case, cfg, doc, instansi),
                "konsep: pengaturan kantor belum lengkap, surat belum diberi nomor", case)


def _case_items(case: Case, recorded: Sequence[Letter], cfg: Config,
                reissue: Reissue | None) -> list[Item]:
    """The decisions for one case's letters."""
    latest = {letter.key: letter for letter in recorded}
    items: list[Item] = []
    due_keys = set()
    for doc, instansi in documents_due(case):
        wanted = due_letter(case, cfg, doc, instansi)
        due_keys.add(wanted.key)
        items.append(_decide(case, doc, wanted, latest.get(wanted.key), reissue))
    for key, letter in latest.items():
        if key not in due_keys and not letter.ditarik:
            items.append(Item(Action.withdraw, letter, _why_withdrawn(case, letter), case))
    return items


def _decide(case: Case, doc: Document, wanted: Letter, last: Letter | None,
            reissue: Reissue | None) -> Item:
    """The decision for one due letter against its newest recorded version."""
    if last is None:
        return Item(Action.new, wanted, "surat baru", case)
    if last.status is LetterStatus.pending:
        resumed = replace(wanted, id=last.id, urut=last.urut, nomor=last.nomor,
                          tahun=last.tahun, version=last.version, path=last.path)
        return Item(Action.resume, resumed,
                    "dilanjutkan: sudah bernomor tetapi berkasnya belum selesai ditulis", case)
    again = reissue is not None and reissue(last)
    if last.data_hash == wanted.data_hash and not last.ditarik and not again:
        return Item(Action.current, last, "tidak berubah", case)
    if is_numbered(doc) and wanted.tahun != last.tahun:
        return Item(Action.new, wanted,
                    f"tanggal surat pindah dari tahun {last.tahun} ke {wanted.tahun}: surat baru "
                    f"bernomor tahun {wanted.tahun}; surat {last.nomor or 'lama'} dicatat diganti",
                    case, replaces=last)
    if last.ditarik:
        reason = "diperlukan lagi setelah ditarik: versi baru dengan nomor yang sama"
    elif again and last.data_hash == wanted.data_hash:
        reason = "diterbitkan ulang (templat atau pengaturan berubah): nomor yang sama"
    else:
        reason = "isi berubah: versi baru dengan nomor yang sama"
    version = replace(wanted, urut=last.urut, nomor=last.nomor, version=last.version + 1,
                      tahun=last.tahun if is_numbered(doc) else wanted.tahun)
    return Item(Action.version, version, reason, case, previous=last)


def _why_withdrawn(case: Case, letter: Letter) -> str:
    """Why a made letter is no longer due, in Indonesian."""
    if letter.instansi:
        return f"ditarik: {letter.instansi} tidak lagi tercantum pada Instansi Terkait"
    if letter.step == 7:
        return (f"ditarik: cara pemberitahuan sekarang {case.cara_pemberitahuan or 'kosong'}, "
                "surat lain yang diperlukan")
    return "ditarik: langkah ini tidak lagi terisi pada baris laporan"


def _number(items: list[Item], counters: Mapping[int, int], cfg: Config) -> list[Item]:
    """Give new numbered letters the next numbers of their years, in plan order."""
    last = dict(counters)
    numbered: list[Item] = []
    for item in items:
        doc = DOCUMENT_BY_KIND[Doc(item.letter.doc)]
        if item.action is Action.new and is_numbered(doc):
            urut = last.get(item.letter.tahun, 0) + 1
            last[item.letter.tahun] = urut
            item = replace(item, letter=replace(
                item.letter, urut=urut, nomor=letter_number(cfg, doc, urut, item.letter.tanggal)))
        numbered.append(item)
    return numbered


def _with_rujukan(items: list[Item], recorded: Mapping[str, Sequence[Letter]]) -> list[Item]:
    """Attach to each letter to write the numbers of the letters it refers to."""
    current: dict[tuple[str, str], Letter] = {}
    for letters in recorded.values():
        for letter in letters:
            if not letter.ditarik:
                current[(letter.case_id, letter.doc)] = letter
    for item in items:
        if item.action is not Action.withdraw:
            current[(item.letter.case_id, item.letter.doc)] = item.letter
    result = []
    for item in items:
        refs = RUJUKAN.get(item.letter.doc, ())
        if item.writes and refs:
            found = {kind: (ref.nomor, ref.urut, ref.tanggal) for kind in refs
                     if (ref := current.get((item.letter.case_id, kind))) is not None}
            item = replace(item, rujukan=found)
        result.append(item)
    return result


def _title(letter: Letter) -> str:
    """The document's title, with the agency for a step-4 letter."""
    doc = DOCUMENT_BY_KIND[Doc(letter.doc)]
    return f"{doc.title} - {letter.instansi}" if letter.instansi else doc.title


def describe_plan(plan: Plan) -> list[str]:
    """`perda run --coba`: one Indonesian line per letter, then a summary line."""
    lines = [item.describe() for item in plan.items]
    counts = ", ".join(f"{plan.count(a)} {a.value}" for a in Action if plan.count(a))
    lines.append(f"Rencana: {counts or 'tidak ada surat'}.")
    return lines
