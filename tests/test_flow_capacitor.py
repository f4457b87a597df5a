"""C12's reverse flow through a switched capacitor: what its control senses with and without
V2G against its ON/OFF settings (review rev30 §7; :mod:`protv2g.checks.flow_capacitor`).

References: OpenDSS's CapControl as its Reference Guide states it (current = line amps ÷
CTratio on the monitored phase, ON above ONsetting / OFF below OFFsetting; kvar with its
sign; PF 0..2 with leading above 1), the settings read back from OpenDSS itself; the
figures of the hand-made rows are chosen so that the answer is plain by inspection.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from protv2g.checks.flow_capacitor import (
    CapSettings,
    cap_settings,
    capacitor_verdict,
    sensed,
    switching_side,
)
from protv2g.violations import CheckStatus

DEFAULT = CapSettings("current", on=300.0, off=200.0, ct_ratio=60.0, ct_phase="1")


def _model(settings: dict[str, CapSettings]):
    return SimpleNamespace(engine=object(), derived=lambda key, build: settings)


def _dev(ia_base: list[float], ia_v2g: list[float], q_base=None, q_v2g=None, p=-0.04):
    n = len(ia_base)
    rows = []
    for scen, ia, q in (("base/light", ia_base, q_base), ("v2g/light", ia_v2g, q_v2g)):
        rows.append(pd.DataFrame({
            "scenario": scen, "step": np.arange(n), "device": "CAP:c1", "phases": "abc",
            "ia_a": ia, "ib_a": ia, "ic_a": ia, "p_mw": p,
            "q_mvar": q if q is not None else [0.3] * n}))
    return pd.concat(rows, ignore_index=True)


BASE_OF = {"base/light": "base/light", "v2g/light": "base/light"}


def test_rev30_ckt5_defaults_nothing_crosses() -> None:
    """ckt5 F23: 6.33 → 6.40 A on CT 60 against ON 300 / OFF 200 (A secondary): info."""
    model = _model({"CAP:c1": DEFAULT})
    status, text = capacitor_verdict(model, _dev([6.33], [6.40]), BASE_OF, "v2g/light",
                                     "CAP:c1", 0, "old")
    assert status is CheckStatus.INFO
    assert ("6.33 A (0.1055 A at the control) without V2G, 6.4 A (0.1067 A at the control) "
            "with it, against ON 300 A / OFF 200 A") in text
    assert "does not move it across" in text


def test_a_current_control_v2g_moves_across_its_setting_warns() -> None:
    st = CapSettings("current", on=5.0, off=3.0, ct_ratio=60.0, ct_phase="1")
    # 240 A (4 A secondary, between) without V2G; 360 A (6 A, above ON) with it, step 1
    status, text = capacitor_verdict(_model({"CAP:c1": st}), _dev([240, 240], [240, 360]),
                                     BASE_OF, "v2g/light", "CAP:c1", 1, "old")
    assert status is CheckStatus.WARN
    assert "240 A (4 A at the control) without V2G, 360 A (6 A at the control) with it" in text
    assert "in 1 of 2 step(s)" in text


def test_kvar_and_pf_sensing() -> None:
    dev = _dev([1.0], [1.0], q_base=[0.2], q_v2g=[-0.1], p=-0.5)
    kvar = CapSettings("kvar", on=150.0, off=-50.0, ct_ratio=1.0, ct_phase="1")
    rows = dev[dev.scenario == "v2g/light"]
    assert sensed(rows, kvar) == pytest.approx([-100.0])
    assert switching_side(np.array([200.0, 0.0, -100.0]), kvar).tolist() == [1, 0, -1]
    status, _ = capacitor_verdict(_model({"CAP:c1": kvar}), dev, BASE_OF, "v2g/light",
                                  "CAP:c1", 0, "old")
    assert status is CheckStatus.WARN           # 200 kvar (ON) → −100 kvar (OFF)
    pf = CapSettings("pf", on=0.95, off=1.02, ct_ratio=1.0, ct_phase="1")
    # |P| 0.5, Q −0.1: 0.981 leading → metric 2 − 0.981 = 1.019 (between 0.95 and 1.02)
    assert sensed(rows, pf) == pytest.approx([2 - 0.5 / np.hypot(0.5, 0.1)])
    assert switching_side(sensed(rows, pf), pf).tolist() == [0]


def test_without_settings_or_base_the_old_warning_stays() -> None:
    dev = _dev([6.33], [6.40])
    assert capacitor_verdict(_model({}), dev, BASE_OF, "v2g/light", "CAP:c1", 0,
                             "old") == (CheckStatus.WARN, "old")
    assert capacitor_verdict(_model({"CAP:c1": DEFAULT}), dev, BASE_OF, "base/light",
                             "CAP:c1", 0, "old") == (CheckStatus.WARN, "old")


def test_settings_read_from_opendss(tmp_path) -> None:
    pytest.importorskip("opendssdirect")
    from protv2g.network.dss_model import load_dss_model

    path = tmp_path / "cap.dss"
    path.write_text(
        "Clear\nNew Circuit.c basekv=12.47 pu=1.0 phases=3 bus1=src MVAsc3=200 MVAsc1=210\n"
        "New Line.l1 bus1=src bus2=b phases=3 r1=0.3 x1=0.6 length=1 units=km\n"
        "New Load.ld bus1=b phases=3 kv=12.47 kw=1000 pf=0.9\n"
        "New Capacitor.c1 bus1=b phases=3 kvar=600 kv=12.47\n"
        "New Capacitor.c2 bus1=b phases=3 kvar=300 kv=12.47\n"
        "New CapControl.k1 capacitor=c1 element=line.l1 terminal=1\n"
        "New CapControl.k2 capacitor=c2 element=line.l1 terminal=1 type=pf ONsetting=0.9 "
        "OFFsetting=-0.98 ctphase=max\n"
        "Set voltagebases=[12.47]\nCalcvoltagebases\n")
    got = cap_settings(load_dss_model(path))
    assert got["CAP:c1"] == DEFAULT                 # OpenDSS's defaults
    assert got["CAP:c2"].mode == "pf"
    assert (got["CAP:c2"].on, got["CAP:c2"].off) == pytest.approx((0.9, 1.02))
    assert got["CAP:c2"].ct_phase == "max"
