"""The rule that keeps a device row: the device sees at least 1 A in a phase or in ``3·I0``.

One leaf module for the rule :mod:`protv2g.engine.device_rows` applies and
:mod:`protv2g.engine.first_cycle_rows` decides without the dense grid (both import it here, so
neither imports the other).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEVICE_ROW_MIN_A", "device_row_kept"]

#: Device rows below this current (largest phase and ``|3·I0|``), A, are not kept
#: (:mod:`protv2g.engine.device_rows`). SOURCE: the smallest pickups a device can have here —
#: relay and recloser ground pickups and minimum trips of tens of amperes, fuse links from
#: 1 A (``relay_library``) — so a row below it changes no operating time and no check.
DEVICE_ROW_MIN_A = 1.0


def device_row_kept(i_abc_a: np.ndarray, min_current_a: float = DEVICE_ROW_MIN_A
                    ) -> np.ndarray:
    """Which device rows a study keeps.

    Parameters
    ----------
    i_abc_a : numpy.ndarray
        ``(..., 3)`` complex phase currents of the device, A.
    min_current_a : float
        Threshold, A (:data:`DEVICE_ROW_MIN_A`); ``≤ 0`` keeps every row.

    Returns
    -------
    numpy.ndarray
        ``(...)`` bool: ``max(|Ia|, |Ib|, |Ic|) ≥ min_current_a`` or ``|Ia + Ib + Ic|`` (=
        ``|3·I0|``) ``≥ min_current_a``, or a current is not finite.
    """
    i_abc_a = np.asarray(i_abc_a)
    if min_current_a <= 0:
        return np.ones(i_abc_a.shape[:-1], dtype=bool)
    # element-wise over the three phases (a reduction over a 3-wide axis is ≈ 4× slower;
    # the same values: max and a left-to-right sum, NaN propagated)
    a, b, c = i_abc_a[..., 0], i_abc_a[..., 1], i_abc_a[..., 2]
    mag = np.maximum(np.maximum(np.abs(a), np.abs(b)), np.abs(c))
    keep = (mag >= min_current_a) | (np.abs(a + b + c) >= min_current_a)
    return keep | ~np.isfinite(mag)
