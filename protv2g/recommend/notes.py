"""The texts beside a recommendation (what a verified change gives up that the checks do not
measure is :mod:`.practice`'s): the rules a fuse-saving move's new value rests on
(:func:`_basis`, :mod:`.saving`), and why a finding has no ordinary setting change
(:func:`_no_candidate_note`). A C12 finding's note is :mod:`.flow_notes`'s; what to do first
for a finding resting on a drafted value, :mod:`.drafted_note`'s (both re-exported here,
where the search and the tests import them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from protv2g.checks.beyond_transformer import RULE as UNGUARDED_STEP
from protv2g.checks.load import CHARGING_PEAKS
from protv2g.criteria import MarginUnit
from protv2g.findings_attribution import Attribution
from protv2g.recommend.change import Change, Family, describe
from protv2g.recommend.drafted_note import drafted_first, with_drafted_first
from protv2g.recommend.flow_notes import (
    c12_note,
    charging_under_voltage,
    device_controls,
    ldc_regulators,
    regulator_names,
    site_tap_note,
)
from protv2g.recommend.practice import SERIES_ORDER_SOURCE
from protv2g.recommend.saving import FindingReach, RecloserLimits
from protv2g.recommend.steps import step_basis
from protv2g.recommend.window import DeviceLoads, load_basis

__all__ = ["_basis", "_no_candidate_note", "charging_under_voltage", "device_controls",
           "device_kind", "drafted_first", "edge_note", "ground_element_note",
           "ldc_regulators", "regulator_names", "site_tap_note", "value_basis",
           "with_drafted_first"]


def _basis(change: Change, limits: RecloserLimits | None, reach: FindingReach | None) -> str:
    """Why a fuse-saving move's new value is allowed (the rules it rests on), or ""."""
    if limits is None or change.family not in (Family.GROUND_ELEMENT, Family.PICKUP):
        return ""
    if change.field == "phase_min_trip_a":
        return (f"phase minimum trip {float(change.new):g} A ≥ 1.5 × the largest load current "
                f"{limits.load_a:.0f} A through {change.name} (C8, re-checked)")
    if change.field == "ground_min_trip_a":
        inside = float(change.new) <= limits.ground_ceiling_a + 1e-9
        why = (f"ground minimum trip {float(change.new):g} A within {limits.ground_text()}"
               if inside else  # a lowering of an element that stays above its zone's reach
               f"ground minimum trip {float(change.new):g} A above its floor, "
               f"{limits.ground_text()}: above the ceiling, so C5's reach in its zone is "
               "not met by it (its own finding)")
        if change.family is Family.GROUND_ELEMENT:
            why = (f"a ground (51G) element sees 3I0, which the chargers do not feed"
                   f"{': ' + reach.text if reach is not None and reach.text else ''}; {why}; "
                   "curves and multipliers the recloser's own phase ones")
        return why
    return ""


def value_basis(change: Change, row: Any, limits: Any, reach: Any, c5: Any,
                devices: Sequence[Any], loads: DeviceLoads, k8: float) -> str:
    """What a change's new value rests on: the fuse-saving limits (:func:`.notes._basis`) or
    C5's window (:meth:`.reach.ReachFacts.basis`, which edge set it), else its margin above
    C8's floor (:func:`.window.load_basis`); and the steps it is on (:func:`.steps.step_basis`:
    the device's own, or the assumed grid, said so)."""
    own = _basis(change, limits, reach)
    window = c5.basis(change, row, devices)  # says its step itself
    load = "" if window else load_basis(change, str(row.get("criterion", "")), loads, k8)
    steps = "" if window else step_basis(change, devices)
    return "; ".join(x for x in (own, window, load, steps) if x)


def edge_note(change: Change, whole: bool, side: Sequence[str], basis: str, why: str) -> str:
    """The note of a finding only a change at an edge of its window clears (``whole``) or
    eases (fail to warn): the change, what the re-check showed, and which margin it lacks
    (:mod:`.window`)."""
    did = ("clears it" if whole else "eases it to a warning") + " on re-check"
    series = (f"no value at or above the downstream device's pickup cleared it, and an "
              f"upstream pickup stays there ({SERIES_ORDER_SOURCE}): lower the downstream "
              f"device's pickup too where its load allows and re-run, or accept "
              f"{change.name} as the only device that sees those faults (a utility "
              "decision)") if change.below else ""
    window = ("confirm the load (or the minimum fault) it rests on and give the value the "
              "utility accepts, or take another measure") if change.edge != change.below \
        else ""
    return "; ".join(x for x in (
        f"not a verified fix: {describe(change)} {did} (side effects: "
        f"{'; '.join(side) or 'none'}), but {change.edge}", basis, why, series, window) if x)


