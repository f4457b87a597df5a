"""Protective devices: curve functions, curve library, device models and TCC plots.

Curves are pure vectorised functions (:mod:`protv2g.devices.curves`); the library
(:mod:`protv2g.devices.library`) loads named curves from ``relay_library/``; the device
models (:mod:`protv2g.devices.models`) answer "when does this device operate?".
"""

from protv2g.devices.curves import (
    CurveFamily,
    curve_time_s,
    definite_time_s,
    em_reset_time_s,
    iec_time_s,
    ieee_time_s,
    instantaneous_reset_time_s,
    instantaneous_time_s,
    modify_time_s,
    point_table_time_s,
    trip_time_s,
)
from protv2g.devices.library import (
    Curve,
    CurveLibrary,
    UnknownCurveError,
    default_library,
    load_library,
)
from protv2g.devices.models import (
    Fuse,
    FuseSettings,
    OvercurrentRelay,
    Recloser,
    RecloserSettings,
    RelaySettings,
    build_device,
)

__all__ = [
    "CurveFamily", "curve_time_s", "definite_time_s", "em_reset_time_s", "iec_time_s",
    "ieee_time_s", "instantaneous_reset_time_s", "instantaneous_time_s", "modify_time_s",
    "point_table_time_s", "trip_time_s",
    "Curve", "CurveLibrary", "UnknownCurveError", "default_library", "load_library",
    "Fuse", "FuseSettings", "OvercurrentRelay", "Recloser", "RecloserSettings",
    "RelaySettings", "build_device",
]
