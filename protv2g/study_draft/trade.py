"""What a drafted head relay's values give up, and why its time dials are what they are: the
figures :func:`protv2g.study_draft.head_relay.propose_relay` keeps beside its values and the
text ``protv2g init --redraft`` prints and writes (review s28 §6a).

EPRI J1 re-drafted once a mid-feeder recloser R-MID bounds the head's zone: 51P 470 → 630 A
clears the C8 load margin and reaches the zone's minimum fault with 1.5 ×, but the head no
longer reaches the minimum fault in R-MID's zone (its *backup* zone, C5: ≥ the study's
``checks.sensitivity_backup_factor``, 1.2 by default) — LL-ca at b18968, 628 A = 1.00 × 630 A
(1.34 × the first draft's 470 A). That is the rule's choice (load margin over backup reach);
the re-draft says it. The time dials coordinate over the devices right below the head only,
at the faults C1–C4 judge those pairs at (:mod:`.head_rule`; review rev31b W1: J1's ground
dial 1.0 was set by a fuse below R-MID, ckt24's 1.1 by a fuse below a recloser at a fault
behind an unfused step transformer — pairs and faults no criterion judges); the re-draft
says what sets each dial:

* :func:`backup_zone` — the head's backup zone: the primary zones of the devices right below
  it (the buses behind each, minus those behind a device below that one), as C5 ranks them
  (:func:`protv2g.topology_reach.reach_zones`: none behind an unguarded step transformer);
* :func:`zone_minimum` — the smallest multi-phase and ground fault the head sees there
  (IEC 60909 min, no V2G), with its fault and the device whose zone it is;
* :func:`dial_figures` — which device and fault set a time dial, the interval there, and the
  intervals the smallest dial would give over each device below;
* :func:`trade_lines` — the text, against the pickups the study had;
* :func:`interval_text` — why the draft's one interval (0.3 s) is not C1/C4's per-pair interval
  (review rev30 §6: the draft wanted 0.3 s over R-MID while C4 judged 0.12 s, and neither
  text said so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.criteria import pair_criterion
from protv2g.devices.rules import DevicePair, coordination_interval_s
from protv2g.network.dss_model import DssModel
from protv2g.significant import number_text
from protv2g.study.places import DeviceSite
from protv2g.study_draft.curve_choice import clearing_summary
from protv2g.topology_reach import BACKUP, reach_zones

__all__ = ["backup_zone", "check_intervals", "dial_figures", "dials_clause", "interval_text",
           "redraft_notes", "redraft_trade", "setting_notes", "trade_lines", "zone_minimum"]

_PHASE_FAULTS, _GROUND_FAULTS = ("3ph", "LL"), ("SLG", "LLG")


def backup_zone(model: DssModel, tree: nx.DiGraph, head: Any, fars: Mapping[str, int]
                ) -> dict[int, str]:
    """Bus → the device right below ``head`` whose primary zone it is: the head's backup
    zone (module docstring). ``fars``: each device wholly below the head → its far bus."""
    behind = {d: {f} | set(nx.descendants(tree, f)) for d, f in fars.items()}
    first = [d for d, f in fars.items()
             if not any(f in behind[e] for e in fars if e != d and fars[e] != f)]
    out: dict[int, str] = {}
    for d in sorted(first):
        own = set(behind[d])
        for e in fars:
            if e != d and fars[e] != fars[d] and fars[e] in behind[d]:
                own -= behind[e]
        out.update(dict.fromkeys(own, d))
    if not out:
        return out
    rows = model.elements.index[model.elements.name == head.element]
    site = DeviceSite("line", int(rows[0]) if len(rows) else -1, head.bus, head.far_bus)
    buses = np.array(sorted(out), dtype=np.int64)
    level, _ = reach_zones(model, {"head": site}, np.full(len(buses), "head"), buses,
                           np.full(len(buses), BACKUP))
    return {int(b): out[int(b)] for b in buses[level == BACKUP].tolist()}


def zone_minimum(rows: pd.DataFrame, zone: Mapping[int, str], bus_names: Sequence[str]
                 ) -> dict[str, dict[str, Any]]:
    """The smallest multi-phase (``"51P"``: phase current) and ground (``"51G"``: ``|3I0|``)
    fault the head sees in ``zone`` (bus index → device), min case, energised buses.

    ``rows``: the head's device rows with ``i_phase_a``/``i_ground_a`` (A) and ``fault_bus``
    (bus index); ``bus_names``: the model's bus names by index. Each entry: ``i_a``,
    ``fault`` ("LL-ca at b18968 (min)"), ``device`` (whose zone); absent without a row.
    """
    r = rows[(rows.case == "min") & rows.energized & rows.fault_bus.isin(list(zone))]
    out = {}
    for key, kinds, col in (("51P", _PHASE_FAULTS, "i_phase_a"),
                            ("51G", _GROUND_FAULTS, "i_ground_a")):
        sel = r[r.fault_type.isin(kinds)]
        if sel.empty:
            continue
        w = sel.loc[sel[col].idxmin()]
        phase = f"-{w['phase']}" if "phase" in sel.columns and str(w["phase"]) not in (
            "", "nan", "None") else ""
        bus = int(w["fault_bus"])
        out[key] = {"i_a": float(w[col]), "device": zone[bus],
                    "fault": f"{w['fault_type']}{phase} at {bus_names[bus]} (min)"}
    return out


def dial_figures(t_rel_td1: np.ndarray, t_dev: np.ndarray, devices: np.ndarray,
                 faults: np.ndarray, td: float, td_min: float, cti_s: float) -> dict[str, Any]:
    """Why a time dial is ``td``: the device and fault that need the largest dial (``by``,
    ``fault``), the interval there at ``td`` and at ``td_min`` (``interval_s``,
    ``interval_min_s``: the head's time minus the device's, s) with the two times it is the
    difference of (``t_head_s``, ``t_head_min_s``, ``t_by_s``), and at ``td_min`` the
    smallest interval over each device below (``at_min``: device → s).

    Parameters
    ----------
    t_rel_td1, t_dev : ndarray, shape (n,)
        The head's time at dial 1 and the device's clearing time at the same fault (s).
    devices, faults : ndarray of str, shape (n,)
        The device and the fault of each row.
    """
    ok = np.isfinite(t_rel_td1) & np.isfinite(t_dev) & (t_rel_td1 > 0)
    if not ok.any():
        return {}
    need = np.where(ok, (t_dev + cti_s) / np.where(ok, t_rel_td1, 1.0), -np.inf)
    k = int(np.argmax(need))
    at_min = {}
    for d in sorted(set(devices[ok].tolist())):
        sel = ok & (devices == d)
        at_min[d] = float(np.min(td_min * t_rel_td1[sel] - t_dev[sel]))
    return {"td": td, "td_min": td_min, "cti_s": cti_s, "by": str(devices[k]),
            "fault": str(faults[k]), "interval_s": float(td * t_rel_td1[k] - t_dev[k]),
            "interval_min_s": float(td_min * t_rel_td1[k] - t_dev[k]), "at_min": at_min,
            "t_head_s": float(td * t_rel_td1[k]), "t_head_min_s": float(td_min * t_rel_td1[k]),
            "t_by_s": float(t_dev[k])}


def _s(x: float) -> str:
    return number_text(x, "s", 3)


def _dial_text(f: Mapping[str, Any]) -> str:
    """Why a time dial is ``f["td"]`` (:func:`dial_figures`), said with the head's and the
    device's times the intervals are the difference of (review rev29 §6: "TD 0.5 would give
    −1.17 s there (over F-END 1.22 s; R-MID 0.313 s)" did not say which margin)."""
    if f["td"] <= f["td_min"] + 1e-9:  # the floor: no device sets it
        return (f"the smallest dial the rule drafts; its tightest interval over the devices "
                f"right below it is {_s(f['interval_s'])} ({f['by']} at {f['fault']}; "
                f"{f['cti_s']:g} s wanted)")
    by, x = f["by"], f["interval_min_s"]
    text = (f"the smallest dial (0.1 steps) with a {f['cti_s']:g} s interval over every "
            "device right below it (the first on each path down), the fuses included, at "
            "the faults C1–C4 judge each pair at, max and min case (none behind a step "
            f"transformer without a device); set by {by} at {f['fault']}")
    if "t_by_s" in f:
        text += (f", where the head operates in {_s(f['t_head_s'])} and {by} clears in "
                 f"{_s(f['t_by_s'])}: interval {_s(f['interval_s'])}; at TD {f['td_min']:g} "
                 f"the head would operate there in {_s(f['t_head_min_s'])}, " + (
                     f"{_s(-x)} before {by} clears (interval {_s(x)})" if x < 0 else
                     f"{_s(x)} after {by} clears (interval {_s(x)}, under "
                     f"{f['cti_s']:g} s)"))
    else:
        text += (f", {_s(f['interval_s'])} there; TD {f['td_min']:g} would give {_s(x)} "
                 "there")
    others = ", ".join(f"{d} {_s(v)}" for d, v in f["at_min"].items() if d != by)
    return text + (f"; its smallest intervals at TD {f['td_min']:g} over the other devices "
                   f"right below it, at the faults judged behind each: {others}"
                   if others else "")


