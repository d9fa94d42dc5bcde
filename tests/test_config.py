"""config.toml: the shipped file loads; each kind of mistake is one clear message."""

from __future__ import annotations

import pytest

from pipeline.config import load_config
from pipeline.drafts import placeholders
from pipeline.errors import ConfigError
from tests.conftest import ROOT, set_config


def test_shipped_config_loads_with_the_sop_values():
    cfg = load_config(ROOT / "config.toml")
    assert [cfg.waktu_baku.minutes(s) for s in range(1, 8)] == [5, 15, 10, None, None, 5, 30]
    assert len(cfg.daftar.desa) == 10 and "Kwadungan" in cfg.daftar.desa
    assert cfg.kantor.pemerintah == "PEMERINTAH KABUPATEN KARANGANYAR"
    assert "[pejabat.camat] nama" in placeholders(cfg)


@pytest.mark.parametrize("old, new, message", [
    ("langkah_1 = 5", 'langkah_1 = "lima"', "nilai [waktu_baku] langkah_1 = 'lima' salah jenis"),
    ("langkah_1 = 5", "langkah_1 = 0", "langkah_1 harus lebih dari 0 menit"),
    ('[pemantau]', '[pemantauan]', "bagian [pemantauan] tidak dikenal"),
    ('pola = "{tahun}/{nn}', 'pola = "{tahun}/{nomor}', "memakai {nomor} yang tidak dikenal"),
    ('tanda_terima = "{klasifikasi}/{urut:03d}/{kode_unit}/{tahun}"',
     'tanda_terima = "{klasifikasi}/{kode_unit}/{tahun}"', "harus memuat {urut}"),
    ('pdf = "tidak"', 'pdf = "kadang"', 'pdf harus "auto", "ya" atau "tidak"'),
    ('state = "state"', 'state = "outbox/state"', "folder state tidak boleh berada di dalam"),
    ('inbox = "inbox"', 'inbox = "tidak-ada"', "tidak ada. Buat foldernya"),
    ('desa = ["Botok",', 'desa = ["Botok", "botok",', "berisi nilai ganda"),
])
def test_each_mistake_is_one_clear_message(office, old, new, message):
    with pytest.raises(ConfigError) as info:
        set_config(office, old, new)
    assert message in info.value.message


def test_broken_toml_names_the_file(office):
    (office / "config.toml").write_text("[kantor\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(office / "config.toml")
    assert "tidak dapat dibaca" in info.value.message and "format TOML" in info.value.message
