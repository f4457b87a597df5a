"""A V2G site's own ungrounded (delta) low-voltage bus behind its ``model_transformer``
(review rev36a W1, W2, M2, T4 and the tap advice; IEEE 8500's depot on a YNd 12.47/0.48 kV
transformer with a 3-phase ``Load.depot_aux`` left at OpenDSS's default ``conn=wye``).

The feeder: a 12.47 kV source, a trunk unbalanced by a single-phase load at ``b1`` (IEEE 8500
is unbalanced too: the delta side's negative sequence is what moves the load's star point), a
depot's 1.5 MVA YNd transformer on ``b1`` with a fuse F-DEPOT on its HV side (a device there
moves the HV terminal to a close-in bus: in the run both winding buses are out of the base
case), 8 × 125 kW chargers on ``depot_lv``.

* W1 (``FLOAT``): the aux load wye on ``depot_lv``. OpenDSS's phase-to-ground voltages there
  float (1.057 / 0.968 / 1.057 pu idle at light load) while the line-to-line voltage, the
  service voltage of a 3-wire system (ANSI C84.1-2020 §4), is 1.026-1.029 pu. The old code
  took the load's grounded star point as a ground path, judged the floating phases and failed
  C12 at depot_lv (1.065 pu "tap"; 0.938 pu under Range A "caused by V2G").
* W2: an SLG fault on the delta bus draws no fault current (OpenDSS's own fault study below:
  < 1 A); the old code failed F-DEPOT's C5 there on the chargers' own 39 A "caused by V2G",
  and the TCC drew it as F-DEPOT's minimum zone fault (M2).
* The tap advice (``TAP``: taps=(0.975, 1.0), winding 1 the feeder side, the source at
  1.04 pu, ``depot_lv`` over Range A idle): the old code read the 480 V winding's tap as the
  feeder side's and advised taps=(1.025, 0.975), which OpenDSS puts far below what the
  message promised; the right advice is the HV tap 0.975 → 1, taps=(1, 1).

References (nothing here is computed by protv2g): OpenDSS itself, the same scripts compiled in
a fresh ``opendssdirect`` context with the site as a delta-connected generator (``model=1``,
unity power factor, as protv2g's flow places a three-phase site), ``LoadMult`` the study's load
level, ``Bus.VLL`` read directly.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

MASTER = """\
Clear
Set DefaultBaseFrequency=60
New Circuit.dfdr basekv=12.47 pu={pu} phases=3 bus1=sub MVAsc3=200 MVAsc1=180 x1r1=8 x0r0=3
New Linecode.trunk nphases=3 r1=0.306 x1=0.627 r0=0.775 x0=1.96 c1=3.4 c0=1.6 units=mi
New Line.l1 phases=3 bus1=sub bus2=b1 linecode=trunk length=0.5 units=mi
New Line.l2 phases=3 bus1=b1 bus2=b2 linecode=trunk length=2 units=mi
New Load.b2 bus1=b2 phases=3 kv=12.47 kw=1500 kvar=500
New Load.b1a bus1=b1.1 phases=1 kv=7.2 kw=900 kvar=300
Set VoltageBases=(12.47, 0.48)
CalcVoltageBases
"""
DEPOT = """\
! the depot's own 1.5 MVA transformer (YNd) and its auxiliary load
New Transformer.depot_xf phases=3 windings=2 buses=(b1, depot_lv) conns=(wye, delta)
~ kvs=(12.47, 0.48) kvas=(1500, 1500) xhl=5.75 %r=0.6 taps=({taps})
New Load.depot_aux phases=3 bus1=depot_lv kv=0.48 kW=40 pf=0.95{conn}
Set VoltageBases=(12.47, 0.48)
CalcVoltageBases
"""
STUDY = """\
name: deltafdr
feeder: {opendss: Master.dss, redirects: [depot.dss]}
devices:
  - {name: head, kind: relay, location: {line: l1, end: from}, pickup_a: 400,
     curve: IEEE-VI, time_dial: 0.5, ground_pickup_a: 300, ground_curve: IEEE-VI,
     ground_time_dial: 0.5, interrupting_rating_ka: 20, reclose_intervals_s: []}
  - {name: F-DEPOT, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 100K,
     interrupting_rating_ka: 10, interrupting_rating_basis: asym}
