"""Which V2G site drives a multi-site finding (review rev45a M4).

A study with several sites (a depot, a campus, home chargers) says a finding is "caused by V2G"
or "made worse by V2G"; the remedy (limit, relocate, transfer trip) is per site, so the
engineer's first question is which site. :func:`site_drivers` answers it for the findings
whose worst V2G row (attribution ``new``/``worse``, a fault row naming a device) is in a
scenario where two or more sites export: that row's one fault (bus, type, case) is solved
again with **each site alone** at its own export of that scenario (participation, chargers
online, export level unchanged; the other sites idle, nothing online), and, with three or more
sites, **each site removed** (the others as in the scenario). Only the finding's devices'
terminals and its fault bus are solved (:func:`protv2g.engine.fault_study` on the run's
close-in net and its sequence networks, the one factorisation per case the faults stage
made): one engine call per (fault type, case) of the findings, a handful of columns — never
the study again.

Counterfactual: **site alone** decides. "Depot alone fails" is the statement a remedy at the
depot needs (limiting or moving it clears what it causes by itself); with two sites, the other
site alone is "this one removed", so both questions are answered. A site alone that holds
while all together fail means the finding needs the sites together (:attr:`Driver.TOGETHER`):
no one site's remedy clears it unless it takes the total below the threshold, which the
removed-site columns (three sites or more) show. The chargers are current-limited and
non-linear in their terminal voltage (their injection is iterated against the limit), so
contributions do not add: every counterfactual is a solve of its own, never a difference of
two.

Margins of the counterfactuals (:class:`MarginMethod`):

* ``device times`` (criteria in seconds, the pair rules): the devices' times through the
  stages are recomputed (:func:`protv2g.stage_times.times_through_stages`, the element the
  row's time is of: :func:`protv2g.stage_times.time_key`), and the margin is the row's own
  relation of its two times (``t_other − k·t_device − limit`` or ``t_device − k·t_other −
  limit``, ``k`` 1 or the rule's value), found by reproducing the row's margin from its own
  times (to 1e-9 s); the all-sites solve must reproduce the row's times (1e-6 relative), else
  the figures are the currents only.
* ``IEC 60909 sum against the largest current without V2G`` (C7's fault-level change rows,
  margin ``limit − (I_iec / I_ref − 1)`` of the row's own figures): ``I_iec = |I_base| +
  |I − I_base|`` per phase (:mod:`protv2g.checks.converter_sum`, every site idle as
  ``I_base``), the all-sites solve reproducing the row's ``i_device_a`` (1e-6 relative);
  ``i_judged_a`` is that current. Depot study, FU-F1-LAT2 close-in 3ph max, firm 100 %:
  depot alone 1924 A (+10.8 % on 1736 A, fails), campus alone 1837 A (+5.8 %, holds).
* ``linear in the device current`` (C5's reach in × pickup: ``I / pickup − limit``, the
  pickup the row's ``i_device_a / (margin + limit)``; other units through the row's
  (current, margin) and the base case's (current with every site idle, ``base_margin``)):
  the device's current the row's ``i_device_a`` is (a stage's phase or ``3I0`` current:
  C5 reads the sustained stage's), reproduced by the all-sites solve (1e-6 relative).
* ``currents only``: neither applies; the sites are then not judged (:attr:`Driver.UNJUDGED`).

C8's device-load findings (a flow criterion, no fault) are attributed on a pandapower feeder
with balanced flows: the row's scenario with each site alone (and removed, three sites or
more) is a column of one power flow (:mod:`protv2g.findings_sites_flow`), the device's current
read as the flow's device table reads it, the margin the row's own ``limit − I``
(:attr:`MarginMethod.FLOW_LOAD`) where the all-sites column reproduces the row's current
(1e-6 relative). Depot study, R-F1 export peak, firm/light/100 % (limit 400 A / 1.5 =
266.7 A): both sites 327.5 A (fails by 60.8 A), depot alone 246.5 A, campus alone 54.6 A —
neither alone fails: it needs the sites together (pandapower ``runpp`` gives the same
currents to 1e-6 A). The other flow criteria (C11, C12), C8's residual (3I0) rows and a
three-phase flow's currents, a recloser's "not seen" row (margin −inf) and an OpenDSS
feeder's findings (the phase-domain engine) are not attributed per site here: "not judged" or
no row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.load import RESIDUAL_PEAKS
from protv2g.criteria import MarginUnit
from protv2g.engine import fault_study
from protv2g.engine.faults import seq_to_abc
from protv2g.findings import finding_keys
from protv2g.findings_sites_flow import flow_currents_a
from protv2g.network.fault_positions import close_in_study
from protv2g.scenarios import Scenario, SiteState
from protv2g.significant import number_text
from protv2g.stage_times import phase_ground_a, study_device, time_key, times_through_stages
from protv2g.study.engine_inputs import (
    charger_sources,
    device_terminals,
    fault_options,
    high_bracket_sets,
)
from protv2g.study.loader import Study
from protv2g.units import Case, ChargerMode, FaultType
from protv2g.violations import is_given

__all__ = ["Driver", "KEY_COLUMNS", "MAX_FINDINGS", "MarginMethod", "NotJudged", "SITE_DRIVERS",
           "SITE_DRIVER_COLUMNS", "SiteEffect", "site_drivers"]


class Driver(StrEnum):
    """Which site drives a finding (a closed set)."""

    #: one site alone fails the rule (``driver_sites`` names it)
    ONE_SITE = "one site"
    #: each of several sites alone fails it (each needs its own remedy)
    EACH_SITE = "each site on its own"
    #: no site alone fails it: the sites together do
    TOGETHER = "needs the sites together"
    #: the margin could not be recomputed (``currents only``)
    UNJUDGED = "not judged"


class NotJudged(StrEnum):
    """Why a multi-site V2G finding has no row in the table (its ``site_driver`` cell says
    "not judged (…)", :func:`protv2g.findings_sites_text.site_driver_texts`; review ver46 #4:
    a blank cell read as "one site")."""

    #: C12, and C8's residual rows or a three-phase flow's: flow criteria not attributed per
    #: site (module docstring; C8's phase rows of a balanced flow are)
    FLOW = "flow criterion, not attributed per site"
    #: C10, C11: screens of the settings and the sites' totals, no fault to solve
    SCREEN = "a screen of the sites' settings or total export, no fault to solve"
    #: C2's "range shrunk by V2G": the fuse-saving range of the pair, not one fault
    RANGE = "C2 range of the pair, not one fault"
    #: an OpenDSS feeder (the phase-domain engine) is not solved per site here
    OPENDSS = "OpenDSS feeder, not solved per site"
    #: only the :data:`MAX_FINDINGS` worst findings are solved again
    BEYOND_CAP = "only the worst findings are solved per site"
    #: its V2G rows have no fault row naming a device in a scenario where two or more sites
    #: export
    NO_FAULT_ROW = "no fault row where two or more sites export"


class SiteEffect(StrEnum):
    """One counterfactual against the finding's row, by the row's own attribution rule
    (:mod:`protv2g.checks.attribution`): a ``new`` row (the base case holds) is reproduced by
    a margin below 0; a ``worse`` row (the base case fails too) by a margin below the base
    case's by more than the row's tolerance."""

    REPRODUCES = "reproduces"
    CLEAR = "does not reproduce"
    UNJUDGED = "not judged"


class MarginMethod(StrEnum):
    """How a counterfactual's margin is computed (module docstring)."""

    TIMES = "device times"
    LINEAR = "linear in the device current"
    #: C7's fault-level change on the IEC 60909 sum (|I_base| + |I − I_base| per phase)
    IEC_CHANGE = "IEC 60909 sum against the largest current without V2G"
    #: C8's device load: ``limit − I`` of the device's current in the scenario's power flow
    #: (:mod:`protv2g.findings_sites_flow`)
    FLOW_LOAD = "device load current in the power flow against its limit"
    CURRENTS = "currents only"


