"""Why a device has no row in the engine's device table, and what the user can do about it.

The device table keeps a (device, fault) row where the device sees at least
:data:`~protv2g.engine.row_rule.DEVICE_ROW_MIN_A` in a phase or in ``3·I0``
(:mod:`protv2g.engine.device_rows`). A device with no row at all cannot be judged: the checks
report ``could not evaluate Cn: no engine result for device X`` — an ERROR for the gate. Review
rev32a W2 found that message with no cause and no fix (a fuse on a service transformer, whose
secondary was not a fault bus). Since then the OpenDSS path faults the low-voltage terminals of
every element carrying a device (:func:`protv2g.pipeline_dss.study_fault_buses`), so the
remaining causes are about where the device is:

* its bus is de-energised (no path to a source: behind an open switch or a disabled element);
* nothing lies beyond it in the feeder graph (``end``/``side`` pointing away from the feeder:
  forward is into the element);
* none of the buses beyond it is a fault bus of the study (on a study without SLG: a bus
  with one phase has no 3ph or LL fault, rev41b M5);
* it carries less than the threshold at every fault there (e.g. only a de-energised branch
  beyond it).

:func:`no_rows_text` names the first that holds, with a fix.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from protv2g.engine.row_rule import DEVICE_ROW_MIN_A
from protv2g.units import FaultType

__all__ = ["no_rows_text"]

_WHERE = ("check its location: {line: NAME, end: from|to} measures at that end of the line "
          "and {trafo: NAME, side: hv|lv} at that winding, forward into the element (the "
          "faults it clears lie beyond it); move it, or remove it")


def _energized(study: Any, bus: int) -> bool | None:
    model = getattr(study, "model", None)
    if model is not None:
        return bool(model.buses.energized.iat[int(bus)])
    net = getattr(study, "net", None)
    if net is None or int(bus) not in net.bus.index:
        return None
    return bool(net.bus.at[int(bus), "in_service"])


def _without_slg(study: Any) -> str:
    """Why a bus with fewer than three phases has no fault of a study whose
    ``faults.fault_types`` leave out SLG, with the fix; "" when SLG is studied (or the study
    has no document)."""
    document = getattr(study, "document", None)
    if document is None:
        return ""
    types = [str(getattr(t, "value", t)) for t in document.faults.fault_types]
    if FaultType.SINGLE_LINE_GROUND.value in types:
        return ""
    return (f"the study's fault types ({', '.join(types)}) leave out SLG, the only fault a "
            "bus with one phase has (a 3ph fault needs three phases, an LL fault two); fix: add "
            "SLG to faults.fault_types")


def _one_phase(study: Any, buses: np.ndarray) -> bool:
    """Whether every bus of ``buses`` (model positions) has a single phase on an OpenDSS
    model (``model.buses.phases``); False on a pandapower net (three-phase buses)."""
    model = getattr(study, "model", None)
    if model is None or "phases" not in model.buses.columns:
        return False
    phases = model.buses.phases.to_numpy(object)[np.unique(buses).astype(np.int64)]
    return all(len(str(p)) == 1 for p in phases)


def no_rows_text(ctx: Any, name: str) -> str:
    """``"no engine result for device NAME: <why>; fix: <what to do>"`` (module docstring).

    Parameters
    ----------
    ctx : CheckContext
        Its ``study`` (device sites, bus names), ``zones`` (device, bus, zone) and
        ``bus_faults`` (the faults solved; None when only a device table was given).
    name : str
        A study device with no row in ``ctx.faults``.
    """
    head = f"no engine result for device {name}"
    study = ctx.study
    site = study.device_sites.get(name)
    if site is None:
        return f"{head}: it is not a device of the study's feeder; fix: {_WHERE}"
    bus = study.bus_name(site.bus)
    if _energized(study, site.bus) is False:
        return (f"{head}: its bus {bus} is de-energised in the model (no path to a source); "
                "fix: close the switch or enable the element that feeds it, or remove the "
                "device")
    zones = ctx.zones
    beyond = zones.bus[zones.device.astype(str) == name].to_numpy()
    if not len(beyond):
        return (f"{head}: no bus lies beyond it in the feeder graph (at {bus}, looking "
                f"away from the feeder); fix: {_WHERE}")
    faulted = None
    bf = ctx.bus_faults
    if bf is not None and len(bf):
        col = "bus_name" if "bus_name" in bf.columns else "fault_bus_name" if (
            "fault_bus_name" in bf.columns) else None
        if col is not None:
            faulted = set(bf[col].astype(str).unique())
    names = [study.bus_name(int(b)) for b in np.unique(beyond)]
    if faulted is not None and not faulted.intersection(names):
        shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4
                                        else "")
        if _one_phase(study, beyond) and (gap := _without_slg(study)):  # rev41b M5
            return (f"{head}: none of the {len(names)} bus(es) beyond it ({shown}) has a fault "
                    f"of the study: {gap}")
        return (f"{head}: none of the {len(names)} bus(es) beyond it ({shown}) is a fault bus "
                "of the study (on an OpenDSS feeder: the primary buses above 1 kV and the "
                "low-voltage terminal buses of the elements that carry a device); fix: put the "
                "device on the element whose far-side bus it protects (a transformer fuse: "
                "{trafo: NAME, side: hv}), or run `protv2g faults --secondaries` to see the "
                "currents at every bus")
    if faulted is None:  # the caller gave a device table only
        return (f"{head}: the device table given has no row for it (the engine keeps a row "
                f"where a device sees at least {DEVICE_ROW_MIN_A:g} A); fix: give the "
                "engine's table with the device's rows, or " + _WHERE)
    return (f"{head}: it carries less than {DEVICE_ROW_MIN_A:g} A (in every phase and in "
            f"3I0) at every fault of the study, {len(names)} bus(es) beyond it included; "
            f"fix: {_WHERE}")