def _cost_text(key: str, f: Mapping[str, Any], cost: Mapping[str, Any]) -> str:
    """What the larger dial costs: the head's time at its largest fault current, at the
    dial and at the rule's smallest; the fault named, and for |3I0| the largest SLG's when
    another fault carries more (review rev29 §6: J1's 5.01 kA is an LLG-ca fault's 3I0)."""
    what = "phase current" if key == "51P" else "|3I0|"
    kind = cost.get("kind")
    fault = (f" of {'a' if kind[0].isdigit() else 'an'} {kind} fault at {cost['bus']}"
             if kind else "")
    slg = (f"; above the largest SLG's {cost['slg_i_a'] / 1e3:.3g} kA"
           if cost.get("slg_i_a") is not None else "")
    return (f"the cost: the largest {what} at the head, {cost['i_a'] / 1e3:.3g} kA{fault} "
            f"(max case{slg}), trips the head's {key} in {f['td'] * cost['t_td1_s']:.2f} s "
            f"instead of {f['td_min'] * cost['t_td1_s']:.2f} s at TD {f['td_min']:g}")


def _reach_text(key: str, element: str, m: Mapping[str, Any], new: float,
                old: float | None, backup_factor: float) -> str:
    ratio = m["i_a"] / new
    was = (f" (at the drafted {old:g} A: {m['i_a'] / old:.2f} ×)" if old else "")
    return (f"backup reach: {key} {new:g} A no longer reaches the minimum "
            f"{element} fault in {m['device']}'s zone with {backup_factor:g} × — "
            f"{m['fault']}, {m['i_a']:.0f} A = {ratio:.2f} × pickup{was}; C5 will warn "
            "of it (the rule keeps the load margin over backup reach)"
            if not old or m["i_a"] / old >= backup_factor else
            f"backup reach: {key} {new:g} A does not reach the minimum {element} "
            f"fault in {m['device']}'s zone with {backup_factor:g} × — {m['fault']}, "
            f"{m['i_a']:.0f} A = {ratio:.2f} × pickup{was}")


