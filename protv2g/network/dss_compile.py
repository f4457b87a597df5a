"""Compiling an OpenDSS model and putting it into the state protv2g reads it in.

The steps :func:`protv2g.network.dss_model.load_dss_model` takes on a fresh engine (its module
docstring, "The state the model is taken in", items 1–3) and that the flows
(:mod:`protv2g.flow.opendss`) share: compile the script without its solves (faults disabled),
the tap-setting snapshot power flow with the model's protection kept from operating and its
retries, and OpenDSS's fault-study state. Split from :mod:`.dss_model` (#21: the module had
grown past 400 lines).

References
----------
R. C. Dugan, D. Montenegro, "Reference Guide: The Open Distribution System Simulator
(OpenDSS)", EPRI, 2020 — FaultStudy mode (``LoadModel=Admittance``), snapshot solution and
control iterations.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from protv2g.errors import InputError, Issue
from protv2g.network.dss_elements import ElementY, element_y, inverter_generators
from protv2g.network.dss_engine import new_engine
from protv2g.network.dss_terminals import keep_open_terminals
from protv2g.network.opendss_coords import read_bus_coordinates, run_script_coordinates
from protv2g.network.opendss_script import compile_script

__all__ = ["compile_model", "solve_power_flow", "suspend_protection", "resume_protection",
           "inverter_output_kw", "RatedTransformer", "rated_transformers", "RETRY_ITERATIONS",
           "INVERTER_CLASSES", "PROTECTION_CLASSES", "COORDINATES_READ"]

#: Iterations OpenDSS is given when a model's snapshot solve does not converge at its own
#: setting (the IEEE 8500 needs 45 at ``MaxControlIter`` 100; its own run script sets 20).
RETRY_ITERATIONS = 100
#: Inverter-based sources of an OpenDSS model.
INVERTER_CLASSES = ("pvsystem", "storage")


def compile_model(master_path: str | Path, redirects: Sequence[str | Path] = (), *,
                  coordinates: bool = False) -> tuple[Any, _Warnings]:
    """A fresh OpenDSS engine with the master (and ``redirects``) compiled, faults disabled.

    Returns the engine and the warning log; the log's ``redirect_elements`` holds the
    elements the ``redirects`` define that the master does not (lower case,
    ``"transformer.depot_xf"``: review rev33a F1, a site's own transformer a redirect adds).
    ``coordinates``: run the scripts' ``BusCoords`` or ``LatLongCoords`` commands too, else
    those of a run script beside the master that compiles it (the bus positions of the
    feeder plot, :mod:`~protv2g.network.opendss_coords`; the log's ``coordinates`` says which
    kind ran: ``"xy"``, ``"latlong"`` or ``""``). Raises :class:`InputError` as
    :func:`.dss_model.load_dss_model`.
    """
    path = Path(master_path)
    if not path.is_file():
        raise InputError(Issue(str(path), "", "OpenDSS master file not found",
                               "give the path of the master .dss file (the one with "
                               "'New Circuit')"))
    dss = new_engine()
    log = compile_script(path, dss)
    before = {str(n).lower() for n in dss.Circuit.AllElementNames()} if redirects else set()
    for extra in redirects:
        extra_path = Path(extra)
        if not extra_path.is_file():
            raise InputError(Issue(str(extra_path), "", "redirected script not found",
                                   "check the path given with --redirect"))
        more = compile_script(extra_path, dss, clear=False)
        log.skipped += more.skipped
        log.edited += more.edited
    warn = _Warnings()
    if redirects:
        warn.redirect_elements = frozenset(
            str(n).lower() for n in dss.Circuit.AllElementNames()) - before
    read, warn.coordinates = (read_bus_coordinates(dss, log.skipped) if coordinates
                              else (set(), ""))
    if coordinates and not read:  # a run script's (IEEE 34's Run_IEEE34Mod1.dss)
        lines, warn.coordinates = run_script_coordinates(dss, path)
        for file, line_no, text in lines:
            warn.add("script", f"{Path(file).name}:{line_no}", text,
                     f"{COORDINATES_READ}; from a run script beside the master that compiles it")
    for k, (file, line_no, text) in enumerate(log.skipped):
        warn.add("script", f"{Path(file).name}:{line_no}", text,
                 COORDINATES_READ if k in read else
                 "not run (protv2g compiles and solves the model itself)")
    for file, line_no, what in log.edited:
        warn.add("script", f"{Path(file).name}:{line_no}", what, "the model folder is not written")
    if dss.Circuit.NumBuses() == 0:
        raise InputError(Issue(str(path), "", "the script defines no circuit with buses",
                               "give the master file that contains 'New Circuit.<name>'"))
    _disable_faults(dss, warn)
    return dss, warn


#: The Model notes' action for a ``BusCoords`` command :func:`compile_model` ran.
COORDINATES_READ = "read for the feeder plot's bus positions only (no effect on the circuit)"


class _Warnings:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []
        #: the elements the redirects add (:func:`compile_model`)
        self.redirect_elements: frozenset[str] = frozenset()
        #: the kind of coordinates the scripts gave: "xy" (``BusCoords``), "latlong"
        #: (``LatLongCoords``) or "" (:func:`read_bus_coordinates`)
        self.coordinates = ""

    def add(self, element: str, name: str, what: str, action: str) -> None:
        self.rows.append((element, name, what, action))

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["element", "name", "what", "action"])


#: Control classes that are protective devices: they must not operate in protv2g's power flows
#: (a 10 A fuse link that "blows" on load current would take its lateral out of the flow that
#: sets the taps; protv2g evaluates the devices itself).
PROTECTION_CLASSES = ("Fuse", "Recloser", "Relay")


def suspend_protection(dss, warn: _Warnings) -> list[str]:  # noqa: ANN001
    """Disable the enabled fuses, reclosers and relays for a power flow; their names.

    Without this OpenDSS operates them in a snapshot solve with controls: on the IEEE 8500 with
    ``Fuses.DSS``, 14 of the 30 10 A links open on load current at peak. Every conductor open
    before stays open (:mod:`.dss_terminals`: disabling a device closes the element it
    switches when the model opened that element after defining the device).
    """
    names = []
    for cls in PROTECTION_CLASSES:
        dss.Circuit.SetActiveClass(cls)
        for name in list(dss.ActiveClass.AllNames()):
            dss.Circuit.SetActiveElement(f"{cls}.{name}")
            if dss.CktElement.Enabled():
                names.append(f"{cls}.{name}")
    with keep_open_terminals(dss):
        for full in names:
            dss.Text.Command(f"edit {full} enabled=no")
    if names:
        warn.add("solution", dss.Circuit.Name(), f"{len(names)} fuses/reclosers/relays in the "
                 "model", "kept from operating in the power flows (protv2g evaluates them)")
    return names


def resume_protection(dss, names: Sequence[str]) -> None:  # noqa: ANN001
    """Enable again the devices :func:`suspend_protection` disabled, every open conductor
    kept open (:mod:`.dss_terminals`)."""
    with keep_open_terminals(dss):
        for full in names:
            dss.Text.Command(f"edit {full} enabled=yes")


def _disable_faults(dss, warn: _Warnings) -> None:  # noqa: ANN001
    dss.Circuit.SetActiveClass("Fault")
    for name in list(dss.ActiveClass.AllNames()):
        dss.Text.Command(f"edit Fault.{name} enabled=no")
        warn.add("Fault", f"Fault.{name}", "fault element in the model",
                 "disabled (protv2g places its own faults)")


def _solve(dss) -> bool:  # noqa: ANN001
    cwd = os.getcwd()
    try:
        with keep_open_terminals(dss):  # setting the mode resets the controls
            dss.Text.Command("set mode=snapshot")
        dss.Solution.Solve()
    except Exception:  # noqa: BLE001 - DSSException "Max Control Iterations Exceeded" etc.
        return False
    finally:
        os.chdir(cwd)
    return bool(dss.Solution.Converged())


def solve_power_flow(dss, controls: bool, warn: _Warnings) -> bool:  # noqa: ANN001
    """Snapshot power flow that sets the taps; retried as the module docstring says.

    The model's fuses, reclosers and relays do not operate in it
    (:func:`suspend_protection`). Returns whether it converged with the model's controls.
    """
    suspended = suspend_protection(dss, warn)
    try:
        return _tap_setting_flow(dss, controls, warn)
    finally:
        resume_protection(dss, suspended)


def _tap_setting_flow(dss, controls: bool, warn: _Warnings) -> bool:  # noqa: ANN001
    if not controls:
        dss.Text.Command("set controlmode=off")
    if _solve(dss):
        return True
    dss.Solution.MaxIterations(max(dss.Solution.MaxIterations(), RETRY_ITERATIONS))
    dss.Solution.MaxControlIterations(max(dss.Solution.MaxControlIterations(),
                                          RETRY_ITERATIONS))
    if _solve(dss):
        warn.add("solution", dss.Circuit.Name(), "snapshot power flow needed more iterations "
                 "than the model sets", f"solved with MaxIterations={RETRY_ITERATIONS}")
        return True
    dss.Text.Command("set controlmode=off")
    ok = _solve(dss)
    warn.add("solution", dss.Circuit.Name(), "snapshot power flow did not converge with the "
             "model's controls", "taps as compiled (controls off)" + ("" if ok else
                                                                      "; still not converged"))
    return False


def _idle_storage(dss) -> list[str]:  # noqa: ANN001
    """Every enabled ``Storage`` not discharging set to discharging at 0 % (names returned).

    DSS C-API 0.15.7 (dss-python) crashes the whole process (segmentation fault) in the
    fault-study solve when a ``Storage`` element is charging or idling; discharging it does
    not (reproduced: a 3-bus circuit with one 300 kW ``Storage`` ``State=charging`` or
    ``idling``; ``set mode=faultstudy`` and ``SolveDirect`` or ``Solve`` end the process with
    signal 11; a 2017 report of a charging Storage segfault in OpenDSSDirect: gist
    tshort/a28a6f0ed086450eec3ca336e43d9c6c). The fault study's system admittance does not
    depend on the dispatch: the circuit's ``SystemY`` with the unit set to discharging at 0 %
    equals, entry for entry, the one with the model's own discharging unit (checked on that
    circuit), so the fault study reads the same network. The unit's pre-fault power is read
    from the power flow before (:func:`inverter_output_kw`), so its charging stays in the
    study's pre-fault state."""
    idled = []
    dss.Circuit.SetActiveClass("storage")
    for name in list(dss.ActiveClass.AllNames()):
        dss.Circuit.SetActiveElement(f"storage.{name}")
        if not dss.CktElement.Enabled():
            continue
        dss.Storages.Name(name)
        if int(dss.Storages.State()) != 1:  # 1 discharging, 0 idling, −1 charging
            dss.Storages.State(1)
            dss.Text.Command(f"storage.{name}.%discharge=0")
            idled.append(f"storage.{name}")
    return idled


