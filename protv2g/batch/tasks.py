"""One study of a batch, as a worker runs it: load → run → workbook → one summary row.

Everything a task needs is in its :class:`BatchTask` (paths and numbers, never a pickled net),
so a worker computes the same numbers as the same study run alone.
"""

from __future__ import annotations

import math
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from protv2g.errors import InputError
from protv2g.runner import run_study
from protv2g.study import load_study
from protv2g.violations import CheckStatus, row_weights

__all__ = ["NOT_EVALUATED", "SUMMARY_COLUMNS", "BatchTask", "distinct_notes", "error_row",
           "gate_summary", "hosting_summary", "load_variant", "run_task", "study_result",
           "summary_frame", "summary_row", "worst_margin_text"]

#: Columns of the combined workbook's ``Studies`` sheet (one row per study or variant).
SUMMARY_COLUMNS = [
    "study", "variant", "file", "status", "verdict", "gate_reasons", "violations",
    "violations_fail", "violations_warn", "violations_info", "hosting_capacity",
    "worst_margin", "worst_margin_at", "worst_margin_text", "notes", "error", "workbook",
    "run_s", "cpu_s",
]

NOT_EVALUATED = "not evaluated"


@dataclass(frozen=True)
class BatchTask:
    """One unit of work sent to a worker: plain strings and numbers only.

    Attributes
    ----------
    index : int
        Position in the batch (the combined workbook keeps this order).
    file : str
        The study file as the user named it (shown in the summary).
    path : str
        Absolute path of the study file (what the worker opens).
    workbook : str
        Absolute path of the study's own workbook.
    export_fraction : float or None
        Variant: the single export level (fraction of each site's maximum), or None for the
        study as written.
    """

    index: int
    file: str
    path: str
    workbook: str
    export_fraction: float | None = None

    @property
    def variant(self) -> str:
        """Label of the variant (empty for the study as written)."""
        if self.export_fraction is None:
            return ""
        return f"export {100 * self.export_fraction:g}%"


def hosting_summary(result: Any) -> str:
    """Per-site hosting capacity from ``tables["Hosting capacity"]``, read defensively.

    The smallest value over the table's rows for each site (criteria, participation and load
    levels), with what limits it: ``"depot: 2,500 kW (C3 at RC-F1)"``.
    """
    table = getattr(result, "tables", {}).get("Hosting capacity")
    if not isinstance(table, pd.DataFrame):
        return NOT_EVALUATED
    if table.empty:
        return "no rows"
    known = [c for c in ("hosting_capacity_kw", "hosting_kw") if c in table.columns]
    kw_cols = known or [c for c in table.columns if "hosting" in str(c) and str(c).endswith("_kw")]
    if not kw_cols:
        return "see the study workbook"
    values = pd.to_numeric(table[kw_cols[0]], errors="coerce")
    sites = table["site"].astype(str) if "site" in table.columns else pd.Series(
        "all", index=table.index)
    parts = []
    for site in dict.fromkeys(sites):
        mask = (sites == site) & values.notna()
        if not mask.any():
            parts.append(f"{site}: n/a")
            continue
        i = values[mask].idxmin()
        row = table.loc[i]
        text = f"{site}: {_fmt_kw(float(values[i]))}"
        if "limited" in table.columns and row["limited"] is not None and not bool(row["limited"]):
            text = f"{site}: ≥ {_fmt_kw(float(values[i]))} (no limit found)"
        why = [str(row[c]) for c in ("limiting_criterion", "criterion", "limiting_device")
               if c in table.columns and pd.notna(row[c]) and str(row[c])]
        if why and not text.endswith("(no limit found)"):
            text += f" ({' at '.join(why[:2])})"
        parts.append(text)
    return "; ".join(parts)


