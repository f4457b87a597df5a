"""C1–C4 pairs new with the project's equipment judged with **every charger idle**
(:func:`idle_coordination`, kept in ``ctx.cache[IDLE_PAIRS]``): a failing pair row the base
case has not is the equipment's (:data:`~protv2g.checks.project_equipment.EQUIPMENT`,
:func:`equipment_pairs`) where the pair fails idle too, or passes there by less than its
tolerance and V2G moves it within it (the attribution's rule for a marginal twin) — the rule
and its reasons are :mod:`protv2g.checks.equipment`'s (its docstring's C1–C4 item and
pandapower path).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._keys import fault_keys
from protv2g.checks._rows import text_isin
from protv2g.checks._times import device_times
from protv2g.checks.attribution_materiality import (
    PRE_EXISTING,
    WORSE,
    lowered_beyond,
    passing_twin_codes,
    twin_tolerance,
    who_moves,
)
from protv2g.checks.close_in_twins import close_in_twin_buses
from protv2g.checks.converter_sum import (
    DER_IN_COLUMN,
    GRID_COLUMNS,
    IDLE_COLUMNS,
    IDLE_GRID_COLUMNS,
    NET_COLUMNS,
    phasors_ka,
)
from protv2g.checks.directional_release import idle_release
from protv2g.checks.operating_element import ELEMENT_WORDS, OperatingElement
from protv2g.checks.project_equipment import EQUIPMENT, site_equipment

__all__ = ["IDLE_COLUMNS", "IDLE_GRID_COLUMNS", "IDLE_MARGIN", "IDLE_PAIRS", "equipment_pairs",
           "idle_coordination", "idle_pair_margins", "idle_pair_text"]

#: ``ctx.cache`` key of :func:`idle_coordination`'s table (made once per check run, next to
#: the coordination table: :func:`protv2g.checks.run_checks`).
IDLE_PAIRS = "idle pairs"
#: The coordination table's key of one pair row (:data:`~protv2g.checks.pairs.
#: COORDINATION_COLUMNS`).
_PAIR_KEY = ("criterion", "check", "scenario", "fault_bus", "fault_type", "case", "primary",
             "backup")


#: Phase phasors with **every charger idle** and the sites' own equipment in (existing DER
#: in the maximum case; in the minimum case at the end the row took, out or in:
#: :data:`~protv2g.checks.converter_sum.DER_IN_COLUMN`), kA and degrees, on the device rows
#: that *have* a base twin in a
#: part that builds a site's equipment (e.g. a feeder relay at the close-in fault of a
#: fuse on a site's transformer, whose bus the base case has): the same engine call's
#: :data:`~protv2g.study.engine_inputs.SITES_IDLE` rows, 0 where the device sees < 1 A there
#: (:func:`protv2g.pipeline_blocks.with_network_columns`); NaN on every other row; absent
#: on a study without such rows. Read by the idle judgements only (the pairs':
#: :func:`idle_coordination`, at a fault of a row without a twin; C5's and C6's:
#: :mod:`protv2g.checks.equipment_rows`): not :data:`~protv2g.checks.converter_sum.NET_COLUMNS`,
#: which would take the network's part of C7's and the duty's split from the base twin.
# IDLE_COLUMNS / IDLE_GRID_COLUMNS: defined once in converter_sum (imported above)


def _mate_rows(f: pd.DataFrame, at: np.ndarray) -> np.ndarray:
    """The other devices' rows at the faults (same scenario) of the rows ``at`` (those with
    a network part of their own), which have a base twin and their chargers-idle currents
    in :data:`IDLE_COLUMNS` — e.g. a feeder relay at the close-in fault of a fuse on a
    site's transformer (its base case has the feeder's bus). Every fault type: for a ground
    fault the transformer's grounded winding changes the relay's current from its base
    twin's (YNd: a zero-sequence source), which is why the base twin is not taken.

    Returns
    -------
    ndarray
        Positions in ``f`` of the mate rows (none without :data:`IDLE_COLUMNS`)."""
    if not set(IDLE_COLUMNS) <= set(f.columns):
        return np.zeros(0, np.int64)
    key = ["scenario", "fault_bus", "fault_type", "case"]
    own = pd.MultiIndex.from_arrays([f[k].astype(str).to_numpy() for k in key])
    mates = own.isin(own[at].unique()) & np.isfinite(f["ia_idle_ka"].to_numpy(float))
    return np.flatnonzero(mates)


def _idle_table(faults: pd.DataFrame, at: np.ndarray, which: str,
                mates: np.ndarray | None = None) -> pd.DataFrame:
    """The device rows ``at`` of the checks' fault table with the currents of ``which``
    (``"net"``: every charger idle, :data:`NET_COLUMNS`; ``"grid"``: the grid alone,
    :data:`GRID_COLUMNS`) as their ``ia_ka`` … ``i3i0_ka`` (3I0 from the phasors' sum);
    ``mates`` (:func:`_mate_rows`) appended with theirs (:data:`IDLE_COLUMNS`,
    :data:`IDLE_GRID_COLUMNS`).

    A minimum-case row that took the existing inverters in (:data:`~protv2g.checks.
    converter_sum.DER_IN_COLUMN`) keeps its idle figure of that end for ``"grid"`` too: the
    grid alone is the inverters-out end there, which its row did not take (ver36 V3: a pair
    judged at an end its rows did not take passed idle and its row read "caused by V2G")."""
    cols = ["scenario", "device", "fault_bus", "fault_type", "case", "fault_bus_name",
            *(c for c in ("fault_kind", "phase") if c in faults.columns)]
    mates = np.zeros(0, np.int64) if mates is None else mates
    rows = np.concatenate([at, mates])
    out = {c: faults[c].to_numpy()[rows] for c in cols}
    total = np.zeros(len(rows), dtype=complex)
    own = which == "grid" and DER_IN_COLUMN in faults.columns
    der_in = (faults[DER_IN_COLUMN].to_numpy(bool) if own
              else np.zeros(len(faults), dtype=bool))

    def column(name: str, end: str, where: np.ndarray) -> np.ndarray:
        """``name``'s values at ``where``, the ``end`` columns' on the DER-in rows."""
        got = faults[name].to_numpy(float)[where]
        if not der_in[where].any():
            return got
        return np.where(der_in[where], faults[end].to_numpy(float)[where], got)

    mine = "idle" if which == "net" else "idle_grid"
    volts = f"va_{mine}_pu" in faults.columns  # a directional relay's: its polarisation
    for p in "abc":
        i_ka, deg = (np.concatenate([
            column(f"i{p}_{which}_{u}", f"i{p}_net_{u}", at), *(
                [column(f"i{p}_{mine}_{u}", f"i{p}_idle_{u}", mates)] if len(mates) else [])])
            for u in ("ka", "degree"))
        i_ka, deg = np.nan_to_num(i_ka), np.nan_to_num(deg)
        out[f"i{p}_ka"] = i_ka
        total += phasors_ka(i_ka, deg)
        if volts:  # the same solution's voltages (IDLE_VOLTAGE_COLUMNS: one set, every row)
            out[f"i{p}_degree"] = deg
            for u in ("pu", "degree"):
                out[f"v{p}_{u}"] = np.nan_to_num(column(f"v{p}_{mine}_{u}", f"v{p}_idle_{u}",
                                                        rows))
    out["i3i0_ka"] = np.abs(total)
    return pd.DataFrame(out)


def idle_coordination(ctx: Any, evaluate: Any) -> pd.DataFrame | None:
    """The C1–C4 coordination rows the base case has not, with every charger idle
    (:mod:`protv2g.checks.equipment`'s docstring, :func:`equipment_pairs`); ``None`` on a
    study without such rows.

    Parameters
    ----------
    ctx : CheckContext
        The checks' context; its fault table's :data:`NET_COLUMNS` (and, with existing DER,
        :data:`GRID_COLUMNS`) are read on the rows where they are given.
    evaluate : callable
        :func:`protv2g.checks.coordination.evaluate_pairs` (passed in: that module's rows
        read this one's).

    Returns
    -------
    DataFrame or None
        ``COORDINATION_COLUMNS`` of the pairs at the faults both devices' rows have a
        network part for, keyed like the study's rows (same scenario names). With existing
        DER two evaluations, each row's worse kept (the larger margin: the pair counts as
        the equipment's only where it fails at both ends).
    """
    f = getattr(ctx, "faults", None)
    if f is None or not set(NET_COLUMNS) <= set(f.columns):
        return None
    at = np.flatnonzero(np.isfinite(f["ia_net_ka"].to_numpy(float)))
    if not len(at):
        return None
    ends = ["net"]
    if set(GRID_COLUMNS) <= set(f.columns):  # existing DER: its first cycle and none
        ends.append("grid")
    mates = _mate_rows(f, at)
    tables = []
    for which in ends:
        # a forward-directional relay's elements its control releases idle (fix41d)
        t = device_times(ctx.devices, idle_release(ctx, _idle_table(f, at, which, mates)))
        sub = dataclasses.replace(ctx, faults=t, keys=fault_keys(t), staged=None,
                                  staged_high=None, coordination=None, bracket="high",
                                  cache={})
        tables.append(evaluate(sub))
    out = _own_pairs(tables[0], f, at) if len(mates) else tables[0]
    out = _without_base_pairs(ctx, out)
    if len(tables) == 2 and len(out):
        other = tables[1].set_index(list(_PAIR_KEY))["margin_s"]
        other = other[~other.index.duplicated()]
        m2 = other.reindex(pd.MultiIndex.from_frame(out[list(_PAIR_KEY)])).to_numpy(float)
        # fails at both ends: a pair passing at either is not the equipment's alone
        passes = np.isnan(m2) | (m2 >= -1e-9)
        out = out.assign(ok=out["ok"].to_numpy(bool) | passes,
                         margin_s=np.fmax(out["margin_s"].to_numpy(float), m2))
    return out


def _own_pairs(coord: pd.DataFrame, f: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """The rows of ``coord`` where the primary or the backup has a network part of its own
    at the fault (one of the rows ``at`` of ``f``): the pairs the base case has not; a pair of
    two :func:`_mate_rows` is the base case's (judged there, not the equipment's)."""
    key = ["scenario", "fault_bus", "fault_type", "case"]  # the pairs' fault_bus: its name
    own = pd.MultiIndex.from_arrays([f[k].astype(str).to_numpy()[at] for k in (
        "scenario", "fault_bus_name", "fault_type", "case", "device")])

    def has(dev: str) -> np.ndarray:
        return np.asarray(pd.MultiIndex.from_arrays(
            [coord[k].astype(str).to_numpy() for k in (*key, dev)]).isin(own), bool)

    if not len(coord):
        return coord
    return coord[has("primary") | has("backup")].reset_index(drop=True)


def _without_base_pairs(ctx: Any, coord: pd.DataFrame) -> pd.DataFrame:
    """``coord`` less the pairs of two devices of the base case at the close-in fault of a
    device that exists only with the project (:mod:`protv2g.checks.close_in_twins`): the
    base case has that pair at the device's terminal bus — judged there by the attribution,
    not the equipment's (a pair of two :func:`_mate_rows`). Review rev38a W2 / twin2_38
    (synthetic: head/mid C1 at ``f_depot close-in`` "equipment" while their base pair at
    b2 fails by 5.46 s)."""
    twin_bus = close_in_twin_buses(ctx) if len(coord) else {}
    if not twin_bus:
        return coord
    on = set(site_equipment(ctx.study))
    at_close_in = text_isin(coord["fault_bus"], set(twin_bus))
    theirs = (coord["primary"].astype(str).isin(on).to_numpy(bool)
              | coord["backup"].astype(str).isin(on).to_numpy(bool))
    drop = at_close_in & ~theirs
    return coord[~drop].reset_index(drop=True) if drop.any() else coord


#: Violation-row column: the row's margin with every charger idle and the project's equipment
#: in (its unit the row's; NaN where not judged idle). The export trend's 0 kW point of a row
#: whose device or fault the base case lacks, or whose base case lacks the equipment
#: (:mod:`protv2g.findings_trend`, mix38: ckt5 F02 read "passes at 0 kW (without V2G)" for
#: F-DEPOT, which does not exist without the project).
IDLE_MARGIN = "idle_margin"


def idle_pair_margins(ctx: Any, bad: pd.DataFrame) -> np.ndarray:
    """``(n,)`` each C1–C4 coordination row of ``bad``'s margin (s) with every charger idle
    (:func:`idle_coordination`, in ``ctx.cache[IDLE_PAIRS]``, passing pairs too); NaN where
    the pair has no idle evaluation (the base case has the pair) and on a row judged by I²t
    (``i2t_ratio`` given: its margin is not in s)."""
    n = len(bad)
    idle = (getattr(ctx, "cache", None) or {}).get(IDLE_PAIRS)
    out = np.full(n, np.nan)
    if not n or idle is None or not len(idle):
        return out
    index = pd.MultiIndex.from_frame(idle[list(_PAIR_KEY)].astype(str))
    keep = ~index.duplicated()
    pos = index[keep].get_indexer(pd.MultiIndex.from_frame(bad[list(_PAIR_KEY)].astype(str)))
    got = pd.to_numeric(idle["margin_s"], errors="coerce").to_numpy(float)[keep]
    out = np.where(pos >= 0, got[np.maximum(pos, 0)], np.nan)
    if "i2t_ratio" in bad.columns:
        out[np.isfinite(pd.to_numeric(bad["i2t_ratio"], errors="coerce").to_numpy(float))] = (
            np.nan)
    return out


def equipment_pairs(ctx: Any, bad: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """C1–C4's failing coordination rows ``bad`` against the pair with every charger idle
    (:func:`idle_coordination`, in ``ctx.cache[IDLE_PAIRS]``), their twin where the base case
    has not the pair, and their message clause.

    The idle pair **fails**: :data:`EQUIPMENT`. It **passes**: the base twins' rule
    (:func:`~protv2g.checks.attribution_materiality.passing_twin_codes`, one rule, with the
    row's tolerance as the attribution takes it, :func:`~protv2g.checks.attribution.
    twin_tolerance`) — passing by less than the tolerance (marginal) and V2G moving it by
    no more than the tolerance: V2G is immaterial, :data:`EQUIPMENT` (the pair is marginal
    with the project's equipment, never ``new``); moving it by more: ``worse``; passing
    clear of the tolerance: ``new`` (``""``, left to the attribution). Review rev41a W1:
    IEEE 34 F01, head-l1 / F-DEPOT passing by 0.01566 s idle, failing by 0.006793 s at
    1,058 kW, tolerance 0.03115 s, read "caused by V2G". A row judged by I²t (``i2t_ratio``
    given: its margin is not in s) is marked only where the idle pair fails.

    Returns
    -------
    (ndarray, list of str)
        ``(n,)`` object, each row's attribution (:data:`EQUIPMENT`, ``"worse"`` or ``""``:
        the attribution's); the clause per row (``""`` elsewhere): the pair's times with
        every charger idle, whose equipment it is, and the remedy.
    """
    n = len(bad)
    none = np.full(n, "", dtype=object), [""] * n
    cache = getattr(ctx, "cache", None) or {}
    idle = cache.get(IDLE_PAIRS)
    if not n or idle is None or not len(idle):
        return none
    # a key's worst row first: a failing one, else the smallest margin
    worst = np.lexsort((pd.to_numeric(idle["margin_s"], errors="coerce").to_numpy(float),
                        idle["ok"].to_numpy(bool)))
    index = pd.MultiIndex.from_frame(idle[list(_PAIR_KEY)].astype(str)).take(worst)
    keep = worst[~index.duplicated()]
    index = index[~index.duplicated()]
    pos = index.get_indexer(pd.MultiIndex.from_frame(bad[list(_PAIR_KEY)].astype(str)))
    pos = np.where(pos >= 0, keep[np.maximum(pos, 0)], -1)
    hit = pos >= 0
    if not hit.any():
        return none
    fails = hit & ~idle["ok"].to_numpy(bool)[np.maximum(pos, 0)]
    m_idle = np.where(hit, pd.to_numeric(idle["margin_s"], errors="coerce").to_numpy(float)[
        np.maximum(pos, 0)], np.nan)
    by_s = np.isfinite(m_idle) & ~fails
    if "i2t_ratio" in bad.columns:
        by_s &= ~np.isfinite(pd.to_numeric(bad["i2t_ratio"], errors="coerce").to_numpy(float))
    def col(name: str) -> np.ndarray:
        got = bad[name] if name in bad.columns else pd.Series(np.nan, index=bad.index)
        return pd.to_numeric(got, errors="coerce").to_numpy(float)

    tol = twin_tolerance(col("tolerance_s"), col("required_s"), m_idle)
    margin = col("margin_s")
    code = passing_twin_codes(m_idle, lowered_beyond(margin, m_idle, tol), tol)
    marginal = by_s & (code == PRE_EXISTING)
    worse = by_s & (code == WORSE)
    att = np.where(fails | marginal, EQUIPMENT, np.where(worse, "worse", "")).astype(object)
    if not (att != "").any():
        return none
    on = site_equipment(ctx.study)
    every = sorted(set(on.values())) or [
        str(s.model_transformer) for s in getattr(ctx.study.document, "v2g_sites", [])
        if getattr(s, "model_transformer", None)]
    texts = []
    for k, r in enumerate(bad.itertuples(index=False)):
        if not att[k]:
            texts.append("")
            continue
        i = idle.iloc[pos[k]]
        xf = on.get(r.primary) or on.get(r.backup) or " and ".join(every)
        texts.append(idle_pair_text(
            r.primary, r.backup, xf, float(i.t_primary_s), float(i.t_backup_s),
            *_operating_a(i, "primary"), *_operating_a(i, "backup"), float(i.margin_s),
            float(i.required_s), *((float(tol[k]), float(m_idle[k] - margin[k]),
                                    who_moves(r.scenario)) if not fails[k] else ())))
    return att, texts


def _operating_a(row: Any, side: str) -> tuple[float, str]:
    """(current in A, its words) that ``side``'s (``primary``/``backup``) time was read at
    in a coordination row: ``|3I0|`` where its ground element operates
    (``element_<side>``, :class:`~protv2g.checks.operating_element.OperatingElement`), else
    the phase current — review rev36b X7: EPRI J1's head 51G "takes 1.98 s at 341 A" named
    the phase current; it operates on 3I0 = 312 A."""
    code = getattr(row, f"element_{side}", OperatingElement.UNKNOWN)
    ground = code == OperatingElement.GROUND and np.isfinite(
        float(getattr(row, f"i_{side}_3i0_a", np.nan)))
    if ground:
        return float(getattr(row, f"i_{side}_3i0_a")), ELEMENT_WORDS[OperatingElement.GROUND]
    return float(getattr(row, f"i_{side}_a")), ""


def idle_pair_text(primary: str, backup: str, transformer: str, t_primary_s: float,
                   t_backup_s: float, i_primary_a: float, primary_on: str, i_backup_a: float,
                   backup_on: str, margin_s: float, required_s: float,
                   tol_s: float = np.nan, change_s: float = np.nan, who: str = "V2G") -> str:
    """The message clause of a C1–C4 row judged against the pair with every charger idle
    (:func:`equipment_pairs`); ``primary_on``/``backup_on``: the words of the current each
    time was read at (``""``: the phase current; ``"|3I0|"``: a ground element's,
    :func:`_operating_a`). Where the idle pair passes (``margin_s`` ≥ 0, marginal), ``tol_s``
    is the row's tolerance and ``change_s`` how much ``who`` lowers the margin (s): within
    ``tol_s`` the row is the equipment's, beyond it made worse.

    >>> text = idle_pair_text("F-DEPOT", "head-l1", "depot_xf", 2.25, 2.49, 206.0, "", 312.0,
    ...                       "|3I0|", -0.06, 0.12)
    >>> text[text.index("head-l1 takes"):][:66]
    'head-l1 takes 2.49 s at 312 A of |3I0| and F-DEPOT 2.25 s at 206 A'
    >>> text = idle_pair_text("F-DEPOT", "head-l1", "depot_xf", 0.31, 0.42, 632.0, "", 669.0,
    ...                       "|3I0|", 0.01566, 0.12, 0.03115, 0.02245)
    >>> text[text.index("the rule passes"):text.index(": the pair")].split(", ")[1:]
    ['within the tolerance 0.0312 s of the device data', 'and V2G changes it by 0.0225 s', \
'inside that tolerance']
    """
    def at(i_a: float, on: str) -> str:
        return f"{i_a:.0f} A" + (f" of {on}" if on else "")

    times = (f"with every charger idle (the site's transformer in, no charger online) {backup} "
             f"takes {t_backup_s:.3g} s at {at(i_backup_a, backup_on)} and {primary} "
             f"{t_primary_s:.3g} s at {at(i_primary_a, primary_on)}")
    remedy = (f"remedy: the pair's settings or equipment ({backup}'s and {primary}'s), not "
              "the chargers or their export")
    if margin_s < 0:
        return (f"; new with the project's equipment ({transformer}): {times}, the rule fails "
                f"by {-margin_s:.3g} s (required {required_s:g} s): the pair fails without the "
                f"chargers — {remedy}")
    passes = (f"the rule passes by {margin_s:.3g} s (required {required_s:g} s), within the "
              f"tolerance {tol_s:.3g} s of the device data")
    if change_s <= tol_s:
        return (f"; new with the project's equipment ({transformer}): {times}, {passes}, and "
                f"{who} changes it by {change_s:.3g} s, inside that tolerance: the pair is "
                f"marginal without the chargers and {who} does not move it materially — "
                f"{remedy}")
    return (f"; marginal with the project's equipment ({transformer}): {times}, {passes}, and "
            f"{who} lowers it by {change_s:.3g} s, more than that tolerance: made worse by "
            f"{who}")
