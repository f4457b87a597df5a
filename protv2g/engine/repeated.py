"""One object referenced by every row of a label column (#21).

A table's label columns (scenario names, phase labels) repeat a few texts over millions of
rows. ``np.full(n, text, dtype=object)`` stores a new ``str`` per row (1.8 million strings,
≈ 110 MiB, in the 10,000-bus device table's scenario column alone); :func:`repeated` stores
``n`` references to the one object given. The values are equal either way: only the memory
differs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["repeated"]


def repeated(value: Any, n: int) -> np.ndarray:
    """``(n,)`` object array whose every element is ``value`` itself (one reference per row).

    Parameters
    ----------
    value : object
        Any object, a tuple included (stored as one element, not unpacked).
    n : int
        Number of rows, ``≥ 0``.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` of dtype object.

    Examples
    --------
    >>> col = repeated("base", 3)
    >>> col.tolist(), col[0] is col[2]
    (['base', 'base', 'base'], True)
    """
    one = np.empty(1, dtype=object)
    one[0] = value
    return one.repeat(n)
