"""The gate's pre-existing (and tool-default-rated) feeder items grouped by kind of element:
one grouping for the terminal (``protv2g gate``, ``protv2g run``) and the Summary sheet.

EPRI ckt24 (review rev50b #6): 26 pre-existing C12 overloads on OpenDSS's default
``normhkva`` were 2 lines on the terminal but 26 full gate lines, a 27-row table and an id
list in the Summary, where the 3 ``fail:`` lines drowned. What is grouped is decided from
data — a gate line's record (:func:`~protv2g.gate_reason_record.reason_record`) or a
finding's row (:func:`finding_records`) — never from a line's words (ver39; design.md:
status is data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from protv2g.findings_attribution import Attribution
from protv2g.input_basis import InputBasis

__all__ = ["GROUPED_CRITERIA", "Group", "finding_records", "group_head", "grouped_lines",
           "item_groups", "reason_ids"]

#: Criteria whose pre-existing items are grouped, one line per kind of reason and kind of
#: element: C12's service-transformer and line overloads present without V2G (the EPRI ckt24
#: review: 23 ``confirm:`` lines on OpenDSS's default ``normhkva`` printed after the 3 lines
#: V2G causes, which scrolled out of sight).
GROUPED_CRITERIA = ("C12",)

#: One group: ``(kind, criterion, element, default)`` → the positions of its items, in
#: order (``default``: lines V2G makes worse, grouped because they rest on a tool default
#: rating; else present without V2G).
Group = tuple[tuple[str, str, str, bool], list[int]]


def _element(device: str) -> str:
    """The kind of element of a device name: its part before the dot ("transformer",
    "line"), "element" without one."""
    device = device.strip()
    return device.partition(".")[0] if "." in device else "element"


def item_groups(records: Sequence[Mapping[str, Any] | None],
                criteria: tuple[str, ...] = GROUPED_CRITERIA, least: int = 2
                ) -> list[Group]:
    """The groups of ``records`` (each with ``kind``, ``criterion``, ``attribution``,
    ``device``, ``rests_on``; None for an item of no rows) of at least ``least`` items: the
    pre-existing items of ``criteria`` (attribution ``pre-existing``), and the items V2G or
    charging makes worse that rest on a tool default rating (``rests_on`` ``default``;
    review rev31 §4: 29 of IEEE 8500's 38 fail lines were trunk lines at OpenDSS's default
    400 A, one missing input said 29 times), by kind (``fail``, ``condition``, ``confirm``,
    ``info``, or a finding's status) and kind of element (the device's name before its dot).
    In the order of each group's first item.

    >>> recs = [None] + [{"kind": "confirm", "criterion": "C12", "attribution": "pre-existing",
    ...                   "device": f"transformer.t{k}", "rests_on": ""} for k in (1, 2)]
    >>> item_groups(recs)
    [(('confirm', 'C12', 'transformer', False), [1, 2])]
    """
    groups: dict[tuple[str, str, str, bool], list[int]] = {}
    for k, rec in enumerate(records):
        if not rec or rec.get("criterion") not in criteria:
            continue
        pre = str(rec.get("attribution")) == Attribution.PRE_EXISTING.value
        default = str(rec.get("rests_on")) == InputBasis.DEFAULT.value and not pre
        if not default and not pre:
            continue
        key = (str(rec["kind"]), str(rec["criterion"]), _element(str(rec.get("device") or "")),
               default)
        groups.setdefault(key, []).append(k)
    return [(key, at) for key, at in groups.items() if len(at) >= least]


def _worst(at: list[int], records: Sequence[Mapping[str, Any] | None]) -> int:
    """The item of smallest margin (the first of equals; no margin: last)."""
    def margin(k: int) -> float:
        m = (records[k] or {}).get("margin")
        return float(m) if m is not None and not pd.isna(m) else float("inf")

    return min(at, key=lambda k: (margin(k), k))


def _id_order(fid: str) -> tuple[str, int]:
    """A finding id's sort key: "F9" before "F10"."""
    head = fid.rstrip("0123456789")
    tail = fid[len(head):]
    return head, int(tail) if tail else -1


def group_head(key: tuple[str, str, str, bool], n: int) -> str:
    """A group's words: ``"C12 23 transformer(s) present without V2G"``, or "… rated by a
    tool default (confirm their ratings first)"."""
    _, crit, element, default = key
    which = ("rated by a tool default (confirm their ratings first)" if default
             else "present without V2G")
    return f"{crit} {n} {element}(s) {which}"


