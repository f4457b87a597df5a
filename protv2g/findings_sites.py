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
removed-site columns (three sites or more) show: a site whose removal still reproduces the
finding is not one it needs, and the driver names the sites it does with that margin
(:func:`protv2g.findings_sites_kinds.together_words`; review rev49a #1, IEEE 37: depot and
campus without the homes −2.69 A, inside the tolerance ±6.01 A); a site alone that leaves the
device's current at its every-site-idle value changes nothing there and is set apart. The
chargers are current-limited and non-linear in their terminal voltage (their injection is
iterated against the limit), so contributions do not add: every counterfactual is a solve of
its own, never a difference of two.

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
currents to 1e-6 A). C8's charging peaks are judged the same way in the charging snapshots
(:func:`protv2g.scenarios.charging_scenarios`) where two or more sites charge: each site
charging alone (``p_export_kw`` < 0), the others idle, existing DER off as in the run. Depot
study, R-F1 charging/firm (483.46 A against 266.7 A): depot alone 390.66 A (fails), campus
alone 192.09 A — driven by the depot (pandapower ``runpp``: 390.6598 / 192.0938 A).
A study with single-phase sites has its columns where one of them exports or charges solved
by ``runpp_3ph``, as the run's flow (residential two-site study, charging/firm: FU-LAT1
65.703 A with homes-lat1 alone, 25.628 A with homes-lat2 alone; pandapower ``runpp_3ph``
65.7031 / 25.6282 A), and C8's ground-element rows (3I0) read the residual current on both
engines. C12's bus-voltage (over and under) and branch-loading findings are judged the same
way, each column read and judged as C12 reads its row, over the regulators' band where the row
is (:mod:`protv2g.findings_sites_c12`, review rev50b #1: ckt24's over-voltage at the homes'
240 V bus is the homes', the depot's and campus's export lowers it), and so are C12's
unbalance findings (the bus's voltage unbalance factor, over the band as the row is; session
51); C11 and C12's reverse-power rows are not attributed per site: "not judged (why)".
A row whose device no longer operates (margin −∞: C2's recloser below its minimum trip, C4's
lost backup) is judged where the rule's relation is found on the every-site-idle solve (its
times reproducing the row's ``base_margin``, :func:`protv2g.findings_sites_fault.solved_rows`):
a site alone with the device still not operating reproduces it; where none is found the
driver text says why (:func:`protv2g.findings_sites_fault.lost_why`).

The row judged is the finding's headline row where two or more sites export (or charge) in
its scenario, else its worst such row, named as not the headline
(:mod:`protv2g.findings_sites_pick`).

An OpenDSS feeder's findings are solved the same way on its own engines: the fault rows
through the phase-domain engine (:mod:`protv2g.findings_sites_dss`: one call for every
candidate, the existing inverters' minimum-case twins and the grid alone as the run solves
them), C8's rows as one-step blocks of one OpenDSS flow
(:func:`protv2g.findings_sites_flow.dss_currents_a`). C5's reach-reduction rows (margin
``limit − (1 − I / I_ref)``, fraction) are linear in the judged current on both paths.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.load import RESIDUAL_PEAKS
from protv2g.engine import fault_study
from protv2g.findings_sites_c12 import c12_driver_rows
from protv2g.findings_sites_dss import dss_solved
from protv2g.findings_sites_fault import REPRODUCE_REL as _REPRODUCE_REL
from protv2g.findings_sites_fault import finding_rows as _finding_rows
from protv2g.findings_sites_fault import solved_rows as _solved_rows
from protv2g.findings_sites_flow import DSS_REPRODUCE_REL, flow_currents_a
from protv2g.findings_sites_kinds import (
    KEY_COLUMNS,
    MAX_FINDINGS,
    SITE_DRIVER_COLUMNS,
    SITE_DRIVERS,
    Driver,
    MarginMethod,
    NotJudged,
    SiteEffect,
)
from protv2g.findings_sites_kinds import bar as _bar
from protv2g.findings_sites_kinds import driver as _driver
from protv2g.findings_sites_kinds import effect as _effect
from protv2g.findings_sites_kinds import float_or_nan as _float
from protv2g.findings_sites_pick import HEADLINE_COLUMN, headline_note
from protv2g.findings_sites_pick import candidates as _candidates
from protv2g.network.fault_positions import close_in_study
from protv2g.scenarios import Scenario, SiteState, charging_scenarios
from protv2g.stage_times import study_device
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



#: a C8 row's margin ``limit − i_device_a`` reproduced to this, A
_FLOW_MARGIN_ABS_A = 1e-6


def _idle(st: SiteState) -> SiteState:
    return SiteState(st.site, ChargerMode.IDLE, 0.0, 0.0, 0.0, 0.0)


