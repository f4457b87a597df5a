"""Verdict, violation counts by criterion and hosting figures of every shipped example study.

Not a timing benchmark: a before/after record for changes that may move results. Prints JSON
(one object per study) so two runs can be diffed::

    python benchmarks/example_outcomes.py > before.json
    # … change …
    python benchmarks/example_outcomes.py > after.json && diff before.json after.json
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def outcome(study_file: Path) -> dict:
    import protv2g

    t0 = time.perf_counter()
    study = protv2g.load_study(study_file)
    result = protv2g.run_study(study, hosting=True)
    v = result.violations
    counts: dict[str, dict[str, int]] = {}
    if len(v):
        for (crit, sev), n in v.groupby(["criterion", "status"]).size().items():
            counts.setdefault(str(crit), {})[str(sev)] = int(n)
    gate = result.meta.get("gate", {})
    hosting = result.tables.get("Hosting capacity")
    host = {}
    if hosting is not None and len(hosting):
        for _, r in hosting.iterrows():
            key = "/".join(str(r[c]) for c in ("site", "participation", "load_level") if c in r)
            host[key] = {"hosting_kw": None if r.get("hosting_kw") is None
                         else round(float(r["hosting_kw"]), 1),
                         "limiting": str(r.get("limiting_criterion", ""))}
    return {"study": str(study_file.relative_to(ROOT)), "verdict": gate.get("verdict"),
            "reasons": len(gate.get("reasons", [])), "violations": counts, "hosting": host,
            "run_s": round(time.perf_counter() - t0, 1)}


def main(argv: list[str]) -> int:
    files = [Path(a).resolve() for a in argv] or sorted(ROOT.glob("feeders/*/study.yaml"))
    out = []
    for f in files:
        try:
            out.append(outcome(f))
        except Exception as exc:  # noqa: BLE001 - a record, not a test
            out.append({"study": str(f), "error": f"{type(exc).__name__}: {exc}"[:500]})
        print(json.dumps(out[-1]), file=sys.stderr)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
