"""Synchronous generators in the IEC 60909 network: correction factors ``K_G``, ``K_S``, ``K_SO``.

IEC 60909-0:2016 replaces every voltage source by the equivalent voltage source ``c·Un/√3``
at the fault (:mod:`.system`); a generator's subtransient impedance is corrected so that this
source with ``c_max`` gives its first-cycle current from its rated operating point:

* **directly connected** generator (§6.6.1): ``Z_GK = K_G·Z_G``,
  ``K_G = (U_n/U_rG) · c_max/(1 + x″d·sin φ_rG)`` (eq. 18);
* **power station unit** — the generator and its own unit transformer (§6.7): the whole unit,
  ``t_r²·Z_G + Z_THV``, by one factor,

  - with an on-load tap changer (§6.7.1): ``K_S = (U_nQ²/U_rG²)·(U_rTLV²/U_rTHV²) ·
    c_max/(1 + |x″d − x_T|·sin φ_rG)``;
  - without one (§6.7.2): ``K_SO = (U_nQ/(U_rG·(1 + p_G)))·(U_rTLV/U_rTHV)·(1 ± p_T) ·
    c_max/(1 + x″d·sin φ_rG)``.

In the phase network the unit's impedance is not referred to one side: its generator's
admittance is divided by ``K_S``/``K_SO`` on the generator's side and its transformer's leakage
admittance by the same factor (the rated ratio is the transformer's own,
:mod:`.iec_transformers`), which is ``K·(t_r²·Z_G + Z_THV)`` seen from the high-voltage side.

Data, from the OpenDSS ``Generator`` and ``Transformer``:

* ``x″d`` = ``Xdpp`` (pu of the machine's kVA and kV); ``U_rG`` = its ``kV`` (line to line for
  a 2- or 3-phase machine; a 1-phase machine from a phase to ground has its line-to-neutral
  ``kV`` compared with the bus's line-to-neutral base);
* ``cos φ_rG`` = the Generator's ``pf`` (OpenDSS keeps it consistent with ``kvar``; default
  0.88 in DSS C-API when the script gives neither). The standard wants the *rated* power
  factor; the model's ``pf`` is its operating one. **Which end:** a lower power factor gives
  a smaller ``K`` and a higher current (``pf`` 1: ``K_G = c_max``, the lowest current; pf 0.8
  with x″d 0.15: ``K_G = c_max/1.09``, +9 %), so a model at unity pf errs low in the maximum
  case — the text of each correction says which pf it used;
* ``U_n``/``U_nQ`` the bus's voltage base (OpenDSS ``kVBase``); ``U_rTHV``/``U_rTLV`` and
  ``x_T`` (``XHL``) the transformer's own; an OLTC is a ``RegControl`` on the transformer;
  ``p_G`` = 0 and ``p_T`` = 0 (OpenDSS gives neither a generator's voltage-regulation range
  nor a permanently used off-load tap: ``1 ± p_T`` = 1, as pandapower with ``pt_percent``
  absent and no tap range).

A power station unit here is a two-winding transformer with exactly one enabled synchronous
generator on its lower-voltage winding's bus; any other generator is directly connected
(``K_G``). ``c_max`` is Table 1's of the generator's bus (``K_G``) or of the unit's
high-voltage side (``K_S``/``K_SO``). The standard defines the factors with ``c_max`` only;
they correct the impedance in the minimum case as well (the minimum case's ``c_min`` is in
the equivalent source), as pandapower's ``calc_sc`` applies them
(``pandapower/shortcircuit/ppc_conversion.py``, ``_add_gen_sc_z_kg_ks``, 3.5.6: ``K_G`` from
``C_MAX`` whatever the case). In the minimum case that is the conservative end for
sensitivity: with the typical data the factor is above 1 (``c_max`` 1.1 over
``1 + x″d·sin φ_rG`` ≤ about 1.1), so it lowers the machine's share. Not applied: the
standard's ``K_G,S``/``K_T,S`` for a fault *inside* the unit (between generator and
transformer, §6.7.1 last paragraph): such a fault bus gets the unit's ``K_S``/``K_SO`` (with
unity pf both are ``c_max``; the transformer's side then differs by ``1/(1 − x_T·sin φ_rG)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.engine.phase.iec_transformers import c_max_of, rated_of
from protv2g.network.dss_model import DssModel

__all__ = ["MachineCorrection", "machine_corrections", "correction_factor_kg",
           "correction_factor_kso", "correction_factor_ks"]

SQRT3 = 3.0 ** 0.5


def correction_factor_kg(un_over_urg: np.ndarray, c_max: np.ndarray, xdpp_pu: np.ndarray,
                         sin_phi: np.ndarray) -> np.ndarray:
    """IEC 60909-0:2016 eq. (18): ``K_G = (U_n/U_rG)·c_max/(1 + x″d·sin φ_rG)``.

    >>> round(float(correction_factor_kg(1.0, 1.1, 0.15, 0.6)), 6)
    1.009174
    """
    return (np.asarray(un_over_urg, float) * np.asarray(c_max, float)
            / (1.0 + np.asarray(xdpp_pu, float) * np.asarray(sin_phi, float)))


def correction_factor_kso(unq_over_urg: float, ulv_over_uhv: float, c_max: float,
                          xdpp_pu: float, sin_phi: float, p_g: float = 0.0,
                          p_t: float = 0.0) -> float:
    """IEC 60909-0:2016 §6.7.2 (power station unit without OLTC):
    ``K_SO = U_nQ/(U_rG·(1 + p_G)) · U_rTLV/U_rTHV · (1 ± p_T) · c_max/(1 + x″d·sin φ_rG)``
    (``p_t`` signed: ``-p_T`` for the highest current on the high-voltage side).

    >>> round(correction_factor_kso(12.47 / 4.16, 4.16 / 12.47, 1.1, 0.15, 0.0), 6)
    1.1
    """
    return (unq_over_urg / (1.0 + p_g) * ulv_over_uhv * (1.0 + p_t) * c_max
            / (1.0 + xdpp_pu * sin_phi))


def correction_factor_ks(unq_over_urg: float, ulv_over_uhv: float, c_max: float,
                         xdpp_pu: float, x_t_pu: float, sin_phi: float) -> float:
    """IEC 60909-0:2016 §6.7.1 (power station unit with OLTC):
    ``K_S = U_nQ²/U_rG² · U_rTLV²/U_rTHV² · c_max/(1 + |x″d − x_T|·sin φ_rG)``.

    >>> round(correction_factor_ks(1.0, 1.0, 1.1, 0.15, 0.06, 0.6), 6)
    1.043643
    """
    return (unq_over_urg ** 2 * ulv_over_uhv ** 2 * c_max
            / (1.0 + abs(xdpp_pu - x_t_pu) * sin_phi))


@dataclass(frozen=True)
class MachineCorrection:
    """The IEC 60909 correction of one synchronous generator (module docstring).

    Attributes
    ----------
    machine : str
        ``generator.<name>``.
    factor : {"K_G", "K_S", "K_SO"}
    k : float
        The factor: the machine's (and its unit transformer's) impedance × ``k``.
    transformer : str or None
        The unit transformer (``K_S``/``K_SO``), ``transformer.<name>``.
    pf : float
        ``cos φ_rG`` used (the model's Generator ``pf``).
    text : str
        One line for the Existing sources sheet and the Summary.
    """

    machine: str
    factor: str
    k: float
    transformer: str | None
    pf: float
    text: str


def _machine_data(model: DssModel, name: str) -> tuple[float, float]:
    """``(kV, pf)`` of Generator ``name`` as OpenDSS holds them (NaN where unreadable)."""
    out = []
    for prop in ("kv", "pf"):
        try:
            model.engine.Text.Command(f"? {name}.{prop}")
            out.append(float(model.engine.Text.Result()))
        except Exception:  # noqa: BLE001 - no engine (hand-built model) or unreadable
            out.append(float("nan"))
    return out[0], out[1]


def _voltage_ratio(model: DssModel, m, kv: float) -> float:  # noqa: ANN001
    """``U_n/U_rG`` of machine ``m`` at its bus (1 where the bus has no voltage base)."""
    bus = m.element.buses[0]
    phases = {int(n) for n in m.element.node_num[m.element.terminal == 1] if 1 <= n <= 3}
    grounded = np.any(m.element.node[m.element.terminal == 1] < 0) or len(phases) == 1
    kv_ll = float(model.buses.kv_ll.get(bus, 0.0))
    if not (np.isfinite(kv) and kv > 0 and kv_ll > 0):
        return 1.0
    un = kv_ll / SQRT3 if len(phases) == 1 and grounded else kv_ll
    return un / kv


def machine_corrections(model: DssModel, lv_tolerance_percent: int = 10
                        ) -> tuple[MachineCorrection, ...]:
    """The IEC 60909 correction of every synchronous generator of ``model`` (module docstring).

    Machines whose ``kV`` or ``pf`` cannot be read (a hand-built model) get none. Built once
    per model and tolerance (every IEC system of a study reads it, and the report).
    """
    return model.derived(f"iec_machines_{lv_tolerance_percent}",
                         lambda m: _corrections(m, lv_tolerance_percent))


def _corrections(model: DssModel, lv_tolerance_percent: int) -> tuple[MachineCorrection, ...]:
    rated = rated_of(model)
    on_bus: dict[str, list] = {}
    for m in model.machines:
        on_bus.setdefault(m.element.buses[0], []).append(m)
    regulated = set(model.controls.target[model.controls.kind == "regcontrol"]) if len(
        model.controls) else set()
    out = []
    for m in model.machines:
        kv, pf = _machine_data(model, m.element.name)
        if not (np.isfinite(kv) and np.isfinite(pf)):
            continue
        pf = min(abs(pf), 1.0)
        sin_phi = (1.0 - pf ** 2) ** 0.5
        xdpp = m.xdpp_pu if m.xdpp_pu > 0 else m.xdp_pu
        bus = m.element.buses[0]
        unit = [t for t in rated if len(t.kv) == 2 and len(on_bus[bus]) == 1
                and t.element.buses[int(np.argmin(t.kv))] == bus and t.kv.max() > t.kv.min()]
        basis = (f"cos φ_rG = {pf:g} (the model's Generator pf; the standard's is the rated "
                 f"one: a lower one gives a smaller factor, a higher current), "
                 f"x''d = {xdpp:g} pu")
        if len(unit) == 1:
            t = unit[0]
            hv = t.element.buses[int(np.argmax(t.kv))]
            kv_hv = float(model.buses.kv_ll.get(hv, 0.0)) or float(t.kv.max())
            c_max = float(c_max_of(kv_hv, lv_tolerance_percent))
            ratio = _voltage_ratio(model, m, kv) * (kv_hv / (
                float(model.buses.kv_ll.get(bus, 0.0)) or kv))
            lv_hv = float(t.kv.min() / t.kv.max())
            if t.element.name in regulated:
                k = correction_factor_ks(ratio, lv_hv, c_max, xdpp, t.x_pu, sin_phi)
                factor, what = "K_S", "§6.7.1, with on-load tap changer"
            else:
                k = correction_factor_kso(ratio, lv_hv, c_max, xdpp, sin_phi)
                factor, what = "K_SO", "§6.7.2, no on-load tap changer, p_G = p_T = 0"
            text = (f"{factor} = {k:.4g} on the power station unit with {t.element.name} "
                    f"(IEC 60909-0:2016 {what}; {basis}, c_max {c_max:g})")
            out.append(MachineCorrection(m.element.name, factor, float(k), t.element.name,
                                         pf, text))
            continue
        c_max = float(c_max_of(float(model.buses.kv_ll.get(bus, 0.0)) or kv,
                               lv_tolerance_percent))
        k = float(correction_factor_kg(_voltage_ratio(model, m, kv), c_max, xdpp, sin_phi))
        out.append(MachineCorrection(
            m.element.name, "K_G", k, None, pf,
            f"K_G = {k:.4g} (IEC 60909-0:2016 §6.6.1 eq. 18, directly connected; {basis}, "
            f"c_max {c_max:g})"))
    return tuple(out)
