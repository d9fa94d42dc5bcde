"""The status table and the Laporan Pengamanan, from cases with known step times."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.config import Config
from pipeline.intake import open_intake
from pipeline.recap import (
    LATE_FILL,
    SHEET_KASUS,
    SHEET_RINGKASAN,
    SHEET_WAKTU,
    recap_path,
    step_columns,
    write_recap,
)
from pipeline.status import case_times, lama, percentile
from pipeline.validate import validate
from tests.conftest import NIK, TELEPON, full_row, timed_case, write_intake

NOW = datetime(2024, 9, 25, 10, 0)
case = timed_case


ON_TIME = case("LP-001", datetime(2024, 9, 25, 9, 50))  # waits 10 of step 2's 15 minutes
LATE_2 = case("LP-002", datetime(2024, 9, 25, 9, 0))  # waits 60 > 15 minutes for step 2
STUCK_4 = case("LP-003", datetime(2024, 9, 1, 8, 0), 10, 5, desa="Botok",
               cara_lapor="SMS")  # step 4 has no standard; the case is 24 days > 14 days old
CLOSED = case("LP-004", datetime(2024, 9, 20, 8, 0), 20, 5, 1440, 2880, 5, 25,
              status="Selesai", cara_lapor="Datang Langsung")  # step 2 late (20 > 15)
# More closed cases, for the statistics: step 2 took 10, 20, 30, 40, 100 minutes overall.
MORE = [case("LP-005", datetime(2024, 8, 5, 8, 0), 30, 5, 1440, 60, 5, 25,
             status="Tidak Terbukti", desa="Botok"),
        case("LP-006", datetime(2024, 9, 2, 8, 0), 40, 12, 1440, 60, 5, 25,
             status="Dilimpahkan", perda="Perda tentang Bangunan Gedung"),
        case("LP-007", datetime(2024, 9, 3, 8, 0), 100, 5, 2000, 60, 6, 31, status="Selesai")]
OTHER_YEAR = case("LP-001", datetime(2023, 12, 30, 8, 0), 5, 5, 60, 60, 5, 25, status="Selesai")
ALL = [CLOSED, ON_TIME, STUCK_4, LATE_2, *MORE, OTHER_YEAR]


@pytest.fixture
def conf() -> Config:
    """The shipped defaults: standards 5, 15, 10, -, -, 5, 30 minutes; 14 days per case."""
    return Config()


# --- definitions ------------------------------------------------------------------------

def test_step_minutes_and_verdicts(conf: Config) -> None:
    steps = case_times(CLOSED, conf, NOW).steps
    assert [s.menit for s in steps] == [None, 20, 5, 1440, 2880, 5, 25]
    assert [s.baku for s in steps] == [5, 15, 10, None, None, 5, 30]
    assert [s.terlambat for s in steps] == [None, True, False, None, None, False, False]


def test_closed_case_takes_its_status_akhir_and_is_never_overdue(conf: Config) -> None:
    t = case_times(CLOSED, conf, NOW + timedelta(days=100))
    assert (t.closed, t.status, t.terlambat, t.langkah) == (True, "Selesai", False, None)


def test_open_case_waits_for_the_next_step_since_the_last_done_one(conf: Config) -> None:
    t = case_times(STUCK_4, conf, NOW)
    assert (t.langkah, t.menunggu_sejak) == (4, datetime(2024, 9, 1, 8, 15))
    assert t.terlambat and t.alasan == "kasus melewati 14 hari"
    assert t.batas == datetime(2024, 9, 15, 8, 0)


def test_overdue_exactly_at_the_standard_is_not_yet_late(conf: Config) -> None:
    assert not case_times(ON_TIME, conf, datetime(2024, 9, 25, 10, 5)).terlambat
    later = case_times(ON_TIME, conf, datetime(2024, 9, 25, 10, 6))
    assert later.terlambat and later.alasan == "langkah 2 melewati waktu baku 15 menit"


def test_case_limit_is_configurable(conf: Config) -> None:
    short = Config(waktu_baku=type(conf.waktu_baku)(batas_kasus_hari=30))
    assert not case_times(STUCK_4, short, NOW).terlambat


@pytest.mark.parametrize(("values", "p", "expected"), [
    ([10, 20, 30, 40, 100], 50, 30), ([10, 20, 30, 40, 100], 90, 76),
    ([5, 5, 5, 5, 12], 90, 9.2), ([1440, 1440, 1440, 2000], 90, 1832),
    ([1, 2, 3, 4], 50, 2.5), ([7], 90, 7), ([], 50, None),
])
def test_percentile_is_linear_interpolation(values: list[int], p: int,
                                            expected: float | None) -> None:
    result = percentile(values, p)
    assert result == (pytest.approx(expected) if expected is not None else None)


def test_cases_read_from_an_intake_workbook_give_the_same_times(office: Path,
                                                                cfg: Config) -> None:
    later = datetime(2024, 10, 1)
    path = write_intake(office / "inbox" / "x.xlsx", [full_row()])
    (read,) = validate(open_intake(path.name, path.read_bytes(), cfg.batas), cfg, later).cases
    steps = case_times(read, cfg, later).steps
    assert [s.menit for s in steps] == [None, 15, 10, 1460, 1500, 5, 25]
    assert [s.terlambat for s in steps] == [None, False, False, None, None, False, False]


def test_lama_in_plain_indonesian() -> None:
    assert [lama(timedelta(minutes=m)) for m in (12, 65, 1440 * 3 + 130)] == [
        "12 menit", "1 jam 5 menit", "3 hari 2 jam"]


# --- the recap workbook -------------------------------------------------------------------

@pytest.fixture
def recap(tmp_path: Path, conf: Config) -> Path:
    """The 2024 recap of ALL, written at NOW."""
    path = tmp_path / "2024" / "Laporan Pengamanan 2024.xlsx"
    write_recap(path, ALL, conf, 2024, now=NOW)
    return path


def table(ws: Worksheet, title: str) -> dict[str, list[object]]:
    """A titled table of Ringkasan as {first cell: the other cells}, down to its Jumlah row."""
    (cell,) = [c for row in ws.iter_rows() for c in row if c.value == title]
    found, row = {}, cell.row + 2
    while ws.cell(row, cell.column).value is not None:
        label = ws.cell(row, cell.column).value
        found[label] = [ws.cell(row, cell.column + i).value for i in range(1, 6)]
        if label == "Jumlah":
            break
        row += 1
    return found


def kasus_row(ws: Worksheet, no: str) -> int:
    """The Kasus row of a No. Laporan."""
    (row,) = [c.row for c in ws["B"] if c.value == no]
    return row


def is_late(cell: object) -> bool:
    """Whether a cell carries the late highlight."""
    colour = cell.fill.start_color.rgb  # type: ignore[attr-defined]
    return cell.fill.fill_type == "solid" and colour[-6:] == LATE_FILL  # type: ignore[attr-defined]


def test_recap_has_the_three_sheets(recap: Path) -> None:
    assert load_workbook(recap).sheetnames == [SHEET_RINGKASAN, SHEET_KASUS, SHEET_WAKTU]


def test_ringkasan_counts_by_status(recap: Path) -> None:
    counts = {k: v[0] for k, v in table(load_workbook(recap)[SHEET_RINGKASAN],
                                        "Menurut Status").items()}
    assert counts == {
        "Menunggu langkah 2 — Penerusan kepada Camat": 2,
        "Menunggu langkah 3 — Disposisi Camat": 0,
        "Menunggu langkah 4 — Koordinasi dan Tindakan": 1,
        "Menunggu langkah 5 — Bukti Penyelesaian": 0,
        "Menunggu langkah 6 — Laporan Hasil kepada Camat": 0,
        "Menunggu langkah 7 — Pemberitahuan kepada Pelapor": 0,
        "Selesai": 2, "Tidak Terbukti": 1, "Dilimpahkan": 1, "Jumlah": 7}


def test_ringkasan_counts_by_month_desa_perda_and_channel(recap: Path) -> None:
    ws = load_workbook(recap)[SHEET_RINGKASAN]
    months = table(ws, "Menurut Bulan Laporan")
    assert months["Agustus"] == [0, 0, 1, 0, 1] and months["September"] == [3, 2, 0, 1, 6]
    assert months["Januari"] == [0, 0, 0, 0, 0] and months["Jumlah"] == [3, 2, 1, 1, 7]
    assert table(ws, "Menurut Desa")["Botok"][0] == 2
    assert table(ws, "Menurut Desa")["Kuto"][0] == 5
    assert {k: v[0] for k, v in table(ws, "Menurut Cara Lapor").items()} == {
        "Datang Langsung": 1, "SMS": 1, "Telepon": 5, "Jumlah": 7}
    perda = table(ws, "Menurut Perda yang Diduga Dilanggar")
    assert perda["Perda tentang Bangunan Gedung"][0] == 1
    assert perda["Perda tentang Pengelolaan Sampah"][0] == 6


def test_ringkasan_counts_overdue_open_cases(recap: Path) -> None:
    ws = load_workbook(recap)[SHEET_RINGKASAN]
    (cell,) = [c for row in ws.iter_rows() for c in row
               if c.value == "Kasus terbuka yang terlambat"]
    assert ws.cell(cell.row, 2).value == 2 and is_late(ws.cell(cell.row, 2))


def test_waktu_layanan_medians_percentiles_and_shares(recap: Path) -> None:
    ws = load_workbook(recap)[SHEET_WAKTU]
    rows = {r[0]: r[2:] for r in ws.iter_rows(min_row=7, max_row=13, values_only=True)}
    # baku, jumlah, median, p90, within, late, share
    assert rows[1] == (5, "—", "—", "—", "—", "—", "—")
    assert rows[2] == (15, 5, 30, pytest.approx(76), 1, 4, pytest.approx(0.2))
    assert rows[3] == (10, 5, 5, pytest.approx(9.2), 4, 1, pytest.approx(0.8))
    assert rows[4] == ("—", 4, 1440, pytest.approx(1832), "—", "—", "—")
    assert rows[7] == (30, 4, 25, pytest.approx(29.2), 3, 1, pytest.approx(0.75))


def test_kasus_has_every_step_time_and_minutes(recap: Path) -> None:
    ws = load_workbook(recap)[SHEET_KASUS]
    row = kasus_row(ws, "LP-004")
    assert ws.cell(row, 6).value == "Selesai"
    times = [ws.cell(row, step_columns(n)[0]).value for n in range(1, 8)]
    assert times == [CLOSED.step_time(n) for n in range(1, 8)]
    minutes = [ws.cell(row, step_columns(n)[1]).value for n in range(2, 8)]
    assert minutes == [20, 5, 1440, 2880, 5, 25]
    assert ws.cell(7, step_columns(2)[1]).value == "Menit (baku 15)"
    assert ws.cell(7, step_columns(4)[1]).value == "Menit (tanpa baku)"


def test_kasus_highlights_late_steps_and_overdue_cases(recap: Path) -> None:
    ws = load_workbook(recap)[SHEET_KASUS]
    late = {(ws.cell(c.row, 2).value, c.column)
            for row in ws.iter_rows(min_row=8) for c in row if is_late(c)}
    status, lama_hari = 6, step_columns(7)[1] + 1  # type: ignore[operator]
    step = {n: step_columns(n)[1] for n in range(2, 8)}
    assert ws.cell(6, status).value == "Status" and ws.cell(6, lama_hari).value == "Lama (hari)"
    assert late == {
        ("LP-002", status), ("LP-003", status), ("LP-003", lama_hari),
        ("LP-004", step[2]), ("LP-005", step[2]), ("LP-006", step[2]), ("LP-006", step[3]),
        ("LP-007", step[2]), ("LP-007", step[6]), ("LP-007", step[7]),
    }


def test_kasus_keeps_only_the_year_in_report_order(recap: Path) -> None:
    ws = load_workbook(recap)[SHEET_KASUS]
    assert [c.value for c in ws["B"][7:]] == [
        "LP-005", "LP-003", "LP-006", "LP-007", "LP-004", "LP-002", "LP-001"]


def test_charts_point_at_the_month_and_step_tables(recap: Path) -> None:
    ws = load_workbook(recap)[SHEET_RINGKASAN]
    per_month, per_step = ws._charts
    assert [s.val.numRef.f for s in per_month.series] == [
        f"'Ringkasan'!${c}$8:${c}$19" for c in "EFGH"]
    assert [s.tx.strRef.f for s in per_month.series] == [
        f"'Ringkasan'!{c}7" for c in "EFGH"]
    assert {s.cat.numRef.f for s in per_month.series} == {"'Ringkasan'!$D$8:$D$19"}
    assert per_month.grouping == "stacked"
    assert [s.val.numRef.f for s in per_step.series] == [
        "'Waktu Layanan'!$B$22:$B$25", "'Waktu Layanan'!$C$22:$C$25"]
    assert {s.cat.numRef.f for s in per_step.series} == {"'Waktu Layanan'!$A$22:$A$25"}
    waktu = load_workbook(recap)[SHEET_WAKTU]
    assert [waktu.cell(r, 1).value for r in range(22, 26)] == [
        "Langkah 2", "Langkah 3", "Langkah 6", "Langkah 7"]
    assert [waktu.cell(r, 3).value for r in range(22, 26)] == [15, 10, 5, 30]


def test_every_sheet_is_print_ready(recap: Path) -> None:
    wb = load_workbook(recap)
    for ws in wb:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert "KECAMATAN KERJO" in ws["A2"].value and "Tahun 2024" in ws["A3"].value
    assert wb[SHEET_KASUS].print_title_rows == "$6:$7"
    assert wb[SHEET_WAKTU].print_title_rows == "$6:$6"


def test_recap_never_shows_nik_phone_address_or_name(recap: Path) -> None:
    text = " ".join(str(c.value) for ws in load_workbook(recap) for row in ws.iter_rows()
                    for c in row if c.value is not None)
    for secret in (NIK, TELEPON, "Ngasem", "Pelapor LP-"):
        assert secret not in text


def test_recap_of_one_month(tmp_path: Path, conf: Config) -> None:
    path = tmp_path / "r.xlsx"
    write_recap(path, ALL, conf, 2024, bulan=8, now=NOW)
    wb = load_workbook(path)
    assert [c.value for c in wb[SHEET_KASUS]["B"][7:]] == ["LP-005"]
    assert "Bulan Agustus 2024" in wb[SHEET_RINGKASAN]["A3"].value
    assert list(table(wb[SHEET_RINGKASAN], "Menurut Bulan Laporan")) == ["Agustus", "Jumlah"]


def test_recap_of_an_empty_year_still_writes(tmp_path: Path, conf: Config) -> None:
    path = tmp_path / "r.xlsx"
    write_recap(path, ALL, conf, 2022, now=NOW)
    assert table(load_workbook(path)[SHEET_RINGKASAN], "Menurut Status")["Jumlah"][0] == 0


def test_recap_is_replaced_atomically(recap: Path, conf: Config) -> None:
    write_recap(recap, ALL[:2], conf, 2024, now=NOW)
    assert [p.name for p in recap.parent.iterdir()] == [recap.name]
    assert load_workbook(recap)[SHEET_KASUS]["B9"].value == "LP-001"


def test_recap_paths(cfg: Config) -> None:
    assert recap_path(cfg, 2024) == cfg.outbox / "2024" / "Laporan Pengamanan 2024.xlsx"
    assert recap_path(cfg, 2024, 9) == cfg.outbox / "2024" / "Laporan Pengamanan 2024-09.xlsx"


def test_ringkasan_counts_rows_waiting_for_correction_as_status_does(
        office: Path, cfg: Config, make_intake: Any, capsys: Any) -> None:
    # Issue 12.3: the recap's Ringkasan shows the count `perda status` prints per workbook.
    from pipeline.cli import main
    make_intake([full_row(1), full_row(2, desa="Jumapolo"), full_row(3, desa="Jumapolo")])
    assert main(["run", "--config", str(office / "config.toml")]) == 1
    capsys.readouterr()
    main(["status", "--config", str(office / "config.toml")])
    assert "2 laporan menunggu perbaikan: laporan.xlsx baris 4, 5" in capsys.readouterr().out
    ws = load_workbook(recap_path(cfg, 2024))["Ringkasan"]
    found = [row for row in ws.iter_rows(values_only=True)
             if row and row[0] == "Laporan menunggu perbaikan di buku isian"]
    assert [row[1] for row in found] == [2]
