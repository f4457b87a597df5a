"""Dangling references of a pandapower net: an element naming a bus (or a switch naming an
element) its table does not hold.

pandapower reads such a file without complaint and fails later, deep in its own code (review
rev43b F1: a line's ``to_bus`` 7 in a four-bus net → ``IndexError`` in ``build_branch``, an
open switch on line 9 of three → ``KeyError: 9``, a load on bus 9 silently dropped; exit 1, the
failed-gate code). :func:`reference_issues` lists every one, with its table, row, column and
value, where the net is loaded (:func:`protv2g.network.sources.load_pandapower_json`) and
where validation reads its tables (:mod:`protv2g.network.json_tables`), so the file is refused
as bad input (exit 2) before any engine sees it.

On a pandapower net (the full load) the bus columns pandapower's own diagnostic covers are
checked by it (:data:`LIBRARY_COLUMNS`: ``pandapower.diagnostic.diagnostic_functions.
MissingBusIndices``, pandapower 3.5); the other tables (impedance, asymmetric loads and sgens,
motors, storage, shunts, wards) and a switch's line or transformer ``element``, which it does
not check, by this module. Measured at 10,000 buses (9,998 lines, 4,902 loads, load 14 on 2
cores): the library's check 0.32-0.34 s CPU (it walks the rows with ``iterrows``), this
module's 0.6 ms. Validation's table read (:mod:`protv2g.network.json_tables`, no pandapower)
keeps this module's check for every table: importing pandapower for it costs ≈ 2.2 s CPU,
about twice the whole ``validate`` of the depot study (1.2 s; #21: ``validate`` on a
pandapower JSON feeder starts without the engine).

Examples
--------
>>> for issue in reference_issues(net, "net.json", ""):  # doctest: +SKIP
...     print(issue)
net.json: line 'L2' (row 1).to_bus: 7 is not a bus of the net (bus table rows 0–3). Fix: …
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from protv2g.errors import Issue

__all__ = ["BUS_COLUMNS", "LIBRARY_COLUMNS", "SWITCH_ELEMENT_TABLES", "reference_issues"]

#: The bus columns of each element table (pandapower's element tables, ``pp.create_*``).
BUS_COLUMNS: dict[str, tuple[str, ...]] = {
    "line": ("from_bus", "to_bus"),
    "trafo": ("hv_bus", "lv_bus"),
    "trafo3w": ("hv_bus", "mv_bus", "lv_bus"),
    "impedance": ("from_bus", "to_bus"),
    "switch": ("bus",),
    "ext_grid": ("bus",),
    "gen": ("bus",),
    "sgen": ("bus",),
    "load": ("bus",),
    "asymmetric_load": ("bus",),
    "asymmetric_sgen": ("bus",),
    "motor": ("bus",),
    "storage": ("bus",),
    "shunt": ("bus",),
    "ward": ("bus",),
    "xward": ("bus",),
}
#: A switch's ``element`` by its ``et``: the table it indexes.
SWITCH_ELEMENT_TABLES: dict[str, str] = {"b": "bus", "l": "line", "t": "trafo", "t3": "trafo3w"}
#: The bus columns pandapower's ``MissingBusIndices`` checks (pandapower 3.5's
#: ``diagnostic_functions``), and a bus-bus switch's ``element``: on a full net it judges them.
LIBRARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "ext_grid": ("bus",), "load": ("bus",), "gen": ("bus",), "sgen": ("bus",),
    "trafo": ("hv_bus", "lv_bus"), "trafo3w": ("hv_bus", "mv_bus", "lv_bus"),
    "switch": ("bus",), "line": ("from_bus", "to_bus")}


def _table(net: Any, name: str) -> pd.DataFrame | None:
    table = getattr(net, name, None)
    return table if isinstance(table, pd.DataFrame) and len(table) else None


def _missing(values: pd.Series, index: pd.Index) -> np.ndarray:
    """Rows whose value is not an index of ``index`` (a missing or non-integer value too)."""
    numeric = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    whole = np.isfinite(numeric) & (numeric == np.round(numeric))
    known = np.zeros(len(values), dtype=bool)
    known[whole] = pd.Index(numeric[whole].astype(np.int64)).isin(index)
    return ~known


def _row(table: pd.DataFrame, name: str, i: int, idx: Any) -> str:
    """``line 'L2' (row 1)`` or ``load (row 0)``: the element as the user finds it."""
    label = table["name"].iloc[i] if "name" in table.columns else None
    named = isinstance(label, str) and label.strip()
    return f"{name} {label!r} (row {idx})" if named else f"{name} (row {idx})"


def _span(index: pd.Index) -> str:
    if not len(index):
        return "none"
    return (f"{len(index)} rows, indices {index.min()}–{index.max()}" if len(index) > 1
            else f"one row, index {index[0]}")


def _library_missing(net: Any) -> dict[tuple[str, str], np.ndarray]:
    """Positions of the rows pandapower's ``MissingBusIndices`` finds, by (table, column):
    :data:`LIBRARY_COLUMNS`, and ``("switch", "element")`` for a bus-bus switch."""
    from pandapower.diagnostic.diagnostic_functions import MissingBusIndices

    found: dict[tuple[str, str], list] = {}
    for name, hits in (MissingBusIndices().diagnostic(net) or {}).items():
        for idx, column, _value in hits:
            found.setdefault((name, column), []).append(idx)
    out = {}
    for (name, column), labels in found.items():
        table = net[name]
        pos = table.index.get_indexer(labels)
        if (name, column) == ("switch", "element"):  # the library's: et "b" (and unknown ets)
            pos = pos[table["et"].astype(str).to_numpy()[pos] == "b"]
        out[(name, column)] = np.sort(pos)
    return out


def reference_issues(net: Any, file: str, field: str, library: bool = False) -> list[Issue]:
    """Every dangling reference of ``net``'s element tables, one issue each.

    Parameters
    ----------
    net : pandapowerNet or FeederTables
        Any object with the tables as attributes (a missing or empty table is skipped).
    file, field : str
        Where the net came from: the issue's file, and the field its table paths follow
        (``"feeder.pandapower_json (net.json)"`` in a study, ``""`` for the net file itself).
    library : bool
        ``net`` is a pandapowerNet: the columns pandapower's diagnostic covers are judged by
        it (module docstring), the rest here, in the same words.

    Returns
    -------
    list of Issue
        Field path ``<table> '<name>' (row <index>).<column>``, the value and the table it
        should index, and the fix (set it to a row of that table, or remove the element).
    """
    bus = getattr(net, "bus", None)
    if not isinstance(bus, pd.DataFrame):
        return []
    prefix = f"{field}: " if field else ""
    issues = []

    def add(table: pd.DataFrame, name: str, i: int, column: str, target: str,
            index: pd.Index) -> None:
        idx = table.index[i]
        value = table[column].iloc[i]
        shown = "missing" if pd.isna(value) else repr(getattr(value, "item", lambda: value)())
        issues.append(Issue(file, f"{prefix}{_row(table, name, i, idx)}.{column}",
                            f"{shown} is not a {target} of the net (its {target} table has "
                            f"{_span(index)}); pandapower fails on such a reference or drops "
                            f"the element",
                            f"set {name}.{column} at row {idx} to a row of net.{target} "
                            f"(net.{target}.index) or remove the {name}, and export the net again"))

    by_library = {}
    if library:
        try:
            by_library = _library_missing(net)
        except Exception:  # noqa: BLE001 - a net the diagnostic cannot walk: judged here
            library = False
    for name, columns in BUS_COLUMNS.items():
        table = _table(net, name)
        if table is None:
            continue
        for column in columns:
            if column not in table.columns:
                continue
            rows = (by_library.get((name, column), ()) if column in LIBRARY_COLUMNS.get(
                name, ()) and library else np.flatnonzero(_missing(table[column], bus.index)))
            for i in rows:
                add(table, name, int(i), column, "bus", bus.index)
    switch = _table(net, "switch")
    if switch is not None and {"et", "element"} <= set(switch.columns):
        et = switch["et"].astype(str).to_numpy()
        for kind, target in SWITCH_ELEMENT_TABLES.items():
            rows = np.flatnonzero(et == kind)
            if not len(rows):
                continue
            table = getattr(net, target, None)
            index = table.index if isinstance(table, pd.DataFrame) else pd.Index([])
            hit = (by_library.get(("switch", "element"), ()) if library and kind == "b"
                   else rows[_missing(switch["element"].iloc[rows], index)])
            for i in hit:
                add(switch, "switch", int(i), "element", target, index)
    return issues