#: Key of the finding a row belongs to (:func:`protv2g.findings.finding_keys`' columns).
KEY_COLUMNS = ("criterion", "device", "partner", "mechanism", "margin_unit")

#: Columns of :func:`site_drivers` (the result's "Site drivers" table): one row per finding
#: and counterfactual (``alone``: the site alone; ``removed``: the others without it).
SITE_DRIVER_COLUMNS = [
    *KEY_COLUMNS, "scenario", "fault_bus", "fault_type", "case", "other_device", "site",
    "counterfactual", "p_export_kw", "i_device_a", "i_judged_a", "i_other_a", "t_device_s",
    "t_other_s", "margin", "reproduced_below", "row_attribution", "effect", "i_device_all_a",
    "margin_all", "method", "driver", "driver_sites", "driver_text"]

#: The result table's name (``StudyResult.tables``) and the workbook's sheet.
SITE_DRIVERS = "Site drivers"

#: At most this many findings are solved per site (:func:`site_drivers`' ``max_findings``).
MAX_FINDINGS = 12

#: Row attributions V2G's export moves (:mod:`protv2g.checks.attribution`).
_MOVED = ("new", "worse")
_JUDGED = ("fail", "warn")
#: margin units that are a current's multiple of a device quantity less the rule's factor
#: (C5: ``I / pickup − limit``)
_MULTIPLES = (MarginUnit.PICKUP_MULTIPLE.value, MarginUnit.IMAX_5S_MULTIPLE.value)
#: the all-sites solve reproduces the row's times to this (relative)
_REPRODUCE_REL = 1e-6
#: the flow criterion attributed per site (:mod:`protv2g.findings_sites_flow`)
_FLOW_CRITERION = "C8"
#: a C8 row's margin ``limit − i_device_a`` reproduced to this, A
_FLOW_MARGIN_ABS_A = 1e-6


