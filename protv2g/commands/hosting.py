"""``protv2g hosting``: protection hosting capacity of every V2G site.

Examples
--------
::

    protv2g hosting feeders/depot_two_feeder/study.yaml
    protv2g hosting feeders/depot_two_feeder/study.yaml -o reports/depot_hosting.xlsx
    protv2g hosting feeders/depot_two_feeder/study.yaml --json --study-axes
    protv2g hosting STUDY --site depot --plot reports/depot_margins.png

Exit codes: 0 computed; 2 bad input, the checks could not run, or a criterion could not be
evaluated (the table is still printed, with the criteria it does not establish); 128 + the
signal's number (143 SIGTERM, 130 Ctrl-C) when stopped during the search: what it had settled
is written, marked partial (:mod:`protv2g.hosting.partial`), never as a result (review rev42a
F2: killed by ``timeout 1200`` twice with nothing written). Off a terminal a progress line goes
to stderr at most every :data:`PROGRESS_EVERY_S` seconds (``--quiet``: none).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from protv2g.commands.stop import Stopped as _Stopped
from protv2g.commands.stop import signals_raise as _signals_raise
from protv2g.errors import InputError, Issue
from protv2g.units import LoadLevel, Participation

__all__ = ["register", "run", "warning_lines", "PROGRESS_EVERY_S"]

#: Seconds between the progress lines written to stderr off a terminal (a log, ``timeout``).
PROGRESS_EVERY_S = 30.0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``hosting`` command to ``subparsers``."""
    p = subparsers.add_parser(
        "hosting", help="largest export per V2G site before the first protection violation",
        description="Protection hosting capacity: for each V2G site, participation case and "
                    "load level, the largest export (kW, chargers) before the first gate-"
                    "failing violation of each criterion, with the limiting criterion, device "
                    "and fault. Exit 0: computed; 2: bad input or checks that could not run.")
    p.add_argument("study", help="study file (YAML)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="OUT.xlsx",
                     help="workbook with sheets Hosting capacity, By criterion, Margins (and "
                          "OUT_margins.png beside it)")
    out.add_argument("--json", action="store_true", help="print the table as JSON records")
    p.add_argument("--plot", metavar="FILE.png", help="margin vs export per criterion (PNG)")
    p.add_argument("--site", action="append", metavar="NAME", help="only this site "
                   "(repeatable; default every site)")
    p.add_argument("--study-axes", action="store_true",
                   help="only the study's own participation cases and load levels (default: "
                        "low/expected/firm × light/peak)")
    p.add_argument("--grid", type=int, default=16, metavar="N",
                   help="candidate export levels per site in the first pass (default 16)")
    p.add_argument("--tol-kw", type=float, default=None, metavar="KW",
                   help="bisection tolerance, kW (default per site: min(5 kW, a quarter of "
                        "one charger's kW))")
    p.add_argument("--quiet", action="store_true",
                   help="no progress lines on stderr (off a terminal one is written at most "
                        f"every {PROGRESS_EVERY_S:g} s)")
    p.set_defaults(func=run)


def _check_paths(args: argparse.Namespace) -> None:
    for opt, path, suffix in (("--output", args.output, ".xlsx"), ("--plot", args.plot, ".png")):
        if path is None:
            continue
        target = Path(path)
        if target.suffix.lower() != suffix:
            raise InputError(Issue("command line", opt, f"{target} is not a {suffix} file",
                                   f"give a file name ending in {suffix}"))
        if not target.parent.exists():
            raise InputError(Issue("command line", opt, f"directory {target.parent} does not "
                                   "exist", "create it or choose another path"))
    if args.grid < 1 or (args.tol_kw is not None and not args.tol_kw > 0):
        raise InputError(Issue("command line", "--grid/--tol-kw",
                               "--grid must be ≥ 1 and --tol-kw > 0", "pass positive numbers"))


