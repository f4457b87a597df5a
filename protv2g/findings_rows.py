"""The row-level stages of :func:`protv2g.findings.build_findings`, on integer codes of the
violation rows' text columns (:mod:`protv2g.text_codes`; issue #21: the 10,000-bus study's
472,765 rows).

* :func:`key_codes` — the finding key of every row (criterion, device, partner, mechanism,
  margin unit), the mechanism taken from the typed columns or the coordination table;
* :func:`scenario_codes` — the scenario's participation, load level, export level and total
  export (kW) of every row;
* :func:`collapse` — the rows that differ only in load level (and scenario name) as one
  evidence row, with the load levels they cover;
* :func:`day_load` — the load-level text of an evidence row of the 96-step day;
* :func:`worst_order` — rows worst first, equal margins in an order that does not depend on
  the rows' order or on solver noise.

Each works column by column: a text is written, tested ("given") and compared once per
distinct value, and rows are grouped on codes — the same groups and texts as grouping the
rows' ``astype(str)`` text (codes are canonical, :func:`protv2g.text_codes.text_codes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.load import clock_text
from protv2g.checks.rule_fill import THRESHOLD_KEYS
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX, DAY_SCENARIO_PREFIX, DER_OFF_BASE
from protv2g.significant import round_significant
from protv2g.text_codes import (
    ColumnCodes,
    canonical_codes,
    combine_codes,
    given_codes,
    numeric_codes,
    text_codes,
)
from protv2g.violations import is_given

__all__ = ["Coded", "collapse", "day_load", "export_kw_by_scenario", "finding_mechanism",
           "key_codes", "scenario_codes", "text_ranks", "worst_order"]

#: (codes (n,) int64, distinct texts (k,) object): ``texts[codes]`` is the column's text.
Coded = tuple[np.ndarray, np.ndarray]


def _with_text(coded: Coded, text: str) -> tuple[np.ndarray, int]:
    """``coded``'s texts with ``text`` among them, and its code."""
    codes, texts = coded
    at = np.flatnonzero(texts == text) if len(texts) else np.array([], dtype=np.int64)
    if len(at):
        return texts, int(at[0])
    return np.concatenate([texts, np.array([text], dtype=object)]), len(texts)


