"""The combined workbook of a batch run (sheets ``Studies`` and ``Batch``).

Examples
--------
>>> write_batch_workbook(summary, {"workers": 2}, Path("reports/batch.xlsx"))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from protv2g.report.excel import save_workbook_atomic
from protv2g.report.plain_sheets import write_sheets

__all__ = ["write_batch_workbook"]


def write_batch_workbook(summary: pd.DataFrame, info: dict[str, Any], path: Path) -> Path:
    """Write the combined workbook (sheets ``Studies`` and ``Batch``) atomically."""
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    default = wb.active
    table = summary.astype(object).where(summary.notna(), None)
    write_sheets(wb, {"Studies": table,
                      "Batch": pd.DataFrame(list(info.items()), columns=["key", "value"])},
                 path)
    wb.remove(default)
    save_workbook_atomic(wb, path)
    return path
