"""Which OpenDSS objects a script defines ``like=`` another, and what it sets on them itself.

OpenDSS's ``like=`` copies what the class's ``MakeLike`` copies, not every property: a
``Recloser`` made ``like=`` another takes its curves, minimum trips, instantaneous trips, reset
time, shots, fast-shot count and reclose intervals, but **not** its ``Delay`` nor its time-dial
multipliers ``TDPhFast``/``TDPhDelayed``/``TDGrFast``/``TDGrDelayed``, which keep OpenDSS's
defaults (0 s and 1) unless the object sets them itself (``TRecloser.MakeLike``, OpenDSS SVN
Source/Controls/Recloser.pas; checked with DSS C-API 0.14.5: EPRI DG_Prot_Fdr's
``Recloser.D like=A`` has ``Delay`` 0 where A has 0.042 s, review rev32b M6). The compiled
circuit does not keep ``like`` (``? recloser.d.like`` answers ``""``), so this module reads the
script text, as :mod:`protv2g.network.dss_ratings` does (``Redirect``/``Compile`` followed,
continuations joined, comments dropped; nothing compiled).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from protv2g.network.dss_ratings import _OBJ, _logical_lines, _props

__all__ = ["RECLOSER_NOT_COPIED", "like_sources"]

#: Recloser properties OpenDSS's ``like=`` does not copy (``TRecloser.MakeLike``).
RECLOSER_NOT_COPIED = ("delay", "tdphfast", "tdphdelayed", "tdgrfast", "tdgrdelayed")


def like_sources(master: str | Path, redirects: Sequence[str | Path] = (),
                 cls: str = "recloser") -> dict[str, tuple[str, frozenset[str]]]:
    """Objects of class ``cls`` the script makes ``like=`` another.

    Parameters
    ----------
    master : path
        The master file.
    redirects : sequence of path
        Further scripts run after it (as ``load_dss_model`` runs them).
    cls : str
        OpenDSS class, lower case (``"recloser"``).

    Returns
    -------
    dict
        Object name (lower case) → ``(name it is like, properties the script sets on the
        object itself in its ``New``/``Edit`` commands, lower case)``; only objects with a
        ``like=`` (the last one given).

    Examples
    --------
    >>> like_sources("DG_Protection/DG_Prot_Fdr.dss")["d"][0]  # doctest: +SKIP
    'a'
    """
    lines: list[str] = []
    for p in (master, *redirects):
        lines += _logical_lines(Path(p))
    like: dict[str, str] = {}
    own: dict[str, set[str]] = {}
    for line in lines:
        m = _OBJ.match(line)
        if m is None or m.group(2).lower() != cls:
            continue
        name, pr = m.group(3).lower(), _props(m.group(4))
        if m.group(1).lower() == "new":
            own[name] = set()
            like.pop(name, None)
        src = pr.pop("like", None)
        if src:
            like[name] = src.split(".", 1)[-1]
        own.setdefault(name, set()).update(pr)
    return {n: (src, frozenset(own.get(n, ()))) for n, src in like.items()}
