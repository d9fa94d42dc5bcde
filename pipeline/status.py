"""Case times against the SOP's standard: per step, per case (`perda status`), per year.

Definitions used here and by the recap (`recap.py`):

- Minutes of step N (N >= 2) = time(step N) - time(step N-1), in whole minutes (seconds
  are dropped; intake times are typed to the minute). Step 1 (receiving the report) has no
  earlier time in the intake: it shows no minutes and no verdict, even though the SOP
  gives it 5 minutes.
- A done step N >= 2 is late ("terlambat") when its minutes exceed the step's standard in
  config.toml ([waktu_baku] langkah_N). A step without a standard (4 and 5: illegible in
  the scanned SOP) shows its minutes and no verdict.
- A case is closed when step 7 is done; its status is then its Status Akhir (Selesai,
  Tidak Terbukti or Dilimpahkan). Otherwise it is open and waits for its current step:
  the next step not yet done. "Waiting since" is the time of the last done step.
- An open case is overdue when now - waiting since > the current step's standard (when
  it has one), or now - Waktu Lapor > [waktu_baku] batas_kasus_hari days. Its due time
  ("batas") is the earlier of those two moments; closed cases are never overdue.
- Median and percentiles use linear interpolation between the sorted values, as Excel's
  MEDIAN and PERCENTILE.INC do: rank h = (n - 1) * p, value = x[floor h] +
  (h - floor h) * (x[floor h + 1] - x[floor h]). So the 90th percentile of 10, 20, 30, 40
  and 100 minutes is 76, their median 30. Only done steps count.
- "Within the standard" = minutes <= standard; the share is over the cases with that step done.
- Most urgent first: open cases by due time (the longest overdue first, then those about
  to be), ties by Waktu Lapor and No. Laporan; with --semua, closed cases follow in the
  order they were reported.
"""

from __future__ import annotations

import ctypes
import math
import os
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pipeline.schema import STEPS

if TYPE_CHECKING:
    from pipeline.attention import Attention
    from pipeline.config import Config
    from pipeline.model import Case

LAST_STEP = len(STEPS)
TIME_FORMAT = "%d/%m/%Y %H.%M"  # as the letters write times
RED, BOLD, RESET = "\033[31;1m", "\033[1m", "\033[0m"


@dataclass(frozen=True)
class StepTime:
    """One step of one case: when it was done, the minutes it took, its standard, verdict.

    `menit` is None for step 1 and for steps not done; `terlambat` is None where there is
    no verdict (step 1, a step not done, or a step without a standard).
    """

    step: int
    waktu: datetime | None
    menit: int | None
    baku: int | None
    terlambat: bool | None


@dataclass(frozen=True)
class CaseTimes:
    """A case's seven steps and where it stands at `now` (see the module docstring)."""

    steps: tuple[StepTime, ...]
    status: str  # Status Akhir when closed, else 'Langkah N'
    langkah: int | None  # the step an open case waits for; None when closed
    menunggu_sejak: datetime  # time of the last done step
    batas: datetime | None  # when an open case is (or was) due; None when closed
    terlambat: bool  # open and past its due time
    alasan: str  # why it is overdue, in Indonesian; "" when not
    lama_hari: float  # days from Waktu Lapor to step 7 (closed) or to now (open)

    @property
    def closed(self) -> bool:
        """Whether step 7 is done."""
        return self.langkah is None


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from start to end (seconds dropped)."""
    return int((end - start).total_seconds() // 60)


def step_times(case: Case, cfg: Config) -> tuple[StepTime, ...]:
    """The seven steps of a case with minutes taken and verdicts."""
    result = []
    previous: datetime | None = None
    for step in STEPS:
        n = step.number
        waktu, baku = case.step_time(n), cfg.waktu_baku.minutes(n)
        menit = minutes_between(previous, waktu) if previous and waktu else None
        late = None if menit is None or baku is None else menit > baku
        result.append(StepTime(n, waktu, menit, baku, late))
        previous = waktu
    return tuple(result)


def case_times(case: Case, cfg: Config, now: datetime) -> CaseTimes:
    """Per-step minutes and verdicts, the status, and whether the case is overdue at now."""
    steps = step_times(case, cfg)
    done = case.steps_done
    since = case.step_time(max(done, 1)) or case.waktu_lapor
    if done >= LAST_STEP:
        days = (since - case.waktu_lapor).total_seconds() / 86400
        return CaseTimes(steps, case.status_akhir or "Selesai", None, since, None, False, "",
                         days)
    nxt = done + 1
    limit_days = cfg.waktu_baku.batas_kasus_hari
    due_case = case.waktu_lapor + timedelta(days=limit_days)
    baku = cfg.waktu_baku.minutes(nxt)
    due_step = since + timedelta(minutes=baku) if baku is not None else None
    reasons = []
    if due_step is not None and now > due_step:
        reasons.append(f"langkah {nxt} melewati waktu baku {baku} menit")
    if now > due_case:
        reasons.append(f"kasus melewati {limit_days} hari")
    batas = min(due_case, due_step) if due_step else due_case
    days = (now - case.waktu_lapor).total_seconds() / 86400
    return CaseTimes(steps, f"Langkah {nxt}", nxt, since, batas, bool(reasons),
                     "; ".join(reasons), days)


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0..100) by linear interpolation (Excel PERCENTILE.INC)."""
    xs = sorted(values)
    if not xs:
        return None
    h = (len(xs) - 1) * p / 100
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


