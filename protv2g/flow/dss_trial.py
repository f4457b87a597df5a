"""A regulator's band-edge trial solved by OpenDSS's own snapshot loop, stopped as soon as
the trial's control moves its tap back (:func:`~protv2g.flow.tap_band.band_edge`, issue #21).

OpenDSS solves a snapshot (``Solve`` in snapshot mode, ``TSolutionObj.SolveSnap``) as
``SnapShotInit``, then control iterations: each one a power flow without controls
(``SolveCircuit``) and ``CheckControls`` — the controls sample the solution and the
queue's nearest actions are done (static control mode: ``DoNearestActions``) — until no
control acts (``ControlActionsDone``) or ``MaxControlIterations`` (R. C. Dugan, D.
Montenegro, "Reference Guide: The Open Distribution System Simulator (OpenDSS)", EPRI, 2020:
snapshot mode and control iterations; DSS C-API ``Solution.pas``). :func:`solve_trial`
runs the same loop through the C-API's own entry points (``Solution_InitSnap``,
``Solution_SolveNoControl`` = ``SolveCircuit``, ``Solution_CheckControls``) and stops after
the first control iteration when it moved the trial's winding back, against the trial's
direction: a band-edge trial is kept only where its control leaves the tap where it was put,
and a control that moves it back from the trial does not move it there again (its
compensated voltage one step back is where the search's state held it, inside its band).
The rest of the loop — 1–4 power flows and control iterations more of the 2–5 of a refused
trial on the IEEE 8500 — is what is saved. Any other trial runs the loop to its end as
``Solve`` does. A stopped trial leaves the circuit at its first power flow's voltages, where
the next solve starts: OpenDSS's solutions then move within its convergence tolerance, and
:mod:`protv2g.flow.tap_band`'s tie rule keeps a band edge from moving with them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TRIAL_REFUSED", "TRIAL_SOLVED", "TRIAL_FAILED", "solve_trial"]

#: The trial's control moved its tap back in the first control iteration (loop stopped).
TRIAL_REFUSED = "refused"
#: The loop ran to its end and converged.
TRIAL_SOLVED = "solved"
#: The loop did not converge or ran out of control iterations.
TRIAL_FAILED = "failed"
#: A tap is where it was put within this (pu).
_SAME_TAP_PU = 1e-9


def solve_trial(dss: Any, transformer: str, winding: int, tap_pu: float, direction: int
                ) -> str:
    """Solve the circuit's snapshot as OpenDSS's ``SolveSnap`` does (module docstring) from
    the taps as they are set, the trial's winding (``transformer`` without its class,
    ``winding``) at ``tap_pu``, moved ``direction`` (+1 up, −1 down); stop after the first
    control iteration if it moved that winding's tap against ``direction``.

    Returns :data:`TRIAL_REFUSED`, :data:`TRIAL_SOLVED` or :data:`TRIAL_FAILED`.
    """
    sol = dss.Solution
    sol.InitSnap()
    most = int(sol.MaxControlIterations())
    first = True
    while True:
        sol.ControlIterations(int(sol.ControlIterations()) + 1)
        sol.SolveNoControl()
        sol.CheckControls()
        if first:
            first = False
            dss.Transformers.Name(transformer)
            dss.Transformers.Wdg(winding)
            moved = float(dss.Transformers.Tap()) - tap_pu
            if sol.Converged() and direction * moved < -_SAME_TAP_PU:
                return TRIAL_REFUSED
        if sol.ControlActionsDone() or int(sol.ControlIterations()) >= most:
            break
    return TRIAL_SOLVED if sol.ControlActionsDone() and sol.Converged() else TRIAL_FAILED
