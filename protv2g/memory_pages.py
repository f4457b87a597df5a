"""Small memory pages for NumPy's large arrays while a study computes.

On Linux NumPy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) for
every array of 4 MiB and more, on kernels 4.6 and newer (NumPy's "madvise hugepage on Linux",
https://numpy.org/doc/stable/reference/global_state.html; numpy/numpy#15769). Where the kernel's
``/sys/kernel/mm/transparent_hugepage/defrag`` is ``madvise`` (the kernel's default), every
first touch of such a region may compact memory to find a free 2 MiB page, in the faulting
thread. A study allocates its fault tables once and reads them a few times, so it pays that
stall and never gains the fewer TLB misses back: measured on the 10,000-bus study of
``benchmarks/bench_e2e.py`` (2 cores, load 0.7-0.9), the faults stage took 4.44 s with huge
pages (2.41 s user + 2.48 s system) and 2.66 s without (2.69 s user + 0.67 s system), the
compute 9.47 → 7.65 s, peak memory unchanged (1,005 / 998 MiB over imports).

:func:`small_pages` turns NumPy's request off for the duration of a computation and restores
the previous setting after it. Values are untouched: only the page size of the memory under
the arrays changes. A user's explicit ``NUMPY_MADVISE_HUGEPAGE`` (0 or 1) is left in force.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["small_pages"]


def _hugepage_switch() -> Callable[[bool], bool] | None:
    """NumPy's run-time switch of the huge-page request (``_set_madvise_hugepage``: takes the
    new setting, returns the previous one), or None where this NumPy has none."""
    try:
        from numpy._core.multiarray import _set_madvise_hugepage  # NumPy >= 2
    except ImportError:
        try:
            from numpy.core.multiarray import _set_madvise_hugepage  # NumPy 1.x
        except ImportError:
            return None
    return _set_madvise_hugepage


@contextmanager
def small_pages() -> Iterator[None]:
    """Within the block, NumPy does not ask for transparent huge pages for its arrays.

    Nested uses are fine (each restores what it found). Nothing changes where NumPy has no
    switch, or where the user set ``NUMPY_MADVISE_HUGEPAGE`` themselves.

    Example
    -------
    >>> import numpy as np
    >>> with small_pages():
    ...     a = np.zeros(1 << 20)
    >>> float(a.sum())
    0.0
    """
    switch = _hugepage_switch()
    if switch is None or os.environ.get("NUMPY_MADVISE_HUGEPAGE", "").strip():
        yield
        return
    previous = switch(False)
    try:
        yield
    finally:
        switch(bool(previous))
