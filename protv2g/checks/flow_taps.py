"""C12 rows that a voltage regulator's tap, not V2G, moves (review rev31 §1, §2, §6).

An OpenDSS RegControl rests anywhere its regulated voltage lies inside its band
(``vreg ± band/2`` volts on the PT's secondary): a snapshot's control solution is one rest point
among several, found from the taps the solve starts from. Between a scenario and its base case a
regulator may therefore sit one tap apart although V2G forces no move: review rev31 §1, IEEE
8500, ``VREG2_b`` rests on tap 5 in ``expected/peak/50 %`` and on tap 6 in ``base/peak``; at
m1047763, behind VREG3 → VREG2 on a branch no site is on, the voltage unbalance moves
3.57 → 3.79 %, +0.21 points — one tap (0.00625 pu on one phase) moves it by ≈ 100 · 0.00625 / 3
points. OpenDSS gives +0.02 … +0.39 points at that bus depending only on the starting taps.

This module reads each regulator's tap move from the flow's own bus table — the ratio of its
output to its input phase voltage, ``|V_out| / |V_in|`` (pu on the same base: a regulator's two
windings have one rated voltage), in steps of ``(maxtap − mintap) / numtaps`` (OpenDSS
defaults 0.9, 1.1, 32: 0.00625 pu) — and calls a move **unforced** when the base case's tap
would have left the regulated voltage inside the band in the V2G step too (``|V_in| · ratio_base``
within ``vreg ± band/2``, in pu of the bus's base through ``ptratio``): the base's rest point was
still a rest point, and the solve found another. A control with line-drop compensation
(``R``/``X`` ≠ 0) regulates a point the flow does not report: its moves are never called
unforced.

A C12 voltage or unbalance row on a bus downstream of regulators that moved unforced (per
phase, summed along the chain) is **explained by the taps** when V2G's change of the row's
quantity, less the largest effect those moves can have on it, is within the row's materiality
threshold (a move the V2G step forces — the base's tap would leave the band — is V2G's own
and stays in its change): for a phase voltage ``Σ |Δtap| · step`` (pu), for the unbalance factor
``100 · Σ_phases Σ |Δtap| · step / 3 · (1 + u2) / |V1|`` points (a magnitude change ``δ`` of one
phase moves ``V2`` and ``V1`` by at most ``δ/3`` each; IEC 61000-4-30 §5.7.1's
``u2 = |V2|/|V1|``). Such a row is ``pre-existing`` (the gate's condition): the regulators' rest
points, not V2G, and its message names the move.

:func:`band_over_limit` gives §6's case: a regulator whose band's upper edge is itself above
the voltage limit; a V2G row at its regulated bus that stays inside the band is the set-point's.

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — RegControl (``vreg``, ``band``, ``ptratio``, ``R``, ``X``), Transformer
(``maxtap``, ``mintap``, ``numtaps``); IEEE Std C57.15-2017 (step-voltage regulators: 32 steps
of 5/8 % over ±10 %); IEC 61000-4-30:2015 §5.7.1 (supply voltage unbalance u2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["regulator_settings", "tap_moves", "downstream_sets", "tap_explained",
           "band_over_limit", "regulators_own", "sensed_pu", "DEFAULT_TAP_STEP_PU", "EDGE_PU",
           "SENSED_MAX", "SENSED_MIN"]

#: How near the band's edge (pu) the base's tap may leave the regulated voltage in the V2G step
#: and still count as inside: the tolerance on C12's voltage limit
#: (:data:`protv2g.checks.flow_limit.V_LIMIT_TOLERANCE_PU`, IEC 61000-4-30 Class A's ±0.1 %):
#: a regulator crossing its band edge by less is at the edge, and which side a snapshot
#: solve finds is a knife edge (review rev31 §1: VREG2_b at 1.050 pu, its band's top).
EDGE_PU = 0.001
#: OpenDSS's default tap step: (maxtap 1.1 − mintap 0.9) / numtaps 32 (IEEE C57.15's 5/8 %).
DEFAULT_TAP_STEP_PU = 0.2 / 32
_SETTINGS = ["name", "transformer", "bus_in", "bus_out", "phases", "step_pu", "lo_pu",
             "hi_pu", "ldc", "sensed", "tap_min_pu", "tap_max_pu"]
#: ``sensed`` of a control that holds the highest / lowest of its phases (OpenDSS
#: ``PTphase=MAX`` / ``MIN``).
SENSED_MAX, SENSED_MIN = -1, -2


def _sensed(phases: list[int], pt_phase: str) -> int:
    """The phase position (0–2) a RegControl's PT reads, of the winding's ``phases``
    (OpenDSS ``PTphase``, 1-based over the winding's conductors, default 1; ``MAX``/``MIN``:
    :data:`SENSED_MAX` / :data:`SENSED_MIN`). A three-phase (gang-operated) bank's control
    reads ONE phase and moves every phase's tap with it: the other phases follow the tap,
    they are not held in the band (review reg36)."""
    text = str(pt_phase).strip().lower()
    if text.startswith("max"):
        return SENSED_MAX
    if text.startswith("min"):
        return SENSED_MIN
    k = int(text) if text.isdigit() else 1
    return int(phases[k - 1]) if 1 <= k <= len(phases) else int(phases[0])


def sensed_pu(v: np.ndarray, phases: Any, sensed: int) -> float:
    """The voltage a control holds in its band from a bus's ``(3,)`` phase voltages ``v``:
    the PT's phase, or the highest / lowest of ``phases`` (:func:`_sensed`); NaN unknown."""
    ph = [int(p) for p in phases]
    if not ph:
        return np.nan
    if sensed == SENSED_MAX:
        return float(np.nanmax(v[ph])) if np.isfinite(v[ph]).any() else np.nan
    if sensed == SENSED_MIN:
        return float(np.nanmin(v[ph])) if np.isfinite(v[ph]).any() else np.nan
    return float(v[sensed]) if 0 <= sensed < len(v) else np.nan


