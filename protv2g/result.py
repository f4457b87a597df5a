"""``StudyResult``: everything a study produced, as tidy DataFrames (nothing hidden).

Column names carry their units. The violation table's columns and statuses are defined once
in :mod:`protv2g.violations` (re-exported here) so the checks, the gate, the report and the
tests agree on them. ``to_excel`` hands the result to the report stage; the report reads a
result and never imports this module at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from protv2g.result_rows import ExpandedOnRead
from protv2g.violations import SCENARIO_COLUMNS, VIOLATION_COLUMNS, empty_violations

__all__ = ["SCENARIO_COLUMNS", "StudyResult", "VIOLATION_COLUMNS", "empty_violations"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class StudyResult:
    """Results of :func:`protv2g.run_study`.

    Attributes
    ----------
    study_name : str
    fault_currents : DataFrame
        Bus fault currents: scenario, bus, bus_name, fault_type, case, ikss_ka, ikss_degree,
        phase currents and 3I0.
    device_faults : DataFrame
        What every device sees for every fault: scenario, device, fault_bus, fault_bus_name,
        fault_type, case, Ia/Ib/Ic (kA, degrees), |3I0| (kA); the angle of 3I0, I2 (kA,
        degrees) and Va/Vb/Vc, V0, V2 (pu, degrees) only where a check reads them — a study
        with a forward-directional relay (C9), ``run_study(..., recommendations=True)`` — and
        on an OpenDSS feeder; otherwise those columns are absent (#21,
        :func:`protv2g.pipeline.fault_tables` ``phasors``).
    violations : DataFrame
        ``VIOLATION_COLUMNS``; empty when nothing was found. Its repeated text columns
        (criterion, status, scenario, device, …; all but ``message``) are categoricals of
        sorted text categories (:mod:`protv2g.checks._compact`): equal to the texts, sorted
        as they sort; ``groupby(..., observed=True)`` groups them as text columns.
    scenarios : DataFrame
        ``SCENARIO_COLUMNS`` plus one ``p_<site>_kw`` column per V2G site.
    settings : DataFrame
        Every device as used, with its curve names and their sources.
    inputs : dict
        The study document as validated (echoed in the report), plus its digest.
    meta : dict
        Method, engine, versions, digest: what a reviewer needs to reproduce the run;
        ``meta["gate"]`` is the gate's verdict (:func:`protv2g.gate.gate_verdict`), which the
        report shows as it is.
    tables : dict of DataFrame
        Further result tables by sheet name (flow, directional, coordination, …).
    directional : DataFrame
        67/67N/32 evaluated on every fault of ``device_faults`` (declared vs true direction).
    flow : FlowResult
        Scenario and 96-step-day power flows (``protv2g.flow.FlowResult``).
    idle_pairs : DataFrame or None
        C1–C4 pairs new with the project's equipment, with every charger idle.
    staged : StagedCurrents or None
        The chargers' later stages of ``device_faults`` (row by row: each stage's current
        magnitudes and times, each site's cessation and trip instants in ``staged.sites``;
        :class:`protv2g.engine.staged_tables.StagedCurrents`); None when not kept.

    Notes
    -----
    :func:`~protv2g.run_study` hands ``fault_currents``, ``device_faults`` and ``staged``
    over as each charger set's rows held once (scenarios differing only in load level have
    the same fault rows, :class:`protv2g.result_rows.HeldRows`): the first read of the field
    makes the table of every scenario and keeps it (#21, lazy36;
    :class:`protv2g.result_rows.ExpandedOnRead`). The values are those of the table of every
    scenario; a run whose readers never ask (the gate, the findings) does not make it. The
    workbook reads the device rows and stages held (:func:`protv2g.result_rows.device_rows`,
    held36): writing it leaves ``device_faults`` and ``staged`` held.
    """

    study_name: str
    # the fault tables and stages may be held once per charger set and made whole on first
    # read (#21, :mod:`protv2g.result_rows`): the same values and names as plain fields
    fault_currents: pd.DataFrame = ExpandedOnRead(required=True)  # type: ignore[assignment]
    violations: pd.DataFrame
    scenarios: pd.DataFrame
    settings: pd.DataFrame
    inputs: dict[str, Any]
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    device_faults: pd.DataFrame = ExpandedOnRead(factory=pd.DataFrame)  # type: ignore[assignment]
    directional: pd.DataFrame = field(default_factory=pd.DataFrame)
    flow: Any = None
    staged: Any = ExpandedOnRead(default=None)
    #: C1–C4 pairs the base case has not, judged with every charger idle (the site's own
    #: equipment in: :func:`protv2g.checks.equipment.idle_coordination`,
    #: ``COORDINATION_COLUMNS``); None on a study without such pairs. Read by the Pair
    #: coordination sheet and the TCC legends (the reference of a pair with no base case).
    idle_pairs: pd.DataFrame | None = None
    #: tables derived from the result's own fields alone, built on first use (:meth:`derived`);
    #: not an init field, so ``dataclasses.replace`` starts a new one
    _derived: dict[str, tuple[tuple[Any, ...], Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: str, inputs: tuple[Any, ...], build: Callable[[], _T]) -> _T:
        """``build()``, built once per result and shared by every later call with ``key``
        while the objects ``inputs`` are the same ones (``is``).

        For read-only tables that depend on the result's fields only — the findings
        (:func:`protv2g.report.derived.result_findings`: #21, built by the findings stage and
        again by the workbook, ≈ 1 s CPU and the workbook's peak at 10,000 buses). A result
        is data not to be modified in place; ``inputs`` (the fields read, e.g. a frame of
        ``tables``) make a table replaced since give a new build, not the old one. Callers
        must not modify what is returned.
        """
        held = self._derived.get(key)
        if held is not None and len(held[0]) == len(inputs) and all(
                a is b for a, b in zip(held[0], inputs, strict=True)):
            return held[1]
        out = build()
        self._derived[key] = (inputs, out)
        return out

    def __getstate__(self) -> dict[str, Any]:
        """The fields, not :meth:`derived`'s tables (a pickle or copy builds its own)."""
        return {k: v for k, v in self.__dict__.items() if k != "_derived"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _derived={})

    def to_excel(self, path: str | Path, all_tccs: bool = False) -> Path:
        """Write the coordination workbook (atomically) and return its path.

        ``all_tccs``: draw every protection path's TCC, not only those the failing findings
        link to
        (:func:`protv2g.report.excel.write_workbook`).

        Example
        -------
        >>> result.to_excel("reports/depot_two_feeder.xlsx")  # doctest: +SKIP
        """
        from protv2g.report.excel import write_workbook

        return write_workbook(self, Path(path), all_tccs=all_tccs)
