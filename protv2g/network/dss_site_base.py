"""A site bus whose OpenDSS voltage base disagrees with the transformer winding that feeds it.

OpenDSS gives a bus its base (``kVBase``) at ``CalcVoltageBases`` from the nearest voltage of
``Set VoltageBases`` to its solved voltage; a voltage the list lacks is rounded to another one.
A 240 V single-phase service (``Transformer … kv=0.24`` on ``homes.1.0``) under
``Set VoltageBases="230,4.8,0.48"`` gets a 0.277 kV line-to-neutral base, the phase voltage
of 480 V (review rev33c W5: ``Bus.kVBase()`` = 0.2771). Every figure scaled by the base is
then off by 0.24 / 0.2771 = 0.866: the site's rated current — each charger's kVA over the
bus's line-to-neutral voltage — came out 13 % low (1.5 × 86.4 kVA / 0.2771 kV = 467.7 A
instead of / 0.240 kV = 540 A), and the bus read 0.874 pu at 242 V.

The winding's own rated voltage is the site's nominal voltage: where the winding(s) feeding a
site's bus agree and the bus's base differs from them by more than
:data:`MISMATCH_FRACTION`, the site's rated current is taken from the winding
(:func:`site_kv_ln`, read by the fault engine, :func:`protv2g.engine.phase.first_cycle.site_base`)
and ``validate``/``run`` warn with the fix (:func:`site_base_warnings`).

Winding voltage to line-to-neutral (OpenDSS Reference Guide, Transformer ``kV``: "for 2-
and 3-phase windings, the line-to-line voltage; for 1-phase, the actual winding voltage"):
a winding of three phases ``kV/√3``; a one-phase winding between a phase conductor and ground
or a neutral ``kV``; one between two phase conductors (or delta) ``kV/√3``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from protv2g.network.dss_zone_base import LV_KV_MAX, winding_rows, zone_base_notes

__all__ = ["MISMATCH_FRACTION", "BaseMismatch", "base_mismatches", "site_base_warnings",
           "site_kv_between", "site_kv_ln", "ll_ratio", "split_leg_warnings", "split_phase",
           "with_site_base_rows", "zone_base_warnings"]

#: Relative difference between a bus's base and its feeding winding's voltage taken as a
#: disagreement: above a winding's tap range (±10 % regulators aside, a distribution
#: transformer's no-load taps are ±5 %, IEEE C57.12.20 — recalled) and below the 13 % of
#: 240 V against 277 V.
MISMATCH_FRACTION = 0.05


@dataclass(frozen=True)
class BaseMismatch:
    """A bus whose voltage base disagrees with the winding(s) feeding it."""

    bus: str
    kv_base_ln: float
    transformer: str
    winding_kv: float
    winding_kv_ln: float

    def text(self) -> str:
        """``"bus homes: kVBase 0.2771 kV LN, transformer homexf's winding 0.24 kV (0.24 kV
        LN)"``."""
        return (f"bus {self.bus}: OpenDSS voltage base {self.kv_base_ln:.4g} kV line to "
                f"neutral, while {self.transformer}'s winding on it is {self.winding_kv:.4g} kV "
                f"({self.winding_kv_ln:.4g} kV line to neutral)")


def _winding_table(model: Any) -> dict[str, list[tuple[str, float, float]]]:
    """Bus name → ``[(transformer, winding kV, winding kV line to neutral)]`` of the
    enabled transformers' windings on it (:func:`winding_rows`)."""
    out: dict[str, list[tuple[str, float, float]]] = {}
    for name, _w, bus, kv, kv_ln in winding_rows(model):
        out.setdefault(bus, []).append((name, kv, kv_ln))
    return out


def base_mismatches(model: Any, buses: list[str]) -> list[BaseMismatch | None]:
    """For each bus name, its :class:`BaseMismatch` or None: the windings on it agree (within
    :data:`MISMATCH_FRACTION`) and its ``kv_ln`` base differs from them by more; None
    without a winding on it, with windings that disagree, or without a base."""
    table = _winding_table(model)
    idx = model.bus_index(buses)
    base = model.buses.kv_ln.to_numpy(float)
    out: list[BaseMismatch | None] = []
    for name, b in zip(buses, idx.tolist(), strict=True):
        wind = table.get(str(name).lower(), [])
        if b < 0 or not wind or not base[b] > 0:
            out.append(None)
            continue
        kvs = np.array([w[2] for w in wind])
        ref = float(kvs[0])
        if ref <= 0 or np.any(np.abs(kvs / ref - 1.0) > MISMATCH_FRACTION):
            out.append(None)
            continue
        if abs(base[b] / ref - 1.0) <= MISMATCH_FRACTION:
            out.append(None)
            continue
        out.append(BaseMismatch(str(model.buses.index[b]), float(base[b]), wind[0][0],
                                wind[0][1], ref))
    return out


