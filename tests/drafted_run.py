"""A study drafted by ``protv2g init`` from an OpenDSS script written by a test, then run: the
helper of the tests that check a small feeder's C12 rows against OpenDSS."""

from __future__ import annotations

import warnings
from pathlib import Path

import yaml


def drafted_result(folder: Path, script: str, site: str) -> tuple[object, Path]:
    """``(result, path)``: ``script`` written to ``folder/feeder.dss`` (``path``), a study
    drafted from it with ``init --site site`` whose scenarios are the firm export at 0 and
    100 % at peak load, run without hosting or staging."""
    import protv2g
    from protv2g.cli import main

    path = folder / "feeder.dss"
    path.write_text(script)
    out = folder / "study.yaml"
    assert main(["init", str(path), "-o", str(out), "--site", site]) == 0
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    doc["scenarios"].update(participation=["firm"], load_levels=["peak"],
                            export_levels_fraction=[0.0, 1.0])
    out.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = protv2g.run_study(protv2g.load_study(out), hosting=False, staged=False)
    return result, path