@dataclass(frozen=True)
class ServiceTime:
    """One row of Waktu Layanan: a step's minutes over all cases that did it."""

    step: int
    baku: int | None
    jumlah: int  # cases with the step done and its minutes known
    median: float | None
    p90: float | None
    dalam_baku: int | None  # None where the step has no standard
    terlambat: int | None

    @property
    def persen(self) -> float | None:
        """Share of cases within the standard, 0..1."""
        if self.dalam_baku is None or not self.jumlah:
            return None
        return self.dalam_baku / self.jumlah


def service_times(times: Sequence[CaseTimes], cfg: Config) -> list[ServiceTime]:
    """Median, 90th percentile and share within the standard, per step."""
    result = []
    for index, step in enumerate(STEPS):
        done = [t.steps[index] for t in times if t.steps[index].menit is not None]
        minutes = [s.menit for s in done if s.menit is not None]
        baku = cfg.waktu_baku.minutes(step.number)
        judged = step.number > 1 and baku is not None  # step 1 has no minutes to judge
        late = sum(bool(s.terlambat) for s in done) if judged else None
        within = len(done) - late if late is not None else None
        result.append(ServiceTime(step.number, baku, len(minutes), percentile(minutes, 50),
                                  percentile(minutes, 90), within, late))
    return result


def status_label(t: CaseTimes) -> str:
    """A case's status in the recap: its Status Akhir, or the step an open case awaits."""
    if t.closed:
        return t.status
    return f"Menunggu langkah {t.langkah} — {STEPS[t.langkah - 1].name}"  # type: ignore[operator]


def open_labels() -> list[str]:
    """The status of an open case waiting for each step 2..7, in step order."""
    return [f"Menunggu langkah {s.number} — {s.name}" for s in STEPS[1:]]


@dataclass(frozen=True)
class StatusRow:
    """One case in `perda status`."""

    no_laporan: str
    pelapor: str
    desa: str
    langkah: str  # 'Langkah 2 - Penerusan kepada Camat', or the Status Akhir when closed
    menunggu_sejak: datetime  # time of the last done step
    menunggu: timedelta  # now - menunggu_sejak (open), Waktu Lapor to step 7 (closed)
    terlambat: bool
    alasan: str
    closed: bool


def status_rows(cases: list[Case], cfg: Config, now: datetime, semua: bool = False,
                hilang: frozenset[str] = frozenset()) -> list[StatusRow]:
    """Open cases (all cases with semua), most urgent first; open cases in `hilang`
    (case ids no workbook holds any more) are left out."""
    keyed = []
    for case in cases:
        t = case_times(case, cfg, now)
        if (t.closed and not semua) or (not t.closed and case.case_id in hilang):
            continue
        key = (t.closed, t.batas or datetime.max, case.waktu_lapor, case.no_laporan)
        keyed.append((key, _status_row(case, t, now)))
    keyed.sort(key=lambda pair: pair[0])
    return [row for _, row in keyed]