def _bus_and_phases(text: str) -> tuple[str, list[int]]:
    """``"regxfmr_190-8593.2"`` → ``("regxfmr_190-8593", [1])`` (phase positions 0–2; all three
    where the bus names no node)."""
    name, *nodes = str(text).lower().split(".")
    ph = [int(n) - 1 for n in nodes if n.isdigit() and 1 <= int(n) <= 3]
    return name, ph or [0, 1, 2]


def _read_settings(model: Any) -> pd.DataFrame:
    """:func:`regulator_settings`, read from the model's OpenDSS context (never solved here)."""
    dss = getattr(model, "engine", None)
    c = model.controls
    if dss is None or c is None or c.empty:
        return pd.DataFrame(columns=_SETTINGS)
    regs = c[(c.kind == "regcontrol") & c.enabled.astype(bool)]
    e = model.elements
    where = {str(n).lower(): k for k, n in enumerate(e.name.tolist())}
    bus_at = {str(b).lower(): k for k, b in enumerate(model.buses.index.tolist())}
    kv_ln = model.buses.kv_ln.to_numpy(float)
    rows = []
    for name, target, winding in zip(regs.name, regs.target, regs.terminal, strict=True):
        k = where.get(str(target).lower())
        buses = e.buses.iat[k] if k is not None else ()
        w = int(winding) - 1
        if len(buses) != 2 or w not in (0, 1):
            continue
        try:  # the nodes the winding connects (the elements table keeps bus names only)
            dss.Circuit.SetActiveElement(str(target))
            nodes = list(dss.CktElement.BusNames())
            out_name, phases = _bus_and_phases(nodes[w] if len(nodes) == 2 else buses[w])
            in_name, _ = _bus_and_phases(buses[1 - w])
            b_out, b_in = bus_at.get(out_name), bus_at.get(in_name)
            if b_out is None or b_in is None or b_out == b_in:
                continue
            dss.RegControls.Name(str(name).split(".", 1)[-1])
            vreg, band = float(dss.RegControls.ForwardVreg()), float(dss.RegControls.ForwardBand())
            pt = float(dss.RegControls.PTRatio())
            ldc = (float(dss.RegControls.ForwardR()) != 0.0
                   or float(dss.RegControls.ForwardX()) != 0.0)
            dss.Text.Command(f"? regcontrol.{str(name).split('.', 1)[-1]}.ptphase")
            sensed = _sensed(phases, dss.Text.Result())
            dss.Transformers.Name(str(target).split(".", 1)[-1])
            dss.Transformers.Wdg(int(winding))
            n_taps = float(dss.Transformers.NumTaps())
            tap_min, tap_max = float(dss.Transformers.MinTap()), float(dss.Transformers.MaxTap())
            step = (tap_max - tap_min) / n_taps if n_taps > 0 else DEFAULT_TAP_STEP_PU
        except Exception:  # noqa: BLE001 - a context without the element: no settings
            continue
        base_v = kv_ln[b_out] * 1e3
        lo = hi = np.nan
        if base_v > 0 and pt > 0:
            lo, hi = (vreg - band / 2.0) * pt / base_v, (vreg + band / 2.0) * pt / base_v
        rows.append((str(name), str(target).split(".", 1)[-1], b_in, b_out, phases, step, lo,
                     hi, ldc, sensed, tap_min, tap_max))
    return pd.DataFrame(rows, columns=_SETTINGS)


