"""The gate's ``error:`` reasons and its pilot screening items: what could not be evaluated
(checks that did not run, or not on every scenario; what an empty collection left unjudged,
#20) and each screening item's state. Moved out of :mod:`protv2g.gate` (module size)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from protv2g.criteria import order
from protv2g.gate_coverage import SiteGap, ground_fault_gap, path_gaps
from protv2g.gate_reason_record import scenario_count_text
from protv2g.gate_rows import judged_by_device, unevaluated_mask, unmodelled_fuses_and_reclosers
from protv2g.study.device_coverage import empty_collections
from protv2g.study.loader import Study
from protv2g.study.schema import PilotScreening
from protv2g.violations import text_values

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["check_errors", "empty_study_errors", "screening_status"]


def screening_status(study: Study) -> dict[str, str]:
    """Each pilot screening item as ``met`` / ``not met`` / ``not declared``."""
    screening = study.document.pilot_screening
    out = {}
    for item in PilotScreening.model_fields:
        value = getattr(screening, item)
        out[item] = "not declared" if value is None else ("met" if value else "not met")
    return out


def check_errors(study: Study, result: StudyResult, gaps: list[SiteGap]) -> list[str]:
    """``error:`` reasons: checks that did not run, or did not run on every scenario."""
    meta = result.meta if isinstance(result.meta, dict) else {}
    status = meta.get("checks")
    if not isinstance(status, dict):
        return ["error: the coordination checks did not run in this study "
                "(no result.meta['checks']); the gate cannot pass without them"]
    errors = status.get("errors") or []
    if isinstance(errors, str):
        errors = [errors]
    out = [f"error: {e}" for e in errors]
    ran = status.get("criteria")
    if ran is None:
        out.append("error: the checks did not say which criteria they evaluated "
                   "(result.meta['checks']['criteria'])")
    else:
        missing = [c for c in study.document.gate.criteria if c not in set(map(str, ran))]
        if missing:
            out.append(f"error: criteria {', '.join(missing)} are in gate.criteria but were "
                       "not evaluated on every scenario")
    not_computed = meta.get("not_computed") or {}
    if isinstance(not_computed, dict) and "Violations" in not_computed:
        out.append(f"error: violations not computed: {not_computed['Violations']}")
    columns = {"criterion", "status", "attribution", "scenario", "message"}
    if not columns <= set(result.violations.columns):
        out.append(f"error: the violations table lacks columns "
                   f"{sorted(columns - set(result.violations.columns))}")
        return out
    bad = result.violations[unevaluated_mask(result.violations)]
    bad = bad[text_values(bad["criterion"]).isin(set(study.document.gate.criteria))]
    for (_, message), rows in sorted(bad.groupby(["criterion", "message"], sort=False,
                                                 observed=True),
                                     key=lambda kv: (order(str(kv[0][0])), kv[0][1])):
        scen = rows["scenario"].astype(str)
        where = f" in {scenario_count_text(scen.nunique())}" if (scen != "").any() else ""
        said = f"error: {' '.join(str(message).split())}"
        # a message both in meta and in the rows: listed once, with its scenarios (review
        # ver40b §3, EPRI J1 at 10 MW: each non-converged flow was printed twice, plain and
        # "… in 1 scenario")
        out = [e for e in out if ' '.join(e.split()) != said]
        head, fix, how = said.partition(". Fix: ")  # the scenarios before the fix, not after
        out.append(f"{head}{where}{fix}{how}")
    out += empty_study_errors(study, result, gaps)
    return list(dict.fromkeys(out))


def empty_study_errors(study: Study, result: StudyResult, gaps: list[SiteGap]) -> list[str]:
    """``error:`` reasons for what an empty collection left unjudged (#20).

    A study without devices has nothing the coordination criteria can judge (they all come
    out ``not_applicable``); a V2G site that may export but exports in no scenario (export
    levels of 0 only, a participation fraction of 0) was never judged exporting. Either way
    the gate was not evaluated on what it is asked, so it cannot pass.
    """
    out = []
    if why := unmodelled_fuses_and_reclosers(study.document):  # C1–C4 judged nothing
        out.append(f"error: {why}")
    # a V2G site behind no feeder device (``gaps``: :func:`~protv2g.gate_coverage.site_gaps`,
    # walked once by the caller), fault types without SLG (rev41b W1, W2)
    judged = judged_by_device(result.violations) if any(g.fuses for g in gaps) else None
    said = [*path_gaps(study, gaps, judged),
            *filter(None, [ground_fault_gap(study.document)])]
    out += [f"error: {why}; fix: {fix}" for why, fix in said]
    # no devices, no V2G sites: the same words as validate's warnings
    out += [f"error: {why}; fix: {fix}" for _, why, fix in empty_collections(study.document)]
    table = result.scenarios
    if not isinstance(table, pd.DataFrame) or "scenario" not in table:
        return out  # no scenario table (a result built by hand): nothing to read exports from
    for site in study.document.v2g_sites:
        col = f"p_{site.name}_kw"
        if not site.can_export or col not in table:
            continue
        if not (pd.to_numeric(table[col], errors="coerce") > 0).any():
            out.append(f"error: V2G site {site.name} exports in no scenario, so its export "
                       "was not judged; fix: give scenarios.export_levels_kw (or _fraction) "
                       "a level above 0 and a participation case with chargers online, or "
                       "set the site's modes to [charging]")
    return out
