"""``protv2g faults``: bus fault currents of a feeder model for every fault type and case.

Examples
--------
::

    protv2g faults feeders/depot_two_feeder/study.yaml --csv reports/faults.csv
    protv2g faults feeder.json -o reports/faults.xlsx --method classical --r-fault-ohm 30 \
        --fault-types SLG LLG --cases min
    protv2g faults ../shared/feeders/opendss/37Bus/ieee37.dss --method classical
    protv2g faults feeder.json --method classical --prefault power_flow

    protv2g faults ../shared/feeders/opendss/real/IEEE8500/Master.dss \
        --redirect ../shared/feeders/opendss/real/IEEE8500/Fuses.DSS -o reports/8500.xlsx

SOURCE is a study file (``.yaml``: its fault settings, devices and V2G scenarios; options given
on the command line override the study's), a pandapower JSON network (loaded without importing
anything the file names) or an OpenDSS master file (``.dss``, bus names as in the model). In a
network file, static generators with a ``k`` column are chargers (current limit ``k`` ×
``sn_mva``): the run then has a ``base`` scenario without them and a ``v2g`` scenario with them.
``--prefault`` chooses the classical method's pre-fault state on every kind of SOURCE (#20 item
6): the open-circuit voltages (default) or the power flow's; with ``iec60909`` it is refused.

An OpenDSS master runs through the phase-domain path (:mod:`protv2g.engine.phase` on the network
OpenDSS itself builds, :mod:`protv2g.network.dss_model`): faults on each bus's own phases (a
``phase`` column), primary buses (above 1 kV) by default, ``--secondaries`` for all; buses with
no path to a source are listed as de-energised (0 A). With ``-o`` the workbook also has, for
each of the model's fuses, reclosers and relays, case and fault type, the largest phase current
and ``|3·I0|`` over all faults and where each occurs ("Devices"; the full device-by-fault table
is ``PhaseFaultResult.device`` in a script), and what was changed or left out of the script
("Model notes", with the fault buses that have no path to ground and why). The model's PV
systems, storage units and ``Generator`` elements of ``model=7`` are current-limited
inverters by the chargers' control law in the maximum case and out of the minimum case,
exactly as a study on that model has them (one code path,
:func:`protv2g.api.dss_fault_study`), not OpenDSS's fault-study elements (a PVSystem as the
negative of its Thevenin admittance, a model-7 unit behind ``Xdp``); the command prints how
each existing source was treated, in the words of the study's "Existing sources" sheet (a
sheet of that name with ``-o``).
Exit codes: 0 success, 2 bad input, 130/143 stopped by Ctrl-C/SIGTERM (one line says what was
written: nothing — an earlier file at the target kept unchanged — or, stopped after it was
complete, that it is).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd
from openpyxl import Workbook

from protv2g.api import dss_existing_sources, dss_fault_study, fault_study
from protv2g.engine import ChargerSource
from protv2g.engine.result import with_dead_rows
from protv2g.errors import InputError, Issue
from protv2g.network.sources import load_pandapower_json
from protv2g.report.atomic import atomic_set, atomic_target
from protv2g.report.excel import save_workbook_atomic
from protv2g.report.plain_sheets import write_sheets
from protv2g.runner import dead_buses
from protv2g.study import Study, load_study
from protv2g.study.unit_slips import model_unit_slip_warnings
from protv2g.units import Case, FaultType, Method

__all__ = ["register", "run"]

CSV_COLUMNS = ["scenario", "bus", "fault_type", "case", "phase", "energized", "ikss_ka",
               "ikss_degree", "i3i0_ka", "i3i0_degree", "ia_ka", "ia_degree", "ib_ka",
               "ib_degree", "ic_ka", "ic_degree"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``faults`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "faults", help="fault currents at every bus (3ph, LL, SLG, LLG; max and min case)",
        description="Fault currents at every bus of a feeder model for every fault type and "
                    "case; sgens with a 'k' column are chargers (a 'v2g' scenario).")
    p.add_argument("source", metavar="SOURCE",
                   help="study file (.yaml), pandapower JSON network or OpenDSS master (.dss)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--csv", metavar="OUT.csv", help="write the bus results as CSV")
    out.add_argument("-o", "--output", metavar="OUT.xlsx", help="write an Excel workbook")
    p.add_argument("--method", choices=[m.value for m in Method], default=None,
                   help="iec60909 (default) or classical; a study's own method otherwise")
    p.add_argument("--r-fault-ohm", type=float, default=None, metavar="R",
                   help="fault resistance per faulted phase, Ω (default 0)")
    p.add_argument("--r-fault-min-ohm", type=float, default=None, metavar="R",
                   help="fault resistance of ground faults in the min case, Ω (e.g. 30)")
    p.add_argument("--fault-types", nargs="+", choices=[f.value for f in FaultType],
                   default=None, help="default: all four (or the study's)")
    p.add_argument("--cases", nargs="+", choices=[c.value for c in Case], default=None,
                   help="default: max and min (or the study's)")
    p.add_argument("--prefault", choices=["open_circuit", "power_flow"], default=None,
                   help="pre-fault state of --method classical: the open-circuit voltages "
                        "(default; OpenDSS's fault study) or the power flow's (pandapower's "
                        "on a network or study, OpenDSS's on a master); or the study's")
    dss = p.add_argument_group("OpenDSS masters (.dss)")
    dss.add_argument("--redirect", action="append", default=[], metavar="FILE.dss",
                     help="a further script run after the master (e.g. the IEEE 8500's "
                          "Fuses.DSS); repeatable")
    dss.add_argument("--secondaries", action="store_true",
                     help="fault the secondary (≤ 1 kV) buses too (default: primary buses; "
                          "the secondaries are reduced exactly into the primary)")
    p.set_defaults(func=run)


def _sgen_chargers(net: pp.pandapowerNet) -> dict[str, list[ChargerSource]]:
    """``base`` and ``v2g`` scenarios from sgens with a ``k`` column (``{}`` if none)."""
    chargers = []
    if len(net.sgen) and "k" in net.sgen.columns:
        sg = net.sgen[net.sgen.in_service.values.astype(bool) & net.sgen.k.notna().values]
        for i, row in sg.iterrows():
            name = str(row["name"]) if isinstance(row.get("name"), str) else f"sgen{i}"
            chargers.append(ChargerSource(name, int(row.bus), float(row.sn_mva),
                                          limit_pu=float(row.k), p_pre_mw=float(row.p_mw),
                                          q_pre_mvar=float(row.q_mvar)))
    return {"base": [], "v2g": chargers} if chargers else {}


def _load_source(path: str | Path) -> tuple[pp.pandapowerNet | Study,
                                            dict[str, list[ChargerSource]]]:
    """A study, or a network and its charger scenarios, from SOURCE (the one place to add kinds).

    Raises
    ------
    InputError
        Missing or unreadable file, unknown file kind.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(Issue(str(path), "", "file not found", "check the path"))
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_study(path), {}
    if suffix == ".json":
        net = load_pandapower_json(path, field="")
    else:
        raise InputError(Issue(str(path), "", f"unknown file kind {path.suffix!r}",
                               "give a study (.yaml), a pandapower JSON network (.json) or an "
                               "OpenDSS master file (.dss)"))
    return net, _sgen_chargers(net)


