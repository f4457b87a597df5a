"""C12 under-voltage judged over where in its band a regulator with line-drop compensation
rests when the export starts (review rev43a M11: IEEE 34's campus limited at 372 kW "at 890"
by reg1/reg2's LDC lowering the taps with the export, a figure that moved between ≈ 200 and
372 kW with the tap path; :mod:`protv2g.flow.tap_band`, :mod:`protv2g.checks.flow_tap_path`).

A small OpenDSS feeder written here: a stiff source, 3 km of line to ``a``, one gang-operated
three-phase regulator ``a`` → ``ar`` (vreg 120 V, band 2 V, PT 60, CTprim 300 A, LDC R = 6 V,
X = 12 V), 12 km to ``lat`` (2 MW at pf 0.9: 0.934 pu without V2G, under ANSI Range A's
0.95 pu) and 1 km to ``site`` (300 kW; a 1.5 MW depot). The export lowers the regulator's
current, its compensated voltage rises and the tap comes down; ``lat`` is on another branch
and drops with it.

Reference, nothing computed by protv2g: OpenDSS (``opendssdirect``) — the taps the band holds
without and with V2G from the control's own law, ``|V/PT − I/CTprim·(R + jX)|`` inside
vreg ± band/2 on phase 1 (IEEE C57.15; OpenDSS RegControl), each solved with the controls
off; from the highest without V2G (1.075) and from the tap OpenDSS settles on (1.0625, the
lowest), the depot's 1.5 MW solved with the controls acting (a continuation); both cases
compiled afresh (a fresh solve). Hand check: from 1.0625 the tap goes to 1.05 and ``lat``
rises 0.002 pu — within the 1/120 pu materiality, pre-existing; from 1.075 to 1.05, a drop
of 0.0123 pu; at the band's bottom in both cases (1.0625 → 1.0375, where the fresh solves
settle) 0.0124 pu — worse by more than the materiality. Before this change the row was
judged from the base case's taps alone: ``pre-existing``, with no word of the regulator.
"""

from __future__ import annotations

import numpy as np
import pytest

from .drafted_run import drafted_result

_DSS = """clear
new circuit.tappath basekv=12.47 pu=1.0 bus1=src phases=3 MVAsc3=200000 MVAsc1=200000
new line.l1 bus1=src bus2=a phases=3 length=3 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new transformer.reg phases=3 windings=2 buses=[a ar] conns=[wye wye] kvs=[12.47 12.47]
~ kvas=[10000 10000] xhl=0.01 %loadloss=0.01
new regcontrol.creg transformer=reg winding=2 vreg=120 band=2 ptratio=60 ctprim=300 R=6 X=12
new line.l2 bus1=ar bus2=lat phases=3 length=12 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new load.lat bus1=lat phases=3 kv=12.47 kw=2000 pf=0.9
new line.l3 bus1=ar bus2=site phases=3 length=1 units=km r1=0.3 x1=0.6 r0=0.6 x0=1.8
new load.site bus1=site phases=3 kv=12.47 kw=300 pf=0.95
set voltagebases=[12.47]
calcvoltagebases
"""
_KW = 1500.0
_STEP = 0.2 / 32


def dss_driver(path, bus: str, pick=min, vreg: float = 120.0, centre: float = 1.05):
    """``(compile_, solve, held)`` on the feeder at ``path`` with a generator ``g`` at
    ``site``: ``solve(kw, tap=None, controls=True)`` → (``pick`` of ``bus``'s phase voltages
    (pu), the regulator's tap); ``held(kw)`` the taps (``centre`` ± 10 steps) whose
    compensated voltage ``|V/PT − I/CTprim·(R + jX)|`` (PT 60, CTprim 300 A, R 6 V, X 12 V,
    phase 1) lies in ``vreg`` ± 1 V, each solved with the controls off (IEEE C57.15's law;
    OpenDSS RegControl). Also :mod:`tests.test_c12_tap_path_high`."""
    import opendssdirect as dss

    def compile_():
        dss.Text.Command(f"compile [{path}]")
        dss.Text.Command("new generator.g bus1=site phases=3 kv=12.47 kw=0 pf=1 model=1 "
                         "conn=delta")

    def solve(kw, tap=None, controls=True):
        dss.Generators.Name("g")
        dss.Generators.kW(kw)
        dss.Transformers.Name("reg")
        dss.Transformers.Wdg(2)
        if tap is not None:
            dss.Transformers.Tap(tap)
        dss.Text.Command("set controlmode=" + ("static" if controls else "off"))
        dss.Solution.Solve()
        assert dss.Solution.Converged()
        dss.Transformers.Name("reg")
        dss.Transformers.Wdg(2)
        dss.Circuit.SetActiveBus(bus)
        return pick(dss.Bus.puVmagAngle()[0::2]), dss.Transformers.Tap()

    def compensated_v():
        dss.Circuit.SetActiveElement("transformer.reg")
        v = np.array(dss.CktElement.Voltages()).reshape(-1, 2) @ np.array([1, 1j])
        i = np.array(dss.CktElement.Currents()).reshape(-1, 2) @ np.array([1, 1j])
        vo, io = v[4], -i[4]  # winding 2 (4 conductors a terminal), phase 1, out of it
        return abs(vo / 60 - io / 300 * (6 + 12j))

    def held(kw):
        out = []
        for k in range(-10, 11):
            tap = round(centre + k * _STEP, 6)
            solve(kw, tap, controls=False)
            if abs(compensated_v() - vreg) <= 1.0:
                out.append(tap)
        return out

    return compile_, solve, held


