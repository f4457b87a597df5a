"""The pipeline: study + scenarios → engine inputs → fault tables and flow tables.

The one place that turns a study and a list of scenarios into what the checks read. Every
caller goes through it — :func:`protv2g.run_study`, the hosting-capacity search, the gate
command and batch runs (through ``run_study``) — so a study gives the same numbers whichever
way it is run.

Stages
------
1. :func:`engine_inputs` — the fault engine's keyword arguments: fault settings from the
   study's ``faults`` section, one terminal per device, and the *distinct* charger sets of the
   scenarios (scenarios that differ only in load level inject the same fault current and are
   solved once).
2. :func:`fault_tables` — one :func:`protv2g.engine.fault_study` call (one factorisation per
   case) for every scenario, expanded back to one block of rows per study scenario. The
   memory the tables will take is estimated first and a study that would not fit is refused
   before any work (:func:`check_size`).
3. :func:`flow_tables` / :func:`study_flow` — the power flows of the scenarios.

A study on an OpenDSS feeder (``study.model``) takes the OpenDSS branch of stages 2 and 3,
:mod:`protv2g.pipeline_dss`: faults on each bus's own phases from OpenDSS's network, flows in
OpenDSS; the tables have the same columns (plus the phase detail).

Nothing here runs a check, decides a verdict or writes a report (those are later stages).

Example
-------
>>> study = load_study("feeders/depot_two_feeder/study.yaml")  # doctest: +SKIP
>>> scenarios = build_scenarios(study.document)  # doctest: +SKIP
>>> faults = fault_tables(study, scenarios)  # doctest: +SKIP
>>> faults.device.groupby("scenario").size()  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from protv2g.engine import fault_study
from protv2g.errors import InputError, Issue
from protv2g.flow import FlowResult, flow_study
from protv2g.scenarios import Scenario, build_scenarios
from protv2g.study.engine_inputs import device_terminals, fault_scenarios
from protv2g.study.loader import Study

__all__ = ["EngineInputs", "FaultTables", "LazyTables", "check_size", "engine_inputs",
           "fault_tables", "flow_tables", "study_flow", "FLOW_TABLES"]


@dataclass(frozen=True)
class EngineInputs:
    """What the fault engine is called with for a list of study scenarios.

    Attributes
    ----------
    options : dict
        Keyword arguments of :func:`protv2g.engine.fault_study` (fault types, cases, method,
        fault impedances, ``scenarios`` = the distinct charger sets by name, ``devices``).
    key_of : dict
        Study scenario name → the name of its charger set in ``options["scenarios"]``.
    """

    options: dict[str, Any]
    key_of: dict[str, str]


@dataclass(frozen=True)
class FaultTables:
    """Bus and device fault tables of every study scenario (``scenario`` = its name).

    Attributes
    ----------
    bus : DataFrame
        The engine's bus table (``ikss_ka``, phase currents, 3I0 …) per study scenario.
    device : DataFrame
        What every device sees for every fault (currents kA, voltages pu, angles degree).
    """

    bus: pd.DataFrame
    device: pd.DataFrame


def engine_inputs(study: Study, scenarios: Sequence[Scenario]) -> EngineInputs:
    """The fault engine's inputs for ``scenarios`` of ``study`` (see the module docstring)."""
    doc = study.document.faults
    sets, key_of = fault_scenarios(study, list(scenarios))
    options = dict(fault_types=doc.fault_types, cases=doc.cases, method=doc.method,
                   r_fault_ohm=doc.r_fault_ohm, x_fault_ohm=doc.x_fault_ohm,
                   r_fault_min_ohm=doc.r_fault_min_ohm, scenarios=sets,
                   devices=device_terminals(study))
    return EngineInputs(options, key_of)


