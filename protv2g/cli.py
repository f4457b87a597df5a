"""``protv2g`` command line: parses arguments and calls the public API, nothing else.

Exit codes: 0 success, 1 a failed gate, 2 bad input (a clear message, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from protv2g.errors import InputError

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_INPUT = 2

#: Sub-command modules; each has ``register(subparsers)`` setting ``func(args) -> int``.
_COMMAND_MODULES = (
    "protv2g.commands.faults",
    "protv2g.commands.flow",
    "protv2g.commands.hosting",
    "protv2g.commands.gate",
    "protv2g.commands.batch",
    "protv2g.commands.curves",
    "protv2g.commands.init",
)


def _cmd_validate(args: argparse.Namespace) -> int:
    from protv2g.study import validate_study

    issues = validate_study(args.study)
    if issues:
        print(f"{len(issues)} problem(s) in {args.study}:", file=sys.stderr)
        for issue in issues:
            print(f"  - {issue}", file=sys.stderr)
        return EXIT_INPUT
    print(f"{args.study}: valid")
    _print_todos(args.study)
    return EXIT_OK


def _print_todos(path: str) -> None:
    """Values the study marks '# TODO' (assumed by ``protv2g init``): listed, not errors."""
    from protv2g.study.todos import todo_items

    items = todo_items(path)
    if items:
        print(f"{len(items)} value(s) to confirm (marked TODO; the study runs with them):")
        for item in items:
            print(f"  - {item}")


def _cmd_run(args: argparse.Namespace) -> int:
    from protv2g import load_study, run_study

    study = load_study(args.study)
    result = run_study(study, hosting=not args.no_hosting)
    out = Path(args.output) if args.output else Path("reports") / f"{study.name}.xlsx"
    path = result.to_excel(out)
    n_fail = int((result.violations["severity"] == "fail").sum()) if len(result.violations) else 0
    print(f"{study.name}: {len(result.scenarios)} scenarios, "
          f"{len(result.fault_currents)} bus fault rows, {len(result.violations)} violations "
          f"({n_fail} failing)")
    gate = result.meta.get("gate", {})
    print(f"gate: {gate.get('verdict', 'not evaluated')}"
          + (f" ({len(gate.get('reasons', []))} reasons; see the Summary sheet)"
             if gate.get("reasons") else ""))
    hosting = result.tables.get("Hosting capacity")
    if hosting is not None and len(hosting):
        from protv2g.gate import hosting_kw_per_site

        for site, kw in hosting_kw_per_site(hosting).items():
            print(f"hosting capacity {site}: {kw:,.0f} kW")
    print(f"workbook: {path}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="protv2g",
        description="Protection-coordination studies for feeders with V2G chargers.")
    from protv2g import __version__

    parser.add_argument("--version", action="version", version=f"protv2g {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("run", help="run a study and write the Excel coordination report",
                       description="Run a study and write the Excel coordination report.")
    p.add_argument("study", help="study file (YAML)")
    p.add_argument("-o", "--output", help="workbook path (default reports/<study name>.xlsx)")
    p.add_argument("--no-hosting", action="store_true",
                   help="skip the hosting-capacity search (faster)")
    p.set_defaults(func=_cmd_run)
    p = sub.add_parser("validate", help="check a study file and list every problem",
                       description="Check a study file; list every problem with its field path.")
    p.add_argument("study", help="study file (YAML)")
    p.set_defaults(func=_cmd_validate)
    for module_name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.register(sub)
    return parser


def _print_notes(caught: list[warnings.WarningMessage]) -> None:
    """Engine notes (warnings raised in protv2g) as one line per kind, with a count;
    third-party deprecation noise is dropped."""
    counts: dict[str, int] = {}
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, FutureWarning, PendingDeprecationWarning)):
            continue
        if "protv2g" not in str(w.filename):
            continue
        text = str(w.message).splitlines()[0]
        text = re.sub(r"^\d+ ", "", text.split(" (scenario")[0])
        counts[text] = counts.get(text, 0) + 1
    for text, n in counts.items():
        print(f"note: {text}" + (f" [in {n} scenario/case/fault-type slices]" if n > 1 else ""),
              file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``protv2g`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            code = int(args.func(args))
        _print_notes(caught)
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
