"""C12's voltage-unbalance rows (split from :mod:`protv2g.checks.flow`, review rev31 §1, §2).

* A row per (scenario, judged bus) at its worst step whose voltage unbalance factor
  ``u2 = |V2|/|V1| × 100`` exceeds ``unbalance_max_percent`` (``fail``), in its own margin unit
  :attr:`~protv2g.criteria.MarginUnit.UNBALANCE_PERCENT` (points of u2), kept apart from the
  loading rows' percent of rating (their materiality, words and attribution keys differ).
* Its ``tolerance`` is ``checks.unbalance_change_min_percent`` (default
  :data:`UNBALANCE_CHANGE_MIN_PERCENT` = 0.15 points): IEC 61000-4-30:2015 §5.7.4 gives a Class A
  instrument an uncertainty of ±0.15 points of u2 (Class S ±0.3; a Class B meter's maker
  declares its own, e.g. ±0.3 points: Chauvin Arnoux C.A 8333 manual §15.4.2). A V2G change
  smaller than that cannot be told from the measurement that would settle it, so a row failing
  without V2G too that V2G moves by less is ``pre-existing``, and a row passing without V2G by
  less than it (:func:`unbalance_margins`, the base margins) that V2G moves by less is too.
  Before (review rev31 §2, IEEE 8500): no tolerance, the attribution's numerical floor and the
  10 %-of-deficit share: a 7.2 kW charger 10 km away "made worse" a 3.02 % unbalance by
  0.013 points and the homes' hosting capacity was 0 kW.
* A row whose V2G change a regulator's unforced tap move explains
  (:func:`protv2g.checks.flow_taps.tap_explained`) is ``pre-existing`` and says so.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, violation_rows
from protv2g.checks.flow_limit import limit_tolerance_pu
from protv2g.checks.flow_taps import tap_explained
from protv2g.criteria import MarginUnit
from protv2g.violations import CheckStatus

__all__ = ["UNBALANCE_CHANGE_MIN_PERCENT", "unbalance_change_min", "unbalance_rows",
           "unbalance_margins", "base_values"]

#: Default of ``checks.unbalance_change_min_percent`` (points of u2; module docstring).
UNBALANCE_CHANGE_MIN_PERCENT = 0.15


def unbalance_change_min(thresholds: object) -> float:
    """``checks.unbalance_change_min_percent`` (the default for a thresholds object without it)."""
    return float(getattr(thresholds, "unbalance_change_min_percent",
                         UNBALANCE_CHANGE_MIN_PERCENT))


def base_values(w: pd.DataFrame, rows: pd.DataFrame, base_of: Mapping[str, str], col: str
                ) -> np.ndarray:
    """``(len(rows),)`` the base case's ``col`` at each row's bus (``w``: the worst row of every
    (scenario, bus), base cases included); NaN without a base case or a base row."""
    if not len(rows):
        return np.zeros(0)
    base = rows.scenario.astype(str).map(lambda s: str(base_of.get(s, "") or ""))
    key = pd.MultiIndex.from_arrays([w.scenario.astype(str).to_numpy(), w.bus.to_numpy()])
    ref = pd.Series(w[col].to_numpy(float), index=key)
    ref = ref[~ref.index.duplicated()]
    at = ref.reindex(pd.MultiIndex.from_arrays([base.to_numpy(), rows.bus.to_numpy()]))
    out = at.to_numpy(float)
    out[(base == rows.scenario.astype(str)).to_numpy() | (base == "").to_numpy()] = np.nan
    return out


def unbalance_rows(ctx: CheckContext, bus: pd.DataFrame, w: pd.DataFrame,
                   names_of) -> pd.DataFrame:  # noqa: ANN001
    """C12's failing unbalance rows (module docstring); ``w`` the worst unbalance of every
    judged (scenario, bus), ``bus`` the flow's whole bus table, ``names_of(buses)`` → names."""
    th = ctx.thresholds
    bad = w[w.unbalance_percent > th.unbalance_max_percent + 1e-9]
    names = names_of(bad.bus)
    tol = unbalance_change_min(th)
    message = [f"voltage unbalance {u:.2f} % at {n} {ctx.export_text(s)} exceeds "
               f"{th.unbalance_max_percent:g} %" for u, n, s in
               zip(bad.unbalance_percent.tolist(), names, bad.scenario.tolist(), strict=True)]
    change = bad.unbalance_percent.to_numpy(float) - base_values(w, bad, ctx.base_of,
                                                                 "unbalance_percent")
    explained, texts = tap_explained(ctx.study.model, bus, ctx.base_of, bad, change,
                                     np.full(len(bad), tol), "%", limit_tolerance_pu(th))
    for k in np.flatnonzero(explained).tolist():
        message[k] += texts[k]
    out = violation_rows(
        "C12", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
        fault_bus=names, margin_unit=MarginUnit.UNBALANCE_PERCENT,
        margin=(th.unbalance_max_percent - bad.unbalance_percent).to_numpy(),
        limit=th.unbalance_max_percent, tolerance=tol, message=message)
    if explained.any():  # kept by the attribution (a check's own, as the voltage rows' new)
        out["attribution"] = np.where(explained, "pre-existing", "").astype(object)
    return out


def unbalance_margins(ctx: CheckContext, w: pd.DataFrame, names_of) -> pd.DataFrame:  # noqa: ANN001
    """The base cases' unbalance margins of every judged bus, passing or not (``w``: their
    worst rows), as :func:`protv2g.checks.flow.flow_margins` gives the voltage ones."""
    th = ctx.thresholds
    return pd.DataFrame({
        "scenario": w.scenario.to_numpy(), "fault_bus": names_of(w.bus), "device": "",
        "margin_unit": MarginUnit.UNBALANCE_PERCENT.value,
        "margin": (th.unbalance_max_percent - w.unbalance_percent).to_numpy(float)})
