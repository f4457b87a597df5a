"""The workbook's pictures as PNG bytes: each drawn once, in a second process while the tables
are written (#21).

A TCC or the feeder plot is a :class:`~matplotlib.figure.Figure` made by a plain function
(:func:`protv2g.report.tcc_figure.path_figure`, :func:`protv2g.report.feeder_plot.plot_feeder`)
and rendered to PNG by :func:`png`. :class:`Pictures` takes these drawing jobs as soon as their
inputs are known (the feeder plot before the derived tables, the TCCs after them) and hands
them to one worker process, so that on a machine with two or more CPUs the pictures (about half
of the depot workbook's CPU seconds, 2026-12-01) are drawn while the main process writes the
tables. When a picture is needed that the worker is still drawing, the main process meanwhile
draws the queued jobs the worker would reach last (a job not started is cancelled in the
worker), so the two processes share the pictures left when the tables are written. Without a
second CPU, where ``fork`` is not available, inside a daemonic process, or with other threads
running (forking a process with threads can copy a held lock), every job is drawn in the main
process when its picture is needed: the same bytes either way.

The jobs' arguments reach the worker by pickle, but for the objects :meth:`Pictures.share`
registered before the worker started: the worker is forked from this process and holds them
already (copy-on-write), so a job naming one (an argument, or an element of a list argument)
sends a token in its place (#21: 21.7 MB pickled for the 10,000-bus study's 113 pictures, its
481,228 violation rows and the device models of each path, ≈ 0.1 MB now).

A picture with a ``cache`` key is also kept in an in-process cache keyed by a digest of what is
drawn (a re-run writing the same plots draws none of them again).

Examples
--------
>>> from matplotlib.figure import Figure
>>> with Pictures(parallel=False) as pictures:
...     pictures.submit("empty", Figure, figsize=(1, 1))
...     pictures.get("empty")[0][:8]
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import struct
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import numpy as np
from isal import isal_zlib
from matplotlib.figure import Figure

__all__ = ["DPI", "Pictures", "draw_png", "png", "png_rgba"]

#: Resolution of the plot PNGs (pixels per inch of figure). A TCC (11 in × 6.2 in) is rendered
#: 1,650 × 930 px and shown 990 × 558 px (10.3 in × 5.8 in at 100 %); printed at 95 % it is
#: 9.8 in × 5.5 in on paper, 168 dpi there (the legend's 7.5 pt text: 17 px a line). 150 dpi
#: is the usual floor for printed graphics; 200 dpi (226 on paper) cost 1.8× the pixels to draw
#: and compress, and the depot's PDF (``tests/test_report_pdf.py``) reads the same. The feeder
#: plot uses it too (12.1 in wide on the depot, printed fitted to the page: ≥ 150 dpi on paper).
DPI = 150
#: Deflate level of the PNGs (ISA-L's, :mod:`isal.isal_zlib`: 0-3). zlib's level 1 compressed a
#: plot (large areas of one colour) 3× faster than Pillow's default 6, for ≈ 20 % more bytes
#: (depot TCC at 150 dpi: 34 ms / 117 kB against 92 ms / 98 kB, 2026-12-01; with
#: :func:`png_rgba`'s Up filter ≈ 15 ms / 133 kB); ISA-L's level 1 deflates the same rows ≈ 6×
#: faster again, into fewer bytes (#21, the 10,000-bus study's 113 pictures: 1.25 -> 0.20 s
#: CPU, 19.12 -> 18.82 MB; in the workbook's zip 16.01 -> 15.35 MB, 2026-12-05). Level 3
#: (its best) took 13 ms a TCC for more bytes than level 1.
_PNG_COMPRESS_LEVEL = 1
_PNG_CACHE: dict[str, tuple[bytes, tuple[float, float]]] = {}
#: Pictures kept in the cache at most (it is cleared when full).
_CACHE_SIZE = 256
#: Objects a worker inherits at its fork, by token (:meth:`Pictures.share`); a process's own.
_SHARED: dict[int, Any] = {}
_TOKENS = itertools.count()


class _Inherited:
    """A job argument the worker holds already: :data:`_SHARED` ``[token]`` (pickled as the
    token)."""

    __slots__ = ("token",)

    def __init__(self, token: int) -> None:
        self.token = token

    def __reduce__(self) -> tuple:
        return _Inherited, (self.token,)


def _resolved(value: Any) -> Any:
    """``value`` with each :class:`_Inherited` (itself or a list or tuple element) replaced by
    the object it names."""
    if isinstance(value, _Inherited):
        return _SHARED[value.token]
    if type(value) in (list, tuple) and any(isinstance(v, _Inherited) for v in value):
        return type(value)(_resolved(v) for v in value)
    return value


def png(fig: Figure, clear: bool = True) -> bytes:
    """PNG of ``fig`` at :data:`DPI`, drawn once on its Agg canvas (:func:`png_rgba`).

    With ``clear`` the figure is cleared afterwards (its artists released at once, not left
    to the cyclic garbage collector: a 250-bus feeder plot left uncleared made a later
    collection cost ≈ 0.5 s, 2026-12-02).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.set_dpi(DPI)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    data = png_rgba(np.asarray(canvas.buffer_rgba()), DPI)
    if clear:
        fig.clear()
    return data


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data))


