"""The steps a flow study solves, from a study document alone (no network model).

Both flow paths — pandapower (:mod:`protv2g.flow.study`) and OpenDSS
(:mod:`protv2g.flow.opendss`) — run the same steps, built here:

* the study's scenario axes (:func:`protv2g.scenarios.build_scenarios`): base case and export
  level × participation × load level, one step each (``step`` 0, ``time_h`` NaN); the load
  fraction is 1 (peak) or ``light_load_fraction`` (light);
* when asked (or when any site has a ``day`` block): ``day/base`` (no V2G) and
  ``day/<participation>`` for each participation case: 96 steps with the generic load shape of
  :func:`protv2g.flow.day.load_shape_fraction` and each site's fleet day; sites without a
  ``day`` block stay idle;
* with ``comm_loss_step``: ``day/<participation>/comm_loss`` with each site's fallback from
  that step;
* C8's charging snapshots (:func:`protv2g.scenarios.charging_scenarios`):
  ``charging/<participation>`` at peak load (load fraction 1), each site that can charge
  importing at its participating chargers' rating, **existing DER off** (``der_fraction`` 0:
  the net's own static generators, e.g. PV, produce nothing — the worst case for load
  current), unless the day that runs covers every such site's charging.

Site power is positive for export and negative while charging (MW).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.flow.day import CommLossFallback, load_shape_fraction, site_day, step_times_h
from protv2g.flow.result import SITE_COLUMNS
from protv2g.scenarios import (
    DAY_SCENARIO_PREFIX,
    DER_OFF_BASE,
    build_scenarios,
    charging_scenarios,
)
from protv2g.units import LoadLevel

__all__ = ["ScenarioBlock", "scenario_blocks", "comm_loss_fallbacks", "site_table"]


@dataclass
class ScenarioBlock:
    """One flow scenario: its steps and what every site does in each.

    Attributes
    ----------
    scenario : str
        Scenario name (``base/peak``, ``day/expected`` …).
    base : str
        Scenario whose voltages are the reference of the voltage rise (same load level, or
        ``day/base``).
    time_h, load_fraction : numpy.ndarray
        ``(n,)`` step start time (NaN for static scenarios) and load as a fraction of peak.
    site_p_mw : numpy.ndarray
        ``(n_sites, n)`` site power, MW (+ export, − charging), sites in study order.
    site_mode, n_plugged, soc : list of numpy.ndarray
        Per site, ``(n,)``: mode text, vehicles plugged in, mean state of charge.
    comm_lost : numpy.ndarray
        ``(n,)`` bool: dispatch communication lost.
    der_fraction : numpy.ndarray, optional
        ``(n,)`` multiplier on the net's existing DER (its own static generators; None: 1,
        as modelled). 0 in the charging snapshots.
    """

    scenario: str
    base: str
    time_h: np.ndarray
    load_fraction: np.ndarray
    site_p_mw: np.ndarray
    site_mode: list[np.ndarray]
    n_plugged: list[np.ndarray]
    soc: list[np.ndarray]
    comm_lost: np.ndarray
    der_fraction: np.ndarray | None = None

    @property
    def der(self) -> np.ndarray:
        """``der_fraction`` with None as ones."""
        n = len(self.load_fraction)
        return np.ones(n) if self.der_fraction is None else np.asarray(self.der_fraction, float)


def _charging_blocks(doc: object, sites: list, day_sites: frozenset[str]) -> list[ScenarioBlock]:
    """The charging snapshots as blocks (one step each, peak load, existing DER off), after
    their base case :data:`~protv2g.scenarios.DER_OFF_BASE` (the same step, no site charging
    or exporting) when there is any."""
    nan1 = np.array([np.nan])
    snapshots = [ScenarioBlock(
        sc.name, DER_OFF_BASE, nan1, np.array([1.0]),
        np.array([[st.p_export_kw / 1000.0] for st in sc.sites]).reshape(len(sites), 1),
        [np.array([st.mode.value], dtype=object) for st in sc.sites],
        [np.array([st.n_online or 0.0]) for st in sc.sites],
        [np.array([np.nan]) for _ in sites], np.array([False]), np.array([0.0]))
        for sc in charging_scenarios(doc, day_sites)]  # type: ignore[arg-type]
    if not snapshots:
        return []
    base = ScenarioBlock(
        DER_OFF_BASE, DER_OFF_BASE, nan1, np.array([1.0]), np.zeros((len(sites), 1)),
        [np.array(["idle"], dtype=object) for _ in sites], [np.zeros(1) for _ in sites],
        [np.array([np.nan]) for _ in sites], np.array([False]), np.array([0.0]))
    return [base, *snapshots]


def comm_loss_fallbacks(sites: list, comm_loss_fallback: str | Mapping[str, str] | None
                        ) -> dict[str, CommLossFallback]:
    """Each site's fallback on a communication loss (argument, else the site's, else
    ``cease_export``).

    Raises
    ------
    ValueError
        For an unknown fallback.
    """
    out = {}
    for s in sites:
        value = (comm_loss_fallback.get(s.name) if isinstance(comm_loss_fallback, Mapping)
                 else comm_loss_fallback)
        value = value or getattr(s, "comm_loss_fallback", None) or "cease_export"
        out[s.name] = CommLossFallback(value)
    return out


def scenario_blocks(document: object, day: bool | None, comm_loss_step: int | None,
                    comm_loss_fallback: str | Mapping[str, str] | None,
                    day_assumptions: Mapping[str, float] | None
                    ) -> tuple[list[ScenarioBlock], list[str]]:
    """The flow scenarios of a study document (see the module docstring), and notes.

    Parameters
    ----------
    document : StudyDocument
    day : bool, optional
        Run the 96-step day (default: when any site has a ``day`` block).
    comm_loss_step, comm_loss_fallback, day_assumptions
        See :func:`protv2g.flow.flow_study`.

    Raises
    ------
    ValueError
        For an unknown communication-loss fallback.
    """
    doc = document
    sites = list(doc.v2g_sites)  # type: ignore[attr-defined]
    notes: list[str] = []
    blocks: list[ScenarioBlock] = []
    light = doc.scenarios.light_load_fraction  # type: ignore[attr-defined]
    nan1 = np.array([np.nan])
    for sc in build_scenarios(doc):
        lf = 1.0 if sc.load_level is LoadLevel.PEAK else light
        p = np.array([[st.p_export_kw / 1000.0] for st in sc.sites]).reshape(len(sites), 1)
        blocks.append(ScenarioBlock(
            sc.name, f"base/{sc.load_level.value}", nan1, np.array([lf]), p,
            [np.array([st.mode.value], dtype=object) for st in sc.sites],
            [np.array([np.nan]) for _ in sites], [np.array([np.nan]) for _ in sites],
            np.array([False])))
    with_day = [s for s in sites if s.day is not None]
    run_day = bool(with_day) if day is None else day
    if run_day and not with_day:
        notes.append("day requested but no site has a 'day' block: day not run")
        run_day = False
    day_sites = frozenset(s.name for s in with_day) if run_day else frozenset()
    charging = _charging_blocks(doc, sites, day_sites)
    if charging:
        notes.append("C8 charging snapshots (" + ", ".join(b.scenario for b in charging[1:])
                     + "): peak load, every participating charger of each site that can charge "
                     "importing at its rating, existing DER (PV, generators, storage) off; "
                     f"their base case {DER_OFF_BASE}: the same without charging")
    blocks += charging
    if not run_day:
        return blocks, notes
    t = step_times_h()
    n = len(t)
    lf = load_shape_fraction(t, light)
    idle = np.array(["idle"] * n, dtype=object)
    blocks.append(ScenarioBlock("day/base", "day/base", t, lf, np.zeros((len(sites), n)),
                                [idle] * len(sites), [np.zeros(n)] * len(sites),
                                [np.full(n, np.nan)] * len(sites), np.zeros(n, bool)))
    fb = comm_loss_fallbacks(sites, comm_loss_fallback)
    variants: list[tuple[str, int | None]] = [("", None)]
    if comm_loss_step is not None:
        variants.append(("/comm_loss", comm_loss_step))
    for part in doc.scenarios.participation:  # type: ignore[attr-defined]
        for suffix, loss in variants:
            p = np.zeros((len(sites), n))
            modes, plugged, socs = [], [], []
            for k, s in enumerate(sites):
                if s.day is None:
                    modes.append(idle)
                    plugged.append(np.zeros(n))
                    socs.append(np.full(n, np.nan))
                    continue
                d = site_day(s, s.participation.fraction(part), comm_loss_step=loss,
                             fallback=fb[s.name] if loss is not None else None,
                             **dict(day_assumptions or {}))
                p[k] = d.p_kw / 1000.0
                modes.append(d.mode)
                plugged.append(d.n_plugged)
                socs.append(d.soc_mean_fraction)
                if suffix == "" and not (d.p_export_kw > 0).any():
                    notes.append(f"site {s.name!r} ({part.value}): no export in its day — the "
                                 "export window lies outside the plug-in window or the fleet "
                                 "never rises above its reserve")
            lost = np.zeros(n, bool)
            if loss is not None:
                lost[loss:] = True
            blocks.append(ScenarioBlock(f"{DAY_SCENARIO_PREFIX}{part.value}{suffix}",
                                        "day/base", t, lf, p, modes, plugged, socs, lost))
    return blocks, notes


def site_table(sites: Sequence[object], blocks: list[ScenarioBlock]) -> pd.DataFrame:
    """One row per V2G site and step: :data:`protv2g.flow.result.SITE_COLUMNS`.

    ``sites``: objects with ``name`` and ``bus`` in the order of the blocks' site rows (the
    study's ``v2g_sites``).
    """
    sites = list(sites)
    frames = []
    for b in blocks:
        n = len(b.load_fraction)
        for k, s in enumerate(sites):
            frames.append(pd.DataFrame({
                "scenario": b.scenario, "step": np.arange(n), "time_h": b.time_h, "site": s.name,
                "bus": s.bus, "p_kw": b.site_p_mw[k] * 1000.0, "mode": b.site_mode[k],
                "n_plugged": b.n_plugged[k], "soc_mean_fraction": b.soc[k],
                "comm_lost": b.comm_lost}))
    if not frames:
        return pd.DataFrame(columns=SITE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[SITE_COLUMNS]
