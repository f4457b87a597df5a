"""C5's zone rows (:mod:`protv2g.checks.sensitivity`): every device's minimum-case fault rows
at the buses of its primary and backup zones, with the element judged, its pickup, the ratio
of current to pickup and the ratio's tolerance (the pickup's own scatter,
:data:`PICKUP_ACCURACY` for a relay or recloser control, the melting range for a fuse); a zone
fault the device has no row for joins as a row at 0 A (:func:`_absent_zone_faults`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    ground_pickup_a,
    step_paths_of,
)
from protv2g.checks._keys import FaultKeys, keys_of
from protv2g.checks._rows import column_at, factorize_all
from protv2g.checks.directional_release import zone_released
from protv2g.checks.fuse_gg_limits import gg_reach_factor, reach_pickup_a
from protv2g.checks.reach_stage import instantaneous_ground, judged_stage
from protv2g.checks.reach_ungrounded import ground_fault_rows
from protv2g.checks.reach_zone import EITHER_ELEMENT, reach_rows
from protv2g.devices.kinds import kind_of

__all__ = ["PICKUP_ACCURACY"]

_GROUND_FAULTS = ("SLG", "LLG")
#: Case in which reach is judged.
_REACH_CASE = "min"
#: Pickup accuracy of a relay or recloser control (fraction of the setting): IEC 60255-151
#: accuracy classes and vendors' declarations (e.g. SEL-351 ±5 % of setting) — recalled.
PICKUP_ACCURACY = 0.05


def _pickup_scatter(device: object) -> float:
    """Relative scatter of a device's pickup (fraction)."""
    if kind_of(device).role == "fuse":
        curve = device.curve  # type: ignore[attr-defined]
        lo = curve.mm_asymptote_m
        hi = curve.mx_asymptote_m or curve.tc_asymptote_m
        if lo and hi and hi > lo:
            return float(hi / lo - 1.0)
    return PICKUP_ACCURACY


#: Columns of the fault table C5 reads (#21: the zone join copied all ≈ 50 columns of the
#: checks' fault table, angles and both brackets' times included, at every zone fault).
_ZONE_COLUMNS = ("scenario", "device", "fault_bus", "fault_bus_name", "fault_type", "case",
                 "fault_kind", "phase", "i_phase_a", "i_ground_a", "t_op_s")
#: A row's element by ``ground`` (0: phase, 1: ground).
_ELEMENTS = np.array(["phase", "ground"], dtype=object)

def _zone_rows(ctx: CheckContext) -> pd.DataFrame:
    """Fault rows of every device at the buses of its zones, with pickup and ratio
    (:func:`_zone_rows_split`'s first)."""
    return _zone_rows_split(ctx)[0]


