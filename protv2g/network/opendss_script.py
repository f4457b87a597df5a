"""Compile an OpenDSS script into the OpenDSS engine without its side effects.

OpenDSS scripts are programs: besides defining the circuit they solve it, draw plots, write
reports and read coordinate files. The importer only needs the circuit, so this module reads
the script line by line, follows ``Redirect``/``Compile`` itself, skips the commands listed in
:data:`SKIPPED_COMMANDS` and hands the others to the engine in blocks (``Text.Commands``, one
call per stretch of a file between its nested files; a rejected command is still reported with
its file and line). Every skipped command is reported back so
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

#: OpenDSS's DefaultBaseFrequency at start-up (Hz), set again after every ``clear`` here: a
#: script that does not set it compiles as in a fresh OpenDSS whatever ran before it.
FRESH_BASE_FREQUENCY_HZ = 60.0
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
#: Where OpenDSS names the line of a block (``Text.Commands``) it rejected.
_BLOCK_LINE = re.compile(r"\s*\[file: \"<user-provided string>\", line: (\d+)\]\s*$")
#: The element a Fuse/Recloser/Relay/SwtControl watches or switches (``monitoredobj=``,
#: ``switchedobj=``, ``element=``): a rejected control naming one the model lacks is said so.
_WATCHED = re.compile(r"\b(monitoredobj|switchedobj|element)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s]+)",
                      re.I)
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
            # a fresh OpenDSS's base frequency: ``Clear`` keeps DefaultBaseFrequency, so a
            # 50 Hz script compiled earlier in the process (the European LV test case sets
            # it) made the next model's 60 Hz impedances 50 Hz ones (session 40: a study's
            # pre-fault angles moved 0.45° after ``init`` of the LV feeder in the same process)
            dss.Text.Command(f"set DefaultBaseFrequency={FRESH_BASE_FREQUENCY_HZ:g}")
        _run_file(master_path.resolve(), dss, log, depth=0)
    finally:
        os.chdir(cwd)
    return log


def _run_file(path: Path, dss, log: ScriptLog, depth: int) -> None:  # noqa: ANN001
    if depth > 20:
        raise InputError(Issue(str(path), "Redirect", "redirects nested more than 20 deep", ""))
    log.files.append(path)
    data = path.read_bytes()
    _refuse_binary(path, data)
    text = data.decode("utf-8", errors="replace")
    here = str(path.parent)
    # the file's commands go to OpenDSS in batches (one call per stretch between nested
    # files, #21: one call per line was 6,484 calls on the IEEE 8500); OpenDSS runs every
    # command of this file in its folder (relative file names in it): a ``cd`` there opens
    # every batch and follows a command that may have moved the folder
    batch = _Batch(path, here)
    moved = False
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
            batch.add(line, line_no)
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
            batch.run(dss)
            _run_redirect(path, line_no, line, dss, log, depth)
            moved = False  # the next batch opens with a ``cd`` here
            continue
        if moved:
            batch.add(batch.cd, line_no)
        batch.add(line, line_no)
        moved = word in _DIR_COMMANDS or _moves(line)
    batch.run(dss)


#: Share of a script's first :data:`_SNIFF_CHARS` characters that may be no text (undecodable
#: bytes, control characters) before it is refused as not OpenDSS text: a Latin-1 "ü" in a
#: comment is one such character, random bytes are about half.
_NOT_TEXT_MAX = 0.05
_SNIFF_CHARS = 8192


def _refuse_binary(path: Path, data: bytes) -> None:
    """Refuse a script that is not text (review rev45b §2: a binary Master.dss was sent to
    OpenDSS and its raw bytes echoed in "OpenDSS rejected '…'"): more than
    :data:`_NOT_TEXT_MAX` of its first characters undecodable or control characters (NUL
    among them: a file saved as UTF-16 has one every other byte; one stray NUL, as EPRI
    ckt5's LineGeometry file has after a command, is let through)."""
    head = data[:_SNIFF_CHARS * 4].decode("utf-8", errors="replace")[:_SNIFF_CHARS]
    bad = sum(1 for c in head if c == "\ufffd" or (ord(c) < 32 and c not in "\t\n\r\f\v"))
    if bad <= max(1.0, _NOT_TEXT_MAX * len(head)):
        return
    raise InputError(Issue(
        str(path), "", f"the file is not OpenDSS text: {bad} of its first {len(head)} "
        "characters are binary data (not letters, digits or punctuation)",
        "give the OpenDSS script (a plain-text .dss file); a script saved as UTF-16 must be "
        "saved again as plain text (UTF-8 or ANSI)"))


class _Batch:
    """Commands of one file waiting to go to OpenDSS in one ``Text.Commands`` call.

    OpenDSS runs a block of lines as it runs a redirected file: line by line, stopping at the
    first command it rejects and naming that command's line in the block
    (``[file: "<user-provided string>", line: N]``), which maps back to the script's file and
    line (:meth:`run`). Each line is sent as :meth:`add` gets it, up to a NUL byte, as it was
    when one line was one call.
    """

    def __init__(self, path: Path, here: str) -> None:
        self.path = path
        self.cd = f'cd "{here}"'
        self.lines: list[str] = []
        self.line_nos: list[int] = []

    def add(self, line: str, line_no: int) -> None:
        # a line goes to OpenDSS as a C string: it ends at a NUL byte (EPRI ckt5's
        # LineGeometry file has one after a command); in a block the NUL would end the block
        line = line.split("\x00", 1)[0]
        if not self.lines and line != self.cd:
            self.lines.append(self.cd)
            self.line_nos.append(line_no)
        self.lines.append(line)
        self.line_nos.append(line_no)

    def run(self, dss) -> None:  # noqa: ANN001
        lines, line_nos = self.lines, self.line_nos
        self.lines, self.line_nos = [], []
        if not lines:
            return
        try:
            dss.Text.Commands("\n".join(lines))
        except Exception as exc:  # opendssdirect raises DSSException; keep the engine's text
            text = str(exc)
            where = _BLOCK_LINE.search(text)
            k = int(where.group(1)) - 1 if where else -1
            if not 0 <= k < len(lines):  # no line named: the one the message quotes
                k = next((i for i, c in enumerate(lines)
                          if c != self.cd and c.strip() and c.strip() in text), -1)
            text = _BLOCK_LINE.sub("", text).strip()
            if k < 0:
                raise _rejected(self.path, f"lines {line_nos[0]}–{line_nos[-1]}", "", text
                                ) from exc
            raise _rejected(self.path, f"line {line_nos[k]}", lines[k], text,
                            _missing_element(dss, lines[k])) from exc


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


def _missing_element(dss, line: str) -> tuple[str, str] | None:  # noqa: ANN001
    """Why a protective or switching control on ``line`` was rejected, in the model's words,
    when it names an element the model does not have (rev43b F5: OpenDSS's own text is
    "(#405) … CktElement for SwitchedObj is not set"): that element and the closest names
    of the model's elements."""
    m = _WATCHED.search(line)
    if m is None:
        return None
    watched = m.group(2).strip("\"'").lower()
    if "." not in watched:
        return None
    try:
        names = [n.lower() for n in dss.Circuit.AllElementNames()]
    except Exception:  # noqa: BLE001 - no circuit yet: OpenDSS's own text stands
        return None
    if watched in names:
        return None
    import difflib

    cls = watched.split(".", 1)[0]
    same = [n for n in names if n.startswith(f"{cls}.")]
    close = difflib.get_close_matches(watched, same or names, n=5, cutoff=0.3)
    fix = (f"name an element of the model ({'closest: ' + ', '.join(close) if close else cls})"
           f" in {m.group(1)}=, or define {watched} before this line")
    return f"{watched} is not in the model ({m.group(1)}={m.group(2)})", fix


def _rejected(path: Path, where: str, line: str, why: str,
              missing: tuple[str, str] | None = None) -> InputError:
    what = f"OpenDSS rejected {line.strip()!r}" if line else "OpenDSS rejected a command"
    if missing is not None:  # the model's words, not OpenDSS's #405 (rev43b F5)
        return InputError(Issue(str(path), where, f"{what}: {missing[0]}", missing[1]))
    return InputError(
        Issue(
            str(path),
            where,
            f"{what}: {why}",
            "correct the command (the model must compile in OpenDSS itself)",
        )
    )

