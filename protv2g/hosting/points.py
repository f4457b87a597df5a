"""The scenarios the hosting search evaluates: an export level of an axis, with the
participating chargers online (:func:`export_scenario`) or with a given number online
(:func:`online_scenario`, :mod:`.online`), the base case of a load level, and the levels of
each (:func:`grid_kw`, :func:`online_levels`) and the bisection tolerance of a site
(:func:`site_tol_kw`). Every other V2G site is idle and not built
(``Scenario.built_sites``: a site's hosting is that site added to the feeder as it is today,
the other sites' own transformers out of the faults and the flows; review rev33b W1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from protv2g.hosting.tables import Axis
from protv2g.input_basis import InputBases
from protv2g.scenarios import Scenario, SiteState, site_state
from protv2g.study.schema import V2GSite
from protv2g.units import ChargerMode, LoadLevel, Participation

__all__ = ["DEFAULT_TOL_KW", "TOL_CHARGER_FRACTION", "base_scenario", "export_scenario", "grid_kw",
           "light_bases", "online_levels", "online_scenario", "site_tol_kw"]

#: The hosting search's bisection tolerance, kW, where the site's chargers are larger than
#: four times it (a depot's, a campus's): the figure is conservative by at most this.
DEFAULT_TOL_KW = 5.0
#: Below that, the tolerance as a fraction of one charger's kW (:func:`site_tol_kw`).
TOL_CHARGER_FRACTION = 0.25


def site_tol_kw(site: Any, tol_kw: float | None = None) -> float:
    """The bisection tolerance (kW) of a site's search: ``tol_kw`` when given, else
    ``min(DEFAULT_TOL_KW, TOL_CHARGER_FRACTION × p_charger_kw)`` — a home-scale site (7.4 kW
    chargers: 1.85 kW) is searched to a quarter of a charger's output, not to two thirds of
    it (review rev34b F1). A quarter, not a half: the first grid of a home street (8 × 7.4 kW
    over 16 steps) is 3.7 kW, half a charger, and a tolerance equal to it bisects nothing.

    >>> from types import SimpleNamespace as S
    >>> site_tol_kw(S(p_charger_kw=7.4)), site_tol_kw(S(p_charger_kw=60.0))
    (1.85, 5.0)
    >>> site_tol_kw(S(p_charger_kw=7.4), 5.0)
    5.0
    """
    if tol_kw is not None:
        return float(tol_kw)
    return min(DEFAULT_TOL_KW, TOL_CHARGER_FRACTION * float(site.p_charger_kw))


def export_scenario(axis: Axis, p_kw: float, sites: Sequence[V2GSite]) -> Scenario:
    """The axis's site asked to export ``p_kw`` (:func:`protv2g.scenarios.site_state`: its
    participating chargers online, ``modes`` honoured), every other site idle."""
    states = []
    for s in sites:
        if s.name == axis.site.name:
            states.append(site_state(s, axis.participation, p_kw))
        else:
            states.append(SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0, 0.0))
    name = (f"hosting/{axis.site.name}/{axis.participation.value}/{axis.load_level.value}/"
            f"{p_kw:.6g} kW")
    return Scenario(name, axis.participation, axis.load_level, f"{p_kw:.6g} kW", tuple(states),
                    built_sites=(axis.site.name,))


def base_scenario(load: LoadLevel, sites: Sequence[V2GSite]) -> Scenario:
    """The base case of a load level: every site idle (no V2G)."""
    states = tuple(SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0) for s in sites)
    return Scenario(f"base/{load.value}", Participation.EXPECTED, load, "0", states,
                    is_base=True)


def grid_kw(axis: Axis, n_grid: int, smallest_kw: float) -> list[float]:
    """Candidate export levels of the first engine call: ``smallest_kw`` (the first-cycle
    fault current of the chargers online does not depend on the export, so a criterion
    driven by it fails at any export or at none: this level says which at once), then
    ``n_grid`` steps to the site nameplate, capped at the participation's maximum."""
    step = axis.site.p_max_kw / n_grid
    cap = axis.cap_kw
    levels = [k * step for k in range(1, n_grid + 1) if k * step < cap * (1 - 1e-9)]
    if cap > 0:
        levels.append(cap)
        if smallest_kw < min(levels) * (1 - 1e-9):
            levels.insert(0, smallest_kw)
    return levels


def online_levels(axis: Axis, k: int, n_grid: int, smallest_kw: float) -> list[float]:
    """Exports evaluated with ``k`` chargers online, kW ascending: ``smallest_kw``, the export
    grid's steps (site nameplate / ``n_grid``) below their full export, and the full export
    ``k × p_charger_kw``."""
    full = k * axis.site.p_charger_kw
    step = axis.site.p_max_kw / n_grid
    out = [smallest_kw] if smallest_kw < full * (1 - 1e-9) else []
    out += [j * step for j in range(1, n_grid + 1)
            if smallest_kw < j * step < full * (1 - 1e-9)]
    return [*out, full]


def online_scenario(axis: Axis, k: int, p_kw: float, sites: Sequence[V2GSite]) -> Scenario:
    """The axis's site with ``k`` chargers online asked to export ``p_kw`` (at most
    ``k × p_charger_kw``), every other site idle."""
    states = []
    for s in sites:
        if s.name != axis.site.name:
            states.append(SiteState(s.name, ChargerMode.IDLE, 0.0, 0.0, 0.0, 0.0))
        elif not s.can_export:
            states.append(site_state(s, axis.participation, p_kw))
        else:
            available = k * s.p_charger_kw
            p = min(float(p_kw), available)
            mode = ChargerMode.EXPORTING if p > 0 else ChargerMode.IDLE
            states.append(SiteState(s.name, mode, p, float(p_kw), available, float(k)))
    name = (f"hosting/{axis.site.name}/{axis.participation.value}/{axis.load_level.value}/"
            f"{k} online/{p_kw:.6g} kW")
    return Scenario(name, axis.participation, axis.load_level, f"{p_kw:.6g} kW", tuple(states),
                    built_sites=(axis.site.name,))


def light_bases(bases: InputBases, scenarios: Sequence[Scenario]) -> InputBases:
    """``bases`` with the light-load ones of ``scenarios`` (the search's own: ``base/light``,
    ``hosting/<site>/…/light/…``) among the scenarios on a drafted light-load fraction.

    :func:`protv2g.input_stand_ins.study_input_bases` names the study's own light-load
    scenarios only (``bases.light_scenarios``, set when ``scenarios.light_load_fraction`` is
    ``# TODO`` and the feeder has load to scale); the search builds scenarios of its own, and
    their C12 rows read "given" (review rev40a W1: IEEE 8500's 312 kW at light load, "Limiting
    basis given, Determined True", while the run's gate line for the same over-voltage said
    "rests on drafted value (TODO): confirm light_load_fraction"). Unchanged when the fraction
    is not drafted.
    """
    if not bases.light_scenarios:
        return bases
    light = {sc.name for sc in scenarios if sc.load_level == LoadLevel.LIGHT}
    return replace(bases, light_scenarios=bases.light_scenarios | frozenset(light))
