"""IEEE 1547-2018 voltage ride-through, momentary cessation and trip of a charger site.

Pure, vectorised functions of the charger's terminal voltage (no network here), used by the
staged fault solution (:mod:`.staging`) and by any other engine (phase domain) through the same
API. Equations and sources in ``docs/charger-fault-model.md``.

Applicable voltage
    IEEE 1547-2018 §6.4.1 trips on "any applicable voltage": for a three-phase charger the phase
    voltages at its terminals. The sequence engine gives ``V1, V2`` at the charger bus; the
    phase voltages without the zero sequence (the charger's three-wire connection and its
    interconnection transformer carry no ``V0``) are ``V_p = V1·a^(-p) + V2·a^p``. They are taken
    **relative to the pre-fault positive-sequence voltage** ``|V1_pre|`` (1.0 pu in service): the
    IEC 60909 equivalent source raises every pre-fault voltage by ``c`` (1.1), which is not an
    overvoltage the charger sees.

Trip
    An element (UV1, UV2, OV1, OV2) picks up while its condition holds (``V_min < pickup`` for
    undervoltage, ``V_max > pickup`` for overvoltage) and trips the site ``clearing_s`` after it
    picked up; it resets when the condition ends. The clearing time is the latest time the
    standard allows ("maximum clearing time"); the site is taken to trip exactly then.

Momentary cessation
    Below ``cessation_below_pu`` (applicable ``V_min``) the site injects no current but stays
    connected (its trip elements keep timing).

Category defaults (clearing time in s; pickup relative to nominal):

=========  ===========  ==========  ===========  ===========  ===================
category   OV2          OV1         UV1          UV2          momentary cessation
=========  ===========  ==========  ===========  ===========  ===================
I          1.20 / 0.16  1.10 / 2    0.70 / 2     0.45 / 0.16  none
II         1.20 / 0.16  1.10 / 2    0.70 / 10    0.45 / 0.16  none
III        1.20 / 0.16  1.10 / 13   0.88 / 21    0.50 / 2     below 0.50
=========  ===========  ==========  ===========  ===========  ===================

Sources: IEEE Std 1547-2018 Tables 11–13 (default trip settings) and Table 16 (Category III
momentary cessation below 0.50 pu), as implemented by EPRI's OpenDER model
(``common_file_format.py`` category defaults ``OV1_TRIP_T, UV1_TRIP_V/T, UV2_TRIP_V/T,
MC_LVRT_V1``; ``AS-with std-values.csv`` for Category III; BSD-3); ``../shared/reference/der/``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protv2g.units import RideThroughCategory

__all__ = ["TripElement", "CATEGORY_TRIPS", "CATEGORY_CESSATION_PU", "trip_elements",
           "applicable_voltages", "element_picked_up", "ELEMENT_NAMES"]

#: names of the voltage trip elements, in table order
ELEMENT_NAMES = ("ov2", "ov1", "uv1", "uv2")


@dataclass(frozen=True)
class TripElement:
    """One voltage trip element: ``kind`` ``"uv"`` or ``"ov"``, pickup (pu of the pre-fault
    voltage), maximum clearing time (s)."""

    name: str
    kind: str
    pickup_pu: float
    clearing_s: float

    def __post_init__(self) -> None:
        if self.kind not in ("uv", "ov"):
            raise ValueError(f"unknown trip element kind {self.kind!r}; allowed: 'uv', 'ov'")


#: IEEE 1547-2018 default trip settings by category: element → (pickup pu, clearing s)
CATEGORY_TRIPS: dict[RideThroughCategory, dict[str, tuple[float, float]]] = {
    RideThroughCategory.I: {"ov2": (1.20, 0.16), "ov1": (1.10, 2.0), "uv1": (0.70, 2.0),
                            "uv2": (0.45, 0.16)},
    RideThroughCategory.II: {"ov2": (1.20, 0.16), "ov1": (1.10, 2.0), "uv1": (0.70, 10.0),
                             "uv2": (0.45, 0.16)},
    RideThroughCategory.III: {"ov2": (1.20, 0.16), "ov1": (1.10, 13.0), "uv1": (0.88, 21.0),
                              "uv2": (0.50, 2.0)},
}

#: momentary-cessation threshold by category (applicable voltage, pu); 0 = none
CATEGORY_CESSATION_PU: dict[RideThroughCategory, float] = {
    RideThroughCategory.I: 0.0, RideThroughCategory.II: 0.0, RideThroughCategory.III: 0.50}


def trip_elements(category: RideThroughCategory | str,
                  overrides: dict[str, float | None] | None = None) -> tuple[TripElement, ...]:
    """The trip elements of a category with ``overrides`` (``uv1_pu``, ``uv1_s``, … keys;
    ``None`` keeps the default).

    Raises
    ------
    ValueError
        For an unknown category or override key.
    """
    cat = RideThroughCategory(category)
    overrides = dict(overrides or {})
    allowed = {f"{n}_{u}" for n in ELEMENT_NAMES for u in ("pu", "s")}
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise ValueError(f"unknown trip override(s) {unknown}; allowed: {sorted(allowed)}")
    out = []
    for name in ELEMENT_NAMES:
        pickup, clearing = CATEGORY_TRIPS[cat][name]
        pickup = overrides.get(f"{name}_pu") or pickup
        clearing = overrides.get(f"{name}_s") or clearing
        out.append(TripElement(name, name[:2], float(pickup), float(clearing)))
    return tuple(out)


_A = np.exp(2j * np.pi / 3)


def applicable_voltages(v1: np.ndarray, v2: np.ndarray, v_pre: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest phase-voltage magnitude relative to the pre-fault voltage.

    Parameters
    ----------
    v1, v2 : numpy.ndarray
        Positive- and negative-sequence terminal voltages (complex, per unit), any shape.
    v_pre : numpy.ndarray
        Pre-fault positive-sequence voltage (complex or magnitude), broadcastable.

    Returns
    -------
    v_min, v_max : numpy.ndarray
        ``min_p |V1·a^(-p) + V2·a^p| / |V_pre|`` and the maximum, same shape as ``v1``.
    """
    ref = np.maximum(np.abs(v_pre), 1e-12)
    ph = np.stack([np.abs(v1 + v2), np.abs(_A * _A * v1 + _A * v2),
                   np.abs(_A * v1 + _A * _A * v2)]) / ref
    return ph.min(axis=0), ph.max(axis=0)


def element_picked_up(v_min: np.ndarray, v_max: np.ndarray, kinds: np.ndarray,
                      pickups: np.ndarray) -> np.ndarray:
    """Which trip elements are picked up.

    Parameters
    ----------
    v_min, v_max : numpy.ndarray
        ``(k, m)`` applicable voltages (relative, :func:`applicable_voltages`).
    kinds : numpy.ndarray
        ``(k, E)`` bool, ``True`` for an undervoltage element.
    pickups : numpy.ndarray
        ``(k, E)`` pickup (pu); NaN for an absent element (never picks up).

    Returns
    -------
    numpy.ndarray
        ``(k, E, m)`` bool.
    """
    uv = kinds[:, :, None] & (v_min[:, None, :] < pickups[:, :, None])
    ov = ~kinds[:, :, None] & (v_max[:, None, :] > pickups[:, :, None])
    return (uv | ov) & np.isfinite(pickups)[:, :, None]
