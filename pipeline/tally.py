"""What the recap counts while its cases stream past: the Ringkasan's tables and the
Waktu Layanan's figures, without keeping the cases (see `recap.write_recap`)."""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.schema import STEPS
from pipeline.status import ServiceTime, open_labels, percentile

if TYPE_CHECKING:
    from pipeline.config import Config
    from pipeline.register_rows import AnyCase
    from pipeline.verdicts import Verdicts

TERBUKA = "Terbuka"
OPEN_LABELS = open_labels()  # the status of an open case waiting for step 2..7 (status_label)


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

    def add(self, case: AnyCase, v: Verdicts) -> None:
        """Count one case."""
        self.status[v.status if v.langkah is None else OPEN_LABELS[v.langkah - 2]] += 1
        self.months[(case.waktu_lapor.month, TERBUKA if v.langkah is not None else v.status)] += 1
        self.cara_lapor[case.cara_lapor] += 1
        self.desa[case.desa] += 1
        self.perda[case.perda] += 1
        self.late += v.terlambat
        for index, menit in enumerate(v.minutes):
            if menit is not None:
                self.minutes[index].append(menit)
                self.steps_late[index] += bool(v.late[index])

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
