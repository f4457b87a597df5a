"""Scenario axes of a study: export level × participation × load level, plus the base case.

Conventions (what a protection engineer would expect; stated in the report):

* A site's chargers that take part are plugged in and online: ``n_online = participation
  fraction × n_chargers`` (an expected count, not rounded). They cap what the site can
  export (``n_online × p_charger_kw``) and, in a fault, **their kVA rating sizes the source**
  (``n_online × s_charger_kva``, :mod:`protv2g.study.engine_inputs`); the export setpoint
  only sets the pre-fault current. A site exporting little from many online chargers is a
  large fault source in the first cycle.
* An export level is what the site is asked to export (kW, whole site), capped as above.
* ``modes`` is honoured: a site whose ``modes`` lack ``exporting`` never exports — it is idle in
  every export scenario, has no chargers online for V2G and injects no fault current.
* Snapshot scenarios are the export window: the plug-in window and state-of-charge reserve of
  a site's ``day`` shape its 96-step day (flow), not the participation fractions.
* The base case has no V2G (every site idle, nothing online) and is always run.
* Charging snapshots (:func:`charging_scenarios`, flow only, for C8): ``charging/<participation>``
  at peak load, every participating charger of each site that can charge importing at its
  rating, existing DER off — unless every such site's charging is covered by the 96-step day.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from protv2g.study.schema import StudyDocument, V2GSite
from protv2g.units import ChargerMode, LoadLevel, Participation

#: Name prefix of the charging snapshots (:func:`charging_scenarios`).
CHARGING_SNAPSHOT_PREFIX = "charging/"
#: ``Scenario.export_level`` of the charging snapshots (:func:`charging_scenarios`).
CHARGING_EXPORT_LEVEL = "charging"
#: Name prefix of the sites' 96-step day scenarios (:func:`protv2g.flow.blocks`'s day blocks:
#: charging, export and idle steps in one scenario).
DAY_SCENARIO_PREFIX = "day/"
#: The charging snapshots' base case: the same peak load with the existing DER off and no site
#: charging or exporting (review s18: compared with ``base/peak``, DER on, the load the PV
#: hides was called "caused by charging" on EPRI J1).
DER_OFF_BASE = "base/der_off"


@dataclass(frozen=True)
class SiteState:
    """One site in one scenario.

    ``n_online``: chargers plugged in and online (``None``: ``p_available_kw / p_charger_kw``,
    i.e. the participating chargers).
    """

    site: str
    mode: ChargerMode
    p_export_kw: float
    p_requested_kw: float
    p_available_kw: float
    n_online: float | None = None


@dataclass(frozen=True)
class Scenario:
    """One point of the scenario axes."""

    name: str
    participation: Participation
    load_level: LoadLevel
    export_level: str
    sites: tuple[SiteState, ...]
    is_base: bool = False
    #: The V2G sites built in this scenario (``None``: every site of the study). The hosting
    #: search's one-site scenarios name their site only: a site's hosting is that site added
    #: to the feeder as it is today, the other sites not built — their own transformers
    #: (``v2g_sites[].model_transformer``) out of the fault model and the flows
    #: (:func:`protv2g.study.dss_site_transformers.transformers_out`; review rev33b W1).
    built_sites: tuple[str, ...] | None = None

    @property
    def has_v2g(self) -> bool:
        return any(s.p_export_kw > 0 for s in self.sites)

    def is_built(self, site: str) -> bool:
        """Site ``site`` is built in this scenario (its own transformer in the model);
        never in the base case (the feeder as it is today)."""
        if self.is_base:
            return False
        return self.built_sites is None or site in self.built_sites


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
                states = [site_state(s, part, requested[s.name]) for s in sites]
                if not any(st.p_export_kw > 0 for st in states):
                    continue
                scenarios.append(Scenario(f"{part.value}/{load.value}/{label}", part, load,
                                          label, tuple(states)))
    return scenarios


def site_state(site: V2GSite, participation: Participation, p_requested_kw: float
               ) -> SiteState:
    """The state of ``site`` asked to export ``p_requested_kw`` in a participation case.

    ``n_online = fraction × n_chargers``; the export is capped at ``n_online ×
    p_charger_kw``; a site whose ``modes`` lack ``exporting`` is idle with nothing online for
    V2G (hosting and any other scenario builder should use this too).
    """
    if not site.can_export:
        return SiteState(site.name, ChargerMode.IDLE, 0.0, float(p_requested_kw), 0.0, 0.0)
    n_online = site.participation.fraction(participation) * site.n_chargers
    available = n_online * site.p_charger_kw
    p = min(float(p_requested_kw), available)
    mode = ChargerMode.EXPORTING if p > 0 else ChargerMode.IDLE
    return SiteState(site.name, mode, p, float(p_requested_kw), available, n_online)


def scenario_table(scenarios: list[Scenario]) -> pd.DataFrame:
    """One row per scenario with the export of every site (``p_<site>_kw``) and its chargers
    online (``chargers_online_expected_<site>``: participation fraction × chargers, the
    expected number the model sizes the site's fault source with — not rounded, so it may be
    fractional, e.g. 0.8 × 48 = 38.4)."""
    rows = []
    for sc in scenarios:
        row = {"scenario": sc.name, "participation": sc.participation.value,
               "load_level": sc.load_level.value, "export_level": sc.export_level,
               "is_base": sc.is_base}
        for st in sc.sites:
            row[f"p_{st.site}_kw"] = st.p_export_kw
            # rounded to 1e-9 for display only: 0.8 × 48 carries float noise (38.40000000000001)
            row[f"chargers_online_expected_{st.site}"] = (
                None if st.n_online is None else round(st.n_online, 9))
        rows.append(row)
    return pd.DataFrame(rows)


def site_charging_kw(site: V2GSite, participation: Participation) -> float:
    """What ``site`` draws charging in a participation case (kW, ≥ 0): its participating
    chargers at their rating, ``fraction × n_chargers × p_charger_kw`` (the charger's
    ``p_charger_kw`` is taken as its import rating too: a bidirectional charger's rating),
    no more than its interconnection transformer's kVA; 0 when ``modes`` lack ``charging``."""
    if ChargerMode.CHARGING not in site.modes:
        return 0.0
    kw = site.participation.fraction(participation) * site.n_chargers * site.p_charger_kw
    tr = site.interconnection_transformer
    return min(kw, float(tr.sn_kva)) if tr is not None else float(kw)


def charging_scenarios(document: StudyDocument, day_sites: frozenset[str] = frozenset()
                       ) -> list[Scenario]:
    """C8's charging snapshots: ``charging/<participation>`` at peak load (load fraction 1, the
    net's own loads, as the flow's peak level), every site that can charge importing
    :func:`site_charging_kw` (``p_export_kw`` negative), existing DER off (set by the flow,
    :mod:`protv2g.flow.blocks`) — the worst case for load current through a feeder device.

    None when no site can charge, or when every site that can is in ``day_sites`` (the
    96-step day that runs covers its charging: C8 then takes the day's worst charging step).
    A snapshot charges every site that can, ``day_sites`` included (they charge at the same
    hour in the worst case).
    """
    can = [s for s in document.v2g_sites if ChargerMode.CHARGING in s.modes]
    if not can or all(s.name in day_sites for s in can):
        return []
    out = []
    for part in document.scenarios.participation:
        states = tuple(
            SiteState(s.name, ChargerMode.CHARGING, -site_charging_kw(s, part), 0.0, 0.0,
                      s.participation.fraction(part) * s.n_chargers)
            if ChargerMode.CHARGING in s.modes
            else SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0, 0.0)
            for s in document.v2g_sites)
        out.append(Scenario(f"{CHARGING_SNAPSHOT_PREFIX}{part.value}", part, LoadLevel.PEAK,
                            CHARGING_EXPORT_LEVEL, states))
    return out


