"""Regulators in the flow and C12's reverse-power texts (session 23, EPRI J1 at light load).

J1's "0 kW at light load" for home chargers was C12's reverse-power row at ``regxfmr_b4868``:
the existing PV already reverses 29.8 kW through it at 0.3 load, the homes add about their
export. The flow was not frozen at peak taps: every step is an OpenDSS snapshot solve with the
model's RegControls acting. These tests hold that (IEEE 13: the engine's taps and regulated
voltages at light and peak load are OpenDSS's own) and the texts that say what the row means.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.checks.flow import FORWARD_LOCKED_TEXT  # noqa: E402
from protv2g.flow.opendss import DssFlowEngine, DssFlowSite  # noqa: E402
from protv2g.flow.opendss_study import dss_watches  # noqa: E402
from protv2g.hosting.voltage_text import reverse_power_text, voltage_limit_text  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402

REGS = ("reg1", "reg2", "reg3")


def _taps(dss) -> list[float]:  # noqa: ANN001 - an opendssdirect context
    out = []
    for name in REGS:
        dss.Transformers.Name(name)
        dss.Transformers.Wdg(2)
        out.append(dss.Transformers.Tap())
    return out


def _own_run(master, load_mult: float) -> tuple[list[float], np.ndarray]:
    """OpenDSS's own: compile, snapshot at peak (as the engine's first solve), then the level."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'redirect "{master}"')
    dss.Text.Command("set maxiterations=100 maxcontroliter=100 mode=snapshot loadmult=1")
    dss.Solution.Solve()
    dss.Text.Command(f"set loadmult={load_mult}")
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    dss.Circuit.SetActiveBus("rg60")
    return _taps(dss), np.asarray(dss.Bus.puVmagAngle()[0::2])


def test_regulators_act_at_each_load_level_as_opendss(shared_dir):
    """IEEE 13 (RegControls reg1-3 with LDC): the engine's taps at 0.3 load are not the peak
    ones, and at each level the taps and the voltages at the regulated bus rg60 are what
    OpenDSS's own snapshot run gives (controls act in every independent step)."""
    master = shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss"
    model = load_dss_model(master)
    eng = DssFlowEngine(model, [DssFlowSite("depot", "675", "abc")],
                        [w for w in dss_watches(model) if w.kind == "regulator"])
    names = list(model.node_names)
    rg60 = [names.index(f"rg60.{k}") for k in (1, 2, 3)]
    kv_ln = float(model.buses.kv_ln.loc["rg60"]) * 1e3
    got = {}
    for lm in (1.0, 0.3):
        arr = eng.solve(np.array([lm]), np.array([[0.0]]))
        assert arr.converged.all()
        got[lm] = (_taps(eng._dss), np.abs(arr.v_v[0, rg60]) / kv_ln)
        taps, v_pu = _own_run(master, lm)
        np.testing.assert_allclose(got[lm][0], taps, atol=1e-9)
        np.testing.assert_allclose(got[lm][1], v_pu, atol=1e-5)
    assert not np.allclose(got[1.0][0], got[0.3][0])  # the taps moved with the load


def test_forward_locked_text_does_not_advise_bidirectional_mode():
    """Bidirectional mode runs to a tap limit on DER export (J1: tap +16, 1.10 pu at 72 kW in
    OpenDSS with reversible=yes); the row advises cogeneration or locked forward."""
    t = FORWARD_LOCKED_TEXT
    assert "cogeneration mode" in t and "locked forward" in t
    assert "set it to bidirectional" not in t and "tap" in t


