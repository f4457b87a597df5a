"""The texts beside a recommendation (what a verified change gives up that the checks do not
measure is :mod:`.practice`'s): the rules a fuse-saving move's new value rests on
(:func:`_basis`, :mod:`.saving`), and why a finding has no ordinary setting change
(:func:`_no_candidate_note`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from protv2g.checks.beyond_transformer import RULE as UNGUARDED_STEP
from protv2g.checks.flow_limit import AT_LIMIT, REGULATOR_SETPOINT, SOURCE_SETPOINT
from protv2g.checks.flow_low import UNDER_VOLTAGE
from protv2g.checks.flow_site_tap import SITE_TAP
from protv2g.checks.load import CHARGING_PEAKS
from protv2g.criteria import CATALOGUE, MarginUnit
from protv2g.findings_attribution import Attribution
from protv2g.recommend.change import Change, Family, describe
from protv2g.recommend.practice import SERIES_ORDER_SOURCE
from protv2g.recommend.saving import FindingReach, RecloserLimits
from protv2g.recommend.steps import step_basis
from protv2g.recommend.unbalance_note import unbalance_note
from protv2g.recommend.window import DeviceLoads, load_basis
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX
from protv2g.violations import is_given

__all__ = ["_basis", "_no_candidate_note", "device_controls", "device_kind",
           "drafted_first", "edge_note", "ground_element_note", "ldc_regulators",
           "regulator_names", "value_basis", "with_drafted_first"]



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


#: What reverse flow does to a switched capacitor bank, by its OpenDSS CapControl ``type``
#: (review s20: ckt5's current-controlled bank was told to set "a regulator" to
#: bidirectional mode). Source: OpenDSS CapControl ``Type`` and ``ONsetting`` help (EPRI
#: OpenDSS, CapControl.pas: "Current: Line Amps / CTratio"; "kvar: … This is directional";
#: "PF: Power Factor, Total power in monitored terminal"; the default type is Current).
_CAPACITOR_NOTES = {
    "current": "switches on the current's magnitude (line amps / CT ratio) and cannot tell "
               "export from load: reverse flow can switch the bank in or out as if it were "
               "load — give it a voltage control (or kvar/PF with settings for reverse flow) "
               "or cap the export behind it",
    "kvar": "reads the reactive power at its terminal with its sign (directional): the "
            "export changes what it sees without fooling it as a current control would — "
            "check its ON/OFF settings against the export scenarios",
    "pf": "reads the power factor of the total power at its terminal, which follows the "
          "sign of the flow: with active power reversed check that its ON/OFF settings "
          "still mean what they were set for",
}


def device_controls(tables: Mapping[str, Any] | None) -> dict[str, dict[str, str]]:
    """Flow device ``{name: {"kind": …, "control_mode": …}}`` of the regulators and capacitor
    banks an OpenDSS flow watches (``REG:``/``CAP:`` rows of its device table), for the C12
    notes; empty without them."""
    dev = (tables or {}).get("device")
    if dev is None or not {"device", "kind", "control_mode"} <= set(dev.columns):
        return {}
    sel = dev[dev["kind"].astype(str).isin(("regulator", "capacitor"))]
    sel = sel.drop_duplicates("device")
    return {str(d): {"kind": str(k), "control_mode": str(m)} for d, k, m in zip(
        sel["device"], sel["kind"], sel["control_mode"], strict=True)}


def _is_capacitor(finding: Mapping[str, Any]) -> bool:
    """A C12 reverse-power row of a capacitor bank (the flow table's ``CAP:<name>``)."""
    return (str(finding.get("kind", "")) == "capacitor"
            or str(finding.get("device", "")).upper().startswith("CAP:"))


def _capacitor_note(mode: str) -> str:
    """The recommendation for reverse flow at a capacitor bank, by its control ``mode``."""
    what = _CAPACITOR_NOTES.get(mode.lower())
    if what is None:
        return ("reverse power at a switched capacitor bank: review its control type and "
                "ON/OFF settings for reverse flow (or cap the export behind it); not searched")
    return f"reverse power at a {mode.lower()}-controlled capacitor bank: its control {what}" \
           "; not searched"


def _c12_note(finding: Mapping[str, Any]) -> str:
    """What changes a C12 finding, by its kind (the margin unit: pu voltage, MW reverse power,
    % loading on a branch or % unbalance at a bus) and whether V2G causes it (review s19: a
    service transformer overloaded without V2G was told "export cap or volt-var settings")."""
    unit = str(finding.get("margin_unit", ""))
    pre = str(finding.get("attribution", "")) == "pre-existing"
    charging = str(finding.get("worst_scenario", "")).startswith(CHARGING_SNAPSHOT_PREFIX)
    if unit == MarginUnit.MEGAWATT.value:
        if _is_capacitor(finding):
            return _capacitor_note(str(finding.get("control_mode") or ""))
        # j1light23 (OpenDSS on EPRI J1): a bidirectional control runs to a tap limit when the
        # source side is stiff (tap +16, 1.10 pu at 72 kW); cogeneration mode holds ≈ 1.01 pu
        return ("reverse power through a regulator: confirm its reverse-power mode — "
                "cogeneration mode (keeps regulating toward the load side), or locked forward "
                "without line-drop compensation; not bidirectional, which runs to a tap limit "
                "against a stiff source — or cap the export behind it; not searched")
    mechanism = str(finding.get("mechanism") or "")
    # review s26 §4 (IEEE 34: bus 800 on the model's Vsource pu=1.05, regulator output 852r)
    if mechanism == SOURCE_SETPOINT:
        return ("voltage held by the source's set-point, the same with and without V2G: not a "
                "protection setting — confirm the substation's regulated voltage (the model's "
                "source pu) or lower it; not searched")
    if mechanism == REGULATOR_SETPOINT:
        return ("voltage at a regulator's output, held inside its band around its set-point: "
                "lower its vreg or narrow its band (or use line-drop compensation); not "
                "searched")
    if mechanism == SITE_TAP:  # review rev34b M4 (IEEE 34: R06 "export cap or volt-var")
        return site_tap_note(finding.get("device"))
    if mechanism == AT_LIMIT:
        return ("buses a source or regulator set-point holds at the voltage limit: no change "
                "needed; any rise behind them is judged by its own finding")
    if mechanism == UNDER_VOLTAGE:  # review rev35a T1 (EPRI ckt5: "above the limit" of 0.941 pu)
        return _under_voltage_note(finding, charging)
    if unit == MarginUnit.PER_UNIT.value:
        return _voltage_rise_note(finding, charging)
    if is_given(finding.get("device")):  # a branch's thermal loading
        if pre:
            return ("thermal loading over its limit without V2G: a planning item (uprate, "
                    "re-conductor, move load), not a protection setting")
        return ("thermal loading: cap or schedule the sites' " + ("charging" if charging else
                "export") + " behind the branch, or uprate it; not searched")
    return unbalance_note(finding.get("sites"), charging, pre)  # review rev36b X9


def site_tap_note(device: Any) -> str:
    """A C12 finding at a site's own low-voltage bus set by its transformer's no-load tap
    (:data:`protv2g.checks.flow_site_tap.SITE_TAP`): that tap, the setting its own row
    gives, not an export cap (review rev34b M4, IEEE 34: R06 told "the sites' export cap or
    volt-var" for the row saying "raise depot_xf's feeder-side no-load tap 1 → 1.025").

    >>> site_tap_note("transformer.depot_xf")[:58]
    "the site transformer's no-load tap: raise depot_xf's feede"
    """
    name = str(device).split(".", 1)[-1] if is_given(device) and str(device) else (
        "the site transformer")
    return (f"the site transformer's no-load tap: raise {name}'s feeder-side no-load tap by "
            "the steps the finding's row gives (with every site idle the bus is at or over "
            "Range A's limit there; the row names the tap and the idle voltages it gives) — a "
            "setting of the "
            "project's equipment, not the sites' export cap or volt-var; a no-load tap is one "
            "setting for every load level, so it lowers this transformer's rows at every "
            "load level (those at peak load too: their hosting figure rises with it); not "
            "searched")


def ldc_regulators(controls: Mapping[str, Mapping[str, str]]) -> list[str]:
    """The regulators of :func:`device_controls` whose control has line-drop compensation
    (``control_mode`` ``forward_locked_ldc``: a forward ``R`` or ``X``,
    :func:`protv2g.network.dss_elements.control_table`), by their flow-table name
    (``REG:<transformer>``), sorted."""
    return sorted(name for name, c in controls.items()
                  if c.get("kind") == "regulator" and "ldc" in str(c.get("control_mode", "")))


def regulator_names(controls: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Every regulator of :func:`device_controls` by its flow-table name (``REG:<…>``),
    sorted; empty where the model has none."""
    return sorted(name for name, c in controls.items() if c.get("kind") == "regulator")


def _by_charging(attribution: str, worst_charging: bool) -> bool:
    """An under-voltage of the sites' charging: attributed to it, or its worst row in a
    charging snapshot and not present without V2G."""
    return attribution in (Attribution.CAUSED_CHARGING, Attribution.WORSE_CHARGING) or (
        worst_charging and attribution != Attribution.PRE_EXISTING)


def charging_under_voltage(finding: Mapping[str, Any]) -> bool:
    """Whether a finding is a C12 under-voltage of the sites' charging, whose note
    (:func:`_under_voltage_note`) caps the charging
    (:func:`protv2g.recommend.charging_cap.under_voltage_cap`; review rev43c M1)."""
    return (str(finding.get("criterion", "")) == "C12"
            and str(finding.get("mechanism") or "") == UNDER_VOLTAGE
            and _by_charging(str(finding.get("attribution", "")), str(
                finding.get("worst_scenario", "")).startswith(CHARGING_SNAPSHOT_PREFIX)))


def _under_voltage_note(finding: Mapping[str, Any], worst_charging: bool) -> str:
    """A C12 under-voltage finding's advice (:data:`~protv2g.checks.flow_low.UNDER_VOLTAGE`:
    a bus below ``checks.v_min_pu``), by its cause: the charging (the sites importing) —
    manage the charging, or the feeder's voltage support; pre-existing — the feeder's voltage
    support, not the sites; else (an export scenario) the sites' reactive-power settings or
    the regulators' response. The feeder's voltage support names the model's regulators
    (``finding["regulators"]``) or, where it has none, says so (review rev35a T1: EPRI ckt5
    has no regulator and was told "the regulators' vreg, band …"). The charging's note gives
    the cap ``finding["charging_cap"]`` (its text, :func:`protv2g.recommend.charging_cap.
    under_voltage_cap`; review rev43c M1)."""
    att = str(finding.get("attribution", ""))
    regs = [str(r) for r in (finding.get("regulators") or [])]
    support = (f"the regulators' set-points, bands and line-drop compensation "
               f"({', '.join(regs)}), switched capacitors or the substation's set-point"
               if regs else "the model has no voltage regulator: a line regulator, switched "
               "capacitors, the substation's set-point or reconductoring")
    if _by_charging(att, worst_charging):
        cap = str(finding.get("charging_cap") or "")  # charging_cap.under_voltage_cap
        return ("voltage below the limit with the sites charging (importing): manage the "
                "charging (schedule it off peak or cap it)" + (f": {cap}" if cap else "")
                + f"; or the feeder's voltage support — {support}; not searched")
    if att == Attribution.PRE_EXISTING:
        return ("voltage below the limit without V2G too: the feeder's voltage support — "
                f"{support} — a planning item, not the sites; not searched")
    return ("voltage below the limit in an export scenario: the sites' power factor or "
            f"volt-var settings (absorbing reactive power lowers it), or {support}; not "
            "searched")


def _voltage_rise_note(finding: Mapping[str, Any], worst_charging: bool) -> str:
    """A C12 voltage-rise finding's advice, by what causes it (review rev33b W5, IEEE 123: a
    rise at bus 83 "caused by charging" — the sites importing at ``charging/firm`` — was
    told "the sites' export cap or volt-var settings"; OpenDSS: V83 1.0485 → 1.0708 pu with
    the charging, 1.038 → 1.045 pu with creg1a's R = X = 0).

    * **charging** (its attribution "caused/made worse by charging": every row V2G moves is
      in a charging snapshot, :func:`protv2g.findings_attribution.by_charging`): the sites
      import, so no export cap or volt-var setting lowers it; a load raises the voltage only
      through a control that boosts for it — a regulator's line-drop compensation (R/X)
      raising its output with the load current it reads — so: that compensation (named when
      the model's RegControls have it, ``finding["ldc_regulators"]``), or managed charging;
    * **pre-existing**: above the limit without V2G — the feeder's own voltage control or
      its existing DER, not the sites;
    * **export** (V2G's): the sites' export cap or volt-var / power-factor settings, or the
      regulators'; a worst row in a charging snapshot (``worst_charging``) adds the LDC.
    """
    att = str(finding.get("attribution", ""))
    regs = [str(r) for r in (finding.get("ldc_regulators") or [])]
    named = (f" ({', '.join(regs)}: forward R/X set)" if regs else
             " (none found in the model's RegControls: check the field settings, or a "
             "switched capacitor or unbalanced phase the charging moves)")
    ldc = (f"the regulators' line-drop compensation{named} raises their output with the "
           "load current they read, the charging's included")
    if att in (Attribution.CAUSED_CHARGING, Attribution.WORSE_CHARGING):
        return ("voltage rise with the sites charging (importing, not exporting): not an "
                f"export cap or volt-var setting — {ldc}; review their R/X settings (or the "
                "regulators' vreg/band) for the charging load, or manage the charging "
                "(schedule or cap it at peak); not searched")
    if att == Attribution.PRE_EXISTING:
        return ("voltage above the limit without V2G too: the feeder's own voltage control "
                "(the regulators' vreg, band and line-drop compensation, the substation's "
                "set-point) or its existing DER, not the sites; not searched")
    device = str(finding.get("device") or "") if is_given(finding.get("device")) else ""
    # a row at a site's own LV bus names the site's transformer (checks.flow_site_tap): its
    # no-load tap lowers the bus at every load level (review rev34b M4: IEEE 34's R07)
    tap = (f"; the bus is behind the site's own transformer {device.split('.', 1)[-1]}: its "
           "feeder-side no-load tap lowers it at every load level (raising it by one 2.5 % "
           "step takes ≈ 0.025 pu off), before any export cap"
           if device.lower().startswith("transformer.") else "")
    # the regulators only where the model has them (ver35: EPRI ckt5, none, was offered them)
    all_regs = [str(r) for r in (finding.get("regulators") or [])]
    regs_text = (f", or the regulators' settings ({', '.join(all_regs)})" if all_regs else
                 "" if "regulators" in finding else ", or the regulators' settings")
    return ("voltage rise by the sites' export: the sites' export cap or volt-var / "
            f"power-factor settings{regs_text}; not searched" + tap
            + (f"; its worst row is with the sites charging ({finding.get('worst_scenario')}"
               f"): {ldc} — review its R/X too" if worst_charging else ""))


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
        return _c12_note(finding)
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


def drafted_first(finding: Mapping[str, Any], drafted: set[str] | frozenset[str],
                  study_path: Any = None, redraft_changes: set[str] | None = None,
                  redraft_skipped: Mapping[str, str] | None = None,
                  redraft_after: Mapping[str, str] | None = None) -> str:
    """What to do first for a finding resting on a drafted value (``input_basis`` ``todo``,
    :mod:`protv2g.input_basis`), "" for another: a drafted device's settings are not the
    utility's, so neither a setting change nor a cap on the sites is the answer before they
    are given (review s27 §6, EPRI J1: a C8 on the drafted head relay was told "schedule or
    cap the sites' charging"; its drafted pickup was stale).

    ``drafted``: the devices drafted as a whole (:func:`protv2g.input_basis.drafted_devices`).
    ``redraft_changes``: the drafted devices ``protv2g init --redraft`` would change
    (:func:`protv2g.study_draft.redraft.stale_drafts`); None when not known. A re-draft is
    offered only for those: review rev32a W3 (EPRI J1) — the re-draft then said "nothing
    re-drafted", and the advice looped.
    ``redraft_skipped``: the drafted relays ``init --redraft`` does not re-draft, and why
    (:func:`protv2g.study_draft.redraft.not_redrafted`); for those neither a re-draft nor
    "a re-draft would not change them" is said, but why (review rev33c M2: IEEE 37's relay
    moved off the regulator jumper was told a re-draft "gives the same values" while the
    re-draft never looked at it).
    ``redraft_after``: what ``init --redraft`` would change once the recommended changes are
    applied (drafted relay → its values, :func:`.study_facts.redraft_after`); None when no
    change is accepted or it is not known. "Would not change them" is said only where neither
    set has them (review rev44a M3: EPRI ckt5's R02, fuse 100K → 80K, said it while `run` on
    the changed study found the head's curves and ground dial stale).

    >>> drafted_first({"input_basis": "todo", "device": "head"}, {"head"}, "s.yaml")[:43]
    "first give the utility's settings of head ("
    >>> drafted_first({"input_basis": "given", "device": "head"}, {"head"})
    ''
    >>> "would not change" in drafted_first({"input_basis": "todo", "device": "head"},
    ...                                     {"head"}, "s.yaml", set())
    True
    >>> drafted_first({"input_basis": "todo", "device": "head"}, {"head"}, "s.yaml", set(),
    ...               {"head": "it sits on transformer.t1"})[-74:]
    '`protv2g init --redraft` does not re-draft head: it sits on transformer.t1'
    """
    if str(finding.get("input_basis", "")) != "todo":
        return ""
    names = [str(finding.get(k)) for k in ("device", "other_device")
             if is_given(finding.get(k)) and str(finding.get(k)) in drafted]
    crit = CATALOGUE.get(str(finding.get("criterion", "")))
    if names and crit is not None and not crit.reads_settings:
        # review rev36b X10 (IEEE 37, C11 behind head-l35): "first give the utility's
        # settings … the finding rests on them", while C11 reads no setting
        return (f"first confirm where the utility's {' and '.join(names)} sits (drafted by "
                f"protv2g init: TODO): {crit.id} ({crit.title}) reads the DER and load of its "
                "zone, not its settings — the finding rests on the drafted device's location "
                "and stands whatever settings the utility gives")
    if names:
        redraft = (f"`protv2g init --redraft {study_path}`" if study_path
                   else "`protv2g init --redraft STUDY.yaml`")
        given = (f"first give the utility's settings of {' and '.join(names)} (drafted by "
                 "protv2g init: TODO)")
        skipped = {n: (redraft_skipped or {})[n] for n in names if n in (redraft_skipped or {})}
        if skipped:
            return (f"{given}, and re-run: the finding rests on them; `protv2g init --redraft`"
                    " does not re-draft " + "; ".join(f"{n}: {why}" for n, why in
                                                      skipped.items()))
        if redraft_changes is not None and not set(names) & set(redraft_changes):
            after = {n: (redraft_after or {})[n] for n in names if n in (redraft_after or {})}
            if after:  # the recommended changes make a re-draft change them
                return (f"{given}, and re-run: the finding rests on them; a re-draft "
                        f"({redraft}) would not change them as the study now stands, but "
                        "would once the recommended changes are applied (init's rule then "
                        "gives " + "; ".join(f"{n}: {v}" for n, v in after.items())
                        + "): re-draft the changed study after `--apply`, or give the "
                        "utility's settings")
            return (f"{given}, and re-run: the finding rests on them; a re-draft ({redraft})"
                    " would not change them (init's rule, as the study now stands"
                    + (" and with the recommended changes" if redraft_after is not None
                       else "") + ", gives the same values)")
        return (f"{given}, or re-draft them for the study as it now stands ({redraft}), and "
                "re-run: the finding rests on them")
    return ("first confirm the drafted value (TODO) the finding rests on (the Findings "
            "sheet's \"Rests on\"; `protv2g validate` lists the TODOs) and re-run")


def with_drafted_first(first: str, note: str, criterion: str = "") -> str:
    """``note`` after :func:`drafted_first`'s text (``first``), which it then qualifies;
    for a ``criterion`` that reads no setting (C11) "with the device where it is drafted".

    >>> with_drafted_first("first give X", "raise the pickup")
    'first give X; with the drafted values: raise the pickup'
    >>> with_drafted_first("first confirm X", "cap", "C11")
    'first confirm X; with the device where it is drafted: cap'
    """
    if not first:
        return note
    crit = CATALOGUE.get(criterion)
    basis = ("the device where it is drafted" if crit is not None and not crit.reads_settings
             else "the drafted values")
    return f"{first}; with {basis}: {note}" if note else first


def ground_element_note(options: Sequence[Any], other: Any = None) -> str:
    """What the search did not try for a missing ground element, when its candidates (a new
    51G on the recloser's own phase curves and multipliers, :func:`.candidates._see_moves`)
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
