"""Cell values as staff type them → typed values. Pure functions; each raises ValueError
with an Indonesian sentence saying what to type instead.

Handled: real Excel dates, Excel serial numbers, dates typed as text in the forms staff
use (25/09/2024 08:15, 25-09-2024, 2024-09-25 08.15, Rabu, 25 Sept 2024 pkl. 08.15,
25-Sep-2024 8:15 PM: see read_text_datetime), list values by their short names, phone
numbers as 0812…, +62 812…, 62812… or a number that lost its leading 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from openpyxl.utils.datetime import from_excel

from pipeline.codes import DATE_HINT, CellError, Code

BULAN = ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus",
         "september", "oktober", "november", "desember")
_MONTHS = {name: i for i, name in enumerate(BULAN, 1)}
_MONTHS.update({name[:3]: i for i, name in enumerate(BULAN, 1)})
_MONTHS.update({  # Indonesian variants and abbreviations, then English
    "pebruari": 2, "peb": 2, "agt": 8, "ags": 8, "agst": 8, "agus": 8, "sept": 9, "nop": 11,
    "nopember": 11,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "aug": 8, "october": 10, "oct": 10, "december": 12, "dec": 12})
_WEEKDAYS = {  # date.weekday() numbers: Monday is 0
    "senin": 0, "sen": 0, "selasa": 1, "sel": 1, "rabu": 2, "rab": 2, "kamis": 3, "kam": 3,
    "jumat": 4, "jum'at": 4, "jum": 4, "sabtu": 5, "sab": 5, "minggu": 6, "ahad": 6, "min": 6,
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6}
_HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

_WEEKDAY = re.compile(r"^(?P<wd>[a-z']+)\.?\s*,?\s+(?=\d)", re.I)
_SEP = r"(?:[\s,]+|(?-i:T))"  # between the date and the time: spaces, a comma or ISO's T
_WORD = r"(?:(?:jam|pukul|pkl)\.?\s*)"
_AMPM = r"(?:\s*(?P<ampm>[ap])\.?\s?m\.?)"
_ZONE = r"\s*(?:wib)?\s*$"
_TIMES = tuple(re.compile(_SEP + pattern + _ZONE, re.I) for pattern in (
    _WORD + r"?(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?" + _AMPM + "?",  # 08.15
    _WORD + r"(?P<h>\d{1,2})" + _AMPM + "?",  # pukul 8
    _WORD + r"?(?P<h>\d{1,2})" + _AMPM,  # 8 PM
))
_FAST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2})[:.](\d{2}))?$")
_DATE_DMY = re.compile(r"^(?P<d>\d{1,2})[/\-.](?P<m>\d{1,2})[/\-.](?P<y>\d{4}|\d{2})$")
_DATE_YMD = re.compile(r"^(?P<y>\d{4})[/\-.](?P<m>\d{1,2})[/\-.](?P<d>\d{1,2})$")
_DATE_WORDY = re.compile(  # 25 Sept 2024, 25-Sep-2024, 25 Agt. 24
    r"^(?P<d>\d{1,2})[\s/\-.]*(?P<mn>[a-z]+)\.?[\s/\-.,]*(?P<y>\d{4}|\d{2})$", re.I)
_DATE_MDY = re.compile(  # Sep 25, 2024 (English order)
    r"^(?P<mn>[a-z]+)\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})$", re.I)

EXCEL_SERIAL_MAX = 2958465  # 31 December 9999


def parse_datetime(value: object, epoch: datetime | None = None) -> datetime:
    """A date + time from a real date cell, an Excel serial number or typed text."""
    if isinstance(value, datetime):
        return _round_second(value)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, time):
        raise ValueError(f"Isinya hanya jam, tanggalnya tidak ada. {DATE_HINT}")
    if isinstance(value, bool):
        raise ValueError(f"Isinya bukan tanggal. {DATE_HINT}")
    if isinstance(value, int | float):
        if not 1 <= value <= EXCEL_SERIAL_MAX:
            raise ValueError(f"Angka {value} bukan tanggal. {DATE_HINT}")
        kwargs = {"epoch": epoch} if epoch else {}
        try:
            return _round_second(from_excel(value, **kwargs))
        except OverflowError:  # past 9999 from the 1904 epoch (serials 2,957,004 and up)
            raise ValueError(f"Angka {value} bukan tanggal. {DATE_HINT}") from None
    return _parse_text_datetime(str(value).strip())


def _round_second(value: datetime) -> datetime:
    """Drop Excel's floating-point noise (08:14:59.9997 → 08:15:00)."""
    value = value.replace(tzinfo=None)
    if value > datetime.max - timedelta(microseconds=500_000):
        return value.replace(microsecond=0)  # 9999-12-31 23:59:59.5 and later: no next second
    return (value + timedelta(microseconds=500_000)).replace(microsecond=0)


