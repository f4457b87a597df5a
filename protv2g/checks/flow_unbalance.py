"""C12's voltage-unbalance rows (split from :mod:`protv2g.checks.flow`, review rev31 §1, §2).

* A row per (scenario, judged bus) at its worst step whose voltage unbalance factor
  ``u2 = |V2|/|V1| × 100`` exceeds ``unbalance_max_percent`` (``fail``), in its own margin unit
  :attr:`~protv2g.criteria.MarginUnit.UNBALANCE_PERCENT` (points of u2), kept apart from the
  loading rows' percent of rating (their materiality, words and attribution keys differ).
* Its ``tolerance`` is ``checks.unbalance_change_min_percent`` (default
  :data:`UNBALANCE_CHANGE_MIN_PERCENT` = 0.15 points): IEC 61000-4-30:2015 §5.7.4 gives a Class A
  instrument an uncertainty of ±0.15 points of u2 (Class S ±0.3; a Class B meter's maker
  declares its own, e.g. ±0.3 points: Chauvin Arnoux C.A 8333 manual §15.4.2). A V2G change
  smaller than that cannot be told from the measurement that would settle it, so a row failing
  without V2G too that V2G moves by less is ``pre-existing``, and a row passing without V2G by
  less than it (:func:`unbalance_margins`, the base margins) that V2G moves by less is too.
  Before (review rev31 §2, IEEE 8500): no tolerance, the attribution's numerical floor and the
  10 %-of-deficit share: a 7.2 kW charger 10 km away "made worse" a 3.02 % unbalance by
  0.013 points and the homes' hosting capacity was 0 kW.
* A row whose V2G change a regulator's unforced tap move explains
  (:func:`protv2g.checks.flow_taps.tap_explained`) is ``pre-existing`` and says so.
* A row at a V2G site's own low-voltage bus (a bus only the site's model transformer
  energises: out of the base case, :func:`~protv2g.checks.flow_site_tap.site_buses`) takes as
  its base twin the base case's unbalance at the bus the transformer's feeder side hangs on
  (:func:`site_feeder_buses`; review rev38b W3). Before, it had none and every row there was
  ``new``: IEEE 37's campus_lv (a 750 kVA Dyn 4.8/0.48 kV transformer at bus 740) failed at
  4.46 % "made worse by V2G" and limited the campus's hosting to 0 kW, while 740 is at 3.440 %
  without the project (OpenDSS) and the campus's export lowers it (3.054 % at 480 kW). Why
  the feeder bus is the twin: the negative-sequence voltage passes a two-winding transformer
  in proportion to the positive-sequence one (the sequence networks of a Dy or YNd
  transformer are the same series impedance for the positive and the negative sequence, the
  delta shifting them by ±30°; only the zero sequence is blocked: C. L. Fortescue, "Method of
  symmetrical co-ordinates applied to the solution of polyphase networks", *Trans. AIEE*
  37 (1918); J. D. Glover, M. S. Sarma, T. J. Overbye, *Power System Analysis and Design*,
  §8.5, recalled), so with the site idle (no load current, no drop in the transformer)
  ``|V2|/|V1|`` of the line-to-line voltages is the same on both sides (OpenDSS, IEEE 37:
  740 3.440 %, campus_lv with the campus idle 3.440 %;
  ``tests/test_c12_site_unbalance.py`` checks it on a small feeder). The chargers-idle
  figure (the project's equipment in) is the same number here; the feeder bus is used
  because the base case is the twin of every other C12 row and every flow gives it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, violation_rows
from protv2g.checks.flow_band_pre import band_preexisting, band_preexisting_text
from protv2g.checks.flow_limit import limit_tolerance_pu
from protv2g.checks.flow_tap_path import bracketed_high, tap_path_columns, tap_path_text
from protv2g.checks.flow_taps import tap_explained
from protv2g.criteria import MarginUnit
from protv2g.flow.tap_band import BOTTOM_UNBALANCE_COLUMN, TOP_UNBALANCE_COLUMN
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX
from protv2g.violations import CheckStatus

__all__ = ["ONLY_OWN_TEXT", "UNBALANCE_CHANGE_MIN_PERCENT", "unbalance_change_min",
           "unbalance_rows", "unbalance_margins", "base_values", "bracketed_unbalance",
           "site_feeder_buses"]

#: How a row whose change is over the materiality from the base case's taps alone says so.
ONLY_OWN_TEXT = "V2G's change is over the materiality "
#: Default of ``checks.unbalance_change_min_percent`` (points of u2; module docstring).
UNBALANCE_CHANGE_MIN_PERCENT = 0.15


def unbalance_change_min(thresholds: object) -> float:
    """``checks.unbalance_change_min_percent`` (the default for a thresholds object without it)."""
    return float(getattr(thresholds, "unbalance_change_min_percent",
                         UNBALANCE_CHANGE_MIN_PERCENT))


def base_values(w: pd.DataFrame, rows: pd.DataFrame, base_of: Mapping[str, str], col: str
                ) -> np.ndarray:
    """``(len(rows),)`` the base case's ``col`` at each row's bus (``w``: the worst row of every
    (scenario, bus), base cases included); NaN without a base case or a base row."""
    if not len(rows):
        return np.zeros(0)
    base = rows.scenario.astype(str).map(lambda s: str(base_of.get(s, "") or ""))
    key = pd.MultiIndex.from_arrays([w.scenario.astype(str).to_numpy(), w.bus.to_numpy()])
    ref = pd.Series(w[col].to_numpy(float), index=key)
    ref = ref[~ref.index.duplicated()]
    at = ref.reindex(pd.MultiIndex.from_arrays([base.to_numpy(), rows.bus.to_numpy()]))
    out = at.to_numpy(float)
    out[(base == rows.scenario.astype(str)).to_numpy() | (base == "").to_numpy()] = np.nan
    return out


def site_feeder_buses(ctx: CheckContext) -> dict[int, int]:
    """Bus position → the position of the bus its site transformer's feeder side hangs on, for
    every bus only a site's own model transformer energises
    (:func:`~protv2g.checks.flow_site_tap.site_buses`): the one bus that stays energised
    without the transformer and shares an element with a bus that does not (the
    transformer's own feeder-side bus, or past a device's close-in stub on that terminal the
    bus the stub starts from, :mod:`protv2g.network.dss_close_in`). A transformer with none
    or several such buses gives none (kept in ``ctx.cache``)."""
    key = "C12 site feeder buses"
    if key in ctx.cache:
        return ctx.cache[key]
    from protv2g.checks.flow_site_tap import site_buses

    out: dict[int, int] = {}
    model = getattr(ctx.study, "model", None)
    sites = site_buses(ctx)
    if sites and model is not None and hasattr(model, "elements"):
        names = pd.Index([str(b).lower() for b in model.buses.index])
        by_xf: dict[str, set[int]] = {}
        for b, (el, _) in sites.items():
            by_xf.setdefault(el, set()).add(int(b))
        elements = model.elements
        if "enabled" in elements.columns:
            elements = elements[elements.enabled.to_numpy(bool)]
        # the elements' bus names, looked up only for those touching a site's bus
        dead_names = {names[b] for b in sites}
        touch = []
        for bs in elements.buses:
            bare = [str(x).split(".", 1)[0].lower() for x in bs]
            if dead_names.intersection(bare):
                touch.append(set(names.get_indexer(bare).tolist()))
        for dead in by_xf.values():
            live = {int(p) for at in touch if dead & at for p in at
                    if p >= 0 and p not in dead}
            if len(live) == 1:
                feeder = live.pop()
                out.update(dict.fromkeys(dead, feeder))
    ctx.cache[key] = out
    return out


def _site_twins(ctx: CheckContext, w: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """``(len(rows),)`` the base case's unbalance at the feeder bus of each row at a site's
    own bus (:func:`site_feeder_buses`; ``w``: the worst row of every (scenario, bus), base
    cases included); NaN elsewhere and on a base case's own rows."""
    feeder = site_feeder_buses(ctx)
    if not feeder or not len(rows):
        return np.full(len(rows), np.nan)
    twin = rows.bus.map(lambda b: feeder.get(b, -1))
    return base_values(w, rows.assign(bus=twin.to_numpy()), ctx.base_of, "unbalance_percent")


