"""Report and text leftovers of the s22 review of EPRI's DG_Protection feeder (small23).

Each test pins one point of the brief: no empty slot in a hosting limit, no "published"
claim for data that is not, the element that operates in a row, the TCC's dotted legend, the
findings' worst margins and the unprotected lateral.
"""

from __future__ import annotations

import pandas as pd

from protv2g.commands.hosting import _line
from protv2g.gate_hosting import hosting_limit_per_site, limit_words


def _row(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "site": "homes", "participation": "firm", "load_level": "light", "hosting_kw": 54.0,
        "hosting_chargers": 7, "limited": True, "limiting_criterion": "C12",
        "limiting_device": "", "limiting_fault": "at lat1", "site_max_kw": 57.6,
        "max_online_chargers": None}
    return {**base, **kw}


def test_hosting_line_names_the_bus_when_no_device_limits() -> None:
    """Review s22: ``protv2g hosting`` printed "limited by C12 (, at lat1)"."""
    line = _line(_row())
    assert "limited by C12 (at lat1)" in line
    assert "(," not in line and ", )" not in line


def test_hosting_line_with_device_and_fault_unchanged() -> None:
    line = _line(_row(limiting_criterion="C5", limiting_device="a",
                      limiting_fault="SLG-b at b2 (min)"))
    assert line.endswith("limited by C5 (a, SLG-b at b2 (min))")


def test_limit_words_without_device_or_fault_says_the_criterion_in_words() -> None:
    assert limit_words(_row(limiting_fault=None)) == "C12 (voltage, loading and reverse flow)"
    assert limit_words(_row(limiting_criterion="", limiting_fault="")) == "a criterion"


def test_gate_hosting_text_has_no_empty_slot() -> None:
    table = pd.DataFrame([_row()])
    text = hosting_limit_per_site(table)["homes"]
    assert text.startswith("limited by C12 (at lat1), firm/light")


def test_melting_band_label_follows_the_curve_provenance() -> None:
    """Review s22: devices/tcc.py called every band "published melting ranges"; the library's
    K links are recalled EEI-NEMA ranges, not verified against C37.43."""
    from dataclasses import replace

    from protv2g.devices.library import default_library
    from protv2g.devices.models import Fuse
    from protv2g.devices.tcc import device_traces, melting_ranges_label

    k40 = default_library().get("40K")
    labels = [t.label for t in device_traces(Fuse(name="f1", link="40K"))]
    band = [x for x in labels if "melting ranges" in x]
    assert band and "published" not in band[0] and "not verified" in band[0]
    assert melting_ranges_label(replace(k40, source="")) == "melting ranges (source not stated)"
    assert "model" in melting_ranges_label(replace(k40, source="x.dss (OpenDSS TCC_Curve)"))
    assert melting_ranges_label(replace(k40, source="S&C published TCC 153-1")) == \
        "published melting ranges"


def test_tcc_legend_says_sparse_points_not_outside_the_data() -> None:
    """Review s22: dss-133 (points at 1, 10, … × minimum trip) was dotted from 1 to 10 × with
    "dotted: outside the curve data", although those currents lie inside its points' range:
    the stretch is between two sparse points, and the legend now says so."""
    from protv2g.devices.library import Curve, CurveLibrary, default_library
    from protv2g.devices.models import Recloser
    from protv2g.devices.tcc import device_traces, dotted_title
    from protv2g.report.tcc_figure import path_figure

    lib = default_library()
    d133 = Curve(name="dss-133", kind=lib.get("101").kind, family=lib.get("101").family,
                 source="test", m_points=(1.0, 10.0, 15.0, 25.0, 35.0, 50.0, 100.0),
                 t_points=(14.0, 0.16, 0.09, 0.052, 0.042, 0.039, 0.039), clearing_adder_s=0.0)
    lib2 = CurveLibrary([lib.get(n) for n in lib.names()] + [d133])
    rc = Recloser(name="a", phase_min_trip_a=200.0, fast_curve="101",
                  delayed_curve="dss-133", library=lib2)
    traces = device_traces(rc, [300.0, 1200.0, 2500.0])
    delayed = traces[1]
    assert delayed.boundary.tolist() == ["interpolated", "interpolated", "inside"]
    title = dotted_title(traces)
    assert title.startswith("dotted: between sparse curve points")
    assert "outside" not in title
    fig = path_figure([rc], "phase", {("a", "phase"): {"max_base": 1200.0}})
    texts = [t.get_text() for a in fig.axes for art in a.artists
             for t in getattr(art, "get_children", list)() if hasattr(t, "get_text")]
    assert not any("outside the curve data" in t for t in texts)


