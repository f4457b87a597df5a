"""OpenDSS importer on protv2g's own example feeder (no ../shared needed).

References: the example's OpenDSS script (``feeders/opendss_example/Master.dss``) and OpenDSS
itself through ``opendssdirect.py`` (``protv2g.network.opendss_reference``).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandapower as pp
import pytest

pytest.importorskip("opendssdirect")

from protv2g.errors import InputError  # noqa: E402
from protv2g.network.opendss import import_opendss  # noqa: E402
from protv2g.network.opendss_reference import opendss_voltages  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "feeders" / "opendss_example" / "Master.dss"
MI_KM, KFT_KM = 1.609344, 0.3048
#: Positive-sequence voltage tolerance vs OpenDSS, pu (issue #5: 0.01 pu).
V1_TOL_PU = 0.01


@pytest.fixture(scope="module")
def imp():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return import_opendss(EXAMPLE)


def test_names_and_source(imp) -> None:
    net = imp.net
    assert set(net.bus.name) == {"src", "sub", "b1", "b2", "b3", "b4", "lat1", "lat2"}
    assert set(net.line.name) == {"l1", "l2", "l3", "la", "lb"}
    eg = net.ext_grid.iloc[0]
    # Source: MVAsc3 = 1500 at 115 kV, X1/R1 = 8 (the script); min repeats max.
    assert eg.s_sc_max_mva == pytest.approx(1500.0, rel=1e-9)
    assert eg.rx_max == pytest.approx(1 / 8, rel=1e-9)
    for col in ("s_sc_{}_mva", "rx_{}", "x0x_{}", "r0x0_{}"):
        assert eg[col.format("min")] == eg[col.format("max")]
    assert eg.x0x_max > 0 and eg.r0x0_max == pytest.approx(1 / 3, rel=1e-9)


def test_line_sequence_data(imp) -> None:
    line = imp.net.line.set_index("name")
    assert line.at["l1", "r_ohm_per_km"] == pytest.approx(0.306 / MI_KM, rel=1e-9)
    assert line.at["l1", "x0_ohm_per_km"] == pytest.approx(1.820 / MI_KM, rel=1e-9)
    assert line.at["l1", "length_km"] == pytest.approx(0.8 * MI_KM, rel=1e-12)
    # 1-phase lateral: Z1 = Z0 = Zself (SLG loop 2·Z1 + Z0 = 3·Zself).
    for col in ("r_ohm_per_km", "r0_ohm_per_km"):
        assert line.at["la", col] == pytest.approx(0.329 / KFT_KM, rel=1e-9)
    assert line.at["la", "x0_ohm_per_km"] == pytest.approx(0.258 / KFT_KM, rel=1e-9)
    # Phase-matrix code: Z1 = mean(diag) − mean(off-diag), Z0 = mean(diag) + 2·mean(off-diag).
    zs, zm = np.mean([1.104, 1.112, 1.106]), np.mean([0.239, 0.235, 0.241])
    assert line.at["l3", "r_ohm_per_km"] == pytest.approx((zs - zm) / MI_KM, rel=1e-9)
    assert line.at["l3", "r0_ohm_per_km"] == pytest.approx((zs + 2 * zm) / MI_KM, rel=1e-9)


def test_transformer_loads_shunts_sgens(imp) -> None:
    net = imp.net
    tr = net.trafo.iloc[0]
    assert (tr.vector_group, tr.shift_degree) == ("Dyn", 30.0)
    assert tr.vk_percent == pytest.approx(np.hypot(0.6, 8.0), rel=1e-9)
    load = net.load.set_index("name")
    assert load.at["b3", "type"] == "delta" and load.at["b3", "const_z_p_percent"] == 100.0
    asym = net.asymmetric_load.set_index("name")
    assert asym.at["lat1", "p_a_mw"] == pytest.approx(0.25)
    assert asym.at["lat2", "p_c_mw"] == pytest.approx(0.18)
    assert net.shunt.q_mvar.iloc[0] == pytest.approx(-0.6)
    sg = net.sgen.iloc[0]
    # k: the project's first-cycle limit (1.2 until session 42), not the element's own
    assert (sg.k, sg.sn_mva, sg.k_default) == (1.5, 0.5, True)
    assert sg.p_mw == pytest.approx(0.45, rel=1e-3)
    assert set(net.switch.name) == {"tie"} and net.switch.closed.all()


def test_devices_and_curves(imp) -> None:
    dev = {d["name"]: d for d in imp.devices}
    r1 = dev["r1"]
    assert r1["kind"] == "recloser" and r1["location"] == {"line": "l1", "end": "from"}
    assert (r1["phase_min_trip_a"], r1["ground_min_trip_a"]) == (560.0, 280.0)
    assert (r1["fast_curve"], r1["delayed_curve"]) == ("101", "133")
    assert (r1["n_fast"], r1["n_delayed"]) == (2, 2)
    assert r1["reclose_intervals_s"] == [0.5, 2.0, 2.0]
    assert (r1["delayed_multiplier"], r1["reset_time_s"], r1["delayed_adder_s"]) == (
        1.2,
        30.0,
        0.02,
    )
    assert dev["fa"] == {
        "name": "fa",
        "kind": "fuse",
        "location": {"line": "la", "end": "from"},
        "link": "klink",
        "rating_a": 65.0,
    }
    assert dev["fb"]["link"] == "tlink" and dev["fb"]["rating_a"] == 40.0
    curves = {c["name"]: c for c in imp.curves}
    assert set(curves) == {"101", "133", "klink", "tlink"}
    assert curves["101"]["c_array"][:2] == [1.0, 1.5] and curves["101"]["t_array_s"][0] == 0.12
    assert curves["133"]["source"] == str(EXAMPLE)
    assert curves["klink"]["source"] == "OpenDSS built-in TCC_Curve"


def test_warning_table(imp) -> None:
    w = imp.warnings
    assert list(w.columns) == ["element", "name", "what", "action"]
    skipped = set(w.loc[w.element == "script", "what"])
    assert skipped == {"BusCoords buscoords.csv", "Solve", "Show Voltages LN Nodes"}
    assert set(w.loc[w.what == "1-phase section", "name"]) == {"Line.la", "Line.lb"}
    assert "Line.tie" in set(w.name)


def test_power_flow_matches_opendss(imp) -> None:
    net = imp.net
    pp.runpp(net)
    ref = opendss_voltages(EXAMPLE)
    v1 = ref.loc[net.bus.name, "v1_pu"].to_numpy()
    three = ~np.isnan(v1)
    dev = np.abs(net.res_bus.vm_pu.to_numpy()[three] - v1[three])
    assert dev.max() < V1_TOL_PU  # measured 0.0006 pu


def test_import_leaves_cwd(tmp_path) -> None:
    before = os.getcwd()
    import_opendss(EXAMPLE)
    assert os.getcwd() == before


def test_missing_file_names_it(tmp_path) -> None:
    with pytest.raises(InputError, match="not found"):
        import_opendss(tmp_path / "nope.dss")


def test_compile_error_names_line(tmp_path) -> None:
    bad = tmp_path / "bad.dss"
    bad.write_text("Clear\nNew Circuit.x basekv=12.47\nNew Lyne.l1 bus1=a bus2=b\n")
    with pytest.raises(InputError, match="line 3"):
        import_opendss(bad)


def test_missing_redirect_and_voltage_base(tmp_path) -> None:
    bad = tmp_path / "bad.dss"
    bad.write_text("Clear\nNew Circuit.x basekv=12.47\nRedirect missing.dss\n")
    with pytest.raises(InputError, match="missing.dss"):
        import_opendss(bad)
    nobase = tmp_path / "nobase.dss"
    nobase.write_text("Clear\nNew Circuit.x basekv=12.47\nNew Line.l1 bus1=sourcebus bus2=b\n")
    with pytest.raises(InputError, match="VoltageBases"):
        import_opendss(nobase)
