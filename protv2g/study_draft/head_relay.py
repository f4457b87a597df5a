"""A proposed head relay where an OpenDSS model's feeder head has none.

The feeder heads, and which of them the model protects or the draft skips, are found by
:mod:`protv2g.study_draft.heads` (re-exported here). A pickup is fitted to its setting steps by
:mod:`protv2g.study_draft.head_pickup` (re-exported here).

Settings of a proposed relay (a stated rule, each figure printed beside the value):

* ``pickup_a`` (51P): ``2 × peak load``, rounded up to 10 A (5 A or 1 A where no 10 A step
  fits between the load floor and the C5 ceiling below). Peak load: the largest phase current
  at the head at peak load without V2G and with the feeder's own DER (PV, generators,
  storage) off — the gross load the relay carries when they are (OpenDSS power flow). The
  relay stands for the protection the feeder has before the V2G sites, so the sites'
  charging and export do not set it, whether or not ``init --site`` gives sites (review
  rev47a item 1, IEEE 8500: drafted for the sites charging, 51P 910 → 980 A and three
  mid-line reclosers → one; the study then judged "without V2G" on V2G's settings and
  reported the sites' reach loss as pre-existing, C5 14,102 rows "made worse by V2G" where
  the no-site draft gives 4 and C8 "caused by charging"). Where a site flow
  (:mod:`.head_load`: the sites charging at peak, exporting at light load) puts more than
  pickup / 1.5 through the head, the draft's comment says so with the figures
  (:func:`.head_load.sites_comment`): the V2G effect C8 reports. Lowered towards the C5
  ceiling ``min multi-phase fault in the primary zone / 1.5`` (IEC 60909 min case) when
  above it, but never below the floor 1.5 × peak load (IEEE C37.230-2020 §6 pickup
  margins). A relay that trips on load is unusable, one that does not reach the feeder end
  is a finding: when the floor exceeds the ceiling the floor is kept and the reach conflict
  stated with both figures (C5 reports the buses not reached); so is a floor above C5's
  backup ceiling (``min multi-phase fault in the backup zone / 1.2``). The primary zone is
  C5's (:func:`primary_reach`): the head's own voltage level up to the first step
  transformer without a device of its own.
* ``ground_pickup_a`` (51G): max(2 × the residual ``|3I0|`` at peak load, 0.25 × 51P),
  rounded up to 10 A, lowered the same way towards ``min ground-fault |3I0| in the zone
  / 1.5`` but not below 1.5 × that residual; a single-phase site's charging, residual at the
  head, is said in the comment where it passes 51G / 1.5 (as for 51P).
* time dials: for each IEEE C37.112 family (MI, VI, EI), the smallest multiple of 0.1
  (0.5…15) with which the relay is slower than every device right below it (the first
  device on each path down: the pairs C1/C4 judge the head in) by the coordination interval
  at every fault of that pair (behind the device, none behind a step transformer without a
  device: :mod:`.head_rule`), **max and min case** (review s32: EPRI ckt5's EI dials, set at
  max-case faults only, failed C1 at its 20 Ω min-case faults), every fault type: fuse
  total clearing, recloser delayed curve, relay operate time. A device behind another one
  below the head is that device's to coordinate with (review rev31b W1).
* ``ground_pickup_a`` raised inside its window where no family meets the 51G's interval at
  the rule's pickup (:mod:`.head_dials`: e.g. a 51G below a fuse's minimum melting current;
  review rev34b W1, IEEE 34: 30 → 70 A); a dial that no step up to the cap lets meet the
  interval at some faults is the smallest that meets it at the others (not the cap), and
  those faults are said (a conflict).
* curves: of those families, the one that meets the interval and clears the primary zone's
  minimum faults soonest (:mod:`.curve_choice`; ties → EI over fuses, VI over a recloser
  or relay); where no one family meets it for both elements, each element's own;
  the clearing times at the zone's minimum faults are kept (``figures["curve_choice"]``)
  and the draft marks them TODO beyond :data:`~.curve_choice.CLEAR_BOUND_S` (review s32:
  IEEE 8500's 51G, EI at TD 2.1, cleared its zone's minimum ground fault in 46 s).
* ``reclose_intervals_s``: :data:`RECLOSE_INTERVALS_S`, a typical feeder-breaker sequence the
  user must confirm (the draft marks it TODO), :data:`RECLOSE_INTERVALS_DER_S` on a feeder
  with DER of its own: without the key C10 cannot tell whether the
  breaker recloses onto an island (a ``not_evaluated`` row: the gate says ERROR). A head on
  a low-voltage line (≤ 1 kV) gets ``[]``: an LV feeder does not reclose
  (:mod:`.low_voltage`, review rev34b M3).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from protv2g.devices.library import CurveLibrary
from protv2g.devices.models import build_device
from protv2g.network.dss_model import DssModel
from protv2g.study.places import DeviceSite
from protv2g.study_draft.curve_choice import (
    BREAKER_CYCLES,
    CLEAR_BOUND_S,
    FAMILIES,
    FamilyTry,
    choose_family,
    min_fault_times,
    preference,
)
from protv2g.study_draft.head_dials import (
    CTI_S,
    TD_MAX,
    TD_MIN,
    TD_STEP,
    accepted_text,
    capped_ground_dial,
    moved_text,
    search_ground_pickup,
    time_dial,
    unmet_text,
)
from protv2g.study_draft.head_load import load_said, reach_conflict
from protv2g.study_draft.head_pairs import pair_faults
from protv2g.study_draft.head_pickup import FINE_STEPS_A as FINE_STEPS_A  # re-exported
from protv2g.study_draft.head_pickup import _fit_pickup, pickup_steps, round_up
from protv2g.study_draft.heads import FeederHead, feeder_heads, subtree_buses
from protv2g.study_draft.low_voltage import is_low_voltage
from protv2g.study_draft.trade import dial_figures, zone_minimum
from protv2g.study_draft.ungrounded import without_ground_element
from protv2g.topology_reach import PRIMARY, reach_zones

__all__ = ["FeederHead", "feeder_heads", "subtree_buses", "propose_relay", "RelayProposal",
           "RECLOSE_INTERVALS_S", "RECLOSE_INTERVALS_DER_S", "GROUND_FLOOR_OF_PHASE",
           "pickup_steps", "round_up", "CTI_S", "TD_MIN", "TD_MAX", "TD_STEP"]

#: Least 51G pickup as a fraction of the 51P pickup (``51G = max(2 × residual, 0.25 × 51P)``):
#: the unbalance a balanced model cannot show; ``recommend`` bounds a new ground element by it.
GROUND_FLOOR_OF_PHASE = 0.25
#: Open (dead) times of the proposed relay's breaker, s: three reclosures, then lockout. A
#: first "instantaneous" reclose (no intentional delay, 0.3–0.5 s: time for the arc path to
#: de-ionise), then delayed ones of 10–45 s — C. A. Gross, *Power System Analysis* (as quoted
#: in a forums.mikeholt.com thread): 20 cycles (1/3 s), 15 s, 45 s; a vendor's example
#: sequence (fourfaithpower.com, recloser sequence design): 0.3 s, 10 s, 30 s. Practice varies
#: by utility and by overhead/underground (underground feeders often trip once to lockout);
#: with DER the first reclose is often delayed beyond the DER's 2 s cease-to-energise time
#: (IEEE 1547-2018 §8.1) or supervised by a dead-line check. IEEE C37.104-2012 (Guide for
#: Automatic Reclosing of Circuit Breakers for AC Distribution and Transmission Lines)
#: describes the practices and leaves the choice to the user. The short end is drafted on
#: purpose: C10 shows the out-of-phase reclosing risk until the user confirms the sequence.
RECLOSE_INTERVALS_S = (0.5, 15.0, 30.0)
#: The same on a feeder with DER of its own (PV, storage, generators; review s18, EPRI J1): the
#: first reclose delayed past the DER's cease-to-energise time, 2 s (IEEE 1547-2018 §8.1), by
#: the high end of C10's margin bracket, 1.0 s (:data:`protv2g.checks.rule_values.
#: RECLOSE_MARGIN_BRACKET_S`; C10's default margin is 0.5 s), and the next 0.5 s step above
#: that 3.0 s (C10 needs the first reclose longer than the sum): 3.5 s — the utility practice the
#: TODO names, drafted so that C10 does not report the feeder's own DER against a value the
#: draft chose (a pre-existing risk the user never set). Drafted too when ``init --site``
#: gives V2G sites (review s19 §3.5: the sites are DER under IEEE 1547 and a utility taking
#: V2G export delays the first reclose as it does for PV; 0.5 s drafted beside them made C10
#: the study's first finding on a value nobody set).
RECLOSE_INTERVALS_DER_S = (3.5, 15.0, 30.0)


@dataclass
class RelayProposal:
    """A proposed head relay: its study-file entry and the figures behind every value."""

    entry: dict
    figures: dict = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)


def primary_reach(model: DssModel, head: FeederHead, zone_buses: set[int]) -> set[int]:
    """The buses of ``zone_buses`` (the head's primary zone: not behind a device below it)
    that are the head relay's primary reach requirements — C5's rule
    (:func:`protv2g.topology_reach.reach_zones`): up to the first step transformer (review
    s19 §3.2: ckt24's 13.2 kV buses behind its 34.5/13.2 kV steps set the draft's 51G to
    60 A instead of its rule's 180 A), no low-voltage bus."""
    rows = model.elements.index[model.elements.name == head.element]
    site = DeviceSite("line", int(rows[0]) if len(rows) else -1, head.bus, head.far_bus)
    buses = np.array(sorted(zone_buses), dtype=np.int64)
    level, _ = reach_zones(model, {"head": site}, np.full(len(buses), "head"), buses,
                           np.full(len(buses), PRIMARY))
    return set(buses[level == PRIMARY].tolist())


def propose_relay(model: DssModel, head: FeederHead, name: str, load_i_abc_a: np.ndarray,
                  device_rows: pd.DataFrame, below: Sequence[tuple[str, object]],
                  zone_buses: set[int], library: CurveLibrary,
                  v2g_sites: bool = False, backup: Mapping[int, str] | None = None,
                  judged: Mapping[str, set[int]] | None = None,
                  site_cases_a: Mapping[str, np.ndarray] | None = None) -> RelayProposal:
    """Settings of a proposed relay at ``head`` (module docstring).

    Parameters
    ----------
    load_i_abc_a : numpy.ndarray
        ``(3,)`` complex phase currents at the head at peak load, A.
    device_rows : DataFrame
        The phase fault study's device table (``device``, ``fault_bus``, ``fault_type``,
        ``case``, ``ia_ka``…``i3i0_ka``) for the head (named ``name``) and the devices below.
    below : sequence of (name, device model)
        The devices the head coordinates with (right below it: :func:`.head_rule.right_below`),
        built (:func:`protv2g.devices.build_device`).
    zone_buses : set of int
        The head's primary zone (buses not behind a device below it); its minimum faults are
        taken at those that are reach requirements (:func:`primary_reach`).
    library : CurveLibrary
        Curves of the devices below.
    v2g_sites : bool
        Whether the draft has V2G sites: the first reclose is then delayed past their
        cease-to-energise time (:data:`RECLOSE_INTERVALS_DER_S`), as for the model's own DER.
    backup : mapping of int to str, optional
        The head's backup zone, bus → the device whose zone it is
        (:func:`protv2g.study_draft.trade.backup_zone`): its minimum faults are kept in the
        figures (``backup_min``), with why each time dial is what it is (``dials``) and the
        head's close-in operate times (``close_in``) — what a re-draft gives up
        (:func:`protv2g.study_draft.trade.trade_lines`).
    judged : mapping of str to set of int, optional
        Device of ``below`` → the fault buses (bus index) the head is coordinated over it at:
        the pair's rows in C1–C4 (:mod:`.head_rule`); every fault both operate for without.
    site_cases_a : mapping of str to numpy.ndarray, optional
        The head's ``(3,)`` complex phase currents (A) in the flows with the V2G sites
        (:func:`.head_load.head_load_cases`: ``"charging"``, ``"export"``): kept in the
        figures (``load_cases_a``, ``residual_cases_a``, ``c8_*``) for the comment, not drafted
        for (module docstring). None: no sites.
    """
    loc = {"line": head.element.split(".", 1)[1], "end": "from" if head.terminal == 1 else "to"}
    d = device_rows
    i_phase = 1e3 * d[["ia_ka", "ib_ka", "ic_ka"]].max(axis=1)
    i_ground = 1e3 * d["i3i0_ka"]
    d = d.assign(i_phase_a=i_phase, i_ground_a=i_ground)
    mine = d[d.device == name]
    conflicts = []
    i_load = float(np.abs(load_i_abc_a).max())
    i0_load = float(abs(load_i_abc_a.sum()))
    cases = {"peak": np.asarray(load_i_abc_a), **{c: np.asarray(v) for c, v in
                                                   (site_cases_a or {}).items()}}
    i_case = {c: float(np.abs(v).max()) for c, v in cases.items() if np.isfinite(v).all()}
    i0_case = {c: float(abs(v.sum())) for c, v in cases.items() if np.isfinite(v).all()}
    i_case, i0_case = i_case or {"peak": i_load}, i0_case or {"peak": i0_load}  # NaN: none
    # what C8 will judge (the largest of every flow, the sites' too): said, not drafted for
    c8_case = max(i_case, key=i_case.get)
    c8_case_g = max(i0_case, key=i0_case.get)
    i_c8, i0_c8 = i_case[c8_case], i0_case[c8_case_g]
    # the rule's load: the feeder's own peak without V2G — the protection the utility has
    # before the sites (review rev47a item 1: drafted for the sites' charging, the base case
    # carried V2G's settings and C5 read the sites' reach loss as pre-existing)
    zone = mine[mine.fault_bus.isin(primary_reach(model, head, zone_buses))
                & (mine.case == "min") & mine.energized]
    multi = zone[zone.fault_type.isin(["3ph", "LL"])]
    ground = zone[zone.fault_type.isin(["SLG", "LLG"])]
    i_min_phase = float(multi.i_phase_a.min()) if len(multi) else math.inf
    i_min_ground = float(ground.i_ground_a.min()) if len(ground) else math.inf
    backup_min = zone_minimum(d[d.device == name], backup or {}, list(model.buses.index))
    floor = 1.5 * i_load
    steps = {"51P": (max(2.0 * i_load, floor), floor, i_min_phase / 1.5)}
    pickup, reaches = _fit_pickup(*steps["51P"])
    said = load_said("peak", i_load, "load")
    if not reaches or "51P" in backup_min and floor > backup_min["51P"]["i_a"] / 1.2:
        conflicts.append(reach_conflict("51P", "multi-phase fault", pickup, floor, said,
                                        None if reaches else i_min_phase,
                                        backup_min.get("51P"), "peak"))
    floor_g = 1.5 * i0_load
    steps["51G"] = (max(2.0 * i0_load, floor_g, GROUND_FLOOR_OF_PHASE * pickup), floor_g,
                    i_min_ground / 1.5)
    g_pickup, reaches = _fit_pickup(*steps["51G"])
    kinds = {getattr(getattr(m, "kind", None), "value", str(getattr(m, "kind", "")))
             for _, m in below}
    pf = pair_faults(d, name, below, judged, list(model.buses.index))
    units, t1, dial_of = {}, {}, {}
    fuses = {n for n, m in below if hasattr(m, "total_clear_time_s")}   # .head_dials
    may_accept = np.array([dv in fuses for dv in pf.devices], dtype=bool) & (pf.cases == "min")
    breaker_s = BREAKER_CYCLES / model.f_hz

    def try_at(gp: float) -> list[FamilyTry]:
        """Every family at ground pickup ``gp`` (A): its dials and minimum-fault clearing."""
        out = []
        for family in FAMILIES:
            units[gp, family] = u = build_device("relay", {
                "name": name, "pickup_a": pickup, "curve": family, "time_dial": 1.0,
                "ground_pickup_a": gp, "ground_curve": family, "ground_time_dial": 1.0},
                library)
            t1[gp, family] = (u.phase_time_s(pf.i_phase_a), u.ground_time_s(pf.i_ground_a))
            t1_g_min = min_fault_times(u.ground_time_s, 1.0, i_min_ground, model.f_hz)
            dial_of[gp, family] = dp, dg = (
                time_dial(t1[gp, family][0], pf.t_dev_s),
                capped_ground_dial(t1[gp, family][1], pf.t_dev_s, may_accept,
                                   t1_g_min - breaker_s, breaker_s))
            out.append(FamilyTry(
                family, dp.td, dg.td, not (dp.met and dg.met),
                min_fault_times(u.phase_time_s, dp.td, i_min_phase, model.f_hz),
                min_fault_times(u.ground_time_s, dg.td, i_min_ground, model.f_hz),
                capped_p=not dp.met, capped_g=not dg.met,
                unmet_p=int(dp.unmet.sum()), unmet_g=int(dg.unmet.sum()),
                accepted_g=dg.n_accepted))
        return out

    order = preference(kinds)
    # 51G: where no family meets its interval, its pickup inside the window (.head_dials)
    search = search_ground_pickup(try_at, g_pickup, steps["51G"][2], order)
    g_pickup, tries = search.pickup_a, search.tries
    said_g = load_said("peak", i0_load, "residual")
    if not reaches or "51G" in backup_min and floor_g > backup_min["51G"]["i_a"] / 1.2:
        conflicts.append(reach_conflict("51G", "ground fault |3I0|", g_pickup, floor_g,
                                        said_g, None if reaches else i_min_ground,
                                        backup_min.get("51G"), "peak"))
    chosen, met = choose_family(tries, order)
    curve = g_curve = chosen.curve
    met_p = met_g = met
    if not met:   # each element on its own (.curve_choice): a 51G is no reason to slow 51P
        (c_p, met_p), (c_g, met_g) = (choose_family(tries, order, k) for k in ("51P", "51G"))
        curve, g_curve = c_p.curve, c_g.curve
    unit, unit_g = units[g_pickup, curve], units[g_pickup, g_curve]
    by_curve = {t.curve: t for t in tries}
    td, tdg = by_curve[curve].td, by_curve[g_curve].tdg
    dial_p, dial_g = dial_of[g_pickup, curve][0], dial_of[g_pickup, g_curve][1]
    t1_p, t1_g = t1[g_pickup, curve][0], t1[g_pickup, g_curve][1]
    # why each dial: at the faults it meets the interval at (the others are said below)
    dials = {k: dial_figures(np.where(dl.unmet | (dl.accepted if dl.accepted is not None
                                                  else False), np.nan, tr),
                             pf.t_dev_s, pf.devices,
                             pf.faults, dial, TD_MIN, CTI_S)
             for k, tr, dial, dl in (("51P", t1_p, td, dial_p), ("51G", t1_g, tdg, dial_g))}
    choice = {"curve": curve, "ground_curve": g_curve, "met": bool(met_p and met_g),
              "met_51p": bool(met_p), "met_51g": bool(met_g), "separate": not met,
              "order": list(order), "bound_s": CLEAR_BOUND_S,
              "set_by": {k: f"{v['by']} at {v['fault']}, which clears in {v['t_by_s']:.3g} s"
                         for k, v in dials.items() if v and v["td"] > TD_MIN + 1e-9},
              "breaker_s": BREAKER_CYCLES / model.f_hz,
              "tries": {t.curve: dataclasses.asdict(t) for t in tries},
              "faults": {k: _min_fault_text(z, col, list(model.buses.index))
                         for k, z, col in (("51P", multi, "i_phase_a"),
                                           ("51G", ground, "i_ground_a")) if len(z)}}
    close_in = {}
    mine_max = d[(d.device == name) & (d.case == "max")]
    for k, col, time_s in (("51P", "i_phase_a", unit.phase_time_s),
                           ("51G", "i_ground_a", unit_g.ground_time_s)):
        if len(mine_max) and np.isfinite(mine_max[col]).any():
            close_in[k] = _largest_fault(mine_max, col, list(model.buses.index))
            close_in[k]["t_td1_s"] = float(np.asarray(time_s(np.array([close_in[k]["i_a"]])))[0])
    for k, dl, tr, dial, c, what in (("51P", dial_p, t1_p, td, curve, "phase current"),
                                     ("51G", dial_g, t1_g, tdg, g_curve, "|3I0|")):
        if not dl.met:
            conflicts.append(unmet_text(k, dl, tr, dial, c, pf, what, below))
    if dial_g.n_accepted:   # left to the head on purpose (.head_dials)
        full = time_dial(t1_g, pf.t_dev_s)
        t_min = min_fault_times(unit_g.ground_time_s, 1.0, i_min_ground, model.f_hz) - breaker_s
        conflicts.append(accepted_text(dial_g, t1_g, g_curve, pf, below, full.td,
                                       full.td * t_min + breaker_s,
                                       tdg * t_min + breaker_s))
    head_kv = float(model.buses.kv_ll.iat[head.bus]) if 0 <= head.bus < len(model.buses) else (
        math.nan)
    entry = {"name": name, "kind": "relay", "location": loc, "pickup_a": pickup,
             "curve": curve, "time_dial": td, "ground_pickup_a": g_pickup,
             "ground_curve": g_curve, "ground_time_dial": tdg,
             # a low-voltage feeder does not reclose (.low_voltage, review rev34b M3)
             "reclose_intervals_s": [] if is_low_voltage(head_kv) else list(
                 RECLOSE_INTERVALS_DER_S if model.inverters or model.machines or v2g_sites
                 else RECLOSE_INTERVALS_S)}
    figures = {"peak_load_a": i_load, "peak_residual_a": i0_load, "head_kv": head_kv,
               "load_cases_a": i_case, "residual_cases_a": i0_case,
               "c8_load_a": i_c8, "c8_case": c8_case, "c8_residual_a": i0_c8,
               "c8_case_ground": c8_case_g,
               "min_phase_fault_zone_a": i_min_phase, "min_ground_fault_zone_a": i_min_ground,
               "pickup_rule_a": round_up(steps["51P"][0]),   # 51P before the reach cap
               "devices_below": len(below), "below_names": [n for n, _ in below],
               "below_kinds": {n: getattr(getattr(m, "kind", None), "value",
                                          str(getattr(m, "kind", ""))) for n, m in below},
               "cti_s": CTI_S, "dials": dials, "close_in": close_in, "curve_choice": choice,
               "backup_min": backup_min,
               "pickup_steps": {k: pickup_steps(*v, fault="fault" if k == "51P" else
                                                "ground fault |3I0|")
                                for k, v in steps.items()}}
    if search.moved:   # the 51G raised inside its window (.head_dials)
        figures["ground_search"] = {"rule_a": search.rule_a, "pickup_a": g_pickup,
                                    "tried_a": search.tried_a, "floor_a": floor_g,
                                    "ceiling_a": steps["51G"][2]}
        figures["pickup_steps"]["51G"] += "; " + moved_text(
            search, floor_g, steps["51G"][2], dial_of, t1, pf, below)
    # an ungrounded head (no path to ground): no 51G, a TODO says why (review rev33c M1)
    return without_ground_element(RelayProposal(entry, figures, conflicts), model, head)


def _min_fault_text(rows: pd.DataFrame, col: str, bus_names: list[str]) -> str:
    """The zone's minimum fault of ``col`` in ``rows`` (min case), said: "SLG-a at b1, 181 A"."""
    w = rows.loc[rows[col].idxmin()]
    phase = str(w["phase"]) if "phase" in rows.columns else ""
    phase = f"-{phase}" if phase not in ("", "nan", "None") else ""
    return f"{w['fault_type']}{phase} at {bus_names[int(w['fault_bus'])]}, {w[col]:.0f} A"


def _largest_fault(rows: pd.DataFrame, col: str, bus_names: list[str]) -> dict[str, Any]:
    """The largest current of ``col`` (A) in the head's ``rows`` (max case) and the fault that
    carries it (``kind``: "LLG-ca", at ``bus``); for the ground current also the largest
    SLG's (``slg_i_a``) when another fault type carries more |3I0| (review rev29 §6, EPRI J1:
    the 5.01 kA of the re-draft's cost is an LLG-ca fault's 3I0, above the 4.75 kA SLG)."""
    w = rows.loc[rows[col].idxmax()]
    phase = str(w["phase"]) if "phase" in rows.columns else ""
    phase = f"-{phase}" if phase not in ("", "nan", "None") else ""
    out: dict[str, Any] = {"i_a": float(w[col]), "fault_type": str(w["fault_type"]),
                           "kind": f"{w['fault_type']}{phase}",
                           "bus": str(bus_names[int(w["fault_bus"])])}
    slg = rows[rows.fault_type == "SLG"][col]
    if col == "i_ground_a" and out["fault_type"] != "SLG" and np.isfinite(slg).any():
        out["slg_i_a"] = float(slg.max())
    return out

