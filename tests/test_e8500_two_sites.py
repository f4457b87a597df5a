"""The IEEE 8500 study with two V2G sites, the single-phase fleet against OpenDSS (issue #15).

A study file (the model's ``Fuses.DSS``, two of its 10T fuses in series on the phase-a lateral
that ends at ``m1027110``) with the two sites of the issue's end-to-end run: ``depot``, 20 ×
100 kW three-phase at ``e192860`` (20 m from the substation), and ``homes``, 10 × 11.5 kW
single-phase home chargers on phase a of ``m1027110`` (16 km out, behind both fuses).
Expected participation (0.8) at full export: 16 and 8 chargers online.

The charger sets come from the study as ``protv2g run`` builds them (``study_with_sites``,
``fault_scenarios``, sites on their phases as :mod:`protv2g.pipeline_dss` places them). Checked:

* hand calculation: in the first cycle every online charger gives its limit whatever it
  exports (``domain.md`` §1), so the fleet injects ``1.5 × 8 × 11.5 kVA / 7.1996 kV =
  19.17 A`` on phase a and nothing on b and c;
* OpenDSS: an SLG-a fault at ``n1144667``, the source side of the upstream fuse
  ``ln5712587-2`` — the only current either fuse carries is the fleet's, flowing back towards
  the fault. Solved by OpenDSS in its fault-study state (:func:`opendss_faulted`) with the
  sites as ``Isource`` elements carrying the currents protv2g's control law converged to
  (the network side of the fixed point, as ``test_phase_sites``), classical method from
  OpenDSS's open-circuit voltages: fault current and both fuses' currents within 0.5 %.

Takes about a minute (the 8500 compiled four times), so it runs only with
``PROTV2G_SLOW_TESTS=1``.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

pytest.importorskip("opendssdirect")

from protv2g import load_study  # noqa: E402
from protv2g.engine.phase import PhaseDevice, PhaseSite, phase_fault_study  # noqa: E402
from protv2g.network.opendss_reference import opendss_faulted  # noqa: E402
from protv2g.pipeline import study_with_sites  # noqa: E402
from protv2g.scenarios import build_scenarios  # noqa: E402
from protv2g.study.engine_inputs import fault_scenarios  # noqa: E402
from protv2g.units import Case, FaultType, Method  # noqa: E402

pytestmark = pytest.mark.skipif(os.environ.get("PROTV2G_SLOW_TESTS") != "1",
                                reason="slow (IEEE 8500 compiled four times, ~1 min): "
                                "set PROTV2G_SLOW_TESTS=1 to run")

REL = 0.005
R_FAULT = 0.01
FUSES = ("ln5712587-2", "ln6106583-5")
FAULT_BUS = "n1144667"  # bus1 of ln5712587-2: upstream of both fuses


@pytest.fixture(scope="module")
def two_sites(shared_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("e8500")
    folder = root / "IEEE8500"                     # a study's feeder files sit beside it
    shutil.copytree(shared_dir / "feeders" / "opendss" / "real" / "IEEE8500", folder)
    master, fuses = folder / "Master.dss", folder / "Fuses.DSS"
    devices = "".join(
        f"  - {{name: {n}, kind: fuse, location: {{line: {n}, end: from}}, link: 10T, "
        "interrupting_rating_ka: 1}\n" for n in FUSES)
    path = root / "study.yaml"
    path.write_text(
        "name: e8500_two_sites\n"
        "feeder: {opendss: IEEE8500/Master.dss, redirects: [IEEE8500/Fuses.DSS], "
        "adopt_devices: false}\n"
        f"devices:\n{devices}"
        "v2g_sites:\n"
        "  - {name: depot, bus: e192860, n_chargers: 20, p_charger_kw: 100, phases: 3}\n"
        "  - {name: homes, bus: m1027110, phases: 1, phase: a, n_chargers: 10, "
        "p_charger_kw: 11.5}\n"
        "scenarios: {export_levels_fraction: [0.0, 1.0], participation: [expected], "
        "load_levels: [light]}\n", encoding="utf-8")
    study = study_with_sites(load_study(path))
    sets, _ = fault_scenarios(study, list(build_scenarios(study.document)))
    phases = {s.name: ("abc" if s.phases == 3 else str(s.phase))
              for s in study.document.v2g_sites}
    (full,) = [k for k, v in sets.items() if v]
    sites = [PhaseSite(src, study.bus_name(src.bus), phases[src.name]) for src in sets[full]
             if src.name in phases]
    devs = [PhaseDevice(n, study.device_sites[n].element_name, study.device_sites[n].terminal)
            for n in FUSES]
    res = phase_fault_study(study.model, fault_types=[FaultType.SINGLE_LINE_GROUND],
                            cases=[Case.MAX], method=Method.CLASSICAL, r_fault_ohm=R_FAULT,
                            buses=[FAULT_BUS], scenarios={"base": [], "v2g": sites},
                            devices=devs)
    return master, fuses, study, sites, res


def _c(row, p):
    return row[f"i{p}_ka"] * 1e3 * np.exp(1j * np.radians(row[f"i{p}_degree"]))


def test_fleet_is_on_phase_a_at_its_first_cycle_limit(two_sites):
    _, _, study, sites, res = two_sites
    homes = next(s for s in sites if s.source.name == "homes")
    assert homes.phases == "a" and homes.bus == "m1027110"
    c = res.charger[res.charger.site == "homes"].iloc[0]
    kv_ln = study.model.buses.at["m1027110", "kv_ln"]
    assert kv_ln == pytest.approx(12.47 / 3**0.5, rel=1e-3)
    limit_a = 1.5 * 8 * 11.5e3 / (kv_ln * 1e3)              # 19.17 A, hand calculation
    assert c.ia_ka * 1e3 == pytest.approx(limit_a, rel=1e-6)
    assert c.ib_ka == 0 and c.ic_ka == 0


@pytest.mark.parametrize("scenario", ["base", "v2g"])
def test_fault_and_fuse_currents_match_opendss_with_isources(two_sites, scenario):
    master, fuses, _, sites, res = two_sites
    iso = []
    if scenario == "v2g":
        for _, r in res.charger[res.charger.scenario == "v2g"].iterrows():
            site = next(s for s in sites if s.source.name == r.site)
            for k, p in enumerate("abc"):
                if p in site.phases:
                    i = _c(r, p)
                    iso.append((f"{site.bus}.{k + 1}", f"{r.site}_{p}", abs(i),
                                float(np.degrees(np.angle(i)))))
        assert len(iso) == 4                                  # depot a, b, c; homes a
    ref = opendss_faulted(master, FAULT_BUS, "a", True, R_FAULT,
                          elements=[f"line.{n}" for n in FUSES], isources=iso,
                          redirects=[fuses])
    b = res.bus
    ours = _c(b[(b.scenario == scenario) & (b.phase == "a")].iloc[0], "a")
    assert abs(ours - ref["fault"][0]) <= REL * abs(ref["fault"][0])
    d = res.device
    for name in FUSES:
        row = d[(d.scenario == scenario) & (d.device == name)].iloc[0]
        theirs = ref[f"line.{name}"]
        theirs = theirs[: len(theirs) // 2]                   # terminal 1 (the from end)
        mine = np.array([_c(row, p) for p in "abc"])
        k = int(np.argmax(np.abs(mine)))
        assert abs(abs(mine[k]) - np.abs(theirs).max()) <= REL * np.abs(theirs).max() + 0.01
        if scenario == "v2g":                                 # the fleet's current, backwards
            assert 15.0 < abs(mine[k]) < 19.2
        else:
            assert abs(mine[k]) < 2.0
