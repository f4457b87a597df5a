"""The workbook's layout: sheet order, and what each sheet reads from a ``StudyResult``.

This is the contract between the report and the stages that fill ``StudyResult``. A data
sheet reads one ``StudyResult`` field (``source="field:violations"``) or one entry of
``StudyResult.tables`` (``source="tables:Coordination"``). ``columns`` lists the columns the
report expects (units in the names); a table may carry more, which are written after them.
When a source is absent the sheet is still written, with the expected header and one line
saying why it is empty: ``result.meta["not_computed"][sheet]`` when the runner gives a
reason, else a default that names the missing key.

Examples
--------
>>> [s.title for s in DATA_SHEETS][:3]
['Violations', 'Coordination', 'Fault currents']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from protv2g.violations import SCENARIO_COLUMNS, STATUS_ORDER, VIOLATION_COLUMNS

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.result import StudyResult

__all__ = ["SheetSpec", "DATA_SHEETS", "SHEET_ORDER", "TCC_PAIRS", "TCC_CHAINS", "FEEDER",
           "sheet_frame", "STATUS_ORDER", "sort_violations"]

#: Title of the sheets holding pictures.
TCC_PAIRS = "TCC pairs"
TCC_CHAINS = "TCC chains"
FEEDER = "Feeder plot"


@dataclass(frozen=True)
class SheetSpec:
    """One data sheet: its title, where its rows come from, and the columns expected."""

    title: str
    source: str
    columns: tuple[str, ...]
    description: str


DATA_SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("Violations", "field:violations", tuple(VIOLATION_COLUMNS),
              "one row per violation, sorted by status then margin; link to its TCC"),
    SheetSpec("Coordination", "tables:Coordination",
              ("criterion", "scenario", "fault_bus", "fault_type", "case", "primary", "backup",
               "i_primary_a", "i_backup_a", "t_primary_s", "t_backup_s", "margin_s",
               "required_s", "status"),
              "every primary/backup pair evaluated, with margins (status 'ok' when met)"),
    SheetSpec("Fault currents", "field:fault_currents",
              ("scenario", "bus", "bus_name", "fault_type", "case", "ikss_ka", "ikss_degree"),
              "bus × fault type × case × scenario"),
    SheetSpec("Device duty", "tables:Device duty",
              ("device", "kind", "scenario", "fault_bus", "fault_type", "case", "i_max_ka",
               "interrupting_rating_ka", "duty_percent", "i_base_ka", "increase_percent",
               "severity"),
              "max fault current through each device vs its interrupting rating"),
    SheetSpec("Directional", "tables:Directional",
              ("device", "element", "scenario", "fault_bus", "fault_type", "case",
               "true_direction", "declared_direction", "wrong_direction", "v_polarising_pu",
               "low_polarising", "i_operating_a", "angle_degree"),
              "what each 67/67N/32 element declares for each fault, and the true direction"),
    SheetSpec("Flow", "tables:Flow",
              ("scenario", "step", "time_h", "device", "kind", "i_a", "p_mw", "q_mvar",
               "direction", "reverse_flow", "loading_percent", "vm_pu"),
              "reverse flow, voltage and loading by scenario and step"),
    SheetSpec("Hosting capacity", "tables:Hosting capacity",
              ("site", "participation", "load_level", "hosting_kw", "hosting_chargers",
               "limiting_criterion", "limiting_device", "limiting_fault", "site_max_kw",
               "limited", "note"),
              "largest export per site, participation and load level before the first "
              "failing violation, and what limits it"),
    SheetSpec("Scenarios", "field:scenarios", tuple(SCENARIO_COLUMNS),
              "scenarios run (one p_<site>_kw column per V2G site)"),
    SheetSpec("Settings", "field:settings",
              ("device", "kind", "element", "element_index", "bus", "curve_sources"),
              "every device as used, curve names and their sources"),
    SheetSpec("Inputs", "inputs", ("key", "value"),
              "the validated study document, one row per field path"),
    SheetSpec("Feeder buses", "tables:Feeder buses", ("bus", "name", "vn_kv", "is_source"),
              "feeder buses (from report.feeder_graph.feeder_tables)"),
    SheetSpec("Feeder branches", "tables:Feeder branches",
              ("element", "element_index", "name", "from_bus", "to_bus", "length_km",
               "in_service"),
              "feeder lines, transformers and closed bus-bus switches"),
)

#: Every sheet, in order; extra ``tables`` entries not named here go before "Scenarios".
SHEET_ORDER: tuple[str, ...] = ("Summary", *(s.title for s in DATA_SHEETS),
                                TCC_PAIRS, TCC_CHAINS, FEEDER)


def _flatten(value: object, prefix: str = "") -> list[tuple[str, object]]:
    """Study document as (field path, value) rows: ``devices[0].pickup_a``."""
    if isinstance(value, dict):
        out: list[tuple[str, object]] = []
        for key, item in value.items():
            out += _flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        out = []
        for i, item in enumerate(value):
            out += _flatten(item, f"{prefix}[{i}]")
        return out
    return [(prefix, ", ".join(map(str, value)) if isinstance(value, list) else value)]


def _ordered(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    first = [c for c in columns if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


def sort_violations(frame: pd.DataFrame) -> pd.DataFrame:
    """Violations by status (fail, not_evaluated, warn, info, not_applicable, other) then
    margin (smallest first)."""
    if frame.empty or "status" not in frame.columns:
        return frame.reset_index(drop=True)
    rank = frame["status"].map(lambda s: STATUS_ORDER.get(str(s), 9))
    margin = (pd.to_numeric(frame["margin"], errors="coerce") if "margin" in frame.columns
              else pd.Series(0.0, index=frame.index))
    keys = pd.DataFrame({"rank": rank, "margin": margin, "pos": range(len(frame))},
                        index=frame.index)
    order = keys.sort_values(["rank", "margin", "pos"], na_position="last").index
    return frame.loc[order].reset_index(drop=True)


def sheet_frame(result: StudyResult, spec: SheetSpec) -> tuple[pd.DataFrame, str | None]:
    """The rows of one data sheet, and a note when there are none.

    Returns
    -------
    frame : DataFrame
        Expected columns first (in ``spec.columns`` order), then any others.
    note : str or None
        ``"not computed in this run: <why>"`` when the source is absent; another short
        note when it is present but empty; ``None`` otherwise.
    """
    kind, _, key = spec.source.partition(":")
    frame: pd.DataFrame | None
    if kind == "field":
        frame = getattr(result, key, None)
    elif kind == "tables":
        frame = result.tables.get(key)
    elif kind == "inputs":
        document = result.inputs.get("document")
        frame = (pd.DataFrame(_flatten(document), columns=["key", "value"])
                 if document else None)
    else:  # pragma: no cover - SheetSpec literals above
        raise ValueError(f"unknown sheet source {spec.source!r}")
    reasons = result.meta.get("not_computed", {}) or {}
    if frame is None:
        where = f"result.tables[{key!r}]" if kind == "tables" else f"result.{key or kind}"
        why = reasons.get(spec.title, f"this stage is not in the run ({where} is absent)")
        return pd.DataFrame(columns=list(spec.columns)), f"not computed in this run: {why}"
    frame = _ordered(frame, spec.columns)
    if spec.title == "Violations":
        frame = sort_violations(frame)
    if not frame.empty:
        return frame, None
    if spec.title in reasons:
        return frame, f"not computed in this run: {reasons[spec.title]}"
    if spec.title == "Violations":
        gate = (result.meta.get("gate") or {}).get("verdict")
        if gate:
            return frame, f"no violations (gate verdict {gate})"
        return frame, ("no violation rows; the gate was not evaluated, so this does not show "
                       "that the checks ran")
    return frame, "no rows in this run"
