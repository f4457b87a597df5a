"""``time_findings`` picks the Charger stages' findings from positions and four ranking columns
(#21, mem24): the same findings, in the same order, as sorting the candidate rows whole."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from protv2g.stage_report_findings import time_findings


class _Sc:
    def __init__(self, name: str) -> None:
        self.name = name


def _reference_worst(violations: pd.DataFrame, names: set[str], max_pairs: int) -> pd.DataFrame:
    """The rows the earlier implementation ranked (the whole candidate rows sorted)."""
    v = violations[violations["bracket"].astype(str).isin(("low", "high", "both"))
                   & violations["status"].astype(str).isin(("fail", "warn"))
                   & violations["device"].astype(str).ne("")]
    v = v[v["scenario"].isin(names)]
    v = v.assign(not_v2g=~v["attribution"].astype(str).isin(("new", "worse")),
                 margin_sort=pd.to_numeric(v["margin"], errors="coerce").fillna(np.inf))
    return (v.sort_values(["not_v2g", "margin_sort"], kind="stable")
            .drop_duplicates(["criterion", "device"]).head(max_pairs))


def _violations(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    margin = rng.choice([-0.2, -0.1, 0.0, -0.0, 0.05, np.nan], n)  # ties, ±0, NaN
    return pd.DataFrame({
        "criterion": rng.choice(["C1", "C2", "C3", "C4"], n),
        "status": rng.choice(["fail", "warn", "pass"], n),
        "attribution": rng.choice(["new", "worse", "pre-existing", None], n),
        "scenario": rng.choice(["a", "b", "c"], n),
        "fault_bus": rng.choice(["B1", "B2", "B3"], n),
        "fault_type": rng.choice(["3ph", "SLG"], n), "case": "max",
        "device": rng.choice(["R1", "R2", "F1", "F2", ""], n),
        "other_device": rng.choice(["F1", "", None], n),
        "t_device_s": rng.choice([0.1, 0.3, np.nan], n), "margin": margin, "margin_unit": "s",
        "rule": rng.choice(["fuse_saving_k", "cti_s"], n), "rule_value": 1.25,
        "bracket": rng.choice(["low", "high", "both", None], n),
    }, index=rng.permutation(n) + 1000)  # labels out of order: positions, not labels


def test_time_findings_as_the_whole_rows_sorted():
    for seed in range(6):
        v = _violations(400, seed)
        for names, max_pairs in (({"a", "b", "c"}, 12), ({"a"}, 3), ({"b", "c"}, 1)):
            found = time_findings(v, [_Sc(x) for x in sorted(names)], max_pairs=max_pairs)
            worst = _reference_worst(v, names, max_pairs)
            keys = list(dict.fromkeys(zip(worst["device"], worst["fault_bus"],
                                          worst["fault_type"], worst["case"],
                                          worst["scenario"], strict=True)))
            assert [(f.device, f.fault_bus, f.fault_type, f.case, f.scenario)
                    for f in found] == keys
            assert all(dataclasses.asdict(f)["label"] for f in found)


def test_time_findings_empty_without_candidates():
    v = _violations(50, 0).assign(status="pass")
    assert time_findings(v, [_Sc("a")]) == []
    assert time_findings(_violations(50, 1), [_Sc("none of them")]) == []
