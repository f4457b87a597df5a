"""C8 load pickup margin: the largest load current in either direction stays below pickup / k.

From the power-flow device table (``scenario, step, device, i_a, …``): for every device and
scenario the largest ``|i_a|`` over all steps must stay below ``pickup /
load_pickup_factor`` (default 1.5). A fuse has no pickup: its limit is its minimum melt / k
(an IEC 60269 gG band link's: its rated current In, no k, :mod:`.fuse_gg_limits`),
the lowest current of the link's minimum-melt curve (:func:`protv2g.devices.kinds.phase_pickup_a`):
for an EEI-NEMA K or T link its minimum melting current at 300 s (600 s for the 140 and 200 A
links), ANSI C37.43 — about 2 × the link's continuous rating, which the link carries without
damage; the row's text says so (:func:`limit_text`). Without a flow result the check cannot
be evaluated (a failing row).

Each row says which peak it is (``mechanism``, :class:`LoadPeak`):

* :attr:`LoadPeak.EXPORT_PEAK` — the device carries power back towards the source at its
  worst step (the V2G export flows back through it);
* :attr:`LoadPeak.CHARGING_PEAK` — it imports, and V2G sites **behind it** charge at that
  step (``p_charging_kw``, their charging, each site's capped at its charger rating
  ``n_chargers × p_charger_kw`` and its interconnection transformer's kVA when it has one):
  vehicle load, present with or without V2G export — the findings say "charging", not
  "V2G", and no pickup raise is proposed for it (:mod:`protv2g.recommend.candidates`):
  raising a feeder relay's pickup for a schedulable load trades away its sensitivity, where
  managing the charging does not;
* :attr:`LoadPeak.IMPORT_PEAK` — it imports with no charging behind it (feeder load), or
  without the flow's site table to tell.

with the step's time and load (``time_h``, ``load_fraction``, for the 96-step day).

**Ground elements.** A relay's 51G/51N or a recloser's ground minimum trip measures the
residual current ``3·I0 = |Ia + Ib + Ic|`` (the flow's ``i_residual_a``), which unbalanced
load — single-phase laterals, single-phase home chargers charging or exporting on one
phase — puts through it with no fault on the feeder. Its largest value must stay below the
ground pickup / k, the same ``load_pickup_factor`` as the phase rule (the project's choice:
no published margin for 3I0 was found; the rule itself is GE Multilin 735/737 instruction
manual, Appendix A.1.4: "the pickup must be set above the maximum unbalance current …
the result of unequal loading of single-phase taps"). Its rows have ``rule``
:data:`GROUND_RULE` and a ``residual`` mechanism (:class:`LoadPeak`). A balanced flow
(pandapower's positive-sequence steps) has no residual (0); a step whose three-phase flow
could not be solved has none known (NaN): a device whose residual is unknown on some step of
a scenario gets a ``not_evaluated`` row saying on how many (the other steps are judged).

Charging is always judged (review s16: a study of light-load export snapshots "passed" C8
without a vehicle charging): whenever a site can charge (``modes`` include ``charging``) and
the study's 96-step day does not cover it, the flow runs the **charging snapshots**
``charging/<participation>`` (:func:`protv2g.scenarios.charging_scenarios`): peak load (the
net's loads as the flow's peak level, whether or not the study has a peak level), every
participating charger importing at its rating, existing DER off (worst case for load
current); their rows say so. A site that can charge but charges in no flow step (a flow
without those snapshots) gives a ``not_evaluated`` row, never a silent pass.

**At the limit on the regulators' rest point** (review rev49b #5): on an OpenDSS feeder with
regulators the flow solves a snapshot near its limit again with the taps held at its base
case's rest point and with one regulator tap moved (:mod:`protv2g.flow.held_taps`); a row
whose margin, either side, is inside one tap's effect is a ``warn`` to confirm, not a firm
fail or pass, and a row V2G makes fail says V2G's increment with the taps held
(:mod:`protv2g.checks.load_tap_path`).

**A device no site's current crosses** (review rev51 #1): V2G moves its load only through the
voltage at the loads behind it (OpenDSS holds a load below its ``Vminpu`` at constant
impedance: its current then rises with the export's voltage rise). Such a row is
``pre-existing`` where its base case fails, a ``warn`` where only the V2G flow fails, and says
so with the figures (:mod:`protv2g.checks.load_voltage`, the choice and why).

References
----------
ANSI C37.43 (EEI-NEMA K/T link melting currents at 300 s, 600 s above 100 A: the fuse's
limit, :mod:`protv2g.devices.fuse`).
IEEE Std C37.230-2020 §6.1 (pickup above maximum load with margin, cold-load pickup; the
pickup lies between the largest load and the smallest fault it must see, so a pickup raised
for a load that can be scheduled spends reach, C5, that managing the load does not).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from protv2g.checks._common import (
    CheckContext,
    concat,
    could_not,
    ground_pickup_a,
    not_applicable,
    violation_rows,
)
from protv2g.checks._row_frames import unsolved_flow
from protv2g.checks.fuse_gg_limits import gg_load_limit_a, load_limit_a
from protv2g.checks.load_tap_path import tap_path_texts
from protv2g.checks.load_voltage import voltage_only
from protv2g.checks.load_withstand import withstand_rows
from protv2g.devices.fuse import Fuse
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX, has_existing_der
from protv2g.units import ChargerMode
from protv2g.violations import CheckStatus

__all__ = ["check_load", "clock_text", "limit_text", "LoadPeak", "CHARGING_PEAK", "IMPORT_PEAK",
           "EXPORT_PEAK", "CHARGING_PEAKS", "RESIDUAL_PEAKS", "GROUND_RULE", "site_charging_cap_kw",
           "site_charging_kw"]


class LoadPeak(StrEnum):
    """``mechanism`` of a C8 row: what the largest current is."""

    CHARGING_PEAK = "charging peak: vehicle charging behind the device"
    IMPORT_PEAK = "import peak: load"
    EXPORT_PEAK = "export peak: reverse flow"
    RESIDUAL_CHARGING_PEAK = "residual (3I0) at a charging peak: vehicle charging behind"
    RESIDUAL_IMPORT_PEAK = "residual (3I0) at an import peak: unbalanced load"
    RESIDUAL_EXPORT_PEAK = "residual (3I0) at an export peak: unbalanced reverse flow"


CHARGING_PEAK = LoadPeak.CHARGING_PEAK.value
IMPORT_PEAK = LoadPeak.IMPORT_PEAK.value
EXPORT_PEAK = LoadPeak.EXPORT_PEAK.value
#: The mechanisms of a peak made by vehicle charging (phase or residual current): managed by
#: scheduling the charging, not by a pickup raise (:mod:`protv2g.recommend.candidates`).
CHARGING_PEAKS = frozenset({CHARGING_PEAK, LoadPeak.RESIDUAL_CHARGING_PEAK.value})
#: The mechanisms of C8's ground-element rows (residual current, module docstring).
RESIDUAL_PEAKS = frozenset({LoadPeak.RESIDUAL_CHARGING_PEAK.value,
                            LoadPeak.RESIDUAL_IMPORT_PEAK.value,
                            LoadPeak.RESIDUAL_EXPORT_PEAK.value})
#: ``rule`` of C8's ground-element rows (module docstring).
GROUND_RULE = "ground_load_pickup"
GROUND_RULE_SOURCE = (
    "GE Multilin 735/737 feeder protection relay instruction manual, Appendix A.1.4 (ground "
    "pickup above the maximum unbalance current of unequal single-phase loading); margin: "
    "load_pickup_factor applied to 3I0 (project choice, no published 3I0 margin found)")


def clock_text(hour: float) -> str:
    """An hour of the day as a clock time: ``20.0`` → ``"20:00"``, ``6.25`` → ``"06:15"``."""
    minutes = round(float(hour) * 60.0)
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def limit_text(device: object, fac: float, lim_a: float) -> str:
    """What a C8 row's limit is, by what :func:`check_load` divides by ``fac``: a relay's or a
    recloser's ``pickup / 1.5 = 267 A``; a fuse's minimum melt, the lowest current of its
    minimum-melt curve ("minimum melt (10K at 300 s, 19.5 A; rating 10 A) / 1.5 = 13 A"), or
    of its total-clearing curve when the link has no minimum-melt data (a fuse has no pickup).
    """
    if not isinstance(device, Fuse):
        return f"pickup / {fac:g} = {lim_a:.0f} A"
    if gg_load_limit_a(device) is not None:
        return (f"rated current of {device.settings.link} = {lim_a:.0f} A (an IEC 60269 gG "
                "link carries its rated current continuously; it does not melt below its "
                f"conventional non-fusing current 1.25 In = {1.25 * device.rating_a:.0f} A "
                "within the conventional time, IEC 60269-1)")
    c = device.curve
    mm = bool(c.mm_m_points)
    m, t = (c.mm_m_points, c.mm_t_points) if mm else (c.m_points, c.t_points)
    j = int(np.argmin(m))
    what = "minimum melt" if mm else "lowest total-clearing current (no minimum-melt curve)"
    return (f"{what} ({device.settings.link} at {float(t[j]):.3g} s, "
            f"{float(m[j]) * device.rating_a:.3g} A; rating {device.rating_a:g} A) / {fac:g} "
            f"= {lim_a:.0f} A")


def site_charging_cap_kw(site: object) -> float:
    """The most a V2G site can draw while charging (kW): its chargers' rating
    ``n_chargers × p_charger_kw``, and no more than its interconnection transformer's kVA."""
    cap = float(site.n_chargers) * float(site.p_charger_kw)  # type: ignore[attr-defined]
    tr = getattr(site, "interconnection_transformer", None)
    return min(cap, float(tr.sn_kva)) if tr is not None else cap