def _counterfactuals(sc: Scenario) -> list[tuple[str, str, Scenario]]:
    """(site, ``alone``/``removed``, scenario) of ``sc``'s exporting sites (none exporting:
    its charging sites, ``p_export_kw`` < 0 — a C8 charging snapshot), then ``all`` and
    ``base`` (every site idle)."""
    on = ([st.site for st in sc.sites if st.p_export_kw > 0]
          or [st.site for st in sc.sites if st.p_export_kw < 0])
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
        The run's study (a pandapower or an OpenDSS feeder).
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
    if not len(study.document.v2g_sites) >= 2:
        return pd.DataFrame(columns=SITE_DRIVER_COLUMNS)
    out = _fault_driver_rows(study, violations, scenarios, close_in, networks, coordination,
                             max_findings)
    out += _flow_driver_rows(study, violations, scenarios, coordination, max_findings)
    # C12's bus voltages and branch loadings the same way (rev50b #1)
    out += c12_driver_rows(study, violations, scenarios, coordination, max_findings,
                           _counterfactuals)
    if not out:
        return pd.DataFrame(columns=SITE_DRIVER_COLUMNS)
    return pd.DataFrame(out).reindex(columns=SITE_DRIVER_COLUMNS)


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
    if net_study.model is not None:  # an OpenDSS feeder: the phase-domain engine
        return _dss_fault_rows(net_study, cand, by_name)
    solved_on = None if close_in is None else close_in[1].net
    networks = (dict(networks) if networks and solved_on is not None
                and net_study.net is solved_on else {})
    names = net_study.net.bus.name.astype(str)
    index_of = dict(zip(names.tolist(), net_study.net.bus.index.tolist(), strict=True))
    terminals = {t.name: t for t in device_terminals(net_study)}
    high = net_study.document.faults.high_bracket == "sustained_limit"
    todo = []  # (row, other device, counterfactuals, prefixes) of each candidate solved
    for row in cand.itertuples(index=False):
        if row.fault_bus not in index_of or row.device not in terminals:
            continue
        other = str(row.other_device) if is_given(row.other_device) and str(
            row.other_device) in terminals else None
        # the row's bracket; a row of both (or neither): the high bracket's sets and the low
        # one's, the first whose all-sites times are the row's (as on an OpenDSS feeder)
        given = str(getattr(row, "bracket", ""))
        prefixes = (("h",) if given == "high" else ("c",) if given == "low" or not high
                    else ("h", "c"))
        todo.append((row, other, _counterfactuals(by_name[row.scenario]), prefixes))
    # the candidates of one fault type and case solved in one engine call, as the Charger
    # stages table solves its findings (:func:`protv2g.stage_report.findings_stage_table`):
    # each scenario's sets once, tagged ``#<n>``, its candidates' buses and devices together;
    # each (scenario, fault bus) column is solved on its own, as in a call of its own (#21:
    # a call per candidate, each validating the 10,000-bus net and setting up its solver)
    groups: dict[tuple[str, str], list[int]] = {}
    for k, (row, *_) in enumerate(todo):
        groups.setdefault((str(row.fault_type), str(row.case)), []).append(k)
    got: dict[int, list[dict[str, Any]]] = {}
    for (fault_type, case), ks in groups.items():
        need: dict[str, list[str]] = {}  # scenario → the prefixes its candidates read
        for k in ks:
            have = need.setdefault(str(todo[k][0].scenario), [])
            have += [p for p in todo[k][3] if p not in have]
        tag = {name: f"#{n}" for n, name in enumerate(need)}
        sets = {}
        for name, prefixes in need.items():
            for n, (_, _, sc) in enumerate(_counterfactuals(by_name[name])):
                low = charger_sources(net_study, sc)
                if "c" in prefixes:
                    sets[f"c{n}{tag[name]}"] = low
                if "h" in prefixes:
                    sets[f"h{n}{tag[name]}"] = high_bracket_sets(net_study, {"h": low})["h"]
        buses = list(dict.fromkeys(index_of[todo[k][0].fault_bus] for k in ks))
        wanted = {n for k in ks for n in (todo[k][0].device, todo[k][1]) if n}
        res = fault_study(net_study.net, fault_types=[FaultType(fault_type)],
                          cases=[Case(case)], **fault_options(net_study), scenarios=sets,
                          devices=[t for t in terminals.values() if t.name in wanted],
                          buses=buses, networks=networks)
        for k in ks:
            row, other, cfs, prefixes = todo[k]
            got[k] = _noted(_finding_rows(row, cfs, res, net_study, other, prefixes,
                                          tag=tag[str(row.scenario)],
                                          bus=buses.index(index_of[row.fault_bus])), row)
    return [r for k in range(len(todo)) for r in got[k]]


