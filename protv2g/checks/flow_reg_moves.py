"""C12 over-voltage rows whose bus a regulator's tap move reaches: the move, named; and C12
under-voltage rows whose regulators are at the end of their range (:func:`regulator_limit_texts`).

Review rev41a M1, IEEE 34 with a 1 MW depot at 806 and 8 × 7.2 kW of homes at 838 (phase b):
F07, 1.061 pu at 814 at light load, read "V2G lowers the margin by 0.00858 pu" as if the
export raised the bus. 814 is the source-side terminal of the regulator bank reg1a–c, and
OpenDSS (the reviewer's chk/e34_814.py: LoadMult 0.3, the sites as unity-power-factor
generators, the controls free) gives the depot alone +0.0009 pu there with reg1b staying at
0.975, the homes' 57.6 kW alone 1.0599 pu with reg1b 0.975 → 0.9625: its line-drop
compensation (R 2.7, X 1.6) sees less forward current and lowers the tap. The rise at the
regulator's terminal is the regulator's response, which the row's message did not say.

For each failing over-voltage row of a V2G (or charging) scenario, the regulators (and LTCs:
every enabled RegControl, :func:`~protv2g.checks.flow_taps.regulator_settings`) whose tap in
the row's scenario and step differs from its base case's (the flow's solved ``tap_pu``, the
Flow sheet's Tap column) and whose terminal is the row's bus or whose regulated side holds it
(:func:`~protv2g.checks.flow_taps.downstream_sets`) are named with both taps, why the control
moved (line-drop compensation: the current through it, base → scenario; else its regulated
voltage) and where the bus is. The row's attribution is unchanged: the move is the
regulator's answer to V2G (or to the charging), which the text now shows.

References: R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System
Simulator (OpenDSS)", EPRI, 2020 — RegControl ``R``/``X`` (line-drop compensation: the
control regulates ``V_out − I·Z``, so less current through it reads as a higher voltage and
the tap goes down); IEEE Std C57.15-2017 (step-voltage regulators).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.attribution_materiality import who_moves
from protv2g.checks.flow_taps import downstream_sets, regulator_settings

__all__ = ["regulator_limit_texts", "regulator_move_texts"]

#: A tap differs from its base case's by more than this (pu; a tap step is 0.00625 pu).
_SAME_TAP_PU = 1e-6


def _solved(device: pd.DataFrame | None) -> dict[tuple[str, int, str], tuple[float, float, float]]:
    """``(scenario, step, transformer)`` → ``(tap_pu, i_a, p_mw)`` of the flow's regulator rows
    (``REG:<transformer>``, :mod:`protv2g.flow.opendss_tables`); empty without them (a
    pandapower feeder, an older flow table)."""
    need = {"kind", "device", "scenario", "tap_pu"}
    if device is None or device.empty or not need <= set(device.columns):
        return {}
    regs = device[(device["kind"].astype(str) == "regulator") & device["tap_pu"].notna()]
    n = len(regs)
    step = (pd.to_numeric(regs["step"], errors="coerce").fillna(0).astype(int).to_numpy()
            if "step" in regs.columns else np.zeros(n, dtype=int))
    i_a = regs["i_a"].to_numpy(float) if "i_a" in regs.columns else np.full(n, np.nan)
    p_mw = regs["p_mw"].to_numpy(float) if "p_mw" in regs.columns else np.full(n, np.nan)
    names = [str(d).split(":", 1)[-1].lower() for d in regs["device"].tolist()]
    return {(str(s), int(k), t): (float(v), float(i), float(p)) for s, k, t, v, i, p in zip(
        regs["scenario"].astype(str).tolist(), step.tolist(), names,
        regs["tap_pu"].to_numpy(float).tolist(), i_a.tolist(), p_mw.tolist(), strict=True)}


def _why(ldc: bool, was: tuple[float, float, float], now: tuple[float, float, float]) -> str:
    """Why the control moved: ``"LDC sees less forward current: 12.1 → 4.2 A"`` (line-drop
    compensation), ``"its regulated voltage rose"`` / ``"fell"`` without it."""
    down = now[0] < was[0]
    if not ldc:
        return f"its regulated voltage {'rose' if down else 'fell'}"
    i0, i1 = was[1], now[1]
    if not (np.isfinite(i0) and np.isfinite(i1)):
        return "line-drop compensation"
    reverse = np.isfinite(now[2]) and now[2] < 0.0
    if reverse:
        return f"LDC sees reverse current: {i0:.3g} → {i1:.3g} A"
    return f"LDC sees {'less' if i1 < i0 else 'more'} forward current: {i0:.3g} → {i1:.3g} A"


def _inputs(ctx: Any, bad: pd.DataFrame) -> tuple[Any, ...] | None:
    """``(settings, taps, downstream sets, transformer names, scenarios, buses, steps)`` of
    the rows ``bad`` for the texts below; None without rows, a model, regulators or solved
    taps."""
    model = getattr(getattr(ctx, "study", None), "model", None)  # a hand-built context: none
    n = len(bad)
    if not n or model is None:
        return None
    settings = regulator_settings(model)
    taps = _solved(getattr(ctx, "flow", {}).get("device")) if len(settings) else {}
    if not taps:
        return None
    steps = (pd.to_numeric(bad["step"], errors="coerce").fillna(0).astype(int).to_numpy()
             if "step" in bad.columns else np.zeros(n, dtype=int))
    return (settings, taps, downstream_sets(model),
            [str(x).lower() for x in settings.transformer.tolist()],
            bad["scenario"].astype(str).to_numpy(), bad["bus"].to_numpy(), steps)


def regulator_move_texts(ctx: Any, bad: pd.DataFrame, skip: np.ndarray | None = None,
                         change: str = "rise") -> dict[int, str]:
    """Row position → the message suffix naming the regulator tap moves that reach the row's
    bus (module docstring), for C12's failing over-voltage rows ``bad`` (``scenario``,
    ``bus``, optional ``step``); rows of a base case, rows ``skip`` ((n,) bool: already
    explained by the regulators' own rest points) and rows no move reaches are left out.
    ``change``: "rise" (over-voltage rows) or "drop" (under-voltage rows, review rev43a
    M11: IEEE 34's 890, reg1/reg2's line-drop compensation lowering the taps with the export).

    ``"; a regulator's response is in this rise (its tap against the case without V2G, Flow
    sheet's Tap): reg1b moved 0.975 → 0.9625 (LDC sees less forward current: 17.2 → 14.6 A;
    814 is its source-side terminal)"``."""
    got = _inputs(ctx, bad)
    if got is None:
        return {}
    settings, taps, down, names, scen, buses, steps = got
    base_of: Mapping[str, str] = ctx.base_of
    units = list(zip(settings.itertuples(index=False), names, strict=True))  # once, not per row
    out: dict[int, str] = {}
    for k in range(len(bad)):
        s, b = str(scen[k]), str(base_of.get(str(scen[k]), "") or "")
        if not b or b == s or (skip is not None and skip[k]):
            continue
        bus, step, said = int(buses[k]), int(steps[k]), []
        for r, t in units:
            was, now = taps.get((b, step, t)), taps.get((s, step, t))
            if was is None or now is None or abs(now[0] - was[0]) <= _SAME_TAP_PU:
                continue
            if bus == int(r.bus_in):
                where = f"{ctx.bus_name(bus)} is its source-side terminal"
            elif bus == int(r.bus_out):
                where = f"{ctx.bus_name(bus)} is its regulated terminal"
            elif bus in down.get(r.name, ()):
                where = f"{ctx.bus_name(bus)} is on its regulated side"
            else:
                continue
            said.append(f"{t} moved {was[0]:.6g} → {now[0]:.6g} "
                        f"({_why(bool(r.ldc), was, now)}; {where})")
        if said:
            without = "the charging" if who_moves(s) == "charging" else "V2G"
            out[k] = (f"; a regulator's response is in this {change} (its tap against the case "
                      f"without {without}, Flow sheet's Tap): {', '.join(dict.fromkeys(said))}")
    return out


