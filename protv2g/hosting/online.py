"""Chargers online: how many a site may have online when its limit does not move with export.

In the first cycle every online charger gives its first-cycle current limit whatever it
exports (:mod:`protv2g.hosting`, module docstring): a criterion driven by that current fails
from the smallest export or not at all, and the export search can only say "0 kW" for the
participation case — while a case with fewer chargers online may pass up to its full export
(review s20 on EPRI ckt5: the homes, 10 × 7.2 kW single-phase, read 0 kW at firm participation,
10 online, and 57.6 kW at expected, 8 online, with no figure between).

For every axis whose smallest evaluated export already fails, this module searches the number
of chargers online instead: the largest whole number ``k`` below the participation's
``n_online`` such that, with ``k`` chargers online, no limiting row (the same rows that set
the export figure: :func:`protv2g.hosting.limits.worst_by_scenario`) fails at any evaluated
export up to their full export ``k × p_charger_kw`` — the smallest export, the export grid's
steps below it, and the full export. ``k = 0`` passes by definition (no V2G). Bisection on
the integers: ``⌈log2 n_online⌉`` rounds, every axis of a round in one engine call
(:mod:`.search`).

A site with its own transformer (``model_transformer``, a pandapower site's
``interconnection_transformer``) is also evaluated with **none** of its chargers online (the
*probe*: its transformer in, its chargers idle), riding along the first call that needs it.
Where the probe fails, the site's own equipment fails without any charger, and each round asks
the smallest export of ``k`` first: the export levels above it are evaluated only where it
passes (an extra call, rare), since the round keeps the smallest failing export — the answer is
the one of evaluating them all (review rev34c F1: EPRI J1's depot, 0 kW set by its transformer,
evaluated every export of every round).

The figure answers "how many of the chargers may take part" (a pilot is sized by it): its
limit is the chargers' fault current, which an enrolment cap, fewer chargers in V2G mode or a
lower first-cycle limit changes, an export cap does not. The export grid between the steps is
not bisected for ``k`` (a failure that appears and disappears between two steps can be
missed, as on the export axis; the step bounds the window).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from protv2g.criteria import order
from protv2g.hosting.at_once import limiting_criteria, reasons_text, transformer_remedy_by_row
from protv2g.hosting.points import online_levels
from protv2g.hosting.tables import Axis, Failing, fails, levels
from protv2g.significant import number_text
from protv2g.study.site_equipment import own_transformer
from protv2g.violations import describe_fault, is_given

__all__ = ["ONLINE_COLUMNS", "OnlineLimit", "limited_at_once", "search_online", "with_online"]

#: Columns of the hosting table filled here: the most chargers online with no limit up to their full
#: export, and that export (NA / NaN where the export search decided: the smallest export
#: passed, or the site does not export); the site's own transformer where every limiting
#: row fails with it in and none of the chargers online ("" elsewhere).
ONLINE_COLUMNS = ["max_online_chargers", "max_online_kw", "set_by_transformer"]

#: ``run(points) -> {(axis key, k, p_kw): worst failing rows}``: one engine call of the
#: search, each point ``(axis, p_kw, k)`` with ``k`` chargers online on that axis (``0``: the
#: probe, the site built with none online).
RunOnline = Callable[[list[tuple[Axis, float, int]]],
                     dict[tuple[tuple[str, str, str], int, float], dict[str, dict[str, Any]]]]


@dataclass(frozen=True)
class OnlineLimit:
    """Result of :func:`search_online` for one axis.

    Attributes
    ----------
    max_chargers : int
        Most chargers online with no limiting row up to their full export (0: even one
        fails).
    n_online : float
        Chargers online in the participation case (``fraction × n_chargers``).
    failing_chargers : float
        The fewest evaluated that fail (``max_chargers + 1``, or ``n_online``).
    rows : tuple of dict
        The worst failing rows at ``failing_chargers`` (criterion, device, fault).
    first_fail_kw : float
        The smallest export at which they fail, kW.
    none_online_rows : tuple of dict
        For a site with its own model transformer and ``max_chargers == 0``: the worst
        failing rows with the site built (its transformer in) and **no** charger online —
        what the transformer alone does (review rev33b W1b); empty otherwise.
    """

    max_chargers: int
    n_online: float
    failing_chargers: float
    rows: tuple[dict[str, Any], ...]
    first_fail_kw: float
    none_online_rows: tuple[dict[str, Any], ...] = ()


def n_online(axis: Axis) -> float:
    """Chargers online on ``axis``: participation fraction × the site's chargers."""
    return axis.site.participation.fraction(axis.participation) * axis.site.n_chargers


