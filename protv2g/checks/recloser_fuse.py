"""C2 recloser–fuse coordination: fuse saving, fuse backup, and a fuse on the source side.

For every fault where the fuse clears (each device at its own current; with V2G between the
recloser and the fuse the fuse sees the recloser's current *plus* the chargers'):

* **fuse saving** (recloser on the source side of the fuse, ``n_fast > 0``):
  ``K · t_fast(I_recloser) < MM(I_fuse)`` — the recloser's fast shots open before the fuse
  starts to melt; ``K`` from the published table by the recloser's number of fast shots and
  its first reclose interval (:func:`protv2g.devices.rules.fuse_saving_k`: 1.25 for 1 fast
  shot; 1.80 for 2 fast shots with a 25–30-cycle first reclose, 1.35 from 60 cycles), or
  ``checks.fuse_saving_k``; margin ``MM − K·t_fast`` (s). Where the recloser does not see the
  fault at all (below its minimum trip) fuse saving is impossible: a ``warn`` row. A recloser
  with no fast shot does not save fuses (no row); a sequence outside the table is
  ``not_evaluated`` until ``checks.fuse_saving_k`` is given. ``t_fast`` is the element fuse
  saving can count on: where the faster element (phase or ground) runs within its minimum
  trip's ±5 % start accuracy and the other surely operates, the other's time (review rev29
  §6, :func:`protv2g.checks.recloser_element_text.sure_fast_rows`).
* **backup**: ``TC(I_fuse) < t_delayed(I_recloser)`` — the fuse clears before the recloser's
  delayed shot, so a permanent lateral fault does not lock the recloser out;
  margin ``t_delayed − TC`` (s), TC at the high end of the link's EEI-NEMA band (max melt +
  arcing); a failing row that holds at the band's low end (min melt, no arcing) is flagged
  ``<fuse> tc: curve_band`` (:func:`protv2g.checks.tolerance.with_curve_band`).
* **neither clears** (review rev29 §5): a fault the fuse does not melt for and the recloser
  does not trip for, no device nearer the fault clearing it
  (:mod:`protv2g.checks.recloser_fuse_uncleared`): a ``fail`` row, margin −∞, keyed as the
  fuse-saving rule (its twin without V2G the pair's fuse-saving row) — fuse saving and the
  fuse's backup both lost.
* **backup, the fuse melting only with V2G** (review rev32a W1b): a V2G backup row whose base
  case has no row because the fuse does not clear there (below its melting current) is
  ``pre-existing``, its message saying the base state
  (:mod:`protv2g.checks.recloser_fuse_base_state`).
* **fuse on the source side of a recloser** (the fuse backs the recloser up):
  ``MM(I_fuse) ≥ f · t_delayed(I_recloser)`` with ``f`` from the published table by the
  recloser's sequence and shortest reclose interval
  (:func:`protv2g.devices.rules.source_side_fuse_factor`, 1.35–3.70), for the cumulative
  heating of the fuse over the whole sequence to lockout; margin ``MM − f·t_delayed`` (s).

Every row carries its tolerance (the recloser's data band scaled by K or f; a fuse's minimum
melt is its melting band's low end, with nothing on the failing side,
:mod:`protv2g.checks.tolerance`), the rule value with its source and the data boundary of both
lookups. A message names the recloser element (phase or ground), curve and multiple of minimum
trip that set its time (:mod:`protv2g.checks.recloser_element_text`).

Fuse saving is judged on the **fuse-saving range** (:mod:`protv2g.checks.fuse_saving_range`):
a failing row above the crossover of the fuse's minimum melt with the recloser's fast curve
× K, already failing without V2G, is ``info`` (saving impossible by design); a fault saved
without V2G and not with it ``fail``s (lost saving, also where the recloser no longer sees
it); a range narrowed by chargers between recloser and fuse is one ``warn`` row per pair and
scenario (margin: the change of its width, A). Each fuse-saving row's status on the range is
:mod:`protv2g.checks.fuse_saving_status`'s.

References
----------
Eaton's Cooper Power Series, *Coordination of fuse links with oil circuit reclosers*,
Technical Data TD132010EN (2017) — multiplying factors (fuse saving; Table 1 source-side
fuse). T. A. Short, *Electric Power Distribution Handbook* — K factors by reclose time.
IEEE Std C37.230-2020 §6.4 (recloser–fuse coordination, fuse saving).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    could_not,
    empty,
    not_applicable,
    unevaluable,
    violation_rows,
)
from protv2g.checks.beyond_transformer import transformer_rows
from protv2g.checks.fuse_melt_text import with_later_stage
from protv2g.checks.fuse_saving_range import (
    SavingMechanism,
    base_twin,
    is_ground_fault,
    range_text,
    ranges_by_scenario,
)
from protv2g.checks.fuse_saving_status import _pair_range, _saving_status
from protv2g.checks.pairs import (
    concat_rows,
    coordination_rows,
    empty_coordination,
    pair_criteria,
    pair_violations,
)
from protv2g.checks.recloser_element_text import prime_element_times, sure_fast_rows
from protv2g.checks.recloser_fuse_base_state import pre_existing_without_melt
from protv2g.checks.recloser_fuse_lockout import (
    LOCKOUT_MECHANISM,
    coordinated_keys,
    lockout_rows,
)
from protv2g.checks.recloser_fuse_sustained import prime_sustained
from protv2g.checks.recloser_fuse_text import (
    BACKUP,
    NEVER_MELTS,
    NOT_CLEARED,
    NOT_SEEN,
    SAVING,
    SOURCE_SIDE,
    message,
    prime_base_backups,
)
from protv2g.checks.recloser_fuse_uncleared import (
    NOT_CLEARED_MECHANISM,
    fuse_not_clearing,
    uncleared_pairs,
)
from protv2g.checks.rule_values import fuse_saving, source_side
from protv2g.checks.saving_k_end import k_end, narrowed
from protv2g.checks.tolerance import (
    PRIMARY_TIME,
    fuse_tc_band_low_s,
    rss,
    with_curve_band,
    with_sure_tolerance,
)
from protv2g.devices.kinds import kind_of
from protv2g.devices.rules import RuleOutOfRange
from protv2g.violations import CheckStatus

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.checks.coordination import PairTerms

__all__ = ["fuse_recloser_rows", "source_side_rows", "check_recloser_fuse"]


def _per_recloser(ctx: CheckContext, names: np.ndarray, mask: np.ndarray, lookup
                  ) -> tuple[np.ndarray, np.ndarray, set]:
    """Rule value and source of the recloser of each row in ``mask`` (NaN elsewhere and
    where its sequence is out of the table)."""
    value = np.full(len(names), np.nan)
    source = np.full(len(names), "", dtype=object)
    out_of_range = set()
    for n in np.unique(names[mask]):
        r = lookup(ctx, str(n))
        idx = mask & (names == n)
        if isinstance(r, RuleOutOfRange):
            out_of_range.add(str(n))
            continue
        value[idx], source[idx] = r.value, r.source
    return value, source, out_of_range


def fuse_recloser_rows(ctx: CheckContext, m: pd.DataFrame, sel: np.ndarray,
                       terms: PairTerms, p_tc_low: np.ndarray | float = np.nan,
                       faults: pd.DataFrame | None = None) -> pd.DataFrame:
    """Coordination rows (``COORDINATION_COLUMNS``) of fuse→recloser pairs in ``m[sel]``
    (``m`` from :func:`protv2g.checks.pairs.merged`): fuse saving and backup. ``p_tc_low``:
    the low end of the fuse's TC band on each row of ``m``
    (:func:`protv2g.checks.coordination.primary_tc_band_low_s`). The rows of the whole fault
    table (uncleared, lockout) only at ``faults`` where given
    (:func:`~protv2g.checks.recloser_fuse_uncleared.fuse_not_clearing`)."""
    p_mm = m.p_t_mm_s.to_numpy(dtype=float)
    p_tc = m.p_t_tc_s.to_numpy(dtype=float)
    b_fast = m.b_t_fast_s.to_numpy(dtype=float)
    b_del = m.b_t_delayed_s.to_numpy(dtype=float)
    n_fast = m.backup.map({n: getattr(ctx.devices[n].settings, "n_fast", 0)
                           for n in m.backup.unique()}).to_numpy()  # per device (#21)
    k, k_src, _ = _per_recloser(ctx, m.backup.to_numpy(), sel, fuse_saving)
    frames = []
    with np.errstate(invalid="ignore"):
        seen = np.isfinite(b_fast)
        save = sel & (n_fast > 0) & seen & np.isfinite(k)
        # fuse saving counts on the element that surely operates (review rev29 §6), with
        # that element's tolerance (trust31 §2c)
        b_sure = sure_fast_rows(ctx, m, save, b_fast)
        swapped = (np.zeros(len(m), dtype=bool) if b_sure is b_fast
                   else ~((b_sure == b_fast) | (np.isnan(b_sure) & np.isnan(b_fast))))
        tol_fast = with_sure_tolerance(ctx, m, terms.tol("b", "fast"), swapped)
        b_fast = b_sure
        # the sure element is the other one where it was swapped in
        el_fast = terms.element("b", "fast")
        el_fast = np.where(swapped & (el_fast >= 0), 1 - el_fast, el_fast).astype(el_fast.dtype)
        unseen = sel & (n_fast > 0) & ~seen
        # judged on the fuse-saving range (:mod:`.fuse_saving_range`): each row against its
        # base twin; above the crossover without V2G it is information, not a V2G effect
        status = _saving_status(ctx, m, save | unseen, seen, p_mm - k * b_fast, k)
        # margin = MM(fuse) − K·t_fast(recloser): the fuse is the primary (p) here; its
        # minimum melt is its band's low end, no failing-side tolerance (:mod:`.tolerance`,
        # review rev29 §2): the recloser's K × fast-curve accuracy is the row's
        tol = rss(terms.tol("p", "mm"), np.where(np.isfinite(k), k, 1.0) * tol_fast)
        bnd = terms.boundaries("mm", "fast")
        frames.append(coordination_rows(
            m, save, "C2", SAVING, p_mm, k * b_fast, p_mm - k * b_fast, 0.0, tolerance=tol,
            rule="fuse_saving_k", rule_value=k, rule_source=k_src, boundary=bnd,
            fail_status=status, elements=(terms.element("p", "mm"), el_fast)))
        # the recloser cannot save the fuse at all: a warning (the fuse still clears), a
        # failure where it saved the fuse without V2G
        # keyed as the fuse-saving rule: its twin without V2G is the pair's fuse-saving row,
        # not the lockout row (rule "" both, review rev29 §1: IEEE 123 R-67/F-73 "made worse"
        # against the base's −38.09 s lockout margin where fuse saving passed by 4.55 s)
        frames.append(coordination_rows(m, unseen, "C2", NOT_SEEN, p_mm, b_fast,
                                        np.full(len(m), -np.inf), 0.0, fail_status=status,
                                        rule="fuse_saving_k", rule_value=k,
                                        rule_source=k_src))
        backup = sel & np.isfinite(b_del)
        tol = rss(terms.tol("p", PRIMARY_TIME), terms.tol("b", "delayed"))
        bnd = terms.boundaries(PRIMARY_TIME, "delayed")
        margin = b_del - p_tc
        bnd = with_curve_band(bnd, m.primary.to_numpy(), margin, b_del - p_tc_low)
        # a fuse time from a later stage on its long-time asymptote, flagged (rev40a M8)
        bnd = with_later_stage(ctx, bnd, m.primary.to_numpy(), m.p_i_phase_a.to_numpy(), p_tc)
        frames.append(coordination_rows(m, backup, "C2", BACKUP, p_tc, b_del, margin,
                                        0.0, tolerance=tol, boundary=bnd,
                                        t_primary_low=p_tc_low,
                                        elements=terms.elements(PRIMARY_TIME, "delayed")))
        coordinated = coordinated_keys(ctx, m, sel, backup & (margin < -1e-9))
    nm = fuse_not_clearing(ctx, faults)
    frames += _uncleared_rows(ctx, nm) + lockout_rows(ctx, nm, coordinated, NEVER_MELTS)
    return concat_rows(frames)


def _uncleared_rows(ctx: CheckContext, nm: pd.DataFrame | None = None) -> list[pd.DataFrame]:
    """``fail`` rows of the faults neither the fuse nor the recloser clears
    (:func:`~protv2g.checks.recloser_fuse_uncleared.uncleared_pairs`, review rev29 §5; ``nm``
    its :func:`~protv2g.checks.recloser_fuse_uncleared.fuse_not_clearing`): fuse saving and
    the fuse's backup lost. Both times ``inf``, margin −∞ (no margin in seconds exists; never
    a pass). Keyed as the fuse-saving rule where the recloser has fast shots (its twin
    without V2G the pair's fuse-saving row, as the "not seen" row's), else as the backup rule
    (``""``, its twin the backup row)."""
    u = uncleared_pairs(ctx, nm)
    if u.empty:
        return []
    names = u.backup.to_numpy()
    n_fast = np.array([getattr(ctx.devices[n].settings, "n_fast", 0) for n in names.tolist()])
    saves = n_fast > 0
    k, k_src, _ = _per_recloser(ctx, names, saves, fuse_saving)
    inf = np.full(len(u), np.inf)
    # a link at its band's low end melting in the stages clears it: the verdict rests on
    # the link's curve (IEEE 123: 10 of 14 rows, minimum melt 13–254 s)
    low = fuse_tc_band_low_s(ctx, u.primary.to_numpy(), u.p_t_mm_s.to_numpy(float), inf)
    bnd = with_curve_band("inside", u.primary.to_numpy(), -inf,
                          np.where(np.isfinite(low), 0.0, -np.inf))
    return [coordination_rows(u, sel, "C2", NOT_CLEARED, inf, inf, -inf, 0.0,
                              rule=rule, rule_value=k, rule_source=k_src, boundary=bnd,
                              t_primary_low=low)
            for sel, rule in ((saves, "fuse_saving_k"), (~saves, "")) if sel.any()]


def source_side_rows(ctx: CheckContext, m: pd.DataFrame, sel: np.ndarray,
                     terms: PairTerms) -> pd.DataFrame:
    """Coordination rows of recloser→fuse pairs (a fuse on the source side of a recloser)."""
    if not sel.any():
        return empty_coordination()
    f, f_src, _ = _per_recloser(ctx, m.primary.to_numpy(), sel, source_side)
    b_mm = m.b_t_mm_s.to_numpy(dtype=float)
    p_clear = m.p_t_clear_s.to_numpy(dtype=float)  # the sequence's longest shot (delayed)
    fs = np.where(np.isfinite(f), f, 1.0)
    with np.errstate(invalid="ignore"):
        tol = rss(terms.tol("b", "mm"), fs * terms.tol("p", PRIMARY_TIME))
        bnd = terms.boundaries(PRIMARY_TIME, "mm")
        ok = sel & np.isfinite(f)
        return coordination_rows(m, ok, "C2", SOURCE_SIDE, f * p_clear, b_mm,
                                 b_mm - f * p_clear, 0.0, tolerance=tol,
                                 rule="source_side_fuse_factor", rule_value=f,
                                 rule_source=f_src, boundary=bnd,
                                 elements=terms.elements(PRIMARY_TIME, "mm"))


def _mechanisms(ctx: CheckContext, coord: pd.DataFrame, bad: pd.DataFrame) -> np.ndarray:
    """:class:`~protv2g.checks.fuse_saving_range.SavingMechanism` of every failing C2 row of
    ``bad`` (a subset of ``coord``): from its status, and for a failing row from its base
    twin in ``coord`` (saved there: lost saving); ``""`` for the backup and source-side
    rules (their ``check`` names them); :data:`~.recloser_fuse_uncleared.NOT_CLEARED_MECHANISM`
    for a fault neither device clears, :data:`~.recloser_fuse_lockout.LOCKOUT_MECHANISM` for
    one the fuse never melts for while the recloser locks out."""
    out = np.full(len(bad), "", dtype=object)
    out[(bad.check == NOT_CLEARED).to_numpy()] = NOT_CLEARED_MECHANISM
    out[(bad.check == NEVER_MELTS).to_numpy()] = LOCKOUT_MECHANISM
    saving = bad.check.isin([SAVING, NOT_SEEN]).to_numpy()
    if not saving.any():
        return out
    status = bad.status.astype(str).to_numpy()
    info = np.flatnonzero(saving & (status == CheckStatus.INFO.value))
    if len(info):  # above the pair's range, or no range at all for that kind of fault
        rows = bad.iloc[info]
        ground = is_ground_fault(rows.fault_type)
        out[info] = [SavingMechanism.NO_RANGE.value
                     if np.isfinite(k) and np.isnan(
                         _pair_range(ctx, str(b), str(p), float(k), bool(g))[1])
                     else SavingMechanism.ABOVE_CROSSOVER.value
                     for b, p, k, g in zip(rows.backup, rows.primary,
                                           pd.to_numeric(rows.rule_value), ground,
                                           strict=True)]
    out[saving & (status == CheckStatus.WARN.value)] = SavingMechanism.NOT_SEEN.value
    failing = saving & (status == CheckStatus.FAIL.value)
    if failing.any():
        c2 = coord[(coord.criterion == "C2") & coord.check.isin([SAVING, NOT_SEEN])]
        twin = base_twin(c2, ctx.base_of)
        ok = c2.ok.astype(bool).to_numpy()
        saved_twin = (twin >= 0) & (twin != np.arange(len(c2))) & ok[np.maximum(twin, 0)]
        lost = pd.Series(saved_twin, index=c2.index).reindex(bad.index, fill_value=False)
        out[failing] = np.where(lost.to_numpy(dtype=bool)[failing],
                                SavingMechanism.LOST_SAVING.value,
                                SavingMechanism.NOT_SAVED_WITHOUT_V2G.value)
    return out


def _shrink_rows(ctx: CheckContext, coord: pd.DataFrame) -> pd.DataFrame:
    """A ``warn`` row per fuse-saving pair and V2G scenario whose fuse-saving range
    (:func:`~protv2g.checks.fuse_saving_range.rows_range_a`) is narrower than its base
    case's: infeed between recloser and fuse shrinks the range. A fault the shrink costs is
    a ``fail`` row of its own (lost saving); the shrink alone costs no fault of the study,
    only margin for faults it does not model. Margin: the change of the range's width (A)."""
    c2 = coord[(coord.criterion == "C2") & (coord.check == SAVING)]
    if c2.empty:
        return empty()
    cols: dict[str, list] = {k: [] for k in ("scenario", "device", "other_device", "bracket",
                                             "margin", "limit", "message")}
    ranges = ranges_by_scenario(c2, ctx.devices)
    at = c2.groupby([c2.primary.astype(str), c2.backup.astype(str), c2.scenario.astype(str)],
                    sort=False).indices
    for (p, b, s), (lo, hi) in ranges.items():
        base = ranges.get((p, b, ctx.base_of.get(s, s)))
        if base is None or ctx.base_of.get(s, s) == s or not np.isfinite(base[0]):
            continue
        lo_b, hi_b = base
        if not narrowed(lo, hi, lo_b, hi_b):
            continue
        width_b = hi_b - lo_b
        both = np.concatenate([at[(p, b, s)], at[(p, b, ctx.base_of[s])]])
        said, cell = k_end(ctx, c2.iloc[both], p, b, s, ctx.base_of[s])
        for k, x in (("scenario", s), ("device", b), ("other_device", p), ("bracket", cell),
                     ("margin", (hi - lo if np.isfinite(lo) else 0.0) - width_b),
                     ("limit", width_b),
                     ("message", f"V2G narrows the fuse-saving range of {b} / {p} from "
                                 f"{range_text(lo_b, hi_b)} without V2G to "
                                 f"{range_text(lo, hi)} {ctx.export_text(s)} (its infeed "
                                 f"between them lowers {b}'s share of the fuse current); "
                                 f"faults inside the lost part are not saved{said}")):
            cols[k].append(x)
    if not cols["scenario"]:
        return empty()
    return violation_rows("C2", CheckStatus.WARN, margin_unit="A",
                          mechanism=SavingMechanism.RANGE_SHRUNK.value,
                          **{k: np.asarray(v, dtype=object if k in (
                                 "scenario", "device", "other_device", "bracket", "message")
                                           else float) for k, v in cols.items()})


