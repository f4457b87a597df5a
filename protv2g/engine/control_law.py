"""The charger control law: injected sequence currents as a function of terminal voltage.

Pure, vectorised and independent of any network solver: :func:`injection` maps the terminal
voltages ``(V1, V2)`` of ``k`` sites at ``m`` operating points to their injected currents
``(I1, I2)`` and, on request, the analytic Jacobian (Wirtinger derivatives
``∂I/∂V, ∂I/∂V̄``). The sequence engine (:mod:`.newton`) and a phase-domain engine (through the
sequence components of its terminal voltages) call the same function. Every quantity is in per
unit of one system base (currents positive *into the network*). Equations, parameters, defaults
and sources: ``docs/charger-fault-model.md``.

Grid following (``law`` codes :data:`ACTIVE`, :data:`REACTIVE`, :data:`CONSTANT`), current
limit ``I_lim`` (the stage's limit × rating, 0 when ceased or tripped):

* negative sequence (IEEE 2800-2022 §7.2.2.3 convention): ``I2 = j·k2·I_r·V2`` (leads ``V2`` by
  90°), ``|I2| ≤ I_lim``; the positive sequence gets ``A = I_lim − |I2|`` (so no phase exceeds
  ``I_lim``);
* positive sequence ``I1 = (i_d − j·i_q)·e`` with ``e`` the unit phasor of the PLL reference
  ``r = V1 + max(0, V_PLL − |V1|)·u_pre`` (the terminal voltage, blended into the pre-fault
  angle ``u_pre`` as ``|V1|`` falls below ``V_PLL`` = 0.1 pu, where no PLL tracks);
  ``i_d`` in phase, ``i_q`` lagging (capacitive, voltage support):

  - ``ACTIVE``:  ``i_d = P/|V1|``, ``i_q = Q/|V1|``; beyond ``A`` the active part is kept
    (``|i_d| ≤ A``) and ``|i_q| ≤ √(A² − i_d²)``;
  - ``REACTIVE``: ``i_q = Q/|V1_pre| + k·I_r·max(0, |V1_pre| − |V1| − db)``, ``|i_q| ≤ A``;
    ``i_d = P/|V1|``, ``|i_d| ≤ √(A² − i_q²)``;
  - ``CONSTANT`` (and any site with ``hold``): ``i_d − j·i_q = A·e^(−jφ)`` (the limit at the
    angle ``φ`` behind the voltage).

Grid forming: EMF ``E`` behind ``z``: ``I1 = (E − V1)/z``, ``I2 = −V2/z``, both scaled by
``I_lim/(|I1| + |I2|)`` when that sum exceeds ``I_lim``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LawArrays", "Injection", "injection", "ACTIVE", "REACTIVE", "CONSTANT", "V_PLL_MIN_PU",
           "to_real_jacobian"]

ACTIVE, REACTIVE, CONSTANT = 0, 1, 2

#: below this positive-sequence terminal voltage (pu) the PLL reference blends into the
#: pre-fault angle (held at ``V1 = 0``)
V_PLL_MIN_PU = 0.1

_TINY = 1e-12


@dataclass(frozen=True)
class LawArrays:
    """Per-site parameters of the control law, ``(k,)`` arrays on the system base.

    Every field but ``law`` and ``gfm`` may also be ``(k, m)``: one value per operating point
    (e.g. the same sites in several scenarios solved as one set of columns).

    Attributes
    ----------
    law : numpy.ndarray
        int codes :data:`ACTIVE`, :data:`REACTIVE`, :data:`CONSTANT`.
    gfm : numpy.ndarray
        bool, grid forming (``law`` then unused).
    i_rated : numpy.ndarray
        Rated current of the connected inverters (pu at 1 pu voltage = kVA online / base).
    p, q : numpy.ndarray
        Pre-fault active / reactive power (pu; ``p < 0`` charging, ``q > 0`` injecting vars).
    phi : numpy.ndarray
        Angle (rad) by which a held (constant) current lags the PLL reference.
    k_factor, deadband : numpy.ndarray
        Reactive-current gain (pu current per pu dip) and dip dead band (pu).
    k2 : numpy.ndarray
        Negative-sequence gain (pu current per pu ``V2``).
    z_gfm : numpy.ndarray
        Grid-forming source impedance (complex pu, system base).
    """

    law: np.ndarray
    gfm: np.ndarray
    i_rated: np.ndarray
    p: np.ndarray
    q: np.ndarray
    phi: np.ndarray
    k_factor: np.ndarray
    deadband: np.ndarray
    k2: np.ndarray
    z_gfm: np.ndarray

    def __post_init__(self) -> None:
        bad = ~np.isin(self.law, (ACTIVE, REACTIVE, CONSTANT)) & ~np.asarray(self.gfm, bool)
        if bad.any():
            raise ValueError(f"unknown control-law code(s) {np.unique(self.law[bad])}; "
                             f"allowed: {ACTIVE} active, {REACTIVE} reactive, {CONSTANT} "
                             "constant")

    def take_cols(self, cols: np.ndarray) -> LawArrays:
        """Per-column parameters (fields given as ``(k, m)``) of the columns ``cols``; ``(k,)``
        fields are shared by all columns. A column's parameters are gathered as a row of the
        transpose (``(k, len(cols))`` views of C-ordered rows, as
        :func:`~protv2g.engine.chargers.stack_sites` makes them: no copy in the kernels)."""
        return LawArrays(**{f: (x.T[cols].T if np.ndim(x) == 2 else x) for f, x in
                            ((f, getattr(self, f)) for f in self.__dataclass_fields__)})


@dataclass
class Injection:
    """Result of :func:`injection`: currents ``i1, i2`` ``(k, m)`` and, when asked, the
    Wirtinger derivatives ``d[(a, b)] = (∂I_a/∂V_b, ∂I_a/∂V̄_b)`` for ``a, b`` in ``(1, 2)``."""

    i1: np.ndarray
    i2: np.ndarray
    d: dict | None = None


def _col(x: np.ndarray) -> np.ndarray:
    """A ``(k,)`` parameter as a column ``(k, 1)``; ``(k, m)`` per-point parameters as given."""
    x = np.asarray(x)
    return x if x.ndim == 2 else x[:, None]


def _unit(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``e = z/|z|`` and its Wirtinger derivatives ``(e, ∂e/∂z, ∂e/∂z̄)`` (0 at ``z = 0``)."""
    a = np.abs(z)
    ok = a > _TINY
    s = np.where(ok, a, 1.0)
    e = np.where(ok, z / s, 0)
    return e, np.where(ok, 0.5 / s, 0), np.where(ok, -(z * z) / (2 * s**3), 0)


