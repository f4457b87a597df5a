"""C1 relay–relay, C3 fuse–fuse, C4 relay–recloser coordination, and the pair table.

Every primary/backup pair of the feeder graph (:func:`protv2g.topology.primary_backup_pairs`)
is evaluated at every fault bus where it is a pair (the buses and the close-in position just
past every device, :mod:`protv2g.network.fault_positions`), for every scenario, fault type
and case, each device at *its own* current (with V2G between two devices they see different
currents). :func:`evaluate_pairs` returns one row per (pair, fault, check) — the report's
"Coordination" sheet — and the criterion modules turn the failing rows into violations
(C1, C3 and C4: :func:`check_coordination`, its rows' words from
:mod:`protv2g.checks.coordination_violations`, re-exported here).

Rules (published values looked up per pair, :mod:`protv2g.checks.rule_values`; the study
file's ``checks`` overrides them):

==========  =====================  ===================================================
criterion   pair (primary→backup)  margin (s), violation when < 0
==========  =====================  ===================================================
C1          relay→relay            ``t_backup − t_primary − CTI(relay-relay)``
C1          fuse→relay             ``t_relay − TC_fuse − CTI(relay-fuse)``
C2          fuse→recloser          fuse saving and backup, :mod:`.recloser_fuse`
C2          recloser→fuse          fuse on the source side: ``MM − f·t_delayed``,
                                   :mod:`.recloser_fuse`
C3          fuse→fuse              ``ratio·MM_backup − TC_primary`` (ratio 0.75); two
                                   IEC 60269 gG links at a current ≥ the protecting
                                   link's Imax(0.1 s): by I²t instead,
                                   :mod:`.fuse_gg_i2t` (margin ``I²t ratio − 1``, a
                                   fraction)
C3          relay→fuse             ``ratio·MM_fuse − t_primary``
C4          recloser→relay         ``t_relay − t_longest_shot − CTI(relay-recloser)``
                                   (every shot; with electromechanical reset the relay's
                                   travel accumulates over the sequence and must stay
                                   below 1)
C4          relay→recloser         ``t_delayed_backup − t_primary − CTI(relay-relay)``
                                   (the downstream relay's breaker time counts)
C4          recloser→recloser      ``t_delayed_backup − t_longest_shot − CTI`` with the
                                   relay-recloser interval of an electronic control
==========  =====================  ===================================================

CTI(relay-relay) = 0.20 s numerical / 0.30 s electromechanical; CTI(relay-fuse) and
CTI(relay-recloser) = 0.12 s / 0.22 s (downstream times are clearing times, no breaker
time); ``checks.relay_technology`` says which. Every row carries its tolerance (the
root-sum-square of both devices' timing tolerances at their currents,
:mod:`protv2g.checks.tolerance`), the rule value and source, and its data boundary.

A fuse's TC as the primary's time (C1 fuse→relay, C3 fuse→fuse, C2's fuse backup) is the high
end of the link's EEI-NEMA band (maximum melt + arcing: the conservative end, the verdict);
each such row also gives the band's low end (``t_primary_band_low_s``: minimum melt +
arcing), and a failing row that holds there is flagged ``<fuse> tc: curve_band``
(:func:`protv2g.checks.tolerance.with_curve_band`): its verdict rests on the fuse curve band.
The two devices' tolerances, boundaries and operating elements per row are
:class:`~protv2g.checks.pair_terms.PairTerms`' (re-exported here).

A pair is judged only at the faults where its primary operates (domain.md C1: "at every fault
both see"; an interval needs the primary's time). A primary that does not operate for a fault of
its own zone — its backup clears it alone, taking out everything behind the backup — is not
dropped silently: it is a reach failure, and C5 judges every fault of each device's zone, its
own close-in fault included, failing below 1.5 × pickup, so at every zone fault where the
device does not operate at all; that C5 row names the backup that clears alone and when
(:mod:`protv2g.checks.reach_alone`). It is C5's and not a failing C1 row as well: one fact, one
finding, and a C1 row would need a margin where there is no interval (review rev37a F8, EPRI
ckt5: F-DEPOT 140K for a 20 Ω fault at its own terminal). Faults outside the primary's zone,
where it need not operate, stay out of both.

References
----------
IEEE Std 242-2001 (Buff Book) §15 (coordination time intervals and their components);
IEEE Std C37.230-2020 §6 (feeder relay, recloser and fuse coordination);
Cooper Power Systems, *Electrical Distribution-System Protection* (1990), §4 (fuse–fuse 75 %
rule; relay–recloser coordination with reset).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks import ground_limited as by_design
from protv2g.checks._common import CheckContext, concat, unevaluable
from protv2g.checks.beyond_transformer import transformer_rows
from protv2g.checks.coordination_violations import (
    FAST_SHOT_CHECK,
    PAIR_KINDS,
    _mechanism,
    _message,
    not_applicable_rows,
)
from protv2g.checks.fuse_gg_i2t import (
    I2T_CHECK,
    I2T_RULE,
    I2T_RULE_SOURCE,
    gg_i2t_terms,
)
from protv2g.checks.operating_element import ELEMENT_COLUMNS, ELEMENT_DTYPE
from protv2g.checks.pair_rows import row_margins
from protv2g.checks.pair_terms import PairTerms
from protv2g.checks.pairs import (
    COORDINATION_COLUMNS,
    backup_absent,
    backup_blocked,
    concat_rows,
    coordination_rows,
    empty_coordination,
    merged,
    pair_criteria,
    pair_violations,
)
from protv2g.checks.recloser_fuse import fuse_recloser_rows, source_side_rows
from protv2g.checks.rule_values import fuse_ratio, interval
from protv2g.checks.tolerance import (
    PRIMARY_TIME,
    fuse_tc_band_low_s,
    rss,
    with_curve_band,
)
from protv2g.criteria import MarginUnit
from protv2g.devices.kinds import kind_of
from protv2g.devices.rules import DevicePair
from protv2g.violations import CheckStatus

__all__ = ["COORDINATION_COLUMNS", "evaluate_pairs", "check_coordination", "not_applicable_rows",
           "PairTerms", "pair_margins", "FAST_SHOT_CHECK", "PAIR_KINDS"]


def _em_travel(ctx: CheckContext, m: pd.DataFrame, sel: np.ndarray) -> np.ndarray:
    """Largest travel (fraction of a trip) of an electromechanical-reset relay backing up a
    recloser over the recloser's whole sequence (nan where not applicable)."""
    out = np.full(len(m), np.nan)
    prim, back = m.primary.to_numpy(), m.backup.to_numpy()
    # the qualifying pairs found first, their rows taken by position (#21: ``m[sel]`` copied
    # every column of the pair table to group it, for pairs that mostly do not qualify)
    pairs = set(zip(prim[sel].tolist(), back[sel].tolist(), strict=True))
    for rc_name, relay_name in sorted(pairs):
        relay, rc = ctx.devices[relay_name], ctx.devices[rc_name]
        if not (kind_of(relay).role == "relay" and kind_of(rc).role == "recloser"
                and getattr(relay.settings, "reset", None) == "electromechanical"):
            continue
        at = np.flatnonzero(sel & (prim == rc_name) & (back == relay_name))
        shots = rc.shot_times_s(m.p_i_phase_a.to_numpy()[at], m.p_i_ground_a.to_numpy()[at])
        t_relay = m.b_t_op_s.to_numpy()[at]
        t_reset_full = float(relay.reset_time_s(0.0))
        travel = np.zeros(len(at))
        peak = np.zeros(len(at))
        intervals = rc.settings.reclose_intervals_s
        for k in range(shots.shape[0]):
            with np.errstate(divide="ignore", invalid="ignore"):
                travel = travel + np.where(np.isfinite(shots[k]), shots[k] / t_relay, 0.0)
            peak = np.maximum(peak, travel)
            if k < len(intervals):
                travel = np.maximum(travel - intervals[k] / t_reset_full, 0.0)
        out[at] = peak
    return out


