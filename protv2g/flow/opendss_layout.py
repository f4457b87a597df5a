"""What an OpenDSS flow engine (:mod:`protv2g.flow.opendss`) is given and returns: the V2G
sites and watched terminals, the result arrays of its steps, and where each branch's and
watch's conductors are in OpenDSS's ``PDElements`` arrays (built once per engine).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from protv2g.errors import InputError, Issue
from protv2g.flow.opendss_ground import line_to_neutral_issue
from protv2g.network.dss_model import DssModel

__all__ = ["DssFlowSite", "DssWatch", "DssFlowArrays", "build_layout", "validate_inputs"]


@dataclass(frozen=True)
class DssFlowSite:
    """A V2G site in an OpenDSS flow: its bus and the phases it connects to (``"abc"``,
    ``"b"`` …, line-to-neutral; with ``line_to_line`` the two conductors of one single-phase
    unit between them, ``"ab"``: a 240 V charger across a split-phase secondary's legs)."""

    name: str
    bus: str
    phases: str = "abc"
    line_to_line: bool = False


@dataclass(frozen=True)
class DssWatch:
    """A terminal whose flow matters: a protective device, a regulator, a capacitor control.

    ``element`` is ``class.name``; forward = into the element at ``terminal``. ``mode`` is a
    regulator's (``forward_locked``/``bidirectional``/``cogeneration``) or a capacitor
    control's mode, else empty.
    """

    name: str
    kind: str
    element: str
    terminal: int = 1
    mode: str = ""


@dataclass
class DssFlowArrays:
    """Results of :meth:`DssFlowEngine.solve` for ``n`` steps.

    Attributes
    ----------
    v_v : numpy.ndarray
        ``(n, nodes)`` complex node voltages in the order of :attr:`DssModel.node_names`, V.
    branch_s_kva : numpy.ndarray
        ``(n, branches, 2)`` complex power into each branch at terminal 1 and 2 (phase
        conductors summed), kVA.
    branch_i_a : numpy.ndarray
        ``(n, branches)`` largest phase-conductor current of either terminal, A.
    branch_loading_percent : numpy.ndarray
        ``(n, branches)`` OpenDSS's ``PctNorm`` (largest terminal current / ``NormAmps``).
    watch_i_a : numpy.ndarray
        ``(n, watches, 3)`` complex phase currents into the element at the watched terminal
        (0 on phases it does not have), A.
    watch_s_kva : numpy.ndarray
        ``(n, watches, 3)`` complex power per phase there, kVA.
    watch_tap_pu : numpy.ndarray
        ``(n, watches)`` a regulator watch's solved tap on the winding its RegControl
        regulates (OpenDSS ``Transformer.Tap``, pu turns ratio of that winding); NaN on the
        other watches and on steps that did not converge.
    watch_tap_position : numpy.ndarray
        ``(n, watches)`` the same as a step count from neutral, ``(tap − 1) / step`` with
        ``step = (MaxTap − MinTap) / NumTaps`` of the winding (OpenDSS defaults 1.1, 0.9,
        32: 0.00625 pu, IEEE Std C57.15's 5/8 %), rounded; NaN where ``watch_tap_pu`` is.
    converged : numpy.ndarray
        ``(n,)`` bool.
    iterations : numpy.ndarray
        ``(n,)`` power-flow iterations OpenDSS needed.
    """

    v_v: np.ndarray
    branch_s_kva: np.ndarray
    branch_i_a: np.ndarray
    branch_loading_percent: np.ndarray
    watch_i_a: np.ndarray
    watch_s_kva: np.ndarray
    watch_tap_pu: np.ndarray
    watch_tap_position: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray


@dataclass
class _Layout:
    """Where each branch's and watch's conductors are in ``PDElements.AllCurrents``."""

    from_sum: sp.csr_matrix          # (branches, L): terminal-1 phase conductors
    to_sum: sp.csr_matrix            # (branches, L): terminal-2 phase conductors
    i_index: np.ndarray              # phase conductors of each branch, grouped
    i_start: np.ndarray              # (branches,) start of each group in i_index
    branch_pd: np.ndarray            # (branches,) position in PDElements.AllNames
    watch_index: np.ndarray          # (watches, 3) conductor of phase a/b/c (-1: none)


def build_layout(dss: Any, model: DssModel, branches: Sequence[str],
                 watches: Sequence[DssWatch]) -> _Layout:
    """Where each branch's and watch's conductors are in ``PDElements.AllCurrents`` of the
    compiled circuit ``dss``."""
    pd_names = [n.lower() for n in dss.PDElements.AllNames()]
    n_cond = np.asarray(dss.PDElements.AllNumConductors(), dtype=np.int64)
    n_term = np.asarray(dss.PDElements.AllNumTerminals(), dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(n_cond * n_term)])
    where = {n: i for i, n in enumerate(pd_names)}
    size = int(start[-1])
    # the lines' node orders as the model read them (the same scripts compiled: the same
    # conductors), the other elements' from this context
    known = {e.name: e.node_num for e in model.lines()}

    def node_order(name: str) -> np.ndarray:
        nodes = known.get(name)
        if nodes is None:
            dss.Circuit.SetActiveElement(name)
            nodes = np.asarray(dss.CktElement.NodeOrder(), dtype=np.int64)
        return nodes

    def conductors(name: str) -> tuple[int, np.ndarray, np.ndarray]:
        i = where[name]
        nodes = node_order(name)
        term = np.arange(len(nodes)) // n_cond[i] + 1
        return int(start[i]), nodes, term

    # every branch's conductors in one array (branch order, conductor order within),
    # then slots, terminals, the from/to sums and the phase-conductor groups by array
    # operations (#21: a tuple of arrays per branch was 0.1 s on the IEEE 8500)
    nb = len(branches)
    pd_pos = np.array([where[name] for name in branches], dtype=np.int64)
    orders = [node_order(name) for name in branches]
    lens = np.fromiter(map(len, orders), dtype=np.int64, count=nb)
    owner = np.repeat(np.arange(nb), lens)
    local = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
    slot = np.repeat(start[pd_pos], lens) + local
    nodes = np.concatenate(orders).astype(np.int64) if nb else np.zeros(0, np.int64)
    term = local // np.repeat(n_cond[pd_pos], lens) + 1
    ph = (nodes >= 1) & (nodes <= 3)
    f, t = ph & (term == 1), ph & (term == 2)
    ones = np.ones
    from_sum = sp.csr_matrix((ones(int(f.sum())), (owner[f], slot[f])), shape=(nb, size))
    to_sum = sp.csr_matrix((ones(int(t.sum())), (owner[t], slot[t])), shape=(nb, size))
    sizes = np.bincount(owner[ph], minlength=nb).astype(np.int64)
    i_index = slot[ph]
    i_start = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if nb else np.zeros(0, np.int64)
    watch = np.full((len(watches), 3), -1, dtype=np.int64)
    for w, x in enumerate(watches):
        s0, nodes, term = conductors(x.element.lower())
        for j in np.flatnonzero((term == x.terminal) & (nodes >= 1) & (nodes <= 3)):
            watch[w, nodes[j] - 1] = s0 + j
    return _Layout(from_sum, to_sum, i_index.astype(np.int64), i_start.astype(np.int64),
                   np.asarray(pd_pos, dtype=np.int64), watch)


