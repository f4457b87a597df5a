"""A C1/C4 pair met only because its backup barely reaches the fault points to C5 (review
fix41d, "Slow passing backups": IEEE 34 with a directional head, C4 passed RC-808 → head-l1
with the head's 51P at 99–2,525 s). No criterion of its own: domain.md's C5 backup-zone reach
(``I / pickup ≥ 1.2``) is the finding; the Coordination row keeps ``ok`` and its ``note``
names C5's figure (:mod:`protv2g.checks.backup_reach_note`).

The feeder: ``feeders/weak_end_of_line`` as shipped (R-HEAD IEEE-VI TD 2.0, 240 A, over
recloser RC-END). At the 20 Ω-class LL minimum fault at B07 R-HEAD sees 257 A without V2G:
1.073 × its pickup, under C5's 1.2 for a backup zone (a warn), and C4 passes RC-END → R-HEAD
there with R-HEAD taking 261 s. References: the ratio from the Coordination row's current and
the study's pickup, the time from IEEE C37.112-2018 very inverse written out
(``t = TD·(19.61/(M² − 1) + 0.491)``), by hand.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from .conftest import REPO_DIR

STUDY = REPO_DIR / "feeders" / "weak_end_of_line" / "study.yaml"
NOTE = re.compile(r"coordinates, but as a backup R-HEAD barely reaches here: ([0-9.]+) × "
                  r"pickup against 1\.2 \(see C5\)")


@pytest.fixture(scope="module")
def result():
    from protv2g.runner import run_study
    from protv2g.study.loader import load_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(load_study(STUDY), hosting=False)


def _vi_s(m: float, td: float = 2.0) -> float:
    """IEEE C37.112-2018 very inverse, by hand."""
    return td * (19.61 / (m * m - 1.0) + 0.491)


def test_slow_passing_backup_points_to_c5(result) -> None:
    """The noted rows are exactly the passing C1/C4 rows at whose fault C5 warns that the
    backup falls short of 1.2 × pickup; the base row's figures by hand. Fails on the old
    code (no note)."""
    c = result.tables["Coordination"]
    v = result.violations
    c5 = v[(v.criterion == "C5") & (v.status == "warn") & (v.margin_unit == "× pickup")]
    assert len(c5) and (c5.n_buses == 1).all()  # one bus each: its fault_bus is the bus
    def keys(f, device: str) -> set:
        return set(zip(f.scenario, f.fault_bus, f.fault_type, f["case"], f[device],
                       strict=True))

    short = keys(c5, "device")
    ok = c[c.criterion.isin(["C1", "C4"]) & c.ok.astype(bool)]
    want = keys(ok, "backup") & short
    noted = c[c["note"].astype(str) != ""]
    got = keys(noted, "backup")
    assert got == want and len(got) == 5
    assert set(noted.criterion) == {"C4"} and noted.ok.astype(bool).all()
    # the base row (one stage, no charger): C5's ratio is the row's own current / 240 A
    base = noted[noted.scenario == "base/light"].iloc[0]
    assert (base.fault_bus, base.fault_type, base["case"]) == ("B07", "LL", "min")
    m = float(base.i_backup_a) / 240.0
    ratio = float(NOTE.fullmatch(str(base.note)).group(1))
    assert ratio == pytest.approx(m, abs=5e-4)  # 1.073
    assert m < 1.2
    assert float(base.t_backup_s) == pytest.approx(_vi_s(m), rel=1e-6)  # 261 s
    assert float(base.t_backup_s) > 200.0
    # every note's ratio is its C5 row's (margin + 1.2)
    for r in noted.itertuples():
        row = c5[(c5.scenario == r.scenario) & (c5.fault_bus == r.fault_bus)
                 & (c5.fault_type == r.fault_type) & (c5["case"] == r.case)]
        assert float(NOTE.fullmatch(str(r.note)).group(1)) == pytest.approx(
            float(row.margin.iloc[0]) + 1.2, abs=5e-4)
    assert np.isfinite(noted.t_backup_s).all()