def _status_row(case: Case, t: CaseTimes, now: datetime) -> StatusRow:
    """The status entry of one case."""
    if t.closed:
        label, waited = t.status, t.menunggu_sejak - case.waktu_lapor
    else:
        label = f"Langkah {t.langkah} - {STEPS[t.langkah - 1].name}"  # type: ignore[operator]
        waited = max(now - t.menunggu_sejak, timedelta(0))
    return StatusRow(case.no_laporan, " ".join(case.nama_pelapor.split()), case.desa, label,
                     t.menunggu_sejak, waited, t.terlambat, t.alasan, t.closed)


def lama(delta: timedelta) -> str:
    """A waiting time in plain Indonesian: '3 hari 2 jam', '1 jam 5 menit', '12 menit'."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} hari {hours} jam"
    if hours:
        return f"{hours} jam {mins} menit"
    return f"{mins} menit"


def colours_work() -> bool:
    """Whether the console shows ANSI colours (on Windows: switched on, if it can be)."""
    if os.name != "nt":
        return True
    try:  # ENABLE_VIRTUAL_TERMINAL_PROCESSING on the console's output handle
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle, mode = kernel32.GetStdHandle(-11), ctypes.c_uint32()
        return bool(kernel32.GetConsoleMode(handle, ctypes.byref(mode))
                    and kernel32.SetConsoleMode(handle, mode.value | 0x0004))
    except (AttributeError, OSError):
        return False


def waktu(when: datetime) -> str:
    """A time as the letters write it: '25/09/2024 14.10'."""
    return when.strftime(TIME_FORMAT)


def _sides(left: str, right: str, width: int) -> str:
    """`left`, shortened with '…' if needed, and `right` flush with column `width`."""
    room = max(width - len(right) - 2, 10)
    if len(left) > room:
        left = left[:room - 1] + "…"
    return f"{left.ljust(room)}  {right}" if right else left


def _entry(row: StatusRow, number_width: int, width: int) -> list[str]:
    """The two lines of one case (three when overdue: the reason)."""
    indent = " " * (number_width + 2)
    who = f"{row.no_laporan.ljust(number_width)}  {row.pelapor}, {row.desa}"
    if row.closed:
        lines = [_sides(who, f"selesai {waktu(row.menunggu_sejak)}", width),
                 _sides(indent + row.langkah, f"lama {lama(row.menunggu)}", width)]
    else:
        lines = [_sides(who, f"sejak {waktu(row.menunggu_sejak)}", width),
                 _sides(indent + row.langkah, f"menunggu {lama(row.menunggu)}", width)]
    if row.terlambat:
        lines += textwrap.wrap(f"TERLAMBAT: {row.alasan}", width, initial_indent=indent,
                               subsequent_indent=indent)
    return lines


def format_status(rows: list[StatusRow], tty: bool, width: int = 80,
                  attention: Attention | None = None) -> str:
    """`perda status` for a person: two lines per case within `width` columns, the most
    urgent first; then the counts and what waits in the workbooks. Red when overdue (tty)."""
    lines = []
    number_width = min(max((len(r.no_laporan) for r in rows), default=0), 12)
    for row in rows:
        entry = _entry(row, number_width, width)
        if tty and row.terlambat:
            entry = [f"{RED}{line}{RESET}" for line in entry]
        lines += entry
    lines += [_footer(rows)] if not rows else ["", _footer(rows)]
    for text in attention.lines() if attention else []:
        lines += textwrap.wrap(text, width, subsequent_indent="  ")
    return "\n".join(lines) + "\n"


def _footer(rows: list[StatusRow]) -> str:
    """'3 kasus terbuka, 2 terlambat.' (and the closed count when shown)."""
    if not rows:
        return "Tidak ada kasus terbuka."
    open_rows = [r for r in rows if not r.closed]
    text = f"{len(open_rows)} kasus terbuka, {sum(r.terlambat for r in open_rows)} terlambat"
    closed = len(rows) - len(open_rows)
    return text + (f"; {closed} kasus selesai." if closed else ".")
