"""``init --redraft`` re-computes the candidate-site table's short-circuit levels on the model
as the study now stands (review rev33b F1: after the utility's source was given in a
redirect, IEEE 123's table still read the ideal source's 55.14 kA at bus 1).

Reference (not protv2g): OpenDSS's own fault study (``Solve mode=faultstudy``, the bus's
three-phase ``Isc``) on the small feeder of ``test_dss_site_transformer`` with a weaker
source redirect, × IEC 60909's ``c_max`` 1.1 (MV), as the table's max case.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import MASTER  # noqa: E402

WEAK = "Edit Vsource.source MVAsc3=150 MVAsc1=120\n"


def _row(text: str, bus: str) -> list[str]:
    line = next(ln for ln in text.splitlines() if re.match(rf"^#   {bus}\s", ln))
    return line.split()


def _opendss_i3_ka(folder, bus: str) -> float:
    import opendssdirect

    odd = opendssdirect.NewContext()
    odd.Text.Command("clear")
    odd.Text.Command(f'compile "{folder / "Master.dss"}"')
    odd.Text.Command(f'redirect "{folder / "weak.dss"}"')
    odd.Text.Command("solve mode=faultstudy")
    odd.Circuit.SetActiveBus(bus)
    return float(odd.Bus.Isc()[0] ** 2 + odd.Bus.Isc()[1] ** 2) ** 0.5 / 1e3


def test_redraft_recomputes_the_candidate_table_on_the_given_source(tmp_path):
    from protv2g.network.dss_model import load_dss_model
    from protv2g.study_draft.draft import draft_study
    from protv2g.study_draft.redraft_candidates import refresh_candidate_table

    (tmp_path / "Master.dss").write_text(MASTER)
    (tmp_path / "weak.dss").write_text(WEAK)
    text = draft_study(tmp_path / "Master.dss").text
    before = _row(text, "b1")
    model = load_dss_model(tmp_path / "Master.dss", redirects=[tmp_path / "weak.dss"])
    out, moved = refresh_candidate_table(text, model)
    after = _row(out, "b1")
    assert moved >= 1
    assert after[1:5] == before[1:5] and after[8:] == before[8:]  # bus, ph, kV, km, behind
    want = 1.1 * _opendss_i3_ka(tmp_path, "b1")
    assert float(after[5]) == pytest.approx(want, rel=0.03)
    assert float(before[5]) > 1.1 * float(after[5])  # the stronger source's level before
    assert "re-computed by protv2g init --redraft on the model as it now stands:" in out
    again, moved_again = refresh_candidate_table(out, model)
    assert moved_again == 0 and again == out


def test_redraft_refinds_the_device_a_candidate_sits_behind(tmp_path):
    """Review rev42b M5: IEEE 123's 114 stayed "behind head-sw1 (relay, proposed)" after the
    user added R-SW2 and F-L107 above it. Here a fuse added on l2 (sub–b1–b2: b2 is fed only
    through l2, by the model's own lines) is the device b2 sits behind now; b3 (fed through
    l3) stays behind the head relay, with the kind the table showed."""
    from protv2g.network.dss_model import load_dss_model
    from protv2g.study_draft.draft import draft_study
    from protv2g.study_draft.redraft_candidates import refresh_candidate_table

    (tmp_path / "Master.dss").write_text(MASTER)
    text = draft_study(tmp_path / "Master.dss").text
    head = " ".join(_row(text, "b2")[8:])
    assert head == " ".join(_row(text, "b3")[8:]) and "proposed" in head
    name = head.split()[0]
    model = load_dss_model(tmp_path / "Master.dss")
    out, moved = refresh_candidate_table(text, model, {name: ("line.l1", "relay"),
                                                       "F-L2": ("line.l2", "fuse")})
    assert " ".join(_row(out, "b2")[8:]) == "F-L2 (fuse)"
    assert " ".join(_row(out, "b3")[8:]) == head
    assert moved == 1
    assert refresh_candidate_table(out, model, {name: ("line.l1", "relay"),
                                                "F-L2": ("line.l2", "fuse")})[1] == 0
