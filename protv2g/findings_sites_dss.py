"""Site drivers of fault findings on an OpenDSS feeder: each counterfactual through the
phase-domain engine (:mod:`protv2g.findings_sites`).

The pandapower path solves a finding's worst fault again on the run's sequence networks
(:func:`protv2g.engine.fault_study`). An OpenDSS feeder's faults are the phase-domain
engine's (:func:`protv2g.engine.phase.phase_fault_study`), so here every candidate
finding's fault bus (by name, on the run's close-in model: ``FaultTables.close_in``), its
fault type and case, the finding's device and partner (:class:`~protv2g.engine.phase.
PhaseDevice`) and every counterfactual charger set (each site alone, removed, the row's
own scenario, every site idle: :func:`protv2g.pipeline_dss.phase_sites`) are **one** engine
call — solved as the run's own faults are (:func:`protv2g.pipeline_dss.dss_fault_frames`):

* the feeder's existing inverters (PV, storage) by the chargers' law in the maximum case
  (``existing_inverters="law"``), ceased in the minimum case, and each set's twin with them
  in its minimum case, each device row the lower of the two (:mod:`protv2g.pipeline_der_min`:
  :func:`~protv2g.pipeline_der_min.der_min_twins`, :func:`~protv2g.pipeline_der_min.
  lower_with_der`); with them, the grid alone too (:data:`~protv2g.study.engine_inputs.
  GRID_ONLY`): C7's IEC 60909 sum ``|I_grid| + |I_base − I_grid| + |I − I_base|``;
* staged (sustained limit, cessation, trips) in the low bracket and, with
  ``faults.high_bracket: sustained_limit``, the high one; device rows kept from
  :data:`~protv2g.engine.device_rows.DEVICE_ROW_MIN_A`;
* the devices' times by the checks' own function on those rows
  (:func:`protv2g.checks._times.device_times`, after a forward-directional relay's release,
  :func:`protv2g.checks.directional_release.with_release_columns`), the row's bracket's
  columns (``<time>_high_s`` for a ``high`` row, else ``<time>_low_s``).

Each counterfactual becomes a :class:`~protv2g.findings_sites_fault.Solved` and the margins,
effects and driver are :func:`~protv2g.findings_sites_fault.solved_rows`' — the same rules
and the same guard as on pandapower: where the row's own scenario solved here does not
reproduce the row (times, IEC sum or judged current to 1e-6 relative) the finding is "not
judged". A site's own transformer (``model_transformer``) stays in every counterfactual (the
V2G scenarios' model; the row's ``base_margin`` is still the bar of a ``worse`` row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._times import bracket_column, device_times
from protv2g.checks.directional_release import with_release_columns
from protv2g.checks.reach_stage import sustained_stage
from protv2g.devices.kinds import TIME_COLUMNS
from protv2g.engine.device_rows import DEVICE_ROW_MIN_A
from protv2g.engine.phase import phase_fault_study
from protv2g.findings_sites_fault import Solved, same_times
from protv2g.pipeline_der_min import der_min_twins, lower_with_der
from protv2g.pipeline_dss import device_v1_pre, dss_devices, fold_fault_type, phase_sites
from protv2g.scenarios import Scenario
from protv2g.study.engine_inputs import (
    EXISTING_INVERTERS,
    GRID_ONLY,
    charger_sources,
    fault_options,
    high_bracket_sets,
)
from protv2g.study.loader import Study
from protv2g.units import Case, FaultType

__all__ = ["dss_solved"]

_KEY = ("scenario", "device", "fault_bus_name", "fault_type", "case")


def _phasors_a(frame: pd.DataFrame, pos: int, part: str = "") -> np.ndarray:
    """``(3,)`` phase current phasors (A) of row ``pos`` (``part``: ``_grid``)."""
    return np.array([1e3 * float(frame[f"i{p}{part}_ka"].iat[pos])
                     * np.exp(1j * np.deg2rad(float(frame[f"i{p}{part}_degree"].iat[pos])))
                     for p in "abc"])


def _ground_devices(study: Study) -> set[str]:
    """Devices with a ground element (as :func:`protv2g.pipeline_dss.dss_fault_frames`)."""
    return {d.name for d in study.document.devices
            if getattr(d, "ground_pickup_a", None) is not None
            or getattr(d, "ground_min_trip_a", None) is not None}


def dss_solved(study: Study, rows: Sequence[Any], cfs_of: Sequence[list[tuple[str, str,
               Scenario]]], others: Sequence[str | None]) -> list[list[Solved] | None]:
    """Each candidate row's counterfactuals solved on the OpenDSS feeder (module docstring).

    Parameters
    ----------
    study : Study
        The run's close-in study (:func:`protv2g.network.fault_positions.close_in_study`).
    rows : sequence
        The candidate violation rows (``fault_bus`` a bus name, ``fault_type`` folded:
        ``SLG-a``, ``case``, ``device``, ``bracket``).
    cfs_of : sequence of list
        Each row's counterfactuals (``(site, kind, scenario)``, the row's scenario and every
        site idle last).
    others : sequence of str or None
        Each row's partner device (or None).

    Returns
    -------
    list
        Per row, one :class:`Solved` per counterfactual, or None where the row's fault bus
        or device is not in the model.
    """
    model = study.model
    buses = set(model.buses.index.astype(str))
    devices = {d.name: d for d in dss_devices(study)}
    usable = [str(r.fault_bus) in buses and str(r.device) in devices
              and (o is None or o in devices) for r, o in zip(rows, others, strict=True)]
    if not any(usable):
        return [None] * len(rows)
    sets: dict[str, tuple] = {}
    key_of: dict[tuple, str] = {}
    set_of: list[list[str]] = []
    for ok, cfs in zip(usable, cfs_of, strict=True):
        keys = []
        for _, _, sc in cfs if ok else ():
            src = charger_sources(study, sc)
            if src not in key_of:
                key_of[src] = f"s{len(key_of)}"
                sets[key_of[src]] = src
            keys.append(key_of[src])
        set_of.append(keys)
    der = bool(model.inverters)
    bare = (GRID_ONLY,) if der else ()
    if der:
        sets[GRID_ONLY] = ()
    twins = der_min_twins(sets, set(bare)) if der else {}
    sets = {**sets, **{t: sets[k] for k, t in twins.items()}}
    high_sets = (high_bracket_sets(study, sets)
                 if study.document.faults.high_bracket == "sustained_limit" else None)
    two = high_sets is not None and (high_sets != sets or der)
    want = [r for r, ok in zip(rows, usable, strict=True) if ok]
    names = sorted({str(r.device) for r in want} | {o for o, ok in zip(
        others, usable, strict=True) if ok and o})
    res = phase_fault_study(
        model, fault_types=sorted({FaultType(str(r.fault_type).split("-")[0]) for r in want},
                                  key=list(FaultType).index),
        cases=sorted({Case(str(r.case)) for r in want}, key=list(Case).index),
        **fault_options(study), scenarios=phase_sites(study, sets),
        buses=sorted({str(r.fault_bus) for r in want}), devices=[devices[n] for n in names],
        existing_inverters="law", inverter_model=EXISTING_INVERTERS, staged=True,
        without_existing=bare, der_in_min={t: k for k, t in twins.items()},
        high_bracket=phase_sites(study, high_sets) if two else None,
        staged_device_min_a=DEVICE_ROW_MIN_A)
    table = fold_fault_type(res.device_rows(DEVICE_ROW_MIN_A))
    low = res.staged_currents("low", DEVICE_ROW_MIN_A)
    high = res.staged_currents("high", DEVICE_ROW_MIN_A) if two else (
        low if high_sets is not None else None)
    table, (low, high_l), _ = lower_with_der(table, twins, low, high,
                                             ground=_ground_devices(study))
    high = low if high is low else high_l
    from protv2g.checks._common import build_devices

    models = {n: m for n, m in build_devices(study)[0].items() if n in names}
    table, _ = with_release_columns(study, table, models, device_v1_pre(study, res, names))
    times = device_times(models, table, low, high)
    at = {tuple(str(v) for v in k): i for i, k in enumerate(
        times[list(_KEY)].itertuples(index=False, name=None))}
    out: list[list[Solved] | None] = []
    for r, o, ok, keys in zip(rows, others, usable, set_of, strict=True):
        if not ok:
            out.append(None)
            continue
        fault = (str(r.fault_bus), str(r.fault_type), str(r.case))
        grid = at.get((GRID_ONLY, str(r.device), *fault)) if der else None
        # the row's bracket; a row of both (or neither) the bracket whose all-sites times
        # are the row's (C2's fuse times differ between the first cycle held and the stages)
        given = str(getattr(r, "bracket", ""))
        got = [[_solved(times, low, high, at.get((k, str(r.device), *fault)),
                        at.get((k, o, *fault)) if o else None, br, grid) for k in keys]
               for br in ((given,) if given in ("low", "high") else ("high", "low"))]
        out.append(next((g for g in got if same_times(r, g[-2])), got[0]))
    return out


def _solved(times: pd.DataFrame, low: Any, high: Any, d: int | None, o: int | None,
            br: str, grid: int | None) -> Solved:
    """One counterfactual's :class:`Solved` from the device-times table's rows ``d`` (the
    device) and ``o`` (its partner); NaN where the device has no row (under 1 A)."""
    nan = float("nan")
    if d is None:
        return Solved(nan, nan, nan, {}, {}, np.full(3, np.nan + 0j), {})

    def of(i: int) -> dict[str, float]:
        return {k: float(times[bracket_column(k, br)].iat[i]) for k in TIME_COLUMNS}

    ip, ig = float(times["i_phase_a"].iat[d]), float(times["i_ground_a"].iat[d])
    stages = {"phase0": ip, "ground0": ig}
    pair = []
    for name, st in (("low", low), ("high", high)):
        got = sustained_stage(st, np.array([d]), np.array([ip]), np.array([ig]))
        if got is not None:
            stages[f"phase1{name}"], stages[f"ground1{name}"] = float(got[0][0]), float(
                got[1][0])
            pair.append(got)
    if len(pair) == 2:  # C5 judges the worse (lower) bracket's sustained stage
        stages["phase1"] = float(min(pair[0][0][0], pair[1][0][0]))
        stages["ground1"] = float(min(pair[0][1][0], pair[1][1][0]))
    s = Solved(ip, ig, nan if o is None else float(times["i_phase_a"].iat[o]), of(d),
               {} if o is None else of(o), _phasors_a(times, d), stages)
    if grid is not None:
        s.grid_abc_a = _phasors_a(times, grid)
    return s
