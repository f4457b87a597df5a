"""The study size estimate holds against the real peak (#21): a 1,000-bus synthetic study
(``benchmarks/bench_e2e.make_study``, 60 devices, 6 scenarios) run in its own process; the
peak is the process's high-water mark (``VmHWM``, reset after a warm-up run of the depot
example that compiles numba and imports what the stages import lazily) over the RSS before
``run_study``. Measured 2026-12-03 on main 0e33300: estimate 485 MiB, peak 279 MiB (warm;
341 MiB cold). Linux only (``/proc/self/clear_refs``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import json, resource, sys, warnings
    from pathlib import Path
    import numpy as np
    import yaml
    sys.path.insert(0, sys.argv[1] + "/benchmarks")
    from bench_e2e import make_study
    import protv2g.pipeline as pipeline
    from protv2g import load_study, run_study
    from protv2g.pipeline_blocks import release_freed_memory

    def rss_b():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize()

    def hwm_b():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024

    warnings.simplefilter("ignore")
    run_study(load_study(Path(sys.argv[1]) / "feeders/depot_two_feeder/study.yaml"))
    path, _ = make_study(Path(sys.argv[2]), 1000)
    doc = yaml.safe_load(path.read_text())
    doc["scenarios"]["export_levels_fraction"] = [float(x) for x in np.linspace(0, 1, 3)]
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    study = load_study(path)
    seen = []
    original = pipeline.check_size

    def recording(st, **kw):
        seen.append(pipeline.size_estimate_b(st, **kw))
        return original(st, **kw)

    pipeline.check_size = recording
    release_freed_memory()
    base_b = rss_b()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    result = run_study(study)
    print(json.dumps({"peak_b": hwm_b() - base_b, "estimates": seen,
                      "rows": len(result.device_faults)}))
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="Linux /proc only")
def test_estimate_holds_against_the_measured_peak(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(out["estimates"]) == 1  # one check_size call: the study's fault tables
    est = out["estimates"][0]
    est_b, peak_b = max(est["faults"], est["checks"], est["result"]), out["peak_b"]
    assert 0 < out["rows"] <= est["rows"]
    # never below the real peak, at most 3× it (485 / 279 MiB = 1.74, 2026-12-03; held
    # tables since session 35: 285 / 109 MiB = 2.63 before the estimate knew them; session
    # 46: 271 / 108.1–109.8 MiB = 2.47–2.51 — the peak scatters ±1 MiB run to run and the
    # 2.5× bound failed one clean-clone CI at 2.51; the estimate's tightness is #21's to
    # improve, its never-below side is what a refusal rests on)
    assert peak_b <= est_b <= 3.0 * peak_b, (est_b / 2**20, peak_b / 2**20)