def site_kv_ln(model: Any, buses: list[str]) -> np.ndarray:
    """``(len(buses),)`` line-to-neutral voltage (kV) that rates each site: its bus's base, or
    the winding feeding it where they disagree (module docstring)."""
    idx = model.bus_index(buses)
    kv = np.where(idx >= 0, model.buses.kv_ln.to_numpy(float)[np.maximum(idx, 0)], np.nan)
    for k, m in enumerate(base_mismatches(model, list(buses))):
        if m is not None:
            kv[k] = m.winding_kv_ln
    return kv


def ll_ratio(model: Any, bus: str, phases: str) -> float:
    """Nominal ``|V_x − V_y| / V_LN`` between two phase conductors of ``bus``: ``2·sin(θ/2)``
    of the angle ``θ`` between their open-circuit voltages (``model.v_oc_v``, OpenDSS's
    ``Voc``) rounded to a multiple of 60° — ``√3`` for two phases of a three-phase system
    (120°), ``2`` for the two legs of a center-tapped (split-phase) secondary (180°: the
    IEEE 8500's ``sx…`` buses, windings ``sx.1.0`` and ``sx.0.2`` of 0.12 kV each). Rounded,
    so an unbalanced or regulated open-circuit state (118°, 181°) still gives the nominal
    ratio; ``√3`` where a conductor is missing or dead (no angle to read).

    Parameters
    ----------
    model : DssModel
    bus : str
    phases : str
        Two of ``a, b, c`` (nodes 1, 2, 3).

    Returns
    -------
    float
    """
    b = int(model.bus_index([bus])[0])
    v = []
    for p in phases.lower()[:2]:
        k = np.flatnonzero((model.node_bus == b) & (model.node_num == "abc".index(p) + 1))
        v.append(complex(model.v_oc_v[k[0]]) if len(k) and b >= 0 else 0j)
    if len(v) < 2 or abs(v[0]) < 1e-9 or abs(v[1]) < 1e-9:
        return math.sqrt(3.0)
    theta = abs(math.degrees(np.angle(v[0] / v[1])))
    nominal = 60.0 * round(theta / 60.0)
    if nominal <= 0.0:  # two conductors in phase: no voltage between them to rate on
        return math.sqrt(3.0)
    return 2.0 * math.sin(math.radians(nominal) / 2.0)


def site_kv_between(model: Any, bus: str, phases: str) -> float:
    """Nominal voltage (kV) between the two conductors ``phases`` of ``bus``, that rates a
    line-to-line site (``v2g_sites[].phase: ab``): :func:`site_kv_ln` × :func:`ll_ratio` —
    0.24 kV across the legs of a 120/240 V split-phase secondary, 0.208 kV between two phases
    of a 208Y/120 V service, 4.8 kV between two phases of IEEE 37's 4.8 kV delta feeder."""
    return float(site_kv_ln(model, [bus])[0]) * ll_ratio(model, bus, phases)


def split_phase(model: Any, bus: str) -> bool:
    """Whether ``bus`` is a center-tapped (split-phase, 120/240 V) secondary: two phase nodes
    180° apart in OpenDSS's open-circuit state (:func:`ll_ratio` 2) — the IEEE 8500's ``sx…``
    buses, fed by a 3-winding transformer whose two 0.12 kV windings share the bus
    (``sx.1.0``, ``sx.0.2``). A 1-phase 240 V secondary on one node (EPRI J1) is not."""
    b = int(model.bus_index([bus])[0])
    if b < 0:
        return False
    have = str(model.buses.phases.iat[b])
    return len(have) == 2 and abs(ll_ratio(model, bus, have) - 2.0) < 1e-9


