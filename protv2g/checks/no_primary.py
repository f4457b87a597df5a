"""Buses in a backup zone only: no device of the study has them in its primary zone.

Review rev48a item 6 (EPRI ckt24): the 13.2 kV area (350 buses) behind the 34.5/13.2 kV step
transformers is the feeder head's backup zone (a device's primary zone ends at the first
step transformer below it with no device of its own, :mod:`.reach_zone`), and F28 said
"in its backup zone" 6,410 times. The study declares ``no_fuses_or_reclosers: true``: the
step transformers' fuses, whose primary zone those buses would be, are not in it, and nothing
said that those buses have no judged primary protection.

:func:`no_primary_notes` ends the message of each C5 row at such a bus with that, and the
number of the study's buses in the same state.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._common import step_paths_of
from protv2g.checks.reach_zone import reach_rows
from protv2g.topology_reach import BACKUP, PRIMARY

__all__ = ["backup_only_buses", "no_primary_text", "no_primary_notes", "no_primary_qualifier"]

_BACKUP_WORDS = "in its backup zone"


def backup_only_buses(ctx: Any) -> set[int]:
    """Bus positions that are a reach requirement of some device's backup zone and of no
    device's primary zone (:func:`.reach_zone.reach_rows` of the study's zones)."""
    zones = getattr(ctx, "zones", None)
    if zones is None or not len(zones):
        return set()
    z = zones[zones.device.isin(list(ctx.devices))].rename(columns={"bus": "fault_bus"})
    z = reach_rows(ctx.study, z, step_paths_of(ctx))
    level = z.zone.astype(str).to_numpy()
    bus = z.fault_bus.to_numpy()
    return {int(b) for b in bus[level == BACKUP]} - {int(b) for b in bus[level == PRIMARY]}


def no_primary_text(bus: str, n_buses: int, declared_none: bool) -> str:
    """The sentence a row at ``bus`` ends with."""
    why = (" (the study declares no_fuses_or_reclosers: the fuses or reclosers that would "
           "protect them, e.g. at the step transformers, are not in it)" if declared_none
           else "")
    return (f"; no device of the study is primary for {bus}: {n_buses} bus(es) of the "
            f"study have no judged primary protection, only this backup{why} — add "
            "their primary device (a step transformer's fuse, a recloser) to judge it")


_COUNT = re.compile(r"(?P<n>[\d,]+) bus\(es\) of the study have no judged primary protection")


def no_primary_qualifier(message: object) -> str:
    """``" — no judged primary protection at 350 bus(es) (backup zone only)"`` for a finding
    whose worst row's message has :func:`no_primary_text`, else ``""`` (the Summary's
    findings tables, review rev48a item 6).

    >>> no_primary_qualifier(no_primary_text("n300452", 350, True))
    ' — no judged primary protection at 350 bus(es) (backup zone only)'
    >>> no_primary_qualifier("head sees 104 A")
    ''
    """
    m = _COUNT.search(str(message)) if message is not None else None
    return (f" — no judged primary protection at {m['n']} bus(es) (backup zone only)"
            if m else "")


def no_primary_notes(v: pd.DataFrame, ctx: Any) -> pd.DataFrame:
    """``v`` with :func:`no_primary_text` ending the message of each C5 row "in its backup
    zone" at a bus of :func:`backup_only_buses`."""
    if not len(v):
        return v
    crit = v.criterion.astype(str).to_numpy()
    sel = np.flatnonzero(crit == "C5")
    if not len(sel):
        return v
    only = backup_only_buses(ctx)
    if not only:
        return v
    only_names = {ctx.study.bus_name(b) for b in only}
    bus = v.fault_bus.iloc[sel].astype(str).to_numpy()
    at = sel[np.isin(bus, list(only_names))]
    if not len(at):
        return v
    # the messages of these rows only written (#21: they are written when read)
    said = v.message.iloc[at].astype(str).str.contains(_BACKUP_WORDS, regex=False)
    at = at[said.to_numpy()]
    if not len(at):
        return v
    declared = bool(getattr(ctx.study.document, "no_fuses_or_reclosers", False))
    ends = [no_primary_text(b, len(only_names), declared)
            for b in v.fault_bus.iloc[at].astype(str).tolist()]
    from protv2g.messages import suffixed_messages
    v = v.copy()
    v["message"] = suffixed_messages(v.message, at, ends)
    return v
