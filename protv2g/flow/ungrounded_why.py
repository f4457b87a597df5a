"""Why an OpenDSS feeder's buses have no path to ground, in words for ``protv2g faults``
(review rev43b F3: a neutral reactor typed onto a bus that does not exist, or a star point
left floating, gave SLG 0 A with no reason on the terminal; only the Model notes sheet named
the de-energised reactor, and nothing named a floating star point).

The buses are :func:`protv2g.flow.opendss_ground.ungrounded_buses`'s (OpenDSS's own element
admittances). The reasons named, each from the model as compiled:

* a grounding element (a reactor, a grounding transformer, a capacitor) the model notes call
  de-energised: it has no path to a source (its bus is not the feeder's — a typo of a bus
  name makes a new, isolated bus), so it grounds nothing;
* a wye winding whose star point sits on a node of its own (``sub.4``) that nothing grounds:
  OpenDSS leaves a neutral open unless its bus spec puts it on node 0 or an element ties the
  node to ground (``rneut`` < 0, its default, adds no neutral impedance: the Reference Guide's
  Transformer ``Rneut``: "If entered as a negative value, the neutral is assumed to be open,
  or floating").

A feeder that is ungrounded by design (a delta-fed 3-wire system, IEEE 37) is named the same
way, without a reason of either kind: its ground faults draw charging current only.
"""

from __future__ import annotations

import numpy as np

from protv2g.flow.opendss_ground import GROUND_MIN_RATIO, ungrounded_buses
from protv2g.network.dss_model import DssModel

__all__ = ["GROUNDING_CLASSES", "ungrounded_lines"]

#: Element classes that ground a system when connected (a neutral reactor, a grounding
#: transformer, a grounded-wye capacitor bank): named when the model notes call one dead.
GROUNDING_CLASSES = ("reactor", "transformer", "capacitor")


def _floating_star_points(model: DssModel, ungrounded: set[str]) -> list[str]:
    """``transformer.sub winding 2 (star point sub.4)`` for each enabled winding whose
    neutral conductor (the terminal's last) carries winding current and lands on a node
    (≥ 4) of a bus with no path to ground."""
    out = []
    el = model.elements
    for name in el.name[el.enabled & (el.cls == "transformer")]:
        y = model.element_y(name)
        diag = np.abs(np.diag(y.yprim_s))
        scale = float(diag.max()) if len(diag) else 0.0
        for t in np.unique(y.terminal):
            k = int(np.flatnonzero(y.terminal == t)[-1])  # the winding's neutral conductor
            bus = y.buses[int(t) - 1].split(".", 1)[0].lower()
            if (y.node_num[k] >= 4 and bus in ungrounded
                    and diag[k] > GROUND_MIN_RATIO * scale):
                out.append(f"{name} winding {int(t)} has its star point on {bus}."
                           f"{int(y.node_num[k])}, which nothing grounds (OpenDSS: an open "
                           "neutral; put it on node 0 or ground it through a reactor)")
    return out


def ungrounded_lines(model: DssModel, buses: list[str], shown: int = 10) -> list[str]:
    """The lines ``faults`` prints for ``buses`` (fault buses) with no path to ground: one
    naming them, then one per reason (module docstring); ``[]`` when every one is grounded.
    """
    mask = ungrounded_buses(model)
    dead_or_none = set(model.buses.index[mask])
    hit = [b for b in buses if b in dead_or_none]
    if not hit:
        return []
    more = f" and {len(hit) - shown} more" if len(hit) > shown else ""
    out = [f"{len(hit)} fault bus(es) with no path to ground (a ground fault there draws "
           f"only the lines' charging current, SLG ≈ 0 A, as in OpenDSS): "
           f"{', '.join(hit[:shown])}{more}"]
    notes = model.warnings
    dead = notes[notes.what.astype(str).str.startswith("de-energised")
                 & notes.element.astype(str).str.lower().isin(GROUNDING_CLASSES)]
    for name in dead.name:
        out.append(f"  {name} is de-energised (no path to a source: is its bus a name the "
                   "feeder does not have?), so it grounds nothing")
    out += [f"  {text}" for text in _floating_star_points(model, dead_or_none)]
    return out
