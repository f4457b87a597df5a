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
import os
import signal
import sys
import warnings
from collections.abc import Sequence

from protv2g.cli_codes import EXIT_FAIL, EXIT_INPUT, EXIT_OK  # noqa: F401  (re-exported)

# split s47: the run and validate commands' bodies and the notes' printing, re-exported here
# where tests, docs and benchmarks import them from protv2g.cli
from protv2g.cli_notes import _PLL, _pll_detail, _print_notes, _said_elsewhere  # noqa: F401
from protv2g.cli_run import _RUN_REASONS, _cmd_run, _print_reasons, run_workbook_path  # noqa: F401
from protv2g.cli_validate import _cmd_validate, todo_lines  # noqa: F401
from protv2g.commands.output_paths import check_output_paths
from protv2g.errors import InputError
from protv2g.memory_pages import small_pages

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
