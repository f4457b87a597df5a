"""Slices in row form and the chargers' other bracket of :func:`~protv2g.engine.study.
iter_fault_study` (its kept device rows, ``device_min_a``; split from :mod:`.study`, #21).

The other bracket (``high_scenarios``: the same chargers with other limits) is solved on the
same case solver as the scenarios themselves — the same sequence networks and factorisation —
and its currents are taken at the rows its scenario kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from protv2g.engine.device_rows import kept_device_arrays
from protv2g.engine.slices import FaultSlice, make_slice
from protv2g.errors import InputError, Issue

__all__ = ["high_sets", "high_slice", "row_slice"]

SQRT3 = np.sqrt(3.0)


def row_slice(solver, sv, pre, bases, ft, zf_pu, given, min_a, n_v, dtype, where,
               high: bool = False) -> FaultSlice:
    """One slice in row form (:func:`~protv2g.engine.device_rows.kept_device_arrays`);
    ``bases`` = the device, fault and charger current bases, ``where`` = (scenario, case,
    fault buses, charger parameters, device buses' pre-fault ``V1``)."""
    name, case, fault_buses, p, v1_dev = where
    pos, i_k, v_k = kept_device_arrays(solver, sv, pre, bases[0], ft, zf_pu, given, min_a,
                                       n_v, dtype)
    return replace(make_slice(name, case, ft, fault_buses, sv, bases[1], bases[2], p, None,
                              None, (None, None), dtype),
                   device_i_012_ka=i_k[0], staged_device_i_012_ka=i_k,
                   device_v_012_pu=None if v_k is None else v_k[0], staged_device_v_012_pu=v_k,
                   device_pos=pos, device_v1_pre_pu=v1_dev, high_bracket=high)


def high_slice(solver, sv, params, pre, ft, zf_pu, pos, bases, min_a, dtype, where
                ) -> FaultSlice:
    """A scenario's solved slice ``sv`` in the chargers' other bracket, at the rows ``pos`` of
    its own slice, currents only (``iter_fault_study(high_scenarios=...)``)."""
    p, cpos = params
    i_base_c = (solver.cn.base_mva / (SQRT3 * solver.cn.pos.base_kv[solver.c1[cpos]])
                if p is not None else None)
    name, case, fault_buses, v1_dev = where
    return row_slice(solver, sv, pre, (bases[0], bases[1], i_base_c), ft, zf_pu, pos, min_a,
                      0, dtype, (name, case, fault_buses, p, v1_dev), high=True)


def high_sets(scenarios: dict, high_scenarios: Mapping | None, row_form: bool) -> dict:
    """``high_scenarios`` checked against ``scenarios`` (same keys, same chargers but for
    their limits); ``{}`` when not given."""
    if high_scenarios is None:
        return {}
    high = {k: tuple(v) for k, v in high_scenarios.items()}
    same = list(high) == list(scenarios) and all(
        [(int(c.bus), str(c.control), c.k2) for c in high[k]]
        == [(int(c.bus), str(c.control), c.k2) for c in scenarios[k]] for k in high)
    if not row_form or not same:
        raise InputError(Issue("options", "high_scenarios",
                               "needs device_min_a, keep='full' and the scenarios' own keys "
                               "and chargers (only their limits may differ)",
                               "pass the same scenarios with other limits"))
    return high
