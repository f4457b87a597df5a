"""numba's cache of the engine kernels keyed on the files they compile in
(``engine/kernel_cache.py``): an edit to the site law (or to the Newton kernel's column-local
pieces, ``newton_parts.py``) invalidates the Newton kernel's entry."""

from __future__ import annotations

import hashlib
import os

from protv2g.engine import kernel_cache
from protv2g.engine.kernel_cache import DependentSourceLocator


def _sha(path: str) -> bytes:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).digest()


def test_newton_kernel_is_stamped_with_the_site_law():
    from protv2g.engine import newton_kernel, newton_parts, site_law_kernel

    loc = newton_kernel.newton_columns._cache._impl._locator
    assert isinstance(loc, DependentSourceLocator)
    own, deps = loc.get_source_stamp()
    assert deps == (_sha(site_law_kernel.__file__), _sha(newton_parts.__file__))
    assert loc.get_cache_path() == os.path.join(os.path.dirname(newton_kernel.__file__),
                                                "__pycache__")


def test_kernels_without_dependencies_keep_numba_s_locator():
    from protv2g.engine import kernels

    assert not isinstance(kernels.fill_sequence._cache._impl._locator,
                          DependentSourceLocator)


def test_a_dependency_s_edit_changes_the_stamp(tmp_path, monkeypatch):
    (tmp_path / "mod.py").write_text("def f():\n    return 1\n")
    dep = tmp_path / "dep.py"
    dep.write_text("X = 1\n")
    monkeypatch.setattr(kernel_cache, "_HERE", str(tmp_path))
    monkeypatch.setattr(kernel_cache, "DEPENDENCIES", {"mod.py": ("dep.py",)})
    ns: dict = {}
    exec(compile((tmp_path / "mod.py").read_text(), str(tmp_path / "mod.py"), "exec"), ns)
    loc = DependentSourceLocator.from_function(ns["f"], str(tmp_path / "mod.py"))
    assert loc is not None
    before = loc.get_source_stamp()
    dep.write_text("X = 2\n")
    after = loc.get_source_stamp()
    assert before[0] == after[0] and before[1] != after[1]
    assert DependentSourceLocator.from_function(ns["f"], str(dep)) is None  # not listed


def _read_only_everywhere(monkeypatch, tmp_path):
    """numba's own locators all refuse (a read-only ``site-packages`` and home, as for a
    service account: the tests run as root, whom permission bits do not stop), the
    temporary directory is ``tmp_path``."""
    import tempfile

    from numba.core import caching

    ours = (DependentSourceLocator, getattr(kernel_cache, "TempDirCacheLocator", None))
    for cls in caching.CacheImpl._locator_classes:
        if cls not in ours:
            monkeypatch.setattr(cls, "from_function", classmethod(lambda c, f, p: None))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def test_no_writable_cache_folder_falls_back_to_a_private_temp_dir(tmp_path, monkeypatch):
    """Session 39: with neither the sources' folder nor the user's cache writable, numba
    raised ``RuntimeError: cannot cache function ...: no locator available`` when a
    ``cache=True`` kernel was defined — ``import protv2g.engine`` failed. Now the kernel is
    cached in ``<tmp>/protv2g-numba-<uid>`` (mode 0700) and runs."""
    from numba import njit

    _read_only_everywhere(monkeypatch, tmp_path)
    src = tmp_path / "src"
    src.mkdir()
    (src / "kern.py").write_text("def twice(x):\n    return 2 * x\n")
    ns: dict = {}
    exec(compile((src / "kern.py").read_text(), str(src / "kern.py"), "exec"), ns)
    kern = njit(cache=True)(ns["twice"])  # numba's RuntimeError here before
    assert kern(21) == 42
    root = tmp_path / f"protv2g-numba-{os.getuid()}"
    loc = kern._cache._impl._locator
    assert isinstance(loc, kernel_cache.TempDirCacheLocator)
    assert loc.get_cache_path().startswith(str(root))
    assert (root.stat().st_mode & 0o777) == 0o700
    assert any(p.suffix == ".nbi" for p in root.rglob("*"))  # the index was written


def test_a_temp_dir_open_to_others_is_not_used(tmp_path, monkeypatch):
    """Another user could plant pickled code in a shared folder: one open to the group or
    others (or owned by someone else) is refused (numba's own error then)."""
    _read_only_everywhere(monkeypatch, tmp_path)
    root = tmp_path / f"protv2g-numba-{os.getuid()}"
    root.mkdir(mode=0o777)
    root.chmod(0o777)
    assert kernel_cache.private_temp_dir() is None
    root.chmod(0o700)
    assert kernel_cache.private_temp_dir() == str(root)