def _expand(frame: pd.DataFrame, key_of: dict[str, str]) -> pd.DataFrame:
    """Rows of each solved charger set, repeated for every study scenario that shares it."""
    groups = dict(tuple(frame.groupby("scenario", sort=False)))
    parts = [groups[key].assign(scenario=name) for name, key in key_of.items() if key in groups]
    return pd.concat(parts, ignore_index=True) if parts else frame.iloc[:0]


def fault_tables(study: Study, scenarios: Sequence[Scenario]) -> FaultTables:
    """Bus and device fault tables for every scenario (one engine call, one factorisation).

    Raises
    ------
    InputError
        When the tables would not fit in memory (:func:`check_size`), or for bad
        short-circuit data found by the engine (re-addressed to the study's feeder).
    """
    scenarios = list(scenarios)
    if study.model is not None:  # an OpenDSS feeder: the phase-domain path
        from protv2g.pipeline_dss import dss_fault_frames

        bus, device, key_of = dss_fault_frames(study, scenarios)
        return FaultTables(_expand(bus, key_of), _expand(device, key_of))
    inputs = engine_inputs(study, scenarios)
    check_size(study, n_fault_scenarios=len(inputs.options["scenarios"]),
               n_scenarios=len(scenarios))
    try:
        faults = fault_study(study.net, **inputs.options)
    except InputError as exc:
        raise InputError([_feeder_issue(study, i) for i in exc.issues]) from None
    return FaultTables(_expand(faults.bus, inputs.key_of), _expand(faults.device, inputs.key_of))


def _feeder_issue(study: Study, issue: Issue) -> Issue:
    """An engine issue about the net, re-addressed to the study file and its feeder."""
    source = study.document.feeder
    feeder = source.pandapower_json or source.opendss or f"builtin {source.builtin}"
    return Issue(str(study.path), f"feeder ({feeder}): {issue.field}", issue.message,
                 issue.fix or "correct the feeder model")


#: Bytes per (scenario, case, fault type, device, fault bus) row of the device tables:
#: dense complex arrays (6 phasors × 16 B) plus one tidy row (~26 numbers × 8 B) and slack.
_BYTES_PER_DEVICE_ROW = 400
_BYTES_PER_BUS_ROW = 200


def check_size(study: Study, *, n_fault_scenarios: int, n_scenarios: int) -> None:
    """Fail fast, before any work, when a study's result tables would not fit in memory.

    Raises
    ------
    InputError
        Naming the sizes that multiply up and what to reduce.
    """
    doc = study.document
    n_bus = len(study.net.bus)
    per = len(doc.faults.fault_types) * len(doc.faults.cases) * n_bus
    need_b = (n_fault_scenarios * per * len(doc.devices) * _BYTES_PER_DEVICE_ROW
              + n_scenarios * per * (_BYTES_PER_BUS_ROW + len(doc.devices) * 100))
    budget_b = _memory_budget_b()
    if need_b > budget_b:
        raise InputError(Issue(
            str(study.path), "scenarios",
            f"the study needs about {need_b / 2**30:.1f} GiB for its result tables "
            f"({n_scenarios} scenarios × {n_bus} buses × {len(doc.devices)} devices × "
            f"{len(doc.faults.fault_types)} fault types × {len(doc.faults.cases)} cases), "
            f"more than the {budget_b / 2**30:.1f} GiB allowed",
            "run fewer export levels/participation/load levels, or split the study"))


def _memory_budget_b() -> int:
    """Half of the machine's physical memory (bytes)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 4 * 2**30


# --- flows ----------------------------------------------------------------------------------


def study_flow(study: Study) -> FlowResult:
    """The study's own flow scenarios (and its 96-step day when the study asks for it)."""
    return _flow(study, day=study.document.scenarios.day)


def _flow(study: Study, day: bool) -> FlowResult:
    """The flow study of the study's feeder kind (OpenDSS feeders solve in OpenDSS)."""
    if study.model is not None:
        from protv2g.pipeline_dss import dss_flow

        return dss_flow(study, day)
    return flow_study(study, day=day)


