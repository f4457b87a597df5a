"""Set-up of the column Newton solve (:func:`.newton.solve_columns`): which columns the
compiled kernel covers and its arguments, the columns without a tracking solution, and a
start one fixed-point step from given currents (:func:`law_step`).

Split from :mod:`.newton` (which keeps the iterations themselves) to keep both readable.
"""

from __future__ import annotations

import numpy as np

from protv2g.engine import control_law as _law_mod
from protv2g.engine.columns import ColumnSystem
from protv2g.engine.control_law import CONSTANT, LawArrays, injection

__all__ = ["anchorless_islands", "column_args", "kernel_ok", "law_step", "rows_all",
           "rows_any"]


def rows_any(a: np.ndarray) -> np.ndarray:
    """``a.any(axis=1)`` of a ``(m, k)`` bool array, one site column at a time: numpy reduces
    a short last axis point by point (≈ 10× slower at ``k = 3``, #21)."""
    out = np.zeros(len(a), bool)
    for i in range(a.shape[1]):
        out |= a[:, i]
    return out


def rows_all(a: np.ndarray) -> np.ndarray:
    """``a.all(axis=1)`` of a ``(m, k)`` bool array, one site column at a time
    (:func:`rows_any`)."""
    out = np.ones(len(a), bool)
    for i in range(a.shape[1]):
        out &= a[:, i]
    return out


def kernel_ok(sys: ColumnSystem, law: LawArrays, hold) -> bool:
    """The compiled kernel covers grid-following sites without negative sequence."""
    return (not sys.neg and not np.any(law.gfm) and float(np.max(law.k2, initial=0.0)) == 0.0
            and (hold is None or np.shape(hold)[-1] == 1))


def _kernel_array(x: np.ndarray, dtype: type | None = None) -> np.ndarray:
    """``x`` as a C-ordered, writeable array: the compiled kernels get one argument type
    whatever the caller's array (a read-only array — a one-column broadcast view, a caller's
    frozen table — is a different numba type and would compile the whole kernel a second
    time, ≈ 20 s on first use)."""
    a = np.ascontiguousarray(x, dtype)
    return a if a.flags.writeable else a.copy()


def _per_col(x: np.ndarray, cols: np.ndarray, every: bool = False) -> np.ndarray:
    """A ``(k,)`` or per-column ``(k, m)`` law parameter at the columns ``cols`` (``every``:
    all, in order) as ``(len(cols), k)`` (C order; one copy)."""
    x = np.asarray(x)
    if x.ndim == 2:
        return _kernel_array(x.T if every and x.shape[1] == len(cols) else x.T[cols])
    return _kernel_array(np.broadcast_to(x, (len(cols), len(x))))


def column_args(sys: ColumnSystem, law: LawArrays, lim, pre, hold, cols) -> tuple:
    """The arguments the column kernels (:func:`.newton_kernel.newton_columns`,
    :func:`.newton_kernel.continuation_columns`) share after ``x``, for the columns ``cols``:
    ``v⁰`` rows, ``M``, the source row of each column, current limits, law codes, the held-PLL
    mask (held sites and constant-current laws), the six law parameters per column (C order),
    the pre-fault currents and ``V_PLL_MIN_PU``. ``v⁰`` and ``M`` are the system's blocks as
    they are (C order, :func:`.columns.build_system`), read through the source row: no
    gathered copy per call."""
    m, k = sys.n_cols, sys.v10.shape[1]
    src = np.arange(len(sys.v10)) if sys.src is None else sys.src
    held = (np.zeros(k, bool) if hold is None else np.asarray(hold, bool).reshape(k)) | (
        law.law == CONSTANT)
    every = len(cols) == m and np.array_equal(cols, np.arange(m))  # no gathers
    pars = [_per_col(getattr(law, f), cols, every) for f in ("p", "q", "i_rated", "phi",
                                                              "k_factor", "deadband")]

    def at(x, dtype):
        return _kernel_array(x if every else x[cols], dtype)
    return (_kernel_array(sys.v10), _kernel_array(sys.m11),
            np.ascontiguousarray(src[cols], np.int64), at(lim, float),
            np.ascontiguousarray(law.law, np.int64), held, *pars, at(pre, complex),
            _law_mod.V_PLL_MIN_PU)


