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

__all__ = ["SINGLE_AT_A_PLACE", "same_place_issues"]

#: Kinds of which one place holds only one (a relay may share a breaker with another relay).
SINGLE_AT_A_PLACE: frozenset[DeviceKind] = frozenset({DeviceKind.FUSE, DeviceKind.RECLOSER})


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
    issues: list[Issue] = []
    for i, device in enumerate(devices):
        site = device_sites.get(device.name)
        kind = DeviceKind(device.kind)
        if site is None or kind not in SINGLE_AT_A_PLACE:
            continue
        key = (site.element, kind, site.element_index, site.bus)
        j = first.setdefault(key, i)
        if j == i or i < n_adopted:  # the first there, or the model's own pair
            continue
        other = devices[j]
        where = _where(site, device)
        if j < n_adopted:
            close = difflib.SequenceMatcher(None, str(device.name).lower(),
                                            str(other.name).lower()).ratio()
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
