"""Tests share the process: the working directory and the global ``opendssdirect`` engine.

The first test below leaves what a careless test would — a 50 Hz base frequency behind a
``clear`` (OpenDSS's ``Clear`` keeps ``DefaultBaseFrequency``: session 40's CI, where
``test_phase_cut_off``'s OpenDSS reference got 50 Hz impedances after the European LV case),
the process moved into a model's folder by ``compile`` (a CI pytest process was found in
``../shared/feeders/opendss/37Bus``), the engine's data path there, and a circuit with its
export and report windows switched on. The second test, run after it, finds a fresh engine
and the folder the run started in: ``tests/conftest.py``'s autouse ``fresh_opendss_and_cwd``.
Reference: a fresh OpenDSS engine (``opendssdirect.NewContext``; OpenDSS's default base
frequency is 60 Hz, EPRI OpenDSS reference guide, ``Set DefaultBaseFrequency``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

odd = pytest.importorskip("opendssdirect")

_SEEN: dict[str, str] = {}

_SCRIPT = """clear
set DefaultBaseFrequency=50
new circuit.lv50 basekv=0.4 bus1=src phases=3
new line.l1 bus1=src bus2=b1 phases=3 x1=0.1 r1=0.05 units=km length=1
"""


def _option(name: str) -> str:
    odd.Text.Command(f"get {name}")
    return odd.Text.Result()


def test_a_test_leaves_50_hz_a_models_folder_and_its_circuit_behind(tmp_path: Path) -> None:
    _SEEN["cwd"] = os.getcwd()
    (tmp_path / "master.dss").write_text(_SCRIPT)
    odd.Text.Command(f'compile "{tmp_path / "master.dss"}"')
    odd.Text.Command("set ShowExport=yes SeasonRating=yes")
    assert Path(os.getcwd()) == tmp_path  # OpenDSS moved the process into the script's folder
    assert float(_option("DefaultBaseFrequency")) == 50.0
    odd.Text.Command("clear")
    odd.Text.Command("new circuit.probe")
    assert float(_option("DefaultBaseFrequency")) == 50.0  # ``Clear`` kept it
    odd.Text.Command(f'compile "{tmp_path / "master.dss"}"')  # its circuit is left behind


def test_the_next_test_finds_a_fresh_engine_in_the_starting_folder() -> None:
    if "cwd" not in _SEEN:
        pytest.skip("run after the test above (the whole file)")
    assert os.getcwd() == _SEEN["cwd"]
    assert odd.Basic.NumCircuits() == 0
    assert Path(odd.Basic.DataPath()) == Path(_SEEN["cwd"])
    fresh = odd.NewContext()
    os.chdir(_SEEN["cwd"])
    for dss in (odd, fresh):
        dss.Text.Command("new circuit.probe")
    for name in ("DefaultBaseFrequency", "ShowExport", "SeasonRating", "Editor", "Recorder"):
        fresh.Text.Command(f"get {name}")
        assert _option(name) == fresh.Text.Result(), name
    assert float(_option("DefaultBaseFrequency")) == 60.0
