"""The note a fault study raises where the chargers' control finds no PLL-tracking solution.

Both engines (the sequence engine, :mod:`protv2g.engine.slices`, and the phase engine on an
OpenDSS model, :mod:`protv2g.engine.phase.study`) solve such rows with the PLL held at the
pre-fault angle and flag them ``pll_frozen``; the note says so in words a protection engineer
can act on (review s27 §8), and the CLI completes it with the buses
(:func:`protv2g.cli._pll_detail`). Review rev31 §7: the phase engine flagged its rows silently,
so a run on an OpenDSS feeder printed no note.
"""

from __future__ import annotations

import math
import warnings

from protv2g.slice_note import UNIT_WORDS, PllNote, SliceNote
from protv2g.units import Case, FaultType

__all__ = ["PllNote", "SliceNote", "warn_pll_frozen", "warn_slice"]


def warn_slice(text: str, scenario: str, case: Case, fault_type: FaultType,
               stacklevel: int = 3) -> None:
    """Warn :class:`SliceNote` ``text`` of the slice (``scenario``, ``case``, ``fault_type``)."""
    warnings.warn(SliceNote(text, f"scenario {scenario}, {case.value}, {fault_type.value}"),
                  stacklevel=stacklevel + 1)


def warn_pll_frozen(n_buses: int, scenario: str, case: Case, fault_type: FaultType,
                    worst_residual_pu: float | None = None, stacklevel: int = 3, *,
                    units: str = "chargers") -> None:
    """Warn (:class:`~protv2g.slice_note.PllNote`, a ``RuntimeWarning``) that ``n_buses``
    fault buses of a (scenario, case, fault type) have converters solved with the PLL held;
    nothing when ``n_buses`` is 0.

    Parameters
    ----------
    n_buses : int
        Fault buses with ``pll_frozen`` rows.
    worst_residual_pu : float, optional
        The smallest tracking residual of those buses, pu (the sequence engine's); not said
        when ``None`` or not finite.
    units : {"chargers", "existing inverters", "chargers and existing inverters"}
        Whose control it is: the V2G sites', the feeder's own inverters (PV, storage, by
        their law), or both (review rev36b X1: ``init`` on EPRI J1, no site yet, spoke of
        "the chargers'" for its 13 PV systems).
    """
    if n_buses <= 0:
        return
    if units not in UNIT_WORDS:
        raise ValueError(f"warn_pll_frozen: units {units!r} not one of {sorted(UNIT_WORDS)}")
    residual = (None if worst_residual_pu is None or not math.isfinite(worst_residual_pu)
                else float(worst_residual_pu))
    warnings.warn(PllNote(f"scenario {scenario}, {case.value}, {fault_type.value}", n_buses,
                          residual, units), stacklevel=stacklevel + 1)
