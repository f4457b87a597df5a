"""Reference results from OpenDSS itself, to check an imported net against.

* :func:`opendss_voltages` — per-bus positive-sequence and phase voltages of the snapshot
  solution (pu of the bus's line-to-neutral base).
* :func:`opendss_fault_currents` — OpenDSS ``FaultStudy`` currents per bus: three-phase,
  single-line-to-ground (the maximum over the bus's phases, as OpenDSS reports), and the
  open-circuit voltage they are driven by.
* :func:`opendss_faulted` — one fault placed as an OpenDSS ``Fault`` element (and optional
  ``Isource`` injections) and the whole network solved by OpenDSS in its fault-study state:
  the fault current and any element's terminal currents, independent of protv2g's Thevenin
  equivalents.
* :func:`compare_with_fault_study` — a phase-domain bus table (3ph and SLG rows) against
  :func:`opendss_fault_study`, phase by phase.
* :func:`opendss_fault_study` — the same study per bus and phase, in the state
  :func:`protv2g.network.dss_model.load_dss_model` takes a model in (same power flow, same
  retries), with OpenDSS's own timing.

OpenDSS returns a bus's ``Isc``/``Voc``/``YscMatrix`` in the bus's internal node order (the
order its nodes were first referenced, e.g. ``3, 1, 2`` for IEEE 13's bus 692, whose delta
load ``692.3.1`` is defined first), which ``Circuit.AllNodeNames`` lists; ``Bus.Nodes`` does
not always follow it. :func:`opendss_fault_study` maps by ``AllNodeNames``.

References
----------
R. C. Dugan, "OpenDSS Reference Guide", EPRI — Solve ``mode=faultstudy``: the open-circuit
(pre-fault) voltages ``Voc`` are solved with loads disconnected, and per bus the
short-circuit admittance matrix gives ``Isc``; ``Bus.Isc`` / ``Bus.Zsc1`` / ``Bus.Zsc0``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from protv2g.network.dss_terminals import keep_open_terminals
from protv2g.network.opendss import compile_for_reference

A = complex(-0.5, 3**0.5 / 2)


def opendss_voltages(master_path: str | Path) -> pd.DataFrame:
    """OpenDSS snapshot voltages per bus.

    Returns
    -------
    pandas.DataFrame
        Index bus name; columns ``n_phases``, ``v1_pu`` (positive-sequence magnitude for
        three-phase buses, NaN otherwise), ``va_pu``, ``vb_pu``, ``vc_pu`` (phase magnitudes,
        NaN where the phase is absent), ``converged``.
    """
    dss, _ = compile_for_reference(master_path)
    rows = []
    for bus in dss.Circuit.AllBusNames():
        dss.Circuit.SetActiveBus(bus)
        nodes = list(dss.Bus.Nodes())
        base_v = dss.Bus.kVBase() * 1e3
        v = np.asarray(dss.Bus.Voltages(), dtype=float)
        phasors = v[0::2] + 1j * v[1::2]
        by_phase = {n: phasors[i] / base_v for i, n in enumerate(nodes) if n in (1, 2, 3)}
        row = {"bus": bus, "n_phases": len(by_phase)}
        for n, col in ((1, "va_pu"), (2, "vb_pu"), (3, "vc_pu")):
            row[col] = abs(by_phase[n]) if n in by_phase else np.nan
        if len(by_phase) == 3:
            row["v1_pu"] = abs((by_phase[1] + A * by_phase[2] + A * A * by_phase[3]) / 3.0)
        else:
            row["v1_pu"] = np.nan
        rows.append(row)
    out = pd.DataFrame(rows).set_index("bus")
    out["converged"] = bool(dss.Solution.Converged())
    return out


def opendss_regulator_taps(master_path: str | Path) -> dict[str, float]:
    """Tap (winding 2, pu) of every transformer after the OpenDSS snapshot solve."""
    dss, _ = compile_for_reference(master_path)
    taps = {}
    for name in dss.Transformers.AllNames():
        dss.Transformers.Name(name)
        dss.Transformers.Wdg(2)
        taps[name] = float(dss.Transformers.Tap())
    return taps


def opendss_fault_currents(master_path: str | Path) -> pd.DataFrame:
    """OpenDSS fault-study currents per bus.

    Returns
    -------
    pandas.DataFrame
        Index bus name; columns ``n_phases``, ``kv_base_ln``, ``voc_pu`` (mean open-circuit
        phase voltage, pu), ``i3ph_a`` (mean over phases of the all-phase fault, A; three-phase
        buses only), ``islg_a`` (largest single-phase-to-ground current over the bus's phases,
        A), ``z1_ohm``, ``z0_ohm`` (complex ``Zsc1``, ``Zsc0``).
    """
    dss, _ = compile_for_reference(master_path)
    with keep_open_terminals(dss):  # the model's open terminals (:mod:`.dss_terminals`)
        dss.Text.Command("set mode=faultstudy")
    dss.Solution.Solve()
    rows = []
    for bus in dss.Circuit.AllBusNames():
        dss.Circuit.SetActiveBus(bus)
        nodes = [n for n in dss.Bus.Nodes() if n in (1, 2, 3)]
        isc = np.asarray(dss.Bus.Isc(), dtype=float)
        isc = np.abs(isc[0::2] + 1j * isc[1::2])[: len(nodes)]
        voc = np.asarray(dss.Bus.Voc(), dtype=float)
        voc = np.abs(voc[0::2] + 1j * voc[1::2])[: len(nodes)] / (dss.Bus.kVBase() * 1e3)
        z1 = dss.Bus.Zsc1()
        z0 = dss.Bus.Zsc0()
        ymat = np.asarray(dss.Bus.YscMatrix(), dtype=float)
        n = len(dss.Bus.Nodes())
        y = (ymat[0::2] + 1j * ymat[1::2]).reshape(n, n)
        vocc = np.asarray(dss.Bus.Voc(), dtype=float)
        vocc = vocc[0::2] + 1j * vocc[1::2]
        # Single-phase-to-ground at each phase: I = Voc_k / Z_kk with Z = Ysc⁻¹.
        z = np.linalg.inv(y) if n else np.zeros((0, 0))
        islg = [abs(vocc[k] / z[k, k]) for k in range(min(n, len(nodes)))]
        rows.append(
            {
                "bus": bus,
                "n_phases": len(nodes),
                "kv_base_ln": dss.Bus.kVBase(),
                "voc_pu": float(np.mean(voc)) if len(voc) else np.nan,
                "i3ph_a": float(np.mean(isc)) if len(nodes) == 3 else np.nan,
                "islg_a": float(max(islg)) if islg else np.nan,
                "z1_ohm": complex(z1[0], z1[1]),
                "z0_ohm": complex(z0[0], z0[1]),
            }
        )
    return pd.DataFrame(rows).set_index("bus")


def opendss_fault_study(master_path: str | Path, redirects: Sequence[str | Path] = (),
                        controls: bool = True) -> tuple[pd.DataFrame, dict[str, float]]:
    """OpenDSS's own fault study per bus and phase, and how long OpenDSS took.

    The model is compiled and solved exactly as :func:`~protv2g.network.dss_model.load_dss_model`
    does (same script loader, power flow and retries), then ``solve mode=faultstudy`` (the
    terminals the model opens kept open, as there: :mod:`.dss_terminals`).

    Returns
    -------
    table : pandas.DataFrame
        One row per (bus, phase) with a phase node: ``bus``, ``phase`` (``a``/``b``/``c``),
        ``n_phases``, ``kv_ln``, ``isc_a`` (all nodes of the bus bolted to ground — OpenDSS's
        three-phase value where the bus has three phases), ``slg_a`` (that node alone to
        ground, ``|Voc_k / Zsc_kk|``), ``voc_v``.
    seconds : dict
        ``compile_s``, ``power_flow_s``, ``fault_study_s`` (OpenDSS's own work only, wall
        seconds) and the same three as CPU seconds of this process (user + system, every
        thread: ``compile_cpu_s``, ``power_flow_cpu_s``, ``fault_study_cpu_s``) — on a
        shared machine the wall moves with the load, the CPU much less (#21).
    """
    from protv2g.network.dss_model import compile_model, solve_power_flow

    t0, c0 = time.perf_counter(), time.process_time()
    dss, warn = compile_model(master_path, redirects)
    t1, c1 = time.perf_counter(), time.process_time()
    solve_power_flow(dss, controls, warn)
    t2, c2 = time.perf_counter(), time.process_time()
    with keep_open_terminals(dss):  # as load_dss_model: the reset would close them
        dss.Text.Command("set mode=faultstudy")
    dss.Solution.Solve()
    t3, c3 = time.perf_counter(), time.process_time()
    nodes_of: dict[str, list[int]] = {}
    for name in dss.Circuit.AllNodeNames():
        bus, node = name.rsplit(".", 1)
        nodes_of.setdefault(bus.lower(), []).append(int(node))
    rows = []
    for bus in dss.Circuit.AllBusNames():
        dss.Circuit.SetActiveBus(bus)
        nodes = nodes_of.get(bus.lower(), [])
        n = len(nodes)
        if not n:
            continue
        isc = np.asarray(dss.Bus.Isc(), dtype=float)
        isc = np.abs(isc[0::2] + 1j * isc[1::2])[:n]
        voc = np.asarray(dss.Bus.Voc(), dtype=float)
        voc = (voc[0::2] + 1j * voc[1::2])[:n]
        ysc = np.asarray(dss.Bus.YscMatrix(), dtype=float)
        ysc = (ysc[0::2] + 1j * ysc[1::2]).reshape(n, n)
        with np.errstate(all="ignore"):
            try:
                zdiag = np.diag(np.linalg.inv(ysc))
            except np.linalg.LinAlgError:
                zdiag = np.full(n, np.inf)
        phases = [k for k in nodes if 1 <= k <= 3]
        for j, k in enumerate(nodes):
            if 1 <= k <= 3:
                slg = abs(voc[j] / zdiag[j]) if np.isfinite(zdiag[j]) and zdiag[j] != 0 else 0.0
                rows.append((bus.lower(), "abc"[k - 1], len(phases), dss.Bus.kVBase(), isc[j],
                             slg, abs(voc[j])))
    table = pd.DataFrame(rows, columns=["bus", "phase", "n_phases", "kv_ln", "isc_a", "slg_a",
                                        "voc_v"])
    return table, {"compile_s": t1 - t0, "power_flow_s": t2 - t1, "fault_study_s": t3 - t2,
                   "compile_cpu_s": c1 - c0, "power_flow_cpu_s": c2 - c1,
                   "fault_study_cpu_s": c3 - c2}


#: OpenDSS ``Lines.Units`` codes in order (0 = none).
_LENGTH_UNITS = ("none", "mi", "kft", "km", "m", "ft", "in", "cm")


def _lower_triangle(flat: Sequence[float]) -> str:
    n = int(round(np.sqrt(len(flat))))
    m = np.asarray(flat, dtype=float).reshape(n, n)
    return " | ".join(" ".join(f"{m[i, j]:.15g}" for j in range(i + 1)) for i in range(n))


def _scale_line_resistance(dss, k: float) -> None:  # noqa: ANN001
    """Every line's ``rmatrix`` × ``k`` in the compiled circuit (per unit length, as read)."""
    for name in list(dss.Lines.AllNames()):
        dss.Lines.Name(name)
        r, x, c = dss.Lines.RMatrix(), dss.Lines.XMatrix(), dss.Lines.CMatrix()
        units = _LENGTH_UNITS[dss.Lines.Units()]
        dss.Text.Command(f"Edit Line.{name} rmatrix=[{_lower_triangle(np.asarray(r) * k)}] "
                         f"xmatrix=[{_lower_triangle(x)}] cmatrix=[{_lower_triangle(c)}] "
                         f"units={units}")


def opendss_faulted(master_path: str | Path, bus: str, phases: str, earthed: bool,
                    r_fault_ohm: float, elements: Sequence[str] = (),
                    isources: Sequence[tuple[str, str, float, float]] = (),
                    redirects: Sequence[str | Path] = (), line_r_scale: float = 1.0
                    ) -> dict[str, np.ndarray]:
    """Solve one fault in OpenDSS (its fault-study state, as ``load_dss_model`` takes it).

    Parameters
    ----------
    bus, phases : str
        Fault bus and faulted phases (``"abc"``, ``"bc"``, ``"a"`` …).
    earthed : bool
        Each faulted phase through ``r_fault_ohm`` to ground (``Fault`` with ``phases=k``, bus2
        ground); otherwise (two phases only) ``2·r_fault_ohm`` between them.
    elements : sequence of str
        Elements whose terminal currents are returned (``"line.l1"``).
    isources : sequence of (bus with nodes, name, amps, angle_deg)
        Single-phase current sources (OpenDSS ``Isource``, into the node) added first.
    line_r_scale : float
        Every line's resistance matrix × this factor in the fault-study state (a minimum case's
        conductors at their end temperature, ``1 + α·(θe − 20 °C)``): OpenDSS's own
        ``rmatrix`` edited (``xmatrix``, ``cmatrix`` and length units restated unchanged),
        so the fault and its pre-fault state are both solved by OpenDSS on the heated lines.

    Returns
    -------
    dict
        ``"fault"``: complex currents in the fault element's first terminal (from the bus into
        the fault), A, one per faulted phase (earthed) or ``[I, −I]`` (LL);
        ``"<element>"``: complex currents of every conductor of every terminal, A (OpenDSS
        ``CktElement.Currents``, into the element); ``"v:<bus>"``: node voltages, V, in the
        bus's internal node order, and ``"n:<bus>"`` that order.
    """
    from protv2g.network.dss_model import (
        _enter_fault_study,
        compile_model,
        solve_power_flow,
    )

    dss, warn = compile_model(master_path, redirects)
    solve_power_flow(dss, True, warn)
    _enter_fault_study(dss, str(master_path))
    if line_r_scale != 1.0:
        # after entering the fault study, as load_dss_model takes its state: heated before
        # it, OpenDSS solves the same Y (checked element by element) with other injections
        _scale_line_resistance(dss, line_r_scale)
    for node, name, amps, angle in isources:
        dss.Text.Command(f"New Isource.{name} bus1={node} phases=1 amps={amps} angle={angle}")
    nodes = ".".join(str("abc".index(p) + 1) for p in phases)
    if earthed:
        dss.Text.Command(f"New Fault.pv2g bus1={bus}.{nodes} phases={len(phases)} "
                         f"r={r_fault_ohm}")
    else:
        if len(phases) != 2:
            raise ValueError("a floating fault point is modelled for two phases only")
        a, b = nodes.split(".")
        dss.Text.Command(f"New Fault.pv2g bus1={bus}.{a} bus2={bus}.{b} phases=1 "
                         f"r={2 * r_fault_ohm}")
    dss.Solution.SolveDirect()
    out: dict[str, np.ndarray] = {}
    for name in ["fault.pv2g", *elements]:
        dss.Circuit.SetActiveElement(name)
        c = np.asarray(dss.CktElement.Currents(), dtype=float)
        out[name] = c[0::2] + 1j * c[1::2]
    k = len(phases) if earthed else 1
    f = out.pop("fault.pv2g")[:k]
    out["fault"] = f if earthed else np.array([f[0], -f[0]])
    names = [n for n in dss.Circuit.AllNodeNames()]
    for b in {bus.lower(), *[]}:
        dss.Circuit.SetActiveBus(b)
        v = np.asarray(dss.Bus.Voltages(), dtype=float)
        out[f"v:{b}"] = v[0::2] + 1j * v[1::2]
        out[f"n:{b}"] = np.array([int(n.rsplit(".", 1)[1]) for n in names
                                  if n.rsplit(".", 1)[0].lower() == b])
    return out


def compare_with_fault_study(bus_table: pd.DataFrame, reference: pd.DataFrame,
                             buses: Sequence[str] | None = None,
                             min_current_a: float = 1.0) -> pd.DataFrame:
    """Phase-by-phase comparison of fault currents with OpenDSS's fault study.

    Parameters
    ----------
    bus_table : pandas.DataFrame
        ``PhaseFaultResult.bus`` of one scenario and case (columns ``bus_name, fault_type,
        phase, ia_ka …``).
    reference : pandas.DataFrame
        :func:`opendss_fault_study`'s table.
    buses : sequence of str, optional
        Compare these buses only (default every bus in both).
    min_current_a : float
        Reference currents below this (no ground path) are compared as absolute values.

    Returns
    -------
    pandas.DataFrame
        ``bus, phase, kind`` (``"3ph"``: the three-phase fault's phase current against OpenDSS's
        all-node ``Isc``, at buses with three phases; ``"SLG"``), ``ours_a, opendss_a,
        rel_diff`` (NaN where the reference is below ``min_current_a``).
    """
    ref = reference.set_index(["bus", "phase"])
    if buses is not None:
        keep = {str(b).lower() for b in buses}
        ref = ref[ref.index.get_level_values(0).isin(keep)]
    rows = []
    three = bus_table[bus_table.fault_type == "3ph"].set_index("bus_name")
    for (bus, ph), r in ref[ref.n_phases == 3].iterrows():
        if bus in three.index:
            rows.append((bus, ph, "3ph", float(three.at[bus, f"i{ph}_ka"]) * 1e3, r.isc_a))
    slg = bus_table[bus_table.fault_type == "SLG"].set_index(["bus_name", "phase"])
    for (bus, ph), r in ref.iterrows():
        if (bus, ph) in slg.index:
            rows.append((bus, ph, "SLG", float(slg.at[(bus, ph), "ikss_ka"]) * 1e3, r.slg_a))
    out = pd.DataFrame(rows, columns=["bus", "phase", "kind", "ours_a", "opendss_a"])
    big = out.opendss_a >= min_current_a
    out["rel_diff"] = np.where(big, out.ours_a / out.opendss_a.where(big, 1.0) - 1.0, np.nan)
    return out
