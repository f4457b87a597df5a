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