def validate_inputs(model: DssModel, sites: Sequence[DssFlowSite], watches: Sequence[DssWatch]
              ) -> None:
    issues = []
    tab = model.buses
    for i, s in enumerate(sites):
        where = f"sites[{i}] ({s.name})"
        if s.bus.lower() not in tab.index:
            issues.append(Issue(model.source, where, f"unknown bus {s.bus!r}",
                                "connect the site to a bus of the model"))
            continue
        have = tab.at[s.bus.lower(), "phases"]
        ph = s.phases.lower()
        if not ph or any(c not in have for c in ph) or len(set(ph)) != len(ph):
            issues.append(Issue(model.source, where, f"phases {s.phases!r} not all at bus "
                                f"{s.bus!r} (it has {have!r})",
                                "connect the site to phases the bus has"))
            continue
        if s.line_to_line and len(set(ph)) != 2:
            issues.append(Issue(model.source, where, f"a line-to-line site needs two phases, "
                                f"got {s.phases!r}", "give two phases of the bus, e.g. 'ab'"))
            continue
        why = None if s.line_to_line else line_to_neutral_issue(model, s.bus, ph)
        if why is not None:
            issues.append(Issue(model.source, where, *why))
    e = model.elements.set_index("name")
    for i, w in enumerate(watches):
        name = w.element.lower()
        where = f"watches[{i}] ({w.name})"
        if name not in e.index or not bool(e.at[name, "enabled"]):
            issues.append(Issue(model.source, where, f"no enabled element {w.element!r}",
                                "name an element the model defines and enables"))
        elif not 1 <= w.terminal <= len(e.at[name, "buses"]):
            issues.append(Issue(model.source, where, f"{w.element} has no terminal "
                                f"{w.terminal}", "use terminal 1 or 2"))
    if issues:
        raise InputError(issues)
