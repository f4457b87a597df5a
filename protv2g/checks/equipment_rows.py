"""C5 and C6 rows the project's equipment causes with every charger idle.

A site's own transformer with a grounded-wye winding on the feeder side (``YNd``) is a
zero-sequence source: for every ground fault on the feeder it feeds ``3I0`` back through the
feeder's relays and shunts part of the fault's ``3I0`` away from them, with the chargers idle
too. Reviews rev36a M1 (IEEE 8500: the head's 51G trips in 0.6 s on 1,139 A of 3I0 for a
ground fault on the substation bus — OpenDSS: 5.8 A without the depot's 1.5 MVA YNd, 1,144.8
A with it and no charger — and its reach drops 16 %) and rev36b M1 (EPRI J1: the head's 3I0
345.4 → 302.9 A with the transformer and no charger, −12.3 %): C5 and C6 called those rows
"caused by V2G", C1 "caused by the project's equipment" (:mod:`protv2g.checks.equipment`).

The same rule as C1's: the row judged again with **every charger idle** and the project's
equipment in — the currents the fault engine solves anyway for the parts that build a
site's equipment (:data:`~protv2g.study.engine_inputs.SITES_IDLE`: the rows'
:data:`~protv2g.checks.converter_sum.NET_COLUMNS` where the base case has no twin, their
:data:`~protv2g.checks.equipment.IDLE_COLUMNS` where it has one,
:func:`protv2g.pipeline_blocks.with_network_columns`). No charger: one current for the whole
fault, the first cycle's. A row that fails there as the attribution would call it against its
base case (new, or worse by more than the row's tolerance) gets the attribution
:data:`~protv2g.checks.equipment.EQUIPMENT` ("caused by the project's equipment"), its
message the idle figure and the remedy — the transformer's connection on the feeder side, a
neutral impedance, or a directional ground element at the device — not an export limit.

* C6 (:func:`sympathetic_idle`): the candidate's operating time on its idle current against
  the clearing device's on its own (or the substation's stated clearing time) plus the same
  interval; fails → equipment, where the row's base twin does not fail too.
* C5 reach (:func:`reach_idle`): the device's operating quantity (3I0 for a ground element,
  else the largest phase current) idle over its pickup below the factor, where the base
  passes (or fails by less than the row's tolerance more).
* C5 reach drop (:func:`drop_idle`): ``1 − I_idle / I_base`` beyond ``v2g_change_fraction``.

Existing DER: the idle current holds its first cycle (as the base case's maximum case);
the rows are judged on it alone (C1 judges its pairs at both ends, :func:`~protv2g.checks.
equipment.idle_coordination`; here a row without a grid-alone figure is judged on the one).
In the minimum case a device row is the lower of the existing inverters out and in
(:mod:`protv2g.pipeline_der_min`); its idle figure is of the **same end** as the row
(:data:`~protv2g.checks.converter_sum.DER_IN_COLUMN`), so idle and V2G differ by the
chargers alone, and the base figure it is compared with is the one the attribution reads
(the base row at its own low end; C5's margins and drops). Ver36 V2 (EPRI J1, one 1 kW
charger): at SLG-c b5218 the head's row took the PV in (3I0 303.5 A) and its idle figure was
of the PV-out end (311.6 A): the head's C5 rows read "caused by V2G"; now every head and
F-DEPOT row and its idle figure agree within 0.07 A (the charger's 1.8 A at 480 V seen at
12.47 kV).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.attribution_materiality import (
    PRE_EXISTING,
    WORSE,
    failing_row_codes,
    twin_tolerance,
)
from protv2g.checks.close_in_twins import close_in_twin_buses, twin_bus_names
from protv2g.checks.equipment import IDLE_MARGIN
from protv2g.checks.fuse_saving_range import is_ground_fault
from protv2g.checks.fuse_window_text import least_current, own_fuse_remedy
from protv2g.checks.idle_figures import has_idle, idle_times
from protv2g.checks.project_equipment import EQUIPMENT, EQUIPMENT_WORSE
from protv2g.checks.reach_base_twin import (
    twin_element,
    ungrounded_fault_figures,
    ungrounded_grounding_text,
)
from protv2g.checks.reach_project_ground import blind_ungrounded, ungrounded_remedy_text
from protv2g.devices.fuse import Fuse
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.study.dss_site_transformers import grounded_site_transformers

__all__ = ["drop_idle", "has_idle", "idle_times", "mark_rows", "reach_equipment", "reach_idle",
           "remedy_text", "sympathetic_idle"]

_NO = "nan"


def _labels(ctx: Any) -> list[str]:
    """How texts name the sites' grounded transformers (``"depot's transformer depot_xf
    (YNd)"``), or the site transformers' names when none is grounded."""
    cache = getattr(ctx, "cache", None)
    if cache is not None and "grounded site transformers" in cache:
        xf = cache["grounded site transformers"]
    else:
        xf = grounded_site_transformers(ctx.study)
    if xf:
        return sorted(set(xf.values()))
    return sorted({str(s.model_transformer) for s in getattr(ctx.study.document, "v2g_sites",
                                                             [])
                   if getattr(s, "model_transformer", None)}) or ["the site's transformer"]


