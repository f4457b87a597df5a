"""IEC 60255-151 curves end at G_D: the study's IEC relays are timed on protv2g's 20 ×.

An IEC inverse curve is specified up to G_D, the maker's declared value of the energising
quantity above which the time is definite (:data:`protv2g.devices.curves.IEC_GD_M` = 20 ×
the setting where a curve gives no ``gd_m``; relays declare 20–40). A relay row whose current
passes G_D is timed at it, so its time rests on that value (review ver51 #3: feeder B's C1
margin −0.12 s at 20 ×, −0.18 s at 40 ×; the Findings read "given data"). One warning per
study naming the relays and elements that use such a curve, with the fix: said by
``validate`` and on ``run``'s Feeder warnings sheet.
"""

from __future__ import annotations

from typing import Any

from protv2g.devices.curve_family import CurveFamily
from protv2g.devices.curves import IEC_GD_M
from protv2g.errors import Issue
from protv2g.units import DeviceKind

__all__ = ["iec_gd_issues"]

#: A relay's time-overcurrent curve fields (phase, ground).
_CURVE_FIELDS = ("curve", "ground_curve")


def iec_gd_issues(study: Any) -> list[Issue]:
    """One :class:`~protv2g.errors.Issue` when a relay of ``study`` times an element on an
    IEC 60255-151 curve with no ``gd_m`` of its own (module docstring); none otherwise."""
    used: list[str] = []
    library = getattr(study, "library", None)
    if library is None:
        return []
    for device in study.document.devices:
        if device.kind is not DeviceKind.RELAY:
            continue
        for fld in _CURVE_FIELDS:
            name = getattr(device, fld, None)
            if not name:
                continue
            try:
                curve = library.get(str(name))
            except (KeyError, ValueError):
                continue
            if CurveFamily(curve.family) is CurveFamily.IEC and getattr(curve, "gd_m",
                                                                       None) is None:
                used.append(f"{device.name} {fld} {curve.name}")
    if not used:
        return []
    shown = ", ".join(used[:6]) + (f" and {len(used) - 6} more" if len(used) > 6 else "")
    return [Issue(
        str(study.path), "devices (IEC curves)",
        f"{shown}: IEC 60255-151 curves are timed as definite time above G_D = {IEC_GD_M:g} × "
        "the setting (protv2g's default; G_D is the relay maker's declared value, commonly "
        "20, up to 40): a fault current past it is timed at G_D, not on the equation, and "
        "a coordination margin there rests on that value",
        "give the relay's declared G_D as the curve's gd_m in a curve file of the study's "
        "library (constants: {k_s, alpha, gd_m}), or keep 20 × when the maker declares it")]
