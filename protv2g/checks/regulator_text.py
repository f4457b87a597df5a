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
and reverse power flow); OpenDSS RegControl ``reversible``, ``revThreshold``, ``cogen``.
"""

from __future__ import annotations

__all__ = ["FORWARD_LOCKED_TEXT", "REVERSE_MODE_TEXT"]

#: Reverse power through a forward-locked regulator: what it means, what to do (IEEE Std C57.15
#: control modes; IEEE Std 1547.2-2023 §9; OpenDSS RegControl ``reversible``, ``cogen``).
FORWARD_LOCKED_TEXT = (
    "its RegControl is forward-locked (the model sets no reverse mode): it keeps regulating "
    "its load side, right while the substation stays the source, and a line-drop compensation "
    "acts on the net reversed current; confirm the field control's mode: locked forward "
    "without line-drop compensation, or cogeneration mode, suits DER export; bidirectional "
    "mode would take the export above its reverse threshold for a source change and run its "
    "taps to a limit")

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
