"""Which element of each device gives the time a report row prints (phase or ground, fast
or delayed, instantaneous, fuse minimum melt or total clearing), and the named elements of
the Evidence rows of pair criteria.

Used by :mod:`protv2g.report.derived` (Pair coordination sheet, Evidence); re-evaluates the
devices' own curves (:mod:`protv2g.devices.staged`) at the staged currents the result holds —
no new physics. The device-fault index it reads the staged currents through is
:mod:`protv2g.report.fault_keys` (re-exported here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.checks.operating_element import OperatingElement
from protv2g.devices.kinds import kind_of
from protv2g.devices.staged import staged_device_times, staged_operate_time_s
from protv2g.report.devices import devices_from_result
from protv2g.report.fault_keys import (
    FAULT_KEY,
    ColumnCoding,
    FaultIndex,
    cell_codes,
    fault_index,
    fault_key_codes,
)
from protv2g.text_codes import given_codes, text_codes
from protv2g.violations import is_given

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["FAULT_KEY", "EVIDENCE_NAMED_PER_FINDING", "ColumnCoding", "FaultIndex", "cell_codes",
           "device_elements", "device_elements_many", "evidence_elements", "fault_index",
           "fault_key_codes"]


def _time_kinds(rule: str, margin_s: float, p_role: str, b_role: str) -> tuple[str, str]:
    """Which time of the primary and of the backup a coordination row shows
    (:mod:`protv2g.checks.coordination`, :mod:`protv2g.checks.recloser_fuse`): ``op`` (relay
    operate time), ``longest`` (recloser's longest shot), ``fast``/``delayed`` (recloser
    curve), ``mm``/``tc`` (fuse minimum melt / total clearing). The C4 ``fast_shot_order``
    rows compare the two reclosers' fast shots (:mod:`protv2g.checks.coordination`).

    Examples
    --------
    >>> _time_kinds("fast_shot_order", -0.1, "recloser", "recloser")
    ('fast', 'fast')
    >>> _time_kinds("coordination_interval", 0.5, "recloser", "recloser")
    ('longest', 'delayed')
    """
    if rule == "fast_shot_order":  # C4 recloser→recloser fast shots: both show fast times
        return "fast", "fast"  # (review s22: the backup's was named "delayed P")
    saving = rule == "fuse_saving_k" or margin_s == -np.inf  # saving, or fault not seen
    p_kind = {"relay": "op", "recloser": "longest",
              "fuse": "mm" if saving else "tc"}.get(p_role, "op")
    b_kind = {"relay": "op", "fuse": "mm",
              "recloser": "fast" if saving else "delayed"}.get(b_role, "op")
    return p_kind, b_kind


def _candidates(model: Any, kind: str, ip: np.ndarray, ig: np.ndarray, t0: np.ndarray,
                t1: np.ndarray) -> list[dict[str, float]]:
    """Per column, the operate time (s) of every element of ``model`` that can give its
    ``kind`` time (:func:`_time_kinds`), through the stages ``ip``/``ig`` (A) over ``t0``–``t1``
    (s), ``(n_stage, k)`` each: each element on its own current, as the checks integrate
    them (:mod:`protv2g.devices.staged`, vectorised over the ``k`` columns)."""
    role = kind_of(model).role
    k = ip.shape[1]
    if role == "fuse":
        t = staged_device_times(model, ip, None, t0, t1)
        name, col = ("fuse MM", "t_mm_s") if kind == "mm" else ("fuse TC", "t_tc_s")
        return [{name: float(x)} for x in t[col]]
    if role == "relay":
        t = staged_device_times(model, ip, ig, t0, t1)
        s = model.settings
        inst_p = (ip[0] >= s.inst_pickup_a if s.inst_pickup_a is not None
                  else np.zeros(k, dtype=bool))
        return [{"51P": float(a), "51G": float(b), "50P" if p else "50G": float(c)}
                for a, b, c, p in zip(t["t_51p_s"], t["t_51g_s"], t["t_50_s"], inst_p,
                                      strict=True)]
    if role != "recloser":
        return [{} for _ in range(k)]
    curves = {"fast P": (model.fast_time_s, ip), "fast G": (model.ground_fast_time_s, ig),
              "delayed P": (model.delayed_time_s, ip),
              "delayed G": (model.ground_delayed_time_s, ig)}
    shots = {"op": model.shot_kinds[:1], "fast": ("fast",), "delayed": ("delayed",)}.get(
        kind, tuple(model.shot_kinds))  # longest: any curve of the sequence
    times = {name: staged_operate_time_s(fn(i), t0, t1, reset="instantaneous")
             for name, (fn, i) in curves.items() if name.split()[0] in shots}
    return [{name: float(t[j]) for name, t in times.items()} for j in range(k)]


def coded_elements(row: pd.Series | None, primary: str, backup: str,
                   models: dict[str, Any]) -> str:
    """The elements of a coordination row's two devices as its own element codes say
    (``element_primary``/``element_backup``, :class:`~protv2g.checks.operating_element.
    OperatingElement`: the check's decision on the row's currents), in
    :func:`device_elements`' form: ``"F-DEPOT fuse, head-l1 ground element (3I0)"``. For a
    row with every charger idle, whose currents are not the device table's (review rev41a
    W3: IEEE 34's head 51P interval of an SLG at depot480, behind the Δ/Yg depot_xf, was
    drawn on the ground plot at 300 A of |3I0|, the head's 3I0 being 4.8–6.0 A). A device
    whose code is not known (−1, absent) is not named.

    >>> row = pd.Series({"element_primary": 0, "element_backup": 1})
    >>> coded_elements(row, "F", "R", {})
    ''
    """
    if row is None:
        return ""
    out = []
    for name, side in ((primary, "primary"), (backup, "backup")):
        code = pd.to_numeric(pd.Series([row.get(f"element_{side}")]), errors="coerce").iloc[0]
        model = models.get(name)
        if model is None or not np.isfinite(code) or int(code) == OperatingElement.UNKNOWN:
            continue
        if kind_of(model).role == "fuse":
            out.append(f"{name} fuse")
        else:
            out.append(f"{name} " + ("ground element (3I0)" if int(code) == OperatingElement.GROUND
                                     else "phase element"))
    return ", ".join(out)


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


#: One device of one row to name: (request, name, kind, time shown (s), scale, row position
#: in ``result.device_faults``).
_Side = tuple[int, str, str, float, float, int]


def device_elements_many(models: dict[str, Any], faults: FaultIndex | None,
                         result: StudyResult,
                         requests: list[tuple[pd.Series | None, str, str]]) -> list[str]:
    """:func:`device_elements` for many ``(row, primary, backup)`` requests at once: the
    elements' times of each (device, time kind) computed for all its rows in one vectorised
    call (#21: one call per row and device cost ≈ 5 ms; the same names)."""
    out: list[list[str]] = [[] for _ in requests]
    if faults is None or not requests:
        return ["" for _ in requests]
    # the rows the index's positions are in: the held rows while the result holds them
    df, st = faults.rows.faults, _stages(faults, result)
    sides: list[_Side] = []
    for n, (row, primary, backup) in enumerate(requests):
        pm, bm = models.get(primary), models.get(backup)
        if row is None or pm is None or bm is None:
            continue
        rule = str(row.get("rule", ""))
        kinds = _time_kinds(rule, float(row["margin_s"]), kind_of(pm).role, kind_of(bm).role)
        k = float(row["rule_value"]) if is_given(row.get("rule_value")) else 1.0
        scales = ((k if rule == "source_side_fuse_factor" else 1.0),
                  (k if rule == "fuse_saving_k" else 1.0))
        for name, kind, side, scale in ((primary, kinds[0], "primary", scales[0]),
                                        (backup, kinds[1], "backup", scales[1])):
            pos = faults.get((str(row["scenario"]), name, str(row["fault_bus"]),
                             str(row["fault_type"]), str(row["case"])))
            if pos is not None:
                sides.append((n, name, kind, float(row[f"t_{side}_s"]), scale, pos))
    if not sides:
        return ["" for _ in requests]
    ia, ib, ic, i3i0 = (df[c].to_numpy(dtype=float) for c in ("ia_ka", "ib_ka", "ic_ka",
                                                               "i3i0_ka"))
    staged = st is not None and st.n_rows == len(df)
    groups: dict[tuple[str, str], list[int]] = {}
    for j, side in enumerate(sides):
        groups.setdefault((side[1], side[2]), []).append(j)
    cands: list[list[dict[str, float]]] = [[] for _ in sides]
    for (name, kind), js in groups.items():
        pos = np.array([sides[j][5] for j in js], dtype=np.int64)
        ip0 = ia[pos]  # the largest phase as Python's max(a, b, c) picks it (NaN first stays)
        ip0 = np.where(ib[pos] > ip0, ib[pos], ip0)
        ip0 = 1000.0 * np.where(ic[pos] > ip0, ic[pos], ip0)
        held = (ip0[None, :], 1000.0 * i3i0[pos][None, :], np.zeros((1, len(pos))),
                np.full((1, len(pos)), np.inf))
        stage_models = [held]
        if staged:
            t0, t1 = st.times_s(pos)
            stage_models.append((st.phase_a(pos), st.ground_a(pos), t0, t1))
        with np.errstate(all="ignore"):
            per_model = [_candidates(models[name], kind, *m) for m in stage_models]
        for col, j in enumerate(js):
            cands[j] = [times[col] for times in per_model]
    for (n, name, _, shown, scale, _), cand in zip(sides, cands, strict=True):
        out[n].append(f"{name} {_element(cand, shown, scale)}".strip())
    return [", ".join(names) for names in out]


def _stages(faults: FaultIndex, result: StudyResult) -> Any:
    """The stages aligned with the index's rows: its own (:func:`fault_index`), else (an
    index built on ``result.device_faults`` by the caller) ``result.staged``."""
    if faults.rows.twin_of is not None or faults.rows.staged is not None:
        return faults.rows.staged
    return getattr(result, "staged", None)


def device_elements(models: dict[str, Any], faults: FaultIndex | None,
                    result: StudyResult,
              row: pd.Series | None, primary: str, backup: str) -> str:
    """``"FU-1 fuse TC, R-1 51G"``: the element of each device whose time ``row`` shows.

    ``faults`` maps :data:`FAULT_KEY` to the row's position in ``result.device_faults``
    (:func:`fault_index`).
    Each element's time is computed on that row's first-cycle current held and, where the
    result keeps them, through its low-bracket stages (``result.staged``); the element
    whose time reproduces the time shown is named (phase or ground, fast or delayed, 50 or
    51 decided by the time, not by the rule). Many rows: :func:`device_elements_many`.
    """
    return device_elements_many(models, faults, result, [(row, primary, backup)])[0]


#: Evidence rows per finding (the smallest margins first) whose operating elements are named.
EVIDENCE_NAMED_PER_FINDING = 10


def evidence_elements(result: StudyResult, evidence: pd.DataFrame,
                      models: dict[str, Any] | None = None,
                      faults: FaultIndex | None | bool = False
                      ) -> pd.DataFrame:
    """For each evidence row of a pair criterion: ``elements``, the element of each device
    whose time the row prints (``"RC-F1 delayed G, FU-F1-LAT2 fuse TC"``; device first, then
    the other device), named as the Pair coordination sheet names them (:func:`device_elements`),
    and ``i_device_3i0_a`` / ``i_other_3i0_a``, the devices' first-cycle residual current
    3I0 (A, ``result.device_faults``) beside their phase current. Empty / NaN for other rows;
    ``elements`` only on the :data:`EVIDENCE_NAMED_PER_FINDING` smallest-margin rows of each
    finding (naming recomputes every element's time, row by row). ``models``
    (:func:`~protv2g.report.devices.devices_from_result`) and ``faults`` (:func:`fault_index`)
    are computed when not given (``faults=False``).
    """
    out = pd.DataFrame({"elements": "", "i_device_3i0_a": np.nan, "i_other_3i0_a": np.nan},
                       index=evidence.index)
    if evidence.empty:
        return out
    # is_given on the distinct texts only (#21: .map(is_given) over 264k rows)
    g_codes, g_texts = given_codes(*text_codes(evidence["other_device"]))
    pair = evidence["criterion"].astype(str).isin(("C1", "C2", "C3", "C4")).to_numpy() & (
        g_texts[g_codes] != "")
    if not pair.any():
        return out
    if faults is False:
        faults = fault_index(result)
    if faults is None:
        return out
    if models is None:
        models, _ = devices_from_result(result)
    i3i0 = 1000.0 * pd.to_numeric(faults.rows.faults["i3i0_ka"], errors="coerce").to_numpy()
    # naming recomputes every element's time row by row (≈ 14 ms a row): only the
    # EVIDENCE_NAMED_PER_FINDING worst rows of each finding are named (the rest keep "")
    rows = evidence[pair]
    margin = pd.to_numeric(rows["margin"], errors="coerce")
    named = set(rows.assign(_m=margin).sort_values("_m", kind="stable")
                .groupby(rows["finding"].astype(str) if "finding" in rows.columns
                         else pd.Series("", index=rows.index), sort=False)
                .head(EVIDENCE_NAMED_PER_FINDING).index)
    # 3I0 of each row's devices: the first device-fault row of its key
    at_pair = np.flatnonzero(pair)
    for col, dev in (("i_device_3i0_a", "device"), ("i_other_3i0_a", "other_device")):
        pos = faults.positions([rows[c] for c in ("scenario", dev, "fault_bus", "fault_type",
                                                  "case")])
        value = out[col].to_numpy(copy=True)
        value[at_pair[pos >= 0]] = i3i0[pos[pos >= 0]]
        out[col] = value
    at, requests = [], []
    for i, r in rows[rows.index.isin(named)].iterrows():
        row = pd.Series({"scenario": r["scenario"], "fault_bus": r["fault_bus"],
                         "fault_type": r["fault_type"], "case": r["case"],
                         "rule": r.get("rule", "") if is_given(r.get("rule")) else "",
                         "rule_value": r.get("rule_value"), "margin_s": r["margin"],
                         "t_primary_s": r["t_other_s"], "t_backup_s": r["t_device_s"]})
        at.append(i)
        requests.append((row, str(r["other_device"]), str(r["device"])))
    for i, names in zip(at, device_elements_many(models, faults, result, requests),
                        strict=True):
        out.at[i, "elements"] = ", ".join(reversed(names.split(", "))) if names else ""
    return out
