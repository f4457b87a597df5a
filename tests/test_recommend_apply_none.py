"""``protv2g recommend --apply -o X`` with no change accepted writes nothing and says so
(review rev34a F4: on IEEE 8500, 0 changes accepted, it still rewrote the study — a flow-style
line re-wrapped — so the "fixed" study differed from the one reviewed for no reason)."""

from __future__ import annotations

import argparse
from types import SimpleNamespace

import pandas as pd


def test_apply_with_no_change_accepted_writes_nothing(tmp_path, monkeypatch, capsys):
    import protv2g
    import protv2g.pipeline as pipeline
    import protv2g.recommend as recommend_pkg
    import protv2g.scenarios as scenarios
    from protv2g.commands import recommend as cmd

    findings = pd.DataFrame(columns=["finding", "criterion", "device", "other_device",
                                     "mechanism", "status", "attribution", "title"])
    rec = SimpleNamespace(changes=[], table=lambda: pd.DataFrame(), n_check_runs=3,
                          seconds=1.0, before=SimpleNamespace(findings=findings),
                          after=SimpleNamespace(findings=findings), hosting_before_kw=None,
                          hosting_after_kw=None)
    written = []
    monkeypatch.setattr(protv2g, "load_study", lambda p: SimpleNamespace(name="s", document=None))
    monkeypatch.setattr(scenarios, "build_scenarios", lambda d: [])
    monkeypatch.setattr(pipeline, "fault_tables", lambda *a, **k: None)
    monkeypatch.setattr(pipeline, "study_flow", lambda *a, **k: None)
    monkeypatch.setattr(recommend_pkg, "recommend", lambda *a, **k: rec)
    monkeypatch.setattr(recommend_pkg, "write_study", lambda *a, **k: written.append(a))
    out = tmp_path / "fixed.yaml"
    args = argparse.Namespace(study="study.yaml", apply=True, output=str(out), hosting=False,
                              json=False)
    assert cmd.run(args) == 0
    assert written == [] and not out.exists()
    assert "no change accepted: nothing written" in capsys.readouterr().err
