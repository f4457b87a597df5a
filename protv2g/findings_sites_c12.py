"""Site drivers of C12's bus-voltage and branch-loading findings (review rev50b #1).

:mod:`protv2g.findings_sites` names the site that drives a multi-site V2G finding by solving
its row again with each site alone. C12's rows (:mod:`protv2g.checks.flow`) are a flow's, as
C8's (:mod:`protv2g.findings_sites_flow`): the row's scenario with each site alone at its own
export (the others idle), each site removed (three sites or more), every site idle, and the
row's scenario itself are columns of **one** flow solve, as the run's flow solves the row's
scenario (:func:`protv2g.findings_sites_flow.flow_tables`: pandapower's
:class:`~protv2g.flow.FlowSolver`, ``runpp_3ph`` where a single-phase site exports or charges;
an OpenDSS feeder's one-step blocks from the base case's settled control state). Each column
is read as C12 reads the row and judged by the row's own rule:

* over-voltage (``pu``): the bus's highest service voltage
  (:func:`protv2g.checks.flow_limit.judged_voltage_pu`), judged over where in their band the
  regulators rest as the row is (:func:`protv2g.checks.flow_tap_path.bracketed_high`: the base
  case's voltage plus the largest of the three rises, each column against the base case
  solved in the same run); margin ``v_max − V``;
* under-voltage (``pu``, mechanism "under-voltage"): the lowest service voltage
  (:func:`protv2g.checks.flow_low.lowest_voltage_pu`), bracketed the same way
  (:func:`~protv2g.checks.flow_tap_path.tap_path_drops`, :func:`~protv2g.checks.flow_tap_path.
  judged_low`); margin ``V − v_min``;
* loading (``%``): the branch's largest ``loading_percent`` in the flow's branch table;
  margin ``limit − loading``;
* unbalance (``% VUF``): the bus's voltage unbalance factor ``unbalance_percent``
  (``|V2|/|V1| × 100``, IEC 61000-4-30 §5.7.1: pandapower ``runpp_3ph`` or OpenDSS's phase
  voltages, as the run's flow gives it), judged over where in their band the regulators
  rest as the row is (:func:`protv2g.checks.flow_unbalance.bracketed_unbalance`: the base
  case's unbalance plus the largest of the three rises, on the flow's
  :data:`~protv2g.flow.tap_band.TOP_UNBALANCE_COLUMN` and
  :data:`~protv2g.flow.tap_band.BOTTOM_UNBALANCE_COLUMN`); margin ``limit − unbalance``.

The row is judged where the all-sites column reproduces the row's figure (pandapower 1e-6,
OpenDSS :data:`~protv2g.findings_sites_flow.DSS_REPRODUCE_REL` relative), else its figures are
given, not judged. Where the bracket drives a column (a band start raises the bus more than the
base case's taps do), the driver says both figures: the judged one and the one from the base
case's taps (the flow's own voltage). ckt24 (rev50b, homes' 5 × 7.2 kW on a 240 V secondary,
firm/light/100 %): all sites 1.0543 pu from the base case's taps (1.0612 pu judged: 1.0418 +
0.0194), homes alone 1.0603 pu (OpenDSS), depot and campus without the homes 1.0356 pu — the
depot's and campus's export lowers that bus (subxfmr's line-drop compensation taps it down):
driven by the homes.

A finding driven by one site states the driving site's export at which its column reaches
the row's limit (:func:`limit_kw`): linear between the every-site-idle column (0 kW) and the
site-alone column, as :mod:`protv2g.recommend` interpolates a charging cap — to be confirmed
with a flow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.flow_limit import judged_voltage_pu
from protv2g.checks.flow_low import lowest_voltage_pu
from protv2g.checks.flow_tap_path import bracketed_high, judged_low, tap_path_drops
from protv2g.checks.flow_unbalance import bracketed_unbalance
from protv2g.criteria import MarginUnit
from protv2g.findings_sites_flow import DSS_REPRODUCE_REL, flow_tables
from protv2g.findings_sites_kinds import KEY_COLUMNS, Driver
from protv2g.findings_sites_kinds import bar as _bar
from protv2g.findings_sites_kinds import driver as _driver
from protv2g.findings_sites_kinds import effect as _effect
from protv2g.findings_sites_kinds import float_or_nan as _float
from protv2g.findings_sites_pick import candidates
from protv2g.scenarios import Scenario, charging_scenarios
from protv2g.study.loader import Study

__all__ = ["c12_driver_rows", "limit_kw"]

#: A pandapower column reproduces the row's figure to this (relative).
_PP_REPRODUCE_REL = 1e-6
#: A counterfactual's judged figure differs from its own-taps one by more than this (pu; an
#: unbalance's: :data:`_SAID_PERCENT`, points of the factor) to say both.
_SAID_PU = 5e-5
_SAID_PERCENT = 5e-4
#: What each kind of row is judged on (the table's ``judged_on``).
_JUDGED_ON = {"over": "highest service voltage", "under": "lowest service voltage",
              "loading": "loading", "unbalance": "voltage unbalance factor"}
#: The table's ``method`` of a judged row: "flow <this> against its limit".
_METHOD = {"over": "voltage", "under": "voltage", "loading": "loading",
           "unbalance": "unbalance"}


def _kind(row: Any) -> str:
    """"over", "under", "loading" or "unbalance" of a C12 candidate row."""
    if str(row.margin_unit) == "%":
        return "loading"
    if str(row.margin_unit) == MarginUnit.UNBALANCE_PERCENT.value:
        return "unbalance"
    return "under" if str(getattr(row, "mechanism", "")) == "under-voltage" else "over"


def _unbalances(bus: str, buses: pd.DataFrame, keys: list[str], base_of: dict[str, str]
                ) -> tuple[np.ndarray, np.ndarray]:
    """``(judged, own)``: per key, the bus's voltage unbalance factor (%) as C12 judges the
    row (:func:`~protv2g.checks.flow_unbalance.bracketed_unbalance`) and from the base case's
    own taps (NaN where not found)."""
    bases = sorted({base_of.get(k, "") for k in keys} - {""})
    at = (buses["bus_name"].astype(str).to_numpy() == bus) & buses["scenario"].astype(
        str).isin([*keys, *bases]).to_numpy()
    sel = buses[at].reset_index(drop=True)
    judged, own = np.full(len(keys), np.nan), np.full(len(keys), np.nan)
    if not len(sel) or "unbalance_percent" not in sel.columns:
        return judged, own
    u = sel["unbalance_percent"].to_numpy(float)
    scen = sel["scenario"].astype(str).to_numpy()
    for j, k in enumerate(keys):
        rows = np.flatnonzero((scen == k) & np.isfinite(u))
        if not len(rows):
            continue
        pick = rows[np.argmax(u[rows])]
        own[j] = u[pick]
        got, _ = bracketed_unbalance(sel, sel.iloc[[pick]], base_of)
        judged[j] = float(got["unbalance_percent"].iloc[0])
    return judged, own


def _voltages(kind: str, bus: str, buses: pd.DataFrame, keys: list[str],
              base_of: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """``(judged, own)``: per key, the bus's voltage as C12 judges the row (bracketed over the
    regulators' band) and from the base case's own taps, pu (NaN where not found)."""
    bases = sorted({base_of.get(k, "") for k in keys} - {""})
    at = (buses["bus_name"].astype(str).to_numpy() == bus) & buses["scenario"].astype(
        str).isin([*keys, *bases]).to_numpy()
    sel = buses[at].reset_index(drop=True)
    judged, own = np.full(len(keys), np.nan), np.full(len(keys), np.nan)
    if not len(sel):
        return judged, own
    if kind == "over":
        sel = sel.assign(vm_pu=judged_voltage_pu(sel))
        v = sel["vm_pu"].to_numpy(float)
    else:
        v = lowest_voltage_pu(sel)
    scen = sel["scenario"].astype(str).to_numpy()
    for j, k in enumerate(keys):
        rows = np.flatnonzero(scen == k)
        if not len(rows):
            continue
        pick = rows[np.nanargmax(v[rows]) if kind == "over" else np.nanargmin(v[rows])]
        w = sel.iloc[[pick]]
        own[j] = v[pick]
        if kind == "over":
            got, _ = bracketed_high(sel, w, base_of)
            judged[j] = float(got["vm_pu"].iloc[0])
        else:
            drops, base_low = tap_path_drops(sel, v, w, base_of)
            judged[j] = float(judged_low(np.array([v[pick]]), drops, base_low)[0][0])
    return judged, own


def _loadings(device: str, branches: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Per key, the branch's largest ``loading_percent`` (its label as C12 names it: the name,
    else ``"<element> <index>"``), NaN where not found."""
    name = branches["name"].astype(str).to_numpy()
    label = np.where(np.isin(name, ["", "None", "nan"]),
                     branches["element"].astype(str).to_numpy() + " "
                     + branches["element_index"].astype(str).to_numpy(), name)
    sel = branches[label == device]
    got = sel.groupby(sel["scenario"].astype(str))["loading_percent"].max()
    return np.array([float(got.get(k, np.nan)) for k in keys])


