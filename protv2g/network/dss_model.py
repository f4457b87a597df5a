"""A feeder in phase coordinates, taken from OpenDSS itself.

:func:`load_dss_model` compiles an OpenDSS master through ``opendssdirect`` and returns a
:class:`DssModel`: the system admittance matrix in phase coordinates (sparse, OpenDSS's own
element models), its node order, the buses with their voltage base and phases, the voltages
OpenDSS solves for, which nodes are energised, the model's protective devices, and the
primitive admittance of any element on request. Every element class OpenDSS compiles is
supported with OpenDSS's semantics (reactors, center-tap transformers, regulators at their
taps, open switches, disabled elements, line geometries, neutral impedances), because protv2g
never re-derives an element model: it takes OpenDSS's admittances.

Where the line is drawn
-----------------------
OpenDSS provides: admittances (system ``Y`` and element ``Yprim``), names, node maps, device
definitions, the power flow and the open-circuit voltages of its fault study. protv2g adds: fault
conditions, the IEC 60909 equivalent source and c-factors, chargers and other inverter-based
sources by their control law, device evaluation and checks (:mod:`protv2g.engine.phase`).

The state the model is taken in (OpenDSS's fault-study conventions)
-------------------------------------------------------------------
1. The script is compiled without its solves, plots and exports (:mod:`.opendss_script`);
   ``Fault`` elements are disabled; file-writing traces are switched off so that the model
   folder may be read-only and a second compile in one process works.
2. A snapshot power flow (with the model's controls: regulator taps, capacitor switching; its
   fuses, reclosers and relays kept from operating) sets the taps; when it does not converge
   it is retried with 100 iterations, then solved without controls (taps as compiled) — each
   step listed in ``warnings``.
3. ``Solve mode=faultstudy`` conventions (R. C. Dugan, *OpenDSS Reference Guide*, "FaultStudy
   mode"; ``SolveFaultStudy`` in ``SolutionAlgs.pas``): loads become constant admittances at
   their rated voltage (``LoadModel=Admittance``), generators voltage sources behind their
   transient reactance ``Xdp`` with the internal voltage from the power flow, then one direct
   solve gives the open-circuit voltages ``v_oc_v`` — after step 2's power flow, its state
   (constant-power loads at their own current: review rev44b M5 measured ``Voc`` = the power
   flow's voltage to 1 mV on a 4.16 kV bus, where a fault study straight after compile gives
   the admittance network's 0.7 % higher one). ``y_s`` is that system matrix (the one
   whose inverse blocks OpenDSS's fault study inverts per bus).

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — FaultStudy mode, Generator ``Xdp`` ("used for Dynamics mode and Fault
studies"), ``Xdpp`` ("used for Harmonics"), Transformer ``ppm_antifloat``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from protv2g.network.dss_compile import (  # compile and solve steps (split, #21)
    INVERTER_CLASSES,
    PROTECTION_CLASSES,
    RETRY_ITERATIONS,
    _enter_fault_study,
    compile_model,
    inverter_currents,
    inverter_output_kw,
    resume_protection,
    solve_power_flow,
    suspend_protection,
)
from protv2g.network.dss_elements import (
    ElementY,
    Machine,
    control_table,
    devices,
    element_table,
    element_y,
    injection_table,
    inverter_generators,
    machines,
    shunts,
)
from protv2g.network.dss_islands import (
    LINK_MIN_S,
    connected_to,
    grid_nodes,
    island_elements,
)
from protv2g.network.dss_unit_slips import element_unit_slips
from protv2g.network.opendss_coords import project_lat_long

__all__ = ["DssModel", "ElementY", "Machine", "load_dss_model", "compile_model", "solve_power_flow",
           "suspend_protection", "resume_protection", "inverter_output_kw", "PRIMARY_KV_LL",
           "LINK_MIN_S", "PROTECTION_CLASSES", "RETRY_ITERATIONS", "INVERTER_CLASSES",
           "SCRIPT_KEYS"]

#: Buses above this line-to-line base voltage (kV) are primary (MV/HV) buses.
PRIMARY_KV_LL = 1.0
#: Element classes that make up the network (listed when disabled or de-energised).
_NETWORK_CLASSES = ("line", "transformer", "reactor", "capacitor", "autotrans", "load",
                    "generator", "pvsystem", "storage", "indmach012", "vsource", "isource")


#: :meth:`DssModel.derived` keys whose view is read from the model's OpenDSS engine
#: (:attr:`DssModel.engine`) and scripts (``source``, ``redirects``) alone, never from the
#: fields a ``dataclasses.replace`` of the model changes: the transformers at their rated
#: ratio (:func:`~protv2g.network.dss_compile.rated_transformers`, a fresh compile), and the
#: lines and transformers the scripts leave at OpenDSS's default rating
#: (:data:`~protv2g.network.dss_ratings.DEFAULT_RATED_LINES`,
#: :data:`~protv2g.network.dss_ratings.DEFAULT_RATED_TRANSFORMERS`).
SCRIPT_KEYS = frozenset({"rated_transformers", "lines rated by default",
                         "transformers rated by default"})


@dataclass(frozen=True, eq=False)
class DssModel:
    """A feeder in phase coordinates from OpenDSS (see the module docstring).

    Attributes
    ----------
    source : str
        The master file.
    redirects : tuple of str
        Further scripts run after the master (``--redirect``), in order.
    redirect_elements : frozenset of str
        Elements the ``redirects`` define that the master does not (lower case,
        ``"transformer.depot_xf"``): not in the base feeder (review rev33a F1).
    controls_on : bool
        The power flow that set the taps let the model's controls act (``load_dss_model``'s
        ``controls``).
    name : str
        Circuit name.
    f_hz : float
        Base frequency.
    node_names : numpy.ndarray
        ``(n,)`` ``"bus.k"`` in the order of ``y_s`` (OpenDSS's ``YNodeOrder``, lower case).
    node_bus : numpy.ndarray
        ``(n,)`` index into ``buses`` of each node.
    node_num : numpy.ndarray
        ``(n,)`` OpenDSS node number (1, 2, 3 = phases a, b, c; 4 and up = neutrals etc.).
    buses : pandas.DataFrame
        Index ``bus`` (name); columns ``kv_ln`` (voltage base, kV line-to-neutral; 0 where the
        model sets none), ``kv_ll``, ``phases`` (e.g. ``"abc"``, ``"b"``), ``n_nodes``,
        ``energized``, ``primary`` (``kv_ll`` > :data:`PRIMARY_KV_LL`), ``x``, ``y`` (the
        model's ``BusCoords``, NaN where it gives none: the feeder plot's positions).
    y_s : scipy.sparse.csc_matrix
        ``(n, n)`` complex system admittance, S, in OpenDSS's fault-study state.
    v_oc_v : numpy.ndarray
        ``(n,)`` complex open-circuit (pre-fault) node voltages, V — OpenDSS's ``Voc``.
    v_pf_v : numpy.ndarray
        ``(n,)`` complex node voltages of the snapshot power flow, V.
    energized : numpy.ndarray
        ``(n,)`` bool: the node has a path to a grid source (an enabled Vsource,
        :attr:`grid_sources`); a part only a machine or inverter reaches is an island, not
        energised, as OpenDSS's own topology and power flow have it
        (:mod:`protv2g.network.dss_islands`).
    sources : numpy.ndarray
        Node indices of the sources' terminals (``dss_elements.SOURCE_CLASSES``: Vsources,
        generators, induction machines).
    shunts : tuple of ElementY
        Loads and shunt capacitors/reactors on phase conductors (taken out by IEC 60909).
    machines : tuple of Machine
        Enabled synchronous generators (Generators of any model but 7).
    inverters : tuple of ElementY
        Enabled, energised PV systems and storage, and Generators of OpenDSS's inverter model
        (``model=7``, :data:`~protv2g.network.dss_elements.INVERTER_GENERATOR_MODEL`): their
        primitive admittance in OpenDSS's fault study (a constant admittance that generates the
        element's power at rated voltage; a model-7 Generator a machine behind its ``Xdp``); the
        study path replaces it by the inverter control law (:mod:`protv2g.engine.phase.der`).
    devices : pandas.DataFrame
        Protective devices of the model: ``name`` (``fuse.f1``), ``kind`` (fuse, recloser,
        relay, swtcontrol), ``element`` (monitored element), ``terminal``, ``enabled``.
    controls : pandas.DataFrame
        Regulator and capacitor controls (:func:`.dss_elements.control_table`): ``name``, ``kind``
        (regcontrol, capcontrol), ``target``, ``element`` and ``terminal`` sensed, ``mode``,
        ``enabled``.
    injections : pandas.DataFrame
        Loads, generators, PV systems and storage with their rated kW/kvar/kVA
        (:func:`.dss_elements.injection_table`) and ``p_flow_kw``: a PV system's or storage's
        output in the snapshot power flow (NaN for the others).
    elements : pandas.DataFrame
        Every circuit element: ``name``, ``cls``, ``enabled``, ``buses`` (tuple),
        ``closed`` (no terminal opened), ``length_km`` (lines), ``energized`` (any conductor
        on an energised node).
    converged : bool
        OpenDSS's snapshot power flow converged (with the model's controls).
    warnings : pandas.DataFrame
        Columns ``element, name, what, action``: everything changed or approximated.
    """

    source: str
    name: str
    f_hz: float
    node_names: np.ndarray
    node_bus: np.ndarray
    node_num: np.ndarray
    buses: pd.DataFrame
    y_s: sp.csc_matrix
    v_oc_v: np.ndarray
    v_pf_v: np.ndarray
    energized: np.ndarray
    sources: np.ndarray
    shunts: tuple[ElementY, ...]
    machines: tuple[Machine, ...]
    inverters: tuple[ElementY, ...]
    devices: pd.DataFrame
    controls: pd.DataFrame
    elements: pd.DataFrame
    injections: pd.DataFrame
    converged: bool
    warnings: pd.DataFrame
    redirects: tuple[str, ...] = ()
    #: Node indices of the grid sources' terminals (enabled Vsources): what :attr:`energized`
    #: is connected to; None: :attr:`sources` (a model built before session 42).
    grid_sources: np.ndarray | None = field(default=None, repr=False)
    #: ``(J_oc, J_pf)``, ``(n,)`` complex each, A: the current :attr:`inverters` inject at each
    #: node beyond their fault-study admittance in the state of ``v_oc_v`` (OpenDSS's fault
    #: study solves ``Y·Voc = J_sources + J_oc``: the units stay sources there) and of
    #: ``v_pf_v`` (their power-flow output) — :func:`_inverter_injection`. Taking the units
    #: out of the pre-fault state takes out both their admittance and this
    #: (:func:`protv2g.engine.phase.system.build_system`, ``inverters_out``). ``None``: no
    #: injection (``Y·V = J_sources``).
    inverter_j_a: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    redirect_elements: frozenset[str] = frozenset()
    controls_on: bool = True
    #: values a unit slip puts orders of magnitude off (:mod:`.dss_unit_slips`: a kV in
    #: volts, an Xd″ in percent), also in :attr:`warnings`; None: none looked for
    unit_slips: pd.DataFrame | None = field(default=None, repr=False)
    _dss: Any = field(default=None, repr=False)
    _lines: tuple[ElementY, ...] | None = field(default=None, repr=False)
    #: elements whose admittance differs from OpenDSS's (a line split at a close-in bus,
    #: :mod:`protv2g.network.dss_close_in`: the device's section), by lower-case name
    element_overrides: dict[str, ElementY] = field(default_factory=dict, repr=False)
    #: ``(line, terminal)`` → the section a device at that terminal measures, where it is not
    #: the line's own entry (a line split at both ends: its terminal-2 stub ``line.x~stub2``)
    terminal_sections: dict[tuple[str, int], str] = field(default_factory=dict, repr=False)
    #: views derived from the model's own fields alone, built on first use (:meth:`derived`);
    #: not an init field, so ``dataclasses.replace`` starts a new one
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    #: the :data:`SCRIPT_KEYS` views (:meth:`derived`); an init field, so a model
    #: ``dataclasses.replace`` makes from this one holds the same dict
    _script_derived: dict[str, Any] = field(default_factory=dict, repr=False)

    def derived(self, key: str, build: Callable[[DssModel], Any]) -> Any:
        """``build(self)``, built once per model and shared by every later call with ``key``.

        For read-only views that depend on the model's fields only — the feeder graph
        (:func:`protv2g.network.dss_graph.dss_feeder_graph`, #21: the flows' watched
        terminals and the checks' device chains each built it, 0.27 s on the IEEE 8500). The
        model is frozen, so the view never goes stale; callers must not modify it.

        A :data:`SCRIPT_KEYS` view is read from the OpenDSS engine and scripts alone, which a
        model made from this one by ``dataclasses.replace`` keeps (the close-in model, the
        model without the sites' transformers): built once for all of them (#21: the IEEE 8500
        run compiled the model again for its rated transformers, 0.28 s, for the Existing
        sources sheet after the fault study had them on its close-in model). A value a
        model sets for itself (``_derived[key]``) stays its own.
        """
        if key not in self._derived:
            if key in SCRIPT_KEYS:
                held = self._script_derived.get(key)
                if (held is None or held[0] is not self._dss
                        or held[1:3] != (self.source, self.redirects)):
                    held = (self._dss, self.source, self.redirects, build(self))
                    self._script_derived[key] = held
                self._derived[key] = held[3]
            else:
                self._derived[key] = build(self)
        return self._derived[key]

    @property
    def engine(self) -> Any:
        """The OpenDSS context the model was taken from (``opendssdirect``), in its fault-study
        state: read element properties from it; never solve or edit it (use a fresh compile,
        :func:`compile_model`, for that)."""
        return self._dss

    @property
    def n_nodes(self) -> int:
        """Number of nodes (rows of ``y_s``)."""
        return len(self.node_names)

    def bus_index(self, names: Sequence[str]) -> np.ndarray:
        """Positions of bus ``names`` in :attr:`buses` (``-1`` where unknown)."""
        pos = self.buses.index.get_indexer([str(n).lower() for n in names])
        return np.asarray(pos, dtype=np.int64)

    def lines(self) -> tuple[ElementY, ...]:
        """Primitive admittance and node map of every enabled line (switches included), as
        :func:`load_dss_model` read them from OpenDSS (in its pass over every element)."""
        if self._lines is not None:
            return self._lines
        names = self.elements.name[self.elements.enabled
                                   & (self.elements.cls == "line")].tolist()
        return tuple(element_y(self._dss, n, self.source) for n in names)

    def element_y(self, name: str, terminal: int | None = None) -> ElementY:
        """Primitive admittance and node map of element ``name`` (``"line.l1"``); with
        ``terminal``, of what a device at that terminal measures (a line split at both ends for
        close-in faults: its terminal-2 stub, :attr:`terminal_sections`).

        Raises
        ------
        InputError
            No such enabled element in the model.
        """
        key = str(name).lower()
        if terminal is not None:
            key = self.terminal_sections.get((key, int(terminal)), key)
        if key in self.element_overrides:
            return self.element_overrides[key]
        return element_y(self._dss, name, self.source)


def load_dss_model(master_path: str | Path, *, redirects: Sequence[str | Path] = (),
                   controls: bool = True) -> DssModel:
    """Compile an OpenDSS master and take its network in phase coordinates.

    Parameters
    ----------
    master_path : str or Path
        OpenDSS master file (the one with ``New Circuit``); redirected files are resolved
        relative to the file that redirects to them, case-insensitively.
    redirects : sequence of path, optional
        Further scripts run after the master (e.g. the 8500's ``Fuses.DSS``).
    controls : bool
        Let OpenDSS's controls (regulators, capacitor controls) act in the power flow that
        sets the taps (default); ``False`` keeps the taps as compiled.

    Returns
    -------
    DssModel

    Raises
    ------
    InputError
        Missing file, a command OpenDSS rejects, no source, or a model OpenDSS cannot put into
        its fault-study state; the message names the file or element and the fix.

    Examples
    --------
    >>> m = load_dss_model("../shared/feeders/opendss/13Bus/IEEE13Nodeckt.dss")  # doctest: +SKIP
    >>> m.buses.loc["671", ["kv_ln", "phases"]]  # doctest: +SKIP
    """
    path = Path(master_path)
    dss, warn = compile_model(path, redirects, coordinates=True)
    converged = solve_power_flow(dss, controls, warn)
    v_pf = _node_voltages(dss)
    flow_kw = inverter_output_kw(dss)
    i_pf = inverter_currents(dss)
    _enter_fault_study(dss, str(path), warn)
    i_oc = inverter_currents(dss)
    order = [s.lower() for s in dss.Circuit.YNodeOrder()]
    n = len(order)
    data, indices, indptr = dss.YMatrix.getYsparse()
    y = sp.csc_matrix((np.asarray(data, dtype=complex), np.asarray(indices), np.asarray(indptr)),
                      shape=(n, n))
    v_oc = _node_voltages(dss)
    bus_of = [s.rsplit(".", 1) for s in order]
    buses = _bus_table(dss, warn.coordinates)
    node_bus = buses.index.get_indexer([b for b, _ in bus_of])
    node_num = np.array([int(k) for _, k in bus_of], dtype=np.int64)
    elements, sources, line_y = element_table(dss)
    grid = grid_nodes(elements)
    energized = _energized(y, grid)  # a machine's island is not (rev41b M4, .dss_islands)
    buses = _finish_bus_table(buses, node_bus, node_num, energized)
    island = np.unique(buses.index[node_bus[_energized(y, sources) & ~energized]])
    in_island = island_elements(elements, island)
    for name in in_island:
        warn.add(name.split(".", 1)[0], name,
                 f"in an island with no path to the grid source (bus(es) {', '.join(island)}; "
                 "OpenDSS: no connection to the source, solved at 0 V and 0 A)",
                 "its buses are reported de-energised at 0 A and C12 does not judge them "
                 "(IEEE 1547-2018 §8.1.2: a DER ceases to energise an unintentional island "
                 "within 2 s); close the tie to study it grid-connected, or model an intended "
                 "island's grid-forming unit as a Vsource")
    elements["energized"] = [bool(energized[np.asarray(r, dtype=np.int64) - 1].any())
                             if len(r) else False for r in elements.pop("refs")]
    for name in elements.name[~elements.enabled & elements.cls.isin(_NETWORK_CLASSES)]:
        warn.add(name.split(".", 1)[0], name, "disabled in the model",
                 "left out, as OpenDSS does (a bus only it reaches is not in the circuit)")
    for name in elements.name[elements.enabled & ~elements.energized
                              & elements.cls.isin(_NETWORK_CLASSES)
                              & ~elements.name.isin(in_island)]:
        warn.add(name.split(".", 1)[0], name, "de-energised (no path to a source)",
                 "its buses are reported at 0 A")
    shunt_elements = shunts(dss, elements, str(path))
    machine_elements = machines(dss, str(path))
    injections = injection_table(dss)
    # rev43b F2: kV in V, Xd″ in % (PVSystem and Storage kV too, inp43)
    slips = element_unit_slips(injections, buses, machine_elements)
    for row in slips.itertuples():
        warn.add(row.element, row.name, row.what, row.action)
    live_inv = elements.enabled & elements.energized & (
        elements.cls.isin(INVERTER_CLASSES) | elements.name.isin(inverter_generators(dss)))
    inverter_elements = tuple(element_y(dss, n, str(path)) for n in elements.name[live_inv])
    inverter_j = _inverter_injection(y, v_oc, v_pf, inverter_elements, i_oc, i_pf, sources)
    injections["p_flow_kw"] = injections.name.map(flow_kw)
    return DssModel(
        source=str(path), name=dss.Circuit.Name(), f_hz=float(dss.Solution.Frequency()) or 60.0,
        node_names=np.array(order, dtype=object), node_bus=node_bus.astype(np.int64),
        node_num=node_num, buses=buses, y_s=y, v_oc_v=v_oc, v_pf_v=v_pf, energized=energized,
        sources=sources, grid_sources=grid, shunts=shunt_elements, machines=machine_elements,
        devices=devices(dss),
        controls=control_table(dss), injections=injections, inverters=inverter_elements,
        inverter_j_a=inverter_j,
        elements=elements, converged=converged, warnings=warn.frame(), unit_slips=slips,
        redirects=tuple(str(r) for r in redirects), controls_on=controls, _dss=dss,
        redirect_elements=warn.redirect_elements,
        _lines=line_y)


def _inverter_injection(y: sp.csc_matrix, v_oc: np.ndarray, v_pf: np.ndarray,
                        inverters: Sequence[ElementY], i_oc: dict[str, np.ndarray],
                        i_pf: dict[str, np.ndarray], sources: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
    """:attr:`DssModel.inverter_j_a`: the current the PV systems and storage inject at each
    node beyond their fault-study admittance, in the states ``v_oc`` and ``v_pf``, A.

    From each unit's conductor currents ``I`` (OpenDSS's ``CktElement.Currents`` =
    ``Yprim·V − InjCurrent``; R. C. Dugan, *OpenDSS Reference Guide*, "Solution"):
    ``J = Yprim·V − I``. The fault study's one direct solve takes a unit's injection from
    the state before it (a 1 MW storage unit on 12.47 kV: 3.4 A of 47 A from ``Yprim·Voc − I``), so
    at a unit's node without a source or machine ``J_oc`` is what that solve had there,
    ``(Y·Voc)`` (every other element is an admittance in it: loads at rated voltage).
    """
    j_oc = np.zeros(len(v_oc), dtype=complex)
    j_pf = np.zeros(len(v_pf), dtype=complex)
    own = np.zeros(len(v_oc), dtype=bool)
    for e in inverters:
        if e.name not in i_oc or e.name not in i_pf:
            continue
        sel = e.node >= 0
        for j, v, i_a in ((j_oc, v_oc, i_oc), (j_pf, v_pf, i_pf)):
            vk = np.where(sel, v[np.maximum(e.node, 0)], 0.0)
            np.add.at(j, e.node[sel], (e.yprim_s @ vk - np.asarray(i_a[e.name]))[sel])
        own[e.node[sel]] = True
    own[np.asarray(sources, dtype=np.int64)] = False
    j_oc[own] = (y @ v_oc)[own]
    return j_oc, j_pf


def _node_voltages(dss) -> np.ndarray:  # noqa: ANN001
    """Node voltages in ``YNodeOrder`` (OpenDSS's NodeV without the ground entry), V."""
    v = np.asarray(dss.YMatrix.getV(), dtype=float)
    return (v[2::2] + 1j * v[3::2]).astype(complex)


def _bus_table(dss, coordinates: str = "") -> pd.DataFrame:  # noqa: ANN001
    """``kv_ln`` of each bus, and its ``x``, ``y`` from the model's coordinates (NaN where
    none: ``coordinates`` "", or the bus not in the file; OpenDSS's ``Bus.Coorddefined``);
    ``"latlong"`` ones as metres east and north (:func:`.opendss_coords.project_lat_long`)."""
    names = [b.lower() for b in dss.Circuit.AllBusNames()]
    kv = np.empty(len(names))
    xy = np.full((len(names), 2), np.nan)
    for i in range(len(names)):
        dss.Circuit.SetActiveBusi(i)
        kv[i] = dss.Bus.kVBase()
        if coordinates and dss.Bus.Coorddefined():
            xy[i] = dss.Bus.X(), dss.Bus.Y()
    if coordinates == "latlong":  # OpenDSS's X, Y: longitude, latitude
        xy[:, 0], xy[:, 1] = project_lat_long(xy[:, 0], xy[:, 1])
    return pd.DataFrame({"kv_ln": kv, "x": xy[:, 0], "y": xy[:, 1]},
                        index=pd.Index(names, name="bus"))


def _finish_bus_table(buses: pd.DataFrame, node_bus: np.ndarray, node_num: np.ndarray,
                      energized: np.ndarray) -> pd.DataFrame:
    nb = len(buses)
    has = np.zeros((nb, 3), dtype=bool)
    ph = (node_num >= 1) & (node_num <= 3)
    has[node_bus[ph], node_num[ph] - 1] = True
    letters = np.array(list("abc"))
    out = buses.copy()
    out["kv_ll"] = out.kv_ln * np.sqrt(3.0)
    out["phases"] = ["".join(letters[r]) for r in has]
    out["n_nodes"] = np.bincount(node_bus, minlength=nb)
    out["energized"] = np.bincount(node_bus, weights=energized, minlength=nb) > 0
    out["primary"] = out.kv_ll > PRIMARY_KV_LL
    return out


def _energized(y: sp.csc_matrix, sources: np.ndarray) -> np.ndarray:
    """Nodes connected to a source node through off-diagonal admittances ≥ :data:`LINK_MIN_S`
    (:func:`protv2g.network.dss_islands.connected_to`)."""
    return connected_to(y, sources)
