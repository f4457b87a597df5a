"""``protv2g validate`` and ``--help`` start at once (#21): validating a study on a pandapower
JSON feeder imports neither pandapower nor numba nor matplotlib, and finds exactly the problems
the full load finds. The supply check on the file's tables is compared with
``pandapower.topology.unsupplied_buses`` (the reference) on randomly switched networks."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandapower.topology as top
import pytest
import yaml

from protv2g.network.json_tables import feeder_tables_from_document, unsupplied_buses
from protv2g.study.loader import _validate, validate_study

from .conftest import FEEDERS_DIR

ROOT = FEEDERS_DIR.parent
HEAVY = ("pandapower", "numba", "matplotlib", "dask", "opendssdirect")
STUDIES = sorted(p for p in FEEDERS_DIR.glob("*/study.yaml")
                 if (yaml.safe_load(p.read_text()).get("feeder") or {}).get("pandapower_json"))


def _modules_after(code: str) -> list[str]:
    """Top-level heavy packages in ``sys.modules`` after running ``code`` in a fresh Python."""
    probe = (f"import sys\n{code}\n"
             f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_validate_imports_no_heavy_package():
    study = FEEDERS_DIR / "depot_two_feeder" / "study.yaml"
    code = ("from protv2g.cli import main\n"
            f"assert main(['validate', {str(study)!r}]) == 0")
    assert _modules_after(code) == []


def test_help_imports_no_heavy_package():
    code = ("from protv2g.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit as exc:\n    assert exc.code == 0")
    assert _modules_after(code) == []


@pytest.mark.parametrize("study", STUDIES, ids=lambda p: p.parent.name)
def test_shipped_studies_valid_on_tables(study):
    assert validate_study(study) == []


def _variant(tmp_path, edit_study=None, edit_net=None):
    """A copy of the depot study (and feeder) with edits; returns the study path."""
    src = FEEDERS_DIR / "depot_two_feeder"
    shutil.copy(src / "feeder.json", tmp_path / "feeder.json")
    doc = yaml.safe_load((src / "study.yaml").read_text())
    if edit_study:
        edit_study(doc)
    if edit_net:
        net = pp.from_json(tmp_path / "feeder.json")
        edit_net(net)
        pp.to_json(net, str(tmp_path / "feeder.json"))
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return tmp_path / "study.yaml"


def _open_lateral(net):
    line = int(net.line.index[net.line.name == "F1-L05"][0])
    pp.create_switch(net, net.line.at[line, "from_bus"], line, et="l", closed=False)


def _missing_places(doc):
    doc["devices"][0]["location"] = {"line": "NO-SUCH-LINE", "end": "from"}
    doc["v2g_sites"][0]["bus"] = "NO-SUCH-BUS"


def _schema_and_place(doc):
    doc["devices"][1]["pickup_a"] = -5  # a schema error, and a place error found with it
    doc["devices"][0]["location"] = {"line": "NO-SUCH-LINE", "end": "from"}


@pytest.mark.parametrize("edits", [
    dict(edit_net=_open_lateral),
    dict(edit_study=_missing_places),
    dict(edit_study=_schema_and_place),
    dict(edit_net=lambda net: net.ext_grid.__setitem__("in_service", False)),
], ids=["isolated-by-open-switch", "missing-line-and-bus", "schema-and-place", "no-source"])
def test_tables_find_the_same_problems_as_the_net(tmp_path, edits):
    path = _variant(tmp_path, **edits)
    light, full = _validate(path, light=True)[0], _validate(path, light=False)[0]
    assert light, "the variant is meant to be invalid"
    assert [str(i) for i in light] == [str(i) for i in full]


def _switched(net, rng):
    """Random open switches (on lines, transformers, buses) and out-of-service elements."""
    net = copy.deepcopy(net)
    for table, p_off in (("line", 0.1), ("trafo", 0.1), ("trafo3w", 0.2), ("bus", 0.05),
                         ("ext_grid", 0.2), ("impedance", 0.2)):
        t = net[table]
        if len(t):
            t["in_service"] = t["in_service"].to_numpy(dtype=bool) & (rng.random(len(t)) > p_off)
    for i in net.line.index[rng.random(len(net.line)) < 0.1]:
        pp.create_switch(net, net.line.at[i, "to_bus"], i, et="l", closed=False)
    for i in net.trafo3w.index:
        if rng.random() < 0.3:
            pp.create_switch(net, net.trafo3w.at[i, "mv_bus"], i, et="t3", closed=False)
    if len(net.switch):
        net.switch["closed"] = net.switch["closed"].to_numpy(dtype=bool) & (
            rng.random(len(net.switch)) > 0.3)
    return net


@pytest.mark.parametrize("make", [pn.example_multivoltage, pn.mv_oberrhein, pn.case33bw,
                                  lambda: pp.from_json(FEEDERS_DIR / "depot_two_feeder"
                                                       / "feeder.json")],
                         ids=["multivoltage", "mv_oberrhein", "case33bw", "depot"])
def test_unsupplied_buses_match_pandapower(make):
    base = make()
    rng = np.random.default_rng(21)
    n_dead = 0
    for _ in range(4):
        net = _switched(base, rng)
        tables = feeder_tables_from_document(json.loads(pp.to_json(net)))
        assert tables is not None
        expected = {int(b) for b in top.unsupplied_buses(net)}
        assert unsupplied_buses(tables) == expected
        assert unsupplied_buses(net) == expected  # also on the net's own tables
        n_dead += len(expected)
    assert n_dead > 0  # the random switching did isolate something


def test_unmodelled_elements_fall_back_to_pandapower():
    net = pn.example_multivoltage()
    pp.create_dcline(net, 0, 1, p_mw=1.0, loss_percent=0.0, loss_mw=0.0, vm_from_pu=1.0,
                     vm_to_pu=1.0)
    assert feeder_tables_from_document(json.loads(pp.to_json(net))) is None