def _parse_text_datetime(text: str) -> datetime:
    return read_text_datetime(text)[0]


def read_datetime(value: object, epoch: datetime | None = None) -> tuple[datetime, bool]:
    """A time cell → (value, whether it holds a time of day, not a date only).

    Typed text says so itself ("25/09/2024" has none, "25/09/2024 00:00" has one). A date
    cell or serial number at exactly midnight counts as a date only: that is how Excel
    stores a date typed without a time.
    """
    if isinstance(value, str):
        return read_text_datetime(value)
    when = parse_datetime(value, epoch)
    return when, when.time() != time()


def read_text_datetime(text: str) -> tuple[datetime, bool]:
    """A typed date (and time) → (value, whether a time of day was typed).

    Forms: 25/09/2024, 25-09-24, 2024-09-25, 25 September 2024, 25 Sept 2024, 25 Agt 2024,
    25-Sep-2024, Sep 25, 2024; a leading weekday (Rabu, / Wed) that must match the date;
    a time after it: 08:15, 08.15, 8.15.30, pkl. 08.15, pukul 8, jam 14.10 WIB, 8:15 PM.
    """
    text = " ".join(str(text).split())
    fast = _FAST.match(text)
    if fast:  # the common 25/09/2024 08:15, without the general search
        d, mo, y, h, mi = (int(g) if g else 0 for g in fast.groups())
        try:
            return datetime(y, mo, d, h, mi), fast[4] is not None
        except ValueError:
            pass  # the general path says what is wrong
    rest, weekday = _strip_weekday(text)
    rest, clock = _split_time(rest)
    day = _read_date(rest, text)
    when = datetime.combine(day, clock or time())
    if weekday is not None and weekday != day.weekday():
        raise Code.hari_tidak_sesuai.error(tanggal=f"{day:%d/%m/%Y}",
                                           hari_benar=_HARI[day.weekday()],
                                           hari_ketik=_HARI[weekday])
    return when, clock is not None


def _strip_weekday(text: str) -> tuple[str, int | None]:
    """The text without a leading weekday name, and that weekday (Monday = 0)."""
    match = _WEEKDAY.match(text)
    if not match or match["wd"].casefold() in _MONTHS:  # "Sep 25, 2024": a month first
        return text, None
    weekday = _WEEKDAYS.get(match["wd"].casefold())
    if weekday is None:
        raise Code.tanggal_tidak_terbaca.error(
            masalah=f"Nama hari \"{match['wd']}\" tidak dikenal.")
    return text[match.end():], weekday


