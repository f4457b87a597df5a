"""Compile an OpenDSS script into the OpenDSS engine without its side effects.

OpenDSS scripts are programs: besides defining the circuit they solve it, draw plots, write
reports and read coordinate files. The importer only needs the circuit, so this module feeds
the script to the engine line by line, following ``Redirect``/``Compile`` itself and skipping
the commands listed in :data:`SKIPPED_COMMANDS`. Every skipped command is reported back so
the importer can list it in its warning table.

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — command syntax ("Redirect", "Compile", "~"/"More" continuation,
``!`` and ``//`` comments, ``/* */`` block comments).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from protv2g.errors import InputError, Issue

#: First words of commands that are not part of the circuit definition (solutions, reports,
#: plots, coordinates). They are skipped; the importer solves the circuit itself.
SKIPPED_COMMANDS = frozenset(
    {
        "solve",
        "show",
        "plot",
        "export",
        "buscoords",
        "latlongcoords",
        "visualize",
        "dump",
        "fileedit",
        "closedi",
        "summary",
        "sample",
        "cleanup",
        "finishtimestep",
        "makebuslist",
        "_initsnap",
        "_solvenocontrol",
        "_solvepflow",
        "_solvedirect",
    }
)
_FILE_COMMANDS = frozenset({"redirect", "compile"})
#: Commands after which OpenDSS's folder may have changed (``cd``; ``save`` moves into the
#: folder it writes), besides ``Set DataPath=`` (:data:`_DATAPATH`): the next command ``cd``s
#: back into the script's folder.
_DIR_COMMANDS = frozenset({"cd", "save"})
_DATAPATH = re.compile(r"\bdatapath\b", re.I)
#: Properties that make OpenDSS write a trace file into the model's folder on every compile
#: (``debugtrace=yes`` of RegControl, CapControl, InvControl …; ``set tracecontrol=yes``): a folder
#: may be read-only, and a second compile in the same process would find the file still open.
#: They are set to ``no`` (the trace is for debugging controls, not part of the circuit).
_TRACE_ON = re.compile(r"\b(debugtrace|tracecontrol)\s*=\s*(yes|true|y|t)\b", re.I)
_FIRST_WORD = re.compile(r"^\s*([A-Za-z_]+)")
_FILE_ARG = re.compile(r"^\s*[A-Za-z_]+\s+(?:file\s*=\s*)?(\"[^\"]*\"|'[^']*'|\([^)]*\)|\S+)", re.I)


@dataclass
class ScriptLog:
    """What the script loader did: files read and commands skipped."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line no, text)
    edited: list[tuple[str, int, str]] = field(default_factory=list)  # (file, line no, what)


def resolve_file(name: str, base_dir: Path) -> Path | None:
    """Find ``name`` relative to ``base_dir``, ignoring case (scripts come from Windows).

    Parameters
    ----------
    name : str
        File name as written in the script (quotes and parentheses already removed).
    base_dir : Path
        Directory of the script that references it.

    Returns
    -------
    Path or None
        The existing file, or ``None`` when there is none.
    """
    path = Path(name)
    if not path.is_absolute():
        path = base_dir / path
    if path.is_file():
        return path.resolve()
    # Case-insensitive walk, one path component at a time.
    current = Path(path.anchor) if path.is_absolute() else Path(".")
    for part in path.parts[1:] if path.is_absolute() else path.parts:
        if part in ("..", "."):
            current = current / part
            continue
        if not current.is_dir():
            return None
        matches = [p for p in current.iterdir() if p.name.lower() == part.lower()]
        if not matches:
            return None
        current = matches[0]
    return current.resolve() if current.is_file() else None


