"""``protv2g curves``: list, evaluate and plot library curves.

Examples
--------
::

    protv2g curves list --kind recloser
    protv2g curves eval IEEE-VI --time-dial 1 --multiples 2 5 10 --json
    protv2g curves plot 65K 101 117 --pickup-a 200 -o tcc.png
    protv2g curves --library my_curves/ eval MY-CURVE --multiples 3
    protv2g curves table 40K 65K        # MM/TC against the published EEI-NEMA ranges
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from protv2g.devices.curves import trip_time_s
from protv2g.devices.fuse import Fuse
from protv2g.devices.fuse_table import published_range_table, report
from protv2g.devices.library import CurveLibrary, load_library
from protv2g.devices.relay import curve_boundary
from protv2g.devices.tcc import curve_traces, plot_tcc
from protv2g.errors import InputError, Issue
from protv2g.units import DeviceKind

__all__ = ["register", "run_list", "run_eval", "run_plot", "run_table"]


def _add_library(p: argparse.ArgumentParser, dest: str) -> None:
    p.add_argument("--library", dest=dest, action="append", metavar="DIR", default=None,
                   help="extra directory of curve YAML files (repeatable); "
                        "schema in relay_library/README.md")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``curves`` command (``list``, ``eval``, ``plot``) to ``subparsers``."""
    p = subparsers.add_parser("curves", help="list, evaluate and plot device curves",
                              description="Relay, recloser and fuse time-current curves.")
    _add_library(p, "library_top")
    sub = p.add_subparsers(dest="curves_command", required=True,
                           metavar="{list,eval,plot,table}")

    pl = sub.add_parser("list", help="list curves: name, kind, family, source")
    pl.add_argument("--kind", choices=[k.value for k in DeviceKind], help="only this kind")
    pl.add_argument("--json", action="store_true", help="print JSON records")
    _add_library(pl, "library")
    pl.set_defaults(func=run_list)

    pe = sub.add_parser("eval", help="operate times at multiples of pickup (fuse: of rating)")
    pe.add_argument("name", help="curve name or alias (case-insensitive)")
    pe.add_argument("--time-dial", type=float, default=1.0, help="time dial / TMS (default 1)")
    pe.add_argument("--multiples", type=float, nargs="+", required=True, metavar="M",
                    help="current multiples of pickup / minimum trip / fuse rating")
    pe.add_argument("--multiplier", type=float, default=1.0, help="time multiplier")
    pe.add_argument("--adder-s", type=float, default=0.0, help="time adder (s)")
    pe.add_argument("--min-response-s", type=float, default=0.0,
                    help="minimum response time (s)")
    pe.add_argument("--min-melt", action="store_true",
                    help="fuses: minimum-melt instead of total-clearing time")
    pe.add_argument("--max-melt", action="store_true",
                    help="fuses: maximum-melt instead of total-clearing time")
    pe.add_argument("--clearing", action="store_true",
                    help="reclosers: add the mechanism/interrupting time the curve data "
                         "assume (clearing time)")
    pe.add_argument("--json", action="store_true",
                    help="print a JSON list of times (null: does not operate)")
    _add_library(pe, "library")
    pe.set_defaults(func=run_eval)

    pp = sub.add_parser("plot", help="log-log time-current plot to a PNG file")
    pp.add_argument("names", nargs="+", metavar="NAME", help="curve names or aliases")
    pp.add_argument("-o", "--output", required=True, metavar="FILE.png", help="PNG to write")
    pp.add_argument("--pickup-a", type=float, default=100.0,
                    help="pickup / minimum trip (A) for relay and recloser curves (default 100)")
    pp.add_argument("--time-dial", type=float, default=1.0, help="time dial (default 1)")
    pp.add_argument("--title", default="", help="plot title")
    _add_library(pp, "library")
    pp.set_defaults(func=run_plot)

    pt = sub.add_parser("table", help="fuse links: MM and TC at the published EEI-NEMA "
                        "anchor times against the melting-current ranges (Markdown)")
    pt.add_argument("names", nargs="*", metavar="NAME",
                    help="K/T links (default: every link with published melting ranges)")
    pt.add_argument("--json", action="store_true", help="print JSON records instead")
    _add_library(pt, "library")
    pt.set_defaults(func=run_table)


def _library(args: argparse.Namespace) -> CurveLibrary:
    dirs = [*(getattr(args, "library_top", None) or []), *(getattr(args, "library", None) or [])]
    return load_library(extra_dirs=dirs)


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise InputError(Issue("command line", name, f"must be a finite number > 0, got "
                               f"{value!r}", f"pass {name} with a positive number"))


def run_list(args: argparse.Namespace) -> int:
    """Print the library's curves (name, kind, family, source)."""
    df = _library(args).table()
    if args.kind:
        df = df[df["kind"] == args.kind]
    cols = ["name", "kind", "family", "aliases", "source"]
    if args.json:
        print(json.dumps(df[cols].to_dict(orient="records"), indent=1))
    else:
        print(_table_text(df[["name", "kind", "family", "source"]]))
    return 0


def _table_text(df: Any) -> str:
    """Left-aligned columns; the last (the source) cut to the terminal's width with "…"
    (review s18: pandas right-aligned it, padded to its longest, ~300 characters; the full
    text is in ``--json``)."""
    import shutil

    cols = list(df.columns)
    cells = [[str(v) for v in df[c].tolist()] for c in cols]
    widths = [max([len(c), *map(len, col)]) for c, col in zip(cols, cells, strict=True)]
    lead = sum(w + 2 for w in widths[:-1])
    room = max(30, shutil.get_terminal_size((120, 24)).columns - lead)

    def line(values: list[str]) -> str:
        last = values[-1] if len(values[-1]) <= room else values[-1][:room - 1] + "…"
        return "".join(v.ljust(w + 2) for v, w in zip(values[:-1], widths, strict=False)) + last

    return "\n".join([line(cols)] + [line(list(r)) for r in zip(*cells, strict=True)])


