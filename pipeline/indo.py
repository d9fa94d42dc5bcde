"""Indonesian date and time formatting for letters, without the locale module.

Works the same on every PC: an office Windows machine seldom has an Indonesian locale, and
`locale.setlocale` would change the whole process anyway.
"""

from __future__ import annotations

from datetime import date, datetime

BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
         "September", "Oktober", "November", "Desember")
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")  # date.weekday() order
ROMAWI = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
ZONA = "WIB"  # Karanganyar is in Western Indonesian Time (UTC+7)


def nama_bulan(month: int) -> str:
    """The Indonesian month name of month 1..12: 9 → 'September'."""
    _check_month(month)
    return BULAN[month - 1]


def nama_hari(dt: date) -> str:
    """The Indonesian weekday: 2024-09-25 → 'Rabu'."""
    return HARI[dt.weekday()]


def tanggal(dt: date) -> str:
    """The date as written in letters: '25 September 2024' (day without a leading zero)."""
    return f"{dt.day} {nama_bulan(dt.month)} {dt.year}"


def hari_tanggal(dt: date) -> str:
    """Weekday and date: 'Rabu, 25 September 2024'."""
    return f"{nama_hari(dt)}, {tanggal(dt)}"


def jam(dt: datetime) -> str:
    """The clock time with a dot and the zone: '08.15 WIB'."""
    return f"{dt.hour:02d}.{dt.minute:02d} {ZONA}"


def waktu(dt: datetime) -> str:
    """Weekday, date and time: 'Rabu, 25 September 2024 pukul 08.15 WIB'."""
    return f"{hari_tanggal(dt)} pukul {jam(dt)}"


def bulan_romawi(month: int) -> str:
    """The month in Roman numerals, as used in letter numbers: 9 → 'IX'."""
    _check_month(month)
    return ROMAWI[month - 1]


def _check_month(month: int) -> None:
    """Refuse a month outside 1..12 (a programming error, not a user one)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month!r}")


_SATUAN = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
           "sembilan", "sepuluh", "sebelas")


def terbilang(n: int) -> str:
    """A whole number 0..999,999,999 in Indonesian words: 17 → 'tujuh belas'."""
    if not 0 <= n < 1_000_000_000:
        raise ValueError(f"terbilang: 0..999999999, not {n!r}")
    if n < 12:
        return _SATUAN[n]
    if n < 20:
        return f"{_SATUAN[n - 10]} belas"
    for size, word in ((1_000_000, "juta"), (1000, "ribu"), (100, "ratus"), (10, "puluh")):
        if n >= size:
            head, rest = divmod(n, size)
            if head == 1 and size in (1000, 100):
                words = "seribu" if size == 1000 else "seratus"
            else:
                words = f"{terbilang(head)} {word}"
            return f"{words} {terbilang(rest)}" if rest else words
    raise AssertionError(n)  # unreachable: n >= 20 meets size 10


def tanggal_terbilang(dt: date) -> str:
    """A Berita Acara's date in words: 'Selasa tanggal tujuh belas bulan November tahun dua
    ribu dua puluh enam'."""
    return (f"{nama_hari(dt)} tanggal {terbilang(dt.day)} bulan {nama_bulan(dt.month)} "
            f"tahun {terbilang(dt.year)}")
