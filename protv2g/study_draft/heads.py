"""Feeder heads of an OpenDSS model: where a drafted head relay would sit.

Feeder head (a stated rule, not a standard): the substation bus is where the source feeds the
feeder: going down the source's shortest-path tree from the source bus while there is a single
branch that is not a line (the substation transformer, regulators, a bus tie), the first line(s)
leaving a bus are the feeder heads — several when feeders leave the same bus. The feeder's
level is that bus's voltage, whatever voltage most buses have: a 34.5 kV trunk with a
34.5/12.47 kV step-down (more buses at 12.47 kV) is headed at the first 34.5 kV line out of
the substation, where a protection engineer puts the head relay (review rev44b W2: the level
taken as the mode of the primary buses' kV started the search at the step-down's secondary,
called the trunk "guarded" by a recloser below the step-down and left its loads and a V2G
site with no device). A line at transmission voltage before the substation transformer (a
sub-transmission tie modelled in front of it) would be taken as the head: the model should
start at the substation's high-voltage bus. A line in parallel with a transformer
or regulator (the same two buses) is part of that bank, and the branch is not a line branch:
IEEE 37's ``Line.Jumper``, a 1-phase 1 mΩ link 799.2–799r.2 beside the open-delta regulators
reg1a (799.1–799.2) and reg1c (799.3–799.2), carries no current of its own (its two ends sit on
node 2, OpenDSS: 0 A at peak); the head is the first line branch after the bank, ``Line.L35``
from 799r, where the feeder's current flows (376/286/366 A at peak; review rev33c W1: the
relay drafted on the jumper saw 0 A load and "0.00 kA" max fault, 10 A pickup).
A head is *protected* when a relay or recloser that the study adopts from the model
(``guards``) sits on it or between it and the source — whether or not the model disables
it: the draft adopts disabled devices as in service, so they guard the head as they would
enabled (review s17 §3.1: EPRI DG_Prot_Fdr disables its recloser A at the head,
``enabled=no``, and a relay drafted on top of it gave 5 of 12 findings).
A head with nothing below its far bus but loads and shunts (no line, transformer or bus further
down) is *skipped*: it is a lumped load equivalent, not a feeder (s16 S4: ckt24's
``Line.Other_Feeders``, a 1e-8 Ω line to
a 23.5 MVA load standing for the substation's other feeders, got a drafted relay, TODOs and
C7 rows); the draft says which in a comment.

Split from :mod:`protv2g.study_draft.head_relay` (the module had grown past 400 lines), which
re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np

from protv2g.errors import Issue
from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses
from protv2g.network.dss_model import DssModel

__all__ = ["FeederHead", "feeder_buses", "feeder_heads", "subtree_buses", "nothing_to_draft"]


@dataclass(frozen=True)
class FeederHead:
    """A feeder head: the line, its source-side terminal, and whether the model protects it."""

    element: str
    terminal: int
    bus: int
    far_bus: int
    protected_by: str = ""
    #: why no relay is proposed for it (a lumped load equivalent), "" for a feeder
    skipped: str = ""


def _tree(model: DssModel) -> tuple[nx.Graph, nx.DiGraph, int]:
    g = dss_feeder_graph(model)
    src = next(iter(dss_source_buses(model).values()))
    return g, nx.bfs_tree(g, src), src


def subtree_buses(tree: nx.DiGraph, bus: int) -> set[int]:
    """``bus`` and every bus below it in the source's tree."""
    return {bus} | set(nx.descendants(tree, bus))


#: Classes that make a branch part of a transformer or regulator bank: a line in parallel
#: with one of them (the same two buses) is the bank's link, not a feeder head (module
#: docstring; review rev33c W1).
_BANK_CLASSES = frozenset({"transformer", "autotrans"})


def _line_branch(elements: list[tuple[str, int]]) -> bool:
    """Whether a branch (its ``(class, row)`` elements) is a line branch that can be a feeder
    head: it holds a line and no transformer or regulator in parallel with it."""
    classes = {cls for cls, _ in elements}
    return "line" in classes and not classes & _BANK_CLASSES


