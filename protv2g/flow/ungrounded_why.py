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
way, without a reason of either kind: its ground faults draw charging current only. Where a
grounded part of the model is next to the buses, the words name the grounding found there and
the winding between (session 45: "none if the feeder is a 3-wire system by design" read the
same for a whole ungrounded feeder and for a section behind a Δ–Δ step-down of a grounded
one): "transformer.sd (its m2 side grounded by transformer.sub) stands between these buses
and the grounded part of the model" — IEEE 37's subxf, its source side grounded by the
Vsource; rev44b f3's depot transformer, its 13.8 kV side grounded by the 20 Ω reactor.ngr.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.flow.opendss_ground import (
    GROUND_MIN_RATIO,
    grounding_elements,
    ungrounded_buses,
)
from protv2g.network.dss_model import DssModel

__all__ = ["GROUNDING_CLASSES", "NO_PATH_WHAT", "ungrounded_lines", "ungrounded_rows"]

_COLUMNS = ["element", "name", "what", "action"]

#: Element classes that ground a system when connected (a neutral reactor, a grounding
#: transformer, a grounded-wye capacitor bank): named when the model notes call one dead.
GROUNDING_CLASSES = ("reactor", "transformer", "capacitor")


#: The ``what`` of the row naming the fault buses with no path to ground.
NO_PATH_WHAT = ("no path to ground: a ground fault there draws only the lines' charging "
                "current (SLG ≈ 0 A, as in OpenDSS)")
NO_PATH_ACTION = ("none if the feeder is a 3-wire (ungrounded) system by design; else ground "
                  "it (a row naming a de-energised grounding element or a floating star "
                  "point says why it is not)")
DEAD_GROUNDING_WHAT = ("is de-energised (no path to a source: is its bus a name the feeder "
                       "does not have?), so it grounds nothing")
DEAD_GROUNDING_ACTION = "put it on a bus of the feeder (a bus name of the model)"
FLOATING_ACTION = ("give the winding its neutral impedance (rneut/xneut, Ω: a resistance- "
                   "or reactance-grounded neutral) or ground it through a reactor to "
                   "node 0; node 0 itself makes it solidly grounded")


def _floating_star_points(model: DssModel, ungrounded: set[str]) -> list[tuple[str, str]]:
    """``(transformer.sub, "winding 2 has its star point on sub.4, …")`` for each enabled
    winding whose neutral conductor (the terminal's last) carries winding current and lands
    on a node (≥ 4) of a bus with no path to ground."""
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
                out.append((str(name), f"winding {int(t)} has its star point on {bus}."
                            f"{int(y.node_num[k])}, which nothing grounds (OpenDSS: an open "
                            "neutral)"))
    return out


def _cut_off(model: DssModel, hit: list[str]) -> str:
    """The grounding found next to the buses ``hit`` (no path to ground), as the notes' words:
    each winding (an enabled transformer) with a terminal on one of them and one on a grounded
    bus, with the elements that ground that side
    (:func:`~protv2g.flow.opendss_ground.grounding_elements`); "" when no grounded part is
    next to them."""
    names = [str(b) for b in model.buses.index]
    where = {b.lower(): i for i, b in enumerate(names)}
    mine = {where[b.lower()] for b in hit if b.lower() in where}
    grounders = grounding_elements(model)
    el = model.elements
    pick = el.enabled.to_numpy(bool) & el.cls.isin(("transformer", "autotrans")).to_numpy()
    cut = []
    for name, buses in zip(el.name[pick], el.buses[pick], strict=True):
        ends = [int(x) for x in model.bus_index(list(buses)) if x >= 0]
        grounded = next((b for b in ends if grounders[b]), None)
        if grounded is not None and mine & set(ends):
            by = grounders[grounded]
            cut.append(f"{name} (its {names[grounded]} side grounded by {', '.join(by[:2])}"
                       + (f" and {len(by) - 2} more" if len(by) > 2 else "") + ")")
    if not cut:
        return ""
    more = f" and {len(cut) - 3} more" if len(cut) > 3 else ""
    return (f"; {', '.join(cut[:3])}{more} stand{'s' if len(cut) == 1 else ''} between these "
            "buses and the grounded part of the model, passing no zero sequence (a delta or "
            "ungrounded-wye winding)")


def _why(model: DssModel, buses: list[str]
         ) -> tuple[list[str], list[tuple[str, ...]], str]:
    """The buses of ``buses`` with no path to ground, one ``(element, name, what, action)``
    per reason (module docstring), and where the model is grounded instead (:func:`_cut_off`);
    ``([], [], "")`` when every one is grounded."""
    dead_or_none = set(model.buses.index[ungrounded_buses(model)])
    hit = [b for b in buses if b in dead_or_none]
    if not hit:
        return [], [], ""
    notes = model.warnings
    dead = notes[notes.what.astype(str).str.startswith("de-energised")
                 & notes.element.astype(str).str.lower().isin(GROUNDING_CLASSES)]
    why = [(str(e).lower(), str(n), DEAD_GROUNDING_WHAT, DEAD_GROUNDING_ACTION)
           for e, n in zip(dead.element, dead.name, strict=True)]
    why += [("transformer", n, what, FLOATING_ACTION)
            for n, what in _floating_star_points(model, dead_or_none)]
    return hit, why, _cut_off(model, hit)


def ungrounded_rows(model: DssModel, buses: list[str]) -> pd.DataFrame:
    """Why fault buses have no path to ground, as model-note rows (``element, name, what,
    action``, :data:`protv2g.study.model_notes.WARNING_COLUMNS`): one row (``element``
    "bus") whose ``name`` lists the buses of ``buses`` with no path to ground, then one row
    per reason (module docstring) naming its element; no rows when every one is grounded.
    ``run`` adds them to the Feeder warnings sheet, ``faults -o`` to its Model notes sheet
    and ``faults`` prints them (:func:`ungrounded_lines`; review inp43: the terminal only).
    """
    hit, why, elsewhere = _why(model, buses)
    rows = [("bus", ", ".join(hit), NO_PATH_WHAT + elsewhere, NO_PATH_ACTION)] if hit else []
    return pd.DataFrame(rows + why, columns=_COLUMNS)


def ungrounded_lines(model: DssModel, buses: list[str], shown: int = 10) -> list[str]:
    """The lines ``faults`` prints for ``buses`` (fault buses) with no path to ground, in
    :func:`ungrounded_rows`'s words: the buses (``shown`` of them) first, then one line per
    reason; ``[]`` when every one is grounded."""
    hit, why, elsewhere = _why(model, buses)
    if not hit:
        return []
    more = f" and {len(hit) - shown} more" if len(hit) > shown else ""
    out = [f"{len(hit)} fault bus(es) with {NO_PATH_WHAT}: {', '.join(hit[:shown])}{more}"]
    if elsewhere:
        out.append(f"  {elsewhere.removeprefix('; ')}")
    return out + [f"  {name} {what}; fix: {action}" for _e, name, what, action in why]
