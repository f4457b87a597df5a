"""The findings the "Charger stages" sheet follows through the chargers' stages (issue #16).

:func:`time_findings` picks, from the violation rows, the time-based findings whose device
:func:`protv2g.stage_report.findings_stage_table` (or, on an OpenDSS feeder,
:func:`protv2g.stage_report_dss.dss_findings_stage_table`) tabulates stage by stage, and
labels each as the report writes numbers in text (:func:`protv2g.significant.number_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from protv2g.checks.equipment import PROJECT_ROWS
from protv2g.checks.rule_fill import THRESHOLD_KEYS
from protv2g.scenarios import Scenario
from protv2g.significant import number_text
from protv2g.text_codes import combine_codes, text_codes
from protv2g.violations import is_given

__all__ = ["FINDING_KEYS", "TimeFinding", "time_findings"]

#: The typed columns after ``finding`` in the "Charger stages" table: the worst row's
#: criterion, partner and rule (:attr:`TimeFinding.keys`).
FINDING_KEYS = ("criterion", "other_device", "rule")

#: Statuses of findings whose charger stages are tabulated.
_FINDING = ("fail", "warn")


@dataclass(frozen=True)
class TimeFinding:
    """One time-based finding whose device the "Charger stages" sheet follows through the
    stages (:func:`time_findings`): the device at the finding's worst fault.

    ``t_shown_s``: the finding's time of the device (``t_device_s``; ``None`` without one),
    ``t_scale``: what the rule multiplies the device's time by (C2 fuse saving: K × fast,
    else 1); ``label``: criterion, status, bracket and margin, the sheet's ``finding`` (the
    report puts the Findings sheet's id before it); ``criterion``, ``other_device``,
    ``rule``: the worst row's, typed, so that the report finds that id from the evidence
    rows (:func:`protv2g.report.sheets.with_finding_ids`), never from the label's words;
    ``bracket``: the worst row's bracket (``low`` / ``high`` / ``both``): the sheet shows the
    stage currents of that bracket (``high``: the high bracket's; else the low's) — review
    rev40a W3: EPRI J1's high-bracket C5 finding showed the low bracket's currents.
    """

    device: str
    fault_bus: str
    fault_type: str
    case: str
    scenario: str
    t_shown_s: float | None
    t_scale: float
    label: str
    criterion: str = ""
    other_device: str = ""
    rule: str = ""
    bracket: str = ""

    @property
    def keys(self) -> dict[str, str]:
        """The typed columns the stage table carries after ``finding`` (:data:`FINDING_KEYS`)."""
        return {"criterion": self.criterion, "other_device": self.other_device,
                "rule": self.rule}


def time_findings(violations: pd.DataFrame, scenarios: Sequence[Scenario], *,
                  max_pairs: int = 12) -> list[TimeFinding]:
    """The findings the "Charger stages" sheet explains, worst first, one per (device, fault).

    For every time-based criterion with findings (rows whose ``bracket`` is ``low``, ``high``
    or ``both``, status fail/warn, naming a device, in one of ``scenarios``) and every device
    it names, the row with the smallest margin (V2G-attributed rows first); at most
    ``max_pairs`` (criterion, device) pairs; a (device, fault, scenario) taken once.

    Returns
    -------
    list of TimeFinding
        Empty when no time-based finding needs it.
    """
    if violations.empty or "bracket" not in violations.columns:
        return []
    # the candidate rows' positions, and only the four columns that rank them: never the
    # table's rows copied (#21: 281,006 of 489,286 rows × 30 columns taken, assigned, sorted
    # and deduplicated, +300 MB, the run's peak at 10,000 buses); the worst rows taken last
    pos = np.flatnonzero(_text_is(violations["bracket"], lambda t: t in ("low", "high", "both"))
                         & _text_is(violations["status"], lambda t: t in _FINDING)
                         & _text_is(violations["device"], lambda t: t != "")
                         & violations["scenario"].isin({sc.name for sc in scenarios})
                         .to_numpy())
    if not len(pos):
        return []

    def col(name: str) -> pd.Series:
        return violations[name].iloc[pos]  # one column's candidate rows

    # the chargers' own rows (new/worse) before the project's equipment's (mix38: a finding
    # with both leads with the chargers' row, findings_headline.V2G_MOVED)
    att = col("attribution")
    not_v2g = (~_text_is(att, lambda t: t in ("new", "worse", *PROJECT_ROWS))
               ).astype(np.int8)
    not_v2g += (~_text_is(att, lambda t: t in ("new", "worse"))).astype(np.int8)
    margin_sort = pd.to_numeric(col("margin"), errors="coerce").fillna(np.inf).to_numpy()
    # V2G-attributed rows first, then the smallest margin, equal ones in table order (a
    # stable sort); the first row of each (criterion, device) in that order, by codes (#21:
    # a frame of the 281,006 candidates sorted and deduplicated on its object columns,
    # ≈ 0.1 s at 10,000 buses)
    order = np.lexsort((margin_sort, not_v2g))
    pair = combine_codes(*(pd.factorize(col(c))[0] + 1 for c in ("criterion", "device")))
    _, at = np.unique(pair[order], return_index=True)
    first = order[np.sort(at)[:max_pairs]]
    worst = violations.iloc[pos[first]]
    out: list[TimeFinding] = []
    done = set()
    for r in worst.itertuples(index=False):
        key = (r.device, r.fault_bus, r.fault_type, r.case, r.scenario)
        if key in done:
            continue
        done.add(key)
        shown = pd.to_numeric(pd.Series([getattr(r, "t_device_s", None)]),
                              errors="coerce").iloc[0]
        k = pd.to_numeric(pd.Series([getattr(r, "rule_value", None)]), errors="coerce").iloc[0]
        # C2 fuse saving compares K × the recloser's fast time
        scale = float(k) if getattr(r, "rule", "") == "fuse_saving_k" and np.isfinite(k) else 1.0
        bracket = "both brackets" if str(r.bracket) == "both" else f"{r.bracket} bracket"
        out.append(TimeFinding(
            str(r.device), str(r.fault_bus), str(r.fault_type), str(r.case), str(r.scenario),
            float(shown) if np.isfinite(shown) else None, scale,
            f"{r.criterion} {r.status} ({bracket}, margin "
            f"{number_text(float(r.margin), _given(getattr(r, 'margin_unit', '')))})",
            str(r.criterion), _given(getattr(r, "other_device", "")),
            _own_rule(getattr(r, "rule", "")), str(r.bracket)))
    return out


def _text_is(column: pd.Series, test: Callable[[str], bool]) -> np.ndarray:
    """``(n,)`` bool: ``test`` of each cell's ``astype(str)`` text (:func:`~protv2g.violations.
    text_values`), decided once per distinct text (:func:`~protv2g.text_codes.text_codes`;
    #21: every row's text written and hashed, 489,286 rows a column at 10,000 buses)."""
    codes, texts = text_codes(column)
    return np.array([test(t) for t in texts.tolist()], dtype=bool)[codes] if len(texts) else (
        np.zeros(len(column), dtype=bool))


def _own_rule(value: object) -> str:
    """A row's rule as the sheet's key: ``""`` for a criterion's study threshold that
    :mod:`protv2g.checks.rule_fill` names on the violation rows (``sensitivity_primary_factor``
    …: the rule of all of the criterion's rows, no sub-rule of a finding, as
    :mod:`protv2g.findings_rows` takes it). Review ver39 F: the Charger stages sheet, not a
    violation table, showed it on IEEE 13's and the depot's C5 rows (10 cells)."""
    text = _given(value)
    return "" if text in THRESHOLD_KEYS else text


def _given(value: object) -> str:
    """``value`` as text, "" for a missing one (None, NaN)."""
    return str(value) if is_given(value) else ""
