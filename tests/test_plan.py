"""The letter plan's rules, as a value: no database, no files."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pipeline.config import Config
from pipeline.model import Case, Letter, LetterStatus, fold_no_laporan
from pipeline.plan import Action, Plan, describe_plan, make_plan

CFG = Config()


def case(number: str = "LP-001", **changes: object) -> Case:
    """A case with all seven steps done, two agencies."""
    values: dict[str, object] = dict(
        no_laporan=number, waktu_lapor=datetime(2024, 9, 25, 8, 15), cara_lapor="Telepon",
        nama_pelapor="Siti Rahayu", desa="Kuto", lokasi="Pasar Kuto", perda="Perda Sampah",
        uraian="Sampah di saluran.", petugas="Budi", telepon_pelapor="081234567890",
        alamat_pelapor="Dusun Ngasem", waktu_diteruskan=datetime(2024, 9, 25, 8, 30),
        waktu_disposisi=datetime(2024, 9, 25, 8, 40), isi_disposisi="Tindak lanjuti.",
        waktu_koordinasi=datetime(2024, 9, 26, 9, 0), instansi=("Satpol PP", "Pemdes"),
        tindakan="Teguran.", waktu_selesai=datetime(2024, 9, 27, 10, 0), status_akhir="Selesai",
        hasil="Bersih.", waktu_lapor_camat=datetime(2024, 9, 27, 10, 5),
        waktu_pemberitahuan=datetime(2024, 9, 27, 10, 30), cara_pemberitahuan="Surat")
    values.update(changes)
    return Case(**values)  # type: ignore[arg-type]


def recorded(plan: Plan) -> dict[str, list[Letter]]:
    """What the state would hold after carrying out `plan` (every letter made)."""
    found: dict[str, dict[tuple[str, str, str], Letter]] = {}
    for item in plan.items:
        letter = item.letter
        if item.action is Action.withdraw:
            letter = replace(letter, ditarik=True)
        found.setdefault(letter.case_id, {})[letter.key] = replace(
            letter, status=LetterStatus.done)
    return {cid: list(letters.values()) for cid, letters in found.items()}


def counters(plan: Plan, before: dict[int, int] | None = None) -> dict[int, int]:
    """Each year's last number after `plan`."""
    last = dict(before or {})
    for item in plan.items:
        if item.action is Action.new and item.letter.urut:
            last[item.letter.tahun] = max(last.get(item.letter.tahun, 0), item.letter.urut)
    return last


def actions(plan: Plan) -> list[tuple[str, str, Action]]:
    return [(i.letter.doc, i.letter.instansi, i.action) for i in plan.items]


def test_first_plan_numbers_every_numbered_letter_once_in_order():
    plan = make_plan([case()], {}, {}, CFG)
    assert all(item.action is Action.new for item in plan.items)
    numbered = [i.letter for i in plan.items if i.letter.urut]
    assert [x.urut for x in numbered] == list(range(1, len(numbered) + 1))
    assert numbered[0].nomor == "300.1/001/Kec.Krj/2024"
    assert all(item.reason for item in plan.items)


def test_numbers_continue_the_years_counter():
    plan = make_plan([case()], {}, {2024: 41}, CFG)
    assert min(i.letter.urut for i in plan.items if i.letter.urut) == 42


def test_unchanged_case_is_up_to_date():
    first = make_plan([case()], {}, {}, CFG)
    again = make_plan([case()], recorded(first), counters(first), CFG)
    assert {i.action for i in again.items} == {Action.current}
    assert again.to_write == []


def test_changed_text_is_a_new_version_with_the_same_number():
    first = make_plan([case()], {}, {}, CFG)
    again = make_plan([case(hasil="Hasil diperbaiki.")], recorded(first), counters(first), CFG)
    changed = {i.letter.doc: i for i in again.items if i.action is Action.version}
    assert set(changed) == {"bukti_penyelesaian", "laporan_hasil", "pemberitahuan"}
    old = {i.letter.doc: i.letter for i in first.items}
    for doc, item in changed.items():
        assert (item.letter.nomor, item.letter.version) == (old[doc].nomor, 2)
        assert "isi berubah" in item.reason


def test_pending_letter_is_resumed_with_its_number():
    first = make_plan([case()], {}, {}, CFG)
    held = recorded(first)
    held["2024/LP-001"] = [replace(x, status=LetterStatus.pending, id=7)
                           if x.doc == "nota_dinas" else x for x in held["2024/LP-001"]]
    again = make_plan([case()], held, counters(first), CFG)
    resumed = [i for i in again.items if i.action is Action.resume]
    assert [(i.letter.doc, i.letter.id, i.letter.urut) for i in resumed] == [
        ("nota_dinas", 7, [x for x in held["2024/LP-001"] if x.doc == "nota_dinas"][0].urut)]


