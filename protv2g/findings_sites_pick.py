"""Which row of a multi-site V2G finding :mod:`protv2g.findings_sites` solves per site.

A finding leads with its worst row V2G moved (:func:`protv2g.findings_headline.
headline_offset`: the first ``new``/``worse`` row of its evidence, worst first by
:func:`protv2g.findings_rows.worst_order`, after the rows that differ only in load level are
one evidence row, :func:`protv2g.findings_rows.collapse`). The site drivers judge **that row**
where two or more sites export in its scenario (or charge: C8's charging snapshots), so the
driver speaks of the fault and scenario the finding states (review s47 drv: the driver took
the worst row among the multi-site scenarios by margin alone, which may be another row: a
``warn`` row of a lower margin than the ``fail`` row the finding leads with, another
scenario of the same margin, or a row where one site exports). A finding whose headline
row has fewer than two sites exporting is judged at its worst row where two or more do, and
its driver text says which row that is and that it is not the headline
(:func:`headline_note`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from protv2g.criteria import MarginUnit
from protv2g.findings import finding_keys
from protv2g.findings_rows import worst_order
from protv2g.findings_sites_kinds import KEY_COLUMNS
from protv2g.scenarios import CHARGING_SNAPSHOT_PREFIX, Scenario
from protv2g.violations import STATUS_ORDER, is_given

__all__ = ["C12_JUDGED", "HEADLINE_COLUMN", "candidates", "headline_note"]

#: Row attributions V2G's export moves (:mod:`protv2g.checks.attribution`).
_MOVED = ("new", "worse")
_JUDGED = ("fail", "warn")
#: the flow criterion attributed per site (:mod:`protv2g.findings_sites_flow`)
_FLOW_CRITERION = "C8"
#: C12's rows judged per site (``candidates(..., flow=True, criterion="C12")``): margin unit →
#: the mechanism of those rows beside the plain one ("": over-voltage, loading)
C12_JUDGED = {"pu": "under-voltage", "%": "", MarginUnit.UNBALANCE_PERCENT.value: ""}
_C12 = "C12"
#: The candidate's column naming the finding's headline row where the judged row is another
#: ("" where it is the headline row).
HEADLINE_COLUMN = "headline_row"
#: The columns whose rows :func:`protv2g.findings_rows.collapse` keeps as one evidence row
#: (with the margin to 6 decimals and the scenario's participation and export level).
_COLLAPSED = ("status", "attribution", "fault_bus", "fault_type", "case", "device",
              "other_device")
#: The tie-breaking names of :func:`protv2g.findings.build_findings`' ``worst_order``.
_NAMES = ("scenario", "fault_bus", "fault_type", "case", "device", "other_device")


def _text(values: pd.Series) -> np.ndarray:
    return np.array([str(v) if is_given(v) else "" for v in values], dtype=object)


def _where(row: pd.Series) -> str:
    """"SLG LAT2-B2 min, low/light/100%" (a fault row) or the scenario (a flow row)."""
    fault = " ".join(str(row.get(k) or "") for k in ("fault_type", "fault_bus", "case")
                     if is_given(row.get(k))).strip()
    scen = str(row.get("scenario") or "")
    return f"{fault}, {scen}" if fault else scen


def candidates(violations: pd.DataFrame, scenarios: Sequence[Scenario],
               coordination: pd.DataFrame | None, max_findings: int, *, flow: bool = False,
               criterion: str = _FLOW_CRITERION) -> pd.DataFrame:
    """Per finding key with a V2G row (fail/warn, ``new``/``worse``, a fault row naming a
    device; ``flow``: a C8 row, no fault, naming a device) in a scenario where ≥ 2 sites
    export (``flow``: or ≥ 2 sites charge, C8's charging snapshots; ``criterion`` "C12": its
    bus-voltage rows, over and under, and its unbalance rows (% VUF), naming a bus, and its
    loading rows, in %, naming a branch, :data:`C12_JUDGED`), the row to judge: its
    headline row where that is in such a scenario, else its worst row there (module
    docstring; :data:`HEADLINE_COLUMN` then names the headline row); at most
    ``max_findings``, worst first."""
    by_name = {sc.name: sc for sc in scenarios}
    multi = {sc.name for sc in scenarios
             if not sc.is_base and (sum(st.p_export_kw > 0 for st in sc.sites) >= 2
                                    or flow and sum(st.p_export_kw < 0 for st in sc.sites) >= 2)}
    need = {"status", "attribution", "scenario", "fault_bus", "fault_type", "case", "device",
            "margin"}
    if not multi or violations is None or not len(violations) or not need <= set(
            violations.columns):
        return pd.DataFrame()
    # the masks on each column's categories, never the rows' texts (10⁵–10⁶ rows)
    mask = np.ones(len(violations), dtype=bool)
    for col, ok in (("status", _JUDGED), ("attribution", _MOVED)):
        mask &= violations[col].astype(object).isin(ok).to_numpy()
    if flow:
        mask &= violations["criterion"].astype(object).eq(criterion).to_numpy()
    c12 = flow and criterion == _C12
    if c12:  # a bus's voltage (pu) or unbalance (% VUF), a branch's loading (%): not reverse
        # power
        unit = violations["margin_unit"].astype(object).to_numpy()
        mech = (violations["mechanism"].astype(object).fillna("").to_numpy()
                if "mechanism" in violations.columns else np.full(len(violations), ""))
        mask &= np.isin(unit, list(C12_JUDGED)) & np.isin(mech, ["", *C12_JUDGED.values()])
    if not mask.any():
        return pd.DataFrame()
    rows = violations.iloc[np.flatnonzero(mask)]
    given = np.ones(len(rows), dtype=bool)
    for col in ("fault_bus", "fault_type", "case", "device"):  # a fault row naming a device
        if flow and col != "device":  # C8's rows: no fault
            continue
        if c12:  # a voltage row names its bus (no device), a loading row its branch
            break
        given &= np.array([is_given(v) and str(v) != "" for v in rows[col]], dtype=bool)
    on_bus = rows["fault_bus"].map(lambda v: is_given(v) and str(v) != "").to_numpy(bool)
    if c12:
        named = rows["device"].map(lambda v: is_given(v) and str(v) != "").to_numpy(bool)
        volt = rows["margin_unit"].astype(str).isin(  # a bus's voltage or its unbalance
            [MarginUnit.PER_UNIT.value, MarginUnit.UNBALANCE_PERCENT.value]).to_numpy()
        given &= np.where(volt, on_bus & ~named, named & ~on_bus)
    elif flow:
        given &= ~on_bus
    rows = rows[given]
    if not len(rows):
        return pd.DataFrame()
    keys = finding_keys(rows, coordination)
    rows = rows.assign(**{c: keys[c].to_numpy() for c in KEY_COLUMNS})
    key = [c for c in KEY_COLUMNS if c in rows.columns]
    scen = rows["scenario"].astype(str)
    if not scen.isin(multi).any():
        return pd.DataFrame()
    # a day's step (no static scenario) keeps its scenario apart, as ``collapse`` does
    rows = rows.assign(
        _multi=scen.isin(multi).to_numpy(),
        _part=scen.map(lambda s: str(by_name[s].participation) if s in by_name else s
                       ).to_numpy(),
        _exp=scen.map(lambda s: str(by_name[s].export_level) if s in by_name else s
                      ).to_numpy(),
        _m6=pd.to_numeric(rows["margin"], errors="coerce").round(6).to_numpy())
    # rows apart only in load level are one evidence row, the first of them (``collapse``)
    rows = rows.drop_duplicates([*key, *_COLLAPSED, "_part", "_exp", "_m6"])
    # the total export of the result's scenario table (NaN: a charging snapshot, a day)
    p_kw = scen.loc[rows.index].map(lambda s: (
        sum(st.p_export_kw for st in by_name[s].sites)
        if s in by_name and not s.startswith(CHARGING_SNAPSHOT_PREFIX) else np.nan)
        ).to_numpy(float)
    order = worst_order(
        pd.to_numeric(rows["margin"], errors="coerce").to_numpy(float),
        np.array([STATUS_ORDER.get(str(s), 9) for s in rows["status"]], dtype=np.int64),
        p_kw, tuple(_text(rows[c]) for c in _NAMES if c in rows.columns))
    rows = rows.iloc[order]
    heads = rows.drop_duplicates(key)  # each finding's headline row
    judged = rows[rows["_multi"]].drop_duplicates(key)  # its first row in a multi scenario
    head_of = {tuple(h[c] for c in key): h for _, h in heads.iterrows()}
    notes = []
    for _, r in judged.iterrows():
        h = head_of[tuple(r[c] for c in key)]
        why = ("fewer than two sites export or charge there" if str(h["scenario"]) in by_name
               else "a day's step, not solved per site")
        notes.append("" if h.name == r.name else f"{_where(h)}: {why}")
    judged = judged.assign(**{HEADLINE_COLUMN: notes})
    # worst first by the judged rows' margins (the cap keeps the worst findings)
    m = pd.to_numeric(judged["margin"], errors="coerce").fillna(np.inf)
    judged = judged.assign(_m=m.to_numpy()).sort_values("_m", kind="stable")
    return judged.drop(columns=["_multi", "_part", "_exp", "_m6"]).head(
        max_findings).reset_index(drop=True)


def headline_note(headline: str) -> str:
    """The clause a driver text ends with where the row judged is not the finding's headline
    row (``headline``: that row's fault and scenario, :data:`HEADLINE_COLUMN`)."""
    return (f"; judged at the worst row where two or more sites export or charge, not at "
            f"the finding's headline row ({headline})")
