"""C2 backup rows whose base twin is missing because the fuse does not melt without V2G.

The pair table (:func:`protv2g.checks.pairs.merged`) holds the faults where the primary
operates, and :mod:`protv2g.checks.recloser_fuse_lockout` / :mod:`protv2g.checks.
recloser_fuse_uncleared` deliberately write no row for a **base-case** fault the fuse does not
clear (the fuse's reach: C5's rows). So where the fuse's current without V2G is just below its
minimum (guaranteed) melting current and V2G lifts it just above, the V2G scenario's backup row
(``fuse TC < recloser delayed``: the fuse now melts, minutes later, still after the recloser's
delayed shot) had no base twin, and the attribution called it ``new`` — "caused by V2G" (review
rev32a W1b, EPRI J1 R-MID / F-2PH, SLG-a at b19009 min: 237.7 A without V2G against the 100K
link's 238 A; with V2G 240.5 A, the fuse clearing in ≈ 384 s after R-MID's 2.3 s lockout).

Both states are the same failure — the fuse does not clear before the recloser's delayed
operation, so a permanent lateral fault locks the recloser out — and the base state is the
worse one (no fuse time at all: margin −∞ against the delayed curve). By the attribution rule
(:mod:`protv2g.checks.attribution`: a failing base twin, ``worse`` only when V2G lowers the
margin by more than the tolerance) a V2G row judged against margin −∞ is never ``worse``:
:func:`pre_existing_without_melt` marks it ``pre-existing`` and says in its message what the
base state was.

References
----------
IEEE Std C37.230-2020 §6.4 (the fuse clears a permanent lateral fault before the recloser's
delayed operation); ANSI C37.43 / EEI-NEMA K links (the current at and below which a link need
not melt, :func:`protv2g.checks.fuse_melt_text.guaranteed_melt_a`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext
from protv2g.checks._rows import text_isin
from protv2g.checks.fuse_melt_text import guaranteed_melt_a
from protv2g.checks.recloser_fuse_text import BACKUP, NEVER_MELTS
from protv2g.devices.kinds import kind_of
from protv2g.significant import number_text

__all__ = ["pre_existing_without_melt"]

_KEY = ["fault_bus", "fault_type", "case"]
#: The fault table's clearing-time columns read for "the fuse does not clear" (plain and
#: per bracket, :func:`protv2g.checks._times.bracket_column`).
_TIMES = ("t_clear_s", "t_tc_s", "t_clear_low_s", "t_clear_high_s", "t_tc_low_s",
          "t_tc_high_s")


def _texts(frame: pd.DataFrame, cols: list[str]) -> list[tuple]:
    return list(zip(*(frame[c].astype(str).tolist() for c in cols), strict=True))


def pre_existing_without_melt(ctx: CheckContext, coord: pd.DataFrame, v: pd.DataFrame
                              ) -> pd.DataFrame:
    """``v`` (C2 violation rows) with the V2G backup rows whose base case has no backup row
    because the fuse does not clear there made ``pre-existing`` (module docstring).

    Parameters
    ----------
    ctx : CheckContext
        The checks' context (its fault table: each device's first-cycle phase current
        ``i_phase_a`` (A) and clearing times (s) per scenario and fault).
    coord : DataFrame
        The coordination table (``COORDINATION_COLUMNS``, every bracket).
    v : DataFrame
        The C2 pair violation rows (:func:`protv2g.checks.pairs.pair_violations`).

    Returns
    -------
    DataFrame
        ``v``, a copy where rows changed: ``attribution`` ``"pre-existing"`` and the message
        ending "; without V2G <fuse> is not sure to melt at <I> A (below <I_sure> A, the current
        at which its link surely melts …): <recloser> locks out — the same failure, already
        there without V2G". A row whose attribution is already set is left alone.
    """
    f = ctx.faults
    if v.empty or f is None or f.empty or "device" not in f.columns:
        return v
    role = {n: kind_of(d).role for n, d in ctx.devices.items()}
    scen = v.scenario.astype(str).to_numpy()
    base = np.array([str(ctx.base_of.get(s, "")) for s in scen], dtype=object)
    unit = v.margin_unit.astype(str).to_numpy() if "margin_unit" in v else np.full(len(v), "s")
    rule = v.rule.astype(str).to_numpy() if "rule" in v else np.full(len(v), "")
    given = (v.attribution.astype(str).replace("nan", "").to_numpy() != ""
             if "attribution" in v else np.zeros(len(v), dtype=bool))
    cand = np.flatnonzero(
        (v.criterion.astype(str).to_numpy() == "C2") & (base != "") & (base != scen)
        & (unit == "s") & (rule == "") & ~given
        & np.array([role.get(str(d)) == "recloser" for d in v.device.tolist()])
        & np.array([role.get(str(d)) == "fuse" for d in v.other_device.tolist()]))
    if not len(cand):
        return v
    # the base cases' backup-rule rows of the pairs (any bracket): a twin exists
    c2 = coord[(coord.criterion == "C2") & coord.check.isin([BACKUP, NEVER_MELTS])]
    have = set(_texts(c2, ["scenario", *_KEY, "primary", "backup"]))
    rows = v.iloc[cand]
    keys = [(b, *k) for b, k in zip(base[cand].tolist(),
                                    _texts(rows, [*_KEY, "other_device", "device"]),
                                    strict=True)]
    cand = np.array([c for c, k in zip(cand.tolist(), keys, strict=True) if k not in have],
                    dtype=np.intp)
    if not len(cand):
        return v
    # the base case's fuse and recloser rows of the fault table at those faults
    want = {str(x) for x in v.device.iloc[cand]} | {str(x) for x in v.other_device.iloc[cand]}
    # each distinct device and scenario tested once, not the fault table written out as
    # text row by row (#21, perf42: 0.4-0.6 s of CPU at 3,000 buses, 503,058 rows)
    sub = f[text_isin(f.device, want) & text_isin(f.scenario, set(base[cand].tolist()))]
    times = [c for c in _TIMES if c in sub.columns]
    # the coordination and violation rows name the bus as the fault table's
    # ``fault_bus_name`` (:func:`protv2g.checks.pairs.coordination_rows`)
    bus = "fault_bus_name" if "fault_bus_name" in sub.columns else "fault_bus"
    at = dict(zip(_texts(sub, ["scenario", bus, *_KEY[1:], "device"]), range(len(sub)),
                  strict=True))
    i_ph = sub.i_phase_a.to_numpy(dtype=float)
    t = (np.column_stack([sub[c].to_numpy(dtype=float) for c in times]) if times
         else np.full((len(sub), 1), np.nan))
    att = v.attribution.to_numpy(dtype=object).copy()
    msg = v.message.astype(str).to_numpy(dtype=object).copy()
    changed = False
    for c in cand.tolist():
        r = v.iloc[c]
        k = (base[c], *(str(r[x]) for x in _KEY))
        jf, jr = at.get((*k, str(r.other_device))), at.get((*k, str(r.device)))
        if jf is None or jr is None:
            continue
        i_mm = guaranteed_melt_a(ctx.devices.get(str(r.other_device)))
        clears = (np.isfinite(t[jf]).any() if times
                  else not (np.isfinite(i_mm) and i_ph[jf] <= i_mm))
        if clears:
            continue
        locks = np.isfinite(t[jr]).any()
        state = (f"{r.device} locks out" if locks else
                 f"{r.device} does not trip either: neither clears the fault")
        att[c] = "pre-existing"
        msg[c] = (f"{msg[c]}; without V2G {_not_sure(ctx, str(r.other_device), i_ph[jf], i_mm)}"
                  f": {state} — the same failure (the fuse does not clear before "
                  f"{r.device}'s delayed operation), already there without V2G (no fuse time "
                  "at the maximum-melt end: margin −∞)")
        changed = True
    if not changed:
        return v
    v = v.copy()
    v["attribution"] = att
    v["message"] = msg
    return v


def _not_sure(ctx: CheckContext, fuse: str, i_a: float, i_sure_a: float) -> str:
    """``"FU-LAT2PH is not sure to melt at 236.4 A (below 238 A, the current at which its 100K
    link surely melts: its maximum-melt asymptote; its minimum melting current 200 A)"``, or
    below the minimum melting current ``"… cannot melt at 190 A (below its minimum melting
    current 200 A)"`` (review rev40a M8: "does not melt at 236.4 A (minimum melting 238 A)"
    named the 100K's guaranteed melting current — ANSI C37.43's 300 s range 200–240 A — as
    its minimum)."""
    dev = ctx.devices.get(fuse)
    i_mm = float(getattr(dev, "min_melt_current_a", np.nan)) if dev is not None else np.nan
    link = getattr(getattr(dev, "settings", None), "link", "") if dev is not None else ""
    link = f"{link} " if link else ""
    amps = number_text(i_a, "A")
    if np.isfinite(i_mm) and i_a <= i_mm:
        return (f"{fuse} cannot melt at {amps} (below its minimum melting current "
                f"{number_text(i_mm, 'A')})")
    if not np.isfinite(i_sure_a):
        return f"{fuse} does not clear at {amps}"
    mm = (f"; its minimum melting current {number_text(i_mm, 'A')}" if np.isfinite(i_mm)
          else "")
    return (f"{fuse} is not sure to melt at {amps} (below {number_text(i_sure_a, 'A')}, the "
            f"current at which its {link}link surely melts: its maximum-melt asymptote{mm})")
