"""C7's base rows read off the context's fault codes (:meth:`protv2g.checks._keys.FaultKeys.
base_rows`, #21) are the rows :func:`protv2g.checks.converter_sum.split_against_base` finds by
joining the key columns: on a hand-built table (base rows missing, a scenario without a base,
a base scenario without rows, rows taken out of order) and on the depot study's C7."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import duty as duty_mod
from protv2g.checks import duty_figures
from protv2g.checks._keys import fault_keys
from protv2g.checks.converter_sum import _base_rows, split_against_base
from protv2g.checks.duty_rows import block_base_rows, take_block, worst_rows
from tests.test_checks_keys import ctx  # noqa: F401  (the depot study's context)

_KEYS = ["fault_bus", "fault_type", "case", "device"]
_BASE_OF = {"base": "base", "v2g": "base", "v2g2": "base", "orphan": "", "lost": "gone"}


def _table() -> pd.DataFrame:
    """Every scenario × bus × type × case × device, some rows dropped (base rows too)."""
    idx = pd.MultiIndex.from_product(
        [["base", "v2g", "v2g2", "orphan", "lost"], [3, 1, 2], ["3ph", "SLG"],
         ["max", "min"], ["R1", "F2", "F1"]],
        names=["scenario", "fault_bus", "fault_type", "case", "device"])
    f = idx.to_frame(index=False)
    rng = np.random.default_rng(5)
    f = f[rng.random(len(f)) > 0.2].reset_index(drop=True)
    for p in "abc":
        f[f"i{p}_ka"] = rng.random(len(f))
        f[f"i{p}_degree"] = rng.uniform(-180, 180, len(f))
    return f


def test_base_rows_from_codes_are_the_join() -> None:
    f = _table()
    k = fault_keys(f)
    for rows in (np.arange(len(f)), np.flatnonzero(f.case == "max"),
                 np.flatnonzero(f.device.isin(["F1", "R1"])), np.arange(1), np.arange(0)):
        want = _base_rows(f.iloc[rows].reset_index(drop=True), _KEYS, _BASE_OF)[0]
        got = k.base_rows(rows, _BASE_OF)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.int64
    full = k.base_rows(np.arange(len(f)), _BASE_OF)
    assert (full >= 0).any() and (full < 0).any()  # both kinds of row are there
    assert (full[f.scenario.isin(["orphan", "lost"]).to_numpy()] == -1).all()
    assert k.base_rows(np.array([3, 1]), _BASE_OF) is None  # out of order: the join


def test_split_with_known_base_rows_is_the_same() -> None:
    f = _table()
    rows = np.flatnonzero(f.case == "max")
    block = f.iloc[rows].reset_index(drop=True)
    want = split_against_base(block, _KEYS, _BASE_OF)
    got = split_against_base(block, _KEYS, _BASE_OF, fault_keys(f).base_rows(rows, _BASE_OF))
    for name in ("i_phasor_ka", "i_iec_sum_ka", "i_sym_ka", "i_network_ka",
                 "i_converter_ka", "basis"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))


def test_worst_rows_with_base_rows_as_without() -> None:
    f = _table()
    cols = [c for c in duty_figures._DUTY_COLUMNS if c in f.columns]
    rows = np.flatnonzero(f.case == "max")
    k = fault_keys(f)
    worst = [worst_rows(take_block(f, rows, cols, None), _BASE_OF, base)
             for base in (None, block_base_rows(k, rows, None, len(f), _BASE_OF))]
    pd.testing.assert_frame_equal(worst[0], worst[1], check_exact=True)
    assert block_base_rows(None, rows, None, len(f), _BASE_OF) is None
    assert block_base_rows(k, rows, None, len(f) + 1, _BASE_OF) is None


@pytest.mark.parametrize("block_rows", [50, 100_000])
def test_c7_on_codes_as_on_columns(ctx, block_rows, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(duty_figures, "DUTY_BLOCK_ROWS", block_rows)
    got = duty_mod.check_duty(replace(ctx, cache={}))
    want = duty_mod.check_duty(replace(ctx, keys=None, cache={}))
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert ctx.keys is not None and (got.criterion == "C7").any()
