"""C7's rows of the fault table: each (scenario, device, case) group's worst fault, the split
currents with it (:mod:`protv2g.checks.converter_sum`), and the scenarios that repeat another's
rows (:mod:`protv2g.checks.scenario_twins`). Split from :mod:`protv2g.checks.duty` (#21: the
module had grown past 400 lines); the duty figures and their sources are described there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._keys import FAULT_KEY_COLUMNS, FaultKeys
from protv2g.checks._rows import column_at, factorize_all, first_largest, key_codes
from protv2g.checks.asymmetry import asym_rms_ka, dss_driving_point_x_r
from protv2g.checks.converter_sum import (
    GRID_COLUMNS,
    IDLE_COLUMNS,
    NET_COLUMNS,
    phasors_ka,
    split_against_base,
)
from protv2g.checks.converter_sum import _base_rows as base_rows
from protv2g.checks.scenario_twins import BaseTwins, base_twins, scenario_labels
from protv2g.units import Method

__all__ = ["KEYS", "GROUP_KEYS", "worst_rows", "first_largest", "duty_twins",
           "with_twin_scenarios", "rated_and_case_rows", "base_ka", "change_text",
           "known_x_r_kappa", "take_block", "block_base_rows", "dss_x_r", "same_fault_base",
           "same_fault_text", "idle_magnitudes", "group_largest", "change_shares",
           "project_change"]

#: Columns that name the same fault and device in another scenario (the base case's row).
KEYS = ["fault_bus", "fault_type", "case", "device"]
#: One row of the duty frame per group.
GROUP_KEYS = ["scenario", "device", "case"]


def worst_rows(faults: pd.DataFrame, base_of: Mapping[str, str],
               base_row: np.ndarray | None = None) -> pd.DataFrame:
    """Rows of ``faults`` with the split currents (:func:`split_against_base`), the row with
    the largest ``i_max_ka`` of each (scenario, device, case) kept, in that key's order.
    ``base_row``: each row's base row in ``faults`` when known
    (:func:`block_base_rows`).

    ``i_idle_ka`` on each kept row: the group's largest current with **every charger idle**
    and the sites' own equipment in, over all its faults (the maximum case's rows whose
    network part is the chargers-idle solve, :attr:`~protv2g.checks.converter_sum.
    ConverterSplit.i_idle_ka`; NaN for a group without them): the reference of the
    chargers' share of a fault-level change (:mod:`protv2g.checks.duty`, review rev37b F2).

    The kept rows are found first and only they are copied and given the split columns
    (#21: ``reset_index`` and two ``assign`` copied the whole block three times)."""
    f = faults.copy(deep=False)
    f.index = pd.RangeIndex(len(f))
    # the network's part: the base case's phasor through the device for the same fault
    cols = [c for p in "abc" for c in (f"i{p}_ka", f"i{p}_degree")]
    # a hand-built table without angles: every phasor at 0° (the parts taken in phase)
    missing = {c: 0.0 for c in cols if c not in f.columns}
    if missing:
        f = f.assign(**missing)
    if base_row is None and not missing:  # each row's base row, as the split finds it
        base_row = base_rows(f, KEYS, base_of)[0]
    cand = None if base_row is None or missing else candidate_rows(f, base_row)
    if cand is None:
        split = split_against_base(f, KEYS, base_of, base_row)
        top = at = first_largest(f, GROUP_KEYS, split.i_sym_ka)
        idle_row = split.i_idle_ka
    else:  # only the rows that can hold their group's largest current are split (#21)
        split = split_against_base(f, KEYS, base_of, base_row, rows=cand)
        at = first_largest(f[GROUP_KEYS].iloc[cand].reset_index(drop=True), GROUP_KEYS,
                           split.i_sym_ka)
        top = cand[at]
        idle_row = idle_magnitudes(f, base_row)
    return f.loc[top].assign(
        i_max_ka=split.i_sym_ka[at], i_phasor_ka=split.i_phasor_ka[at],
        i_iec_sum_ka=split.i_iec_sum_ka[at], current_basis=split.basis[at],
        i_network_ka=split.i_network_ka[at], i_converter_ka=split.i_converter_ka[at],
        i_idle_ka=group_largest(f, idle_row, top))


def idle_magnitudes(f: pd.DataFrame, base_row: np.ndarray) -> np.ndarray:
    """Each row's :attr:`~protv2g.checks.converter_sum.ConverterSplit.i_idle_ka` without the
    split (no existing DER: ``max |I_idle|`` over the phases; a phase that is not finite
    counted as 0, as the split takes it), for every row of ``f`` where :func:`worst_rows`
    splits only the candidates: the same numbers (``|phasors_ka(ka, degree)|``, which can
    differ from ``|ka|`` in the last place). NaN where the network part
    is not a chargers-idle solve, outside the maximum case and without a base row or a
    network part of the row's own (the split's ``phasor_no_base``)."""
    n = len(f)
    out = np.full(n, np.nan)
    have = [cols for cols in (IDLE_COLUMNS, NET_COLUMNS) if set(cols) <= set(f.columns)]
    if not have:
        return out
    codes, cases = factorize_all(f["case"].to_numpy())
    is_max = np.array([str(u) == "max" for u in cases], bool)
    mx = is_max[codes] if len(is_max) else np.zeros(n, bool)
    for cols in have:  # NET last: it wins, as in the split
        ka = np.column_stack([f[c].to_numpy(dtype=float) for c in cols[0::2]])
        deg = np.column_stack([f[c].to_numpy(dtype=float) for c in cols[1::2]])
        z = phasors_ka(ka, deg)  # |phasor| as the split takes it, bit for bit (not |ka|)
        fin = np.isfinite(z)
        own = fin.any(axis=1)
        mag = np.where(fin, np.abs(z), 0.0).max(axis=1)
        out = np.where(own & mx, mag, out)
    return out


def group_largest(f: pd.DataFrame, values: np.ndarray, top: np.ndarray) -> np.ndarray:
    """The largest of ``values`` (NaN ignored; NaN where all are) over each
    (scenario, device, case) group of ``f``, at the group's kept row ``top``."""
    group = key_codes([f[k].to_numpy() for k in GROUP_KEYS])
    most = np.full(int(group.max()) + 1 if len(group) else 0, -np.inf)
    v = np.asarray(values, float)
    np.maximum.at(most, group, np.where(np.isnan(v), -np.inf, v))
    got = most[group[np.asarray(top, dtype=np.int64)]] if len(top) else np.zeros(0)
    return np.where(np.isfinite(got), got, np.nan)


#: Relative allowance on :func:`candidate_rows`' bounds for the rounding of the phasor
#: arithmetic (a few units in the last place, ~1e-15 relative: far above it).
_BOUND_SLACK = 1e-6


def candidate_rows(f: pd.DataFrame, base_row: np.ndarray) -> np.ndarray | None:
    """Ascending positions of the rows of ``f`` that may hold the largest symmetrical
    current of their (scenario, device, case) group (:func:`worst_rows`), found on the
    magnitudes alone before any phasor is formed; None where that cannot be said (an
    infinite magnitude, an existing-DER split) — then every row is split. A row with a
    network part of its own (:data:`~protv2g.checks.converter_sum.NET_COLUMNS`, no base
    row; the chargers-idle ``IDLE_COLUMNS`` of a row with one, rev37b F2) has
    ``2|I_net,p|`` in its upper bound, as a base row's.

    Per row (phases ``p``; ``I`` the row's phasor, ``I_b`` its base row's, magnitudes the
    ``i<p>_ka`` columns, a phase that is not finite counted as 0 as
    :func:`~protv2g.checks.converter_sum.split_currents` takes it): the current judged is
    the phasor ``max|I_p|`` or, in the maximum case, the IEC sum ``max(|I_b,p| + |I_p −
    I_b,p|)``. Both are at least the largest magnitude whose angle is finite (triangle
    inequality); at most ``max|I_p|``, in the maximum case ``max(2|I_b,p| + |I_p|)``. A row
    whose upper bound is below its group's largest lower bound (each with
    :data:`_BOUND_SLACK`) carries less than the group's largest and is never its first
    largest; every other row is kept, so the first largest of the kept rows is the group's:
    the same row, the same numbers (#21: C7 split every maximum-case row of the rated
    devices at 10,000 buses for one row per device and scenario, the Device duty sheet the
    minimum case's rows as well).
    """
    if set(GRID_COLUMNS) & set(f.columns):
        return None
    net = set(NET_COLUMNS) <= set(f.columns)  # rows with a network part of their own
    idle = set(IDLE_COLUMNS) <= set(f.columns)  # rows whose twin's network is not theirs
    ka = [np.abs(f[f"i{p}_ka"].to_numpy(dtype=float)) for p in "abc"]
    deg = [f[f"i{p}_degree"].to_numpy(dtype=float) for p in "abc"]
    if any(np.isinf(x).any() for x in ka):
        return None  # an infinite magnitude: its phasor is not finite, taken as 0
    row = np.asarray(base_row, dtype=np.int64)
    # the IEC sum only in the maximum case (as split_currents decides it): the phasor else
    codes, cases = factorize_all(f["case"].to_numpy())
    is_max = np.array([str(u) == "max" for u in cases], bool)
    mx = is_max[codes] if len(is_max) else np.zeros(len(row), bool)
    has = (row >= 0) & mx
    base = np.maximum(row, 0)
    low = np.zeros(len(f))
    high = np.zeros(len(f))
    for p, m, d in zip("abc", ka, deg, strict=True):
        m0 = np.where(np.isnan(m), 0.0, m)
        low = np.maximum(low, np.where(np.isfinite(d), m0, 0.0))
        up = m0 + 2.0 * np.where(has, m0[base], 0.0)
        for own in [o for o, on in (("net", net), ("idle", idle)) if on]:
            # the split's network part may be these instead: bounded by any
            n = np.abs(f[f"i{p}_{own}_ka"].to_numpy(dtype=float))
            up = up + 2.0 * np.where(mx & np.isfinite(n), n, 0.0)
        high = np.maximum(high, up)
    group = key_codes([f[k].to_numpy() for k in GROUP_KEYS])
    largest_low = np.zeros(int(group.max()) + 1 if len(group) else 0)
    np.maximum.at(largest_low, group, low * (1.0 - _BOUND_SLACK))
    keep = high * (1.0 + _BOUND_SLACK) >= largest_low[group]
    return np.flatnonzero(keep)


def duty_twins(faults: pd.DataFrame, rows: np.ndarray | None, columns: Sequence[str] | None,
               base_of: Mapping[str, str]) -> BaseTwins | None:
    """:func:`~protv2g.checks.scenario_twins.base_twins` of the duty frame's input: the
    scenarios whose rows of ``faults`` (``columns`` of them, the scenario aside) and whose
    base case's rows repeat another's (#21: light and peak load, export levels past the
    chargers' current limit — four of the six scenarios at 10,000 buses). ``None`` where the
    table's columns are not all NumPy arrays (taken as they are, an extension dtype would
    come out of :func:`take_block` converted)."""
    if "scenario" not in faults.columns:
        return None
    cols = [c for c in (columns if columns is not None else faults.columns) if c != "scenario"]
    # a categorical key column (the fault tables', #21) compared on its codes: equal codes
    # of one column are equal values; :func:`take_block` takes it as its values (object)
    # with or without twins
    cat = {c for c in [*cols, "scenario"] if isinstance(faults[c].dtype, pd.CategoricalDtype)}
    if not all(isinstance(faults[c].dtype, np.dtype) or c in cat for c in [*cols, "scenario"]):
        return None
    return base_twins(scenario_labels(faults["scenario"]),
                      [faults[c].cat.codes.to_numpy() if c in cat else faults[c].to_numpy()
                       for c in cols], base_of, rows)


def with_twin_scenarios(frame: pd.DataFrame, labels: np.ndarray,
                        copies: list[tuple[slice, slice]]) -> pd.DataFrame:
    """The duty frame of the evaluated scenarios with each copied scenario's rows added: its
    twin's rows (:func:`duty_twins`) under its own name, in :data:`GROUP_KEYS` order as the
    frame of every scenario is (one row per group, so the order is the keys')."""
    scen = frame["scenario"].to_numpy()
    parts = [frame]
    for dst, src in copies:
        rows = np.flatnonzero(scen == labels[src.start])
        parts.append(frame.iloc[rows].assign(scenario=labels[dst.start]))
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(GROUP_KEYS, kind="stable").reset_index(drop=True)


def rated_and_case_rows(faults: pd.DataFrame, keys: FaultKeys | None, rated: Sequence[str],
                        case: str) -> tuple[np.ndarray, np.ndarray]:
    """``(faults.device.isin(rated), faults.case == case)`` as boolean arrays, worked out per
    device and per fault on the table's codes ``keys`` when given (#21: an ``isin`` and a
    comparison of 1.8 million objects at 10,000 buses): a device name is rated, a case value
    equal to ``case``, for all of its rows."""
    if keys is None or keys.combined is None or len(keys.levels) != len(FAULT_KEY_COLUMNS) \
            or len(keys.fault) != len(faults):
        return faults["device"].isin(rated).to_numpy(), faults["case"].to_numpy() == case
    levels = keys.levels[FAULT_KEY_COLUMNS.index("case")]
    # the case is the last digit of the faults' mixed-radix codes (FaultKeys.combined)
    is_case = levels.to_numpy(dtype=object) == case
    of_fault = is_case[keys.combined % max(len(levels), 1)] if len(levels) else \
        np.zeros(len(keys.combined), dtype=bool)
    return keys.names.isin(rated)[keys.device], of_fault[keys.fault]


def base_ka(w: pd.DataFrame, base_of: dict[str, str]) -> np.ndarray:
    """The base case's largest symmetrical current (kA) of each row's device and case, NaN
    for a base-case row and where the base case has none."""
    base = w[w.scenario == w.scenario.map(base_of)][["device", "case", "scenario",
                                                     "i_max_ka"]]
    base = base.rename(columns={"scenario": "_base", "i_max_ka": "_i_base"})
    base = base.drop_duplicates(["device", "case", "_base"])
    key = w[["device", "case"]].assign(_base=w.scenario.map(base_of).fillna("").to_numpy())
    out = key.merge(base, on=["device", "case", "_base"], how="left")["_i_base"].to_numpy(
        float)
    out[(w.scenario.to_numpy() == key._base.to_numpy())] = np.nan
    return out


def change_shares(i_ka: np.ndarray, i_idle_ka: np.ndarray, i_base_ka: np.ndarray,
                  fraction: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """C7's fault-level change split into its causes (review rev37b F2).

    Parameters
    ----------
    i_ka : ndarray
        ``(n,)`` each row's largest symmetrical current (kA), the IEC sum.
    i_idle_ka : ndarray
        ``(n,)`` the same device's largest with every charger idle and the sites' own
        equipment in (kA; :func:`worst_rows`), NaN without such a solve.
    i_base_ka : ndarray
        ``(n,)`` its largest in the base case (kA), NaN for a base row and without one.
    fraction : float
        ``checks.v2g_change_fraction`` (domain.md C7: 10 %).

    Returns
    -------
    (rise_v2g, rise_equipment, v2g, equipment)
        The chargers' share ``I / I_idle − 1`` (``I / I_base − 1`` without an idle figure)
        and the equipment's ``I_idle / I_base − 1`` (NaN without one), and the rows each
        cause's share crosses ``fraction`` on: ``v2g`` — a V2G-caused increase (the
        chargers' share alone beyond it); ``equipment`` — the project's equipment's share
        beyond it and the chargers' not (a row where both cross is V2G's, its message saying
        the equipment's share too). A total beyond the fraction whose two shares each stay
        within it is neither's.

    Examples
    --------
    IEEE 34, F-818 (rev37b F2): 0.3312 kA with the chargers on the base network, 0.2885 kA
    without the project; the depot's YNd makes it 0.3070 kA with every charger idle:

    >>> r = change_shares(np.array([0.3200]), np.array([0.3070]), np.array([0.2885]), 0.1)
    >>> [round(float(x[0]), 3) for x in r[:2]], bool(r[2][0]), bool(r[3][0])
    ([0.042, 0.064], False, False)
    """
    i = np.asarray(i_ka, float)
    idle = np.asarray(i_idle_ka, float)
    base = np.asarray(i_base_ka, float)
    has_idle = np.isfinite(idle) & np.isfinite(base)
    with np.errstate(divide="ignore", invalid="ignore"):
        rise_v2g = i / np.where(has_idle, idle, base) - 1.0
        rise_eq = np.where(has_idle, idle / base - 1.0, np.nan)
    v2g = rise_v2g > fraction + 1e-12
    equipment = ~v2g & (rise_eq > fraction + 1e-12)
    return rise_v2g, rise_eq, v2g, equipment


def project_change(i_ka: np.ndarray, i_idle_ka: np.ndarray, i_base_ka: np.ndarray,
                   fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """The project's whole fault-level change where neither of its shares crosses the
    fraction by itself (mix38; ver37 §5b: IEEE 34 F-818 +16.1 % against no project = +6.4 %
    the equipment's and +9.1 % the chargers', and C7 flagged nothing).

    domain.md C7 flags "a V2G-caused increase > 10 %": the 10 % is ``checks.
    v2g_change_fraction`` (domain.md §4, C7; the study's Rules sheet), a screening figure for
    a change of the duty large enough to re-check the device's rating, not a figure of either
    cause. :func:`change_shares` splits the change so that each cause's own flag names its
    remedy; the device's duty is raised by the project as a whole all the same, so a total
    ``I / I_base − 1`` beyond the fraction whose two shares each stay within it is flagged
    too, as the project's (its equipment and its chargers together).

    Returns
    -------
    (rise, project)
        ``(n,)`` the total ``I / I_base − 1`` (NaN without a base figure), and ``(n,)`` bool:
        the rows with an idle figure whose total crosses ``fraction`` while neither share of
        :func:`change_shares` does.

    >>> r, p = project_change(np.array([0.334876, 0.3200]), np.array([0.307019, 0.3070]),
    ...                       np.array([0.288450, 0.2885]), 0.1)
    >>> [round(float(x), 3) for x in r], p.tolist()
    ([0.161, 0.109], [True, True])
    """
    i = np.asarray(i_ka, float)
    idle = np.asarray(i_idle_ka, float)
    base = np.asarray(i_base_ka, float)
    _, _, v2g, equipment = change_shares(i, idle, base, fraction)
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(base > 0, i / base - 1.0, np.nan)
    project = (np.isfinite(idle) & (rise > fraction + 1e-12) & ~v2g & ~equipment)
    return rise, project


def change_text(i_ka: float, i_base_ka: float) -> str:
    """``"; +4 % against no V2G's largest symmetrical current (2.10 kA)"`` (empty for a
    base-case row): the device's largest symmetrical current over every fault, with and
    without V2G (each its own worst fault)."""
    if not np.isfinite(i_base_ka) or i_base_ka <= 0:
        return ""
    return (f"; symmetrical {i_ka / i_base_ka - 1.0:+.0%} against no V2G's largest "
            f"({i_base_ka:.2f} kA)")


def same_fault_base(w: pd.DataFrame, rating_s: np.ndarray, t_s: float, f_hz: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``(symmetrical, duty)`` kA of each duty row's own fault without V2G: the network's
    part ``i_network_ka``, which is the base case's current through the device for the same
    fault, fault type and case (:func:`worst_rows`) — with the sites' own equipment in the
    row's model, the same with every charger idle (rev37b F2) — where the row is on the IEC sum
    (``current_basis == "iec_sum"``), and its duty on the row's rating basis (all of it the
    network's: offset at the row's X/R, ``rating_s`` the rating's asymmetry factor,
    :mod:`protv2g.checks.duty`); NaN where the row has no base twin, on a feeder with
    existing inverter sources (the network part is the grid alone there) and for a base
    row. Review rev33b W3: the text set the asymmetrical duty beside a symmetrical change
    against another base figure."""
    n = len(w)
    if not n or set(GRID_COLUMNS) & set(w.columns):
        return np.full(n, np.nan), np.full(n, np.nan)
    twin = (w.current_basis.astype(str).to_numpy() == "iec_sum") & (
        w.i_converter_ka.to_numpy(float) > 1e-9)
    i_b = np.where(twin, w.i_network_ka.to_numpy(float), np.nan)
    asym = asym_rms_ka(np.nan_to_num(i_b), np.nan_to_num(i_b), w.x_r.to_numpy(float),
                       t_s, f_hz)
    duty = np.where(w.rating_basis.astype(str).to_numpy() == "asym", asym,
                    np.maximum(np.nan_to_num(i_b), asym / rating_s))
    return i_b, np.where(twin, duty, np.nan)


def same_fault_text(r: Any, sym_b: float, duty_b: float) -> str:
    """The fail text's change against no V2G, like with like (review rev33b W3): the duty
    (the rating's basis) and the symmetrical current of the same fault without V2G;
    :func:`change_text` on the largest currents where the row has no base twin."""
    if not np.isfinite(duty_b) or duty_b <= 0 or not np.isfinite(sym_b) or sym_b <= 0:
        return change_text(r.i_max_ka, getattr(r, "i_base_ka", np.nan))
    what = ("asymmetrical rms" if r.rating_basis == "asym" else
            "symmetrical equivalent" if r.i_duty_ka > r.i_max_ka + 1e-9 else "symmetrical")
    idle = np.isfinite(float(getattr(r, "i_idle_ka", np.nan)))  # network: chargers idle
    text = (f"; {'with every charger idle' if idle else 'without V2G'} at the same fault "
            f"{duty_b:.2f} kA {what} ({r.i_duty_ka / duty_b - 1.0:+.0%} with "
            f"{'the chargers' if idle else 'V2G'})")
    if what != "symmetrical":
        text += (f", symmetrical {sym_b:.2f} → {r.i_max_ka:.2f} kA "
                 f"({r.i_max_ka / sym_b - 1.0:+.0%})")
    return text


def known_x_r_kappa(buses: np.ndarray, known: dict[int, tuple[float, float]] | None
                     ) -> tuple[np.ndarray, np.ndarray] | None:
    """``(x_r, kappa)`` at ``buses`` from ``known`` (fault bus → (X/R, κ),
    :meth:`~protv2g.checks.duty_known.KnownDuty.x_r_kappa`), or None unless every bus is in it."""
    if not known or not len(buses):
        return None
    got = [known.get(b) for b in np.asarray(buses, dtype=np.int64).tolist()]
    if any(g is None for g in got):
        return None
    return (np.array([g[0] for g in got], dtype=float),
            np.array([g[1] for g in got], dtype=float))


def dss_x_r(model: Any, buses: np.ndarray, known: dict[int, float],
             method: Any = Method.CLASSICAL) -> np.ndarray:
    """:func:`dss_driving_point_x_r` at ``buses`` on the fault study's ``method``'s network,
    those in ``known`` taken from it (#21: C7 and the Device duty sheet each factorised
    ``y_s`` and solved mostly the same buses)."""
    buses = np.asarray(buses, dtype=np.int64)
    have = np.fromiter((b in known for b in buses.tolist()), dtype=bool, count=len(buses))
    out = np.empty(len(buses))
    out[have] = [known[b] for b in buses[have].tolist()]
    if not have.all():
        out[~have] = dss_driving_point_x_r(model, buses[~have], method)
    return out


def take_block(faults: pd.DataFrame, rows: np.ndarray | None, columns: list[str] | None,
          at: np.ndarray | None) -> pd.DataFrame:
    """The rows ``at`` (positions in ``rows``, all when None) of ``faults[columns]``, built
    from the columns' arrays: no copy of the rest of the table."""
    if rows is None and columns is None:
        return faults if at is None else faults.iloc[at]
    r = np.arange(len(faults)) if rows is None else np.asarray(rows)
    r = r if at is None else r[at]
    # the gathered arrays are new: taken as they are, not consolidated (a second copy, #21)
    # a categorical column's rows written out alone (#21: each block wrote out the whole
    # 911,767-row column at 10,000 buses): the same values
    return pd.DataFrame({c: column_at(faults[c], r) for c in columns or faults.columns},
                        copy=False)


def block_base_rows(keys: FaultKeys | None, rows: np.ndarray | None, at: np.ndarray | None,
                     n_rows: int, base_of: dict[str, str]) -> np.ndarray | None:
    """Each row's base row in the block :func:`take_block` builds (``-1``: none), from the
    fault codes ``keys`` of the table of ``n_rows`` rows; ``None`` without them."""
    if keys is None or len(keys.fault) != n_rows:
        return None
    r = np.arange(n_rows) if rows is None else np.asarray(rows, dtype=np.int64)
    return keys.base_rows(r if at is None else r[at], base_of)
