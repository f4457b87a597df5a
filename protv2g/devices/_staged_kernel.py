"""The travel integration of :func:`protv2g.devices.staged.staged_operate_time_s` as one numba
pass over the elements (#21).

The NumPy form made about 25 passes over every element per stage (a temporary each), and the
checks call it for every device, curve and bracket: at 10,000 buses it was the largest part
of the device models' time. Here every element runs its stages in one loop, with the same
floating-point operations in the same order (no ``fastmath``: no contraction, no
reassociation), so the results are the same bits; the maxima are written as NumPy's
``maximum(x, 0.0)`` gives them (``x > 0 ? x : 0.0``, NaN kept: ``-0.0`` becomes ``0.0``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["RESET_CODES", "staged_travel"]

#: ``reset`` → the kernel's code.
RESET_CODES = {"hold": 0, "instantaneous": 1, "electromechanical": 2}


@njit(cache=True)
def staged_travel(t_op, t0, t1, t_reset, reset, out):  # pragma: no cover  (compiled)
    """Operate time of every element (column) of ``(n_stage, m)`` float64 arrays into
    ``out`` (``(m,)``): ``inf`` where it does not operate, NaN where every stage's ``t_op``
    is NaN. ``reset``: a :data:`RESET_CODES` value; ``t_reset`` ``(n_stage, m)``, read for
    ``electromechanical`` only."""
    n_stage, m = t_op.shape
    for j in range(m):
        travel = 0.0
        done = np.inf
        all_nan = True
        for k in range(n_stage):
            a = t0[k, j]
            b = t1[k, j]
            op = t_op[k, j]
            if not np.isnan(op):
                all_nan = False
            real = np.isfinite(a) and b > a
            dt = b - a if real else 0.0
            picks = np.isfinite(op)
            if picks:
                need = (1.0 - travel) * op
                if real and need <= dt and not np.isfinite(done):
                    done = a + (need if need > 0.0 else 0.0)
                gain = 0.0
                if real:
                    gain = dt / op if op > 0 else np.inf
                travel = travel + gain
            elif real and not np.isnan(op):  # below pickup for this stage
                if reset == 1:
                    travel = 0.0
                elif reset == 2:
                    tr = t_reset[k, j]
                    drop = dt / tr if tr > 0 else np.inf
                    x = travel - drop
                    travel = x if (x > 0.0 or np.isnan(x)) else 0.0
        out[j] = np.nan if all_nan else done