def _enter_fault_study(dss, where: str, warn: _Warnings | None = None) -> None:  # noqa: ANN001
    """OpenDSS's FaultStudy state without its per-bus Ysc loop (see the module docstring).

    Storage that charges or idles is first set to discharging at 0 % (:func:`_idle_storage`:
    the engine crashes otherwise); ``warn`` (the model's log) names each. Entering it resets
    OpenDSS's controls, which closes a terminal the model opened under a fuse, recloser or
    relay; every conductor open before is opened again (:mod:`.dss_terminals`)."""
    for name in _idle_storage(dss):
        if warn is not None:
            warn.add("storage", name, "charging or idling in the power flow: the OpenDSS "
                     "engine cannot take a non-discharging Storage into its fault study",
                     "fault study with it discharging at 0 % (same network admittance; its "
                     "pre-fault charging is kept from the power flow)")
    try:
        with keep_open_terminals(dss):
            dss.Text.Command("set mode=faultstudy")
    except Exception as exc:  # DSSException: the circuit was never solved
        raise InputError(Issue(where, "Solve", f"OpenDSS cannot enter its fault study: {exc}",
                               "make the model's power flow converge in OpenDSS (e.g. add "
                               "'Set MaxIterations=100' to the master)")) from exc
    dss.Solution.LoadModel(2)  # ADMITTANCE
    dss.Solution.SolveDirect()


