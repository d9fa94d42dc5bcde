"""Cell values as staff type them: dates, agency names, and the message they see."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.codes import CellError
from pipeline.values import parse_choices, read_datetime, read_text_datetime

HINT = "Ketik tanggal dan jam seperti 25/09/2024 08:15, atau pilih format tanggal di Excel."


@pytest.mark.parametrize("typed, expected", [
    ("25/09/2024 08:15", datetime(2024, 9, 25, 8, 15)),
    ("25 Sept 2024 08.15", datetime(2024, 9, 25, 8, 15)),
    ("25 Agt 2024 pkl. 08.15", datetime(2024, 8, 25, 8, 15)),
    ("25 Agustus 2024 pukul 08.15 WIB", datetime(2024, 8, 25, 8, 15)),
    ("25-Sep-2024 08:15", datetime(2024, 9, 25, 8, 15)),
    ("25-Sep-24 8:15 AM", datetime(2024, 9, 25, 8, 15)),
    ("Rabu, 25/09/2024 pkl. 14.10", datetime(2024, 9, 25, 14, 10)),
    ("rabu 25 september 2024 jam 8", datetime(2024, 9, 25, 8, 0)),
    ("Wed, 25 Sep 2024 2:10 PM", datetime(2024, 9, 25, 14, 10)),
    ("Sep 25, 2024 8 pm", datetime(2024, 9, 25, 20, 0)),
    ("25/09/2024 12:30 AM", datetime(2024, 9, 25, 0, 30)),
    ("25 Okt 2024 09.00", datetime(2024, 10, 25, 9, 0)),
    ("25 Des 2024, 09.00", datetime(2024, 12, 25, 9, 0)),
    ("Jum'at, 27 Sep 2024 10.00", datetime(2024, 9, 27, 10, 0)),
    ("2024-09-25T08:15:30", datetime(2024, 9, 25, 8, 15, 30)),
])
def test_dates_as_people_type_them(typed: str, expected: datetime) -> None:
    assert read_text_datetime(typed) == (expected, True)


@pytest.mark.parametrize("typed", ["25/09/2024", "Rabu, 25/09/2024", "25 Sept 2024",
                                   "25-Sep-2024"])
def test_a_date_without_a_time_says_so(typed: str) -> None:
    assert read_text_datetime(typed) == (datetime(2024, 9, 25), False)


def test_midnight_typed_is_a_time_but_a_midnight_date_cell_is_not() -> None:
    assert read_datetime("25/09/2024 00:00") == (datetime(2024, 9, 25), True)
    assert read_datetime(datetime(2024, 9, 25)) == (datetime(2024, 9, 25), False)
    assert read_datetime(45560) == (datetime(2024, 9, 25), False)  # a serial number
    assert read_datetime(datetime(2024, 9, 25, 8, 15))[1]


def test_a_wrong_weekday_is_named_with_the_right_one() -> None:
    with pytest.raises(CellError) as caught:
        read_text_datetime("Selasa, 25/09/2024 08:15")
    assert caught.value.code == "hari-tidak-sesuai"
    assert str(caught.value) == ("25/09/2024 jatuh pada hari Rabu, bukan hari Selasa. "
                                 "Periksa tanggal atau nama harinya.")


@pytest.mark.parametrize("typed, message", [
    ("25 Sepp 2024", "Nama bulan \"Sepp\" tidak dikenal."),
    ("Besok, 25/09/2024", "Nama hari \"Besok\" tidak dikenal."),
    ("25/09/2024 25.00", "Jam \"25.00\" tidak ada."),
    ("25/09/2024 13:00 PM", "Jam 13 tidak ada pada penulisan AM/PM (1 sampai 12)."),
    ("31/09/2024", "Tanggal \"31/09/2024\" tidak ada di kalender."),
])
def test_unreadable_dates_say_what_is_wrong(typed: str, message: str) -> None:
    with pytest.raises(CellError) as caught:
        read_text_datetime(typed)
    assert caught.value.code == "tanggal-tidak-terbaca"
    assert str(caught.value) == f"{message} {HINT}"


def test_a_four_digit_year_is_never_moved_to_this_century() -> None:
    # "0001" was read as 2001 (issue 14): only a two-digit year means 20xx.
    assert read_text_datetime("25/09/0001")[0].year == 1
    assert read_text_datetime("25/09/24")[0].year == 2024


AGENCIES = ("Satuan Polisi Pamong Praja Kabupaten Karanganyar", "Kepolisian Sektor Kerjo",
            "Dinas Lingkungan Hidup Kabupaten Karanganyar")
SHORT = {AGENCIES[0]: ("Satpol PP", "Satpol"), AGENCIES[1]: ("Polsek Kerjo", "Polsek"),
         AGENCIES[2]: ("DLH",)}


@pytest.mark.parametrize("typed", ["satpol PP; Polsek Kerjo", "  SATPOL pp ;polsek kerjo  ",
                                   "Satpol PP, Polsek Kerjo", "Satuan Polisi Pamong Praja "
                                   "Kabupaten Karanganyar;Polsek;satpol"])
def test_agencies_by_the_names_people_use(typed: str) -> None:
    assert parse_choices(typed, AGENCIES, SHORT, "instansi") == AGENCIES[:2]


def test_every_unknown_agency_in_one_message_trimmed() -> None:
    with pytest.raises(CellError) as caught:
        parse_choices("Satpol PP;  Dinas Antah ; Polres", AGENCIES, SHORT, "instansi")
    assert caught.value.code == "bukan-pilihan"
    assert str(caught.value) == (
        "\"Dinas Antah\" dan \"Polres\" tidak ada dalam daftar instansi. Ketik nama resmi "
        "atau singkatannya (daftar lengkap di lembar Petunjuk), dipisah titik koma (;), "
        "misalnya: Satpol PP; Polsek Kerjo; DLH.")


def test_comma_pieces_are_read_only_when_they_name_agencies() -> None:
    with pytest.raises(CellError) as caught:
        parse_choices("Polsek, Dinas Antah", AGENCIES, SHORT, "instansi")
    assert str(caught.value).startswith("\"Dinas Antah\" tidak ada dalam daftar instansi.")
    with pytest.raises(CellError) as caught:
        parse_choices("Dinas Pasar, bidang Retribusi", AGENCIES, SHORT, "instansi")
    assert str(caught.value).startswith("\"Dinas Pasar, bidang Retribusi\" tidak ada")


@given(st.text(alphabet="0123456789/-.:, TtAaPpMmSepkulRbJWIBjam'", max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_typed_date_is_read_or_refused_with_a_message(text: str) -> None:
    try:
        when, _ = read_text_datetime(text)
    except CellError as exc:
        assert str(exc).endswith(HINT) or exc.code == "hari-tidak-sesuai"
    else:
        assert isinstance(when, datetime)


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_agency_cell_is_read_or_refused_with_a_message(text: str) -> None:
    try:
        found = parse_choices(text, AGENCIES, SHORT, "instansi")
    except CellError as exc:
        assert exc.code == "bukan-pilihan"
    except ValueError as exc:
        assert str(exc) == "Isinya kosong."
    else:
        assert set(found) <= set(AGENCIES)
