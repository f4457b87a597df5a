"""Which buses of a pandapower net have no path to ground (a 3-wire system behind a delta or
ungrounded-wye winding).

The pandapower counterpart of :mod:`protv2g.flow.opendss_ground`, from the net's tables (a
pandapower net says how each winding is connected in its ``vector_group``):

1. Galvanic islands: buses joined by in-service lines (both line switches closed), closed
   bus–bus switches and in-service impedances. Transformers separate islands (each winding in
   its own).
2. An island is grounded when it holds an in-service external grid (the substation source:
   its ``x0x``/``r0x0`` give it a zero-sequence impedance), or a winding with its star point
   grounded: a two-winding transformer's HV side when its vector group starts ``YN``, its LV
   side when the LV part has ``n`` (``Dyn``, ``YNyn``, ``Yyn``, ``Yzn``); a three-winding
   transformer counts as grounding all its sides (its vector groups are not read here: no
   claim that a bus floats). A delta winding, an ungrounded wye (``Yd``, ``Dy``, ``Yy``) and a
   line ground nothing. Loads do not: a wye load on a 3-wire bus is line to line in the
   field, and pandapower's zero-sequence network leaves loads out (as the fault engine's
   :func:`protv2g.engine.floating.floating_components` finds these islands: no shunt to
   ground in Y0).

Such a bus (a site's LV bus behind its ``YNd`` interconnection transformer) has no neutral: its
service voltage is the line-to-line one (ANSI C84.1-2020, 3-wire systems). pandapower's balanced
flow gives it the positive-sequence voltage, which in pu of the line-to-line base is that
line-to-line voltage; ``runpp_3ph`` does not solve a net with such a winding
(:data:`protv2g.flow.unbalance.SUPPORTED_VECTOR_GROUPS`).

References
----------
IEEE Std 142-2007 §1.2 (ungrounded systems); pandapower documentation, "Transformer" (vector
groups, zero-sequence model of ``YN``/``D`` windings).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = ["grounded_sides", "ungrounded_bus_mask"]


def grounded_sides(vector_group: object) -> tuple[bool, bool]:
    """(HV, LV) star point grounded, from a pandapower ``vector_group`` (``"YNd"`` → (True,
    False), ``"Dyn"`` → (False, True), ``"YNyn"`` → (True, True), ``"Yy"`` → (False, False));
    an unknown or missing group → (True, True) (no claim that a side floats).

    >>> grounded_sides("YNd"), grounded_sides("Dyn"), grounded_sides("Yd")
    ((True, False), (False, True), (False, False))
    """
    text = str(vector_group or "")
    letters = "".join(c for c in text if c.isalpha())
    k = next((i for i, c in enumerate(letters) if c.islower()), len(letters))
    hv, lv = letters[:k], letters[k:]
    if hv not in ("Y", "YN", "D", "Z", "ZN") or lv[:1] not in ("y", "d", "z"):
        return True, True
    return hv.endswith("N"), lv[1:2] == "n"


def _table(net, name: str) -> pd.DataFrame:  # noqa: ANN001
    """``net[name]`` of a pandapower net or a :class:`~protv2g.network.json_tables.
    FeederTables` (attribute access), empty when it has none."""
    df = getattr(net, name, None)
    return df if isinstance(df, pd.DataFrame) else pd.DataFrame()


def _pairs(net, table: str, a: str, b: str, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    df = _table(net, table)
    if not len(df):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return (df[a].to_numpy(np.int64)[keep], df[b].to_numpy(np.int64)[keep])


def ungrounded_bus_mask(net) -> np.ndarray:  # noqa: ANN001 - a pandapowerNet
    """``(len(net.bus),)`` bool in ``net.bus`` order: the bus has no path to ground (module
    docstring); all False on a net with none.

    Parameters
    ----------
    net : pandapower.pandapowerNet or FeederTables
        The net, or the tables ``protv2g validate`` reads
        (:class:`~protv2g.network.json_tables.FeederTables`).
    """
    index = net.bus.index.to_numpy(np.int64)
    n = len(index)
    if not n:
        return np.zeros(0, bool)
    pos = pd.Series(np.arange(n), index=index)
    line, sw, imp = _table(net, "line"), _table(net, "switch"), _table(net, "impedance")
    edges = []
    if len(line):
        keep = line.in_service.to_numpy(bool)
        if len(sw):
            open_lines = sw[(sw.et == "l") & ~sw.closed.astype(bool)].element.to_numpy()
            keep &= ~line.index.isin(open_lines)
        edges.append(_pairs(net, "line", "from_bus", "to_bus", keep))
    if len(sw):
        edges.append(_pairs(net, "switch", "bus", "element",
                            ((sw.et == "b") & sw.closed.astype(bool)).to_numpy()))
    if len(imp):
        edges.append(_pairs(net, "impedance", "from_bus", "to_bus",
                            imp.in_service.to_numpy(bool)))
    a = np.concatenate([e[0] for e in edges]) if edges else np.zeros(0, np.int64)
    b = np.concatenate([e[1] for e in edges]) if edges else np.zeros(0, np.int64)
    ok = np.isin(a, index) & np.isin(b, index)
    ia, ib = pos.loc[a[ok]].to_numpy(), pos.loc[b[ok]].to_numpy()
    graph = sp.csr_matrix((np.ones(len(ia)), (ia, ib)), shape=(n, n))
    island = connected_components(graph, directed=False)[1]
    ext, tr, t3 = _table(net, "ext_grid"), _table(net, "trafo"), _table(net, "trafo3w")
    grounds = list(ext.bus[ext.in_service.astype(bool)]) if len(ext) else []
    if len(tr):
        tr = tr[tr.in_service.astype(bool)]
        sides = [grounded_sides(v) for v in tr.get("vector_group",
                                                   pd.Series(None, index=tr.index))]
        grounds += [h for h, (g, _) in zip(tr.hv_bus, sides, strict=True) if g]
        grounds += [lv for lv, (_, g) in zip(tr.lv_bus, sides, strict=True) if g]
    if len(t3):
        t3 = t3[t3.in_service.astype(bool)]
        grounds += [*t3.hv_bus, *t3.mv_bus, *t3.lv_bus]
    grounds = [g for g in grounds if g in pos.index]
    grounded = np.unique(island[pos.loc[grounds].to_numpy()]) if grounds else np.zeros(0, int)
    return ~np.isin(island, grounded)
