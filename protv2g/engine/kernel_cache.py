"""numba's on-disk cache of the engine's kernels, keyed on every file a kernel compiles from.

numba caches a ``@njit(cache=True)`` function under a stamp of **its own** source file; the
compiled code of a kernel that calls a jitted function of another module (or reads one of its
constants, frozen at compile time) is not invalidated when only that other module changes — a
stale kernel is then loaded (session 27: the Newton kernel kept an edited site law until its
``__pycache__`` entries were deleted). :class:`DependentSourceLocator` stamps such a module's
functions with their own file's stamp *and* the hashes of the files in :data:`DEPENDENCIES`,
so an edit to any of them recompiles them; it wraps the locator numba would have chosen
(same cache directory and file names). Installed by :func:`install` when this module is
imported — :mod:`protv2g.engine` imports it first, before any kernel is defined; a numba
without the private locator API leaves numba's own behaviour in place.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

__all__ = ["DEPENDENCIES", "DependentSourceLocator", "install"]

_HERE = os.path.dirname(os.path.abspath(__file__))

#: Compiled module → the engine modules it compiles in (jitted functions it calls, constants
#: it reads), paths relative to ``protv2g/engine``. Add a line when a kernel module imports
#: from another one.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "newton_kernel.py": ("site_law_kernel.py", "newton_parts.py"),
    "first_cycle_rows.py": ("kernels.py",),
    "reduce_kernel.py": ("kernels.py",),
}


def _file_hash(path: str) -> bytes:
    """SHA-256 of a file's bytes (as numba stamps a kernel's own file)."""
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).digest()


def _dependencies(py_file: str) -> tuple[str, ...]:
    """Absolute paths of the files ``py_file``'s kernels compile in (empty: none listed)."""
    path = os.path.abspath(py_file)
    rel = os.path.relpath(path, _HERE)
    return tuple(os.path.join(_HERE, d) for d in DEPENDENCIES.get(rel, ()))


try:
    from numba.core import caching as _caching

    _Base: Any = _caching._CacheLocator
except (ImportError, AttributeError):  # pragma: no cover - another numba layout
    _caching = None
    _Base = object


class DependentSourceLocator(_Base):  # type: ignore[misc,valid-type]
    """numba's locator for a function (``inner``) whose source stamp also covers the files
    ``deps`` (their SHA-256): the cache entry is stale when any of them changed."""

    def __init__(self, inner: Any, deps: tuple[str, ...]) -> None:
        self._inner = inner
        self._deps = deps

    def ensure_cache_path(self) -> None:
        self._inner.ensure_cache_path()

    def get_cache_path(self) -> str:
        return self._inner.get_cache_path()

    def get_source_stamp(self) -> Any:
        return (self._inner.get_source_stamp(), tuple(_file_hash(p) for p in self._deps))

    def get_disambiguator(self) -> str:
        return self._inner.get_disambiguator()

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> DependentSourceLocator | None:
        deps = _dependencies(py_file)
        if not deps or _caching is None:
            return None
        for other in _caching.CacheImpl._locator_classes:
            if other is cls:
                continue
            inner = other.from_function(py_func, py_file)
            if inner is not None:
                return cls(inner, deps)
        return None


def install() -> None:
    """Put :class:`DependentSourceLocator` first in numba's locator list (once)."""
    if _caching is None:  # pragma: no cover - another numba layout
        return
    classes = getattr(getattr(_caching, "CacheImpl", None), "_locator_classes", None)
    if isinstance(classes, list) and DependentSourceLocator not in classes:
        classes.insert(0, DependentSourceLocator)


install()
