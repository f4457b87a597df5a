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
