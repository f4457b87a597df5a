"""C2 "fuse saving not possible" quotes the sustained stage too (review rev32b M3).

EPRI's DG-protection feeder, a 1.5 MW V2G site (10 × 150 kVA) at bt exporting, a 20-Ω SLG-a
at lat1 (min case): recloser A's phase current falls below its 200 A minimum trip (no ground
element), so fuse f1 clears alone. The message said "a sees 133 A, 3I0 227 A in the first
cycle" — the chargers at 1.5 pu for one cycle; in their sustained stage (active-power
priority, within the 1.1 pu limit) A sees ≈ 161 A, which the Charger stages sheet alone gave.

Independent values: the reviewer's OpenDSS run (opendssdirect, DSS C-API 0.14.5; the site as
an ``Isource`` at bt in phase with V1 there, iterated to P/|V1| within the limit; rev32b §2d):
A's phase-a current 133.8 A in the first cycle (1.5 pu), 162.4 A sustained, 3I0 227 A.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from .conftest import dg_protection_copy

pytest.importorskip("opendssdirect")

STUDY = """\
name: dg-c2-sustained
feeder:
  opendss: DG_Prot_Fdr.dss
v2g_sites:
  - name: ev
    bus: bt
    n_chargers: 10
    p_charger_kw: 150
    s_charger_kva: 150
    limit_pu: 1.5
    sustained_limit_pu: 1.1
    sustained_limit_high_pu: 1.2
scenarios:
  export_levels_fraction: [0.0, 1.0]
  participation: [firm]
  load_levels: [light]
faults:
  method: iec60909
  r_fault_min_ohm: 20
"""


@pytest.fixture(scope="module")
def messages(shared_dir: Path, tmp_path_factory) -> list[str]:
    d = dg_protection_copy(shared_dir, tmp_path_factory, "dgc2")
    (d / "study.yaml").write_text(STUDY, encoding="utf-8")
    from protv2g import load_study
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_study(load_study(d / "study.yaml"), hosting=False)
    v = r.violations
    return [str(m) for m in v.message[(v.criterion == "C2") & (v.device == "a")]
            if "fuse saving not possible" in str(m)]


def test_not_seen_row_gives_the_first_cycle_and_the_sustained_stage(messages):
    lat1 = [m for m in messages if " at lat1 " in m and "SLG-a fault (min case)" in m]
    assert len(lat1) == 1
    m = re.search(r"a sees (\d+) A, 3I0 (\d+) A in the first cycle and (\d+) A, 3I0 (\d+) A "
                  r"in the chargers' sustained stage, below its minimum trip, for ", lat1[0])
    assert m, lat1[0]
    first, g_first, sustained, g_sustained = (float(x) for x in m.groups())
    assert first == pytest.approx(133.8, rel=0.02)       # OpenDSS, 1.5 pu first cycle
    assert sustained == pytest.approx(162.4, rel=0.02)   # OpenDSS, sustained
    assert g_first == pytest.approx(227.0, rel=0.02) and g_sustained == pytest.approx(
        227.0, rel=0.02)


def test_base_case_row_has_no_sustained_stage(messages):
    # lat2 is beyond A's reach without V2G too: no charger, one stage, nothing more to say
    base = [m for m in messages if "without V2G (base case" in m]
    assert base and all(" in the first cycle, below its minimum trip, for " in m for m in base)
