"""The status of C2's fuse-saving rows judged on the pair's fuse-saving range
(:mod:`protv2g.checks.fuse_saving_range`), for :mod:`protv2g.checks.recloser_fuse`.

* :func:`_saving_status` — every fuse-saving row's status: its
  :class:`~protv2g.checks.fuse_saving_range.SavingMechanism` against its base twin (the same
  fault without V2G) and the pair's crossover of the fuse's minimum melt with the
  recloser's fast curve × K (``info`` above it where already failing without V2G, ``fail``
  where V2G loses a saved fault);
* :func:`_pair_range` — a pair's range without infeed (phase or ground), worked out once per
  pair, K and kind and shared by both brackets (``ctx.cache``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks._rows import key_codes
from protv2g.checks.fuse_saving_range import (
    base_twin,
    classify,
    is_ground_fault,
    saving_range_a,
    statuses,
)
from protv2g.violations import CheckStatus


def _saving_status(ctx: CheckContext, m: pd.DataFrame, rows: np.ndarray, seen: np.ndarray,
                   margin: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Status of every fuse-saving row of ``m`` (``rows``), aligned with ``m``: its
    :class:`~protv2g.checks.fuse_saving_range.SavingMechanism` against its base twin and
    the pair's crossover (:func:`~protv2g.checks.fuse_saving_range.saving_range_a`)."""
    out = np.full(len(m), CheckStatus.FAIL.value, dtype=object)
    at = np.flatnonzero(rows)
    if not len(at):
        return out
    # the columns read here and by base_twin only (#21: ``m.iloc[at]`` copied every column
    # of the pair table, once per bracket)
    sub = pd.DataFrame({c: m[c].to_numpy()[at] for c in _SUB_COLUMNS if c in m.columns},
                       copy=False)
    high = np.full(len(at), np.nan)
    kk = k[at]
    prim, back = sub.primary.to_numpy(), sub.backup.to_numpy()
    ground = is_ground_fault(sub.fault_type)  # against the ground element's range (review s15)
    # a pair's range depends on its devices and K alone: worked out once for both brackets
    # (``ctx.cache``, shared by :func:`~protv2g.checks._common.in_bracket`); each pair's rows
    # by its code, not by comparing the names of every row per pair (#21)
    pair = key_codes([prim, back])
    order = np.argsort(pair, kind="stable")  # each pair's rows, in row order
    ends = np.flatnonzero(np.diff(pair[order])) + 1
    for here in np.split(order, ends) if len(order) else []:
        k_pair = kk[here][np.isfinite(kk[here])]
        if len(k_pair):
            p, b = prim[here[0]], back[here[0]]
            for g in (False, True):
                high[here[ground[here] == g]] = _pair_range(ctx, b, p, float(k_pair[0]), g)[1]
    twin = base_twin(sub, ctx.base_of)
    mech = classify(np.where(seen[at], margin[at], -np.inf), seen[at],
                    sub.p_i_phase_a.to_numpy(dtype=float), high, twin)
    out[at] = statuses(mech)  # "ok" exactly where coordination_rows finds the rule met
    return out


def _pair_range(ctx: CheckContext, recloser: str, fuse: str, k: float, ground: bool
                ) -> tuple[float, float]:
    """:func:`~protv2g.checks.fuse_saving_range.saving_range_a` of a pair without infeed
    (the phase or ``ground`` range), worked out once per pair, K and kind (``ctx.cache``: a
    pair's range depends on its devices and K alone, shared by both brackets of
    :func:`~protv2g.checks._common.in_bracket`)."""
    ranges = ctx.cache.setdefault("saving ranges", {})
    key = (recloser, fuse, float(k), bool(ground))
    if key not in ranges:
        ranges[key] = saving_range_a(ctx.devices[recloser], ctx.devices[fuse], key[2],
                                     ground=key[3])
    return ranges[key]


#: Columns of the pair table :func:`_saving_status` reads (base_twin's keys included).
_SUB_COLUMNS = ("scenario", "fault_bus", "fault_type", "case", "primary", "backup",
                "p_i_phase_a")
