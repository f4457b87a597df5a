"""Directional elements (67P, 32Q, 67N/32V, 32) and the one evaluation behind C9 and the sheet.

* :mod:`.elements`, :mod:`.impedance` — pure vectorised element physics (phasors in,
  decisions out): torque-type 67P/67N/32I/32 and impedance-type 32Q/32V;
* :mod:`.settings` — each relay's settings from the study file, with documented defaults;
* :mod:`.feeder` — a bus's voltage base on either path, the protected-line impedance on an
  OpenDSS model (from OpenDSS's ``Yprim``);
* :mod:`.true_direction` — the one definition of a fault's true direction (feeder graph);
* :mod:`.memory` — the pre-fault positive-sequence voltage (memory polarisation);
* :mod:`.decide` — a relay's control logic and the verdict on each decision;
* :mod:`.evaluate` — every element on every row of the engine's device table;
* :mod:`.sheet` — the Directional sheet and its Summary count.

Equations, defaults and sources: ``docs/directional-elements.md``.

The elements and settings are physics below every stage (the flow stage uses them); the
evaluation reads the feeder graph (:mod:`protv2g.topology`) and the engine's pre-fault state,
a later stage. So that importing the elements does not import those, the evaluation names
(:func:`evaluate_directional`, :func:`evaluate_fault_directional`, :func:`true_direction`,
:func:`true_direction_table`, :func:`prefault_v1_pu`) load from
their modules on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import Any

from protv2g.directional.decide import DIRECTIONAL_COLUMNS, MATTERS, Verdict
from protv2g.directional.elements import (
    angle_to_mta_degree,
    current_polarised_32i,
    direction_from_angle,
    ground_67n,
    phase_67p,
    quadrature_phasors,
    reverse_power_32,
    three_phase_power_mw,
)
from protv2g.directional.impedance import (
    negative_sequence_32q,
    sel_thresholds_ohm,
    sequence_impedance_ohm,
    zero_sequence_32v,
)
from protv2g.directional.protected_line import line_graph, line_z_ohm, protected_line_z_ohm
from protv2g.directional.settings import (
    DirectionalSettings,
    is_forward_directional,
    settings_from_study,
)
from protv2g.directional.sheet import SHEET_COLUMNS, directional_sheet, directional_summary

__all__ = [
    "DIRECTIONAL_COLUMNS", "SHEET_COLUMNS", "MATTERS", "Verdict", "DirectionalSettings",
    "angle_to_mta_degree", "current_polarised_32i", "direction_from_angle", "ground_67n",
    "negative_sequence_32q", "phase_67p", "quadrature_phasors", "reverse_power_32",
    "sel_thresholds_ohm", "sequence_impedance_ohm", "three_phase_power_mw", "zero_sequence_32v",
    "evaluate_directional", "evaluate_fault_directional", "prefault_v1_pu",
    "is_forward_directional", "line_graph", "line_z_ohm", "protected_line_z_ohm",
    "settings_from_study",
    "directional_sheet", "directional_summary", "true_direction", "true_direction_table",
]


_LAZY = {"evaluate_directional": "evaluate",
         "evaluate_fault_directional": "evaluate", "prefault_v1_pu": "memory",
         "true_direction": "true_direction", "true_direction_table": "true_direction"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
