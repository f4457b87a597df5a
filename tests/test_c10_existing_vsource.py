"""C10 judges an existing source the model writes as a Vsource behind a reclosing device
(review rev45a M6; protv2g.checks.reclosing_sources).

EPRI's DG-protection feeder writes its 1,650 kVA wind machine as ``Vsource.WindGen1`` at Bg
(0.6 kV behind Transformer.Tg); with the generator connected (``close transformer.tg 2``, as
rev45a's study) reclosers A and B (Line.L1, Line.L4) reclose after 2 s with it behind them.
Before the fix C10 had no row for it: only a V2G site's or C11's existing DER (PV, storage,
generators) cease time was judged. References, read off the model's text (nothing protv2g
computed): ``recloseintervals=(2, 2, 5)`` of A and B; the Vsource's bus ``Bg``; IEEE 1547-2018
§8.1's 2 s; the 0.5 s reclose margin of the Rules sheet (2 − (2 + 0.5) = −0.5 s).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from .conftest import dg_protection_copy
from .test_c10_voltage_relay import STUDY as RELAY_STUDY

pytest.importorskip("opendssdirect")

#: test_c10_voltage_relay's study (light load, no V2G), its redirect tg.dss, 3ph max only.
STUDY = RELAY_STUDY.replace("gen_tg.dss", "tg.dss") + "  fault_types: [3ph]\n  cases: [max]\n"


def _run(folder: Path, script: str):
    from protv2g import load_study
    from protv2g.runner import run_study

    (folder / "tg.dss").write_text(script, encoding="utf-8")
    (folder / "study.yaml").write_text(STUDY, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_study(load_study(folder / "study.yaml"), hosting=False)
    v = r.violations
    return v[(v.criterion.astype(str) == "C10")
             & (v.other_device.astype(str) == "vsource.windgen1")]


@pytest.fixture
def dg(shared_dir: Path, tmp_path_factory) -> Path:
    return dg_protection_copy(shared_dir, tmp_path_factory, "dgvs")


def test_vsource_behind_reclosers_fails_c10(dg):
    from protv2g.checks.reclosing_sources import NO_CEASE_MODELLED

    rows = _run(dg, "close transformer.tg 2\n")
    assert set(rows.device.astype(str)) == {"a", "b"}
    assert (rows.status.astype(str) == "fail").all()
    assert (rows.mechanism.astype(str) == NO_CEASE_MODELLED).all()
    assert rows.margin.astype(float).round(9).eq(-0.5).all()  # 2 s − (2 s + 0.5 s)
    assert (rows.fault_bus.astype(str).str.lower() == "bg").all()
    m = str(rows.message.iloc[0])
    assert "nothing in the model ceases it" in m and "never ceases" in m


def test_later_reclose_is_an_info_row_naming_the_risk(dg):
    rows = _run(dg, "close transformer.tg 2\nedit recloser.a recloseintervals=(5, 5, 5)\n"
                "edit recloser.b recloseintervals=(5, 5, 5)\n")
    assert len(rows) and (rows.status.astype(str) == "info").all()
    assert "confirm its anti-islanding protection" in str(rows.message.iloc[0])


def test_unconnected_vsource_gets_no_row(dg):
    """Control: the script's own ``open transformer.tg 2`` — the source feeds no island."""
    assert _run(dg, "! tg left open\n").empty