def run(args: argparse.Namespace) -> int:
    """Handler of ``protv2g faults``; returns the exit code."""
    if Path(args.source).suffix.lower() == ".dss":
        return _run_dss(args)
    if args.redirect or args.secondaries:
        raise InputError(Issue(str(args.source), "", "--redirect and --secondaries apply to "
                               "OpenDSS masters (.dss) only",
                               "leave them out for a study or pandapower network"))
    source, scenarios = _load_source(args.source)
    options = _options(args)
    study_faults = source.document.faults if isinstance(source, Study) else None
    _check_prefault(args, study_faults.method if study_faults else Method.IEC60909,
                    study_faults.prefault if study_faults else "open_circuit", options)
    if isinstance(source, Study) and source.model is not None:  # an OpenDSS feeder
        f = source.document.faults
        return _write_phase(args, fault_study(source, **options), source.model, False,
                            method=options.get("method", f.method),
                            r_fault_ohm=options.get("r_fault_ohm", f.r_fault_ohm),
                            x_fault_ohm=f.x_fault_ohm)
    # one path for a bare net and a study's (rev43b F0): the dead buses at 0 A, not a refusal
    live, dead = _energized_buses(source.net if isinstance(source, Study) else source)
    if not isinstance(source, Study):
        options["scenarios"] = scenarios or None
    res = fault_study(source, buses=live, **options)
    df = res.bus.copy()
    df["bus"] = df["bus_name"]
    df["energized"] = True
    if dead:
        df = with_dead_rows(df, dead, dead)
    cols = [c for c in CSV_COLUMNS if c in df.columns]
    if len(res.scenarios) == 1:
        cols.remove("scenario")
    table = df[cols]
    sheets = {"Chargers": res.charger} if len(res.charger) else {}
    _write(args, table, sheets, dead)
    return 0


