"""Categorical columns coded by runs of equal codes (#21, session 32): the same codes and
texts as the former formulation (every row's category code hashed, then renumbered through
:func:`protv2g.text_codes.canonical_codes`) and as ``pd.factorize`` of the column's text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.text_codes import _first_appearance, canonical_codes, text_codes


def _former(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The categorical branch of ``_text_codes`` before session 32; None where it fell
    through to the object path (a missing cell or a category not ``str``)."""
    first, at = pd.factorize(values.cat.codes.to_numpy())
    distinct = np.asarray(values.cat.categories, dtype=object).take(at, mode="clip")
    if (at >= 0).all() and all(type(x) is str for x in distinct):
        return canonical_codes(first.astype(np.int64), distinct)
    return None


def _column(rng: np.random.Generator, n: int, k: int, run: int, missing: bool,
            numeric: bool) -> pd.Series:
    """``n`` cells of ``k`` categories (some unused) in runs of about ``run`` cells."""
    cats = ([float(c) for c in range(k + 3)] if numeric
            else [f"t{c:03d}" for c in rng.permutation(k + 3)])
    heads = rng.integers(0, k, max(1, n // run))
    codes = np.repeat(heads, run)[:n] if len(heads) * run >= n else np.resize(heads, n)
    values = pd.Categorical.from_codes(codes.astype(np.int16), categories=cats)
    s = pd.Series(values)
    if missing and n:
        s.iloc[int(rng.integers(0, n))] = np.nan
    return s


@pytest.mark.parametrize("seed", range(6))
def test_categorical_text_codes_equal_the_former_and_the_texts(seed):
    rng = np.random.default_rng(seed)
    for n in (0, 1, 7, 4095, 4096, 5000, 60_000):
        for run in (1, 2, 3, 5, 50, 10_000):
            for k in (1, 3, 40):
                s = _column(rng, n, k, run, missing=bool(rng.integers(0, 4) == 0),
                            numeric=bool(rng.integers(0, 5) == 0))
                codes, texts = text_codes(s)
                assert codes.dtype == np.int64 and texts.dtype == object
                # the contract: texts by first appearance, each cell's text
                ref_codes, ref_texts = pd.factorize(s.astype(str).to_numpy(dtype=object))
                np.testing.assert_array_equal(codes, ref_codes)
                assert texts.tolist() == list(ref_texts)
                if n:
                    former = _former(s)
                    if former is not None:
                        np.testing.assert_array_equal(codes, former[0])
                        assert texts.tolist() == former[1].tolist()
                        # the same str objects, not only equal texts
                        assert all(a is b for a, b in zip(texts.tolist(),
                                                          former[1].tolist(), strict=True))


def test_first_appearance_is_factorize():
    rng = np.random.default_rng(7)
    for n in (0, 1, 100, 4095, 4096, 4097, 20_000):
        for run in (1, 2, 4, 5, 9, 1000):
            for dtype in (np.int8, np.int16, np.int64):
                heads = rng.integers(-1, 30, max(1, -(-n // run))).astype(dtype)
                x = np.repeat(heads, run)[:n]
                if n > 10 and run > 1:  # a run cut short here and there
                    x[rng.integers(0, n, 3)] = dtype(5)
                codes, uniques = _first_appearance(x)
                ref_codes, ref_uniques = pd.factorize(x)
                assert codes.dtype == np.int64
                np.testing.assert_array_equal(codes, ref_codes)
                np.testing.assert_array_equal(uniques, ref_uniques)
                assert uniques.dtype == ref_uniques.dtype


def test_combine_codes_in_runs_number_tuples_as_groupby_ngroup():
    """The tuples of rows grouped by their keys (runs) and of scattered rows, from 4,096
    rows up (where the runs are looked for): ``groupby(sort=False).ngroup()``'s numbers,
    also across the renumbering before the mixed radix overflows."""
    from protv2g.text_codes import combine_code_stream, combine_codes

    rng = np.random.default_rng(11)
    for n in (4095, 4096, 30_000):
        for run in (1, 3, 8, 500):
            parts = [np.repeat(rng.integers(0, k, -(-n // run)), run)[:n]
                     for k in (2, 7, 300)]
            ref = pd.DataFrame({f"c{i}": p for i, p in enumerate(parts)}).groupby(
                [f"c{i}" for i in range(len(parts))], sort=False).ngroup().to_numpy()
            np.testing.assert_array_equal(combine_codes(*parts), ref)
            # wide codes: the radix passes 2**62 and is renumbered on the way
            wide = [p * (2 ** 20) + p for p in parts] * 2
            ref = pd.DataFrame({f"c{i}": p for i, p in enumerate(wide)}).groupby(
                [f"c{i}" for i in range(len(wide))], sort=False).ngroup().to_numpy()
            np.testing.assert_array_equal(combine_code_stream(iter(wide)), ref)
