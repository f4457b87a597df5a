"""``FlowResult``: tidy tables of a flow study, and the sheets the report shows.

Column sets are fixed here so checks (C8, C9, C12), the report and the tests agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FlowResult", "DEVICE_COLUMNS", "BUS_COLUMNS", "BRANCH_COLUMNS", "SITE_COLUMNS",
           "LINE_TO_LINE_COLUMNS", "REVERSE_COLUMNS", "reverse_flow_summary", "step_ranges"]

#: One row per watched device (protective devices, regulators, capacitor banks) and step.
#: ``i_a``: the largest phase current at the measuring end, A; ``i_residual_a``: the residual
#: current ``3·I0 = |Ia + Ib + Ic|`` there, A, what a ground (51G/51N) element measures — 0 on
#: the balanced (positive-sequence) steps of a pandapower flow, from the phasors of the
#: three-phase flow (``runpp_3ph``) or of OpenDSS, NaN where the step was not solved.
DEVICE_COLUMNS = ["scenario", "step", "time_h", "device", "kind", "element", "element_index",
                  "bus", "i_a", "i_residual_a", "p_mw", "q_mvar", "loading_percent", "vm_pu",
                  "direction", "reverse_flow", "load_fraction"]
#: One row per bus and step. ``vm_pu``/``va_degree`` are the balanced (positive-sequence
#: equivalent) solution; ``vm_a_pu``..``vm_c_pu`` and ``unbalance_percent`` (|V2|/|V1| × 100)
#: come from the three-phase flow on steps where a single-phase site exports or charges, and
#: equal ``vm_pu`` / 0 on balanced steps (NaN where the three-phase flow could not be run).
#: After them: :data:`LINE_TO_LINE_COLUMNS` ``vm_ll_max_pu``, ``vm_ll_min_pu``, the largest
#: and the lowest line-to-line voltage of a bus with no path to ground (an OpenDSS feeder
#: always, :mod:`protv2g.flow.opendss_tables`; a pandapower net with such a bus,
#: :mod:`protv2g.network.pp_ground`), NaN on the other buses: there the phase voltages float
#: and C12 judges these (over-voltage the largest, under-voltage the lowest).
#: The line-to-line voltages of a bus with no path to ground, largest and lowest (pu of the
#: line-to-line base; see :data:`BUS_COLUMNS`).
LINE_TO_LINE_COLUMNS = ("vm_ll_max_pu", "vm_ll_min_pu")
BUS_COLUMNS = ["scenario", "step", "time_h", "bus", "bus_name", "vm_pu", "va_degree",
               "dv_pu_vs_base", "unbalance_percent", "vm_a_pu", "vm_b_pu", "vm_c_pu"]
#: One row per line / transformer and step.
BRANCH_COLUMNS = ["scenario", "step", "time_h", "element", "element_index", "name", "p_from_mw",
                  "q_from_mvar", "p_to_mw", "q_to_mvar", "i_ka", "loading_percent"]
#: One row per V2G site and step.
SITE_COLUMNS = ["scenario", "step", "time_h", "site", "bus", "p_kw", "mode", "n_plugged",
                "soc_mean_fraction", "comm_lost"]
#: One row per scenario and watched device: where it sees reverse flow.
REVERSE_COLUMNS = ["scenario", "device", "kind", "n_steps", "n_reverse_steps", "reverse_steps",
                   "first_reverse_time_h", "max_reverse_p_mw", "max_i_a"]


def step_ranges(steps: np.ndarray) -> str:
    """Compact text of step numbers: ``[3, 4, 5, 9]`` → ``"3-5, 9"``."""
    steps = np.unique(np.asarray(steps, dtype=np.int64))
    if not len(steps):
        return ""
    parts, start, prev = [], steps[0], steps[0]
    for s in steps[1:]:
        if s != prev + 1:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = s
        prev = s
    parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(parts)


def reverse_flow_summary(devices: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and device: the steps with reverse flow and the largest reverse power.

    Parameters
    ----------
    devices : pandas.DataFrame
        :data:`DEVICE_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        :data:`REVERSE_COLUMNS`; ``max_reverse_p_mw`` is the largest ``−p_mw``, 0 where no
        step is reverse: a flow inside the flow's direction deadband (``p_deadband_mw``,
        1 kW) is no reverse flow, and its ``−p`` is solver noise, not a figure (review
        rev39a F4: the DG feeder's recloser d showed 6.9e-13 MW "reverse" with 0 reverse
        steps).
    """
    # whole-column reductions per group, not one frame per group (#21: 318 groups took
    # 0.4 s on the IEEE 8500); groups in order of first appearance (``sort=False``)
    codes = devices.groupby(["scenario", "device"], sort=False).ngroup().to_numpy()
    keep = np.flatnonzero(codes >= 0)
    if not len(keep):
        return pd.DataFrame([], columns=REVERSE_COLUMNS)
    codes = codes[keep]
    n = int(codes.max()) + 1
    first = keep[np.unique(codes, return_index=True)[1]]
    rev = devices["reverse_flow"].to_numpy(bool)[keep]
    p_min = pd.Series(devices["p_mw"].to_numpy(float)[keep]).groupby(codes).min()
    i_max = pd.Series(devices["i_a"].to_numpy(float)[keep]).groupby(codes).max()
    t_rev = pd.Series(devices["time_h"].to_numpy(float)[keep][rev]).groupby(codes[rev]).min()
    neg_p = -p_min.reindex(range(n)).to_numpy()
    steps = devices["step"].to_numpy()[keep][rev]
    order = np.argsort(codes[rev], kind="stable")
    bounds = np.searchsorted(codes[rev][order], np.arange(n + 1))
    return pd.DataFrame({
        "scenario": devices["scenario"].to_numpy()[first],
        "device": devices["device"].to_numpy()[first],
        "kind": devices["kind"].to_numpy()[first],
        "n_steps": np.bincount(codes, minlength=n),
        "n_reverse_steps": np.bincount(codes[rev], minlength=n),
        "reverse_steps": [step_ranges(steps[order[a:b]]) for a, b in
                          zip(bounds[:-1], bounds[1:], strict=True)],
        "first_reverse_time_h": t_rev.reindex(range(n)).to_numpy(float),
        # max(0, −min p) where a step is reverse (the deadband's), else 0 (rev39a F4)
        "max_reverse_p_mw": np.where((neg_p > 0.0) & (np.bincount(codes[rev], minlength=n)
                                                      > 0), neg_p, 0.0),
        "max_i_a": i_max.reindex(range(n)).to_numpy(float),
    }, columns=REVERSE_COLUMNS)


