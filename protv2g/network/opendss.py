"""Import an OpenDSS feeder model with what protection studies need.

:func:`import_opendss` compiles an OpenDSS master file with ``opendssdirect.py`` (without the
script's solves, plots, reports and coordinate files), solves it once in snapshot mode so that
regulator taps and inverter outputs are those OpenDSS converges to, and converts it into a
pandapower net plus the study's protective devices and TCC curves. Everything that is dropped
or approximated is listed in the ``warnings`` table; nothing is dropped silently.

What comes through
------------------
* **Source**: every ``Vsource`` → ``ext_grid`` with its Thevenin impedance as
  ``s_sc_max_mva = Vn² / |Z1|`` (Vn = the bus's base voltage, so ``Z1`` is exact with a voltage
  factor ``c = 1``), ``rx_max = R1/X1``, ``x0x_max = X0/X1``, ``r0x0_max = R0/X0``. OpenDSS
  has one source impedance, so the ``_min`` columns repeat the ``_max`` values; a study that
  needs a weaker minimum source overrides them.
* **Lines** with sequence impedances from the Kron-reduced phase matrices (1- and 2-phase
  sections keep their self impedance, see :mod:`protv2g.network.opendss_elements`).
* **Transformers** with vector group, 30° shift (OpenDSS/ANSI: low side lags) and the earthing
  of each star point as OpenDSS has it (:mod:`protv2g.network.opendss_neutrals`: node 0 solid,
  own node through ``Rneut + j·Xneut`` and any Reactor/Line to ground, else floating) as
  ``YN``/``Y`` and ``rn_ohm``/``xn_ohm``;
  **regulators** as transformers with the solved tap and the RegControl settings
  (``reg_*`` columns, ``reg_mode`` forward_locked / bidirectional / cogeneration).
* **Loads**, **capacitors** (shunts), **PV, storage, generators** (sgens with ``k``).
* **Reclosers, fuses, overcurrent relays** as study device dicts, with the TCC curves.

Extra columns: ``bus.dss_nodes`` (phases present, e.g. ``"1.3"``), ``line.dss_phases``,
``line.is_switch``, ``trafo.dss_names``/``dss_phases``/``regulator``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd

from protv2g.errors import InputError, Issue
from protv2g.network.dss_engine import new_engine  # noqa: F401 - re-exported
from protv2g.network.dss_terminals import keep_open_terminals
from protv2g.network.opendss_devices import (
    builtin_curves,
    monitored_lines,
    read_curves,
    read_devices,
)
from protv2g.network.opendss_elements import (
    WarningLog,
    add_buses,
    add_lines,
    add_sources,
)
from protv2g.network.opendss_injections import (
    add_capacitors,
    add_loads,
    add_sgens,
    report_unsupported,
)
from protv2g.network.opendss_neutrals import read_neutrals
from protv2g.network.opendss_script import compile_script
from protv2g.network.opendss_transformers import add_transformers

#: Newton–Raphson iteration limit stored in the net's ``user_pf_options``. pandapower's default
#: (10) is too few on long regulated feeders: IEEE 34 needs 11–15 iterations even from
#: OpenDSS's solution (slow, oscillating convergence through the 1 % regulator impedances).
PF_MAX_ITERATION = 100

__all__ = ["OpenDSSImport", "import_opendss", "new_engine", "compile_for_reference"]


@dataclass(frozen=True)
class OpenDSSImport:
    """Result of :func:`import_opendss`.

    Attributes
    ----------
    net : pandapowerNet
        Bus, line and transformer names as in OpenDSS (lower case, as OpenDSS stores them).
    devices : list of dict
        Study device dicts (relay, recloser, fuse); currents in primary A, times in s.
    curves : list of dict
        TCC point tables ``{"name", "kind": "point_table", "c_array", "t_array_s", "source"}``.
    warnings : pandas.DataFrame
        Columns element, name, what, action: everything dropped or approximated.
    """

    net: pp.pandapowerNet
    devices: list[dict]
    curves: list[dict]
    warnings: pd.DataFrame


def compile_for_reference(master_path: str | Path, dss=None):  # noqa: ANN001, ANN201
    """Compile ``master_path`` into an engine and solve it in snapshot mode.

    Fault elements in the script are disabled first. Returns ``(dss, script_log)``.

    Raises
    ------
    InputError
        The file is missing or does not compile.
    """
    path = Path(master_path)
    if not path.is_file():
        raise InputError(
            Issue(
                str(path),
                "",
                "OpenDSS master file not found",
                "give the path of the master .dss file (the one with 'New Circuit')",
            )
        )
    dss = dss if dss is not None else new_engine()
    script_log = compile_script(path, dss)
    dss.Circuit.SetActiveClass("Fault")
    for name in list(dss.ActiveClass.AllNames()):
        dss.Text.Command(f"edit Fault.{name} enabled=no")
    cwd = os.getcwd()
    try:
        with keep_open_terminals(dss):  # the controls' reset closes what a device watches
            dss.Text.Command("set mode=snapshot")
        dss.Text.Command("solve")
    finally:
        os.chdir(cwd)
    if dss.Circuit.NumBuses() == 0:
        raise InputError(
            Issue(
                str(path),
                "",
                "the script defines no circuit with buses",
                "give the master file that contains 'New Circuit.<name>' and the lines",
            )
        )
    return dss, script_log


def import_opendss(master_path: str | Path) -> OpenDSSImport:
    """Import an OpenDSS feeder model as a pandapower net plus protective devices.

    Parameters
    ----------
    master_path : str or Path
        OpenDSS master file (the one that defines ``New Circuit``); redirected files are
        resolved relative to the file that redirects to them (case-insensitively).

    Returns
    -------
    OpenDSSImport
        Net, devices, curves and the warning table.

    Raises
    ------
    InputError
        Missing file, a command OpenDSS rejects, a bus without voltage base, or an element
        the importer cannot represent (e.g. a 3-winding transformer, a series reactor, a
        zig-zag bank, a load on a transformer star point, a grounding reactor); the message
        names the file, the element and the fix (for earthing: ``opendss_via: phase``).

    Examples
    --------
    >>> imp = import_opendss("feeders/opendss_example/Master.dss")  # doctest: +SKIP
    >>> imp.net.ext_grid[["s_sc_max_mva", "rx_max", "x0x_max"]]  # doctest: +SKIP
    """
    path = Path(master_path)
    dss = new_engine()
    builtin = builtin_curves(dss)
    dss, script_log = compile_for_reference(path, dss)
    log = WarningLog()
    for file, line_no, text in script_log.skipped:
        log.add(
            "script",
            f"{Path(file).name}:{line_no}",
            text,
            "not run (the importer compiles and solves the model itself)",
        )
    if not dss.Solution.Converged():
        log.add(
            "solution",
            dss.Circuit.Name(),
            "OpenDSS snapshot solve did not converge",
            "regulator taps and inverter outputs left at their compiled values",
        )
    neutrals = read_neutrals(dss)
    blocking = report_unsupported(dss, log, neutrals.elements)
    if blocking:
        raise InputError(
            [
                Issue(
                    str(path),
                    b,
                    "series element class the importer cannot convert",
                    "replace it by a Line with the same impedance",
                )
                for b in blocking
            ]
        )
    net = pp.create_empty_network(name=dss.Circuit.Name(), f_hz=_base_frequency(dss))
    buses = add_buses(net, dss, log, neutrals)
    add_sources(net, dss, buses, log)
    add_lines(net, dss, buses, log, keep=monitored_lines(dss), skip=neutrals.elements)
    trafos = add_transformers(net, dss, buses, log, neutrals)
    _drop_bank_jumpers(net, log)
    add_loads(net, dss, buses, log)
    add_capacitors(net, dss, buses, log)
    add_sgens(net, dss, buses, log)
    if net.ext_grid.empty:
        raise InputError(
            Issue(
                str(path),
                "Vsource",
                "no enabled voltage source",
                "define the circuit's source ('New Circuit.<name> ...')",
            )
        )
    devices = read_devices(dss, trafos, net, log)
    used = {
        d.get(k)
        for d in devices
        for k in (
            "curve",
            "ground_curve",
            "fast_curve",
            "delayed_curve",
            "ground_fast_curve",
            "ground_delayed_curve",
            "link",
        )
    } - {None}
    curves = read_curves(dss, used, builtin, str(path))
    if dss.Solution.Converged():
        _start_from_opendss(net, dss)
    return OpenDSSImport(net=net, devices=devices, curves=curves, warnings=log.frame())


def _drop_bank_jumpers(net: pp.pandapowerNet, log: WarningLog) -> None:
    """Take out of service 1/2-phase lines in parallel with a transformer bank.

    An open-delta regulator (two single-phase units) has its common phase jumpered across
    the regulator buses. Once the bank is one three-phase transformer, that jumper would
    short it (a loop through the tap), so it is set out of service.
    """
    pairs = {frozenset(p) for p in net.trafo[["hv_bus", "lv_bus"]].itertuples(index=False)}
    for idx, line in net.line.iterrows():
        if line.dss_phases < 3 and frozenset((line.from_bus, line.to_bus)) in pairs:
            net.line.at[idx, "in_service"] = False
            log.add(
                "Line",
                f"Line.{line['name']}",
                "jumper in parallel with a transformer bank",
                "out of service (the bank is modeled three-phase)",
            )


def _start_from_opendss(net: pp.pandapowerNet, dss) -> None:  # noqa: ANN001
    """Store OpenDSS's solved voltages as pandapower's starting point (``init="results"``).

    pandapower's Newton–Raphson from a flat start overshoots behind boosted regulators (first
    step to > 100 pu at the open end of IEEE 34, then only linear convergence), so the net is
    given OpenDSS's positive-sequence solution in ``res_bus`` / phase solution in
    ``res_bus_3ph`` and ``user_pf_options`` ``init="results"``; later runs start from the
    previous result as usual.
    """
    a = complex(-0.5, 3**0.5 / 2)
    vm, va, ph = [], [], {k: [] for k in ("a", "b", "c")}
    for name in net.bus.name:
        dss.Circuit.SetActiveBus(name)
        v = np.asarray(dss.Bus.Voltages(), dtype=float)
        base = dss.Bus.kVBase() * 1e3
        by_node = dict(zip(dss.Bus.Nodes(), (v[0::2] + 1j * v[1::2]) / base, strict=False))
        # Each phase rotated to phase a, averaged: V1 for a 3-phase bus, the phase voltage
        # referred to phase a for 1/2-phase buses.
        refd = [by_node[k] * a ** (k - 1) for k in (1, 2, 3) if k in by_node]
        v1 = complex(np.mean(refd)) if refd else 1.0 + 0j
        vm.append(abs(v1))
        va.append(float(np.degrees(np.angle(v1))))
        for k, letter in zip((1, 2, 3), "abc", strict=True):
            vk = by_node.get(k, v1 * a ** (-(k - 1)))
            ph[letter].append(vk)
    idx = net.bus.index
    net.res_bus = pd.DataFrame(
        {"vm_pu": vm, "va_degree": va, "p_mw": 0.0, "q_mvar": 0.0}, index=idx
    )
    cols = {}
    for letter in "abc":
        arr = np.asarray(ph[letter])
        cols[f"vm_{letter}_pu"] = np.abs(arr)
        cols[f"va_{letter}_degree"] = np.degrees(np.angle(arr))
    net.res_bus_3ph = pd.DataFrame(cols, index=idx)
    pp.set_user_pf_options(net, init="results", max_iteration=PF_MAX_ITERATION)


def _base_frequency(dss) -> float:  # noqa: ANN001
    return float(dss.Solution.Frequency()) or 60.0