def compile_script(master_path: Path, dss, *, clear: bool = True) -> ScriptLog:  # noqa: ANN001
    """Feed an OpenDSS master script to ``dss`` without solving, plotting or exporting.

    Parameters
    ----------
    master_path : Path
        OpenDSS master file.
    dss : module
        The ``opendssdirect`` module (its engine state is replaced by this circuit).
    clear : bool
        Start from an empty engine (default); ``False`` runs the script on the circuit already
        compiled (a further file such as the IEEE 8500's ``Fuses.DSS``).

    Returns
    -------
    ScriptLog
        Files read and commands skipped.

    Raises
    ------
    InputError
        The file or a redirected file is missing, or OpenDSS rejects a command; the message
        names the file and line.
    """
    log = ScriptLog()
    dss.Basic.AllowEditor(False)
    cwd = os.getcwd()  # OpenDSS's "cd" changes the process working directory
    try:
        if clear:
            dss.Text.Command("clear")
        _run_file(master_path.resolve(), dss, log, depth=0)
    finally:
        os.chdir(cwd)
    return log


def _run_file(path: Path, dss, log: ScriptLog, depth: int) -> None:  # noqa: ANN001
    if depth > 20:
        raise InputError(Issue(str(path), "Redirect", "redirects nested more than 20 deep", ""))
    log.files.append(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    here = str(path.parent)
    # OpenDSS runs every command of this file in its folder (relative file names in it);
    # ``cd`` there again only where it may have moved: before the first command, after a
    # nested file and after a command that changes the folder (#21: a ``cd`` before each
    # of the IEEE 8500's 6,200 lines was a third of the commands' time)
    moved = True
    in_block_comment = False
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if in_block_comment:
            if "*/" not in line:
                continue
            line = line.split("*/", 1)[1]
            in_block_comment = False
        if line.lstrip().startswith("/*"):
            if "*/" not in line:
                in_block_comment = True
            continue
        line = _trace_off(line, path, line_no, log)
        if line.lstrip().startswith("~"):
            _command(dss, line, path, line_no)
            moved = moved or _moves(line)
            continue
        match = _FIRST_WORD.match(line)
        if match is None:
            continue
        word = match.group(1).lower()
        if word in SKIPPED_COMMANDS:
            log.skipped.append((str(path), line_no, line.strip()))
            continue
        if word in _FILE_COMMANDS:
            _run_redirect(path, line_no, line, dss, log, depth)
            moved = True
            continue
        if moved or os.getcwd() != here:
            dss.Text.Command(f'cd "{here}"')
            moved = False
        _command(dss, line, path, line_no)
        moved = word in _DIR_COMMANDS or _moves(line)


def _moves(line: str) -> bool:
    """``line`` may change OpenDSS's folder (``Set DataPath=…`` on a continuation line)."""
    return "datapath" in line.lower() and _DATAPATH.search(line) is not None


def _trace_off(line: str, path: Path, line_no: int, log: ScriptLog) -> str:
    """``line`` with file-writing trace properties switched off (see :data:`_TRACE_ON`)."""
    if "trace" not in line.lower():  # most lines: no regex (#21)
        return line
    new, n = _TRACE_ON.subn(lambda m: f"{m.group(1)}=no", line)
    if n:
        log.edited.append((str(path), line_no, "trace file switched off (debugtrace=no)"))
    return new


def _run_redirect(path: Path, line_no: int, line: str, dss, log: ScriptLog, depth: int) -> None:  # noqa: ANN001
    arg = _FILE_ARG.match(line)
    name = arg.group(1).strip("\"'()") if arg else ""
    target = resolve_file(name, path.parent) if name else None
    if target is None:
        raise InputError(
            Issue(
                str(path),
                f"line {line_no}",
                f"redirected file {name!r} not found",
                "put the file beside the script or correct the Redirect/Compile path",
            )
        )
    _run_file(target, dss, log, depth + 1)


def _command(dss, line: str, path: Path, line_no: int) -> None:  # noqa: ANN001
    try:
        dss.Text.Command(line)
    except Exception as exc:  # opendssdirect raises DSSException; keep the engine's text
        raise InputError(
            Issue(
                str(path),
                f"line {line_no}",
                f"OpenDSS rejected {line.strip()!r}: {exc}",
                "correct the command (the model must compile in OpenDSS itself)",
            )
        ) from exc
