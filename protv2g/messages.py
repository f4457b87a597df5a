"""Violation messages rendered where they are read, not held whole (#21).

A 10,000-bus study has 489,286 violation rows, each with its own message: as Python strings
(84 % non-ASCII, so two bytes a character) they were 164 MiB, held from the checks through
the workbook, for a report that writes a few thousand of them. :class:`MessageArray` is the
``message`` column's array: a pandas extension array whose rows point into *chunks*, each
either plain texts (an object array) or a :class:`Recipe` — a module-level render function
and the compact arrays of its rows (codes, floats, small lookup tables). A row's text is
made when it is read: ``series.iloc[i]``, ``tolist()``, iteration, ``astype(object/str)``,
``to_numpy()``, Arrow/Parquet, Excel, ``.str`` methods all give the texts the plain column
gave; a take, a slice, a concatenation, a copy or a pickle keeps the recipes.

Rows are read in blocks of :data:`RENDER_ROWS` where the whole column is read (iteration,
Arrow), so that no more than one block's texts are made at once beyond what the caller keeps.

Examples
--------
>>> m = MessageArray.from_recipe(render_formatted, {"format": "%s sees %.0f A",
...     "columns": (np.array(["R1", "R2"], dtype=object), np.array([120.0, 80.4]))}, 2)
>>> pd.Series(m).tolist()
['R1 sees 120 A', 'R2 sees 80 A']
>>> pd.Series(m).take([1]).iloc[0]
'R2 sees 80 A'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray, ExtensionDtype, register_extension_dtype
from pandas.core.strings.object_array import ObjectStringArrayMixin

from protv2g.message_recipes import (
    Recipe,
    chunk_texts,
    objects,
    render_formatted,
    render_replaced,
    render_suffixed,
)

__all__ = ["MessageArray", "MessageDtype", "RENDER_ROWS", "Recipe", "as_messages",
           "is_messages", "render_formatted", "suffixed_messages"]

#: Rows rendered at a time where a whole column is read (iteration, Arrow, Parquet spills).
RENDER_ROWS = 2**14


def _arrays(value: Any, seen: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """The NumPy arrays in ``value`` (nested mappings, tuples, lists, recipes) by ``id``,
    each once (a twin's recipe shares its source's)."""
    if isinstance(value, np.ndarray):
        seen[id(value)] = value
    elif isinstance(value, dict):
        for v in value.values():
            _arrays(v, seen)
    elif isinstance(value, tuple | list):
        for v in value:
            _arrays(v, seen)
    elif isinstance(value, Recipe):
        _arrays(value.args, seen)
    elif isinstance(value, MessageArray):
        _arrays([value._pos, *value._chunks], seen)
    return seen


@register_extension_dtype
class MessageDtype(ExtensionDtype):
    """dtype of :class:`MessageArray`: texts (``str``) rendered where read."""

    name = "message"
    type = str
    kind = "O"
    na_value = np.nan
    _is_numeric = False

    def __repr__(self) -> str:
        return "MessageDtype()"

    @classmethod
    def construct_array_type(cls) -> type[MessageArray]:
        return MessageArray

    def _get_common_dtype(self, dtypes: list) -> Any:
        """Messages with object columns (texts) concatenate as messages."""
        if all(isinstance(d, MessageDtype) or (isinstance(d, np.dtype) and d.kind == "O")
               for d in dtypes):
            return self
        return None

    def __from_arrow__(self, array: Any) -> MessageArray:
        return MessageArray._from_sequence(array.to_pandas().to_numpy(object))


class MessageArray(ObjectStringArrayMixin, ExtensionArray):
    """The ``message`` column: ``n`` rows, each a position into the chunks laid end to end
    (``_pos``, ``(n,)`` int32/int64; chunk ``k`` holds positions ``_offsets[k] ..
    _offsets[k+1]-1``). Chunks are object arrays of texts or :class:`Recipe` s, never
    changed once made (copies and takes share them)."""

    _dtype = MessageDtype()
    __array_priority__ = 1000

    def __init__(self, chunks: Sequence[np.ndarray | Recipe], pos: np.ndarray) -> None:
        self._chunks = tuple(chunks)
        self._offsets = np.cumsum([0, *(len(c) for c in self._chunks)]).astype(np.int64)
        self._pos = pos

    # --- construction -----------------------------------------------------------------
    @classmethod
    def from_recipe(cls, render: Callable[[dict, np.ndarray], list], args: dict,
                    length: int) -> MessageArray:
        """``length`` rows of one :class:`Recipe`."""
        return cls._whole(Recipe(render, args, length))

    @classmethod
    def _whole(cls, chunk: np.ndarray | Recipe) -> MessageArray:
        return cls([chunk], _positions(np.arange(len(chunk)), len(chunk)))

    @classmethod
    def _from_sequence(cls, scalars: Any, *, dtype: Any = None, copy: bool = False
                       ) -> MessageArray:
        if isinstance(scalars, MessageArray):
            return scalars.copy() if copy else scalars
        if isinstance(scalars, np.ndarray) and scalars.dtype == object:
            values = scalars.copy() if copy else scalars
        else:
            values = objects(list(scalars))
        return cls._whole(values.ravel())

    @classmethod
    def _from_factorized(cls, values: np.ndarray, original: MessageArray) -> MessageArray:
        return cls._from_sequence(values)

    @classmethod
    def _concat_same_type(cls, to_concat: Sequence[MessageArray]) -> MessageArray:
        chunks: list = []
        at: dict[int, int] = {}
        for a in to_concat:
            for c in a._chunks:
                if id(c) not in at:
                    at[id(c)] = len(chunks)
                    chunks.append(c)
        offsets = np.cumsum([0, *(len(c) for c in chunks)])
        parts = []
        for a in to_concat:
            if not len(a):
                continue
            k = np.searchsorted(a._offsets, a._pos, side="right") - 1
            new = offsets[[at[id(c)] for c in a._chunks]] - a._offsets[:-1]
            parts.append(a._pos + new[k])
        pos = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        return cls(chunks, _positions(pos, int(offsets[-1])))

    # --- the ExtensionArray interface ---------------------------------------------------
    @property
    def dtype(self) -> MessageDtype:
        return self._dtype

    def __len__(self) -> int:
        return len(self._pos)

    @property
    def nbytes(self) -> int:
        """The row positions and the chunks' arrays (pointers, codes, floats; not the bytes
        of the plain chunks' ``str`` objects)."""
        return self._pos.nbytes + sum(a.nbytes for a in _arrays(list(self._chunks),
                                                                {}).values())

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int | np.integer):
            return self._render(self._pos[[key]])[0]
        if isinstance(key, tuple) and len(key) == 1:
            key = key[0]
        if not isinstance(key, slice):
            key = pd.api.indexers.check_array_indexer(self, key)
        return MessageArray(self._chunks, self._pos[key])

    def __setitem__(self, key: Any, value: Any) -> None:
        rows = np.arange(len(self))[key if isinstance(key, slice) else
                                    pd.api.indexers.check_array_indexer(self, key)]
        rows = np.atleast_1d(rows)
        values = (list(value) if isinstance(value, Sequence | np.ndarray | ExtensionArray
                                            | pd.Series) and not isinstance(value, str)
                  else [value] * len(rows))
        if len(values) != len(rows):
            raise ValueError(f"{len(values)} values for {len(rows)} rows")
        new = objects(values)
        total = int(self._offsets[-1])
        self._chunks = (*self._chunks, new)
        self._offsets = np.append(self._offsets, total + len(new))
        # a copy: a slice's positions are a view of its parent's
        pos = self._pos.astype(_index_dtype(total + len(new)), copy=True)
        pos[rows] = total + np.arange(len(new))
        self._pos = pos

    def take(self, indices: Any, *, allow_fill: bool = False, fill_value: Any = None
             ) -> MessageArray:
        idx = np.asarray(indices, dtype=np.intp)
        if not allow_fill:
            return MessageArray(self._chunks, self._pos.take(idx))
        missing = idx == -1
        if (idx < -1).any():
            raise ValueError("indices below -1 with allow_fill")
        fill = self.dtype.na_value if fill_value is None else fill_value
        total = int(self._offsets[-1])
        pos = np.where(missing, total, self._pos.take(np.where(missing, 0, idx))
                       if len(self) else total)
        return MessageArray((*self._chunks, objects([fill])), _positions(pos, total + 1))

    def copy(self) -> MessageArray:
        return MessageArray(self._chunks, self._pos.copy())

    def isna(self) -> np.ndarray:
        out = np.zeros(len(self), dtype=bool)
        for k, rows, local in self._by_chunk(self._pos):
            c = self._chunks[k]
            if not isinstance(c, Recipe):
                out[rows] = pd.isna(c[local])
        return out

    def _values_for_factorize(self) -> tuple[np.ndarray, Any]:
        return self._render(self._pos), np.nan

    def _values_for_argsort(self) -> np.ndarray:
        return self._render(self._pos)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        texts = self._render(self._pos)
        return texts if dtype is None or np.dtype(dtype) == object else texts.astype(dtype)

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, MessageDtype):
            return self.copy() if copy else self
        texts = self._render(self._pos)
        if isinstance(dtype, np.dtype) and dtype.kind == "U":  # as an object column's
            return pd.Series(texts, dtype=object, copy=False).astype(str).to_numpy()
        if isinstance(dtype, np.dtype):
            return texts if dtype.kind == "O" else texts.astype(dtype)
        return pd.array(texts, dtype=dtype)

    def __iter__(self) -> Iterator[Any]:
        for a in range(0, len(self), RENDER_ROWS):
            yield from self._render(self._pos[a:a + RENDER_ROWS]).tolist()

    def tolist(self) -> list:
        return self._render(self._pos).tolist()

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if isinstance(other, pd.Series | pd.Index | pd.DataFrame):
            return NotImplemented
        right = np.asarray(other, dtype=object) if isinstance(
            other, MessageArray | np.ndarray | list) else other
        return np.asarray(self._render(self._pos) == right, dtype=bool)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else ~eq

    def __arrow_array__(self, type: Any = None) -> Any:
        """The texts as an Arrow string array, made :data:`RENDER_ROWS` rows at a time."""
        import pyarrow as pa

        kind = pa.string() if type is None else type
        parts = [pa.array(self._render(self._pos[a:a + RENDER_ROWS]), type=kind,
                          from_pandas=True) for a in range(0, len(self), RENDER_ROWS)]
        return pa.chunked_array(parts, type=kind)

    # --- messages ---------------------------------------------------------------------
    def texts(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Object array of the texts of ``rows`` (positions; all rows by default)."""
        return self._render(self._pos if rows is None else self._pos[np.asarray(rows)])

    def suffixed(self, rows: np.ndarray, suffixes: Sequence[str] | MessageArray
                 ) -> MessageArray:
        """A copy whose messages of ``rows`` (positions, distinct) are ``str(message) +
        suffix``, written when read (the messages of ``rows`` not written here; suffixes
        given as a :class:`MessageArray` are written when read too)."""
        rows = np.asarray(rows, dtype=np.intp)
        ends = suffixes if isinstance(suffixes, MessageArray) else objects(list(suffixes))
        chunk = Recipe(render_suffixed, {"base": self.take(rows), "suffix": ends}, len(rows))
        total = int(self._offsets[-1])
        pos = self._pos.astype(_index_dtype(total + len(rows)), copy=True)
        pos[rows] = total + np.arange(len(rows))
        return MessageArray((*self._chunks, chunk), pos)

    def with_texts(self, rows: np.ndarray, texts: Sequence[Any]) -> MessageArray:
        """A copy with ``texts`` as the messages of ``rows`` (positions)."""
        out = self.copy()
        out[np.asarray(rows, dtype=np.intp)] = objects(list(texts))
        return out

    def replaced(self, old: str, new: str) -> MessageArray:
        """The same rows with ``old`` replaced by ``new`` in every text (``str.replace``):
        in a recipe that writes ``old`` as one of its ``args["exports"]`` that entry
        replaced (the recipe's arrays shared), in any other chunk the replacement made when
        rendered."""
        chunks = [_replaced_chunk(c, old, new) for c in self._chunks]
        return MessageArray(chunks, self._pos)

    def swappable(self) -> np.ndarray:
        """``(n,)`` bool: the rows whose chunk is a recipe with an ``args["exports"]`` table,
        whose scenario the recipe writes from that table alone (its contract): for such a
        row of another scenario, :meth:`replaced` writes what the recipe writes for that
        scenario's rows."""
        out = np.zeros(len(self), dtype=bool)
        for k, rows, _ in self._by_chunk(self._pos):
            c = self._chunks[k]
            out[rows] = isinstance(c, Recipe) and isinstance(c.args.get("exports"), np.ndarray)
        return out

    def type_sample(self) -> np.ndarray:
        """Object array from which ``pyarrow.infer_type`` infers the type it infers from
        the texts: the plain chunks' values of the rows, and ``""`` when a recipe writes
        some (a recipe writes ``str``), none of the recipes' texts written."""
        parts, recipe = [], False
        for k, _, local in self._by_chunk(self._pos):
            c = self._chunks[k]
            if isinstance(c, Recipe):
                recipe = True
            else:
                parts.append(c[local])
        return np.concatenate([*parts, objects([""] if recipe else [])])

    def _by_chunk(self, pos: np.ndarray) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """``(chunk, rows, local)`` for each chunk ``pos`` points into: the positions in
        ``pos`` and in the chunk."""
        if not len(pos):
            return
        k = np.searchsorted(self._offsets, pos, side="right") - 1
        if len(self._chunks) == 1:
            yield 0, slice(None), pos
            return
        order = np.argsort(k, kind="stable")
        ks = k[order]
        bounds = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1], True])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            rows = order[a:b]
            c = int(ks[a])
            yield c, rows, pos[rows] - self._offsets[c]

    def _render(self, pos: np.ndarray) -> np.ndarray:
        """Object array of the texts at ``pos``."""
        out = np.empty(len(pos), dtype=object)
        for k, rows, local in self._by_chunk(pos):
            out[rows] = chunk_texts(self._chunks[k], local)
        return out


