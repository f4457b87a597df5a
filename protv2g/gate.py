"""The pre-pilot review gate: its policy, and the PASS / FAIL / ERROR verdict of a result.

This module is the one place that says what fails, what is an error and what is only
information; the hosting-capacity search and the report ask it (:func:`classify`,
:func:`failing_mask`, row by row in :mod:`protv2g.gate_rows`) rather than deciding
themselves. Everything is read from typed columns of the violation table — ``criterion``,
``status`` (:class:`~protv2g.violations.CheckStatus`), ``attribution`` — never from the
wording of a message.

Policy (domain.md §5, the study's ``gate`` section)
---------------------------------------------------
* **ERROR** (exit 2) when anything could not be evaluated: the checks did not run, a check
  reported an error or did not run on every scenario, a criterion named in ``gate.criteria``
  has a ``not_evaluated`` row or was not evaluated at all, or the engine failed; also when an
  empty collection left the question unjudged (#20): a study without devices, without a V2G
  site, or with a V2G site that may export but exports in no scenario; or devices without a
  fuse or a recloser unless the study states the feeder has none (``no_fuses_or_reclosers``:
  C1–C4 judged nothing, :func:`~protv2g.gate_rows.unmodelled_fuses_and_reclosers`); a V2G
  site with no modelled device between it and the source, or fault types that leave out SLG
  (:mod:`protv2g.gate_coverage`, rev41b W1–W2). The gate never passes on an error.
* **FAIL** (exit 1) when a row remains whose criterion is in ``gate.criteria``, whose status
  is in ``gate.fail_severities`` (default ``fail``) and which is attributable to V2G
  (attribution ``new`` or ``worse``: beyond the tolerance of the device data,
  :mod:`protv2g.checks.attribution`; the sites' charging rows so too, and ``equipment`` /
  ``project``: the project's own equipment, alone or with the chargers); with
  ``gate.pre_existing: fail`` also such a row already present without V2G; or, with
  ``gate.unmet_screening_fails``, when a pilot screening item is not met.
* **PASS** (exit 0) otherwise — with **conditions** when failing rows are already present
  without V2G (attribution ``pre-existing``) and ``gate.pre_existing`` is ``condition`` (the
  default): each is a ``condition:`` reason, "fix before the pilot", listed in
  ``conditions`` and counted; V2G does not cause them, but the pilot should not start on a
  feeder whose protection already fails them.
* **confirm** — a condition resting on an input the study does not give (``input_basis``
  ``default``: an OpenDSS default such as a line's 400 A ``normamps``; ``todo``: a value
  drafted by ``protv2g init``, :mod:`protv2g.input_basis`): a ``confirm:`` reason, listed in
  ``to_confirm`` and counted apart from the conditions — confirm the input, then it is a
  condition if it holds. A failing row attributable to V2G stays a ``fail:`` whatever it rests
  on (the gate never passes on a guess) but its reason names the input to confirm; ``counts
  ["unconfirmed"]`` is the number of such failing rows. C8's ``warn`` rows (within one
  regulator tap of the limit, :mod:`protv2g.checks.load_tap_path`) and C12's regulator
  modes are ``confirm:`` items too, never deciding the verdict.
* **on drafted inputs** — a PASS on a study with values ``protv2g init`` drafted (``# TODO``)
  stays PASS (exit 0: a drafted input makes no row fail), but its verdict line and JSON say
  it is the draft's: "PASS (on drafted inputs: N unconfirmed — confirm them before signing;
  the passes rest on …)" (``verdict_note``, ``drafted_inputs``; :mod:`protv2g.gate_drafted`,
  review ver43 M-b).
* **info**: pre-existing failing rows when ``gate.pre_existing`` is ``info``, criteria of
  ``gate.criteria`` that are ``not_applicable`` to the study, screening items not met or not
  declared. They are listed, never decide the verdict.

Each reason is one line starting with its kind (``error:``, ``fail:``, ``condition:``,
``confirm:``, ``info:``).

How the gate learns that the checks ran
---------------------------------------
From ``result.meta["checks"]``, a dict written by the runner next to the violations:
``{"criteria": [criteria evaluated on every scenario], "errors": [one line per check or
scenario that could not be evaluated]}``. A result without it has not been checked: ERROR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from protv2g.checks.reach_ungrounded import gate_info
from protv2g.criteria import FEEDER_FLOW_CRITERION
from protv2g.findings_sites import SITE_DRIVERS
from protv2g.findings_sites_text import with_driver_lines, with_together_hosting
from protv2g.findings_trend_sites import SiteAxis
from protv2g.gate_confirms import c8_tap_confirms, mode_confirms, with_c8_drivers
from protv2g.gate_coverage import site_gaps, unjudged_criteria
from protv2g.gate_drafted import closest_passing, drafted_pass
from protv2g.gate_errors import check_errors, screening_status
from protv2g.gate_hosting import (
    UNLIMITED_TEXT,
    hosting_chargers_per_site,
    hosting_kw_per_site,
    hosting_limit_per_site,
    hosting_limited_per_site,
    hosting_lines,
)
from protv2g.gate_output import EXIT_CODES, error_verdict, gate_json, stand_in_passes
from protv2g.gate_reasons import ReasonRows, export_kw_by_scenario
from protv2g.gate_rows import (
    OUTCOME_CODES,
    PRE_EXISTING,
    GateOutcome,
    classify,
    classify_codes,
    failing_mask,
    not_applicable_criteria,
    stand_in_mask,
    unevaluated_mask,
)
from protv2g.gate_site_limit import with_site_limits
from protv2g.study.loader import Study
from protv2g.violations import row_weights

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = [
    "EXIT_CODES",
    "hosting_limit_per_site",
    "hosting_lines",
    "PRE_EXISTING",
    "SCREENING_LABELS",
    "GateOutcome",
    "classify",
    "failing_mask",
    "gate_json",
    "gate_verdict",
    "error_verdict",
    "hosting_kw_per_site",
    "hosting_limited_per_site",
    "hosting_chargers_per_site",
    "not_applicable_criteria",
    "screening_status",
    "stand_in_mask",
    "unevaluated_mask",
]

#: What each pilot screening item means, for reasons and the Summary.
SCREENING_LABELS = {
    "evening_peak_narrow_window": "the evening peak falls in a narrow window",
    "predictable_plug_in_times": "plug-in times are predictable",
    "telemetry_phase_power_status": "telemetry of phase, power and status is available",
    "settings_reviewable_without_rebuild": "protection settings can be reviewed without a "
                                           "rebuild",
    "control_agreement_discharge_events": "a control agreement covers discharge events",
}



def _in_groups_of(table: ReasonRows, rows: np.ndarray, of: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: the ``rows`` (a mask) whose reason group (criterion, device, other
    device and rule as text, :meth:`protv2g.gate_reasons.ReasonRows.group_of`: equal codes
    exactly for equal texts) is the group of some row of ``of`` (a mask); not a tuple of
    texts per row (#21: 0.3 s and a copy of the pre-existing rows at 10,000 buses)."""
    out = np.zeros(len(rows), dtype=bool)
    if not rows.any() or not of.any():
        return out
    out[rows] = np.isin(table.group_of(rows), table.group_of(of))
    return out



