"""Load a study file: read YAML safely, validate everything, build the :class:`Study`.

``validate_study`` collects *every* problem (schema, then the feeder, device locations,
sites, curve names and scenario limits) and returns them; ``load_study`` raises one
:class:`~protv2g.errors.InputError` listing them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from pydantic import ValidationError

from protv2g.devices.library import YAML_SAFE_LOADER, Curve, CurveLibrary, load_library
from protv2g.errors import InputError, Issue, with_issue_rows
from protv2g.network.json_tables import (
    FeederTables,
    element_frames,
    feeder_tables_from_document,
)
from protv2g.network.net_references import BUS_COLUMNS, reference_issues
from protv2g.network.sources import checked_json, load_builtin, load_pandapower_json
from protv2g.study.curves import study_library
from protv2g.study.device_clash import same_place_issues
from protv2g.study.feeder_checks import (
    check_semantics,
    dead_bus_warnings,
    find_one,
    resolve_location,
)
from protv2g.study.fuse_standard import with_iec_fuse_basis
from protv2g.study.issues import issues_from_validation_error, with_device_names
from protv2g.study.opendss_devices import adopt_model_devices
from protv2g.study.paths import resolve_inside, script_issue
from protv2g.study.places import DeviceSite
from protv2g.study.schema import FeederSource, Location, StudyDocument
from protv2g.study.unit_slips import unit_slip_errors
from protv2g.study.voltage_standard import feeder_voltage_standard_issues
from protv2g.units import DeviceKind

if TYPE_CHECKING:  # pragma: no cover - pandapower is imported where a net is built
    import pandapower as pp


@dataclass(frozen=True)
class Study:
    """A validated study: the document, its feeder and the resolved device/site places.

    The feeder is a pandapower ``net``, or for an OpenDSS master on the phase-domain path a
    :class:`~protv2g.network.dss_model.DssModel` (``model``; ``net`` is then None). It belongs
    to the study; the engine never modifies it.
    """

    path: Path
    document: StudyDocument
    net: pp.pandapowerNet | None
    device_sites: dict[str, DeviceSite]
    site_buses: dict[str, int]
    raw: dict[str, Any] = field(repr=False)
    library: CurveLibrary = field(repr=False)
    feeder_warnings: Any = None
    model_devices: tuple[dict[str, Any], ...] = ()
    model_curves: tuple[dict[str, Any], ...] = ()
    model: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.document.name

    @property
    def feeder(self) -> Any:
        """The feeder model: the OpenDSS model when there is one, else the net."""
        return self.model if self.model is not None else self.net

    @property
    def unmodelled_fuse_lines(self) -> tuple[str, ...]:
        """The OpenDSS model's lines named like fuses with no ``Fuse`` element on them and no
        device of the study (``line.<name>``, lower case;
        :func:`protv2g.network.dss_fuse_named.fuse_named_lines`, the list ``init`` writes in
        its TODO): empty for a pandapower feeder. In the field each is likely a fuse whose zone
        the devices above it back up (C5 says so, review rev30 §4)."""
        if self.model is None:
            return ()
        from protv2g.network.dss_fuse_named import fuse_named_lines

        mine = {str(s.element_name).lower() for s in self.device_sites.values()
                if getattr(s, "element_name", None)}
        return tuple(n.lower() for n in fuse_named_lines(self.model) if n.lower() not in mine)

    def bus_name(self, bus: int) -> str:
        """Name of bus ``bus`` (a net bus index, or a position in ``model.buses``)."""
        if self.model is not None:
            return str(self.model.buses.index[int(bus)])
        return str(self.net.bus.at[int(bus), "name"])

    def with_updates(self, **sections: Any) -> Study:
        """A copy of the study with whole sections replaced and revalidated.

        Example
        -------
        >>> faster = study.with_updates(scenarios={"export_levels_kw": [0, 900]})  # doctest: +SKIP
        """
        raw = {**self.raw, **sections}
        try:
            document = StudyDocument.model_validate(raw)
        except ValidationError as exc:
            raise InputError(with_device_names(issues_from_validation_error(
                exc, str(self.path)), _raw_names(raw))) from None
        loaded = LoadedFeeder(self.net, self.feeder_warnings, self.model_curves,
                              self.model_devices, model=self.model)
        issues, study = _finish(self.path, raw, document, loaded)
        if issues or study is None:
            raise InputError(issues)
        return study


def _read_yaml(path: Path) -> tuple[dict[str, Any] | None, list[Issue]]:
    file = str(path)
    if not path.is_file():
        return None, [Issue(file, "", "study file not found", "check the path")]
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_SAFE_LOADER)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Issue(file, where, f"not valid YAML: {problem}",
                            "fix the indentation/quoting at that place")]
    except UnicodeDecodeError:
        return None, [Issue(file, "", "not a UTF-8 text file", "save the study as UTF-8 YAML")]
    if not isinstance(raw, dict):
        return None, [Issue(file, "", "the study must be a YAML mapping (key: value) at the top",
                            "start with 'name:', 'feeder:', 'devices:' …")]
    return raw, []


@dataclass(frozen=True)
class LoadedFeeder:
    """A feeder as loaded: the net, and from an OpenDSS model its warnings/curves/devices."""

    net: pp.pandapowerNet | None
    warnings: Any = None
    curves: tuple[dict[str, Any], ...] = ()
    devices: tuple[dict[str, Any], ...] = ()
    issues: tuple[Issue, ...] = ()
    model: Any = None


def _load_feeder(source: FeederSource, study_dir: Path, file: str, light: bool = False,
                 devices: tuple[Any, ...] = ()) -> LoadedFeeder:
    """The feeder of a study. ``light``: for a pandapower JSON file, only the tables that
    validation reads (:class:`~protv2g.network.json_tables.FeederTables`, no pandapower
    import) when the file allows it. ``devices``: the study file's devices (an OpenDSS
    model's notes name the model's devices the study places where the model has them)."""
    try:
        if source.builtin:
            return LoadedFeeder(load_builtin(source.builtin, file=file))
        key = "feeder.pandapower_json" if source.pandapower_json else "feeder.opendss"
        target, issues = resolve_inside(
            study_dir, source.pandapower_json or source.opendss or "", file, key)
        if target is None:
            return LoadedFeeder(None, issues=tuple(issues))
        if source.pandapower_json:
            if light:
                document = checked_json(target, file=file, field=key)[1]
                tables = feeder_tables_from_document(document)
                if tables is not None:  # every element table's references, not only these
                    every = SimpleNamespace(**{**element_frames(document, BUS_COLUMNS),
                                               **vars(tables)})
                    dangling = reference_issues(every, file, f"{key} ({target.name})")
                    return LoadedFeeder(None if dangling else tables, issues=tuple(dangling))
            return LoadedFeeder(load_pandapower_json(target, file=file, field=key))
        if source.opendss_via == "phase":
            from protv2g.study.opendss_feeder import load_dss_feeder

            return LoadedFeeder(None, **load_dss_feeder(source, target, study_dir, file,
                                                        devices))
        from protv2g.network.opendss import import_opendss

        try:
            imported = import_opendss(target)
        except InputError as exc:
            return LoadedFeeder(None, issues=tuple(script_issue(file, key, target, i)
                                                   for i in exc.issues))
        return LoadedFeeder(imported.net, imported.warnings, tuple(imported.curves),
                            tuple(imported.devices))
    except InputError as exc:
        return LoadedFeeder(None, issues=tuple(exc.issues))


_CURVE_KEYS = ("curve", "ground_curve", "fast_curve", "delayed_curve", "ground_fast_curve",
               "ground_delayed_curve", "link")


def _raw_library(raw: dict[str, Any], path: Path) -> CurveLibrary | None:
    """The study's curve library from a document that failed the schema (None if unusable)."""
    entries = raw.get("library") or []
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        return None
    try:
        return load_library([path.parent / e for e in entries])
    except InputError:
        return None


