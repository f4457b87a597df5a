"""The remedy a dial raise stands in for when a device trips on 3I0 that a site's own
grounded-wye transformer feeds back (review rev36a M3/M1, IEEE 8500: the head's 51G dial
0.5 → 1.3 cleared a C6 sympathetic trip by out-waiting the substation's clearing, its
zone-minimum ground clearing 3.26 → 8.35 s, while the 3I0 was depot_xf's (YNd) — the
engineer's remedy is a directional ground element at the head or the transformer's
connection).

Read from data, not from the check's text: the finding's ground-fault evidence rows
``(fault_bus, device)`` against the check context's ``chains`` whose ``source`` is a site
with a zero-sequence source transformer
(:func:`protv2g.study.dss_site_transformers.grounded_site_transformers`) feeding the device in
**reverse** — the rows :func:`protv2g.checks.sympathetic_text.fed_back_texts` names the
transformer for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from protv2g.checks.fuse_saving_range import is_ground_fault
from protv2g.study.dss_site_transformers import grounded_site_transformers
from protv2g.units import Direction

__all__ = ["back_feeding_sites", "back_feed_alternative"]


def back_feeding_sites(chains: pd.DataFrame, evidence: pd.DataFrame,
                       transformers: dict[str, str],
                       bus_index: Mapping[str, int] | None = None) -> list[str]:
    """The sites of ``transformers`` (site → text) whose chains feed the device of a
    ground-fault row of ``evidence`` in reverse at that row's fault bus, sorted. The
    evidence names its buses (``"sub"``) where the chains index them: ``bus_index`` maps a
    name to the index (the fault table's ``fault_bus_name`` → ``fault_bus``); a numeric
    ``fault_bus`` is taken as the index.

    >>> ch = pd.DataFrame({"fault_bus": [7, 7, 8], "device": ["H", "H", "H"],
    ...     "source": ["depot", "sub", "depot"], "direction": ["reverse", "forward",
    ...     "forward"]})
    >>> ev = pd.DataFrame({"fault_bus": [7, 8], "device": ["H", "H"],
    ...     "fault_type": ["SLG-a", "SLG-a"]})
    >>> back_feeding_sites(ch, ev, {"depot": "depot's transformer depot_xf (YNd)"})
    ['depot']
    >>> back_feeding_sites(ch, ev.assign(fault_type="LL-ab"), {"depot": "x"})
    []
    """
    if not transformers or chains is None or evidence is None or not len(evidence):
        return []
    ev = evidence[is_ground_fault(evidence["fault_type"].astype(str).to_numpy())]
    if not len(ev):
        return []
    names = bus_index or {}
    rows = set()
    for b, d in zip(ev["fault_bus"], ev["device"].astype(str), strict=True):
        i = names.get(str(b))
        if i is None:
            n = pd.to_numeric(pd.Series([b]), errors="coerce").iloc[0]
            i = int(n) if pd.notna(n) else None
        if i is not None:
            rows.add((int(i), d))
    sel = (chains["source"].astype(str).isin(list(transformers)).to_numpy()
           & (chains["direction"].astype(str) == Direction.REVERSE.value).to_numpy())
    ch = chains[sel]
    hit = {str(s) for b, d, s in zip(ch["fault_bus"].to_numpy(), ch["device"].astype(str),
                                      ch["source"].astype(str), strict=True)
           if (int(b), d) in rows}
    return sorted(hit)


def back_feed_alternative(ctx: Any, device: str, evidence: pd.DataFrame) -> str:
    """"" or, where a site's grounded-wye transformer feeds the finding's ground faults back
    through ``device`` (:func:`back_feeding_sites`), the alternative to a slower ground
    clearing: a directional ground element (67N) at ``device`` or the transformer's
    connection. ``ctx``: a check context of the study (its ``chains``), None: ""."""
    if ctx is None or getattr(ctx, "chains", None) is None:
        return ""
    xf = grounded_site_transformers(ctx.study)
    faults = getattr(ctx, "faults", None)
    index = ({str(n): int(i) for n, i in faults[["fault_bus_name", "fault_bus"]]
              .drop_duplicates().itertuples(index=False)}
             if isinstance(faults, pd.DataFrame)
             and {"fault_bus_name", "fault_bus"} <= set(faults.columns) else None)
    sites = back_feeding_sites(ctx.chains, evidence, xf, index)
    if not sites:
        return ""
    names = "; ".join(xf[s] for s in sites)
    verb = "feeds" if len(sites) == 1 else "feed"
    return (f"alternative: the ground faults' 3I0 through {device} is fed back by {names}, "
            f"which {verb} 3I0 into every ground fault with the chargers idle too — a "
            f"directional ground element (67N) at {device}, or a connection of the "
            "transformer without a grounded-wye feeder-side winding (or a neutral "
            "impedance), removes the back-feed without slowing the feeder's ground clearing")