def regulator_settings(model: Any) -> pd.DataFrame:
    """Every enabled RegControl of an OpenDSS model whose flows let the controls act: ``name``,
    ``transformer``, ``bus_in`` / ``bus_out`` (bus positions of the unregulated and regulated
    windings), ``phases`` (list of 0–2), ``step_pu`` (tap step), ``lo_pu`` / ``hi_pu`` (the
    band's edges in pu of the regulated bus's base; NaN unknown), ``ldc``, ``sensed`` (the
    phase position its PT reads, or :data:`SENSED_MAX` / :data:`SENSED_MIN`: a gang-operated
    bank holds that phase in the band, the others follow its tap), ``tap_min_pu`` /
    ``tap_max_pu`` (the regulated winding's tap range, OpenDSS ``MinTap`` / ``MaxTap``:
    0.9 / 1.1 by default, a 32-step ±10 % regulator). Empty for a
    pandapower feeder (its flows keep the net's own taps) or without controls."""
    if model is None or not getattr(model, "controls_on", True) or not hasattr(model, "derived"):
        return pd.DataFrame(columns=_SETTINGS)
    return model.derived("C12 regulator settings", _read_settings)


def _phase_table(bus: pd.DataFrame, ids: np.ndarray) -> dict[tuple[str, int, int], np.ndarray]:
    """``(scenario, step, bus)`` → the three phase magnitudes (pu) of the buses ``ids``."""
    at = np.flatnonzero(np.isin(bus["bus"].to_numpy(), ids))
    sub = bus.iloc[at]
    step = (pd.to_numeric(sub["step"], errors="coerce").fillna(0).astype(int).to_numpy()
            if "step" in sub.columns else np.zeros(len(sub), dtype=int))
    mag = np.column_stack([sub[c].to_numpy(float) if c in sub.columns
                           else np.full(len(sub), np.nan)
                           for c in ("vm_a_pu", "vm_b_pu", "vm_c_pu")])
    return {(str(s), int(k), int(b)): m for s, k, b, m in zip(
        sub["scenario"].astype(str).tolist(), step.tolist(), sub["bus"].tolist(), mag,
        strict=True)}


