"""``protv2g faults`` handler on a pandapower JSON network."""

from __future__ import annotations

import argparse

import pandapower as pp
import pandas as pd
import pytest

from protv2g.commands.faults import register, run
from protv2g.errors import InputError
from protv2g.network.synthetic import synthetic_radial_feeder


def _args(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    register(sub)
    return parser.parse_args(["faults", *argv])


def test_csv_columns_and_names(tmp_path):
    net = synthetic_radial_feeder(15)
    src = tmp_path / "feeder.json"
    pp.to_json(net, str(src))
    out = tmp_path / "faults.csv"
    assert run(_args([str(src), "--csv", str(out)])) == 0
    df = pd.read_csv(out)
    assert {"bus", "fault_type", "case", "ikss_ka", "ikss_degree"} <= set(df.columns)
    assert "scenario" not in df.columns
    assert set(df.fault_type) == {"3ph", "LL", "SLG", "LLG"}
    assert set(df.case) == {"max", "min"}
    assert set(df.bus) == set(net.bus.name)


def test_sgens_with_k_are_chargers(tmp_path):
    net = synthetic_radial_feeder(15)
    pp.create_sgen(net, 10, p_mw=0.5, sn_mva=1.0, k=1.2, name="depot")
    src = tmp_path / "feeder.json"
    pp.to_json(net, str(src))
    out = tmp_path / "faults.csv"
    assert run(_args([str(src), "--csv", str(out), "--method", "classical",
                      "--fault-types", "3ph", "SLG", "--cases", "max"])) == 0
    df = pd.read_csv(out)
    assert set(df.scenario) == {"base", "v2g"}
    a = df[(df.scenario == "base")].set_index(["bus", "fault_type"]).ikss_ka
    b = df[(df.scenario == "v2g")].set_index(["bus", "fault_type"]).ikss_ka
    assert (a - b).abs().max() > 1e-4


def test_bad_source_is_input_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        run(_args([str(tmp_path / "missing.json")]))
