"""What a failing row says when its verdict rests on a fuse's arcing time (review rev30 §3).

An expulsion link's total clearing (TC) is its melting time plus the arcing time to the current
zero at which it interrupts (ANSI C37.40 definitions). The checks take an EEI-NEMA link's TC
as maximum melt + the nominal ½ cycle (:attr:`protv2g.devices.fuse.Fuse.clearing_after_melt_s`,
``relay_library/fuse_links.yaml``: bracket 0 to 1 cycle; the EEI-NEMA K-link coordination table
implies 1.6–8.0 ms with these melting curves). At high currents the melting time is a few
milliseconds and the arcing time is half the TC or more: EPRI ckt5, 25K protecting 40K at
1,297–1,407 A fails the 75 % rule with ½-cycle arcing (at 1,409 A: 25K TC 0.0089 + 0.0083 s
against 0.75 × 0.0161 s, review rev30's hand check) and holds with ≤ 3.2 ms of it, while the
EEI-NEMA coordination table gives the pair to 1,350 A (3.5 ms with these curves). Such a row
says so: the arcing time it would hold with, and — where the melting time is read below 0.1 s,
EEI-NEMA's shortest published point (``i2t_asymptote`` in ``data_boundary``) — that the melting
time is extrapolated at constant I²t. The link maker's TC curve decides it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from protv2g.devices.boundary import DataBoundary
from protv2g.devices.kinds import kind_of
from protv2g.study.fuse_standard import is_iec_link

__all__ = ["arcing_text"]


def arcing_text(ctx: Any, r: Any) -> str:
    """``"; it would hold if F-END cleared within 3.18 ms of melting …"`` for a failing pair
    row ``r`` (a coordination row: ``primary``, ``margin_s``, ``t_primary_s``,
    ``data_boundary``) whose rule subtracts the primary fuse's TC once (C1 relay over fuse, C3
    fuse–fuse) and that holds with less arcing than the nominal; ``""`` else (it passes, the
    primary is no EEI-NEMA or IEC 60269 gG band link, or it fails with no arcing at all).

    The margin falls one for one with the primary's TC, so the arcing time at which it would
    just hold is ``nominal arcing + margin`` (s)."""
    margin = float(r.margin_s)
    dev = ctx.devices.get(str(r.primary))
    if not (np.isfinite(margin) and margin < 0) or dev is None or \
            kind_of(dev).role != "fuse" or not dev.has_max_melt:
        return ""
    arc = float(dev.curve.arcing_time_s)
    need = arc + margin
    if not need > 0.0:
        return ""
    melt = float(r.t_primary_s) - float(dev.clearing_after_melt_s)
    flag = f"{r.primary} tc: {DataBoundary.I2T_ASYMPTOTE.value}"
    iec = is_iec_link(dev.curve)  # gG: gates down to 0.01 s
    shortest = ("0.01 s, the shortest IEC 60269 gG point (pre-arcing I²t)" if iec
                else "0.1 s, the shortest EEI-NEMA point (ANSI C37.43)")
    extrapolated = (f"; its melting time, {melt * 1000:.3g} ms, lies below {shortest}, "
                    "extrapolated at constant I²t"
                    if flag in str(getattr(r, "data_boundary", "")) else "")
    why = ("IEC 60269-1: operating time = pre-arcing + arcing time; protv2g brackets the "
           "arcing 0 to 1 cycle" if iec else
           "ANSI C37.40: a link interrupts at a current zero, 0 to 1 cycle after melting")
    return (f"; it would hold if {r.primary} cleared within {need * 1000:.3g} ms of melting: the "
            f"rule takes the link's nominal arcing, {arc * 1000:.3g} ms ({why}), so the "
            f"verdict rests on the arcing time{extrapolated} — the link maker's total-clearing "
            "curve decides it")
