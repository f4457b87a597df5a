"""The study workbook alone: seconds, size, files beside it, peak RSS (issue #21).

Run: ``python benchmarks/bench_workbook.py [STUDY.yaml | RESULT.pkl ...] [--save-result DIR]``

Each study (default: the depot) is run once (``load_study`` + ``run_study(hosting=False)``), or
a pickled :class:`~protv2g.result.StudyResult` is read (``--save-result DIR`` pickles each run
there, so a big study, e.g. the IEEE 8500 built as in ``bench_e2e.py``, is computed once and its
workbook re-timed as often as wanted); then :func:`protv2g.report.excel.write_workbook` is timed
in a temporary folder, with the sheets' seconds split into tables, pictures (TCC and feeder
plot) and save (XML + zip). Peak RSS is ``ru_maxrss`` at the end minus the RSS before the
workbook; the 1-min load average is printed beside it (the machine is shared). A benchmark: it
prints and asserts nothing.

Measured 2026-12-01 on the shared 2-core VM, workbook only, the same pickled results (1-min
load 1.5–3.1). "before": ``main`` at 3a2ef3f with openpyxl's pure-Python XML writer
(``OPENPYXL_LXML=False``); "after": this branch with lxml.

* depot (24 buses): before 22.5–23.4 s (tables 4–5, pictures 5–6, save 12–12.5), 4.73 MB,
  peak RSS +269 MB; after 18.1 s (tables 4–5, pictures 5.5–6.3, save 6.4–6.5), 4.73 MB,
  +269 MB (nothing beside it: every table ≤ 7,344 rows).
* IEEE 8500, one site: before 141.2 s (tables 28.1, pictures 29.4, save 79.7), 24.4 MB,
  +1,250 MB; after 46.4 s (tables 10.6, pictures 5.8, save 24.9), 7.6 MB and three Parquet
  files beside it (Fault currents 5.1 MB, Flow branches 1.9 MB, Flow buses 1.5 MB), +493 MB.

The depot's remaining time: ≈ 480,000 cells written and saved (tables + save ≈ 11 s, about
23 µs a cell), nine TCC pictures rendered at 200 dpi (≈ 0.6 s each).
"""

from __future__ import annotations

import argparse
import functools
import os
import pickle
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _result(source: Path, save: Path | None):
    if source.suffix == ".pkl":
        with source.open("rb") as f:
            return pickle.load(f)
    from protv2g import load_study, run_study

    result = run_study(load_study(source), hosting=False)
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        with (save / f"{source.parent.name}-{source.stem}.pkl").open("wb") as f:
            pickle.dump(result, f)
    return result


def time_workbook(result, out: Path, bulk_rows: int | None = None) -> dict[str, float]:
    """Seconds of the workbook and of its parts, MB, peak RSS over the start."""
    import protv2g.report.excel as excel

    parts: dict[str, float] = {}

    def timed(name: str, part: str) -> None:
        f = getattr(excel, name)

        @functools.wraps(f)
        def g(*a, **k):
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                parts[part] = parts.get(part, 0.0) + time.perf_counter() - t
        setattr(excel, name, g)

    for name, part in (("write_table", "tables_s"), ("write_summary", "tables_s"),
                       ("write_tcc_sheets", "pictures_s"), ("save_workbook_atomic", "save_s")):
        timed(name, part)
    base = _rss_mb()
    t0 = time.perf_counter()
    if bulk_rows is None:
        excel.write_workbook(result, out)
    else:
        excel.write_workbook(result, out, bulk_rows=bulk_rows)
    total = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"workbook_s": total, **parts, "mb": out.stat().st_size / 1e6,
            "peak_mb": peak - base, "load": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sources", nargs="*", type=Path,
                    default=[REPO / "feeders" / "depot_two_feeder" / "study.yaml"])
    ap.add_argument("--save-result", type=Path, default=None,
                    help="pickle each computed StudyResult into this folder")
    ap.add_argument("--bulk-rows", type=int, default=None,
                    help="write_workbook's bulk_rows (default: protv2g.report.bulk.BULK_ROWS)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    for source in args.sources:
        result = _result(source, args.save_result)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "study.xlsx"
            r = time_workbook(result, out, args.bulk_rows)
            beside = sorted(p.name for p in Path(tmp).iterdir() if p.name != out.name)
        rest = r["workbook_s"] - sum(r.get(k, 0.0) for k in ("tables_s", "pictures_s", "save_s"))
        print(f"{source.name}: workbook {r['workbook_s']:.2f} s (tables "
              f"{r.get('tables_s', 0):.2f}, pictures {r.get('pictures_s', 0):.2f}, save "
              f"{r.get('save_s', 0):.2f}, rest {rest:.2f}), {r['mb']:.2f} MB, peak RSS "
              f"+{r['peak_mb']:.0f} MB, "
              f"load {r['load']:.2f}; {len(result.fault_currents):,} fault rows, "
              f"{len(result.device_faults):,} device rows, {len(result.violations):,} "
              f"violations; beside: {', '.join(beside) or 'nothing'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
