"""What each letter says: the template variables of every document, and the SMS texts.

A document's context holds only the data of its own step and the steps before it, so a
letter does not change when later steps are filled in. Documents that leave the office
(`names_reporter == False`, the step-4 coordination letters) get no `pelapor` at all, and
nothing else that names the reporter (the addressee, the copies and the contact person
come from config.toml). The names are documented in templates/README.md.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline import indo
from pipeline.config import Config, Pejabat
from pipeline.model import Case
from pipeline.schema import SIFAT, STEPS, Doc, Document

KOSONG = "-"  # printed for an optional value left empty (NIK, address, phone)
# What the disposition form's boxes (bordered cells) hold: an X in Arial, no symbol.
TANDA_YA, TANDA_TIDAK = "X", ""
INSTANSI_LAIN = "{instansi_lain}"  # [tembusan] token: the case's other agencies
SMS_MAKS = 320  # two SMS segments
HADIR = "Datang Langsung"  # the reporter stands at the desk and can sign

HAL: dict[Doc, str] = {
    Doc.tanda_terima: "Tanda Terima Laporan Dugaan Pelanggaran Perda",
    Doc.nota_dinas: "Penerusan Laporan Dugaan Pelanggaran Perda",
    Doc.disposisi: "Disposisi Laporan Dugaan Pelanggaran Perda",
    Doc.koordinasi: "Permohonan Koordinasi Penanganan Dugaan Pelanggaran Perda",
    Doc.bukti_penyelesaian: "Berita Acara Penyelesaian Pengaduan",
    Doc.laporan_hasil: "Laporan Hasil Penyelesaian Pengaduan",
    Doc.pemberitahuan: "Pemberitahuan Hasil Penyelesaian Laporan",
    Doc.catatan_pemberitahuan: "Catatan Pemberitahuan Hasil Penyelesaian Laporan",
}


@dataclass(frozen=True)
class Rujukan:
    """A related letter of the same case already numbered (e.g. the Nota Dinas a
    disposition refers to): its number, its Buku Agenda number and its date."""

    nomor: str
    urut: int
    tanggal: datetime


@dataclass(frozen=True)
class Waktu:
    """A step's time in the forms letters use; printed alone it is `lengkap`."""

    tanggal: str  # 25 September 2024
    hari: str  # Rabu
    hari_tanggal: str  # Rabu, 25 September 2024
    jam: str  # 08.15 WIB ("" when the date was typed without a time)
    lengkap: str  # Rabu, 25 September 2024 pukul 08.15 WIB
    terbilang: str  # Rabu tanggal dua puluh lima bulan September tahun dua ribu dua puluh empat

    @classmethod
    def of(cls, dt: datetime, with_time: bool = True) -> Waktu:
        """All the forms of one time; `with_time=False`: the date only, never "pukul"."""
        return _waktu(dt, dt.tzinfo, with_time)  # a case's letters print its times often

    def __str__(self) -> str:
        return self.lengkap


@functools.lru_cache(maxsize=1024)
def _waktu(dt: datetime, tzinfo: object, with_time: bool) -> Waktu:
    """`Waktu.of`, worked out once per time (immutable; `tzinfo` in the key because equal
    aware times of other zones print differently)."""
    hari_tanggal = indo.hari_tanggal(dt)
    return Waktu(indo.tanggal(dt), indo.nama_hari(dt), hari_tanggal,
                 indo.jam(dt) if with_time else "",
                 indo.waktu(dt) if with_time else hari_tanggal, indo.tanggal_terbilang(dt))


class Rincian(tuple):
    """A list of names that prints as Indonesian prose ('A, B, dan C') and can be looped."""

    def __str__(self) -> str:
        items = list(self)
        if len(items) <= 2:
            return " dan ".join(items)
        return ", ".join(items[:-1]) + ", dan " + items[-1]


# ---------------------------------------------------------------- addressees and copies


def letter_subject(doc: Document) -> str:
    """The letter's subject (Hal), the same in the letter and in the Buku Agenda."""
    return HAL[doc.kind]


