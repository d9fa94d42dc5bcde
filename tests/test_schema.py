"""The intake columns are declared once (schema.COLUMNS): the case, the blank workbook,
validation and the documentation follow that declaration; the problem-code catalogue
matches the README."""

from __future__ import annotations

import ast
import pickle
import typing
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipeline import codes, model, workbook
from pipeline.codes import Code
from pipeline.config import Config, load_config
from pipeline.intake import open_intake
from pipeline.model import Case, case_from_json, case_to_json, make_case_class
from pipeline.schema import COLUMNS, HEADER_ROW, SHEET_DATA, SHEET_HELP, Column, Kind, Need
from pipeline.validate import validate
from tests.conftest import ROOT, full_row, write_intake

EXTRA = Column("catatan_staf", "Catatan Staf", 5, Kind.text, Need.optional,
               "Boleh dikosongkan. Catatan staf untuk arsip.", max_len=200)


def test_case_has_one_field_per_column_in_column_order():
    names = [f.name for f in fields(Case)]
    assert names == [c.key for c in COLUMNS] + ["tanpa_jam", "source_file", "source_row"]


def test_a_column_added_to_the_declaration_becomes_a_case_field():
    extended = make_case_class((*COLUMNS, EXTRA))
    case = extended(**{k: v for k, v in full_row().items()
                       if k in {c.key for c in COLUMNS if c.need is Need.always}},
                    catatan_staf="Pelapor minta dihubungi sore hari.")
    assert case.catatan_staf == "Pelapor minta dihubungi sore hari."
    assert case.steps_done == 1
    assert replace(case, catatan_staf="").catatan_staf == ""


