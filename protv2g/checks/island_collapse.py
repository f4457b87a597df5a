"""How long a small DER can energise the island a reclosing device leaves it (C10).

When a reclosing device opens with DER behind it whose current-limited output is far below
the load it leaves behind, the island cannot hold its voltage: a grid-following converter is a
current source limited to ``I_lim`` (pu of its kVA rating), and the island's load takes what
that current gives. With the load as a constant impedance of conductance
``G = P_min / V_n²`` (its minimum, light-load, active power at nominal voltage), the island's
voltage is

    ``V_island = Σ_k I_lim,k · S_k / P_min``   (pu; ``S_k`` the sites' kVA, ``P_min`` in kW)

— Ohm's law on the load's conductance, ``|V| = |I| / |Y| ≤ |I| / G`` whatever the island's
reactive balance (load vars, capacitors): the conductance alone gives the highest voltage.
A constant-power or constant-current load collapses it further: the converter's current
``I_lim · S`` is below what such a load draws at any voltage (``P_min / V`` or ``P_min``), so
no operating point exists and the voltage falls until the unit trips. The constant-impedance
figure is therefore the **highest-voltage (worst) end** of the load-model bracket, and it is
the one that decides here. Neglected: the drop of the limited current on the path between
the unit and the load (a service transformer, ≈ ``I_lim ·`` its impedance on the unit's kVA,
a few hundredths of a pu), which would lower the load's voltage, not the unit's terminals.

**Which current.** The limit that holds over the island's life is the unit's *sustained* one,
not its first-cycle ``limit_pu``: after the first cycle a grid-following converter's output is
what its control law commands within its sustained limit (``docs/charger-fault-model.md`` §3,
the fault engine's stages; 1.0–1.2 pu published for grid-following inverters,
``../shared/reference/der/inverter_fault_current_and_reclosing.csv``; IEEE 1547-2018 sets no
fault-current level, its §6.4 ride-through and Tables 11–13 trips act on the voltage the
current makes). The first-cycle limit (default 1.5 pu, a planning multiplier no inverter
sustains for seconds) bounds the first cycle only. The sustained limit is uncertain between the
fault engine's two ends (:attr:`~protv2g.study.schema.V2GSite.sustained_limit` low,
:attr:`~protv2g.study.schema.V2GSite.sustained_limit_high` high, 1.1 / 1.2 pu by default): the
high end gives the higher voltage, less UV2 credit, and decides; where the ends disagree the
row says that the low end would credit UV2. Where the first cycle's voltage is not below
UV2's pickup while the sustained one is, UV2 picks up at most one cycle late: the window
gains ``1/f``.

Below its UV2 pickup the unit trips within UV2's clearing time (IEEE Std 1547-2018
Tables 11–13, default settings; Category I/II 0.45 pu 0.16 s, Category III 0.50 pu 2.0 s,
``../shared/reference/der/ieee1547_2018_trip_defaults.csv``), so the island lives that long,
not up to the cease-to-energise bound of §8.1 (2 s). Category III's momentary cessation below
0.50 pu (Table 16) would stop the current sooner; it is not credited (the unit stays connected
and may resume). The window is the shorter of the UV2 clearing time and the declared
cease-to-energise time; where the island's voltage at the worst end is not below UV2, the
declared cease time.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["UV2_TRIP", "collapsed_island_v_pu", "island_window_s"]

#: ``mechanism`` of a C10 V2G row whose window is the unit's UV2 trip on the collapsed island
#: (:mod:`protv2g.checks.reclosing`): it rests on the UV2 setting (``ride_through_category``
#: or ``voltage_trip``), the current limit and the minimum load, not on the declared
#: ``cease_to_energize_s`` (:mod:`protv2g.input_basis` names them; review ver40b M, EPRI J1
#: F03); empty where the declared cease time is the window.
UV2_TRIP = "UV2 trip ends the island"


def collapsed_island_v_pu(s_limit_kva: ArrayLike, p_min_kw: ArrayLike) -> np.ndarray:
    """Island voltage (pu) with current-limited DER feeding a constant-impedance load.

    Parameters
    ----------
    s_limit_kva : array_like
        The DER's current limit times its rating, ``Σ I_lim,k (pu) · S_k (kVA)``: the kVA it
        delivers at 1 pu voltage when limited.
    p_min_kw : array_like
        The island's minimum active load at nominal voltage, kW.

    Returns
    -------
    numpy.ndarray
        ``s_limit_kva / p_min_kw`` (pu; the module docstring: Ohm's law on the load's
        conductance, the highest-voltage end of the load-model bracket); ``inf`` where there
        is no load (an island of the DER alone holds its voltage).
    """
    s = np.asarray(s_limit_kva, dtype=float)
    p = np.asarray(p_min_kw, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, s / np.where(p > 0, p, 1.0), np.inf)


def island_window_s(v_island_pu: ArrayLike, uv2_pickup_pu: ArrayLike,
                    uv2_clearing_s: ArrayLike, cease_s: ArrayLike,
                    v_first_cycle_pu: ArrayLike | None = None, first_cycle_s: ArrayLike = 0.0
                    ) -> tuple[np.ndarray, np.ndarray]:
    """How long the DER may energise the island, s, and whether UV2 ends it.

    Parameters
    ----------
    v_island_pu : array_like
        The island's voltage after the first cycle, at the worst end: the chargers at the
        high end of their sustained current limit (:func:`collapsed_island_v_pu`; module
        docstring).
    uv2_pickup_pu, uv2_clearing_s : array_like
        The unit's UV2 trip setting (IEEE 1547-2018 Tables 11–13 by category, or the site's
        ``voltage_trip``).
    cease_s : array_like
        The declared cease-to-energise time (``cease_to_energize_s``; §8.1: at most 2 s).
    v_first_cycle_pu : array_like, optional
        The island's voltage in the first cycle, at the first-cycle limit ``limit_pu``: an
        upper bound for that cycle only. Where it is not below UV2's pickup, the UV2 timer
        starts at most ``first_cycle_s`` late (the module docstring); ``None``: no delay.
    first_cycle_s : array_like
        One cycle of the system frequency, s (``1/f``, as the fault engine's first stage).

    Returns
    -------
    window_s : numpy.ndarray
        ``min(uv2_clearing_s + delay, cease_s)`` where ``v_island_pu < uv2_pickup_pu``
        (``delay`` ``first_cycle_s`` where the first cycle is not below the pickup, else 0),
        else ``cease_s``.
    by_uv2 : numpy.ndarray of bool
        Where the UV2 trip ends the island.
    """
    v, pick = np.asarray(v_island_pu, dtype=float), np.asarray(uv2_pickup_pu, dtype=float)
    clear, cease = np.asarray(uv2_clearing_s, dtype=float), np.asarray(cease_s, dtype=float)
    by_uv2 = v < pick
    if v_first_cycle_pu is not None:
        late = np.asarray(v_first_cycle_pu, dtype=float) >= pick
        clear = clear + np.where(late, np.asarray(first_cycle_s, dtype=float), 0.0)
    return np.where(by_uv2, np.minimum(clear, cease), cease), by_uv2
