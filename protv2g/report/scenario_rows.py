"""Every scenario a finding can cite, for the Scenarios sheet and the Summary's count.

The result's ``scenarios`` field holds the snapshots the fault study and the flows both run
(the base cases and export level × participation × load level). The flows run more: C8's
charging snapshots (``charging/<participation>`` and their base ``base/der_off``) and the
96-step day (``day/base``, ``day/<participation>``, ``…/comm_loss``) — :mod:`protv2g.flow.
blocks` — and the findings cite them (C8, C12: review rev41c M7, the depot's failing F02/F05
cite ``charging/firm`` and ``day/expected``, which the sheet and "Scenarios run 18" left out).
They are listed here after the snapshots, read from the flow's own tables: a single step's
site powers and chargers in the same columns, a day's steps on the Flow sites sheet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX, DAY_SCENARIO_PREFIX, DER_OFF_BASE

__all__ = ["all_scenarios", "scenarios_run_text"]

#: ``runs`` of a scenario the fault study and the flows both run, and of a flow-only one.
BOTH, FLOWS_ONLY = "faults and flows", "flows only"


def _flow_table(flow: Any, name: str) -> pd.DataFrame | None:
    frame = getattr(flow, name, None)
    return frame if isinstance(frame, pd.DataFrame) and "scenario" in frame.columns else None


def _note(name: str, steps: int, p_kw: pd.Series) -> str:
    if name == DER_OFF_BASE:
        return ("the charging snapshots' base case: peak load, existing DER off, no site "
                "charging or exporting")
    if name.startswith(CHARGING_SNAPSHOT_PREFIX):
        return ("C8 charging snapshot: peak load, every participating charger importing at "
                "its rating (p negative), existing DER off")
    if name.startswith(DAY_SCENARIO_PREFIX):
        if not len(p_kw) or not (p_kw.abs() > 0).any():
            return (f"{steps}-step day (load shape) without V2G: the day scenarios' base "
                    "case")
        return (f"{steps}-step day (load shape and each site's fleet day): site power per step "
                f"on the Flow sites sheet, from {p_kw.min():,.0f} to {p_kw.max():,.0f} kW "
                "(+ export, − charging)")
    return f"{steps}-step flow scenario: per step on the Flow sites sheet"


def _participation(name: str) -> str:
    for part in name.split("/"):
        if part in ("low", "expected", "firm"):
            return part
    return ""


def all_scenarios(scenarios: pd.DataFrame | None, flow: Any) -> pd.DataFrame | None:
    """``scenarios`` (the result's field) with a ``runs`` column, followed by one row per
    scenario only the flows run (``runs`` "flows only", ``steps``, ``note``): a one-step
    scenario with its sites' ``p_<site>_kw`` and ``chargers_online_expected_<site>`` (the
    flow's ``n_plugged``), a day with its range in ``note``. None without ``scenarios``."""
    if scenarios is None:
        return None
    out = scenarios.assign(runs=BOTH, steps=1, note="")
    names = [_flow_table(flow, t) for t in ("devices", "buses", "sites")]
    seen = pd.unique(pd.concat([t["scenario"].astype(str) for t in names if t is not None])
                     ) if any(t is not None for t in names) else []
    known = set(out["scenario"].astype(str)) if "scenario" in out.columns else set()
    sites = _flow_table(flow, "sites")
    rows = []
    for name in (s for s in seen if s not in known):
        mine = (sites[sites["scenario"].astype(str) == name] if sites is not None
                else pd.DataFrame(columns=["step", "site", "p_kw", "n_plugged"]))
        steps = int(mine["step"].nunique()) if len(mine) else 1
        row: dict[str, Any] = {
            "scenario": name, "participation": _participation(name),
            "load_level": "day shape" if name.startswith(DAY_SCENARIO_PREFIX) else "peak",
            "export_level": np.nan, "is_base": name == DER_OFF_BASE or name.endswith("/base"),
            "runs": FLOWS_ONLY, "steps": steps,
            "note": _note(name, steps, pd.to_numeric(mine["p_kw"], errors="coerce"))}
        if steps == 1:
            for r in mine.itertuples(index=False):
                row[f"p_{r.site}_kw"] = float(r.p_kw)
                row[f"chargers_online_expected_{r.site}"] = float(r.n_plugged)
        rows.append(row)
    if not rows:
        return out
    return pd.concat([out, pd.DataFrame(rows)], ignore_index=True)[
        list(dict.fromkeys([*out.columns, *pd.DataFrame(rows).columns]))]


def scenarios_run_text(scenarios: pd.DataFrame | None, flow: Any) -> str:
    """The Summary's "Scenarios run": every scenario of :func:`all_scenarios`, those with
    faults and flows (base, with V2G) and those of the flows only, named.

    >>> s = pd.DataFrame({"scenario": ["base/peak", "firm/peak/100%"], "is_base": [True,
    ...                   False]})
    >>> scenarios_run_text(s, None)
    '2 (2 with faults and flows: 1 base, 1 with V2G)'
    """
    table = all_scenarios(scenarios, flow)
    if table is None or table.empty:
        return "0"
    both = table[table["runs"] == BOTH]
    n_base = int(both["is_base"].astype(bool).sum()) if "is_base" in both.columns else 0
    text = (f"{len(table)} ({len(both)} with faults and flows: {n_base} base, "
            f"{len(both) - n_base} with V2G")
    only = table.loc[table["runs"] == FLOWS_ONLY, "scenario"].astype(str).tolist()
    if only:
        text += f"; {len(only)} with the flows only: {', '.join(only)}"
    return text + ")"
