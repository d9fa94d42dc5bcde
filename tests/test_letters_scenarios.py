"""Issue 9 and 10 scenarios, end to end: files' sha256 before and after prove nothing was
overwritten; numbers are read back from the letters themselves."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

import docx
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.layout import MAX_NAME
from pipeline.process import finish_batch, open_state, process_file, recover
from tests.conftest import full_row, write_intake
from tests.test_watch import wait_until

NUMBER = re.compile(r"300\.1/\d{3}/Kec\.Krj/\d{4}")
NOTA = "02-penerusan-ke-camat/LP-001 - Nota Dinas Penerusan Laporan.docx"


def run(path: Path, cfg):
    """Process one file with a fresh state connection, as a run would."""
    state = open_state(cfg)
    try:
        recover(cfg, state)
        outcome = process_file(path, cfg, state)
        finish_batch(cfg, state, [outcome])
        return outcome
    finally:
        state.close()


def hashes(root: Path, pattern: str = "*.docx") -> dict[str, str]:
    """sha256 of every matching file under a folder, by relative path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob(pattern)) if p.is_file()}


def text_of(path: Path) -> str:
    """All text of a letter: paragraphs, tables, headers."""
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def numbers_in(path: Path) -> set[str]:
    """The letter numbers printed in a letter."""
    return set(NUMBER.findall(text_of(path)))


def marked_konsep(path: Path) -> bool:
    """Whether a letter carries the KONSEP mark (the watermark lives in its headers)."""
    with zipfile.ZipFile(path) as package:
        return any(b"KONSEP" in package.read(name) for name in package.namelist()
                   if name.startswith("word/header"))


