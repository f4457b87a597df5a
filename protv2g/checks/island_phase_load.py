"""Each phase's share of the load behind an opening device: the load a single-phase DER's
island faces (C10, :mod:`protv2g.checks.island_collapse`).

A single-phase unit's current, once the device opens, flows into its own phase's load; the
island's voltage is that current over that phase's conductance. C10 took one third of the
zone's minimum load for every phase (review ver40b F, fix41a: EPRI J1's RC-MID zone carries
36.7 / 40.5 / 22.7 % on phases a / b / c — a unit on phase c faced 1/3 where its phase has
0.23, an island voltage too low by 30 %: not conservative).

On an OpenDSS model the shares are the model's own: the active power into the device's
element at its measuring terminal, per phase conductor (nodes 1–3), from the model's snapshot
power flow — ``S_k = V_k · conj(I_k)``, ``I = Y_prim · V`` on the element's primitive
admittance and the solved node voltages (:attr:`protv2g.network.dss_model.DssModel.v_pf_v`).
That is the load behind the device on each phase (with the losses behind it, a few %), at the
model's snapshot; C10 scales the zone's minimum load by it (a light level scaling the loads
unevenly between phases — held loads on one phase — shifts the shares a little). A phase
whose power is not positive (existing DER, a capacitor's losses) gets no share: no load holds
the unit's voltage down there, the highest-voltage end. On a pandapower net (balanced loads)
every phase carries a third.

Checked against OpenDSS (opendssdirect, EPRI J1 ``Master_noPV.dss`` solved as its script sets
it, ``Line.oh_b18849`` terminal 1 powers): ``tests/test_c10_phase_load.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["PHASES", "phase_load_shares", "primary_conductors"]

#: The phase conductors, OpenDSS nodes 1–3.
PHASES = "abc"


def phase_load_shares(study: Any, device: str) -> tuple[dict[str, float], str]:
    """Each phase's share (fraction) of the active power into ``device``'s element, and where
    the shares come from, in words (the module docstring).

    Parameters
    ----------
    study : Study
        Its ``model`` (an OpenDSS model; ``None`` on a pandapower net) and ``device_sites``.
    device : str
        The opening device.

    Returns
    -------
    shares : dict
        ``{"a": …, "b": …, "c": …}``, summing to 1 (a phase the device does not carry: 0);
        a third each on a pandapower net or where the flow gives no positive total.
    basis : str
        ``"the model's snapshot flow into <element>, per phase"`` or why a third each.
    """
    even = {p: 1 / 3 for p in PHASES}
    model = getattr(study, "model", None)
    site = (getattr(study, "device_sites", {}) or {}).get(device)
    name = getattr(site, "element_name", "")
    if model is None:
        return even, "a pandapower net's balanced loads, a third each"
    if site is None or not name:
        return even, "a third each: the device's element is not known"
    e = model.element_y(name, int(site.terminal))
    at = np.asarray(e.terminal) == int(site.terminal)
    node = np.asarray(e.node)
    v = np.where(node >= 0, np.asarray(model.v_pf_v)[np.maximum(node, 0)], 0.0)
    i = np.asarray(e.yprim_s) @ v
    p_kw = (v * np.conj(i)).real[at] / 1e3
    nums = np.asarray(e.node_num)[at]
    p = {ph: max(float(p_kw[nums == k].sum()), 0.0) for k, ph in enumerate(PHASES, start=1)}
    total = sum(p.values())
    if not np.isfinite(total) or total <= 0:
        return even, "a third each: no load flows into it at the model's snapshot"
    return ({ph: x / total for ph, x in p.items()},
            f"the model's snapshot flow into {name}, per phase")


def primary_conductors(study: Any, site: Any) -> str:
    """The phase conductors ``site``'s current flows in on the primary: its own
    :attr:`~protv2g.study.schema.V2GSite.conductors` unless it sits in a low-voltage zone fed
    by a transformer whose primary winding has fewer than three phases — then that winding's
    phase nodes (1–3 → a–c) at the bus of its highest-voltage winding.

    A centre-tapped 120/240 V transformer's legs are OpenDSS nodes 1 and 2 of its secondary
    bus, "ab" to the study, while the whole unit hangs on one primary phase (EPRI-style
    ``buses=[l2.1.0 h.1.0 h.0.2]``: phase a). C10 spread the homes' kVA over primary phases a
    and b (review rev51 #5: "257 kVA … on phase b" = the depot's 240 kVA + half of the homes').
    The zone and its feeding transformer are :mod:`protv2g.network.dss_zone_base`'s. On a
    pandapower net, or where the zone is not known, the site's own conductors.
    """
    own = str(site.conductors)
    model = getattr(study, "model", None)
    bus = (getattr(study, "site_buses", {}) or {}).get(site.name)
    if model is None or bus is None or len(own) == 3:
        return own
    from protv2g.network.dss_zone_base import winding_rows, zone_base

    name = str(zone_base(model).transformer[int(bus)] or "")
    windings = [w for w in winding_rows(model) if w[0] == name]
    if not name or not windings:
        return own
    primary = max(windings, key=lambda w: w[3])[2]  # the highest-voltage winding's bus
    e = model.elements
    row = e.index[(e.name == name).to_numpy()]
    if not len(row):
        return own
    buses = [str(b).lower() for b in e.at[row[0], "buses"]]
    if primary not in buses:
        return own
    terminal = buses.index(primary) + 1
    y = model.element_y(name, terminal)
    at = (np.asarray(y.terminal) == terminal) & (np.asarray(y.node) >= 0)
    phases = sorted({int(k) for k in np.asarray(y.node_num)[at].tolist() if 1 <= k <= 3})
    got = "".join(PHASES[k - 1] for k in phases)
    return got if 0 < len(got) < 3 else own
