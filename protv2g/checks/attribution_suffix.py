"""The attribution's message suffixes, written when a row's message is read (#21).

:func:`protv2g.checks.attribution.attribute` ends the message of a row it makes
``pre-existing`` (or ``worse`` on a moved current, or ``new`` where the base twin's failure
state differs) with a suffix saying why. At 10,000 buses 27,981 rows get one — most of them
C5 zone rows and C12 per-bus rows that :func:`protv2g.checks.row_groups.group_rows` then
drops, keeping one row per group (1,198 C5 rows of 204,561) — and their texts were written
before the cut (≈ 39,000 calls of :func:`~.attribution_materiality.material_text` and
:func:`~.attribution_share_text.share_text`, 0.1–0.16 s of the checks stage). Here the
suffix is a :class:`~protv2g.messages.MessageArray` recipe of the figures: a row's suffix is
written by the same functions, in the same order, only when its message is read (the kept
rows, by the report).

A row may be in several of the parts; its suffix is their texts in this order: material
(:func:`~.attribution_materiality.material_text`), marginal
(:func:`~.attribution_materiality.marginal_text`), worse on a marginal base
(:func:`~.attribution_materiality.marginal_worse_text`), shared (:func:`~.attribution_share_text.
share_text`), scattered (:func:`~.attribution_share_text.marginal_scatter_text`), then the
texts made already (the moved current's, then the twin's failure state).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from protv2g.checks.attribution_materiality import (
    marginal_text,
    marginal_worse_text,
    material_text,
)
from protv2g.checks.attribution_share_text import marginal_scatter_text, share_text
from protv2g.messages import MessageArray

__all__ = ["SUFFIX_PARTS", "render_suffixes", "suffix_messages"]

#: The parts of a suffix in the order they are joined, each with the number of float
#: figures it reads (its rows' own texts, ``named``, apart).
SUFFIX_PARTS = (("material", 2), ("marginal", 3), ("worse", 3), ("shared", 3),
                ("scattered", 4), ("moved", 0), ("absent", 0))
#: The parts whose texts are made already (by the attribution): joined as they are.
_MADE = frozenset({"moved", "absent"})


def _coded(values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, texts)`` of ``values`` (``str``): each distinct text once."""
    codes, texts = pd.factorize(np.asarray(list(values), dtype=object))
    return codes.astype(np.intp), np.asarray(texts, dtype=object)


def suffix_messages(at: np.ndarray, parts: Mapping[str, tuple], criterion: Mapping[int, str],
                    unit: Mapping[int, str]) -> MessageArray:
    """The suffixes of the rows ``at`` (distinct row positions, in the order the suffixes
    are attached) as a :class:`MessageArray` aligned with ``at``, written when read.

    Parameters
    ----------
    at : ndarray of int
        The suffixed rows (positions in the violation table).
    parts : mapping
        Per part of :data:`SUFFIX_PARTS`, ``(rows, figures…, named)``: its rows (positions in
        the table, each among ``at``), its float figures aligned with them (as the part's
        text function takes them: material ``change, tol``; marginal and worse ``m_base,
        change, tol``; shared ``m_base, change, i_change`` (NaN: not on the current); scattered
        ``m_base, tol, change, i_change``) and the ``named`` texts (``str``, aligned; ``""``
        where none; material and marginal: who moves the margin, ``"V2G"`` or
        ``"charging"``, :func:`~.attribution_materiality.who_moves`); ``moved`` and
        ``absent``: ``(rows, texts)``, texts made already. A row
        is at most once in a part.
    criterion, unit : mapping
        Row → its criterion's text and its margin unit's words (the rows of the first four
        parts).
    """
    at = np.asarray(at, dtype=np.intp)
    local = pd.Index(at)
    args: dict = {"n": len(at)}
    for name, n_figures in SUFFIX_PARTS:
        part = parts.get(name)
        if part is None or not len(part[0]):
            continue
        rows = np.asarray(part[0], dtype=np.intp)
        where = local.get_indexer(rows)
        if name in _MADE:
            args[name] = (where, np.asarray(list(part[1]), dtype=object))
            continue
        figures = tuple(np.asarray(f, dtype=float) for f in part[1:1 + n_figures])
        named = list(part[1 + n_figures]) if len(part) > 1 + n_figures else [""] * len(rows)
        crit = _coded([criterion[k] for k in rows.tolist()])
        units = _coded([unit[k] for k in rows.tolist()])
        args[name] = (where, figures, crit, units, _coded(named))
    return MessageArray.from_recipe(render_suffixes, args, len(at))


def render_suffixes(args: dict, rows: np.ndarray) -> list[str]:
    """The suffixes of ``rows`` (positions in :func:`suffix_messages`' ``at``, repeats
    allowed): each part's text where the row is in it, joined in :data:`SUFFIX_PARTS` order
    (Python floats: the texts the eager loop wrote)."""
    rows = np.asarray(rows, dtype=np.intp)
    out = [""] * len(rows)
    for name, _ in SUFFIX_PARTS:
        part = args.get(name)
        if part is None:
            continue
        entry = pd.Index(part[0]).get_indexer(rows)  # a row once per part
        ask = np.flatnonzero(entry >= 0)
        if not len(ask):
            continue
        texts = (part[1][entry[ask]].tolist() if name in _MADE
                 else _part_texts(name, part, entry[ask]))
        for i, text in zip(ask.tolist(), texts, strict=True):
            out[i] += text
    return out


def _part_texts(name: str, part: tuple, hit: np.ndarray) -> list[str]:
    """The texts of a part's entries ``hit`` (:func:`render_suffixes`)."""
    _, figures, (c_code, c_text), (u_code, u_text), (n_code, n_text) = part
    crit = c_text[c_code[hit]].tolist()
    unit = u_text[u_code[hit]].tolist()
    named = n_text[n_code[hit]].tolist()
    f = [x[hit].tolist() for x in figures]
    if name == "material":  # named: who moves it, V2G or the charging (review rev40b M2)
        return [material_text(c, u, d, t, nm or "V2G")
                for c, u, d, t, nm in zip(crit, unit, *f, named, strict=True)]
    if name == "marginal":
        return [marginal_text(c, u, p, d, t, nm or "V2G")
                for c, u, p, d, t, nm in zip(crit, unit, *f, named, strict=True)]
    if name == "worse":
        return [marginal_worse_text(c, u, p, d, t, nm or "V2G")
                for c, u, p, d, t, nm in zip(crit, unit, *f, named, strict=True)]
    if name == "shared":  # on the current alone where its change is known (not NaN)
        return [share_text(b, d, u, ic if ic == ic else None, nm if ic == ic else "")
                for u, b, d, ic, nm in zip(unit, *f, named, strict=True)]
    return [marginal_scatter_text(p, t, d, u, ic, nm)
            for u, p, t, d, ic, nm in zip(unit, *f, named, strict=True)]
