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

from protv2g.slice_note import SliceNote
from protv2g.units import Case, FaultType

__all__ = ["SliceNote", "warn_pll_frozen", "warn_slice"]


def warn_slice(text: str, scenario: str, case: Case, fault_type: FaultType,
               stacklevel: int = 3) -> None:
    """Warn :class:`SliceNote` ``text`` of the slice (``scenario``, ``case``, ``fault_type``)."""
    warnings.warn(SliceNote(text, f"scenario {scenario}, {case.value}, {fault_type.value}"),
                  stacklevel=stacklevel + 1)


def warn_pll_frozen(n_buses: int, scenario: str, case: Case, fault_type: FaultType,
                    worst_residual_pu: float | None = None, stacklevel: int = 3, *,
                    units: str = "chargers") -> None:
    """Warn (:class:`SliceNote`, a ``RuntimeWarning``) that ``n_buses`` fault buses of a
    (scenario, case, fault type) have converters solved with the PLL held; nothing when
    ``n_buses`` is 0.

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
    if units not in _UNIT_WORDS:
        raise ValueError(f"warn_pll_frozen: units {units!r} not one of {sorted(_UNIT_WORDS)}")
    whose, one, maker = _UNIT_WORDS[units]
    residual = ("" if worst_residual_pu is None or not math.isfinite(worst_residual_pu)
                else f"; smallest tracking residual {worst_residual_pu:.2e} pu")
    warn_slice(f"{n_buses} fault bus(es) where {whose} control cannot lock on to "
               "the grid voltage (no PLL-tracking solution: a fault on the path between "
               f"{one} and the grid's source, near the source or far along a long feeder, "
               "leaves its own current setting its terminal voltage"
               + residual + f"): {whose} current there is an estimate, "
               "its angle held at the pre-fault value and its magnitude within the limit "
               "(a real converter loses phase lock and ceases or trips); those rows are "
               "flagged in the `pll_frozen` column — "
               "nothing to do unless a finding's worst row is at one of these buses, "
               f"then confirm {maker} loss-of-lock behaviour with its maker",
               scenario, case, fault_type, stacklevel=stacklevel + 1)


#: whose control, "between … and the grid", whose loss-of-lock behaviour.
_UNIT_WORDS = {
    "chargers": ("the chargers'", "a charger", "the charger's"),
    "existing inverters": ("the feeder's existing inverters' (PV, storage)", "an inverter",
                           "the inverter's"),
    "chargers and existing inverters": (
        "the chargers' and the feeder's existing inverters'", "a converter",
        "each converter's"),
}
