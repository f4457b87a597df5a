"""A finding's TCC link follows the element its worst row was judged on (review ver43 M-p1).

IEEE 13 F01 and IEEE 34 F04 (C5, the worst row an LLG fault judged on the device's **phase**
element: behind a step transformer C5 judges the element that sees more) linked the
**ground** TCC: the link chose the family from the worst fault's type alone. C5's zone rows
carry their judged element (``element`` on the grouped rows, :mod:`protv2g.checks.row_groups`,
0/1 of the group part since elem43); the Findings keep the leading row's and the link reads it.

The feeder is test_reach_idle_element's (a recloser R, 140 A phase / 70 A ground minimum trip,
its backup zone behind a YNyn step transformer, a 2 MW campus exporting behind a delta-primary
transformer): for the 20 Ω ground faults at b3 the base rows bind R's ground element (3I0
39.3 A by OpenDSS, that file's test) and the exporting rows its phase element (the export's
current). Which element a row was judged on is read independently from the pickup it was
judged against (``i_other_a``: 70 A ground, 140 A phase, the study file's values).
"""

from __future__ import annotations

import pytest

pytest.importorskip("opendssdirect")

from .test_close_in_twin import _run  # noqa: E402
from .test_reach_idle_element import MASTER, STUDY, XF  # noqa: E402

#: R's minimum trips in STUDY (A) → the element a C5 row judged against it was judged on.
R_PICKUP_ELEMENT = {140.0: "phase", 70.0: "ground"}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    where = tmp_path_factory.mktemp("xel_link")
    (where / "Master.dss").write_text(MASTER)
    (where / "campus_xf.dss").write_text(XF)
    _study, res, _gate = _run(where, STUDY)
    return res


def test_c5_rows_carry_the_element_they_were_judged_on(result):
    from protv2g.report.derived import result_findings

    f = result_findings(result)
    ev = f.evidence[(f.evidence.criterion == "C5") & (f.evidence.device == "R")]
    assert len(ev) and {"phase", "ground"} <= set(ev["element"].astype(str))
    for _, row in ev.iterrows():
        assert row["element"] == R_PICKUP_ELEMENT[float(row["i_other_a"])], row.to_dict()
    # the exporting rows at b3's ground faults: the phase element, for a ground fault
    v2g = ev[(ev.scenario == "firm/light/100%") & ev.fault_type.astype(str).str.match("S?LL?G")]
    assert len(v2g) and set(v2g["element"]) == {"phase"}
    # each finding says its leading row's element (the row its worst fault names)
    for _, fnd in f.findings[f.findings.criterion == "C5"].iterrows():
        ftype, *bus, case = fnd["worst_fault"].split(" ")
        bus = " ".join(bus)   # "f_campus close-in": a close-in position
        lead = f.evidence[(f.evidence.finding == fnd["finding"])
                          & (f.evidence.scenario == fnd["worst_scenario"])
                          & (f.evidence.fault_type.astype(str) == ftype)
                          & (f.evidence.fault_bus.astype(str) == bus)
                          & (f.evidence.case.astype(str) == case)]
        assert fnd["element"] == lead["element"].iat[0]


def test_the_link_follows_the_judged_element_not_the_fault_type(result):
    """A C5 finding at an LLG fault judged on the phase element links the phase TCC (ver43
    M-p1); without an element (other criteria) the fault type decides, as before."""
    from protv2g.report.tcc_plan import finding_plot, plan_tcc

    plan = plan_tcc(result)
    plan.select(None)
    text, _target = plan.link(*finding_plot("R", "", "C5", "LLG-ab b3 min", "phase"))
    assert "(phase" in text and "(ground" not in text
    text, _target = plan.link(*finding_plot("R", "", "C5", "LLG-ab b3 min", "ground"))
    assert "(ground" in text
    text, _target = plan.link(*finding_plot("R", "", "C5", "LLG-ab b3 min"))
    assert "(ground" in text
