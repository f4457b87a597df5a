"""Many studies at once on Dask: ``run_batch``.

One task per study (or per study variant) does exactly what a script does for one study::

    load_study(path) → [with_updates(scenarios=…)] → run_study → to_excel → summary row

Tasks receive file paths, never pickled nets, so a task on a worker computes the same numbers as
the same study run alone. The scheduling is Dask's: a :class:`distributed.LocalCluster` of
single-threaded processes by default, or a running Dask scheduler given by its address.

Output
------
``OUT.xlsx``
    One row per study (sheet ``Studies``: study, variant, file, status, verdict, violations by
    severity, hosting capacity, worst margin, error, workbook, run time) and a ``Batch`` sheet
    (scheduler, workers, counts, versions). Written atomically.
``<OUT stem>_studies/``
    Each study's own coordination workbook, as ``protv2g run`` would write it.

A study that fails (bad input or an internal error) gets a row with ``status = "error"``, its
error message and ``verdict = "ERROR"``; the other studies are not affected.

Variants
--------
``vary_export=[0.25, 0.5, 1.0]`` turns every study file into one variant per fraction: the
study's ``scenarios`` section with ``export_levels_fraction: [f]`` (replacing any export levels
it had), through :meth:`protv2g.study.Study.with_updates`. Participation and load levels are
kept. The base case (no export) is always part of every variant.

Remote workers
--------------
With ``scheduler="tcp://host:8786"`` the workers must see the study files and the output folder
at the same absolute paths (a shared file system), and have protv2g installed in the same
version.
"""

from __future__ import annotations

import glob
import logging
import math
import os
import sys
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from protv2g.errors import InputError, Issue
from protv2g.report.excel import save_workbook_atomic
from protv2g.report.format import write_table

