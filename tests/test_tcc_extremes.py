"""The TCC markers' fault extremes count phase-named fault types (review s21, EPRI J1).

The OpenDSS path names the faulted phases (``LL-ab``, ``SLG-a``,
:func:`protv2g.pipeline_dss.fold_fault_type`); :func:`device_extremes` matched the bare
types, so on OpenDSS feeders only the 3ph rows counted: the phase TCC's minimum-fault marker
was the smallest 3ph fault and the ground TCC had no markers.
"""

from __future__ import annotations

import dataclasses

import pytest

from protv2g.report.tcc_extremes import device_extremes
from protv2g.report.tcc_sheets import plan_tcc

#: bare type → a phase-named label as the OpenDSS path writes it
_NAMED = {"3ph": "3ph", "LL": "LL-bc", "SLG": "SLG-a", "LLG": "LLG-ca"}


def test_phase_named_fault_types_give_the_same_extremes(depot_result):
    plan = plan_tcc(depot_result)
    bare = device_extremes(depot_result, plan)
    f = depot_result.device_faults
    assert set(f["fault_type"].astype(str)) <= set(_NAMED)
    # the depot's relays have ground markers, and some zone's smallest phase fault is LL
    assert any(v for (_, fam), v in bare.items() if fam == "ground")
    named = f.assign(fault_kind=f["fault_type"].astype(str),
                     fault_type=f["fault_type"].astype(str).map(_NAMED))
    got = device_extremes(dataclasses.replace(depot_result, device_faults=named), plan)
    assert got.keys() == bare.keys()
    for key, vals in bare.items():
        assert got[key].keys() == vals.keys(), key
        for name, i_a in vals.items():
            assert got[key][name] == pytest.approx(i_a, rel=1e-12), (key, name)


def test_a_fuse_with_ground_faults_only_has_its_phase_current_marked_on_its_phase_tcc(
        depot_result):
    """rev40a (IEEE 8500 head > ln5683833-1): a fuse on a lateral with SLG faults only had
    no fault marker on its phase TCC (its 775 A SLG fault only on the ground TCC). A fuse
    melts on phase current whatever the fault: its phase extremes count its SLG/LLG faults,
    the largest the ground family's (which is its phase current too)."""
    plan = plan_tcc(depot_result)
    f = depot_result.device_faults
    fuse = "FU-F1-LAT1"
    kind = f["fault_type"].astype(str)
    only_ground = f[(f["device"].astype(str) != fuse) | kind.isin(["SLG", "LLG"])]
    got = device_extremes(dataclasses.replace(depot_result, device_faults=only_ground), plan)
    ground, phase = got[(fuse, "ground")], got[(fuse, "phase")]
    assert ground.get("max_base", 0.0) > 0.0
    assert phase["max_base"] == pytest.approx(ground["max_base"], rel=1e-12)
    assert phase["max_v2g"] == pytest.approx(ground["max_v2g"], rel=1e-12)
    # every phase fault kept: the fuse's phase maximum is at least its ground one
    full = device_extremes(depot_result, plan)
    assert full[(fuse, "phase")]["max_base"] >= full[(fuse, "ground")]["max_base"] - 1e-9
