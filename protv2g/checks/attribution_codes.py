"""Integer codes of the violation rows' key columns for :mod:`protv2g.checks.attribution`:
texts coded by runs of equal neighbours, scenario codes with each row's base case, and the
smallest base-case margin per key. Split from :mod:`protv2g.checks.attribution` (the module
had grown past 400 lines); what the attribution decides and its sources are described there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from protv2g.checks._rows import factorize_runs, key_codes
from protv2g.text_codes import text_codes

__all__ = ["filled_texts", "isin_runs", "key_text_codes", "KeyCodes", "ScenarioCodes",
           "smallest_with_row"]


def filled_texts(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (n,) and texts of ``values.fillna("").astype(str)``: a column of ``str`` and
    missing cells by its distinct values, any other through :func:`text_codes`."""
    x = values.to_numpy()
    if x.dtype == object:
        # by runs of equal neighbours (#21: the column is "" but for a few presets; hashing
        # its 472,765 cells at 10,000 buses was attribution's peak, +28 MB)
        codes, uniques = factorize_runs(x)  # missing cells: -1
        texts = np.asarray(uniques, dtype=object)
        if all(type(t) is str for t in texts.tolist()):
            return np.where(codes < 0, len(texts), codes), np.append(texts, "").astype(object)
    return text_codes(values.fillna(""))


def isin_runs(values: np.ndarray, wanted: set[str]) -> np.ndarray:
    """``Series(values).isin(wanted)`` of an ``(n,)`` object array, decided once per distinct
    value (:func:`~protv2g.checks._rows.factorize_runs`; #21: the criterion column of the
    472,765 rows at 10,000 buses comes in a few runs, and ``isin`` hashed every cell)."""
    codes, uniques = factorize_runs(values)  # missing values: -1, in no set of texts
    hit = np.array([u in wanted for u in list(uniques)] + [False], dtype=bool)
    return hit[codes]


def key_text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`protv2g.text_codes.text_codes` of a key column: a column of ``str`` only (none
    missing) coded by runs of equal neighbours (:func:`factorize_runs`: the same codes and
    texts; #21: the key columns of the 489,846 rows at 10,000 buses come in runs and were
    hashed cell by cell); any other through :func:`text_codes`."""
    x = values.to_numpy() if isinstance(values, pd.Series) else None
    if x is not None and x.dtype == object:
        codes, uniques = factorize_runs(x)
        texts = np.asarray(uniques, dtype=object)
        if (not len(codes) or codes.min() >= 0) and all(type(t) is str
                                                        for t in texts.tolist()):
            return codes.astype(np.int64), texts
    return text_codes(values)


class KeyCodes:
    """Integer codes of one column of the violation rows by its ``astype(str)`` text (as the
    key texts are compared, :func:`protv2g.text_codes.text_codes`): the rows' own, and
    other columns' looked up in them."""

    def __init__(self, values: pd.Series) -> None:
        # by the distinct values: a column holding None is not written out row by row (#21)
        rows, texts = key_text_codes(values)
        # int32 where they fit: one column of codes per key column is held through the
        # attribution (#21: 8 × 472,765 rows at 10,000 buses); joined as int64 codes
        self.rows = rows.astype(np.int32) if len(texts) < 2**31 else rows
        self.index = pd.Index(texts, dtype=object)

    def of(self, values: pd.Series, rows: np.ndarray, absent: int) -> np.ndarray:
        """Codes of ``values`` at ``rows`` (positions) by their text; ``absent`` for a text
        no row has."""
        codes, texts = key_text_codes(values)
        c = self.index.get_indexer(texts)
        return np.where(c < 0, absent, c)[codes[rows]]


class ScenarioCodes:
    """A scenario column by its ``astype(str)`` text and each row's base case (``""``
    unresolved), worked out per distinct scenario: ``codes`` (n,) into ``text``; ``own`` and
    ``base`` the codes of ``text`` and ``base_text`` in one list of ``names``."""

    def __init__(self, values: pd.Series, base_of: Mapping[str, str]) -> None:
        self.codes, self.text = key_text_codes(values)
        self.base_text = np.array([str(base_of.get(n, "") or "") for n in self.text.tolist()],
                                  dtype=object)
        self.names = pd.Index(pd.unique(np.concatenate([self.text, self.base_text])),
                              dtype=object)
        self.own = self.names.get_indexer(self.text)
        self.base = self.names.get_indexer(self.base_text)
        self.is_base = (self.text == self.base_text) | (self.text == "")

    def per_row(self, per_name: np.ndarray) -> np.ndarray:
        """A per-distinct-scenario array spread to the rows."""
        return np.asarray(per_name)[self.codes]

    def of(self, texts: np.ndarray, absent: int) -> np.ndarray:
        """Codes of scenario texts among ``names``; ``absent`` for a text not there."""
        c = self.names.get_indexer(np.asarray(texts, dtype=object))
        return np.where(c < 0, absent, c)


def smallest_with_row(n: int, pairs: Iterable[tuple[np.ndarray, np.ndarray]],
                      margin: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of the ``n`` left rows, the smallest ``margin`` (NaN skipped; NaN when all
    are) of the right rows with the same key, how many there are, and which row it is:
    ``pairs`` gives each key column's integer codes on the left and on the right rows
    (:class:`KeyCodes`; a text absent on one side coded apart from the other's, ``-1`` /
    ``-2``), one column after the other — a generator makes, joins and lets go each in turn
    (#21: the nine columns of both sides and their joined codes were held at once,
    attribution's peak at 10,000 buses). The same as joining the texts (#21: a ``groupby``
    and a ``merge`` on nine text keys, ≈ 2 s for the 472,765 rows of the 10,000-bus study).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Per left row: the smallest ``margin`` of the right rows with its key (NaN skipped;
        NaN when all are), their count (0: none), and the position among the right rows of
        the row holding that smallest margin (the first in order on a tie; ``-1`` where none).
    """
    code = key_codes(np.concatenate([a, b]) for a, b in pairs)
    at, of = code[:n], code[n:]
    k = int(code.max()) + 1 if len(code) else 0
    count = np.bincount(of, minlength=k)
    best = np.full(k, np.nan)
    row = np.full(k, -1, dtype=np.intp)
    if len(of):
        m = np.asarray(margin, dtype=float)
        order = np.lexsort((np.where(np.isnan(m), np.inf, m), of))  # NaN after every number
        g = of[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        best[g[starts]] = m[order[starts]]
        row[g[starts]] = order[starts]
    return best[at], count[at], row[at]
