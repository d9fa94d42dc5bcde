"""File names never overwrite a different letter (issue 9.3), and letters carry their record."""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import zipfile
from pathlib import Path, PurePosixPath

import docx
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.filing import NameTaken, file_letter
from pipeline.layout import (
    MAX_NAME,
    case_name,
    file_name,
    letter_path,
    report_paths,
)
from pipeline.process import finish_batch, open_state, process_file, recover
from pipeline.schema import DOCUMENT_BY_KIND, Doc
from pipeline.stamp import read_stamp, stamp
from pipeline.watch import Watcher
from tests.conftest import full_row
from tests.test_watch import wait_until, xlsx_bytes

DPUPR = "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Karanganyar"


def run(path: Path, cfg) -> None:
    """Process one file with a fresh state connection, as a run would."""
    state = open_state(cfg)
    try:
        recover(cfg, state)
        finish_batch(cfg, state, [process_file(path, cfg, state)])
    finally:
        state.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def letters(cfg, folder: str = "") -> list[Path]:
    return sorted((cfg.outbox / folder).rglob("*.docx"))


def test_every_version_of_a_long_name_keeps_its_own_file(make_intake, cfg):
    # Was: the 120-character limit cut " (versi N)" off, so each edit of Tindakan replaced
    # the one file and only the last text was left.
    row = full_row(no_laporan="LP-2026-00123-TRANTIB-KRJ", instansi=DPUPR)
    seen: dict[Path, str] = {}
    for tindakan in ("Peninjauan lapangan.", "Teguran tertulis.", "Penyegelan bangunan."):
        run(make_intake([{**row, "tindakan": tindakan}]), cfg)
        for path in letters(cfg, "2024/04-koordinasi-tindakan"):
            seen.setdefault(path, sha(path))
    step4 = letters(cfg, "2024/04-koordinasi-tindakan")
    assert len(step4) == 3
    assert {p: sha(p) for p in step4} == seen  # no version was overwritten
    by_version = {read_stamp(p)["version"]: p for p in step4}
    assert sorted(by_version) == [1, 2, 3]
    assert len({read_stamp(p)["nomor"] for p in step4}) == 1  # same number, every version
    assert all(len(p.name) <= MAX_NAME for p in step4)
    assert by_version[2].name.endswith(" (versi 2).docx")
    assert by_version[3].name.endswith(" (versi 3).docx")


def test_cases_whose_safe_names_collide_get_distinct_files(make_intake, cfg):
    # Was: 'LP:001' and 'LP?001' both became 'LP 001 - …', the second letter (number 002)
    # overwrote the first, and the Buku Agenda listed both pointing at one file.
    run(make_intake([full_row(1, no_laporan="LP:001"), full_row(2, no_laporan="LP?001")]), cfg)
    receipts = letters(cfg, "2024/01-penerimaan-laporan")
    assert len(receipts) == 2
    assert sorted(read_stamp(p)["case_id"] for p in receipts) == ["2024/LP:001", "2024/LP?001"]
    book = load_workbook(cfg.outbox / "2024" / "Buku Agenda 2024.xlsx").active
    paths = [r[7] for r in book.iter_rows(min_row=6, values_only=True) if r[0]]
    assert len(paths) == len(set(paths)) == 14  # 7 numbered letters each (not the Disposisi)
    assert all((cfg.outbox / p).is_file() for p in paths)


def test_slashes_and_dot_dot_never_make_folders(make_intake, cfg):
    # Was: '017/TRANTIB/IX/2024' filed letters as 01-penerimaan-laporan/017/TRANTIB/IX/…
    rows = [full_row(1, no_laporan="017/TRANTIB/IX/2024"),
            full_row(2, no_laporan="../../etc/passwd"), full_row(3, no_laporan="a\\b")]
    run(make_intake(rows), cfg)
    assert (cfg.outbox / "2024" / "01-penerimaan-laporan"
            / "017-TRANTIB-IX-2024 - Tanda Terima Laporan.docx").is_file()
    filed = letters(cfg)
    assert len(filed) == 3 * 8
    assert {len(p.relative_to(cfg.outbox).parts) for p in filed} == {3}  # year/step/file
    assert not [p for p in cfg.outbox.rglob("*") if p.is_dir() and p.name in ("etc", "IX")]


