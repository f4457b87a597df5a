"""A hosting limit that turns on less than its quantity's own accuracy: said, not hidden
(review rev50a #3).

IEEE 123 (rev50a): the depot's C9 limit "first fails 1,143.75 kW (R-L58, SLG-a at r-l58
close-in (min))" is R-L58's 51G picking up — the residual current over its 120 A pickup by
0.02 A (OpenDSS close-in 3I0 118.4 A without V2G, 120.0 A with the depot at ≈ 1.14 MW) —
while its 67N is blinded (|V0| 0.0186 pu < 0.02 pu) with or without V2G; the homes' C9 limit
turns on |V0| within 0.0003 pu of its minimum. Neither text said so. The rule here is general:

* **an overcurrent element's pickup** (C9's *fails to trip*): the current the element picks
  up on is read back from the time it would trip in without directional control (the row's
  ``t_device_s``, the element's own curve inverted: :func:`with_pickup_excess`, the current
  it integrates through the chargers' stages, not the first-cycle ``i_device_a``); over its
  pickup by less than the start-value accuracy (±5 %,
  :data:`protv2g.checks.sensitivity.PICKUP_ACCURACY`, IEC 60255-151) it is a knife edge;
* **a directional element's polarising minimum**: the row's |3V0| (or |Vpol|) below its
  minimum by less than the same ±5 % of it;
* **any row with a margin**: a margin that goes from its value without V2G (``base_margin``)
  to its value at the first failing export inside the row's own ``tolerance`` both times (the
  accuracy of the data it is made of, :mod:`protv2g.checks.attribution`). C12 is left out: its
  voltages are judged with their tolerance already (:mod:`.voltage_text`).

Where the element is blind without V2G too, the text says so from the base case's directional
row of the same fault (:func:`with_pickup_excess`'s ``base_pol_pu``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.directional import polarising_words
from protv2g.checks.sensitivity import PICKUP_ACCURACY
from protv2g.significant import kw_text

__all__ = ["OVER_PICKUP_COLUMN", "BASE_OC_COLUMN", "BASE_POL_COLUMN", "knife_edge_text",
           "with_pickup_excess"]

#: Column: the current (A) the row's overcurrent element picks up on, less its pickup.
OVER_PICKUP_COLUMN = "over_pickup_a"
#: Column: the base case's polarising voltage (pu) at the same relay, element and fault.
BASE_POL_COLUMN = "base_pol_pu"
#: Column: the base case's current (A) the element's overcurrent supervision reads there.
BASE_OC_COLUMN = "base_oc_a"
_FAILS_TO_TRIP = "fails to trip"


def _current_for_time(time_s: Any, t_s: np.ndarray, pickup_a: float) -> np.ndarray:
    """The currents (A) at which ``time_s`` (decreasing in the current) gives each of
    ``t_s``, by bisection between the pickup and twice it (vectorised, 60 halvings: 2⁻⁶⁰ of
    the pickup); NaN where a time is outside that range."""
    t_s = np.asarray(t_s, float)
    lo = np.full(len(t_s), pickup_a * (1 + 1e-9))
    hi = np.full(len(t_s), 2.0 * pickup_a)
    t_lo, t_hi = (np.asarray(time_s(x), float) for x in (lo, hi))
    ok = np.isfinite(t_s) & (t_hi <= t_s) & ((t_lo >= t_s) | ~np.isfinite(t_lo))
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        slower = np.asarray(time_s(mid), float) > t_s
        lo, hi = np.where(slower, mid, lo), np.where(slower, hi, mid)
    return np.where(ok, 0.5 * (lo + hi), np.nan)


def with_pickup_excess(violations: pd.DataFrame, devices: Mapping[str, Any],
                       directional: pd.DataFrame | None, base_of: Mapping[str, str]
                       ) -> pd.DataFrame:
    """``violations`` with :data:`OVER_PICKUP_COLUMN`, :data:`BASE_POL_COLUMN` and
    :data:`BASE_OC_COLUMN` on C9's *fails to trip* rows (NaN elsewhere; the frame itself where
    there are none).

    ``devices``: the checks' devices by name (``ground_time_s`` / ``phase_time_s``);
    ``directional``: the checks' directional table (every scenario's rows, the base cases'
    included); ``base_of``: scenario → its base case."""
    if violations.empty or "mechanism" not in violations.columns:
        return violations
    rows = np.flatnonzero(((violations["criterion"].astype(str) == "C9")
                           & (violations["mechanism"].astype(str) == _FAILS_TO_TRIP)).to_numpy())
    if not len(rows):
        return violations
    r = violations.iloc[rows]
    devs = r["device"].astype(str).to_numpy()
    # the directional element ("67N", "67P-a") and the overcurrent element it controls
    # ("51G"): the row's columns (:data:`protv2g.violations.VIOLATION_COLUMNS`)
    names = _texts(r, "directional_element")
    ground = np.char.endswith(_texts(r, "oc_element").astype(str), "G")
    pickup = pd.to_numeric(r["i_other_a"], errors="coerce").to_numpy(float)
    t_s = pd.to_numeric(r["t_device_s"], errors="coerce").to_numpy(float)
    over = np.full(len(rows), np.nan)
    for (dev, g, p), at in pd.Series(range(len(rows))).groupby([devs, ground, pickup]):
        relay = devices.get(str(dev))
        if relay is not None and math.isfinite(p):
            time_s = relay.ground_time_s if g else relay.phase_time_s
            over[at.to_numpy()] = _current_for_time(time_s, t_s[at.to_numpy()], p) - p
    key = ["scenario", "device", "element", "phase", "fault_bus_name", "fault_type", "case"]
    bases = [base_of.get(str(x), "") for x in r["scenario"]]
    want = [(b, d, *n.partition("-")[::2], str(f), str(t), str(c)) for b, d, n, f, t, c in zip(
        bases, devs, names, r["fault_bus"], r["fault_type"], r["case"], strict=True)]
    pol: dict[tuple, tuple[float, float]] = {}
    if (directional is not None and not directional.empty
            and set(key) | {"v_polarising_pu", "oc_current_a"} <= set(directional.columns)):
        d = directional[directional["scenario"].isin(set(bases))
                        & directional["device"].isin(set(devs))].drop_duplicates(key)
        pol = {tuple(str(x) if pd.notna(x) else "" for x in k): (float(v), float(i))
               for k, v, i in zip(d[key].itertuples(index=False), d["v_polarising_pu"],
                                  d["oc_current_a"], strict=True)}
    got = np.array([pol.get(k, (math.nan, math.nan)) for k in want], float).reshape(-1, 2)
    out = {c: np.full(len(violations), np.nan)
           for c in (OVER_PICKUP_COLUMN, BASE_POL_COLUMN, BASE_OC_COLUMN)}
    out[OVER_PICKUP_COLUMN][rows] = over
    out[BASE_POL_COLUMN][rows], out[BASE_OC_COLUMN][rows] = got[:, 0], got[:, 1]
    return violations.assign(**out)


def _texts(rows: pd.DataFrame, column: str) -> np.ndarray:
    """``(n,)`` the ``column``'s texts of ``rows`` ("" where missing or absent)."""
    if column not in rows.columns:
        return np.full(len(rows), "", dtype=object)
    values = rows[column].astype(object).to_numpy()
    return np.array(["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                     for v in values], dtype=object)


def _num(row: Mapping[str, Any], key: str) -> float:
    v = pd.to_numeric(row.get(key), errors="coerce")
    return float(v) if pd.notna(v) else math.nan


def knife_edge_text(row: Mapping[str, Any], p_kw: float) -> str:
    """What of the limiting ``row`` (at the first failing export ``p_kw``, kW) turns on less
    than its quantity's accuracy (module docstring); "" where nothing does.

    >>> knife_edge_text({"criterion": "C9", "mechanism": "fails to trip", "i_other_a": 120.0,
    ...     "over_pickup_a": 0.02, "t_device_s": 91342.0, "base_pol_pu": 0.0558,
    ...     "directional_element": "67N", "oc_element": "51G", "v_polarising_pu": 0.05551,
    ...     "v_polarising_min_pu": 0.06}, 1143.75)  # doctest: +NORMALIZE_WHITESPACE
    "a knife edge: at 1,144 kW its 51G picks up on 0.02 A over its 120 A pickup (the current
    that would trip it in 9.13e+04 s without directional control: the chargers' current through
    their stages, which moves with the export, not the first cycle's, which their kVA online
    sets), inside the ±5 % pickup accuracy (IEC 60255-151); the directional element is blind
    without V2G too (|3V0| 0.0558 pu without V2G, 0.0555 pu with, its minimum 0.06 pu)"
    """
    parts = []
    crit = str(row.get("criterion", ""))
    at = kw_text(p_kw)
    if crit == "C9" and str(row.get("mechanism", "")) == _FAILS_TO_TRIP:
        pickup, over = _num(row, "i_other_a"), _num(row, OVER_PICKUP_COLUMN)
        oc = str(row.get("oc_element", "") or "")
        name = oc if oc and oc != "nan" else "overcurrent element"
        if math.isfinite(over) and 0 <= over < PICKUP_ACCURACY * pickup:
            parts.append(f"at {at} kW its {name} picks up on {over:.2g} A over its {pickup:g} A "
                         f"pickup (the current that would trip it in "
                         f"{_num(row, 't_device_s'):.3g} s without directional control: the "
                         "chargers' current through their stages, which moves with the export, "
                         "not the first cycle's, which their kVA online sets), inside "
                         f"the ±{100 * PICKUP_ACCURACY:g} % pickup accuracy (IEC 60255-151)")
        # the polarising figures as the row's message gives them (3 significant digits), so
        # that the two agree; NaN where the element is not blind for want of them
        v, v_min = (float(f"{_num(row, c):.3g}") for c in ("v_polarising_pu",
                                                            "v_polarising_min_pu"))
        if math.isfinite(v) and math.isfinite(v_min):
            what = polarising_words(str(row.get("directional_element", "")).partition("-")[0])
            if v_min - v < PICKUP_ACCURACY * v_min:
                parts.append(f"its directional element is blinded by {what} {v:.4g} pu, "
                             f"{v_min - v:.2g} pu below its {v_min:g} pu minimum (inside "
                             f"±{100 * PICKUP_ACCURACY:g} % of it)")
            base = _num(row, BASE_POL_COLUMN)
            if math.isfinite(base) and base < v_min:
                i_base = _num(row, BASE_OC_COLUMN)
                without = (f"; there its {name} reads {i_base:.1f} A against its {pickup:g} A "
                           "pickup" if math.isfinite(i_base) and math.isfinite(pickup) else "")
                parts.append(f"the directional element is blind without V2G too ({what} "
                             f"{base:.3g} pu without V2G, {v:.3g} pu with, its minimum "
                             f"{v_min:g} pu{without})")
    elif crit != "C12":
        m, mb, tol = (_num(row, k) for k in ("margin", "base_margin", "tolerance"))
        if all(math.isfinite(x) for x in (m, mb, tol)) and m < 0 and max(abs(m), abs(mb)) < tol:
            unit = str(row.get("margin_unit", "") or "")
            parts.append(f"its margin goes from {mb:+.3g} without V2G to {m:+.3g} {unit} at "
                         f"{at} kW, both inside the row's tolerance ±{tol:.3g} {unit} (the "
                         "accuracy of the data it is made of)")
    return "a knife edge: " + "; ".join(parts) if parts else ""
