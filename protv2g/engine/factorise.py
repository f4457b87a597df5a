"""Factorisation of a sequence network's admittance matrix: the radial tree factor where it
holds (:func:`~protv2g.engine.zbus.tree_factor`), SuperLU (COLAMD ordering) where the network
is meshed or the tree meets a (near) zero pivot, and a singular matrix reported as an input
error naming the fix.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from protv2g.engine.zbus import TreeFactor, tree_factor
from protv2g.errors import InputError, Issue

__all__ = ["PIVOT_REL_TOL", "factorise", "tree_and_lu"]


#: A tree pivot at most this fraction of the largest diagonal admittance counts as (near)
#: zero: the matrix is then factorised by SuperLU at once (:func:`_weak_pivot`). A numerical
#: guard, not physics: an exactly singular radial matrix (an island without a path to
#: ground) leaves a pivot of round-off size (≈ 1e-16 relative) or zero; a grounded network's
#: smallest pivot (the source's admittance beside its lines') is many orders above it.
PIVOT_REL_TOL = 1e-10


def _weak_pivot(tree: TreeFactor, y_pu: sp.spmatrix) -> bool:
    """Whether the tree's elimination of ``y_pu`` has a pivot that is not finite or not above
    :data:`PIVOT_REL_TOL` × its largest diagonal magnitude."""
    scale = float(np.abs(y_pu.diagonal()).max(initial=0.0))
    d = np.abs(tree.d)
    return bool(not np.isfinite(d).all() or (d <= PIVOT_REL_TOL * scale).any())


def tree_and_lu(y_pu: sp.spmatrix) -> tuple[TreeFactor | None, object | None]:
    """``(tree factor or None, SuperLU or None)`` of a sequence network's ``y_pu``.

    A radial network's solves are the tree passes: its LU is left to be made on first use
    (``None``, :attr:`SequenceData.lu`; #21). Where the tree's elimination meets a pivot
    that is (near) zero (:func:`_weak_pivot`) or the network is meshed, the LU is made now,
    as before, so that a singular matrix is reported by its error as it always was.

    Raises
    ------
    InputError
        When the matrix is exactly singular (:func:`factorise`).
    """
    try:
        tree = tree_factor(y_pu)
    except ZeroDivisionError:
        factorise(y_pu)  # the singular-matrix error where SuperLU finds one
        raise
    return tree, (factorise(y_pu) if tree is None or _weak_pivot(tree, y_pu) else None)


def factorise(y_pu: sp.spmatrix) -> object:
    """SuperLU factorisation of a sequence network's ``y_pu`` (COLAMD ordering).

    Raises
    ------
    InputError
        When the matrix is exactly singular (a bus without a path to a source or ground).
    """
    try:
        return splu(y_pu, permc_spec="COLAMD")
    except RuntimeError as exc:  # exactly singular
        raise InputError(Issue("net", "", f"singular admittance matrix ({exc})",
                               "every bus needs a path to a source (and, for ground faults, "
                               "a zero-sequence path to ground)")) from exc
