"""Table columns as integer codes of their cells' text: group, compare and join text columns
of hundreds of thousands of rows by working on their few distinct values (issue #21).

:func:`text_codes` gives each cell the code of its text as ``Series.astype(str)`` writes it
(``None`` → ``"None"``, NaN → ``"nan"``); :func:`given_codes` the code of its text as a blank
table cell reads (:func:`protv2g.violations.is_given`: ``""`` where not given). Codes are
canonical — two cells have the same code exactly when their texts are equal — so a grouping
on codes is the grouping on the texts. :func:`combine_codes` numbers the distinct tuples of
several code columns in the order they first appear, as ``groupby(sort=False).ngroup()``.

Examples
--------
>>> import pandas as pd
>>> codes, texts = text_codes(pd.Series(["a", None, "b", "a"]))
>>> texts[codes].tolist(), codes[0] == codes[3]
(['a', 'None', 'b', 'a'], np.True_)
>>> g_codes, g_texts = given_codes(codes, texts)
>>> g_texts[g_codes].tolist()
['a', '', 'b', 'a']
>>> combine_codes(np.array([0, 0, 1, 0]), np.array([1, 0, 1, 1])).tolist()
[0, 1, 2, 0]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from protv2g.violations import NOT_GIVEN_TEXT

__all__ = ["ColumnCodes", "canonical_codes", "combine_code_stream", "combine_codes",
           "given_codes", "numeric_codes", "text_codes"]


def canonical_codes(codes: np.ndarray, texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``codes`` (n,) into ``texts`` (k,) renumbered so that equal texts share one code.

    Returns
    -------
    codes : ndarray of int64, shape (n,)
    texts : ndarray of object, shape (m,), m ≤ k, distinct
    """
    merged, distinct = pd.factorize(np.asarray(texts, dtype=object))
    return merged.astype(np.int64)[codes], np.asarray(distinct, dtype=object)


def text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the cells' ``astype(str)`` text.

    Parameters
    ----------
    values : Series, shape (n,)

    Returns
    -------
    codes : ndarray of int64, shape (n,)
    texts : ndarray of object, shape (k,)
        Distinct texts; ``texts[codes]`` equals ``values.astype(str)`` cell by cell.

    Notes
    -----
    ``pd.factorize`` hashes by equality (``1 == 1.0 == True``, ``0.0 == -0.0``), which is not
    equality of text: only a column of plain ``str`` is coded from its distinct values
    directly (its missing cells, factorized apart, are written one by one); any other column
    is written as text first.
    """
    return _text_codes(values)[:2]


def _text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray, bool]:
    """:func:`text_codes`, and whether the column is plain ``str`` cells (none missing): then
    ``texts[codes]`` holds the cells themselves (equal ``str``), not only their text."""
    values = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype) and len(values):
        # the fault tables' key columns and the violation table's text columns (#21,
        # :mod:`protv2g.engine.key_columns`, :mod:`protv2g.checks._compact`): coded
        # from the categories, numbered by first appearance as the object column was
        # (``pd.factorize`` of its cells), no text written per row
        first, at = _first_appearance(values.cat.codes.to_numpy())
        distinct = np.asarray(values.cat.categories, dtype=object).take(at, mode="clip")
        if (at >= 0).all() and all(type(x) is str for x in distinct):
            # distinct categories are distinct texts: already canonical (#21: the
            # renumbering's gather of every row was the identity)
            return first, distinct, True
    if values.dtype != object:
        return (*_factorize_text(values.astype(str)), False)
    codes, uniques = pd.factorize(values)
    distinct = np.asarray(uniques, dtype=object)
    if not all(type(x) is str for x in distinct):
        return (*_factorize_text(values.astype(str)), False)
    missing = codes < 0
    if missing.any():  # None, NaN, pd.NA, NaT … each as astype(str) writes it
        na_codes, na_texts = pd.factorize(values[missing].astype(str).to_numpy(dtype=object))
        codes = codes.copy()
        codes[missing] = len(distinct) + na_codes
        distinct = np.concatenate([distinct, np.asarray(na_texts, dtype=object)])
    return (*canonical_codes(codes.astype(np.int64), distinct), not missing.any())


#: Rows from which :func:`_first_appearance` looks for runs of equal codes first.
_RUNS_MIN_ROWS = 4096


def _first_appearance(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(codes)`` of an integer array as ``(int64 codes, uniques)``: the same
    numbering by first appearance, found on the first code of each run of equal neighbours
    when the runs are few (the violation table's text columns, sorted by criterion, status
    and scenario, #21: each column of 489,195 rows at 10,000 buses hashed whole), where a
    value first appears is always where a run starts."""
    n = len(codes)
    if n >= _RUNS_MIN_ROWS:
        differ = codes[1:] != codes[:-1]  # a byte a row: the run starts counted first, and
        if 4 * (int(np.count_nonzero(differ)) + 1) <= n:  # listed only when they are few
            starts = np.r_[0, np.flatnonzero(differ) + 1]
            del differ
            head, uniques = pd.factorize(codes[starts])
            return np.repeat(head.astype(np.int64, copy=False), np.diff(np.r_[starts, n])), uniques
    first, uniques = pd.factorize(codes)
    return first.astype(np.int64, copy=False), uniques  # intp: no copy where it is int64


