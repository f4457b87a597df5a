"""#21: the directional defaults' protected-line impedance of a radial pandapower feeder from
its lines' arrays (:func:`protv2g.directional.feeder.radial_lines`, scipy's search on the
forest) is networkx's answer (:func:`protv2g.directional.protected_line_z_ohm`) exactly, and
the search gives way to networkx where only networkx's search order decides (a tie of the
farthest distance, a loop, a switch, parallel lines)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandapower as pp
import pytest

from protv2g.directional import line_z_ohm, protected_line_z_ohm
from protv2g.directional.feeder import ForestSearch, radial_line_z_ohm, radial_lines


def _tree(n: int, seed: int, equal: bool = False) -> pp.pandapowerNet:
    """A random radial net of ``n`` buses (``equal``: every line alike, so distances tie)."""
    rng = np.random.default_rng(seed)
    net = pp.create_empty_network()
    for _ in range(n):
        pp.create_bus(net, vn_kv=12.47)
    pp.create_ext_grid(net, 0)
    for b in range(1, n):
        r = 0.3 if equal else float(rng.uniform(0.05, 0.5))
        pp.create_line_from_parameters(net, int(rng.integers(0, b)), b, 1.0, r, 2 * r, 10.0,
                                       0.4, r0_ohm_per_km=3 * r, x0_ohm_per_km=6 * r)
    return net


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_radial_lines_give_networkx_answer(seed):
    net = _tree(60, seed)
    zs = line_z_ohm(net)
    radial = radial_lines(net, zs)
    assert radial is not None and radial.forest
    for idx, (a, b) in radial.line_ends.items():
        for bus, far in ((a, b), (b, a)):
            want = protected_line_z_ohm(net, "line", idx, bus, far)
            assert radial_line_z_ohm(radial, zs, idx, bus, far) == want  # exactly


def test_tie_of_farthest_distance_is_left_to_networkx():
    net = _tree(15, 3, equal=True)
    zs = line_z_ohm(net)
    radial = radial_lines(net, zs)
    answers = [radial_line_z_ohm(radial, zs, idx, a, b)
               for idx, (a, b) in radial.line_ends.items()]
    assert any(z is None for z in answers)  # equal lines: some farthest buses tie


def test_graphs_needed_for_switches_parallels_and_loops():
    net = _tree(10, 4)
    zs = line_z_ohm(net)
    with_switch = _tree(10, 4)
    pp.create_switch(with_switch, 1, 1, et="l", closed=True)
    assert radial_lines(with_switch, line_z_ohm(with_switch)) is None
    parallel = _tree(10, 4)
    row = parallel.line.iloc[0]
    pp.create_line_from_parameters(parallel, int(row.from_bus), int(row.to_bus), 1.0, 0.1,
                                   0.2, 10.0, 0.4)
    assert radial_lines(parallel, line_z_ohm(parallel)) is None
    loop = nx.cycle_graph(5)
    nx.set_edge_attributes(loop, 1.0, "w")
    assert ForestSearch(loop).farthest_path(0) is None
    assert radial_lines(net, zs) is not None