def agenda_rows(cfg, tahun: int) -> list[dict[str, object]]:
    """The Buku Agenda's table rows as dicts by header."""
    ws = load_workbook(cfg.outbox / str(tahun) / f"Buku Agenda {tahun}.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if row and row[0] == "No. Urut")
    return [dict(zip(rows[at], row, strict=False)) for row in rows[at + 1:] if row[0]]


def early_steps(**changes: object) -> dict[str, object]:
    """A row with only steps 1 and 2 done."""
    return full_row(waktu_disposisi=None, sifat=None, isi_disposisi=None,
                    waktu_koordinasi=None, instansi=None, tindakan=None, waktu_selesai=None,
                    status_akhir=None, hasil=None, waktu_lapor_camat=None,
                    waktu_pemberitahuan=None, cara_pemberitahuan=None, **changes)


# --- 9.5 number, folder and register agree on the year ----------------------------------

def test_correction_across_new_year_makes_a_letter_of_that_year(make_intake, cfg):
    row = early_steps(waktu_lapor=datetime(2025, 12, 31, 23, 50),
                      waktu_diteruskan=datetime(2026, 1, 1, 0, 10))
    run(make_intake([row]), cfg)
    old = cfg.outbox / "2026" / NOTA
    assert numbers_in(old) == {"300.1/001/Kec.Krj/2026"}
    before = hashes(cfg.outbox)

    row["waktu_diteruskan"] = datetime(2025, 12, 31, 23, 59)
    run(make_intake([row]), cfg)
    new = cfg.outbox / "2025" / NOTA
    assert numbers_in(new) == {"300.1/002/Kec.Krj/2025"}  # number, folder and year agree
    after = hashes(cfg.outbox)
    assert {k: after[k] for k in before} == before  # the 2026 letter is kept as it was
    assert [(r["No. Urut"], r["Nomor Surat"]) for r in agenda_rows(cfg, 2025)] == [
        (1, "300.1/001/Kec.Krj/2025"), (2, "300.1/002/Kec.Krj/2025")]
    [replaced] = agenda_rows(cfg, 2026)
    assert replaced["Nomor Surat"] == "300.1/001/Kec.Krj/2026"
    assert replaced["Keterangan"] == "diganti dengan 300.1/002/Kec.Krj/2025"


# --- 9.3 two cases whose flat names collide ------------------------------------------------

RECEIPTS = "2024/01-penerimaan-laporan/"
DPUPR = "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Karanganyar"


def agenda_paths(cfg, tahun: int = 2024) -> list[str]:
    """The Berkas column of a year's Buku Agenda."""
    return [str(r["Berkas"]) for r in agenda_rows(cfg, tahun)]


def pending(cfg) -> list[str]:
    """The paths of letters the state still has waiting to be filed."""
    state = open_state(cfg)
    try:
        return [x.path for x in state.pending_letters()]
    finally:
        state.close()


def test_numbers_that_flatten_alike_in_one_workbook_get_two_files(make_intake, office, cfg):
    # Was: 'LP/001' and 'LP-001' both became 'LP-001 - …'; the guard refused to overwrite,
    # so the second report's letters stayed pending for ever, never filed.
    make_intake([full_row(1, no_laporan="LP/001"), full_row(2, no_laporan="LP-001")])
    assert main(["run", "--config", str(office / "config.toml")]) == 0
    filed = hashes(cfg.outbox)
    assert len(filed) == 2 * 8
    receipts = sorted(p for p in filed if p.startswith(RECEIPTS))
    assert len(receipts) == 2
    printed = [numbers_in(cfg.outbox / p) for p in receipts]
    assert all(len(n) == 1 for n in printed) and printed[0] != printed[1]
    paths = agenda_paths(cfg)
    assert len(paths) == len(set(paths)) == 14 and set(paths) <= set(filed)
    assert pending(cfg) == []


def test_drafts_of_numbers_that_flatten_alike_get_two_files(placeholder_office):
    # Drafts (config.toml not filled yet) follow the same rule: neither report's draft is
    # lost to the other's name.
    rows = [full_row(1, no_laporan="LP/001"), full_row(2, no_laporan="LP-001")]
    write_intake(placeholder_office / "inbox" / "laporan.xlsx", rows)
    config = str(placeholder_office / "config.toml")
    assert main(["run", "--config", config]) == 0
    drafts = placeholder_office / "outbox" / "_konsep"
    receipts = sorted(p for p in hashes(drafts) if p.startswith(RECEIPTS))
    assert len(receipts) == 2 and len(hashes(drafts)) == 2 * 8
    readers = {p: docx.Document(str(drafts / p)) for p in receipts}
    typed = {p: "\n".join(par.text for par in d.paragraphs) for p, d in readers.items()}
    assert sum("LP/001" in t for t in typed.values()) == 1  # one draft per report
    assert sum("LP-001" in t for t in typed.values()) == 1
    assert main(["run", "--config", config]) == 0  # drafts are made again: same two files
    assert sorted(p for p in hashes(drafts) if p.startswith(RECEIPTS)) == receipts


def test_a_taken_flat_name_gets_a_marked_one_that_later_versions_keep(make_intake, cfg):
    # Two saves: the second report's letters must not stay pending behind the first's files;
    # its new versions keep its marked name (and the version suffix, within 120 characters).
    first_row = full_row(1, no_laporan="LP/2026/00123/TRANTIB/KRJ", instansi=DPUPR)
    run(make_intake([first_row]), cfg)
    first = hashes(cfg.outbox)
    plain = RECEIPTS + "LP-2026-00123-TRANTIB-KRJ - Tanda Terima Laporan.docx"
    assert plain in first

    rows = [first_row, full_row(2, no_laporan="LP-2026-00123-TRANTIB-KRJ", instansi=DPUPR)]
    run(make_intake(rows), cfg)
    second = hashes(cfg.outbox)
    assert {k: second[k] for k in first} == first  # the first report's files untouched
    new = sorted(set(second) - set(first))
    assert len(new) == len(first) == 7
    [receipt] = [p for p in new if p.startswith(RECEIPTS)]
    mark = PurePosixPath(receipt).name.removesuffix(" - Tanda Terima Laporan.docx")
    assert mark.startswith("LP-2026-00123-TRANTIB-KRJ ~")  # the case's mark
    assert all(PurePosixPath(p).name.startswith(mark) for p in new)
    assert numbers_in(cfg.outbox / receipt) == {"300.1/007/Kec.Krj/2024"}
    assert numbers_in(cfg.outbox / plain) == {"300.1/001/Kec.Krj/2024"}
    paths = agenda_paths(cfg)
    assert len(paths) == len(set(paths)) == 12 and set(paths) <= set(second)
    assert pending(cfg) == []

    rows[1] = {**rows[1], "uraian": "Uraian yang diperbaiki oleh petugas."}
    run(make_intake(rows), cfg)
    third = hashes(cfg.outbox)
    assert {k: third[k] for k in second} == second  # neither report's files replaced
    versions = sorted(set(third) - set(second))
    assert len(versions) == 7
    names = [PurePosixPath(p).name for p in versions]
    assert all(n.startswith(mark) and n.endswith(" (versi 2).docx") for n in names)
    assert all(len(n) <= MAX_NAME for n in names)
    [again] = [p for p in versions if p.startswith(RECEIPTS)]
    assert numbers_in(cfg.outbox / again) == {"300.1/007/Kec.Krj/2024"}  # same number
    assert len(set(agenda_paths(cfg))) == 12


# --- 9.4 one identity per case ------------------------------------------------------------

def test_retyped_number_in_other_case_is_the_same_report(make_intake, cfg):
    run(make_intake([full_row(no_laporan="LP-100")]), cfg)
    before = hashes(cfg.outbox)
    first_numbers = set().union(*(numbers_in(cfg.outbox / p) for p in before))
    run(make_intake([full_row(no_laporan="lp\u200b-100 ")]), cfg)
    after = hashes(cfg.outbox)
    assert {k: after[k] for k in before} == before
    numbers = set().union(*(numbers_in(cfg.outbox / p) for p in after))
    assert numbers == first_numbers  # new versions at most, never new numbers
    state = open_state(cfg)
    assert [c.case_id for c in state.cases()] == ["2024/LP-100"]
    state.close()


def test_numbers_differing_only_invisibly_in_one_workbook_are_one_report(make_intake, cfg):
    outcome = run(make_intake([full_row(1), full_row(1, no_laporan="LP-\u200b001",
                                                      nama_pelapor="Orang Lain")]), cfg)
    assert [(p.code, p.row) for p in outcome.problems] == [("no-laporan-ganda", 4)]
    assert all("Orang Lain" not in text_of(p) for p in cfg.outbox.rglob("*.docx"))


def test_same_report_in_two_workbooks_with_other_content_is_a_conflict(make_intake, cfg):
    run(make_intake([full_row(1)], name="siti.xlsx"), cfg)
    before = hashes(cfg.outbox)
    other = make_intake([full_row(2), full_row(1, nama_pelapor="Orang Lain")], name="budi.xlsx")
    outcome = run(other, cfg)
    assert [(p.code, p.row) for p in outcome.problems] == [("laporan-ganda-antarberkas", 4)]
    message = outcome.problems[0].message
    assert "siti.xlsx baris 3" in message and "budi.xlsx" in message
    assert {r.case_id for r in outcome.letters} == {"2024/LP-002"}  # the other row goes on
    after = hashes(cfg.outbox)
    assert {k: after[k] for k in before} == before
    assert not [k for k in after if "LP-001" in k and "versi" in k]
    assert all("Orang Lain" not in text_of(cfg.outbox / k) for k in after)
    report = cfg.outbox / "_perlu-perbaikan" / "budi - perlu perbaikan.txt"
    assert "siti.xlsx" in report.read_text("utf-8-sig")


HELD_REPORT = "_perlu-perbaikan/budi - perlu perbaikan.txt"


def held_budi(make_intake, config: str, cfg) -> Path:
    """siti.xlsx holds LP-001 and LP-003; budi.xlsx has LP-001 with other content (held)."""
    make_intake([full_row(1), full_row(3)], name="siti.xlsx")
    assert main(["run", "--config", config]) == 0
    budi = make_intake([full_row(2), full_row(1, nama_pelapor="Orang Lain")], name="budi.xlsx")
    assert main(["run", "--config", config]) == 1
    assert "siti.xlsx" in (cfg.outbox / HELD_REPORT).read_text("utf-8-sig")
    assert not [p for p in cfg.outbox.rglob("*.docx") if "Orang Lain" in text_of(p)]
    return budi


def test_a_held_row_goes_on_at_the_next_run_once_the_other_workbook_drops_it(make_intake,
                                                                              office, cfg):
    # Was: budi.xlsx, unchanged, was skipped at every run; its row waited until someone
    # saved it again, although siti.xlsx no longer held the report.
    config = str(office / "config.toml")
    budi = held_budi(make_intake, config, cfg)
    saved = (budi.stat().st_mtime_ns, hashlib.sha256(budi.read_bytes()).hexdigest())
    before = hashes(cfg.outbox)
    make_intake([full_row(3)], name="siti.xlsx")  # the clerk deletes her copy of LP-001
    assert main(["run", "--config", config]) == 0
    assert not (cfg.outbox / HELD_REPORT).exists()
    after = hashes(cfg.outbox)
    assert {k: after[k] for k in before} == before  # siti's letters stay as they were
    made = [k for k in after if k not in before]
    assert len(made) == 8 and all("LP-001" in k and "(versi 2)" in k for k in made)
    texts = [text_of(cfg.outbox / k) for k in made]  # budi's data now, the same numbers
    assert not any("Siti Rahayu" in t for t in texts)
    assert "Orang Lain" in text_of(cfg.outbox / RECEIPTS / "LP-001 - Tanda Terima Laporan "
                                   "(versi 2).docx")
    assert (budi.stat().st_mtime_ns, hashlib.sha256(budi.read_bytes()).hexdigest()) == saved
    assert main(["run", "--config", config]) == 0  # and then it is settled
    assert hashes(cfg.outbox) == after


def test_a_held_row_is_let_go_at_the_next_run_once_both_agree(make_intake, office, cfg):
    config = str(office / "config.toml")
    held_budi(make_intake, config, cfg)
    make_intake([full_row(1, nama_pelapor="Orang Lain"), full_row(3)], name="siti.xlsx")
    assert main(["run", "--config", config]) == 0
    assert not (cfg.outbox / HELD_REPORT).exists()  # nothing left to correct in budi.xlsx
    state = open_state(cfg)
    assert state.case_source("2024/LP-001")[0] == "siti.xlsx"
    state.close()


def test_a_held_row_stays_held_when_the_other_workbook_is_only_renamed(make_intake, office,
                                                                          cfg):
    config = str(office / "config.toml")
    held_budi(make_intake, config, cfg)
    before = hashes(cfg.outbox)
    (office / "inbox" / "siti.xlsx").rename(office / "inbox" / "siti-september.xlsx")
    assert main(["run", "--config", config]) == 1
    assert "siti-september.xlsx" in (cfg.outbox / HELD_REPORT).read_text("utf-8-sig")
    assert hashes(cfg.outbox) == before  # no letter from budi's row
    assert not (cfg.outbox / "_perlu-perbaikan" / "siti - perlu perbaikan.txt").exists()


def test_a_held_row_stays_held_when_the_renamed_workbook_is_read_after_it(make_intake,
                                                                         office, cfg):
    # Was: `perda run` reads the oldest file first; budi.xlsx, older, found siti.xlsx gone
    # (renamed, not read yet under its new name) and took LP-001 over with its own data.
    config = str(office / "config.toml")
    budi = held_budi(make_intake, config, cfg)
    siti = office / "inbox" / "siti.xlsx"
    os.utime(budi, (siti.stat().st_mtime - 3600,) * 2)  # budi.xlsx is read first
    before = hashes(cfg.outbox)
    siti.rename(office / "inbox" / "siti-september.xlsx")
    assert main(["run", "--config", config]) == 1
    assert "siti-september.xlsx" in (cfg.outbox / HELD_REPORT).read_text("utf-8-sig")
    assert hashes(cfg.outbox) == before  # no letter from budi's row
    state = open_state(cfg)
    assert state.case_source("2024/LP-001")[0] == "siti-september.xlsx"
    state.close()


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM to a child is POSIX-only")
def test_the_watcher_lets_a_held_row_go_on_when_the_other_workbook_is_deleted(office, cfg):
    from tests.conftest import write_intake as write

    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "watch", "--config",
                             str(office / "config.toml")], cwd=office,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    letters = lambda: list(cfg.outbox.rglob("*.docx"))  # noqa: E731
    try:
        assert wait_until(lambda: (office / "state" / "perda.lock").exists())
        write(office / "inbox" / "siti.xlsx", [full_row(1)])
        assert wait_until(lambda: len(letters()) == 8)
        write(office / "inbox" / "budi.xlsx", [full_row(2), full_row(1, nama_pelapor="Orang Lain")])
        assert wait_until(lambda: len(letters()) == 16 and (cfg.outbox / HELD_REPORT).exists())
        (office / "inbox" / "siti.xlsx").unlink()  # budi.xlsx is not touched
        assert wait_until(lambda: len(letters()) == 24 and not (cfg.outbox / HELD_REPORT).exists())
        made = [p for p in letters() if "LP-001" in p.name and "(versi 2)" in p.name]
        assert len(made) == 8
        assert "Orang Lain" in text_of(next(p for p in made if "Tanda Terima" in p.name))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        proc.wait()