def inverter_output_kw(dss) -> dict[str, float]:  # noqa: ANN001
    """Active power out of every enabled PV system and storage in the present solution, kW."""
    return {full: -float(np.sum(np.asarray(dss.CktElement.Powers())[0::2]))
            for full in _enabled_inverters(dss)}


def inverter_currents(dss) -> dict[str, np.ndarray]:  # noqa: ANN001
    """Every enabled PV system's and storage unit's conductor currents in the present solution.

    ``{"pvsystem.pv1": (k,) complex}``, A, into the element, in the order of its conductors
    (``CktElement.Currents``, the order of ``NodeRef`` and so of
    :attr:`~protv2g.network.dss_elements.ElementY.node`)."""
    out = {}
    for full in _enabled_inverters(dss):
        c = np.asarray(dss.CktElement.Currents(), dtype=float)
        out[full] = c[0::2] + 1j * c[1::2]
    return out


def _enabled_inverters(dss) -> Iterator[str]:  # noqa: ANN001
    """``"pvsystem.pv1"`` of every enabled PV system and storage unit, and of every Generator
    of OpenDSS's inverter model (:data:`~protv2g.network.dss_elements.INVERTER_GENERATOR_MODEL`),
    each made the active element before it is yielded."""
    names = []
    for cls in INVERTER_CLASSES:
        dss.Circuit.SetActiveClass(cls)
        names += [f"{cls}.{name.lower()}" for name in list(dss.ActiveClass.AllNames())]
    for full in [*names, *sorted(inverter_generators(dss))]:
        dss.Circuit.SetActiveElement(full)
        if dss.CktElement.Enabled():
            yield full


