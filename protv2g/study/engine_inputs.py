"""Translate a study and its scenarios into the fault engine's inputs.

Choices (also in ``scenarios.py`` and ``docs/charger-fault-model.md``):

* a site that exports in a scenario is one fault source whose rating is the **kVA of its
  chargers online** (``n_online × s_charger_kva``), with its export as the pre-fault active
  power; its first-cycle limit is ``limit_pu``, then its control law (``fault_law``, from
  ``angle_rule`` when absent) at ``sustained_limit_pu`` with IEEE 1547-2018 momentary cessation
  and voltage trips of its ``ride_through_category`` (overridden by ``voltage_trip``,
  ``cessation_below_pu``);
* a site that does not export in a scenario (idle, the base case, or ``modes`` without
  ``exporting``) injects no fault current;
* a single-phase fleet is represented in the sequence networks by its balanced
  positive-sequence equivalent (the same kVA spread over the three phases); its unbalance
  shows in the power flow.
"""

from __future__ import annotations

from protv2g.engine import ChargerSource, DeviceTerminal
from protv2g.engine.ride_through import CATEGORY_CESSATION_PU, trip_elements
from protv2g.scenarios import Scenario, SiteState
from protv2g.study.loader import Study
from protv2g.study.schema import V2GSite
from protv2g.units import ChargerMode

__all__ = ["device_terminals", "charger_sources", "site_source", "fault_scenarios"]


def device_terminals(study: Study) -> list[DeviceTerminal]:
    """One engine terminal per study device, in study order."""
    return [DeviceTerminal(name, site.element, site.element_index, site.bus)
            for name, site in study.device_sites.items()]


def site_source(site: V2GSite, bus: int, state: SiteState) -> ChargerSource | None:
    """The fault source of ``site`` in ``state`` (``None`` when it injects nothing).

    Examples
    --------
    >>> # 48 online 125 kVA chargers exporting 1.5 MW: a 6 MVA source with 1.5 MW pre-fault
    >>> src = site_source(depot, bus, SiteState("depot", ChargerMode.EXPORTING, 1500.0,
    ...                   1500.0, 6000.0, 48.0))  # doctest: +SKIP
    >>> src.s_rated_mva, src.p_pre_mw  # doctest: +SKIP
    (6.0, 1.5)
    """
    if not site.can_export or state.mode is not ChargerMode.EXPORTING or state.p_export_kw <= 0:
        return None
    n_online = (state.n_online if state.n_online is not None
                else state.p_available_kw / site.p_charger_kw)
    cessation = (site.cessation_below_pu if site.cessation_below_pu is not None
                 else CATEGORY_CESSATION_PU[site.ride_through_category])
    return ChargerSource(
        name=site.name, bus=bus, s_rated_mva=n_online * site.charger_kva / 1000.0,
        limit_pu=site.limit_pu, sustained_limit_pu=site.sustained_limit, law=site.law,
        angle_rule=site.angle_rule, control=site.control, mode=ChargerMode.EXPORTING,
        p_pre_mw=state.p_export_kw / 1000.0, k2=site.k2, k_factor=site.k_factor,
        deadband_pu=site.k_deadband_pu,
        trip=trip_elements(site.ride_through_category, site.voltage_trip.model_dump()),
        cessation_below_pu=cessation)


def charger_sources(study: Study, scenario: Scenario) -> tuple[ChargerSource, ...]:
    """The sites that inject fault current in ``scenario`` (exporting sites only)."""
    sites = {s.name: s for s in study.document.v2g_sites}
    out = []
    for state in scenario.sites:
        src = site_source(sites[state.site], study.site_buses[state.site], state)
        if src is not None:
            out.append(src)
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
