"""A gang-operated regulator bank holds ONE phase in its band; the others follow its tap (review
reg36, ldc35's left-open: flow_band judged every phase of a three-phase bank as held).

A small OpenDSS feeder written here: a stiff source at 1.0 pu, 3 km of line to ``a`` (100 kW on
phase c there, the V2G site there too: upstream of the regulator), one three-phase regulator
``a`` → ``ar`` with ONE RegControl reading phase c (``PTphase=3``; vreg 125.5 V, band 2 V, PT 60:
1.0375–1.0542 pu on 7.2 kV; no LDC), 0.5 km to ``m`` (300 kW three-phase, 300 kW on phase a,
100 kW on phase b). The phase-c load ahead of the bank leaves phase c its lowest input; the
control raises the tap until phase c is in its band, and phase b's output sits ≈ 0.008 pu above
phase c's — above the band's top with V2G. The site's 1.5 MW relieves the first line: every
phase of ``ar`` and ``m`` rises ≈ 0.009 pu at the same tap (+8).

``m`` phase b: 1.0494 pu without V2G, 1.0583 with — the row the rule judges. The control rests
phase c anywhere in its band; at its top (tap +10, OpenDSS below) ``m`` phase b is over 1.05 pu
with no V2G at all: the set-point's, as for a per-phase control (:mod:`protv2g.checks.flow_band`).
The old code read the band on phase b's own output (1.0583 > 1.0542 + tol: "not held") and left
the row V2G's; a control does not hold a phase it does not read — nor does the band bound it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from protv2g.checks.flow_band import band_held  # noqa: E402
from protv2g.checks.flow_taps import regulator_settings  # noqa: E402
from protv2g.flow.blocks import ScenarioBlock  # noqa: E402
from protv2g.flow.opendss import DssFlowSite  # noqa: E402
from protv2g.flow.opendss_study import dss_watches, opendss_flow  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402

_DSS = """clear
new circuit.gang basekv=12.47 pu=1.0 bus1=src phases=3 MVAsc3=200000 MVAsc1=200000
new line.l1 bus1=src bus2=a phases=3 length=3 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new load.lc bus1=a.3 phases=1 kv=7.2 kw=100 pf=0.95
new transformer.reg phases=3 windings=2 buses=[a ar] conns=[wye wye] kvs=[12.47 12.47]
~ kvas=[10000 10000] xhl=0.01 %loadloss=0.01
new regcontrol.creg transformer=reg winding=2 vreg=125.5 band=2 ptratio=60 ptphase=3
new line.l2 bus1=ar bus2=m phases=3 length=0.5 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new load.lam bus1=m.1 phases=1 kv=7.2 kw=300 pf=0.95
new load.lbm bus1=m.2 phases=1 kv=7.2 kw=100 pf=0.95
new load.l3 bus1=m phases=3 kv=12.47 kw=300 pf=0.95
set voltagebases=[12.47]
calcvoltagebases
"""
SITE_KW, V_MAX, TOL = 1500.0, 1.05, 0.001
LO, HI = 124.5 * 60 / 7199.558, 126.5 * 60 / 7199.558  # the band on phase c, pu


def _block(name: str, p_mw: float) -> ScenarioBlock:
    nan = np.array([np.nan])
    return ScenarioBlock(name, "base/peak", nan, np.array([1.0]), np.array([[p_mw]]),
                         [np.array(["exporting" if p_mw else "idle"], dtype=object)],
                         [np.array([1.0])], [nan], np.array([False]))


def _opendss(path) -> dict:
    """OpenDSS's own: the site as a pf-1 delta generator at ``a``; phase magnitudes (pu) of
    ``ar`` and ``m`` and the tap at 0 and SITE_KW (controls acting), and ``m`` with no V2G at
    the highest tap that keeps phase c inside the band (controls off)."""
    import opendssdirect

    dss = opendssdirect.NewContext()
    dss.Text.Command(f"redirect [{path}]")
    dss.Text.Command("new generator.g bus1=a phases=3 kv=12.47 kw=0 pf=1 model=1 conn=delta")
    out = {}
    for kw in (0.0, SITE_KW):
        dss.Generators.Name("g")
        dss.Generators.kW(kw)
        dss.Solution.Solve()
        dss.RegControls.Name("creg")
        out[("tap", kw)] = dss.RegControls.TapNumber()
        for b in ("ar", "m"):
            dss.Circuit.SetActiveBus(b)
            out[(b, kw)] = np.asarray(dss.Bus.puVmagAngle()[::2])
    dss.Generators.kW(0.0)
    dss.Text.Command("set controlmode=off")
    tap = out[("tap", 0.0)]
    while True:  # the band's top on phase c, no V2G
        dss.RegControls.TapNumber(tap + 1)
        dss.Solution.Solve()
        dss.Circuit.SetActiveBus("ar")
        if dss.Bus.puVmagAngle()[4] > HI:
            break
        tap += 1
    dss.RegControls.TapNumber(tap)
    dss.Solution.Solve()
    dss.Circuit.SetActiveBus("m")
    out["m_top"], out["tap_top"] = np.asarray(dss.Bus.puVmagAngle()[::2]), tap
    return out


@pytest.fixture(scope="module")
def gang(tmp_path_factory):
    path = tmp_path_factory.mktemp("gang") / "gang.dss"
    path.write_text(_DSS)
    model = load_dss_model(path)
    watches = [w for w in dss_watches(model) if w.kind == "regulator"]
    res, _ = opendss_flow(model, [DssFlowSite("site", "a", "abc")],
                          [_block("base/peak", 0.0), _block("v2g", SITE_KW / 1000.0)], watches)
    return model, res, _opendss(path)


def test_opendss_holds_phase_c_only(gang):
    """The premise, in OpenDSS: the tap stays +8 with the export; phase c (read) is inside the
    band both times, phase b's output is not (above the top + tolerance with V2G); ``m`` phase
    b passes without V2G and fails with it; its rise is the output's; at the band's top on phase
    c (tap +10) ``m`` phase b is over 1.05 pu + tol with no V2G."""
    _, _, od = gang
    assert od[("tap", 0.0)] == od[("tap", SITE_KW)] == 8
    for kw in (0.0, SITE_KW):
        assert LO <= od[("ar", kw)][2] <= HI
    assert od[("ar", SITE_KW)][1] > HI + TOL  # phase b: not in the band
    m0, m1 = od[("m", 0.0)], od[("m", SITE_KW)]
    assert int(np.argmax(m1)) == 1 and m0[1] < V_MAX + TOL < m1[1]
    rise_m, rise_out = m1[1] - m0[1], od[("ar", SITE_KW)][1] - od[("ar", 0.0)][1]
    assert abs(rise_m - rise_out) < 0.0002 and rise_m > 0.008
    assert od["tap_top"] == 10 and od["m_top"][1] > V_MAX + TOL


def test_settings_read_the_pt_phase(gang):
    model, _, _ = gang
    s = regulator_settings(model).set_index("name")
    row = s.loc[[n for n in s.index if n.endswith("creg")][0]]
    assert list(row.phases) == [0, 1, 2] and int(row.sensed) == 2
    assert row.hi_pu == pytest.approx(HI, abs=1e-4)


def test_a_phase_the_gang_bank_does_not_read_is_judged_on_the_phase_it_reads(gang):
    """``m`` phase b with V2G: the set-point's (rules on phase c's band), the words say phase b
    follows the tap; the flow's voltages are OpenDSS's. On the old code: not held (phase b's
    own output over the band) — the row stayed V2G's."""
    model, res, od = gang
    bus = res.buses
    at = {str(n).lower(): k for k, n in enumerate(model.buses.index.tolist())}
    m = bus[(bus.bus == at["m"])].set_index("scenario")
    np.testing.assert_allclose(m.loc["v2g", ["vm_a_pu", "vm_b_pu", "vm_c_pu"]].to_numpy(float),
                               od[("m", SITE_KW)], atol=1e-5)
    rows = pd.DataFrame({"scenario": ["v2g"], "bus": [at["m"]], "step": [0]})
    out = band_held(model, bus, res.devices, {"v2g": "base/peak"}, rows, np.array([True]),
                    V_MAX, TOL, lambda b: model.buses.index[b])
    assert list(out) == [0]
    text = out[0]
    assert "(phase b)" in text and "phase c" in text and "follows the tap" in text
    assert "pre-existing" in text


def test_the_output_is_not_said_to_be_held_on_every_phase(gang):
    """C12's words on the bank's output (``regulated_buses``, read by the set-point texts):
    the control reads phase c only, the other phases follow its tap (OpenDSS above: phase b
    1.0583 pu, over the band's top 1.0542 pu, at the same tap)."""
    from protv2g.checks.flow_limit import regulated_buses

    model, _, _ = gang
    at = {str(n).lower(): k for k, n in enumerate(model.buses.index.tolist())}
    words = regulated_buses(model)[at["ar"]]
    assert words.startswith("regulator reg (creg")
    assert "reads phase c only" in words and "follow its tap" in words
