"""The charging a C8 charging peak allows behind its device: the cap, from the finding's figures.

A C8 charging-peak finding (:mod:`protv2g.checks.load`: every participating vehicle charging
at peak load) has no ordinary setting change — a minimum trip raised for a schedulable load
spends reach — so ``protv2g recommend`` says to schedule or cap the sites' charging. Review
rev40b M3 (IEEE 37, R-708): the note gave no number, though the finding's own figures give it:
R-708 131 A without the charging, 209 A with 778 kW of it, limit 186.7 A (minimum trip / 1.5)
→ ≈ 555 kW of simultaneous charging behind R-708.

The cap is the linear interpolation between the two flows the finding holds (the device's
current without the charging, ``limit − base_margin``, and with it, ``i_device_a``, at
``p_charging_kw``):

    P_cap = P_charging × (I_limit − I_without) / (I_with − I_without)

a first-order estimate (the charging adds a current nearly proportional to its kW at a
constant power factor and voltage; the voltage drop it causes and the regulators' answer to it
bend that line a little either way), rounded down to a whole kW, and the note says it is an
estimate to confirm with a flow at the cap. Checked by an OpenDSS flow (IEEE 37 at peak, the
two sites' charging as constant-P loads down to 0.5 pu as protv2g's site generators are, the
regulators solved): R-708 (line L17) 131.1 A without, 209.1 A with 778 kW, 185.6 A at the
555 kW cap, the 186.7 A limit reached at ≈ 559 kW — the estimate is 0.7 % on the safe side
there. With the load alone at or above the limit (``I_without ≥ I_limit``) no charging fits:
the cap is 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ChargingCap", "binding_text", "c8_cap", "cap_with_changes", "charging_cap_kw",
           "charging_cap_text", "run_driver_rows", "under_voltage_cap"]


def _num(row: Any, key: str) -> float:
    v = pd.to_numeric(pd.Series([row.get(key) if hasattr(row, "get") else None]),
                      errors="coerce").iat[0]
    return float(v) if pd.notna(v) else math.nan


def charging_cap_kw(i_with_a: float, i_without_a: float, limit_a: float,
                    p_charging_kw: float) -> float:
    """The charging (kW, ≥ 0, rounded down to a whole kW) at which the device's load current
    reaches ``limit_a`` (module docstring); NaN where the figures do not give it.

    >>> charging_cap_kw(209.0, 131.0, 186.7, 778.0)
    555.0
    >>> charging_cap_kw(209.0, 190.0, 186.7, 778.0)
    0.0
    """
    figures = (i_with_a, i_without_a, limit_a, p_charging_kw)
    if not all(math.isfinite(x) for x in figures) or p_charging_kw <= 0:
        return math.nan
    if i_without_a >= limit_a:
        return 0.0
    if i_with_a <= i_without_a:
        return math.nan
    return float(math.floor(p_charging_kw * (limit_a - i_without_a)
                            / (i_with_a - i_without_a)))


@dataclass(frozen=True)
class ChargingCap:
    """A charging cap of one finding: ``kw`` (NaN where its figures give none), the
    criterion it is for in words (``what``: "C8's load pickup of R-F1") and the note's
    ``text`` ("" without a cap)."""

    kw: float
    what: str
    text: str


_NONE = ChargingCap(math.nan, "", "")


def _worst_row(evidence: pd.DataFrame | None) -> Any:
    """The finding's evidence row of the smallest margin, None without one."""
    if evidence is None or evidence.empty or "margin" not in evidence.columns:
        return None
    margins = pd.to_numeric(evidence["margin"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(margins).any():
        return None
    return evidence.iloc[int(np.nanargmin(margins))]


#: The columns a Site drivers row shares with the finding's worst evidence row it was solved
#: for (:data:`protv2g.findings_sites.SITE_DRIVER_COLUMNS`; ``partner`` is "" on C8 and C12).
_DRIVER_KEYS = ("criterion", "device", "mechanism", "margin_unit", "scenario", "fault_bus")


def run_driver_rows(drivers: pd.DataFrame | None, evidence: pd.DataFrame
                    ) -> pd.DataFrame | None:
    """The rows of the run's Site drivers table (``drivers``) solved for the worst row of
    the finding's ``evidence`` (:func:`_worst_row`: the same row :func:`c8_cap` and
    :func:`under_voltage_cap` read, matched on :data:`_DRIVER_KEYS`); None where the table
    is not given or has none (beyond its ``max_findings``, or a single-site study): the
    caller solves them then.

    >>> ev = pd.DataFrame({"criterion": ["C12"], "device": [""], "mechanism": ["under-voltage"],
    ...     "margin_unit": ["pu"], "scenario": ["charging/firm"], "fault_bus": ["B2"],
    ...     "margin": [-0.03]})
    >>> run_driver_rows(ev.assign(site=["depot"]), ev)["site"].tolist()
    ['depot']
    >>> run_driver_rows(ev.assign(site=["depot"], fault_bus=["B3"]), ev) is None
    True
    """
    r = _worst_row(evidence)
    if drivers is None or not len(drivers) or r is None:
        return None
    at = np.ones(len(drivers), dtype=bool)
    for k in _DRIVER_KEYS:
        if k in drivers.columns and k in evidence.columns:
            want = r.get(k)
            want = "" if want is None or (isinstance(want, float) and math.isnan(want)) else want
            have = drivers[k].astype(object).where(drivers[k].notna(), "").astype(str)
            at &= have.to_numpy() == str(want)
    return drivers[at] if at.any() else None


def c8_cap(device: str, evidence: pd.DataFrame, drivers: pd.DataFrame | None = None
           ) -> ChargingCap:
    """The cap of a C8 charging-peak finding from its worst evidence row (``i_device_a``,
    ``limit``, ``base_margin``, ``p_charging_kw``): the charging behind ``device`` at which
    its load current reaches minimum trip / 1.5 — C8's cap only, which the note says (review
    rev43c M1: the depot's R03, ≈ 5,391 kW, read as the charging condition while F05's
    under-voltage, pandapower 0.934 pu at that charging, still failed).

    ``drivers``: the finding's Site drivers rows (:func:`protv2g.findings_sites.site_drivers`,
    each site charging alone in the worst row's snapshot). Where one site's charging alone is
    all the charging behind ``device`` (its ``p_export_kw`` is the row's ``p_charging_kw``)
    and that site alone loads the device more than every site together — the other sites,
    outside the device's zone, lower its current (review rev49b #3, EPRI J1, the 51G of
    recloser-oh_b18853 on 3I0: 51.61 A without the charging, 53.59 A with the three sites'
    charging, 54.28 A with the homes' 21.6 kW alone; the upstream depot and campus lower the
    feeder's voltage and with it its voltage-dependent loads' residual) — the cap is that
    site's, read on the same line from its alone current: ≈ 13 kW, not the ≈ 18 kW of the
    sites together, at which the homes alone give 53.8 A > 53.33 A (OpenDSS, homes alone:
    54.63 A at 21.6 kW, the cap 12.3 kW). The note says which combination sets it."""
    r = _worst_row(evidence)
    if r is None:
        return _NONE
    i_with, lim, mb, kw = (_num(r, k) for k in ("i_device_a", "limit", "base_margin",
                                                  "p_charging_kw"))
    i_without = lim - mb
    what = f"C8's load pickup of {device}"
    together = _cap(charging_cap_kw(i_with, i_without, lim, kw), what,
                    (f"behind {device}", f"behind {device}"),
                    f"the load current is already {i_without:.0f} A against the limit "
                    f"{lim:.1f} A",
                    f"{i_without:.0f} A without the charging, {i_with:.0f} A with {kw:,.0f} kW "
                    f"of it, limit {lim:.1f} A")
    alone = _alone_row(drivers, r, device, kw, i_with)
    if alone is None or not math.isfinite(together.kw):
        return together
    site, i_alone = alone
    cap = charging_cap_kw(i_alone, i_without, lim, kw)
    if not math.isfinite(cap) or cap >= together.kw:
        return together
    if cap == 0:
        return ChargingCap(0.0, what, (
            f"no charging fits behind {device}: {kw:,.0f} kW of {site} alone, the other sites "
            f"idle, gives {i_alone:.1f} A against the limit {lim:.1f} A"))
    return ChargingCap(cap, what, (
        f"cap the charging of {site} behind {device} at ≈ {cap:,.0f} kW for {what} only, with the "
        f"other sites idle — the worst case: {site} alone loads {device} more than every site "
        f"together (a linear estimate from the finding's flows: {i_without:.1f} A without the "
        f"charging, {i_alone:.1f} A with {kw:,.0f} kW of {site} alone (the Site drivers' flow), "
        f"{i_with:.1f} A with every site charging, limit {lim:.1f} A; with every site "
        f"charging the cap would be ≈ {together.kw:,.0f} kW; confirm with a flow at the cap)"))


def _alone_row(drivers: pd.DataFrame | None, worst: Any, device: str, p_charging_kw: float,
               i_with_a: float) -> tuple[str, float] | None:
    """``(site, I alone (A))`` of the Site drivers row where one site charges alone in the
    worst row's snapshot, its charging all the charging behind ``device``
    (``|p_export_kw|`` within 1e-6 relative of ``p_charging_kw``), with a larger current
    than every site together (``i_with_a``); None where there is none."""
    need = {"counterfactual", "device", "scenario", "site", "p_export_kw", "i_judged_a"}
    if drivers is None or not len(drivers) or not need <= set(drivers.columns):
        return None
    scenario = str(worst.get("scenario", "")) if hasattr(worst, "get") else ""
    rows = drivers[(drivers["counterfactual"].astype(str) == "alone")
                   & (drivers["device"].astype(str) == device)
                   & (drivers["scenario"].astype(str) == scenario)]
    for row in rows.itertuples(index=False):
        p, i = -float(row.p_export_kw), float(row.i_judged_a)  # charging: export < 0
        if (math.isfinite(p) and math.isfinite(i) and p > 0
                and math.isclose(p, p_charging_kw, rel_tol=1e-6) and i > i_with_a):
            return str(row.site), i
    return None


def _cap(cap: float, what: str, where: tuple[str, str], none_why: str, figures: str
         ) -> ChargingCap:
    """The :class:`ChargingCap` of a cap ``cap`` (kW) for ``what``: ``where`` the charging
    capped and the one that does not fit (``"behind R-F1"``), ``none_why`` why none fits,
    ``figures`` the finding's figures the estimate is from."""
    if not math.isfinite(cap):
        return _NONE
    if cap == 0:
        return ChargingCap(0.0, what, f"no charging fits {where[1]}: without it {none_why}")
    return ChargingCap(cap, what, (
        f"cap the simultaneous charging {where[0]} at ≈ {cap:,.0f} kW for {what} only (a "
        f"linear estimate from the finding's flows: {figures}; confirm with a flow at the "
        "cap)"))


def charging_cap_text(device: str, evidence: pd.DataFrame) -> str:
    """``"cap the simultaneous charging behind R-708 at ≈ 555 kW …"`` from the worst evidence
    row of a C8 charging-peak finding (:func:`c8_cap`); ``""`` where its figures do not give
    a cap."""
    return c8_cap(device, evidence).text


def under_voltage_cap(evidence: pd.DataFrame, drivers: pd.DataFrame | None = None
                      ) -> ChargingCap:
    """The cap of a C12 under-voltage finding of the sites' charging from its worst evidence
    row: the charging of all sites together (``p_charging_kw``, every site's charging lowers
    the feeder's voltages, :func:`protv2g.checks.flow_low.charging_at`) at which the bus
    (``fault_bus``) reaches ``limit`` (``checks.v_min_pu``), by the module's linear
    estimate on the voltages: ``V_without = limit + base_margin`` (the same bus without the
    sites' charging), ``V_with = limit + margin`` at ``P_charging``,

        P_cap = P_charging × (V_without − V_min) / (V_without − V_with)

    (the drop grows a little faster than the charging — I²X — so the line lies on the safe
    side). Review rev43c M1, the depot's F05 at F1-LAT2-B2: 0.9595 pu without, 0.9207 pu with
    7,800 kW → ≈ 1,915 kW; pandapower ``runpp`` of the depot at peak load with that charging
    split 6.0 : 1.8 as the sites (pf 1): 0.9509 pu at the cap, 0.95 pu reached at ≈ 2,102 kW
    (the estimate 9 % on the safe side).

    ``drivers``: the finding's Site drivers rows (:func:`protv2g.findings_sites.site_drivers`:
    each site charging alone in the worst row's snapshot, the bus's voltage in ``value``).
    That cap holds only on the finding's own split of the charging (review rev50b #2: 1,915 kW
    with depot 115 + campus 1,800 kW gives 0.9404 pu in pandapower). With two or more sites
    alone, each site's drop per kW ``s_i = (V_without − V_alone_i) / P_i`` gives its own cap,
    and the cap for **any** split is the smallest — by superposition the drop of a total
    ``P`` is at most ``max(s_i) × P``: depot 0.9410 pu with 6,000 kW alone (≈ 3,093 kW),
    campus 0.9408 pu with 1,800 kW alone (≈ 914 kW; pandapower, campus alone: 0.95 pu at
    ≈ 944 kW), so ≈ 914 kW for any split; the note gives the finding's-mix cap beside it.
    """
    r = _worst_row(evidence)
    if r is None:
        return _NONE
    m, mb, lim, kw = (_num(r, k) for k in ("margin", "base_margin", "limit",
                                             "p_charging_kw"))
    bus = str(r.get("fault_bus") or "") if hasattr(r, "get") else ""
    bus = "" if bus in ("", "nan", "None") else bus
    what = f"C12's under-voltage{' at ' + bus if bus else ''}"
    if not all(math.isfinite(x) for x in (m, mb, lim, kw)) or kw <= 0 or m >= mb:
        return _NONE
    v_without, v_with = lim + mb, lim + m
    together = _cap(charging_cap_kw(-v_with, -v_without, -lim, kw),  # a drop: the current's line
                    what, ("of all sites", f"for {what}"),
                    f"the voltage is already {v_without:.4f} pu against the limit {lim:g} pu",
                    f"{v_without:.4f} pu without the charging, {v_with:.4f} pu with {kw:,.0f} "
                    f"kW of it, limit {lim:g} pu")
    alone = _alone_voltages(drivers, r, bus)
    if len(alone) < 2 or not math.isfinite(together.kw) or together.kw == 0:
        return together
    caps = [(site, p, v, charging_cap_kw(-v, -v_without, -lim, p)) for site, p, v in alone]
    caps = [c for c in caps if math.isfinite(c[3])]
    if len(caps) < 2:
        return together
    site, _p, _v, cap = min(caps, key=lambda c: c[3])
    if cap >= together.kw:
        return together
    each = ", ".join(f"{s} ≈ {c:,.0f} kW" for s, _, _, c in caps)
    figures = "; ".join(f"{v:.4f} pu with {s}'s {p:,.0f} kW alone" for s, p, v, _ in caps)
    return ChargingCap(cap, what, (
        f"cap the simultaneous charging of all sites at ≈ {cap:,.0f} kW for {what} only — the "
        f"cap for any split of the charging among the sites, set by {site} (the largest drop "
        f"per kW; each site alone: {each}); on the finding's own split the sites together "
        f"would reach ≈ {together.kw:,.0f} kW (a linear estimate from the finding's flows: "
        f"{v_without:.4f} pu without the charging, {v_with:.4f} pu with {kw:,.0f} kW of every "
        f"site, {figures} (the Site drivers' flows), limit {lim:g} pu; confirm with a flow "
        "at the cap)"))


def _alone_voltages(drivers: pd.DataFrame | None, worst: Any, bus: str
                    ) -> list[tuple[str, float, float]]:
    """``[(site, its charging kW, the bus's voltage pu)]`` of the Site drivers rows where one
    site charges alone in the worst row's snapshot at ``bus``; ``[]`` where there are none."""
    need = {"counterfactual", "scenario", "site", "p_export_kw", "value", "fault_bus"}
    if drivers is None or not len(drivers) or not need <= set(drivers.columns) or not bus:
        return []
    scenario = str(worst.get("scenario", "")) if hasattr(worst, "get") else ""
    unit = (drivers["value_unit"].astype(str) == "pu" if "value_unit" in drivers.columns
            else True)
    rows = drivers[(drivers["counterfactual"].astype(str) == "alone")
                   & (drivers["fault_bus"].astype(str) == bus)
                   & (drivers["scenario"].astype(str) == scenario) & unit]
    out = []
    for row in rows.drop_duplicates("site").itertuples(index=False):
        p, v = -float(row.p_export_kw), float(row.value)  # charging: export < 0
        if math.isfinite(p) and math.isfinite(v) and p > 0:
            out.append((str(row.site), p, v))
    return out


def binding_text(own: ChargingCap, caps: Sequence[tuple[str, ChargingCap]]) -> str:
    """What a cap note adds where the study has more than one charging cap (``caps``:
    ``(finding, cap)`` of every finding with one): the binding one is the smallest (the
    charging every criterion allows); "" with one cap (review rev43c M1: the depot's F02 cap,
    ≈ 5,391 kW, was the report's only charging figure while F05 fails above ≈ 1,915 kW)."""
    given = [(f, c) for f, c in caps if math.isfinite(c.kw)]
    if len(given) < 2 or not math.isfinite(own.kw):
        return ""
    f_min, low = min(given, key=lambda x: x[1].kw)
    others = "; ".join(f"{f}'s ≈ {c.kw:,.0f} kW for {c.what}" for f, c in given
                       if c is not low)
    if own is low:
        return f"this is the study's binding charging cap, the smallest (also: {others})"
    return (f"not the binding charging cap: {f_min}'s ≈ {low.kw:,.0f} kW for {low.what} is "
            "smaller — the charging must stay under it")


def cap_with_changes(device: str, identity: str, after: Any, changes: Sequence[Any],
                     before: ChargingCap) -> ChargingCap:
    """The cap of a charging peak on the study with every accepted change applied.

    Review rev42c M1 (depot): R01 raised R-F1's pickup 400 → 550 A ("verified") while R03,
    the charging peak on the same relay, capped the charging at ≈ 3,329 kW on the old limit
    400 / 1.5 = 266.7 A; with R01 the limit is 366.7 A and the cap ≈ 5,391 kW (OpenDSS on the
    depot model: 363.0 A at 5,391 kW). Where an accepted change moves ``device``, the cap is
    read from the same finding (``identity``, :func:`protv2g.recommend.evaluator._identity`)
    in ``after`` (the findings with every change, :meth:`.evaluator.Evaluator.findings`) and
    the note names the change it assumes and the cap without it; where the changes clear the
    finding, it says so (and the cap is none: NaN). ``before`` (:func:`c8_cap` of the study as
    given) stands where no change moves the device.
    """
    from protv2g.recommend.change import describe
    from protv2g.recommend.evaluator import _identity

    own = [c for c in changes if c.name == device]
    if not own:
        return before
    moved = "; ".join(describe(c) for c in own)
    found = after.findings
    hit = found[_identity(found).to_numpy() == identity] if len(found) else found
    if not len(hit) or str(hit["status"].iat[0]) not in ("fail", "warn"):
        return ChargingCap(math.nan, before.what, (
            f"with {moved} (an accepted change of this run) the charging peak no longer fails"
            + (f"; without it: {before.text}" if before.text else "")))
    ev = after.evidence
    now = c8_cap(device, ev[ev["finding"] == hit["finding"].iat[0]])
    if not now.text or now.text == before.text:
        return before
    return ChargingCap(now.kw, now.what, (
        f"{now.text}, with {moved} (an accepted change of this run)"
        + (f"; without that change: {before.text}" if before.text else "")))