def injection(v1: np.ndarray, v2: np.ndarray, i_lim: np.ndarray, law: LawArrays,
              v1_pre: np.ndarray, *, hold: np.ndarray | None = None,
              e_gfm: np.ndarray | None = None, freeze: np.ndarray | None = None,
              track: np.ndarray | float | None = None, jacobian: bool = False) -> Injection:
    """Injected sequence currents of ``k`` sites for terminal voltages ``v1, v2``.

    Parameters
    ----------
    v1, v2 : numpy.ndarray
        ``(k, m)`` positive/negative-sequence terminal voltages (complex pu).
    i_lim : numpy.ndarray
        ``(k, m)`` or ``(k, 1)`` current limit (pu; 0 = no current: ceased or tripped).
    law : LawArrays
    v1_pre : numpy.ndarray
        ``(k, m)`` pre-fault positive-sequence voltage (its angle holds the PLL at ``V1 → 0``,
        its magnitude is the reference of the dip).
    hold : numpy.ndarray, optional
        ``(k, 1)`` or ``(k, m)`` bool: the site injects its limit at ``φ`` whatever its law
        (first cycle / high bracket).
    e_gfm : numpy.ndarray, optional
        ``(k, m)`` grid-forming EMF (needed when ``law.gfm`` has any ``True``).
    freeze : numpy.ndarray, optional
        ``(k, m)`` or ``(m,)`` bool: PLL held at the pre-fault angle (no tracking).
    track : float or numpy.ndarray, optional
        Continuation parameter ``λ`` in ``[0, 1]`` (the solver's homotopy from the frozen to
        the tracking PLL): reference ``normalize(λ·e + (1 − λ)·u_pre)``; default 1.
    jacobian : bool
        Also return the Wirtinger derivatives.

    Returns
    -------
    Injection

    Examples
    --------
    >>> import numpy as np
    >>> lw = LawArrays(law=np.array([ACTIVE]), gfm=np.array([False]), i_rated=np.ones(1),
    ...                p=np.array([0.5]), q=np.zeros(1), phi=np.zeros(1),
    ...                k_factor=np.full(1, 2.0), deadband=np.zeros(1), k2=np.zeros(1),
    ...                z_gfm=np.zeros(1, complex))
    >>> inj = injection(np.array([[0.5 + 0j]]), np.zeros((1, 1)), np.full((1, 1), 1.1), lw,
    ...                 np.ones((1, 1), complex))
    >>> round(float(abs(inj.i1[0, 0])), 6)  # P/|V| = 0.5/0.5, below the 1.1 limit
    1.0
    """
    v1 = np.asarray(v1, complex)
    v2 = np.asarray(v2, complex)
    shape = np.broadcast_shapes(v1.shape, v2.shape)
    v1 = np.broadcast_to(v1, shape)
    v2 = np.broadcast_to(v2, shape)
    lim = np.broadcast_to(np.asarray(i_lim, float), shape)
    pre = np.broadcast_to(np.asarray(v1_pre, complex), shape)
    i1, i2, d = _gfl(v1, v2, lim, law, pre, hold, freeze, track, jacobian)
    if law.gfm.any():
        if e_gfm is None:
            raise ValueError("grid-forming sites need their EMF e_gfm")
        g1, g2, dg = _gfm(v1, v2, lim, law.z_gfm, np.broadcast_to(e_gfm, shape), jacobian)
        sel = _col(law.gfm)
        i1 = np.where(sel, g1, i1)
        i2 = np.where(sel, g2, i2)
        if jacobian:
            d = {key: tuple(np.where(sel, a, b) for a, b in zip(dg[key], d[key], strict=True))
                 for key in d}
    return Injection(i1=i1, i2=i2, d=d)


