"""Attribution against a base twin whose margin is −∞: the failure states compared, not margins.

A row's margin is −∞ where no margin exists — a device that never operates, so no time to
compare (C2's "fault not seen by recloser", "cleared by neither fuse nor recloser", "fuse never
melts: recloser locks out"). Against a base twin at −∞ the margin rule of
:func:`protv2g.checks.attribution.attribute` orders nothing: no V2G row is below −∞, so every
row with such a twin came out ``pre-existing``, whatever it was without V2G.

Review rev35b W3 (IEEE 123, rc67 / f107, SLG-a at 109, 20 Ω min case): without V2G f107
carries 116 A and clears the fault alone — a ``warn`` row "fuse saving: fault not seen by
recloser", margin −∞ (rc67 below its minimum trips); with the homes behind f107 exporting
100 % its current falls to 71–80 A, below its maximum-melt asymptote, and nothing clears
the fault — a ``fail`` row "cleared by neither fuse nor recloser", margin −∞, keyed as the
same fuse-saving rule. The fault left on the feeder is V2G's (re-run without the homes: no
such row), and the attribution said "pre-existing".

**Rule.** Where a row's base twin (:func:`~protv2g.checks.attribution.attribute`'s failing
base row of the same key, its smallest margin) has margin −∞, the row's failure is compared
with the twin's: it is ``new`` — caused by V2G — when it is **absent** from the twin, i.e.

* its status is more severe than the twin's (``fail`` over ``warn`` over ``info``): the base
  case has only a warning at that fault, V2G a failure; or
* equally severe with another ``mechanism`` (both named, :data:`~protv2g.violations.
  VIOLATION_COLUMNS`): a different failure, not the base's made worse.

Otherwise (the same failure, or a milder one) the margin rule stands: ``pre-existing`` (V2G
cannot lower −∞). A finite base twin is compared by margins as before, so no row with a
finite twin changes. The row's message says what its twin was ("without V2G this row is a
warn (…)"), so the reader sees the base state the attribution rests on.

This is domain.md's attribution rule ("caused by V2G: the failure is absent without V2G")
applied where margins cannot express it; the same rule the checks apply themselves where
they know the base state (:mod:`protv2g.checks.recloser_fuse_uncleared` keeps only faults the
pair clears without V2G; :mod:`protv2g.checks.recloser_fuse_base_state`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SEVERITY", "absent_in_twin", "twin_state_texts"]

#: Severity of a finding status (higher: more severe); other statuses are not compared.
SEVERITY = {"info": 1, "warn": 2, "fail": 3}


def _texts(column: pd.Series | None, n: int) -> np.ndarray:
    if column is None:
        return np.full(n, "", dtype=object)
    out = column.astype(object).to_numpy().copy()
    out[pd.isna(out)] = ""
    return out.astype(str).astype(object)


def absent_in_twin(v: pd.DataFrame, twin: np.ndarray, m_base: np.ndarray) -> np.ndarray:
    """``(len(v),)`` bool: the row's failure is absent from its base twin at margin −∞
    (module docstring).

    Parameters
    ----------
    v : DataFrame
        The violation rows (``status``; ``mechanism`` where there is one).
    twin : ndarray of int
        Each row's base twin, a position in ``v`` (``-1``: none, a passing base or no base).
    m_base : ndarray of float
        Each row's base margin (the twin's margin where it has a twin).

    Examples
    --------
    >>> v = pd.DataFrame({"status": ["warn", "fail", "warn", "fail"],
    ...                   "mechanism": ["not seen", "cleared by neither", "not seen", ""]})
    >>> inf = -np.inf
    >>> absent_in_twin(v, np.array([-1, 0, 0, 0]), np.array([np.nan, inf, inf, -1.0])
    ...                ).tolist()
    [False, True, False, False]
    """
    n = len(v)
    at = np.flatnonzero((twin >= 0) & (m_base == -np.inf))
    out = np.zeros(n, dtype=bool)
    if not len(at) or "status" not in v:
        return out
    status = _texts(v["status"], n)
    sev = np.array([SEVERITY.get(s, 0) for s in status.tolist()], dtype=np.int8)
    mech = _texts(v["mechanism"] if "mechanism" in v else None, n)
    t = twin[at]
    mine, theirs = sev[at], sev[t]
    other = (mech[at] != "") & (mech[t] != "") & (mech[at] != mech[t])
    out[at] = (mine > 0) & (theirs > 0) & ((mine > theirs) | ((mine == theirs) & other))
    return out


def twin_state_texts(v: pd.DataFrame, rows: np.ndarray, twin: np.ndarray) -> list[str]:
    """The message suffix of each row ``rows`` made ``new`` by :func:`absent_in_twin`: its
    twin's status and mechanism, and that its own failure is absent without V2G."""
    if not len(rows):
        return []
    n = len(v)
    status = _texts(v["status"], n)
    mech = _texts(v["mechanism"] if "mechanism" in v else None, n)
    out = []
    for r in rows.tolist():
        t = int(twin[r])
        was = f"a {status[t]}" + (f" ({mech[t]})" if mech[t] else "")
        now = f"{status[r]}" + (f" ({mech[r]})" if mech[r] else "")
        out.append(f"; without V2G this row is {was}, its margin −∞ too (the margins "
                   f"compare nothing): this {now} is absent without V2G — caused by V2G")
    return out
