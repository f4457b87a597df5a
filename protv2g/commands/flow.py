"""``protv2g flow``: scenario and 96-step-day power flows, reverse flow and directional elements.

Examples
--------
::

    protv2g flow feeders/depot_two_feeder/study.yaml -o reports/depot_flow.xlsx
    protv2g flow study.yaml --csv flow.csv          # + flow.buses.csv, flow.reverse.csv, …
    protv2g flow study.yaml --comm-loss-step 68 --comm-loss-fallback hold_last
"""

from __future__ import annotations

import argparse
from pathlib import Path

from protv2g.errors import InputError, Issue

__all__ = ["register", "run_flow"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``flow`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "flow", help="power flows over the scenarios and the 96-step day: reverse flow, "
                     "voltage rise, loading, 67/32 on load",
        description="Run the flow scenarios of a study and write the Flow tables.")
    p.add_argument("study", help="study file (YAML)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="OUT.xlsx",
                     help="workbook to write (default reports/<study name>_flow.xlsx)")
    out.add_argument("--csv", metavar="OUT.csv",
                     help="write the device table to OUT.csv and the other tables beside it "
                          "(OUT.reverse.csv, OUT.buses.csv, …)")
    p.add_argument("--no-day", action="store_true", help="skip the 96-step day")
    p.add_argument("--comm-loss-step", type=int, metavar="STEP",
                   help="step (0-95) from which dispatch communication is lost")
    p.add_argument("--comm-loss-fallback", default=None,
                   choices=["cease_export", "hold_last", "revert_to_charging"],
                   help="what every site does after the loss (default cease_export)")
    p.set_defaults(func=run_flow)


def _write_xlsx(tables: dict, path: Path) -> Path:
    from openpyxl import Workbook

    from protv2g.report.atomic import atomic_set
    from protv2g.report.excel import save_workbook_atomic
    from protv2g.report.plain_sheets import write_sheets

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_set():  # the workbook and the tables it spills, whole or not at all
        wb = Workbook()
        wb.remove(wb.active)
        write_sheets(wb, tables, path)
        save_workbook_atomic(wb, path)
    return path


def _write_csv(tables: dict, main: Path) -> list[str]:
    """Each table to its CSV (the first to ``main``, the others beside it), as one set: all
    or none moved into place (:func:`protv2g.report.atomic.atomic_set`)."""
    from protv2g.report.atomic import atomic_set, atomic_target

    main.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with atomic_set():
        for title, frame in tables.items():
            suffix = title.lower().removeprefix("flow").strip().replace(" ", "_")
            target = main if not suffix else main.with_suffix(f".{suffix}.csv")
            with atomic_target(target, suffix=".csv.tmp") as tmp:
                frame.to_csv(tmp, index=False)
            written.append(str(target))
    return written


def run_flow(args: argparse.Namespace) -> int:
    """Handler of ``protv2g flow``; returns the exit code (0)."""
    from protv2g.flow import flow_study
    from protv2g.study import load_study

    if args.comm_loss_fallback and args.comm_loss_step is None:
        raise InputError(Issue(args.study, "--comm-loss-fallback",
                               "a fallback needs --comm-loss-step", "add --comm-loss-step STEP"))
    study = load_study(args.study)
    if not args.csv and not args.output:  # what a stop's line names (commands.stop)
        from protv2g.commands.stop import target

        target(args, Path("reports") / f"{study.name}_flow.xlsx")
    if getattr(study, "model", None) is not None:
        # an OpenDSS feeder's flows run in OpenDSS, as `run` solves them (review ver34: this
        # command took the pandapower path with no net and stopped with a TypeError)
        if args.comm_loss_step is not None:
            raise InputError(Issue(args.study, "--comm-loss-step", "the communication-loss "
                                   "step is a pandapower-feeder option; this study's feeder "
                                   "is an OpenDSS model", "drop --comm-loss-step"))
        from protv2g.pipeline_flow import study_flow

        result = study_flow(study, day=False if args.no_day else None)
    else:
        result = flow_study(study, day=False if args.no_day else None,
                            comm_loss_step=args.comm_loss_step,
                            comm_loss_fallback=args.comm_loss_fallback)
    tables = result.tables()
    if args.csv:
        print(f"csv: {', '.join(_write_csv(tables, Path(args.csv)))}")
    else:
        out = Path(args.output) if args.output else Path("reports") / f"{study.name}_flow.xlsx"
        print(f"workbook: {_write_xlsx(tables, out)}")
    rev = result.reverse
    n_rev = int((rev["n_reverse_steps"] > 0).sum())
    print(f"{study.name}: {result.meta['steps']} flow steps ({result.meta['solver']}), "
          f"{n_rev} scenario/device pairs with reverse flow")
    for note in result.meta.get("notes", []):
        print(f"note: {note}")
    return 0
