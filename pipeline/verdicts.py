"""A case's step times and verdicts for the recap, computed without objects per step.

`status.case_times` makes a frozen `StepTime` per step and a `CaseTimes` per case: about
half of what the recap spent on a case once its rows were written as text. `verdicts`
gives the same figures (tests/test_registers_same.py compares them on random cases) as
plain tuples; the definitions are `pipeline.status`'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from pipeline.schema import STEPS, TIME_KEYS

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.register_rows import AnyCase

LAST_STEP = len(STEPS)


class Verdicts(NamedTuple):
    """What `status.case_times` says of a case, per step as tuples (steps 1..7)."""

    times: tuple[datetime | None, ...]  # when each step was done
    minutes: tuple[int | None, ...]  # minutes each took (None: step 1, or not done)
    late: tuple[bool | None, ...]  # over its standard (None: no verdict)
    status: str  # Status Akhir when closed, else 'Langkah N'
    langkah: int | None  # the step an open case waits for; None when closed
    terlambat: bool  # open and past its due time
    alasan: str  # why it is overdue; "" when not
    lama_hari: float  # days from Waktu Lapor to step 7 (closed) or to now (open)


class Standards(NamedTuple):
    """The configured standards, read once per recap."""

    minutes: tuple[int | None, ...]  # per step 1..7
    case_days: int  # batas_kasus_hari

    @classmethod
    def of(cls, cfg: Config) -> Standards:
        """The standards of a configuration."""
        baku = cfg.waktu_baku
        return cls(tuple(baku.minutes(s.number) for s in STEPS), baku.batas_kasus_hari)


def verdicts(case: AnyCase, std: Standards, now: datetime) -> Verdicts:
    """Per-step minutes and verdicts, the status, and whether the case is overdue at now
    (`status.case_times`, same definitions)."""
    times = tuple(getattr(case, key) for key in TIME_KEYS)
    minutes: list[int | None] = [None]
    late: list[bool | None] = [None]
    for index in range(1, LAST_STEP):
        before, waktu = times[index - 1], times[index]
        if before and waktu:
            menit = int((waktu - before).total_seconds() // 60)
            baku = std.minutes[index]
            minutes.append(menit)
            late.append(None if baku is None else menit > baku)
        else:
            minutes.append(None)
            late.append(None)
    done = next((i for i, t in enumerate(times) if t is None), LAST_STEP)
    lapor = case.waktu_lapor
    since = times[max(done, 1) - 1] or lapor
    if done >= LAST_STEP:
        return Verdicts(times, tuple(minutes), tuple(late), case.status_akhir or "Selesai",
                        None, False, "", (since - lapor).total_seconds() / 86400)
    nxt = done + 1
    due_case = lapor + timedelta(days=std.case_days)
    baku = std.minutes[nxt - 1]
    reasons = []
    if baku is not None and now > since + timedelta(minutes=baku):
        reasons.append(f"langkah {nxt} melewati waktu baku {baku} menit")
    if now > due_case:
        reasons.append(f"kasus melewati {std.case_days} hari")
    return Verdicts(times, tuple(minutes), tuple(late), f"Langkah {nxt}", nxt, bool(reasons),
                    "; ".join(reasons), (now - lapor).total_seconds() / 86400)


def remarks(v: Verdicts) -> str:
    """Keterangan: why an open case is overdue, and which steps were late."""
    parts = [f"Terlambat: {v.alasan}."] if v.terlambat else []
    if any(v.late):
        late = [str(index) for index, verdict in enumerate(v.late, start=1) if verdict]
        parts.append(f"Langkah melewati waktu baku: {', '.join(late)}.")
    return " ".join(parts)
