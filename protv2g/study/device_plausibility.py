"""Plausibility warnings of one protective device (:func:`device_warnings`, called by
:func:`protv2g.study.plausibility.plausibility_warnings`, whose docstring gives every bound
and its source): a relay's time dial outside its curve family's range
(:func:`time_dial_range`), a fuse link outside the EEI-NEMA K/T series (:data:`KT_RATINGS_A`)
or off its voltage, a setting off its declared step, a phase pickup below the load current
it must carry (the bound: :mod:`.load_bound`), and a device without an interrupting rating
while the gate judges C7 (:func:`no_rating_issue`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protv2g.devices.curve_family import CurveFamily
from protv2g.devices.library import LIBRARY_DIR
from protv2g.errors import Issue
from protv2g.study.device_entry import replace_adopted_fix
from protv2g.study.fuse_standard import (
    IEC_GG_STANDARD,
    fuse_voltage_warnings,
    is_us_distribution_link,
)
from protv2g.study.setting_steps import on_step, settings_steps
from protv2g.study.transformer_fuse import withstand_warnings
from protv2g.units import DeviceKind

if TYPE_CHECKING:  # pragma: no cover
    from protv2g.devices.library import Curve
    from protv2g.study.loader import Study

__all__ = ["KT_RATINGS_A", "device_warnings", "no_rating_issue", "time_dial_range"]


#: K and T link ratings of ANSI C37.43 (preferred 6, 10, 15, 25, 40, 65, 100, 140, 200 A;
#: intermediate 8, 12, 20, 30, 50, 80 A), as the library's ``fuse_links.yaml`` holds them.
KT_RATINGS_A = (6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 65, 80, 100, 140, 200)


def time_dial_range(curve: Curve) -> tuple[float, float, str] | None:
    """The time-dial range relays offer for ``curve`` (low, high, where it comes from), or
    None for a curve without one (definite time, point tables)."""
    if curve.family is CurveFamily.IEC:
        return 0.05, 1.0, "the TMS range of the IEC 60255-151 curves (ABB SPAC 531 C)"
    if curve.family is CurveFamily.IEEE:
        if str(curve.standard).startswith("US"):
            return 0.5, 15.0, ("the time-dial range of the U1–U5 curves (S&C Vista SD "
                               "695-535 Table 13; SEL-351)")
        return 0.05, 15.0, ("the time-multiplier range of the IEEE C37.112 equation (ABB "
                            "REM615 1MRS756890 Table 28)")
    return None


def no_rating_issue(device: Any, where: str, file: str) -> Issue:
    """A device without ``interrupting_rating_ka`` while the gate judges C7
    (:mod:`.plausibility`'s docstring)."""
    return Issue(
        file, f"{where}.interrupting_rating_ka",
        f"device {device.name!r} has no interrupting_rating_ka: C7 (interrupting duty) cannot "
        "be evaluated for it, so the gate will say ERROR",
        (f"give its nameplate interrupting rating, e.g. {where}.interrupting_rating_ka: "
         f"{_example_rating_ka(device):g}" if where.startswith("devices[") else
         # adopted from the model: no YAML field to write it in (rev47b P3)
         replace_adopted_fix(device, "interrupting_rating_ka", _example_rating_ka(device)))
        + " (kA; interrupting_rating_basis: sym or asym), or take C7 out of gate.criteria")


def _example_rating_ka(device: Any) -> float:
    """A class-typical rating for the fix's example (kA): the typical drafted value of the
    device's class (:data:`protv2g.study_draft.ratings.RATING_CLASSES`: fuse cutout 10,
    recloser 12.5, breaker 20), an IEC 60269 gG link's from the LV fuse class (120 kA, NH
    links, IEC 60269-2; review rev38b F1: the example's 10 kA on a 416 V bus whose maximum
    fault is 24 kA)."""
    from protv2g.study_draft.ratings import LV_RATING_CLASSES, RATING_CLASSES

    link = str(getattr(device, "link", "") or "").lower()
    if link.endswith("gg") or link.startswith("gg"):
        return LV_RATING_CLASSES["fuse"].typical_ka
    return RATING_CLASSES.get(str(getattr(device, "kind", "")), RATING_CLASSES["relay"]).typical_ka


def device_warnings(study: Study, device: Any, where: str, file: str,
                     load_a: Callable[[str], tuple[float, float, float, str] | None]
                     ) -> list[Issue]:
    out = []
    label = f"device {device.name!r}"
    if device.kind is DeviceKind.RELAY:
        for curve_key, dial_key in (("curve", "time_dial"), ("ground_curve", "ground_time_dial")):
            name, dial = getattr(device, curve_key), getattr(device, dial_key)
            if name is None or dial is None or device.definite_time_s is not None:
                continue
            bounds = time_dial_range(study.library.get(name))
            if bounds is not None and not bounds[0] <= dial <= bounds[1]:
                out.append(Issue(
                    file, f"{where}.{dial_key}",
                    f"{label}: {dial_key} {dial:g} of curve {name!r} is outside "
                    f"{bounds[0]:g}–{bounds[1]:g}, {bounds[2]}",
                    f"give the relay's setting as it is set ({bounds[0]:g}–{bounds[1]:g}); an "
                    "IEC curve takes a TMS (0.05–1), an IEEE or US curve a time dial"))
    if device.kind is DeviceKind.FUSE:
        curve = study.library.get(device.link)
        out += fuse_voltage_warnings(study, device, where, file)
        out += withstand_warnings(study, device, where, file)  # inrush, cold load (rev42a M5)
        shipped_gg = str(curve.standard) == IEC_GG_STANDARD and Path(curve.file).parent == \
            LIBRARY_DIR
        if not shipped_gg and (not is_us_distribution_link(curve) or (
                curve.rating_a is None or round(curve.rating_a) not in KT_RATINGS_A)):
            out.append(Issue(
                file, f"{where}.link",
                f"{label}: link {device.link!r} is not an EEI-NEMA K or T link (ANSI C37.43 "
                f"ratings {', '.join(map(str, KT_RATINGS_A))} A)",
                "if the cutout holds a K or T link, name it as the library does (e.g. 40K); "
                "otherwise confirm the curve against the link maker's published TCC"))
    out += _step_warnings(device, where, file, label)
    key = {DeviceKind.RELAY: "pickup_a", DeviceKind.RECLOSER: "phase_min_trip_a"}.get(
        device.kind)
    bound = load_a(device.name) if key else None
    if key and bound is not None:
        i_a, load_part_a, site_part_a, basis = bound
        pickup = float(getattr(device, key))
        if pickup < i_a:
            out.append(Issue(
                file, f"{where}.{key}",
                f"{label}: phase pickup {pickup:g} A lies below the load current it must "
                f"carry, at least {i_a:,.0f} A ({basis}: {load_part_a:,.0f} A; the V2G sites "
                f"below it at rating {site_part_a:,.0f} A)",
                "give the pickup in primary amperes (not CT secondary), above the largest "
                "load current (C8 asks ≥ 1.5 × it)"))
    return out


#: The settings each declared step applies to (``recommend`` sets values on it).
_STEPPED = {"pickup": ("pickup_a", "ground_pickup_a", "phase_min_trip_a", "ground_min_trip_a"),
            "dial": ("time_dial", "ground_time_dial", "fast_multiplier", "delayed_multiplier",
                     "ground_fast_multiplier", "ground_delayed_multiplier")}


def _step_warnings(device: Any, where: str, file: str, label: str) -> list[Issue]:
    """A setting that is not a multiple of the device's declared step
    (:func:`protv2g.study.setting_steps.settings_steps`): the device cannot be set to it, so
    the step (a CT ratio most often) or the setting is likely mistyped; ``recommend``
    proposes values on the step."""
    steps = settings_steps(device)
    dial_key = ("time_dial_step" if getattr(device, "time_dial_step", None) is not None
                else "multiplier_step")
    out = []
    for kind, size, basis in (("pickup", steps.pickup_a, steps.source),
                              ("dial", steps.dial, dial_key)):
        for key in _STEPPED[kind] if size is not None else ():
            value = getattr(device, key, None)  # a value given (a default is no slip)
            if value is None or key not in device.model_fields_set or on_step(value, size):
                continue
            lo = math.floor(value / size) * size
            out.append(Issue(
                file, f"{where}.{key}",
                f"{label}: {key} {value:g} is not on its setting step {size:.6g} ({basis}): "
                f"the nearest settings are {lo:.6g} and {lo + size:.6g}",
                "give the value the device is set to, or check the step (the CT ratio "
                "above all): `protv2g recommend` proposes values on it"))
    return out
