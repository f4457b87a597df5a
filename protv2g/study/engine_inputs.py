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
* the feeder's own inverter-based sources (pandapower ``sgen`` other than motors, and
  ``storage`` while discharging) take part in every scenario's **maximum case**, base case
  included, and cease (0 A) in the minimum case, as pandapower's IEC 60909 ``calc_sc`` adds
  current sources for maximum currents only (``ChargerSource.max_case_only``; review s16 §3
  item 2). In the maximum case they follow the **chargers' default model** with their own
  rating (:data:`EXISTING_INVERTERS`, :class:`~protv2g.engine.der_model.InverterModel`:
  first cycle 1.5 pu, or the element's own ``sgen.k`` where given — IEC 60909-0's
  ``I_skPF/I_rG`` —, then active-power priority at the sustained limit of each bracket,
  1.1 / 1.2 pu, with IEEE 1547-2018 Category II trips), the same model as the OpenDSS path
  (:mod:`protv2g.engine.phase.der`). Until session 19 they were a constant ``k × I_rated``
  (1.2 where absent) held for the whole fault. Synchronous machines
  (``gen``) and ``motor`` elements are voltage sources behind their subtransient impedance in
  the sequence networks themselves (pandapower's IEC 60909 element models);
* a single-phase fleet is represented in the sequence networks by its balanced
  positive-sequence equivalent (the same kVA spread over the three phases); its unbalance
  shows in the power flow.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from protv2g.engine import ChargerSource, DeviceTerminal
from protv2g.engine.der_model import INVERTER_MODEL_SOURCE, InverterModel
from protv2g.engine.ride_through import CATEGORY_CESSATION_PU, trip_elements
from protv2g.scenarios import Scenario, SiteState
from protv2g.study.loader import Study
from protv2g.study.schema import V2GSite
from protv2g.study.schema_sites import SUSTAINED_LIMIT_DEFAULT_PU, SUSTAINED_LIMIT_HIGH_DEFAULT_PU
from protv2g.units import ChargerMode

__all__ = ["device_terminals", "fault_options", "charger_sources", "site_source", "fault_scenarios",
           "existing_der_sources", "existing_sources_table", "high_bracket_sets",
           "EXISTING_INVERTERS",
           "GRID_ONLY", "grid_only_set", "SITES_IDLE", "SITES_GRID"]

#: The feeder's own inverters as fault sources: the V2G sites' defaults (first-cycle
#: ``limit_pu``, sustained limits of both brackets, law, ride-through category), one basis
#: for both engines (review s18 rank 5; :mod:`protv2g.engine.der_model`).
EXISTING_INVERTERS = InverterModel(
    limit_pu=V2GSite.model_fields["limit_pu"].default,
    sustained_limit_pu=SUSTAINED_LIMIT_DEFAULT_PU,
    sustained_limit_high_pu=SUSTAINED_LIMIT_HIGH_DEFAULT_PU,
    category=V2GSite.model_fields["ride_through_category"].default)


def fault_options(study: Study) -> dict[str, Any]:
    """The study's ``faults`` settings as the engines' keyword arguments (``method``,
    ``r_fault_ohm``, ``x_fault_ohm``, ``r_fault_min_ohm``, ``prefault``): the same for
    :func:`protv2g.engine.fault_study` and :func:`protv2g.engine.phase.phase_fault_study`."""
    f = study.document.faults
    return dict(method=f.method, r_fault_ohm=f.r_fault_ohm, x_fault_ohm=f.x_fault_ohm,
                r_fault_min_ohm=f.r_fault_min_ohm, prefault=f.prefault)


def device_terminals(study: Study) -> list[DeviceTerminal]:
    """One engine terminal per study device, in study order (a device on a transformer of a
    close-in net measures its stub line, :attr:`DeviceSite.stub_line`)."""
    return [DeviceTerminal(name, "line", site.stub_line, site.bus)
            if getattr(site, "stub_line", -1) >= 0 else
            DeviceTerminal(name, site.element, site.element_index, site.bus)
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


def _der_rows(net: Any) -> list[tuple[str, str, int, float, float, float | None]]:
    """(element, name, bus, s_rated_mva, p_mw generated, k) of the net's inverter sources
    (``k`` the element's own ``sgen.k``, ``None`` where absent)."""
    rows = []
    if net is None:
        return rows
    sgen = getattr(net, "sgen", None)
    if sgen is not None and len(sgen):
        for i, r in sgen.iterrows():
            kind = str(r.get("type", "") or "").lower()
            if not bool(r.get("in_service", True)) or "motor" in kind:
                continue
            p_mw = float(r.get("p_mw", 0.0) or 0.0)
            s_mva = float(r.get("sn_mva", np.nan))
            s_mva = s_mva if np.isfinite(s_mva) and s_mva > 0 else abs(p_mw)
            k = float(r.get("k", np.nan)) if "k" in sgen.columns else np.nan
            if r.get("k_default") is True or r.get("k_default") == 1.0:
                k = np.nan  # the OpenDSS importer's default, not the element's own (rev41b)
            if p_mw > 0 and s_mva > 0:
                rows.append(("sgen", str(r.get("name") or f"sgen {i}"), int(r.bus), s_mva,
                             p_mw, k if np.isfinite(k) and k > 0 else None))
    storage = getattr(net, "storage", None)
    if storage is not None and len(storage):
        for i, r in storage.iterrows():
            p_mw = -float(r.get("p_mw", 0.0) or 0.0)  # pandapower: positive = charging
            s_mva = float(r.get("sn_mva", np.nan))
            s_mva = s_mva if np.isfinite(s_mva) and s_mva > 0 else abs(p_mw)
            if bool(r.get("in_service", True)) and p_mw > 0 and s_mva > 0:
                rows.append(("storage", str(r.get("name") or f"storage {i}"), int(r.bus), s_mva,
                             p_mw, None))
    return rows


def existing_der_sources(net: Any) -> tuple[ChargerSource, ...]:
    """The feeder's own inverter-based sources as fault sources (module docstring).

    Parameters
    ----------
    net : pandapowerNet or None

    Returns
    -------
    tuple of ChargerSource
        Named ``"<element>:<name>"``; :data:`EXISTING_INVERTERS` (low bracket), first-cycle
        limit ``sgen.k`` where the element gives one.
    """
    return tuple(EXISTING_INVERTERS.source(f"{el}:{name}", bus, s_mva, p_mw, limit_pu=k)
                 for el, name, bus, s_mva, p_mw, k in _der_rows(net))


def existing_sources_table(net: Any) -> pd.DataFrame:
    """The "Existing sources" table of a pandapower feeder: every machine and inverter-based
    source and how the fault runs model it (``element, name, bus, s_rated_kva, p_kw,
    model, source``: where the model's values come from)."""
    rows = [(el, name, str(net.bus.at[bus, "name"]), 1000 * s, 1000 * p,
             EXISTING_INVERTERS.describe(k),
             INVERTER_MODEL_SOURCE if k is None else
             f"sgen.k = {k:g} (the element's own); the rest {INVERTER_MODEL_SOURCE}")
            for el, name, bus, s, p, k in _der_rows(net)]
    for el in ("gen", "motor"):
        t = getattr(net, el, None)
        if t is None or not len(t):
            continue
        for i, r in t[t.in_service.astype(bool)].iterrows():
            s = float(r.get("sn_mva", np.nan))
            rows.append((el, str(r.get("name") or f"{el} {i}"), str(net.bus.at[r.bus, "name"]),
                         1000 * s, 1000 * float(r.get("p_mw", np.nan)),
                         "voltage source behind its subtransient impedance (IEC 60909-0), "
                         "every run", f"the net's {el} data (pandapower IEC 60909 model)"))
    return pd.DataFrame(rows, columns=["element", "name", "bus", "s_rated_kva", "p_kw",
                                       "model", "source"])


def charger_sources(study: Study, scenario: Scenario) -> tuple[ChargerSource, ...]:
    """The sites that inject fault current in ``scenario`` (exporting sites only), then the
    feeder's own inverter-based sources (every scenario, base case included)."""
    sites = {s.name: s for s in study.document.v2g_sites}
    out = []
    for state in scenario.sites:
        src = site_source(sites[state.site], study.site_buses[state.site], state)
        if src is not None:
            out.append(src)
    return (*out, *existing_der_sources(study.net))


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


#: Name of the charger set with no source at all that the pipeline adds when the feeder has
#: existing inverter sources: the network's voltage sources alone, the IEC 60909 maximum
#: case's network part (``I″kI``) to which every current source is added by magnitude
#: (:data:`protv2g.checks.converter_sum.GRID_COLUMNS`).
GRID_ONLY = "grid only (no existing DER, no V2G)"


#: Charger sets an engine call on a net with sites' own equipment in (the V2G scenarios' net,
#: not the base case's) adds, on either engine (:func:`protv2g.pipeline.fault_tables`,
#: :func:`protv2g.pipeline_dss.dss_fault_frames`): every charger idle (existing DER as in the
#: base case), and with existing DER the grid alone — the network's part, IEC 60909's
#: ``I″kI`` (and the existing DER's by magnitude), of a row the base case has not (a fault at
#: or a device on that equipment: a pandapower site's ``interconnection_transformer``, an
#: OpenDSS site's ``model_transformer``; review rev34c W1).
SITES_IDLE = "site equipment in, chargers idle"
SITES_GRID = "site equipment in, grid only (no existing DER, no V2G)"


def grid_only_set(sets: dict[str, tuple[ChargerSource, ...]]
                  ) -> dict[str, tuple[ChargerSource, ...]]:
    """``{GRID_ONLY: ()}`` when a set of ``sets`` holds a feeder's own inverter source
    (``max_case_only``), else ``{}``: the one extra set the maximum case's IEC 60909 sum
    needs on such a feeder (IEC 60909-0:2016 §6.9: full-size converter units are current
    sources; their contribution is added to the network's by magnitude, as pandapower's
    ``calc_sc``: ``ikss = IKSS1 + IKSS2``)."""
    if any(c.max_case_only for v in sets.values() for c in v):
        return {GRID_ONLY: ()}
    return {}


def high_bracket_sets(study: Study, sets: dict[str, tuple[ChargerSource, ...]]
                      ) -> dict[str, tuple[ChargerSource, ...]]:
    """The charger sets of :func:`fault_scenarios` in the **high** bracket of the chargers'
    contribution in time (``docs/charger-fault-model.md`` §3): each site's source with its
    sustained limit at the high end (:attr:`~protv2g.study.schema.V2GSite.sustained_limit_high`),
    everything else — first-cycle limit, law, the category's cessation and trips — as in the
    low bracket; the feeder's own inverters likewise at :data:`EXISTING_INVERTERS`' high
    sustained limit (capped at their first-cycle limit). Same keys as ``sets``."""
    sites = {s.name: s for s in study.document.v2g_sites}

    def high(src: ChargerSource) -> ChargerSource:
        site = sites.get(src.name)
        if site is None:  # the feeder's own DER ("<element>:<name>"), not a V2G site
            if not src.max_case_only:
                return src
            return replace(src, sustained_limit_pu=EXISTING_INVERTERS.limits(src.limit_pu)[2])
        return replace(src, sustained_limit_pu=site.sustained_limit_high)

    return {key: tuple(high(src) for src in sources) for key, sources in sets.items()}
