"""Build the offline bundle: everything an office PC without internet needs to install.

    python tools/make_bundle.py [--out dist] [--windows-python 3.11] [--no-windows]

Run it where the package index is reachable. It writes `dist/perda-offline-<version>/`:

- `wheels/`: the project's wheel and a wheel of every dependency, for this Linux
  (the running Python) and for 64-bit Windows (`--platform win_amd64 --only-binary=:all:
  --python-version 3.11`); pure-Python wheels serve both;
- `config.toml`, `templates/`, an empty `inbox/`: the office folder itself;
- `pasang.cmd` (Windows) and `pasang.sh` (Linux): make `.venv` and install from `wheels/`
  with `pip install --no-index --find-links wheels perda-pipeline`; on Windows also a
  `perda.cmd`, so staff type `perda watch` in that folder;
- `PASANG.txt`: the same steps in Indonesian.

Then it checks that every distribution in `wheels/` has a wheel each platform can
install, and zips the folder. CI (`.ci/run`) installs the Linux side with no network.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "perda-pipeline"


@dataclass(frozen=True)
class Target:
    """A platform the bundle serves: a name, pip's platform tag, the Python version."""

    name: str
    platform: str | None  # None: the machine running this tool
    python: str  # '3.11'

    def pip_options(self) -> list[str]:
        """pip download options selecting wheels for this target."""
        if self.platform is None:
            return ["--only-binary=:all:"]  # an sdist would need a build tool offline
        return ["--platform", self.platform, "--only-binary=:all:",
                "--python-version", self.python, "--implementation", "cp"]

    def accepts(self, wheel: str) -> bool:
        """Whether pip on this target can install the wheel file `wheel`."""
        python, abi, plat = wheel[:-len(".whl")].split("-")[-3:]
        cp = "cp" + self.python.replace(".", "")
        python_ok = any(t in ("py3", "py2.py3", cp) or (t.startswith("cp3") and abi == "abi3"
                                                         and int(t[2:]) <= int(cp[2:]))
                        for t in python.split("."))
        if plat == "any":
            return python_ok
        if self.platform is None or self.platform.startswith("manylinux"):
            return python_ok and any(p.startswith(("manylinux", "musllinux", "linux"))
                                     and p.endswith("x86_64") for p in plat.split("."))
        return python_ok and self.platform in plat.split(".")


def version() -> str:
    """The project's version from pyproject.toml."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def requirements() -> list[str]:
    """The run-time dependencies, as pyproject.toml declares them."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [str(r) for r in data["project"]["dependencies"]]


def distribution(wheel: str) -> str:
    """The normalised distribution name of a wheel file ('Jinja2-3.1.6-…' → 'jinja2')."""
    return wheel.split("-")[0].lower().replace("_", "-").replace(".", "-")


def missing(wheels: list[str], targets: list[Target]) -> list[str]:
    """'lxml: no wheel for windows', for every distribution a target cannot install."""
    problems = []
    for dist in sorted({distribution(w) for w in wheels}):
        mine = [w for w in wheels if distribution(w) == dist]
        problems += [f"{dist}: no wheel for {t.name}" for t in targets
                     if not any(t.accepts(w) for w in mine)]
    return problems


def pip(*args: str) -> None:
    """Run pip of this Python; stop on failure."""
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def fetch(wheels: Path, targets: list[Target]) -> None:
    """The project's wheel, then every dependency's wheels for each target."""
    pip("wheel", "--no-deps", "--wheel-dir", str(wheels), str(ROOT))
    for target in targets:
        pip("download", "--dest", str(wheels), *target.pip_options(), *requirements())


def install_line(windows: bool) -> str:
    """The README's install line, run in the bundle folder."""
    if windows:
        return r".venv\Scripts\python -m pip install --no-index --find-links wheels " + PROJECT
    return f".venv/bin/python -m pip install --no-index --find-links wheels {PROJECT}"


PASANG_CMD = rf"""@echo off
rem Memasang aplikasi surat Perda tanpa internet, di folder ini.
cd /d "%~dp0"
py -{{python}} -m venv .venv || python -m venv .venv || goto gagal
{install_line(True)} || goto gagal
> perda.cmd echo @"%%~dp0.venv\Scripts\perda.exe" %%*
echo.
echo Terpasang. Langkah berikutnya: isi [kantor] dan [pejabat] di config.toml,
echo lalu jalankan:  perda check
pause
exit /b 0
:gagal
echo Pemasangan gagal. Pastikan Python {{python}} (64-bit) terpasang, lalu coba lagi.
pause
exit /b 1
"""

PASANG_SH = f"""#!/bin/sh
# Memasang aplikasi surat Perda tanpa internet, di folder ini.
set -e
cd "$(dirname "$0")"
python3 -m venv .venv
{install_line(False)}
echo "Terpasang. Isi [kantor] dan [pejabat] di config.toml, lalu: .venv/bin/perda check"
"""

PASANG_TXT = """Memasang aplikasi surat Perda di PC tanpa internet
===================================================

Windows: pasang Python {python} (64-bit) dari python.org, lalu klik dua kali pasang.cmd
di folder ini. Atau ketik di Command Prompt, di folder ini:

    py -{python} -m venv .venv
    {windows}

Linux:

    sh pasang.sh

atau

    python3 -m venv .venv
    {linux}

Sesudah itu: isi [kantor] dan [pejabat] di config.toml, lalu jalankan `perda check`
(Windows: `perda check` di folder ini; Linux: `.venv/bin/perda check`).
"""


def write_folder(out: Path, windows_python: str) -> None:
    """The office files and the install scripts beside `wheels/`."""
    shutil.copy2(ROOT / "config.toml", out / "config.toml")
    shutil.copytree(ROOT / "templates", out / "templates", dirs_exist_ok=True)
    (out / "inbox").mkdir(exist_ok=True)
    texts = {"pasang.cmd": PASANG_CMD.replace("{python}", windows_python),
             "pasang.sh": PASANG_SH,
             "PASANG.txt": PASANG_TXT.format(python=windows_python, windows=install_line(True),
                                             linux=install_line(False))}
    for name, text in texts.items():
        newline = "\r\n" if name.endswith((".cmd", ".txt")) else "\n"
        (out / name).write_text(text, encoding="utf-8", newline=newline)
    (out / "pasang.sh").chmod(0o755)


def main(argv: list[str] | None = None) -> int:
    """Build, check and zip the bundle; print where it is and the install line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--windows-python", default="3.11")
    parser.add_argument("--no-windows", action="store_true", help="Linux wheels only")
    parser.add_argument("--no-zip", action="store_true")
    args = parser.parse_args(argv)
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    targets = [Target("linux", None, here)]
    if not args.no_windows:
        targets.append(Target("windows", "win_amd64", args.windows_python))
    out = args.out / f"perda-offline-{version()}"
    shutil.rmtree(out, ignore_errors=True)
    (out / "wheels").mkdir(parents=True)
    fetch(out / "wheels", targets)
    write_folder(out, args.windows_python)
    problems = missing(sorted(p.name for p in (out / "wheels").glob("*.whl")), targets)
    if problems:
        print("Bundle incomplete:\n" + "\n".join(problems), file=sys.stderr)
        return 1
    if not args.no_zip:
        print(f"Zip: {shutil.make_archive(str(out), 'zip', out.parent, out.name)}")
    print(f"Bundle: {out}\nInstall (Linux, in that folder): python3 -m venv .venv && "
          f"{install_line(False)}\nInstall (Windows): pasang.cmd")
    return 0


if __name__ == "__main__":
    sys.exit(main())