def test_same_report_with_the_same_content_in_two_workbooks_is_fine(make_intake, cfg):
    run(make_intake([full_row(1)], name="siti.xlsx"), cfg)
    before = hashes(cfg.outbox)
    outcome = run(make_intake([full_row(1)], name="salinan.xlsx"), cfg)
    assert (outcome.status, outcome.problems, outcome.letters) == ("ok", [], [])
    assert hashes(cfg.outbox) == before


# --- 9.1 withdraw --------------------------------------------------------------------------

def test_removed_agency_is_withdrawn_not_deleted(make_intake, cfg):
    run(make_intake([full_row()]), cfg)
    before = hashes(cfg.outbox)
    satpol = [k for k in before if "Satuan Polisi" in k]
    run(make_intake([full_row(instansi="Satuan Polisi Pamong Praja Kabupaten Karanganyar")]),
        cfg)
    after = hashes(cfg.outbox)
    assert {k: after[k] for k in before} == before
    rows = {r["Tujuan"]: r for r in agenda_rows(cfg, 2024)}
    withdrawn = [r for r in rows.values() if r["Keterangan"]]
    assert [str(r["Keterangan"]) for r in withdrawn] == ["ditarik (tidak diperlukan lagi)"]
    assert "Pemerintah Desa" in str(withdrawn[0]["Berkas"])
    assert satpol and all(k in after for k in satpol)


