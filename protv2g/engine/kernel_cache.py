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

Where the cache goes (#21, session 39): beside the sources (``__pycache__``) when that folder
is writable, else numba's user-wide folder (``~/.cache/numba``, ``$XDG_CACHE_HOME``) — an
installed wheel in a read-only ``site-packages`` is cached there and loads warm from the
second run on (measured: 32.9 s CPU for the first 1,000-bus faults stage, 0.86 s the next).
When neither is writable (a read-only home, a service account, a read-only container) numba
raised ``RuntimeError: cannot cache function ...: no locator available`` at import and
``protv2g.engine`` could not be imported; :class:`TempDirCacheLocator`, last in numba's list,
then caches into a private folder of the temporary directory (``protv2g-numba-<uid>``, mode
0700, used only if owned by this user and closed to others: numba's cache files are
pickles). ``NUMBA_CACHE_DIR`` still overrides them all.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from typing import Any

__all__ = ["COLD_NOTE", "DEPENDENCIES", "DependentSourceLocator", "TempDirCacheLocator",
           "cold_kernels", "install"]

#: What ``protv2g run`` says on a terminal when :func:`cold_kernels` (perf41, session 41: the
#: depot's first ``run --no-hosting`` 37.1–37.2 s CPU against 43.3–43.4 s with parallel
#: continuation / residual kernels, the next ≈ 8 s; cmp40, session 40: 45.8–46.1 s, 63.3–63.8 s
#: before the Newton kernel's compile was cut, same load; flt39, session 39: 71.9 s then 10.6 s,
#: and a 10,000-bus faults stage 33–40 s cold against 3.0 s warm)
COLD_NOTE = ("first run of this protv2g on this machine: compiling its numerical kernels "
             "(about 30 s of CPU, once; later runs load them from numba's cache)")

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
    _UserWide: Any = getattr(_caching, "UserWideCacheLocator",
                             getattr(_caching, "_UserWideCacheLocator", None))
except (ImportError, AttributeError):  # pragma: no cover - another numba layout
    _caching = None
    _Base = object
    _UserWide = None


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


def private_temp_dir() -> str | None:
    """``<tempdir>/protv2g-numba-<uid>``, made with mode 0700; ``None`` when it cannot be made
    or is not a folder owned by this user and closed to the group and others (another user
    could otherwise plant pickled code in it)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = os.path.join(tempfile.gettempdir(), f"protv2g-numba-{uid}")
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return None
    private = (stat.S_ISDIR(st.st_mode) and st.st_mode & 0o077 == 0
               and (not hasattr(os, "getuid") or st.st_uid == uid))
    return path if private else None


class TempDirCacheLocator(_UserWide or _Base):  # type: ignore[misc,valid-type]
    """numba's user-wide locator rooted in :func:`private_temp_dir` instead of the user's
    cache folder: the last resort when neither the sources' folder nor the user's cache is
    writable (module docstring); ``None`` (numba's own error) when that is not either."""

    def __init__(self, py_func: Any, py_file: str, root: str) -> None:
        super().__init__(py_func, py_file)
        self._cache_path = os.path.join(root, self.get_suitable_cache_subpath(py_file))

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> TempDirCacheLocator | None:
        root = private_temp_dir()
        if _UserWide is None or root is None or not os.path.exists(py_file):
            return None
        self = cls(py_func, py_file, root)
        try:
            self.ensure_cache_path()
        except OSError:
            return None
        return self


def install() -> None:
    """Put :class:`DependentSourceLocator` first in numba's locator list and
    :class:`TempDirCacheLocator` last (once)."""
    if _caching is None:  # pragma: no cover - another numba layout
        return
    classes = getattr(getattr(_caching, "CacheImpl", None), "_locator_classes", None)
    if not isinstance(classes, list):  # pragma: no cover - another numba layout
        return
    if DependentSourceLocator not in classes:
        classes.insert(0, DependentSourceLocator)
    if _UserWide is not None and TempDirCacheLocator not in classes:
        classes.append(TempDirCacheLocator)


install()


def cold_kernels() -> bool:
    """Whether the charger Newton kernel (:func:`.newton_kernel.newton_columns`, the largest
    compile) has no cache index where numba will look for it: the first run after an install
    or an upgrade, which compiles every kernel. A heuristic for the progress line only (an
    index of stale sources also recompiles); False where numba's cache API differs."""
    from protv2g.engine import newton_kernel

    cache = getattr(newton_kernel.newton_columns, "_cache", None)
    path = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
    return isinstance(path, str) and not os.path.exists(path)