def _gfl(v1, v2, lim, law, pre, hold, freeze, track, jac):
    zero = np.zeros(v1.shape, complex)
    ir = _col(law.i_rated)
    # ---- negative sequence: I2 = j·k2·I_r·V2, |I2| ≤ I_lim
    k2 = _col(law.k2)
    e2, de2, de2c = _unit(v2)
    a2_raw = k2 * ir * np.abs(v2)
    clip2 = a2_raw > lim
    i2 = np.where(clip2, lim * 1j * e2, 1j * k2 * ir * v2)
    a2 = np.minimum(a2_raw, lim)
    avail = np.maximum(lim - a2, 0.0)
    # ∂A/∂V2 (A real: ∂A/∂V̄2 = conj)
    da = np.where(clip2, 0, -k2 * ir * 0.5 * np.where(np.abs(v2) > _TINY, np.conj(e2), 0))
    # ---- PLL reference and its unit phasor
    v = np.abs(v1)
    u, _, _ = _unit(pre)
    below = v < V_PLL_MIN_PU
    g = np.where(below, V_PLL_MIN_PU - v, 0.0)
    r = v1 + g * u
    e, de_r, de_rc = _unit(r)
    dv = np.where(v > _TINY, 0.5 * np.conj(v1) / np.where(v > _TINY, v, 1), 0)  # ∂|V1|/∂V1
    dr = 1 - np.where(below, u * dv, 0)            # ∂r/∂V1
    drc = -np.where(below, u * np.conj(dv), 0)     # ∂r/∂V̄1
    de = de_r * dr + de_rc * np.conj(drc)
    dec = de_r * drc + de_rc * np.conj(dr)
    if track is not None:  # homotopy: w = λ·e + (1 − λ)·u, reference w/|w|
        lam = np.broadcast_to(track if np.ndim(track) != 1 else track[None, :], v1.shape)
        w, dn, dnc = _unit(lam * e + (1 - lam) * u)
        de, dec = (dn * lam * de + dnc * lam * np.conj(dec),
                   dn * lam * dec + dnc * lam * np.conj(de))
        e = w
    if freeze is not None:
        fz = np.broadcast_to(freeze if np.ndim(freeze) != 1 else freeze[None, :], v1.shape)
        e = np.where(fz, u, e)
        de = np.where(fz, 0, de)
        dec = np.where(fz, 0, dec)
    # ---- in-phase / quadrature currents c = i_d − j·i_q as functions of (|V1|, A)
    c, c_v, c_a = _dq(v, avail, law, np.abs(pre), hold)
    i1 = c * e
    d = None
    if jac:
        d = {(1, 1): (c * de + e * c_v * dv, c * dec + e * c_v * np.conj(dv)),
             (1, 2): (e * c_a * da, e * c_a * np.conj(da)),
             (2, 2): (np.where(clip2, lim * 1j * de2, 1j * k2 * ir), np.where(clip2, lim * 1j
                                                                            * de2c, 0)),
             (2, 1): (zero, zero)}
    return i1, i2, d


