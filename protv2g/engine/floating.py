"""Floating zero-sequence components: parts of the network without a path to ground (a
delta-fed section, an ungrounded source), found from the zero-sequence admittance matrix, and
the regularising shunt that lets the matrix be factorised (results at floating buses come from
the Z0 = ∞ limit, never from this shunt; :mod:`protv2g.engine.sequence`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["FLOAT_REL_TOL", "Y_REG_REL", "floating_components", "regularise_floating"]

#: a component is "floating" (no path to ground) when the sum of all entries of its admittance
#: matrix — the net shunt admittance, since series branches contribute zero row sums — is below
#: this fraction of the sum of its diagonal magnitudes. Line capacitance (≈ 1e-7 relative on
#: a 12.47 kV feeder) stays physical; an ext_grid with ``x0x = 1e300`` or a delta-fed section
#: (exactly 0) is floating.
FLOAT_REL_TOL = 1e-12

#: regularising shunt at one bus of each floating component, relative to the component's
#: largest diagonal admittance: it only makes the factorisation non-singular; results at
#: floating buses are obtained from the Z0 = ∞ limit, never from this shunt.
Y_REG_REL = 1.0


def floating_components(y: sp.spmatrix) -> tuple[sp.csc_matrix, np.ndarray, np.ndarray]:
    """Component labels and a per-bus flag for components without a shunt to ground.

    Off-diagonal entries below ``FLOAT_REL_TOL·√(|Y_ii|·|Y_jj|)`` are dropped first: pandapower's
    zero-sequence transformer model leaves ~1e-21 pu couplings across a winding that blocks
    zero sequence (e.g. the delta side of a YNd), which would otherwise join the islands.

    Parameters
    ----------
    y : scipy.sparse matrix
        Zero-sequence bus admittance matrix, per unit.

    Returns
    -------
    (y_clean, labels, floating) : tuple
        ``y`` without the negligible couplings, the connected-component label of each bus, and
        ``True`` where the component's net shunt admittance ``|Σ_ij Y_ij|`` is below
        ``FLOAT_REL_TOL·Σ_i |Y_ii|`` (no path to ground).
    """
    from scipy.sparse.csgraph import connected_components

    coo = sp.coo_matrix(y)
    diag = np.abs(y.diagonal())
    off = coo.row != coo.col
    tiny = off & (np.abs(coo.data) <= FLOAT_REL_TOL * np.sqrt(diag[coo.row] * diag[coo.col]))
    keep = ~tiny
    n = y.shape[0]
    y_clean = sp.csc_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=(n, n))
    pattern = sp.csr_matrix((np.ones(keep.sum()), (coo.row[keep], coo.col[keep])), shape=(n, n))
    n_comp, labels = connected_components(pattern, directed=False)
    row_sum = np.asarray(y_clean.sum(axis=1)).ravel()
    shunt = np.abs(np.bincount(labels, weights=row_sum.real, minlength=n_comp)
                   + 1j * np.bincount(labels, weights=row_sum.imag, minlength=n_comp))
    diag_sum = np.bincount(labels, weights=diag, minlength=n_comp)
    comp_floating = shunt <= FLOAT_REL_TOL * np.maximum(diag_sum, np.finfo(float).tiny)
    return y_clean, labels, comp_floating[labels]


def regularise_floating(ybus: sp.csc_matrix, labels: np.ndarray, floating: np.ndarray
                        ) -> sp.csc_matrix:
    """``ybus`` plus a shunt of ``Y_REG_REL·max|Y_ii|`` at the first bus of each floating
    component (so that it can be factorised)."""
    comps, first = np.unique(labels[floating], return_index=True)
    buses = np.flatnonzero(floating)[first]
    diag = np.abs(ybus.diagonal())
    scale = np.array([diag[labels == c].max(initial=0.0) for c in comps])
    scale[scale <= 0] = 1.0
    n = ybus.shape[0]
    return sp.csc_matrix(ybus + sp.csc_matrix((Y_REG_REL * scale, (buses, buses)), shape=(n, n)))
