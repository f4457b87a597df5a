"""How an OpenDSS model earths each transformer winding's star point (for the pandapower path).

OpenDSS semantics (Dugan, "OpenDSS Reference Guide", Transformer ``Rneut``/``Xneut``; the
``cases/README.md`` of the reference data states the same and OpenDSS's fault study confirms it):

* the star-point conductor of a wye winding is the terminal's conductor after the phases
  (``bus.1.2.3.4`` → node 4; ``bus`` or ``bus.1.2.3`` → node 0);
* on **node 0** the star point is solidly earthed, whatever ``Rneut``/``Xneut`` say (the winding's
  neutral admittance then joins ground to ground: OpenDSS shorts it);
* on **its own node** the winding adds ``1/(Rneut + j·Xneut)`` from that node to ground when
  ``Rneut ≥ 0`` (``Rneut = Xneut = 0``: solid), nothing when ``Rneut < 0`` (the default);
* any other element between that node and ground is in parallel: a one-terminal (shunt)
  ``Reactor`` on the node, or a 1-phase ``Reactor``/``Line`` to node 0 or through further
  such elements (e.g. an NER in series with a reactor via an intermediate node). Such an element
  is a neutral impedance, not a shunt on the feeder.

:func:`read_neutrals` walks that neutral network from every star point, takes each element's
admittance from OpenDSS itself (``CktElement.YPrim`` at the base frequency) and reduces it to the
impedance between the star point and ground. A star-point node that anything else touches (a load,
a multi-phase line, another transformer's winding — a zig-zag bank built of single-phase units)
cannot be represented in a balanced sequence model: the import is refused with an
:class:`~protv2g.errors.InputError` that names the element and points to ``opendss_via: phase``.

References
----------
J. L. Blackburn, T. J. Domin, "Protective Relaying", 4th ed., CRC Press, 2014, ch. 7
(a neutral impedance ``Z_N`` appears as ``3·Z_N`` in the zero-sequence network).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from protv2g.errors import InputError, Issue
from protv2g.network.dss_elements import element_y

#: Element classes that may sit between a star point and ground as a neutral impedance.
GROUNDING_CLASSES = frozenset({"reactor", "line"})
#: Meters watch a node without connecting anything to it.
MEASUREMENT_CLASSES = frozenset({"monitor", "energymeter", "sensor", "fmonitor"})
#: What to tell the user when the balanced import cannot represent a neutral connection.
PHASE_PATH_FIX = ("study the feeder in phase coordinates: 'feeder: {opendss: <file>, "
                  "opendss_via: phase}' (the default), which takes every element from OpenDSS")

Node = tuple[str, int]  # (bus name, node number)
#: OpenDSS phase nodes (node 0 is ground; higher numbers are neutrals or internal nodes).
PHASE_NODES = frozenset({1, 2, 3})


@dataclass(frozen=True)
class Neutral:
    """Earthing of one winding's star point.

    Attributes
    ----------
    node : str
        ``"bus.k"`` of the star point (``"bus.0"``: on ground).
    z_ohm : complex
        Star point to ground, ohm: ``0`` solidly earthed, ``inf`` floating.
    elements : tuple of str
        OpenDSS elements besides the winding's own ``Rneut``/``Xneut`` folded into ``z_ohm``.
    network : int
        Which neutral network the star point is on (``-1``: node 0). Star points of different
        transformers on one network are coupled, which a per-transformer ``Z_N`` cannot hold.
    own_ohm : complex or None
        The winding's own ``Rneut + j·Xneut`` (``None``: ``Rneut < 0``, open).
    """

    node: str
    z_ohm: complex
    elements: tuple[str, ...] = ()
    network: int = -1
    own_ohm: complex | None = None

    @property
    def grounded(self) -> bool:
        """The star point has a path to ground (solid or through an impedance)."""
        return bool(np.isfinite(abs(self.z_ohm)))


@dataclass
class NeutralMap:
    """Result of :func:`read_neutrals`.

    Attributes
    ----------
    windings : dict
        ``(transformer name, winding number)`` → :class:`Neutral`, for every wye winding.
    elements : set of str
        Elements (``"Reactor.x"``, ``"Line.y"``) consumed as neutral impedances (lower case).
    nodes : dict
        Bus → node numbers that belong to a neutral network (not phases of the bus).
    """

    windings: dict[tuple[str, int], Neutral] = field(default_factory=dict)
    elements: set[str] = field(default_factory=set)
    nodes: dict[str, set[int]] = field(default_factory=dict)


def _refuse(element: str, what: str) -> InputError:
    return InputError(Issue("OpenDSS model", element, what, PHASE_PATH_FIX))


def _conductors(dss) -> list[Node]:  # noqa: ANN001
    """(bus, node) of every conductor of the active element, terminal by terminal."""
    order = list(dss.CktElement.NodeOrder())
    buses = [b.split(".", 1)[0].lower() for b in dss.CktElement.BusNames()]
    nc = int(dss.CktElement.NumConductors())
    return [(buses[i // nc], int(k)) for i, k in enumerate(order)]


def _star_points(dss) -> dict[tuple[str, int], tuple[Node, complex | None]]:  # noqa: ANN001
    """Every enabled wye winding → (star-point node, own neutral impedance or None = open).

    A star conductor on a phase node (``bus.1.2`` of a 1-phase wye unit) is a winding between
    two phases, not a star point, and is left out. A phase conductor on a node above 3
    (a zig-zag bank of single-phase units, interconnected windings) is refused.
    """
    out: dict[tuple[str, int], tuple[Node, complex | None]] = {}
    for name in dss.Transformers.AllNames():
        full = f"Transformer.{name}"
        dss.Circuit.SetActiveElement(full)
        if not dss.CktElement.Enabled():
            continue
        dss.Transformers.Name(name)
        cond = _conductors(dss)
        nc = int(dss.CktElement.NumConductors())
        n = int(dss.CktElement.NumPhases())
        for w in range(1, int(dss.Transformers.NumWindings()) + 1):
            dss.Transformers.Wdg(w)
            for bus, k in cond[(w - 1) * nc:(w - 1) * nc + n]:
                if k not in PHASE_NODES and k != 0:
                    raise _refuse(full, f"winding {w} has a phase on node {bus}.{k} (zig-zag or "
                                        "interconnected windings: no pandapower vector group)")
            if dss.Transformers.IsDelta():
                continue
            star = cond[w * nc - 1]
            if star[1] in PHASE_NODES:
                continue
            rn, xn = float(dss.Transformers.Rneut()), float(dss.Transformers.Xneut())
            z_own = None if rn < 0.0 else complex(rn, xn)
            out[(name.lower(), w)] = (star, z_own)
    return out


def _incidence(dss) -> dict[Node, list[str]]:  # noqa: ANN001
    """(bus, node) → enabled elements with a conductor on it (``Bus.AllPDEatBus`` misses an
    element whose two terminals are on one bus, e.g. a Line from ``sub.4`` to ``sub.0``)."""
    out: dict[Node, list[str]] = {}
    for full in dss.Circuit.AllElementNames():
        if full.split(".", 1)[0].lower() in MEASUREMENT_CLASSES:
            continue
        dss.Circuit.SetActiveElement(full)
        if not dss.CktElement.Enabled():
            continue
        for node in set(_conductors(dss)):
            if node[1] != 0:
                out.setdefault(node, []).append(full)
    return out


def read_neutrals(dss) -> NeutralMap:  # noqa: ANN001
    """Star-point earthing of every wye winding of a compiled, solved OpenDSS circuit.

    Parameters
    ----------
    dss : opendssdirect context
        Compiled and solved (node numbers are assigned by the solve).

    Returns
    -------
    NeutralMap
        Per winding the impedance star point → ground (0 solid, ``inf`` floating), the
        elements folded into it and the neutral-network nodes.

    Raises
    ------
    InputError
        A star-point node is connected to something that is not a neutral impedance (a load,
        a multi-phase element, another transformer's phase winding as in a zig-zag bank):
        the message names the element and points to the phase-domain path.
    """
    result = NeutralMap()
    stars = _star_points(dss)
    by_node: dict[Node, list[tuple[str, int]]] = {}
    for key, (node, _) in stars.items():
        if node[1] != 0:
            by_node.setdefault(node, []).append(key)
    solved: dict[Node, tuple[complex, tuple[str, ...], int]] = {}
    incidence = _incidence(dss) if by_node else {}
    for seed in by_node:
        if seed in solved:
            continue
        net_nodes, elements = _walk(dss, seed, incidence, stars)
        z = _reduce(dss, net_nodes, elements, by_node, stars)
        network = len({s[2] for s in solved.values()})
        for node in net_nodes:
            solved[node] = (z[node], tuple(sorted(elements)), network)
            result.nodes.setdefault(node[0], set()).add(node[1])
        result.elements.update(e.lower() for e in elements)
    for key, (node, z_own) in stars.items():
        label = f"{node[0]}.{node[1]}"
        if node[1] == 0:
            result.windings[key] = Neutral(label, 0j, own_ohm=z_own)
        else:
            z, elements, network = solved[node]
            result.windings[key] = Neutral(label, z, elements, network, z_own)
    return result


def _walk(dss, seed: Node, incidence, stars) -> tuple[list[Node], set[str]]:  # noqa: ANN001
    """Nodes and elements of the neutral network that contains ``seed``."""
    nodes, elements, todo = [seed], set(), [seed]
    while todo:
        node = todo.pop()
        for full in incidence.get(node, []):
            if full.lower() in elements:
                continue
            dss.Circuit.SetActiveElement(full)
            cond = _conductors(dss)
            cls = full.split(".", 1)[0].lower()
            if cls == "transformer":
                _check_star_conductor(dss, full, node, cond, stars)
                continue
            if cls not in GROUNDING_CLASSES or int(dss.CktElement.NumPhases()) != 1:
                raise _refuse(full, f"connected to the transformer star point {node[0]}.{node[1]}"
                                    " (a balanced model can only earth a star point through a "
                                    "1-phase Reactor or Line)")
            elements.add(full.lower())
            for other in cond:
                if other[1] != 0 and other not in nodes:
                    nodes.append(other)
                    todo.append(other)
    return nodes, elements


def _check_star_conductor(dss, full: str, node: Node, cond: list[Node], stars) -> None:  # noqa: ANN001
    """A transformer may touch a star-point node only with its wye windings' star conductors."""
    name = full.split(".", 1)[1].lower()
    nc = int(dss.CktElement.NumConductors())
    at_node = {i for i, c in enumerate(cond) if c == node}
    star_pos = {w * nc - 1 for (t, w) in stars if t == name}
    if not at_node <= star_pos:
        raise _refuse(full, f"a winding phase is connected to the star point {node[0]}.{node[1]} "
                            "(zig-zag or interconnected windings: no pandapower vector group)")


def _reduce(dss, nodes: list[Node], elements: set[str], by_node, stars) -> dict[Node, complex]:  # noqa: ANN001
    """Driving-point impedance node → ground of every node of one neutral network, ohm."""
    index = {n: i for i, n in enumerate(nodes)}
    y = np.zeros((len(nodes), len(nodes)), dtype=complex)
    solid = np.zeros(len(nodes), dtype=bool)
    reach = np.zeros(len(nodes), dtype=bool)  # has a direct admittance to ground
    for node in nodes:
        for key in by_node.get(node, []):
            z_own = stars[key][1]
            if z_own is None:
                continue
            if abs(z_own) == 0.0:
                solid[index[node]] = True
            else:
                y[index[node], index[node]] += 1.0 / z_own
                reach[index[node]] = True
    edges: list[tuple[int, int]] = []
    for full in elements:
        yp = element_y(dss, full, "OpenDSS model").yprim_s
        cond = _conductors(dss)
        idx = [index.get(c) if c[1] != 0 else None for c in cond]
        for a, ia in enumerate(idx):
            if ia is None:
                continue
            for b, ib in enumerate(idx):
                if ib is not None:
                    y[ia, ib] += yp[a, b]
            if len(cond) == 1 or any(i is None for i in idx):
                reach[ia] = True
        live = [i for i in idx if i is not None]
        edges += [(live[0], j) for j in live[1:]]
    # nodes joined to ground: a direct admittance, or connected to such a node
    grounded = reach | solid
    changed = True
    while changed:
        changed = False
        for i, j in edges:
            if grounded[i] != grounded[j]:
                grounded[i] = grounded[j] = True
                changed = True
    z = {n: complex(np.inf) for n in nodes}
    # solidly earthed nodes are held at 0 V; floating nodes (no path to ground) are left out
    keep = grounded & ~solid
    for n, i in index.items():
        if solid[i]:
            z[n] = 0j
        elif grounded[i]:
            sub = y[np.ix_(keep, keep)]
            pos = int(np.flatnonzero(keep).tolist().index(i))
            rhs = np.zeros(sub.shape[0], dtype=complex)
            rhs[pos] = 1.0
            z[n] = complex(np.linalg.solve(sub, rhs)[pos])
    return z


def bank_neutral(neutrals: list[Neutral | None], element: str) -> Neutral | None:
    """One earthing for the same winding of the units of a bank (``None``: delta).

    Units on one star-point node share it; units that are all solidly earthed or all floating
    agree. Anything else (each unit earthed through its own impedance, mixed earthing) puts an
    impedance in each phase, which a neutral impedance cannot hold.

    Raises
    ------
    InputError
        The units' star points disagree; names ``element`` and points to the phase path.
    """
    first = neutrals[0]
    if first is None or all(n is not None and n.node == first.node for n in neutrals):
        return first
    z = {n.z_ohm if n is not None else None for n in neutrals}
    if z == {0j} or z == {complex(np.inf)}:
        return first
    raise _refuse(element, "the units of this bank earth their star points differently ("
                  + ", ".join(f"{n.node}: {n.z_ohm:.4g} ohm" for n in neutrals if n) + ")")


def pandapower_zn_ohm(hv: Neutral | None, lv: Neutral | None, vn_hv_kv: float,
                      vn_lv_kv: float) -> complex:
    """The one neutral impedance pandapower takes per transformer (``rn_ohm + j·xn_ohm``), ohm.

    pandapower 3.5.6 (``pd2ppc_zero._add_trafo_sc_impedance_zero``) adds ``3·Z_N`` in series with
    the zero-sequence leakage impedance, referred to the HV bus voltage for ``YNd``/``YNy``/
    ``YNyn`` and to the LV bus voltage for ``Dyn``/``Yyn``. So: an earthed HV star point gives
    its own ``Z_N``; with both star points earthed (``YNyn``, magnetising branch open) the two
    are in series on the through path and the LV one is referred to the HV side by
    ``(vn_hv/vn_lv)²``; with only the LV star point earthed, its ``Z_N``.

    Parameters
    ----------
    hv, lv : Neutral or None
        Earthing of the HV and LV winding (``None``: delta).
    vn_hv_kv, vn_lv_kv : float
        Nominal voltages of the HV and LV buses, kV (pandapower's per-unit bases).

    Returns
    -------
    complex
        ``0`` when no earthed star point has an impedance.
    """
    def z(n: Neutral | None) -> complex | None:
        return n.z_ohm if n is not None and n.grounded else None

    z_hv, z_lv = z(hv), z(lv)
    if z_hv is not None:
        return z_hv + (z_lv * (vn_hv_kv / vn_lv_kv) ** 2 if z_lv is not None else 0j)
    return z_lv if z_lv is not None else 0j
