"""C10's gate lines and texts (review rev33a F2): EPRI ckt24 printed 7 ``fail: C10`` lines of
~700 characters for two settings (the head's and R-MID's first reclose), each naming every
site's export — the depot's too on R-MID's lines, though the depot is not behind R-MID.

Now the gate says one line per device (and rule) naming every site of its rows, the
Findings keep one finding per (device, site), and a C10 row's scenario text names only the
sites behind its device. References: the shipped ``aggregated_fleet`` example's own layout
(feeder A's sites behind R-A and, A-B05 only, behind RC-A; feeder B's behind R-B/RC-B: two
feeders, nothing of B behind A) and counts written out here.
"""

from __future__ import annotations

import re
import shutil
import warnings

import pandas as pd
import pytest

from protv2g.checks._common import CheckContext
from protv2g.gate_reasons import grouped_reasons
from protv2g.scenarios import Scenario, SiteState
from protv2g.units import ChargerMode, LoadLevel, Participation

from .conftest import FEEDERS_DIR


def _rows() -> pd.DataFrame:
    """Three C10 sites behind R1 (margins −2, −2, −1.5 s) and a C2 pair, one scenario."""
    base = {"status": "fail", "attribution": "new", "scenario": "firm/light/100%",
            "margin_unit": "s", "rule": "reclose_margin_s", "fault_bus": "b1"}
    rows = [dict(base, criterion="C10", device="R1", other_device=site, margin=m,
                 message=f"R1 recloses after 0.5 s but site {site} …")
            for site, m in (("campus", -2.0), ("homes", -2.0), ("depot", -1.5))]
    rows += [dict(base, criterion="C2", device="R1", other_device=f, margin=-0.1,
                  rule="cti", message=f"R1 before {f}") for f in ("F1", "F2")]
    return pd.DataFrame(rows)


def test_one_gate_line_per_c10_device():
    lines = grouped_reasons("fail", _rows())
    c10 = [ln for ln in lines if ln.startswith("fail: C10")]
    assert len(c10) == 1
    # the worst row leads (the tie −2/−2 broken by name as the Findings do), the others
    # follow by name; every row and scenario counted
    assert c10[0].startswith("fail: C10 R1 / campus, depot, homes: R1 recloses after 0.5 s "
                             "but site campus …")
    assert c10[0].endswith("margin −2 s; 3 fail rows in 1 scenario)")
    # a pair criterion keeps one line per pair
    assert sum(ln.startswith("fail: C2 R1 / F") for ln in lines) == 2


def test_existing_der_rows_fold_onto_the_device_line():
    """The existing DER's pre-existing C10 rows behind the same device (one setting, the first
    reclose) are said on its line: named, counted, "of this line" (the Findings keep them
    apart)."""
    rows = _rows()
    c10 = rows[rows.criterion == "C10"].iloc[:1]
    der = c10.assign(other_device="existing DER", attribution="pre-existing", margin=-2.5,
                     message="R1 recloses after 0.5 s but the existing DER …")
    (line,) = [ln for ln in grouped_reasons("fail", c10, folded=der)
               if ln.startswith("fail: C10")]
    assert line.startswith("fail: C10 R1 / campus, existing DER: R1 recloses after 0.5 s but "
                           "site campus …")
    assert "pre-existing on 1 more row(s) of this line (failing without V2G)" in line
    assert line.endswith("2 fail rows in 1 scenario; the worst row overall, −2.5 s at "
                         "firm/light/100%, at b1, is pre-existing)")


def _scenario() -> Scenario:
    def st(site: str, kw: float) -> SiteState:
        return SiteState(site, ChargerMode.EXPORTING if kw > 0 else ChargerMode.IDLE, kw, kw,
                         kw)

    return Scenario("firm/light/100%", Participation.FIRM, LoadLevel.LIGHT, "100%",
                    (st("depot", 2000.0), st("campus", 600.0), st("homes", 180.0)))


def test_export_text_names_only_the_given_sites():
    sc = _scenario()
    ctx = CheckContext(study=None, thresholds=None, devices={}, build_errors={}, faults=None,
                       chains=pd.DataFrame(), pairs=pd.DataFrame(), zones=pd.DataFrame(),
                       scenarios={sc.name: sc}, base_of={})
    assert ctx.export_text(sc.name) == ("with depot exporting 2 MW and campus exporting "
                                        "0.6 MW and homes exporting 0.18 MW (light load)")
    assert ctx.export_text(sc.name, ["campus", "homes"]) == (
        "with campus exporting 0.6 MW and homes exporting 0.18 MW (light load)")
    assert ctx.export_text(sc.name, ("depot",)) == "with depot exporting 2 MW (light load)"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """``aggregated_fleet`` with R-A reclosing at 0.5 s, one scenario of full firm export."""
    from protv2g import load_study, run_study
    from protv2g.gate import gate_verdict

    out = tmp_path_factory.mktemp("fleet")
    shutil.copy(FEEDERS_DIR / "aggregated_fleet" / "feeder.json", out / "feeder.json")
    text = (FEEDERS_DIR / "aggregated_fleet" / "study.yaml").read_text()
    at = text.index("reclose_intervals_s: []")   # R-A's, the first device
    text = text[:at] + "reclose_intervals_s: [0.5, 15, 30]" + text[at + 23:]
    text = re.sub(r"export_levels_fraction: \[[^]]*\]", "export_levels_fraction: [1.0]", text)
    text = re.sub(r"participation: \[expected, firm\]", "participation: [firm]", text)
    (out / "study.yaml").write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(out / "study.yaml")
        result = run_study(study, hosting=False)
    return result, gate_verdict(study, result)


def test_fleet_c10_texts_and_lines(fleet):
    result, verdict = fleet
    v = result.violations
    c10 = v[(v.criterion == "C10") & (v.status == "fail")]
    a_sites, b_sites = {"vans-a1", "vans-a2", "park-a3", "park-a5"}, {"vans-b2", "park-b5"}
    assert set(c10[c10.device == "R-A"].other_device) == a_sites
    assert set(c10[c10.device == "RC-A"].other_device) == {"park-a5"}
    assert set(c10[c10.device == "RC-B"].other_device) == {"park-b5"} <= b_sites
    for row in c10.itertuples():
        behind = a_sites if row.device == "R-A" else {row.other_device}
        named = set(re.findall(r"(\S+) exporting", row.message))
        assert named == behind, row.message   # feeder B's sites never on feeder A's rows
    lines = [ln for ln in verdict["reasons"] if ln.startswith("fail: C10")]
    assert [ln.split(":", 2)[1] for ln in lines] == [
        " C10 R-A / vans-a1, park-a3, park-a5, vans-a2", " C10 RC-A / park-a5",
        " C10 RC-B / park-b5"]
    assert lines[0].endswith("4 fail rows in 1 scenario)")
