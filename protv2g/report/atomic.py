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
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

__all__ = ["atomic_set", "atomic_target"]

#: The moves :func:`atomic_target` leaves to the enclosing :func:`atomic_set` (temporary,
#: target), in the order written; None outside one.
_PENDING: ContextVar[list[tuple[str, Path]] | None] = ContextVar("_PENDING", default=None)
#: Every temporary made inside the enclosing :func:`atomic_set`, from the moment it exists (a
#: stop between a block's end and its generator's resumption would otherwise leave one: the
#: set removes whatever it did not move); None outside one.
_CREATED: ContextVar[list[str] | None] = ContextVar("_CREATED", default=None)
#: The signals held back while a set is moved into place (a stop then waits for the moves).
_HELD = frozenset({signal.SIGINT, signal.SIGTERM})


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
    fd, tmp = tempfile.mkstemp(prefix=prefix or f".{target.name}-", suffix=suffix,
                               dir=target.parent)
    created = _CREATED.get()
    if created is not None:
        created.append(tmp)
    os.close(fd)
    try:
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
    outer's.

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
    except BaseException:  # every temporary not moved into place yet removed (a file whose
        # block a stop left before it was added to ``pending`` included: ``created``)
        done = {tmp for tmp, _ in pending[:moved]}
        for tmp in created:
            if tmp not in done:
                Path(tmp).unlink(missing_ok=True)
        raise


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
