"""Which buses of an OpenDSS feeder have no path to ground (an ungrounded, delta-fed system).

A bus fed through a delta (or ungrounded-wye) winding with nothing grounded on it has no
zero-sequence path: its phase-to-ground voltages are set by nothing but OpenDSS's
``ppm_antifloat`` admittance (1 ppm of the winding's, added so that the matrix can be
factorised) and float — a wye-connected constant-power element there moves its neutral until
its phase currents sum to zero (review rev30 §2: a YNd depot transformer's 480 V side went
1.044 → 1.136 / 1.124 / 0.900 pu phase to ground with a wye generator, 1.02 pu line to line).
The service voltage of such a 3-wire system is the line-to-line one (ANSI C84.1-2020 gives
its ranges for 3-wire systems line to line), which C12 judges there
(:func:`protv2g.flow.opendss_tables.bus_table`'s ``vm_ll_max_pu`` and ``vm_ll_min_pu``).

How it is found, from OpenDSS's own element admittances (no rule per element class):

1. Galvanic islands: buses joined by enabled, closed lines (switches included) and series
   reactors and capacitors. Transformers and autotransformers separate islands (each winding
   sits in its own).
2. An island is grounded when some element that can ground a system has a conductor on
   ground (OpenDSS node 0) that carries current when every node of the island rises by the
   same voltage, the rest of the circuit held: ``|Σ_g (Yprim·u)_g| ≥``
   :data:`GROUND_MIN_RATIO` ``× max |Yprim_kk|`` over the element's conductors in the island
   (``u`` = 1 on them, 0 elsewhere; ``g`` its conductors on ground). A grounded-wye winding
   (a transformer's, a grounding transformer's), a neutral reactor, a source, a generator
   (a machine with its neutral grounded) and a grounded-wye capacitor bank do (the ratio is of
   order 1); a delta winding, a delta load and a line do not (a line with a grounded neutral
   only by its capacitance, ≈ 1e-5 of its series admittance; OpenDSS's anti-float admittance
   is on the diagonal, not through a ground conductor). A neutral brought out to a node of
   its bus and grounded through a reactor counts (the reactor carries the current), and so
   does one grounded through the winding's own ``rneut``/``xneut`` (OpenDSS puts that
   impedance on the neutral conductor's diagonal of the winding's ``Yprim``, a shunt to
   ground: the current it takes is the sum over the winding's other conductors; the shared
   case transformer-neutral-grounding ``master_n4_rneut8.dss``, review rev46b M2); a
   high-resistance-grounded winding (ratio below :data:`GROUND_MIN_RATIO`) does not: its phase
   to ground voltages are not a service voltage either.

   A load, a PV system or a storage element (:data:`NOT_GROUNDING_CLASSES`) never grounds an
   island, whatever its connection: what grounds a system is its sources' and transformers'
   neutrals, grounding transformers and reactors (IEEE Std 142-2007 §1.2-§1.4, recalled; IEEE Std
   C62.92.1-2016 §4: the classes of system grounding are set by those), not a load's star
   point. OpenDSS's default ``conn=wye`` ties a load's star point to node 0, but on a real
   3-wire delta system there is no neutral to tie it to: it floats, and the load draws no
   zero-sequence current (a constant-power load's ``Yprim`` is only its nominal admittance,
   the solution corrects its current by injection; an inverter's star point is its
   converter's). Counting it gave review rev36a W1: a depot's 480 V delta bus with a 40 kW
   ``Load.depot_aux`` left at the default wye read 0.961 / 1.058 / 1.056 pu phase to ground
   (the star point of a 3-phase load unbalancing a balanced site), C12 failing there at
   1.060 pu where the line-to-line voltage, the service voltage of a 3-wire system, was
   1.021-1.025 pu (OpenDSS). Such a load is a slip of the model
   (:func:`protv2g.study.dss_ground_loads.grounded_load_warnings` says so).
3. A winding that passes zero sequence joins two islands: raised alone, one island drives
   current out of the element's conductors in the other (``|Σ_m (Yprim·u_k)_m| ≥``
   :data:`GROUND_MIN_RATIO` ``× max |Yprim_kk|``) — a grounded wye-wye transformer (IEEE 123's
   single-phase regulator ``reg2a``, ``9.1 → 9r.1``, wye-wye: its lateral's zero-sequence
   current returns through the regulator's grounded neutrals to the feeder's source, the
   ground-conductor currents of its two windings cancelling), an autotransformer; a YNd or Dyn
   unit does not (the delta winding carries no zero-sequence current out of its terminals).
   An island joined so to a grounded one is grounded. Without this, the loads' star points
   (above) had hidden it: IEEE 123's ``9r``, ``14``, ``10``, ``11`` (phase a behind
   ``reg2a``) read "no path to ground" once loads stopped counting.

The V2G sites are not in the model (:class:`~protv2g.flow.opendss.DssFlowEngine` adds a
three-phase one delta-connected, without a ground conductor). A site on one or two phases is
line to neutral, in the fault engine (one single-phase inverter per phase,
:mod:`protv2g.engine.phase.sites`) and in the flow: on a bus with no ground path it has no
neutral to connect to, and :func:`line_to_neutral_issue` refuses it (the flow's wye generator
there found no solution in 100 iterations — its current has no return path).

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — Transformer ``conns``, ``ppm_antifloat``; node 0 = ground.
ANSI C84.1-2020 §4 and Table 1 (nominal system voltages of 3-wire systems, line to line).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from protv2g.network.dss_model import DssModel, ElementY

__all__ = ["GROUND_MIN_RATIO", "LINK_CLASSES", "NOT_GROUNDING_CLASSES", "ReverseBasis",
           "grounding_elements", "line_to_neutral_issue", "reverse_basis", "ungrounded_buses"]

#: An element grounds an island when the current into its ground conductors under a common
#: rise of the island's nodes is at least this fraction of its largest self-admittance there
#: (a wye winding or load ≈ 1; a line's capacitance to a grounded neutral ≈ 1e-5; a delta
#: winding 0).
GROUND_MIN_RATIO = 1e-3
#: Element classes that join two buses galvanically (one island); transformers do not.
LINK_CLASSES = ("line", "reactor", "capacitor")
#: Element classes whose conductors on ground do not ground an island (module docstring,
#: step 2): constant-power loads and inverters — their star point is not a system ground.
NOT_GROUNDING_CLASSES = ("load", "pvsystem", "storage")
#: How the reverse flow at a watched terminal is judged (:func:`reverse_basis`): ``"phase"``
#: each phase conductor's own power (a line-to-neutral unit), ``"terminal"`` the terminal's
#: total (a winding between phases, a delta winding, a 3-wire ungrounded circuit).
ReverseBasis = Literal["phase", "terminal"]
#: Element classes whose terminal is a winding (judged by its connection, not by its bus).
_WINDING_CLASSES = ("transformer", "autotrans")


def _islands(model: DssModel) -> np.ndarray:
    """``(buses,)`` island label of each bus (buses joined by :data:`LINK_CLASSES`)."""
    e = model.elements
    pick = (e.enabled.to_numpy(bool) & e.closed.to_numpy(bool)
            & e.cls.isin(LINK_CLASSES).to_numpy())
    terminals = e.buses[pick].tolist()
    first = model.bus_index([b[0] for b in terminals for _ in b[1:]])
    other = model.bus_index([x for b in terminals for x in b[1:]])
    keep = (first >= 0) & (other >= 0)
    nb = len(model.buses)
    graph = sp.csr_matrix((np.ones(int(keep.sum())), (first[keep], other[keep])), shape=(nb, nb))
    return connected_components(graph, directed=False)[1]


def _admittances(model: DssModel, names: list[str]) -> Iterator[ElementY]:
    """The :class:`ElementY` of the lines and of ``names``: the lines' and shunts' (loads,
    shunt capacitors and reactors) as the model read them, the others read now."""
    yield from model.lines()
    read = {el.name: el for el in model.shunts}
    for name in names:
        if name in read:
            yield read[name]
            continue
        try:
            yield model.element_y(name)
        except Exception:  # noqa: BLE001 - an element OpenDSS gives no admittance (controls)
            continue


def _grounded_islands(model: DssModel, island: np.ndarray) -> dict[int, tuple[str, ...]]:
    """Islands some element grounds, directly or through a winding that passes zero sequence
    to a grounded island (module docstring, steps 2 and 3): island → the elements that ground
    it directly, ``"class.name"`` (an island grounded through a winding: those of the directly
    grounded islands it is joined to)."""
    e = model.elements
    pick = (e.enabled.to_numpy(bool) & e.energized.to_numpy(bool)
            & ~e.cls.isin(("line", *NOT_GROUNDING_CLASSES)).to_numpy())
    direct: dict[int, list[str]] = {}
    passes: list[tuple[int, int]] = []
    for el in _admittances(model, e.name[pick].tolist()):
        if el.yprim_s.size == 0:
            continue
        ground = el.node < 0
        where = np.where(ground, -1, island[model.node_bus[np.maximum(el.node, 0)]])
        islands = sorted(set(where[~ground].tolist()))  # np.unique's list, on a few nodes
        # a winding's own rneut/xneut (star point on sub.4) is a shunt in its Yprim, not a
        # conductor on node 0: its current to ground is the sum over the other conductors
        own = str(el.name).split(".", 1)[0].lower() in _WINDING_CLASSES
        if not ground.any() and not own and len(islands) < 2:
            continue
        for k in islands:
            if k in direct and len(islands) < 2:
                continue
            u = (where == k).astype(float)
            i = el.yprim_s @ u
            scale = float(np.abs(np.diag(el.yprim_s))[where == k].max())
            if scale <= 0:
                continue
            to_ground = i[~ground].sum() if own else -i[ground].sum()
            if (ground.any() or own) and abs(complex(to_ground)) >= GROUND_MIN_RATIO * scale:
                direct.setdefault(int(k), []).append(str(el.name))
            for m in islands:
                if m != k and abs(complex(i[where == m].sum())) >= GROUND_MIN_RATIO * scale:
                    passes.append((int(k), int(m)))
    out = {k: tuple(v) for k, v in direct.items()}
    if not passes or not direct:
        return out
    # an island joined by zero-sequence paths to a directly grounded one is grounded too
    n = int(island.max()) + 1 if len(island) else 0
    a, b = np.array(passes, dtype=np.int64).T
    graph = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    label = connected_components(graph, directed=False)[1]
    # each zero-sequence group's grounding elements once, in ``direct``'s order (the IEEE
    # 8500's 1,183 islands grounded through windings joined them island by island: 0.2 s)
    group: dict[int, list[str]] = {}
    for d, names in direct.items():
        group.setdefault(int(label[d]), []).extend(names)
    said = {g: tuple(dict.fromkeys(names)) for g, names in group.items()}
    for k in np.flatnonzero(np.isin(label, label[sorted(direct)])):
        out.setdefault(int(k), said[int(label[k])])
    return out


def _grounding(model: DssModel) -> tuple[np.ndarray, dict[int, tuple[str, ...]]]:
    """(island label of each bus, grounded island → its grounding elements), cached."""
    def build(m: DssModel) -> tuple[np.ndarray, dict[int, tuple[str, ...]]]:
        island = _islands(m)
        return island, _grounded_islands(m, island)

    return model.derived("grounding", build)


def ungrounded_buses(model: DssModel) -> np.ndarray:
    """``(buses,)`` bool: the bus (in :attr:`DssModel.buses` order) has no path to ground.

    Parameters
    ----------
    model : DssModel

    Returns
    -------
    numpy.ndarray
        True on the buses of every galvanic island that no element grounds (module
        docstring); cached on the model (:meth:`DssModel.derived`).
    """
    def build(m: DssModel) -> np.ndarray:
        island, grounded = _grounding(m)
        out = ~np.isin(island, np.fromiter(grounded, dtype=np.int64))
        out.setflags(write=False)
        return out

    return model.derived("ungrounded_buses", build)


def grounding_elements(model: DssModel) -> list[tuple[str, ...]]:
    """The elements that ground each bus's island (:attr:`DssModel.buses` order, ``()`` on a
    bus with no path to ground; module docstring: a grounded-wye winding, a neutral reactor, a
    source …, or — for an island grounded through a winding that passes zero sequence — those
    of the island it is joined to); what ``faults`` and the Feeder warnings name as the
    grounding found elsewhere (:mod:`protv2g.flow.ungrounded_why`)."""
    island, grounded = _grounding(model)
    return [grounded.get(int(k), ()) for k in island]


def line_to_neutral_issue(model: DssModel, bus: str, phases: str) -> tuple[str, str] | None:
    """Why a site on ``phases`` of ``bus`` cannot be modelled there, or None.

    A site on one or two phases is line to neutral (module docstring): a bus with no ground
    path (:func:`ungrounded_buses`, a 3-wire system) has no neutral for it. Three-phase sites
    (a 3-wire converter) and unknown buses give None.

    Parameters
    ----------
    model : DssModel
    bus : str
        OpenDSS bus name.
    phases : str
        The site's phases, ``"abc"``, ``"c"``, ``"ac"`` ….

    Returns
    -------
    tuple of (str, str) or None
        The problem and its fix, as an :class:`~protv2g.errors.Issue` takes them.
    """
    if len(set(phases.lower())) >= 3:
        return None
    b = int(model.bus_index([bus])[0])
    if b < 0 or not bool(ungrounded_buses(model)[b]):
        return None
    return (f"bus {bus!r} has no path to ground (fed through a delta or ungrounded winding, "
            f"nothing grounded on it): a site on {len(set(phases))} phase(s) is line to "
            "neutral (single-phase inverters in the fault engine and the flow), and this "
            "3-wire bus has no neutral",
            "connect a single-phase charger between two phases, 'phases: 1' with 'phase: ab' "
            "(bc, ca: one unit line to line, no neutral needed), make the site three-phase "
            "(a 3-wire converter), or connect it to a bus with a ground path (e.g. the "
            "grounded-wye side of a transformer)")


def reverse_basis(model: DssModel, element: str, terminal: int) -> ReverseBasis:
    """Whether the reverse power at ``element``'s ``terminal`` is judged per phase conductor or
    on the terminal's total.

    A phase conductor's power to ground ``V_k·I_k*`` is the power of a unit only where the
    conductor's current returns through ground (or a neutral): a line-to-neutral winding of a
    wye-grounded regulator bank (a single-phase fleet can reverse one unit of the bank while
    the bank's total stays forward: judged per phase), or a line on a bus with a ground path.
    Where it does not, the per-conductor terms are not any unit's power, only their sum is
    (it does not depend on the voltage reference, as the currents sum to zero):

    * a winding connected phase to phase — a single-phase regulator or transformer between two
      phases (IEEE 37's open-delta bank ``reg1a`` on ``799.1.2``: +795 kW through the winding
      at peak load, split into +876 kW on conductor a and −82 kW on conductor b; review
      rev33c W4) — or a delta winding: no conductor of the terminal carries current to ground
      or to a neutral under a common rise of its phase conductors (the test of the module
      docstring, step 2, on the element's own ``Yprim``);
    * any other element (a line, a switch) on a bus with no ground path
      (:func:`ungrounded_buses`): its phase-to-ground voltages float.

    This is also what OpenDSS's RegControl senses: its reverse-power test (``reversible``,
    ``revThreshold`` kW, "kW reverse power threshold for reversing the direction of the
    regulator") reads the real part of the controlled transformer's power at its terminal,
    the sum over the terminal's conductors (RegControl ``Sample``: ``Power[ElementTerminal]``
    of the controlled transformer; R. C. Dugan, *OpenDSS Reference Guide*, RegControl).

    Parameters
    ----------
    model : DssModel
    element : str
        ``class.name`` (lower or upper case).
    terminal : int
        1-based terminal.

    Returns
    -------
    ReverseBasis
        ``"phase"`` on terminals with fewer than two phase conductors (the two coincide) and on
        elements OpenDSS gives no admittance for, else as above. A neutral conductor on a
        node other than ground (``bus.4``) is taken as the units' return, its voltage to
        ground neglected. Cached on the model (:meth:`DssModel.derived`).
    """
    name = str(element).lower()

    def build(m: DssModel) -> ReverseBasis:
        try:
            el = m.element_y(name)
        except Exception:  # noqa: BLE001 - an element OpenDSS gives no admittance for
            return "phase"
        at = el.terminal == int(terminal)
        phase = at & (el.node_num >= 1) & (el.node_num <= 3)
        if phase.sum() < 2:
            return "phase"
        if name.split(".", 1)[0] in _WINDING_CLASSES:
            i = el.yprim_s @ phase.astype(float)
            i_n = abs(complex(i[at & ~phase].sum()))
            scale = float(np.abs(np.diag(el.yprim_s))[phase].max())
            return "phase" if scale > 0 and i_n >= GROUND_MIN_RATIO * scale else "terminal"
        # the element's own bus (a line split for close-in faults answers with its section)
        own = m.elements.buses[m.elements.name == name]
        buses = own.iat[0] if len(own) else el.buses
        b = int(m.bus_index([buses[int(terminal) - 1]])[0])
        return "terminal" if b >= 0 and bool(ungrounded_buses(m)[b]) else "phase"

    return model.derived(f"reverse_basis:{name}:{int(terminal)}", build)
