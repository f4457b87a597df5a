"""Load a feeder model as a pandapower net: JSON (safely), a pandapower built-in, or OpenDSS.

A pandapower JSON file can name classes and functions to import (``_module``/``_class``);
``load_pandapower_json`` refuses any module outside pandapower, pandas and numpy *before*
pandapower's decoder sees the file, so loading an untrusted file never imports or runs code
named in it.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protv2g.errors import InputError, Issue
from protv2g.network.net_references import reference_issues

if TYPE_CHECKING:  # pragma: no cover - pandapower is imported where a net is built
    import pandapower as pp

_ALLOWED_MODULE_PREFIXES = ("pandapower", "pandas", "numpy")
_MAX_JSON_BYTES = 512 * 1024 * 1024


def _named_modules(obj: Any) -> Iterator[str]:
    """Yield every ``_module`` named anywhere in a decoded JSON document (nested strings too)."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "_module" in item:
                yield str(item["_module"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and item[:1] in "{[" and "_module" in item:
            try:
                stack.append(json.loads(item))
            except ValueError:
                continue


def checked_json(path: Path, *, file: str | None = None,
                 field: str = "feeder.pandapower_json") -> tuple[str, Any]:
    """The text and decoded document of a pandapower JSON file that passed the safety checks
    (present, at most 512 MiB, valid JSON, no module outside pandapower/pandas/numpy named).

    Raises
    ------
    InputError
        When a check fails.
    """
    file = file or str(path)
    if not path.is_file():
        raise InputError(Issue(file, field, f"file {str(path)!r} not found",
                               "check the path (relative to the study file)"))
    size_b = path.stat().st_size
    if size_b > _MAX_JSON_BYTES:
        raise InputError(
            Issue(file, field, f"{path.name} is {size_b / 2**20:.0f} MiB, above the 512 MiB limit",
                  "split the model or reduce it before a protection study")
        )
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise InputError(
            Issue(file, field, f"{path.name} is not valid JSON ({exc})",
                  "export the net with pandapower.to_json")
        ) from None
    bad = sorted({m for m in _named_modules(document)
                  if m.split(".")[0] not in _ALLOWED_MODULE_PREFIXES})
    if bad:
        raise InputError(
            Issue(file, field,
                  f"{path.name} names code to import from {', '.join(bad)}; refused for safety",
                  "remove those objects; only pandapower, pandas and numpy objects are loaded")
        )
    return text, document


def load_pandapower_json(path: Path, *, file: str | None = None,
                         field: str = "feeder.pandapower_json") -> pp.pandapowerNet:
    """Read a pandapower JSON network without importing anything the file names.

    Raises
    ------
    InputError
        When the file is missing, not JSON, too large, or names a module outside
        pandapower/pandas/numpy.
    """
    import pandapower as pp

    file = file or str(path)
    text, _ = checked_json(path, file=file, field=field)
    try:
        net = pp.from_json_string(text)
    except Exception as exc:  # noqa: BLE001 - any decoder failure is bad input here
        raise InputError(
            Issue(file, field, f"pandapower could not read {path.name} ({type(exc).__name__}: "
                  f"{exc})", "export the net with pandapower.to_json")
        ) from None
    # pandapower's own MissingBusIndices for the columns it covers (library first)
    dangling = reference_issues(net, file, f"{field} ({path.name})" if field else "",
                                library=True)
    if dangling:  # rev43b F1: refused here, not an IndexError deep in pandapower later
        raise InputError(dangling)
    return net


def builtin_network_names() -> list[str]:
    """Names of the pandapower built-in networks that take no required argument."""
    import pandapower.networks as pn

    names = []
    for name, func in inspect.getmembers(pn, inspect.isfunction):
        if name.startswith("_"):
            continue
        params = inspect.signature(func).parameters.values()
        if all(p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL,
               p.VAR_KEYWORD) for p in params):
            names.append(name)
    return sorted(names)


def load_builtin(name: str, *, file: str = "<study>", field: str = "feeder.builtin"
                 ) -> pp.pandapowerNet:
    """Create a pandapower built-in network by its function name in ``pandapower.networks``."""
    import pandapower.networks as pn

    names = builtin_network_names()
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see pandapower.networks"
        raise InputError(Issue(file, field, f"unknown pandapower built-in network {name!r}", hint))
    return getattr(pn, name)()
