"""With existing DER on the feeder, the "with every charger idle" reference of C1–C6's
equipment test is the same minimum case as the rows it judges (ver36 V2, EPRI J1).

EPRI J1 (its 13 PV systems as modelled) with a depot on its own 750 kVA YNd transformer at
b5218 and **one charger of 1 kW**: the head's C5 rows of the minimum case took the PV in
(``pipeline_der_min``: each device row the lower of DER off/on) while the network part with
every charger idle did not, so the PV's few amperes (306.7 A with 1 kW vs 312 A idle at
SLG-c b5218) read as the chargers' and the head's C5 findings said "caused by V2G" / "made
worse by V2G" — 1 kW at 480 V (1.5 pu: 1.8 A, 0.07 A at 12.47 kV) cannot move a 300 A ground
current by 10 %. Independent: OpenDSS (rev36b, /tmp/rev36b/dss/c5drop.py) — the head's 3I0 at
b2630 345.4 A without depot_xf, 302.9 A with it and no charger (−12.3 %), the whole change.
With the idle part solved with the PV in too, every head C5/C6 finding is the project's
equipment's.
"""

from __future__ import annotations

import shutil
import warnings

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
     p_charger_kw: 1}
scenarios: {export_levels_fraction: [1.0], participation: [firm], load_levels: [light],
            light_load_fraction: 0.3}
faults: {method: iec60909, r_fault_min_ohm: 20}
"""


def test_head_rows_of_the_depot_transformer_are_the_equipments_with_pv_on_the_feeder(
        tmp_path):
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    src = need_dss_master(REAL_FEEDERS_DIR / "EPRI_J1" / "Master_withPV.dss").parent
    shutil.copytree(src, tmp_path / "EPRI_J1")
    (tmp_path / "depot.dss").write_text(DEPOT)
    (tmp_path / "study.yaml").write_text(STUDY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_study(load_study(tmp_path / "study.yaml"), hosting=False)
    v = res.violations
    head = v[(v.device == "head-temp_sub") & v.criterion.isin(["C5", "C6"])
             & v.status.isin(["fail", "warn"])]
    assert len(head)  # the transformer's shunt: the head's 3I0 −12 % (OpenDSS, docstring)
    attribution = set(head.attribution.astype(str))
    assert "equipment" in attribution
    assert not attribution & {"new", "worse"}, head.loc[
        head.attribution.astype(str).isin(["new", "worse"]),
        ["criterion", "fault_type", "fault_bus", "margin", "message"]].head().to_dict("records")