def _noted(rows: list[dict[str, Any]], row: Any) -> list[dict[str, Any]]:
    """``rows`` (one finding's) with its driver text saying the row judged is not the
    finding's headline row where it is not (:func:`protv2g.findings_sites_pick.
    headline_note`)."""
    headline = str(getattr(row, HEADLINE_COLUMN, "") or "")
    if headline:
        for r in rows:
            r["driver_text"] = f"{r['driver_text']}{headline_note(headline)}"
    return rows


def _dss_fault_rows(net_study: Study, cand: pd.DataFrame, by_name: dict[str, Scenario]
                    ) -> list[dict[str, Any]]:
    """The table's rows of the fault findings on an OpenDSS feeder: every candidate's
    counterfactuals in one phase-domain engine call (:mod:`protv2g.findings_sites_dss`)."""
    rows = list(cand.itertuples(index=False))
    others = [str(r.other_device) if is_given(r.other_device) and str(r.other_device)
              in net_study.device_sites else None for r in rows]
    cfs_of = [_counterfactuals(by_name[r.scenario]) for r in rows]
    out: list[dict[str, Any]] = []
    for row, other, cfs, solved in zip(rows, others, cfs_of,
                                       dss_solved(net_study, rows, cfs_of, others),
                                       strict=True):
        if solved is not None:
            out += _noted(_solved_rows(row, cfs, solved, other,
                                       study_device(net_study, str(row.device))), row)
    return out


def _flow_driver_rows(study: Study, violations: pd.DataFrame, scenarios: Sequence[Scenario],
                      coordination: pd.DataFrame | None, max_findings: int
                      ) -> list[dict[str, Any]]:
    """The table's rows of C8's device-load findings: each counterfactual a column of one
    power flow (:func:`protv2g.findings_sites_flow.flow_currents_a`), the margin the row's
    own ``limit − I`` where the all-sites column reproduces the row's current (1e-6
    relative; an OpenDSS flow's :data:`DSS_REPRODUCE_REL`) and the row its margin (1e-6 A);
    else the currents only (not judged)."""
    # C8's charging snapshots are flow scenarios of their own (not the run's fault scenarios):
    # their charging-peak rows are judged the same way, each site charging alone
    scenarios = [*scenarios, *charging_scenarios(study.document)]
    cand = _candidates(violations, scenarios, coordination, max_findings, flow=True)
    if not len(cand):
        return []
    by_name = {sc.name: sc for sc in scenarios}
    cfs_of = [_counterfactuals(by_name[row.scenario]) for row in cand.itertuples(index=False)]
    # a ground element's row (3I0, :data:`RESIDUAL_PEAKS`) reads the residual current
    residual = [str(getattr(row, "mechanism", "")) in RESIDUAL_PEAKS
                for row in cand.itertuples(index=False)]
    currents = flow_currents_a(study, [(str(row.device), [sc for _, _, sc in cfs])
                                       for row, cfs in zip(cand.itertuples(index=False),
                                                           cfs_of, strict=True)], residual)
    if currents is None:
        return []
    rtol = _REPRODUCE_REL if study.model is None else DSS_REPRODUCE_REL
    out: list[dict[str, Any]] = []
    for row, cfs, i_a, res_ in zip(cand.itertuples(index=False), cfs_of, currents, residual,
                                  strict=True):
        i_row, lim, m_all = (_float(getattr(row, "i_device_a", None)),
                             _float(getattr(row, "limit", None)), _float(row.margin))
        judged = bool(np.isfinite([i_row, lim, m_all]).all()
                      and abs(lim - i_row - m_all) <= _FLOW_MARGIN_ABS_A
                      and np.isclose(i_a[-2], i_row, rtol=rtol))
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
                         "i_device_a": float(i), "i_judged_a": float(i),
                         "judged_on": "|3I0|" if res_ else "phase current",
                         "i_other_a": lim,
                         "t_device_s": np.nan, "t_other_s": np.nan, "margin": m,
                         "reproduced_below": bar, "row_attribution": str(row.attribution),
                         "effect": _effect(m, bar).value, "i_device_all_a": float(i_a[-2]),
                         # every site idle (not columns: the driver sets apart a site
                         # alone that moves neither)
                         "i_idle_a": float(i_a[-1]),
                         "margin_idle": lim - float(i_a[-1]) if judged else np.nan,
                         "margin_all": m_all, "method": method.value})
        driver, sites, text = _driver(rows, str(row.device), str(row.margin_unit),
                                      _float(getattr(row, "tolerance", None)))
        for r in rows:
            r.update(driver=driver.value, driver_sites=", ".join(sites), driver_text=text)
        out += _noted(rows, row)
    return out