def run_eval(args: argparse.Namespace) -> int:
    """Print operate times of one curve at current multiples."""
    lib = _library(args)
    curve = lib.get(args.name)
    _positive("--time-dial", args.time_dial)
    _positive("--multiplier", args.multiplier)
    for k, m in enumerate(args.multiples):
        if not math.isfinite(m):
            raise InputError(Issue("command line", f"--multiples[{k}]", f"{m!r} is not finite",
                                   "pass finite numbers"))
    m = np.asarray(args.multiples, dtype=float)
    if curve.kind is DeviceKind.FUSE:
        if args.min_melt and args.max_melt:
            raise InputError(Issue("command line", "--max-melt", "--min-melt and --max-melt "
                                   "exclude each other", "give one of them"))
        _fuse_adder_check(args)
        # the adder as the study applies a fuse's time_adder_s: to its total clearing only
        # (OpenDSS Fuse.Delay; protv2g.devices.fuse), review rev48b P8
        fuse = Fuse(name=curve.name, link=curve.name, library=lib, time_adder_s=args.adder_s)
        i_a = m * fuse.rating_a
        if args.min_melt:
            t, what, which = fuse.min_melt_time_s(i_a), "minimum melt", "mm"
        elif args.max_melt:
            t, what, which = fuse.max_melt_time_s(i_a), "maximum melt", "max_melt"
        else:
            t, what, which = fuse.total_clear_time_s(i_a), "total clearing", "tc"
            what += f" (+{args.adder_s:g} s time adder)" if args.adder_s else ""
        where = fuse.boundary(i_a, which)
        head = f"{curve.name}: {what} time at multiples of rating {curve.rating_a:g} A"
    else:
        if args.min_melt or args.max_melt:
            raise InputError(Issue("command line", "--min-melt", f"{curve.name!r} is not a "
                                   "fuse curve", "drop --min-melt/--max-melt"))
        t = trip_time_s(m, 1.0, curve, args.time_dial, multiplier=args.multiplier,
                        adder_s=args.adder_s, min_response_s=args.min_response_s)
        head = f"{curve.name} ({curve.family.value}), time dial {args.time_dial:g}"
        if args.clearing:
            if curve.clearing_adder_s is None:
                raise InputError(Issue("command line", "--clearing", f"{curve.name!r} does "
                                       "not state a mechanism/interrupting time",
                                       "add it with --adder-s instead"))
            t = t + curve.clearing_adder_s
            head += f", clearing time (+{curve.clearing_adder_s:g} s mechanism)"
        where = curve_boundary(curve, m)
    if args.json:
        print(json.dumps([float(x) if np.isfinite(x) else None for x in t]))
        return 0
    print(head)
    print(f"{'M':>10}  {'t_s':>12}  data")
    for mi, ti, wi in zip(m, t, where, strict=True):
        print(f"{mi:>10g}  {(f'{ti:.6g}' if np.isfinite(ti) else 'no trip'):>12}  {wi}")
    return 0


def _fuse_adder_check(args: argparse.Namespace) -> None:
    """Refuse a fuse's ``--adder-s`` the study would not apply: a negative one (the study's
    ``time_adder_s`` is ≥ 0) or one with ``--min-melt``/``--max-melt`` (the study adds a
    fuse's time adder to its total clearing only, never to its melting times:
    :mod:`protv2g.devices.fuse`, OpenDSS ``Fuse.Delay``)."""
    if not (math.isfinite(args.adder_s) and args.adder_s >= 0):
        raise InputError(Issue("command line", "--adder-s", f"{args.adder_s!r} is not a "
                               "finite time ≥ 0", "give the fuse's time adder in seconds"))
    if args.adder_s and (args.min_melt or args.max_melt):
        raise InputError(Issue(
            "command line", "--adder-s", "a fuse's time adder delays its total clearing only "
            "(as the study applies a fuse's time_adder_s, OpenDSS Fuse.Delay), not its "
            "melting times", "drop --min-melt/--max-melt to see the total clearing with the "
            "adder, or drop --adder-s"))


def run_plot(args: argparse.Namespace) -> int:
    """Draw the named curves on a log-log TCC and write a PNG."""
    out = Path(args.output)
    if out.suffix.lower() != ".png":
        raise InputError(Issue("command line", "--output", f"{out} is not a .png file",
                               "give a file name ending in .png"))
    if not out.parent.exists():
        raise InputError(Issue("command line", "--output", f"directory {out.parent} does "
                               "not exist", "create it or choose another path"))
    _positive("--pickup-a", args.pickup_a)
    _positive("--time-dial", args.time_dial)
    lib = _library(args)
    traces = []
    for name in args.names:
        traces += curve_traces(lib.get(name), args.pickup_a, args.time_dial, library=lib)
    plot_tcc(traces, path=out, title=args.title or "Time-current curves: " + ", ".join(args.names))
    print(f"wrote {out}")
    return 0


def run_table(args: argparse.Namespace) -> int:
    """Print the published-range table of fuse links; exit 1 if any row fails."""
    lib = _library(args)
    try:
        df = published_range_table(lib, args.names or None)
    except ValueError as e:
        raise InputError(Issue("command line", "NAME", str(e),
                               "name K or T links (protv2g curves list --kind fuse)")) from e
    if args.json:
        print(json.dumps(df.to_dict(orient="records"), indent=1))
    else:
        print(report(df))
    return 0 if (df["status"] == "PASS").all() else 1
