"""``init --redraft`` re-judges init's TODO on an implausible source (review rev40b M4).

IEEE 123's ``New Circuit`` is an ideal source (R1 = 0, X1 = 0.0001 Ω at 4.16 kV): init wrote a
TODO claiming 24,018 kA at its terminal. The reviewer gave the utility's source in a redirect
(``Edit Vsource.source MVAsc3=60 MVAsc1=60 X1R1=8 X0R0=8``) and ran ``init --redraft``, which
re-drafted the ratings on the new source (9.16 kA), but ``validate`` still listed the TODO.

Figures by hand (not protv2g): the ideal source, I3 = 4160 / (√3 × 0.0001) = 24,018 kA; the
60 MVA source, |Z1| = 4.16² / 60 = 0.28843 Ω, X/R 8 → R1 = |Z1| / √65 = 0.035775 Ω, X1 = 8 R1 =
0.28621 Ω, I3 = 60 MVA / (√3 × 4.16 kV) = 8.327 kA (OpenDSS's fault study on that model:
8.3882 kA at bus 150 of the SC case, rev40b).
"""

from __future__ import annotations

import math

import pandas as pd

from protv2g.study.source_check import SOURCE_COLUMNS, implausible_sources
from protv2g.study_draft import redraft_source as RS

KV = 4.16


def _levels(r1: float, x1: float) -> pd.DataFrame:
    z = abs(complex(r1, x1))
    i3 = KV * 1e3 / (math.sqrt(3.0) * z) / 1e3
    x_r = x1 / r1 if r1 > 0 else math.inf
    return pd.DataFrame([("vsource.source", "150", KV, r1, x1, 3 * r1, 3 * x1, i3, i3, x_r)],
                        columns=SOURCE_COLUMNS)


IDEAL = _levels(0.0, 0.0001)
Z60 = KV**2 / 60.0
GIVEN = _levels(Z60 / math.sqrt(65.0), 8.0 * Z60 / math.sqrt(65.0))


def _study_text() -> str:
    (sentence,) = implausible_sources(IDEAL)
    assert "three-phase 24,018 kA" in sentence  # the hand figure
    return f"feeder:\n  {RS.source_todo(sentence)}\n  opendss: IEEE123Master.dss\n"


def test_a_source_given_since_replaces_the_todo_by_a_comment(monkeypatch):
    monkeypatch.setattr(RS, "dss_source_levels", lambda model: GIVEN)
    assert abs(GIVEN.i3_ka.iat[0] - 8.327) < 5e-4
    text, said = RS.refresh_source_todos(_study_text(), object())
    assert "# TODO" not in text and "24,018" not in text
    line = text.splitlines()[1]
    assert line.startswith("  # the model's source vsource.source at bus 150 (4.16 kV) as the "
                           "study now gives it: R1 = 0.03577 Ω, X1 = 0.2862 Ω — three-phase "
                           "8.33 kA and SLG 8.33 kA at its terminal, X/R 8: a plausible")
    assert "init's TODO on the model's own source, R1 = 0 Ω, X1 = 0.0001 Ω, is resolved" in line
    assert said and "now a plausible utility source (three-phase 8.33 kA, X/R 8)" in said[0]


def test_a_source_still_ideal_keeps_its_todo(monkeypatch):
    monkeypatch.setattr(RS, "dss_source_levels", lambda model: IDEAL)
    before = _study_text()
    assert RS.refresh_source_todos(before, object()) == (before, [])
