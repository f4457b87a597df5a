"""A C1/C4 row that passes only because its backup barely reaches the fault points to C5.

Review fix41d ("Slow passing backups"): IEEE 34 with a directional head relay, C4 passed
RC-808 → head-l1 at the feeder's far end with the head's 51P taking 99–2,525 s — its phase
current lifted just over the 120 A pickup by the chargers' stages. The interval holds because
the backup is slow; a backup that slow protects little. That is not a coordination criterion
of its own (domain.md §4 has none): it is C5's backup-zone reach, ``I / pickup ≥ 1.2``
(:mod:`protv2g.checks.sensitivity`), which judges the backup at the same fault. Such a
Coordination row keeps its status (``ok``: the interval is met) and says so in ``note``,
naming C5's figure: "coordinates, but as a backup head-l1 barely reaches here: 1.02 × pickup
against 1.2 (see C5)".

Read from C5's per-bus table (:data:`protv2g.checks.reach_groups.BUS_TABLE`: every zone row of
the groups the violation table keeps; a backup zone's shortfall is ``warn``), joined on the
scenario, fault bus, fault type, case and the backup device. No new physics: C5's figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.checks._rows import as_text, key_codes, text_isin

__all__ = ["NOTE_COLUMN", "backup_reach_notes"]

#: Coordination-table column (text) of :func:`backup_reach_notes`; absent where no row has
#: one.
NOTE_COLUMN = "note"
#: The pair criteria whose backup (a relay or recloser) C5's reach judges.
_CRITERIA = ("C1", "C4")
_KEY = ("scenario", "fault_bus", "fault_type", "case")


def backup_reach_notes(coordination: pd.DataFrame, bus_table: pd.DataFrame | None,
                       violations: pd.DataFrame) -> pd.DataFrame:
    """``coordination`` (the checks' pair rows) with :data:`NOTE_COLUMN` on the ``ok`` C1/C4
    rows whose backup falls short of C5's backup-zone reach at that fault (module
    docstring), ``""`` on the others; ``coordination`` itself where no row does.

    ``bus_table``: C5's per-bus rows by group (``bus_group``), of the scenarios the checks
    evaluated; ``violations``: the violation rows, whose ``bus_group`` gives each group's
    scenarios — the evaluated ones and their load-level twins the rows were copied to.

    >>> coord = pd.DataFrame({"criterion": ["C4", "C4", "C4"], "scenario": ["v", "v", "w"],
    ...     "fault_bus": "860", "fault_type": ["SLG-a", "SLG-b", "SLG-a"], "case": "min",
    ...     "backup": "head", "ok": True})
    >>> c5 = pd.DataFrame({"bus_group": [0], "criterion": "C5", "status": "warn",
    ...     "scenario": "v", "device": "head", "fault_type": "SLG-a", "case": "min",
    ...     "fault_bus": "860", "margin": [-0.18], "margin_unit": "× pickup", "limit": [1.2]})
    >>> v = pd.DataFrame({"criterion": "C5", "scenario": ["v", "w"], "bus_group": [0, 0]})
    >>> [n.split(": ")[-1] for n in backup_reach_notes(coord, c5, v)["note"]]
    ['1.020 × pickup against 1.2 (see C5)', '', '1.020 × pickup against 1.2 (see C5)']
    """
    if bus_table is None or not len(bus_table) or not len(coordination):
        return coordination
    t = bus_table
    # each column's distinct texts tested once (#21: C5's bus table, 482,880 rows at 10,000
    # buses, written out as text three times)
    short = (text_isin(t["criterion"], {"C5"}) & text_isin(t["status"], {"warn"})
             & text_isin(t["margin_unit"], {"× pickup"}))
    v = violations[text_isin(violations["criterion"], {"C5"})]
    if not short.any() or not len(v):
        return coordination
    t = t[short]
    # each group's rows under every scenario whose violation row stands for the group
    groups = pd.DataFrame({"bus_group": v["bus_group"].to_numpy(np.int64),
                           "scenario": as_text(v["scenario"]).to_numpy()}).drop_duplicates()
    rows = pd.DataFrame({"bus_group": t["bus_group"].to_numpy(np.int64),
                         **{c: as_text(t[c]).to_numpy() for c in (
                             "fault_bus", "fault_type", "case", "device")},
                         "ratio": t["margin"].to_numpy(float) + t["limit"].to_numpy(float),
                         "limit": t["limit"].to_numpy(float)}).merge(groups, on="bus_group")
    c = coordination
    at = np.flatnonzero(text_isin(c["criterion"], set(_CRITERIA)) & c["ok"].to_numpy(bool))
    # each coordination row's first C5 row of the same (scenario, fault bus, fault type,
    # case, device): both sides' keys coded together in one pass (#21: a MultiIndex of the
    # C5 rows and its look-up were 1 % of the 10,000-bus study's checks stage), the same
    # pairs as ``MultiIndex.get_indexer`` finds on the texts
    n = len(rows)
    code = key_codes(np.concatenate([rows[k].to_numpy(), as_text(c[j]).to_numpy()[at]])
                     for k, j in zip((*_KEY, "device"), (*_KEY, "backup"), strict=True))
    first_of = np.full(int(code.max()) + 1 if len(code) else 0, -1, dtype=np.int64)
    distinct, first = np.unique(code[:n], return_index=True)
    first_of[distinct] = first
    pos = first_of[code[n:]]
    ratio, limit = rows["ratio"].to_numpy(), rows["limit"].to_numpy()
    hit = pos >= 0
    if not hit.any():
        return coordination
    note = np.full(len(c), "", dtype=object)
    backup = as_text(c["backup"]).to_numpy()
    note[at[hit]] = [f"coordinates, but as a backup {b} barely reaches here: {r:.3f} × pickup "
                     f"against {lim:g} (see C5)" for b, r, lim in zip(
                         backup[at[hit]], ratio[pos[hit]], limit[pos[hit]], strict=True)]
    # the column added to a shallow copy, as ``assign`` adds it to a deep one (#21: the
    # IEEE 8500's coordination table copied and consolidated whole, ~1 % of its checks
    # stage); the caller's table is not written into
    out = c.copy(deep=False)
    out[NOTE_COLUMN] = note
    return out
