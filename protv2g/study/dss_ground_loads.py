"""A load whose star point OpenDSS grounds on a bus with no path to ground (review rev36a T4).

OpenDSS connects a ``Load`` wye by default (``conn=wye``), its star point on node 0 (ground),
and a one-phase load given a bus with one phase (``bus1=x.1``) from that phase to ground. On a
3-wire ungrounded system (a site's delta low-voltage winding, a delta-fed feeder:
:func:`protv2g.flow.opendss_ground.ungrounded_buses`) there is no ground to connect it to: a
real load there is connected delta (or phase to phase), or its star point floats. In OpenDSS's
flow the grounded star point is the only ground of the island, and the phase-to-ground voltages
float around it: review rev36a W1 (IEEE 8500, a depot's 480 V delta bus with a 3-phase
``Load.depot_aux kv=0.48`` left at the default wye) read 0.961 / 1.058 / 1.056 pu phase to
ground on a balanced site, 1.021 pu line to line. protv2g judges such a bus on its
line-to-line voltage and judges no ground fault there (a load's star point grounds no system:
:mod:`protv2g.flow.opendss_ground`), but the model's load is a slip the engineer should fix;
this says which load, in which file, and how.

References
----------
R. C. Dugan, D. Montenegro, *OpenDSS Reference Guide*, EPRI 2020 — Load ``conn`` (default wye;
"for 3-phase wye, kV is line-to-line"; a wye load's star point is node 0 unless the bus gives
a further node), ``kv`` of a one-phase load (the voltage across it).
ANSI C84.1-2020 §4: the nominal voltages of 3-wire systems are line to line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from protv2g.errors import Issue

__all__ = ["dead_loads", "grounded_load_warnings", "grounded_loads"]


def grounded_loads(model: Any) -> list[tuple[str, str, int]]:
    """The enabled loads with a conductor on ground (OpenDSS node 0) whose phase conductors
    sit on an energised bus with no path to ground: ``(element, bus, phases)`` in the model's
    order (``("load.depot_aux", "depot_lv", 3)``). A de-energised bus is no 3-wire system:
    no source reaches it (:func:`dead_loads`; review rev39b M6, the shared case
    dead-bus-open-switch's b3 behind an open switch was said to want a delta load)."""
    from protv2g.flow.opendss_ground import ungrounded_buses

    floating = np.asarray(ungrounded_buses(model), dtype=bool) & _live(model)
    if not floating.any():
        return []
    return [(name, bus, n) for name, bus, n, at in _loads(model, ground_only=True)
            if floating[at].all()]


def dead_loads(model: Any) -> list[tuple[str, str]]:
    """The enabled loads whose phase conductors all sit on de-energised buses (no path to a
    source: behind an open switch or an out-of-service element): ``(element, bus)``."""
    live = _live(model)
    return [(name, bus) for name, bus, _, at in _loads(model) if not live[at].any()]


def _live(model: Any) -> np.ndarray:
    """``(buses,)`` bool: the bus is energised (:attr:`DssModel.buses` ``energized``)."""
    return model.buses["energized"].to_numpy(dtype=bool)


def _loads(model: Any, ground_only: bool = False) -> list[tuple[str, str, int, np.ndarray]]:
    """The enabled loads (``ground_only``: those with a conductor on ground) with a phase
    conductor: ``(element, first bus, phases, bus indices)``."""
    out = []
    for el in model.shunts:
        if not str(el.name).startswith("load.") or (ground_only and not (el.node < 0).any()):
            continue
        phase = el.node[(el.node >= 0) & (el.node_num >= 1) & (el.node_num <= 3)]
        if not len(phase):
            continue
        bus = np.unique(model.node_bus[phase])
        out.append((str(el.name), str(model.buses.index[int(bus[0])]), int(len(phase)), bus))
    return out


def _defining_file(model: Any, element: str) -> str:
    """The file (name) whose ``New`` command defines ``element``: the redirects first, then
    the master and the files it reaches; "" when none is found."""
    from protv2g.network.opendss_files import redirected_files

    cls, _, name = element.partition(".")
    pattern = re.compile(rf"^\s*new\s+(object\s*=\s*)?{re.escape(cls)}\.{re.escape(name)}\b",
                         re.IGNORECASE | re.MULTILINE)
    files = [Path(r) for r in getattr(model, "redirects", ())]
    try:
        files += redirected_files(Path(model.source))
    except Exception:  # noqa: BLE001 - a text only
        pass
    for path in files:
        try:
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                return path.name
        except OSError:
            continue
    return ""


def grounded_load_warnings(study: Any, dead: bool = True) -> list[Issue]:
    """One warning per load of :func:`grounded_loads` (module docstring), and with ``dead``
    one for the loads of :func:`dead_loads` (their buses are dead, not 3-wire systems:
    ``validate``'s and ``run``'s warnings; the Feeder warnings sheet lists each dead load
    from the model itself, :func:`protv2g.network.dss_model.load_dss_model`); none on a
    pandapower study or when there are none."""
    model = getattr(study, "model", None)
    if model is None:
        return []
    try:
        found = grounded_loads(model)
        off = dead_loads(model) if dead else []
    except Exception:  # noqa: BLE001 - a plausibility warning: none rather than no study
        return []
    out = []
    if off:  # one line for all: a dead bus is no 3-wire system (review rev39b M6)
        names = ", ".join(f"{e} on {b!r}" for e, b in off[:6]) + (
            f" and {len(off) - 6} more" if len(off) > 6 else "")
        out.append(Issue(
            str(study.path), "feeder.opendss",
            f"{len(off)} load(s) on de-energised (dead) buses: {names} — no source reaches "
            "them (an open switch or an element out of service between them and the feeder): "
            "they draw nothing in any flow, and their buses' fault rows read 0 A (energized = "
            "False)",
            "nothing to fix if the bus is meant to be dead (a normally-open point); otherwise "
            "close the open element in the model"))
    for element, bus, n in found:
        where = _defining_file(model, element)
        field = f"feeder.opendss ({where}: {element})" if where else f"feeder.opendss ({element})"
        how = ("give it conn=delta (kv stays the line-to-line voltage)" if n >= 3 else
               "connect it between two phases (bus1=" + bus + ".1.2, kv the line-to-line "
               "voltage) or give it conn=delta")
        out.append(Issue(
            str(study.path), field,
            f"{element} is connected wye with its star point on ground (OpenDSS's default "
            f"conn=wye{' and a phase-to-ground bus' if n < 3 else ''}) on bus {bus!r}, which "
            "has no path to ground (a 3-wire system fed by a delta or ungrounded winding): "
            "there is no neutral to connect it to. In OpenDSS's flow its star point is the "
            "bus's only ground and the phase-to-ground voltages float around it; protv2g "
            "judges the bus line to line (C12) and judges no ground fault there (C5), as on a "
            "3-wire system",
            f"{how}{' in ' + where if where else ''}; or, if the system is grounded there, "
            "model its grounding (a grounded-wye winding, a grounding transformer or a "
            "neutral reactor)"))
    return out