def _pick_text(cond: np.ndarray, yes: str, no: str) -> np.ndarray:
    """``np.where(cond, yes, no)`` for texts as an object array of the two strings (#21:
    ``np.where`` on strings makes a fixed-width ``<U`` array, 4 bytes per character per row —
    a rule source of ≈ 300 characters took 280 MiB for the 245,000 pair rows of 3,000 buses,
    and pandas then made a new string per row)."""
    return np.array([no, yes], dtype=object)[np.asarray(cond, dtype=np.intp)]


def evaluate_pairs(ctx: CheckContext, m: pd.DataFrame | None = None,
                   terms: PairTerms | None = None,
                   faults: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every primary/backup pair at every fault where the primary operates (where it does not,
    in its zone, C5 fails and names the backup clearing alone: module docstring).

    Parameters
    ----------
    ctx : CheckContext
        In the bracket to evaluate (:func:`protv2g.checks._common.in_bracket`).
    m : DataFrame, optional
        :func:`protv2g.checks.pairs.merged` of ``ctx`` (computed when not given).
    terms : PairTerms, optional
        Tolerances and data boundaries of ``m``'s rows; they depend on the currents only,
        so both brackets share them (:func:`protv2g.checks.brackets.pairs_in_brackets`).
    faults : DataFrame, optional
        The rows C2 makes of the whole fault table (the faults neither a fuse nor its
        recloser clears, the lockouts) only at these faults
        (:func:`protv2g.checks.bracket_rows.differing_faults`: the low bracket's, whose
        pair rows ``m`` are at them); every fault without it.

    Returns
    -------
    DataFrame
        ``COORDINATION_COLUMNS``; ``margin_s`` in seconds (negative = miscoordination),
        ``required_s`` the CTI or 0 for rules whose margin already contains the limit.
    """
    m = merged(ctx) if m is None else m
    if m.empty:
        return empty_coordination()
    terms = PairTerms(ctx, m) if terms is None else terms
    pk, bk = m.p_kind.to_numpy(), m.b_kind.to_numpy()
    relay, rc, fuse = "relay", "recloser", "fuse"  # coordination roles (devices.kinds)
    p_clear = m.p_t_clear_s.to_numpy(dtype=float)
    p_tc = m.p_t_tc_s.to_numpy(dtype=float)
    b_op = m.b_t_op_s.to_numpy(dtype=float)
    operates = np.isfinite(p_clear)
    rr, rf = interval(ctx, DevicePair.RELAY_RELAY), interval(ctx, DevicePair.RELAY_FUSE)
    rrc = interval(ctx, DevicePair.RELAY_RECLOSER)
    rrc_electronic = interval(ctx, DevicePair.RELAY_RECLOSER, "numerical")
    ratio = fuse_ratio(ctx)
    # the primary fuse's TC band: its low end where the primary is a fuse (nan otherwise)
    p_low = primary_tc_band_low_s(ctx, m, pk == fuse)
    frames = []
    with np.errstate(invalid="ignore"):
        # C1 relay→relay and fuse→relay, each with its interval
        cti = np.where(pk == fuse, rf.value, rr.value)
        src = _pick_text(pk == fuse, rf.source, rr.source)
        sel = operates & (bk == relay) & ((pk == relay) | (pk == fuse))
        tol, bnd = terms.both(PRIMARY_TIME, "op")
        # a backup relay whose directional control holds it back: no backup, never a pass
        # (margin −∞, as C2's uncleared rows; review rev41a W2)
        no_backup = backup_blocked(ctx, m, b_op)
        margin = np.where(no_backup, -np.inf, b_op - p_clear - cti)
        elements = terms.elements(PRIMARY_TIME, "op")
        # a fuse the feeder's grounding keeps from clearing ground faults: by design, info
        # (:mod:`.ground_limited`, review rev44b M2)
        limited = by_design.ground_limited(ctx, m, sel, margin, elements[1], p_clear)
        # a backup that does not operate at a fault of its zone: no backup, warn, margin −∞
        # (:mod:`.lost_backup`, review ver45: "ok" with the backup "never")
        lost = backup_absent(ctx, m, sel, b_op, no_backup)
        margin = np.where(lost, -np.inf, margin)
        frames.append(coordination_rows(
            m, sel, "C1", "backup relay after primary + CTI", p_clear, b_op,
            margin, cti, tolerance=tol, rule="coordination_interval",
            rule_value=cti, rule_source=src,
            # no backup (held back, or never operating) stays so at any point of the primary
            # fuse's band: the band cannot flip the row (review ver46 #1)
            boundary=with_curve_band(bnd, m.primary.to_numpy(), margin,
                                     np.where(lost | no_backup, -np.inf, b_op - p_low - cti)),
            fail_status=np.select([limited, lost], [CheckStatus.INFO.value,
                                                    CheckStatus.WARN.value],
                                  CheckStatus.FAIL.value).astype(object),
            t_primary_low=p_low, elements=elements))
        # C3 fuse→fuse and relay→fuse: protecting time ≤ ratio × protected MM
        b_mm = m.b_t_mm_s.to_numpy(dtype=float)
        sel = operates & (bk == fuse) & (pk != rc)
        # the backup fuse's minimum melt is its band's low end: no failing-side tolerance
        # (:mod:`.tolerance`, review rev29 §2); the primary's time carries the row's
        tol = rss(terms.tol("p", PRIMARY_TIME), ratio.value * terms.tol("b", "mm"))
        bnd = terms.boundaries(PRIMARY_TIME, "mm")
        margin = ratio.value * b_mm - p_clear
        # two IEC 60269 gG links at a current where the standard specifies them by I²t, not
        # by time gates (protecting link at or above its Imax(0.1 s)): the I²t rule decides
        by_i2t, i2t_ratio = gg_i2t_terms(ctx, m.primary.to_numpy(), m.backup.to_numpy(),
                                         m.p_i_phase_a.to_numpy(dtype=float), sel)
        frames.append(coordination_rows(
            m, sel & ~by_i2t, "C3", f"primary clears before {ratio.value:.0%} of backup fuse MM",
            p_clear, b_mm, margin, 0.0, tolerance=tol,
            rule=ratio.name, rule_value=ratio.value, rule_source=ratio.source,
            boundary=with_curve_band(bnd, m.primary.to_numpy(), margin,
                                     ratio.value * b_mm - p_low),
            t_primary_low=p_low, elements=terms.elements(PRIMARY_TIME, "mm")))
        if by_i2t.any():
            frames.append(coordination_rows(
                m, by_i2t, "C3", I2T_CHECK, p_clear, b_mm, np.full(len(m), np.nan), np.nan,
                tolerance=0.0, rule=I2T_RULE, rule_value=1.0, rule_source=I2T_RULE_SOURCE,
                boundary=bnd, t_primary_low=p_low,
                elements=terms.elements(PRIMARY_TIME, "mm"), i2t_ratio=i2t_ratio))
        # C4 recloser→relay: relay slower than every shot + CTI
        sel = operates & (pk == rc) & (bk == relay)
        margin = np.where(no_backup, -np.inf, b_op - p_clear - rrc.value)
        travel = _em_travel(ctx, m, sel)
        has_em = np.isfinite(travel)
        margin = np.where(has_em, np.minimum(margin, (1.0 - travel) * b_op - rrc.value), margin)
        # a backup relay that does not operate at a fault of its zone: C1's rule, the
        # recloser the primary (:mod:`.lost_backup`); after the travel term (``0 × ∞``)
        lost = backup_absent(ctx, m, sel, b_op, no_backup)
        margin = np.where(lost, -np.inf, margin)
        tol, bnd = terms.both(PRIMARY_TIME, "op")  # a recloser's: delayed
        frames.append(coordination_rows(
            m, sel, "C4", "relay after recloser's longest shot + CTI", p_clear, b_op, margin,
            rrc.value, tolerance=tol, rule="coordination_interval", rule_value=rrc.value,
            rule_source=rrc.source, boundary=bnd,
            fail_status=_pick_text(lost, CheckStatus.WARN.value, CheckStatus.FAIL.value),
            elements=terms.elements(PRIMARY_TIME, "op")))
        # C4 relay/recloser→recloser: backup delayed curve after primary + CTI
        b_del = m.b_t_delayed_s.to_numpy(dtype=float)
        sel = operates & (bk == rc) & (pk != fuse)
        cti = np.where(pk == relay, rr.value, rrc_electronic.value)
        src = _pick_text(pk == relay, rr.source, rrc_electronic.source)
        tol, bnd = terms.both(PRIMARY_TIME, "delayed")
        frames.append(coordination_rows(
            m, sel, "C4", "backup recloser delayed curve after primary + CTI", p_clear, b_del,
            b_del - p_clear - cti, cti, tolerance=tol, rule="coordination_interval",
            rule_value=cti, rule_source=src, boundary=bnd,
            elements=terms.elements(PRIMARY_TIME, "delayed")))
        # C4 recloser→recloser fast shots (review s17 §3.9): a backup whose fast shot is
        # quicker than the primary's opens first (or with it) for every fault in the
        # primary's zone: a momentary for the backup's whole zone (OpenDSS dynamics on EPRI's
        # DG feeder: A opens at 0.058 s for a fault beyond B, B never operates). A warn: the
        # delayed curves still clear a permanent fault selectively, and a control with
        # sequence coordination steps its count instead (Cooper Power Systems, Electrical
        # Distribution-System Protection, 1990, §4 recloser-to-recloser coordination)
        # Required: the backup's fast shot slower by more than both fast curves' own scatter
        # (the row's tolerance): inside it — identical fast curves in series included — the
        # two open together as far as the data can tell
        p_fast, b_fast = m.p_t_fast_s.to_numpy(float), m.b_t_fast_s.to_numpy(float)
        sel = operates & (pk == rc) & (bk == rc) & np.isfinite(p_fast) & np.isfinite(b_fast)
        tol, bnd = terms.both("fast", "fast")
        frames.append(coordination_rows(
            m, sel, "C4", FAST_SHOT_CHECK, p_fast, b_fast,
            b_fast - p_fast - tol, tol, tolerance=tol, rule="fast_shot_order", rule_value=0.0,
            rule_source="Cooper Power Systems, Electrical Distribution-System Protection "
                        "(1990), recloser-to-recloser coordination: curves too close trip "
                        "both reclosers; sequence coordination steps the backup instead",
            boundary=bnd, fail_status=CheckStatus.WARN, elements=terms.elements("fast", "fast")))
        # C2 fuse→recloser (fuse saving, backup) and recloser→fuse (fuse on the source side)
        frames.append(fuse_recloser_rows(ctx, m, (pk == fuse) & (bk == rc) & np.isfinite(p_tc),
                                         terms, p_low, faults))
        frames.append(source_side_rows(ctx, m, operates & (pk == rc) & (bk == fuse), terms))
    return concat_rows(frames)


def primary_tc_band_low_s(ctx: CheckContext, m: pd.DataFrame, is_fuse: np.ndarray
                          ) -> np.ndarray:
    """The low end of the primary fuse's total-clearing band on every row of ``m`` where the
    primary is a fuse (``is_fuse``), from its staged minimum melt (``p_t_mm_s``); NaN
    elsewhere (:func:`protv2g.checks.tolerance.fuse_tc_band_low_s`)."""
    out = np.full(len(m), np.nan)
    at = np.flatnonzero(is_fuse)
    if len(at):
        out[at] = fuse_tc_band_low_s(ctx, m.primary.to_numpy()[at],
                                     m.p_t_mm_s.to_numpy(dtype=float)[at],
                                     m.p_t_tc_s.to_numpy(dtype=float)[at])
    return out


def check_coordination(ctx: CheckContext) -> pd.DataFrame:
    """C1, C3 and C4 violations, a ``warn`` row per step transformer with no device behind
    a pair (:func:`~protv2g.checks.beyond_transformer.transformer_rows`), ``not_evaluated``
    rows for unusable devices and ``not_applicable`` rows for criteria with no pair of their
    kind."""
    coord = ctx.coordination if ctx.coordination is not None else empty_coordination()
    rows = [by_design.by_design_attributed(pair_violations(
                ctx, coord, ("C1", "C3", "C4"), _message, mechanism=_mechanism)),
            transformer_rows(ctx, ("C1", "C3", "C4"))]
    by_criterion = pair_criteria(ctx)
    for c in ("C1", "C3", "C4"):
        rows.append(unevaluable(ctx, c, sorted(by_criterion.get(c, set()))))
    rows += not_applicable_rows(ctx, ("C1", "C3", "C4"))
    return concat(rows)


def pair_margins(coordination: pd.DataFrame) -> pd.DataFrame:
    """Margins of every evaluated pair row, passing or not, keyed as its violation row would be
    (:data:`protv2g.checks.attribution.BASE_MARGIN_COLUMNS`: ``device`` = backup,
    ``other_device`` = primary, unit s): what the attribution reads for a row whose base case
    passes (:func:`protv2g.checks.attribution.attribute`), with both devices' first-cycle
    currents (A) and times (s) as their violation rows hold them (``i_device_a``,
    ``i_other_a``, ``t_device_s``, ``t_other_s``: V2G's change of current is judged against
    the devices' accuracy of response on a passing base too, review s28 §1), with their
    ``|3I0|`` and operating elements (``i_device_3i0_a``, ``i_other_3i0_a``,
    ``element_device``, ``element_other``: the current of the element that operates,
    review ver31)."""
    c = coordination
    margin, _, unit = row_margins(c)  # an I²t row's: ratio − 1, a fraction
    return pd.DataFrame({
        "scenario": c.scenario.to_numpy(), "criterion": c.criterion.to_numpy(),
        "fault_bus": c.fault_bus.to_numpy(), "fault_type": c.fault_type.to_numpy(),
        "case": c.case.to_numpy(), "device": c.backup.to_numpy(),
        "other_device": c.primary.to_numpy(),
        "margin_unit": MarginUnit.SECOND.value if unit is None else unit,
        "rule": c.rule.to_numpy(), "margin": margin,
        **{col: pd.to_numeric(c[src], errors="coerce").to_numpy(float)
           for col, src in (("i_device_a", "i_backup_a"), ("i_other_a", "i_primary_a"),
                            ("t_device_s", "t_backup_s"), ("t_other_s", "t_primary_s"))
           if src in c.columns},
        # at the violation rows' working dtypes (float32 |3I0|, int8 codes)
        **{col: np.asarray(pd.to_numeric(c[src], errors="coerce"), dtype=float).astype(
            ELEMENT_COLUMNS[col]) for col, src in (
                ("i_device_3i0_a", "i_backup_3i0_a"), ("i_other_3i0_a", "i_primary_3i0_a"))
           if src in c.columns},
        **{col: _element_codes(c[src]) for col, src in (
            ("element_device", "element_backup"), ("element_other", "element_primary"))
           if src in c.columns}})


def _element_codes(column: pd.Series) -> np.ndarray:
    """An element-code column as int8 (a missing code ``-1``, not known)."""
    x = column.to_numpy()
    if x.dtype == ELEMENT_DTYPE:
        return x
    x = pd.to_numeric(column, errors="coerce").to_numpy(float)
    return np.where(np.isfinite(x), x, -1).astype(ELEMENT_DTYPE)
