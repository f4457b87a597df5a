"""C5 reach stops at a transformer (session-13 review, depot with its YNd step-up modelled).

The depot's ``build_feeder.py`` describes its chargers "behind a grounded-wye/delta
12.47 kV/480 V transformer". Modelled (``interconnection_transformer: YNd``), the chargers sit
on a new 480 V delta bus ``depot-LV`` inside R-F1's zone, and C5 failed R-F1 for a ground fault
there ("R-F1 sees 0 A (ground) … 0.00 × pickup 120 A < 1.5 ×"): a fault on an ungrounded
delta winding draws no current (checked here from the bus table, not from C5), and a feeder
relay is not set to reach through a transformer in any case — faults on its secondary are the
transformer's own protection's (IEEE Std C37.230-2020 §6.2: the reach requirement runs to the
end of the protected line section). Both sites' hosting fell to 0 kW through that row.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from protv2g import load_study, run_study

DEPOT = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder"


@pytest.fixture(scope="module")
def ynd_result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("depot_ynd")
    shutil.copy(DEPOT / "feeder.json", folder / "feeder.json")
    text = (DEPOT / "study.yaml").read_text()
    anchor = "    bus: F1-B02\n"
    assert text.count(anchor) == 1
    text = text.replace(anchor, anchor + "    interconnection_transformer: "
                                         "{sn_kva: 7500, connection: YNd}\n")
    (folder / "study.yaml").write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(folder / "study.yaml")
        return study, run_study(study, hosting=False)


def test_a_ground_fault_on_the_delta_winding_draws_no_current(ynd_result):
    _, r = ynd_result
    b = r.fault_currents
    lv = b[(b.bus_name == "depot-LV") & b.fault_type.astype(str).eq("SLG")]
    assert len(lv) and (lv.ikss_ka < 1e-9).all()  # no ground path on the delta side
    three = b[(b.bus_name == "depot-LV") & b.fault_type.astype(str).eq("3ph")]
    assert len(three) and (three.ikss_ka > 10.0).all()  # the bus is still faulted and reported


def test_no_reach_requirement_beyond_the_site_transformer(ynd_result):
    _, r = ynd_result
    v = r.violations
    c5 = v[v.criterion.astype(str).eq("C5")]
    assert not (c5.fault_bus.astype(str) == "depot-LV").any()
    # the MV reach rows stay: the YNd takes ground current from R-F1 (a real desensitisation)
    mv = c5[c5.device.eq("R-F1") & c5.fault_type.astype(str).isin(["SLG", "LLG"])
            & c5.status.astype(str).isin(["fail", "warn"])]
    assert mv.fault_bus.astype(str).isin(["F1-B02", "F1-B03", "F1-B04"]).any()
    assert not mv.fault_bus.astype(str).str.endswith("-LV").any()
