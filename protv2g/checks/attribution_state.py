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

from protv2g.checks._rows import column_at

__all__ = ["SEVERITY", "absent_in_twin", "twin_state_texts"]

#: Severity of a finding status (higher: more severe); other statuses are not compared.
SEVERITY = {"info": 1, "warn": 2, "fail": 3}


def _texts(v: pd.DataFrame, column: str, rows: np.ndarray) -> np.ndarray:
    """The texts of ``v[column]`` at positions ``rows`` ("" where missing or no column):
    only those rows read (a categorical's codes taken first, #21)."""
    if column not in v:
        return np.full(len(rows), "", dtype=object)
    out = np.asarray(column_at(v[column], rows), dtype=object)
    return np.array(["" if x is None or x != x else str(x) for x in out.tolist()],
                    dtype=object)


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
    out = np.zeros(len(v), dtype=bool)
    with np.errstate(invalid="ignore"):
        at = np.flatnonzero((twin >= 0) & (m_base == -np.inf))
    if not len(at) or "status" not in v:
        return out
    t = twin[at]
    # only the rows and their twins are read (#21: the 10,000-bus study's 472,765 rows)
    mine, theirs = (np.array([SEVERITY.get(s, 0) for s in _texts(v, "status", x).tolist()])
                    for x in (at, t))
    m_own, m_twin = _texts(v, "mechanism", at), _texts(v, "mechanism", t)
    other = (m_own != "") & (m_twin != "") & (m_own != m_twin)
    out[at] = (mine > 0) & (theirs > 0) & ((mine > theirs) | ((mine == theirs) & other))
    return out


def twin_state_texts(v: pd.DataFrame, rows: np.ndarray, twin: np.ndarray) -> list[str]:
    """The message suffix of each row ``rows`` made ``new`` by :func:`absent_in_twin`: its
    twin's status and mechanism, and that its own failure is absent without V2G."""
    if not len(rows):
        return []
    t = twin[rows]
    texts = [_texts(v, c, x) for c in ("status", "mechanism") for x in (rows, t)]
    out = []
    for s_own, s_twin, m_own, m_twin in zip(*(x.tolist() for x in texts), strict=True):
        was = f"a {s_twin}" + (f" ({m_twin})" if m_twin else "")
        now = s_own + (f" ({m_own})" if m_own else "")
        out.append(f"; without V2G this row is {was}, its margin −∞ too (the margins "
                   f"compare nothing): this {now} is absent without V2G — caused by V2G")
    return out
