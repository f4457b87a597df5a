"""The device table's value columns computed only where read (#21): a block of a subset of
:data:`DEVICE_VALUE_COLUMNS` (the current columns without the directional check's phasor
columns) holds the same bits as those columns of the whole block, on random phasors, every
kind of row selection and both the one-call and the pipeline's two-call forms; the study
decides whether the phasor columns are made (C9's forward-directional relays)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protv2g.engine.device_columns import (
    CURRENT_COLUMNS,
    DEVICE_VALUE_COLUMNS,
    N_CURRENT_COLUMNS,
    PHASOR_COLUMNS,
    device_value_block,
    value_columns,
)

ROOT = Path(__file__).resolve().parents[1]


def _phasors(rng: np.random.Generator, n: int, dtype: type) -> np.ndarray:
    """Random ``(n, 3)`` phasors over nine decades, with NaN rows, ±inf and ±0."""
    mag = 10.0 ** rng.uniform(-6, 3, (n, 3))
    x = (mag * np.exp(1j * rng.uniform(-np.pi, np.pi, (n, 3)))).astype(dtype)
    if n > 8:
        x[rng.integers(0, n, 2)] = np.nan
        x[rng.integers(0, n), 0] = np.inf
        x[rng.integers(0, n), 1] = complex(-0.0, 0.0)
        x[rng.integers(0, n), 2] = 0
    return x


def _takes(rng: np.random.Generator, n: int) -> dict[str, np.ndarray | None]:
    """The row selections the pipeline and other callers use."""
    return {"none": None, "twice": np.concatenate([np.arange(n), np.arange(n)]),
            "all-second": np.concatenate([np.arange(n // 2), np.arange(n)]),
            "scattered": rng.integers(0, max(n, 1), 2 * n)}


def _subsets(rng: np.random.Generator) -> list[list[str]]:
    cols = list(DEVICE_VALUE_COLUMNS)
    out = [value_columns(False), value_columns(True), cols[:N_CURRENT_COLUMNS],
           cols[N_CURRENT_COLUMNS:], ["ia_ka"], ["v2_degree"]]
    for _ in range(4):
        keep = rng.random(len(cols)) < 0.5
        out.append([c for c, k in zip(cols, keep, strict=True) if k] or ["i2_ka"])
    return out


def _bits(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x).view(np.int64)


def test_current_and_phasor_columns_partition_the_table() -> None:
    assert set(CURRENT_COLUMNS) | set(PHASOR_COLUMNS) == set(DEVICE_VALUE_COLUMNS)
    assert not set(CURRENT_COLUMNS) & set(PHASOR_COLUMNS)
    # what every check but C9 reads: C1–C8's magnitudes, C7's split and C2's note's angles
    assert list(CURRENT_COLUMNS) == ["ia_ka", "ia_degree", "ib_ka", "ib_degree", "ic_ka",
                                     "ic_degree", "i3i0_ka"]
    from protv2g.checks.directional import _ANGLE_COLS

    assert set(PHASOR_COLUMNS) <= set(_ANGLE_COLS)  # C9's columns


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
@pytest.mark.parametrize("n", [0, 1, 37, 300])
def test_subset_block_same_bits_as_whole_block_rows(n: int, dtype: type) -> None:
    """Each subset's block is the whole block's rows of those columns, bit for bit (the
    former formulation: every column computed), one call or the pipeline's two."""
    rng = np.random.default_rng(n + (7 if dtype is np.complex64 else 0))
    i, v = _phasors(rng, n, dtype), _phasors(rng, n, dtype)
    for kind, take in _takes(rng, n).items():
        if dtype is np.complex64 and take is not None:
            continue  # np.take(float32 column, out=float64 block) refuses: as before (#21)
        whole = device_value_block(i, v, take)
        for cols in _subsets(rng):
            at = [DEVICE_VALUE_COLUMNS.index(c) for c in cols]
            one = device_value_block(i, v, take, columns=cols)
            assert one.shape == (len(cols), whole.shape[1]), (kind, cols)
            assert np.array_equal(_bits(one), _bits(whole[at])), (kind, cols)
            two = device_value_block(i, None, take, columns=cols)  # the pipeline's two calls
            device_value_block(None, v, take, out=two, columns=cols)
            assert np.array_equal(_bits(two), _bits(whole[at])), (kind, cols)


