"""pandapower's admittance data of one (case, method) for :mod:`protv2g.engine.sequence`: the
positive-sequence ppc/ppci with the IEC 60909 corrections or the classical method's changes,
and the branch admittance rows (split from :mod:`.sequence`, #21, when its positive sequence
alone became buildable: :func:`~protv2g.engine.sequence.positive_sequence_network`).

The builders are pandapower's short-circuit ones (``_init_ppc``, ``_create_k_updated_ppci``,
``makeYbus``); see :mod:`protv2g.engine.sequence` for the element models and corrections.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandapower as pp
import scipy.sparse as sp

from protv2g.engine.classical import (
    PREFAULTS,
    Prefault,
    add_shunt_admittances,
    drop_branch_shunts,
    prepare_classical,
)
from protv2g.errors import InputError, Issue
from protv2g.units import Case, Method

__all__ = ["admittances", "case_ppc"]


def _pp_case(case: Case, method: Method) -> str:
    # The classical method is built through pandapower's "min" path (K_T = 1) with the
    # external-grid data of the requested case written into the *_min columns of the copy.
    return "min" if method is Method.CLASSICAL else case.value


def case_ppc(work: pp.pandapowerNet, original: pp.pandapowerNet, case: Case, method: Method,
             *, zero_sequence: bool, lv_tol_percent: int, prefault: Prefault
             ) -> tuple[dict, dict, np.ndarray, dict]:
    """pandapower's positive-sequence ppc and ppci of one (case, method) on the private copy
    ``work``, with the IEC 60909 ``K_G``/``K_S`` corrections or the classical shunts in
    ``ppci``: ``(ppc, ppci, bus lookup, branch lookup)`` (see
    :func:`build_sequence_networks`, whose parameters these are)."""
    from pandapower.auxiliary import _add_ppc_options, _add_sc_options
    from pandapower.shortcircuit.ppc_conversion import _create_k_updated_ppci, _init_ppc

    classical = method is Method.CLASSICAL
    if prefault not in PREFAULTS:
        raise InputError(Issue("options", "prefault", f"unknown {prefault!r}",
                               "use 'open_circuit' or 'power_flow'"))
    from_pf = classical and prefault == "power_flow"
    if from_pf and ("res_bus" not in work or not len(work.res_bus)):
        raise InputError(Issue("options", "prefault", "no power flow on the private copy",
                               "call run_prefault_power_flow(work) first"))
    if classical:
        prepare_classical(work, original, case, lv_tol_percent)
    pp_case = _pp_case(case, method)
    init = "results" if from_pf else "flat"
    work["_options"] = {}
    _add_ppc_options(work, calculate_voltage_angles=True, trafo_model="pi",
                     check_connectivity=True, mode="sc", switch_rx_ratio=2,
                     init_vm_pu=init, init_va_degree=init, enforce_q_lims=False,
                     enforce_p_lims=False, recycle=None, consider_line_temperature=classical)
    # classical: pandapower's superposition ("type C") builders — taps in the ratio, no K_T,
    # loads as admittances (see the module docstring)
    _add_sc_options(work, fault="1ph" if zero_sequence else "3ph", case=pp_case,
                    lv_tol_percent=lv_tol_percent, tk_s=1.0, topology="auto", r_fault_ohm=0.0,
                    x_fault_ohm=0.0, kappa=False, ip=False, ith=False, branch_results=False,
                    kappa_method="C", return_all_currents=False, inverse_y=False,
                    use_pre_fault_voltage=classical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ppc, ppci = _init_ppc(work)
        lookup1 = np.array(work._pd2ppc_lookups["bus"], dtype=np.int64)
        n1 = ppci["bus"].shape[0]
        if not classical:  # K_G, K_S (IEC 60909-0 §6.6, §6.7); never in the classical method
            _, ppci, _ = _create_k_updated_ppci(work, ppci, ppci_bus=np.arange(n1))
    branch_lookup = dict(work._pd2ppc_lookups["branch"])
    if classical:
        drop_branch_shunts(ppc, ppci)
        add_shunt_admittances(work, ppci)
    return ppc, ppci, lookup1, branch_lookup


def _branch_rows(ppc: dict, ppci: dict, negate_shift: bool) -> np.ndarray:
    """Every ppc branch row (``SHIFT`` negated with ``negate_shift``), those with an end
    outside the internal network (or out of service) zeroed: the rows makeYbus sees for
    ``(Yf, Yt)`` over all ppc branches (see :class:`~protv2g.engine.sequence.SequenceData`;
    ppci's bus table covers every index makeYbus sees)."""
    from pandapower.pypower.idx_brch import SHIFT

    n = ppci["bus"].shape[0]
    branch_all = ppc["branch"].copy()
    if negate_shift:
        branch_all[:, SHIFT] = -branch_all[:, SHIFT]
    f = np.real(branch_all[:, 0]).astype(np.int64)
    t = np.real(branch_all[:, 1]).astype(np.int64)
    status = np.real(branch_all[:, 10]) > 0
    ok = status & (f < n) & (t < n)
    branch_all[~ok, 10] = 0
    branch_all[~ok, 0] = 0
    branch_all[~ok, 1] = 0
    return branch_all


def admittances(ppc: dict, ppci: dict, negate_shift: bool, branch_rows: bool
                ) -> tuple[sp.spmatrix, sp.spmatrix | None, sp.spmatrix | None]:
    """``(Ybus, Yf, Yt)`` of one sequence: ``Ybus`` of ppci's branches (``SHIFT`` negated
    with ``negate_shift``: the negative sequence), ``(Yf, Yt)`` over all ppc branches,
    buses outside the internal network dropped (``None`` without ``branch_rows``).

    One pandapower ``makeYbus`` call gives all three when those rows (:func:`_branch_rows`)
    are byte for byte ppci's (every branch in service and inside the internal
    network, as on a connected feeder): the same function on the same bytes, the same
    matrices (#21: 12 → 6 calls per fault study, ≈ 0.07 s of a 10,000-bus study's faults
    stage). Otherwise two calls, as before.
    """
    from pandapower.pypower.idx_brch import SHIFT
    from pandapower.pypower.makeYbus import makeYbus

    bus = ppci["bus"]
    branch_i = ppci["branch"].copy()
    if negate_shift:
        branch_i[:, SHIFT] = -branch_i[:, SHIFT]
    branch_all = _branch_rows(ppc, ppci, negate_shift) if branch_rows else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ybus, yf, yt = makeYbus(ppci["baseMVA"], bus, branch_i)
        if branch_all is None:
            yf = yt = None
        elif not _same_bytes(branch_all, branch_i):
            _, yf, yt = makeYbus(ppci["baseMVA"], bus, branch_all)
    return ybus, yf, yt


def _same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays hold the same bytes (shape, dtype and every bit: NaN payloads and
    signed zeros included)."""
    return (a.shape == b.shape and a.dtype == b.dtype
            and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes())