def _candidates(violations: pd.DataFrame, scenarios: Sequence[Scenario],
                coordination: pd.DataFrame | None, max_findings: int, *, flow: bool = False
                ) -> pd.DataFrame:
    """Per finding key, its worst V2G row (fail/warn, ``new``/``worse``, a fault row naming
    a device; ``flow``: a C8 phase row, no fault, naming a device) in a scenario where ≥ 2
    sites export; at most ``max_findings``, worst first."""
    multi = {sc.name for sc in scenarios
             if not sc.is_base and sum(st.p_export_kw > 0 for st in sc.sites) >= 2}
    need = {"status", "attribution", "scenario", "fault_bus", "fault_type", "case", "device",
            "margin"}
    if not multi or violations is None or not len(violations) or not need <= set(
            violations.columns):
        return pd.DataFrame()
    # the masks on each column's categories, never the rows' texts (10⁵–10⁶ rows)
    mask = np.ones(len(violations), dtype=bool)
    for col, ok in (("status", _JUDGED), ("attribution", _MOVED), ("scenario", multi)):
        mask &= violations[col].astype(object).isin(ok).to_numpy()
    if not mask.any():
        return pd.DataFrame()
    rows = violations.iloc[np.flatnonzero(mask)]
    given = np.ones(len(rows), dtype=bool)
    for col in ("fault_bus", "fault_type", "case", "device"):  # a fault row naming a device
        if flow and col != "device":  # C8's rows: no fault
            continue
        given &= np.array([is_given(v) and str(v) != "" for v in rows[col]], dtype=bool)
    if flow:
        given &= rows["criterion"].astype(str).eq(_FLOW_CRITERION).to_numpy()
        given &= ~rows["fault_bus"].map(lambda v: is_given(v) and str(v) != "").to_numpy(bool)
        if "mechanism" in rows.columns:  # the ground element's 3I0: a three-phase flow's
            given &= ~rows["mechanism"].astype(str).isin(RESIDUAL_PEAKS).to_numpy()
    rows = rows[given]
    if not len(rows):
        return pd.DataFrame()
    keys = finding_keys(rows, coordination)
    rows = rows.assign(**{c: keys[c].to_numpy() for c in KEY_COLUMNS})
    rows = rows.assign(_m=pd.to_numeric(rows["margin"], errors="coerce").fillna(np.inf))
    rows = rows.sort_values("_m", kind="stable")
    key = [c for c in KEY_COLUMNS if c in rows.columns]
    return rows.drop_duplicates(key).head(max_findings).reset_index(drop=True)


