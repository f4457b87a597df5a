"""Translate a study and its scenarios into the fault engine's inputs.

Choices (also in ``scenarios.py``): a site exporting ``p_export_kw`` behaves in a fault as
its exporting chargers at their current limit, i.e. a source of rating ``p_export_kw`` kVA
(unity power factor) with ``limit_pu``; a site that does not export injects no fault current.
A single-phase fleet is represented in the sequence networks by its balanced positive-sequence
equivalent (the same kVA spread over the three phases); its unbalance shows in the power flow.
"""

from __future__ import annotations

from protv2g.engine import ChargerSource, DeviceTerminal
from protv2g.scenarios import Scenario
from protv2g.study.loader import Study
from protv2g.units import ChargerMode


def device_terminals(study: Study) -> list[DeviceTerminal]:
    """One engine terminal per study device, in study order."""
    return [DeviceTerminal(name, site.element, site.element_index, site.bus)
            for name, site in study.device_sites.items()]


def charger_sources(study: Study, scenario: Scenario) -> tuple[ChargerSource, ...]:
    """The chargers that inject fault current in ``scenario`` (exporting sites only)."""
    sites = {s.name: s for s in study.document.v2g_sites}
    out = []
    for state in scenario.sites:
        if state.mode is not ChargerMode.EXPORTING or state.p_export_kw <= 0:
            continue
        site = sites[state.site]
        out.append(ChargerSource(
            name=site.name, bus=study.site_buses[site.name],
            s_rated_mva=state.p_export_kw / 1000.0, limit_pu=site.limit_pu,
            angle_rule=site.angle_rule, control=site.control, mode=ChargerMode.EXPORTING,
            p_pre_mw=state.p_export_kw / 1000.0, k2=site.k2))
    return tuple(out)


def fault_scenarios(study: Study, scenarios: list[Scenario]
                    ) -> tuple[dict[str, tuple[ChargerSource, ...]], dict[str, str]]:
    """Distinct charger sets to solve, and each study scenario's key into them.

    Scenarios that differ only in load level have the same charger set; with a flat
    pre-fault state their faults are identical, so each set is solved once.
    """
    distinct: dict[tuple[ChargerSource, ...], str] = {}
    key_of: dict[str, str] = {}
    for scenario in scenarios:
        sources = charger_sources(study, scenario)
        if sources not in distinct:
            distinct[sources] = scenario.name
        key_of[scenario.name] = distinct[sources]
    return {name: sources for sources, name in distinct.items()}, key_of
