"""What limits one axis's export (:func:`_limiting`): the bracket of the first failing level
of a criterion or of any, each limiting criterion with its own device and fault, the voltage
rise V2G causes, the other end of a figure set by a bus at the limit (:func:`_over_limit`),
the weakest input the rows rest on, a row failing without V2G too (:func:`_worse_text`) and
where the criteria pass again. Split from :mod:`.tables`, which re-exports ``_limiting``.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from protv2g.criteria import order
from protv2g.hosting.axis import Axis, Failing, bracket, fails
from protv2g.hosting.knife_edge import knife_edge_text
from protv2g.hosting.limits import over_limit_bracket, worsening
from protv2g.hosting.voltage_text import AT_LIMIT_FLAG, over_limit_text, voltage_limit_text
from protv2g.hosting.window import passes_again, window_text
from protv2g.input_basis import weakest
from protv2g.significant import kw_text, number_text
from protv2g.violations import describe_fault, is_given

__all__ = ["_evidence", "_limiting", "_over_limit", "_worse_text"]


def _evidence(row: dict[str, Any]) -> tuple[str, str]:
    """(device, fault) of a failing row: ``"a / homes"``, ``"SLG-a at b2 (min)"``."""
    device = str(row["device"]) if is_given(row.get("device")) else ""
    other = row.get("other_device")
    return device + (f" / {other}" if is_given(other) else ""), describe_fault(row)


def _limiting(failing: Failing, axis: Axis, levels: list[float], crit: str | None,
              change_min_pu: float = 1.0 / 120.0) -> dict[str, Any]:
    lo, hi = bracket(failing, axis, levels, crit)
    p_charger = axis.site.p_charger_kw
    out: dict[str, Any] = {
        "hosting_kw": lo if hi is not None else axis.cap_kw,
        "site_max_kw": axis.cap_kw, "limited": hi is not None,
        "limiting_criterion": "", "limiting_device": "", "limiting_fault": "", "first_fail_kw": hi,
        "limiting_basis": "", "limiting_worse": "", "fails_without_v2g": False,
        "passes_again_kw": math.nan, "over_limit_kw": math.nan,
    }
    out["hosting_chargers"] = int(math.floor(out["hosting_kw"] / p_charger + 1e-9))
    if hi is not None:
        rows = sorted(fails(failing[(axis.key, hi)], crit), key=lambda r: order(
            str(r["criterion"])))
        # each criterion with its own evidence: the last one's in the device/fault columns,
        # the others' in parentheses after their id (.tables' docstring)
        shown = []
        for r in rows[:-1]:
            what = ", ".join(x for x in _evidence(r) if x)
            shown.append(f"{r['criterion']} ({what})" if what else str(r["criterion"]))
        out["limiting_criterion"] = ", ".join([*shown, str(rows[-1]["criterion"])])
        out["limiting_device"], out["limiting_fault"] = _evidence(rows[-1])
        # a C12 overvoltage row: the rise V2G causes, not "exceeds 1.05 pu" (review s22)
        rise = voltage_limit_text(rows[-1], hi)
        if rise:
            out["limiting_fault"] = "; ".join(t for t in (out["limiting_fault"], rise) if t)
        # a limit turning on less than its quantity's accuracy (review rev50a #3)
        edge = knife_edge_text(rows[-1], hi)
        if edge:
            out["limiting_fault"] = "; ".join(t for t in (out["limiting_fault"], edge) if t)
        if all(r.get(AT_LIMIT_FLAG, False) for r in rows):  # the figure rests on the band
            out["over_limit_kw"], said = _over_limit(failing, axis, levels, crit, rows[-1], hi,
                                                     change_min_pu)
            out["limiting_fault"] = "; ".join((out["limiting_fault"], said))
        # what the limiting rows rest on, the weakest (protv2g.input_basis): a limit set by
        # a tool default or a drafted value is a limit to confirm
        out["limiting_basis"] = weakest(str(r.get("input_basis", "")) for r in rows
                                        if is_given(r.get("input_basis")))
        out["limiting_worse"] = _worse_text(rows[-1], hi, out["hosting_kw"])
        out["fails_without_v2g"] = bool(out["limiting_worse"])
        again, last = passes_again(failing, axis.key, levels, hi,
                                   [str(r["criterion"]) for r in rows])
        if again is not None:
            out["passes_again_kw"] = again
            out["limiting_fault"] = "; ".join(t for t in (
                out["limiting_fault"], window_text(hi, last, again, levels, axis.cap_kw,
                                                   [str(r["criterion"]) for r in rows])) if t)
    return out


def _over_limit(failing: Failing, axis: Axis, levels: list[float], crit: str | None,
                row: dict[str, Any], hi: float, change_min_pu: float) -> tuple[float, str]:
    """The figure with the at-limit buses counted as over the limit, kW, and its words
    (:func:`~protv2g.hosting.voltage_text.over_limit_text`), from the search's own rows
    (:func:`~protv2g.hosting.limits.over_limit_bracket`)."""
    lo, first = over_limit_bracket(failing, axis.key, levels, crit)
    alt_kw, limit = axis.cap_kw, ""
    if first is not None:
        alt_kw = lo
        rows = [r for r in fails(failing[(axis.key, first)], crit)
                if not r.get(AT_LIMIT_FLAG, False)]
        limit = "; ".join(" ".join(x for x in (str(r["criterion"]), ", ".join(
            x for x in _evidence(r) if x)) if x) for r in rows) + f" from {kw_text(first)} kW"
    return alt_kw, over_limit_text(row, hi, change_min_pu, alt_kw, limit, axis.cap_kw)


def _worse_text(row: dict[str, Any], hi_kw: float, lo_kw: float) -> str:
    """Words for a limiting row that fails without V2G too (``worse``: V2G's worsening is a
    material share of the deficit): the figure is where that share is reached, not where the
    row starts to fail (review rev33a M2, EPRI ckt24: "C2 first fails at 279.8 kW (passes at
    278.4 kW)" for a recloser–fuse pair failing by 0.929 s without V2G). "" otherwise."""
    if str(row.get("attribution", "")) != "worse":
        return ""
    delta, share = worsening(pd.DataFrame([row]))
    if not math.isfinite(float(share[0])):
        return ""
    unit = str(row.get("margin_unit") or "")
    base = float(row["base_margin"])
    hi, lo = number_text(hi_kw, "kW"), number_text(lo_kw, "kW")
    return (f"fails without V2G too (margin {base:.4g} {unit}".rstrip() + ": a condition "
            f"either way); at {hi} V2G's worsening ({float(delta[0]):.4g} {unit}".rstrip()
            + f") is {100 * float(share[0]):.1f} % of that deficit, the share the gate counts "
            f"as V2G's (at {lo} it is smaller) — fixing the failure without V2G lifts the "
            "figure")