def _raw_place_issues(raw: dict[str, Any], path: Path, light: bool = False) -> list[Issue]:
    """Feeder-dependent problems (missing lines/buses, unknown curves) found even when the
    schema fails, on a pandapower net or an OpenDSS model (rev43b F4: the model's were not).

    So that one run of ``validate`` lists a wrong pickup *and* a device on a missing line.
    """
    try:
        source = FeederSource.model_validate(raw.get("feeder"))
    except ValidationError:
        return []
    loaded = _load_feeder(source, path.parent, str(path), light)
    net, model, issues = loaded.net, loaded.model, list(loaded.issues)
    if net is None and model is None:
        return issues
    file = str(path)
    library = _raw_library(raw, path)
    # a model's own curves join the library only in a valid study: their names not judged here
    model_curve = ("dss-",) if loaded.curves else ()
    if model is not None:  # OpenDSS only for an OpenDSS feeder
        from protv2g.network.dss_graph import locate
        from protv2g.study.opendss_feeder import site_bus
    raw_devices = raw.get("devices")
    for i, device in enumerate(raw_devices if isinstance(raw_devices, list) else []):
        if not isinstance(device, dict):
            continue
        if library is not None:
            for key in _CURVE_KEYS:
                name = device.get(key)
                if isinstance(name, str) and name not in library \
                        and not (model_curve and name.startswith(model_curve)):
                    try:
                        library.get(name)
                    except InputError as exc:
                        issues.extend(Issue(file, f"devices[{i}].{key}", x.message, x.fix)
                                      for x in exc.issues)
        try:
            loc = Location.model_validate(device.get("location"))
        except ValidationError:
            continue
        key = f"devices[{i}].location"
        issues.extend(locate(model, loc, file, key)[1] if model is not None
                      else resolve_location(net, loc, file, key)[1])
    raw_sites = raw.get("v2g_sites")
    for i, site in enumerate(raw_sites if isinstance(raw_sites, list) else []):
        if isinstance(site, dict) and isinstance(site.get("bus"), str):
            key = f"v2g_sites[{i}].bus"
            issues.extend(site_bus(model, site["bus"], file, key)[1] if model is not None
                          else find_one(net.bus, site["bus"], "bus", file, key)[1])
    return issues


