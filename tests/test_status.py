"""`perda status` as a person at a terminal reads it: 80 columns, times as the letters
write them, the rows waiting for correction, and cases whose row was deleted."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipeline.attention import Attention, Perbaikan, attention
from pipeline.cli import main
from pipeline.config import Config
from pipeline.model import Case
from pipeline.state import Contents
from pipeline.status import format_status, status_rows
from tests.conftest import NIK, TELEPON, full_row, timed_case

NOW = datetime(2024, 9, 25, 10, 0)
def case(no: str, lapor: datetime, *minutes: int, status: str = "", **kw: object) -> Case:
    """A case whose steps 2, 3, ... took `minutes` each, read from laporan.xlsx."""
    return timed_case(no, lapor, *minutes, status=status, **{"source_file": "laporan.xlsx", **kw})


ON_TIME = case("LP-001", datetime(2024, 9, 25, 9, 50), source_row=3)  # 10 of 15 minutes
LATE_2 = case("LP-002", datetime(2024, 9, 25, 9, 0), source_row=4)  # 60 > 15 minutes
STUCK_4 = case("LP-003", datetime(2024, 9, 1, 8, 0), 10, 5, desa="Botok",
               source_row=5)  # step 4 has no standard; the case is 24 days > 14 days old
CLOSED = case("LP-004", datetime(2024, 9, 20, 8, 0), 20, 5, 1440, 2880, 5, 25,
              status="Selesai", source_row=6)
ALL = [CLOSED, ON_TIME, STUCK_4, LATE_2]


@pytest.fixture
def conf() -> Config:
    """The shipped defaults: standards 5, 15, 10, -, -, 5, 30 minutes; 14 days per case."""
    return Config()


EXPECTED = """\
LP-003  Pelapor LP-003, Botok                             sejak 01/09/2024 08.15
        Langkah 4 - Koordinasi dan Tindakan               menunggu 24 hari 1 jam
        TERLAMBAT: kasus melewati 14 hari
LP-002  Pelapor LP-002, Kuto                              sejak 25/09/2024 09.00
        Langkah 2 - Penerusan kepada Camat                menunggu 1 jam 0 menit
        TERLAMBAT: langkah 2 melewati waktu baku 15 menit
LP-001  Pelapor LP-001, Kuto                              sejak 25/09/2024 09.50
        Langkah 2 - Penerusan kepada Camat                     menunggu 10 menit

