"""The hosting band's pessimistic end is pessimistic by construction (ver37 §5e).

Where the study does not declare its relays' technology, the band's pessimistic end takes the
electromechanical relays' coordination intervals. Until band38 it took their timing accuracy
too (10 % instead of 5 %), and that accuracy is also the materiality of V2G's change of a
margin in attribution: a C1 row passing without V2G by more than 5 % but less than 10 % of the
backup relay's time turned ``pre-existing`` at the pessimistic end, stopped limiting, and the
end's search landed ABOVE the figure (EPRI ckt5 campus: 112 kW against 68 kW; capped at the
figure by host37's guard). The ends now move the intervals only
(:mod:`protv2g.hosting.band`).

* a synthetic three-section feeder (built here, no shared data; ≈ 5 s CPU): a site below a
  lateral's 65K fuse displaces the grid's share of a 20 Ω ground fault through the fuse, so
  the fuse slows and the head's 51G-over-fuse interval shrinks with the export. The head is
  set so that without V2G the interval passes by more than 5 % but less than 10 % of the
  head's time (checked by hand below). Old code: pessimistic end 154 kW, capped at the
  figure 141 kW; now 100 kW, below it, with no cap.
* EPRI ckt5 campus (``../shared``; one axis, ≈ 60–90 s CPU): pessimistic end ≤ the figure
  without the cap.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

from .conftest import REAL_FEEDERS_DIR, need_dss_master

pytest.importorskip("pandapower")

#: The synthetic study: head relay R1 (51G IEEE-VI, 100 A, TD 1.37) over lateral fuse FU
#: (65K), the site (100 × 10 kW) below the fuse, minimum-case 20 Ω ground faults only.
SYN_STUDY = """name: band_materiality
feeder:
  pandapower_json: feeder.json
faults:
  fault_types: [SLG]
  cases: [min]
  r_fault_min_ohm: 20.0
devices:
  - {name: R1, kind: relay, location: {line: F1-L01, end: from}, pickup_a: 900, curve: IEEE-VI,
     time_dial: 1.0, ground_pickup_a: 100, ground_curve: IEEE-VI, ground_time_dial: 1.37,
     reclose_intervals_s: []}
  - {name: FU, kind: fuse, location: {line: LAT-L01, end: from}, link: 65K}
v2g_sites:
  - {name: fleet, bus: LAT-B01, n_chargers: 100, p_charger_kw: 10}
scenarios:
  export_levels_fraction: [0.0, 0.25, 0.5, 0.75, 1.0]
  participation: [firm]
  load_levels: [peak]
gate:
  criteria: [C1]
