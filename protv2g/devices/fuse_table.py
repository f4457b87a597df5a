"""Fuse-link curves against their published melting-current ranges (#17 must-show table).

For every link that carries published EEI-NEMA melting-current ranges (``melting_ranges`` in
``relay_library/fuse_links.yaml``), this module reads back from protv2g's own curves the
current at which each curve reaches the anchor times (300 s, or 600 s above 100 A; 10 s;
0.1 s) and sets it against the published range::

    python -m protv2g.devices.fuse_table            # Markdown, every EEI-NEMA link
    protv2g curves table 40K 65K                    # the same through the CLI

Checks per anchor time ``t`` (``I_MM``, ``I_TC`` = current at which minimum melt / total
clearing takes ``t``; ``min``/``max`` = published melting range at ``t``):

* **MM inside the range**: ``min ≤ I_MM ≤ max`` (ANSI C37.43 / EEI-NEMA: any link's melting
  current at ``t`` lies in the range; the minimum-melting curve is its lower bound).
* **TC not left of the maximum melting end**: ``I_TC ≥ max`` — total clearing = melting +
  arcing (ANSI C37.40 definitions), so a link that may still be melting at ``max`` cannot
  have cleared at a lower current.
* **TC/MM in the published band**: ``1 < I_TC/I_MM ≤ (max/min)·√(t/(t − t_arc,high))``. The
  upper bound is the widest the published range allows once the arcing time is added: the
  maximum-melting curve falls at least as steeply as constant I²t (log–log slope ≤ −2), so
  delaying it by ``t_arc`` moves it right by at most ``√(t/(t − t_arc))`` in current.

Every comparison has a relative tolerance ``rel_tol`` (default 0.5 %: the curve inversion
and the dense node table are exact to < 0.1 % at the anchors).

References
----------
ANSI C37.43 (EEI-NEMA K and T melting-current ranges) as tabulated, with its source and
verification status, in ``protv2g/relay_library/fuse_links.yaml``; ANSI C37.40 (clearing
time = melting time + arcing time).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from protv2g.devices.fuse import Fuse
from protv2g.devices.library import CurveLibrary, default_library
from protv2g.units import DeviceKind

__all__ = ["current_at_time_a", "published_range_table", "report", "speed_ratio_table",
           "to_markdown"]

#: Columns of :func:`published_range_table` (units in the names; ratios dimensionless).
COLUMNS = ["link", "rating_a", "t_s", "pub_min_a", "pub_max_a", "mm_a", "mm_over_min",
           "mm_over_max", "tc_a", "tc_over_max", "tc_over_mm", "tc_over_mm_max", "status",
           "failed", "source"]


def current_at_time_a(time_s: Callable[[np.ndarray], np.ndarray], t_s: Sequence[float],
                      lo_a: Sequence[float], hi_a: Sequence[float],
                      n_iter: int = 80) -> np.ndarray:
    """Currents at which a decreasing time-current curve takes the times ``t_s``.

    Vectorised bisection in ``ln I`` (the curves are monotone, so it always converges).

    Parameters
    ----------
    time_s : callable
        Vectorised curve, currents (A) → times (s), non-increasing in current.
    t_s : sequence of float
        Target times (s), shape ``(n,)``.
    lo_a, hi_a : sequence of float
        Brackets (A), shape ``(n,)``: ``time_s(lo) > t > time_s(hi)``.
    n_iter : int
        Bisection steps (80 leave a relative error below 1e-20 of ``ln(hi/lo)``).

    Returns
    -------
    numpy.ndarray
        Currents (A), shape ``(n,)``; ``nan`` where the bracket does not hold.

    Examples
    --------
    >>> current_at_time_a(lambda i: 100.0 / i**2, [1.0, 4.0], [1.0, 1.0], [100.0, 100.0])
    array([10.,  5.])
    """
    t = np.asarray(t_s, dtype=float)
    a, b = np.log(np.asarray(lo_a, dtype=float)), np.log(np.asarray(hi_a, dtype=float))
    ok = (time_s(np.exp(a)) > t) & (time_s(np.exp(b)) < t)
    for _ in range(n_iter):
        mid = 0.5 * (a + b)
        above = time_s(np.exp(mid)) > t
        a, b = np.where(above, mid, a), np.where(above, b, mid)
    return np.where(ok, np.exp(0.5 * (a + b)), np.nan)


def _ranged_links(lib: CurveLibrary, names: Sequence[str] | None) -> list[str]:
    if names:
        out = []
        for n in names:
            c = lib.get(n)
            if c.kind is not DeviceKind.FUSE or not c.melting_ranges:
                raise ValueError(f"{c.name!r} has no published melting ranges (only EEI-NEMA "
                                 "links built from melting_ranges can be checked); give a K "
                                 "or T link, e.g. 40K")
            out.append(c.name)
        return out
    links = [c for c in lib if c.kind is DeviceKind.FUSE and c.melting_ranges]
    # K links first, then T, each by rating (the order of the published tables)
    return [c.name for c in sorted(
        links, key=lambda c: (c.name.lstrip("0123456789."), c.rating_a or 0.0))]


def published_range_table(library: CurveLibrary | None = None,
                          names: Sequence[str] | None = None,
                          rel_tol: float = 5e-3) -> pd.DataFrame:
    """protv2g's MM and TC currents at the anchor times against the published ranges.

    Parameters
    ----------
    library : CurveLibrary, optional
        Curve library (default: the shipped one).
    names : sequence of str, optional
        Links to check (default: every fuse with ``melting_ranges``).
    rel_tol : float
        Relative tolerance of every comparison (–), default 0.5 %.

    Returns
    -------
    pandas.DataFrame
        One row per link and anchor time, columns :data:`COLUMNS`: currents in A
        (``*_a``), ratios dimensionless, ``tc_over_mm_max`` the band's upper end,
        ``status`` ``PASS``/``FAIL`` and ``failed`` naming the failed checks.

    Raises
    ------
    ValueError
        If a named curve is not a fuse with published melting ranges.

    Examples
    --------
    >>> df = published_range_table(names=["65K"])
    >>> df[["t_s", "pub_min_a", "mm_a", "status"]].round(1).values.tolist()
    [[300.0, 128.0, 128.0, 'PASS'], [10.0, 159.0, 159.0, 'PASS'], [0.1, 918.0, 918.0, 'PASS']]
    """
    lib = library or default_library()
    rows = []
    for name in _ranged_links(lib, names):
        f = Fuse(name=name, link=name, library=lib)
        c = f.curve
        t, lo, hi = (np.array(x, dtype=float) for x in zip(*c.melting_ranges, strict=True))
        arc_hi = (c.arcing_time_range_s or (0.0, c.arcing_time_s or 0.0))[1]
        br_lo, br_hi = 0.5 * lo, 4.0 * hi
        mm = current_at_time_a(f.min_melt_time_s, t, br_lo, br_hi)
        tc = current_at_time_a(f.total_clear_time_s, t, br_lo, br_hi)
        band_hi = (hi / lo) * np.sqrt(t / (t - arc_hi))
        for k in range(len(t)):
            failed = []
            if not (lo[k] * (1 - rel_tol) <= mm[k] <= hi[k] * (1 + rel_tol)):
                failed.append("MM outside range")
            if not tc[k] >= hi[k] * (1 - rel_tol):
                failed.append("TC left of max melt")
            ratio = tc[k] / mm[k]
            if not (1.0 < ratio <= band_hi[k] * (1 + rel_tol)):
                failed.append("TC/MM outside band")
            rows.append({
                "link": name, "rating_a": f.rating_a, "t_s": t[k], "pub_min_a": lo[k],
                "pub_max_a": hi[k], "mm_a": mm[k], "mm_over_min": mm[k] / lo[k],
                "mm_over_max": mm[k] / hi[k], "tc_a": tc[k], "tc_over_max": tc[k] / hi[k],
                "tc_over_mm": ratio, "tc_over_mm_max": band_hi[k],
                "status": "FAIL" if failed else "PASS", "failed": "; ".join(failed),
                "source": c.source})
    return pd.DataFrame(rows, columns=COLUMNS)


def speed_ratio_table(df: pd.DataFrame) -> pd.DataFrame:
    """Speed ratio per link: 0.1-s over long-time (300/600-s) melting current.

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :func:`published_range_table`.

    Returns
    -------
    pandas.DataFrame
        ``link``, ``speed_ratio_published`` (from the range minima), ``speed_ratio_mm``
        (from protv2g's MM curve).
    """
    out = []
    for link, g in df.groupby("link", sort=False):
        g = g.sort_values("t_s")
        out.append({"link": link,
                    "speed_ratio_published": g["pub_min_a"].iloc[0] / g["pub_min_a"].iloc[-1],
                    "speed_ratio_mm": g["mm_a"].iloc[0] / g["mm_a"].iloc[-1]})
    return pd.DataFrame(out)


def _fmt(col: str, x: object) -> str:
    if isinstance(x, float):
        if not math.isfinite(x):
            return "–"
        if "over" in col or "ratio" in col:
            return f"{x:.3f}"
        return f"{x:.4g}" if abs(x) < 1000 else f"{x:.0f}"
    return str(x)


def to_markdown(df: pd.DataFrame, columns: Sequence[str] | None = None) -> str:
    """A DataFrame as a GitHub Markdown table (numbers to about four significant digits)."""
    cols = list(columns) if columns is not None else list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for rec in df[cols].itertuples(index=False):
        lines.append("| " + " | ".join(_fmt(c, v) for c, v in zip(cols, rec, strict=True))
                     + " |")
    return "\n".join(lines)


#: Columns printed by :func:`main` / ``protv2g curves table``.
SHOWN = ["link", "t_s", "pub_min_a", "pub_max_a", "mm_a", "mm_over_min", "mm_over_max",
         "tc_a", "tc_over_max", "tc_over_mm", "tc_over_mm_max", "status"]


def report(df: pd.DataFrame) -> str:
    """The Markdown report: the table, the speed ratios, the sources and a PASS/FAIL count."""
    n_fail = int((df["status"] == "FAIL").sum())
    parts = [to_markdown(df, SHOWN), "",
             to_markdown(speed_ratio_table(df)), "",
             "Sources: " + "; ".join(sorted(set(df["source"]))), "",
             f"{len(df)} rows, {len(df) - n_fail} PASS, {n_fail} FAIL"]
    if n_fail:
        parts += ["", to_markdown(df[df["status"] == "FAIL"], ["link", "t_s", "failed"])]
    return "\n".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the Markdown report for the named links (all EEI-NEMA links by default).

    Returns 0 when every row passes, 1 otherwise.
    """
    df = published_range_table(names=list(argv if argv is not None else sys.argv[1:]) or None)
    print(report(df))
    return 0 if (df["status"] == "PASS").all() else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
