"""A C2 fuse-saving row of the project's equipment opens in the words of its attribution, not
"fuse saving lost:" (review txt38 on F30: the gate's message blamed V2G for a row attributed
to the project's equipment, which fails with every charger idle; the Findings' title already
said "fuse saving fails with the project's equipment in, every charger idle", rev38a M3).

The feeder: ``test_dss_site_transformer``'s 12.47 kV trunk with the depot's 2 MVA Dyn
transformer at b2 (as ``test_equipment_pairs``), a recloser at the head (fast 101, delayed
133, 400 A phase minimum trip) and the project's fuse F-DEPOT 40K on the transformer's
high-voltage side: F-DEPOT exists only with the project, so its rows have no base twin, and
its 40K link melts before the recloser's fast shot × K at the 480 V side's faults with the
chargers idle (the row's own figures: 0.082 s at 630 A against 1.35 × 0.074 s). What is
checked is the message's lead against the row's attribution, not a new figure.
"""

from __future__ import annotations

import pytest

pytest.importorskip("opendssdirect")

from protv2g.checks.equipment import EQUIPMENT, EQUIPMENT_SAVING  # noqa: E402

from .test_equipment_pairs import run_depot_xf  # noqa: E402

STUDY = """\
name: xc2eq
feeder: {opendss: Master.dss, redirects: [depot_xf.dss]}
devices:
  - {name: rc, kind: recloser, location: {line: l1, end: from}, phase_min_trip_a: 400,
     ground_min_trip_a: 200, fast_curve: "101", delayed_curve: "133",
     ground_fast_curve: "101", ground_delayed_curve: "133",
     reclose_intervals_s: [2.0, 5.0, 5.0], interrupting_rating_ka: 12.5}
  - {name: F-DEPOT, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 40K,
     interrupting_rating_ka: 12.5}
v2g_sites:
  - {name: depot, bus: depot_lv, n_chargers: 10, p_charger_kw: 100,
     model_transformer: depot_xf}
scenarios: {export_levels_fraction: [1.0], participation: [expected], load_levels: [peak]}
faults: {r_fault_min_ohm: 20}
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    _, res, gate = run_depot_xf(tmp_path_factory.mktemp("xc2eq"), STUDY)
    return res, gate


def test_equipment_fuse_saving_row_is_not_lost_to_v2g(run):
    """Fails on the old code: the rows opened "fuse saving lost:"."""
    res, gate = run
    v = res.violations
    c2 = v[(v.criterion == "C2") & (v.status == "fail")]
    assert len(c2) and set(c2.attribution.astype(str)) == {EQUIPMENT}
    assert c2.message.astype(str).str.startswith(f"{EQUIPMENT_SAVING}: F-DEPOT starts to "
                                                 "melt").all()
    assert not c2.message.astype(str).str.contains("fuse saving lost").any()
    # its info rows ("impossible by design") have no case without V2G either
    info = v[(v.criterion == "C2") & (v.status == "info")
             & (v.attribution.astype(str) == EQUIPMENT)].message.astype(str)
    assert len(info) and info.str.contains("also with every charger idle").all()
    assert not info.str.contains("without V2G").any()
    (line,) = [r for r in gate["reasons"] if r.startswith("fail: C2 rc / F-DEPOT")]
    assert line.startswith(f"fail: C2 rc / F-DEPOT: {EQUIPMENT_SAVING}: ")
    assert "caused by the project's equipment" in line
