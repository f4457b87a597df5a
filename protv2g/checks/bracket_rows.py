"""Where the two brackets of the chargers' contribution can give different pair rows (#21).

:func:`protv2g.checks.brackets.pairs_in_brackets` evaluates the coordination table (C1–C4)
in both brackets; a fault at which no device's time differs between them (the chargers
idle, or their contribution the same at both ends) gives the same rows in both (at 3,000
buses 99.3 % of the pair rows were bit-equal). The high bracket is evaluated on every row
(its row order is the table's); the low one only at the faults :func:`differing_faults`
finds, its other rows taken from the high bracket (:func:`low_rows`, :func:`same_rows`).

A fault is one bus, fault type and case in **every** scenario: the pair rows of a fault read
its rows in other scenarios too — C2's fuse-saving status and its lockout rows read the row's
twin in the base case (:func:`protv2g.checks.fuse_saving_range.base_twin`,
:func:`protv2g.checks.recloser_fuse_lockout.coordinated_keys`) — and every device's row at
the fault, not only the pair's (a device nearer the fault that clears first:
:func:`protv2g.checks.recloser_fuse_uncleared.fuse_not_clearing`). Nothing of a pair row reads
another fault.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._rows import key_codes
from protv2g.checks._times import BRACKET_TIME_COLUMNS, bracket_column

__all__ = ["at_faults", "differing_faults", "low_rows", "same_rows"]

#: A fault, in the fault table (``fault_bus_name``) and the coordination table (``fault_bus``,
#: the bus name) alike.
_FAULT = ("fault_type", "case")


def differing_faults(f: pd.DataFrame) -> pd.DataFrame:
    """The faults (``fault_bus_name``, ``fault_type``, ``case``; any scenario) at which some
    device's time in :data:`~protv2g.checks._times.BRACKET_TIME_COLUMNS` differs between the
    brackets (``t_op_low_s`` against ``t_op_high_s`` …; NaN equal to NaN), each once."""
    differ = np.zeros(len(f), dtype=bool)
    for c in BRACKET_TIME_COLUMNS:
        hi, lo = bracket_column(c, "high"), bracket_column(c, "low")
        if hi in f.columns and lo in f.columns:
            a, b = f[hi].to_numpy(dtype=float), f[lo].to_numpy(dtype=float)
            differ |= ~((a == b) | (np.isnan(a) & np.isnan(b)))
    at = np.flatnonzero(differ)
    out = pd.DataFrame({c: f[c].to_numpy()[at] for c in ("fault_bus_name", *_FAULT)})
    return out.drop_duplicates(ignore_index=True)


def at_faults(bus: np.ndarray, rest: list[np.ndarray], faults: pd.DataFrame) -> np.ndarray:
    """``(n,)`` bool: the rows (bus name ``bus``; fault type and case ``rest``) that are
    among ``faults`` (:func:`differing_faults`)."""
    n = len(bus)
    codes = key_codes([np.concatenate([np.asarray(bus, dtype=object),
                                       faults.fault_bus_name.to_numpy(dtype=object)]),
                       *(np.concatenate([np.asarray(x, dtype=object),
                                         faults[c].to_numpy(dtype=object)])
                         for x, c in zip(rest, _FAULT, strict=True))])
    return np.isin(codes[:n], codes[n:])


def low_rows(m: pd.DataFrame, faults: pd.DataFrame) -> np.ndarray:
    """Positions of the pair table ``m``'s rows (:func:`protv2g.checks.pairs.merged`) at
    ``faults`` (:func:`differing_faults`): the rows to evaluate in the low bracket."""
    if faults.empty or m.empty:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(at_faults(m.p_fault_bus_name.to_numpy(),
                                     [m[c].to_numpy() for c in _FAULT], faults))


def same_rows(coord: pd.DataFrame, faults: pd.DataFrame) -> np.ndarray:
    """Mask of the coordination rows ``coord`` (:func:`protv2g.checks.coordination.
    evaluate_pairs`) not at ``faults``: the same in both brackets."""
    if faults.empty or coord.empty:
        return np.ones(len(coord), dtype=bool)
    return ~at_faults(coord.fault_bus.to_numpy(), [coord[c].to_numpy() for c in _FAULT],
                       faults)
