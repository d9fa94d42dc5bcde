"""Minimal reproductions of what the archive walk (tests/test_archive_weeks.py) found."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime

import pytest

from pipeline.cli import main
from pipeline.stamp import read_stamp
from tests.conftest import full_row, write_intake
from tests.test_letters_scenarios import early_steps, hashes, numbers_in, run, text_of

NOTA = "02-penerusan-ke-camat/LP-001 - Nota Dinas Penerusan Laporan.docx"


def test_a_letter_moved_into_the_other_year_and_back_never_replaces_the_first(make_intake,
                                                                               cfg):
    # Found by the walk (seed 1 before the fix): Waktu Diteruskan typed 01/01/2026, then
    # corrected to 31/12/2025 (a new 2025 letter, the 2026 one marked replaced), then back
    # to 01/01/2026. The third letter, a new 2026 number, was filed over the first 2026
    # letter's file: same case, document, year and version 1 in its stamp, so the guard
    # took it for "an earlier state of the same letter". 300.1/001/Kec.Krj/2026 was gone.
    row = early_steps(waktu_lapor=datetime(2025, 12, 31, 23, 50),
                      waktu_diteruskan=datetime(2026, 1, 1, 0, 10))
    run(make_intake([row]), cfg)
    first = hashes(cfg.outbox)
    assert numbers_in(cfg.outbox / "2026" / NOTA) == {"300.1/001/Kec.Krj/2026"}
    row["waktu_diteruskan"] = datetime(2025, 12, 31, 23, 59)
    run(make_intake([row]), cfg)
    row["waktu_diteruskan"] = datetime(2026, 1, 1, 0, 20)
    run(make_intake([row]), cfg)
    after = hashes(cfg.outbox)
    assert {k: after[k] for k in first} == first  # the first 2026 letter is still there
    new = [k for k in after if k.startswith("2026/") and k not in first]
    assert len(new) == 1  # the letter of its third date, filed beside the first
    assert numbers_in(cfg.outbox / new[0]) == {"300.1/002/Kec.Krj/2026"}
    assert read_stamp(cfg.outbox / new[0])["urut"] == 2


def perda(office, *args: str) -> int:
    return main([*args, "--config", str(office / "config.toml")])


def test_an_archived_year_is_not_made_again_when_the_state_database_is_lost(make_intake,
                                                                              office, cfg):
    # Found by the walk (seed 3 before the fix): outbox/2026 moved out to archive it, then
    # state/perda.sqlite3 lost (its backups and snapshots still in state/). outbox/ held no
    # letter, so `perda run` started a new database and made every 2026 letter again —
    # 300.1/001/Kec.Krj/2026 twice in the world, once in the archive, once in outbox/.
    make_intake([early_steps(waktu_lapor=datetime(2026, 1, 1, 8),
                             waktu_diteruskan=datetime(2026, 1, 1, 9))])
    assert perda(office, "run") == 0
    shutil.move(str(cfg.outbox / "2026"), str(office / "arsip-2026"))
    for lost in cfg.state_dir.glob("perda.sqlite3*"):
        lost.unlink()
    assert perda(office, "run") == 2  # refuses, naming perda pulihkan
    assert perda(office, "pulihkan") == 0  # the backup knows the archived letters
    assert perda(office, "run") == 0
    assert not list(cfg.outbox.rglob("*.docx"))  # nothing made again
    make_intake([early_steps(waktu_lapor=datetime(2026, 1, 1, 8),
                             waktu_diteruskan=datetime(2026, 1, 1, 9)),
                 early_steps(no_laporan="LP-002", waktu_lapor=datetime(2026, 1, 2, 8),
                             waktu_diteruskan=datetime(2026, 1, 2, 9))])
    assert perda(office, "run") == 0
    made = sorted(read_stamp(p)["nomor"] for p in cfg.outbox.rglob("*.docx"))
    assert made == ["300.1/003/Kec.Krj/2026", "300.1/004/Kec.Krj/2026"]  # numbering goes on


@pytest.mark.parametrize("siti_saved_last", [False, True])
def test_a_row_held_as_a_conflict_stays_held_after_the_state_is_rebuilt(make_intake, office,
                                                                       cfg, siti_saved_last):
    # Found by probing what the walk's lose_state + copy_row do together: siti.xlsx holds
    # LP-001; budi.xlsx has LP-001 with another reporter (held back, no letter). The state
    # database lost, `perda pulihkan` restored every report from the intake snapshots, the
    # latest one winning: budi's copy. The next run issued LP-001's letters again as new
    # versions naming "Orang Lain", although siti.xlsx still held the report.
    siti = make_intake([full_row(1)], name="siti.xlsx")
    assert perda(office, "run") == 0
    make_intake([full_row(2), full_row(1, nama_pelapor="Orang Lain")], name="budi.xlsx")
    assert perda(office, "run") == 1
    before = hashes(cfg.outbox)
    if siti_saved_last:  # processed first after the rebuild (oldest first)
        os.utime(siti, (siti.stat().st_mtime + 3600,) * 2)
    for lost in cfg.state_dir.glob("perda.sqlite3*"):
        lost.unlink()
    assert perda(office, "pulihkan") == 0
    assert perda(office, "run") == 1  # budi's row still waits for the conflict to go
    after = hashes(cfg.outbox)
    assert {k: after[k] for k in before} == before
    assert not [k for k in after if "Orang Lain" in text_of(cfg.outbox / k)]
    assert (cfg.outbox / "_perlu-perbaikan" / "budi - perlu perbaikan.txt").exists()


def test_no_numbered_letter_is_made_while_config_has_placeholders_after_pulihkan(
        make_intake, office, cfg):
    # Found by the walk (seed 3, with toggle_config and lose_state): config.toml back to
    # its placeholders (drafts), a new report saved (a draft only), the state lost and
    # rebuilt. `perda pulihkan` restored that report from its snapshot as "not settled",
    # and the next run's catch-up made its letters numbered — with "[NAMA CAMAT]" and
    # the other placeholders in them — although drafts were due.
    make_intake([full_row(1)])
    assert perda(office, "run") == 0
    filled = (office / "config.toml").read_text(encoding="utf-8")
    (office / "config.toml").write_text(filled.replace('nama = "Nama Camat Contoh"',
                                                       'nama = "[NAMA CAMAT]"'),
                                        encoding="utf-8")
    make_intake([full_row(1), full_row(2)])
    assert perda(office, "run") == 0  # LP-002: drafts
    before = hashes(cfg.outbox)
    for lost in cfg.state_dir.glob("perda.sqlite3*"):
        lost.unlink()
    assert perda(office, "pulihkan") == 0
    assert perda(office, "run") == 0
    made = [k for k in hashes(cfg.outbox) if k not in before and not k.startswith("_konsep/")]
    assert made == []  # drafts only, while the Camat's name is a placeholder
    (office / "config.toml").write_text(filled, encoding="utf-8")
    assert perda(office, "run") == 0  # filled again: LP-002's letters, numbered
    made = [k for k in hashes(cfg.outbox) if k not in before and not k.startswith("_konsep/")]
    assert len(made) == 8 and all("LP-002" in k for k in made)


def test_a_clerks_note_where_a_letters_sms_text_goes_is_left_alone(make_intake, cfg):
    # Found by the walk's clerk_file action: a clerk's own "LP-001 - Tanda Terima
    # Laporan.txt" in the step folder before the letter was made. The letter's place (the
    # .docx) was free, so the letter went there, and its SMS text was written over the
    # clerk's note with a plain replace.
    folder = cfg.outbox / "2024" / "01-penerimaan-laporan"
    folder.mkdir(parents=True)
    note = folder / "LP-001 - Tanda Terima Laporan.txt"
    note.write_bytes(b"catatan petugas: pelapor minta dihubungi sore hari\n")
    run(make_intake([full_row(1)]), cfg)  # reported by Telepon: step 1 has an SMS text
    assert note.read_bytes() == b"catatan petugas: pelapor minta dihubungi sore hari\n"
    receipts = [p for p in folder.glob("*.docx")]
    assert len(receipts) == 1
    sms = receipts[0].with_suffix(".txt")
    assert sms != note and "LP-001" in sms.read_text("utf-8")  # the SMS beside its letter


def test_an_archived_year_is_not_made_again_when_the_whole_state_folder_is_lost(
        make_intake, office, cfg):
    make_intake([early_steps(waktu_lapor=datetime(2026, 1, 1, 8),
                             waktu_diteruskan=datetime(2026, 1, 1, 9))])
    assert perda(office, "run") == 0
    shutil.move(str(cfg.outbox / "2026"), str(office / "arsip-2026"))
    # Found by the walk: with state/ lost as a whole (database, backups, snapshots) and the
    # year folder moved out, nothing left knew that year's letters; the next run made them
    # again with the same numbers. The copy of the newest backup under outbox/_cadangan/
    # stays when a year folder is moved: the run stops, pulihkan takes the letters from it.
    shutil.rmtree(cfg.state_dir)
    assert perda(office, "run") == 2  # stop and report: numbering now could repeat a number
    assert not list(cfg.outbox.rglob("*.docx"))
    assert perda(office, "pulihkan") == 0
    assert perda(office, "run") == 0
    assert not list(cfg.outbox.rglob("*.docx"))  # the archived letters are not made again


def test_a_letter_known_only_from_the_buku_agenda_keeps_its_case_across_new_year(
        make_intake, office, cfg):
    # Found by the walk (seed 9): LP-006 reported on 31/12/2025, its step-4 letters dated
    # 2026. With their files gone from outbox/ (moved out, deleted) and the state lost,
    # `perda pulihkan` read them back from Buku Agenda 2026 under the case "2026/LP-006"
    # (the letter's year), not "2025/LP-006": the next run found LP-006's Nota Dinas never
    # made and made it again, with a new number.
    make_intake([early_steps(waktu_lapor=datetime(2025, 12, 31, 23, 50),
                             waktu_diteruskan=datetime(2026, 1, 1, 0, 10))])
    assert perda(office, "run") == 0
    nota = cfg.outbox / "2026" / NOTA
    assert numbers_in(nota) == {"300.1/001/Kec.Krj/2026"}
    nota.unlink()  # a clerk took it out; Buku Agenda 2026 still lists it
    shutil.rmtree(cfg.state_dir)  # database, backups and snapshots
    assert perda(office, "pulihkan") == 0
    assert perda(office, "run") == 0
    assert not list((cfg.outbox / "2026").rglob("*.docx"))  # not made again


def test_a_state_put_back_from_an_older_backup_renumbers_nothing(make_intake, office, cfg):
    # Found by the walk (seed 6, lose_state "old backup"): the README says a backup may be
    # copied over state/perda.sqlite3. One older than the last batch is behind the
    # outbox, and nothing noticed: LP-002's letters, made after that backup, were planned
    # as new, and LP-000, saved meanwhile with an earlier date, took numbers they carry
    # (300.1/003 twice) — before the guard knew the number, LP-002's own letters were
    # even written again over their files.
    make_intake([early_steps()])
    assert perda(office, "run") == 0
    [older] = sorted((cfg.state_dir / "backup").glob("perda-*.sqlite3"))
    make_intake([early_steps(), early_steps(no_laporan="LP-002")])
    assert perda(office, "run") == 0
    before = hashes(cfg.outbox, "*.docx")
    for side in cfg.state_dir.glob("perda.sqlite3*"):
        side.unlink()
    shutil.copyfile(older, cfg.state_dir / "perda.sqlite3")
    make_intake([early_steps(), early_steps(no_laporan="LP-002"),
                 early_steps(no_laporan="LP-000", waktu_lapor=datetime(2024, 9, 24, 8),
                             waktu_diteruskan=datetime(2024, 9, 24, 9))])
    assert perda(office, "run") == 2  # refuses: the state is behind its newest backup
    assert hashes(cfg.outbox, "*.docx") == before
    assert perda(office, "pulihkan", "--paksa") == 0
    assert perda(office, "run") == 0
    after = hashes(cfg.outbox, "*.docx")
    assert {k: after[k] for k in before} == before  # nothing rewritten
    numbers = [read_stamp(cfg.outbox / k)["nomor"] for k in after]
    assert len(numbers) == len(set(numbers))  # no number twice


def test_letters_moved_into_the_other_year_are_known_as_moved_after_pulihkan(make_intake,
                                                                             office, cfg):
    # Found by the walk (seed 20): a Nota Dinas and a Lembar Disposisi first dated in
    # January 2026, then corrected into December 2025 (a new 2025 Nota Dinas, the 2026 one
    # replaced; the disposition as its version 2 in 2025). `perda pulihkan` recorded the
    # letters year by year, so the 2026 ones looked newest: the next run made the Nota
    # Dinas a third time and wrote the disposition's version 2 again over its own file.
    row = early_steps(waktu_lapor=datetime(2025, 12, 31, 23, 50),
                      waktu_diteruskan=datetime(2026, 1, 1, 0, 5))
    row.update(waktu_disposisi=datetime(2026, 1, 1, 0, 15), sifat="Segera",
               isi_disposisi="Segera tindak lanjuti.")
    make_intake([row])
    assert perda(office, "run") == 0
    row.update(waktu_diteruskan=datetime(2025, 12, 31, 23, 55),
               waktu_disposisi=datetime(2025, 12, 31, 23, 58))
    make_intake([row])
    assert perda(office, "run") == 0
    before = hashes(cfg.outbox, "*.docx")
    assert len(before) == 5  # receipt; Nota Dinas of 2026 and of 2025; disposition v1, v2
    for lost in cfg.state_dir.glob("perda.sqlite3*"):
        lost.unlink()
    assert perda(office, "pulihkan") == 0
    assert perda(office, "run") == 0
    assert hashes(cfg.outbox, "*.docx") == before  # nothing made again, nothing rewritten


def test_a_state_put_back_from_an_older_backup_rewrites_no_new_version(make_intake, office,
                                                                       cfg):
    # Found by the walk (seed 27) after the counters check above: the letters made since
    # the older backup were only new versions (no new number), so the counters agreed and
    # the run went on; each version 2 was planned again and written over its own file.
    make_intake([early_steps()])
    assert perda(office, "run") == 0
    [older] = sorted((cfg.state_dir / "backup").glob("perda-*.sqlite3"))
    make_intake([early_steps(uraian="Uraian yang diperbaiki.")])
    assert perda(office, "run") == 0
    before = hashes(cfg.outbox, "*.docx")
    assert len([k for k in before if "(versi 2)" in k]) == 2
    for side in cfg.state_dir.glob("perda.sqlite3*"):
        side.unlink()
    shutil.copyfile(older, cfg.state_dir / "perda.sqlite3")
    assert perda(office, "run") == 2  # refuses: the state lacks what its newest backup has
    assert perda(office, "pulihkan", "--paksa") == 0
    assert perda(office, "run") == 0
    assert hashes(cfg.outbox, "*.docx") == before


def test_a_clerks_note_where_a_drafts_sms_text_goes_is_left_alone(placeholder_office):
    # The same as a letter's SMS text, for drafts (config.toml with placeholders): the
    # draft went to its place and its SMS text replaced the clerk's note beside it.
    folder = placeholder_office / "outbox" / "_konsep" / "2024" / "01-penerimaan-laporan"
    folder.mkdir(parents=True)
    note = folder / "LP-001 - Tanda Terima Laporan.txt"
    note.write_bytes(b"catatan petugas\n")
    write_intake(placeholder_office / "inbox" / "laporan.xlsx", [full_row(1)])
    assert perda(placeholder_office, "run") == 0
    assert note.read_bytes() == b"catatan petugas\n"
    [draft] = folder.glob("*.docx")
    assert "LP-001" in draft.with_suffix(".txt").read_text("utf-8")


def test_a_letter_moved_into_the_other_year_and_back_keeps_its_new_number_after_pulihkan(
        make_intake, office, cfg):
    # Found by the walk (seed 12, 30 steps): LP-006's letters made in 2025, then a
    # version 2 of them (a field corrected); its times moved into 2026 (new 2026 letters)
    # and back into 2025 — new 2025 letters with new numbers (DESIGN: a letter moved into
    # the other year and back is a new letter of its first year), each a version 1. The
    # 2026 folder archived and the state lost, `perda pulihkan` took the newest version of
    # a letter of a year by its version only: the old number's version 2, not the new
    # number's version 1. It picked the report's snapshot that agrees with that (here the
    # 2026 one) and recorded that version last, so the plan took it as the newest: the
    # next version was "(versi 3)" with the number the letter had before it moved,
    # 300.1/003/Kec.Krj/2025 in place of its current 300.1/005/Kec.Krj/2025. Here (no
    # archiving needed) the run after pulihkan made the Nota Dinas a third time in 2025
    # (300.1/004), or, with that fixed alone, version 3 of 300.1/002.
    row = early_steps(waktu_lapor=datetime(2025, 12, 31, 23, 50),
                      waktu_diteruskan=datetime(2025, 12, 31, 23, 55))
    make_intake([row])
    assert perda(office, "run") == 0  # receipt 001/2025, Nota Dinas 002/2025
    make_intake([{**row, "nama_pelapor": "Dwi Astuti"}])
    assert perda(office, "run") == 0  # both as version 2, same numbers
    row.update(nama_pelapor="Dwi Astuti", waktu_diteruskan=datetime(2026, 1, 1, 0, 5))
    make_intake([row])
    assert perda(office, "run") == 0  # Nota Dinas 001/2026
    row.update(waktu_diteruskan=datetime(2025, 12, 31, 23, 58))
    make_intake([row])
    assert perda(office, "run") == 0  # back in 2025: a new Nota Dinas, 003/2025
    moved_back = [k for k in hashes(cfg.outbox / "2025") if k.startswith("02-")
                  and numbers_in(cfg.outbox / "2025" / k) == {"300.1/003/Kec.Krj/2025"}]
    assert len(moved_back) == 1
    before = hashes(cfg.outbox)
    for lost in cfg.state_dir.glob("perda.sqlite3*"):
        lost.unlink()
    assert perda(office, "pulihkan") == 0
    with sqlite3.connect(cfg.state_dir / "perda.sqlite3") as db:  # every version filed
        assert db.execute("SELECT COUNT(*) FROM letters").fetchone()[0] == len(before)
    assert perda(office, "run") == 0
    assert hashes(cfg.outbox) == before  # nothing made again
    row.update(uraian="Uraian yang diperbaiki.")
    make_intake([row])
    assert perda(office, "run") == 0
    made = [k for k in hashes(cfg.outbox) if k not in before]
    nota = [k for k in made if k.startswith("2025/02-")]
    assert len(nota) == 1, made
    assert numbers_in(cfg.outbox / nota[0]) == {"300.1/003/Kec.Krj/2025"}  # its number
    assert read_stamp(cfg.outbox / nota[0])["version"] == 2  # after its version 1