def png_rgba(rgba: np.ndarray, dpi: float = DPI) -> bytes:
    """PNG (8-bit RGBA, PNG 1.2 / ISO 15948) of an ``(height, width, 4)`` uint8 array: every
    row with the *Up* filter (its bytes minus the row above's, mod 256), deflated (a zlib
    stream, RFC 1950/1951, as PNG requires) by ISA-L at :data:`_PNG_COMPRESS_LEVEL`, the
    resolution in a ``pHYs`` chunk (pixels per metre, rounded as Pillow does).

    Written here rather than by Pillow, which picks a filter per row by trying all five
    (≈ 20 ms of a TCC's 1,650 × 930 px) and needs the RGB taken out of the RGBA buffer first (a
    strided copy, ≈ 3 ms): a TCC took 36 → ≈ 15 ms CPU, the same pixels (decoded) with
    the alpha channel kept, 255 on the opaque figures drawn here, which the Up filter turns
    into zeros (2026-12-03, ``benchmarks/bench_workbook.py``).
    """
    height, width = rgba.shape[:2]
    flat = np.ascontiguousarray(rgba, dtype=np.uint8).reshape(height, 4 * width)
    rows = np.empty((height, 1 + 4 * width), np.uint8)
    rows[:, 0] = 2  # filter type Up
    rows[0, 1:] = flat[0]  # the row above the first is zeros
    np.subtract(flat[1:], flat[:-1], out=rows[1:, 1:])  # uint8: mod 256
    ppm = int(dpi / 0.0254 + 0.5)
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
        _chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
        _chunk(b"IDAT", isal_zlib.compress(rows, _PNG_COMPRESS_LEVEL)),
        _chunk(b"IEND", b"")))


def draw_png(draw: Callable[..., Figure], /, *args: Any, **kwargs: Any
             ) -> tuple[bytes, tuple[float, float]]:
    """``draw(*args, **kwargs)`` as PNG bytes, with the figure's size (inches); a figure drawn
    with ``reuse=True`` (:func:`protv2g.report.tcc_figure.path_figure`) is drawn on again by
    the next such call, so it is not cleared."""
    fig = draw(*args, **kwargs)
    w_in, h_in = fig.get_size_inches()
    return png(fig, clear=not kwargs.get("reuse", False)), (float(w_in), float(h_in))


def _drawn_here(draw: Callable[..., Figure], args: tuple, kwargs: dict[str, Any]
                ) -> tuple[bytes, tuple[float, float]]:
    """:func:`draw_png` in the main process, the heap its figure and pixel buffers took
    and freed handed back at once (:func:`~protv2g.engine.collect.release_freed_memory`):
    #21, at 10,000 buses a feeder plot drawn here while the workbook is saved kept
    ≈ 40 MiB of freed heap under the sheets written next, where the workbook's peak was."""
    from protv2g.engine.collect import release_freed_memory

    out = draw_png(draw, *args, **kwargs)
    release_freed_memory()
    return out


