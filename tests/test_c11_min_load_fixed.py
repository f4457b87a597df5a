"""C11's minimum zone load is the zone's load at the light level as the flow solves it: on an
OpenDSS feeder ``LoadMult`` scales only the variable loads, fixed ones keep their kW (review
rev38a W1: IEEE 8500, a lateral with no fixed load read 0.3 × peak = 17.0 kW where the light
flow carries 13.3 kW at LoadMult 0.235).

Reference: OpenDSS itself — the ``LoadMult`` at which its own power flow (constant-power loads)
draws 0.3 × the peak, found by bisection in OpenDSS, and each zone's loads' kW read from
``CktElement.Powers`` at it.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("opendssdirect")

from protv2g.checks.islanding import bus_power_mw, min_load_mw  # noqa: E402
from protv2g.network.dss_model import load_dss_model  # noqa: E402
from tests.test_dss_site_transformer import MASTER  # noqa: E402


def _opendss_zone_kw(master, frac: float) -> dict[str, float]:
    import opendssdirect as dss

    dss.Basic.ClearAll()
    dss.Text.Command(f'compile "{master}"')
    dss.Text.Command("batchedit load..* model=1 vminpu=0.5")  # constant power throughout

    def total(mult: float) -> dict[str, float]:
        dss.Solution.LoadMult(mult)
        dss.Solution.Solve()
        out = {}
        for name in dss.Loads.AllNames():
            dss.Circuit.SetActiveElement(f"load.{name}")
            out[name] = sum(dss.CktElement.Powers()[0::2])
        return out

    peak = sum(total(1.0).values())
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if sum(total(mid).values()) < frac * peak else (lo, mid)
    return total(hi)


def test_zone_minimum_load_with_a_fixed_load_as_opendss_draws_it(tmp_path):
    master = tmp_path / "Master.dss"
    master.write_text(MASTER.replace("New Load.b3 bus1=b3 phases=3 kv=12.47 kw=800 kvar=300",
                                     "New Load.b3 bus1=b3 phases=3 kv=12.47 kw=800 kvar=300 "
                                     "status=fixed"))
    model = load_dss_model(master)
    ctx = SimpleNamespace(study=SimpleNamespace(
        model=model, document=SimpleNamespace(scenarios=SimpleNamespace(
            light_load_fraction=0.3))))
    load_mw, _ = bus_power_mw(ctx)
    b2, b3 = (int(x) for x in model.bus_index(["b2", "b3"]))
    ref = _opendss_zone_kw(master, 0.3)
    # behind l2 (b2: load b2 and the one-phase b2a, both variable) and behind l3 (b3: fixed)
    assert 1e3 * min_load_mw(ctx, load_mw, {b2}) == pytest.approx(ref["b2"] + ref["b2a"],
                                                                  rel=1e-3, abs=0.05)
    assert 1e3 * min_load_mw(ctx, load_mw, {b3}) == pytest.approx(ref["b3"], rel=1e-3)
    # the old rule, 0.3 × peak: 240 kW behind l3 where the fixed load draws 800 kW
    assert ref["b3"] == pytest.approx(800.0, rel=1e-3)
