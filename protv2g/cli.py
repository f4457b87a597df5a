"""``protv2g`` command line: parses arguments and calls the public API, nothing else.

Exit codes: 0 success, 1 a failed gate, 2 bad input (a clear message, no traceback). ``run``
ends with its gate's code: 0 PASS, 1 FAIL, 2 ERROR or a gate that was not evaluated (as
``protv2g gate``; a script that runs a study can act on it without a second command).

Start-up: only the command that runs is imported. ``protv2g --help`` lists the commands from
:data:`COMMANDS` without importing any of them; ``protv2g COMMAND …`` imports that command's
module, and each command imports the heavy packages (pandapower, numba kernels, matplotlib,
Dask) only inside its handler, where it needs them.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import re
import signal
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from protv2g.commands.output_paths import check_output_paths
from protv2g.errors import InputError
from protv2g.memory_pages import small_pages

if TYPE_CHECKING:  # pragma: no cover - annotations only (the CLI starts without pandas)
    import pandas as pd

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_INPUT = 2

#: Sub-commands defined in their own module: name → (module, one-line help). Each module has
#: ``register(subparsers)`` adding the command with ``func(args) -> int``; it is imported only
#: when its command runs (the help line here is what ``protv2g --help`` shows).
COMMANDS: dict[str, tuple[str, str]] = {
    "faults": ("protv2g.commands.faults",
               "fault currents at every bus (3ph, LL, SLG, LLG; max and min case)"),
    "flow": ("protv2g.commands.flow", "power flows over the scenarios and the 96-step day: "
             "reverse flow, voltage rise, loading, 67/32 on load"),
    "hosting": ("protv2g.commands.hosting",
                "largest export per V2G site before the first protection violation"),
    "gate": ("protv2g.commands.gate", "pre-pilot review gate: PASS (0), FAIL (1) or ERROR (2)"),
    "batch": ("protv2g.commands.batch",
              "run many studies in parallel on Dask; one combined workbook"),
    "curves": ("protv2g.commands.curves", "list, evaluate and plot device curves"),
    "init": ("protv2g.commands.init", "draft a study file from an OpenDSS feeder model"),
    "recommend": ("protv2g.commands.recommend",
                  "verified setting changes that clear the study's findings"),
}


def _cmd_validate(args: argparse.Namespace) -> int:
    from protv2g.study.loader import validated_study
    from protv2g.study.plausibility import plausibility_warnings

    issues, study = validated_study(args.study)
    if issues or study is None:
        print(f"{len(issues)} problem(s) in {args.study}:", file=sys.stderr)
        for issue in issues:
            print(f"  - {issue}", file=sys.stderr)
        return EXIT_INPUT
    # a recloser curve clearing under one cycle: said here and on run's Feeder warnings
    # sheet, not on every command's console (review rev39a F5)
    from protv2g.study.sub_cycle import sub_cycle_warnings

    warnings_ = plausibility_warnings(study) + sub_cycle_warnings(study)
    print(f"{args.study}: valid")
    _print_slips(warnings_)
    _print_stale(study)
    _print_todos(args.study, warnings_, study)
    return EXIT_OK


def _print_slips(warnings_: list, file: object = None) -> None:
    """The study's plausibility warnings (values the schema accepts that look like a slip,
    :func:`protv2g.study.plausibility.plausibility_warnings`), as ``validate`` and ``run``
    both print them (review s28 §6b: ``run`` printed the stale-draft warnings but not the
    drafted first reclose that C10 fails on)."""
    if warnings_:  # plausibility: listed, the study is valid and runs with these values
        print(f"{len(warnings_)} warning(s): values that look like a slip (the study runs "
              "with them):", file=file)
        for w in warnings_:
            print(f"  - {w}", file=file)


def _print_stale(study: object, file: object = None) -> None:
    """Drafted head-relay values that init's rule, re-applied to the study as it now stands,
    gives materially otherwise (:func:`protv2g.study_draft.redraft.stale_issues`; review
    s27 §6): a warning each, with the re-drafted value and the fix. A failure of this check
    is a note, never the command's failure. Only an OpenDSS study has a drafted head relay
    (``init`` drafts from OpenDSS models): another imports nothing here (``validate`` on a
    pandapower JSON feeder starts without the engine, #21)."""
    if getattr(study, "model", None) is None:
        return
    from protv2g.study_draft.redraft import redraft_command, stale_drafts, stale_issues

    try:
        values = stale_drafts(study)  # type: ignore[arg-type]
        stale = stale_issues(study, values)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - an optional check: say so, run on
        print(f"note: the drafted settings could not be re-checked against init's rule "
              f"({type(exc).__name__}: {exc})", file=sys.stderr)
        return
    if not stale:
        return
    print(f"{len(stale)} warning(s): drafted value(s) (TODO) gone stale — init's rule, "
          "re-applied to the study as it now stands, gives another value (the study runs "
          "with the drafted one):", file=file)
    if len(stale) == 1:
        print(f"  - {stale[0]}", file=file)
        return
    # one fix for them all: the re-draft command writes every value at once (review s31:
    # the same command and its clause were printed after each of a relay's values)
    for w in stale:
        print(f"  - {w.file}: {w.field}: {w.message}", file=file)
    writes = ", ".join(f"{s.key}: {s.text(s.redrafted).split()[0]}" for s in values)
    print(f"  Fix: replace each with the utility's setting (and delete its TODO), or re-draft "
          f"them all: `{redraft_command(study.path)}` writes {writes} (the TODOs stay)",
          file=file)


def _print_todos(path: str, warnings_: list | None = None, study: object = None) -> None:
    """Values the study marks '# TODO' (assumed by ``protv2g init``): listed, not errors; a
    TODO that a warning already says (the model's implausible source,
    :func:`protv2g.study.source_check.todos_not_warned`) is listed once, as the warning. A
    TODO stating a model fact the study's ``feeder.redirects`` changed
    (:func:`protv2g.study.stale_todos.refresh_model_todos`, review rev45a M1) is listed apart,
    as out of date."""
    from protv2g.study.source_check import todos_not_warned
    from protv2g.study.todos import todo_items

    items = todos_not_warned(todo_items(path), warnings_ or [])
    old = []
    if study is not None and getattr(study, "model", None) is not None:
        # an OpenDSS study only: validate on a pandapower JSON feeder imports no model code
        from protv2g.study.stale_todos import is_out_of_date, refresh_model_todos

        items = refresh_model_todos(items, study, _stale_rating_figures(study))
        old = [i for i in items if is_out_of_date(i)]
        items = [i for i in items if not is_out_of_date(i)]
    if items:
        print(f"{len(items)} value(s) to confirm (marked TODO; the study runs with them):")
        for line in todo_lines(items):
            print(f"  - {line}")
    if old:
        print(f"{len(old)} TODO comment(s) out of date (feeder.redirects changed what they "
              "state; the study runs the model with them):")
        for item in old:
            print(f"  - {item}")


def _stale_rating_figures(study: object) -> dict[str, tuple[float, float]]:
    """Drafted ratings whose quoted fault moved on the model as the study runs it: field →
    (largest fault now, kA; init's rating now, kA)
    (:func:`protv2g.study_draft.redraft_ratings.stale_ratings`); empty when it cannot tell."""
    if not getattr(getattr(study, "document", None), "feeder", None) \
            or not study.document.feeder.redirects:  # type: ignore[attr-defined]
        return {}
    from protv2g.study_draft.redraft_ratings import stale_ratings

    try:
        return {r.field: (r.i_max_ka, r.redrafted_ka)
                for r in stale_ratings(study)}  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - an optional figure: the TODO is listed without it
        return {}


#: A TODO group is printed once from this many items alike (same field, same words).
_TODO_GROUP_MIN = 3
_INDEX = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def todo_lines(items: list) -> list[str]:
    """The TODO items as printed: items that differ only in a list index and in numbers (review
    s16: 30 drafted cutout ratings, one 400-character sentence each, differing in the fault
    kA) are one line — the first item, then how many more and their fields — from
    :data:`_TODO_GROUP_MIN` alike; the rest one line each, in file order."""
    groups: dict[tuple[str, str, str], list] = {}
    for item in items:
        field = _INDEX.sub("[*]", item.field.split(" (line")[0])
        key = (field, _NUMBER.sub("#", item.message), _NUMBER.sub("#", item.fix))
        groups.setdefault(key, []).append(item)
    out = []
    for group in groups.values():
        if len(group) < _TODO_GROUP_MIN:
            out += [str(item) for item in group]
            continue
        out.append(f"{group[0]} — and {len(group) - 1} more like it (other values): "
                   f"{_fields_text([item.field for item in group[1:]])}")
    return out


def _fields_text(fields: list[str]) -> str:
    """``devices[1–3, 7].interrupting_rating_ka (lines 22–71)`` for fields alike but for one
    index; the fields one by one otherwise."""
    paths = [f.split(" (line")[0] for f in fields]
    lines = [int(m.group(1)) for f in fields if (m := re.search(r"\(line (\d+)\)", f))]
    indices = [_INDEX.findall(p) for p in paths]
    if (len({_INDEX.sub("[*]", p) for p in paths}) > 1 or any(len(i) != 1 for i in indices)
            or len(lines) != len(fields)):
        return ", ".join(fields)
    numbers = sorted(int(i[0][1:-1]) for i in indices)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    index = ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}\u2013{r[-1]}" for r in runs)
    return (f"{_INDEX.sub('[' + index + ']', paths[0])} "
            f"(lines {min(lines)}\u2013{max(lines)})")


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


