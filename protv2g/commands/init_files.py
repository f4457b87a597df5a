"""The files ``protv2g init`` writes besides drafting (:mod:`protv2g.commands.init`): the
model's copy beside a study written outside the model's folder (:func:`model_copy_plan`, the
``--redirect`` scripts' copies, the size limit :data:`MODEL_COPY_LIMIT_MB`), every file
written whole or not at all through a temporary beside it (:func:`_copy_file`,
:func:`_write_text`), and the file a stop's line names (:func:`_stop_target`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
from pathlib import Path

from protv2g.errors import InputError, Issue
from protv2g.network.opendss_files import model_files

__all__ = ["MODEL_COPY_LIMIT_MB", "model_copy_plan"]

#: Largest model folder ``init`` copies beside a study written elsewhere (MB); a larger one is
#: refused (a utility's model share holding many feeders is not a feeder's model).
MODEL_COPY_LIMIT_MB = 200.0


def model_copy_plan(master: Path, redirects: list[str], study_dir: Path, *,
                    reached: list[Path] | None = None) -> tuple[Path, Path | None]:
    """The model's folder and where to copy it, or None when the study folder is above it.

    Parameters
    ----------
    master : Path
        The OpenDSS master file.
    redirects : list of str
        Further scripts (``--redirect``).
    study_dir : Path
        The folder the study file is written to.
    reached : list of Path, optional
        The model's files (:func:`~protv2g.network.opendss_files.model_files` of each
        script), when the caller has them; read here otherwise.

    Returns
    -------
    tuple of (Path, Path or None)
        The deepest folder holding the master, every redirect and every file their
        ``Redirect``/``Compile`` commands reach or their commands name (resolved; the IEEE
        test feeders redirect to ``../IEEELineCodes.DSS``), and
        ``study_dir / <its name>`` when ``study_dir`` is not that folder or above it, else None.
    """
    files = reached if reached is not None else [
        f for script in (master, *redirects) for f in model_files(Path(script))]
    model_dir = Path(os.path.commonpath([f.parent for f in files]))
    study_dir = Path(study_dir).resolve()
    if model_dir.is_relative_to(study_dir):
        return model_dir, None
    return model_dir, study_dir / model_dir.name


def _split_redirects(redirects: list[str], model_dir: Path) -> tuple[list[str], list[str]]:
    """The ``--redirect`` scripts inside the model's folder (copied with it) and the others."""
    inside = [r for r in redirects if Path(r).resolve().is_relative_to(model_dir)]
    return inside, [r for r in redirects if r not in inside]


def _redirect_copies(outside: list[str], study_dir: Path, *, force: bool) -> dict[Path, Path]:
    """Where each file reached by a ``--redirect`` outside the model's folder goes: each
    script's files (:func:`~protv2g.network.opendss_files.model_files`, the script first) at
    their place relative to the script's folder, under the study's folder; a file already
    under the study's folder stays where it is (maps to itself).

    Raises
    ------
    InputError
        A target exists with other content (without ``force``), or a reached file lies above
        its script's folder (``Redirect ../x.dss``: put the script beside it, or in the
        model's folder).
    """
    study_dir = Path(study_dir).resolve()
    plan: dict[Path, Path] = {}
    issues = []
    for script in outside:
        root = Path(script).resolve().parent
        for f in model_files(Path(script)):
            if f.is_relative_to(study_dir):
                plan[f] = f
            elif not f.is_relative_to(root):
                issues.append(Issue(str(script), "--redirect", f"it reaches {f}, outside its "
                                    "folder", "put the script in the model's folder, or "
                                    "beside the files it redirects to"))
            else:
                target = study_dir / f.relative_to(root)
                if target.exists() and not force and target.read_bytes() != f.read_bytes():
                    issues.append(Issue(str(target), "", "a different file of that name is "
                                        "beside the study", "give another -o folder, or "
                                        "--force to copy the redirect over it"))
                plan[f] = target
    if issues:
        raise InputError(issues)
    return plan