def test_reverse_power_text_j1_figures():
    """J1 at light load, homes at 4.5 kW: 29.8 kW reverse without V2G, 34.4 kW with
    (OpenDSS: -29.8 / -34.4 kW at regxfmr_b4868's source terminal, phase b)."""
    row = {"criterion": "C12", "margin_unit": "MW", "margin": -0.0344,
           "base_margin": -0.0298, "limit": 0.0}
    t = voltage_limit_text(row, 4.5)
    assert t == reverse_power_text(row, 4.5)
    assert "29.8 kW without V2G" in t and "34.4 kW at 4.5 kW export" in t
    assert "V2G adds 4.6 kW" in t and "forward-locked" in t
    new = reverse_power_text({**row, "base_margin": float("nan")}, 4.5)
    assert "none without V2G" in new
    assert reverse_power_text({**row, "margin_unit": "pu"}, 4.5) == ""
    assert reverse_power_text({**row, "criterion": "C8"}, 4.5) == ""



def test_reverse_power_text_whole_kw_from_1000():
    """fix40b (ver39b): at 1,000 kW of export the text read "1e+03 kW" (``:,.3g``); it writes
    whole kW with thousands separators, as the Summary's hosting cells, from 1,000 kW on
    (figures by hand: 1.2346 MW reverse = 1,235 kW; V2G adds 1,234.6 − 900 = 334.6 ≈ 330 kW
    at 2 digits)."""
    row = {"criterion": "C12", "margin_unit": "MW", "margin": -1.2346, "base_margin": -0.9}
    t = reverse_power_text(row, 1000.0)
    assert "e+0" not in t
    assert t.startswith("reverse power 900 kW without V2G (the flow at this load, with no "
                        "export, already reverses it) and 1,235 kW at 1,000 kW export "
                        "(V2G adds 330 kW)")
    new = reverse_power_text({**row, "base_margin": float("nan")}, 12500.0)
    assert new.startswith("reverse power 1,235 kW at 12,500 kW export, none without V2G")
    over = voltage_limit_text({"criterion": "C12", "margin_unit": "pu", "limit": 1.05,
                               "margin": -0.0107, "base_margin": 0.0016,
                               "tolerance": 0.008333}, 1500.0)
    # 1,500 kW × 0.0016 / 0.0123 = 195.1 kW ≈ 200 kW (2 digits)
    assert "(0.0123 pu at 1,500 kW)" in over and "passed at ≈ 200 kW" in over


def test_reverse_power_status_by_line_drop_compensation(shared_dir):
    """Review s27 §4 (EPRI J1: RegControls with no LDC failed the gate on reverse power while
    the row said their mode suits export): forward-locked with LDC fails, without LDC warns
    (confirm the field mode), a reverse mode is information. IEEE 13's controls have LDC
    (R=3 X=9); the same controls with R=X=0 read as forward-locked without it."""
    from protv2g.checks.regulator_text import FORWARD_LOCKED_LDC_TEXT, regulator_row
    from protv2g.network.dss_elements import control_table
    from protv2g.violations import CheckStatus

    assert regulator_row("forward_locked_ldc") == (CheckStatus.FAIL, FORWARD_LOCKED_LDC_TEXT)
    assert regulator_row("forward_locked") == (CheckStatus.WARN, FORWARD_LOCKED_TEXT)
    assert regulator_row("cogeneration")[0] is CheckStatus.INFO
    assert regulator_row("bidirectional")[0] is CheckStatus.INFO
    import opendssdirect

    master = shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss"
    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'redirect "{master}"')
    modes = control_table(dss).set_index("name")["mode"]
    assert modes[[f"regcontrol.{r}" for r in REGS]].tolist() == ["forward_locked_ldc"] * 3
    for r in REGS:
        dss.Text.Command(f"edit regcontrol.{r} R=0 X=0")
    modes = control_table(dss).set_index("name")["mode"]
    assert modes[[f"regcontrol.{r}" for r in REGS]].tolist() == ["forward_locked"] * 3


