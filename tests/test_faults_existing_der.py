"""``protv2g faults MASTER.dss`` treats the feeder's existing inverters as a study does (ver42 W).

The bare-model path ran ``phase_fault_study`` with OpenDSS's own fault-study elements: a
``Generator`` of ``model=7`` (OpenDSS's current-limited inverter approximation) as a machine —
2 MVA at 12.47 kV added 448 A at its bus (IEC 60909) where an inverter at the first-cycle limit
adds 138.9 A — and a ``PVSystem`` as OpenDSS stamps it in its fault study, the *negative* of
its Thevenin admittance (``−1/Z_thev``, ``%R``/``%X`` 50 %/50 % on its kVA): the 1 MVA PV
*lowered* b2's current (its "injection" ≈ 70 A at +72°, about 100° off the study's −30°).
A study on the same model (``faults study.yaml``, ``run``) had both right (session 42).

Case: the shared ``synchronous-generator-source/master_nogen.dss`` (12.47 kV behind a
115/12.47 kV Dy substation transformer, 16 km of line; review rev41b's ``sg4_model7.dss``)
with a 2 MW model-7 Generator at b2 and a 1 MVA PVSystem at b3. References, none computed by
protv2g:

* hand: each unit at the chargers' first-cycle limit, 1.5 pu of its kVA
  (``protv2g.units.INVERTER_FIRST_CYCLE_PU``, domain.md §1): 1.5 × 2,000 kVA / (√3 × 12.47 kV)
  = 138.9 A and 1.5 × 1,000 / (√3 × 12.47) = 69.4 A, at unity power factor in phase with
  b2's pre-fault voltage (−30°: the substation's Dy shift);
* OpenDSS's own fault study (``solve mode=faultstudy``) of the master **without** the units:
  the grid alone, 813.7 A at b2;
* what OpenDSS itself assumes (read from its ``Yprim`` in the fault-study state, DSS C-API
  0.14.5): the model-7 unit behind ``Xdp`` = 0.28 pu taken as a resistance (``1/(Xdp·Z_base)``,
  real) — it adds ≈ 224 A to b2's magnitude —, the PV as ``−1/Z_thev``, which lowers b2's current.
"""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

pytest.importorskip("opendssdirect")

from protv2g.cli import main  # noqa: E402
from protv2g.engine.phase.der import MODEL7_NOTE  # noqa: E402
from protv2g.network.opendss_reference import opendss_fault_study  # noqa: E402

from .conftest import SHARED_DIR, need_dss_master  # noqa: E402

MODEL7 = "New Generator.pvgen bus1=b2 kV=12.47 kW=2000 kVA=2000 pf=1 model=7 Vminpu=0.8"
PV = "New PVSystem.pv1 phases=3 bus1=b3 kV=12.47 kVA=1000 Pmpp=1000 irradiance=1"
KV_LL = 12.47
HAND_MODEL7_A = 1.5 * 2000.0 / (np.sqrt(3) * KV_LL)  # 138.9 A
HAND_PV_A = 1.5 * 1000.0 / (np.sqrt(3) * KV_LL)  # 69.4 A
B2_VOLTAGE_DEGREE = -30.0  # b2's pre-fault voltage angle, phase a (Dy substation)


def _masters(tmp_path) -> dict[str, object]:
    """The shared master with none, one or both units (``{"grid", "model7", "pv", "both"}``)."""
    src = need_dss_master(SHARED_DIR / "cases" / "synchronous-generator-source"
                          / "master_nogen.dss")
    text = src.read_text()
    cut = text.index("Set VoltageBases")
    out = {}
    for name, lines in {"grid": [], "model7": [MODEL7], "pv": [PV],
                        "both": [MODEL7, PV]}.items():
        path = tmp_path / f"{name}.dss"
        path.write_text(text[:cut] + "".join(f"{line}\n" for line in lines) + text[cut:])
        out[name] = path
    return out