#: Device kind below the head → the pair C4 judges the head over it, and its ``checks`` key.
_PAIRS = {"recloser": (DevicePair.RELAY_RECLOSER, "cti_recloser_relay_s"),
          "fuse": (DevicePair.RELAY_FUSE, "cti_relay_fuse_s"),
          "relay": (DevicePair.RELAY_RELAY, "cti_relay_relay_s")}


def criterion(kind: str) -> str:
    """The criterion that judges the head relay over a device of ``kind`` right below it
    (:func:`protv2g.criteria.pair_criterion` with the relay as backup).

    >>> criterion("recloser"), criterion("fuse")
    ('C4', 'C1')
    """
    return pair_criterion(kind, "relay")


def check_intervals(kinds: Mapping[str, str], checks: Any = None) -> dict[str, float]:
    """Device right below the head → the interval (s) its criterion (C4 over a recloser, C1
    over a fuse or relay: :func:`criterion`) judges the head relay over it with: the
    pair's coordination interval of ``relay_library/rules.yaml``
    (:func:`protv2g.devices.rules.coordination_interval_s`) for the study's
    ``checks.relay_technology`` (numerical by default) and its ``cti_*`` override.

    ``kinds``: device → kind (``"recloser"``, ``"fuse"``, ``"relay"``; others are skipped);
    ``checks``: the study's :class:`~protv2g.study.schema.Checks` (None: the defaults).

    >>> check_intervals({"R-MID": "recloser", "F-TAP": "fuse"})
    {'R-MID': 0.12, 'F-TAP': 0.12}
    """
    tech = str(getattr(checks, "relay_technology", "numerical"))
    out = {}
    for device, kind in kinds.items():
        if kind in _PAIRS:
            pair, key = _PAIRS[kind]
            out[device] = coordination_interval_s(pair, tech,
                                                  override=getattr(checks, key, None)).value
    return out