def test_a_foreign_file_at_a_letters_place_is_never_replaced(make_intake, cfg):
    # The letter is filed beside it under the case's marked name (it no longer waits for
    # the clerk to move the file away).
    place = cfg.outbox / "2024" / "01-penerimaan-laporan" / "LP-001 - Tanda Terima Laporan.docx"
    place.parent.mkdir(parents=True)
    place.write_bytes(b"surat lain milik kantor")
    run(make_intake([full_row(1)]), cfg)
    assert place.read_bytes() == b"surat lain milik kantor"
    [receipt] = [p for p in letters(cfg, "2024/01-penerimaan-laporan") if p != place]
    assert receipt.name.startswith("LP-001 ~") and read_stamp(receipt)["urut"] == 1
    assert len(letters(cfg)) == 8 + 1
    state = open_state(cfg)
    assert state.pending_letters() == []
    state.close()


def test_letters_left_waiting_behind_another_reports_files_are_filed_at_the_next_run(
        make_intake, cfg):
    # An earlier release reserved the second report's letters at the first one's places
    # ('LP/001' and 'LP-001' both read 'LP-001'), where they waited for ever.
    path = make_intake([full_row(1, no_laporan="LP/001"), full_row(2, no_laporan="LP-001")])
    run(path, cfg)
    marked = [p for p in letters(cfg) if " ~" in p.name]
    assert len(marked) == 8
    state = open_state(cfg)
    for place in marked:
        relative = place.relative_to(cfg.outbox).as_posix()
        plain = relative.replace(place.name.split(" - ")[0], place.name.split(" ~")[0], 1)
        state.db.execute("UPDATE letters SET status='pending', sha256='', path=? WHERE path=?",
                         (plain, relative))
        place.unlink()
    state.close()
    before = {p: sha(p) for p in letters(cfg)}
    run(path, cfg)  # the workbook is unchanged: the start-up catch-up resumes them
    assert {p: sha(p) for p in before} == before  # the first report's letters untouched
    assert sorted(set(letters(cfg)) - set(before)) == sorted(marked)  # filed apart again
    state = open_state(cfg)
    assert state.pending_letters() == []
    assert {x.path for x in state.all_letters()} == {
        p.relative_to(cfg.outbox).as_posix() for p in letters(cfg)}
    state.close()


def test_a_file_appearing_at_a_letters_place_before_the_write_is_refused(cfg, tmp_path):
    place = tmp_path / "arsip" / "LP-001 - Tanda Terima Laporan.docx"
    place.parent.mkdir()
    place.write_bytes(b"surat lain milik kantor")
    data = (cfg.templates / DOCUMENT_BY_KIND[Doc.tanda_terima].template).read_bytes()
    record = {"case_id": "2024/LP-001", "doc": "tanda_terima", "instansi": "", "tahun": 2024,
              "version": 1, "nomor": "300.1/001/Kec.Krj/2024"}
    with pytest.raises(NameTaken) as info:
        file_letter(place, data, record)
    assert "bukan surat ini" in info.value.message and "tidak ditimpa" in info.value.message
    assert place.read_bytes() == b"surat lain milik kantor"
    assert [p.name for p in place.parent.iterdir()] == [place.name]  # no temporary left


def test_a_letter_half_made_before_a_kill_is_finished_in_place(make_intake, cfg):
    path = make_intake([full_row(1)])
    run(path, cfg)
    place = letters(cfg, "2024/01-penerimaan-laporan")[0]
    state = open_state(cfg)  # as if killed after the rename, before 'done' was recorded
    state.db.execute("UPDATE letters SET status='pending', sha256='' WHERE path=?",
                     (str(place.relative_to(cfg.outbox)),))
    state.close()
    run(path, cfg)
    state = open_state(cfg)
    assert state.pending_letters() == []
    state.close()
    assert len(letters(cfg)) == 8


