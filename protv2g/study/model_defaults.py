"""Pickups an adopted OpenDSS device has at OpenDSS's own default, and what validate says of them.

OpenDSS gives a ``Relay`` and a ``Recloser`` a phase and a ground minimum trip of **1 A**
(``PhaseTrip``/``GroundTrip``, "Default=1.0" in the property help of both classes, OpenDSS
Reference Guide; checked with DSS C-API 0.14.5: ``New Relay.x`` answers ``? relay.x.groundtrip``
``1``, tests/test_model_default_pickups.py). A model that leaves one unset still arms the
element at it where OpenDSS does: a current relay with ``Delay`` > 0 and no ``GroundCurve`` has
a definite-time ground element at ``GroundTrip`` (``TRelayObj.OvercurrentLogic``;
:mod:`protv2g.network.opendss_devices`), which the import keeps as ``ground_pickup_a`` — 1 A,
so it trips in ``Delay`` on any residual above 1 A: the feeder's own load unbalance. protv2g is
faithful to the model there (review rev35b, field case device-delay-import), but the value is
a default nobody set: the Settings sheet listed it as given and validate said "valid".

:func:`model_default_fields` names those settings of the adopted devices (the Settings sheet's
``at_model_default``); :func:`model_default_warnings` makes each a validate warning naming the
device, the field and the fix. The test is the value: a pickup equal to OpenDSS's default (a
model setting it to 1 A explicitly is flagged too, and is as implausible).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from protv2g.errors import Issue
from protv2g.units import DeviceKind

if TYPE_CHECKING:  # pragma: no cover
    from protv2g.study.loader import Study

__all__ = ["OPENDSS_PICKUP_DEFAULTS", "adopted_devices", "model_default_fields",
           "model_default_warnings"]

#: Study field → (OpenDSS property, its default, A), per device kind (module docstring).
OPENDSS_PICKUP_DEFAULTS: dict[DeviceKind, dict[str, tuple[str, float]]] = {
    DeviceKind.RELAY: {"pickup_a": ("PhaseTrip", 1.0), "ground_pickup_a": ("GroundTrip", 1.0)},
    DeviceKind.RECLOSER: {"phase_min_trip_a": ("PhaseTrip", 1.0),
                          "ground_min_trip_a": ("GroundTrip", 1.0)},
}


def adopted_devices(study: Study) -> list[Any]:
    """The study's devices adopted from the OpenDSS model (``feeder.adopt_devices``): the
    document's devices ahead of the study file's own (the loader puts them first)."""
    raw = getattr(study, "raw", None) or {}
    own = raw.get("devices") if isinstance(raw, dict) else None
    n_file = len(own) if isinstance(own, list) else 0
    devices = list(study.document.devices)
    if not getattr(study, "model_devices", ()):
        return []
    return devices[: max(len(devices) - n_file, 0)]


def model_default_fields(study: Study) -> dict[str, list[tuple[str, str, float]]]:
    """Adopted device name → ``(field, OpenDSS property, value A)`` of each pickup at
    OpenDSS's default (module docstring); devices with none are left out."""
    out: dict[str, list[tuple[str, str, float]]] = {}
    for device in adopted_devices(study):
        for field, (prop, default) in OPENDSS_PICKUP_DEFAULTS.get(device.kind, {}).items():
            value = getattr(device, field, None)
            if value is not None and math.isclose(float(value), default):
                out.setdefault(device.name, []).append((field, prop, float(value)))
    return out


def _element(device: Any, field: str) -> str:
    """How the element of ``field`` operates, in words."""
    ground = field.startswith("ground")
    if device.kind is DeviceKind.RELAY:
        if getattr(device, "definite_time_s", None) is not None:
            return (f"its definite-time {'51G' if ground else '51P'} element (OpenDSS arms it "
                    f"with Delay > 0) trips in {device.definite_time_s:g} s")
        return f"its {'51G' if ground else '51P'} element times out"
    return f"its {'ground' if ground else 'phase'} element runs its sequence"


def model_default_warnings(study: Study) -> list[Issue]:
    """A validate warning per pickup of an adopted device at OpenDSS's default (module
    docstring), addressed ``feeder.opendss (<kind> <name>).<field>``."""
    file = str(study.path)
    by_name = {d.name: d for d in adopted_devices(study)}
    out = []
    for name, fields in model_default_fields(study).items():
        device = by_name[name]
        for field, prop, value in fields:
            ground = field.startswith("ground")
            current = "residual (3I0)" if ground else "phase"
            none = ", or none for no ground element" if ground else ""
            out.append(Issue(
                file, f"feeder.opendss ({device.kind.value} {name}).{field}",
                f"device {name!r}: {field} {value:g} A is OpenDSS's default {prop} (what "
                f"OpenDSS takes where the model sets none): {_element(device, field)} "
                f"on any {current} current above {value:g} A, which a feeder's load "
                f"{'unbalance' if ground else 'current'} alone exceeds",
                f"set {prop} on the model's {device.kind.value} {name} to the element's pickup "
                f"(primary A), or define {name} in the study file (devices: with its own "
                f"{field}{none})"))
    return out
