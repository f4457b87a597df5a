"""Which element of each device gives the time a report row prints (phase or ground, fast
or delayed, instantaneous, fuse minimum melt or total clearing), and the named elements of
the Evidence rows of pair criteria.

Used by :mod:`protv2g.report.derived` (Pair coordination sheet, Evidence); re-evaluates the
devices' own curves (:mod:`protv2g.devices.staged`) at the staged currents the result holds —
no new physics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.devices.kinds import kind_of
from protv2g.devices.staged import staged_device_times, staged_operate_time_s
from protv2g.report.devices import devices_from_result
from protv2g.violations import is_given

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["FAULT_KEY", "EVIDENCE_NAMED_PER_FINDING", "device_elements", "evidence_elements",
           "fault_index"]

#: Key of a device fault row (``result.device_faults`` columns).
FAULT_KEY = ["scenario", "device", "fault_bus_name", "fault_type", "case"]


def _time_kinds(rule: str, margin_s: float, p_role: str, b_role: str) -> tuple[str, str]:
    """Which time of the primary and of the backup a coordination row shows
    (:mod:`protv2g.checks.coordination`, :mod:`protv2g.checks.recloser_fuse`): ``op`` (relay
    operate time), ``longest`` (recloser's longest shot), ``fast``/``delayed`` (recloser
    curve), ``mm``/``tc`` (fuse minimum melt / total clearing)."""
    saving = rule == "fuse_saving_k" or margin_s == -np.inf  # saving, or fault not seen
    p_kind = {"relay": "op", "recloser": "longest",
              "fuse": "mm" if saving else "tc"}.get(p_role, "op")
    b_kind = {"relay": "op", "fuse": "mm",
              "recloser": "fast" if saving else "delayed"}.get(b_role, "op")
    return p_kind, b_kind


def _candidates(model: Any, kind: str, ip: np.ndarray, ig: np.ndarray, t0: np.ndarray,
                t1: np.ndarray) -> dict[str, float]:
    """Operate time (s) of every element of ``model`` that can give its ``kind`` time
    (:func:`_time_kinds`), through the stages ``ip``/``ig`` (A) over ``t0``–``t1`` (s),
    ``(n_stage,)`` each: each element on its own current, as the checks integrate them
    (:mod:`protv2g.devices.staged`)."""
    role = kind_of(model).role
    ip2, ig2, a, b = ip[:, None], ig[:, None], t0[:, None], t1[:, None]
    if role == "fuse":
        t = staged_device_times(model, ip2, None, a, b)
        return {"fuse MM": float(t["t_mm_s"][0])} if kind == "mm" else {
            "fuse TC": float(t["t_tc_s"][0])}
    if role == "relay":
        t = staged_device_times(model, ip2, ig2, a, b)
        s = model.settings
        inst_p = s.inst_pickup_a is not None and ip[0] >= s.inst_pickup_a
        return {"51P": float(t["t_51p_s"][0]), "51G": float(t["t_51g_s"][0]),
                "50P" if inst_p else "50G": float(t["t_50_s"][0])}
    if role != "recloser":
        return {}
    curves = {"fast P": (model.fast_time_s, ip2), "fast G": (model.ground_fast_time_s, ig2),
              "delayed P": (model.delayed_time_s, ip2),
              "delayed G": (model.ground_delayed_time_s, ig2)}
    shots = {"op": model.shot_kinds[:1], "fast": ("fast",), "delayed": ("delayed",)}.get(
        kind, tuple(model.shot_kinds))  # longest: any curve of the sequence
    return {name: float(staged_operate_time_s(fn(i), a, b, reset="instantaneous")[0])
            for name, (fn, i) in curves.items() if name.split()[0] in shots}


def _element(candidates: list[dict[str, float]], shown_s: float, scale: float) -> str:
    """The element whose time (× ``scale``, the rule's K or f) reproduces ``shown_s`` best
    (log ratio) under any of the stage models of ``candidates``; ``""`` where the time shown
    is not a finite operate time."""
    if not np.isfinite(shown_s) or shown_s <= 0:
        return ""
    best, err = "", np.inf
    for times in candidates:
        for name, t in times.items():
            if np.isfinite(t) and t > 0 and abs(np.log(scale * t / shown_s)) < err:
                best, err = name, abs(np.log(scale * t / shown_s))
    return best


def device_elements(models: dict[str, Any], faults: pd.Series | None, result: StudyResult,
              row: pd.Series | None, primary: str, backup: str) -> str:
    """``"FU-1 fuse TC, R-1 51G"``: the element of each device whose time ``row`` shows.

    ``faults`` maps :data:`FAULT_KEY` to the row's position in ``result.device_faults``.
    Each element's time is computed on that row's first-cycle current held and, where the
    result keeps them, through its low-bracket stages (``result.staged``); the element
    whose time reproduces the time shown is named (phase or ground, fast or delayed, 50 or
    51 decided by the time, not by the rule).
    """
    if row is None or faults is None:
        return ""
    pm, bm = models.get(primary), models.get(backup)
    if pm is None or bm is None:
        return ""
    rule = str(row.get("rule", ""))
    kinds = _time_kinds(rule, float(row["margin_s"]), kind_of(pm).role, kind_of(bm).role)
    k = float(row["rule_value"]) if is_given(row.get("rule_value")) else 1.0
    scales = ((k if rule == "source_side_fuse_factor" else 1.0),
              (k if rule == "fuse_saving_k" else 1.0))
    df, st = result.device_faults, result.staged
    out = []
    for name, model, kind, side, scale in ((primary, pm, kinds[0], "primary", scales[0]),
                                           (backup, bm, kinds[1], "backup", scales[1])):
        key = (str(row["scenario"]), name, str(row["fault_bus"]), str(row["fault_type"]),
               str(row["case"]))
        if key not in faults.index:
            continue
        pos = int(np.atleast_1d(faults.loc[key])[0])
        f = df.iloc[pos]
        ip0 = 1000.0 * max(float(f["ia_ka"]), float(f["ib_ka"]), float(f["ic_ka"]))
        held = (np.array([ip0]), np.array([1000.0 * float(f["i3i0_ka"])]), np.zeros(1),
                np.full(1, np.inf))
        models_ = [held]
        if st is not None and st.n_rows == len(df):
            t0, t1 = st.times_s([pos])
            models_.append((st.phase_a([pos])[:, 0], st.ground_a([pos])[:, 0], t0[:, 0],
                            t1[:, 0]))
        with np.errstate(all="ignore"):
            cands = [_candidates(model, kind, *m) for m in models_]
        el = _element(cands, float(row[f"t_{side}_s"]), scale)
        out.append(f"{name} {el}".strip())
    return ", ".join(out)


def fault_index(result: StudyResult) -> pd.Series | None:
    """:data:`FAULT_KEY` → row position in ``result.device_faults`` (``result.staged`` is
    aligned by position), or None without device faults."""
    faults = result.device_faults if isinstance(result.device_faults, pd.DataFrame) else None
    if faults is None or faults.empty:
        return None
    keys = faults[FAULT_KEY].astype(str)
    return pd.Series(np.arange(len(keys)), index=pd.MultiIndex.from_frame(keys)).sort_index()


#: Evidence rows per finding (the smallest margins first) whose operating elements are named.
EVIDENCE_NAMED_PER_FINDING = 10


def evidence_elements(result: StudyResult, evidence: pd.DataFrame) -> pd.DataFrame:
    """For each evidence row of a pair criterion: ``elements``, the element of each device
    whose time the row prints (``"RC-F1 delayed G, FU-F1-LAT2 fuse TC"``; device first, then
    the other device), named as the Pair coordination sheet names them (:func:`device_elements`),
    and ``i_device_3i0_a`` / ``i_other_3i0_a``, the devices' first-cycle residual current
    3I0 (A, ``result.device_faults``) beside their phase current. Empty / NaN for other rows;
    ``elements`` only on the :data:`EVIDENCE_NAMED_PER_FINDING` smallest-margin rows of each
    finding (naming recomputes every element's time, row by row).
    """
    out = pd.DataFrame({"elements": "", "i_device_3i0_a": np.nan, "i_other_3i0_a": np.nan},
                       index=evidence.index)
    if evidence.empty:
        return out
    pair = evidence["criterion"].astype(str).isin(("C1", "C2", "C3", "C4")) & (
        evidence["other_device"].map(is_given))
    faults = fault_index(result)
    if not pair.any() or faults is None:
        return out
    models, _ = devices_from_result(result)
    i3i0 = 1000.0 * pd.to_numeric(result.device_faults["i3i0_ka"], errors="coerce").to_numpy()
    # naming recomputes every element's time row by row (≈ 14 ms a row): only the
    # EVIDENCE_NAMED_PER_FINDING worst rows of each finding are named (the rest keep "")
    rows = evidence[pair]
    margin = pd.to_numeric(rows["margin"], errors="coerce")
    named = set(rows.assign(_m=margin).sort_values("_m", kind="stable")
                .groupby(rows["finding"].astype(str) if "finding" in rows.columns
                         else pd.Series("", index=rows.index), sort=False)
                .head(EVIDENCE_NAMED_PER_FINDING).index)
    # 3I0 of each row's devices: the first device-fault row of its key (the smallest
    # position in ``faults``), by one re-index (a MultiIndex look-up per row took
    # 2 × 27,016 × ≈ 0.4 ms on the 1,000-bus study)
    first = faults.groupby(level=list(range(len(FAULT_KEY))), sort=False).min()
    for col, dev in (("i_device_3i0_a", "device"), ("i_other_3i0_a", "other_device")):
        asked = pd.MultiIndex.from_arrays(
            [rows[c].astype(str).to_numpy()
             for c in ("scenario", dev, "fault_bus", "fault_type", "case")], names=FAULT_KEY)
        pos = first.reindex(asked).to_numpy(float)
        found = np.isfinite(pos)
        out.loc[rows.index[found], col] = i3i0[pos[found].astype(int)]
    for i, r in rows[rows.index.isin(named)].iterrows():
        row = pd.Series({"scenario": r["scenario"], "fault_bus": r["fault_bus"],
                         "fault_type": r["fault_type"], "case": r["case"],
                         "rule": r.get("rule", "") if is_given(r.get("rule")) else "",
                         "rule_value": r.get("rule_value"), "margin_s": r["margin"],
                         "t_primary_s": r["t_other_s"], "t_backup_s": r["t_device_s"]})
        names = device_elements(models, faults, result, row, str(r["other_device"]),
                          str(r["device"]))
        out.at[i, "elements"] = ", ".join(reversed(names.split(", "))) if names else ""
    return out
