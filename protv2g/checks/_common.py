"""Shared pieces of the checks: the evaluation context (:class:`CheckContext`, defined in
:mod:`protv2g.checks.context`) and its building, the brackets' contexts, and row builders
(device operating times: :mod:`protv2g.checks._times`).

Everything here is plain data in, plain data out. :func:`build_context` turns a study, the
engine's tidy device table and the flow tables into a :class:`CheckContext`; every check module
reads only that context and returns rows with :data:`protv2g.violations.VIOLATION_COLUMNS`,
each with a typed ``status`` (:class:`~protv2g.violations.CheckStatus`) and the unit of its
margin (``margin_unit``, by default the criterion's from :mod:`protv2g.criteria`).
What a device kind contributes (pickups, operating times) comes from
:mod:`protv2g.devices.kinds`.

Current conventions (primary amperes): a device's *phase current* is
``max(|Ia|, |Ib|, |Ic|)`` and its *ground current* ``|3I0|``, both from the engine's ``*_ka``
columns × 1000.

Brackets of the chargers' contribution (``docs/charger-fault-model.md`` §3)
------------------------------------------------------------------------
Every operating time is known in two brackets: **high** — the first-cycle current held for the
whole fault (the engine's ordinary arrays: every exporting site at its first-cycle limit) — and
**low** — through the stages (sustained limit, momentary cessation, ride-through trips;
:func:`protv2g.devices.kinds.staged_operating_times` on the pipeline's
:class:`~protv2g.engine.staged_tables.StagedCurrents`). :func:`device_times` writes both
(``t_op_low_s``, ``t_op_high_s`` … for every time column) and the active bracket's under the
plain names (``t_op_s`` …, ``high`` by default); :func:`in_bracket` gives the context of one
bracket, in which the check family functions run unchanged. Which criteria are judged in both
brackets and how the worse is chosen: :mod:`protv2g.checks.brackets`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._keys import fault_keys, keys_of
from protv2g.checks._row_frames import concat as concat
from protv2g.checks._row_frames import concat_owned as concat_owned
from protv2g.checks._row_frames import could_not as could_not
from protv2g.checks._row_frames import empty as empty
from protv2g.checks._row_frames import fmt_s as fmt_s
from protv2g.checks._row_frames import not_applicable as not_applicable
from protv2g.checks._rows import as_text, distinct_values, is_text
from protv2g.checks._times import BRACKET_TIME_COLUMNS, Bracket, bracket_column, device_times
from protv2g.checks._violation_rows import violation_rows
from protv2g.checks.context import CheckContext, from_substation, site_transformer_texts
from protv2g.checks.directional_release import DIRECTIONAL_SETTINGS as _DIRECTIONAL_SETTINGS
from protv2g.checks.directional_release import with_release_columns
from protv2g.checks.no_rows import no_rows_text
from protv2g.devices.kinds import ground_pickup_a as ground_pickup_a
from protv2g.devices.kinds import phase_pickup_a as phase_pickup_a
from protv2g.devices.kinds import spec
from protv2g.devices.models import Device, build_device
from protv2g.errors import InputError
from protv2g.scenarios import Scenario
from protv2g.study.loader import Study
from protv2g.topology import (
    device_chains,
    device_zones,
    fuse_saving_pairs,
    primary_backup_pairs,
)
from protv2g.topology_reach import StepPaths, step_paths
from protv2g.units import DeviceKind

__all__ = ["Bracket", "BRACKET_TIME_COLUMNS", "CheckContext", "build_context", "device_times",
           "site_transformer_texts",
           "from_substation", "in_bracket", "violation_rows", "could_not", "not_applicable",
           "concat_owned", "step_paths_of", "without_bracket_times"]

#: ``ctx.cache`` keys that do not depend on the bracket (kept by :func:`in_bracket`).
SHARED_CACHE = frozenset({"substation paths", "sub mask", "candidates", "bus names",
                          "beyond transformer", "step paths", "saving ranges",
                          "clearing places", "candidate rows", "pickups",
                          "directional settings"})
#: ``ctx.cache`` key of the forward-directional relays' settings (name →
#: ``DirectionalSettings``), built with the release columns (:mod:`.directional_release`,
#: which defines it: its idle tables read it).
DIRECTIONAL_SETTINGS = _DIRECTIONAL_SETTINGS

#: Columns the checks need from the engine's device table.
DEVICE_TABLE_COLUMNS = ("scenario", "device", "fault_bus", "fault_type", "case", "ia_ka",
                        "ib_ka", "ic_ka", "i3i0_ka")

#: Fields of the study-file device schema that are not settings of the device model; the
#: setting steps are what ``recommend`` moves a setting by (:mod:`protv2g.recommend.steps`),
#: kept in the document's dump so that the report's Inputs and Settings sheets list them.
_NOT_MODEL_FIELDS = {"kind", "location", "directional", "characteristic_angle_degree",
                     "interrupting_rating_basis", "rating_x_r",
                     "pickup_step_a", "ct_ratio", "pickup_step_secondary_a", "time_dial_step",
                     "multiplier_step"}
#: ... and those that are not for some kinds only: a relay's ``reclose_intervals_s`` is its
#: breaker's reclosing (read by C10), a recloser's is a model setting (#17: it was dropped, so
#: the checks used the default 0.5-2-2 s and a recloser with other than 4 shots failed to build).
_NOT_MODEL_BY_KIND = {DeviceKind.RELAY: {"reclose_intervals_s"}}


def step_paths_of(ctx: CheckContext) -> StepPaths:
    """:func:`protv2g.topology_reach.step_paths` of the context's study, walked once and kept
    in ``ctx.cache`` (#21: C5's reach zones and the pairs behind a transformer each walked
    the source trees, 0.03 s each at 10,000 buses)."""
    if "step paths" not in ctx.cache:
        ctx.cache["step paths"] = step_paths(ctx.study.feeder, ctx.study.device_sites)
    return ctx.cache["step paths"]


# ------------------------------------------------------------------ devices and times
def build_devices(study: Study) -> tuple[dict[str, Device], dict[str, str]]:
    """Device models from the study file; failures are kept as reasons, not raised."""
    out: dict[str, Device] = {}
    errors: dict[str, str] = {}
    for d in study.document.devices:
        skip = _NOT_MODEL_FIELDS | _NOT_MODEL_BY_KIND.get(d.kind, set())
        fields = {k: v for k, v in d.model_dump().items() if k not in skip}
        try:
            out[d.name] = build_device(d.kind, fields, study.library)
        except (InputError, KeyError, ValueError, TypeError) as exc:
            errors[d.name] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return out, errors


def in_bracket(ctx: CheckContext, bracket: Bracket) -> CheckContext:
    """The context with ``bracket``'s times under the plain time-column names.

    The fault table is a shallow copy (only the time columns are new arrays); the
    coordination table and cache are left to the caller (cleared: they depend on the times).

    Raises
    ------
    ValueError
        For a bracket other than ``"low"``/``"high"``.
    """
    if bracket not in ("low", "high"):
        raise ValueError(f"unknown bracket {bracket!r}; allowed: 'low', 'high'")
    if ctx.faults is None or ctx.bracket == bracket:
        return dataclasses.replace(ctx, bracket=bracket)
    f = ctx.faults
    times = {k: f[bracket_column(k, bracket)].to_numpy() for k in BRACKET_TIME_COLUMNS
             if bracket_column(k, bracket) in f.columns}
    if f.columns.has_duplicates:
        f = f.copy(deep=False)
        for k, v in times.items():
            f[k] = v
    else:  # the bracket's arrays themselves under the plain names, the other columns as
        # they are, the same index object (#21: ``f[k] = …`` copied each: the low bracket's
        # context held a third copy of its 7 time columns, ≈ 100 MiB at 10,000 buses)
        data = {c: f[c] for c in f.columns}
        data.update(times)
        f = pd.DataFrame(data, index=f.index, copy=False,
                         columns=[*f.columns, *(k for k in times if k not in f.columns)])
    return dataclasses.replace(ctx, faults=f, bracket=bracket, coordination=None,
                               cache={k: v for k, v in ctx.cache.items() if k in SHARED_CACHE})


def without_bracket_times(ctx: CheckContext) -> CheckContext:
    """The context with its fault table's per-bracket time columns (``t_op_low_s``,
    ``t_op_high_s`` … of :data:`BRACKET_TIME_COLUMNS`) dropped, the plain names (the
    context's own bracket) kept: for the criteria that run after the last reader of both
    brackets (#21: the low bracket's 7 columns, ≈ 100 MiB at 10,000 buses, were held to the
    end of the checks). A shallow copy: the same index object (:func:`protv2g.checks._keys.
    keys_of`), the same cache."""
    if ctx.faults is None:
        return ctx
    drop = [bracket_column(k, b) for k in BRACKET_TIME_COLUMNS for b in ("low", "high")]
    drop = [c for c in drop if c in ctx.faults.columns]
    if not drop:
        return ctx
    f = ctx.faults.copy(deep=False)
    for c in drop:
        del f[c]
    return dataclasses.replace(ctx, faults=f)


# ------------------------------------------------------------------ context
def _flow_tables(flow_result: Any) -> dict[str, pd.DataFrame]:
    """Flow tables by name from a mapping or an object with DataFrame attributes."""
    if flow_result is None:
        return {}
    aliases = {"device": ("device", "devices", "device_flow", "directional"),
               "bus": ("bus", "buses", "voltage", "voltages"),
               "branch": ("branch", "branches", "loading", "line", "lines"),
               "sites": ("sites", "site_flow"), "loads_vmin": ("loads_vmin",)}
    if isinstance(flow_result, Mapping):
        def get(n: str) -> Any:
            return flow_result.get(n)
    else:  # only the names read: a result's other attributes may be computed properties
        # (#21: ``FlowResult.reverse`` builds a summary of every step, twice per access here)
        def get(n: str) -> Any:
            return getattr(flow_result, n, None)
    out: dict[str, pd.DataFrame] = {}
    for key, names in aliases.items():
        for n in names:
            v = get(n)
            if isinstance(v, pd.DataFrame):
                out[key] = v
                break
    return out


def _base_map(scenarios: Sequence[Scenario], names: Sequence[str]) -> dict[str, str]:
    """Scenario → base-case scenario with the same load level."""
    base_by_load = {sc.load_level: sc.name for sc in scenarios if sc.is_base}
    out = {sc.name: base_by_load.get(sc.load_level, "") for sc in scenarios}
    bases = [n for n in names if str(n).startswith("base")]
    for n in names:  # scenarios known only by name (hand-built tables)
        if n not in out:
            out[n] = n if n in bases else (bases[0] if len(bases) == 1 else "")
    return out


def _pairs(chains: pd.DataFrame, study: Study) -> pd.DataFrame:
    """The pairs the coordination rules judge: consecutive devices on every path
    (:func:`~protv2g.topology.primary_backup_pairs`) and each recloser with the nearest fuse
    beyond fuses in series (:func:`~protv2g.topology.fuse_saving_pairs`, review s27 §1)."""
    roles = {d.name: spec(d.kind).role for d in study.document.devices}
    pairs = primary_backup_pairs(chains)
    saving = fuse_saving_pairs(chains, roles)
    return pairs if saving.empty else pd.concat([pairs, saving], ignore_index=True)


def build_context(study: Study, fault_result: Any, flow_result: Any = None,
                  scenarios: Sequence[Scenario] | None = None) -> CheckContext:
    """Gather what the checks need (see :func:`protv2g.checks.run_checks`)."""
    devices, errors = build_devices(study)
    table = fault_result if isinstance(fault_result, pd.DataFrame) else getattr(
        fault_result, "device", None)
    staged = None if isinstance(fault_result, pd.DataFrame) else getattr(
        fault_result, "staged", None)
    staged_high = None if isinstance(fault_result, pd.DataFrame) else getattr(
        fault_result, "staged_high", None)
    if not isinstance(table, pd.DataFrame) or (staged is not None
                                               and staged.n_rows != len(table)):
        staged = staged_high = None  # not aligned with this table: one bracket
    if staged_high is not None and staged_high.n_rows != len(table):
        staged_high = None
    faults = None
    directional: dict[str, Any] = {}
    if isinstance(table, pd.DataFrame):
        missing = [c for c in DEVICE_TABLE_COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"fault table lacks columns {missing}")
        faults = table.copy(deep=False)  # columns are replaced or added, never written into
        if "fault_bus_name" not in faults:
            # one name per distinct bus, not per row (#21: millions of rows at utility scale)
            codes, buses = pd.factorize(faults["fault_bus"])
            names = np.array([study.bus_name(b) for b in buses] + [None], dtype=object)
            faults["fault_bus_name"] = names[codes]  # code -1 (missing bus) → None
        for c in ("fault_type", "case"):
            # the engine's columns are texts already: kept, not copied (#21: a new column
            # of 1.8 million cells each, held through the checks at 10,000 buses)
            if not is_text(faults[c]):
                faults[c] = as_text(faults[c])
        # a forward-directional relay's elements its directional control holds back give
        # no operating time (C9's decision, review rev41a W2)
        faults, directional = with_release_columns(
            study, faults, devices, getattr(fault_result, "v1_pre_pu", None))
        faults = device_times(devices, faults, staged, staged_high)
    chains = device_chains(study.feeder, study.device_sites, study.site_buses)
    scen_list = list(scenarios or [])
    names = distinct_values(faults["scenario"]) if faults is not None else []
    names += [sc.name for sc in scen_list if sc.name not in names]
    return CheckContext(
        study=study, thresholds=study.document.checks, devices=devices, build_errors=errors,
        faults=faults, chains=chains, pairs=_pairs(chains, study),
        zones=device_zones(chains), scenarios={sc.name: sc for sc in scen_list},
        base_of=_base_map(scen_list, names), flow=_flow_tables(flow_result),
        staged=staged if faults is not None else None,
        staged_high=staged_high if faults is not None else None,
        v1_pre_pu=dict(getattr(fault_result, "v1_pre_pu", None) or {}),
        bus_faults=None if isinstance(fault_result, pd.DataFrame) else getattr(
            fault_result, "bus", None), keys=None if faults is None else fault_keys(faults),
        cache={DIRECTIONAL_SETTINGS: directional} if directional else {})


def unevaluable(ctx: CheckContext, criterion: str, names: Sequence[str]) -> pd.DataFrame:
    """Could-not-evaluate rows for devices that failed to build or have no fault result."""
    rows = []
    keys = keys_of(ctx)  # the codes' names: no pass over the rows
    have = (set() if ctx.faults is None else set(keys.names) if keys is not None
            else set(ctx.faults.device.unique()))
    # a device on a site's own transformer that none of these scenarios builds (the hosting
    # search's one-site scenarios of another site) has no rows by design (review ver33)
    from protv2g.study.dss_site_transformers import devices_never_built

    scenarios = getattr(ctx, "scenarios", None)  # a bare context (tests) has none
    study = getattr(ctx, "study", None)
    unbuilt = (devices_never_built(study, list(scenarios.values()))
               if scenarios and study is not None else set())
    for n in names:
        if n in unbuilt:
            continue
        if n in ctx.build_errors:
            rows.append(could_not(criterion, f"device {n} could not be built "
                                  f"({ctx.build_errors[n]})", device=n))
        elif ctx.faults is not None and n not in have:
            rows.append(could_not(criterion, no_rows_text(ctx, n), device=n))
    return concat(rows)
