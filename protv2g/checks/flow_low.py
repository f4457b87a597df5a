"""C12's under-voltage rows: a bus below ANSI C84.1 Range A's minimum (review rev34a M0).

C12 judged a voltage rise only (``v_max_pu``). A V2G study has charging scenarios too (C8's
"every vehicle charging at peak"), and charging pulls a feeder's far end down: on the IEEE
8500 with the sites charging 198 buses were under 0.95 pu (118 without charging), the lowest
0.909 pu — no finding, warning or info row said so. ANSI C84.1-2020 Table 1 gives Range A's
minimum at the service point as 114 V on the 120 V base, 0.95 pu (Range B 110 V, 0.917 pu);
``checks.v_min_pu`` (default :data:`V_MIN_PU`) is that limit.

* One row per (scenario, judged bus) at its worst step whose **lowest** phase voltage is below
  ``v_min_pu`` beyond ``voltage_limit_tolerance_pu`` (:mod:`protv2g.checks.flow_limit`: a
  voltage within it is *at* the limit) — ``fail``, ``mechanism`` :data:`UNDER_VOLTAGE`,
  ``rule`` :data:`UNDER_RULE` (its own attribution key: the over-voltage rows of the same bus
  keep theirs), margin ``v − v_min_pu`` (pu, negative when failing), tolerance
  ``voltage_change_min_pu`` (the materiality of a change to a failure already there, as the
  over-voltage rows').
* The buses judged are the over-voltage limit's (:func:`~protv2g.checks.flow_buses.
  judged_buses`: not a source bus, not above 34.5 kV nominal). A bus with no path to ground
  (``vm_ll_min_pu`` given: a 3-wire system fed by a delta or ungrounded winding) is judged
  on its **lowest line-to-line** voltage, its service voltage (ANSI C84.1 gives a 3-wire
  system's ranges line to line), and its row says so (:data:`~protv2g.checks.flow_limit.
  LINE_TO_LINE_TEXT`); its phase-to-ground voltages float and are left out. Before, such a
  bus was not judged at all and nothing said so (review rev40b W1: IEEE 37 at peak, 0.923 pu
  line to line at 799 and 0.944 pu at 740 in OpenDSS, no row). A row of such a bus whose
  table gives no lowest line-to-line voltage (only ``vm_ll_max_pu``) cannot be judged: one
  ``info`` row counts those buses (:func:`unjudged_rows`).
* Attribution is the checks' own (:func:`protv2g.checks.attribution.attribute`) on the base
  cases' margins (:func:`under_voltage_margins`): a row whose base case passes is new
  ("caused by charging" in a charging scenario), one failing without V2G too is worse or
  pre-existing by the materiality.
* A row at a V2G site's own low-voltage bus (out of the base case: only the site's model
  transformer energises it) is judged against the bus's lowest phase voltage with every
  charger idle and the transformer in (:data:`~protv2g.flow.opendss_study.IDLE_LOW_COLUMN`,
  its base margin; :func:`under_voltage_margins`), as the over-voltage rows there are
  (:mod:`protv2g.checks.flow_site_tap`). Not the feeder bus's voltage: the transformer's
  ratio and tap set the magnitude there. Before, such a row had no base and was ``new``:
  IEEE 37's campus_lv at 0.945 pu with 5 kW of export (0.945 pu idle too: the feeder's far end,
  740, is low) limited the campus's hosting to 0 kW (review rev38b W3).
* Not a hosting limit: export raises voltage; a charging scenario's row is not an export
  figure's (the hosting search runs export scenarios).

References
----------
ANSI C84.1-2020, Electric Power Systems – Voltage Ratings (60 Hz), Table 1: Range A service
voltage 114–126 V, Range B 110–127 V on the 120 V base.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, concat, violation_rows
from protv2g.checks.flow_band_pre import band_preexisting, band_preexisting_text
from protv2g.checks.flow_limit import LINE_TO_LINE_TEXT, limit_tolerance_pu
from protv2g.checks.flow_reg_moves import regulator_limit_texts, regulator_move_texts
from protv2g.checks.flow_tap_path import (
    judged_low,
    tap_path_columns,
    tap_path_text,
    tap_path_values,
)
from protv2g.checks.load import site_charging_kw
from protv2g.criteria import MarginUnit
from protv2g.flow.tap_band import BOTTOM_COLUMN, TOP_COLUMN
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX
from protv2g.significant import round_significant
from protv2g.violations import CheckStatus

__all__ = ["V_MIN_PU", "UNDER_VOLTAGE", "UNDER_RULE", "charging_at", "lowest_phase",
           "lowest_voltage_pu",
           "step_load", "under_voltage_rows", "under_voltage_margins", "unjudged_rows"]

#: Default of ``checks.v_min_pu``: ANSI C84.1-2020 Table 1, Range A minimum service voltage
#: (114 V on the 120 V base).
V_MIN_PU = 0.95
#: ``mechanism`` of an under-voltage row.
UNDER_VOLTAGE = "under-voltage"
#: ``rule`` of an under-voltage row and of its base margins (its own attribution key).
UNDER_RULE = "v_min_pu"
#: Column of the lowest voltage on the judged rows (:func:`lowest_voltage_pu`).
_LOW = "v_low_pu"
#: Column marking a row judged line to line (a bus with no path to ground).
_LL = "line_to_line"
#: Column of a worst row's position in the judged rows (its phases read there,
#: :func:`lowest_phase`).
_ROW = "judged_row"
#: The flow's largest and lowest line-to-line voltage of a bus with no path to ground
#: (:data:`protv2g.flow.result.LINE_TO_LINE_COLUMNS`).
_LL_MAX, _LL_MIN = "vm_ll_max_pu", "vm_ll_min_pu"
#: The flow's lowest idle phase voltage of a site's own bus
#: (:data:`protv2g.flow.opendss_study.IDLE_LOW_COLUMN`).
_IDLE_LOW = "vm_idle_low_pu"


def _idle_low(judged: pd.DataFrame) -> pd.DataFrame:
    """The lowest idle voltage over the steps of every (base scenario, site bus) of the
    judged rows that carry one (``scenario``, ``bus``, :data:`_LOW`); empty without."""
    if _IDLE_LOW not in judged.columns:
        return pd.DataFrame(columns=["scenario", "bus", _LOW])
    v = judged[_IDLE_LOW].to_numpy(float)
    at = np.flatnonzero(np.isfinite(v))
    f = pd.DataFrame({"scenario": judged["scenario"].to_numpy()[at],
                      "bus": judged["bus"].to_numpy()[at], _LOW: v[at]})
    return f.groupby(["scenario", "bus"], sort=True, as_index=False)[_LOW].min()


def _floating(bus: pd.DataFrame) -> np.ndarray:
    """``(n,)`` True on the rows of a bus with no path to ground (a line-to-line voltage
    given)."""
    cols = [c for c in (_LL_MAX, _LL_MIN) if c in bus.columns]
    if not cols:
        return np.zeros(len(bus), dtype=bool)
    return np.logical_or.reduce([bus[c].notna().to_numpy() for c in cols])


def lowest_voltage_pu(bus: pd.DataFrame) -> np.ndarray:
    """``(n,)`` the lowest service voltage of each row of the flow's ``bus`` table, pu: the
    smallest of ``vm_a_pu`` … ``vm_c_pu`` present (a phase the bus lacks is NaN and left out),
    ``vm_pu`` where the flow gives no phases; on a row of a bus with no path to ground the
    lowest line-to-line voltage ``vm_ll_min_pu`` instead (its phase-to-ground voltages float:
    module docstring), NaN where the table gives only the largest.

    >>> lowest_voltage_pu(pd.DataFrame({"vm_pu": [1.0, 0.97], "vm_a_pu": [0.94, np.nan],
    ...                                 "vm_b_pu": [0.96, 0.97]})).tolist()
    [0.94, 0.97]
    >>> lowest_voltage_pu(pd.DataFrame({"vm_pu": [0.93, 0.97], "vm_a_pu": [0.87, 0.96],
    ...                                 "vm_ll_max_pu": [0.948, np.nan],
    ...                                 "vm_ll_min_pu": [0.923, np.nan]})).tolist()
    [0.923, 0.96]
    """
    phases = [c for c in ("vm_a_pu", "vm_b_pu", "vm_c_pu") if c in bus.columns]
    if phases:
        with np.errstate(invalid="ignore"):
            low = np.fmin.reduce([bus[c].to_numpy(float) for c in phases])
    else:
        low = bus["vm_pu"].to_numpy(float).copy()
    floating = _floating(bus)
    if floating.any():
        ll = (bus[_LL_MIN].to_numpy(float) if _LL_MIN in bus.columns
              else np.full(len(bus), np.nan))
        low = np.where(floating, ll, low)
    return low


def lowest_phase(bus: pd.DataFrame) -> np.ndarray:
    """``(n,)`` the phase (``"a"``, ``"b"``, ``"c"``) of each row's lowest phase voltage
    where the phases differ (an unbalanced flow: a single-phase site's export on one phase
    lowers another, fix47), ``""`` where they are equal within 1e-9 pu, the flow gives no
    phases, or the bus has no path to ground (judged line to line).

    >>> lowest_phase(pd.DataFrame({"vm_a_pu": [0.9808, 0.958], "vm_b_pu": [0.9679, 0.958],
    ...                            "vm_c_pu": [0.9473, 0.958]})).tolist()
    ['c', '']
    """
    phases = [c for c in ("vm_a_pu", "vm_b_pu", "vm_c_pu") if c in bus.columns]
    out = np.full(len(bus), "", dtype=object)
    if len(phases) < 2 or not len(bus):
        return out
    v = np.column_stack([bus[c].to_numpy(float) for c in phases])
    fin = np.isfinite(v)  # a phase the bus lacks is NaN and left out
    top = np.where(fin, v, -np.inf).max(axis=1)
    bottom = np.where(fin, v, np.inf)
    spread = np.where(fin.sum(axis=1) >= 2, top - bottom.min(axis=1), 0.0)
    low = bottom.argmin(axis=1)
    names = np.array([c[3] for c in phases], dtype=object)
    unequal = (spread > 1e-9) & ~_floating(bus)
    out[unequal] = names[low[unequal]]
    return out


def _worst_low(judged: pd.DataFrame) -> pd.DataFrame:
    """The lowest-voltage row of every (scenario, bus) of the judged rows (their keys,
    :data:`_LOW`, :data:`_LL` and :data:`_ROW`), NaN rows left out."""
    low = lowest_voltage_pu(judged)
    keep = ~np.isnan(low)
    if not keep.any():
        return pd.DataFrame({"scenario": pd.Series(dtype=object),
                             "bus": pd.Series(dtype=np.int64), _LOW: pd.Series(dtype=float),
                             _LL: pd.Series(dtype=bool), _ROW: pd.Series(dtype=np.intp)})
    f = pd.DataFrame({"scenario": judged["scenario"].to_numpy()[keep],
                      "bus": judged["bus"].to_numpy()[keep], _LOW: low[keep],
                      _LL: _floating(judged)[keep], _ROW: np.flatnonzero(keep)})
    if "step" in judged.columns:  # the worst step's charging (:func:`charging_at`)
        f["step"] = judged["step"].to_numpy()[keep]
    at = f.groupby(["scenario", "bus"], sort=True)[_LOW].idxmin().to_numpy()
    return f.loc[at].reset_index(drop=True)


def unjudged_rows(judged: pd.DataFrame, names_of) -> pd.DataFrame:  # noqa: ANN001
    """One C12 ``info`` row counting the judged buses whose lowest service voltage the flow
    table does not give (a bus with no path to ground and no ``vm_ll_min_pu``: its phase
    voltages float), so that none is passed over silently; empty when there is none."""
    floating = _floating(judged)
    gap = floating & np.isnan(lowest_voltage_pu(judged))
    if not gap.any():
        return concat([])
    buses = pd.unique(judged["bus"].to_numpy()[gap])
    names = list(names_of(pd.Series(buses)))
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return violation_rows(
        "C12", CheckStatus.INFO, margin_unit=MarginUnit.PER_UNIT,
        message=f"under-voltage not judged at {len(names)} bus(es) with no path to ground "
                f"({shown}): the flow gives no lowest line-to-line voltage there and their "
                "phase-to-ground voltages float (no service voltage)")


def under_voltage_rows(ctx: CheckContext, judged: pd.DataFrame, names_of
                       ) -> pd.DataFrame:  # noqa: ANN001
    """C12's failing under-voltage rows (module docstring); ``judged`` the judged rows of the
    flow's bus table (every scenario and step), ``names_of(buses)`` → names."""
    th = ctx.thresholds
    v_min = float(getattr(th, "v_min_pu", V_MIN_PU))
    tol = limit_tolerance_pu(th)
    w = _worst_low(judged)
    # judged at the conservative end of where in their band the regulators rest when the
    # export starts (review rev43a M11, :mod:`protv2g.checks.flow_tap_path`)
    own, base3 = tap_path_values(judged, lowest_voltage_pu(judged), w,
                                 getattr(ctx, "base_of", {}),  # a hand-built context
                                 (TOP_COLUMN, BOTTOM_COLUMN))
    drops = base3 - own
    w[_LOW], start = judged_low(w[_LOW].to_numpy(float), drops, base3[:, 0])
    keep = w[_LOW].to_numpy(float) < v_min - max(tol, 1e-9)
    bad, drops, start, base3 = w[keep], drops[keep], start[keep], base3[keep]
    # the base case failing at a start of the regulators' band (review rev49b #2)
    by = band_preexisting((v_min - tol) - base3, drops, float(th.voltage_change_min_pu))
    names = list(names_of(bad.bus))
    # the lowest phase of the failing rows only (not of every judged row: 10 ms a 60,000)
    phase = lowest_phase(judged.iloc[bad[_ROW].to_numpy(np.intp)]).tolist()
    # the phase named where the phases differ (fix47: 0.947 pu on phase c at LAT2-B2 with
    # the sites exporting on phases a and b, which the message did not say)
    message = [f"voltage {v:.3f} pu{f' (phase {ph})' if ph else ''} at {n} "
               f"{ctx.export_text(s)} is below {v_min:g} pu (ANSI C84.1 Range A minimum)"
               + (LINE_TO_LINE_TEXT if ll else "")
               for v, ph, n, s, ll in zip(bad[_LOW].tolist(), phase, names,
                                          bad.scenario.tolist(), bad[_LL].tolist(),
                                          strict=True)]
    # the regulators at the end of their range (review rev43a M5), the tap moves that are
    # in the drop (as the over-voltage rows name them, rev43a M11), then the tap path
    for k, text in regulator_limit_texts(ctx, bad).items():
        message[k] += text
    for k, text in regulator_move_texts(ctx, bad, change="drop").items():
        message[k] += text
    for k in range(len(bad)):
        charging = str(bad.scenario.iloc[k]).startswith(CHARGING_SNAPSHOT_PREFIX)
        message[k] += tap_path_text(names[k], drops[k], int(start[k]), charging)
        if by[k] >= 0:
            message[k] += band_preexisting_text(int(by[k]), float(base3[k, by[k]]),
                                                -float(drops[k, by[k]]), names[k],
                                                charging=charging)
    idle = _idle_low(judged)
    if len(idle) and len(bad):  # a site's own bus: its idle figure said (review rev38b W3)
        ref = pd.Series(idle[_LOW].to_numpy(float), index=pd.MultiIndex.from_arrays(
            [idle.scenario.astype(str).to_numpy(), idle.bus.to_numpy()]))
        base = [str(ctx.base_of.get(str(s), "") or "") for s in bad.scenario.astype(str)]
        got = ref.reindex(pd.MultiIndex.from_arrays([base, bad.bus.to_numpy()])).to_numpy()
        for k in np.flatnonzero(np.isfinite(got)).tolist():
            message[k] += (f"; with every charger idle {got[k]:.4f} pu here ({names[k]} "
                           "exists only with its site's transformer, part of the project)")
    out = violation_rows(
        "C12", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
        fault_bus=names, margin_unit=MarginUnit.PER_UNIT,
        margin=(bad[_LOW].to_numpy(float) - v_min), limit=v_min,
        tolerance=th.voltage_change_min_pu, mechanism=UNDER_VOLTAGE, rule=UNDER_RULE,
        message=message, p_charging_kw=charging_at(ctx, bad),
        **tap_path_columns(drops, start), **step_load(ctx, bad))
    if (by >= 0).any():  # kept by the attribution (as the over-voltage rows' pre-existing)
        out["attribution"] = np.where(by >= 0, "pre-existing", "").astype(object)
    return out