def _line(row: dict, p_charger_kw: float | None = None) -> str:
    # the chargers' output the kW is (12.8 for 1,280 kW of 100 kW chargers), not the whole
    # chargers below it (review s31: "1,280 kW, 12 chargers"), where the charger kW is known
    from protv2g.charger_counts import charger_count, chargers_words

    n = (charger_count(row["hosting_kw"], p_charger_kw) if p_charger_kw
         else int(row["hosting_chargers"]))
    head = (f"{row['site']:<12} {row['participation']:<9} {row['load_level']:<6} "
            f"{row['hosting_kw']:>10,.0f} kW = {chargers_words(n)}")
    from protv2g.gate_hosting import tolerance_words

    # a figure resting on C12's tolerance: its low end (review rev41a M7)
    tolerance = f"; {said}" if (said := tolerance_words(row)) else ""
    if row["limited"]:
        from protv2g.gate_hosting import FAILS_WITHOUT_V2G_WORDS, limit_words, online_words

        worse = FAILS_WITHOUT_V2G_WORDS if bool(row.get("fails_without_v2g", False)) else ""
        return (f"{head}  limited by {limit_words(row)}{worse}{online_words(row)}"
                + _rests_on_words(row) + tolerance)
    missing = row.get("not_evaluated")  # review23 §4: never an unqualified "not limited"
    if isinstance(missing, str) and missing:
        return (f"{head}  not limited by the criteria evaluated up to "
                f"{row['site_max_kw']:,.0f} kW ({missing} not evaluated)")
    warns = row.get("warns")  # review rev40a M5: "not limited" beside negative margins
    warned = f"; {warns}" if isinstance(warns, str) and warns else ""
    return f"{head}  not limited up to {row['site_max_kw']:,.0f} kW{warned}{tolerance}"


def _rests_on_words(row: dict) -> str:
    """What a figure whose limiting rows all rest on stand-in inputs rests on, and the figure
    on the rows resting on given data (review rev39a M3: the DG feeder's "76 kW" on a model
    with no load read as the answer); "" for a determined figure."""
    if bool(row.get("determined", True)) or not row.get("rests_on"):
        return ""
    from protv2g.gate_hosting import undetermined_words

    given = row.get("given_hosting_kw")
    given = float(given) if given is not None and given == given else None
    words = undetermined_words(float(row["hosting_kw"]), given, str(row["rests_on"]),
                               str(row.get("given_limit") or ""))
    on_given = (f"; on given data {given:,.0f} kW" if given is not None
                and words.startswith("rests on ") else "")
    return f"; NOT DETERMINED: {words}{on_given}"


def run(args: argparse.Namespace) -> int:
    """Compute the hosting capacity and print / write it; return the exit code. Stage
    progress (load, hosting, workbook, plot) on a terminal, and off one a line at most every
    :data:`PROGRESS_EVERY_S` (:class:`~protv2g.commands.progress.StageProgress`); stopped by
    SIGTERM or Ctrl-C during the search, what it settled is written (:func:`_stopped`)."""
    from protv2g.commands.progress import StageProgress

    _check_paths(args)
    stages = ["load", "hosting", *(["workbook"] if args.output else []),
              *(["plot"] if args.output or args.plot else [])]
    plot = None
    settled: list[Any] = []  # the search's latest partial table (protv2g.hosting.partial)
    with StageProgress("hosting", stages, every_s=PROGRESS_EVERY_S,
                       quiet=bool(getattr(args, "quiet", False))) as progress:
        try:
            with _signals_raise():
                analysis, study, error = _compute(args, progress, settled.append)
        except (KeyboardInterrupt, _Stopped) as exc:
            signum = exc.signum if isinstance(exc, _Stopped) else signal.SIGINT
            return _stopped(args, settled[-1] if settled else None, int(signum))
        if analysis is not None:
            plot = _write(args, analysis, study, progress)
    if analysis is None:  # printed once the bar is gone
        print(f"error: hosting capacity could not be evaluated: {error}", file=sys.stderr)
        return 2
    return _print(args, analysis, study, plot)


