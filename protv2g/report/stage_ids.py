"""The Charger stages sheet's finding labels led by the Findings sheet's id, matched on the
evidence rows' keys (never on the label's words).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks.rule_fill import THRESHOLD_KEYS

__all__ = ["STAGES", "with_finding_ids"]


#: The sheet of the chargers' stages per time-based finding (``tables``, made by the runner).
STAGES = "Charger stages"


def with_finding_ids(frame: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """The "Charger stages" rows with their ``finding`` label led by the Findings sheet's id
    (``F03: C2 fail (low bracket, margin −0.1155 s)``): the id of the evidence row of the
    same criterion, device, partner, rule, scenario and fault
    (:data:`protv2g.stage_report_findings.FINDING_KEYS` and the stage table's columns);
    a label without such a row is kept as it is.

    >>> ev = pd.DataFrame({"finding": ["F01"], "criterion": ["C1"], "device": ["R"],
    ...     "other_device": ["RC"], "scenario": ["s"], "fault_bus": ["B"],
    ...     "fault_type": ["3ph"], "case": ["max"]})
    >>> st = ev.drop(columns="finding").assign(finding="C1 fail", rule="")
    >>> with_finding_ids(st, ev)["finding"].tolist()
    ['F01: C1 fail']
    """
    keys = ["criterion", "device", "other_device", "scenario", "fault_bus", "fault_type",
            "case"]
    if "rule" in frame.columns and "rule" in evidence.columns:
        keys.append("rule")
    if frame.empty or evidence.empty or not set(keys) <= set(frame.columns) \
            or not set(keys) <= set(evidence.columns):
        return frame

    def cells_of(column: pd.Series, key: str) -> np.ndarray | pd.Series:
        cells = _key_text(column)
        if key != "rule":
            return cells
        # a criterion's study threshold (checks.rule_fill) is no rule of a finding: the
        # stage rows carry none (stage_report_findings), the evidence rows name it
        return np.where(np.isin(np.asarray(cells, dtype=object), THRESHOLD_KEYS), "", cells)

    def text(df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({k: cells_of(df[k], k) for k in keys})

    wanted = text(frame)
    # only the evidence rows whose key cells each occur among the stage rows' (in order):
    # a row that differs in one never matches (#21: every key of the 10,000-bus study's
    # 280,862 Evidence rows written as text and deduplicated for 4 stage rows, ≈ 0.2 s)
    rows = np.arange(len(evidence))
    for k in keys:
        cells = cells_of(evidence[k].iloc[rows], k)
        rows = rows[pd.Series(cells).isin(set(wanted[k])).to_numpy()]
    subset = evidence.iloc[rows]
    ids = text(subset).assign(_id=subset["finding"].astype(str).to_numpy())
    ids = ids.drop_duplicates(keys)  # evidence rows: worst first within a finding
    found = wanted.merge(ids, on=keys, how="left")["_id"].to_numpy()
    out = frame.copy()
    out["finding"] = [f"{i}: {label}" if isinstance(i, str) else label
                      for i, label in zip(found, frame["finding"], strict=True)]
    return out


def _key_text(values: pd.Series) -> np.ndarray | pd.Series:
    """Each cell as text, ``""`` for None or NaN: a column of ``str`` (and missing cells)
    from its distinct values (#21: a Python call per cell, 2.1 M on the 10,000-bus study's
    Charger stages and Evidence, 2.5 s); any other column cell by cell."""
    if values.dtype == object:
        codes, uniques = pd.factorize(values)
        distinct = np.asarray(uniques, dtype=object)
        if all(type(x) is str for x in distinct):
            return np.append(distinct, "")[codes]  # code −1 (missing): ""
    return values.map(lambda v: "" if v is None or v != v else str(v))
