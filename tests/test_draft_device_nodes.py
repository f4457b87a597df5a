"""``protv2g init``'s candidate sites are buses a customer can connect to (review s20 §3).

EPRI ckt5's "near the substation" list held ``mdv201_hn_2_793_abc1023346_int`` and
``mdv201_796usd_int``, the load-side jaws of two switches; IEEE 8500 has in-line switches
whose two terminals each carry one line. :func:`device_nodes` lists a switch's or
regulator's place once (of two bare terminals, the one not named internal, else the
source-side one) and drops the jaw of an open switch on a bus bar; the line buses stay
(ckt5's 1023346, where s16 put its depot; the end of a line at an open tie).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import REAL_FEEDERS_DIR, need_dss_master

REAL = REAL_FEEDERS_DIR
CKT5 = REAL / "EPRI_ckt5" / "Master_ckt5.dss"
E8500 = REAL / "IEEE8500" / "Master.dss"




def _nodes(master: Path):
    from protv2g.network.dss_graph import dss_feeder_graph
    from protv2g.network.dss_model import load_dss_model
    from protv2g.study_draft.candidates import device_nodes

    model = load_dss_model(need_dss_master(master))
    g = dss_feeder_graph(model)
    return model, g, {str(model.buses.index[i]) for i in device_nodes(model, g)}


def test_ckt5_device_nodes_are_its_switch_jaws():
    """ckt5 names its switches' internal nodes ``…_int`` (71 of them): exactly those are
    dropped, whatever the name (the rule reads the switches, not the names); 1023346, a line
    bus between a 45 m line and a switch, and 107782, a line's end at an open tie, stay."""
    model, _g, nodes = _nodes(CKT5)
    ints = {str(b) for b in model.buses.index if str(b).endswith("_int")}
    assert len(ints) == 71 and nodes == ints
    assert {"1023346", "796", "mdv201", "107782"}.isdisjoint(nodes)


def test_e8500_in_line_switch_is_listed_once():
    """IEEE 8500: ``L5397_48332_sw`` joins D6049822-1_INT (source side) to E182722 (load
    side), each with one line beyond: one place, listed once, by the terminal the model does
    not name internal. Every closed switch keeps one terminal at least; J1's regulators keep
    their load-side bus (a junction)."""
    model, g, nodes = _nodes(E8500)
    assert "d6049822-1_int" in nodes and "e182722" not in nodes
    assert "d5710794-3_int" in nodes and "e192860" not in nodes  # was "near the substation"
    where = {str(b): i for i, b in enumerate(model.buses.index)}
    e = model.elements
    sw = e[e.name.str.endswith("_sw") & e.enabled & e.closed]
    assert len(sw) > 10
    for buses in sw.buses:
        assert not {str(b) for b in buses} <= nodes, buses
    assert {str(model.buses.index[i]) for i in where.values()
            if str(model.buses.index[i]).endswith("_int")} - nodes  # junction _int nodes stay
    _m, _g, j1 = _nodes(REAL / "EPRI_J1" / "Master_noPV.dss")
    assert "b18865" in j1 and "b18865reg" not in j1


@pytest.fixture(scope="module")
def ckt5_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ckt5") / "EPRI_ckt5"
    shutil.copytree(need_dss_master(CKT5).parent, folder)
    for f in folder.iterdir():
        f.chmod(0o644)
    return folder / CKT5.name


def test_ckt5_draft_lists_no_device_node(ckt5_copy):
    """init without sites: no candidate is a switch's jaw; the near-substation group starts
    at the feeder's bus and its line buses (was mdv201, …_int, 1023346, …_int, 796)."""
    from protv2g.study_draft.draft import draft_study

    d = draft_study(ckt5_copy)
    c = d.candidates
    assert not c.bus.str.endswith("_int").any()
    near = list(c.bus[c.group == "near the substation (three-phase)"])
    assert near[:3] == ["mdv201", "1023346", "796"] and len(near) == 5
    assert "_int " not in d.text


def test_ckt5_init_with_the_reviewers_sites_still_works(ckt5_copy, tmp_path):
    """The review's own ``--site`` lines (depot at 796, homes at 74436 phase c)."""
    from protv2g.cli import main

    study = ckt5_copy.parent / "study_sites.yaml"
    assert main(["init", str(ckt5_copy), "-o", str(study), "--site", "depot:796:20:100",
                 "--site", "homes:74436.c:10:7.2"]) == 0
    text = study.read_text(encoding="utf-8")
    assert "bus: '796'" in text and "bus: '74436'" in text
    assert main(["validate", str(study)]) in (0, 1)
