"""Device models from study-file devices, for tests (the settings each model takes)."""

from __future__ import annotations

import dataclasses
from typing import Any

from protv2g.devices.library import CurveLibrary
from protv2g.devices.models import _SETTINGS, Device, build_device


def model_of(device: Any, library: CurveLibrary) -> Device:
    """The device model of a study device (``RelayDevice``/``RecloserDevice``/``FuseDevice``),
    given every schema key that is a setting of its model (a relay's breaker reclosing and a
    device's placement are not)."""
    settings_cls = _SETTINGS[device.kind][0]
    names = {f.name for f in dataclasses.fields(settings_cls)}
    fields = {k: v for k, v in device.model_dump().items() if k in names}
    return build_device(device.kind, fields, library)
