"""OpenDSS's own protective-device timing, for tests: a fault held until a device opens.

OpenDSS (through ``opendssdirect``) is solved in dynamics mode with ``controlmode=time``; its
Relay, Recloser and Fuse controls sample the currents at every step and schedule the opening
at their trip time (``TRelayObj.OvercurrentLogic``, ``TRecloserObj.Sample``,
``TFuseObj.Sample``). The first step at which a phase of the watched element is open gives
the opening time; it is late by at most one step (``STEP_S``), which is well inside the tests'
0.5 % at the times used. Nothing of protv2g takes part: this is the reference.
"""

from __future__ import annotations

import cmath
from dataclasses import dataclass
from pathlib import Path

import opendssdirect as dss

#: Time step of the dynamics solution (s); the opening time is resolved to it.
STEP_S = 1.0e-4


@dataclass(frozen=True)
class Opening:
    """When OpenDSS opened ``line``, and the currents it saw there with the fault on."""

    t_s: float | None
    i_phase_a: float
    i_ground_a: float


def _compile(master: Path, extra: list[str]) -> None:
    dss.Text.Command("clear")
    dss.Text.Command(f'compile "{master}"')
    for command in extra:
        dss.Text.Command(command)
    dss.Text.Command("set controlmode=off")
    dss.Text.Command("solve")


def opening(master: Path, fault: str, line: str, extra: tuple[str, ...] = (),
            t_end_s: float = 2.0) -> Opening:
    """Opening time (s) of ``Line.<line>`` after ``fault`` (a ``New Fault`` command) at t = 0.

    ``extra`` commands run after compiling ``master`` (e.g. ``edit relay.r1 delay=0``).
    ``t_s`` is ``None`` when nothing opens within ``t_end_s``.
    """
    _compile(master, list(extra))
    dss.Text.Command(fault)
    # snapshot with the fault and the controls off: the currents the devices see
    dss.Text.Command("set controlmode=off")
    dss.Text.Command("solve")
    dss.Circuit.SetActiveElement(f"Line.{line}")
    n = dss.CktElement.NumPhases()
    mag_ang = dss.CktElement.CurrentsMagAng()[: 2 * n]
    phasors = [cmath.rect(mag_ang[2 * k], cmath.pi / 180.0 * mag_ang[2 * k + 1])
               for k in range(n)]
    i_phase = max(abs(p) for p in phasors)
    i_ground = abs(sum(phasors))
    dss.Text.Command(f"set mode=dynamics stepsize={STEP_S} number=1 controlmode=time")
    for _ in range(int(round(t_end_s / STEP_S))):
        dss.Solution.Solve()
        dss.Circuit.SetActiveElement(f"Line.{line}")
        if any(dss.CktElement.IsOpen(1, p) for p in range(1, n + 1)):
            return Opening(float(dss.Solution.Seconds()), i_phase, i_ground)
    return Opening(None, i_phase, i_ground)