def limit_kw(p_alone_kw: float, m_idle: float, m_alone: float) -> float:
    """The site's export (kW) at which the margin reaches 0, linear between every site idle
    (0 kW, margin ``m_idle``) and the site alone (``p_alone_kw``, ``m_alone``); NaN where the
    margin does not fall with the export or the idle case already fails.

    >>> round(limit_kw(36.0, 0.008214, -0.010318), 2)
    15.96
    """
    if not (np.isfinite([p_alone_kw, m_idle, m_alone]).all() and m_idle > 0 > m_alone
            and p_alone_kw > 0):
        return float("nan")
    return float(p_alone_kw * m_idle / (m_idle - m_alone))


def _fmt(kind: str) -> Callable[[float], str]:
    """A figure of the kind of row in words: ``"101.5 %"``, ``"1.0543 pu"``, ``"2.153 %"``."""
    if kind == "loading":
        return lambda x: f"{x:.1f} %"
    if kind == "unbalance":
        return lambda x: f"{x:.3f} %"
    return lambda x: f"{x:.4f} pu"


def _figure(kind: str, value: float, own: float, where: str) -> str:
    if kind == "loading":
        return f"{value:.1f} % at {where}"
    fmt = _fmt(kind)
    text = fmt(value)
    said = _SAID_PERCENT if kind == "unbalance" else _SAID_PU
    if np.isfinite(own) and abs(value - own) > said:
        text += f" judged as the row ({fmt(own)} from the base case's taps)"
    return text