def test_evidence_sheet_shows_the_inputs_to_confirm_beside_the_message() -> None:
    """Review s22: the ``input_todo`` column (runner.py) reached the Evidence sheet only as
    its last of ~40 columns, headed "Input todo"; it now follows the message, headed in
    words."""
    from protv2g.report.format import header_label
    from protv2g.report.sheets import DATA_SHEETS, _ordered

    spec = next(s for s in DATA_SHEETS if s.title == "Evidence")
    assert spec.columns[spec.columns.index("message") + 1] == "input_todo"
    frame = pd.DataFrame({"margin_unit": ["s"], "input_todo": ["the settings of a (drafted: "
                                                                "TODO)"], "message": ["m"]})
    assert list(_ordered(frame, spec.columns).columns)[:2] == ["message", "input_todo"]
    assert header_label("input_todo") == "Inputs to confirm (drafted or default)"


def test_fast_shot_row_names_the_backups_fast_element() -> None:
    """Review s22 (C4 fast_shot_order, b → a at bt): the Elements cell read "a delayed P,
    b fast P" beside a's fast-shot time; the element named is the one whose time is shown."""
    import numpy as np

    from protv2g.devices.models import Recloser
    from protv2g.report.elements import _candidates, _element, _time_kinds

    a = Recloser(name="a", phase_min_trip_a=200.0, fast_curve="101", delayed_curve="117")
    ip, ig = np.array([[274.0]]), np.array([[274.0]])
    t0, t1 = np.zeros((1, 1)), np.full((1, 1), np.inf)
    shown_s = float(a.fast_time_s([274.0])[0])
    kinds = _time_kinds("fast_shot_order", -0.14, "recloser", "recloser")
    assert kinds == ("fast", "fast")
    cands = _candidates(a, kinds[1], ip, ig, t0, t1)
    assert _element(cands, shown_s, 1.0) == "fast P"


def test_finding_without_finite_worst_margin_says_why() -> None:
    """Review s22 F01 (C2 a / f1): the worst row's recloser never trips (margin −∞), and the
    Findings sheet's worst margin was blank; it now says why, with the worst finite one."""
    import numpy as np

    from protv2g.report.findings_margin import no_margin_texts

    f = pd.DataFrame({"finding": ["F01", "F02", "F03"], "worst_margin": [np.nan, -0.39, np.nan],
                      "margin_unit": ["s", "× pickup", "MW"], "device": ["a", "f2", ""]})
    e = pd.DataFrame({"finding": ["F01", "F01", "F02", "F03"],
                      "margin": [-np.inf, -12.003, -0.39, np.nan]})
    out = no_margin_texts(f, e)
    assert set(out) == {"F01", "F03"}
    assert out["F01"].startswith("−∞: a never operates") and out["F01"].endswith("−12 s")
    assert out["F03"] == "none: its rows carry no margin (see Message)"


