"""Recipes of :class:`protv2g.messages.MessageArray` (#21): texts of rows written on
demand from compact arrays, and the render functions the array itself uses (a twin's
replaced text, a suffix joined when read)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["Recipe", "chunk_texts", "objects", "render_formatted", "render_replaced",
           "render_suffixed"]


class Recipe:
    """Texts of ``length`` rows made on demand: ``render(args, rows)`` returns the texts of
    the ``rows`` (int array, positions in ``0 .. length-1``) as a list of ``str``.

    ``render`` is a module-level function (the array pickles), ``args`` a mapping of compact
    arrays and small tables it reads (never a study, a context or a device table). A recipe
    is immutable: a twin or a take shares its arrays. A recipe with ``args["exports"]`` (an
    object array: the scenarios' export texts, ``CheckContext.export_text``) writes a row's
    scenario from that table alone, nowhere else
    (:meth:`protv2g.messages.MessageArray.swappable`)."""

    __slots__ = ("args", "length", "render")

    def __init__(self, render: Callable[[dict, np.ndarray], list], args: dict, length: int
                 ) -> None:
        self.render, self.args, self.length = render, args, int(length)

    def __len__(self) -> int:
        return self.length

    def __getstate__(self) -> tuple:
        return self.render, self.args, self.length

    def __setstate__(self, state: tuple) -> None:
        self.render, self.args, self.length = state

    def texts(self, rows: np.ndarray) -> np.ndarray:
        """``(len(rows),)`` object array of the rows' texts."""
        return objects(self.render(self.args, np.asarray(rows, dtype=np.intp)))


def objects(values: Sequence) -> np.ndarray:
    """``(n,)`` object array holding ``values`` themselves."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def render_formatted(args: dict, rows: np.ndarray) -> list[str]:
    """``args["format"] % row`` of each row, its values from ``args["columns"]`` (arrays;
    a pair ``(codes, table)`` stands for ``table[codes]``, ``(codes, "exports")`` for
    ``args["exports"][codes]``, the table :meth:`protv2g.messages.MessageArray.replaced`
    changes), made Python objects first: ``%`` on Python floats writes what it writes on
    the floats the plain column held."""
    cols = [(_table(args, c[1])[c[0][rows]] if isinstance(c, tuple) else c[rows]).tolist()
            for c in args["columns"]]
    return list(map(args["format"].__mod__, zip(*cols, strict=True)))


def _table(args: dict, table: np.ndarray | str) -> np.ndarray:
    return args[table] if isinstance(table, str) else table


def render_replaced(args: dict, rows: np.ndarray) -> list:
    """The texts of ``args["base"]`` (a chunk) at ``rows``, ``args["old"]`` replaced by
    ``args["new"]`` in each ``str`` (:meth:`protv2g.messages.MessageArray.replaced`)."""
    old, new = args["old"], args["new"]
    return [t.replace(old, new) if isinstance(t, str) else t
            for t in chunk_texts(args["base"], rows).tolist()]


def render_suffixed(args: dict, rows: np.ndarray) -> list[str]:
    """``str(text) + suffix`` of ``args["base"]`` (a :class:`MessageArray`) and
    ``args["suffix"]`` (texts, or a :class:`MessageArray` written when read) at ``rows``
    (:meth:`protv2g.messages.MessageArray.suffixed`)."""
    return [f"{t}{x}" for t, x in zip(args["base"].texts(rows).tolist(),
                                      args["suffix"][rows].tolist(), strict=True)]


def chunk_texts(chunk: np.ndarray | Recipe, rows: np.ndarray) -> np.ndarray:
    """Object array of a chunk's texts at ``rows``."""
    if isinstance(chunk, Recipe):
        return chunk.texts(rows)
    return chunk[rows]
