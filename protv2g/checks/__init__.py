"""Protection checks C1–C12 (domain.md §4) over the feeder graph.

:func:`run_checks` is the one entry point: it takes the study, the fault engine's result and
the power-flow result and returns the violation table (:data:`protv2g.result.VIOLATION_COLUMNS`)
and the coordination table (:data:`COORDINATION_COLUMNS`, every primary/backup pair evaluated).

One module per criterion family: :mod:`.coordination` (C1, C3, C4), :mod:`.recloser_fuse` (C2),
:mod:`.sensitivity` (C5), :mod:`.sympathetic` (C6), :mod:`.duty` (C7), :mod:`.load` (C8),
:mod:`.directional` (C9), :mod:`.reclosing` (C10, C11), :mod:`.flow` (C12).

Violation columns
-----------------
``criterion`` C1…C12; ``severity`` fail/warn/info; ``attribution`` new/worse/pre-existing
(against the base case of the same load level: a row whose key — criterion, fault bus, fault
type, case, device, other device — also fails in the base case is ``pre-existing``, or
``worse`` when its margin is smaller by more than 1 %/1 ms); ``scenario``; ``fault_bus`` (bus
name); ``fault_type``; ``case``; ``device`` (the device that misoperates or is checked) and
``other_device`` (the device it must coordinate with, the clearing device, or the V2G site);
``i_device_a``/``i_other_a`` (A; where there is no other device ``i_other_a`` is the reference
current: pickup for C5, base-case current for reach/duty changes, limit for C7/C8);
``t_device_s``/``t_other_s`` (s); ``margin`` (negative = violated, in the unit of ``limit``:
s for C1–C4/C6/C10, multiples of pickup for C5, kA for C7 duty, A for C8, pu for C9 and C12
voltage, MW for C11, % for C12 loading); ``limit``; ``message``.

A check that cannot be evaluated (no fault result, a device whose curve data are missing, no
engine result for a device, no flow result) yields a ``fail`` row "could not evaluate …".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, build_context, concat
from protv2g.checks.coordination import COORDINATION_COLUMNS, check_coordination, evaluate_pairs
from protv2g.checks.directional import check_directional
from protv2g.checks.duty import check_duty
from protv2g.checks.flow import check_flow
from protv2g.checks.load import check_load
from protv2g.checks.recloser_fuse import check_recloser_fuse
from protv2g.checks.reclosing import check_islanding, check_reclosing
from protv2g.checks.sensitivity import check_sensitivity
from protv2g.checks.sympathetic import check_sympathetic
from protv2g.result import VIOLATION_COLUMNS
from protv2g.scenarios import Scenario, build_scenarios
from protv2g.study.loader import Study

__all__ = ["COORDINATION_COLUMNS", "CheckContext", "build_context", "run_checks",
           "attribute", "engine_inputs"]

_KEY = ["criterion", "fault_bus", "fault_type", "case", "device", "other_device"]


def attribute(violations: pd.DataFrame, base_of: dict[str, str]) -> pd.DataFrame:
    """Fill ``attribution`` by comparing every row with the base case (see module docstring).

    Parameters
    ----------
    violations : DataFrame
        ``VIOLATION_COLUMNS``.
    base_of : dict
        Scenario → its base-case scenario ("" when unknown).
    """
    v = violations.copy()
    if v.empty:
        return v
    base = v.scenario.map(lambda s: base_of.get(s, "")).fillna("")
    is_base = (v.scenario == base) | (v.scenario == "") | (base == "")
    ref = v[v.scenario == base][[*_KEY, "scenario", "margin"]].rename(
        columns={"scenario": "_base", "margin": "_bm"})
    ref = ref.groupby([*_KEY, "_base"], dropna=False)._bm.min().reset_index()
    j = v.assign(_base=base).merge(ref, how="left", on=[*_KEY, "_base"])
    had = j._bm.notna().to_numpy() | (j._bm.isna().to_numpy() & j._base.notna().to_numpy()
                                        & _present(j, ref))
    tol = np.maximum(1e-3, 0.01 * np.abs(j._bm.to_numpy(float)))
    with np.errstate(invalid="ignore"):
        worse = j.margin.to_numpy(float) < j._bm.to_numpy(float) - tol
    att = np.where(~had, "new", np.where(worse, "worse", "pre-existing"))
    att = np.where(is_base.to_numpy(), "pre-existing", att)
    v["attribution"] = att
    return v


def _present(j: pd.DataFrame, ref: pd.DataFrame) -> np.ndarray:
    """Rows whose key exists in the base rows even with a NaN margin."""
    keys = set(map(tuple, ref[[*_KEY, "_base"]].astype(str).to_numpy()))
    return np.array([tuple(r) in keys for r in j[[*_KEY, "_base"]].astype(str).to_numpy()],
                    dtype=bool)


def run_checks(study: Study, fault_result: Any, flow_result: Any = None,
               scenarios: Sequence[Scenario] | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run C1–C12 on a study's results.

    Parameters
    ----------
    study : Study
        From :func:`protv2g.load_study` (thresholds from its ``checks`` section).
    fault_result : FaultStudyResult or DataFrame or None
        The engine's result (its ``.device`` table is used) or that table itself: columns
        ``scenario, device, fault_bus, fault_type, case, ia_ka, ib_ka, ic_ka, i3i0_ka`` and,
        for C9, the angle and voltage columns. Scenario names must match ``scenarios``.
    flow_result : mapping or object, optional
        Power-flow tables: ``device`` (scenario, step, device, i_a, p_mw, q_mvar, direction),
        ``bus`` (scenario, step, bus, vm_pu[, unbalance_percent]) and ``branch`` (scenario,
        step, element, element_index, loading_percent[, p_from_mw]); as a mapping or as
        attributes. Without it C8 and C12 are could-not-evaluate rows.
    scenarios : sequence of Scenario, optional
        Default :func:`protv2g.scenarios.build_scenarios` of the study (base case first).

    Returns
    -------
    violations : DataFrame
        ``VIOLATION_COLUMNS`` (see the module docstring), sorted by criterion.
    coordination : DataFrame
        ``COORDINATION_COLUMNS``: every primary/backup pair at every fault it is a pair for.

    Examples
    --------
    >>> from protv2g.engine import fault_study
    >>> study = load_study("feeders/depot_two_feeder/study.yaml")  # doctest: +SKIP
    >>> scenarios = build_scenarios(study.document)  # doctest: +SKIP
    >>> faults = fault_study(study.net, **engine_inputs(study, scenarios))  # doctest: +SKIP
    >>> violations, coordination = run_checks(study, faults, None, scenarios)  # doctest: +SKIP
    """
    if scenarios is None:
        scenarios = build_scenarios(study.document)
    ctx = build_context(study, fault_result, flow_result, scenarios)
    coord = evaluate_pairs(ctx) if ctx.faults is not None else pd.DataFrame(
        {c: pd.Series(dtype="object") for c in COORDINATION_COLUMNS})
    parts = [
        check_coordination(ctx, coord), check_recloser_fuse(ctx, coord), check_sensitivity(ctx),
        check_sympathetic(ctx), check_duty(ctx), check_load(ctx), check_directional(ctx),
        check_reclosing(ctx), check_islanding(ctx), check_flow(ctx),
    ]
    v = concat(parts)
    v = attribute(v, ctx.base_of)
    order = v.criterion.str[1:].astype(int) if len(v) else v.criterion
    v = v.assign(_o=order).sort_values(["_o", "severity", "scenario"], kind="stable")
    return v.drop(columns="_o").reset_index(drop=True)[VIOLATION_COLUMNS], coord


