"""Elements of a compiled OpenDSS circuit as protv2g needs them (for :mod:`.dss_model`).

Every element's class, enabled state, buses and node references; the primitive admittance and
conductor → node map of the elements protv2g evaluates (devices' measured elements, loads and
shunts the IEC 60909 method takes out, lines for the end temperature, synchronous machines with
their reactances); the model's protective devices and what each one measures. All of it read
from OpenDSS (``opendssdirect.py``); nothing re-derived.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.errors import InputError, Issue

__all__ = ["ElementY", "Machine", "SOURCE_CLASSES", "element_table", "element_y", "shunts",
           "terminal_phases",
           "machines", "devices", "control_table", "CONTROL_COLUMNS", "CAP_CONTROL_MODES",
           "LENGTH_UNIT_KM", "injection_table", "INJECTION_COLUMNS", "LOAD_STATUS",
           "INVERTER_GENERATOR_MODEL", "inverter_generators"]

#: Element classes that are sources of a fault current behind an impedance in OpenDSS's fault
#: study (their nodes energise an island).
SOURCE_CLASSES = ("vsource", "generator", "indmach012")
@dataclass(frozen=True)
class ElementY:
    """One element's primitive admittance and where its conductors land.

    Attributes
    ----------
    name : str
        ``class.name`` in lower case, e.g. ``"line.l1"``.
    buses : tuple of str
        Bus name of each terminal.
    node : numpy.ndarray
        ``(k,)`` int: index of each conductor's node in :attr:`DssModel.node_names`; ``-1`` =
        ground (OpenDSS node 0).
    node_num : numpy.ndarray
        ``(k,)`` OpenDSS node number of each conductor (1, 2, 3 phases; 0 ground; ≥ 4 others).
    terminal : numpy.ndarray
        ``(k,)`` terminal (1-based) of each conductor.
    yprim_s : numpy.ndarray
        ``(k, k)`` complex primitive admittance, S (OpenDSS ``CktElement.YPrim``).
    """

    name: str
    buses: tuple[str, ...]
    node: np.ndarray
    node_num: np.ndarray
    terminal: np.ndarray
    yprim_s: np.ndarray


@dataclass(frozen=True)
class Machine:
    """A synchronous generator in OpenDSS's fault study (behind ``Xdp``).

    ``xdp_pu`` / ``xdpp_pu`` are the transient / subtransient reactances on the machine rating.
    """

    element: ElementY
    xdp_pu: float
    xdpp_pu: float


#: OpenDSS length-unit codes (``Lines.Units``) → km per unit (0 = none: a line without units
#: is in its line code's units — OpenDSS scales its code's per-unit-length impedance by the
#: length as written, ``Lines.Units`` reading 0 — and with none there either the length has
#: no physical unit (IEEE 37: kft by its source data, unsaid in the model), taken as km).
LENGTH_UNIT_KM = {0: 1.0, 1: 1.609344, 2: 0.3048, 3: 1.0, 4: 1e-3, 5: 3.048e-4, 6: 2.54e-5,
                  7: 1e-5, 8: 1e-6}


def element_table(dss) -> tuple[pd.DataFrame, np.ndarray, tuple[ElementY, ...]]:  # noqa: ANN001
    """Every element, the source nodes, and the enabled lines' :class:`ElementY`.

    Columns: ``name`` (``class.name``), ``cls``, ``enabled``, ``buses`` (bus of each
    terminal), ``refs`` (node references), ``closed`` (every terminal has a closed phase
    conductor: ``False`` for an opened switch or element, OpenDSS ``CktElement.IsOpen``),
    ``length_km`` (lines; NaN otherwise), ``switch_like`` (lines: :func:`_line_facts`; False
    otherwise), ``length_unit_known`` (False for a line whose length has no unit on the line
    nor on its line code: its ``length_km`` is the length as written; True otherwise). The
    lines' primitive admittances are read in the same pass (each element is active once), so
    the end-temperature change of the minimum case
    (:func:`protv2g.engine.phase.system.build_system`) needs no second read.
    """
    lengths, switch_like, unitless = _line_facts(dss)
    rows, src, lines = [], [], []
    for full in dss.Circuit.AllElementNames():
        dss.Circuit.SetActiveElement(full)
        cls, _, name = full.partition(".")
        enabled = bool(dss.CktElement.Enabled())
        bus_names = dss.CktElement.BusNames()
        buses = tuple(b.split(".", 1)[0].lower() for b in bus_names)
        refs: list[int] = []
        closed = enabled
        if enabled:
            try:
                all_refs = dss.CktElement.NodeRef()
                refs = [r for r in all_refs if r > 0]
            except Exception:  # noqa: BLE001 - element not in the solved circuit
                all_refs = refs = []
            closed = _closed(dss, len(buses))
            if cls.lower() == "line" and len(all_refs):
                lines.append(_active_y(dss, full.lower(), buses, all_refs))
        if enabled and cls.lower() in SOURCE_CLASSES:
            src += refs
        key = f"{cls.lower()}.{name.lower()}"
        rows.append((key, cls.lower(), enabled, buses, refs, closed,
                     lengths.get(key, np.nan), key in switch_like, key not in unitless))
    frame = pd.DataFrame(rows, columns=["name", "cls", "enabled", "buses", "refs", "closed",
                                        "length_km", "switch_like", "length_unit_known"])
    return frame, np.unique(np.asarray(src, dtype=np.int64) - 1), tuple(lines)


def _closed(dss, n_terminals: int) -> bool:  # noqa: ANN001
    """Every terminal of the active element has at least one closed phase conductor."""
    try:
        n_phases = max(int(dss.CktElement.NumPhases()), 1)
        for t in range(1, n_terminals + 1):
            if dss.CktElement.IsOpen(t, 0) and all(dss.CktElement.IsOpen(t, p)
                                                   for p in range(1, n_phases + 1)):
                return False
    except Exception:  # noqa: BLE001 - element classes without terminals state
        return True
    return True


#: A line whose positive-sequence series impedance is at most this (ohm) is a switch as the
#: model writes it (IEEE 123's short-circuit case: ``Sw7`` r1 = 1 µΩ, x1 = 0, no
#: ``switch=yes``; EPRI ckt5's zero-impedance elbows ``*elb``), not a line section.
SWITCH_Z1_MAX_OHM = 1e-5


def _line_facts(dss) -> tuple[dict[str, float], set[str], set[str]]:  # noqa: ANN001
    """Each line's length (km: its own units, else its line code's, :data:`LENGTH_UNIT_KM`),
    the lines that are switches (OpenDSS ``Switch=yes``, ``Lines.IsSwitch``, or a series
    impedance ≤ :data:`SWITCH_Z1_MAX_OHM`) and the lines whose length has no unit."""
    lengths, switches, unitless = {}, set(), set()
    ok = dss.Lines.First()
    while ok:
        key = f"line.{dss.Lines.Name().lower()}"
        length = float(dss.Lines.Length())
        units = int(dss.Lines.Units())
        if units == 0 and dss.Lines.LineCode():  # in its code's units (module constant)
            dss.LineCodes.Name(dss.Lines.LineCode())  # the Lines iterator stays on the line
            units = int(dss.LineCodes.Units())
        if units == 0:
            unitless.add(key)
        lengths[key] = length * LENGTH_UNIT_KM.get(units, 1.0)
        z1_ohm = abs(complex(dss.Lines.R1(), dss.Lines.X1())) * length
        if bool(dss.Lines.IsSwitch()) or z1_ohm <= SWITCH_Z1_MAX_OHM:
            switches.add(key)
        ok = dss.Lines.Next()
    return lengths, switches, unitless


def element_y(dss, name: str, where: str) -> ElementY:  # noqa: ANN001
    try:
        dss.Circuit.SetActiveElement(name)
        ok = dss.CktElement.Name().lower() == name.lower() and dss.CktElement.Enabled()
    except Exception:  # noqa: BLE001
        ok = False
    if not ok:
        raise InputError(Issue(where, name, "no such enabled element in the model",
                               "name an element as 'class.name' (e.g. line.l1) that the "
                               "model defines and enables"))
    return _active_y(dss, name.lower(),
                     tuple(b.split(".", 1)[0].lower() for b in dss.CktElement.BusNames()),
                     dss.CktElement.NodeRef())


def terminal_phases(e: ElementY, terminal: int) -> str:
    """The phases (``"abc"``, ``"c"``) of ``e``'s conductors at ``terminal``: its OpenDSS nodes
    1–3 (ground 0 and neutrals 4 and up are no phase), the phase currents a device there
    measures (:class:`protv2g.engine.phase.terminals.Terminals` reads the same conductors).

    >>> e = ElementY("line.684611", ("684", "611"), np.array([7, 8]), np.array([3, 3]),
    ...              np.array([1, 2]), np.zeros((2, 2), complex))
    >>> terminal_phases(e, 1)
    'c'
    """
    nums = set(np.asarray(e.node_num)[np.asarray(e.terminal) == int(terminal)].tolist())
    return "".join(p for k, p in enumerate("abc", start=1) if k in nums)


def _active_y(dss, name: str, buses: tuple[str, ...], node_ref) -> ElementY:  # noqa: ANN001
    """:class:`ElementY` of the active element (its ``buses`` and ``NodeRef`` already read)."""
    n_cond = dss.CktElement.NumConductors()
    refs = np.asarray(node_ref, dtype=np.int64)
    nums = np.asarray(dss.CktElement.NodeOrder(), dtype=np.int64)
    y = np.asarray(dss.CktElement.YPrim(), dtype=float)
    k = len(refs)
    yprim = (y[0::2] + 1j * y[1::2]).reshape(k, k)
    return ElementY(name=name, buses=buses, node=refs - 1, node_num=nums,
                    terminal=np.arange(k) // n_cond + 1, yprim_s=yprim)


def shunts(dss, elements: pd.DataFrame, where: str) -> tuple[ElementY, ...]:  # noqa: ANN001
    """Loads, and capacitors/reactors from phase conductors to ground (IEC 60909 drops them)."""
    out = []
    pick = elements[elements.enabled & elements.cls.isin(["load", "capacitor", "reactor"])]
    for name, cls in zip(pick.name, pick.cls, strict=True):
        e = element_y(dss, name, where)
        if cls != "load":
            to_ground = e.terminal.max() == 1 or np.all(e.node[e.terminal == 2] < 0)
            on_phases = np.all((e.node_num[e.terminal == 1] >= 1)
                               & (e.node_num[e.terminal == 1] <= 3))
            if not (to_ground and on_phases):
                continue  # series element, or a neutral grounding reactor: part of the network
        out.append(e)
    return tuple(out)


#: OpenDSS ``Generator`` ``model`` of its inverter approximation: "constant kW, kvar, but
#: current-limited below Vminpu" (OpenDSS Reference Guide, Generator ``Model``; the DSS
#: C-API docs: "Like a standard inverter-based generator"). OpenDSS's fault study still puts it
#: behind its Thevenin ``Xdp`` (default 0.28 pu) like any Generator — a known OpenDSS
#: limitation: model 7 limits the current in the power flow only (review rev41b M6: 2 MW at
#: 12.47 kV adds 224 A at its bus, where a 2 MVA inverter at 1.5 pu gives at most 139 A).
#: protv2g takes such a unit as an inverter (:mod:`protv2g.engine.phase.der`), and ``init``
#: asks which it is.
INVERTER_GENERATOR_MODEL = 7


def inverter_generators(dss) -> frozenset[str]:  # noqa: ANN001
    """``"generator.<name>"`` of every Generator of :data:`INVERTER_GENERATOR_MODEL`."""
    out = set()
    for name in dss.Generators.AllNames() if dss.Generators.Count() else []:
        dss.Generators.Name(name)
        if int(dss.Generators.Model()) == INVERTER_GENERATOR_MODEL:
            out.add(f"generator.{name.lower()}")
    return frozenset(out)


def machines(dss, where: str) -> tuple[Machine, ...]:  # noqa: ANN001
    """Every enabled synchronous generator (a Generator not of
    :data:`INVERTER_GENERATOR_MODEL`) with its ``Xdp``/``Xdpp``."""
    out = []
    inverters = inverter_generators(dss)
    for name in dss.Generators.AllNames() if dss.Generators.Count() else []:
        full = f"generator.{name.lower()}"
        dss.Circuit.SetActiveElement(full)
        if not dss.CktElement.Enabled() or full in inverters:
            continue
        values = []
        for prop in ("xdp", "xdpp"):
            dss.Text.Command(f"? {full}.{prop}")
            values.append(float(dss.Text.Result()))
        out.append(Machine(element=element_y(dss, full, where), xdp_pu=values[0],
                           xdpp_pu=values[1]))
    return tuple(out)


def devices(dss) -> pd.DataFrame:  # noqa: ANN001
    """The model's protective devices and the element terminal each one measures."""
    rows = []
    for kind, api in (("fuse", dss.Fuses), ("recloser", dss.Reclosers), ("relay", dss.Relays),
                      ("swtcontrol", None)):
        if api is None:
            dss.Circuit.SetActiveClass("SwtControl")
            for name in dss.ActiveClass.AllNames():
                dss.Text.Command(f"? swtcontrol.{name}.SwitchedObj")
                element = dss.Text.Result().lower()
                dss.Text.Command(f"? swtcontrol.{name}.SwitchedTerm")
                term = int(float(dss.Text.Result() or 1))
                dss.Circuit.SetActiveElement(f"swtcontrol.{name}")
                rows.append((f"swtcontrol.{name.lower()}", kind, element, term,
                             bool(dss.CktElement.Enabled())))
            continue
        for name in api.AllNames() if api.Count() else []:
            api.Name(name)  # activates disabled devices too (First/Next skip them)
            element, term = api.MonitoredObj().lower(), int(api.MonitoredTerm())
            dss.Circuit.SetActiveElement(f"{kind}.{name}")
            rows.append((f"{kind}.{name.lower()}", kind, element, term,
                         bool(dss.CktElement.Enabled())))
    return pd.DataFrame(rows, columns=["name", "kind", "element", "terminal", "enabled"])