def _slips(study: object) -> list:
    """:func:`protv2g.study.plausibility.plausibility_warnings` of a loaded study; a failure
    of the check is a note, never the run's failure."""
    from protv2g.study.plausibility import plausibility_warnings

    try:
        return plausibility_warnings(study)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - an optional check: say so, run on
        print(f"note: the study's values could not be checked for slips "
              f"({type(exc).__name__}: {exc})", file=sys.stderr)
        return []


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


def build_parser(command: str | None = "*") -> argparse.ArgumentParser:
    """The argument parser.

    Parameters
    ----------
    command : str or None
        The sub-command about to run: only its module is imported and registered; the other
        commands get a placeholder with their help line. ``"*"`` (default) registers every
        command; None none (``protv2g --help``).
    """
    parser = argparse.ArgumentParser(
        prog="protv2g",
        description="Protection-coordination studies for feeders with V2G chargers.")
    from protv2g._version import __version__

    parser.add_argument("--version", action="version", version=f"protv2g {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser(
        "run", help="run a study and write the Excel coordination report",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a study, write the Excel coordination report and print the gate's "
                    "verdict.\n\n"
                    "Exit code: the gate's, as `protv2g gate` (a script can act on it):\n"
                    "  0  PASS\n"
                    "  1  FAIL: the workbook is written and good; the gate found a violation\n"
                    "  2  ERROR: bad input, or a gate that could not be evaluated\n"
                    "  130/143  stopped by Ctrl-C/SIGTERM: its one line says what was "
                    "written (nothing: an earlier workbook kept unchanged; or, stopped after "
                    "the workbook was complete, that it is)")
    p.add_argument("study", help="study file (YAML)")
    p.add_argument("-o", "--output", metavar="OUT.xlsx | DIR/",
                   help="workbook path (default reports/<study name>.xlsx); folders on the "
                        "path that do not exist are created; an existing folder, or a path "
                        "ending in '/', gets <study name>.xlsx inside it. Tables too long for "
                        "a sheet are written beside the workbook (<stem>.<sheet>.parquet or "
                        ".csv.gz), and an earlier run's such tables there are removed")
    p.add_argument("--no-hosting", action="store_true",
                   help="skip the hosting-capacity search (faster)")
    p.add_argument("--recommend", action="store_true",
                   help="also search verified setting changes for the findings (as `protv2g "
                        "recommend`) and write them to the Recommendations sheet and the "
                        "Summary (slower: a check run per candidate)")
    p.add_argument("--all-tccs", action="store_true",
                   help="draw the TCC of every protection path and element family (by "
                        "default only those the failing findings link to are drawn, or the "
                        "warning ones' when no failing finding links to a TCC; the others are "
                        "listed on the TCC sheet with their curve data)")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser(
        "validate", help="check a study file and list every problem",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check a study file; list every problem with its field path.\n\n"
                    "Exit code:\n"
                    "  0  valid; warnings (a value that looks like a unit slip, a drafted "
                    "setting gone\n"
                    "     stale, a TODO left by `protv2g init`) are printed but do not fail it\n"
                    "  2  one or more problems (each listed on stderr with its field path and "
                    "a fix)")
    p.add_argument("study", help="study file (YAML)")
    p.set_defaults(func=_cmd_validate)
    for name, (module_name, help_text) in COMMANDS.items():
        if command in ("*", name):
            importlib.import_module(module_name).register(sub)
        else:
            sub.add_parser(name, help=help_text)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (the first word not starting with ``-``)."""
    return next((a for a in argv if not a.startswith("-")), None)


_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:e[+-]\d+)?(?![\w.])")


def _span(tokens: list[str]) -> str:
    """One figure of a group of notes: itself when all agree, else ``lowest–highest``."""
    if len(set(tokens)) == 1:
        return tokens[0]
    values = [float(t) for t in tokens]
    lo, hi = min(values), max(values)
    fmt = "{:.2e}" if any("e" in t for t in tokens) else "{:g}"
    return f"{fmt.format(lo)}–{fmt.format(hi)}"


#: The words of the engine's note on converters solved with the PLL held
#: (:class:`protv2g.slice_note.PllNote`), which :func:`protv2g.slice_note.pll_lines` folds.
_PLL = "no PLL-tracking solution"


def _pll_detail(fault_currents: pd.DataFrame | None, workbook: Path,
                findings: object = None, duty: pd.DataFrame | None = None
                ) -> dict[str, object]:
    """What the run knows of the PLL-held rows that the engine's per-slice notes cannot
    say (:func:`protv2g.slice_note.pll_lines`): ``n_buses``, the fault buses with
    ``pll_frozen`` rows over every slice, and ``tail``: their names, the sheet (and the file
    beside the workbook holding every row) whose ``pll_frozen`` column marks them and, given
    the run's ``findings`` (:class:`protv2g.findings.Findings`) and Device duty table, the
    findings whose worst row is at one of them with whether that matters
    (:func:`protv2g.pll_findings.pll_findings`; review rev41c M3: the note asked the user to
    cross-check a truncated list). ``{}`` without any such row."""
    if fault_currents is None or "pll_frozen" not in fault_currents.columns:
        return {}
    hit = fault_currents[fault_currents["pll_frozen"].fillna(False).astype(bool)]
    if hit.empty:
        return {}
    names = sorted(set((hit["bus_name"] if "bus_name" in hit.columns else hit["bus"]
                        ).astype(str)))
    shown = ", ".join(names[:_PLL_NAMES]) + (f" … (+{len(names) - _PLL_NAMES})"
                                             if len(names) > _PLL_NAMES else "")
    side = sorted(workbook.parent.glob(f"{workbook.stem}.Fault_currents.*"))
    tail = (f"they are {shown}; that column is on the Fault currents sheet of "
            f"{workbook.name}" + (f" (every row in {side[0].name})" if side else ""))
    if findings is not None:
        from protv2g.pll_findings import pll_findings, pll_findings_text

        tail += "; " + pll_findings_text(pll_findings(
            findings.findings, findings.evidence, fault_currents, duty))  # type: ignore[attr-defined]
    return {"n_buses": len(names), "tail": tail}


#: At most this many PLL-held fault buses are named in the note.
_PLL_NAMES = 20


def _print_notes(caught: list[warnings.WarningMessage],
                 pll: dict[str, object] | None = None) -> None:
    """Engine notes (warnings raised in protv2g) as one line per kind, with a count;
    third-party deprecation noise is dropped. Notes that differ only in their figures and in
    the slice they name are one line giving each figure's range; the PLL notes of every
    slice one line (:func:`protv2g.slice_note.pll_lines`; ``pll``: what the run adds,
    :func:`_pll_detail`)."""
    from protv2g.slice_note import PllNote, SliceNote, pll_lines  # light: no engine

    groups: dict[str, list[list[str]]] = {}
    plls = []
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, FutureWarning, PendingDeprecationWarning)):
            continue
        if "protv2g" not in str(w.filename):
            continue
        if isinstance(w.message, PllNote):
            plls.append(w.message)
            continue
        # a slice's note folds on its text without the slice (data, not the message cut)
        text = (w.message.text if isinstance(w.message, SliceNote)
                else str(w.message)).splitlines()[0]
        groups.setdefault(_NUMBER.sub("\x00", text), []).append(_NUMBER.findall(text))
    for line in pll_lines(plls, pll):
        print(line, file=sys.stderr)
    for key, figures in groups.items():
        spans = [_span([f[k] for f in figures]) for k in range(key.count("\x00"))]
        text = key
        for span in spans:
            text = text.replace("\x00", span, 1)
        n = len(figures)
        print(f"note: {text}" + (f" [in {n} scenario/case/fault-type slices]" if n > 1 else ""),
              file=sys.stderr)


def _said_elsewhere(caught: list[warnings.WarningMessage], command: str | None
                    ) -> list[warnings.WarningMessage]:
    """``caught`` less the notes said once elsewhere: a recloser curve clearing under one cycle
    is ``init``'s note (it drafts the device), ``validate``'s warning and a row of ``run``'s
    Feeder warnings sheet (:mod:`protv2g.study.sub_cycle`), not a console line of every
    command that builds the device (review rev39a F5: validate, run, hosting and recommend
    each printed it). The warning's class is looked up where it was raised from: a command
    that built no recloser has none (``validate`` imports no device model)."""
    rec = sys.modules.get("protv2g.devices.recloser")
    if rec is None or command == "init":
        return caught
    return [w for w in caught if not issubclass(w.category, rec.SubCycleClearingWarning)]


#: Commands whose SIGTERM and Ctrl-C end them with one line and 128 + the signal's number
#: (:func:`protv2g.commands.stop.stoppable`; review rev45b: a pandas traceback on Ctrl-C, and
#: on SIGTERM the picture worker orphaned; fix45b: ``faults``, ``flow``, ``init`` and
#: ``batch`` too, each writing its files whole or not at all); ``hosting`` handles its own.
STOPPABLE = frozenset({"run", "gate", "recommend", "faults", "flow", "init", "batch"})


def _stoppable(command: str | None, args: argparse.Namespace) -> int:
    """``args.func(args)``, stopped cleanly for a command of :data:`STOPPABLE`."""
    if command not in STOPPABLE:
        return args.func(args)
    from protv2g.commands.stop import stoppable

    return stoppable(command, args.func, args)


def _stop_after_finishing(command: str | None) -> dict[int, object]:
    """From here to the end of :func:`main` (the notes printed) a Ctrl-C or SIGTERM says in
    one line that the command had finished and exits 128 + the signal's number (ver45: a
    SIGTERM in the second after `run`'s workbook was complete killed it silently, exit -15,
    read as "nothing written"). Returns the handlers before, which :func:`main` restores; the
    main thread only (elsewhere handlers cannot be set: nothing changes)."""
    def finished(signum: int, frame: object) -> None:
        print(f"protv2g {command or ''}: stopped by {signal.Signals(signum).name} after it "
              "had finished: everything it writes is complete", file=sys.stderr, flush=True)
        os._exit(128 + signum)

    before: dict[int, object] = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            before[signum] = signal.signal(signum, finished)
    except ValueError:  # not the main thread
        pass
    return before


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``protv2g`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check_output_paths(_command(argv), args)  # before any work (rev47b P1, P7)
            with small_pages():  # (#21: the faults stage at 10,000 buses 4.4 → 2.7 s)
                code = int(_stoppable(_command(argv), args))
            before = _stop_after_finishing(_command(argv))
        try:
            if not getattr(args, "stopped", False):  # a stopped command's line stays last
                _print_notes(_said_elsewhere(caught, _command(argv)),
                             getattr(args, "pll_detail", None))
        finally:
            for signum, handler in before.items():
                signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        return code
    except InputError as exc:
        print("error: bad input", file=sys.stderr)
        for issue in exc.issues:
            print(f"  - {issue}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        sys.stderr.close()
        return EXIT_OK
    except MemoryError:
        print("error: the study does not fit in memory; reduce the feeder size or the scenario "
              "axes", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
