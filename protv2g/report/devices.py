"""Device models for the TCC plots, rebuilt from ``StudyResult.settings``.

The settings table holds every device as used (one row each, the study file's field names
with units); curve names are resolved in the study's curve library: the built-in library
plus the ``library`` folders of the study document (relative to ``inputs["study_file"]``).
If a result carries a ``devices`` attribute (name → model), it is used as is.

Examples
--------
>>> import pandas as pd
>>> row = {"device": "F1", "kind": "fuse", "link": "65K", "pickup_a": float("nan")}
>>> models, problems = devices_from_settings(pd.DataFrame([row]))
>>> models["F1"].rating_a, problems
(65.0, {})
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from protv2g.devices.kinds import spec
from protv2g.devices.library import CurveLibrary, default_library, load_library
from protv2g.devices.models import Device, build_device
from protv2g.errors import InputError

if TYPE_CHECKING:  # pragma: no cover - annotations only (the report reads a result)
    from protv2g.result import StudyResult

__all__ = ["devices_from_settings", "devices_from_result", "study_curve_library"]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _convert(annotation: str, value: Any) -> Any:
    """A settings-table cell as the settings dataclass wants it."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if "tuple" in annotation:
        if isinstance(value, str):
            return tuple(float(v) for v in value.split(",") if v.strip())
        return tuple(float(v) for v in value)
    if annotation.startswith("int"):
        return int(value)
    if annotation.startswith("str") or annotation == "Reset":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    if "float" in annotation and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


def devices_from_settings(settings: pd.DataFrame, library: CurveLibrary | None = None
                          ) -> tuple[dict[str, Device], dict[str, str]]:
    """Build a model for every row of a settings table.

    Parameters
    ----------
    settings : DataFrame
        Columns ``device``, ``kind`` and the settings fields of that kind (others ignored).
    library : CurveLibrary, optional
        Curves by name (default: the built-in library).

    Returns
    -------
    models : dict
        Device name → model, for the rows that could be built.
    problems : dict
        Device name → why it could not be built (shown in the report).
    """
    lib = library or default_library()
    models: dict[str, Device] = {}
    problems: dict[str, str] = {}
    if settings is None or "device" not in settings.columns or "kind" not in settings.columns:
        return models, problems
    for row in settings.to_dict("records"):
        name, kind = str(row.get("device")), str(row.get("kind"))
        try:
            cls = spec(kind).settings
        except ValueError:
            problems[name] = f"no TCC for kind {kind!r}"
            continue
        fields: dict[str, Any] = {"name": name}
        try:
            for f in dataclasses.fields(cls):
                value = row.get(f.name)
                if f.name != "name" and not _missing(value):
                    fields[f.name] = _convert(str(f.type), value)
            models[name] = build_device(kind, fields, lib)
        except (InputError, ValueError, TypeError) as exc:
            problems[name] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return models, problems


def study_curve_library(inputs: dict[str, Any]) -> tuple[CurveLibrary, str | None]:
    """The study's curve library, and a note when its own folders could not be loaded."""
    folders = (inputs.get("document") or {}).get("library") or []
    if not folders:
        return default_library(), None
    base = Path(str(inputs.get("study_file", "."))).parent
    try:
        return load_library([base / str(f) for f in folders]), None
    except InputError as exc:
        return default_library(), f"study curve folders not loaded ({exc}); built-ins used"


def devices_from_result(result: StudyResult) -> tuple[dict[str, Device], dict[str, str]]:
    """Device models for a result: ``result.devices`` if present, else from its settings."""
    given = getattr(result, "devices", None)
    if given:
        return dict(given), {}
    library, note = study_curve_library(result.inputs)
    models, problems = devices_from_settings(result.settings, library)
    if note:
        problems["(curve library)"] = note
    return models, problems