def check_recloser_fuse(ctx: CheckContext) -> pd.DataFrame:
    """C2 violations from the coordination table (``fail``; ``warn`` where fuse saving is
    impossible because the recloser does not see the fault); ``not_evaluated`` for reclosers
    whose sequence is outside the published tables (no study override); ``not_applicable``
    when no fuse and recloser form a pair."""
    coord = ctx.coordination if ctx.coordination is not None else empty_coordination()
    names = sorted(pair_criteria(ctx).get("C2", set()))
    if not names:
        return not_applicable("C2", "no primary/backup pair of a fuse and a recloser in this "
                              "study")
    prime_element_times(ctx, coord[(coord.criterion == "C2") & ~coord.ok.astype(bool)
                                   & coord.check.isin([SAVING, BACKUP, NEVER_MELTS])])
    prime_base_backups(ctx, coord)
    prime_sustained(ctx, coord[(coord.criterion == "C2") & (coord.check == NOT_SEEN)
                               & ~coord.ok.astype(bool)])
    # a V2G backup row whose base twin is missing because the fuse does not melt without
    # V2G is judged against that state: pre-existing (review rev32a W1b)
    rows = [pre_existing_without_melt(ctx, coord, pair_violations(
                ctx, coord, ("C2",), message, lambda bad: _mechanisms(ctx, coord, bad))),
            _shrink_rows(ctx, coord), transformer_rows(ctx, ("C2",)),
            unevaluable(ctx, "C2", names)]
    pairs = ctx.pairs[["primary", "backup"]].drop_duplicates()
    role = {n: kind_of(d).role for n, d in ctx.devices.items()}
    for p, b in pairs.itertuples(index=False):
        if p not in ctx.devices or b not in ctx.devices:
            continue
        if role[p] == "fuse" and role[b] == "recloser" and ctx.devices[b].settings.n_fast:
            r = fuse_saving(ctx, b)
        elif role[p] == "recloser" and role[b] == "fuse":
            r = source_side(ctx, p)
        else:
            continue
        if isinstance(r, RuleOutOfRange):
            i = r.issues[0]
            rows.append(could_not("C2", f"{p} / {b}: {i.message}; fix: {i.fix}", device=b))
    return concat(rows)
