"""A transformer's own fuse below its inrush / cold-load window is said by ``validate`` and
failed by C8 (review rev42a M5, EPRI ckt5: ``f-depot-xf`` 100K on depot_xf, 2 MVA 12.47 kV,
FLA 92.6 A; only ``recommend`` said so, validate and run were silent).

Hand figures, not computed by protv2g:

* FLA = S / (√3 · V_LL): 2,000 kVA at 12.47 kV → 92.60 A; the pandapower test net's XF
  2,500 kVA at 12.47 kV → 115.75 A.
* ANSI C37.43 EEI-NEMA K-link melting currents (the lower ends are the links' minimum
  melt, ``protv2g/relay_library/fuse_links.yaml``, as tests/test_fuse_window.py lists them):
  10-s minimum 100K 258 A, 140K 430 A; 0.1-s minimum 100K 1,520 A. So a 100K holds
  12 × FLA = 1,111 A for 0.1 s on depot_xf (1,520 A > 1,111 A) but melts before 10 s at
  3 × FLA = 277.8 A (258 A < 277.8 A), and on XF at 3 × 115.75 = 347.3 A; 140K holds both
  (430 A > 347.3 A).
* The reviewer's ``curves eval 100K --min-melt`` (rev42a M5): 7.56 s at 3 × FLA, 0.81 s at
  6 × FLA (our hand FLA 92.60 A gives 277.8 A: 7.58 s).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from protv2g.checks._common import build_devices
from protv2g.checks.load import check_load
from protv2g.devices.fuse import Fuse
from protv2g.devices.library import default_library
from protv2g.study.plausibility import plausibility_warnings
from tests.test_checks_common import DEVICES, make_study
from tests.test_transformer_close_in import FUSE, _net

FLA_DEPOT_A = 2000.0 / (math.sqrt(3.0) * 12.47)  # 92.60 A
FLA_XF_A = 2500.0 / (math.sqrt(3.0) * 12.47)  # 115.75 A


def test_rule_on_the_ckt5_depot_fuse() -> None:
    from protv2g.devices.transformer_withstand import shortfalls, smallest_withstanding

    assert FLA_DEPOT_A == pytest.approx(92.60, abs=0.01)
    lib = default_library()
    got = shortfalls(Fuse(name="f", link="100K", library=lib), FLA_DEPOT_A)
    # the 10-s point: ANSI 10-s minimum 258 A < 3 × FLA = 277.8 A; the 0.1-s point holds
    assert [(p.multiple, p.t_s) for p, _, _ in got] == [(6.0, 1.0), (3.0, 10.0)]
    (_, i10, t10) = got[1]
    assert i10 == pytest.approx(3.0 * FLA_DEPOT_A) and 258.0 < i10
    assert t10 == pytest.approx(7.56, abs=0.05)  # the reviewer's curves eval
    assert got[0][2] == pytest.approx(0.81, abs=0.01)
    assert shortfalls(Fuse(name="f", link="140K", library=lib), FLA_DEPOT_A) == []
    assert smallest_withstanding(lib, "100K", FLA_DEPOT_A) == "140K"


def _study(tmp_path, link: str):
    return make_study(tmp_path, devices=[*DEVICES, dict(FUSE, link=link)], net=_net())


def test_validate_warns_on_the_link_with_the_smallest_that_carries_it(tmp_path) -> None:
    """On the old code validate said nothing of F-XF's link (review rev42a M5)."""
    s = _study(tmp_path / "a", "100K")
    hits = [w for w in plausibility_warnings(s) if "cold-load" in w.message]
    assert len(hits) == 1
    (w,) = hits
    assert w.field == f"devices[{len(DEVICES)}].link"
    assert "F-XF" in w.message and "XF's inrush and cold-load withstand" in w.message
    assert "at 3 × FLA (347 A; cold-load point 10 s)" in w.message
    assert "full load 115.7 A" in w.message
    assert "the smallest preferred-series K link that carries them is 140K" in w.fix
    ok = _study(tmp_path / "b", "140K")
    assert not [w for w in plausibility_warnings(ok) if "cold-load" in w.message]


def _ctx(study) -> SimpleNamespace:
    devices, errors = build_devices(study)
    flow = pd.DataFrame({"scenario": ["base/peak", "v2g"], "step": [0, 0],
                         "device": ["F-XF", "F-XF"], "i_a": [50.0, 60.0], "p_mw": [1.0, 1.2]})
    return SimpleNamespace(
        study=study, flow={"device": flow}, build_errors=errors,
        devices={"F-XF": devices["F-XF"]},
        thresholds=SimpleNamespace(load_pickup_factor=1.5, loading_change_min_percent=1.0),
        export_text=lambda sc: "")