def _replaced_chunk(chunk: np.ndarray | Recipe, old: str, new: str) -> Recipe:
    exports = chunk.args.get("exports") if isinstance(chunk, Recipe) else None
    if isinstance(exports, np.ndarray):
        table = exports.copy()
        table[table == old] = new
        return Recipe(chunk.render, {**chunk.args, "exports": table}, chunk.length)
    return Recipe(render_replaced, {"base": chunk, "old": old, "new": new}, len(chunk))


def _index_dtype(total: int) -> np.dtype:
    return np.dtype(np.int32) if total < 2**31 - 1 else np.dtype(np.int64)


def _positions(pos: np.ndarray, total: int) -> np.ndarray:
    return np.asarray(pos).astype(_index_dtype(total), copy=False)


def is_messages(values: Any) -> bool:
    """Whether ``values`` (an array, a Series) holds a :class:`MessageArray`."""
    return isinstance(getattr(values, "array", values), MessageArray)


def suffixed_messages(values: Any, rows: np.ndarray,
                      suffixes: Sequence[str] | MessageArray) -> Any:
    """A message column (a Series or array of :class:`MessageArray` or of texts) with
    ``suffixes[k]`` appended to row ``rows[k]``: :meth:`MessageArray.suffixed` on a
    message array, else the texts as ``astype(str)`` writes them, those rows suffixed
    (an object array). The checks' notes appended to rows already written (attribution,
    C1's base crossing, C5's rows with no judged primary) share it."""
    if is_messages(values):
        return as_messages(values).suffixed(rows, suffixes)
    msg = values.astype(str)
    msg = (msg.to_numpy() if hasattr(msg, "to_numpy") else np.asarray(msg)).copy()
    ends = suffixes.tolist() if hasattr(suffixes, "tolist") else list(suffixes)
    msg[rows] = [f"{m}{x}" for m, x in zip(msg[rows].tolist(), ends, strict=True)]
    return msg


def as_messages(values: Any) -> MessageArray:
    """``values`` (a Series, an array, a list of texts) as a :class:`MessageArray` (itself
    when it is one)."""
    values = getattr(values, "array", values)
    if isinstance(values, MessageArray):
        return values
    if isinstance(values, ExtensionArray):
        values = values.to_numpy(dtype=object)
    return MessageArray._from_sequence(values)
