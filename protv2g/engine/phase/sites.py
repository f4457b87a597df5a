"""Adapter: charger sites on their phases, driven by the law of :mod:`protv2g.engine.chargers`.

This is the ONE place where the phase-domain engine meets the charger model: it converts phase
voltages to what the law takes and the law's currents back to phase currents; the solve of
the site currents for every fault at once is :mod:`.site_solve`'s. When the law or its solver
changes, only these two modules change.

Sites
-----
A three-phase site is one inverter fleet: its phase voltages (pu of the bus's line-to-neutral
base) become sequence voltages ``V1, V2``; the law's ``I1, I2`` become ``Ia, Ib, Ic``. A site on
one or two phases (line-to-neutral) is one single-phase inverter per phase, each with ``1/n`` of
the rating: the law sees that phase's voltage as ``V1`` (``V2 = 0``: a single-phase inverter has
no negative-sequence control) and its ``I1`` is the phase current. The law works in per unit of
``1 MVA / (3·V_b)``; a single-phase unit of ``S/n`` MVA therefore enters it with a rating of
``3·S/n`` (pre-fault P and Q scaled alike), which makes its rated current ``(S/n)/V_LN``.

A line-to-line site (``PhaseSite.line_to_line``: a 240 V charger across the two legs of a
split-phase secondary, 208 V between two phases of a 208Y/120 V service, a unit between two
phases of a 3-wire delta feeder) is ONE single-phase inverter of the whole ``S`` between its two
conductors ``x, y``: the law sees ``(V_x − V_y)/V_b`` as ``V1`` and its ``I1`` drives ``+I``
into ``x`` and ``−I`` into ``y`` (nothing to ground or a neutral: the two currents sum to zero).
Its base ``V_b`` is the nominal voltage between the two conductors
(:func:`protv2g.network.dss_site_base.site_kv_between`: ``2·V_LN`` across split-phase legs,
``√3·V_LN`` between two phases), so its rated current is ``S/V_LL``. The unit maps ``S``,
``T`` say exactly this (a row ``(+1, −1)/V_b`` of ``S``, a column ``(+1, −1)·i_b`` of ``T``);
the solvers are the same for every unit.

Solve
-----
For one fault the site voltages are affine in the site currents, ``V_C = a + B·I_C``;
:meth:`SiteLaw.solve` finds the currents of every fault row at once
(:func:`.site_solve.solve_sites`: the sequence engine's compiled Newton on the units' own
``I1`` where the law allows, the numpy Newton on the phase currents and its fallbacks
elsewhere). The law's transforms it needs are here: :attr:`SiteLaw.unit_maps`,
:attr:`SiteLaw.unit_law`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from protv2g.engine.chargers import ChargerSource, SiteArrays, charger_arrays
from protv2g.engine.control_law import Injection, LawArrays
from protv2g.engine.control_law import injection as law_injection
from protv2g.engine.faults import A_MATRIX
from protv2g.engine.phase.site_solve import (
    ITER_MAX,
    ITER_MAX_TRACKING,
    ITER_TOL,
    NEWTON_MAX,
    solve_sites,
)
from protv2g.engine.phase.unit_block import unit_conductors, unit_matrix
from protv2g.engine.ride_through import applicable_voltages

__all__ = ["PhaseSite", "SiteLaw", "ITER_TOL", "ITER_MAX", "ITER_MAX_TRACKING", "NEWTON_MAX"]

#: ``G[(a, b), (p, r)] = A[p, a]·A⁻¹[b, r]`` for ``a, b`` in (1, 2): the phase-domain
#: derivative of a fleet from its sequence derivatives (``_G12C``: ``A⁻¹`` conjugated)
_SEQ12 = np.linalg.inv(A_MATRIX)[1:]
_G12 = np.einsum("pa,br->abpr", A_MATRIX[:, 1:], _SEQ12).reshape(4, 9)
_G12C = np.einsum("pa,br->abpr", A_MATRIX[:, 1:], np.conj(_SEQ12)).reshape(4, 9)
_A_INV = np.linalg.inv(A_MATRIX)


def _abc_to_seq(x: np.ndarray) -> np.ndarray:
    """:func:`protv2g.engine.faults.abc_to_seq` (``V012 = A⁻¹·Vabc`` on the last axis) as an
    einsum: three columns wide, a BLAS call costs more in its threads than in its arithmetic
    on a shared machine."""
    return np.einsum("...p,sp->...s", x, _A_INV)


@dataclass(frozen=True)
class PhaseSite:
    """A V2G site at a bus of an OpenDSS model, on its phases.

    Parameters
    ----------
    source : ChargerSource
        The control-law parameters (rating, limit, angle rule, mode, pre-fault P/Q, ``k2``…);
        its ``bus`` field is not used.
    bus : str
        OpenDSS bus name.
    phases : str
        Phases it connects to: ``"abc"`` (three-phase), ``"b"``, ``"ac"`` … (line to neutral,
        one single-phase unit per phase); with ``line_to_line`` the two conductors of its one
        unit, in the order it reads them (``"ab"``: ``V_a − V_b``, ``+I`` into ``a``).
    line_to_line : bool
        One single-phase unit of the whole site between the two conductors of ``phases``
        (module docstring).

    Raises
    ------
    ValueError
        ``line_to_line`` without two distinct phases.
    """

    source: ChargerSource
    bus: str
    phases: str = "abc"
    line_to_line: bool = False

    def __post_init__(self) -> None:
        if self.line_to_line and (len(self.phases) != 2
                                  or len(set(self.phases.lower())) != 2):
            raise ValueError(f"site {self.source.name}: a line-to-line unit needs two distinct "
                             f"phases, got {self.phases!r}")

    @property
    def name(self) -> str:
        """The site's name (from ``source``)."""
        return self.source.name

    @property
    def phase_index(self) -> tuple[int, ...]:
        """Phases as ``0 = a, 1 = b, 2 = c`` in order."""
        return tuple(sorted("abc".index(p) for p in self.phases.lower()))


