"""Many studies at once on Dask: ``run_batch``.

One task per study (or per study variant) does exactly what a script does for one study::

    load_study(path) → [with_updates(scenarios=…)] → run_study → to_excel → summary row

Tasks receive file paths, never pickled nets, so a task on a worker computes the same numbers as
the same study run alone. The scheduling is Dask's: a :class:`distributed.LocalCluster` of
single-threaded processes by default, or a running Dask scheduler given by its address.

Output
------
``OUT.xlsx``
    One row per study (sheet ``Studies``: study, variant, file, status, verdict, violation rows
    (every row but the ``not_applicable`` notes) and those with status fail / warn / info,
    hosting capacity, worst margin, error, workbook, run time) and a ``Batch`` sheet
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

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from protv2g.batch.cluster import dask_client, run_tasks
from protv2g.batch.cluster import n_workers as count_workers
from protv2g.batch.plan import check_fractions, expand_studies, plan_tasks
from protv2g.batch.tasks import (
    NOT_EVALUATED,
    SUMMARY_COLUMNS,
    BatchTask,
    error_row,
    load_variant,
    run_task,
    study_result,
    summary_frame,
    summary_row,
)
from protv2g.errors import InputError, Issue
from protv2g.provenance import dependency_versions
from protv2g.report.batch_workbook import write_batch_workbook

__all__ = ["NOT_EVALUATED", "SUMMARY_COLUMNS", "BatchResult", "BatchTask", "dask_client",
           "error_row", "expand_studies", "load_variant", "plan_tasks", "run_batch",
           "run_task", "run_tasks", "study_result", "summary_frame", "summary_row",
           "write_batch_workbook"]


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
    fractions = check_fractions(vary_export)
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
        n_workers = count_workers(client)
        address = getattr(client, "scheduler", None)
        address = getattr(address, "address", "") or str(scheduler or "local")
        rows = run_tasks(tasks, client, stream)
    wall_s = time.perf_counter() - start
    summary = summary_frame(rows)
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
