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
from typing import TYPE_CHECKING

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
    the document as validated (defaults filled in) and every feeder table the engine reads.
    """
    h = hashlib.sha256()
    h.update(json.dumps(study.document.model_dump(mode="json"), sort_keys=True).encode())
    if study.model is not None:  # an OpenDSS feeder: what OpenDSS compiled, as taken
        m = study.model
        for frame in (m.buses, m.elements[["name", "enabled", "closed"]], m.injections,
                      m.devices, m.controls):
            h.update(frame.to_csv().encode())
        h.update(m.y_s.data.round(9).tobytes() + m.y_s.indices.tobytes())
        h.update(m.v_oc_v.round(6).tobytes())
    else:
        for table in _NET_TABLES:
            if table in study.net:
                h.update(study.net[table].to_csv().encode())
    return h.hexdigest()[:16]
