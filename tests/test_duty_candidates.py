"""C7's groups split on their candidate rows only (#21, :func:`protv2g.checks.duty_rows.
candidate_rows`): the same rows and the same figures as splitting every row; the bus table's
IEC sums on the maximum case's rows and once per twin scenario, categorical columns
included: the same column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from protv2g.checks._rows import first_largest
from protv2g.checks.converter_sum import _base_rows, bus_iec_sum_ka, split_against_base
from protv2g.checks.duty_rows import GROUP_KEYS, KEYS, candidate_rows, group_largest, worst_rows

BASE_OF = {"base/peak": "base/peak", "v2g/peak": "base/peak", "v2g2/peak": "base/peak"}


def _table(seed: int, n_bus: int = 40, spread: float = 1.0) -> pd.DataFrame:
    """Rows of three scenarios (one base), four devices, two cases, two fault types per bus;
    a V2G row's currents near its base row's (ties, NaN and phases the device lacks)."""
    rng = np.random.default_rng(seed)
    keys = pd.MultiIndex.from_product([range(n_bus), ["3ph", "SLG"], ["max", "min"],
                                       ["R1", "RC2", "F3", "F4"]]).to_frame(index=False)
    keys.columns = ["fault_bus", "fault_type", "case", "device"]
    frames = []
    base = None
    for k, sc in enumerate(["base/peak", "v2g/peak", "v2g2/peak"]):
        f = keys.copy()
        f.insert(0, "scenario", sc)
        for p in "abc":
            if base is None:
                ka = rng.choice([0.5, 1.0, 2.0, 2.0], len(f)) * rng.uniform(0.5, 1.5, len(f))
                deg = rng.uniform(-180, 180, len(f))
            else:  # the chargers' part: small, sometimes none (an exact tie with the base)
                ka = base[f"i{p}_ka"] * (1 + spread * rng.choice([0.0, 0.01, 0.2], len(f)))
                deg = base[f"i{p}_degree"] + rng.choice([0.0, 5.0, 90.0], len(f))
            ka = np.where(rng.random(len(f)) < 0.03, np.nan, ka)
            deg = np.where(rng.random(len(f)) < 0.03, np.nan, deg)
            f[f"i{p}_ka"], f[f"i{p}_degree"] = ka, deg
        if base is None:
            base = f
        frames.append(f.iloc[rng.permutation(len(f))[: len(f) - 7 * k]])  # rows missing
    return pd.concat(frames, ignore_index=True)


def _every_row(f: pd.DataFrame) -> pd.DataFrame:
    """:func:`worst_rows` as it was: every row split, then the first largest per group (and
    the group's largest chargers-idle figure over every row's split, rev37b F2)."""
    split = split_against_base(f, KEYS, BASE_OF, _base_rows(f, KEYS, BASE_OF)[0])
    top = first_largest(f, GROUP_KEYS, split.i_sym_ka)
    return f.loc[top].assign(
        i_max_ka=split.i_sym_ka[top], i_phasor_ka=split.i_phasor_ka[top],
        i_iec_sum_ka=split.i_iec_sum_ka[top], current_basis=split.basis[top],
        i_network_ka=split.i_network_ka[top], i_converter_ka=split.i_converter_ka[top],
        i_idle_ka=group_largest(f, split.i_idle_ka, top))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("spread", [0.0, 1e-12, 1.0])
def test_candidates_keep_every_group_s_first_largest(seed, spread):
    f = _table(seed, spread=spread)
    got = worst_rows(f, BASE_OF, _base_rows(f, KEYS, BASE_OF)[0])
    pd.testing.assert_frame_equal(got, _every_row(f), check_exact=True)
    got = worst_rows(f, BASE_OF)  # base rows found by the function itself
    pd.testing.assert_frame_equal(got, _every_row(f), check_exact=True)


def test_candidates_are_fewer_than_the_rows():
    f = _table(1)
    cand = candidate_rows(f, _base_rows(f, KEYS, BASE_OF)[0])
    assert cand is not None and 0 < len(cand) < len(f) / 2
    assert (np.diff(cand) > 0).all()


def test_an_infinite_magnitude_splits_every_row():
    f = _table(2)
    f.loc[5, "ia_ka"] = np.inf
    assert candidate_rows(f, _base_rows(f, KEYS, BASE_OF)[0]) is None
    pd.testing.assert_frame_equal(worst_rows(f, BASE_OF), _every_row(f), check_exact=True)


def _bus_table(seed: int) -> pd.DataFrame:
    f = _table(seed)
    f = f[f.device == "R1"].drop(columns="device").rename(columns={"fault_bus": "bus"})
    # the second V2G scenario repeats the first one's rows bit for bit (a twin)
    one = f[f.scenario == "v2g/peak"].assign(scenario="v2g2/peak")
    return pd.concat([f[f.scenario != "v2g2/peak"], one], ignore_index=True)


@pytest.mark.parametrize("seed", range(3))
def test_bus_iec_sums_with_categorical_columns_are_the_plain_split(seed):
    bus = _bus_table(seed)
    keys = ["bus", "fault_type", "case"]
    want = split_against_base(bus, keys, BASE_OF).i_iec_sum_ka
    plain = bus_iec_sum_ka(bus, BASE_OF)
    np.testing.assert_array_equal(plain.to_numpy(), want)
    cat = bus.astype({c: "category" for c in ("scenario", "fault_type", "case")})
    np.testing.assert_array_equal(bus_iec_sum_ka(cat, BASE_OF).to_numpy(), want)
    assert np.isnan(plain[bus.case == "min"]).all()


@pytest.mark.parametrize("seed", range(6))
def test_candidates_with_a_network_part_of_their_own(seed):
    """Rows without a base row carrying the chargers-idle phasors (``NET_COLUMNS``, a site's
    own equipment, session 34): the candidates still hold every group's first largest — the
    network part, up to ``2|I_net|`` above the row's own current, is in the upper bound."""
    f = _table(seed, spread=1.0)
    rng = np.random.default_rng(100 + seed)
    row = _base_rows(f, KEYS, BASE_OF)[0]
    # a whole device with no base rows: its V2G rows get a network part of their own, which
    # may be well above the row's current (a part that cancels the grid's)
    f = f[~((f.scenario == "base/peak") & (f.device == "F4"))].reset_index(drop=True)
    row = _base_rows(f, KEYS, BASE_OF)[0]
    own = (row < 0) & (f.scenario != "base/peak").to_numpy()
    for p in "abc":
        ka = f[f"i{p}_ka"].to_numpy() * rng.choice([0.5, 1.0, 3.0], len(f))
        f[f"i{p}_net_ka"] = np.where(own, ka, np.nan)
        f[f"i{p}_net_degree"] = np.where(own, rng.uniform(-180, 180, len(f)), np.nan)
    assert candidate_rows(f, row) is not None
    got = worst_rows(f, BASE_OF, row)
    pd.testing.assert_frame_equal(got, _every_row(f), check_exact=True)
    assert (got.current_basis[got.device == "F4"] != "phasor_no_base").any()


