"""Checks and findings of variants of one study, for the recommendation search.

A variant is the study with some setting changes applied (:func:`.apply.apply_to_study`);
its checks are re-run on the study's own fault and flow tables (settings do not change them)
and grouped into findings (:func:`protv2g.findings.build_findings`), memoised per set of
changes. Also here: a finding's identity across re-runs, its active (fail, warn) findings,
and how a candidate's findings compare with the current ones (cleared, new, worse). Used by
:mod:`protv2g.recommend.search`.

Every candidate's checks are re-run in full. Session 37's partial re-runs (only the rows a
change can move, the others kept from the run the candidate was made from) were removed in
session 38: on EPRI ckt5 and J1 they saved no CPU against the full re-runs and held more
memory (``benchmarks/README.md``, recommend); a candidate's time there is the checks that
read every device on the sites' paths (C6 above all), which a partial re-run pays too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks import run_checks
from protv2g.finding_ids import study_finding_ids, with_kept_ids
from protv2g.findings import PAIR_CRITERIA, Findings, build_findings
from protv2g.recommend.apply import apply_to_study
from protv2g.recommend.candidates import Change
from protv2g.recommend.change import Family
from protv2g.recommend.effects import _STATUS_RANK, _effects, _worse  # noqa: F401
from protv2g.recommend.saving import no_range, saved_rows, saving_lost
from protv2g.scenarios import Scenario, scenario_table
from protv2g.study.loader import Study

_ACTIVE = ("fail", "warn")

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
    """

    study: Study
    device_faults: Any
    flow: Mapping[str, pd.DataFrame] | None
    scenarios: list[Scenario]
    n_runs: int = 0
    seconds: float = 0.0
    _cache: dict[tuple, Findings] = field(default_factory=dict)
    #: per memo key: the changes re-checked — the one record of what the search tried
    #: (:func:`.link_note.link_runs` reads it)
    ran: dict[tuple, tuple[Change, ...]] = field(default_factory=dict)
    #: per memo key: the fuse-saving rows that pass, per kind of fault
    #: (:func:`.saving.saved_rows` ``by_kind``)
    _saved: dict[tuple, Mapping] = field(default_factory=dict)
    #: per memo key: the pairs and kinds of fault with no fuse-saving range (.saving.no_range)
    _no_range: dict[tuple, frozenset] = field(default_factory=dict)
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
            v, coord = run_checks(study, self.faults_for(changes), self.flow, self.scenarios)
            # numbered as the run's report numbers them (ids a study made by --apply
            # keeps, rev43c F5)
            self._cache[key] = with_kept_ids(
                build_findings(v, scenario_table(self.scenarios), coord),
                study_finding_ids(self.study.document))
            self.ran[key] = tuple(changes)
            self._saved[key] = saved_rows(coord, by_kind=True)
            self._no_range[key] = no_range(v)
            self.n_runs += 1
            self.seconds += time.perf_counter() - t0
        return self._cache[key]

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

    def saved(self, changes: Sequence[Change] = (), by_kind: bool = False) -> Mapping:
        """``{(recloser, fuse): (rows saved, least margin s)}`` with ``changes`` applied;
        ``by_kind``: keyed ``(recloser, fuse, "phase" | "ground")``."""
        self.findings(changes)
        kinds = self._saved[self.key(changes)]
        if by_kind:
            return kinds
        out: dict[tuple[str, str], tuple[int, float]] = {}
        for (r, f, _), (n, m) in kinds.items():
            n0, m0 = out.get((r, f), (0, np.inf))
            out[(r, f)] = (n0 + n, min(m0, m))
        return out

    def saving_lost(self, accepted: Sequence[Change], change: Change) -> list[str]:
        """:func:`.saving.saving_lost` of ``change`` on top of ``accepted``; ``[]`` for a
        change to no fast shot (it gives up fuse saving by design, tried last and said so:
        :func:`.practice.practice_notes`)."""
        if change.field == "n_fast" and change.new == 0:
            return []
        done, with_it = self.key(accepted), self.key([*accepted, change])
        return saving_lost(self.saved(accepted, by_kind=True),
                           self.saved([*accepted, change], by_kind=True),
                           self._no_range[done], self._no_range[with_it])
