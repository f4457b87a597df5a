"""A transformer's own fuse against the transformer: its full-load current
(:func:`transformer_full_load_a`) and ``validate``'s warning when the link melts inside the
transformer's inrush or cold-load points (:func:`withstand_warnings`; the points and the rule:
:mod:`protv2g.devices.transformer_withstand`). Review rev42a M5, EPRI ckt5: ``f-depot-xf``
100K on a 2 MVA 12.47 kV transformer (FLA 92.6 A) melts in 7.6 s at 3 × FLA and 0.81 s at
6 × FLA, and only ``recommend`` said so; C8 fails it too (:mod:`protv2g.checks.load_withstand`).
The warning is about the study's inputs (a link against its transformer's rating), known
before any flow is solved.
"""

from __future__ import annotations

import math
from typing import Any

from protv2g.devices.fuse import Fuse
from protv2g.devices.transformer_withstand import (
    points_text,
    shortfalls,
    withstand_fix_text,
)
from protv2g.errors import Issue
from protv2g.study.site_transformer_guard import transformer_kva_kvs
from protv2g.units import DeviceKind

__all__ = ["shortfall_text", "transformer_full_load_a", "withstand_warnings"]


def shortfall_text(link: str, got: list[Any]) -> str:
    """The points ``link`` melts inside, in words (``got``:
    :func:`~protv2g.devices.transformer_withstand.shortfalls`): "100K melts in 0.81 s at
    6 × FLA (556 A; cold-load point 1 s) and in 7.58 s at 3 × FLA (278 A; cold-load point
    10 s)"."""
    return f"{link} melts " + " and ".join(
        f"in {t:.3g} s at {p.multiple:g} × FLA ({i:.0f} A; {p.kind} point {p.t_s:g} s)"
        for p, i, t in got)


def withstand_warnings(study: Any, device: Any, where: str, file: str) -> list[Issue]:
    """``validate``'s warning for a fuse on a transformer (``location: {trafo: …}``) whose
    link melts inside the transformer's inrush or cold-load points (module docstring): the
    field ``<where>.link``, the fix the smallest link of its family that carries them."""
    if device.kind is not DeviceKind.FUSE:
        return []
    fla = transformer_full_load_a(study, device.name)
    if fla is None:
        return []
    try:
        fuse = Fuse(name=device.name, link=device.link, library=study.library)
    except (KeyError, ValueError):
        return []  # an unknown link: said by the loader
    got = shortfalls(fuse, fla[0])
    if not got:
        return []
    fix = withstand_fix_text(study.library, device.link, fla[0])
    fix += (": a larger fuse family or a breaker" if fix.startswith("no ") else
            "; use it (or confirm the transformer's inrush and cold-load with its maker and "
            "the utility)")
    return [Issue(
        file, f"{where}.link",
        f"device {device.name!r}: {shortfall_text(device.link, got)} — below {fla[1]}'s inrush "
        f"and cold-load withstand (full load {fla[0]:.1f} A; the link must not melt at "
        f"{points_text()}): it can melt on energisation or on picking up load after an "
        "outage, and C8 fails it", fix)]


def transformer_full_load_a(study: Any, device: str) -> tuple[float, str] | None:
    """(full-load current A on the device's side, the transformer's name) of the transformer
    ``device`` sits on (``location: {trafo: …, side: …}``); None for a device elsewhere or a
    transformer whose rating cannot be read. FLA = S / (√3 · V_LL) of the side's winding
    (pandapower ``net.trafo`` ``sn_mva``, ``vn_hv_kv``/``vn_lv_kv``; OpenDSS ``kVA`` of
    winding 1 and the side's winding ``kV``)."""
    dev = next((d for d in getattr(study.document, "devices", ())
                if getattr(d, "name", None) == device), None)
    loc = getattr(dev, "location", None)
    name = getattr(loc, "trafo", None)
    if name is None:
        return None
    hv = getattr(loc, "side", "hv") != "lv"
    rating = _dss_rating(study, str(name)) if getattr(study, "model", None) is not None \
        else _pp_rating(study, str(name))
    if rating is None:
        return None
    kva, kv_hv, kv_lv = rating
    kv = kv_hv if hv else kv_lv
    if not (kva > 0 and kv > 0):
        return None
    return kva / (math.sqrt(3.0) * kv), str(name)


def _pp_rating(study: Any, name: str) -> tuple[float, float, float] | None:
    net = getattr(study, "net", None)
    tr = getattr(net, "trafo", None)
    if tr is None or "name" not in tr.columns:
        return None
    hit = tr[tr["name"].astype(str) == name]
    if not len(hit):
        return None
    r = hit.iloc[0]
    return 1e3 * float(r["sn_mva"]), float(r["vn_hv_kv"]), float(r["vn_lv_kv"])


def _dss_rating(study: Any, name: str) -> tuple[float, float, float] | None:
    got = transformer_kva_kvs(study.model, name)
    return (got[0], max(got[1]), min(got[1])) if got is not None else None