def test_unseen_lateral_names_fuse_fault_range_and_backup_pickup() -> None:
    """Review s22 (f2's lateral, lat2): faults of 89–140 A are below recloser a's 200 A
    minimum trip and nothing backs f2 up; the C2 "not seen by recloser" finding now says so
    with the fuse, the currents, the pickup and what V2G changes."""
    from types import SimpleNamespace

    from protv2g.report.findings_backup import unseen_lateral_texts

    findings = pd.DataFrame({"finding": ["F08", "F02"], "criterion": ["C2", "C5"],
                             "mechanism": ["not seen by recloser", ""],
                             "device": ["a", "f2"], "other_device": ["f2", ""],
                             "attribution": ["pre-existing", "pre-existing"]})
    evidence = pd.DataFrame({"finding": ["F08", "F02"], "fault_bus": ["lat2", "lat2"]})
    rows = []
    for scen, i_a, i_f in (("base/light", 0.089, 0.089), ("base/light", 0.140, 0.140),
                           ("firm/light/100%", 0.050, 0.091), ("firm/light/100%", 0.108, 0.142)):
        for dev, i in (("a", i_a), ("f2", i_f)):
            rows.append({"scenario": scen, "device": dev, "fault_bus_name": "lat2",
                         "fault_type": "SLG-a", "case": "min", "ia_ka": i, "ib_ka": 0.0,
                         "ic_ka": 0.0, "i3i0_ka": i})
    result = SimpleNamespace(device_faults=pd.DataFrame(rows), scenarios=pd.DataFrame(
        {"scenario": ["base/light", "firm/light/100%"], "is_base": [True, False]}))
    models = {"a": SimpleNamespace(settings=SimpleNamespace(phase_min_trip_a=200.0,
                                                            ground_min_trip_a=None))}
    out = unseen_lateral_texts(findings, evidence, result, models)
    assert list(out) == ["F08"]
    assert out["F08"] == (
        "no backup on f2's lateral (lat2): faults there that a does not see (SLG-a) carry "
        "89–142 A through f2, below a's "
        "minimum trip 200 A (phase; ground off); a carries 89–140 A without V2G, 50–108 A "
        "with V2G: a pre-existing condition, V2G lowers what it carries")


def test_gate_twin_text_of_a_row_that_no_longer_operates_has_no_empty_number() -> None:
    """Review s22 (gate, C2 a / f1 "fuse saving not possible"): "V2G lowers the margin by
    (material: more than the tolerance 0 s)" — the change from a finite margin to −∞."""
    import numpy as np

    from protv2g.gate_reasons import _twin

    worst = pd.Series({"margin_unit": "s", "base_margin": 9.667, "margin": -np.inf,
                       "tolerance": 0.0, "fault_bus": "lat1", "fault_type": "SLG-a",
                       "case": "min"})
    text = _twin(worst)
    assert "by (" not in text and "lowers the margin by" not in text
    assert text.endswith("with V2G no margin is left (−∞: a device the rule times no longer "
                         "operates for this fault)")


def test_trend_prose_of_a_device_that_does_not_operate() -> None:
    """Review s22 F01's export trend read "firm −inf s at 658 kW"."""
    import numpy as np

    from protv2g.findings_trend import _fmt

    assert _fmt(-np.inf, "s") == "−∞ (does not operate)"
    assert _fmt(np.inf, "s") == "never"


def test_twin_text_of_a_base_at_the_limit_taken_as_passing():
    """Review rev37b F5 (EPRI DG feeder, C12 lat2): the base fails by 0.0002212 pu, within
    the tolerance 0.001 pu, and the row is ``new`` (C12 takes it as passing): no "% of that
    deficit" (it said 11721 %)."""
    import pandas as pd

    from protv2g.gate_twin import twin_text

    row = pd.Series({"margin_unit": "pu", "base_margin": -0.0002212, "margin": -0.0261412,
                     "tolerance": 0.001, "attribution": "new", "criterion": "C12",
                     "scenario": "firm/light/100%", "fault_type": None, "location": "lat2"})
    text = twin_text(row)
    assert "of that deficit" not in text
    assert "at the limit, fails by 0.0002212 pu, within the tolerance 0.001 pu" in text
    assert "(taken as passing)" in text
    worse = twin_text(row.copy().set_axis(row.index).replace({"new": "worse"}))
    assert "at the limit" not in worse