def limited_at_once(failing: Failing, axis: Axis) -> bool:
    """Whether the smallest export evaluated on ``axis`` already fails (any criterion)."""
    evaluated = levels(failing, axis)
    return axis.cap_kw > 0 and bool(evaluated) and bool(fails(failing[(axis.key,
                                                                         evaluated[0])], None))


def search_online(axes: Sequence[Axis], failing: Failing, run: RunOnline, n_grid: int,
                  smallest_kw: float,
                  probes: dict[tuple[str, str, str], tuple[dict[str, Any], ...]] | None = None
                  ) -> dict[tuple[str, str, str], OnlineLimit]:
    """Most chargers online of every axis limited from its smallest export (module docstring).

    Parameters
    ----------
    axes : sequence of Axis
    failing : Failing
        The export search's record (which axes fail from the smallest export).
    run : callable
        One engine call: ``run(points)`` evaluates ``(axis, p_kw, k)`` points with ``k``
        chargers online and returns their worst failing rows by ``(axis key, k, p_kw)``.
    n_grid, smallest_kw
        The export search's grid steps and smallest export, kW.
    probes : dict, optional
        Axis key → worst failing rows with the site built and none of its chargers online at
        ``smallest_kw``, where already evaluated (:mod:`.search` evaluates them with the rest
        of its grid); the others are evaluated here, with the first round.

    Returns
    -------
    dict
        Axis key → :class:`OnlineLimit` (only the axes searched).
    """
    probes = {} if probes is None else dict(probes)
    state: dict[tuple[str, str, str], list[Any]] = {}
    for axis in axes:
        if limited_at_once(failing, axis):
            first = levels(failing, axis)[0]
            state[axis.key] = [axis, 0, n_online(axis), list(failing[(axis.key, first)].values()),
                               first]
    built = {key for key, (axis, *_r) in state.items()
             if own_transformer(axis.site)}
    while True:
        # the middle whole number strictly between lo (passes) and hi (fails)
        ks = {key: (lo + math.ceil(hi)) // 2 for key, (_a, lo, hi, *_) in state.items()
              if math.ceil(hi) - 1 > lo}
        if not ks:
            break
        exports = {key: online_levels(state[key][0], k, n_grid, smallest_kw)
                   for key, k in ks.items()}
        # the site's own equipment fails alone (or is not known yet): its smallest export
        # first, the others only where it passes (module docstring)
        quick = {key for key in ks if key in built and (key not in probes or probes[key])}
        points = [(state[key][0], p, k) for key, k in ks.items()
                  for p in (exports[key][:1] if key in quick else exports[key])]
        ask = [key for key in ks if key in built and key not in probes]
        found = run(points + [(state[key][0], smallest_kw, 0) for key in ask])
        for key in ask:
            probes[key] = tuple(fails(found.get((key, 0, smallest_kw), {}), None))
        later = [(state[key][0], p, ks[key]) for key in quick
                 if not fails(found.get((key, ks[key], exports[key][0]), {}), None)
                 for p in exports[key][1:]]
        if later:
            found.update(run(later))
        for key, k in ks.items():
            failed = [p for p in exports[key] if fails(found.get((key, k, p), {}), None)]
            if failed:  # the smallest failing export's rows are the evidence
                state[key][2:] = [float(k), list(found[(key, k, failed[0])].values()),
                                  failed[0]]
            else:
                state[key][1] = k
    # a site whose own transformer comes with it, failing with even one charger online:
    # built with none online — does the transformer alone fail the rows? (rev33b W1b)
    zero = [key for key, (_axis, lo, *_r) in state.items() if lo == 0 and key in built]
    ask = [key for key in zero if key not in probes]
    if ask:
        found = run([(state[key][0], smallest_kw, 0) for key in ask])
        for key in ask:
            probes[key] = tuple(fails(found.get((key, 0, smallest_kw), {}), None))
    return {key: OnlineLimit(int(lo), n_online(axis), float(hi), tuple(rows), float(first),
                             probes[key] if key in zero else ())
            for key, (axis, lo, hi, rows, first) in state.items()}


def _evidence(rows: Sequence[dict[str, Any]]) -> str:
    parts = []
    for r in rows:
        device = str(r["device"]) if is_given(r.get("device")) else ""
        what = ", ".join(x for x in (device, describe_fault(r)) if x)
        parts.append(f"{r['criterion']} ({what})" if what else str(r["criterion"]))
    return ", ".join(parts)


