"""A candidate's effects on the findings: what it clears, and what it makes new or worse
(split from :mod:`.evaluator` so that :mod:`.pickup_first` reads them without an import loop
through :mod:`.saving`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.significant import number_text

__all__ = ["_effects", "_worse", "_STATUS_RANK", "margin_text", "new_warnings"]

#: A finding's status rank: an eased status (fail → warn) is not worse for a smaller margin.
_STATUS_RANK = {"warn": 1, "fail": 2}


def margin_text(x: float) -> str:
    """A finding's margin in a recommendation's text: 3 significant digits, positional, the
    minus U+2212 of the Summary and the gate's lines (:func:`protv2g.significant.number_text`;
    ver39b: the DG feeder's trade-off note read "-0.152 → -0.176 s").

    >>> margin_text(-0.15240), margin_text(-12.0)
    ('\u22120.152', '\u221212')
    """
    return number_text(float(x), digits=3)


def _worse(before: float, after: float, tolerance: float = np.nan) -> bool:
    """A finding's worst margin ``after`` a change is worse than ``before``: smaller by more
    than its evidence's tolerance (the scatter by which the checks call a row worse,
    :func:`protv2g.checks.attribution.attribute`), and by more than 1 % or 1 ms/1 mA/… in
    any case (a margin compared with itself, re-computed)."""
    b, a = float(before), float(after)
    if not (np.isfinite(a) and np.isfinite(b)):
        return bool(np.isfinite(b) and not np.isfinite(a) and a < 0)
    tol = float(tolerance) if np.isfinite(tolerance) else 0.0
    return a < b - max(1e-3, 0.01 * abs(b), tol)


def _effects(cur: pd.DataFrame, new: pd.DataFrame, target: str) -> tuple[bool, list[str],
                                                                           list[str]]:
    """(target cleared, titles cleared, side effects) of a candidate."""
    cleared = [str(cur.at[k, "title"]) for k in cur.index if k not in new.index]
    # with its status: a new warning (e.g. a larger link's backup-zone reach, C5) reads
    # otherwise as a new failure (review rev35a T5, EPRI ckt24 F-LAT 25K → 50K)
    side = [f"new: {new.at[k, 'title']} ({new.at[k, 'status']})" for k in new.index
            if k not in cur.index]
    # a finding whose status eased (fail → warn: e.g. the primary-zone rows of C5 cleared,
    # the backup-zone warnings left) is not worse for a smaller margin: the margin is then
    # that of other rows (a ground element on the DG feeder's recloser read "worse: C5")
    worse = [k for k in new.index if k in cur.index and k != target
             and _STATUS_RANK.get(str(new.at[k, "status"]), 2)
             >= _STATUS_RANK.get(str(cur.at[k, "status"]), 2)
             and _worse(cur.at[k, "worst_margin"], new.at[k, "worst_margin"],
                        np.fmax(cur.at[k, "tolerance"], new.at[k, "tolerance"]))]
    side += [f"worse: {new.at[k, 'title']} ({margin_text(cur.at[k, 'worst_margin'])} → "
             f"{margin_text(new.at[k, 'worst_margin'])} {new.at[k, 'margin_unit']})"
             for k in worse]
    # more failing rows in a finding that already failed (its worst margin unchanged)
    side += [f"worse: {new.at[k, 'title']} ({int(cur.at[k, 'n_fail'])} → "
             f"{int(new.at[k, 'n_fail'])} failing evidence rows)"
             for k in new.index if k in cur.index and k != target and k not in worse
             and "n_fail" in new.columns and "n_fail" in cur.columns
             and int(new.at[k, "n_fail"]) > int(cur.at[k, "n_fail"])]
    return target not in new.index, cleared, side


def new_warnings(cur: pd.DataFrame, new: pd.DataFrame, target: str,
                 side: list[str]) -> list[str] | None:
    """The texts of a candidate's side effects when every one is a **warning** — a finding
    that was not active before and is a warning now (``"new warning …"``), or a finding that
    was a warning and stays one with a smaller worst margin (``"warning made worse …"``,
    review rev39a F3: EPRI's DG feeder, a ground element on recloser A clears F01's failure
    and moves the pre-existing C4 warning A/B from −0.152 to −0.176 s; refused outright, the
    obvious fix was never offered) — and nothing else (no new failure, no failing finding
    worse or with more failing rows: ``side`` is :func:`_effects`' list, one entry per
    effect), each with its figures: ``"new warning C5 sensitivity / reach: F-LAT (warn: worst
    margin 1.15 × pickup, limit 1.2, at SLG-a at n284244 (min))"``. None when a side effect is
    anything else, or there is none. The trade :mod:`.finding_search` offers for a failing
    finding no clean candidate clears (review recfix35, EPRI ckt24 F-LAT 25K → 50K).
    """
    added = [k for k in new.index if k not in cur.index and k != target]
    worse = [k for k in new.index if k in cur.index and k != target
             and str(cur.at[k, "status"]) == "warn" == str(new.at[k, "status"])
             and _worse(cur.at[k, "worst_margin"], new.at[k, "worst_margin"],
                        np.fmax(cur.at[k, "tolerance"], new.at[k, "tolerance"]))]
    if not (added or worse) or len(side) != len(added) + len(worse):
        return None  # a failing finding worse, or more failing rows, beside them
    if any(str(new.at[k, "status"]) != "warn" for k in added):
        return None
    out = []
    for k in added:
        r = new.loc[k]
        limit = r.get("limit")
        where = r.get("worst_fault")
        lim = (f", limit {float(limit):.3g}" if limit is not None
               and np.isfinite(pd.to_numeric(limit, errors="coerce")) else "")
        at = f", at {where}" if isinstance(where, str) and where else ""
        out.append(f"new warning {r['title']} (warn: worst margin "
                   f"{margin_text(r['worst_margin'])} {r['margin_unit']}{lim}{at})")
    out += [f"warning made worse {new.at[k, 'title']} (warn: worst margin "
            f"{margin_text(cur.at[k, 'worst_margin'])} → "
            f"{margin_text(new.at[k, 'worst_margin'])} {new.at[k, 'margin_unit']})"
            for k in worse]
    return out