#: The setting that sets a device's reach and load margin, by its kind (``device_kind`` of the
#: finding, :class:`protv2g.units.DeviceKind`): what a no-candidate note may tell to change
#: (review s21, EPRI J1: a relay's C5 note spoke of a fuse's minimum melt).
_PICKUP_WORDS = {
    "relay": "its 51P/51G pickup (and time dial to keep coordination)",
    "recloser": "its phase/ground minimum trip (and curves to keep coordination)",
    "fuse": "its link size (a fuse's pickup is its link's minimum melt)",
}


def device_kind(name: Any, devices: Sequence[Any]) -> str:
    """The kind (``relay``, ``recloser``, ``fuse``) of the protective device ``name`` among
    the study's ``devices``, "" when it is not one of them (a flow device: ``REG:…``)."""
    dev = next((d for d in devices if d.name == str(name)), None)
    kind = getattr(dev, "kind", "")
    return str(getattr(kind, "value", kind) or "")


def _c5_note(kind: str, status: str, unit: str = "") -> str:
    """A C5 finding without a searched change, in the words of its device's kind (a relay's
    or recloser's failing pickup rule gets its pickup searched, :mod:`.reach`; this is the
    rest: a fuse, a reach reduction by V2G (warn), a backup-zone shortfall (warn), or a
    device of unknown kind). Which warn it is is the finding's ``margin_unit``: the V2G
    change rule's is a fraction, the backup zone's rule a multiple of pickup (review rev39a
    M2: EPRI ckt24's F-LAT1 backup-zone warn, −0.294 → −0.305 × pickup, read "reach reduced
    by V2G by more than checks.v2g_change_fraction")."""
    what = {"relay": "a lower 51P/51G pickup (within 1.5 × load, C8)",
            "recloser": "a lower phase/ground minimum trip (within 1.5 × load, C8)",
            "fuse": "a smaller link"}.get(kind, "a lower pickup")
    if status == "warn" and unit == MarginUnit.PICKUP_MULTIPLE.value:  # the backup zone
        return ("backup-zone reach short of checks.sensitivity_backup_factor × pickup: a "
                "warning — the faults are the next device's primary zone (e.g. behind a step "
                "transformer); confirm that device clears them (its own C5), or, for backup "
                f"too, {what}; the finding's attribution says whether V2G moves it; not "
                "searched")
    if status == "warn":  # V2G lowers the current the device sees (checks.sensitivity)
        return ("reach reduced by V2G by more than checks.v2g_change_fraction: a warning — "
                "confirm the device still sees its zone's faults with margin (C5's pickup "
                f"rule is its own finding); if not, {what} or a device nearer the faults; "
                "not searched")
    if kind == "fuse":
        return ("reach: a fuse's pickup is its link's minimum melt — a smaller link or a "
                "device nearer the faults; not searched")
    if kind not in _PICKUP_WORDS:  # the device not known: both kinds of setting
        return ("reach: a lower pickup (a fuse: a smaller link, its pickup being the link's "
                "minimum melt) or a device nearer the faults; not searched")
    return (f"reach: lower {_PICKUP_WORDS[kind]} within the load it must carry (C8), or a "
            "device nearer the faults (a mid-feeder recloser); not searched")


def _c8_note(kind: str, mechanism: str = "", cap: str = "") -> str:
    """A C8 finding without a searched change, in the words of its device's kind and, for a
    fuse, of its peak (``mechanism``): a charging peak is managed, not met by a larger link;
    a load or export peak has the larger links searched (:mod:`.candidates`), so without a
    candidate the series has none above it (review rev35a T5: EPRI ckt24's F-LAT import
    peak was told to schedule the charging and "fuses are not searched"). ``cap``: the
    charging the limit allows behind the device, in words (:func:`protv2g.recommend.
    charging_cap.charging_cap_text`; review rev40b M3: "cap … below minimum trip / 1.5" with
    no number), said with a charging peak's note."""
    cap = f": {cap}" if cap else ""
    if kind == "fuse" and mechanism in CHARGING_PEAKS:
        return ("load pickup: a charging peak — schedule or cap the sites' charging below "
                f"the fuse's minimum melt / 1.5{cap}; a larger link is not proposed for a "
                "schedulable load (it spends reach and coordination)")
    if kind == "fuse":
        return ("load pickup: a larger link (minimum melt ≥ 1.5 × the load) — the library's "
                "series of its type has none above it (or the link is not one of its "
                "ratings): a fuse of another type or rating, or move load off the fuse")
    if kind in ("relay", "recloser"):
        setting = "pickup" if kind == "relay" else "minimum trip"
        if mechanism and mechanism not in CHARGING_PEAKS:  # raises were searched (rev35b W2)
            return (f"load pickup: no {setting} raise clears it without side effects (C5's "
                    "reach at the zone's minimum faults, or the pairs): move load off the "
                    "device, or a device nearer the load")
        return (f"load pickup: for a charging peak, schedule or cap the sites' charging below "
                f"{setting} / 1.5{cap} (a {setting} raised for a schedulable load spends "
                "reach)")
    return ("load pickup: for a charging peak, schedule or cap the sites' charging below "
            f"pickup / 1.5{cap} (a fuse: its minimum melt / 1.5; a pickup raised for a "
            "schedulable load spends reach); other devices than relays are not searched")


