"""Which findings' worst rows sit at a fault the chargers were solved with the PLL held, and
whether that matters (review rev41c M3).

The engines solve a charger whose control finds no PLL-tracking solution with its angle held
at the pre-fault value and flag the fault's rows ``pll_frozen``
(:mod:`protv2g.engine.pll_note`). The CLI's note used to ask the user to cross-check a
finding's worst row against a truncated bus list; :func:`pll_findings` does it: a finding's
worst Evidence row (its first row in the worst scenario) against the flagged fault rows
(scenario, case, fault type, fault bus), and whether the row rests on the held phasor:

* a C7 row on the IEC 60909 sum (``current_basis == "iec_sum"`` on the Device duty table:
  the maximum case with a base row) adds the chargers' part by magnitude, k × their rated
  current (IEC 60909-0:2016 §6.2, :data:`protv2g.checks.converter_sum.IEC_SUM_SOURCE`): the
  held angle does not enter it — it does not matter;
* any other row reads the solved fault currents (phasors, device times, reach): the held
  angle enters it — the charger maker's loss-of-lock behaviour decides it.

A light module (pandas only): the findings' messages say it (:func:`pll_said`, the report's
findings), and the CLI's note names the findings (:func:`pll_findings_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["PllFinding", "pll_findings", "pll_findings_text", "pll_said"]

_KEY = ("scenario", "case", "fault_type", "fault_bus")


@dataclass(frozen=True)
class PllFinding:
    """A finding whose worst row is at a PLL-held fault row.

    Attributes
    ----------
    finding : str
        The finding's id (``F09``).
    where : str
        The worst row's fault (``3ph RC-F1 close-in max, firm/light/100%``).
    matters : bool
        Whether the row rests on the held phasor (False: a C7 row on the IEC 60909 sum).
    why : str
        Why (module docstring).
    """

    finding: str
    where: str
    matters: bool
    why: str


def _frozen_keys(fault_currents: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    """(scenario, case, fault type, bus name) of every ``pll_frozen`` fault row."""
    if fault_currents is None or "pll_frozen" not in fault_currents.columns:
        return set()
    hit = fault_currents[fault_currents["pll_frozen"].fillna(False).astype(bool)]
    bus = hit["bus_name"] if "bus_name" in hit.columns else hit["bus"]
    return set(zip(hit["scenario"].astype(str), hit["case"].astype(str),
                   hit["fault_type"].astype(str), bus.astype(str), strict=True))


def _iec_sum(duty: pd.DataFrame | None, row: pd.Series) -> bool:
    """Whether the Device duty table's row of C7 row ``row`` is on the IEC 60909 sum."""
    if duty is None or duty.empty or "current_basis" not in duty.columns:
        return False
    at = duty[(duty["device"].astype(str) == str(row["device"]))
              & (duty["scenario"].astype(str) == str(row["scenario"]))
              & (duty["fault_bus_name" if "fault_bus_name" in duty.columns else "fault_bus"]
                 .astype(str) == str(row["fault_bus"]))
              & (duty["fault_type"].astype(str) == str(row["fault_type"]))
              & (duty["case"].astype(str) == str(row["case"]))]
    return bool(len(at)) and bool((at["current_basis"].astype(str) == "iec_sum").all())