def c12_driver_rows(study: Study, violations: pd.DataFrame, scenarios: Sequence[Scenario],
                    coordination: pd.DataFrame | None, max_findings: int,
                    counterfactuals: Callable[[Scenario], list[tuple[str, str, Scenario]]]
                    ) -> list[dict[str, Any]]:
    """The Site drivers table's rows of C12's voltage and loading findings (module
    docstring); ``counterfactuals``: :func:`protv2g.findings_sites._counterfactuals`."""
    scenarios = [*scenarios, *charging_scenarios(study.document)]
    cand = candidates(violations, scenarios, coordination, max_findings, flow=True,
                      criterion="C12")
    if not len(cand):
        return []
    by_name = {sc.name: sc for sc in scenarios}
    rows_ = list(cand.itertuples(index=False))
    cfs_of = [counterfactuals(by_name[r.scenario]) for r in rows_]
    got = flow_tables(study, [[sc for _, _, sc in cfs] for cfs in cfs_of])
    if got is None:
        return []
    buses, branches, keys_of, base_of = got
    rtol = _PP_REPRODUCE_REL if study.model is None else DSS_REPRODUCE_REL
    out: list[dict[str, Any]] = []
    for row, cfs, keys in zip(rows_, cfs_of, keys_of, strict=True):
        kind = _kind(row)
        lim, m_row = _float(getattr(row, "limit", None)), _float(row.margin)
        if kind == "loading":
            value = _loadings(str(row.device), branches, keys)
            own = value
        elif kind == "unbalance":
            value, own = _unbalances(str(row.fault_bus), buses, keys, base_of)
        else:
            value, own = _voltages(kind, str(row.fault_bus), buses, keys, base_of)
        if not np.isfinite(value[-2]):
            continue  # the row's bus or branch not in the flow's tables (a merged series)
        sign = -1.0 if kind == "under" else 1.0  # margin = sign·(limit − value)
        v_row = lim - sign * m_row
        judged = bool(np.isfinite([lim, m_row]).all()
                      and np.isclose(value[-2], v_row, rtol=rtol, atol=0.0))
        margins = sign * (lim - value) if judged else np.full(len(value), np.nan)
        b = _bar(row)
        p_of = {st.site: st.p_export_kw for st in cfs[-2][2].sites}
        unit = str(row.margin_unit)
        where = str(row.device) if kind == "loading" else str(row.fault_bus)
        rows = []
        for (site, cf, _), v, o, m in zip(cfs[:-2], value[:-2], own[:-2], margins[:-2],
                                          strict=True):
            rows.append({**{c: getattr(row, c, "") for c in KEY_COLUMNS},
                         "scenario": row.scenario,
                         "fault_bus": "" if kind == "loading" else where,
                         "fault_type": "", "case": "", "other_device": "", "site": site,
                         "counterfactual": cf,
                         "p_export_kw": p_of[site] if cf == "alone" else sum(
                             x for k, x in p_of.items() if k != site),
                         "i_device_a": np.nan, "i_judged_a": np.nan,
                         "judged_on": _JUDGED_ON[kind],
                         "i_other_a": np.nan, "t_device_s": np.nan, "t_other_s": np.nan,
                         "value": float(v), "value_own_taps": float(o), "value_unit": unit,
                         "value_all": float(value[-2]), "value_idle": float(value[-1]),
                         "margin": float(m), "reproduced_below": b,
                         "row_attribution": str(row.attribution), "effect": _effect(m, b).value,
                         "i_device_all_a": np.nan, "margin_all": m_row,
                         "margin_idle": float(margins[-1]),
                         "method": f"flow {_METHOD[kind]} against its limit" if judged
                         else "figures only",
                         "figure": _figure(kind, float(v), float(o), where)})
        # no tolerance: a bus's voltage is many sites' small shares, the row's materiality
        # (half a regulator's band) is not "changes nothing" for one of them (aggregated fleet:
        # five of six sites set apart, "needs park-a5 together")
        driver, sites, text = _driver(rows, where, unit)
        if not judged:
            text += (f"; the flow's all-sites figure {value[-2]:.6g} {unit} does not reproduce "
                     f"the row's {v_row:.6g} {unit}")
        at_limit_kw = site_limit_kw(rows, driver, sites)
        text += _said(kind, rows, driver, sites, value, own, unit, where, at_limit_kw)
        for r in rows:
            r.update(driver=driver.value, driver_sites=", ".join(sites), driver_text=text,
                     limit_kw=at_limit_kw)
        out += rows
    return out


