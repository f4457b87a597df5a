"""Checks and findings of variants of one study, for the recommendation search.

A variant is the study with some setting changes applied (:func:`.apply.apply_to_study`);
its checks are re-run on the study's own fault and flow tables (settings do not change them),
only where its last change can move them when the run it was made from is kept
(:mod:`.incremental`), and grouped into findings (:func:`protv2g.findings.build_findings`),
memoised per set of changes. Also here: a finding's identity across re-runs, its active
(fail, warn) findings, and how a candidate's findings compare with the current ones (cleared,
new, worse). Used by :mod:`protv2g.recommend.search`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks import check_context, check_study, run_checks
from protv2g.findings import PAIR_CRITERIA, Findings, build_findings
from protv2g.recommend import incremental as inc
from protv2g.recommend.apply import apply_to_study
from protv2g.recommend.candidates import Change
from protv2g.recommend.change import Family
from protv2g.recommend.effects import _STATUS_RANK, _effects, _worse  # noqa: F401
from protv2g.recommend.saving import saved_rows
from protv2g.scenarios import Scenario, scenario_table
from protv2g.study.loader import Study

_ACTIVE = ("fail", "warn")
#: Environment switch: ``PROTV2G_RECOMMEND_FULL=1`` re-runs every check of every candidate
#: (the path before :mod:`.incremental`; for benchmarks and debugging).
FULL_ENV = "PROTV2G_RECOMMEND_FULL"
#: Debug switch (tests): every partial re-run is compared with a full one
#: (:func:`compare_runs`), an :class:`AssertionError` on a difference; the comparisons made
#: are counted in :attr:`Evaluator.n_verified`.
VERIFY = False

#: Severity of an active finding's status (a finding with the same identity and a milder
#: status after a change has eased).


def _identity(f: pd.DataFrame) -> pd.Series:
    """A finding's identity across re-runs: criterion, device, partner, unit, mechanism."""
    partner = np.where(f["criterion"].astype(str).isin(PAIR_CRITERIA),
                       f["other_device"].astype(str), "")
    return (f["criterion"].astype(str) + "|" + f["device"].astype(str) + "|" + partner + "|"
            + f["margin_unit"].astype(str) + "|" + f["mechanism"].astype(str))


def _active(found: Findings) -> pd.DataFrame:
    """The active (fail, warn) findings keyed by identity, with ``tolerance``: that of each
    finding's worst evidence row (``evidence_first``; the row's own scatter, the
    tolerance by which the checks call a V2G row worse than its base, NaN without one)."""
    findings = found.findings
    f = findings[findings["status"].astype(str).isin(_ACTIVE)]
    ev = found.evidence
    tol = (pd.to_numeric(ev["tolerance"], errors="coerce").set_axis(ev["evidence"].to_numpy())
           if len(ev) and {"evidence", "tolerance"} <= set(ev.columns) else pd.Series(
               dtype=float))
    f = f.assign(tolerance=f["evidence_first"].map(tol).to_numpy(float)
                 if "evidence_first" in f.columns else np.nan)
    # failing evidence rows per finding: a change that turns passing rows into failing ones
    # inside a finding already failing is a side effect its worst margin does not show
    # (ver32, EPRI J1: R-MID ground 150 → 140 A failed 120 bolted LLG-ab C2 rows of F-2PH)
    if len(ev) and {"finding", "status"} <= set(ev.columns):
        n_fail = ev[ev["status"].astype(str) == "fail"].groupby("finding").size()
        f = f.assign(n_fail=f["finding"].map(n_fail).fillna(0).to_numpy(np.int64))
    else:
        f = f.assign(n_fail=0)
    return f.set_index(_identity(f)) if len(f) else f.set_index(pd.Index([], dtype=object))


def has_phasors(device_faults: Any) -> bool:
    """Whether a fault result's device table has the columns C9 reads
    (:data:`~protv2g.engine.device_columns.PHASOR_COLUMNS`; :func:`protv2g.pipeline.
    fault_tables` leaves them out where no relay is forward-directional, #21)."""
    from protv2g.engine.device_columns import PHASOR_COLUMNS

    table = device_faults if isinstance(device_faults, pd.DataFrame) else getattr(
        device_faults, "device", None)
    return isinstance(table, pd.DataFrame) and set(PHASOR_COLUMNS) <= set(table.columns)


