"""Inverter-based charger sources during a fault, and the superposition iteration.

A charger is a current source at its bus (grid following) or a voltage source behind an
impedance (grid forming). Its fault current depends on its own terminal voltage, which depends on
every injection and on the fault current, so the injections are iterated to a fixed point on the
same factorisation: ``V = V_pre + Z·I_inj − Z[:, f]·I_f`` restricted to the charger buses.

Grid-following control law (per unit of the system base), IEEE 1547-2018 / IEEE 2800-2022 style:

* ``I_lim = limit_pu · I_rated``; ``ceased`` → 0 A.
* negative sequence (optional): ``I2 = j·k2·V2·I_rated`` (leads ``V2`` by 90°), ``|I2| ≤ I_lim``;
* positive sequence at the remaining limit ``|I1| = I_lim − |I2|`` (so no phase current exceeds
  ``I_lim``), angle ``∠V1 − φ``: ``UNITY_PF`` → ``φ`` = pre-fault power-factor angle
  (0 when exporting or idle, 180° when charging), ``REACTIVE`` → ``φ = 90°`` (lagging);
  below ``V_PLL_MIN_PU`` (0.1 pu) the PLL cannot track: the reference angle blends linearly
  (in ``|V1|``) into the pre-fault angle, which is held at ``V1 = 0``.

Grid forming: internal EMF ``E = V_pre + z·I_pre`` behind ``z`` (``z_source_pu`` on the
charger rating), ``I1 = (E − V1)/z``, ``I2 = −V2/z``; if ``|I1| + |I2| > I_lim`` both are scaled
down to the limit (angles kept).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.units import AngleRule, ChargerControl, ChargerMode

__all__ = ["ChargerSource", "ChargerArrays", "charger_arrays", "gfl_injection", "gfm_injection"]


@dataclass(frozen=True)
class ChargerSource:
    """A V2G site as a fault-current source.

    Parameters
    ----------
    name : str
        Site name (unique within a scenario).
    bus : int
        pandapower bus index of the connection point.
    s_rated_mva : float
        Participating inverter rating (number of participating chargers × rating), MVA.
    limit_pu : float
        Fault-current limit in per unit of the rated current.
    angle_rule : AngleRule
        Angle of the positive-sequence fault current relative to the terminal voltage.
    control : ChargerControl
        Grid following (current source) or grid forming (voltage source behind impedance).
    mode : ChargerMode
        Exporting, charging, idle (all inject per control) or ceased (0 A).
    p_pre_mw, q_pre_mvar : float
        Pre-fault injection (positive = export), MW / Mvar; sets the ``UNITY_PF`` angle and the
        grid-forming EMF.
    k2 : float
        Negative-sequence gain, pu current per pu ``V2`` (0 = positive sequence only).
    z_source_pu : complex or None
        Grid-forming source impedance on the charger rating (default ``0.05 + 0.15j``).
    """

    name: str
    bus: int
    s_rated_mva: float
    limit_pu: float = 1.2
    angle_rule: AngleRule = AngleRule.UNITY_PF
    control: ChargerControl = ChargerControl.GRID_FOLLOWING
    mode: ChargerMode = ChargerMode.EXPORTING
    p_pre_mw: float = 0.0
    q_pre_mvar: float = 0.0
    k2: float = 0.0
    z_source_pu: complex | None = None


#: below this positive-sequence terminal voltage the PLL holds the pre-fault angle
V_PLL_MIN_PU = 0.1

#: default grid-forming source impedance on the charger rating (per unit)
Z_GFM_DEFAULT_PU = 0.05 + 0.15j


@dataclass
class ChargerArrays:
    """Vectorised charger parameters in the system per-unit base."""

    i_lim_pu: np.ndarray      # current limit (0 when ceased)
    i_rated_pu: np.ndarray
    phi_rad: np.ndarray       # angle of V1 minus angle of I1 for grid-following sources
    k2: np.ndarray
    gfm: np.ndarray           # bool: grid forming
    z_gfm_pu: np.ndarray      # source impedance on the system base (grid forming)
    s_pre_pu: np.ndarray      # pre-fault complex injection


def charger_arrays(chargers: list[ChargerSource], base_mva: float) -> ChargerArrays:
    """Parameters of ``chargers`` as arrays on the system base ``base_mva`` (vectorised)."""
    if not chargers:
        z = np.zeros(0)
        return ChargerArrays(i_lim_pu=z, i_rated_pu=z, phi_rad=z, k2=z,
                             gfm=np.zeros(0, dtype=bool), z_gfm_pu=z.astype(complex),
                             s_pre_pu=z.astype(complex))
    rows = [(c.s_rated_mva, c.limit_pu, str(c.mode), str(c.angle_rule), str(c.control),
             c.p_pre_mw, c.q_pre_mvar, c.k2,
             Z_GFM_DEFAULT_PU if c.z_source_pu is None else complex(c.z_source_pu))
            for c in chargers]
    cols = [np.array(x) for x in zip(*rows, strict=True)]
    s_rated, limit, mode, rule, control, p_mw, q_mvar, k2, z_rated = cols
    for values, enum in ((mode, ChargerMode), (rule, AngleRule), (control, ChargerControl)):
        for v in np.unique(values):
            enum(v)  # unknown value → ValueError listing the allowed ones
    s_rated, p_mw, q_mvar = (x.astype(float) for x in (s_rated, p_mw, q_mvar))
    i_rated = s_rated / base_mva
    lim = limit.astype(float) * i_rated
    lim[mode == ChargerMode.CEASED.value] = 0.0
    charging = mode == ChargerMode.CHARGING.value
    p_eff = np.where(charging, -np.abs(p_mw), p_mw)
    has_pq = (p_eff != 0) | (q_mvar != 0)
    phi = np.where(has_pq, np.angle(p_eff + 1j * q_mvar), np.where(charging, np.pi, 0.0))
    phi = np.where(rule == AngleRule.REACTIVE.value, np.pi / 2, phi)
    gfm = control == ChargerControl.GRID_FORMING.value
    with np.errstate(divide="ignore", invalid="ignore"):
        z_sys = np.where(s_rated > 0, z_rated.astype(complex) * base_mva
                         / np.where(s_rated > 0, s_rated, 1), 0)
    s_pre = (p_mw + 1j * q_mvar) / base_mva
    return ChargerArrays(i_lim_pu=lim, i_rated_pu=i_rated, phi_rad=phi,
                         k2=k2.astype(float), gfm=gfm, z_gfm_pu=z_sys, s_pre_pu=s_pre)


def gfl_injection(v1: np.ndarray, v2: np.ndarray, v1_ref: np.ndarray, p: ChargerArrays
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Grid-following injections ``(I1, I2)`` (per unit) for terminal voltages ``v1, v2``.

    Arrays are ``(k, m)`` (charger × fault bus); ``v1_ref`` gives the angle where ``|V1|≈0``.
    """
    lim = p.i_lim_pu[:, None]
    i2 = 1j * p.k2[:, None] * p.i_rated_pu[:, None] * v2
    a2 = np.abs(i2)
    scale = np.where(a2 > lim, lim / np.where(a2 > 0, a2, 1.0), 1.0)
    i2 = i2 * scale
    mag1 = lim - np.abs(i2)
    # PLL reference: the terminal voltage, blended continuously into the pre-fault angle as
    # |V1| falls below V_PLL_MIN_PU (a hard switch makes the fixed point oscillate)
    mag_v = np.abs(v1)
    w = np.minimum(mag_v / V_PLL_MIN_PU, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit_v = np.where(mag_v > 0, v1 / mag_v, 0)
    unit_ref = v1_ref / np.maximum(np.abs(v1_ref), 1e-12)
    ang = np.angle(w * unit_v + (1 - w) * unit_ref)
    i1 = mag1 * np.exp(1j * (ang - p.phi_rad[:, None]))
    return i1, i2


def gfm_injection(v1: np.ndarray, v2: np.ndarray, e1: np.ndarray, p: ChargerArrays
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Grid-forming injections ``(I1, I2)``: EMF ``e1`` behind ``z``, scaled to the limit."""
    z = p.z_gfm_pu[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        i1 = np.where(z != 0, (e1 - v1) / z, 0)
        i2 = np.where(z != 0, -v2 / z, 0)
    tot = np.abs(i1) + np.abs(i2)
    lim = p.i_lim_pu[:, None]
    scale = np.where(tot > lim, lim / np.where(tot > 0, tot, 1.0), 1.0)
    return i1 * scale, i2 * scale
