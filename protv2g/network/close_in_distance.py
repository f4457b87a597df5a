"""How far past a device its close-in (terminal) fault is placed, and the name of its bus —
one definition for both paths: the pandapower net's split line
(:mod:`protv2g.network.fault_positions`) and the OpenDSS phase model's
(:mod:`protv2g.network.dss_close_in`). A module of its own so the phase-model path reads it
without importing pandapower and without an import loop."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["CLOSE_IN_KM", "MAX_FRACTION_OF_LINE", "TRANSFORMER_STUB_X_PU", "close_in_bus_name",
           "transformer_stub_x_ohm"]

#: Distance (km) from a device to its close-in fault: 1 m, short enough that the line
#: impedance between device and fault (≈ 0.4 mΩ on a distribution line) is negligible
#: against any source impedance (≥ 0.1 Ω at 12 kV), so the fault is the device's terminal fault.
CLOSE_IN_KM = 0.001
#: The stub is never longer than this fraction of its line (very short lines).
MAX_FRACTION_OF_LINE = 0.1


#: Reactance of the stub between a transformer's bus and the close-in bus of a device on the
#: transformer (review rev33a W1: a fuse on a transformer's terminal must interrupt the fault at
#: that terminal, not only the through-fault): per unit on the bus's nominal voltage and 1 MVA
#: (≈ 0.12 mΩ at 34.5 kV, 0.016 mΩ at 12.47 kV, 0.023 µΩ at 480 V). A transformer cannot be split
#: like a line, so the device gets a stub of its own, as its short lead to the bushing: this
#: small, so that the close-in fault is the fault at the bus to < 0.1 % (a bus's Thevenin
#: impedance is ≥ 1e-4 pu on that base: ≥ 0.1 Ω at 34.5 kV, ≥ 23 µΩ at 480 V), and purely
#: reactive, so that it adds no resistance and the bus's X/R (the asymmetry of the device's
#: duty) is kept; the same per-unit size as a 1 m stub of a 34.5 kV line (≈ 3e-7 pu), which
#: the engines' factorisations already take.
TRANSFORMER_STUB_X_PU = 1e-7


def transformer_stub_x_ohm(kv_ll: float) -> float:
    """The stub reactance (Ω, positive and zero sequence alike) at a bus of ``kv_ll`` kV
    line to line: :data:`TRANSFORMER_STUB_X_PU` × ``kv_ll``² / 1 MVA.

    Raises
    ------
    ValueError
        For a non-positive ``kv_ll``.
    """
    if not kv_ll > 0:
        raise ValueError(f"kv_ll must be > 0, got {kv_ll!r}")
    return TRANSFORMER_STUB_X_PU * float(kv_ll) ** 2


def close_in_bus_name(devices: Sequence[str]) -> str:
    """Name of the close-in bus of ``devices`` (those at one end of one line):
    ``"R1 close-in"``, ``"F1 + F1b close-in"`` — the devices' names, as a user reads it in the
    Fault currents sheet and in check texts. Both paths use it (an OpenDSS model stores it in
    lower case, as every bus name of the model: ``"f1 close-in"``; the bus exists only in
    protv2g's phase model, never in the OpenDSS circuit, so the space is no problem)."""
    return f"{' + '.join(str(d) for d in devices)} close-in"
