"""An OpenDSS feeder without the transformers that come with the V2G project (its base case).

A V2G site on an OpenDSS feeder may sit behind a transformer of the model that the project
brings (``v2g_sites[].model_transformer``, docs/study-file.md): a depot's step-up transformer
modelled in the ``.dss`` with the chargers on its low-voltage bus. As on the pandapower path
(:func:`protv2g.network.site_transformer.without_site_transformers`), the **base case** — the
feeder as it is today — is the feeder *without* it, so what its windings do (a grounded-wye /
delta transformer is a zero-sequence source: it feeds ``3I0`` into every ground fault on the
feeder, IEEE 1547.2-2008 §8.3) is attributed to the project (``new``/``worse``), not
``pre-existing``.

:func:`without_elements` takes the elements out of a :class:`~protv2g.network.dss_model.
DssModel` as if they were disabled in the model, without compiling it again:

* ``y_s`` loses their primitive admittances (OpenDSS assembles ``Y`` from the elements'
  ``Yprim``: R. C. Dugan, *OpenDSS Reference Guide*, "Solution"), node and bus indices stay;
* the nodes that then have no path to a source are de-energised (their faults are reported at
  0 A, as any de-energised part of a model, #20 item 5);
* the pre-fault voltages (``v_oc_v``, ``v_pf_v``) lose the elements' current by superposition:
  with ``Y = Y′ + Y_x`` and ``Y·V = J`` (no source behind the elements),
  ``V′_r = V_r + Y′_rr⁻¹·(Y_x·V)_r`` on the energised nodes ``r`` — exact for the open-circuit
  voltages of OpenDSS's fault study (loads as admittances), the admittance-load linearisation
  for the power flow's;
* the element table marks them disabled, and the IEC 60909 network's rated transformers
  (:mod:`protv2g.engine.phase.iec_transformers`) leave them out.

The model derived is cached on the model it comes from (:meth:`DssModel.derived`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from protv2g.network.dss_compile import rated_transformers
from protv2g.network.dss_model import DssModel, _energized

__all__ = ["without_elements", "dead_buses", "grid_dead_buses", "sole_feeding_transformers"]


def without_elements(model: DssModel, names: Iterable[str]) -> DssModel:
    """``model`` with elements ``names`` (``"transformer.depot_xf"``) taken out (module
    docstring); ``model`` itself when ``names`` is empty.

    Raises
    ------
    InputError
        An element the model does not have enabled (``DssModel.element_y``).
    """
    key = tuple(sorted({str(n).lower() for n in names}))
    if not key:
        return model
    # a device's close-in stub on a transformer taken out (protv2g.network.dss_close_in) goes
    # with it: its close-in bus is then dead, as the transformer's secondary (review rev33a W1)
    key = tuple(sorted({*key, *(v for (e, _t), v in model.terminal_sections.items()
                                if e in key)}))
    return model.derived(f"without:{','.join(key)}", lambda m: _without(m, key))


def dead_buses(model: DssModel, names: Iterable[str]) -> np.ndarray:
    """Positions in ``model.buses`` of the energised buses that lose every path to a grid
    source (an enabled Vsource; a machine's island is not energised) when ``names`` are
    taken out."""
    base = without_elements(model, names)
    was = model.buses.energized.to_numpy(bool)
    return np.flatnonzero(was & ~base.buses.energized.to_numpy(bool))


def grid_dead_buses(model: DssModel, names: Iterable[str]) -> np.ndarray:
    """Positions in ``model.buses`` of the buses that lose every path to the **grid** (the
    model's Vsources) when ``names`` are taken out — :func:`dead_buses`, since a model's
    energised nodes are the grid's (session 42, :mod:`protv2g.network.dss_islands`): a
    generator behind a site's transformer does not keep its bus energised (review aux35: a
    Generator on the depot's low-voltage bus hid itself, the site's own load and anything
    else behind the transformer from
    :func:`protv2g.study.dss_site_transformers.site_transformer_issues`)."""
    return dead_buses(model, names)


def sole_feeding_transformers(model: DssModel, bus: int,
                              candidates: Iterable[str]) -> tuple[str, ...]:
    """The transformers among ``candidates`` (``"transformer.depot_xf"``) each of which alone
    feeds bus ``bus`` (position in ``model.buses``): taken out, the bus loses every path to a
    source (:func:`dead_buses`). In ``candidates``' order, lower case.

    A cheap pre-filter on the feeder graph (:func:`protv2g.network.dss_graph.dss_feeder_graph`,
    the edges between the transformer's winding buses hidden: the bus keeps a source in its
    component → not fed only through it) leaves :func:`dead_buses`' factorisation to the
    transformers that may cut the bus off.
    """
    import networkx as nx

    from protv2g.network.dss_graph import dss_feeder_graph

    g = dss_feeder_graph(model)
    src = {int(b) for b in model.node_bus[_grid(model)]}  # the grid's (.dss_islands)
    tab = model.elements
    names = tab.name.str.lower()
    where = {str(n): i for i, n in enumerate(model.buses.index)}
    out = []
    for el in dict.fromkeys(str(c).lower() for c in candidates):
        hit = tab[(names == el) & tab.enabled.astype(bool) & tab.energized.astype(bool)]
        if not len(hit) or bus not in g:
            continue
        wb = [where[str(b).split(".", 1)[0].lower()] for b in hit.buses.iat[0]
              if str(b).split(".", 1)[0].lower() in where]
        hide = [(a, b) for k, a in enumerate(wb) for b in wb[k + 1:] if g.has_edge(a, b)]
        view = nx.restricted_view(g, [], hide)
        if src & nx.node_connected_component(view, bus):
            continue
        if int(bus) in {int(b) for b in dead_buses(model, [el])}:
            out.append(el)
    return tuple(out)


def _grid(model: DssModel) -> np.ndarray:
    """Node positions of the model's grid sources (its enabled Vsources:
    :attr:`~protv2g.network.dss_model.DssModel.grid_sources`, read from the Vsources'
    elements on a model that does not carry them)."""
    if model.grid_sources is not None:
        return np.asarray(model.grid_sources, dtype=np.int64)
    tab = model.elements
    vs = tab.name[(tab.cls.astype(str).str.lower() == "vsource") & tab.enabled.astype(bool)]
    grid = np.unique(np.concatenate(
        [np.asarray(model.element_y(str(n)).node, dtype=int) for n in vs]
        or [np.zeros(0, dtype=int)]))
    return grid[grid >= 0]


def _without(model: DssModel, names: tuple[str, ...]) -> DssModel:
    elements = [model.element_y(n) for n in names]
    n = model.n_nodes
    rows, cols, vals = [], [], []
    for e in elements:
        sel = np.flatnonzero(e.node >= 0)
        node = e.node[sel]
        rows.append(np.repeat(node, len(node)))
        cols.append(np.tile(node, len(node)))
        vals.append(e.yprim_s[np.ix_(sel, sel)].ravel())
    y_x = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(n, n))
    y = (model.y_s - y_x).tocsc()
    live = _energized(y, _grid(model))  # a machine's island is not live (.dss_islands)
    r = np.flatnonzero(live)
    lu = spla.splu(y[r][:, r].tocsc())

    def corrected(v: np.ndarray) -> np.ndarray:
        out = np.zeros_like(v)
        out[r] = v[r] + lu.solve((y_x @ v)[r])
        return out

    buses = model.buses.copy()
    buses["energized"] = np.bincount(model.node_bus, weights=live,
                                     minlength=len(buses)) > 0
    live_bus = set(buses.index[buses.energized.to_numpy(bool)])
    tab = model.elements.copy()
    out_rows = tab.name.str.lower().isin(names).to_numpy()
    tab.loc[out_rows, ["enabled", "closed", "energized"]] = False
    tab["energized"] = tab.energized.to_numpy(bool) & np.array(
        [any(b in live_bus for b in bs) for bs in tab.buses], dtype=bool)
    base = dataclasses.replace(
        model, y_s=y, energized=live, v_oc_v=corrected(model.v_oc_v),
        v_pf_v=corrected(model.v_pf_v), buses=buses, elements=tab,
        shunts=tuple(s for s in model.shunts if live[s.node[s.node >= 0]].any()),
        inverters=tuple(s for s in model.inverters if live[s.node[s.node >= 0]].any()))
    rated = model.derived("rated_transformers", lambda m: rated_transformers(
        m.source, m.redirects, m.engine))
    base._derived["rated_transformers"] = tuple(t for t in rated
                                                if t.element.name.lower() not in names)
    return base
