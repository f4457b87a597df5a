"""The feeder's own inverter-based sources (PV systems, storage) as law-driven fault sources.

OpenDSS's fault study keeps a storage unit as a constant admittance that generates its kW at
rated voltage — a source without a current limit — and a PV system as the negative of its
Thevenin admittance, ``−1/Z_thev`` from its ``%R``/``%X`` (its ``Yprim`` in the fault-study
state, DSS C-API 0.14.5; session 43), which *lowers* the fault current beside it
(``docs/opendss-phase-path.md``). In a study (#20 item 2), and in ``protv2g faults
MASTER.dss`` (:func:`protv2g.api.dss_fault_study`), every such unit is instead a
current-limited source by the *same control law as the chargers*
(:mod:`protv2g.engine.phase.sites`): its admittance leaves ``Y``
(:func:`~protv2g.engine.phase.system.build_system` ``inverters_out``) and a
:class:`~protv2g.engine.phase.sites.PhaseSite` takes its place in every scenario's maximum
case, base case included (the minimum case leaves it out, 0 A).

Each unit (a stated assumption, listed with the results in the Existing sources sheet):

* rating ``s_rated_mva`` = its ``kVA``; the chargers' default model
  (:class:`protv2g.engine.der_model.InverterModel`: 1.5 pu first cycle, then active-power
  priority at 1.1 pu — 1.2 pu in the high bracket — with IEEE 1547-2018 Category II trips),
  grid following, positive sequence only (IEEE 1547-2018 era); until session 19 a constant
  1.2 pu held for the whole fault (review s18 rank 5);
* mode exporting with its pre-fault output from the model's snapshot power flow
  (``model.injections.p_flow_kw``; a unit that draws power — storage charging — is charging);
* on the phases its terminal connects to (a three-phase unit as one fleet, a single-phase one
  on its phase).

A ``Generator`` of OpenDSS's inverter model (``model=7``: constant P, Q, current-limited in
the power flow) is such a unit too (since session 42, review rev41b M6): OpenDSS's fault study
puts it behind its ``Xdp`` like a machine (a known OpenDSS limitation), which a current-limited
inverter is not. Synchronous machines stay as OpenDSS gives them (voltage sources behind
``Xdp``/``Xdpp``, :mod:`.system`; under IEC 60909 corrected by ``K_G``/``K_S``/``K_SO``,
:mod:`.iec_machines`), and so does a further ``Vsource`` below the supply voltage (an existing
source written as a voltage source, :func:`protv2g.network.dss_graph.dss_sources`): both are
listed by :func:`der_table`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.engine.der_model import INVERTER_MODEL_SOURCE, InverterModel
from protv2g.engine.phase.iec_machines import machine_corrections
from protv2g.engine.phase.sites import PhaseSite
from protv2g.network.dss_graph import dss_sources
from protv2g.network.dss_model import DssModel
from protv2g.units import ChargerMode

__all__ = ["der_sites", "der_table", "INVERTER_MODEL", "MODEL7_NOTE"]

#: The default model of the feeder's own inverters (the chargers' defaults).
INVERTER_MODEL = InverterModel()


def der_sites(model: DssModel, inverter: InverterModel = INVERTER_MODEL, *,
              limit_pu: float | None = None, high: bool = False) -> list[PhaseSite]:
    """A :class:`PhaseSite` for every enabled, energised PV system and storage unit.

    Parameters
    ----------
    inverter : InverterModel
        How they inject (default: the chargers' defaults).
    limit_pu : float, optional
        A first-cycle limit for all of them instead of ``inverter.limit_pu`` (sustained limits
        capped at it; ``0``: no current, as ``init``'s DC-offset run uses).
    high : bool
        The high bracket's sustained limit instead of the low one's.
    """
    inj = model.injections.set_index("name")
    out = []
    for e in model.inverters:
        row = inj.loc[e.name]
        phases = "".join(sorted({"abc"[n - 1] for n in e.node_num if 1 <= n <= 3}))
        p_kw = float(row.p_flow_kw) if np.isfinite(row.p_flow_kw) else 0.0
        kva = float(row.kva) if np.isfinite(row.kva) and row.kva > 0 else abs(p_kw)
        if kva <= 0 or not phases:
            continue
        mode = ChargerMode.EXPORTING if p_kw >= 0 else ChargerMode.CHARGING
        src = inverter.source(e.name, -1, kva / 1000.0, min(abs(p_kw), kva) / 1000.0, mode,
                              limit_pu=limit_pu, high=high)
        out.append(PhaseSite(src, e.buses[0], phases))
    return out


#: The Existing sources sheet's words on a Generator of OpenDSS's inverter model (model=7,
#: :data:`protv2g.network.dss_elements.INVERTER_GENERATOR_MODEL`; review rev41b M6).
MODEL7_NOTE = ("OpenDSS Generator model=7 (its current-limited inverter approximation), taken "
               "as an inverter — OpenDSS's own fault study puts it behind Xdp like a "
               "synchronous machine, a known OpenDSS limitation (init asks which it is): ")


#: What the study does with a Vsource below the supply voltage (an existing source).
VSOURCE_MODEL = ("voltage source behind its impedance as OpenDSS has it (no current limit), "
                 "every scenario, both cases (a Vsource below the supply voltage: an existing "
                 "source on the feeder, not a substation)")


#: What the study does with an existing source the model leaves unconnected (review rev34c M2:
#: EPRI DG_Prot_Fdr ends with ``open transformer.tg 2``; the Summary said its WindGen1 fed
#: "every scenario, both cases").
DISCONNECTED_MODEL = ("disconnected in the model (an element between it and the feeder is "
                      "open or disabled): it feeds no fault and no flow of the study")


def der_table(model: DssModel, inverter: InverterModel = INVERTER_MODEL, *,
              min_per_device: bool = True) -> pd.DataFrame:
    """The feeder's existing sources as the study models them (the report's list).

    Columns: ``name, kind, bus, phases, kva, p_pre_kw, mode, fault_model, source, xdp_pu,
    xdpp_pu, iec_correction`` (a machine's X′d and X″d, NaN for other sources: which one a
    fault run uses is its method's, :data:`protv2g.engine.phase.system.MACHINE_REACTANCE`; its
    IEC 60909 ``K_G``/``K_S``/``K_SO`` as text, :mod:`.iec_machines`, "" for the others).
    Inverters by :class:`InverterModel` (a Generator of OpenDSS's ``model=7`` among them,
    :data:`MODEL7_NOTE`); synchronous generators as machines (OpenDSS's model behind
    ``Xdp``/``Xdpp``); a Vsource below the supply voltage as the voltage source it is
    (:func:`protv2g.network.dss_graph.dss_sources`, e.g. EPRI DG_Prot_Fdr's ``WindGen1``).
    ``min_per_device``: the inverters' minimum case as ``run`` has it (a device row the lower
    of them out and in, :meth:`InverterModel.describe`), else out of every minimum-case row
    (``protv2g faults``, :func:`protv2g.api.dss_fault_study`).
    """
    rows = []
    for s in der_sites(model, inverter):
        kind = s.name.split(".", 1)[0]
        rows.append((s.name, kind, s.bus, s.phases,
                     s.source.s_rated_mva * 1e3, s.source.p_pre_mw * 1e3, s.source.mode.value,
                     (MODEL7_NOTE if kind == "generator" else "")
                     + inverter.describe(min_per_device=min_per_device), INVERTER_MODEL_SOURCE,
                     np.nan, np.nan, ""))
    inj = model.injections
    # (no machine, no correction: not the transformers' rated ratios, a fresh OpenDSS compile,
    # that a classical study's fault stage never read, #21)
    corrections = ({c.machine: c.text for c in machine_corrections(model)}
                   if model.machines else {})
    for m in model.machines:
        r = inj[inj.name == m.element.name]
        kva = float(r.kva.iat[0]) if len(r) else float("nan")
        rows.append((m.element.name, "generator", m.element.buses[0], "abc", kva,
                     float(r.kw.iat[0]) if len(r) else float("nan"), "generating",
                     f"synchronous machine, X'd = {m.xdp_pu:g} pu, X''d = {m.xdpp_pu:g} pu "
                     "(OpenDSS's model): behind X'd under the classical method (as "
                     "OpenDSS's fault study), behind X''d under IEC 60909; every scenario, "
                     "both cases",
                     "the model's Generator data", m.xdp_pu, m.xdpp_pu,
                     corrections.get(m.element.name, "")))
    src = dss_sources(model)
    existing = src[src.role == "existing source"]
    if len(existing):
        import networkx as nx

        from protv2g.network.dss_graph import dss_feeder_graph

        graph, head = dss_feeder_graph(model), int(src[src.role == "substation"].bus.iat[0])
    for v in existing.itertuples(index=False):
        joined = v.bus >= 0 and nx.has_path(graph, head, int(v.bus))
        rows.append((v.name, "vsource", str(model.buses.index[v.bus]) if v.bus >= 0 else "",
                     "abc", float("nan"), float("nan"),
                     "generating" if joined else "disconnected",
                     (VSOURCE_MODEL if joined else DISCONNECTED_MODEL)
                     + _vsource_data(model, v.name),
                     f"the model's Vsource data ({v.kv_ll:g} kV bus)", np.nan, np.nan, ""))
    t = pd.DataFrame(rows, columns=["name", "kind", "bus", "phases", "kva", "p_pre_kw",
                                    "mode", "fault_model", "source", "xdp_pu", "xdpp_pu",
                                    "iec_correction"])
    return with_size(t, model, inverter.limit_pu, _feeder_kv(model, t["bus"], src))


def _feeder_kv(model: DssModel, buses: pd.Series, src: pd.DataFrame) -> np.ndarray:
    """The kV (line to line) of the feeder each bus hangs on: on its path from the
    substation, the nearest bus of another voltage (its transformer's other side); its own kV
    where none is (NaN: not on the substation's feeder)."""
    import networkx as nx

    from protv2g.network.dss_graph import dss_feeder_graph

    kv = model.buses.kv_ll.to_numpy(float)
    heads = src[src.role == "substation"]
    out = np.full(len(buses), np.nan)
    if not len(heads):
        return out
    graph, head = dss_feeder_graph(model), int(heads.bus.iat[0])
    names = {str(n).lower(): i for i, n in enumerate(model.buses.index)}
    for k, b in enumerate(buses):
        i = names.get(str(b).split(".")[0].lower())
        if i is None or not graph.has_node(i) or not nx.has_path(graph, head, i):
            continue
        path = nx.shortest_path(graph, head, i)
        other = [kv[j] for j in reversed(path) if abs(kv[j] - kv[i]) > 0.01 * kv[i]]
        out[k] = other[0] if other else kv[i]
    return out


#: The size columns of the Existing sources sheet (review rev45a M2: EPRI DG_Prot_Fdr's
#: WindGen1 was listed with a blank kVA, and a signer could not see it feeds 216 A at 0.6 kV).
SIZE_COLUMNS = ["kv_ll", "sc3_mva", "isc3_a", "x_over_r", "feeder_kv", "isc3_feeder_a"]


def with_size(t: pd.DataFrame, model: DssModel, limit_pu: float, feeder_kv: np.ndarray
              ) -> pd.DataFrame:
    """``t`` with each source's three-phase short-circuit size at its terminal as the study
    models it (:data:`SIZE_COLUMNS`): its bus's line-to-line kV; ``sc3_mva`` and ``isc3_a``
    (a Vsource: OpenDSS's own ``MVAsc3`` and ``Isc3`` of its R1/X1; a synchronous machine:
    kVA / X″d, IEC 60909-0 §3.16; an inverter: its first-cycle limit ``limit_pu`` × kVA);
    ``x_over_r`` (a Vsource's X1/R1, NaN for the others); ``isc3_feeder_a``: that current
    referred to the kV of the feeder it hangs on (``feeder_kv``) by the voltage ratio — an
    upper bound of what it adds to a feeder fault, its transformer's impedance (and the
    angle between the two currents) lowering it (EPRI DG_Prot_Fdr, OpenDSS: WindGen1's
    216 A at 0.6 kV, at most 10.4 A at 12.47 kV; the feeder's faults rise 3–4 A with it)."""
    t = t.copy()
    kv = np.array([float(model.buses.kv_ll.get(str(b).split(".")[0].lower(), np.nan))
                   if str(b) else np.nan
                   for b in t["bus"]], float)
    mva = np.full(len(t), np.nan)
    xr = np.full(len(t), np.nan)
    for k, r in enumerate(t.itertuples(index=False)):
        if r.kind == "vsource":
            vals = _vsource_values(model, r.name)
            if vals:
                mva[k] = vals["MVAsc3"]
                xr[k] = vals["X1"] / vals["R1"] if vals["R1"] > 0 else np.inf
        elif np.isfinite(r.xdpp_pu) and r.xdpp_pu > 0:
            mva[k] = r.kva / 1e3 / r.xdpp_pu
        else:
            mva[k] = limit_pu * r.kva / 1e3
    with np.errstate(divide="ignore", invalid="ignore"):
        isc3 = mva / (np.sqrt(3.0) * kv) * 1e3
        t["kv_ll"], t["sc3_mva"], t["isc3_a"], t["x_over_r"] = kv, mva, isc3, xr
        t["feeder_kv"] = feeder_kv
        t["isc3_feeder_a"] = isc3 * kv / feeder_kv
    return t


def _vsource_values(model: DssModel, name: str) -> dict[str, float]:
    """R1, X1, X0 (Ω) and MVAsc3 of a Vsource as OpenDSS holds them; {} when the engine no
    longer holds the element."""
    try:
        vals = {}
        for prop in ("R1", "X1", "X0", "MVAsc3"):
            model.engine.Text.Command(f"? {name}.{prop}")
            vals[prop] = float(model.engine.Text.Result())
    except Exception:  # noqa: BLE001 - another circuit compiled since, or no engine
        return {}
    return vals


def _vsource_data(model: DssModel, name: str) -> str:
    """``"; R1 … Ω, X1 … Ω, … MVA three-phase short circuit"`` as OpenDSS reads the Vsource
    (what the fault runs use: EPRI DG_Prot_Fdr's WindGen1 gives X1 only, and OpenDSS keeps
    R1 = 1.604 Ω, 0.224 MVA); "" when the engine no longer holds the element."""
    vals = _vsource_values(model, name)
    if not vals:
        return ""
    return (f"; R1 = {vals['R1']:.4g} Ω, X1 = {vals['X1']:.4g} Ω: {vals['MVAsc3']:.3g} MVA "
            "three-phase short circuit at its terminal (OpenDSS's values)"
            + vsource_caution(vals["R1"], vals["X1"], vals["X0"]))


#: X/R below which a Vsource standing for a machine is implausible: a synchronous machine's
#: X″d/R is about 6.7–20 (IEC 60909-0:2016 §6.6.1, fictitious R_Gf = 0.05–0.15 X″d), an
#: inverter's or a transformer's well above 1; X/R < 0.5 is a resistor, typically OpenDSS's
#: default R1 where the script gives X1 only.
MIN_MACHINE_X_R = 0.5
#: X0/X1 beyond which Yprim loses X1 in floating point (about 1/eps of a double, 4.5e15,
#: with margin): EPRI DG_Prot_Fdr's WindGen1 writes X0=1e99.
MAX_X0_X1 = 1e12


def vsource_caution(r1_ohm: float, x1_ohm: float, x0_ohm: float) -> str:
    """Why a Vsource's data, as OpenDSS holds them, may not be the machine it stands for
    (review rev32b M2, EPRI DG_Prot_Fdr's WindGen1: X1 = 0.0371 Ω given, R1 = 1.604 Ω,
    OpenDSS's default from basekv 115 kV / MVAsc3 2000 / X1R1 4, and X0 = 1e99: the source
    feeds 3 A at 12.47 kV where the 0.17 pu machine would feed about 384 A). "" when
    nothing is implausible.

    Examples
    --------
    >>> vsource_caution(1.604, 0.0371, 1e99)[:42]
    '; caution: R1 is 43.2 × X1 (X/R 0.023): a '
    >>> vsource_caution(0.01, 0.2, 0.6)
    ''
    """
    out = ""
    if x1_ohm > 0 and r1_ohm > 0 and x1_ohm / r1_ohm < MIN_MACHINE_X_R:
        out += (f"; caution: R1 is {r1_ohm / x1_ohm:.3g} × X1 (X/R {x1_ohm / r1_ohm:.2g}): a "
                "resistor, not a machine (X″d/R 6.7–20, IEC 60909-0 §6.6.1); OpenDSS derives "
                "R1 from MVAsc3 and X1R1 when the script gives X1 without R1: give R1")
    if x1_ohm > 0 and x0_ohm / x1_ohm > MAX_X0_X1:
        out += (f"; X0 = {x0_ohm:.3g} Ω is {x0_ohm / x1_ohm:.1e} × X1: OpenDSS's Yprim "
                "loses X1 beside it in floating point (give X0 ≤ 1e6 Ω for an open "
                "zero-sequence path)")
    return out
