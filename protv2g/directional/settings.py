"""Directional settings of every relay, from the study file, with the documented defaults.

A relay's ``directional`` key is either the shorthand ``none`` / ``forward`` or a mapping
(:class:`protv2g.study.schema.DirectionalElements`). Both become one
:class:`DirectionalSettings` here; every default is stated in ``docs/directional-elements.md``:

* 67P MTA: the relay's ``characteristic_angle_degree`` (45°); minimum quadrature voltage
  0.05 pu; memory polarisation on (numerical relays);
* 32Q (SEL-351 ``E32 = AUTO``): ``Z2F = Z1MAG/2``, ``Z2R = Z2F + 0.1·Z1MAG``, 50QF 10 % and
  50QR 5 % of the 51P pickup (SEL: of the CT nominal current; protv2g has no CT ratio),
  ``a2 = 0.1``; ``Z1MAG∠Z1ANG`` is the positive-sequence impedance from the relay to the
  electrically farthest bus ahead of it on its own voltage level
  (:func:`protv2g.directional.protected_line.protected_line_z_ohm`);
* 67N torque form: MTA −60°, minimum ``|V0|`` 0.02 pu (GE UR); impedance form: ``Z0F = Z0MAG/2``,
  ``Z0R = Z0F + 0.1·Z0MAG``, 50GF/50GR 10 %/5 % of the 51P pickup, ``a0 = 0.1``;
* reverse faults that no modelled device clears (bus and sub-transmission faults) are assumed
  cleared after 0.5 s (``unmodelled_clearing_time_s``);
* 32 reverse power: 5 % of the three-phase power at the 51P pickup and nominal voltage, 2 s.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import pandapower as pp

from protv2g.directional.feeder import (
    ForestSearch,
    bus_vn_kv,
    dss_protected_line_z_ohm,
    radial_line_z_ohm,
    radial_lines,
)
from protv2g.directional.protected_line import (
    feeder_multigraph,
    line_graph,
    line_z_ohm,
    protected_line_z_ohm,
)
from protv2g.network.dss_graph import dss_feeder_graph
from protv2g.network.dss_model import DssModel
from protv2g.units import SQRT3, Direction

__all__ = ["DirectionalSettings", "settings_from_study", "is_forward_directional",
           "any_forward_directional_relay",
           "PHASE_ELEMENTS", "GROUND_ELEMENTS"]

#: Elements that may control the phase overcurrent element, and the ground one.
PHASE_ELEMENTS = ("67P", "32Q")
GROUND_ELEMENTS = ("67N", "32Q")


@dataclass(frozen=True)
class DirectionalSettings:
    """Settings of one relay's directional elements (primary amperes and ohms).

    Attributes
    ----------
    trip_direction : {"forward", "none"}
        ``forward``: the overcurrent elements trip only when their directional element says
        forward; ``none``: non-directional (elements still evaluated for the flow tables).
    phase_elements, ground_elements : tuple of str
        Order in which elements control the phase (51P/50P) and ground (51G/50G) overcurrent
        elements: the first element that is *enabled* (has its polarising and supervising
        quantities) decides, as SEL's ``ORDER`` setting; empty = that element is
        non-directional.
    mta_phase_degree, min_pol_phase_pu, use_memory, half_width_degree
        67P: characteristic angle, minimum quadrature voltage (pu of the phase-to-neutral
        base), positive-sequence memory, half width of the forward zone.
    z1_angle_degree, z2_forward_ohm, z2_reverse_ohm, q_forward_pickup_a, q_reverse_pickup_a, a2
        32Q: Z1ANG, Z2F, Z2R (Ω primary), 50QF/50QR on ``3I2`` (A primary), ``|I2|/|I1|``.
    ground_method : {"torque", "impedance"}
        67N as ``3I0`` against ``−3V0`` with an MTA, or as SEL's 32V impedance element.
    mta_ground_degree, min_pol_ground_pu
        67N torque form: MTA (``3I0`` leads ``−3V0``; negative = lags), minimum ``|V0|`` (pu).
    z0_angle_degree, z0_forward_ohm, z0_reverse_ohm, g_forward_pickup_a, g_reverse_pickup_a, a0
        67N impedance form (32V).
    pickup_a, ground_pickup_a : float or None
        51P and 51G pickups (A primary) of the supervised overcurrent elements.
    unmodelled_clearing_time_s : float
        Clearing time assumed for reverse faults that no modelled device clears, s.
    reverse_power_pickup_mw, reverse_power_delay_s : float
        32 reverse-power element (flows).
    """

    trip_direction: str = Direction.NONE.value
    phase_elements: tuple[str, ...] = ("67P",)
    ground_elements: tuple[str, ...] = ("67N",)
    mta_phase_degree: float = 45.0
    min_pol_phase_pu: float = 0.05
    use_memory: bool = True
    half_width_degree: float = 90.0
    z1_angle_degree: float = 70.0
    z2_forward_ohm: float = 0.5
    z2_reverse_ohm: float = 0.6
    q_forward_pickup_a: float = 40.0
    q_reverse_pickup_a: float = 20.0
    a2: float = 0.1
    ground_method: str = "torque"
    mta_ground_degree: float = -60.0
    min_pol_ground_pu: float = 0.02
    z0_angle_degree: float = 70.0
    z0_forward_ohm: float = 1.5
    z0_reverse_ohm: float = 1.8
    g_forward_pickup_a: float = 40.0
    g_reverse_pickup_a: float = 20.0
    a0: float = 0.1
    pickup_a: float = 400.0
    ground_pickup_a: float | None = None
    unmodelled_clearing_time_s: float = 0.5
    reverse_power_pickup_mw: float = 0.5
    reverse_power_delay_s: float = 2.0
    elements: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        for name, allowed in (("phase_elements", PHASE_ELEMENTS),
                              ("ground_elements", GROUND_ELEMENTS)):
            bad = [e for e in getattr(self, name) if e not in allowed]
            if bad:
                raise ValueError(f"{name}: unknown element(s) {bad}; allowed: {allowed}")
        if self.ground_method not in ("torque", "impedance"):
            raise ValueError(f"ground_method {self.ground_method!r}; allowed: 'torque', "
                             "'impedance'")
        if self.trip_direction not in (Direction.FORWARD.value, Direction.NONE.value):
            raise ValueError(f"trip_direction {self.trip_direction!r}; allowed: 'forward', "
                             "'none'")
        for f, r in (("z2_forward_ohm", "z2_reverse_ohm"), ("z0_forward_ohm", "z0_reverse_ohm")):
            if not getattr(self, r) > getattr(self, f):
                raise ValueError(f"{r} ({getattr(self, r)}) must exceed {f} ({getattr(self, f)})")
        seen = dict.fromkeys((*self.phase_elements, *self.ground_elements))
        object.__setattr__(self, "elements", tuple(seen))

    @property
    def directional(self) -> bool:
        """The overcurrent elements are directionally controlled (trip forward only)."""
        return self.trip_direction == Direction.FORWARD.value


def is_forward_directional(device: object) -> bool:
    """A study-file device whose overcurrent elements trip only for forward faults.

    True for ``directional: forward`` and for a ``directional`` mapping with
    ``trip_direction: forward`` (its default).
    """
    value = getattr(device, "directional", Direction.NONE.value)
    if isinstance(value, str):
        return value == Direction.FORWARD.value
    return getattr(value, "trip_direction", Direction.NONE.value) == Direction.FORWARD.value


def any_forward_directional_relay(devices: object) -> bool:
    """Whether any of a study's ``devices`` (not a fuse) is forward-directional: the relays
    C9 judges, the only readers of the device table's phasor columns (#21). A device
    without a ``kind`` (a test double) is not one."""
    return any((k := getattr(d, "kind", None)) is not None
               and getattr(k, "value", k) != "fuse" and is_forward_directional(d)
               for d in devices)


# ------------------------------------------------------------------ from the study
def _block_values(block: object) -> dict[str, object]:
    """The keys of a ``directional`` mapping that are set (not ``None`` = "default for this
    relay"), renamed to :class:`DirectionalSettings` fields."""
    names = {"trip_direction": "trip_direction", "phase_elements": "phase_elements",
             "ground_elements": "ground_elements",
             "phase_min_polarising_pu": "min_pol_phase_pu", "memory": "use_memory",
             "half_width_degree": "half_width_degree", "z1_angle_degree": "z1_angle_degree",
             "z2_forward_ohm": "z2_forward_ohm", "z2_reverse_ohm": "z2_reverse_ohm",
             "q_forward_pickup_a": "q_forward_pickup_a",
             "q_reverse_pickup_a": "q_reverse_pickup_a", "a2": "a2",
             "ground_method": "ground_method",
             "ground_characteristic_angle_degree": "mta_ground_degree",
             "ground_min_polarising_pu": "min_pol_ground_pu",
             "z0_angle_degree": "z0_angle_degree", "z0_forward_ohm": "z0_forward_ohm",
             "z0_reverse_ohm": "z0_reverse_ohm", "g_forward_pickup_a": "g_forward_pickup_a",
             "g_reverse_pickup_a": "g_reverse_pickup_a", "a0": "a0",
             "unmodelled_clearing_time_s": "unmodelled_clearing_time_s",
             "reverse_power_pickup_mw": "reverse_power_pickup_mw",
             "reverse_power_delay_s": "reverse_power_delay_s"}
    return {field: getattr(block, key) for key, field in names.items()
            if getattr(block, key, None) is not None}


def defaults_for(net: pp.pandapowerNet | DssModel, site: object, pickup_a: float,
                 ground_pickup_a: float | None, mta_phase_degree: float,
                 graph: nx.Graph | None = None,
                 cache: dict[int, tuple[complex, complex]] | None = None,
                 lines: nx.Graph | None = None,
                 search: ForestSearch | None = None,
                 z_ohm: tuple[complex, complex] | None = None) -> DirectionalSettings:
    """The documented defaults of one device (see the module docstring); ``net`` is the
    study's feeder (a pandapower net or an OpenDSS model, ``graph`` built from it; on a
    pandapower net ``cache`` is :func:`line_z_ohm` and ``lines`` :func:`line_graph`, when
    given; ``search`` its :class:`~protv2g.directional.feeder.ForestSearch`; ``z_ohm`` the
    protected line's ``(Z1, Z0)`` when known)."""
    if z_ohm is not None:
        z1, z0 = z_ohm
    elif isinstance(net, DssModel):
        z1, z0 = dss_protected_line_z_ohm(net, site.element_index,  # type: ignore[attr-defined]
                                          site.bus, site.far_bus, graph, cache)  # type: ignore[attr-defined]
    else:
        z1, z0 = protected_line_z_ohm(net, site.element, site.element_index,  # type: ignore[attr-defined]
                                      site.bus, site.far_bus, graph, cache or None,  # type: ignore[arg-type,attr-defined]
                                      lines, search)
    z1_mag = abs(z1) if abs(z1) > 0 else 1.0
    z0_mag = abs(z0) if abs(z0) > 0 else 3.0 * z1_mag
    vn_kv = bus_vn_kv(net, site.bus)  # type: ignore[attr-defined]
    return DirectionalSettings(
        mta_phase_degree=mta_phase_degree,
        z1_angle_degree=float(np.degrees(np.angle(z1))) if abs(z1) > 0 else 70.0,
        z2_forward_ohm=0.5 * z1_mag, z2_reverse_ohm=0.6 * z1_mag,
        q_forward_pickup_a=0.10 * pickup_a, q_reverse_pickup_a=0.05 * pickup_a,
        z0_angle_degree=float(np.degrees(np.angle(z0))) if abs(z0) > 0 else 70.0,
        z0_forward_ohm=0.5 * z0_mag, z0_reverse_ohm=0.6 * z0_mag,
        g_forward_pickup_a=0.10 * pickup_a, g_reverse_pickup_a=0.05 * pickup_a,
        pickup_a=pickup_a, ground_pickup_a=ground_pickup_a,
        reverse_power_pickup_mw=0.05 * SQRT3 * vn_kv * pickup_a / 1000.0)


def settings_from_study(study: object, overrides: Mapping[str, Mapping[str, object]] | None = None,
                        devices: Collection[str] | None = None
                        ) -> dict[str, DirectionalSettings]:
    """Directional settings of every relay and recloser of a study (fuses have none).

    Relays: ``directional`` (shorthand or mapping) and ``characteristic_angle_degree`` (67P
    MTA); reclosers have no directional setting and are evaluated as non-directional (flows).
    ``overrides[device]`` replaces any field (tests, what-if studies). ``devices``: only
    these (default all); the feeder graph the defaults need is built only when one is left
    (#21: 0.55 s on the IEEE 8500 for a study without a directional relay).

    Raises
    ------
    ValueError
        For an override naming an unknown element or method.
    """
    out: dict[str, DirectionalSettings] = {}
    net = study.feeder  # type: ignore[attr-defined]
    graph = lines = search = radial = None
    cache: dict[int, tuple[complex, complex]] = {}
    for device in study.document.devices:  # type: ignore[attr-defined]
        kind = getattr(device.kind, "value", device.kind)
        if kind == "fuse" or (devices is not None and device.name not in devices):
            continue
        dss = isinstance(net, DssModel)
        if graph is None and dss:
            graph = dss_feeder_graph(net)
        elif not dss and not cache:  # every line's impedance once (#21), and the lines as a
            cache.update(line_z_ohm(net))  # forest where they alone answer: no networkx
            radial = radial_lines(net, cache)  # graph (#21: 0.2 s at 10,000 buses)
        site = study.device_sites[device.name]  # type: ignore[attr-defined]
        if kind == "relay":
            pickup = float(device.pickup_a)
            ground = device.ground_pickup_a if device.ground_pickup_a is not None else (
                device.ground_inst_pickup_a)
            mta = float(device.characteristic_angle_degree)
        else:
            pickup = float(device.phase_min_trip_a)
            ground, mta = device.ground_min_trip_a, 45.0
        z = (None if radial is None or site.element != "line" else
             radial_line_z_ohm(radial, cache, int(site.element_index), site.bus, site.far_bus))
        if z is None and graph is None and not dss and site.element != "trafo":  # networkx
            graph = feeder_multigraph(net)
            lines = line_graph(graph, cache)
            search = ForestSearch(lines)
        s = defaults_for(net, site, pickup, None if ground is None else float(ground), mta,
                         graph, cache, lines, search, z)
        value = getattr(device, "directional", Direction.NONE.value)
        values: dict[str, object] = {}
        if isinstance(value, str):
            values["trip_direction"] = value
        else:
            values["trip_direction"] = Direction.FORWARD.value
            values.update(_block_values(value))
        values.update((overrides or {}).get(device.name, {}))
        out[device.name] = replace(s, **values)  # type: ignore[arg-type]
    return out