def _idle(st: SiteState) -> SiteState:
    return SiteState(st.site, ChargerMode.IDLE, 0.0, 0.0, 0.0, 0.0)


def _counterfactuals(sc: Scenario) -> list[tuple[str, str, Scenario]]:
    """(site, ``alone``/``removed``, scenario) of ``sc``'s exporting sites, then ``all`` and
    ``base`` (every site idle)."""
    on = [st.site for st in sc.sites if st.p_export_kw > 0]
    out = []
    for name in on:
        alone = tuple(st if st.site == name else _idle(st) for st in sc.sites)
        out.append((name, "alone", dataclasses.replace(sc, name=f"{name} alone", sites=alone)))
    if len(on) >= 3:  # with two sites, one removed is the other alone
        for name in on:
            rest = tuple(_idle(st) if st.site == name else st for st in sc.sites)
            out.append((name, "removed",
                        dataclasses.replace(sc, name=f"{name} removed", sites=rest)))
    out.append(("", "all", sc))
    out.append(("", "base", dataclasses.replace(
        sc, name="every site idle", sites=tuple(_idle(st) for st in sc.sites))))
    return out


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return out


def _is_change_row(row: Any) -> bool:
    """A fault-level change row (C7, margin a fraction ``limit − (i_device_a / i_other_a −
    1)`` of the row's own figures, to 1e-9)."""
    if str(row.margin_unit) != "fraction":
        return False
    lim, m = _float(getattr(row, "limit", None)), _float(row.margin)
    i_d, i_r = _float(getattr(row, "i_device_a", None)), _float(getattr(row, "i_other_a", None))
    return bool(np.isfinite([lim, m, i_d, i_r]).all() and i_r > 0
                and abs(lim - (i_d / i_r - 1.0) - m) <= 1e-9)


def _time_relation(row: Any, scale: float) -> tuple[float, float, float] | None:
    """``(a, b, c)`` with ``margin = a·t_device + b·t_other + c`` reproducing the row's margin
    from its own times (to 1e-9 s), or None."""
    td, to = _float(getattr(row, "t_device_s", None)), _float(getattr(row, "t_other_s", None))
    m, lim = _float(row.margin), _float(getattr(row, "limit", 0.0))
    if not (np.isfinite(td) and np.isfinite(to) and np.isfinite(m)):
        return None
    lim = lim if np.isfinite(lim) else 0.0
    ks = dict.fromkeys((1.0, scale, _float(getattr(row, "rule_value", None))))
    for k in ks:
        if not np.isfinite(k):
            continue
        for a, b in ((-k, 1.0), (1.0, -k), (-1.0, k), (k, -1.0)):
            for c in (-lim, 0.0, lim):
                if abs(a * td + b * to + c - m) <= 1e-9 * max(1.0, abs(m)):
                    return a, b, c
    return None


@dataclasses.dataclass
class _Solved:
    """One counterfactual's device figures at the finding's fault."""

    i_device_a: float
    ig_device_a: float
    i_other_a: float
    times_device: dict[str, float]
    times_other: dict[str, float]
    abc_a: np.ndarray  # (3,) the device's first-cycle phase phasors, A
    stages_a: dict[str, float]  # phase / 3I0 current of each stage ("phase1": sustained), A