def agency_addressee(case: Case, cfg: Config, instansi: str) -> dict[str, str]:
    """Whom a step-4 letter goes to: the head of the agency by title, and the 'di' place."""
    try:
        entry = cfg.agency(instansi)
    except KeyError:  # an agency no longer in config.toml: address its head plainly
        return {"jabatan": f"Pimpinan {instansi}", "di": "Tempat"}
    return {"jabatan": entry.kepada.replace("{desa}", case.desa),
            "di": entry.di.replace("{desa}", case.desa)}


def letter_addressee(case: Case, cfg: Config, doc: Document, instansi: str = "") -> str:
    """To whom the letter goes (Buku Agenda 'Tujuan'): what the letter prints after 'Yth.'."""
    if doc.per_agency:
        return agency_addressee(case, cfg, instansi)["jabatan"]
    if doc.kind in (Doc.nota_dinas, Doc.laporan_hasil):
        return cfg.pejabat.camat.jabatan
    if doc.kind is Doc.disposisi:
        return cfg.pejabat.kasi.jabatan
    if doc.kind is Doc.bukti_penyelesaian:
        return "Arsip"  # a Berita Acara is addressed to nobody; it stays in the file
    if doc.kind is Doc.pemberitahuan:
        return f"{sapaan(case)[0]} {case.nama_pelapor}"
    return case.nama_pelapor


def copies(case: Case, cfg: Config, doc: Document, instansi: str = "") -> Rincian:
    """The letter's Tembusan from config; "{instansi_lain}" = the case's other agencies."""
    lines: list[str] = []
    for line in getattr(cfg.tembusan, doc.kind.value):
        if line.strip() == INSTANSI_LAIN:
            others = case.instansi if doc.step >= 4 else ()
            lines += [agency_addressee(case, cfg, name)["jabatan"] for name in others
                      if name != instansi]
        elif line.strip():
            lines.append(line.replace("{desa}", case.desa))
    return Rincian(lines)


# ---------------------------------------------------------------- people


def _pejabat(p: Pejabat) -> dict[str, str]:
    return {"jabatan": p.jabatan, "nama": p.nama, "pangkat": p.pangkat, "nip": str(p.nip)}


def _kantor(cfg: Config) -> dict[str, str]:
    k = cfg.kantor
    return {"pemerintah": k.pemerintah, "nama": k.nama, "alamat": k.alamat,
            "kode_pos": k.kode_pos, "telepon": k.telepon, "faksimile": k.faksimile,
            "laman": k.laman, "email": k.email, "tempat": k.tempat}


def sapaan(case: Case) -> tuple[str, str]:
    """How a letter addresses the reporter: ("Sdri.", "Saudari") for a woman, known from
    the NIK (a woman's day of birth is written plus 40: digits 7-8 are 41..71), else the
    neutral ("Sdr.", "Saudara")."""
    nik = str(case.nik_pelapor)
    if len(nik) == 16 and nik.isdigit() and 41 <= int(nik[6:8]) <= 71:
        return "Sdri.", "Saudari"
    return "Sdr.", "Saudara"


def _pelapor(case: Case) -> dict[str, str]:
    short, word = sapaan(case)
    return {"nama": case.nama_pelapor, "nik": str(case.nik_pelapor) or KOSONG,
            "alamat": case.alamat_pelapor or KOSONG,
            "telepon": str(case.telepon_pelapor) or KOSONG, "sapaan": short, "saudara": word}


def contact_person(cfg: Config) -> dict[str, str]:
    """The step-4 letter's narahubung: the Kasi, with the office phone if the Kasi has none."""
    kasi = cfg.pejabat.kasi
    return {"nama": kasi.nama, "jabatan": kasi.jabatan,
            "telepon": kasi.telepon or cfg.kantor.telepon}


def staff_nip(cfg: Config, name: str) -> str:
    """A staff member's NIP from [daftar] nip_petugas (names compared case-insensitively)."""
    folded = " ".join(name.split()).casefold()
    for key, nip in cfg.daftar.nip_petugas.items():
        if " ".join(key.split()).casefold() == folded:
            return str(nip).strip()
    return ""


