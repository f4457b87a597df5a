"""C12's texts for reverse power through a voltage regulator, by its control's mode.

Session 23 (EPRI J1 at light load, OpenDSS 0.3 load with the feeder's PV): the forward-locked
``regxfmr_b4868`` carries 29.8 kW reverse without V2G and holds its bus in band (1.038 ->
1.040 pu, tap -1) over 0-72 kW of home export; the same model with ``reversible=yes
revthreshold=100`` (bidirectional) runs to tap +16, 1.10 pu at 72 kW. The former text
"regulates the wrong side (set it to bidirectional/cogeneration mode)" advised the one mode
that runs away on DER export.

References
----------
IEEE Std C57.15 (step-voltage regulators; control modes); IEEE Std 1547.2-2023 §9 (regulators
and reverse power flow); OpenDSS RegControl ``reversible``, ``revThreshold``, ``cogen``,
``CTprim``; Eaton Cooper Power series CL-7 voltage regulator control, installation, operation
and maintenance manual, "Reverse power operation" (reverse current sense threshold FC 57,
settable 1–5 % of the CT primary rating, on the real component of the load current; metering
takes the direction at 1 %).
"""

from __future__ import annotations

from protv2g.violations import CheckStatus

__all__ = ["FORWARD_LOCKED_TEXT", "FORWARD_LOCKED_LDC_TEXT", "MODE_TO_CONFIRM", "REVERSE_MODE_TEXT",
           "REVERSE_SENSE_MIN_FRACTION", "TAKEN_FORWARD_LOCKED_TEXT", "below_sense_text",
           "regulator_row"]

#: The lowest reverse-current sense threshold of a regulator control, as a fraction of its CT
#: primary rating: 1 % (Eaton CL-7 FC 57 is settable 1–5 %; its metering takes the power
#: direction at 1 %; module references). A reversed active current below it is no reversal
#: the control sees — it keeps its forward state and idles or regulates as before; what the
#: export does to its voltages is in C12's voltage rows. The low end of the 1–5 % range is
#: used: it keeps every reversal a control set at 1 % would see (the conservative end; a
#: control set at 5 % sees fewer). Review rev35b W1: IEEE 123's ``reg4a`` "reverse power
#: 0.002 MW … caused by V2G" failed the gate on 0.75 A of active current on a 300 A CT.
REVERSE_SENSE_MIN_FRACTION = 0.01

#: Reverse power through a forward-locked regulator without line-drop compensation (``warn``):
#: what it means, what to confirm (IEEE Std C57.15 control modes; IEEE Std 1547.2-2023 §9;
#: OpenDSS RegControl ``reversible``, ``cogen``, ``R``, ``X``; review s27 §4).
FORWARD_LOCKED_TEXT = (
    "its RegControl is forward-locked without line-drop compensation (the model sets no "
    "reverse mode, R = X = 0): it keeps regulating its load side, right while the substation "
    "stays the source (its bus's voltage is in C12's voltage rows), which suits DER export, "
    "as locked forward without line-drop compensation or cogeneration mode do in the field; "
    "confirm the field control's mode: bidirectional mode would take the export above its "
    "reverse threshold for a source change and run its taps to a limit")

#: ``mechanism`` of a C12 ``warn`` row on reverse power through a forward-locked regulator
#: without line-drop compensation: the gate lists it as a ``confirm:`` item (the field
#: control's mode is an input the model gives only by OpenDSS's default; review s28 §5).
MODE_TO_CONFIRM = "regulator mode to confirm"

#: Reverse power through a regulator of a pandapower network (``fail``): its control's mode and
#: line-drop compensation are not in the model, so it is taken as forward-locked (s23's text).
TAKEN_FORWARD_LOCKED_TEXT = (
    "its control is taken as forward-locked (the network gives no regulator mode or line-drop "
    "compensation): it keeps regulating its load side, right while the substation stays the "
    "source, and a line-drop compensation would act on the net reversed current; confirm the "
    "field control's mode: locked forward without line-drop compensation, or cogeneration "
    "mode, suits DER export; bidirectional mode would take the export above its reverse "
    "threshold for a source change and run its taps to a limit")

#: Reverse power through a forward-locked regulator with line-drop compensation (``fail``).
FORWARD_LOCKED_LDC_TEXT = (
    "its RegControl is forward-locked with line-drop compensation (R or X set, no reverse "
    "mode): the compensation acts on the net reversed current and moves the regulated voltage "
    "the wrong way for the export; set the compensation for the export (or to zero), or use "
    "cogeneration mode; bidirectional mode would take the export above its reverse threshold "
    "for a source change and run its taps to a limit")

#: A reverse-mode regulator's ``info`` text (the flow ran OpenDSS with that mode: what its taps
#: do to the voltages is in C12's voltage rows).
REVERSE_MODE_TEXT = {
    "cogeneration": "its RegControl is in cogeneration mode: it keeps regulating its load "
                    "side under reverse power (the mode for DER export)",
    "bidirectional": "its RegControl is bidirectional: above its reverse threshold it takes "
                     "the export for a source change and regulates the source side (with a "
                     "stiff source, to a tap limit: see C12's voltage rows); cogeneration "
                     "mode is the one for DER export",
}


def regulator_row(mode: str) -> tuple[CheckStatus, str]:
    """C12's status and text for reverse power through a regulator whose control is in
    ``mode`` (:func:`protv2g.network.dss_elements.control_table`): forward-locked with
    line-drop compensation ``fail``; forward-locked without it ``warn`` (it keeps regulating
    its load side: confirm the field mode; review s27 §4); a reverse mode ``info``."""
    if mode == "forward_locked_ldc":
        return CheckStatus.FAIL, FORWARD_LOCKED_LDC_TEXT
    if mode == "forward_locked":
        return CheckStatus.WARN, FORWARD_LOCKED_TEXT
    return CheckStatus.INFO, REVERSE_MODE_TEXT.get(mode, f"its RegControl is {mode}")


def below_sense_text(i_reverse_a: float, ct_primary_a: float) -> str:
    """C12's ``info`` text for a reversal under :data:`REVERSE_SENSE_MIN_FRACTION` of the
    control's CT primary: the figures, why it is no reversal, where the export's effect is
    judged. ``i_reverse_a`` is the reversed active current of the unit (A), ``ct_primary_a``
    its RegControl's ``CTprim`` (A)."""
    return (f"its reversed active current {i_reverse_a:.2f} A is "
            f"{100 * i_reverse_a / ct_primary_a:.2f} % of its CT primary {ct_primary_a:g} A, "
            f"under the lowest reverse-current sense threshold regulator controls offer "
            f"({100 * REVERSE_SENSE_MIN_FRACTION:g} % of the CT primary; settable 1–5 %): the "
            "control sees no reversal and keeps its forward state; what the export does to "
            "its voltages is in C12's voltage rows")
