"""What a reviewer needs to reproduce a run: package versions and a digest of the inputs.

A leaf module (standard library only): the runner, the gate's JSON, batch workbooks and the
report all read provenance from here, so none of them has to import another stage for it.

Examples
--------
>>> sorted(dependency_versions())[:2]
['networkx', 'numpy']
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from protv2g.study.loader import Study

__all__ = ["VERSIONED_PACKAGES", "dependency_versions", "input_digest"]

#: protv2g and the packages its numbers depend on.
VERSIONED_PACKAGES = ("protv2g", "pandapower", "numpy", "scipy", "pandas", "networkx",
                      "openpyxl")

#: Feeder tables that enter the input digest (what the engine and flow read).
_NET_TABLES = ("bus", "line", "trafo", "ext_grid", "load", "sgen", "switch", "shunt")


def dependency_versions(packages: tuple[str, ...] = VERSIONED_PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"not installed"`` when it is absent)."""
    out = {}
    for name in packages:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def input_digest(study: Study) -> str:
    """SHA-256 over the validated study document and the feeder net (first 16 hex digits).

    Two runs with the same digest and the same :func:`dependency_versions` had the same inputs:
    the document as validated (defaults filled in) and every feeder table the engine reads,
    each table as :func:`_hash_frame` feeds it (its values' bytes, not a CSV of it: #21, the
    CSV of the 10,000-bus study's tables was 0.1 s of the run's checks stage).
    """
    h = hashlib.sha256()
    h.update(json.dumps(study.document.model_dump(mode="json"), sort_keys=True).encode())
    if study.model is not None:  # an OpenDSS feeder: what OpenDSS compiled, as taken
        m = study.model
        for frame in (m.buses, m.elements[["name", "enabled", "closed"]], m.injections,
                      m.devices, m.controls):
            _hash_frame(h, frame)
        h.update(m.y_s.data.round(9).tobytes() + m.y_s.indices.tobytes())
        h.update(m.v_oc_v.round(6).tobytes())
    else:
        for table in _NET_TABLES:
            if table in study.net:
                h.update(table.encode())
                _hash_frame(h, study.net[table])
    return h.hexdigest()[:16]


def _hash_frame(h: Any, frame: Any) -> None:
    """Feed a table to the hash ``h``: its shape, its column names and dtypes, then its index
    and every column, each with its length in bytes. A column of booleans, integers or
    floats is its values' bytes (every NaN as the one NaN: equal values, equal bytes; 0.0 and
    -0.0 apart, as a CSV writes them); any other column the ``repr`` of each value, joined
    by a separator that ``repr`` never leaves in a text (``\\x1f``)."""
    columns = [frame.index, *(frame.iloc[:, k] for k in range(frame.shape[1]))]
    h.update(repr((frame.shape, [str(c) for c in frame.columns],
                   [str(c.dtype) for c in columns])).encode())
    for column in columns:
        values = column.to_numpy()
        if values.dtype.kind in "biuf":
            if values.dtype.kind == "f":
                values = values.copy()
                values[values != values] = float("nan")  # one NaN pattern
            data = values.tobytes()
        else:
            data = "\x1f".join(map(repr, values.tolist())).encode()
        h.update(b"%d:" % len(data))
        h.update(data)