def _draw_inherited(draw: Callable[..., Figure], args: tuple, kwargs: dict[str, Any]
                    ) -> tuple[bytes, tuple[float, float]]:
    """:func:`draw_png` in the worker, the arguments it inherited resolved (:func:`_resolved`)."""
    return draw_png(draw, *[_resolved(a) for a in args],
                    **{name: _resolved(v) for name, v in kwargs.items()})


def _worker_start(parent_pid: int) -> None:
    """The worker's start: it ends with its parent, minds no Ctrl-C and forgets the parent's
    font layouts (:func:`_own_fonts`).

    Review rev45b: ``run`` killed by SIGTERM while the workbook was written left the worker
    orphaned (reparented to PID 1), blocked for ever sending a picture to a pool no process
    read any more, and holding the caller's stdout and stderr open (a CI step or ``| tee``
    waited with it). On Linux the kernel kills it when its parent dies
    (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, prctl(2)), elsewhere a thread checks every
    :data:`_PARENT_POLL_S` seconds that the parent is still the one it was forked from; a
    parent gone before either was set is seen at once. SIGTERM is its default again (the
    parent's handler, inherited at the fork, would raise in the worker) and Ctrl-C (SIGINT to
    the terminal's process group) is ignored: the parent stops the pool.
    """
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                         name="protv2g-parent-watch").start()
    if os.getppid() != parent_pid:  # the parent died before the above was in place
        os._exit(1)
    _own_fonts()


#: Seconds between the checks that the parent lives, where the kernel cannot be asked to end
#: the worker with it (:func:`_worker_start`).
_PARENT_POLL_S = 1.0


