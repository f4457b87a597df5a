"""Reverse-flow engine: scenario and 96-step-day power flows and what each device sees.

Public entry point: :func:`flow_study` (``protv2g flow STUDY`` on the command line).
"""

from protv2g.flow.day import CommLossFallback, fleet_day, load_shape_fraction, site_day
from protv2g.flow.powerflow import FlowArrays, FlowSolver
from protv2g.flow.result import FlowResult, reverse_flow_summary
from protv2g.flow.study import WatchPoint, flow_study, watch_points

__all__ = [
    "CommLossFallback",
    "FlowArrays",
    "FlowResult",
    "FlowSolver",
    "WatchPoint",
    "fleet_day",
    "flow_study",
    "load_shape_fraction",
    "reverse_flow_summary",
    "site_day",
    "watch_points",
]
