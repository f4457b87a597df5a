"""A site of small single-phase chargers lumped on a medium-voltage bus (review rev48a item 4).

EPRI ckt5: ``--site homes:74436.c:20:7.2`` put 20 × 7.2 kW home chargers on the 12.47 kV
primary node 74436 (phase c, 7.2 kV line to neutral), with no service transformer; every V2G
protection finding of the study (F03, F17, F18, F32, F33) was "driven by homes". Placed as
they would be (3 chargers on the 240 V secondary x_74436 behind its 25 kVA transformer,
the reviewer's ``ck5lv`` control run) those findings went away and a V2G over-voltage at
x_74436 (1.0539 pu; OpenDSS 1.05386) and the service transformer at 131 % while charging came
instead. ``validate`` said nothing of the placement.

A home or workplace charger of this size is an AC Level 1/2 unit (SAE J1772: Level 2 up to
80 A at 240 V, :data:`SMALL_CHARGER_MAX_KW` = 19.2 kW) supplied at low voltage; on a bus
above 1 kV (IEC 60038's low-voltage limit) without an ``interconnection_transformer`` or a
``model_transformer`` the study has lumped it on the primary. :func:`lumped_site_warnings`
says so for each such site — its name, the bus and its kV, what lumping leaves out (the
service transformer's impedance and loading, the secondary's voltage rise) — with the fix:
put the site on a secondary bus, naming the model's transformers from that bus to a
low-voltage bus where it has them.
"""

from __future__ import annotations

import math
from typing import Any

from protv2g.errors import Issue

__all__ = ["SMALL_CHARGER_MAX_KW", "LV_MAX_KV", "lumped_site_warnings", "secondary_buses"]

#: The largest AC Level 2 charger, kW: 80 A × 240 V (SAE J1772).
SMALL_CHARGER_MAX_KW = 19.2
#: Low voltage ends at 1 kV line to line (IEC 60038).
LV_MAX_KV = 1.0


def secondary_buses(model: Any, bus: str) -> list[tuple[str, str]]:
    """``(transformer, low-voltage bus)`` of every enabled transformer of ``model`` with a
    winding at ``bus`` and another at a bus of at most :data:`LV_MAX_KV`."""
    e = model.elements
    tab = model.buses
    out = []
    tr = e[(e.cls.astype(str) == "transformer") & e.enabled.astype(bool)]
    for name, buses in zip(tr.name, tr.buses, strict=True):
        names = [str(b).split(".", 1)[0].lower() for b in buses]
        if bus.lower() not in names:
            continue
        for b in names:
            if b != bus.lower() and b in tab.index and 0 < float(tab.kv_ll.get(b, 0.0)) \
                    <= LV_MAX_KV:
                out.append((str(name), b))
    return out


def lumped_site_warnings(study: Any) -> list[Issue]:
    """A plausibility warning per V2G site of single-phase chargers of at most
    :data:`SMALL_CHARGER_MAX_KW` on a bus above 1 kV with no site transformer (module
    docstring); ``[]`` without an OpenDSS model."""
    model = getattr(study, "model", None)
    if model is None or not hasattr(model, "buses") or "kv_ll" not in model.buses:
        return []
    out = []
    for i, site in enumerate(study.document.v2g_sites):
        if (site.phases != 1 or site.p_charger_kw > SMALL_CHARGER_MAX_KW
                or site.interconnection_transformer is not None
                or site.model_transformer is not None):
            continue
        bus = str(site.bus).split(".", 1)[0]
        kv = float(model.buses.kv_ll.get(bus, math.nan)) if bus in model.buses.index \
            else math.nan
        if not kv > LV_MAX_KV:
            continue
        total = site.n_chargers * site.p_charger_kw
        sec = secondary_buses(model, bus)
        named = ("; the model has " + ", ".join(f"{b} (behind {t})" for t, b in sec[:5])
                 + (f" and {len(sec) - 5} more" if len(sec) > 5 else "")
                 + " at this bus") if sec else ""
        out.append(Issue(
            str(study.path), f"v2g_sites[{i}].bus",
            f"site {site.name!r}: {site.n_chargers} × {site.p_charger_kw:g} kW single-phase "
            f"chargers ({total:g} kW) on bus {bus} at {kv:g} kV line to line, a medium-voltage "
            "bus, with "
            "no service transformer (no interconnection_transformer or model_transformer): "
            "chargers of this size (SAE J1772 AC Level 1/2, ≤ 19.2 kW) are supplied at low "
            "voltage; lumped on the primary the study leaves out the service transformer's "
            "impedance (their fault current and export reach the primary unreduced) and its "
            "loading while they charge, and the voltage rise on the secondary when they "
            "export (judged at the primary instead)",
            "put the site on a secondary bus behind its service transformer (split it over "
            "several when the chargers are spread)" + named))
    return out
