"""``protv2g batch``: many studies (and export variants) in parallel on Dask.

Examples
--------
::

    protv2g batch feeders/*/study.yaml -o reports/batch.xlsx
    protv2g batch "screening/**/study.yaml" --workers 8
    protv2g batch feeders/depot_two_feeder/study.yaml --vary-export 0.25,0.5,1.0
    protv2g batch studies/ --scheduler tcp://10.0.0.5:8786

Exit codes: 0 when every study ran (whatever its verdict: read the ``verdict`` column),
2 when any study could not be evaluated (bad input, or it crashed) or the batch request itself
is bad.
"""

from __future__ import annotations

import argparse
import math

from protv2g.errors import InputError, Issue

__all__ = ["register", "run"]


def _fractions(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of numbers (e.g. 0.25,0.5,1.0)") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``batch`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "batch", help="run many studies in parallel on Dask; one combined workbook",
        description="Run many studies in parallel on Dask (local processes, or a running "
                    "scheduler) and write one combined workbook plus each study's own. "
                    "Exit 0: every study ran; 2: any study could not be evaluated.")
    p.add_argument("studies", nargs="+", metavar="STUDY_OR_GLOB",
                   help="study files, quoted globs ('feeders/*/study.yaml') or folders")
    p.add_argument("-o", "--output", default="reports/batch.xlsx", metavar="OUT.xlsx",
                   help="combined workbook (default reports/batch.xlsx); each study's workbook "
                        "goes to <OUT stem>_studies/")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running Dask scheduler (tcp://host:8786); default: "
                        "a local cluster of processes")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes of the local cluster (default: CPUs)")
    p.add_argument("--vary-export", type=_fractions, metavar="F,F,…",
                   help="one variant per export fraction of each site's maximum, e.g. "
                        "0.25,0.5,1.0")
    p.add_argument("--no-progress", action="store_true",
                   help="do not print progress on stderr")
    p.set_defaults(func=run)


def _line(row: dict) -> str:
    label = row["study"] + (f" [{row['variant']}]" if row["variant"] else "")
    if row["status"] != "ok":
        first = str(row["error"]).splitlines()[0] if row["error"] else "error"
        more = len(str(row["error"]).splitlines()) - 1
        extra = f" (+{more} more)" if more > 0 else ""
        return f"ERROR  {label} ({row['file']}): {first}{extra}"
    margin = row["worst_margin"]
    said = row.get("worst_margin_text")
    margin_text = ("" if math.isnan(margin) else
                   f", worst margin {said}" if isinstance(said, str) and said else
                   f", worst margin {margin:.3g}")
    return (f"{row['verdict']:<6} {label}: {row['violations_fail']} fail / "
            f"{row['violations_warn']} warn / {row['violations_info']} info{margin_text}, "
            f"hosting capacity {row['hosting_capacity']}, {row['run_s']:.1f} s → {row['workbook']}"
            + "".join(f"\n       note: {n}" for n in str(row.get("notes") or "").splitlines()))


def run(args: argparse.Namespace) -> int:
    """Run the batch and print one line per study; return the exit code."""
    from protv2g.batch import run_batch

    if args.scheduler and args.workers is not None:
        raise InputError(Issue("command line", "--workers", "--workers sets the local "
                               "cluster's size and cannot be used with --scheduler",
                               "drop one of them"))
    batch = run_batch(args.studies, args.output, scheduler=args.scheduler, workers=args.workers,
                      vary_export=args.vary_export, progress=not args.no_progress)
    for row in batch.summary.astype(object).where(batch.summary.notna(), math.nan).to_dict(
            orient="records"):
        print(_line(row))
    n = len(batch.summary)
    print(f"{n - batch.n_errors} of {n} studies ran, {batch.n_errors} could not be evaluated; "
          f"combined workbook: {batch.workbook}")
    return batch.exit_code