@dataclass
class Evaluator:
    """Checks and findings of variants of one study, on its fixed fault and flow tables.

    Attributes
    ----------
    study : Study
    device_faults : FaultTables or DataFrame
        The study's fault tables (:func:`recommend`).
    flow : mapping
        Flow tables ``device``, ``bus``, ``branch`` (materialised once).
    scenarios : list of Scenario
    n_runs : int
        Check runs so far.
    n_partial : int
        Of those, the ones re-run in part (:mod:`.incremental`).
    incremental : bool
        Re-run a candidate's checks only where its changes can move them
        (:mod:`.incremental`); False (or ``PROTV2G_RECOMMEND_FULL=1``): every check.
    """

    study: Study
    device_faults: Any
    flow: Mapping[str, pd.DataFrame] | None
    scenarios: list[Scenario]
    n_runs: int = 0
    seconds: float = 0.0
    incremental: bool = field(default_factory=lambda: os.environ.get(FULL_ENV, "") != "1")
    n_partial: int = 0
    n_verified: int = 0
    _cache: dict[tuple, Findings] = field(default_factory=dict)
    #: raw check runs by memo key (:class:`.incremental.CheckRun`), the parents of partial
    #: re-runs: the study's own (key ``()``), the changes accepted so far (:meth:`pin`) and
    #: every run since they were accepted
    _raw: dict[tuple, inc.CheckRun] = field(default_factory=dict)
    _topology: Any = None
    #: per memo key: the fuse-saving rows that pass (:func:`.saving.saved_rows`)
    _saved: dict[tuple, Mapping] = field(default_factory=dict)
    #: the fault tables made again with the phasor columns (a relay made directional)
    _phasor_faults: Any = None

    @staticmethod
    def key(changes: Sequence[Change]) -> tuple:
        """Memo key of a set of changes."""
        return tuple(sorted((c.key, repr(c.fields)) for c in changes))

    def findings(self, changes: Sequence[Change] = ()) -> Findings:
        """Findings of the study with ``changes`` applied (memoised)."""
        key = self.key(changes)
        if key not in self._cache:
            t0 = time.perf_counter()
            study = apply_to_study(self.study, changes)
            run = self._partial(study, changes) if self.incremental else None
            if run is None:
                run = self.full_run(study, changes)
            else:
                self.n_partial += 1
                if VERIFY:
                    compare_runs(run, self.full_run(study, changes), changes)
                    self.n_verified += 1
            self._keep(key, run)
            v, coord = run.violations, run.coordination
            self._cache[key] = build_findings(v, scenario_table(self.scenarios), coord)
            self._saved[key] = saved_rows(coord)
            self.n_runs += 1
            self.seconds += time.perf_counter() - t0
        return self._cache[key]

    def full_run(self, study: Study, changes: Sequence[Change]) -> inc.CheckRun:
        """Every check of ``study`` (the study with ``changes`` applied)."""
        v, coord = run_checks(study, self.faults_for(changes), self.flow, self.scenarios)
        return inc.CheckRun(v, coord)

    def _keep(self, key: tuple, run: inc.CheckRun) -> None:
        self._raw[key] = run

    def pin(self, changes: Sequence[Change]) -> None:
        """``changes`` are the search's accepted changes now: the raw runs kept are the
        study's own and theirs (the parents of the next candidates); the others let go."""
        keep = {(), self.key(changes)}
        for k in [k for k in self._raw if k not in keep]:
            del self._raw[k]

    def _partial(self, study: Study, changes: Sequence[Change]) -> inc.CheckRun | None:
        """The checks of ``study`` re-run where the last of ``changes`` can move them, the
        other rows from the run of the changes before it (:mod:`.incremental`); None when
        that run is not kept or the rule does not cover the change (a full run then)."""
        if not changes:
            return None
        parent = self._raw.get(self.key(changes[:-1]))
        p = inc.plan(changes[-1:], study.document.devices)
        if parent is None or p is None:
            return None
        topo = self.topology()
        if topo is None:
            return None
        paths = p.criteria & inc.PATH_CRITERIA
        buses = topo.bus_names(p.devices) if paths else frozenset()
        table = self.faults_for(changes)
        runs = []
        # the path criteria on the rows of every device on the paths, the others on the
        # changed devices' rows alone (C5 on the head's rows, not on every device's)
        for only, devices in ((paths, inc.needed_devices(p, topo)),
                              (p.criteria - paths, p.devices)):
            if only:
                out = check_study(study, inc.restrict(table, devices), self.flow,
                                  self.scenarios, only=frozenset(only))
                runs.append(inc.CheckRun(out.violations, out.coordination))
        return inc.splice(parent, inc.merged(runs), p, buses)

    def topology(self) -> inc.Topology | None:
        """The study's :class:`.incremental.Topology` (made once; None when it cannot)."""
        if self._topology is None:
            faults = self.device_faults
            table = faults if isinstance(faults, pd.DataFrame) else getattr(faults, "device",
                                                                             None)
            if not isinstance(table, pd.DataFrame) or not len(table):
                self._topology = False
                return None
            # one device's rows: the fault buses (close-in positions) and the topology, no
            # operating times of the others
            first = frozenset({str(table["device"].iloc[0])})
            ctx = check_context(self.study, inc.restrict(faults, first), self.flow,
                                self.scenarios)
            self._topology = inc.Topology(ctx)
        return self._topology or None

    def faults_for(self, changes: Sequence[Change]) -> Any:
        """The fault tables ``changes`` are judged on: :attr:`device_faults`, or — a relay
        made directional on tables without the columns C9 reads (:func:`has_phasors`, #21:
        made only where a relay is forward-directional) — the study's tables made again
        with them, once (the same rows and values: the columns are added, never changed;
        a bare device table stays a bare device table)."""
        if has_phasors(self.device_faults) or not any(
                c.family is Family.DIRECTIONAL for c in changes):
            return self.device_faults
        if self._phasor_faults is None:
            from protv2g.pipeline import fault_tables

            tables = fault_tables(self.study, self.scenarios, phasors=True)
            self._phasor_faults = (tables.device if isinstance(self.device_faults,
                                                               pd.DataFrame) else tables)
        return self._phasor_faults

    def saved(self, changes: Sequence[Change] = ()) -> Mapping:
        """``{(recloser, fuse): (rows saved, least margin s)}`` with ``changes`` applied."""
        self.findings(changes)
        return self._saved[self.key(changes)]




