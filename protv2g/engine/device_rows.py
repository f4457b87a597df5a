"""Device rows kept where the device sees current — the one rule of both fault paths.

A fault study's device table has one row per (scenario, case, fault type, device, fault bus):
devices × faults rows, most of which are zero on a utility feeder (IEC 60909 has no load
current, and a fuse sees nothing of the faults on another lateral). A study keeps a row only
where the device sees at least :data:`DEVICE_ROW_MIN_A` in a phase or in ``3·I0``
(:func:`device_row_kept`): no protective device picks up below it (the most sensitive pickups
of the relay library, ground elements and the smallest fuse links, are several amperes), so
an absent row means "the device sees less than 1 A" to every check. The OpenDSS path
(:mod:`protv2g.pipeline_dss`) and the pandapower path (:func:`protv2g.engine.fault_study` with
``device_min_a``) drop the same rows; on the pandapower path they are dropped slice by slice
as the engine produces them (:class:`DeviceRowsBuilder`), so the full table never exists.

Rows with a NaN current (no solution of the chargers' control law at that fault bus) are kept:
the checks see them as unsolved, not as "no current".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from protv2g.engine.faults import A_MATRIX, phase_magnitudes, seq_to_abc
from protv2g.engine.first_cycle_rows import kept_first_cycle_positions
from protv2g.engine.kernels import rows_kept_bounded
from protv2g.engine.row_bits import float_bits, rows_differ, stages_differ
from protv2g.engine.row_rule import DEVICE_ROW_MIN_A, device_row_kept
from protv2g.engine.slices import FaultSlice

__all__ = ["DEVICE_ROW_MIN_A", "DeviceRows", "DeviceRowsBuilder", "device_row_kept",
           "float_bits", "kept_device_arrays", "kept_positions", "rows_differ",
           "stages_differ", "unconverged_columns"]

#: Key of one engine slice: (scenario, case, fault type) positions.
SliceKey = tuple[int, int, int]


def kept_positions(i_012_ka: np.ndarray, min_current_a: float = DEVICE_ROW_MIN_A
                   ) -> np.ndarray:
    """Flat positions of the rows :func:`device_row_kept` keeps, from sequence currents.

    ``np.flatnonzero(device_row_kept(1e3 * seq_to_abc(i_012_ka), min_current_a))``, the
    same positions, but decided by one fused pass (:func:`~protv2g.engine.kernels.
    rows_kept_bounded`) wherever the rows are not within round-off of the threshold; only
    those few rows (and non-finite ones) go through the NumPy rule itself (#21: the rule's
    phase arrays on the dense first-cycle grid were ≈ 20 % of the fault stage's CPU).

    Parameters
    ----------
    i_012_ka : numpy.ndarray
        ``(..., 3)`` complex sequence currents (0, 1, 2) of the device rows, kA.
    min_current_a : float
        :func:`device_row_kept`'s threshold, A.

    Returns
    -------
    numpy.ndarray
        ``(k,)`` int64 positions in the flattened ``(...)`` grid, ascending.
    """
    x = np.ascontiguousarray(i_012_ka).reshape(-1, 3)
    if min_current_a <= 0:
        return np.arange(len(x), dtype=np.int64)
    state = np.empty(len(x), np.int8)
    rows_kept_bounded(x, A_MATRIX[2, 1], A_MATRIX[1, 1], 1e3, float(min_current_a), state)
    near = np.flatnonzero(state == 2)
    if len(near):
        state[near] = device_row_kept(1e3 * seq_to_abc(x[near]), min_current_a)
    return np.flatnonzero(state)


@dataclass(frozen=True)
class DeviceRows:
    """The kept device rows of a fault study, in the order of the full table (scenario, case,
    fault type, device, fault bus).

    Attributes
    ----------
    slice_key : numpy.ndarray
        ``(n, 3)`` int32: (scenario, case, fault type) positions of each row.
    device, fault_bus : numpy.ndarray
        ``(n,)`` int32: device position and fault-bus position of each row.
    i_012_ka, v_012_pu : numpy.ndarray
        ``(n, 3)`` first-cycle sequence current (kA) and voltage (pu) at the device; NaN
        voltages where they were not computed (``fault_study(device_voltages=False)``, the
        chargers' other bracket: then a read-only view of one NaN row).
    staged_i_a : numpy.ndarray or None
        ``(n_stage, n, 4)`` float32 ``|Ia|, |Ib|, |Ic|, |3·I0|`` (A) per stage
        (:class:`~protv2g.engine.staged_tables.StagedCurrents` layout).
    t_start_s, t_end_s : numpy.ndarray or None
        ``(n_stage, n)`` float32 stage times of each row.
    positions : dict
        Slice key → kept positions in the slice's flattened ``(device, fault bus)`` grid
        (pass it as ``fault_study(..., device_rows=...)`` to keep the same rows of another
        run, e.g. the high bracket's).
    of_rows : numpy.ndarray or None
        The chargers' other bracket kept in part (``fault_study(high_rows="differing")``):
        ``(n,)`` int64 position of each of these rows in the first bracket's rows; every
        other row of it has the same stages as the first bracket's, bit for bit. ``None``:
        all rows.
    """

    slice_key: np.ndarray
    device: np.ndarray
    fault_bus: np.ndarray
    i_012_ka: np.ndarray
    v_012_pu: np.ndarray
    staged_i_a: np.ndarray | None
    t_start_s: np.ndarray | None
    t_end_s: np.ndarray | None
    positions: dict[SliceKey, np.ndarray]
    of_rows: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.device)

    def keys_only(self) -> DeviceRows:
        """The same rows without their phasors and stages (what aligning another run on
        them needs: ``positions`` and the row keys)."""
        empty = np.zeros((0, 3), dtype=self.i_012_ka.dtype)
        return replace(self, i_012_ka=empty, v_012_pu=empty, staged_i_a=None,
                       t_start_s=None, t_end_s=None)


class DeviceRowsBuilder:
    """Collects the kept rows of each slice as the engine yields it (:func:`fault_study`).

    Parameters
    ----------
    min_current_a : float
        :func:`device_row_kept`'s threshold.
    positions : mapping, optional
        Slice key → positions to keep instead (:attr:`DeviceRows.positions` of another run).
    against : DeviceRowsBuilder, optional
        The first bracket's builder, whose slice of the same key (the same rows) is added
        first: of each slice only the rows whose stages differ from its rows in some bit are
        kept (:attr:`DeviceRows.of_rows`; #21: at 10,000 buses 0.7 % of the high bracket's
        rows, which were built whole, ≈ 130 MB, and then compared).
    """

    def __init__(self, min_current_a: float,
                 positions: Mapping[SliceKey, np.ndarray] | None = None,
                 against: DeviceRowsBuilder | None = None) -> None:
        self.min_current_a = float(min_current_a)
        self.given = positions
        self.against = against
        self.pieces: dict[SliceKey, tuple] = {}
        self.of_rows: dict[SliceKey, tuple[int, np.ndarray]] = {}  # (first's rows, kept)

    def add(self, key: SliceKey, sl: FaultSlice) -> FaultSlice:
        """Keep the rows of slice ``key``; return the slice without its device arrays.

        A slice already in row form (``sl.device_pos``, :func:`kept_device_arrays`) is kept
        as it is; a dense one is selected here."""
        if sl.device_pos is not None:
            pos = np.asarray(sl.device_pos, dtype=np.int64)
            v_rows = sl.device_v_012_pu
            # the first cycle on its own: the slice's is a view of every stage's phasors,
            # which it would keep alive until the table is built (#21: ≈ 5× its size)
            i = _own(sl.device_i_012_ka)
            v = None if v_rows is None else _own(v_rows)  # None: NaN, made in ``build``
            self.pieces[key] = self._differing(key, (
                pos, i, v, _staged_rows(sl, sl.staged_device_i_012_ka,
                                        pos % max(len(sl.fault_buses), 1))),
                sl.device_of_rows)
            return replace(sl, device_i_012_ka=None, device_v_012_pu=None,
                           staged_device_i_012_ka=None, staged_device_v_012_pu=None,
                           device_pos=None)
        i_dev = sl.device_i_012_ka  # (D, m, 3)
        d, m = i_dev.shape[:2]
        if self.given is not None:
            pos = np.asarray(self.given.get(key, np.zeros(0, np.int64)), dtype=np.int64)
        else:
            pos = kept_positions(i_dev, self.min_current_a)
        i = i_dev.reshape(d * m, 3)[pos]
        v_dev = sl.device_v_012_pu  # None: voltages not computed (``device_voltages``)
        v = None if v_dev is None else v_dev.reshape(d * m, 3)[pos]
        st = sl.staged_device_i_012_ka
        x = None if st is None else st.reshape(len(st), d * m, 3)[:, pos]  # (n_stage, k, 3)
        self.pieces[key] = self._differing(key, (pos, i, v, _staged_rows(sl, x, pos % m)))
        return replace(sl, device_i_012_ka=None, device_v_012_pu=None,
                       staged_device_i_012_ka=None, staged_device_v_012_pu=None)

    def _differing(self, key: SliceKey, piece: tuple, of: np.ndarray | None = None
                   ) -> tuple:
        """``piece`` as it is, or with ``against`` its rows whose stages differ only
        (``of``: the piece holds those rows of ``against``'s slice only,
        ``FaultSlice.device_of_rows``; its other rows are the same)."""
        if self.against is None:
            if of is not None:
                raise RuntimeError("a slice of some rows needs the rows it is compared with "
                                   "(against): please report this as a bug")
            return piece
        pos, i, v, st = piece
        ref = self.against.pieces[key]
        n_ref = len(ref[0])
        ref_st = ref[3]
        if of is not None:
            of = np.asarray(of, dtype=np.int64)
            ref = (ref[0][of], None, None,
                   None if ref_st is None else tuple(x[:, of] for x in ref_st))
        if not np.array_equal(ref[0], pos) or (ref[3] is None) != (st is None):
            raise RuntimeError("the high bracket's fault rows do not align with the low "
                               "bracket's: please report this as a bug")
        at = (np.zeros(0, np.int64) if st is None
              else np.flatnonzero(stages_differ(ref[3], st)))
        self.of_rows[key] = (n_ref, at if of is None else of[at])
        return (pos[at], i[at], None if v is None else v[at],
                None if st is None else tuple(x[:, at] for x in st))

    def n_rows(self) -> int:
        """Rows kept so far (of the slices not yet built)."""
        return int(sum(len(p[0]) for p in self.pieces.values()))

    def build(self, m: int, dtype: type, spare_rows: int = 0) -> DeviceRows:
        """The kept rows of every slice, in full-table order (slice keys sorted).

        Each slice's arrays are copied into the preallocated table and dropped at once (#21:
        the concatenation held every slice's pieces beside the table, and a cast copied the
        phasors again — the fault stage's peak was here, both brackets' pieces alive).

        ``spare_rows``: the stage arrays are the first rows of arrays ``spare_rows`` rows
        longer, whose tail :func:`~protv2g.engine.bracket_rows.shared_brackets` fills with
        the other bracket's differing rows in place (#21: it copied the whole stage arrays,
        ≈ 110 MB of new pages at 10,000 buses, to append 0.7 % of rows); the same values."""
        keys = sorted(self.pieces)
        n = [len(self.pieces[k][0]) for k in keys]
        n_stage = max((p[3][0].shape[0] for p in self.pieces.values() if p[3] is not None),
                      default=0)
        total = int(sum(n))
        pos = np.empty(total, np.int64)
        i = np.empty((total, 3), dtype=dtype)
        no_v = all(p[2] is None for p in self.pieces.values())
        # no voltages computed (the chargers' other bracket): one read-only NaN row for all
        # (#21: a NaN table per slice and their copy, ≈ 90 MB at 10,000 buses)
        v = (np.broadcast_to(np.full((1, 3), np.nan, dtype), (total, 3)) if no_v
             else np.empty((total, 3), dtype=dtype))
        staged = t0 = t1 = None
        if n_stage:
            cap = total + max(int(spare_rows), 0)
            staged = np.empty((n_stage, cap, 4), np.float32)[:, :total]
            t0 = np.empty((n_stage, cap), np.float32)[:, :total]
            t1 = np.empty((n_stage, cap), np.float32)[:, :total]
        positions = {}
        start = 0
        for k, size in zip(keys, n, strict=True):
            p = self.pieces.pop(k)
            end = start + size
            positions[k] = p[0]
            pos[start:end] = p[0]
            i[start:end] = p[1]
            if not no_v:
                v[start:end] = np.nan if p[2] is None else p[2]
            if n_stage:
                _put_padded(staged[:, start:end], p[3][0], False)
                _put_padded(t0[:, start:end], p[3][1], True)
                _put_padded(t1[:, start:end], p[3][2], True)
            del p
            start = end
        slice_key = np.repeat(np.array(keys, dtype=np.int32).reshape(-1, 3), n, axis=0)
        of_rows = None
        if self.against is not None:  # each slice's kept rows after the first's before it
            first = np.cumsum([0] + [self.of_rows[k][0] for k in keys])
            of_rows = np.concatenate([np.zeros(0, np.int64)] + [
                start + self.of_rows[k][1] for start, k in zip(first[:-1], keys, strict=True)])
        return DeviceRows(
            slice_key=slice_key, device=(pos // max(m, 1)).astype(np.int32),
            fault_bus=(pos % max(m, 1)).astype(np.int32), i_012_ka=i, v_012_pu=v,
            staged_i_a=staged, t_start_s=t0, t_end_s=t1, positions=positions,
            of_rows=of_rows)


def _own(x: np.ndarray) -> np.ndarray:
    """``x`` itself, or a copy of it when it is a view of a larger array."""
    base = x.base
    return x.copy() if base is not None and np.asarray(base).nbytes > x.nbytes else x


def _staged_rows(sl: FaultSlice, x: np.ndarray | None, col: np.ndarray) -> tuple | None:
    """``(|Ia|, |Ib|, |Ic|, |3·I0|`` A float32 ``(n_stage, k, 4)``, stage starts, stage ends
    ``(n_stage, k)``) of the kept rows' staged currents ``x`` ``(n_stage, k, 3)`` (kA,
    sequence order; ``col`` the rows' fault-bus positions); ``None`` without stages.

    A stage's rows whose currents are the previous stage's bit for bit (the stages that do
    not reach a fault bus repeat the previous one, :func:`kept_device_arrays`) take the
    previous stage's magnitudes; the others are computed (#21: every stage's magnitudes
    were computed at every row; element-wise operations, the same values)."""
    if x is None:
        return None
    i_a = np.empty(x.shape[:2] + (4,), np.float32)
    for j in range(len(x)):
        at = None if j == 0 else np.flatnonzero(_rows_changed(x[j], x[j - 1]))
        if at is None or 2 * len(at) > len(col):  # most rows new: the stage whole
            _row_magnitudes(x[j], i_a[j])
            continue
        i_a[j] = i_a[j - 1]
        if len(at):
            part = np.empty((len(at), 4), np.float32)
            _row_magnitudes(x[j, at], part)
            i_a[j, at] = part
    return (i_a, np.asarray(sl.stage_t_start_s, np.float32)[:, col],
            np.asarray(sl.stage_t_end_s, np.float32)[:, col])


def _row_magnitudes(x: np.ndarray, out: np.ndarray) -> None:
    """``out (k, 4)`` float32 ← ``1e3·|Ia|, 1e3·|Ib|, 1e3·|Ic|, 3e3·|I0|`` (A) of the
    sequence currents ``x (k, 3)`` (kA)."""
    phase_magnitudes(x, 1e3, out)  # one phase at a time (#21: the phase array, temporaries)
    out[..., 3] = 3e3 * np.abs(x[..., 0])


def _rows_changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(k,)`` bool: the rows of two ``(k, 3)`` complex arrays that differ in some bit
    (a NaN equals the same NaN, 0.0 and −0.0 differ): each row's six flags of its floats'
    bits read as a 4- and a 2-byte integer (``any`` along a short axis is 5× slower,
    :func:`~protv2g.engine.row_bits.rows_differ`)."""
    ne = np.not_equal(float_bits(a.view(a.real.dtype)), float_bits(b.view(b.real.dtype)))
    if ne.shape[1] != 6:  # pragma: no cover - the rows are (k, 3) complex
        return ne.any(axis=1)
    return (ne[:, :4].view(np.uint32).reshape(-1) != 0) | \
        (ne[:, 4:].view(np.uint16).reshape(-1) != 0)