def anchorless_islands(sys: ColumnSystem, lim: np.ndarray) -> np.ndarray:
    """Columns ``(m,)`` where some sites are cut off from every source by the fault: their
    open-circuit voltage ``v⁰`` is 0 (a bolted fault between them and the grid) and they do
    not couple to the other sites. Their tracking equations ``I = A·e^(−jφ)·V/|V|`` are
    invariant under a common rotation of all their currents: any angle a solution settles on
    is the start's, or — below the PLL floor ``V_PLL`` — the law's low-voltage blend towards
    the pre-fault reference, no lock on a grid voltage (review rev39b M5: the depot's two sites
    behind a 3ph fault at SUB-12kV, terminal voltages 0.05–0.06 pu, their currents 64–74° from
    those voltages, the substation fault level 9.555 kA against 10.009 kA without V2G,
    unflagged, while the firm participation was held and flagged). Such columns go straight to
    the held-PLL solution (``pll_frozen``), in every stage and whatever the sites' voltage, as
    the phase-domain engine holds its cut-off units
    (:mod:`protv2g.engine.phase.cut_off`). A site AT the faulted bus (``|M_cc|`` ≈ 0: its
    voltage 0 whatever the currents) is held by the law's own floor already and does not
    count."""
    m = sys.n_cols
    out = np.zeros(m, bool)
    # per block of ``v⁰`` (a column's values are its block's, ``src``; #21: a tiled system's
    # ``v⁰`` was gathered to every column, ten export levels × buses, for each solve)
    v_abs = np.abs(sys.v10)
    scale = np.ones(len(v_abs))  # max(1, max_i |v⁰_i|), site by site (the same values)
    for i in range(v_abs.shape[1]):
        np.maximum(scale, v_abs[:, i], out=scale)
    dead = v_abs <= 1e-9 * scale[:, None]
    if not dead.any():
        return out
    if sys.src is not None:
        dead, scale = dead[sys.src], scale[sys.src]
    isl = dead & (np.abs(lim) > 0)
    cand = np.flatnonzero(rows_any(isl))
    if not len(cand):
        return out
    s_c = sys.take(cand)
    isl_c = isl[cand]
    mag = np.abs(s_c.m11)  # (c, k, k)
    big = mag.max(axis=(1, 2), initial=0.0)[:, None, None]
    cross = isl_c[:, :, None] & ~isl_c[:, None, :]
    decoupled = ~np.any(cross & (mag > 1e-9 * big), axis=(1, 2))
    if s_c.neg:
        decoupled &= np.all(np.abs(s_c.v20) <= 1e-9 * scale[cand, None], axis=1)
    diag = np.einsum("cii->ci", mag)
    reach = isl_c & (diag > 1e-9 * big[:, :, 0])  # not shorted by the fault itself
    out[cand] = decoupled & reach.any(axis=1)
    return out


def law_step(sys: ColumnSystem, law: LawArrays, lim: np.ndarray, pre: np.ndarray,
             x: np.ndarray, *, e_gfm: np.ndarray | None = None) -> np.ndarray:
    """One fixed-point step ``F(v⁰ + M·x)`` ``(m, n)``: the control law (PLL tracking, no
    hold; limits ``lim`` ``(m, k)``) at the terminal voltages the currents ``x`` ``(m, n)``
    give; ``x`` itself in the rows where that is not finite (numpy, any law; the compiled
    kernel takes the same step itself, :func:`.newton_kernel.newton_columns` ``step``).

    The start of a stage's Newton solve from the previous stage's currents: those currents
    have the previous limits (the first-cycle limit, a site that has since tripped); one step
    puts the new limits' magnitudes in (the sustained limit, 0 for a tripped or ceased site),
    so Newton starts closer to the solution (the benchmark's sustained stage: 2 steps instead
    of 3; columns where every site is off: 0).
    """
    k = sys.v10.shape[1]
    v1, v2 = sys.voltages(x[:, :k], x[:, k:] if sys.neg else None)
    inj = injection(v1.T, v2.T, lim.T, law, pre.T, e_gfm=None if e_gfm is None else e_gfm.T)
    out = np.concatenate([inj.i1.T, inj.i2.T], axis=1) if sys.neg else np.array(inj.i1.T)
    bad = ~rows_all(np.isfinite(out))
    if bad.any():
        out[bad] = x[bad]
    return out