def site_charging_kw(ctx: CheckContext) -> pd.Series | None:
    """Each V2G site's charging (kW, ≥ 0) at each scenario and step of the flow's site table
    (``p_kw < 0``, capped by :func:`site_charging_cap_kw`), indexed ``(scenario, step,
    site)``; None without the table (or a flow: a bare context). C8's rows take the sites
    behind their device (:func:`_charging_kw`), C12's under-voltage rows all of them
    (:func:`protv2g.checks.flow_low.under_voltage_rows`)."""
    sites = (getattr(ctx, "flow", None) or {}).get("sites")
    if sites is None or sites.empty or not {"scenario", "step", "p_kw", "site"} <= set(
            sites.columns):
        return None
    caps = {s.name: site_charging_cap_kw(s) for s in ctx.study.document.v2g_sites}
    p = pd.to_numeric(sites["p_kw"], errors="coerce").to_numpy(float)
    cap = sites["site"].map(caps).to_numpy(float)
    charging = np.clip(-p, 0.0, np.where(np.isnan(cap), np.inf, cap))
    return pd.Series(charging).groupby([sites["scenario"].to_numpy(), sites["step"].to_numpy(),
                                        sites["site"].to_numpy()]).sum()


def _charging_kw(ctx: CheckContext, bad: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Charging (kW, ≥ 0) of the V2G sites behind each row's device at its scenario and step
    (``p_kw < 0`` of the flow's site table, each site's capped by
    :func:`site_charging_cap_kw`); nan without the site table. With it, per row the sites
    that charge as text ("depot 6,000 kW = 48 × 125 kW"): the charging the row assumes."""
    by = site_charging_kw(ctx)
    if by is None or "step" not in bad.columns:
        return np.full(len(bad), np.nan), [""] * len(bad)
    buses = getattr(ctx.study, "site_buses", {}) or {}
    # the sites behind each device, once per device (its downstream set read once)
    behind = {}
    for dev in dict.fromkeys(bad["device"].astype(str)):
        down = ctx.downstream(dev)
        behind[dev] = [site for site, bus in buses.items() if bus in down]
    kw_each = {s.name: float(s.p_charger_kw) for s in ctx.study.document.v2g_sites}
    out = np.zeros(len(bad))
    texts = []
    for j, (dev, sc, st) in enumerate(zip(bad["device"].astype(str), bad["scenario"],
                                         bad["step"], strict=True)):
        parts = []
        for site in behind[dev]:
            kw = float(by.get((sc, st, site), 0.0))
            out[j] += kw
            if kw > 0:
                parts.append(f"{site} {kw:,.0f} kW = {kw / kw_each[site]:.3g} × "
                             f"{kw_each[site]:g} kW")
        texts.append("; ".join(parts))
    return out, texts


def _charging_not_seen(ctx: CheckContext) -> list[pd.DataFrame]:
    """``not_evaluated`` rows for the sites that can charge but charge in no step of the
    flow's site table (nothing when the flow has no site table: the hosting search's own
    export flows judge export only)."""
    sites = ctx.flow.get("sites")
    if sites is None or not {"site", "p_kw"} <= set(sites.columns):
        return []
    p = pd.to_numeric(sites["p_kw"], errors="coerce")
    charging = set(sites.loc[p < 0, "site"].astype(str))
    return [could_not("C8", f"site {s.name} can charge (modes include charging) but no flow "
                      "step has it charging (no charging snapshot at peak load and no day "
                      "covering its charging): the load current while vehicles charge is "
                      "not known")
            for s in ctx.study.document.v2g_sites
            if ChargerMode.CHARGING in s.modes and s.name not in charging]


def check_load(ctx: CheckContext) -> pd.DataFrame:
    """C8 violation rows (see the module docstring)."""
    if not ctx.study.document.devices:
        return not_applicable("C8", "no protective device in this study")
    flow = ctx.flow.get("device")
    if flow is None or not {"scenario", "device", "i_a"} <= set(flow.columns):
        return could_not("C8", "no power-flow result with device load currents "
                         "(scenario, device, i_a)")
    rows = _charging_not_seen(ctx)
    fac = ctx.thresholds.load_pickup_factor
    for name in ctx.build_errors:
        rows.append(could_not("C8", f"device {name} could not be built "
                              f"({ctx.build_errors[name]})", device=name))
    f = flow[flow.device.isin(list(ctx.devices))].copy()
    unsolved, f = unsolved_flow("C8", f, "i_a", "device load currents")
    rows.append(unsolved)
    f = f[f.i_a.notna()]  # a device without current in a solved step: not energised
    missing = sorted(set(ctx.devices) - set(f.device))
    rows += [could_not("C8", f"no power-flow result for device {n}", device=n) for n in missing]
    if f.empty:
        return concat(rows)
    rows += _ground_rows(ctx, f, fac)
    rows += withstand_rows(ctx, f)  # a transformer fuse inside inrush/cold load (rev42a M5)
    f["i_abs_a"] = f.i_a.abs()
    worst = f.loc[f.groupby(["scenario", "device"]).i_abs_a.idxmax()]
    lim = worst.device.map({n: load_limit_a(d, fac) for n, d in ctx.devices.items()})
    lim = lim.to_numpy(float)
    i = worst.i_abs_a.to_numpy(float)
    # failing, or within one regulator tap of the limit: a warn (checks.load_tap_path)
    bad_mask, status, suffix = tap_path_texts(f, worst, i, lim, getattr(ctx, "base_of", {}),
                                               ground=False)
    bad, lim_bad = worst[bad_mask], lim[bad_mask]
    if bad.empty:
        return concat(rows)
    status, suffix = status[bad_mask], [t for t, k in zip(suffix, bad_mask, strict=True) if k]
    step = bad.step.to_numpy() if "step" in bad else np.full(len(bad), "")
    p = bad.p_mw.to_numpy(float) if "p_mw" in bad else np.full(len(bad), np.nan)
    charging, who = _charging_kw(ctx, bad)
    # a device no site's current crosses: the loads' voltage response (checks.load_voltage)
    att, to_warn, volt = voltage_only(ctx, f, bad, bad.i_abs_a.to_numpy(float), lim_bad)
    status = np.where(to_warn, CheckStatus.WARN.value, status).astype(object)
    suffix = [v + s for v, s in zip(volt, suffix, strict=True)]
    mech = np.where(p < 0, EXPORT_PEAK,
                    np.where(charging > 0, CHARGING_PEAK, IMPORT_PEAK)).astype(object)
    hour = bad.time_h.to_numpy(float) if "time_h" in bad else np.full(len(bad), np.nan)
    msgs = [_message(ctx, r, ("above " if r.i_abs_a >= lm else "below ")
                     + limit_text(ctx.devices[r.device], fac, lm), st, pm, (ch, wh, hr),
                     me) + sx for r, lm, st, pm, ch, wh, hr,
            me, sx in zip(bad.itertuples(index=False), lim_bad, step, p, charging, who, hour,
                          mech, suffix, strict=True)]
    rows.append(_fail_rows(ctx, bad, bad.i_abs_a.to_numpy(), lim_bad, msgs, mech, charging,
                           status=status, attribution=att))
    return concat(rows)


def _fail_rows(ctx: CheckContext, bad: pd.DataFrame, i_a: np.ndarray, lim_a: np.ndarray,
               msgs: list[str], mech: np.ndarray, charging: np.ndarray,
               status: np.ndarray | None = None, attribution: np.ndarray | None = None,
               **rule: object) -> pd.DataFrame:
    """C8's failing rows (phase or ground: ``i_a`` the current judged, ``lim_a`` its limit,
    A; ``status``: each row's, ``warn`` within one regulator tap of the limit,
    :mod:`protv2g.checks.load_tap_path`, default ``fail``; ``attribution``: each row's preset
    one, "" where the attribution decides, :mod:`protv2g.checks.load_voltage`; ``rule``: the
    ground rows' rule columns)."""
    extra = {c: bad[c].to_numpy(float) for c in ("time_h", "load_fraction") if c in bad}
    out = violation_rows(
        "C8", CheckStatus.FAIL if status is None else status, frame=bad,
        scenario=bad.scenario.to_numpy(),
        device=bad.device.to_numpy(), i_device_a=i_a, i_other_a=lim_a, margin=lim_a - i_a,
        limit=lim_a, message=msgs,
        # a V2G change of a pre-existing overload below a metering CT's error is not "worse"
        tolerance=ctx.thresholds.loading_change_min_percent / 100.0 * i_a,
        mechanism=mech, p_charging_kw=charging, **rule, **extra)
    if attribution is not None and len(out):
        out["attribution"] = np.asarray(attribution, dtype=object)
    return out


