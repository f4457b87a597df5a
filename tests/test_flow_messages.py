"""C12's over-voltage and loading messages (#21, written when read as a
:class:`~protv2g.messages.MessageArray`): the texts the per-row f-strings wrote."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from protv2g.checks.flow import _loading_messages, _voltage_messages


def _ctx():
    texts = {"base": "without V2G (base case)", "v2g": "with depot exporting 1.25 MW",
             "x": "in scenario x (100 %)"}
    return SimpleNamespace(export_text=texts.__getitem__, thresholds=SimpleNamespace(
        v_max_pu=1.05, loading_max_percent=100.0))


def _rows(n: int, seed: int):
    rng = np.random.default_rng(seed)
    values = rng.normal(1.06, 0.3, n)
    values[:6] = [1.0505, 0.5, 2.5, -0.0, 1e20, 1.2345]
    names = [f"bus_{k % 7}·ü" for k in range(n)]
    scenarios = [("base", "v2g", "x")[k % 3] for k in rng.integers(0, 3, n)]
    return values.tolist(), names, scenarios


def test_voltage_messages_are_the_f_strings():
    ctx = _ctx()
    vm, names, sc = _rows(500, 1)
    ref = [f"voltage {v:.3f} pu at {n} {ctx.export_text(s)} exceeds 1.05 pu (ANSI C84.1 "
           "Range A)" for v, n, s in zip(vm, names, sc, strict=True)]
    assert _voltage_messages(ctx, vm, names, sc).tolist() == ref


def test_loading_messages_are_the_f_strings():
    ctx = _ctx()
    x, names, sc = _rows(500, 2)
    x = [100 * v for v in x]
    ref = [f"{n} loaded {v:.0f} % {ctx.export_text(s)} (limit 100 %)"
           for n, v, s in zip(names, x, sc, strict=True)]
    m = _loading_messages(ctx, names, x, sc)
    assert m.tolist() == ref
    assert m.take(np.arange(499, -1, -3)).tolist() == ref[499::-3]
    assert _loading_messages(ctx, [], [], []).tolist() == []
