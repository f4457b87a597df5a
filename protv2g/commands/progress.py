"""Stage progress for long commands (``protv2g run``, ``protv2g hosting``) on a terminal.

The study's stages never print: they take an optional ``progress(stage)`` callback (as
:func:`protv2g.runner.run_study` does) or the command marks the stages around its calls.
:class:`StageProgress` is that callback: a one-line tqdm bar on stderr naming the stage
running, shown only when stderr is a terminal (``TERM=dumb`` or ``PROTV2G_PROGRESS=0`` turn
it off); otherwise — a pipe, a file, CI logs, tests — it writes nothing at all, unless
``PROTV2G_PROGRESS=1`` asks for plain lines (one per stage as it starts, with the seconds since
the command started: a run on a utility feeder with hosting takes minutes, review s18), e.g.
``protv2g run: hosting (5/7) at 41.2 s``. A command that may run for many minutes with nothing
else to say (``protv2g hosting``, review rev42a F2: killed by ``timeout 1200`` twice with
nothing on stderr) passes ``every_s``: off a terminal a line then goes to stderr by default
every ``every_s`` seconds (the first after ``every_s``), saying the stage and step running
then — a line also while one engine call runs for minutes; ``PROTV2G_PROGRESS=0`` or ``quiet``
turns them off, ``PROTV2G_PROGRESS=1`` writes a line at every step instead.

Example
-------
>>> import io
>>> with StageProgress("run", ["load", "faults"], stream=io.StringIO()) as progress:
...     progress("load")
...     progress("faults")  # nothing is written: the stream is not a terminal
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import IO, Any

__all__ = ["StageProgress", "shows_progress", "plain_lines"]


def shows_progress(stream: IO[str]) -> bool:
    """Whether progress is drawn on ``stream``: a terminal, not ``TERM=dumb``, and not
    switched off with ``PROTV2G_PROGRESS=0``."""
    if os.environ.get("PROTV2G_PROGRESS", "").strip() == "0":
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def plain_lines(stream: IO[str]) -> bool:
    """Whether plain stage lines go to ``stream``: ``PROTV2G_PROGRESS=1`` and no bar drawn
    there (:func:`shows_progress` false: a pipe, a file, a log)."""
    return (os.environ.get("PROTV2G_PROGRESS", "").strip() == "1"
            and not shows_progress(stream))


class StageProgress:
    """A stage bar for one command; call it with each stage's name as the stage starts.

    Parameters
    ----------
    command : str
        Shown before the stage (``"run"``).
    stages : sequence of str
        The stages expected, in order (the bar's length); a stage not listed is still shown.
    stream : file, optional
        Where to draw (default ``sys.stderr``); nothing is written unless it is a terminal.
    """

    def __init__(self, command: str, stages: Sequence[str], *, stream: IO[str] | None = None,
                 every_s: float | None = None, quiet: bool = False):
        self.command = command
        self.stages = list(stages)
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = shows_progress(self.stream) and not quiet
        self.lines = plain_lines(self.stream) and not quiet
        #: seconds between rate-limited plain lines (module docstring); None: none
        self.every_s = (every_s if every_s is not None and not (self.enabled or self.lines
                                                                or quiet)
                        and os.environ.get("PROTV2G_PROGRESS", "").strip() != "0" else None)
        self._bar: Any = None
        self._started = 0
        self._stage = ""
        self._t0_s = time.perf_counter()
        self._now = ""  # the stage (and step) running, for the ``every_s`` lines
        self._ticks: threading.Event | None = None
        self._thread: threading.Thread | None = None
        #: stage → what to say when it starts (:meth:`detail`), e.g. the first run's compile
        self.notes: dict[str, str] = {}

    def __enter__(self) -> StageProgress:
        if self.every_s is not None:
            self._ticks = threading.Event()
            self._thread = threading.Thread(target=self._tick, name="protv2g-progress",
                                            daemon=True)
            self._thread.start()
        if self.enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=len(self.stages), file=self.stream, leave=False,
                             desc=f"protv2g {self.command}: starting",
                             bar_format="{desc} |{bar:20}| {n_fmt}/{total_fmt} stages "
                                        "[{elapsed}]")
        return self

    def __call__(self, stage: str) -> None:
        """Mark the start of ``stage`` (the previous one is then done)."""
        self._stage = stage
        if self.every_s is not None:
            self._due(f"{stage} ({self.stages.index(stage) + 1 if stage in self.stages else '?'}"
                      f"/{len(self.stages)})")
            return
        if self.lines:
            self._started += 1
            print(f"protv2g {self.command}: {stage} ({self._started}/"
                  f"{max(len(self.stages), self._started)}) at "
                  f"{time.perf_counter() - self._t0_s:.1f} s", file=self.stream, flush=True)
            if note := self.notes.get(stage):
                self.detail(note)
            return
        if self._bar is None:
            return
        if self._started:
            self._bar.update(1)
        self._started += 1
        if self._started > self._bar.total:
            self._bar.total = self._started
        self._bar.set_description_str(f"protv2g {self.command}: {stage}")
        if note := self.notes.get(stage):
            self.detail(note)

    def detail(self, text: str) -> None:
        """What the running stage is doing now (``"grid: engine call 1, 38 export levels"``:
        the hosting search's steps), shown after the stage's name; not a stage of its own."""
        if self.every_s is not None:
            self._due(f"{self._stage} — {text}")
        elif self.lines:
            print(f"protv2g {self.command}: {self._stage} — {text} at "
                  f"{time.perf_counter() - self._t0_s:.1f} s", file=self.stream, flush=True)
        elif self._bar is not None:
            self._bar.set_description_str(f"protv2g {self.command}: {self._stage} — {text}")

    def _due(self, text: str) -> None:
        """What the next ``every_s`` line says is running (module docstring)."""
        self._now = text

    def _tick(self) -> None:
        """Every ``every_s`` seconds until the block ends: a line naming what runs then."""
        while self._ticks is not None and not self._ticks.wait(self.every_s):
            if self._now:
                print(f"protv2g {self.command}: {self._now}, at "
                      f"{time.perf_counter() - self._t0_s:.0f} s", file=self.stream,
                      flush=True)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._thread is not None:
            self._ticks.set()
            self._thread.join()
            self._thread = self._ticks = None
        if self._bar is not None:
            if kind is None and self._started:  # done: fill the bar (skipped stages too)
                self._bar.update(self._bar.total - self._bar.n)
            self._bar.close()
            self._bar = None