def site_limit_kw(rows: list[dict[str, Any]], driver: Driver, sites: list[str]) -> float:
    """A one-site finding's driving site's export at the limit, kW (:func:`limit_kw`, linear
    between every site idle and the site alone), negative where the site charges; NaN for
    any other driver or where the line does not cross the limit. The Site drivers table's
    ``limit_kw`` column: the gate line and the Summary read it (data, not the text)."""
    if driver is not Driver.ONE_SITE or len(sites) != 1:
        return float("nan")
    alone = next((r for r in rows if r["site"] == sites[0] and r["counterfactual"] == "alone"),
                 None)
    if alone is None:
        return float("nan")
    kw = limit_kw(abs(float(alone["p_export_kw"])), float(rows[0]["margin_idle"]),
                  float(alone["margin"]))
    return float(kw if alone["p_export_kw"] > 0 else -kw)


def _said(kind: str, rows: list[dict[str, Any]], driver: Driver, sites: list[str],
          value: np.ndarray, own: np.ndarray, unit: str, where: str, kw: float) -> str:
    """The clauses after the driver: the other sites without the driving one, where they move
    the figure against it, and the driving site's export at the limit ``kw``
    (:func:`site_limit_kw`, negative: charging; NaN: none)."""
    if driver is not Driver.ONE_SITE or len(sites) != 1:
        return ""
    site = sites[0]
    alone = next(r for r in rows if r["site"] == site and r["counterfactual"] == "alone")
    removed = next((r for r in rows if r["site"] == site and r["counterfactual"] == "removed"),
                   None)
    others = [r["site"] for r in rows if r["counterfactual"] == "alone" and r["site"] != site]
    fmt = _fmt(kind)
    text = ""
    if kind == "loading":
        worse = value[-2] < alone["value"]
        if others and worse:
            without = (f" ({fmt(removed['value'])} without {site})" if removed is not None
                       else "")
            text += (f"; {' and '.join(others)} lower it: {fmt(value[-2])} with every site, "
                     f"{fmt(alone['value'])} with {site} alone{without}")
    elif others:
        # the others without the driving site (with two sites: the other alone), from the
        # base case's taps (the flow's own voltage) and as the row is judged where they differ
        rest = removed if removed is not None else next(
            r for r in rows if r["counterfactual"] == "alone" and r["site"] != site)
        o_idle = float(own[-1])
        verb = "lower" if rest["value_own_taps"] < o_idle else "raise"
        verb = verb + "s" if len(others) == 1 else verb
        said = _SAID_PERCENT if kind == "unbalance" else _SAID_PU
        taps = " from the base case's taps" if np.nanmax(np.abs(value - own)) > said else ""

        def fig(judged: float, from_taps: float) -> str:
            return fmt(from_taps) + (f" ({fmt(judged)} judged as the row)" if taps else "")

        without = fig(rest["value"], rest["value_own_taps"])
        text += (f"; {' and '.join(others)} {verb} it{taps}: {without}"
                 f" without {site}, {fmt(o_idle)} with every site idle, "
                 f"{fig(value[-2], own[-2])} with every site")
    if np.isfinite(kw):
        verb = "exporting" if kw > 0 else "charging"
        kw = abs(kw)
        text += (f"; {site} alone reaches the limit at ≈ {kw:,.1f} kW {verb} (linear between "
                 f"{fmt(alone['value_idle'])} with every site idle and {fmt(alone['value'])} at"
                 f" {abs(alone['p_export_kw']):,.1f} kW; confirm with a flow)")
    return text
