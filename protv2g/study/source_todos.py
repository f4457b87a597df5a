"""init's TODO on an existing source written as a Vsource, with the figures it stands for
(review rev49a #6).

``protv2g init`` notes a Vsource below the supply voltage (EPRI DG_Prot_Fdr's ``WindGen1`` at
0.6 kV behind ``transformer.tg``) as "an existing source on the feeder … not a substation and
not an inverter-based DER" and asks to "confirm what it is". The Existing sources sheet gives
what OpenDSS holds for it — ``R1 = 1.604 Ω, X1 = 0.03709 Ω: 0.224 MVA``, 216 A at its 0.6 kV
terminal, at most 10.39 A referred to the 12.47 kV feeder, and the caution that R1 = 43 × X1
is a resistor, not the 1.65 MW machine the script's comment names (OpenDSS derives R1 from its
default MVAsc3 and X1R1 when only X1 is given) — but validate's TODO did not: a signer asked
to confirm the source was not told what the study runs it as.

:func:`with_source_figures` appends those figures to the TODO, from
:func:`protv2g.engine.phase.der.der_table` on the model as the study runs it (the sheet's own
table). For a source the model keeps off the feeder (``open transformer.tg 2``), the feeder kV
is the opened element's other side (:func:`protv2g.network.dss_graph.opened_sources`): what it
would add if closed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from protv2g.errors import Issue

__all__ = ["with_source_figures"]

#: init's TODO on a Vsource below the supply voltage
#: (:func:`protv2g.network.dss_graph.graph_warnings`).
_EXISTING_VSOURCE = re.compile(r"^(?P<name>vsource\.[^\s:]+): a further Vsource at .*below "
                               r"the supply voltage")


def _feeder_kv_if_closed(model: Any, name: str, kv: float) -> float:
    """The kV of the other side of the element that alone keeps source ``name`` off the
    feeder; NaN when none is found."""
    from protv2g.network.dss_graph import opened_sources

    for element, sources in opened_sources(model).items():
        if name.lower() not in {s.lower() for s in sources}:
            continue
        hit = (model.elements.name == element).to_numpy().nonzero()[0]
        if not len(hit):
            continue
        ends = model.bus_index([str(b).split(".", 1)[0] for b in model.elements.buses.iat[
            int(hit[0])]])
        other = [float(model.buses.kv_ll.iat[int(p)]) for p in ends if p >= 0
                 and abs(float(model.buses.kv_ll.iat[int(p)]) - kv) > 0.01 * kv]
        if other:
            return other[0]
    return math.nan


def _figures(row: Any, model: Any) -> str:
    """``; as the study runs it (OpenDSS's values, the Existing sources sheet): R1 = … Ω, X1 =
    … Ω: 0.224 MVA three-phase short circuit at its terminal, 216 A at 0.6 kV, at most 10.39 A
    referred to 12.47 kV; caution: …``."""
    from protv2g.engine.phase.der import DISCONNECTED_MODEL, VSOURCE_MODEL

    data = str(row.fault_model).removeprefix(VSOURCE_MODEL).removeprefix(DISCONNECTED_MODEL)
    head, _, caution = data.removeprefix("; ").partition(" (OpenDSS's values)")
    if not head.startswith("R1 = "):
        return ""
    out = f"; as the study runs it (OpenDSS's values, the Existing sources sheet): {head}"
    kv, i_a = float(row.kv_ll), float(row.isc3_a)
    if math.isfinite(i_a):
        out += f", {i_a:,.0f} A at {kv:g} kV"
    feeder_kv, i_feeder = float(row.feeder_kv), float(row.isc3_feeder_a)
    closed = ""
    if not math.isfinite(i_feeder) and math.isfinite(i_a):
        feeder_kv = _feeder_kv_if_closed(model, str(row.name), kv)
        i_feeder, closed = i_a * kv / feeder_kv, " if the element keeping it off were closed"
    if math.isfinite(i_feeder) and math.isfinite(feeder_kv) and abs(feeder_kv - kv) > 1e-9:
        out += f", at most {i_feeder:,.2f} A referred to {feeder_kv:g} kV{closed}"
    return out + caution


def with_source_figures(todos: Sequence[Issue], study: Any) -> list[Issue]:
    """``todos`` with each TODO on an existing source written as a Vsource (module
    docstring) followed by the figures the study runs it with; the others as they are, and
    all of them unchanged without an OpenDSS model or such a TODO (or when the figures cannot
    be read)."""
    model = getattr(study, "model", None)
    hits = {k: m["name"].lower() for k, t in enumerate(todos)
            if (m := _EXISTING_VSOURCE.match(str(t.message)))}
    if model is None or not hits:
        return list(todos)
    from protv2g.engine.phase.der import der_table

    try:
        table = der_table(model)
    except Exception:  # noqa: BLE001 - optional figures: the TODO is listed as written
        return list(todos)
    rows = {str(r.name).lower(): r for r in table[table.kind == "vsource"].itertuples()}
    out = list(todos)
    for k, name in hits.items():
        said = _figures(rows[name], model) if name in rows else ""
        if said:
            t = out[k]
            out[k] = Issue(t.file, t.field, f"{t.message}{said}", t.fix)
    return out
