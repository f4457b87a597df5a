"""Convert OpenDSS shunt elements (loads, capacitors, PV, storage, generators) to pandapower.

* Three-phase loads → ``net.load`` (wye or delta, with the OpenDSS load model as
  constant-impedance / constant-current shares); 1- and 2-phase loads → ``net.asymmetric_load``
  on the phases they connect to (delta loads on the phase pair: pandapower's ``p_a`` is the
  a–b branch, ``p_b`` b–c, ``p_c`` c–a).
* Capacitors → ``net.shunt`` (a 1-phase capacitor becomes a balanced shunt of the same total
  kvar; warned).
* PVSystem and Storage → ``net.sgen`` (current sources, ``k`` = fault-current limit in pu of
  rating, :data:`~protv2g.network.opendss_elements.K_INVERTER_PU`, with ``k_default`` True:
  protv2g's value, not the model's — an OpenDSS script gives none); Generator → ``net.sgen``
  with ``k = 1/Xd''`` (a synchronous machine approximated by its subtransient current; warned),
  a Generator of OpenDSS's inverter model (``model=7``) as the PV systems (type
  ``"inverter"``; review rev41b M6).

References
----------
R. C. Dugan, "OpenDSS Reference Guide", EPRI (Load ``model`` codes 1 = constant PQ,
2 = constant Z, 5 = constant I; Capacitor ``kv`` is line-to-line for 2/3-phase units and the
can rating otherwise).
"""

from __future__ import annotations

import numpy as np
import pandapower as pp

from protv2g.errors import InputError, Issue
from protv2g.network.dss_elements import INVERTER_GENERATOR_MODEL, element_y
from protv2g.network.opendss_elements import (
    K_INVERTER_PU,
    SQRT3,
    WarningLog,
    iter_class,
    parse_bus,
    prop,
)
from protv2g.network.opendss_neutrals import PHASE_PATH_FIX

_PHASE = {1: "a", 2: "b", 3: "c"}
#: A 3-phase shunt Reactor whose zero-sequence admittance exceeds this multiple of its
#: positive-sequence one is a grounding reactor (a zero-sequence source, e.g. a grounding
#: transformer modelled with ``Z0 << Z1``); an ordinary wye shunt reactor has Y0 = Y1.
GROUNDING_REACTOR_Y0_Y1 = 2.0
_DELTA_PAIR = {frozenset({1, 2}): "a", frozenset({2, 3}): "b", frozenset({3, 1}): "c"}
#: OpenDSS load model → (constant-impedance %, constant-current %) of pandapower.
_LOAD_MODEL = {1: (0.0, 0.0), 2: (100.0, 0.0), 5: (0.0, 100.0)}


def add_loads(net: pp.pandapowerNet, dss, buses: dict[str, int], log: WarningLog) -> None:  # noqa: ANN001
    """Loads → ``load`` (3-phase) or ``asymmetric_load`` (1/2-phase), nominal kW/kvar."""
    for full, enabled in iter_class(dss, "Load", buses, log):
        name = full.split(".", 1)[1]
        dss.Loads.Name(name)
        n = int(dss.Loads.Phases())
        delta = bool(dss.Loads.IsDelta())
        bus, nodes = parse_bus(dss.CktElement.BusNames()[0], n)
        p_mw, q_mvar = float(dss.Loads.kW()) / 1e3, float(dss.Loads.kvar()) / 1e3
        model = int(dss.Loads.Model())
        z_pct, i_pct = _LOAD_MODEL.get(model, (0.0, 0.0))
        if model not in _LOAD_MODEL and n >= 3:
            log.add("Load", full, f"load model {model}", "constant power (model 1)")
        if not enabled:
            log.add("Load", full, "disabled in OpenDSS", "imported out of service")
        if n >= 3:
            pp.create_load(
                net,
                buses[bus],
                p_mw=p_mw,
                q_mvar=q_mvar,
                const_z_p_percent=z_pct,
                const_z_q_percent=z_pct,
                const_i_p_percent=i_pct,
                const_i_q_percent=i_pct,
                name=name,
                type="delta" if delta else "wye",
                in_service=enabled,
                dss_model=model,
            )
            continue
        phase_nodes = [x for x in dss.CktElement.NodeOrder() if x in _PHASE]
        if delta and len(phase_nodes) < 2:
            # A 1-phase "delta" load given one node is connected node-to-ground by OpenDSS.
            log.add(
                "Load",
                full,
                f"delta load on {dss.CktElement.BusNames()[0]} (one node)",
                "wye on that phase, as OpenDSS connects it (node to ground)",
            )
            delta = False
        cols = _phase_columns(phase_nodes or nodes, n, delta)
        if not cols:
            log.add(
                "Load", full, f"connection {dss.CktElement.BusNames()[0]} not mapped", "dropped"
            )
            continue
        kwargs = {f"p_{c}_mw": p_mw / len(cols) for c in cols}
        kwargs.update({f"q_{c}_mvar": q_mvar / len(cols) for c in cols})
        pp.create_asymmetric_load(
            net,
            buses[bus],
            name=name,
            type="delta" if delta else "wye",
            in_service=enabled,
            dss_model=model,
            **kwargs,
        )
        if model != 1:
            log.add(
                "Load",
                full,
                f"{n}-phase load model {model}",
                "constant power (asymmetric_load has no Z/I share)",
            )