def test_notice_by_sms_withdraws_the_letter_and_files_the_note(make_intake, cfg):
    run(make_intake([full_row()]), cfg)
    letter = [r for r in agenda_rows(cfg, 2024) if r["Langkah"].startswith("7.")]
    run(make_intake([full_row(cara_pemberitahuan="SMS")]), cfg)
    step7 = [r for r in agenda_rows(cfg, 2024) if r["Langkah"].startswith("7.")]
    assert [(r["No. Urut"], r["Keterangan"]) for r in step7] == [
        (letter[0]["No. Urut"], "ditarik (tidak diperlukan lagi)")]
    notes = list((cfg.outbox / "2024" / "07-pemberitahuan-pelapor").glob("*Catatan*.docx"))
    assert len(notes) == 1 and not NUMBER.search(text_of(notes[0]))


# --- 9.2 perda run --coba and perda terbitkan-ulang -----------------------------------------

def test_coba_prints_the_plan_and_writes_nothing(make_intake, office, cfg, capsys):
    make_intake([full_row()])
    before = hashes(office, "*")
    assert main(["run", "--coba", "--config", str(office / "config.toml")]) == 0
    out = capsys.readouterr().out
    assert "LP-001 (2024) · Tanda Terima Laporan · baru: nomor 300.1/001/Kec.Krj/2024" in out
    assert "Lembar Disposisi · baru: tanpa nomor" in out
    assert hashes(office, "*") == before
    assert not (office / "state").exists() and not (office / "outbox").exists()

    assert main(["run", "--config", str(office / "config.toml")]) == 0
    make_intake([full_row(hasil="Hasil yang diperbaiki.")])
    before = hashes(office, "*")
    capsys.readouterr()
    assert main(["run", "--coba", "--config", str(office / "config.toml")]) == 0
    out = capsys.readouterr().out
    assert "Laporan Hasil Penyelesaian · versi baru: nomor 300.1/006/Kec.Krj/2024 versi 2" in out
    assert "Tanda Terima Laporan · tetap" in out
    assert hashes(office, "*") == before


