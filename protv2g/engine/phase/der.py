"""The feeder's own inverter-based sources (PV systems, storage) as law-driven fault sources.

OpenDSS's fault study keeps a PV system or a storage unit as a constant admittance that
generates its kVA at rated voltage — a source without a current limit. In a study (#20 item 2)
every such unit is instead a current-limited source by the *same control law as the chargers*
(:mod:`protv2g.engine.phase.sites`): its admittance leaves ``Y``
(:func:`~protv2g.engine.phase.system.build_system` ``inverters_out``) and a
:class:`~protv2g.engine.phase.sites.PhaseSite` takes its place in every scenario, base case
included.

Each unit (a stated assumption, listed with the results):

* rating ``s_rated_mva`` = its ``kVA``; first-cycle limit :data:`LIMIT_PU` (the study's charger
  default, domain.md §1: 1.0–1.2 pu sustained, 1.2 pu first cycle), grid following, unity power
  factor, positive sequence only (IEEE 1547-2018 era);
* mode exporting with its pre-fault output from the model's snapshot power flow
  (``model.injections.p_flow_kw``; a unit that draws power — storage charging — is charging);
* on the phases its terminal connects to (a three-phase unit as one fleet, a single-phase one
  on its phase).

Synchronous machines stay as OpenDSS gives them (voltage sources behind ``Xdp``/``Xdpp``,
:mod:`.system`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from protv2g.engine.chargers import ChargerSource
from protv2g.engine.phase.sites import PhaseSite
from protv2g.network.dss_model import DssModel
from protv2g.units import ChargerMode

__all__ = ["der_sites", "der_table", "LIMIT_PU"]

#: First-cycle current limit of the feeder's own inverters, pu of their kVA.
LIMIT_PU = 1.2


def der_sites(model: DssModel, limit_pu: float = LIMIT_PU) -> list[PhaseSite]:
    """A :class:`PhaseSite` for every enabled, energised PV system and storage unit."""
    inj = model.injections.set_index("name")
    out = []
    for e in model.inverters:
        row = inj.loc[e.name]
        phases = "".join(sorted({"abc"[n - 1] for n in e.node_num if 1 <= n <= 3}))
        p_kw = float(row.p_flow_kw) if np.isfinite(row.p_flow_kw) else 0.0
        kva = float(row.kva) if np.isfinite(row.kva) and row.kva > 0 else abs(p_kw)
        if kva <= 0 or not phases:
            continue
        mode = ChargerMode.EXPORTING if p_kw >= 0 else ChargerMode.CHARGING
        src = ChargerSource(name=e.name, bus=-1, s_rated_mva=kva / 1000.0, limit_pu=limit_pu,
                            mode=mode, p_pre_mw=min(abs(p_kw), kva) / 1000.0)
        out.append(PhaseSite(src, e.buses[0], phases))
    return out


def der_table(model: DssModel, limit_pu: float = LIMIT_PU) -> pd.DataFrame:
    """The feeder's existing sources as the study models them (the report's list).

    Columns: ``name, kind, bus, phases, kva, p_pre_kw, mode, fault_model``. Synchronous
    generators are listed as machines (OpenDSS's model behind ``Xdp``/``Xdpp``).
    """
    rows = []
    for s in der_sites(model, limit_pu):
        rows.append((s.name, s.name.split(".", 1)[0], s.bus, s.phases,
                     s.source.s_rated_mva * 1e3, s.source.p_pre_mw * 1e3, s.source.mode.value,
                     f"current-limited inverter, {limit_pu:g} pu first cycle, grid following, "
                     "unity power factor (the chargers' control law)"))
    inj = model.injections
    for m in model.machines:
        r = inj[inj.name == m.element.name]
        kva = float(r.kva.iat[0]) if len(r) else float("nan")
        rows.append((m.element.name, "generator", m.element.buses[0], "abc", kva,
                     float(r.kw.iat[0]) if len(r) else float("nan"), "generating",
                     f"synchronous machine behind X'd = {m.xdp_pu:g} pu / X''d = "
                     f"{m.xdpp_pu:g} pu (OpenDSS's model)"))
    return pd.DataFrame(rows, columns=["name", "kind", "bus", "phases", "kva", "p_pre_kw",
                                       "mode", "fault_model"])
