"""Transformers in the IEC 60909 network: rated transformation ratio and correction ``K_T``.

The rule (the same on both fault paths; :mod:`protv2g.engine.sequence` has it from
pandapower's ``calc_sc``):

* **Rated ratio, both cases.** IEC 60909-0:2016 gives a transformer's short-circuit impedance
  from its rated values (§6.3.1, eq. 7: ``Z_T = u_kr/100 · U_rT²/S_rT``) and refers impedances
  between voltage levels by the rated transformation ratio ``t_r``; the operating tap is not
  an input — the equivalent voltage source ``c·Un/√3`` at the fault (:mod:`.system`) stands
  for the operating voltage, ``K_T`` for the tap range and the load flow before the fault.
  pandapower's short-circuit documentation: "the ratio of the transformer is considered to be
  the nominal ratio, the tap changer positions are not considered according to the standard"
  (``doc/shortcircuit/branch_elements.rst``). So every OpenDSS transformer — a substation LTC
  and a line voltage regulator alike — enters the IEC network with its taps at 1.0 (its main
  or neutral position), not at the power flow's solved tap. The classical method (OpenDSS's
  fault study) keeps the solved taps.
* **K_T, maximum case only, network transformers.** ``Z_TK = K_T·Z_T`` with
  ``K_T = 0.95·c_max/(1 + 0.6·x_T)`` (§6.3.3, eq. 12a), ``c_max`` of the low-voltage side
  (Table 1) and ``x_T`` the transformer's relative reactance (``XHL``/100 on its rating);
  applied to the whole leakage impedance, so to the positive-, negative- and zero-sequence
  impedance alike, and not to a neutral impedance (§6.3.3: ``3·Z_N`` without correction);
  the magnetising branch is not corrected either. Only in the maximum case (§6.3.3;
  pandapower applies it only there since PR e2nIEE/pandapower#2962). Not applied to:

  - transformers whose windings have the same rated voltage — line voltage regulators and
    isolation transformers: a network transformer "connects two or more networks at
    different voltages" (§6.3.3); their impedance is < 0.2 % on the shipped feeders, so the
    choice moves no current by more than that;
  - unit transformers (a synchronous generator on a lower-voltage winding's bus): §6.3.3
    excludes them; a power station unit's transformer takes the unit's ``K_S``/``K_SO``
    instead, in both cases (§6.7, :mod:`.iec_machines`; not applied until session 42,
    review rev41b M1).

  A three-winding transformer (center-tap service transformers) takes one ``K_T`` from its
  ``XHL``; the standard's per-pair ``K_TAB``, ``K_TAC``, ``K_TBC`` (eq. 13) differ from it by the
  spread of its pair reactances, ≈ 0.1 % for typical center-tap data (X 1.5–3 %).

The admittances come from OpenDSS (:func:`protv2g.network.dss_compile.rated_transformers`):
the change this method makes to a transformer is ``Yprim(taps 1) − Yprim(solved)`` plus
``Y_leak·(1/K_T − 1)`` in the maximum case.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from protv2g.network.dss_compile import RatedTransformer, rated_transformers
from protv2g.network.dss_model import DssModel, ElementY
from protv2g.units import C_MAX_LV_6PCT, C_MAX_LV_10PCT, C_MAX_MV, Case

__all__ = ["correction_factor_kt", "transformer_kt", "transformer_changes",
           "SAME_VOLTAGE_RTOL", "c_max_of", "rated_of"]

#: Windings whose rated voltages differ by less than this (relative) are at one voltage: the
#: transformer is a regulator or an isolation transformer, not a network transformer.
SAME_VOLTAGE_RTOL = 0.01


def correction_factor_kt(x_pu: np.ndarray, c_max: np.ndarray) -> np.ndarray:
    """IEC 60909-0:2016 eq. (12a): ``K_T = 0.95·c_max/(1 + 0.6·x_T)``.

    Parameters
    ----------
    x_pu : numpy.ndarray
        Relative reactance of the transformer on its rated values.
    c_max : numpy.ndarray
        Voltage factor of the low-voltage side (Table 1).
    """
    return 0.95 * np.asarray(c_max, dtype=float) / (1.0 + 0.6 * np.asarray(x_pu, dtype=float))


def c_max_of(kv_ll: float, lv_tolerance_percent: int) -> float:
    """IEC 60909-0:2016 Table 1 ``c_max`` of a network at ``kv_ll`` (LV ≤ 1 kV: 1.05 with
    +6 % tolerance, 1.10 with +10 %; above 1 kV: 1.10)."""
    if kv_ll > 1.0:
        return C_MAX_MV
    return C_MAX_LV_6PCT if lv_tolerance_percent == 6 else C_MAX_LV_10PCT


def rated_of(model: DssModel) -> tuple[RatedTransformer, ...]:
    """Every enabled transformer of ``model`` as solved and at its rated ratio (built once per
    model, :func:`protv2g.network.dss_compile.rated_transformers`)."""
    return model.derived("rated_transformers", lambda m: rated_transformers(
        m.source, m.redirects, m.engine))


def transformer_kt(model: DssModel, t: RatedTransformer, lv_tolerance_percent: int) -> float:
    """``K_T`` of one transformer in the maximum case (1.0 where the module docstring says)."""
    if t.kv.max() <= t.kv.min() * (1.0 + SAME_VOLTAGE_RTOL):
        return 1.0
    hv = int(np.argmax(t.kv))
    lower = {b for w, b in enumerate(t.element.buses) if w != hv}
    if any(set(m.element.buses) & lower for m in model.machines):
        return 1.0
    lv = int(np.argmin(t.kv))
    bus = t.element.buses[lv]
    kv_ll = float(model.buses.kv_ll.get(bus, 0.0)) or float(t.kv[lv])
    return float(correction_factor_kt(t.x_pu, c_max_of(kv_ll, lv_tolerance_percent)))


def transformer_changes(model: DssModel, case: Case | None, lv_tolerance_percent: int = 10,
                        unit_k: dict[str, float] | None = None
                        ) -> list[tuple[ElementY, np.ndarray]]:
    """``(element, change of its primitive admittance)`` of every transformer in the IEC network.

    ``case`` ``None`` or ``MIN``: rated ratio only; ``MAX``: rated ratio and ``K_T``.
    ``unit_k``: ``{transformer element name: K_S or K_SO}`` of power station units
    (:mod:`.iec_machines`), applied to their leakage in either case.
    Transformers the method leaves as solved (taps at 1.0, no factor) are not listed.
    """
    out = []
    unit_k = unit_k or {}
    for t in rated_of(model):
        moved = model.element_overrides.get(t.element.name.lower())
        if moved is not None:  # a terminal moved to a device's close-in bus (dss_close_in)
            t = dataclasses.replace(t, element=dataclasses.replace(t.element, node=moved.node))
        change = None
        if np.any(t.taps != 1.0):
            change = t.yprim_rated_s - t.element.yprim_s
        kt = unit_k.get(t.element.name, transformer_kt(model, t, lv_tolerance_percent)
                        if case is Case.MAX else 1.0)
        if kt != 1.0:
            extra = t.leak_s * (1.0 / kt - 1.0)
            change = extra if change is None else change + extra
        if change is not None:
            out.append((t.element, change))
    return out
