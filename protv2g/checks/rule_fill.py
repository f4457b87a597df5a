"""The rule of C5, C11 and C12 rows, named on the row as C1–C4 and C10 name theirs.

Review rev39a F2: the Evidence sheet's ``Rule``, ``Rule value`` and ``Rule source`` were empty
on every C5, C11 and C12 row (EPRI ckt24 55/55 C5 and 208/216 C12 rows; the DG feeder 92/92
C5 and 8/8 C11): the threshold stood only in ``Limit``, its source nowhere on the row. These
rows are judged against a study threshold (``checks.*``, :class:`protv2g.study.schema.Checks`),
not a per-device table value, so the rule is that threshold: its key, the value the checks
used and its source — the study file where it sets the key, else the published basis each
check's module gives:

* C5 ``× pickup``: ``sensitivity_primary_factor`` (``fail``, primary zone) and
  ``sensitivity_backup_factor`` (``warn``, backup zone), IEEE Std C37.230-2020 §6.2
  (:mod:`protv2g.checks.sensitivity`); only where the row's limit is that factor (a gG
  band link's own IEC 60364-4-41 factor is not named so);
* C5 ``fraction``: ``v2g_change_fraction``, IEEE Std 1547.2-2023 §8 (reduction of reach);
* C11 ``MW``: ``island_load_ratio``, Sandia SAND2012-1365's one-third minimum-load screen
  (:mod:`protv2g.checks.islanding`);
* C12 ``pu`` over-voltage rows: ``v_max_pu``, ANSI C84.1-2020 Table 1 Range A
  (:mod:`protv2g.checks.flow_limit`); ``%``: ``loading_max_percent``, the element's rating;
  ``% VUF``: ``unbalance_max_percent``, ANSI C84.1-2020 Annex D (3 %) — each only where the
  row's limit is that threshold.

A row that already names its rule keeps it (C12's under-voltage rows, C5's ungrounded info).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.criteria import MarginUnit

__all__ = ["THRESHOLD_KEYS", "THRESHOLD_RULES", "fill_threshold_rules"]

#: (criterion, margin unit, status or "" for any) → (``checks`` key, its published basis,
#: whether the row's ``limit`` must be the threshold for the row to be judged by it).
THRESHOLD_RULES: dict[tuple[str, str, str], tuple[str, str, bool]] = {
    ("C5", MarginUnit.PICKUP_MULTIPLE.value, "fail"): (
        "sensitivity_primary_factor", "IEEE Std C37.230-2020 §6.2 (minimum fault current "
        "and reach); domain.md C5: the minimum fault in the primary zone ≥ 1.5 × pickup", True),
    ("C5", MarginUnit.PICKUP_MULTIPLE.value, "warn"): (
        "sensitivity_backup_factor", "IEEE Std C37.230-2020 §6.2 (minimum fault current and "
        "reach); domain.md C5: the minimum fault in the backup zone ≥ 1.2 × pickup", True),
    ("C5", MarginUnit.FRACTION.value, ""): (
        "v2g_change_fraction", "IEEE Std 1547.2-2023 §8 (reduction of reach by DER infeed); "
        "domain.md C5: flag a V2G-caused drop of device current > 10 %", True),
    ("C11", MarginUnit.MEGAWATT.value, ""): (
        "island_load_ratio", "Sandia SAND2012-1365, Suggested Guidelines for Assessment of DG "
        "Unintentional Islanding Risk (the one-third minimum-load screen); IEEE Std "
        "1547-2018 §8.1", False),
    ("C12", MarginUnit.PER_UNIT.value, ""): (
        "v_max_pu", "ANSI C84.1-2020 Table 1, Range A maximum (126 V on the 120 V base, "
        "1.05 pu)", True),
    ("C12", MarginUnit.PERCENT.value, ""): (
        "loading_max_percent", "the element's rating (OpenDSS normamps / normhkva, "
        "pandapower max_i_ka / sn_mva): thermal loading above 100 % of it (domain.md C12)",
        True),
    ("C12", MarginUnit.UNBALANCE_PERCENT.value, ""): (
        "unbalance_max_percent", "ANSI C84.1-2020 Annex D (voltage unbalance under 3 % at "
        "no load); domain.md C12", True),
}


#: The ``checks`` keys :data:`THRESHOLD_RULES` names: a criterion's threshold, the rule of all
#: its rows, so no sub-rule of a finding (:func:`protv2g.findings_rows.key_codes`).
THRESHOLD_KEYS = tuple(sorted({key for key, _, _ in THRESHOLD_RULES.values()}))


def fill_threshold_rules(v: pd.DataFrame, thresholds: Any) -> pd.DataFrame:
    """``v`` (violation rows) with ``rule``, ``rule_value``, ``rule_source`` set on the rows of
    :data:`THRESHOLD_RULES` that name no rule (module docstring); ``v`` itself, changed in
    place, when a column is missing or no row needs it."""
    if not len(v) or not {"criterion", "margin_unit", "status", "rule", "rule_value",
                          "rule_source", "limit"} <= set(v.columns):
        return v
    crit = v["criterion"].astype(str).to_numpy()
    want = np.isin(crit, ["C5", "C11", "C12"])
    if not want.any():
        return v
    rule = v["rule"].astype(object).to_numpy()
    blank = want & pd.isna(rule) | want & (rule == "")
    if not blank.any():
        return v
    unit = v["margin_unit"].astype(str).to_numpy()
    status = v["status"].astype(str).to_numpy()
    limit = pd.to_numeric(v["limit"], errors="coerce").to_numpy(float)
    given = getattr(thresholds, "model_fields_set", set())
    rule_value = pd.to_numeric(v["rule_value"], errors="coerce").to_numpy(float).copy()
    source = v["rule_source"].astype(object).to_numpy().copy()
    rule = rule.copy()
    changed = False
    for (c, u, s), (key, basis, on_limit) in THRESHOLD_RULES.items():
        value = getattr(thresholds, key, None)
        if value is None:
            continue
        at = blank & (crit == c) & (unit == u)
        if s:
            at &= status == s
        if on_limit:
            at &= np.isclose(limit, float(value), rtol=0.0, atol=1e-9)
        if not at.any():
            continue
        rule[at] = key
        rule_value[at] = float(value)
        source[at] = f"study file (checks.{key})" if key in given else basis
        changed = True
    if changed:
        v["rule"] = rule
        v["rule_value"] = rule_value
        v["rule_source"] = source
    return v
