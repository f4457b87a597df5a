"""Fault figures a draft computes beyond the bus fault study: the devices' close-in (terminal)
faults as ``run`` places them (:func:`_close_in_faults`, the drafted interrupting ratings'
duty) and the X/R of the short-circuit impedance at the candidate site buses
(:func:`_network_x_r`, C7's). Used by :func:`protv2g.study_draft.draft.draft_study` and by
the stale-draft check (:mod:`.redraft_ratings`, :mod:`.redraft_candidates`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from protv2g.engine.asymmetry import dss_driving_point_x_r
from protv2g.engine.phase import PhaseDevice, phase_fault_study
from protv2g.network.dss_model import DssModel
from protv2g.units import Case, Method

__all__: list[str] = []


def _close_in_faults(model: DssModel, devices: Sequence[PhaseDevice]
                     ) -> tuple[pd.Series, pd.DataFrame]:
    """The devices' close-in (terminal) faults, as ``run`` places them (review s23: the
    DG feeder's fuse F1 drafted "max fault 573 A" and a 0.73 kA duty from the bus faults while
    ``run`` found 1,502 A just past it): each device's line split
    :data:`~protv2g.network.close_in_distance.CLOSE_IN_KM` past it
    (:func:`protv2g.network.dss_close_in.close_in_model`, the machinery of
    :func:`~protv2g.network.fault_positions.with_close_in_positions`), IEC 60909 max, every
    fault type, no V2G, the feeder's inverters by their law as the bus faults.

    Returns ``(device → largest phase current, kA; device rows)``, both empty where no device
    sits on a line."""
    from protv2g.network.dss_close_in import close_in_model

    ci = close_in_model(model, [(d.element, d.terminal) for d in devices])
    if not len(ci.table) or not devices:
        return pd.Series(dtype=float), pd.DataFrame()
    res = phase_fault_study(ci.model, method=Method.IEC60909, cases=(Case.MAX,),
                            devices=devices, buses=[str(b) for b in ci.table.bus_name],
                            existing_inverters="law")
    peak = res.device_summary
    return peak.groupby("device").i_phase_max_ka.max(), res.device_rows(1.0)


def _network_x_r(model: DssModel, levels: pd.DataFrame) -> pd.Series:
    """X/R of the candidate table: C7's (:func:`~protv2g.engine.asymmetry.dss_driving_point_x_r`,
    IEC 60909 network — loads, shunts and PV systems out, taps as solved): the X/R of the
    short-circuit impedance ``Z_k`` at the fault location, which IEC 60909-0 §4.3.1.2
    (2001 numbering, recalled) method B reads κ from — positive sequence ``Z1`` on a
    three-phase bus, the phase node's loop ``(Z1 + Z2 + Z0)/3`` otherwise. Not the angle
    from the source's phasor to the fault current (before session 33), in which the bus's
    pre-fault angle under load enters: EPRI ckt24 n283602 24.9 where ``Z_k`` gives 27.51
    (OpenDSS's ``Zsc1`` with the snapshot's taps, loads and capacitors out: 27.5102), a
    10 % lower X/R than C7 judged duty on; nor the feeder's own inverters, whose current
    has no DC offset (review s18)."""
    names = [str(b) for b in levels.index]
    if not names:
        return pd.Series(dtype=float)
    x_r = dss_driving_point_x_r(model, model.bus_index(names), Method.IEC60909)
    return pd.Series(x_r, index=levels.index)
