"""A fuse's standard against its bus voltage, and an IEC 60269 link's rating basis.

Review rev36b (European LV test feeder, 416 V): a 100K EEI-NEMA expulsion link was accepted
on the 416 V cable feeder without a word, and its interrupting rating was judged on the
asymmetrical basis of US distribution cutouts (IEEE C37.41/C37.42), where an IEC 60269 fuse's
breaking capacity is a prospective symmetrical current. Before this change ``validate`` said
"valid" with no fuse warning (and the library had no gG link to name as the fix).
"""

from __future__ import annotations

import shutil
import warnings
from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.devices.library import default_library
from protv2g.study.fuse_standard import fuse_voltage_warnings
from protv2g.study.places import DeviceSite
from protv2g.units import DeviceKind

STUDY = """name: lv-fuse
feeder:
  opendss: LVTestCase/Master.dss
no_fuses_or_reclosers: false
devices:
  - name: F-END
    kind: fuse
    location: {{line: line752, end: from}}
    link: {link}
    interrupting_rating_ka: 50{basis}
v2g_sites:
  - name: h899
    bus: '899'
    n_chargers: 1
    p_charger_kw: 7.4
    phases: 1
    phase: b
"""


@pytest.fixture(scope="module")
def lv_folder(shared_dir, tmp_path_factory):
    pytest.importorskip("opendssdirect")
    src = shared_dir / "feeders" / "opendss" / "LVTestCase"
    if not (src / "Master.dss").is_file():
        pytest.skip(f"{src} not found (the shared data are not here)")
    folder = tmp_path_factory.mktemp("lvfuse")
    shutil.copytree(src, folder / "LVTestCase")
    return folder


def _study(folder, name: str, link: str, basis: str = ""):
    from protv2g.study.loader import validated_study

    path = folder / f"{name}.yaml"
    path.write_text(STUDY.format(link=link, basis=basis), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        issues, study = validated_study(path)
    assert not issues, issues
    return path, study


def test_k_link_on_the_416_v_feeder_is_named_with_the_gg_fix(lv_folder):
    from protv2g.study.plausibility import plausibility_warnings

    path, study = _study(lv_folder, "k", "100K")
    (w,) = [w for w in plausibility_warnings(study) if "US distribution" in w.message]
    assert w.file == str(path) and w.field == "devices[0].link"
    assert "'F-END'" in w.message and "416 V" in w.message and "100K" in w.message
    assert "devices[0].link: 100gG" in w.fix
    # a K link keeps the US cutouts' asymmetrical basis (IEEE C37.41/C37.42)
    assert study.document.devices[0].interrupting_rating_basis == "asym"


def test_gg_link_on_the_416_v_feeder_is_quiet_and_judged_symmetrical(lv_folder):
    from protv2g.study.plausibility import plausibility_warnings

    _path, study = _study(lv_folder, "gg", "100gG")
    fuse_words = [w for w in plausibility_warnings(study)
                  if "F-END" in w.message and ".link" in w.field]
    assert fuse_words == []
    assert study.document.devices[0].interrupting_rating_basis == "sym"
    # a tool default, not a given value (the Inputs sheet says "tool default")
    assert "interrupting_rating_basis" not in study.document.devices[0].model_fields_set
    # a basis the study gives is kept
    _path, study = _study(lv_folder, "gg_asym", "100gG",
                          "\n    interrupting_rating_basis: asym")
    assert study.document.devices[0].interrupting_rating_basis == "asym"


def _fake_study(kv: float):
    net = SimpleNamespace(bus=pd.DataFrame({"vn_kv": [kv, kv]}))
    return SimpleNamespace(library=default_library(), model=None, net=net,
                           device_sites={"F1": DeviceSite("line", 0, 0, 1)})


@pytest.mark.parametrize(("kv", "link", "words"), [
    (0.4, "65K", "US distribution"), (0.4, "40T", "US distribution"),
    (12.47, "100gG", "IEC 60269 low-voltage"), (12.47, "65K", None), (0.4, "63gG", None)])
def test_fuse_standard_against_bus_voltage(kv, link, words):
    device = SimpleNamespace(kind=DeviceKind.FUSE, name="F1", link=link)
    out = fuse_voltage_warnings(_fake_study(kv), device, "devices[0]", "s.yaml")
    if words is None:
        assert out == []
    else:
        (w,) = out
        assert words in w.message and w.field == "devices[0].link" and w.file == "s.yaml"
        if link == "65K":
            assert "63gG" in w.fix  # the nearest gG rating
