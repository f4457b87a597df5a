"""Where in their band the regulators rest when the export starts: the tap-path bracket of a
snapshot's voltages (review rev43a M11).

A step-voltage regulator's control moves the tap only when its (line-drop compensated)
voltage has stayed outside ``vreg ± band/2`` for its time delay, and stops at the first tap
that brings it back inside (IEEE Std C57.15-2017, the control's voltage level, bandwidth,
time delay and line-drop compensation; OpenDSS RegControl ``vreg``, ``band``, ``delay``,
``R``, ``X``, ``ptratio``, ``CTprim``). Every tap whose compensated voltage lies inside the
band is a rest point, and a band of 2 V on a 120 V base holds two or three taps of
0.00625 pu. Which of them a regulator holds depends on how it got there, not on the load
alone. A V2G snapshot solved from its base case's taps (:func:`~protv2g.flow.opendss_study.
opendss_flow`: the export arrives on a settled feeder) is one path; the regulators may as
well rest at the top or at the bottom of their band when the export starts.

Review rev43a M11 (IEEE 34, the campus 58 km out at peak load): reg1/reg2 have LDC
(R 2.7, X 1.6 V): the export lowers their current, the compensated voltage rises and the taps
come down, and C12's under-voltage row at 890 (0.927 pu without V2G) limited the campus at
372 kW, where the drop from the base case's taps passed the 1/120 pu materiality; OpenDSS
solved from other rest points drops 890 by 0.0093 pu already at 200 kW. The materiality is
below one tap step plus the band: the figure moves with the tap path.

:func:`with_band_starts` brackets it. For every one-step base case that starts V2G snapshots
(the engine's own continuation), the regulators are moved to each edge of their band
(:func:`band_edge`): one tap at a time, each kept only where OpenDSS's own RegControls,
solving with the controls acting, leave it there (a rest point of every control, LDC and
band as the model sets them; an upstream regulator's move may move a downstream one, as
its control would). From each edge each of the base case's snapshots is solved again (the
export arriving with the regulators there, their controls acting) and its regulators moved
to the same edge of their own band. The bus table gets each row's lowest service voltage
at the top (:data:`TOP_COLUMN`) and at the bottom of the band (:data:`BOTTOM_COLUMN`), and
its highest (:data:`TOP_HIGH_COLUMN`, :data:`BOTTOM_HIGH_COLUMN`) and its voltage
unbalance factor (:data:`TOP_UNBALANCE_COLUMN`, :data:`BOTTOM_UNBALANCE_COLUMN`), the
base case's and the snapshot's alike; NaN on every other row (a 96-step day keeps its
chronology). An edge against the same edge is the band's shift — what the export does to
the voltages the regulators may leave a bus at. The top without V2G against wherever the
snapshot's controls stop is not: on IEEE 34 (reg1 → reg2, both LDC, the same 15 s delay)
from the top 28 kW of homes on 822.a tipped reg1a one tap and 890 dropped 0.0108 pu, edge
to edge 0.0004 pu — the band's width, which a small load change tips as well. C12 reads
them (:mod:`protv2g.checks.flow_tap_path`).

Cost: per such base case and per snapshot two edge searches (at most one solve per regulator
and pass, none for a trial its control would refuse by more than half a tap step,
:mod:`protv2g.flow.reg_band`; a trial its control moves back is stopped after OpenDSS's
first control iteration, :mod:`protv2g.flow.dss_trial`) and one solve per snapshot and
edge (the snapshot from the base case's edge; one more where its control moved a tap from
near the edge, two where that was no tie: :mod:`protv2g.flow.edge_tie`); a column's
voltages are those of the solve its search settled on, not solved again. A base case that
is another's solve (the same load and sites' power, no existing DER to tell them apart)
takes the other's edges; nothing without an enabled RegControl or with the controls off.
IEEE 8500 with a depot (issue #21): 436 → 256 solves a flow (regb46), 264 → 244 and
4 → 1 control iteration a refused trial (tap48), 244 → 197 (flw49: a refused trial tried
again is told from its own measured landing, :func:`~protv2g.flow.reg_band.refused_again`).

**The tie rule.** OpenDSS iterates a snapshot until no node voltage changes by more than its
convergence tolerance between two iterations (``Set Tolerance``, default 0.0001 pu of the
bus's base; OpenDSS's ``ConvergenceTolerance``, R. C. Dugan, "Reference Guide: The Open
Distribution System Simulator", EPRI, ``Set Tolerance``; ``Solution.Convergence`` in the
C-API), starting from the voltages the last solve left: a trial's control voltage is known
to about that, and a trial landing at its band's very edge is kept after one sequence of
solves and refused after another (IEEE 8500, the depot at 50 %, peak, the bottom edge:
vreg2_b at 1.025 reads 124.0029 V against the band's 124.0 V, 2.4e-5 pu, kept with every
trial solved to its end, refused once refused trials stop early, regb46/regb47). So a
band-edge state is decided from the controlled voltage's distance to the band's edge: a move
OpenDSS keeps is undone, as a refused one is, where the trial's own compensated voltage (as
it settled, :func:`~protv2g.flow.reg_band.compensated_v`) lies within the circuit's
tolerance (on the PT-secondary base, the winding's bus ``kVBase`` / PT ratio: 119.99 V on
the IEEE 8500 and J1, 0.012 V) of the edge it moves to
(:func:`~protv2g.flow.reg_band.at_band_edge`). A move OpenDSS refuses stays refused. A
control whose voltage is not read (a remote bus, a reversible one, a PT phase that is not a
number, two controls on one winding: :func:`~protv2g.flow.reg_band.reg_settings`) keeps
OpenDSS's verdict alone. The same rule where a column's voltages were a second solve of the
edge state (the base case from its edge, the snapshot from its own): not solved again, the
search's own solve of the state is read, so no second solve settles a tie elsewhere (IEEE
8500, base/der_off's top from base/peak's equal edge, regb47). And the same rule where
OpenDSS's own control makes the move: the snapshot's first solve from its base case's edge
(:func:`~protv2g.flow.edge_tie.solve_from_edge`). A tap its control moves there from a
compensated voltage within the tolerance of the band edge that drives the move, on either
side (:func:`~protv2g.flow.reg_band.moved_from_tie`), is held at the edge's tap and the
snapshot solved so; a move from beyond it stands (review rev50a #1: IEEE 123, homes
14.175 kW on 114.a at peak, reg4b at the bottom reads 122.9999 V against its 123 V edge;
solved after 13.5 kW OpenDSS raised it and bus 83's highest phase at the bottom start was
1.0414 pu, solved alone 1.0363 pu; now 1.0363 pu either way, OpenDSS at the held taps
1.03628). One rule decides every tie: a move whose verdict lies within the tolerance is
not counted — at a tie a tap stays where it was, the search's trial tap where the search
had it, the snapshot's tap where its base case's edge had it.

What it moves: the edge stops one tap short at a tie (one step lower at the top, one higher
at the bottom). The columns feed C12's under-voltage drop, the base case's edge less the
snapshot's same edge, and its over-voltage rise alike (the highest voltage's columns,
:mod:`protv2g.checks.flow_tap_path`): for the drop a refused tie is the conservative side
for the base case's search at the bottom (its voltage higher, the drop larger)
and for a snapshot's at the top, and the other side
for the other two. The rule refuses in all four alike — like with like, both edges the last
rest point more than the tolerance inside the band, and a tie OpenDSS refused is no rest
point to keep. A trial landing within the solution's own noise of the tolerance's mark is a
tie again; the rule's distances on the studied feeders: 8500 0.0029 V (refused), J1 0.0060
and 0.0111 V (refused; 1.6e-7 V apart between two sequences), the 8500's nearest kept trial
0.01365 V (0.0017 V past the mark, 1e-5 V apart over three sequences).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from protv2g.flow.edge_tie import solve_from_edge
from protv2g.flow.reg_band import (
    at_band_edge,
    compensated_v,
    refused_again,
    refused_ahead,
    reg_settings,
)

__all__ = ["TOP_COLUMN", "BOTTOM_COLUMN", "TOP_HIGH_COLUMN", "BOTTOM_HIGH_COLUMN",
           "TOP_UNBALANCE_COLUMN", "BOTTOM_UNBALANCE_COLUMN", "band_edge", "high_service_pu",
           "low_service_pu", "with_band_starts"]

#: Bus-table column: the row's lowest service voltage (pu) with the regulators at the top of
#: their band, in the base case and in the snapshot alike (the top edge as V2G shifts it).
TOP_COLUMN = "vm_band_top_low_pu"
#: The same at the bottom of their band.
BOTTOM_COLUMN = "vm_band_bottom_low_pu"
#: The same two with each row's highest service voltage (pu): C12's over-voltage rows read
#: them as its under-voltage rows read the lowest (review rev49b #1).
TOP_HIGH_COLUMN = "vm_band_top_high_pu"
#: The highest at the bottom of their band.
BOTTOM_HIGH_COLUMN = "vm_band_bottom_high_pu"
#: The same two with each row's voltage unbalance factor (``unbalance_percent``, %): C12's
#: unbalance rows read them as its voltage rows read the voltages (review rev49b #4, inv49b
#: option (b)), from the same solves.
TOP_UNBALANCE_COLUMN = "unbalance_band_top_percent"
#: The unbalance at the bottom of their band.
BOTTOM_UNBALANCE_COLUMN = "unbalance_band_bottom_percent"
#: At most this many passes over the regulators (each pass moves every one by ≤ 1 tap; a band
#: holds a few taps).
MAX_PASSES = 8
#: A tap kept where the control left it within this (pu).
_SAME_TAP_PU = 1e-9


def low_service_pu(tab: Any) -> np.ndarray:
    """``(rows,)`` the lowest service voltage of each bus-table row (pu): the lowest phase,
    the lowest line-to-line voltage on a bus with no path to ground (``vm_ll_max_pu`` given),
    NaN where neither is."""
    cols = [c for c in ("vm_a_pu", "vm_b_pu", "vm_c_pu") if c in tab.columns]
    phases = [tab[c].to_numpy(float) for c in cols] or [tab["vm_pu"].to_numpy(float)]
    ll = tab["vm_ll_max_pu"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(ll), np.fmin.reduce(phases), tab["vm_ll_min_pu"].to_numpy(float))


def high_service_pu(tab: Any) -> np.ndarray:
    """``(rows,)`` the highest service voltage of each bus-table row (pu): the highest of
    ``vm_pu`` and the phases, ``vm_pu`` and the largest line-to-line voltage on a bus with no
    path to ground (``vm_ll_max_pu`` given) — the voltage C12's limit judges
    (:func:`~protv2g.checks.flow_limit.judged_voltage_pu`)."""
    cols = [c for c in ("vm_pu", "vm_a_pu", "vm_b_pu", "vm_c_pu") if c in tab.columns]
    vm = np.fmax.reduce([tab[c].to_numpy(float) for c in cols])
    ll = tab["vm_ll_max_pu"].to_numpy(float)
    return np.where(np.isnan(ll), vm, np.fmax(tab["vm_pu"].to_numpy(float), ll))


def _solve(engine: Any, block: Any, start: dict, base_case: bool,
           trial: tuple[str, int, float, int] | None = None) -> tuple[Any, dict | None]:
    """The block's (one) step solved from ``start``: its arrays (node voltages, taps: the
    elements' currents are not read) and the state it settled on. A base case's elements
    are left open after it (the base case's solves come in a row: the feeder is re-energised
    once, before the first snapshot, :meth:`~protv2g.flow.opendss.DssFlowEngine.solve`'s
    ``keep_base_open``). ``trial``: a band-edge trial's winding, tap and direction (solved
    until its control moves it back, :mod:`protv2g.flow.dss_trial`)."""
    arr = engine.solve(block.load_fraction, block.site_p_mw, der_fraction=block.der,
                       base_case=base_case, start=start, voltages_only=True,
                       keep_base_open=base_case, trial=trial)
    return arr, (engine.step_state if bool(arr.converged[0]) else None)


def _state_v(engine: Any, block: Any, start: dict, base_case: bool, solved: bool,
             settings: dict) -> tuple[dict | None, Any]:
    """The compensated voltages (:func:`~protv2g.flow.reg_band.compensated_v`) of the
    controls in ``start``, from the circuit as it is (``solved``: it holds ``start``'s
    solution) or from one solve of ``start`` — None when that moves a tap (not a rest point:
    nothing is told ahead until a move is kept) or there is nothing to tell; and that
    solve's arrays where it held ``start`` (else None)."""
    if not settings:
        return None, None
    arr = None
    if not solved:
        arr, got = _solve(engine, block, start, base_case)
        if got is None or any(abs(got["taps"].get(k, np.nan) - v) > _SAME_TAP_PU
                              for k, v in start["taps"].items()):
            return None, None
    return compensated_v(engine._dss, settings), arr


