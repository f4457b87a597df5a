"""C12's loading rows of branches in series that carry one current: one row for the path.

Elements in series with no branch between them carry the same current; when several of them
fail C12's loading limit they are one problem, not one per element (review rev30 §5, EPRI
ckt5: three gate ``fail:`` lines, each "loaded 108 %", were ``line.mdv201_connector`` (1 m),
``line.mdv201_hn_2_793_abc1023346_sw`` and ``line.sw-hn_2_793_sw``, one current path rated
by OpenDSS's default 400 A, in series with the 619 A conductor
``line.mdv201_hn_2_793_abc1023346`` at 70 %).

Series (a stated rule): two branches of the flow table share a bus at which no source
(external grid, Vsource) is connected and either no other branch of the table ends, or the
others carry less current than these two in every step (a service transformer tapped on
another phase than the most loaded one); and their currents (``i_ka``, the most loaded
phase) agree in every step of the scenario whose rows are merged (within
:data:`SAME_CURRENT_REL` of the larger, or :data:`SAME_CURRENT_ABS_KA`); a load or shunt at
the shared bus on that phase makes them differ and so breaks the path. A scenario is judged
on its own steps (review rev36a T5, IEEE 8500: ``line.ln5742828-2`` at −56.0990 % was a
finding apart from the five elements before it at the same −56.0990 %: the split-phase
service transformer t226195333c between ln5742828-1 and -2 takes 17 A on one phase, the
lines agree within 4e-7 at peak load but differ by 0.1 % at light load, where that phase
is the most loaded, and every scenario's steps were compared). A *path* is a connected set
of such pairs. Where two or more of a path's branches fail in a scenario, C12 keeps one row
for them (the first along the path, from the source, of the most loaded) naming every
failing element, the path's count, and — where an element rated by OpenDSS's default
``normamps`` (:mod:`protv2g.network.dss_ratings`) is a stub of at most :data:`STUB_KM`
(OpenDSS gives a ``switch=yes`` line 1 m; connectors are drawn as such) — that it is one,
beside the rated element(s) of the same path with their rating and loading.
No rating is invented. Elements of one current whose ratings differ (loadings apart by more
than :data:`SAME_RATING_REL`) are not one figure: each rating's elements keep a row of their
own, naming the path's other failing elements with their loadings (review rev49a #2, IEEE 37:
``transformer.subxf`` 166.6 % and ``transformer.reg1a`` 120.2 % on the one current of phase a
read "loaded 167 %", and reg1a's own overload had no finding).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from protv2g.checks._rows import as_text, column_at

__all__ = ["SAME_CURRENT_ABS_KA", "SAME_CURRENT_REL", "SAME_RATING_REL", "STUB_KM", "element_ends",
           "merge_series"]

#: Relative agreement of two branches' currents taken as one current (OpenDSS's and
#: pandapower's flow tolerances are ≈ 1e-8–1e-6 pu; 1e-4 leaves room, still far below any
#: load at the shared bus that matters to a loading limit).
SAME_CURRENT_REL = 1e-4
#: Absolute agreement (kA) for currents near zero.
SAME_CURRENT_ABS_KA = 1e-6
#: What a merged row says lies between its elements (review rev36a T5: "no branch between
#: them" was not so where a service transformer on another phase ends between two of them).
SAME_TEXT = " of the scenario, nothing between them drawing current on the most loaded phase"
#: Loadings of one current taken as one rating (relative): elements whose ratings differ by
#: more are judged on their own, each its own row (review rev49a #2). A rating is rarely
#: stated to better than three significant figures; 0.5 % keeps those as one.
SAME_RATING_REL = 5e-3
#: Longest element called a stub (km): OpenDSS draws a ``switch=yes`` line 0.001 km long.
STUB_KM = 0.001 + 1e-9
#: Loadings (percentage points) taken as equal when choosing the row a path keeps: the first
#: along the path of the most loaded (one current, one rating: the same loading up to the
#: flow's rounding).
_SAME_LOADING = 1e-3


def split_sections(model: Any) -> dict[str, list[str]]:
    """A line split for close-in faults (:mod:`protv2g.network.dss_close_in`) → the buses of
    its other sections (its row is one section, the others appended to ``model.elements``
    as ``<line>~…``), as :func:`element_ends` reads them."""
    names = model.elements.name.to_numpy()
    buses = model.elements.buses.to_numpy()
    split: dict[str, list[str]] = {}
    for k in np.flatnonzero(pd.Series(names, dtype=object).str.contains("~", regex=False)
                            .to_numpy()):
        split.setdefault(str(names[k]).split("~", 1)[0], []).extend(buses[k])
    return split


def element_ends(model: Any, rows: Any, split: dict[str, list[str]] | None = None
                 ) -> np.ndarray:
    """``(n, 2)`` bus ids (positions in ``model.buses``) of the two ends of the OpenDSS
    elements at ``rows`` of ``model.elements`` (-1 where an element has more or fewer than
    two buses), a line split for close-in faults taken whole (``split``:
    :func:`split_sections` of the model, when the caller has it)."""
    index = np.asarray(rows)
    out = np.full((len(index), 2), -1, dtype=np.int64)
    # a line split for close-in faults: its ends are the buses that only one of its
    # sections reaches
    names = model.elements.name.to_numpy()
    buses = model.elements.buses.to_numpy()
    if split is None:
        split = split_sections(model)
    two, ends = [], []
    for k, i in enumerate(index.tolist()):
        b = list(buses[int(i)])
        if names[int(i)] in split:
            every = b + split[names[int(i)]]
            b = [x for x in dict.fromkeys(every) if every.count(x) == 1]
        if len(b) == 2:
            two.append(k)
            ends.extend(b)
    if two:  # one look-up for all (IEEE 8500: 3,718 calls, 0.28 s)
        out[two] = model.bus_index(ends).reshape(-1, 2)
    return out


def _ends(ctx: Any, element: np.ndarray, index: np.ndarray) -> np.ndarray | None:
    """``(n, 2)`` bus ids of each branch's two ends (-1 where not known: a branch of more or
    fewer than two buses), None when the feeder's tables cannot say."""
    model = ctx.study.model
    if model is not None:  # the split lines once per check run (#21: per scenario's paths)
        known = ctx.cache.get(("series split sections",))
        if known is None or known[0] is not model:
            known = ctx.cache[("series split sections",)] = (model, split_sections(model))
        return element_ends(model, index, known[1])
    out = np.full((len(index), 2), -1, dtype=np.int64)
    net = ctx.study.net
    for kind, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        sel = element == kind
        if not sel.any() or kind not in net or not len(net[kind]):
            continue
        t = net[kind]
        at = t.index.get_indexer(index[sel].astype(np.int64))
        ok = at >= 0
        rows = np.flatnonzero(sel)[ok]
        out[rows, 0] = t[a].to_numpy(np.int64)[at[ok]]
        out[rows, 1] = t[b].to_numpy(np.int64)[at[ok]]
    return out


