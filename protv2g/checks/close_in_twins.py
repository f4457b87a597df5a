"""The base twin of a fault at the close-in position of a device that exists only with the
project: the base case's fault at the bus the device's terminal sits on.

A device on a site's own transformer (``v2g_sites[].model_transformer``, a pandapower site's
``interconnection_transformer``: :func:`protv2g.checks.equipment.site_equipment`) comes with
the project, and so does its close-in fault position (:mod:`protv2g.network.fault_positions`:
a transformer cannot be split, so its terminal at the device's bus moves to a new close-in bus
joined to the bus by a purely reactive stub of 1e-7 pu — a fault there is the bus's fault to
< 0.1 %, at the bus's X/R). On an OpenDSS model the base case (no project equipment) has no
such bus, so every row at it had no base twin: the attribution read it ``new`` and C5's idle
judgement (:mod:`protv2g.checks.equipment_rows`) the project's equipment's. Review rev38a W2
(IEEE 13): the head relay's 51G short of a 20 Ω ground fault at "f_campus close-in", 117.85 A,
"caused by the project's equipment", and of the same fault at 675 — the node the close-in
position is split from — 117.85 A, "pre-existing": one failure, two attributions, and the
Summary's against the gate's.

**Rule.** A row at the close-in bus ``C`` of such a device, whose terminal (feeder-side) bus
is ``T``, takes as its base twin the base case's row of the same criterion, fault type, case,
device (and other device, margin unit, rule) at ``T`` — where the base cases have no fault at
``C`` (OpenDSS; on a pandapower net the close-in bus exists in the base case too, and its own
rows are its twins: nothing is mapped). Electrically ``C`` is ``T`` (the stub, above); the
base case's fault at ``T`` is that fault without the project. The rows of a device that
exists in the base case (a feeder relay, a fuse upstream) thereby compare with their own
base rows at ``T``; the project's own device has no row in the base case anywhere, so its
rows stay without a twin (``new``, or the equipment's where they fail with every charger
idle) — as before.

Only the keys the attribution and the idle judgements look up are mapped: the rows keep
their fault bus (the texts and sheets name the close-in position). Where the rule is used
(twin2_38 extended it past the attribution and C5's idle check, review rev38a W2's report):

* the attribution (:func:`attributed`, the three ``attribute`` calls of :mod:`protv2g.checks`);
* C5's idle judgement (:func:`protv2g.checks.equipment_rows.reach_idle`'s base margin);
* C6's idle judgement (:func:`protv2g.checks.equipment_rows.sympathetic_idle`): a candidate
  that trips with every charger idle at the close-in fault is left to the attribution where
  the base case's fault at ``T`` fails it with the same clearing device (a fault ``f_depot``
  clears has no twin there: ``f_depot`` is not in the base case);
* C1–C4's idle pairs (:func:`protv2g.checks.equipment.idle_coordination`): a pair of two
  devices of the base case at the close-in fault is the base case's pair at ``T`` — judged
  there by the attribution, never preset the equipment's (as a pair of two
  :func:`~protv2g.checks.equipment._mate_rows` on a pandapower net);
* not C5's reach drop (:func:`protv2g.checks.sensitivity._reach_drop`): it is judged on
  primary-zone rows, and at ``C`` only the project's device has it in its primary zone (the
  base case's devices upstream have ``C`` behind that device: backup), so no drop row can
  have a base twin there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.fuse_gg_limits import REACH_UNITS
from protv2g.study.site_equipment import site_transformer_devices

__all__ = ["TWIN_BUSES", "attributed", "close_in_twin_buses", "own_factor_twins",
           "twin_bus_names"]

#: C5's margin units of reach rows (:data:`~protv2g.checks.fuse_gg_limits.REACH_UNITS`: ×
#: pickup, × a gG link's Imax(5 s)).
PICKUP = frozenset(REACH_UNITS)

#: ``ctx.cache`` key of :func:`close_in_twin_buses`.
TWIN_BUSES = "close-in twin buses"


def close_in_twin_buses(ctx: Any) -> dict[str, str]:
    """Close-in fault bus name → the name of the bus its device's terminal sits on, for the
    devices that exist only with the project (module docstring) whose close-in bus has no
    fault row in any base case; empty otherwise (no such device, no fault table). Cached in
    ``ctx.cache``.

    Returns
    -------
    dict of str to str
        e.g. ``{"f_campus close-in": "675"}`` (names as the fault table's
        ``fault_bus_name``).
    """
    cache = getattr(ctx, "cache", None)
    if cache is not None and TWIN_BUSES in cache:
        return cache[TWIN_BUSES]
    out = _twin_buses(ctx)
    if cache is not None:
        cache[TWIN_BUSES] = out
    return out


def _twin_buses(ctx: Any) -> dict[str, str]:
    study = getattr(ctx, "study", None)
    f = getattr(ctx, "faults", None)
    # :func:`protv2g.checks.equipment.site_equipment`'s devices, read where it reads them
    # (that module asks this one for the twins of its idle pairs)
    on = site_transformer_devices(study) if study is not None else {}
    if not on or f is None or not len(f) or "fault_bus_name" not in f.columns:
        return {}
    sites = study.device_sites
    pairs = {}
    for d in on:
        s = sites.get(d)
        far, bus = int(getattr(s, "far_bus", -1)), int(getattr(s, "bus", -1))
        if s is not None and far >= 0 and bus >= 0 and far != bus:
            pairs[far] = bus
    if not pairs:
        return {}
    fb = f["fault_bus"].to_numpy()
    wanted = np.isin(fb, list(pairs) + list(pairs.values()))
    names = dict(zip(fb[wanted].tolist(), f["fault_bus_name"].to_numpy()[wanted].tolist(),
                     strict=True))
    bases = {b for b in (getattr(ctx, "base_of", {}) or {}).values() if b}
    at_close_in = np.flatnonzero(np.isin(fb, list(pairs)))
    in_base = {int(b) for b, s in zip(fb[at_close_in].tolist(),
                                      f["scenario"].to_numpy()[at_close_in].tolist(),
                                      strict=True) if str(s) in bases}
    return {str(names[c]): str(names[t]) for c, t in pairs.items()
            if c in names and t in names and c not in in_base}


def twin_bus_names(column: Any, twin_bus: Mapping[str, str]) -> np.ndarray:
    """``column``'s fault bus names with each close-in bus of ``twin_bus``
    (:func:`close_in_twin_buses`) replaced by its terminal bus: the key its base twin is
    looked up by. ``(n,)`` object array."""
    codes, uniques = pd.factorize(pd.Series(column).astype(object), use_na_sentinel=False)
    mapped = np.array([twin_bus.get(str(u), u) for u in uniques.tolist()], dtype=object)
    return mapped[codes] if len(codes) else np.zeros(0, dtype=object)


def attributed(attribute: Any, ctx: Any, violations: pd.DataFrame, base_of: Any,
               base_margins: pd.DataFrame | None = None, **kwargs: Any) -> pd.DataFrame:
    """``attribute(violations, base_of, base_margins, **kwargs)``
    (:func:`protv2g.checks.attribution.attribute`) with each row at a close-in bus of
    :func:`close_in_twin_buses` keyed on its terminal bus, so that its base twin is the base
    case's row there; the rows keep their own ``fault_bus``.

    A C5 reach row there (margin ``I/pickup − factor``) is judged against its twin **at its
    own factor** (:func:`own_factor_twins`): a base-case device upstream has the close-in
    position behind the project's device — its backup zone, × 1.2 — while its twin at the
    terminal bus is its primary zone's, × 1.5 (domain.md C5). Compared as they are, V2G's drop
    of the device's reach by up to 0.3 × pickup would read as no change (twin2_38, review
    rev38a W2's report: −0.113 warn against a twin at −0.420)."""
    twin_bus = close_in_twin_buses(ctx)
    if not twin_bus or "fault_bus" not in violations.columns or not len(violations):
        return attribute(violations, base_of, base_margins, **kwargs)
    own = violations["fault_bus"]
    keyed = violations.copy(deep=False)
    names = twin_bus_names(own, twin_bus)
    at_own = _reach_rows_at(violations, twin_bus)
    names[at_own] = own.to_numpy(object)[at_own]  # keyed on C, twins made there below
    keyed["fault_bus"] = names
    extra_v, extra_bm = own_factor_twins(violations, at_own, twin_bus, base_of, base_margins)
    n = len(keyed)
    if len(extra_v):
        keyed = pd.concat([keyed, extra_v], ignore_index=True)
    if len(extra_bm):
        base_margins = (extra_bm if base_margins is None or not len(base_margins)
                        else pd.concat([base_margins, extra_bm], ignore_index=True))
    out = attribute(keyed, base_of, base_margins, **kwargs)
    if len(extra_v):  # the made twins out, the columns at their own dtypes again
        out = out.iloc[:n].reset_index(drop=True)
        out.index = violations.index
        for c in violations.columns:  # (a column the attribution wrote keeps its own)
            dtype = violations[c].dtype
            if (c in out.columns and isinstance(dtype, pd.CategoricalDtype)
                    and not isinstance(out[c].dtype, pd.CategoricalDtype)):
                back = out[c].astype(dtype)
                if (back.isna().to_numpy() == out[c].isna().to_numpy()).all():
                    out[c] = back
    out["fault_bus"] = own.to_numpy() if not isinstance(own.dtype, pd.CategoricalDtype) \
        else own.array
    return out