def split_leg_warnings(study: Any) -> list[Any]:
    """One :class:`~protv2g.errors.Issue` per line-to-neutral single-phase V2G site (``phase:
    a|b|c``) on a center-tapped secondary (:func:`split_phase`): it is a 120 V connection on
    one leg, with twice the current of a 240 V charger across both legs, on that half winding
    (review rev34a W1: the IEEE 8500's home chargers on leg 1 gave a 1.061 pu C12 fail and a
    108 % triplex; the reviewer's OpenDSS with the 240 V connection, LoadMult 0.3: 1.045 pu,
    and 65 % charging at peak). None for a pandapower study."""
    from protv2g.errors import Issue

    model = getattr(study, "model", None)
    sites = list(getattr(study.document, "v2g_sites", ()))
    if model is None or not sites:
        return []
    out = []
    for i, s in enumerate(sites):
        if s.phases != 1 or s.phase is None or len(s.phase) != 1 or not split_phase(model,
                                                                                 s.bus):
            continue
        b = int(model.bus_index([s.bus])[0])
        have = str(model.buses.phases.iat[b])
        v_ln = float(site_kv_ln(model, [s.bus])[0]) * 1e3
        kva = s.n_chargers * s.charger_kva
        i_leg = kva * 1e3 / v_ln
        out.append(Issue(
            str(study.path), f"v2g_sites[{i}].phase",
            f"bus {s.bus!r} is a center-tapped (split-phase {v_ln:.0f}/{2 * v_ln:.0f} V) "
            f"secondary, its nodes 1 and 2 the two legs: 'phase: {s.phase}' puts site "
            f"{s.name} line to neutral on one {v_ln:.0f} V leg ({kva:g} kVA → {i_leg:.0f} A "
            f"on that leg and half winding; across both legs {i_leg / 2:.0f} A each)",
            f"for a {2 * v_ln:.0f} V charger (a North-American level-2 home charger) give "
            f"'phase: {have}' (one unit across both legs); keep 'phase: {s.phase}' only for "
            f"{v_ln:.0f} V chargers"))
    return out


def site_base_warnings(study: Any) -> list[Any]:
    """One :class:`~protv2g.errors.Issue` per V2G site on a bus whose base disagrees with its
    winding (none for a pandapower study): the bus, both voltages, what protv2g does and the
    fix."""
    from protv2g.errors import Issue

    model = getattr(study, "model", None)
    sites = list(getattr(study.document, "v2g_sites", ()))
    if model is None or not sites:
        return []
    out = []
    found = base_mismatches(model, [s.bus for s in sites])
    for i, (s, m) in enumerate(zip(sites, found, strict=True)):
        if m is None:
            continue
        ll = m.winding_kv_ln * math.sqrt(3.0)
        pu = ("and its per-unit voltages (the Flow sheets, C12) are on the winding's too"
              if m.winding_kv <= LV_KV_MAX else
              "but the bus's per-unit voltages (the Flow sheets, C12) stay on OpenDSS's base")
        out.append(Issue(
            str(study.path), f"v2g_sites[{i}].bus",
            f"{m.text()}: the model's VoltageBases lack its voltage, so OpenDSS rounded the "
            f"base to another one ({m.kv_base_ln / m.winding_kv_ln - 1:+.0%}); protv2g rates "
            f"site {s.name}'s current from the winding's {m.winding_kv_ln:.4g} kV (its "
            "fault currents and, where the run writes one, the Charger stages sheet), "
            f"{pu}",
            f"add {ll:.4g} (its line-to-line kV) to 'Set VoltageBases=…' before "
            "'CalcVoltageBases' in the script that makes the bus"))
    return out


def zone_base_warnings(study: Any) -> list[Any]:
    """One :class:`~protv2g.errors.Issue` per winding voltage whose low-voltage buses C12
    judges on a base other than OpenDSS's ``kVBase`` (by more than C12's 0.001 pu:
    :func:`protv2g.network.dss_zone_base.zone_base_notes`); none for a pandapower study."""
    from protv2g.errors import Issue

    model = getattr(study, "model", None)
    if model is None:
        return []
    return [Issue(str(study.path), "feeder.opendss", text,
                  "nothing to do: the winding's rating is the nominal voltage ANSI C84.1's "
                  "ranges apply to; to make OpenDSS's own per-unit figures agree, add √3 × "
                  "the line-to-neutral base above to 'Set VoltageBases=…' (its entries are "
                  "line to line: 0.4157 for 240 V, 0.2078 for 120 V)")
            for text in zone_base_notes(model)]


def with_site_base_rows(study: Any, warnings: Any) -> Any:
    """``warnings`` (the study's feeder warnings: ``element, name, what, action``, or None)
    with a row per :func:`site_base_warnings`, :func:`split_leg_warnings` and
    :func:`zone_base_warnings` issue, for the workbook's "Feeder warnings" sheet (the Charger
    stages sheet's currents are at the winding's voltage there; a site on one leg of a
    split-phase secondary; the low-voltage buses C12 judges on their winding's voltage)."""
    from protv2g.errors import with_issue_rows

    return with_issue_rows(warnings, site_base_warnings(study) + split_leg_warnings(study)
                           + zone_base_warnings(study), "bus")