def band_edge(engine: Any, block: Any, start: dict, direction: int,
              base_case: bool = True, solved: bool = False, start_arrays: Any = None,
              arrays: bool = False) -> Any:
    """The control state with every regulator moved to the ``direction`` edge of its band (+1
    top, −1 bottom) from ``start``, ``block``'s one step (module docstring).

    A tap is moved one step, never past its winding's MinTap / MaxTap (a regulator at its
    boost limit is out of its band low and OpenDSS's control would keep a tap set beyond it:
    IEEE 37's reg1a at 1.10), and the step solved with the controls acting; the move is kept
    when OpenDSS's RegControl leaves that tap where it was put (the state OpenDSS then
    settles on, other regulators included), else undone. Passes repeat until none moves; a
    winding whose trial was undone is not tried again until another move has been kept (the
    same trial from the same state: on the IEEE 8500, 12 regulated windings, the last pass
    of every search was 12 solves repeating the pass before). A trial its control would
    refuse by more than half a tap step (:func:`~protv2g.flow.reg_band.refused_ahead`, read
    from the state's solution) is not solved: the IEEE 8500's 331 refused trials of a call
    of :func:`with_band_starts` were 81 % of its solves. Nor is a winding's trial tried again
    after OpenDSS refused it in its first power flow where that refusal's measured landing,
    moved with its control's voltage since, lies past the band by a margin
    (:func:`~protv2g.flow.reg_band.refused_again`; controls without line-drop compensation
    only): 47 of the IEEE 8500's 70 such retries, every one refused by OpenDSS when solved.
    ``solved``: the circuit holds
    ``start``'s solution (else one solve of it gives its controls' voltages).

    A move OpenDSS keeps is undone all the same where the trial's own compensated voltage
    rests within OpenDSS's convergence tolerance of the band's edge (the tie rule, module
    docstring; :func:`~protv2g.flow.reg_band.at_band_edge`).

    ``arrays``: return ``(state, arrays)``, the arrays
    (:class:`~protv2g.flow.opendss.DssFlowArrays`) of the solve that settled on ``state`` —
    the last move kept, else the solve of ``start`` (``start_arrays`` where ``solved``) —
    None where there is none.
    """
    steps = engine.regulated_steps()
    state = start
    moves = 0  # moves kept so far
    refused: dict[Any, int] = {}  # winding → ``moves`` when OpenDSS last undid its trial
    # winding → (its control's voltage in its refused trial's first power flow, before it)
    landed: dict[Any, tuple[float, float]] = {}
    dss = getattr(engine, "_dss", None)
    settings = reg_settings(dss) if dss is not None else {}
    # the controls' compensated voltages in ``state`` (None: the circuit holds another solve)
    now_v, state_arr = _state_v(engine, block, start, base_case, solved, settings)
    if solved:
        state_arr = start_arrays
    tol_pu = float(dss.Solution.Convergence()) if settings else 0.0
    for _ in range(MAX_PASSES):
        moved = False
        for key, (step, lo, hi) in steps.items():
            if refused.get(key) == moves:
                continue  # the same trial from the same state: undone again (IEEE 8500)
            taps = {(str(t).lower(), w): v for (t, w), v in state["taps"].items()}
            to = taps.get(key, np.nan) + direction * step
            if not lo - _SAME_TAP_PU <= to <= hi + _SAME_TAP_PU:  # NaN too: not regulated
                continue  # the end of its range (OpenDSS would keep a tap set past it)
            if (now_v is not None and key in now_v
                    and refused_ahead(now_v[key], settings[key], direction, step)):
                refused[key] = moves  # its control would move it back (flow.reg_band)
                continue
            if (now_v is not None and key in now_v and key in landed
                    and refused_again(*landed[key], now_v[key], settings[key], direction,
                                      step)):
                refused[key] = moves  # refused before, and would be again (flow.reg_band)
                continue
            trial = {"taps": {k: (to if k == key else v) for k, v in taps.items()},
                     "caps": state["caps"]}
            arr, got = _solve(engine, block, trial, base_case,
                              (key[0].split(".", 1)[1], key[1], to, direction))
            if got is None:
                continue
            now = {(str(t).lower(), w): v for (t, w), v in got["taps"].items()}
            kept = abs(now[key] - to) <= _SAME_TAP_PU
            got_v = compensated_v(dss, settings) if kept and settings else None
            if (got_v is not None and key in got_v
                    and at_band_edge(got_v[key], settings[key], direction, tol_pu)):
                kept = False  # a tie: refused (the tie rule, module docstring)
            landed.pop(key, None)  # only its last trial's refusal is read
            if kept:
                state, state_arr, moved, moves = got, arr, True, moves + 1
                now_v = got_v
            else:
                refused[key] = moves
                if (now_v is not None and key in now_v and abs(now[key] - to) > _SAME_TAP_PU
                        and int(dss.Solution.ControlIterations()) == 1):
                    # OpenDSS refused it in its first power flow (flow.dss_trial's stop):
                    # the circuit holds that power flow's voltages, the trial's tap in
                    land = compensated_v(dss, {key: settings[key]}).get(key)
                    if land is not None:
                        landed[key] = (land[0], now_v[key][0])
        if not moved:
            break
    return (state, state_arr) if arrays else state


