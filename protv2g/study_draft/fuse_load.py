"""Whether the model's own fuses carry their laterals' load, said once (review rev36a T3).

IEEE 8500's 30 model fuses are ``Ratedcurrent=10`` T links (the model's reliability-study
fuses) on laterals carrying 23–57 A at peak; init adopts each as 10T, and C8 then reports
23 fuses one by one (F12–F30, "pre-existing"): the reader meets 23 separate findings where
one input is in question. :func:`fuse_load_summary` says it once, in init's printed summary
and the study's header, when most of the model's fuses (more than :data:`MOST_FRACTION`) are
loaded at or above C8's limit at the model's peak load without V2G — the fuse's minimum
melting current (its lowest pickup, EEI-NEMA links: at 300 s, 600 s above 100 A; ANSI
C37.43 as :mod:`protv2g.checks.load` reads it) / the study's ``load_pickup_factor`` (default
1.5, :data:`LOAD_FACTOR`): 10T melts at 19.5 A → 13 A; C8's own function,
:func:`protv2g.devices.load_limit.load_limit_a` (a gG band link: its rated current).

The peak load is the model's snapshot load (``LoadMult`` 1) with existing DER off, the largest
phase at the fuse's terminal — as the drafted fuses' link rule and the head relay's rule
take it (:func:`.fuse_draft.line_peak_load_a`) — on the study's base case.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from protv2g.devices.load_limit import load_limit_a
from protv2g.study.schema import Checks

__all__ = ["MOST_FRACTION", "LOAD_FACTOR", "fuse_load_summary", "device_peak_load_a"]

#: Said when more than this fraction of the model's fuses cannot carry their load.
MOST_FRACTION = 0.5
#: C8's default ``load_pickup_factor`` (:class:`protv2g.study.schema.Checks`).
LOAD_FACTOR = float(Checks.model_fields["load_pickup_factor"].default)


def device_peak_load_a(model: object, places: Mapping[str, tuple[str, int]]
                       ) -> dict[str, float]:
    """Device → its peak load current, A (largest phase at its terminal; the model's
    snapshot load, existing DER off), as :func:`.fuse_draft.line_peak_load_a`."""
    from protv2g.flow.opendss import DssFlowEngine, DssWatch

    if not places:
        return {}
    names = list(places)
    engine = DssFlowEngine(model, (), [DssWatch(n, "fuse", places[n][0], int(places[n][1]))
                                       for n in names])
    i_a = np.abs(engine.solve(np.array([1.0]), np.zeros((0, 1)),
                              der_fraction=np.array([0.0])).watch_i_a[0]).max(axis=1)
    return {n: float(i) for n, i in zip(names, i_a, strict=True)}


def fuse_load_summary(load_a: Mapping[str, float], built: Mapping[str, object],
                      links: Mapping[str, str]) -> str:
    """One sentence when most of the fuses ``load_a`` names (device → peak load, A; ``built``
    their device models, ``links`` their link names) carry their load at or above C8's limit
    (module docstring); "" otherwise, or with fewer than two fuses."""
    rows = []
    for name, i_a in load_a.items():
        dev = built.get(name)
        if dev is None or not np.isfinite(i_a):
            continue
        limit_a = load_limit_a(dev, LOAD_FACTOR)  # C8's own function
        rows.append((name, i_a, limit_a, str(links.get(name, ""))))
    over = [r for r in rows if r[1] >= r[2]]
    if len(rows) < 2 or len(over) <= MOST_FRACTION * len(rows):
        return ""
    lo, hi = min(r[1] for r in over), max(r[1] for r in over)
    limits = {}
    for _n, _i, lim, link in over:
        limits.setdefault(link, lim)
    said = ", ".join(f"{lim:.0f} A for {link}" for link, lim in sorted(limits.items()))
    return (f"the model's fuse ratings cannot carry the laterals' load: {len(over)} of "
            f"{len(rows)} model fuses carry {lo:.0f}–{hi:.0f} A at peak load without V2G, "
            f"at or above C8's limit (minimum melt / {LOAD_FACTOR:g}: {said}): confirm the "
            "links before judging V2G (C8 and C3 rows on them are pre-existing)")
