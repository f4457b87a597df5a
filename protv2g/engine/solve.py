"""Per-case solver: fault currents, charger injections and device phasors for all fault buses.

Everything comes from one factorisation per sequence network (see :mod:`.sequence`; on radial
networks O(N) tree passes, :mod:`.zbus`):

* ``Z_ff`` for all fault buses (:func:`.zbus.driving_point_z_pu`);
* rows of ``Z`` at the device terminal buses (one transposed solve per terminal bus and
  sequence), condensed once per case into ``W = Y_dev·Z[T, F]`` and ``Z[dev, F]``
  (``devices × fault buses``, :func:`.kernels.device_transfer`);
* charger injections, either by their control law in stages (``control_law``: Newton on
  the site currents at every fault bus, :mod:`.newton`, :mod:`.staging`; needs rows and
  columns of ``Z`` at the charger buses) or, with the PLL frozen at the pre-fault angle, as
  fixed current sources at their first-cycle limit (``frozen_pll``): one solve per scenario
  gives their voltage change ``ΔV = Z·I_inj`` everywhere, exact by superposition and
  independent of the fault bus.

The voltage at any bus ``t`` for a fault at ``f`` is, by superposition,
``V_s(t) = V_pre,s(t) + Σ_c Z_s[t, c]·I_s,c(f) − Z_s[t, f]·I_s,f``; device currents are
``I_dev = Y_branch·V`` over the branch's terminal buses, evaluated by the fused kernels of
:mod:`.kernels` (written out, or reduced to per-device maxima without ``D × m`` temporaries).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from protv2g.engine.charger_solve import reduce_chargers, solve_group
from protv2g.engine.chargers import SiteArrays
from protv2g.engine.control_law import injection
from protv2g.engine.faults import floating_v0, sequence_fault_currents
from protv2g.engine.kernels import (
    device_transfer,
    fill_sequence,
    fill_sequence_rows,
    reduce_devices,
)
from protv2g.engine.newton import ColumnSolution
from protv2g.engine.sequence import CaseNetwork, SequenceData
from protv2g.engine.solve_types import PreFault, SliceSolve, rows_of
from protv2g.engine.staging import StagedChargers
from protv2g.units import FaultType

__all__ = ["CaseSolver", "PreFault", "SliceSolve"]


@dataclass
class _SeqRows:
    """Rows of one sequence's Z and branch admittances needed for devices and chargers."""

    zff: np.ndarray          # (m,) driving point at fault buses
    w_i: np.ndarray          # (D, m) Y_dev·Z[T, F]: device current per unit fault current
    w_v: np.ndarray          # (D, m) Z[dev, F]: device bus voltage per unit fault current
    y_dev: sp.csr_matrix     # (D, |T|) branch rows of the devices over T
    v_dev_row: np.ndarray    # (D,) position in T of each device bus (-1: absent)
    t_set: np.ndarray        # (|T|,) internal indices of the device terminal buses
    z_cf: np.ndarray | None = None  # (k, m) Z[C, F]
    z_fc: np.ndarray | None = None  # (m, k) Z[F, C]
    z_cc: np.ndarray | None = None  # (k, k)
    g_i: np.ndarray | None = None   # (D, k) Y_dev·Z[T, C]
    g_v: np.ndarray | None = None   # (D, k) Z[dev, C]


def _device_rows(seq: SequenceData, rows: np.ndarray, use_to: np.ndarray,
                 dev_bus_idx: np.ndarray) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray]:
    """Terminal bus set T, device branch rows over T, and position of each device bus in T."""
    yf = seq.yf_pu[rows]
    yt = seq.yt_pu[rows]
    y = sp.csr_matrix(sp.vstack([yf, yt]))
    d = len(rows)
    pick = np.where(use_to, np.arange(d) + d, np.arange(d))
    y = y[pick] if d else sp.csr_matrix((0, seq.n_bus), dtype=complex)
    t_set = np.unique(np.concatenate([y.indices, dev_bus_idx[dev_bus_idx >= 0]]).astype(np.int64))
    y_t = sp.csr_matrix(y[:, t_set]) if len(t_set) else sp.csr_matrix((d, 0), dtype=complex)
    v_row = np.full(len(dev_bus_idx), -1, dtype=np.int64)
    ok = dev_bus_idx >= 0
    v_row[ok] = np.searchsorted(t_set, dev_bus_idx[ok])
    return t_set, y_t, v_row