v2g_sites:
  - {name: depot, bus: depot_lv, n_chargers: 8, p_charger_kw: 125, model_transformer: depot_xf}
scenarios: {export_levels_fraction: [0.0, 1.0], participation: [expected],
            load_levels: [light, peak], light_load_fraction: 0.3}
faults: {r_fault_min_ohm: 20}
"""
LIGHT, PEAK = 0.3, 1.0
EXPORT_KW = 0.8 * 8 * 125.0  # expected participation, every charger exporting
#: (source pu, depot_xf taps, the aux load's connection)
FLOAT = (1.03, "1.0, 1.0", "")
TAP = (1.04, "0.975, 1.0", " conn=delta")


def _folder(root: Path, case: tuple[float, str, str]) -> Path:
    pu, taps, conn = case
    (root / "Master.dss").write_text(MASTER.format(pu=pu))
    (root / "depot.dss").write_text(DEPOT.format(taps=taps, conn=conn))
    (root / "study.yaml").write_text(STUDY)
    return root


def _opendss(folder: Path, load_mult: float, depot_kw: float = 0.0,
             taps: tuple[float, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """OpenDSS's phase-to-ground and line-to-line magnitudes at depot_lv, pu."""
    import opendssdirect as dss

    dss.Basic.ClearAll()
    dss.Text.Command(f"redirect [{folder / 'Master.dss'}]")
    dss.Text.Command(f"redirect [{folder / 'depot.dss'}]")
    if taps:
        dss.Text.Command(f"transformer.depot_xf.taps=({taps[0]}, {taps[1]})")
    dss.Text.Command("new generator.depot phases=3 bus1=depot_lv kv=0.48 "
                     f"kw={depot_kw} pf=1 model=1 conn=delta vminpu=0.5 vmaxpu=1.5")
    dss.Text.Command("set maxiterations=100")
    dss.Solution.LoadMult(load_mult)
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    dss.Circuit.SetActiveBus("depot_lv")
    ln = np.asarray(dss.Bus.puVmagAngle()[0::2])
    ll = np.asarray(dss.Bus.VLL())
    return ln, np.abs(ll[0::2] + 1j * ll[1::2])[:3] / 480.0


def _run(folder: Path):
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    with pytest.warns(RuntimeWarning):  # the chargers' PLL next to the source (said, known)
        return run_study(load_study(folder / "study.yaml"))


@pytest.fixture(scope="module")
def floating(tmp_path_factory):
    folder = _folder(tmp_path_factory.mktemp("float"), FLOAT)
    return folder, _run(folder)


@pytest.fixture(scope="module")
def tapped(tmp_path_factory):
    folder = _folder(tmp_path_factory.mktemp("tap"), TAP)
    return folder, _run(folder)


def _c12_at_depot(result):
    v = result.violations
    return v[(v.criterion == "C12") & (v.fault_bus == "depot_lv")]