def _paths(ctx: Any, branch: pd.DataFrame, failing: pd.DataFrame, graph: list
           ) -> dict[tuple, list[tuple]]:
    """Failing branch ``(element, index)`` → its path's branches in order along it, for the
    paths with two failing branches or more (module docstring); ``graph`` as
    :func:`_source_first` takes it."""
    codes, element, index, key_of = _pair_codes(branch.element.to_numpy(),
                                                 branch.element_index.to_numpy())
    fcode = np.unique(key_of(failing.element.to_numpy(), failing.element_index.to_numpy()))
    fcode = fcode[fcode >= 0]
    if len(fcode) < 2:
        return {}
    n = len(element)
    uniq = list(zip(element.tolist(), index.tolist(), strict=True))
    ends = _ends(ctx, element, index)
    if ends is None:
        return {}
    # buses where exactly two branches end: each such bus pairs them
    flat = ends.ravel()
    owner = np.repeat(np.arange(n), 2)
    ok = flat >= 0
    bus, who = flat[ok], owner[ok]
    order = np.argsort(bus, kind="stable")
    bus, who = bus[order], who[order]
    ub, start, count = np.unique(bus, return_index=True, return_counts=True)
    # not at a source's bus: two feeders leaving it may carry equal currents in parallel
    src = _sources(ctx)
    two = start[(count == 2) & ~np.isin(ub, src)]
    a, b = who[two], who[two + 1]
    keep = a != b
    a, b = a[keep], b[keep]
    # the currents of every branch in every (scenario, step) column
    step = branch.step.to_numpy() if "step" in branch.columns else np.zeros(len(branch))
    col, _e, _i, _k = _pair_codes(branch.scenario.to_numpy(), step)
    m = np.full((n, int(col.max()) + 1 if len(col) else 0), np.nan)
    m[codes, col] = branch.i_ka.to_numpy(float)
    # a bus where more branches end (a service transformer on one phase, review rev36a T5:
    # IEEE 8500's t226195333c at l2801909 left ln5742828-2 out of its path): its two that
    # carry the most current in every column, when they are the same two throughout
    ta, tb = _tapped_pairs(m, who, start, count, ub, src)
    a, b = np.concatenate([a, ta]), np.concatenate([b, tb])
    touching = np.isin(a, fcode) | np.isin(b, fcode)
    if not touching.any():
        return {}
    ia, ib = m[a], m[b]
    tol = np.maximum(SAME_CURRENT_ABS_KA, SAME_CURRENT_REL * np.fmax(np.abs(ia), np.abs(ib)))
    same = np.all((np.abs(ia - ib) <= tol) | (np.isnan(ia) & np.isnan(ib)), axis=1)
    a, b = a[same], b[same]
    if not len(a):
        return {}
    g = sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, label = connected_components(g, directed=False)
    failing_in = pd.Series(label[fcode]).value_counts()
    out: dict[tuple, list[tuple]] = {}
    for lab in failing_in.index[failing_in >= 2].tolist():
        members = np.flatnonzero(label == lab)
        along = _source_first(ctx, _ordered(members, a, b), ends, graph)
        path = [uniq[k] for k in along]
        for k in members.tolist():
            if k in set(fcode.tolist()):
                out[uniq[k]] = path
    return out


