"""The recipe end to end: a workbook in inbox/ → numbered letters filed by step, once."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook

from pipeline.config import load_config
from pipeline.pdf import find_soffice
from pipeline.process import finish_batch, open_state, process_file, recover
from pipeline.schema import DOCUMENT_BY_KIND, Doc
from tests.conftest import full_row, set_config, write_intake

STEP_FOLDERS = ["01-penerimaan-laporan", "02-penerusan-ke-camat", "03-disposisi-camat",
                "04-koordinasi-tindakan", "05-bukti-penyelesaian", "06-laporan-hasil",
                "07-pemberitahuan-pelapor"]


def run(path: Path, cfg):
    """Process one file with a fresh state connection, as a run would."""
    state = open_state(cfg)
    try:
        outcome = process_file(path, cfg, state)
        finish_batch(cfg, state, [outcome])
        return outcome
    finally:
        state.close()


def letters(cfg) -> list[Path]:
    """Every letter filed under outbox/."""
    return sorted(cfg.outbox.rglob("*.docx"))


def text_of(path: Path) -> str:
    """All text of a letter: paragraphs and table cells."""
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under a folder, by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_complete_case_files_every_letter_by_step(make_intake, cfg):
    outcome = run(make_intake([full_row()]), cfg)
    assert outcome.status == "ok"
    names = [f"{p.parent.name}/{p.name}" for p in letters(cfg)]
    assert names == [
        "01-penerimaan-laporan/LP-001 - Tanda Terima Laporan.docx",
        "02-penerusan-ke-camat/LP-001 - Nota Dinas Penerusan Laporan.docx",
        "03-disposisi-camat/LP-001 - Lembar Disposisi.docx",
        "04-koordinasi-tindakan/LP-001 - Surat Permohonan Koordinasi - Pemerintah Desa "
        "setempat.docx",
        "04-koordinasi-tindakan/LP-001 - Surat Permohonan Koordinasi - Satuan Polisi Pamong "
        "Praja Kabupaten Karanganyar.docx",
        "05-bukti-penyelesaian/LP-001 - Bukti Penyelesaian Pengaduan.docx",
        "06-laporan-hasil/LP-001 - Laporan Hasil Penyelesaian.docx",
        "07-pemberitahuan-pelapor/LP-001 - Surat Pemberitahuan kepada Pelapor.docx",
    ]
    assert all(p.parent.parent == cfg.outbox / "2024" for p in letters(cfg))


def test_numbers_are_unique_gapless_and_printed_in_letters(make_intake, cfg):
    run(make_intake([full_row(1), full_row(2)]), cfg)
    state = open_state(cfg)
    rows = state.letters_of_year(2024)
    state.close()
    # Seven numbered letters per case: the disposition sheet takes no number.
    assert [r.urut for r in rows] == list(range(1, 15))
    assert len({r.nomor for r in rows}) == 14
    for row in rows:
        assert row.nomor == f"300.1/{row.urut:03d}/Kec.Krj/2024"
        text = text_of(cfg.outbox / row.path)
        if DOCUMENT_BY_KIND[Doc(row.doc)].numbered:  # the disposition prints the Nota Dinas's
            assert row.nomor in text
        assert row.case_id.split("/")[1] in text


def test_unchanged_file_changes_nothing_the_second_time(make_intake, cfg):
    path = make_intake([full_row()])
    run(path, cfg)
    before = hashes(cfg.outbox)
    assert run(path, cfg).status == "unchanged"
    assert hashes(cfg.outbox) == before


def test_new_step_adds_only_that_steps_letters(make_intake, cfg):
    row = full_row(waktu_lapor_camat=None, waktu_pemberitahuan=None)
    run(make_intake([row]), cfg)
    first = hashes(cfg.outbox / "2024")
    outcome = run(make_intake([full_row()]), cfg)
    assert [r.doc for r in outcome.letters] == ["laporan_hasil", "pemberitahuan"]
    after = hashes(cfg.outbox / "2024")
    assert {k: v for k, v in after.items() if k in first and k.endswith(".docx")} == \
        {k: v for k, v in first.items() if k.endswith(".docx")}


def test_changed_data_makes_a_new_version_with_the_same_number(make_intake, cfg):
    run(make_intake([full_row()]), cfg)
    old = (cfg.outbox / "2024" / "07-pemberitahuan-pelapor" /
           "LP-001 - Surat Pemberitahuan kepada Pelapor.docx")
    old_bytes = old.read_bytes()
    outcome = run(make_intake([full_row(hasil="Hasil yang diperbaiki.")]), cfg)
    # Only the letters that print the result change: steps 5, 6 and 7.
    assert sorted(r.doc for r in outcome.letters) == ["bukti_penyelesaian", "laporan_hasil",
                                                      "pemberitahuan"]
    new = old.with_name("LP-001 - Surat Pemberitahuan kepada Pelapor (versi 2).docx")
    assert old.read_bytes() == old_bytes  # the earlier letter is kept, never overwritten
    assert "Hasil yang diperbaiki." in text_of(new)
    first = [r for r in outcome.letters if r.doc == "pemberitahuan"][0]
    assert first.version == 2 and first.urut == 7


def test_archived_year_folder_is_not_made_again(make_intake, cfg, tmp_path):
    path = make_intake([full_row()])
    run(path, cfg)
    shutil.move(cfg.outbox / "2024", tmp_path / "arsip-2024")
    path.write_bytes(path.read_bytes())  # saved again, same content
    assert run(make_intake([full_row()], name="salinan.xlsx"), cfg).letters == []
    assert not (cfg.outbox / "2024").exists()


def test_bad_rows_are_reported_and_good_rows_still_go_through(make_intake, cfg):
    path = make_intake([full_row(1), full_row(2, desa="Jumapolo")])
    before = path.read_bytes(), path.stat().st_mtime_ns
    outcome = run(path, cfg)
    assert outcome.status == "problems"
    assert {p.parent.name for p in letters(cfg)} == set(STEP_FOLDERS)
    assert all("LP-001" in p.name for p in letters(cfg))
    report = cfg.outbox / "_perlu-perbaikan" / "laporan - perlu perbaikan.txt"
    assert "baris 4, kolom H (Desa)" in report.read_text(encoding="utf-8-sig")
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before  # staff's file untouched


def test_problem_report_is_removed_once_the_file_is_fixed(make_intake, cfg):
    run(make_intake([full_row(desa="Jumapolo")]), cfg)
    report = cfg.outbox / "_perlu-perbaikan" / "laporan - perlu perbaikan.txt"
    assert report.exists()
    run(make_intake([full_row()]), cfg)
    assert not report.exists()


def test_unreadable_file_gets_a_report_and_no_letters(office, cfg):
    path = office / "inbox" / "lama.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    outcome = run(path, cfg)
    assert outcome.status == "rejected"
    report = cfg.outbox / "_perlu-perbaikan" / "lama.xls - perlu perbaikan.txt"
    text = report.read_text("utf-8-sig")
    assert "Simpan Sebagai (Save As)" in text
    assert letters(cfg) == []


def test_buku_agenda_lists_every_letter_without_nik_or_phone(make_intake, cfg):
    run(make_intake([full_row(1), full_row(2)]), cfg)
    book = load_workbook(cfg.outbox / "2024" / "Buku Agenda 2024.xlsx")
    values = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    for n in range(1, 15):
        assert f"300.1/{n:03d}/Kec.Krj/2024" in values
    assert "300.1/015/Kec.Krj/2024" not in values  # the disposition sheets take no number
    assert not any("Lembar Disposisi" in v for v in values)
    joined = " ".join(values)
    assert "3313016508900002" not in joined and "081234567890" not in joined


def test_reporter_identity_stays_out_of_coordination_letters(make_intake, cfg):
    run(make_intake([full_row()]), cfg)
    for path in (cfg.outbox / "2024" / "04-koordinasi-tindakan").glob("*.docx"):
        text = text_of(path)
        for secret in ("Siti Rahayu", "3313016508900002", "081234567890", "Dusun Ngasem"):
            assert secret not in text
    receipt = next((cfg.outbox / "2024" / "01-penerimaan-laporan").glob("*.docx"))
    assert "Siti Rahayu" in text_of(receipt)


def test_snapshot_of_each_version_is_kept(make_intake, cfg):
    path = make_intake([full_row()])
    run(path, cfg)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    snapshot = cfg.state_dir / "snapshots" / digest[:2] / f"{digest}.xlsx"
    assert snapshot.read_bytes() == path.read_bytes()


def test_rows_filled_later_in_another_save_get_the_next_numbers(make_intake, cfg):
    run(make_intake([full_row(1)]), cfg)
    write_intake(cfg.inbox / "laporan.xlsx", [full_row(1), full_row(2)])
    outcome = run(cfg.inbox / "laporan.xlsx", cfg)
    assert sorted(r.urut for r in outcome.letters if r.urut) == list(range(8, 15))


@pytest.mark.libreoffice
def test_pdf_beside_each_letter_in_one_batch(make_intake, office):
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    cfg = set_config(office, 'pdf = "tidak"', 'pdf = "auto"')
    run(make_intake([full_row()]), cfg)
    for docx_path in letters(cfg):
        pdf_path = docx_path.with_suffix(".pdf")
        assert pdf_path.read_bytes().startswith(b"%PDF")
    receipt = next((cfg.outbox / "2024" / "01-penerimaan-laporan").glob("*.pdf"))
    text = subprocess.run(["pdftotext", str(receipt), "-"], capture_output=True,
                          text=True).stdout if shutil.which("pdftotext") else "Siti Rahayu"
    assert "Siti Rahayu" in text


def test_stale_buku_agenda_is_rewritten_at_start(make_intake, cfg):
    # A register open in Excel on Windows cannot be replaced; the next start catches up.
    run(make_intake([full_row()]), cfg)
    agenda = cfg.outbox / "2024" / "Buku Agenda 2024.xlsx"
    agenda.unlink()
    state = open_state(cfg)
    recover(cfg, state)
    state.close()
    assert agenda.exists()


def test_archived_year_is_not_recreated_at_start(make_intake, cfg, tmp_path):
    run(make_intake([full_row()]), cfg)
    shutil.move(cfg.outbox / "2024", tmp_path / "arsip")
    state = open_state(cfg)
    recover(cfg, state)
    state.close()
    assert not (cfg.outbox / "2024").exists()


@pytest.mark.libreoffice
def test_pdfs_a_stopped_run_did_not_make_are_made_at_start(make_intake, office):
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    cfg = set_config(office, 'pdf = "tidak"', 'pdf = "auto"')
    state = open_state(cfg)
    process_file(make_intake([full_row()]), cfg, state)  # stopped before finish_batch
    assert not list(cfg.outbox.rglob("*.pdf"))
    recover(cfg, state)
    state.close()
    assert len(list(cfg.outbox.rglob("*.pdf"))) == len(letters(cfg)) == 8


def test_resave_validates_only_the_rows_that_changed(make_intake, cfg, monkeypatch):
    import pipeline.validate as validate_module

    rows = [full_row(n) for n in range(1, 6)]
    run(make_intake(rows), cfg)
    parsed: list[int] = []
    real = validate_module._parse_cells
    monkeypatch.setattr(validate_module, "_parse_cells",
                        lambda row, *args: (parsed.append(row.raw.row), real(row, *args)))
    rows[2] = full_row(3, hasil="Hasil yang diperbaiki.")
    outcome = run(make_intake(rows), cfg)
    assert parsed == [5]  # LP-003 sits on row 5
    assert {r.case_id for r in outcome.letters} == {"2024/LP-003"}
    assert outcome.rows_read == 5


def test_unchanged_row_that_becomes_a_duplicate_is_still_reported(make_intake, cfg):
    run(make_intake([full_row(1)]), cfg)
    outcome = run(make_intake([full_row(1), full_row(1, nama_pelapor="Orang Lain")]), cfg)
    assert [(p.row, p.code) for p in outcome.problems] == [(3, "no-laporan-ganda"),
                                                           (4, "no-laporan-ganda")]


def test_unchanged_rows_are_checked_again_when_the_lists_change(make_intake, office):
    cfg = load_config(office / "config.toml")
    run(make_intake([full_row(1)]), cfg)
    cfg = set_config(office, '"Kuto", ', "")
    outcome = run(make_intake([full_row(1), full_row(2, desa="Botok")]), cfg)
    assert [(p.row, p.header, p.code) for p in outcome.problems] == [(3, "Desa", "bukan-pilihan")]


def test_typed_formula_stays_text_in_the_registers(make_intake, cfg):
    # A reporter "named" =HYPERLINK(…) must not become a live formula in the Buku Agenda.
    name = '=HYPERLINK("http://contoh.invalid","klik")'
    path = make_intake([full_row(nama_pelapor=name)])
    book = load_workbook(path)
    book["Laporan"]["D3"].data_type = "s"  # typed as text, as Excel stores it
    book.save(path)
    run(path, cfg)
    agenda = load_workbook(cfg.outbox / "2024" / "Buku Agenda 2024.xlsx").active
    cells = [c for row in agenda.iter_rows() for c in row if c.value == name]
    assert cells and all(c.data_type == "s" for c in cells)
    receipt = next((cfg.outbox / "2024" / "01-penerimaan-laporan").glob("*.docx"))
    assert name in text_of(receipt)
