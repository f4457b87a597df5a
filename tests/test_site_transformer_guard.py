"""A site's own transformer with no device of the study on it is said (reviews rev33b/rev33c,
"silently missing": IEEE 123's 2 MVA ``depot_xf`` had no fuse or breaker and nothing said
so, though the README promises a "no device at transformer X" warning per step transformer).

The feeder: a 12.47 kV trunk with the depot's 2 MVA YNd transformer added by a redirect
(``tests/test_dss_site_transformer.py``'s). The full-load current in the warning is checked
against the nameplate by hand: 2000 kVA / (√3 · 12.47 kV) = 92.6 A.
"""

from __future__ import annotations

import math

import pytest

pytest.importorskip("opendssdirect")

from protv2g.study import load_study  # noqa: E402
from protv2g.study.loader import validate_study_warnings  # noqa: E402
from protv2g.study.site_transformer_guard import unguarded_site_transformer_rows  # noqa: E402

from .test_dss_site_transformer import MASTER, STUDY, XF  # noqa: E402

FUSE = """  - {name: F-XF, kind: fuse, location: {trafo: depot_xf, side: hv}, link: 100K,
     interrupting_rating_ka: 10}
v2g_sites:"""


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "Master.dss").write_text(MASTER)
    (tmp_path / "depot_xf.dss").write_text(XF)
    text = STUDY.format(bus="depot_lv", extra=", model_transformer: depot_xf")
    (tmp_path / "bare.yaml").write_text(text)
    (tmp_path / "fused.yaml").write_text(text.replace("v2g_sites:", FUSE, 1))
    return tmp_path


def _said(warnings):
    return [w for w in warnings if "no device at transformer depot_xf" in w.message]


def test_validate_warns_of_a_site_transformer_with_no_device(folder):
    problems, warnings = validate_study_warnings(folder / "bare.yaml")
    assert problems == []
    hit = _said(warnings)
    assert len(hit) == 1
    w = hit[0]
    assert w.field == "v2g_sites[0].model_transformer"
    full_load_a = 2000 / (math.sqrt(3) * 12.47)  # by hand: 92.6 A
    assert f"(2 MVA, full load {full_load_a:.0f} A at 12.47 kV)" in w.message
    assert "site(s) depot" in w.message
    assert "location: {trafo: depot_xf, side: hv}" in w.fix
    # the workbook's Feeder warnings sheet carries it too
    rows = unguarded_site_transformer_rows(load_study(folder / "bare.yaml"), None)
    assert list(rows.element) == ["transformer"]
    assert rows.what.iat[0] == w.message


def test_no_warning_with_a_fuse_on_the_transformer(folder):
    problems, warnings = validate_study_warnings(folder / "fused.yaml")
    assert problems == []
    assert _said(warnings) == []
    assert unguarded_site_transformer_rows(load_study(folder / "fused.yaml"), None) is None
