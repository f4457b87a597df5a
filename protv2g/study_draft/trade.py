"""What a drafted head relay's values give up, and why its time dials are what they are: the
figures :func:`protv2g.study_draft.head_relay.propose_relay` keeps beside its values and the
text ``protv2g init --redraft`` prints and writes (review s28 §6a).

EPRI J1 re-drafted once a mid-feeder recloser R-MID bounds the head's zone: 51P 470 → 630 A
clears the C8 load margin and reaches the zone's minimum fault with 1.5 ×, but the head no
longer reaches the minimum fault in R-MID's zone (its *backup* zone, C5: ≥ the study's
``checks.sensitivity_backup_factor``, 1.2 by default) — LL-ca at b18968, 628 A = 1.00 × 630 A
(1.34 × the first draft's 470 A). And the ground dial 1.0, where 0.5 gives R-MID a 0.31 s
interval, is set by a fuse below R-MID. Both are the rule's choices (load margin over backup
reach; coordination over every device below, fuses included); the re-draft says them:

* :func:`backup_zone` — the head's backup zone: the primary zones of the devices right below
  it (the buses behind each, minus those behind a device below that one), as C5 ranks them
  (:func:`protv2g.topology_reach.reach_zones`: none behind an unguarded step transformer);
* :func:`zone_minimum` — the smallest multi-phase and ground fault the head sees there
  (IEC 60909 min, no V2G), with its fault and the device whose zone it is;
* :func:`dial_figures` — which device and fault set a time dial, the interval there, and the
  intervals the smallest dial would give over each device below;
* :func:`trade_lines` — the text, against the pickups the study had.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from protv2g.network.dss_model import DssModel
from protv2g.significant import number_text
from protv2g.study.places import DeviceSite
from protv2g.topology_reach import BACKUP, reach_zones

__all__ = ["backup_zone", "dial_figures", "redraft_trade", "trade_lines", "zone_minimum"]

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
    ``fault``), the interval there at ``td`` and at ``td_min`` (s), and at ``td_min`` the
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
            "interval_min_s": float(td_min * t_rel_td1[k] - t_dev[k]), "at_min": at_min}


def _s(x: float) -> str:
    return number_text(x, "s", 3)


def _dial_text(element: str, f: Mapping[str, Any]) -> str:
    """"ground TD 1: … set by F-LAT at SLG-b at b56685 (max case) …" (:func:`dial_figures`)."""
    if f["td"] <= f["td_min"] + 1e-9:  # the floor: no device sets it
        return (f"{element} TD {f['td']:g}: the smallest dial the rule drafts; its tightest "
                f"interval over the devices below is {_s(f['interval_s'])} ({f['by']} at "
                f"{f['fault']}, max case; {f['cti_s']:g} s wanted)")
    others = "; ".join(f"{d} {_s(s)}" for d, s in f["at_min"].items() if d != f["by"])
    return (f"{element} TD {f['td']:g}: the smallest dial with a {f['cti_s']:g} s interval "
            f"over every device below it, the fuses included; set by {f['by']} at "
            f"{f['fault']} (max case), {_s(f['interval_s'])} there; TD {f['td_min']:g} would "
            f"give {_s(f['interval_min_s'])} there" + (f" (over {others})" if others else ""))


def trade_lines(figures: Mapping[str, Any], pickups: Mapping[str, float | None],
                drafted: Mapping[str, float | None], backup_factor: float = 1.2) -> list[str]:
    """What the re-drafted relay gives up and why its dials are what they are (module
    docstring): for each pickup (``"51P"``/``"51G"`` → A, now and as ``drafted``) that no
    longer reaches its backup zone's minimum fault with ``backup_factor`` ×, the fault, the
    figure and the drafted pickup's; then each time dial's reason (:func:`dial_figures`).
    """
    out = []
    for key, element in (("51P", "phase"), ("51G", "ground")):
        m = figures.get("backup_min", {}).get(key)
        new, old = pickups.get(key), drafted.get(key)
        if m is None or not new:
            continue
        ratio = m["i_a"] / new
        if ratio >= backup_factor:
            continue
        was = (f" (at the drafted {old:g} A: {m['i_a'] / old:.2f} ×)" if old else "")
        out.append(f"backup reach: {key} {new:g} A no longer reaches the minimum "
                   f"{element} fault in {m['device']}'s zone with {backup_factor:g} × — "
                   f"{m['fault']}, {m['i_a']:.0f} A = {ratio:.2f} × pickup{was}; C5 will warn "
                   "of it (the rule keeps the load margin over backup reach)"
                   if not old or m["i_a"] / old >= backup_factor else
                   f"backup reach: {key} {new:g} A does not reach the minimum {element} "
                   f"fault in {m['device']}'s zone with {backup_factor:g} × — {m['fault']}, "
                   f"{m['i_a']:.0f} A = {ratio:.2f} × pickup{was}")
    for key, element in (("51P", "phase"), ("51G", "ground")):
        f = figures.get("dials", {}).get(key)
        if f:
            text = _dial_text(element, f)
            cost = figures.get("close_in", {}).get(key)
            if cost and f["td"] > f["td_min"] + 1e-9:
                what = "phase fault of" if key == "51P" else "ground fault of |3I0|"
                text += (f"; the cost: the largest {what} {cost['i_a'] / 1e3:.3g} kA at the "
                         f"head (max case) clears in "
                         f"{f['td'] * cost['t_td1_s']:.2f} s instead of "
                         f"{f['td_min'] * cost['t_td1_s']:.2f} s")
            out.append(text)
    return out


def redraft_trade(study: Any, again: list, stale: list) -> dict[int, list[str]]:
    """File index → what the re-drafted values of that relay give up and why its time dials
    are what they are (:func:`trade_lines`; review s28 §6a), for each relay of ``again``
    (:func:`protv2g.study_draft.redraft.redrafted`) with a re-drafted value (``stale``,
    :class:`~protv2g.study_draft.redraft.StaleValue`); the pickups compared with the
    study's (``study``: the loaded study)."""
    out = {}
    factor = float(study.document.checks.sensitivity_backup_factor)
    for index, d, prop in again:
        if not any(s.index == index for s in stale):
            continue
        now = {"51P": prop.entry.get("pickup_a"), "51G": prop.entry.get("ground_pickup_a")}
        was = {"51P": getattr(d, "pickup_a", None), "51G": getattr(d, "ground_pickup_a", None)}
        lines = trade_lines(prop.figures, now, was, factor)
        if lines:
            out[index] = lines
    return out
