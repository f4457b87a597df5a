"""The device table's value columns from kept rows' sequence phasors (#21: split from
:mod:`protv2g.engine.result`): phase magnitudes and angles, ``3·I0``, ``I2``, ``V0``, ``V2``,
computed one column at a time and gathered into the ``(20, n)`` block the table wraps."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from protv2g.engine.faults import abc_phases

__all__ = ["DEVICE_VALUE_COLUMNS", "N_CURRENT_COLUMNS", "PHASOR_COLUMNS", "CURRENT_COLUMNS",
           "device_columns", "device_value_block", "object_column", "row_runs",
           "value_columns"]


#: Value columns of the device table, in order (:attr:`FaultStudyResult.device`).
DEVICE_VALUE_COLUMNS = [
    "ia_ka", "ia_degree", "ib_ka", "ib_degree", "ic_ka", "ic_degree", "i3i0_ka", "i3i0_degree",
    "i2_ka", "i2_degree", "va_pu", "va_degree", "vb_pu", "vb_degree", "vc_pu", "vc_degree",
    "v0_pu", "v0_degree", "v2_pu", "v2_degree"]
#: The current columns come first in :data:`DEVICE_VALUE_COLUMNS` (``ia_ka`` … ``i2_degree``).
N_CURRENT_COLUMNS = 10
#: Value columns read only by the directional check C9 (``protv2g.checks.directional``:
#: the forward-directional relays' rows): the residual current's angle, the negative
#: sequence and the voltages. #21: every other reader — C1–C8, C10–C12, C2's saving-reach
#: note, C7's converter split, the report — reads :data:`CURRENT_COLUMNS`; at 10,000 buses
#: (1.8 million rows, no directional relay) these 13 columns were 190 MB of the table.
PHASOR_COLUMNS = ("i3i0_degree", "i2_ka", "i2_degree", "va_pu", "va_degree", "vb_pu",
                  "vb_degree", "vc_pu", "vc_degree", "v0_pu", "v0_degree", "v2_pu",
                  "v2_degree")
#: The value columns every device table has: phase currents and angles, ``|3·I0|``.
CURRENT_COLUMNS = tuple(c for c in DEVICE_VALUE_COLUMNS if c not in PHASOR_COLUMNS)


def value_columns(phasors: bool) -> list[str]:
    """The device table's value columns, in :data:`DEVICE_VALUE_COLUMNS` order: all of them
    with ``phasors``, else :data:`CURRENT_COLUMNS`."""
    return list(DEVICE_VALUE_COLUMNS) if phasors else list(CURRENT_COLUMNS)


def device_columns(i_012_ka: np.ndarray, v_012_pu: np.ndarray) -> dict[str, np.ndarray]:
    """The device table's value columns (flattened) from ``(..., 3)`` sequence currents (kA)
    and voltages (pu): phase magnitudes and angles, ``3·I0``, ``I2``, ``V0``, ``V2``."""
    return dict(_device_column_items(i_012_ka, v_012_pu))


def object_column(x: np.ndarray) -> np.ndarray | pd.Series:
    """``x`` to insert into a frame (numbered from 0) as it is: an object array as a Series
    of dtype object, which pandas takes without inferring a type from its values (#21: that
    pass cost 4× the column in temporaries, 60 MB at 10,000 buses, and its time); the same
    column, values and dtype."""
    return pd.Series(x, dtype=object, copy=False) if x.dtype == object else x


def _device_column_items(i_012_ka: np.ndarray, v_012_pu: np.ndarray, reuse: bool = False,
                         dest: np.ndarray | None = None, columns: Sequence[str] | None = None
                         ) -> Iterator[tuple[str, np.ndarray]]:
    """:func:`device_columns` one column at a time, in :data:`DEVICE_VALUE_COLUMNS` order
    (#21: the phase phasors of the currents and of the voltages are not alive together).

    ``reuse``: every column is written into one float buffer (and the phasors into one
    complex buffer), valid until the next column is asked for — the caller copies it (#21:
    twenty fresh columns and ten phasor arrays, ≈ 440 MB of new memory at 10,000 buses,
    cost their page faults' system time); the same operations, the same values.
    ``dest`` (with ``reuse``): a ``(20, n)`` float block whose row of each column (by
    :data:`DEVICE_VALUE_COLUMNS` position) the column is written into instead of the buffer
    (#21: the block's rows that hold the rows as they are, no copy from the buffer).
    ``columns``: only these of :data:`DEVICE_VALUE_COLUMNS` are computed and yielded (in its
    order; ``dest`` then has one row per column of ``columns`` that the given phasors
    make); the others are not computed at all (#21: :data:`PHASOR_COLUMNS` where no check
    reads them). The columns computed are the same operations, the same values.
    """
    bufs: dict = {}  # one scratch buffer per shape and dtype (each as NumPy would make it)
    wanted = set(DEVICE_VALUE_COLUMNS if columns is None else columns)
    at = iter(range(len(DEVICE_VALUE_COLUMNS)))  # ``dest``'s rows, in the order yielded

    def buf(shape: tuple, dtype: np.dtype) -> np.ndarray | None:
        if not reuse:
            return None
        if dest is not None and len(shape) == 1 and dtype == dest.dtype:
            return dest[next(at)]
        return bufs.setdefault((shape, dtype), np.empty(shape, dtype=dtype))

    def mag(x: np.ndarray) -> np.ndarray:
        return np.abs(x, out=buf(x.shape, x.real.dtype)).ravel()

    def deg(x: np.ndarray) -> np.ndarray:  # np.degrees(np.angle(x)), as _deg
        out = buf(x.shape, x.real.dtype)
        return np.degrees(np.arctan2(x.imag, x.real, out=out), out=out).ravel()

    if i_012_ka is not None:
        for name, phase in zip("abc", abc_phases(i_012_ka, reuse), strict=True):  # one alive
            for col, f in ((f"i{name}_ka", mag), (f"i{name}_degree", deg)):
                if col in wanted:
                    yield col, f(phase)
            del phase
        if wanted & {"i3i0_ka", "i3i0_degree"}:
            i3i0 = np.multiply(3, i_012_ka[..., 0], out=buf(
                i_012_ka.shape[:-1], (3 * np.empty(0, i_012_ka.dtype)).dtype))
            for col, f in (("i3i0_ka", mag), ("i3i0_degree", deg)):
                if col in wanted:
                    yield col, f(i3i0)
            del i3i0
        for col, f in (("i2_ka", mag), ("i2_degree", deg)):
            if col in wanted:
                yield col, f(i_012_ka[..., 2])
    if v_012_pu is None or not wanted & set(DEVICE_VALUE_COLUMNS[N_CURRENT_COLUMNS:]):
        return
    for name, phase in zip("abc", abc_phases(v_012_pu, reuse), strict=True):
        for col, f in ((f"v{name}_pu", mag), (f"v{name}_degree", deg)):
            if col in wanted:
                yield col, f(phase)
        del phase
    for q, name in ((0, "v0"), (2, "v2")):
        for col, f in ((f"{name}_pu", mag), (f"{name}_degree", deg)):
            if col in wanted:
                yield col, f(v_012_pu[..., q])


def row_runs(rows: np.ndarray) -> list[tuple[int, int, int]] | None:
    """``rows`` (positions) as runs of consecutive positions ``(start, end, first source
    position)`` — ``x[rows][start:end] == x[first:first + end - start]`` —, or None when
    they are scattered (more than one run per 64 rows). The pipeline's expansion of charger
    sets to study scenarios is a few runs: slice copies instead of a gather (≈ 5× faster on
    1.8 million rows, #21)."""
    rows = np.asarray(rows)
    if len(rows) == 0:
        return []
    cut = np.flatnonzero(np.diff(rows) != 1) + 1
    if len(cut) > len(rows) // 64:
        return None
    start = np.concatenate([[0], cut]).tolist()
    end = np.concatenate([cut, [len(rows)]]).tolist()
    first = rows[start].tolist()
    return list(zip(start, end, first, strict=True))


#: Kept rows per pass of :func:`_chunked_columns`: the chunk's phasor buffers (256 KiB
#: complex each) stay in the cache between the columns computed from them.
VALUE_CHUNK_ROWS = 16384


def _made(i_012_ka: np.ndarray | None, v_012_pu: np.ndarray | None,
          columns: Sequence[str]) -> list[str]:
    """The columns of ``columns`` (in :data:`DEVICE_VALUE_COLUMNS` order) that the given
    phasors make: the currents' first :data:`N_CURRENT_COLUMNS`, the voltages' the rest."""
    lo = 0 if i_012_ka is not None else N_CURRENT_COLUMNS
    hi = len(DEVICE_VALUE_COLUMNS) if v_012_pu is not None else N_CURRENT_COLUMNS
    return [c for c in DEVICE_VALUE_COLUMNS[lo:hi] if c in set(columns)]


def _chunked_columns(i_012_ka: np.ndarray | None, v_012_pu: np.ndarray | None,
                     block: np.ndarray, at: int, first: int, columns: Sequence[str]) -> None:
    """The value columns ``columns`` of the kept rows written into ``block[first:first + k,
    at:at + n]`` (``k`` the columns the phasors make, ``n`` rows, complex128 phasors,
    float64 block), :data:`VALUE_CHUNK_ROWS` rows at a time.

    The columns are element-wise (:func:`_device_column_items`: phases, magnitudes, angles),
    so a chunk's values are those of the whole rows, bit for bit (``tests/
    test_device_value_chunks.py``, also through NumPy's SIMD loops, whose tails are the same
    functions). #21: computed over all 911,767 kept rows at 10,000 buses, each of the 20
    columns read its phasors back from 15 MB buffers and the phase buffers were 58 MB of
    fresh pages; chunked, they stay in the cache: the block 0.35 → 0.24 s CPU."""
    x = i_012_ka if i_012_ka is not None else v_012_pu
    made = _made(i_012_ka, v_012_pu, columns)
    for c0 in range(0, len(x), VALUE_CHUNK_ROWS):
        c1 = min(len(x), c0 + VALUE_CHUNK_ROWS)
        dest = block[first:first + len(made), at + c0:at + c1]
        items = _device_column_items(None if i_012_ka is None else i_012_ka[c0:c1],
                                     None if v_012_pu is None else v_012_pu[c0:c1],
                                     reuse=True, dest=dest, columns=made)
        for j, (name, col) in enumerate(items):
            if name != made[j] or not np.may_share_memory(col, dest[j]):
                raise RuntimeError(  # pragma: no cover - one list of columns
                    f"device column {j} ({name!r}) was not written into its block row")


def device_value_block(i_012_ka: np.ndarray | None, v_012_pu: np.ndarray | None,
                       take: np.ndarray | None = None, out: np.ndarray | None = None,
                       columns: Sequence[str] | None = None) -> np.ndarray:
    """The device table's value columns ``columns`` (default :data:`DEVICE_VALUE_COLUMNS`,
    a subset of it in its order, e.g. :func:`value_columns`) of kept rows' phasors
    ``(n, 3)`` as one C-ordered ``(len(columns), n)`` float block, optionally of the rows at
    positions ``take`` (repeated rows allowed; a few runs of consecutive rows are slice
    copies, :func:`row_runs`): what :meth:`FaultStudyResult.kept_device_frame` wraps. Each
    column is computed once on the kept rows in one reused buffer and copied into its rows,
    or — complex128 phasors, and every row as it is (``take`` ``None`` or a run of all the
    kept rows in order) — straight into the block's rows, a chunk of rows at a time
    (:func:`_chunked_columns`), the other runs then copied from those rows. A column not in
    ``columns`` is not computed (#21: :data:`PHASOR_COLUMNS` where no check reads them:
    10,000 buses, 20 → 7 columns).

    ``out``: the block to write into (made when ``None``); with ``i_012_ka`` or
    ``v_012_pu`` ``None`` only the other's columns are written (the current columns come
    first in ``columns``) — the caller lets the currents go between two calls (#21: the
    stage's peak is the block filled beside the rows' phasors).
    """
    if i_012_ka is None and v_012_pu is None:
        raise ValueError("device_value_block needs the currents, the voltages or both")
    columns = list(DEVICE_VALUE_COLUMNS if columns is None else columns)
    if [c for c in DEVICE_VALUE_COLUMNS if c in set(columns)] != columns:
        raise ValueError(f"device value columns {columns} are not a subset of "
                         f"DEVICE_VALUE_COLUMNS in its order")
    x = i_012_ka if i_012_ka is not None else v_012_pu
    n = len(x) if take is None else len(take)
    block = np.empty((len(columns), n)) if out is None else out
    made = _made(i_012_ka, v_012_pu, columns)
    first = 0 if i_012_ka is not None else len(_made(x, None, columns))
    if not made:
        return block
    runs = None if take is None else row_runs(take)
    # the columns computed straight into the block where a run holds every row as it is
    # (#21: 10,000 buses, two such runs; each column was written to a buffer and copied)
    direct = x.ndim == 2 and all(y is None or y.dtype == np.complex128  # float64 columns
                                 for y in (i_012_ka, v_012_pu)) and block.dtype == np.float64
    whole = None if runs is None or not direct else next(
        (r for r in runs if r[2] == 0 and r[1] - r[0] == len(x)), None)
    if direct and (take is None or whole is not None):
        _chunked_columns(i_012_ka, v_012_pu, block, 0 if take is None else whole[0], first,
                         columns)
        base = 0 if whole is None else whole[0]
        for a, b, src in runs or ():  # the other runs: copies of the block's own rows, one
            if (a, b, src) != whole:  # row at a time (a 2-D copy within one array is
                for j in range(first, first + len(made)):  # buffered)
                    block[j, a:b] = block[j, base + src:base + src + b - a]
        return block
    # otherwise (complex64 phasors, scattered rows, no run of every row): each column
    # computed on the kept rows in one reused buffer and copied (taken) into its rows
    items = _device_column_items(i_012_ka, v_012_pu, reuse=True, columns=made)
    for j, (name, col) in enumerate(items, start=first):
        if name != columns[j]:  # pragma: no cover - one list of columns
            raise RuntimeError(f"device column {j} is {name!r}, expected {columns[j]!r}")
        if take is None:
            block[j] = col
        elif runs is not None:  # a few runs of consecutive rows: slice copies
            for a, b, src in runs:
                block[j, a:b] = col[src:src + b - a]
        else:
            np.take(col, take, out=block[j])
    return block
