"""A regulator unit's reverse power against its bank's total (review rev40b M1).

IEEE 37's substation regulator is two single-phase units in open delta, ``reg1a`` across a-b
and ``reg1c`` across c-b (799 → 799r). Each unit's control reads its own winding: its PT the
line-to-line voltage, its CT its line current, which in an open-delta bank is 30° off that
voltage (ANSI/IEEE C57.15-2017, open-delta connection of two single-phase regulators). At a
low power factor one unit's ``V·I`` reverses while the bank as a whole still imports: OpenDSS
at 535 kW of campus export, reg1a −17.4 kW, reg1c +235.1 kW, the feeder head +217.4 kW (the
head reverses only at ≈ 758 kW). The row may stand (the unit's control sees its own ``V·I``),
but its words must say that it is one unit of a bank, that the bank's total is forward, and
that the figure rests on the reverse-current sense threshold the control is taken to have
(:data:`~protv2g.checks.regulator_text.REVERSE_SENSE_MIN_FRACTION`, 1 % of the CT primary).

A bank is the regulators (flow device table ``kind`` regulator) whose transformers join the
same two buses (the model's ``elements`` table); its total is the sum of their terminal
active powers at the row's scenario and step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BankFlow", "bank_of", "bank_text"]


@dataclass(frozen=True)
class BankFlow:
    """The units of a regulator's bank (element names without their class, the row's own
    first; empty: no bank of two or more) and the bank's total active power (MW, > 0
    forward; NaN unknown), with each unit's (MW)."""

    units: tuple[str, ...]
    p_mw: float
    unit_p_mw: tuple[float, ...] = ()


def _buses_of(model: Any) -> dict[str, frozenset[str]]:
    e = model.elements
    return {str(n).lower(): frozenset(str(b).split(".", 1)[0].lower() for b in bs)
            for n, bs in zip(e.name.tolist(), e.buses.tolist(), strict=True)}


def bank_of(ctx: Any, dev: pd.DataFrame, r: Any) -> BankFlow:
    """The bank of the regulator of flow device row ``r`` in the flow device table ``dev``
    (``element_name``, ``p_mw``, ``scenario``, optional ``step``) and its total at ``r``'s
    scenario and step (module docstring); no units where it stands alone."""
    model = getattr(ctx.study, "model", None)
    none = BankFlow((), math.nan)
    if model is None or "element_name" not in dev.columns:
        return none
    buses = model.derived("regulator bank buses", _buses_of)
    mine = buses.get(str(getattr(r, "element_name", "")).lower())
    if not mine or len(mine) != 2:
        return none
    at = dev[(dev.kind == "regulator") & (dev.scenario == r.scenario)]
    if "step" in dev.columns:
        at = at[at.step.to_numpy() == getattr(r, "step", 0)]
    names = at.element_name.astype(str).str.lower().to_numpy()
    same = np.array([buses.get(n) == mine for n in names.tolist()], dtype=bool)
    at = at[same].drop_duplicates("element_name")
    if len(at) < 2:
        return none
    own = str(r.element_name).lower()
    at = at.iloc[np.argsort(at.element_name.astype(str).str.lower().to_numpy() != own,
                            kind="stable")]
    p = at.p_mw.to_numpy(dtype=float)
    return BankFlow(tuple(str(n).split(".", 1)[-1] for n in at.element_name.tolist()),
                    float(p.sum()), tuple(p.tolist()))


def bank_text(device: str, bank: BankFlow, sense_kw: float) -> str:
    """``"; reg1a is one unit of a bank of 2 (reg1a, reg1c) between the same buses: the bank
    carries +217 kW forward in total (reg1c +235 kW) …"`` where the bank's total is forward;
    where it is reverse too, the total; with the control's sense threshold in kW
    (``sense_kw``, NaN: not said). ``""`` without a bank."""
    if len(bank.units) < 2 or not math.isfinite(bank.p_mw):
        return ""
    kind = "an open-delta bank" if len(bank.units) == 2 else f"a bank of {len(bank.units)}"
    others = ", ".join(f"{u} {1e3 * p:+,.1f} kW" for u, p in zip(bank.units[1:],
                                                                 bank.unit_p_mw[1:],
                                                                 strict=True))
    sense = (f"; it rests on the reverse-current sense threshold the control is taken to "
             f"have, 1 % of its CT primary (≈ {sense_kw:,.1f} kW here; settable 1–5 %)"
             if math.isfinite(sense_kw) else "")
    if bank.p_mw > 0:
        return (f"; {device} is one unit of {kind} ({', '.join(bank.units)}, single-phase "
                f"units between phases): the bank as a whole carries {1e3 * bank.p_mw:+,.1f} "
                f"kW forward ({others}) — the reversal is this unit's own V·I (its winding "
                "voltage is 30° off its line current), which its own control reads; the "
                f"feeder still imports through the bank{sense}")
    return (f"; {device} is one unit of {kind} ({', '.join(bank.units)}): the bank's total "
            f"reverses too ({1e3 * bank.p_mw:+,.1f} kW; {others}){sense}")

