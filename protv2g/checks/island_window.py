"""How long a V2G site may energise the island a reclosing device leaves, and why, in words
(C10, :mod:`protv2g.checks.reclosing`; the physics in :mod:`protv2g.checks.island_collapse`).

Split from ``reclosing.py`` (past 400 lines, c10c42). The island's voltage is bounded with the
chargers at their **sustained** current limit over UV2's clearing window, at both ends of it
(low :attr:`~protv2g.study.schema.V2GSite.sustained_limit`, high
:attr:`~protv2g.study.schema.V2GSite.sustained_limit_high`: the ends the fault engine's two
brackets use, ``docs/charger-fault-model.md`` §3; with ``faults.high_bracket:
first_cycle_held`` the high end is the first-cycle limit held, as the study chose), the
first-cycle ``limit_pu`` an upper bound for the first cycle only. Until c10c42 the first-cycle
limit was held for the whole window (0.16 s, ten cycles, or 2 s at Category III): the
artefact the fault engine's time checks dropped (review rev41c M2, c10b41).

The high end gives the higher voltage (less UV2 credit, the conservative end) and decides;
the row's message and its Evidence ``bracket`` cell (:attr:`IslandWindow.bracket`) say which
end decided and whether the low end would decide otherwise.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from protv2g.checks.island_collapse import collapsed_island_v_pu, island_window_s
from protv2g.engine.ride_through import trip_elements

__all__ = ["IslandWindow", "island_window", "sustained_ends"]


class IslandWindow(NamedTuple):
    """A site's island window (:func:`island_window`)."""

    #: how long the site may energise the island, s
    window_s: float
    #: why, in words (the row's message: "the 0.16 s is …")
    why: str
    #: whether the unit's UV2 trip ends the island
    by_uv2: bool
    #: which end of the sustained limit decided, for the Evidence ``bracket`` cell ("" where
    #: the island's voltage did not enter: existing DER behind the device)
    bracket: str


def sustained_ends(site: object, first_cycle_held: bool = False) -> tuple[float, float]:
    """The low and high ends of ``site``'s sustained current limit (pu of its kVA): the fault
    engine's brackets (:func:`protv2g.study.engine_inputs.high_bracket_sets`); the high end
    the first-cycle ``limit_pu`` with ``faults.high_bracket: first_cycle_held``."""
    high = float(site.limit_pu) if first_cycle_held else float(site.sustained_limit_high)
    return float(site.sustained_limit), high


