"""Protective-device models: overcurrent relay, recloser, fuse (public names and builder).

The models live in :mod:`protv2g.devices.relay`, :mod:`protv2g.devices.recloser` and
:mod:`protv2g.devices.fuse`; this module keeps their public names and builds a device from
a study-file entry. Settings are frozen dataclasses whose field names are the study file's
device schema (units in the names; currents are primary amperes).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from protv2g.devices._base import DeviceBase
from protv2g.devices.fuse import Fuse, FuseSettings
from protv2g.devices.library import CurveLibrary
from protv2g.devices.recloser import Recloser, RecloserSettings, SubCycleClearingWarning
from protv2g.devices.relay import OvercurrentRelay, RelaySettings, curve_boundary
from protv2g.errors import InputError, Issue
from protv2g.units import DeviceKind

__all__ = [
    "RelaySettings", "OvercurrentRelay", "RecloserSettings", "Recloser",
    "FuseSettings", "Fuse", "Device", "build_device", "SubCycleClearingWarning",
    "curve_boundary", "DeviceBase",
]

Device = OvercurrentRelay | Recloser | Fuse
_SETTINGS = {DeviceKind.RELAY: (RelaySettings, OvercurrentRelay),
             DeviceKind.RECLOSER: (RecloserSettings, Recloser),
             DeviceKind.FUSE: (FuseSettings, Fuse)}


def build_device(kind: DeviceKind | str, fields: Mapping[str, Any],
                 library: CurveLibrary | None = None, where: str = "") -> Device:
    """Build a device from a mapping of settings (e.g. one study-file entry).

    Raises
    ------
    InputError
        For an unknown field (listing the allowed ones), a missing or bad value.
    """
    settings_cls, device_cls = _SETTINGS[DeviceKind(kind)]
    allowed = [f.name for f in dataclasses.fields(settings_cls)]
    where = where or f"{DeviceKind(kind).value} {fields.get('name', '?')!r}"
    bad = [Issue(where, k, "unknown field", f"allowed fields: {', '.join(allowed)}")
           for k in fields if k not in allowed]
    required = [f.name for f in dataclasses.fields(settings_cls)
                if f.default is dataclasses.MISSING]
    bad += [Issue(where, k, "is required", f"add {k}") for k in required if k not in fields]
    if bad:
        raise InputError(bad)
    return device_cls(settings_cls(**fields), library)