def _stopped(args: argparse.Namespace, table: Any, signum: int) -> int:
    """Write what a stopped search settled (``table``: :func:`protv2g.hosting.partial.
    partial_table`, None before its first engine call), marked partial, and say so on stderr;
    return 128 + ``signum``. With ``-o OUT.xlsx`` it goes to ``OUT_partial.xlsx`` (never to
    OUT.xlsx, which a finished search writes), atomically; with ``--json`` to stdout as
    ``{"partial": true, ...}``; else as lines on stdout."""
    name = signal.Signals(signum).name
    if table is None:
        print(f"protv2g hosting: stopped by {name} before its first engine call finished: "
              "nothing settled, nothing written", file=sys.stderr, flush=True)
        return 128 + signum
    n_settled = int(table["settled"].sum())
    where = "stdout"
    if args.json:
        records = table.astype(object).where(table.notna(), None).to_dict(orient="records")
        print(json.dumps({"partial": True, "stopped_by": name, "rows": records}, indent=1),
              flush=True)
    elif args.output:
        path = Path(args.output)
        where = str(_write_partial(table, path.with_name(f"{path.stem}_partial.xlsx")))
    else:
        print(f"PARTIAL hosting capacity (stopped by {name}; not a result): "
              f"{n_settled} of {len(table)} axes settled", flush=True)
        for row in table.to_dict(orient="records"):
            print(f"{row['site']:<12} {row['participation']:<9} {row['load_level']:<6} "
                  f"{row['status']}", flush=True)
    print(f"protv2g hosting: stopped by {name}: {n_settled} of {len(table)} axes (site × "
          f"participation × load level) settled; the partial table is written to {where} "
          "(PARTIAL: not a hosting result; the settled figures lack what they rest on and "
          "the chargers-online search)", file=sys.stderr, flush=True)
    return 128 + signum


def _write_partial(table: Any, path: Path) -> Path:
    """``table`` on a sheet ``PARTIAL hosting`` of a workbook at ``path``, atomically (a
    temporary file beside it moved into place: a second signal leaves no half-written file)."""
    from openpyxl import Workbook

    from protv2g.report.excel import save_workbook_atomic
    from protv2g.report.plain_sheets import write_sheets

    wb = Workbook()
    default = wb.active
    write_sheets(wb, {"PARTIAL hosting": table}, path)
    wb.remove(default)
    save_workbook_atomic(wb, path)
    return path


def _compute(args: argparse.Namespace, progress: Callable[[str], None],
             on_round: Callable[[Any], None] | None = None) -> tuple[Any, Any, str]:
    """Load the study and search its hosting capacity: (analysis or None, study, why not);
    ``on_round`` gets the search's partial table after every engine call."""
    from protv2g.hosting import hosting_analysis
    from protv2g.study import load_study

    progress("load")
    study = load_study(args.study)
    options = {}
    if args.study_axes:
        options = {"participations": study.document.scenarios.participation,
                   "load_levels": study.document.scenarios.load_levels}
    else:
        options = {"participations": list(Participation), "load_levels": list(LoadLevel)}
    progress("hosting")
    try:
        analysis = hosting_analysis(study, sites=args.site, n_grid=args.grid,
                                    tol_kw=args.tol_kw, **options,
                                    progress=getattr(progress, "detail", None),
                                    on_round=on_round)
    except InputError:
        raise
    except Exception as exc:  # a check or the engine could not run: no number to give
        return None, study, f"{type(exc).__name__}: {exc}"
    return analysis, study, ""


def _write(args: argparse.Namespace, analysis: Any, study: Any,
           progress: Callable[[str], None]) -> Path | None:
    """The workbook and the plot asked for; returns the plot's path (or None)."""
    from protv2g.report.hosting import plot_hosting_margins, write_hosting_workbook

    plot = Path(args.plot) if args.plot else None
    if args.output:
        progress("workbook")
        path = write_hosting_workbook(analysis, Path(args.output), {
            x.name: x.p_charger_kw for x in study.document.v2g_sites})
        plot = plot or path.with_name(f"{path.stem}_margins.png")
    if plot is not None:
        progress("plot")
        plot_hosting_margins(analysis, plot, title=study.name)
    return plot


