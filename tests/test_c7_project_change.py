"""C7 flags the project's whole fault-level change where each of its shares stays within the
fraction (mix38; ver37 §5b on IEEE 34: F-818's close-in SLG-a max 0.2885 kA without the
project, 0.3070 kA with the depot's YNd and every charger idle, 0.3349 kA with the chargers —
+16.1 % against no project = +6.4 % the equipment's and +9.1 % the chargers', each within
domain.md C7's 10 %, and C7 flagged nothing; the reviewer's OpenDSS: chargers +9.0 %,
transformer +7.2 %).

Hand figures (not protv2g's): 0.334876 / 0.288450 − 1 = 0.16095; 0.307019 / 0.288450 − 1 =
0.06437; 0.334876 / 0.307019 − 1 = 0.09073.
"""

from __future__ import annotations

import numpy as np
import pytest

FRAC = 0.10


def test_the_projects_whole_change_is_flagged_where_neither_share_is():
    from protv2g.checks.duty_rows import change_shares, project_change

    i = np.array([0.334876, 0.3200, 0.40, 0.334876, 0.40])
    idle = np.array([0.307019, 0.3070, 0.32, np.nan, 0.39])
    base = np.array([0.288450, 0.2985, 0.30, 0.288450, 0.30])
    rise, project = project_change(i, idle, base, FRAC)
    assert rise[0] == pytest.approx(0.16095, abs=5e-5)
    _, _, v2g, eq = change_shares(i, idle, base, FRAC)
    assert not v2g[0] and not eq[0]  # neither share crosses 10 % ...
    assert project[0]  # ... the project as a whole does: flagged
    assert not project[1]  # +7.2 % in all: nothing
    assert v2g[2] and not project[2]  # the chargers' +25 %: V2G's own flag, not this one
    assert not project[3]  # no idle figure: the chargers' flag against the base, as before
    assert eq[4] and not project[4]  # the equipment's +30 %: its own flag


def test_device_duty_headers_say_against_what():
    from protv2g.report.format import header_label
    from protv2g.report.sheets import DATA_SHEETS

    assert header_label("increase_percent") == "Increase vs no project (%)"
    assert header_label("v2g_increase_percent") == "V2G share: increase vs chargers idle (%)"
    (duty,) = [s for s in DATA_SHEETS if s.title == "Device duty"]
    cols = list(duty.columns)
    assert cols.index("v2g_increase_percent") == cols.index("increase_percent") + 1
