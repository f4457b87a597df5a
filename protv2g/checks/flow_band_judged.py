"""C12's record of the buses it judges against ANSI C84.1 Range A's limit, for what must
follow C12's rule without restating it (the hosting search's tolerance end,
:mod:`protv2g.hosting.tolerance_end`; session 42).

Per scenario, the buses of C12's judged voltage rows (:func:`protv2g.checks.flow_buses.
judged_buses`: not a source bus, not above 34.5 kV, not de-energised) less

* a regulator's regulated bus and the buses closed switches tie to it (a set-point:
  :func:`~protv2g.checks.flow_band.with_switch_tied` of
  :func:`~protv2g.checks.flow_limit.regulated_buses`, as C12's ``regulator set-point``
  texts);
* of the rows V2G takes over the limit at the tolerance bracket's low end
  (:data:`~protv2g.checks.flow_limit.V_LIMIT_TOLERANCE_BRACKET_PU`, 0.0001 pu), those C12's
  rules make the regulators' own at that tolerance: an unforced tap move's effect or a
  regulated bus inside a band that reaches over the limit
  (:func:`~protv2g.checks.flow_taps.regulators_own`), and a bus past a regulator whose V2G
  rise is the output's (:func:`~protv2g.checks.flow_band.band_rows`, review rev34a W3);
* a row whose base case is over the low end at a start of the regulators' band while V2G's
  change there is within the materiality (:mod:`protv2g.checks.flow_band_pre`, review
  rev49b #2).

The low end is where the record is read (a figure's ``at_v_max_kw``): tol41's IEEE 8500 depot
at peak gave 403 kW at m1209814, past FEEDER_REG, which C12's band rule holds as the
regulator output's; vr41's search with C12 itself at 0.0001 pu gave 428 kW at m1209811, and
the end reading this record gives 432 kW there (the level over it interpolated from the one
before).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.flow_band import band_rows, with_switch_tied
from protv2g.checks.flow_band_pre import band_preexisting
from protv2g.checks.flow_limit import V_LIMIT_TOLERANCE_BRACKET_PU, regulated_buses, v2g_caused
from protv2g.checks.flow_taps import regulators_own

__all__ = ["BAND_JUDGED", "band_judged", "record_band_judged"]

#: ``ctx.cache`` key of C12's record: scenario → sorted bus indices (``(k,)`` int64).
BAND_JUDGED = "C12 band-judged"


def band_judged(ctx: Any, bus: pd.DataFrame, w: pd.DataFrame,
                path: tuple[np.ndarray, ...] | None = None) -> dict[str, np.ndarray]:
    """Scenario → the buses C12 judges against Range A's limit (module docstring).

    Parameters
    ----------
    ctx : CheckContext
    bus : DataFrame
        The flow's whole bus table (every scenario and step).
    w : DataFrame
        C12's worst voltage of every judged (scenario, bus): ``scenario``, ``bus``, ``vm_pu``.
    path : tuple of ndarray, optional
        The tap-path bracket's ``(rises, start, base)`` aligned with ``w``
        (:func:`~protv2g.checks.flow_tap_path.bracketed_high`): a row whose base case fails
        at a band start at the low end is the regulator settings'
        (:mod:`protv2g.checks.flow_band_pre`, review rev49b #2).
    """
    model = ctx.study.model
    v_max = float(ctx.thresholds.v_max_pu)
    t_lo = float(V_LIMIT_TOLERANCE_BRACKET_PU[0])
    buses = w["bus"].to_numpy().astype(np.int64)
    held = (with_switch_tied(model, regulated_buses(model), ctx.bus_name) if model is not None
            else {})
    keep = ~np.isin(buses, np.fromiter(held, dtype=np.int64, count=len(held)))
    near = np.flatnonzero(keep & (w["vm_pu"].to_numpy(float) > v_max + t_lo))
    if path is not None and len(near):  # the base case over the low end at a band start
        by = band_preexisting(path[2][near] - (v_max + t_lo), path[0][near],
                              float(ctx.thresholds.voltage_change_min_pu))
        keep[near[by >= 0]] = False
        near = near[by < 0]
    if len(near) and model is not None:
        rows = w.iloc[near]
        caused, v_base = v2g_caused(w, rows, ctx.base_of, v_max, t_lo)
        at = np.flatnonzero(caused)  # a row V2G does not take over: no rule to apply
        if len(at):
            rows, v_base = rows.iloc[at], v_base[at]
            pre, _ = regulators_own(ctx, bus, rows, np.ones(len(at), dtype=bool), v_base, t_lo)
            band = band_rows(ctx, bus, rows, pre, v_base, t_lo)
            own = pre.copy()
            own[np.fromiter(band, dtype=np.intp, count=len(band))] = True
            keep[near[at[own]]] = False
    scen = w["scenario"].astype(str).to_numpy()[keep]
    judged = buses[keep]
    return {str(s): np.unique(judged[scen == s]) for s in pd.unique(scen)}


def record_band_judged(ctx: Any, bus: pd.DataFrame, w: pd.DataFrame,
                       path: tuple[np.ndarray, ...] | None = None) -> None:
    """Keep :func:`band_judged` in ``ctx.cache`` under :data:`BAND_JUDGED`."""
    ctx.cache[BAND_JUDGED] = band_judged(ctx, bus, w, path)
