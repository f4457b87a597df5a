"""The Directional sheet: operating elements and the wrong decisions that matter, by bus name.

:func:`directional_sheet` selects from the full table of
:func:`protv2g.directional.evaluate_directional` (which stays in ``StudyResult.directional``)
the rows a protection engineer reads: every element that controls an overcurrent element that
picks up and that decides (it trips or restrains the relay), and every decision that matters
(``wrong_trip``, ``fails_to_trip``), whatever else. :func:`directional_summary` counts them for
the Summary sheet.
"""

from __future__ import annotations

import pandas as pd

from protv2g.directional.decide import MATTERS, Verdict
from protv2g.units import Direction

__all__ = ["SHEET_COLUMNS", "directional_sheet", "directional_summary"]

#: Columns of the Directional sheet (``fault_bus`` is the bus name).
SHEET_COLUMNS = [
    "scenario", "device", "fault_bus", "fault_type", "case", "element", "phase", "controls",
    "true_direction", "declared_direction", "verdict", "matters", "i_operating_a",
    "i_operating_degree", "v_polarising_pu", "v_polarising_degree", "angle_degree",
    "mta_degree", "z_ohm", "z_forward_threshold_ohm", "z_reverse_threshold_ohm",
    "memory_used", "oc_current_a", "oc_pickup_a", "t_operate_s", "relay_t_trip_s",
    "clearing_device", "t_clear_s", "bracket",
]


def _operating(table: pd.DataFrame) -> pd.Series:
    return (table["picks_up"].astype(bool) & table["in_control"].astype(bool)
            & (table["declared_direction"] != Direction.NONE.value))


def directional_sheet(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of the Directional sheet (see the module docstring), those that matter first.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`protv2g.directional.evaluate_directional` (fault rows, ``step`` −1).

    Returns
    -------
    pandas.DataFrame
        :data:`SHEET_COLUMNS`, ``fault_bus`` holding bus names.
    """
    if table.empty:
        return pd.DataFrame(columns=SHEET_COLUMNS)
    t = table[table["step"].astype(int) < 0]
    keep = _operating(t) | t["matters"].astype(bool)
    out = t[keep].copy()
    out["fault_bus"] = out["fault_bus_name"].astype(str)
    out = out.sort_values(["matters", "device", "scenario", "case", "fault_type"],
                          ascending=[False, True, True, True, True], kind="stable")
    return out.reindex(columns=SHEET_COLUMNS).reset_index(drop=True)


def directional_summary(table: pd.DataFrame) -> dict[str, int]:
    """Counts for the Summary: operating elements, wrong trips, failures to trip, and wrong
    forward decisions that the clearing device beats.

    Returns
    -------
    dict
        ``operating``, ``wrong_trip``, ``fails_to_trip``, ``wrong_after_clearing``,
        ``matters`` (the sum of the two failing verdicts).
    """
    if table.empty:
        return dict.fromkeys(("operating", "wrong_trip", "fails_to_trip",
                              "wrong_after_clearing", "matters"), 0)
    t = table[table["step"].astype(int) < 0]
    v = t["verdict"].astype(str)
    return {"operating": int(_operating(t).sum()),
            "wrong_trip": int((v == Verdict.WRONG_TRIP.value).sum()),
            "fails_to_trip": int((v == Verdict.FAILS_TO_TRIP.value).sum()),
            "wrong_after_clearing": int((v == Verdict.WRONG_AFTER_CLEARING.value).sum()),
            "matters": int(v.isin(MATTERS).sum())}
