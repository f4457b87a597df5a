"""C12's voltage limit as an engineer reads it: a tolerance on the limit, the buses a set-point
holds, and what V2G causes (review s26 §4, IEEE 34 with a depot near the substation).

* **Tolerance on the limit** (``checks.voltage_limit_tolerance_pu``, default
  :data:`V_LIMIT_TOLERANCE_PU` = 0.001 pu): a voltage above ``v_max_pu`` by no more than it is
  *at* the limit, not over it. 0.1 % because (a) it is the measurement uncertainty IEC
  61000-4-30:2015 §5.2.2 allows a Class A instrument for the magnitude of the supply voltage
  (±0.1 % of the declared input voltage Udin), the class used "for verifying compliance with
  standards" (§4.1): a computed voltage closer to the limit than that cannot be told from it by
  the measurement that would settle a complaint; (b) it is 10× OpenDSS's default power-flow
  convergence tolerance (``Set Tolerance``, 0.0001 pu of node-voltage change between
  iterations; protv2g's own flows converge to 1e-9 pu, :mod:`protv2g.flow.powerflow`), so the
  solver's error is inside it; (c) the report writes voltages to 0.001 pu ("1.050 pu"), and a
  voltage it prints as 1.050 was said to "exceed 1.05 pu". Bracket (the Rules sheet): 0.0001
  pu, the solver's tolerance alone, to 1/240 pu, half a volt on ANSI C84.1-2020's 120 V base
  (Range A's 126 V maximum is stated to the volt). Review s26: IEEE 34 bus 800, behind the
  model's 0.01 % substation transformer on ``Vsource pu=1.05``, "exceeded" 1.05 pu by
  5.7e-6 pu; variant B's regulator output 852r by 0.00036 pu (inside its own 2 V band) was a
  "fix before the pilot" condition.
* **Set-point buses** (:func:`setpoint_texts`): a failing bus whose voltage a source or a
  regulator holds says so (``mechanism`` :data:`SOURCE_SETPOINT` / :data:`REGULATOR_SETPOINT`,
  its own finding; the set-point is the input the row rests on, not the light-load fraction):
  a bus within the tolerance of a source bus's voltage in every solved step (electrically at
  the source), when V2G does not move the source bus itself beyond the tolerance (a stiff
  source; behind a weak one the export raises the source bus too and the rise is V2G's:
  review rev39a M1, EPRI DG_Prot_Fdr's 36.6 MVA source, Bx 1.0479 → 1.0573 pu), quoting the
  source's own setting (``Vsource pu``, :func:`protv2g.checks.flow_buses.source_setpoints`), or the
  regulated winding's bus of an enabled OpenDSS RegControl when the flows let the controls
  act (its output, held inside the band around its set-point).
* **Caused by V2G** (:func:`v2g_caused`): a V2G row whose bus is within the limit — at most at
  it, within the tolerance — in its base case is ``new``: without V2G there is no exceedance,
  so none is "present without V2G". The materiality threshold ``voltage_change_min_pu`` keeps
  judging rows whose base case fails (beyond the tolerance): V2G's change of those is
  ``worse`` or ``pre-existing`` by it (:mod:`protv2g.checks.attribution`). Review s26: IEEE 34
  bus 814 is 1.0503 pu without V2G and 1.0583 pu with it — V2G supplies 0.0079 of the
  0.0083 pu exceedance — and was "pre-existing"; review s17's bus bt (1.0489 → 1.0545 pu,
  EPRI DG feeder) was made pre-existing so that it read as lat2 (1.0502 → 1.0558 pu, failing
  in both by 0.0002 pu); with the tolerance lat2's base is at the limit, and both are new.

References
----------
IEC 61000-4-30:2015, Testing and measurement techniques – Power quality measurement methods,
§4.1 (classes) and §5.2.2 (magnitude of the supply voltage, Class A ±0.1 % of Udin);
ANSI C84.1-2020 Table 1 (Range A 126 V maximum on the 120 V base); R. C. Dugan, D.
Montenegro, "Reference Guide: The Open Distribution System Simulator (OpenDSS)", EPRI, 2020 —
``Set Tolerance`` (default 0.0001), RegControl (``vreg``, ``band``, ``ptratio``, ``R``, ``X``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.attribution import tolerance_floor
from protv2g.checks.flow_taps import SENSED_MAX, SENSED_MIN, regulator_settings
from protv2g.devices.rules import RuleValue

__all__ = ["V_LIMIT_TOLERANCE_PU", "V_LIMIT_TOLERANCE_BRACKET_PU", "SOURCE_SETPOINT",
           "REGULATOR_SETPOINT", "SETPOINT_MECHANISMS", "limit_tolerance_pu",
           "voltage_limit_tolerance", "regulated_buses", "setpoint_texts", "v2g_caused",
           "source_move_pu", "rise_band_pu", "at_limit_caused_text",
           "at_limit_text", "AT_LIMIT", "WITHIN_TOLERANCE",
           "within_tolerance_text", "judged_voltage_pu", "LINE_TO_LINE_TEXT"]

#: Default tolerance (pu) on C12's voltage limit (module docstring).
V_LIMIT_TOLERANCE_PU = 0.001
#: Its bracket (pu): OpenDSS's default convergence tolerance; half a volt on 120 V.
V_LIMIT_TOLERANCE_BRACKET_PU = (1e-4, 1.0 / 240.0)
_SOURCE = ("IEC 61000-4-30:2015 §5.2.2: Class A uncertainty of the supply voltage magnitude "
           "±0.1 % of Udin (§4.1: the class for verifying compliance with standards); 10× "
           "OpenDSS's default convergence tolerance (Set Tolerance 0.0001 pu); bracket 0.0001 "
           "pu (the solver's tolerance) to 1/240 pu (half a volt of ANSI C84.1-2020 Range A's "
           "126 V, stated to the volt on the 120 V base)")
#: ``mechanism`` of a failing voltage row at a bus a source's set-point holds.
SOURCE_SETPOINT = "source set-point"
#: ``mechanism`` of a failing voltage row at a regulator's regulated bus.
REGULATOR_SETPOINT = "regulator set-point"
#: ``mechanism`` of C12's ``info`` row on the buses a set-point holds at the limit
#: (:func:`at_limit_text`): a finding of its own, not merged into the voltage rise's.
AT_LIMIT = "set-point at the limit"
#: ``mechanism`` of C12's ``info`` row on the buses above the limit within its tolerance that
#: no set-point holds (:func:`within_tolerance_text`, review s27 §5).
WITHIN_TOLERANCE = "at the limit within its tolerance"
#: Both: the rows whose voltage rests on a set-point, not on the load
#: (:func:`protv2g.input_basis.tag_input_basis` does not put them on the light-load fraction).
SETPOINT_MECHANISMS = (SOURCE_SETPOINT, REGULATOR_SETPOINT)


def limit_tolerance_pu(thresholds: Any) -> float:
    """``checks.voltage_limit_tolerance_pu`` (the default for a thresholds object without it)."""
    return float(getattr(thresholds, "voltage_limit_tolerance_pu", V_LIMIT_TOLERANCE_PU))


def voltage_limit_tolerance(thresholds: Any) -> RuleValue:
    """The Rules sheet's row of the tolerance on C12's voltage limit, with its source."""
    given = "voltage_limit_tolerance_pu" in getattr(thresholds, "model_fields_set", set())
    v_max = float(getattr(thresholds, "v_max_pu", 1.05))
    return RuleValue(
        name="voltage_limit_tolerance_pu", value=limit_tolerance_pu(thresholds), unit="pu",
        source="study file (checks.voltage_limit_tolerance_pu)" if given else _SOURCE,
        basis=(f"C12: a voltage above v_max_pu {v_max:g} pu by no more than it is at the "
               "limit, not over it"),
        bracket=V_LIMIT_TOLERANCE_BRACKET_PU, overridden=given)


def regulated_buses(model: Any) -> dict[int, str]:
    """Bus index → ``"regulator <transformer> (<regcontrol>)"`` of every enabled OpenDSS
    RegControl's regulated winding, when the model's flows let the controls act; ``{}`` for a
    pandapower feeder (its flows keep the net's own taps, :mod:`protv2g.flow.study`)."""
    if model is None or not getattr(model, "controls_on", True):
        return {}
    c = model.controls
    if c is None or c.empty:
        return {}
    regs = c[(c.kind == "regcontrol") & c.enabled.astype(bool)]
    if regs.empty:
        return {}
    e = model.elements
    where = {str(n).lower(): k for k, n in enumerate(e.name.tolist())}
    bus_at = {str(b).lower(): k for k, b in enumerate(model.buses.index.tolist())}
    out: dict[int, str] = {}
    gang = _gang_notes(model)
    for name, target, winding in zip(regs.name, regs.target, regs.terminal, strict=True):
        k = where.get(str(target).lower())
        buses = e.buses.iat[k] if k is not None else ()
        w = int(winding) - 1
        if not 0 <= w < len(buses):
            continue
        b = bus_at.get(str(buses[w]).split(".", 1)[0].lower())
        if b is not None:
            out.setdefault(b, f"regulator {str(target).split('.', 1)[-1]} "
                              f"({str(name).split('.', 1)[-1]}{gang.get(str(name), '')})")
    return out


def _gang_notes(model: Any) -> dict[str, str]:
    """RegControl name → the words of a gang-operated bank (one control on a multi-phase
    transformer): it reads one phase (OpenDSS ``PTphase``) and the others follow its tap, so
    they are not held in its band (review reg36). Empty without an OpenDSS context."""
    if not hasattr(model, "derived") or getattr(model, "engine", None) is None:
        return {}
    s = regulator_settings(model)
    out = {}
    for n, ph, x in zip(s.name.astype(str), s.phases, s.sensed.astype(int), strict=True):
        if len(ph) > 1:
            what = {SENSED_MAX: "its highest phase", SENSED_MIN: "its lowest phase"}.get(
                x, f"phase {'abc'[x]}")
            out[n] = (f"; gang-operated: its control reads {what} only, the other phases "
                      "follow its tap")
    return out


#: What a C12 voltage row on a bus with no ground path adds (:func:`judged_voltage_pu`).
LINE_TO_LINE_TEXT = ("; line to line: the bus has no path to ground (fed by a delta or "
                     "ungrounded winding, nothing grounded on it), so its phase-to-ground "
                     "voltages float and its service voltage is the line-to-line one (ANSI "
                     "C84.1, 3-wire systems)")


def judged_voltage_pu(bus: pd.DataFrame, rows: np.ndarray | None = None) -> np.ndarray:
    """The voltage C12's limit judges on each row of the flow's ``bus`` table (or on its
    ``rows``, positions), pu: the highest of ``vm_pu`` and the phase voltages ``vm_a_pu`` ..
    ``vm_c_pu`` where a three-phase flow ran; on a bus with no path to ground (``vm_ll_max_pu``
    given: :func:`protv2g.flow.opendss_tables.bus_table`) the higher of ``vm_pu`` and the
    largest line-to-line voltage instead, its floating phase-to-ground voltages left out
    (review rev30 §2; ANSI C84.1-2020: a 3-wire system's voltage is line to line)."""
    def col(c: str) -> np.ndarray:
        v = bus[c].to_numpy(float)
        return v if rows is None else v[rows]

    phases = [c for c in ("vm_pu", "vm_a_pu", "vm_b_pu", "vm_c_pu") if c in bus.columns]
    vm = np.fmax.reduce([col(c) for c in phases])
    if "vm_ll_max_pu" in bus.columns:
        ll = col("vm_ll_max_pu")
        at = ~np.isnan(ll)
        if at.any():
            vm = np.where(at, np.fmax(col("vm_pu"), ll), vm)
    return vm


def setpoint_texts(bus: pd.DataFrame, failing: np.ndarray, sources: set[int],
                   regulated: Mapping[int, str], tol_pu: float, bus_name: Any, *,
                   base_of: Mapping[str, str] | None = None,
                   setpoints: Mapping[int, tuple[str, float]] | None = None,
                   ) -> dict[int, tuple[str, str]]:
    """The failing buses a set-point holds: bus → (``mechanism``, the words of the message).

    Parameters
    ----------
    bus : DataFrame
        The flow's bus table, every scenario and step (``scenario``, ``bus``, ``vm_pu``,
        optionally ``step``), source buses included.
    failing : ndarray
        Distinct bus indices with a failing voltage row.
    sources : set of int
        Source buses.
    regulated : mapping
        :func:`regulated_buses`.
    tol_pu : float
        The tolerance on the limit: a bus within it of a source bus's voltage in every step
        the flow solved is held by that source — when the source bus itself does not move
        with V2G (:func:`_stiff_sources`).
    bus_name : callable
        Bus index → name.
    base_of : mapping, optional
        Scenario → its base case (:func:`~protv2g.checks.attribution.base_scenarios`): the
        source bus's voltage in a V2G step is compared with its base case's same step.
        Without it, the source bus's voltages over every step are compared with each other.
    setpoints : mapping, optional
        Source bus → (the source's setting, its set-point pu):
        :func:`protv2g.checks.flow_buses.source_setpoints`; the message quotes it.
    """
    out: dict[int, tuple[str, str]] = {}
    failing = np.asarray(failing)
    for b in failing.tolist():
        if b in regulated:
            out[b] = (REGULATOR_SETPOINT,
                      f"{bus_name(b)} is the output of {regulated[b]}: its voltage is held "
                      "there by the regulator's set-point (vreg, band, line-drop "
                      "compensation), the input it rests on: lower the set-point")
    rest = np.array([b for b in failing.tolist() if b not in out], dtype=np.int64)
    if not len(rest) or not sources:
        return out
    ids = bus.bus.to_numpy()
    src_ids = np.fromiter(sources, np.int64)
    sel = np.flatnonzero(np.isin(ids, np.concatenate([rest, src_ids])))
    if not len(sel):
        return out
    ids = ids[sel]
    # the voltage the limit judges (:func:`judged_voltage_pu`)
    vm = judged_voltage_pu(bus, sel)
    # each row's solved step (scenario, step) as one code, by arrays (#21: 10,000 buses)
    step = (pd.to_numeric(bus["step"].iloc[sel], errors="coerce").fillna(-1).to_numpy(float)
            if "step" in bus.columns else np.zeros(len(sel)))
    scen_names = np.asarray(bus["scenario"].to_numpy()[sel], dtype=object)
    scen, _ = pd.factorize(scen_names)
    codes, _ = pd.factorize(scen * (len(np.unique(step)) + 1.0) + pd.factorize(step)[0])
    mine = np.isin(ids, rest)
    rest_sorted = np.sort(rest)
    slot = np.searchsorted(rest_sorted, ids[mine])
    setpoints = setpoints or {}
    for s in sorted(sources):
        at_src = ids == s
        if not at_src.any():
            continue
        moved = _source_moves_pu(scen_names[at_src], step[at_src], vm[at_src], base_of)
        if moved > tol_pu:  # behind a weak source the export raises the source bus too
            continue
        v_src = np.full(codes.max() + 1, np.nan)
        v_src[codes[at_src]] = vm[at_src]
        dev = np.abs(vm[mine] - v_src[codes[mine]])
        worst = np.zeros(len(rest_sorted))
        np.fmax.at(worst, slot, np.where(np.isnan(dev), np.inf, dev))
        v = float(np.nanmax(vm[at_src]))
        setting, v_set = setpoints.get(s, ("", np.nan))
        said = (f"{v_set:.4f} pu, {setting}; {v:.4f} pu at {bus_name(s)}" if setting
                else f"{v:.4f} pu at {bus_name(s)}")
        still = (f"{bus_name(s)} moved {moved:.2g} pu by V2G" if base_of is not None
                 else f"{bus_name(s)} within {moved:.2g} pu over every step")
        for b in rest_sorted[worst <= tol_pu].tolist():
            if b in out:
                continue
            out[b] = (SOURCE_SETPOINT,
                      f"{bus_name(b)} is held at the source's set-point ({said}, within "
                      f"{tol_pu:g} pu in every step the flow solved; {still}): the "
                      "set-point is the input it rests on, not the load or V2G: lower it")
    return out


def _source_moves_pu(scenario: np.ndarray, step: np.ndarray, vm: np.ndarray,
                     base_of: Mapping[str, str] | None) -> float:
    """How far (pu) V2G moves a source bus (:func:`source_move_pu`'s first figure)."""
    return source_move_pu(scenario, step, vm, base_of)[0]


def source_move_pu(scenario: np.ndarray, step: np.ndarray, vm: np.ndarray,
                   base_of: Mapping[str, str] | None) -> tuple[float, float, float]:
    """How far (pu) V2G moves a source bus, and the two voltages (pu) it moves between.

    The largest ``|V(V2G step) − V(its base case's same step)|`` over the V2G scenarios
    ``base_of`` names a base for, with that pair's base (without V2G) and V2G voltages;
    without ``base_of``, the spread of its voltages over every step, lowest and highest. A
    stiff source (IEEE 34's 200,000 MVA at ``pu=1.05``) moves 0; EPRI DG_Prot_Fdr's 36.6 MVA
    source moves Bx from 1.0479 to 1.0573 pu with 1.14 MW exported (OpenDSS, review rev39a
    M1): the rise is V2G's, not the set-point's.

    >>> [round(x, 4) for x in source_move_pu(np.array(["b", "v"]), np.zeros(2),
    ...                                      np.array([1.0479, 1.0573]), {"b": "b", "v": "b"})]
    [0.0094, 1.0479, 1.0573]
    """
    if base_of is None:
        if not len(vm):
            return 0.0, np.nan, np.nan
        lo, hi = float(np.nanmin(vm)), float(np.nanmax(vm))
        return hi - lo, lo, hi
    at = {(str(c), float(t)): float(v) for c, t, v in zip(scenario, step, vm, strict=True)}
    moved, pair = 0.0, (np.nan, np.nan)
    for (c, t), v in at.items():
        b = str(base_of.get(c, "") or "")
        if b and b != c and (b, t) in at and (np.isnan(pair[0]) or abs(v - at[(b, t)]) > moved):
            moved, pair = abs(v - at[(b, t)]), (at[(b, t)], v)
    return moved, *pair


def v2g_caused(w: pd.DataFrame, bad: pd.DataFrame, base_of: Mapping[str, str],
               v_max_pu: float, tol_pu: float) -> tuple[np.ndarray, np.ndarray]:
    """Which failing voltage rows V2G causes (module docstring), and their base voltage.

    Parameters
    ----------
    w : DataFrame
        The worst voltage of every (scenario, bus) the limit judges (``scenario``, ``bus``,
        ``vm_pu``), base cases included.
    bad : DataFrame
        Its failing rows.
    base_of : mapping
        Scenario → its base case (:func:`protv2g.checks.attribution.base_scenarios`).

    Returns
    -------
    caused : ndarray of bool
        ``(len(bad),)``: a scenario with V2G whose base case has the bus at or below
        ``v_max_pu + tol_pu`` and that V2G raises by more than ``tol_pu`` (and the
        attribution's floor, :func:`~protv2g.checks.attribution.tolerance_floor`); a smaller
        rise is left to the attribution.
    v_base : ndarray of float
        ``(len(bad),)`` the base case's voltage at the bus (NaN where none).
    """
    n = len(bad)
    if not n:
        return np.zeros(0, dtype=bool), np.zeros(0)
    codes, distinct = pd.factorize(np.asarray(bad.scenario.astype(str)))
    base = np.array([str(base_of.get(s, "") or "") for s in distinct.tolist()], dtype=object)
    v2g = base != np.asarray(distinct, dtype=object)
    # the base cases' voltages by (scenario, bus) in one dense table (#21: 71,788 failing
    # rows at 10,000 buses; a merge cost 0.05 s)
    w_codes, w_names = pd.factorize(np.asarray(w.scenario.astype(str)))
    w_bus = w.bus.to_numpy().astype(np.int64)
    table = np.full((len(w_names) + 1, int(max(w_bus.max(initial=0),
                                               bad.bus.max()) if n else 0) + 1), np.nan)
    table[w_codes, w_bus] = w.vm_pu.to_numpy(float)
    row_of = {name: k for k, name in enumerate(w_names.tolist())}
    base_row = np.array([row_of.get(b, len(w_names)) for b in base.tolist()], dtype=np.int64)
    v_base = table[base_row[codes], bad.bus.to_numpy().astype(np.int64)]
    # V2G's own rise beyond the tolerance too (never below the attribution's floor: the
    # row's tolerance becomes the limit's, and the gate compares the change with it)
    band = np.fmax(tol_pu, tolerance_floor(np.full(n, v_max_pu), v_max_pu - v_base))
    with np.errstate(invalid="ignore"):
        caused = (v2g[codes] & (base[codes] != "") & (v_base <= v_max_pu + tol_pu)
                  & (bad.vm_pu.to_numpy(float) - v_base > band))
    return caused, v_base


def rise_band_pu(v_max_pu: float, v_base: np.ndarray, tol_pu: float) -> np.ndarray:
    """The tolerance (pu) of a V2G row on a bus at most at the limit without V2G: the limit's
    ``tol_pu`` (``checks.voltage_limit_tolerance_pu``), never below the attribution's floor
    (:func:`~protv2g.checks.attribution.tolerance_floor`: 0.1 % of ``|v_max| + |v_max −
    v_base|``). It is the band :func:`v2g_caused` judges V2G's rise against and the value the
    attribution writes in the row's ``tolerance`` column, so that the row's message and the
    gate's twin text quote one number (review rev38a M1: IEEE 8500 x2729406c said "within its
    tolerance 0.001 pu" and "within the tolerance 0.001051 pu" in one line).

    >>> rise_band_pu(1.05, np.array([1.05097, 1.05]), 0.001).round(7).tolist()
    [0.001051, 0.00105]
    >>> rise_band_pu(1.05, np.array([1.05097]), 0.002).tolist()
    [0.002]
    """
    v_base = np.asarray(v_base, dtype=float)
    return np.fmax(tol_pu, tolerance_floor(np.full(v_base.shape, v_max_pu), v_max_pu - v_base))


def at_limit_caused_text(v_base: float, vm_pu: float, band_pu: float, tol_pu: float,
                         change_min_pu: float, who: str = "V2G", how: str = "") -> str:
    """The message suffix of a V2G row on a bus above the limit within its tolerance
    without V2G (attribution ``new``, :func:`v2g_caused`): the base voltage, the one
    tolerance ``band_pu`` (:func:`rise_band_pu`; where the attribution's floor sets it, said
    so), and V2G's rise against ``checks.voltage_change_min_pu`` — the change that would be
    material to a failure already there (review rev38a M1: "caused by V2G" beside the
    finding's "made worse by V2G", and a rise of 0.0020 pu, a quarter of that threshold,
    said nowhere). The row's own attribution is the finding's to say, not this text's.
    ``who``: ``"charging"`` in a charging snapshot, ``how`` the mechanism's words there
    (:mod:`protv2g.checks.flow_charging`; review rev40b M2: "V2G raises it" with no export).

    >>> at_limit_caused_text(1.05097, 1.05302, 0.001051, 0.001, 1 / 120)[:60]
    '; without V2G 1.0510 pu here, at the limit within its tolera'
    """
    floored = band_pu > tol_pu * (1.0 + 1e-9)
    which = ("checks.voltage_limit_tolerance_pu, floored at 0.1 % of the voltage" if floored
             else "checks.voltage_limit_tolerance_pu")
    rise = vm_pu - v_base
    scale = (f" ({rise / change_min_pu:.2g} × checks.voltage_change_min_pu "
             f"{change_min_pu:.4g} pu, the change material to a failure already there)"
             if change_min_pu > 0 else "")
    without = "without V2G" if who == "V2G" else f"without the sites' {who}"
    return (f"; {without} {v_base:.4f} pu here, at the limit within its tolerance "
            f"{band_pu:.4g} pu ({which}): taken as passing, so the exceedance at this bus is "
            f"{who}'s; {who} raises it by {rise:.3g} pu{how}{scale}")


def at_limit_text(bus: pd.DataFrame, w: pd.DataFrame, sources: set[int],
                  regulated: Mapping[int, str], v_max_pu: float, tol_pu: float,
                  bus_name: Any, **held_by: Any) -> str:
    """The words of C12's ``info`` row on the buses a set-point holds *at* the limit (within
    ``tol_pu`` of ``v_max_pu``, at their highest over every scenario ``w`` holds): the feeder
    starts from there, and every rise above it rests on that set-point (review s26: IEEE 34's
    800 on ``Vsource pu=1.05``; 852r, regulator reg2's output, at 1.05036 pu). "" for none."""
    if w.empty:
        return ""
    top = w.groupby(w.bus.to_numpy()).vm_pu.max()
    near = top[(top > v_max_pu - tol_pu) & (top <= v_max_pu + max(tol_pu, 1e-9))]
    if near.empty:
        return ""
    held = setpoint_texts(bus, near.index.to_numpy(), sources, regulated, tol_pu, bus_name,
                          **held_by)
    if not held:
        return ""
    what = "; ".join(f"{near[b]:.4f} pu at {bus_name(b)} ({held[b][1].split(': ', 1)[0]})"
                     for b in sorted(held, key=lambda b: bus_name(b)))
    return (f"voltage at the ANSI C84.1 Range A limit {v_max_pu:g} pu (within its tolerance "
            f"{tol_pu:g} pu, not over it) where a set-point holds it: {what}: any rise V2G "
            "causes starts from there, and the set-point is the input it rests on")


def within_tolerance_text(bus: pd.DataFrame, w: pd.DataFrame, sources: set[int],
                          regulated: Mapping[int, str], v_max_pu: float, tol_pu: float,
                          bus_name: Any, shown: int = 10, **held_by: Any) -> tuple[str, str]:
    """The words of C12's ``info`` row on the buses above ``v_max_pu`` by no more than
    ``tol_pu`` that no set-point holds (those are in :func:`at_limit_text`'s row): at the
    limit, not judged over it, but said (review s27 §5, EPRI J1 with 40 home chargers:
    1.050181 pu at the far end left no row anywhere in the workbook). Each bus at its highest
    over the scenarios ``w`` holds (``scenario``, ``bus``, ``vm_pu``), highest first; the
    first ``shown`` named, the rest counted. Returns the words and the scenario of the highest
    (the row's scenario: attributed as any row, ``new`` where its base case has none);
    ``("", "")`` for none.
    """
    if w.empty:
        return "", ""
    v = w.vm_pu.to_numpy(float)
    near = w[(v > v_max_pu + 1e-9) & (v <= v_max_pu + max(tol_pu, 1e-9))]
    if near.empty:
        return "", ""
    top = near.sort_values("vm_pu", ascending=False, kind="stable").drop_duplicates("bus")
    held = setpoint_texts(bus, top.bus.to_numpy(), sources, regulated, tol_pu, bus_name,
                          **held_by)
    top = top[~top.bus.isin(list(held))]
    if top.empty:
        return "", ""
    what = "; ".join(f"{r.vm_pu:.5f} pu at {bus_name(r.bus)} ({r.scenario})"
                     for r in top.head(shown).itertuples(index=False))
    more = f"; and {len(top) - shown} more bus(es)" if len(top) > shown else ""
    text = (f"voltage above the ANSI C84.1 Range A limit {v_max_pu:g} pu by no more than its "
            f"tolerance {tol_pu:g} pu (checks.voltage_limit_tolerance_pu): at the limit, not "
            f"judged over it — {what}{more}; a rise beyond the tolerance fails")
    return text, str(top.scenario.iloc[0])
