"""C5's rows behind a line named like a fuse that the study does not model as one (review
rev30 §4, EPRI ckt5: 8 of the head relay's 9 failing buses lie behind
``line.mdv201_103746fuse``, one of the 110 lines ``init`` lists as named like a fuse without a
``Fuse`` element; "in its primary zone" read as a fact about the feeder, while in the field
that is the fuse's zone and the head only its backup, 1.45 × ≥ 1.2 ×).

The lines come from the study (:attr:`protv2g.study.loader.Study.unmodelled_fuse_lines`, the
list ``init`` writes in its TODO): no name is read here. A failing primary-zone row's bus is
*behind* such a line when the line lies between the device and the bus on the feeder's tree
from the source (its far end below the device, the bus below its far end); the line nearest
the bus is named. The row's verdict is unchanged (the study models no fuse there); its text
says where it lies and whether the device reaches it as a backup
(``checks.sensitivity_backup_factor``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["behind_unmodelled_fuse"]


def behind_unmodelled_fuse(ctx: Any, device: np.ndarray, fault_bus: np.ndarray,
                           zone: np.ndarray, ratio: np.ndarray) -> list[str]:
    """Per row, ``" (behind line.x, named like a fuse and not modelled: …)"`` for a primary
    row (``zone == "primary"``) whose ``fault_bus`` (bus id) lies behind one of the study's
    unmodelled fuse lines below ``device`` (module docstring), else ``""``; an empty list when
    no row can be (no such line, no primary row). ``ratio``: the row's current over the
    pickup."""
    lines = getattr(ctx.study, "unmodelled_fuse_lines", ())
    model = ctx.study.model
    if not lines or model is None:  # nothing to say: no list of one per row (C5's rows at
        return []                   # 10,000 buses: 409,122)
    prim = np.flatnonzero(np.asarray(zone, dtype=object) == "primary")
    if not len(prim):
        return []
    out = [""] * len(device)
    import networkx as nx

    from protv2g.checks.flow_series import element_ends
    from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses
    from protv2g.topology import downstream_bus_sets

    g = dss_feeder_graph(model)
    src = next(iter(dss_source_buses(model).values()), None)
    if src is None or src not in g:
        return out
    tree = nx.bfs_tree(g, src)
    depth = nx.single_source_shortest_path_length(tree, src)
    rows = model.elements.index.get_indexer(
        model.elements.index[model.elements.name.str.lower().isin(set(lines))])
    names = model.elements.name.to_numpy()[rows]
    ends = element_ends(model, rows)
    behind, far_of = {}, {}
    for name, (a, b) in zip(names.tolist(), ends.tolist(), strict=True):
        if a < 0 or b < 0 or a not in depth or b not in depth:
            continue
        far = a if depth[a] > depth[b] else b
        far_of[name] = far
        behind[name] = {far} | set(nx.descendants(tree, far))
    down = downstream_bus_sets(ctx.chains)
    factor = float(ctx.thresholds.sensitivity_backup_factor)
    found: dict[tuple[str, int], str] = {}
    for k in prim.tolist():
        key = (str(device[k]), int(fault_bus[k]))
        if key not in found:
            mine = down.get(key[0], set())
            hits = [ln for ln, s in behind.items() if key[1] in s and far_of[ln] in mine]
            found[key] = max(hits, key=lambda ln: depth[far_of[ln]]) if hits else ""
        line = found[key]
        if line:
            r = float(ratio[k])
            out[k] = (f" (behind {line}, named like a fuse and not modelled: in the field that "
                      f"fuse's zone; as backup {key[0]} reaches it with {r:.2f} × "
                      + (f"≥ {factor:g} ×)" if r >= factor - 1e-12 else
                         f"< {factor:g} ×, short of a backup's reach too)"))
    return out