def _read(res: Any, s: int, d: int, o: int | None, dev: Any, other: Any) -> _Solved:
    """Device ``d`` (and ``o``) of scenario column ``s`` of a one-fault result: the first
    cycle's largest phase current and 3I0 (A) and every time through the stages (s)."""
    st = res.staged
    i012 = st.device_i_012_ka[s, 0, 0, :, d, 0]
    t0, t1 = st.t_start_s[s, 0, 0, :, 0], st.t_end_s[s, 0, 0, :, 0]
    ok = np.isfinite(t0)
    ip, ig = phase_ground_a(i012)
    times_d = times_through_stages(dev, ip[ok], ig[ok], t0[ok], t1[ok])
    i_o, times_o = float("nan"), {}
    if o is not None:
        ipo, igo = phase_ground_a(st.device_i_012_ka[s, 0, 0, :, o, 0])
        i_o = float(ipo[0])
        times_o = times_through_stages(other, ipo[ok], igo[ok], t0[ok], t1[ok])
    stages = {f"{name}{j}": float(v[j]) for name, v in (("phase", ip), ("ground", ig))
              for j in np.flatnonzero(ok)}
    return _Solved(float(ip[0]), float(ig[0]), i_o, times_d, times_o,
                   1e3 * seq_to_abc(i012[0]), stages)


def _iec_sum_a(s: _Solved, base: _Solved) -> float:
    """The device's largest phase current on the IEC 60909 basis of C7's change rows
    (:mod:`protv2g.checks.converter_sum`): ``|I_base| + |I − I_base|`` per phase, A."""
    return float((np.abs(base.abc_a) + np.abs(s.abc_a - base.abc_a)).max())


def site_drivers(study: Study, violations: pd.DataFrame, scenarios: Sequence[Scenario], *,
                 close_in: tuple[Study, Study] | None = None, networks: dict | None = None,
                 coordination: pd.DataFrame | None = None,
                 max_findings: int = MAX_FINDINGS
                 ) -> pd.DataFrame:
    """Each multi-site V2G finding's worst fault solved with each site alone (module
    docstring): the "Site drivers" table (:data:`SITE_DRIVER_COLUMNS`).

    Parameters
    ----------
    study : Study
        A pandapower feeder's study (an OpenDSS feeder gets an empty table).
    violations : DataFrame
        The run's violation rows (``t_device_s``, ``t_other_s``, ``limit``, ``base_margin``,
        ``rule_value`` read where given).
    scenarios : sequence of Scenario
        The run's scenarios.
    close_in, networks :
        ``FaultTables.close_in`` and ``FaultTables.networks`` of the run: its close-in net and
        sequence networks, reused (read only).
    coordination : DataFrame, optional
        The Coordination table: the sub-rule of pair rows, as the findings key them.
    max_findings : int
        At most this many findings (worst first).

    Returns
    -------
    DataFrame
        One row per finding and counterfactual; ``driver`` (:class:`Driver`),
        ``driver_sites`` and ``driver_text`` repeated on the finding's rows. Currents in A
        (first cycle, largest phase), times in s, margins in the row's ``margin_unit``.
    """
    if study.model is not None or not len(study.document.v2g_sites) >= 2:
        return pd.DataFrame(columns=SITE_DRIVER_COLUMNS)
    out = _fault_driver_rows(study, violations, scenarios, close_in, networks, coordination,
                             max_findings)
    out += _flow_driver_rows(study, violations, scenarios, coordination, max_findings)
    if not out:
        return pd.DataFrame(columns=SITE_DRIVER_COLUMNS)
    return pd.DataFrame(out)[SITE_DRIVER_COLUMNS]


