"""Violation rows (:data:`protv2g.violations.VIOLATION_COLUMNS`) from columns: the one row
builder every criterion uses (re-exported by :mod:`protv2g.checks._common`).

Statuses and margin units are converted once per distinct value and the float columns are
built before the frame (#21: per-row conversions and one assignment per column after the
frame cost more than the rows of most criteria on the IEEE 8500 study).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks._rows import factorize_all
from protv2g.criteria import CATALOGUE, MarginUnit
from protv2g.messages import MessageArray, is_messages
from protv2g.units import Severity
from protv2g.violations import VIOLATION_COLUMNS, CheckStatus

__all__ = ["violation_rows"]


#: Severity (the study file's ``gate.fail_severities`` vocabulary) → row status.
_STATUS_OF = {Severity.FAIL.value: CheckStatus.FAIL, Severity.WARN.value: CheckStatus.WARN,
              Severity.INFO.value: CheckStatus.INFO}


def _status_value(status: CheckStatus | Severity | str) -> str:
    """A status (or a severity, same words) as its ``CheckStatus`` value."""
    text = str(getattr(status, "value", status))
    return (_STATUS_OF.get(text) or CheckStatus(text)).value


def violation_rows(criterion: str | Sequence[str],
                   status: CheckStatus | Severity | str | Sequence[str],
                   frame: pd.DataFrame | None = None, *,
                   margin_unit: MarginUnit | str | Sequence[str] | None = None,
                   **columns: Any) -> pd.DataFrame:
    """Violation rows with ``VIOLATION_COLUMNS`` (attribution filled later by ``run_checks``).

    Parameters
    ----------
    criterion : str or sequence of str
        Criterion id (``C1`` …), or one per row.
    status : CheckStatus, Severity or str, or a sequence of them (one per row)
        Typed status of each row (``fail``, ``warn``, ``info``, ``not_evaluated``,
        ``not_applicable``).
    frame : DataFrame, optional
        Rows the columns are aligned with (sets the number of rows).
    margin_unit : str, optional
        Unit of ``margin``/``limit``; default the criterion's (:mod:`protv2g.criteria`).
    **columns
        Scalars or arrays aligned with ``frame`` (or of equal length).

    Raises
    ------
    ValueError
        For a status outside :class:`~protv2g.violations.CheckStatus`.
    """
    n = len(frame) if frame is not None else max(
        (len(v) for v in columns.values()
         if isinstance(v, list | np.ndarray | pd.Series | MessageArray)),
        default=1)
    data: dict[str, Any] = {}
    for c in VIOLATION_COLUMNS:
        v = columns.get(c, np.nan if c in _FLOAT_COLS else "")
        if isinstance(v, pd.Series):
            v = v.array if is_messages(v) else v.to_numpy()
        if isinstance(v, MessageArray):  # messages written when read (#21)
            data[c] = v
            continue
        if not isinstance(v, np.ndarray | list):  # a scalar for every row
            v = (_repeated(v, n) if isinstance(v, str) or v is None
                 else np.full(n, v)) if n else []
        if c in _FLOAT_COLS:  # numbers, else NaN (built before the frame: #21, one
            # assignment per column after it cost more than the rows of most criteria)
            v = pd.to_numeric(pd.Series(v, dtype=None if isinstance(v, np.ndarray) and
                                        v.dtype.kind in "fiub" else object),
                              errors="coerce").to_numpy(dtype=float)
        elif isinstance(v, list):
            v = _text_array(v)
        if isinstance(v, np.ndarray) and v.base is not None:
            v = v.copy()  # a view (of a caller's frame): the rows own their columns
        data[c] = v
    data["criterion"] = _each(criterion, n, str)
    data["status"] = _each(status, n, _status_value)
    data["margin_unit"] = (_each(data["criterion"], n, _default_unit) if margin_unit is None
                           else _each(margin_unit, n, lambda u: str(getattr(u, "value", u))))
    data["attribution"] = _repeated("", n)
    if not n:  # no rows: the columns as an empty list gives them (as before #21)
        data.update({c: [] for c in ("criterion", "status", "margin_unit", "attribution")})
    # the columns taken as they are, not consolidated into 2-D blocks (#21: the copy held
    # every column twice at once, C5's 409,046 rows at 10,000 buses the checks' peak)
    return pd.DataFrame(data, columns=VIOLATION_COLUMNS, copy=False)


def _each(values: Any, n: int, f: Any) -> np.ndarray:
    """``f`` of a scalar for ``n`` rows, or of each value of a sequence (once per distinct
    value: #21, statuses and units were converted row by row)."""
    if not isinstance(values, list | np.ndarray | pd.Series):
        return _repeated(f(values), n)
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values) if isinstance(values, pd.Series) else values
    codes, uniques = factorize_all(arr)
    out = np.empty(len(uniques), dtype=object)
    out[:] = [f(u) for u in uniques]
    return out[codes]


def _text_array(values: list) -> Any:
    """A list of ``str`` as an object array (the same objects), as the frame would hold it;
    any other list as it is (the frame infers its dtype). The frame's own conversion of a
    list costs four times as much (#21: C5's 409,046 messages at 10,000 buses, 30 ms)."""
    if not values:
        return values
    arr = np.empty(len(values), dtype=object)
    try:
        arr[:] = values
    except (ValueError, TypeError):  # nested sequences: the frame decides
        return values
    return arr if pd.api.types.infer_dtype(arr, skipna=False) == "string" else values


def _repeated(value: Any, n: int) -> np.ndarray:
    """``(n,)`` object array holding ``value`` itself in every row: ``np.full(n, "text",
    dtype=object)`` makes a new ``str`` per row (#21: hundreds of thousands of strings in a
    10,000-bus study's violation rows; as :func:`protv2g.pipeline_blocks.positions`)."""
    return np.array([value], dtype=object).repeat(n)


def _default_unit(criterion: str) -> str:
    c = CATALOGUE.get(str(criterion))
    return c.margin_unit.value if c is not None else ""


_FLOAT_COLS = ("i_device_a", "i_other_a", "t_device_s", "t_other_s", "margin", "limit",
               "tolerance", "base_margin", "idle_margin", "rule_value", "p_charging_kw",
               "time_h", "load_fraction", "change_own_taps", "change_band_top",
               "change_band_bottom", "v_polarising_pu", "v_polarising_min_pu")
