"""The network taken from OpenDSS (``network/dss_model.py``) and the pandapower import path.

References: OpenDSS itself (bus list, voltage bases, node order, element admittances through
``opendssdirect.py``) and the model files' own text (which buses have which phases).
"""

from __future__ import annotations

import re
import shutil
import warnings

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g.engine import fault_study  # noqa: E402
from protv2g.errors import InputError  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from protv2g.network.opendss import import_opendss  # noqa: E402
from protv2g.units import Case, FaultType  # noqa: E402

from .conftest import FEEDERS_DIR  # noqa: E402


@pytest.fixture(scope="module")
def ieee13(shared_dir):
    return load_dss_model(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")


def test_buses_phases_and_bases(ieee13):
    b = ieee13.buses
    assert b.at["611", "phases"] == "c" and b.at["684", "phases"] == "ac"
    assert b.at["652", "phases"] == "a" and b.at["671", "phases"] == "abc"
    assert np.isclose(b.at["671", "kv_ll"], 4.16) and np.isclose(b.at["sourcebus", "kv_ll"], 115)
    assert not b.at["634", "primary"] and b.at["633", "primary"]      # 0.48 kV secondary
    assert b.energized.all()
    assert ieee13.y_s.shape == (ieee13.n_nodes, ieee13.n_nodes) == (41, 41)


def test_node_order_is_opendss_y_order(ieee13):
    # bus 692's internal node order is 3, 1, 2 (its delta load 692.3.1 is defined first)
    names = list(ieee13.node_names)
    assert names.index("692.3") < names.index("692.1") < names.index("692.2")
    i = names.index("671.1")
    assert ieee13.node_num[i] == 1 and ieee13.buses.index[ieee13.node_bus[i]] == "671"


def test_element_admittance_and_node_map(ieee13):
    e = ieee13.element_y("line.650632")
    assert e.buses == ("rg60", "632") and e.yprim_s.shape == (6, 6)
    assert list(e.node_num) == [1, 2, 3, 1, 2, 3] and list(e.terminal) == [1, 1, 1, 2, 2, 2]
    assert list(ieee13.node_names[e.node]) == ["rg60.1", "rg60.2", "rg60.3", "632.1", "632.2",
                                                "632.3"]
    # series element: the current into terminal 1 returns from terminal 2
    assert np.abs(e.yprim_s[:3] + e.yprim_s[3:]).max() < 1e-6 * np.abs(e.yprim_s).max()
    with pytest.raises(InputError, match="no such enabled element"):
        ieee13.element_y("line.nowhere")


def test_lines_kept_from_the_load_equal_a_fresh_read(ieee13):
    """``lines()`` (read in ``load_dss_model``'s pass over the elements, for the minimum
    case's end temperature) is what reading each enabled line from OpenDSS again gives."""
    kept = ieee13.lines()
    names = ieee13.elements.name[ieee13.elements.enabled & (ieee13.elements.cls == "line")]
    assert [e.name for e in kept] == names.tolist() and len(kept) > 10
    for e in kept:
        again = ieee13.element_y(e.name)
        assert e.buses == again.buses
        for f in ("node", "node_num", "terminal", "yprim_s"):
            np.testing.assert_array_equal(getattr(e, f), getattr(again, f))


def test_shunts_are_loads_and_capacitors(ieee13):
    names = {e.name for e in ieee13.shunts}
    assert {"load.671", "load.692", "capacitor.cap1", "capacitor.cap2"} <= names
    assert not any(n.startswith(("line.", "transformer.")) for n in names)


def test_model_devices(shared_dir):
    m = load_dss_model(FEEDERS_DIR / "opendss_example" / "Master.dss")
    d = m.devices.set_index("name")
    assert set(d.index) == {"recloser.r1", "fuse.fa", "fuse.fb"}
    assert d.at["fuse.fa", "element"] == "line.la" and d.at["fuse.fa", "terminal"] == 1
    dg = load_dss_model(shared_dir / "feeders" / "opendss" / "DG_Protection" / "DG_Prot_Fdr.dss")
    assert set(dg.devices.name) == {"recloser.a", "recloser.b", "recloser.d", "fuse.f1",
                                    "fuse.f2", "relay.lv"}
    assert not dg.devices.enabled.any()          # the DG feeder disables them; still listed
    assert "Fault.flt" in set(dg.warnings.name)   # the model's own fault element: disabled


def test_read_only_folder_and_second_compile(shared_dir, tmp_path):
    """A RegControl with debugtrace=yes must not write into the model folder, twice."""
    src = shared_dir / "feeders" / "opendss"
    model_dir = tmp_path / "13Bus"
    model_dir.mkdir()
    for f in ("IEEE13Nodeckt.dss", "IEEELineCodes.DSS"):
        shutil.copy(src / "13Bus" / f, model_dir / f)
    shutil.copy(src / "IEEELineCodes.DSS", tmp_path / "IEEELineCodes.DSS")  # ../ of the master
    master = model_dir / "IEEE13Nodeckt.dss"
    text = master.read_text()
    master.write_text(re.sub(r"(?i)new regcontrol\.reg1 ", "New RegControl.Reg1 debugtrace=yes ",
                             text))
    assert "debugtrace=yes" in master.read_text()
    before = sorted(p.name for p in model_dir.iterdir())
    a = load_dss_model(master)
    b = load_dss_model(master)
    assert sorted(p.name for p in model_dir.iterdir()) == before   # no REG_reg1.csv
    assert np.allclose(a.v_oc_v, b.v_oc_v)
    assert a.warnings.what.str.contains("trace file switched off").any()


def test_script_commands_skipped_are_listed(ieee13):
    w = ieee13.warnings
    assert w[w.element == "script"].what.str.lower().str.startswith(("solve", "buscoords")).any()


# ---------------------------------------------------------------- the pandapower import path


def test_imported_net_runs_with_the_default_method(shared_dir):
    """#15: every imported OpenDSS net failed the default (IEC 60909) method for want of
    ``line.endtemp_degree``; the importer now sets it and says so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imp = import_opendss(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")
        res = fault_study(imp.net, fault_types=[FaultType.THREE_PHASE], cases=list(Case))
    assert (imp.net.line.endtemp_degree == 80.0).all()
    assert imp.warnings.what.str.contains("end temperature").any()
    mx = res.bus[res.bus.case == "max"].ikss_ka.to_numpy()
    mn = res.bus[res.bus.case == "min"].ikss_ka.to_numpy()
    # c_max 1.1 / c_min 1.0 and hot conductors; at the source bus c cancels (Z_Q = c·Un²/S″kQ)
    assert np.all(mn <= mx * (1 + 1e-9)) and (mn < mx * (1 - 1e-6)).sum() == len(mx) - 1


def test_disabled_line_to_a_bus_only_it_reaches_is_left_out():
    """#15: a KeyError traceback on J1, K1, M1 and ckt5."""
    path = FEEDERS_DIR.parent / "tests" / "data" / "phase_cases" / "open_phase_disabled_line.dss"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imp = import_opendss(path)
    assert "le" not in set(imp.net.line.name)
    w = imp.warnings[imp.warnings.name == "Line.le"]
    assert w.what.str.contains("not in OpenDSS's circuit").all() and len(w) == 1