def step_load(ctx: CheckContext, bad: pd.DataFrame) -> dict[str, np.ndarray]:
    """``{"time_h": (n,), "load_fraction": (n,)}``: the time of day (h) and the load
    (fraction of peak) of each row's scenario and step, from the flow's device table (one
    value per scenario and step; the row's own ``time_h`` where it has one); ``{}`` without
    that table or the rows' step, a column the table lacks left out.

    The Evidence's ``Time (h)`` / ``Load fraction`` and a day or charging-snapshot row's
    load level (:func:`protv2g.findings_rows.day_load`) read them, and a trend compares the
    rows of one load level (:func:`protv2g.findings_trend_rows.followed_rows`). Review
    rev43c M2: the depot's F05 "−0.00103 pu at 4,750 kW" was day/expected at 20:00 (92 % of
    peak) beside charging snapshots at 100 %, its "Load levels" cell empty, as C8's rows
    (:mod:`protv2g.checks.load`) were not."""
    dev = (getattr(ctx, "flow", None) or {}).get("device")
    if dev is None or "step" not in bad.columns or not {"scenario", "step"} <= set(dev.columns):
        return {}
    cols = [c for c in ("time_h", "load_fraction") if c in dev.columns]
    if not cols or not len(bad):
        return {c: np.full(len(bad), np.nan) for c in cols}
    keys = dev[["scenario", "step"]]
    one = dev.loc[~keys.duplicated().to_numpy(), ["scenario", "step", *cols]]
    got = one.set_index(["scenario", "step"])[cols].reindex(pd.MultiIndex.from_arrays(
        [bad["scenario"].to_numpy(), bad["step"].to_numpy()]))
    out = {c: pd.to_numeric(got[c], errors="coerce").to_numpy(float) for c in cols}
    if "time_h" in bad.columns:  # the row's own step time first (a bus or branch row)
        own = pd.to_numeric(bad["time_h"], errors="coerce").to_numpy(float)
        out["time_h"] = np.where(np.isfinite(own), own, out.get("time_h", np.nan))
    return out


