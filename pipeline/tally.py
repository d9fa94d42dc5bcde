"""What the recap counts while its cases stream past: the Ringkasan's tables and the
Waktu Layanan's figures, without keeping the cases (see `recap.write_recap`)."""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.schema import STEPS
from pipeline.status import CaseTimes, ServiceTime, percentile, status_label

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.model import Case

TERBUKA = "Terbuka"


@dataclass
class Tally:
    """What the Ringkasan and Waktu Layanan need, counted while the cases stream past."""

    status: Counter[str] = field(default_factory=Counter)
    months: Counter[tuple[int, str]] = field(default_factory=Counter)
    cara_lapor: Counter[str] = field(default_factory=Counter)
    desa: Counter[str] = field(default_factory=Counter)
    perda: Counter[str] = field(default_factory=Counter)
    late: int = 0
    minutes: list[array[int]] = field(
        default_factory=lambda: [array("q") for _ in STEPS])  # per step, done steps only
    steps_late: list[int] = field(default_factory=lambda: [0] * len(STEPS))

    def add(self, case: Case, t: CaseTimes) -> None:
        """Count one case."""
        self.status[status_label(t)] += 1
        self.months[(case.waktu_lapor.month, TERBUKA if not t.closed else t.status)] += 1
        self.cara_lapor[case.cara_lapor] += 1
        self.desa[case.desa] += 1
        self.perda[case.perda] += 1
        self.late += t.terlambat
        for index, st in enumerate(t.steps):
            if st.menit is not None:
                self.minutes[index].append(st.menit)
                self.steps_late[index] += bool(st.terlambat)

    def service_times(self, cfg: Config) -> list[ServiceTime]:
        """Median, 90th percentile and share within the standard, per step
        (as `status.service_times`)."""
        result = []
        for index, step in enumerate(STEPS):
            minutes = self.minutes[index]
            baku = cfg.waktu_baku.minutes(step.number)
            judged = step.number > 1 and baku is not None  # step 1 has no minutes to judge
            late = self.steps_late[index] if judged else None
            within = len(minutes) - late if late is not None else None
            result.append(ServiceTime(step.number, baku, len(minutes),
                                      percentile(minutes, 50), percentile(minutes, 90),
                                      within, late))
        return result
