"""With existing DER on the feeder, the "with every charger idle" reference of C1–C6's
equipment test is the same minimum case as the row it judges (ver36 V2/V3, EPRI J1).

EPRI J1 (its 13 PV systems as modelled) with a depot on its own 750 kVA YNd transformer at
b5218 and **one charger of 1 kW**. A minimum-case device row is the lower of the PV out and
in (``pipeline_der_min``, per row); the network part with every charger idle was solved with
the PV out only, so where the head's row took the PV in its idle figure was of the other end
(SLG-c at b5218: 303.5 A of 3I0 on the row, 311.6 A idle) and the head's C5 findings read
"caused by V2G" for 1 kW of export (V2). Taking the idle part's own lower end instead
(63fbd61, reverted) moved the mismatch the other way and turned a C1 row of head-temp_sub /
F-DEPOT "caused by V2G" (V3). Now the idle part is solved at both ends and each row reads
the end it took.

Independent figures: the charger's own current, by hand — 1.5 pu (its first-cycle limit) of
1 kVA at 480 V is 1.5 · 1000 / (√3 · 480) = 1.80 A, 1.80 · 0.48 / 12.47 = 0.069 A at
12.47 kV: with 1 kW the idle figure and the row can differ by about that and no more than
0.1 A on any phase. OpenDSS (rev36b, /tmp/rev36b/dss/c5drop.py): the head's 3I0 for a ground
fault at b2630, 345.4 A without depot_xf and 302.9 A with it and no charger (−12.3 %): the
head's C5 reach and drop rows are the transformer's (the project's equipment), not the
charger's.
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest

from .conftest import REAL_FEEDERS_DIR, need_dss_master

pytest.importorskip("opendssdirect")

DEPOT = """\
! school-bus depot: own 750 kVA 12.47/0.48 kV transformer near the substation (YNd)
New Transformer.depot_xf phases=3 windings=2 buses=(b5218, depot_lv) conns=(wye, delta)
~ kvs=(12.47, 0.48) kvas=(750, 750) xhl=5.75 %r=0.8 taps=(1.0, 1.0)
Set VoltageBases=[69, 12.47, 7.2, 0.480, 0.416]
CalcVoltageBases
"""
STUDY = """\
name: j1_idle
feeder: {opendss: EPRI_J1/Master_withPV.dss, redirects: [depot.dss], adopt_devices: false}
devices:
  - {name: head-temp_sub, kind: relay, location: {line: temp_sub, end: from}, pickup_a: 620,
     curve: IEEE-MI, time_dial: 0.5, ground_pickup_a: 160, ground_curve: IEEE-MI,
     ground_time_dial: 0.5, reclose_intervals_s: [3.5, 15.0, 30.0],
     interrupting_rating_ka: 12.5}
  - {name: F-DEPOT, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 65K,
     interrupting_rating_ka: 10}
v2g_sites:
  - {name: depot, bus: depot_lv, model_transformer: depot_xf, n_chargers: 1,
     p_charger_kw: 1, s_charger_kva: 1, limit_pu: 1.5}
scenarios: {export_levels_fraction: [1.0], participation: [firm], load_levels: [light],
            light_load_fraction: 0.3}
