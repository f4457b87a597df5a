"""Checks of a pandapower net's short-circuit data, collecting every problem at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandapower as pp
import pandas as pd

from protv2g.errors import Issue
from protv2g.units import Case, Method

__all__ = ["check_devices", "check_sc_data"]

_FILE = "net"


def _missing(df: pd.DataFrame, table: str, cols: Iterable[str], why: str,
             fix: str = "") -> list[Issue]:
    issues = []
    for col in cols:
        if col not in df.columns:
            issues.append(Issue(_FILE, f"{table}.{col}", f"missing ({why})", fix))
            continue
        vals = df[col]
        bad = vals.isna() if vals.dtype == object else ~np.isfinite(vals.astype(float))
        if bad.any():
            where = ", ".join(str(i) for i in df.index[bad.values][:10])
            issues.append(Issue(_FILE, f"{table}.{col}", f"NaN/missing at index {where} ({why})",
                                fix))
    return issues


def check_sc_data(net: pp.pandapowerNet, cases: Iterable[Case], method: Method,
                  zero_sequence: bool) -> list[Issue]:
    """Every missing or invalid short-circuit field needed for ``cases`` (empty list: fine).

    Parameters
    ----------
    net : pandapowerNet
    cases : iterable of Case
    method : Method
    zero_sequence : bool
        SLG or LLG faults requested (zero-sequence data needed).

    Returns
    -------
    list of Issue
    """
    issues: list[Issue] = []
    eg = net.ext_grid[net.ext_grid.in_service.values.astype(bool)]
    if len(eg) == 0:
        issues.append(Issue(_FILE, "ext_grid", "no in-service external grid (source)",
                            "add an ext_grid with short-circuit data"))
    for case in cases:
        s = case.value
        issues += _missing(eg, "ext_grid", [f"s_sc_{s}_mva", f"rx_{s}"],
                           f"source impedance, {s} case",
                           f"set net.ext_grid['s_sc_{s}_mva'] and ['rx_{s}']")
        if f"s_sc_{s}_mva" in eg.columns:
            bad = eg[f"s_sc_{s}_mva"].astype(float) <= 0
            if bad.any():
                issues.append(Issue(_FILE, f"ext_grid.s_sc_{s}_mva", "must be > 0"))
        if zero_sequence:
            issues += _missing(eg, "ext_grid", [f"x0x_{s}", f"r0x0_{s}"],
                               f"zero-sequence source impedance needed for SLG/LLG, {s} case",
                               f"set net.ext_grid['x0x_{s}'] and ['r0x0_{s}']")
    line = net.line[net.line.in_service.values.astype(bool)]
    if len(line):
        issues += _missing(line, "line", ["r_ohm_per_km", "x_ohm_per_km", "length_km"],
                           "positive-sequence impedance")
        if not issues or all(not i.field.startswith("line.") for i in issues):
            z = np.hypot(line.r_ohm_per_km.astype(float), line.x_ohm_per_km.astype(float))
            zero_z = (z * line.length_km.astype(float)) <= 0
            if zero_z.any():
                where = ", ".join(str(i) for i in line.index[zero_z.values][:10])
                issues.append(Issue(_FILE, "line.r_ohm_per_km/x_ohm_per_km",
                                    f"zero impedance at index {where}",
                                    "use a bus-bus switch for a zero-impedance connection"))
        if zero_sequence:
            issues += _missing(line, "line", ["r0_ohm_per_km", "x0_ohm_per_km", "c0_nf_per_km"],
                               "zero-sequence impedance needed for SLG/LLG",
                               "set net.line r0_ohm_per_km, x0_ohm_per_km, c0_nf_per_km")
        if Case.MIN in cases and method is Method.IEC60909:
            issues += _missing(line, "line", ["endtemp_degree"],
                               "conductor end temperature for the min case (IEC 60909-0 §5.4)",
                               "set net.line['endtemp_degree'], e.g. 80 (overhead) or 160")
    trafo = net.trafo[net.trafo.in_service.values.astype(bool)]
    if len(trafo):
        issues += _missing(trafo, "trafo", ["vk_percent", "vkr_percent", "sn_mva"],
                           "transformer impedance")
        if "vk_percent" in trafo.columns:
            bad = trafo.vk_percent.astype(float) <= 0
            if bad.any():
                issues.append(Issue(_FILE, "trafo.vk_percent", "must be > 0"))
        if zero_sequence:
            issues += _missing(trafo, "trafo", ["vector_group"],
                               "winding connection needed for SLG/LLG", "e.g. 'Dyn'")
            issues += _missing(trafo, "trafo",
                               ["vk0_percent", "vkr0_percent", "mag0_percent", "mag0_rx",
                                "si0_hv_partial"],
                               "zero-sequence transformer data needed for SLG/LLG",
                               "e.g. vk0_percent = vk_percent, vkr0_percent = vkr_percent, "
                               "si0_hv_partial = 0.9, mag0_rx = 0 and mag0_percent the unit's "
                               "zero-sequence magnetising impedance: large (e.g. 1e5) for a "
                               "shell-type unit or a line regulator, about 100 for a three-limb "
                               "core (a low value makes a YNyn unit a grounding bank)")
    return issues


def check_devices(net: pp.pandapowerNet, devices: Sequence) -> list[Issue]:
    """Every problem of the device terminals (:class:`~protv2g.engine.study.DeviceTerminal`:
    unique names, known element and index, ``bus`` an end of the element)."""
    issues = []
    seen = set()
    for i, d in enumerate(devices):
        where = f"devices[{i}] ({d.name})"
        if d.name in seen:
            issues.append(Issue("devices", where, "duplicate device name"))
        seen.add(d.name)
        if d.element not in ("line", "trafo"):
            issues.append(Issue("devices", where, f"unknown element {d.element!r}",
                                "use 'line' or 'trafo'"))
            continue
        table = net[d.element]
        if d.element_index not in table.index:
            issues.append(Issue("devices", where, f"unknown {d.element} {d.element_index}"))
            continue
        ends = ("from_bus", "to_bus") if d.element == "line" else ("hv_bus", "lv_bus")
        if int(d.bus) not in {int(table.at[d.element_index, e]) for e in ends}:
            issues.append(Issue("devices", where,
                                f"bus {d.bus} is not an end of {d.element} {d.element_index}"))
    return issues
