"""Plain data of the per-case solver: the pre-fault state and one solved slice."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.engine.staging import StagedChargers

__all__ = ["PreFault", "SliceSolve", "rows_of"]


def rows_of(z: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``z[rows]`` with NaN rows where ``rows < 0``."""
    out = np.full((len(rows),) + z.shape[1:], np.nan + 0j)
    ok = rows >= 0
    out[ok] = z[rows[ok]]
    return out



@dataclass
class PreFault:
    """Pre-fault positive-sequence voltages: ``e_f`` at fault buses ``(m,)``, ``v_c`` at the
    chargers ``(k,)``, and the device terms ``a_i``, ``a_v`` ``(D,)`` × ``b`` ``(m,)`` (the
    pre-fault device current and bus voltage are ``a·b``; at a charger ``v_c·b``), per unit."""

    e_f: np.ndarray
    a_i: np.ndarray
    a_v: np.ndarray
    b: np.ndarray
    v_c: np.ndarray  # (k,) pre-fault voltage phasor at each charger (its angle holds a frozen PLL)

    def e_c(self, cpos: np.ndarray) -> np.ndarray:
        """Pre-fault voltage of the chargers ``cpos`` for each fault bus, ``(k, m)``."""
        return np.outer(self.v_c[cpos], self.b)


@dataclass
class SliceSolve:
    """One (scenario, case, fault type) solved: per stage ``i_f`` ``(n_stage, m, 3)`` fault
    currents (per unit, sequences 0, 1, 2), ``terms`` (charger terms of the device currents
    and voltages, see :meth:`CaseSolver.fill`), ``t_start_s``/``t_end_s`` ``(n_stage, m)``, and
    the charger solution (``None`` without chargers)."""

    i_f: np.ndarray
    terms: list
    t_start_s: np.ndarray
    t_end_s: np.ndarray
    charger: StagedChargers | None
    fixed: bool = True  # charger terms independent of the fault bus (none or frozen PLL)
    cpos: np.ndarray | None = None
    neg: bool = False

    @property
    def n_stages(self) -> int:
        return len(self.i_f)