faults: {method: iec60909, r_fault_min_ohm: 20}
"""
#: The charger's first-cycle current seen at 12.47 kV, A (module docstring, by hand).
CHARGER_A = 1.5 * 1000.0 / (3 ** 0.5 * 480.0) * 0.48 / 12.47


@pytest.fixture(scope="module")
def j1(tmp_path_factory):
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    src = need_dss_master(REAL_FEEDERS_DIR / "EPRI_J1" / "Master_withPV.dss").parent
    where = tmp_path_factory.mktemp("j1_idle")
    shutil.copytree(src, where / "EPRI_J1")
    (where / "depot.dss").write_text(DEPOT)
    (where / "study.yaml").write_text(STUDY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(load_study(where / "study.yaml"), hosting=False)


def test_idle_figure_is_the_v2g_rows_own_end_within_the_chargers_current(j1):
    """Every minimum-case row of the head and of F-DEPOT (the V2G scenario) against its idle
    figure: within 0.1 A on each phase (the charger's 0.069 A, by hand). Main's code: up to
    144 A on a phase, 8.1 A of 3I0 (SLG-c at b5218, the head's row with the PV in)."""
    assert 0.068 < CHARGER_A < 0.070
    d = j1.device_faults
    v = d[(d["scenario"].astype(str) != "base/light") & (d["case"].astype(str) == "min")
          & d["device"].astype(str).isin(["head-temp_sub", "F-DEPOT"])]
    assert len(v) > 1000
    worst = {}
    total = 0.0
    for p in "abc":
        net, idle = (v[f"i{p}_{k}_ka"].to_numpy(float) for k in ("net", "idle"))
        ref = np.where(np.isfinite(net), net, idle)
        deg = np.where(np.isfinite(net), v[f"i{p}_net_degree"], v[f"i{p}_idle_degree"])
        assert np.isfinite(ref).all()  # every such row has an idle figure
        worst[p] = 1000.0 * np.abs(v[f"i{p}_ka"].to_numpy(float) - ref).max()
        total = total + ref * np.exp(1j * np.radians(deg.astype(float)))
    worst["3I0"] = 1000.0 * np.abs(v["i3i0_ka"].to_numpy(float) - np.abs(total)).max()
    assert max(worst.values()) < 0.1, worst
    # some rows took the PV in: the end is data, on the rows
    assert v["der_in_min"].astype(bool).any()


def test_c5_idle_figure_is_the_rows_own_at_its_stage(j1):
    """C5 judges a time-delayed element on the sustained stage; where the row took the PV in,
    the PV has stages of its own and the idle figure is that stage too (the PV's first cycle,
    303.5 A, against the row's 306.7 A at SLG-c b5218 before). Every head C5 row with the
    idle clause: its idle 3I0 within 0.1 A of the row's current (the charger's 0.069 A)."""
    d = j1.device_faults
    key = ["scenario", "device", "fault_bus_name", "fault_type", "case"]
    d = d[d["device"].astype(str) == "head-temp_sub"].copy()
    for k in key:
        d[k] = d[k].astype(str)
    d = d.set_index(key)
    v = j1.violations
    c5 = v[(v.device == "head-temp_sub") & (v.criterion == "C5")
           & v.message.astype(str).str.contains("with every charger idle")]
    assert len(c5) >= 6
    assert c5.fault_type.astype(str).str.match("(SLG|LLG)").all()  # ground element: 3I0
    x = d.loc[[tuple(str(getattr(r, k if k != "fault_bus_name" else "fault_bus")) for k in key)
               for r in c5.itertuples()]]
    phasor = 0.0
    for p in "abc":
        net = x[f"i{p}_net_ka"].to_numpy(float)
        ka = np.where(np.isfinite(net), net, x[f"i{p}_idle_ka"].to_numpy(float))
        deg = np.where(np.isfinite(net), x[f"i{p}_net_degree"].to_numpy(float),
                       x[f"i{p}_idle_degree"].to_numpy(float))
        phasor = phasor + ka * np.exp(1j * np.radians(deg))
    sus = x["i_ground_idle_sustained_a"].to_numpy(float)
    idle_a = np.where(np.isfinite(sus), sus, 1000.0 * np.abs(phasor))
    assert np.isfinite(sus).any()  # rows that took the PV in: their sustained stage
    diff = np.abs(c5.i_device_a.to_numpy(float) - idle_a)
    assert diff.max() < 0.1, dict(zip(c5.fault_type.astype(str) + " " + c5.fault_bus.astype(str),
                                      diff.round(3), strict=True))


def test_head_rows_of_the_depot_transformer_are_the_equipments(j1):
    """The head's C5 (reach, drop) and C6 rows and its C1 pair with F-DEPOT fail or warn
    with every charger idle: the project's equipment's, none "caused by V2G" or "made worse
    by V2G", rows and findings. Main's code: two C5 rows ``new`` (V2)."""
    from protv2g.findings import Attribution, build_findings

    v = j1.violations
    head = v[(v.device == "head-temp_sub") & v.criterion.isin(["C1", "C5", "C6"])
             & v.status.isin(["fail", "warn"])]
    assert set(head.criterion.astype(str)) == {"C1", "C5", "C6"}
    bad = head[head.attribution.astype(str).isin(["new", "worse"])]
    assert not len(bad), bad[["criterion", "fault_type", "fault_bus", "margin",
                              "message"]].head().to_dict("records")
    assert "equipment" in set(head.attribution.astype(str))
    f = build_findings(v).findings
    c5 = f[(f.criterion == "C5") & (f.device == "head-temp_sub")]
    assert len(c5)
    assert not set(c5.attribution) & {Attribution.CAUSED, Attribution.WORSE}, c5[
        ["criterion", "device", "attribution"]].to_dict("records")
    assert Attribution.EQUIPMENT in set(c5.attribution)
