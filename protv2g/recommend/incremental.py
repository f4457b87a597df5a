"""A variant's checks re-run only where its setting changes can move them.

The recommendation search re-checks every candidate on the study's fixed fault and flow
tables (:mod:`.evaluator`). A change of one device's settings cannot move most of the rows:
this module re-runs the checks on the rows it can move and takes every other row from the
check run of the variant it was made from (its *parent*: the same changes without the
candidate). Session 36 measured the full re-runs at 2,351 s for ``recommend`` on IEEE 8500
and 129 s CPU on EPRI J1's small study.

The rule (:func:`plan`; anything it does not cover is a full re-run)
-------------------------------------------------------------------
* Only changes of protective devices (``devices`` entries) are re-run in part; a V2G site's
  change (its cease-to-energise time) reaches the chargers' stages on every row: full run.
* Criteria re-run: those whose rows read a protective device's settings
  (:attr:`protv2g.criteria.Criterion.reads_settings`) less :data:`SETTING_FREE` — C7 (the
  interrupting rating against the fault current, :mod:`protv2g.checks.duty`) and C12 (bus
  voltages, branch loading, the model's regulators and capacitors, :mod:`protv2g.checks.flow`)
  read no setting the search moves; C11 reads none (its ``reads_settings`` is False). A
  relay's ``reclose_intervals_s`` is its breaker's reclosing, read by C10 alone
  (:data:`protv2g.checks._common._NOT_MODEL_BY_KIND`; a recloser's is part of its model:
  the general rule): C10 only.
* Rows re-run of those criteria, with ``S`` the changed devices: every row whose ``device``
  or ``other_device`` is in ``S`` (C5 reads its own device's pickups, C8 its pickups against
  its load, C9 its directional elements, C10 its reclosing); and, for the *path criteria*
  (:data:`PATH_CRITERIA`: C1–C6), every row at a fault bus that a device of ``S`` lies
  on a path to (:func:`protv2g.topology.device_chains`, from any source): a pair is judged at
  a fault only where no device nearer the fault clears it first
  (:func:`protv2g.checks.pairs.cleared_nearer`: a changed time of ``S`` moves the rows of the
  pairs behind it), and C6's clearing device is the first on the substation's path that
  operates (:mod:`protv2g.checks.sympathetic`). (The first version of this rule kept the
  pairs of ``S`` only: on the aggregated-fleet example FU-A-LAT 65K → 50K left 3 coordination
  rows the full run drops — the test caught it.)
* Those rows are evaluated by :func:`protv2g.checks.check_study` (``only`` the criteria
  above) on the fault table's rows of the devices they read (:func:`needed_devices`): the
  path criteria on the rows of every device on a path to those fault buses (the pairs there,
  the clearing devices and the candidates fed back among them), the others in a second run
  on the rows of ``S`` alone. The topology — pairs, zones,
  paths — does not depend on settings and is the same whole-feeder topology (the study's
  device locations do not change), so these rows are the full run's.
* The coordination table likewise: its rows of a pair with a device of ``S`` or at those
  fault buses re-run, the others kept.

What differs from a full run: the order of rows within one (criterion, status, scenario) (the
findings do not read it, except to break a tie between two worst rows), and the
``bus_group`` numbers (:mod:`protv2g.checks.row_groups`; the per-bus tables are not kept by
the search, and the findings it builds do not read them). ``tests/test_recommend_incremental.py``
compares the two for every candidate of the shipped examples' searches and of EPRI J1's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._compact import compact_violations
from protv2g.checks._row_frames import sort_rows, take_columns
from protv2g.criteria import CATALOGUE
from protv2g.units import DeviceKind

__all__ = ["PAIR_CRITERIA", "PATH_CRITERIA", "SETTING_FREE", "CheckRun", "Plan", "Topology",
           "merged", "moved", "needed_devices", "plan", "restrict", "splice"]

#: Criteria whose rows read no protective-device setting the search moves, though their
#: catalogue entry says they read settings (module docstring): kept from the parent run.
SETTING_FREE = frozenset({"C7", "C12"})

#: Criteria re-run for a change of a device's settings (module docstring).
_RERUN = frozenset(c.id for c in CATALOGUE.values() if c.reads_settings) - SETTING_FREE
#: Fields read by C10 alone on a relay (its breaker's reclosing).
_C10_ONLY_RELAY = frozenset({"reclose_intervals_s"})


@dataclass(frozen=True)
class CheckRun:
    """The raw result of one check run: ``violations`` and ``coordination``
    (:func:`protv2g.checks.run_checks`)."""

    violations: pd.DataFrame
    coordination: pd.DataFrame


@dataclass(frozen=True)
class Plan:
    """What a variant re-runs: ``devices`` changed (``S``), the ``criteria`` re-run."""

    devices: frozenset[str]
    criteria: frozenset[str]


def plan(changes: Sequence[Any], devices: Iterable[Any]) -> Plan | None:
    """The part of the checks ``changes`` (:class:`~protv2g.recommend.change.Change`) can
    move (module docstring), or None for a full run.

    Parameters
    ----------
    changes : sequence of Change
        The candidate's changes (not its parent's).
    devices : iterable of DeviceSpec
        The study document's devices (their kinds).
    """
    if not changes or any(c.section != "devices" for c in changes):
        return None
    kinds = {d.name: d.kind for d in devices}
    names = frozenset(c.name for c in changes)
    if any(n not in kinds for n in names):
        return None
    fields = {f for c in changes for f, _, _ in c.fields}
    if fields <= _C10_ONLY_RELAY and all(kinds[n] is DeviceKind.RELAY for n in names):
        return Plan(names, frozenset({"C10"}))
    return Plan(names, _RERUN)


class Topology:
    """The setting-independent facts :func:`needed_devices` and :func:`moved` read, from a
    check context of the study (``ctx``: :func:`protv2g.checks.check_context`): which device
    lies on a path (:func:`protv2g.topology.device_chains`, from any source) to which fault
    bus."""

    def __init__(self, ctx: Any) -> None:
        ch = ctx.chains
        on = pd.DataFrame({"fault_bus": ch["fault_bus"].to_numpy(),
                           "device": ch["device"].astype(str).to_numpy()}).drop_duplicates()
        self.on_path = on.reset_index(drop=True)
        self.bus_name = ctx.bus_name

    def buses(self, names: frozenset[str]) -> np.ndarray:
        """Fault buses (indices) with a device of ``names`` on a path to them."""
        on = self.on_path
        return np.unique(on["fault_bus"].to_numpy()[on["device"].isin(list(names))])

    def bus_names(self, names: frozenset[str]) -> frozenset[str]:
        """:meth:`buses` by name (as the violation and coordination tables give them)."""
        return frozenset(str(self.bus_name(int(b))) for b in self.buses(names))


#: Criteria whose rows at a fault read the times of every device on the paths to it: the pair
#: criteria (a pair is judged only where no device nearer the fault clears first,
#: :func:`protv2g.checks.pairs.cleared_nearer`), C5 (a device not sure to operate names the
#: backup that clears alone and its time, :mod:`protv2g.checks.reach_alone` — found by this
#: module's own partial-vs-full test on EPRI J1: R-MID's row read "nor is head-temp_sub" where
#: the full run has "head-temp_sub clears it alone in 7.78 s") and C6 (the clearing device is
#: the first on the substation's path that operates).
PATH_CRITERIA = frozenset({"C1", "C2", "C3", "C4", "C5", "C6"})


def needed_devices(p: Plan, topo: Topology) -> frozenset[str]:
    """The devices whose fault rows the re-run rows read (module docstring): ``S`` and, for
    the path criteria, every device on a path to a fault bus ``S`` lies on a path to (its
    pair partners among them)."""
    out = set(p.devices)
    if p.criteria & PATH_CRITERIA:
        on = topo.on_path
        out |= set(on["device"][on["fault_bus"].isin(topo.buses(p.devices))])
    return frozenset(out)


def moved(v: pd.DataFrame, p: Plan, buses: frozenset[str], device: str = "device",
          other: str = "other_device") -> np.ndarray:
    """Rows of violation table ``v`` (or of the coordination table, its ``primary`` and
    ``backup`` for ``device`` and ``other``) the plan re-runs (module docstring): those of
    its criteria with a device of ``S``, and those of its path criteria at ``buses`` (names:
    the fault buses ``S`` lies on a path to)."""
    if not len(v):
        return np.zeros(0, dtype=bool)
    crit = v["criterion"].astype(str).to_numpy()
    names = list(p.devices)
    mine = (v[device].astype(str).isin(names).to_numpy()
            | v[other].astype(str).isin(names).to_numpy())
    paths = p.criteria & PATH_CRITERIA
    if paths and buses:
        mine |= np.isin(crit, list(paths)) & v["fault_bus"].astype(str).isin(
            list(buses)).to_numpy()
    return np.isin(crit, list(p.criteria)) & mine


def restrict(fault_result: Any, devices: frozenset[str]) -> Any:
    """``fault_result`` (a device table or :class:`~protv2g.pipeline.FaultTables`) on the
    rows of ``devices`` only (the stages under the same rows)."""
    import dataclasses

    from protv2g.checks.distinct_blocks import _take

    table = fault_result if isinstance(fault_result, pd.DataFrame) else fault_result.device
    rows = np.flatnonzero(table["device"].astype(str).isin(list(devices)).to_numpy())
    if isinstance(fault_result, pd.DataFrame):
        return _take(fault_result, rows)
    change: dict[str, Any] = {"device": _take(table, rows)}
    low, high = fault_result.staged, fault_result.staged_high
    if low is not None:
        change["staged"] = low.take(rows)
    if high is not None:
        change["staged_high"] = change["staged"] if high is low else high.take(rows)
    return dataclasses.replace(fault_result, **change)


def splice(parent: CheckRun, new: CheckRun, p: Plan, buses: frozenset[str]) -> CheckRun:
    """The parent's rows the plan does not re-run, and the re-run ones from ``new``, in the
    checks' order (criterion, status, scenario); the coordination table likewise."""
    v = pd.concat([_as_objects(parent.violations[~moved(parent.violations, p, buses)]),
                   _as_objects(new.violations[moved(new.violations, p, buses)])],
                  ignore_index=True)
    if len(v):
        v = take_columns(v, sort_rows(v.criterion, v.status, v["scenario"]))
    v.index = pd.RangeIndex(len(v))
    v = compact_violations(v)
    pc, nc = parent.coordination, new.coordination
    if p.criteria & PAIR_CRITERIA and len(nc) and {"primary", "backup"} <= set(nc.columns):
        coord = pd.concat([_as_objects(pc[~moved(pc, p, buses, "primary", "backup")]),
                           _as_objects(nc[moved(nc, p, buses, "primary", "backup")])],
                          ignore_index=True)
    else:
        coord = pc
    return CheckRun(v, coord)


def merged(runs: Sequence[CheckRun]) -> CheckRun:
    """The rows of ``runs`` (check runs of disjoint criteria) as one run."""
    if len(runs) == 1:
        return runs[0]
    v = pd.concat([_as_objects(r.violations) for r in runs], ignore_index=True)
    coords = [r.coordination for r in runs if len(r.coordination)]
    coord = (pd.concat([_as_objects(c) for c in coords], ignore_index=True) if len(coords) > 1
             else coords[0] if coords else runs[0].coordination)
    return CheckRun(v, coord)


#: The criteria of the coordination table.
PAIR_CRITERIA = frozenset({"C1", "C2", "C3", "C4"})


def _as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its categorical columns as objects (two frames' categories differ)."""
    out = frame.copy(deep=False)
    for c in out.columns:
        if isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object)
    return out