def engine_inputs(study: Study, scenarios: Sequence[Scenario]) -> dict[str, Any]:
    """Keyword arguments of :func:`protv2g.engine.fault_study` for a study's scenarios.

    Each exporting site is a grid-following source of ``p_export_kw`` kVA at ``limit_pu``
    (see :mod:`protv2g.scenarios`); idle sites inject nothing. The lead's ``run_study`` may
    build these itself; this helper keeps the checks' tests and examples runnable.
    """
    from protv2g.engine import ChargerSource, DeviceTerminal
    from protv2g.units import ChargerMode

    doc = study.document
    sites = {s.name: s for s in doc.v2g_sites}
    engine_scenarios = {}
    for sc in scenarios:
        engine_scenarios[sc.name] = [
            ChargerSource(st.site, study.site_buses[st.site], st.p_export_kw / 1000.0,
                          limit_pu=sites[st.site].limit_pu,
                          angle_rule=sites[st.site].angle_rule,
                          control=sites[st.site].control, mode=ChargerMode.EXPORTING,
                          p_pre_mw=st.p_export_kw / 1000.0, k2=sites[st.site].k2)
            for st in sc.sites if st.p_export_kw > 0]
    devices = [DeviceTerminal(n, s.element, s.element_index, s.bus)
               for n, s in study.device_sites.items()]
    f = doc.faults
    return {"fault_types": f.fault_types, "cases": f.cases, "method": f.method,
            "r_fault_ohm": f.r_fault_ohm, "x_fault_ohm": f.x_fault_ohm,
            "r_fault_min_ohm": f.r_fault_min_ohm, "scenarios": engine_scenarios,
            "devices": devices}
