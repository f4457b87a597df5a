"""The hosting tables' ``hosting_chargers`` cells as a reader reads them.

The hosting table keeps ``hosting_chargers`` as the whole chargers at full output
(``docs/hosting-capacity.md``): a figure below one charger's export is 0 there, which the
workbook showed as "0" beside 5.92 kW (review rev36b X8, the IEEE European LV feeder: expected
participation 0.8 × 1 × 7.4 kW). On the sheets such a cell says what the figure is, "< 1
charger (0.8 × one charger's export)" (:func:`protv2g.charger_counts.chargers_words`), and
a figure between whole chargers says the chargers' output it is, "7.5 chargers' output", as
``protv2g hosting`` prints it (review rev39a F6: EPRI ckt24's depot, 750 kW of 100 kW
chargers, was "7" in the workbook and "7.5 chargers' output" on stdout); the table itself
(``--json``, the result's DataFrame) is not changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from protv2g.charger_counts import charger_count, chargers_words

__all__ = ["hosting_chargers_view", "p_charger_kw_of"]


def p_charger_kw_of(document: Mapping[str, Any] | None) -> dict[str, float]:
    """Site → kW per charger, from a study document (``StudyResult.inputs["document"]``)."""
    out = {}
    for raw in (document or {}).get("v2g_sites") or []:
        try:
            out[str(raw["name"])] = float(raw["p_charger_kw"])
        except (KeyError, TypeError, ValueError):
            continue
    return out


def hosting_chargers_view(frame: pd.DataFrame, p_charger_kw: Mapping[str, float]
                          ) -> pd.DataFrame:
    """``frame`` (a hosting table: ``site``, ``hosting_kw``, ``hosting_chargers``) with each
    ``hosting_chargers`` cell of a figure above 0 that is not a whole number of chargers'
    export (``p_charger_kw``: site → kW) in words, the chargers' output it is
    (:func:`protv2g.charger_counts.charger_count`, to a tenth rounded down); ``frame`` itself
    where there is none.

    >>> f = pd.DataFrame({"site": ["h", "h", "h"], "hosting_kw": [5.92, 7.4, 55.5],
    ...                   "hosting_chargers": [0, 1, 7]})
    >>> hosting_chargers_view(f, {"h": 7.4})["hosting_chargers"].tolist()[:2]
    ["< 1 charger (0.8 × one charger's export)", 1]
    >>> hosting_chargers_view(f, {"h": 7.4})["hosting_chargers"].iat[2]
    "7.5 chargers' output, not rounded to whole chargers"
    """
    need = {"site", "hosting_kw", "hosting_chargers"}
    if frame.empty or not need <= set(frame.columns) or not p_charger_kw:
        return frame
    p = frame["site"].astype(str).map(dict(p_charger_kw)).astype(float)
    kw = pd.to_numeric(frame["hosting_kw"], errors="coerce")
    n = kw / p
    part = ((kw > 0) & ((n - n.round()).abs() >= 1e-6)).fillna(False).to_numpy(dtype=bool)
    if not part.any():
        return frame
    cells = frame["hosting_chargers"].astype(object).copy()
    cells[part] = [_below_one(float(k), float(q))
                   for k, q in zip(kw[part], p[part], strict=True)]
    return frame.assign(hosting_chargers=cells)


def _below_one(kw: float, p_charger_kw: float) -> str:
    """A figure above 0 and not a whole number of chargers' export in words (to a tenth,
    rounded down; under a tenth "< 0.1 ×")."""
    n = charger_count(kw, p_charger_kw)
    return chargers_words(n) if n > 0 else "< 1 charger (< 0.1 × one charger's export)"
