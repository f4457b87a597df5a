"""A violation table's columns as the gate's reason lines read them, coded once:
:class:`CodedRows`, the base of :class:`protv2g.gate_reason_rows.ReasonRows` (which writes
the lines).

Each coded row's reason group (criterion, device, other device and rule as text codes, equal
exactly for equal texts), margin (and its 10-digit key), scenario, total export, status,
attribution, weight (the violation rows it stands for) and the tie-breaking texts as
alphabetical ranks, each read once for the whole table (#21) and taken by mask.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from protv2g.findings_rows import on_asymptote, text_ranks
from protv2g.findings_trend_sites import SiteAxis
from protv2g.gate_reason_line import _TIE_COLUMNS, _group_columns, _grouped_column
from protv2g.significant import round_significant
from protv2g.text_codes import combine_code_stream, text_codes
from protv2g.violations import row_weights

__all__ = ["CodedRows"]


class CodedRows:
    """The columns of a violation table (or of its rows ``rows``) coded once, read by mask
    (:class:`~protv2g.gate_reason_rows.ReasonRows` documents the parameters)."""

    def __init__(self, table: pd.DataFrame, export_kw: Mapping[str, float] | None = None,
                 rows: np.ndarray | None = None, sites: SiteAxis | None = None) -> None:
        self.table = table
        self.export_kw = export_kw
        self.pos = np.arange(len(table)) if rows is None else np.flatnonzero(rows)
        self.sites = sites

    def _local(self, at: np.ndarray) -> np.ndarray:
        """Positions within :attr:`pos` of the rows of the ``(n,)`` bool mask ``at``."""
        if len(self.pos) == len(self.table):
            return np.flatnonzero(at)
        inside = at[self.pos]
        if int(inside.sum()) != int(np.count_nonzero(at)):
            raise ValueError("rows outside the coded rows of this ReasonRows")
        return np.flatnonzero(inside)

    def _column(self, name: str) -> pd.Series:
        c = self.table[name]
        return c if len(self.pos) == len(c) else c.take(self.pos)

    @cached_property
    def _scenarios(self) -> tuple[np.ndarray, np.ndarray]:
        """Each coded row's scenario as text codes (:func:`~protv2g.text_codes.text_codes`),
        read once (the charging rule, s23; each text tested once per line, #21)."""
        return text_codes(self._column("scenario"))

    @cached_property
    def _weights(self) -> np.ndarray:
        """``(len(pos),)`` int: the violation rows each coded row stands for
        (:func:`~protv2g.violations.row_weights`: a C5 group's zone rows, #21)."""
        return row_weights(self.table, self.pos)

    @cached_property
    def _margin_key(self) -> np.ndarray:
        """``(len(pos),)`` float: each coded row's margin to 10 significant digits, NaN as
        +inf: the first key of :func:`~protv2g.findings_rows.worst_order`, rounded once for
        every line (#21: rounded again per line and kind, ≈ 0.06 s of the 10,000-bus gate)."""
        m = round_significant(self._columns[0])
        return np.where(np.isnan(m), np.inf, m)

    @cached_property
    def _asymptote(self) -> np.ndarray | None:
        """``(len(pos),)`` bool: the coded rows whose margin rests on a fuse's melting
        asymptote (:func:`~protv2g.findings_rows.on_asymptote`), None without such a row."""
        if "data_boundary" not in self.table.columns:
            return None
        return on_asymptote(self._column("data_boundary"), len(self.pos))

    @cached_property
    def _column_list(self) -> list[tuple[str, pd.Series]]:
        return list(self.table.items())

    def _row(self, k: int) -> dict[str, Any]:
        """The coded row ``k``'s cells by column, as ``table.iloc`` reads them (#21: a row of
        the wide table read as a Series, 1.6 ms a line at 10,000 buses)."""
        i = int(self.pos[k])
        return {c: col.iat[i] for c, col in self._column_list}

    @cached_property
    def _group(self) -> tuple[np.ndarray, list[tuple[str, ...]]]:
        coded = [text_codes(_grouped_column(c, self._column(c), self._column("criterion")))
                 for c in _group_columns(self.table.columns)]
        group = combine_code_stream(c for c, _ in coded)
        first = np.unique(group, return_index=True)[1]  # groups are numbered as they appear
        texts = [tuple(str(t[c[k]]) for c, t in coded) for k in first.tolist()]
        return group, texts

    def group_of(self, at: np.ndarray) -> np.ndarray:
        """The reason groups (int64 codes, equal exactly for equal texts) of the rows of the
        ``(n,)`` bool mask ``at``, in table order."""
        return self._group[0][self._local(at)]

    @cached_property
    def _columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None,
                                tuple[np.ndarray, ...]]:
        col = self._column
        margin = pd.to_numeric(col("margin"), errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
        seen = pd.factorize(col("scenario").to_numpy())[0]  # missing: -1, not counted
        coded = {c: text_codes(col(c)) for c in _TIE_COLUMNS if c in self.table.columns}
        p_kw = None
        if self.export_kw:
            codes, texts = coded["scenario"]
            p_kw = pd.Series(texts, dtype=object).map(self.export_kw).to_numpy(
                dtype=float)[codes]
        names = tuple(text_ranks(c) for c in coded.values())
        return margin, seen, p_kw, names

    @cached_property
    def _statuses(self) -> tuple[np.ndarray, np.ndarray]:
        """The coded rows' ``status`` (codes into texts), read once."""
        return text_codes(self._column("status"))

    def _status_counts(self, at: np.ndarray) -> dict[str, int]:
        """Status → the violation rows (weighted, :attr:`_weights`) of the coded rows ``at``:
        what a line says it stands for (:func:`~protv2g.violations.status_count_text`)."""
        codes, texts = self._statuses
        n = np.bincount(codes[at], weights=self._weights[at], minlength=len(texts))
        return {str(t): int(k) for t, k in zip(texts.tolist(), n.tolist(), strict=True) if k}

    @cached_property
    def _attributions(self) -> tuple[np.ndarray, np.ndarray]:
        """The coded rows' ``attribution`` (codes into texts; all "" without the column)."""
        if "attribution" not in self.table.columns:
            return np.zeros(len(self.pos), dtype=np.int64), np.array([""], dtype=object)
        return text_codes(self._column("attribution"))
