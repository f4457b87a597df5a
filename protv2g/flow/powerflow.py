"""Scenario power flows: many load/export steps on one copy of the feeder net.

``FlowSolver`` copies the study net **once**, adds one static generator per V2G site (export
positive, charging negative) and runs ``pandapower.runpp`` once to get pandapower's own element
models (lines, transformers with tap position and shift, shunts, external grid) as the internal
``Ybus``, ``Yf``, ``Yt``. Every further step then reuses that admittance matrix:

* **fast path** (constant-power loads and sgens, external grid slack, no PV generators, no
  controllers): the fixed-point ("implicit Z-bus Gauss") iteration
  ``V_p ← Y_pp⁻¹ (conj(S_p / V_p) − Y_ps V_s)`` with ``Y_pp`` LU-factorised once and *all steps
  solved together* as one multi-column right-hand side (tolerance 1e-9 pu). Branch currents are
  ``Yf·V``, ``Yt·V``. Results equal ``runpp`` to ~1e-8 pu (tested).
* **fallback**: ``runpp(init="results")`` per step on the same copy (PV generators, voltage
  dependent loads, controllers such as tap changers, or a step that does not converge).

Nothing is written into ``study.net``.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from protv2g.flow.pandapower_der import PandapowerDer
from protv2g.flow.triangular import NUMBA_MIN_BUSES, TriangularLU
from protv2g.units import SQRT3

__all__ = ["FlowSolver", "FlowArrays"]

_UNSUPPORTED = ("gen", "storage", "ward", "xward", "motor", "dcline", "svc", "tcsc", "ssc",
                "vsc", "asymmetric_load", "asymmetric_sgen")


@dataclass
class FlowArrays:
    """Power-flow results of ``n`` steps (first axis = step), pandapower element order.

    Attributes
    ----------
    v_pu : (n, n_bus) complex
        Bus voltage phasors (pu, angle in the system reference); NaN for out-of-service buses.
    line_s_from_mva, line_s_to_mva : (n, n_line) complex
        Power into the line at its from/to end, MW + j Mvar.
    line_i_from_ka, line_i_to_ka : (n, n_line) complex
        Current phasor into the line at each end, kA.
    trafo_s_hv_mva, trafo_s_lv_mva, trafo_i_hv_ka, trafo_i_lv_ka : (n, n_trafo) complex
        The same for two-winding transformers (hv / lv side).
    line_loading_percent, trafo_loading_percent : (n, n_line) / (n, n_trafo) float
        As pandapower computes them.
    solver : str
        ``fixed_point`` or ``runpp``.
    iterations : int
        Fixed-point iterations used (0 for runpp).
    """

    v_pu: np.ndarray
    line_s_from_mva: np.ndarray
    line_s_to_mva: np.ndarray
    line_i_from_ka: np.ndarray
    line_i_to_ka: np.ndarray
    trafo_s_hv_mva: np.ndarray
    trafo_s_lv_mva: np.ndarray
    trafo_i_hv_ka: np.ndarray
    trafo_i_lv_ka: np.ndarray
    line_loading_percent: np.ndarray
    trafo_loading_percent: np.ndarray
    solver: str = "fixed_point"
    iterations: int = 0


def _in_service(net: pp.pandapowerNet, table: str) -> bool:
    return table in net and len(net[table]) > 0 and bool(net[table]["in_service"].any())


class FlowSolver:
    """Power flows of one feeder with V2G site injections, many steps on one net copy.

    Parameters
    ----------
    net : pandapowerNet
        The feeder (copied once, never modified).
    site_buses : dict
        Site name → pandapower bus index.
    force_runpp : bool
        Use ``runpp`` for every step (reference / benchmark).

    Example
    -------
    >>> solver = FlowSolver(study.net, study.site_buses)  # doctest: +SKIP
    >>> res = solver.solve(np.array([1.0, 0.3]), np.array([[5.0, 5.0]]))  # doctest: +SKIP
    """

    def __init__(self, net: pp.pandapowerNet, site_buses: dict[str, int], *,
                 force_runpp: bool = False, tol_pu: float = 1e-9, max_iter: int = 60) -> None:
        self.net = copy.deepcopy(net)
        self.sites = list(site_buses)
        self.tol_pu = tol_pu
        self.max_iter = max_iter
        work = self.net
        self._sgen_idx = np.array(
            [pp.create_sgen(work, int(b), p_mw=0.0, q_mvar=0.0, name=f"v2g:{s}")
             for s, b in site_buses.items()], dtype=np.int64)
        self._load_scaling0 = work.load["scaling"].to_numpy(float).copy()
        self._load_cols0 = work.load[["p_mw", "q_mvar"]].to_numpy(float).copy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pp.runpp(work, numba=False)
        self.reason = self._fast_path_reason()
        self.fast = (not force_runpp) and self.reason == ""
        if self.fast:
            self._prepare()

    # ------------------------------------------------------------------ set-up
    def _fast_path_reason(self) -> str:
        net = self.net
        for table in _UNSUPPORTED:
            if _in_service(net, table):
                return f"in-service {table} elements"
        if len(net.controller):
            return "controllers (tap changers, …) need runpp(run_control=True)"
        for col in ("const_z_percent", "const_i_percent", "const_z_p_percent",
                    "const_i_p_percent", "const_z_q_percent", "const_i_q_percent"):
            if col in net.load and (net.load[col].fillna(0) != 0).any():
                return "voltage-dependent loads"
        if "trafo3w" in net and len(net.trafo3w):
            return "three-winding transformers"
        if "baseMVA" not in (getattr(net, "_ppc", None) or {}).get("internal", {}):
            # pandapower solves a net without branches (one bus) without an internal case
            return "no internal pandapower case (a net without branches)"
        return ""

    def _prepare(self) -> None:
        net = self.net
        ppci = net._ppc["internal"]
        self.base_mva = float(ppci["baseMVA"])
        ybus = ppci["Ybus"].tocsr()
        n = ybus.shape[0]
        ref = np.asarray(ppci["ref"], dtype=np.int64)
        pv = np.asarray(ppci["pv"], dtype=np.int64)
        if len(pv):
            self.fast = False
            self.reason = "PV buses"
            return
        pq = np.setdiff1d(np.arange(n), ref)
        self._n = n
        self._ref, self._pq = ref, pq
        self._lu = spla.splu(ybus[pq][:, pq].tocsc())
        self._tri = TriangularLU(self._lu) if n >= NUMBA_MIN_BUSES else None
        self._y_ps = ybus[pq][:, ref].tocsr()
        self._v_ref = ppci["bus"][ref, 7] * np.exp(1j * np.radians(ppci["bus"][ref, 8]))
        self._v0 = ppci["V"].copy() if "V" in ppci and ppci["V"] is not None else None
        lookup = net._pd2ppc_lookups["bus"]
        bus_idx = net.bus.index.to_numpy()
        ppci_of_bus = lookup[bus_idx]
        self._bus_ok = (ppci_of_bus >= 0) & (ppci_of_bus < n) & net.bus.in_service.to_numpy()
        self._bus_ppci = np.where(self._bus_ok, ppci_of_bus, 0)

        def injector(table: str) -> sp.csr_matrix:
            df = net[table]
            rows = lookup[df.bus.to_numpy()]
            ok = df.in_service.to_numpy() & (rows < n)
            return sp.csr_matrix((np.ones(ok.sum()), (rows[ok], np.flatnonzero(ok))),
                                 shape=(n, len(df)))

        self._c_load = injector("load")
        self._c_sgen = injector("sgen")
        sg = net.sgen
        s_sgen = (sg.p_mw.to_numpy() + 1j * sg.q_mvar.to_numpy()) * sg.scaling.to_numpy()
        s_sgen[self._sgen_idx_pos()] = 0.0
        self._s_static = self._c_sgen @ s_sgen / self.base_mva
        ld = net.load
        s_load = (ld.p_mw.to_numpy() + 1j * ld.q_mvar.to_numpy()) * ld.scaling.to_numpy()
        self._s_load = -(self._c_load @ s_load) / self.base_mva
        site_rows = lookup[net.sgen.bus.to_numpy()[self._sgen_idx_pos()]]
        self._c_site = sp.csr_matrix((np.ones(len(site_rows)), (site_rows,
                                                                 np.arange(len(site_rows)))),
                                     shape=(n, len(site_rows)))
        # branches
        yf, yt = ppci["Yf"].tocsr(), ppci["Yt"].tocsr()
        br = ppci["branch"]
        self._f = np.real(br[:, 0]).astype(np.int64)
        self._t = np.real(br[:, 1]).astype(np.int64)
        self._yf, self._yt = yf, yt
        branch_is = np.asarray(ppci.get("branch_is", np.ones(len(net._ppc["branch"]), bool)))
        ppc_to_ppci = np.where(branch_is, np.cumsum(branch_is) - 1, -1)
        lk = net._pd2ppc_lookups["branch"]
        self._line_br = self._branch_rows(lk, "line", len(net.line), ppc_to_ppci)
        self._trafo_br = self._branch_rows(lk, "trafo", len(net.trafo), ppc_to_ppci)
        vn = net.bus.vn_kv
        self._line_kv = (vn.loc[net.line.from_bus].to_numpy(), vn.loc[net.line.to_bus].to_numpy())
        self._trafo_kv = (vn.loc[net.trafo.hv_bus].to_numpy(), vn.loc[net.trafo.lv_bus].to_numpy())

    @staticmethod
    def _branch_rows(lk: dict, element: str, count: int, ppc_to_ppci: np.ndarray) -> np.ndarray:
        if element not in lk or count == 0:
            return np.full(count, -1, dtype=np.int64)
        start, _end = lk[element]
        return ppc_to_ppci[start:start + count]

    def _sgen_idx_pos(self) -> np.ndarray:
        return self.net.sgen.index.get_indexer(self._sgen_idx)

    # ------------------------------------------------------------------ solving
    def solve(self, load_fraction: np.ndarray, site_p_mw: np.ndarray,
              site_q_mvar: np.ndarray | None = None,
              der_fraction: np.ndarray | None = None) -> FlowArrays:
        """Solve ``n`` steps.

        Parameters
        ----------
        load_fraction : (n,) array
            Multiplier on every load (1 = the net's own values, i.e. peak).
        site_p_mw : (n_sites, n) array
            Site injection, MW, positive = export, negative = charging.
        site_q_mvar : (n_sites, n) array, optional
            Site reactive injection, Mvar (default 0: unity power factor).
        der_fraction : (n,) array, optional
            Multiplier on the net's existing DER (default 1; 0: off, C8's charging snapshots):
            sgen, gen, discharging storage (:mod:`protv2g.flow.pandapower_der`).

        Returns
        -------
        FlowArrays
        """
        lf = np.atleast_1d(np.asarray(load_fraction, float))
        p = np.asarray(site_p_mw, float).reshape(len(self.sites), len(lf))
        q = np.zeros_like(p) if site_q_mvar is None else np.asarray(site_q_mvar, float)
        der = (np.ones(len(lf)) if der_fraction is None
               else np.broadcast_to(np.asarray(der_fraction, float), lf.shape))
        if not self.fast:
            return self._solve_runpp(lf, p, q, der)
        out, bad = self._solve_fixed_point(lf, p, q, der)
        if bad.any():  # steps the fixed point could not solve: pandapower's Newton-Raphson
            ref = self._solve_runpp(lf[bad], p[:, bad], q[:, bad], der[bad])
            for name in ("v_pu", "line_s_from_mva", "line_s_to_mva", "line_i_from_ka",
                         "line_i_to_ka", "trafo_s_hv_mva", "trafo_s_lv_mva", "trafo_i_hv_ka",
                         "trafo_i_lv_ka", "line_loading_percent", "trafo_loading_percent"):
                getattr(out, name)[bad] = getattr(ref, name)
            out.solver = f"fixed_point+runpp({int(bad.sum())} steps)"
        return out

    def _solve_fixed_point(self, lf: np.ndarray, p: np.ndarray, q: np.ndarray,
                           der: np.ndarray) -> tuple[FlowArrays, np.ndarray]:
        """All steps at once; returns the results and a mask of unconverged steps."""
        s = (self._s_static[:, None] * der[None, :] + self._s_load[:, None] * lf[None, :]
             + self._c_site @ ((p + 1j * q) / self.base_mva))
        s_p = s[self._pq]
        v = np.empty((self._n, len(lf)), complex)
        v[self._ref] = self._v_ref[:, None]
        v0 = self._v0 if self._v0 is not None else np.ones(self._n, complex)
        v_p = np.repeat(v0[self._pq, None], len(lf), axis=1)
        rhs_ref = -(self._y_ps @ self._v_ref)[:, None]
        it = 0
        for it in range(1, self.max_iter + 1):  # noqa: B007
            rhs = np.conj(s_p / v_p) + rhs_ref
            v_new = (self._tri.solve(rhs) if self._tri is not None
                     else self._lu.solve(np.asfortranarray(rhs)))
            err = (np.max(np.abs(v_new - v_p), axis=0) if v_new.size
                   else np.zeros(len(lf)))
            v_p = np.where(np.isfinite(v_new), v_new, 1.0)
            if (err < self.tol_pu).all():
                break
        bad = ~(err < self.tol_pu)
        v[self._pq] = v_p
        return self._branch_results(v.T, it), bad

    def _branch_results(self, v_ppci: np.ndarray, iterations: int) -> FlowArrays:
        """Element results from ppci voltages ``(n_steps, n_ppci)``."""
        net = self.net
        n_steps = v_ppci.shape[0]
        v_bus = np.full((n_steps, len(net.bus)), np.nan + 0j)
        v_bus[:, self._bus_ok] = v_ppci[:, self._bus_ppci[self._bus_ok]]
        i_f = (self._yf @ v_ppci.T).T
        i_t = (self._yt @ v_ppci.T).T
        s_f = v_ppci[:, self._f] * np.conj(i_f) * self.base_mva
        s_t = v_ppci[:, self._t] * np.conj(i_t) * self.base_mva

        def take(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
            out = np.zeros((n_steps, len(rows)), complex)
            ok = rows >= 0
            out[:, ok] = x[:, rows[ok]]
            return out

        ibase = self.base_mva / SQRT3
        li_f = take(i_f, self._line_br) * ibase / self._line_kv[0]
        li_t = take(i_t, self._line_br) * ibase / self._line_kv[1]
        ti_h = take(i_f, self._trafo_br) * ibase / self._trafo_kv[0]
        ti_l = take(i_t, self._trafo_br) * ibase / self._trafo_kv[1]
        line = net.line
        with np.errstate(divide="ignore", invalid="ignore"):
            i_max = line.max_i_ka.to_numpy() * line.df.to_numpy() * line.parallel.to_numpy()
            l_load = np.maximum(np.abs(li_f), np.abs(li_t)) / i_max * 100.0
            tr = net.trafo
            t_load = (np.maximum(np.abs(ti_h) * tr.vn_hv_kv.to_numpy(),
                                 np.abs(ti_l) * tr.vn_lv_kv.to_numpy()) * SQRT3
                      / tr.sn_mva.to_numpy() * 100.0 / tr.df.to_numpy() / tr.parallel.to_numpy())
        return FlowArrays(v_bus, take(s_f, self._line_br), take(s_t, self._line_br), li_f, li_t,
                          take(s_f, self._trafo_br), take(s_t, self._trafo_br), ti_h, ti_l,
                          l_load, t_load, "fixed_point", iterations)

    def _solve_runpp(self, lf: np.ndarray, p: np.ndarray, q: np.ndarray,
                     der: np.ndarray | None = None) -> FlowArrays:
        net = self.net
        der = np.ones(len(lf)) if der is None else der
        existing = PandapowerDer.read(net, self._sgen_idx)  # sgen, gen, discharging storage
        n_steps = len(lf)
        nb, nl, nt = len(net.bus), len(net.line), len(net.trafo)
        out = FlowArrays(*(np.full((n_steps, k), np.nan + 0j) for k in
                           (nb, nl, nl, nl, nl, nt, nt, nt, nt)),
                         np.full((n_steps, nl), np.nan), np.full((n_steps, nt), np.nan),
                         solver="runpp", iterations=0)
        control = len(net.controller) > 0
        for k in range(n_steps):
            net.load["scaling"] = self._load_scaling0 * lf[k]
            existing.apply(net, float(der[k]))
            net.sgen.loc[self._sgen_idx, "p_mw"] = p[:, k]
            net.sgen.loc[self._sgen_idx, "q_mvar"] = q[:, k]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pp.runpp(net, init="results", numba=True, run_control=control)
            rb = net.res_bus
            out.v_pu[k] = rb.vm_pu.to_numpy() * np.exp(1j * np.radians(rb.va_degree.to_numpy()))
            for prefix, res, ends, buses in (
                    ("line", net.res_line, ("from", "to"), (net.line.from_bus, net.line.to_bus)),
                    ("trafo", net.res_trafo, ("hv", "lv"), (net.trafo.hv_bus, net.trafo.lv_bus))):
                if not len(res):
                    continue
                for end, bus in zip(ends, buses, strict=True):
                    s = res[f"p_{end}_mw"].to_numpy() + 1j * res[f"q_{end}_mvar"].to_numpy()
                    v = out.v_pu[k][net.bus.index.get_indexer(bus)]
                    v_kv = v * net.bus.vn_kv.loc[bus].to_numpy() / SQRT3
                    with np.errstate(divide="ignore", invalid="ignore"):
                        i = np.conj(s / (3.0 * v_kv))
                    attr = {"line": {"from": "line_s_from_mva", "to": "line_s_to_mva"},
                            "trafo": {"hv": "trafo_s_hv_mva", "lv": "trafo_s_lv_mva"}}
                    getattr(out, attr[prefix][end])[k] = s
                    getattr(out, attr[prefix][end].replace("_s_", "_i_")
                            .replace("_mva", "_ka"))[k] = i
                getattr(out, f"{prefix}_loading_percent")[k] = res.loading_percent.to_numpy()
        net.load["scaling"] = self._load_scaling0
        existing.restore(net)
        return out
