"""The checks' evaluation context (:class:`CheckContext`, built by
:func:`protv2g.checks._common.build_context`, which re-exports it): everything the checks
read — study, thresholds, device models, the fault table, chains, pairs, zones, scenarios,
flow tables, the coordination table — and its lookups by name (device kind and settings,
buses behind a device, bus names, feeder heads, the scenario's export text, a fault's text).
:func:`from_substation` and :func:`site_transformer_texts` are what those lookups read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._keys import FaultKeys
from protv2g.checks._rows import factorize_all
from protv2g.checks._times import Bracket
from protv2g.devices.models import Device
from protv2g.engine.staged_tables import StagedCurrents
from protv2g.scenarios import DER_OFF_BASE, Scenario, has_existing_der
from protv2g.study.loader import Study
from protv2g.study.schema import Checks
from protv2g.topology import SUBSTATION, downstream_bus_sets
from protv2g.units import DeviceKind

__all__ = ["CheckContext", "from_substation", "site_transformer_texts"]


@dataclass(frozen=True)
class CheckContext:
    """Everything the checks read (built once by :func:`build_context`).

    Attributes
    ----------
    study : Study
    thresholds : Checks
        From the study file (defaults of domain.md §4 where not given).
    devices : dict
        Device name → model (:class:`OvercurrentRelay`, :class:`Recloser`, :class:`Fuse`) for
        every device that could be built.
    build_errors : dict
        Device name → reason it could not be built (missing curve data …).
    faults : DataFrame or None
        Engine device table plus ``fault_bus_name``, ``i_phase_a``, ``i_ground_a`` and the
        operating times of :func:`device_times`; ``None`` when there is no fault result.
    chains, pairs, zones : DataFrame
        From :mod:`protv2g.topology`.
    scenarios : dict
        Scenario name → :class:`~protv2g.scenarios.Scenario`.
    base_of : dict
        Scenario name → name of its base case (same load level, no V2G).
    flow : dict of DataFrame
        Power-flow tables by name (``device``, ``bus``, ``branch``); empty without a flow result.
    coordination : DataFrame or None
        Every primary/backup pair evaluated at every fault
        (:func:`protv2g.checks.coordination.evaluate_pairs`), filled in by
        :func:`protv2g.checks.run_checks` before the criteria run; None without fault results.
        With both brackets evaluated, the worse row of each pair, fault and rule, with a
        ``bracket`` column (:func:`protv2g.checks.brackets.pairs_in_brackets`).
    staged : StagedCurrents or None
        The chargers' later stages in the low bracket, row by row aligned with ``faults``
        (None: one stage, the two brackets coincide).
    staged_high : StagedCurrents or None
        The stages of the high bracket (``faults.high_bracket: sustained_limit``), aligned
        the same way; None: the high bracket is the first cycle held.
    bracket : {"high", "low"}
        The bracket whose times are under the plain time-column names of ``faults``.
    v1_pre_pu : dict
        ``(case, device bus) → V1``: the engine's pre-fault positive-sequence voltage at the
        device buses (relays' memory polarisation); empty when unknown.
    bus_faults : DataFrame or None
        The engine's bus fault table (every fault computed, ``scenario``, ``bus``,
        ``bus_name``, ``fault_type``, ``case`` …): the faults a device's row may be absent for
        (the device table keeps rows from :data:`protv2g.engine.device_rows.DEVICE_ROW_MIN_A`);
        None when the caller gave a device table only.
    keys : FaultKeys or None
        Integer codes of ``faults``' keys (:mod:`protv2g.checks._keys`), for joins on codes.
    cache : dict
        Tables computed once per study and shared by the criteria (e.g. the directional
        table, :func:`protv2g.checks.directional.directional_table`).
    """

    study: Study
    thresholds: Checks
    devices: dict[str, Device]
    build_errors: dict[str, str]
    faults: pd.DataFrame | None
    chains: pd.DataFrame
    pairs: pd.DataFrame
    zones: pd.DataFrame
    scenarios: dict[str, Scenario]
    base_of: dict[str, str]
    flow: dict[str, pd.DataFrame] = field(default_factory=dict)
    coordination: pd.DataFrame | None = None
    staged: StagedCurrents | None = None
    bracket: Bracket = "high"
    v1_pre_pu: dict[tuple[str, int], complex] = field(default_factory=dict)
    staged_high: StagedCurrents | None = None
    bus_faults: pd.DataFrame | None = None
    keys: FaultKeys | None = None
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def kind(self, name: str) -> DeviceKind:
        """Kind of a device by name."""
        return self.settings(name).kind

    def settings(self, name: str) -> Any:
        """The study-file entry of a device."""
        for d in self.study.document.devices:
            if d.name == name:
                return d
        raise KeyError(name)

    def downstream(self, device: str) -> set[int]:
        """Buses behind ``device`` from the substation (:func:`protv2g.topology.
        downstream_bus_sets` of ``chains``, built once and kept in ``cache``)."""
        if "downstream" not in self.cache:
            self.cache["downstream"] = downstream_bus_sets(self.chains)
        return set(self.cache["downstream"].get(device, ()))

    def bus_name(self, bus: int) -> str:
        """Name of a pandapower bus (``study.bus_name``; a net's names read once into
        ``cache``: the checks ask bus by bus, #21: 9,557 ``DataFrame.at`` at 10,000 buses)."""
        if "bus names" not in self.cache:
            self.cache["bus names"] = _bus_names(self.study)
        name = self.cache["bus names"].get(bus) if isinstance(bus, int | np.integer) else None
        return name if name is not None else self.study.bus_name(bus)

    def feeder_of(self, bus: int) -> str:
        """The head device (farthest from the fault) on the substation path to ``bus``."""
        ch = self.chains
        sel = ch[(ch.fault_bus == int(bus)) & (ch.direction == "forward")
                 & from_substation(ch)]
        return "" if sel.empty else str(sel.sort_values("order").device.iloc[-1])

    def export_text(self, scenario: str, sites: Collection[str] | None = None) -> str:
        """``"with depot exporting 1.25 MW"`` / ``"without V2G (base case)"`` (built once per
        scenario and kept in ``cache``: messages ask for it row by row, #21); ``sites``: name
        only these sites (those behind a device: review rev33a F2, C10's rows named the depot
        on a recloser it is not behind). A scenario that
        is not the base case and in which no site exports is ``"with depot charging 0.6 MW"``
        or, when the sites' transformers (out of the base case) are in it, ``"with the sites
        connected and idle (depot's transformer depot_xf in service, no export; …)"``: their
        effect is the project's, not the feeder's as it is (review rev30 §1)."""
        only = None if sites is None else frozenset(sites)
        key = ("export_text", scenario, only)
        if key not in self.cache:
            self.cache[key] = self._export_text(scenario, only)
        return self.cache[key]

    def _export_text(self, scenario: str, only: frozenset[str] | None = None) -> str:
        sc = self.scenarios.get(scenario)
        if sc is None and scenario == DER_OFF_BASE:  # "DER off" where it has some (rev33a F4)
            off = ", existing DER off" if has_existing_der(self.study) is not False else ""
            return (f"without V2G at peak load{off} (the charging snapshots' base case "
                    f"{DER_OFF_BASE})")
        if sc is None:
            return f"in scenario {scenario}"
        load = sc.load_level.value
        states = [st for st in sc.sites if only is None or st.site in only]
        parts = [f"{st.site} exporting {st.p_export_kw / 1000:.3g} MW" for st in states
                 if st.p_export_kw > 0]
        if parts:
            return "with " + " and ".join(parts) + f" ({load} load)"
        parts = [f"{st.site} charging {-st.p_export_kw / 1000:.3g} MW" for st in states
                 if st.p_export_kw < 0]
        if parts:
            return "with " + " and ".join(parts) + f" ({load} load)"
        connected = [] if sc.is_base else site_transformer_texts(self.study)
        if connected:  # the project's transformers are in it: no base case (review rev30 §1)
            return (f"with the sites connected and idle ({' and '.join(connected)} in "
                    f"service, no export; {load} load)")
        return f"without V2G (base case, {load} load)"

    def fault_text(self, bus_name: str, fault_type: str, case: str) -> str:
        """``"a 3ph fault (max case) at F2-B03"`` (written out in C5's messages,
        :func:`protv2g.checks.sensitivity.check_sensitivity`: keep the two alike)."""
        return f"a {fault_type} fault ({case} case) at {bus_name}"


def site_transformer_texts(study: Any) -> list[str]:
    """``["depot's transformer depot_xf"]``: the V2G sites' own transformers, which come with
    the project and are out of the base case — an OpenDSS model's ``model_transformer``, a
    pandapower site's ``interconnection_transformer`` (``"depot's YNd transformer"``); empty
    without a study (a bare context)."""
    document = getattr(study, "document", None)
    out = []
    for s in getattr(document, "v2g_sites", ()):
        if getattr(s, "model_transformer", None):
            out.append(f"{s.name}'s transformer {s.model_transformer}")
        elif getattr(s, "interconnection_transformer", None) is not None:
            out.append(f"{s.name}'s {s.interconnection_transformer.connection} transformer")
    return out


def _bus_names(study: Study) -> dict[int, str]:
    """Bus index → ``str`` of its name, as ``study.bus_name`` gives them, for a
    pandapower net with unique bus indices (empty otherwise: ``study.bus_name`` then)."""
    if study.model is not None or not study.net.bus.index.is_unique:
        return {}
    return dict(zip(study.net.bus.index.tolist(),
                    [str(n) for n in study.net.bus["name"].tolist()], strict=True))


def from_substation(chains: pd.DataFrame) -> np.ndarray:
    """Rows of a chains table whose ``source`` is a substation (its text starts with
    :data:`protv2g.topology.SUBSTATION`): ``(n,)`` bool, the text tested once per distinct
    source (#21: ``astype(str).str.startswith`` per row, 0.4 s per call on the 300,000 chain
    rows of 10,000 buses)."""
    codes, sources = factorize_all(chains["source"].to_numpy())
    starts = np.array([str(x).startswith(SUBSTATION) for x in sources], dtype=bool)
    return starts[codes] if len(codes) else np.zeros(0, dtype=bool)
