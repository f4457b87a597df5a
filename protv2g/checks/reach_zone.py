"""Which zone buses are reach requirements of a device (C5, :mod:`.sensitivity`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from protv2g.directional.feeder import buses_vn_kv

__all__ = ["LOW_VOLTAGE_KV", "reach_required"]

#: Upper limit of low voltage, kV (a.c., IEC 60038:2009 / IEC 60050-601: up to 1 kV).
LOW_VOLTAGE_KV = 1.0


def reach_required(study: Any, devices: np.ndarray, buses: np.ndarray) -> np.ndarray:
    """Whether each zone bus is a reach requirement of its device, ``(n,)`` bool.

    A device on a medium-voltage bus (above :data:`LOW_VOLTAGE_KV`) is not required to see
    faults at low-voltage buses of its zone: the secondaries of distribution and customer
    transformers are protected by the transformer's own fuse or the customer's main breaker,
    and the feeder device's reach requirement runs to the end of its line section (IEEE Std
    C37.230-2020 §6.2). Without this, a fault on a site's 480 V delta winding (no ground
    path: 0 A) failed the feeder relay's reach, and every secondary bus of a utility feeder
    was a reach requirement of the feeder head (IEEE 8500: 3,224 of 6,562 zone rows).

    Parameters
    ----------
    study : Study
        ``feeder`` (voltages by :func:`protv2g.directional.feeder.buses_vn_kv`) and
        ``device_sites``.
    devices, buses : numpy.ndarray
        ``(n,)`` device names and zone buses (the feeder's bus identifiers).
    """
    if len(buses) == 0:
        return np.ones(0, dtype=bool)
    feeder, sites = study.feeder, study.device_sites
    names, code = np.unique(devices.astype(str), return_inverse=True)
    known = np.array([n in sites for n in names], dtype=bool)
    own_kv = np.full(len(names), np.nan)
    own_kv[known] = buses_vn_kv(feeder, [sites[n].bus for n in names[known]])
    own = own_kv[code]
    at = buses_vn_kv(feeder, buses)
    # unknown voltages (NaN) keep the requirement: never a silent pass
    return ~((own > LOW_VOLTAGE_KV) & (at <= LOW_VOLTAGE_KV))
