"""C3 fuse–fuse findings get fuse-link moves (review rev42c W1).

On IEEE 8500 every C3 finding (a 10T backing up a 10T) got "no ordinary setting change applies to
this criterion", though a larger backup link clears it (15T: ``0.75 × MM`` 0.313 s against the
10T's 0.207 s TC at the finding's 191 A, `protv2g curves eval`). The candidates are the backup's
larger links (up to :data:`~protv2g.recommend.candidates.C8_LINK_STEPS` sizes, bisected by the
search) and the primary's two smaller ones.

The depot example with a second 40K on its F2 lateral (two equal K links never coordinate) is the
end-to-end case: the checks re-run with each backup link (not the search's bookkeeping) show that
65K still fails C3 at the largest through-fault (1,734 A) and 80K passes every row — the
EEI-NEMA K-link coordination table (recalled: 40K protected by 65K to ≈ 1,340 A, by 80K to
≈ 2,200 A) agrees on both. The search tries the preferred 100K first, then the intermediate
80K (review rev42a M9), and says what each costs (RC-F2's C2 coordination).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from protv2g.devices.library import default_library
from protv2g.recommend import Change, Family, apply_to_study, candidates
from protv2g.units import DeviceKind

DEPOT = Path(__file__).resolve().parents[1] / "feeders" / "depot_two_feeder"


def test_a_fuse_fuse_finding_gets_the_backup_up_and_the_primary_down():
    backup = SimpleNamespace(name="ln5712587-2", kind=DeviceKind.FUSE, link="10T")
    primary = SimpleNamespace(name="ln6106583-5", kind=DeviceKind.FUSE, link="10T")
    row = {"criterion": "C3", "device": backup.name, "other_device": primary.name,
           "mechanism": "", "attribution": "pre-existing"}
    got = candidates(row, [backup, primary], [], default_library())
    assert all(c.family is Family.FUSE_LINK and c.field == "link" for c in got)
    ups = [c.new for c in got if c.name == backup.name]
    downs = [c.new for c in got if c.name == primary.name]
    assert ups[:2] == ["12T", "15T"] and len(ups) >= 5, ups
    assert downs == ["8T", "6T"], downs


@pytest.fixture(scope="module")
def lateral_pair(tmp_path_factory):
    from protv2g import load_study
    from protv2g.pipeline import fault_tables, study_flow
    from protv2g.scenarios import build_scenarios

    where = tmp_path_factory.mktemp("c3")
    text = (DEPOT / "study.yaml").read_text()
    anchor = ("  - {name: FU-F2-LAT2, kind: fuse, location: {line: F2-LAT2-L1, end: from}, "
              "link: 40K,\n     interrupting_rating_ka: 10}\n")
    assert anchor in text
    text = text.replace(anchor, anchor + anchor.replace("FU-F2-LAT2,", "FU-F2-LAT2B,")
                        .replace("F2-LAT2-L1", "F2-LAT2-L2"))
    (where / "study.yaml").write_text(text)
    (where / "feeder.json").write_bytes((DEPOT / "feeder.json").read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = load_study(where / "study.yaml")
        scenarios = build_scenarios(study.document)
        faults = fault_tables(study, scenarios)
        flow = study_flow(study)
    tables = {"device": flow.devices, "bus": flow.buses, "branch": flow.branches,
              "sites": flow.sites}
    return study, scenarios, faults, tables


def _c3_rows(lateral_pair, link):
    from protv2g.checks import run_checks

    study, scenarios, faults, tables = lateral_pair
    study = apply_to_study(study, [Change("devices", "FU-F2-LAT2", "link", "40K", link,
                                          Family.FUSE_LINK, 0.1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, coord = run_checks(study, faults, tables, scenarios)
    return coord[(coord.criterion == "C3") & (coord.backup == "FU-F2-LAT2")
                 & (coord.primary == "FU-F2-LAT2B")]


def test_the_backup_link_that_clears_c3_is_found_and_checked(lateral_pair):
    from protv2g.checks import run_checks
    from protv2g.findings import build_findings
    from protv2g.recommend import recommend
    from protv2g.scenarios import scenario_table

    rows = {link: _c3_rows(lateral_pair, link) for link in ("40K", "65K", "80K")}
    assert len(rows["40K"]) > 0 and (~rows["40K"].ok).all()
    assert rows["65K"].i_primary_a.max() == pytest.approx(1733.6, rel=0.01)
    assert (~rows["65K"].ok).any() and rows["80K"].ok.all()
    study, scenarios, faults, tables = lateral_pair
    flow = SimpleNamespace(devices=tables["device"], buses=tables["bus"],
                           branches=tables["branch"], sites=tables["sites"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v, coord = run_checks(study, faults, tables, scenarios)
        f = build_findings(v, scenario_table(scenarios), coord).findings
        ids = f.loc[f.criterion == "C3", "finding"].tolist()
        assert ids
        rec = recommend(study, faults, flow, scenarios=scenarios, only=ids)
    table = rec.table()
    text = " | ".join(table.change.tolist() + table.note.tolist())
    assert "FU-F2-LAT2 link 40K → 80K" in text, text
    # review rev42a M9: the preferred series first (100K: refused, it costs RC-F2's C2 and
    # FU-F2-LAT2's C5), then the intermediate 80K — each refusal named; on the old code one
    # bisection over 50K…200K reached 80K and 100K was never tried
    assert text.index("FU-F2-LAT2 link 40K → 100K: new: C2") < text.index(
        "FU-F2-LAT2 link 40K → 80K: new: C2"), text
