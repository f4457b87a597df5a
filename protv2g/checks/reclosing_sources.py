"""C10 for an existing source the model writes as a Vsource behind a reclosing device.

An OpenDSS model may write a feeder generator as a voltage source behind its impedance: EPRI
DG_Prot_Fdr's ``Vsource.WindGen1`` (0.6 kV behind transformer Tg, a 1,650 kVA wind machine,
:func:`protv2g.network.dss_graph.dss_sources` role ``existing source``). It carries no power
rating for C11's count of existing DER (PV, storage, generators) and no anti-islanding trip: in
the model it **never ceases**. Reclosers a and b of that feeder reclose after 2 s with it
behind them (review rev45a M6) and C10 said nothing of it.

**Judgement.** Each such source behind a reclosing device gets a C10 row in every scenario
(the base cases included; the attribution's comparison makes it ``pre-existing``), its
``mechanism`` :data:`NO_CEASE_MODELLED`. Its cease time is bracketed: the low end is IEEE
1547-2018 §8.1's 2 s (:data:`~protv2g.checks.reclosing.EXISTING_DER_CEASE_S`, what the check
assumes for the existing DER), the high end "never" (the model's own behaviour: a machine
without anti-islanding protection). A first reclose within 2 s + the reclose margin fails at
both ends (``fail``); a later one holds at the low end only: an ``info`` row naming the risk —
the machine must cease within 2 s for the reclose to be safe, which the model does not show.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from protv2g.checks._common import concat, violation_rows
from protv2g.violations import CheckStatus

__all__ = ["NO_CEASE_MODELLED", "existing_vsources", "vsource_rows"]

#: The ``mechanism`` of a C10 row of an existing source written as a Vsource.
NO_CEASE_MODELLED = ("existing source written as a Vsource: no cease-to-energise in the "
                     "model (IEEE 1547-2018 §8.1's 2 s assumed; never, in the model)")


def existing_vsources(ctx: Any, behind: set[int]) -> list[tuple[str, int]]:
    """``(name, bus)`` of the Vsources below the supply voltage (existing sources,
    :func:`~protv2g.network.dss_graph.dss_sources`) at a bus of ``behind`` and connected to
    the substation (a source the model leaves unconnected feeds no island); [] on a
    pandapower study. Once per context."""
    model = getattr(ctx.study, "model", None)
    if model is None or not behind:
        return []
    found = ctx.cache.get("C10 existing vsources")
    if found is None:
        import networkx as nx

        from protv2g.network.dss_graph import dss_feeder_graph, dss_sources

        src = dss_sources(model)
        ex = src[(src.role == "existing source") & (src.bus >= 0)]
        found = []
        if len(ex):
            graph = dss_feeder_graph(model)
            head = int(src[src.role == "substation"].bus.iat[0])
            found = [(str(n), int(b)) for n, b in zip(ex.name, ex.bus, strict=True)
                     if int(b) in graph and nx.has_path(graph, head, int(b))]
        ctx.cache["C10 existing vsources"] = found
    return [(n, b) for n, b in found if b in behind]


def vsource_rows(ctx: Any, device: str, first_s: float, cease_s: float, rule: Any,
                 sources: list[tuple[str, int]], bracket: str, setting: str
                 ) -> pd.DataFrame:
    """C10 rows of the existing Vsources ``sources`` behind ``device`` (first reclose
    ``first_s``), every scenario: ``fail`` when the reclose comes within ``cease_s`` (2 s) +
    the margin, else ``info`` (module docstring). ``bracket``: which end of the margin
    bracket decides a failing row (:func:`~protv2g.checks.reclosing._bracket_text`);
    ``setting``: what the model says of its ceasing (a voltage relay there)."""
    need = cease_s + rule.value
    fails = first_s <= need
    rows = []
    for name, bus in sources:
        where = ctx.bus_name(bus)
        if fails:
            verdict = (f"out-of-phase reclosing risk (needs > {need:g} s){bracket}; and if it "
                       "never ceases, as modelled, any reclose meets it out of phase")
        else:
            verdict = (f"holds only if it ceases within {cease_s:g} s as IEEE 1547-2018 §8.1 "
                       f"requires (needs > {need:g} s): if it never ceases, as modelled, the "
                       f"reclose after {first_s:g} s meets it out of phase — confirm its "
                       "anti-islanding protection")
        rows += [violation_rows(
            "C10", CheckStatus.FAIL if fails else CheckStatus.INFO, scenario=sc.name,
            device=device, other_device=name, t_device_s=first_s, t_other_s=cease_s,
            margin=first_s - need, limit=need, tolerance=0.0, fault_bus=where,
            rule=rule.name, rule_value=rule.value, rule_source=rule.source,
            mechanism=NO_CEASE_MODELLED,
            message=(f"{device} recloses after {first_s:g} s with {name} behind it at {where}, "
                     "an existing source the model writes as a voltage source: nothing in "
                     f"the model ceases it (no IEEE 1547 trip; {setting}); taken to cease "
                     f"within {cease_s:g} s (IEEE 1547-2018 §8.1) {ctx.export_text(sc.name)}: "
                     f"{verdict}"))
            for sc in ctx.scenarios.values()]
    return concat(rows)