def regulator_limit_texts(ctx: Any, bad: pd.DataFrame) -> dict[int, str]:
    """Row position → the message suffix naming the regulators at the end of their tap range
    in the row's scenario and step, for C12's failing under-voltage rows ``bad``
    (``scenario``, ``bus``, optional ``step``): the regulators (and LTCs: every enabled
    RegControl, :func:`~protv2g.checks.flow_taps.regulator_settings`) whose regulated
    terminal is the bus or whose regulated side holds it
    (:func:`~protv2g.checks.flow_taps.downstream_sets`) and whose solved tap (the flow's
    ``tap_pu``, the Flow sheet's Tap) is at its winding's ``MaxTap``: no regulator can raise
    the bus further (review rev43a M5, IEEE 34 F15: 0.798 pu at 890 charging at peak, all
    six units of reg1/reg2 at tap 1.1 — the over-voltage rows named tap moves, this row
    named nothing). Rows no regulator reaches, or whose regulators have range left, are left
    out.

    ``"; every regulator that reaches 890 is at its boost limit (reg1a, reg1b, reg1c, reg2a,
    reg2b, reg2c at tap 1.1 = +10 %, 16 steps; Flow sheet's Tap): the regulation cannot raise
    it further"``; where some that reach it still have range, those at the limit are named
    and the others with their taps."""
    got = _inputs(ctx, bad)
    if got is None or "tap_max_pu" not in got[0].columns:
        return {}
    settings, taps, down, names, scen, buses, steps = got
    units = list(zip(settings.itertuples(index=False), names, strict=True))  # once, not per row
    out: dict[int, str] = {}
    for k in range(len(bad)):
        bus, s, step = int(buses[k]), str(scen[k]), int(steps[k])
        at_limit, room = [], []
        for r, t in units:
            if not (bus == int(r.bus_out) or bus in down.get(r.name, ())):
                continue
            now = taps.get((s, step, t))
            top = float(r.tap_max_pu)
            if now is None or not np.isfinite(top):
                continue
            if now[0] >= top - _SAME_TAP_PU:
                at_limit.append((t, top, float(r.step_pu)))
            else:
                room.append(f"{t} at {now[0]:.6g}")
        if not at_limit:
            continue
        tops = {round(top, 6) for _, top, _ in at_limit}
        regs = ", ".join(dict.fromkeys(t for t, _, _ in at_limit))
        if len(tops) == 1:
            top, step_pu = at_limit[0][1], at_limit[0][2]
            n_steps = (f", {round((top - 1.0) / step_pu):g} steps"
                       if step_pu > 0 and np.isfinite(step_pu) else "")
            where = f"{regs} at tap {top:.6g} = {100 * (top - 1.0):+.3g} %{n_steps}"
        else:
            where = ", ".join(f"{t} at tap {top:.6g}" for t, top, _ in at_limit)
        bus_name = ctx.bus_name(bus)
        if not room:
            out[k] = (f"; every regulator that reaches {bus_name} is at its boost limit "
                      f"({where}; Flow sheet's Tap): the regulation cannot raise it further")
        else:
            verb = "is at its" if len(at_limit) == 1 else "are at their"
            out[k] = (f"; of the regulators that reach {bus_name}, {regs} {verb} boost limit "
                      f"({where}; Flow sheet's Tap), {', '.join(room)} not")
    return out
