"""``init`` drafts the head relay's zone faults on the study's base case, as ``init --redraft``
does (session 34, ver33 §4): on IEEE 123 with the reviewer's 2 MVA YNd depot transformer in a
redirect, ``init`` wrote "min zone faults: … ground 59 A" (the fault study with depot_xf in,
a zero-sequence source below the head) while ``--redraft``, on the base case without the
site's own transformer (``model_transformer``, which init writes), wrote 113 A — the same
study, two figures. Both now read the base case: the figure init writes is the one the
re-draft computes on the study init wrote, and differs from the with-transformer one.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

DEPOT_XF = """\
! School-bus depot service transformer, Yg (4.16 kV) / delta (0.48 kV), 2000 kVA 5.75 %
New Transformer.depot_xf phases=3 windings=2 buses=(7, depot_lv) conns=(wye, delta)
~ kvs=(4.16, 0.48) kvas=(2000, 2000) xhl=5.75 %r=0.6 taps=(1.0, 1.0)
Set VoltageBases=(4.16, 0.48)
CalcVoltageBases
"""
SOURCE = "Edit Vsource.source MVAsc3=120 MVAsc1=110 X1R1=10 X0R0=8\n"
_ZONE = re.compile(r"min zone faults: phase (\d+) A, ground (\d+) A")


@pytest.fixture(scope="module")
def ieee123(shared_dir: Path, tmp_path_factory) -> Path:
    src = shared_dir / "feeders" / "opendss" / "123Bus"
    if not (src / "IEEE123Master.dss").is_file():
        pytest.skip(f"IEEE 123 model {src} not found")
    out = tmp_path_factory.mktemp("z123") / "123"
    shutil.copytree(src, out)
    shutil.copy(src.parent / "IEEELineCodes.DSS", out.parent)  # a script redirects to ../
    (out / "depot_xf.dss").write_text(DEPOT_XF)
    (out / "source.dss").write_text(SOURCE)
    return out


def test_init_and_redraft_read_the_same_base_case_zone_faults(ieee123):
    import warnings

    from protv2g.cli import main
    from protv2g.network.dss_model import load_dss_model
    from protv2g.study.loader import load_study
    from protv2g.study_draft.draft import PhaseDevice
    from protv2g.study_draft.head_rule import head_fault_study
    from protv2g.study_draft.redraft import redrafted

    p = ieee123.parent / "study" / "study.yaml"  # init copies the model beside it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["init", str(ieee123 / "IEEE123Master.dss"), "--redirect",
                     str(ieee123 / "source.dss"), "--redirect", str(ieee123 / "depot_xf.dss"),
                     "-o", str(p), "--site", "depot:depot_lv:24:60"]) == 0
        text = p.read_text()
        assert "model_transformer: depot_xf" in text
        phase_a, ground_a = (float(x) for x in _ZONE.search(text).groups())
        (prop,) = [pr for _i, _d, pr in redrafted(load_study(p))]
        # the fault study with the transformer in (the old draft's): another ground figure
        model = load_dss_model(ieee123 / "IEEE123Master.dss",
                               redirects=[ieee123 / "source.dss", ieee123 / "depot_xf.dss"])
        rows = head_fault_study(model, [PhaseDevice("h", "line.sw1", 1)]).device_rows(1.0)
    assert ground_a == pytest.approx(prop.figures["min_ground_fault_zone_a"], abs=0.6)
    assert phase_a == pytest.approx(prop.figures["min_phase_fault_zone_a"], abs=0.6)
    ground = rows[(rows.case == "min") & rows.fault_type.astype(str).str.match("SLG|LLG")
                  & (rows.i3i0_ka > 0)]
    with_xf_a = 1e3 * float(ground.i3i0_ka.min())
    assert with_xf_a < 0.7 * ground_a  # the YNd below the head takes 3I0 (59 vs 113 A)