def unconverged_columns(sv: Any, m: int) -> np.ndarray:
    """``(m,)`` fault buses where some stage of a solved slice has no solution (its results
    are NaN; as :func:`~protv2g.engine.slices.make_slice` flags them)."""
    bad = np.zeros(m, bool)
    if sv.charger is not None:
        for sol in sv.charger.stages:
            bad |= sol.unconverged
    return bad


def kept_device_arrays(solver: Any, sv: Any, pre: Any, scale_i: np.ndarray, fault_type: Any,
                       zf_pu: Any, pos: np.ndarray | None, min_current_a: float,
                       n_voltages: int, dtype: type, first: tuple | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The device phasors of one solved slice at its kept rows only (#21).

    ``first``: ``(pos, i)`` — the kept positions and first-cycle currents ``(k, 3)`` of
    another slice of the same case and fault type whose first cycle has the same inputs bit
    for bit (:func:`~protv2g.engine.row_slices.same_first_cycle`: scenarios that differ in
    their export only), taken instead of deciding and filling them again (``pos`` and
    ``n_voltages`` must then be ``None`` and 0).

    When the rows are to be found by :func:`device_row_kept` (``pos`` ``None``) the
    first-cycle currents are decided on for every (device, fault bus) without being written
    (complex128: :func:`~protv2g.engine.first_cycle_rows.kept_first_cycle_positions`, the same
    positions; else filled into a dense grid and :func:`kept_positions`); every stage, and the
    voltages, are filled at the kept rows only (:meth:`~protv2g.engine.solve.CaseSolver.
    fill_rows`, the same values as the dense fill there).

    Returns
    -------
    tuple
        ``(pos, i (n_stage, k, 3), v (n_voltages, k, 3) or None)``: flat positions in the
        ``(device, fault bus)`` grid and the sequence currents (kA) and voltages (pu) there;
        NaN at fault buses without a solution (:func:`unconverged_columns`).
    """
    d, m = len(scale_i), len(solver.f1)
    bad = unconverged_columns(sv, m)
    n_s = sv.n_stages
    i0 = None
    if first is not None:
        if pos is not None or n_voltages:
            raise ValueError("first: the positions are the other slice's, currents only")
        pos = first[0]
    elif pos is None and np.dtype(dtype) == np.complex128 and min_current_a > 0:
        # decided without the dense grid (#21), the same positions: first_cycle_rows
        pos = kept_first_cycle_positions(solver, sv.i_f[0], sv.terms[0], pre, scale_i,
                                         fault_type, zf_pu, bad, min_current_a)
    elif pos is None:
        i0 = solver.work_array("dense_first_cycle_i", (d, m, 3), dtype)  # reused per slice
        solver.fill(i0, None, sv.i_f[0], sv.terms[0], pre, scale_i, fault_type, zf_pu)
        i0[:, bad] = np.nan
        pos = kept_positions(i0, min_current_a)
    pos = np.asarray(pos, dtype=np.int64)
    dev, col = pos // max(m, 1), pos % max(m, 1)
    i = np.empty((n_s, len(pos), 3), dtype=dtype)
    v = np.empty((n_voltages, len(pos), 3), dtype=dtype) if n_voltages else None
    for j in range(n_s):
        if j == 0 and first is not None:  # the other slice's, the same values
            i[0] = first[1]
            continue
        if j == 0 and i0 is None:  # the kept rows' currents and voltages filled alone
            solver.fill_rows(i[0], v[0] if v is not None else None, dev, col, sv.i_f[0],
                             sv.terms[0], pre, scale_i, fault_type, zf_pu)
            continue
        if j == 0:
            if len(pos) and (pos.min() < 0 or pos.max() >= d * m):
                raise IndexError("device row positions outside the slice's grid")
            # straight into the rows (``mode="raise"`` would gather into a buffer first)
            np.take(i0.reshape(d * m, 3), pos, axis=0, out=i[0], mode="clip")
            if v is not None:  # the voltages only: the currents are the dense grid's
                solver.fill_rows(None, v[0], dev, col, sv.i_f[0], sv.terms[0], pre, scale_i,
                                 fault_type, zf_pu)
            continue
        at = _reached_rows(sv, j, col) if j >= max(2, n_voltages) else None
        if at is not None:  # the rows the stage does not reach: the previous stage's
            i[j] = i[j - 1]
            part = np.empty((len(at), 3), dtype=dtype)
            solver.fill_rows(part, None, dev[at], col[at], sv.i_f[j], sv.terms[j], pre,
                             scale_i, fault_type, zf_pu)
            i[j, at] = part
            continue
        solver.fill_rows(i[j], v[j] if j < n_voltages else None, dev, col, sv.i_f[j],
                         sv.terms[j], pre, scale_i, fault_type, zf_pu)
    if bad.any():
        rows = bad[col]
        i[:, rows] = np.nan
        if v is not None:
            v[:, rows] = np.nan
    return pos, i, v


def _reached_rows(sv: Any, j: int, col: np.ndarray) -> np.ndarray | None:
    """The rows (fault-bus positions ``col``) that stage ``j ≥ 2`` of a control-law slice
    reaches (a finite start), or None when it reaches them all (or has no such stages).

    Elsewhere the stage's inputs are the previous stage's, bit for bit (the staged solution
    there is the previous one, :func:`~protv2g.engine.staging.solve_stages`, and
    ``charger_solve`` copies its ``e1, e2, i_f``), and the fill is per row: its currents
    are the previous stage's (#21: the later stages were filled at every kept row, most of
    which they do not reach)."""
    if sv.fixed or sv.charger is None or j < 2:
        return None
    at = np.flatnonzero(np.isfinite(sv.t_start_s[j])[col])
    return None if len(at) == len(col) else at


def _put_padded(out: np.ndarray, x: np.ndarray, time: bool) -> None:
    """``out[...] = x`` with the stage axis 0 padded to ``len(out)``: times with ``inf``
    (zero-duration stages), currents by repeating the last stage (as
    :func:`~protv2g.engine.staged_result.pad_stages`), written in place."""
    k = min(len(x), len(out))
    out[:k] = x[:k]
    if k < len(out):
        out[k:] = np.inf if time else x[k - 1:k]