def tap_moves(bus: pd.DataFrame, settings: pd.DataFrame, base_of: Mapping[str, str],
              edge_pu: float = EDGE_PU) -> pd.DataFrame:
    """Each regulator's tap move between every V2G step and the same step of its base case.

    Returns
    -------
    DataFrame
        One row per (``scenario``, ``step``, regulator ``name``) with a move: ``taps``
        (``(3,)`` signed steps per phase, 0 off the regulator's phases), ``unforced`` (the
        base's tap leaves the regulated voltage inside the band in the V2G step: module
        docstring; within ``edge_pu`` of the band's edge counts as inside) and ``v_out_pu`` /
        ``v_out_base_pu`` / ``v_held_pu`` (the moved phase's output voltage, in the base case,
        and with the base's tap in this step).
    """
    cols = ["scenario", "step", "name", "taps", "unforced", "v_out_pu", "v_out_base_pu",
            "v_held_pu"]
    if settings.empty or bus is None or bus.empty:
        return pd.DataFrame(columns=cols)
    ids = np.unique(np.concatenate([settings.bus_in.to_numpy(int),
                                    settings.bus_out.to_numpy(int)]))
    table = _phase_table(bus, ids)
    keys = {(s, k) for s, k, _ in table}
    rows = []
    for s, k in sorted(keys):
        b = str(base_of.get(s, "") or "")
        if not b or b == s:
            continue
        for r in settings.itertuples(index=False):
            now_in, now_out = table.get((s, k, r.bus_in)), table.get((s, k, r.bus_out))
            was_in, was_out = table.get((b, k, r.bus_in)), table.get((b, k, r.bus_out))
            if any(x is None for x in (now_in, now_out, was_in, was_out)):
                continue
            taps = np.zeros(3, dtype=int)
            free, v_held = True, np.nan
            kept = np.full(3, np.nan)  # each phase's output with the base's tap, this step
            for p in r.phases:
                with np.errstate(invalid="ignore", divide="ignore"):
                    ratio, ratio_b = now_out[p] / now_in[p], was_out[p] / was_in[p]
                if not (np.isfinite(ratio) and np.isfinite(ratio_b)):
                    continue
                taps[p] = int(np.rint((ratio - ratio_b) / r.step_pu))
                kept[p] = now_in[p] * ratio_b
                if taps[p] and len(r.phases) == 1:  # the base's tap: inside the band?
                    v_held = kept[p]
                    free &= (not r.ldc and r.lo_pu - edge_pu <= v_held <= r.hi_pu + edge_pu)
            if taps.any() and len(r.phases) > 1:
                # a gang-operated bank: its control reads one phase (or the max / min); the
                # others follow the tap, whether inside the band or not
                v_held = sensed_pu(kept, r.phases, int(r.sensed))
                free = (not r.ldc and np.isfinite(v_held)
                        and r.lo_pu - edge_pu <= v_held <= r.hi_pu + edge_pu)
            if taps.any():
                p = int(np.argmax(np.abs(taps)))
                rows.append((s, k, r.name, taps, bool(free), float(now_out[p]),
                             float(was_out[p]), float(v_held)))
    return pd.DataFrame(rows, columns=cols)


def _downstream(model: Any) -> dict[str, frozenset[int]]:
    g = _graph(model)
    s = regulator_settings(model)
    out: dict[str, frozenset[int]] = {}
    for (b_in, b_out), grp in s.groupby(["bus_in", "bus_out"]):
        if b_out not in g or b_in not in g:
            continue
        view = nx.restricted_view(g, [], [(b_in, b_out)])
        part = nx.node_connected_component(view, b_out)
        if b_in in part:  # a loop around the regulator: no side is its own
            continue
        for name in grp.name.tolist():
            out[name] = frozenset(part)
    return out


def _graph(model: Any) -> nx.Graph:
    from protv2g.network.dss_graph import dss_feeder_graph
    return model.derived("feeder graph", dss_feeder_graph)


def downstream_sets(model: Any) -> dict[str, frozenset[int]]:
    """Regulator ``name`` → the buses on its regulated side (radial feeders; a regulator in a
    loop has none)."""
    if regulator_settings(model).empty:
        return {}
    return model.derived("C12 regulator downstream", _downstream)


def _chain_taps(moves: list[tuple], down: Mapping[str, frozenset[int]], bus: int
                ) -> tuple[np.ndarray, list[tuple], list[tuple]]:
    """Of one step's ``moves`` (``(name, taps, unforced)``), those upstream of ``bus``: the
    unforced ones' ``|Δtap|`` summed per phase (``(3,)``) and the moves, and the forced ones
    (V2G's own: their effect stays in V2G's change)."""
    total, free, forced = np.zeros(3), [], []
    for move in moves:
        if bus not in down.get(move[0], ()):
            continue
        if move[2]:
            total += np.abs(move[1])
            free.append(move)
        else:
            forced.append(move)
    return total, free, forced