def _winding_sets(row: dict[str, Any], own_devices: Collection[str]) -> bool:
    """Whether the site transformer's winding connection sets a row that fails with none of
    the site's chargers online: a ground fault (SLG, LLG: its zero-sequence path) judged at
    the feeder's own devices. A row of a device on the transformer itself — its fuse's
    interrupting duty against the feeder's fault level, its coordination with a feeder relay
    for a fault at its own terminal — is that equipment's: no winding connection lifts it
    (ver36 V1, IEEE 8500 depot: with a delta feeder-side winding F-DEPOT still sees 7.57 kA
    → 11.07 kA asym against its 10 kA cutout and a 20 Ω fault at its terminal still draws
    357 A from the grid, so the head's 51G (1.22 s) still beats the 100K (15.7 s); rev36b
    W2, EPRI J1: 1.655 vs 1.732 s with delta); ver33, ckt24: a 3ph fault at the depot
    transformer's own cutout."""
    if not str(row.get("fault_type", "")).startswith(("SLG", "LLG")):
        return False
    names = {str(row.get(k)) for k in ("device", "other_device") if is_given(row.get(k))}
    return not names & set(own_devices)


def _own_names(row: dict[str, Any], own_devices: Collection[str]) -> list[str]:
    """The site's own devices a row names (its ``device`` and ``other_device``)."""
    return [str(row.get(k)) for k in ("device", "other_device")
            if is_given(row.get(k)) and str(row.get(k)) in set(own_devices)]


def with_online(table: pd.DataFrame, axes: Sequence[Axis],
                found: dict[tuple[str, str, str], OnlineLimit],
                own_devices: Collection[str] = ()) -> pd.DataFrame:
    """``table`` (``HOSTING_COLUMNS``, rows in ``axes`` order) with :data:`ONLINE_COLUMNS`
    filled on the searched axes and their notes ending with what the search found.
    ``own_devices``: the study's devices on a site's own transformer
    (:func:`protv2g.study.site_equipment.site_transformer_devices`): a row of one of them
    (its fuse's duty, its coordination with a feeder relay) is that equipment's, which no
    winding connection changes (:func:`_winding_sets`)."""
    out = table.copy()
    notes = out["note"].astype(str).tolist()
    for i, axis in enumerate(axes):
        lim = found.get(axis.key)
        if lim is None:
            continue
        kw = lim.max_chargers * axis.site.p_charger_kw
        out.iloc[i, out.columns.get_loc("max_online_chargers")] = lim.max_chargers
        out.iloc[i, out.columns.get_loc("max_online_kw")] = kw
        fail = (f"with {lim.failing_chargers:g} online {_evidence(lim.rows)} "
                f"{'fail' if len(lim.rows) > 1 else 'fails'} at "
                f"{number_text(lim.first_fail_kw, 'kW')}")
        # review rev29 §6: why the figure is 0 said beside the failing step (IEEE 123 homes)
        notes[i] += (f"; chargers online searched instead: at most {lim.max_chargers} of "
                     f"{lim.n_online:g} online, no criterion limits up to their full export "
                     f"({number_text(kw, 'kW')}); {fail}" if lim.max_chargers > 0 else
                     f"; chargers online searched instead: even one charger online fails "
                     f"({fail}): at most 0 online, 0 kW")
        if lim.none_online_rows:
            xf = str(own_transformer(axis.site))
            alone = (f"; with none online (the site's transformer {xf} in, its chargers "
                     f"idle) {_evidence(lim.none_online_rows)} "
                     f"{'fail' if len(lim.none_online_rows) > 1 else 'fails'} too")
            crits = {str(r["criterion"]) for r in lim.none_online_rows}
            # ground-fault rows at the feeder's devices move with the winding's zero-sequence
            # path; the rows of the site's own devices (ver36 V1) and phase faults (a 3ph
            # fault at the transformer's own cutout, ver33) with the site's equipment
            winding = sorted({str(r["criterion"]) for r in lim.none_online_rows
                              if _winding_sets(r, own_devices)}, key=order)
            equipment = sorted(crits - set(winding), key=order)
            mine = [n for r in lim.none_online_rows if str(r["criterion"]) in equipment
                    for n in _own_names(r, own_devices)]
            remedy = transformer_remedy_by_row(xf, equipment, winding, sorted(set(mine)))
            # the note's why, as :mod:`.tables` wrote it (each distinct reason once)
            listed = limiting_criteria(out["limiting_criterion"].iloc[i]
                                       if "limiting_criterion" in out.columns else "")
            why = reasons_text(listed or sorted(crits, key=order), axis.site, lim.n_online)
            if crits >= {str(r["criterion"]) for r in lim.rows} | set(listed) and why in notes[i]:
                # every limit is the site's own, with no charger online: said once where
                # the note says why (rev33b; ver36 V1 re-check: not once per criterion)
                notes[i] = notes[i].replace(why, remedy, 1) + alone
                out.iloc[i, out.columns.get_loc("set_by_transformer")] = xf
            else:
                notes[i] += f"{alone}: {remedy}"
    out["note"] = notes
    return out