def _case_key(engine: Any, block: Any) -> tuple:
    """What a one-step base case's solve depends on: its load, the sites' power and, where
    the model has existing DER (:class:`~protv2g.flow.opendss_der.ExistingDer`), its
    multiplier — ``base/der_off`` is ``base/peak`` on a feeder without DER (the IEEE 8500:
    their four edge searches were the same two, 62 solves)."""
    der = getattr(engine, "_der", None)
    has_der = der is None or der.n_scaled > 0
    return (np.asarray(block.load_fraction, float).tobytes(),
            np.asarray(block.site_p_mw, float).tobytes(),
            np.asarray(block.der, float).tobytes() if has_der and block.der is not None
            else None)


def with_band_starts(engine: Any, model: Any, blocks: Sequence[Any], buses: Any,
                     where: Mapping[str, tuple[int, int]], ungrounded: Any = None,
                     settled: Mapping[str, dict | None] | None = None) -> Any:
    """``buses`` with :data:`TOP_COLUMN` and :data:`BOTTOM_COLUMN` (module docstring); the
    table as it is without a regulator to move. ``ungrounded``: the ``(1, buses)`` mask of
    the buses judged line to line (as the bus table's, None: the model's own).
    ``settled``: the state each base case's own step settled on in the flow
    (:attr:`~protv2g.flow.opendss.DssFlowEngine.step_state`, None where it did not
    converge); a base case not in it is solved here from the first solve's state, as the
    flow solves it."""
    import pandas as pd

    from protv2g.flow.opendss_tables import bus_table

    if not engine.regulated_steps() or not getattr(model, "controls_on", True):
        return buses
    nb = len(model.buses)
    cols = {c: np.full(len(buses), np.nan)
            for c in (TOP_COLUMN, BOTTOM_COLUMN, TOP_HIGH_COLUMN, BOTTOM_HIGH_COLUMN,
                      TOP_UNBALANCE_COLUMN, BOTTOM_UNBALANCE_COLUMN)}
    high = {TOP_COLUMN: TOP_HIGH_COLUMN, BOTTOM_COLUMN: BOTTOM_HIGH_COLUMN}
    unbalance = {TOP_COLUMN: TOP_UNBALANCE_COLUMN, BOTTOM_COLUMN: BOTTOM_UNBALANCE_COLUMN}
    by_name = {b.scenario: b for b in blocks}
    starts = {b.base for b in blocks if len(b.load_fraction) == 1 and b.base != b.scenario
              and b.base in by_name and len(by_name[b.base].load_fraction) == 1}
    edges: dict[tuple, tuple] = {}  # the same base case under two names: its edges once
    dss = getattr(engine, "_dss", None)
    settings = reg_settings(dss) if dss is not None else {}
    steps = engine.regulated_steps()
    tol_pu = float(dss.Solution.Convergence()) if settings else 0.0
    for name in sorted(starts):
        base = by_name[name]
        own = (settled[name] if settled is not None and name in settled
               else _solve(engine, base, None, True)[1])
        if own is None:
            continue
        for col, direction in ((TOP_COLUMN, 1), (BOTTOM_COLUMN, -1)):
            same = (_case_key(engine, base), repr(sorted(own["taps"].items())),
                    repr(sorted(own["caps"].items())), direction)
            if same not in edges:
                edges[same] = band_edge(engine, base, own, direction, arrays=True)
            edge, edge_arr = edges[same]
            for b in [base, *[x for x in blocks if x.base == name and x.scenario != name
                              and len(x.load_fraction) == 1]]:
                if b.scenario not in where:
                    continue
                if b is base:
                    # the edge search's own solve of it (no re-solve: the tie rule)
                    arr = edge_arr if edge_arr is not None else _solve(engine, b, edge, True)[0]
                    got = None
                else:  # from the base case's edge, a move from a tie held (the tie rule)
                    arr, got = solve_from_edge(_solve, engine, b, edge, False, settings,
                                               steps, tol_pu)
                if got is not None:
                    # the same edge in the snapshot: the edge as V2G shifts the band
                    at, at_arr = band_edge(engine, b, got, direction, False, solved=True,
                                           start_arrays=arr, arrays=True)
                    arr = at_arr if at_arr is not None else _solve(engine, b, at, False)[0]
                tab = bus_table(model, arr.v_v, np.arange(1), np.array([b.scenario], object),
                                np.arange(1), b.time_h, ungrounded)
                lo = where[b.scenario][0]
                cols[col][lo * nb:(lo + 1) * nb] = low_service_pu(tab)
                cols[high[col]][lo * nb:(lo + 1) * nb] = high_service_pu(tab)
                if "unbalance_percent" in tab.columns:
                    cols[unbalance[col]][lo * nb:(lo + 1) * nb] = tab[
                        "unbalance_percent"].to_numpy(float)
    out = buses.copy(deep=False)
    for col, values in cols.items():
        out[col] = pd.Series(values, index=buses.index)
    return out