# ---------------------------------------------------------------- SMS texts


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fit(template: str, shorten: tuple[str, ...], **parts: str) -> str:
    """`template` filled on one line; the parts named in `shorten` (in that order) are cut
    with '…' until the text is at most SMS_MAKS characters. Other parts stay whole."""
    values = {k: _one_line(v) for k, v in parts.items()}
    for key in shorten:
        over = len(template.format(**values)) - SMS_MAKS
        if over <= 0:
            break
        keep = max(len(values[key]) - over - 1, 8)
        values[key] = values[key][:keep].rstrip() + "…"
    text = template.format(**values)
    return text if len(text) <= SMS_MAKS else text[:SMS_MAKS - 1] + "…"


def _kantor_singkat(cfg: Config) -> str:
    return _one_line(cfg.kantor.nama).title()


def sms_text(case: Case, cfg: Config, doc: Document) -> str | None:
    """The ready-to-send SMS text of a document that has one, else None (≤ 320 characters).

    Step 1 when the report came by SMS or Telepon: the No. Laporan confirmed. Step 7 when
    the reporter is told by SMS: the result. Filed by the executor as a .txt beside it.
    """
    if doc.kind is Doc.tanda_terima and case.cara_lapor in ("SMS", "Telepon"):
        when = _time(case, 1)
        short, word = sapaan(case)
        return _fit(f"Yth. {short} {{nama}}, laporan {word} tentang dugaan pelanggaran Perda "
                    "di Desa {desa} telah kami terima pada {waktu} dengan No. Laporan {no}. "
                    "Sebutkan nomor ini bila menanyakan perkembangannya. {kantor}", ("nama",),
                    kantor=_kantor_singkat(cfg), desa=case.desa, waktu=when.lengkap,
                    no=case.no_laporan, nama=case.nama_pelapor)
    if doc.kind is Doc.catatan_pemberitahuan and case.cara_pemberitahuan == "SMS":
        short, word = sapaan(case)
        return _fit(f"Yth. {short} {{nama}}, laporan {word} No. {{no}} telah ditangani. "
                    f"Status: {{status}}. Hasil: {{hasil}} Terima kasih atas kepedulian {word}. "
                    "{kantor}",
                    ("hasil", "nama"), kantor=_kantor_singkat(cfg), no=case.no_laporan,
                    status=case.status_akhir, nama=case.nama_pelapor, hasil=case.hasil)
    return None


# ---------------------------------------------------------------- per step


def _time(case: Case, step: int) -> Waktu:
    """A done step's time (without "pukul" when typed as a date only); a step not done
    here is a caller's bug."""
    when = case.step_time(step)
    if when is None:
        raise ValueError(f"case {case.case_id}: step {step} is not done")
    return Waktu.of(when, case.has_time(STEPS[step - 1].time_key))


def _disposition(case: Case, cfg: Config, rujukan: Mapping[str, Rujukan]) -> dict[str, Any]:
    """Step 3: the sheet disposes of the step-2 Nota Dinas; the 'Harap' checklist."""
    sifat = case.sifat or SIFAT[0]
    boxes = {s.lower().replace(" ", "_"): TANDA_YA if s == sifat else TANDA_TIDAK
             for s in SIFAT}
    nota = rujukan.get(Doc.nota_dinas.value)
    chosen = {s.casefold() for s in case.instruksi}
    listed = list(cfg.disposisi.instruksi)
    listed += [s for s in case.instruksi if s.casefold() not in {x.casefold() for x in listed}]
    harap = [{"teks": s, "dipilih": s.casefold() in chosen,
              "tanda": TANDA_YA if s.casefold() in chosen else TANDA_TIDAK} for s in listed]
    return {"waktu_disposisi": _time(case, 3), "sifat": sifat, "tanda_sifat": boxes,
            "isi_disposisi": case.isi_disposisi, "instruksi": Rincian(case.instruksi),
            "harap": harap,
            "rahasia": sifat == "Rahasia",
            "nota_dinas": {"nomor": nota.nomor if nota else "",
                           "agenda": str(nota.urut) if nota else "",
                           "tanggal": indo.tanggal(nota.tanggal) if nota
                           else _time(case, 2).tanggal,
                           "hal": HAL[Doc.nota_dinas]}}


