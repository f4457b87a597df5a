"""What the gate does with each finding: fails on it, conditions the pilot on it, asks to
confirm its input, or nothing — the gate's own row policy (:func:`protv2g.gate_rows
.classify_codes`) read over a finding's evidence rows, so that the Summary's conditions of
approval list exactly the findings the gate's ``fail:``, ``condition:`` and ``confirm:``
lines stand for (review rev36b M2: IEEE 37's memo listed two C11 warnings as its conditions
while the gate failed on three C12 charging findings it did not name, and asked to "clear"
an ``info`` row).

Read from typed columns only (``criterion``, ``status``, ``attribution``, ``input_basis``,
``mechanism``), never from the wording of a message or of a reason line.

A finding's kind is the strongest outcome of its rows (a group's pre-existing rows folded onto
its ``fail:`` line, as :func:`protv2g.gate.gate_verdict` folds them): ``fail`` (a
row attributable to V2G — or, with ``gate.pre_existing: fail``, one present without it),
then ``condition``, then ``confirm`` (a pre-existing failing row resting on a stand-in input,
or a regulator's mode to confirm: :data:`protv2g.checks.regulator_text.MODE_TO_CONFIRM`).
Findings are ordered as the gate writes its lines: attributable ``fail:`` lines, pre-existing
``fail:`` lines, ``condition:``, ``confirm:`` (the regulator modes last), each in criterion
order and then by its reason group's texts (:func:`protv2g.gate_reasons.group_keys`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.regulator_text import MODE_TO_CONFIRM
from protv2g.criteria import FEEDER_FLOW_CRITERION, order
from protv2g.gate_reasons import group_keys
from protv2g.gate_rows import OUTCOME_CODES, GateOutcome, classify_codes
from protv2g.study.schema import Gate

__all__ = ["FINDING_GATE_COLUMNS", "finding_gate_kinds", "gate_of_meta"]

#: Columns of :func:`finding_gate_kinds`: ``finding``; ``kind`` (``fail`` / ``condition`` /
#: ``confirm``); ``attributable`` (a ``fail`` from a row attributable to V2G, not from
#: ``gate.pre_existing: fail``); ``flow_item`` (a ``condition`` or ``confirm`` of the feeder's
#: own voltage and loading, :data:`protv2g.criteria.FEEDER_FLOW_CRITERION`, which the gate
#: lists after the protection ones as ``flow_items``); ``also``: the other kinds of its rows, in
#: the gate's order, comma-separated ("" when none) — a finding whose rows the gate splits
#: into lines of two kinds (EPRI J1's C5 R-MID: a ``condition:`` line for its phase rows, a
#: ``confirm:`` line for its ground rows resting on a drafted value).
FINDING_GATE_COLUMNS = ["finding", "kind", "attributable", "flow_item", "also"]

#: Rank of each line kind in the gate's reasons (its ``reasons`` list order).
_FAIL, _FAIL_PRE, _CONDITION, _CONFIRM, _MODE, _NONE = range(6)
_KIND = {_FAIL: GateOutcome.FAIL.value, _FAIL_PRE: GateOutcome.FAIL.value,
         _CONDITION: GateOutcome.CONDITION.value, _CONFIRM: GateOutcome.CONFIRM.value,
         _MODE: GateOutcome.CONFIRM.value}


def gate_of_meta(gate: Mapping[str, Any] | None) -> Gate:
    """The study's gate policy as :func:`protv2g.gate.gate_verdict` recorded it in its dict
    (``criteria``, ``fail_severities``, ``pre_existing_policy``); the default policy for what
    the dict does not give (a result the gate did not run on).

    >>> gate_of_meta({"criteria": ["C1"], "fail_severities": ["fail", "warn"],
    ...               "pre_existing_policy": "info"}).pre_existing
    'info'
    """
    gate = gate or {}
    given: dict[str, Any] = {}
    if gate.get("criteria"):
        given["criteria"] = tuple(map(str, gate["criteria"]))
    if gate.get("fail_severities"):
        given["fail_severities"] = tuple(map(str, gate["fail_severities"]))
    if gate.get("pre_existing_policy"):
        given["pre_existing"] = str(gate["pre_existing_policy"])
    return Gate(**given)


def _none() -> pd.DataFrame:
    """No finding the gate acts on: :data:`FINDING_GATE_COLUMNS`, typed (bool masks)."""
    return pd.DataFrame({"finding": pd.Series([], dtype=object),
                         "kind": pd.Series([], dtype=object),
                         "attributable": pd.Series([], dtype=bool),
                         "flow_item": pd.Series([], dtype=bool),
                         "also": pd.Series([], dtype=object)})


def finding_gate_kinds(evidence: pd.DataFrame, gate: Gate) -> pd.DataFrame:
    """The findings the gate fails, conditions or asks to confirm on, in the gate's order.

    Parameters
    ----------
    evidence : DataFrame
        :attr:`protv2g.findings.Findings.evidence` (``finding``, ``criterion``, ``status``,
        ``attribution``, ``device``, ``other_device``, ``mechanism``, ``margin_unit`` and,
        when the rows have it, ``input_basis``): one row per violation row (rows differing
        only in load level collapsed: same status and attribution).
    gate : Gate
        The study's gate section (:func:`gate_of_meta` from a result's ``meta["gate"]``).

    Returns
    -------
    DataFrame
        :data:`FINDING_GATE_COLUMNS`, one row per finding the gate acts on, in the order of
        the gate's reason lines; the findings it does not act on (warnings under the default
        ``fail_severities``, ``info`` rows, criteria outside ``gate.criteria``) are absent.

    Example
    -------
    >>> ev = pd.DataFrame({"finding": ["F01", "F02", "F03", "F04"],
    ...     "criterion": ["C12", "C11", "C8", "C2"], "status": ["fail", "warn", "fail", "fail"],
    ...     "attribution": ["new", "new", "pre-existing", "worse"], "device": ["l1", "R", "R",
    ...     "R"], "other_device": ["", "", "", "F"], "mechanism": ["", "", "", ""],
    ...     "margin_unit": ["%", "MW", "A", "s"]})
    >>> finding_gate_kinds(ev, Gate())[["finding", "kind"]].values.tolist()
    [['F04', 'fail'], ['F01', 'fail'], ['F03', 'condition']]
    """
    if evidence is None or evidence.empty or not {"finding", "criterion", "status",
                                                   "attribution"} <= set(evidence.columns):
        return _none()
    code, pre = classify_codes(evidence, gate)
    rank = np.full(len(evidence), _NONE, dtype=np.int64)
    rank[code == OUTCOME_CODES[GateOutcome.CONFIRM]] = _CONFIRM
    rank[code == OUTCOME_CODES[GateOutcome.CONDITION]] = _CONDITION
    if "mechanism" in evidence.columns:  # the gate's regulator-mode confirms (warn rows)
        mode = evidence["mechanism"].astype(str).to_numpy() == MODE_TO_CONFIRM
        rank[mode & (rank == _NONE)] = _MODE
    fail = code == OUTCOME_CODES[GateOutcome.FAIL]
    rank[fail & pre] = _FAIL_PRE
    rank[fail & ~pre] = _FAIL
    acted = rank < _NONE
    if not acted.any():
        return _none()
    rows = evidence[acted]
    keys = group_keys(rows)
    rank = rank[acted]
    # the gate folds a group's pre-existing failing rows onto its line attributable to V2G
    # (gate_verdict's ``folded``, s16 A3): they are that line, not one of their own
    fails = set(keys[rank == _FAIL])
    rank[np.isin(rank, (_FAIL_PRE, _CONDITION, _CONFIRM)) & keys.isin(fails).to_numpy()] = _FAIL
    table = pd.DataFrame({"finding": rows["finding"].astype(str).to_numpy(),
                          "rank": rank,
                          "key": [(order(str(k[0])), k) for k in keys],
                          "criterion": rows["criterion"].astype(str).to_numpy()})
    # a finding is the strongest of its rows; it sits where the gate's first line of that
    # kind naming one of its rows sits
    table = table.sort_values(["finding", "rank", "key"], kind="stable")
    head = table.drop_duplicates("finding").sort_values(["rank", "key"], kind="stable")
    kinds = head["rank"].to_numpy()
    every = table.groupby("finding", sort=False)["rank"].agg(
        lambda r: list(dict.fromkeys(_KIND[int(k)] for k in r)))
    return pd.DataFrame({
        "finding": head["finding"].to_numpy(),
        "kind": [_KIND[int(r)] for r in kinds],
        "attributable": kinds == _FAIL,
        "flow_item": (kinds >= _CONDITION) & (head["criterion"].to_numpy()
                                              == FEEDER_FLOW_CRITERION),
        "also": [", ".join(every[f][1:]) for f in head["finding"]]},
        columns=FINDING_GATE_COLUMNS).reset_index(drop=True)
