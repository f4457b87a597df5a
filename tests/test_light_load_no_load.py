"""A drafted ``light_load_fraction`` carries no row on a feeder without load (review s23, tidy23):
EPRI's DG-protection feeder has no ``Load``, yet its C12 findings said they rested on the
drafted light load — a light-load fraction of nothing changes nothing."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace as D

import numpy as np
import pandas as pd
import pytest

from protv2g.criteria_basis import criterion_stand_ins
from protv2g.feeder_load import feeder_has_load
from protv2g.input_basis import LIGHT_LOAD_FIELD, tag_input_basis

from .conftest import dg_protection_copy


def _model(*loads: tuple[str, bool, float, float]) -> D:
    rows = [("pvsystem.pv", "pvsystem", True, 500.0, 0.0),
            *((f"load.{k}", "load", on, p, q) for k, (_, on, p, q) in enumerate(loads))]
    return D(model=D(injections=pd.DataFrame(rows, columns=["name", "cls", "enabled", "kw",
                                                             "kvar"])))


@pytest.mark.parametrize(("loads", "want"), [
    ((), False),                                   # no Load at all (the DG feeder)
    ((("a", True, 0.0, 0.0),), False),             # loads all zero
    ((("a", False, 120.0, 40.0),), False),         # a disabled load
    ((("a", True, 0.0, 0.0), ("b", True, 120.0, 0.0)), True),
    ((("a", True, 0.0, 30.0),), True),             # kvar only: the fraction moves it
])
def test_feeder_has_load_on_an_opendss_model(loads, want):
    assert feeder_has_load(_model(*loads)) is want


def test_feeder_has_load_on_a_pandapower_net_and_unknown():
    load = pd.DataFrame({"p_mw": [0.0, 0.2], "q_mvar": [0.0, 0.05], "in_service": [True, False],
                         "scaling": [1.0, 1.0]})
    assert not feeder_has_load(D(model=None, net=D(load=load)))
    load.loc[1, "in_service"] = True
    assert feeder_has_load(D(model=None, net=D(load=load)))
    load.loc[1, "scaling"] = 0.0
    assert not feeder_has_load(D(model=None, net=D(load=load)))
    assert feeder_has_load(D(model=None))           # cannot tell: the drafted fraction holds


@pytest.fixture(scope="module")
def dg_study(shared_dir: Path, tmp_path_factory) -> Path:
    """``protv2g init`` on the DG-protection feeder: a drafted ``light_load_fraction``."""
    pytest.importorskip("opendssdirect")
    from protv2g.cli import main

    out = dg_protection_copy(shared_dir, tmp_path_factory, "dgnoload")
    assert main(["init", str(out / "DG_Prot_Fdr.dss"), "--site",
                 "campus:bt:4:150"]) == 0
    return out / "study.yaml"


def _bases(path: Path):
    from protv2g.input_basis import study_input_bases
    from protv2g.study import load_study
    from protv2g.study.todos import todo_items

    todo = [i.field for i in todo_items(path)]
    assert any(f.startswith(LIGHT_LOAD_FIELD) for f in todo)  # init drafted it
    return study_input_bases(load_study(path), todo)


def _with_load(path: Path, name: str, line: str) -> Path:
    (path.parent / f"{name}.dss").write_text(line + "\n")
    text = path.read_text().replace("  opendss: DG_Prot_Fdr.dss\n",
                                    f"  opendss: DG_Prot_Fdr.dss\n  redirects: [{name}.dss]\n")
    assert text != path.read_text()
    out = path.parent / f"{name}.yaml"
    out.write_text(text)
    return out


def test_dg_feeders_light_load_carries_no_row(dg_study):
    """No load: the light-load fraction carries no row (review s23), but the missing load
    itself, init's drafted ``scenarios.load_levels`` ("light and peak the same"), carries
    every C12 row but a set-point's (review rev39a M3: the depot's 76 kW, limited at lat2 at
    1.0502 pu without V2G only because no load draws current, was labelled "given")."""
    from protv2g.checks.flow_limit import SOURCE_SETPOINT
    from protv2g.input_basis import NO_LOAD_INPUT, confirm_texts

    bases = _bases(dg_study)
    assert bases.light_scenarios == frozenset() and bases.no_load
    c12 = criterion_stand_ins(bases, [D(name="a")]).get("C12", {"inputs": []})
    assert not [t for t in c12["inputs"] if "light_load_fraction" in t]
    assert NO_LOAD_INPUT in c12["inputs"] and c12["basis"] == "todo"
    v = pd.DataFrame({"criterion": ["C12", "C12"], "status": ["fail", "fail"],
                      "device": ["line.l2", ""], "other_device": ["", ""],
                      "scenario": ["expected/light/100%", "expected/peak/100%"],
                      "margin_unit": ["%", "pu"], "mechanism": ["", SOURCE_SETPOINT]})
    assert tag_input_basis(v, bases).tolist() == ["todo", "given"]
    assert confirm_texts(v, bases).tolist() == [NO_LOAD_INPUT, ""]
    # a zero load added by a redirect is still no load
    zero = _with_load(dg_study, "zero", "New Load.z bus1=b2 kV=12.47 kW=0 kvar=0")
    assert _bases(zero).light_scenarios == frozenset()


def test_a_load_on_the_dg_feeder_rests_on_the_drafted_light_load(dg_study):
    bases = _bases(_with_load(dg_study, "load", "New Load.x bus1=b2 kV=12.47 kW=300 kvar=90"))
    assert bases.light_scenarios and all("/light" in s for s in bases.light_scenarios)
    out = criterion_stand_ins(bases, [D(name="a")])
    assert out["C12"]["basis"] == "todo"
    assert np.any(["light_load_fraction" in t for t in out["C12"]["inputs"]])


def test_hosting_line_says_what_an_undetermined_figure_rests_on():
    """Review rev39a M3: ``protv2g hosting`` printed "76 kW … limited by C12 (at lat2; …)" for
    the DG feeder's depot, a figure resting on the model having no load, as if given."""
    from protv2g.commands.hosting import _line
    from protv2g.input_basis import NO_LOAD_INPUT

    row = {"site": "depot", "participation": "low", "load_level": "light",
           "hosting_kw": 76.17, "hosting_chargers": 0, "limited": True,
           "limiting_criterion": "C12", "limiting_device": "", "limiting_fault": "at lat2",
           "determined": np.False_, "rests_on": NO_LOAD_INPUT, "given_hosting_kw": 500.0}
    line = _line(row, 100.0)
    # review ver39 M-b: "on given data 500 kW" read as a figure above every limit computed
    # on the drafted inputs (C12 76 kW, C5 314 kW): every limit below it rests on the input
    assert line.endswith(f"; NOT DETERMINED: every limit below 500 kW rests on an input to "
                         f"confirm, the lowest on {NO_LOAD_INPUT}; on given data alone 500 kW "
                         "(no criterion on given data limits it below the site maximum)")
    # a given figure not above the computed one keeps the input and the given figure
    assert _line({**row, "given_hosting_kw": 76.17}, 100.0).endswith(
        f"; NOT DETERMINED: rests on {NO_LOAD_INPUT}; on given data 76 kW")
    assert "NOT DETERMINED" not in _line({**row, "determined": True}, 100.0)
