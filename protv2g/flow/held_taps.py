"""C8's load currents where the regulators' rest point decides the verdict: the snapshot with
the taps held at its base case's rest point, and one tap's effect (review rev49b #5, inv49a).

A regulator holds any tap whose compensated voltage lies inside ``vreg ± band/2`` (IEEE Std
C57.15-2017, voltage level and bandwidth; OpenDSS RegControl ``vreg``, ``band``): a band of
2 V on 120 V holds two or three taps of 0.00625 pu, each a rest point. A one-step snapshot is
solved from its base case's settled taps (:func:`~protv2g.flow.opendss_study.opendss_flow`),
and its controls then move them where the charging or the export takes them out of the band.
Two figures of C8 (:mod:`protv2g.checks.load`) rest on that path:

* **The increment like for like** (:data:`HELD_COLUMN`, :data:`HELD_RESIDUAL_COLUMN`): the
  snapshot solved once more with the controls off from the base case's taps — V2G's own
  change of the current, without the taps' moves. EPRI J1 (recloser-oh_b18853's 51G, all
  three sites charging): 3I0 51.61 A without the charging, 53.585 A from the base's taps with
  the controls acting (+1.98 A, the taps' moves included), 53.90 A with them held (+2.29 A;
  OpenDSS alone 53.900 A; inv49a: the sites add 2.2–2.3 A on every tap state it held).
* **One tap's effect** (:data:`TAP_COLUMN`, :data:`TAP_RESIDUAL_COLUMN`, the regulator in
  :data:`TAP_REGULATOR_COLUMN`, :data:`TAP_REGULATOR_RESIDUAL_COLUMN`): the largest change of
  the device's largest phase current (of its 3I0) from one tap of any single regulated winding
  on the device's path (upstream of it, whose output feeds it, or behind it, whose load it
  carries), from the snapshot's own settled state with the controls off — each such state a
  rest point as valid as the snapshot's when it stays in its band. J1: regxfmr_b19010 (a)
  one tap 0.72 A of 3I0 against a 0.25 A failure margin (inv49a, OpenDSS).

Only where a C8 row needs them: a one-step snapshot (not a base case) with a one-step base
case that settled, on a model whose RegControls act, and a device whose phase current or
3I0 lies within :data:`SCREEN_FACTOR` × the largest tap step × its largest phase current of
its C8 limit (either side; a screen wide enough for one tap of a single-phase regulator on a
load whose current follows the voltage up to that power: constant current 1, constant
impedance 2), or whose row V2G makes fail (its base case's passes). The held solve once per
such snapshot, the tap solves (one per regulated winding on any such device's path: +1 tap,
−1 at the top of its range) only for the devices within the screen; each reads the watched
devices' currents alone (:func:`_watch_currents`). A 96-step day keeps its chronology: not
read here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from protv2g.network.dss_graph import dss_feeder_graph, dss_source_buses

__all__ = ["HELD_COLUMN", "HELD_RESIDUAL_COLUMN", "SCREEN_FACTOR", "TAP_COLUMN",
           "TAP_REGULATOR_COLUMN", "TAP_REGULATOR_RESIDUAL_COLUMN", "TAP_RESIDUAL_COLUMN",
           "HELD_TAP_COLUMNS", "with_held_taps"]

#: Device-table column: the row's largest phase current (A) with the taps held at its base
#: case's rest point (controls off); NaN where not solved.
HELD_COLUMN = "i_held_a"
#: The same row's residual current 3I0 (A) with the taps held.
HELD_RESIDUAL_COLUMN = "i_residual_held_a"
#: The largest change (A, ≥ 0) of the row's largest phase current from ±1 tap of one
#: regulated winding on the device's path, from the snapshot's own rest point.
TAP_COLUMN = "i_tap_a"
#: The same of its 3I0.
TAP_RESIDUAL_COLUMN = "i_residual_tap_a"
#: Which winding's tap gives :data:`TAP_COLUMN` (``"regxfmr_b19010a +1 tap"``), "" if none.
TAP_REGULATOR_COLUMN = "tap_regulator"
#: Which gives :data:`TAP_RESIDUAL_COLUMN`.
TAP_REGULATOR_RESIDUAL_COLUMN = "tap_regulator_residual"
HELD_TAP_COLUMNS = (HELD_COLUMN, HELD_RESIDUAL_COLUMN, TAP_COLUMN, TAP_RESIDUAL_COLUMN,
                    TAP_REGULATOR_COLUMN, TAP_REGULATOR_RESIDUAL_COLUMN)
#: The screen's factor on one tap step × the device's largest phase current (module
#: docstring): a current's change from one tap is at most about twice the step (constant
#: impedance) on the phase it is on; 3 leaves a margin for a regulator's own load and CVR.
SCREEN_FACTOR = 3.0


def _watch_currents(dss: Any, watches: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """``(i_a, i_residual_a)`` of ``watches`` in the circuit as solved: the largest phase
    current and ``|Ia + Ib + Ic|`` into the element at the watched terminal, as the device
    table computes them (:func:`~protv2g.flow.opendss_tables.device_table`), read from
    each element alone (``CktElement.Currents`` and ``NodeOrder``: conductors on nodes 1–3
    are phases a–c), not from every element's (most of a solve's cost on the IEEE 8500)."""
    i_a, i_r = np.full(len(watches), np.nan), np.full(len(watches), np.nan)
    for j, w in enumerate(watches):
        dss.Circuit.SetActiveElement(w.element)
        c = np.asarray(dss.CktElement.Currents(), dtype=float)
        c = c[0::2] + 1j * c[1::2]
        n = int(dss.CktElement.NumConductors())
        nodes = np.asarray(dss.CktElement.NodeOrder(), dtype=np.int64)
        lo = (int(w.terminal) - 1) * n
        at = (nodes[lo:lo + n] >= 1) & (nodes[lo:lo + n] <= 3)
        ph = c[lo:lo + n][at]
        if len(ph):
            i_a[j], i_r[j] = np.abs(ph).max(), abs(ph.sum())
    return i_a, i_r


def _solve_held(engine: Any, block: Any, state: dict, watches: Sequence[Any]
                ) -> tuple[np.ndarray, np.ndarray] | None:
    """``block``'s step solved from ``state`` with the controls off (every tap and capacitor
    held where ``state`` has it): :func:`_watch_currents` of ``watches``, None where it did
    not converge."""
    dss = engine._dss
    mode = int(dss.Solution.ControlMode())
    dss.Text.Command("set controlmode=off")
    try:
        arr = engine.solve(block.load_fraction, block.site_p_mw, der_fraction=block.der,
                           start=state, voltages_only=True)
        got = _watch_currents(dss, watches) if bool(arr.converged[0]) else None
    finally:
        dss.Solution.ControlMode(mode)
    return got


def _on_path(model: Any, buses: Sequence[str], keys: Sequence[tuple[str, int]]
             ) -> list[set[tuple[str, int]]]:
    """For each device bus, the regulated windings ``keys`` on its path: upstream (a bus of
    the regulator's transformer on the path from the nearest source to the device's bus) or
    behind it (the device's bus on the path to the regulator's)."""
    g = dss_feeder_graph(model)
    src = set(dss_source_buses(model).values()) & set(g.nodes)
    if not src:
        return [set(keys) for _ in buses]
    _, paths = nx.multi_source_dijkstra(g, src, weight=lambda _a, _b, _d: 1)
    e = model.elements
    reg_buses = {}
    for k in keys:
        row = e.buses[e.name == k[0]]
        names = list(row.iat[0]) if len(row) else []
        reg_buses[k] = {int(b) for b in model.bus_index(names)} if names else set()
    out = []
    for name in buses:
        b = int(model.bus_index([name])[0])
        up = set(paths.get(b, ()))
        out.append({k for k in keys if reg_buses[k] & up
                    or any(b in paths.get(r, ()) for r in reg_buses[k])})
    return out


def with_held_taps(engine: Any, model: Any, blocks: Sequence[Any], devices: Any,
                   where: Mapping[str, tuple[int, int]], settled: Mapping[str, dict],
                   states: Mapping[str, dict | None],
                   limits: Mapping[str, tuple[float, float]] | None) -> Any:
    """``devices`` (the flow's device table) with :data:`HELD_TAP_COLUMNS` (module
    docstring); the table as it is without ``limits``, an enabled RegControl or a row that
    needs them.

    ``settled``: each one-step base case's settled control state; ``states``: each one-step
    snapshot's own (:attr:`~protv2g.flow.opendss.DssFlowEngine.step_state`); ``limits``:
    device → ``(phase limit A, ground limit A)`` of C8 (NaN where it has none:
    :func:`protv2g.checks.load_tap_path.c8_limits`)."""
    steps = engine.regulated_steps() if limits else {}
    if not steps or not getattr(model, "controls_on", True):
        return devices
    n_total = int(max(hi for _, hi in where.values()))
    names = devices["device"].to_numpy()[::n_total] if n_total else np.array([])
    lim = np.array([limits.get(str(d), (np.nan, np.nan)) for d in names], float).reshape(-1, 2)
    i_all = devices["i_a"].to_numpy(float).reshape(len(names), n_total)
    r_all = devices["i_residual_a"].to_numpy(float).reshape(len(names), n_total)
    max_step = max(s for s, _, _ in steps.values())
    cols = {c: np.full(len(devices), np.nan) for c in HELD_TAP_COLUMNS[:4]}
    regs = {c: np.full(len(devices), "", dtype=object) for c in HELD_TAP_COLUMNS[4:]}
    by_name = {b.scenario: b for b in blocks}
    paths: dict[str, set] | None = None
    done = False
    for b in blocks:
        base = by_name.get(b.base)
        if (len(b.load_fraction) != 1 or b.base == b.scenario or base is None
                or len(base.load_fraction) != 1 or b.scenario not in where
                or b.base not in where or settled.get(b.base) is None):
            continue
        k, k0 = where[b.scenario][0], where[b.base][0]
        i, r, i0, r0 = i_all[:, k], r_all[:, k], i_all[:, k0], r_all[:, k0]
        screen = SCREEN_FACTOR * max_step * i
        with np.errstate(invalid="ignore"):
            near = np.column_stack([np.abs(lim[:, 0] - i) <= screen,
                                    np.abs(lim[:, 1] - r) <= screen])
            caused = np.column_stack([(i >= lim[:, 0]) & (i0 < lim[:, 0]),
                                      (r >= lim[:, 1]) & (r0 < lim[:, 1])])
        if not (near | caused).any():
            continue
        want = np.flatnonzero((near | caused).any(axis=1))
        rows = want * n_total + k
        watches = [engine.watches[j] for j in want]
        held = _solve_held(engine, b, settled[b.base], watches)
        done = True
        if held is not None:
            cols[HELD_COLUMN][rows], cols[HELD_RESIDUAL_COLUMN][rows] = held
        own = states.get(b.scenario)
        at = np.flatnonzero(near.any(axis=1))
        if own is None or not len(at):
            continue
        rows = at * n_total + k
        watches = [engine.watches[j] for j in at]
        if paths is None:
            buses = devices["bus_name"].to_numpy()[::n_total]
            paths = dict(zip(names, _on_path(model, list(buses), list(steps)), strict=True))
        wanted = set().union(*(paths[names[j]] for j in at))
        best = np.zeros((len(at), 2))
        who = np.full((len(at), 2), "", dtype=object)
        taps = {(str(t).lower(), w): v for (t, w), v in own["taps"].items()}
        for key in (k_ for k_ in steps if k_ in wanted):
            step, lo, hi = steps[key]
            # one direction: +1 tap, −1 at the top of its range (the effect is symmetric to
            # a few %: J1 in OpenDSS, regxfmr_b19010 +0.723 / −0.716 A, subxfmr +0.426 /
            # −0.416 A of 3I0)
            tap0 = taps.get(key, np.nan)
            d = 1 if tap0 + step <= hi + 1e-9 else -1
            if not lo - 1e-9 <= tap0 + d * step <= hi + 1e-9:
                continue
            trial = {"taps": {kk: (tap0 + d * step if kk == key else v)
                              for kk, v in taps.items()}, "caps": own["caps"]}
            got = _solve_held(engine, b, trial, watches)
            if got is None:
                continue
            on = np.array([key in paths[names[j]] for j in at], dtype=bool)
            for m, (cur, ref) in enumerate(zip(got, (i[at], r[at]), strict=True)):
                delta = np.abs(cur - ref)
                better = on & (delta > best[:, m])
                best[better, m] = delta[better]
                who[better, m] = (f"{key[0].split('.', 1)[1]} {'+' if d > 0 else '−'}1 tap"
                                  f" ({step:.5g} pu)")
        cols[TAP_COLUMN][rows] = best[:, 0]
        cols[TAP_RESIDUAL_COLUMN][rows] = best[:, 1]
        regs[TAP_REGULATOR_COLUMN][rows] = who[:, 0]
        regs[TAP_REGULATOR_RESIDUAL_COLUMN][rows] = who[:, 1]
    if not done:
        return devices
    out = devices.copy(deep=False)
    for c, v in {**cols, **regs}.items():
        out[c] = v
    return out