def _factorize_text(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(text.to_numpy(dtype=object))
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def given_codes(codes: np.ndarray, texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`text_codes` output with the not-given texts (``""``, ``"nan"``, ``"None"``,
    ``"<NA>"``: :func:`protv2g.violations.is_given`) made ``""``; canonical again.

    ``texts[codes]`` is then ``values.map(lambda v: str(v) if is_given(v) else "")``: a cell
    is given exactly when its text is none of those.
    """
    blank = np.array(["" if t in NOT_GIVEN_TEXT else t for t in texts.tolist()], dtype=object)
    return canonical_codes(codes, blank)


def numeric_codes(values: pd.Series) -> np.ndarray:
    """Codes of a float column's cells by their ``astype(str)`` text: equal exactly when the
    floats are bit-equal (``0.0`` and ``-0.0`` differ, every NaN is one); any other dtype by
    :func:`text_codes`.

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    if values.dtype.kind != "f" or not isinstance(values.dtype, np.dtype):
        return text_codes(values)[0]
    x = values.to_numpy(dtype=np.float64)
    bits = x.view(np.int64).copy()
    bits[np.isnan(x)] = np.int64(0x7FF8000000000000)  # one NaN (its sign and payload aside)
    return pd.factorize(bits)[0].astype(np.int64)


def combine_codes(*codes: np.ndarray) -> np.ndarray:
    """One code per distinct tuple of ``codes`` (each (n,), non-negative), numbered in the
    order the tuples first appear.

    Returns
    -------
    ndarray of int64, shape (n,)
    """
    return combine_code_stream(codes)


def combine_code_stream(codes: Iterable[np.ndarray]) -> np.ndarray:
    """:func:`combine_codes` of code columns taken one at a time from an iterable (a
    generator making each column when asked holds one column at a time, not all: #21, the
    attribution's nine key columns of 1.1 million rows at 10,000 buses).

    Returns
    -------
    ndarray of int64, shape (n,)
        Zero rows when ``codes`` is empty.
    """
    out = None
    top = 1  # out < top
    for c in codes:
        c = np.asarray(c, dtype=np.int64)
        if out is None:
            out = np.zeros(len(c), dtype=np.int64)
        width = int(c.max()) + 1 if len(c) else 1
        if top * width >= 2 ** 62:  # renumber before the mixed radix overflows
            out = _first_appearance(out)[0]
            top = int(out.max()) + 1 if len(out) else 1
        out *= width  # in place: the same values as ``out * width + c``
        out += c
        top *= width
    if out is None:
        return np.zeros(0, dtype=np.int64)
    # by runs of equal tuples where they are few (rows grouped by their keys, #21)
    return _first_appearance(out)[0]


class ColumnCodes:
    """The text codes (:func:`text_codes`, :func:`given_codes`) of columns of ``frame`` at the
    rows ``at``, each column coded once when first asked for. A column the frame lacks reads
    as a column of ``None`` (text ``"None"``, not given).

    Parameters
    ----------
    frame : DataFrame
    at : ndarray of int64, shape (n,)
        Row positions in ``frame``.
    known : dict, optional
        Column → :func:`text_codes` of the whole column, already made.
    """

    def __init__(self, frame: pd.DataFrame, at: np.ndarray,
                 known: dict[str, tuple[np.ndarray, np.ndarray]] | None = None) -> None:
        self.frame, self.at = frame, at
        self._text: dict[str, tuple[np.ndarray, np.ndarray]] = {
            c: (codes[at], texts) for c, (codes, texts) in (known or {}).items()}
        self._given: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._plain: set[str] = set()  # columns of plain str cells (:meth:`cells`)

    def text(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes (n,), texts): the column's ``astype(str)`` text at the rows."""
        if col not in self._text:
            if col in self.frame.columns:
                codes, texts, plain = _text_codes(self.frame[col])
                self._text[col] = (codes[self.at], texts)
                if plain:
                    self._plain.add(col)
            else:
                self._text[col] = (np.zeros(len(self.at), dtype=np.int64),
                                   np.array(["None"], dtype=object))
        return self._text[col]

    def given(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes (n,), texts): the column's given text (``""`` where not given)."""
        if col not in self._given:
            self._given[col] = given_codes(*self.text(col))
        return self._given[col]

    def cells(self, col: str, pos: np.ndarray) -> np.ndarray | None:
        """The cells of a column of plain ``str`` cells already coded (:meth:`text`) at the
        rows ``at[pos]``, from its distinct texts (equal ``str``; #21: gathering them from
        the table touched every cell's object, ≈ 10 ms a column of the 10,000-bus study's
        Evidence); None for another column."""
        if col not in self._plain:
            return None
        codes, texts = self._text[col]
        return texts[codes[pos]]

    def values(self, col: str) -> pd.Series:
        """The column's cells at the rows (``None`` for a column the frame lacks), indexed
        0…n-1."""
        if col in self.frame.columns:
            return self.frame[col].iloc[self.at].reset_index(drop=True)
        return pd.Series([None] * len(self.at), dtype=object)
