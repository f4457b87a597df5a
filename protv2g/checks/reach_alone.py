"""C5's note on a zone fault its device has no clearing time for: who clears it instead.

The coordination rules (:mod:`protv2g.checks.coordination`) judge a pair only at the faults
where the primary operates: an interval needs two times (domain.md C1, "at every fault both
see"). A primary that does not operate for a fault of its own zone is a reach failure — C5's
row, which fails below 1.5 × pickup and so at every zone fault where the device does not
operate at all. That row says what the missing pair row would have: the device does not clear
the fault, and its backup clears it alone, taking out everything it feeds (review rev37a F8,
EPRI ckt5: F-DEPOT 140K for a 20 Ω SLG fault at its own terminal, ≈ 310 A under its 372 A
maximum-melt asymptote: the head's 51G clears it alone in ≈ 26 s). Faults outside the device's
zone never reach here: C5 judges the zone's faults only (:mod:`protv2g.checks.reach_zone`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._common import CheckContext, fmt_s
from protv2g.checks._keys import keys_of
from protv2g.checks._rows import factorize_all, key_codes

__all__ = ["alone_notes"]

_KEYS = ["scenario", "fault_bus", "fault_type", "case"]
#: What a device without a clearing time for a fault is said to do (a fuse between its minimum
#: and maximum melt may melt, late: it is not sure to).
_NOT_SURE = ("is not sure to operate for it (no clearing time at this current: below its "
             "pickup or its total-clearing curve)")


def alone_notes(ctx: CheckContext, scenario: np.ndarray, device: np.ndarray,
                fault_bus: np.ndarray, fault_type: np.ndarray, case: np.ndarray
                ) -> np.ndarray:
    """``(n,)`` object: for each failing C5 row whose device does not operate for the fault (no
    finite clearing time ``t_clear_s`` in the fault table, or no row there: it sees ≈ 0 A),
    ``"; <device> is not sure to operate for it (…): <backup> clears it alone in <t> s …"``
    (the pair's backup nearest the fault, :attr:`CheckContext.pairs`, with the shortest
    clearing time; of equal times the first in the pair table), or ``"…, and nor is
    <backup>, the next device toward the source"`` (none of them has a time), or ``"…, and no
    device of the study is between it and the source"``; ``""`` for every other row.

    Worked on integer codes (#21: two merges on five text keys and a ``groupby`` with a
    Python join per group were 4 s CPU of the 10,000-bus study's checks, 157,664 rows
    without a time): the fault table's rows with a finite time keyed by (fault, device), each
    key's shortest time looked up for the rows' own devices and for their pairs' backups.
    Keys are compared as text (``str`` of the scenario, fault type, case and device; the
    fault bus as an integer), as the merges did.

    Parameters
    ----------
    ctx : CheckContext
        ``faults`` (``t_clear_s``, s) and ``pairs``.
    scenario, device, fault_bus, fault_type, case : numpy.ndarray
        ``(n,)`` the rows' keys; ``fault_bus`` the fault table's bus id.
    """
    n = len(device)
    out = np.full(n, "", dtype=object)
    f = ctx.faults
    if n == 0 or f is None or "t_clear_s" not in f.columns:
        return out
    # each key column's distinct texts once (#21: 204,555 rows at 10,000 buses written out as
    # text four times, 0.1 s), the rows as codes into them
    d_code, d_text = _row_texts(device)
    dev = d_text[d_code]  # the rows' device texts, one ``str`` per device
    bus = np.asarray(fault_bus).astype(np.int64)
    texts = [_row_texts(v) for v in (scenario, fault_type, case)]
    mine = set(d_text.tolist())
    p_bus, p_primary, p_backup = _pairs_of(ctx.pairs, mine)
    # the fault table's rows of these devices and their backups with a finite time: only
    # those can say a device operates or name a backup's time
    wanted = mine | set(p_backup.tolist())
    keys = keys_of(ctx)
    if keys is None:
        at = np.flatnonzero(f["device"].isin(wanted).to_numpy())
    else:  # the context's device codes (#21: the 1.8 million names hashed again at 10,000
        # buses)
        codes = keys.device_codes(list(wanted))
        at = np.flatnonzero(np.isin(keys.device, codes[codes >= 0]))
    t_s = pd.to_numeric(f["t_clear_s"].to_numpy()[at], errors="coerce").astype(float)
    fin = np.isfinite(t_s)
    at, t_s = at[fin], t_s[fin]
    # (fault, device) keys: the fault part coded over the table's rows and the C5 rows at
    # once (equal values, equal codes), the device by the table's device texts (−1: none)
    t_codes, q_codes = zip(*(_text_codes(f[c], at, q) for c, q in zip(
        ("scenario", "fault_type", "case"), texts, strict=True)), strict=True)
    fault = key_codes([np.concatenate([t_codes[0], q_codes[0]]),
                       np.concatenate([f["fault_bus"].to_numpy()[at].astype(np.int64), bus]),
                       np.concatenate([t_codes[1], q_codes[1]]),
                       np.concatenate([t_codes[2], q_codes[2]])])
    t_dev, vocab = _device_codes(f["device"], at)
    width = len(vocab) + 1  # device code + 1: 0 for a name the table does not hold
    known, shortest = _shortest(fault[:len(at)] * width + t_dev + 1, t_s)
    row_fault = fault[len(at):]
    own = _lookup(known, shortest, row_fault * width + vocab.get_indexer(d_text)[d_code] + 1)
    dead = np.flatnonzero(~np.isfinite(own))
    if not len(dead):
        return out
    # each dead row's pairs (same fault bus, its device the primary), in the pair table's
    # order, and each pair's backup's shortest time for the row's fault
    row, pair = _pairs_at(bus[dead], dev[dead], p_bus, p_primary)
    t_backup = _lookup(known, shortest, row_fault[dead[row]] * width
                       + vocab.get_indexer(p_backup[pair]) + 1)
    order = np.lexsort((t_backup, row))  # stable: equal times keep the pair table's order
    first = np.flatnonzero(np.r_[True, row[order][1:] != row[order][:-1]]) if len(order) \
        else np.zeros(0, dtype=np.intp)
    best = order[first]
    clears = np.isfinite(t_backup[best])
    said: dict[tuple[str, str, float], str] = {}
    for r, k, t in zip(row[best][clears].tolist(), pair[best][clears].tolist(),
                       t_backup[best][clears].tolist(), strict=True):
        d, b = dev[dead[r]], p_backup[k]
        text = said.get((d, b, t))
        if text is None:
            text = said[(d, b, t)] = (
                f"; {d} {_NOT_SURE}: {b} clears it alone in {fmt_s(t)}, taking out "
                f"everything behind {b} (no coordination row: no interval without a primary "
                "time)")
        out[dead[r]] = text
    # a device further up may still clear it: not said here, the next ones named — one text
    # per (device, set of backups), not per row (#21: 157,580 such rows at 10,000 buses)
    none = row[best][~clears]
    if len(none):
        group, members = _backup_sets(d_code[dead[none]], none, row, p_backup[pair])
        said_none = np.array([
            f"; {dev[dead[none[g]]]} {_NOT_SURE}, and nor is {' and '.join(sorted(names))}, "
            "the next device toward the source" for g, names in members], dtype=object)
        out[dead[none]] = said_none[group]
    alone = np.ones(len(dead), dtype=bool)
    alone[row] = False
    lone = dead[alone]
    if len(lone):  # one text per device
        code, first_row = np.unique(d_code[lone], return_index=True)
        said_alone = np.empty(len(d_text), dtype=object)
        said_alone[code] = [f"; {dev[lone[r]]} {_NOT_SURE}, and no device of the study is "
                            "between it and the source" for r in first_row.tolist()]
        out[lone] = said_alone[d_code[lone]]
    return out


def _row_texts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, texts)``: ``np.asarray(values).astype(str)`` as codes into its distinct
    texts (an object array of ``str``), each distinct value written once."""
    raw, uniques = factorize_all(np.asarray(values))
    same, distinct = pd.factorize(np.asarray(uniques).astype(str).astype(object))
    return same[raw].astype(np.int64), np.asarray(distinct, dtype=object)


