"""The folders a set of files needs, made with the set and taken away with it when it fails.

:func:`protv2g.report.atomic.atomic_set` writes a set of files whole or not at all: an error or
a stop inside it removes every temporary and leaves the targets as they were. The folders the
targets go to are made before the temporaries can be (``mkstemp`` in the target's folder), and
an error or a stop left them behind, empty (fix47: ``init -o new/ckt/study.yaml`` stopped
while it copied the model left ``new/ckt/<model>/``; ``recommend --apply -o new/fixed.yaml``
left ``new/`` and the feeder's folders beside it). :func:`folder_set` is an
:func:`~protv2g.report.atomic.atomic_set` that also removes, on an error or a stop, every
folder :func:`made_folder` made inside it, deepest first, where it is still empty (a folder
something else wrote into meanwhile stays).

Example
-------
>>> with folder_set():  # doctest: +SKIP
...     made_folder(out.parent)
...     with atomic_target(out) as tmp:
...         Path(tmp).write_text(text)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from protv2g.report.atomic import atomic_set

__all__ = ["folder_set", "made_folder"]

#: The folders :func:`made_folder` made inside the enclosing :func:`folder_set`, noted before
#: they are made (a stop between the two leaves no folder unnoted); None outside one.
_MADE: ContextVar[list[Path] | None] = ContextVar("_MADE", default=None)


def made_folder(path: str | Path) -> Path:
    """``path`` and its missing parents made (``mkdir -p``); inside a :func:`folder_set`,
    each folder it makes noted for removal should the set fail. Returns ``path``."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    made = _MADE.get()
    if made is not None:
        made.extend(reversed(missing))  # parents first: removed in the reverse order
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def folder_set() -> Iterator[None]:
    """:func:`~protv2g.report.atomic.atomic_set`, and on an error or a stop inside it the
    folders :func:`made_folder` made removed, deepest first, each where it is empty. Sets do
    not nest: an inner one's folders join the outer's."""
    if _MADE.get() is not None:
        with atomic_set():
            yield
        return
    made: list[Path] = []
    token = _MADE.set(made)
    try:
        with atomic_set():
            yield
    except BaseException:
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:  # not empty (or gone): left as it is
                pass
        raise
    finally:
        _MADE.reset(token)
