"""Convert compiled OpenDSS circuit elements into pandapower elements.

The OpenDSS engine (``opendssdirect``) holds a compiled, solved circuit. Each ``add_*``
function reads one element class through the OpenDSS API and creates the matching
pandapower elements, recording every approximation in a :class:`WarningLog`.

Sequence impedances from phase matrices
---------------------------------------
OpenDSS gives each line's Kron-reduced phase impedance matrix ``Z`` (ohm per length unit).
With ``Zs`` the mean of the diagonal and ``Zm`` the mean of the off-diagonal terms,

* 3-phase: ``Z1 = Zs − Zm``, ``Z0 = Zs + 2·Zm`` (symmetrical components of a transposed
  line; the coupling between sequences of an untransposed line is dropped);
* 2-phase: the same formulas over the two phases: the line-to-line loop ``2·Z1 = Zaa + Zbb
  − 2·Zab`` and the single-line-to-ground loop ``2·Z1 + Z0 = 3·Zs`` are both kept;
* 1-phase: ``Z1 = Z0 = Zs``: the SLG loop ``2·Z1 + Z0 = 3·Zs`` is the conductor's own loop
  impedance, and a load on the one phase drops ``Zs·I`` as in OpenDSS.

The same transformation applies to the nodal capacitance matrix (``C1 = Cs − Cm``,
``C0 = Cs + 2·Cm``). pandapower models every branch as three-phase, so 1- and 2-phase
sections become three-phase lines; the phases a bus really has are kept in
``net.bus.dss_nodes``.

References
----------
W. H. Kersting, "Distribution System Modeling and Analysis", 4th ed., CRC Press, 2017,
ch. 4 and 6 (phase impedance matrix, sequence impedances).
R. C. Dugan, "OpenDSS Reference Guide", EPRI (Line, LineCode, Transformer, Load, Capacitor,
PVSystem, Storage, Generator, Vsource, RegControl properties).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandapower as pp
import pandas as pd

from protv2g.errors import InputError, Issue
from protv2g.network.opendss_neutrals import NeutralMap
from protv2g.units import INVERTER_FIRST_CYCLE_PU

SQRT3 = 3.0**0.5
#: OpenDSS length-unit codes (``Lines.Units``) → km per unit.
LENGTH_UNIT_KM = {
    1: 1.609344,
    2: 0.3048,
    3: 1.0,
    4: 1e-3,
    5: 3.048e-4,
    6: 2.54e-5,
    7: 1e-5,
    8: 1e-6,
}
#: Fault-current limit (pandapower ``sgen.k``) the importer writes for an inverter source, pu
#: of its rating: the project's one first-cycle limit (``protv2g.units``; 1.2 until session 42
#: while both engines' model took 1.5 — review rev41b). Not the element's own: the sgen's
#: ``k_default`` column says so (:func:`protv2g.network.opendss_injections.add_sgens`).
K_INVERTER_PU = INVERTER_FIRST_CYCLE_PU
#: Zero-sequence magnetising impedance given to pandapower, pu of the transformer rating.
#: OpenDSS transformers have no zero-sequence magnetising branch (none unless %imag is set);
#: pandapower wants it as ``mag0_percent`` = Zm0/Zk0 in %, so it is computed per transformer
#: from this absolute value — a fixed ratio would turn the tiny leakage impedance of a
#: regulator (XHL = 0.00001 % on IEEE 123) into a zero-sequence short to ground.
Z_MAG0_PU = 1e3
WARNING_COLUMNS = ["element", "name", "what", "action"]


@dataclass
class WarningLog:
    """Everything the import dropped or approximated (element, name, what, action)."""

    rows: list[dict[str, str]] = field(default_factory=list)

    def add(self, element: str, name: str, what: str, action: str) -> None:
        """Record one dropped or approximated item."""
        self.rows.append({"element": element, "name": name, "what": what, "action": action})

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame with columns element, name, what, action."""
        return pd.DataFrame(self.rows, columns=WARNING_COLUMNS)


def prop(dss, element: str, name: str) -> str:  # noqa: ANN001 - opendssdirect module
    """Value of property ``name`` of ``element`` (``"class.name"``) as OpenDSS text."""
    dss.Text.Command(f"? {element}.{name}")
    return dss.Text.Result()


def parse_bus(spec: str, n_default: int) -> tuple[str, list[int]]:
    """Split an OpenDSS bus specification ``"name.1.2"`` into name and node list."""
    parts = spec.split(".")
    nodes = [int(p) for p in parts[1:] if p.strip().isdigit()]
    return parts[0].lower(), nodes if nodes else list(range(1, n_default + 1))


#: Conductor temperature at the end of a short circuit given to imported lines (OpenDSS has
#: none), °C — the project's convention for overhead feeders (``example_feeders``); it sets the
#: IEC 60909 minimum-case line resistance ``R·(1 + 0.004·(θe − 20))`` (IEC 60909-0 eq. 34).
ENDTEMP_DEGREE = 80.0


