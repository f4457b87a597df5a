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
    bases = _bases(dg_study)
    assert bases.light_scenarios == frozenset()
    c12 = criterion_stand_ins(bases, [D(name="a")]).get("C12", {"inputs": []})
    assert not [t for t in c12["inputs"] if "light_load_fraction" in t]  # its transformers'
    # OpenDSS-default normhkva may still be named
    v = pd.DataFrame({"criterion": ["C12"], "status": ["fail"], "device": ["line.l2"],
                      "other_device": [""], "scenario": ["expected/light/100%"],
                      "margin_unit": ["%"]})
    assert tag_input_basis(v, bases).tolist() == ["given"]
    # a zero load added by a redirect is still no load
    zero = _with_load(dg_study, "zero", "New Load.z bus1=b2 kV=12.47 kW=0 kvar=0")
    assert _bases(zero).light_scenarios == frozenset()


def test_a_load_on_the_dg_feeder_rests_on_the_drafted_light_load(dg_study):
    bases = _bases(_with_load(dg_study, "load", "New Load.x bus1=b2 kV=12.47 kW=300 kvar=90"))
    assert bases.light_scenarios and all("/light" in s for s in bases.light_scenarios)
    out = criterion_stand_ins(bases, [D(name="a")])
    assert out["C12"]["basis"] == "todo"
    assert np.any(["light_load_fraction" in t for t in out["C12"]["inputs"]])