def remedy_text(ctx: Any, device: str, reach: bool = False, export: str = "") -> str:
    """The remedy of a C5/C6 :data:`~protv2g.checks.equipment.EQUIPMENT` row: the
    transformer's connection or a neutral impedance; for C6 (a trip on current fed back) or
    a directional ground element at the device, for C5 (``reach``: the device sees too
    little) or a more sensitive setting of it (its ground pickup, a fuse's smaller link).
    ``export``: where the chargers' export moves the row materially too, what it does (review
    ver43 M-m2), said instead of "not the chargers or their export".

    >>> from types import SimpleNamespace
    >>> ctx = SimpleNamespace(cache={"grounded site transformers":
    ...                              {"depot": "depot's transformer depot_xf (YNd)"}})
    >>> remedy_text(ctx, "head")[:60]
    "remedy: the equipment — depot's transformer depot_xf (YNd): "
    """
    other = (f"a more sensitive setting of {device} (its ground pickup; a fuse's smaller link)"
             if reach else f"a directional ground element (67N) at {device}")
    return (f"remedy: the equipment — {' and '.join(_labels(ctx))}: its connection on the "
            f"feeder side (a delta or ungrounded-wye winding) or a neutral impedance, or "
            f"{other} — " + (f"and the export: {export}" if export
                             else "not the chargers or their export"))


def _on_transformer(ctx: Any, device: str) -> bool:
    """Whether ``device`` sits on a transformer (``location: {trafo: …}``): a site's own
    fuse, whose reach at its own zone's faults (its close-in fault, review rev37a F8) no
    winding connection of the transformer it guards changes."""
    sites = getattr(getattr(ctx, "study", None), "device_sites", None) or {}
    return device in sites and str(getattr(sites[device], "element", "")) == "trafo"


def _own_remedy(ctx: Any, device: str, i_a: float, factor: float, ground: bool,
                i_row_a: float = math.nan) -> str:
    """The remedy of a C5 equipment row of a device on a transformer (:func:`_on_transformer`):
    the device itself (review rev37a F8, EPRI ckt5: F-DEPOT 140K short of its own terminal
    fault, where the delta transformer's "connection on the feeder side" was offered) — for
    a fuse, the links of its window, or that it has none and what the fault needs instead
    (:func:`~protv2g.checks.fuse_window_text.own_fuse_remedy`, review ver37 §6), judged at
    the lesser of the row's own current ``i_row_a`` and the idle one ``i_a``
    (:func:`~protv2g.checks.fuse_window_text.least_current`)."""
    dev = (getattr(ctx, "devices", None) or {}).get(device)
    if isinstance(dev, Fuse):  # one text per fuse, idle current, factor (rows share them)
        cache = getattr(ctx, "cache", None)
        memo = cache.setdefault("own fuse remedy", {}) if cache is not None else {}
        i_win, basis = least_current(float(i_row_a), float(i_a))
        key = (device, str(dev.settings.link), round(i_win, 1), basis, float(factor),
               bool(ground))
        if key not in memo:
            memo[key] = own_fuse_remedy(
                ctx.study, (getattr(ctx, "flow", None) or {}).get("device"), device,
                str(dev.settings.link), i_win, float(factor), bool(ground), basis)
        return memo[key]
    return (f"remedy: {device} itself — a more sensitive setting that clears the faults of its "
            "own zone, its terminal fault included — not the chargers or their export")


