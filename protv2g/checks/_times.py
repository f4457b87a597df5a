"""Operating times of every device for every row of the engine's device table, in both
brackets of the chargers' contribution (high: the first cycle held; low: through the stages).

See :mod:`protv2g.checks._common` for the brackets (``docs/charger-fault-model.md`` §3); the
times themselves come from :mod:`protv2g.devices.kinds` (first cycle held) and
:func:`protv2g.devices.kinds.staged_operating_times` (Σ Δt/t_op through the stages).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from protv2g.checks._rows import per_distinct, rows_by_value, twin_blocks
from protv2g.checks.directional_release import (
    RELEASED_COLUMN,
    RELEASED_CURRENT_COLUMNS,
    released_currents,
    stage_released_currents,
)
from protv2g.devices.kinds import TIME_COLUMNS, operating_times, staged_operating_times
from protv2g.devices.models import Device
from protv2g.engine.staged_tables import StagedCurrents, float_bits, rows_differ

__all__ = ["Bracket", "BRACKET_TIME_COLUMNS", "bracket_column", "device_times"]

#: Which end of the chargers' contribution a time (or a finding) comes from.
Bracket = Literal["low", "high"]

#: Time columns known in both brackets (``<name>_low_s``, ``<name>_high_s``).
BRACKET_TIME_COLUMNS = (*TIME_COLUMNS, "t_clear_s")


def bracket_column(column: str, bracket: str) -> str:
    """``t_op_s`` → ``t_op_low_s`` / ``t_op_high_s``."""
    return f"{column[:-2]}_{bracket}_s"


def device_times(devices: Mapping[str, Device], table: pd.DataFrame,
                 staged: StagedCurrents | None = None,
                 staged_high: StagedCurrents | None = None) -> pd.DataFrame:
    """Operating times of every device for every row of the engine's device table.

    Parameters
    ----------
    devices : mapping
        Device name → model.
    table : DataFrame
        Engine device table (``DEVICE_TABLE_COLUMNS`` at least), currents in kA.
    staged : StagedCurrents, optional
        The later stages of the same rows (position by position), low bracket. Without it
        the low bracket equals the high one.
    staged_high : StagedCurrents, optional
        The stages of the high bracket, aligned the same way. Without it the high bracket
        is the first-cycle current held for the whole fault.

    Returns
    -------
    DataFrame
        ``table`` plus ``i_phase_a``, ``i_ground_a`` (A) and times in s (``inf`` = does not
        operate, ``nan`` = not applicable to that kind): ``t_op_s`` (first operation: relay
        fastest element, recloser first shot, fuse total clearing), ``t_fast_s``,
        ``t_delayed_s``, ``t_longest_shot_s`` (recloser), ``t_mm_s``, ``t_tc_s`` (fuse),
        ``t_clear_s`` (longest single period of fault current while this device clears a
        permanent fault: recloser's longest shot, otherwise ``t_op_s``) — the high bracket;
        and every one of them per bracket as ``<name>_high_s`` and ``<name>_low_s``. With
        ``table``'s release codes (``oc_released``, :mod:`protv2g.checks.directional_release`)
        the times are those of the elements a forward-directional relay's directional control
        releases, and ``i_phase_released_a``/``i_ground_released_a`` the currents they are
        taken at.

    Raises
    ------
    ValueError
        When ``staged`` does not have one row per row of ``table``.
    """
    for st in (staged, staged_high):
        if st is not None and st.n_rows != len(table):
            raise ValueError(f"staged currents have {st.n_rows} rows, the device table "
                             f"{len(table)}: they must be aligned row by row")
    # a few rows of many stage rows (a take, e.g. the stage report's one finding): their own
    # dense arrays, not the work of every stage row (the brackets stay one object if one);
    # half of them or more (the checks on the distinct scenario blocks, #21: 911,767 of
    # 917,723 at 10,000 buses, a dense copy cost 0.9 s and 110 MiB) read through the map
    dense: dict[int, StagedCurrents] = {}

    def rows_own(st: StagedCurrents | None) -> StagedCurrents | None:
        if st is None or st.row_map is None or 2 * st.n_rows >= st.n_stage_rows:
            return st
        if id(st) not in dense:  # one dense copy when both brackets are one object
            dense[id(st)] = st.dense()
        return dense[id(st)]

    staged, staged_high = rows_own(staged), rows_own(staged_high)
    # shallow: only new columns are added (#21: a deep copy of the whole table was the
    # checks stage's largest avoidable allocation, one table's worth per call)
    out = table.copy(deep=False)
    # the largest phase, column by column (#21: the (n, 3) copy of the three columns was
    # 42 MiB of transient at 10,000 buses); the same maximum of the same floats
    ia, ib, ic = (out[c].to_numpy(dtype=float) for c in ("ia_ka", "ib_ka", "ic_ka"))
    out["i_phase_a"] = 1000.0 * np.maximum(np.maximum(ia, ib), ic)
    out["i_ground_a"] = 1000.0 * out["i3i0_ka"].to_numpy(dtype=float)
    n = len(out)
    cols = {k: np.full(n, np.nan) for k in TIME_COLUMNS}
    # the currents the overcurrent elements operate on: a forward-directional relay's
    # elements that its directional control does not release see none (C9's decision,
    # review rev41a W2: a blinded 67N's 51G was credited as C4's backup)
    released = (out[RELEASED_COLUMN].to_numpy() if RELEASED_COLUMN in out.columns else None)
    i_phase, i_ground = released_currents((ia, ib, ic), out["i_phase_a"].to_numpy(),
                                          out["i_ground_a"].to_numpy(), released)
    # scenarios sharing a charger set repeat one block of rows: evaluated on the first only,
    # copied to the others (#21: found per device by hashing every row, 2.6 s of 10 at
    # 10,000 buses); the rows that are left barely repeat, so they are evaluated directly
    # (the stages compared through their row maps: blocks of one charger set name the
    # same stage rows and are not compared value by value, #21); scenario and device by
    # their codes where categorical (equal codes, equal names: #21, not written out as
    # objects to be compared)
    twins = twin_blocks(_labels(out["scenario"]), [_labels(out["device"]), i_phase, i_ground,
                                                   *([] if released is None else [released])],
                        [(a, st.row_map) for st in {id(s): s for s in (staged, staged_high)
                                                    if s is not None}.values()
                         for a in (st.stage_i_a, st.stage_t_start_s, st.stage_t_end_s)])
    once = per_distinct if twins is None else _direct
    # each device's rows found once, by hashing (#21: ``names == name`` per device and
    # bracket scanned the whole object column 3 × devices times)
    if twins is None:
        rows = dict(rows_by_value(out["device"]))
    else:
        rows = {k: twins[0][r] for k, r in rows_by_value(out["device"].to_numpy()[twins[0]])}
    # devices of one model (kind, settings but the name, the same curve objects) evaluated
    # together: a device's times are a function of its model and of each row's currents
    # alone, row by row (#21: 56 fuses of one link at 10,000 buses, a call per fuse, stage
    # count and bracket)
    devices, rows = same_model_rows(devices, rows)
    for name, dev in devices.items():
        idx = rows.get(name)
        if idx is None:
            continue
        # once per distinct current pair (#21: scenarios sharing a charger set repeat them)
        times = once(functools.partial(operating_times, dev), i_phase[idx], i_ground[idx])
        for k, t in times.items():
            cols[k][idx] = t
    # through the stages every row directly: their stage currents and times barely repeat
    # (#21: 99.9 % of the rows distinct at 3,000 and 10,000 buses, 88 % on the depot
    # example; hashing them to find the repeats cost 0.05–0.08 s for nothing)
    cols, low = _both_brackets(devices, rows, cols, staged, staged_high, _direct, released)
    for dst, src in [] if twins is None else twins[1]:
        for times in (cols, low):
            for v in times.values():
                v[dst] = v[src]
    new: dict[str, np.ndarray] = {}
    for which, times in (("high", cols), ("low", low)):
        times["t_clear_s"] = np.where(np.isnan(times["t_longest_shot_s"]), times["t_op_s"],
                                      times["t_longest_shot_s"])
        for k, v in times.items():
            new[bracket_column(k, which)] = v
    for k in BRACKET_TIME_COLUMNS:
        new[k] = cols[k]  # the high bracket's arrays under the plain names too
    # one frame of the columns as they are (no copy, no consolidation), the plain names
    # sharing the high bracket's arrays (#21: one assignment per column copied each, and
    # the plain names held a second copy of the high bracket's times, 7 columns of every
    # row, through the checks: ≈ 100 MiB at 10,000 buses); columns are replaced, never
    # written into
    data: dict[str, Any] = {c: out[c] for c in out.columns}
    data.update(new)
    if released is not None:  # the currents the times are taken at
        data.update(zip(RELEASED_CURRENT_COLUMNS, (i_phase, i_ground), strict=True))
    return pd.DataFrame(data, index=out.index, copy=False)


def same_model_rows(devices: Mapping[str, Device], rows: Mapping[str, np.ndarray]
                    ) -> tuple[dict[str, Device], dict[str, np.ndarray]]:
    """``(devices, rows)`` with the devices of one model merged: each group's first device
    (in ``devices``' order) under its own name, with the rows of every device of the group
    (``rows``: device name → its rows; a group's rows are its devices' one after the other,
    in ``devices``' order). Devices without rows are left out.

    Two devices are one model (:func:`_same_model`) when they are of one class, their
    settings are equal field by field but the name (``==`` and ``repr``: ``0.0`` and
    ``-0.0`` apart) and every other attribute is the same object (the library's curves; a
    recloser's ``warnings`` equal texts): the operating-time functions of
    :mod:`protv2g.devices.kinds` read nothing else and treat each row on its own, so each
    row's times are the same bits whichever of them is evaluated and with whichever other
    rows (#21)."""
    groups: list[tuple[str, Device, list[np.ndarray]]] = []
    for name, dev in devices.items():
        idx = rows.get(name)
        if idx is None:
            continue
        for _, rep_dev, parts in groups:
            if _same_model(rep_dev, dev):
                parts.append(idx)
                break
        else:
            groups.append((name, dev, [idx]))
    return ({rep: d for rep, d, _ in groups},
            {rep: p[0] if len(p) == 1 else np.concatenate(p) for rep, _, p in groups})


def _same_model(a: Device, b: Device) -> bool:
    """Whether ``a`` and ``b`` give the same operating times for the same currents: one
    class, settings equal but the name (dataclass fields, compared by ``==`` and by ``repr``),
    every other attribute the same object (or equal lists of texts, :func:`_equal_texts`).
    False when unsure (the devices are then evaluated apart)."""
    if type(a) is not type(b):
        return False
    va, vb = vars(a), vars(b)
    if va.keys() != vb.keys() or any(not (va[k] is vb[k] or _equal_texts(va[k], vb[k]))
                                     for k in va if k != "settings"):
        return False
    sa, sb = va.get("settings"), vb.get("settings")
    if not (dataclasses.is_dataclass(sa) and dataclasses.is_dataclass(sb)
            and type(sa) is type(sb) and hasattr(sa, "name")):
        return False
    fa = [getattr(sa, f.name) for f in dataclasses.fields(sa) if f.name != "name"]
    fb = [getattr(sb, f.name) for f in dataclasses.fields(sb) if f.name != "name"]
    try:
        return bool(fa == fb) and repr(fa) == repr(fb)
    except Exception:  # noqa: BLE001 (a field whose comparison is not a bool: not the same)
        return False


def _equal_texts(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are lists or tuples of equal ``str`` (a recloser's
    ``warnings``: texts for people, read by no operating time)."""
    return (type(a) is type(b) and isinstance(a, list | tuple) and len(a) == len(b)
            and all(type(x) is str and type(y) is str and x == y
                    for x, y in zip(a, b, strict=True)))


def _labels(column: pd.Series) -> np.ndarray:
    """A key column as :func:`~protv2g.checks._rows.twin_blocks` compares it: a categorical's
    codes (equal codes, equal values), any other column's values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy()
    return column.to_numpy()


def _direct(fn: Callable[..., Any], *arrays: Any) -> Any:
    """``fn(*arrays)``: :func:`protv2g.checks._rows.per_distinct`'s place where the rows
    barely repeat."""
    return fn(*arrays)


def _through_stages(devices: Mapping[str, Device], rows: Mapping[str, np.ndarray],
                    held: dict[str, np.ndarray], staged: StagedCurrents | None,
                    once: Callable[..., Any] = per_distinct, *, own: bool = False,
                    released: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Operating times through ``staged``'s stages (Σ Δt/t_op, :mod:`protv2g.devices.staged`);
    a copy of ``held`` (the first cycle held) where there is one stage or none. ``rows``:
    device name → its rows (:func:`protv2g.checks._rows.rows_by_value`); ``once``: how a
    per-row function is evaluated on them (:func:`~protv2g.checks._rows.per_distinct`);
    ``own``: ``held``'s arrays are written into and returned, not copied (the caller's own);
    ``released``: each row's release code (:data:`RELEASED_COLUMN`): the stage currents of
    an element its directional control holds back are not seen
    (:func:`~protv2g.checks.directional_release.stage_released_currents`).

    Each row is evaluated on its leading stages up to its last real one
    (:func:`stage_counts`): the padding after it changes none of its times (#21: at 10,000
    buses a third of the rows have one real stage, two thirds two, < 1 % more, and all five
    were integrated for every row)."""
    out = dict(held) if own else {k: v.copy() for k, v in held.items()}
    if staged is None or staged.n_stages < 2:
        return out
    counts = stage_counts(staged)
    # the largest phase current of every stage row and stage once, then gathered per device
    # (``StagedCurrents.phase_a``'s figure: #21, its gather of three phases and maximum
    # along that short axis per device and stage count was 0.3 s at 10,000 buses); stage
    # rows through the row map (one per charger set's row, not per table row)
    i = staged.stage_i_a
    phase = np.maximum(np.maximum(i[..., 0], i[..., 1]), i[..., 2])
    for name, dev in devices.items():
        idx = rows.get(name)
        if idx is None:
            continue
        count = counts[idx]
        # the counts present, ascending (at most n_stages groups): by a bincount of the
        # small counts, not a sort of the device's rows (``np.unique``)
        for k in np.flatnonzero(np.bincount(count)).tolist():
            r = idx[count == k]
            t0, t1 = staged.times_s(r, k)
            i_p, i_g = stage_released_currents(staged, phase, r, k, released)
            times = once(functools.partial(staged_operating_times, dev), i_p, i_g, t0, t1)
            for col, t in times.items():
                out[col][r] = t
    return out


def _both_brackets(devices: Mapping[str, Device], rows: Mapping[str, np.ndarray],
                   held: dict[str, np.ndarray], staged: StagedCurrents | None,
                   staged_high: StagedCurrents | None, once: Callable[..., Any],
                   released: np.ndarray | None = None
                   ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(high, low)``: :func:`_through_stages` on ``staged_high`` and on ``staged``, from the
    first-cycle times ``held`` (taken over: its arrays become one bracket's, #21: one
    table-sized copy of the time columns less).

    The high bracket is evaluated only on the rows whose stages differ from the low
    bracket's in some bit (:func:`stage_rows_differ`) and copied from the low one elsewhere:
    a row's times depend on that row's stages alone, so a copied time is the time
    evaluating it gives, bit for bit (#21: at 10,000 buses 99.3 % of the rows are the same
    in both brackets — the base cases and every fault where no site's limit moves — and
    both brackets were integrated on every row)."""
    if staged_high is staged:  # the pipeline's hand-over when no site's limit moves
        low = _through_stages(devices, rows, held, staged, once, own=True, released=released)
        return {k: v.copy() for k, v in low.items()}, low
    differ = (None if staged is None or staged_high is None or staged.n_stages < 2
              else stage_rows_differ(staged, staged_high))
    if differ is None:  # not comparable row by row: every row evaluated in both
        low = _through_stages(devices, rows, held, staged, once, released=released)
        return _through_stages(devices, rows, held, staged_high, once, own=True,
                               released=released), low
    at = np.flatnonzero(differ)
    held_at = {k: v[at] for k, v in held.items()}
    low = _through_stages(devices, rows, held, staged, once, own=True, released=released)
    high = {k: v.copy() for k, v in low.items()}
    if len(at):
        # the differing rows as a table of their own: each device's rows as positions in at
        local = {name: np.searchsorted(at, idx[differ[idx]]) for name, idx in rows.items()}
        sub = _through_stages(devices, local, held_at, staged_high.take(at).dense(), once,
                              own=True, released=None if released is None else released[at]
                              )  # the differing rows' own small arrays
        for k, v in sub.items():
            high[k][at] = v
    return high, low


def stage_rows_differ(a: StagedCurrents, b: StagedCurrents) -> np.ndarray | None:
    """Per row, whether ``a`` and ``b`` differ in any bit of a stage's currents or times:
    ``(n_rows,)`` bool (``0.0`` and ``-0.0`` differ, a NaN equals the same NaN); ``None``
    when they do not have the same stages, rows and dtypes (nothing to compare row by
    row). With the same row map (the pipeline's brackets share one) the stage rows are
    compared once each and the result mapped to the table rows (#21); otherwise each
    table row's stage rows are gathered one stage at a time."""
    pairs = ((a.stage_i_a, b.stage_i_a), (a.stage_t_start_s, b.stage_t_start_s),
             (a.stage_t_end_s, b.stage_t_end_s))
    if a.n_stages != b.n_stages or a.n_rows != b.n_rows or any(
            x.shape[2:] != y.shape[2:] or x.dtype != y.dtype for x, y in pairs):
        return None
    same_map = a.row_map is b.row_map or (
        a.row_map is not None and b.row_map is not None
        and np.array_equal(a.row_map, b.row_map))
    if same_map and a.n_stage_rows == b.n_stage_rows:
        differ = np.zeros(a.n_stage_rows, dtype=bool)
        ra = rb = slice(None)
    elif all(x is y for x, y in pairs) and a.row_map is not None and b.row_map is not None:
        # one set of stage arrays (the pipeline's brackets, ``shared_brackets``): a row
        # naming the same stage row in both is equal; the others are compared
        differ = np.not_equal(a.row_map, b.row_map)
        at = np.flatnonzero(differ)
        if len(at):
            differ[at] = stage_rows_differ(a.take(at).dense(), b.take(at).dense())
        return differ
    else:
        differ = np.zeros(a.n_rows, dtype=bool)
        ra, rb = a.stage_rows(), b.stage_rows()
    for x, y in pairs:
        x, y = float_bits(x), float_bits(y)
        for k in range(len(x)):  # one stage at a time: no whole-array temporary
            xk, yk = x[k][ra], y[k][rb]
            differ |= (rows_differ(xk, yk) if xk.ndim == 2 else np.not_equal(xk, yk))
    return differ[a.row_map] if same_map and a.row_map is not None else differ


def stage_counts(staged: StagedCurrents) -> np.ndarray:
    """Per row, how many leading stages decide its operating times: ``(n_rows,)`` ints, up to
    the row's last stage with a finite start when every later stage is padding — ``t_start_s
    = inf`` and the same current bits as that stage (:class:`~protv2g.engine.staged_tables.
    StagedCurrents` pads so) — else all stages.

    Why the padding can be left out, bit for bit (:func:`protv2g.devices.staged.
    staged_operate_time_s`): a stage with an infinite start lasts no time, so it neither
    completes an operation nor adds or removes travel (``travel + 0.0``); the only thing it
    enters is the all-stages-NaN test, and a padded stage's operate time is that of the
    stage whose currents it repeats. The fuse's arcing stage counts stages that start
    before melting (an infinite start never does); instantaneous elements read stage 0."""
    start, i = staged.stage_t_start_s, staged.stage_i_a  # per stage row, then mapped
    n = staged.n_stages
    # the last stage with a finite start, + 1 (0: none, then every stage): a maximum over
    # the stages, row-contiguous (#21: ``argmax`` along the stage axis, 5× slower)
    at = np.arange(1, n + 1, dtype=np.min_scalar_type(n))[:, None]  # small: a byte a row
    counts = ((np.isfinite(start) * at).max(axis=0) if n
              else np.zeros(start.shape[1:], int)).astype(np.int64)
    counts[counts == 0] = n
    bits = i.view(np.int32) if i.dtype == np.float32 else i.view(np.int64)
    # every stage from the row's count on repeats stage count − 1 exactly when each of them
    # repeats the stage before it (equal bits are transitive): adjacent stages compared
    # whole, no gather of the rows per stage (#21: the fancy-indexed comparison was 0.5 s a
    # call at 10,000 buses)
    differs = np.zeros(len(counts), dtype=bool)
    for k in range(1, n):
        differs |= (counts <= k) & rows_differ(bits[k], bits[k - 1])
    counts[differs] = n
    return counts if staged.row_map is None else counts[staged.row_map]