def iter_class(dss, cls: str, buses: dict[str, int] | None = None,  # noqa: ANN001, ANN201
               log: WarningLog | None = None, skip: frozenset[str] | set[str] = frozenset()):
    """Yield ``(full_name, enabled)`` for every element of class ``cls`` in the circuit.

    With ``buses``, an element that names a bus OpenDSS left out of its circuit (a disabled
    element is the only one reaching it) is not yielded but listed in ``log``. Elements in
    ``skip`` (lower-case ``"class.name"``, mapped elsewhere) are not yielded.
    """
    dss.Circuit.SetActiveClass(cls)
    for name in list(dss.ActiveClass.AllNames()):
        full = f"{cls}.{name}"
        if full.lower() in skip:
            continue
        dss.Circuit.SetActiveElement(full)
        enabled = bool(dss.CktElement.Enabled())
        if buses is not None:
            missing = [b.split(".", 1)[0].lower() for b in dss.CktElement.BusNames()
                       if b.split(".", 1)[0].lower() not in buses]
            if missing:
                if log is not None:
                    log.add(cls, full, f"{'disabled; ' if not enabled else ''}bus "
                            f"{missing[0]!r} is not in OpenDSS's circuit",
                            "left out (nothing else reaches that bus)")
                continue
        yield full, enabled


# --------------------------------------------------------------------------- buses, source
def add_buses(net: pp.pandapowerNet, dss, log: WarningLog,  # noqa: ANN001
              neutrals: NeutralMap | None = None) -> dict[str, int]:
    """Create one pandapower bus per OpenDSS bus (``vn_kv`` from the OpenDSS voltage base).

    Nodes of a transformer's neutral network (``neutrals``) are not phases: they are left out of
    ``dss_nodes``, and a bus that has only such nodes (e.g. the junction of an NER and a
    reactor) gets no pandapower bus — its impedance is in the transformer's ``rn_ohm/xn_ohm``.
    """
    index: dict[str, int] = {}
    neutral_nodes = neutrals.nodes if neutrals is not None else {}
    for name in dss.Circuit.AllBusNames():
        dss.Circuit.SetActiveBus(name)
        nodes = sorted(n for n in dss.Bus.Nodes() if n > 0 and n not in neutral_nodes.get(name, ()))
        if not nodes:
            log.add("Bus", name, "only neutral-network nodes", "no pandapower bus (its "
                    "impedance is folded into the transformer's rn_ohm/xn_ohm)")
            continue
        kv_ln = float(dss.Bus.kVBase())
        if kv_ln <= 0.0:
            raise InputError(
                Issue(
                    "OpenDSS model",
                    f"bus {name}",
                    "bus has no voltage base",
                    "add 'Set VoltageBases=[...]' and 'CalcVoltageBases' to the master file",
                )
            )
        index[name] = pp.create_bus(
            net, vn_kv=kv_ln * SQRT3, name=name, dss_nodes=".".join(str(n) for n in nodes)
        )
    return index


def add_sources(net: pp.pandapowerNet, dss, buses: dict[str, int], log: WarningLog) -> None:  # noqa: ANN001
    """Vsources → ext_grid with Thevenin short-circuit data (max = min: one OpenDSS impedance)."""
    for full, enabled in iter_class(dss, "Vsource", buses, log):
        if not enabled:
            log.add("Vsource", full, "disabled in OpenDSS", "dropped")
            continue
        bus, _ = parse_bus(dss.CktElement.BusNames()[0], 3)
        vn_kv = net.bus.at[buses[bus], "vn_kv"]
        r1, x1 = (float(v) for v in _floats(prop(dss, full, "Z1")))
        r0, x0 = (float(v) for v in _floats(prop(dss, full, "Z0")))
        z1 = abs(complex(r1, x1))
        s_sc_mva = vn_kv**2 / z1
        rx = r1 / x1 if x1 else 0.0
        x0x = x0 / x1 if x1 else 0.0
        r0x0 = r0 / x0 if x0 else 0.0
        basekv = float(prop(dss, full, "basekv"))
        vm_pu = float(prop(dss, full, "pu")) * basekv / vn_kv
        pp.create_ext_grid(
            net,
            buses[bus],
            vm_pu=vm_pu,
            va_degree=float(prop(dss, full, "angle")),
            name=full.split(".", 1)[1],
            s_sc_max_mva=s_sc_mva,
            s_sc_min_mva=s_sc_mva,
            rx_max=rx,
            rx_min=rx,
            x0x_max=x0x,
            x0x_min=x0x,
            r0x0_max=r0x0,
            r0x0_min=r0x0,
        )
        if x0 > 1e6 * max(x1, 1e-9):
            log.add(
                "Vsource",
                full,
                f"zero-sequence impedance X0={x0:g} ohm (open)",
                "x0x kept as given: the source feeds no zero-sequence current",
            )
        if full.lower() != "vsource.source":
            log.add(
                "Vsource",
                full,
                "second voltage source (e.g. a machine equivalent)",
                "imported as an extra ext_grid with its Thevenin impedance",
            )


def _floats(text: str) -> list[float]:
    return [float(t) for t in text.replace("[", " ").replace("]", " ").replace(",", " ").split()]


