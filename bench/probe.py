"""Child process for peak memory: read or process one workbook, print ru_maxrss as JSON."""

from __future__ import annotations

import json
import resource
import sys
import tempfile
from pathlib import Path

from bench import data
from pipeline.config import load_config
from pipeline.process import open_state, process_file, read_cases


def main(kind: str, path: Path) -> None:
    """Do `kind` ('read', 'process' or 'idle') with `path`; print the peak RSS in MB."""
    result: dict[str, object] = {}
    if kind == "read":
        cfg = load_config(data.ROOT / "config.toml")
        validation, rejected = read_cases(path.name, path.read_bytes(), cfg)
        result = {"cases": sum(1 for _ in validation.iter_cases()), "rejected": bool(rejected)}
    elif kind == "process":
        with tempfile.TemporaryDirectory(prefix="perda-probe-") as tmp:
            folder = data.office(Path(tmp) / "office")
            cfg = load_config(folder / "config.toml")
            state = open_state(cfg)
            outcome = process_file(path, cfg, state)
            state.close()
            result = {"status": outcome.status, "letters": outcome.letters_made}
    result["peak_mb"] = round(peak_mb(), 1)
    print(json.dumps(result))


def peak_mb() -> float:
    """This process's peak RSS in MB: VmHWM on Linux (ru_maxrss there keeps the parent's
    high-water mark across fork+exec), else ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1048576 if sys.platform == "darwin" else peak / 1024


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
