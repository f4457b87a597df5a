"""C5 where a device's zone was not faulted: "could not evaluate", never a silent pass.

C5 (:mod:`.sensitivity`) writes a row only where a device falls short; a device whose zone
faults it judged and passed has no row, and the gate and the Summary read "passed". So a
reach requirement of a relay or recloser (a bus of its primary or backup zone,
:func:`protv2g.topology_reach.reach_zones`) at which the study computed no minimum-case fault
would read "passed" on nothing — review rev34b W2: on the European LV test feeder (416 V) the
study faulted one of the 905 buses of the head relay's zone (its line's far end, 2), C5 had
no row, the Summary said "passed" and ``gate`` PASS, while the zone's far end 899 was never
faulted. A gate that could not evaluate something never says PASS (``domain.md`` §5): such a
device gets one ``not_evaluated`` row naming how many of its requirements were not faulted
and which, which the gate makes an ERROR (:func:`protv2g.gate_rows.unevaluated_mask`) and the
Summary counts as not evaluated.

The fault buses hold every reach requirement on both paths (pandapower: every bus; OpenDSS:
:func:`protv2g.pipeline_dss.study_fault_buses`), so this row means a fault table built
otherwise (a script's bus list, an older table). Devices with no fault row at all are
reported by :func:`protv2g.checks._common.unevaluable` (:mod:`.no_rows`). Fuses are left out:
a fuse's requirements are its lateral or its transformer's secondary terminals, fault buses
of every study, and C5's fuse rows read the same table.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from protv2g.checks._common import step_paths_of
from protv2g.checks._row_frames import concat, could_not
from protv2g.checks._rows import as_text, text_isin
from protv2g.devices.kinds import kind_of
from protv2g.topology_reach import reach_zones

__all__ = ["unjudged_rows"]

#: Device roles whose zones run over a feeder's buses (:mod:`protv2g.devices.kinds`).
_ZONE_ROLES = ("relay", "recloser")
#: The case C5 judges reach in (:mod:`.sensitivity`).
_REACH_CASE = "min"


def unjudged_rows(ctx: object, names: Iterable[str]) -> pd.DataFrame:
    """``not_evaluated`` C5 rows for the relays and reclosers among ``names`` with a reach
    requirement at which no minimum-case fault was computed (module docstring).

    Parameters
    ----------
    ctx : CheckContext
        ``devices``, ``faults``, ``zones``, ``bus_faults``, ``study``.
    names : iterable of str
        The devices with a zone (``ctx.zones.device``).

    Returns
    -------
    DataFrame
        One row per such device; empty when every requirement was faulted, or when only a
        device table was given (``ctx.bus_faults`` None: which faults were computed is not
        known).
    """
    bf = ctx.bus_faults  # type: ignore[attr-defined]
    faults = ctx.faults  # type: ignore[attr-defined]
    if bf is None or faults is None or "bus" not in bf.columns:
        return concat([])
    devices = ctx.devices  # type: ignore[attr-defined]
    have = {str(d) for d in pd.unique(faults["device"]).tolist()}
    mine = [n for n in sorted(set(map(str, names)))
            if n in devices and n in have and kind_of(devices[n]).role in _ZONE_ROLES]
    if not mine:
        return concat([])
    # each distinct case's text tested once (#21: the bus fault table written out as text)
    in_min = text_isin(bf["case"], {_REACH_CASE})
    if not in_min.any():  # no minimum case: C5 says so itself
        return concat([])
    faulted = np.unique(bf["bus"].to_numpy()[in_min].astype(np.int64))
    zones = ctx.zones  # type: ignore[attr-defined]
    z = zones[text_isin(zones.device, set(mine))]
    buses = z.bus.to_numpy(np.int64)
    out = ~np.isin(buses, faulted)
    if not out.any():
        return concat([])
    z, buses = z[out], buses[out]
    study = ctx.study  # type: ignore[attr-defined]
    level, _ = reach_zones(study.feeder, study.device_sites, z.device.to_numpy(), buses,
                           z.zone.to_numpy(), step_paths_of(ctx))  # type: ignore[arg-type]
    need = level != ""
    if not need.any():
        return concat([])
    missed = pd.DataFrame({"device": z.device.astype(str).to_numpy()[need],
                           "bus": buses[need]})
    theirs = zones[text_isin(zones.device, set(missed.device))]
    n_zone = theirs.groupby(as_text(theirs.device))["bus"].nunique()
    rows = [could_not("C5", _why(study, name, np.unique(g.bus.to_numpy()),
                                 int(n_zone.get(name, 0))), device=name)
            for name, g in missed.groupby("device", sort=True)]
    return concat(rows)


def _why(study: object, name: str, missed: np.ndarray, n_zone: int) -> str:
    """``"C5 judged NAME at none of … ; fix: …"`` for :func:`unjudged_rows`."""
    shown = [study.bus_name(int(b)) for b in missed[:4]]  # type: ignore[attr-defined]
    listed = ", ".join(shown) + (f" and {len(missed) - 4} more" if len(missed) > 4 else "")
    return (f"no minimum-case fault at {len(missed)} of the {n_zone} bus(es) of {name}'s "
            f"zone that C5 requires it to reach ({listed}): its reach there was not judged, "
            "not passed; fix: fault those buses (an OpenDSS study faults the primary buses "
            "above 1 kV, the low-voltage terminals of the elements carrying a device and the "
            "low-voltage buses of a device's reach zone: docs/opendss-phase-path.md 'Fault "
            "buses'; `protv2g faults --secondaries` computes every bus), or give a fault "
            "table with them")