def test_subset_block_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Across several chunks of the direct path (a chunk of 64 rows)."""
    import protv2g.engine.device_columns as dc

    rng = np.random.default_rng(5)
    i, v = _phasors(rng, 1000, np.complex128), _phasors(rng, 1000, np.complex128)
    take = np.concatenate([np.arange(1000), np.arange(400, 700)])
    whole = device_value_block(i, v, take)
    monkeypatch.setattr(dc, "VALUE_CHUNK_ROWS", 64)
    cols = value_columns(False)
    got = device_value_block(i, None, take, columns=cols)
    device_value_block(None, v, take, out=got, columns=cols)  # no voltage column: no-op
    assert np.array_equal(_bits(got), _bits(whole[[DEVICE_VALUE_COLUMNS.index(c)
                                                   for c in cols]]))


def test_columns_out_of_order_refused() -> None:
    x = np.ones((3, 3), complex)
    with pytest.raises(ValueError, match="not a subset"):
        device_value_block(x, x, columns=["ib_ka", "ia_ka"])
    with pytest.raises(ValueError, match="not a subset"):
        device_value_block(x, x, columns=["ia_ka", "i1_ka"])


def test_phasors_read_by_the_study() -> None:
    """The depot as shipped has no directional relay (no reader: the columns are absent,
    never NaN); with R-F1 ``directional: forward`` C9 reads them."""
    from protv2g import load_study
    from protv2g.pipeline import phasors_read

    path = ROOT / "feeders" / "depot_two_feeder" / "study.yaml"
    if not path.exists():
        pytest.skip("shipped examples absent")
    study = load_study(str(path))
    assert not phasors_read(study)
    devices = [dict(d, directional="forward") if d["name"] == "R-F1" else d
               for d in study.raw["devices"]]
    assert phasors_read(study.with_updates(devices=devices))


def test_recommend_knows_whether_c9_can_judge() -> None:
    from protv2g.recommend.evaluator import has_phasors

    keys = {"scenario": ["s"], "device": ["r"], "fault_bus": [1], "fault_type": ["3ph"],
            "case": ["max"]}
    bare = pd.DataFrame({**keys, **{c: [1.0] for c in CURRENT_COLUMNS}})
    full = pd.DataFrame({**keys, **{c: [1.0] for c in DEVICE_VALUE_COLUMNS}})
    assert not has_phasors(bare)
    assert has_phasors(full)
    assert not has_phasors(None)


def test_recommend_judges_a_relay_made_directional_on_tables_with_phasors() -> None:
    """recommend's evaluator, given the depot's tables without C9's columns (no relay is
    directional), judges a relay made directional on the tables made again with them: the
    same rows and values, the phasor columns added (the former tables had them always)."""
    import warnings

    from protv2g import load_study
    from protv2g.pipeline import fault_tables
    from protv2g.recommend.candidates import _change
    from protv2g.recommend.change import Family
    from protv2g.recommend.evaluator import Evaluator, has_phasors
    from protv2g.scenarios import build_scenarios

    path = ROOT / "feeders" / "depot_two_feeder" / "study.yaml"
    if not path.exists():
        pytest.skip("shipped examples absent")
    study = load_study(str(path))
    scenarios = build_scenarios(study.document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bare = fault_tables(study, scenarios).device
        assert not has_phasors(bare)
        ev = Evaluator(study, bare, None, scenarios)
        pickup = _change("devices", "R-F1", "pickup_a", 400.0, 450.0, Family.PICKUP, 0.1)
        assert ev.faults_for([pickup]) is bare
        turn = _change("devices", "R-F1", "directional", "none", "forward",
                       Family.DIRECTIONAL, 0.0)
        full = ev.faults_for([pickup, turn])
    assert has_phasors(full)
    pd.testing.assert_frame_equal(full[list(bare.columns)], bare, check_exact=True)
    assert [c for c in full.columns if c not in bare.columns] == list(PHASOR_COLUMNS)
    assert ev.faults_for([turn]) is full  # made once