def _validate(path: Path, light: bool = False) -> tuple[list[Issue], Study | None]:
    """Every problem in the study, and the Study when there is none. ``light`` (validation
    only): a pandapower JSON feeder is read as tables (no pandapower import); the Study
    returned then holds those tables, not a net, and must not be run."""
    path = Path(path)
    file = str(path)
    raw, issues = _read_yaml(path)
    if raw is None:
        return issues, None
    try:
        document = StudyDocument.model_validate(raw)
    except ValidationError as exc:
        return (with_device_names(issues_from_validation_error(exc, file)
                                  + _raw_place_issues(raw, path, light), _raw_names(raw)),
                None)
    loaded = _load_feeder(document.feeder, path.parent, file, light, document.devices)
    if loaded.net is None and loaded.model is None:
        return list(loaded.issues), None
    return _finish(path, raw, document, loaded)


def _raw_names(raw: dict[str, Any]) -> list[Any]:
    """The ``name`` of each entry of the study file's ``devices`` (None where it has none)."""
    devices = raw.get("devices")
    return [d.get("name") if isinstance(d, dict) else None
            for d in (devices if isinstance(devices, list) else [])]


def _finish(path: Path, raw: dict[str, Any], document: StudyDocument, loaded: LoadedFeeder
            ) -> tuple[list[Issue], Study | None]:
    """Merge an OpenDSS model's devices, check everything against the net, build the Study."""
    file = str(path)
    extra_curves: list[Curve] = []
    issues: list[Issue] = []
    warnings = loaded.warnings
    n_adopted = 0  # model devices merged ahead of the file's (their paths are remapped)
    if loaded.devices:
        base, lib_issues = study_library(document, path.parent, file)
        if base is None:
            return with_device_names(lib_issues, _raw_names(raw)), None
        devices, extra_curves, issues, dev_warnings = adopt_model_devices(
            loaded.devices, loaded.curves, base, {d.name for d in document.devices}, file)
        document = document.model_copy(update={"devices": (*devices, *document.devices)})
        n_adopted = len(devices)
        warnings = pd.concat([w for w in (warnings, dev_warnings) if w is not None],
                             ignore_index=True)
    if loaded.model is not None:
        from protv2g.study.opendss_feeder import dss_semantics

        sem, device_sites, site_buses, library = dss_semantics(document, loaded.model, path,
                                                               extra_curves)
    else:
        sem, device_sites, site_buses, library = check_semantics(document, loaded.net, path,
                                                                  extra_curves)
        dead = (dead_bus_warnings(loaded.net)
                if not sem and not isinstance(loaded.net, FeederTables) else None)
        if dead is not None:
            warnings = pd.concat([w for w in (warnings, dead) if w is not None and len(w)],
                                 ignore_index=True)
    issues += sem + same_place_issues(document.devices, device_sites, n_adopted, file)
    issues += unit_slip_errors(document, file, n_adopted)  # 0.4 A for 400 A (rev50b #4)
    # C12 on ANSI's limits on a 50 Hz feeder, neither given nor drafted (review rev51 #4)
    warnings = with_issue_rows(warnings, feeder_voltage_standard_issues(
        path, document, loaded.model if loaded.model is not None else loaded.net), "checks")
    if library is not None:  # an IEC 60269 link's breaking capacity is symmetrical
        document = with_iec_fuse_basis(document, library)
    if issues or library is None:  # semantic checks index the devices merged above
        return with_device_names(issues, [d.name for d in document.devices],
                                 n_adopted), None
    return [], Study(path, document, loaded.net, device_sites, site_buses, raw, library,
                     warnings, loaded.devices, loaded.curves, model=loaded.model)