def _move_text(moves: list[tuple]) -> str:
    """``"vreg2_b (phase b) rests 1 tap lower"`` … of ``moves`` (``(name, taps, unforced)``)."""
    out = []
    for name, taps, _ in moves:
        for p in np.flatnonzero(taps).tolist():
            n = int(taps[p])
            out.append(f"{name.split('.', 1)[-1]} (phase {'abc'[p]}) rests {abs(n)} tap"
                       f"{'s' if abs(n) > 1 else ''} {'higher' if n > 0 else 'lower'}")
    return ", ".join(out)


def tap_explained(model: Any, bus: pd.DataFrame, base_of: Mapping[str, str],
                  rows: pd.DataFrame, change: np.ndarray, allowed: np.ndarray,
                  kind: str, edge_pu: float = EDGE_PU) -> tuple[np.ndarray, list[str]]:
    """Which C12 rows the regulators' unforced tap moves explain (module docstring).

    Parameters
    ----------
    model : DssModel or None
    bus : DataFrame
        The flow's bus table (every scenario and step).
    base_of : mapping
        Scenario → its base case.
    rows : DataFrame
        ``(n,)`` rows with ``scenario``, ``bus``, optionally ``step`` and ``vm_pu`` (|V1| or
        the judged voltage) and ``unbalance_percent``.
    change : ndarray
        ``(n,)`` V2G's change of the row's quantity (pu or points), NaN without a base.
    allowed : ndarray
        ``(n,)`` the row's materiality threshold, same unit.
    kind : {"pu", "%"}
        A voltage row (pu) or an unbalance row (points of u2).
    edge_pu : float
        :func:`tap_moves`'s tolerance on the band's edges.

    Returns
    -------
    explained : ndarray of bool
        ``(n,)``.
    texts : list of str
        ``(n,)`` the message suffix ("" where not explained).
    """
    n = len(rows)
    out, texts = np.zeros(n, dtype=bool), [""] * n
    settings = regulator_settings(model)
    if not n or settings.empty:
        return out, texts
    moves = tap_moves(bus, settings, base_of, edge_pu)
    if moves.empty:
        return out, texts
    down = downstream_sets(model)
    step_of = dict(zip(settings.name.tolist(), settings.step_pu.astype(float).tolist(),
                       strict=True))
    by_step: dict[tuple[str, int], list[tuple]] = {}
    for r in moves.itertuples(index=False):
        by_step.setdefault((str(r.scenario), int(r.step)), []).append(
            (r.name, r.taps, bool(r.unforced)))
    step = (pd.to_numeric(rows["step"], errors="coerce").fillna(0).astype(int).tolist()
            if "step" in rows.columns else [0] * n)
    vm = rows["vm_pu"].to_numpy(float) if "vm_pu" in rows.columns else np.ones(n)
    u2 = (rows["unbalance_percent"].to_numpy(float) if "unbalance_percent" in rows.columns
          else np.zeros(n))
    for k, (s, b) in enumerate(zip(rows.scenario.astype(str).tolist(), rows.bus.tolist(),
                                   strict=True)):
        if not np.isfinite(change[k]) or change[k] <= allowed[k]:
            continue
        total, free, forced = _chain_taps(by_step.get((s, step[k]), []), down, int(b))
        if not free:
            continue
        names = [m[0] for m in free]
        tap_step = max(step_of[m] for m in names)
        if kind == "%":
            effect = 100.0 * total.sum() * tap_step / 3.0 * (1.0 + u2[k] / 100.0) / max(
                vm[k], 0.5)
            unit, fmt = "points", "{:.3f}"
        else:
            effect = float(total.max()) * tap_step * max(vm[k], 1.0)
            unit, fmt = "pu", "{:.4f}"
        if change[k] - effect > allowed[k]:
            continue
        out[k] = True
        moved = _move_text(free)
        own = (f" ({_move_text(forced)}: forced by V2G's change at its "
               "input, counted as V2G's)" if forced else "")
        texts[k] = (
            f"; the regulators' rest points, not V2G: {moved} in this snapshot than "
            "without V2G, a rest point inside its band (not unique: the base case's tap "
            "leaves the regulated voltage inside the band here too); V2G's change "
            f"{fmt.format(change[k])} {unit} less that move's largest effect "
            f"{fmt.format(effect)} {unit} is within the materiality threshold "
            f"{fmt.format(allowed[k])} {unit}{own}: pre-existing")
    return out, texts


