"""``init`` quotes the study's base case — without the sites' own model transformers — in the
candidate table and the fuses' link and rating TODOs (review rev36a T6: on IEEE 8500 with the
reviewer's YNd depot_xf in a redirect, the table said hvmv_sub_48332 SLG 8.56 kA, OpenDSS
8,257 A without it, and a fuse's TODO "max fault 5025 A" vs 4882 A without it: the figures
were the model's with the project's transformer in, not the base case the study judges). A
device on the site's transformer itself (its own fuse) keeps the figure with it in, and its
TODO says the device is the project's. ``init --redraft`` reads the same base case: on the
study init wrote it finds nothing to re-draft.

Reference (not protv2g): OpenDSS's fault study (``Solve mode=faultstudy``) on the small
feeder of ``test_dss_site_transformer`` — the bus's three-phase ``Isc`` and its ``Zsc1``,
``Zsc0``, by hand ``I_SLG = 3 V_LN / |2 Z1 + Z0|`` (Fortescue) — × IEC 60909's ``c_max`` 1.1
(MV), as the table's max case. A 5 MVA YNd transformer at b1 halves its Z0 there: OpenDSS
SLG 3,289 A × 1.1 = 3.62 kA without it (protv2g 3.53), 4,619 A × 1.1 = 5.08 kA with it
(the old draft: 5.00).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("opendssdirect")

from .test_dss_site_transformer import MASTER  # noqa: E402

FUSES = "New Fuse.f3 MonitoredObj=Line.l3 MonitoredTerm=1 FuseCurve=tlink RatedCurrent=65\n"
DEPOT = """\
! the depot's own 5 MVA YNd transformer at b1 and the fuse on its 12.47 kV terminal
New Transformer.depot_xf phases=3 windings=2 buses=(b1, depot_lv) conns=(wye, delta)
~ kvs=(12.47, 0.48) kvas=(5000, 5000) xhl=5.64 %r=0.564
New Fuse.fxf MonitoredObj=Transformer.depot_xf MonitoredTerm=1 FuseCurve=tlink RatedCurrent=200
Set VoltageBases=(115, 12.47, 0.48)
CalcVoltageBases
"""
C_MAX = 1.1  # IEC 60909-0 Table 1, MV, max case


@pytest.fixture(scope="module")
def drafted(tmp_path_factory) -> Path:
    from protv2g.study_draft.draft import draft_study, parse_site

    d = tmp_path_factory.mktemp("t6")
    (d / "Master.dss").write_text(MASTER)
    (d / "fuses.dss").write_text(FUSES)
    (d / "depot_xf.dss").write_text(DEPOT)
    text = draft_study(d / "Master.dss", redirects=[d / "fuses.dss", d / "depot_xf.dss"],
                       sites=[parse_site("depot:depot_lv:10:100")]).text
    (d / "study.yaml").write_text(text)
    return d


def _opendss(folder: Path, redirects: list[str], bus: str) -> tuple[float, float]:
    """(three-phase, single-line-to-ground) kA at ``bus``, OpenDSS's fault study, no c."""
    import opendssdirect

    odd = opendssdirect.NewContext()
    odd.Text.Command("clear")
    odd.Text.Command(f'compile "{folder / "Master.dss"}"')
    for r in redirects:
        odd.Text.Command(f'redirect "{folder / r}"')
    odd.Text.Command("solve mode=faultstudy")
    odd.Circuit.SetActiveBus(bus)
    z1, z0 = complex(*odd.Bus.Zsc1()), complex(*odd.Bus.Zsc0())
    isc = odd.Bus.Isc()
    v_ln = odd.Bus.kVBase() * 1e3
    return abs(complex(isc[0], isc[1])) / 1e3, 3 * v_ln / abs(2 * z1 + z0) / 1e3


def _device_line(text: str, name: str, key: str) -> str:
    lines = text.splitlines()
    i = lines.index(f"  - name: {name}")
    return next(ln for ln in lines[i:] if ln.strip().startswith(f"{key}:"))


def test_candidate_table_is_the_base_case(drafted):
    text = (drafted / "study.yaml").read_text()
    assert "model_transformer: depot_xf" in text
    row = next(ln for ln in text.splitlines() if re.match(r"^#   b1\s", ln)).split()
    i3_ka, slg_ka = float(row[5]), float(row[6])
    base3, base1 = _opendss(drafted, ["fuses.dss"], "b1")
    _w3, with1 = _opendss(drafted, ["fuses.dss", "depot_xf.dss"], "b1")
    assert slg_ka == pytest.approx(C_MAX * base1, rel=0.03)   # 3.53 vs 3.62 kA
    assert slg_ka < 0.8 * C_MAX * with1                       # was 5.00 (with depot_xf)
    assert i3_ka == pytest.approx(C_MAX * base3, rel=0.03)


def test_fuse_figures_are_the_base_case_and_the_projects_fuse_keeps_its_own(drafted):
    text = (drafted / "study.yaml").read_text()
    base3, base1 = _opendss(drafted, ["fuses.dss"], "b1")
    with3, with1 = _opendss(drafted, ["fuses.dss", "depot_xf.dss"], "b1")
    # f3 on l3 at b1: its largest fault is its close-in three-phase fault in the base case
    link = _device_line(text, "f3", "link")
    max_a = float(re.search(r"at (\d+) A \(max fault\)", link).group(1))
    assert max_a / 1e3 == pytest.approx(C_MAX * max(base3, base1), rel=0.03)  # 4333 vs 4374
    assert max_a / 1e3 < 0.9 * C_MAX * with1                 # was 4996 A (SLG with depot_xf)
    rating = _device_line(text, "f3", "interrupting_rating_ka")
    assert "project's" not in rating and "project's" not in link
    # the project's own fuse on depot_xf's 12.47 kV terminal: the figure with it in, said so
    link = _device_line(text, "fxf", "link")
    rating = _device_line(text, "fxf", "interrupting_rating_ka")
    for line in (link, rating):
        assert "with the site's own transformer depot_xf in service: this device is the " \
               "project's" in line
        assert line.index("project's") < line.index("| fix:")
    # its close-in three-phase fault (an SLG at b1 sends through it only the transformer's
    # own zero-sequence share); in the base case it has no current at all
    max_a = float(re.search(r"at (\d+) A \(max fault\)", link).group(1))
    assert max_a / 1e3 == pytest.approx(C_MAX * with3, rel=0.03)   # 4381 vs 4374 A


def test_redraft_reads_the_same_base_case(drafted):
    from protv2g.study.dss_site_transformers import base_case_model
    from protv2g.study.loader import load_study
    from protv2g.study_draft.redraft_candidates import refresh_candidate_table
    from protv2g.study_draft.redraft_ratings import stale_ratings

    study = load_study(drafted / "study.yaml")
    assert stale_ratings(study) == []      # old: f3's 5.29 → 6.09 kA quoted fault moves
    text = (drafted / "study.yaml").read_text()
    out, moved = refresh_candidate_table(text, base_case_model(study))
    assert moved == 0 and out == text
