"""The band-edge search tells a trial its regulator's control refuses from the solved state,
without solving it (issue #21, :mod:`protv2g.flow.reg_band`), and finds a base case's edges
once when two base cases are the same solve (``base/der_off`` on a feeder without DER).

The feeder is test_c12_tap_path's (one gang-operated regulator with line-drop compensation,
vreg 120 V, band 2 V, PT 60, CTprim 300 A, R 6 V, X 12 V). Reference, nothing computed by
protv2g: OpenDSS (``opendssdirect``) — the control's law ``|V/PT − I_out/CTprim·(R + jX)|``
on phase 1 from the winding's terminal voltage and current (controls off), and whether
OpenDSS, solving a one-step trial with the controls acting, keeps the tap.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import yaml

from .test_c12_tap_path import _DSS

_STEP = 0.2 / 32


@pytest.fixture
def circuit(tmp_path):
    dss = pytest.importorskip("opendssdirect")
    path = tmp_path / "feeder.dss"
    path.write_text(_DSS)
    dss.Text.Command(f"compile [{path}]")
    return dss


def _solve(dss, tap: float, controls: bool) -> float:
    dss.Transformers.Name("reg")
    dss.Transformers.Wdg(2)
    dss.Transformers.Tap(tap)
    dss.Text.Command("set controlmode=" + ("static" if controls else "off"))
    dss.Solution.Solve()
    assert dss.Solution.Converged()
    dss.Transformers.Name("reg")
    dss.Transformers.Wdg(2)
    return float(dss.Transformers.Tap())


def test_the_compensated_voltage_is_the_controls_law(circuit) -> None:
    from protv2g.flow.reg_band import compensated_v, reg_settings

    dss = circuit
    _solve(dss, 1.05, controls=False)
    settings = reg_settings(dss)
    assert list(settings) == [("transformer.reg", 2)]
    dss.Circuit.SetActiveElement("transformer.reg")
    v = np.array(dss.CktElement.Voltages()).reshape(-1, 2) @ np.array([1, 1j])
    i = np.array(dss.CktElement.Currents()).reshape(-1, 2) @ np.array([1, 1j])
    hand = abs(v[4] / 60 - (-i[4]) / 300 * (6 + 12j))  # winding 2, phase 1, out of it
    got = compensated_v(dss, settings)[("transformer.reg", 2)]
    assert got[0] == pytest.approx(hand, abs=1e-9)
    assert got[1] == pytest.approx(abs(v[4]) / 60, abs=1e-9)


def test_a_trial_told_refused_is_refused_by_opendss(circuit) -> None:
    """Every tap from 0.95 to 1.10 and both directions: where refused_ahead says the control
    moves the tap back, OpenDSS (controls acting) does; it says so for some trials."""
    from protv2g.flow.reg_band import compensated_v, refused_ahead, reg_settings

    dss = circuit
    key = ("transformer.reg", 2)
    told = kept = 0
    for k in range(-8, 17):
        tap = round(1.0 + k * _STEP, 6)
        _solve(dss, tap, controls=False)
        settings = reg_settings(dss)
        v = compensated_v(dss, settings)[key]
        if abs(v[0] - 120.0) > 1.0:
            continue  # not a rest point: the search never starts a trial there
        for direction in (1, -1):
            ahead = refused_ahead(v, settings[key], direction, _STEP)
            _solve(dss, tap, controls=False)  # the trial starts from the state's solution
            moved = abs(_solve(dss, tap + direction * _STEP, controls=True)
                        - (tap + direction * _STEP)) > 1e-9
            told += ahead
            kept += not moved
            assert not ahead or moved, (tap, direction, v)
    assert told >= 2 and kept >= 1


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    return drafted_study(tmp_path_factory.mktemp("ahead_study"))


def drafted_study(folder, dss: str = _DSS, site: str = "depot:site:15:100"):
    """test_c12_tap_path's one-regulator feeder (or ``dss``) drafted by ``init`` in
    ``folder`` with a 15 × 100 kW depot (or ``site``), firm participation, light and peak
    load, export 0 / 50 / 100 % (also test_tap_band_tie's and test_tap_band_retry's)."""
    pytest.importorskip("opendssdirect")
    from protv2g.cli import main

    (folder / "feeder.dss").write_text(dss)
    out = folder / "study.yaml"
    assert main(["init", str(folder / "feeder.dss"), "-o", str(out), "--site", site]) == 0
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    doc["scenarios"].update(participation=["firm"], load_levels=["light", "peak"],
                            export_levels_fraction=[0.0, 0.5, 1.0])
    out.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return out


def _flow(path, monkeypatch, told: bool):
    import protv2g
    import protv2g.flow.tap_band as tb
    from protv2g.pipeline_flow import study_flow

    calls = {"solves": 0, "base_edges": 0}
    solve, edge = tb._solve, tb.band_edge

    def counted_solve(*a, **k):
        calls["solves"] += 1
        return solve(*a, **k)

    def counted_edge(engine, block, start, direction, base_case=True, **k):
        calls["base_edges"] += bool(base_case)
        return edge(engine, block, start, direction, base_case, **k)

    with monkeypatch.context() as m:
        m.setattr(tb, "_solve", counted_solve)
        m.setattr(tb, "band_edge", counted_edge)
        if not told:
            m.setattr(tb, "refused_ahead", lambda *a, **k: False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            buses = study_flow(protv2g.load_study(path)).buses
    return buses, calls


def test_the_edges_are_the_same_with_fewer_solves(drafted, monkeypatch) -> None:
    """Fails on the old code (no refused_ahead in tap_band; base/der_off's edges searched
    again). The band columns as with every trial solved (OpenDSS's tolerance apart), fewer
    solves; two edge searches per distinct base case (light, peak: base/der_off is
    base/peak on a feeder without DER)."""
    from protv2g.flow.tap_band import BOTTOM_COLUMN, TOP_COLUMN

    told, n_told = _flow(drafted, monkeypatch, told=True)
    every, n_every = _flow(drafted, monkeypatch, told=False)
    assert "base/der_off" in set(told.scenario)
    for col in (TOP_COLUMN, BOTTOM_COLUMN):
        a, b = told[col].to_numpy(float), every[col].to_numpy(float)
        assert np.isfinite(a).sum() > 0
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        # OpenDSS's convergence tolerance (1e-4 pu, ``ConvergenceTolerance``): a solve's
        # voltages depend on the solve before it to that, and the two runs solve different
        # sequences (a refused trial stopped early leaves its first power flow's voltages,
        # flow.dss_trial: 2.2e-6 pu here)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-4, equal_nan=True)
    assert n_told["solves"] < n_every["solves"], (n_told, n_every)
    assert n_told["base_edges"] == n_every["base_edges"] == 4
