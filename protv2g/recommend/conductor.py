"""The continuous rating of the conductor a phase overcurrent device protects.

A recommendation that raises a relay's phase pickup (51P) above the continuous rating of the
conductor it protects gives up the conductor's overload protection. Whether that is
acceptable is a decision of practice: many utilities set feeder pickups at 1.5–2 × peak load,
above the overhead conductor's tabulated ampacity, and leave overloads to operations (the
tabulated ampacity assumes worst-case ambient, sun and wind; an overhead conductor's thermal
time constant is about 15 minutes); others keep the pickup at or below the rating (NEC 240.4's
rule for premises wiring). The search therefore states the crossing beside the change
instead of rejecting it (found by a protection-engineer review: "R-F1 pickup 400 → 600 A,
side effects: none" on a 530 A trunk).

Rating used: the device's own line when it sits on a line (``max_i_ka × parallel × df`` of
the pandapower line: the net's continuous rating, as the flow check C12 uses it); when it
sits on a transformer (a substation breaker), the largest line leaving the transformer's
downstream bus — the trunk, whose overload protection the breaker carries (laterals are fused).
OpenDSS feeders: unknown here (their ``NormAmps`` are read by OpenDSS's own flow, often its
400 A default), so no statement is made.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["protected_conductor_a"]


def protected_conductor_a(study: object) -> dict[str, tuple[str, float]]:
    """``{device: (line name, continuous rating A)}`` for the study's relays and reclosers
    on a pandapower feeder; ``{}`` for an OpenDSS feeder or where no rated line is found.

    Parameters
    ----------
    study : Study
        With ``net``, ``model`` (None on the pandapower path), ``device_sites`` and
        ``document.devices``.
    """
    if getattr(study, "model", None) is not None:
        return {}
    net = study.net  # type: ignore[attr-defined]
    line = net.line
    if not len(line):
        return {}
    rating_a = (line.max_i_ka.to_numpy(dtype=float) * line.parallel.to_numpy(dtype=float)
                * line.df.to_numpy(dtype=float) * 1000.0)
    ok = line.in_service.to_numpy(dtype=bool) & np.isfinite(rating_a) & (rating_a > 0)
    from_bus, to_bus = line.from_bus.to_numpy(), line.to_bus.to_numpy()
    names = line.name.astype(str).to_numpy() if "name" in line else line.index.astype(str)
    sites: Mapping[str, object] = study.device_sites  # type: ignore[attr-defined]
    out: dict[str, tuple[str, float]] = {}
    for dev in study.document.devices:  # type: ignore[attr-defined]
        site = sites.get(dev.name)
        if site is None or getattr(dev.kind, "value", dev.kind) == "fuse":
            continue
        if site.element == "line":  # type: ignore[attr-defined]
            rows = np.array([line.index.get_loc(site.element_index)])  # type: ignore[attr-defined]
        else:
            far = site.far_bus  # type: ignore[attr-defined]
            rows = np.flatnonzero((from_bus == far) | (to_bus == far))
        rows = rows[ok[rows]]
        if len(rows):
            k = rows[np.argmax(rating_a[rows])]
            out[dev.name] = (str(names[k]), float(rating_a[k]))
    return out
