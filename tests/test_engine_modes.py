"""Streaming, summary and frozen-PLL modes of the engine agree with the full/iterated results.

References: the engine's own ``keep="full"``, ``charger_model="iterate"`` results (themselves
checked against ``calc_sc`` and OpenDSS in the other engine tests). Tolerances: rounding only
(1e-12 relative) where the same numbers are computed along another path; 1e-6 where the
iterated model is driven to the frozen-PLL fixed point by a vanishing PLL blend (w ≈ 1e-12).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import protv2g.engine.control_law as law_mod
from protv2g.engine import ChargerSource, DeviceTerminal, fault_study, iter_fault_study
from protv2g.errors import InputError
from protv2g.network.synthetic import synthetic_radial_feeder

REL = 1e-12


@pytest.fixture(scope="module")
def feeder():
    net = synthetic_radial_feeder(60, seed=3)
    lines = net.line.index.values[::6]
    devs = [DeviceTerminal(f"D{i}", "line", int(i), int(net.line.at[i, "from_bus"]))
            for i in lines]
    buses = net.bus.index.values[[10, 25, 40, 55]]
    scen = {f"lv{k}": [ChargerSource(f"s{b}", int(b), 0.3 * k, p_pre_mw=0.3 * k)
                       for b in buses] for k in (1, 2)}
    scen["base"] = []
    return net, devs, scen


def _run(net, devs, scen, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fault_study(net, devices=devs, scenarios=scen, r_fault_ohm=0.2, **kw)


def test_summary_is_the_maximum_of_the_full_arrays(feeder) -> None:
    net, devs, scen = feeder
    full = _run(net, devs, scen, charger_model="frozen_pll")
    summ = _run(net, devs, scen, charger_model="frozen_pll", keep="summary")
    phase = np.abs(full.device_i_abc_ka).max(axis=-1).max(axis=-1)
    ground = (3 * np.abs(full.device_i_012_ka[..., 0])).max(axis=-1)
    np.testing.assert_allclose(summ.device_max_ka[..., 0], phase, rtol=REL)
    np.testing.assert_allclose(summ.device_max_ka[..., 1], ground, rtol=REL, atol=1e-15)
    np.testing.assert_allclose(summ.bus_i_012_ka, full.bus_i_012_ka, rtol=REL)
    at = np.abs(full.device_i_abc_ka).max(axis=-1).argmax(axis=-1)
    np.testing.assert_array_equal(summ.device_max_bus[..., 0], full.fault_buses[at])
    table = summ.device_summary
    assert len(table) == np.prod(summ.device_max_ka.shape[:4])
    with pytest.raises(ValueError, match="keep='summary'"):
        _ = summ.device


def test_summary_of_iterated_chargers(feeder) -> None:
    net, devs, scen = feeder
    full = _run(net, devs, scen)
    summ = _run(net, devs, scen, keep="summary")
    phase = np.abs(full.device_i_abc_ka).max(axis=-1).max(axis=-1)
    np.testing.assert_allclose(summ.device_max_ka[..., 0], phase, rtol=REL)


def test_streamed_slices_equal_the_collected_result(feeder) -> None:
    net, devs, scen = feeder
    full = _run(net, devs, scen)
    names = list(full.scenarios)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slices = list(iter_fault_study(net, devices=devs, scenarios=scen, r_fault_ohm=0.2))
    assert len(slices) == len(names) * len(full.cases) * len(full.fault_types)
    for sl in slices:
        idx = (names.index(sl.scenario), full.cases.index(sl.case),
               full.fault_types.index(sl.fault_type))
        np.testing.assert_array_equal(sl.device_i_012_ka, full.device_i_012_ka[idx])
        np.testing.assert_array_equal(sl.bus_i_012_ka, full.bus_i_012_ka[idx])


def test_frozen_pll_is_the_iteration_with_a_held_pll(feeder, monkeypatch) -> None:
    """With the PLL blend threshold at 1e12 pu the tracked angle is the pre-fault angle at
    every fault bus, so the iterated model converges to the frozen-PLL superposition."""
    net, devs, scen = feeder
    fast = _run(net, devs, scen, charger_model="frozen_pll")
    assert fast.pll_frozen[:2].all() and not fast.pll_frozen[2].any()  # base: no chargers
    monkeypatch.setattr(law_mod, "V_PLL_MIN_PU", 1e12)
    held = _run(net, devs, scen, charger_model="control_law")
    np.testing.assert_allclose(fast.device_i_012_ka, held.device_i_012_ka, rtol=1e-6,
                               atol=1e-9)
    np.testing.assert_allclose(fast.bus_i_012_ka, held.bus_i_012_ka, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(fast.charger_i_12_ka["lv2"], held.charger_i_12_ka["lv2"],
                               rtol=1e-6, atol=1e-9)


def test_pll_flag_in_the_bus_table(feeder) -> None:
    net, devs, scen = feeder
    res = _run(net, devs, scen, charger_model="frozen_pll")
    flag = res.bus.groupby("scenario", observed=True).pll_frozen.all()  # categorical (#21)
    assert flag["lv1"] and flag["lv2"] and not flag["base"]


def test_unknown_options_are_input_errors(feeder) -> None:
    net, devs, scen = feeder
    with pytest.raises(InputError, match="keep"):
        fault_study(net, keep="some")
    with pytest.raises(InputError, match="charger_model"):
        fault_study(net, charger_model="fast")
