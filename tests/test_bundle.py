"""The offline bundle (tools/make_bundle.py): which wheels serve which PC, and the files
staff run. Building it needs the package index, so CI builds and installs it (.ci/run,
with no network); these tests check its rules and its scripts without the network."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import make_bundle  # noqa: E402  (a script in tools/, not a package)
from make_bundle import Target, install_line, missing, write_folder  # noqa: E402

LINUX = Target("linux", None, "3.11")
WINDOWS = Target("windows", "win_amd64", "3.11")


@pytest.mark.parametrize(("wheel", "linux", "windows"), [
    ("openpyxl-3.1.5-py2.py3-none-any.whl", True, True),
    ("lxml-6.1.3-cp311-cp311-manylinux_2_26_x86_64.manylinux_2_28_x86_64.whl", True, False),
    ("lxml-6.1.3-cp311-cp311-win_amd64.whl", False, True),
    ("lxml-6.1.3-cp312-cp312-win_amd64.whl", False, False),  # another Python
    ("watchdog-7.1.0-py3-none-win_amd64.whl", False, True),
    ("markupsafe-3.0.4-cp39-abi3-win_amd64.whl", False, True),  # stable ABI: newer Pythons too
    ("lxml-6.1.3-cp311-cp311-manylinux_2_28_aarch64.whl", False, False),  # not x86_64
])
def test_which_wheel_installs_where(wheel: str, linux: bool, windows: bool) -> None:
    assert (LINUX.accepts(wheel), WINDOWS.accepts(wheel)) == (linux, windows)


def test_a_dependency_without_a_windows_wheel_is_named() -> None:
    wheels = ["Jinja2-3.1.6-py3-none-any.whl",
              "lxml-6.1.3-cp311-cp311-manylinux_2_28_x86_64.whl",
              "watchdog-7.1.0-py3-none-manylinux_2_17_x86_64.whl",
              "watchdog-7.1.0-py3-none-win_amd64.whl"]
    assert missing(wheels, [LINUX, WINDOWS]) == ["lxml: no wheel for windows"]


def test_windows_wheels_are_asked_for_as_binaries_for_python_3_11() -> None:
    assert WINDOWS.pip_options() == ["--platform", "win_amd64", "--only-binary=:all:",
                                     "--python-version", "3.11", "--implementation", "cp"]
    assert LINUX.pip_options() == ["--only-binary=:all:"]


def test_every_dependency_in_pyproject_is_bundled() -> None:
    assert [r.split(">")[0].split("=")[0].split("<")[0] for r in make_bundle.requirements()] == [
        "docxtpl", "openpyxl", "watchdog", "defusedxml"]


def test_install_lines_are_offline() -> None:
    assert install_line(False) == (".venv/bin/python -m pip install --no-index --find-links "
                                   "wheels perda-pipeline")
    assert install_line(True) == (r".venv\Scripts\python -m pip install --no-index "
                                  r"--find-links wheels perda-pipeline")


def test_bundle_folder_is_an_office_with_its_install_scripts(tmp_path: Path) -> None:
    write_folder(tmp_path, "3.11")
    assert (tmp_path / "config.toml").is_file() and (tmp_path / "inbox").is_dir()
    shipped = sorted(p.name for p in (make_bundle.ROOT / "templates").glob("*.docx"))
    assert sorted(p.name for p in (tmp_path / "templates").glob("*.docx")) == shipped
    cmd = (tmp_path / "pasang.cmd").read_bytes().decode("utf-8")
    assert "\r\n" in cmd  # cmd.exe needs CRLF line ends
    lines = cmd.splitlines()
    assert "py -3.11 -m venv .venv || python -m venv .venv || goto gagal" in lines
    assert install_line(True) + " || goto gagal" in lines
    # writes perda.cmd, so staff type `perda watch` in the folder:
    assert r'> perda.cmd echo @"%%~dp0.venv\Scripts\perda.exe" %%*' in lines
    guide = (tmp_path / "PASANG.txt").read_text(encoding="utf-8")
    assert install_line(True) in guide and install_line(False) in guide
