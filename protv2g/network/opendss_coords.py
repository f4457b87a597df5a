"""An OpenDSS model's bus coordinates, for the feeder plot's bus positions only.

A model gives them three ways (R. C. Dugan, D. Montenegro, "Reference Guide: The Open
Distribution System Simulator (OpenDSS)", EPRI, 2020):

* ``BusCoords <file>`` — "bus, x, y" lines (any file name: EPRI ckt24's
  ``buscoords_ckt24.dss``, IEEE 13's ``IEEE13Node_BusXY.csv``), in the master or in a script it
  redirects to or the study's ``feeder.redirects`` add;
* ``LatLongCoords <file>`` — "bus, latitude, longitude" lines; OpenDSS stores them as
  ``X`` = longitude, ``Y`` = latitude (checked with OpenDSS itself, ``opendssdirect`` 0.9.4);
  here they are projected to metres east and north of their south-west corner
  (:func:`project_lat_long`) so that the plot is to scale;
* neither in the model's own scripts, but in a run script beside the master that compiles it
  and then reads coordinates (the shipped IEEE 34's ``Run_IEEE34Mod1.dss``: ``Compile
  ieee34Mod1.dss`` … ``Buscoords IEEE34_BusXY.csv``; IEEE 123's ``Run_IEEE123Bus.DSS``):
  :func:`run_script_coordinates` (plot44: only ``BusCoords`` of the master's own scripts was
  read, and these feeders were drawn as hop-count trees).

Nothing of the circuit changes: a coordinate command sets the buses' ``X``/``Y`` only.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from protv2g.network.opendss_script import resolve_file

__all__ = ["COORDINATE_COMMANDS", "read_bus_coordinates", "run_script_coordinates",
           "project_lat_long", "EARTH_RADIUS_M"]

#: The coordinate commands, lower case → the kind of coordinates they give.
COORDINATE_COMMANDS = {"buscoords": "xy", "latlongcoords": "latlong"}
#: Mean Earth radius, m (IUGG: R1 = 6,371,008.8 m), for the local projection.
EARTH_RADIUS_M = 6_371_008.8
#: Run scripts larger than this are not looked into for coordinate commands (a run script is
#: a page; the IEEE 8500's line file beside its master is 2 MB).
RUN_SCRIPT_MAX_BYTES = 100_000
_FIRST_WORD = re.compile(r"^\s*([A-Za-z_]+)")
_FILE_ARG = re.compile(r"^\s*[A-Za-z_]+\s+(?:file\s*=\s*)?(\"[^\"]*\"|'[^']*'|\([^)]*\)|\S+)", re.I)


def _command(text: str) -> tuple[str, str] | None:
    """``(word, file argument)`` of a coordinate or file command line, else ``None``."""
    word, arg = _FIRST_WORD.match(text), _FILE_ARG.match(text)
    if word is None or arg is None:
        return None
    return word.group(1).lower(), arg.group(1).strip("\"'()")


def read_bus_coordinates(dss, skipped: list[tuple[str, int, str]]  # noqa: ANN001
                         ) -> tuple[set[int], str]:
    """Run the coordinate commands among the ``skipped`` script lines (``(file, line no,
    text)``, :class:`~protv2g.network.opendss_script.ScriptLog`) on the compiled circuit.

    A file is found beside the script that names it (any case); one OpenDSS rejects, or
    that is missing, is left unread. ``BusCoords`` first; ``LatLongCoords`` only where no
    ``BusCoords`` ran (OpenDSS keeps one ``X``/``Y`` per bus: the two kinds do not mix).

    Returns
    -------
    (ran, kind) : the indices of the lines that ran, and ``"xy"``, ``"latlong"`` or ``""``.
    """
    ran: set[int] = set()
    kind = ""
    for want in COORDINATE_COMMANDS:
        for k, (file, _, text) in enumerate(skipped):
            cmd = _command(text)
            if cmd is None or cmd[0] != want:
                continue
            if _run(dss, want, cmd[1], Path(file).parent):
                ran.add(k)
                kind = kind or COORDINATE_COMMANDS[want]
        if ran:
            break
    return ran, kind


def _run(dss, word: str, name: str, folder: Path) -> bool:  # noqa: ANN001
    target = resolve_file(name, folder)
    if target is None:
        return False
    try:
        dss.Text.Command(f'{word} file="{target}"')
    except Exception:  # noqa: BLE001 (OpenDSS's own error type varies by version)
        return False
    return True


def run_script_coordinates(dss, master: Path  # noqa: ANN001
                           ) -> tuple[list[tuple[str, int, str]], str]:
    """Read the coordinates a run script beside ``master`` gives (module docstring): a
    ``.dss`` file of the master's folder (up to :data:`RUN_SCRIPT_MAX_BYTES`) that
    ``Compile``\\ s or ``Redirect``\\ s the master itself and has a coordinate command; the
    first such script's commands (by file name) are run.

    Returns
    -------
    (lines, kind) : the ``(file, line no, text)`` of the commands that ran, and their kind
    (:func:`read_bus_coordinates`; ``""`` when none ran).
    """
    master = master.resolve()
    scripts = sorted(p for p in master.parent.iterdir()
                     if p.suffix.lower() == ".dss" and p.resolve() != master
                     and p.is_file() and p.stat().st_size <= RUN_SCRIPT_MAX_BYTES)
    for script in scripts:
        lines = script.read_text(encoding="utf-8", errors="replace").splitlines()
        compiles = any(cmd[0] in ("compile", "redirect")
                       and resolve_file(cmd[1], script.parent) == master
                       for cmd in map(_command, lines) if cmd is not None)
        coords = [(str(script), n, t.strip()) for n, t in enumerate(lines, start=1)
                  if (_command(t) or ("", ""))[0] in COORDINATE_COMMANDS]
        if compiles and coords:
            ran, kind = read_bus_coordinates(dss, coords)
            if ran:
                return [coords[k] for k in sorted(ran)], kind
    return [], ""


def project_lat_long(lon_deg: np.ndarray, lat_deg: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (degrees) → metres east and north of their south-west corner:
    the equirectangular projection at the buses' middle latitude φ₀, ``x = R·Δλ·cos φ₀``,
    ``y = R·Δφ`` (J. P. Snyder, "Map Projections — A Working Manual", USGS Professional Paper
    1395, 1987, p. 90; within 0.1 % over a feeder's few km). NaN stays NaN.

    >>> x, y = project_lat_long(np.array([-105.0, -105.0, -104.99]),
    ...                         np.array([40.0, 40.01, 40.0]))
    >>> [round(float(v)) for v in (*x, *y)]
    [0, 0, 852, 0, 1112, 0]
    """
    lon, lat = np.asarray(lon_deg, dtype=float), np.asarray(lat_deg, dtype=float)
    if not np.isfinite(lat).any():
        return lon.copy(), lat.copy()
    phi0 = np.radians((np.nanmin(lat) + np.nanmax(lat)) / 2.0)
    x = EARTH_RADIUS_M * np.radians(lon - np.nanmin(lon)) * np.cos(phi0)
    y = EARTH_RADIUS_M * np.radians(lat - np.nanmin(lat))
    return x, y
