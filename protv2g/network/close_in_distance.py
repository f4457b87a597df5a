"""How far past a device its close-in (terminal) fault is placed, and the name of its bus —
one definition for both paths: the pandapower net's split line
(:mod:`protv2g.network.fault_positions`) and the OpenDSS phase model's
(:mod:`protv2g.network.dss_close_in`). A module of its own so the phase-model path reads it
without importing pandapower and without an import loop."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["CLOSE_IN_KM", "MAX_FRACTION_OF_LINE", "close_in_bus_name"]

#: Distance (km) from a device to its close-in fault: 1 m, short enough that the line
#: impedance between device and fault (≈ 0.4 mΩ on a distribution line) is negligible
#: against any source impedance (≥ 0.1 Ω at 12 kV), so the fault is the device's terminal fault.
CLOSE_IN_KM = 0.001
#: The stub is never longer than this fraction of its line (very short lines).
MAX_FRACTION_OF_LINE = 0.1


def close_in_bus_name(devices: Sequence[str]) -> str:
    """Name of the close-in bus of ``devices`` (those at one end of one line):
    ``"R1 close-in"``, ``"F1 + F1b close-in"`` — the devices' names, as a user reads it in the
    Fault currents sheet and in check texts. Both paths use it (an OpenDSS model stores it in
    lower case, as every bus name of the model: ``"f1 close-in"``; the bus exists only in
    protv2g's phase model, never in the OpenDSS circuit, so the space is no problem)."""
    return f"{' + '.join(str(d) for d in devices)} close-in"
