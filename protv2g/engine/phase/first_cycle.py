"""The first cycle of a phase-domain fault study (:func:`.study.phase_fault_study`): the fault
of every row eliminated group by group, the sites solved, and the factorised system with its
device terminals and transfer rows (:class:`Prepared`).

For every fault row the faulted phases ``P`` see the Thevenin equivalent ``(E_P, Z_PP)``; with
sites ``C`` (module docstring of :mod:`.study`)::

    I_P = M·(V0_P + Z_PC·I_C)                       (fault, :func:`.faults.fault_operator`)
    V_C = V0_C − Z_CP·I_P + Z_CC·I_C = a + B·I_C    (sites, :meth:`.sites.SiteLaw.solve`)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.engine.phase.cut_off import cut_off_units
from protv2g.engine.phase.faults import EARTHED, FaultRows, fault_operator
from protv2g.engine.phase.sites import SiteLaw
from protv2g.engine.phase.stages import FaultGroup
from protv2g.engine.phase.system import FaultSystem
from protv2g.engine.phase.terminals import DeviceTransfer, Terminals
from protv2g.network.dss_model import DssModel
from protv2g.network.dss_site_base import ll_ratio, site_kv_ln

__all__ = ["Prepared", "site_base", "site_node_map", "solve_rows"]


def site_node_map(system: FaultSystem, model: DssModel, keys) -> dict:  # noqa: ANN001
    """System nodes of each ``(bus, phases)`` site connection, phases in ``abc`` order."""
    out = {}
    for bus, phases in keys:
        b = model.bus_index([bus])[0]
        out[(bus, phases)] = system.phase_node[b, sorted("abc".index(p) for p in phases.lower())]
    return out


def site_base(model: DssModel, sites) -> np.ndarray:  # noqa: ANN001
    """Voltage that rates each site, V: line to neutral, its bus's base or the winding feeding
    the bus where they disagree (:func:`protv2g.network.dss_site_base.site_kv_ln`, review
    rev33c W5: a 240 V service on a 277 V base, rated currents 13 % low); for a line-to-line
    site the nominal voltage between its two conductors
    (:func:`~protv2g.network.dss_site_base.site_kv_between`: 240 V across split-phase legs)."""
    sites = list(sites)
    out = site_kv_ln(model, [s.bus for s in sites]) * 1e3
    for k, s in enumerate(sites):
        if getattr(s, "line_to_line", False):
            out[k] *= ll_ratio(model, s.bus, s.phases)
    return out


def solve_rows(system: FaultSystem, rows: FaultRows, faulted: np.ndarray, node: np.ndarray,
           v0: np.ndarray, zf: np.ndarray, law: SiteLaw | None, extra: np.ndarray,
           cpos: np.ndarray, z_rows: np.ndarray, z_cols, charger_model: str,
           groups: list[FaultGroup] | None = None, drive: np.ndarray | None = None,
           v_law: np.ndarray | None = None):
    """Fault currents ``(r, 3)``, site currents ``(r, q)``, pll_frozen, unconverged.

    ``faulted`` ``(r, 3)``: the live faulted phases of each row (:func:`.faults.faulted_live`).
    ``groups``: when a list, each group's eliminated fault is appended to it (the later
    stages reuse it, :mod:`.stages`). ``drive`` ``(s,)``: the sources' own drive
    (:func:`.cut_off.grid_drive`); units a fault cuts off from it hold the pre-fault PLL
    angle, their open-circuit voltage 0, the row flagged ``pll_frozen``
    (:func:`.cut_off.cut_off_units`); ``None``: no such rule. ``v_law`` ``(s,)``: the
    pre-fault state the sites' law reads (:func:`.prefault.prefault_voltage` with
    ``law=True``: IEC 60909's ``c`` out, the voltage the converters measure), the fault's
    change superposed on it; the fault currents keep ``v0`` (default: ``v0``).
    """
    v_law = v0 if v_law is None else v_law
    r = len(rows)
    i_p = np.zeros((r, 3), dtype=complex)
    q = law.n_cond if law is not None else 0
    i_c = np.zeros((r, q), dtype=complex)
    frozen = np.zeros(r, dtype=bool)
    bad = np.zeros(r, dtype=bool)
    k_of = faulted.sum(axis=1)
    earthed = np.array([EARTHED[f] for f in rows.fault_type], dtype=bool)
    c_in = np.searchsorted(extra, cpos) if q else None
    for k in (1, 2, 3):
        for e in (True, False):
            sel = np.flatnonzero((k_of == k) & (earthed == e))
            if not len(sel):
                continue
            ph = np.nonzero(faulted[sel])[1].reshape(len(sel), k)
            z_pp = system.z_block(rows.bus[sel], ph)
            m_op = fault_operator(z_pp, zf[sel], e)
            pn = node[sel[:, None], ph]                               # (m, k) system nodes
            e_p = v0[pn]
            if q:
                z_cp = z_rows[c_in][:, pn].transpose(1, 0, 2)         # (m, q, k)
                z_pc = z_cols[pn][:, :, c_in]                          # (m, k, q)
                z_cc = z_rows[c_in][:, cpos]                           # (q, q)
                a = v_law[cpos][None, :] - np.einsum("mqk,mkj,mj->mq", z_cp, m_op,
                                                     v_law[pn])
                b = z_cc[None] - z_cp @ m_op @ z_pc
                held = cut = None
                if drive is not None and charger_model != "frozen_pll":
                    g = drive[cpos][None, :] - np.einsum("mqk,mkj,mj->mq", z_cp, m_op,
                                                         drive[pn])
                    held, cut = cut_off_units(law, drive[cpos], g, b)
                    if held is not None:  # the island has no source: no open-circuit voltage
                        a = np.where(held[:, law.unit_of], 0.0, a)
                ic, fz, nc, _ = law.solve(a, b, v_law[cpos], charger_model, held=held)
                if cut is not None:
                    fz = fz | (cut & ~nc)
                if groups is not None:
                    groups.append(FaultGroup(sel, ph, m_op, e_p, z_pc, a, b, v_law[cpos], ic,
                                             held))
                e_p = e_p + np.einsum("mkq,mq->mk", z_pc, ic)
                i_c[sel], frozen[sel], bad[sel] = ic, fz, nc
            cur = np.einsum("mkj,mj->mk", m_op, e_p)
            out = np.zeros((len(sel), 3), dtype=complex)
            np.put_along_axis(out, ph, cur, axis=1)
            i_p[sel] = out
    i_p[bad] = np.nan
    return i_p, i_c, frozen, bad


@dataclass(eq=False)
class Prepared:
    """One factorised system with its device terminals, site nodes and transfer rows."""

    system: FaultSystem
    terminals: Terminals
    site_nodes: dict
    _transfer: tuple | None = None
    _devices: DeviceTransfer | None = None

    def transfer(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``extra`` (device and site nodes), ``Z[extra, :]`` and ``Z[:, extra]``."""
        if self._transfer is None:
            s = self.system
            parts = [self.terminals.nodes, *self.site_nodes.values()]
            extra = np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)
            if len(extra):
                z_rows = s.rows(extra)
                z_cols = z_rows.T if s.symmetric else s.columns(extra)
            else:
                z_rows, z_cols = np.zeros((0, len(s.nodes)), complex), None
            self._transfer = (extra.astype(np.int64), z_rows, z_cols)
        return self._transfer

    def device_transfer(self) -> DeviceTransfer:
        """The terminals' :class:`~.terminals.DeviceTransfer` on :meth:`transfer`'s rows."""
        if self._devices is None:
            extra, z_rows, _ = self.transfer()
            self._devices = self.terminals.transfer(extra, z_rows)
        return self._devices