def test_letters_carry_their_record_as_document_properties(make_intake, cfg):
    run(make_intake([full_row(1)]), cfg)
    state = open_state(cfg)
    rows = state.letters_of_year(2024)
    state.close()
    for row in rows:
        record = read_stamp(cfg.outbox / row.path)
        assert record is not None
        assert (record["nomor"], record["urut"], record["version"], record["data_hash"]) == (
            row.nomor, row.urut, row.version, row.data_hash)
        assert sha(cfg.outbox / row.path) == row.sha256  # the state has the stamped bytes


def test_names_are_shortened_before_the_version_suffix(cfg):
    doc = DOCUMENT_BY_KIND[Doc.koordinasi]
    names = [PurePosixPath(letter_path(cfg, doc, "LP-2026-00123-TRANTIB-KRJ", 2026, DPUPR, v)).name
             for v in (1, 2, 12)]
    assert len(set(names)) == 3 and all(len(n) <= MAX_NAME for n in names)
    assert names[1].endswith(" (versi 2).docx") and names[2].endswith(" (versi 12).docx")
    assert names[1].removesuffix(" (versi 2).docx") == names[0].removesuffix(".docx")
    cut = [file_name(f"X - {DPUPR} {tail}.docx") for tail in ("Bidang Bina Marga", "Bidang SDA")]
    assert cut[0] != cut[1]  # two long names sharing their beginning stay apart


def test_case_names_are_flat_and_distinct():
    assert case_name("017/TRANTIB/IX/2024") == "017-TRANTIB-IX-2024"
    assert case_name("  LP  001 ") == "LP 001"  # the same case as 'LP 001': no mark
    assert case_name("LP:001") != case_name("LP?001")
    assert case_name("LP:001").startswith("LP 001 ~")
    assert case_name("LP:001").casefold() == case_name("lp:001").casefold()  # one case
    assert "/" not in case_name("../../etc/passwd") and case_name("CON") == "CON"


def test_xls_and_xlsx_of_the_same_name_get_different_reports(tmp_path):
    assert report_paths("laporan.xlsx", tmp_path)[1].name == "laporan - perlu perbaikan.txt"
    assert report_paths("laporan.xls", tmp_path)[1].name == "laporan.xls - perlu perbaikan.txt"
    assert report_paths("laporan.xls.xlsx", tmp_path) != report_paths("laporan.xls", tmp_path)


def test_problem_reports_follow_the_inbox(office, cfg, make_intake):
    folder = cfg.outbox / "_perlu-perbaikan"
    path = make_intake([full_row(1, desa="Jumapolo")], name="lama.xlsx")
    (office / "inbox" / "lama.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    for name in ("lama.xlsx", "lama.xls"):
        run(office / "inbox" / name, cfg)
    reports = {p.name for p in folder.iterdir()}
    assert {"lama - perlu perbaikan.txt", "lama.xls - perlu perbaikan.txt"} <= reports
    assert "Jumapolo" in (folder / "lama - perlu perbaikan.txt").read_text("utf-8-sig")

    path.rename(path.with_name("baru.xlsx"))  # renamed: the report goes with the old name
    (office / "inbox" / "lama.xls").unlink()  # deleted: its report goes
    (folder / "catatan staf.txt").write_text("jangan dihapus", encoding="utf-8")
    run(office / "inbox" / "baru.xlsx", cfg)
    assert sorted(p.name for p in folder.iterdir()) == [
        "baru - perlu perbaikan.txt", "baru - perlu perbaikan.xlsx", "catatan staf.txt"]


def test_a_problem_report_that_cannot_be_written_is_said_so(office, cfg, make_intake,
                                                             caplog, capsys):
    make_intake([full_row(1, desa="Jumapolo")])
    cfg.outbox.mkdir()
    (cfg.outbox / "_perlu-perbaikan").write_text("bukan folder", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        assert main(["run", "--config", str(office / "config.toml")]) == 1
    assert "laporan.xlsx TIDAK DAPAT DITULIS" in caplog.text
    out = capsys.readouterr().out
    assert "laporan perbaikan TIDAK DAPAT DITULIS" in out and "lihat outbox" not in out
    assert "Jumapolo" in caplog.text  # the problem itself is in the log


def test_the_watcher_tidies_reports_when_a_handled_workbook_goes(tmp_path):
    # A deleted or renamed workbook makes no handle call; the idle hook (which removes the
    # reports of workbooks no longer in inbox/) must still run at the next scan.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    handled: list[str] = []
    idles: list[int] = []
    watcher = Watcher(inbox, lambda path: handled.append(path.name), polling=True,
                      interval=0.1, settle=0.2, rescan=0.3,
                      on_idle=lambda: idles.append(len(handled)))
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,), daemon=True)
    thread.start()
    try:
        (inbox / "laporan.xlsx").write_bytes(xlsx_bytes())
        assert wait_until(lambda: handled == ["laporan.xlsx"] and idles)
        before = len(idles)
        (inbox / "laporan.xlsx").unlink()
        assert wait_until(lambda: len(idles) > before)
    finally:
        stop.set()
        thread.join(10)
    assert handled == ["laporan.xlsx"]


