"""Each device's fault levels are the faults on its own phases (review ver39b M-c), and the
Charger stages sheet carries no rule the threshold fill names on violation rows (ver39 F).

ver39b M-c: Summary §9 ("Fault levels at the device buses (bus totals)") gave IEEE 13's FU-611
— a fuse on the 1-phase line 684611, phase c — "SLG-a 2.235 kA", the largest ground fault of
its 2-phase bus 684, on a phase it does not carry; its own SLG-c is 2.215 kA (the run's Fault
currents at 684; ver39b: OpenDSS Zsc at 684, SLG a/c 1977.8/1960.4 A, the same a/c ratio).

References, none computed by protv2g: each line's phases as the IEEE 13 model writes them
(``Bus1=684.3`` …), read by ``opendssdirect`` (``Lines.Bus1``); the fault levels below are
the run's bus totals, copied (the choice of row is what is tested).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

#: Bus totals of the IEEE 13 run (/tmp/rev39b/i13, max case, kA): (bus, fault type, base, V2G).
I13_684 = [("684", "LL-ca", 2.798899, 2.840602), ("684", "SLG-a", 2.235187, 2.260767),
           ("684", "SLG-c", 2.215099, 2.238534), ("684", "LLG-ca", 2.901, 2.930)]


def _result(phases: list[str] | None):
    rows = [(sc, bus, ft, "max", ka) for bus, ft, base, v2g in I13_684
            for sc, ka in (("base", base), ("v2g", v2g))]
    fc = pd.DataFrame(rows, columns=["scenario", "bus_name", "fault_type", "case", "ikss_ka"])
    settings = pd.DataFrame({"device": ["FU-652", "FU-611", "FU-684x"],
                             "bus": ["684", "684", "684"]})
    if phases is not None:
        settings["phases"] = phases
    return SimpleNamespace(fault_currents=fc, settings=settings, scenarios=pd.DataFrame(
        {"scenario": ["base", "v2g"], "is_base": [True, False]}))


def test_each_device_gets_the_faults_on_its_own_phases():
    """Fails on the old code: FU-611 (phase c) was given 684's LL-ca and SLG-a."""
    from protv2g.report.fault_levels import fault_levels
    from protv2g.report.summary_faults import fault_level_rows

    levels = fault_levels(_result(["a", "c", "ac"]))
    got = {d: list(g.fault_type) for d, g in levels.groupby("device", sort=False)}
    assert got == {"FU-652": ["SLG-a"], "FU-611": ["SLG-c"],
                   "FU-684x": ["LL-ca", "SLG-a", "SLG-c", "LLG-ca"]}
    assert list(levels.phases) == ["a", "c"] + ["ac"] * 4
    rows = {(r[0], r[2]): r for r in fault_level_rows(levels)}
    assert set(rows) == {("FU-652", "SLG-a"), ("FU-611", "SLG-c"), ("FU-684x", "LL-ca"),
                         ("FU-684x", "SLG-a")}
    assert rows[("FU-611", "SLG-c")][3] == pytest.approx(2.215099)  # its own: 2.215 kA
    assert rows[("FU-611", "SLG-c")][4] == pytest.approx(2.238534)
    # a result without device phases: every fault type at the bus, as before
    old = fault_levels(_result(None))
    assert len(old) == 3 * len(I13_684)


def test_ieee13_device_phases_are_its_lines_phases(shared_dir, tmp_path):
    """The Settings' ``phases`` of a device on an OpenDSS line: that line's phase conductors
    at the device's terminal (FU-611 'c' on 684611, FU-645 'bc' on 632645, FU-684 'ac' on
    671684), against the model's own ``Bus1`` node lists. Fails on the old code (no
    ``phases``)."""
    dss = pytest.importorskip("opendssdirect")
    import shutil

    from protv2g.runner import settings_table
    from protv2g.study.loader import load_study

    src = shared_dir / "feeders" / "opendss"
    if not (src / "13Bus" / "IEEE13Nodeckt.dss").is_file():
        pytest.skip("IEEE 13 model not found")
    shutil.copytree(src / "13Bus", tmp_path / "13Bus")
    shutil.copy(src / "IEEELineCodes.DSS", tmp_path / "IEEELineCodes.DSS")
    lines = {"FU-611": "684611", "FU-652": "684652", "FU-645": "632645",
             "FU-684": "671684", "head": "650632"}
    devices = "\n".join(
        f"  - {{name: {n}, kind: fuse, location: {{line: '{ln}', end: from}}, link: 65K, "
        "interrupting_rating_ka: 10}" for n, ln in lines.items())
    (tmp_path / "study.yaml").write_text(
        "name: i13phases\nfeeder: {opendss: 13Bus/IEEE13Nodeckt.dss, adopt_devices: false}\n"
        f"devices:\n{devices}\n"
        "v2g_sites:\n  - {name: fleet, bus: '675', n_chargers: 4, p_charger_kw: 60}\n")
    table = settings_table(load_study(tmp_path / "study.yaml")).set_index("device")
    # independent: the model's own node lists of each line's bus1 (1, 2, 3 = a, b, c)
    dss.Text.Command("clear")
    dss.Text.Command(f"redirect [{tmp_path / '13Bus' / 'IEEE13Nodeckt.dss'}]")
    want = {}
    for name, line in lines.items():
        dss.Lines.Name(line)
        nodes = dss.Lines.Bus1().split(".")[1:] or ["1", "2", "3"]
        want[name] = "".join(p for k, p in enumerate("abc", start=1) if str(k) in nodes)
    assert want == {"FU-611": "c", "FU-652": "a", "FU-645": "bc", "FU-684": "ac",
                    "head": "abc"}
    assert table["phases"].to_dict() == want


def test_charger_stages_rows_name_no_threshold_rule():
    """The stage table's ``rule`` is a finding's own rule: a criterion's study threshold that
    :mod:`protv2g.checks.rule_fill` names on the violation rows (C5's
    ``sensitivity_primary_factor``) is none (ver39 F: IEEE 13's and the depot's Charger stages
    sheet showed it in 10 cells); C2's ``fuse_saving_k`` stays. The Findings id is still found
    from the evidence rows, which name the threshold. Fails on the old code (the stage rows
    carried 'sensitivity_primary_factor')."""
    from protv2g.report.stage_ids import with_finding_ids
    from protv2g.stage_report_findings import time_findings

    v = pd.DataFrame({
        "criterion": ["C5", "C2"], "status": ["fail", "fail"], "attribution": ["new", "new"],
        "scenario": ["s", "s"], "fault_bus": ["611", "652"], "fault_type": ["SLG-c", "SLG-a"],
        "case": ["min", "max"], "device": ["FU-611", "R"], "other_device": ["", "FU-652"],
        "t_device_s": [np.nan, 0.05], "margin": [-0.58, -0.1],
        "margin_unit": ["× pickup", "s"], "rule": ["sensitivity_primary_factor",
                                                    "fuse_saving_k"],
        "rule_value": [1.5, 1.25], "bracket": ["both", "low"]})
    found = time_findings(v, [SimpleNamespace(name="s")])
    assert [f.rule for f in found] == ["", "fuse_saving_k"]
    stages = pd.DataFrame([{"finding": f.label, **f.keys, "device": f.device,
                            "scenario": f.scenario, "fault_bus": f.fault_bus,
                            "fault_type": f.fault_type, "case": f.case} for f in found])
    evidence = v.assign(finding=["F03", "F07"])
    labels = with_finding_ids(stages, evidence)["finding"].tolist()
    assert [x.split(":")[0] for x in labels] == ["F03", "F07"]