def _fault_driver_rows(study: Study, violations: pd.DataFrame, scenarios: Sequence[Scenario],
                       close_in: tuple[Study, Study] | None, networks: dict | None,
                       coordination: pd.DataFrame | None, max_findings: int
                       ) -> list[dict[str, Any]]:
    """The table's rows of the fault findings (:func:`site_drivers`)."""
    cand = _candidates(violations, scenarios, coordination, max_findings)
    if not len(cand):
        return []
    by_name = {sc.name: sc for sc in scenarios}
    net_study = close_in_study(study, close_in)
    solved_on = None if close_in is None else close_in[1].net
    networks = (dict(networks) if networks and solved_on is not None
                and net_study.net is solved_on else {})
    names = net_study.net.bus.name.astype(str)
    index_of = dict(zip(names.tolist(), net_study.net.bus.index.tolist(), strict=True))
    terminals = {t.name: t for t in device_terminals(net_study)}
    high = net_study.document.faults.high_bracket == "sustained_limit"
    out: list[dict[str, Any]] = []
    for row in cand.itertuples(index=False):
        if row.fault_bus not in index_of or row.device not in terminals:
            continue
        other = str(row.other_device) if is_given(row.other_device) and str(
            row.other_device) in terminals else None
        cfs = _counterfactuals(by_name[row.scenario])
        use_high = high and str(getattr(row, "bracket", "")) == "high"
        sets = {}
        for n, (_, _, sc) in enumerate(cfs):
            low = charger_sources(net_study, sc)
            sets[f"c{n}"] = high_bracket_sets(net_study, {"h": low})["h"] if use_high else low
        devices = [terminals[row.device]] + ([terminals[other]] if other else [])
        res = fault_study(net_study.net, fault_types=[FaultType(row.fault_type)],
                          cases=[Case(row.case)], **fault_options(net_study), scenarios=sets,
                          devices=devices, buses=[index_of[row.fault_bus]], networks=networks)
        out += _finding_rows(row, cfs, res, net_study, other)
    return out


def _flow_driver_rows(study: Study, violations: pd.DataFrame, scenarios: Sequence[Scenario],
                      coordination: pd.DataFrame | None, max_findings: int
                      ) -> list[dict[str, Any]]:
    """The table's rows of C8's device-load findings: each counterfactual a column of one
    power flow (:func:`protv2g.findings_sites_flow.flow_currents_a`), the margin the row's
    own ``limit − I`` where the all-sites column reproduces the row's current (1e-6
    relative) and the row its margin (1e-6 A); else the currents only (not judged)."""
    cand = _candidates(violations, scenarios, coordination, max_findings, flow=True)
    if not len(cand):
        return []
    by_name = {sc.name: sc for sc in scenarios}
    cfs_of = [_counterfactuals(by_name[row.scenario]) for row in cand.itertuples(index=False)]
    currents = flow_currents_a(study, [(str(row.device), [sc for _, _, sc in cfs])
                                       for row, cfs in zip(cand.itertuples(index=False),
                                                           cfs_of, strict=True)])
    if currents is None:
        return []
    out: list[dict[str, Any]] = []
    for row, cfs, i_a in zip(cand.itertuples(index=False), cfs_of, currents, strict=True):
        i_row, lim, m_all = (_float(getattr(row, "i_device_a", None)),
                             _float(getattr(row, "limit", None)), _float(row.margin))
        judged = bool(np.isfinite([i_row, lim, m_all]).all()
                      and abs(lim - i_row - m_all) <= _FLOW_MARGIN_ABS_A
                      and np.isclose(i_a[-2], i_row, rtol=_REPRODUCE_REL))
        method = MarginMethod.FLOW_LOAD if judged else MarginMethod.CURRENTS
        bar = _bar(row)
        p_of = {st.site: st.p_export_kw for st in cfs[-2][2].sites}
        rows = []
        for (site, kind, _), i in zip(cfs[:-2], i_a[:-2], strict=True):
            m = lim - float(i) if judged else np.nan
            rows.append({**{c: getattr(row, c, "") for c in KEY_COLUMNS},
                         "scenario": row.scenario, "fault_bus": "", "fault_type": "",
                         "case": "", "other_device": "", "site": site, "counterfactual": kind,
                         "p_export_kw": p_of[site] if kind == "alone" else sum(
                             v for k, v in p_of.items() if k != site),
                         "i_device_a": float(i), "i_judged_a": float(i), "i_other_a": lim,
                         "t_device_s": np.nan, "t_other_s": np.nan, "margin": m,
                         "reproduced_below": bar, "row_attribution": str(row.attribution),
                         "effect": _effect(m, bar).value, "i_device_all_a": float(i_a[-2]),
                         "margin_all": m_all, "method": method.value})
        driver, sites, text = _driver(rows, str(row.device), str(row.margin_unit))
        for r in rows:
            r.update(driver=driver.value, driver_sites=", ".join(sites), driver_text=text)
        out += rows
    return out


