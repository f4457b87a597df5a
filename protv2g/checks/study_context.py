"""The checks' context of a study's results (:func:`check_context`): what
:func:`protv2g.checks.check_study` evaluates every criterion on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from protv2g.checks._common import CheckContext, build_context
from protv2g.checks.attribution import base_scenarios
from protv2g.network.fault_positions import close_in_study, has_unknown_buses
from protv2g.scenarios import Scenario
from protv2g.study.loader import Study

__all__ = ["check_context"]


def check_context(study: Study, fault_result: Any, flow_result: Any = None,
                  scenarios: Sequence[Scenario] | None = None) -> CheckContext:
    """The checks' context (:func:`protv2g.checks._common.build_context`) on the net the fault
    table was computed on, with every scenario's base case resolved.

    * A fault table with close-in positions (fault buses past the net's own, from
      :func:`protv2g.pipeline.fault_tables`) is read on the same net with close-in buses
      (:func:`protv2g.network.fault_positions.with_close_in_positions`, deterministic), so
      topology, zones and pairs include the faults just past each device.
    * Base cases are resolved for every scenario name in the fault and flow tables
      (:func:`protv2g.checks.attribution.base_scenarios`): the day and communication-loss flow
      scenarios get ``day/base``, never "".
    """
    table = fault_result if isinstance(fault_result, pd.DataFrame) else getattr(
        fault_result, "device", None)
    if (isinstance(table, pd.DataFrame) and "fault_bus" in table
            and has_unknown_buses(study.feeder, pd.unique(table["fault_bus"].to_numpy()))):
        # taken from the fault tables when solved on it (#21: 2 s to rebuild at 3,000 buses)
        study = close_in_study(study, getattr(fault_result, "close_in", None))
    ctx = build_context(study, fault_result, flow_result, scenarios)
    names = list(ctx.base_of)
    for t in ctx.flow.values():
        if "scenario" in t.columns:
            names += [str(n) for n in t["scenario"].unique() if str(n) not in names]
    return replace(ctx, base_of=base_scenarios(list(scenarios or []), names))
