"""Tables the report derives from a result: findings, per-pair coordination, fault levels.

Each is a pure function of :class:`~protv2g.result.StudyResult` fields (no new physics):

* :func:`result_findings` — :func:`protv2g.findings.build_findings` of the violations;
* :func:`derive` — every derived table of the workbook by its sheet's key: the Findings
  view (Evidence links, recommendations, "Rests on", row counts), the Evidence with the
  element each row's time is of, the pair table and the fault levels, and the number
  formats of margins in their own unit (:data:`UNIT_FORMATS`);
* :func:`~protv2g.report.pair_coordination.pair_table` — the per-pair coordination table
  (its own module, re-exported here);
* :func:`~protv2g.report.fault_levels.fault_levels` — fault current at every device's bus, base vs.
  largest with V2G (its own module).

The element named beside each time (and in the Evidence rows) comes from
:mod:`protv2g.report.elements`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.checks import GROUP_TABLES
from protv2g.engine.collect import release_freed_memory
from protv2g.finding_ids import with_kept_ids
from protv2g.findings import Findings, build_findings
from protv2g.findings_sites import SITE_DRIVERS
from protv2g.findings_sites_text import (
    multi_site_scenarios,
    site_columns,
    site_driver_texts,
)
from protv2g.input_basis import rests_on
from protv2g.pll_findings import pll_said
from protv2g.report.devices import devices_from_result
from protv2g.report.elements import (
    EVIDENCE_NAMED_PER_FINDING,
    FaultIndex,
    evidence_elements,
    fault_index,
)
from protv2g.report.fault_levels import FAULT_LEVEL_COLUMNS, fault_levels
from protv2g.report.findings_backup import unseen_lateral_texts
from protv2g.report.findings_margin import no_margin_texts
from protv2g.report.pair_coordination import (
    IDLE_CASE,
    PAIR_COLUMNS,
    POINT_STATUS_COLUMNS,
    margin_formula,
    pair_table,
)
from protv2g.report.sheets import column_view
from protv2g.report.voltage_basis import voltage_rests_on
from protv2g.text_codes import text_codes
from protv2g.violations import COUNTED_STATUSES, status_count_text

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["EVIDENCE_NAMED_PER_FINDING", "IDLE_CASE", "PAIR_COLUMNS", "POINT_STATUS_COLUMNS",
           "FAULT_LEVEL_COLUMNS", "UNIT_FORMATS", "derive", "evidence_elements",
           "fault_levels", "margin_formula", "pair_table", "result_findings"]


def result_findings(result: StudyResult) -> Findings:
    """Findings and evidence of a result's violations, built once per result
    (:meth:`protv2g.result.StudyResult.derived`: the findings stage and the workbook share
    them; #21, 10,000 buses: they were built twice, ≈ 1 s CPU each). Not to be modified."""
    inputs = (result.violations, result.scenarios, result.tables.get("Coordination"),
              result.tables.get(SITE_DRIVERS),  # one site's export on the axis (rev48a #3)
              *(result.tables.get(n) for n in GROUP_TABLES))  # the groups' buses (#21)
    # the ids a study made by ``recommend --apply`` keeps (rev43c F5, :mod:`protv2g.finding_ids`)
    kept = ((getattr(result, "inputs", None) or {}).get("document") or {}).get("finding_ids")

    def build() -> Findings:
        return pll_said(with_kept_ids(build_findings(*inputs[:3], list(inputs[4:]),
                                                     drivers=inputs[3]), kept), result)

    derived = getattr(result, "derived", None)
    if derived is None:  # a result-like object without the memo
        return build()
    return derived("findings", inputs, lambda: _released(build()))


def _released(findings: Findings) -> Findings:
    """``findings``, the heap their build took and freed handed back to the system first
    (:func:`~protv2g.engine.collect.release_freed_memory`): #21, 10,000 buses, the build's
    ≈ 190 MiB transient was kept by the allocator into the workbook, where the run peaks."""
    release_freed_memory()
    return findings


#: Excel number format of a margin or limit, by its unit (the cell stays a number). A
#: ``fraction`` (C5's reach reduction and C7's duty increase warnings: limit − change, both
#: fractions of the current without V2G) names that reference (review s21, EPRI J1: F07's
#: −0.0075 showed "−0.8%" beside F01's "× pickup", a percentage of nothing said; two
#: decimals: its −0.75 % was rounded to −0.8 %).
UNIT_FORMATS = {"s": '0.000" s"', "A": '0" A"', "kA": '0.00" kA"', "MW": '0.00" MW"',
                "pu": '0.000" pu"', "× pickup": '0.00" × pickup"',
                "× Imax(5 s)": '0.00" × Imax(5 s)"', "%": '0.0" %"',
                "% VUF": '0.000" % VUF"',
                "fraction": '0.00%" of I without V2G"'}


def _unit_formats(units: pd.Series) -> list[str | None]:
    """Per row, the :data:`UNIT_FORMATS` entry of its unit's text (None for another unit),
    looked up once per distinct unit (#21: 0.3-0.6 s a row at a time over 264k Evidence
    rows)."""
    codes, texts = text_codes(units)
    return np.array([UNIT_FORMATS.get(t) for t in texts.tolist()], dtype=object)[codes].tolist()


def _recommendation_text(recs: pd.DataFrame | None) -> dict[str, str]:
    if recs is None or recs.empty or "finding" not in recs.columns:
        return {}
    out = {}
    for r in recs.itertuples(index=False):
        text = (f"{r.recommendation}: {r.change}" if str(r.change) else
                f"{r.recommendation}: {r.status}" + (f" ({r.note})" if str(r.note) else ""))
        out[str(r.finding)] = text
    return out


def derive(result: StudyResult, models: dict[str, Any] | None = None,
           faults: FaultIndex | None | bool = False,
           pairs: pd.DataFrame | None = None) -> dict[str, Any]:
    """Every derived table of the workbook, by the key its sheet names
    (``findings``, ``evidence``, ``pairs``, ``fault_levels``), plus ``_findings`` (the full
    :class:`~protv2g.findings.Findings`) and ``_formats`` (sheet → column → per-row number
    formats for margins in their own unit).

    ``models``: the result's device models when the caller has them
    (:func:`protv2g.report.devices.devices_from_result`, as the TCC plan holds them); the
    pair table and the Evidence share them and one :func:`fault_index` (#21: each built them
    again, ≈ 0.15 s for the models on the depot, 0.3-0.5 s for the index on the IEEE 8500).
    ``faults`` (:func:`fault_index`) and ``pairs`` (:func:`pair_table` of ``result`` and
    ``models``): when the caller made them first, as the workbook does to hand the pair
    table to the TCC drawing before the rest is derived; made here when not given
    (``faults=False``, ``pairs=None``).
    """
    if models is None:
        models, _ = devices_from_result(result)
    if faults is False:
        faults = fault_index(result)
    f = result_findings(result)
    findings, evidence = f.findings, f.evidence
    if "input_todo" not in evidence.columns:  # a result made before s22 (runner.py) or by hand
        evidence = evidence.assign(input_todo="")
    if len(evidence):  # the element whose time each pair row prints (#19)
        named = evidence_elements(result, evidence, models, faults)
        if evidence.columns.is_unique and not set(named.columns) & set(evidence.columns):
            # beside the findings' evidence columns, not a copy of them (#21: 79 MiB at 10k)
            evidence = column_view([*(evidence[c] for c in evidence.columns),
                                    *(named[c] for c in named.columns)], evidence)
        else:
            evidence = pd.concat([evidence, named], axis=1)
    recs = _recommendation_text(result.tables.get("Recommendations"))
    view = findings.assign(
        evidence=[evidence_link(a, b, n) for a, b, n in zip(
            findings["evidence_first"], findings["evidence_last"], findings["n_evidence"],
            strict=True)],
        recommendation=findings["finding"].map(lambda x: recs.get(str(x), "")),
        rests_on=voltage_rests_on(findings, _rests_on_texts(findings, evidence),
                                  getattr(result, "flow", None)),
        n_rows=_row_count_texts(findings))
    # a finding without a finite worst margin says why in its cell (review s22, F01)
    reasons = no_margin_texts(findings, f.evidence)
    if reasons:
        view["worst_margin"] = [reasons.get(str(k), m) for k, m in zip(
            view["finding"], view["worst_margin"], strict=True)]
    # a lateral its recloser does not see: the fuse, its currents, the pickup (review s22)
    unseen = unseen_lateral_texts(findings, f.evidence, result, models)
    if unseen:
        view["message"] = [f"{unseen[str(k)]}. {m}" if str(k) in unseen else m for k, m in zip(
            view["finding"], view["message"], strict=True)]
    view = view[["finding", "criterion", "status", "attribution", "rests_on", "title",
                 "worst_margin", "limit", "worst_fault", "worst_scenario", "export_trend",
                 "fault_types", "locations", "load_levels", "n_rows", "evidence",
                 "recommendation", "message"]]
    drivers = result.tables.get(SITE_DRIVERS)  # which site drives it (rev45a M4)
    multi = multi_site_scenarios(result.scenarios)  # "not judged (why)" there (ver46 #4)
    if multi or (drivers is not None and len(drivers)):
        view = view.assign(site_driver=site_driver_texts(
            findings, drivers, multi, list(site_columns(result.scenarios))))
    formats = {
        "Findings": {c: _unit_formats(findings["margin_unit"]) for c in ("worst_margin", "limit")},
        "Evidence": {c: _unit_formats(evidence["margin_unit"]) for c in ("margin", "limit")},
    }
    if pairs is None:
        pairs = pair_table(result, models, faults)
    return {"findings": view, "evidence": evidence,
            "pairs": pairs.drop(columns=POINT_STATUS_COLUMNS, errors="ignore"),
            "fault_levels": fault_levels(result), "_findings": f, "_formats": formats}


def _row_count_texts(findings: pd.DataFrame) -> list[Any]:
    """The Findings sheet's "Rows" of each finding: its violation rows by status
    (:func:`protv2g.violations.status_count_text`, "3 fail, 2 warn rows", the words of the
    gate's lines); the bare count for findings made without the status counts."""
    cols = [f"n_{s}" for s in COUNTED_STATUSES]
    if not set(cols) <= set(findings.columns):
        return findings["n_rows"].tolist()
    return [status_count_text(dict(zip(COUNTED_STATUSES, c, strict=True)))
            for c in zip(*(findings[k].tolist() for k in cols), strict=True)]


def _rests_on_texts(findings: pd.DataFrame, evidence: pd.DataFrame) -> list[str]:
    """The Findings sheet's "Rests on" of each finding: the weakest input of any of its rows
    (:func:`protv2g.input_basis.weakest`, the rule the gate's verdict keeps), said as *some
    rows'* with its worst row's beside it where that row rests on a stronger input (review
    rev30 §8, EPRI ckt5: R-MID / F-END read "drafted value (TODO)" from its min-case rows,
    on the drafted fault resistance, while its worst row rests on given data).
    """
    weakest_text = findings["input_basis"].map(rests_on).tolist()
    if "input_basis" not in evidence.columns or not len(evidence):
        return weakest_text
    first = dict(zip(evidence["evidence"].astype(str), evidence["input_basis"].astype(str),
                     strict=True))
    from protv2g.input_todo import threshold_limits

    limits = threshold_limits(evidence)
    out = []
    for text, basis, at in zip(weakest_text, findings["input_basis"].astype(str),
                               findings["evidence_first"].astype(str), strict=True):
        worst = first.get(at, basis)
        text = (text if not text or worst in ("", basis) or not rests_on(worst) else
                f"some rows: {text}; its worst row: {rests_on(worst)}")
        out.append(f"{text}: {limits[at]}" if text and at in limits else text)
    return out


def evidence_link(first: Any, last: Any, n_rows: Any) -> str:
    """A finding's Evidence cell: its first–last Evidence ids and how many Evidence rows that
    is; where its rows stand for more bus rows (a C5/C12 group's row: ``n_evidence``
    counts its ``n_buses``) both counts, named (review rev39b M8: depot F05 read
    "E0023–E0026 (19)" for 4 Evidence rows standing for 19 bus rows).

    >>> evidence_link("E0023", "E0026", 19), evidence_link("E0010", "E0013", 4)
    ('E0023–E0026 (4 rows, for 19 bus rows)', 'E0010–E0013 (4)')
    >>> evidence_link("E0014", "E0014", 1)
    'E0014'
    """
    a, b = str(first), str(last)
    if a == b:
        return a
    try:
        k = int(b.lstrip("E")) - int(a.lstrip("E")) + 1  # the Evidence ids are consecutive
    except ValueError:
        return f"{a}–{b} ({n_rows})"
    n = int(n_rows) if pd.notna(n_rows) else k
    return f"{a}–{b} ({k})" if n == k else f"{a}–{b} ({k} rows, for {n} bus rows)"