#: Flow tables by the names the checks read → attribute of :class:`~protv2g.flow.FlowResult`.
FLOW_TABLES = {"device": "devices", "bus": "buses", "branch": "branches"}


def flow_tables(study: Study, scenarios: Sequence[Scenario]) -> dict[str, pd.DataFrame] | None:
    """Power-flow tables (``device``, ``bus``, ``branch``) of arbitrary ``scenarios``.

    ``flow_study`` runs a study's own scenario axes, so scenarios that are not the study's own
    (the hosting search's export levels) are run as one variant study per exporting site
    (that site only, its levels as ``export_levels_kw``) whose scenarios are renamed to ours
    by (participation, load level, export kW). No 96-step day.

    Returns
    -------
    dict of DataFrame or None
        None when no scenario has a base case to run (the flow checks then say they could not
        be evaluated).

    Raises
    ------
    NotImplementedError
        For a scenario in which several sites export at once that is not one of the study's
        own scenarios.
    """
    scenarios = list(scenarios)
    if set(scenarios) <= set(build_scenarios(study.document)):  # the study's own axes
        res = _flow(study, day=False)
        return {k: getattr(res, v) for k, v in FLOW_TABLES.items()}

    by_site: dict[str, list[Scenario]] = {}
    for sc in scenarios:
        exporting = [st.site for st in sc.sites if st.p_export_kw > 0]
        if len(exporting) > 1:
            raise NotImplementedError("flow for scenarios with several exporting sites that "
                                      "are not the study's own scenarios")
        if exporting:
            by_site.setdefault(exporting[0], []).append(sc)
    axes = study.document.scenarios.model_dump(mode="json")
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in FLOW_TABLES}
    have_base = False
    for site, wanted in by_site.items():
        key = {(sc.participation, sc.load_level, round(_export_kw(sc), 6)): sc.name
               for sc in wanted}
        variant = study.with_updates(
            v2g_sites=[s.model_dump(mode="json") for s in study.document.v2g_sites
                       if s.name == site],
            scenarios={**axes, "export_levels_fraction": None, "day": False,
                       "export_levels_kw": sorted({_export_kw(sc) for sc in wanted}),
                       "participation": sorted({sc.participation.value for sc in wanted}),
                       "load_levels": sorted({sc.load_level.value for sc in wanted})})
        rename: dict[str, str | None] = {}
        for vs in build_scenarios(variant.document):
            if vs.is_base:
                rename[vs.name] = vs.name if not have_base else None
            else:
                rename[vs.name] = key.get((vs.participation, vs.load_level,
                                           round(_export_kw(vs), 6)))
        have_base = True
        res = _flow(variant, day=False)
        for k, attr in FLOW_TABLES.items():
            t = getattr(res, attr)
            t = t.assign(scenario=t["scenario"].map(rename))
            parts[k].append(t[t["scenario"].notna()])
    if not have_base:
        return None
    return {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}


def _export_kw(sc: Scenario) -> float:
    return float(sum(st.p_export_kw for st in sc.sites))


class LazyTables(Mapping[str, pd.DataFrame]):
    """Tables by name, computed by ``compute()`` on first access (then kept).

    The hosting search hands its flow tables to the checks this way: the real checks read
    them (C8, C12), a stand-in criterion that does not costs no power flow.

    Example
    -------
    >>> flows = LazyTables(lambda: flow_tables(study, scenarios))  # doctest: +SKIP
    """

    def __init__(self, compute: Callable[[], Mapping[str, pd.DataFrame] | None]) -> None:
        self._compute = compute
        self._tables: dict[str, pd.DataFrame] | None = None

    def _get(self) -> dict[str, pd.DataFrame]:
        if self._tables is None:
            self._tables = dict(self._compute() or {})
        return self._tables

    def __getitem__(self, key: str) -> pd.DataFrame:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())