def _coordination(case: Case) -> dict[str, Any]:
    """Step 4: the agencies, what is asked of them, when and where the joint action is."""
    jadwal = case.jadwal_tindakan
    return {"waktu_koordinasi": _time(case, 4), "daftar_instansi": Rincian(case.instansi),
            "tindakan": case.tindakan,
            "jadwal_tindakan": Waktu.of(jadwal, case.has_time("jadwal_tindakan")) if jadwal
            else None,
            "tempat_tindakan": case.tempat_tindakan or f"{case.lokasi}, Desa {case.desa}"}


def _settlement(case: Case, rujukan: Mapping[str, Rujukan]) -> dict[str, Any]:
    """Step 6: the report to the Camat, with the step-5 Berita Acara as its attachment."""
    ba = rujukan.get(Doc.bukti_penyelesaian.value)
    name = HAL[Doc.bukti_penyelesaian]
    lampiran = f"1 (satu) berkas {name}" + (f" Nomor {ba.nomor}" if ba else "")
    return {"waktu_lapor_camat": _time(case, 6), "lampiran": lampiran,
            "berita_acara": {"nomor": ba.nomor if ba else "",
                             "tanggal": indo.tanggal(ba.tanggal) if ba
                             else _time(case, 5).tanggal}}


def _step_values(case: Case, cfg: Config, step: int,
                 rujukan: Mapping[str, Rujukan]) -> dict[str, Any]:
    """The variables step `step` (2..7) adds to the context."""
    if step == 2:
        return {"waktu_diteruskan": _time(case, 2)}
    if step == 3:
        return _disposition(case, cfg, rujukan)
    if step == 4:
        return _coordination(case)
    if step == 5:
        return {"waktu_selesai": _time(case, 5), "status_akhir": case.status_akhir,
                "hasil": case.hasil, "terlapor": case.terlapor, "saksi": Rincian(case.saksi)}
    if step == 6:
        return _settlement(case, rujukan)
    return {"waktu_pemberitahuan": _time(case, 7),
            "cara_pemberitahuan": case.cara_pemberitahuan}


def contents(case: Case, cfg: Config, doc: Document, nomor: str, instansi: str = "", *,
             konsep: bool = False, rujukan: Mapping[str, Rujukan] | None = None
             ) -> dict[str, Any]:
    """The variables of one letter, before cleaning (see render.build_context)."""
    if doc.per_agency != bool(instansi):
        raise ValueError(f"{doc.kind}: instansi is required for, and only for, "
                         f"per-agency documents (got {instansi!r})")
    if instansi and instansi not in case.instansi:
        raise ValueError(f"case {case.case_id}: {instansi!r} is not one of its agencies")
    tanggal = _time(case, doc.step).tanggal
    ctx: dict[str, Any] = {
        "kantor": _kantor(cfg), "camat": _pejabat(cfg.pejabat.camat),
        "sekcam": _pejabat(cfg.pejabat.sekcam), "kasi": _pejabat(cfg.pejabat.kasi),
        "judul": doc.title, "hal": letter_subject(doc), "nomor_surat": nomor,
        "tanggal_surat": tanggal, "tempat_tanggal": f"{cfg.kantor.tempat}, {tanggal}",
        "no_laporan": case.no_laporan, "waktu_lapor": _time(case, 1),
        "cara_lapor": case.cara_lapor, "pelapor_hadir": case.cara_lapor == HADIR,
        "desa": case.desa, "lokasi": case.lokasi, "perda": case.perda, "uraian": case.uraian,
        "petugas": case.petugas, "nip_petugas": staff_nip(cfg, case.petugas),
        "konsep": konsep, "rahasia": False, "tembusan": copies(case, cfg, doc, instansi),
        "teks_sms": sms_text(case, cfg, doc) or "",
    }
    if doc.names_reporter:
        ctx["pelapor"] = _pelapor(case)
    if doc.per_agency:
        ctx["instansi"] = instansi
        ctx["tujuan"] = agency_addressee(case, cfg, instansi)
        ctx["narahubung"] = contact_person(cfg)
    for step in range(2, doc.step + 1):
        ctx.update(_step_values(case, cfg, step, rujukan or {}))
    return ctx
