"""C2: a V2G backup row whose base twin is missing because the fuse does not melt without V2G
(review rev32a W1b, EPRI J1 R-MID / F-2PH, SLG-a at b19009 min).

Without V2G the 100K link F-2PH carries 237.7 A, below the current at which it surely melts
(EEI-NEMA / ANSI C37.43 100K: maximum melting current at 300 s 240 A; the library's maximum-melt
asymptote 237.95 A): it never clears, R-MID locks out on its ground delayed curve, and no C2 row
is written for the base case (the fuse's reach: C5's rows). With V2G a charger behind the fuse
adds ≈ 2.9 A, the link melts after ≈ 290 s, still after R-MID's delayed shot: the row failed as
``new`` ("caused by V2G") against a base state that is the same failure, worse (no fuse time).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks import attribute
from protv2g.checks import recloser_fuse as RF
from protv2g.checks.fuse_melt_text import guaranteed_melt_a
from protv2g.checks.pairs import COORDINATION_COLUMNS
from protv2g.checks.recloser_fuse_text import BACKUP
from protv2g.devices.models import Fuse, Recloser
from protv2g.study.schema import Checks

R_MID = Recloser(name="R-MID", phase_min_trip_a=400.0, ground_min_trip_a=150.0,
                 fast_curve="101", delayed_curve="133", ground_fast_curve="104",
                 ground_delayed_curve="117", n_fast=2, n_delayed=2,
                 reclose_intervals_s=[3.0, 5.0, 10.0])
F_2PH = Fuse(name="F-2PH", link="100K")
BASE, V2G = "base/light", "firm/light/100%"
DEVICES = {"R-MID": R_MID, "F-2PH": F_2PH}

# Hand calculation (not protv2g's engine): an SLG fault through R_f = 20 Ω on a 12.47 kV
# feeder, loop impedance Z1 + Z2 + Z0 = 10 + j57.93 Ω up to the fault:
# I = 3·V_ph / |Z1 + Z2 + Z0 + 3·R_f|, V_ph = 12 470 / √3 = 7 199.6 V.
V_PH = 12_470.0 / math.sqrt(3.0)
I_BASE_A = 3.0 * V_PH / abs(complex(10.0 + 3.0 * 20.0, 57.93))
# A 19 kVA charger group behind the fuse at its 1.1 pu sustained limit on one phase adds
# 1.1 × 19 000 / 7 199.6 = 2.90 A through the fuse (summed in phase: its upper bound).
I_V2G_A = I_BASE_A + 1.1 * 19_000.0 / V_PH
#: EEI-NEMA 100K link, maximum melting current at 300 s (ANSI C37.43 as reproduced in
#: fuse-link catalogues; recalled): at and above it the link surely melts.
MAX_MELT_300S_A = 240.0


def test_the_hand_calculation_puts_the_fuse_either_side_of_its_melting_current():
    assert I_BASE_A == pytest.approx(237.7, abs=0.05)
    assert I_V2G_A == pytest.approx(240.6, abs=0.05)
    # protv2g's 100K: the link surely melts only from its maximum-melt asymptote, just below
    # the published 300 s maximum melting current
    mm = guaranteed_melt_a(F_2PH)
    assert 235.0 < mm <= MAX_MELT_300S_A and I_BASE_A < mm < I_V2G_A
    assert F_2PH.max_melt_time_s(np.array([MAX_MELT_300S_A]))[0] == pytest.approx(300.0,
                                                                                  rel=1e-3)
    t = F_2PH.total_clear_time_s(np.array([I_BASE_A, I_V2G_A]))
    assert np.isinf(t[0]) and 200.0 < t[1] < 300.0


def _times(i_fuse_a: float, i_3i0_a: float) -> tuple[float, float]:
    """(F-2PH total clearing, R-MID ground delayed shot) in s."""
    t_tc = float(F_2PH.total_clear_time_s(np.array([i_fuse_a]))[0])
    t_del = float(R_MID.ground_delayed_time_s(np.array([i_3i0_a]))[0])
    return t_tc, t_del


def _study(i_base_a: float) -> SimpleNamespace:
    """A context of one SLG-a min fault at b19009 in the base case (fuse current
    ``i_base_a``) and with V2G (``I_V2G_A``); R-MID sees 3I0 = the fuse's current (its phase
    element, 400 A, never starts), the coordination table as the pair table writes it: a
    backup row where the fuse clears and the recloser has a delayed shot."""
    rows, coord = [], []
    for sc, i in ((BASE, i_base_a), (V2G, I_V2G_A)):
        t_tc, t_del = _times(i, i)
        key = {"scenario": sc, "fault_bus": "b19009", "fault_type": "SLG-a", "case": "min"}
        # the engine's fault table: the bus an integer, its name beside it
        at = {**key, "fault_bus": 7, "fault_bus_name": "b19009"}
        rows.append({**at, "device": "F-2PH", "i_phase_a": i, "i_ground_a": i,
                     "t_clear_s": t_tc, "t_tc_s": t_tc, "t_mm_s": np.nan,
                     "t_delayed_s": np.nan, "t_fast_s": np.nan})
        rows.append({**at, "device": "R-MID", "i_phase_a": i, "i_ground_a": i,
                     "t_clear_s": t_del, "t_tc_s": np.nan, "t_mm_s": np.nan,
                     "t_delayed_s": t_del, "t_fast_s": 0.1})
        if np.isfinite(t_tc):
            margin = t_del - t_tc
            coord.append({**{k: key[k] for k in ("scenario", "fault_bus", "fault_type",
                                                  "case")},
                          "criterion": "C2", "check": BACKUP, "primary": "F-2PH",
                          "backup": "R-MID", "i_primary_a": i, "i_backup_a": i,
                          "i_primary_3i0_a": i, "i_backup_3i0_a": i, "t_primary_s": t_tc,
                          "t_backup_s": t_del, "t_primary_band_low_s": np.nan,
                          "margin_s": margin, "required_s": 0.0, "tolerance_s": 1.0,
                          "rule": "", "rule_value": np.nan, "rule_source": "",
                          "data_boundary": "inside", "ok": margin >= 0,
                          "status": "pass" if margin >= 0 else "fail",
                          "element_primary": -1, "element_backup": 1, "bracket": "both"})
    return SimpleNamespace(
        faults=pd.DataFrame(rows), coordination=pd.DataFrame(coord, columns=[
            *COORDINATION_COLUMNS, "bracket"]),
        devices=DEVICES, base_of={BASE: BASE, V2G: BASE}, cache={}, build_errors={},
        thresholds=Checks(),
        pairs=pd.DataFrame({"fault_bus": ["b19009"], "primary": ["F-2PH"],
                            "backup": ["R-MID"]}),
        kind=lambda n: DEVICES[n].kind, export_text=lambda s: "with the chargers exporting",
        fault_text=lambda b, t, c: f"a {t} fault ({c} case) at {b}")


@pytest.fixture(autouse=True)
def _no_transformers(monkeypatch):
    """No step transformer in this study (``transformer_rows`` reads the feeder)."""
    monkeypatch.setattr(RF, "transformer_rows", lambda ctx, criteria: pd.DataFrame())


def _backup_row(ctx: SimpleNamespace) -> pd.Series:
    v = RF.check_recloser_fuse(ctx)
    v = attribute(v, ctx.base_of)
    v = v[(v.criterion == "C2") & (v.scenario == V2G) & (v.margin_unit == "s")]
    assert len(v) == 1
    return v.iloc[0]


def test_a_fuse_melting_only_with_v2g_is_pre_existing_against_its_base_lockout():
    r = _backup_row(_study(I_BASE_A))
    assert r.status == "fail" and r.margin < -200.0  # the fuse clears minutes after R-MID
    assert r.attribution == "pre-existing"  # was "new": no base twin
    # review rev40a M8: 238 A is the 100K's guaranteed (maximum-melt) current, not its
    # minimum melting current (ANSI C37.43 300 s: 200–240 A): "is not sure to melt"
    i_mm = F_2PH.min_melt_current_a
    assert 195.0 < i_mm < 205.0  # the 300 s minimum-melt point, C37.43's 200 A
    assert (f"without V2G F-2PH is not sure to melt at 237.7 A (below 238 A, the current at "
            f"which its 100K link surely melts: its maximum-melt asymptote; its minimum "
            f"melting current {i_mm:.1f} A): R-MID locks out — the same failure"
            ) in str(r.message)
    assert "does not melt" not in str(r.message)
    assert "minimum melting 238" not in str(r.message)


def test_a_base_case_whose_fuse_clears_keeps_the_ordinary_rule():
    # without V2G the fuse clears at 250 A (TC ≈ 151 s, its backup row fails already): the
    # V2G row is judged against that twin as before, not against a never-melts state
    r = _backup_row(_study(250.0))
    assert r.attribution in ("pre-existing", "worse")
    assert "does not melt" not in str(r.message)
    assert np.isfinite(r.base_margin)
