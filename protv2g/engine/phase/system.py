"""The network one fault calculation runs on: energised nodes, ``Y`` by method, pre-fault state.

Built once per (method, machine model) from a :class:`~protv2g.network.dss_model.DssModel` and
factorised once: the driving-point blocks of all fault buses by selected inversion
(:mod:`.selinv`), a sparse LU (``scipy.sparse.linalg.splu``) for the few transfer rows that
devices and chargers need. De-energised nodes (no path to a source) are left out.

Methods
-------
``classical``
    OpenDSS's fault study run after the model's snapshot power flow (``Solve``, then ``solve
    mode=faultstudy``; :func:`protv2g.network.dss_model.load_dss_model`): its network (loads
    as constant admittances at rated voltage, shunts in, taps and winding ratios as solved —
    every element's ``Yprim`` OpenDSS's) and its open-circuit voltages ``Voc`` (machines'
    internal voltages from the power flow) — or, with ``prefault="power_flow"``, the snapshot
    power-flow voltages. After that ``Solve`` OpenDSS's ``Voc`` is the power flow's state,
    constant-power loads drawing their own current (measured, review rev44b M5: a 13.8 kV
    feeder's 4.16 kV plant bus, ``Voc`` 2247.876 V, power flow 2247.877 V), not the
    admittance network's own solution a fault study run straight after ``compile`` gives
    (2263.2 V there: 0.3–0.8 % more fault current on a heavily loaded feeder); the two agree
    where the loads are constant-impedance (``model=2``). No correction factors.
``iec60909``
    IEC 60909-0:2016 §4.3.1.1 and §5: the equivalent voltage source ``c·Un/√3`` at the fault
    is the only active source; loads and shunt capacitors/reactors are taken out ("line
    capacitances and parallel admittances of non-rotating loads … are neglected", §5.1); line
    charging is kept — a small departure from §5.1, as OpenDSS keeps it: mostly below 0.1 % of
    the result, 0.28 % on IEEE 34's long 818 lateral (0.8 A of 288 A through F-818, review
    fix40c). ``c`` from Table 1.
    Synchronous generators by their subtransient reactance ``X″d`` (§6.6.1), corrected by
    ``K_G`` (§6.6.1) or, with their unit transformer, ``K_S``/``K_SO`` (§6.7), in both cases
    (:mod:`.iec_machines`; until session 42 no factor: review rev41b M1, +6.4 % at the
    high-voltage terminal of a 10 MVA unit at unity pf). Transformers (regulators too) at
    their rated ratio, taps 1.0, in both cases, and
    network transformers corrected by ``K_T = 0.95·c_max/(1 + 0.6·x_T)`` (§6.3.3) in the
    maximum case — the rule of :mod:`.iec_transformers`, the sequence path's too. The
    pre-fault state: :mod:`.prefault` (balanced at three-phase buses).

Machines: OpenDSS's fault study puts a generator behind its *transient* reactance ``Xdp``
(OpenDSS Reference Guide, Generator: ``Xdp`` "used for Dynamics mode and Fault studies").
``machine_reactance="subtransient"`` scales each generator's primitive admittance by
``Xdp/Xdpp`` (same X/R) and, for the classical method, moves the internal voltage to
``E″ = V_pf + Z″·I_pf`` (the power flow's terminal state), i.e.
``V′ = V + Z′·ΔY·(V_pf − V)`` by superposition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from protv2g.engine.phase.hot_lines import hot_line_changes
from protv2g.engine.phase.iec_machines import machine_corrections
from protv2g.engine.phase.iec_transformers import transformer_changes
from protv2g.engine.phase.prefault import balanced_units, c_factor, prefault_voltage
from protv2g.engine.phase.selinv import (
    EliminationPlan,
    SingularBlockError,
    block_diagonal_inverse,
)
from protv2g.errors import InputError, Issue
from protv2g.network.dss_model import DssModel, ElementY
from protv2g.units import Case, Method

__all__ = ["FaultSystem", "build_system", "c_factor", "prefault_voltage", "balanced_units",
           "MACHINE_REACTANCE", "MachineReactance", "Prefault"]

MachineReactance = Literal["transient", "subtransient"]
#: The reactance a synchronous machine is behind by default, per method (module docstring):
#: classical as OpenDSS's fault study (``Xdp``, transient: OpenDSS Reference Guide,
#: Generator); IEC 60909 behind ``X″d`` (subtransient, IEC 60909-0:2016 §6.6.1).
MACHINE_REACTANCE: dict[Method, MachineReactance] = {Method.CLASSICAL: "transient",
                                                     Method.IEC60909: "subtransient"}
Prefault = Literal["open_circuit", "power_flow"]
#: Columns solved at once when transfer rows are needed (memory: n × CHUNK complex).
CHUNK = 256


@dataclass(eq=False)
class FaultSystem:
    """Energised network of one method, factorised.

    Attributes
    ----------
    model : DssModel
    method : Method
    nodes : numpy.ndarray
        ``(s,)`` model node index of each system node (energised nodes, model order).
    local : numpy.ndarray
        ``(n,)`` system index of each model node, ``-1`` where de-energised.
    y : scipy.sparse.csc_matrix
        ``(s, s)`` admittance of this method, S.
    v_open : numpy.ndarray
        ``(s,)`` complex open-circuit voltages (classical; the angle reference for IEC), V.
    block_of_bus : numpy.ndarray
        ``(B,)`` block of each model bus (``-1``: no energised node).
    pos : numpy.ndarray
        ``(s,)`` position of each system node in its bus block.
    z_diag : numpy.ndarray
        ``(blocks, b, b)`` driving-point blocks, Ω (NaN where not wanted).
    phase_node : numpy.ndarray
        ``(B, 3)`` system index of each bus's phase a/b/c node (``-1``: none or dead).
    yprim_change : dict of str to numpy.ndarray
        ``{element name: (k, k)}`` change this method made to an element's primitive
        admittance, S (hot lines, machines at ``X″d``, IEC shunts out): a branch current in
        this system is ``(Yprim + change)·V``, never OpenDSS's ``Yprim`` alone.
    plan : EliminationPlan or None
        The selected inversion's ordering (:mod:`.selinv`), for a system of the same pattern.
    """

    model: DssModel
    method: Method
    nodes: np.ndarray
    local: np.ndarray
    y: sp.csc_matrix
    v_open: np.ndarray
    block_of_bus: np.ndarray
    pos: np.ndarray
    z_diag: np.ndarray
    phase_node: np.ndarray
    symmetric: bool
    yprim_change: dict[str, np.ndarray] = field(default_factory=dict)
    plan: EliminationPlan | None = field(default=None, repr=False)
    _lu: object = field(default=None, repr=False)
    #: :func:`.prefault.no_load_voltage`, computed on first use
    v_no_load: np.ndarray | None = field(default=None, repr=False)

    @property
    def lu(self):  # noqa: ANN201
        """Sparse LU of ``y`` (computed on first use)."""
        if self._lu is None:
            self._lu = _factor(self.y, self.model.source)
        return self._lu

    def z_block(self, bus: np.ndarray, phases: np.ndarray) -> np.ndarray:
        """``(m, k, k)`` driving-point impedance between the given phases of each bus, Ω.

        ``phases`` is ``(m, k)`` int (0 = a …); every phase must exist at its bus.
        """
        blk = self.block_of_bus[bus]
        node = self.phase_node[bus[:, None], phases]
        p = self.pos[node]
        return self.z_diag[blk[:, None, None], p[:, :, None], p[:, None, :]]

    def element_yprim(self, e: ElementY) -> np.ndarray:
        """``(k, k)`` primitive admittance of element ``e`` in this system, S."""
        change = self.yprim_change.get(e.name)
        return e.yprim_s if change is None else e.yprim_s + change

    def rows(self, nodes: np.ndarray) -> np.ndarray:
        """``(r, s)`` rows ``Z[nodes, :]`` of ``Z = y⁻¹`` (system indices), Ω."""
        return self._solve(nodes, trans="T").T

    def columns(self, nodes: np.ndarray) -> np.ndarray:
        """``(s, r)`` columns ``Z[:, nodes]``, Ω."""
        return self._solve(nodes, trans="N")

    def _solve(self, nodes: np.ndarray, trans: str) -> np.ndarray:
        s = len(self.nodes)
        out = np.empty((s, len(nodes)), dtype=complex)
        for start in range(0, len(nodes), CHUNK):
            cols = np.asarray(nodes[start:start + CHUNK])
            rhs = np.zeros((s, len(cols)), dtype=complex)
            rhs[cols, np.arange(len(cols))] = 1.0
            out[:, start:start + len(cols)] = self.lu.solve(rhs, trans=trans)
        return out


def build_system(model: DssModel, method: Method, wanted_bus: np.ndarray, *,
                 machine_reactance: MachineReactance | None = None,
                 prefault: Prefault = "open_circuit",
                 endtemp_degree: float | None = None,
                 inverters_out: bool = False,
                 plan: EliminationPlan | None = None,
                 case: Case | None = None, lv_tolerance_percent: int = 10) -> FaultSystem:
    """Energised network of ``method`` with the driving-point blocks of ``wanted_bus``.

    Parameters
    ----------
    model : DssModel
    method : Method
    wanted_bus : numpy.ndarray
        ``(B,)`` bool: buses that are fault locations.
    machine_reactance : {"transient", "subtransient"}, optional
        Default: transient for ``classical`` (OpenDSS's fault study), subtransient for
        ``iec60909`` (IEC 60909-0 §6.6.1).
    prefault : {"open_circuit", "power_flow"}
        Classical pre-fault state: OpenDSS's ``Voc`` or its snapshot power-flow voltages.
    endtemp_degree : float, optional
        Line conductors at this end temperature (minimum case): every line's series
        resistance × ``1 + α·(θe − 20 °C)``, ``α = 0.004 /K`` (IEC 60909-0:2016 eq. 34),
        from its OpenDSS primitive admittance (series part ``−Yprim₁₂``). The classical
        pre-fault state is then that of the heated network, ``V′ = V − Y′⁻¹·ΔY_hot·V`` (the
        loads' admittances held; exact for ``open_circuit``, the admittance-load
        linearisation of the power flow for ``power_flow``) — a line's pre-fault current is
        its load current on the heated network, not ``Y_hot`` times the 20 °C voltages.
    inverters_out : bool
        Take the model's PV systems, storage and model-7 Generators (``model.inverters``: their
        OpenDSS fault-study admittance, :mod:`.der`) out of ``Y``, for a caller that
        models them by their control law (:mod:`.der`). The classical pre-fault voltage then
        loses their contribution: ``V′ = V + Y′⁻¹·(ΔY·V − J_inv)`` with ``ΔY`` their
        admittance and ``J_inv`` the current they inject beside it in the state ``V``
        (``DssModel.inverter_j_a``; OpenDSS's ``Voc`` solves ``Y·V = J + J_inv`` with the units
        still sources, the power flow has them at their output; superposition with
        ``Y′·V′ = J``), so ``V′`` is the grid alone's. Until session 41 ``J_inv`` was left
        out: the units' admittance stayed in the pre-fault voltage, and the control law's
        current came on top of OpenDSS's fault study *with* the units (review rev41b W4).
    plan : EliminationPlan, optional
        Another system's :attr:`FaultSystem.plan` (e.g. the 20 °C one for the heated min
        case): the selected inversion reuses its ordering when the pattern is the same.
    case : Case, optional
        ``iec60909``: ``MAX`` applies ``K_T`` to network transformers (their rated ratio is
        taken in any case; :mod:`.iec_transformers`). Ignored by ``classical``.
    lv_tolerance_percent : {6, 10}
        ``c_max`` of a transformer's low-voltage side ≤ 1 kV for ``K_T`` (Table 1).

    Raises
    ------
    InputError
        Unknown option, or a network OpenDSS gives no ground reference for (singular).
    """
    method = Method(method)
    if machine_reactance is None:
        machine_reactance = MACHINE_REACTANCE[method]
    if machine_reactance not in ("transient", "subtransient"):
        raise InputError(Issue("options", "machine_reactance", f"unknown {machine_reactance!r}",
                               "use 'transient' or 'subtransient'"))
    if prefault not in ("open_circuit", "power_flow"):
        raise InputError(Issue("options", "prefault", f"unknown {prefault!r}",
                               "use 'open_circuit' or 'power_flow'"))
    nodes = np.flatnonzero(model.energized)
    local = np.full(model.n_nodes, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    v = (model.v_pf_v if prefault == "power_flow" else model.v_oc_v)[nodes].copy()
    changes = [(e, -1.0) for e in model.shunts] if method is Method.IEC60909 else []
    k_of: dict[str, float] = {}
    if method is Method.IEC60909:
        corr = machine_corrections(model, lv_tolerance_percent)
        k_of = {c.machine: c.k for c in corr}
        changes += transformer_changes(model, case, lv_tolerance_percent,
                                       {c.transformer: c.k for c in corr if c.transformer})
    out_inv = [(e, -1.0) for e in model.inverters] if inverters_out else []
    changes += out_inv
    delta = []
    for mach in model.machines:
        # admittance × Xdp/Xdpp (subtransient), ÷ K_G/K_S/K_SO (IEC 60909, .iec_machines)
        scale = (mach.xdp_pu / mach.xdpp_pu if machine_reactance == "subtransient"
                 and mach.xdpp_pu > 0 else 1.0) / k_of.get(mach.element.name, 1.0) - 1.0
        if scale != 0.0:
            delta.append((mach.element, scale))
    hot = hot_line_changes(model, endtemp_degree) if endtemp_degree is not None else []
    changes += hot
    mats = [(e, _change_matrix(e, c)) for e, c in changes + delta]  # once: Y and yprim_change
    y = (model.y_s[nodes][:, nodes] + _scatter(mats, local, len(nodes))).tocsc()
    bus_of = model.node_bus[nodes]
    used, block = np.unique(bus_of, return_inverse=True)
    order = np.lexsort((model.node_num[nodes], block))
    first = np.searchsorted(block[order], np.arange(len(used)))
    pos = np.empty(len(nodes), dtype=np.int64)
    pos[order] = np.arange(len(nodes)) - first[block[order]]
    block_of_bus = np.full(len(model.buses), -1, dtype=np.int64)
    block_of_bus[used] = np.arange(len(used))
    phase_node = np.full((len(model.buses), 3), -1, dtype=np.int64)
    ph = (model.node_num[nodes] >= 1) & (model.node_num[nodes] <= 3)
    phase_node[bus_of[ph], model.node_num[nodes][ph] - 1] = np.flatnonzero(ph)
    try:
        inv = block_diagonal_inverse(y, block, pos, wanted=np.asarray(wanted_bus)[used],
                                     plan=plan)
        z_diag, plan = inv.z_diag, inv.plan
    except SingularBlockError:
        z_diag = _z_diag_by_solves(y, block, pos, np.asarray(wanted_bus)[used], model.source)
    bad = ~np.all(np.isfinite(z_diag), axis=(1, 2)) & np.asarray(wanted_bus)[used]
    if bad.any():
        names = model.buses.index[used[bad]][:10].tolist()
        raise InputError(Issue(model.source, "", f"no finite short-circuit impedance at "
                               f"bus(es) {names}: an energised part of the network has no "
                               "path to ground (its admittance matrix is singular)",
                               SINGULAR_FIX))
    fs = FaultSystem(model=model, method=method, nodes=nodes, local=local, y=y, v_open=v,
                     block_of_bus=block_of_bus, pos=pos, z_diag=z_diag, phase_node=phase_node,
                     symmetric=_is_symmetric(y), yprim_change=_by_element(mats),
                     plan=plan)
    if (delta or out_inv or hot) and method is Method.CLASSICAL:
        # Y·V = J + J_inv (OpenDSS's Voc: the units inject J_inv beside their admittance),
        # Y′·V′ = J + ΔY_m·V_pf with Y = Y′ − ΔY_m + Y_inv − ΔY_hot:
        # V′ = V + Y′⁻¹·[ΔY_m·(V_pf − V) + (Y_inv·V − J_inv) − ΔY_hot·V]
        rhs = np.zeros(len(nodes), dtype=complex)
        for e, d in hot:
            sel = e.node >= 0
            np.add.at(rhs, local[e.node[sel]], -(d[np.ix_(sel, sel)] @ v[local[e.node[sel]]]))
        for e, scale in delta:
            sel = e.node >= 0
            dv = (model.v_pf_v - model.v_oc_v)[e.node[sel]]
            np.add.at(rhs, local[e.node[sel]], scale * (e.yprim_s[np.ix_(sel, sel)] @ dv))
        for e, _ in out_inv:
            sel = e.node >= 0
            np.add.at(rhs, local[e.node[sel]], e.yprim_s[np.ix_(sel, sel)] @ v[local[e.node[sel]]])
        if out_inv and model.inverter_j_a is not None:
            rhs -= model.inverter_j_a[0 if prefault == "open_circuit" else 1][nodes]
        fs.v_open = v + fs.lu.solve(rhs)
    return fs


def _change_matrix(e: ElementY, change: float | np.ndarray) -> np.ndarray:
    """A change of ``e``'s admittance as a ``(k, k)`` matrix: ``scale · Yprim(e)`` for a float,
    the matrix itself otherwise."""
    return e.yprim_s * change if np.ndim(change) == 0 else np.asarray(change)


def _by_element(changes: list[tuple[ElementY, np.ndarray]]) -> dict[str, np.ndarray]:
    """``{element name: Σ change}`` of :func:`_change_matrix` matrices."""
    out: dict[str, np.ndarray] = {}
    for e, mat in changes:
        out[e.name] = out[e.name] + mat if e.name in out else mat
    return out


def _scatter(changes: list[tuple[ElementY, np.ndarray]], local: np.ndarray, s: int
             ) -> sp.csc_matrix:
    """``Σ change(e)`` on the elements' energised, non-ground nodes, ``(s, s)``.

    A change is a :func:`_change_matrix` matrix over the element's conductors. Elements are
    stacked by conductor count (one batch of array operations per count).
    """
    groups: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    for e, mat in changes:
        groups.setdefault(len(e.node), []).append((e.node, mat))
    rows, cols, vals = [], [], []
    for k, items in groups.items():
        node = np.array([n for n, _ in items], dtype=np.int64).reshape(len(items), k)
        mat = np.array([m for _, m in items], dtype=complex).reshape(len(items), k, k)
        idx = np.where(node >= 0, local[np.maximum(node, 0)], -1)
        r = np.broadcast_to(idx[:, :, None], mat.shape)
        c = np.broadcast_to(idx[:, None, :], mat.shape)
        keep = (r >= 0) & (c >= 0)
        rows.append(r[keep])
        cols.append(c[keep])
        vals.append(mat[keep])
    if not rows:
        return sp.csc_matrix((s, s), dtype=complex)
    return sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(s, s))


def _is_symmetric(y: sp.csc_matrix) -> bool:
    d = abs(y - y.T)
    return bool(d.nnz == 0 or d.max() <= 1e-12 * abs(y).max())


SINGULAR_FIX = ("give the ungrounded or floating part a ground reference in the model (e.g. a "
                "grounding transformer, or the transformers' default ppm_antifloat)")


def _factor(y: sp.spmatrix, source: str):  # noqa: ANN202
    """Sparse LU of ``y``; a singular matrix is bad input (a floating part of the model)."""
    try:
        return splu(sp.csc_matrix(y))
    except RuntimeError as exc:  # SuperLU: "Factor is exactly singular"
        raise InputError(Issue(source, "", f"the network's admittance matrix is singular "
                               f"({exc}): an energised part has no path to ground",
                               SINGULAR_FIX)) from exc


def _z_diag_by_solves(y: sp.csc_matrix, block: np.ndarray, pos: np.ndarray,
                      wanted: np.ndarray, source: str) -> np.ndarray:
    """Fallback: the wanted diagonal blocks by chunked column solves of one sparse LU."""
    b = int(pos.max()) + 1
    out = np.full((len(wanted), b, b), np.nan, dtype=complex)
    lu = _factor(y, source)
    order = np.argsort(block, kind="stable")
    start_of = np.searchsorted(block[order], np.arange(len(wanted) + 1))
    cols = np.flatnonzero(wanted[block])
    for start in range(0, len(cols), CHUNK):
        c = cols[start:start + CHUNK]
        rhs = np.zeros((y.shape[0], len(c)), dtype=complex)
        rhs[c, np.arange(len(c))] = 1.0
        x = lu.solve(rhs)
        for j, col in enumerate(c):
            same = order[start_of[block[col]]:start_of[block[col] + 1]]
            out[block[col], pos[same], pos[col]] = x[same, j]
    return out
