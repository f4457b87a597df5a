"""Device terminals in a phase-domain fault study: their nodes, and currents and voltages.

A device measures at one terminal of an OpenDSS element: the current into the element there is
``I = Yprim_τ · V_element`` (OpenDSS's primitive admittance, as the system's method changed it —
lines at their end temperature, machines at ``X″d`` — on the element's node voltages), the
voltage that of the terminal's conductors.
"""

from __future__ import annotations

import numpy as np

from protv2g.engine.phase.stages import magnitudes_a
from protv2g.engine.phase.system import FaultSystem
from protv2g.errors import InputError, Issue
from protv2g.network.dss_model import ElementY
from protv2g.units import A_OP, Method

__all__ = ["Terminals"]


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

    def magnitudes(self, i_p, i_c, *, rows, live, node, v0, extra, cpos, z_rows, method,
                   keep=None) -> np.ndarray:  # noqa: ANN001
        """:func:`~.stages.magnitudes_a` of :meth:`fill`'s currents, ``(D, r, 4)`` float32
        (NaN outside ``keep``) — a later stage's device currents, without their voltages."""
        out = np.full((len(self.devices), len(rows), 4), np.nan, dtype=np.float32)
        for d, at, cur, _ in self._devices(rows, live, node, v0, i_p, i_c, extra, cpos,
                                           z_rows, method, keep, False):
            out[d, at] = magnitudes_a(cur)
        return out

    def fill(self, i_out, v_out, rows, live, node, v0, i_p, i_c, extra, cpos, z_rows,
             method, keep=None) -> None:  # noqa: ANN001
        """Device currents ``i_out (D, r, 3)`` A and voltages ``v_out`` pu, in place, on the
        fault rows each device is wanted at: every row, or where ``keep`` ``(D, r)`` bool says
        (the other rows are left as they are; a phase the terminal lacks: 0 A, NaN V)."""
        for d, at, cur, volt in self._devices(rows, live, node, v0, i_p, i_c, extra, cpos,
                                              z_rows, method, keep, True):
            i_out[d, at] = cur
            v_out[d, at] = volt

    def _devices(self, rows, live, node, v0, i_p, i_c, extra, cpos, z_rows, method, keep,
                 voltages: bool):  # noqa: ANN001, ANN202
        """Per device: ``(d, rows, (n, 3) currents A, (n, 3) voltages pu or None)``.

        ``ΔV`` at each node of the device's element is ``−Σ_p Z[n, fault node p]·I_p +
        Σ_c Z[n, c]·I_c`` (``z_rows``, ``Z[extra, :]``); the current ``Yprim_τ[measured, :]·
        V_element``, summed conductor by conductor — no matrix product: the operands are a
        few conductors wide, and a BLAS call on them costs more in its threads than in its
        arithmetic on a shared machine.
        """
        system = self.system
        base_kv = system.model.buses.kv_ln.to_numpy()
        col = np.where(rows.phases, node, -1)
        i_f = np.where(col >= 0, np.nan_to_num(i_p), 0.0)        # unfaulted phases carry 0
        col = np.maximum(col, 0)
        i_cc = np.nan_to_num(i_c)
        nan = np.isnan(i_p).any(axis=1)
        for d, (dev, e) in enumerate(zip(self.devices, self.elements, strict=True)):
            at = slice(None) if keep is None else np.flatnonzero(keep[d])
            sys_n = np.where(e.node >= 0, system.local[np.maximum(e.node, 0)], -1)
            meas = np.flatnonzero(e.terminal == dev.terminal)
            y = system.element_yprim(e)[meas]
            c_a, i_a, i_ca = col[at], i_f[at], i_cc[at]
            v_e = {}                                   # conductor → its voltage over `at`
            for k in np.flatnonzero(sys_n >= 0):
                z = z_rows[np.searchsorted(extra, sys_n[k])]
                dv = np.zeros(len(c_a), dtype=complex)
                for p in range(3):
                    dv -= z[c_a[:, p]] * i_a[:, p]
                if len(cpos):
                    dv += sum(z[c] * i_ca[:, j] for j, c in enumerate(cpos))
                v_e[k] = (dv, v0[sys_n[k]])
            cur = np.zeros((len(c_a), 3), dtype=complex)
            volt = np.full((len(c_a), 3), np.nan, dtype=complex) if voltages else None
            for j, k in enumerate(meas):
                num = int(e.node_num[k])
                if not 1 <= num <= 3:
                    continue
                for kk, (dv, pre) in v_e.items():
                    cur[:, num - 1] += y[j, kk] * (dv if method is Method.IEC60909 else pre + dv)
                if voltages and k in v_e:
                    dv, pre = v_e[k]
                    volt[:, num - 1] = (pre + dv) / (base_kv[self.bus[d]] * 1e3)
            cur[~live[at]] = 0.0
            cur[nan[at]] = np.nan
            if voltages:
                volt[nan[at]] = np.nan
            yield d, at, cur, volt
