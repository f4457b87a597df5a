"""Tests of :mod:`protv2g.memory_pages` (NumPy's huge-page request off while a study computes)."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g import memory_pages
from protv2g.memory_pages import small_pages

switch = memory_pages._hugepage_switch()
needs_switch = pytest.mark.skipif(switch is None, reason="this NumPy has no huge-page switch")


def _current() -> bool:
    """NumPy's setting, read by setting it to itself."""
    assert switch is not None
    value = switch(True)
    switch(value)
    return bool(value)


@needs_switch
@pytest.mark.parametrize("before", [True, False])
def test_off_inside_restored_after(before: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    previous = switch(before)
    try:
        with small_pages():
            assert _current() is False
            with small_pages():  # nested: restores what it found
                assert _current() is False
            assert _current() is False
            a = np.ones(1 << 20)  # 8 MiB: above NumPy's 4 MiB huge-page threshold
        assert _current() is before
        assert float(a.sum()) == pytest.approx(float(1 << 20))
    finally:
        switch(previous)


@needs_switch
def test_restored_when_the_block_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    previous = switch(True)
    try:
        with pytest.raises(RuntimeError), small_pages():
            raise RuntimeError("stage failed")
        assert _current() is True
    finally:
        switch(previous)


@needs_switch
def test_users_own_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    previous = switch(True)
    try:
        with small_pages():
            assert _current() is True
    finally:
        switch(previous)


def test_decorated_entry_points_keep_their_signature() -> None:
    import inspect

    from protv2g.engine.collect import fault_study
    from protv2g.runner import run_study

    assert "hosting" in inspect.signature(run_study).parameters
    assert "fault_types" in inspect.signature(fault_study).parameters
    assert run_study.__doc__ and "Run every stage" in run_study.__doc__