class SiteLaw:
    """The control law of ``sites`` on their conductors (see the module docstring).

    Parameters
    ----------
    sites : sequence of PhaseSite
    v_base_v : numpy.ndarray
        ``(len(sites),)`` base voltage of each site, V: line to neutral of its bus, or for a
        line-to-line site the nominal voltage between its two conductors
        (:func:`.first_cycle.site_base`).

    Attributes
    ----------
    n_cond : int
        Number of site conductors ``q`` (the order: site by site, phase by phase).
    site_of : numpy.ndarray
        ``(q,)`` site of each conductor; ``phase_of`` ``(q,)`` its phase.
    """

    def __init__(self, sites, v_base_v: np.ndarray) -> None:  # noqa: ANN001
        self.sites = tuple(sites)
        self.site_of = np.array([i for i, s in enumerate(self.sites) for _ in s.phase_index],
                                dtype=np.int64)
        self.phase_of = np.array([p for s in self.sites for p in s.phase_index], dtype=np.int64)
        self.n_cond = len(self.site_of)
        self.v_base = np.asarray(v_base_v, dtype=float)[self.site_of]
        three = [i for i, s in enumerate(self.sites) if len(s.phase_index) == 3]
        self._three = np.array(three, dtype=np.int64)
        self._cond3 = np.array([[q for q in range(self.n_cond) if self.site_of[q] == i]
                                for i in three], dtype=np.int64).reshape(len(three), 3)
        units3 = [self.sites[i].source for i in three]
        # single-phase units, site by site: one per conductor of a line-to-neutral site
        # (1/n of it), one per line-to-line site (all of it, on two conductors): each unit's
        # first conductor c0 with its sign sg (+1 for the conductor the unit reads first) and
        # its second c1 (−1: none), which carries −sg
        units1, c0, c1, sg = [], [], [], []
        for i, st in enumerate(self.sites):
            if len(st.phase_index) == 3:
                continue
            qs = [q for q in range(self.n_cond) if self.site_of[q] == i]
            src = st.source
            if st.line_to_line:
                first = "abc".index(st.phases.lower()[0])
                groups = [(qs[0], qs[1], 1.0 if self.phase_of[qs[0]] == first else -1.0, 3.0)]
            else:
                groups = [(q, -1, 1.0, 3.0 / len(st.phase_index)) for q in qs]
            for q0, q1, sign, f in groups:
                c0.append(q0)
                c1.append(q1)
                sg.append(sign)
                units1.append(replace(src, s_rated_mva=src.s_rated_mva * f,
                                      p_pre_mw=src.p_pre_mw * f, q_pre_mvar=src.q_pre_mvar * f))
        self._c0 = np.array(c0, dtype=np.int64)
        self._c1 = np.array(c1, dtype=np.int64)
        self._sg = np.array(sg, dtype=float)
        self._two = np.flatnonzero(self._c1 >= 0)
        self._p3 = charger_arrays(units3, 1.0)
        self._p1 = charger_arrays(units1, 1.0)
        # per-unit current base of each conductor: 1 MVA / (3·V_b), A (V_b: its site's base)
        self.i_base_a = 1e6 / (3.0 * self.v_base)
        lim = np.zeros(self.n_cond)
        if len(three):
            lim[self._cond3] = self._p3.i_fc[:, None]
        lim[self._c0] = self._p1.i_fc
        lim[self._c1[self._two]] = self._p1.i_fc[self._two]
        self.limit_a = lim * self.i_base_a
        # staging units (engine/staging.py's "sites"): each three-phase fleet, then each
        # single-phase inverter (one per conductor of a one- or two-phase site, one per
        # line-to-line site)
        n3, n1 = len(three), len(self._c0)
        self.unit_of = np.zeros(self.n_cond, dtype=np.int64)
        if n3:
            self.unit_of[self._cond3] = np.arange(n3)[:, None]
        self.unit_of[self._c0] = n3 + np.arange(n1)
        self.unit_of[self._c1[self._two]] = n3 + self._two
        self.n_units = n3 + n1
        self.unit_site = np.concatenate([self._three, self.site_of[self._c0]]).astype(np.int64)
        self.unit_phases = tuple(["abc"] * n3 + [
            self.sites[self.site_of[q]].phases.lower() if q1 >= 0 else "abc"[self.phase_of[q]]
            for q, q1 in zip(self._c0, self._c1, strict=True)])
        self.unit_i_fc = np.concatenate([self._p3.i_fc, self._p1.i_fc])
        self.unit_i_sus = np.concatenate([self._p3.i_sus, self._p1.i_sus])
        self.unit_mc_pu = np.concatenate([self._p3.mc_pu, self._p1.mc_pu])
        n_e = max(self._p3.trip_pickup.shape[1], self._p1.trip_pickup.shape[1])

        def pad(x: np.ndarray, fill: float | bool) -> np.ndarray:
            return np.concatenate([x, np.full((len(x), n_e - x.shape[1]), fill, x.dtype)],
                                  axis=1)

        self.unit_trip_uv = np.concatenate([pad(self._p3.trip_uv, False),
                                            pad(self._p1.trip_uv, False)])
        self.unit_trip_pickup = np.concatenate([pad(self._p3.trip_pickup, np.nan),
                                                pad(self._p1.trip_pickup, np.nan)])
        self.unit_trip_clearing_s = np.concatenate([pad(self._p3.trip_clearing_s, np.inf),
                                                    pad(self._p1.trip_clearing_s, np.inf)])
        #: whether any unit changes after the first cycle (law, limit, cessation, trip)
        self.dynamic = bool(self._p3.dynamic or self._p1.dynamic)
        #: every unit's law (fleets, then single-phase inverters) and first-cycle hold
        self.unit_law = LawArrays(**{f.name: np.concatenate(
            [getattr(self._p3.law, f.name), getattr(self._p1.law, f.name)])
            for f in fields(LawArrays)})
        self.unit_hold = np.concatenate([self._p3.hold, self._p1.hold]).astype(bool)
        #: a fleet injects negative sequence (a single-phase inverter sees no ``V2``)
        self.k2_any = bool((self._p3.law.k2 > 0).any())
        # T (q, u): conductor currents of the units' I1 (law pu); S (u, q): the units' law
        # voltages (V1 of a fleet, the phase voltage of a single-phase inverter, pu) of the
        # conductor voltages (V); P (u, q): the units' I1 of conductor currents in T's range
        t = np.zeros((self.n_cond, self.n_units), complex)
        s_ = np.zeros((self.n_units, self.n_cond), complex)
        p_ = np.zeros((self.n_units, self.n_cond), complex)
        for k, c in enumerate(self._cond3):
            t[c, k] = A_MATRIX[:, 1] * self.i_base_a[c]
            s_[k, c] = _SEQ12[0] / self.v_base[c]
            p_[k, c] = _SEQ12[0] / self.i_base_a[c]
        for j, (q0, q1, sign) in enumerate(zip(self._c0, self._c1, self._sg, strict=True)):
            cq = ((q0, sign),) if q1 < 0 else ((q0, sign), (q1, -sign))
            for q, w in cq:
                t[q, n3 + j] = w * self.i_base_a[q]
                s_[n3 + j, q] = w / self.v_base[q]
                # P·T = 1 on the unit's column: the mean of its conductors' signed currents
                p_[n3 + j, q] = w / (len(cq) * self.i_base_a[q])
        self.unit_maps = (t, s_)
        self.unit_maps_inverse = p_
        #: each unit's conductors in ``S`` and ``T`` (:func:`.unit_block.unit_conductors`)
        self.unit_conductors = unit_conductors(s_, t)

    # ---------------------------------------------------------------- the law, vectorised
    def injection(self, v_c: np.ndarray, v_pre: np.ndarray, freeze: bool = False,
                  lim: np.ndarray | None = None, held: np.ndarray | None = None
                  ) -> np.ndarray:
        """Site currents for site voltages ``v_c`` ``(m, q)`` V → ``(m, q)`` A.

        ``v_pre`` ``(q,)``: pre-fault voltages (the PLL reference, the grid-forming EMF);
        ``freeze``: every unit at its pre-fault operating point (the PLL held at the
        pre-fault angle, the law fed the pre-fault voltage: a fixed current); ``lim``
        ``(m, n_units)``: a later stage's current limit of each unit in the law's per unit
        (``unit_i_sus``, 0 = no current), the law unheld — default the first cycle
        (``unit_i_fc``, held where the law holds it); ``held`` ``(m, n_units)`` bool: those
        units' PLL held at the pre-fault angle, their law still fed ``|V|`` (units a bolted
        fault cuts off from every source, :mod:`.cut_off`).
        """
        return self._inject(v_c, v_pre, freeze, lim, False, held)[0]

    def jacobian(self, v_c: np.ndarray, v_pre: np.ndarray, freeze: bool = False,
                 lim: np.ndarray | None = None, held: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`injection` and its Wirtinger derivatives by the site voltages.

        Returns ``(i_c, di_dv, di_dvc)``: ``(m, q)`` A and ``∂I_C/∂V_C``, ``∂I_C/∂V̄_C``
        ``(m, q, q)`` S (block diagonal by unit). Chain rule through the transforms of
        :meth:`injection` — three-phase fleet ``I_abc = i_b·A[:, 1:]·(I1, I2)``, ``(V1, V2) =
        A⁻¹[1:, :]·V_abc / v_b`` (the conjugate transform for ``∂/∂V̄``); single-phase unit
        ``I = i_b·I1(V/v_b)`` — of the law's own derivatives
        (:func:`protv2g.engine.control_law.injection` with ``jacobian=True``). Every branch of
        the law is differentiable apart from its switching surfaces (limits reached, ``|V1|``
        at the PLL floor), where the derivative is one-sided.
        """
        return self._inject(v_c, v_pre, freeze, lim, True, held)

    def _inject(self, v_c: np.ndarray, v_pre: np.ndarray, freeze: bool,
                lim: np.ndarray | None, jac: bool, held: np.ndarray | None = None) -> tuple:
        m, q = v_c.shape[0], self.n_cond
        n3 = len(self._three)
        out = np.zeros((m, q), dtype=complex)
        dv = dvc = None
        if jac:
            dv, dvc = np.zeros((m, q, q), complex), np.zeros((m, q, q), complex)
        u = v_c / self.v_base
        u_pre = np.broadcast_to(v_pre / self.v_base, (m, q))
        if n3:
            c = self._cond3
            s = _abc_to_seq(u[:, c])               # (m, k3, 3)
            v1, v2 = s[..., 1].T, s[..., 2].T     # (k3, m)
            # the pre-fault reference is the same in every row: transformed once
            ref = np.broadcast_to(_abc_to_seq((v_pre / self.v_base)[None, c])[..., 1].T,
                                  v1.shape)
            inj = self._law(self._p3, ref if freeze else v1, v2, ref,
                            None if lim is None else lim[:, :n3].T, jac,
                            None if held is None else held[:, :n3].T)
            i012 = np.stack([np.zeros_like(inj.i1), inj.i1, inj.i2], axis=-1)  # (k3, m, 3)
            out[:, c] = np.einsum("kmj,pj->mkp", i012, A_MATRIX)  # no BLAS: see Terminals
            if jac:
                # ∂I_abc/∂V_abc = A[:, a]·(∂I_a/∂V_b)·A⁻¹[b, :] summed over a, b in (1, 2)
                # (A⁻¹ conjugated for ∂/∂V̄); the frozen PLL's I1 takes no V1
                scale = self.i_base_a[c][..., :, None] / self.v_base[c][..., None, :]
                for n, (dst, g) in enumerate(((dv, _G12), (dvc, _G12C))):
                    w = np.zeros(v1.shape + (4,), complex)          # (k3, m, (a, b))
                    for j, key in enumerate(((1, 1), (1, 2), (2, 1), (2, 2))):
                        if not (freeze and key[1] == 1):
                            w[..., j] = inj.d[key][n]
                    blk = np.einsum("kmj,jl->kml", w, g).reshape(n3, m, 3, 3)
                    for k in range(n3):
                        dst[:, c[k][:, None], c[k][None, :]] = blk[k] * scale[k]
        if len(self._c0):
            # the units' law voltages S_1·V_C (pu): a line-to-line unit (V_x − V_y)/V_b; the
            # conductor currents T_1·I1: +I into x, −I into y (scaled by i_b at the end)
            c0, c1, sg, two = self._c0, self._c1[self._two], self._sg, self._two
            v1, ref = self._unit_v(u), self._unit_v(u_pre)
            inj = self._law(self._p1, ref if freeze else v1, np.zeros_like(v1), ref,
                            None if lim is None else lim[:, n3:].T, jac,
                            None if held is None else held[:, n3:].T)
            out[:, c0] = inj.i1.T * sg
            out[:, c1] = -inj.i1.T[:, two] * sg[two]
            if jac and not freeze:
                # ∂I_C/∂V_C = T_1·diag(∂I1/∂V1)·S_1: ±f on the unit's conductor pairs
                f = self.i_base_a[c0] / self.v_base[c0]
                for dst, d in ((dv, inj.d[(1, 1)][0]), (dvc, inj.d[(1, 1)][1])):
                    d = np.broadcast_to(d, v1.shape).T * f
                    dst[:, c0, c0] = d
                    if len(two):
                        dt = d[:, two]
                        dst[:, c1, c1] = dt
                        dst[:, c0[two], c1] = -dt
                        dst[:, c1, c0[two]] = -dt
        return out * self.i_base_a, dv, dvc

    def _unit_v(self, u: np.ndarray) -> np.ndarray:
        """The single-phase units' law voltages ``(n1, m)`` of conductor voltages ``u``
        ``(m, q)`` pu of each conductor's base: ``sg·u[c0]`` (exactly ``u`` for a
        line-to-neutral unit), ``sg·(u[c0] − u[c1])`` for a line-to-line one."""
        v1 = (u[:, self._c0] * self._sg).T.copy()
        if len(self._two):
            t = self._two
            v1[t] = ((u[:, self._c0[t]] - u[:, self._c1[t]]) * self._sg[t]).T
        return v1

    @staticmethod
    def _law(p: SiteArrays, v1: np.ndarray, v2: np.ndarray, ref: np.ndarray,
             lim: np.ndarray | None = None, jac: bool = False,
             held: np.ndarray | None = None) -> Injection:
        """:func:`protv2g.engine.control_law.injection`. Without ``lim``, the first-cycle
        stage (each site at its first-cycle limit, held at its angle where the law holds
        it): the same stage as the sequence engine's ordinary (single-stage) arrays. With
        ``lim`` ``(k, m)``, a later stage: the law at that limit, unheld (as
        :func:`protv2g.engine.staging.solve_stages` calls it). ``jac``: with the law's
        Wirtinger derivatives. ``held`` ``(k, m)`` bool: the law's ``freeze`` (PLL at the
        pre-fault angle)."""
        if not len(p.i_fc):
            z = np.zeros_like(v1)
            return Injection(z, z, {key: (z, z) for key in ((1, 1), (1, 2), (2, 1), (2, 2))})
        e_gfm = None
        if p.gfm.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                i_pre = np.conj(p.s_pre[:, None] / np.where(ref != 0, ref, 1))
            e_gfm = ref + p.law.z_gfm[:, None] * i_pre
        if held is not None and not held.any():
            held = None
        if lim is None:
            return law_injection(v1, v2, p.i_fc[:, None], p.law, ref, hold=p.hold[:, None],
                                 e_gfm=e_gfm, freeze=held, jacobian=jac)
        return law_injection(v1, v2, lim, p.law, ref, e_gfm=e_gfm, freeze=held, jacobian=jac)

    def unit_voltages(self, v_c: np.ndarray, v_pre: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's applicable voltages ``(v_min, v_max)`` ``(m, n_units)``, pu of its
        pre-fault voltage (IEEE 1547-2018 §6.4: "any applicable voltage").

        A three-phase fleet judges its phase voltages without the zero sequence relative to
        ``|V1_pre|`` (:func:`protv2g.engine.ride_through.applicable_voltages`, as the
        sequence engine does: its three-wire connection sees no ``V0``); a single-phase
        inverter its own line-to-neutral voltage relative to its pre-fault value (its
        terminal voltage: the only one it measures; ``docs/charger-fault-model.md``), a
        line-to-line one the voltage between its two conductors.
        """
        m = v_c.shape[0]
        u = v_c / self.v_base
        u_pre = np.broadcast_to(v_pre / self.v_base, (m, self.n_cond))
        n3 = len(self._three)
        v_min = np.empty((m, self.n_units))
        v_max = np.empty((m, self.n_units))
        if n3:
            s = _abc_to_seq(u[:, self._cond3])
            s_pre = _abc_to_seq((v_pre / self.v_base)[None, self._cond3])  # one row: all alike
            v_min[:, :n3], v_max[:, :n3] = applicable_voltages(
                s[..., 1], s[..., 2], np.broadcast_to(s_pre[..., 1], (m, n3)))
        if len(self._c0):
            rel = (np.abs(self._unit_v(u)) / np.maximum(np.abs(self._unit_v(u_pre)), 1e-12)).T
            v_min[:, n3:] = v_max[:, n3:] = rel
        return v_min, v_max

    # ---------------------------------------------------------------- the solve
    def solve(self, a: np.ndarray, b: np.ndarray, v_pre: np.ndarray, model: str,
              lim: np.ndarray | None = None, x0: np.ndarray | None = None,
              mb: np.ndarray | None = None, held: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Site currents for every fault row at once: :func:`.site_solve.solve_sites`
        (``mb``: :meth:`unit_matrix` of ``b`` when the caller has it; ``held``
        ``(m, n_units)``: units with the PLL held, :mod:`.cut_off`)."""
        return solve_sites(self, a, b, v_pre, model, lim, x0, mb, held)

    @property
    def unit_first(self) -> bool:
        """Whether the solve's first attempt is the units' own Newton (grid following,
        no negative sequence: :func:`.site_solve.solve_sites`), which reads
        :meth:`unit_matrix`."""
        return bool(self.n_cond) and not (self.unit_law.gfm.any() or self.k2_any)

    def unit_matrix(self, b: np.ndarray) -> np.ndarray:
        """``S·B·T`` ``(m, u, u)`` of ``b`` ``(m, q, q)``: the units' ``∂V_u/∂x``
        (:func:`.unit_block.unit_matrix`; row by row, so rows may be taken from it)."""
        t, s = self.unit_maps
        return unit_matrix(b, s, t, self.unit_conductors)
