"""C9's power-flow rows: V2G export reversing power through a forward-directional relay, and
whether an element the study has picks up on it (review rev40a W2, M1).

A V2G scenario in which the active power through a forward-directional relay reverses while it
flows forward in the scenario's base case is judged against the elements the study gives the
relay, one row per element, ``mechanism`` :data:`REVERSE_POWER` (its own finding, apart from
C9's fault rows):

* **51P (supervised by 67P)** — the largest phase current (A) at a step with reverse power
  against the 51P pickup: below it nothing picks up (``info``, margin ``pickup − I`` in A);
  at or above it the 51P picks up and only its 67P's decision on load current holds it, which
  the power flow does not judge (``warn``);
* **32 reverse power** — only where the relay's ``directional`` mapping gives
  ``reverse_power_pickup_mw``: the reverse power (MW) against that pickup, ``fail`` where it
  picks up (domain.md C9, "32 pickup by V2G export": the export is sustained, so the 32
  operates after ``reverse_power_delay_s`` and trips the relay in every export period like
  the scenario's; review rev50a #6, IEEE 123 R-L58 picked up on 0.73 MW at 0.3 MW and was a
  ``warn``), ``info`` below (margin ``pickup − (−P)`` in MW). The fail row says what the trip
  disconnects — the load the relay carries in the scenario's base case at the same step
  (its flow without V2G, kW) and the V2G sites behind it — and the fix: a 32 pickup above
  the largest export through the relay in the study's scenarios (the figure), or the 32
  blocked while the feeder exports. The study schema has no field marking a 32 as meant to
  trip on the export (an intertie's), so there is no ``warn`` case. Without a 32 the 51P
  row says there is no 32 element in the study.

EPRI J1 with the head relay ``directional: forward`` (51P 630 A) and a 10 MW depot: P = −7.97 MW
through the head at 369 A — nothing picks up (before rev40a a ``warn`` "a 32 reverse-power element
or a 67 set on load current picks up", margin −7.97 in "pu").

References
----------
IEEE Std C37.230-2020 §7.3 (directional overcurrent on lines with DER); SEL-351 instruction
manual §4 (directional control of the 51P element); docs/directional-elements.md §2 (32).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, concat, violation_rows
from protv2g.criteria import MarginUnit
from protv2g.violations import CheckStatus

__all__ = ["REVERSE_POWER", "reverse_power_rows"]

#: ``mechanism`` of C9's reverse-power rows.
REVERSE_POWER = "reverse power on load"
_KEY = ["scenario", "device"]


def _reversed(ctx: CheckContext, flow: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per (V2G scenario, relay) whose power reverses while its base case's does not: the most
    negative ``p_mw`` (MW) and the largest phase current ``i_a`` (A) at a step with reverse
    power (NaN without the column)."""
    f = flow[flow.device.isin(names)]
    if f.empty:
        return f.iloc[:0]
    lo = f.groupby(_KEY).p_mw.min().reset_index()
    lo["base"] = lo.scenario.map(ctx.base_of)
    base = lo[lo.scenario == lo.base][["device", "base", "p_mw"]].rename(
        columns={"p_mw": "p_base_mw"})
    j = lo[(lo.scenario != lo.base)].merge(base, on=["device", "base"], how="left")
    bad = j[(j.p_mw < 0) & ~(j.p_base_mw < 0)]
    rev = f[f.p_mw < 0]
    i_a = (rev.groupby(_KEY).i_a.max() if "i_a" in f.columns
           else pd.Series(np.nan, index=pd.MultiIndex.from_frame(rev[_KEY].drop_duplicates())))
    out = bad.merge(i_a.rename("i_rev_a").reset_index(), on=_KEY, how="left")
    return out.merge(_base_load(f, out), on=_KEY, how="left").reset_index(drop=True)


