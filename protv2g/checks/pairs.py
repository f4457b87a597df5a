"""Primary/backup pairs at every fault: the pairs × faults join the coordination rules read.

:func:`merged` joins every pair of the feeder graph (:func:`protv2g.topology.primary_backup_pairs`)
with both devices' currents and operating times at every fault where it is a pair, less the
faults a device nearer the fault clears first (:func:`cleared_nearer`); :func:`in_pair_bracket`
puts one bracket's times under the plain names. The coordination table built from it (its
columns, rows and violation rows) is in :mod:`protv2g.checks.pair_rows`, re-exported here; the
rules themselves are in :mod:`protv2g.checks.coordination` (C1, C3, C4) and
:mod:`protv2g.checks.recloser_fuse` (C2). Device kinds enter only through their coordination
role (:mod:`protv2g.devices.kinds`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, bracket_column
from protv2g.checks._keys import keys_of
from protv2g.checks.beyond_transformer import split_pairs
from protv2g.checks.directional_release import BLOCKED_COLUMN, RELEASED_CURRENT_COLUMNS
from protv2g.checks.pair_rows import (
    COORDINATION_COLUMNS,
    concat_rows,
    coordination_rows,
    empty_coordination,
    pair_criteria,
    pair_violations,
    tc_band_text,
)
from protv2g.criteria import pair_criterion
from protv2g.devices.kinds import spec

__all__ = ["COORDINATION_COLUMNS", "backup_absent", "backup_blocked", "cleared_nearer",
           "concat_rows", "coordination_rows", "empty_coordination", "in_pair_bracket", "merged",
           "pair_criteria", "pair_criterion", "pair_violations", "tc_band_text"]

_KEYS = ["scenario", "fault_bus", "fault_type", "case"]
_TIME_COLS = ["fault_bus_name", "i_phase_a", "i_ground_a", "t_op_s", "t_fast_s", "t_delayed_s",
              "t_mm_s", "t_tc_s", "t_clear_s"]
_TOL_S = 1e-9
#: Time columns of which one finite value means the primary operates: every pair rule reads
#: the primary's clearing time (``t_clear_s``; a fuse's total clearing ``t_tc_s`` for fuse
#: saving and backup, the same time as its ``t_clear_s``).
PRIMARY_OPERATES = ("t_clear_s", "t_tc_s")


def merged(ctx: CheckContext, brackets: Sequence[str] = ()) -> pd.DataFrame:
    """Pairs × faults with both devices' currents and times (``p_*`` primary, ``b_*`` backup),
    at the faults where the primary operates (in the plain times or in one of ``brackets``).

    ``brackets`` (``"low"``, ``"high"``): also each bracket's time columns
    (``p_t_op_low_s`` …), for :func:`in_pair_bracket` — one join serves both brackets, whose
    rows are the same (#21: the join and the curve look-ups of its rows were made twice).
    """
    f = ctx.faults
    if f is None or ctx.pairs.empty:
        return pd.DataFrame()
    have = set(ctx.devices)
    # faults behind a step transformer with no device are its own fuse's, not the pair's
    # (:mod:`protv2g.checks.beyond_transformer`, reported once per transformer)
    pairs, _ = split_pairs(ctx)
    pairs = pairs[pairs.primary.isin(have) & pairs.backup.isin(have)]
    time_cols = [*_TIME_COLS, *(c for b in brackets for c in _bracket_columns(b)
                                if c in f.columns),
                 *(c for c in (BLOCKED_COLUMN, *RELEASED_CURRENT_COLUMNS) if c in f.columns)]
    # joined on the keys and each row's position only, the values taken by position after
    # (#21: two copies of ≈ 30 columns of the whole fault table before the join kept a few);
    # only the primary's rows where it operates in some bracket: every rule needs the
    # primary's clearing time (#21: at 10,000 buses most pair rows had none, and were
    # joined, gathered and given tolerances only to be dropped by every rule)
    m, at = _pair_rows(ctx, pairs[["fault_bus", "primary", "backup"]],
                       _primary_operates(f, brackets))
    # column by column: one column's gather in flight at a time (#21: a frame of all of them,
    # then its concatenation to ``m``, held three copies of the table at the 10,000-bus
    # study's checks peak)
    for side in ("p", "b"):
        for c in time_cols:
            if side == "p" or c != "fault_bus_name":
                m[f"{side}_{c}"] = f[c].to_numpy()[at[side]]
    # a pair races only where no device nearer the fault clears first (review s27 §1)
    keep = ~cleared_nearer(m, at, [c for c in ("t_clear_s", *(bracket_column("t_clear_s", b)
                                                              for b in brackets))
                                  if c in f.columns], len(f))
    if not keep.all():
        m = m[keep].reset_index(drop=True)
    # one look-up per device, not per row (#21)
    role = {n: spec(ctx.kind(n)).role for n in pairs[["primary", "backup"]].stack().unique()}
    m["p_kind"] = m.primary.map(role)
    m["b_kind"] = m.backup.map(role)
    return m


def backup_blocked(ctx: CheckContext, m: pd.DataFrame, t_backup_s: np.ndarray) -> np.ndarray:
    """Rows of the pairs × faults ``m`` whose backup does not operate (``t_backup_s`` not
    finite) because its directional control holds back an overcurrent element that picks
    up (``b_oc_blocked``, :mod:`protv2g.checks.directional_release`), at a fault of the
    backup's primary or backup zone (``ctx.zones``), where C9 finds it "fails to trip": the
    primary has no backup there (review rev41a W2). Beyond its zones the backup is not
    expected to operate (C9's ``out_of_zone``), as a backup below its pickup there. False
    throughout without a forward-directional relay."""
    col = f"b_{BLOCKED_COLUMN}"
    if col not in m.columns:
        return np.zeros(len(m), dtype=bool)
    out = m[col].to_numpy(dtype=bool) & ~np.isfinite(np.asarray(t_backup_s, dtype=float))
    return in_backup_zone(ctx, m, out)


def backup_absent(ctx: CheckContext, m: pd.DataFrame, sel: np.ndarray,
                  t_backup_s: np.ndarray, blocked: np.ndarray) -> np.ndarray:
    """Rows ``sel`` of the pairs × faults ``m`` whose backup does not operate at all
    (``t_backup_s`` not finite: no element of it picks up at any stage) for a fault of its
    primary or backup zone (``ctx.zones``), other than the rows :func:`backup_blocked`
    found (``blocked``): the primary has no backup there (review ver45: a head relay's 51G
    set above the 3I0 of a lateral's ground fault, the C1 row read "ok" with the backup
    "never"). Beyond its zones the backup is not expected to operate."""
    out = (np.asarray(sel, dtype=bool) & ~np.asarray(blocked, dtype=bool)
           & ~np.isfinite(np.asarray(t_backup_s, dtype=float)))
    return in_backup_zone(ctx, m, out)


def in_backup_zone(ctx: CheckContext, m: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """``rows`` (bool, aligned with ``m``) kept where the fault bus is in one of the
    backup's zones (``ctx.zones``); a new array."""
    out = np.array(rows, dtype=bool)
    at = np.flatnonzero(out)
    zone = _zone_keys(ctx) if len(at) else None
    if zone is None and len(at):  # bus numbers too wide to key: (name, bus) tuples
        z = ctx.zones
        pairs = set(zip(z.device.astype(str), z.bus.astype(int), strict=True))
        out[at] = [(b, int(f)) in pairs for b, f in zip(
            m.backup.to_numpy()[at].astype(str), m.fault_bus.to_numpy()[at], strict=True)]
    elif zone is not None:
        names, lo, span, keys = zone
        dev = names.get_indexer(m.backup.to_numpy()[at].astype(str))
        bus = np.asarray(m.fault_bus.to_numpy()[at]).astype(np.int64)  # as int(): truncated
        known = (dev >= 0) & (bus >= lo) & (bus < lo + span)
        key = dev[known].astype(np.int64) * span + (bus[known] - lo)
        pos = np.minimum(np.searchsorted(keys, key), max(len(keys) - 1, 0))
        hit = np.zeros(len(at), dtype=bool)
        hit[known] = keys[pos] == key if len(keys) else False
        out[at] = hit
    return out


def _zone_keys(ctx: CheckContext) -> tuple[pd.Index, int, int, np.ndarray] | None:
    """``ctx.zones``'s (device, bus) rows as sorted distinct integer keys ``device code ×
    span + (bus − lo)``, with the device names (the codes' index), ``lo`` and ``span``; made
    once per zone table and kept in ``ctx.cache`` (#21: a set of every zone row's
    ``(name, bus)`` tuple was built at each call, four per study, 4 % of the checks at
    10,000 buses). None where the keys would pass int64."""
    z = ctx.zones
    key = ("backup zone keys", id(z))
    cache = getattr(ctx, "cache", None)  # a context without one: made at each call
    hit = cache.get(key) if cache is not None else None
    if hit is not None and hit[0] is z:
        return hit[1]
    codes, names = pd.factorize(z.device.astype(str).to_numpy())
    bus = z.bus.astype(int).to_numpy().astype(np.int64)
    lo = int(bus.min()) if len(bus) else 0
    span = int(bus.max()) - lo + 1 if len(bus) else 1
    if span * max(len(names), 1) >= 2**62:  # keys beyond int64
        return None
    keys = np.unique(codes.astype(np.int64) * span + (bus - lo))
    out = (pd.Index(names), lo, span, keys)
    if cache is not None:
        cache[key] = (z, out)
    return out


def cleared_nearer(m: pd.DataFrame, at: dict[str, np.ndarray], time_columns: Sequence[str],
                   n_rows: int) -> np.ndarray:
    """Rows of the pairs × faults ``m`` whose fault a device nearer the fault than the
    primary clears first, in every bracket: the pair's race never happens there.

    On a radial path the pairs at a fault are the consecutive devices D0 → D1 → D2 … (D0
    nearest the fault, :func:`protv2g.topology.primary_backup_pairs`), so the pair (D1, D2)
    is also a pair at every fault behind D0. Where D0 clears such a fault before D1 would,
    D0 ends the fault: D1 does not have to clear it before D2 (a fuse's backup rule), nor to
    melt after D2's fast shot (fuse saving) — that is the pair (D0, D1)'s judgement (review
    s27 §1, EPRI J1: recloser R-MID judged against the 80K lateral fuse F-LAT on a 20 Ω
    fault behind the 25K fuse F-END, which clears it in 0.57 s, reported R-MID locking out
    at 1.69 s before F-LAT's 256 s; IEEE Std 242-2001 ch. 15, overcurrent coordination: a
    device is coordinated with the next one toward the source for the faults it clears).
    Conservative where the chain breaks: a device with no row at a fault (it does not
    operate there) carries no nearer time on, so rows behind it are kept.

    Parameters
    ----------
    m : DataFrame
        :func:`merged`'s rows (one per pair and fault key).
    at : dict
        The fault table's row of the primary (``"p"``) and of the backup (``"b"``) of every
        row of ``m``; a row position names a (fault, device).
    time_columns : sequence of str
        The fault table's clearing-time columns (the plain one and each bracket's), present
        in ``m`` as ``p_<column>``.
    n_rows : int
        The fault table's length.

    Returns
    -------
    ndarray of bool, shape (len(m),)
        True where a nearer device's clearing time (its latest over the brackets) is shorter
        than the primary's (its earliest): dropped only where every bracket agrees. A device
        that does not operate (NaN) clears nothing.
    """
    if m.empty or not time_columns:
        return np.zeros(len(m), dtype=bool)
    t = np.column_stack([m[f"p_{c}"].to_numpy(dtype=float) for c in time_columns])
    t = np.where(np.isnan(t), np.inf, t)
    t_late, t_early = t.max(axis=1), t.min(axis=1)
    p, b = at["p"], at["b"]
    # first clearing among the devices nearer the fault than each (fault, device), carried
    # one pair further per pass: D0's time reaches D2's rows in two passes
    nearer = np.full(n_rows, np.inf)
    for _ in range(len(m)):
        carried = np.minimum(nearer[p], t_late)
        before = nearer[b].copy()
        np.minimum.at(nearer, b, carried)
        if np.array_equal(nearer[b], before):
            break
    return nearer[p] < t_early - _TOL_S


def _primary_operates(f: pd.DataFrame, brackets: Sequence[str]) -> np.ndarray:
    """Rows of the fault table where the device operates (a finite clearing or total
    clearing time, :data:`PRIMARY_OPERATES`) under the plain names or in any of
    ``brackets``: the rows a pair rule can read as its primary's."""
    names = [*PRIMARY_OPERATES, *(bracket_column(c, b) for b in brackets
                                  for c in PRIMARY_OPERATES)]
    live = np.zeros(len(f), dtype=bool)
    for c in names:
        if c in f.columns:
            live |= np.isfinite(f[c].to_numpy(dtype=float))
    return np.flatnonzero(live)


def _pair_rows(ctx: CheckContext, pairs: pd.DataFrame, primary_rows: np.ndarray
               ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Pairs × faults (``fault_bus, primary, backup`` + ``_KEYS``) and the fault table's row
    of the primary (``"p"``) and of the backup (``"b"``) on every row: the primary's rows at
    the pair's bus among ``primary_rows`` (ascending positions), in pair order then row
    order, where the backup has a row too."""
    f, k = ctx.faults, keys_of(ctx)
    if k is None:  # joined on the key columns
        keys = f[[*_KEYS, "device"]]
        rows = np.arange(len(f))
        p = keys.iloc[primary_rows].rename(columns={"device": "primary"}).assign(
            _p=rows[primary_rows])
        b = keys.rename(columns={"device": "backup"}).assign(_b=rows)
        m = pairs.merge(p, on=["fault_bus", "primary"]).merge(b, on=[*_KEYS, "backup"])
        return m, {"p": m.pop("_p").to_numpy(), "b": m.pop("_b").to_numpy()}
    # on the integer codes (#21: two joins on the object keys of the whole table; at 10,000
    # buses a copy of its five key columns per side): the same rows, in the same order
    code_p, code_b = k.device_codes(pairs.primary), k.device_codes(pairs.backup)
    seen = (code_p >= 0) & (code_b >= 0)
    pairs = pairs[seen]
    left = pd.DataFrame({"_k": k.place(pairs.fault_bus.to_numpy(), code_p[seen]),
                         "_i": np.arange(len(pairs))})
    right = pd.DataFrame({"_k": k.place(f.fault_bus.to_numpy()[primary_rows],
                                        k.device[primary_rows]),
                          "_p": primary_rows})
    j = left.merge(right, on="_k")
    i, p_rows = j["_i"].to_numpy(), j["_p"].to_numpy()
    b_rows = k.rows_of(k.fault[p_rows], code_b[seen][i])
    has = b_rows >= 0
    i, p_rows, b_rows = i[has], p_rows[has], b_rows[has]
    m = pd.DataFrame({"fault_bus": pairs.fault_bus.to_numpy()[i],
                      "primary": pairs.primary.to_numpy()[i],
                      "backup": pairs.backup.to_numpy()[i],
                      **{c: f[c].to_numpy()[p_rows] for c in _KEYS if c != "fault_bus"}})
    return m, {"p": p_rows, "b": b_rows}


def _bracket_columns(bracket: str) -> list[str]:
    """The bracket's names of the time columns of :data:`_TIME_COLS` (``t_op_low_s`` …)."""
    return [bracket_column(c, bracket) for c in _TIME_COLS if c.startswith("t_")]


def in_pair_bracket(m: pd.DataFrame, bracket: str) -> pd.DataFrame:
    """``m`` (:func:`merged` with ``brackets``) with ``bracket``'s times under the plain
    names (``p_t_op_s`` …), as :func:`protv2g.checks._common.in_bracket` does for the fault
    table; a shallow copy, the bracket's arrays themselves under the plain names (#21:
    ``out[name] = …`` copied each, the checks' peak at 3,000 buses)."""
    times = {}
    for side in ("p", "b"):
        for c in _TIME_COLS:
            col = f"{side}_{bracket_column(c, bracket)}" if c.startswith("t_") else ""
            if col in m.columns:
                times[f"{side}_{c}"] = m[col].to_numpy()
    if m.columns.has_duplicates:
        out = m.copy(deep=False)
        for k, v in times.items():
            out[k] = v
        return out
    data = {c: m[c] for c in m.columns}
    data.update(times)
    return pd.DataFrame(data, index=m.index, copy=False,
                        columns=[*m.columns, *(k for k in times if k not in m.columns)])
