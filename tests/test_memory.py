"""`perda run` on a big workbook stays in bounded memory (not timed).

Before the registers streamed, a 20,000-row workbook peaked at 368 MB and a 200,000-row
one at 2.9 GB: the Buku Agenda, the recap and the list of made letters all grew with the
work. The run happens in a child process, which reports its own peak (VmHWM) and the
largest peak of its workers (RUSAGE_CHILDREN); the test also samples the memory of the
whole process tree, workers included (proportional set size), while it runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.data import write_workbook
from tests.conftest import ROOT

LIMIT_MB = 250
ROWS = 20_000
RUNNER = """
import json, resource, sys
from pathlib import Path
from pipeline.cli import main

if __name__ == "__main__":
    code = main(["run", "--config", sys.argv[1]])
    status = Path("/proc/self/status").read_text()
    hwm = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM:"))
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"code": code, "self_mb": hwm / 1024, "workers_mb": children / 1024}))
"""

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                 reason="reads /proc (Linux)")]


def tree_pss_mb(root: int) -> float:
    """Memory of a process and all its descendants now, in MB: their proportional set size
    (a page shared by the three processes, such as Python's own libraries, counts a third
    in each), or their resident size where the kernel gives no PSS."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "status").read_text().splitlines()
            except OSError:
                continue
            values = dict(line.split(":", 1) for line in fields if ":" in line)
            parents[int(entry.name)] = int(values.get("PPid", "0"))
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(_pss_kb(pid) for pid in tree) / 1024


def _pss_kb(pid: int) -> int:
    """One process's Pss (else VmRSS) in kB; 0 once it is gone."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


def test_run_of_20000_rows_stays_under_250_mb(office: Path, tmp_path: Path) -> None:
    write_workbook(office / "inbox" / "laporan-2024.xlsx", ROWS, steps=1)
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(runner), str(office / "config.toml")],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    tree_peak = 0.0
    while proc.poll() is None:
        tree_peak = max(tree_peak, tree_pss_mb(proc.pid))
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    result = json.loads(out.strip().splitlines()[-1])
    assert result["code"] == 0
    assert len(list((office / "outbox").rglob("*.docx"))) == ROWS
    assert result["self_mb"] < LIMIT_MB, result
    assert result["workers_mb"] < LIMIT_MB, result
    assert tree_peak < LIMIT_MB, (tree_peak, result)