def _fmt_kw(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "no limit found"
    return f"{value:,.0f} kW"


def gate_summary(result: Any) -> tuple[str, str]:
    """(verdict, reasons) from ``meta["gate"]``; an absent gate is "not evaluated", never PASS."""
    gate = result.meta.get("gate") if isinstance(result.meta, dict) else None
    if not isinstance(gate, dict) or "verdict" not in gate:
        return NOT_EVALUATED, ""
    verdict = str(gate["verdict"])
    reasons = gate.get("reasons") or []
    if isinstance(reasons, str):
        reasons = [reasons]
    return verdict, "; ".join(str(r) for r in reasons)


def _worst_margin(violations: pd.DataFrame) -> tuple[float, str, str]:
    """(worst margin, where: criterion device other_device scenario fault_bus fault_type,
    the margin as the line prints it: :func:`worst_margin_text`)."""
    if violations.empty or "margin" not in violations.columns:
        return math.nan, "", ""
    margins = pd.to_numeric(violations["margin"], errors="coerce")
    if margins.notna().sum() == 0:
        return math.nan, "", ""
    i = margins.idxmin()
    row = violations.loc[i]
    where = " ".join(str(row.get(c)) for c in ("criterion", "device", "other_device",
                                               "scenario", "fault_bus", "fault_type")
                     if _given(row.get(c)))
    return float(margins.loc[i]), where, worst_margin_text(row)


def _given(value: Any) -> bool:
    return value is not None and str(value) not in ("", "nan", "None", "<NA>")


def worst_margin_text(row: Any) -> str:
    """A violation ``row``'s margin as the batch line prints it: its value and unit, the
    criterion and device(s); a margin of −∞ (no time to compare) says which device never
    operates, as the workbook's findings do (``"−∞: head-sw1 never operates"``; review
    rev48b P3: the line said "worst margin -inf").

    >>> worst_margin_text({"criterion": "C1", "device": "F-L9", "other_device": "head-sw1",
    ...     "margin": float("-inf"), "margin_unit": "s", "t_device_s": 0.05,
    ...     "t_other_s": float("inf")})
    'C1 F-L9 / head-sw1: −∞ s (head-sw1 never operates: no time to compare)'
    >>> worst_margin_text({"criterion": "C4", "device": "head-l1", "margin": -3.1802,
    ...     "margin_unit": "s"})
    'C4 head-l1: −3.18 s'
    """
    from protv2g.significant import number_text

    get = row.get
    who = " / ".join(str(get(c)) for c in ("device", "other_device") if _given(get(c)))
    unit = str(get("margin_unit")) if _given(get("margin_unit")) else ""
    margin = float(pd.to_numeric(get("margin"), errors="coerce"))
    head = " ".join(x for x in (str(get("criterion") or ""), who) if x)
    if margin == -math.inf:
        never = [str(get(d)) for d, t in (("device", "t_device_s"), ("other_device", "t_other_s"))
                 if _given(get(d))
                 and float(pd.to_numeric(get(t), errors="coerce")) == math.inf]
        why = (f"{' and '.join(never)} never operate{'s' if len(never) == 1 else ''}"
               if never else "a device never operates")
        return f"{head}: −∞ {unit} ({why}: no time to compare)".replace("  (", " (")
    return f"{head}: {number_text(margin, unit, 3)}"


def summary_row(task: BatchTask, result: Any, run_s: float, cpu_s: float = math.nan
                ) -> dict[str, Any]:
    """The combined-workbook row of one study that ran (``run_s`` wall, ``cpu_s`` CPU time)."""
    violations = result.violations
    status = (violations["status"].astype(str) if len(violations) else pd.Series(dtype=str))
    # a C5 group's row counts as the zone rows it stands for (#21, ``n_buses``)
    weight = pd.Series(row_weights(violations), index=violations.index)
    violations = violations[status != CheckStatus.NOT_APPLICABLE.value]
    verdict, reasons = gate_summary(result)
    margin, margin_at, margin_text = _worst_margin(violations)
    return {
        "study": result.study_name, "variant": task.variant, "file": task.file,
        "status": "ok", "verdict": verdict, "gate_reasons": reasons,
        "violations": int(weight[violations.index].sum()),
        "violations_fail": int(weight[status == CheckStatus.FAIL.value].sum()),
        "violations_warn": int(weight[status == CheckStatus.WARN.value].sum()),
        "violations_info": int(weight[status == CheckStatus.INFO.value].sum()),
        "hosting_capacity": hosting_summary(result), "worst_margin": margin,
        "worst_margin_at": margin_at, "worst_margin_text": margin_text, "notes": "", "error": "",
        "workbook": task.workbook,
        "run_s": round(run_s, 3), "cpu_s": round(cpu_s, 3),
    }


def error_row(task: BatchTask, error: str, run_s: float = math.nan) -> dict[str, Any]:
    """The combined-workbook row of a study that could not be evaluated."""
    return {
        "study": Path(task.file).stem if Path(task.file).stem != "study"
        else Path(task.file).parent.name,
        "variant": task.variant, "file": task.file, "status": "error", "verdict": "ERROR",
        "gate_reasons": "", "violations": None, "violations_fail": None,
        "violations_warn": None, "violations_info": None, "hosting_capacity": NOT_EVALUATED,
        "worst_margin": math.nan, "worst_margin_at": "", "worst_margin_text": "", "notes": "",
        "error": error,
        "workbook": "",
        "run_s": round(run_s, 3) if not math.isnan(run_s) else math.nan, "cpu_s": math.nan,
    }


def load_variant(task: BatchTask) -> Any:
    """``load_study(task.path)``, with the variant's scenarios applied."""
    study = load_study(task.path)
    if task.export_fraction is None:
        return study
    scenarios = dict(study.raw.get("scenarios") or {})
    scenarios.pop("export_levels_kw", None)
    scenarios["export_levels_fraction"] = [task.export_fraction]
    return study.with_updates(scenarios=scenarios)


def study_result(task: BatchTask) -> Any:
    """The :class:`~protv2g.result.StudyResult` of a task (no workbook, raises on bad input).

    For checking a worker against a serial run: ``client.submit(study_result, task)``.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return run_study(load_variant(task))


def run_task(task: BatchTask) -> dict[str, Any]:
    """Run one study of a batch and write its workbook; never raises for a study's fault.

    This is the function each Dask task calls: everything it needs is in ``task`` (paths and
    numbers), so its result is the same on any worker as in a plain script.

    Parameters
    ----------
    task : BatchTask

    Returns
    -------
    dict
        One summary row (``SUMMARY_COLUMNS``); ``status`` is "ok" or "error".
    """
    start, cpu_start = time.perf_counter(), time.process_time()
    Path(task.workbook).unlink(missing_ok=True)  # no stale workbook from an earlier batch
    # the study's notes (a PllNote …) are recorded, not printed by the worker: they reach the
    # user once, in the study's row (review rev47b P6: 28 raw warnings with source lines on
    # stderr for two studies, where `run` prints each once as "note: …")
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            study = load_variant(task)
            result = run_study(study)
            result.to_excel(task.workbook)
    except InputError as exc:
        return error_row(task, f"bad input: {exc}", time.perf_counter() - start)
    except MemoryError:
        return error_row(task, "MemoryError: the study does not fit in the worker's memory",
                         time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - one study's crash must not stop the batch
        frame = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" (at {frame[0].filename}:{frame[0].lineno})" if frame else ""
        return error_row(task, f"{type(exc).__name__}: {exc}{where}",
                         time.perf_counter() - start)
    row = summary_row(task, result, time.perf_counter() - start,
                      time.process_time() - cpu_start)
    row["notes"] = distinct_notes(caught, _run_pll_detail(result, task))
    return row


def _run_pll_detail(result: Any, task: BatchTask) -> dict[str, object]:
    """What ``run`` adds to the PLL note (:func:`protv2g.cli_notes._pll_detail`: the held
    fault buses over every slice, their names, the findings concerned); ``{}`` if it fails."""
    from protv2g.cli_notes import _pll_detail
    from protv2g.report.derived import result_findings

    try:
        return _pll_detail(result.fault_currents, Path(task.workbook), result_findings(result),
                           result.tables.get("Device duty"))
    except Exception:  # noqa: BLE001 - an optional detail: the note is given without it
        return {}


def distinct_notes(caught: list[warnings.WarningMessage],
                   pll: dict[str, object] | None = None) -> str:
    """The study's notes as ``run`` prints them (:func:`protv2g.cli_notes.note_lines`:
    one line per kind, the PLL notes of every scenario and slice one line, ``pll`` what the
    run adds), without the ``note:`` prefix, one per line (review rev48b P3: the PLL note
    once per scenario, differing only in the scenario named).

    >>> import warnings
    >>> from protv2g.slice_note import PllNote
    >>> caught = [warnings.WarningMessage(PllNote(f"scenario s{n}", n), PllNote,
    ...                                   "protv2g/engine/study.py", 1) for n in (8, 22)]
    >>> len(distinct_notes(caught).splitlines()), "8–22" in distinct_notes(caught)
    (1, True)
    """
    from protv2g.cli_notes import note_lines

    return "\n".join(dict.fromkeys(line.removeprefix("note: ")
                                    for line in note_lines(caught, pll)))


def summary_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a DataFrame with ``SUMMARY_COLUMNS`` and stable dtypes."""
    frame = pd.DataFrame(list(rows), columns=SUMMARY_COLUMNS)
    for col in ("violations", "violations_fail", "violations_warn", "violations_info"):
        frame[col] = frame[col].astype("Int64")
    for col in ("worst_margin", "run_s", "cpu_s"):
        frame[col] = frame[col].astype(float)
    return frame