def _ground_rows(ctx: CheckContext, f: pd.DataFrame, fac: float) -> list[pd.DataFrame]:
    """C8 rows of the devices with a ground element: the largest residual current
    ``i_residual_a`` of each scenario against the ground pickup / ``fac`` (module
    docstring); ``not_evaluated`` where a scenario's residual is unknown on some step."""
    pickup = {n: ground_pickup_a(d) for n, d in ctx.devices.items()}
    pickup = {n: float(p) for n, p in pickup.items() if p is not None and p > 0}
    if not pickup or "i_residual_a" not in f.columns:
        return []
    g = f[f.device.isin(list(pickup))].copy()
    if g.empty:
        return []
    g["i_res_a"] = pd.to_numeric(g["i_residual_a"], errors="coerce").abs()
    known = g["i_res_a"].notna()
    n_unknown = (~known).groupby([g.scenario, g.device], sort=True).agg(["sum", "size"])
    rows = [could_not("C8", f"device {d}: the residual current (3I0) is not known on {u} of "
                      f"{n} steps of scenario {sc} (their three-phase flow could not be "
                      "solved: see the flow notes): its ground element is judged against "
                      "unbalanced load on the other steps only", device=d, scenario=sc)
            for (sc, d), (u, n) in n_unknown.iterrows() if u > 0]
    g = g[known]
    if g.empty:
        return rows
    worst = g.loc[g.groupby(["scenario", "device"]).i_res_a.idxmax()]
    lim = worst.device.map(pickup).to_numpy(float) / fac
    i = worst.i_res_a.to_numpy(float)
    at, status, suffix = tap_path_texts(f, worst, i, lim, getattr(ctx, "base_of", {}),
                                         ground=True)
    bad, lim_bad = worst[at], lim[at]
    if bad.empty:
        return rows
    status, suffix = status[at], [t for t, k in zip(suffix, at, strict=True) if k]
    p = bad.p_mw.to_numpy(float) if "p_mw" in bad else np.full(len(bad), np.nan)
    charging, who = _charging_kw(ctx, bad)
    att, to_warn, volt = voltage_only(ctx, f, bad, bad.i_res_a.to_numpy(float), lim_bad,
                                      "i_residual_a")
    status = np.where(to_warn, CheckStatus.WARN.value, status).astype(object)
    suffix = [v + s for v, s in zip(volt, suffix, strict=True)]
    mech = np.where(p < 0, LoadPeak.RESIDUAL_EXPORT_PEAK.value,
                    np.where(charging > 0, LoadPeak.RESIDUAL_CHARGING_PEAK.value,
                             LoadPeak.RESIDUAL_IMPORT_PEAK.value)).astype(object)
    step = bad.step.to_numpy() if "step" in bad else np.full(len(bad), "")
    msgs = [f"{r.device}'s ground element (pickup {pickup[r.device]:g} A) carries "
            f"{r.i_res_a:.0f} A of residual current 3I0 = |Ia + Ib + Ic| with no fault "
            f"({'export' if pm < 0 else 'import'} {abs(pm):.2f} MW, step {st}"
            + (f"; {ch:,.0f} kW of vehicle charging behind it: {wh}" if ch > 0 else "")
            + f") {ctx.export_text(r.scenario)}: {'above' if r.i_res_a >= lm else 'below'} "
            f"ground pickup / {fac:g} = {lm:.0f} A "
            "(unbalanced load or single-phase export can trip it)" + sx
            for r, lm, st, pm, ch, wh, sx in zip(bad.itertuples(index=False), lim_bad, step, p,
                                                  charging, who, suffix, strict=True)]
    rows.append(_fail_rows(ctx, bad, bad.i_res_a.to_numpy(), lim_bad, msgs, mech, charging,
                           status, rule=GROUND_RULE, rule_value=fac,
                           rule_source=GROUND_RULE_SOURCE, attribution=att))
    return rows