def interval_text(cti_s: float, kinds: Mapping[str, str], checks: Any = None) -> str:
    """Which interval the draft's time dials keep over the devices below and why C4 judges
    with others (review rev30 §6, EPRI ckt5: the draft wanted 0.3 s over R-MID, C4 judged the
    head over it with 0.12 s, and neither text said so).

    The draft's ``cti_s`` (:data:`~.head_relay.CTI_S`, 0.3 s) is IEEE 242-2001 §15's
    relay–relay interval for an electromechanical relay (breaker 0.08 + overtravel 0.10 +
    safety 0.12 s), one value over every kind of device: the draft knows neither the relay
    nor its breaker. C4 takes each pair's interval from the rule table
    (:func:`check_intervals`; the Rules sheet): below a numerical relay a fuse's or
    recloser's time is already a clearing time, so the safety margin alone, 0.12 s.

    >>> interval_text(0.3, {"R-MID": "recloser"}).endswith("may still pass C4")
    True
    >>> "C1 and C4 judge each pair" in interval_text(0.3, {"R": "recloser", "F": "fuse"})
    True
    """
    text = (f"{cti_s:g} s: init's one interval over every device right below (IEEE 242-2001 "
            "§15's relay–relay interval for an electromechanical relay: breaker 0.08 + "
            "overtravel 0.10 + safety 0.12 s; the draft knows neither the relay nor its "
            "breaker)")
    c4 = check_intervals(kinds, checks)
    if not c4:
        return text
    by_kind: dict[str, float] = {}
    for device, value in c4.items():
        by_kind.setdefault(kinds[device], value)
    tech = str(getattr(checks, "relay_technology", "numerical"))
    crits = sorted({criterion(k) for k in by_kind})
    who = (f"{crits[0]} judges" if len(crits) == 1 else " and ".join(crits) + " judge")
    return text + (f"; {who} each pair with its own interval (Rules sheet, " + tech
                   + " relay: " + ", ".join(f"over a {k} {v:g} s" for k, v in by_kind.items())
                   + "; a fuse's or recloser's time is already a clearing time), so a dial "
                   f"with less than {cti_s:g} s may still pass " + " and ".join(crits))