def validate_study(path: str | Path) -> list[Issue]:
    """Every problem in a study file (empty when it is valid).

    Example
    -------
    >>> for issue in validate_study("feeders/depot_two_feeder/study.yaml"):  # doctest: +SKIP
    ...     print(issue)

    Notes
    -----
    A feeder given as pandapower JSON is checked on its tables, read without importing
    pandapower (:mod:`protv2g.network.json_tables`), so validation starts at once; a built-in
    network needs pandapower, an OpenDSS feeder OpenDSS, and a JSON file with elements the
    table reader does not model (DC lines, TCSCs, VSCs) is loaded with pandapower.
    """
    return _validate(Path(path), light=True)[0]


def validate_study_warnings(path: str | Path) -> tuple[list[Issue], list[Issue]]:
    """Every problem in a study file, and its plausibility warnings
    (:func:`protv2g.study.plausibility.plausibility_warnings`; computed only for a valid
    study: a problem may make a value look implausible).

    Example
    -------
    >>> problems, warnings = validate_study_warnings("study.yaml")  # doctest: +SKIP
    """
    from protv2g.study.plausibility import plausibility_warnings

    issues, study = validated_study(path)
    if issues or study is None:
        return issues, []
    return [], plausibility_warnings(study)


def validated_study(path: str | Path) -> tuple[list[Issue], Study | None]:
    """Every problem in a study file, and the Study when there is none, as ``validate`` reads
    it: a pandapower JSON feeder as tables (:func:`validate_study`'s notes), so the Study
    is for further checks (plausibility, drafted values), not for a run.

    Example
    -------
    >>> problems, study = validated_study("study.yaml")  # doctest: +SKIP
    """
    return _validate(Path(path), light=True)


def load_study(path: str | Path) -> Study:
    """Load and validate a study file.

    Raises
    ------
    InputError
        Listing every problem found, each with the file, the field path and a fix.
    """
    issues, study = _validate(Path(path))
    if issues or study is None:
        raise InputError(issues)
    return study


__all__ = ["DeviceKind", "DeviceSite", "Study", "load_study", "validate_study",
           "validate_study_warnings", "validated_study"]