def test_gate_lists_a_regulator_mode_to_confirm():
    """Review s28 §5: the warn row of a forward-locked regulator without LDC is a ``confirm:``
    line of the gate (one per regulator, its largest reverse power), never a ``fail:``."""
    import pandas as pd

    from protv2g.checks.regulator_text import MODE_TO_CONFIRM
    from protv2g.gate_confirms import mode_confirms as _mode_confirms

    v = pd.DataFrame({"criterion": ["C12"] * 3, "status": ["warn"] * 3,
                      "device": ["REG:b19008", "REG:b19008", "REG:b18864"],
                      "scenario": ["e/light/50%", "e/light/100%", "e/light/100%"],
                      "margin": [-0.05, -0.107, -0.024], "mechanism": [MODE_TO_CONFIRM] * 3,
                      "message": ["m50", "m100", "m18864"]})
    lines = _mode_confirms(v)
    assert lines == [
        "confirm: C12 REG:b18864: m18864 (warn: the model's mode suits the export; "
        "e/light/100%; 1 warn row in 1 scenario)",
        "confirm: C12 REG:b19008: m100 (warn: the model's mode suits the export; "
        "e/light/100%; 2 warn rows in 2 scenarios)"]
    assert _mode_confirms(v.assign(mechanism="")) == []


def test_flow_table_gives_each_regulators_solved_tap_as_opendss(shared_dir):
    """Review rev32b §3b: the C12 unbalance with V2G rests on the regulators' taps, which the
    workbook did not show. The Flow table's regulator rows carry the solved tap (``tap_pu``,
    ``tap_position``): IEEE 34 (Mod1, two three-phase banks of single-phase regulators), one
    row per regulator and case, equal to OpenDSS's own ``RegControl.TapNumber`` and
    ``Transformer.Tap`` of the regulated winding after a snapshot run at peak then at 0.3 load
    (peak: reg1 +14/+4/+5, reg2 +13 ×3 — 1.0875/1.025/1.03125 and 1.08125 pu; light: reg1
    −2/−4/−4, reg2 +2)."""
    import opendssdirect

    from protv2g.flow.opendss_tables import device_table

    master = shared_dir / "feeders" / "opendss" / "34Bus" / "ieee34Mod1.dss"
    model = load_dss_model(master)
    eng = DssFlowEngine(model, (), dss_watches(model))
    lf = np.array([1.0, 0.3])
    arr = eng.solve(lf, np.zeros((0, 2)))
    assert arr.converged.all()
    tab = device_table(model, eng.watches, eng.watch_phases, arr, eng.branches,
                       np.array(["peak", "light"], dtype=object), np.zeros(2, dtype=int),
                       np.full(2, np.nan), lf, 1e-3)
    regs = tab[tab.kind == "regulator"]
    assert len(regs) == 12 and regs.tap_pu.notna().all()      # 6 regulators × 2 cases
    assert tab[tab.kind != "regulator"].tap_pu.isna().all()
    dss = opendssdirect.NewContext()
    dss.Text.Command("clear")
    dss.Text.Command(f'redirect "{master}"')
    dss.Text.Command("set maxiterations=100 maxcontroliter=100 mode=snapshot")
    for case, lm in (("peak", 1.0), ("light", 0.3)):
        dss.Text.Command(f"set loadmult={lm}")
        dss.Solution.Solve()
        assert dss.Solution.Converged()
        for name in dss.RegControls.AllNames():
            dss.RegControls.Name(name)
            xf, wdg = dss.RegControls.Transformer(), dss.RegControls.Winding()
            dss.Transformers.Name(xf)
            dss.Transformers.Wdg(wdg)
            row = regs[(regs.device == f"REG:{xf}") & (regs.scenario == case)]
            assert len(row) == 1
            assert row.tap_position.iat[0] == dss.RegControls.TapNumber()
            assert row.tap_pu.iat[0] == pytest.approx(dss.Transformers.Tap(), abs=1e-12)
    peak = regs[regs.scenario == "peak"].set_index("device").tap_pu
    assert peak["REG:reg1a"] == pytest.approx(1.0 + 14 * 0.2 / 32, abs=1e-12)
