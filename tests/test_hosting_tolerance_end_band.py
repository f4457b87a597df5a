"""The tolerance end reads C12's record of the buses it judges against the limit, not a rule
of its own (session 42; tol41: IEEE 8500's 403 kW at m1209814, a bus C12 treats as
FEEDER_REG's output, against vr41's 428 kW with C12 itself at 0.0001 pu).

The feeder is :mod:`tests.test_c12_band`'s: regulators ``a`` → ``ar``, ``m`` 40 m past the
output, the depot at ``d``. OpenDSS itself (a pf-1 generator at ``d``, taps held; hand table
below, :func:`_opendss`): ``m`` passes 1.0501 pu (the bracket's low end) at 680 kW, but its
rise is ``ar``'s within 0.0001 pu up to ≈ 1,300 kW (own rise +0.000087 pu at 1,125 kW,
+0.000101 pu at 1,312.5 kW) — C12's band rule (:mod:`protv2g.checks.flow_band`) holds it as the
set-point's there. The old end restated C12's rule without that part: 680 kW at ``m``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from .test_c12_band import band_study


def _opendss(path, kws: list[float]) -> dict[float, tuple[float, float]]:
    """export kW → (m's highest phase voltage, m's rise less ar's on that phase), OpenDSS."""
    import opendssdirect as dss

    dss.Text.Command(f"compile [{path}]")
    dss.Text.Command("new generator.g bus1=d phases=3 kv=12.47 kw=0 pf=1 model=1 conn=delta")
    out, v0 = {}, None
    for kw in [0.0, *kws]:
        dss.Generators.Name("g")
        dss.Generators.kW(kw)
        dss.Solution.Solve()
        v = {}
        for b in ("ar", "m"):
            dss.Circuit.SetActiveBus(b)
            v[b] = np.asarray(dss.Bus.puVmagAngle()[::2])
        v0 = v if v0 is None else v0
        p = int(np.argmax(v["m"]))
        out[kw] = (float(v["m"][p]), float((v["m"][p] - v0["m"][p]) - (v["ar"][p] - v0["ar"][p])))
    return out


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    pytest.importorskip("opendssdirect")
    from protv2g.hosting import hosting_analysis
    from protv2g.study.loader import load_study

    dss, out = band_study(tmp_path_factory.mktemp("bandend"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(out)
        table = hosting_analysis(study, participations=["firm"], load_levels=["peak"]).table
    return study, table.set_index("site").loc["depot"], dss


#: The regulators' band by hand: vreg ± band/2 = 126.5 ± 1 V on PT 60, 120 V base (pu).
_BAND_TOP_PU = (126.5 + 1.0) / 120.0


def test_the_end_follows_c12s_band_rule(analysed) -> None:
    """Old code: 680 kW at m (m's own rise there +0.000054 pu: C12 holds it as the band's).
    Session 42's end: ≈ 1,100 kW at m, where m's own rise passes 0.0001 pu. Now (review
    rev49b #2, the lead's rule): the regulators' band reaches 1.0625 pu at its top, so
    without V2G m (40 m past the output) is over the low end there — the regulator
    settings', not V2G's, at every export — and the end is the depot's own bus ``d``."""
    _, row, dss = analysed
    at_kw = float(row.at_v_max_kw)
    ref = _opendss(dss, [680.0, 1300.0])
    assert ref[680.0][0] > 1.0501  # m over the low end at 680 kW ...
    assert ref[680.0][1] < 1e-4  # ... by the output's rise: C12 holds it (the old end)
    assert ref[1300.0][1] == pytest.approx(1e-4, abs=3e-6)  # session 42's rule lets go here
    assert _BAND_TOP_PU > 1.0501 + 0.01  # the band's top over the low end without V2G
    assert 1300.0 < at_kw < 3000.0, row.note
    assert "C12 at d," in str(row.note)


def test_c12_records_the_buses_it_judges(analysed) -> None:
    """The record (:mod:`protv2g.checks.flow_band_judged`): the regulated bus ``ar`` is a
    set-point, never in it; ``m`` is out of it where its rise is the output's at the low end
    and, since the lead's rule (review rev49b #2), where the base case is over the low end at
    the band's top (1.0625 pu by hand) and V2G's change there is within the materiality —
    the 100 % export: +0.00023 pu of its own by OpenDSS, in it before; ``d`` is always in."""
    from protv2g.checks import check_study
    from protv2g.checks.flow_band_judged import BAND_JUDGED
    from protv2g.pipeline_flow import study_flow

    study, _, dss = analysed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        flow = study_flow(study)
        outcome = check_study(study, None, flow)
    record = outcome.context.cache[BAND_JUDGED]
    names = {s: {study.bus_name(int(b)) for b in buses} for s, buses in record.items()}
    assert names, record
    for s, judged in names.items():
        assert "ar" not in judged and "d" in judged, (s, judged)
    assert _opendss(dss, [3000.0])[3000.0][1] > 1e-4
    assert "m" not in names["firm/peak/100%"]
    b = flow.buses
    at = b[(b.bus_name.astype(str) == "m") & (b.scenario == "base/peak")]
    assert float(at.vm_band_top_high_pu.iat[0]) == pytest.approx(_BAND_TOP_PU, abs=0.002)
