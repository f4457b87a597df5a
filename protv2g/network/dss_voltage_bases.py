"""Buses of an OpenDSS model without a voltage base, and the words of their fix.

IEC 60909's equivalent source is ``c·Un/√3`` at the fault (IEC 60909-0:2016 §6.1), so every
energised bus the fault study reaches needs its nominal voltage: OpenDSS gives it only to buses
that exist when ``CalcVoltageBases`` runs (``Set VoltageBases=…`` lists the allowed bases). A
site's transformer added in a study redirect (``feeder.redirects``,
``v2g_sites[].model_transformer``) after the master's ``CalcVoltageBases`` leaves its
low-voltage bus without one (review rev31b F1: ``validate`` said "valid" and ``run`` then
stopped, naming the master and listing the bus once per phase).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["buses_without_base", "without_base_text", "voltage_base_fix"]


def buses_without_base(model: Any) -> list[str]:
    """Names of the energised buses with a phase node (1–3) and no voltage base, in model
    order, each once."""
    nodes = np.flatnonzero((model.node_num >= 1) & (model.node_num <= 3) & model.energized)
    bus = np.unique(model.node_bus[nodes])
    kv = model.buses.kv_ln.to_numpy()[bus]
    return [str(model.buses.index[b]) for b in bus[kv <= 0]]


def without_base_text(names: list[str], shown: int = 10) -> str:
    """``"bus(es) without a voltage base: a, b and 3 more"``: the issue's message, each bus
    once (the first ``shown`` named)."""
    names = list(dict.fromkeys(map(str, names)))
    return ("bus(es) without a voltage base: " + ", ".join(names[:shown])
            + (f" and {len(names) - shown} more" if len(names) > shown else ""))


def voltage_base_fix(redirects: tuple[str, ...] | list[str] = (),
                     for_init: bool = False) -> str:
    """The fix of a bus without a voltage base: where ``CalcVoltageBases`` must go.

    ``for_init``: the user ran ``protv2g init`` — there is no study yet and init has no
    ``--method``, so only the model's own fix is offered (review ver37 §1).
    """
    if redirects:
        names = ", ".join(Path(r).name for r in redirects)
        where = ("the buses were made after the master's CalcVoltageBases: end the redirect "
                 f"that adds them ({names}) with 'Set VoltageBases=[…, their kV line-to-line]' "
                 "and 'CalcVoltageBases' (or add them to the master)")
    else:
        where = ("add their voltage to 'Set VoltageBases=…' and 'CalcVoltageBases' in the "
                 "master, after the elements that make them")
    if for_init:
        return where + ", then run the same init command again"
    return (where + ", or set faults.method: classical in the study (`protv2g faults "
            "--method classical` for the faults command)")