@pytest.mark.parametrize("seed", range(6))
def test_candidates_with_a_chargers_idle_network_on_rows_with_a_twin(seed):
    """Rows *with* a base row carrying the chargers-idle phasors of a model with a site's
    own equipment (``i<p>_idle_ka``, review rev37b F2: a YNd site transformer's infeed is
    the network's): the candidates hold every group's first largest (the idle network, up to
    ``2|I_idle|`` above the row's current, is in the bound), and the groups' largest idle
    figure read off the magnitudes is the one every row's split gives."""
    f = _table(seed, spread=1.0)
    rng = np.random.default_rng(200 + seed)
    row = _base_rows(f, KEYS, BASE_OF)[0]
    twin = (row >= 0) & (f.scenario != "base/peak").to_numpy()
    for p in "abc":
        ka = f[f"i{p}_ka"].to_numpy() * rng.choice([0.5, 1.0, 1.2, 3.0], len(f))
        f[f"i{p}_idle_ka"] = np.where(twin, ka, np.nan)
        f[f"i{p}_idle_degree"] = np.where(twin, rng.uniform(-180, 180, len(f)), np.nan)
    assert candidate_rows(f, row) is not None
    got = worst_rows(f, BASE_OF, row)
    pd.testing.assert_frame_equal(got, _every_row(f), check_exact=True)
    v2g = got[(got.scenario != "base/peak") & (got.case == "max")]
    assert np.isfinite(v2g.i_idle_ka).all() and np.isnan(got.i_idle_ka[got.case == "min"]).all()
