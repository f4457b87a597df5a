"""The fault-level table of the report: fault current at every device's bus, base case vs.
the largest with V2G (maximum and minimum case), on the control-law phasor solution and on the
IEC 60909 basis (:mod:`protv2g.checks.converter_sum`), for the faults on the device's own
phases. A pure function of the result's Fault currents and Settings tables (no new physics).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.text_codes import text_codes

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["FAULT_LEVEL_COLUMNS", "fault_levels", "fault_phases", "on_phases"]

#: Columns of the fault-level table (``phases``: the device's, Settings' ``phases``).
FAULT_LEVEL_COLUMNS = [
    "device", "bus", "phases", "fault_type", "i_max_base_ka", "i_max_v2g_ka", "change_max_percent",
    "i_min_base_ka", "i_min_v2g_ka", "change_min_percent", "i_max_v2g_iec_sum_ka",
    "i_max_base_iec_sum_ka", "change_max_iec_sum_percent",
]


def fault_levels(result: StudyResult) -> pd.DataFrame:
    """Fault current at each device's bus, base case vs. the largest with V2G
    (:data:`FAULT_LEVEL_COLUMNS`): maximum case (``max``) and minimum case (``min``).

    Each device gets the fault types on its own phases (:func:`on_phases`, the Settings
    sheet's ``phases``; every fault type at its bus for a result without them): a device on a
    1-phase lateral off a 2- or 3-phase bus carries only its phase's ground fault (review
    ver39b M-c: IEEE 13's FU-611, on phase c of bus 684, was given 684's SLG-a, 2.235 kA, a
    fault on a phase it does not carry; its own SLG-c is 2.215 kA).

    ``i_*_ka`` are the control-law phasor solution; ``i_max_v2g_iec_sum_ka`` is the largest
    maximum-case level with V2G on the IEC 60909 basis (the chargers' part added by
    magnitude, the Fault currents sheet's ``ikss_iec_sum_ka``,
    :mod:`protv2g.checks.converter_sum`), NaN when the result does not carry it;
    ``i_max_base_iec_sum_ka`` the base case's on the same basis (a feeder's existing DER added
    by magnitude: above the base phasor) and ``change_max_iec_sum_percent`` the change
    between the two — like with like (review s21, EPRI J1 ls_bus 3ph: 4.823 kA against the
    base phasor 4.517 kA read +6.8 %, against the base IEC sum 4.684 kA it is +3.0 %)."""
    fc, settings = result.fault_currents, result.settings
    need = {"scenario", "bus_name", "fault_type", "case", "ikss_ka"}
    if fc is None or fc.empty or settings is None or settings.empty or not need <= set(
            fc.columns) or "bus" not in settings.columns:
        return pd.DataFrame(columns=FAULT_LEVEL_COLUMNS)
    s = result.scenarios
    base = (set(s.loc[s["is_base"].astype(bool), "scenario"].astype(str))
            if s is not None and "is_base" in s else set())
    # only the rows at the devices' buses, and only the columns read (#21: the whole table
    # copied first, ≈ 0.2 s of the 10,000-bus study's 483k fault rows; a mask over it per
    # device re-converted ~10⁵ bus names to text 31 times on the IEEE 8500)
    dev_bus = settings["bus"].astype(str)
    codes, texts = text_codes(fc["bus_name"])
    wanted = set(dev_bus)
    at = np.array([t in wanted for t in texts.tolist()], dtype=bool)[codes]
    iec_ka = (pd.to_numeric(fc["ikss_iec_sum_ka"], errors="coerce").to_numpy()[at]
              if "ikss_iec_sum_ka" in fc.columns else np.nan)
    f = pd.DataFrame({
        "_bus": texts[codes[at]], "fault_type": fc["fault_type"][at].reset_index(drop=True),
        "_case": fc["case"][at].astype(str).to_numpy(),
        "_base": fc["scenario"][at].astype(str).isin(base).to_numpy(),
        "ikss_ka": pd.to_numeric(fc["ikss_ka"], errors="coerce").to_numpy()[at],
        "ikss_iec_sum_ka": iec_ka})
    keys = ["_bus", "fault_type", "_case", "_base"]
    agg = f.groupby(keys, sort=False, observed=True)["ikss_ka"].agg(["max", "min"])
    at_max = f[f["_case"] == "max"]
    iec = at_max[~at_max["_base"]].groupby(["_bus", "fault_type"], sort=False, observed=True)[
        "ikss_iec_sum_ka"].max()
    iec_base = at_max[at_max["_base"]].groupby(["_bus", "fault_type"], sort=False, observed=True)[
        "ikss_iec_sum_ka"].max()
    types: dict[str, list[Any]] = {}  # per bus, its fault types in order of appearance
    for b, ftype in f[["_bus", "fault_type"]].dropna().drop_duplicates().itertuples(
            index=False):
        types.setdefault(b, []).append(ftype)
    stat = {k: (float(hi), float(lo)) for k, hi, lo in zip(
        agg.index, agg["max"].to_numpy(float), agg["min"].to_numpy(float), strict=True)}
    iec_max = dict(zip(iec.index, iec.to_numpy(float), strict=True))
    iec_base_max = dict(zip(iec_base.index, iec_base.to_numpy(float), strict=True))
    phases = (settings["phases"].astype(object).where(settings["phases"].notna(), "")
              .astype(str) if "phases" in settings.columns
              else pd.Series("", index=settings.index))
    rows = []
    for dev, b, ph in zip(settings["device"].astype(str), dev_bus, phases, strict=True):
        for ftype in types.get(b, []):
            if not on_phases(str(ftype), ph):
                continue
            row: dict[str, Any] = {"device": dev, "bus": b, "phases": ph, "fault_type": ftype}
            for case, pick in (("max", 0), ("min", 1)):
                ib = stat.get((b, ftype, case, True), (np.nan, np.nan))[pick]
                iv = stat.get((b, ftype, case, False), (np.nan, np.nan))[pick]
                row[f"i_{case}_base_ka"], row[f"i_{case}_v2g_ka"] = ib, iv
                row[f"change_{case}_percent"] = (100.0 * (iv - ib) / ib if ib > 0
                                                 else np.nan)
            iv = row["i_max_v2g_iec_sum_ka"] = float(iec_max.get((b, ftype), np.nan))
            ib = row["i_max_base_iec_sum_ka"] = float(iec_base_max.get((b, ftype), np.nan))
            row["change_max_iec_sum_percent"] = 100.0 * (iv - ib) / ib if ib > 0 else np.nan
            rows.append(row)
    return pd.DataFrame(rows, columns=FAULT_LEVEL_COLUMNS)


def fault_phases(fault_type: str) -> str:
    """The phases a fault type names: ``"abc"`` for ``3ph``, ``"ca"`` for ``LL-ca`` (the
    OpenDSS path's labels, ``SLG-c``, ``LLG-ab``); ``""`` for a bare type (the pandapower
    path's ``SLG``, ``LL``: no phase named, on a balanced three-phase net).

    >>> [fault_phases(t) for t in ("3ph", "LL-ca", "SLG-c", "SLG")]
    ['abc', 'ca', 'c', '']
    """
    if fault_type == "3ph":
        return "abc"
    _, dash, named = fault_type.partition("-")
    return named if dash else ""


def on_phases(fault_type: str, device_phases: str) -> bool:
    """Whether a fault of ``fault_type`` lies on the device's own phases — every phase it
    names is one the device carries, so the fault can be on its conductors just past it
    (a 1-phase fuse on phase c: ``SLG-c`` only, not ``SLG-a`` or ``LL-ca`` of its bus). A
    bare fault type or unknown device phases (``""``, a result without them) are kept.

    >>> [on_phases(t, "c") for t in ("SLG-c", "SLG-a", "LL-ca", "3ph", "SLG")]
    [True, False, False, False, True]
    >>> on_phases("LL-ca", "ac"), on_phases("SLG-a", "")
    (True, True)
    """
    named = fault_phases(fault_type)
    return not named or not device_phases or set(named) <= set(device_phases)
