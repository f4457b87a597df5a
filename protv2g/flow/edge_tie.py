"""A snapshot solved from its base case's band edge, read with the tie rule (review rev50a
#1, hst50; :mod:`protv2g.flow.tap_band`).

:func:`~protv2g.flow.tap_band.with_band_starts` solves each V2G snapshot once from its base
case's band edge, the export arriving with the regulators there and their controls acting,
before it searches the snapshot's own edge. Where the export takes a control's compensated
voltage out of its band there, OpenDSS's control moves the tap (IEEE Std C57.15-2017, the
control's voltage level and bandwidth; OpenDSS RegControl ``vreg``, ``band``). Where that
voltage lies within OpenDSS's convergence tolerance of the band's edge (``Set Tolerance``,
0.0001 pu of the PT-secondary base: 0.012 V on 120 V), whether the control moves depends on
the voltages the solve starts from, as a band-edge trial's verdict does
(:func:`~protv2g.flow.reg_band.at_band_edge`). IEEE 123, homes 14.175 kW on 114.a at peak,
the bottom of the band: reg4b at 1.00625 reads 122.9999 V against its band's 123 V
(hst50, OpenDSS); solved after 13.5 kW its control raised it to 1.0125 and bus 83's phase b
rose 0.0059 pu, solved alone it stayed and 83 rose 0.0008 pu — C12's over-voltage judged the
homes at 14.2 kW on which came first (:mod:`protv2g.checks.flow_tap_path`).

:func:`solve_from_edge` decides it as the band-edge search decides its own trials: a move
from a tie is not counted. A tap OpenDSS's control moved in that solve is held at the edge's
tap (its control's ``MaxTapChange`` 0, OpenDSS's own way to fix a tap; the other controls
acting) and the snapshot solved again; where its compensated voltage there lies within the
tolerance of the band edge that drove the move (:func:`~protv2g.flow.reg_band.moved_from_tie`,
either side), the held solve is the snapshot's; else OpenDSS's move stands. A control whose
voltage is not read (:func:`~protv2g.flow.reg_band.reg_settings`) keeps OpenDSS's verdict.
Cost: one solve more per snapshot and edge whose first solve moved a told tap that may have
moved from a tie (:func:`_candidates`: within half a step and the tolerance, read ahead), two
where that move was none or a tie and a move that is none came together. The bench's IEEE
8500 with its depot (tie51): three ties held — charging/expected at the bottom, feeder_regb
0.0058 V and vreg3_c 0.0085 V below their edges; expected/light/50 % at the top, feeder_rega
0.0055 V above (OpenDSS at the held taps, controls off) — and 213 → 210 snapshot solves
(the later searches start nearer their edge).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from protv2g.flow.reg_band import MARGIN_STEPS, compensated_v, moved_from_tie

__all__ = ["solve_from_edge"]

#: A tap where the edge left it within this (pu).
_SAME_TAP_PU = 1e-9

Key = tuple[str, int]


def _taps(state: Mapping) -> dict[Key, float]:
    return {(str(t).lower(), w): v for (t, w), v in state["taps"].items()}


def _controls(dss: Any, keys: set[Key]) -> dict[Key, str]:
    """``{winding: its RegControl's name}`` of the windings ``keys``."""
    out = {}
    i = dss.RegControls.First()
    while i:
        key = (f"transformer.{dss.RegControls.Transformer()}".lower(),
               int(dss.RegControls.Winding()))
        if key in keys:
            out[key] = dss.RegControls.Name()
        i = dss.RegControls.Next()
    return out


def _solve_held(solve: Callable, engine: Any, block: Any, start: dict, base_case: bool,
                names: list[str]) -> tuple[Any, dict | None]:
    """``solve(engine, block, start, base_case)`` with the RegControls ``names`` holding their
    taps (``MaxTapChange`` 0; restored after)."""
    dss = engine._dss
    before = []
    for name in names:
        dss.RegControls.Name(name)
        before.append(int(dss.RegControls.MaxTapChange()))
        dss.RegControls.MaxTapChange(0)
    try:
        return solve(engine, block, start, base_case)
    finally:
        for name, most in zip(names, before, strict=True):
            dss.RegControls.Name(name)
            dss.RegControls.MaxTapChange(most)


def _candidates(engine: Any, at: Mapping[Key, float], got: dict,
                settings: Mapping[Key, dict], steps: Mapping[Key, tuple], tol_pu: float,
                held: Mapping[Key, int]) -> dict[Key, int]:
    """``{winding: direction}`` of the told taps ``got`` moved from ``at`` that may have
    moved from a tie, read from the circuit (it holds ``got``'s solution): the voltage its
    control read before the move, told as its voltage now less the move's ``Δtap · |V_w|``
    (:func:`~protv2g.flow.reg_band.refused_ahead`'s law), within
    :data:`~protv2g.flow.reg_band.MARGIN_STEPS` of a step (that law's largest miss measured:
    0.26 step) and the tolerance of the band edge that drives the move."""
    now = _taps(got)
    moved = {k: now[k] - at[k] for k in settings
             if k not in held and k in now and k in at and k in steps
             and abs(now[k] - at[k]) > _SAME_TAP_PU}
    if not moved:
        return {}
    v = compensated_v(engine._dss, {k: settings[k] for k in moved})
    out = {}
    for k, d_tap in moved.items():
        if k not in v:
            continue
        v_c, v_w = v[k]
        d = int(np.sign(d_tap))
        s = settings[k]
        edge = s["vreg"] - d * s["band"] / 2  # the bottom drives a move up, the top down
        off = abs(v_c - d_tap * v_w - edge)
        if off <= MARGIN_STEPS * steps[k][0] * v_w + tol_pu * s["base_v"]:
            out[k] = d
    return out


def solve_from_edge(solve: Callable, engine: Any, block: Any, edge: dict, base_case: bool,
                    settings: Mapping[Key, dict], steps: Mapping[Key, tuple], tol_pu: float
                    ) -> tuple[Any, dict | None]:
    """``solve(engine, block, edge, base_case)`` (the arrays and the state it settled on,
    :func:`~protv2g.flow.tap_band._solve`) with a tap its control moved from a tie held at
    ``edge``'s tap (module docstring). ``settings``: the told controls
    (:func:`~protv2g.flow.reg_band.reg_settings`); ``steps``: the regulated windings' tap
    steps (:meth:`~protv2g.flow.opendss.DssFlowEngine.regulated_steps`); ``tol_pu``: the
    circuit's convergence tolerance. The circuit holds the returned solve's solution."""
    arr, got = solve(engine, block, edge, base_case)
    if got is None or not settings:
        return arr, got
    at = _taps(edge)
    held: dict[Key, int] = {}
    names: dict[Key, str] | None = None
    for _ in range(len(settings)):
        moved = _candidates(engine, at, got, settings, steps, tol_pu, held)
        if not moved:
            break
        names = _controls(engine._dss, set(settings)) if names is None else names
        trial = {**held, **moved}
        arr_h, got_h = _solve_held(solve, engine, block, edge, base_case,
                                   [names[k] for k in trial if k in names])
        v = compensated_v(engine._dss, {k: settings[k] for k in moved})
        ties = {k: d for k, d in moved.items() if got_h is not None and k in v
                and moved_from_tie(v[k], settings[k], d, tol_pu)}
        if ties and len(ties) == len(moved):
            held, arr, got = trial, arr_h, got_h
            continue
        if ties:  # hold the ties alone: the other moves stand
            held.update(ties)
            arr_p, got_p = _solve_held(solve, engine, block, edge, base_case,
                                       [names[k] for k in held if k in names])
            if got_p is not None:
                arr, got = arr_p, got_p
                continue
        # no tie: OpenDSS's moves stand; the circuit solved back to them
        arr, got = (_solve_held(solve, engine, block, edge, base_case,
                                [names[k] for k in held if k in names]) if held
                    else solve(engine, block, edge, base_case))
        break
    return arr, got
