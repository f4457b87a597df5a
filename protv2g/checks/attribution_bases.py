"""The base case of every scenario (:func:`base_scenarios`), against which
:func:`protv2g.checks.attribution.attribute` judges a row: the scenario without V2G of the same
load level.

Base cases of scenarios known only by name (flow scenarios of the 96-step day, its
communication-loss variant, hand-built tables) are resolved from the name: ``day/expected``
and ``day/expected/comm_loss`` → ``day/base``; a name with a load level → ``base/<level>``;
the only base case when there is one.

Examples
--------
>>> base_scenarios([], ["base/peak", "day/base", "day/firm/comm_loss", "v2g"])["day/firm/comm_loss"]
'day/base'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX, DER_OFF_BASE

__all__ = ["base_scenarios"]

_LOAD_LEVELS = ("peak", "light")


def _is_base_name(name: str) -> bool:
    parts = str(name).split("/")
    return parts[-1] == "base" or parts[0] == "base"


def _resolve(name: str, bases: Sequence[str]) -> str:
    if name in bases:
        return name
    parts = str(name).split("/")
    for k in range(len(parts) - 1, 0, -1):  # day/expected/comm_loss → day/base
        cand = "/".join(parts[:k]) + "/base"
        if cand in bases:
            return cand
    for level in _LOAD_LEVELS:
        if level in parts and f"base/{level}" in bases:
            return f"base/{level}"
    # C8's charging snapshot runs at peak load with the existing DER off
    # (protv2g.scenarios.charging_scenarios): its base is the same step without charging,
    # DER_OFF_BASE (review s18: the DER-on peak base hid the load J1's PV carries), else the
    # peak base case (s16: without one every snapshot row was "new")
    if name.startswith(CHARGING_SNAPSHOT_PREFIX):
        for base in (DER_OFF_BASE, "base/peak"):
            if base in bases:
                return base
    return bases[0] if len(bases) == 1 else ""


def base_scenarios(scenarios: Sequence[Any], names: Sequence[str]) -> dict[str, str]:
    """Scenario name → the name of its base case ("" only when none can be resolved).

    Parameters
    ----------
    scenarios : sequence of Scenario
        Study scenarios (``name``, ``load_level``, ``is_base``): a scenario's base is the base
        case of its load level.
    names : sequence of str
        Every scenario name that appears in the tables (fault, flow), including names that
        are not in ``scenarios`` (day, communication loss, hand-built).
    """
    base_by_load = {sc.load_level: sc.name for sc in scenarios if sc.is_base}
    out = {sc.name: sc.name if sc.is_base else base_by_load.get(sc.load_level, "")
           for sc in scenarios}
    bases = sorted({str(n) for n in names if _is_base_name(str(n))}
                   | set(base_by_load.values()))
    for n in names:
        if n not in out:
            out[str(n)] = _resolve(str(n), bases)
    return out