#: Columns of the combined workbook's ``Studies`` sheet (one row per study or variant).
SUMMARY_COLUMNS = [
    "study", "variant", "file", "status", "verdict", "gate_reasons", "violations",
    "violations_fail", "violations_warn", "violations_info", "hosting_capacity",
    "worst_margin", "worst_margin_at", "error", "workbook", "run_s", "cpu_s",
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


@dataclass(frozen=True)
class BatchResult:
    """What :func:`run_batch` produced.

    Attributes
    ----------
    summary : DataFrame
        ``SUMMARY_COLUMNS``, one row per study or variant, in input order.
    workbook : Path
        The combined workbook.
    studies_dir : Path
        Folder holding each study's own workbook.
    """

    summary: pd.DataFrame
    workbook: Path
    studies_dir: Path

    @property
    def n_errors(self) -> int:
        """Number of studies that could not be evaluated."""
        return int((self.summary["status"] != "ok").sum())

    @property
    def exit_code(self) -> int:
        """0 when every study ran (whatever its verdict), 2 when any could not be evaluated."""
        return 2 if self.n_errors else 0


# --- the task (runs on a worker) ---------------------------------------------------------------


def _hosting_capacity(result: Any) -> str:
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


def _gate(result: Any) -> tuple[str, str]:
    """(verdict, reasons) from ``meta["gate"]``; an absent gate is "not evaluated", never PASS."""
    gate = result.meta.get("gate") if isinstance(result.meta, dict) else None
    if not isinstance(gate, dict) or "verdict" not in gate:
        return NOT_EVALUATED, ""
    verdict = str(gate["verdict"])
    reasons = gate.get("reasons") or []
    if isinstance(reasons, str):
        reasons = [reasons]
    return verdict, "; ".join(str(r) for r in reasons)


def _worst_margin(violations: pd.DataFrame) -> tuple[float, str]:
    if violations.empty or "margin" not in violations.columns:
        return math.nan, ""
    margins = pd.to_numeric(violations["margin"], errors="coerce")
    if margins.notna().sum() == 0:
        return math.nan, ""
    i = margins.idxmin()
    row = violations.loc[i]
    where = " ".join(str(row.get(c)) for c in ("criterion", "device", "other_device",
                                               "scenario", "fault_bus", "fault_type")
                     if row.get(c) is not None and str(row.get(c)) not in ("", "nan"))
    return float(margins.loc[i]), where


def summary_row(task: BatchTask, result: Any, run_s: float, cpu_s: float = math.nan
                ) -> dict[str, Any]:
    """The combined-workbook row of one study that ran (``run_s`` wall, ``cpu_s`` CPU time)."""
    violations = result.violations
    severity = (violations["severity"].astype(str).str.lower() if len(violations)
                else pd.Series(dtype=str))
    verdict, reasons = _gate(result)
    margin, margin_at = _worst_margin(violations)
    return {
        "study": result.study_name, "variant": task.variant, "file": task.file,
        "status": "ok", "verdict": verdict, "gate_reasons": reasons,
        "violations": len(violations),
        "violations_fail": int((severity == "fail").sum()),
        "violations_warn": int((severity == "warn").sum()),
        "violations_info": int((severity == "info").sum()),
        "hosting_capacity": _hosting_capacity(result), "worst_margin": margin,
        "worst_margin_at": margin_at, "error": "", "workbook": task.workbook,
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
        "worst_margin": math.nan, "worst_margin_at": "", "error": error, "workbook": "",
        "run_s": round(run_s, 3) if not math.isnan(run_s) else math.nan, "cpu_s": math.nan,
    }


def load_variant(task: BatchTask) -> Any:
    """``load_study(task.path)``, with the variant's scenarios applied."""
    from protv2g.study import load_study

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
    from protv2g.runner import run_study

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
    from protv2g.runner import run_study

    start, cpu_start = time.perf_counter(), time.process_time()
    Path(task.workbook).unlink(missing_ok=True)  # no stale workbook from an earlier batch
    try:
        with warnings.catch_warnings():
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
    return summary_row(task, result, time.perf_counter() - start,
                       time.process_time() - cpu_start)


# --- planning (runs on the client) -------------------------------------------------------------


def expand_studies(patterns: Sequence[str | Path]) -> list[str]:
    """Study files named by paths, glob patterns or folders, in the order given.

    A folder stands for every ``study.yaml`` below it; a glob is expanded (sorted, ``**``
    allowed); a plain path is kept even when missing, so its error is reported in the batch.
    Duplicates are kept once.

    Raises
    ------
    InputError
        When a glob or folder matches no study file.
    """
    out: list[str] = []
    issues: list[Issue] = []
    for i, pattern in enumerate(patterns):
        text = str(pattern)
        if Path(text).is_dir():
            found = sorted(str(p) for p in Path(text).rglob("study.yaml"))
            if not found:
                issues.append(Issue("command line", f"studies[{i}]", f"folder {text!r} holds "
                                    "no study.yaml", "name the study files or a glob"))
        elif glob.has_magic(text):
            found = sorted(glob.glob(text, recursive=True))
            if not found:
                issues.append(Issue("command line", f"studies[{i}]", f"{text!r} matches no "
                                    "file", "check the pattern (quote it for the shell)"))
        else:
            found = [text]
        out += [f for f in found if f not in out]
    if issues:
        raise InputError(issues)
    if not out:
        raise InputError(Issue("command line", "studies", "no study files given",
                               "name one or more study files or globs"))
    return out


def _check_fractions(vary_export: Sequence[float] | None) -> list[float] | None:
    if vary_export is None:
        return None
    fractions = [float(f) for f in vary_export]
    bad = [f for f in fractions if not (math.isfinite(f) and 0.0 <= f <= 1.0)]
    if bad or not fractions:
        raise InputError(Issue("command line", "--vary-export",
                               f"export fractions must be numbers in [0, 1], got {bad or '[]'}",
                               "e.g. --vary-export 0.25,0.5,1.0"))
    return fractions


def _workbook_stem(file: str) -> str:
    p = Path(file)
    stem = p.parent.name if p.stem == "study" and p.parent.name else p.stem
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in stem) or "study"


