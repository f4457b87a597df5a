"""A directional relay's control logic and the verdict on each element's decision.

Control (SEL-style ``ORDER`` logic, ``docs/directional-elements.md`` §4): each overcurrent
element of a forward-directional relay — 51P/50P of phase a, b and c, and 51G/50G — is released
by the first element of its list (``phase_elements`` / ``ground_elements``) that is *enabled*:
67P of that phase when it has a polarising voltage (or memory), 32Q/32V when their 50F/50R and
``a2``/``a0`` supervision pick up, the 67N torque element when ``|V0|`` is above its minimum.
The overcurrent element then trips when that element declares forward; with no element enabled
it is blocked. An empty list leaves the overcurrent element non-directional (element ``51P`` /
``51G``, always "forward").

Verdicts (column ``verdict``; ``matters`` marks the two that fail C9):

``wrong_trip``
    the fault is behind the relay, the controlling element declares forward and the
    overcurrent element operates before the fault is cleared (``t < t_clear + margin``);
``fails_to_trip``
    the fault is ahead of the relay in its primary or backup zone, the overcurrent element picks
    up, yet no element releases any overcurrent element: the relay never trips;
``wrong_after_clearing`` (a wrong forward decision that the clearing device beats),
``overridden`` (a wrong decision while the relay trips through another element),
``healthy_phase`` (an unfaulted phase element restraining on load or export current),
``trips``, ``restrains``, ``no_decision`` (blocked, behind the relay: secure),
``out_of_zone``, ``not_in_control``, ``below_pickup``, ``not_judged`` (meshed, no true
direction).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from protv2g.directional.settings import DirectionalSettings
from protv2g.units import Direction

__all__ = ["DIRECTIONAL_COLUMNS", "Verdict", "MATTERS", "Control", "control", "judge",
           "RELEASE_BITS", "ALL_RELEASED", "released_code", "release_masks"]

_FWD, _REV, _NONE = Direction.FORWARD.value, Direction.REVERSE.value, Direction.NONE.value
_KEYS = ["scenario", "fault_bus", "fault_type", "case"]

#: Columns of the directional table (units in the names; see docs/directional-elements.md).
DIRECTIONAL_COLUMNS = [
    "scenario", "step", "device", "fault_bus", "fault_bus_name", "fault_type", "case",
    "element", "phase", "controls", "trip_direction", "true_direction", "declared_direction",
    "in_control", "verdict", "matters", "faulted_phase",
    "i_operating_a", "i_operating_degree", "v_polarising_pu", "v_polarising_degree",
    "angle_degree", "mta_degree", "z_ohm", "z_forward_threshold_ohm", "z_reverse_threshold_ohm",
    "min_pol_pu", "memory_used", "low_polarising",
    "oc_current_a", "oc_pickup_a", "picks_up", "below_pickup", "t_operate_s", "relay_t_trip_s",
    "relay_t_nondirectional_s", "clearing_device", "t_clear_s", "in_zone",
    "p_mw", "pickup_mw", "wrong_direction",
]


class Verdict(StrEnum):
    """What a directional element's decision means for the relay (see the module docstring)."""

    WRONG_TRIP = "wrong_trip"
    FAILS_TO_TRIP = "fails_to_trip"
    WRONG_AFTER_CLEARING = "wrong_after_clearing"
    OVERRIDDEN = "overridden"
    HEALTHY_PHASE = "healthy_phase"
    TRIPS = "trips"
    RESTRAINS = "restrains"
    NO_DECISION = "no_decision"
    OUT_OF_ZONE = "out_of_zone"
    NOT_IN_CONTROL = "not_in_control"
    BELOW_PICKUP = "below_pickup"
    NOT_JUDGED = "not_judged"


#: Verdicts that are C9 failures.
MATTERS = (Verdict.WRONG_TRIP.value, Verdict.FAILS_TO_TRIP.value)


