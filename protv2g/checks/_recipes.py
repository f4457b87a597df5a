"""Message recipes of the checks (#21): the compact columns from which a
:class:`~protv2g.messages.MessageArray` writes a criterion's messages when they are read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from protv2g.checks._rows import factorize_all
from protv2g.message_recipes import objects
from protv2g.messages import MessageArray, render_formatted

__all__ = ["coded", "formatted", "objects"]


def coded(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, distinct)`` of ``n`` values (a list or an array): ``distinct[codes]`` is
    them (the same objects; a missing value coded as a value), the codes of the smallest
    signed integer type that holds them."""
    codes, distinct = factorize_all(values if isinstance(values, np.ndarray)
                                    and values.dtype == object else objects(list(values)))
    n = len(distinct)
    kind = np.int8 if n < 2**7 else np.int16 if n < 2**15 else np.int32
    return np.asarray(codes).astype(kind), objects(list(distinct))


def formatted(fmt: str, columns: Sequence[Any], scenarios: Sequence[Any],
              export_text: Callable[[Any], str]) -> MessageArray:
    """``fmt % (*row's columns, export text of its scenario)`` of every row, written when
    read (:func:`protv2g.messages.render_formatted`): a column is float64 (``%`` on its
    Python floats writes what an f-string wrote on the floats) or ``(codes, distinct)``
    (:func:`coded`, texts); the scenario coded into its export texts (``export_text`` of
    each distinct scenario), the entry a twin scenario replaces
    (:meth:`~protv2g.messages.MessageArray.replaced`)."""
    sc, names = coded(scenarios)
    exports = objects([export_text(n) for n in names.tolist()])
    cols = tuple(c if isinstance(c, tuple) else np.asarray(c, dtype=float) for c in columns)
    return MessageArray.from_recipe(render_formatted, {
        "format": fmt, "columns": (*cols, (sc, "exports")), "exports": exports}, len(sc))
