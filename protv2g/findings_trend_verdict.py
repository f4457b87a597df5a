"""The verdict of one story of a finding's margin against the V2G export (or the sites'
charging): its worst margin per kW level, whether it "worsens", "improves", "varies" or "does
not move", and the text :func:`protv2g.findings_trend.export_trend` leads with.

:func:`_trend` judges the rows within each participation case (:func:`_series`) with the
larger of the check's own tolerance (:func:`_check_tol` of the rows the export moved,
:func:`_moved_rows`) and :data:`TREND_REL` / :data:`TREND_ABS` (:func:`_trend_tol`); the
points it prints are the worst margin per kW (:func:`_min_by`), numbers in prose by
:func:`_fmt`. Which rows make the story (the followed row, a charging peak's rows, the
worsened rows elsewhere in the finding) is :mod:`protv2g.findings_trend`'s.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.equipment import IDLE_MARGIN
from protv2g.findings_trend_rows import PASSING_ROW, level_totals
from protv2g.significant import number_text

__all__ = ["TREND_ABS", "TREND_REL"]


def _fmt(x: float, unit: str) -> str:
    """``x`` in ``unit`` as the report writes a number in prose
    (:func:`protv2g.significant.number_text`: 4 significant digits, U+2212 minus, a fraction
    in %, "never" for +inf). The trend tells a direction; its worst point is the finding's
    worst margin, whose cell beside it keeps the 10 digits (review s15: prose at 3–4 digits,
    cells at full precision). −inf, a device that does not operate at all (C2 "fuse
    saving not possible"), reads "−∞ (does not operate)", not "−inf s" (review s22, F01)."""
    if x == -np.inf:
        return "−∞ (does not operate)"
    return number_text(x, unit)


#: The change of a margin that counts as moving with export: 1 % of the largest margin
#: magnitude, at least 1e-3 in the margin's unit (s, A, kA, fraction …); a change inside it
#: "does not move".
TREND_REL, TREND_ABS = 0.01, 1e-3


def _trend_tol(worst: np.ndarray) -> float:
    finite = worst[np.isfinite(worst)]
    return max(TREND_ABS, TREND_REL * float(np.abs(finite).max())) if len(finite) else TREND_ABS


def _moved_rows(cols: dict[str, np.ndarray], column: str) -> np.ndarray:
    """``(n,)`` bool: the rows with export (or charging, ``column``) above 0 kW — those whose
    tolerance the trend is judged with — or every row where none has.

    The attribution judges each such row's change from its base case against that row's own
    tolerance (:mod:`protv2g.checks.attribution`); the base case's rows (0 kW) are not judged
    and do not widen the band: a C5 pickup-scatter tolerance scales with the row's current,
    and the base row's larger one called IEEE 123's F-L107 "does not move with export, within
    the check's tolerance ±0.2845 × pickup" from −0.07737 to −0.3617 × pickup at 538 kW, a row
    its attribution (tolerance 0.2277) filed "worse" (review rev42b M2)."""
    p = cols.get(column)
    if p is None:
        return np.ones(len(cols["margin"]), dtype=bool)
    moved = np.asarray(p, dtype=float) > 0  # NaN: False
    return moved if moved.any() else np.ones(len(moved), dtype=bool)


def _check_tol(cols: dict[str, np.ndarray], ok: np.ndarray) -> float:
    """The check's tolerance of the finding's rows (:func:`trend_columns`; the largest
    finite ``tolerance`` of the rows ``ok``), 0 without one: the margin's change between
    export levels is compared with the same scatter the check and its attribution allow
    each row (the rows with export, :func:`_moved_rows`)."""
    if "tolerance" not in cols:
        return 0.0
    tol = cols["tolerance"][ok]
    tol = tol[np.isfinite(tol)]
    return float(np.abs(tol).max()) if len(tol) else 0.0


def _min_by(m: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The smallest ``m`` per distinct ``p``: (levels ascending, their minimum), as
    ``m.groupby(p).min().sort_index()`` (no NaN in either)."""
    levels, at = np.unique(p, return_inverse=True)
    low = np.full(len(levels), np.inf)
    np.minimum.at(low, at, m)
    return levels, low


def _series(m: np.ndarray, p: np.ndarray, part: np.ndarray
            ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Worst margin per ``p`` (kW) of each participation case (:func:`_min_by`); the rows
    without export (``p`` = 0, the base case) belong to every case. One series (key ``""``)
    without a participation column or with one case."""
    # the distinct cases by hashing (#21: a Python set over every row, 0.14-0.19 s of the
    # 10,000-bus study's findings)
    cases = sorted(x for x in pd.unique(part[p > 0]).tolist() if x)
    if len(cases) <= 1:
        return {"": _min_by(m, p)}
    base = p <= 0
    return {c: _min_by(m[base | (part == c)], p[base | (part == c)]) for c in cases}


def _trend(rows: dict[str, np.ndarray], unit: str, column: str, what: str,
           tolerance: float | None = None, followed: str = "", site: str = "") -> str:
    """Worst margin per ``column`` (kW), and whether it moves with it.

    The verdict is judged within each participation case (firm and expected export the same
    kW with different chargers online, so their worst margins at one kW are not a trend),
    from the lowest to the highest level: a change inside :data:`TREND_REL` /
    :data:`TREND_ABS` "does not move", and neither does a margin whose levels all lie inside
    it. The points printed are the worst margin per kW over the cases (or, for a margin that
    does not move, each case's value). On NumPy arrays (#21: the same numbers as the pandas
    groupings it replaced, ≈ 4 ms → 0.3 ms a finding, 92 findings on the IEEE 8500)."""
    m, p_all = rows["margin"], rows[column]
    ok = ~np.isnan(m) & ~np.isnan(p_all)
    if not ok.any():
        return ""
    m, p = m[ok], p_all[ok]
    part = rows["participation"][ok] if "participation" in rows else np.full(len(m), "")
    # one site's export on the x-axis: each level's all-sites total, of its worst row
    totals = (level_totals(m, p, rows["p_total_kw"][ok]) if site and "p_total_kw" in rows
              else {})
    # rows caused by V2G at one export level of a case: their base case (it passes) is the
    # point the margin moves from (a case with two levels or more is judged on its own rows)
    passes = (what == "export" and len(np.unique(p)) >= 2 and _passes_without_v2g(rows, ok, p)
              and any(len(s) < 2 for _, s in _series(m, p, part).values()))
    # the base twin's margin (``base_margin``: the same row without V2G, or without the
    # sites' charging) is the trend's 0 kW point where no row is there (review rev37a F5/F10,
    # EPRI ckt24 C8 F-HOMES: "does not move with charging: −9.423 A at 58 kW; −10.14 A at 72
    # kW" beside a gate line "fails by 6.62 A without charging … charging lowers the margin
    # by 3.521 A (material)"; ckt5 F01 left out its +2.759 s without V2G)
    b = rows["base_margin"][ok] if "base_margin" in rows else np.zeros(0)
    b = b[np.isfinite(b)]
    # the same rows with every charger idle and the project's equipment in (mix38): where
    # given, the 0 kW point the export moves from — the base case lacks the equipment (and
    # a device on it: ckt5 F02 read "passes at 0 kW (without V2G)" for F-DEPOT, which does
    # not exist without the project), so the base twin is said apart, "without the project"
    # (J1 1 kW F06: "worsens with export: −0.1216 × pickup at 0 kW; −0.2532 at 1 kW" beside
    # "caused by the project's equipment": the change was the transformer's)
    idle = (rows[IDLE_MARGIN][ok] if IDLE_MARGIN in rows and what == "export"
            else np.full(len(p), np.nan))
    idle = idle[np.isfinite(idle) & (p > 0)]
    idle_at = bool(len(idle))
    project = ""
    if idle_at:  # the base case's rows (0 kW) and twins: the point without the project
        zero = p <= 0
        without = np.concatenate([m[zero], b])
        without = without[~np.isnan(without)]
        if len(without):
            project = f"{_fmt(float(without.min()), unit)} without the project; "
        m, p, part = m[~zero], p[~zero], part[~zero]
    twin = bool(len(b)) and not (p <= 0).any() and len(np.unique(p)) >= 1 and not idle_at
    if idle_at:
        passes = False
        m, p, part = np.append(m, float(idle.min())), np.append(p, 0.0), np.append(part, "")
    if twin:
        passes = False
        m, p, part = np.append(m, float(b.min())), np.append(p, 0.0), np.append(part, "")
    if passes:  # the base case's point: the margin passes there (a bound, printed as such)
        m, p, part = np.append(m, 0.0), np.append(p, 0.0), np.append(part, "")
    index, worst = _min_by(m, p)
    # whose kW: a device's load row (A) counts the sites behind the device, a voltage or
    # loading row every site (checks.load._charging_kw, checks.flow_low.charging_at; review
    # ver47 M1: J1's recloser C8 trend said "all sites'" of the homes' 144 kW alone)
    whose = ("the charging of the sites behind the device" if what == "charging"
             and unit == "A" else f"all sites' {what}")
    axis = f"{whose} together"
    if totals:  # review rev48a #3: the site that drives it, not the total, moves the margin
        axis = (f"the export of {site} alone, the one site that drives the finding (Site "
                "driver column); in brackets all sites' export together")

    def kw(k: float) -> str:
        """``k`` kW, all sites' total in brackets on one site's axis."""
        total = totals.get(k, np.nan)
        return f"{k:,.0f} kW" + (f" (all sites {total:,.0f} kW)" if np.isfinite(total)
                                 and total != k else "")

    basis = f"(kW: {axis}{followed})"
    if len(worst) == 1:
        return f"{_fmt(float(worst[0]), unit)} at {kw(index[0])} {what} only {basis}"
    if idle_at:
        basis = (f"(kW: {axis}; the 0 kW point with every charger idle "
                 f"and the project's equipment in{followed})")
    check_tol = (_check_tol(rows, ok & _moved_rows(rows, column)) if tolerance is None
                 else float(tolerance))
    tol = max(_trend_tol(worst), check_tol)
    within = (f", within the check's tolerance ±{_fmt(check_tol, unit)}"
              if check_tol > _trend_tol(worst) else "")
    series = {c: (k, s) for c, (k, s) in _series(m, p, part).items() if len(s)}
    change, moves = [], False
    for k, s in series.values():
        if passes:  # the 0 kW point is a bound ("passes"), not a margin (review rev41a M3)
            s = s[k > 0]
            fin = s[np.isfinite(s)]
            if len(fin) == 1:  # from passing to one level: worse only where it fails there
                if fin[0] < -tol:
                    change.append(float(fin[0]))
                    moves = True
                continue
        fin = s[np.isfinite(s)]
        if len(fin) >= 2 and s[-1] == -np.inf:
            # finite at the lower levels, the device no longer operating at the highest: a
            # passing level read beside them (findings_trend_pass) is not an improvement
            # (the 10,000-bus study's F67: "improves … 331.9 s without V2G; 3446 s at 900 kW;
            # −∞ (does not operate) at 1,440 kW")
            change.append(-np.inf)
            moves = True
        elif len(fin) >= 2:
            change.append(float(fin[-1] - fin[0]))
            moves |= float(fin.max() - fin.min()) > tol
        elif len(s) >= 2 and np.isfinite(s).any():  # finite at one level only
            change.append(np.inf if np.isfinite(s[-1]) else -np.inf)
            moves = True
        elif len(s) >= 2:  # non-finite at every level (a device that never operates)
            # alike at every level it does not move; −∞ and +∞ at once, it does (review
            # rev43c M4: IEEE 123 F19, −∞ at 0, 264 and 529 kW, read "one export level per
            # participation case only … firm −∞ (does not operate) at 0 kW")
            alike = bool((s == s[0]).all())
            change.append(0.0 if alike else float(s[-1]))
            moves |= not alike
    pts = list(zip(index.tolist(), worst.tolist(), strict=True))
    if len(pts) > 5:
        pts = [pts[0], pts[len(pts) // 2], pts[-1]]
    span = (f"from {kw(index[0])} to {kw(index[-1])}" if totals
            else f"from {index[0]:,.0f} to {index[-1]:,.0f} kW")

    without = "without the sites' charging" if what == "charging" else "without V2G"

    def point(k: float, v: float) -> str:
        if k == 0 and idle_at:
            return f"{_fmt(float(v), unit)} with the chargers idle"
        if k == 0 and passes:
            return f"passes at {k:,.0f} kW (without V2G)"
        if k == 0 and (twin or what == "charging"):
            # a charging trend's 0 kW point is the no-charging case, a row or the twin: one
            # wording (review ver40 M-d: IEEE 37 F12 "at 0 kW" beside the depot's F05
            # "without the sites' charging")
            return f"{_fmt(float(v), unit)} {without}"
        return f"{_fmt(float(v), unit)} at {kw(k)}"

    if not change:  # one level per participation case: nothing to compare within a case
        # (passing without V2G and at its one level: no direction; review rev41a M3, IEEE 34
        # F20 read "improves with export: passes at 0 kW; 104.6 A at 846 kW; 101.7 A at …")
        real = p > 0 if passes else np.ones(len(p), dtype=bool)
        text = "; ".join(f"{c + ' ' if c else ''}{_fmt(float(s[0]), unit)} at "
                         f"{kw(float(k[0]))}" for c, (k, s) in _series(
                             m[real], p[real], part[real]).items() if len(s))
        return (f"one {what} level per participation case only (no trend within a case"
                + ("; it passes without V2G" if passes else "") + f"): {text} {basis}")
    if not moves and (shift := _inside_tolerance_shift(series, passes, _trend_tol(worst))):
        # inside the check's tolerance but not still: it moves by more than the trend's own
        # band, or across 0 (review rev44a M1, EPRI ckt5 F01: "does not move with export …:
        # 0.925 s without V2G; −0.4634 s at 1,269 kW; −0.8248 s at 1,586 kW")
        text = project + "; ".join(point(k, v) for k, v in pts)
        inside = (f"inside the check's tolerance ±{_fmt(check_tol, unit)}" if within
                  else f"inside ±{_fmt(tol, unit)}")
        return f"moves with {what} by {_fmt(shift, unit)}, {inside}: {text} {basis}"
    if not moves:
        flat = {c: float(s.min()) for c, (_, s) in series.items()}
        if len(flat) > 1 and max(flat.values()) - min(flat.values()) > tol:
            text = "; ".join(f"{c} {_fmt(v, unit)}" for c, v in flat.items())
            return f"does not move with {what}{within}: {text} at every level {span} {basis}"
        shown = {_fmt(float(v), unit) for _, v in pts}
        if len(shown) == 1:  # one value, printed once
            if idle_at:  # the chargers-idle point and every exporting level alike
                return (f"does not move with {what}{within}: {project}{shown.pop()} with the "
                        f"chargers idle and at every {what} level to {kw(index[-1])} "
                        f"{basis}")
            return (f"does not move with {what}{within}: {shown.pop()} at every level "
                    f"{span} {basis}")
        text = project + "; ".join(point(k, v) for k, v in pts)
        return f"does not move with {what}{within}: {text} {basis}"
    text = project + "; ".join(point(k, v) for k, v in pts)
    if all(c < -tol or abs(c) <= tol for c in change) and any(c < -tol for c in change):
        verdict = f"worsens with {what}"
    elif all(c > tol or abs(c) <= tol for c in change) and any(c > tol for c in change):
        verdict = f"improves with {what}"
    else:  # moves between levels, not from the lowest to the highest (or both ways)
        verdict = f"varies with {what} (no steady trend)"
    return f"{verdict}: {text} {basis}"


def _inside_tolerance_shift(series: dict[str, tuple[np.ndarray, np.ndarray]], passes: bool,
                            band: float) -> float:
    """The change (highest level less lowest; the largest in magnitude over the
    participation cases) of a margin the trend judges still within the check's tolerance,
    where it nonetheless moves by more than ``band`` (:func:`_trend_tol`) or crosses 0 — a
    trend that must not read "does not move" (review rev44a M1); 0.0 where none does.
    ``passes``: the 0 kW point is a bound, not a margin (left out)."""
    best = 0.0
    for k, s in series.values():
        fin = (s[k > 0] if passes else s)
        fin = fin[np.isfinite(fin)]
        if len(fin) < 2:
            continue
        crosses = float(fin.min()) < 0.0 <= float(fin.max())
        if crosses or float(fin.max() - fin.min()) > band:
            change = float(fin[-1] - fin[0])
            best = change if abs(change) > abs(best) else best
    return best


def _passes_without_v2g(rows: dict[str, np.ndarray], ok: np.ndarray, p: np.ndarray
                        ) -> bool:
    """Whether the rows' margin passes without V2G although no row says so: no row at 0 kW
    and every row ``new`` (caused by V2G: it passes in the base case,
    :mod:`protv2g.checks.attribution`). Where a participation case has a row at one export
    level only, its base case is then the trend's other point, not a missing level (review
    s21, EPRI J1's F03: reverse power through the substation regulator at 100 % export only,
    in each participation case, read "does not move with export: expected −0.0556 MW; firm
    −0.4458 MW at every level")."""
    if "attribution" not in rows or not len(p) or (p <= 0).any():
        return False
    att = rows["attribution"][ok]
    att = att[att != PASSING_ROW]  # the coordination table's passing rows beside them
    return bool(len(att)) and bool((att == "new").all())
