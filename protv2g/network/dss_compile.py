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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from protv2g.errors import InputError, Issue
from protv2g.network.opendss import new_engine
from protv2g.network.opendss_script import compile_script

__all__ = ["compile_model", "solve_power_flow", "suspend_protection", "resume_protection",
           "inverter_output_kw", "RETRY_ITERATIONS", "INVERTER_CLASSES", "PROTECTION_CLASSES"]

#: Iterations OpenDSS is given when a model's snapshot solve does not converge at its own
#: setting (the IEEE 8500 needs 45 at ``MaxControlIter`` 100; its own run script sets 20).
RETRY_ITERATIONS = 100
#: Inverter-based sources of an OpenDSS model.
INVERTER_CLASSES = ("pvsystem", "storage")


def compile_model(master_path: str | Path, redirects: Sequence[str | Path] = ()
                  ) -> tuple[Any, _Warnings]:
    """A fresh OpenDSS engine with the master (and ``redirects``) compiled, faults disabled.

    Returns the engine and the warning log. Raises :class:`InputError` as
    :func:`.dss_model.load_dss_model`.
    """
    path = Path(master_path)
    if not path.is_file():
        raise InputError(Issue(str(path), "", "OpenDSS master file not found",
                               "give the path of the master .dss file (the one with "
                               "'New Circuit')"))
    dss = new_engine()
    log = compile_script(path, dss)
    for extra in redirects:
        extra_path = Path(extra)
        if not extra_path.is_file():
            raise InputError(Issue(str(extra_path), "", "redirected script not found",
                                   "check the path given with --redirect"))
        more = compile_script(extra_path, dss, clear=False)
        log.skipped += more.skipped
        log.edited += more.edited
    warn = _Warnings()
    for file, line_no, text in log.skipped:
        warn.add("script", f"{Path(file).name}:{line_no}", text,
                 "not run (protv2g compiles and solves the model itself)")
    for file, line_no, what in log.edited:
        warn.add("script", f"{Path(file).name}:{line_no}", what, "the model folder is not written")
    if dss.Circuit.NumBuses() == 0:
        raise InputError(Issue(str(path), "", "the script defines no circuit with buses",
                               "give the master file that contains 'New Circuit.<name>'"))
    _disable_faults(dss, warn)
    return dss, warn


class _Warnings:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

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
    ``Fuses.DSS``, 14 of the 30 10 A links open on load current at peak.
    """
    names = []
    for cls in PROTECTION_CLASSES:
        dss.Circuit.SetActiveClass(cls)
        for name in list(dss.ActiveClass.AllNames()):
            dss.Circuit.SetActiveElement(f"{cls}.{name}")
            if dss.CktElement.Enabled():
                names.append(f"{cls}.{name}")
    for full in names:
        dss.Text.Command(f"edit {full} enabled=no")
    if names:
        warn.add("solution", dss.Circuit.Name(), f"{len(names)} fuses/reclosers/relays in the "
                 "model", "kept from operating in the power flows (protv2g evaluates them)")
    return names


def resume_protection(dss, names: Sequence[str]) -> None:  # noqa: ANN001
    """Enable again the devices :func:`suspend_protection` disabled."""
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
    the engine crashes otherwise); ``warn`` (the model's log) names each."""
    for name in _idle_storage(dss):
        if warn is not None:
            warn.add("storage", name, "charging or idling in the power flow: the OpenDSS "
                     "engine cannot take a non-discharging Storage into its fault study",
                     "fault study with it discharging at 0 % (same network admittance; its "
                     "pre-fault charging is kept from the power flow)")
    try:
        dss.Text.Command("set mode=faultstudy")
    except Exception as exc:  # DSSException: the circuit was never solved
        raise InputError(Issue(where, "Solve", f"OpenDSS cannot enter its fault study: {exc}",
                               "make the model's power flow converge in OpenDSS (e.g. add "
                               "'Set MaxIterations=100' to the master)")) from exc
    dss.Solution.LoadModel(2)  # ADMITTANCE
    dss.Solution.SolveDirect()


def inverter_output_kw(dss) -> dict[str, float]:  # noqa: ANN001
    """Active power out of every enabled PV system and storage in the present solution, kW."""
    out = {}
    for cls in INVERTER_CLASSES:
        dss.Circuit.SetActiveClass(cls)
        for name in list(dss.ActiveClass.AllNames()):
            full = f"{cls}.{name.lower()}"
            dss.Circuit.SetActiveElement(full)
            if dss.CktElement.Enabled():
                out[full] = -float(np.sum(np.asarray(dss.CktElement.Powers())[0::2]))
    return out