def _faults(source, out, *options: str) -> pd.DataFrame:
    """``protv2g faults SOURCE --csv OUT`` (3ph and SLG, max and min), the table indexed by
    (bus, fault type, phase, case), phase a as a phasor (``ia``), A."""
    assert main(["faults", str(source), "--fault-types", "3ph", "SLG", "--cases", "max", "min",
                 "--csv", str(out), *options]) == 0
    t = pd.read_csv(out, dtype={"bus": str})
    t["ia"] = 1000.0 * t.ia_ka * np.exp(1j * np.radians(t.ia_degree))
    return t.set_index(["bus", "fault_type", "phase", "case"]).sort_index()


def _existing_block(printed: str) -> str:
    """The command's lines on the existing sources."""
    m = re.search(r"^existing sources .*?(?=^\S)", printed + "\nEND", re.S | re.M)
    assert m, printed
    return m.group(0)


@pytest.fixture(scope="module")
def classical(tmp_path_factory):
    """Every variant through ``faults MASTER.dss --method classical`` and its printed text."""
    import contextlib
    import io

    tmp = tmp_path_factory.mktemp("faults_der")
    tables, printed = {}, {}
    for name, path in _masters(tmp).items():
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            tables[name] = _faults(path, tmp / f"{name}.csv", "--method", "classical")
        printed[name] = buf.getvalue()
    return tmp, tables, printed


def test_model7_and_pv_feed_as_inverters_at_the_first_cycle_limit(classical):
    """Each unit's own current at b2 (3ph, max) is the hand value at b2's voltage angle, and
    the rest is OpenDSS's fault study of the grid alone. Old code: the model-7 unit 433.0 A
    (OpenDSS's machine), the PV ≈ 51 A at ≈ +76° — b2 981.5 A, not 919.7 A."""
    tmp, t, _ = classical
    key = ("b2", "3ph", "abc", "max")
    grid = t["grid"].loc[key, "ia"]
    ref, _ = opendss_fault_study(tmp / "grid.dss")
    grid_dss = float(ref[(ref.bus == "b2") & (ref.phase == "a")].isc_a.iat[0])
    np.testing.assert_allclose(abs(grid), grid_dss, rtol=1e-3)  # 813.7 A
    for unit, hand in (("model7", HAND_MODEL7_A), ("pv", HAND_PV_A)):
        own = t[unit].loc[key, "ia"] - grid
        np.testing.assert_allclose(abs(own), hand, rtol=1e-3, err_msg=unit)
        assert abs(np.angle(own, deg=True) - B2_VOLTAGE_DEGREE) < 0.5, (unit, own)
    both = t["both"].loc[key, "ia"]
    np.testing.assert_allclose(abs(both - grid), HAND_MODEL7_A + HAND_PV_A, rtol=1e-3)
    np.testing.assert_allclose(abs(both), abs(grid + (HAND_MODEL7_A + HAND_PV_A) * np.exp(
        1j * np.radians(B2_VOLTAGE_DEGREE))), rtol=1e-3)  # 919.7 A


def test_minimum_case_leaves_them_out(classical):
    """The minimum case is the grid alone at every bus and fault (the units ceased, 0 A; each
    unit alone to 1.4e-7, both 1.4e-5 — the engine's removal of two units' OpenDSS injection,
    as on the study path, 0.1 % in ``test_existing_inverter_prefault``)."""
    _, t, _ = classical
    for name in ("model7", "pv", "both"):
        got = t[name].xs("min", level="case").ikss_ka
        want = t["grid"].xs("min", level="case").ikss_ka.loc[got.index]
        np.testing.assert_allclose(got, want, rtol=1e-4, err_msg=name)