def _tapped_pairs(m: np.ndarray, who: np.ndarray, start: np.ndarray, count: np.ndarray,
                  bus: np.ndarray, sources: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """At each bus where three branches or more end (not a source's): the two branches
    carrying the most current (``m``: branch × column, kA) when they are the same two in
    every column — candidates for one current, the others at the bus carrying less (a
    service transformer on another phase than the most loaded one); the caller keeps a pair
    only when its currents agree. Returns ``(a, b)`` arrays of branch codes."""
    out_a, out_b = [], []
    for s, c, u in zip(start.tolist(), count.tolist(), bus.tolist(), strict=True):
        if c < 3 or u in sources:
            continue
        w = np.unique(who[s:s + c])
        if len(w) < 3 or not m.shape[1]:
            continue
        cur = np.where(np.isnan(m[w]), -np.inf, m[w])
        top = np.sort(np.argsort(-cur, axis=0, kind="stable")[:2], axis=0)
        if (top == top[:, :1]).all():
            out_a.append(int(w[top[0, 0]]))
            out_b.append(int(w[top[1, 0]]))
    return np.asarray(out_a, dtype=np.int64), np.asarray(out_b, dtype=np.int64)


def _sources(ctx: Any) -> np.ndarray:
    """Bus ids of the feeder's sources (external grids, Vsources)."""
    from protv2g.topology import source_buses

    feeder = ctx.study.model if ctx.study.model is not None else ctx.study.net
    try:
        return np.array(list(source_buses(feeder).values()), dtype=np.int64)
    except (AttributeError, KeyError, TypeError, ValueError):
        return np.zeros(0, dtype=np.int64)


def _ordered(members: np.ndarray, a: np.ndarray, b: np.ndarray) -> list[int]:
    """``members`` (a path) in order along it, from its end of the smaller code."""
    mine = set(members.tolist())
    nbr: dict[int, list[int]] = {k: [] for k in mine}
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        if x in mine and y in mine:
            nbr[x].append(y)
            nbr[y].append(x)
    ends = [k for k, v in nbr.items() if len(v) <= 1] or sorted(mine)
    at, seen, out = min(ends), set(), []
    while at is not None:
        out.append(at)
        seen.add(at)
        at = next((k for k in nbr[at] if k not in seen), None)
    return out + sorted(mine - seen)


def _pair_codes(first: np.ndarray, second: np.ndarray) -> tuple:
    """Integer codes of the pairs ``(first[k], second[k])`` (``0 … m-1``, in sorted order of
    the two columns' codes), the pairs' first and second values (``(m,)`` each) and a
    function giving the code of other pairs (-1 where not among them): factorized column by
    column (a MultiIndex's tuples cost ≈ 1 s at 80,000 rows)."""
    fc, fu = pd.factorize(first)
    sc, su = pd.factorize(second)
    width = max(len(su), 1)
    uk, inv = np.unique(fc.astype(np.int64) * width + sc, return_inverse=True)

    def key_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ia = pd.Index(fu).get_indexer(a)
        ib = pd.Index(su).get_indexer(b)
        k = ia.astype(np.int64) * width + ib
        at = np.minimum(np.searchsorted(uk, k), max(len(uk) - 1, 0))
        return np.where((ia >= 0) & (ib >= 0) & (len(uk) > 0) & (uk[at] == k), at, -1)

    return (inv.reshape(-1), np.asarray(fu, dtype=object)[uk // width],
            np.asarray(su)[uk % width], key_of)


def _source_first(ctx: Any, along: list[int], ends: np.ndarray, graph: list) -> list[int]:
    """``along`` (a path's branch codes in order) from the end nearer the feeder's source
    (fewest edges of :func:`protv2g.topology.feeder_graph`); as it is where that cannot be
    told. ``graph``: an empty list, or the graph and source built for an earlier path."""
    import networkx as nx

    from protv2g.topology import feeder_graph, source_buses

    if len(along) < 2:
        return along
    outer = []
    for k, other in ((along[0], along[1]), (along[-1], along[-2])):
        free = [x for x in ends[k].tolist() if x not in ends[other].tolist()]
        outer.append(free[0] if free else -1)
    if not graph:
        feeder = ctx.study.model if ctx.study.model is not None else ctx.study.net
        graph.extend([feeder_graph(feeder), next(iter(source_buses(feeder).values()), None)])
    g, src = graph
    try:
        first, last = (nx.shortest_path_length(g, src, b) for b in outer)
    except (nx.NetworkXException, KeyError, TypeError):
        return along
    return along[::-1] if last < first else along


def _default_rated(model: Any) -> frozenset[str]:
    """The lines of the model's script whose ``normamps`` is OpenDSS's default (lower-case
    names, :func:`protv2g.network.dss_ratings.line_rating_sources`)."""
    from protv2g.network.dss_ratings import RatingSource, line_rating_sources

    table = line_rating_sources(model.source, model.redirects)
    return frozenset(table.index[table.source == RatingSource.DEFAULT.value])


def _stub_text(ctx: Any, path: list[tuple], names: dict[tuple, str], failing: list[tuple],
               worst: pd.DataFrame) -> str:
    """Where a failing element rated by OpenDSS's default is a stub: which, and the rated
    elements of the path beside it with their rating and loading (``worst``: the scenario's
    worst rows of the path's branches, ``i_ka`` and ``loading_percent``); "" otherwise."""
    model = ctx.study.model
    if model is None:
        return ""
    length = model.elements.length_km.to_numpy()
    stubs = [k for k in failing if k[0] == "line" and np.isfinite(length[int(k[1])])
             and length[int(k[1])] <= STUB_KM]
    if not stubs:
        return ""
    # the script read once per model, not per merged row (IEEE 8500: 25 rows, 1.8 s)
    default = model.derived("lines rated by default", _default_rated)
    stubs = [k for k in stubs if names[k].lower() in default]
    if not stubs:
        return ""
    rated = []
    for k in path:
        if k[0] != "line" or k in failing or names[k].lower() in default:
            continue
        row = worst[(worst.element == k[0]) & (worst.element_index == k[1])]
        if len(row) and float(row.loading_percent.iat[0]) > 0:
            i_a, pct = 1e3 * float(row.i_ka.iat[0]), float(row.loading_percent.iat[0])
            rated.append(f"{names[k]} rated {100.0 * i_a / pct:.0f} A ({pct:.0f} %)")
    m = 1e3 * max(length[int(k[1])] for k in stubs)
    who = ("each" if len(stubs) == len(failing) else
           ", ".join(names[k] for k in stubs) + (": each" if len(stubs) > 1 else ":"))
    return (f"; {who} a stub of {m:.0f} m (a switch or connector) rated by OpenDSS's default "
            "400 A, not by the model"
            + (f", in series with {' and '.join(rated)}" if rated else ""))


def _same_rating(rows: list[int], load: np.ndarray) -> list[list[int]]:
    """``rows`` (a path's failing rows, in order along it) in groups of one loading — one
    current on one rating (within :data:`SAME_RATING_REL`): each group one row of C12, its
    figure its elements' own."""
    out: list[list[int]] = []
    for r in sorted(rows, key=lambda r: -load[r]):
        g = next((g for g in out if abs(load[g[0]] - load[r])
                  <= max(_SAME_LOADING, SAME_RATING_REL * load[g[0]])), None)
        if g is None:
            out.append([r])
        else:
            g.append(r)
    order = {r: j for j, r in enumerate(rows)}
    return [sorted(g, key=order.__getitem__) for g in out]


def merge_series(ctx: Any, branch: pd.DataFrame, worst: pd.DataFrame, bad: pd.DataFrame,
                 label: list[str], names_of: Callable[[Any, Any], list[str]]
                 ) -> tuple[pd.DataFrame, list[str], list[str]]:
    """``bad`` (C12's failing loading rows, one per scenario and branch, labelled ``label``)
    with the rows of failing branches in series that carry one current merged: per scenario,
    path and rating (:func:`_same_rating`), one row (the first along the path of the most
    loaded) whose label names every failing element of the group and what the path is
    (module docstring); a path's elements loaded otherwise on their own ratings keep rows of
    their own, each naming the others with their loadings.

    Parameters
    ----------
    branch : DataFrame
        The flow's branch table (``scenario``, ``step``, ``element``, ``element_index``,
        ``i_ka``, ``loading_percent``).
    worst : DataFrame
        Its worst row per scenario and branch (C12's ``_worst``).
    names_of : callable
        ``(elements, indices) → labels`` (:func:`protv2g.checks.flow_names.branch_names`).

    Returns
    -------
    (DataFrame, list of str, list of str)
        The rows kept, their device labels (the element of each row) and the names their
        messages give (a merged row's: its path's failing elements and what the path is).
    """
    if len(bad) < 2 or "i_ka" not in branch.columns:
        return bad, label, label
    # one scenario's rows are merged on its own steps (review rev36a T5: IEEE 8500's
    # ln5742828-1/-2 carry one current at peak load, 0.1 % apart at light load, where the
    # phase a service transformer between them takes is the most loaded one)
    graph: list = []
    per: dict[str, dict] = {}
    # the scenarios' texts coded once, and only the columns the paths read taken per
    # scenario (#21: the whole branch table filtered per scenario, IEEE 8500)
    b_scen = as_text(branch.scenario).to_numpy()
    f_scen = as_text(bad.scenario).to_numpy()
    read = [c for c in ("scenario", "step", "element", "element_index", "i_ka")
            if c in branch.columns]
    for sc in dict.fromkeys(f_scen.tolist()):
        if (f_scen == sc).sum() >= 2:
            at = np.flatnonzero(b_scen == sc)
            rows = pd.DataFrame({c: column_at(branch[c], at) for c in read}, copy=False)
            per[sc] = _paths(ctx, rows, bad[f_scen == sc], graph)
    if not any(per.values()):
        return bad, label, label
    every = sorted({k for p in per.values() for path in p.values() for k in path},
                   key=str)
    names = dict(zip(every, names_of([k[0] for k in every], [k[1] for k in every]),
                     strict=True))
    keep = np.ones(len(bad), dtype=bool)
    said = list(label)
    keys = list(zip(bad.element.tolist(), bad.element_index.tolist(), strict=True))
    scen = bad.scenario.astype(str).to_numpy()
    load = bad.loading_percent.to_numpy(float)
    groups: dict[tuple, list[int]] = {}
    w_scen = None  # the worst rows' scenario texts, once
    for r, k in enumerate(keys):
        paths = per.get(scen[r], {})
        if k in paths:
            groups.setdefault((scen[r], tuple(paths[k])), []).append(r)
    for (sc, path), every_row in groups.items():
        if len(every_row) < 2:
            continue
        along = {k: j for j, k in enumerate(path)}
        every_row.sort(key=lambda r: along[keys[r]])
        # one row per rating: an element loaded otherwise on its own rating keeps its own
        # row, its figure beside the others' (review rev49a #2, IEEE 37: subxf 167 % and
        # reg1a 120 % in one current were "loaded 167 %")
        parts = _same_rating(every_row, load)
        for rows in parts:
            others = [r for r in every_row if r not in rows]
            beside = ("" if not others else
                      "; carrying one current with " + ", ".join(
                          f"{names[keys[r]]} at {load[r]:.0f} %" for r in others)
                      + (" on its own rating, a row of its own" if len(others) == 1
                         else " on their own ratings, each a row of its own"))
            if len(rows) < 2:
                said[rows[0]] = f"{label[rows[0]]} ({beside[2:]})"
                continue
            most = max(load[r] for r in rows)
            top = next(r for r in rows if load[r] >= most - _SAME_LOADING)
            failing = [keys[r] for r in rows]
            if w_scen is None:
                w_scen = as_text(worst.scenario).to_numpy()
            w = worst[w_scen == sc]
            text = (", ".join(names[k] for k in failing[:-1]) + f" and {names[failing[-1]]}"
                    f" ({len(failing)} elements in series carrying one current: the same in "
                    f"every step{SAME_TEXT}"
                    + _stub_text(ctx, list(path), names, failing, w) + beside + ")")
            for r in rows:
                keep[r] = r == top
            said[top] = text
    return (bad[keep], [t for t, k in zip(label, keep, strict=True) if k],
            [t for t, k in zip(said, keep, strict=True) if k])