def _options(args: argparse.Namespace) -> dict:
    """The fault options given on the command line (the others keep their defaults).

    Raises
    ------
    InputError
        A negative or non-finite fault resistance (review rev47b P2: ``--r-fault-min-ohm -15``
        raised the min-case SLG at the depot's F1-B05 from 311 to 522 A; the study file's
        ``faults.r_fault_min_ohm`` refuses the same value).
    """
    bad = [Issue("command line", opt, f"{value:g} Ω; a fault resistance is a finite "
                 "number ≥ 0", f"pass {opt} 0 (a bolted fault) or a positive value, e.g. "
                 f"{opt} 20")
           for opt, value in (("--r-fault-ohm", args.r_fault_ohm),
                              ("--r-fault-min-ohm", args.r_fault_min_ohm))
           if value is not None and not (math.isfinite(value) and value >= 0.0)]
    if bad:
        raise InputError(bad)
    return {k: v for k, v in {
        "fault_types": args.fault_types and [FaultType(f) for f in args.fault_types],
        "cases": args.cases and [Case(c) for c in args.cases],
        "method": args.method and Method(args.method),
        "r_fault_ohm": args.r_fault_ohm,
        "r_fault_min_ohm": args.r_fault_min_ohm,
        "prefault": args.prefault}.items() if v is not None}


def _check_prefault(args: argparse.Namespace, default_method: Method, default_prefault: str,
                    options: dict) -> None:
    """Refuse ``--prefault power_flow`` without the classical method (IEC 60909 has no pre-fault
    state); a study's ``prefault`` is dropped when ``--method iec60909`` overrides its method.

    ``default_method`` / ``default_prefault`` are the source's own (a study's, else the
    defaults); ``options`` (from :func:`_options`) is updated in place.
    """
    method = options.get("method", default_method)
    if method is Method.CLASSICAL:
        return
    if args.prefault not in (None, "open_circuit"):
        raise InputError(Issue(str(args.source), "--prefault", f"--prefault {args.prefault} "
                               f"needs the classical method; {method.value} takes no pre-fault "
                               "state (its equivalent source is c·Un/√3 at the fault)",
                               "add --method classical, or leave --prefault out"))
    if default_prefault != "open_circuit":  # the study's classical state, method overridden
        options["prefault"] = "open_circuit"


def _write(args: argparse.Namespace, table, sheets: dict, dead: list[str]) -> None:  # noqa: ANN001
    """The bus table to ``--csv``, ``-o`` (with further ``sheets``) or a summary on stdout."""
    # each file whole or not at all, the workbook with the tables it spills (a stop or an
    # error part-way leaves the earlier files as they were: :mod:`protv2g.report.atomic`)
    if args.csv:
        path = Path(args.csv)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_target(path, suffix=".csv.tmp") as tmp:
            table.to_csv(tmp, index=False, float_format="%.6g")
        print(f"{len(table)} rows -> {args.csv}")
    elif args.output:
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_set():
            wb = Workbook()
            default = wb.active
            write_sheets(wb, {"Fault currents": table, **sheets}, path)
            wb.remove(default)
            save_workbook_atomic(wb, path)
        print(f"{len(table)} rows -> {path}")
    else:
        live = table[table.energized] if "energized" in table else table
        summary = live.groupby([c for c in ("scenario", "case", "fault_type") if c in live],
                               observed=True)  # categorical keys (#21): rows' groups only
        print(summary["ikss_ka"].agg(["min", "max"]).round(4).to_string())
    _say_dead(dead)


def _energized_buses(net: pp.pandapowerNet) -> tuple[list[int], list[str]]:
    """In-service buses with a path to a source, and the names of the others — the dead
    buses ``run`` reports at 0 A (:func:`protv2g.runner.dead_buses`, one search for both)."""
    dead, names = dead_buses(net)
    in_service = net.bus.index[net.bus.in_service.values.astype(bool)]
    names = [n if n not in ("", "None", "nan") else str(b) for b, n in zip(dead, names,
                                                                           strict=True)]
    return [int(b) for b in in_service if int(b) not in set(dead)], names


def _run_dss(args: argparse.Namespace) -> int:
    """``faults`` on an OpenDSS master: the phase-domain path, the feeder's existing inverters
    as a study on that model has them (:func:`protv2g.api.dss_fault_study`)."""
    from protv2g.engine.phase import model_devices
    from protv2g.network.dss_model import load_dss_model

    path = Path(args.source)
    if not path.is_file():
        raise InputError(Issue(str(path), "", "file not found", "check the path"))
    options = _options(args)
    _check_prefault(args, Method.IEC60909, "open_circuit", options)
    model = load_dss_model(path, redirects=args.redirect)
    devices = model_devices(model) if args.output else []
    res = dss_fault_study(model, devices=devices, secondaries=args.secondaries, **options)
    return _write_phase(args, res, model, bool(devices),
                        method=options.get("method", Method.IEC60909),
                        r_fault_ohm=options.get("r_fault_ohm", 0.0))