def _settings_lines(table: Any, sites: Sequence[str] = ()) -> list[str]:
    """The settings to change each site's rows name (``settings_to_change``), once per site
    and text: they limit no figure, but the gate fails on them until they are changed (review
    rev33a M1, EPRI ckt24: every line read "not limited up to …" while the gate failed on seven
    C10 first-reclose rows, which only the workbook's column named).

    ``sites``: the study's V2G sites. With more than one, each figure is the site's alone, the
    others not built (:data:`protv2g.hosting.tables.OTHER_SITES`, as the workbook's Note says),
    and the line says so and that the full study may need more (review rev43c M3, IEEE 123
    with RC-67: "first reclose 0.5 s must exceed 0.66 s for homes" — homes alone collapses the
    island, its UV trip 0.16 s + 0.5 s — where ``protv2g run``, the campus built, needs
    > 2.5 s; a user setting 0.7 s from the terminal would fail the gate)."""
    from protv2g.hosting.tables import OTHER_SITES

    if "settings_to_change" not in getattr(table, "columns", ()):
        return []
    from protv2g.hosting.limits import merge_settings

    seen: dict[str, list[str]] = {}
    for site, text in zip(table["site"].astype(str), table["settings_to_change"], strict=True):
        if isinstance(text, str) and text:
            seen.setdefault(site, []).append(text)

    def alone(site: str) -> str:
        others = [s for s in sites if s != site]
        if not others:
            return ""
        return (f" — for {site} alone: {OTHER_SITES.replace('other sites', ', '.join(others))}"
                "; with every site built the study may need more (`protv2g run` gives that "
                "figure in its findings)")

    # each item once per site, whichever of its axes' texts names it (review rev43a M1)
    return [f"settings to change for {site} (not export limits; the gate fails on them until "
            f"they are changed): {merge_settings(texts)}{alone(site)}"
            for site, texts in seen.items() if texts]


def _pll_print(analysis: Any) -> None:
    """The search's PLL notes as ``run`` says them, one ``note:`` line on stderr
    (:func:`protv2g.slice_note.pll_lines`; review rev41c F: "warning 1/1 during the hosting
    search: SliceNote … (132×)")."""
    from protv2g.slice_note import pll_lines

    for line in pll_lines(list(getattr(analysis, "pll_notes", []))):
        print(line, file=sys.stderr)


def warning_lines(warnings: list[str]) -> list[str]:
    """Every distinct warning of the search (:attr:`protv2g.hosting.search.HostingAnalysis.
    warnings`: ``"<category>: <text> (<n>×)"``, scenario names blanked), one line each, as
    :func:`_print` writes them to stderr (review rev33a F3: "6 distinct warning(s) during the
    search, e.g. …" named one, the other five were printed nowhere)."""
    n = len(warnings)
    return [f"warning {k}/{n} during the hosting search: {w}" for k, w in
            enumerate(warnings, start=1)]


def _print(args: argparse.Namespace, analysis: Any, study: Any, plot: Path | None) -> int:
    """Print the table (or JSON) and what was written; return the exit code. Every distinct
    warning of the search goes to stderr (:func:`warning_lines`), with ``--json`` too."""
    _pll_print(analysis)
    if args.json:
        for line in warning_lines(list(analysis.warnings)):
            print(line, file=sys.stderr)
        table = analysis.table.astype(object).where(analysis.table.notna(), None)
        print(json.dumps(table.to_dict(orient="records"), indent=1))
        return 2 if analysis.unevaluated else 0
    print(f"{study.name}: protection hosting capacity ({analysis.n_scenarios} export levels, "
          f"{analysis.n_engine_calls} engine calls, {analysis.seconds:.1f} s)")
    p_kw = {x.name: x.p_charger_kw for x in study.document.v2g_sites}
    for row in analysis.table.to_dict(orient="records"):
        print(_line(row, p_kw.get(str(row["site"]))))
    for line in _settings_lines(analysis.table, list(p_kw)):
        print(line)
    for crit, what in analysis.unevaluated.items():
        print(f"NOT ESTABLISHED for {crit}: {what[0]}" + (f" (+{len(what) - 1} more)"
                                                           if len(what) > 1 else ""))
    if analysis.warnings:
        # the warnings themselves once, on stderr (review rev39a F1: the first was printed on
        # stdout too, the PLL note's ≈ 700 characters twice)
        print(f"{len(analysis.warnings)} distinct warning(s) during the search, each once on "
              "stderr with its count of cases", flush=True)
        for line in warning_lines(list(analysis.warnings)):
            print(line, file=sys.stderr)
    if args.output:
        print(f"workbook: {args.output}")
    if plot is not None:
        print(f"plot: {plot}")
    return 2 if analysis.unevaluated else 0