def _zone_rows_split(ctx: CheckContext) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Fault rows of every device at the buses of its zones, with pickup and ratio, and the
    SLG/LLG rows at buses with no ground path taken out of them
    (:func:`~.reach_ungrounded.ground_fault_rows`; None without any).

    A fault the engine computed at a zone bus (``ctx.bus_faults``, energised) for which the
    device has no row — the device table keeps rows from ``DEVICE_ROW_MIN_A`` (1 A) — is a
    row at 0 A that never operates: the device does not see that fault (e.g. a ground fault
    behind a delta winding), a reach failure, never a silently passing absence.
    """
    cols = [c for c in _ZONE_COLUMNS if c in ctx.faults.columns]
    in_case = ctx.faults.case.to_numpy() == _REACH_CASE  # str since build_context
    z = ctx.zones[ctx.zones.device.isin(list(ctx.devices))].rename(columns={"bus": "fault_bus"})
    z = reach_rows(ctx.study, z, step_paths_of(ctx))
    m = _zone_join(ctx, z, np.flatnonzero(in_case), cols)
    absent = _absent_zone_faults(ctx, z, m)
    if len(absent):
        m = pd.concat([m, absent], ignore_index=True)
    m, no_ground, taken = ground_fault_rows(ctx, m)  # no ground path: SLG/LLG info (M1)
    if m.empty:
        return m, taken
    # each device's figures once, spread by its code (#21: three ``map``s hashed the
    # 427,896 zone rows' names at 10,000 buses); NaN for a name without a model, as ``map``
    code, names = factorize_all(m.device.to_numpy())

    def by_device(f: Any) -> np.ndarray:
        values = pd.Series([f(ctx.devices[n]) if n in ctx.devices else np.nan
                            for n in names.tolist()], dtype=object)
        return pd.to_numeric(values, errors="coerce").to_numpy(float)[code]

    ph = by_device(reach_pickup_a)  # a gG band link's: its 5-s melting current
    gp = by_device(ground_pickup_a)
    kind = m.fault_kind if "fault_kind" in m else m.fault_type  # OpenDSS tables: SLG-a …
    ground = kind.isin(_GROUND_FAULTS).to_numpy() & np.isfinite(gp) & ~no_ground
    # a forward-directional relay's elements as C9's decision releases them (ver41 W-new1:
    # a blinded 67N's 51G was credited with reach): one held back sees no current
    i_ph, i_gr, ground_ok, released, held = zone_released(
        ctx.faults, m["_at"].to_numpy(), m.i_phase_a.to_numpy(float),
        m.i_ground_a.to_numpy(float), ground)
    ground &= ground_ok
    # behind a step transformer the element that sees more (no 3I0 behind a delta winding),
    # chosen on the currents each element is judged on (reach_stage.judged_stage)
    ground, m["i_op_a"], m["stage"], m["bracket"] = judged_stage(
        ctx, m["_at"].to_numpy(), i_ph, i_gr, ground, by_device(instantaneous_ground) > 0,
        released, m[EITHER_ELEMENT].to_numpy(bool), (ph, gp))
    m["pickup_a"] = np.where(ground, gp, ph)
    first = np.where(ground, i_gr, i_ph)
    m["_held"] = held
    m["i_first_a"] = first
    # two ``str`` objects shared by the rows (#21: ``np.where`` on the two texts made a
    # ``str`` per row when the frame took it, 27 MiB of 427,896 zone rows at 10,000 buses)
    m["element"] = _ELEMENTS[ground.astype(np.intp)]
    m["ratio"] = m.i_op_a / m.pickup_a
    m["tolerance"] = m.ratio * by_device(_pickup_scatter)
    th = ctx.thresholds
    factor = np.where(m.zone == "primary", th.sensitivity_primary_factor,
                      th.sensitivity_backup_factor)
    gg = by_device(gg_reach_factor)  # a gG band link's own (IEC 60364-4-41), NaN else
    m["factor"] = np.where(np.isfinite(gg) & ~ground, gg, factor)
    return m, taken


def _zone_join(ctx: CheckContext, z: pd.DataFrame, rows: np.ndarray, cols: list[str]
               ) -> pd.DataFrame:
    """``z.merge(faults.iloc[rows][cols], on=["device", "fault_bus"])``, on the context's
    integer codes when it has them (#21: a join on the object device names)."""
    f, k = ctx.faults, keys_of(ctx)
    if k is None:
        return z.merge(f.iloc[rows][cols].assign(_at=rows), on=["device", "fault_bus"])
    code = k.device_codes(z.device)
    left = np.where(code >= 0, k.place(z.fault_bus.to_numpy(), code), -1)
    i, r = _join_positions(left, k.row_places(f.fault_bus.to_numpy())[rows])
    r = rows[r]
    out = {c: column_at(z[c], i) for c in z.columns}
    out.update({c: column_at(f[c], r) for c in cols if c not in out})
    out["_at"] = r  # the fault-table position: the row's charger stages (reach_stage)
    # the gathered arrays are new: taken as they are, not consolidated (#21)
    return pd.DataFrame(out, copy=False)


def _join_positions(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(i, r)``: the positions of every pair of equal keys ``left[i] == right[r]`` (int64
    arrays), in the order of ``pd.DataFrame({"_k": left}).merge(pd.DataFrame({"_k":
    right}))``: by ``i``, each ``i``'s ``r`` ascending. Where ``left`` holds each key once
    (a device's zone names a bus once) every right row is looked up in it and the matches
    put in left order, one stable sort of them (#21: the merge hashed both sides, 427,896
    zone faults at 10,000 buses); else, where ``right`` holds each key once, every left
    row's match looked up in it (left order); else that merge."""
    # a negative key (a device without rows: -1) pairs with no right key when none is
    # negative (a table row's place never is)
    some = np.flatnonzero(left >= 0) if len(right) and right.min() >= 0 else np.arange(
        len(left))
    index = pd.Index(left[some])
    if not index.is_unique:
        theirs = pd.Index(right)
        if theirs.is_unique:  # each left row's one right row, in left order (#21: the reach
            at = theirs.get_indexer(left)  # drop's V2G rows and their base rows)
            i = np.flatnonzero(at >= 0)
            return i.astype(np.int64), at[i].astype(np.int64)
        j = pd.DataFrame({"_k": left, "_i": np.arange(len(left))}).merge(
            pd.DataFrame({"_k": right, "_r": np.arange(len(right))}), on="_k")
        return j["_i"].to_numpy(np.int64), j["_r"].to_numpy(np.int64)
    at = index.get_indexer(right)
    r = np.flatnonzero(at >= 0)
    i = some[at[r]]  # ``some`` ascending: the order of ``at`` is the order of ``left``
    order = np.argsort(i, kind="stable")
    return i[order].astype(np.int64), r[order].astype(np.int64)


def _absent_zone_faults(ctx: CheckContext, zones: pd.DataFrame, rows: pd.DataFrame
                        ) -> pd.DataFrame:
    """Zone faults without a device row, as rows at 0 A with ``inf`` operate times."""
    b = ctx.bus_faults
    if b is None or b.empty or zones.empty:
        return rows.iloc[:0]
    in_case = _text_is(b.case, _REACH_CASE)
    if "energized" in b:
        in_case &= b.energized.astype(bool).to_numpy()
    k = keys_of(ctx)
    if k is not None and not _any_absent(k, zones, b, np.flatnonzero(in_case)):
        return rows.iloc[:0]
    b = b[in_case]
    extra = [c for c in ("fault_kind", "phase") if c in b and c in rows]
    keys = ["scenario", "fault_bus", "fault_type", "case"]
    faults = b.rename(columns={"bus": "fault_bus", "bus_name": "fault_bus_name"})[
        [*keys, "fault_bus_name", *extra]].astype({"fault_type": str, "case": str})
    every = zones.merge(faults, on="fault_bus")
    if k is None:
        seen = rows[["device", *keys]].assign(_seen=True)
        miss = every.merge(seen, on=["device", *keys], how="left")
        miss = miss[miss["_seen"].isna()].drop(columns="_seen")
    else:  # the device's row of that fault, by code (#21: a join on five object keys)
        at = k.rows_of(k.fault_codes([every[c].to_numpy() for c in keys]),
                       k.device_codes(every.device))
        miss = every[at < 0]
    if miss.empty:
        return rows.iloc[:0]
    times = [c for c in rows.columns if c.startswith("t_") and c.endswith("_s")]
    currents = [c for c in rows.columns if c.endswith(("_a", "_ka")) and c not in times]
    return miss.assign(**{c: 0.0 for c in currents}, **{c: np.inf for c in times}, _at=-1)


def _any_absent(k: FaultKeys, zones: pd.DataFrame, b: pd.DataFrame, at: np.ndarray) -> bool:
    """Whether a zone fault — a bus fault ``b.iloc[at]`` at a bus of a device's zone — has
    no row of that device: :func:`_absent_zone_faults`' test on integer codes alone (#21:
    its join copied every text column of the 630,000 zone faults at 10,000 buses, 0.3 s,
    to find none absent)."""
    fault = k.fault_codes([_rows_of(b["scenario"], at), b["bus"].to_numpy()[at],
                           _rows_of(b["fault_type"], at, text=True),
                           _rows_of(b["case"], at, text=True)])
    left = pd.DataFrame({"fault_bus": zones["fault_bus"].to_numpy(),
                         "_d": k.device_codes(zones["device"])})
    right = pd.DataFrame({"fault_bus": b["bus"].to_numpy()[at], "_f": fault})
    j = left.merge(right, on="fault_bus")
    return bool((k.rows_of(j["_f"].to_numpy(), j["_d"].to_numpy()) < 0).any())


def _str_categories(column: pd.Series) -> bool:
    """Whether ``column`` is a categorical of ``str`` categories without a missing value:
    its ``astype(str)`` is its own values."""
    return (isinstance(column.dtype, pd.CategoricalDtype)
            and all(type(c) is str for c in column.cat.categories.tolist())
            and not (column.cat.codes.to_numpy() < 0).any())


def _text_is(column: pd.Series, text: str) -> np.ndarray:
    """``(column.astype(str) == text).to_numpy()``; a categorical of ``str`` tested once per
    category (#21: the bus table's 482,880 rows at 10,000 buses written out as text)."""
    if _str_categories(column):
        hit = np.array([c == text for c in column.cat.categories.tolist()], dtype=bool)
        return hit[column.cat.codes.to_numpy()]
    return (column.astype(str) == text).to_numpy()


def _rows_of(column: pd.Series, at: np.ndarray, text: bool = False) -> Any:
    """``column.to_numpy()[at]`` (``text``: of ``column.astype(str)``); a categorical's rows as
    a :class:`pandas.Categorical` (its values those texts), for
    :meth:`~protv2g.checks._keys.FaultKeys.fault_codes` to look its categories up once."""
    if _str_categories(column) or (isinstance(column.dtype, pd.CategoricalDtype)
                                   and not text):
        return column.array.take(at)
    return (column.astype(str) if text else column).to_numpy()[at]