def _message(ctx: CheckContext, r: object, limit: str, step: object, p_mw: float,
             charging: tuple[float, str, float], mechanism: str) -> str:
    """One C8 row's text (``limit``: "above …" or "below …" it, :func:`limit_text`'s words):
    a charging peak names the charging, not the export, and says what
    it assumes (review s15): the sites' day (:mod:`protv2g.flow.day`), every participating
    vehicle charging at its charger's rating after the export window, at the stated hour."""
    charging_kw, who, hour = charging
    if str(r.scenario).startswith(CHARGING_SNAPSHOT_PREFIX):
        behind = (f"{charging_kw:,.0f} kW of vehicle charging behind it ({who})"
                  if charging_kw > 0 else "no charging site behind it")
        # "existing DER off" only where the feeder has some (review rev33a F4, ver33: said
        # on IEEE 37, which has none)
        if "has_der" not in ctx.cache:
            ctx.cache["has_der"] = has_existing_der(ctx.study) is not False
        der = (", existing DER (PV, generators, storage) off (worst case for load current)"
               if ctx.cache["has_der"] else "")
        return (f"{r.device} carries {r.i_abs_a:.0f} A of load (import {abs(p_mw):.2f} MW) in "
                f"the charging snapshot {r.scenario} with {behind}: peak load, every "
                f"participating vehicle charging at its charger's rating{der}: {limit}")
    if mechanism == CHARGING_PEAK:
        at = f"{clock_text(hour)}, " if np.isfinite(hour) else ""
        return (f"{r.device} carries {r.i_abs_a:.0f} A of load (import {abs(p_mw):.2f} MW, "
                f"{at}step {step}) with {charging_kw:,.0f} kW of vehicle charging behind it "
                f"({who}: every participating vehicle charging at its charger's rating; "
                f"scenario {r.scenario}): charging peak {limit}")
    return (f"{r.device} carries {r.i_abs_a:.0f} A of load "
            f"({'export' if p_mw < 0 else 'import'} {abs(p_mw):.2f} MW, step {step}) "
            f"{ctx.export_text(r.scenario)}: {limit}")