def _backup_sets(device: np.ndarray, rows: np.ndarray, row: np.ndarray, backup: np.ndarray
                 ) -> tuple[np.ndarray, list[tuple[int, set[str]]]]:
    """The rows ``rows`` (ascending, values of the ascending ``row``) grouped by their
    ``device`` code and their set of backups ``backup[row == r]``: ``(group, members)``,
    each row's group number (first appearance) and each group's first position in ``rows``
    with its set of backup texts. The sets are compared as bit masks of the distinct
    backups (64 a word), each group's set written once."""
    b_code, b_text = pd.factorize(np.asarray(backup, dtype=object))
    words = max((len(b_text) + 63) // 64, 1)
    mask = np.zeros((words, len(rows)), dtype=np.uint64)
    take = np.flatnonzero(np.isin(row, rows))  # the rows' pair positions
    code = b_code[take].astype(np.uint64)
    np.bitwise_or.at(mask, (code // np.uint64(64), np.searchsorted(rows, row[take])),
                     np.left_shift(np.uint64(1), code % np.uint64(64)))
    group = key_codes([device, *mask])
    firsts = np.unique(group, return_index=True)[1]  # each group's first row, by number
    lo, hi = (np.searchsorted(row, rows[firsts], side=s) for s in ("left", "right"))
    return group, [(g, set(backup[a:b].tolist())) for g, a, b in zip(
        firsts.tolist(), lo.tolist(), hi.tolist(), strict=True)]


def _pairs_of(pairs: pd.DataFrame | None, primaries: set[str]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pair table's ``(fault_bus, primary, backup)`` (int64, str, str) of the rows whose
    primary is one of ``primaries``, in the table's order."""
    if pairs is None or pairs.empty:
        return np.zeros(0, np.int64), np.zeros(0, str), np.zeros(0, str)
    primary = pairs["primary"].astype(str).to_numpy()
    keep = np.flatnonzero(pd.Index(primary).isin(primaries)) if len(primary) else \
        np.zeros(0, np.intp)
    return (pairs["fault_bus"].to_numpy()[keep].astype(np.int64), primary[keep].astype(str),
            pairs["backup"].astype(str).to_numpy()[keep].astype(str))


def _text_codes(column: pd.Series, at: np.ndarray, query: tuple[np.ndarray, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``column``'s rows ``at`` and of the query rows ``(codes, texts)``
    (:func:`_row_texts`) in one numbering of the texts ``str(value)`` (−1: a query text the
    rows do not hold), the rows' by their categories' (or distinct values') texts, never a
    text per row."""
    codes, text = _value_texts(column, at)
    index = pd.Index(text)
    q_code, q_text = query
    return codes, index.get_indexer(q_text)[q_code]


def _device_codes(column: pd.Series, at: np.ndarray) -> tuple[np.ndarray, pd.Index]:
    """``(codes, texts)``: each row ``at``'s device as a code into the distinct texts."""
    codes, text = _value_texts(column, at)
    return codes, pd.Index(text)


def _value_texts(column: pd.Series, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``at`` of ``column`` as codes into their distinct texts ``str(value)`` (as
    ``column.to_numpy()[at].astype(str)``; a missing category's text ``"nan"``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = column.cat.categories
        values = np.empty(len(cats) + 1, dtype=object)
        values[:-1] = cats.to_numpy(dtype=object)
        values[-1] = np.nan
        raw = column.cat.codes.to_numpy()[at].astype(np.int64)
        raw = np.where(raw < 0, len(cats), raw)
        text = values.astype(str)
    else:
        raw, uniques = pd.factorize(column.to_numpy()[at], use_na_sentinel=False)
        text = np.asarray(uniques).astype(str)
    same, distinct = pd.factorize(text.astype(object))  # two values, one text: one code
    return same[raw].astype(np.int64), np.asarray(distinct, dtype=object)


def _shortest(key: np.ndarray, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, t)``: the distinct ``key`` values ascending and each one's smallest ``t_s``."""
    order = np.lexsort((t_s, key))
    key, t_s = key[order], t_s[order]
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, dtype=bool)
    return key[first], t_s[first]


def _lookup(keys: np.ndarray, t_s: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Each ``query`` key's time in ``(keys, t_s)`` (:func:`_shortest`), ``inf`` where none."""
    pos = np.searchsorted(keys, query)
    hit = pos < len(keys)
    hit[hit] = keys[pos[hit]] == query[hit]
    return np.where(hit, t_s[np.minimum(pos, max(len(keys) - 1, 0))] if len(keys) else np.inf,
                    np.inf)


def _pairs_at(bus: np.ndarray, device: np.ndarray, p_bus: np.ndarray, p_primary: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """``(row, pair)``: every pair ``p`` whose ``(p_bus, p_primary)`` is a row's ``(bus,
    device)``, rows ascending and each row's pairs in the pair table's order."""
    if not len(p_bus) or not len(bus):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    code = key_codes([np.concatenate([p_bus, bus]),
                      np.concatenate([p_primary.astype(object), device.astype(object)])])
    p_code, r_code = code[:len(p_bus)], code[len(p_bus):]
    order = np.argsort(p_code, kind="stable")
    sorted_code = p_code[order]
    lo = np.searchsorted(sorted_code, r_code, side="left")
    count = np.searchsorted(sorted_code, r_code, side="right") - lo
    row = np.repeat(np.arange(len(bus)), count)
    step = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    return row, order[np.repeat(lo, count) + step]
