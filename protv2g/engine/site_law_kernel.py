"""The control law of one grid-following site as scalar compiled code (no negative sequence):
``(I1, ∂I1/∂V1, ∂I1/∂V̄1)`` at its terminal voltage — the law the compiled Newton solve
(:mod:`.newton_kernel`) evaluates per column and iteration.

The same equations as :func:`.control_law.injection` with ``k2 = 0`` (active or reactive
priority or constant current inside the current limit, the PLL reference blending into the
pre-fault angle below ``V_PLL``; equations and sources in :mod:`.control_law` and
``docs/charger-fault-model.md``), written out per site so that a column's iterations run in
registers; ``tests/test_newton_kernel.py`` checks it against the numpy law (1e-12 on the
current, 1e-9 on the derivatives). Split from :mod:`.newton_kernel` (which keeps the solver)
to keep both readable.

The small helpers (:func:`_mag`, :func:`_div`, :func:`_unit`, :func:`_phasor`,
:func:`_headroom`) are ordinary compiled functions, not numba IR-inlined (``inline="always"``):
IR inlining typed each of their ≈ 15 call sites again inside :func:`_law`, itself typed once
per wrapper — ≈ 6.5 of the ≈ 50 s CPU a first run spent compiling the depot's faults stage
(#21, session 40: ``site_law_v`` 4.5 → 0.9 s, ``site_law_d`` 2.2 → 1.0 s). LLVM inlines them
where they are called (no call is left in the wrappers' optimised code), so the same
instructions run. :func:`_law` stays IR-inlined in its wrappers: its ``deriv`` branches are
decided there at compile time.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["site_law"]

_TINY = 1e-12


@njit(cache=True)
def _mag(z):  # pragma: no cover - numba
    """``|z|`` as ``√(re² + im²)`` (within an ulp or two of ``abs``, which calls ``hypot``:
    three of them were a third of a law evaluation, #21; no overflow at per-unit values)."""
    return np.sqrt(z.real * z.real + z.imag * z.imag)


@njit(cache=True)
def _div(z, a):  # pragma: no cover - numba
    """``z / a`` for a real ``a > 0``: the operations numba's complex division does for the
    divisor ``a + 0j`` (CPython's ``_Py_c_quot``: ratio ``0/a = +0``, denominator
    ``a + 0·0 = a``), bit for bit, without its branches and third division."""
    return complex((z.real + z.imag * 0.0) / a, (z.imag - z.real * 0.0) / a)


@njit(cache=True)
def _unit(z):  # pragma: no cover - numba
    a = _mag(z)
    if a <= _TINY:
        return 0j, 0j, 0j
    return _div(z, a), 0.5 / a + 0j, _div(-(z * z), 2 * a**3)


@njit(cache=True)
def _phasor(z):  # pragma: no cover - numba
    """``z/|z|`` (0 where ``|z| ≤ 1e-12``): the first value of :func:`_unit` alone."""
    a = _mag(z)
    if a <= _TINY:
        return 0j
    return _div(z, a)


@njit(cache=True)
def _headroom(avail, x, dx_v, dx_a):  # pragma: no cover - numba
    h2 = avail * avail - x * x
    h = np.sqrt(h2) if h2 > 0 else 0.0
    if h > 1e-9:
        return h, -x * dx_v / h, (avail - x * dx_a) / h
    return h, 0.0, 0.0


@njit(cache=True, inline="always")
def _law(v1, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, deriv=True
         ):  # pragma: no cover - numba
    """One grid-following site without negative sequence: ``(I1, ∂I1/∂V1, ∂I1/∂V̄1)``
    (inlined where called: :func:`site_law`, :func:`site_law_d`, :func:`site_law_v`).

    ``code`` 0 active, 1 reactive, 2 constant; ``held``: first-cycle limit at ``φ``;
    ``lam``: PLL continuation (1 tracking, 0 held at the pre-fault angle). As
    :func:`.control_law.injection` with ``track=lam``. ``deriv=False``: the current only
    (same value, both derivatives returned as 0).

    A fourth value, ``bound``, says whether the result read the limit ``lim``: a held site
    or the constant-current law (``avail·e^(−jφ)``), or a branch that caps a component at
    ``avail`` or at the headroom ``√(avail² − x²)``. Where it is False the three values are
    those of the uncapped law (``p/|V|``, ``q/|V|`` or the k-factor current, and their
    derivatives), the same bits whatever ``lim``; and every cap test (``|x| > avail``,
    ``|y| > h``) is monotonic in ``lim`` (rounded products, differences and ``√`` are), so a
    larger limit takes none of them either (#21: the high bracket solved only where the
    sustained limit binds, :func:`.staging.solve_stages`).
    """
    v = _mag(v1)
    u = _phasor(pre)
    below = v < v_pll
    g = v_pll - v if below else 0.0
    r = v1 + g * u
    de = dec = dv = 0j
    if deriv:
        e, de_r, de_rc = _unit(r)
        dv = _div(0.5 * np.conj(v1), v) if v > _TINY else 0j
        dr = 1 - (u * dv if below else 0j)
        drc = -(u * np.conj(dv) if below else 0j)
        de = de_r * dr + de_rc * np.conj(drc)
        dec = de_r * drc + de_rc * np.conj(dr)
    else:
        e = _phasor(r)
    if lam < 1.0:
        if deriv:
            w, dn, dnc = _unit(lam * e + (1 - lam) * u)
            de, dec = (dn * lam * de + dnc * lam * np.conj(dec),
                       dn * lam * dec + dnc * lam * np.conj(de))
        else:
            w = _phasor(lam * e + (1 - lam) * u)
        e = w
    avail = lim if lim > 0 else 0.0
    bound = False
    if held or code == 2:
        c = avail * np.exp(-1j * phi)
        c_v = 0j
        bound = True
    else:
        ve = v if v > _TINY else _TINY
        dve = 1.0 if v > _TINY else 0.0
        sp = np.sign(p)
        id0 = p / ve
        if code == 0:
            if abs(id0) > avail:
                i_d, did_v, did_a = sp * avail, 0.0, sp
                bound = True
            else:
                i_d, did_v, did_a = id0, -p / ve**2 * dve, 0.0
            h, dh_v, _ = _headroom(avail, i_d, did_v, did_a)
            iq0 = q / ve
            if abs(iq0) > h:
                i_q, diq_v = np.sign(q) * h, np.sign(q) * dh_v
                bound = True
            else:
                i_q, diq_v = iq0, -q / ve**2 * dve
        else:
            vr = _mag(pre)
            dip = vr - v - db
            kq = kf * ir
            iq_raw = q / (vr if vr > _TINY else _TINY) + (kq * dip if dip > 0 else 0.0)
            if abs(iq_raw) > avail:
                sq = np.sign(iq_raw)
                i_q, diq_v, diq_a = sq * avail, 0.0, sq
                bound = True
            else:
                i_q, diq_v, diq_a = iq_raw, (-kq if dip > 0 else 0.0), 0.0
            h, dh_v, _ = _headroom(avail, i_q, diq_v, diq_a)
            if abs(id0) > h:
                i_d, did_v = sp * h, sp * dh_v
                bound = True
            else:
                i_d, did_v = id0, -p / ve**2 * dve
        c = i_d - 1j * i_q
        c_v = did_v - 1j * diq_v
    i1 = c * e
    if not deriv:
        return i1, 0j, 0j, bound
    return i1, c * de + e * c_v * dv, c * dec + e * c_v * np.conj(dv), bound


@njit(cache=True)
def site_law(v1, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, deriv=True
             ):  # pragma: no cover - numba
    """One grid-following site without negative sequence: ``(I1, ∂I1/∂V1, ∂I1/∂V̄1)``
    (:func:`_law`, its arguments; ``deriv=False``: the derivatives returned as 0)."""
    i1, d, dc, _ = _law(v1, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, deriv)
    return i1, d, dc


@njit(cache=True)
def site_law_d(v1, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam
               ):  # pragma: no cover - numba
    """:func:`site_law` with its derivatives, compiled for them alone (#21: the Newton
    kernel's calls with ``deriv`` known at compile time — the value-only calls no longer
    carry the derivative branches and divisions, the Newton kernel ≈ 17 % faster a column;
    the same values, bit for bit); with :func:`_law`'s ``bound`` as a fourth value."""
    return _law(v1, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, True)


@njit(cache=True)
def site_law_v(v1, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam
               ):  # pragma: no cover - numba
    """``(I1, bound)`` of :func:`site_law` (``deriv=False``, compiled for it: see
    :func:`site_law_d`; ``bound`` as :func:`_law`'s)."""
    i1, _, _, bound = _law(v1, lim, code, held, p, q, ir, phi, kf, db, pre, v_pll, lam, False)
    return i1, bound
