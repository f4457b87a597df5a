"""Cost of the hosting band next to the hosting figure it brackets.

Run: ``python benchmarks/bench_hosting_band.py [STUDY.yaml]``

Times :func:`protv2g.hosting.hosting_capacity` (the study's own figure, every site ×
participation × load level) and :func:`protv2g.hosting.band.hosting_band` (two coarse searches
per site on its limiting axis: the pessimistic and optimistic ends of the uncertain inputs),
prints the band per site and the ratio of the two times.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str]) -> None:
    from protv2g import load_study
    from protv2g.hosting import hosting_capacity
    from protv2g.hosting.band import hosting_band

    path = Path(argv[0]) if argv else REPO / "feeders" / "depot_two_feeder" / "study.yaml"
    study = load_study(path)
    doc = study.document
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        t0 = time.perf_counter()
        table = hosting_capacity(study, participations=doc.scenarios.participation,
                                 load_levels=doc.scenarios.load_levels)
        t1 = time.perf_counter()
        band = hosting_band(study, table)
        t2 = time.perf_counter()
    with pd.option_context("display.width", 200, "display.max_colwidth", 90):
        print(band[["site", "hosting_kw", "band_low_kw", "band_high_kw", "driven_by"]]
              .to_string(index=False))
    print(f"hosting figure: {t1 - t0:.1f} s; band: {t2 - t1:.1f} s; "
          f"band / figure = {(t2 - t1) / (t1 - t0):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