def _opendss(path) -> dict:
    """OpenDSS itself (module docstring): ``lat``'s lowest phase (pu) without and with the
    depot from the band's top and from the settled tap, and from fresh solves; the taps."""
    compile_, solve, held = dss_driver(path, "lat")
    compile_()
    _, settled = solve(0.0)
    out = {"settled": settled, "held": held(0.0), "held_v2g": held(_KW)}
    for name, tap in (("top", max(out["held"])), ("from_base", settled)):
        out[name] = (solve(0.0, tap, controls=False)[0], *solve(_KW, tap))
    bottom = min(out["held_v2g"])
    out["bottom"] = (solve(0.0, min(out["held"]), controls=False)[0],
                     solve(_KW, bottom, controls=False)[0], bottom)
    compile_()
    fresh0 = solve(0.0)[0]
    compile_()
    out["fresh"] = (fresh0, *solve(_KW))
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    pytest.importorskip("opendssdirect")
    result, path = drafted_result(tmp_path_factory.mktemp("tappath"), _DSS, "depot:site:15:100")
    return result, _opendss(path)


def _flow_lat(result, scenario: str):
    b = result.flow.buses
    r = b[(b.bus_name.astype(str) == "lat") & (b.scenario == scenario)]
    assert len(r) == 1, b.scenario.unique()
    return r.iloc[0]


def _row(result):
    from protv2g.checks.flow_groups import FLOW_BUS_TABLE

    t = result.tables[FLOW_BUS_TABLE]
    r = t[(t.fault_bus == "lat") & (t.scenario == "firm/peak/100%")]
    assert len(r) == 1, t[t.fault_bus == "lat"]
    return r.iloc[0]


def test_the_feeder_is_what_the_bracket_is_about(small) -> None:
    """OpenDSS: the band holds 1.0625–1.075 without V2G (settled on 1.0625) and 1.0375–1.05
    with the depot: LDC shifts it by two taps. From either start the tap comes to 1.05;
    ``lat`` rises 0.002 pu from the settled tap and drops 0.0123 pu from the band's top,
    0.0124 pu from bottom to bottom — where a fresh solve of each case settles (the
    materiality 1/120 pu between them)."""
    _, ref = small
    assert ref["held"] == pytest.approx([1.0625, 1.06875, 1.075])
    assert ref["held_v2g"] == pytest.approx([1.0375, 1.04375, 1.05])
    assert ref["settled"] == pytest.approx(1.0625)
    assert ref["top"][2] == ref["from_base"][2] == pytest.approx(max(ref["held_v2g"]))
    assert ref["fresh"][2] == pytest.approx(ref["bottom"][2])
    assert ref["fresh"][:2] == pytest.approx(ref["bottom"][:2], abs=1e-6)
    assert ref["from_base"][0] - ref["from_base"][1] < 1 / 120
    assert ref["top"][0] - ref["top"][1] > 1 / 120


@pytest.mark.parametrize(("column", "start"), [("vm_band_top_low_pu", "top"),
                                               ("vm_band_bottom_low_pu", "bottom")])
