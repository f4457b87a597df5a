"""The C2 lateral text's pairing of recloser and fuse rows on codes (#21, session 39) gives the
rows pandas gives: ``groupby(key).cumcount()`` and an inner ``merge`` on the key and that
count, in the recloser's row order — the computation it replaced, run here as the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.report.findings_backup import _nth, _paired


@pytest.mark.parametrize("seed", range(8))
def test_nth_is_pandas_cumcount(seed: int) -> None:
    key = np.random.default_rng(seed).integers(0, 7, size=200)
    want = pd.Series(key).groupby(key, sort=False).cumcount().to_numpy()
    assert np.array_equal(_nth(key), want)


@pytest.mark.parametrize("seed", range(8))
def test_pairs_are_pandas_inner_merge_on_key_and_count(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    # repeated keys on both sides (a held row of several stages), some keys on one side only
    rows = pd.DataFrame({"key": rng.integers(0, 40, size=n),
                         "device": rng.choice(["rc", "fuse", "other"], size=n),
                         "row": np.arange(n)})
    r = rows[rows.device == "rc"].assign(_n=lambda x: x.groupby("key", sort=False).cumcount())
    f = rows[rows.device == "fuse"].assign(_n=lambda x: x.groupby("key", sort=False).cumcount())
    merged = r.merge(f, on=["key", "_n"], how="inner", suffixes=("_r", "_f"))
    at_r, at_f = _paired(rows["key"].to_numpy(), (rows.device == "rc").to_numpy(),
                         (rows.device == "fuse").to_numpy())
    assert np.array_equal(at_r, merged["row_r"].to_numpy())
    assert np.array_equal(at_f, merged["row_f"].to_numpy())


def test_no_rows_pair_up() -> None:
    key = np.array([1, 2, 3])
    at_r, at_f = _paired(key, np.array([True, False, False]), np.array([False, True, False]))
    assert at_r.size == 0 and at_f.size == 0
    at_r, at_f = _paired(key[:0], np.zeros(0, bool), np.zeros(0, bool))
    assert at_r.size == 0 and at_f.size == 0
