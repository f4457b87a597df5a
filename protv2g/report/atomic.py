"""A report file written whole or not at all: to a temporary name in the target's folder, then
moved into place with :func:`os.replace` (atomic on one file system, POSIX ``rename(2)``), so
an error or a stop part-way leaves the earlier file at the target unchanged and no partial one
(the workbook since session 30, the spill files, the hosting margins PNG since fix44b)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_target"]


@contextmanager
def atomic_target(target: Path, prefix: str | None = None, suffix: str = ".tmp"
                  ) -> Iterator[str]:
    """The temporary path to write ``target``'s content to; on leaving the block without an
    error it gets the ordinary file mode (``mkstemp`` makes 0600) and replaces ``target``,
    else it is removed and the error goes on.

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
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # a report is an ordinary file
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