def _die_with_parent() -> bool:
    """Ask the kernel for SIGKILL when the parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``,
    option 1, prctl(2)); False where it cannot."""
    import ctypes
    import ctypes.util
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(1, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    """End this process once its parent is no longer ``parent_pid``."""
    import time

    while os.getppid() == parent_pid:
        time.sleep(_PARENT_POLL_S)
    os._exit(1)


def _own_fonts() -> None:
    """In the forked worker, forget the mathtext layouts inherited from this process.

    A forked process shares its parent's open files and their offsets; FreeType reads a font
    through matplotlib's file object by a seek and a read, so two processes reading through
    one inherited font object can each read the other's bytes. matplotlib opens fonts anew
    in a forked child (``font_manager._get_font`` is cleared at fork), but a cached mathtext
    layout (``MathTextParser._parse_cached``) keeps its font objects: writing several
    workbooks in one process, the TCCs' mathtext legend markers (main at 83f618b) twice
    failed with FreeType's "invalid composite glyph" / "too many hints" (2026-12-03). The
    TCCs draw no mathtext now (:mod:`protv2g.report.tcc_legend`); this keeps a mathtext
    string elsewhere from sharing a font object with the parent.
    """
    from matplotlib.mathtext import MathTextParser

    MathTextParser._parse_cached.cache_clear()


def _second_cpu() -> bool:
    """Whether a worker process can draw beside this one (see the module docstring)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus = os.cpu_count() or 1
    return (cpus >= 2 and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1 and not multiprocessing.current_process().daemon)


class Pictures:
    """Drawing jobs by key, drawn by one worker process or in this one (module docstring).

    Parameters
    ----------
    parallel : bool, optional
        Use a worker process; ``None`` (default): when a second CPU is free to this process,
        ``fork`` is available, this process is not daemonic and runs no other thread.

    Use it as a context manager (the worker is stopped on leaving, its unstarted jobs
    cancelled).
    """

    def __init__(self, parallel: bool | None = None) -> None:
        self.parallel = _second_cpu() if parallel is None else parallel
        self._pool: ProcessPoolExecutor | None = None
        self._jobs: dict[str, tuple[Any, ...]] = {}
        self._futures: dict[str, Future] = {}
        self._cached: dict[str, str] = {}
        self._done: dict[str, tuple[bytes, tuple[float, float]]] = {}
        self._shared: dict[int, int] = {}  # id of an object shared -> its token in _SHARED

    def share(self, *objs: Any) -> None:
        """Let the worker inherit ``objs`` at its fork: a job argument that is one of them
        (or a list or tuple argument's element) is then sent as a token, not pickled.

        Only before the first :meth:`submit` (which starts the worker); afterwards, or
        without a worker, nothing is done. The objects are kept until :meth:`close` and
        must not change meanwhile (the worker draws them as they were at the fork).
        """
        if not self.parallel or self._pool is not None:
            return
        for obj in objs:
            if id(obj) not in self._shared:
                token = next(_TOKENS)
                _SHARED[token] = obj  # kept alive, so its id is not reused meanwhile
                self._shared[id(obj)] = token

    def by_reference(self, obj: Any) -> bool:
        """Whether ``obj`` reaches a job without a pickle: no worker (drawn here), or
        inherited by the worker (:meth:`share`)."""
        return not self.parallel or id(obj) in self._shared

    def _sent(self, value: Any) -> Any:
        """``value`` as sent to the worker: a shared object (itself or a list or tuple
        element) as its token."""
        token = self._shared.get(id(value))
        if token is not None:
            return _Inherited(token)
        if type(value) in (list, tuple) and any(id(v) in self._shared for v in value):
            return type(value)(self._sent(v) for v in value)
        return value

    def submit(self, key: str, draw: Callable[..., Figure], /, *args: Any,
               cache: bool = True, **kwargs: Any) -> None:
        """Queue ``draw(*args, **kwargs)`` (a module-level function returning a Figure; its
        arguments are sent to the worker by pickle, those it inherits as tokens:
        :meth:`share`) as the picture ``key``, which also keys the cache unless ``cache`` is
        false."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        self._jobs[key] = (draw, args, kwargs)
        if cache:
            self._cached[key] = digest
            if digest in _PNG_CACHE:
                return
        if self.parallel:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("fork"),
                    initializer=_worker_start, initargs=(os.getpid(),))
            self._futures[key] = self._pool.submit(
                _draw_inherited, draw, tuple(self._sent(a) for a in args),
                {name: self._sent(v) for name, v in kwargs.items()})

    def __contains__(self, key: object) -> bool:
        return key in self._jobs

    def get(self, key: str) -> tuple[bytes, tuple[float, float]]:
        """The PNG bytes of picture ``key`` and its figure size (inches).

        Raises
        ------
        KeyError
            When no job ``key`` was submitted.
        """
        draw, args, kwargs = self._jobs.pop(key)
        future = self._futures.pop(key, None)
        digest = self._cached.get(key)
        if digest is not None and digest in _PNG_CACHE:
            if future is not None:
                future.cancel()
            return _PNG_CACHE[digest]
        if key in self._done:  # drawn here while waiting for another
            out = self._done.pop(key)
        elif future is not None and not future.cancel():
            # the worker draws it: meanwhile, draw here the jobs it would reach last
            while not future.done() and self._steal():
                pass
            out = future.result()
        else:  # not started in the worker (or no worker): drawn here
            out = _drawn_here(draw, args, kwargs)
        if digest is not None:
            if len(_PNG_CACHE) >= _CACHE_SIZE:
                _PNG_CACHE.clear()
            _PNG_CACHE[digest] = out
        return out

    def _steal(self) -> bool:
        """Draw here the last queued job the worker has not started; False when none."""
        for key in reversed(list(self._futures)):
            if self._futures[key].cancel():
                del self._futures[key]
                draw, args, kwargs = self._jobs[key]
                self._done[key] = _drawn_here(draw, args, kwargs)
                return True
        return False

    def close(self) -> None:
        """Stop the worker (unstarted jobs are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._futures.clear()
        self._done.clear()
        for token in self._shared.values():
            del _SHARED[token]
        self._shared.clear()

    def __enter__(self) -> Pictures:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