@dataclass(frozen=True)
class Control:
    """Per overcurrent element ``oc`` (``a``, ``b``, ``c``, ``G``), arrays over the rows.

    ``key[oc]`` the controlling element (``(element, phase)``), ``current_a``, ``pickup_a``,
    ``t_s`` (operate time, ``inf`` below pickup, ``nan`` without a relay model),
    ``picks_up``; ``t_trip_s`` relay trip time with the directional control and
    ``t_nd_s`` without it.
    """

    key: dict[str, np.ndarray]
    current_a: dict[str, np.ndarray]
    pickup_a: dict[str, float]
    t_s: dict[str, np.ndarray]
    picks_up: dict[str, np.ndarray]
    declared: dict[str, np.ndarray]
    t_trip_s: np.ndarray
    t_nd_s: np.ndarray


def _order_keys(s: DirectionalSettings, oc: str) -> list[tuple[str, str]]:
    if oc == "G":
        return [(e, "") for e in s.ground_elements] or [("51G", "")]
    return [(e, oc if e == "67P" else "") for e in s.phase_elements] or [("51P", oc)]


def control(p: object, s: DirectionalSettings, elements: Mapping[tuple[str, str], dict],
            relay: object | None, times: Mapping[str, np.ndarray] | None = None) -> Control:
    """Which element releases each overcurrent element, and when the relay trips.

    Parameters
    ----------
    p : FaultPhasors
        From :func:`protv2g.directional.evaluate.fault_phasors`.
    s : DirectionalSettings
    elements : mapping (element, phase) → dict
        Each element's arrays (``declared``, ``enabled``, …).
    relay : OvercurrentRelay or None
        Overcurrent model (``phase_time_s``, ``ground_time_s``).
    times : mapping, optional
        ``"a"``, ``"b"``, ``"c"``, ``"G"`` → each overcurrent element's operate time per row
        (s), replacing the relay model's constant-current times — e.g. through the stages of
        the chargers' contribution (:func:`protv2g.devices.staged.staged_phase_element_times`).
    """
    i_abc = np.abs(p.i_abc_a)  # type: ignore[attr-defined]
    n = len(i_abc)
    ocs = ["a", "b", "c"] + (["G"] if s.ground_pickup_a is not None else [])
    key, cur, pick, t, up, dec = {}, {}, {}, {}, {}, {}
    for oc in ocs:
        if oc == "G":
            cur[oc] = 3.0 * np.abs(p.i012_a[:, 0])  # type: ignore[attr-defined]
            pick[oc] = float(s.ground_pickup_a)  # type: ignore[arg-type]
            t[oc] = (relay.ground_time_s(cur[oc]) if relay is not None  # type: ignore[attr-defined]
                     else np.full(n, np.nan))
        else:
            cur[oc] = i_abc[:, "abc".index(oc)]
            pick[oc] = float(s.pickup_a)
            t[oc] = (relay.phase_time_s(cur[oc]) if relay is not None  # type: ignore[attr-defined]
                     else np.full(n, np.nan))
        if times is not None and oc in times:
            t[oc] = np.asarray(times[oc], float)
        t[oc] = np.asarray(t[oc], float) * np.ones(n)
        up[oc] = np.isfinite(t[oc]) if relay is not None else cur[oc] >= pick[oc]
        order = _order_keys(s, oc)
        chosen = np.full(n, -1)
        for j, k in enumerate(order):
            en = elements[k]["enabled"] if k in elements else np.ones(n, bool)
            chosen[(chosen < 0) & en] = j
        blocked = chosen < 0
        chosen[blocked] = 0
        labels = np.array([f"{e}/{ph}" for e, ph in order], dtype=object)
        key[oc] = labels[chosen]
        d = np.full(n, _NONE, dtype=object)
        for j, k in enumerate(order):
            sel = (chosen == j) & ~blocked
            d[sel] = elements[k]["declared"][sel] if k in elements else _FWD
        dec[oc] = d
    with np.errstate(invalid="ignore"):
        t_trip = np.full(n, np.inf)
        t_nd = np.full(n, np.inf)
        for oc in ocs:
            tt = np.where(up[oc], t[oc], np.inf)
            t_nd = np.fmin(t_nd, tt)
            t_trip = np.fmin(t_trip, np.where(dec[oc] == _FWD, tt, np.inf))
    return Control(key, cur, pick, t, up, dec, t_trip, t_nd)


#: Bits of a row's release code (:func:`released_code`): each overcurrent element released.
RELEASE_BITS = {"a": 1, "b": 2, "c": 4, "G": 8}
#: The code of a row whose every overcurrent element is released (a non-directional device).
ALL_RELEASED = 15


