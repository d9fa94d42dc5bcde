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
        result = {"cases": len(validation.cases), "rejected": bool(rejected)}
    elif kind == "process":
        with tempfile.TemporaryDirectory(prefix="perda-probe-") as tmp:
            folder = data.office(Path(tmp) / "office")
            cfg = load_config(folder / "config.toml")
            state = open_state(cfg)
            outcome = process_file(path, cfg, state)
            state.close()
            result = {"status": outcome.status, "letters": len(outcome.letters)}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    result["peak_mb"] = round(peak * scale / 1048576 if scale == 1 else peak / 1024, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