def _dq(v, avail, law, v_ref, hold):
    """``c = i_d − j·i_q`` and its derivatives by ``|V1|`` and by ``A`` (complex, real args)."""
    p, q, ir = _col(law.p), _col(law.q), _col(law.i_rated)
    code = _col(law.law)
    held = code == CONSTANT
    if hold is not None:
        held = held | np.asarray(hold, bool)
    held = np.broadcast_to(held, v.shape)
    # constant current (and held sites); the other laws only where some site uses them
    rot = np.exp(-1j * _col(law.phi)) * np.ones_like(v)
    out = [avail * rot, np.zeros_like(rot), rot]
    for code_k, fn in ((ACTIVE, _active), (REACTIVE, _reactive)):
        sel = ~held & (code == code_k)
        if np.any(sel):
            for i, x in enumerate(fn(v, avail, p, q, ir, v_ref, law)):
                out[i] = np.where(sel, x, out[i])
    return tuple(out)


def _active(v, avail, p, q, ir, v_ref, law):
    """Active-power priority: ``(c, ∂c/∂|V1|, ∂c/∂A)``."""
    sp = np.sign(p)
    ve = np.maximum(v, _TINY)
    dve = (v > _TINY).astype(float)
    id0 = p / ve
    cap = np.abs(id0) > avail
    i_d = np.where(cap, sp * avail, id0)
    did_v = np.where(cap, 0.0, -p / ve**2 * dve)
    did_a = np.where(cap, sp, 0.0)
    iq0 = q / ve
    h, dh_v, dh_a = _headroom(avail, i_d, did_v, did_a)
    capq = np.abs(iq0) > h
    sq = np.sign(q)
    i_q = np.where(capq, sq * h, iq0)
    diq_v = np.where(capq, sq * dh_v, -q / ve**2 * dve)
    diq_a = np.where(capq, sq * dh_a, 0.0)
    return i_d - 1j * i_q, did_v - 1j * diq_v, did_a - 1j * diq_a


