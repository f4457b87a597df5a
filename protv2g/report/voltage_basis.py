"""What a voltage finding's figure rests on besides the loads: the source set-point and the
transformer taps the flow holds (:func:`protv2g.flow.source_setpoint.source_setpoint`, in the
flow's ``meta["source"]``). Said on the Findings sheet's "Rests on" of each C12 voltage
finding and in the Summary's model section (review rev41c M8: the depot's F05, C12
under-voltage and a gate failure, rests on SUB-69kV held at 1.0 pu and T-SUB at tap 0 with no
LTC; neither said so).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = ["source_text", "voltage_rests_on"]


def source_text(flow: Any) -> str:
    """The flow's source set-point line (``""`` when the flow did not record it)."""
    meta = getattr(flow, "meta", None) or {}
    source = meta.get("source") if isinstance(meta, dict) else None
    return str(source.get("text") or "") if isinstance(source, dict) else ""


def voltage_rests_on(findings: pd.DataFrame, rests: Sequence[str], flow: Any) -> list[str]:
    """``rests`` (the Findings sheet's "Rests on") with, for each C12 voltage finding
    (``margin_unit`` pu), the source set-point it rests on.

    >>> from types import SimpleNamespace
    >>> flow = SimpleNamespace(meta={"source": {"text": "S held at 1.000 pu"}})
    >>> f = pd.DataFrame({"criterion": ["C12", "C12", "C8"], "margin_unit": ["pu", "%", "A"]})
    >>> voltage_rests_on(f, ["given data", "given data", ""], flow)
    ['given data; the source set-point: S held at 1.000 pu', 'given data', '']
    """
    text = source_text(flow)
    if not text or not len(findings):
        return list(rests)
    volt = ((findings["criterion"].astype(str) == "C12")
            & (findings["margin_unit"].astype(str) == "pu")).tolist()
    return [f"{r}; the source set-point: {text}" if v and r else
            f"the source set-point: {text}" if v else r
            for r, v in zip(rests, volt, strict=True)]
