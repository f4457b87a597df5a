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

from protv2g.units import Case, FaultType

__all__ = ["warn_pll_frozen"]


def warn_pll_frozen(n_buses: int, scenario: str, case: Case, fault_type: FaultType,
                    worst_residual_pu: float | None = None, stacklevel: int = 3) -> None:
    """Warn (``RuntimeWarning``) that ``n_buses`` fault buses of a (scenario, case, fault type)
    have chargers solved with the PLL held; nothing when ``n_buses`` is 0.

    Parameters
    ----------
    n_buses : int
        Fault buses with ``pll_frozen`` rows.
    worst_residual_pu : float, optional
        The smallest tracking residual of those buses, pu (the sequence engine's); not said
        when ``None`` or not finite.
    """
    if n_buses <= 0:
        return
    residual = ("" if worst_residual_pu is None or not math.isfinite(worst_residual_pu)
                else f"; smallest tracking residual {worst_residual_pu:.2e} pu")
    warnings.warn(f"{n_buses} fault bus(es) where the chargers' control cannot lock on to "
                  "the grid voltage (no PLL-tracking solution: a fault on the path between a "
                  "charger and the grid's source, near the source or far along a long feeder, "
                  "leaves the charger's own current setting its terminal voltage"
                  + residual + "): the chargers' current there is an estimate, "
                  "its angle held at the pre-fault value and its magnitude within the limit "
                  "(a real charger loses phase lock and ceases or trips); those rows are "
                  "flagged in the `pll_frozen` column — "
                  "nothing to do unless a finding's worst row is at one of these buses, "
                  "then confirm the charger's loss-of-lock behaviour with its maker "
                  f"(scenario {scenario}, {case.value}, {fault_type.value})",
                  RuntimeWarning, stacklevel=stacklevel + 1)