def _kva(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def island_window(site: object, behind: list[object], online: dict[str, float],
                  min_mw: float, der_mw: float, drafted: set[str],
                  shares: tuple[dict[str, float], str], first_cycle_s: float,
                  first_cycle_held: bool = False,
                  conductors: dict[str, str] | None = None) -> IslandWindow:
    """How long ``site`` may energise the island (s), why, whether its UV2 trip ends it, and
    which end of the sustained limit decided.

    The island's voltage takes the V2G sites behind the device at their sustained limit
    (:func:`sustained_ends`, each end; module docstring) and the kVA of their chargers online
    in the scenario (``online``: site → chargers, as the scenario's fault source counts them,
    review rev41c M2: not all ``n_chargers``), each phase's share of their kVA (a three-phase
    site a third a phase, a two-conductor one a half) against that phase's share of the
    minimum load behind the device (``shares``: the model's own per phase,
    :func:`protv2g.checks.island_phase_load.phase_load_shares`); of the site's phases the one
    with the highest island voltage at the high end decides (the conservative end: review
    ver40b F, J1's phase c carries 23 % of the zone, not a third). UV2 is credited where the
    high end's voltage is below its pickup (:func:`~protv2g.checks.island_collapse.
    island_window_s`, one cycle ``first_cycle_s`` later where the first cycle's voltage at
    ``limit_pu`` is not below it). Where existing DER is behind the device its current limit
    and trips are not known, so the site's declared cease time stands.

    Where the high end's bound is above the unit's OV2 pickup (IEEE 1547-2018 Tables 11/12:
    1.20 pu, 0.16 s, every category; ``../shared/reference/der/ieee1547_2018_trip_defaults
    .csv``), the DER is far above the load: a current-limited unit cannot push the load above
    the bound, but below it the voltage is set by its active-power and voltage controls
    (volt-watt, volt-var, IEEE 1547-2018 §5.3–5.4), which may hold the island inside its OV2
    and UV2 pickups until its anti-islanding detection ceases it. Either OV2 trips it within
    its clearing time or the cease time ends it: the OV2 trip is not credited, the cease time
    stays the window (the conservative end, review rev41c M2), and the text names the bound
    only as "above OV2's pickup" (no island runs at several pu).

    ``conductors`` (site → its phase conductors on the primary,
    :func:`protv2g.checks.island_phase_load.primary_conductors`) places a site behind a
    single-phase transformer on the primary phase it draws from (its own conductors where
    not given: review rev51 #5, a centre-tapped transformer's legs "ab" read as primary
    phases a and b)."""
    def mark(field: str) -> str:
        if field in drafted:
            return " (drafted: TODO)"
        default = (site.sustained_limit_high_is_default if field == "sustained_limit_high_pu"
                   else field not in site.model_fields_set)
        return " (the tool's default)" if default else ""
    cease = float(site.cease_to_energize_s)
    if "cease_to_energize_s" in drafted or "cease_to_energize_s" in site.model_fields_set:
        stated = (f"its declared cease-to-energise time {cease:g} s"
                  f"{' (drafted: TODO)' if 'cease_to_energize_s' in drafted else ''}")
    else:  # the schema's default (review rev41c M1: the depot declared none)
        stated = (f"IEEE 1547-2018 §8.1's {cease:g} s upper bound on the cease-to-energise "
                  "time, the tool's default — not declared (give the chargers' "
                  "cease-to-energise time)")
    declared = stated + (", IEEE 1547-2018 §8.1's upper bound drafted by init (give the "
                         "chargers' anti-islanding clearing time)"
                         if "cease_to_energize_s" in drafted else "")
    if der_mw > 0:
        return IslandWindow(cease, (
            f"{declared}; existing DER behind it, whose current limit and trips are not known, "
            "may hold the island's voltage: its UV trip is not credited"), False, "")
    cond = {s.name: (conductors or {}).get(s.name, str(s.conductors)) for s in behind}
    mine = cond.get(site.name, str(site.conductors))
    share, where = shares
    ends = {s.name: (*sustained_ends(s, first_cycle_held), float(s.limit_pu)) for s in behind}

    def at(end: int) -> tuple[dict[str, float], dict[str, float]]:
        """(island voltage, kVA) by phase with every site at end 0 low, 1 high, 2 first cycle."""
        kva = {ph: sum(ends[s.name][end] * online.get(s.name, 0.0) * s.charger_kva
                       / len(cond[s.name]) for s in behind if ph in cond[s.name])
               for ph in mine}
        return ({ph: float(collapsed_island_v_pu(kva[ph], min_mw * 1000 * share[ph]))
                 for ph in mine}, kva)
    (low, _), (high, kva_hi), (first, _) = at(0), at(1), at(2)
    ph = max(mine, key=lambda k: high[k])  # the first of the highest, at the deciding end
    v_lo, v_hi, v_fc, p_kw = low[ph], high[ph], first[ph], min_mw * 1000 * share[ph]
    lo_pu, hi_pu, fc_pu = ends[site.name]
    trips = {e.name: e for e in trip_elements(site.ride_through_category,
                                              site.voltage_trip.model_dump())}
    uv2, ov2 = trips["uv2"], trips["ov2"]
    window, by_uv2 = island_window_s(v_hi, uv2.pickup_pu, uv2.clearing_s, cease, v_fc,
                                     first_cycle_s)
    lo_credits = bool(np.isfinite(v_lo) and v_lo < uv2.pickup_pu)
    given = site.voltage_trip.uv2_pu or site.voltage_trip.uv2_s
    cat = (f"Category {site.ride_through_category.value}{mark('ride_through_category')} "
           f"UV2 {uv2.pickup_pu:g} pu within {uv2.clearing_s:g} s ("
           f"{'the site voltage_trip' if given else 'IEEE 1547-2018 Tables 11–13 default'})")
    which = (f"phase {ph}, the highest island voltage of its phases {', '.join(mine)}"
             if len(mine) > 1 else f"phase {ph}")
    n_on = online.get(site.name, 0.0)
    high_what = (f"its first-cycle limit {hi_pu:g} pu held (faults.high_bracket: "
                 "first_cycle_held)" if first_cycle_held else
                 f"the high end {hi_pu:g} pu{mark('sustained_limit_high_pu')} of its sustained "
                 "current limit")
    held = (f"{_kva(kva_hi[ph])} kVA after the first cycle, at {high_what}, of the V2G "
            f"online on {which} ({site.name}: {n_on:g} chargers online in this scenario) "
            f"against that phase's {p_kw / 1000:.3g} MW of the {min_mw:.3g} MW minimum load "
            "behind the device"
            f"{' (light_load_fraction drafted: TODO)' if 'light_load_fraction' in drafted else ''} "
            f"({share[ph] * 100:.0f} %: {where}) ")
    same = abs(hi_pu - lo_pu) < 1e-9
    ends_cell = f"sustained limit {lo_pu:g} pu (one value)" if same else (
        f"high end {hi_pu:g} pu of the sustained limit decided (low end {lo_pu:g} pu: "
        + ("would credit UV2)" if lo_credits and not bool(by_uv2) else "the same)"))
    if not np.isfinite(v_hi):
        return IslandWindow(cease, (f"{declared}; {held}finds no load there to hold its voltage "
                                    "down: the UV trip does not end the island"), False,
                            ends_cell)
    lo_text = "" if same else f", {v_lo:.2g} pu at its low end {lo_pu:g} pu"
    differ = (f"; at the low end {lo_pu:g} pu of the sustained limit the island would hold "
              f"{v_lo:.2g} pu, below UV2, and the UV2 trip would end it — the high end "
              "holds (the higher voltage, no UV2 credit: the conservative end)"
              if lo_credits and not bool(by_uv2) and not same else "")
    if v_hi > ov2.pickup_pu:  # the docstring: OV2 or the unit's control, the cease time
        return IslandWindow(cease, (
            f"{declared}; {held}puts the bound on the island's voltage above its OV2 pickup "
            f"{ov2.pickup_pu:g} pu (constant-impedance load: the DER far above the load), so "
            f"no UV trip ends the island; its OV2 trip ({ov2.pickup_pu:g} pu within "
            f"{ov2.clearing_s:g} s) ends it unless the unit's own voltage control holds it "
            f"lower, which is not credited: the cease time is the window{differ}"), False,
            ends_cell)
    held += (f"holds the island's load at most {v_hi:.2g} pu{lo_text} (constant-impedance "
             "load, the highest-voltage end; a constant-power load collapses it further)")
    if not bool(by_uv2):
        return IslandWindow(cease, (f"{declared}; {held}, not below its {cat}: the UV trip does "
                                    f"not end the island{differ}"), False, ends_cell)
    late = v_fc >= uv2.pickup_pu
    cycle = (f"; in the first cycle ({first_cycle_s:.3g} s) its first-cycle limit "
             f"{fc_pu:g} pu{mark('limit_pu')} may hold it up to {v_fc:.2g} pu, not below UV2: "
             f"UV2 picks up at most one cycle late, {float(window):.3g} s" if late else
             f" (the first cycle at its first-cycle limit {fc_pu:g} pu{mark('limit_pu')} at most "
             f"{v_fc:.2g} pu, "
             "below UV2 too)")
    agree = "" if same else "; both ends of the sustained limit below UV2"
    if cease <= float(window) + 1e-12:  # it ceases no later than its UV2 trip would
        return IslandWindow(cease, (f"{declared}, no later than its UV2 trip ({cat}): {held}"
                                    f"{cycle}"), False, ends_cell)
    return IslandWindow(float(window), (
        f"its UV2 trip ({cat}): {held}{cycle}{agree}; this rests on the UV2 setting, the "
        f"sustained current limit and the minimum load, not on {stated}: confirming it "
        f"changes nothing unless it is below {float(window):g} s"), True, ends_cell)