def pll_findings(findings: pd.DataFrame, evidence: pd.DataFrame,
                 fault_currents: pd.DataFrame | None,
                 duty: pd.DataFrame | None = None) -> list[PllFinding]:
    """The findings whose worst row is at a ``pll_frozen`` fault row (module docstring), in
    the findings' order; empty without such rows.

    Parameters
    ----------
    findings, evidence : pandas.DataFrame
        :func:`protv2g.findings.build_findings`' tables (``finding``, ``criterion``,
        ``worst_scenario``; the Evidence's ``finding`` and :data:`_KEY` columns, worst row
        first per finding).
    fault_currents : pandas.DataFrame
        The run's bus fault table with ``pll_frozen``.
    duty : pandas.DataFrame, optional
        The Device duty table (``current_basis``), for C7 rows.
    """
    frozen = _frozen_keys(fault_currents)
    if not frozen or findings is None or findings.empty or evidence is None or \
            evidence.empty or not {*_KEY, "finding"} <= set(evidence.columns):
        return []
    out = []
    at = pd.Series(range(len(evidence))).groupby(
        evidence["finding"].astype(str).to_numpy(), sort=False).apply(list).to_dict()
    for f in findings.itertuples(index=False):
        if str(f.finding) not in at:
            continue
        rows = evidence.iloc[at[str(f.finding)]]
        worst = rows[rows["scenario"].astype(str) == str(getattr(f, "worst_scenario", ""))]
        row = (worst if len(worst) else rows).iloc[0]
        key = tuple(str(row[c]) for c in _KEY)
        if key not in frozen:
            continue
        where = f"{row['fault_type']} {row['fault_bus']} {row['case']}, {row['scenario']}"
        if str(f.criterion) == "C7" and _iec_sum(duty, row):
            out.append(PllFinding(str(f.finding), where, False,
                                  "on the IEC 60909 sum, the chargers' part k × rated current "
                                  "by magnitude: the held angle does not enter it"))
        else:
            out.append(PllFinding(str(f.finding), where, True,
                                  "the row reads the chargers' held-angle current: confirm "
                                  "the charger's loss-of-lock behaviour with its maker"))
    return out


def pll_findings_text(hits: list[PllFinding]) -> str:
    """The note's clause on the findings: ``"finding(s) whose worst row is at one: F09 (3ph
    RC-F1 close-in max, firm/light/100%: on the IEC 60909 sum … — does not matter)"``, or
    that none is (nothing to do)."""
    if not hits:
        return "no finding's worst row is at one of them: nothing to do"
    said = "; ".join(f"{h.finding} ({h.where}: {h.why} — "
                     + ("it matters" if h.matters else "does not matter") + ")" for h in hits)
    return f"finding(s) whose worst row is at one of them: {said}"


def pll_said(findings: Any, result: Any) -> Any:
    """``findings`` (:class:`protv2g.findings.Findings`, its table's ``message`` changed in
    place) with each finding whose worst row is at a PLL-held fault row of ``result``'s
    fault table saying so, and whether that matters (:func:`pll_findings`; review rev41c M3:
    the depot's F09, worst row 3ph RC-F1 close-in, was one and nothing in the workbook said
    it)."""
    faults = _frozen_rows(result)
    if faults is None or findings.findings.empty:
        return findings
    hits = pll_findings(findings.findings, findings.evidence, faults,
                        getattr(result, "tables", {}).get("Device duty"))
    said = {h.finding: (" [worst row at a fault where the chargers were solved with the PLL "
                        f"held at the pre-fault angle (pll_frozen): {h.why} — "
                        + ("it matters]" if h.matters else "it does not matter]"))
            for h in hits}
    if said:
        f = findings.findings
        f["message"] = [str(m) + said.get(str(k), "") for k, m in zip(
            f["finding"], f["message"], strict=True)]
    return findings


def _frozen_rows(result: Any) -> pd.DataFrame | None:
    """``result``'s ``pll_frozen`` fault rows, every study scenario's, without expanding a
    fault table held once per charger set (:class:`protv2g.result_rows.HeldRows`: the
    findings are built before the workbook expands it; #21, its memory); None without the
    column."""
    from protv2g.result_rows import HeldRows

    held = getattr(result, "__dict__", {}).get("fault_currents")
    if not isinstance(held, HeldRows) or held.labels is not None:
        faults = getattr(result, "fault_currents", None)
        if faults is None or "pll_frozen" not in faults.columns:
            return None
        return faults[faults["pll_frozen"].fillna(False).astype(bool)]
    rows = held.rows
    if "pll_frozen" not in rows.columns:
        return None
    hit = rows[rows["pll_frozen"].fillna(False).astype(bool)]
    parts = [hit[hit["scenario"].astype(str) == h].assign(scenario=s)
             for s, h in held.twin_of.items()]
    return pd.concat(parts, ignore_index=True) if parts else hit
