"""C8 rows whose verdict rests on where the regulators come to rest (review rev49b #5, inv49a).

On a feeder with step-voltage regulators a snapshot's load current is that of one rest point
among several: every tap whose compensated voltage lies inside ``vreg ± band/2`` is one (IEEE
Std C57.15-2017; :mod:`protv2g.flow.tap_band` for C12's voltages). EPRI J1 with three sites
charging: recloser-oh_b18853's 51G carries 53.585 A of 3I0 against 80 / 1.5 = 53.33 A from
the base case's taps, OpenDSS compiled afresh 52.72 A — both valid OpenDSS rest points, one
a-phase tap of regxfmr_b19010 apart (0.72 A), against a 0.25 A margin (inv49a).

The flow gives the rows near their limit two figures (:mod:`protv2g.flow.held_taps`):

* **one tap's effect** — the largest change of the device's current (of its 3I0 for the
  ground rows) from ±1 tap of a single regulator on its path, at the snapshot's state. A row
  whose margin, either side, is no larger than that is not a firm pass or fail, and its
  text names the regulator and the tap's effect and ends "confirm" (:func:`tap_path_texts`).
  A pass within one tap is written as a ``warn`` — C8's rows are ``fail`` or nothing
  otherwise, so ``warn`` here always means this — the status C12 gives what rests on a
  regulator's behaviour rather than on the study's figures
  (:data:`~protv2g.checks.regulator_text.MODE_TO_CONFIRM`: the gate's ``confirm:`` items,
  not its failures). A fail within one tap stays a ``fail`` (a pre-pilot gate does not
  pass what fails at the rest point studied; review ver50 #1: on J1 the same 51G fails by
  0.96 A with the homes charging alone, the Site drivers' flow, beyond one tap). As C12's
  voltage limit has its tolerance (:mod:`protv2g.checks.flow_limit`), C8's has this one,
  measured per row.
* **the increment like for like** — the snapshot solved with the taps held at its base
  case's rest point: V2G's own change of the current beside the row's (which includes the
  taps' own moves). Said on every row it is solved for (near the limit, or failing where
  its base case passes). J1: +2.29 A held, +1.98 A on the flow's path (inv49a: the sites add
  2.2–2.3 A on every tap state it held).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.load_voltage import VOLTAGE_ONLY_TEXT
from protv2g.devices.kinds import ground_pickup_a
from protv2g.devices.load_limit import load_limit_a
from protv2g.flow.held_taps import (
    HELD_COLUMN,
    HELD_RESIDUAL_COLUMN,
    TAP_COLUMN,
    TAP_REGULATOR_COLUMN,
    TAP_REGULATOR_RESIDUAL_COLUMN,
    TAP_RESIDUAL_COLUMN,
)
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX
from protv2g.significant import number_text
from protv2g.violations import CheckStatus

__all__ = ["AT_TAP_TEXT", "c8_limits", "gate_confirm_rows", "gate_confirms", "tap_path_texts"]

#: How a C8 row's words on the regulators' rest point begin (:func:`tap_path_texts`).
AT_TAP_TEXT = " — within one regulator tap of the limit: "


def c8_limits(study: Any) -> dict[str, tuple[float, float]]:
    """Device → C8's ``(phase limit, ground limit)`` (A; NaN where it has no ground
    element), as :func:`protv2g.checks.load.check_load` judges them: what the flow's held-tap
    solves screen on (:mod:`protv2g.flow.held_taps`). Devices that do not build are left out.
    """
    from protv2g.checks._common import build_devices

    devices, _ = build_devices(study)
    fac = float(study.document.checks.load_pickup_factor)
    out = {}
    for name, d in devices.items():
        g = ground_pickup_a(d)
        out[name] = (float(load_limit_a(d, fac)),
                     float(g) / fac if g is not None and g > 0 else np.nan)
    return out


def _column(frame: pd.DataFrame, col: str, kind: type = float) -> np.ndarray:
    if col not in frame.columns:
        return (np.full(len(frame), np.nan) if kind is float
                else np.full(len(frame), "", dtype=object))
    return frame[col].to_numpy(kind) if kind is float else frame[col].fillna("").to_numpy(object)


def _a(i_a: float) -> str:
    """A current in a C8 row's words, to :data:`~protv2g.significant.TEXT_DIGITS`
    significant digits — as the gate's lines and the Summary quote it
    (:func:`~protv2g.significant.short_numbers`), so the row, the gate line and the Summary
    give one figure (review ver50 #4: 53.585 A on the row, 53.59 A on the gate line)."""
    return number_text(float(i_a))


def _signed(d_a: float) -> str:
    """A change of current, signed: "+2.291", "−0.61" (:func:`_a`)."""
    return ("+" if d_a >= 0 else "") + _a(d_a)


def _to_confirm(ground: bool) -> str:
    """What a C8 row within one tap asks to confirm: the taps the regulators hold at such a
    load, or a pickup clear of the ±1 tap range."""
    element = "ground (51G / ground min-trip)" if ground else "phase"
    return ("the regulators' taps at this load (their field settings, vreg and band, and the "
            f"taps they log), or set the {element} pickup clear of the ±1 tap range")


def tap_path_texts(f: pd.DataFrame, worst: pd.DataFrame, i_a: np.ndarray, lim_a: np.ndarray,
                   base_of: dict[str, str], ground: bool
                   ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``(written, status, suffix)`` of C8's worst rows ``worst`` (one per scenario and
    device, of the flow's device rows ``f``), ``i_a`` the current judged (the largest phase
    current, or 3I0 when ``ground``) and ``lim_a`` its limit: which rows are written (failing,
    or within one tap of the limit either side), their status (``warn`` within one tap,
    module docstring; ``fail`` otherwise) and the words each gets after its own (""
    where the flow solved nothing for it).

    >>> w = pd.DataFrame({"scenario": ["charging/firm"], "device": ["r"], "step": [0],
    ...                   "i_residual_held_a": [53.82], "i_residual_tap_a": [0.72],
    ...                   "tap_regulator_residual": ["regxfmr_b19010a −1 tap (0.00625 pu)"]})
    >>> f = pd.concat([w, pd.DataFrame({"scenario": ["base/peak"], "device": ["r"],
    ...                                 "step": [0], "i_residual_a": [51.608]})])
    >>> _, s, t = tap_path_texts(f, w, np.array([53.585]), np.array([53.333]),
    ...                          {"charging/firm": "base/peak"}, ground=True)
    >>> s[0], t[0].split(" moves ")[1][:71]
    ('fail', '3I0 by 0.72 A, either way (±1 tap: 52.87–54.3 A against the 53.33 A lim')
    """
    held_col, tap_col, reg_col, cur = ((HELD_RESIDUAL_COLUMN, TAP_RESIDUAL_COLUMN,
                                        TAP_REGULATOR_RESIDUAL_COLUMN, "i_residual_a")
                                       if ground else (HELD_COLUMN, TAP_COLUMN,
                                                       TAP_REGULATOR_COLUMN, "i_a"))
    tap = _column(worst, tap_col)
    held = _column(worst, held_col)
    reg = _column(worst, reg_col, object)
    margin = lim_a - i_a
    with np.errstate(invalid="ignore"):
        near = np.isfinite(tap) & (np.abs(margin) <= tap)
    written = (i_a >= lim_a) | near
    # within one tap: a fail stays a fail (conservative: the homes alone on J1 fail by 0.96 A,
    # ver50 #1), a pass is a warn to confirm — neither is firm (module docstring)
    status = np.where(near & (i_a < lim_a), CheckStatus.WARN.value,
                      CheckStatus.FAIL.value).astype(object)
    suffix = [""] * len(worst)
    if not (np.isfinite(held) | near).any() or cur not in f.columns:
        return written, status, suffix
    step = (pd.to_numeric(f["step"]).astype(int).to_numpy() if "step" in f.columns
            else np.zeros(len(f), dtype=int))
    base_i = pd.Series(pd.to_numeric(f[cur], errors="coerce").abs().to_numpy(float),
                       index=pd.MultiIndex.from_arrays([f["scenario"].astype(str).to_numpy(),
                                                        f["device"].astype(str).to_numpy(),
                                                        step]))
    base_i = base_i[~base_i.index.duplicated()]
    w_step = (pd.to_numeric(worst["step"]).astype(int).to_numpy() if "step" in worst.columns
              else np.zeros(len(worst), dtype=int))
    for j, (sc, dev) in enumerate(zip(worst["scenario"].astype(str),
                                      worst["device"].astype(str), strict=True)):
        if not (near[j] or np.isfinite(held[j])):
            continue
        base = base_of.get(sc) or ""
        i0 = float(base_i.get((base, dev, int(w_step[j])), np.nan)) if base else np.nan
        who = "the charging" if sc.startswith(CHARGING_SNAPSHOT_PREFIX) else "V2G"
        adds = ""
        if np.isfinite(held[j]) and np.isfinite(i0):
            d = held[j] - i0
            verb = "adds" if d >= 0 else "changes it by"
            adds = (f"{who} {verb} {_signed(d)} A with the taps held at the base case's rest "
                    f"point ({_signed(i_a[j] - i0)} A with the taps' own moves, "
                    f"{_a(i0)} → {_a(i_a[j])} A)")
        what = "3I0" if ground else "the current"
        if near[j]:
            side = ("a fail on this rest point, kept as a fail; at another it may pass"
                    if i_a[j] >= lim_a[j] else
                    "a pass on this rest point; at another it may fail")
            # the range either side (review ver50 #4: "moves 3I0 0.73 A" gave no direction
            # and the figures were rounded twice, 53.585 on the row, 53.59 on the gate line)
            suffix[j] = (f"{AT_TAP_TEXT}{reg[j]} moves {what} by {_a(tap[j])} A, either way "
                         f"(±1 tap: {_a(i_a[j] - tap[j])}–{_a(i_a[j] + tap[j])} A against "
                         f"the {_a(lim_a[j])} A limit, {_a(i_a[j])} A at this rest point): "
                         "the verdict rests on where the regulators come to rest (each tap "
                         "inside the band is one)" + (f"; {adds}" if adds else "")
                         + f" — {side}: confirm {_to_confirm(ground)}")
        elif adds:
            suffix[j] = f"; {adds}"
    return written, status, suffix


def gate_confirms(violations: pd.DataFrame) -> list[str]:
    """The gate's ``confirm:`` lines on C8's ``warn`` rows (within one regulator tap of the
    limit, :func:`tap_path_texts`; or failing only through the loads' voltage response,
    :mod:`protv2g.checks.load_voltage`): one per device and rule (phase, ground), its worst
    (smallest margin) row; as C12's regulator-mode items
    (:data:`~protv2g.checks.regulator_text.MODE_TO_CONFIRM`), listed, never deciding the
    verdict. None without such rows."""
    return [line for line, _ in gate_confirm_rows(violations)]


def gate_confirm_rows(violations: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """:func:`gate_confirms`' lines, each with its device's and rule's rows, worst first (the
    gate's record of the line: its worst row, its rows' attributions and scenarios)."""
    if not {"criterion", "status", "device", "margin", "message"} <= set(violations.columns):
        return []
    at = ((violations["criterion"].astype(str) == "C8")
          & (violations["status"].astype(str) == CheckStatus.WARN.value)).to_numpy(bool)
    if not at.any():
        return []
    rows = violations[at]
    rule = rows["rule"].astype(str) if "rule" in rows.columns else pd.Series("", rows.index)
    out = []
    for (device, _), g in rows.groupby([rows["device"].astype(str), rule], sort=True):
        worst = pd.to_numeric(g["margin"], errors="coerce").idxmin()
        w = g.loc[worst]
        why = ("the loads' response to the voltage V2G moves, no site's current through it"
               if VOLTAGE_ONLY_TEXT in str(w["message"])
               else "at the limit on the regulators' rest point")
        out.append((f"confirm: C8 {device}: {w['message']} (warn: {why}; "
                    f"{w.get('scenario', '')}; {len(g)} row(s))",
                    pd.concat([g.loc[[worst]], g.drop(index=worst)])))
    return out