def _bar(row: Any) -> float:
    """The margin a counterfactual must fall below to reproduce ``row`` (:class:`SiteEffect`):
    0 for a ``new`` row, the base case's margin less the row's tolerance for a ``worse`` one."""
    base_m, tol = _float(getattr(row, "base_margin", None)), _float(getattr(row, "tolerance",
                                                                             None))
    return (0.0 if str(row.attribution) == "new"
            else base_m - (tol if np.isfinite(tol) else 0.0))


def _effect(margin: float, bar: float) -> SiteEffect:
    return (SiteEffect.UNJUDGED if not np.isfinite(margin) or not np.isfinite(bar)
            else SiteEffect.REPRODUCES if margin < bar else SiteEffect.CLEAR)


def _finding_rows(row: Any, cfs: list[tuple[str, str, Scenario]], res: Any, study: Study,
                  other: str | None) -> list[dict[str, Any]]:
    """The table's rows of one finding from its engine call ``res``."""
    scen = list(res.scenarios)
    devs = list(res.devices)
    d, o = devs.index(row.device), (devs.index(other) if other else None)
    dev = study_device(study, row.device)
    oth = study_device(study, other) if other else None
    solved = [_read(res, scen.index(f"c{n}"), d, o, dev, oth) for n in range(len(cfs))]
    all_, base = solved[-2], solved[-1]
    unit = str(row.margin_unit)
    m_all = _float(row.margin)
    scale = _float(getattr(row, "rule_value", None)) if str(getattr(row, "rule", "")) == (
        "fuse_saving_k") else 1.0
    scale = scale if np.isfinite(scale) else 1.0
    td_row, to_row = _float(getattr(row, "t_device_s", None)), _float(
        getattr(row, "t_other_s", None))
    method, margin_of = MarginMethod.CURRENTS, None

    def judged_a(s: _Solved) -> float:  # the current the margin is of (the text's figure)
        return s.i_device_a

    rel = _time_relation(row, scale) if unit == "s" else None
    if rel is not None:
        kd = time_key(all_.times_device, td_row, scale)
        ko = time_key(all_.times_other, to_row) if all_.times_other else None
        ok = (ko is not None and np.isclose(all_.times_device[kd], td_row, rtol=_REPRODUCE_REL)
              and np.isclose(all_.times_other[ko], to_row, rtol=_REPRODUCE_REL))
        if ok:
            method = MarginMethod.TIMES

            def margin_of(s: _Solved) -> tuple[float, float, float]:
                t_d, t_o = s.times_device[kd], s.times_other[ko]
                return rel[0] * t_d + rel[1] * t_o + rel[2], t_d, t_o
    elif _is_change_row(row):
        # C7's fault-level change: margin = limit − (I_iec / I_ref − 1), I_ref the row's
        # i_other_a (the largest current without V2G); the all-sites solve must give the
        # row's own I_iec
        lim, i_ref = _float(getattr(row, "limit", None)), _float(getattr(row, "i_other_a", None))
        i_row = _float(getattr(row, "i_device_a", None))
        if np.isclose(_iec_sum_a(all_, base), i_row, rtol=_REPRODUCE_REL):
            method = MarginMethod.IEC_CHANGE

            def judged_a(s: _Solved) -> float:
                return _iec_sum_a(s, base)

            def margin_of(s: _Solved) -> tuple[float, float, float]:
                return lim - (_iec_sum_a(s, base) / i_ref - 1.0), np.nan, np.nan
    elif unit != "s":
        i_row = _float(getattr(row, "i_device_a", None))
        m_base = _float(getattr(row, "base_margin", None))
        lim = _float(getattr(row, "limit", None))
        # the current the row judged: a stage's phase or 3I0 current (C5 reads the
        # sustained stage's where the chargers' stages are solved)
        for pick in all_.stages_a:
            i_a, i_b = all_.stages_a[pick], base.stages_a.get(pick, np.nan)
            if not (np.isfinite(i_row) and np.isclose(i_a, i_row, rtol=_REPRODUCE_REL)):
                continue
            if unit in _MULTIPLES and np.isfinite(lim) and i_a > 0:
                # margin = I / pickup − limit: the pickup is the row's i / (margin + limit)
                slope = (m_all + lim) / i_a
            elif np.isfinite(m_base) and abs(i_a - i_b) > 1e-9 * max(1.0, i_a):
                slope = (m_all - m_base) / (i_a - i_b)
            else:
                continue
            if np.isfinite(slope):
                method = MarginMethod.LINEAR

                def judged_a(s: _Solved, pick=pick) -> float:
                    return s.stages_a.get(pick, np.nan)

                def margin_of(s: _Solved, pick=pick, i_a=i_a, slope=slope
                              ) -> tuple[float, float, float]:
                    return (m_all + slope * (s.stages_a.get(pick, np.nan) - i_a), np.nan,
                            np.nan)
                break
    # the margin a counterfactual must fall below to reproduce the row (SiteEffect)
    bar = _bar(row)
    rows: list[dict[str, Any]] = []
    p_of = {st.site: st.p_export_kw for st in cfs[-2][2].sites}
    for (site, kind, _), s in zip(cfs[:-2], solved[:-2], strict=True):
        m, t_d, t_o = margin_of(s) if margin_of is not None else (np.nan, np.nan, np.nan)
        effect = _effect(m, bar)
        rows.append({**{c: getattr(row, c, "") for c in KEY_COLUMNS},
                     "scenario": row.scenario, "fault_bus": row.fault_bus,
                     "fault_type": row.fault_type, "case": row.case,
                     "other_device": other or "", "site": site, "counterfactual": kind,
                     "p_export_kw": p_of[site] if kind == "alone" else sum(
                         v for k, v in p_of.items() if k != site),
                     "i_device_a": s.i_device_a, "i_judged_a": judged_a(s),
                     "i_other_a": s.i_other_a,
                     "t_device_s": t_d, "t_other_s": t_o, "margin": m,
                     "reproduced_below": bar, "row_attribution": str(row.attribution),
                     "effect": effect.value, "i_device_all_a": all_.i_device_a,
                     "margin_all": m_all, "method": method.value})
    driver, sites, text = _driver(rows, row.device, unit)
    for r in rows:
        r.update(driver=driver.value, driver_sites=", ".join(sites), driver_text=text)
    return rows


