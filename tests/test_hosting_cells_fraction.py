"""The workbook's Hosting chargers cell and ``protv2g hosting``'s line say one figure (review
rev39a F6: EPRI ckt24's depot at low participation, 750 kW of 100 kW chargers, read "7" in
the workbook and "7.5 chargers' output" on stdout; 750 / 100 = 7.5 by hand)."""

from __future__ import annotations

import pandas as pd

from protv2g.commands.hosting import _line
from protv2g.report.hosting_cells import hosting_chargers_view


def test_workbook_cell_and_stdout_say_the_same_count():
    row = {"site": "depot", "participation": "low", "load_level": "light", "hosting_kw": 750.0,
           "hosting_chargers": 7, "limited": False, "site_max_kw": 750.0}
    cell = hosting_chargers_view(pd.DataFrame([row]), {"depot": 100.0}).hosting_chargers[0]
    assert cell == "7.5 chargers' output, not rounded to whole chargers"
    assert f"750 kW = {cell}" in _line(row, 100.0)
    whole = hosting_chargers_view(pd.DataFrame([{**row, "hosting_kw": 700.0}]),
                                  {"depot": 100.0}).hosting_chargers[0]
    assert whole == 7  # a whole number of chargers' export stays a number
