"""Time-based criteria judged on both brackets of the chargers' contribution, the worse kept.

A V2G site's fault current in time is uncertain between two ends (``docs/charger-fault-model.md``
§3): **low** — the stages of its control law at its sustained limit (momentary cessation,
ride-through trips) — and **high** — the same stages at the high end of its sustained limit
(default), or its first-cycle limit held for the whole fault (``faults.high_bracket:
first_cycle_held``). Which end is worse
depends on the criterion and on where the site sits: more infeed speeds up a device downstream
of it and slows one upstream, so a coordination margin can shrink at either end. Each bracket
is a consistent physical case (every device sees the same charger behaviour), so each
time-based criterion is evaluated in both and every finding keeps the worse one, saying which
(``bracket``: ``low``, ``high`` or ``both`` when they agree within
:data:`TOL_S`).

* **Pair criteria** (C1–C4, the coordination table): :func:`pairs_in_brackets` evaluates every
  pair at every fault in each bracket and keeps, per pair, fault and rule, the worse row
  (failing before passing, then the smaller margin) with its ``bracket``; the family functions
  then turn that table into violation rows as before. The low bracket is evaluated only at the
  faults where some device's time differs from the high bracket's
  (:mod:`protv2g.checks.bracket_rows`); elsewhere its rows are the high bracket's (``both``).
* **C6** (sympathetic tripping): its family function runs in each bracket's context
  (:func:`protv2g.checks._common.in_bracket`) and :func:`merge_rows` keeps the worse row of each
  finding (criterion, scenario, fault, device).
* **C9** judges both brackets itself (:func:`protv2g.checks.directional.directional_table`): the
  directional decision is made on the first-cycle phasors (and sealed in), the relay's operate
  time and the clearing time differ by bracket.
* **C5** (reach) judges both brackets itself (:mod:`protv2g.checks.reach_stage`): a
  time-delayed element on the sustained stage of the worse bracket, an instantaneous one on
  the first cycle (``bracket = ""``).
* **Not bracketed**: C7 (duty) reads the first-cycle currents — duty acts in the first cycle;
  C8, C11, C12 do not read fault currents. Their rows carry ``bracket = ""``. C10 reads no
  fault current either, but its island bound takes the chargers' sustained limit at both
  ends itself (:mod:`protv2g.checks.island_window`, the high end deciding): its V2G rows'
  ``bracket`` cell says so in words ("high end 1.2 pu of the sustained limit decided (low
  end 1.1 pu: the same)"), not ``low``/``high``/``both`` — no stage of a fault explains it.

Rows that are not findings (``not_evaluated``, ``not_applicable``) carry ``bracket = ""``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, in_bracket
from protv2g.checks._rows import key_codes
from protv2g.checks.bracket_rows import differing_faults, low_rows, same_rows
from protv2g.checks.coordination import PairTerms, evaluate_pairs
from protv2g.checks.pairs import empty_coordination, in_pair_bracket, merged
from protv2g.criteria import Criterion
from protv2g.violations import STATUS_ORDER, CheckStatus

__all__ = ["BRACKETED", "PAIR_FAMILIES", "SELF_BRACKETED", "TOL_S", "last_bracket_reader",
           "merge_rows", "pairs_in_brackets", "run_family"]

#: Criteria judged on the worse of the two brackets.
BRACKETED = frozenset({"C1", "C2", "C3", "C4", "C6", "C9"})
#: Family modules that read the coordination table (bracketed through it).
PAIR_FAMILIES = frozenset({"coordination", "recloser_fuse"})
#: Family modules that evaluate both brackets themselves.
SELF_BRACKETED = frozenset({"directional"})
#: Margins closer than this (s) count as equal: ``bracket = "both"``.
TOL_S = 1e-6

_COORD_KEY = ["criterion", "check", "scenario", "fault_bus", "fault_type", "case", "primary",
              "backup"]
_ROW_KEY = ["criterion", "scenario", "fault_bus", "fault_type", "case", "device",
            "margin_unit"]
_NOT_FINDINGS = {CheckStatus.NOT_EVALUATED.value, CheckStatus.NOT_APPLICABLE.value}


def _worse(high: pd.DataFrame, low: pd.DataFrame, key: list[str], rank: str,
           margin: str, same: np.ndarray | None = None) -> pd.DataFrame:
    """Per ``key`` (and occurrence within it, in order), the worse of the two brackets' rows:
    the lower ``rank`` (failing before passing), then the smaller ``margin`` (NaN last); with
    ``bracket`` = ``low`` / ``high``, or ``both`` when both rows exist with the same rank and
    margins within :data:`TOL_S`. Rows in the high bracket's order, the low-only ones after.

    ``same`` (mask of ``high``'s rows): rows whose low-bracket row is the high row itself,
    not in ``low`` (:func:`pairs_in_brackets`); each counts as a low row equal to it, which
    the high row wins (``both``)."""
    # decided on the key columns alone, the rows taken once at the end (#21: the whole rows
    # were copied by each assign, the concatenation, the sort and ``head``: ≈ 5 copies of
    # both brackets' coordination tables at the checks stage's peak)
    n_high, n_low = len(high), len(low)
    twin = np.flatnonzero(same) if same is not None else np.zeros(0, dtype=np.intp)

    def both(c: str) -> np.ndarray:  # high's, low's, then the twinned high rows' values
        h = high[c].to_numpy()
        return np.concatenate([h, low[c].to_numpy(), h[twin]])

    group = key_codes([both(c) for c in key])
    # occurrence within the key in its own bracket (``cumcount``), then the group of each
    # (key, occurrence); all on integer codes (#21: a sort and three groupbys on the eight
    # object key columns of both brackets' coordination tables)
    occ = np.concatenate([_cumcount(group[:n_high]), _cumcount(group[n_high:])])
    group = key_codes([group, occ])
    r = both(rank).astype(float)
    m = pd.to_numeric(pd.Series(both(margin)), errors="coerce").to_numpy(float)
    m = np.where(np.isnan(m), np.inf, m)
    is_low = np.arange(len(group)) >= n_high  # "high" < "low"
    order = np.lexsort((is_low, m, r, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else order
    first = order[starts]
    size = np.diff(np.r_[starts, len(g)])
    r_max = np.maximum.reduceat(r[order], starts) if len(g) else r
    m_max = np.maximum.reduceat(m[order], starts) if len(g) else m
    m_min = m[first]
    with np.errstate(invalid="ignore"):
        same = (size == 2) & (r_max == r[first]) & (
            (m_max == m_min) | (np.abs(m_max - m_min) <= TOL_S))
    label = np.where(same, "both", np.where(is_low[first], "low", "high")).astype(object)
    keep = np.argsort(first, kind="stable")
    at, label = first[keep], label[keep]
    del group, occ, r, m, order, g
    # a twinned high row wins its tie: none of them is kept
    assert not (at >= n_high + n_low).any(), "a twinned high row was kept as a low row"
    if len(twin) and not (at >= n_high).any():  # high rows only (no empty low slice's dtypes)
        out = high.iloc[at].reset_index(drop=True)
    elif list(high.columns) == list(low.columns) and list(high.dtypes) == list(low.dtypes):
        # only the kept rows copied, each bracket's apart (#21: both whole tables were
        # concatenated, then taken, assigned and dropped: the checks' peak at 1,000 buses)
        out = pd.concat([high.iloc[at[at < n_high]], low.iloc[at[at >= n_high] - n_high]],
                        ignore_index=True)
    else:  # the concatenation decides the dtypes of the whole tables
        out = pd.concat([high, low], ignore_index=True).iloc[at].reset_index(drop=True)
    out["bracket"] = label
    del out[rank]
    return out


def _cumcount(group: np.ndarray) -> np.ndarray:
    """Occurrence of each row within its group, in row order (``groupby().cumcount()``)."""
    order = np.argsort(group, kind="stable")
    g = group[order]
    start = np.r_[True, g[1:] != g[:-1]] if len(g) else np.zeros(0, dtype=bool)
    pos = np.arange(len(g))
    first = np.maximum.accumulate(np.where(start, pos, 0)) if len(g) else pos
    out = np.empty(len(g), dtype=np.int64)
    out[order] = pos - first
    return out


def pairs_in_brackets(ctx: CheckContext) -> pd.DataFrame:
    """The coordination table (C1–C4) of both brackets, the worse row of each pair, fault and
    rule kept with its ``bracket`` (``COORDINATION_COLUMNS`` + ``bracket``)."""
    if ctx.faults is None:
        return empty_coordination().assign(bracket=pd.Series(dtype=object))
    # one join of pairs × faults and one set of tolerances and data boundaries (they read the
    # first-cycle currents, the same in both brackets); each bracket's times picked from it
    m = merged(ctx, brackets=("high", "low"))
    terms = None if m.empty else PairTerms(ctx, m)
    high = evaluate_pairs(in_bracket(ctx, "high"), in_pair_bracket(m, "high"), terms)
    # the low bracket only at the faults where some device's time differs from the high
    # bracket's, the high bracket's rows standing for it elsewhere (:mod:`.bracket_rows`;
    # #21: at 3,000 buses 99.3 % of the pair rows were the same in both)
    faults = differing_faults(ctx.faults)
    rows = low_rows(m, faults)
    same = None
    if len(rows) == len(m) or (len(rows) == 0 and len(faults)):
        # every row, or no pair row but the fuse → recloser rows of the whole fault table
        # (those a fault neither device clears, :mod:`.recloser_fuse_uncleared`)
        low = evaluate_pairs(in_bracket(ctx, "low"), in_pair_bracket(m, "low"), terms)
    elif len(rows) == 0:  # no time differs: the low bracket's rows are the high ones
        low, same = high.iloc[:0], np.ones(len(high), dtype=bool)
    else:
        sub = m.iloc[rows].reset_index(drop=True)
        low = evaluate_pairs(in_bracket(ctx, "low"), in_pair_bracket(sub, "low"),
                             terms.take(rows, sub), faults)
        # the rows the whole fault table gives (C2's uncleared and lockout rows) made at the
        # faults evaluated only (#21); elsewhere the high bracket's
        low = low[~same_rows(low, faults)].reset_index(drop=True)
        same = same_rows(high, faults)
    del m, terms  # released before the two tables are compared (#21)
    # worse = a finding before a clean row: fail, warn, info (e.g. C2 above the fuse-saving
    # crossover), then ok; anything else last
    order = {CheckStatus.FAIL.value: 0, CheckStatus.WARN.value: 1, CheckStatus.INFO.value: 2,
             CheckStatus.OK.value: 3}
    for t in (high, low):  # fresh tables: the rank added in place, not by a copying assign
        t["_r"] = t["status"].astype(str).map(order).fillna(4).to_numpy()
    return _worse(high, low, _COORD_KEY, "_r", "margin_s", same)


def merge_rows(high: pd.DataFrame, low: pd.DataFrame) -> pd.DataFrame:
    """Violation rows of both brackets, the worse row of each finding kept with its
    ``bracket`` (finding = criterion, scenario, fault, device, margin unit; several rows of
    one finding are paired in order). ``not_evaluated``/``not_applicable`` rows are taken
    from the high bracket with ``bracket = ""``."""
    other = high[high["status"].astype(str).isin(_NOT_FINDINGS)].assign(bracket="")
    hf = high[~high["status"].astype(str).isin(_NOT_FINDINGS)]
    lf = low[~low["status"].astype(str).isin(_NOT_FINDINGS)]
    if hf.empty and lf.empty:
        return other.reset_index(drop=True)

    def ranked(t: pd.DataFrame) -> pd.DataFrame:
        return t.assign(_r=t["status"].astype(str).map(
            lambda x: STATUS_ORDER.get(x, 9)).to_numpy())

    found = _worse(ranked(hf), ranked(lf), _ROW_KEY, "_r", "margin")
    return pd.concat([found, other], ignore_index=True)


def last_bracket_reader(criteria: Iterable[Criterion]) -> str:
    """The id of the last of ``criteria`` (in their order) whose family function runs in
    each bracket's context (:func:`run_family` through :func:`~protv2g.checks._common.
    in_bracket`, reading the per-bracket time columns); ``""`` when none does. The pair
    criteria read them in :func:`pairs_in_brackets`, C9 in its directional table, both
    before the criteria run."""
    ids = [c.id for c in criteria
           if c.id in BRACKETED and c.family not in PAIR_FAMILIES | SELF_BRACKETED]
    return ids[-1] if ids else ""


def run_family(ctx: CheckContext, criterion: Criterion,
               function: Callable[[CheckContext], pd.DataFrame]) -> pd.DataFrame:
    """Violation rows of one criterion's family function, judged as this module says.

    ``ctx`` is the high-bracket context with the bracketed coordination table
    (:func:`pairs_in_brackets`) already in ``ctx.coordination``.
    """
    if criterion.id not in BRACKETED or criterion.family in PAIR_FAMILIES | SELF_BRACKETED:
        # a shallow copy given the one new column (#21: two ``assign``s copied the family's
        # rows twice and consolidated them, C5's 409,682 rows at 10,000 buses: +238 MB)
        rows = function(ctx).copy(deep=False)
        bracket = (rows["bracket"] if "bracket" in rows.columns
                   else pd.Series("", index=rows.index, dtype=object))
        rows["bracket"] = bracket.fillna("").astype(str).to_numpy()
        return rows
    high = function(in_bracket(ctx, "high"))
    low = function(in_bracket(ctx, "low"))
    return merge_rows(high, low)