def _study_path(path: Path, model_dir: Path, copy_to: Path | None, study_dir: Path) -> str:
    """A model file's path as the study names it: in the model's copy, or as it is."""
    path = path.resolve()
    if copy_to is not None:
        return (copy_to / path.relative_to(model_dir)).relative_to(study_dir).as_posix()
    return path.relative_to(study_dir).as_posix()


def _model_files(reached: list[Path]) -> list[Path]:
    """The files to copy: the model's files (``reached``:
    :func:`~protv2g.network.opendss_files.model_files` of the master and of each
    ``--redirect`` in the model's folder — the scripts and the files their commands name),
    each once, sorted; nothing else of their folders. Review ver39b: every file of the
    scripts' folders was copied, the user's own outputs with them (``init.out``, an earlier
    ``study.yaml``, ``val.out``; workbooks would follow), again at each ``init --force``. A
    file of the model's is copied even when it lies in the study's folder (chk39, session 39:
    IEEE 13 drafted beside its master, whose ``../IEEELineCodes.DSS`` puts the model's folder
    one up, so the study's folder is inside it)."""
    return sorted(dict.fromkeys(Path(p).resolve() for p in reached))


def _check_copy(model_dir: Path, copy_to: Path, files: list[Path], *, force: bool) -> None:
    """Refuse a copy that would replace a folder (without ``--force``) or is too large."""
    issues = []
    if copy_to.exists() and not force:
        issues.append(Issue(str(copy_to), "", "the model copy's folder exists",
                            "give another -o folder, or --force to copy the model over it"))
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    if size_mb > MODEL_COPY_LIMIT_MB:
        issues.append(Issue(str(model_dir), "", f"the model's files hold {size_mb:.0f} MB, "
                            f"more than init copies ({MODEL_COPY_LIMIT_MB:.0f} MB)",
                            f"write the study into the model's folder (-o {model_dir}/"
                            "study.yaml), or copy the feeder's files into a folder of its own"))
    if issues:
        raise InputError(issues)


def _copy_model(model_dir: Path, copy_to: Path, files: list[Path]) -> tuple[int, float]:
    """Copy the model's ``files`` (:func:`_model_files`: not the study folder, when it lies
    inside the model's folder) to ``copy_to``; the number of files and their MB. The copies
    are writable by their owner whatever the source's mode: the copy is the user's model (the
    README's way to confirm an input is to write ``normamps``/``normhkva`` into it), and
    ``--force`` copies over it again (``shutil.copy2`` kept a read-only share's ``r--r--r--``,
    EPRI ckt24 from ``../shared``)."""
    for f in files:
        _copy_file(f, copy_to / f.relative_to(model_dir))
    return len(files), sum(f.stat().st_size for f in files) / 1e6


def _copy_file(source: Path, target: Path) -> None:
    """``source`` copied to ``target`` (contents and times) through a temporary beside it
    (:func:`protv2g.report.atomic.atomic_target`: moved into place whole, inside an
    :func:`~protv2g.report.atomic.atomic_set` when the set is complete), its mode an ordinary
    file's, writable by its owner: a read-only copy made before is replaced (``rename(2)``
    needs the folder's write permission only), not refused."""
    from protv2g.report.atomic import atomic_target
    from protv2g.report.atomic_folders import made_folder

    made_folder(target.parent)  # inside init's folder_set: removed if the set fails
    with atomic_target(target) as tmp:
        shutil.copy2(source, tmp)
        Path(tmp).chmod(Path(tmp).stat().st_mode | stat.S_IWUSR)


def _stop_target(args: argparse.Namespace, out: Path) -> None:
    """Note ``out`` as the file a stop's line names (:func:`protv2g.commands.stop.target`)."""
    from protv2g.commands.stop import target

    target(args, out)


def _write_text(path: Path, text: str) -> None:
    """``text`` to ``path`` (UTF-8) whole or not at all (:func:`_copy_file`'s way)."""
    from protv2g.report.atomic import atomic_target

    with atomic_target(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