def _split_time(text: str) -> tuple[str, time | None]:
    """The date part and the typed time of day (None when no time is typed)."""
    match = next((m for m in (p.search(text) for p in _TIMES) if m), None)
    if not match or match.start() == 0:
        return text, None
    hour, minute = int(match["h"]), int(match.groupdict().get("mi") or 0)
    second = int(match.groupdict().get("s") or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise Code.tanggal_tidak_terbaca.error(
                masalah=f"Jam {hour} tidak ada pada penulisan AM/PM (1 sampai 12).")
        hour = hour % 12 + (12 if match["ampm"].casefold().startswith("p") else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise Code.tanggal_tidak_terbaca.error(
            masalah=f"Jam \"{match.group(0).strip()}\" tidak ada.")
    return text[:match.start()].rstrip(" ,"), time(hour, minute, second)


def _read_date(text: str, typed: str) -> date:
    """The date of the text left after the weekday and the time."""
    match = _DATE_DMY.match(text) or _DATE_YMD.match(text)
    if match:
        month = int(match["m"])
    else:
        match = _DATE_WORDY.match(text) or _DATE_MDY.match(text)
        if not match:
            raise Code.tanggal_tidak_terbaca.error(
                masalah=f"\"{typed}\" tidak terbaca sebagai tanggal.")
        found = _MONTHS.get(match["mn"].casefold())
        if found is None:
            raise Code.tanggal_tidak_terbaca.error(
                masalah=f"Nama bulan \"{match['mn']}\" tidak dikenal.")
        month = found
    year = int(match["y"]) + (2000 if len(match["y"]) == 2 else 0)  # "0001" stays year 1
    try:
        return date(year, month, int(match["d"]))
    except ValueError as exc:
        raise Code.tanggal_tidak_terbaca.error(
            masalah=f"Tanggal \"{typed}\" tidak ada di kalender.") from exc


def number_as_text(value: object) -> str:
    """Text of a cell; a whole number stored by Excel as 12.0 reads as '12'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return str(value)



def parse_phone(value: object) -> str:
    """An Indonesian phone number normalised to digits starting with 0 (081234567890)."""
    if isinstance(value, bool):
        raise Code.telepon_salah.error(masalah="Isinya bukan nomor telepon.")
    text = number_as_text(value).strip()
    digits = re.sub(r"[\s\-.()/]", "", text)
    if digits.startswith("+62"):
        digits = "0" + digits[3:]
    elif digits.startswith("62") and len(digits) >= 10:
        digits = "0" + digits[2:]
    elif digits.startswith("8") and isinstance(value, int | float):
        digits = "0" + digits  # Excel stored the number and dropped the leading 0
    elif digits.startswith("8") and 9 <= len(digits) <= 12:
        digits = "0" + digits
    if not re.fullmatch(r"0\d{8,12}", digits):
        raise Code.telepon_salah.error(
            masalah=f"\"{text}\" bukan nomor telepon Indonesia yang benar.")
    return digits


def parse_nik(value: object) -> str:
    """A 16-digit NIK as text; a NIK stored as a number is refused (Excel rounds it)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise Code.nik_salah.error(
            masalah="tersimpan sebagai angka, sehingga Excel dapat mengubah angka terakhirnya",
            perbaikan="Ubah format sel menjadi Teks, lalu ketik ulang NIK.")
    text = re.sub(r"[\s.\-]", "", str(value))
    if not re.fullmatch(r"\d{16}", text):
        raise Code.nik_salah.error(
            masalah=f"\"{str(value).strip()}\" harus 16 angka",
            perbaikan="Periksa kembali NIK pada KTP pelapor, atau kosongkan bila tidak ada.")
    return text


def fold(text: str) -> str:
    """Fold a list value for matching: case-insensitive, white space runs as one space."""
    return " ".join(text.split()).casefold()


ShortNames = Mapping[str, tuple[str, ...]]  # option → the short names staff may type


def choice_index(options: tuple[str, ...], short: ShortNames | None = None
                 ) -> dict[str, str]:
    """Folded option names and short names → the option (build once per list)."""
    index: dict[str, str] = {}
    for option in options:
        for name in (*(short or {}).get(option, ()), option):
            index[fold(name)] = option
    return index


def parse_choice(text: str, options: tuple[str, ...], short: ShortNames | None = None,
                 index: Mapping[str, str] | None = None) -> str:
    """The option matching `text` case-insensitively, in the list's own spelling.

    `short` gives options short names that match too (the agencies' `singkatan`); `index`
    is `choice_index(options, short)`, passed when many cells use the same list.
    """
    found = (index if index is not None else choice_index(options, short)).get(fold(text))
    if found is None:
        shown = ", ".join(options) if len(options) <= 12 else ", ".join(options[:12]) + ", …"
        raise Code.bukan_pilihan.error(nilai=f"\"{text.strip()}\"", daftar="",
                                       saran=f"Pilih salah satu dari daftar pilihan: {shown}.")
    return found


def parse_choices(text: str, options: tuple[str, ...], short: ShortNames | None = None,
                  what: str = "", index: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """One or more options separated by ';' (or new lines), each matched like parse_choice.

    A part that is no option but holds commas is read as a comma-separated list when one
    of its pieces is an option ("Satpol PP, Polsek Kerjo"). Every unknown value of the cell
    is named in one CellError, trimmed; `what` names the list in it ("instansi").
    """
    parts = [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]
    if not parts:
        raise ValueError("Isinya kosong.")
    index = index if index is not None else choice_index(options, short)
    found: list[str] = []
    unknown: list[str] = []
    for part in parts:
        for piece in _pieces(part, index):
            option = index.get(fold(piece))
            if option is None:
                unknown.append(piece)
            elif option not in found:
                found.append(option)
    if unknown:
        raise _unknown_choices(unknown, options, short, what)
    return tuple(found)


def _pieces(part: str, index: Mapping[str, str]) -> list[str]:
    """A part as typed, or its comma-separated pieces when the part is no option itself."""
    if "," not in part or fold(part) in index:
        return [part]
    pieces = [p.strip() for p in part.split(",") if p.strip()]
    if any(fold(p) in index for p in pieces):
        return pieces
    return [part]


def _unknown_choices(unknown: list[str], options: tuple[str, ...], short: ShortNames | None,
                     what: str) -> CellError:
    """One message naming every unknown value of a cell."""
    quoted = [f"\"{name}\"" for name in unknown]
    nilai = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " dan " + quoted[-1]
    if short:
        names = "; ".join((short.get(option) or (option,))[0] for option in options)
        saran = ("Ketik nama resmi atau singkatannya (daftar lengkap di lembar Petunjuk), "
                 f"dipisah titik koma (;), misalnya: {names}.")
    else:
        saran = f"Pilih dari daftar pilihan, dipisah titik koma (;): {'; '.join(options)}."
    return Code.bukan_pilihan.error(nilai=nilai, daftar=f" {what}" if what else "",
                                    saran=saran)
