"""Deterministic synthetic radial 12.47 kV feeders for tests and benchmarks.

Conductor data (overhead, 60 Hz, typical North American values; positive sequence from
manufacturer tables, zero sequence by Carson's equations with 100 Ω·m earth, e.g. Kersting,
*Distribution System Modeling and Analysis*, 4th ed., Appendix B):

======================  ========  ========  ========  ========  ========  =======
conductor               r1 Ω/km   x1 Ω/km   r0 Ω/km   x0 Ω/km   c nF/km   I max A
======================  ========  ========  ========  ========  ========  =======
336.4 kcmil ACSR trunk   0.190     0.381     0.440     1.440     10.5      530
1/0 ACSR lateral         0.556     0.476     0.810     1.560      9.2      230
#2 ACSR lateral          0.876     0.493     1.130     1.580      8.8      180
======================  ========  ========  ========  ========  ========  =======
"""

from __future__ import annotations

import numpy as np
import pandapower as pp

__all__ = ["synthetic_radial_feeder", "CONDUCTORS"]

#: name → (r1, x1, r0, x0 Ω/km, c1 nF/km, max_i_ka)
CONDUCTORS = {
    "336_ACSR": (0.190, 0.381, 0.440, 1.440, 10.5, 0.530),
    "1/0_ACSR": (0.556, 0.476, 0.810, 1.560, 9.2, 0.230),
    "2_ACSR": (0.876, 0.493, 1.130, 1.580, 8.8, 0.180),
}


def synthetic_radial_feeder(n_buses: int, *, seed: int = 0,
                            with_zero_sequence: bool = True) -> pp.pandapowerNet:
    """A radial 12.47 kV feeder with ``n_buses`` buses behind a 115/12.47 kV Dyn1 substation.

    Bus 0 is the 115 kV source bus (external grid with short-circuit data), bus 1 the 12.47 kV
    substation bus; a 336 ACSR trunk carries on from bus 1, 1/0 and #2 ACSR laterals branch
    off it and off each other. Small loads sit at about half of the buses.

    Parameters
    ----------
    n_buses : int
        Number of buses (≥ 3).
    seed : int
        Random seed; the same seed gives the same feeder.
    with_zero_sequence : bool
        Add zero-sequence data (ext grid ``x0x/r0x0``, line ``r0/x0/c0``, transformer vector
        group and ``vk0``) needed for ground faults.

    Returns
    -------
    pandapowerNet
    """
    if n_buses < 3:
        raise ValueError("n_buses must be ≥ 3")
    rng = np.random.default_rng(seed)
    net = pp.create_empty_network(name=f"synthetic_{n_buses}", f_hz=60.0, sn_mva=1.0)
    pp.create_bus(net, 115.0, name="sub_115kV", index=0)
    pp.create_buses(net, n_buses - 1, 12.47, name=[f"b{i}" for i in range(1, n_buses)],
                    index=np.arange(1, n_buses))
    eg = dict(s_sc_max_mva=1500.0, s_sc_min_mva=1000.0, rx_max=0.1, rx_min=0.12)
    if with_zero_sequence:
        eg.update(x0x_max=1.0, r0x0_max=0.1, x0x_min=1.2, r0x0_min=0.12)
    pp.create_ext_grid(net, 0, vm_pu=1.0, va_degree=0.0, **eg)
    tr = dict(sn_mva=20.0, vn_hv_kv=115.0, vn_lv_kv=12.47, vk_percent=8.0, vkr_percent=0.6,
              pfe_kw=10.0, i0_percent=0.1, shift_degree=30.0, name="sub_T1")
    if with_zero_sequence:
        tr.update(vector_group="Dyn", vk0_percent=8.0, vkr0_percent=0.6, mag0_percent=100.0,
                  mag0_rx=0.0, si0_hv_partial=0.9)
    pp.create_transformer_from_parameters(net, 0, 1, **tr)

    # tree: trunk first (about 8 % of the buses), then laterals off trunk or laterals
    n_trunk = max(2, n_buses // 12)
    parent = np.zeros(n_buses, dtype=np.int64)
    kind = np.empty(n_buses, dtype=object)
    for i in range(2, n_buses):
        if i <= n_trunk:
            parent[i], kind[i] = i - 1, "336_ACSR"
        elif rng.random() < 0.7 and kind[i - 1] != "336_ACSR":
            parent[i], kind[i] = i - 1, kind[i - 1]       # carry on along the lateral
        else:
            parent[i] = int(rng.integers(1, i))            # new lateral
            kind[i] = "1/0_ACSR" if rng.random() < 0.5 else "2_ACSR"
    children = np.arange(2, n_buses)
    length_km = np.where(kind[children] == "336_ACSR", rng.uniform(0.2, 0.6, len(children)),
                         rng.uniform(0.05, 0.3, len(children)))
    data = np.array([CONDUCTORS[k] for k in kind[children]])
    kw = dict(r_ohm_per_km=data[:, 0], x_ohm_per_km=data[:, 1], c_nf_per_km=data[:, 4],
              max_i_ka=data[:, 5], name=[f"L{p}-{c}" for p, c in zip(parent[children], children,
                                                                     strict=True)])
    if with_zero_sequence:
        kw.update(r0_ohm_per_km=data[:, 2], x0_ohm_per_km=data[:, 3],
                  c0_nf_per_km=data[:, 4] * 0.6)
    pp.create_lines_from_parameters(net, parent[children], children, length_km, **kw)
    net.line["endtemp_degree"] = 80.0
    net.line["type"] = "ol"
    load_buses = children[rng.random(len(children)) < 0.5]
    pp.create_loads(net, load_buses, p_mw=rng.uniform(0.005, 0.05, len(load_buses)),
                    q_mvar=rng.uniform(0.001, 0.015, len(load_buses)))
    return net
