"""``protv2g run``: the study run, its workbook (:func:`run_workbook_path`) and what it prints
(the summary, the gate's verdict and deciding reasons, :func:`_print_reasons`). Split from
:mod:`protv2g.cli`, which registers :func:`_cmd_run` and re-exports the names the tests import;
heavy packages are imported inside :func:`_cmd_run` only.
"""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

from protv2g.cli_codes import EXIT_INPUT
from protv2g.cli_notes import _pll_detail
from protv2g.cli_validate import _print_slips, _print_stale, _slips


def run_workbook_path(output: str | None, study_name: str) -> Path:
    """Where ``run`` writes its workbook: ``output`` (``-o``), or ``reports/<study
    name>.xlsx`` without it; an ``output`` that is an existing folder or ends in a path
    separator names the folder, and the workbook is ``<study name>.xlsx`` inside it (review
    rev45b: ``-o DIR`` wrote a file named ``DIR`` without ``.xlsx``, or, for an existing
    folder, stopped with ``IsADirectoryError`` after the whole run). The folders are created
    when the workbook is written (:func:`protv2g.report.excel.write_workbook`).

    >>> run_workbook_path("out/", "depot").as_posix()
    'out/depot.xlsx'
    >>> run_workbook_path("out/d.xlsx", "depot").as_posix()
    'out/d.xlsx'
    >>> run_workbook_path(None, "depot").as_posix()
    'reports/depot.xlsx'
    """
    if not output:
        return Path("reports") / f"{study_name}.xlsx"
    out = Path(output)
    if output.endswith(("/", os.sep)) or out.is_dir():
        return out / f"{study_name}.xlsx"
    return out


def _cmd_run(args: argparse.Namespace) -> int:
    from protv2g.commands.progress import StageProgress
    from protv2g.commands.stop import target

    stages = ["load", "faults", "flows", "checks", *(("recommend",) if args.recommend else ()),
              *(() if args.no_hosting else ("hosting",)), "gate", "workbook"]
    with StageProgress("run", stages) as progress:
        progress("load")
        from protv2g import load_study, run_study
        from protv2g.gate import EXIT_CODES
        from protv2g.gate_hosting import hosting_lines
        from protv2g.violations import describe_rows

        study = load_study(args.study)
        out = run_workbook_path(args.output, study.name)
        target(args, out)  # as it is before the run, for the line said if it is stopped
        if progress.enabled or progress.lines:
            from protv2g.engine.kernel_cache import COLD_NOTE, cold_kernels

            if cold_kernels():
                progress.notes["faults"] = COLD_NOTE
        result = run_study(study, hosting=not args.no_hosting,
                           recommendations=args.recommend, progress=progress)
        progress("workbook")
        path = result.to_excel(out, all_tccs=args.all_tccs)
        from protv2g.report.derived import result_findings

        args.pll_detail = _pll_detail(result.fault_currents, Path(path), result_findings(result),
                                      result.tables.get("Device duty"))
        # the same count, in the same words, as the Summary sheet's "Findings" line
        summary = (f"{study.name}: {len(result.scenarios)} scenarios, "
                   f"{len(result.fault_currents)} bus fault rows, "
                   f"{describe_rows(result.violations)}")
        gate = result.meta.get("gate", {})
        del result
        stale = io.StringIO()
        # the warnings `validate` prints, before the stale drafts, as it prints them
        _print_slips(_slips(study), stale)
        if getattr(study, "model", None) is not None:  # drafted head settings gone stale (s27 §6),
            # checked after the run (its result let go): the check's fault study adds to no
            # stage's peak (J1: run peak 672 MB as before; before the run it held +48 MB)
            progress.detail("drafted settings against init's rule")
            _print_stale(study, stale)
    print(stale.getvalue(), end="")
    print(summary)
    print(f"gate: {gate.get('verdict', 'not evaluated')}"
          + (f" ({len(gate.get('reasons', []))} reasons; see the Summary sheet)"
             if gate.get("reasons") else ""))
    _print_reasons(gate.get("reasons") or [], gate.get("reason_data"))
    for line in hosting_lines(gate):  # with what limits it (s16 S2)
        print(line)
    print(f"workbook: {path}")
    # the gate's exit code, as ``protv2g gate``; a gate that was not evaluated never reads 0
    return EXIT_CODES.get(gate.get("verdict", ""), EXIT_INPUT)


#: At most this many of the gate's deciding reasons are printed by ``protv2g run``.
_RUN_REASONS = 10


def _print_reasons(reasons: list[str], data: list | None = None) -> None:
    """The gate's deciding reasons (``error:``, ``fail:``, ``condition:``, ``confirm:``; not
    ``info:``) under its verdict, as ``protv2g gate`` prints them (4 significant digits:
    :func:`protv2g.commands.gate.terminal_text`), at most :data:`_RUN_REASONS`; review s15:
    a user had to open the workbook to learn why the gate failed. ``data``: the gate's
    ``reason_data`` (aligned with ``reasons``), by which lines are grouped."""
    from protv2g.commands.gate import grouped_lines, terminal_text
    from protv2g.gate_reason_record import short_reasons

    # pre-existing C12 lines one per kind, as `protv2g gate` prints them (the EPRI ckt24 review)
    records = list(data or []) + [None] * max(len(reasons) - len(data or []), 0)
    keep = [k for k, r in enumerate(reasons) if not str(r).startswith("info:")]
    # each line in its short form (review ver40b: J1's C10 line ran to 1,358 characters)
    short = short_reasons(reasons, records)
    deciding = grouped_lines([short[k] for k in keep], [records[k] for k in keep])
    for r in deciding[:_RUN_REASONS]:
        print(f"  {terminal_text(r)}")
    more = len(deciding) - _RUN_REASONS
    n_info = sum(str(r).startswith("info:") for r in reasons)
    # review s16: "FAIL (5 reasons …)" over 3 lines: say what is not printed
    left = ([f"{more} more"] if more > 0 else []) + ([f"{n_info} info"] if n_info else [])
    if left:
        print(f"  … {' and '.join(left)} (`protv2g gate` prints them all; the Summary sheet "
              "lists them)")
