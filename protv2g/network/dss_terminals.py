"""Keeping the terminals a model opens open through OpenDSS's protective-device resets.

OpenDSS forces the element a ``Fuse``, ``Recloser`` or ``Relay`` switches to the device's own
state whenever it recomputes the device (any ``edit`` of it, ``enabled=no`` or ``=yes``:
its ``RecalcElementData``) and whenever it resets its controls (``set mode=faultstudy``).
A device defined before ``Open Line.tie 1`` is still "closed" itself, so either step CLOSES
the tie the model opened and parallels the sources it keeps apart (review rev44b W1: 3ph at
the far feeder's end +65 %, a 1.73 MW reverse flow turned forward). OpenDSS's own snapshot
``Solve`` keeps it open (the device samples the open element and takes its state), so the
state after compiling is the model's. Reproduced with DSS C-API 0.14.5 on a two-source
circuit, one device of each class on the tie: terminal 1 open after the compile, closed
after ``edit <device> enabled=no`` with no solve, closed again after ``enabled=yes`` and after
``set mode=faultstudy``.

:func:`keep_open_terminals` records every opened conductor before such a step and opens
again any the step closed.

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — ``Open``/``Close`` commands, Recloser/Relay/Fuse ``State``/``Action``.
OpenDSS source, ``Relay.pas`` ``TRelayObj.RecalcElementData``: "Open/Close State of
controlled element based on state assigned to the control" (``ControlledElement.Closed[0]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["open_conductors", "reopen", "keep_open_terminals"]

#: ``{"line.tie": ((1, 1), (1, 2), (1, 3))}``: (terminal, conductor) pairs, 1-based
OpenConductors = dict[str, tuple[tuple[int, int], ...]]


def open_conductors(dss) -> OpenConductors:  # noqa: ANN001
    """Every open conductor of every enabled element in the engine (OpenDSS ``IsOpen``)."""
    out: OpenConductors = {}
    for full in dss.Circuit.AllElementNames():
        dss.Circuit.SetActiveElement(full)
        if not dss.CktElement.Enabled():
            continue
        try:
            n_terms = int(dss.CktElement.NumTerminals())
            n_conds = int(dss.CktElement.NumConductors())
            opened = tuple((t, c) for t in range(1, n_terms + 1) if dss.CktElement.IsOpen(t, 0)
                           for c in range(1, n_conds + 1) if dss.CktElement.IsOpen(t, c))
        except Exception:  # noqa: BLE001 - element classes without a terminal state
            continue
        if opened:
            out[str(full).lower()] = opened
    return out


def reopen(dss, opened: OpenConductors) -> list[str]:  # noqa: ANN001
    """Open again every conductor of ``opened`` that is closed now; the elements touched."""
    touched = []
    for full, pairs in opened.items():
        dss.Circuit.SetActiveElement(full)
        closed = [(t, c) for t, c in pairs if not dss.CktElement.IsOpen(t, c)]
        for t, c in closed:
            dss.CktElement.Open(t, c)
        if closed:
            touched.append(full)
    return touched


@contextmanager
def keep_open_terminals(dss) -> Iterator[OpenConductors]:  # noqa: ANN001
    """Run the body, then open again what it closed of the conductors open before it.

    Yields the recorded :data:`OpenConductors` (the model's, when entered on a fresh compile).
    """
    opened = open_conductors(dss)
    try:
        yield opened
    finally:
        reopen(dss, opened)
