"""Sequence networks Y1, Y2, Y0 from a pandapower net, factorised once per topology and case.

The admittance data are built with pandapower's own short-circuit builders (``_init_ppc``,
``_create_k_updated_ppci``, ``_pd2ppc_zero``, ``makeYbus``) so that the element models and the
IEC 60909-0 corrections are exactly those of :func:`pandapower.shortcircuit.calc_sc`:

* external grid: ``Z_Q = c·Un²/S''_kQ`` split by ``rx``; zero sequence ``X0 = x0x·X``,
  ``R0 = r0x0·X0`` (IEC 60909-0:2016, eq. 1);
* transformers: correction factor ``K_T = 0.95·c_max/(1 + 0.6·x_T)`` in the max case
  (IEC 60909-0:2016, eq. 12a); zero sequence by vector group and grounding;
* lines: resistance at the end temperature in the min case (IEC 60909-0:2016, eq. 34);
  zero sequence from ``r0_ohm_per_km``, ``x0_ohm_per_km``, ``c0_nf_per_km``.

Differences from ``calc_sc`` (by design): transformer phase shifts are kept
(``calculate_voltage_angles=True``) so that device phasors across a Dyn1/Dyn11 transformer
are shifted by ±30°; the negative-sequence network uses the opposite shift (Y2 = Y1ᵀ).

The ``classical`` method takes the network at its actual state (OpenDSS's fault-study
conventions; :mod:`protv2g.engine.classical`): transformer taps and winding ratios in the
admittances, no c factor, no ``K_T``/``K_G``/``K_S``, loads as constant admittances, and the
open-circuit or power-flow voltages as the pre-fault state (:attr:`CaseNetwork.v_pre`).

The caller's net is never mutated: :func:`build_sequence_networks` works on a private copy.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandapower as pp
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from protv2g.engine.classical import (  # noqa: F401 - PREFAULTS re-exported
    PREFAULTS,
    Prefault,
    open_circuit_voltage,
    power_flow_voltage,
    run_prefault_power_flow,
)
from protv2g.engine.factorise import PIVOT_REL_TOL, factorise, tree_and_lu  # noqa: F401
from protv2g.engine.floating import (  # noqa: F401 - FLOAT_REL_TOL re-exported
    FLOAT_REL_TOL,
    floating_components,
    regularise_floating,
)
from protv2g.engine.sequence_ppc import admittances, case_ppc
from protv2g.engine.zbus import (
    TreeFactor,
    driving_point_z_pu,
    tree_solve,
    tree_unit_cols,
    z_cols_pu,
)
from protv2g.errors import InputError, Issue
from protv2g.units import Case, Method

__all__ = ["SequenceData", "CaseNetwork", "build_sequence_networks", "copy_net",
           "positive_sequence_network",
           "floating_components", "network_builder", "Prefault", "run_prefault_power_flow"]


#: pandapower column index of the IEC c factor in ``ppc["bus"]`` (``idx_bus_sc``).
_C_COLUMN = {Case.MAX: "C_MAX", Case.MIN: "C_MIN"}


@dataclass
class SequenceData:
    """One sequence network in pandapower's internal (ppci) bus order.

    Attributes
    ----------
    y_pu : scipy.sparse.csc_matrix
        Bus admittance matrix as factorised, per unit on ``base_mva`` and ``base_kv``
        (including the regularising shunt of floating components, see ``floating``).
    lu : scipy.sparse.linalg.SuperLU
        Sparse LU factorisation of ``y_pu`` (solve ``trans="T"`` for rows of ``Z``). On a
        radial network (``tree`` not ``None``: every solve of the engine takes the tree
        passes) it is factorised on first use only, the same factorisation (#21: SuperLU's
        storage was ≈ 10 MiB a network at 10,000 buses, 64 MiB for both cases' six, never
        read there; and its time); a property over ``_lu``.
    bus_lookup : numpy.ndarray
        pandapower bus index → internal index (``-1``: not in this network).
    base_kv : numpy.ndarray
        Base (nominal) voltage of each internal bus, kV line-to-line.
    yf_pu, yt_pu : scipy.sparse.csr_matrix or None
        Branch admittance rows (pandapower ppc branch order, all branches): current injected
        at the from / to end of each branch, ``I = Yf·V`` (per unit); ``None`` from
        :func:`positive_sequence_network` (not built).
    component : numpy.ndarray
        Connected-component label of each internal bus (graph of ``y_pu``).
    floating : numpy.ndarray
        ``True`` at buses of a component with no path to ground (no shunt admittance: an
        ungrounded or delta-fed zero-sequence island). Its impedance to ground is infinite;
        ``y_pu`` is factorised with a regularising shunt there
        (:data:`protv2g.engine.floating.Y_REG_REL`), so rows and columns of ``Z`` at floating
        buses are *not* physical and must not be used.
    """

    y_pu: sp.csc_matrix
    _lu: object | None
    bus_lookup: np.ndarray
    base_kv: np.ndarray
    yf_pu: sp.csr_matrix | None
    yt_pu: sp.csr_matrix | None
    component: np.ndarray | None = None
    floating: np.ndarray | None = None
    tree: TreeFactor | None = None

    @property
    def lu(self) -> object:
        """The sparse LU of ``y_pu`` (:func:`factorise`), made on first use on a radial
        network."""
        if self._lu is None:
            self._lu = factorise(self.y_pu)
        return self._lu

    def driving_point_z(self, buses: np.ndarray | None = None) -> np.ndarray:
        """Driving-point impedances ``Z_kk`` (pu) of every internal bus, or of ``buses`` on a
        meshed network (:func:`~protv2g.engine.zbus.driving_point_z_pu`): the tree recursion
        on a radial network (its LU not made), the LU otherwise."""
        lu = self.lu if self.tree is None else None
        return driving_point_z_pu(self.y_pu, lu, tree=self.tree, buses=buses)

    def solve(self, rhs: np.ndarray, trans: bool = False) -> np.ndarray:
        """``Y⁻¹·rhs`` (``trans``: ``Y⁻ᵀ·rhs``) for one right-hand side ``(n,)``: tree passes
        on radial networks, the sparse LU otherwise."""
        if self.tree is not None:
            return tree_solve(self.tree, rhs, trans)
        return self.lu.solve(np.asarray(rhs, dtype=complex), trans="T" if trans else "N")

    def unit_cols(self, buses: np.ndarray, trans: bool = False,
                  out: np.ndarray | None = None) -> np.ndarray:
        """Columns ``Z[:, buses]`` (``trans``: rows ``Z[buses, :]`` transposed), ``(n, k)``;
        ``out`` (``(k, n)``, complex) is written into on radial networks."""
        buses = np.asarray(buses, dtype=np.int64)
        if self.tree is not None:
            return tree_unit_cols(self.tree, buses, trans, out=out)
        return z_cols_pu(self.lu, self.n_bus, buses, trans=trans)

    @property
    def any_floating(self) -> bool:
        """Whether any bus sits in a component without a path to ground."""
        return self.floating is not None and bool(self.floating.any())

    @property
    def n_bus(self) -> int:
        """Number of internal buses."""
        return int(self.y_pu.shape[0])

    def index(self, buses: np.ndarray) -> np.ndarray:
        """Internal indices of pandapower buses (``-1`` where absent)."""
        buses = np.asarray(buses, dtype=np.int64)
        out = np.full(buses.shape, -1, dtype=np.int64)
        ok = (buses >= 0) & (buses < len(self.bus_lookup))
        idx = self.bus_lookup[buses[ok]]
        idx[(idx < 0) | (idx >= self.n_bus)] = -1
        out[ok] = idx
        return out


@dataclass
class CaseNetwork:
    """The three sequence networks of one (case, method) with the data the fault equations need.

    Attributes
    ----------
    pos, neg, zero : SequenceData
        Positive-, negative- and zero-sequence networks (``zero`` is ``None`` when no ground
        fault was requested).
    c_factor : numpy.ndarray
        IEC 60909 voltage factor of each positive-sequence internal bus (1.0 for ``classical``).
    u_nl : numpy.ndarray
        No-load positive-sequence voltage of each internal bus, pu of the bus's nominal
        voltage: ``iec60909`` a unit phasor (the transformer phase shifts from the source;
        ``1∠0`` at the external grid); ``classical`` the open-circuit voltage of the actual
        network (taps, winding ratios, source EMFs, loads as admittances).
    v_pre : numpy.ndarray
        The pre-fault voltage the fault equations use, pu: ``c·u_nl`` (``iec60909``), the
        open-circuit voltage ``u_nl`` or the power-flow voltage (``classical``, by
        ``prefault``).
    base_mva : float
        Power base of the per-unit system, MVA.
    branch_lookup : dict
        ``{"line": (f, t), "trafo": (f, t), ...}``: ppc branch rows of each element table.
    """

    case: Case
    method: Method
    pos: SequenceData
    neg: SequenceData
    zero: SequenceData | None
    c_factor: np.ndarray
    u_nl: np.ndarray
    base_mva: float
    branch_lookup: dict
    v_pre: np.ndarray | None = None


def copy_net(net: pp.pandapowerNet) -> pp.pandapowerNet:
    """One deep copy of ``net`` for the builders to write their lookups into."""
    return copy.deepcopy(net)


def network_builder(net: pp.pandapowerNet, method: Method, *, zero_sequence: bool,
                    lv_tol_percent: int, prefault: Prefault,
                    networks: dict | None = None) -> Callable[[Case], CaseNetwork]:
    """``case → CaseNetwork`` of ``net`` for one engine call: every case built on ONE private
    copy of ``net`` (made on the first build; with ``prefault="power_flow"`` its power flow
    run once, before the builders rewrite the copy).

    ``networks``: a dict the caller keeps between calls **on the same net** (one per call:
    :func:`protv2g.stage_report.findings_stage_table`): a case in it is taken, not rebuilt
    (#21: 0.3 s a case at 10,000 buses); a case built is put in it. A network with the zero
    sequence serves a call without ground faults as ``zero=None`` (pandapower's builders do
    not read the fault type: the same ``Y1``, ``Y2``). Pass a new dict for another net.
    """
    work: list = []

    def build(case: Case) -> CaseNetwork:
        key = (case, method, lv_tol_percent, prefault)
        cn = None if networks is None else networks.get(key)
        if cn is not None and (cn.zero is not None or not zero_sequence):
            return cn if zero_sequence or cn.zero is None else replace(cn, zero=None)
        if not work:
            work.append(copy_net(net))
            if method is Method.CLASSICAL and prefault == "power_flow":
                run_prefault_power_flow(work[0])
        cn = build_sequence_networks(work[0], net, case, method, zero_sequence=zero_sequence,
                                     lv_tol_percent=lv_tol_percent, prefault=prefault)
        if networks is not None:
            networks[key] = cn
        return cn

    return build


def _sequence_from_ppc(ppc: dict, ppci: dict, lookup: np.ndarray,
                       negate_shift: bool = False, ground_floating: bool = False,
                       branch_rows: bool = True) -> SequenceData:
    from pandapower.pypower.idx_bus import BASE_KV

    bus = ppci["bus"]
    ybus, yf, yt = admittances(ppc, ppci, negate_shift, branch_rows)
    ybus = sp.csc_matrix(ybus)
    if np.isnan(ybus.data).any():
        raise InputError(Issue("net", "", "NaN in the admittance matrix",
                               "check impedance data of lines, transformers and ext_grid"))
    labels = floating = None
    y_fact = ybus
    if ground_floating:
        y_clean, labels, floating = floating_components(ybus)
        if floating.any():
            y_fact = regularise_floating(y_clean, labels, floating)
    tree, lu = tree_and_lu(y_fact)
    return SequenceData(y_pu=y_fact, _lu=lu, bus_lookup=lookup.copy(),
                        base_kv=np.real(bus[:, BASE_KV]).astype(float),
                        yf_pu=None if yf is None else sp.csr_matrix(yf),
                        yt_pu=None if yt is None else sp.csr_matrix(yt), component=labels,
                        floating=floating, tree=tree)


def build_sequence_networks(work: pp.pandapowerNet, original: pp.pandapowerNet, case: Case,
                            method: Method, *, zero_sequence: bool,
                            lv_tol_percent: int = 10,
                            prefault: Prefault = "open_circuit") -> CaseNetwork:
    """Build and factorise Y1, Y2 (and Y0) for one case on the private copy ``work``.

    Parameters
    ----------
    work : pandapowerNet
        A private copy of ``original`` (see :func:`copy_net`); pandapower's builders write
        their lookups and options into it.
    original : pandapowerNet
        The caller's net, read only.
    case : Case
        ``max`` or ``min`` (c factor, ``K_T``, line temperature, external-grid data).
    method : Method
        ``iec60909`` or ``classical`` (the actual network: taps, no correction factors; see
        the module docstring).
    zero_sequence : bool
        Build Y0 as well (needed for SLG and LLG faults).
    lv_tol_percent : int
        LV voltage tolerance for the IEC c factor, 6 or 10 %.
    prefault : {"open_circuit", "power_flow"}
        Classical pre-fault state (ignored by ``iec60909``): the open-circuit voltage of the
        network, or the power-flow voltages — then :func:`run_prefault_power_flow` must have
        run on ``work``.

    Returns
    -------
    CaseNetwork

    Raises
    ------
    InputError
        Unknown ``prefault``; ``power_flow`` without a power flow on ``work``; NaN or
        singular admittances.
    """
    from pandapower.pd2ppc_zero import _pd2ppc_zero
    from pandapower.pypower import idx_bus_sc
    from pandapower.pypower.idx_brch_sc import K_ST
    from pandapower.pypower.idx_bus import BUS_TYPE, VA

    classical = method is Method.CLASSICAL
    from_pf = classical and prefault == "power_flow"
    ppc, ppci, lookup1, branch_lookup = case_ppc(work, original, case, method,
                                                  zero_sequence=zero_sequence,
                                                  lv_tol_percent=lv_tol_percent,
                                                  prefault=prefault)
    n1 = ppci["bus"].shape[0]
    pos = _sequence_from_ppc(ppc, ppci, lookup1)
    neg = _sequence_from_ppc(ppc, ppci, lookup1, negate_shift=True)

    col = getattr(idx_bus_sc, _C_COLUMN[case])
    c_factor = np.real(ppci["bus"][:, col]).astype(float)
    # no-load voltage phasor: Y1·V = y_source·1∠va at the source buses
    u_nl = _no_load_phasor(work, pos, ppci, BUS_TYPE, VA)
    if classical:
        c_factor = np.ones(n1)
        u_nl = open_circuit_voltage(work, pos, ppci, u_nl)
        v_pre = power_flow_voltage(work, pos, u_nl) if from_pf else u_nl
    else:
        v_pre = c_factor * u_nl

    zero = None
    if zero_sequence:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ppc0, ppci0 = _pd2ppc_zero(work, ppc["branch"][:, K_ST])
        lookup0 = np.array(work._pd2ppc_lookups["bus"], dtype=np.int64)
        zero = _sequence_from_ppc(ppc0, ppci0, lookup0, ground_floating=True)
    return CaseNetwork(case=case, method=method, pos=pos, neg=neg, zero=zero,
                       c_factor=c_factor, u_nl=u_nl, base_mva=float(ppci["baseMVA"]),
                       branch_lookup=branch_lookup, v_pre=v_pre)


def positive_sequence_network(net: pp.pandapowerNet, case: Case, method: Method, *,
                              lv_tol_percent: int = 10,
                              prefault: Prefault = "open_circuit") -> SequenceData:
    """The positive-sequence network of one (case, method) alone, factorised, without its
    branch rows (``yf_pu``/``yt_pu`` ``None``): what a driving-point impedance needs
    (:func:`protv2g.engine.asymmetry.driving_point_x_r`; #21: the whole
    :func:`build_sequence_networks` built Y2, the branch rows and the no-load voltage
    besides, unread there). ``y_pu``, its factorisation and lookups are those of
    :func:`build_sequence_networks`'s ``pos`` (the same builders, on a private copy of
    ``net``; ``net`` is not modified).

    Raises
    ------
    InputError
        As :func:`build_sequence_networks`.
    """
    work = copy_net(net)
    if method is Method.CLASSICAL and prefault == "power_flow":
        run_prefault_power_flow(work)
    ppc, ppci, lookup, _ = case_ppc(work, net, case, method, zero_sequence=False,
                                     lv_tol_percent=lv_tol_percent, prefault=prefault)
    return _sequence_from_ppc(ppc, ppci, lookup, branch_rows=False)


def _no_load_phasor(work: pp.pandapowerNet, pos: SequenceData, ppci: dict, bus_type_col: int,
                    va_col: int) -> np.ndarray:
    """Unit phasor of the no-load voltage (transformer shifts from the sources).

    Solves ``Y_uu·V_u = −Y_us·V_s`` with the source buses held at ``1∠va_degree``.
    """
    eg = work.ext_grid[work.ext_grid.in_service.values.astype(bool)]
    n = pos.n_bus
    idx = pos.index(eg.bus.values) if len(eg) else np.zeros(0, dtype=np.int64)
    keep = idx >= 0
    if not keep.any():
        return np.ones(n, dtype=complex)
    src, first = np.unique(idx[keep], return_index=True)
    v_src = np.exp(1j * np.deg2rad(eg.va_degree.values[keep][first].astype(float)))
    free = np.setdiff1d(np.arange(n), src)
    v = np.ones(n, dtype=complex)
    v[src] = v_src
    if len(free):
        y = sp.csc_matrix(pos.y_pu)
        rhs = -(y[free][:, src] @ v_src)
        v[free] = splu(sp.csc_matrix(y[free][:, free])).solve(np.asarray(rhs).ravel())
    mag = np.abs(v)
    mag[mag == 0] = 1.0
    return v / mag
