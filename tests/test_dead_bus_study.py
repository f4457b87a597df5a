"""De-energised parts in a study (#20 item 5, ../shared/cases/dead-bus-open-switch/).

A bus behind an open switch (``net.json``: line L3 out of service, B4 dead) with nothing of
the study on it is not an error: everything energised is computed, the dead bus is listed in
the feeder warnings; a device on the dead line keeps its clear, actionable error.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

import protv2g
from protv2g.errors import InputError

CASE = Path(__file__).resolve().parents[1].parent / "shared" / "cases" / "dead-bus-open-switch"

STUDY = """name: oos_line_nofuse
feeder:
  pandapower_json: net.json
devices:
  - {name: R1, kind: relay, location: {line: L1, end: from}, pickup_a: 200, curve: IEEE-VI,
     time_dial: 2}
scenarios:
  export_levels_fraction: [0.0]
"""


@pytest.fixture
def case_dir() -> Path:
    if not (CASE / "net.json").is_file():
        pytest.skip(f"{CASE} not found (shared cases absent)")
    return CASE


def test_study_with_a_dead_bus_runs_and_lists_it(case_dir, tmp_path):
    shutil.copy(case_dir / "net.json", tmp_path / "net.json")
    (tmp_path / "study.yaml").write_text(STUDY, encoding="utf-8")
    study = protv2g.load_study(tmp_path / "study.yaml")
    w = study.feeder_warnings
    assert w is not None and list(w.loc[w.element == "bus", "name"]) == ["B4"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = protv2g.run_study(study, hosting=False)
    fc = result.fault_currents
    assert {"B1", "B2"} <= set(fc.bus_name)
    # review rev39b M6: the dead bus at 0 A with an Energized column, as the OpenDSS path
    # reports it (its Feeder warnings said "reported at 0 A" beside no row); dead by
    # pandapower's own topology search
    import pandapower as pp
    import pandapower.topology as top

    net = pp.from_json(str(tmp_path / "net.json"))
    assert {str(net.bus.at[b, "name"]) for b in top.unsupplied_buses(net)} == {"B4"}
    dead = fc[fc.bus_name == "B4"]
    assert len(dead) and not dead.energized.any() and (dead.ikss_ka == 0).all()
    live = fc[fc.bus_name != "B4"]
    assert live.energized.all() and (live.ikss_ka > 0).all()
    assert "Feeder warnings" in result.tables


def test_device_on_the_dead_line_keeps_its_error(case_dir):
    with pytest.raises(InputError) as err:
        protv2g.load_study(case_dir / "study.yaml")
    text = str(err.value)
    assert "devices[1].location" in text and "isolated from every source" in text
    assert "Fix:" in text or "close the switch" in text


def test_hosting_on_a_feeder_with_a_dead_bus(case_dir, tmp_path):
    """#20 item 5 in hosting: a V2G site on an energised bus of the same feeder; the hosting
    search (its own engine and flow calls) runs with the dead bus left out, as the study does,
    and gives a figure for the site."""
    shutil.copy(case_dir / "net.json", tmp_path / "net.json")
    study_text = STUDY.replace(
        "scenarios:\n  export_levels_fraction: [0.0]\n",
        "v2g_sites:\n  - {name: fleet, bus: B2, n_chargers: 10, p_charger_kw: 50}\n"
        "scenarios:\n  export_levels_fraction: [0.0, 1.0]\n  participation: [firm]\n")
    (tmp_path / "study.yaml").write_text(study_text, encoding="utf-8")
    study = protv2g.load_study(tmp_path / "study.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = protv2g.run_study(study, hosting=True)
    fc = result.fault_currents
    assert (fc.loc[fc.bus_name == "B4", "ikss_ka"] == 0).all()  # reported at 0 A (rev39b M6)
    hosting = result.tables["Hosting capacity"]
    assert list(hosting.site.unique()) == ["fleet"]
    kw = hosting.hosting_kw.astype(float)
    assert ((kw >= 0) & (kw <= 500.0 + 1e-9)).all()
    # the flows report the dead bus without a voltage (pandapower leaves it unsolved)
    buses = result.tables["Flow buses"]
    assert buses.loc[buses.bus_name == "B4", "vm_pu"].isna().all()
    assert buses.loc[buses.bus_name != "B4", "vm_pu"].notna().all()


def test_a_load_on_the_dead_opendss_bus_is_dead_not_ungrounded(case_dir):
    """Review rev39b M6: ``load.ld3`` (wye) on b3, dead behind the open switch, was said to sit
    on "a 3-wire system fed by a delta or ungrounded winding" and told to become conn=delta.
    OpenDSS itself (its own solve, read here) gives b3 no voltage: it is dead, no 3-wire
    system, and the warning says so with no delta advice."""
    from types import SimpleNamespace

    import opendssdirect as dss

    from protv2g.network.dss_model import load_dss_model
    from protv2g.study.dss_ground_loads import (
        dead_loads,
        grounded_load_warnings,
        grounded_loads,
    )

    master = case_dir / "master_open_tie.dss"
    dss.Text.Command("clear")
    dss.Text.Command(f"redirect [{master}]")
    dss.Circuit.SetActiveBus("b3")
    assert max(dss.Bus.VMagAngle()[::2]) == 0.0  # OpenDSS: b3 is dead
    dss.Circuit.SetActiveBus("b2")
    assert min(dss.Bus.VMagAngle()[::2]) > 0.9 * 12470 / 3**0.5
    model = load_dss_model(master)
    assert grounded_loads(model) == []  # was [("load.ld3", "b3", 3)]
    assert dead_loads(model) == [("load.ld3", "b3")]
    said = grounded_load_warnings(SimpleNamespace(model=model, path=master))
    assert len(said) == 1
    text = f"{said[0].message} {said[0].fix}"
    assert "de-energised (dead)" in text and "load.ld3 on 'b3'" in text, text
    assert "conn=delta" not in text and "3-wire" not in text
    assert grounded_load_warnings(SimpleNamespace(model=model, path=master), dead=False) == []
