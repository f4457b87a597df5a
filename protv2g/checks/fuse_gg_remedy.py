"""The remedy a failing C5 row of an IEC 60269 gG band link names (review s38, European LV
feeder: the head's 250gG short of its zone's end fault, 0.52 × Imax(5 s) = 1,650 A, read only
"a gG link whose Imax(5 s) is at or below this fault and whose rated current carries the
load").

The rating to name is the largest of the library's gG series (``relay_library/fuse_gg.yaml``,
IEC 60269-1 Table 3 gates; :func:`protv2g.checks.fuse_window.link_series`) that

* **reaches** the row's fault: its Imax(5 s) (C5's pickup of a gG link, factor
  :data:`~protv2g.checks.fuse_gg_limits.GG_REACH_FACTOR` = 1,
  :func:`~protv2g.checks.fuse_gg_limits.gg_reach_pickup_a`) at or below the current the link
  sees for it, and
* **carries the load**: its rated current In at or above the largest load current through the
  device in the study's flows (C8's load limit of a gG link is In,
  :func:`~protv2g.checks.fuse_gg_limits.gg_load_limit_a`; every flow scenario, charging ones
  included) — :func:`protv2g.checks.fuse_window.link_window`'s bounds with a gG link's 100 %
  continuous fraction.

A smaller rating reaches further and carries less: the largest that does both is the one that
keeps the most of the way's capacity. When none does, the row says which bound stops it (the
smallest rating's Imax(5 s) above the fault; or the largest reaching rating's In below the
load) and what is left: a lower loop impedance to the zone's end, or a device that sees the
fault. Without a flow result the load bound is not judged and the row says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from protv2g.checks.fuse_gg_limits import GG_REACH_FACTOR
from protv2g.checks.fuse_window import LinkWindow, largest_load_a, link_window

__all__ = ["GENERIC_GG_REMEDY", "gg_remedies", "gg_windows"]

#: The remedy of a gG row whose device has no window (no library, a link without a rating).
GENERIC_GG_REMEDY = ("a gG link whose Imax(5 s) is at or below this fault and whose rated "
                     "current carries the load, or a lower loop impedance")
_LEFT = ("a lower loop impedance to the zone's end (a larger or shorter cable), or a device "
         "that sees the fault (a circuit-breaker with a short-time or earth-fault element)")


def gg_windows(ctx: Any, names: list[str], is_gg: np.ndarray) -> dict[int, LinkWindow]:
    """Device code → the gG series' window of each gG band device (``names[k]`` where
    ``is_gg[k]``): :func:`~protv2g.checks.fuse_window.link_window` of its link with its
    largest load current (:func:`~protv2g.checks.fuse_window.largest_load_a`) and C5's gG
    factor; none without a study (a bare context) or a series."""
    study = getattr(ctx, "study", None)
    library = getattr(study, "library", None)
    devices = getattr(ctx, "devices", None) or {}
    if library is None:
        return {}
    flow = (getattr(ctx, "flow", None) or {}).get("device")
    out = {}
    for k in np.flatnonzero(is_gg).tolist():
        dev = devices.get(names[k])
        link = str(getattr(getattr(dev, "settings", None), "link", "") or "")
        w = link_window(library, link, i_load_a=largest_load_a(flow, names[k]),
                        reach_factor=GG_REACH_FACTOR)
        if len(w.links):
            out[k] = w
    return out


def gg_remedies(windows: Mapping[int, LinkWindow], names: list[str], codes: np.ndarray,
                i_a: np.ndarray) -> list[str]:
    """The remedy of each gG row: its device's code into ``names`` (``codes``, (n,)) and the
    current it sees (``i_a``, (n,), A) — the largest rating that reaches ``i_a`` and carries
    the load, or why none does (module docstring); :data:`GENERIC_GG_REMEDY` for a device
    without a window. Written once per device and rating (rows share them)."""
    memo: dict[tuple[int, int, int], str] = {}
    out = []
    for c, i in zip(np.asarray(codes).tolist(), np.asarray(i_a, dtype=float).tolist(),
                    strict=True):
        w = windows.get(c)
        if w is None:
            out.append(GENERIC_GG_REMEDY)
            continue
        reach = w.reach_factor * w.reach_pickup_a <= i * (1.0 + 1e-9)
        ok = np.flatnonzero(reach & w.carries)
        reaching = np.flatnonzero(reach)
        key = (c, int(ok[-1]) if len(ok) else -1, int(reaching[-1]) if len(reaching) else -1)
        if key not in memo:
            memo[key] = _text(w, names[c], key[1], key[2])
        out.append(memo[key])
    return out


def _text(w: LinkWindow, device: str, best: int, reaching: int) -> str:
    """The remedy for a row whose largest feasible rating is ``best`` and largest reaching
    one ``reaching`` (indices into ``w.links``; -1: none)."""
    load = w.i_load_a
    carries = (f"whose In carries {device}'s {load:.0f} A of load (the largest in the flows)"
               if math.isfinite(load) else
               "(the load it must carry is not in the flows: check In ≥ the way's peak load)")
    if best >= 0:
        return (f"{w.links[best]}, the largest gG rating of the library's IEC 60269-1 series "
                f"whose Imax(5 s) {w.reach_pickup_a[best]:.0f} A is at or below this fault "
                f"and {carries}; or a lower loop impedance")
    if reaching < 0:
        return (f"no gG rating of the library's series reaches this fault (the smallest, "
                f"{w.links[0]}, melts within 5 s only from {w.reach_pickup_a[0]:.0f} A): "
                + _LEFT)
    return (f"no gG rating both reaches this fault and carries {device}'s {load:.0f} A of "
            f"load: the largest that reaches it, {w.links[reaching]} (Imax(5 s) "
            f"{w.reach_pickup_a[reaching]:.0f} A), has In {w.rating_a[reaching]:.0f} A — "
            + _LEFT)