def unbalance_rows(ctx: CheckContext, bus: pd.DataFrame, w: pd.DataFrame,
                   names_of) -> pd.DataFrame:  # noqa: ANN001
    """C12's failing unbalance rows (module docstring); ``w`` the worst unbalance of every
    judged (scenario, bus), ``bus`` the flow's whole bus table, ``names_of(buses)`` → names."""
    th = ctx.thresholds
    tol = unbalance_change_min(th)
    # judged at the base case's unbalance plus the largest of V2G's changes from the three
    # band starts, like with like, as the voltage rows (review rev49b #4, inv49b option (b))
    w, (rises, start, base3) = bracketed_unbalance(bus, w, ctx.base_of)
    over = (w.unbalance_percent > th.unbalance_max_percent + 1e-9).to_numpy()
    bad, rises, start, base3 = w[over], rises[over], start[over], base3[over]
    names = names_of(bad.bus)
    message = [f"voltage unbalance {u:.2f} % at {n} {ctx.export_text(s)} exceeds "
               f"{th.unbalance_max_percent:g} %" for u, n, s in
               zip(bad.unbalance_percent.tolist(), names, bad.scenario.tolist(), strict=True)]
    charging = bad.scenario.astype(str).str.startswith(CHARGING_SNAPSHOT_PREFIX).to_numpy()
    for k in np.flatnonzero(np.isfinite(rises[:, 0]) & np.isfinite(rises[:, 1:]).any(axis=1)
                            ).tolist():
        message[k] += tap_path_text(f"{names[k]}'s unbalance", rises[k], int(start[k]),
                                    bool(charging[k]), change="rise", unit="%")
        edges = rises[k, 1:][np.isfinite(rises[k, 1:])]
        if rises[k, 0] > tol and (edges <= tol).all():  # (review rev49b #4, inv49b §3)
            message[k] += (f"; {ONLY_OWN_TEXT}({tol:g} %) from the base case's taps only ("
                           + ", ".join(
                               f"{d:+.4f} % at the band's {e}" for d, e in zip(
                                   rises[k, 1:].tolist(), ("top", "bottom"), strict=True)
                               if np.isfinite(d)) + ")")
    # the base case failing at a start of the regulators' band (review rev49b #2)
    by = band_preexisting(base3 - th.unbalance_max_percent, rises, tol)
    for k in np.flatnonzero(by >= 0).tolist():
        message[k] += band_preexisting_text(int(by[k]), float(base3[k, by[k]]),
                                            float(rises[k, by[k]]), str(names[k]), unit="%",
                                            digits=2, charging=bool(charging[k]))
    u_base = base_values(w, bad, ctx.base_of, "unbalance_percent")
    u_site = _site_twins(ctx, w, bad)
    site = np.isnan(u_base) & np.isfinite(u_site)
    u_base = np.where(site, u_site, u_base)
    change = bad.unbalance_percent.to_numpy(float) - u_base
    feeder = site_feeder_buses(ctx)
    for k in np.flatnonzero(site).tolist():  # the twin said (review rev38b W3)
        message[k] += (f"; {names[k]} exists only with its site's transformer: without the "
                       f"project its feeder side ({ctx.bus_name(feeder[int(bad.bus.iat[k])])})"
                       f" is at {u_base[k]:.2f} %, which a Dyn/YNd transformer passes on "
                       "unchanged")
    explained, texts = tap_explained(ctx.study.model, bus, ctx.base_of, bad, change,
                                     np.full(len(bad), tol), "%", limit_tolerance_pu(th))
    explained &= by < 0  # said once: the band start's rule first
    for k in np.flatnonzero(explained).tolist():
        message[k] += texts[k]
    explained |= by >= 0
    out = violation_rows(
        "C12", CheckStatus.FAIL, frame=bad, scenario=bad.scenario.to_numpy(),
        fault_bus=names, margin_unit=MarginUnit.UNBALANCE_PERCENT,
        margin=(th.unbalance_max_percent - bad.unbalance_percent).to_numpy(),
        limit=th.unbalance_max_percent, tolerance=tol, message=message,
        **tap_path_columns(rises, start))
    if explained.any():  # kept by the attribution (a check's own, as the voltage rows' new)
        out["attribution"] = np.where(explained, "pre-existing", "").astype(object)
    return out


