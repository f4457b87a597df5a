"""The files an OpenDSS model is made of, read as text (no OpenDSS): the scripts its
``Redirect``/``Compile`` commands reach (:func:`redirected_files`) and the data files its
commands name (:func:`model_files`: bus coordinates, load shapes, curves).

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — command syntax (``Redirect``, ``Compile``, ``BusCoords``, ``cd``,
``Set DataPath=``, ``mult=(file=…)``, ``!`` and ``//`` comments, ``/* */`` block comments).
"""

from __future__ import annotations

import re
from pathlib import Path

from protv2g.network.opendss_script import _FILE_ARG, _FILE_COMMANDS, _FIRST_WORD, resolve_file

__all__ = ["model_files", "redirected_files"]


def redirected_files(master_path: Path) -> list[Path]:
    """The master and every file its ``Redirect``/``Compile`` commands reach, read as text
    (no OpenDSS): resolved paths in the order first reached, each once; a missing file or one
    nested more than 20 deep is left out (:func:`compile_script` reports it).

    ``protv2g init`` copies a model's folder beside the study; the IEEE test feeders of
    OpenDSS's repository redirect to ``../IEEELineCodes.DSS``, outside their folder, and the
    copy must carry such files at the same relative place (review25: ``init`` of the IEEE 13
    master with ``-o`` elsewhere drafted a study whose model did not compile)."""
    return _walk(Path(master_path), named=False)


def model_files(master_path: Path) -> list[Path]:
    """The files an OpenDSS model is made of: :func:`redirected_files` and every existing file
    a command of them names — ``BusCoords``/``LatLongCoords`` files, ``mult=(file=…)``,
    ``csvfile=``, ``sngfile=``/``dblfile=`` of load shapes, XY curves, TCC curves and spectra,
    whatever the property: any word of a command (outside comments and the output commands of
    :data:`_OUTPUT_COMMANDS`) that names an existing file relative to the script's folder (or a
    folder a ``cd``/``Set DataPath=`` of the script moves to). Resolved, in the order first
    named, each once.

    What ``protv2g init`` copies beside a study (review ver39b: it copied the master's whole
    folder, the user's old outputs — ``init.out``, an earlier ``study.yaml``, workbooks —
    with it). No property list to keep up: a word is a file reference when the file exists.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "shapes").mkdir()
    >>> _ = (d / "shapes" / "s1.txt").write_text("1\\n0.5\\n")
    >>> _ = (d / "xy.csv").write_text("a,0,0\\n")
    >>> _ = (d / "old.xlsx").write_text("x")
    >>> _ = (d / "m.dss").write_text("New Circuit.c\\n"
    ...     "New Loadshape.s npts=2 mult=(file=shapes/S1.TXT) ! old.xlsx\\n"
    ...     "BusCoords xy.csv\\nExport voltages old.xlsx\\n")
    >>> [p.relative_to(d.resolve()).as_posix() for p in model_files(d / "m.dss")]
    ['m.dss', 'shapes/s1.txt', 'xy.csv']
    """
    return _walk(Path(master_path), named=True)


#: Commands whose words name what OpenDSS writes, not what the model reads.
_OUTPUT_COMMANDS = frozenset({"export", "show", "plot", "save", "dump", "fileedit",
                              "visualize", "closedi"})
#: A quoted name, or a word between OpenDSS's delimiters (``= ( ) [ ] { } ,`` and blanks).
_WORD = re.compile(r"\"([^\"]+)\"|'([^']+)'|([^\s=()\[\]{},\"']+)")
#: A word that cannot name a file: a number.
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_CD_ARG = re.compile(r"^\s*cd\s+(\"[^\"]*\"|'[^']*'|\S+)", re.I)
_DATAPATH_ARG = re.compile(r"\bdatapath\s*=\s*(\"[^\"]*\"|'[^']*'|\S+)", re.I)


def _code(line: str) -> str:
    """``line`` without its ``!`` or ``//`` comment."""
    for mark in ("!", "//"):
        if mark in line:
            line = line.split(mark, 1)[0]
    return line


def _walk(master_path: Path, *, named: bool) -> list[Path]:
    """:func:`redirected_files` (``named`` False) or :func:`model_files` (True)."""
    out: list[Path] = []
    scripts: set[Path] = set()
    listings: dict[Path, dict[str, Path]] = {}

    def listing(folder: Path) -> dict[str, Path]:
        if folder not in listings:  # one listing per folder, not one per word
            try:
                listings[folder] = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
            except OSError:
                listings[folder] = {}
        return listings[folder]

    def existing(word: str, bases: list[Path]) -> Path | None:
        word = word.replace("\\", "/")  # a Windows script's folders
        for base in bases:
            if "/" not in word:  # most words: a look-up in the folder's listing
                hit = listing(base).get(word.lower())
            else:
                path = Path(word) if Path(word).is_absolute() else base / word
                hit = listing(path.parent).get(path.name.lower())
                if hit is None and not path.parent.is_dir():  # a folder in another case
                    hit = resolve_file(word, base)
            if hit is not None:
                return hit.resolve()
        return None

    def walk(path: Path, depth: int) -> None:
        if depth > 20 or path in scripts:
            return
        scripts.add(path)
        if path not in out:
            out.append(path)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        bases = [path.parent]
        in_block_comment = False
        for line in text.splitlines():
            if in_block_comment:
                if "*/" not in line:
                    continue
                line, in_block_comment = line.split("*/", 1)[1], False
            if line.lstrip().startswith("/*"):
                in_block_comment = "*/" not in line
                continue
            word = _FIRST_WORD.match(line)
            first = word.group(1).lower() if word else ""
            if first in _FILE_COMMANDS:
                arg = _FILE_ARG.match(line)
                name = arg.group(1).strip("\"'()") if arg else ""
                target = resolve_file(name, path.parent) if name else None
                if target is not None:
                    walk(target, depth + 1)
                continue
            if not named or first in _OUTPUT_COMMANDS:
                continue
            code = _code(line)
            moved = _CD_ARG.match(code) if first == "cd" else _DATAPATH_ARG.search(code)
            if moved:  # later names may be relative to that folder too
                folder = Path(moved.group(1).strip("\"'"))
                bases.append(folder if folder.is_absolute() else path.parent / folder)
                continue
            for m in _WORD.finditer(code):
                token = next(g for g in m.groups() if g is not None).strip()
                if not token or _NUMBER.match(token) or not any(c.isalpha() for c in token):
                    continue
                hit = existing(token, bases)
                if hit is not None and hit not in out:
                    out.append(hit)

    walk(Path(master_path).resolve(), 0)
    return out