def test_a_loads_star_point_does_not_ground_the_delta_bus(floating):
    """Fails on the old code: C12 failed depot_lv on the floating phase-to-ground voltages
    (1.065 pu over, 0.938 pu under Range A) and the flow gave no line-to-line voltage."""
    folder, result = floating
    ln, ll = _opendss(folder, LIGHT)
    assert ln.max() > 1.05 and ll.max() < 1.04  # what the premise rests on, in OpenDSS
    rows = _c12_at_depot(result)
    assert not (rows.status == "fail").any(), rows.message.tolist()
    bus = result.flow.buses
    at = bus[bus.bus_name == "depot_lv"].set_index("scenario")
    for level, mult in (("light", LIGHT), ("peak", PEAK)):
        _ln, idle = _opendss(folder, mult)
        assert at.loc[f"base/{level}", "vm_idle_pu"] == pytest.approx(idle.max(), abs=2e-4)
        _ln, ll = _opendss(folder, mult, depot_kw=EXPORT_KW)
        row = at.loc[f"expected/{level}/100%"]
        assert row["vm_ll_max_pu"] == pytest.approx(ll.max(), abs=2e-4)
        assert row["vm_ll_min_pu"] == pytest.approx(ll.min(), abs=2e-4)


def test_no_ground_fault_judged_on_the_delta_bus(floating):
    """Fails on the old code: C5 failed F-DEPOT for SLG faults at depot_lv ("caused by V2G",
    the chargers' own 39 A); an SLG fault there draws no fault current (OpenDSS with the loads
    out, as IEC 60909-0:2016 §5.1 and protv2g's fault engine take them: < 1 A against 1.5 kA
    for a three-phase fault; with the aux load's grounded star point in, OpenDSS passes 141 A
    through it — the model's slip that T4 warns about, no ground of a real 3-wire system)."""
    import opendssdirect as dss

    from protv2g.checks.reach_ungrounded import UNGROUNDED_RULE

    folder, result = floating
    amps = {}
    for kind, spec in (("slg", "phases=1 bus1=depot_lv.1"),
                       ("3ph", "phases=3 bus1=depot_lv.1.2.3 bus2=depot_lv.0.0.0")):
        dss.Basic.ClearAll()
        dss.Text.Command(f"redirect [{folder / 'Master.dss'}]")
        dss.Text.Command(f"redirect [{folder / 'depot.dss'}]")
        dss.Text.Command("batchedit load..* enabled=no")
        dss.Text.Command(f"new fault.f {spec} r=0.0001")
        dss.Text.Command("set maxiterations=100")
        dss.Solution.Solve()
        dss.Circuit.SetActiveElement("fault.f")
        i = np.asarray(dss.CktElement.CurrentsMagAng()[0::2])
        amps[kind] = float(i[: len(i) // 2].max())
    assert amps["slg"] < 1.0 and amps["3ph"] > 1.0e3
    v = result.violations
    c5 = v[(v.criterion == "C5") & (v.device == "F-DEPOT")]
    # the fault at F-DEPOT's own terminal (HV side, grounded) is judged since c5close37
    # (review rev37a F8) and may fail; none on the delta LV bus
    on_lv = c5[~c5.fault_bus.astype(str).str.contains("close-in")]
    assert not (on_lv.status == "fail").any(), on_lv.message.tolist()
    info = c5[c5.rule == UNGROUNDED_RULE]
    assert len(info) and (info.status == "info").all()
    assert "depot_lv" in info.message.iat[0]
    # no cable on the 480 V side to charge: the fault table's 2e-6 kA, said as such
    assert "draws less than 0.1 A" in info.message.iat[0]


def test_the_tcc_draws_no_ground_fault_on_the_delta_bus(floating):
    """Fails on the old code (review rev36a M2): F-DEPOT's ground TCC marked a "minimum zone
    fault" at the chargers' own current for an SLG fault on depot_lv."""
    import dataclasses

    from protv2g.report.tcc_extremes import device_extremes
    from protv2g.report.tcc_sheets import plan_tcc

    _folder_, result = floating
    plan = plan_tcc(result)
    ground = device_extremes(result, plan).get(("F-DEPOT", "ground"), {})
    f = result.device_faults
    at = f[(f.device == "F-DEPOT") & (f.fault_bus_name == "depot_lv")]
    slg = at.fault_type.astype(str).str.startswith(("SLG", "LLG"))
    seen = (1e3 * at[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1))[slg].to_numpy(float)
    assert len(seen)  # the rows are there (the chargers' own current); the TCC must not use them
    for value in ground.values():
        assert not np.isclose(seen, value, rtol=1e-9).any(), ground
    assert "depot_lv" in result.meta.get("ungrounded_buses", ())
    # without the result's list of ungrounded buses the marker is the chargers' current
    bare = dataclasses.replace(result, meta={k: x for k, x in result.meta.items()
                                             if k != "ungrounded_buses"})
    old = device_extremes(bare, plan).get(("F-DEPOT", "ground"), {})
    assert np.isclose(seen, old["min_v2g"], rtol=1e-9).any()


def test_a_grounded_wye_load_on_the_delta_bus_is_a_warning(floating, tapped):
    """Review rev36a T4: validate (and the Feeder warnings sheet) name the load and its file."""
    from protv2g.study.loader import load_study
    from protv2g.study.plausibility import plausibility_warnings

    folder, result = floating
    found = [w for w in plausibility_warnings(load_study(folder / "study.yaml"))
             if "load.depot_aux" in w.field]
    assert len(found) == 1
    assert "depot.dss" in found[0].field and "conn=delta" in found[0].fix
    sheet = result.tables["Feeder warnings"]
    assert sheet.what.str.contains("load.depot_aux is connected wye").sum() == 1
    # a delta aux load: nothing to say
    folder2, _ = tapped
    assert not [w for w in plausibility_warnings(load_study(folder2 / "study.yaml"))
                if "star point" in w.message]


def test_tap_advice_lowers_the_bus_in_opendss(tapped):
    """Fails on the old code: it read the 480 V winding's tap (1.0) as the feeder side's,
    advised taps=(1.025, 0.975) and promised 1.0396 pu idle at light load; OpenDSS gives
    0.99 pu there. The HV winding (1, the feeder side) is at 0.975: the fix is 0.975 → 1."""
    folder, result = tapped
    rows = _c12_at_depot(result).set_index("scenario")
    light = rows.loc["expected/light/100%"]
    assert light.status == "fail" and light.device == "transformer.depot_xf"
    msg = str(light.message)
    assert "feeder-side no-load tap 0.975 → 1 " in msg
    taps = re.search(r"taps=\(([\d.]+), ([\d.]+)\) in the script", msg)
    assert taps is not None
    new = (float(taps.group(1)), float(taps.group(2)))
    assert new == pytest.approx((1.0, 1.0))
    _ln, idle = _opendss(folder, LIGHT)
    promised = re.search(r"with every site idle ([\d.]+) → ([\d.]+) pu", msg)
    assert float(promised.group(1)) == pytest.approx(idle.max(), abs=5e-4)
    _ln, fixed = _opendss(folder, LIGHT, taps=new)
    assert fixed.max() < idle.max()  # the advice lowers the bus ...
    assert fixed.max() < 1.05 - 1.0 / 120.0  # ... inside Range A with the margin it says
    assert float(promised.group(2)) == pytest.approx(fixed.max(), abs=1e-3)


def test_feeder_winding_order():
    from protv2g.checks.flow_site_tap import feeder_winding

    # both winding buses dead with the transformer out (a device's close-in bus on the HV
    # side): the site's bus tells the sides apart
    assert feeder_winding(["b1~c", "depot_lv"], {"b1~c", "depot_lv"}, {"depot_lv"},
                          [12.47, 0.48]) == 0
    assert feeder_winding(["depot_lv", "b1~c"], {"b1~c", "depot_lv"}, {"depot_lv"},
                          [0.48, 12.47]) == 1
    # the site further down a cable: the higher-voltage winding
    assert feeder_winding(["b1~c", "lv"], {"b1~c", "lv", "site"}, {"site"}, [12.47, 0.48]) == 0
    # only one bus dead: the other winding is the feeder's
    assert feeder_winding(["lv", "b1"], {"lv"}, set(), [0.48, 12.47]) == 1