def plan_tasks(files: Sequence[str], studies_dir: Path,
               vary_export: Sequence[float] | None = None) -> list[BatchTask]:
    """One task per file (× export fraction), each with its own unique workbook path."""
    fractions: list[float | None] = list(vary_export) if vary_export else [None]
    tasks: list[BatchTask] = []
    used: set[str] = set()
    for file in files:
        base = _workbook_stem(file)
        for fraction in fractions:
            name = base if fraction is None else f"{base}_export-{fraction:g}"
            unique, k = name, 2
            while unique.lower() in used:
                unique, k = f"{name}-{k}", k + 1
            used.add(unique.lower())
            tasks.append(BatchTask(len(tasks), file, str(Path(file).resolve()),
                                   str((studies_dir / f"{unique}.xlsx").resolve()), fraction))
    return tasks


@contextmanager
def dask_client(scheduler: Any = None, workers: int | None = None) -> Iterator[Any]:
    """A :class:`distributed.Client`: to ``scheduler`` (address or Client), or a LocalCluster.

    Parameters
    ----------
    scheduler : str or distributed.Client, optional
        Address of a running scheduler (``tcp://host:8786``) or a client to reuse (not closed).
        None starts a :class:`distributed.LocalCluster` (processes, one thread each).
    workers : int, optional
        Worker processes of the local cluster (default: the number of CPUs). Ignored with a
        scheduler.
    """
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=n, processes=True, threads_per_worker=1,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


def _n_workers(client: Any) -> int:
    try:
        return len(client.scheduler_info(n_workers=-1)["workers"])
    except TypeError:  # older distributed without n_workers
        return len(client.scheduler_info()["workers"])
    except Exception:  # noqa: BLE001 - only used for the report
        return 0


class _Progress:
    """A completion counter on a stream: ``[3/20] name: PASS (1.2 s)``."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.done, self.stream = total, 0, stream
        self.start = time.perf_counter()

    def update(self, row: dict[str, Any]) -> None:
        self.done += 1
        if self.stream is None:
            return
        label = row["study"] + (f" ({row['variant']})" if row["variant"] else "")
        state = row["verdict"] if row["status"] == "ok" else "ERROR"
        elapsed = time.perf_counter() - self.start
        print(f"[{self.done}/{self.total} {elapsed:6.1f} s] {label}: {state}",
              file=self.stream, flush=True)


def run_tasks(tasks: Sequence[BatchTask], client: Any,
              progress: TextIO | None = None) -> list[dict[str, Any]]:
    """Submit every task to ``client`` and gather the rows in task order.

    A task whose worker dies (or any error outside :func:`run_task`) becomes an error row.
    """
    from distributed import as_completed

    futures = {client.submit(run_task, task, key=f"protv2g-study-{task.index}-{time.time_ns()}",
                             pure=False, retries=0): task for task in tasks}
    rows: dict[int, dict[str, Any]] = {}
    bar = _Progress(len(tasks), progress)
    for future in as_completed(list(futures)):
        task = futures[future]
        try:
            row = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost worker must not stop the batch
            row = error_row(task, f"{type(exc).__name__} on the worker: {exc}")
        rows[task.index] = row
        bar.update(row)
        future.release()
    return [rows[t.index] for t in tasks]


# --- the combined workbook ---------------------------------------------------------------------


def summary_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows as a DataFrame with ``SUMMARY_COLUMNS`` and stable dtypes."""
    frame = pd.DataFrame(list(rows), columns=SUMMARY_COLUMNS)
    for col in ("violations", "violations_fail", "violations_warn", "violations_info"):
        frame[col] = frame[col].astype("Int64")
    for col in ("worst_margin", "run_s", "cpu_s"):
        frame[col] = frame[col].astype(float)
    return frame


def _write_sheet(wb: Any, title: str, frame: pd.DataFrame) -> None:
    """One sheet as an Excel Table, with the project's report writer (units, safe cells)."""
    write_table(wb.create_sheet(title), frame)


def write_batch_workbook(summary: pd.DataFrame, info: dict[str, Any], path: Path) -> Path:
    """Write the combined workbook (sheets ``Studies`` and ``Batch``) atomically."""
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    default = wb.active
    table = summary.astype(object).where(summary.notna(), None)
    _write_sheet(wb, "Studies", table)
    _write_sheet(wb, "Batch", pd.DataFrame(list(info.items()), columns=["key", "value"]))
    wb.remove(default)
    save_workbook_atomic(wb, path)
    return path


