"""Two devices of one kind at one line end or transformer side: refused by validate.

A study file's fuse at the line end where another fuse already is (one of the file's own, or
one adopted from the OpenDSS model with ``feeder.adopt_devices``) is almost always a misnamed
device: ``fb`` written ``fz`` becomes a second fuse in series with the adopted ``fb``, and the
checks then coordinate the two — a phantom C3 pair with 40 FAIL rows (review rev45b §2). Two
fuses, or two reclosers, at one element terminal cannot both be real: a cutout holds one link
and a recloser is one interrupter with its control. Kinds that do share a place are left
alone: a relay beside another relay (a phase 50/51 and a ground 51N relay on one breaker, or
a primary and a backup set — OpenDSS models them as separate Relay objects) and devices of
different kinds (a recloser and the relay of the breaker it sits behind). Two model devices
adopted together are the model as given and are not refused here either.

A relay is refused in one case only (review fix45c): a study-file relay at the place of a
relay adopted from the model, with the same elements (:func:`relay_elements`: phase only, or
phase and ground), whose name is close to the adopted one's (:data:`CLOSE_NAME`, the
``difflib`` ratio of the case-folded names): ``head-rly`` written ``head-rlay`` would be a
second, identical relay on the breaker rather than the model's relay set anew. A second relay
with other elements (a separate ground relay) or a name unlike the adopted one's (a backup
set) stays allowed.

The place of a device is its :class:`~protv2g.study.places.DeviceSite`: the element, its row
and the bus of the end it sits at (a transformer's two sides are two places).
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from protv2g.errors import Issue
from protv2g.study.places import DeviceSite
from protv2g.units import DeviceKind

__all__ = ["CLOSE_NAME", "SINGLE_AT_A_PLACE", "relay_elements", "same_place_issues"]

#: Kinds of which one place holds only one (a relay may share a breaker with another relay).
SINGLE_AT_A_PLACE: frozenset[DeviceKind] = frozenset({DeviceKind.FUSE, DeviceKind.RECLOSER})
#: ``difflib.SequenceMatcher`` ratio from which two relay names are taken for one misspelt
#: name (``difflib.get_close_matches``' default cutoff).
CLOSE_NAME = 0.6


def relay_elements(device: Any) -> frozenset[str]:
    """A relay's overcurrent elements: ``phase`` (every relay has a phase pickup) and
    ``ground`` where it has a 51G or 50G pickup."""
    ground = (getattr(device, "ground_pickup_a", None) is not None
              or getattr(device, "ground_inst_pickup_a", None) is not None)
    return frozenset({"phase", "ground"} if ground else {"phase"})


def _closeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.casefold(), b.casefold()).ratio()


def _where(site: DeviceSite, device: Any) -> str:
    """The place in words: the OpenDSS element and terminal, else the study's location."""
    if site.element_name:
        return f"{site.element_name} terminal {site.terminal}"
    loc = device.location
    if loc.line is not None:
        return f"line {loc.line!r} ({loc.end} end)"
    if loc.trafo is not None:
        return f"transformer {loc.trafo!r} ({loc.side} side)"
    return f"switch {loc.switch!r}"


def same_place_issues(devices: Sequence[Any], device_sites: Mapping[str, DeviceSite],
                      n_adopted: int, file: str) -> list[Issue]:
    """An issue per study-file device of a kind in :data:`SINGLE_AT_A_PLACE` placed where an
    earlier device of the same kind is (module docstring).

    Parameters
    ----------
    devices
        The study's devices, those adopted from the model first (``n_adopted`` of them), then
        the file's own, as the loader merges them.
    device_sites
        Where each device (by name) was placed; a device not placed is skipped.
    n_adopted
        How many entries at the head of ``devices`` were adopted from the model.
    file
        The study file, for the issues.

    Returns
    -------
    list of Issue
        Field paths ``devices[i].location`` index the merged list (the loader's
        :func:`~protv2g.study.issues.with_device_names` maps them to the file's index).
    """
    first: dict[tuple[str, DeviceKind, int, int], int] = {}
    relays: dict[tuple[str, int, int], list[int]] = {}  # the adopted relays at each place
    issues: list[Issue] = []
    for i, device in enumerate(devices):
        site = device_sites.get(device.name)
        kind = DeviceKind(device.kind)
        if site is not None and kind is DeviceKind.RELAY:
            place = (site.element, site.element_index, site.bus)
            if i < n_adopted:
                relays.setdefault(place, []).append(i)
            else:
                issues += _misnamed_relay(devices, i, relays.get(place, []), site, file)
            continue
        if site is None or kind not in SINGLE_AT_A_PLACE:
            continue
        key = (site.element, kind, site.element_index, site.bus)
        j = first.setdefault(key, i)
        if j == i or i < n_adopted:  # the first there, or the model's own pair
            continue
        other = devices[j]
        where = _where(site, device)
        if j < n_adopted:
            close = _closeness(str(device.name), str(other.name))
            fix = (f"did you mean {other.name!r}? Name this entry {other.name!r} to set the "
                   "model's device (the study's entry then replaces the adopted one), or "
                   "remove it" + ("" if close >= 0.5 else
                                  "; to study the model without its devices set "
                                  "feeder.adopt_devices: false"))
            what = f"the {kind.value} {other.name!r} adopted from the model"
        else:
            fix = (f"remove one of the two, or move {device.name!r} to the place it really "
                   "is (a line end holds one " + kind.value + ")")
            what = f"the {kind.value} {other.name!r}"
        issues.append(Issue(
            file, f"devices[{i}].location",
            f"{kind.value} {device.name!r} is at {where}, where {what} already is: two "
            f"{kind.value}s in series at one place cannot both be real, and the checks would "
            "coordinate them as a pair", fix))
    return issues


def _misnamed_relay(devices: Sequence[Any], i: int, adopted: Sequence[int], site: DeviceSite,
                    file: str) -> list[Issue]:
    """The issue of study relay ``devices[i]`` when one of the ``adopted`` relays at its place
    has its elements and a name within :data:`CLOSE_NAME` of its own (the closest named), else
    none."""
    device = devices[i]
    same = [j for j in adopted if relay_elements(devices[j]) == relay_elements(device)]
    if not same:
        return []
    score, j = max((_closeness(str(device.name), str(devices[j].name)), j) for j in same)
    if score < CLOSE_NAME:
        return []
    other = devices[j]
    elements = " and ".join(sorted(relay_elements(device), reverse=True))
    return [Issue(
        file, f"devices[{i}].location",
        f"relay {device.name!r} is at {_where(site, device)}, where the relay {other.name!r} "
        f"adopted from the model already is, with the same ({elements}) elements and a name "
        f"close to it: a misnamed entry becomes a second relay on that breaker, and the "
        "checks would coordinate the two as a pair",
        f"did you mean {other.name!r}? Name this entry {other.name!r} to set the model's relay "
        "(the study's entry then replaces the adopted one); if it really is a second relay on "
        f"that breaker (a backup set), give it a name unlike {other.name!r}")]