#: OpenDSS ``CapControls.Mode`` codes → names (Reference Guide, CapControl ``Type``).
CAP_CONTROL_MODES = {0: "current", 1: "voltage", 2: "kvar", 3: "time", 4: "pf"}
#: Columns of :func:`control_table`.
CONTROL_COLUMNS = ["name", "kind", "target", "element", "terminal", "mode", "enabled",
                   "ct_primary_a"]


def control_table(dss) -> pd.DataFrame:  # noqa: ANN001
    """The model's regulator and capacitor controls: what each one switches and senses.

    A RegControl's ``target`` and ``element`` are its transformer, ``terminal`` the winding it
    regulates and ``mode`` ``forward_locked`` (neither ``reversible`` nor ``cogen``, no
    line-drop compensation), ``forward_locked_ldc`` (the same with a forward ``R`` or ``X``
    line-drop compensation), ``bidirectional`` (``reversible=yes``) or ``cogeneration``
    (``cogen=yes``), IEEE Std C57.15 terms. A CapControl's ``target`` is its capacitor,
    ``element``/``terminal`` where it senses (its CT), ``mode`` its control type
    (:data:`CAP_CONTROL_MODES`). ``ct_primary_a`` is a RegControl's ``CTprim`` (its line-drop
    compensator's CT primary rating, A; OpenDSS default 300 A), NaN on a CapControl.
    """
    rows = []
    for name in dss.RegControls.AllNames() if dss.RegControls.Count() else []:
        dss.RegControls.Name(name)
        full = f"regcontrol.{name.lower()}"
        flags = {}
        for prop in ("reversible", "cogen"):
            dss.Text.Command(f"? {full}.{prop}")
            flags[prop] = dss.Text.Result().strip().lower() in ("yes", "true", "y", "t")
        mode = ("cogeneration" if flags["cogen"] else "bidirectional" if flags["reversible"]
                else "forward_locked")
        # line-drop compensation (forward R or X, volts on the 120 V base): a forward-locked
        # control compensating acts on the net reversed current (review s27 §4)
        if mode == "forward_locked" and (float(dss.RegControls.ForwardR()) != 0.0
                                         or float(dss.RegControls.ForwardX()) != 0.0):
            mode = "forward_locked_ldc"
        target = f"transformer.{dss.RegControls.Transformer().lower()}"
        dss.Circuit.SetActiveElement(full)
        rows.append((full, "regcontrol", target, target, int(dss.RegControls.Winding()), mode,
                     bool(dss.CktElement.Enabled()), float(dss.RegControls.CTPrimary())))
    for name in dss.CapControls.AllNames() if dss.CapControls.Count() else []:
        dss.CapControls.Name(name)
        full = f"capcontrol.{name.lower()}"
        target = f"capacitor.{dss.CapControls.Capacitor().lower()}"
        element = dss.CapControls.MonitoredObj().lower()
        mode = CAP_CONTROL_MODES.get(int(dss.CapControls.Mode()), str(dss.CapControls.Mode()))
        term = int(dss.CapControls.MonitoredTerm())
        dss.Circuit.SetActiveElement(full)
        rows.append((full, "capcontrol", target, element, term, mode,
                     bool(dss.CktElement.Enabled()), float("nan")))
    return pd.DataFrame(rows, columns=CONTROL_COLUMNS)


