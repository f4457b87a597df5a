"""A ground element given on a relay or recloser whose bus has no path to ground without the
V2G project (review rev42b F2).

On a delta-fed 3-wire feeder (IEEE 37 behind its Δ–Δ substation transformer) a bus with no
path to ground (:func:`protv2g.flow.opendss_ground.ungrounded_buses`) has no zero-sequence
source: a single-line-to-ground fault draws the lines' charging current only (IEEE 37:
2.4–2.6 A at 4.8 kV, OpenDSS), and a 51G / 50G there — with or without a 67N directional
supervision — never operates on a fault of today's feeder; ground faults on such a system are
detected by the zero-sequence voltage, a 59N / 3V0 element on a broken-delta VT (IEEE Std
142-2007 §1.4, ungrounded systems — clause recalled). ``protv2g init`` drafts no 51G there
(:mod:`protv2g.study_draft.ungrounded`); C5 judges no ground fault there
(:mod:`protv2g.checks.reach_ungrounded`). A study that gives one anyway (review rev42b: IEEE
37's head relay with ``ground_pickup_a: 30`` and ``ground_elements: [67N]``) is warned.

The decision is made on the model **without** the sites' own transformers
(``v2g_sites[].model_transformer``: :func:`~protv2g.study.dss_site_transformers.base_case_model`):
a site's grounded-wye / delta transformer grounds the feeder, but only with the project, and
the current the relay would then see is that transformer's zero-sequence current for faults
between it and the relay's bus's side of the fault (none for a relay at the head of the feeder,
whose Δ–Δ substation supplies no ``3I0``: OpenDSS 0.0 A at IEEE 37's head for an SLG at 741 with
a grounded-wye / delta transformer at 708, review rev42b M1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from protv2g.errors import Issue

__all__ = ["ground_element_names", "ungrounded_ground_element_warnings"]


def ground_element_names(device: Any) -> list[str]:
    """The ground elements a relay or recloser entry gives: ``51G`` (``ground_pickup_a``,
    a recloser's ``ground_min_trip_a``), ``50G`` (``ground_inst_pickup_a``,
    ``ground_inst_a``) and ``67N`` (a directional mapping that names it in
    ``ground_elements``, or supervises a given 51G/50G by its default 67N); empty for a fuse
    or an entry without them."""
    out = []
    if getattr(device, "ground_pickup_a", None) or getattr(device, "ground_min_trip_a", None):
        out.append("51G")
    if getattr(device, "ground_inst_pickup_a", None) or getattr(device, "ground_inst_a", None):
        out.append("50G")
    d = getattr(device, "directional", None)
    named = ("ground_elements" in getattr(d, "model_fields_set", ())
             and "67N" in tuple(getattr(d, "ground_elements", ())))
    if named or (out and "67N" in tuple(getattr(d, "ground_elements", ()))):
        out.append("67N")
    return out


def ungrounded_ground_element_warnings(study: Any) -> list[Issue]:
    """One warning per relay or recloser with a ground element (:func:`ground_element_names`)
    whose bus has no path to ground in the study's OpenDSS model without the sites' own
    transformers (module docstring); none on a pandapower study, without such devices, or
    when the model cannot be read."""
    model = getattr(study, "model", None)
    if model is None:
        return []
    try:
        from protv2g.flow.opendss_ground import ungrounded_buses
        from protv2g.study.dss_site_transformers import (
            base_case_model,
            grounded_site_transformers,
        )

        base = base_case_model(study)
        floating = np.asarray(ungrounded_buses(base), dtype=bool)
        live = base.buses.energized.to_numpy(bool) if "energized" in base.buses else None
        own = list(grounded_site_transformers(study).values())
    except Exception:  # noqa: BLE001 - a plausibility warning: none rather than no study
        return []
    sites = getattr(study, "device_sites", None) or {}
    n_model = len(getattr(study, "model_devices", None) or [])
    out = []
    for i, device in enumerate(study.document.devices):
        names = ground_element_names(device)
        site = sites.get(device.name)
        if not names or site is None or not (0 <= int(site.bus) < len(floating)):
            continue
        b = int(site.bus)
        if not floating[b] or (live is not None and not live[b]):
            continue
        where = (f"devices[{i - n_model}]" if i >= n_model
                 else f"feeder.opendss ({device.kind.value} {device.name})")
        bus = str(model.buses.index[b])
        with_project = (f"; {' and '.join(own)} ground(s) the feeder with the project only, "
                        "and the element then sees only the zero-sequence current fed through "
                        "it from there" if own else "")
        out.append(Issue(
            str(study.path), where,
            f"{device.name}'s ground element(s) {'/'.join(names)} can never operate on "
            f"today's feeder: its bus {bus!r} has no path to ground without the V2G project "
            "(fed through delta or ungrounded windings, nothing grounded on it), so a ground "
            "fault there draws the lines' charging current only (a few amperes) whatever its "
            f"resistance{with_project}. C5 judges no ground fault at such buses",
            "detect ground faults by the zero-sequence voltage (a 59N / 3V0 element on a "
            "broken-delta VT at the substation, IEEE Std 142-2007 §1.4, ungrounded systems); "
            "remove the ground settings if the relay has none in the field, or correct the "
            "model if the feeder is in fact grounded (its source or substation winding)"))
    return out