def dials_clause(figures: Mapping[str, Any], checks: Any = None,
                 kept: Mapping[str, tuple[float, float]] | None = None) -> str:
    """What the drafted relay's time dials are for, as its ``# TODO: assumed feeder-head
    relay …`` comment says it after "time dials for " (init's draft; re-written by
    ``init --redraft``, review rev30 §6: it still said "no protective device below it" once
    R-MID, F-TAP and F-END had been added).

    ``figures``: the proposal's (``cti_s``, ``below_names``, ``below_kinds``: the devices
    right below the head; ``beyond_names``: those behind them, which it does not coordinate
    with);
    ``kept``: setting → (the file's value, the rule's value) of a time dial the re-draft
    left as drafted (within one step).
    """
    names = list(figures.get("below_names", ()))
    if not names:
        return ("the smallest time dial protv2g drafts (no protective device below it in the "
                "model to coordinate with)")
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    text = f"{figures['cti_s']:g} s over the {len(names)} device(s) right below it ({shown})"
    beyond = list(figures.get("beyond_names", ()))
    if beyond:
        more = ", ".join(beyond[:6]) + (f" and {len(beyond) - 6} more" if len(beyond) > 6
                                        else "")
        text += (f", not over the {len(beyond)} behind them ({more}): the device above "
                 "each is its backup, not the head")
    for key, (was, now) in (kept or {}).items():
        element = "phase" if key == "time_dial" else "ground"
        text += (f"; {element} TD {was:g} is the first draft's, kept: the rule now gives "
                 f"{now:g}, within 10% or one step")
    return text + "; " + interval_text(figures["cti_s"], figures.get("below_kinds", {}),
                                       checks)


_SETTING = {("51P", "reach"): "pickup_a", ("51G", "reach"): "ground_pickup_a",
            ("51P", "dial"): "time_dial", ("51G", "dial"): "ground_time_dial"}


def setting_notes(figures: Mapping[str, Any], pickups: Mapping[str, float | None],
                  drafted: Mapping[str, float | None], backup_factor: float = 1.2, *,
                  checks: Any = None) -> dict[str, str]:
    """Setting (``pickup_a`` … ``ground_time_dial``) → what its re-drafted value gives up or
    why it is what it is (module docstring), the text ``init --redraft`` writes beside the
    value in the study file (review rev29 §6: the reasons were printed, not kept): for each
    pickup (``"51P"``/``"51G"`` → A, now and as ``drafted``) that no longer reaches its
    backup zone's minimum fault with ``backup_factor`` ×, the fault, the figure and the
    drafted pickup's; for each time dial, what sets it (:func:`dial_figures`) and, above the
    rule's smallest dial, its cost at the head's largest fault; where the device setting it
    is one right below the head (``figures["below_kinds"]``: the pairs C1 and C4 judge the
    head in), the interval its criterion wants there (:func:`check_intervals`, the study's
    ``checks``) and whether the rule's smallest dial would meet it (review rev30 §6: 0.3 s
    drafted, 0.12 s judged; review rev31b W1: the text named C4 over a fuse below a
    recloser, a pair no criterion judges).
    """
    out = {}
    for key, element in (("51P", "phase"), ("51G", "ground")):
        m = figures.get("backup_min", {}).get(key)
        new, old = pickups.get(key), drafted.get(key)
        if m is not None and new and m["i_a"] / new < backup_factor:
            out[_SETTING[key, "reach"]] = _reach_text(key, element, m, new, old,
                                                      backup_factor)
    c4 = check_intervals(figures.get("below_kinds", {}), checks)
    for key in ("51P", "51G"):
        f = figures.get("dials", {}).get(key)
        if f:
            text = _dial_text(f)
            cost = figures.get("close_in", {}).get(key)
            if cost and f["td"] > f["td_min"] + 1e-9:
                text += "; " + _cost_text(key, f, cost)
            if f["by"] in c4 and f["td"] > f["td_min"] + 1e-9:
                x, want = f["interval_min_s"], c4[f["by"]]
                crit = criterion(figures["below_kinds"][f["by"]])
                text += (f"; {crit} judges the head over {f['by']} with {want:g} s (Rules "
                         "sheet), "
                         f"not {f['cti_s']:g} s: TD {f['td_min']:g}'s {_s(x)} there would "
                         + ("pass it" if x >= want - 1e-9 else "fail it too"))
            out[_SETTING[key, "dial"]] = text
    choice = figures.get("curve_choice")
    if choice:  # the family and what it gives at the zone's end (review s32)
        out["curve"] = clearing_summary(choice)
    return out


