"""Adapter: charger sites on their phases, driven by the law of :mod:`protv2g.engine.chargers`.

This is the ONE place where the phase-domain engine meets the charger model: it converts phase
voltages to what the law takes, the law's currents back to phase currents, and holds the
solve of the site currents for every fault at once. When the law or its solver changes, only
this module changes.

Sites
-----
A three-phase site is one inverter fleet: its phase voltages (pu of the bus's line-to-neutral
base) become sequence voltages ``V1, V2``; the law's ``I1, I2`` become ``Ia, Ib, Ic``. A site on
one or two phases (line-to-neutral) is one single-phase inverter per phase, each with ``1/n`` of
the rating: the law sees that phase's voltage as ``V1`` (``V2 = 0``: a single-phase inverter has
no negative-sequence control) and its ``I1`` is the phase current. The law works in per unit of
``1 MVA / (3·V_LN)``; a single-phase unit of ``S/n`` MVA therefore enters it with a rating of
``3·S/n`` (pre-fault P and Q scaled alike), which makes its rated current ``(S/n)/V_LN``.

Solve
-----
For one fault the site voltages are affine in the site currents, ``V_C = a + B·I_C`` (the fault
eliminated, see :func:`solve_sites`). ``frozen``: every site injects its current limit at its
pre-fault voltage angle (the PLL frozen at inception) — a fixed current, no iteration.
``iterate``: the residual ``F(I_C) = law(a + B·I_C) − I_C = 0`` with the PLL tracking the
terminal voltage, solved by damped Newton on the real and imaginary parts of the site currents
(analytic Jacobian ``∂F/∂I = (∂I_C/∂V_C)·B − 1``, ``∂F/∂Ī = (∂I_C/∂V̄_C)·B̄`` from the law's
own derivatives, :meth:`SiteLaw.jacobian`, every row at once; backtracking halves the step
until ``|F|`` decreases), started from the frozen-PLL currents as
the sequence engine's solver is (:mod:`protv2g.engine.newton`), so both engines find the same
tracking solution. Rows Newton leaves unconverged after :data:`NEWTON_MAX` steps go to the
fixed point ``I_C = law(a + B·I_C)`` (relaxed after 20 steps); rows without a fixed point after
:data:`ITER_MAX_TRACKING` steps are solved again with the PLL held at the pre-fault angle
(flagged ``pll_frozen``, as the sequence engine does); rows still without one are flagged
``unconverged``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from protv2g.engine.chargers import ChargerSource, SiteArrays, charger_arrays
from protv2g.engine.control_law import Injection, to_real_jacobian
from protv2g.engine.control_law import injection as law_injection
from protv2g.engine.faults import A_MATRIX, abc_to_seq
from protv2g.engine.ride_through import applicable_voltages

__all__ = ["PhaseSite", "SiteLaw", "ITER_TOL", "ITER_MAX", "ITER_MAX_TRACKING", "NEWTON_MAX"]

#: convergence tolerance, relative to the largest site current limit
ITER_TOL = 1e-10
ITER_MAX = 200
ITER_MAX_TRACKING = 60
#: Newton steps on the tracking solution before the fixed-point fallback
NEWTON_MAX = 40

#: ``G[(a, b), (p, r)] = A[p, a]·A⁻¹[b, r]`` for ``a, b`` in (1, 2): the phase-domain
#: derivative of a fleet from its sequence derivatives (``_G12C``: ``A⁻¹`` conjugated)
_SEQ12 = np.linalg.inv(A_MATRIX)[1:]
_G12 = np.einsum("pa,br->abpr", A_MATRIX[:, 1:], _SEQ12).reshape(4, 9)
_G12C = np.einsum("pa,br->abpr", A_MATRIX[:, 1:], np.conj(_SEQ12)).reshape(4, 9)


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
        Phases it connects to, line-to-neutral: ``"abc"`` (three-phase), ``"b"``, ``"ac"`` ….
    """

    source: ChargerSource
    bus: str
    phases: str = "abc"

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
        ``(len(sites),)`` line-to-neutral base voltage of each site's bus, V.

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
        self._single = np.array([q for q in range(self.n_cond)
                                 if len(self.sites[self.site_of[q]].phase_index) < 3],
                                dtype=np.int64)
        units3 = [self.sites[i].source for i in three]
        units1 = []
        for q in self._single:
            s = self.sites[self.site_of[q]]
            f = 3.0 / len(s.phase_index)
            src = s.source
            units1.append(replace(src, s_rated_mva=src.s_rated_mva * f,
                                  p_pre_mw=src.p_pre_mw * f, q_pre_mvar=src.q_pre_mvar * f))
        self._p3 = charger_arrays(units3, 1.0)
        self._p1 = charger_arrays(units1, 1.0)
        # per-unit current base of each conductor: 1 MVA / (3·V_LN), A
        self.i_base_a = 1e6 / (3.0 * self.v_base)
        lim = np.zeros(self.n_cond)
        if len(three):
            lim[self._cond3] = self._p3.i_fc[:, None]
        lim[self._single] = self._p1.i_fc
        self.limit_a = lim * self.i_base_a
        # staging units (engine/staging.py's "sites"): each three-phase fleet, then each
        # single-phase inverter (one per conductor of a one- or two-phase site)
        n3 = len(three)
        self.unit_of = np.zeros(self.n_cond, dtype=np.int64)
        if n3:
            self.unit_of[self._cond3] = np.arange(n3)[:, None]
        self.unit_of[self._single] = n3 + np.arange(len(self._single))
        self.n_units = n3 + len(self._single)
        self.unit_site = np.concatenate([self._three, self.site_of[self._single]]
                                        ).astype(np.int64)
        self.unit_phases = tuple(["abc"] * n3 + ["abc"[p] for p in self.phase_of[self._single]])
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

    # ---------------------------------------------------------------- the law, vectorised
    def injection(self, v_c: np.ndarray, v_pre: np.ndarray, freeze: bool = False,
                  lim: np.ndarray | None = None) -> np.ndarray:
        """Site currents for site voltages ``v_c`` ``(m, q)`` V → ``(m, q)`` A.

        ``v_pre`` ``(q,)``: pre-fault voltages (the PLL reference, the grid-forming EMF);
        ``freeze``: the PLL held at the pre-fault angle; ``lim`` ``(m, n_units)``: a later
        stage's current limit of each unit in the law's per unit (``unit_i_sus``, 0 = no
        current), the law unheld — default the first cycle (``unit_i_fc``, held where the
        law holds it).
        """
        return self._inject(v_c, v_pre, freeze, lim, False)[0]

    def jacobian(self, v_c: np.ndarray, v_pre: np.ndarray, freeze: bool = False,
                 lim: np.ndarray | None = None
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
        return self._inject(v_c, v_pre, freeze, lim, True)

    def _inject(self, v_c: np.ndarray, v_pre: np.ndarray, freeze: bool,
                lim: np.ndarray | None, jac: bool) -> tuple:
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
            s = abc_to_seq(u[:, c])               # (m, k3, 3)
            v1, v2 = s[..., 1].T, s[..., 2].T     # (k3, m)
            # the pre-fault reference is the same in every row: transformed once
            ref = np.broadcast_to(abc_to_seq((v_pre / self.v_base)[None, c])[..., 1].T,
                                  v1.shape)
            inj = self._law(self._p3, ref if freeze else v1, v2, ref,
                            None if lim is None else lim[:, :n3].T, jac)
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
        if len(self._single):
            qs = self._single
            v1, ref = u[:, qs].T, u_pre[:, qs].T
            inj = self._law(self._p1, ref if freeze else v1, np.zeros_like(v1), ref,
                            None if lim is None else lim[:, n3:].T, jac)
            out[:, qs] = inj.i1.T
            if jac and not freeze:
                f = self.i_base_a[qs] / self.v_base[qs]
                dv[:, qs, qs] = np.broadcast_to(inj.d[(1, 1)][0], v1.shape).T * f
                dvc[:, qs, qs] = np.broadcast_to(inj.d[(1, 1)][1], v1.shape).T * f
        return out * self.i_base_a, dv, dvc

    @staticmethod
    def _law(p: SiteArrays, v1: np.ndarray, v2: np.ndarray, ref: np.ndarray,
             lim: np.ndarray | None = None, jac: bool = False) -> Injection:
        """:func:`protv2g.engine.control_law.injection`. Without ``lim``, the first-cycle
        stage (each site at its first-cycle limit, held at its angle where the law holds
        it): the same stage as the sequence engine's ordinary (single-stage) arrays. With
        ``lim`` ``(k, m)``, a later stage: the law at that limit, unheld (as
        :func:`protv2g.engine.staging.solve_stages` calls it). ``jac``: with the law's
        Wirtinger derivatives."""
        if not len(p.i_fc):
            z = np.zeros_like(v1)
            return Injection(z, z, {key: (z, z) for key in ((1, 1), (1, 2), (2, 1), (2, 2))})
        e_gfm = None
        if p.gfm.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                i_pre = np.conj(p.s_pre[:, None] / np.where(ref != 0, ref, 1))
            e_gfm = ref + p.law.z_gfm[:, None] * i_pre
        if lim is None:
            return law_injection(v1, v2, p.i_fc[:, None], p.law, ref, hold=p.hold[:, None],
                                 e_gfm=e_gfm, jacobian=jac)
        return law_injection(v1, v2, lim, p.law, ref, e_gfm=e_gfm, jacobian=jac)

    def unit_voltages(self, v_c: np.ndarray, v_pre: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's applicable voltages ``(v_min, v_max)`` ``(m, n_units)``, pu of its
        pre-fault voltage (IEEE 1547-2018 §6.4: "any applicable voltage").

        A three-phase fleet judges its phase voltages without the zero sequence relative to
        ``|V1_pre|`` (:func:`protv2g.engine.ride_through.applicable_voltages`, as the
        sequence engine does: its three-wire connection sees no ``V0``); a single-phase
        inverter its own line-to-neutral voltage relative to its pre-fault value (its
        terminal voltage: the only one it measures; ``docs/charger-fault-model.md``).
        """
        m = v_c.shape[0]
        u = v_c / self.v_base
        u_pre = np.broadcast_to(v_pre / self.v_base, (m, self.n_cond))
        n3 = len(self._three)
        v_min = np.empty((m, self.n_units))
        v_max = np.empty((m, self.n_units))
        if n3:
            s = abc_to_seq(u[:, self._cond3])
            s_pre = abc_to_seq((v_pre / self.v_base)[None, self._cond3])  # one row: all alike
            v_min[:, :n3], v_max[:, :n3] = applicable_voltages(
                s[..., 1], s[..., 2], np.broadcast_to(s_pre[..., 1], (m, n3)))
        if len(self._single):
            q = self._single
            rel = np.abs(u[:, q]) / np.maximum(np.abs(u_pre[:, q]), 1e-12)
            v_min[:, n3:] = v_max[:, n3:] = rel
        return v_min, v_max

    # ---------------------------------------------------------------- the solve
    def solve(self, a: np.ndarray, b: np.ndarray, v_pre: np.ndarray, model: str,
              lim: np.ndarray | None = None, x0: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """Site currents for every fault row at once.

        Parameters
        ----------
        a : numpy.ndarray
            ``(m, q)`` site voltages with the sites at 0 A, V.
        b : numpy.ndarray
            ``(m, q, q)`` ∂V_C/∂I_C with the fault in place, Ω.
        v_pre : numpy.ndarray
            ``(q,)`` pre-fault site voltages, V.
        model : {"iterate", "frozen_pll"}
        lim : numpy.ndarray, optional
            ``(m, n_units)`` a later stage's unit limits (:meth:`injection`); default the
            first cycle.
        x0 : numpy.ndarray, optional
            ``(m, q)`` start (A), e.g. the previous stage's currents; default the
            frozen-PLL injection.

        Returns
        -------
        i_c : numpy.ndarray
            ``(m, q)`` site currents, A (NaN where unconverged).
        pll_frozen, unconverged : numpy.ndarray
            ``(m,)`` bool.
        iterations : int

        Raises
        ------
        ValueError
            Unknown ``model``.
        """
        m = a.shape[0]
        fixed = model == "frozen_pll" and not (self._p3.gfm.any() or self._p1.gfm.any()
                                               or (self._p3.law.k2 > 0).any())
        # the frozen-PLL start, needed where x0 has no value (rows by rows: the law is per row)
        need = (np.arange(m) if x0 is None or fixed
                else np.flatnonzero(~np.isfinite(x0).all(axis=1)))
        i = np.zeros((m, self.n_cond), complex) if x0 is None else np.array(x0, complex)
        if lim is not None and len(need):
            i0 = self.injection(np.broadcast_to(v_pre, (len(need), self.n_cond)), v_pre,
                                freeze=True, lim=lim[need])
        elif len(need):
            i0 = self.injection(v_pre[None, :], v_pre, freeze=True)
        if len(need):
            i[need] = i0 if x0 is None or fixed else np.where(np.isfinite(i[need]), i[need], i0)
        frozen = np.zeros(m, dtype=bool)
        if fixed:
            return i, np.ones(m, dtype=bool) if self.n_cond else frozen, np.zeros(m, bool), 0
        if model not in ("iterate", "frozen_pll"):
            raise ValueError(f"unknown charger model {model!r}; use 'iterate' or 'frozen_pll'")
        tol = ITER_TOL * max(float(self.limit_a.max(initial=0.0)), 1e-12)
        live, its = self._newton(a, b, v_pre, i, tol, lim)
        for freeze in (False, True):
            limit = ITER_MAX if freeze else ITER_MAX_TRACKING
            for it in range(1, limit + 1):
                cur = i[live]
                v = a[live] + np.einsum("mqr,mr->mq", b[live], cur)
                new = self.injection(v, v_pre, freeze=freeze,
                                     lim=None if lim is None else lim[live])
                delta = np.abs(new - cur).max(axis=1, initial=0.0)
                relax = 1.0 if it <= 20 else 0.5
                i[live] = cur + relax * (new - cur)
                its = max(its, it)
                live = live[delta >= tol]
                if not len(live):
                    break
            if not len(live):
                break
            if not freeze:
                frozen[live] = True
        bad = np.zeros(m, dtype=bool)
        bad[live] = True
        i[bad] = np.nan
        return i, frozen, bad, its

    def _newton(self, a: np.ndarray, b: np.ndarray, v_pre: np.ndarray, i: np.ndarray,
                tol: float, lim: np.ndarray | None = None) -> tuple[np.ndarray, int]:
        """Damped Newton on ``F(I) = law(a + B·I) − I`` (PLL tracking) for every row, in place
        on ``i`` ``(m, q)``; returns the rows left unconverged and the step count."""
        m, q = i.shape
        if not q or not m:
            return np.zeros(0, dtype=np.int64), 0

        def volt(rows: np.ndarray, x: np.ndarray) -> np.ndarray:
            return a[rows] + np.einsum("mqr,mr->mq", b[rows], x)

        def resid(rows: np.ndarray, x: np.ndarray) -> np.ndarray:
            return self.injection(volt(rows, x), v_pre,
                                  lim=None if lim is None else lim[rows]) - x

        live = np.arange(m)
        r = resid(live, i)
        eye = np.eye(2 * q)
        its = 0
        for it in range(1, NEWTON_MAX + 1):
            err = np.abs(r).max(axis=1)
            keep = err >= tol
            live, r = live[keep], r[keep]
            if not len(live):
                break
            its = it
            x = i[live]
            # ∂F/∂I = (∂I_C/∂V_C)·B − 1, ∂F/∂Ī = (∂I_C/∂V̄_C)·B̄; real 2q × 2q form
            _, dv, dvc = self.jacobian(volt(live, x), v_pre,
                                       lim=None if lim is None else lim[live])
            bl = b[live]
            jac = to_real_jacobian(dv @ bl, dvc @ np.conj(bl))      # (m, q, q, 2, 2)
            jac = np.transpose(jac, (0, 3, 1, 4, 2)).reshape(len(live), 2 * q, 2 * q) - eye
            rhs = -np.concatenate([r.real, r.imag], axis=1)
            try:
                du = np.linalg.solve(jac, rhs[..., None])[..., 0]
            except np.linalg.LinAlgError:
                du = np.einsum("mij,mj->mi", np.linalg.pinv(jac), rhs)
            dx = du[:, :q] + 1j * du[:, q:]
            norm0 = np.abs(r).max(axis=1)
            xn = x + dx
            rn = resid(live, xn)
            worse = np.flatnonzero(~(np.abs(rn).max(axis=1) < norm0))
            t = 1.0
            for _ in range(7):  # backtracking: halve the step until |F| decreases (those rows)
                if not len(worse):
                    break
                t *= 0.5
                xn[worse] = x[worse] + t * dx[worse]
                rn[worse] = resid(live[worse], xn[worse])
                worse = worse[~(np.abs(rn[worse]).max(axis=1) < norm0[worse])]
            i[live] = xn
            r = rn
        err = np.abs(r).max(axis=1) if len(live) else np.zeros(0)
        return live[err >= tol], its
