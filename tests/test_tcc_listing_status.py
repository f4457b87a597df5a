"""The TCC listing gives each interval's own status, and why when info (tcc35 / wbtree35).

The workbook lists the TCCs no finding links to with their curve data
(:mod:`protv2g.report.tcc_listing`). A listed C2 (fuse saving) interval of −0.06 s whose row
is ``info`` — the fault lies above the recloser–fuse crossover, where the fuse melts first by
design with or without V2G — read like a failure nobody drew. Each listed interval now says
its status at that fault, base and with V2G, and for ``info``/``warn`` the checks' reason.

The depot example (feeders/depot_two_feeder): RC-F1's fast curve × K = 1.80 against the 40K
laterals, fuse-saving range 280 … 521 A (tests/test_examples.py
``test_depot_fuse_saving_lost_behind_campus``): above 521 A the C2 rows are ``info``.
Every plot is listed here (no finding selects one), the sheet written and read back.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

from protv2g.checks.fuse_saving_range import SavingMechanism
from protv2g.report.derived import pair_table
from protv2g.report.tcc_sheets import plan_tcc, write_tcc_sheets
from protv2g.study.loader import load_study

from .conftest import FEEDERS_DIR

#: "interval 2: C2 FU-F1-LAT2→RC-F1: −0.06 s info (why), V2G −0.08 s info (the same)
#: (need ≥ 0.00 s), at …": the criterion, the base interval and its status, the V2G's
_LINE = re.compile(r"^interval \d+: (C\d+) (\S+)→(\S+): (−?[\d.]+) s (ok|info|warn|fail)\b"
                   r"(?:.*?, V2G (−?[\d.]+) s (ok|info|warn|fail)\b)?")


@pytest.fixture(scope="module")
def listed(tmp_path_factory):
    from protv2g.runner import run_study

    study = load_study(FEEDERS_DIR / "depot_two_feeder" / "study.yaml").with_updates(
        scenarios={"export_levels_fraction": [0.0, 1.0], "participation": ["firm"],
                   "load_levels": ["light"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(study, hosting=False)
    plan = plan_tcc(result)
    plan.select(None)  # every plot listed
    wb = Workbook()
    write_tcc_sheets(wb, result, plan, pair_table(result))
    path = tmp_path_factory.mktemp("tcc") / "listed.xlsx"
    wb.save(path)
    ws = openpyxl.load_workbook(path)["TCC"]
    lines = [c for row in ws.iter_rows(values_only=True) for c in row
             if isinstance(c, str) and c.startswith("interval ")]
    return lines, result.tables["Coordination"]


def test_every_listed_interval_says_its_status(listed):
    lines, _ = listed
    assert lines
    for line in lines:
        m = _LINE.match(line)
        assert m, line  # before: "C2 FU-F1-LAT2→RC-F1: −0.06 s, V2G … (need ≥ 0.00 s)"
        assert m.group(5) in ("ok", "info", "warn", "fail"), line


def test_an_above_crossover_c2_interval_is_info_with_its_reason(listed):
    lines, coord = listed
    reason = SavingMechanism.ABOVE_CROSSOVER.value
    # RC-F1's fast × 1.80 against FU-F1-LAT2 at its maximum phase fault (1,736 A, above the
    # 521 A crossover): before, "C2 FU-F1-LAT2→RC-F1: −0.09 s, V2G −0.09 s (need ≥ 0.00 s)"
    c2 = [ln for ln in lines if " C2 FU-F1-LAT2→RC-F1: −" in ln and f"info ({reason})" in ln]
    assert len(c2) == 1, lines
    # three significant figures (review rev39b M7): the Pair coordination sheet's −0.0930 s
    assert re.search(r", V2G −0\.09\d* s info \(the same\)", c2[0]), c2[0]
    for line in lines:
        m = _LINE.match(line)
        # info and warn say why; no negative interval is called ok
        assert ("info" not in (m.group(5), m.group(7)) or "info (" in line), line
        for value, status in ((m.group(4), m.group(5)), (m.group(6), m.group(7))):
            if value is not None and value.startswith("−"):
                assert status != "ok", line


def test_each_listed_status_is_the_checks_own_row_at_that_fault(listed):
    """The status printed is the Coordination row's (the checks' table, not the report's
    per-pair row) at the interval's fault: the base row of the pair whose primary and
    backup times are those printed."""
    lines, coord = listed
    times = re.compile(r"\(primary ([\d.e+-]+) s, backup ([\d.e+-]+) s\)$")
    base = coord[coord.scenario.astype(str).str.startswith("base")]
    checked = 0
    for line in lines:
        m, t = _LINE.match(line), times.search(line)
        crit, primary, backup, status = m.group(1), m.group(2), m.group(3), m.group(5)
        tp, tb = float(t.group(1)), float(t.group(2))
        rows = base[(base.criterion == crit) & (base.primary == primary)
                    & (base.backup == backup)]
        hit = rows[np.isclose(pd.to_numeric(rows.t_primary_s), tp, rtol=5e-3)
                   & np.isclose(pd.to_numeric(rows.t_backup_s), tb, rtol=5e-3)]
        assert len(hit), line
        assert status in set(hit.status.astype(str)), (line, set(hit.status.astype(str)))
        checked += 1
    assert checked == len(lines) >= 10
