"""The coordination table shared by C1–C4: its rows, and the violation rows of its failing rows.

:func:`coordination_rows` turns one rule's margins over the pairs × faults join
(:func:`protv2g.checks.pairs.merged`) into rows of the coordination table
(:data:`COORDINATION_COLUMNS`, the report's "Coordination" sheet); :func:`concat_rows` joins
the rules' rows; :func:`pair_violations` turns its failing rows into violation rows and
:func:`tc_band_text` words a primary fuse's TC band for their messages. The rules themselves are
in :mod:`protv2g.checks.coordination` (C1, C3, C4) and :mod:`protv2g.checks.recloser_fuse` (C2).
Split from :mod:`protv2g.checks.pairs` (the module had grown past 400 lines), which re-exports
these names.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, empty, fmt_s, violation_rows
from protv2g.checks.equipment import (
    EQUIPMENT,
    EQUIPMENT_ROW_COLUMN,
    IDLE_MARGIN,
    equipment_pairs,
    idle_pair_margins,
)
from protv2g.checks.fuse_melt_text import prime_curve_times
from protv2g.checks.operating_element import (
    ELEMENT_DTYPE,
    OperatingElement,
    with_element_columns,
)
from protv2g.criteria import ZONE_END_CLEARING_BRACKET_S, MarginUnit, pair_criterion
from protv2g.devices.kinds import spec
from protv2g.violations import CheckStatus

__all__ = ["COORDINATION_COLUMNS", "concat_rows", "coordination_rows", "empty_coordination",
           "pair_criteria", "pair_violations", "row_margins", "tc_band_text"]

#: Columns of the coordination table (one row per pair, fault and check). ``status`` is
#: ``ok`` where the rule is met, else the status of the violation row it becomes (``fail``;
#: ``warn`` where fuse saving is impossible because the recloser does not see the fault).
#: ``tolerance_s``: the margin's tolerance from the data (:mod:`protv2g.checks.tolerance`);
#: ``rule``/``rule_value``/``rule_source``: the published rule applied (K, factor, ratio or
#: coordination interval; :mod:`protv2g.checks.rule_values`); ``data_boundary``: ``inside`` or
#: the lookups at a table end, interpolated stretch or asymptote. ``i_*_a``: the largest
#: phase current, ``i_*_3i0_a``: the residual current 3I0 (what a ground element sees), both
#: first-cycle; the times are the staged operate times of whichever element operates first
#: (phase or ground), so a ground element's time may stand beside a phase current below the
#: phase pickup (the Pair coordination sheet names the element: ``elements_*``).
#: ``t_primary_band_low_s``: where the rule reads the primary fuse's total clearing
#: (``t_primary_s``, the high end of its EEI-NEMA band: maximum melt + arcing), the band's low
#: end (minimum melt + arcing, staged alike); equal to ``t_primary_s`` for a link given by its
#: TC table (no band); NaN for the other rules. A failing row that holds at the low end says
#: ``<fuse> tc: curve_band`` in ``data_boundary`` (:func:`protv2g.checks.tolerance.
#: with_curve_band`). ``element_primary``/``element_backup``: which element of each device
#: gives its time, an int8 :class:`~protv2g.checks.operating_element.OperatingElement` code
#: (-1 not known, 0 phase, 1 ground; review ver31: the attribution reads that element's
#: current, :mod:`protv2g.checks.attribution_share`). ``i2t_ratio``: on a C3 row between two
#: IEC 60269 gG links judged by I²t (:mod:`protv2g.checks.fuse_gg_i2t`, rule
#: ``iec60269_gg_i2t_selectivity``) the protected link's minimum over the protecting link's
#: maximum I²t (dimensionless, met at ≥ 1; ``margin_s``/``required_s`` NaN there: the verdict
#: is not a time); NaN on every other row.
COORDINATION_COLUMNS = [
    "criterion", "check", "scenario", "fault_bus", "fault_type", "case", "primary", "backup",
    "i_primary_a", "i_backup_a", "i_primary_3i0_a", "i_backup_3i0_a", "t_primary_s",
    "t_backup_s", "t_primary_band_low_s", "margin_s", "required_s",
    "tolerance_s", "rule", "rule_value", "rule_source", "data_boundary", "ok", "status",
    "element_primary", "element_backup", "i2t_ratio",
]

_TOL_S = 1e-9
#: Tolerance of an I²t ratio: the library's 0.01-s nodes are √(I²t / 0.01 s) rounded to
#: 0.1 A, so a pair whose tables meet exactly (I²t max of In = I²t min of 1.6 In) reads
#: 1 ± 1e-4.
I2T_RATIO_TOL = 1e-3


def coordination_rows(m: pd.DataFrame, mask: np.ndarray, criterion: str, check: str,
                      t_p: np.ndarray, t_b: np.ndarray, margin: np.ndarray,
                      required: float | np.ndarray, *, tolerance: np.ndarray | float = 0.0,
                      rule: str = "", rule_value: np.ndarray | float = np.nan,
                      rule_source: np.ndarray | str = "",
                      boundary: np.ndarray | str = "inside",
                      fail_status: CheckStatus | np.ndarray = CheckStatus.FAIL,
                      t_primary_low: np.ndarray | float = np.nan,
                      elements: tuple[np.ndarray, np.ndarray] | None = None,
                      i2t_ratio: np.ndarray | None = None) -> pd.DataFrame:
    """``COORDINATION_COLUMNS`` rows of the pairs × faults ``m[mask]`` for one rule.

    ``margin`` (s) ≥ 0 means the rule is met (status ``ok``); otherwise the row's status is
    ``fail_status`` (a status, or an array of status values aligned with ``m``: C2's fuse
    saving, :mod:`protv2g.checks.fuse_saving_range`). ``required``, ``tolerance``,
    ``rule_value``, ``rule_source``,
    ``boundary`` and ``t_primary_low`` (the low end of a primary fuse's TC band) are scalars
    or arrays aligned with ``m``. ``elements``: the primary's and backup's
    :class:`~protv2g.checks.operating_element.OperatingElement` codes aligned with ``m``
    (:meth:`protv2g.checks.pair_terms.PairTerms.elements`); without them ``-1`` (not known).
    ``i2t_ratio`` (aligned with ``m``): rows judged by an I²t ratio instead of ``margin`` —
    met at ``ratio ≥ 1`` (:mod:`protv2g.checks.fuse_gg_i2t`); NaN rows use ``margin``.
    """
    def sel(column: str) -> np.ndarray:
        # the rows of the columns read only (#21: ``m[mask]`` copied every column of the
        # pairs × faults join, both brackets' times included, for each rule)
        return m[column].to_numpy()[mask]

    def pick(x: object) -> object:
        return np.asarray(x)[mask] if isinstance(x, np.ndarray) else x

    ok = margin[mask] >= -_TOL_S
    ratio = (np.full(int(np.count_nonzero(mask)), np.nan) if i2t_ratio is None
             else np.asarray(i2t_ratio, dtype=float)[mask])
    by_i2t = np.isfinite(ratio)
    if by_i2t.any():  # the I²t rows' verdict: the ratio (tolerance: the tables' rounding)
        ok = np.where(by_i2t, ratio >= 1.0 - I2T_RATIO_TOL, ok)
    bad = (np.asarray(fail_status, dtype=object)[mask] if isinstance(fail_status, np.ndarray)
           else CheckStatus(fail_status).value)
    return pd.DataFrame({
        "criterion": criterion, "check": check, "scenario": sel("scenario"),
        "fault_bus": sel("p_fault_bus_name"), "fault_type": sel("fault_type"),
        "case": sel("case"), "primary": sel("primary"), "backup": sel("backup"),
        "i_primary_a": sel("p_i_phase_a"), "i_backup_a": sel("b_i_phase_a"),
        "i_primary_3i0_a": sel("p_i_ground_a"), "i_backup_3i0_a": sel("b_i_ground_a"),
        "t_primary_s": t_p[mask],
        "t_backup_s": t_b[mask], "t_primary_band_low_s": pick(t_primary_low),
        "margin_s": margin[mask], "required_s": pick(required),
        "tolerance_s": pick(tolerance), "rule": rule, "rule_value": pick(rule_value),
        "rule_source": pick(rule_source), "data_boundary": pick(boundary),
        "ok": ok, "status": np.where(ok, CheckStatus.OK.value, bad),
        "element_primary": _codes(elements, 0, mask),
        "element_backup": _codes(elements, 1, mask), "i2t_ratio": ratio,
    }, columns=COORDINATION_COLUMNS)


def _codes(elements: tuple[np.ndarray, np.ndarray] | None, side: int, mask: np.ndarray
           ) -> np.ndarray:
    """One side's element codes at ``mask`` (int8), ``-1`` without ``elements``."""
    if elements is None:
        return np.full(int(np.count_nonzero(mask)), OperatingElement.UNKNOWN,
                       dtype=ELEMENT_DTYPE)
    return np.asarray(elements[side], dtype=ELEMENT_DTYPE)[mask]


def concat_rows(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Coordination rows of several rules in one table (empty frames dropped)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_coordination()
    frames = _na_objects_as_float(frames)
    with warnings.catch_warnings():  # all-NaN rule columns of some rules: float either way
        warnings.simplefilter("ignore", FutureWarning)
        out = pd.concat(frames, ignore_index=True)
    # the frames have these columns in this order: no second copy to reorder them (#21)
    return out if list(out.columns) == COORDINATION_COLUMNS else out[COORDINATION_COLUMNS]


_OBJECT, _FLOAT = np.dtype(object), np.dtype(np.float64)


def _na_objects_as_float(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """``frames`` with each object column that holds NaN only (a scalar NaN rule value or TC
    band of a rule, object by ``DataFrame(..., columns=)``) as float64 NaN where the same
    column is float64 with a number in another frame: :func:`pandas.concat` gives float64
    NaN there either way, but checked every object value in Python first (#21: 65,000
    values, 0.15 s at 10,000 buses). Columns whose concatenation would not be float64 (all
    frames NaN, an object value that is not NaN) are left as they are; the frames are
    shallow copies where changed."""
    first = frames[0].columns
    if any(not f.columns.equals(first) or f.columns.has_duplicates for f in frames):
        return frames
    out = list(frames)
    for c in first:
        dtypes = [f[c].dtype for f in frames]
        if not any(d == _OBJECT for d in dtypes) or not all(
                d == _OBJECT or d == _FLOAT for d in dtypes):
            continue
        if not any(d == _FLOAT and not np.isnan(f[c].to_numpy()).all()
                   for d, f in zip(dtypes, frames, strict=True)):
            continue  # no number beside them: the column stays as pandas makes it
        nan = {}
        for k, (d, f) in enumerate(zip(dtypes, frames, strict=True)):
            if d != _OBJECT:
                continue
            try:  # None and float NaN only (NaT, pd.NA raise: left to pandas)
                x = f[c].to_numpy().astype(np.float64)
            except (TypeError, ValueError):
                break
            if not np.isnan(x).all():
                break
            nan[k] = x
        else:
            for k, x in nan.items():
                out[k] = out[k].copy(deep=False)
                out[k][c] = x
    return out


def empty_coordination() -> pd.DataFrame:
    """A coordination table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COORDINATION_COLUMNS})


def pair_criteria(ctx: CheckContext) -> dict[str, set[str]]:
    """Criterion → devices that appear in a pair governed by it."""
    out: dict[str, set[str]] = {}
    for p, b in ctx.pairs[["primary", "backup"]].drop_duplicates().itertuples(index=False):
        c = pair_criterion(spec(ctx.kind(p)).role, spec(ctx.kind(b)).role)
        out.setdefault(c, set()).update((p, b))
    return out


#: ``message(ctx, row, where, export) -> str`` for one failing coordination row.
MessageFunction = Callable[[CheckContext, object, str, str], str]


def slow_pair_clauses(bad: pd.DataFrame) -> list[str]:
    """For each row of ``bad`` (failing coordination rows), the clause a C1/C3/C4 row adds
    when both of its devices take longer than the high end of
    :data:`~protv2g.criteria.ZONE_END_CLEARING_BRACKET_S` (10 s) at its fault: the pair does
    not clear that fault in useful time whatever the interval, and the interval is not the
    first thing to fix (review rev35a M2: EPRI ckt5's C1 head / 100K link at 41–50 s on a
    300 A fault read only "caused by V2G, −6.4 s"); "" for the others.

    >>> slow_pair_clauses(pd.DataFrame({"criterion": ["C1", "C1", "C2"],
    ...     "t_backup_s": [44.0, 0.5, 44.0], "t_primary_s": [49.7, 0.3, 49.7]}))[1:]
    ['', '']
    """
    bound = ZONE_END_CLEARING_BRACKET_S[1]
    tb = pd.to_numeric(bad["t_backup_s"], errors="coerce").to_numpy(dtype=float)
    tp = pd.to_numeric(bad["t_primary_s"], errors="coerce").to_numpy(dtype=float)
    crit = bad["criterion"].astype(str).to_numpy()
    with np.errstate(invalid="ignore"):
        slow = (np.isin(crit, ("C1", "C3", "C4")) & (tb > bound) & (tp > bound)
                & np.isfinite(tb) & np.isfinite(tp))  # a device that never operates: C5
    return [(f"; both devices take over {bound:g} s here ({b:.3g} s and {p:.3g} s): the pair "
             f"does not clear this fault in useful time whatever the interval (utility "
             f"practice for the slowest end-of-zone clearing: ≈ 2–{bound:g} s) — their reach "
             "and settings at this fault (C5) come before the interval")
            if k else "" for k, b, p in zip(slow.tolist(), tb.tolist(), tp.tolist(),
                                            strict=True)]


def pair_violations(ctx: CheckContext, coord: pd.DataFrame, criteria: tuple[str, ...],
                    message: MessageFunction,
                    mechanism: Callable[[pd.DataFrame], np.ndarray] | None = None
                    ) -> pd.DataFrame:
    """Violation rows for the failing coordination rows of ``criteria``.

    The row's status is the coordination row's ``status`` (``fail``/``warn``/``info``):
    typed data, never read back from the text of ``check`` or ``message``. ``mechanism``
    (the failing coordination rows → one text per row) fills the rows' ``mechanism``.
    """
    bad = coord[coord.criterion.isin(criteria) & ~coord.ok.astype(bool)]
    if bad.empty:
        return empty()
    export = {sc: ctx.export_text(sc) for sc in bad.scenario.unique()}  # per scenario (#21)
    # rows the base case has not that fail with every charger idle too: the project's
    # equipment's (:func:`protv2g.checks.equipment.equipment_pairs`, review rev34b M1)
    # (or marginal there and moved within its tolerance; ``worse`` beyond it: review rev41a W1)
    idle_att, clause = equipment_pairs(ctx, bad)
    equipment = idle_att == EQUIPMENT
    slow = slow_pair_clauses(bad)
    margin, limit, unit = row_margins(bad)
    # the primary fuses' curve times the messages quote, one call per fuse (#21, perf42)
    prime_curve_times(ctx, bad.primary.to_numpy(), bad.i_primary_a.to_numpy())
    # each message follows its row's attribution (review txt38: an equipment row opened
    # "fuse saving lost:")
    msgs = [message(ctx, r, ctx.fault_text(r.fault_bus, r.fault_type, r.case),
                    export[r.scenario]) + c + w
            for r, c, w in zip(bad.assign(**{EQUIPMENT_ROW_COLUMN: equipment}).itertuples(
                index=False), clause, slow, strict=True)]
    rows = violation_rows(
        bad.criterion.to_numpy(), bad.status.to_numpy(), frame=bad,
        scenario=bad.scenario.to_numpy(),
        fault_bus=bad.fault_bus.to_numpy(), fault_type=bad.fault_type.to_numpy(),
        case=bad.case.to_numpy(), device=bad.backup.to_numpy(),
        other_device=bad.primary.to_numpy(), i_device_a=bad.i_backup_a.to_numpy(),
        i_other_a=bad.i_primary_a.to_numpy(), t_device_s=bad.t_backup_s.to_numpy(),
        t_other_s=bad.t_primary_s.to_numpy(), margin=margin,
        limit=limit, margin_unit=unit, tolerance=bad.tolerance_s.to_numpy(),
        rule=bad.rule.to_numpy(), rule_value=bad.rule_value.to_numpy(),
        rule_source=bad.rule_source.to_numpy(), data_boundary=bad.data_boundary.to_numpy(),
        message=msgs, bracket=bad["bracket"].to_numpy() if "bracket" in bad.columns else "",
        **({"mechanism": mechanism(bad)} if mechanism is not None else {}))
    if (idle_att != "").any():  # kept by the attribution (as C7's)
        rows["attribution"] = idle_att
    idle_m = idle_pair_margins(ctx, bad)  # the export trend's chargers-idle point (mix38)
    if np.isfinite(idle_m).any():
        rows[IDLE_MARGIN] = idle_m
    # each device's |3I0| and the element whose time the row reads, for the attribution
    # (review ver31: a relay tripping on 51G judged on its phase current)
    return with_element_columns(
        rows, i_device_3i0_a=bad.i_backup_3i0_a.to_numpy(),
        i_other_3i0_a=bad.i_primary_3i0_a.to_numpy(),
        **{k: bad[c].to_numpy() for k, c in (("element_device", "element_backup"),
                                             ("element_other", "element_primary"))
           if c in bad.columns})


def row_margins(c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Each coordination row's margin, limit and margin unit as its violation row holds them:
    ``margin_s``/``required_s`` in s, except a row judged by I²t (``i2t_ratio`` given):
    ``ratio − 1`` and 0 as a fraction (:attr:`~protv2g.criteria.MarginUnit.FRACTION`).
    The unit is None (each criterion's own) where no row is an I²t row."""
    margin = pd.to_numeric(c["margin_s"], errors="coerce").to_numpy(float)
    limit = pd.to_numeric(c["required_s"], errors="coerce").to_numpy(float)
    if "i2t_ratio" not in c.columns:
        return margin, limit, None
    ratio = pd.to_numeric(c["i2t_ratio"], errors="coerce").to_numpy(float)
    by_i2t = np.isfinite(ratio)
    if not by_i2t.any():
        return margin, limit, None
    unit = np.where(by_i2t, MarginUnit.FRACTION.value, MarginUnit.SECOND.value).astype(object)
    return (np.where(by_i2t, ratio - 1.0, margin), np.where(by_i2t, 0.0, limit), unit)


def tc_band_text(r: object) -> str:
    """What a failing coordination row whose rule reads the primary fuse's total clearing
    (``t_primary_band_low_s`` given) says about the fuse's TC band, for its message: the TC
    used is the high end of the link's standard band (EEI-NEMA melting ranges of a K/T link,
    IEC 60269 gates of a gG link); whether the rule holds at the low end
    (the verdict flips inside the band: it rests on the fuse curve band) or fails across it;
    or that the link's TC table has no band. ``""`` for other rows. The rules that read it
    (C1 relay over fuse, C2 fuse TC < recloser delayed, C3 fuse–fuse) subtract the fuse's TC
    once: the margin at the low end is ``margin + (TC − low)``."""
    low = float(getattr(r, "t_primary_band_low_s", np.nan))
    t_p = float(r.t_primary_s)  # type: ignore[attr-defined]
    if np.isnan(low) or not np.isfinite(t_p):
        return ""
    if abs(t_p - low) <= _TOL_S:
        return f"; {r.primary}'s TC from its TC table (no band)"  # type: ignore[attr-defined]
    margin_low = float(r.margin_s) + (t_p - low)  # type: ignore[attr-defined]
    # a standard band: EEI-NEMA melting ranges (K/T) or IEC 60269 gates (gG)
    band = f"{r.primary}'s TC band {fmt_s(low)}–{fmt_s(t_p)}"  # type: ignore[attr-defined]
    if margin_low >= -_TOL_S:
        return (f"; TC taken at the high end of {band} (max melt + nominal arcing); at the low end "
                "(min melt, no arcing) the rule holds: the verdict rests on the fuse curve band "
                "(a maker's TC table for the link decides it)")
    return f"; fails across {band} (min melt … max melt + nominal arcing)"
