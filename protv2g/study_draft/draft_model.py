"""What a drafted study's text reads from the OpenDSS model itself (``protv2g init``).

The study's name, the model's existing sources (PV, storage, generators), its loads as the
script sets them and where they sit against the feeder heads (the peak-load TODO), and the
TODO on a single-phase site placed on one leg of a split-phase secondary.
:func:`.draft_text.study_text` writes them.
"""

from __future__ import annotations

import re

from protv2g.network.dss_model import DssModel
from protv2g.network.dss_site_base import split_phase
from protv2g.study_draft.head_load import load_behind_heads_kw
from protv2g.study_draft.writer import todo


def _leg_todo(model: DssModel, site: dict) -> dict[str, str]:
    """A TODO on ``phase`` of a ``--site BUS.a`` on a center-tapped secondary
    (:func:`protv2g.network.dss_site_base.split_phase`): one 120 V leg, where a level-2 home
    charger is 240 V across both (review rev34a W1: init, validate and run said nothing)."""
    phase = str(site.get("phase") or "")
    if len(phase) != 1 or not split_phase(model, site["bus"]):
        return {}
    both = str(model.buses.at[site["bus"], "phases"])
    return {"phase": todo(
        f"{site['bus']} is a center-tapped (split-phase 120/240 V) secondary: phase {phase} is "
        "one 120 V leg (line to neutral, twice the current of a 240 V charger, on that half "
        "winding)", f"for a 240 V charger across both legs write 'phase: {both}' (init "
        f"--site {site['name']}:{site['bus']}.{both}:…); keep '{phase}' for a 120 V charger")}


def _model_load_kw(model: DssModel, leave_out: frozenset[str] = frozenset()) -> float:
    """The model's enabled loads' kW as its script sets them (OpenDSS ``Loads`` interface:
    the enabled loads) but those named in ``leave_out`` (lower case: the project's own loads,
    review rev37a F2), NaN when the engine cannot say."""
    try:
        loads = model.engine.Loads
        total, k = 0.0, loads.First()
        while k > 0:
            if str(loads.Name()).lower() not in leave_out:
                total += float(loads.kW())
            k = loads.Next()
        return total
    except Exception:  # noqa: BLE001 - another circuit compiled since, or no engine
        return float("nan")


def _load_split(model: DssModel, heads, leave_out: frozenset[str] = frozenset()  # noqa: ANN001
                ) -> str:
    """``": 5,950 kW behind head-temp_sub + 5,000 kW on the source side …"``: where the
    model's load sits against its feeder heads (review rev32a W9), "" without heads; the
    loads named in ``leave_out`` not counted."""
    behind, rest = (load_behind_heads_kw(model, heads, leave_out) if heads
                    else ({}, float("nan")))
    parts = [f"{kw:,.0f} kW behind {name}" for name, kw in behind.items() if kw > 0]
    if rest > 0.5:
        parts.append(f"{rest:,.0f} kW on the source side of the feeder head"
                     f"{'s' if len(behind) > 1 else ''}, behind none (the substation's "
                     "other load: not this feeder's)")
    return ": " + " + ".join(parts) if parts else ""


def _study_name(model: DssModel) -> str:
    name = re.sub(r"[^A-Za-z0-9_.\- ]", "_", model.name) or "feeder"
    return name if name[0].isalnum() else f"f{name}"


def _existing_sources(model: DssModel) -> list[str]:
    dss = model.engine
    e = model.elements
    out = []
    for name, cls, buses in zip(e.name, e.cls, e.buses, strict=True):
        if cls not in ("pvsystem", "storage", "generator") or not bool(
                e.enabled[e.name == name].iat[0]):
            continue
        vals = {}
        power = {"pvsystem": "pmpp", "storage": "kwrated"}.get(cls, "kw")
        for prop in ("kva", power, "phases"):
            try:
                dss.Text.Command(f"? {name}.{prop}")
                vals[prop] = dss.Text.Result()
            except Exception:  # noqa: BLE001 - property absent for the class
                vals[prop] = "?"
        out.append(f"#   {name:<28} bus {buses[0]:<16} {vals['phases']}-phase, "
                   f"{vals['kva']} kVA, {vals[power]} kW ({power})")
    return out