class CaseSolver:
    """Fault quantities of one :class:`CaseNetwork` for a fixed set of fault buses and devices.

    Parameters
    ----------
    cn : CaseNetwork
    fault_buses : numpy.ndarray
        pandapower bus indices of the fault locations (all present in the network).
    dev_branch_rows : numpy.ndarray
        ppc branch row of each device's element.
    dev_use_to : numpy.ndarray
        ``True`` where the device bus is the to/lv end of the branch.
    dev_buses : numpy.ndarray
        pandapower bus index of each device terminal.
    charger_buses : numpy.ndarray
        pandapower bus indices of every charger in any scenario (union, unique).
    need_neg_chargers : bool
        Some charger injects negative sequence (``k2 > 0`` or grid forming).
    charger_rows : bool
        Build the rows/columns of ``Z`` at the charger buses that the control-law charger
        model needs (``k`` solves each, positive and negative sequence; not needed by the
        frozen-PLL model).
    voltages : bool
        Build the device-voltage transfer ``w_v`` (not needed for per-device current maxima).
    pool : dict, optional
        Work arrays of a previous, no longer used solver of the same study to write into
        (first-touch page faults of fresh ``devices × buses`` arrays cost more than the
        arithmetic on them); updated with this solver's arrays.
    """

    def __init__(self, cn: CaseNetwork, fault_buses: np.ndarray, dev_branch_rows: np.ndarray,
                 dev_use_to: np.ndarray, dev_buses: np.ndarray, charger_buses: np.ndarray,
                 need_neg_chargers: bool, charger_rows: bool = True,
                 voltages: bool = True, pool: dict | None = None) -> None:
        self.cn = cn
        self.fault_buses = np.asarray(fault_buses, dtype=np.int64)
        self.f1 = cn.pos.index(self.fault_buses)
        self.charger_buses = np.asarray(charger_buses, dtype=np.int64)
        self.c1 = cn.pos.index(self.charger_buses)
        self.base_kv_f = cn.pos.base_kv[self.f1]
        self.c_f = cn.c_factor[self.f1]
        self.u_f = cn.u_nl[self.f1]
        self.seq: dict[int, _SeqRows] = {}
        self._voltages = voltages
        self._pool = {} if pool is None else pool
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s, data in ((1, cn.pos), (2, cn.neg), (0, cn.zero)):
                if data is None:
                    continue
                with_c = charger_rows and len(self.c1) > 0 and s in (1, 2)
                self.seq[s] = self._rows(data, dev_branch_rows, dev_use_to, dev_buses, with_c,
                                         s)
        d_idx = cn.pos.index(dev_buses)
        self.dev_base_kv = np.where(d_idx >= 0, cn.pos.base_kv[np.maximum(d_idx, 0)], np.nan)
        self.u_t = cn.u_nl[self.seq[1].t_set]

    def _rows(self, data: SequenceData, rows: np.ndarray, use_to: np.ndarray,
              dev_buses: np.ndarray, with_chargers: bool, s: int) -> _SeqRows:
        f = data.index(self.fault_buses)
        dev_idx = data.index(dev_buses)
        t_set, y_dev, v_row = _device_rows(data, rows, use_to, dev_idx)
        zff = data.driving_point_z()[f]  # (a radial network's LU is not made, #21)
        if data.any_floating:  # no zero-sequence path to ground: Z0 = ∞ (see faults.py)
            zff = np.where(data.floating[f], np.inf, zff)
        # column j of z_tt is row t_set[j] of Z (one transposed solve per terminal bus)
        z_tt = data.unit_cols(t_set, trans=True,
                              out=self.work_array("z_tt", (len(t_set), data.n_bus)))
        n_d = y_dev.shape[0]
        w_i = self.work_array(f"w_i{s}", (n_d, len(f)))
        w_v = self.work_array(f"w_v{s}", (n_d, len(f)) if self._voltages else (n_d, 0))
        y_dev.sort_indices()
        device_transfer(y_dev.indptr, y_dev.indices, y_dev.data.astype(complex),
                        np.ascontiguousarray(z_tt.T), f, v_row, w_i, w_v)
        out = _SeqRows(zff=zff, w_i=w_i, w_v=w_v, y_dev=y_dev, v_dev_row=v_row, t_set=t_set)
        if with_chargers:
            c = data.index(self.charger_buses)
            z_c_rows = data.unit_cols(c, trans=True)  # (n, k): rows of Z at C, transposed
            out.z_cf = np.ascontiguousarray(z_c_rows[f, :].T)
            out.z_cc = np.ascontiguousarray(z_c_rows[c, :].T)
            del z_c_rows
            out.z_fc = np.ascontiguousarray(data.unit_cols(c)[f, :])
            z_tc = z_tt[c].T
            out.g_i = np.asarray(y_dev @ z_tc) if len(t_set) else np.zeros((len(rows), len(c)))
            out.g_v = rows_of(z_tc, v_row)
        return out

    def work_array(self, key: str, shape: tuple, dtype: type = complex) -> np.ndarray:
        """A work array of ``shape`` from the pool, reused when shape and dtype match (e.g.
        the transfer rows, and the dense first-cycle device grid that every slice fills,
        #21: a fresh ``devices × buses × 3`` array per slice cost ≈ 80 ms of first-touch
        page faults at 10,000 buses, ten times its fill). The array is the pool's: the next
        use of ``key`` (by this solver or the next one of the study) writes into it."""
        buf = self._pool.get(key)
        if buf is None or buf.shape != shape or buf.dtype != np.dtype(dtype):
            buf = np.empty(shape, dtype=dtype)
            self._pool[key] = buf
        return buf

    # ------------------------------------------------------------------ pre-fault
    def pre_fault(self, v_pre_pu: np.ndarray | None) -> PreFault:
        """Pre-fault voltages: the equivalent source ``c·Un/√3`` at the fault (IEC 60909,
        ``v_pre_pu`` ``None``) or the given pre-fault voltage (classical)."""
        s1 = self.seq[1]
        m = len(self.f1)
        if v_pre_pu is None:
            u_t, b = self.u_t, self.c_f.astype(complex)
            e_f = self.c_f * self.u_f
            v_c = self.cn.u_nl[self.c1]
        else:
            u_t, b = v_pre_pu[s1.t_set], np.ones(m, dtype=complex)
            e_f = v_pre_pu[self.f1]
            v_c = v_pre_pu[self.c1]
        a_i = np.asarray(s1.y_dev @ u_t).ravel() if len(u_t) else np.zeros(s1.y_dev.shape[0])
        a_v = rows_of(u_t, s1.v_dev_row)
        return PreFault(e_f.astype(complex), a_i.astype(complex), a_v, b, v_c)

    # ------------------------------------------------------------------ chargers
    def frozen_delta_v(self, seq: int, i_inj_pu: np.ndarray, cpos: np.ndarray) -> np.ndarray:
        """Bus voltage change ``Z_s·I`` (all internal buses) of fixed injections ``i_inj_pu``
        at the chargers ``cpos`` — one solve."""
        data = {1: self.cn.pos, 2: self.cn.neg, 0: self.cn.zero}[seq]
        rhs = np.zeros(data.n_bus, dtype=complex)
        np.add.at(rhs, data.index(self.charger_buses[cpos]), i_inj_pu)
        return data.solve(rhs)

    def solve(self, fault_type: FaultType, zf_pu: np.ndarray | complex, pre: PreFault,
              chargers: SiteArrays | None, charger_pos: np.ndarray | None,
              frozen: bool = False, staged: bool = True, first_cycle_s: float = 1 / 60,
              device_terms: bool = True) -> SliceSolve:
        """Fault currents and the device terms of one fault type and scenario, per stage.

        Parameters
        ----------
        frozen : bool
            Charger model: ``True`` — every grid-following charger is a fixed current source at
            its first-cycle limit with the PLL held at the pre-fault angle (exact
            superposition: one solve per scenario; one stage); ``False`` — each site's control
            law solved at every fault bus, stage by stage (:mod:`.staging`).
        staged : bool
            Solve the stages after the first cycle (``False``: first cycle held).
        first_cycle_s : float
            Duration of the first-cycle stage, s.
        """
        s1, s2, s0 = self.seq[1], self.seq[2], self.seq.get(0)
        z0f = s0.zff if s0 is not None else None
        m, n_d = len(self.f1), s1.w_i.shape[0]
        k = 0 if chargers is None else len(chargers.i_fc)
        zero_d = np.zeros(n_d, dtype=complex)
        no_terms = {s: (zero_d, zero_d, None, None) for s in self.seq}
        if not k:
            i_f = sequence_fault_currents(fault_type, pre.e_f, np.zeros(m, complex), s1.zff,
                                          s2.zff, z0f, zf_pu)
            return SliceSolve(i_f[None], [{**no_terms, "e12": (pre.e_f, np.zeros(m, complex))}],
                              np.zeros((1, m)), np.full((1, m), np.inf), None)
        if frozen:
            v = pre.v_c[charger_pos][:, None]
            inj = injection(v, np.zeros_like(v), chargers.i_fc[:, None], chargers.law, v,
                            hold=np.ones((k, 1), bool), freeze=np.ones((k, 1), bool))
            i1 = inj.i1[:, 0]
            dv = self.frozen_delta_v(1, i1, charger_pos)
            e1 = pre.e_f + dv[self.f1]
            dv_t = dv[s1.t_set]
            terms = dict(no_terms)
            terms[1] = (np.asarray(s1.y_dev @ dv_t).ravel() if len(dv_t) else zero_d,
                        rows_of(dv_t, s1.v_dev_row), None, None)
            terms["e12"] = (e1, e2 := np.zeros(m, complex))
            i_f = sequence_fault_currents(fault_type, e1, e2, s1.zff, s2.zff, z0f, zf_pu)
            i1m = np.broadcast_to(i1[None, :], (m, k))
            nan_c = np.full((m, k), np.nan + 0j)
            sol = ColumnSolution(i1m, np.zeros((m, k), complex), nan_c, nan_c.copy(),
                                 np.ones(m, bool), np.zeros(m, bool), np.zeros(m),
                                 np.full(m, np.nan), 0)
            stg = StagedChargers(np.zeros((1, m)), np.full((1, m), np.inf), [sol], np.ones((
                1, m, k), bool), np.zeros((1, m, k), bool), np.full((m, k), np.inf),
                np.zeros((m, k), bool), np.full((m, k), np.nan))
            return SliceSolve(i_f[None], [terms], np.zeros((1, m)), np.full((1, m), np.inf),
                              stg)
        return self.solve_group(fault_type, zf_pu, pre, [chargers], charger_pos, staged=staged,
                                first_cycle_s=first_cycle_s, device_terms=device_terms)[0]

    def solve_group(self, fault_type: FaultType, zf_pu: np.ndarray | complex, pre: PreFault,
                    group: list[SiteArrays], charger_pos: np.ndarray, **kw: Any
                    ) -> list[SliceSolve]:
        """Control-law scenarios with the same sites as one Newton solve
        (:func:`.charger_solve.solve_group`, its keyword arguments)."""
        return solve_group(self, fault_type, zf_pu, pre, group, charger_pos, **kw)

    def reduce_chargers(self, items: list[SliceSolve], pre: PreFault, scale_i: np.ndarray
                        ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per-device maxima of control-law slices (:func:`.charger_solve.reduce_chargers`)."""
        return reduce_chargers(self, items, pre, scale_i)

    def _sequence_terms(self, i_f: np.ndarray, terms: dict, pre: PreFault,
                        scale_i: np.ndarray) -> Iterator[tuple[int, Any, np.ndarray, tuple,
                                                               tuple]]:
        """Per sequence ``s``: its rows, the fault currents ``i_f[:, s]`` and the arguments
        of the fill kernels for currents and for voltages — ``(a, g, g_dev, i_chg)``: the
        pre-fault term (positive sequence only), the fixed charger term ``(D,)`` and the
        control law's factors (empty ``(D, 0)``/``(0, 0)`` without them)."""
        zero_d = np.zeros(len(scale_i), dtype=complex)
        none = (np.zeros((len(scale_i), 0), dtype=complex), np.zeros((0, 0), dtype=complex))
        for s, rows in self.seq.items():
            g_i, g_v, gf_i, gf_v = terms[s]
            a_i, a_v = (pre.a_i, pre.a_v) if s == 1 else (zero_d, zero_d)
            yield (s, rows, np.ascontiguousarray(i_f[:, s]),
                   (a_i, g_i, *(none if gf_i is None else gf_i)),
                   (a_v, g_v, *(none if gf_v is None else gf_v)))

    def fill(self, out_i: np.ndarray, out_v: np.ndarray | None, i_f: np.ndarray, terms: dict,
             pre: PreFault, scale_i: np.ndarray, fault_type: FaultType,
             zf_pu: np.ndarray | complex) -> None:
        """Write device currents (``scale_i`` per unit → unit of ``out_i``) and voltages (pu),
        ``(D, m, 3)`` in sequence order, for the fault currents ``i_f`` of :meth:`solve`.
        ``out_v=None``: currents only.

        ``terms[s]`` is ``(g_i, g_v, G_i, G_v)``: fixed charger terms ``(D,)`` and the
        fault-dependent ones of the control law as factors ``(g_dev (D, k), i_chg (k, m))``
        (``None`` without them), summed per element by :func:`.kernels.fill_sequence`.
        """
        ones = np.ones(len(scale_i))
        for s, rows, i_s, current, voltage in self._sequence_terms(i_f, terms, pre, scale_i):
            fill_sequence(out_i, s, current[0], pre.b, *current[1:], rows.w_i, i_s, scale_i)
            if out_v is not None:
                fill_sequence(out_v, s, voltage[0], pre.b, *voltage[1:], rows.w_v, i_s, ones)
        if 0 not in self.seq:
            for out in (out_i,) if out_v is None else (out_i, out_v):
                out[..., 0] = 0
        elif self.cn.zero.any_floating and out_v is not None:
            e1, e2 = terms["e12"]
            self._floating_v0(out_v, fault_type, e1, e2, zf_pu)

    def fill_rows(self, out_i: np.ndarray | None, out_v: np.ndarray | None, dev: np.ndarray,
                  col: np.ndarray, i_f: np.ndarray, terms: dict, pre: PreFault,
                  scale_i: np.ndarray, fault_type: FaultType,
                  zf_pu: np.ndarray | complex) -> None:
        """:meth:`fill` at the device rows ``(dev[r], col[r])`` (device, fault-bus position)
        only: ``out_i``/``out_v`` ``(n, 3)``; the same values as :meth:`fill` there.
        ``out_i=None``: voltages only (#21: the first cycle's currents are taken from the
        dense grid, its voltages at the kept rows; the currents were filled again and
        dropped)."""
        ones = np.ones(len(scale_i))
        for s, rows, i_s, current, voltage in self._sequence_terms(i_f, terms, pre, scale_i):
            if out_i is not None:
                fill_sequence_rows(out_i, s, dev, col, current[0], pre.b, *current[1:],
                                   rows.w_i, i_s, scale_i)
            if out_v is not None:
                fill_sequence_rows(out_v, s, dev, col, voltage[0], pre.b, *voltage[1:],
                                   rows.w_v, i_s, ones)
        if 0 not in self.seq:
            for out in (out_i, out_v):
                if out is not None:
                    out[:, 0] = 0
        elif self.cn.zero.any_floating and out_v is not None:
            e1, e2 = terms["e12"]
            self._floating_v0_rows(out_v, dev, col, fault_type, e1, e2, zf_pu)

    def _floating_v0_rows(self, out_v: np.ndarray, dev: np.ndarray, col: np.ndarray,
                          fault_type: FaultType, e1: np.ndarray, e2: np.ndarray,
                          zf_pu: np.ndarray | complex) -> None:
        """:meth:`_floating_v0` at the device rows ``(dev[r], col[r])`` only."""
        zero, s0 = self.cn.zero, self.seq[0]
        f0 = zero.index(self.fault_buses)
        floating = zero.floating[f0]
        cols = np.flatnonzero(floating)
        if not len(cols):
            return
        zf = zf_pu[cols] if np.ndim(zf_pu) else zf_pu
        v0f = floating_v0(fault_type, e1[cols], e2[cols], self.seq[1].zff[cols],
                          self.seq[2].zff[cols], zf)
        at = np.full(len(floating), -1, dtype=np.int64)
        at[cols] = np.arange(len(cols))
        r = np.flatnonzero(floating[col])
        c = at[col[r]]
        rows = s0.v_dev_row[dev[r]]
        comp = np.where(rows >= 0, zero.component[s0.t_set[np.maximum(rows, 0)]], -1)
        same = comp == zero.component[f0[cols]][c]
        out_v[r, 0] = np.where(same, v0f[c], np.where(rows >= 0, 0, np.nan))

    def reduce(self, i_fs: list[np.ndarray], terms_s: list[dict], pre: PreFault,
               scale_i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For several scenarios at once (fault currents and terms of :meth:`solve`, without
        fault-dependent charger terms): per device, the largest phase current and largest
        ``|3·I0|`` over the fault buses (unit of ``scale_i``) and the positions of those fault
        buses, ``(S, D, 2)`` each."""
        n_d, n_s = len(scale_i), len(i_fs)
        g = np.zeros((n_s, n_d, 3), dtype=complex)
        for k, terms in enumerate(terms_s):
            for s in self.seq:
                if terms[s][2] is not None:
                    raise ValueError("reduce() needs the frozen-PLL or no-charger model")
                g[k, :, s] = terms[s][0]
        s0 = self.seq.get(0)
        w0 = s0.w_i if s0 is not None else np.zeros((1, 1), complex)
        out_max = np.zeros((n_s, n_d, 2))
        out_arg = np.zeros((n_s, n_d, 2), dtype=np.int64)
        i_f = np.ascontiguousarray(np.stack(i_fs))
        has_zero = s0 is not None and bool(np.any(i_f[..., 0]) or np.any(g[..., 0]))
        has_neg = bool(np.any(i_f[..., 2]) or np.any(g[..., 2]))
        i_t = i_f.transpose(2, 1, 0)  # (seq, fault bus, scenario)
        reduce_devices(pre.a_i, pre.b, g, w0, self.seq[1].w_i, self.seq[2].w_i,
                       np.ascontiguousarray(i_t.real), np.ascontiguousarray(i_t.imag), scale_i,
                       has_zero, has_neg, out_max, out_arg)
        return out_max, out_arg

    def _floating_v0(self, out_v: np.ndarray, fault_type: FaultType, e1: np.ndarray,
                     e2: np.ndarray, zf_pu: np.ndarray | complex) -> None:
        """Overwrite the device-bus ``V0`` (``out_v[..., 0]``) in the columns of fault buses
        without a zero-sequence path to ground: the Z0 = ∞ limit, the same ``V0`` on every bus
        of the fault's zero-sequence island, 0 elsewhere."""
        zero, s0 = self.cn.zero, self.seq[0]
        f0 = zero.index(self.fault_buses)
        cols = np.flatnonzero(zero.floating[f0])
        if not len(cols):
            return
        zf = zf_pu[cols] if np.ndim(zf_pu) else zf_pu
        v0f = floating_v0(fault_type, e1[cols], e2[cols], self.seq[1].zff[cols],
                          self.seq[2].zff[cols], zf)
        rows = s0.v_dev_row
        comp = np.where(rows >= 0, zero.component[s0.t_set[np.maximum(rows, 0)]], -1)
        same = comp[:, None] == zero.component[f0[cols]][None, :]
        out_v[:, cols, 0] = np.where(same, v0f[None, :], np.where(rows[:, None] >= 0, 0, np.nan))
