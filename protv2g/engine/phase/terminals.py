"""Device terminals in a phase-domain fault study: their nodes, and currents and voltages.

A device measures at one terminal of an OpenDSS element: the current into the element there is
``I = Yprim_τ · V_element`` (OpenDSS's primitive admittance, as the system's method changed it —
lines at their end temperature, machines at ``X″d`` — on the element's node voltages), the
voltage that of the terminal's conductors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from protv2g.engine.phase.stages import magnitudes_a
from protv2g.engine.phase.system import FaultSystem
from protv2g.errors import InputError, Issue
from protv2g.network.dss_model import ElementY
from protv2g.units import A_OP, Method

__all__ = ["DeviceTransfer", "Terminals"]


class Terminals:
    """Device elements: their nodes, the measuring conductors and the phase each one is."""

    def __init__(self, system: FaultSystem, elements: list[ElementY], devices) -> None:  # noqa: ANN001
        self.system = system
        self.elements = elements
        self.devices = list(devices)
        nodes = []
        issues = []
        for i, (d, e) in enumerate(zip(self.devices, elements, strict=True)):
            if d.terminal < 1 or d.terminal > e.terminal.max():
                issues.append(Issue("devices", f"devices[{i}] ({d.name})", f"element "
                                    f"{d.element} has no terminal {d.terminal}",
                                    f"use a terminal 1…{e.terminal.max()}"))
            live = e.node[e.node >= 0]
            live = system.local[live]
            nodes.append(live[live >= 0])
        if issues:
            raise InputError(issues)
        self.bus = system.model.bus_index([e.buses[d.terminal - 1]
                                           for d, e in zip(self.devices, elements, strict=True)])
        self.nodes = np.unique(np.concatenate(nodes)) if nodes else np.zeros(0, np.int64)

    def prefault_v1_pu(self, v0: np.ndarray) -> np.ndarray:
        """Pre-fault positive-sequence voltage at each device's terminal, ``(D,)`` complex pu.

        ``V1 = (Va + a·Vb + a²·Vc)/3`` of the pre-fault node voltages ``v0`` (V, the state
        :meth:`fill` adds the fault's change to) at the measuring conductors, in pu of the
        bus's line-to-neutral base and in the reference of the device phasors — the memory
        voltage of a relay's polarisation. NaN where the terminal lacks a phase (or a node).
        """
        system = self.system
        base_kv = system.model.buses.kv_ln.to_numpy()
        out = np.full(len(self.devices), np.nan, dtype=complex)
        for d, (dev, e) in enumerate(zip(self.devices, self.elements, strict=True)):
            v = np.full(3, np.nan, dtype=complex)
            for k in np.flatnonzero(e.terminal == dev.terminal):
                num, n = int(e.node_num[k]), int(e.node[k])
                s = int(system.local[n]) if n >= 0 else -1
                if 1 <= num <= 3 and s >= 0:
                    v[num - 1] = v0[s]
            out[d] = (v[0] + A_OP * v[1] + A_OP**2 * v[2]) / 3.0 / (base_kv[self.bus[d]] * 1e3)
        return out

    def transfer(self, extra: np.ndarray, z_rows: np.ndarray) -> DeviceTransfer:
        """The devices' :class:`DeviceTransfer` of the transfer rows ``Z[extra, :]``
        (``extra`` holds every node of :attr:`nodes`)."""
        system = self.system
        d_n = len(self.devices)
        cols = np.zeros(0, np.int64)
        rows_, vals = [], []
        cond = []
        v_row = np.full(3 * d_n, -1, np.int64)
        for d, (dev, e) in enumerate(zip(self.devices, self.elements, strict=True)):
            sys_n = np.where(e.node >= 0, system.local[np.maximum(e.node, 0)], -1)
            on = np.flatnonzero(sys_n >= 0)
            at = np.searchsorted(extra, sys_n[on])
            y = system.element_yprim(e)
            for k in np.flatnonzero(e.terminal == dev.terminal):
                num = int(e.node_num[k])
                if not 1 <= num <= 3:
                    continue
                rows_.append(np.full(len(on), 3 * d + num - 1))
                cond.append(at)
                vals.append(y[k, on])
                if sys_n[k] >= 0:
                    v_row[3 * d + num - 1] = np.searchsorted(extra, sys_n[k])
        if rows_:
            cols = np.concatenate(cond)
        y_sel = sp.csr_matrix((np.concatenate(vals) if vals else np.zeros(0, complex),
                               (np.concatenate(rows_) if rows_ else cols, cols)),
                              shape=(3 * d_n, len(extra)))
        base = np.repeat(system.model.buses.kv_ln.to_numpy()[self.bus] * 1e3, 3)
        w = np.asarray(y_sel @ z_rows)
        on = np.flatnonzero(y_sel.getnnz(axis=1) > 0)
        v_on = np.flatnonzero(v_row >= 0)
        return DeviceTransfer(w=w, y_sel=y_sel, on=on, w_on=w[on], v_on=v_on,
                              z_v=np.ascontiguousarray(z_rows[v_row[v_on]]),
                              v_node=extra[v_row[v_on]], v_base_v=base[v_on], extra=extra)

    def magnitudes(self, i_p, i_c, *, tr: DeviceTransfer, rows, live, node, v0, cpos, method,
                   pairs: np.ndarray) -> np.ndarray:  # noqa: ANN001
        """:func:`~.stages.magnitudes_a` of :meth:`fill`'s currents on the flat ``(device,
        row)`` positions ``pairs`` ``(P,)`` — a later stage's device currents, without their
        voltages: ``(P, 4)`` float32."""
        r = len(rows)
        d, at = np.divmod(pairs, r)
        col, i_f, i_cc = _fault_terms(rows, node, i_p, i_c)
        cur = np.empty((len(pairs), 3), complex)
        c_pre = _c_pre(tr, v0, method)
        for ph in range(3):
            w = 3 * d + ph
            x = tr.w[w, col[at, 0]] * i_f[at, 0]
            for p in (1, 2):
                x += tr.w[w, col[at, p]] * i_f[at, p]
            x = -x
            for j, c in enumerate(cpos):
                x += tr.w[w, c] * i_cc[at, j]
            if c_pre is not None:
                x += c_pre[w]
            cur[:, ph] = x
        cur[~live[at]] = 0.0
        cur[np.isnan(i_p).any(axis=1)[at]] = np.nan
        return magnitudes_a(cur)

    def fill(self, i_out, v_out, rows, live, node, v0, i_p, i_c, cpos, method, *,
             tr: DeviceTransfer) -> None:  # noqa: ANN001
        """Device currents ``i_out (D, r, 3)`` A and voltages ``v_out`` pu (or ``None``), in
        place, on every fault row (a phase the terminal lacks: 0 A, NaN V).

        ``ΔV`` at a node ``n`` is ``−Σ_p Z[n, fault node p]·I_p + Σ_c Z[n, c]·I_c``; the
        current of a measuring conductor ``Yprim_τ[measured, :]·V_element`` — with ``W =
        Yprim_τ[measured, :]·Z[element nodes, :]`` (:attr:`DeviceTransfer.w`, formed once per
        system) the same sum taken as ``−Σ_p W[:, p]·I_p + Σ_c W[:, c]·I_c``, on the
        measuring conductors only (a fuse on a one-phase lateral has one of three).
        """
        col, i_f, i_cc = _fault_terms(rows, node, i_p, i_c)
        nan = np.isnan(i_p).any(axis=1)

        def delta(z: np.ndarray) -> np.ndarray:      # (n, r): −Σ_p z[:, col_p]·I_p + …
            x = z[:, col[:, 0]] * i_f[:, 0]
            for p in (1, 2):
                x += z[:, col[:, p]] * i_f[:, p]
            x = -x
            if len(cpos):
                x += np.einsum("nc,rc->nr", z[:, cpos], i_cc)
            return x

        cur = delta(tr.w_on)
        c_pre = _c_pre(tr, v0, method)
        if c_pre is not None:
            cur += c_pre[tr.on, None]
        cur[:, ~live] = 0.0
        i_out[...] = 0.0
        i_out[tr.on // 3, :, tr.on % 3] = cur
        i_out[:, nan] = np.nan
        if v_out is None:
            return
        volt = (v0[tr.v_node][:, None] + delta(tr.z_v)) / tr.v_base_v[:, None]
        v_out[...] = np.nan
        v_out[tr.v_on // 3, :, tr.v_on % 3] = volt
        v_out[:, nan] = np.nan


@dataclass(frozen=True)
class DeviceTransfer:
    """The devices' measuring conductors in one factorised system.

    ``w`` ``(3D, s)``: row ``3d + φ`` is ``Yprim_τ[measured φ, :]·Z[element nodes, :]`` of
    device ``d`` (zero where the terminal lacks phase ``φ``), Ω·S; ``y_sel`` ``(3D, x)`` the
    same ``Yprim_τ`` rows on the transfer nodes ``extra`` ``(x,)``; ``on`` the rows with a
    measuring conductor and ``w_on`` = ``w[on]``; ``v_on`` the rows whose conductor has a
    node, ``z_v`` its row of ``Z`` ``(len(v_on), s)``, ``v_node`` that node and ``v_base_v``
    the line-to-neutral base of the device's bus, V.
    """

    w: np.ndarray
    y_sel: sp.csr_matrix
    on: np.ndarray
    w_on: np.ndarray
    v_on: np.ndarray
    z_v: np.ndarray
    v_node: np.ndarray
    v_base_v: np.ndarray
    extra: np.ndarray


def _fault_terms(rows, node: np.ndarray, i_p: np.ndarray, i_c: np.ndarray):  # noqa: ANN001, ANN202
    """Fault-node columns (0 where a phase is not faulted), fault currents (0 there) and
    site currents (NaN → 0) of every row."""
    col = np.where(rows.phases, node, -1)
    i_f = np.where(col >= 0, np.nan_to_num(i_p), 0.0)        # unfaulted phases carry 0
    return np.maximum(col, 0), i_f, np.nan_to_num(i_c)


def _c_pre(tr: DeviceTransfer, v0: np.ndarray, method: Method) -> np.ndarray | None:
    """``Yprim_τ[measured, :]·V0_element`` (classical: the pre-fault state's current); None
    for ``iec60909`` (the fault's change only)."""
    if method is Method.IEC60909:
        return None
    return np.asarray(tr.y_sel @ v0[tr.extra])
