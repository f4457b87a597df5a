"""Attribution of violation rows to V2G: ``new``, ``worse`` or ``pre-existing`` (#17).

Every row is compared with the same row (criterion, fault bus, fault type, case, device,
other device) of its scenario's **base case** — the scenario without V2G of the same load
level (:func:`base_scenarios`):

* ``pre-existing`` — the row is a base case's own row, or the base case has the same row and
  V2G does not make its margin worse by more than the row's **tolerance** (``tolerance``
  column, in the margin's unit: the scatter of the device data the margin is made of,
  :mod:`protv2g.checks.tolerance`). Inside that band the change is the devices' own scatter,
  not something V2G can be said to cause. The gate turns pre-existing failures into
  conditions ("fix before the pilot", :mod:`protv2g.gate`).
* ``worse`` — the base case has the row and V2G lowers its margin by more than the tolerance.
* ``new`` — the base case has no such row, or the row's base case cannot be resolved (a
  missing base is never taken as "pre-existing").

A row without a data-derived tolerance is judged against ``max(1e-3, 1 % of |base margin|)``
(a numerical floor, not a physical band), and its ``tolerance`` column says so by holding
that value.

Base cases of scenarios known only by name (flow scenarios of the 96-step day, its
communication-loss variant, hand-built tables) are resolved from the name: ``day/expected``
and ``day/expected/comm_loss`` → ``day/base``; a name with a load level → ``base/<level>``;
the only base case when there is one.

Examples
--------
>>> base_scenarios([], ["base/peak", "day/base", "day/firm/comm_loss", "v2g"])["day/firm/comm_loss"]
'day/base'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["attribute", "base_scenarios", "ATTRIBUTION_KEY", "fallback_tolerance"]

#: Columns that identify "the same row" in the base case.
ATTRIBUTION_KEY = ["criterion", "fault_bus", "fault_type", "case", "device", "other_device"]

_LOAD_LEVELS = ("peak", "light")


def _is_base_name(name: str) -> bool:
    parts = str(name).split("/")
    return parts[-1] == "base" or parts[0] == "base"


def _resolve(name: str, bases: Sequence[str]) -> str:
    if name in bases:
        return name
    parts = str(name).split("/")
    for k in range(len(parts) - 1, 0, -1):  # day/expected/comm_loss → day/base
        cand = "/".join(parts[:k]) + "/base"
        if cand in bases:
            return cand
    for level in _LOAD_LEVELS:
        if level in parts and f"base/{level}" in bases:
            return f"base/{level}"
    return bases[0] if len(bases) == 1 else ""


def base_scenarios(scenarios: Sequence[Any], names: Sequence[str]) -> dict[str, str]:
    """Scenario name → the name of its base case ("" only when none can be resolved).

    Parameters
    ----------
    scenarios : sequence of Scenario
        Study scenarios (``name``, ``load_level``, ``is_base``): a scenario's base is the base
        case of its load level.
    names : sequence of str
        Every scenario name that appears in the tables (fault, flow), including names that
        are not in ``scenarios`` (day, communication loss, hand-built).
    """
    base_by_load = {sc.load_level: sc.name for sc in scenarios if sc.is_base}
    out = {sc.name: sc.name if sc.is_base else base_by_load.get(sc.load_level, "")
           for sc in scenarios}
    bases = sorted({str(n) for n in names if _is_base_name(str(n))}
                   | set(base_by_load.values()))
    for n in names:
        if n not in out:
            out[str(n)] = _resolve(str(n), bases)
    return out


def fallback_tolerance(base_margin: np.ndarray) -> np.ndarray:
    """Numerical floor for rows without a data-derived tolerance: ``max(1e-3, 1 %·|m|)``."""
    return np.maximum(1e-3, 0.01 * np.abs(np.asarray(base_margin, dtype=float)))


def attribute(violations: pd.DataFrame, base_of: Mapping[str, str]) -> pd.DataFrame:
    """Fill ``attribution`` (and missing ``tolerance``) by comparing every row with its base
    case (see the module docstring).

    Parameters
    ----------
    violations : DataFrame
        ``VIOLATION_COLUMNS``.
    base_of : mapping
        Scenario → its base-case scenario (:func:`base_scenarios`; "" = unresolved).

    Returns
    -------
    DataFrame
        A copy with ``attribution`` filled.
    """
    v = violations.copy()
    if v.empty:
        return v
    if "tolerance" not in v.columns:
        v["tolerance"] = np.nan
    scen = v.scenario.astype(str)
    base = scen.map(lambda s: base_of.get(s, "")).fillna("")
    is_base = (scen == base) | (scen == "")
    key = [c for c in ATTRIBUTION_KEY if c in v.columns]
    ref = v[scen == base][[*key, "scenario", "margin"]].rename(
        columns={"scenario": "_base", "margin": "_bm"})
    ref["_bm"] = pd.to_numeric(ref["_bm"], errors="coerce")
    ref = ref.assign(_had=True).groupby([*key, "_base"], dropna=False).agg(
        _bm=("_bm", "min"), _had=("_had", "any")).reset_index()
    j = v.assign(_base=base.to_numpy()).merge(ref, how="left", on=[*key, "_base"])
    had = j._had.eq(True).to_numpy() & (base != "").to_numpy()
    bm = j._bm.to_numpy(dtype=float)
    tol = pd.to_numeric(j.tolerance, errors="coerce").to_numpy(dtype=float)
    fill = ~np.isfinite(tol) & had & ~is_base.to_numpy()
    tol = np.where(fill, fallback_tolerance(np.nan_to_num(bm)), tol)
    with np.errstate(invalid="ignore"):
        worse = pd.to_numeric(j.margin, errors="coerce").to_numpy(float) < bm - np.nan_to_num(tol)
    att = np.where(~had, "new", np.where(worse, "worse", "pre-existing"))
    att = np.where(is_base.to_numpy(), "pre-existing", att)
    v["attribution"] = att
    v["tolerance"] = tol
    return v
