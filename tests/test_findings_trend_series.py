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


def test_trend_writes_the_worst_margin_as_its_cell_does():
    # the trend's worst point reads as the Summary's "worst margin" text (both prose:
    # protv2g.significant.number_text, 4 digits since review s15 — "−60.8 A"; the Findings'
    # worst-margin cell keeps 10, "−60.80064483 A")
    import pandas as pd

    from protv2g.findings_trend import export_trend
    from protv2g.report.summary_memo import margin_text

    margins = [-10.0, -35.123456789, -60.80064483]
    rows = pd.DataFrame({"margin": margins, "p_export_kw": [0.0, 2500.0, 5000.0]})
    trend = export_trend(rows, "A")
    assert trend.startswith("worsens with export")
    assert f"{margin_text(min(margins), 'A')} at 5,000 kW" in trend
    assert "\u221260.8 A" in trend and "\u221235.12 A" in trend  # were 10 digits