def _phase_columns(nodes: list[int], n: int, delta: bool) -> list[str]:
    """pandapower phase letters that a 1/2-phase OpenDSS load connects to."""
    phase_nodes = [x for x in nodes if x in _PHASE]
    if not delta:
        return [_PHASE[x] for x in phase_nodes[:n]]
    if n == 1 and len(phase_nodes) >= 2:
        pair = frozenset(phase_nodes[:2])
        return [_DELTA_PAIR[pair]] if pair in _DELTA_PAIR else []
    pairs = [frozenset(p) for p in zip(phase_nodes, phase_nodes[1:] + phase_nodes[:1], strict=True)]
    return [_DELTA_PAIR[p] for p in pairs[:n] if p in _DELTA_PAIR]


def add_capacitors(net: pp.pandapowerNet, dss, buses: dict[str, int], log: WarningLog) -> None:  # noqa: ANN001
    """Capacitors → shunts with the closed steps' kvar at the rated voltage."""
    for full, enabled in iter_class(dss, "Capacitor", buses, log):
        name = full.split(".", 1)[1]
        dss.Capacitors.Name(name)
        n = int(dss.CktElement.NumPhases())
        bus, _ = parse_bus(dss.CktElement.BusNames()[0], n)
        kvars = (
            list(dss.Capacitors.kvar())
            if hasattr(dss.Capacitors.kvar(), "__len__")
            else [float(dss.Capacitors.kvar())]
        )
        states = list(dss.Capacitors.States())
        steps = [float(v) for v in _floats(prop(dss, full, "kvar"))] or kvars
        q_kvar = sum(k for k, s in zip(steps, states, strict=False) if s)
        kv = float(dss.Capacitors.kV())
        delta = bool(dss.Capacitors.IsDelta())
        vn_kv = kv * SQRT3 if (n == 1 and not delta) else kv
        pp.create_shunt(
            net,
            buses[bus],
            q_mvar=-q_kvar / 1e3,
            p_mw=0.0,
            vn_kv=vn_kv,
            name=name,
            in_service=enabled,
            dss_phases=n,
        )
        if n < 3:
            log.add(
                "Capacitor",
                full,
                f"{n}-phase capacitor {q_kvar:g} kvar",
                "balanced three-phase shunt of the same total kvar",
            )
        if not enabled:
            log.add("Capacitor", full, "disabled in OpenDSS", "imported out of service")
        if len(steps) > 1 or not all(states):
            log.add(
                "Capacitor",
                full,
                f"steps {steps} kvar, states {states}",
                "closed steps summed into one shunt",
            )


def _floats(text: str) -> list[float]:
    return [float(t) for t in text.replace("[", " ").replace("]", " ").replace(",", " ").split()]


