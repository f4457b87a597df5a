"""What one reason line of the gate says, as data (``reason_data`` of
:func:`protv2g.gate.gate_verdict`, aligned with its ``reasons``), and the parts the line and
the record share: the device it names, the input it rests on, the scenario count's words.

The gate's lines are for reading; a program (the terminal's grouping of pre-existing C12
lines, :func:`protv2g.commands.gate.grouped_lines`) reads the record, never the line
(design.md: status is data, never parsed from a message).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from protv2g.findings_rows import finding_mechanism
from protv2g.input_basis import input_to_confirm
from protv2g.violations import is_given

__all__ = ["short_reasons", "REASON_RECORD_FIELDS", "device_text", "reason_record", "rests_on",
           "scenario_count_text"]

#: The fields of a reason record (:func:`reason_record`).
REASON_RECORD_FIELDS = ("kind", "criterion", "device", "attribution", "rests_on", "margin",
                        "margin_unit", "mechanism")


def scenario_count_text(n: int) -> str:
    """``"1 scenario"``, ``"4 scenarios"`` (ver39: the gate's lines said "1 fail row in 1
    scenario(s)").

    >>> scenario_count_text(1), scenario_count_text(4), scenario_count_text(0)
    ('1 scenario', '4 scenarios', '0 scenarios')
    """
    return f"{n} scenario{'' if n == 1 else 's'}"


def device_text(worst: Mapping[str, Any], others: tuple[str, ...] = ()) -> str:
    """The device a line names: its worst row's device, ``/ <other>`` (every ``others`` of a
    line of :data:`protv2g.gate_reasons.PER_DEVICE_CRITERIA`)."""
    device = str(worst["device"]) if is_given(worst.get("device")) else ""
    if len(others) > 1:
        device += f" / {', '.join(others)}"
    elif is_given(worst.get("other_device")):
        device += f" / {worst['other_device']}"
    return device


def rests_on(worst: Mapping[str, Any]) -> tuple[str, str]:
    """The worst row's ``input_basis`` and the input to confirm ("": it rests on none,
    :func:`~protv2g.input_basis.input_to_confirm`)."""
    basis = str(worst.get("input_basis", "")) if is_given(worst.get("input_basis")) else ""
    return basis, input_to_confirm(str(worst["criterion"]), str(worst.get("device", "")),
                                   str(worst.get("other_device", "")), basis,
                                   worst.get("input_todo", ""), margin=worst.get("margin"),
                                   limit=worst.get("limit"))


def reason_record(kind: str, worst: Mapping[str, Any], attribution: str,
                  others: tuple[str, ...] = ()) -> dict[str, Any]:
    """What a reason line of :meth:`protv2g.gate_reasons.ReasonRows.reasons` says, as data
    (the gate's ``reason_data``, aligned with its ``reasons``): ``kind``, ``criterion``,
    ``device`` (as the line names it), ``attribution`` (the line's, a
    :class:`~protv2g.findings_attribution.Attribution` text), ``rests_on`` (the worst row's
    ``input_basis`` when the line names an input to confirm, else ""), ``margin`` (the worst
    row's; None when it has none), ``margin_unit`` and ``mechanism``
    (:func:`~protv2g.findings_rows.finding_mechanism`), from ``worst``, the row the line
    leads with. The terminal groups lines by it
    (:func:`protv2g.commands.gate.grouped_lines`); the site drivers match a line to its
    finding by criterion, device, mechanism and margin unit, the finding's key
    (:func:`protv2g.findings_sites_text.with_driver_lines`); status is data, never read back
    from the line (design.md).

    >>> reason_record("confirm", {"criterion": "C12", "device": "transformer.t1",
    ...                           "margin": -10.0, "margin_unit": "%"}, "pre-existing")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'kind': 'confirm', 'criterion': 'C12', 'device': 'transformer.t1',
     'attribution': 'pre-existing', 'rests_on': '', 'margin': -10.0, 'margin_unit': '%',
     'mechanism': ''}
    """
    basis, confirm = rests_on(worst)
    margin = pd.to_numeric(worst.get("margin"), errors="coerce")
    return {"kind": kind, "criterion": str(worst["criterion"]),
            "device": device_text(worst, others), "attribution": str(attribution),
            "rests_on": basis if confirm else "",
            "margin": float(margin) if pd.notna(margin) and math.isfinite(margin) else None,
            "margin_unit": (str(worst.get("margin_unit")) if is_given(worst.get("margin_unit"))
                            else ""),
            "mechanism": finding_mechanism(worst)}


def short_reasons(reasons: Sequence[str], data: Sequence[Mapping[str, Any] | None] | None
                  ) -> list[str]:
    """The gate's ``reasons`` as the terminal and the Summary print them: each line of
    violation rows in its short form (its record's ``short``,
    :func:`protv2g.gate_reasons.short_line`: criterion, device, headline, status, where, the
    input it rests on, margin, rows, the sheet with the whole text), any other line as it is.
    ``data``: the gate's ``reason_data``, aligned with ``reasons``.

    >>> short_reasons(["fail: C7 R: a long text (…)", "info: x"],
    ...               [{"short": "fail: C7 R: short (…)"}, None])
    ['fail: C7 R: short (…)', 'info: x']
    """
    records = list(data or [])
    records += [None] * max(len(reasons) - len(records), 0)
    return [str(rec.get("short") or r) if isinstance(rec, Mapping) else str(r)
            for r, rec in zip(reasons, records, strict=False)]