def _is_v2g(ctx: Any, scenario: np.ndarray) -> np.ndarray:
    base_of = getattr(ctx, "base_of", {}) or {}
    return np.array([bool(base_of.get(str(s))) and base_of.get(str(s)) != str(s)
                     for s in scenario], dtype=bool)


def _base_keys(ctx: Any, frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.MultiIndex:
    """``frame``'s rows keyed on their base scenario and ``cols``."""
    base_of = getattr(ctx, "base_of", {}) or {}
    scen = [str(base_of.get(str(s), "") or "") for s in frame["scenario"]]
    return pd.MultiIndex.from_arrays([np.asarray(scen, dtype=object),
                                      *(frame[c].astype(str).to_numpy() for c in cols)])


def sympathetic_idle(ctx: Any, bad: pd.DataFrame, cti: np.ndarray,
                     t_clear_s: float | None = None) -> tuple[np.ndarray, list[str]]:
    """C6's failing rows ``bad`` (candidate ``device``, ``clearing_device`` unless
    ``t_clear_s`` — the substation's clearing time — is given) that fail with every charger
    idle too, their base twins passing (module docstring).

    Returns
    -------
    (ndarray, list of str)
        ``(n,)`` bool, the rows of :data:`~protv2g.checks.equipment.EQUIPMENT`; the message
        clause per row (``""`` elsewhere).
    """
    n = len(bad)
    none = (np.zeros(n, dtype=bool), [""] * n)
    mine = idle_times(ctx, bad)
    if mine is None:
        return none
    if t_clear_s is None:
        clr = idle_times(ctx, bad.assign(device=bad["clearing_device"].to_numpy()))
        if clr is None:
            return none
        t_clr = clr["t_clear_s"].to_numpy(float)
    else:
        t_clr = np.full(n, float(t_clear_s))
    t = mine["t_op_s"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        margin = t - t_clr - np.asarray(cti, float)
        fails = np.isfinite(t) & np.isfinite(t_clr) & (margin < -1e-9)
    fails &= _is_v2g(ctx, bad["scenario"].to_numpy())
    if fails.any():  # a base twin failing too: the attribution's (pre-existing or worse)
        own = pd.MultiIndex.from_arrays([bad[c].astype(str).to_numpy() for c in (
            "scenario", "device", "fault_bus", "fault_type", "case")])
        fails &= ~np.asarray(_base_keys(ctx, bad, ("device", "fault_bus", "fault_type",
                                                   "case")).isin(own), dtype=bool)
        fails &= ~_close_in_twin_fails(ctx, bad)
    texts = [
        (f"; the project's equipment's: with every charger idle (the site's transformer in, "
         f"no charger online) {d} trips in {t[k]:.3g} s on {ip:.0f} A (3I0 {ig:.0f} A) and "
         f"the interval fails by {-margin[k]:.3g} s — {remedy_text(ctx, d)}") if fails[k]
        else "" for k, (d, ip, ig) in enumerate(zip(
            bad["device"].astype(str), mine["i_phase_a"].to_numpy(float),
            mine["i_ground_a"].to_numpy(float), strict=True))]
    return fails, texts


def _close_in_twin_fails(ctx: Any, bad: pd.DataFrame) -> np.ndarray:
    """``(n,)`` bool: C6's failing rows ``bad`` at the close-in fault of a device that exists
    only with the project whose base twin — the base case's fault at the device's terminal
    bus (:mod:`protv2g.checks.close_in_twins`), same candidate, fault type, case and
    clearing device (the attribution's key: a fault the project's device clears has no
    twin) — fails too: the attribution's, not the equipment's (review rev38a W2, twin2_38:
    r3 tripping for a 20 Ω ground fault at "f_depot close-in" before mid clears, "the
    project's equipment's", and for the same fault at b2 without the project)."""
    twin_bus = close_in_twin_buses(ctx)
    if not twin_bus or "clearing_device" not in bad.columns:
        return np.zeros(len(bad), dtype=bool)
    cols = ("device", "fault_bus_name", "fault_type", "case", "clearing_device")
    own = pd.MultiIndex.from_arrays([bad[c].astype(str).to_numpy() for c in (
        "scenario", *cols)])
    keyed = bad.assign(fault_bus_name=twin_bus_names(bad["fault_bus_name"], twin_bus))
    at_close_in = bad["fault_bus_name"].astype(str).isin(set(twin_bus)).to_numpy(bool)
    return at_close_in & np.asarray(_base_keys(ctx, keyed, cols).isin(own), dtype=bool)


def _op_current(idle: pd.DataFrame, element: np.ndarray) -> np.ndarray:
    """The idle operating quantity of a row judged on ``element`` (``"ground"``: 3I0)."""
    return np.where(np.asarray(element, dtype=object) == "ground",
                    idle["i_ground_a"].to_numpy(float), idle["i_phase_a"].to_numpy(float))


def reach_idle(ctx: Any, bad: pd.DataFrame, m_base: np.ndarray,
               out: dict[str, np.ndarray] | None = None,
               base_element: np.ndarray | None = None) -> tuple[np.ndarray, list[str]]:
    """C5's shortfall rows ``bad`` (``scenario``, ``device``, ``fault_bus``,
    ``fault_type``, ``case``, ``element``, ``pickup_a``, ``factor``, ``tolerance``) that
    fall short with every charger idle too, as the attribution would call it against
    ``m_base`` (the base twin's margin ``ratio − factor``, NaN for none), element for
    element: the idle figure is read on the twin's element ``base_element`` where given
    (:func:`~protv2g.checks.reach_base_twin.twin_element`, review rev43a W1), else on the
    row's: new (the base passes by the tolerance or more, or has no twin) or worse by more
    than the tolerance —
    the attribution's rule and floors of the tolerance (:func:`~protv2g.checks.
    attribution_materiality.failing_row_codes`, the factor the row's limit).
    ``out``: given, its ``"idle_margin"`` is set to each row's margin with every charger idle
    (``I_idle / pickup − factor``; NaN without an idle figure and on base-case rows), the
    export trend's 0 kW point (mix38, :data:`~protv2g.checks.equipment.IDLE_MARGIN`), and its
    ``"attribution"`` to each such row's: :data:`~protv2g.checks.equipment.EQUIPMENT_WORSE`
    where the base twin fails too (a pre-existing failure the equipment makes worse: review
    rev42b M1, IEEE 13's head −1.401 → −1.422 × pickup), else
    :data:`~protv2g.checks.equipment.EQUIPMENT`. ``bad["margin"]`` (optional): the row's own
    margin with its chargers; lower than the idle one by more than the tolerance on the same
    element, the export moves the row materially too and the text names both shares (review
    ver43 M-m2, IEEE 13's head: −1.399 without the project, −1.405 idle, −1.5 at 540 kW)."""
    n = len(bad)
    idle = idle_times(ctx, bad)
    if idle is None:
        return np.zeros(n, dtype=bool), [""] * n
    element, pickup = twin_element(ctx, bad, base_element)  # the twin's (rev43a W1)
    i_a = _op_current(idle, element)
    factor = bad["factor"].to_numpy(float)
    m_base = np.asarray(m_base, dtype=float)
    tol = twin_tolerance(bad["tolerance"].to_numpy(float), factor, m_base)
    with np.errstate(invalid="ignore", divide="ignore"):
        m_idle = i_a / pickup - factor
        # the attribution's rule (one copy: attribution_materiality), the idle row against
        # the base twin, the factor the row's limit (review att41, "Left open" 3)
        code = failing_row_codes(m_idle, m_base, tol, factor)
        fails = np.isfinite(m_idle) & (m_idle < -1e-12) & (code != PRE_EXISTING)
        worse = (code == WORSE) & (m_base < 0)  # failing without the project too
        # the export's own share beyond the idle row, same element (review ver43 M-m2)
        m_row = (bad["margin"].to_numpy(float) if "margin" in bad.columns
                 else np.full(n, np.nan))
        by_export = np.where(element == bad["element"].to_numpy(dtype=object),
                             m_idle - m_row, np.nan)
        exports = by_export > np.maximum(tol, 1e-12)
    v2g = _is_v2g(ctx, bad["scenario"].to_numpy())
    fails &= v2g
    if out is not None:
        out["idle_margin"] = np.where(v2g & np.isfinite(m_idle), m_idle, np.nan)
        out["attribution"] = np.where(worse, EQUIPMENT_WORSE, EQUIPMENT).astype(object)
    ground = (is_ground_fault(bad["fault_type"].to_numpy()) if "fault_type" in bad.columns
              else np.zeros(n, dtype=bool))
    # the row's own operating current (its scenario's chargers): a fuse's window is judged at
    # the lesser of it and the idle one (:func:`~protv2g.checks.fuse_window_text.least_current`)
    row_a = (bad["i_op_a"].to_numpy(float) if "i_op_a" in bad.columns
             else np.full(n, np.nan))
    # a ground fault the device sees nothing of at a bus with no ground path without the
    # project: no setting of the device helps (review rev42b M2)
    blind = blind_ungrounded(ctx, bad, ground & fails & ~(i_a >= DEVICE_ROW_MIN_A))
    # ... whose base case is not judged (no twin): the YNd grounds an ungrounded feeder
    # (review ver43 W-m1), said in protection terms
    grounds = blind & ~np.isfinite(m_base)
    fig = ungrounded_fault_figures(ctx, bad) if grounds.any() else {}
    texts = [
        ((ungrounded_grounding_text(_labels(ctx), d, i, fig, k) if grounds[k]
          else "; pre-existing, made worse by the project's equipment"
          + (" and its export" if exports[k] else "")
          + f": it fails by {-m_base[k]:.3g} × pickup without the project, and" if worse[k]
          else "; the project's equipment's:")
         + f" with every charger idle (the site's transformer in, no charger online) {d} sees "
         f"{i:.0f} A ({e}), {i / p:.3g} × pickup against {fc:g}"
         + (f", {m_base[k] - m_idle[k]:.2g} × pickup lower, beyond the tolerance {tol[k]:.2g}"
            if worse[k] else "")
         + " — " + (_own_remedy(ctx, d, i, fc, g, r) if _on_transformer(ctx, d)
                    else ungrounded_remedy_text(_labels(ctx), d) if blind[k]
                    else remedy_text(ctx, d, True, _export_text(m_idle[k], by_export[k], d)
                                     if exports[k] else ""))) if fails[k] else ""
        for k, (d, i, p, fc, e, g, r) in enumerate(zip(
            bad["device"].astype(str), i_a, pickup, factor,
            np.where(element == "ground", "3I0", "phase"),
            ground, row_a, strict=True))]
    return fails, texts


def _export_text(m_idle: float, by_export: float, device: str) -> str:
    """What the chargers' export does to a C5 row the equipment already fails (review ver43
    M-m2): the further shortfall, in multiples of pickup."""
    return (f"the sites' export lowers {device}'s margin by a further {by_export:.2g} × "
            f"pickup (from {m_idle:.4g} × pickup with every charger idle): an export limit, "
            f"or a setting of {device} that sees the fault with the chargers exporting")


def drop_idle(ctx: Any, rows: pd.DataFrame, i_base_a: np.ndarray, frac: float
              ) -> tuple[np.ndarray, list[str]]:
    """C5's reach-drop rows ``rows`` (``scenario``, ``device``, ``fault_bus``,
    ``fault_type``, ``case``, ``element``) whose device current drops by more than ``frac``
    against ``i_base_a`` with every charger idle already."""
    n = len(rows)
    idle = idle_times(ctx, rows)
    if idle is None:
        return np.zeros(n, dtype=bool), [""] * n
    i_a = _op_current(idle, rows["element"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        drop = 1.0 - i_a / np.asarray(i_base_a, float)
        fails = np.isfinite(drop) & (drop > frac + 1e-12)
    fails &= _is_v2g(ctx, rows["scenario"].to_numpy())
    texts = [
        (f"; the project's equipment's: with every charger idle (the site's transformer in, "
         f"no charger online) {d} sees {i:.0f} A already (−{x:.1%}) — "
         f"{remedy_text(ctx, d, reach=True)}")
        if fails[k] else ""
        for k, (d, i, x) in enumerate(zip(rows["device"].astype(str), i_a, drop, strict=True))]
    return fails, texts


def _base_twin(ctx: Any, bad: pd.DataFrame, margins: pd.DataFrame | None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Each of ``bad``'s base twin's reach margin from C5's base margins (``margins``:
    :func:`protv2g.checks.sensitivity.reach_margins`), NaN where none, and the element it
    was judged on (``reach_element``; ``""`` where none)."""
    out = np.full(len(bad), np.nan)
    none = np.full(len(bad), "", dtype=object)
    if margins is None or not len(margins) or not len(bad):
        return out, none
    cols = ("device", "fault_bus", "fault_type", "case")
    index = pd.MultiIndex.from_arrays([margins["scenario"].astype(str).to_numpy(),
                                       *(margins[c].astype(str).to_numpy() for c in cols)])
    keep = ~index.duplicated()
    # a fault at a project device's close-in position: its twin is the base case's fault at
    # the device's terminal bus (review rev38a W2, :mod:`protv2g.checks.close_in_twins`)
    twin_bus = close_in_twin_buses(ctx)
    bus = (twin_bus_names(bad["fault_bus_name"], twin_bus) if twin_bus
           else bad["fault_bus_name"].to_numpy())
    pos = index[keep].get_indexer(_base_keys(ctx, bad.assign(fault_bus=bus), cols))
    got = margins["margin"].to_numpy(float)[keep]
    out = np.where(pos >= 0, got[np.maximum(pos, 0)], np.nan)
    element = none
    if "reach_element" in margins.columns:
        element = np.where(pos >= 0, margins["reach_element"].to_numpy(object)[keep][
            np.maximum(pos, 0)], "").astype(object)
    if twin_bus and "limit" in margins.columns and "factor" in bad.columns:
        # ... judged at the close-in row's own factor (backup there, primary at the terminal
        # bus: :func:`protv2g.checks.close_in_twins.own_factor_twins`)
        at = np.flatnonzero(bad["fault_bus_name"].astype(str).isin(set(twin_bus)).to_numpy(
            bool) & (pos >= 0))
        limit = pd.to_numeric(margins["limit"], errors="coerce").to_numpy(float)[keep]
        out[at] += limit[pos[at]] - pd.to_numeric(bad["factor"], errors="coerce").to_numpy(
            float)[at]
    return out, element


def mark_rows(rows: pd.DataFrame, hit: np.ndarray, texts: list[str],
              attribution: np.ndarray | None = None) -> None:
    """Set :data:`~protv2g.checks.equipment.EQUIPMENT` (or the row's ``attribution``, ``(n,)``)
    on the violation rows ``hit`` (kept by the attribution, as C7's) and append their clause
    to the message (in place: rows the check has just made)."""
    if not hit.any():
        return
    mark = EQUIPMENT if attribution is None else attribution
    rows["attribution"] = np.where(hit, mark, rows["attribution"].to_numpy(object)
                                   ).astype(object)
    rows["message"] = np.array([m + t for m, t in zip(rows["message"].astype(str), texts,
                                                      strict=True)], dtype=object)


def reach_equipment(ctx: Any, rows: pd.DataFrame, fault_bus: np.ndarray,
                    bad: dict[str, np.ndarray], margins: pd.DataFrame | None) -> None:
    """C5's shortfall violation ``rows`` (made from ``bad``, the zone rows' columns, and
    ``fault_bus``, their fault buses) marked where the equipment's (:func:`reach_idle`)."""
    if not len(rows) or not has_idle(ctx):  # no idle figure: nothing to mark, and no base
        # margins of every shortfall row looked up for nothing (#21: 0.12 s CPU at 10,000 buses)
        return
    frame = pd.DataFrame({**{k: bad[k] for k in ("scenario", "device", "fault_bus_name",
                                                  "fault_type", "case", "element",
                                                  "pickup_a", "factor", "tolerance")},
                          **({"i_op_a": bad["i_op_a"]} if "i_op_a" in bad else {}),
                          **({"stage": bad["stage"]} if "stage" in bad else {}),
                          **({"margin": rows["margin"].to_numpy(float)} if "margin" in rows
                             else {}),
                          "fault_bus": fault_bus})
    idle: dict[str, np.ndarray] = {}
    # a ground fault the base case does not judge (no ground path there: the C5 info row)
    # has no twin — "not judged (ungrounded)", never a failing twin: with the project's YNd
    # the row is the equipment's (review ver43 W-m1, reversing mend43's twin of rev42b M1)
    m_base, element = _base_twin(ctx, frame, margins)
    hit, texts = reach_idle(ctx, frame, m_base, out=idle, base_element=element)
    mark_rows(rows, hit, texts, idle.get("attribution"))
    m_idle = idle.get("idle_margin")
    if m_idle is not None and np.isfinite(m_idle).any():  # the trend's idle point (mix38)
        rows[IDLE_MARGIN] = m_idle
