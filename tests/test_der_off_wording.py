"""The charging snapshots' base case says "existing DER off" only where the feeder has DER of
its own (review rev33a F4: "without V2G at peak load, existing DER off (the charging
snapshots' base case base/der_off)" on EPRI ckt24, which has no generator, PV or storage).

References: the feeders' own element tables (pandapower ``sgen``/``gen``/``storage``, the
OpenDSS model's generator/PV/storage elements), read here directly.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandapower as pp
import pandas as pd
import pytest

from protv2g.checks._common import CheckContext
from protv2g.scenarios import DER_OFF_BASE, has_existing_der

from .conftest import FEEDERS_DIR

BASE_TEXT = "without V2G at peak load{} (the charging snapshots' base case base/der_off)"


def _context(study: object) -> CheckContext:
    return CheckContext(study=study, thresholds=None, devices={}, build_errors={},
                        faults=None, chains=pd.DataFrame(), pairs=pd.DataFrame(),
                        zones=pd.DataFrame(), scenarios={}, base_of={})


def _model(*rows: tuple[str, bool]) -> SimpleNamespace:
    inj = pd.DataFrame({"name": [f"{c}.x{i}" for i, (c, _e) in enumerate(rows)],
                        "cls": [c for c, _e in rows], "enabled": [e for _c, e in rows]})
    return SimpleNamespace(model=SimpleNamespace(injections=inj), net=None)


@pytest.mark.parametrize("rows, der", [
    ((("load", True),), False),
    ((("load", True), ("pvsystem", False)), False),     # disabled: nothing to switch off
    ((("load", True), ("pvsystem", True)), True),
    ((("generator", True),), True),
    ((("storage", True),), True),
])
def test_opendss_model(rows, der):
    study = _model(*rows)
    assert has_existing_der(study) is der
    assert _context(study).export_text(DER_OFF_BASE) == BASE_TEXT.format(
        ", existing DER off" if der else "")


def test_pandapower_examples():
    pv = pp.from_json(str(FEEDERS_DIR / "workplace_pv_midday" / "feeder.json"))
    assert len(pv.sgen) and pv.sgen.in_service.all()
    assert has_existing_der(SimpleNamespace(model=None, net=pv)) is True
    plain = pp.from_json(str(FEEDERS_DIR / "residential_evening_peak" / "feeder.json"))
    assert not len(plain.sgen) and not len(plain.gen) and not len(plain.storage)
    assert has_existing_der(SimpleNamespace(model=None, net=plain)) is False
    assert "existing DER off" not in _context(
        SimpleNamespace(model=None, net=plain)).export_text(DER_OFF_BASE)
    pv.sgen["in_service"] = False
    assert has_existing_der(SimpleNamespace(model=None, net=pv)) is False


def test_ieee13_has_no_der(shared_dir):
    pytest.importorskip("opendssdirect")
    from protv2g.network.dss_model import load_dss_model

    m = load_dss_model(shared_dir / "feeders" / "opendss" / "13Bus" / "IEEE13Nodeckt.dss")
    assert not m.injections.cls.isin(["generator", "pvsystem", "storage"]).any()
    assert has_existing_der(SimpleNamespace(model=m)) is False


def test_bare_context_keeps_the_words():
    """A context without a study (the unit tests' SimpleNamespace) cannot tell: as before."""
    assert has_existing_der(SimpleNamespace()) is None
    assert _context(SimpleNamespace()).export_text(DER_OFF_BASE) == BASE_TEXT.format(
        ", existing DER off")


FUSED = """Clear
New Circuit.fz basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=180
New Line.trunk bus1=src bus2=b1 phases=3 r1=0.1 x1=0.3 r0=0.3 x0=0.9 length=1 units=km
New Line.lat7_fuse bus1=b1 bus2=b2 phases=1 switch=y
New Load.l2 bus1=b2.1 phases=1 kv=7.2 kw=50 kvar=10
New Load.l1 bus1=b1 phases=3 kv=12.47 kw=500 kvar=100
{der}
Set voltagebases=[12.47]
Calcvoltagebases
"""


@pytest.mark.parametrize("der, said", [
    ("", False),
    ("New PVSystem.pv1 bus1=b1 phases=3 kv=12.47 kva=300 pmpp=300 irradiance=1", True),
])
def test_drafted_fuse_comment(tmp_path, der, said):
    """init's comment on a fuse it drafts on a fuse-named line: its peak load is the gross
    load with the model's DER off — said only where the model has DER."""
    pytest.importorskip("opendssdirect")
    import re
    import warnings

    from protv2g.study_draft.draft import draft_study

    (tmp_path / "Master.dss").write_text(FUSED.format(der=der))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = draft_study(tmp_path / "Master.dss").text
    m = re.search(r"# drafted: line\.lat7_fuse .*?peak load [\d.]+ A \(([^)]*)\)", text)
    assert m, text
    assert m.group(1) == ("the model's snapshot load, existing DER off" if said
                          else "the model's snapshot load")


@pytest.mark.parametrize("rows, said", [((("load", True),), False),
                                        ((("load", True), ("pvsystem", True)), True)])
def test_c8_charging_snapshot_text(rows, said):
    """ver33 (IEEE 37): the C8 charging-snapshot row still said "existing DER (PV, generators,
    storage) off" on a feeder with none."""
    from protv2g.checks.load import _message

    ctx = _context(_model(*rows))
    row = SimpleNamespace(scenario="charging/firm", device="head", i_abs_a=680.0)
    text = _message(ctx, row, "above pickup / 1.5 = 667 A", 0, -4.9,
                    (3200.0, "depot", float("nan")),
                    "")
    assert ("existing DER (PV, generators, storage) off" in text) is said
    assert text.endswith("above pickup / 1.5 = 667 A")
