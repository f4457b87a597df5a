"""The low end of C12's tolerance bracket beside a hosting figure (review rev41a M7, vr41).

C12 takes a voltage above ``v_max_pu`` by no more than ``checks.voltage_limit_tolerance_pu``
(default 0.001 pu, IEC 61000-4-30 Class A; :mod:`protv2g.checks.flow_limit`) as *at* the limit.
Where the export takes a bus into that band at or below a figure's export, the figure rests on
the tolerance: review rev41a M7, IEEE 34's depot at peak, 539 kW where depot480 reaches
1.05 + 0.001 pu (OpenDSS ≈ 542 kW), ≈ 421 kW at 1.050 pu; review vr41, IEEE 8500's depot at
peak, 1,068 kW (C5) at the default, 428 kW with the tolerance at its bracket's low end
(m1209811 1.0489 → 1.0501 pu at 430 kW). The gate keeps deciding on the default; the figure
states the other end (``at_v_max_kw``): the export at which the first bus V2G takes over the
limit passes ``v_max_pu`` + the bracket's low end :data:`LOW_TOLERANCE_PU` (0.0001 pu, the
solver's convergence tolerance: the limit itself as far as a flow can tell), the bus, and that
the default drove the figure.

No search of its own: every export level the search solves gives, per bus its flow judges, the
low end's *excess* (:func:`excess_by_bus`)

    e = min(V − (v_max + t_lo), (V − V_base) − band),  band = max(t_lo, 0.1 % floor)

on the buses at or below the limit without V2G (``V_base ≤ v_max + t_lo``): e > 0 is a row
:func:`protv2g.checks.flow_limit.v2g_caused` would make ``new`` at ``t_lo`` (its rise band is
:func:`~protv2g.checks.flow_limit.rise_band_pu`). The first evaluated level with e > 0 and the
level before it bracket the crossing; the crossing bus's own e is interpolated linearly
between them (V is linear in the export to first order, ΔV ≈ (R·P + X·Q)/V; Kersting,
*Distribution System Modeling and Analysis*) and rounded down to a whole kW, never below the
last level without such a row — as the search's figure lies below its first failing export.
Bisecting that bracket too (tried: the search's rounds given its levels) moved IEEE 8500's
depot at peak from 403 to 402 kW and IEEE 34's not at all, for +13 % CPU on the 8500 (two
more engine calls): not kept.

Which buses count is C12's own record (:mod:`protv2g.checks.flow_band_judged`, read, not
restated): per scenario the buses C12 judges against the limit — not a source bus, a bus above
34.5 kV or a de-energised one, not a regulator's regulated bus (a set-point) nor a bus closed
switches tie to it, and not a bus whose V2G rise C12's rules give to a regulator (a tap move's
effect, a band reaching over the limit, a bus past a regulator rising as its output: review
rev34a W3) at the bracket's low end. tol41's version restated the first of these and not the
last: IEEE 8500's depot at peak gave 403 kW at m1209814, past FEEDER_REG, where the search
re-judged at 0.0001 pu (review vr41) gave 428 kW at m1209811. Without that record (checks
other than protv2g's own) no end is given. A site's own bus, out of the base case, is judged
from its voltage idle (C12's ``site transformer no-load tap`` rows: one at the limit idle is
left out). A bus over the limit beyond ``t_lo`` without V2G is the other bracket's
(``over_limit_kw``, :mod:`.voltage_text`). ``V`` is C12's judged voltage: the base case's
plus the largest of V2G's rises from the base case's taps and from the top and the bottom of
the regulators' band, like with like (:mod:`protv2g.checks.flow_tap_path`, review rev49b #1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.flow_limit import (
    V_LIMIT_TOLERANCE_BRACKET_PU,
    judged_voltage_pu,
    rise_band_pu,
)
from protv2g.checks.flow_site_tap import idle_voltages
from protv2g.flow.tap_band import BOTTOM_HIGH_COLUMN, TOP_HIGH_COLUMN

__all__ = ["LOW_TOLERANCE_PU", "NEAR_PU", "at_v_max", "bus_label", "excess_by_bus",
           "flow_excess", "tolerance_end_text", "with_at_v_max"]

#: The tolerance bracket's low end, pu (the Rules sheet: OpenDSS's convergence tolerance).
LOW_TOLERANCE_PU = V_LIMIT_TOLERANCE_BRACKET_PU[0]
#: Buses whose excess is below −this (pu) are not kept: far from the limit at that level.
NEAR_PU = 0.02


def excess_by_bus(bus: pd.DataFrame, base_of: Mapping[str, str], names: set[str],
                  v_max_pu: float, t_lo_pu: float = LOW_TOLERANCE_PU,
                  judged: Mapping[str, np.ndarray] | None = None) -> dict[str, pd.Series]:
    """Scenario → the low end's excess (pu, module docstring) of each bus at or below the limit
    without V2G, indexed by bus, the buses within :data:`NEAR_PU` of it only.

    Parameters
    ----------
    bus : DataFrame
        The flow's bus table (``scenario``, ``bus``, ``vm_pu`` and the phase columns; every
        step: a bus's highest is taken, :func:`~protv2g.checks.flow_limit.judged_voltage_pu`).
    base_of : mapping
        Export scenario → its base case (no V2G).
    names : set of str
        The export scenarios wanted.
    v_max_pu, t_lo_pu : float
        The limit and the tolerance judged at (pu).
    judged : mapping, optional
        Export scenario → the buses C12 judged against the limit there (its record,
        :func:`protv2g.checks.flow_band_judged.band_judged`): the others are left out; a
        scenario it does not name keeps none. None: every bus of the table.
    """
    wanted = {*names, *(base_of.get(n, "") for n in names)} - {""}
    scen = bus["scenario"].astype(str).to_numpy()
    at = np.isin(scen, list(wanted))
    if not at.any():
        return {}
    rows = np.flatnonzero(at)
    w = pd.DataFrame({"scenario": scen[rows], "bus": bus["bus"].to_numpy()[rows],
                      "v": judged_voltage_pu(bus, rows)})
    edges = [c for c in (TOP_HIGH_COLUMN, BOTTOM_HIGH_COLUMN) if c in bus.columns]
    for c in edges:  # the band's edges (one-step snapshots; NaN elsewhere)
        w[c] = bus[c].to_numpy(float)[rows]
    grouped = w.groupby(["scenario", "bus"], sort=False)
    top = grouped.v.max()
    edge = grouped[edges].max() if edges else None
    # a site's own bus, out of the base case: its voltage with the site built and idle, as
    # C12 judges it (:func:`protv2g.checks.flow_site_tap.site_tap`); one at the limit idle is
    # the site transformer's tap (a setting), not this bracket's
    idle = idle_voltages(bus.iloc[rows])
    out: dict[str, pd.Series] = {}
    for name in sorted(names):
        base = base_of.get(name, "")
        if name not in top.index.get_level_values(0) or base not in top.index.get_level_values(0):
            continue
        v = top.loc[name]
        v0 = top.loc[base].reindex(v.index)
        if edge is not None:  # judged over where the regulators rest, as C12 (rev49b #1)
            rise = (edge.loc[name].reindex(v.index)
                    - edge.loc[base].reindex(v.index)).to_numpy(float)
            with np.errstate(invalid="ignore"):
                best = np.fmax.reduce(rise, axis=1) if rise.shape[1] else np.full(len(v), np.nan)
                more = best > (v - v0).to_numpy(float) + 1e-6
            v = v.where(~more, v0 + best)
        if base in idle.index.get_level_values(0):
            on_idle = idle.loc[base].reindex(v.index)
            on_idle = on_idle.where(on_idle <= v_max_pu - t_lo_pu)
            v0 = v0.fillna(on_idle)
        ok = (v0 <= v_max_pu + t_lo_pu).to_numpy()  # NaN (no base): not this bracket's
        if judged is not None:  # C12's own buses only (a set-point, a bus it does not judge)
            ok &= np.isin(v.index.to_numpy(), judged.get(name, np.zeros(0, np.int64)))
        band = rise_band_pu(v_max_pu, v0.to_numpy(float), t_lo_pu)
        e = np.fmin(v.to_numpy(float) - (v_max_pu + t_lo_pu), v.to_numpy(float)
                    - v0.to_numpy(float) - band)
        keep = ok & (e > -NEAR_PU)
        out[name] = pd.Series(e[keep], index=v.index[keep])
    return out


def flow_excess(study: Any, base_of: Mapping[str, str], names: set[str], v_max_pu: float,
                t_lo_pu: float = LOW_TOLERANCE_PU
                ) -> Callable[[Mapping[str, pd.DataFrame], Any], dict[str, pd.Series]]:
    """What the search keeps of a call's flow tables and C12's record of the buses it judged
    against the limit (``(flow, judged)`` → :func:`excess_by_bus`; no record: nothing).
    ``study`` is not read (the record says what C12 judged)."""

    def keep(flow: Mapping[str, pd.DataFrame], judged: Any) -> dict[str, pd.Series]:
        bus = flow.get("bus") if hasattr(flow, "get") else None
        if judged is None or bus is None or not {"scenario", "bus", "vm_pu"} <= set(bus.columns):
            return {}
        return excess_by_bus(bus, base_of, names, v_max_pu, t_lo_pu, judged)

    return keep


def at_v_max(excess: Mapping[tuple[Any, float], pd.Series], key: Any, levels: list[float],
             figure_kw: float) -> tuple[float, Any, float] | None:
    """``(at_v_max_kw, bus, first level)``: where the first bus passes the low end's limit on
    the axis ``key`` (module docstring), when that happens at or below ``figure_kw``; None
    otherwise (or where the levels' flows were not kept)."""
    prev_kw, prev = 0.0, None
    for p in levels:
        e = excess.get((key, p))
        if e is None:
            return None
        if len(e) and float(e.max()) > 0:
            if p > figure_kw + 1e-9:
                return None
            b = e.idxmax()
            e1 = float(e[b])
            e0 = float(prev[b]) if prev is not None and b in prev.index else -math.inf
            cross = (prev_kw + (p - prev_kw) * (-e0) / (e1 - e0) if math.isfinite(e0)
                     and e0 <= 0 < e1 else prev_kw)
            return max(prev_kw, math.floor(cross + 1e-9)), b, p
        prev_kw, prev = p, e
    return None


def tolerance_end_text(at_kw: float, bus_name: str, first_kw: float, tol_pu: float,
                       v_max_pu: float, which: str) -> str:
    """The hosting text of the low end: ``"rests on C12's measurement tolerance (…): at the
    bracket's low end, a limit of 1.0501 pu, it would be 431 kW (C12 at depot480, over it at
    443 kW; …); the default end drove the figure on given data 539 kW"``; ``which``: the
    figure it drove, in words.

    >>> tolerance_end_text(431.0, "depot480", 443.0, 0.001, 1.05, "the figure 539 kW")[-48:]
    'levels); the default end drove the figure 539 kW'
    """
    v_lo = v_max_pu + LOW_TOLERANCE_PU
    # said as a bracket, each end with its figure (review ver51 #1: "at 1.0501 pu, the
    # bracket's low end 0.0001 pu, 12 kW (…) — the default tolerance drove the figure 16 kW"
    # read garbled, and 15.525 kW was rounded to 16)
    return (f"rests on C12's measurement tolerance (checks.voltage_limit_tolerance_pu "
            f"{tol_pu:g} pu, which the gate decides on; bracket {LOW_TOLERANCE_PU:g}–"
            f"{tol_pu:g} pu): at the bracket's low end, a limit of {v_lo:.4f} pu, it would be "
            f"{at_kw:,.6g} kW (C12 at {bus_name}, over it at {first_kw:,.6g} kW; interpolated "
            f"between solved levels); the default end drove {which}")


def bus_label(study: Any, b: Any) -> str:
    """A bus index's name (:meth:`protv2g.study.loader.Study.bus_name`), the index itself
    where a pandapower bus has no name."""
    name = study.bus_name(int(b))
    return name if name not in ("", "None", "nan") else str(b)


def with_at_v_max(table: pd.DataFrame, excess: Mapping[tuple[Any, float], pd.Series],
                  levels_of: Mapping[Any, list[float]], bus_name: Callable[[Any], str],
                  tol_pu: float, v_max_pu: float) -> pd.DataFrame:
    """``table`` (the hosting table) with ``at_v_max_kw`` (NaN where no figure rests on the
    tolerance, :func:`at_v_max`) and its words at the head of the ``note``. The figures are
    the row's and, for a figure not determined, its figure on given data (``given_hosting_kw``:
    review rev41a M7's 539 kW is that one)."""
    table = table.copy()
    table["at_v_max_kw"] = math.nan
    for i, r in table.iterrows():
        key = (str(r["site"]), str(r["participation"]), str(r["load_level"]))
        figure = float(r["hosting_kw"]) if bool(r["limited"]) else float(r["site_max_kw"])
        given = pd.to_numeric(pd.Series([r.get("given_hosting_kw")]), errors="coerce").iloc[0]
        # the figure on given data, where C12 limits it (a C12 row there rests on given data)
        given = (float(given) if not bool(r.get("determined", True)) and given > figure
                 and "C12" in str(r.get("given_limit") or "") else None)
        found = at_v_max(excess, key, levels_of.get(key, []), given or figure)
        if found is None:
            continue
        at_kw, b, first = found
        table.at[i, "at_v_max_kw"] = at_kw
        which = (f"the figure {figure:,.6g} kW" if first <= figure + 1e-9
                 else f"the figure on given data {given:,.6g} kW")
        said = tolerance_end_text(at_kw, bus_name(b), first, tol_pu, v_max_pu, which)
        table.at[i, "note"] = f"{said}; {r['note']}" if r["note"] else said
    table["at_v_max_kw"] = table["at_v_max_kw"].astype(float)
    return table
