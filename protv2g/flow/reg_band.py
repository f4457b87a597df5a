"""A regulator's band-edge trial that its own control refuses, told from the solved state
without solving it (:func:`~protv2g.flow.tap_band.band_edge`, issue #21).

An OpenDSS RegControl compares its compensated voltage

    ``V_c = | V_w / PTratio − I_out / CTprim · (R + jX) |``   (volts on the control's base)

with ``vreg ± band/2`` on its PT phase (IEEE Std C57.15-2017, the control's voltage level,
bandwidth and line-drop compensation; OpenDSS RegControl ``vreg``, ``band``, ``ptratio``,
``CTprim``, ``R``, ``X``, ``PTphase``: ``V_w`` the winding's voltage, ``I_out`` its current
out of the winding's terminal). A tap moved one step raises (lowers) the winding's voltage by
about ``step · |V_w|``, so from a state its controls rest at, the trial of a one-step move of
a winding lands at ``V_c ± step · |V_w / PTratio|``. Where that is outside the band by more
than :data:`MARGIN_STEPS` of a step, the control moves the tap back and the trial is refused:
:func:`refused_ahead` says so and the edge search skips that solve.

The margin was measured (regb46, every trial of the edge searches of the IEEE 8500 with a
depot, IEEE 34 with a campus and LDC on reg1/reg2, EPRI J1 with homes; OpenDSS solving each
trial with the controls acting): a trial kept by OpenDSS was predicted at most 0.26 step
outside the band (J1, a snapshot, where the other regulators answered the move in the same
control loop), none beyond; 0.5 step skips 151 of the 8500's 331 refused trials. Only a
control that reads its own winding (no ``bus=`` remote bus), one numbered PT phase, not
reversible, enabled, the only control on its winding, is predicted; any other is solved.

**A trial OpenDSS refused, tried again** (:func:`refused_again`): the search tries a
refused winding again after another winding's move was kept (that move shifts its control's
voltage). A refused trial stopped after its first power flow
(:mod:`~protv2g.flow.dss_trial`) leaves the voltages with the trial's tap: its control's
voltage ``V_land`` there is read, next to the voltage ``V_0`` of the state it was tried from.
From a later state whose control reads ``V_1`` the same one-step move lands near
``V_1 + (V_land − V_0)`` — the move's own effect measured, not ``step · |V_w|``; only the
change of that effect between the two states is not known. Where that lands beyond the band
by more than :data:`RETRY_MARGIN_STEPS` of a step, the trial is refused again without a
solve. Measured (flw49; every retry after a stopped refusal in the edge searches, OpenDSS
solving each, the landing its control's voltage in the retry's first power flow): the
landing so told is OpenDSS's within 0.044 step on the IEEE 8500 with its depot (69
retries), 0.016 step on EPRI J1 with homes (18); the retries OpenDSS kept were told at
−0.035 step or lower; the margin tells 47 of the 8500's 70 retries, 8 of J1's 20, and
OpenDSS refused every one of them (tests/test_tap_band_retry.py: 18 of 26 on a feeder of
two banks of single-phase regulators). Only a control without line-drop compensation
(``R = X = 0``) is told: its voltage is the PT's, read from the power flow's node voltages;
with LDC it needs the winding's current, and OpenDSS has already moved the tap back when
the trial stops (the current read then is not the power flow's: IEEE 34's reg2b read 27
steps off), so IEEE 34's reg1/reg2 are solved as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["MARGIN_STEPS", "RETRY_MARGIN_STEPS", "at_band_edge", "compensated_v",
           "moved_from_tie", "refused_again", "refused_ahead", "reg_settings"]

#: A trial is told refused without a solve only when it lands this many tap steps (or more)
#: outside the band (module docstring: 0.26 step the largest miss measured).
MARGIN_STEPS = 0.5
#: A refused trial is told refused again without a solve only when its measured landing,
#: moved with its control's voltage since, lies this many tap steps (or more) outside the
#: band (module docstring: 0.044 step the largest miss measured).
RETRY_MARGIN_STEPS = 0.15


def reg_settings(dss: Any) -> dict[tuple[str, int], dict]:
    """``{("transformer.<name>", winding): settings}`` of every RegControl whose refusals can
    be told ahead (module docstring): ``vreg``, ``band`` (V), ``z`` (``R + jX``, V),
    ``pt`` (PT ratio), ``ct`` (CT primary, A), ``phase`` (0-based PT phase), ``base_v``
    (the PT-secondary base, V: the winding's bus ``kVBase`` over the PT ratio; ``vreg`` where
    the bus has no base)."""
    out: dict[tuple[str, int], dict] = {}
    seen: set[tuple[str, int]] = set()
    i = dss.RegControls.First()
    while i:
        key = (f"transformer.{dss.RegControls.Transformer()}".lower(),
               int(dss.RegControls.Winding()))
        dss.Circuit.SetActiveElement(f"regcontrol.{dss.RegControls.Name()}")
        phase = str(dss.Properties.Value("PTphase")).strip()
        ok = (dss.CktElement.Enabled() and not dss.RegControls.MonitoredBus()
              and not dss.RegControls.IsReversible() and phase.isdigit() and key not in seen)
        if ok:
            dss.Circuit.SetActiveElement(key[0])
            bus = str(dss.CktElement.BusNames()[key[1] - 1]).split(".", 1)[0]
            dss.Circuit.SetActiveBus(bus)
            kv_base = float(dss.Bus.kVBase())
            dss.Circuit.SetActiveElement(f"regcontrol.{dss.RegControls.Name()}")
            pt = float(dss.RegControls.PTRatio())
            out[key] = {"vreg": float(dss.RegControls.ForwardVreg()),
                        "band": float(dss.RegControls.ForwardBand()),
                        "z": complex(dss.RegControls.ForwardR(), dss.RegControls.ForwardX()),
                        "pt": float(dss.RegControls.PTRatio()),
                        "ct": float(dss.RegControls.CTPrimary()), "phase": int(phase) - 1,
                        "base_v": (kv_base * 1000.0 / pt if kv_base > 0 and pt > 0
                                   else float(dss.RegControls.ForwardVreg()))}
        elif key in out:
            del out[key]  # a second control on the winding: solved, not told
        seen.add(key)
        i = dss.RegControls.Next()
    return out


def compensated_v(dss: Any, settings: dict[tuple[str, int], dict]
                  ) -> dict[tuple[str, int], tuple[float, float]]:
    """``{key: (V_c, |V_w / PTratio|)}`` (V on the control's base) of every control in
    ``settings`` from the circuit's present solution (module docstring's law)."""
    out = {}
    for key, s in settings.items():
        dss.Circuit.SetActiveElement(key[0])
        nc = dss.CktElement.NumConductors()
        k = (key[1] - 1) * nc + s["phase"]
        v = np.asarray(dss.CktElement.Voltages(), dtype=float)
        i = np.asarray(dss.CktElement.Currents(), dtype=float)
        if 2 * k + 1 >= min(len(v), len(i)):
            continue
        v_w = complex(v[2 * k], v[2 * k + 1]) / s["pt"]
        i_in = complex(i[2 * k], i[2 * k + 1])  # into the terminal: −I_out
        out[key] = (abs(v_w + i_in / s["ct"] * s["z"]), abs(v_w))
    return out


def refused_ahead(v: tuple[float, float], setting: dict, direction: int, step: float) -> bool:
    """Whether a one-step move (``direction`` +1 up, −1 down, ``step`` pu) from a state whose
    control reads ``v`` (:func:`compensated_v`) lands more than :data:`MARGIN_STEPS` of a step
    outside ``vreg ± band/2`` in the direction moved: its control moves it back.

    >>> s = {"vreg": 120.0, "band": 2.0}
    >>> refused_ahead((120.9, 120.0), s, 1, 0.00625), refused_ahead((120.1, 120.0), s, 1, 0.00625)
    (True, False)
    """
    v_c, v_w = v
    dv = step * v_w
    past = direction * (v_c + direction * dv - (setting["vreg"] + direction * setting["band"] / 2))
    return bool(np.isfinite(past) and past > MARGIN_STEPS * dv)


def at_band_edge(v: tuple[float, float], setting: dict, direction: int, tol_pu: float
                 ) -> bool:
    """Whether a control whose compensated voltage is ``v`` (:func:`compensated_v`) rests
    within ``tol_pu`` of the PT-secondary base (``setting["base_v"]``) of the ``direction``
    edge of its band (+1 ``vreg + band/2``, −1 ``vreg − band/2``), or past it: a tie that
    OpenDSS's solution, converged to ``tol_pu`` from where its iteration starts, decides
    either way (:mod:`protv2g.flow.tap_band`'s tie rule).

    >>> s = {"vreg": 124.0, "band": 2.0, "base_v": 120.0}
    >>> at_band_edge((123.005, 120.0), s, -1, 1e-4), at_band_edge((123.02, 120.0), s, -1, 1e-4)
    (True, False)
    """
    inside = _inside_v(v, setting, direction)
    return bool(np.isfinite(inside) and inside <= tol_pu * setting["base_v"])


def _inside_v(v: tuple[float, float], setting: dict, direction: int) -> float:
    """How far (V) the compensated voltage ``v[0]`` lies inside the ``direction`` edge of its
    band (+1 ``vreg + band/2``, −1 ``vreg − band/2``); negative past it."""
    edge = setting["vreg"] + direction * setting["band"] / 2
    return direction * (edge - v[0])


def moved_from_tie(v: tuple[float, float], setting: dict, direction: int, tol_pu: float
                   ) -> bool:
    """Whether a tap its own control moved ``direction`` (+1 up, −1 down) moved from a tie:
    at the tap it moved from, its compensated voltage ``v`` (:func:`compensated_v`) lies
    within ``tol_pu`` of the PT-secondary base (``setting["base_v"]``) of the band edge that
    drives such a move (the bottom, ``vreg − band/2``, for a move up; the top for a move
    down), on either side: OpenDSS's solution, converged to ``tol_pu`` from where its
    iteration starts, moves it or not depending on that start (:mod:`protv2g.flow.tap_band`'s
    tie rule, as :func:`at_band_edge` reads a band-edge trial's landing).

    >>> s = {"vreg": 124.0, "band": 2.0, "base_v": 120.0}
    >>> moved_from_tie((122.9999, 120.0), s, 1, 1e-4)  # 0.0001 V below 123 V: a tie
    True
    >>> moved_from_tie((122.98, 120.0), s, 1, 1e-4), moved_from_tie((125.005, 120.0), s, -1, 1e-4)
    (False, True)
    """
    inside = _inside_v(v, setting, -direction)
    return bool(np.isfinite(inside) and abs(inside) <= tol_pu * setting["base_v"])


def refused_again(landed_v: float, before_v: float, v: tuple[float, float], setting: dict,
                  direction: int, step: float) -> bool:
    """Whether a one-step move (``direction``, ``step`` pu) that OpenDSS refused from a state
    whose control read ``before_v`` (V), landing at ``landed_v`` (its control's voltage in the
    trial's first power flow), lands more than :data:`RETRY_MARGIN_STEPS` of a step outside
    ``vreg ± band/2`` when tried from a state whose control reads ``v``
    (:func:`compensated_v`): ``v[0] + landed_v − before_v`` (module docstring). A control
    with line-drop compensation is never told (its landing is not read right).

    >>> s = {"vreg": 120.0, "band": 2.0, "z": 0j}
    >>> refused_again(121.3, 120.6, (120.55, 120.0), s, 1, 0.00625)  # lands 1.25 V: 0.33 step
    True
    >>> refused_again(121.1, 120.6, (120.55, 120.0), s, 1, 0.00625)  # 1.05 V: 0.07 step
    False
    """
    if setting.get("z", 0j) != 0:
        return False
    dv = step * v[1]
    edge = setting["vreg"] + direction * setting["band"] / 2
    past = direction * (v[0] + landed_v - before_v - edge)
    return bool(np.isfinite(past) and past > RETRY_MARGIN_STEPS * dv)
