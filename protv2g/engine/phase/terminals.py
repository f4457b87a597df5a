"""Device terminals in a phase-domain fault study: their nodes, and currents and voltages.

A device measures at one terminal of an OpenDSS element: the current into the element there is
``I = Yprim_τ · V_element`` (OpenDSS's primitive admittance, as the system's method changed it —
lines at their end temperature, machines at ``X″d`` — on the element's node voltages), the
voltage that of the terminal's conductors.
"""

from __future__ import annotations

import numpy as np

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

    def fill(self, i_out, v_out, rows, live, node, v0, i_p, i_c, extra, cpos, z_rows,
             method) -> None:  # noqa: ANN001
        """Device currents ``i_out (D, r, 3)`` A and voltages ``v_out`` pu, in place."""
        system = self.system
        base_kv = system.model.buses.kv_ln.to_numpy()
        # ΔV at every device node for every fault at once: (|extra|, r); unfaulted phases
        # carry I = 0, so their (clipped) column adds nothing
        col = np.where(rows.phases, node, -1)
        i_f = np.nan_to_num(i_p)
        dv_all = np.zeros((len(extra), len(rows)), dtype=complex)
        for p in range(3):
            dv_all -= z_rows[:, np.maximum(col[:, p], 0)] * np.where(col[:, p] >= 0,
                                                                     i_f[:, p], 0.0)
        if len(cpos):
            dv_all += z_rows[:, cpos] @ np.nan_to_num(i_c).T
        for d, (dev, e) in enumerate(zip(self.devices, self.elements, strict=True)):
            sys_n = np.where(e.node >= 0, system.local[np.maximum(e.node, 0)], -1)
            ok = sys_n >= 0
            v_e = np.zeros((len(rows), len(e.node)), dtype=complex)
            if ok.any():
                dv = dv_all[np.searchsorted(extra, sys_n[ok])]
                base = 0.0 if method is Method.IEC60909 else v0[sys_n[ok]][:, None]
                v_e[:, ok] = (base + dv).T
            meas = e.terminal == dev.terminal
            cur = v_e @ system.element_yprim(e)[meas].T                 # (r, conductors)
            nums = e.node_num[meas]
            for j, num in enumerate(nums):
                if 1 <= num <= 3:
                    i_out[d, :, num - 1] = cur[:, j]
                    k = np.flatnonzero(meas)[j]
                    if ok[k]:
                        vv = v_e[:, k] if method is Method.CLASSICAL else (
                            v0[sys_n[k]] + v_e[:, k])
                        v_out[d, :, num - 1] = vv / (base_kv[self.bus[d]] * 1e3)
            i_out[d, ~live] = 0.0
        nan = np.isnan(i_p).any(axis=1)
        i_out[:, nan] = np.nan
        v_out[:, nan] = np.nan
