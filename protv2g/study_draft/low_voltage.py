"""Low-voltage practice in ``protv2g init``'s drafts (review rev34b M3).

On the IEEE European LV test feeder (416 V, 50 Hz) init drafted medium-voltage practice for the
relay on the 416 V head line: a 15 kV-class breaker rating (IEEE C37.06), a breaker reclosing
``[3.5, 15, 30]``, a fault-resistance TODO quoting the 11 kV source bus, and the study kept
ANSI C84.1 Range A's 1.05 pu on a 230/400 V feeder. For a device on an element at or below
1 kV (:data:`~protv2g.topology_reach.LOW_VOLTAGE_KV`, IEC 60038) the draft now writes:

* **no reclosing** (``reclose_intervals_s: []``, :data:`LV_RECLOSE_TODO`): a low-voltage
  distribution feeder is protected by fuses (IEC 60269 gG) or circuit-breakers (IEC 60947-2)
  that do not auto-reclose — its faults are mostly in cables, joints and customers'
  installations, permanent, and reclosing re-applies the fault to installations and people
  who may be at it (European DSO practice, recalled; auto-reclosing LV devices exist for
  overhead LV networks and are the exception);
* an **LV interrupting rating** (:data:`protv2g.study_draft.ratings.LV_RATING_CLASSES`): an
  IEC 60947-2 breaker's rated ultimate short-circuit breaking capacity ``Icu`` or an
  IEC 60269-2 fuse-link's breaking capacity, each marked TODO (recalled, not checked);
* the minimum-case **fault resistance** said to be unused at low voltage (the study keeps
  ``faults.r_fault_ohm`` on buses of 1 kV or less, ``docs/opendss-phase-path.md``;
  :func:`r_fault_low_voltage_todo`);

and, for a **50 Hz** model, a TODO on ``checks.v_max_pu`` (:func:`voltage_limit_todo`): the
study uses ANSI C84.1 Range A (1.05 pu) unless told; a European feeder is usually held to
EN 50160 (230 V ± 10 %). The engineer decides; the TODO says which the study uses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from protv2g.study.voltage_standard import ANSI_RANGE_A_PU, EN50160_PU, is_50_hz
from protv2g.study_draft.writer import todo
from protv2g.topology_reach import LOW_VOLTAGE_KV

__all__ = ["LV_RECLOSE_TODO", "device_kv", "is_low_voltage", "r_fault_low_voltage_todo",
           "voltage_limit_todo", "zone_faults_text", "ANSI_V_MAX_PU", "EN50160_V_MAX_PU"]

#: ANSI C84.1-2020 Range A service voltage, upper limit (pu of nominal): the study's default;
#: EN 50160:2010 §4.2.2's Un + 10 % — both :mod:`protv2g.study.voltage_standard`'s.
ANSI_V_MAX_PU = ANSI_RANGE_A_PU["v_max_pu"]
EN50160_V_MAX_PU = EN50160_PU["v_max_pu"]

#: The TODO on a low-voltage device's reclosing (``reclose_intervals_s: []``).
LV_RECLOSE_TODO = todo(
    "assumed no reclosing: a low-voltage (≤ 1 kV) distribution feeder is protected by fuses "
    "(IEC 60269 gG) or circuit-breakers (IEC 60947-2) that do not auto-reclose — its faults "
    "are mostly in cables, joints and customers' installations, permanent, and a reclose "
    "re-applies the fault to installations and people at them (European DSO practice, "
    "recalled; auto-reclosing LV devices on overhead LV lines are the exception); C10 then "
    "has no reclosing to judge here",
    "give the device's reclose intervals if it does reclose")


def device_kv(model: Any, devices: Sequence[Any]) -> dict[str, float]:
    """Line-to-line voltage base (kV) at each device's measuring terminal: ``devices`` have
    ``name``, ``element`` (OpenDSS ``class.name``) and ``terminal`` (1-based); a device whose
    element the model does not hold is left out."""
    el = model.elements
    names = el.name.to_numpy()
    out: dict[str, float] = {}
    for d in devices:
        hit = (names == d.element).nonzero()[0]
        if not len(hit):
            continue
        ends = model.bus_index(list(el.buses.iat[int(hit[0])]))
        bus = int(ends[min(int(d.terminal), len(ends)) - 1])
        if bus >= 0:
            out[str(d.name)] = float(model.buses.kv_ll.iat[bus])
    return out


def is_low_voltage(kv_ll: float) -> bool:
    """Whether a line-to-line base ``kv_ll`` (kV) is low voltage (> 0 and ≤ 1 kV, IEC 60038).

    >>> is_low_voltage(0.416), is_low_voltage(11.0), is_low_voltage(float("nan"))
    (True, False, False)
    """
    return math.isfinite(kv_ll) and 0.0 < kv_ll <= LOW_VOLTAGE_KV


def r_fault_low_voltage_todo(r_ohm: float, kv_ll: float) -> str:
    """The TODO on ``faults.r_fault_min_ohm`` when every device of the draft is on low
    voltage: the value applies to ground faults on primary buses (above 1 kV) only; the
    devices' zones are at ``kv_ll`` kV, where the study keeps ``faults.r_fault_ohm`` (bolted
    by default: 20 Ω on a 230 V phase is an 11.5 A load, not a fault a feeder device is asked
    to clear)."""
    return todo(
        f"assumed minimum-case ground-fault resistance {r_ohm:g} Ω (North American practice "
        "20–40 Ω on 12–25 kV feeders, domain.md §2) — it applies to ground faults on primary "
        f"buses (above 1 kV) only: this draft's devices are on {kv_ll * 1e3:.0f} V, where "
        "the study's minimum case keeps faults.r_fault_ohm (bolted by default, IEC 60909 "
        "c_min; docs/opendss-phase-path.md), so it decides none of their rows",
        "give the utility's fault resistance for minimum-fault studies at the primary, or "
        "faults.r_fault_ohm for an arcing low-voltage fault")


def voltage_limit_todo(f_hz: float, v_max_pu: float = ANSI_V_MAX_PU) -> str | None:
    """The TODO on ``checks.v_max_pu`` for a 50 Hz model (None otherwise): which limit the
    study uses, and the European one the engineer may hold the feeder to."""
    if not is_50_hz(f_hz):
        return None
    used = ("ANSI C84.1-2020 Range A (+5 %), protv2g's default" if abs(
        v_max_pu - ANSI_V_MAX_PU) < 1e-9 else f"{v_max_pu:g} pu")
    return todo(
        f"the study's voltage limit is {v_max_pu:g} pu: {used} — a North American service "
        "voltage range; this model runs at 50 Hz, where a public distribution feeder is "
        f"usually held to EN 50160 (Un ± 10 %: {EN50160_V_MAX_PU:g} pu on 230 V, 95 % of the "
        "week's 10-min means, recalled) or the DSO's own planning limit (often tighter, to "
        "leave room for the MV band); C12's voltage rows, and the sites' hosting figures "
        "they limit, follow this value; checks.v_min_pu (0.95, ANSI Range A's minimum) is "
        "the under-voltage limit, 0.90 under EN 50160",
        f"the engineer decides: keep {ANSI_V_MAX_PU:g} / 0.95 (ANSI), set "
        f"{EN50160_V_MAX_PU:g} / 0.90 (EN 50160), or the DSO's planning limits")


def zone_faults_text(figures: Mapping[str, Any], r_ohm: float) -> str:
    """``min zone faults: phase 1211 A, ground 621 A (IEC 60909 min, …)`` of a drafted head
    relay's figures (:func:`protv2g.study_draft.head_relay.propose_relay`): never ``inf A`` —
    a zone with no fault computed says so (review rev34b W2). Low voltage (``figures
    ["head_kv"]`` ≤ 1 kV): the ground faults are bolted, not through ``r_ohm``."""
    def amps(key: str) -> str:
        x = float(figures.get(key, math.nan))
        return (f"{x:.0f} A" if math.isfinite(x) else
                "none computed: no fault bus among the zone's reach requirements")

    lv = is_low_voltage(float(figures.get("head_kv", math.nan)))
    basis = "bolted at ≤ 1 kV" if lv else f"{r_ohm:g} Ω"
    return (f"min zone faults: phase {amps('min_phase_fault_zone_a')}, ground "
            f"{amps('min_ground_fault_zone_a')} (IEC 60909 min, {basis})")