def band_over_limit(model: Any, buses: np.ndarray, v_max_pu: float, tol_pu: float = EDGE_PU
                    ) -> dict[int, tuple[float, float, str]]:
    """Regulated buses (of ``buses``) whose regulator's band reaches over ``v_max_pu`` by itself,
    beyond the limit's tolerance ``tol_pu`` (vreg 125 V ± 1 V on PT 60, 1.0501 pu, is at it):
    bus → ``(lo_pu, hi_pu, regulator)`` (review rev31 §6: IEEE 8500's substation regulators at
    vreg 126.5 V, 1.054 pu, the band's centre above ANSI Range A). Controls with line-drop
    compensation are left out (their set-point is at the load centre, not the bus)."""
    s = regulator_settings(model)
    if s.empty:
        return {}
    s = s[~s.ldc.astype(bool) & (s.hi_pu > v_max_pu + tol_pu)]
    want = set(np.asarray(buses).tolist())
    out: dict[int, tuple[float, float, str]] = {}
    for r in s.itertuples(index=False):
        if r.bus_out in want:
            lo, hi, name = out.get(r.bus_out, (r.lo_pu, r.hi_pu, r.name))
            out[r.bus_out] = (min(lo, r.lo_pu), max(hi, r.hi_pu), name)
    return out


def regulators_own(ctx: Any, bus: pd.DataFrame, bad: pd.DataFrame, caused: np.ndarray,
                   v_base: np.ndarray, tol: float) -> tuple[np.ndarray, dict[int, str]]:
    """C12's failing voltage rows ``bad`` of V2G scenarios that are the regulators' own,
    ``pre-existing``: their rise is within an unforced tap move's effect
    (:func:`tap_explained`, review rev31 §1), or their bus is a regulated bus whose
    regulator's band reaches over the limit by itself and V2G moves it only inside the band
    (:func:`band_over_limit`, review rev31 §6: IEEE 8500's substation regulators at vreg
    126.5 V = 1.054 pu). ``caused`` / ``v_base``: :func:`protv2g.checks.flow_limit.v2g_caused`;
    ``tol`` the limit's tolerance. Returns the ``(n,)`` mask and each row's message suffix."""
    th = ctx.thresholds
    n = len(bad)
    pre, suffix = np.zeros(n, dtype=bool), {}
    model = ctx.study.model
    if not n or model is None:
        return pre, suffix
    change = bad.vm_pu.to_numpy(float) - v_base
    allowed = np.where(caused, tol, th.voltage_change_min_pu)
    pre, texts = tap_explained(model, bus, ctx.base_of, bad, change, allowed, "pu", tol)
    for k in np.flatnonzero(pre).tolist():
        suffix[k] = texts[k]
    over = band_over_limit(model, pd.unique(bad.bus.to_numpy()), th.v_max_pu, tol)
    if over:
        vm, buses = bad.vm_pu.to_numpy(float), bad.bus.to_numpy()
        codes, names = pd.factorize(bad.scenario.astype(str).to_numpy())
        v2g = np.array([str(ctx.base_of.get(x, "") or "") not in ("", x) for x in names],
                       dtype=bool)[codes]
        for k in np.flatnonzero(np.isfinite(v_base) & ~pre & v2g).tolist():
            lo, hi, name = over.get(int(buses[k]), (np.nan, np.nan, ""))
            if name and vm[k] <= hi + tol:
                pre[k] = True
                suffix[k] = (
                    f"; the set-point's, not V2G's: {name.split('.', 1)[-1]}'s band "
                    f"({lo:.4f}–{hi:.4f} pu) reaches over {th.v_max_pu:g} pu by itself, and V2G "
                    f"moves the bus only inside it ({v_base[k]:.4f} → {vm[k]:.4f} pu, "
                    f"{vm[k] - v_base[k]:+.4f} pu): pre-existing")
    return pre, suffix
