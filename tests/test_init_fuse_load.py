"""init says once when most of the model's fuses cannot carry their laterals' load (review
rev36a T3: IEEE 8500's 30 "10 A tlink" fuses, 23 of them carrying 23–57 A at peak, above
10T's minimum melt 19.5 A / 1.5 = 13 A; the reader met it as 23 separate C8 findings).

Reference (not protv2g): OpenDSS's snapshot power flow of the small feeder of
``test_dss_site_transformer`` (the lines' largest phase current at their sending end) and
10T's minimum melting current at 300 s, 19.5 A (ANSI C37.43, as relay_library's 10T gives
it), / C8's 1.5: 13 A.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import MASTER  # noqa: E402


def _fuses(rating_a: int) -> str:
    return "".join(f"New Fuse.f{k} MonitoredObj=Line.l{k} MonitoredTerm=1 FuseCurve=tlink "
                   f"RatedCurrent={rating_a}\n" for k in (2, 3))


def _opendss_peak_a(folder) -> dict[str, float]:
    import opendssdirect

    odd = opendssdirect.NewContext()
    odd.Text.Command("clear")
    odd.Text.Command(f'compile "{folder / "Master.dss"}"')
    odd.Text.Command("solve")
    out = {}
    for k in (2, 3):
        odd.Circuit.SetActiveElement(f"Line.l{k}")
        mags = odd.CktElement.CurrentsMagAng()[0:6:2]   # terminal 1, phases a–c
        out[f"f{k}"] = max(mags)
    return out


def test_most_fuses_below_their_load_said_once(tmp_path):
    from protv2g.study_draft.draft import draft_study

    (tmp_path / "Master.dss").write_text(MASTER)
    (tmp_path / "fuses.dss").write_text(_fuses(10))
    draft = draft_study(tmp_path / "Master.dss", redirects=[tmp_path / "fuses.dss"])
    peak = _opendss_peak_a(tmp_path)
    assert min(peak.values()) > 13.0           # both laterals above 10T's 13 A
    m = re.search(r"(\d+) of (\d+) model fuses carry (\d+)–(\d+) A at peak load",
                  draft.fuse_load)
    assert m and m.group(1) == m.group(2) == "2"
    assert float(m.group(3)) == pytest.approx(min(peak.values()), abs=1.0)
    assert float(m.group(4)) == pytest.approx(max(peak.values()), abs=1.0)
    assert "13 A for 10T" in draft.fuse_load and "confirm the links" in draft.fuse_load
    assert draft.text.count(draft.fuse_load) == 1    # once, in the header


def test_fuses_that_carry_their_load_say_nothing(tmp_path):
    from protv2g.study_draft.draft import draft_study

    (tmp_path / "Master.dss").write_text(MASTER)
    (tmp_path / "fuses.dss").write_text(_fuses(100))
    draft = draft_study(tmp_path / "Master.dss", redirects=[tmp_path / "fuses.dss"])
    assert draft.fuse_load == "" and "cannot carry the laterals' load" not in draft.text