def test_what_opendss_itself_assumes(classical):
    """OpenDSS's own fault study, which the bare path followed until session 43: the model-7
    unit behind Xdp as a resistance (a machine's current), the PV as −1/Z_thev (lowers b2)."""
    from protv2g.network.dss_model import compile_model, solve_power_flow

    tmp, _, _ = classical
    ref = {n: opendss_fault_study(tmp / f"{n}.dss")[0].query("bus == 'b2' and phase == 'a'")
           .isc_a.iat[0] for n in ("grid", "model7", "pv")}
    # 1037.3 − 813.7 = 223.6 A in magnitude (≈ 437 A as a phasor), against 138.9 A
    assert ref["model7"] - ref["grid"] > 1.5 * HAND_MODEL7_A
    assert ref["pv"] < ref["grid"]  # a PV lowering b2's fault current (≈ 764 A)
    dss, warn = compile_model(tmp / "both.dss", ())
    solve_power_flow(dss, True, warn)
    dss.Text.Command("solve mode=faultstudy")
    z_base = {"generator.pvgen": KV_LL**2 / 2.0, "pvsystem.pv1": KV_LL**2 / 1.0}  # Ω
    want = {"generator.pvgen": 1.0 / (0.28 * z_base["generator.pvgen"]),       # Xdp as R
            "pvsystem.pv1": -1.0 / ((0.5 + 0.5j) * z_base["pvsystem.pv1"])}   # −1/Z_thev
    for name, y_want in want.items():
        dss.Circuit.SetActiveElement(name)
        y = np.asarray(dss.CktElement.YPrim())
        np.testing.assert_allclose(y[0] + 1j * y[1], y_want, rtol=1e-6, err_msg=name)


def test_the_output_says_how_they_were_treated(classical):
    """In the study's words (its Existing sources sheet): the model-7 note, the law."""
    _, _, printed = classical
    block = _existing_block(printed["both"])
    assert "existing sources (2)" in block
    assert f"generator.pvgen (b2, 2000 kVA): {MODEL7_NOTE}current-limited inverter" in block
    assert "pvsystem.pv1 (b3, 1000 kVA): current-limited inverter by the chargers' law: " \
           "1.5 pu first cycle" in block
    assert "max case only (0 A in the min case)" in block
    assert "existing sources" not in printed["grid"]


@pytest.mark.parametrize("method", ["classical", "iec60909"])
def test_same_numbers_as_a_study_on_that_model(classical, method):
    """``faults study.yaml`` on a study reading the same master gives every row of ``faults
    MASTER.dss`` and prints the same words (one code path: ``protv2g.api.dss_fault_study``)."""
    import contextlib
    import io

    tmp, t, _ = classical
    study = tmp / f"study_{method}.yaml"
    study.write_text("name: der\nfeeder:\n  opendss: both.dss\nfaults:\n  method: classical\n"
                     "scenarios:\n  export_levels_fraction: [0.0]\n")
    printed = {}
    tables = {}
    for kind, src in (("study", study), ("bare", tmp / "both.dss")):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            tables[kind] = _faults(src, tmp / f"{kind}_{method}.csv", "--method", method)
        printed[kind] = buf.getvalue()
    if method == "classical":
        pd.testing.assert_series_equal(tables["bare"].ikss_ka, t["both"].ikss_ka)
    got, want = tables["bare"], tables["study"]
    assert got.index.equals(want.index)
    np.testing.assert_allclose(got.ikss_ka, want.ikss_ka, rtol=1e-9)
    np.testing.assert_allclose(got.ia, want.ia, rtol=1e-9, atol=1e-9)
    assert _existing_block(printed["bare"]) == _existing_block(printed["study"])


def test_workbook_lists_the_existing_sources(classical):
    tmp, _, _ = classical
    out = tmp / "both.xlsx"
    assert main(["faults", str(tmp / "both.dss"), "--fault-types", "3ph", "--cases", "max",
                 "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out, read_only=True)["Existing sources"]
    rows = list(ws.iter_rows(values_only=True))
    names = {r[0] for r in rows[1:]}
    assert names == {"generator.pvgen", "pvsystem.pv1"}