def _base_load(f: pd.DataFrame, bad: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, device) of ``bad``: ``p_load_mw``, the power through the device in the
    scenario's base case at the step of the scenario's most negative ``p_mw`` (the load it
    carries there without V2G, MW; the base's smallest without a ``step`` column or that
    step): what a trip of the device disconnects besides the sites (review rev50a #6)."""
    cols = [*_KEY, "p_load_mw"]
    if bad.empty:
        return pd.DataFrame(columns=cols)
    worst = f.loc[f.groupby(_KEY).p_mw.idxmin()]
    worst = worst.merge(bad[[*_KEY, "base"]], on=_KEY)
    base = f.rename(columns={"scenario": "base", "p_mw": "p_load_mw"})
    on = ["base", "device", "step"] if "step" in f.columns else ["base", "device"]
    j = worst[[*_KEY, *on[2:], "base"]].merge(
        base.groupby(on).p_load_mw.max().reset_index(), on=on, how="left")
    lo = base.groupby(["base", "device"]).p_load_mw.min().rename("p_min").reset_index()
    j = j.merge(lo, on=["base", "device"], how="left")
    j["p_load_mw"] = j.p_load_mw.fillna(j.p_min)
    return j[cols]


def _settings(ctx: CheckContext, name: str) -> tuple[float, float | None, float]:
    """(51P pickup A, 32 pickup MW or None where the study gives no 32, 32 delay s) of the
    study file's relay ``name``."""
    dev = next(d for d in ctx.study.document.devices if d.name == name)
    block = getattr(dev, "directional", None)
    p32 = getattr(block, "reverse_power_pickup_mw", None)
    return (float(getattr(dev, "pickup_a", np.nan)), None if p32 is None else float(p32),
            float(getattr(block, "reverse_power_delay_s", 2.0)))


def _phase_row(ctx: CheckContext, r: Any, pickup_a: float, has_32: bool) -> dict[str, Any]:
    """The 51P row of one reversal (module docstring)."""
    i = float(r.i_rev_a)
    head = (f"V2G export reverses power through {r.device} (P = {r.p_mw:.2f} MW, "
            f"{i:.0f} A) {ctx.export_text(r.scenario)}")
    no32 = ("" if has_32 else "; no 32 reverse-power element in the study "
            "(directional.reverse_power_pickup_mw not given)")
    picks = bool(i >= pickup_a)
    text = (f"{head}: its 51P picks up on {i:.0f} A of reverse load current (pickup "
            f"{pickup_a:.0f} A); only its 67P's decision on load current, which the power flow "
            f"does not judge, keeps it from tripping{no32}" if picks else
            f"{head}: nothing picks up — its 51P, which its 67P supervises, picks up at "
            f"{pickup_a:.0f} A, above the {i:.0f} A of reverse load current{no32}")
    return {"status": CheckStatus.WARN.value if picks else CheckStatus.INFO.value,
            "margin": pickup_a - i, "limit": pickup_a, "margin_unit": MarginUnit.AMPERE.value,
            "i_device_a": i, "i_other_a": pickup_a, "message": text}


def _sites_behind(ctx: CheckContext, device: str) -> list[str]:
    """The V2G sites whose bus is behind ``device`` (``study.site_buses``)."""
    behind = ctx.downstream(device)
    return [n for n, bus in (getattr(ctx.study, "site_buses", {}) or {}).items()
            if bus in behind]


def _trip_text(ctx: CheckContext, r: Any, p_max_mw: float) -> str:
    """What a 32 trip on the export disconnects and the fix (module docstring)."""
    load = float(getattr(r, "p_load_mw", np.nan))
    base = ctx.base_of.get(str(r.scenario), "")
    what = (f"the {load * 1000:,.0f} kW of load it carries without V2G (P through it in the "
            f"base case {base} at the same step)" if np.isfinite(load) and load > 0 else
            "the load behind it")
    sites = _sites_behind(ctx, str(r.device))
    who = f" and the V2G site(s) behind it ({', '.join(sites)})" if sites else ""
    return (f": on sustained export it trips {r.device} in every export period like this one, "
            f"disconnecting {what}{who} | fix: set the 32 pickup above the largest export "
            f"through {r.device} in the study's scenarios, {p_max_mw:.2f} MW, or block the 32 "
            "while the feeder exports (the study has no field marking a 32 as meant to trip "
            "on the export)")


def _power_row(ctx: CheckContext, r: Any, pickup_mw: float, delay_s: float,
               p_max_mw: float) -> dict[str, Any]:
    """The 32 row of one reversal (module docstring); ``p_max_mw``: the largest reverse
    power through the device in any scenario (MW)."""
    p_rev = -float(r.p_mw)
    head = f"V2G export reverses power through {r.device} {ctx.export_text(r.scenario)}"
    picks = bool(p_rev >= pickup_mw)
    text = (f"{head}: its 32 reverse-power element picks up on {p_rev:.2f} MW (pickup "
            f"{pickup_mw:.3g} MW) and operates after {delay_s:g} s"
            f"{_trip_text(ctx, r, p_max_mw)}" if picks else
            f"{head}: its 32 reverse-power element (pickup {pickup_mw:.3g} MW) does not pick "
            f"up on {p_rev:.2f} MW")
    return {"status": CheckStatus.FAIL.value if picks else CheckStatus.INFO.value,
            "margin": pickup_mw - p_rev, "limit": pickup_mw,
            "margin_unit": MarginUnit.MEGAWATT.value, "t_device_s": delay_s if picks else np.nan,
            "message": text}


def reverse_power_rows(ctx: CheckContext, names: list[str]) -> pd.DataFrame:
    """C9's reverse-power rows of the forward-directional relays ``names`` (module
    docstring); none without the flow's device table."""
    flow = ctx.flow.get("device")
    if flow is None or not {"scenario", "device", "p_mw"} <= set(flow.columns):
        return concat([])
    bad = _reversed(ctx, flow, names)
    if bad.empty:
        return concat([])
    out = []
    p_max = (-bad.groupby("device").p_mw.min()).to_dict()
    for r in bad.itertuples(index=False):
        pickup_a, pickup_mw, delay_s = _settings(ctx, r.device)
        rows = [_phase_row(ctx, r, pickup_a, pickup_mw is not None)]
        if pickup_mw is not None:
            rows.append(_power_row(ctx, r, pickup_mw, delay_s, p_max[r.device]))
        out += [dict(row, scenario=r.scenario, device=r.device) for row in rows]
    t = pd.DataFrame(out)
    cols = {c: t[c].to_numpy() for c in ("scenario", "device", "margin", "limit",
                                         "i_device_a", "i_other_a", "message")}
    if "t_device_s" in t.columns:
        cols["t_device_s"] = t["t_device_s"].to_numpy(float)
    return violation_rows("C9", t.status.to_numpy(), frame=t,
                          margin_unit=t.margin_unit.to_numpy(), mechanism=REVERSE_POWER, **cols)