def test_a_column_added_to_the_declaration_reaches_workbook_and_validation(
        tmp_path: Path, cfg: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every consumer reads the same tuple; extending it is the whole change.
    at = [c.key for c in COLUMNS].index("saksi") + 1  # the end of step 5's columns
    extended = (*COLUMNS[:at], EXTRA, *COLUMNS[at:])
    for module in ("pipeline.schema", "pipeline.workbook", "pipeline.validate",
                   "pipeline.intake", "tests.conftest"):
        monkeypatch.setattr(f"{module}.COLUMNS", extended, raising=False)
    monkeypatch.setitem(__import__("pipeline.schema").schema.COLUMN_BY_KEY, EXTRA.key, EXTRA)
    monkeypatch.setitem(__import__("pipeline.schema").schema.COLUMN_BY_FOLDED_HEADER,
                        "catatan staf", EXTRA)
    monkeypatch.setattr("pipeline.validate.Case", make_case_class(extended))
    blank = tmp_path / "isian.xlsx"
    workbook.write_blank_intake(blank, cfg)
    book = load_workbook(blank)
    assert book[SHEET_DATA].cell(HEADER_ROW, at + 1).value == "Catatan Staf"
    help_text = [c.value for row in book[SHEET_HELP].iter_rows() for c in row]
    assert "Boleh dikosongkan. Catatan staf untuk arsip." in help_text
    path = write_intake(tmp_path / "laporan.xlsx", [full_row(catatan_staf="x" * 201)],
                        columns=[c.key for c in extended])
    result = validate(open_intake(path.name, path.read_bytes(), cfg.batas), cfg,
                      datetime(2024, 10, 1))
    assert result.flatten() == [(3, "Catatan Staf", "teks-terlalu-panjang")]
    assert result.cases[0].steps_done == 4  # steps before the column's step go through


def _string_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


@pytest.mark.parametrize("module", ["model.py", "workbook.py", "validate.py", "rules.py",
                                    "intake.py", "problems.py"])
def test_no_module_repeats_the_list_of_columns(module: str) -> None:
    # Naming a column or two (a rule about the phone number) is fine; a list is not.
    literals = _string_literals(ROOT / "pipeline" / module)
    headers = [c.header for c in COLUMNS if c.header in literals]
    keys = [c.key for c in COLUMNS if c.key in literals]
    assert len(headers) <= 3 and len(keys) <= 8, (headers, keys)


def test_typing_stub_agrees_with_the_generated_case():
    hints = typing.get_type_hints(model._CaseMethods)
    real = {f.name: f.type for f in fields(Case)}
    assert set(hints) <= set(real)
    for name, hint in hints.items():
        assert hint == real[name], name


def test_case_survives_pickle_and_json(cfg: Config) -> None:
    case = Case(**{k: v for k, v in full_row().items() if k not in ("instansi",)},
                instansi=("Kepolisian Sektor Kerjo",), tanpa_jam=frozenset({"waktu_selesai"}))
    assert pickle.loads(pickle.dumps(case)) == case  # the process pool pickles cases
    assert case_from_json(case_to_json(case)) == case
    with pytest.raises(AttributeError):
        case.desa = "Botok"  # type: ignore[misc]
    assert replace(case, desa="Botok").desa == "Botok"


def test_old_stored_cases_read_the_same():
    # Cases stored before tanpa_jam existed have no such key; their JSON is unchanged.
    case = Case(**{k: v for k, v in full_row().items() if k != "instansi"})
    data = case_to_json(case)
    assert "tanpa_jam" not in data
    assert case_from_json(data).tanpa_jam == frozenset()


def test_column_values_follow_the_declaration_by_step():
    case = Case(**{k: v for k, v in full_row().items() if k != "instansi"},
                instansi=("Kepolisian Sektor Kerjo",), saksi=("Joko Susilo",))
    assert set(model.column_values(case, 4)) == {
        "waktu_koordinasi", "daftar_instansi", "tindakan", "jadwal_tindakan", "tempat_tindakan"}
    assert model.column_values(case, 4)["daftar_instansi"] == ("Kepolisian Sektor Kerjo",)
    assert model.column_values(case, 5)["saksi"] == ("Joko Susilo",)
    assert "pelapor.nama" not in model.column_values(case, 1)


def test_empty_optional_columns_take_their_declared_default():
    case = Case(**{k: v for k, v in full_row().items()
                   if k in {c.key for c in COLUMNS if c.need is Need.always}})
    assert (case.sifat, case.instruksi, case.saksi, case.jadwal_tindakan) == \
        ("Biasa", (), (), None)


def test_every_column_is_a_documented_template_variable():
    readme = (ROOT / "templates" / "README.md").read_text(encoding="utf-8")
    missing = [c.template_variable for c in COLUMNS if f"`{c.template_variable}`" not in readme]
    assert missing == []


def test_long_text_columns_hold_a_whole_excel_cell():
    caps = {c.key: c.max_len for c in COLUMNS}
    for key in ("uraian", "isi_disposisi", "tindakan", "hasil"):
        assert caps[key] == 32767
    assert (caps["no_laporan"], caps["nama_pelapor"], caps["terlapor"]) == (40, 100, 100)


# --- the problem-code catalogue ---------------------------------------------------------

def test_every_code_has_a_template_meaning_and_fix():
    assert len(Code) == len({c.value for c in Code})
    for code in Code:
        assert code.template and code.meaning and code.fix, code.value


def test_readme_troubleshooting_table_is_the_catalogue():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{codes.README_BEGIN}\n{codes.readme_table()}\n{codes.README_END}" in readme, \
        "run: python -m pipeline.codes README.md"
    assert "`masalah-lain`" in readme


def test_pipeline_uses_only_catalogue_codes():
    # A code typed as a bare string outside the catalogue would miss the README table.
    known = {c.value for c in Code}
    for path in (ROOT / "pipeline").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "code" \
                    and isinstance(node.value, ast.Constant):
                assert node.value.value in known, (path.name, node.value.value)


@pytest.fixture
def cfg(tmp_path: Path) -> Config:
    """The shipped configuration with its folders in tmp_path."""
    (tmp_path / "config.toml").write_text((ROOT / "config.toml").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "templates").mkdir()
    return load_config(tmp_path / "config.toml")
