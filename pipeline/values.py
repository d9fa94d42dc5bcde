"""Cell values as staff type them → typed values. Pure functions; each raises ValueError
with an Indonesian sentence saying what to type instead.

Handled: real Excel dates, Excel serial numbers, dates typed as text in the common
Indonesian forms (25/09/2024 08:15, 25-09-2024, 2024-09-25 08.15, 25 September 2024),
phone numbers as 0812…, +62 812…, 62812… or a number that lost its leading 0.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from openpyxl.utils.datetime import from_excel

BULAN = ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus",
         "september", "oktober", "november", "desember")
_MONTHS = {name: i for i, name in enumerate(BULAN, 1)}
_MONTHS.update({name[:3]: i for i, name in enumerate(BULAN, 1)})
_MONTHS.update({"agu": 8, "ags": 8, "okt": 10, "des": 12, "nop": 11, "pebruari": 2,
                "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7,
                "august": 8, "october": 10, "december": 12})

_TIME = r"(?:[ T,]+(?:jam|pukul|pkl\.?)?\s*(?P<h>\d{1,2})[:.](?P<mi>\d{2})(?:[:.](?P<s>\d{2}))?)?"
_TAIL = r"\s*(?:wib)?\s*$"
_NUMERIC_DMY = re.compile(r"^(?P<d>\d{1,2})[/\-.](?P<m>\d{1,2})[/\-.](?P<y>\d{2}|\d{4})"
                          + _TIME + _TAIL, re.I)
_NUMERIC_YMD = re.compile(r"^(?P<y>\d{4})[/\-.](?P<m>\d{1,2})[/\-.](?P<d>\d{1,2})"
                          + _TIME + _TAIL, re.I)
_WORDY = re.compile(r"^(?:[a-z']+,?\s+)?(?P<d>\d{1,2})\s+(?P<mn>[a-z]+)\.?\s+(?P<y>\d{4})"
                    + _TIME + _TAIL, re.I)

DATE_HINT = "Ketik tanggal dan jam seperti 25/09/2024 08:15, atau pilih format tanggal di Excel."
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
    text = " ".join(text.split())
    match = _NUMERIC_DMY.match(text) or _NUMERIC_YMD.match(text)
    month: int | None = None
    if match:
        month = int(match["m"])
    else:
        match = _WORDY.match(text)
        if match:
            month = _MONTHS.get(match["mn"].casefold())
            if month is None:
                raise ValueError(f"Nama bulan \"{match['mn']}\" tidak dikenal. {DATE_HINT}")
    if not match or month is None:
        raise ValueError(f"\"{text}\" tidak terbaca sebagai tanggal. {DATE_HINT}")
    year = int(match["y"])
    if len(match["y"]) == 2:  # "24" is 2024; "0024" stays year 24 (the validator asks)
        year += 2000
    try:
        return datetime(year, month, int(match["d"]), int(match["h"] or 0),
                        int(match["mi"] or 0), int(match["s"] or 0))
    except ValueError as exc:
        raise ValueError(f"Tanggal \"{text}\" tidak ada di kalender. {DATE_HINT}") from exc


def number_as_text(value: object) -> str:
    """Text of a cell; a whole number stored by Excel as 12.0 reads as '12'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return str(value)


PHONE_HINT = "Ketik nomor seperti 0812 3456 7890 atau +62 812 3456 7890."


def parse_phone(value: object) -> str:
    """An Indonesian phone number normalised to digits starting with 0 (081234567890)."""
    if isinstance(value, bool):
        raise ValueError(f"Isinya bukan nomor telepon. {PHONE_HINT}")
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
        raise ValueError(f"\"{text}\" bukan nomor telepon Indonesia yang benar. {PHONE_HINT}")
    return digits


def parse_nik(value: object) -> str:
    """A 16-digit NIK as text; a NIK stored as a number is refused (Excel rounds it)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("NIK tersimpan sebagai angka, sehingga Excel dapat mengubah angka "
                         "terakhirnya. Ubah format sel menjadi Teks, lalu ketik ulang NIK.")
    text = re.sub(r"[\s.\-]", "", str(value))
    if not re.fullmatch(r"\d{16}", text):
        raise ValueError(f"NIK \"{str(value).strip()}\" harus 16 angka. Periksa kembali NIK "
                         "pada KTP pelapor, atau kosongkan bila tidak ada.")
    return text


def fold(text: str) -> str:
    """Fold a list value for matching: case-insensitive, white space runs as one space."""
    return " ".join(text.split()).casefold()


def parse_choice(text: str, options: tuple[str, ...]) -> str:
    """The option matching `text` case-insensitively, in the list's own spelling."""
    wanted = fold(text)
    for option in options:
        if fold(option) == wanted:
            return option
    shown = ", ".join(options) if len(options) <= 12 else ", ".join(options[:12]) + ", …"
    raise ValueError(f"\"{text}\" tidak ada dalam daftar. Pilih salah satu dari daftar "
                     f"pilihan: {shown}.")


def parse_choices(text: str, options: tuple[str, ...]) -> tuple[str, ...]:
    """One or more options separated by ';' (or new lines), each matched like parse_choice."""
    parts = [p for p in re.split(r"[;\n]", text) if p.strip()]
    if not parts:
        raise ValueError("Isinya kosong.")
    found: list[str] = []
    for part in parts:
        option = parse_choice(part, options)
        if option not in found:
            found.append(option)
    return tuple(found)
