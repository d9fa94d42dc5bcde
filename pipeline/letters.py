"""Carrying out the letter plan exactly once: reserve → write → complete.

The plan (pipeline.plan) says what to write; this module does it, chunk by chunk:

1. `State.reserve`: one transaction per chunk of about CHUNK_LETTERS letters records the
   new letters as pending (with their numbers), brings resumed ones up to date, marks
   withdrawn and replaced ones, and stores the cases' data;
2. every letter of the chunk is rendered (in a process pool for a large chunk) and filed
   with an atomic write, with its SMS text beside it where it has one;
3. `State.complete_all` marks them made.

A kill anywhere leaves pending letters and unsettled cases; `catch_up` (at start, and at
every rescan) plans those cases again, which resumes the pending letters with the same
numbers. Drafts (config.toml not filled yet) are rendered under outbox/_konsep/ and are
not recorded at all.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from pipeline import render
from pipeline.config import Config
from pipeline.filing import NameTaken, file_letter, write_atomic
from pipeline.form import PageForm, page_form
from pipeline.layout import agenda_path, letter_path, sms_path
from pipeline.layout import draft_path as layout_draft_path
from pipeline.model import Case, Letter, LetterStatus, case_from_json, case_to_json
from pipeline.places import BESIDE, Places
from pipeline.plan import Action, Item, Plan, make_plan
from pipeline.pool import Job, Renderer
from pipeline.schema import DOCUMENT_BY_KIND, Doc, Document
from pipeline.state import Booking, State, case_json

log = logging.getLogger("pipeline.letters")
CHUNK_LETTERS = 1600  # letters reserved per transaction in a backlog (the workers wait meanwhile)
FILING_THREADS = 4  # letters written at once by one process: fsyncs share journal commits
PLAN_CASES = 5_000  # changed cases planned at once (memory): numbers follow dates within one


KEEP_LETTERS = 1000  # letters a run keeps as records (the PDFs of the newest; see Made)


@dataclass
class Made:
    """What carrying out a plan did: letters filed (counted, with their years; only the
    newest `keep` kept as records, so a backlog of any size is never held in memory),
    drafts filed, and the years whose Buku Agenda changed without a new letter (a letter
    withdrawn or replaced)."""

    letters: list[Letter] = field(default_factory=list)  # the newest `keep` made
    drafts: list[Path] = field(default_factory=list)
    draft_owners: dict[str, str] = field(default_factory=dict)  # draft place → case id
    marked_years: set[int] = field(default_factory=set)
    count: int = 0  # every letter made
    years: set[int] = field(default_factory=set)  # years of the letters made
    keep: int = KEEP_LETTERS

    def add(self, letters: list[Letter]) -> None:
        """Count letters just made; keep the newest `keep` of them."""
        self.count += len(letters)
        self.years.update(letter.tahun for letter in letters)
        self.letters += letters
        if len(self.letters) > self.keep:
            del self.letters[:len(self.letters) - self.keep]


def make_letters(cases: Iterable[Case], cfg: Config, state: State,
                 progress: Callable[[int, int], None] | None = None, *,
                 konsep: bool = False) -> Made:
    """Plan and make the letters of many cases; an unchanged case costs one lookup.

    `progress(cases_seen, letters_made)` is called after each chunk.
    """
    pending = state.pending_cases()
    seen = [0]
    made = Made(keep=max(KEEP_LETTERS, cfg.berkas.pdf_maks_per_proses))

    def counted() -> Iterator[Case]:
        for case in cases:
            seen[0] += 1
            yield case

    with Renderer() as renderer:
        changed = (c for c in counted() if konsep or letter_changed(c, state, pending))
        for n, block in enumerate(_blocks(changed, PLAN_CASES)):
            if n == 0:  # a backlog: the workers start while its first block is planned
                renderer.start(len(block), file_letters)
            if konsep:
                plan = make_plan(block, {}, {}, cfg, konsep=True)
            else:
                plan = make_plan(block, state.letters_of_cases({c.case_id for c in block}),
                                 state.counters(), cfg)
            execute(plan, block, cfg, state, renderer, made,
                    progress and (lambda n: progress(seen[0], n)), konsep=konsep)
    return made


def letter_changed(case: Case, state: State, pending: set[str]) -> bool:
    """Whether a case may need letters: new, changed, or with letters left half-made."""
    return (case.case_id in pending
            or state.stored_case(case.case_id) != case_json(case_to_json(case)))


def _blocks(cases: Iterator[Case], size: int) -> Iterator[list[Case]]:
    """Cases in lists of at most `size`."""
    block: list[Case] = []
    for case in cases:
        block.append(case)
        if len(block) >= size:
            yield block
            block = []
    if block:
        yield block


def execute(plan: Plan, cases: list[Case], cfg: Config, state: State, renderer: Renderer,
            made: Made, progress: Callable[[int], None] | None = None, *,
            konsep: bool = False) -> Made:
    """Carry out a plan for `cases` in chunks; the cases' data is stored along the way.

    In a pool, the next chunk is reserved while the workers render the last letters of
    this one (`Renderer.run`'s `ahead`): they never wait for the reservation. Reserving
    before the chunk before is marked made is what a kill between the two does anyway:
    the reserved letters are pending, resumed with their numbers.
    """
    last_item = {item.letter.case_id: i for i, item in enumerate(plan.items)}
    # Cases with nothing to do are only stored (drafts store nothing).
    quiet = [] if konsep else [c for c in cases if c.case_id not in last_item]

    def stored(start: int, chunk: list[Item]) -> list[tuple[Case, bool]]:
        """The cases whose data this chunk stores (called once per chunk, in order)."""
        nonlocal quiet
        involved = {item.letter.case_id: item.case for item in chunk if item.case is not None}
        kept = [(case, last_item[cid] < start + len(chunk)) for cid, case in involved.items()
                if case is not None]
        kept, quiet = kept + [(case, True) for case in quiet], []
        return kept

    chunks = list(_chunks(plan.items))
    booked: list[Item] | None = None  # the letters of the next chunk, reserved ahead
    for n, (start, chunk) in enumerate(chunks):
        if _drafts(chunk):
            _write_drafts(chunk, cfg, renderer, made)
        else:
            items = booked if booked is not None else _reserve_chunk(
                chunk, stored(start, chunk), cfg, state, made)
            booked = None
            following = chunks[n + 1] if n + 1 < len(chunks) else None

            def ahead(following: tuple[int, list[Item]] | None = following) -> None:
                nonlocal booked
                if following is not None and not _drafts(following[1]):
                    booked = _reserve_chunk(following[1], stored(*following), cfg, state,
                                            made)

            made.add(write_items(items, cfg, state, renderer, ahead=ahead))
        if progress:
            progress(made.count + len(made.drafts))
    if quiet:
        state.reserve(Booking(cases=[(case, True) for case in quiet]))
    return made


def _chunks(items: list[Item]) -> Iterator[tuple[int, list[Item]]]:
    """(start index, items) with about CHUNK_LETTERS letters to write each."""
    start, writes = 0, 0
    for i, item in enumerate(items):
        writes += item.writes
        if writes >= CHUNK_LETTERS:
            yield start, items[start:i + 1]
            start, writes = i + 1, 0
    if start < len(items):
        yield start, items[start:]


def _drafts(chunk: list[Item]) -> list[Item]:
    """A chunk's drafts (a run makes drafts only, or none)."""
    return [item for item in chunk if item.action is Action.draft]


def _write_drafts(chunk: list[Item], cfg: Config, renderer: Renderer, made: Made) -> None:
    """Write a chunk's drafts (not recorded: no reservation)."""
    drafts = _drafts(chunk)
    written: list[tuple[Item, str]] = []
    paths = [_draft_place(cfg, item.letter, made) for item in drafts]
    _write(drafts, paths, cfg, renderer, written, konsep=True)
    place = dict(zip((id(item) for item in drafts), paths, strict=True))
    made.drafts += [cfg.outbox / place[id(item)] for item, _ in written]


def _reserve_chunk(chunk: list[Item], cases: list[tuple[Case, bool]], cfg: Config,
                   state: State, made: Made) -> list[Item]:
    """Place and reserve one chunk's letters; the items to write, with their records."""
    booking = Booking(cases=cases)
    to_write: list[Item] = []
    resumed: list[Item] = []
    places = Places(cfg, state)  # never a place another letter holds (places.py)
    for item in chunk:
        if item.action in (Action.new, Action.version, Action.resume):
            item = replace(item, letter=replace(item.letter, path=places.place(item)))
        if item.action in (Action.new, Action.version):
            booking.new.append(item.letter)
            to_write.append(item)
        elif item.action is Action.resume:
            booking.resumed.append(item.letter)
            resumed.append(item)
        elif item.action is Action.withdraw:
            booking.withdrawn.append(item.letter)
        if item.replaces is not None:
            booking.replaced.append((item.replaces, item.letter.nomor))
    to_write += resumed
    reserved = state.reserve(booking)
    made.marked_years |= {x.tahun for x in booking.withdrawn if x.numbered}
    made.marked_years |= {x.tahun for x, _ in booking.replaced if x.numbered}
    return [replace(item, letter=letter) for item, letter in zip(to_write, reserved,
                                                                 strict=True)]


def write_items(items: list[Item], cfg: Config, state: State,
                renderer: Renderer | None = None,
                ahead: Callable[[], None] | None = None) -> list[Letter]:
    """Render and file reserved letters, then mark them made in one transaction — also
    those filed before a write failed (disk full), so only the rest stay pending.

    `ahead`: called once, if at all, while a pool's workers render the last letters
    (the next chunk's reservation); not called when no pool renders them.
    """
    written: list[tuple[Item, str]] = []
    try:
        _write(items, [item.letter.path for item in items], cfg, renderer or Renderer(),
               written, ahead=ahead)
    finally:
        done = [(item.letter, digest) for item, digest in written]
        if done:
            state.complete_all(done)
    return [replace(letter, status=LetterStatus.done, sha256=digest) for letter, digest in done]


def _write(items: list[Item], paths: list[str], cfg: Config, renderer: Renderer,
           written: list[tuple[Item, str]], *, konsep: bool = False,
           ahead: Callable[[], None] | None = None) -> None:
    """Render and file letters (and their SMS texts), adding each filed one, with its
    sha256, to `written`, in order.

    Each letter is filed by the process that renders it (a worker, for a backlog): only
    its sha256 comes back. A letter whose place holds anything but an earlier state of
    that very letter is not written (filing.NameTaken, logged): it stays pending, and
    nothing is replaced. Two letters bound for one place are never written at once: the
    second waits for a later round. The first error (a full disk) is raised: the letters
    before it, in order, are in `written`; any filed after it by another thread or worker
    stay pending and are finished again in place (their file is their own earlier state).
    """
    form = page_form(cfg)  # [halaman] and the emblem, applied when a template compiles
    templates = cfg.templates  # resolved paths: computed once, not per letter
    outbox = str(cfg.outbox)
    with renderer as active:
        rounds = _rounds(list(zip(items, paths, strict=True)))
        for n, batch in enumerate(rounds):
            jobs = (_job(item, path, cfg, form, templates, outbox, konsep)
                    for item, path in batch)  # made while the workers render the first
            failure: BaseException | None = None
            last = n == len(rounds) - 1
            for (item, _path), (kind, value) in zip(
                    batch, active.run(file_letters, jobs, len(batch),
                                      ahead=ahead if last else None), strict=True):
                if isinstance(value, BaseException):
                    failure = value
                    break  # a full disk: the rest of the batch stays pending
                if kind == "ok":
                    written.append((item, value))
                else:
                    log.error("%s", value)
            if failure is not None:
                raise failure


def _job(item: Item, path: str, cfg: Config, form: PageForm, templates: Path, outbox: str,
         konsep: bool) -> Job:
    """What a worker needs to render and file one letter (see file_letters)."""
    doc = document(item.letter)
    assert item.case is not None
    sms = render.sms_text(item.case, cfg, doc) or None
    return (str(templates / doc.template), _context(item, doc, cfg, konsep), form,
            letter_record(item.letter), shown_properties(item.letter), (outbox, path, sms))


def _rounds(pairs: list[tuple[Item, str]]) -> list[list[tuple[Item, str]]]:
    """The letters in rounds where no two share a place (the n-th letter for a place in
    the n-th round); almost always one round."""
    rounds: list[list[tuple[Item, str]]] = []
    seen: dict[str, int] = {}
    for item, path in pairs:
        n = seen[path] = seen.get(path, -1) + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append((item, path))
    return rounds


Filed = tuple[str, "str | BaseException"]  # ("ok", sha256), ("taken", why), ("error", exc)


def file_letters(jobs: list[Job]) -> list[Filed]:
    """Render and file a few letters (in a worker, or here); what became of each.

    Each letter is handed to this process's FILING_THREADS threads as soon as it is
    rendered, and the next one is rendered while it is written: a write mostly waits for
    the disk or the share, and fsyncs made at once share journal commits. A job is a
    render job (pool.Job) whose last element is (outbox folder, place under it, SMS text
    or None).
    """
    with render.ENGINE.batch():  # each template looked at on disk once per list
        if len(jobs) == 1:
            return [_file_one(render.render_letter(*jobs[0][:-1]), jobs[0])]
        filers = _filers()
        filing = [filers.submit(_file_one, render.render_letter(*job[:-1]), job)
                  for job in jobs]
    return [future.result() for future in filing]


def _orphaned() -> bool:
    """True in a worker process whose main process has ended."""
    parent = multiprocessing.parent_process()
    return parent is not None and not parent.is_alive()


_FILERS: list[ThreadPoolExecutor] = []  # this process's filing threads, made when needed


def _filers() -> ThreadPoolExecutor:
    """This process's filing threads (one set per process, kept for its lifetime)."""
    if not _FILERS:
        _FILERS.append(ThreadPoolExecutor(FILING_THREADS, thread_name_prefix="perda-tulis"))
    return _FILERS[0]


def _file_one(data: bytes, job: Job) -> Filed:
    """File one stamped letter and its SMS text; ("ok", its sha256) or why not.

    A worker whose main process is gone (killed) writes nothing more: the next run
    resumes its letters, and must not find them rewritten behind its back.
    """
    record, shown, (outbox, path, sms) = job[3], job[4], job[-1]
    target = Path(outbox) / path
    if _orphaned():
        return ("error", RuntimeError("proses utama berhenti; surat tidak ditulis"))
    try:
        digest = file_letter(target, data, record, shown, stamped=True)
        if sms:
            write_atomic(Path(outbox) / sms_path(path), sms.encode("utf-8"))
    except NameTaken as exc:
        return ("taken", exc.message)
    except Exception as exc:  # noqa: BLE001 - returned, raised by the caller in order
        return ("error", exc)
    return ("ok", digest)


def _context(item: Item, doc: Document, cfg: Config, konsep: bool) -> dict[str, object]:
    """The template variables of one letter."""
    assert item.case is not None
    rujukan = {kind: render.Rujukan(*ref) for kind, ref in item.rujukan.items()}
    return render.build_context(item.case, cfg, doc, item.letter.nomor, item.letter.instansi,
                                konsep=konsep, rujukan=rujukan)


def letter_record(letter: Letter) -> dict[str, object]:
    """The record a letter carries inside its .docx (what `perda pulihkan` reads back)."""
    return {name: getattr(letter, name) for name in _RECORD_FIELDS}  # all scalars


_RECORD_FIELDS = tuple(f.name for f in fields(Letter)
                       if f.name not in ("id", "status", "sha256", "made_at"))


def shown_properties(letter: Letter) -> dict[str, str]:
    """The custom document properties a clerk sees in Word."""
    return {"Nomor Surat": letter.nomor, "No. Laporan": letter.no_laporan,
            "Versi": str(letter.version)}


def document(letter: Letter) -> Document:
    """The schema document of a letter."""
    return DOCUMENT_BY_KIND[Doc(letter.doc)]


def placement(cfg: Config, letter: Letter) -> str:
    """Where a letter is filed under outbox/ ('/' separated)."""
    return letter_path(cfg, document(letter), letter.no_laporan, letter.tahun,
                       letter.instansi, letter.version)


def draft_path(cfg: Config, letter: Letter) -> str:
    """Where a draft is filed: the normal place, under outbox/_konsep/."""
    return layout_draft_path(placement(cfg, letter))


def _draft_place(cfg: Config, letter: Letter, made: Made) -> str:
    """A draft's place in this run: the normal one, or the case's alternative name when
    another case's draft took it first (`LP/001` and `LP-001`), as letters do."""
    path = draft_path(cfg, letter)
    owner = made.draft_owners.setdefault(path, letter.case_id)
    target = cfg.outbox / path  # a clerk's file where its SMS text or PDF goes: elsewhere
    if owner == letter.case_id and (target.exists() or not any(
            target.with_suffix(beside).exists() for beside in BESIDE)):
        return path
    return layout_draft_path(letter_path(cfg, document(letter), letter.no_laporan,
                                         letter.tahun, letter.instansi, letter.version,
                                         alternative=1))


def catch_up(cfg: Config, state: State) -> list[Letter]:
    """Finish what a stopped run or a failed write left: pending letters (same numbers) and
    cases whose letters were being reserved, from the stored cases."""
    ids = state.pending_cases()
    cases = {c.case_id: c for c in state.unsettled_cases()}
    cases.update({c.case_id: c for c in _stored(state, ids - set(cases))})
    if not cases:
        return []
    log.info("Melanjutkan surat yang belum selesai dari %d laporan.", len(cases))
    return make_letters(list(cases.values()), cfg, state).letters


def _stored(state: State, case_ids: set[str]) -> list[Case]:
    """The stored cases with these ids."""
    return [case_from_json(data) for data in state.case_data(case_ids).values()]


def reissue(cfg: Config, state: State, wanted: Callable[[Letter], bool]) -> list[Letter]:
    """Issue again, as new versions with the same numbers, the made letters `wanted`
    selects (perda terbitkan-ulang: a template or config.toml changed); old files stay."""
    cases = state.cases()
    recorded = state.letters_of_cases({c.case_id for c in cases})
    plan = make_plan(cases, recorded, state.counters(), cfg,
                     reissue=lambda x: x.status is LetterStatus.done and not x.ditarik
                     and wanted(x))
    made = Made(keep=len(plan.items))  # every re-issued letter is listed
    with Renderer() as renderer:
        execute(plan, [], cfg, state, renderer, made)
    return made.letters


__all__ = ["agenda_path", "catch_up", "execute", "make_letters", "reissue", "write_items"]
