"""The notes of C12 (voltage and flow) findings without a searched change
(:func:`c12_note`), by their kind and cause: reverse power at a regulator or a capacitor
bank, a voltage set by the source, a regulator or a site's no-load tap, an under-voltage or
a voltage rise (charging, pre-existing or export), a branch's loading or a bus's
unbalance; and the flow devices' controls they name (:func:`device_controls`,
:func:`ldc_regulators`, :func:`regulator_names`). Split from :mod:`.notes`, which calls it
for a C12 finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protv2g.checks.flow_limit import AT_LIMIT, REGULATOR_SETPOINT, SOURCE_SETPOINT
from protv2g.checks.flow_low import UNDER_VOLTAGE
from protv2g.checks.flow_site_tap import SITE_TAP
from protv2g.criteria import MarginUnit
from protv2g.findings_attribution import Attribution
from protv2g.recommend.unbalance_note import unbalance_note
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX
from protv2g.violations import is_given

__all__ = ["c12_note", "charging_under_voltage", "device_controls", "ldc_regulators",
           "regulator_names", "site_tap_note"]


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


def c12_note(finding: Mapping[str, Any]) -> str:
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
        what = "charging" if charging else "export"
        if str(finding.get("attribution", "")).startswith("made worse"):
            # review rev50b #9 (EPRI ckt24 F22: subxfmr 103.7 % with no charging, 107.7 % with
            # it, told "cap or schedule the sites' charging … or uprate" — no cap clears it)
            return (f"thermal loading over its limit without the sites' {what} too: no cap of "
                    f"the {what} clears it — uprate, re-conductor or move load (a planning "
                    f"item); capping or scheduling the sites' {what} behind the branch only "
                    "keeps V2G from adding to it; not searched")
        return (f"thermal loading: cap or schedule the sites' {what} behind the branch, or "
                "uprate it; not searched")
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