@dataclass(frozen=True)
class RatedTransformer:
    """A transformer as solved and at its rated transformation ratio, from OpenDSS.

    Attributes
    ----------
    element : ElementY
        Primitive admittance at the taps of the power flow (the one in ``DssModel.y_s``).
    taps : numpy.ndarray
        ``(w,)`` tap of each winding in the power flow, pu.
    kv : numpy.ndarray
        ``(w,)`` rated voltage of each winding (OpenDSS ``kV``), kV.
    x_pu : float
        Leakage reactance between windings 1 and 2 on winding 1's rating (``XHL``/100).
    yprim_rated_s : numpy.ndarray
        ``(k, k)`` primitive admittance with every tap at 1.0 (rated ratio), S.
    leak_s : numpy.ndarray
        ``(k, k)`` the part of ``yprim_rated_s`` that is the inverse of the leakage
        impedances (every ``%R`` and reactance × ``k`` gives ``yprim_rated_s − leak_s·(1 − 1/k)``);
        the rest (magnetising branch, neutral impedances, ``ppm_antifloat``) does not scale.
    """

    element: ElementY
    taps: np.ndarray
    kv: np.ndarray
    x_pu: float
    yprim_rated_s: np.ndarray
    leak_s: np.ndarray


_NUMBER = re.compile(r"[-+0-9.eE]+")


def _floats(text: str) -> list[float]:
    return [float(v) for v in _NUMBER.findall(text)]


def rated_transformers(source: str | Path, redirects: Sequence[str | Path], solved,  # noqa: ANN001
                       ) -> tuple[RatedTransformer, ...]:
    """Every enabled transformer as solved and at its rated ratio (:class:`RatedTransformer`).

    ``solved`` is the model's engine (``DssModel.engine``): each transformer's primitive
    admittance and taps as the power flow left them are read from it, nothing is edited. The
    rated-ratio admittances come from OpenDSS's own element model on a fresh compile of
    ``source`` and ``redirects``: every transformer's taps set to 1.0 and the primitive
    admittances read, then every leakage impedance (``XscArray``, ``%Rs``) doubled and read
    again (``Yprim = Y_fixed + Y_leak/k`` is linear in ``1/k``) — one ``BuildYMatrix`` per step,
    as OpenDSS recomputes an edited element's ``YPrim`` only then.
    """
    where = str(source)
    items = []
    dss = solved
    for name in list(dss.Transformers.AllNames()) if dss.Transformers.Count() else []:
        full = f"transformer.{name.lower()}"
        dss.Circuit.SetActiveElement(full)
        if not dss.CktElement.Enabled():
            continue
        element = element_y(dss, full, where)
        dss.Transformers.Name(name)
        n_w = int(dss.Transformers.NumWindings())
        taps, kv = np.empty(n_w), np.empty(n_w)
        for w in range(n_w):
            dss.Transformers.Wdg(w + 1)
            taps[w], kv[w] = dss.Transformers.Tap(), dss.Transformers.kV()
        items.append((element, taps, kv, float(dss.Transformers.Xhl()) / 100.0))
    if not items:
        return ()
    fresh, _ = compile_model(source, redirects)
    for e, taps, _, _ in items:
        fresh.Text.Command(f"edit {e.name} taps=[{' '.join(['1'] * len(taps))}]")
    _rebuild(fresh)
    rated = [_yprim(fresh, e.name) for e, *_ in items]
    for e, *_ in items:
        texts = {}
        for prop in ("xscarray", "%rs"):
            fresh.Text.Command(f"? {e.name}.{prop}")
            texts[prop] = " ".join(repr(2.0 * v) for v in _floats(fresh.Text.Result()))
        fresh.Text.Command(f"edit {e.name} xscarray=[{texts['xscarray']}] %rs=[{texts['%rs']}]")
    _rebuild(fresh)
    halved = [_yprim(fresh, e.name) for e, *_ in items]
    return tuple(RatedTransformer(element=e, taps=taps, kv=kv, x_pu=x_pu, yprim_rated_s=y1,
                                  leak_s=2.0 * (y1 - y2))
                 for (e, taps, kv, x_pu), y1, y2 in zip(items, rated, halved, strict=True))


def _rebuild(dss) -> None:  # noqa: ANN001
    """OpenDSS's whole system matrix (and every invalidated ``YPrim``) built."""
    dss.Solution.BuildYMatrix(1, False)  # 1 = WHOLEMATRIX, keep the V/I arrays


def _yprim(dss, full: str) -> np.ndarray:  # noqa: ANN001
    dss.Circuit.SetActiveElement(full)
    y = np.asarray(dss.CktElement.YPrim(), dtype=float)
    k = int(round(np.sqrt(len(y) // 2)))
    return (y[0::2] + 1j * y[1::2]).reshape(k, k)
