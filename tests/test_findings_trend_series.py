"""The participation cases of an export trend (:func:`protv2g.findings_trend._series`) found
by hashing the distinct values (#21): the same cases, in the same order, as the set of
every row's case it replaced."""

from __future__ import annotations

import numpy as np
import pytest

from protv2g.findings_trend import _series


@pytest.mark.parametrize("seed", range(40))
def test_cases_as_the_set_over_rows(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))
    part = (rng.choice(np.array(["", "firm", "expected", "nan", "b"], dtype=object), n)
            if seed % 2 else np.full(n, ""))
    p = rng.choice([0.0, 10.0, 20.0, -1.0], n)
    m = rng.normal(size=n)
    cases = sorted({x for x, pk in zip(part.tolist(), p.tolist(), strict=True) if x and pk > 0})
    got = _series(m, p, part)
    assert list(got) == (cases if len(cases) > 1 else [""])
