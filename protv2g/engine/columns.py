"""The charger terminal voltages as an affine function of the site currents, per fault bus.

For a fault at bus ``f``: ``V1 = v1⁰ + M11·I1 + M12·I2``, ``V2 = v2⁰ + M21·I1 + M22·I2``, with
``M11 = Z1[C, C] − α11·Z1[C, f]·Z1[f, C]`` …, ``α`` the fault's sequence current per unit
open-circuit voltage (:func:`fault_alpha`, from the equations of :mod:`.faults`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.engine.faults import sequence_fault_currents
from protv2g.units import FaultType

__all__ = ["ColumnSystem", "build_system", "fault_alpha"]


@dataclass
class ColumnSystem:
    """``V = v⁰ + M·I`` at the chargers for a set of fault buses (columns).

    ``v10, v20``: ``(m, k)``; ``m11, m21``: ``(m, k, k)``; ``m12, m22``: ``(m, k, k)`` or
    ``None`` when no site injects negative sequence (``I2 ≡ 0`` is then not an unknown).
    """

    v10: np.ndarray
    v20: np.ndarray
    m11: np.ndarray
    m21: np.ndarray
    m12: np.ndarray | None
    m22: np.ndarray | None
    src: np.ndarray | None = None

    @property
    def neg(self) -> bool:
        return self.m12 is not None

    @property
    def n_cols(self) -> int:
        return len(self.v10) if self.src is None else len(self.src)

    def tile(self, n: int) -> ColumnSystem:
        """The same columns ``n`` times over (``n`` scenarios with the same sites), without
        copying the blocks (``src`` maps each column to its block)."""
        base = np.arange(len(self.v10)) if self.src is None else self.src
        return ColumnSystem(self.v10, self.v20, self.m11, self.m21, self.m12, self.m22,
                            np.tile(base, n))

    def take(self, cols: np.ndarray) -> ColumnSystem:
        """The columns ``cols`` (materialised)."""
        idx = np.asarray(cols) if self.src is None else self.src[cols]

        def t(x):
            return None if x is None else x[idx]
        return ColumnSystem(self.v10[idx], self.v20[idx], self.m11[idx], self.m21[idx],
                            t(self.m12), t(self.m22))

    def voltages(self, i1: np.ndarray, i2: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """``(V1, V2)`` ``(m, k)`` for currents ``(m, k)``."""
        if self.src is not None:
            return self.take(np.arange(len(self.src))).voltages(i1, i2)
        v1 = self.v10 + np.einsum("mij,mj->mi", self.m11, i1)
        v2 = self.v20 + np.einsum("mij,mj->mi", self.m21, i1)
        if self.neg and i2 is not None:
            v1 = v1 + np.einsum("mij,mj->mi", self.m12, i2)
            v2 = v2 + np.einsum("mij,mj->mi", self.m22, i2)
        return v1, v2


def fault_alpha(fault_type: FaultType, z1, z2, z0, zf) -> np.ndarray:
    """``α`` ``(m, 2, 2)``: ``[I_f1, I_f2] = α·[e1, e2]`` (the fault equations are linear in the
    open-circuit sequence voltages, :func:`.faults.sequence_fault_currents`)."""
    m = len(z1)
    one, nil = np.ones(m, complex), np.zeros(m, complex)
    a = sequence_fault_currents(fault_type, one, nil, z1, z2, z0, zf)
    b = sequence_fault_currents(fault_type, nil, one, z1, z2, z0, zf)
    return np.stack([np.stack([a[:, 1], b[:, 1]], -1), np.stack([a[:, 2], b[:, 2]], -1)], -2)


def build_system(fault_type: FaultType, zf, e_f, e_c, seq1, seq2, zff0, cpos, neg: bool
                 ) -> ColumnSystem:
    """The column system of the chargers ``cpos`` for all fault buses.

    Parameters
    ----------
    seq1, seq2
        Objects with ``zff (m,)``, ``z_cc (K, K)``, ``z_cf (K, m)``, ``z_fc (m, K)`` (all
        chargers of the study; ``cpos`` picks this scenario's).
    e_f : (m,) open-circuit pre-fault voltage at the fault bus; ``e_c`` ``(k, m)`` at the
        chargers.
    """
    alpha = fault_alpha(fault_type, seq1.zff, seq2.zff, zff0, zf)
    zc1 = seq1.z_cf[cpos].T  # (m, k)
    zc2 = seq2.z_cf[cpos].T
    zr1 = seq1.z_fc[:, cpos]  # (m, k)
    zr2 = seq2.z_fc[:, cpos]
    z11 = seq1.z_cc[np.ix_(cpos, cpos)]
    z22 = seq2.z_cc[np.ix_(cpos, cpos)]
    a11, a12 = alpha[:, 0, 0, None], alpha[:, 0, 1, None]
    a21, a22 = alpha[:, 1, 0, None], alpha[:, 1, 1, None]
    v10 = e_c.T - a11 * zc1 * e_f[:, None]
    v20 = -a21 * zc2 * e_f[:, None]
    m11 = z11[None] - (a11 * zc1)[:, :, None] * zr1[:, None, :]
    m21 = -(a21 * zc2)[:, :, None] * zr1[:, None, :]
    m12 = m22 = None
    if neg:
        m12 = -(a12 * zc1)[:, :, None] * zr2[:, None, :]
        m22 = z22[None] - (a22 * zc2)[:, :, None] * zr2[:, None, :]
    # C order once here: the compiled solves read every block as C-ordered rows and would
    # otherwise copy these (F-ordered by the transposed ``z_cf``) at each stage's call
    return ColumnSystem(*(None if x is None else np.ascontiguousarray(x)
                          for x in (v10, v20, m11, m21, m12, m22)))
