"""``run_study``: the one pipeline behind scripts, the CLI and batch runs.

study → scenarios → fault engine → (flow, checks: later stages) → :class:`StudyResult`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from protv2g.checks import run_checks
from protv2g.checks.duty import device_duty_table
from protv2g.directional import evaluate_fault_directional
from protv2g.engine import fault_study
from protv2g.errors import InputError, Issue
from protv2g.flow import flow_study
from protv2g.gate import gate_verdict
from protv2g.hosting import hosting_capacity
from protv2g.report.feeder_graph import feeder_tables
from protv2g.result import StudyResult
from protv2g.scenarios import Scenario, build_scenarios, scenario_table
from protv2g.study.curves import CURVE_FIELDS
from protv2g.study.engine_inputs import device_terminals, fault_scenarios
from protv2g.study.loader import Study
from protv2g.study.schema import CRITERIA

_VERSIONED = ("protv2g", "pandapower", "numpy", "scipy", "pandas", "networkx", "openpyxl")


def dependency_versions() -> dict[str, str]:
    """Installed versions of protv2g and the packages its numbers depend on."""
    out = {}
    for name in _VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def input_digest(study: Study) -> str:
    """SHA-256 over the validated study document and the feeder net (first 16 hex digits)."""
    h = hashlib.sha256()
    h.update(json.dumps(study.document.model_dump(mode="json"), sort_keys=True).encode())
    for table in ("bus", "line", "trafo", "ext_grid", "load", "sgen", "switch", "shunt"):
        if table in study.net:
            h.update(study.net[table].to_csv().encode())
    return h.hexdigest()[:16]


def settings_table(study: Study) -> pd.DataFrame:
    """Every device as used: kind, place, settings, and each curve with its source."""
    rows = []
    for device in study.document.devices:
        site = study.device_sites[device.name]
        row: dict[str, Any] = {
            "device": device.name, "kind": device.kind.value, "element": site.element,
            "element_index": site.element_index,
            "bus": str(study.net.bus.at[site.bus, "name"]),
        }
        for key, value in device.model_dump(mode="json", exclude={"name", "kind",
                                                                  "location"}).items():
            row[key] = ", ".join(map(str, value)) if isinstance(value, list) else value
        sources = []
        for key in CURVE_FIELDS[type(device)]:
            name = getattr(device, key)
            if name is not None:
                curve = study.library.get(name)
                sources.append(f"{key}={curve.name}: {curve.source}")
        row["curve_sources"] = " | ".join(sources)
        rows.append(row)
    return pd.DataFrame(rows)


def _expand(frame: pd.DataFrame, key_of: dict[str, str]) -> pd.DataFrame:
    """Rows of each solved charger set, repeated for every study scenario that shares it."""
    groups = dict(tuple(frame.groupby("scenario", sort=False)))
    parts = [groups[key].assign(scenario=name) for name, key in key_of.items()]
    return pd.concat(parts, ignore_index=True)


def _run_faults(study: Study, scenarios: list[Scenario]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bus and device fault tables for every scenario (one engine call, one factorisation)."""
    doc = study.document
    sets, key_of = fault_scenarios(study, scenarios)
    check_size(study, n_fault_scenarios=len(sets), n_scenarios=len(scenarios))
    try:
        faults = fault_study(
            study.net, fault_types=doc.faults.fault_types, cases=doc.faults.cases,
            method=doc.faults.method, r_fault_ohm=doc.faults.r_fault_ohm,
            x_fault_ohm=doc.faults.x_fault_ohm, r_fault_min_ohm=doc.faults.r_fault_min_ohm,
            scenarios=sets, devices=device_terminals(study))
    except InputError as exc:
        raise InputError([_feeder_issue(study, i) for i in exc.issues]) from None
    return _expand(faults.bus, key_of), _expand(faults.device, key_of)


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


def directional_sheet(directional: pd.DataFrame) -> pd.DataFrame:
    """Rows of the Directional sheet: 67/67N decisions where the operating current is above
    pickup (the full table, 32 and below-pickup rows included, stays in
    ``StudyResult.directional``)."""
    if directional.empty:
        return directional
    keep = (directional["element"].astype(str) != "32") & (directional["below_pickup"] != True)  # noqa: E712
    return directional[keep].reset_index(drop=True)


def run_study(study: Study, *, hosting: bool = False) -> StudyResult:
    """Run every stage of a study and return its results.

    Parameters
    ----------
    study : Study
        From :func:`protv2g.load_study`. Its net is not modified.
    hosting : bool
        Also compute every site's protection hosting capacity (``tables["Hosting capacity"]``,
        a few seconds more); ``protv2g run`` does, scripts opt in.

    Returns
    -------
    StudyResult

    Example
    -------
    >>> result = run_study(load_study("feeders/depot_two_feeder/study.yaml"))  # doctest: +SKIP
    >>> result.fault_currents.head()  # doctest: +SKIP
    """
    doc = study.document
    scenarios = build_scenarios(doc)
    bus_faults, device_faults = _run_faults(study, scenarios)
    flow = flow_study(study, day=doc.scenarios.day)
    directional = evaluate_fault_directional(device_faults, study)
    violations, coordination = run_checks(study, device_faults, flow, scenarios)
    could_not = violations["message"].astype(str).str.startswith("could not evaluate")
    meta = {
        "checks": {"criteria": list(CRITERIA),
                   "errors": sorted(set(violations.loc[could_not, "message"].astype(str)))},
        "method": doc.faults.method.value,
        "engine": "protv2g sequence-network engine (sparse LU, chargers by superposition)",
        "versions": dependency_versions(),
        "input_digest": input_digest(study),
    }
    inputs = {"study_file": str(study.path), "document": doc.model_dump(mode="json")}
    base_names = {sc.name for sc in scenarios if sc.is_base}
    tables = {"Coordination": coordination,
              "Device duty": device_duty_table(study, device_faults, base_names),
              **flow.tables(),
              "Directional": directional_sheet(directional), **feeder_tables(study.net)}
    if study.feeder_warnings is not None and len(study.feeder_warnings):
        tables["Feeder warnings"] = study.feeder_warnings.reset_index(drop=True)
    hosting_table = None
    if hosting and doc.v2g_sites:
        hosting_table = hosting_capacity(study, participations=doc.scenarios.participation,
                                         load_levels=doc.scenarios.load_levels)
        tables["Hosting capacity"] = hosting_table
    result = StudyResult(
        study_name=doc.name, fault_currents=bus_faults, device_faults=device_faults,
        violations=violations, scenarios=scenario_table(scenarios),
        settings=settings_table(study), inputs=inputs, meta=meta, tables=tables, flow=flow,
        directional=directional)
    verdict = gate_verdict(study, result, hosting=hosting_table)
    return replace(result, meta={**meta, "gate": verdict})