def test_terbitkan_ulang_makes_new_versions_with_the_same_numbers(make_intake, office, cfg,
                                                                   capsys):
    config = str(office / "config.toml")
    make_intake([full_row(1), full_row(2)])
    assert main(["run", "--config", config]) == 0
    before = hashes(cfg.outbox)
    assert main(["terbitkan-ulang", "--langkah", "1", "--no-laporan", "lp-002",
                 "--config", config]) == 0
    after = hashes(cfg.outbox)
    assert {k: after[k] for k in before} == before  # old files kept
    [new] = [k for k in after if k not in before]
    assert new == "2024/01-penerimaan-laporan/LP-002 - Tanda Terima Laporan (versi 2).docx"
    old = new.replace(" (versi 2)", "")
    assert numbers_in(cfg.outbox / new) == numbers_in(cfg.outbox / old)
    versions = [(r["Nomor Surat"], r["Versi"]) for r in agenda_rows(cfg, 2024)
                if r["No. Laporan"] == "LP-002" and str(r["Langkah"]).startswith("1.")]
    assert versions == [(numbers_in(cfg.outbox / old).pop(), 2)]


# --- 10.5 drafts while the config is not filled -------------------------------------------

def test_drafts_on_the_shipped_config_then_numbers_from_one(placeholder_office, capsys):
    from tests.office_values import fill_office

    office = placeholder_office
    config = str(office / "config.toml")
    write_intake(office / "inbox" / "laporan.xlsx", [full_row()])
    assert main(["run", "--config", config]) == 0
    assert "konsep" in capsys.readouterr().out
    drafts = sorted((office / "outbox" / "_konsep" / "2024").rglob("*.docx"))
    assert len(drafts) == 8
    assert not any(NUMBER.search(text_of(p)) for p in drafts)
    assert all(marked_konsep(p) for p in drafts)
    assert not (office / "outbox" / "2024").exists()  # no letter, no Buku Agenda
    state = open_state(fill_office(office))
    assert state.counters() == {} and state.all_letters() == []
    state.close()

    assert main(["run", "--config", config]) == 0
    receipt = office / "outbox" / "2024" / "01-penerimaan-laporan" / \
        "LP-001 - Tanda Terima Laporan.docx"
    assert numbers_in(receipt) == {"300.1/001/Kec.Krj/2024"}
    cfg = fill_office(office)
    assert [r["No. Urut"] for r in agenda_rows(cfg, 2024)] == list(range(1, 8))


