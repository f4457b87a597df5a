"""Per-case solver: fault currents, charger iteration and device phasors for all fault buses.

Everything comes from one factorisation per sequence network (see :mod:`.sequence`):

* ``Z_ff`` for all fault buses (:func:`.zbus.driving_point_z_pu`);
* rows of ``Z`` at the device terminal buses (two transposed solves per device and sequence);
* rows and columns of ``Z1`` (and ``Z2``) at the charger buses when there are chargers.

The voltage at any bus ``t`` for a fault at ``f`` is, by superposition,
``V_s(t) = V_pre,s(t) + Σ_c Z_s[t, c]·I_s,c(f) − Z_s[t, f]·I_s,f``; device currents are
``I_dev = Y_branch·V`` over the branch's terminal buses.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from protv2g.engine.chargers import ChargerArrays, gfl_injection, gfm_injection
from protv2g.engine.faults import floating_v0, sequence_fault_currents
from protv2g.engine.sequence import CaseNetwork, SequenceData
from protv2g.engine.zbus import driving_point_z_pu, z_cols_pu, z_rows_pu
from protv2g.units import FaultType

__all__ = ["CaseSolver", "ChargerSolution"]

#: convergence tolerance of the charger iteration, relative to the largest current limit
ITER_TOL = 1e-10
ITER_MAX = 200
#: steps with the PLL tracking the terminal voltage before falling back to a frozen PLL
ITER_MAX_TRACKING = 60
#: target number of complex entries in a (chargers × fault-bus chunk) temporary
CHUNK_ENTRIES = 2_000_000


@dataclass
class _SeqRows:
    """Rows of one sequence's Z and branch admittances needed for devices and chargers."""

    zff: np.ndarray          # (m,) driving point at fault buses
    z_tf: np.ndarray         # (|T|, m) Z[T, F]
    y_dev: sp.csr_matrix     # (D, |T|) branch rows of the devices over T
    v_dev_row: np.ndarray    # (D,) position in T of each device bus
    t_set: np.ndarray        # (|T|,) internal indices of the device terminal buses
    z_cf: np.ndarray | None  # (k, m) Z[C, F]
    z_fc: np.ndarray | None  # (m, k) Z[F, C]
    z_cc: np.ndarray | None  # (k, k)
    z_tc: np.ndarray | None  # (|T|, k)


