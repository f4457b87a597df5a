"""Peak RSS per line of one function during ``run_study``: where a study's memory peak is.

A thread samples the process RSS (``/proc/self/statm``) every 2 ms with the main thread's
stack; for each line of the function named (``run_study`` by default) it keeps the largest
RSS seen while that line ran, and the innermost protv2g frame at that moment. Linux only.
RSS counts the heap glibc keeps after ``free`` as well as live data (see
:func:`protv2g.engine.collect.release_freed_memory`); memray's allocation records give the
live part (``python -m memray run``).

usage::

    PYTHONPATH=. python benchmarks/rss_by_line.py STUDY.yaml [FUNCTION FILE_SUFFIX]
    PYTHONPATH=. python benchmarks/rss_by_line.py s/study.yaml _check_study checks/__init__.py

Measured (#21, session 23, the 10,000-bus study of ``bench_e2e.py``, 2-core VM at load 6-9;
RSS 342 MB after imports and load): ``run_study`` peaks at ≈ 1,460 MB on two plateaus, the
checks' ``concat_taken`` (the violation rows sorted, twins expanded: 1,398 → 1,460 MB) and
the Device duty sheet (``device_duty_table``: 1,288 → 1,460 MB); the findings' stage table
started at 1,472 MB of which ≈ 200 MB freed heap, now handed back before it (1,272 MB).
The result itself holds ≈ 830 MB (RSS 1,230 MB with it, 401 MB once dropped and trimmed).
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
import warnings
from pathlib import Path


def main() -> None:
    warnings.simplefilter("ignore")
    from protv2g import load_study, run_study

    page = os.sysconf("SC_PAGE_SIZE")

    def rss_mb() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * page / 2**20

    study_path = Path(sys.argv[1])
    fn, suffix = (sys.argv[2], sys.argv[3]) if len(sys.argv) > 3 else ("run_study", "runner.py")
    study = load_study(study_path)
    before = rss_mb()
    main_id = threading.main_thread().ident
    peaks: dict[tuple[str, int], tuple[float, str | None]] = {}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            r = rss_mb()
            fr = sys._current_frames().get(main_id)
            deep = None
            while fr is not None:
                co = fr.f_code
                if co.co_name == fn and co.co_filename.endswith(suffix):
                    key = (co.co_filename, fr.f_lineno)
                    if r > peaks.get(key, (0.0, None))[0]:
                        peaks[key] = (r, deep)
                    break
                if deep is None and "protv2g" in co.co_filename:
                    deep = f"{co.co_filename.split('protv2g/')[-1]}:{fr.f_lineno} {co.co_name}"
                fr = fr.f_back
            time.sleep(0.002)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0 = time.perf_counter()
    result = run_study(study, hosting=False)  # held: the end figure includes it
    t_s = time.perf_counter() - t0
    stop.set()
    th.join()
    sources: dict[str, list[str]] = {}
    for (path, line), (r, deep) in sorted(peaks.items()):
        src = sources.setdefault(path, Path(path).read_text().splitlines())
        print(f"{line:5d} {r:7.0f} MB  {src[line - 1].strip()[:60]:60s} | {deep}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"run_study {t_s:.1f} s wall; RSS before {before:.0f} MB, peak {peak:.0f} MB, "
          f"end {rss_mb():.0f} MB with the result held")
    del result


if __name__ == "__main__":
    main()