def grouped_lines(reasons: list[str], data: list[dict[str, Any] | None] | None = None,
                  criteria: tuple[str, ...] = GROUPED_CRITERIA, least: int = 2,
                  ids: Sequence[str] | None = None) -> list[str]:
    """The gate's reasons with the groups of :func:`item_groups` each on one line where its
    first line was, naming the count and the worst element (smallest margin; its line as the
    gate wrote it); every other line as it is, in the gate's order (errors, then the lines V2G
    causes or makes worse, then the pre-existing ones). Text only: the verdict, the exit code
    and the gate's data (``--json``) are not changed. ``data``: the gate's ``reason_data``,
    aligned with ``reasons``; without it nothing is grouped.

    ``ids`` (aligned with ``reasons``, "" where a line has no finding): the Summary's lines
    name each group's findings, so every one stays findable by id; without it the line
    points to ``protv2g gate --json`` and the workbook's Findings (the terminal).

    >>> rows = [f"confirm: C12 transformer.t{k}: transformer.t{k} loaded {m} % (…)"
    ...         for k, m in ((1, 110), (2, 150), (3, 104))]
    >>> data = [None] + [{"kind": "confirm", "criterion": "C12", "attribution": "pre-existing",
    ...                   "device": f"transformer.t{k}", "rests_on": "", "margin": 100.0 - m}
    ...                  for k, m in ((1, 110), (2, 150), (3, 104))]
    >>> out = grouped_lines(["fail: C10 R1 / depot: recloses after 0.5 s (…)", *rows], data)
    >>> out[0]
    'fail: C10 R1 / depot: recloses after 0.5 s (…)'
    >>> out[1][:78]
    'confirm: C12 3 transformer(s) present without V2G, the worst transformer.t2: t'
    >>> grouped_lines(rows, data[1:], ids=["F1", "F2", "F3"])[0][:68]
    'confirm: C12 3 transformer(s) present without V2G (F1, F2, F3), the '
    >>> len(out), grouped_lines(rows) == rows
    (2, True)
    """
    records = list(data or [])[:len(reasons)]
    records += [None] * (len(reasons) - len(records))
    first: dict[int, str] = {}
    dropped: set[int] = set()
    for key, at in item_groups(records, criteria, least):
        kind, crit = key[0], key[1]
        worst = _worst(at, records)
        shown = str(reasons[worst])[len(f"{kind}: {crit} "):]  # "<device>: <msg> (<detail>)"
        named = sorted((str(ids[k]) for k in at if k < len(ids) and ids[k]),
                       key=_id_order) if ids is not None else []
        head = f"{kind}: {group_head(key, len(at))}"
        if ids is not None:
            first[at[0]] = (f"{head}" + (f" ({', '.join(named)})" if named else "")
                            + f", the worst {shown}")
        else:
            first[at[0]] = (f"{head}, the worst {shown} — each of the {len(at)} in "
                            "`protv2g gate --json` and the workbook's Findings")
        dropped.update(at[1:])
    return [first.get(k, str(r)) for k, r in enumerate(reasons) if k not in dropped]


def finding_records(findings: pd.DataFrame) -> list[dict[str, Any]]:
    """The findings' rows as records :func:`item_groups` groups, as the gate's lines are:
    ``kind`` the finding's status, its ``criterion``, ``attribution`` and ``device``,
    ``rests_on`` its ``input_basis`` where that is a stand-in (a tool default or a drafted
    value), ``margin`` its worst margin."""
    stand_in = (InputBasis.DEFAULT.value, InputBasis.TODO.value)
    out = []
    for f in findings.itertuples(index=False):
        basis = str(getattr(f, "input_basis", "") or "")
        margin = pd.to_numeric(pd.Series([getattr(f, "worst_margin", None)]),
                               errors="coerce").iloc[0]
        out.append({"kind": str(getattr(f, "status", "")),
                    "criterion": str(getattr(f, "criterion", "")),
                    "attribution": str(getattr(f, "attribution", "")),
                    "device": str(getattr(f, "device", "") or ""),
                    "rests_on": basis if basis in stand_in else "",
                    "margin": None if pd.isna(margin) else float(margin)})
    return out


def reason_ids(data: Sequence[Mapping[str, Any] | None] | None, findings: pd.DataFrame
               ) -> list[str]:
    """Each gate line's finding id ("" where none), aligned with ``data`` (the gate's
    ``reason_data``): the finding of the line's criterion and device (``device / partner``
    for a pair's line) and, where the line's record has them, its mechanism and margin unit
    — the findings' key, as the site drivers match a line
    (:func:`protv2g.findings_sites_text.with_driver_lines`); "" where that leaves none or
    more than one.

    >>> f = pd.DataFrame({"finding": ["F1", "F2"], "criterion": ["C12", "C12"],
    ...                   "device": ["line.a", "line.b"], "other_device": ["", ""],
    ...                   "mechanism": ["", ""], "margin_unit": ["%", "%"]})
    >>> reason_ids([None, {"criterion": "C12", "device": "line.b", "margin_unit": "%"}], f)
    ['', 'F2']
    """
    need = {"finding", "criterion", "device"}
    if not data or not need <= set(findings.columns):
        return [""] * len(data or [])

    def text(frame: pd.DataFrame, col: str) -> list[str]:
        if col not in frame.columns:
            return [""] * len(frame)
        return ["" if pd.isna(v) else str(v) for v in frame[col].tolist()]

    devices = [f"{d} / {o}" if o else d for d, o in zip(
        text(findings, "device"), text(findings, "other_device"), strict=True)]
    keys = list(zip(text(findings, "criterion"), devices, text(findings, "mechanism"),
                    text(findings, "margin_unit"), strict=True))
    ids = text(findings, "finding")
    out = []
    for rec in data:
        if not rec:
            out.append("")
            continue
        want = (str(rec.get("criterion", "")), str(rec.get("device", "")))
        hit = [i for i, k in zip(ids, keys, strict=True) if k[:2] == want
               and all(str(rec[c]) == k[j] for j, c in ((2, "mechanism"), (3, "margin_unit"))
                       if rec.get(c) is not None and str(rec[c]) != "")]
        out.append(hit[0] if len(hit) == 1 else "")
    return out
