"""``fault_study`` on a network or on a study (the engine's own entry point takes a net)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandapower as pp

from protv2g.engine import FaultStudyResult
from protv2g.engine import fault_study as _engine_fault_study
from protv2g.engine.phase.result import PhaseFaultResult
from protv2g.scenarios import build_scenarios
from protv2g.study.engine_inputs import device_terminals, fault_options, fault_scenarios
from protv2g.study.loader import Study
from protv2g.units import Case, FaultType


def fault_study(net_or_study: pp.pandapowerNet | Study, *,
                fault_types: Sequence[FaultType] | None = None,
                cases: Sequence[Case] | None = None, **kwargs: Any
                ) -> FaultStudyResult | PhaseFaultResult:
    """Faults at every bus for a pandapower net or for a study's scenarios.

    With a :class:`~protv2g.study.Study`, its fault settings, devices and V2G scenarios
    are used (each distinct charger set solved once); keyword arguments override the
    settings. With a net, this is :func:`protv2g.engine.fault_study`. A study on an OpenDSS
    feeder runs the phase-domain engine (:func:`protv2g.engine.phase.phase_fault_study`, the
    feeder's own PV/storage by the chargers' control law, as ``run_study``) and returns its
    :class:`~protv2g.engine.phase.PhaseFaultResult`.

    Example
    -------
    >>> res = fault_study(load_study("feeders/depot_two_feeder/study.yaml"))  # doctest: +SKIP
    >>> res.bus.head()  # doctest: +SKIP
    """
    if not isinstance(net_or_study, Study):
        return _engine_fault_study(net_or_study, fault_types=fault_types or tuple(FaultType),
                                   cases=cases or (Case.MAX, Case.MIN), **kwargs)
    study = net_or_study
    doc = study.document.faults
    sets, _key_of = fault_scenarios(study, build_scenarios(study.document))
    if study.model is not None:
        return _phase_fault_study(study, sets, fault_types, cases, kwargs)
    options = dict(**fault_options(study), scenarios=sets, devices=device_terminals(study))
    options.update(kwargs)
    return _engine_fault_study(study.net, fault_types=fault_types or doc.fault_types,
                               cases=cases or doc.cases, **options)


def _phase_fault_study(study: Study, sets: dict, fault_types: Sequence[FaultType] | None,
                       cases: Sequence[Case] | None, kwargs: dict) -> PhaseFaultResult:
    """:func:`fault_study` on a study's OpenDSS feeder (the options as ``dss_fault_frames``)."""
    from protv2g.engine.phase import phase_fault_study
    from protv2g.pipeline_dss import dss_devices, phase_sites, study_fault_buses

    doc = study.document.faults
    options = dict(**fault_options(study), scenarios=phase_sites(study, sets),
                   devices=dss_devices(study), existing_inverters="law")
    if "buses" not in kwargs and not kwargs.get("secondaries"):  # run_study's fault buses
        options["buses"] = list(study.model.buses.index[study_fault_buses(study)])
    options.update(kwargs)
    return phase_fault_study(study.model, fault_types=fault_types or doc.fault_types,
                             cases=cases or doc.cases, **options)