def compare_runs(partial: inc.CheckRun, full: inc.CheckRun, changes: Sequence[Change] = (),
                 tol: float = 1e-12) -> None:
    """Raise :class:`AssertionError` unless a partial re-run's violation table holds the
    full run's rows (every column but ``bus_group``, the group numbers; order within equal
    rows aside) with margins within ``tol``, and its coordination table the same rows."""
    what = f"partial re-run of {[repr(c) for c in changes]}"
    for name, a, b in (("violations", partial.violations, full.violations),
                       ("coordination", partial.coordination, full.coordination)):
        a, b = _canonical(a), _canonical(b)
        if list(a.columns) != list(b.columns) or len(a) != len(b):
            raise AssertionError(f"{what}: {name} {len(a)} rows {list(a.columns)} vs full "
                                 f"{len(b)} rows {list(b.columns)}")
        for c in a.columns:
            x, y = a[c].to_numpy(), b[c].to_numpy()
            if x.dtype.kind == "f" and y.dtype.kind == "f":
                same = (np.isclose(x, y, rtol=0.0, atol=tol) | (np.isnan(x) & np.isnan(y))
                        | (x == y))
            else:
                same = np.array([str(p) == str(q) for p, q in zip(x, y, strict=True)])
            if not same.all():
                at = int(np.flatnonzero(~same)[0])
                raise AssertionError(f"{what}: {name} column {c!r} differs at row {at}: "
                                     f"{x[at]!r} vs full {y[at]!r}\n{a.iloc[at].to_dict()}\n"
                                     f"{b.iloc[at].to_dict()}")


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without ``bus_group``, its floats as floats, texts as texts, rows sorted by
    every column."""
    out = {}
    for c in frame.columns:
        if c == "bus_group":
            continue
        col = frame[c]
        if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or not (
                pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            out[c] = col.astype(str).to_numpy(dtype=object)
        else:
            out[c] = col.to_numpy(dtype=float)
    t = pd.DataFrame(out)
    if not len(t):
        return t
    texts = [c for c in t.columns if t[c].dtype == object]
    # floats rounded for the order only: a last-digit difference does not swap two rows
    key = t[texts].assign(**{f"_{c}": np.round(t[c].to_numpy(float), 9)
                             for c in t.columns if c not in texts})
    order = key.sort_values(list(key.columns), kind="stable", na_position="last").index
    return t.loc[order].reset_index(drop=True)
