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


def test_section9_cells_hold_the_figures_the_memo_signs():
    """Review rev43c F4: §9's cells held the raw floats (10.00902616 kA, 3.386113623e-05 %)
    under a display format, read as such by anything but Excel's view. The depot's SUB-12kV
    3ph maximum by hand (1000 MVA source, c 1.1, T-SUB 8 % × K_T 0.9973; rev43c, pandapower
    calc_sc agreeing): 10,009.03 A → 10.009 kA; a change of 3.4e-05 % → 0.00 %."""
    from protv2g.report.summary_faults import fault_level_grid

    levels = pd.DataFrame({
        "device": ["R-F1"], "bus": ["SUB-12kV"], "fault_type": ["3ph"],
        "i_max_base_ka": [10.00902616], "i_max_v2g_ka": [10.07990173],
        "change_max_percent": [0.7081165354], "i_max_base_iec_sum_ka": [10.00902616],
        "i_max_v2g_iec_sum_ka": [10.68962351], "change_max_iec_sum_percent": [6.799835864],
        "i_min_base_ka": [8.5299288], "i_min_v2g_ka": [8.5299578],
        "change_min_percent": [3.386113623e-05]})

    class _Grid:
        def grid(self, header, rows, fmt=None):
            self.row, self.fmt = dict(zip(header, rows[0], strict=True)), fmt
            self.cells = rows[0]

        def note(self, text):
            pass

    w = _Grid()
    fault_level_grid(w, levels)
    assert w.row["max base kA"] == 10.009 == round(10_009.03 / 1e3, 3)  # before: 10.00902616
    assert w.row["max V2G kA (IEC sum)"] == 10.69 and w.row["min base kA"] == 8.53
    assert w.row["change % (IEC sum)"] == 6.8
    assert w.row["max base kA"] == w.row["max base kA (IEC sum)"]
    pct = [w.cells[k] for k in (5, 8, 11)]  # max, max (IEC sum), min
    assert pct == [0.71, 6.8, 0.0] and str(pct[-1]) == "0.0"  # before: 3.386113623e-05
    assert w.fmt[3] == "0.000" and w.fmt[5] == "0.00"