def add_sgens(net: pp.pandapowerNet, dss, buses: dict[str, int], log: WarningLog) -> None:  # noqa: ANN001
    """PVSystem, Storage and Generator → sgens (present output after the OpenDSS solve)."""
    for cls, sgen_type in (("PVSystem", "PV"), ("Storage", "storage"), ("Generator", "SM")):
        for full, enabled in iter_class(dss, cls, buses, log):
            name = full.split(".", 1)[1]
            n = int(dss.CktElement.NumPhases())
            bus, nodes = parse_bus(dss.CktElement.BusNames()[0], n)
            powers = dss.CktElement.Powers()  # kW, kvar per conductor, load convention
            p_kw = -sum(powers[0::2]) if enabled else 0.0
            q_kvar = -sum(powers[1::2]) if enabled else 0.0
            kva = float(prop(dss, full, "kVA"))
            k, k_default, kind = K_INVERTER_PU, True, sgen_type
            if cls == "Generator" and int(float(prop(dss, full, "model"))) == \
                    INVERTER_GENERATOR_MODEL:
                kind = "inverter"
                log.add(cls, full, "OpenDSS Generator model=7 (its current-limited inverter "
                        "approximation; OpenDSS's fault study has it behind Xdp)",
                        f"inverter sgen, k = {k:g} pu (the project's first-cycle limit)")
            elif cls == "Generator":
                xdpp = float(prop(dss, full, "Xdpp"))
                if xdpp > 0:
                    k, k_default = 1.0 / xdpp, False
                log.add(
                    cls,
                    full,
                    f"synchronous generator Xd''={xdpp:g} pu",
                    f"sgen current source with k = 1/Xd'' = {k:.3g} pu",
                )
            pp.create_sgen(
                net,
                buses[bus],
                p_mw=p_kw / 1e3,
                q_mvar=q_kvar / 1e3,
                sn_mva=kva / 1e3,
                name=name,
                type=kind,
                k=k,
                k_default=k_default,
                in_service=enabled,
                dss_phases=n,
                dss_nodes=".".join(str(x) for x in nodes),
            )
            if n < 3:
                log.add(
                    cls,
                    full,
                    f"{n}-phase unit on nodes {nodes}",
                    "balanced three-phase sgen of the same total rating",
                )
            if not enabled:
                log.add(cls, full, "disabled in OpenDSS", "imported out of service")


def report_unsupported(dss, log: WarningLog,  # noqa: ANN001
                       neutral_elements: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Warn about element classes the importer does not convert; return series ones.

    Elements in ``neutral_elements`` (lower-case ``"class.name"``: a Reactor or Line between a
    transformer star point and ground) are listed as folded into that transformer's neutral
    impedance, not as shunts or series elements.
    """
    handled = {
        "vsource",
        "line",
        "transformer",
        "regcontrol",
        "load",
        "capacitor",
        "pvsystem",
        "storage",
        "generator",
        "recloser",
        "fuse",
        "relay",
    }
    measurement = {"monitor", "energymeter", "sensor"}
    blocking: list[str] = []
    for full in dss.Circuit.AllElementNames():
        cls = full.split(".", 1)[0].lower()
        if full.lower() in neutral_elements:
            log.add(full.split(".")[0], full, "between a transformer star point and ground",
                    "folded into that transformer's neutral impedance (rn_ohm/xn_ohm)")
            continue
        if cls in handled:
            continue
        if cls in measurement:
            log.add(full.split(".")[0], full, "measurement element", "ignored")
        elif cls == "fault":
            log.add(
                "Fault",
                full,
                "fault element in the script",
                "dropped (faults are placed by the study); disabled for the OpenDSS solve",
            )
        elif cls == "reactor":
            dss.Circuit.SetActiveElement(full)
            names = [parse_bus(b, 1)[0] for b in dss.CktElement.BusNames()]
            if len(set(names)) > 1:
                blocking.append(full)
            elif (ratio := _zero_to_positive(dss, full)) > GROUNDING_REACTOR_Y0_Y1:
                raise InputError(Issue(
                    "OpenDSS model", full,
                    f"shunt reactor with a zero-sequence admittance {ratio:.3g} × its "
                    "positive-sequence one (a grounding reactor/transformer): pandapower has "
                    "no shunt zero-sequence source", PHASE_PATH_FIX))
            else:
                log.add("Reactor", full, "shunt reactor", "dropped (positive and zero sequence)")
        else:
            log.add(full.split(".")[0], full, "element class not converted", "dropped")
    return blocking


def _zero_to_positive(dss, full: str) -> float:  # noqa: ANN001
    """|Y0| / |Y1| of a 3-phase shunt element's phase block (0 for other elements)."""
    if int(dss.CktElement.NumPhases()) != 3:
        return 0.0
    yp = element_y(dss, full, "OpenDSS model").yprim_s[:3, :3]
    ys, ym = np.mean(np.diag(yp)), (yp.sum() - np.trace(yp)) / 6.0
    y1, y0 = abs(ys - ym), abs(ys + 2.0 * ym)
    return float(y0 / y1) if y1 > 0.0 else float("inf") if y0 > 0.0 else 0.0
