"""Unbalanced (three-phase) power flows for single-phase V2G sites, and voltage unbalance.

The balanced fast path of :mod:`protv2g.flow.powerflow` treats every site as a balanced
injection. A single-phase charger fleet (``phases: 1`` with ``phase: a|b|c``) injects on one
phase only; :class:`ThreePhaseSolver` solves such steps with ``pandapower.runpp_3ph`` on ONE
working copy of the net (the study net is never modified):

* loads as they are (balanced ``load`` rows, wye, scaled by the step's load fraction;
  ``asymmetric_load`` rows of the net are scaled the same way);
* single-phase sites as ``asymmetric_sgen`` with ``p_<phase>_mw`` = site power (export positive,
  charging negative);
* three-phase sites as balanced ``sgen``.

pandapower's ``runpp_3ph`` takes the ``type`` column of ``load``/``sgen`` rows as their
connection and ignores rows whose type is neither ``"wye"`` nor ``"delta"`` (an ``sgen``'s
default is ``None``, a PV plant's often ``"PV"``): on the working copy such rows are set to
``"wye"`` so that every static generator of the feeder is in the three-phase flow.

``runpp_3ph`` needs zero-sequence data (lines ``r0_ohm_per_km``, ``x0_ohm_per_km``,
``c0_nf_per_km``; transformers ``vk0_percent``, ``vkr0_percent``, ``mag0_percent``,
``mag0_rx``, ``si0_hv_partial``; external grids ``s_sc_max_mva``, ``rx_max``, ``x0x_max``,
``r0x0_max``) and is validated only for earthed transformer vector groups;
:func:`three_phase_readiness` lists what is missing so the caller can report it instead of
inventing numbers.

References
----------
C. L. Fortescue, "Method of symmetrical co-ordinates applied to the solution of polyphase
networks", AIEE Trans. 37 (1918). IEC 61000-4-30:2015 §5.7.2 and IEC 61000-2-12 (voltage
unbalance ``u2 = |U2|/|U1|``). pandapower documentation, "Three phase power flow"
(``runpp_3ph``).
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd

from protv2g.units import A_OP

__all__ = ["SUPPORTED_VECTOR_GROUPS", "ThreePhaseArrays", "ThreePhaseSolver", "residual_ka",
           "sequence_voltages_pu", "three_phase_readiness", "voltage_unbalance_percent"]

#: Transformer vector groups ``runpp_3ph`` is documented to solve (earthed secondary).
SUPPORTED_VECTOR_GROUPS = ("Dyn", "YNyn", "Yyn", "Yzn")

#: Zero-sequence columns ``runpp_3ph`` reads, per table.
_ZERO_SEQUENCE = {
    "line": ("r0_ohm_per_km", "x0_ohm_per_km", "c0_nf_per_km"),
    "trafo": ("vk0_percent", "vkr0_percent", "mag0_percent", "mag0_rx", "si0_hv_partial"),
    "ext_grid": ("s_sc_max_mva", "rx_max", "x0x_max", "r0x0_max"),
}
#: Element tables ``runpp_3ph`` does not model (or this wrapper does not drive).
_UNSUPPORTED_3PH = ("gen", "trafo3w", "storage", "ward", "xward", "motor", "dcline", "svc",
                    "tcsc", "ssc", "vsc", "impedance")

_PHASE_INDEX = {"a": 0, "b": 1, "c": 2}


def sequence_voltages_pu(v_abc_pu: np.ndarray) -> np.ndarray:
    """Zero, positive and negative sequence phasors of phase phasors (Fortescue).

    Parameters
    ----------
    v_abc_pu : (..., 3) complex array
        Phase-to-earth voltage phasors a, b, c, pu (any leading shape).

    Returns
    -------
    (..., 3) complex array
        ``V0, V1, V2`` in pu: ``V0 = (Va + Vb + Vc)/3``, ``V1 = (Va + a·Vb + a²·Vc)/3``,
        ``V2 = (Va + a²·Vb + a·Vc)/3`` with ``a = exp(j·120°)``.
    """
    v = np.asarray(v_abc_pu, dtype=complex)
    a, a2 = A_OP, A_OP**2
    t = np.array([[1.0, 1.0, 1.0], [1.0, a, a2], [1.0, a2, a]]) / 3.0
    return v @ t.T


def residual_ka(s_mva: np.ndarray, v_ln_kv: np.ndarray) -> np.ndarray:
    """Residual current ``3·I0 = |Ia + Ib + Ic|`` into a branch end from its phase powers.

    Each phase current is ``I = conj(S / V)`` (S the phase's complex power into the branch,
    V its phase-to-earth voltage phasor); a missing or dead phase (``V = 0`` or NaN) carries
    no current.

    Parameters
    ----------
    s_mva : (..., 3) complex array
        Complex power into the branch per phase a, b, c, MVA.
    v_ln_kv : (..., 3) complex array
        Phase-to-earth voltage phasors at that end, kV.

    Returns
    -------
    (...,) float array
        ``|Ia + Ib + Ic|``, kA (what a residually connected ground element measures).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        i = np.conj(np.asarray(s_mva, complex) / np.asarray(v_ln_kv, complex))
    i = np.where(np.isfinite(i), i, 0.0)
    return np.abs(i.sum(axis=-1))