def test_the_flow_gives_each_start_as_opendss(small, column, start) -> None:
    """The flow's band columns, without and with the depot, are OpenDSS's at the highest and
    at the lowest tap the control's law holds in each case (the highest with the depot, 1.05,
    is also where the tap stops coming down from 1.075; the tool found those taps by moving
    them, not by the law); the row's own voltage is OpenDSS's continuation from the settled
    tap; within 2e-4 pu."""
    result, ref = small
    base, v2g = _flow_lat(result, "base/peak"), _flow_lat(result, "firm/peak/100%")
    assert base[column] == pytest.approx(ref[start][0], abs=2e-4)
    assert v2g[column] == pytest.approx(ref[start][1], abs=2e-4)
    low = min(v2g.vm_a_pu, v2g.vm_b_pu, v2g.vm_c_pu)
    assert low == pytest.approx(ref["from_base"][1], abs=2e-4)


def test_the_row_is_judged_from_the_conservative_start(small) -> None:
    """``lat`` with the depot: V2G's drop with the regulator at the bottom of its band in
    both cases (0.0124 pu, OpenDSS; 0.0123 pu from the top) is past the 1/120 pu materiality
    — ``worse``, margin the base case's voltage less that drop — where from the base case's
    taps it rises (pre-existing before this change); the message names the regulator, its
    LDC and the three starts, the one driving it."""
    result, ref = small
    r = _row(result)
    drop = ref["bottom"][0] - ref["bottom"][1]
    assert drop > ref["top"][0] - ref["top"][1]
    assert r.attribution == "worse"
    assert r.base_margin == pytest.approx(ref["from_base"][0] - 0.95, abs=2e-4)
    assert r.margin == pytest.approx(ref["from_base"][0] - drop - 0.95, abs=2e-4)
    v = result.violations
    msg = " ".join(v[(v.criterion == "C12") & (v.fault_bus == "lat")
                     & (v.scenario == "firm/peak/100%")].message.astype(str))
    assert "reg moved 1.0625 → 1.05 (LDC sees less forward current" in msg
    assert ("judged on the drop from the bottom of their band with and without V2G, the "
            "conservative end") in msg


def test_the_bracket_covers_a_fresh_solve(small) -> None:
    """A fresh OpenDSS solve of each case (compiled afresh, the tap climbing from 1.0 to the
    first it holds: 1.0625 and 1.0375) drops ``lat`` as much as the bracket's conservative
    end, not more (review rev43a M11 read the fresh solve as the other tap path)."""
    result, ref = small
    r = _row(result)
    fresh = ref["fresh"][0] - ref["fresh"][1]
    assert r.base_margin - r.margin == pytest.approx(fresh, abs=2e-4)


def test_the_hosting_text_names_the_regulator(small) -> None:
    """The text a hosting figure this row limits carries (review rev43a M11: "at 890" alone):
    the drop, the regulator's move and the start that drove it."""
    from protv2g.hosting.voltage_text import voltage_limit_text

    result, _ = small
    v = result.violations
    row = v[(v.criterion == "C12") & (v.fault_bus == "lat")
            & (v.scenario == "firm/peak/100%")].iloc[0].to_dict()
    text = voltage_limit_text(row, _KW)
    assert text.startswith("the drop V2G causes (0.012 pu at 1,500 kW) exceeds the tolerance")
    assert "reg moved 1.0625 → 1.05" in text
    assert "from the bottom of their band with and without V2G" in text


def test_a_charging_rows_bracket_speaks_of_the_charging():
    """A charging snapshot's under-voltage row says the charging lowers the bus (review ver44
    M1: IEEE 123 with creg1a at 115.5 V, F20 "made worse by charging" at 65, drops 0.0177 /
    0.0108 / 0.0176 pu — OpenDSS 0.01766 / 0.01078 / 0.01764 — read "V2G lowers 65 by
    +0.0177 pu … when the export starts")."""
    from protv2g.checks.flow_tap_path import tap_path_text, tap_words

    drops = np.array([0.0177, 0.0108, 0.0176])
    text = tap_path_text("65", drops, 0, charging=True)
    assert "when the charging starts" in text and "the charging lowers 65 by 0.0177 pu" in text
    assert "V2G" not in text and "export" not in text and "+0.0" not in text
    assert tap_words("voltage 0.923 pu at 65" + text).startswith("where in their band")
    v2g = tap_path_text("65", drops, 0)
    assert "when the export starts" in v2g and "V2G lowers 65 by 0.0177 pu" in v2g
