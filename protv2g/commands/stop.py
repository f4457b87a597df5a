"""A command stopped by SIGTERM or Ctrl-C: one line saying what was and was not written, and
the exit code 128 + the signal's number (143 SIGTERM, 130 SIGINT), no traceback.

SIGTERM's default action ends the process at once, skipping every cleanup: the picture worker
of ``run`` was left orphaned and the temporaries of its files behind (review rev45b). Inside
:class:`signals_raise` SIGTERM raises :class:`Stopped` instead, as Ctrl-C raises
:exc:`KeyboardInterrupt`, so the stack unwinds: the worker is stopped, each temporary removed,
and the files already at their targets are left as they were
(:func:`protv2g.report.atomic.atomic_set`). :func:`stoppable` runs a command so (``run``,
``gate``, ``recommend``, ``faults``, ``flow``, ``init``, ``batch``: :data:`protv2g.cli.STOPPABLE`;
``hosting`` writes what its search settled: :mod:`protv2g.commands.hosting`).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["Stopped", "signals_raise", "stoppable", "target"]


class Stopped(BaseException):
    """The command was stopped by a signal (SIGTERM); a BaseException, as KeyboardInterrupt,
    so no ``except Exception`` on the way swallows it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class signals_raise:  # noqa: N801 (a context manager used as a function)
    """SIGTERM raises :class:`Stopped` inside the block (the main thread only: elsewhere
    ``signal.signal`` cannot be set and nothing changes); the handler before is restored."""

    def __enter__(self) -> None:
        def stop(signum: int, frame: object) -> None:
            raise Stopped(signum)

        try:
            self._before = signal.signal(signal.SIGTERM, stop)
        except ValueError:  # not the main thread
            self._before = None

    def __exit__(self, *exc: object) -> None:
        if self._before is not None:
            signal.signal(signal.SIGTERM, self._before)


def _state(path: Path) -> tuple[int, int, int] | None:
    """What tells a replaced file from the one before: inode, size, modification time."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def target(args: argparse.Namespace, path: str | Path) -> None:
    """Note ``path`` as the file the command writes, as it is now (before any writing), for
    the line :func:`stoppable` prints when stopped."""
    args.stop_target = (Path(path), _state(Path(path)))


def stoppable(command: str, func: Callable[[argparse.Namespace], int],
              args: argparse.Namespace) -> int:
    """``func(args)`` with SIGTERM raising (:class:`signals_raise`); stopped by SIGTERM or
    Ctrl-C, one line on stderr and 128 + the signal's number.

    The file named by :func:`target` (else ``args.output`` or ``args.csv``, as the command
    line gave it; a command whose default target is known later notes it then) is
    compared with its state before: unchanged, the line says nothing was written and the
    earlier file is kept; replaced (the stop came after the file was complete), it says so.
    """
    written = getattr(args, "output", None) or getattr(args, "csv", None)
    if written and getattr(args, "stop_target", None) is None:
        target(args, written)
    try:
        with signals_raise():
            return func(args)
    except (KeyboardInterrupt, Stopped) as exc:
        signum = exc.signum if isinstance(exc, Stopped) else int(signal.SIGINT)
        name = signal.Signals(signum).name + (" (Ctrl-C)" if signum == signal.SIGINT else "")
        print(f"protv2g {command}: stopped by {name}: {_written(args)}", file=sys.stderr,
              flush=True)
        args.stopped = True  # the caller prints no notes after this line
        return 128 + signum


def _written(args: argparse.Namespace) -> str:
    """What the stopped command left at its target (:func:`target`)."""
    path, before = getattr(args, "stop_target", None) or (None, None)
    if path is None:
        return "nothing written"
    now = _state(path)
    if now is None:
        return f"nothing written ({path} not created)"
    if now == before:
        return (f"nothing written; the earlier {path} (and any tables beside it) is kept "
                "unchanged")
    return f"{path} was written completely before the stop"
