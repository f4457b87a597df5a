"""Scenario axes of a study: export level × participation × load level, plus the base case.

Conventions (what a protection engineer would expect; stated in the report):

* An export level is what the site is asked to export (kW, whole site). What it can export is
  capped by the chargers that take part: ``participation fraction × n_chargers × p_charger_kw``.
* The chargers that export are the ones that inject fault current: a site exporting
  ``p_export_kw`` behaves in a fault as ``p_export_kw / p_charger_kw`` chargers at their
  current limit (``limit_pu`` × rating, rating in kVA = kW at unity power factor). Idle,
  charging and ceased chargers inject no fault current. The contribution is therefore linear
  in the export level until the participation cap binds.
* The base case has no V2G export (every site idle) and is always run.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from protv2g.study.schema import StudyDocument
from protv2g.units import ChargerMode, LoadLevel, Participation


@dataclass(frozen=True)
class SiteState:
    """One site in one scenario."""

    site: str
    mode: ChargerMode
    p_export_kw: float
    p_requested_kw: float
    p_available_kw: float


@dataclass(frozen=True)
class Scenario:
    """One point of the scenario axes."""

    name: str
    participation: Participation
    load_level: LoadLevel
    export_level: str
    sites: tuple[SiteState, ...]
    is_base: bool = False

    @property
    def has_v2g(self) -> bool:
        return any(s.p_export_kw > 0 for s in self.sites)


def _level_labels(document: StudyDocument) -> list[tuple[str, dict[str, float]]]:
    """(label, requested kW per site) for each export level."""
    sc = document.scenarios
    out = []
    if sc.export_levels_fraction is not None:
        for f in sc.export_levels_fraction:
            out.append((f"{100 * f:g}%", {s.name: f * s.p_max_kw for s in document.v2g_sites}))
    else:
        levels = sc.export_levels_kw or (0.0,)
        if sc.export_levels_kw is None and document.v2g_sites:
            return [("100%", {s.name: s.p_max_kw for s in document.v2g_sites})]
        for p in levels:
            out.append((f"{p:g} kW", {s.name: p for s in document.v2g_sites}))
    return out


def build_scenarios(document: StudyDocument) -> list[Scenario]:
    """Base case first, then every export level × participation × load level with export."""
    sites = document.v2g_sites
    scenarios: list[Scenario] = []
    for load in document.scenarios.load_levels:
        base_sites = tuple(SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0) for s in sites)
        scenarios.append(Scenario(f"base/{load.value}", Participation.EXPECTED, load, "0",
                                  base_sites, is_base=True))
        for part in document.scenarios.participation:
            for label, requested in _level_labels(document):
                states = []
                for s in sites:
                    available = s.participation.fraction(part) * s.p_max_kw
                    p = min(requested[s.name], available)
                    mode = ChargerMode.EXPORTING if p > 0 else ChargerMode.IDLE
                    states.append(SiteState(s.name, mode, p, requested[s.name], available))
                if not any(st.p_export_kw > 0 for st in states):
                    continue
                scenarios.append(Scenario(f"{part.value}/{load.value}/{label}", part, load,
                                          label, tuple(states)))
    return scenarios


def scenario_table(scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per scenario with the export of every site (kW)."""
    rows = []
    for sc in scenarios:
        row = {"scenario": sc.name, "participation": sc.participation.value,
               "load_level": sc.load_level.value, "export_level": sc.export_level,
               "is_base": sc.is_base}
        for st in sc.sites:
            row[f"p_{st.site}_kw"] = st.p_export_kw
        rows.append(row)
    return pd.DataFrame(rows)
