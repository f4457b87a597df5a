"""Words of a TCC figure that come from the data behind its curves (review s22).

:func:`dotted_title` says what the dotted stretches of the traces are (their
:class:`~protv2g.devices.boundary.DataBoundary`), :func:`melting_ranges_label` what a fuse's
melting-range band is, from the curve's own provenance. Used by :mod:`protv2g.devices.tcc`
and :mod:`protv2g.report.tcc_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from protv2g.devices.boundary import DataBoundary

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.devices.library import Curve
    from protv2g.devices.tcc import TccTrace

__all__ = ["dotted_title", "melting_ranges_label"]


#: What a dotted stretch of a trace is, per :class:`DataBoundary` value (legend words).
_DOTTED = {DataBoundary.INTERPOLATED.value: "between sparse curve points",
           DataBoundary.BEYOND_TABLE.value: "past the curve's last point",
           DataBoundary.I2T_ASYMPTOTE.value: "I²t asymptote",
           DataBoundary.LONG_TIME_ASYMPTOTE.value: "long-time asymptote"}


def dotted_title(traces: Sequence[TccTrace]) -> str:
    """The legend title saying what the dotted stretches of ``traces`` are, from the kinds
    of :class:`DataBoundary` their operating points fall in (review s22: dss-133's 1-10 ×
    stretch, between two of its points, was called "outside the curve data").

    Raises
    ------
    ValueError
        When a trace's ``boundary`` and ``t_s`` differ in length.

    Examples
    --------
    >>> from protv2g.devices.tcc import TccTrace
    >>> tr = TccTrace("a", np.array([1.0, 2.0]), np.array([1.0, 1.0]),
    ...               boundary=np.array(["interpolated", "inside"]))
    >>> dotted_title([tr])
    'dotted: between sparse curve points'
    """
    seen: set[str] = set()
    for tr in traces:
        if tr.boundary is None:
            continue
        b, t = np.asarray(tr.boundary), np.asarray(tr.t_s, float)
        if b.shape != t.shape:
            raise ValueError(f"boundary and t_s differ in length: {b.shape} != {t.shape}")
        # the distinct labels at finite times, not every point's (#21: ≈ 10 ms of a TCC point
        # by point, ≈ 1 s of the 10,000-bus study's 112 TCCs)
        seen.update(str(x) for x in np.unique(b[np.isfinite(t)]).tolist())
    words = [w for k, w in _DOTTED.items() if k in seen]
    return "dotted: " + "; ".join(words) if words else ""


def melting_ranges_label(curve: Curve) -> str:
    """What a fuse's melting-range band is, from the curve's own provenance (``source``).

    Review s22: the band was labelled "published melting ranges" whatever its source, and the
    library's K and T links are ANSI C37.43 EEI-NEMA ranges *as recalled* from catalogue
    reproductions, not verified value by value (``relay_library/fuse_links.yaml`` header).
    "published" is said only of ranges whose source says so and does not call them recalled
    or unverified; a curve read from a model or a generic one says what it is.

    Examples
    --------
    >>> from protv2g.devices.library import default_library
    >>> melting_ranges_label(default_library().get("40K"))
    'melting ranges as recalled (EEI-NEMA, not verified: confirm with the maker)'
    """
    src = (curve.source or "").lower()
    if not src:
        return "melting ranges (source not stated)"
    if "not verified" in src or "recalled" in src:
        what = "EEI-NEMA, " if "eei-nema" in src else ""
        return f"melting ranges as recalled ({what}not verified: confirm with the maker)"
    if any(w in src for w in ("opendss", "model", "generic")):
        return "melting ranges (from the model / generic, not a maker's data)"
    if "published" in src:
        return "published melting ranges"
    return f"melting ranges ({curve.source[:40]})"