def run_batch(studies: Sequence[str | Path] | str | Path, output: str | Path = "reports/batch.xlsx",
              *, scheduler: Any = None, workers: int | None = None,
              vary_export: Sequence[float] | None = None,
              progress: TextIO | bool | None = True) -> BatchResult:
    """Run many studies in parallel on Dask and write one combined workbook.

    Parameters
    ----------
    studies : str, Path or sequence of them
        Study files, glob patterns (``"feeders/*/study.yaml"``) or folders (every
        ``study.yaml`` below).
    output : str or Path
        Combined workbook (``.xlsx``). Each study's own workbook goes to
        ``<output stem>_studies/`` beside it.
    scheduler : str or distributed.Client, optional
        Address of a running Dask scheduler, or a client to reuse. Default: a local cluster of
        ``workers`` single-threaded processes, started and closed here.
    workers : int, optional
        Processes of the local cluster (default: number of CPUs, at most one per study).
    vary_export : sequence of float, optional
        Export fractions in [0, 1]: each study file becomes one variant per fraction
        (``scenarios.export_levels_fraction: [f]``).
    progress : bool or text stream, optional
        Print one line per finished study to stderr (True), to a given stream, or not (False).

    Returns
    -------
    BatchResult
        ``summary`` (one row per study, input order), the combined workbook path, and
        ``exit_code`` (0: every study ran, 2: at least one could not be evaluated).

    Raises
    ------
    InputError
        For a bad batch request (no studies, a glob matching nothing, a bad fraction, an
        output that is not ``.xlsx``). A bad *study* does not raise: it is an error row.

    Example
    -------
    >>> batch = run_batch("feeders/*/study.yaml", "reports/batch.xlsx",
    ...                   vary_export=[0.5, 1.0])  # doctest: +SKIP
    >>> batch.summary[["study", "variant", "verdict", "violations_fail"]]  # doctest: +SKIP
    """
    out = Path(output)
    if out.suffix.lower() != ".xlsx":
        raise InputError(Issue("command line", "--output", f"{out} is not an .xlsx file",
                               "give a file name ending in .xlsx"))
    if workers is not None and workers < 1:
        raise InputError(Issue("command line", "--workers", f"must be ≥ 1, got {workers}",
                               "pass a positive number of worker processes"))
    fractions = _check_fractions(vary_export)
    patterns = [studies] if isinstance(studies, (str, Path)) else list(studies)
    files = expand_studies(patterns)
    studies_dir = out.parent / f"{out.stem}_studies"
    studies_dir.mkdir(parents=True, exist_ok=True)
    tasks = plan_tasks(files, studies_dir, fractions)
    stream: TextIO | None
    stream = sys.stderr if progress is True else (progress or None)  # type: ignore[assignment]
    if workers is None and not scheduler:
        workers = max(1, min(os.cpu_count() or 1, len(tasks)))
    start = time.perf_counter()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with dask_client(scheduler, workers) as client:
        n_workers = _n_workers(client)
        address = getattr(client, "scheduler", None)
        address = getattr(address, "address", "") or str(scheduler or "local")
        rows = run_tasks(tasks, client, stream)
    wall_s = time.perf_counter() - start
    summary = summary_frame(rows)
    from protv2g.runner import dependency_versions

    info: dict[str, Any] = {
        "started (UTC)": started, "scheduler": address if scheduler else "LocalCluster",
        "workers": n_workers, "studies": len(tasks),
        "ran": int((summary["status"] == "ok").sum()),
        "could not be evaluated": int((summary["status"] != "ok").sum()),
        "wall time (s)": round(wall_s, 2),
        "export variants": ", ".join(f"{f:g}" for f in fractions) if fractions else "",
        "study workbooks": str(studies_dir),
    }
    info |= {f"version: {k}": v for k, v in dependency_versions().items()}
    try:
        from importlib.metadata import version

        info["version: distributed"] = version("distributed")
    except Exception:  # noqa: BLE001
        pass
    write_batch_workbook(summary, info, out)
    return BatchResult(summary=summary, workbook=out, studies_dir=studies_dir)


__all__ = ["SUMMARY_COLUMNS", "BatchResult", "BatchTask", "dask_client", "expand_studies",
           "plan_tasks", "run_batch", "run_task", "study_result"]