def voltage_unbalance_percent(v_abc_pu: np.ndarray) -> np.ndarray:
    """Voltage unbalance factor ``|V2| / |V1| × 100``, %.

    The IEC definition (IEC 61000-4-30 §5.7.2, IEC 61000-2-12; IEEE Std 1159 calls it the
    *voltage unbalance factor*, VUF): negative- over positive-sequence voltage magnitude. It is
    computed here from phase-to-earth phasors; the zero sequence drops out of both terms, so it
    equals the ratio from line-to-line voltages. It is *not* the NEMA MG-1 / ANSI C84.1 Annex D
    "maximum deviation from the average line voltage" ratio (LVUR), which is numerically close
    (within ~15 % of the value) for unbalance of a few percent.

    Parameters
    ----------
    v_abc_pu : (..., 3) complex array
        Phase voltage phasors a, b, c, pu.

    Returns
    -------
    (...,) float array
        Unbalance, % (NaN where ``|V1|`` is 0 or the input is NaN).
    """
    seq = sequence_voltages_pu(v_abc_pu)
    v1 = np.abs(seq[..., 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v1 > 0.0, np.abs(seq[..., 2]) / v1 * 100.0, np.nan)


def three_phase_readiness(net: pp.pandapowerNet) -> list[str]:
    """Why ``runpp_3ph`` cannot solve this net (empty list: it can).

    Checks the zero-sequence data of in-service lines, two-winding transformers and external
    grids, transformer vector groups (:data:`SUPPORTED_VECTOR_GROUPS`) and element tables the
    three-phase flow does not model.

    Parameters
    ----------
    net : pandapowerNet

    Returns
    -------
    list of str
        One human-readable reason per problem.
    """
    reasons = []
    for table, cols in _ZERO_SEQUENCE.items():
        if table not in net or not len(net[table]):
            continue
        df = net[table][net[table].in_service.astype(bool)]
        for col in cols:
            if col not in df.columns:
                if len(df):
                    reasons.append(f"{table}.{col} missing (zero-sequence data)")
                continue
            bad = df.index[pd.to_numeric(df[col], errors="coerce").isna()]
            if len(bad):
                names = ", ".join(str(df.at[i, "name"]) if df.at[i, "name"] else str(i)
                                  for i in bad[:5])
                more = f" (+{len(bad) - 5})" if len(bad) > 5 else ""
                reasons.append(f"{table}.{col} missing for {names}{more} (zero-sequence data)")
    if "trafo" in net and len(net.trafo):
        tr = net.trafo[net.trafo.in_service.astype(bool)]
        vg = tr.get("vector_group", pd.Series(None, index=tr.index))
        for i in tr.index[~vg.isin(SUPPORTED_VECTOR_GROUPS)]:
            name = str(tr.at[i, "name"]) if tr.at[i, "name"] else str(i)
            reasons.append(f"transformer {name}: vector group {vg.at[i]!r} not solved by "
                           f"runpp_3ph (supported: {', '.join(SUPPORTED_VECTOR_GROUPS)})")
    for table in _UNSUPPORTED_3PH:
        if table in net and len(net[table]) and bool(net[table].in_service.any()):
            reasons.append(f"in-service {table} elements are not modelled by runpp_3ph")
    if "ext_grid" not in net or not bool(net.ext_grid.in_service.any()):
        reasons.append("no in-service external grid (runpp_3ph needs one as slack)")
    return reasons


@dataclass
class ThreePhaseArrays:
    """Results of ``n`` three-phase steps (first axis = step), pandapower element order.

    Attributes
    ----------
    v_abc_pu : (n, n_bus, 3) complex
        Phase-to-earth voltage phasors, pu (NaN for unsolved steps / out-of-service buses).
    line_i_from_ka, line_i_to_ka : (n, n_line, 3) float
        Phase current magnitudes at each line end, kA.
    trafo_i_hv_ka, trafo_i_lv_ka : (n, n_trafo, 3) float
        Phase current magnitudes at each transformer side, kA.
    line_loading_percent, trafo_loading_percent : (n, n_line) / (n, n_trafo) float
        pandapower's three-phase loading (largest phase), %.
    line_i_n_from_ka, line_i_n_to_ka, trafo_i_n_hv_ka, trafo_i_n_lv_ka : (n, n_line) /
        (n, n_trafo) float
        Residual current ``3·I0 = |Ia + Ib + Ic|`` at each end, kA (:func:`residual_ka`).
    ok : (n,) bool
        Step solved.
    errors : list of str
        One message per failed step.
    """

    v_abc_pu: np.ndarray
    line_i_from_ka: np.ndarray
    line_i_to_ka: np.ndarray
    trafo_i_hv_ka: np.ndarray
    trafo_i_lv_ka: np.ndarray
    line_loading_percent: np.ndarray
    trafo_loading_percent: np.ndarray
    ok: np.ndarray
    errors: list[str]
    line_i_n_from_ka: np.ndarray
    line_i_n_to_ka: np.ndarray
    trafo_i_n_hv_ka: np.ndarray
    trafo_i_n_lv_ka: np.ndarray

    @property
    def unbalance_percent(self) -> np.ndarray:
        """(n, n_bus) voltage unbalance factor, % (:func:`voltage_unbalance_percent`)."""
        return voltage_unbalance_percent(self.v_abc_pu)


class ThreePhaseSolver:
    """``runpp_3ph`` over many steps on one copy of a feeder net.

    Parameters
    ----------
    net : pandapowerNet
        The feeder (copied once, never modified).
    site_buses : dict
        Site name → pandapower bus index (order = rows of ``site_p_mw`` in :meth:`solve`).
    site_phase : dict
        Site name → ``"a"``, ``"b"`` or ``"c"`` for single-phase sites; absent or ``None`` for
        three-phase sites.

    Raises
    ------
    ValueError
        When :func:`three_phase_readiness` finds a problem (message lists them all).

    Example
    -------
    >>> solver = ThreePhaseSolver(study.net, study.site_buses, {"homes": "a"})  # doctest: +SKIP
    >>> res = solver.solve(np.array([0.3]), np.array([[0.17]]))  # doctest: +SKIP
    >>> res.unbalance_percent.max()  # doctest: +SKIP
    """

    def __init__(self, net: pp.pandapowerNet, site_buses: dict[str, int],
                 site_phase: dict[str, str | None]) -> None:
        reasons = three_phase_readiness(net)
        if reasons:
            raise ValueError("; ".join(reasons))
        self.net = copy.deepcopy(net)
        work = self.net
        self.sites = list(site_buses)
        self._kind: list[tuple[str, int, int]] = []  # (table, index, phase position or -1)
        for name, bus in site_buses.items():
            ph = site_phase.get(name)
            if ph:
                idx = pp.create_asymmetric_sgen(work, int(bus), name=f"v2g:{name}")
                self._kind.append(("asymmetric_sgen", int(idx), _PHASE_INDEX[ph]))
            else:
                idx = pp.create_sgen(work, int(bus), p_mw=0.0, name=f"v2g:{name}")
                self._kind.append(("sgen", int(idx), -1))
        # runpp_3ph reads ``type`` as the connection (wye/delta) and silently skips rows with
        # any other value, e.g. an sgen's default ``None`` or a PV plant's ``"PV"``.
        for table in ("load", "sgen", "asymmetric_load", "asymmetric_sgen"):
            if table in work and len(work[table]):
                typ = work[table]["type"]
                work[table]["type"] = typ.where(typ.isin(("wye", "delta")), "wye")
        self._load_scaling0 = work.load["scaling"].to_numpy(float).copy()
        self._aload_scaling0 = (work.asymmetric_load["scaling"].to_numpy(float).copy()
                                if "asymmetric_load" in work else np.zeros(0))
        # the net's own generators (existing DER), scaled by ``der_fraction``
        ours = {(t, i) for t, i, _ph in self._kind}
        self._der: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for table in ("sgen", "asymmetric_sgen"):
            if table in work and len(work[table]):
                own = np.array([(table, int(i)) not in ours for i in work[table].index])
                self._der[table] = (own, work[table]["scaling"].to_numpy(float).copy())
        self._solved_once = False

    def solve(self, load_fraction: np.ndarray, site_p_mw: np.ndarray,
              der_fraction: np.ndarray | None = None) -> ThreePhaseArrays:
        """Solve ``n`` steps (unity power factor sites).

        Parameters
        ----------
        load_fraction : (n,) array
            Multiplier on every load (1 = the net's own values).
        site_p_mw : (n_sites, n) array
            Site power, MW, positive = export, negative = charging (on the site's phase for a
            single-phase site, spread over three phases for a three-phase site).
        der_fraction : (n,) array, optional
            Multiplier on the net's own (a)symmetric static generators (existing DER;
            default 1).

        Returns
        -------
        ThreePhaseArrays
            Failed steps (pandapower did not converge or raised) are NaN with ``ok`` False.
        """
        net = self.net
        lf = np.atleast_1d(np.asarray(load_fraction, float))
        n = len(lf)
        p = np.asarray(site_p_mw, float).reshape(len(self.sites), n)
        der = np.ones(n) if der_fraction is None else np.asarray(der_fraction, float)
        nb, nl, nt = len(net.bus), len(net.line), len(net.trafo)
        out = ThreePhaseArrays(
            np.full((n, nb, 3), np.nan + 0j), np.full((n, nl, 3), np.nan),
            np.full((n, nl, 3), np.nan), np.full((n, nt, 3), np.nan),
            np.full((n, nt, 3), np.nan), np.full((n, nl), np.nan), np.full((n, nt), np.nan),
            np.zeros(n, bool), [],
            *(np.full((n, k), np.nan) for k in (nl, nl, nt, nt)))
        cols = ("p_a_mw", "p_b_mw", "p_c_mw")
        try:
            for k in range(n):
                net.load["scaling"] = self._load_scaling0 * lf[k]
                if len(self._aload_scaling0):
                    net.asymmetric_load["scaling"] = self._aload_scaling0 * lf[k]
                for table, (own, scaling0) in self._der.items():
                    net[table]["scaling"] = np.where(own, scaling0 * der[k], scaling0)
                for (_table, idx, ph), pk in zip(self._kind, p[:, k], strict=True):
                    if ph < 0:
                        net.sgen.at[idx, "p_mw"] = pk
                    else:
                        for j, col in enumerate(cols):
                            net.asymmetric_sgen.at[idx, col] = pk if j == ph else 0.0
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        pp.runpp_3ph(net, numba=False,
                                     init="results" if self._solved_once else "auto")
                except Exception as exc:  # noqa: BLE001 - pandapower raises many types
                    out.errors.append(f"step {k}: {type(exc).__name__}: {exc}")
                    self._solved_once = False
                    continue
                self._solved_once = True
                self._store(out, k)
        finally:
            net.load["scaling"] = self._load_scaling0
            if len(self._aload_scaling0):
                net.asymmetric_load["scaling"] = self._aload_scaling0
            for table, (_own, scaling0) in self._der.items():
                net[table]["scaling"] = scaling0
        return out

    def _store(self, out: ThreePhaseArrays, k: int) -> None:
        net = self.net
        rb = net.res_bus_3ph
        vm = rb[["vm_a_pu", "vm_b_pu", "vm_c_pu"]].to_numpy(float)
        va = np.radians(rb[["va_a_degree", "va_b_degree", "va_c_degree"]].to_numpy(float))
        out.v_abc_pu[k] = vm * np.exp(1j * va)
        v_ln_kv = out.v_abc_pu[k] * (net.bus.vn_kv.to_numpy(float) / np.sqrt(3.0))[:, None]
        for table, res, ends, i_attr, n_attr, load_attr in (
                ("line", net.res_line_3ph, ("from", "to"), ("line_i_from_ka", "line_i_to_ka"),
                 ("line_i_n_from_ka", "line_i_n_to_ka"), "line_loading_percent"),
                ("trafo", net.res_trafo_3ph, ("hv", "lv"), ("trafo_i_hv_ka", "trafo_i_lv_ka"),
                 ("trafo_i_n_hv_ka", "trafo_i_n_lv_ka"), "trafo_loading_percent")):
            if not len(res):
                continue
            for end, attr, n_at in zip(ends, i_attr, n_attr, strict=True):
                getattr(out, attr)[k] = res[[f"i_{ph}_{end}_ka" for ph in "abc"]].to_numpy(float)
                s_mva = (res[[f"p_{ph}_{end}_mw" for ph in "abc"]].to_numpy(float)
                         + 1j * res[[f"q_{ph}_{end}_mvar" for ph in "abc"]].to_numpy(float))
                bus = net.bus.index.get_indexer(net[table][f"{end}_bus"].to_numpy())
                getattr(out, n_at)[k] = residual_ka(s_mva, v_ln_kv[bus])
            getattr(out, load_attr)[k] = res["loading_percent"].to_numpy(float)
        out.ok[k] = True
