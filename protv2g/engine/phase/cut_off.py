"""Charger units that a fault cuts off from every grid source: their PLL is held.

A grid-following unit's PLL locks on to its terminal voltage. Where a bolted fault lies on
every path between the unit and every source of the network (the substation's Vsource, a
synchronous machine), no voltage of the grid reaches the unit: what it measures is the
voltage its own current (and the other cut-off units') drives through the island, and the
tracking equations ``I = A·e^(−jφ)·V/|V|`` with ``V = B·I`` are invariant under a common
rotation of the island's currents (``docs/charger-fault-model.md`` §4): any angle Newton
settles on is its start's, a convergence accident (review rev37b F3: IEEE 34, 3ph at the
substation bus 800, the chargers' first-cycle current at +36°, ~120° from the grid's, the
fault level 0.765 kA with them against 0.790 kA without, flagged in one participation and not
in the other). Such a unit holds the pre-fault angle, in every participation.

Why not the terminal voltage itself
-----------------------------------
The engine's open-circuit site voltage ``a = V0_C − Z_CP·M·V0_P`` uses the IEC 60909
equivalent-source pre-fault state, ``c·Un/√3`` on every node (:mod:`.prefault`), which is not
the network's own solution where it has shunt admittance (line charging; the classical
method's loads): for a unit behind a bolted fault ``a`` is ``V0_C − Z_CP·Z_PP⁻¹·V0_P ≠ 0``
— 0.04–0.07 pu on IEEE 34 with its lines' charging (measured, rev37b's study; the review's
0.019 pu is one of them), comparable with the law's PLL floor (0.1 pu) and with what a healthy
unit near a fault sees (0.006–0.09 pu), so no threshold on ``|a|`` separates the two.

The rule
--------
The grid's own drive is computed instead: ``J`` = the node currents ``Y·V0`` at the sources'
nodes only (their Norton injections; ``model.sources``: Vsource, Generator, IndMach012
terminals), ``d = Y⁻¹·J`` the voltages they alone drive (:func:`grid_drive`), and with the
fault in place ``g = d_C − Z_CP·M·d_P`` — the formula of ``a`` on ``d``. A bolted fault on
every path from ``C`` to the sources makes ``g`` exactly 0 whatever the shunts (the fault
nodes separate ``C`` from ``J``: ``Z_C,s = Z_CP·Z_PP⁻¹·Z_P,s``); any path past the fault
(fault impedance, a parallel feed, mutual coupling of a phase the fault leaves alone) leaves
it finite. A unit is cut off when its law voltage (``V1`` of a fleet, its own phase or
line-to-line voltage for a single-phase unit) of ``g`` is at most :data:`CUT_OFF_RATIO` of
that of ``d_C`` (its pre-fault drive).

:data:`CUT_OFF_RATIO` = 1e-6: the computed ``g`` of cut-off units is rounding (≤ 4.5e-9 of
the pre-fault drive on IEEE 34 with rev37b's site transformers, 2.5e-13 at the source bus),
while the smallest real drive found there is 1e-2 (the campus at 824 for a 3ph
fault at 828, one line section past it). 1e-6 pu is 1e-5 of the law's PLL floor
``V_PLL = 0.1`` pu (:data:`protv2g.engine.control_law.V_PLL_MIN_PU`): the law's own blend
``w = |V1|/V_PLL`` would give such a grid voltage a weight of at most 1e-5 were the unit's own
current absent — no PLL measures it. Drives between 1e-6 and the floor are left to the law
and the solver (the held-PLL fallback where no tracking solution exists, flagged as before).

What changes: the cut-off units' PLL angle is the pre-fault one in every stage (the law still
reads ``|V|``: active-power priority, ride-through), their open-circuit voltage is 0 (the
island has no source, instead of the IEC superposition's offset), and the row is flagged
``pll_frozen``; the row's other units keep tracking (the solver's fallback holds every unit
of a row). A unit AT the faulted bus (its voltage 0 whatever the currents: ``S·B·T`` of
it below :data:`SHORTED_PU`) is held by the law's own floor already (``V1 = 0``: the
pre-fault angle); its row is not flagged for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from protv2g.engine.phase.sites import SiteLaw
    from protv2g.engine.phase.system import FaultSystem

__all__ = ["CUT_OFF_RATIO", "SHORTED_PU", "grid_drive", "cut_off_units"]

#: a unit is cut off when the grid's drive of its law voltage with the fault in place is at
#: most this fraction of its pre-fault drive (module docstring: 1e-5 of the PLL floor)
CUT_OFF_RATIO = 1e-6
#: a unit whose law voltage its units' limits move by at most this (pu) is at the fault
SHORTED_PU = 1e-9


def grid_drive(system: FaultSystem, v0: np.ndarray) -> np.ndarray | None:
    """Node voltages the network's sources alone drive, ``(s,)`` complex V.

    ``d = Y⁻¹·J`` with ``J = (Y·V0)`` on the sources' nodes (``model.sources``) and 0
    elsewhere: the sources' Norton injections for the pre-fault state ``v0`` (module
    docstring). ``None`` when no source node is energised.
    """
    src = system.local[np.asarray(system.model.sources, dtype=np.int64)]
    src = np.unique(src[src >= 0])
    if not len(src):
        return None
    j = np.zeros(len(system.nodes), dtype=complex)
    j[src] = (system.y @ np.asarray(v0, complex))[src]
    return np.asarray(system.lu.solve(j), complex)


def cut_off_units(law: SiteLaw, d_c: np.ndarray, g: np.ndarray, b: np.ndarray
                  ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Units cut off from every source, and the rows to flag.

    Parameters
    ----------
    law : SiteLaw
    d_c : numpy.ndarray
        ``(q,)`` the sources' pre-fault drive at the site conductors, V (:func:`grid_drive`).
    g : numpy.ndarray
        ``(m, q)`` the same with each row's fault in place, ``d_C − Z_CP·M·d_P``, V.
    b : numpy.ndarray
        ``(m, q, q)`` ``∂V_C/∂I_C`` with the fault in place, Ω.

    Returns
    -------
    held : numpy.ndarray or None
        ``(m, n_units)`` bool, the cut-off units (``None``: none in any row).
    flag : numpy.ndarray or None
        ``(m,)`` bool: rows with a cut-off unit whose voltage its units' currents set (not
        one at the faulted bus itself).
    """
    _, s = law.unit_maps
    pre = np.abs(s @ d_c)                                   # (u,)
    now = np.abs(np.einsum("mq,uq->mu", g, s))              # (m, u)
    held = (now <= CUT_OFF_RATIO * pre[None, :]) & (pre[None, :] > 0)
    if not held.any():
        return None, None
    rows = np.flatnonzero(held.any(axis=1))
    reach = np.einsum("muv,v->mu", np.abs(law.unit_matrix(b[rows])), law.unit_i_fc)
    flag = np.zeros(len(g), dtype=bool)
    flag[rows] = (held[rows] & (reach > SHORTED_PU)).any(axis=1)
    return held, flag
