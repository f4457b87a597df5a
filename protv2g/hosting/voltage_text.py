"""What a C12 overvoltage row limiting a hosting figure says: the rise V2G causes, not 1.05 pu.

The gate fails a C12 voltage row that V2G worsens by more than its tolerance (the materiality
test of :mod:`protv2g.checks.attribution`); on a bus already near the limit without V2G the
export passes 1.05 pu long before that. Review s22 (EPRI DG-protection feeder, homes at lat1):
the hosting text said 54 kW was where the voltage "exceeds 1.05 pu", while lat1 is at
1.0484 pu without V2G and OpenDSS passes 1.05 pu at ≈ 10.4 kW; 54 kW is where the *change*
exceeds the 0.00833 pu tolerance. :func:`voltage_limit_text` says that, from the row's own
``limit``, ``margin``, ``base_margin`` and ``tolerance`` (margin = limit − voltage, pu).

The export at which the limit itself is passed is interpolated linearly between the base case
(0 kW, margin ``base_margin``) and the failing level (``p_kw``, margin ``margin``): a bus
voltage rises about linearly with a small injection (the short-line approximation
ΔV ≈ (R·P + X·Q)/V, Kersting, *Distribution System Modeling and Analysis*, approximate voltage
drop); it is marked "≈" and said to be an estimate. The row's voltage is the worst phase's
(the largest over phases and buses), and the worst phase may change with the export: on the
European LV test feeder a 1-phase home on 899.b moves it from phase c (1.04935 pu without V2G)
to phase b, and the estimate read "≈ 0.23 kW" where OpenDSS passes 1.05 pu at 0.343 kW
(review rev34b). With each phase's voltage linear in the export, their maximum is convex, so
the chord from 0 kW to the failing level crosses the limit first: the estimate is a lower
bound, and the text says so.

A C12 reverse-power row (``margin_unit`` MW: margin = −reverse power through a regulator, limit
0) is described the same way (:func:`reverse_power_text`): the reverse power without V2G (on
EPRI J1 at light load, s23: 29.8 kW through ``regxfmr_b4868`` from the feeder's existing PV,
so the row fails from the smallest export; the text says what the flow showed, not a cause
it cannot know), what V2G adds (about its export on the
regulator's phase), and what the limit is (0 kW for a control taken as forward-locked: its
mode is to confirm, :data:`protv2g.checks.flow.FORWARD_LOCKED_TEXT`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.flow_limit import V_LIMIT_TOLERANCE_BRACKET_PU
from protv2g.significant import kw_text

__all__ = ["AT_LIMIT_FLAG", "at_limit_mask", "kw_text", "over_limit_text",
           "reverse_power_text", "under_voltage_text", "voltage_limit_text"]

#: Column (and row key) of a failing C12 row on a bus at the limit within its tolerance without
#: V2G whose rise is within the materiality (:func:`at_limit_mask`): it fails only because the
#: bus counts as at the limit, and would pass if the bus counted as over it.
AT_LIMIT_FLAG = "at_limit_only"


def _num(row: Mapping[str, Any], key: str) -> float:
    v = pd.to_numeric(row.get(key), errors="coerce")
    return float(v) if pd.notna(v) else math.nan


def voltage_limit_text(row: Mapping[str, Any], p_kw: float) -> str:
    """The rise V2G causes at export ``p_kw`` (kW) against the row's tolerance, on a bus at its
    voltage without V2G, and where the limit itself is passed; "" for other rows.

    Only C12 overvoltage rows (``margin_unit`` pu, ``limit`` > 1 pu) with a finite
    ``base_margin`` are described here; C12 under-voltage rows (``limit`` < 1 pu) by
    :func:`under_voltage_text`, C12 reverse-power rows (MW) by :func:`reverse_power_text`.

    Examples
    --------
    >>> r = {"criterion": "C12", "margin_unit": "pu", "limit": 1.05, "margin": -0.0107,
    ...      "base_margin": 0.0016, "tolerance": 0.008333}
    >>> voltage_limit_text(r, 57.6)  # doctest: +NORMALIZE_WHITESPACE
    'the rise V2G causes (0.0123 pu at 57.6 kW) exceeds the tolerance 0.00833 pu on a bus at
    1.048 pu without V2G; by a linear estimate from the worst phase at 0 and 57.6 kW (a lower
    bound where the export moves the worst phase, as a single-phase site does), 1.05 pu is
    passed at ≈ 7.5 kW'
    """
    if str(row.get("criterion")) == "C12" and str(row.get("margin_unit")) == "MW":
        return reverse_power_text(row, p_kw)
    if str(row.get("criterion")) == "C12" and str(row.get("margin_unit")) == "% VUF":
        from protv2g.hosting.unbalance_text import unbalance_limit_text

        return unbalance_limit_text(row, p_kw)  # (review rev49b #4)
    if str(row.get("criterion")) != "C12" or str(row.get("margin_unit")) != "pu":
        return ""
    limit, m, mb, tol = (_num(row, k) for k in ("limit", "margin", "base_margin", "tolerance"))
    if not all(math.isfinite(x) for x in (limit, m, mb)):
        return ""
    if limit < 1.0:
        return under_voltage_text(row, p_kw)
    if limit <= 1.0:
        return ""
    rise = mb - m
    start = start_words(row, limit - mb)
    if str(row.get("attribution", "")) == "new" and m < 0:
        text = _new_over_text(limit, m, mb, tol, p_kw, linear=not start)
        return "; ".join(t for t in (text, start) if t)
    text = f"the rise V2G causes ({rise:.3g} pu at {kw_text(p_kw)} kW)"
    text += (f" exceeds the tolerance {tol:.3g} pu" if math.isfinite(tol) else "")
    text += f" on a bus at {limit - mb:.4g} pu without V2G"
    if mb < 0:
        return text + f", already above {limit:g} pu"
    if start:
        return f"{text}; {start}"
    if rise > 0 and m < 0:
        return text + (f"; by a linear estimate from the worst phase at 0 and {kw_text(p_kw)} kW "
                       "(a lower bound where the export moves the worst phase, as a "
                       f"single-phase site does), {limit:g} pu is passed at ≈ "
                       f"{kw_text(p_kw * mb / rise, 2)} kW")
    return text


def under_voltage_text(row: Mapping[str, Any], p_kw: float) -> str:
    """A C12 under-voltage row (``limit`` < 1 pu, margin = voltage − limit) at export
    ``p_kw``: the drop V2G causes against its tolerance on a bus at its voltage without V2G,
    then the regulators' words of the row (:func:`~protv2g.checks.flow_tap_path.tap_words`:
    their tap moves and where in their band they rest, review rev43a M11 — IEEE 34's campus
    limited "at 890" with nothing said of reg1/reg2's line-drop compensation).

    >>> under_voltage_text({"limit": 0.95, "margin": -0.0322, "base_margin": -0.0229,
    ...                     "tolerance": 0.008333, "message": "voltage 0.918 pu"}, 300.0)
    ... # doctest: +NORMALIZE_WHITESPACE
    'the drop V2G causes (0.0093 pu at 300 kW) exceeds the tolerance 0.00833 pu on a bus at
    0.9271 pu without V2G, already below 0.95 pu'
    """
    from protv2g.checks.flow_tap_path import tap_words

    limit, m, mb, tol = (_num(row, k) for k in ("limit", "margin", "base_margin", "tolerance"))
    at_kw = kw_text(p_kw)
    if mb < 0:
        text = (f"the drop V2G causes ({mb - m:.2g} pu at {at_kw} kW)"
                + (f" exceeds the tolerance {tol:.3g} pu" if math.isfinite(tol) else "")
                + f" on a bus at {limit + mb:.4f} pu without V2G, already below {limit:g} pu")
    else:
        text = (f"{limit + m:.4f} pu at {at_kw} kW, below {limit:g} pu, from "
                f"{limit + mb:.4f} pu without V2G")
    words = tap_words(str(row.get("message", "") or ""))
    return "; ".join(t for t in (text, words) if t)


def start_words(row: Mapping[str, Any], v_base_pu: float) -> str:
    """Which band start a C12 over-voltage row was judged from, "" where it is its own
    (the base case's taps), the row has no tap path or it is a charging snapshot's (the
    change is the charging's, not V2G's). Read from the row's columns
    (:data:`~protv2g.checks.flow_tap_path.CHANGE_COLUMNS`,
    :data:`~protv2g.checks.flow_tap_path.START_COLUMN`; fxc49: the row's voltage is the base
    case's own-taps voltage ``v_base_pu`` plus the largest of the three rises), not from its
    message's words; each rise is taken as the message says it (4 decimals) so that the two
    agree.

    The rise from a band edge is a regulator's tap step, not proportional to the export (review
    rev50a #1: IEEE 123 homes, 83 judged 1.0552 pu at 14.2 kW = 1.0493 + 0.0059 from the bottom
    of the band, reg4b one tap up; the flow from the base case's own taps gives 1.0488 pu,
    OpenDSS 1.04877), so it says both voltages and the start, and no straight line is drawn
    across the step.

    >>> r = {"change_own_taps": -0.0005, "change_band_top": -0.0011,
    ...      "change_band_bottom": 0.0059, "judged_start": "band_bottom"}
    >>> start_words(r, 1.0493)  # doctest: +NORMALIZE_WHITESPACE
    "judged from the bottom of the regulators' band: the base case's 1.0493 pu at its own taps
    plus V2G's rise from that start (+0.0059 pu, set by where the regulators rest in their band
    — a tap step — not proportional to the export); the flow from the base case's own taps
    gives 1.0488 pu (a rise of -0.0005 pu)"
    """
    from protv2g.checks.flow_tap_path import CHANGE_COLUMNS, START_COLUMN, START_KEYS, STARTS
    from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX

    key = str(row.get(START_COLUMN, "") or "")
    if (key not in START_KEYS[1:] or not math.isfinite(v_base_pu)
            or str(row.get("scenario", "") or "").startswith(CHARGING_SNAPSHOT_PREFIX)):
        return ""
    judged = START_KEYS.index(key)
    rises = [round(_num(row, c), 4) for c in CHANGE_COLUMNS]
    if not all(math.isfinite(r) for r in (rises[0], rises[judged])):
        return ""
    where = STARTS[judged].replace(" of their band with and without V2G",
                                   " of the regulators' band")
    return (f"judged from {where}: the base case's {v_base_pu:.4f} pu at its own taps plus "
            f"V2G's rise from that start ({rises[judged]:+.4f} pu, set by where the regulators "
            "rest in their band — a tap step — not proportional to the export); the flow from "
            "the base case's own taps gives "
            f"{v_base_pu + rises[0]:.4f} pu (a rise of {rises[0]:.4f} pu)")


def _new_over_text(limit: float, m: float, mb: float, tol: float, p_kw: float,
                   linear: bool = True) -> str:
    """A row V2G causes on a bus at most at the limit without V2G (attribution ``new``,
    :func:`protv2g.checks.flow_limit.v2g_caused`): it fails once the voltage is over the limit
    by more than the limit's tolerance (``checks.voltage_limit_tolerance_pu``) AND V2G's rise
    is more than the row's ``tolerance`` band. On a bus within the limit without V2G the first
    test binds (the figure is where the limit + its tolerance is passed; the limit itself a
    little earlier, which the text says — review rev35a T2, EPRI ckt5 homes: "20 kW … 1.05 pu
    is passed at ≈ 19 kW"; OpenDSS 1.05 pu at 18.68 kW, 1.051 pu at 20.32 kW); on a bus above
    it within the tolerance the rise test binds (review ver35: IEEE 123 bus 7 at 1.0502 pu
    passes 1.051 pu at 167.6 kW, the figure 199 kW is where its rise passes 0.00105 pu)."""
    rise = mb - m
    # positional kW (review rev39b M7: ",.2g" wrote ≈ 400 kW as "4e+02", ",.3g" 1,234 kW as
    # "1.23e+03"), whole kW with separators from 1,000 kW (:func:`kw_text`)
    at_kw = kw_text(p_kw)
    if mb < 0:  # at the limit within its tolerance without V2G (review rev35b M1)
        # 5 significant digits: the rise and the band differ in the 5th (ver35: "0.00105
        # more than 0.00105")
        band = (f", more than the {tol:.5g} pu V2G may add there" if math.isfinite(tol)
                else "")
        return (f"a rise of {rise:.5g} pu at {at_kw} kW{band}, on a bus at "
                f"{limit - mb:.4f} pu without V2G (at the limit {limit:g} pu, within its "
                "tolerance)")
    text = (f"{limit - m:.4f} pu at {at_kw} kW, over {limit:g} pu by more than the limit's "
            "tolerance (checks.voltage_limit_tolerance_pu: the figure is where the limit plus "
            f"it is passed), from {limit - mb:.4f} pu without V2G")
    if not linear:  # the rise is a band start's tap step (:func:`start_words`)
        return text
    return text + (f"; by a linear estimate from the worst phase at 0 and {at_kw} kW (a "
                   "lower bound where the export moves the worst phase, as a single-phase "
                   f"site does), {limit:g} pu itself is passed at ≈ "
                   f"{kw_text(p_kw * mb / rise, 2)} kW")


def reverse_power_text(row: Mapping[str, Any], p_kw: float) -> str:
    """A C12 reverse-power row (``margin_unit`` MW, margin = −reverse power, MW) at export
    ``p_kw`` (kW): the reverse power without V2G and what V2G adds; "" for other rows.

    Examples
    --------
    >>> r = {"criterion": "C12", "margin_unit": "MW", "margin": -0.0344,
    ...      "base_margin": -0.0298}
    >>> reverse_power_text(r, 4.5)  # doctest: +NORMALIZE_WHITESPACE
    'reverse power 29.8 kW without V2G (the flow at this load, with no export, already
    reverses it) and 34.4 kW at 4.5 kW export (V2G adds 4.6 kW) — above the reverse-current
    sense threshold (1 % of its CT primary, checks.regulator_text) of a regulator control taken
    as forward-locked: the figure rests on that threshold; confirm its reverse-power mode'
    >>> reverse_power_text({"criterion": "C12", "margin_unit": "MW", "margin": -0.002}, 7.2)
    ... # doctest: +NORMALIZE_WHITESPACE
    'reverse power 2 kW at 7.2 kW export, none without V2G — above the reverse-current sense
    threshold (1 % of its CT primary, checks.regulator_text) of a regulator control taken as
    forward-locked: the figure rests on that threshold; confirm its reverse-power mode'
    """
    if str(row.get("criterion")) != "C12" or str(row.get("margin_unit")) != "MW":
        return ""
    m, mb = _num(row, "margin"), _num(row, "base_margin")
    if not math.isfinite(m) or m >= 0:
        return ""
    # the limit is the control's reverse sense threshold, not 0 kW: a reversal under 1 % of
    # its CT primary is an info row (review rev38b M2: IEEE 37 reg1a, 16.8 kW at 4.8 kV sets
    # the campus's 525 kW, the text said "against 0 kW")
    # the control's sense threshold in kW at the row's voltage: the row's reverse power ×
    # (threshold current / its reversed active current), both A (checks.flow_controls)
    i_rev, i_sense = _num(row, "i_device_a"), _num(row, "i_other_a")
    sense_kw = -1e3 * m * i_sense / i_rev if i_rev > 0 and i_sense > 0 else math.nan
    at_kw = f", ≈ {sense_kw:,.3g} kW here" if math.isfinite(sense_kw) else ""
    tail = (f" — above the reverse-current sense threshold (1 % of its CT primary{at_kw}, "
            "checks.regulator_text) of a regulator control taken as forward-locked: the "
            "figure rests on that threshold; confirm its reverse-power mode"
            + _bank_words(row))
    rev_kw = -1000.0 * m
    if math.isfinite(mb) and mb < 0:
        # what the flow showed, not why (review rev33c W6: "generation already on the
        # feeder" was said of IEEE 37, which has none)
        # kW as the Summary writes them (:func:`kw_text`: "1e+03 kW" at 1,000 kW before)
        return (f"reverse power {kw_text(-1000.0 * mb)} kW without V2G (the flow at this "
                f"load, with no export, already reverses it) and {kw_text(rev_kw)} kW at "
                f"{kw_text(p_kw)} kW export (V2G adds "
                f"{kw_text(1000.0 * (mb - m), 2)} kW)" + tail)
    return (f"reverse power {kw_text(rev_kw)} kW at {kw_text(p_kw)} kW export, none without "
            "V2G" + tail)


def _bank_words(row: Mapping[str, Any]) -> str:
    """``"; REG:reg1a is one unit of a bank with reg1c (single-phase units between phases):
    it is this unit's own V·I that reverses, and the bank as a whole may still import …"``
    for a row of a regulator unit of a bank (its
    ``other_device``: the bank's other units, :mod:`protv2g.checks.regulator_bank`; review
    rev40b M1, IEEE 37: reg1a −17.4 kW at 535 kW of export while the bank carries +217.4 kW
    forward); ``""`` otherwise."""
    others = str(row.get("other_device") or "")
    if not others or others == "nan":
        return ""
    return (f"; {row.get('device')} is one unit of a bank with {others} (single-phase units "
            "between phases): it is this unit's own V·I that reverses, and the bank as a whole "
            "may still import — `protv2g run`'s C12 row gives the bank's total at the study's "
            "exports")


def at_limit_mask(rows: pd.DataFrame, change_min_pu: float) -> np.ndarray:
    """C12 over-voltage rows (``margin_unit`` pu, ``limit`` > 1 pu) that V2G causes
    (attribution ``new``) on a bus above the limit within its tolerance without V2G
    (``base_margin`` < 0) and that it raises by no more than ``change_min_pu``
    (``checks.voltage_change_min_pu``): they fail only because the bus counts as *at* the
    limit (:func:`protv2g.checks.flow_limit.v2g_caused`: V2G may add the limit's tolerance,
    0.00105 pu); counted as over it (the tolerance bracket's low end, 1e-4 pu,
    :data:`~protv2g.checks.flow_limit.V_LIMIT_TOLERANCE_BRACKET_PU`) the failure is there
    without V2G and V2G may add the materiality (review rev40a W1: IEEE 8500's x2729406c at
    1.05106 pu without V2G set 312 kW; the depot's own bus at 1.0607 pu may take 0.00833 pu).

    >>> r = pd.DataFrame({"criterion": ["C12", "C12", "C12"], "margin_unit": ["pu"] * 3,
    ...     "limit": [1.05] * 3, "attribution": ["new"] * 3,
    ...     "base_margin": [-0.00006, 0.002, -0.00006], "margin": [-0.0011, -0.0011, -0.009]})
    >>> at_limit_mask(r, 1 / 120).tolist()
    [True, False, False]
    """
    n = len(rows)
    if not n or "base_margin" not in rows or "attribution" not in rows:
        return np.zeros(n, dtype=bool)

    def num(c: str) -> np.ndarray:
        return (pd.to_numeric(rows[c], errors="coerce").to_numpy(float) if c in rows
                else np.full(n, np.nan))

    mb, m, limit = num("base_margin"), num("margin"), num("limit")
    with np.errstate(invalid="ignore"):
        return ((rows["criterion"].astype(str).to_numpy() == "C12")
                & (rows["margin_unit"].astype(str).to_numpy() == "pu" if "margin_unit" in rows
                   else np.zeros(n, dtype=bool))
                & (rows["attribution"].astype(str).to_numpy() == "new")
                & (limit > 1.0) & (mb < 0) & (mb - m <= change_min_pu))


def over_limit_text(row: Mapping[str, Any], hi_kw: float, change_min_pu: float,
                    alt_kw: float, alt_limit: str, cap_kw: float) -> str:
    """The other end of a figure set by an :func:`at_limit_mask` row (``row``, first failing
    at ``hi_kw``): ``alt_kw`` (kW), the figure with its bus counted as over the limit without
    V2G, from the search's own rows (``alt_limit`` what limits it there, "" for nothing up to
    the site maximum ``cap_kw``), and a linear estimate of where the row's own rise passes
    ``change_min_pu`` (its rise per kW at ``hi_kw``; a bus voltage rises about linearly with a
    small injection, the module docstring).

    >>> r = {"criterion": "C12", "margin_unit": "pu", "limit": 1.05, "margin": -0.0011119,
    ...      "base_margin": -0.00006, "attribution": "new"}
    >>> over_limit_text(r, 314.0, 1 / 120, 2000.0, "", 2000.0)  # doctest: +NORMALIZE_WHITESPACE
    'the at-limit end of a bracket: this bus is 0.00006 pu over 1.05 pu without V2G, inside
    the tolerance on the limit (checks.voltage_limit_tolerance_pu); counted as over the limit
    (the low end of the tolerance bracket, 0.0001 pu) it fails without V2G, V2G may add
    0.00833 pu there (checks.voltage_change_min_pu) and the figure is 2,000 kW (no criterion
    limits it up to the site maximum 2,000 kW; by a linear estimate from its rise per kW at
    314 kW, the rise at this bus passes 0.00833 pu at ≈ 2,500 kW)'
    """
    mb, m = _num(row, "base_margin"), _num(row, "margin")
    limit = _num(row, "limit")
    rise = mb - m
    low = V_LIMIT_TOLERANCE_BRACKET_PU[0]
    est = (f"; by a linear estimate from its rise per kW at {kw_text(hi_kw)} kW, the rise at "
           f"this bus passes {change_min_pu:.3g} pu at ≈ {kw_text(hi_kw * change_min_pu / rise, 2)}"
           " kW" if rise > 0 and math.isfinite(rise) else "")
    what = (f"limited by {alt_limit}" if alt_limit else
            f"no criterion limits it up to the site maximum {kw_text(cap_kw)} kW")
    return (f"the at-limit end of a bracket: this bus is {-mb:.5f} pu over {limit:g} pu "
            "without V2G, inside the tolerance on the limit "
            "(checks.voltage_limit_tolerance_pu); counted as over the limit (the low end of "
            f"the tolerance bracket, {low:g} pu) it fails without V2G, V2G may add "
            f"{change_min_pu:.3g} pu there (checks.voltage_change_min_pu) and "
            f"the figure is {kw_text(alt_kw)} kW ({what}{est})")