def test_removed_agency_is_withdrawn_and_comes_back_under_its_number():
    first = make_plan([case()], {}, {}, CFG)
    fewer = make_plan([case(instansi=("Satpol PP",))], recorded(first), counters(first), CFG)
    withdrawn = [i for i in fewer.items if i.action is Action.withdraw]
    assert [(i.letter.instansi, i.reason) for i in withdrawn] == [
        ("Pemdes", "ditarik: Pemdes tidak lagi tercantum pada Instansi Terkait")]
    # Changing the remaining agency list changes the step-4 letter too (it lists them).
    back = make_plan([case()], recorded(fewer), counters(fewer), CFG)
    again = [i for i in back.items if i.letter.instansi == "Pemdes"][0]
    assert again.action is Action.version
    assert again.letter.urut == withdrawn[0].letter.urut


def test_new_numbers_follow_the_letters_dates_across_cases():
    later = case("LP-002")  # reported first in the list, but later in time
    early = case("LP-001", waktu_lapor=datetime(2024, 9, 1, 8, 0),
                 waktu_diteruskan=datetime(2024, 9, 1, 9, 0), waktu_disposisi=None,
                 isi_disposisi="", waktu_koordinasi=None, instansi=(), tindakan="",
                 waktu_selesai=None, status_akhir="", hasil="", waktu_lapor_camat=None,
                 waktu_pemberitahuan=None, cara_pemberitahuan="")
    plan = make_plan([later, early], {}, {}, CFG)
    numbered = sorted((i.letter for i in plan.items if i.letter.urut), key=lambda x: x.urut)
    assert [x.tanggal for x in numbered] == sorted(x.tanggal for x in numbered)
    assert numbered[0].case_id == "2024/LP-001"


def test_letter_moved_across_new_year_is_a_new_letter_of_that_year():
    reported = datetime(2025, 12, 31, 23, 50)
    first_case = case(waktu_lapor=reported, waktu_diteruskan=datetime(2026, 1, 1, 0, 5),
                      waktu_disposisi=None, isi_disposisi="", waktu_koordinasi=None,
                      instansi=(), tindakan="", waktu_selesai=None, status_akhir="", hasil="",
                      waktu_lapor_camat=None, waktu_pemberitahuan=None, cara_pemberitahuan="")
    first = make_plan([first_case], {}, {2025: 10, 2026: 3}, CFG)
    nota = [i.letter for i in first.items if i.letter.doc == "nota_dinas"][0]
    assert (nota.tahun, nota.urut) == (2026, 4)
    fixed = replace(first_case, waktu_diteruskan=datetime(2025, 12, 31, 23, 59))
    again = make_plan([fixed], recorded(first), counters(first, {2025: 10, 2026: 3}), CFG)
    moved = [i for i in again.items if i.letter.doc == "nota_dinas"][0]
    assert moved.action is Action.new
    assert (moved.letter.tahun, moved.letter.urut, moved.letter.version) == (2025, 12, 1)
    assert moved.letter.nomor.endswith("/2025")
    assert moved.replaces is not None and moved.replaces.nomor == nota.nomor


def test_reissue_makes_new_versions_of_unchanged_letters():
    first = make_plan([case()], {}, {}, CFG)
    again = make_plan([case()], recorded(first), counters(first), CFG,
                      reissue=lambda letter: letter.step == 1)
    assert [(i.letter.doc, i.action, i.letter.version) for i in again.to_write] == [
        ("tanda_terima", Action.version, 2)]
    assert "diterbitkan ulang" in again.to_write[0].reason


def test_drafts_take_no_number_and_ignore_the_records():
    plan = make_plan([case()], {}, {2024: 5}, CFG, konsep=True)
    assert {i.action for i in plan.items} == {Action.draft}
    assert all(i.letter.urut == 0 and i.letter.nomor == "" for i in plan.items)


def test_reference_numbers_of_related_letters():
    plan = make_plan([case()], {}, {}, CFG)
    by_doc = {i.letter.doc: i for i in plan.items if not i.letter.instansi}
    nota = by_doc["nota_dinas"].letter
    assert by_doc["disposisi"].rujukan == {"nota_dinas": (nota.nomor, nota.urut, nota.tanggal)}
    bukti = by_doc["bukti_penyelesaian"].letter
    assert by_doc["laporan_hasil"].rujukan["bukti_penyelesaian"][0] == bukti.nomor


def test_plan_lines_are_indonesian_one_per_letter():
    lines = describe_plan(make_plan([case()], {}, {}, CFG))
    assert lines[0].startswith("LP-001 (2024) · Tanda Terima Laporan · baru: nomor 300.1/001")
    assert lines[-1].startswith("Rencana: ")


def test_no_laporan_folds_case_spaces_and_invisible_characters():
    assert fold_no_laporan(" lp\u200b-100 ") == fold_no_laporan("LP-100") == "LP-100"
    assert fold_no_laporan("LP  017\u00a0/ IX") == "LP 017 / IX"
    assert case("lp-100").case_id == case("LP-100").case_id == "2024/LP-100"
