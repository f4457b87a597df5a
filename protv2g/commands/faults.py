"""``protv2g faults``: bus fault currents of a feeder model for every fault type and case.

Examples
--------
::

    protv2g faults feeder.json --csv reports/faults.csv
    protv2g faults feeder.json -o reports/faults.xlsx --method classical --r-fault-ohm 30 \
        --fault-types SLG LLG --cases min

SOURCE is a pandapower JSON network. Static generators with a ``k`` column are treated as
chargers (current limit ``k`` × ``sn_mva``); the study then has a ``base`` scenario without
them and a ``v2g`` scenario with them. Exit codes: 0 success, 2 bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandapower as pp
import pandas as pd

from protv2g.engine import ChargerSource, fault_study
from protv2g.errors import InputError, Issue
from protv2g.units import Case, FaultType, Method

__all__ = ["register", "run"]

CSV_COLUMNS = ["scenario", "bus", "fault_type", "case", "ikss_ka", "ikss_degree", "i3i0_ka",
               "i3i0_degree", "ia_ka", "ia_degree", "ib_ka", "ib_degree", "ic_ka", "ic_degree"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``faults`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "faults", help="fault currents at every bus (3ph, LL, SLG, LLG; max and min case)",
        description="Fault currents at every bus of a feeder model for every fault type and "
                    "case; sgens with a 'k' column are chargers (a 'v2g' scenario).")
    p.add_argument("source", metavar="SOURCE", help="pandapower JSON network")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="OUT.csv", help="write the bus results as CSV")
    out.add_argument("-o", "--output", metavar="OUT.xlsx", help="write an Excel workbook")
    p.add_argument("--method", choices=[m.value for m in Method], default=Method.IEC60909.value)
    p.add_argument("--r-fault-ohm", type=float, default=0.0, metavar="R",
                   help="fault resistance per faulted phase, Ω (default 0)")
    p.add_argument("--r-fault-min-ohm", type=float, default=None, metavar="R",
                   help="fault resistance of ground faults in the min case, Ω (e.g. 30)")
    p.add_argument("--fault-types", nargs="+", choices=[f.value for f in FaultType],
                   default=[f.value for f in FaultType])
    p.add_argument("--cases", nargs="+", choices=[c.value for c in Case],
                   default=[c.value for c in Case])
    p.set_defaults(func=run)


def _load_source(path: str | Path) -> tuple[pp.pandapowerNet, dict[str, list[ChargerSource]]]:
    """Network and charger scenarios from SOURCE (the single place to add file kinds).

    Returns
    -------
    (net, scenarios)
        ``scenarios`` maps a name to chargers; ``{}`` when the model has none.

    Raises
    ------
    InputError
        Missing or unreadable file, unknown file kind.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(Issue(str(path), "", "file not found"))
    if path.suffix.lower() != ".json":
        raise InputError(Issue(str(path), "", f"unknown file kind {path.suffix!r}",
                               "give a pandapower JSON network (.json)"))
    try:
        net = pp.from_json(str(path))
    except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
        raise InputError(Issue(str(path), "", f"not a pandapower JSON network ({exc})")) from exc
    chargers = []
    if len(net.sgen) and "k" in net.sgen.columns:
        sg = net.sgen[net.sgen.in_service.values.astype(bool) & net.sgen.k.notna().values]
        for i, row in sg.iterrows():
            name = str(row["name"]) if isinstance(row.get("name"), str) else f"sgen{i}"
            chargers.append(ChargerSource(name, int(row.bus), float(row.sn_mva),
                                          limit_pu=float(row.k), p_pre_mw=float(row.p_mw),
                                          q_pre_mvar=float(row.q_mvar)))
    return net, ({"base": [], "v2g": chargers} if chargers else {})


def run(args: argparse.Namespace) -> int:
    """Handler of ``protv2g faults``; returns the exit code."""
    net, scenarios = _load_source(args.source)
    res = fault_study(net, fault_types=[FaultType(f) for f in args.fault_types],
                      cases=[Case(c) for c in args.cases], method=Method(args.method),
                      r_fault_ohm=args.r_fault_ohm, r_fault_min_ohm=args.r_fault_min_ohm,
                      scenarios=scenarios or None)
    df = res.bus.copy()
    df["bus"] = df["bus_name"]
    cols = [c for c in CSV_COLUMNS if c in df.columns]
    if len(res.scenarios) == 1:
        cols.remove("scenario")
    table = df[cols]
    if args.csv:
        Path(args.csv).parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.csv, index=False, float_format="%.6g")
        print(f"{len(table)} rows -> {args.csv}")
    elif args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        with pd.ExcelWriter(args.output) as xw:
            table.to_excel(xw, sheet_name="bus_faults", index=False)
            if len(res.charger):
                res.charger.to_excel(xw, sheet_name="chargers", index=False)
        print(f"{len(table)} rows -> {args.output}")
    else:
        summary = table.groupby([c for c in ("scenario", "case", "fault_type") if c in table])
        print(summary["ikss_ka"].agg(["min", "max"]).round(4).to_string())
    return 0
