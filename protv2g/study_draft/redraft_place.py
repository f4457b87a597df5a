"""Where ``init --redraft`` re-applies init's head-relay rule to a drafted relay: at the place
the study file gives it, or a stated reason why not (review rev33c W2).

A relay drafted by ``protv2g init`` (its ``# TODO`` on the item) is re-drafted where it sits
now, not only where the model's feeder head is (:func:`.heads.feeder_heads`): the user moves a
drafted relay to where the feeder's current flows — on IEEE 37, from ``Line.Jumper`` (the
open-delta regulator bank's B-phase tie, 0 A, where init drafted it before review rev33c W1)
to ``Line.L35`` — and ``init --redraft`` said "nothing re-drafted" while the relay kept its
10 A pickup under 376 A of load: the drafted relay was matched to a detected head only and
dropped silently otherwise.

The rule (:func:`.head_rule.head_proposals`) drafts a relay on a line looking away from the
source, with no relay or recloser above it (its zone and coordination are those below it).
A drafted relay where that does not hold is not re-drafted, and :func:`relay_heads` says why
(``init --redraft`` prints it; ``recommend`` does not claim a re-draft would leave it as is):

* it sits on a transformer (or anything not a line);
* its line is in parallel with a transformer or regulator (a bank's link: no feeder current
  of its own, :mod:`.heads`);
* it looks towards the source (the line's end farther from the source), or its line is no
  branch of the source's tree (a loop, an open or disabled line);
* a relay or recloser of the study sits above it (or on the same line).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from protv2g.network.dss_graph import device_site, dss_feeder_graph, dss_source_buses
from protv2g.network.dss_model import DssModel
from protv2g.study_draft.heads import FeederHead, feeder_heads

__all__ = ["relay_heads"]


def relay_heads(model: DssModel, drafted: Mapping[int, Any],
                places: Mapping[str, tuple[str, int]], guards: Mapping[str, str]
                ) -> tuple[list[tuple[int, Any, FeederHead]], dict[str, str]]:
    """The place init's rule re-drafts each drafted relay at, or why not (module docstring).

    Parameters
    ----------
    model : DssModel
        The study's base-case model.
    drafted : mapping of int to device
        File index → the study file's entry of a relay drafted as a whole.
    places : mapping of str to (str, int)
        Device name → (OpenDSS element, terminal) of the study's devices, the drafted ones
        included (:attr:`~protv2g.study.loader.Study.device_sites`).
    guards : mapping of str to str
        The study's other relays and reclosers: name → OpenDSS element.

    Returns
    -------
    list of (int, device, FeederHead), dict of str to str
        The relays re-drafted, in file order, each with the head (its own place) the rule
        takes; and relay name → why it is not re-drafted.
    """
    g = dss_feeder_graph(model)
    src = next(iter(dss_source_buses(model).values()))
    tree = nx.bfs_tree(g, src)
    heads = {(h.element, h.terminal): h for h in feeder_heads(model, guards)
             if not h.protected_by}
    ends = {}
    for name, element in guards.items():
        hit = model.elements.index[model.elements.name == element]
        if len(hit):
            ends[name] = {int(b) for b in model.bus_index(list(
                model.elements.buses.iat[int(hit[0])]))}
    out, why = [], {}
    for index, d in drafted.items():
        element, terminal = places.get(d.name, ("", 1))
        if not element.startswith("line."):
            why[d.name] = (f"it sits on {element or 'no element of the model'}: init's rule "
                           "drafts a head relay on a line")
            continue
        if (element, terminal) in heads:
            out.append((index, d, heads[(element, terminal)]))
            continue
        try:
            site = device_site(model, element, terminal)
        except KeyError:
            why[d.name] = f"{element} is not in the model's base case"
            continue
        edge = g.get_edge_data(site.bus, site.far_bus) or {}
        bank = sorted(str(model.elements.name.iat[r]) for c, r in edge.get("elements", ())
                      if c in ("transformer", "autotrans"))
        upstream = set(nx.shortest_path(tree, src, site.bus)) if site.bus in tree else set()
        above = [n for n, b in ends.items() if b <= upstream or b == {site.bus, site.far_bus}]
        if bank:
            why[d.name] = (f"{element} is in parallel with {', '.join(bank)} (a bank's link, "
                           "no feeder current of its own)" + _head_hint(heads))
        elif tree.has_edge(site.far_bus, site.bus):
            why[d.name] = (f"it looks towards the source ({element}'s end nearer the feeder's "
                           "far end): init's rule drafts a relay looking away from the source"
                           " — give the other end")
        elif not tree.has_edge(site.bus, site.far_bus):
            why[d.name] = (f"{element} is no branch of the source's tree (a loop, or open): "
                           "init's rule drafts a relay on a radial branch")
        elif above:
            why[d.name] = (f"{' and '.join(sorted(above))} sits above it: init's rule drafts "
                           "the relay nearest the source, with no relay or recloser above it "
                           "— give its settings coordinated with it")
        else:
            out.append((index, d, FeederHead(element, terminal, site.bus, site.far_bus)))
    return out, why


def _head_hint(heads: Mapping[tuple[str, int], FeederHead]) -> str:
    """``: the rule's head now is line.l35 (end: from); move it there`` or ""."""
    free = [h for h in heads.values() if not h.skipped]
    if not free:
        return ""
    h = free[0]
    end = "from" if h.terminal == 1 else "to"
    return (f"; init's rule drafts the head relay on {h.element} now: move it there "
            f"(location: {{line: {h.element.split('.', 1)[1]}, end: {end}}}) and re-draft")