def _write_phase(args: argparse.Namespace, res, model, with_devices: bool,  # noqa: ANN001
                 method: Method | str = Method.IEC60909, r_fault_ohm: float = 0.0,
                 x_fault_ohm: float = 0.0) -> int:
    """The phase engine's bus table (and with ``with_devices`` its device summary) written as
    :func:`_write` does, then what the model held; returns the exit code. ``method`` and the
    fault impedance (Ω) are the study's: with IEC 60909 and maximum-case SLG rows, where the
    model's own (classical) SLG current exceeds the IEC maximum materially the warning of
    :mod:`protv2g.study.iec_slg_gap` is printed, as ``validate`` and ``run`` give it (review
    ver46 #2: ``faults`` printed the IEC figure alone)."""
    df = res.bus.copy()
    df["bus"] = df["bus_name"]
    cols = [c for c in CSV_COLUMNS if c in df.columns
            and (c != "scenario" or len(res.scenarios) > 1)]
    table = df[cols]
    dead = sorted(set(df.loc[~df.energized, "bus"]))
    sheets = {}
    if with_devices:
        sheets["Devices"] = res.device_summary.drop(columns="scenario")
    existing = dss_existing_sources(model)
    if len(existing):
        sheets["Existing sources"] = existing
    from protv2g.flow.ungrounded_why import ungrounded_lines, ungrounded_rows

    live = sorted(set(df.loc[df.energized, "bus"]))  # rev43b F3: SLG 0 A said and why
    notes = [n for n in (model.warnings, ungrounded_rows(model, live)) if len(n)]
    if notes:  # … in the workbook too (inp43)
        sheets["Model notes"] = pd.concat(notes, ignore_index=True)
    _write(args, table, sheets, [])
    print(f"{model.name}: {table.bus.nunique()} fault buses ({int(model.buses.primary.sum())} "
          f"primary of {len(model.buses)} in the model)")
    _say_existing(existing)
    _say_dead(dead)
    for line in ungrounded_lines(model, live):
        print(line)
    _say_slips(model)
    _say_slg_gap(model, res.bus, method, r_fault_ohm, x_fault_ohm)
    from protv2g.network.dss_islands import island_sources

    islands = island_sources(model)  # rev41b M4: an island a generator reaches, said so
    if islands:
        fed = sorted({s for v in islands.values() for s in v})
        print(f"of them {len(islands)} in an island fed only by {', '.join(fed)} with no path "
              "to the grid source (OpenDSS: no connection to the source, 0 V and 0 A; "
              "the model notes say more)")
    return 0


def _say_slg_gap(model, bus: pd.DataFrame, method: Method | str, r_fault_ohm: float,  # noqa: ANN001
                 x_fault_ohm: float) -> None:
    """The IEC-maximum SLG warning (:func:`protv2g.study.iec_slg_gap.slg_gaps`) when the
    table holds IEC 60909 maximum-case SLG rows and the model's classical current exceeds them
    materially; silent otherwise."""
    from protv2g.study.iec_slg_gap import gap_text, model_slg_gaps

    if str(getattr(method, "value", method)) != Method.IEC60909.value:
        return
    if not ((bus["fault_type"].astype(str) == "SLG") & (bus["case"].astype(str) == "max")).any():
        return
    gaps = model_slg_gaps(model, r_fault_ohm, x_fault_ohm)
    if gaps is not None and len(gaps):
        what, fix = gap_text(gaps)
        print(f"warning: {what}; fix: {fix}")


def _say_existing(existing, shown: int = 4) -> None:  # noqa: ANN001
    """How the model's existing sources were treated, in the study's words (its "Existing
    sources" table's ``fault_model``): one line per treatment, naming up to ``shown`` units."""
    if not len(existing):
        return
    print(f"existing sources ({len(existing)}), as a study on this model has them:")
    for text, part in existing.groupby("fault_model", sort=False):
        names = [f"{n} ({b}, {k:g} kVA)" if np.isfinite(k) else f"{n} ({b})"
                 for n, b, k in zip(part.name, part.bus, part.kva, strict=True)]
        more = f" and {len(names) - shown} more" if len(names) > shown else ""
        print(f"  {', '.join(names[:shown])}{more}: {text}")


def _say_slips(model) -> None:  # noqa: ANN001
    """The model's unit slips (rev43b F2), in ``validate``'s words for a study's."""
    slips = model_unit_slip_warnings(model, model.source, "")
    if slips:
        print(f"{len(slips)} warning(s): values that look like a slip (the model runs with "
              "them):")
        for w in slips:
            print(f"  - {w}")


def _say_dead(dead: list[str]) -> None:
    if dead:
        print(f"{len(dead)} de-energised bus(es) (no path to a grid source; reported at 0 A): "
              + ", ".join(dead[:10]) + (" …" if len(dead) > 10 else ""))
