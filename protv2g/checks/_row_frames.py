"""Row frames of the checks: empty and one-row frames (``not_evaluated``/``not_applicable``),
their concatenation (a memory-lean one for frames nothing else holds) and the time text of a
message. Plain data in and out; re-exported by :mod:`protv2g.checks._common`, where the check
modules have always imported them from."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from protv2g.checks._violation_rows import violation_rows
from protv2g.violations import CheckStatus

__all__ = ["concat", "concat_owned", "could_not", "empty", "fmt_s", "not_applicable"]


def empty() -> pd.DataFrame:
    """No rows, right columns (a copy of one frame built once: #21, 11 calls per study)."""
    return _empty().copy()


@functools.cache
def _empty() -> pd.DataFrame:
    return violation_rows("", CheckStatus.INFO, frame=pd.DataFrame(index=[]))


def could_not(criterion: str, what: str, device: str = "", scenario: str = "") -> pd.DataFrame:
    """A ``not_evaluated`` row: the check could not be evaluated (``what`` says why)."""
    return violation_rows(criterion, CheckStatus.NOT_EVALUATED, device=device,
                          scenario=scenario, message=f"could not evaluate {criterion}: {what}")


def not_applicable(criterion: str, why: str) -> pd.DataFrame:
    """A ``not_applicable`` row: the study has nothing the criterion applies to."""
    return violation_rows(criterion, CheckStatus.NOT_APPLICABLE,
                          message=f"{criterion} not applicable: {why}")


def concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate row frames (empty frames dropped)."""
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty()


def concat_owned(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """:func:`concat` of frames nothing else holds, column by column, each dropped once
    copied (emptied): held once, not twice (#21: C5's rows at 10,000 buses, +88 MiB; the
    criteria's rows in :func:`protv2g.checks.check_study`, ≈ 120 MB). With the same columns
    in all, a column of one NumPy dtype in every frame is the arrays one after the other as
    :func:`pandas.concat` makes it, any other column pandas' concatenation of that column
    alone (its dtype rules are column by column); other frames: :func:`concat`."""
    frames = [f for f in frames if f is not None and len(f)]
    if len(frames) < 2:
        return concat(frames)
    columns = list(frames[0].columns)
    if frames[0].columns.has_duplicates or any(list(f.columns) != columns for f in frames):
        return concat(frames)
    data = {}
    for c in columns:
        dtypes = [f[c].dtype for f in frames]
        if all(isinstance(d, np.dtype) and d == dtypes[0] for d in dtypes):
            data[c] = np.concatenate([f.pop(c).to_numpy() for f in frames])
        else:
            col = pd.concat([f[[c]] for f in frames], ignore_index=True)[c]
            data[c] = col.to_numpy() if isinstance(col.dtype, np.dtype) else col.array
            for f in frames:
                del f[c]
    return pd.DataFrame(data, columns=columns, copy=False)


def fmt_s(t: float) -> str:
    """A time for a message: ``0.41 s`` / ``does not operate``."""
    return "does not operate" if not math.isfinite(t) else f"{t:.3g} s"


