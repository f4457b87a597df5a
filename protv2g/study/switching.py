"""The feeder's switching state as the study takes it: the lines and switches the model leaves
open or out of service.

A study solves the feeder as its model is switched. A normally-open tie (OpenDSS: a line with a
terminal opened, ``open line.sw7 2``, or a disabled switch line such as EPRI ckt5's
``MDV201_OSW_*``; pandapower: an open switch or a line out of service) is no edge of the
feeder graph (:mod:`protv2g.network.dss_graph`), so an alternate feed through it — a tie closed
for switching, a section fed from a neighbour — is not studied. The Summary says so with these
names (review rev37b: IEEE 123's ties, nothing said they were not studied). A model may also
end a closed switch at a bus nothing else connects to: IEEE 123 writes its normally-open points
so (``Sw7`` to ``300_OPEN``, "NORMALLY OPEN SWITCHES; DEFINED AS SHORT LINE TO OPEN BUS";
ver38), EPRI J1's ``Master_noPV`` leaves ``Line.Site4_PV`` closed to the bus of a PV system it
does not load (review rev40a M7). :func:`dead_end_line_names` names those as the model shows
them — nothing fed through them — not as an intent; switches only: a line section ending at
a bus with nothing on it is an unloaded lateral end, not an open point (IEEE 8500 has 44 of
them, EPRI ckt24 54; the Summary named them all as possible open points, session 38).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["open_line_names", "dead_end_line_names"]


def open_line_names(study: Any) -> list[str]:
    """Names of the lines (switches included) the feeder's model leaves open or out of service.

    Parameters
    ----------
    study : protv2g.study.loader.Study
        With ``model`` (an OpenDSS :class:`~protv2g.network.dss_model.DssModel`) or ``net``
        (a pandapower net).

    Returns
    -------
    list of str
        OpenDSS ``line.<name>`` of each line disabled or with a terminal opened, in model order;
        pandapower ``switch <name or index>`` of each open switch and ``line <name or index>`` of
        each line out of service. Empty when the model has none or no model.
    """
    model = getattr(study, "model", None)
    if model is not None:
        e = model.elements
        lines = e[(e.cls == "line").to_numpy(bool)]
        shut = ~lines.enabled.to_numpy(bool) | ~lines.closed.to_numpy(bool)
        return [str(n) for n in lines.name[shut]]
    net = getattr(study, "net", None)
    if net is None:
        return []
    names = []
    for kind, table, mask in (
            ("switch", net.switch, ~net.switch.closed.to_numpy(bool)),
            ("line", net.line, ~net.line.in_service.to_numpy(bool))):
        label = table["name"] if "name" in table else None
        for idx in np.flatnonzero(mask):
            name = label.iat[idx] if label is not None else None
            names.append(f"{kind} {name if isinstance(name, str) and name else table.index[idx]}")
    return names


def dead_end_line_names(study: Any) -> list[str]:
    """OpenDSS switches, enabled and closed, with a terminal on a bus no other enabled element
    connects to: nothing is fed through them as modelled (an open point written as a stub,
    IEEE 123's ``Sw7`` to ``300_OPEN``; or equipment the master does not load, EPRI J1's
    ``Line.Site4_PV`` in ``Master_noPV``); empty on a pandapower feeder (its open points are
    switches, :func:`open_line_names`). A switch is a line with ``Switch=yes`` or a negligible
    series impedance (:data:`protv2g.network.dss_elements.SWITCH_Z1_MAX_OHM`, column
    ``switch_like``); a line section ending at an empty bus is an unloaded end, not named.

    Returns
    -------
    list of str
        ``line.<name>`` in model order.
    """
    model = getattr(study, "model", None)
    if model is None:
        return []
    e = model.elements
    on = e[e.enabled.to_numpy(bool)]
    count: dict[str, int] = {}
    for buses in on.buses:
        for b in {str(x).lower() for x in buses}:
            count[b] = count.get(b, 0) + 1
    switch = (on["switch_like"].to_numpy(bool) if "switch_like" in on
              else np.ones(len(on), dtype=bool))
    lines = on[(on.cls == "line").to_numpy(bool) & on.closed.to_numpy(bool) & switch]
    return [str(n) for n, buses in zip(lines.name, lines.buses, strict=True)
            if any(count.get(str(b).lower(), 0) == 1 for b in buses)]