#: Columns of :func:`injection_table`.
INJECTION_COLUMNS = ["name", "cls", "bus", "phases", "kv", "kw", "kvar", "kva", "enabled",
                     "load_status"]
#: OpenDSS ``Load.Status`` codes (``Loads.Status()``): a ``fixed`` or ``exempt`` load is not
#: scaled by ``LoadMult`` (OpenDSS Reference Guide, Load ``Status``; checked in DSS C-API
#: 0.14.5: a 1,000 kW load draws 1,000 kW at ``LoadMult`` 0.3 unless ``variable``).
LOAD_STATUS = ("variable", "fixed", "exempt")
#: Property giving the rated active power of each injection class.
_KW_PROPERTY = {"load": "kw", "generator": "kw", "pvsystem": "pmpp", "storage": "kwrated"}


def injection_table(dss) -> pd.DataFrame:  # noqa: ANN001
    """Loads and sources that are not the substation: rated kW, kvar, kVA, bus, phases.

    Loads: ``kW``/``kvar`` as defined (before ``LoadMult``) and ``load_status``
    (:data:`LOAD_STATUS`; ``""`` for the other classes); generators ``kW``; PV systems
    ``Pmpp`` (kW at 1 kW/m²) and ``kVA``; storage ``kWrated`` and ``kVA``.
    """
    rows = []
    ok = dss.Loads.First()
    while ok:                                   # loads through their API (thousands of them)
        full = f"load.{dss.Loads.Name().lower()}"
        enabled = bool(dss.CktElement.Enabled())
        bus = dss.CktElement.BusNames()[0].split(".", 1)[0].lower()
        rows.append((full, "load", bus, int(dss.Loads.Phases()), float(dss.Loads.kV()),
                     float(dss.Loads.kW()), float(dss.Loads.kvar()), float(dss.Loads.kVABase()),
                     enabled, LOAD_STATUS[int(dss.Loads.Status())]))
        ok = dss.Loads.Next()
    for cls, prop in _KW_PROPERTY.items():
        if cls == "load":
            continue
        dss.Circuit.SetActiveClass(cls)
        for name in list(dss.ActiveClass.AllNames()):
            full = f"{cls}.{name.lower()}"
            dss.Circuit.SetActiveElement(full)
            enabled = bool(dss.CktElement.Enabled())
            bus = dss.CktElement.BusNames()[0].split(".", 1)[0].lower()
            values = {}
            for p in (prop, "kvar", "kva", "phases", "kv"):
                try:
                    dss.Text.Command(f"? {full}.{p}")
                    values[p] = float(dss.Text.Result())
                except (ValueError, Exception):  # noqa: BLE001 - absent property
                    values[p] = float("nan")
            rows.append((full, cls, bus, int(values["phases"]) if values["phases"] == values[
                "phases"] else 0, values["kv"], values[prop], values["kvar"], values["kva"],
                enabled, ""))
    return pd.DataFrame(rows, columns=INJECTION_COLUMNS)