def gate_verdict(study: Study, result: StudyResult,
                 hosting: pd.DataFrame | None = None) -> dict[str, Any]:
    """The gate verdict of a study result.

    Parameters
    ----------
    study : Study
        The study that produced ``result`` (its ``gate`` and ``pilot_screening`` sections).
    result : StudyResult
        From :func:`protv2g.run_study`, with the checks' violations and
        ``meta["checks"]`` (see the module docstring).
    hosting : DataFrame, optional
        The hosting-capacity table (:func:`protv2g.hosting.hosting_capacity`); adds
        ``hosting_capacity_kw`` per site.

    Returns
    -------
    dict
        ``verdict`` ("PASS" / "FAIL" / "ERROR"), ``exit_code`` (0 / 1 / 2), ``reasons`` (one
        line each: ``error: …``, ``fail: …``, ``condition: …``, ``confirm: …``, ``info: …``),
        ``reason_data`` (aligned with ``reasons``: what a line of violation rows says, as
        data, :func:`~protv2g.gate_reason_record.reason_record`; None for the other lines),
        ``conditions`` (the ``condition:`` lines: failing rows present without V2G, to fix
        before the pilot), ``to_confirm`` (the ``confirm:`` lines: such rows resting on a
        default or drafted input), ``flow_items`` (those of the two that are the feeder's own
        voltage and loading items, :data:`protv2g.criteria.FEEDER_FLOW_CRITERION`: listed
        after the protection items), ``pre_existing_policy`` (``gate.pre_existing``), ``screening``
        (item → met / not met / not declared), ``counts`` (failing, pre-existing, errors,
        conditions, to_confirm, unconfirmed: failing rows resting on a stand-in),
        ``unjudged`` (criterion → why the study's make-up left it unjudged,
        :func:`~protv2g.gate_coverage.unjudged_criteria`: its ``error:`` line says so),
        ``criteria`` and ``fail_severities`` used, ``hosting_capacity_kw`` (site → kW,
        :func:`~protv2g.gate_hosting.hosting_kw_per_site`), ``hosting_limited`` (site → bool),
        ``hosting_limit`` (site → what limits it) and ``hosting_chargers`` (site → chargers, or
        None per site when the table has no count; :mod:`protv2g.gate_hosting`); all None
        without ``hosting``; ``drafted_inputs`` and ``verdict_note`` (a PASS on values
        ``protv2g init`` drafted says so, :func:`~protv2g.gate_drafted.drafted_pass`; None
        and "" otherwise).

    Example
    -------
    >>> study = load_study("feeders/depot_two_feeder/study.yaml")  # doctest: +SKIP
    >>> gate_verdict(study, run_study(study))["verdict"]  # doctest: +SKIP
    'PASS'
    """
    gate = study.document.gate
    gaps = site_gaps(study)  # the device chains walked once for the errors and ``unjudged``
    errors = check_errors(study, result, gaps)
    unjudged = unjudged_criteria(study, gaps)  # rev41b W1–W2, M3: said by errors, not as "n/a"
    violations = result.violations
    fails: list[str] = []
    conditions: list[str] = []
    to_confirm: list[str] = []
    infos: list[str] = []
    flow_items: list[str] = []
    n_fail = n_pre = n_stand_in = 0
    records: dict[str, dict[str, Any]] = {}  # each row line → what it says, as data
    if {"criterion", "status", "attribution", "scenario"} <= set(violations.columns):
        # the rows split by the one row-by-row policy (gate_rows.classify), as integer codes
        # of the outcomes, the columns read once (#21)
        code, pre_mask = classify_codes(violations, gate)
        is_attributable = (code == OUTCOME_CODES[GateOutcome.FAIL]) & ~pre_mask
        # a row kept for a group of buses (C5, C12) counts as the rows it stands for (#21)
        weight = row_weights(violations)
        n_fail, n_pre = int(weight[is_attributable].sum()), int(weight[pre_mask].sum())
        kw = export_kw_by_scenario(result.scenarios)  # ties broken as the Findings do
        # the reasons of every kind from one coding of the table's columns, by mask (#21:
        # a copy of the rows per kind, each hashed again, 0.3 s at 10,000 buses)
        # the site driving a line leads its export's words (review rev48a #3, rev48b P9)
        table = ReasonRows(violations, kw, rows=is_attributable | pre_mask,
                           sites=SiteAxis.of(result.tables.get(SITE_DRIVERS), result.scenarios,
                                             every=True))
        # one line per device and mechanism: a group failing with V2G says on its line that
        # it fails without V2G too, instead of a second (condition/confirm) line (s16 A3)
        folded = _in_groups_of(table, pre_mask, is_attributable)
        fails += table.reasons("fail", is_attributable, folded=folded, records=records)
        pre_mask = pre_mask & ~folded

        def pre_with(outcome: GateOutcome) -> np.ndarray:
            """The pre-existing failing rows, not folded, of one outcome."""
            return pre_mask & (code == OUTCOME_CODES[outcome])

        fails += table.reasons("fail", pre_with(GateOutcome.FAIL),
                               without_v2g=" (gate.pre_existing: fail)", records=records)
        # the feeder's own voltage and loading items (C12) apart from the protection ones:
        # the same lines, in the same order (C12 is the catalogue's last), so the Summary can
        # list protection first (review s25 §5: ten transformer overloads opened it)
        flow_rows = (violations["criterion"] == FEEDER_FLOW_CRITERION).to_numpy(dtype=bool)

        def pre_reasons(at: np.ndarray) -> tuple[list[str], list[str]]:
            """The ``condition:`` and ``confirm:`` lines of the rows ``at``; a row resting on
            a tool default or a drafted value is a question about the input first."""
            given, stand_in = (pre_with(GateOutcome.CONDITION) & at,
                               pre_with(GateOutcome.CONFIRM) & at)
            # a finding split over both lines: each says which worst its margin is
            return (table.reasons("condition", given, without_v2g=": fix before the pilot",
                                  records=records, split_with=stand_in),
                    table.reasons("confirm", stand_in,
                                  without_v2g=": confirm the input, then fix before the "
                                  "pilot if it holds", records=records, split_with=given))

        protection, feeder = pre_reasons(~flow_rows), pre_reasons(flow_rows)
        modes = mode_confirms(violations)
        conditions += protection[0] + feeder[0]
        # C8's rows within one regulator tap of the limit with the protection's (rev49b #5)
        c8_lines, c8_records = c8_tap_confirms(violations)
        records.update(c8_records)  # so their driver is said as on the other lines
        to_confirm += protection[1] + c8_lines + feeder[1] + modes
        flow_items = feeder[0] + feeder[1] + modes
        infos += table.reasons("info", pre_with(GateOutcome.INFO),
                               "not attributable to V2G", records=records)
        stand_in = stand_in_mask(violations).to_numpy(dtype=bool)
        n_stand_in = int(weight[stand_in & is_attributable].sum())  # a group's rows (#21)
        del weight
        # a criterion the study's make-up left unjudged is said by its error, not "n/a"
        gated = set(gate.criteria) - set(unjudged)
        for crit, why in not_applicable_criteria(violations).items():
            if crit in gated:
                infos.append(f"info: {why}")
        infos += gate_info(violations) if "C5" in gated else []  # ungrounded (rev33c M1)
    screening = screening_status(study)
    undeclared = [k for k, v in screening.items() if v == "not declared"]
    for item, state in screening.items():
        if state != "not met":
            continue
        text = f"pilot screening item {item} not met ({SCREENING_LABELS[item]})"
        if gate.unmet_screening_fails:
            fails.append(f"fail: {text}")
        else:
            infos.append(f"info: {text}; does not fail the gate (gate.unmet_screening_fails "
                         "is false)")
    if undeclared:
        infos.append(f"info: pilot screening not declared: {', '.join(undeclared)}")
    verdict = "ERROR" if errors else ("FAIL" if fails else "PASS")
    out: dict[str, Any] = {
        "verdict": verdict,
        "exit_code": EXIT_CODES[verdict],
        "reasons": errors + fails + conditions + to_confirm + infos,
        # criterion → why the study's make-up left it unjudged (its error above), as data
        "unjudged": unjudged,
        "conditions": conditions,
        "to_confirm": to_confirm,
        "flow_items": flow_items,
        "pre_existing_policy": gate.pre_existing,
        "screening": screening,
        "counts": {"failing": n_fail, "pre_existing": n_pre, "errors": len(errors),
                   "conditions": len(conditions), "to_confirm": len(to_confirm),
                   "unconfirmed": n_stand_in},
        "criteria": list(gate.criteria),
        "fail_severities": [str(getattr(s, "value", s)) for s in gate.fail_severities],
        "unmet_screening_fails": gate.unmet_screening_fails,
        "hosting_capacity_kw": hosting_kw_per_site(hosting) if hosting is not None else None,
        "hosting_limited": (hosting_limited_per_site(hosting) if hosting is not None
                            else None),
        "hosting_limit": hosting_limit_per_site(hosting) if hosting is not None else None,
        "hosting_chargers": (hosting_chargers_per_site(
            hosting, {x.name: x.p_charger_kw for x in study.document.v2g_sites})
            if hosting is not None else None),
    }
    # a PASS on init's drafts is the draft's, and says so (review ver43 M-b, gate_drafted)
    out.update(drafted_pass(verdict, result.meta, gate.criteria, closest_passing(
        result.meta, result.tables.get("Coordination"))))
    if verdict == "PASS" and not out["reasons"]:
        out["reasons"] = ["info: every check ran on every scenario; no failing violation "
                          "attributable to V2G" + stand_in_passes(result, gate.criteria)]
    # what each line of violation rows says, as data (None for the other lines): the terminal
    # groups lines by it, never by their words (ver39, design.md: status is data)
    out["reason_data"] = [records.get(r) for r in out["reasons"]]
    # which site drives a multi-site V2G finding (rev45a M4): on its line and in its record
    # (and that it is not judged, why: a line that says nothing read as one site's)
    drivers = result.tables.get(SITE_DRIVERS)
    out["reasons"], out["reason_data"] = with_driver_lines(
        out["reasons"], out["reason_data"], drivers, violations, result.scenarios)
    # C8's confirm: lines within one tap too (review ver50 #4: J1 F05's had no driver words)
    out["reasons"], out["reason_data"] = with_c8_drivers(
        out["reasons"], out["reason_data"], drivers, violations, result.scenarios)
    # a one-site finding's limit beside its driver (review c12d50: "homes alone reaches the
    # limit at ≈ 15.7 kW exporting" was in the Findings and the Site drivers only)
    out["reasons"], out["reason_data"] = with_site_limits(out["reasons"], out["reason_data"],
                                                          drivers)
    # a site no criterion limits alone whose export fails a criterion with others together
    out["hosting_limit"] = with_together_hosting(out["hosting_limit"], out["reason_data"],
                                                 drivers, UNLIMITED_TEXT)
    return out