def has_existing_der(study: object) -> bool | None:
    """The study's feeder has DER of its own that the charging snapshots switch off
    (:data:`DER_OFF_BASE`): an enabled OpenDSS generator, PV system or storage
    (``model.injections``), or a pandapower ``sgen``, non-slack ``gen`` or discharging
    ``storage`` in service — what :class:`protv2g.flow.opendss_der.OpenDssDer` and
    :class:`protv2g.flow.pandapower_der.PandapowerDer` scale. None when the study has neither
    (a bare context): texts then keep "existing DER off" (review rev33a F4: said on ckt24,
    which has none)."""
    model = getattr(study, "model", None)
    if model is not None:
        inj = model.injections
        return bool(len(inj) and (inj.enabled.astype(bool)
                                  & inj.cls.isin(("generator", "pvsystem", "storage"))).any())
    net = getattr(study, "net", None)
    if net is None:
        return None
    for table in ("sgen", "gen", "storage"):
        df = net[table] if table in net else None
        if df is None or not len(df):
            continue
        on = df["in_service"].astype(bool) if "in_service" in df else pd.Series(True, df.index)
        if table == "gen" and "slack" in df:
            on &= ~df["slack"].astype(bool)
        if table == "storage":
            on &= df["p_mw"].astype(float) < 0.0
        if on.any():
            return True
    return False