def charging_at(ctx: CheckContext, bad: pd.DataFrame) -> np.ndarray:
    """``(n,)`` all V2G sites' charging (kW) at each row's scenario and worst step
    (:func:`protv2g.checks.load.site_charging_kw`: every site's charging lowers the feeder's
    voltages, not only a device's sites), 0 where none charges; NaN without the flow's site
    table or the rows' step. The charging peak's trend reads it (ver39b: the depot's F05,
    0.921 pu while charging, had an empty "with export" cell in Summary §3b beside F02's
    C8 trend on the same snapshots). C12's loading rows read it too (review rev41a M4: ckt24's
    substation transformer, 106 % while charging, trended with export)."""
    by = site_charging_kw(ctx) if "step" in bad.columns else None
    if by is None:
        return np.full(len(bad), np.nan)
    total = by.groupby(level=[0, 1]).sum()
    got = total.reindex(pd.MultiIndex.from_arrays([bad["scenario"].to_numpy(),
                                                  bad["step"].to_numpy()]))
    # to the cells' digits: a sum of the sites' flows may differ from the same kW of another
    # scenario in its last digits (the depot's F05 trend read two points "at 6,000 kW")
    return round_significant(got.fillna(0.0).to_numpy(float))


def under_voltage_margins(ctx: CheckContext, judged: pd.DataFrame, names_of
                          ) -> pd.DataFrame:  # noqa: ANN001
    """The base cases' under-voltage margins of every judged bus, passing or not
    (``judged``: the judged rows of the base cases), as
    :func:`protv2g.checks.flow.flow_margins` gives the over-voltage ones, with ``rule``."""
    v_min = float(getattr(ctx.thresholds, "v_min_pu", V_MIN_PU))
    # a site's own bus (out of the base case): its idle figure (module docstring)
    w = pd.concat([x for x in (_worst_low(judged), _idle_low(judged)) if len(x)]
                  or [_worst_low(judged)], ignore_index=True)
    return pd.DataFrame({
        "scenario": w.scenario.to_numpy(), "fault_bus": names_of(w.bus), "device": "",
        "margin_unit": MarginUnit.PER_UNIT.value, "rule": UNDER_RULE,
        "margin": (w[_LOW].to_numpy(float) - v_min)})
