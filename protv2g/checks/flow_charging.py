"""C12's over-voltage rows of a charging snapshot: who raises the voltage, and how.

A charging snapshot (:data:`protv2g.scenarios.CHARGING_SNAPSHOT_PREFIX`: every participating
vehicle charging at peak load) exports nothing; where a bus there is higher than in its base
case (the same step without the charging), it is the charging's doing, most often through a
regulator's line-drop compensation (LDC): the compensator reads the line current, which the
charging load raises, and boosts its tap for the voltage drop it models (IEEE Std
C57.15-2017 §3 / Annex, line-drop compensation; OpenDSS RegControl ``R``, ``X``). Review
rev40b M2, IEEE 123 with a utility source, C12 in ``charging/expected``: "voltage 1.059 pu at
7 … the exceedance at this bus is V2G's; V2G raises it by 0.00789 pu" — no export there;
reg1a's LDC boosting for the charging load raised the bus. The row's words name the charging
(:func:`protv2g.checks.attribution_materiality.who_moves`) and, where an LDC regulator upstream
of the bus rests higher than in the base case, that mechanism (:func:`ldc_texts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protv2g.checks.flow_taps import (
    _move_text,
    downstream_sets,
    regulator_settings,
    tap_moves,
)

__all__ = ["ldc_texts"]


def ldc_texts(ctx: Any, bus: pd.DataFrame, bad: pd.DataFrame, rows: Sequence[int]
              ) -> dict[int, str]:
    """Row position → ``" (through reg1a's line-drop compensation: reg1a (phase a) rests 2
    taps higher than without the charging, for the charging load's current)"``, for each row
    ``rows`` of ``bad`` (C12's failing voltage rows: ``scenario``, ``bus``, optional
    ``step``) below a regulator with LDC whose tap rose against the row's base case
    (:func:`~protv2g.checks.flow_taps.tap_moves` on the flow's ``bus`` table); rows without
    one are left out (module docstring)."""
    model = getattr(ctx.study, "model", None)
    if model is None or not len(rows) or bus is None or bus.empty:
        return {}
    settings = regulator_settings(model)
    settings = settings[settings.ldc.astype(bool)] if len(settings) else settings
    if settings.empty:
        return {}
    moves = tap_moves(bus, settings, ctx.base_of)
    if moves.empty:
        return {}
    down = downstream_sets(model)
    scen = bad.scenario.astype(str).to_numpy()
    buses = bad.bus.to_numpy()
    steps = bad.step.to_numpy() if "step" in bad.columns else np.full(len(bad), None)
    out: dict[int, str] = {}
    for k in rows:
        m = moves[moves.scenario.astype(str).to_numpy() == scen[k]]
        if steps[k] is not None and "step" in m.columns:
            m = m[m.step.to_numpy() == steps[k]]
        up = [(r.name, r.taps, r.unforced) for r in m.itertuples(index=False)
              if int(buses[k]) in down.get(r.name, ()) and np.max(r.taps) > 0]
        if not up:
            continue
        names = ", ".join(dict.fromkeys(str(n).split(".", 1)[-1] for n, _t, _u in up))
        out[k] = (f" (through {names}'s line-drop compensation: {_moves(up)} than "
                  "without the charging, for the charging load's current)")
    return out


def _moves(up: list[tuple]) -> str:
    """``"creg1a rests 2 taps higher (phases a, b, c)"`` where a regulator's phases move
    alike (a gang-operated bank), else each phase as :func:`~protv2g.checks.flow_taps.
    _move_text` says it."""
    out = []
    for move in up:
        taps = np.asarray(move[1])
        moved = np.flatnonzero(taps)
        if len(moved) > 1 and len(set(taps[moved].tolist())) == 1:
            n = int(taps[moved[0]])
            out.append(f"{str(move[0]).split('.', 1)[-1]} rests {abs(n)} tap"
                       f"{'s' if abs(n) > 1 else ''} {'higher' if n > 0 else 'lower'} "
                       f"(phases {', '.join('abc'[p] for p in moved.tolist())})")
        else:
            out.append(_move_text([move]))
    return ", ".join(out)