# --- 10.6 numbers in date order -----------------------------------------------------------

def test_a_backlog_is_numbered_in_date_order(make_intake, cfg):
    late = full_row(1)
    early = {k: (v - timedelta(days=10) if isinstance(v, datetime) else v)
             for k, v in full_row(2).items()}
    run(make_intake([late, early]), cfg)
    rows = agenda_rows(cfg, 2024)
    dates = [r["Tanggal"] for r in rows]
    assert [r["No. Urut"] for r in rows] == list(range(1, 15))
    assert dates == sorted(dates)
    assert rows[0]["No. Laporan"] == "LP-002"


# --- 9.1 SMS text and references ------------------------------------------------------------

def test_sms_text_is_filed_beside_its_letter(make_intake, cfg, monkeypatch):
    from pipeline import render

    monkeypatch.setattr(render, "sms_text", lambda case, cfg, doc: (
        f"Laporan {case.no_laporan} diterima." if doc.step == 1 else None))
    run(make_intake([full_row()]), cfg)
    sms = cfg.outbox / "2024" / "01-penerimaan-laporan" / "LP-001 - Tanda Terima Laporan.txt"
    assert sms.read_text("utf-8") == "Laporan LP-001 diterima."
    assert len(list(cfg.outbox.rglob("*.txt"))) == 1


def test_disposition_and_report_get_the_numbers_they_refer_to(make_intake, cfg, monkeypatch):
    from pipeline import render

    seen: dict[str, object] = {}
    real = render.build_context

    def spy(case, cfg, doc, nomor, instansi="", **kwargs):
        seen[doc.kind.value] = kwargs.get("rujukan")
        return real(case, cfg, doc, nomor, instansi, **kwargs)

    monkeypatch.setattr(render, "build_context", spy)
    run(make_intake([full_row()]), cfg)
    nota = numbers_in(cfg.outbox / "2024" / NOTA).pop()
    assert seen["disposisi"]["nota_dinas"].nomor == nota  # type: ignore[index]
    bukti = next((cfg.outbox / "2024" / "05-bukti-penyelesaian").glob("*.docx"))
    assert seen["laporan_hasil"]["bukti_penyelesaian"].nomor in numbers_in(bukti)  # type: ignore[index]