def _coordination_rule(cols: ColumnCodes, at: np.ndarray, coordination: pd.DataFrame,
                       pair_criteria: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """For the rows at ``at`` (positions among ``cols``' rows): the ``check`` of the
    coordination row of the same criterion, fault, device pair and scenario whose margin is
    nearest theirs.

    Returns
    -------
    positions : ndarray of int64, shape (m,)
        The rows (of ``at``) with such a coordination row.
    checks : ndarray of object, shape (m,)
        Its ``check`` text.
    """
    keys = ["criterion", "scenario", "fault_bus", "fault_type", "case"]
    frame, rows = cols.frame, cols.at[at]
    left = pd.DataFrame({c: frame[c].iloc[rows].to_numpy() if c in frame.columns else None
                         for c in keys + ["device", "other_device", "margin"]}).astype(
        {k: str for k in keys + ["device", "other_device"]})
    left.insert(0, "_row", at)
    crit_c, crit_t = text_codes(coordination["criterion"])
    # the pair criteria's rows only (the merge would drop the others), written once
    right = coordination.loc[np.isin(crit_t, list(pair_criteria))[crit_c],
                             keys + ["backup", "primary", "margin_s", "check"]]
    right = right.astype({k: str for k in keys + ["backup", "primary"]}).rename(
        columns={"backup": "device", "primary": "other_device"})
    m = left.merge(right, on=keys + ["device", "other_device"], how="inner")
    if m.empty:
        return np.array([], dtype=np.int64), np.array([], dtype=object)
    gap = (pd.to_numeric(m["margin"], errors="coerce")
           - pd.to_numeric(m["margin_s"], errors="coerce")).abs()
    m = m.assign(_gap=gap.fillna(np.inf)).sort_values(["_row", "_gap"], kind="stable")
    best = m.drop_duplicates("_row")
    return (best["_row"].to_numpy(dtype=np.int64),
            best["check"].astype(str).to_numpy(dtype=object))


def _mechanism(cols: ColumnCodes, pair: np.ndarray, coordination: pd.DataFrame | None,
               mechanism_columns: tuple[str, ...], pair_criteria: frozenset[str]) -> Coded:
    """The sub-rule of every row: its typed mechanism columns (first given wins, row by row;
    e.g. C8's ``mechanism`` beside C2's ``rule``), else, for a pair criterion's row (``pair``,
    (n,) bool), the coordination row's rule (C2's lockout rule has no ``rule`` id beside its
    fuse-saving rule's ``fuse_saving_k``)."""
    n = len(cols.at)
    out = np.zeros(n, dtype=np.int64)
    tables = [np.array([""], dtype=object)]
    size = 1
    typed = np.zeros(n, dtype=bool)
    for col in mechanism_columns:  # a column the rows lack is never given
        codes, texts = cols.given(col)
        # a criterion's study threshold named on its rows (C5's zone factors, C12's v_max_pu:
        # :mod:`protv2g.checks.rule_fill`) is its rule for every row, not a sub-rule: it
        # keys no finding of its own (the findings as before review rev39a F2 named it)
        named = (texts != "") & ~np.isin(texts, THRESHOLD_KEYS) if col == "rule" else (
            texts != "")
        fill = ~typed & named[codes]
        out[fill] = codes[fill] + size
        tables.append(texts)
        size += len(texts)
        typed |= fill
    untyped = np.flatnonzero(pair & ~typed)
    if (len(untyped) and coordination is not None and not coordination.empty
            and "check" in coordination.columns):
        at, checks = _coordination_rule(cols, untyped, coordination, pair_criteria)
        if len(at):
            codes, texts = pd.factorize(checks)
            out[at] = codes + size
            tables.append(np.asarray(texts, dtype=object))
    return canonical_codes(out, np.concatenate(tables))


def finding_mechanism(row: Mapping[str, Any]) -> str:
    """The mechanism of the finding a violation row belongs to, as far as the row gives it
    (:func:`key_codes`' rule): its ``mechanism``, else its ``rule``
    unless that is a criterion's study threshold (:data:`protv2g.checks.rule_fill
    .THRESHOLD_KEYS`), else "" — a pair criterion's finding may then take the coordination
    table's rule, which the row does not carry.

    >>> finding_mechanism({"mechanism": None, "rule": "fuse_saving_k"})
    'fuse_saving_k'
    >>> finding_mechanism({"mechanism": "", "rule": "v_max_pu"})
    ''
    """
    for col in ("mechanism", "rule"):
        value = row.get(col)
        if is_given(value) and str(value) and not (col == "rule"
                                                   and str(value) in THRESHOLD_KEYS):
            return str(value)
    return ""


def key_codes(cols: ColumnCodes, coordination: pd.DataFrame | None,
              mechanism_columns: tuple[str, ...], pair_criteria: frozenset[str]
              ) -> dict[str, Coded]:
    """The finding key's parts of every row, coded: ``criterion`` (its text), ``device``,
    ``partner`` (``other_device`` for ``pair_criteria``, else empty), ``mechanism`` and
    ``margin_unit`` (given texts, blank ``""``).

    Parameters
    ----------
    cols : ColumnCodes
        The violation rows' columns: ``criterion``, ``device``, ``other_device``,
        ``margin_unit``, ``mechanism_columns`` (and ``scenario``, ``fault_bus``,
        ``fault_type``, ``case``, ``margin`` for the coordination table's rule).
    """
    crit = cols.text("criterion")
    pair = np.isin(crit[1], list(pair_criteria))[crit[0]]
    other = cols.given("other_device")
    other_texts, blank = _with_text(other, "")
    partner = canonical_codes(np.where(pair, other[0], blank), other_texts)
    return {"criterion": crit, "device": cols.given("device"), "partner": partner,
            "mechanism": _mechanism(cols, pair, coordination, mechanism_columns, pair_criteria),
            "margin_unit": cols.given("margin_unit")}


def scenario_codes(scenario: Coded, info: pd.DataFrame
                   ) -> tuple[dict[str, Coded], np.ndarray | float]:
    """Each row's scenario's ``participation``, ``load_level``, ``export_level`` (given texts,
    coded) and ``p_export_kw`` (kW, (n,), NaN for a scenario ``info`` lacks; NaN without
    ``info``), from ``info`` indexed by scenario name (:func:`protv2g.findings._scenario_info`).
    """
    codes, texts = scenario
    names = pd.Series(texts, dtype=object)
    out = {}
    for col in ("participation", "load_level", "export_level"):
        mapped = names.map(info[col]) if len(info) else pd.Series(np.nan, index=names.index)
        c, t = given_codes(*text_codes(mapped))
        out[col] = (c[codes], t)
    p_kw = names.map(info["p_export_kw"]).to_numpy()[codes] if len(info) else np.nan
    return out, p_kw


def collapse(parts: list[np.ndarray], margin: pd.Series, level: Coded, scenario: Coded
             ) -> tuple[np.ndarray, np.ndarray]:
    """One evidence row per group of rows that differ only in load level (and scenario name).

    Parameters
    ----------
    parts : list of ndarray of int64, each (n,)
        Canonical codes of the columns that must agree (finding key, criterion, status …).
    margin : Series, shape (n,)
        Margins (agreeing to 6 decimals).
    level, scenario : Coded
        Load level (given text) and scenario (text) of each row; rows without a load level
        (the day, the flow-only rows) keep their scenario apart.

    Returns
    -------
    first : ndarray of int64, shape (g,)
        Position of each group's first row, ascending (groups in order of first appearance).
    load_levels : ndarray of object, shape (g,)
        Each group's distinct load levels, sorted, ``", "``-joined (``""`` without).
    """
    m = numeric_codes(pd.to_numeric(margin, errors="coerce").round(6))
    lev_c, lev_t = level
    no_level = (lev_t == "")[lev_c]
    sc_texts, blank = _with_text(scenario, "")
    own = canonical_codes(np.where(no_level, scenario[0], blank), sc_texts)[0]
    gid = combine_codes(*parts, m, own)
    n_groups = int(gid.max()) + 1 if len(gid) else 0
    _, first = np.unique(gid, return_index=True)
    names = sorted(t for t in lev_t.tolist() if t)  # sorted as the joined text lists them
    rank = {t: i for i, t in enumerate(names)}
    if len(names) <= 62:  # each group's set of levels as bits
        bit = np.array([np.int64(1) << rank[t] if t else 0 for t in lev_t.tolist()],
                       dtype=np.int64)
        mask = np.zeros(n_groups, dtype=np.int64)
        np.bitwise_or.at(mask, gid, bit[lev_c])
        sets, inverse = np.unique(mask, return_inverse=True)
        text = np.array([", ".join(t for t in names if (int(s) >> rank[t]) & 1)
                         for s in sets.tolist()], dtype=object)
        return first.astype(np.int64), text[inverse]
    pairs = np.unique(gid * len(lev_t) + lev_c)  # more levels than bits: per distinct pair
    levels: list[list[str]] = [[] for _ in range(n_groups)]
    for g, c in zip((pairs // len(lev_t)).tolist(), (pairs % len(lev_t)).tolist(), strict=True):
        if lev_t[c]:
            levels[g].append(lev_t[c])
    return first.astype(np.int64), np.array(
        [", ".join(sorted(v)) for v in levels], dtype=object)


def day_load(load_levels: np.ndarray, rows: pd.DataFrame) -> np.ndarray:
    """``load_levels`` ((g,) text) of evidence rows (``rows``, g rows), and for a row of the
    96-step day (no load-level axis) the step's time and load: ``"day 20:00 (92 % of peak
    load)"`` (``time_h``, ``load_fraction`` of the flow row, :mod:`protv2g.checks.load`); for
    a row of C8's charging snapshot (``scenario`` ``charging/…``) ``"charging snapshot (100 %
    of peak load)"``, of their base (``base/der_off``) ``"charging snapshots' base, existing
    DER off (100 % of peak load)"`` (IEEE 123's C12 loading rows read "day (100 % …)"), of
    another scenario without a load level ``"100 % of peak load"``."""
    out = np.asarray(load_levels, dtype=object).copy()
    if "load_fraction" not in rows.columns:
        return out
    frac = pd.to_numeric(rows["load_fraction"], errors="coerce").to_numpy()
    t = (pd.to_numeric(rows["time_h"], errors="coerce").to_numpy() if "time_h" in rows.columns
         else np.full(len(rows), np.nan))
    day = np.flatnonzero((out == "") & ~pd.isna(frac))
    scen = (rows["scenario"].to_numpy()[day] if "scenario" in rows.columns
            else np.full(len(day), "", dtype=object))
    for i, h, f, sc in zip(day.tolist(), t[day].tolist(), frac[day].tolist(), scen.tolist(),
                           strict=True):
        if str(sc).startswith(CHARGING_SNAPSHOT_PREFIX):  # C8's snapshot, not a day step
            out[i] = f"charging snapshot ({100 * f:.0f} % of peak load)"
            continue
        if str(sc) == DER_OFF_BASE:  # the snapshots' base (review rev43c M2: read "day")
            out[i] = f"charging snapshots' base, existing DER off ({100 * f:.0f} % of peak load)"
            continue
        if sc and not str(sc).startswith(DAY_SCENARIO_PREFIX):  # neither: its load alone
            out[i] = f"{100 * f:.0f} % of peak load"
            continue
        clock = f" {clock_text(h)}" if np.isfinite(h) else ""
        out[i] = f"day{clock} ({100 * f:.0f} % of peak load)"
    return out


def _alphabetical(values: np.ndarray) -> np.ndarray:
    """Each value's rank among the distinct values as text (int64; equal text, equal rank).
    Integer codes already ordered (``texts``' ranks, :func:`text_codes`) are given as-is."""
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    return pd.factorize(pd.Series(values, dtype=object).astype(str), sort=True)[0]


def export_kw_by_scenario(scenarios: pd.DataFrame | None) -> dict[str, float]:
    """scenario → total V2G export (kW, the sum of the scenario table's ``p_<site>_kw``
    columns): the tie-break of :func:`worst_order` that the Findings sheet and the gate's
    reasons (:func:`protv2g.gate_reasons.grouped_reasons`) share; {} without a table."""
    if not isinstance(scenarios, pd.DataFrame) or "scenario" not in scenarios.columns:
        return {}
    p = [c for c in scenarios.columns if c.startswith("p_") and c.endswith("_kw")]
    if not p:
        return {}
    total = scenarios[p].apply(pd.to_numeric, errors="coerce").sum(axis=1).to_numpy(float)
    return dict(zip(scenarios["scenario"].astype(str), total, strict=True))


#: The ``data_boundary`` flag of a margin resting on a fuse's long-time (melting) asymptote
#: (:class:`protv2g.devices.boundary.DataBoundary`; :func:`protv2g.checks.fuse_melt_text.
#: with_later_stage`): such a row ranks after the rows inside the data (:func:`worst_order`).
ASYMPTOTE_FLAG = ": long_time_asymptote"


def on_asymptote(boundary: np.ndarray | pd.Series | None, n: int) -> np.ndarray | None:
    """``(n,)`` bool: the rows whose ``data_boundary`` holds :data:`ASYMPTOTE_FLAG` (each
    distinct label tested once); None without the column or without such a row."""
    if boundary is None:
        return None
    codes, labels = pd.factorize(pd.Series(boundary).astype(str), use_na_sentinel=False)
    hit = np.array([ASYMPTOTE_FLAG in str(b) for b in labels], dtype=bool)
    if not hit.any():
        return None
    out = hit[codes]
    return out if len(out) == n else None


def worst_order(margin: np.ndarray, status_rank: np.ndarray | None = None,
                p_export_kw: np.ndarray | None = None, names: tuple[np.ndarray, ...] = (),
                asymptote: np.ndarray | None = None) -> np.ndarray:
    """Positions of the rows, worst first.

    By status rank (failing first, :data:`protv2g.violations.STATUS_ORDER`), then margin,
    smallest first, compared to :data:`protv2g.significant.SIGNIFICANT_DIGITS` digits (NaN
    last), then the larger total V2G export first (at an equal margin the row with more
    export is the V2G case a reviewer must accept; NaN last), then ``names`` (e.g. scenario,
    fault bus, fault type, case) as text, ascending. So equal margins — the same fault seen in
    several scenarios, or margins apart by solver noise only (1e-15 between numba cache
    orders) — come in one order whatever order the rows come in, and the row a finding or a
    pair shows as its worst is the same from run to run.

    Parameters
    ----------
    margin : ndarray, shape (n,)
        Margins (float; NaN: none).
    status_rank, p_export_kw : ndarray, shape (n,), optional
        Status ranks (int) and total export (kW); without them, every row alike.
    names : tuple of ndarray, shape (n,) each
        Tie-breaking columns, most significant first: text (compared as ``str``) or integer
        codes already in the order wanted.
    asymptote : ndarray of bool, shape (n,), optional
        Rows whose margin rests on a fuse's melting asymptote (:func:`on_asymptote`): of one
        status, they come after every other row, so the row a finding leads with is a margin
        a reader finds on the TCC (review rev40a M8: J1's −561.5 s from a later stage's
        current at 236 A, at the 100K's 238 A asymptote); among themselves by margin.

    Returns
    -------
    ndarray of int64, shape (n,)

    Examples
    --------
    >>> worst_order(np.array([-0.1, -0.1 + 1e-16, np.nan, -0.2]),
    ...             names=(np.array(["b", "a", "c", "d"], dtype=object),)).tolist()
    [3, 1, 0, 2]
    """
    m = round_significant(np.asarray(margin, dtype=float))
    # least significant first, as ``np.lexsort`` takes them: the names as few integer keys
    # as fit (#21: a sort pass per name, 0.06 s of the 10,000-bus findings and as much of
    # its gate); a key left out when every row has it alike (lexsort is stable)
    keys = _rank_keys([_alphabetical(np.asarray(v)) for v in names])
    if p_export_kw is not None:
        p = -np.asarray(p_export_kw, dtype=float)
        keys.append(np.where(np.isnan(p), np.inf, p))
    keys.append(np.where(np.isnan(m), np.inf, m))
    if asymptote is not None:
        keys.append(np.asarray(asymptote, dtype=np.int64))
    if status_rank is not None:
        keys.append(np.asarray(status_rank, dtype=np.int64))
    return np.lexsort(keys)


def _rank_keys(ranks: list[np.ndarray]) -> list[np.ndarray]:
    """Integer ranks ((n,) each, most significant first) as the fewest int64 keys that sort
    the same, least significant first (``np.lexsort``'s order): consecutive ranks packed
    into one mixed-radix key while it stays below 2**62."""
    keys: list[np.ndarray] = []
    packed, top = None, 1
    for r in ranks:
        r = r - r.min() if len(r) else r.astype(np.int64)  # from 0: the same order
        width = int(r.max()) + 1 if len(r) else 1
        if packed is not None and top * width < 2 ** 62:
            packed, top = packed * width + r, top * width
            continue
        if packed is not None:
            keys.insert(0, packed)
        packed, top = r.astype(np.int64), width
    if packed is not None:
        keys.insert(0, packed)
    return keys


def text_ranks(coded: Coded) -> np.ndarray:
    """Each row's rank of its text among the column's distinct texts (alphabetical)."""
    codes, texts = coded
    return pd.factorize(pd.Series(texts, dtype=object).astype(str), sort=True)[0][codes]
