"""The drafted head relay's time dials coordinate over what C1–C4 judge (review rev31b W1), and
C9's *fails to trip* behind an unfused step transformer is graded as C5 grades it (M1).

W1, EPRI ckt24: ``init --redraft`` set the head's ground TD 0.5 → 1.1 "set by FU-LAT-HOMES at
SLG-a at n284244", a 7.62 kV bus behind a 1-phase step transformer without a device, and
FU-LAT-HOMES sits below the recloser RC-MID: no criterion judges the head over that fuse, nor
at that fault. The rule now coordinates over the devices right below the head (the first on
each path down) at the faults of those pairs' rows (none behind an unguarded step:
:func:`protv2g.topology_reach.first_step_behind`, the rule of C1–C4).

The feeder: the project's OpenDSS example without its devices (init drafts ``head-l1``), a
250 kVA 7.2/2.4 kV step ``steplat`` at the end of lateral ``lb`` with a 2.4 kV line behind it;
the study adds a recloser R-MID on ``l2``, fuse ``fa`` on ``la`` (right below the head) and
fuse ``fb`` on ``lb`` (below R-MID).
"""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import networkx as nx
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from protv2g.checks.directional_zone import step_zone_grades  # noqa: E402
from protv2g.directional import Verdict  # noqa: E402
from protv2g.study import load_study  # noqa: E402
from protv2g.study_draft import draft_study  # noqa: E402
from protv2g.study_draft.head_rule import right_below  # noqa: E402
from protv2g.study_draft.redraft import redrafted  # noqa: E402
from protv2g.study_draft.trade import dials_clause, setting_notes  # noqa: E402
from protv2g.topology import device_chains, device_zones  # noqa: E402

from .conftest import with_lines_before_voltage_bases  # noqa: E402
from .test_beyond_transformer import BEHIND, EXAMPLE, STEP  # noqa: E402
from .test_redraft import RECLOSER  # noqa: E402

DEVICES = RECLOSER + """  - name: fa
    kind: fuse
    location: {line: la, end: from}
    link: 65K
    interrupting_rating_ka: 10
  - name: fb
    kind: fuse
    location: {line: lb, end: from}
    link: 40T
    interrupting_rating_ka: 10
"""


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The study with R-MID, fa and fb added to init's draft of the bare model."""
    folder = tmp_path_factory.mktemp("adjacent")
    shutil.copy(EXAMPLE / "LineCodes.dss", folder / "LineCodes.dss")
    lines = [ln for ln in (EXAMPLE / "Master.dss").read_text().splitlines()
             if not ln.startswith(("New Recloser", "New Fuse", "~"))]
    lines = with_lines_before_voltage_bases(lines, STEP, "Set VoltageBases=(115, 12.47, 4.16)")
    (folder / "Master.dss").write_text("\n".join(lines) + "\n")
    text = draft_study(folder / "Master.dss", study_dir=folder).text
    i = text.index("# Candidate V2G")
    (folder / "study.yaml").write_text(text[:i] + DEVICES + text[i:])
    return load_study(folder / "study.yaml")


@pytest.fixture(scope="module")
def proposal(study):
    (_i, _d, prop), = redrafted(study)
    return prop


def test_right_below_is_the_first_device_on_each_path():
    tree = nx.DiGraph([(0, 1), (1, 2), (2, 3), (1, 4), (4, 5)])
    assert right_below(tree, {"R": 2, "F-under-R": 3, "F": 4}) == ["R", "F"]
    assert right_below(tree, {"A": 2, "B": 2}) == ["A", "B"]   # same place: both first


def test_dials_coordinate_over_the_devices_right_below_only(proposal):
    f = proposal.figures
    assert f["below_names"] == ["R-MID", "fa"]
    assert f["beyond_names"] == ["fb"]            # below R-MID: R-MID's to coordinate with
    for key in ("51P", "51G"):
        d = f["dials"][key]
        assert set(d["at_min"]) <= {"R-MID", "fa"} and d["by"] in {"R-MID", "fa"}
        assert not any(b in d["fault"] for b in BEHIND)
    # the family whose slower element clears the zone's minimum faults soonest with the
    # interval, max and min case (session 32; IEEE-VI, the recloser's shape, before): MI,
    # 51G 5.0 s, against VI's 51P 6.7 s and EI's 51P 9.3 s
    choice = f["curve_choice"]
    assert proposal.entry["curve"] == choice["curve"] == "IEEE-MI" and choice["met"]
    slowest = {c: max(t["t_min_phase_s"], t["t_min_ground_s"])
               for c, t in choice["tries"].items()}
    assert slowest["IEEE-MI"] < 0.9 * min(slowest["IEEE-VI"], slowest["IEEE-EI"])


def test_faults_behind_an_unfused_step_are_not_coordinated_at(study):
    from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses
    from protv2g.study_draft.head_rule import _judged_buses, device_sites
    from protv2g.topology_reach import step_paths

    model = study.model
    places = {n: (s.element_name, s.terminal) for n, s in study.device_sites.items()
              if n != "head-l1"}
    sites = device_sites(model, places)
    tree = nx.bfs_tree(dss_feeder_graph(model),
                       next(iter(dss_source_buses(model).values())))
    far = sites["R-MID"].far_bus
    got = {str(model.buses.index[b]) for b in _judged_buses(
        model, sites, step_paths(model, sites), tree, "R-MID", far)}
    assert {"b2", "b3", "lat2"} <= got            # behind R-MID, fb's lateral included
    assert not got & BEHIND                       # behind the unfused step: its own fuse's
    assert "lat1" not in got and "b1" not in got  # not behind R-MID


def test_texts_name_the_criterion_of_the_pair_and_what_is_left_to_others(proposal):
    f = proposal.figures
    clause = dials_clause(f)
    assert "over the 2 device(s) right below it (R-MID, fa)" in clause
    assert "not over the 1 behind them (fb): the device above each is its backup" in clause
    assert "C1 and C4 judge each pair" in clause
    notes = setting_notes({**f, "dials": {"51G": {**f["dials"]["51G"], "td": 1.0, "by": "fa"}}},
                          {}, {})
    assert "C1 judges the head over fa" in notes["ground_time_dial"]
    assert "C4 judges the head over fa" not in notes["ground_time_dial"]


def _ctx(study):
    chains = device_chains(study.feeder, study.device_sites, study.site_buses)
    return SimpleNamespace(study=study, zones=device_zones(chains), cache={})


def test_c9_fails_to_trip_behind_an_unfused_step_is_graded_as_c5(study):
    bus = {str(n): i for i, n in enumerate(study.model.buses.index)}
    rows = pd.DataFrame({
        "device": ["R-MID", "fb", "R-MID", "R-MID"],
        "fault_bus": [bus["lat2lo"], bus["lat2end"], bus["b3"], bus["lat2lo"]],
        "verdict": [Verdict.FAILS_TO_TRIP.value] * 3 + [Verdict.WRONG_TRIP.value]})
    status, words = step_zone_grades(_ctx(study), rows)
    # R-MID: lat2lo is in its topology zone (fb's lateral is its backup zone: fb first), so
    # behind the step it is beyond its backup zone; fb: primary → backup behind the step
    assert status[0] == "info" and "beyond its backup zone" in words[0]
    assert status[1] == "warn"
    assert words[1] == ("in its backup zone, behind transformer.steplat whose own "
                        "fuse is not modelled (C5 ranks it so; C1–C4 leave it out)")
    assert (status[2], words[2]) == ("fail", "in its zone")   # b3: no step, unchanged
    assert (status[3], words[3]) == ("fail", "in its zone")   # a wrong trip: unchanged
