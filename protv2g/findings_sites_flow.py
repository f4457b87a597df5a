"""Site drivers of C8's device-load findings: each counterfactual as one power-flow column.

:mod:`protv2g.findings_sites` names the site that drives a multi-site V2G finding by solving
the finding's worst row again with each site alone. A C8 row (:mod:`protv2g.checks.load`:
the largest ``|i_a|`` of a device over a scenario's steps against ``pickup /
load_pickup_factor``) has no fault to solve: its scenario is a power flow. Here each
counterfactual scenario (each site alone at its own export of the row's scenario, the other
sites idle: no export, no charging; the row's scenario itself; every site idle) is one
column of **one** :class:`protv2g.flow.FlowSolver` solve on the V2G net the run's flow used
(:func:`protv2g.network.site_transformer.with_site_transformers`): the step the static
scenario is (:func:`protv2g.flow.blocks.scenario_blocks`: load at the scenario's level —
1 at peak, ``light_load_fraction`` light — existing DER as modelled, each site's export
``p_export_kw`` at unity power factor), and the device's current is read as the flow's device
table reads it (:func:`protv2g.flow.study.flow_study`: the current phasor at the device's
measuring end of its element, :func:`protv2g.flow.watch.watch_points`, ``|I|`` in A).

A study with a single-phase site (or an asymmetric load/sgen in its net) has the device
currents of the steps where a single-phase site exports or charges (every step with an
asymmetric net) from ``runpp_3ph`` (:func:`protv2g.flow.study.flow_study`'s three-phase steps:
the largest phase ``i_a``, the residual ``3I0 = |Ia + Ib + Ic|``): the counterfactual columns
where that holds are solved the same way, by :class:`protv2g.flow.unbalance.ThreePhaseSolver`
on the same net, and read as the run reads them; the other columns (every single-phase site
idle) are balanced, their residual 0, as in the run (review s47 chg47: the residential two-site
study's charging peaks had no driver). A net ``runpp_3ph`` cannot solve keeps the balanced
``i_a`` and a NaN residual, as the run's flow does.

C8's charging snapshots (:func:`protv2g.scenarios.charging_scenarios`: peak load, each site
that can charge importing, ``p_export_kw`` < 0, existing DER off) are counterfactual columns
the same way: each site charging alone, the others idle, existing DER off as in the run.

An OpenDSS feeder (:func:`dss_currents_a`): the counterfactuals are one-step blocks of
**one** :func:`protv2g.flow.opendss_study.opendss_flow` run, as the run's flow solves the
row's scenario (:func:`protv2g.flow.blocks.scenario_blocks`: the scenario's own block with
each site's ``p_export_kw`` replaced, each starting from its base case's settled control
state — the base block is solved first, as in the run —, the sites' own model transformers
out of the base case only), every site on its phases; the device's current is the device
table's ``|i_a|`` (its largest phase, :func:`protv2g.flow.opendss_tables.device_table`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from protv2g.flow.powerflow import FlowArrays, FlowSolver
from protv2g.flow.watch import WatchPoint, watch_points
from protv2g.network.site_transformer import with_site_transformers
from protv2g.scenarios import CHARGING_EXPORT_LEVEL, Scenario
from protv2g.study.loader import Study
from protv2g.units import LoadLevel

__all__ = ["DSS_REPRODUCE_REL", "dss_currents_a", "dss_flow", "flow_currents_a"]

#: An OpenDSS flow's counterfactual reproduces the run's row to this (relative): OpenDSS
#: iterates each snapshot to its convergence tolerance (``Set Tolerance``, default 0.0001 pu
#: of voltage), from the previous solve's voltages, so the same block solved after other
#: blocks differs in the fifth figure (exA, fb firm/light/100 %: 55.00802 A in the run,
#: 55.00893 A here, 1.6e-5).
DSS_REPRODUCE_REL = 1e-4


def _asymmetric_net(net: object) -> bool:
    """The net has in-service asymmetric loads/sgens (its every step is three-phase)."""
    return any(t in net and len(net[t]) and bool(net[t].in_service.any())  # type: ignore
               for t in ("asymmetric_load", "asymmetric_sgen"))


def _current_a(net: object, res: FlowArrays, w: WatchPoint) -> np.ndarray:
    """``|I|`` at ``w``'s measuring end, A, per column (the flow's device ``i_a``)."""
    if w.element == "line":
        pos = net.line.index.get_loc(w.element_index)  # type: ignore[attr-defined]
        at_from = int(net.line.at[w.element_index, "from_bus"]) == w.bus  # type: ignore
        i = res.line_i_from_ka if at_from else res.line_i_to_ka
    else:
        pos = net.trafo.index.get_loc(w.element_index)  # type: ignore[attr-defined]
        at_hv = int(net.trafo.at[w.element_index, "hv_bus"]) == w.bus  # type: ignore
        i = res.trafo_i_hv_ka if at_hv else res.trafo_i_lv_ka
    return np.abs(i[:, pos]) * 1000.0


def _three_phase(study: Study, v2g: object, lf: np.ndarray, p_mw: np.ndarray, der: np.ndarray,
                 points: dict[str, WatchPoint], i_a: dict[str, np.ndarray],
                 i_res: dict[str, np.ndarray]) -> None:
    """The columns a single-phase site exports or charges in (every column of an asymmetric
    net) solved by ``runpp_3ph`` as the run's flow solves its steps
    (:func:`protv2g.flow.study.flow_study`): ``i_a`` (largest phase) and ``i_res`` (3I0) of
    every watched device, in A, replaced there in place; a net ``runpp_3ph`` cannot solve
    leaves ``i_a`` balanced and ``i_res`` NaN on those columns (as the run)."""
    from protv2g.flow.study import _measure_3ph  # the run's own reading of a 3-phase step
    from protv2g.flow.unbalance import ThreePhaseSolver

    net = v2g.net  # type: ignore[attr-defined]
    doc_sites = list(study.document.v2g_sites)
    one_phase = np.array([s.phases == 1 for s in doc_sites], bool)
    need = (np.ones(p_mw.shape[1], bool) if _asymmetric_net(net)
            else (np.abs(p_mw[one_phase]) > 0.0).any(axis=0))
    if not need.any():
        return
    buses = v2g.site_buses  # type: ignore[attr-defined]
    try:
        solver = ThreePhaseSolver(net, {s.name: buses[s.name] for s in doc_sites},
                                  {s.name: (s.phase if s.phases == 1 else None)
                                   for s in doc_sites})
    except ValueError:
        for name in i_res:
            i_res[name][need] = np.nan
        return
    idx = np.flatnonzero(need)
    r = solver.solve(lf[idx], p_mw[:, idx], der_fraction=der[idx])
    for name, w in points.items():
        i_ph, i_n, _ = _measure_3ph(net, r, w)
        i_a[name][idx] = np.where(r.ok, i_ph.max(axis=1) * 1000.0, np.nan)
        i_res[name][idx] = np.where(r.ok, i_n * 1000.0, np.nan)


def _pp_solve(study: Study, cols: Sequence[Scenario]
              ) -> tuple[object, np.ndarray, np.ndarray, np.ndarray, FlowArrays]:
    """``cols`` (static scenarios) as the steps of one :class:`FlowSolver` solve on the V2G
    net the run's flow used: ``(v2g study, load fractions, site powers (MW, sites × steps),
    existing DER fractions, result)``."""
    v2g = with_site_transformers(study)
    sites = [s.name for s in study.document.v2g_sites]
    light = float(study.document.scenarios.light_load_fraction)
    lf = np.array([1.0 if sc.load_level is LoadLevel.PEAK else light for sc in cols])
    # a charging snapshot's columns (:func:`protv2g.scenarios.charging_scenarios`): existing
    # DER off, as the run's flow solves them (:func:`protv2g.flow.blocks.scenario_blocks`)
    der = np.array([0.0 if sc.export_level == CHARGING_EXPORT_LEVEL else 1.0 for sc in cols])
    p_mw = np.zeros((len(sites), len(cols)))
    for j, sc in enumerate(cols):
        for st in sc.sites:
            p_mw[sites.index(st.site), j] = st.p_export_kw / 1000.0
    buses = v2g.site_buses  # type: ignore[attr-defined]
    res = FlowSolver(v2g.net, {n: buses[n] for n in sites}).solve(  # type: ignore[attr-defined]
        lf, p_mw, der_fraction=der)
    return v2g, lf, p_mw, der, res


def flow_currents_a(study: Study, requests: Sequence[tuple[str, Sequence[Scenario]]],
                    residual: Sequence[bool] | None = None) -> list[np.ndarray] | None:
    """Each request's device current (A) in each of its static scenarios, all requests in one
    flow solve (module docstring).

    Parameters
    ----------
    study : Study
        A pandapower feeder's study (as loaded: its sites' transformers are added here as the
        run's flow adds them).
    requests : sequence of (device, scenarios)
        A device watched by the flow and the scenarios (static: one step each) to solve it in.
    residual : sequence of bool, optional
        Per request, read the device's residual current ``3I0`` (a C8 ground-element row),
        not its largest phase current (default: the phase current of every request).

    Returns
    -------
    list of numpy.ndarray or None
        Per request, ``(len(scenarios),)`` currents, A (NaN for a device the flow does not
        watch or a column ``runpp_3ph`` did not solve); None without requests.
    """
    if not requests:
        return None
    res_of = [False] * len(requests) if residual is None else [bool(x) for x in residual]
    if study.model is not None:
        return dss_currents_a(study, requests, res_of)
    cols = [sc for _, scs in requests for sc in scs]
    v2g, lf, p_mw, der, res = _pp_solve(study, cols)
    net = v2g.net  # type: ignore[attr-defined]
    want = {device for device, _ in requests}
    points = {w.name: w for w in watch_points(v2g) if w.name in want}
    i_a = {n: _current_a(net, res, w) for n, w in points.items()}
    i_res = {n: np.zeros(len(cols)) for n in points}  # balanced: no residual (the run's)
    _three_phase(study, v2g, lf, p_mw, der, points, i_a, i_res)
    out, start = [], 0
    for (device, scs), res_ in zip(requests, res_of, strict=True):
        n = len(scs)
        read = (i_res if res_ else i_a).get(device)
        out.append(read[start:start + n] if read is not None else np.full(n, np.nan))
        start += n
    return out


def dss_currents_a(study: Study, requests: Sequence[tuple[str, Sequence[Scenario]]],
                   residual: Sequence[bool] | None = None) -> list[np.ndarray] | None:
    """:func:`flow_currents_a` on an OpenDSS feeder: every request's scenarios as one-step
    blocks of one OpenDSS flow run (module docstring; a charging snapshot's block keeps its
    existing DER off and its base case; ``residual``: the device table's ``i_residual_a``);
    None where a scenario has no block of its own in the run's flow (a day's)."""
    got = dss_flow(study, [scs for _, scs in requests])
    if got is None:
        return None
    res, cols, _ = got
    table = res.devices
    res_of = [False] * len(requests) if residual is None else list(residual)
    i_of = {(str(s), str(d), False): abs(float(i)) for s, d, i in zip(
        table["scenario"], table["device"], table["i_a"], strict=True)}
    i_of.update({(str(s), str(d), True): abs(float(i)) for s, d, i in zip(
        table["scenario"], table["device"], table["i_residual_a"], strict=True)})
    return [np.array([i_of.get((k, device, bool(r)), np.nan) for k in keys])
            for (device, _), keys, r in zip(requests, cols, res_of, strict=True)]


def dss_flow(study: Study, requests: Sequence[Sequence[Scenario]]
             ) -> tuple[object, list[list[str]], dict[str, str]] | None:
    """Every request's static scenarios as one-step blocks of **one** OpenDSS flow run
    (module docstring): ``(result, keys, base_of)`` — the run's
    :class:`protv2g.flow.result.FlowResult` (its tables' ``scenario`` the column keys
    ``cf<n>``), per request its scenarios' keys, and each key's base case (solved in the same
    run, under its own name, as the row's flow solves it: the tap-path bracket's reference,
    :mod:`protv2g.checks.flow_tap_path`); None where a request's own scenario has no block in
    the run's flow (a day's step)."""
    import dataclasses

    from protv2g.flow.blocks import scenario_blocks
    from protv2g.flow.opendss_study import dss_watches, flow_sites, opendss_flow
    from protv2g.study.dss_site_transformers import site_transformer_names

    doc = study.document
    blocks, _ = scenario_blocks(doc, False, None, None, None)
    by_name = {b.scenario: b for b in blocks}
    names = [s.name for s in doc.v2g_sites]
    run: dict[str, object] = {}
    cols: list[list[str]] = []
    base_of: dict[str, str] = {}
    for scs in requests:
        keys = []
        # the row's own scenario is among the request's (the counterfactuals are renamed):
        # its block is every counterfactual's, the sites' export apart
        own = next((by_name[sc.name] for sc in scs if sc.name in by_name), None)
        if own is None:
            return None
        for sc in scs:
            p_mw = np.zeros((len(names), 1))
            for st in sc.sites:
                p_mw[names.index(st.site), 0] = st.p_export_kw / 1000.0
            key = f"cf{len(run)}"
            run[key] = dataclasses.replace(own, scenario=key, site_p_mw=p_mw)
            run.setdefault(own.base, by_name[own.base])
            base_of[key] = own.base
            keys.append(key)
        cols.append(keys)
    # every device watched, as the run's flow watches them (:func:`protv2g.pipeline_dss.
    # dss_flow`)
    watch = [(d.name, d.kind.value, study.device_sites[d.name].element_name,
              study.device_sites[d.name].terminal)
             for d in doc.devices if d.name in study.device_sites]
    res, _ = opendss_flow(study.model, flow_sites(doc), list(run.values()),
                          dss_watches(study.model, watch),
                          base_open=site_transformer_names(doc))
    return res, cols, base_of


def flow_tables(study: Study, requests: Sequence[Sequence[Scenario]]
                ) -> tuple[object, object, list[list[str]], dict[str, str]] | None:
    """The flow's bus and branch tables of every request's static scenarios, solved as the
    run's flow solves them: ``(buses, branches, keys, base_of)`` — the tables
    (:data:`protv2g.flow.result.BUS_COLUMNS`, :data:`~protv2g.flow.result.BRANCH_COLUMNS`;
    ``scenario`` the column keys ``cf<n>``), per request its scenarios' keys and each key's
    base case in the tables ("" on a pandapower feeder: no regulator band to bracket).

    An OpenDSS feeder: :func:`dss_flow` (the band columns of
    :mod:`protv2g.flow.tap_band` with them). A pandapower feeder: one
    :class:`protv2g.flow.FlowSolver` solve of the columns on the V2G net the run's flow
    used, its tables built by the run's own functions, the columns where a single-phase site
    exports or charges by ``runpp_3ph`` (:func:`protv2g.flow.study.flow_study`); None
    without requests or where a scenario has no block of its own (a day's)."""
    if not requests:
        return None
    if study.model is not None:
        got = dss_flow(study, requests)
        if got is None:
            return None
        res, keys, base_of = got
        return res.buses, res.branches, keys, base_of  # type: ignore[attr-defined]
    import pandas as pd

    from protv2g.flow.study import branch_table, bus_table, fill_unbalanced

    cols = [sc for scs in requests for sc in scs]
    v2g, lf, p_mw, der, res = _pp_solve(study, cols)
    net = v2g.net  # type: ignore[attr-defined]
    n = len(cols)
    scen = np.array([f"cf{j}" for j in range(n)], dtype=object)
    step, time_h = np.zeros(n, dtype=int), np.full(n, np.nan)
    buses = bus_table(net, res, scen, step, time_h, np.arange(n))
    branches = branch_table(net, res, scen, step, time_h)
    fill_unbalanced(v2g, lf, p_mw, [], buses, pd.DataFrame(), branches, {"notes": []}, der)
    keys, start = [], 0
    for scs in requests:
        keys.append([str(k) for k in scen[start:start + len(scs)]])
        start += len(scs)
    return buses, branches, keys, {str(k): "" for k in scen}
