"""device_value_block computes the kept rows' value columns a chunk of rows at a time (#21,
session 34): the same bits as the columns computed over all rows at once (the former
formulation, :func:`device_columns` of the taken rows), whatever the chunk size, the row
count, the runs of ``take`` and the values (NaN, inf, zeros of either sign)."""

import numpy as np
import pytest

import protv2g.engine.device_columns as dc
from protv2g.engine.device_columns import (
    DEVICE_VALUE_COLUMNS,
    device_columns,
    device_value_block,
)


def _phasors(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random sequence currents and voltages ``(n, 3)`` over many decades, with NaN rows
    (an unsolved fault), infinities, and zeros of both signs in some parts."""
    def one() -> np.ndarray:
        scale = 10.0 ** rng.uniform(-6, 3, size=(n, 3))
        x = (rng.normal(size=(n, 3)) + 1j * rng.normal(size=(n, 3))) * scale
        k = max(n // 10, 1) if n else 0
        for value in (np.nan, np.inf, -np.inf, 0.0, -0.0):
            at = rng.integers(0, n, k) if n else np.zeros(0, np.int64)
            part = rng.integers(0, 3, len(at))
            if rng.random() < 0.5:
                x.real[at, part] = value
            else:
                x.imag[at, part] = value
        if n:
            x[rng.integers(0, n, k)] = np.nan  # whole rows NaN, as unsolved buses
        return x
    return one(), one()


def _expected(i: np.ndarray, v: np.ndarray, take: np.ndarray | None) -> np.ndarray:
    """The block of the former formulation: every column over all the (taken) rows."""
    cols = device_columns(i if take is None else i[take], v if take is None else v[take])
    return np.stack([cols[c] for c in DEVICE_VALUE_COLUMNS])


def _takes(rng: np.random.Generator, n: int) -> dict:
    """Row selections of the pipeline's kind (runs of every kept row: the chunked path) and
    others (the per-column path)."""
    every = np.arange(n)
    part = np.arange(n // 3, n)
    return {
        "none": None,
        "twice": np.concatenate([every, every]),  # two load levels of one charger set
        "whole second": np.concatenate([part, every]),  # the run of every row after another
        "three runs": np.concatenate([every, part, every[: n // 2]]),
        "scattered": rng.integers(0, max(n, 1), 2 * n) if n else np.zeros(0, np.int64),
    }


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


@pytest.mark.parametrize("chunk", [1, 7, 64, dc.VALUE_CHUNK_ROWS])
@pytest.mark.parametrize("n", [0, 1, 6, 7, 8, 63, 64, 65, 300])
def test_chunked_block_same_bits_as_whole_columns(monkeypatch, chunk, n):
    monkeypatch.setattr(dc, "VALUE_CHUNK_ROWS", chunk)
    rng = np.random.default_rng(1000 * chunk + n)
    i, v = _phasors(rng, n)
    for name, take in _takes(rng, n).items():
        want = _expected(i, v, take)
        got = device_value_block(i, v, take)
        assert _same_bits(got, want), (name, chunk, n)
        # currents and voltages in two calls into one block, as the pipeline does
        two = device_value_block(i, None, take)
        assert two is device_value_block(None, v, take, out=two)
        assert _same_bits(two, want), (name, chunk, n, "two calls")


def test_chunked_block_large_random():
    """Rows over several default chunks, at the default chunk size (SIMD loops' tails at
    every chunk boundary)."""
    rng = np.random.default_rng(7)
    n = 3 * dc.VALUE_CHUNK_ROWS + 123
    i, v = _phasors(rng, n)
    take = np.concatenate([np.arange(n), np.arange(n)])
    two = device_value_block(i, None, take)
    device_value_block(None, v, take, out=two)
    assert _same_bits(two, _expected(i, v, take))


def test_chunked_path_taken(monkeypatch):
    """The pipeline's case (complex128, a run of every kept row) goes through the chunks;
    complex64 phasors keep the per-column path (the same values as before)."""
    calls = []
    real = dc._chunked_columns
    monkeypatch.setattr(dc, "_chunked_columns", lambda *a: calls.append(1) or real(*a))
    rng = np.random.default_rng(3)
    i, v = _phasors(rng, 50)
    device_value_block(i, v, np.concatenate([np.arange(50), np.arange(50)]))
    assert calls == [1]
    i32, v32 = i.astype(np.complex64), v.astype(np.complex64)
    got = device_value_block(i32, v32, None)
    assert calls == [1]
    assert _same_bits(got, _expected(i32, v32, None))