def trade_lines(figures: Mapping[str, Any], pickups: Mapping[str, float | None],
                drafted: Mapping[str, float | None], backup_factor: float = 1.2, *,
                checks: Any = None, kept: Mapping[str, float] | None = None) -> list[str]:
    """What the re-drafted relay gives up and why its dials are what they are, as printed
    by ``init --redraft`` (:func:`setting_notes`: each backup reach given up, then each
    time dial's reason, ``"ground TD 1: …"``). ``kept``: ``"51P"``/``"51G"`` → the file's
    time dial where the re-draft keeps the first draft's (within one step of the rule's:
    review rev30 §6, the print named TD 0.6 while the file kept 0.5), said before its reason.
    """
    notes = setting_notes(figures, pickups, drafted, backup_factor, checks=checks)
    dials = figures.get("dials", {})
    kept = kept or {}

    def head(key: str, element: str) -> str:
        td = dials[key]["td"]
        if key in kept and abs(float(kept[key]) - td) > 1e-9:
            return (f"{element} TD {td:g} (not written: the file keeps the first draft's TD "
                    f"{float(kept[key]):g}, within 10% or one step of the rule's)")
        return f"{element} TD {td:g}"

    return ([notes[k] for k in ("pickup_a", "ground_pickup_a") if k in notes]
            + [f"{head(key, element)}: {notes[k]}"
               for key, element, k in (("51P", "phase", "time_dial"),
                                       ("51G", "ground", "ground_time_dial")) if k in notes])


def redraft_trade(study: Any, again: list, stale: list) -> dict[int, list[str]]:
    """File index → what the re-drafted values of that relay give up and why its time dials
    are what they are (:func:`trade_lines`; review s28 §6a), for each relay of ``again``
    (:func:`protv2g.study_draft.redraft.redrafted`) with a re-drafted value (``stale``,
    :class:`~protv2g.study_draft.redraft.StaleValue`); the pickups compared with the
    study's (``study``: the loaded study)."""
    return _per_relay(study, again, stale, trade_lines)


def redraft_notes(study: Any, again: list, stale: list) -> dict[int, dict[str, str]]:
    """File index → setting → the text ``init --redraft`` writes beside its re-drafted
    value (:func:`setting_notes`), for the relays of :func:`redraft_trade`."""
    return _per_relay(study, again, stale, setting_notes)


def _per_relay(study: Any, again: list, stale: list, fn: Any) -> dict[int, Any]:
    out = {}
    checks = study.document.checks
    factor = float(checks.sensitivity_backup_factor)
    for index, d, prop in again:
        if not any(s.index == index for s in stale):
            continue
        now = {"51P": prop.entry.get("pickup_a"), "51G": prop.entry.get("ground_pickup_a")}
        was = {"51P": getattr(d, "pickup_a", None), "51G": getattr(d, "ground_pickup_a", None)}
        written = {s.key for s in stale if s.index == index}
        extra = {"checks": checks}
        if fn is trade_lines:
            extra["kept"] = {k: getattr(d, key) for k, key in (("51P", "time_dial"),
                                                               ("51G", "ground_time_dial"))
                             if key not in written and getattr(d, key, None) is not None}
        said = fn(prop.figures, now, was, factor, **extra)
        if said:
            out[index] = said
    return out
