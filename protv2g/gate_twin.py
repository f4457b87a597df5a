"""The gate line's figures of one violation row: a number as the cells write it
(:func:`cell_text`) and the row's twin without V2G with V2G's change against the tolerance
that decides its materiality (:func:`twin_text`). Split from :mod:`protv2g.gate_reasons`
(the lines' wording and grouping), which writes them on its lines.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from protv2g.checks.attribution_share import CURRENT_SCATTER, MATERIAL_SHARE, TIME_UNIT
from protv2g.checks.equipment import PROJECT
from protv2g.findings_attribution import is_charging_peak, is_charging_snapshot
from protv2g.significant import SIGNIFICANT_DIGITS, number_text, percent_text
from protv2g.violations import describe_fault, is_given

__all__ = ["cell_text", "twin_text"]


def cell_text(value: Any, unit: str = "", digits: int = SIGNIFICANT_DIGITS) -> str:
    """A finite number as the report writes numbers in text (:func:`protv2g.significant
    .number_text`: by default the cells' 10 significant digits, U+2212 minus), "" otherwise."""
    x = pd.to_numeric(value, errors="coerce")
    if pd.isna(x) or not math.isfinite(float(x)):
        return ""
    return number_text(float(x), unit, digits)  # the gate's data: as the cells


def _idle_text(worst: pd.Series, unit: str, m_v2g: Any) -> str:
    """A row the chargers move (``new``/``worse``) without a base twin (its device or fault
    comes with the project) but with its figure with every charger idle (``idle_margin``,
    :data:`protv2g.checks.equipment.IDLE_MARGIN`): that figure and the chargers' change
    (mix38: J1 F01's LLG-bc row, which the chargers tip, read nothing of it); "" else."""
    m_idle = pd.to_numeric(worst.get("idle_margin"), errors="coerce")
    if (pd.isna(m_idle) or pd.isna(m_v2g) or not math.isfinite(float(m_idle))
            or str(worst.get("attribution")) not in ("new", "worse")):
        return ""
    verb = "passes by" if m_idle >= 0 else "fails by"
    text = (f"with every charger idle (the project's equipment in) at the same fault and "
            f"case: {verb} {cell_text(abs(float(m_idle)), unit)}")
    if math.isfinite(float(m_v2g)):
        text += (f"; the chargers lower the margin by "
                 f"{cell_text(float(m_idle) - float(m_v2g), unit)}")
    return text


def twin_text(worst: pd.Series) -> str:
    """The worst row's twin without V2G — the same fault, fault type, case and rule in the
    base case of its load level (``base_margin``, :mod:`protv2g.checks.attribution`) — and
    V2G's change against the tolerance that decides its materiality; "" without a twin."""
    unit = str(worst.get("margin_unit", "")) if is_given(worst.get("margin_unit")) else ""
    m_base = pd.to_numeric(worst.get("base_margin"), errors="coerce")
    m_v2g = pd.to_numeric(worst.get("margin"), errors="coerce")
    if pd.isna(m_base) or pd.isna(m_v2g) or not math.isfinite(float(m_base)):
        return _idle_text(worst, unit, m_v2g)
    tol = pd.to_numeric(worst.get("tolerance"), errors="coerce")
    verb = "passes by" if m_base >= 0 else "fails by"
    # a fault row's twin is the same fault and case; a flow row's (C8/C12: a bus or branch at a
    # load level, no fault type) the same place at the same load level (review s28 §7)
    same = ("at the same fault and case" if is_given(worst.get("fault_type"))
            else "at the same place and load level" if describe_fault(worst)
            else "at the same load level")
    # a charging snapshot's base is the same step without the charging (review s23)
    charging = is_charging_snapshot(worst.get("scenario")) or is_charging_peak(
        worst.get("criterion"), worst.get("mechanism"))
    without, cause = ("without the sites' charging", "charging") if charging else (
        "without V2G", "V2G")
    if str(worst.get("attribution")) == PROJECT:  # its base twin lacks the equipment too
        without, cause = "without the project", "the project (equipment + V2G together)"
    # a base failing by less than the tolerance that the row's attribution took as passing
    # (``new``: C12's "at the limit within its tolerance") is at the limit, so it has
    # no deficit V2G could be a share of (review rev37b F5, EPRI DG feeder: "fails by
    # 0.0002212 pu … 11721 % of that deficit" beside "caused by V2G")
    at_limit = (m_base < 0 and pd.notna(tol) and math.isfinite(float(tol))
                and -float(m_base) <= float(tol) and str(worst.get("attribution")) == "new")
    if at_limit:
        verb = "at the limit, fails by"
    text = f"{without} {same}: {verb} {cell_text(abs(float(m_base)), unit)}"
    text += (f", within the tolerance {cell_text(float(tol), unit)} (taken as passing); "
             if at_limit else "; ")
    if math.isinf(float(m_v2g)):  # review s23: "lowers the margin by  (material…"
        return text + (f"with {cause} no margin is left (−∞: a device the rule times no "
                       "longer operates for this fault)")
    change = float(m_base) - float(m_v2g)
    text += f"{cause} lowers the margin by {cell_text(change, unit)}"
    # a deficit without V2G: V2G's part of it, as the attribution judged it (review s27 §2,
    # protv2g.checks.attribution_share: a time margin on the devices' currents)
    share = ""
    material = pd.notna(tol) and math.isfinite(float(tol)) and change > float(tol)
    if m_base < 0 and change > 0 and material and not at_limit:  # (review s28)
        by_current = unit == TIME_UNIT and any(
            math.isfinite(float(pd.to_numeric(worst.get(c), errors="coerce")))
            for c in ("i_device_a", "i_other_a"))
        text += f", {percent_text(change / abs(float(m_base)))} of that deficit"
        share = f"{100.0 * MATERIAL_SHARE:g} % of the deficit or more"
        if by_current:
            # the current test applies only where the time that moves is a fuse's in its
            # curve's long-time region (attribution_share.in_scatter, review s28 §2): a
            # relay's or recloser's long time is judged on time alone (EPRI ckt5, review
            # ver31: a 51G time beside a |3I0| moving 3.5 % read as if the test had failed)
            share += (", and, where the time that moves is a fuse's in its curve's long-time "
                      "region, a device's operating current (|3I0| for a ground element) "
                      f"moves by more than {100.0 * CURRENT_SCATTER:g} %")
    if pd.notna(tol) and math.isfinite(float(tol)):
        if change > float(tol):
            text += f" (material: more than the tolerance {cell_text(float(tol), unit)}"
            text += f", {share})" if share else ")"
        else:
            text += f" (within the tolerance {cell_text(float(tol), unit)})"
    return text