@dataclass
class ChargerSolution:
    """Converged injections of one scenario and fault type (per unit, ``(k, m)``)."""

    i1_pu: np.ndarray
    i2_pu: np.ndarray
    iterations: int
    converged: bool
    pll_frozen: np.ndarray | None = None  # (m,) fault buses solved with the PLL frozen


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
    pos = {b: i for i, b in enumerate(t_set)}
    y_t = sp.csr_matrix(y[:, t_set]) if len(t_set) else sp.csr_matrix((d, 0), dtype=complex)
    v_row = np.array([pos.get(int(b), -1) for b in dev_bus_idx], dtype=np.int64)
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
    """

    def __init__(self, cn: CaseNetwork, fault_buses: np.ndarray, dev_branch_rows: np.ndarray,
                 dev_use_to: np.ndarray, dev_buses: np.ndarray, charger_buses: np.ndarray,
                 need_neg_chargers: bool) -> None:
        self.cn = cn
        self.fault_buses = np.asarray(fault_buses, dtype=np.int64)
        self.f1 = cn.pos.index(self.fault_buses)
        self.charger_buses = np.asarray(charger_buses, dtype=np.int64)
        self.c1 = cn.pos.index(self.charger_buses)
        self.base_kv_f = cn.pos.base_kv[self.f1]
        self.c_f = cn.c_factor[self.f1]
        self.u_f = cn.u_nl[self.f1]
        self.seq: dict[int, _SeqRows] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s, data in ((1, cn.pos), (2, cn.neg), (0, cn.zero)):
                if data is None:
                    continue
                with_c = len(self.c1) > 0 and (s == 1 or (s == 2 and need_neg_chargers))
                self.seq[s] = self._rows(data, dev_branch_rows, dev_use_to, dev_buses, with_c)
        d_idx = cn.pos.index(dev_buses)
        self.dev_base_kv = np.where(d_idx >= 0, cn.pos.base_kv[np.maximum(d_idx, 0)], np.nan)
        self.u_t = cn.u_nl[self.seq[1].t_set]

    def _rows(self, data: SequenceData, rows: np.ndarray, use_to: np.ndarray,
              dev_buses: np.ndarray, with_chargers: bool) -> _SeqRows:
        f = data.index(self.fault_buses)
        dev_idx = data.index(dev_buses)
        t_set, y_dev, v_row = _device_rows(data, rows, use_to, dev_idx)
        zff = driving_point_z_pu(data.y_pu, data.lu)[f]
        if data.any_floating:  # no zero-sequence path to ground: Z0 = ∞ (see faults.py)
            zff = np.where(data.floating[f], np.inf, zff)
        z_t = z_rows_pu(data.lu, data.n_bus, t_set)
        z_tf = z_t[:, f]
        z_cf = z_fc = z_cc = z_tc = None
        if with_chargers:
            c = data.index(self.charger_buses)
            z_c_rows = z_rows_pu(data.lu, data.n_bus, c)
            z_c_cols = z_cols_pu(data.lu, data.n_bus, c)
            z_cf = np.ascontiguousarray(z_c_rows[:, f])
            z_fc = np.ascontiguousarray(z_c_cols[f, :])
            z_cc = z_c_rows[:, c]
            z_tc = z_t[:, c]
        return _SeqRows(zff=zff, z_tf=z_tf, y_dev=y_dev, v_dev_row=v_row, t_set=t_set, z_cf=z_cf,
                        z_fc=z_fc, z_cc=z_cc, z_tc=z_tc)

    # ------------------------------------------------------------------ pre-fault
    def pre_fault(self, v_pre_pu: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pre-fault positive-sequence voltage at fault buses ``(m,)``, chargers ``(k, m)``
        and device terminal buses ``(|T|, m)`` (per unit)."""
        if v_pre_pu is None:  # equivalent source c·Un/√3 at the fault (IEC 60909) or 1.0 pu
            e_f = self.c_f * self.u_f
            e_c = np.outer(self.cn.u_nl[self.c1], self.c_f)
            e_t = np.outer(self.u_t, self.c_f)
        else:
            e_f = v_pre_pu[self.f1]
            e_c = np.repeat(v_pre_pu[self.c1][:, None], len(self.f1), axis=1)
            e_t = np.repeat(v_pre_pu[self.seq[1].t_set][:, None], len(self.f1), axis=1)
        return e_f, e_c, e_t

    # ------------------------------------------------------------------ solve
    def solve(self, fault_type: FaultType, zf_pu: np.ndarray, v_pre_pu: np.ndarray | None,
              chargers: ChargerArrays | None, charger_pos: np.ndarray | None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, ChargerSolution | None]:
        """Fault, device and charger quantities for one fault type and scenario.

        Returns
        -------
        i_fault_012 : (m, 3) complex, per unit — current into the fault, sequences (0, 1, 2)
        i_dev_012 : (D, m, 3) complex, per unit of the device bus base
        v_dev_012 : (D, m, 3) complex, per unit
        charger : ChargerSolution or None
        """
        s1, s2 = self.seq[1], self.seq[2]
        s0 = self.seq.get(0)
        z0f = s0.zff if s0 is not None else None
        e_f, e_c_all, e_t = self.pre_fault(v_pre_pu)
        m = len(self.f1)
        k = 0 if chargers is None else len(chargers.i_lim_pu)
        i_c1 = np.zeros((k, m), dtype=complex)
        i_c2 = np.zeros((k, m), dtype=complex)
        sol = None
        if k:
            i_c1, i_c2, sol = self._iterate(fault_type, zf_pu, e_f, e_c_all[charger_pos],
                                            chargers, charger_pos)
        e1 = e_f.astype(complex).copy()
        e2 = np.zeros(m, dtype=complex)
        if k:
            e1 += np.einsum("mk,km->m", s1.z_fc[:, charger_pos], i_c1)
            if s2.z_fc is not None:
                e2 += np.einsum("mk,km->m", s2.z_fc[:, charger_pos], i_c2)
        i_f = sequence_fault_currents(fault_type, e1, e2, s1.zff, s2.zff, z0f, zf_pu)
        # terminal voltages of the device buses
        v1 = e_t - s1.z_tf * i_f[:, 1]
        v2 = -s2.z_tf * i_f[:, 2]
        if k:
            v1 += s1.z_tc[:, charger_pos] @ i_c1
            if s2.z_tc is not None:
                v2 += s2.z_tc[:, charger_pos] @ i_c2
        d = s1.y_dev.shape[0]
        i_dev = np.zeros((d, m, 3), dtype=complex)
        v_dev = np.zeros((d, m, 3), dtype=complex)
        for s, v in ((1, v1), (2, v2)):
            rows = self.seq[s]
            i_dev[:, :, s] = rows.y_dev @ v
            v_dev[:, :, s] = _take_rows(v, rows.v_dev_row)
        if s0 is not None:
            v0 = -s0.z_tf * i_f[:, 0]
            if self.cn.zero.any_floating:
                self._floating_v0(v0, fault_type, e1, e2, zf_pu)
            i_dev[:, :, 0] = s0.y_dev @ v0
            v_dev[:, :, 0] = _take_rows(v0, s0.v_dev_row)
        return i_f, i_dev, v_dev, sol

    def _floating_v0(self, v0: np.ndarray, fault_type: FaultType, e1: np.ndarray,
                     e2: np.ndarray, zf_pu: np.ndarray | complex) -> None:
        """Overwrite ``v0`` (``(|T|, m)``) in the columns of fault buses without a
        zero-sequence path to ground: the Z0 = ∞ limit, the same ``V0`` on every bus of the
        fault's zero-sequence island, 0 elsewhere."""
        zero, s0 = self.cn.zero, self.seq[0]
        f0 = zero.index(self.fault_buses)
        cols = np.flatnonzero(zero.floating[f0])
        if not len(cols):
            return
        zf = zf_pu[cols] if np.ndim(zf_pu) else zf_pu
        v0f = floating_v0(fault_type, e1[cols], e2[cols], self.seq[1].zff[cols],
                          self.seq[2].zff[cols], zf)
        same = zero.component[s0.t_set][:, None] == zero.component[f0[cols]][None, :]
        v0[:, cols] = np.where(same, v0f[None, :], 0.0)

    def _iterate(self, fault_type: FaultType, zf_pu: np.ndarray, e_f: np.ndarray,
                 e_c: np.ndarray, p: ChargerArrays, cpos: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, ChargerSolution]:
        """Fixed point of the charger injections, column by column (fault bus).

        Columns that have converged drop out of the iteration. Columns without a fixed point
        (e.g. a bolted fault isolating chargers whose voltage is then set by their own current
        alone — a PLL cannot lock there) are solved again with the PLL held at the pre-fault
        angle and flagged in ``ChargerSolution.pll_frozen``.
        """
        k, m = e_c.shape
        i1 = np.zeros((k, m), dtype=complex)
        i2 = np.zeros((k, m), dtype=complex)
        with np.errstate(divide="ignore", invalid="ignore"):
            i_pre = np.conj(p.s_pre_pu[:, None] / np.where(e_c != 0, e_c, 1))
        e_gfm = e_c + p.z_gfm_pu[:, None] * i_pre
        active = np.arange(m)
        its = 0
        frozen = np.zeros(m, dtype=bool)
        for freeze in (False, True):
            n_it, ok = self._fixed_point(fault_type, zf_pu, e_f, e_c, e_gfm, p, cpos, i1, i2,
                                         active, freeze)
            its = max(its, n_it)
            active = active[~ok]
            if not len(active):
                break
            frozen[active] = True
        converged = len(active) == 0
        return i1, i2, ChargerSolution(i1_pu=i1, i2_pu=i2, iterations=its, converged=converged,
                                       pll_frozen=frozen)

    def _fixed_point(self, fault_type, zf_pu, e_f, e_c, e_gfm, p, cpos, i1, i2, cols,
                     freeze) -> tuple[int, np.ndarray]:
        s1, s2 = self.seq[1], self.seq[2]
        s0 = self.seq.get(0)
        neg = s2.z_cf is not None
        z_cc1 = s1.z_cc[np.ix_(cpos, cpos)]
        z_cc2 = s2.z_cc[np.ix_(cpos, cpos)] if neg else None
        z_fc1 = s1.z_fc[np.ix_(cols, cpos)]
        z_fc2 = s2.z_fc[np.ix_(cols, cpos)] if neg else None
        z_cf1 = s1.z_cf[np.ix_(cpos, cols)]
        z_cf2 = s2.z_cf[np.ix_(cpos, cols)] if neg else None
        zf = zf_pu[cols] if np.ndim(zf_pu) else zf_pu
        zff1, zff2 = s1.zff[cols], s2.zff[cols]
        zff0 = s0.zff[cols] if s0 is not None else None
        ef, ec, eg = e_f[cols], e_c[:, cols], e_gfm[:, cols]
        a1, a2 = i1[:, cols], i2[:, cols]
        tol = ITER_TOL * max(float(p.i_lim_pu.max(initial=0.0)), 1e-12)
        live = np.arange(len(cols))  # positions (within cols) still iterating
        done = np.zeros(len(cols), dtype=bool)
        it = 0
        limit = ITER_MAX if freeze else ITER_MAX_TRACKING
        for it in range(1, limit + 1):  # noqa: B007
            b1, b2 = a1[:, live], a2[:, live]
            e1 = ef[live] + np.einsum("mk,km->m", z_fc1[live], b1)
            e2 = np.einsum("mk,km->m", z_fc2[live], b2) if neg else np.zeros(len(live), complex)
            zfl = zf[live] if np.ndim(zf) else zf
            z0l = zff0[live] if zff0 is not None else None
            i_f = sequence_fault_currents(fault_type, e1, e2, zff1[live], zff2[live], z0l, zfl)
            v1 = ec[:, live] + z_cc1 @ b1 - z_cf1[:, live] * i_f[:, 1]
            v2 = (z_cc2 @ b2 - z_cf2[:, live] * i_f[:, 2]) if neg else np.zeros_like(v1)
            n1, n2 = gfl_injection(ec[:, live] if freeze else v1, v2, ec[:, live], p)
            if p.gfm.any():
                g1, g2 = gfm_injection(v1, v2, eg[:, live], p)
                n1 = np.where(p.gfm[:, None], g1, n1)
                n2 = np.where(p.gfm[:, None], g2, n2)
            delta = np.maximum(np.abs(n1 - b1).max(axis=0, initial=0.0),
                               np.abs(n2 - b2).max(axis=0, initial=0.0))
            relax = 1.0 if it <= 20 else 0.5
            a1[:, live] = b1 + relax * (n1 - b1)
            a2[:, live] = b2 + relax * (n2 - b2)
            conv = delta < tol
            done[live[conv]] = True
            live = live[~conv]
            if not len(live):
                break
        i1[:, cols] = a1
        i2[:, cols] = a2
        return it, done


def _take_rows(v: np.ndarray, rows: np.ndarray) -> np.ndarray:
    out = np.full((len(rows), v.shape[1]), np.nan + 0j)
    ok = rows >= 0
    out[ok] = v[rows[ok]]
    return out