def test_a_stamp_keeps_any_typed_text_and_the_letter_still_opens(cfg):
    data = (cfg.templates / DOCUMENT_BY_KIND[Doc.tanda_terima].template).read_bytes()
    typed = 'LP <&> "A\'s" 🙂 ꦲꦏ꧀ꦱꦫ \x0bx'
    stamped = stamp(data, {"no_laporan": typed, "version": 1}, {"No. Laporan": typed})
    assert read_stamp(stamped) == {"no_laporan": typed, "version": 1}  # JSON keeps it all
    document = docx.Document(io.BytesIO(stamped))  # a valid package: Word-compatible XML
    assert document.paragraphs
    with zipfile.ZipFile(io.BytesIO(stamped)) as archive, \
            zipfile.ZipFile(io.BytesIO(data)) as original:
        assert archive.testzip() is None
        for info in original.infolist():  # every other part copied byte for byte
            if info.filename not in ("[Content_Types].xml", "_rels/.rels"):
                assert archive.read(info.filename) == original.read(info.filename)
        custom = archive.read("docProps/custom.xml").decode("utf-8")
    assert "LP &lt;&amp;&gt;" in custom and "\x0b" not in custom


def test_a_letter_stamped_while_rendering_has_the_parts_of_one_stamped_afterwards():
    from pipeline import render
    from pipeline.form import page_form
    from pipeline.schema import DOCUMENTS
    from tests.test_engine import contexts
    from tests.test_render import make_config

    cfg = make_config()
    record = {"nomor": "300.1/7/2024", "case_id": "LP-1", "catatan": "tab\there & <b>"}
    shown = {"Nomor Surat": "300.1/7/2024", "Versi": "1"}
    for doc in DOCUMENTS:
        _, context = contexts(doc)[0]
        args = (cfg.templates / doc.template, context, page_form(cfg))
        at_once = render.render_letter(*args, record, shown)
        afterwards = stamp(render.render_letter(*args), record, shown)
        with zipfile.ZipFile(io.BytesIO(at_once)) as a, \
                zipfile.ZipFile(io.BytesIO(afterwards)) as b:
            assert a.namelist() == b.namelist()
            assert a.testzip() is None
            for name in a.namelist():
                assert a.read(name) == b.read(name), (doc.template, name)
        assert read_stamp(at_once) == record
        assert docx.Document(io.BytesIO(at_once)).paragraphs  # Word's reader opens it



def test_a_register_is_written_into_a_year_folder_that_is_not_there(tmp_path):
    # Found by the archive walk: with the year folder moved out to archive, the batch's
    # Buku Agenda of that year stopped `perda run` with exit 15. Files were written before
    # their folder was made and, on FileNotFoundError, written again; a write-only
    # workbook with links saves only once, so the second save failed.
    from pipeline.filing import write_atomic_with
    saves: list[Path] = []

    def save_once(tmp: Path) -> None:
        assert not saves, "saved twice"
        saves.append(tmp)
        tmp.write_bytes(b"Buku Agenda")

    path = tmp_path / "outbox" / "2025" / "Buku Agenda 2025.xlsx"
    write_atomic_with(path, save_once)
    assert path.read_bytes() == b"Buku Agenda" and len(saves) == 1
