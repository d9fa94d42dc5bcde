"""Every validation rule of DESIGN.md, asserted as (row, column, code) and by message."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.intake import open_intake
from pipeline.validate import Validation, validate
from tests.conftest import full_row

NOW = datetime(2024, 10, 1, 12, 0)


def check(path: Path, cfg: Config, now: datetime = NOW) -> Validation:
    """Read and validate a workbook as the pipeline does."""
    return validate(open_intake(path.name, path.read_bytes(), cfg.batas), cfg, now)


def test_complete_row_reads_back_exactly(make_intake, cfg):
    result = check(make_intake([full_row()]), cfg)
    assert result.valid
    (case,) = result.cases
    assert case.no_laporan == "LP-001"
    assert case.telepon_pelapor == "081234567890"
    assert case.instansi == ("Satuan Polisi Pamong Praja Kabupaten Karanganyar",
                             "Pemerintah Desa setempat")
    assert case.steps_done == 7
    assert case.source_row == 3


def test_missing_required_cell_names_cell_and_header(make_intake, cfg):
    result = check(make_intake([full_row(nama_pelapor=None)]), cfg)
    assert result.flatten() == [(3, "Nama Pelapor", "wajib-diisi")]
    problem = result.problems[0]
    assert problem.cell == "Laporan!D3"
    assert problem.message == "Nama Pelapor wajib diisi pada setiap laporan. Isi sel ini."
    assert result.cases == []


def test_step_field_required_when_step_time_filled(make_intake, cfg):
    result = check(make_intake([full_row(isi_disposisi=None)]), cfg)
    assert result.flatten() == [(3, "Isi Disposisi", "wajib-diisi")]
    assert "Waktu Disposisi (langkah 3, Disposisi Camat) sudah diisi" in result.problems[0].message
    # Steps 1-2 still go through; the held step and everything after it wait for the fix.
    assert result.cases[0].steps_done == 2


def test_skipped_step_is_reported_on_the_later_time(make_intake, cfg):
    row = full_row(waktu_diteruskan=None)
    result = check(make_intake([row]), cfg)
    assert result.flatten() == [(3, "Waktu Disposisi", "langkah-melompat")]
    assert result.cases[0].steps_done == 1


def test_time_going_backwards(make_intake, cfg):
    result = check(make_intake([full_row(waktu_disposisi=datetime(2024, 9, 25, 8, 20))]), cfg)
    assert result.flatten() == [(3, "Waktu Disposisi", "waktu-mundur")]
    assert "lebih awal dari Waktu Diteruskan (25/09/2024 08:30)" in result.problems[0].message


def test_time_in_the_future(make_intake, cfg):
    result = check(make_intake([full_row(waktu_pemberitahuan=datetime(2024, 12, 1, 9, 0))]), cfg)
    assert result.flatten() == [(3, "Waktu Pemberitahuan", "waktu-masa-depan")]
    assert result.cases[0].steps_done == 6


@pytest.mark.parametrize("nik", ["12345", "33130165089000AB", "3313 0165 0890 00021"])
def test_bad_nik(make_intake, cfg, nik):
    result = check(make_intake([full_row(nik_pelapor=nik)]), cfg)
    assert result.flatten() == [(3, "NIK Pelapor", "nik-salah")]
    assert "harus 16 angka" in result.problems[0].message


def test_nik_stored_as_number_is_refused(make_intake, cfg):
    # Excel keeps 15 significant digits: a 16-digit NIK typed as a number loses its last digit.
    result = check(make_intake([full_row(nik_pelapor=3313016508900002)]), cfg)
    assert result.flatten() == [(3, "NIK Pelapor", "nik-salah")]
    assert "Ubah format sel menjadi Teks" in result.problems[0].message


@pytest.mark.parametrize("typed, expected", [
    ("0812 3456 7890", "081234567890"), ("+62 812-3456-7890", "081234567890"),
    ("6281234567890", "081234567890"), (81234567890, "081234567890"),
    ("(0271) 123456", "0271123456"),
])
def test_phone_forms_are_normalised(make_intake, cfg, typed, expected):
    result = check(make_intake([full_row(telepon_pelapor=typed)]), cfg)
    assert result.valid
    assert result.cases[0].telepon_pelapor == expected


def test_bad_phone(make_intake, cfg):
    result = check(make_intake([full_row(telepon_pelapor="12-34")]), cfg)
    assert result.flatten() == [(3, "No. Telepon Pelapor", "telepon-salah")]


def test_phone_required_for_sms_report(make_intake, cfg):
    result = check(make_intake([full_row(cara_lapor="SMS", telepon_pelapor=None)]), cfg)
    assert result.flatten() == [(3, "No. Telepon Pelapor", "wajib-diisi")]
    assert result.cases == []


def test_phone_required_for_notice_by_phone(make_intake, cfg):
    row = full_row(cara_lapor="Datang Langsung", telepon_pelapor=None,
                   cara_pemberitahuan="Telepon")
    result = check(make_intake([row]), cfg)
    assert result.flatten() == [(3, "No. Telepon Pelapor", "wajib-diisi")]
    assert result.cases[0].steps_done == 6


def test_address_required_for_notice_by_letter(make_intake, cfg):
    result = check(make_intake([full_row(alamat_pelapor=None)]), cfg)
    assert result.flatten() == [(3, "Alamat Pelapor", "wajib-diisi")]
    assert result.cases[0].steps_done == 6


def test_list_values_match_case_insensitively(make_intake, cfg):
    row = full_row(desa="  kuto ", cara_lapor="telepon", status_akhir="SELESAI",
                   instansi="kepolisian sektor kerjo")
    result = check(make_intake([row]), cfg)
    assert result.valid
    case = result.cases[0]
    assert (case.desa, case.cara_lapor, case.status_akhir) == ("Kuto", "Telepon", "Selesai")
    assert case.instansi == ("Kepolisian Sektor Kerjo",)


def test_value_not_in_list(make_intake, cfg):
    result = check(make_intake([full_row(desa="Jumapolo")]), cfg)
    assert result.flatten() == [(3, "Desa", "bukan-pilihan")]
    assert result.problems[0].message.startswith("\"Jumapolo\" tidak ada dalam daftar.")


def test_unknown_agency_in_list_of_agencies(make_intake, cfg):
    result = check(make_intake([full_row(instansi="Kepolisian Sektor Kerjo; Dinas Antah")]), cfg)
    assert result.flatten() == [(3, "Instansi Terkait", "bukan-pilihan")]
    assert result.cases[0].steps_done == 3


def test_staff_name_outside_the_suggestion_list_is_accepted(make_intake, cfg):
    assert check(make_intake([full_row(petugas="Pak Wiryo")]), cfg).valid


def test_duplicate_no_laporan_in_one_year_holds_both_rows(make_intake, cfg):
    rows = [full_row(1), full_row(2), full_row(1, nama_pelapor="Orang Lain")]
    result = check(make_intake(rows), cfg)
    assert result.flatten() == [(3, "No. Laporan", "no-laporan-ganda"),
                                (5, "No. Laporan", "no-laporan-ganda")]
    assert "juga dipakai di baris 5" in result.problems[0].message
    assert [c.no_laporan for c in result.cases] == ["LP-002"]


def test_same_number_in_another_year_is_another_case(make_intake, cfg):
    rows = [full_row(1), full_row(1, waktu_lapor=datetime(2023, 9, 25, 8, 15),
                                  waktu_diteruskan=None, waktu_disposisi=None,
                                  waktu_koordinasi=None, waktu_selesai=None,
                                  waktu_lapor_camat=None, waktu_pemberitahuan=None)]
    result = check(make_intake(rows), cfg)
    assert result.valid
    assert sorted(c.case_id for c in result.cases) == ["2023/LP-001", "2024/LP-001"]


def test_text_too_long(make_intake, cfg):
    result = check(make_intake([full_row(no_laporan="X" * 41)]), cfg)
    assert result.flatten() == [(3, "No. Laporan", "teks-terlalu-panjang")]


@pytest.mark.parametrize("typed", ["25/09/2024 08:15", "25-09-2024 08.15", "2024-09-25 08.15",
                                   "25 September 2024 08.15 WIB", 45560.34375])
def test_dates_typed_by_hand_and_serial_numbers(make_intake, cfg, typed):
    result = check(make_intake([full_row(waktu_lapor=typed)]), cfg)
    assert result.valid
    assert result.cases[0].waktu_lapor == datetime(2024, 9, 25, 8, 15)


def test_date_without_time_reads_as_midnight(make_intake, cfg):
    row = full_row(waktu_lapor="24-09-2024")
    assert check(make_intake([row]), cfg).cases[0].waktu_lapor == datetime(2024, 9, 24)


@pytest.mark.parametrize("typed", ["kemarin", "31/02/2024", "25/13/2024 08:15", "08:15"])
def test_unreadable_date(make_intake, cfg, typed):
    result = check(make_intake([full_row(waktu_lapor=typed)]), cfg)
    assert result.flatten() == [(3, "Waktu Lapor", "tanggal-tidak-terbaca")]
    assert "Ketik tanggal dan jam seperti 25/09/2024 08:15" in result.problems[0].message


def test_every_problem_is_collected_and_valid_rows_go_through(make_intake, cfg):
    rows = [full_row(1, desa="X", nik_pelapor="1"), full_row(2), full_row(3, lokasi=None)]
    result = check(make_intake(rows), cfg)
    assert result.flatten() == [(3, "NIK Pelapor", "nik-salah"), (3, "Desa", "bukan-pilihan"),
                                (5, "Lokasi Kejadian", "wajib-diisi")]
    assert [c.no_laporan for c in result.cases] == ["LP-002"]
    assert (result.rows_read, result.rows_with_problems) == (3, 2)


def test_only_step_one_filled_is_a_valid_new_report(make_intake, cfg):
    row = {k: v for k, v in full_row().items()
           if k in ("no_laporan", "waktu_lapor", "cara_lapor", "nama_pelapor", "desa", "lokasi",
                    "perda", "uraian", "petugas", "telepon_pelapor")}
    result = check(make_intake([row]), cfg)
    assert result.valid
    assert result.cases[0].steps_done == 1


def test_many_rows_stream_through_a_temporary_file(make_intake, cfg, monkeypatch):
    # Huge workbooks must not hold every case in memory (DESIGN: 150 MB on any input).
    monkeypatch.setattr("pipeline.validate.IN_MEMORY_CASES", 3)
    rows = [full_row(n) for n in range(1, 11)] + [full_row(3, nama_pelapor="Lain")]
    result = check(make_intake(rows), cfg)
    assert result.spool._file is not None and len(result.spool) == 11  # spilled
    assert [c.no_laporan for c in result.iter_cases()] == \
        [f"LP-{n:03d}" for n in range(1, 11) if n != 3]
    assert result.flatten() == [(5, "No. Laporan", "no-laporan-ganda"),
                                (13, "No. Laporan", "no-laporan-ganda")]


def test_problems_beyond_the_cap_are_counted(make_intake, cfg, monkeypatch):
    monkeypatch.setattr("pipeline.validate.MAX_PROBLEMS", 2)
    result = check(make_intake([full_row(n, desa="X") for n in range(1, 6)]), cfg)
    assert len(result.problems) == 2 and result.more_problems == 3
    assert result.rows_with_problems == 5


# --- agencies by the names people use (issue 12.1) ------------------------------------

def test_agencies_typed_by_short_name_in_any_case(make_intake, cfg):
    result = check(make_intake([full_row(instansi="satpol PP; Polsek Kerjo")]), cfg)
    assert result.valid
    names = result.cases[0].instansi
    assert names == ("Satuan Polisi Pamong Praja Kabupaten Karanganyar",
                     "Kepolisian Sektor Kerjo")
    assert [cfg.agency(n).kepada for n in names] == [
        "Kepala Satuan Polisi Pamong Praja Kabupaten Karanganyar", "Kapolsek Kerjo"]


def test_agencies_separated_by_commas_are_accepted(make_intake, cfg):
    result = check(make_intake([full_row(instansi="Satpol PP, Kades, DLH")]), cfg)
    assert result.valid
    assert result.cases[0].instansi == ("Satuan Polisi Pamong Praja Kabupaten Karanganyar",
                                        "Pemerintah Desa setempat",
                                        "Dinas Lingkungan Hidup Kabupaten Karanganyar")


def test_every_unknown_agency_is_named_in_one_message(make_intake, cfg):
    result = check(make_intake([full_row(instansi="Satpol PP; Polres Karanganyar;  Dishub ")]),
                   cfg)
    assert result.flatten() == [(3, "Instansi Terkait", "bukan-pilihan")]
    assert result.problems[0].message == (
        "\"Polres Karanganyar\" dan \"Dishub\" tidak ada dalam daftar instansi. Ketik nama "
        "resmi atau singkatannya (daftar lengkap di lembar Petunjuk), dipisah titik koma (;), "
        "misalnya: Satpol PP; Polsek Kerjo; Koramil Kerjo; DLH; DPUPR; Pemdes.")
    assert result.cases[0].steps_done == 3


def test_instruksi_from_the_disposisi_list(make_intake, cfg):
    row = full_row(instruksi="proses lebih lanjut; Laporkan hasilnya")
    result = check(make_intake([row]), cfg)
    assert result.cases[0].instruksi == ("Proses lebih lanjut", "Laporkan hasilnya")
    result = check(make_intake([full_row(instruksi="Segera bongkar")]), cfg)
    assert result.flatten() == [(3, "Instruksi Disposisi", "bukan-pilihan")]
    assert result.problems[0].message.startswith(
        "\"Segera bongkar\" tidak ada dalam daftar instruksi. Pilih dari daftar pilihan, "
        "dipisah titik koma (;): Tanggapan dan saran; Proses lebih lanjut;")


# --- dates as people type them (issue 12.2) -------------------------------------------

def test_dates_with_weekday_month_names_and_pukul(make_intake, cfg):
    row = full_row(waktu_lapor="Rabu, 25 Sept 2024 pkl. 08.15",
                   waktu_diteruskan="25-Sep-2024 08:30 AM",
                   waktu_disposisi="25 September 2024 pukul 08.40 WIB")
    result = check(make_intake([row]), cfg)
    assert result.valid and result.problems == []
    case = result.cases[0]
    assert (case.waktu_lapor, case.waktu_diteruskan, case.waktu_disposisi) == (
        datetime(2024, 9, 25, 8, 15), datetime(2024, 9, 25, 8, 30),
        datetime(2024, 9, 25, 8, 40))


def test_wrong_weekday_is_a_problem(make_intake, cfg):
    result = check(make_intake([full_row(waktu_selesai="Kamis, 27/09/2024 10.00")]), cfg)
    assert result.flatten() == [(3, "Waktu Selesai", "hari-tidak-sesuai")]
    assert result.problems[0].message == ("27/09/2024 jatuh pada hari Jumat, bukan hari "
                                          "Kamis. Periksa tanggal atau nama harinya.")
    assert result.cases[0].steps_done == 4


def test_date_without_time_is_a_warning_that_holds_nothing_back(make_intake, cfg):
    result = check(make_intake([full_row(waktu_selesai="27/09/2024")]), cfg)
    assert result.valid
    assert result.flatten() == [(3, "Waktu Selesai", "jam-tidak-diisi")]
    warning = result.problems[0]
    assert warning.level == "peringatan" and not warning.blocking
    assert warning.message == ("Waktu Selesai berisi tanggal tanpa jam; surat menulis "
                               "tanggalnya saja, tanpa \"pukul\". Bila jamnya diketahui, "
                               "tambahkan, misalnya 27/09/2024 08:15.")
    assert warning.describe().startswith("berkas laporan.xlsx, lembar Laporan, baris 3, "
                                         "kolom W (Waktu Selesai): PERINGATAN: Waktu Selesai")
    (case,) = result.cases
    assert case.steps_done == 7 and case.tanpa_jam == frozenset({"waktu_selesai"})
    assert result.rows_with_problems == 0


def test_letters_omit_pukul_when_only_the_date_was_typed(make_intake, cfg):
    from pipeline.render import build_context
    from pipeline.schema import DOCUMENT_BY_KIND, Doc

    case = check(make_intake([full_row(waktu_selesai="27/09/2024")]), cfg).cases[0]
    ctx = build_context(case, cfg, DOCUMENT_BY_KIND[Doc.laporan_hasil], "300.1/001/Kec.Krj/2024")
    assert str(ctx["waktu_selesai"]) == "Jumat, 27 September 2024"
    assert ctx["waktu_selesai"].jam == ""
    assert str(ctx["waktu_lapor_camat"]) == "Jumat, 27 September 2024 pukul 10.05 WIB"


def test_same_day_without_time_is_not_backwards(make_intake, cfg):
    # 25/09 08:40 then "26/09/2024" (midnight) then 26/09 09:00: the date alone cannot
    # go backwards within its day.
    row = full_row(waktu_koordinasi="26/09/2024", waktu_selesai=datetime(2024, 9, 26, 9, 0))
    result = check(make_intake([row]), cfg)
    assert result.flatten() == [(3, "Waktu Koordinasi", "jam-tidak-diisi")]
    row = full_row(waktu_disposisi="25/09/2024")
    assert check(make_intake([row], name="b.xlsx"), cfg).flatten() == [
        (3, "Waktu Disposisi", "jam-tidak-diisi")]


def test_year_far_from_the_other_steps_is_checked(make_intake, cfg):
    result = check(make_intake([full_row(waktu_lapor=datetime(2014, 9, 25, 8, 15))]), cfg)
    assert result.flatten() == [(3, "Waktu Lapor", "periksa-tahun")]
    assert result.problems[0].message == ("Tahun 2014 jauh dari tahun waktu lain pada baris "
                                          "ini (2024). Periksa tahunnya.")
    assert result.cases == []  # step 1 is held: the case's year is not known


def test_year_typo_in_a_later_step_holds_that_step(make_intake, cfg):
    result = check(make_intake([full_row(waktu_selesai="27/09/2042 10:00")]), cfg)
    assert result.flatten() == [(3, "Waktu Selesai", "periksa-tahun")]
    assert result.cases[0].steps_done == 4


def test_a_case_over_new_year_is_fine(make_intake, cfg):
    row = full_row(waktu_lapor=datetime(2023, 12, 31, 22, 0),
                   waktu_diteruskan=datetime(2023, 12, 31, 22, 30))
    assert check(make_intake([row]), cfg).valid


# --- long text and files without the new columns --------------------------------------

def test_long_uraian_fits_a_whole_excel_cell(make_intake, cfg):
    long = "Pedagang menutup bahu jalan. " * 345  # 10,005 characters
    result = check(make_intake([full_row(uraian=long, hasil=long)]), cfg)
    assert result.valid
    assert result.cases[0].uraian == long.strip()


def test_workbook_without_the_new_optional_columns_still_reads(make_intake, cfg):
    from pipeline.schema import COLUMNS

    new = {"instruksi", "jadwal_tindakan", "tempat_tindakan", "terlapor", "saksi"}
    path = make_intake([full_row()], columns=[c.key for c in COLUMNS if c.key not in new])
    result = check(path, cfg)
    assert result.valid
    case = result.cases[0]
    assert (case.instruksi, case.jadwal_tindakan, case.saksi, case.steps_done) == \
        ((), None, (), 7)


def test_new_optional_columns_read_back(make_intake, cfg):
    row = full_row(jadwal_tindakan="Senin, 30/09/2024 pukul 09.00",
                   tempat_tindakan="Balai Desa Kuto", terlapor="Sutrisno",
                   saksi="Joko Susilo; Wahyu Hidayat;")
    case = check(make_intake([row]), cfg).cases[0]
    assert case.jadwal_tindakan == datetime(2024, 9, 30, 9, 0)
    assert (case.tempat_tindakan, case.terlapor) == ("Balai Desa Kuto", "Sutrisno")
    assert case.saksi == ("Joko Susilo", "Wahyu Hidayat")


def test_a_short_name_given_to_two_agencies_is_refused(office):
    from pipeline.errors import ConfigError
    from tests.conftest import set_config

    with pytest.raises(ConfigError) as caught:
        set_config(office, 'singkatan = ["DLH"]', 'singkatan = ["DLH", "polsek"]')
    assert caught.value.message == (
        "config.toml: nama atau singkatan 'polsek' dipakai oleh dua instansi ('Kepolisian "
        "Sektor Kerjo' dan 'Dinas Lingkungan Hidup Kabupaten Karanganyar'). Setiap singkatan "
        "hanya boleh untuk satu instansi.")


def test_file_with_only_warnings_is_processed_and_the_report_shows_them(make_intake, cfg,
                                                                        caplog):
    from pipeline.process import open_state, process_file

    state = open_state(cfg)
    try:
        outcome = process_file(make_intake([full_row(waktu_pemberitahuan="27/09/2024")]),
                               cfg, state)
    finally:
        state.close()
    assert outcome.status == "ok"
    assert len(outcome.letters) == 8  # every step's letter, step 4 twice
    report = (cfg.outbox / "_perlu-perbaikan" / "laporan - perlu perbaikan.txt").read_text(
        encoding="utf-8-sig")
    assert "Peringatan          : 1 (tidak menahan baris; periksa saja)" in report
    assert "Jumlah masalah      : 0" in report
    assert "kolom AC (Waktu Pemberitahuan): PERINGATAN: Waktu Pemberitahuan berisi tanggal " \
           "tanpa jam" in report
    # the log line's level reads PERINGATAN (pipeline.logid); the text does not repeat it
    logged = [r for r in caplog.records if "Waktu Pemberitahuan berisi tanggal" in r.getMessage()]
    assert [(r.levelname, "PERINGATAN:" in r.getMessage()) for r in logged] == [("WARNING", False)]
    # Nothing to fix: no marked copy (a full load of the workbook at every save).
    assert not (cfg.outbox / "_perlu-perbaikan" / "laporan - perlu perbaikan.xlsx").exists()
