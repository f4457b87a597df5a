"""C2 where neither device of a fuse–recloser pair clears a fault (review rev29 §5).

The pair table (:func:`protv2g.checks.pairs.merged`) holds the faults where the primary
operates: every pair rule reads its time. A lateral fault that the fuse does not melt for and
the recloser does not trip for (IEEE 123, R-67 over the 40K link F-73 with home chargers behind
it: a 20 Ω SLG fault carries 51–72 A through F-73, below the 95 A at which the link surely
melts, and 3I0 51–72 A through R-67, below its 100 A ground minimum trip) had no C2 row at all:
only C5 said "F-73 sees 72 A … 0.90 × pickup", and C2 fell silent exactly where both fuse
saving and the fuse's backup are lost.

:func:`uncleared_pairs` finds those faults, bracket by bracket (the context's own times),
among :func:`fuse_not_clearing`'s rows (every condition below but the recloser's and the base
case's; those where the recloser does clear, locking out, are
:mod:`protv2g.checks.recloser_fuse_lockout`'s):

* a fuse → recloser pair of the study (the pair rows C2 judges: both devices modelled, the
  fault in the fuse's own zone, :func:`protv2g.checks.beyond_transformer.split_pairs`);
* the fuse does not clear (no finite total-clearing nor clearing time over the fault's
  stages) and the recloser does not either (no finite clearing time: no element reaches
  its minimum trip for long enough);
* no device nearer the fault than the recloser on the substation's path clears it (another
  fuse nearer the fault, or between the fuse and the recloser, ends the fault: the pair's
  race never happens, as :func:`protv2g.checks.pairs.cleared_nearer` says for the rows of the
  pair table);
* without V2G the pair clears it (:func:`_cleared_without_v2g`): a fault neither device
  clears in the base case either is the devices' reach, pre-existing, which C5 reports.

:func:`protv2g.checks.recloser_fuse.fuse_recloser_rows` makes each a failing C2 coordination
row (check :data:`~protv2g.checks.recloser_fuse_text.NOT_CLEARED`, mechanism
:data:`NOT_CLEARED_MECHANISM`): margin −∞ (no time of either device exists, so no margin in
seconds does: the attribution reads −∞ as "no margin left" and never as a pass), keyed as the
fuse-saving rule (``fuse_saving_k``) where the recloser has fast shots, so its twin without
V2G is the pair's fuse-saving row (a fault saved without V2G and cleared by neither with it
is caused by V2G), as the "not seen" row (review rev29 §1).

References
----------
IEEE Std C37.230-2020 §6.4 (recloser–fuse coordination: fuse saving and the fuse's backup);
ANSI C37.43 / EEI-NEMA K and T links (the melting current below which a link need not melt,
:func:`protv2g.checks.fuse_melt_text.guaranteed_melt_a`).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, from_substation
from protv2g.checks._keys import FaultKeys, fault_keys, keys_of
from protv2g.checks._rows import column_at, key_codes
from protv2g.checks.beyond_transformer import split_pairs
from protv2g.checks.bracket_rows import at_faults
from protv2g.devices.kinds import kind_of
from protv2g.topology import Direction

__all__ = ["NOT_CLEARED_MECHANISM", "TIME_COLUMNS", "UNCLEARED_COLUMNS", "fuse_not_clearing",
           "uncleared_pairs"]

#: The violation row's ``mechanism`` of a fault neither device of the pair clears (its own
#: finding, apart from the fuse-saving mechanisms of
#: :class:`protv2g.checks.fuse_saving_range.SavingMechanism`).
NOT_CLEARED_MECHANISM: Final = "cleared by neither fuse nor recloser"

_KEYS = ["scenario", "fault_bus", "fault_type", "case"]
#: Columns of :func:`uncleared_pairs` (those :func:`protv2g.checks.pairs.coordination_rows`
#: reads of a pair table, with the same names).
UNCLEARED_COLUMNS = [*_KEYS, "p_fault_bus_name", "primary", "backup", "p_i_phase_a",
                     "p_i_ground_a", "b_i_phase_a", "b_i_ground_a"]
#: The devices' times :func:`fuse_not_clearing` adds (s; the fault table's columns of the
#: fuse, ``p_``, and of the recloser, ``b_``).
TIME_COLUMNS = ["p_t_mm_s", "b_t_clear_s", "b_t_delayed_s", "b_t_fast_s"]
_CACHE_KEY = "fuse-recloser pairs"


def _fuse_recloser_pairs(ctx: CheckContext) -> pd.DataFrame:
    """``fault_bus, primary, backup`` of the pairs of a fuse (primary) and a recloser
    (backup) that C2 judges (both devices modelled; in the fuse's own zone); once per
    context."""
    if _CACHE_KEY not in ctx.cache:
        pairs, _ = split_pairs(ctx)
        role = {n: kind_of(d).role for n, d in ctx.devices.items()}
        p = pairs.primary.map(role).to_numpy()
        b = pairs.backup.map(role).to_numpy()
        ctx.cache[_CACHE_KEY] = pairs.loc[(p == "fuse") & (b == "recloser"),
                                          ["fault_bus", "primary", "backup"]
                                          ].drop_duplicates().reset_index(drop=True)
    return ctx.cache[_CACHE_KEY]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c in UNCLEARED_COLUMNS else float)
                         for c in (*UNCLEARED_COLUMNS, *TIME_COLUMNS)})


def fuse_not_clearing(ctx: CheckContext, faults: pd.DataFrame | None = None) -> pd.DataFrame:
    """The faults of every fuse → recloser pair the fuse does not clear and no device nearer
    the fault than the recloser clears (module docstring), whether the recloser clears them
    or not: :func:`uncleared_pairs` keeps those it does not clear, :mod:`protv2g.checks.
    recloser_fuse_lockout` those it clears by locking out.

    Parameters
    ----------
    ctx : CheckContext
        In the bracket to evaluate (its times under the plain names,
        :func:`protv2g.checks._common.in_bracket`).
    faults : DataFrame, optional
        Only the rows at these faults (:func:`protv2g.checks.bracket_rows.differing_faults`:
        the low bracket's; #21, the rows at every fault were made, then cut to these): a
        row reads its own fault's rows only, so they are the same rows, in the same order.

    Returns
    -------
    DataFrame
        :data:`UNCLEARED_COLUMNS` and :data:`TIME_COLUMNS`, one row per pair and fault: the
        fault's keys and bus name, the fuse (``primary``) and the recloser (``backup``), each
        device's first-cycle largest phase current and 3I0 (A), as the pair table holds them;
        the fuse's staged minimum melt (``p_t_mm_s``, s; ``inf`` where it does not melt), the
        recloser's clearing (``b_t_clear_s``: its longest shot, ``inf`` where it does not
        trip), delayed and fast shots (s). Found on the fault table's integer codes
        (:mod:`protv2g.checks._keys`; #21: at 10,000 buses 115,405 fuse rows do not clear,
        13,554 of them with the recloser not clearing either, 664 with it locking out).
    """
    f = ctx.faults
    if f is None or f.empty:
        return _empty()
    pairs = _fuse_recloser_pairs(ctx)
    k = keys_of(ctx) or fault_keys(f)
    if pairs.empty or k is None:  # no codes: a hand-built table with repeated rows
        return _empty()
    code_p, code_b = k.device_codes(pairs.primary), k.device_codes(pairs.backup)
    known = (code_p >= 0) & (code_b >= 0)
    pairs, code_p, code_b = pairs[known].reset_index(drop=True), code_p[known], code_b[known]
    t_clear = f.t_clear_s.to_numpy(dtype=float)
    t_tc = f.t_tc_s.to_numpy(dtype=float) if "t_tc_s" in f.columns else t_clear
    rows = np.flatnonzero(np.isin(k.device, np.unique(code_p)) & ~np.isfinite(t_clear)
                          & ~np.isfinite(t_tc))
    if faults is not None and len(rows):
        rows = rows[at_faults(column_at(f.fault_bus_name, rows),
                              [column_at(f[c], rows) for c in ("fault_type", "case")], faults)]
    if not len(rows) or pairs.empty:
        return _empty()
    bus = f.fault_bus.to_numpy()
    # each fuse row's pairs at its bus (a join on one integer per (bus, device))
    j = pd.DataFrame({"_k": k.place(bus[rows], k.device[rows]), "_r": rows}).merge(
        pd.DataFrame({"_k": k.place(pairs.fault_bus.to_numpy(), code_p),
                      "_p": np.arange(len(pairs))}), on="_k")
    rows, pair = j["_r"].to_numpy(), j["_p"].to_numpy()
    b_rows = k.rows_of(k.fault[rows], code_b[pair])
    keep = b_rows >= 0
    rows, pair, b_rows = rows[keep], pair[keep], b_rows[keep]
    # a device nearer the fault than the recloser that clears it ends the fault
    ended = _cleared_nearer(ctx, k, pairs, code_b, rows, pair, t_clear)
    rows, pair, b_rows = rows[~ended], pair[~ended], b_rows[~ended]
    if not len(rows):
        return _empty()
    out = {c: column_at(f[c], rows) for c in _KEYS}
    out["p_fault_bus_name"] = column_at(f.fault_bus_name, rows)
    out["primary"] = pairs.primary.to_numpy()[pair]
    out["backup"] = pairs.backup.to_numpy()[pair]
    for side, at in (("p", rows), ("b", b_rows)):
        for c in ("i_phase_a", "i_ground_a"):
            out[f"{side}_{c}"] = f[c].to_numpy(dtype=float)[at]
    for c in TIME_COLUMNS:
        src = c[2:]
        at = rows if c.startswith("p_") else b_rows
        out[c] = (f[src].to_numpy(dtype=float)[at] if src in f.columns
                  else np.full(len(rows), np.nan))
    return pd.DataFrame(out, columns=[*UNCLEARED_COLUMNS, *TIME_COLUMNS])


def uncleared_pairs(ctx: CheckContext, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The faults of every fuse → recloser pair that neither device clears (module docstring).

    Parameters
    ----------
    ctx : CheckContext
        In the bracket to evaluate (its times under the plain names,
        :func:`protv2g.checks._common.in_bracket`).
    rows : DataFrame, optional
        :func:`fuse_not_clearing` of ``ctx``, when the caller has it.

    Returns
    -------
    DataFrame
        :func:`fuse_not_clearing`'s rows where the recloser does not clear either (no finite
        clearing time) and the pair clears the fault without V2G (:func:`_cleared_without_v2g`).
    """
    u = fuse_not_clearing(ctx) if rows is None else rows
    if u.empty:
        return u
    u = u[~np.isfinite(u.b_t_clear_s.to_numpy(dtype=float))].reset_index(drop=True)
    return _cleared_without_v2g(ctx, u)


def _cleared_without_v2g(ctx: CheckContext, u: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``u`` whose fault the pair clears without V2G: a V2G scenario's row whose
    twin in its base case (same fault, fault type, case and pair) is not itself uncleared.
    A fault neither device clears without V2G either is the devices' reach, pre-existing,
    which C5 reports row by row (:mod:`protv2g.checks.sensitivity`); a C2 row for it too
    repeated C5's (the 10,000-bus synthetic study: 13,554 rows per bracket, 4,526 of them in
    the base case, +27,108 violation rows and the workbook's peak over 1 GB). A scenario
    without a resolved base case keeps its rows."""
    if u.empty:
        return u
    scen = u.scenario.astype(str).to_numpy()
    base = np.array([str(ctx.base_of.get(x, "")) for x in scen], dtype=object)
    where = ["fault_bus", "fault_type", "case", "primary", "backup"]
    # each row's key and its base twin's as one integer, coded together (#21: two
    # MultiIndexes of six text levels, 13,554 rows a bracket at 10,000 buses)
    code = key_codes([np.concatenate([scen, base])] + [np.tile(
        u[c].astype(str).to_numpy(), 2) for c in where])
    own, twin = code[:len(u)], code[len(u):]
    keep = (base != scen) & ((base == "") | ~np.isin(twin, own))
    return u[keep].reset_index(drop=True)


def _cleared_nearer(ctx: CheckContext, k: FaultKeys, pairs: pd.DataFrame, code_b: np.ndarray,
                    rows: np.ndarray, pair: np.ndarray, t_clear: np.ndarray) -> np.ndarray:
    """``(len(rows),)`` whether a device nearer the fault than the pair's recloser (on the
    substation's forward path at the pair's bus, :func:`_nearer_devices`) clears the fault of
    each fuse row ``rows`` (a finite clearing time at the same fault)."""
    near_pair, near_code = _nearer_devices(ctx, k, pairs, code_b)
    if not len(near_code) or not len(rows):
        return np.zeros(len(rows), dtype=bool)
    order = np.argsort(near_pair, kind="stable")
    near_pair, near_code = near_pair[order], near_code[order]
    start = np.searchsorted(near_pair, np.arange(len(pairs)))
    count = np.searchsorted(near_pair, np.arange(len(pairs)), side="right") - start
    n = count[pair]
    owner = np.repeat(np.arange(len(rows)), n)
    # the position of each (row, nearer device) among the nearer devices of its pair
    first = np.repeat(start[pair] - np.cumsum(n) + n, n)
    at = first + np.arange(owner.size)
    found = k.rows_of(k.fault[rows][owner], near_code[at])
    clears = np.zeros(owner.size, dtype=bool)
    clears[found >= 0] = np.isfinite(t_clear[found[found >= 0]])
    return np.bincount(owner[clears], minlength=len(rows)) > 0


def _nearer_devices(ctx: CheckContext, k: FaultKeys, pairs: pd.DataFrame, code_b: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``(pair index, device code)`` of every device nearer the fault than each pair's
    recloser on the substation's forward paths at the pair's bus (the fuse included; a
    recloser off those paths: every device on them at the bus)."""
    ch = ctx.chains
    ch = ch[ch.fault_bus.isin(pairs.fault_bus.unique()).to_numpy()]
    ch = ch[from_substation(ch) & (ch.direction == Direction.FORWARD.value).to_numpy()]
    path = pd.DataFrame({"fault_bus": ch.fault_bus.to_numpy(),
                         "_d": k.device_codes(ch.device), "_o": ch.order.to_numpy(float)})
    path = path[path._d >= 0]
    at = pd.DataFrame({"fault_bus": pairs.fault_bus.to_numpy(), "_p": np.arange(len(pairs)),
                       "_b": code_b})
    mine = at.merge(path.rename(columns={"_d": "_b", "_o": "_ob"}), how="left",
                    on=["fault_bus", "_b"]).groupby("_p")["_ob"].min()
    j = at.merge(path, on="fault_bus")
    ob = mine.reindex(j._p.to_numpy()).to_numpy()
    with np.errstate(invalid="ignore"):
        near = np.isnan(ob) | (j._o.to_numpy() < ob)
    near &= j._d.to_numpy() != j._b.to_numpy()
    return j._p.to_numpy()[near], j._d.to_numpy()[near].astype(np.int64)
