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

Balanced flows only: a study with a single-phase site or an asymmetric load/sgen in its net
has its device currents from ``runpp_3ph`` (the largest phase), which is not re-solved here
(:func:`flow_currents_a` returns None; the finding stays "not judged").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from protv2g.flow.powerflow import FlowArrays, FlowSolver
from protv2g.flow.watch import WatchPoint, watch_points
from protv2g.network.site_transformer import with_site_transformers
from protv2g.scenarios import Scenario
from protv2g.study.loader import Study
from protv2g.units import LoadLevel

__all__ = ["flow_currents_a"]


def _balanced(study: Study) -> bool:
    """The run's flow solved this study's device currents balanced (no ``runpp_3ph``)."""
    if any(s.phases == 1 for s in study.document.v2g_sites):
        return False
    net = study.net
    return not any(t in net and len(net[t]) and bool(net[t].in_service.any())
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


def flow_currents_a(study: Study, requests: Sequence[tuple[str, Sequence[Scenario]]]
                    ) -> list[np.ndarray] | None:
    """Each request's device current (A) in each of its static scenarios, all requests in one
    flow solve (module docstring).

    Parameters
    ----------
    study : Study
        A pandapower feeder's study (as loaded: its sites' transformers are added here as the
        run's flow adds them).
    requests : sequence of (device, scenarios)
        A device watched by the flow and the scenarios (static: one step each) to solve it in.

    Returns
    -------
    list of numpy.ndarray or None
        Per request, ``(len(scenarios),)`` currents, A (NaN for a device the flow does not
        watch); None for an OpenDSS feeder or a study whose flow is three-phase
        (:func:`_balanced`), or without requests.
    """
    if study.model is not None or not requests or not _balanced(study):
        return None
    v2g = with_site_transformers(study)
    sites = list(v2g.site_buses)  # type: ignore[attr-defined]
    light = float(study.document.scenarios.light_load_fraction)
    cols = [sc for _, scs in requests for sc in scs]
    lf = np.array([1.0 if sc.load_level is LoadLevel.PEAK else light for sc in cols])
    p_mw = np.zeros((len(sites), len(cols)))
    for j, sc in enumerate(cols):
        for st in sc.sites:
            p_mw[sites.index(st.site), j] = st.p_export_kw / 1000.0
    net = v2g.net  # type: ignore[attr-defined]
    res = FlowSolver(net, v2g.site_buses).solve(lf, p_mw)  # type: ignore[attr-defined]
    points = {w.name: w for w in watch_points(v2g)}
    out, start = [], 0
    for device, scs in requests:
        n = len(scs)
        w = points.get(device)
        out.append(_current_a(net, res, w)[start:start + n] if w is not None
                   else np.full(n, np.nan))
        start += n
    return out