def test_c8_fails_the_fuse_in_every_scenario(tmp_path) -> None:
    """60 A is far under 100K's C8 limit (200 A / 1.5 = 133 A): on the old code C8 had no
    row for F-XF; now one fail per scenario at its worst point (3 × FLA, 10 s)."""
    rows = check_load(_ctx(_study(tmp_path / "a", "100K")))
    bad = rows[(rows.status == "fail") & (rows.device == "F-XF")]
    assert sorted(bad.scenario) == ["base/peak", "v2g"]
    r = bad.iloc[0]
    assert r.margin_unit == "s" and r.limit == 10.0 and r.rule_value == 3.0
    assert r.i_device_a == pytest.approx(3.0 * FLA_XF_A)
    assert -10.0 < r.margin < 0.0  # melts before 10 s
    assert r.attribution == "pre-existing"  # not a V2G site's own transformer
    assert "100K melts" in r.message and "140K" in r.message
    assert "IEEE Std C37.48.1" in r.rule_source
    ok = check_load(_ctx(_study(tmp_path / "b", "140K")))
    assert not (ok.status == "fail").any()


def test_a_withstand_row_does_not_rest_on_the_drafted_peak_load():
    """A transformer fuse's withstand row reads the transformer's rating and the fuse's curve,
    no flow: it does not rest on an init-drafted peak load level (EPRI ckt5 at session 42's
    end: "C8 f-depot-xf … 100K melts in 0.815 s at 6 × FLA … confirm the peak load level")."""
    import pandas as pd

    from protv2g.checks.load_withstand import WITHSTAND_MECHANISM
    from protv2g.input_basis import InputBases, confirm_texts

    rows = pd.DataFrame({"criterion": ["C8", "C8"], "status": ["fail", "fail"],
                         "device": ["F-XF", "F-LAT"], "other_device": ["", ""],
                         "mechanism": [WITHSTAND_MECHANISM, "import peak: load"],
                         "scenario": ["base/peak", "base/peak"]})
    texts = confirm_texts(rows, InputBases(peak_load=True))
    assert "peak load level" not in texts[0] and "peak load level" in texts[1]


FLA_CAMPUS_A = 1500.0 / (math.sqrt(3.0) * 24.9)  # IEEE 34 campus_xf, 1.5 MVA 24.9 kV: 34.78 A


def test_the_preferred_link_first_and_the_intermediate_as_the_alternative():
    """Review rev43a M7, IEEE 34 campus_xf under a 25K: validate and C8 named "the smallest K
    link … is 50K" (intermediate) where recommend tries the preferred series (65K) first.
    Hand, ANSI C37.43 10-s minimum melting currents (fuse_links.yaml's lower ends): 40K 98 A,
    50K 126 A, 65K 159 A against 3 × FLA = 104.3 A for 10 s: 40K melts, 50K and 65K hold;
    0.1-s minimum 50K 719 A > 12 × FLA = 417.4 A. Fails on the old code (no such helper)."""
    from protv2g.devices.transformer_withstand import withstand_fix_text, withstanding_links

    lib = default_library()
    assert 3.0 * FLA_CAMPUS_A == pytest.approx(104.3, abs=0.1)
    assert 98.0 < 3.0 * FLA_CAMPUS_A < 126.0 and 12.0 * FLA_CAMPUS_A < 719.0
    assert withstanding_links(lib, "25K", FLA_CAMPUS_A) == ("65K", "50K")
    text = withstand_fix_text(lib, "25K", FLA_CAMPUS_A)
    assert text.startswith("the smallest preferred-series K link that carries them is 65K (")
    assert text.endswith("; the intermediate-series 50K carries them too, where the utility "
                         "stocks that series")
    # no preferred link below the 140K on depot_xf: no alternative
    assert withstanding_links(lib, "100K", FLA_DEPOT_A) == ("140K", None)


def test_validate_and_c8_name_the_link_in_one_text(tmp_path) -> None:
    from protv2g.devices.transformer_withstand import withstand_fix_text

    s = _study(tmp_path / "a", "100K")
    want = withstand_fix_text(default_library(), "100K", FLA_XF_A)
    (w,) = [w for w in plausibility_warnings(s) if "cold-load" in w.message]
    assert w.fix.startswith(want + "; use it")
    rows = check_load(_ctx(s))
    assert all(m.endswith(want) for m in rows[rows.status == "fail"].message.astype(str))