# --------------------------------------------------------------------------- lines
def add_lines(
    net: pp.pandapowerNet,
    dss,
    buses: dict[str, int],
    log: WarningLog,  # noqa: ANN001
    keep: frozenset[str] = frozenset(),
    skip: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Lines → pandapower lines with sequence data from the phase matrices (see module doc).

    OpenDSS switches (``Switch=yes``) become closed (or open) bus–bus switches named as the
    line, unless a protective device monitors them (names in ``keep``): then they stay lines.
    Lines in ``skip`` (``"line.<name>"``, a transformer's neutral impedance) are left out.
    """
    if dss.Lines.Count():
        log.add("Line", "all lines", "OpenDSS has no short-circuit end temperature",
                f"endtemp_degree = {ENDTEMP_DEGREE:g} °C (IEC 60909 min case); set "
                "net.line['endtemp_degree'] to change it")
    for full, enabled in iter_class(dss, "Line", buses, log, skip):
        name = full.split(".", 1)[1]
        dss.Lines.Name(name)
        n = int(dss.Lines.Phases())
        b1, _ = parse_bus(dss.Lines.Bus1(), n)
        b2, _ = parse_bus(dss.Lines.Bus2(), n)
        if dss.Lines.IsSwitch() and name not in keep:
            closed = enabled and not (dss.CktElement.IsOpen(1, 0) or dss.CktElement.IsOpen(2, 0))
            pp.create_switch(net, buses[b1], buses[b2], et="b", closed=closed, name=name)
            log.add(
                "Line",
                full,
                "switch (Switch=yes, near-zero impedance)",
                f"bus-bus switch, {'closed' if closed else 'open'}",
            )
            continue
        length = float(dss.Lines.Length())
        units = int(dss.Lines.Units())
        if units not in LENGTH_UNIT_KM and dss.Lines.LineCode():
            dss.LineCodes.Name(dss.Lines.LineCode())
            units = int(dss.LineCodes.Units())  # a line without units is in its code's units
            dss.Circuit.SetActiveElement(full)
        if units not in LENGTH_UNIT_KM:
            log.add("Line", full, "length has no units", "length taken as km; total impedance kept")
        length_km = max(length * LENGTH_UNIT_KM.get(units, 1.0), 1e-9)
        scale = length / length_km  # (ohm per unit length) · length / length_km → ohm/km
        z = _matrix(dss.Lines.RMatrix(), n) + 1j * _matrix(dss.Lines.XMatrix(), n)
        c = _matrix(dss.Lines.CMatrix(), n)
        z1, z0 = _sequence(z)
        c1, c0 = _sequence(c.astype(complex))
        if n < 3:
            log.add(
                "Line",
                full,
                f"{n}-phase section",
                "three-phase line with Z1, Z0 keeping its self impedance (3·Zs SLG loop)",
            )
        idx = pp.create_line_from_parameters(
            net,
            buses[b1],
            buses[b2],
            length_km=length_km,
            r_ohm_per_km=z1.real * scale,
            x_ohm_per_km=z1.imag * scale,
            c_nf_per_km=max(c1.real, 0.0) * scale,
            r0_ohm_per_km=z0.real * scale,
            x0_ohm_per_km=z0.imag * scale,
            c0_nf_per_km=max(c0.real, 0.0) * scale,
            max_i_ka=float(dss.Lines.NormAmps()) / 1e3 or 0.4,
            endtemp_degree=ENDTEMP_DEGREE,
            name=name,
            in_service=enabled,
            dss_phases=n,
            is_switch=bool(dss.Lines.IsSwitch()),
        )
        if not enabled:
            log.add("Line", full, "disabled in OpenDSS", "imported out of service")
        open_terminals(net, dss, full, idx, "l", log)


def _matrix(values, n: int) -> np.ndarray:  # noqa: ANN001
    arr = np.asarray(values, dtype=float)
    return arr.reshape(n, n) if arr.size == n * n else np.diag(np.resize(arr, n))


def _sequence(m: np.ndarray) -> tuple[complex, complex]:
    """Positive- and zero-sequence values of an n×n phase matrix (n = 1, 2, 3)."""
    n = m.shape[0]
    self_ = complex(np.mean(np.diag(m)))
    mutual = complex((m.sum() - np.trace(m)) / (n * (n - 1))) if n > 1 else 0.0
    return self_ - mutual, self_ + 2.0 * mutual


def open_terminals(net, dss, full: str, idx: int, et: str, log: WarningLog) -> None:  # noqa: ANN001
    """An element with an open OpenDSS terminal is set out of service (warned).

    (An open pandapower switch at one end would add an auxiliary bus that pandapower's
    ``init="results"`` start leaves undefined; the element carries no current either way
    apart from line charging and transformer magnetising current.)
    """
    opened = [t for t in (1, 2) if dss.CktElement.IsOpen(t, 0)]
    if opened:
        table = net.line if et == "l" else net.trafo
        table.at[idx, "in_service"] = False
        log.add(full.split(".")[0], full, f"terminal(s) {opened} open in OpenDSS", "out of service")
