"""Protective devices: curve functions, curve library, device models and TCC plots.

Curves are pure vectorised functions (:mod:`protv2g.devices.curves`); the library
(:mod:`protv2g.devices.library`) loads named curves from ``relay_library/``; the device
models (:mod:`protv2g.devices.models`) answer "when does this device operate?"; published
coordination rules (:mod:`protv2g.devices.rules`) and timing tolerances
(:mod:`protv2g.devices.tolerances`) come with their sources.
"""

from protv2g.devices.curves import (
    CurveFamily,
    DataBoundary,
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
from protv2g.devices.fuse import TcBasis
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
    SubCycleClearingWarning,
    build_device,
)
from protv2g.devices.rules import (
    RuleOutOfRange,
    RuleValue,
    coordination_interval_s,
    fuse_fuse_ratio,
    fuse_saving_k,
    rules_table,
    source_side_fuse_factor,
)
from protv2g.devices.tolerances import time_band_s, tolerance_s

__all__ = [
    "CurveFamily", "DataBoundary", "curve_time_s", "definite_time_s", "em_reset_time_s",
    "iec_time_s",
    "ieee_time_s", "instantaneous_reset_time_s", "instantaneous_time_s", "modify_time_s",
    "point_table_time_s", "trip_time_s",
    "Curve", "CurveLibrary", "UnknownCurveError", "default_library", "load_library",
    "Fuse", "FuseSettings", "TcBasis", "OvercurrentRelay", "Recloser", "RecloserSettings",
    "RelaySettings", "build_device", "SubCycleClearingWarning",
    "RuleValue", "RuleOutOfRange", "fuse_saving_k", "source_side_fuse_factor",
    "coordination_interval_s", "fuse_fuse_ratio", "rules_table",
    "time_band_s", "tolerance_s",
]
