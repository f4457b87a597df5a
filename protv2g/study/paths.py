"""Paths a study file names: resolved relative to the study's folder, never outside it.

A leaf module: the loader and its OpenDSS branch (:mod:`protv2g.study.opendss_feeder`, which
the loader imports) both resolve feeder paths with :func:`resolve_inside`, so it lives here
rather than in either of them (an import of the loader from its branch would be a loop).
"""

from __future__ import annotations

from pathlib import Path

from protv2g.errors import Issue

__all__ = ["resolve_inside", "script_issue"]


def resolve_inside(study_dir: Path, relative: str, file: str, key: str
                   ) -> tuple[Path | None, list[Issue]]:
    """Resolve a path relative to the study folder, refusing one that escapes it.

    Parameters
    ----------
    study_dir : Path
        The folder of the study file.
    relative : str
        The path as written in the study file (relative to ``study_dir``).
    file, key : str
        The study file and the field path of the value, for the issue.

    Returns
    -------
    tuple of (Path or None, list of Issue)
        The resolved absolute path and no issue; or None and one issue naming the field when
        the path leads out of the study's folder.
    """
    target = (study_dir / relative).resolve()
    if not target.is_relative_to(study_dir.resolve()):
        link = _symlink_on_the_way(study_dir, relative)
        if link is not None:  # review rev33a F6: a linked model folder, refused unexplained
            name, real = link
            return None, [Issue(
                file, key, f"path {relative!r} leaves the study's folder: {name!r} is a "
                f"symbolic link to {real}, outside it",
                f"copy the files into the study's folder instead of linking them (replace the "
                f"link: rm {name} && cp -r {real} {name}; `protv2g init` copies a model for "
                f"you), or write the study file in a folder that holds {real}")]
        return None, [Issue(file, key, f"path {relative!r} leaves the study's folder",
                            "keep feeder files in the study's folder or below it")]
    return target, []


def _symlink_on_the_way(study_dir: Path, relative: str) -> tuple[str, Path] | None:
    """The first symbolic link among the path's components below ``study_dir`` (as written,
    relative to it) and where it leads; None when there is none (the path leaves by ``..``
    or is absolute)."""
    rel = Path(relative)
    if rel.is_absolute():
        return None
    here = Path(study_dir)
    for k, part in enumerate(rel.parts):
        if part == "..":
            return None
        here = here / part
        if here.is_symlink():
            return Path(*rel.parts[:k + 1]).as_posix(), here.resolve()
    return None


def script_issue(file: str, key: str, target: Path, issue: Issue) -> Issue:
    """``issue`` of the feeder script ``target`` (or of a file it redirects to) as an issue of
    the study ``file``: the field names the study key, the file holding the line and, when
    that is a redirected file, the script it was redirected from (rev43b M2: "line 1" of a
    redirected file was put on the master's name)."""
    held = Path(issue.file) if issue.file and Path(issue.file).is_file() else target
    try:
        same = held.resolve() == target.resolve()
    except OSError:
        same = held == target
    if same:
        where = target.name
    else:
        try:
            shown = held.resolve().relative_to(target.resolve().parent).as_posix()
        except ValueError:
            shown = str(held)
        where = f"{shown}, redirected from {target.name}"
    return Issue(file, f"{key} ({where}): {issue.field}".rstrip(": "), issue.message, issue.fix)