def _reactive(v, avail, p, q, ir, v_ref, law):
    """Reactive-current priority with k-factor: ``(c, ∂c/∂|V1|, ∂c/∂A)``."""
    ve = np.maximum(v, _TINY)
    dve = (v > _TINY).astype(float)
    sp = np.sign(p)
    id0 = p / ve
    dip = v_ref - v - _col(law.deadband)
    on = dip > 0
    kq = _col(law.k_factor) * ir
    iq_raw = q / np.maximum(v_ref, _TINY) + kq * np.where(on, dip, 0.0)
    capq = np.abs(iq_raw) > avail
    sq = np.sign(iq_raw)
    r_iq = np.where(capq, sq * avail, iq_raw)
    r_diq_v = np.where(capq, 0.0, np.where(on, -kq, 0.0))
    r_diq_a = np.where(capq, sq, 0.0)
    h, dh_v, dh_a = _headroom(avail, r_iq, r_diq_v, r_diq_a)
    capd = np.abs(id0) > h
    r_id = np.where(capd, sp * h, id0)
    r_did_v = np.where(capd, sp * dh_v, -p / ve**2 * dve)
    r_did_a = np.where(capd, sp * dh_a, 0.0)
    return r_id - 1j * r_iq, r_did_v - 1j * r_diq_v, r_did_a - 1j * r_diq_a


def _headroom(avail, x, dx_v, dx_a):
    """``h = √(A² − x²)`` (≥ 0) and its derivatives by ``|V1|`` and ``A``."""
    h2 = np.maximum(avail**2 - x**2, 0.0)
    h = np.sqrt(h2)
    ok = h > 1e-9
    hs = np.where(ok, h, 1.0)
    return h, np.where(ok, -x * dx_v / hs, 0.0), np.where(ok, (avail - x * dx_a) / hs, 0.0)


def _gfm(v1, v2, lim, z_gfm, e_gfm, jac):
    z = _col(z_gfm)
    zs = np.where(z != 0, z, 1.0)
    w1 = np.where(z != 0, (e_gfm - v1) / zs, 0)
    w2 = np.where(z != 0, -v2 / zs, 0)
    a1, a2 = np.abs(w1), np.abs(w2)
    tot = a1 + a2
    over = tot > lim
    s = np.where(over, lim / np.where(tot > 0, tot, 1.0), 1.0)
    i1, i2 = s * w1, s * w2
    d = None
    if jac:
        dw = np.where(z != 0, -1 / zs, 0) * np.ones_like(v1)  # ∂w1/∂V1 = ∂w2/∂V2
        n1 = np.where(a1 > _TINY, np.conj(w1) / (2 * np.where(a1 > _TINY, a1, 1)), 0)
        n2 = np.where(a2 > _TINY, np.conj(w2) / (2 * np.where(a2 > _TINY, a2, 1)), 0)
        # ∂|w|/∂V = (w̄/2|w|)·∂w/∂V ; ∂|w|/∂V̄ = (w/2|w|)·conj(∂w/∂V) = conj(∂|w|/∂V)
        ds_k = np.where(over, -lim / np.where(tot > 0, tot, 1.0) ** 2, 0)
        ds1 = ds_k * n1 * dw
        ds2 = ds_k * n2 * dw
        d = {(1, 1): (s * dw + w1 * ds1, w1 * np.conj(ds1)),
             (1, 2): (w1 * ds2, w1 * np.conj(ds2)),
             (2, 1): (w2 * ds1, w2 * np.conj(ds1)),
             (2, 2): (s * dw + w2 * ds2, w2 * np.conj(ds2))}
    return i1, i2, d


def to_real_jacobian(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Real 2×2 Jacobian ``∂(Re f, Im f)/∂(Re z, Im z)`` from Wirtinger derivatives
    ``a = ∂f/∂z``, ``b = ∂f/∂z̄`` (shape ``(..., 2, 2)``)."""
    s, t = a + b, a - b
    return np.stack([np.stack([s.real, -t.imag], -1), np.stack([s.imag, t.real], -1)], -2)
