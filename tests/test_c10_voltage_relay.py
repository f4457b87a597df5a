"""C10's existing-DER row names the model's voltage relay instead of "not in the model"
(review rev32b M8).

EPRI's DG-protection feeder has ``Relay.LV`` on its generator transformer's low side
(``monitoredobj=Transformer.Tg monitoredterm=2 type=voltage kvbase=0.6
overvoltcurve=ov1547 undervoltcurve=uv1547``, disabled by the script's ``edit Relay.LV
enabled=no``), with ``TCC_Curve.uv1547 c_array=(0.5 0.9) t_array=(0.166 2)`` and
``TCC_Curve.ov1547 c_array=(1.1 1.2) t_array=(1 0.166)`` — the values below are read off the
model's text. With the generator connected (``close transformer.tg 2``, the Vsource replaced
by a 1.65 MW machine, as the reviewer's variant) recloser A, first reclose 2 s, has 1.65 MW of
existing DER behind it: C10 fails its row. The DER's anti-islanding clearing time is not in
the model; its voltage relay is, and trips only outside 0.9–1.1 pu.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from .conftest import dg_protection_copy

pytest.importorskip("opendssdirect")

GEN = ("close transformer.tg 2\nedit vsource.windgen1 enabled=no\n"
       "new generator.wg bus1=bg kv=0.6 kw=1650 kva=1650 conn=delta model=1 pf=1 xdp=0.27 "
       "xdpp=0.17\n")
STUDY = """\
name: dg-c10-relay
feeder:
  opendss: DG_Prot_Fdr.dss
  redirects: [gen_tg.dss]
scenarios:
  export_levels_fraction: [0.0]
  participation: [firm]
  load_levels: [light]
faults:
  method: iec60909
"""


@pytest.fixture(scope="module")
def dg_gen(shared_dir: Path, tmp_path_factory) -> Path:
    d = dg_protection_copy(shared_dir, tmp_path_factory, "dgc10")
    (d / "gen_tg.dss").write_text(GEN, encoding="utf-8")
    (d / "study.yaml").write_text(STUDY, encoding="utf-8")
    return d


def test_voltage_relay_read_from_the_model(dg_gen):
    from protv2g.network.dss_model import load_dss_model
    from protv2g.network.dss_voltage_relays import voltage_relays

    vr = voltage_relays(load_dss_model(dg_gen / "DG_Prot_Fdr.dss",
                                       redirects=[dg_gen / "gen_tg.dss"]))
    assert vr.name.tolist() == ["relay.lv"]
    r = vr.iloc[0]
    assert (r.element, r.terminal, r.bus, bool(r.enabled)) == ("transformer.tg", 2, "bg", False)
    assert (r.uv_curve, r.uv_v_pu, r.uv_t_s) == ("uv1547", (0.5, 0.9), (0.166, 2.0))
    assert (r.ov_curve, r.ov_v_pu, r.ov_t_s) == ("ov1547", (1.1, 1.2), (1.0, 0.166))


def test_existing_der_row_names_the_voltage_relay(dg_gen):
    from protv2g import load_study
    from protv2g.runner import run_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = run_study(load_study(dg_gen / "study.yaml"), hosting=False)
    v = r.violations
    rows = v[(v.criterion == "C10") & (v.device == "a") & (v.other_device == "existing DER")]
    assert len(rows)
    m = str(rows.message.iloc[0])
    assert "its own setting is not in the model" not in m
    assert ("(IEEE 1547-2018 §8.1; its anti-islanding clearing time is not in the model: the "
            "model's voltage relay lv on transformer.tg terminal 2 (disabled in the model) "
            "trips only outside 0.9–1.1 pu (uv1547 2 s at 0.9 pu to 0.166 s at 0.5 pu, ov1547 "
            "1 s at 1.1 pu to 0.166 s at 1.2 pu), which bounds no island whose voltage holds "
            "inside that band; protv2g does not evaluate it)") in m