def _feeder_bus(g: nx.Graph, tree: nx.DiGraph, src: int) -> tuple[int, list[int]]:
    """The substation's feeder bus (module docstring: down from the source while there is a
    single branch that is not a line) and the buses its line branches lead to."""
    bus = src
    while True:
        kids = list(tree.successors(bus))
        lines = [c for c in kids if _line_branch(g[bus][c]["elements"])]
        if lines or len(kids) != 1:
            return bus, lines
        bus = kids[0]


def feeder_buses(model: DssModel) -> tuple[int, np.ndarray]:
    """The substation's feeder bus (model bus index; the feeder heads leave it) and a mask of
    the model's buses on the feeder: that bus and every bus below it in the source's tree,
    whatever their voltage — a 34.5 kV trunk and the 12.47 kV section below its step-down
    both; not the source's side of the substation transformer (review rev44b W2: init took
    the feeder's voltage as the mode of the primary buses' kV, draft44's left item)."""
    g, tree, src = _tree(model)
    bus, _lines = _feeder_bus(g, tree, src)
    mask = np.zeros(len(model.buses), dtype=bool)
    mask[sorted(subtree_buses(tree, bus))] = True
    return bus, mask


def feeder_heads(model: DssModel, guards: Mapping[str, str]) -> list[FeederHead]:
    """The feeder heads of ``model`` (module docstring).

    Parameters
    ----------
    model : DssModel
    guards : mapping of str to str
        The relays and reclosers the study adopts: device name → the OpenDSS element it sits
        on (``"line.l1"``), enabled in the model or not.
    """
    g, tree, src = _tree(model)
    tab = model.buses
    elements = model.elements
    bus, lines = _feeder_bus(g, tree, src)
    upstream = set(nx.shortest_path(g, src, bus))
    guarded = {}
    for name, element in guards.items():
        hit = elements.index[elements.name == element]
        if not len(hit):
            continue
        ends = model.bus_index(list(elements.buses.iat[int(hit[0])]))
        guarded[frozenset(int(x) for x in ends)] = name
    up_guard = next((n for ends, n in guarded.items() if ends <= upstream), "")
    out = []
    for child in sorted(lines, key=lambda c: str(tab.index[c])):
        cls, row = next((c, r) for c, r in g[bus][child]["elements"] if c == "line")
        name = str(elements.name.iat[row])
        ends = model.bus_index(list(elements.buses.iat[row]))
        term = 1 if int(ends[0]) == bus else 2
        by = up_guard or guarded.get(frozenset(int(x) for x in ends), "")
        lumped = "" if any(True for _ in tree.successors(child)) else (
            f"{name} leads to {tab.index[child]}, which holds only loads/shunts (no line "
            "or transformer below it): a lumped load equivalent, not a feeder")
        out.append(FeederHead(name, term, bus, child, by, lumped))
    return out


def nothing_to_draft(master: str, heads: list[FeederHead]) -> Issue:
    """Why init can draft no study: the model has no protective device init adopts and no
    feeder head to draft a relay on — each head skipped as a lumped load equivalent, or no
    line leaving the substation bus (review rev44b F2: a model of one line to an empty bus
    stopped with a traceback, ``no devices were given to phase_fault_study``)."""
    why = "; ".join(h.skipped for h in heads if h.skipped) or (
        "no line leaves the substation bus (the bus the source's transformer feeds)")
    return Issue(master, "", "nothing to draft: the model has no Relay, Recloser or Fuse "
                 f"init can adopt, and no feeder head to draft a relay on ({why})",
                 "model the feeder below its head (its lines and loads: a head is drafted on "
                 "the first line out of the substation bus), or add the feeder's own "
                 "protective devices (New Relay/Recloser/Fuse … monitoredobj=Line.…) to the "
                 "model")