"""


def _synthetic_study(folder: Path):
    import pandapower as pp

    import protv2g
    from protv2g.network.example_feeders import (
        LATERAL,
        TRUNK,
        add_radial_run,
        add_substation,
        write_feeder,
    )

    net = pp.create_empty_network(name="band_materiality", f_hz=60.0)
    _, sub = add_substation(net, s_sc_max_mva=1000.0, s_sc_min_mva=700.0, sn_mva=20.0)
    trunk = add_radial_run(net, sub, [0.5, 2.0], TRUNK, prefix="F1-", p_mw=0.3, q_mvar=0.1)
    add_radial_run(net, trunk[-1], [1.0, 2.0], LATERAL, prefix="LAT-", p_mw=0.1, q_mvar=0.03)
    write_feeder(net, folder)
    (folder / "study.yaml").write_text(SYN_STUDY, encoding="utf-8")
    return protv2g.load_study(folder / "study.yaml")


def _band(study, site: str, participations=None, load_levels=None):
    from protv2g.hosting.band import hosting_band
    from protv2g.hosting.search import hosting_analysis

    doc = study.document
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = hosting_analysis(study, sites=[site],
                                 participations=participations or doc.scenarios.participation,
                                 load_levels=load_levels or doc.scenarios.load_levels).table
        return table, hosting_band(study, table).set_index("site").loc[site]


def test_pessimistic_end_is_below_the_figure_on_a_synthetic_feeder(tmp_path):
    from protv2g.runner import run_study

    study = _synthetic_study(tmp_path)
    # the premise, by hand: without V2G the head's 51G over FU at the lateral's end passes by
    # more than the numerical relays' 5 % of the head's time, less than 10 % of it (the
    # electromechanical class, rules.yaml timing_accuracy), even after the electromechanical
    # interval's extra 0.10 s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        co = run_study(study, hosting=False).tables["Coordination"]
    row = co[(co.criterion == "C1") & (co.scenario == "base/peak")
             & (co.fault_bus == "LAT-B02")].iloc[0]
    m = float(row.i_backup_3i0_a) / 100.0  # multiple of the 51G pickup
    t_head = 1.37 * (19.61 / (m * m - 1.0) + 0.491)  # IEEE C37.112-1996 VI, written out
    assert float(row.t_backup_s) == pytest.approx(t_head, rel=1e-3)
    margin = t_head - float(row.t_primary_s) - 0.12  # numerical relay-over-fuse interval
    assert 0.05 * t_head < margin  # passes clear of the numerical scatter: V2G's failure is new
    assert margin - 0.10 < 0.10 * t_head  # inside the electromechanical scatter

    table, band = _band(study, "fleet")
    fig = float(band["hosting_kw"])
    text = str(band["driven_by"])
    assert fig == pytest.approx(float(table["hosting_kw"].min()))
    assert 100.0 < fig < 200.0  # 140.6 kW: C1 R1 / FU at LAT-B02
    # old code: "pessimistic end capped at the figure (141 kW): its own search … gave 154 kW"
    assert "capped" not in text, text
    assert float(band["band_low_kw"]) < fig - 10.0  # below by more than one charger
    assert "pessimistic end (" in text and "C1 R1 / FU" in text
    assert "the intervals only" in str(band["inputs"])
    assert float(band["band_high_kw"]) >= fig


@pytest.fixture
def ckt5_campus(tmp_path):
    model = need_dss_master(REAL_FEEDERS_DIR / "EPRI_ckt5" / "Master_ckt5.dss").parent
    data = Path(__file__).resolve().parent / "data" / "ckt5_campus"
    for name in ("study.yaml", "depot.dss"):
        shutil.copy(data / name, tmp_path / name)
    shutil.copytree(model, tmp_path / "model")  # a linked model is refused
    import protv2g

    return protv2g.load_study(tmp_path / "study.yaml")


def test_ckt5_campus_pessimistic_end_is_not_above_the_figure(ckt5_campus):
    """ver37 §5e's study (ver37/ckt5/study, full-line comments taken out), campus on its
    limiting axis (expected, light): figure 68 kW (C1 head / f-105409fuse); the pessimistic
    end's own search gave 112 kW on the old code and was capped at 68 kW; an independent
    bisection (ver37) gives ≈ 65 kW with the electromechanical interval. ≈ 60–90 s CPU."""
    _, band = _band(ckt5_campus, "campus", ["expected"], ["light"])
    fig = float(band["hosting_kw"])
    text = str(band["driven_by"])
    assert fig == pytest.approx(67.97, abs=0.5)
    assert "capped" not in text, text
    # old code: 68 kW (its own search 112 kW, capped); ver37's bisection ≈ 65 kW; band38 65.7
    assert 60.0 <= float(band["band_low_kw"]) < fig - 1.0
    assert "low end (65.7" in text and "within the band searches' resolution" in text
    assert float(band["band_high_kw"]) >= fig - 1e-9



def test_ckt5_declared_electromechanical_relay_does_not_raise_the_figure(tmp_path):
    """Review rev40b W2: the ckt5 campus study DECLARING electromechanical relays gave
    114.8 kW against 68.0 kW numerical. Its 10 % timing scatter was the materiality of V2G's
    change: the limiting C1 row head / f-105409fuse (passing by 2.66 s without V2G, inside 10 %
    of the head's ≈ 44 s, outside 5 %) read as the relay's own scatter and stopped limiting.
    A relay's scatter is common to the cases with and without V2G; the materiality is now the
    numerical class's whatever the relays are (:func:`protv2g.checks.tolerance.
    timing_technology`), and the declared technology's wider interval (0.22 s relay over fuse)
    can only lower the figure: the reviewer's run with the numerical accuracy gave 65.6 kW.
    One axis (expected, light), ≈ 45–90 s CPU."""
    model = need_dss_master(REAL_FEEDERS_DIR / "EPRI_ckt5" / "Master_ckt5.dss").parent
    data = Path(__file__).resolve().parent / "data" / "ckt5_campus"
    for name in ("study.yaml", "depot.dss"):
        shutil.copy(data / name, tmp_path / name)
    shutil.copytree(model, tmp_path / "model")
    text = (tmp_path / "study.yaml").read_text(encoding="utf-8")
    assert "\nchecks:" not in text
    (tmp_path / "study.yaml").write_text(
        text + "checks:\n  relay_technology: electromechanical\n", encoding="utf-8")
    import protv2g
    from protv2g.hosting.search import hosting_analysis

    study = protv2g.load_study(tmp_path / "study.yaml")
    assert study.document.checks.timing_accuracy_technology is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = hosting_analysis(study, sites=["campus"], participations=["expected"],
                                 load_levels=["light"]).table
    fig = float(table["hosting_kw"].min())
    # old code: 114.8 kW; numerical relays 67.97 kW (the test above); ≈ 65.6 kW here
    assert fig <= 67.97 + 1e-6, fig
    assert fig == pytest.approx(65.6, abs=2.5), fig
