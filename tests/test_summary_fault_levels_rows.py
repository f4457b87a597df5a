"""Summary §9 and the Findings' Evidence cell (review rev39b M8).

§9 kept only ``3ph`` and ``SLG`` rows: a fuse on a 1- or 2-phase OpenDSS bus (IEEE 13's
FU-652 on 652, phase a; FU-611 on 611, phase c — OpenDSS's own bus nodes, read here) had no
row, and a 3-phase OpenDSS bus (``SLG-a/b/c``) no ground row. The Findings' Evidence cell of a
C12 group counted bus rows as Evidence rows (depot F05 "E0023–E0026 (19)": 4 rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.report.derived import evidence_link
from protv2g.report.summary_faults import fault_level_rows

#: (device, bus, fault type, base max kA): the fault types the phase engine gives each bus by
#: its phases (a 1-phase bus only its own SLG, a 2-phase bus LL/SLG/LLG of its two phases).
TABLE = [("R-650", "650", "3ph", 5.0), ("R-650", "650", "SLG-a", 4.0),
         ("R-650", "650", "SLG-b", 4.5), ("R-650", "650", "LLG-ab", 4.8),
         ("FU-645", "645", "LL-bc", 2.0), ("FU-645", "645", "SLG-b", 1.9),
         ("FU-645", "645", "SLG-c", 1.8), ("FU-652", "652", "SLG-a", 1.2),
         ("FU-611", "611", "SLG-c", 1.1)]


def _levels() -> pd.DataFrame:
    df = pd.DataFrame(TABLE, columns=["device", "bus", "fault_type", "i_max_base_ka"])
    for c in ("i_max_v2g_ka", "change_max_percent", "i_min_base_ka", "i_min_v2g_ka",
              "change_min_percent"):
        df[c] = np.nan
    return df


def test_section9_keeps_every_device_with_its_phase_and_ground_fault(shared_dir):
    dss = pytest.importorskip("opendssdirect")
    master = shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss"
    if not master.is_file():
        pytest.skip(f"{master} not found")
    dss.Text.Command("clear")
    dss.Text.Command(f"redirect [{master}]")
    nodes = {}
    for bus in ("652", "611", "645", "650"):
        dss.Circuit.SetActiveBus(bus)
        nodes[bus] = sorted(dss.Bus.Nodes())
    assert nodes == {"652": [1], "611": [3], "645": [2, 3], "650": [1, 2, 3]}
    rows = [r[:3] for r in fault_level_rows(_levels())]
    assert rows == [["R-650", "650", "3ph"], ["R-650", "650", "SLG-b"],
                    ["FU-645", "645", "LL-bc"], ["FU-645", "645", "SLG-b"],
                    ["FU-652", "652", "SLG-a"], ["FU-611", "611", "SLG-c"]]


def test_evidence_cell_counts_evidence_rows(depot_result):
    from protv2g.report.derived import derive, result_findings

    assert evidence_link("E0023", "E0026", 19) == "E0023–E0026 (4 rows, for 19 bus rows)"
    view = derive(depot_result)["findings"].set_index("finding")
    ev = result_findings(depot_result).evidence
    for fid in view.index:
        k = int((ev["finding"] == fid).sum())
        cell = str(view.at[fid, "evidence"])
        assert cell == ev.loc[ev["finding"] == fid, "evidence"].iloc[0] if k == 1 else (
            f"({k})" in cell or f"({k} rows," in cell), (fid, cell, k)
