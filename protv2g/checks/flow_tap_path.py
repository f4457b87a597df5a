"""C12 under-voltage rows judged over where in their band the regulators rest when the export
starts (review rev43a M11).

A regulator holds any tap whose compensated voltage is inside ``vreg ± band/2`` and moves
only when it leaves it (IEEE Std C57.15-2017, voltage level, bandwidth, time delay, line-drop
compensation; OpenDSS RegControl ``vreg``, ``band``, ``R``, ``X``): what V2G does to a bus
past regulators with line-drop compensation depends on where in the band they rest when the
export starts. IEEE 34 (the campus 58 km out, peak load): reg1/reg2's LDC sees less current
with the export, the compensated voltage rises and the taps come down; 890 (0.927 pu without
V2G) dropped 0.0085 pu at 373 kW from the base case's taps, and a fresh OpenDSS solve of
each case 0.0093 pu at 200 kW — the 1/120 pu materiality (``checks.voltage_change_min_pu``)
is below one tap step (0.00625 pu) plus the band, so the hosting figure moved with the tap
path.

The flow gives each one-step snapshot's lowest service voltage three ways
(:mod:`protv2g.flow.tap_band`): from the base case's own taps (the flow's continuation, the
row's voltage), and at the top and at the bottom of the band in both cases
(:data:`~protv2g.flow.tap_band.TOP_COLUMN`, :data:`~protv2g.flow.tap_band.BOTTOM_COLUMN`:
the band's edges as V2G shifts them; with one regulator the bottom is where a solve
started below the band settles, as OpenDSS compiled afresh from tap 1.0 does).
:func:`tap_path_drops` reads V2G's drop each way; :func:`judged_low` judges the row at the
conservative end — the base case's voltage less the largest drop — and :func:`tap_path_text`
says the three drops and which drove it. The edges compare like with like: the top of the
band without V2G against wherever the snapshot's controls stop would be the band's width,
which a small load change tips as well (IEEE 34: 28 kW of homes on 822.a, 0.0108 pu that
way, 0.0004 pu edge to edge; :mod:`protv2g.flow.tap_band`). A fresh solve of each case is
not one of the three: with cascaded regulators it pairs one rest point without V2G with
another with it (review rev43a's 0.0093 pu at 200 kW), a tap path as arbitrary as any.

Over-voltage rows are bracketed the same way (review rev49b #1): the flow gives each
snapshot's highest service voltage at each edge too (:data:`~protv2g.flow.tap_band.
TOP_HIGH_COLUMN`, :data:`~protv2g.flow.tap_band.BOTTOM_HIGH_COLUMN`); :func:`tap_path_rises`
reads V2G's rise each way (like with like), :func:`judged_high` judges the row at the base
case's voltage plus the largest rise, and the row's message says the three rises
(:func:`tap_path_text` with ``change="rise"``). IEEE 8500 with three sites (the homes' 3 ×
7.2 kW at 240 V on sx3312692a, firm/light): from the base case's taps the depot's and
campus's export tapped vreg2_a/b down one step and the homes' bus read 1.0491 pu (+0.0186
pu), OpenDSS 1.0549 pu; from the top of the band 1.0310 → 1.0558 pu (+0.0248 pu) — a V2G
over-voltage judged on one rest point was missed. The rules after the voltage (a
regulator's own tap move, a bus past a regulator rising as its output, a site's own bus:
:mod:`protv2g.checks.flow_taps`, :mod:`protv2g.checks.flow_band`,
:mod:`protv2g.checks.flow_site_tap`) read the taps of the base case's path as before.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from protv2g.flow.tap_band import BOTTOM_COLUMN, BOTTOM_HIGH_COLUMN, TOP_COLUMN, TOP_HIGH_COLUMN

__all__ = ["CHANGE_COLUMNS", "MOVE_TEXT", "START_COLUMN", "START_KEYS", "STARTS", "TAP_PATH_TEXT",
           "bracketed_high", "judged_high", "judged_low", "tap_path_columns", "tap_path_drops",
           "tap_path_rises", "tap_path_text", "tap_path_values", "tap_words"]

#: The three starts, in the order of :func:`tap_path_drops`'s columns.
STARTS = ("the base case's taps", "the top of their band with and without V2G",
          "the bottom of their band with and without V2G")
#: The three starts as data (:data:`STARTS`' order): the values of :data:`START_COLUMN`.
START_KEYS = ("own_taps", "band_top", "band_bottom")
#: Violation columns (:data:`protv2g.violations.VIOLATION_COLUMNS`, the row's
#: ``margin_unit``): V2G's change from each of :data:`STARTS`, signed as the row worsens.
CHANGE_COLUMNS = ("change_own_taps", "change_band_top", "change_band_bottom")
#: Violation column: the :data:`START_KEYS` value of the start the row is judged from.
START_COLUMN = "judged_start"
#: How the bracket's words begin in a row's message (:func:`tap_path_text`), before what
#: starts ("the export" or, in a charging snapshot, "the charging").
TAP_PATH_TEXT = "; where in their band the regulators rest when "
#: How the tap moves in an under-voltage row's drop begin in its message
#: (:func:`~protv2g.checks.flow_reg_moves.regulator_move_texts` with ``change="drop"``).
MOVE_TEXT = "; a regulator's response is in this drop"
#: A start drops the bus more than the continuation by more than this (pu) to drive the row.
_MORE_PU = 1e-6


def tap_path_values(judged: pd.DataFrame, values: np.ndarray, rows: pd.DataFrame,
                    base_of: Mapping[str, str], columns: tuple[str, str]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``(own, base)``: ``(n, 3)`` each row's value from each of :data:`STARTS` (``values``
    of the ``judged`` rows from the base case's taps, then the flow's ``columns`` at the top
    and at the bottom of the band) in its own scenario and in its base case, NaN where the
    flow gives none and on a row without a base case (a base case's own row).

    ``judged``: the flow's judged bus rows (every scenario and step); ``rows``: the rows to
    judge (``scenario``, ``bus``, ``step``)."""
    n = len(rows)
    own = np.full((n, 3), np.nan)
    base_v = np.full((n, 3), np.nan)
    if not n or not set(columns) <= set(judged.columns):
        return own, base_v
    step = (judged["step"].to_numpy() if "step" in judged.columns
            else np.zeros(len(judged), dtype=int))
    key = pd.MultiIndex.from_arrays([judged["scenario"].astype(str).to_numpy(),
                                     pd.to_numeric(step).astype(int), judged["bus"].to_numpy()])
    cols = np.column_stack([values, *(judged[c].to_numpy(float) for c in columns)])
    table = pd.DataFrame(cols, index=key).groupby(level=[0, 1, 2]).first()
    r_step = (pd.to_numeric(rows["step"]).astype(int).to_numpy() if "step" in rows.columns
              else np.zeros(n, dtype=int))
    scen = rows["scenario"].astype(str).to_numpy()
    base = np.array([str(base_of.get(s, "") or "") for s in scen], dtype=object)
    mine = table.reindex(pd.MultiIndex.from_arrays([scen, r_step, rows["bus"].to_numpy()]))
    ref = table.reindex(pd.MultiIndex.from_arrays([base, r_step, rows["bus"].to_numpy()]))
    v2g = (base != "") & (base != scen)
    own[v2g] = mine.to_numpy(float)[v2g]
    base_v[v2g] = ref.to_numpy(float)[v2g]
    return own, base_v