def _reach_rows_at(v: pd.DataFrame, twin_bus: Mapping[str, str]) -> np.ndarray:
    """``(n,)`` bool: ``v``'s C5 reach rows (× pickup) at a close-in bus of ``twin_bus``."""
    if not {"criterion", "margin_unit", "limit"} <= set(v.columns):
        return np.zeros(len(v), dtype=bool)
    return (v["fault_bus"].astype(str).isin(set(twin_bus)).to_numpy(bool)
            & (v["criterion"].astype(str) == "C5").to_numpy(bool)
            & v["margin_unit"].astype(str).isin(PICKUP).to_numpy(bool))


def own_factor_twins(v: pd.DataFrame, at: np.ndarray, twin_bus: Mapping[str, str],
                     base_of: Any, base_margins: pd.DataFrame | None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The base twins of the C5 reach rows ``v[at]`` at close-in buses, judged at each row's
    own factor (its ``limit``) and keyed on the close-in bus: the base case's rows at the
    terminal bus (``v``'s base-case C5 rows there, and ``base_margins``' C5 rows, which
    carry their factor as ``limit``) with ``margin + limit − factor`` (the same ratio
    ``I/pickup``) and ``limit = factor``. A base row failing at its own factor and passing at
    the row's is a passing base margin only (not a failing twin).

    Returns
    -------
    (DataFrame, DataFrame)
        The twins failing at the row's factor, as violation rows of ``v``'s columns (status
        the row's), and every twin's margin as :data:`~protv2g.checks.attribution.
        BASE_MARGIN_COLUMNS` rows (empty frames where there are none)."""
    none = (v.iloc[:0], pd.DataFrame())
    if not at.any():
        return none
    rows = v.iloc[np.flatnonzero(at)]
    # each (close-in bus, device)'s factor and status there (one zone per device and bus)
    factor = {(str(b), str(d)): (float(f), s) for b, d, f, s in zip(
        rows["fault_bus"].astype(str), rows["device"].astype(str),
        pd.to_numeric(rows["limit"], errors="coerce"), rows["status"].astype(str)
        if "status" in rows.columns else [""] * len(rows), strict=True)}
    bases = {str(b) for b in (base_of or {}).values() if b}
    close_of: dict[str, list[str]] = {}
    for c, t in twin_bus.items():
        close_of.setdefault(t, []).append(c)

    def made(frame: pd.DataFrame, failing: bool) -> pd.DataFrame:
        if frame is None or not len(frame) or "limit" not in frame.columns:
            return frame.iloc[:0] if frame is not None else pd.DataFrame()
        sel = np.flatnonzero(
            frame["scenario"].astype(str).isin(bases).to_numpy(bool)
            & (frame["criterion"].astype(str) == "C5").to_numpy(bool)
            & frame["margin_unit"].astype(str).isin(PICKUP).to_numpy(bool)
            & frame["fault_bus"].astype(str).isin(set(close_of)).to_numpy(bool))
        parts = []
        for i in sel.tolist():
            r = frame.iloc[i]
            for c in close_of[str(r["fault_bus"])]:
                f = factor.get((c, str(r["device"])))
                limit = pd.to_numeric(r["limit"], errors="coerce")
                if f is None or not np.isfinite(limit) or not np.isfinite(f[0]):
                    continue
                m = float(r["margin"]) + float(limit) - f[0]
                if failing and not m < -1e-12:
                    continue
                parts.append({**r.to_dict(), "fault_bus": c, "margin": m, "limit": f[0],
                              **({"status": f[1]} if failing and "status" in frame else {})})
        cols = list(frame.columns)
        return pd.DataFrame(parts, columns=cols) if parts else frame.iloc[:0]

    extra_v = made(v.iloc[np.flatnonzero(~at)], failing=True)
    if len(extra_v):
        for c in v.columns:  # text columns as text (the attribution codes them itself)
            if isinstance(v[c].dtype, pd.CategoricalDtype):
                extra_v[c] = extra_v[c].astype(object)
    extra_bm = made(base_margins, failing=False) if base_margins is not None else None
    return extra_v, (extra_bm if extra_bm is not None else pd.DataFrame())
