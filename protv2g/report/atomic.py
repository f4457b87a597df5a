"""A report file written whole or not at all: to a temporary name in the target's folder, then
moved into place with :func:`os.replace` (atomic on one file system, POSIX ``rename(2)``), so
an error or a stop part-way leaves the earlier file at the target unchanged and no partial one
(the workbook since session 30, the spill files, the hosting margins PNG since fix44b).

A set of files that belong together (a workbook and the tables spilled beside it, which its
notes name) is written inside :func:`atomic_set`: each file goes to its temporary and stays
there until the whole set is complete, then all are moved into place in the order written (the
workbook last), with SIGINT and SIGTERM held back meanwhile; an error or a stop before that
removes every temporary and leaves the earlier set untouched (review rev45b: a stop between the
spills and the workbook left the new run's spills beside the old workbook). The moves are one
``rename(2)`` each, not one transaction: only a SIGKILL or a power cut between two of them can
still leave a mixed set.

A workbook's set also takes away what an earlier run spilled beside the workbook and this one
did not (review fix45b: run 1 wrote ``study.C5_buses.parquet``, run 2 none, and the old table
sat beside the new workbook as if it were its own): after the moves, under the same held
signals, every file of a workbook target's folder named as a spill of that workbook
(:func:`stale_spills`: ``<stem>.<sheet>.parquet`` or ``.csv.gz``,
:mod:`protv2g.report.overflow`) that the set did not write is removed. Only that pattern of the
same stem: another workbook's spills, and files of other names, stay.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = ["atomic_set", "atomic_target", "stale_spills"]

#: The moves :func:`atomic_target` leaves to the enclosing :func:`atomic_set` (temporary,
#: target), in the order written; None outside one.
_PENDING: ContextVar[list[tuple[str, Path]] | None] = ContextVar("_PENDING", default=None)
#: Every temporary made inside the enclosing :func:`atomic_set`, from the moment it exists (a
#: stop between a block's end and its generator's resumption would otherwise leave one: the
#: set removes whatever it did not move); None outside one.
_CREATED: ContextVar[list[str] | None] = ContextVar("_CREATED", default=None)
#: The signals held back while a set is moved into place (a stop then waits for the moves).
_HELD = frozenset({signal.SIGINT, signal.SIGTERM})
#: The suffix of a workbook whose spills its set tidies (:func:`stale_spills`).
_WORKBOOK_SUFFIX = ".xlsx"
#: A spill's name after ``<workbook stem>.``: a sheet's slug (letters, digits, ``_``, ``-``:
#: the report's sheet titles have no dot, so ``study.v2.Evidence.parquet`` is ``study.v2``'s,
#: not ``study``'s) and the spill formats of :mod:`protv2g.report.overflow`.
_SPILL_TAIL = re.compile(r"\.[A-Za-z0-9_-]+\.(?:parquet|csv\.gz)")


def stale_spills(targets: Iterable[Path]) -> list[Path]:
    """The files beside each workbook (``.xlsx``) of ``targets`` named as its spills
    (``<stem>.<sheet>.parquet`` or ``.csv.gz``) that are not among ``targets``: what an
    earlier run left there (module docstring). Sorted by path.

    >>> stale_spills([Path("/nonexistent/study.xlsx")])
    []
    """
    targets = [Path(t) for t in targets]
    keep = {t.resolve() for t in targets}
    out: set[Path] = set()
    for t in targets:
        if t.suffix.lower() != _WORKBOOK_SUFFIX or not t.parent.is_dir():
            continue
        pattern = re.compile(re.escape(t.stem) + _SPILL_TAIL.pattern)
        for entry in os.scandir(t.parent):
            p = Path(entry.path)
            if (pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
                    and p.resolve() not in keep):
                out.add(p)
    return sorted(out)


@contextmanager
def atomic_target(target: Path, prefix: str | None = None, suffix: str = ".tmp"
                  ) -> Iterator[str]:
    """The temporary path to write ``target``'s content to; on leaving the block without an
    error it gets the ordinary file mode (``mkstemp`` makes 0600) and replaces ``target``
    (inside :func:`atomic_set`: when the whole set is complete), else it is removed and the
    error goes on.

    Parameters
    ----------
    target : Path
        The file to write.
    prefix, suffix : str
        Of the temporary name (default prefix ``.<target name>-``): a writer that reads the
        format from the name needs it told instead (``savefig(tmp, format="png")``).

    Example
    -------
    >>> with atomic_target(Path("reports/x.csv")) as tmp:  # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    tmp: str | None = None
    try:
        # the file made and recorded with SIGINT/SIGTERM held: a stop between its creation and
        # its record left it behind (the clean-clone CI at load: test_run_stop stops `run`
        # the moment a new file appears, and ``.d.Coordination.parquet-….tmp`` stayed)
        with _signals_held():
            fd, tmp = tempfile.mkstemp(prefix=prefix or f".{target.name}-", suffix=suffix,
                                       dir=target.parent)
            created = _CREATED.get()
            if created is not None:
                created.append(tmp)
            os.close(fd)
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # a report is an ordinary file
        pending = _PENDING.get()
        if pending is None:
            os.replace(tmp, target)
        else:
            pending.append((tmp, Path(target)))
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_set() -> Iterator[None]:
    """Write the files of one set whole or not at all (module docstring): every
    :func:`atomic_target` inside the block (in this thread or task) keeps its temporary until
    the block ends; then all are moved into place in the order written, SIGINT and SIGTERM
    held back during the moves (noted and raised again once they are done:
    :func:`_signals_held`). An error or a stop inside the block removes every temporary and goes
    on; the targets are then as before. Sets do not nest: an inner one's files join the
    outer's. A workbook's spills of an earlier run that this set did not write are removed
    after the moves, signals still held (:func:`stale_spills`).

    Example
    -------
    >>> with atomic_set():  # doctest: +SKIP
    ...     spill(table, path, "Evidence", 10)  # a temporary, not yet at its target
    ...     save_workbook_atomic(wb, path)  # moved into place after the spill
    """
    if _PENDING.get() is not None:
        yield
        return
    pending: list[tuple[str, Path]] = []
    created: list[str] = []
    token, token_created = _PENDING.set(pending), _CREATED.set(created)
    moved = 0
    try:
        try:
            yield
        finally:
            _PENDING.reset(token)
            _CREATED.reset(token_created)
        with _signals_held():
            for tmp, target in pending:
                os.replace(tmp, target)
                moved += 1
            _remove(stale_spills(target for _, target in pending))
    except BaseException:  # every temporary not moved into place yet removed (a file whose
        # block a stop left before it was added to ``pending`` included: ``created``)
        done = {tmp for tmp, _ in pending[:moved]}
        for tmp in created:
            if tmp not in done:
                Path(tmp).unlink(missing_ok=True)
        raise


def _remove(paths: Iterable[Path]) -> None:
    """Remove each of ``paths``; one that cannot be is said in a warning and left (the new
    set is in place: that is no reason to fail the run)."""
    for p in paths:
        try:
            p.unlink(missing_ok=True)
        except OSError as err:
            warnings.warn(f"{p.name}: a table an earlier run spilled beside the workbook "
                          f"could not be removed ({err.strerror}); it is not this run's",
                          stacklevel=3)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM noted, not acted on, inside the block; the first noted is raised
    again after it, to the handler before. Python-level handlers (not a signal mask: a thread
    that does not block a signal, such as a process pool's, would take it and the main thread
    still run the handler); in the main thread only (elsewhere nothing is held)."""
    noted: list[int] = []
    before: dict[int, object] = {}
    try:
        for signum in _HELD:
            before[signum] = signal.signal(signum, lambda n, frame: noted.append(n))
    except ValueError:  # not the main thread: signal handlers cannot be set
        pass
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        if noted:
            signal.raise_signal(noted[0])