def bracketed_unbalance(bus: pd.DataFrame, w: pd.DataFrame, base_of: Mapping[str, str]
                        ) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """C12's worst unbalance rows ``w`` judged at the conservative end of where in their band
    the regulators rest (:func:`~protv2g.checks.flow_tap_path.bracketed_high` of
    ``unbalance_percent`` on the flow's band-edge columns
    :data:`~protv2g.flow.tap_band.TOP_UNBALANCE_COLUMN` and
    :data:`~protv2g.flow.tap_band.BOTTOM_UNBALANCE_COLUMN`), and ``(rises, start, base)``.

    Only the bus rows with a band edge are read: a row without one keeps its own value
    either way (IEEE 8500: the day scenarios' 96 steps are most of the table)."""
    cols = (TOP_UNBALANCE_COLUMN, BOTTOM_UNBALANCE_COLUMN)
    if set(cols) <= set(bus.columns):
        edged = np.isfinite(bus[cols[0]].to_numpy(float)) | np.isfinite(
            bus[cols[1]].to_numpy(float))
        bus = bus[edged]
    return bracketed_high(bus, w, base_of, "unbalance_percent", cols)


def unbalance_margins(ctx: CheckContext, w: pd.DataFrame, names_of) -> pd.DataFrame:  # noqa: ANN001
    """The base cases' unbalance margins of every judged bus, passing or not (``w``: their
    worst rows), as :func:`protv2g.checks.flow.flow_margins` gives the voltage ones."""
    th = ctx.thresholds
    scenario, bus, u = (w.scenario.to_numpy(), w.bus.to_numpy(),
                        w.unbalance_percent.to_numpy(float))
    # a site's own bus (out of the base case) takes its feeder bus's (review rev38b W3)
    feeder = site_feeder_buses(ctx)
    if feeder and len(w):
        twins = [(s, b) for s in pd.unique(scenario) for b in sorted(feeder)]
        ref = pd.Series(u, index=pd.MultiIndex.from_arrays([scenario, bus]))
        ref = ref[~ref.index.duplicated()]
        got = ref.reindex(pd.MultiIndex.from_tuples([(s, feeder[b]) for s, b in twins]))
        keep = np.isfinite(got.to_numpy(float))
        scenario = np.concatenate([scenario, np.array([s for s, _ in twins], dtype=object)[keep]])
        bus = np.concatenate([bus, np.array([b for _, b in twins], dtype=bus.dtype)[keep]])
        u = np.concatenate([u, got.to_numpy(float)[keep]])
    return pd.DataFrame({
        "scenario": scenario, "fault_bus": names_of(pd.Series(bus)), "device": "",
        "margin_unit": MarginUnit.UNBALANCE_PERCENT.value,
        "margin": th.unbalance_max_percent - u})
