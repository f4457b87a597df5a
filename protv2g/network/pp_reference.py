"""Bus fault currents from pandapower's own ``calc_sc``: the independent reference.

Used to cross-check the sequence-network engine and as a fallback bus-current table.
``calc_sc`` writes its results into the net it is given, so this works on one copy.
``calc_sc`` knows 3ph, LL ("2ph") and SLG ("1ph") faults; LLG is not available there.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence

import numpy as np
import pandapower as pp
import pandapower.shortcircuit as sc
import pandas as pd

from protv2g.units import Case, FaultType

_PP_FAULT = {FaultType.THREE_PHASE: "3ph", FaultType.LINE_LINE: "2ph",
             FaultType.SINGLE_LINE_GROUND: "1ph"}

BUS_COLUMNS = ["scenario", "bus", "bus_name", "fault_type", "case", "ikss_ka", "ikss_degree"]


def calc_sc_bus_table(net: pp.pandapowerNet,
                      fault_types: Sequence[FaultType] = tuple(_PP_FAULT),
                      cases: Sequence[Case] = (Case.MAX, Case.MIN),
                      *, r_fault_ohm: float = 0.0, scenario: str = "base") -> pd.DataFrame:
    """Tidy bus fault currents (kA, degrees) from ``pandapower.shortcircuit.calc_sc``.

    Parameters
    ----------
    net : pandapowerNet
        Not modified (a copy is used).
    fault_types, cases : sequences
        LLG is skipped (``calc_sc`` has no LLG fault).
    r_fault_ohm : float
        Fault resistance (Ω).

    Returns
    -------
    pandas.DataFrame
        Columns ``BUS_COLUMNS``; one row per in-service bus × fault type × case.
    """
    work = copy.deepcopy(net)
    frames = []
    for case in cases:
        for fault_type in fault_types:
            if fault_type not in _PP_FAULT:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sc.calc_sc(work, fault=_PP_FAULT[fault_type], case=Case(case).value,
                           r_fault_ohm=r_fault_ohm, return_all_currents=False)
            res = work.res_bus_sc
            angle = (res["ikss_degree"] if "ikss_degree" in res else
                     pd.Series(np.nan, index=res.index))
            frames.append(pd.DataFrame({
                "scenario": scenario,
                "bus": res.index.astype(int),
                "bus_name": work.bus.loc[res.index, "name"].astype(str).to_numpy(),
                "fault_type": FaultType(fault_type).value,
                "case": Case(case).value,
                "ikss_ka": res["ikss_ka"].to_numpy(float),
                "ikss_degree": angle.to_numpy(float),
            }))
    if not frames:
        return pd.DataFrame(columns=BUS_COLUMNS)
    return pd.concat(frames, ignore_index=True)[BUS_COLUMNS]