def _driver(rows: list[dict[str, Any]], device: str, unit: str
            ) -> tuple[Driver, list[str], str]:
    """The finding's :class:`Driver`, the sites that drive it and its sentence."""
    alone = [r for r in rows if r["counterfactual"] == "alone"]

    def part(r: dict[str, Any]) -> str:
        fig = f"{number_text(r['i_judged_a'], 'A')} at {device}"
        if r["effect"] == SiteEffect.UNJUDGED.value:
            return fig
        clear = ", holds" if r["row_attribution"] == "new" else ", no worse than without V2G"
        return f"{fig}, margin {number_text(r['margin'], unit)}" + (
            "" if r["effect"] == SiteEffect.REPRODUCES.value else clear)

    each = "; ".join(f"{r['site']} alone: {part(r)}" for r in alone)
    if any(r["effect"] == SiteEffect.UNJUDGED.value for r in alone):
        return Driver.UNJUDGED, [], f"sites not judged ({each})"
    fails = [r["site"] for r in alone if r["effect"] == SiteEffect.REPRODUCES.value]
    if len(fails) == 1:
        return Driver.ONE_SITE, fails, f"driven by {fails[0]} ({each})"
    if fails:
        return Driver.EACH_SITE, fails, f"each of {', '.join(fails)} on its own ({each})"
    names = [r["site"] for r in alone]
    return (Driver.TOGETHER, names,
            f"needs {', '.join(names[:-1])} and {names[-1]} together ({each})")
