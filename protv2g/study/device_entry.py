"""A study device as the one-line YAML entry a user pastes under ``devices:``.

A device adopted from an OpenDSS model (``feeder.adopt_devices``) has no place in the study
file for a value the model cannot hold (an interrupting rating: OpenDSS's ``Fuse``,
``Recloser`` and ``Relay`` have none); a device of the same name under ``devices`` replaces the
adopted one (docs/study-file.md, *Devices imported from an OpenDSS model*). A fix that says
``feeder.opendss (fuse f2).interrupting_rating_ka: 10`` names no YAML the user can write
(review rev47b P3); :func:`device_entry_yaml` gives the entry that does.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["device_entry_yaml", "replace_adopted_fix"]


def device_entry_yaml(device: Any, **extra: Any) -> str:
    """``device``'s study entry (its non-default keys, then ``extra``) as one flow-style line.

    Parameters
    ----------
    device : pydantic model
        A study device (``protv2g.study.schema_devices``).
    **extra
        Keys to add or override (e.g. ``interrupting_rating_ka=10``).

    Returns
    -------
    str
        ``- {name: f2, location: {line: l2, end: from}, kind: fuse, …}``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> d = SimpleNamespace(model_dump=lambda **_: {"name": "f2", "kind": "fuse", "link": "65K"})
    >>> device_entry_yaml(d, interrupting_rating_ka=10)
    '- {name: f2, kind: fuse, link: 65K, interrupting_rating_ka: 10}'
    """
    entry = device.model_dump(exclude_defaults=True, mode="json") | extra
    text = yaml.safe_dump(entry, default_flow_style=True, sort_keys=False, width=1 << 20)
    return "- " + text.strip()


def replace_adopted_fix(device: Any, key: str, value: float) -> str:
    """The fix for a key an adopted device lacks: define it under ``devices:`` (same name)."""
    return (f"define it in the study file under devices: with its {key} (a device of the same "
            "name replaces the one adopted from the OpenDSS model), e.g. "
            f"{device_entry_yaml(device, **{key: value})}")
