"""Finding ids kept across the runs of one study family (review rev43c F5, rev42c: after
``protv2g recommend --apply`` and a re-run the findings were numbered afresh — IEEE 123b's F08
became F06 — so an engineer's "F03" in the notes named another finding).

A run numbers its findings ``F01``… in the order of the Findings sheet (failing first, then
criterion, margin: :func:`protv2g.findings.build_findings`). A study written by ``recommend
--apply`` carries the ids of the study it was made from (``finding_ids``: each id with its
finding's key, :data:`KEY_COLUMNS`, the criterion, devices and mechanism that say which
finding it is whatever its margin). Every run of that file gives a finding whose key is listed
the listed id; any other finding the next free number after every listed id, so a cleared
finding's id is never reused. What was chosen and why: an id derived from the key alone
(``C2:RC-F1/FU-F1-LAT2``) is stable without a list, but long for a command line, and every
study's ``F01`` would change; with the list a first run keeps ``F01`` for its worst finding,
and the list is in the study file an engineer reads, not a file beside it.

The report (its Findings, Evidence and every sheet reading them), ``run``'s terminal lines and
``recommend`` (its list, ``--finding``, ``--apply``) read the ids from here; the gate's JSON
names no finding id (its lines are per device and mechanism, with their data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from protv2g.findings import PAIR_CRITERIA

__all__ = ["KEY_COLUMNS", "id_entries", "kept_ids", "study_finding_ids", "table_keys",
           "with_kept_ids"]

#: The columns that say which finding a row is, whatever its margin or numbering: the
#: finding's grouping key (:func:`protv2g.findings_rows.key_codes`). ``other_device`` is the
#: partner of a pair criterion's finding only (:data:`protv2g.findings.PAIR_CRITERIA`);
#: another finding's lists its rows' other devices, which change with its rows, and is not
#: read.
KEY_COLUMNS = ["criterion", "device", "other_device", "mechanism", "margin_unit"]
_NUMBER = re.compile(r"^F(\d+)$")


def _key(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """A listed entry's key, as :func:`table_keys` makes a finding's."""
    key = {c: "" if entry.get(c) is None else str(entry.get(c)) for c in KEY_COLUMNS}
    if key["criterion"] not in PAIR_CRITERIA:
        key["other_device"] = ""
    return tuple(key.values())


def table_keys(table: pd.DataFrame) -> list[tuple[str, ...]]:
    """Each finding's key (:data:`KEY_COLUMNS`) of a Findings table, a missing column blank."""
    cols = {c: table[c].astype(object).where(table[c].notna(), "").astype(str).tolist()
            if c in table.columns else [""] * len(table) for c in KEY_COLUMNS}
    cols["other_device"] = [o if c in PAIR_CRITERIA else "" for c, o in zip(
        cols["criterion"], cols["other_device"], strict=True)]
    return list(zip(*cols.values(), strict=True)) if len(table) else []


def kept_ids(table: pd.DataFrame, kept: Iterable[Mapping[str, Any]] = ()) -> np.ndarray:
    """The id of each finding of ``table`` (a Findings table, ``finding`` and
    :data:`KEY_COLUMNS`, in its order) given the listed ``kept`` entries (``id`` and the key
    columns): the id listed for its key (of several with one key, the first not yet taken),
    else the next free ``Fnn`` after every listed id. Without ``kept``: ``table``'s own ids.

    >>> t = pd.DataFrame({"finding": ["F01", "F02"], "criterion": ["C4", "C2"],
    ...                   "device": ["R", "RC"], "other_device": ["RC", "F"],
    ...                   "mechanism": ["", "saving"], "margin_unit": ["s", "s"]})
    >>> kept_ids(t, [{"id": "F03", "criterion": "C2", "device": "RC", "other_device": "F",
    ...               "mechanism": "saving", "margin_unit": "s"}]).tolist()
    ['F04', 'F03']
    """
    kept = list(kept)
    if not kept:
        return table["finding"].astype(str).to_numpy(dtype=object)
    pool: dict[tuple[str, ...], list[str]] = {}
    numbers = [0]
    for e in kept:
        pool.setdefault(_key(e), []).append(str(e["id"]))
        if m := _NUMBER.match(str(e["id"])):
            numbers.append(int(m.group(1)))
    keys = table_keys(table)
    out = [pool[k].pop(0) if pool.get(k) else None for k in keys]
    fresh = max(numbers) + 1
    width = max(2, len(str(fresh + out.count(None) - 1)))
    for i, fid in enumerate(out):
        if fid is None:
            out[i] = f"F{fresh:0{width}d}"
            fresh += 1
    return np.array(out, dtype=object)


def with_kept_ids(findings: Any, kept: Iterable[Mapping[str, Any]] | None) -> Any:
    """``findings`` (:class:`protv2g.findings.Findings`) with :func:`kept_ids` in the
    ``finding`` column of its findings and evidence; itself when nothing is kept or no id
    changes."""
    kept = list(kept or ())
    table = findings.findings
    if not kept or not len(table):
        return findings
    new = kept_ids(table, kept)
    old = table["finding"].astype(str).to_numpy(dtype=object)
    if (new == old).all():
        return findings
    rename = dict(zip(old.tolist(), new.tolist(), strict=True))
    # shallow copies with the one column replaced (the evidence is 10⁵ rows at 10,000 buses)
    ev = findings.evidence.copy(deep=False)
    if "finding" in ev.columns:
        ev["finding"] = ev["finding"].astype(str).map(rename).to_numpy(dtype=object)
    table = table.copy(deep=False)
    table["finding"] = new
    return type(findings)(table, ev)


def id_entries(table: pd.DataFrame, kept: Iterable[Mapping[str, Any]] = ()
               ) -> list[dict[str, str]]:
    """The ``finding_ids`` a study made from this one carries: every finding of ``table``
    (its id and key), then the entries of ``kept`` whose id ``table`` no longer has (a
    cleared finding keeps its id reserved)."""
    out = [{"id": str(fid), **dict(zip(KEY_COLUMNS, key, strict=True))}
           for fid, key in zip(table["finding"].astype(str), table_keys(table), strict=True)]
    have = {e["id"] for e in out}
    for e in kept:
        if str(e["id"]) not in have:
            have.add(str(e["id"]))
            out.append({"id": str(e["id"]), **dict(zip(KEY_COLUMNS, _key(e), strict=True))})
    return out


def study_finding_ids(document: Any) -> list[dict[str, str]]:
    """A study document's ``finding_ids`` as plain entries (``id`` and :data:`KEY_COLUMNS`);
    ``[]`` when it lists none."""
    return [e.model_dump() if hasattr(e, "model_dump") else dict(e)
            for e in getattr(document, "finding_ids", None) or ()]
