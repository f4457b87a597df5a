"""Building blocks shared by the example feeders (``feeders/*/build_feeder.py``).

Each example script keeps its own numbers (section lengths, loads, source strength,
transformer size, sites, special elements such as a PV plant or a line regulator) and builds
its net from the pieces here: the 69/12.47 kV substation (:func:`add_substation`), radial runs
of buses, lines and loads (:func:`add_radial_run`), a trunk with fused laterals
(:func:`add_feeder`) and the writer of ``feeder.json`` (:func:`write_feeder`).

Conductors (written by the protv2g team, not copied from any test case)
-----------------------------------------------------------------------
Trunk conductor 336.4 kcmil ACSR (:data:`TRUNK`), lateral 1/0 ACSR (:data:`LATERAL`), on a
typical 12.47 kV crossarm with a multi-grounded neutral. Sequence impedances (Ω/km) are the
usual planning values for these conductors (Z1 from conductor tables plus Carson's equations;
Z0 ≈ 2.5–3.5 × X1 for a 4-wire multi-grounded system):

======================  ========  ========  ========  ========  =======  ========  =======
conductor               r1 Ω/km   x1 Ω/km   r0 Ω/km   x0 Ω/km   c nF/km  c0 nF/km  I max A
======================  ========  ========  ========  ========  =======  ========  =======
336.4 kcmil ACSR trunk   0.190     0.390     0.470     1.400     10.0      4.5       530
1/0 ACSR lateral         0.600     0.460     0.880     1.620      8.0      4.0       230
======================  ========  ========  ========  ========  =======  ========  =======

These are deliberately not the values of :mod:`protv2g.network.synthetic`; the committed
``feeder.json`` files and the findings of the example studies depend on the ones here.

Examples
--------
>>> net = pp.create_empty_network(name="example", f_hz=60.0)  # doctest: +SKIP
>>> hv, sub = add_substation(net, s_sc_max_mva=300.0, s_sc_min_mva=200.0)  # doctest: +SKIP
>>> lat = {2: Lateral("LAT1-", [0.8, 0.8], p_mw=0.25, q_mvar=0.08)}  # doctest: +SKIP
>>> trunk = add_feeder(net, sub, [0.5, 1.5, 2.0], TRUNK, prefix="", p_mw=0.2, q_mvar=0.06,
...                    laterals=lat)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import pandapower as pp

__all__ = ["VN_HV_KV", "VN_KV", "ENDTEMP_DEGREE", "TRUNK", "LATERAL", "Lateral", "add_substation",
           "add_radial_run", "add_feeder", "write_feeder"]

#: Sub-transmission (source side) voltage of the example substations, kV.
VN_HV_KV = 69.0
#: Distribution voltage of the example feeders, kV.
VN_KV = 12.47
#: Conductor end temperature for the short-circuit line heating, °C.
ENDTEMP_DEGREE = 80.0

#: 336.4 kcmil ACSR trunk: Ω/km, nF/km, kA (keyword arguments of
#: ``pp.create_line_from_parameters``).
TRUNK: dict[str, float] = dict(r_ohm_per_km=0.190, x_ohm_per_km=0.390, c_nf_per_km=10.0,
                               r0_ohm_per_km=0.470, x0_ohm_per_km=1.400, c0_nf_per_km=4.5,
                               max_i_ka=0.530)
#: 1/0 ACSR lateral: Ω/km, nF/km, kA (keyword arguments of
#: ``pp.create_line_from_parameters``).
LATERAL: dict[str, float] = dict(r_ohm_per_km=0.600, x_ohm_per_km=0.460, c_nf_per_km=8.0,
                                 r0_ohm_per_km=0.880, x0_ohm_per_km=1.620, c0_nf_per_km=4.0,
                                 max_i_ka=0.230)


class Lateral(NamedTuple):
    """A lateral tapped off a trunk bus (see :func:`add_feeder`).

    Attributes
    ----------
    prefix : str
        Name prefix of its buses, lines and loads (``"LAT1-"`` → ``LAT1-B1``, ``LAT1-L1``,
        ``LAT1-LD1``).
    lengths_km : sequence of float
        Section lengths from the tap outwards, km.
    p_mw : float
        Active load at each lateral bus, MW.
    q_mvar : float
        Reactive load at each lateral bus, Mvar.
    """

    prefix: str
    lengths_km: Sequence[float]
    p_mw: float
    q_mvar: float


def add_substation(net: pp.pandapowerNet, *, s_sc_max_mva: float = 800.0,
                   s_sc_min_mva: float = 500.0, rx: float = 0.1, x0x: float = 1.0,
                   r0x0: float = 0.1, source_name: str | None = None, sn_mva: float = 15.0,
                   vk_percent: float = 8.0, vkr_percent: float = 0.5, vk0_percent: float = 8.0,
                   vkr0_percent: float = 0.5, pfe_kw: float = 12.0, i0_percent: float = 0.05,
                   tap_changer: Mapping[str, float | int | str] | None = None,
                   ) -> tuple[int, int]:
    """Add the 69 kV source and the 69/12.47 kV Dyn1 substation transformer.

    Creates the buses ``SUB-69kV`` and ``SUB-12kV``, an external grid at ``SUB-69kV`` with
    short-circuit data for maximum and minimum conditions, and the transformer ``T-SUB``
    (Dyn, 30° shift, LV neutral solidly grounded) with zero-sequence data.

    Parameters
    ----------
    net : pandapowerNet
        Net to add to (normally empty).
    s_sc_max_mva, s_sc_min_mva : float
        Short-circuit power of the 69 kV source at maximum / minimum conditions, MVA.
    rx : float
        R/X of the source, both conditions (0.1 → X/R 10).
    x0x, r0x0 : float
        X0/X1 and R0/X0 of the source, both conditions.
    source_name : str, optional
        Name of the external grid.
    sn_mva : float
        Transformer rating, MVA.
    vk_percent, vkr_percent : float
        Positive-sequence short-circuit voltage and its real part, % of rated voltage.
    vk0_percent, vkr0_percent : float
        Zero-sequence short-circuit voltage and its real part, %.
    pfe_kw : float
        Iron losses, kW.
    i0_percent : float
        No-load current, %.
    tap_changer : mapping, optional
        Tap-changer keywords of ``pp.create_transformer_from_parameters`` (``tap_side``,
        ``tap_neutral``, ``tap_min``, ``tap_max``, ``tap_step_percent``, ``tap_pos``); none
        by default.

    Returns
    -------
    tuple of int
        Indices of the 69 kV bus and of the 12.47 kV substation bus.
    """
    hv = pp.create_bus(net, VN_HV_KV, name="SUB-69kV")
    sub = pp.create_bus(net, VN_KV, name="SUB-12kV")
    pp.create_ext_grid(net, hv, vm_pu=1.0, name=source_name,
                       s_sc_max_mva=s_sc_max_mva, rx_max=rx, x0x_max=x0x, r0x0_max=r0x0,
                       s_sc_min_mva=s_sc_min_mva, rx_min=rx, x0x_min=x0x, r0x0_min=r0x0)
    pp.create_transformer_from_parameters(
        net, hv, sub, sn_mva=sn_mva, vn_hv_kv=VN_HV_KV, vn_lv_kv=VN_KV, vkr_percent=vkr_percent,
        vk_percent=vk_percent, pfe_kw=pfe_kw, i0_percent=i0_percent, shift_degree=30.0,
        name="T-SUB", vector_group="Dyn", vk0_percent=vk0_percent, vkr0_percent=vkr0_percent,
        mag0_percent=100.0, mag0_rx=0.0, si0_hv_partial=0.9, **dict(tap_changer or {}))
    return hv, sub


def add_radial_run(net: pp.pandapowerNet, from_bus: int, lengths_km: Sequence[float],
                   conductor: Mapping[str, float], *, prefix: str, p_mw: float, q_mvar: float,
                   first: int = 1, width: int = 2) -> list[int]:
    """Add a chain of 12.47 kV buses, each fed by an overhead line and carrying a load.

    Section ``n`` (numbered from ``first``) is bus ``{prefix}B{n}``, line ``{prefix}L{n}``
    from the previous bus and load ``{prefix}LD{n}``, with ``n`` zero-padded to ``width``
    digits; elements are created section by section (bus, line, load).

    Parameters
    ----------
    net : pandapowerNet
        Net to add to.
    from_bus : int
        Bus the run starts from (the first line's from-bus).
    lengths_km : sequence of float
        Section lengths, km.
    conductor : mapping
        Line parameters (:data:`TRUNK`, :data:`LATERAL`).
    prefix : str
        Name prefix (``"F1-"``, ``"LAT1-"``, ``""``).
    p_mw : float
        Active load at each bus, MW.
    q_mvar : float
        Reactive load at each bus, Mvar.
    first : int
        Number of the first section.
    width : int
        Digits of the section number (2 → ``B01``, 1 → ``B1``).

    Returns
    -------
    list of int
        The new buses, from ``from_bus`` outwards.
    """
    buses = []
    prev = from_bus
    for n, length_km in enumerate(lengths_km, start=first):
        tag = f"{n:0{width}d}"
        bus = pp.create_bus(net, VN_KV, name=f"{prefix}B{tag}")
        pp.create_line_from_parameters(net, prev, bus, length_km, name=f"{prefix}L{tag}",
                                       endtemp_degree=ENDTEMP_DEGREE, **conductor)
        pp.create_load(net, bus, p_mw=p_mw, q_mvar=q_mvar, name=f"{prefix}LD{tag}")
        buses.append(bus)
        prev = bus
    return buses


def add_feeder(net: pp.pandapowerNet, from_bus: int, trunk_km: Sequence[float],
               conductor: Mapping[str, float], *, prefix: str, p_mw: float, q_mvar: float,
               laterals: Mapping[int, Lateral] | None = None,
               lateral_conductor: Mapping[str, float] = LATERAL, first: int = 1) -> list[int]:
    """Add a trunk (:func:`add_radial_run`) with laterals tapped off some of its buses.

    Each lateral is created right after the trunk bus it taps, so buses, lines and loads are
    numbered in the order trunk bus, its laterals, next trunk bus.

    Parameters
    ----------
    net : pandapowerNet
        Net to add to.
    from_bus : int
        Bus the trunk starts from.
    trunk_km : sequence of float
        Trunk section lengths, km.
    conductor : mapping
        Trunk line parameters.
    prefix : str
        Name prefix of the trunk (bus ``{prefix}B01``, …).
    p_mw : float
        Active load at each trunk bus, MW.
    q_mvar : float
        Reactive load at each trunk bus, Mvar.
    laterals : mapping of int to Lateral, optional
        Trunk bus number (as in its name) → lateral tapped there.
    lateral_conductor : mapping
        Lateral line parameters.
    first : int
        Number of the first trunk section.

    Returns
    -------
    list of int
        The trunk buses, from ``from_bus`` outwards.

    Raises
    ------
    ValueError
        A lateral taps a bus number the trunk does not have.
    """
    laterals = dict(laterals or {})
    numbers = range(first, first + len(trunk_km))
    if missing := sorted(set(laterals) - set(numbers)):
        raise ValueError(f"laterals tap trunk buses {missing}, the trunk has {list(numbers)}")
    trunk = []
    prev = from_bus
    for n, length_km in zip(numbers, trunk_km, strict=True):
        (prev,) = add_radial_run(net, prev, [length_km], conductor, prefix=prefix, p_mw=p_mw,
                                 q_mvar=q_mvar, first=n)
        trunk.append(prev)
        if n in laterals:
            lat = laterals[n]
            add_radial_run(net, prev, lat.lengths_km, lateral_conductor, prefix=lat.prefix,
                           p_mw=lat.p_mw, q_mvar=lat.q_mvar, width=1)
    return trunk


def write_feeder(net: pp.pandapowerNet, folder: Path) -> Path:
    """Write ``net`` to ``folder/feeder.json`` (the file the study loads) and say so.

    Parameters
    ----------
    net : pandapowerNet
        The example net.
    folder : Path
        The example's folder.

    Returns
    -------
    Path
        The written file.
    """
    path = folder / "feeder.json"
    pp.to_json(net, str(path))
    print(f"wrote {path}: {len(net.bus)} buses, {len(net.line)} lines")
    return path
