"""The stand-in tagging's faster paths equal the plain rules they replace (#21).

* ``_Coded.test`` with a text's own ``__eq__`` (looked up among the distinct texts) equals the
  row-by-row text comparison (``astype(str) == value``, the violation table's text);
* ``_ratings_too`` (each device's rows as one slice of the rows sorted by device) equals a mask
  per device by comparison;
* ``basis_items`` (one pass) equals ``tag_input_basis`` and the ``"; "``-split
  ``confirm_texts`` of the same rows, and ``criterion_stand_ins`` uses it.

These are equivalence tests of performance changes: they pass on the code before them too.
"""

from __future__ import annotations

from types import SimpleNamespace as D

import numpy as np
import pandas as pd

from protv2g.criteria_basis import criterion_stand_ins
from protv2g.input_basis import (
    InputBases,
    _ratings_too,
    basis_items,
    confirm_texts,
    input_to_confirm,
    tag_input_basis,
)
from protv2g.input_todo import _Coded


def _random_frame(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = np.array(["F1", "F2", "R1", "line.a", "line.b", "transformer.t1", "", "nan",
                      "None", "C12"], dtype=object)
    dev = names[rng.integers(0, len(names), n)].astype(object)
    dev[rng.random(n) < 0.05] = None
    dev[rng.random(n) < 0.05] = np.nan
    crit = np.array(["C7", "C12", "C10", "C1", "C8"], dtype=object)[rng.integers(0, 5, n)]
    return pd.DataFrame({
        "device": dev, "other_device": names[rng.integers(0, len(names), n)],
        "criterion": pd.Categorical(crit),
        "status": np.array(["fail", "pass", "warn"], dtype=object)[rng.integers(0, 3, n)],
        "margin_unit": np.array(["%", "pu", "A"], dtype=object)[rng.integers(0, 3, n)]})


def test_a_texts_own_eq_equals_the_row_by_row_comparison():
    for seed in range(4):
        frame = _random_frame(seed)
        rows = _Coded(frame)
        for col in ("device", "other_device", "criterion", "status"):
            text = frame[col].astype(str).to_numpy()
            for value in ["F1", "line.a", "", "nan", "None", "C12", "C7", "absent"]:
                got = rows.test(col, value.__eq__)
                assert got.dtype == bool and got.shape == (len(frame),)
                np.testing.assert_array_equal(got, text == value)
        # a column the table lacks: no row
        assert not rows.test("fault_bus", "F1".__eq__).any()


def test_ratings_too_equals_a_mask_per_device():
    frame = _random_frame(7, 900)
    both = np.random.default_rng(1).random(len(frame)) < 0.4
    got = _ratings_too(frame, both)
    text = frame["device"].astype(str).to_numpy()
    order = list(dict.fromkeys(text[both]))  # first appearance, as pd.factorize numbers
    assert len(got) == len(order)
    for (hit, words), name in zip(got, order, strict=True):
        np.testing.assert_array_equal(hit, both & (text == name))
        assert words == input_to_confirm("C12", name, basis="default")


def test_one_pass_equals_the_tagging_and_the_texts():
    frame = _random_frame(3, 400)
    bases = InputBases(default_lines=frozenset({"line.a", "line.b"}),
                       default_transformers=frozenset({"transformer.t1"}),
                       todo_devices=frozenset({"R1"}),
                       todo_fields={"interrupting_rating_ka": frozenset({"F1"}),
                                    "location": frozenset({"F2"})},
                       peak_load=True)
    basis, items = basis_items(frame, bases)
    np.testing.assert_array_equal(basis, tag_input_basis(frame, bases))
    texts = confirm_texts(frame, bases)
    assert ["; ".join(i) for i in items] == texts.tolist()
    assert any(len(i) > 1 for i in items)  # rows resting on several inputs are covered
    empty = frame.iloc[:0]
    assert basis_items(empty, bases)[1] == [] and len(basis_items(empty, bases)[0]) == 0


def test_criterion_stand_ins_names_default_ratings_and_drafted_devices():
    bases = InputBases(default_lines=frozenset({"line.a"}), peak_load=True,
                       todo_fields={"interrupting_rating_ka": frozenset({"F1"})})
    out = criterion_stand_ins(bases, [D(name="F1"), D(name="R1", reclose_intervals_s=(1.0,))])
    assert out["C7"]["inputs"] == ["F1's interrupting_rating_ka (drafted: TODO)"]
    assert out["C12"]["basis"] == "todo" and out["C12"]["n_inputs"] == 2
    assert "line.a's normamps (OpenDSS default 400 A, not in the model)" in out["C12"]["inputs"]
