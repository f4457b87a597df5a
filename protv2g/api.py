"""``fault_study`` on a network or on a study (the engine's own entry point takes a net), and
``dss_fault_study`` on an OpenDSS model alone, its existing sources as a study has them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandapower as pp
import pandas as pd

from protv2g.engine import FaultStudyResult
from protv2g.engine import fault_study as _engine_fault_study
from protv2g.engine.phase.result import PhaseFaultResult
from protv2g.scenarios import build_scenarios
from protv2g.study.engine_inputs import (
    EXISTING_INVERTERS,
    device_terminals,
    fault_options,
    fault_scenarios,
)
from protv2g.study.loader import Study
from protv2g.units import Case, FaultType

if TYPE_CHECKING:
    from protv2g.network.dss_model import DssModel


def fault_study(net_or_study: pp.pandapowerNet | Study, *,
                fault_types: Sequence[FaultType] | None = None,
                cases: Sequence[Case] | None = None, **kwargs: Any
                ) -> FaultStudyResult | PhaseFaultResult:
    """Faults at every bus for a pandapower net or for a study's scenarios.

    With a :class:`~protv2g.study.Study`, its fault settings, devices and V2G scenarios
    are used (each distinct charger set solved once); keyword arguments override the
    settings. With a net, this is :func:`protv2g.engine.fault_study`. A study on an OpenDSS
    feeder runs the phase-domain engine through :func:`dss_fault_study` (the feeder's own
    PV/storage and model-7 Generators by the chargers' control law, as ``run_study``) and
    returns its :class:`~protv2g.engine.phase.PhaseFaultResult`.

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
    from protv2g.pipeline_dss import dss_devices, phase_sites, study_fault_buses

    doc = study.document.faults
    options = dict(**fault_options(study), scenarios=phase_sites(study, sets),
                   devices=dss_devices(study))
    if "buses" not in kwargs and not kwargs.get("secondaries"):  # run_study's fault buses
        options["buses"] = list(study.model.buses.index[study_fault_buses(study)])
    options.update(kwargs)
    return dss_fault_study(study.model, fault_types=fault_types or doc.fault_types,
                           cases=cases or doc.cases, **options)


def dss_fault_study(model: DssModel, **kwargs: Any) -> PhaseFaultResult:
    """:func:`protv2g.engine.phase.phase_fault_study` with the feeder's existing inverters as
    a study has them — the one place both ``protv2g faults MASTER.dss`` and a study on that
    model (``faults study.yaml``, :func:`fault_study`) take them from.

    Every enabled PV system, storage unit and OpenDSS ``Generator`` of ``model=7`` is a
    current-limited source by the chargers' control law
    (:data:`~protv2g.study.engine_inputs.EXISTING_INVERTERS`, as ``run_study``: 1.5 pu first
    cycle, :data:`protv2g.units.INVERTER_FIRST_CYCLE_PU`) in the maximum case and out (0 A)
    of the minimum case (``existing_inverters="law"``,
    :mod:`protv2g.engine.phase.der`), not OpenDSS's fault-study element: OpenDSS (DSS C-API
    0.14.5, measured) stamps a PVSystem as the *negative* of its Thevenin admittance
    ``−1/Z_thev`` (``%R``/``%X`` on its kVA; default 50 %/50 %), which lowers the fault
    current beside it, and a model-7 Generator as ``1/X′d`` (``Xdp`` taken as a resistance,
    a machine's current). Synchronous machines and further Vsources stay as OpenDSS has them
    (:func:`dss_existing_sources` lists each). Keyword arguments are
    :func:`~protv2g.engine.phase.phase_fault_study`'s; ``existing_inverters="opendss"`` keeps
    OpenDSS's elements (to compare with its own fault study).
    """
    from protv2g.engine.phase import phase_fault_study

    options: dict[str, Any] = {"existing_inverters": "law", "inverter_model": EXISTING_INVERTERS}
    options.update(kwargs)
    return phase_fault_study(model, **options)


def dss_existing_sources(model: DssModel) -> pd.DataFrame:
    """The model's existing sources and how :func:`dss_fault_study` treats each: the study
    report's "Existing sources" table (:func:`protv2g.engine.phase.der.der_table`, the same
    words), an inverter out of every minimum-case row (the study's ``run`` keeps it in a
    minimum-case device row where it lowers the device's current; ``fault_study`` does not)."""
    from protv2g.engine.phase.der import der_table

    return der_table(model, EXISTING_INVERTERS, min_per_device=False)