@dataclass(frozen=True)
class FlowResult:
    """Results of :func:`protv2g.flow.flow_study` (tidy DataFrames, units in column names).

    Attributes
    ----------
    devices : DataFrame
        :data:`DEVICE_COLUMNS`.
    buses : DataFrame
        :data:`BUS_COLUMNS`.
    branches : DataFrame
        :data:`BRANCH_COLUMNS`.
    sites : DataFrame
        :data:`SITE_COLUMNS`.
    directional : DataFrame
        67 and 32 evaluated on every flow step
        (:data:`protv2g.directional.DIRECTIONAL_COLUMNS`).
    meta : dict
        Solver used, iterations, assumptions and notes.
    loads_vmin : DataFrame or None
        OpenDSS: the model's loads below their ``Vminpu`` in each step, where OpenDSS holds
        them at constant impedance (:data:`protv2g.flow.load_vmin.LOADS_VMIN_COLUMNS`); None
        on the pandapower path (its constant-power loads do not switch).
    """

    devices: pd.DataFrame
    buses: pd.DataFrame
    branches: pd.DataFrame
    sites: pd.DataFrame
    directional: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    loads_vmin: pd.DataFrame | None = None

    @property
    def reverse(self) -> pd.DataFrame:
        """:func:`reverse_flow_summary` of :attr:`devices`."""
        return reverse_flow_summary(self.devices)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Sheets for the workbook: ``Flow``, ``Flow reverse``, ``Flow sites``, ``Flow buses``,
        ``Flow branches``, ``Flow directional``."""
        return {"Flow": self.devices, "Flow reverse": self.reverse, "Flow sites": self.sites,
                "Flow buses": self.buses, "Flow branches": self.branches,
                "Flow directional": self.directional}
