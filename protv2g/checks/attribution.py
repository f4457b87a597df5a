"""Attribution of violation rows to V2G: ``new``, ``worse`` or ``pre-existing`` (#17).

Every row is compared with the same row (:data:`ATTRIBUTION_KEY`: criterion, fault bus, fault
type, case, device, other device, margin unit, rule) of its scenario's **base case** — the
scenario without V2G of the same load level (:func:`base_scenarios`). With ``m_base`` the base
case's margin of that row, ``m_v2g`` the row's own margin and ``tol`` its **tolerance**
(``tolerance`` column, in the margin's unit: the scatter of the device data the margin is made
of, :mod:`protv2g.checks.tolerance`):

* base case **fails** the same row (it is a violation row there too):

  - ``pre-existing`` — ``m_base − m_v2g ≤ tol``: inside that band the change is the devices'
    own scatter, not something V2G can be said to cause; or V2G's part is under
    :data:`MATERIAL_SHARE` (**Share**, below);
  - ``worse`` — ``m_base − m_v2g > tol`` and V2G's part reaches the share.

  **Share** (review s27 §2, EPRI J1: a recloser's delayed curve against an 80K link's total
  clearing near its asymptote, failing by 249.7 s without V2G; V2G moved the link's current by
  ≈ 0.3 % and its time by 4.7 s, and the gate said "made worse by V2G" where the hosting search
  set the row aside): V2G's part must also be material — V2G's worsening is at least 10 % of
  the deficit without V2G and, for a time margin, V2G moves a device's current by more than the
  ±5 % the devices respond to current with (:mod:`protv2g.checks.attribution_share`, the rule
  and its sources).

  **No margin** (review rev35b W3): a base twin at margin −∞ (a device that never operates)
  orders nothing — no row is below it — so its rows are compared by their failure state
  instead: a row whose failure is absent from the twin (a ``fail`` where the twin is a
  ``warn``, or another named ``mechanism`` at the same status) is ``new``
  (:mod:`protv2g.checks.attribution_state`; IEEE 123: f107 clearing a fault alone without
  V2G, "not seen by recloser", and nothing clearing it with the homes exporting).

* base case **passes** the row with a known margin ``m_base ≥ 0`` (``base_margins``: the
  coordination table's C1–C4 margins of every pair, C5's reach of every device at every bus
  of its zones):

  - ``new`` — ``m_base ≥ tol``: the base passes clear of the devices' scatter and V2G makes
    it fail (then ``m_base − m_v2g > tol`` too);
  - ``worse`` — ``m_base < tol`` and ``m_base − m_v2g > tol``: the base is **marginal** (it
    passes by less than the tolerance: the limit is not met with the devices' own scatter
    even without V2G) and V2G lowers the margin by more than that scatter — a material change
    of a problem already there, not one V2G creates (review s20, EPRI ckt5: C5 passing by
    0.0088 × pickup without V2G, inside the relay's ±5 % pickup accuracy of 0.072 × pickup,
    was ``new``);
  - ``pre-existing`` — otherwise (``m_base − m_v2g ≤ tol``): V2G's change is immaterial, inside
    the devices' scatter, and the base is marginal. The row's ``message`` says so ("without
    V2G it passes by X, within the tolerance Y").

  **Materiality**: a V2G change of a margin is material for attribution when it exceeds the
  row's ``tolerance`` — the accuracy of the device data the margin is made of
  (:mod:`protv2g.checks.tolerance`): a relay's or recloser control's pickup accuracy of ±5 %
  for C5 (the start-value accuracy IEC 60255-151:2009 has the maker declare, ±5 % of setting
  in the tool, :data:`protv2g.checks.sensitivity.PICKUP_ACCURACY`; ratio × 5 % in multiples of
  pickup), the timing accuracy class or a fuse's
  published melting range for C1–C4, the C8/C12 materiality thresholds below. C5's separate
  flag of a V2G-caused drop of device current > 10 % (domain.md §4) is a ``warn`` row of its
  own and is not changed by this rule.

  This is domain.md's attribution rule made consistent: a row passing by 0.1 % and failing by
  0.5 % with V2G (a change far inside its tolerance) is not caused by V2G.
* base case has **no such row** and no margin for it — ``new``, the rule as before: the
  criteria whose families write failing rows only (C6–C12: no passing base margin is
  gathered for them, so a base that passes narrowly is not seen), or a row whose key the
  base case does not evaluate; also when the row's base case cannot be resolved (a missing
  base is never taken as "pre-existing"). Except where the check itself knows the base state
  and sets the attribution: C2's backup row whose base case has no row because the fuse does
  not melt there (:mod:`protv2g.checks.recloser_fuse_base_state`: the same failure, worse,
  margin −∞ — ``pre-existing``, review rev32a W1b).
* rows of a base case itself are ``pre-existing``; a row whose check already set its
  attribution (C10's "reclosing not declared" is ``new``: it exists only because V2G sites
  are behind the device) keeps it.

``base_margin`` holds ``m_base`` (NaN where the base case gives none). A row without a
data-derived tolerance is judged against ``max(1e-3, 1 % of |base margin|)`` (a numerical
floor, not a physical band), and its ``tolerance`` column says so by holding that value.

**Floor** (review s23, IEEE 123: C7 "made worse by V2G" on a duty change of 7.3e−12 kA out
of 21,880 kA, its tolerance 0 kA). No row's tolerance is below :func:`tolerance_floor`:
:data:`QUANTITY_REL` (0.1 %) of the size of the quantities the margin is made of,
``|limit| + |m_base|`` (the compared value is ``limit − margin`` or ``limit + margin`` by the
criterion's sign convention, never larger than that sum), and never below
:data:`NUMERICAL_ABS`. 0.1 % because (a) the engine's fault currents agree with OpenDSS to
0.01–0.2 % on IEEE 123 and the DG feeder (review s23, "verified and held"): a smaller change
is inside the calculation's own precision, and solver noise (1e-15 relative,
:mod:`protv2g.significant`) is far below it; (b) prose writes 4 significant digits,
resolving 0.1 % of a value (:data:`protv2g.significant.TEXT_DIGITS`): a smaller change reads
as "does not move" in the trend and as "0.0 %" in the hosting notes, so calling it "made
worse" would contradict both; (c) it stays far below every data accuracy the checks use
(relay pickup ±5 %, :data:`protv2g.checks.sensitivity.PICKUP_ACCURACY`; metering CT 1.2 %,
``checks.loading_change_min_percent``), so no change those tolerances call material is
floored away. The ``tolerance`` column holds the floored value, so every reader (gate
reasons, trend, hosting) compares with the same band.

The base case of each scenario, including those known only by name, is resolved by
:func:`base_scenarios` (:mod:`protv2g.checks.attribution_bases`, re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from itertools import chain

import numpy as np
import pandas as pd

from protv2g.checks._rows import column_at, factorize_all
from protv2g.checks.attribution_bases import base_scenarios
from protv2g.checks.attribution_codes import KeyCodes as _Codes
from protv2g.checks.attribution_codes import ScenarioCodes as _ScenarioCodes
from protv2g.checks.attribution_codes import filled_texts as _filled_texts
from protv2g.checks.attribution_codes import isin_runs as _isin_runs
from protv2g.checks.attribution_materiality import (
    NUMERICAL_ABS,
    QUANTITY_REL,
    fallback_tolerance,
    lowered_beyond,
    marginal_twin,
    passing_twin_codes,
    tolerance_floor,
    twin_tolerance,
    unit_words,
    who_moves,
)
from protv2g.checks.attribution_materiality import under_materiality as _under_materiality
from protv2g.checks.attribution_share import (
    MATERIAL_SHARE,
    TIME_UNIT,
    in_scatter,
    moving_side,
    operating_changes,
    row_times,
    small_share,
    smallest_with_row,
    twin_values,
)
from protv2g.checks.attribution_share_text import current_names, current_texts
from protv2g.checks.attribution_staged import _stage_named, _staged_scatter
from protv2g.checks.attribution_state import absent_in_twin, twin_state_texts
from protv2g.checks.attribution_suffix import suffix_messages
from protv2g.checks.operating_element import ELEMENT_COLUMNS
from protv2g.messages import suffixed_messages

__all__ = ["attribute", "base_scenarios", "ATTRIBUTION_KEY", "BASE_MARGIN_COLUMNS",
           "fallback_tolerance", "tolerance_floor", "twin_tolerance", "QUANTITY_REL",
           "NUMERICAL_ABS", "MATERIAL_SHARE"]

#: Columns that identify "the same row" in the base case. The margin unit and the rule keep
#: apart rows of one device pair judged by different rules (C2 fuse saving and backup; C5
#: reach against pickup and the reduction of reach against the base current).
ATTRIBUTION_KEY = ["criterion", "fault_bus", "fault_type", "case", "device", "other_device",
                   "margin_unit", "rule"]
#: Columns of the ``base_margins`` table of :func:`attribute`.
BASE_MARGIN_COLUMNS = ["scenario", *ATTRIBUTION_KEY, "margin"]


#: The attributions :func:`attribute` sets, by code.
_ATTRIBUTIONS = np.array(["new", "worse", "pre-existing"], dtype=object)


def attribute(violations: pd.DataFrame, base_of: Mapping[str, str],
              base_margins: pd.DataFrame | None = None,
              explained: Callable[[pd.DataFrame, np.ndarray, np.ndarray], np.ndarray] | None
              = None, fuses: Collection[str] = (),
              staged: Callable[..., np.ndarray] | None = None,
              setting: Callable[..., np.ndarray] | None = None) -> pd.DataFrame:
    """Fill ``attribution``, ``base_margin`` (and missing ``tolerance``) by comparing every
    row with its base case (see the module docstring).

    Parameters
    ----------
    violations : DataFrame
        ``VIOLATION_COLUMNS``. A row whose ``attribution`` is already set keeps it.
    base_of : mapping
        Scenario → its base-case scenario (:func:`base_scenarios`; "" = unresolved).
    base_margins : DataFrame, optional
        :data:`BASE_MARGIN_COLUMNS`: margins of rows a criterion evaluated, passing or not
        (only base-case scenarios are read; a key missing a column matches on the others).
        Without it a row the base case does not fail is ``new``.
    explained : callable, optional
        ``explained(v, at, side)`` → bool per row ``at``: the moving device's long time
        (``side``: 0 ``device``, 1 ``other_device``) is a fuse curve's time at its
        first-cycle current, so V2G's change of it may be judged on that current
        (:func:`protv2g.checks.fuse_melt_text.first_cycle_fuse_time`, review s28 §2). Without
        it every time row in the long-time region is taken as such.
    staged : callable, optional
        ``staged(v, at, side, t_base_s, i_base_a)`` → float per row ``at``: the relative
        change, against the base twin, of the current that sets the moving fuse's time where
        ``explained`` says it is not its first-cycle time (a later charger stage's current,
        :func:`protv2g.checks.fuse_melt_text.staged_current_change`, review rev32a W1); NaN
        where not known. With it such a row's current test reads that change (and the other
        device's operating current's) instead of being skipped; without it, or NaN, the row
        is judged on time alone.
    setting : callable, optional
        ``setting(names, elements, t_s, i_a, i_other_a)`` → the current (A) that sets each
        named device's own time (a relay's or recloser's; ``i_other_a`` its other element's
        current), quoted beside the first cycle's in a ``worse`` row's current text, as an
        array or with the curves it is read on
        (:func:`protv2g.checks.relay_setting_current.setting_currents`, review rev46a #2);
        without it the text gives the first cycle's only.
    fuses : collection of str, optional
        The study's fuses: a margin in multiples of pickup of a row whose ``device`` is one
        is said in multiples of its minimum melting current, its C5 pickup
        (:func:`~protv2g.checks.attribution_materiality.unit_words`).

    Returns
    -------
    DataFrame
        A new frame (sharing the unchanged columns with ``violations``) with ``attribution``
        and ``base_margin`` filled; the ``message`` of a row made
        ``pre-existing`` by a marginal base says so.
    """
    # shallow: only whole columns are set below, never written into (#21: a deep copy of
    # the 472,765-row table of the 10,000-bus study was the checks stage's peak)
    v = violations.copy(deep=False)
    if v.empty:
        v = v.drop(columns=[c for c in ELEMENT_COLUMNS if c in v.columns])
        if "base_margin" not in v.columns:
            v["base_margin"] = pd.Series(dtype=float)
        return v
    if "tolerance" not in v.columns:
        v["tolerance"] = np.nan
    # the scenarios and their base cases as codes into one list of names, worked out per
    # distinct scenario (#21: three object comparisons and a factorisation of twice the
    # 472,765 rows at 10,000 buses)
    sc = _ScenarioCodes(v.scenario, base_of)
    is_base = sc.per_row(sc.is_base)
    scen_at, base_at = sc.per_row(sc.own), sc.per_row(sc.base)
    no_base = sc.per_row(sc.base_text == "")
    key = [c for c in ATTRIBUTION_KEY if c in v.columns]
    # each row's key and base-case name against the base-case rows' key and scenario
    codes = {c: _Codes(v[c]) for c in key}
    ref = np.flatnonzero(sc.per_row(sc.own == sc.base))
    bm, n_ref, twin = smallest_with_row(
        len(v), chain(((codes[c].rows, codes[c].rows[ref]) for c in key),
                      [(base_at, scen_at[ref])]),
        pd.to_numeric(v["margin"].iloc[ref], errors="coerce").to_numpy(float))
    had = (n_ref > 0) & ~no_base
    # each row's base twin (the row of the smallest base margin) and how far V2G moves the
    # devices' currents from it (attribution_share: time margins are judged on the current)
    twin = (np.where(had, ref[np.maximum(twin, 0)], -1) if len(ref)
            else np.full(len(v), -1, dtype=np.intp))
    del n_ref
    pm = np.full(len(v), np.nan)  # margin of a passing base row
    sources = [(v, np.flatnonzero(had), twin[had])]
    if base_margins is not None and len(base_margins):
        bk = [c for c in key if c in base_margins.columns]
        bsc = _ScenarioCodes(base_margins.scenario, base_of)
        in_base = np.flatnonzero(bsc.per_row(bsc.base_text == bsc.text))
        pmj, _, pm_row = smallest_with_row(
            len(v), chain(((codes[c].rows, codes[c].of(base_margins[c], in_base, -2))
                           for c in bk), [(base_at, sc.of(bsc.text, -2)[bsc.codes[in_base]])]),
            pd.to_numeric(base_margins["margin"].iloc[in_base], errors="coerce").to_numpy(
                float))
        pm = np.where(had | no_base, np.nan, pmj)
        # a passing base twin's currents and times (review s28 §1: the current test on both
        # branches), where the base-margin table has them (C1–C4's pair rows)
        at = np.flatnonzero(np.isfinite(pm) & (pm_row >= 0))
        sources.append((base_margins, at, in_base[pm_row[at]]))
        del pmj, pm_row
    # each row's base twin's device currents and times: V2G's change of current is judged
    # against the devices' accuracy of response (attribution_share)
    base_iv = twin_values(len(v), sources)
    # each device's operating element's current (review ver31: |3I0| for a relay tripping
    # on 51G), the larger change of the two where the row and its twin differ
    i_change, i_which, i_element = operating_changes(v, base_iv)
    i_largest = i_which  # whose current moved most (the share's and scatter's texts)
    del sources
    # the key columns' codes and the per-row scenario codes, let go before the attribution
    # texts are coded; each per-row temporary below once used (#21: ≈ 20 arrays of the
    # 481,228 rows at 10,000 buses were held to the end, +96 MiB over the rows)
    del codes, sc, scen_at, base_at, ref, no_base
    passed = np.isfinite(pm) & ~is_base
    m_base = np.where(had, bm, pm)
    del bm
    tol = pd.to_numeric(v.tolerance, errors="coerce").to_numpy(dtype=float)
    fill = ~np.isfinite(tol) & (had | passed) & ~is_base
    # never below the floor (module docstring): a change inside it is not V2G's (review s23)
    limit = (pd.to_numeric(v["limit"], errors="coerce").to_numpy(float) if "limit" in v
             else np.zeros(len(v)))
    tol = np.where((had | passed) & ~is_base, twin_tolerance(tol, limit, m_base), tol)
    del limit
    margin = pd.to_numeric(v.margin, errors="coerce").to_numpy(float)
    moved = lowered_beyond(margin, m_base, tol)
    # a base failing the row: V2G's part must also reach MATERIAL_SHARE (module docstring,
    # "Share"; review s27 §2)
    is_time = (_isin_runs(v["margin_unit"].to_numpy(), {TIME_UNIT}) if "margin_unit" in v
               else np.zeros(len(v), dtype=bool))
    t_now = row_times(v)
    side = moving_side(t_now, base_iv)
    scatter = in_scatter(t_now, margin, is_time, i_change, base_iv, side)
    staged_at = np.zeros(0, dtype=np.intp)  # rows judged on a later stage's current (W1)
    if explained is not None:  # a time the charger stages set is not judged on the current
        at = np.flatnonzero(scatter)
        scatter[at] = explained(v, at, side[at])
        if staged is not None:  # ... the first cycle's: on the stage's that sets it (W1)
            i_change, i_largest, staged_at = _staged_scatter(
                v, scatter, staged, explained, (t_now, margin, is_time, base_iv, side),
                i_change, i_largest)
    del t_now
    # a time row names the current of the device whose time moves (review rev29 §6)
    i_which = np.where(is_time & (side >= 0), side, i_which).astype(np.int8)
    del side
    small, by_current = small_share(m_base, margin, scatter)
    small &= had & moved
    is_time_i = is_time & np.isfinite(i_change)
    del is_time
    # codes into _ATTRIBUTIONS, the preset texts by their distinct values (#21: text arrays
    # and comparisons of every row)
    marginal_base = passed & marginal_twin(m_base, tol)
    # a marginal passing base whose V2G change is the devices' response scatter: the same
    # current test as a failing base's (review s28 §1)
    scatter_marginal = marginal_base & moved & scatter
    moved &= ~(small | scatter_marginal)
    del scatter
    # a passing base: new when it passes clear of the tolerance, worse when it is marginal and
    # V2G moves it by more than the tolerance, pre-existing when V2G's change is inside it
    code = np.where(had, np.where(moved, 1, 2),
                    np.where(passed, passing_twin_codes(m_base, moved, tol), 0))
    # a twin at margin −∞ orders nothing: the failure states are compared (review rev35b W3,
    # :mod:`.attribution_state`): a failure absent from the twin is new
    absent = had & ~is_base & absent_in_twin(v, twin, m_base)
    code = np.where(is_base, 2, np.where(absent, 0, code))
    att = _ATTRIBUTIONS[code]
    pre = code == 2
    del code
    if "attribution" in v:
        p_codes, p_text = _filled_texts(v.attribution)
        given = (p_text != "")[p_codes]
        att = np.where(given, p_text[p_codes], att)
        pre = np.where(given, (p_text == "pre-existing")[p_codes], pre)
        del p_codes, given
    absent = np.flatnonzero(absent & ~pre)  # not preset by the check
    absent_texts = twin_state_texts(v, absent, twin)
    # a base margin that fails (a base-margin row with no violation row of its own: C12's
    # unbalance at a site's own bus, its feeder bus's, review rev38b W3) is said to fail
    # ("it fails by X without V2G", :func:`.attribution_materiality.marginal_text`, rev38a M7)
    marginal = np.flatnonzero(passed & ~moved & pre & ~scatter_marginal)
    scattered = np.flatnonzero(scatter_marginal & pre & ~is_base)
    material = np.flatnonzero(
        _under_materiality(v, had & ~moved & pre & ~fill & ~is_base & ~small, margin,
                           m_base))
    shared = np.flatnonzero(small & pre & ~is_base)
    # time rows worse with their currents known: the message names the current that moved
    moved_i = np.flatnonzero(is_time_i & moved & ~pre & ~is_base & (had | marginal_base))
    # worse on a base that passes inside the tolerance: the message says why worse, not new
    # (fix47: residential two sites, C12 0.9473 pu at LAT2-B2 "made worse by V2G" on a base
    # passing by 0.0078 pu, under the 0.0083 pu threshold, and nothing said so)
    worse_m = np.flatnonzero(passed & marginal_base & moved & ~is_base & (att == "worse"))
    del passed, moved, pre, fill, had, small, marginal_base, scatter_marginal
    # the figures the messages read, at their rows only
    change, tol_mat = m_base[material] - margin[material], tol[material]
    base_sh, chg_sh = m_base[shared], m_base[shared] - margin[shared]
    i_sh = np.where(by_current[shared], i_change[shared], np.nan)
    moved_texts = current_texts(v, moved_i, base_iv, i_which, i_element, setting)
    sc_figures = (pm[scattered], tol[scattered], pm[scattered] - margin[scattered],
                  i_change[scattered])
    sh_named = _stage_named(current_names(v, shared[by_current[shared]], i_largest,
                                          i_element), shared[by_current[shared]], staged_at)
    sc_named = _stage_named(current_names(v, scattered, i_largest, i_element), scattered,
                            staged_at)
    del staged_at
    del by_current, i_change, i_which, i_largest, i_element, twin, is_time_i, base_iv
    pm_marg, tol_marg = pm[marginal], tol[marginal]
    chg_marg = pm_marg - margin[marginal]
    worse_figures = (pm[worse_m], pm[worse_m] - margin[worse_m], tol[worse_m])
    del pm, margin
    # the pair rows' element columns read: not part of the violation table
    for c in ELEMENT_COLUMNS:
        if c in v.columns:
            del v[c]
    v["attribution"] = att
    v["tolerance"] = tol
    v["base_margin"] = np.where(is_base, np.nan, m_base)
    del att, tol, m_base, is_base
    if (len(marginal) or len(material) or len(shared) or len(moved_i) or len(scattered)
            or len(absent) or len(worse_m)):
        # the unit's text (``astype(str)``) at the suffixed rows only (#21: the column's
        # 489,286 rows at 10,000 buses written out as text for 27,981 of them)
        # their union, ascending, by one mask (the same positions as nested ``union1d``, which
        # sorted each concatenation: #21, 2 % of the checks at 10,000 buses)
        read = np.zeros(len(v), dtype=bool)
        for part in (material, marginal, shared, scattered, worse_m):
            read[part] = True
        read = np.flatnonzero(read)
        unit = (dict(zip(read.tolist(), map(str, column_at(v["margin_unit"], read).tolist()),
                         strict=True)) if "margin_unit" in v
                else dict.fromkeys(read.tolist(), ""))
        if fuses and "device" in v:
            unit = unit_words(unit, column_at(v["device"], read).tolist(), fuses)
        # each row's suffix written when its message is read (#21: 27,981 rows at 10,000
        # buses, most of them C5's and C12's per-bus rows the grouping then drops,
        # :mod:`.attribution_suffix`); a row of several parts gets each, in this order
        crit = v["criterion"].to_numpy()  # once, not per row (#21)
        # the shared rows judged on the current (a known change) take the names in order,
        # as many as there are (``sh_named``: the rows by ``by_current``, these among them)
        on_current = [""] * len(shared)
        for j, name in zip(np.flatnonzero(i_sh == i_sh).tolist(), sh_named, strict=False):
            on_current[j] = name
        at = np.fromiter(dict.fromkeys(chain(*(x.tolist() for x in (
            material, marginal, worse_m, shared, scattered, moved_i, absent)))),
            dtype=np.intp)
        # V2G, or the sites' charging in a charging snapshot (review rev40b M2): the
        # material and marginal parts' named text
        scen = v["scenario"].to_numpy() if "scenario" in v else None

        def who(rows: np.ndarray) -> list[str]:
            if scen is None:
                return ["V2G"] * len(rows)
            # each distinct scenario's words once (#21: 27,648 rows at 10,000 buses)
            codes, names = factorize_all(scen[rows])
            words = [who_moves(n) for n in names.tolist()]
            return [words[c] for c in codes.tolist()]

        ends = suffix_messages(at, {
            "material": (material, change, tol_mat, who(material)),
            "marginal": (marginal, pm_marg, chg_marg, tol_marg, who(marginal)),
            "worse": (worse_m, *worse_figures, who(worse_m)),
            "shared": (shared, base_sh, chg_sh, i_sh, on_current),
            "scattered": (scattered, *sc_figures, sc_named),
            "moved": (moved_i, moved_texts), "absent": (absent, absent_texts)},
            {k: str(crit[k]) for k in read.tolist()}, unit)
        v["message"] = suffixed_messages(v.message, at, ends)
    return v