def _no_candidate_note(criterion: str, status: str = "fail",
                       finding: Mapping[str, Any] | None = None) -> str:
    """Why a finding has no ordinary setting change, and what would change it. ``finding``:
    its Findings row, with ``device_kind`` (relay, recloser, fuse) where the search knows
    the device — the C5 and C8 notes speak of that kind's setting."""
    if str((finding or {}).get("mechanism") or "") == UNGUARDED_STEP:
        return ("not a setting: faults behind a step transformer with no device are its own "
                "primary fuse's, which the model does not hold — model the fuse (devices: a "
                "fuse with location {trafo: NAME, side: hv}; the Evidence names each "
                "transformer) to check its coordination with the feeder devices")
    if criterion == "C12" and finding is not None:
        return c12_note(finding)
    if criterion == "C7" and str((finding or {}).get("attribution") or "") == (
            Attribution.EQUIPMENT):  # review rev34a M1: the feeder's fault level, not V2G's
        return ("interrupting duty of the project's equipment: the feeder's fault level at "
                "the device exceeds its rating without any charger (the finding's row gives "
                "it) — a device of higher interrupting rating (e.g. a 12.5/16 kA cutout) or "
                "a current-limiting fuse, not a setting, the chargers or their export")
    if criterion == "C7" and status == "warn":
        who = ("the project (its equipment and V2G together)" if str(
            (finding or {}).get("attribution") or "") == Attribution.PROJECT else "V2G")
        return (f"within the interrupting rating: a warning that {who} raises the device's "
                "duty by more than checks.v2g_change_fraction — no change needed; keep it in "
                "the duty review")
    kind = str((finding or {}).get("device_kind") or "")
    if criterion == "C5":
        return _c5_note(kind, status, str((finding or {}).get("margin_unit") or ""))
    if criterion == "C8":
        return _c8_note(kind, str((finding or {}).get("mechanism") or ""),
                        str((finding or {}).get("charging_cap") or ""))
    return {
        "C7": "interrupting duty: a device with a higher rating, not a setting",
        "C9": "directional element settings (angle, polarising) are not searched",
        "C11": "islanding screen: an export cap near the minimum load, or transfer trip / "
               "direct anti-islanding protection; export caps need new fault runs and are "
               "not searched",
        "C12": "voltage/flow: export cap or volt-var settings; not searched",
    }.get(criterion, "no ordinary setting change applies to this criterion")


def ground_element_note(options: Sequence[Any], other: Any = None) -> str:
    """What the search did not try for a missing ground element, when its candidates (a new
    51G on the recloser's own phase curves and multipliers, :func:`.recloser_moves._see_moves`)
    did not clear the finding without side effects: other ground curves — a delayed ground
    curve slower than the fuse's total clearing, a fast ground curve slower than a
    downstream recloser's — are the engineer's TCC work (review s22, EPRI DG feeder: a
    ground element on A with a delayed curve slower than F2's was expected; one curve was
    tried). ``""`` when no ground element was a candidate."""
    ge = [c for c in options if getattr(c, "family", None) == "ground_element"]
    if not ge:
        return ""
    curves = {f: n for c in ge[:1] for f, _o, n in c.fields if f.endswith("_curve")}
    fuse = f" than {other}'s total clearing" if other and str(other) != "nan" else ""
    return (f"ground element: searched only on the recloser's own curves (fast "
            f"{curves.get('ground_fast_curve', '—')}, delayed "
            f"{curves.get('ground_delayed_curve', '—')}, phase multipliers) at "
            f"{len(ge)} ground minimum trip(s) {min(c.new for c in ge):g}–"
            f"{max(c.new for c in ge):g} A; a ground element with a delayed curve slower"
            f"{fuse} (and a fast curve that keeps the downstream reclosers' sequence) is "
            "not searched: draw it on the TCC sheet")
