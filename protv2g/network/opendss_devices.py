"""OpenDSS Relay, Recloser and Fuse elements and TCC curves → protv2g study device dicts.

Device dicts carry currents in primary amperes and times in seconds; curve names are the
OpenDSS names (``"101"``, ``"klink"``, ``"mod_inv"``...) and are resolved against the curve
library later. Locations follow the study schema: ``{"line": name, "end": "from"|"to"}``
(OpenDSS ``MonitoredTerm`` 1 → ``from``) or ``{"trafo": name, "side": "hv"|"lv"}``.

References
----------
R. C. Dugan, "OpenDSS Reference Guide", EPRI — Recloser (PhaseTrip/GroundTrip minimum trip
in A, PhaseFast/PhaseDelayed curves, TDPhFast/TDPhDelayed multipliers, NumFast, Shots,
RecloseIntervals, Reset, Delay = fixed time added to the trip time), Fuse (FuseCurve,
RatedCurrent; the curve's current axis is in multiples of RatedCurrent), Relay (Type, PhaseCurve,
PhaseTrip, TDPhase, PhaseInst, GroundCurve, GroundTrip, TDGround, GroundInst, Delay,
BreakerTime), TCC_Curve (C_array in multiples of the pickup, T_array in s).
Timing as OpenDSS computes it (``TRelayObj.OvercurrentLogic``, ``TRecloserObj.Sample``, SVN 3723
/ DSS C-API 0.14.5; checked by OpenDSS time-domain runs in tests/test_device_delay_import.py):
a current relay with ``Delay`` > 0 uses it instead of both curves, its ground element then
active at ``GroundTrip`` even without a ground curve; an instantaneous trip (first operation
only) takes 0.01 s + ``BreakerTime`` (relay) or + ``Delay`` (recloser), and the opening is
scheduled that ``BreakerTime``/``Delay`` later again.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from protv2g.network.opendss_elements import WarningLog, iter_class, prop

#: OpenDSS's fixed operate time of an instantaneous (PhaseInst/GroundInst) trip (s).
OPENDSS_INST_S = 0.01
#: ``what`` of the warning on a device the model disables (``enabled=no``) and the import keeps.
DISABLED_WHAT = "disabled in the OpenDSS model (enabled=no)"
#: ``what`` of the note on a recloser with no ground curves (its ground element off).
NO_GROUND_WHAT = "no ground curves set"
#: Start of the ``what`` of the note on a definite-time relay's ground element (OpenDSS arms it
#: at ``GroundTrip`` when ``Delay`` > 0 and no ``GroundCurve`` is given).
DEFINITE_GROUND_WHAT = "Delay > 0 and no GroundCurve"


def _floats(text: str) -> list[float]:
    return [float(t) for t in text.replace("[", " ").replace("]", " ").replace(",", " ").split()]


def _reclose_intervals_s(text: str, shots: str) -> list[float]:
    """The open intervals (s) before each reclose of a Relay's or Recloser's ``Shots``
    operations to lockout: ``Shots - 1`` of ``RecloseIntervals``, none for ``Shots=1`` (one
    operation to lockout: a breaker that does not reclose; OpenDSS Relay/Recloser help,
    "Shots: Number of shots to lockout … one more than the number of reclose intervals").
    OpenDSS prints a Relay's empty list as ``[NONE]`` (a Recloser's as ``[]``; review rev44b
    F1: ``[NONE]`` crashed init, validate and run)."""
    n = max(int(float(shots)) - 1, 0)
    return _floats(text)[:n] if n else []


def _curve(text: str) -> str | None:
    name = text.strip().lower()
    return name or None


def _positive_or_none(text: str) -> float | None:
    value = float(text)
    return value if value > 0.0 else None


def _location(
    dss, full: str, trafos: dict[str, tuple[int, bool]], net, log: WarningLog
) -> dict | None:  # noqa: ANN001
    obj = prop(dss, full, "MonitoredObj").strip()
    term = int(float(prop(dss, full, "MonitoredTerm") or 1))
    cls, _, name = obj.partition(".")
    cls, name = cls.lower(), name.lower()
    if cls == "line":
        return {"line": name, "end": "from" if term == 1 else "to"}
    if cls == "transformer" and name in trafos:
        idx, w1_is_hv = trafos[name]
        hv = (term == 1) == w1_is_hv
        return {"trafo": str(net.trafo.at[idx, "name"]), "side": "hv" if hv else "lv"}
    log.add(
        full.split(".")[0],
        full,
        f"monitored object {obj!r} is not a line or transformer",
        "device dropped",
    )
    return None


def read_devices(dss, trafos: dict[str, tuple[int, bool]], net, log: WarningLog) -> list[dict]:  # noqa: ANN001
    """Recloser, Fuse and overcurrent Relay elements as study device dicts (locations on the
    imported pandapower net)."""
    return read_device_dicts(dss, lambda full: _location(dss, full, trafos, net, log), log)


def read_device_dicts(dss, location_of: Callable[[str], dict | None], log: WarningLog  # noqa: ANN001
                      ) -> list[dict]:
    """Recloser, Fuse and overcurrent Relay elements as study device dicts.

    ``location_of(full_name)`` gives the study ``location`` of the device ``"recloser.r1"``
    (or None: the device is dropped, the callable having logged why).
    """
    devices: list[dict] = []
    for full, enabled in iter_class(dss, "Recloser"):
        loc = location_of(full)
        if loc is None:
            continue
        p = {k: prop(dss, full, k) for k in _RECLOSER_PROPS}
        shots = int(float(p["Shots"]))
        n_fast = min(int(float(p["NumFast"])), shots)
        delay = float(p["Delay"])
        ground_curves = _curve(p["GroundFast"]) or _curve(p["GroundDelayed"])
        device = {
            "name": full.split(".", 1)[1],
            "kind": "recloser",
            "location": loc,
            "phase_min_trip_a": float(p["PhaseTrip"]),
            "ground_min_trip_a": float(p["GroundTrip"]) if ground_curves else None,
            "fast_curve": _curve(p["PhaseFast"]),
            "delayed_curve": _curve(p["PhaseDelayed"]),
            "ground_fast_curve": _curve(p["GroundFast"]),
            "ground_delayed_curve": _curve(p["GroundDelayed"]),
            "n_fast": n_fast,
            "n_delayed": shots - n_fast,
            "reclose_intervals_s": _reclose_intervals_s(p["RecloseIntervals"], p["Shots"]),
            "reset_time_s": float(p["Reset"]),
            "fast_multiplier": float(p["TDPhFast"]),
            "delayed_multiplier": float(p["TDPhDelayed"]),
            "ground_fast_multiplier": float(p["TDGrFast"]),
            "ground_delayed_multiplier": float(p["TDGrDelayed"]),
            "phase_inst_a": _positive_or_none(p["PhaseInst"]),
            "ground_inst_a": _positive_or_none(p["GroundInst"]) if ground_curves else None,
            "delayed_adder_s": delay,
            "fast_adder_s": delay,
            # OpenDSS: inst trip at 0.01 s + Delay, opened Delay later (the shot's adder)
            "inst_delay_s": OPENDSS_INST_S + delay,
        }
        devices.append(device)
        _warn_disabled(full, enabled, log)
        if not ground_curves:
            log.add("Recloser", full, NO_GROUND_WHAT, "ground element off (None)")
    for full, enabled in iter_class(dss, "Fuse"):
        loc = location_of(full)
        if loc is None:
            continue
        device = {
            "name": full.split(".", 1)[1],
            "kind": "fuse",
            "location": loc,
            "link": _curve(prop(dss, full, "FuseCurve")),
            "rating_a": float(prop(dss, full, "RatedCurrent")),
        }
        delay = float(prop(dss, full, "Delay"))
        if delay:
            device["time_adder_s"] = delay
        devices.append(device)
        _warn_disabled(full, enabled, log)
    for full, enabled in iter_class(dss, "Relay"):
        kind = prop(dss, full, "Type").strip().lower()
        if kind != "current":
            obj = prop(dss, full, "MonitoredObj").strip().lower()
            term = prop(dss, full, "MonitoredTerm").strip()
            log.add(
                "Relay",
                full,
                f"relay type {kind!r} on {obj} terminal {term} (only overcurrent relays are "
                "study devices)",
                "dropped: no check evaluates it (it does not trip in any fault run)",
            )
            continue
        loc = location_of(full)
        if loc is None:
            continue
        p = {k: prop(dss, full, k) for k in _RELAY_PROPS}
        ground_curve = _curve(p["GroundCurve"])
        definite = float(p["Delay"])
        breaker = float(p["BreakerTime"])
        # OpenDSS's ground element acts with a ground curve or a definite time (Delay > 0)
        ground_on = (ground_curve is not None or definite > 0.0) and float(p["GroundTrip"]) > 0
        device = {
            "name": full.split(".", 1)[1],
            "kind": "relay",
            "location": loc,
            "pickup_a": float(p["PhaseTrip"]),
            "curve": _curve(p["PhaseCurve"]),
            "time_dial": float(p["TDPhase"]),
            "inst_pickup_a": _positive_or_none(p["PhaseInst"]),
            # OpenDSS: inst trip at 0.01 s + BreakerTime, opened BreakerTime later
            "inst_delay_s": OPENDSS_INST_S + 2.0 * breaker,
            "ground_pickup_a": float(p["GroundTrip"]) if ground_on else None,
            "ground_curve": ground_curve,
            "ground_time_dial": float(p["TDGround"]),
            "ground_inst_pickup_a": _positive_or_none(p["GroundInst"]) if ground_on else None,
            "ground_inst_delay_s": OPENDSS_INST_S + 2.0 * breaker,
            "time_adder_s": breaker,
            "reclose_intervals_s": _reclose_intervals_s(p["RecloseIntervals"], p["Shots"]),
        }
        if definite > 0.0:
            device["definite_time_s"] = definite
            log.add(
                "Relay",
                full,
                f"Delay={p['Delay']} s: OpenDSS uses it instead of the curve",
                "kept as definite_time_s",
            )
            if ground_curve is None:
                log.add(
                    "Relay",
                    full,
                    f"{DEFINITE_GROUND_WHAT}: OpenDSS's definite-time ground element "
                    f"acts at GroundTrip = {float(p['GroundTrip']):g} A (3I0)"
                    + (" (OpenDSS's default)" if math.isclose(float(p["GroundTrip"]), 1.0) else ""),
                    "kept as ground_pickup_a (set GroundTrip in the model, or define the relay "
                    "in the study file, to change it)",
                )
        devices.append(device)
        _warn_disabled(full, enabled, log)
    return devices


_RECLOSER_PROPS = (
    "Shots",
    "NumFast",
    "Delay",
    "PhaseTrip",
    "GroundTrip",
    "PhaseFast",
    "PhaseDelayed",
    "GroundFast",
    "GroundDelayed",
    "RecloseIntervals",
    "Reset",
    "TDPhFast",
    "TDPhDelayed",
    "TDGrFast",
    "TDGrDelayed",
    "PhaseInst",
    "GroundInst",
)
_RELAY_PROPS = (
    "PhaseTrip",
    "PhaseCurve",
    "TDPhase",
    "PhaseInst",
    "Delay",
    "GroundTrip",
    "GroundCurve",
    "TDGround",
    "GroundInst",
    "BreakerTime",
    "RecloseIntervals",
    "Shots",
)


def _warn_disabled(full: str, enabled: bool, log: WarningLog) -> None:
    if not enabled:
        log.add(
            full.split(".")[0],
            full,
            DISABLED_WHAT,
            "imported as a study device, in service",
        )


def read_curves(dss, used: set[str], builtin: dict[str, tuple], source: str) -> list[dict]:  # noqa: ANN001
    """TCC_Curve point tables: those devices use plus those the model defines itself.

    Parameters
    ----------
    dss : module
        ``opendssdirect`` with the circuit compiled.
    used : set of str
        Curve names referenced by the devices.
    builtin : dict
        OpenDSS built-in curves ``name → (c_array, t_array)`` (from an empty circuit), to tell
        the model's own curves from the defaults.
    source : str
        Master file the curves came from.
    """
    curves: list[dict] = []
    for full, _ in iter_class(dss, "TCC_Curve"):
        name = full.split(".", 1)[1].lower()
        c = _floats(prop(dss, full, "C_array"))
        t = _floats(prop(dss, full, "T_array"))
        is_default = name in builtin and builtin[name] == (tuple(c), tuple(t))
        if name not in used and is_default:
            continue
        curves.append(
            {
                "name": name,
                "kind": "point_table",
                "c_array": c,
                "t_array_s": t,
                "source": "OpenDSS built-in TCC_Curve" if is_default else source,
            }
        )
    return curves


def builtin_curves(dss) -> dict[str, tuple]:  # noqa: ANN001
    """OpenDSS's default TCC curves, read from an empty circuit (clears the engine)."""
    dss.Text.Command("clear")
    dss.Text.Command("new circuit.protv2g_defaults")
    out = {}
    for full, _ in iter_class(dss, "TCC_Curve"):
        out[full.split(".", 1)[1].lower()] = (
            tuple(_floats(prop(dss, full, "C_array"))),
            tuple(_floats(prop(dss, full, "T_array"))),
        )
    return out


def monitored_lines(dss) -> frozenset[str]:  # noqa: ANN001
    """Names of the lines that a Recloser, Fuse or Relay monitors or switches."""
    names = set()
    for cls in ("Recloser", "Fuse", "Relay"):
        for full, _ in iter_class(dss, cls):
            for key in ("MonitoredObj", "SwitchedObj"):
                kind, _, name = prop(dss, full, key).strip().partition(".")
                if kind.lower() == "line":
                    names.add(name.lower())
    return frozenset(names)
