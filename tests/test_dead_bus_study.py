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
    buses = set(result.fault_currents.bus_name)
    assert "B4" not in buses and {"B1", "B2"} <= buses
    assert (result.fault_currents.ikss_ka > 0).all()
    assert "Feeder warnings" in result.tables


def test_device_on_the_dead_line_keeps_its_error(case_dir):
    with pytest.raises(InputError) as err:
        protv2g.load_study(case_dir / "study.yaml")
    text = str(err.value)
    assert "devices[1].location" in text and "isolated from every source" in text
    assert "Fix:" in text or "close the switch" in text
