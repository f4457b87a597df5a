"""The files a command writes, checked before it computes anything.

A command's output option that names an existing folder, or a name whose suffix is not the
kind the command writes, used to be found only when the file was moved into place — after the
whole computation, as a traceback with exit 1, the code of a failed gate (review rev47b P1:
``protv2g faults study.yaml --csv DIR`` → ``IsADirectoryError`` from the atomic writer), or
not at all (rev47b P7: ``protv2g run study.yaml -o out.csv`` wrote an Excel workbook named
``out.csv``). :func:`check_output_paths` refuses both at the start, every problem at once, each
with the option, the value and a name that works.

``run -o DIR`` is not a problem: ``run`` writes ``DIR/<study name>.xlsx``
(:func:`protv2g.cli.run_workbook_path`). ``hosting``, ``curves plot`` and ``batch`` check their
own outputs' suffix and folder; ``init`` and ``recommend --apply`` write study files and check
their own ``-o``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from protv2g.errors import InputError, Issue

__all__ = ["OUTPUT_OPTIONS", "check_output_paths"]

#: Per command: its file-output options (``argparse`` dest → the option as typed) and the
#: suffixes each accepts (``None``: any; the first is the one suggested).
OUTPUT_OPTIONS: dict[str, dict[str, tuple[str, tuple[str, ...] | None]]] = {
    "run": {"output": ("-o", (".xlsx",))},
    "faults": {"csv": ("--csv", None), "output": ("-o", (".xlsx",))},
    "flow": {"csv": ("--csv", None), "output": ("-o", (".xlsx",))},
}

#: What a suffix's file is, for the message.
_KIND = {".xlsx": "an Excel workbook", ".png": "a PNG picture"}


def check_output_paths(command: str | None, args: argparse.Namespace) -> None:
    """Refuse the output files of ``command`` that cannot be written as given.

    Parameters
    ----------
    command : str or None
        The sub-command (``protv2g <command> …``); commands without file outputs pass.
    args : argparse.Namespace
        Its parsed arguments.

    Raises
    ------
    InputError
        One issue per option naming an existing folder (except ``run -o``, which writes into
        it) or a file whose suffix is not the kind the command writes; each fix gives a name
        that works.

    Examples
    --------
    >>> ns = argparse.Namespace(csv=None, output="out.csv")
    >>> try:
    ...     check_output_paths("faults", ns)
    ... except InputError as exc:
    ...     print(exc.issues[0].fix)
    give a name ending in .xlsx, e.g. -o out.xlsx (or --csv out.csv for a CSV file)
    """
    issues: list[Issue] = []
    for dest, (option, suffixes) in OUTPUT_OPTIONS.get(command or "", {}).items():
        value = getattr(args, dest, None)
        if not isinstance(value, str) or not value:
            continue
        path = Path(value)
        if path.is_dir() or value.endswith(("/", "\\")):
            if command == "run":
                continue
            name = f"{command}{suffixes[0] if suffixes else '.csv'}"
            issues.append(Issue("command line", option, f"{value} is a folder; protv2g "
                                f"{command} writes a file there",
                                f"give a file name, e.g. {option} {path / name}"))
        elif suffixes is not None and path.suffix.lower() not in suffixes:
            kind = _KIND.get(suffixes[0], f"a {suffixes[0]} file")
            other = (f" (or --csv {value} for a CSV file)"
                     if dest == "output" and "csv" in OUTPUT_OPTIONS[command or ""]
                     and path.suffix.lower() == ".csv"
                     else f" (or {option} {value}/ for a folder)" if command == "run" else "")
            issues.append(Issue("command line", option, f"{value} does not end in "
                                f"{suffixes[0]}; protv2g {command} writes {kind} there",
                                f"give a name ending in {suffixes[0]}, e.g. {option} "
                                f"{path.with_suffix(suffixes[0])}{other}"))
    if issues:
        raise InputError(issues)
