"""Where along a fuse's own line fuse saving is impossible: the part of the line whose faults
drive the fuse current above the fuse-saving range's upper limit (the crossover).

A C2 row ``info`` "fuse saving impossible by design" (:mod:`protv2g.checks.recloser_fuse`)
says *that* a fault lies above the range; this module says *how much of the fused lateral's
first line* does: the fraction of the fuse's line, from the fuse, over which the fault current
exceeds the range's upper limit ``H``.

Method (a Thevenin equivalent along a radial line, solved in closed form). For a fault at
distance ``x`` on the line, behind a source of EMF ``E``, the fault current is
``I(x) = k·E / (Z(0) + x·z)``: ``z`` the line's loop impedance per km in the fault kind's
sequence connection — three-phase ``Z1``, line-to-line ``Z1 + Z2``, single-line-to-ground
``Z1 + Z2 + Z0`` (series connections; P. M. Anderson, *Analysis of Faulted Power Systems*,
IEEE Press 1995, ch. 3 and 10; IEC 60909-0:2016 §6 the same networks) — so ``1/I`` is linear
in ``x``. With the engine's own fuse currents at the line's two ends, ``I_0`` at the fuse's
close-in fault and ``I_L`` at the line's far bus (same scenario, case and fault kind),
``1/I(u) = a + u·b`` with ``a = 1/I_0``, ``b = 1/I_L − 1/I_0`` and ``u = x/L``: neither ``E``
nor the pre-fault voltage factor is needed. ``|I(u)| > H`` ⇔ ``|a + u·b|² < 1/H²``, a convex
quadratic in ``u``; with ``|I_0| > H`` the set is ``[0, u*)``,
``u* = (−Re(a·b̄) + √(Re(a·b̄)² − |b|²·(|a|² − 1/H²))) / |b|²``, clipped to ``[0, 1]``.

Assumptions (say so wherever the figure is shown): the fuse current is the fault current
(a radial lateral, nothing fed from beyond the fault: chargers downstream are not in the base
case used here); shunt capacitance and load along the line neglected (1 m to a few km of
distribution line: a fraction of a percent of the current). A double-line-to-ground fault's
network is not a series connection (``Z2 ∥ Z0``): no figure for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from protv2g.checks._keys import keys_of
from protv2g.checks._rows import column_at
from protv2g.checks.fuse_saving_range import (
    GROUND_FAULT_PREFIXES,
    has_ground_element,
    saving_range_a,
)

__all__ = ["fraction_above", "line_ends", "reach_text"]

#: Fault kinds whose sequence networks are in series (``1/I`` linear along the line).
SERIES_KINDS = ("3ph", "LL", "SLG")


def fraction_above(i_near_a: np.ndarray, i_far_a: np.ndarray, limit_a: np.ndarray
                   ) -> np.ndarray:
    """Fraction of a line, from its near end, whose faults give ``|I| > limit_a``.

    Parameters
    ----------
    i_near_a, i_far_a : numpy.ndarray
        Complex fault currents (A) at the near end (the fuse's close-in fault) and at the far
        end of the line, on one angle reference.
    limit_a : numpy.ndarray
        The current limit (A), > 0.

    Returns
    -------
    numpy.ndarray
        ``u*`` in ``[0, 1]`` (module docstring); 0 where ``|I_0| ≤ limit``; NaN for a zero or
        non-finite current.
    """
    i0, il = np.asarray(i_near_a, complex), np.asarray(i_far_a, complex)
    h = np.asarray(limit_a, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = 1.0 / i0
        b = 1.0 / il - a
        p = (a * np.conj(b)).real
        bb = np.abs(b) ** 2
        c = np.abs(a) ** 2 - 1.0 / h**2
        root = (-p + np.sqrt(np.maximum(p * p - bb * c, 0.0))) / bb
        u = np.where(bb > 0, root, np.inf)  # no change along the line: all or nothing
    u = np.where(np.abs(i0) <= h, 0.0, np.clip(u, 0.0, 1.0))
    bad = ~(np.isfinite(i0) & np.isfinite(il) & (i0 != 0) & (il != 0))
    return np.where(bad, np.nan, u)


def line_ends(study: Any, device: str, at_bus: dict[str, list[int]] | None = None
              ) -> tuple[int, int, float, str] | None:
    """``(close-in bus, far bus, length km, line name)`` of ``device``'s own line on a study
    with close-in positions (:func:`protv2g.network.fault_positions.with_close_in_positions`):
    the device's stub and the section that continues from its close-in bus (the far bus is the
    line's other end, or the other end's close-in bus 1 m short of it). None when the device
    is not on a split line. ``at_bus``: an OpenDSS model's bus name → its elements' rows
    (:func:`bus_elements`), when the caller has it (else the elements are scanned)."""
    site = study.device_sites.get(device)
    if site is None or site.element != "line":
        return None
    ci = int(site.far_bus)
    if getattr(study, "net", None) is not None:
        ln = study.net.line
        here = (ln.from_bus.to_numpy() == ci) | (ln.to_bus.to_numpy() == ci)
        rows = np.flatnonzero(here & (ln.index.to_numpy() != site.element_index))
        if len(rows) != 1 or int(site.element_index) not in ln.index:
            return None
        r = ln.iloc[rows[0]]
        far = int(r.to_bus) if int(r.from_bus) == ci else int(r.from_bus)
        stub = float(ln.at[site.element_index, "length_km"])
        return ci, far, stub + float(r.length_km), str(ln.at[site.element_index, "name"])
    model = study.model
    el = model.elements
    name = str(model.buses.index[ci])
    if at_bus is None:
        rows = [k for k, b in enumerate(el.buses) if name in b and k != site.element_index]
    else:
        rows = [k for k in at_bus.get(name, ()) if k != site.element_index]
    if len(rows) != 1:
        return None
    other = el.buses.iat[rows[0]]
    far = int(model.bus_index([other[1] if other[0] == name else other[0]])[0])
    km = float(el.length_km.iat[site.element_index]) + float(el.length_km.iat[rows[0]])
    return ci, far, km, str(el.name.iat[site.element_index])


def bus_elements(model: Any) -> dict[str, list[int]]:
    """An OpenDSS model's bus name → the rows of ``model.elements`` with a terminal on it,
    ascending (the rows :func:`line_ends` finds by scanning every element's buses)."""
    out: dict[str, list[int]] = {}
    for k, b in enumerate(model.elements.buses):
        for name in dict.fromkeys(b):
            out.setdefault(name, []).append(k)
    return out


def _phasor(columns: dict[str, np.ndarray], phase: str, at: list[int]) -> np.ndarray:
    """The phase's current phasors (A) of the rows at positions ``at`` of ``columns``
    (:func:`_end_rows`)."""
    return (columns[f"i{phase}_ka"][at] * 1e3
            * np.exp(1j * np.radians(columns[f"i{phase}_degree"][at])))


def _end_rows(f: Any, rows: np.ndarray
              ) -> tuple[dict[tuple, list[int]], dict[str, np.ndarray]]:
    """A fuse's fault rows ``rows`` (positions of ``f``) at its line's two ends, looked up by
    ``(scenario, case, fault_type, fault_bus)`` → their positions among ``rows``, with the
    phase currents' columns (float arrays) of those rows: one pass per fuse (#21: the rows of
    each key had been selected by four comparisons on a frame per C2 message, 4,260 on the
    IEEE 8500 study)."""
    where_at: dict[tuple, list[int]] = {}
    keys = zip(*(column_at(f[c], rows) for c in ("scenario", "case", "fault_type", "fault_bus")),
               strict=True)
    for k, key in enumerate(keys):
        where_at.setdefault(key, []).append(k)
    columns = {f"i{p}_{unit}": np.asarray(column_at(f[f"i{p}_{unit}"], rows), dtype=float)
               for p in "abc" for unit in ("ka", "degree")}
    return where_at, columns


def _limit_a(ctx: Any, r: Any) -> float:
    """The pair's fuse-saving range's upper limit (A) for row ``r``, as C2 judges it (the
    ground element's range for a ground fault, :func:`saving_range_a`)."""
    ground = str(r.fault_type).startswith(GROUND_FAULT_PREFIXES) and has_ground_element(
        ctx.devices[r.backup])
    key = ("saving reach limit", r.backup, r.primary, float(r.rule_value), ground)
    if key not in ctx.cache:  # once per pair, rule and element (#21: per key of reach_text)
        ctx.cache[key] = float(saving_range_a(ctx.devices[r.backup], ctx.devices[r.primary],
                                              float(r.rule_value), ground=ground)[1])
    return ctx.cache[key]


def _fuse_rows(ctx: Any, device: str, buses: list[int]) -> np.ndarray:
    """Ascending positions of ``device``'s rows of ``ctx.faults`` at ``buses``: the
    device's rows by its integer code where the context has them (#21: the device column
    written out and compared row by row once per fuse, 56 fuses at 10,000 buses), then
    their buses."""
    f = ctx.faults
    k = keys_of(ctx)
    if k is None:
        mine = np.flatnonzero(f.device.to_numpy() == device)
    else:
        mine = np.flatnonzero(k.device == k.device_codes([device])[0])
    return mine[np.isin(f.fault_bus.to_numpy()[mine], buses)]


def reach_text(ctx: Any, r: Any) -> str:
    """``"; faults on the first x km (y %) of line.la (6.46 km) from F1 exceed the range's
    upper limit (H A)"`` for a C2 row ``r`` above its pair's fuse-saving range, from the
    fuse's currents without V2G (``ctx.base_of``) at its close-in fault and at its line's far
    bus (:func:`fraction_above`); ``""`` where that cannot be said (not a series fault kind,
    no split line, currents missing, no finite upper limit)."""
    kind = str(r.fault_type).split("-", 1)[0]
    f = ctx.faults
    if kind not in SERIES_KINDS or f is None or "ia_degree" not in f.columns:
        return ""  # (a table without angles: the checks need magnitudes only)
    ends_key = ("saving reach line", r.primary)  # once per fuse (a message per C2 row)
    if ends_key not in ctx.cache:
        model = getattr(ctx.study, "model", None)
        at_bus = None
        if model is not None:  # the buses' elements once (#21: every element scanned per
            # fuse, 2.7 % of check_study on the IEEE 8500 study)
            known = ctx.cache.get(("saving reach bus elements",))
            if known is None or known[0] is not model:
                known = ctx.cache[("saving reach bus elements",)] = (model,
                                                                      bus_elements(model))
            at_bus = known[1]
        ctx.cache[ends_key] = line_ends(ctx.study, r.primary, at_bus)
    ends = ctx.cache[ends_key]
    if ends is None:
        return ""
    ci, far, km, line = ends
    base = ctx.base_of.get(r.scenario, r.scenario)
    key = ("saving reach", r.primary, r.backup, float(r.rule_value), base, r.case,
           r.fault_type)
    if key not in ctx.cache:
        rows_key = ("saving reach rows", r.primary)
        if rows_key not in ctx.cache:  # the fuse's rows at its line's two ends, once
            ctx.cache[rows_key] = _end_rows(f, _fuse_rows(ctx, r.primary, [ci, far]))
        where_at, columns = ctx.cache[rows_key]
        near = where_at.get((base, r.case, r.fault_type, ci), ())
        away = where_at.get((base, r.case, r.fault_type, far), ())
        limit, u = _limit_a(ctx, r), np.nan
        if len(near) == 1 and len(away) == 1 and np.isfinite(limit) and limit > 0:
            mags = [float(columns[f"i{p}_ka"][near[0]]) for p in "abc"]
            p = "abc"[int(np.nanargmax(mags))]  # the faulted phase carrying the most
            u = float(fraction_above(_phasor(columns, p, near), _phasor(columns, p, away),
                                     limit)[0])
        ctx.cache[key] = (u, limit)
    u, limit = ctx.cache[key]
    if not np.isfinite(u):
        return ""
    where = "the whole of" if u >= 1.0 else f"the first {u * km:.3g} km ({100 * u:.0f} %) of"
    return (f"; faults on {where} {line} ({km:.3g} km) from {r.primary} exceed the range's "
            f"upper limit ({limit:,.0f} A)")