def released_code(ctrl: Control) -> tuple[np.ndarray, np.ndarray]:
    """``(code, blocked)`` per row of ``ctrl``: ``code`` (int8) the sum of
    :data:`RELEASE_BITS` of the overcurrent elements the relay may operate through — those
    whose controlling element declares forward, and an element the relay has not (no
    ground pickup: nothing to block); ``blocked`` (bool) where an overcurrent element that
    picks up is not released (reverse, or no decision: polarising below its minimum,
    supervision not picked up)."""
    n = len(ctrl.t_trip_s)
    code = np.zeros(n, dtype=np.int8)
    blocked = np.zeros(n, dtype=bool)
    for oc, bit in RELEASE_BITS.items():
        fwd = ctrl.declared[oc] == _FWD if oc in ctrl.declared else np.ones(n, bool)
        code += np.where(fwd, bit, 0).astype(np.int8)
        if oc in ctrl.declared:
            blocked |= ~fwd & np.asarray(ctrl.picks_up[oc], bool)
    return code, blocked


def release_masks(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(phases, ground)``: a release code (:func:`released_code`) as ``(n, 3)`` bool per
    phase element a, b, c and ``(n,)`` bool for the ground element."""
    c = np.asarray(code)
    return (np.stack([(c & RELEASE_BITS[p]) != 0 for p in "abc"], axis=-1),
            (c & RELEASE_BITS["G"]) != 0)


def _clearing(rows: pd.DataFrame, clearing: pd.DataFrame | None, default_s: float
              ) -> tuple[np.ndarray, np.ndarray]:
    if clearing is None or clearing.empty:
        return np.full(len(rows), "", dtype=object), np.full(len(rows), default_s)
    c = clearing[[*_KEYS, "clearing_device", "t_clear_s"]].drop_duplicates(_KEYS)
    m = rows[_KEYS].astype({"fault_type": str, "case": str}).merge(
        c.astype({"fault_type": str, "case": str}), how="left", on=_KEYS)
    t = m["t_clear_s"].to_numpy(float)
    dev = m["clearing_device"].fillna("").astype(object).to_numpy()
    return dev, np.where(np.isnan(t), default_s, t)


def _in_zone(rows: pd.DataFrame, zones: pd.DataFrame | None, device: str) -> np.ndarray:
    if zones is None:
        return np.ones(len(rows), bool)
    buses = set(zones.loc[zones.device == device, "bus"].astype(int))
    return rows["fault_bus"].astype(int).isin(buses).to_numpy()


def _controls(s: DirectionalSettings, key: tuple[str, str]) -> list[str]:
    e, ph = key
    if e in ("67P", "51P"):
        return [ph]
    if e in ("67N", "51G"):
        return ["G"] if s.ground_pickup_a is not None else []
    out = ["a", "b", "c"] if "32Q" in s.phase_elements else []
    return out + (["G"] if "32Q" in s.ground_elements and s.ground_pickup_a is not None else [])


def judge(rows: pd.DataFrame, s: DirectionalSettings, elements: Mapping[tuple[str, str], dict],
          ctrl: Control, true_dir: np.ndarray, faulted: np.ndarray,
          clearing: pd.DataFrame | None, zones: pd.DataFrame | None, device: str,
          margin_s: float) -> pd.DataFrame:
    """One row per element and fault row with its verdict (columns of
    :data:`protv2g.directional.evaluate.DIRECTIONAL_COLUMNS`)."""
    n = len(rows)
    clear_dev, t_clear = _clearing(rows, clearing, s.unmodelled_clearing_time_s)
    in_zone = _in_zone(rows, zones, device)
    keys = list(elements)
    keys += [k for oc in ctrl.key for k in [_order_keys(s, oc)[0]]
             if k[0] in ("51P", "51G") and k not in keys]
    base = rows[["scenario", "device", "fault_bus", "fault_bus_name", "fault_type",
                 "case"]].copy()
    base.insert(1, "step", -1)
    frames = []
    for key in keys:
        ocs = [oc for oc in _controls(s, key) if oc in ctrl.key]
        if not ocs:
            continue
        label = f"{key[0]}/{key[1]}"
        e = elements.get(key)
        declared = e["declared"] if e is not None else np.full(n, _FWD, dtype=object)
        ctl = np.stack([ctrl.key[oc] == label for oc in ocs])         # (k, n)
        t_oc = np.stack([ctrl.t_s[oc] for oc in ocs])
        up_oc = np.stack([ctrl.picks_up[oc] for oc in ocs])
        cur_oc = np.stack([ctrl.current_a[oc] for oc in ocs])
        rank = np.where(ctl & up_oc, np.nan_to_num(t_oc, nan=0.0, posinf=1e300), np.inf)
        j = np.where(np.isfinite(rank).any(0), np.argmin(rank, 0),
                     np.argmax(np.where(ctl, cur_oc, -1.0), 0))
        col = np.arange(n)
        in_control = ctl.any(0)
        picks_up = up_oc[j, col]
        t_op = t_oc[j, col]
        ph = key[1] if key[0] in ("67P", "51P") else ""
        is_faulted = faulted[:, "abc".index(ph)] if ph else np.ones(n, bool)
        fwd, rev = declared == _FWD, declared == _REV
        t_fwd, t_rev = true_dir == _FWD, true_dir == _REV
        relay_trips = np.isfinite(ctrl.t_trip_s)
        with np.errstate(invalid="ignore"):
            early = ~(t_op >= t_clear + margin_s)  # nan (no relay model) counts as early
        verdict = np.select(
            [~picks_up, true_dir == _NONE, ~in_control,
             t_rev & fwd & early, t_rev & fwd, t_rev & rev, t_rev,
             t_fwd & fwd, ~is_faulted, relay_trips, ~in_zone],
            [Verdict.BELOW_PICKUP, Verdict.NOT_JUDGED, Verdict.NOT_IN_CONTROL,
             Verdict.WRONG_TRIP, Verdict.WRONG_AFTER_CLEARING, Verdict.RESTRAINS,
             Verdict.NO_DECISION, Verdict.TRIPS, Verdict.HEALTHY_PHASE, Verdict.OVERRIDDEN,
             Verdict.OUT_OF_ZONE], default=Verdict.FAILS_TO_TRIP).astype(str).astype(object)
        decided = declared != _NONE
        wrong = decided & (true_dir != _NONE) & (declared != true_dir) & (is_faulted | fwd)
        out = base.copy()
        out["element"], out["phase"] = key[0], key[1]
        out["controls"] = "+".join(dict.fromkeys("51G" if oc == "G" else "51P" for oc in ocs))
        out["trip_direction"] = s.trip_direction
        out["true_direction"] = true_dir
        out["declared_direction"] = declared
        out["in_control"] = in_control
        out["verdict"] = verdict
        out["matters"] = np.isin(verdict, MATTERS)
        out["faulted_phase"] = is_faulted
        if e is not None:
            out["i_operating_a"] = np.abs(e["i_op"])
            out["i_operating_degree"] = np.degrees(np.angle(e["i_op"]))
            out["v_polarising_pu"] = np.abs(e["v_pol_pu"])
            out["v_polarising_degree"] = np.degrees(np.angle(e["v_pol_pu"]))
            for c, k in (("angle_degree", "angle"), ("mta_degree", "mta"), ("z_ohm", "z"),
                         ("z_forward_threshold_ohm", "zf"), ("z_reverse_threshold_ohm", "zr"),
                         ("min_pol_pu", "min_pol"), ("memory_used", "memory"),
                         ("low_polarising", "low")):
                out[c] = e[k]
        out["oc_current_a"] = cur_oc[j, col]
        out["oc_pickup_a"] = np.array([ctrl.pickup_a[ocs[k]] for k in j])
        out["picks_up"] = picks_up
        out["below_pickup"] = ~picks_up
        out["t_operate_s"] = t_op
        out["relay_t_trip_s"] = ctrl.t_trip_s
        out["relay_t_nondirectional_s"] = ctrl.t_nd_s
        out["clearing_device"] = np.where(t_rev, clear_dev, "")
        out["t_clear_s"] = np.where(t_rev, t_clear, np.nan)
        out["in_zone"] = in_zone
        out["wrong_direction"] = wrong
        frames.append(out)
    return pd.concat(frames, ignore_index=True) if frames else base.iloc[:0]