def tap_path_drops(judged: pd.DataFrame, low: np.ndarray, rows: pd.DataFrame,
                   base_of: Mapping[str, str],
                   columns: tuple[str, str] = (TOP_COLUMN, BOTTOM_COLUMN)
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``(drops, base_low)``: ``(n, 3)`` V2G's drop of each row's lowest service voltage (pu,
    positive = lower with V2G) from each of :data:`STARTS`, NaN where the flow gives none;
    ``(n,)`` the base case's lowest voltage from its own taps.

    ``judged``: the flow's judged bus rows (every scenario and step), ``low`` their lowest
    service voltage (:func:`~protv2g.checks.flow_low.lowest_voltage_pu`); ``rows``: the rows
    to judge (``scenario``, ``bus``, ``step``, ``v_low_pu``); ``columns``: the flow's top and
    bottom columns read (:func:`tap_path_rises` reads the highest voltage's)
    (:func:`tap_path_values`, the base case's less the row's)."""
    own, base_v = tap_path_values(judged, low, rows, base_of, columns)
    return base_v - own, base_v[:, 0]


def tap_path_rises(judged: pd.DataFrame, high: np.ndarray, rows: pd.DataFrame,
                   base_of: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """``(rises, base_high)``: :func:`tap_path_drops` of the highest service voltage ``high``
    (:func:`~protv2g.checks.flow_limit.judged_voltage_pu` of ``judged``; the flow's
    :data:`~protv2g.flow.tap_band.TOP_HIGH_COLUMN` and
    :data:`~protv2g.flow.tap_band.BOTTOM_HIGH_COLUMN`), signed as a rise (positive = higher
    with V2G), and the base case's highest voltage from its own taps."""
    drops, base_high = tap_path_drops(judged, high, rows, base_of,
                                      (TOP_HIGH_COLUMN, BOTTOM_HIGH_COLUMN))
    return -drops, base_high


def judged_high(v_high: np.ndarray, rises: np.ndarray, base_high: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """``(judged, start)``: :func:`judged_low` mirrored — each row's own voltage unless a
    band start raises the bus more, then the base case's voltage plus that largest rise.

    >>> judged_high(np.array([1.0491]), np.array([[0.0186, 0.0248, 0.0151]]),
    ...             np.array([1.0305]))
    (array([1.0553]), array([1]))
    """
    got, start = judged_low(-np.asarray(v_high, float), rises, -np.asarray(base_high, float))
    return -got + 0.0, start


def bracketed_high(judged: pd.DataFrame, w: pd.DataFrame, base_of: Mapping[str, str],
                   value: str = "vm_pu", columns: tuple[str, str] = (TOP_HIGH_COLUMN,
                                                                     BOTTOM_HIGH_COLUMN)
                   ) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """C12's worst over-voltage rows ``w`` (``scenario``, ``bus``, ``step``, ``vm_pu``, of the
    ``judged`` bus rows whose ``vm_pu`` is the judged voltage) with ``vm_pu`` the voltage
    :func:`judged_high` judges them at (a copy where a band start drives one; ``w`` itself
    otherwise), and ``(rises, start, base)`` aligned with them (:func:`tap_path_text`'s
    input; ``base`` the ``(n, 3)`` base case's value at each start,
    :mod:`protv2g.checks.flow_band_pre`'s). ``value``, ``columns``: another quantity that
    grows as the voltage does and the flow's band-edge columns of it (the unbalance factor,
    :data:`~protv2g.flow.tap_band.TOP_UNBALANCE_COLUMN`: review rev49b #4)."""
    own, base = tap_path_values(judged, judged[value].to_numpy(float), w, base_of, columns)
    rises = own - base
    v, start = judged_high(w[value].to_numpy(float), rises, base[:, 0])
    at = start > 0
    if at.any():
        w = w.copy()
        w[value] = np.where(at, v, w[value].to_numpy(float))
    return w, (rises, start, base)


def judged_low(v_low: np.ndarray, drops: np.ndarray, base_low: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """``(judged, start)``: ``(n,)`` the voltage each row is judged at — its own (the base
    case's taps) unless a band start drops the bus more, then the base case's voltage less
    that largest drop (the conservative end) — and ``(n,)`` the index into :data:`STARTS`
    of the start that drove it (0 where the row's own voltage stands).

    >>> judged_low(np.array([0.9186, 0.95]), np.array([[0.0085, 0.0141, -0.0021],
    ...            [np.nan] * 3]), np.array([0.9271, np.nan]))
    (array([0.913, 0.95 ]), array([1, 0]))
    """
    with np.errstate(invalid="ignore"):
        worst = np.where(np.isfinite(drops), drops, -np.inf)
        start = np.argmax(worst, axis=1)
        top = worst[np.arange(len(start)), start]
        more = np.isfinite(top) & np.isfinite(drops[:, 0]) & (top > drops[:, 0] + _MORE_PU)
    judged = np.where(more, base_low - np.where(np.isfinite(top), top, 0.0), v_low)
    return np.round(judged, 12), np.where(more, start, 0)


def tap_path_text(bus_name: str, drops: np.ndarray, start: int, charging: bool = False,
                  change: str = "drop", unit: str = "pu") -> str:
    """The bracket in words for one row (``drops`` its ``(3,)`` :func:`tap_path_drops`), ""
    where the flow gives no band start. ``charging``: the row is a charging snapshot's (the
    sites charging, no export): the drop is the charging's, said so (review ver44 M1: IEEE
    123's charging row read "V2G lowers 65 by +0.0177 pu … when the export starts").
    ``change="rise"``: an over-voltage row's (``drops`` its :func:`tap_path_rises`);
    ``unit``: the changes' (``"%"``: an unbalance row's, points of the unbalance factor).

    >>> tap_path_text("890", np.array([0.0085, 0.0141, -0.0021]), 1)[:84]
    '; where in their band the regulators rest when the export starts decides this drop ('
    >>> "the charging lowers 65 by 0.0177 pu" in tap_path_text(
    ...     "65", np.array([0.0177, 0.0108, 0.0176]), 0, charging=True)
    True
    """
    if not np.isfinite(drops[1:]).any() or not np.isfinite(drops[0]):
        return ""
    cause, what = ("the charging", "the charging") if charging else ("V2G", "the export")
    starts = [s.replace("V2G", cause) for s in STARTS]
    said = ", ".join(f"{d:.4f} {unit} from {s}" for d, s in zip(drops, starts, strict=True)
                     if np.isfinite(d))
    end = ("the conservative end" if start else "the largest of the three")
    other, verb = ("drop", "raises") if change == "rise" else ("rise", "lowers")
    return (f"{TAP_PATH_TEXT}{what} starts decides this {change} (a regulator moves a tap "
            "only when its compensated voltage leaves vreg ± band/2 — IEEE C57.15; the "
            "model's RegControl band and line-drop R/X — so each tap in the band is a rest "
            f"point; a negative {change} is a {other}): {cause} {verb} {bus_name} by {said} "
            f"(each start against the case without {cause} at the same start); judged on "
            f"the {change} from {starts[start]}, {end}")


def tap_path_columns(changes: np.ndarray, start: np.ndarray) -> dict[str, np.ndarray]:
    """The bracket as row columns (:data:`CHANGE_COLUMNS`, :data:`START_COLUMN`) for rows
    whose ``(n, 3)`` ``changes`` (:func:`tap_path_drops` or :func:`tap_path_rises`, in the
    row's unit) and ``(n,)`` ``start`` (index into :data:`STARTS`) are those
    :func:`tap_path_text` says; NaN and "" on a row it says nothing of (no own-taps change or
    no band start).

    >>> c = tap_path_columns(np.array([[-0.0005, -0.0011, 0.0059], [0.01, np.nan, np.nan]]),
    ...                      np.array([2, 0]))
    >>> c["change_band_bottom"].tolist(), c["judged_start"].tolist()
    ([0.0059, nan], ['band_bottom', ''])
    """
    changes = np.asarray(changes, float).reshape(-1, 3)
    said = np.isfinite(changes[:, 0]) & np.isfinite(changes[:, 1:]).any(axis=1)
    out = {c: np.where(said, changes[:, j], np.nan) for j, c in enumerate(CHANGE_COLUMNS)}
    keys = np.array(START_KEYS, dtype=object)[np.asarray(start, dtype=np.intp)]
    out[START_COLUMN] = np.where(said, keys, "").astype(object)
    return out


def tap_words(message: str) -> str:
    """The regulator words of a C12 under-voltage row's ``message`` — its tap moves
    (:data:`MOVE_TEXT`) and its tap path (:data:`TAP_PATH_TEXT`), to the end — without the
    leading "; ", "" where it has neither: what the hosting table shows beside the figure
    this row limits (words written by :func:`tap_path_text` and
    :func:`~protv2g.checks.flow_reg_moves.regulator_move_texts`; nothing is decided on them).

    >>> tap_words("voltage 0.918 pu at 890 …" + TAP_PATH_TEXT + "the export starts")[:30]
    'where in their band the regula'
    """
    at = [i for i in (message.find(MOVE_TEXT), message.find(TAP_PATH_TEXT)) if i >= 0]
    return message[min(at) + 2:] if at else ""
