"""``StudyResult``: everything a study produced, as tidy DataFrames (nothing hidden).

Column names carry their units. The violation table's columns and statuses are defined once
in :mod:`protv2g.violations` (re-exported here) so the checks, the gate, the report and the
tests agree on them. ``to_excel`` hands the result to the report stage; the report reads a
result and never imports this module at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from protv2g.violations import SCENARIO_COLUMNS, VIOLATION_COLUMNS, empty_violations

__all__ = ["SCENARIO_COLUMNS", "StudyResult", "VIOLATION_COLUMNS", "empty_violations"]


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
        fault_type, case, Ia/Ib/Ic, 3I0, I2 (kA, degrees), Va/Vb/Vc, V0, V2 (pu, degrees).
    violations : DataFrame
        ``VIOLATION_COLUMNS``; empty when nothing was found.
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
    """

    study_name: str
    fault_currents: pd.DataFrame
    violations: pd.DataFrame
    scenarios: pd.DataFrame
    settings: pd.DataFrame
    inputs: dict[str, Any]
    meta: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    device_faults: pd.DataFrame = field(default_factory=pd.DataFrame)
    directional: pd.DataFrame = field(default_factory=pd.DataFrame)
    flow: Any = None

    def to_excel(self, path: str | Path) -> Path:
        """Write the coordination workbook (atomically) and return its path.

        Example
        -------
        >>> result.to_excel("reports/depot_two_feeder.xlsx")  # doctest: +SKIP
        """
        from protv2g.report.excel import write_workbook

        return write_workbook(self, Path(path))