3 kasus terbuka, 2 terlambat.
"""


def test_status_fits_80_columns_two_lines_per_case(conf: Config) -> None:
    text = format_status(status_rows(ALL, conf, NOW), tty=False)
    assert text == EXPECTED
    assert max(len(line) for line in text.splitlines()) <= 80


def test_status_semua_adds_closed_cases_after_the_open_ones(conf: Config) -> None:
    text = format_status(status_rows(ALL, conf, NOW, semua=True), tty=False)
    assert text.splitlines()[8:] == [
        "LP-004  Pelapor LP-004, Kuto                            selesai 23/09/2024 08.55",
        "        Selesai                                                lama 3 hari 0 jam",
        "",
        "3 kasus terbuka, 2 terlambat; 1 kasus selesai.",
    ]


def test_status_on_a_terminal_marks_every_line_of_an_overdue_case_red(conf: Config) -> None:
    lines = format_status(status_rows(ALL, conf, NOW), tty=True).splitlines()
    red = [line.startswith("\033[31;1m") and line.endswith("\033[0m") for line in lines]
    assert red == [True] * 6 + [False] * 4


def test_status_without_open_cases(conf: Config) -> None:
    assert format_status(status_rows([CLOSED], conf, NOW), tty=False) == (
        "Tidak ada kasus terbuka.\n")


def test_status_never_shows_nik_or_phone(conf: Config) -> None:
    text = format_status(status_rows(ALL, conf, NOW, semua=True), tty=True)
    assert NIK not in text and TELEPON not in text


def test_long_name_is_shortened_in_80_columns_and_whole_when_wider(conf: Config) -> None:
    name = "Raden Mas Bambang Suryo Wicaksono Hadiningrat Prawirodirjo"
    rows = status_rows([case("LP-010", NOW - timedelta(minutes=5), nama_pelapor=name)],
                       conf, NOW)
    narrow = format_status(rows, tty=False).splitlines()[0]
    assert narrow == ("LP-010  Raden Mas Bambang Suryo Wicaksono Hadiningrat P…  "
                      "sejak 25/09/2024 09.55")
    wide = format_status(rows, tty=False, width=100).splitlines()[0]
    assert wide.startswith(f"LP-010  {name}, Kuto ") and len(wide) == 100


# --- what waits in the workbooks ------------------------------------------------------

def contents(numbers: set[str], rows: tuple[int, ...] = (), **kw: object) -> Contents:
    return Contents(frozenset(numbers), rows, len(rows), **kw)  # type: ignore[arg-type]


def test_rows_waiting_for_correction_one_line_per_workbook() -> None:
    fixes = Attention((Perbaikan("laporan-2024.xlsx", (4, 5), 2),
                       Perbaikan("laporan-2023.xlsx", tuple(range(3, 18)), 15),
                       Perbaikan("lama.xls", (), 0, ditolak=True)))
    assert fixes.lines() == [
        "2 laporan menunggu perbaikan: laporan-2024.xlsx baris 4, 5",
        "15 laporan menunggu perbaikan: laporan-2023.xlsx baris 3, 4, 5, 6, 7, 8, 9, 10, 11, "
        "12 dan 5 lainnya",
        "lama.xls ditolak seluruhnya: lihat outbox/_perlu-perbaikan/.",
    ]
    assert fixes.menunggu_perbaikan == 17  # the recap's Ringkasan shows this count


def test_case_deleted_from_every_workbook_is_listed_once_and_not_overdue(conf: Config) -> None:
    held = {"laporan.xlsx": contents({"2024/lp-001", "2024/lp-003"})}  # LP-002's row deleted
    seen = attention(ALL, held, conf, NOW, {"laporan.xlsx"})
    assert [c.no_laporan for c in seen.hilang] == ["LP-002"]
    text = format_status(status_rows(ALL, conf, NOW, hilang=seen.hilang_ids), tty=False,
                         attention=seen)
    assert text.count("LP-002  ") == 1  # listed once, not among the open cases
    assert text.splitlines()[-3:] == [
        "2 kasus terbuka, 1 terlambat.",
        "Tidak ada lagi di buku isian (tidak dihitung sebagai kasus terbuka):",
        "  LP-002  Pelapor LP-002, Kuto; dulu laporan.xlsx baris 4",
    ]


def test_which_cases_count_as_deleted(conf: Config) -> None:
    moved = case("LP-002", datetime(2024, 9, 25, 9, 0), source_file="lama.xlsx")
    unknown = case("LP-005", datetime(2024, 9, 25, 9, 0), source_file="belum-dicatat.xlsx")
    bad_row = case("LP-006", datetime(2024, 9, 25, 9, 0), source_row=9)
    closed = case("LP-007", datetime(2024, 9, 20, 8, 0), 20, 5, 1440, 2880, 5, 25,
                  status="Selesai")
    held = {"laporan.xlsx": contents({"2024/lp-002"}, rows=(9,)),
            "dihapus.xlsx": contents({"2024/lp-001"}), "lama.xlsx": contents(set())}
    inbox = {"laporan.xlsx", "lama.xlsx", "belum-dicatat.xlsx"}
    seen = attention([moved, unknown, bad_row, closed, ON_TIME], held, conf, NOW, inbox)
    # moved: in another workbook; unknown: no record yet; bad_row: its row waits for a fix;
    # closed: history. ON_TIME's only workbook was removed from inbox/.
    assert [c.no_laporan for c in seen.hilang] == ["LP-001"]
    assert attention([ON_TIME], held, conf, NOW, None).hilang == ()  # inbox/ unreadable


# --- the command, on real workbooks -----------------------------------------------------

def open_row(n: int, **changes: object) -> dict[str, object]:
    """A report waiting for step 4 (Koordinasi), as staff typed it."""
    return full_row(n, waktu_koordinasi=None, waktu_selesai=None, waktu_lapor_camat=None,
                    waktu_pemberitahuan=None, **changes)


@pytest.fixture
def office_with_cases(office: Path, make_intake) -> Path:  # type: ignore[no-untyped-def]
    """An office whose workbook was saved twice: LP-004's row deleted the second time,
    LP-002 and LP-003 (rows 4 and 5) waiting for correction."""
    config = str(office / "config.toml")
    make_intake([full_row(1), open_row(2), open_row(3), open_row(4)], name="laporan-2024.xlsx")
    main(["run", "--config", config])
    make_intake([full_row(1), open_row(2, nik_pelapor="3313"), open_row(3, desa="Kartasura")],
                name="laporan-2024.xlsx")
    main(["run", "--config", config])
    return office


def perda_status(office: Path) -> subprocess.CompletedProcess[str]:
    """`perda status` with its output piped."""
    return subprocess.run([sys.executable, "-m", "pipeline", "status", "--config",
                           str(office / "config.toml")], capture_output=True, text=True,
                          check=True, encoding="utf-8")


def test_status_piped_names_the_rows_to_correct_and_the_deleted_case(office_with_cases):
    lines = perda_status(office_with_cases).stdout.splitlines()
    assert lines[0] == ("LP-002  Siti Rahayu, Kuto                                 "
                        "sejak 25/09/2024 08.40")
    assert lines[1].startswith("        Langkah 4 - Koordinasi dan Tindakan  ")
    assert lines[-4:] == [
        "2 kasus terbuka, 2 terlambat.",
        "2 laporan menunggu perbaikan: laporan-2024.xlsx baris 4, 5",
        "Tidak ada lagi di buku isian (tidak dihitung sebagai kasus terbuka):",
        "  LP-004  Siti Rahayu, Kuto; dulu laporan-2024.xlsx baris 6",
    ]
    assert max(map(len, lines)) <= 80 and "\033" not in "".join(lines)


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals are POSIX")
def test_status_in_an_80_column_terminal(office_with_cases):
    import fcntl
    import pty
    import re
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "status", "--config",
                             str(office_with_cases / "config.toml")], stdout=slave,
                            stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=60) == 0
    shown = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    assert "\033[31;1m" in shown  # overdue cases in red
    plain = re.sub(r"\033\[[0-9;]*m", "", shown).splitlines()
    assert max(map(len, plain)) <= 80
    piped = perda_status(office_with_cases).stdout.splitlines()
    same = [line for line in plain if "menunggu" not in line]  # a minute may pass
    assert same == [line for line in piped if "menunggu" not in line]


def test_workbook_refused_whole_keeps_what_it_held(office_with_cases):
    # A half-copied save must not make every report "tidak ada lagi di buku isian".
    (office_with_cases / "inbox" / "laporan-2024.xlsx").write_bytes(b"PK\x03\x04 rusak")
    main(["run", "--config", str(office_with_cases / "config.toml")])
    lines = perda_status(office_with_cases).stdout.splitlines()
    assert lines[-4:] == [
        "2 kasus terbuka, 2 terlambat.",
        "laporan-2024.xlsx ditolak seluruhnya: lihat outbox/_perlu-perbaikan/.",
        "Tidak ada lagi di buku isian (tidak dihitung sebagai kasus terbuka):",
        "  LP-004  Siti Rahayu, Kuto; dulu laporan-2024.xlsx baris 6",
    ]  # LP-002 and LP-003 are still held by the version before
